#pragma once

#include "common/rpc/unary.h"
#include "samepage/sharing/v1/sharing_service.grpc.pb.h"
#include "services/sharing/decision_point.h"
#include "services/sharing/information_requests.h"

namespace samepage::sharing {

// The gRPC face of the sharing service: decode, authenticate, call, encode.
class SharingService final : public v1::Sharing::CallbackService {
 public:
  SharingService(DecisionPoint* decisions, InformationRequests* requests, storage::Store* store,
                 const rpc::Authenticator* authenticator, rpc::AuditSink* audit = nullptr,
                 bool reads_where_they_arrive = false)
      : decisions_(decisions),
        requests_(requests),
        store_(store),
        auth_(authenticator),
        audit_(audit),
        threads_(rpc::kMaxHandlerThreads, reads_where_they_arrive) {}

#define SAMEPAGE_DECLARE_UNARY(Method, Request, Response)                                \
  grpc::ServerUnaryReactor* Method(grpc::CallbackServerContext* ctx, const Request* req, \
                                   Response* resp) override;
  SAMEPAGE_DECLARE_UNARY(CreateCategory, v1::CreateCategoryRequest, v1::Category)
  SAMEPAGE_DECLARE_UNARY(GetCategory, v1::GetCategoryRequest, v1::Category)
  SAMEPAGE_DECLARE_UNARY(ListCategories, v1::ListCategoriesRequest, v1::ListCategoriesResponse)
  SAMEPAGE_DECLARE_UNARY(CreateConsent, v1::CreateConsentRequest, v1::ConsentDirective)
  SAMEPAGE_DECLARE_UNARY(GetConsent, v1::GetConsentRequest, v1::ConsentDirective)
  SAMEPAGE_DECLARE_UNARY(ListConsents, v1::ListConsentsRequest, v1::ListConsentsResponse)
  SAMEPAGE_DECLARE_UNARY(RevokeConsent, v1::RevokeConsentRequest, v1::ConsentDirective)
  SAMEPAGE_DECLARE_UNARY(CreateCourtOrder, v1::CreateCourtOrderRequest, v1::CourtOrder)
  SAMEPAGE_DECLARE_UNARY(GetCourtOrder, v1::GetCourtOrderRequest, v1::CourtOrder)
  SAMEPAGE_DECLARE_UNARY(ListCourtOrders, v1::ListCourtOrdersRequest, v1::ListCourtOrdersResponse)
  SAMEPAGE_DECLARE_UNARY(CheckAccess, v1::CheckAccessRequest, v1::CheckAccessResponse)
  SAMEPAGE_DECLARE_UNARY(BatchCheckAccess, v1::BatchCheckAccessRequest,
                         v1::BatchCheckAccessResponse)
  SAMEPAGE_DECLARE_UNARY(RecordDisclosure, v1::RecordDisclosureRequest, v1::Disclosure)
  SAMEPAGE_DECLARE_UNARY(GetDisclosure, v1::GetDisclosureRequest, v1::Disclosure)
  SAMEPAGE_DECLARE_UNARY(ListDisclosures, v1::ListDisclosuresRequest, v1::ListDisclosuresResponse)
  SAMEPAGE_DECLARE_UNARY(CreateInformationRequest, v1::CreateInformationRequestRequest,
                         v1::InformationRequest)
  SAMEPAGE_DECLARE_UNARY(GetInformationRequest, v1::GetInformationRequestRequest,
                         v1::InformationRequest)
  SAMEPAGE_DECLARE_UNARY(ListInformationRequests, v1::ListInformationRequestsRequest,
                         v1::ListInformationRequestsResponse)
  SAMEPAGE_DECLARE_UNARY(AcknowledgeInformationRequest, v1::AcknowledgeInformationRequestRequest,
                         v1::InformationRequest)
  SAMEPAGE_DECLARE_UNARY(FulfillInformationRequest, v1::FulfillInformationRequestRequest,
                         v1::InformationRequest)
  SAMEPAGE_DECLARE_UNARY(DeclineInformationRequest, v1::DeclineInformationRequestRequest,
                         v1::InformationRequest)
#undef SAMEPAGE_DECLARE_UNARY

  grpc::ServerWriteReactor<v1::WatchEventsResponse>* WatchEvents(
      grpc::CallbackServerContext* ctx, const v1::WatchEventsRequest* req) override;

 private:
  DecisionPoint* decisions_;
  InformationRequests* requests_;
  storage::Store* store_;
  const rpc::Authenticator* auth_;
  // Where every call is put on record; null: nowhere (tests of the logic).
  rpc::AuditSink* audit_;
  rpc::HandlerThreads threads_;
};

}  // namespace samepage::sharing
