#include "services/sharing/sharing_service.h"

#include "common/rpc/watch.h"
#include "services/sharing/sharing_events.h"

namespace samepage::sharing {

using identity::Caller;

#define SAMEPAGE_UNARY(Method, Request, Response, target)                                        \
  grpc::ServerUnaryReactor* SharingService::Method(grpc::CallbackServerContext* ctx,             \
                                                   const Request* req, Response* resp) {         \
    auto* domain = target;                                                                       \
    return rpc::RunUnary(                                                                        \
        ctx, *auth_, workers_, req, resp,                                                        \
        [domain](const Caller& caller, const Request& r) { return domain->Method(caller, r); },    \
        rpc::AuditPoint{audit_, "/samepage.sharing.v1.Sharing/" #Method});                         \
  }

SAMEPAGE_UNARY(CreateCategory, v1::CreateCategoryRequest, v1::Category, decisions_)
SAMEPAGE_UNARY(GetCategory, v1::GetCategoryRequest, v1::Category, decisions_)
SAMEPAGE_UNARY(ListCategories, v1::ListCategoriesRequest, v1::ListCategoriesResponse, decisions_)
SAMEPAGE_UNARY(CreateConsent, v1::CreateConsentRequest, v1::ConsentDirective, decisions_)
SAMEPAGE_UNARY(GetConsent, v1::GetConsentRequest, v1::ConsentDirective, decisions_)
SAMEPAGE_UNARY(ListConsents, v1::ListConsentsRequest, v1::ListConsentsResponse, decisions_)
SAMEPAGE_UNARY(RevokeConsent, v1::RevokeConsentRequest, v1::ConsentDirective, decisions_)
SAMEPAGE_UNARY(CreateCourtOrder, v1::CreateCourtOrderRequest, v1::CourtOrder, decisions_)
SAMEPAGE_UNARY(GetCourtOrder, v1::GetCourtOrderRequest, v1::CourtOrder, decisions_)
SAMEPAGE_UNARY(ListCourtOrders, v1::ListCourtOrdersRequest, v1::ListCourtOrdersResponse, decisions_)
SAMEPAGE_UNARY(CheckAccess, v1::CheckAccessRequest, v1::CheckAccessResponse, decisions_)
SAMEPAGE_UNARY(BatchCheckAccess, v1::BatchCheckAccessRequest, v1::BatchCheckAccessResponse,
               decisions_)
SAMEPAGE_UNARY(RecordDisclosure, v1::RecordDisclosureRequest, v1::Disclosure, decisions_)
SAMEPAGE_UNARY(GetDisclosure, v1::GetDisclosureRequest, v1::Disclosure, decisions_)
SAMEPAGE_UNARY(ListDisclosures, v1::ListDisclosuresRequest, v1::ListDisclosuresResponse, decisions_)
SAMEPAGE_UNARY(CreateInformationRequest, v1::CreateInformationRequestRequest,
               v1::InformationRequest, requests_)
SAMEPAGE_UNARY(GetInformationRequest, v1::GetInformationRequestRequest, v1::InformationRequest,
               requests_)
SAMEPAGE_UNARY(ListInformationRequests, v1::ListInformationRequestsRequest,
               v1::ListInformationRequestsResponse, requests_)
SAMEPAGE_UNARY(AcknowledgeInformationRequest, v1::AcknowledgeInformationRequestRequest,
               v1::InformationRequest, requests_)
SAMEPAGE_UNARY(FulfillInformationRequest, v1::FulfillInformationRequestRequest,
               v1::InformationRequest, requests_)
SAMEPAGE_UNARY(DeclineInformationRequest, v1::DeclineInformationRequestRequest,
               v1::InformationRequest, requests_)

#undef SAMEPAGE_UNARY

grpc::ServerWriteReactor<v1::WatchEventsResponse>* SharingService::WatchEvents(
    grpc::CallbackServerContext* ctx, const v1::WatchEventsRequest* req) {
  // Consents and disclosures name people and what was shared about them:
  // SamePage services and platform administrators only.
  return rpc::StartWatch<v1::WatchEventsResponse>(
      *auth_, ctx, req->after_revision(), store_, &DecodeEvent,
      [](const Caller& caller) { return caller.service || caller.platform_admin; });
}

}  // namespace samepage::sharing
