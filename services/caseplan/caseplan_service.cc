#include "services/caseplan/caseplan_service.h"

#include "common/rpc/watch.h"
#include "common/status/grpc_status.h"
#include "services/caseplan/caseplan_events.h"

namespace samepage::caseplan {

using identity::Caller;

namespace {

// As rpc::RunUnary, but the domain call runs on `pool`: it waits on peers
// that wait on peers, which the callback threads cannot all do at once.
template <typename Request, typename Response, typename Fn>
grpc::ServerUnaryReactor* RunOnPool(grpc::CallbackServerContext* ctx,
                                    const rpc::Authenticator& authenticator, WorkerPool& pool,
                                    const Request* req, Response* response, Fn fn) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  absl::StatusOr<Caller> caller = authenticator.Authenticate(*ctx);
  if (!caller.ok()) {
    reactor->Finish(ToGrpcStatus(caller.status()));
    return reactor;
  }
  // The request, response and reactor live until Finish.
  pool.Run([reactor, req, response, fn, caller = *std::move(caller)] {
    absl::StatusOr<Response> result = fn(caller, *req);
    if (result.ok()) *response = *std::move(result);
    reactor->Finish(ToGrpcStatus(result.status()));
  });
  return reactor;
}

}  // namespace

#define SAMEPAGE_NOTES_UNARY(Method, Request, Response)                                          \
  grpc::ServerUnaryReactor* CasePlanService::Method(grpc::CallbackServerContext* ctx,           \
                                                    const Request* req, Response* resp) {       \
    Notes* notes = notes_;                                                                      \
    return RunOnPool(ctx, *auth_, note_workers_, req, resp,                                     \
                     [notes](const Caller& caller, const Request& r) {                          \
                       return notes->Method(caller, r);                                         \
                     });                                                                        \
  }

#define SAMEPAGE_UNARY(Method, Request, Response, target)                                     \
  grpc::ServerUnaryReactor* CasePlanService::Method(grpc::CallbackServerContext* ctx,         \
                                                    const Request* req, Response* resp) {     \
    return rpc::RunUnary(ctx, *auth_, resp,                                                   \
                         [&](const Caller& caller) { return target->Method(caller, *req); }); \
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
SAMEPAGE_NOTES_UNARY(CreateNote, v1::CreateNoteRequest, v1::Note)
SAMEPAGE_NOTES_UNARY(GetNote, v1::GetNoteRequest, v1::Note)
SAMEPAGE_NOTES_UNARY(ListNotes, v1::ListNotesRequest, v1::ListNotesResponse)
SAMEPAGE_NOTES_UNARY(AmendNote, v1::AmendNoteRequest, v1::Note)
SAMEPAGE_NOTES_UNARY(ListNoteVersions, v1::ListNoteVersionsRequest, v1::ListNoteVersionsResponse)
SAMEPAGE_NOTES_UNARY(AcknowledgeNote, v1::AcknowledgeNoteRequest, v1::NoteAcknowledgement)

#undef SAMEPAGE_UNARY
#undef SAMEPAGE_NOTES_UNARY

grpc::ServerWriteReactor<v1::WatchEventsResponse>* CasePlanService::WatchEvents(
    grpc::CallbackServerContext* ctx, const v1::WatchEventsRequest* req) {
  // Plans name people and what the family is working on: SamePage services
  // and platform administrators only.
  return rpc::StartWatch<v1::WatchEventsResponse>(
      *auth_, ctx, req->after_revision(), store_, &DecodeEvent,
      [](const Caller& caller) { return caller.service || caller.platform_admin; });
}

}  // namespace samepage::caseplan
