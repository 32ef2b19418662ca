#include "services/caseplan/caseplan_service.h"

#include "common/rpc/watch.h"
#include "common/status/grpc_status.h"
#include "services/caseplan/caseplan_events.h"

namespace samepage::caseplan {

using identity::Caller;

// Reads of this server's own state, and calls that may wait: writes, and reads
// that record a disclosure (see rpc::HandlerThreads).
#define SAMEPAGE_READ(Method, Request, Response, target)                                    \
  SAMEPAGE_DEFINE_UNARY(CasePlanService, "samepage.caseplan.v1.CasePlans", Method, Request, \
                        Response, target, threads_.reads())
#define SAMEPAGE_MAY_WAIT(Method, Request, Response, target)                                \
  SAMEPAGE_DEFINE_UNARY(CasePlanService, "samepage.caseplan.v1.CasePlans", Method, Request, \
                        Response, target, threads_.workers())

SAMEPAGE_READ(GetPlan, v1::GetPlanRequest, v1::Plan, plans_)
SAMEPAGE_MAY_WAIT(PublishPlanVersion, v1::PublishPlanVersionRequest, v1::PlanVersion, plans_)
SAMEPAGE_READ(GetPlanVersion, v1::GetPlanVersionRequest, v1::PlanVersion, plans_)
SAMEPAGE_READ(ListPlanVersions, v1::ListPlanVersionsRequest, v1::ListPlanVersionsResponse, plans_)
SAMEPAGE_READ(DiffPlanVersions, v1::DiffPlanVersionsRequest, v1::DiffPlanVersionsResponse, plans_)
SAMEPAGE_MAY_WAIT(AcknowledgePlanVersion, v1::AcknowledgePlanVersionRequest,
                  v1::PlanAcknowledgement, plans_)
SAMEPAGE_READ(ListPlanAcknowledgements, v1::ListPlanAcknowledgementsRequest,
              v1::ListPlanAcknowledgementsResponse, plans_)
SAMEPAGE_READ(ListOverdueItems, v1::ListOverdueItemsRequest, v1::ListOverdueItemsResponse, plans_)
SAMEPAGE_MAY_WAIT(CreateNote, v1::CreateNoteRequest, v1::Note, notes_)
SAMEPAGE_MAY_WAIT(GetNote, v1::GetNoteRequest, v1::Note, notes_)
SAMEPAGE_MAY_WAIT(ListNotes, v1::ListNotesRequest, v1::ListNotesResponse, notes_)
SAMEPAGE_MAY_WAIT(AmendNote, v1::AmendNoteRequest, v1::Note, notes_)
SAMEPAGE_MAY_WAIT(ListNoteVersions, v1::ListNoteVersionsRequest, v1::ListNoteVersionsResponse,
                  notes_)
SAMEPAGE_MAY_WAIT(AcknowledgeNote, v1::AcknowledgeNoteRequest, v1::NoteAcknowledgement, notes_)

#undef SAMEPAGE_MAY_WAIT
#undef SAMEPAGE_READ

grpc::ServerWriteReactor<v1::WatchEventsResponse>* CasePlanService::WatchEvents(
    grpc::CallbackServerContext* ctx, const v1::WatchEventsRequest* req) {
  // Plans name people and what the family is working on: SamePage services
  // and platform administrators only.
  return rpc::StartWatch<v1::WatchEventsResponse>(
      *auth_, ctx, req->after_revision(), store_, &DecodeEvent,
      [](const Caller& caller) { return caller.service || caller.platform_admin; });
}

}  // namespace samepage::caseplan
