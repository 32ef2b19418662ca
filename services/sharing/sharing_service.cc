#include "services/sharing/sharing_service.h"

#include "common/rpc/watch.h"
#include "services/sharing/sharing_events.h"

namespace samepage::sharing {

using identity::Caller;

// Reads of this server's own state, and calls that may wait: writes, and reads
// that record a disclosure (see rpc::HandlerThreads).
#define SAMEPAGE_READ(Method, Request, Response, target)                                          \
  SAMEPAGE_DEFINE_UNARY(SharingService, "samepage.sharing.v1.Sharing", Method, Request, Response, \
                        target, threads_.reads())
#define SAMEPAGE_MAY_WAIT(Method, Request, Response, target)                                      \
  SAMEPAGE_DEFINE_UNARY(SharingService, "samepage.sharing.v1.Sharing", Method, Request, Response, \
                        target, threads_.workers())

SAMEPAGE_MAY_WAIT(CreateCategory, v1::CreateCategoryRequest, v1::Category, decisions_)
SAMEPAGE_READ(GetCategory, v1::GetCategoryRequest, v1::Category, decisions_)
SAMEPAGE_READ(ListCategories, v1::ListCategoriesRequest, v1::ListCategoriesResponse, decisions_)
SAMEPAGE_MAY_WAIT(CreateConsent, v1::CreateConsentRequest, v1::ConsentDirective, decisions_)
SAMEPAGE_READ(GetConsent, v1::GetConsentRequest, v1::ConsentDirective, decisions_)
SAMEPAGE_READ(ListConsents, v1::ListConsentsRequest, v1::ListConsentsResponse, decisions_)
SAMEPAGE_MAY_WAIT(RevokeConsent, v1::RevokeConsentRequest, v1::ConsentDirective, decisions_)
SAMEPAGE_MAY_WAIT(CreateCourtOrder, v1::CreateCourtOrderRequest, v1::CourtOrder, decisions_)
SAMEPAGE_READ(GetCourtOrder, v1::GetCourtOrderRequest, v1::CourtOrder, decisions_)
SAMEPAGE_READ(ListCourtOrders, v1::ListCourtOrdersRequest, v1::ListCourtOrdersResponse, decisions_)
SAMEPAGE_READ(CheckAccess, v1::CheckAccessRequest, v1::CheckAccessResponse, decisions_)
SAMEPAGE_MAY_WAIT(BatchCheckAccess, v1::BatchCheckAccessRequest, v1::BatchCheckAccessResponse,
                  decisions_)
SAMEPAGE_MAY_WAIT(RecordDisclosure, v1::RecordDisclosureRequest, v1::Disclosure, decisions_)
SAMEPAGE_READ(GetDisclosure, v1::GetDisclosureRequest, v1::Disclosure, decisions_)
SAMEPAGE_READ(ListDisclosures, v1::ListDisclosuresRequest, v1::ListDisclosuresResponse, decisions_)
SAMEPAGE_MAY_WAIT(CreateInformationRequest, v1::CreateInformationRequestRequest,
                  v1::InformationRequest, requests_)
SAMEPAGE_READ(GetInformationRequest, v1::GetInformationRequestRequest, v1::InformationRequest,
              requests_)
SAMEPAGE_READ(ListInformationRequests, v1::ListInformationRequestsRequest,
              v1::ListInformationRequestsResponse, requests_)
SAMEPAGE_MAY_WAIT(AcknowledgeInformationRequest, v1::AcknowledgeInformationRequestRequest,
                  v1::InformationRequest, requests_)
SAMEPAGE_MAY_WAIT(FulfillInformationRequest, v1::FulfillInformationRequestRequest,
                  v1::InformationRequest, requests_)
SAMEPAGE_MAY_WAIT(DeclineInformationRequest, v1::DeclineInformationRequestRequest,
                  v1::InformationRequest, requests_)

#undef SAMEPAGE_MAY_WAIT
#undef SAMEPAGE_READ

grpc::ServerWriteReactor<v1::WatchEventsResponse>* SharingService::WatchEvents(
    grpc::CallbackServerContext* ctx, const v1::WatchEventsRequest* req) {
  // Consents and disclosures name people and what was shared about them:
  // SamePage services and platform administrators only.
  return rpc::StartWatch<v1::WatchEventsResponse>(
      *auth_, ctx, req->after_revision(), store_, &DecodeEvent,
      [](const Caller& caller) { return caller.service || caller.platform_admin; });
}

}  // namespace samepage::sharing
