#include "services/caseplan/caseplan_service.h"

#include "common/rpc/watch.h"
#include "common/status/grpc_status.h"
#include "services/caseplan/caseplan_events.h"

namespace samepage::caseplan {

using identity::Caller;

#define SAMEPAGE_UNARY(Method, Request, Response, target)                                        \
  grpc::ServerUnaryReactor* CasePlanService::Method(grpc::CallbackServerContext* ctx,            \
                                                    const Request* req, Response* resp) {        \
    auto* domain = target;                                                                       \
    return rpc::RunUnary(                                                                        \
        ctx, *auth_, workers_, req, resp,                                                        \
        [domain](const Caller& caller, const Request& r) { return domain->Method(caller, r); },    \
        rpc::AuditPoint{audit_, "/samepage.caseplan.v1.CasePlans/" #Method});                      \
  }

SAMEPAGE_UNARY(GetPlan, v1::GetPlanRequest, v1::Plan, plans_)
SAMEPAGE_UNARY(PublishPlanVersion, v1::PublishPlanVersionRequest, v1::PlanVersion, plans_)
SAMEPAGE_UNARY(GetPlanVersion, v1::GetPlanVersionRequest, v1::PlanVersion, plans_)
SAMEPAGE_UNARY(ListPlanVersions, v1::ListPlanVersionsRequest, v1::ListPlanVersionsResponse, plans_)
SAMEPAGE_UNARY(DiffPlanVersions, v1::DiffPlanVersionsRequest, v1::DiffPlanVersionsResponse, plans_)
SAMEPAGE_UNARY(AcknowledgePlanVersion, v1::AcknowledgePlanVersionRequest, v1::PlanAcknowledgement,
               plans_)
SAMEPAGE_UNARY(ListPlanAcknowledgements, v1::ListPlanAcknowledgementsRequest,
               v1::ListPlanAcknowledgementsResponse, plans_)
SAMEPAGE_UNARY(ListOverdueItems, v1::ListOverdueItemsRequest, v1::ListOverdueItemsResponse, plans_)
SAMEPAGE_UNARY(CreateNote, v1::CreateNoteRequest, v1::Note, notes_)
SAMEPAGE_UNARY(GetNote, v1::GetNoteRequest, v1::Note, notes_)
SAMEPAGE_UNARY(ListNotes, v1::ListNotesRequest, v1::ListNotesResponse, notes_)
SAMEPAGE_UNARY(AmendNote, v1::AmendNoteRequest, v1::Note, notes_)
SAMEPAGE_UNARY(ListNoteVersions, v1::ListNoteVersionsRequest, v1::ListNoteVersionsResponse, notes_)
SAMEPAGE_UNARY(AcknowledgeNote, v1::AcknowledgeNoteRequest, v1::NoteAcknowledgement, notes_)

#undef SAMEPAGE_UNARY

grpc::ServerWriteReactor<v1::WatchEventsResponse>* CasePlanService::WatchEvents(
    grpc::CallbackServerContext* ctx, const v1::WatchEventsRequest* req) {
  // Plans name people and what the family is working on: SamePage services
  // and platform administrators only.
  return rpc::StartWatch<v1::WatchEventsResponse>(
      *auth_, ctx, req->after_revision(), store_, &DecodeEvent,
      [](const Caller& caller) { return caller.service || caller.platform_admin; });
}

}  // namespace samepage::caseplan
