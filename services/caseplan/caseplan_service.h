#pragma once

#include "common/rpc/unary.h"
#include "common/storage/store.h"
#include "samepage/caseplan/v1/caseplan_service.grpc.pb.h"
#include "services/caseplan/notes.h"
#include "services/caseplan/plans.h"

namespace samepage::caseplan {

// The gRPC face of the case-plan service: decode, authenticate, call, encode.
class CasePlanService final : public v1::CasePlans::CallbackService {
 public:
  CasePlanService(Plans* plans, Notes* notes, storage::Store* store,
                  const rpc::Authenticator* authenticator, rpc::AuditSink* audit = nullptr,
                  bool reads_where_they_arrive = false)
      : plans_(plans),
        notes_(notes),
        store_(store),
        auth_(authenticator),
        audit_(audit),
        threads_(rpc::kMaxHandlerThreads, reads_where_they_arrive) {}

#define SAMEPAGE_DECLARE_UNARY(Method, Request, Response)                                \
  grpc::ServerUnaryReactor* Method(grpc::CallbackServerContext* ctx, const Request* req, \
                                   Response* resp) override;
  SAMEPAGE_DECLARE_UNARY(GetPlan, v1::GetPlanRequest, v1::Plan)
  SAMEPAGE_DECLARE_UNARY(PublishPlanVersion, v1::PublishPlanVersionRequest, v1::PlanVersion)
  SAMEPAGE_DECLARE_UNARY(GetPlanVersion, v1::GetPlanVersionRequest, v1::PlanVersion)
  SAMEPAGE_DECLARE_UNARY(ListPlanVersions, v1::ListPlanVersionsRequest,
                         v1::ListPlanVersionsResponse)
  SAMEPAGE_DECLARE_UNARY(DiffPlanVersions, v1::DiffPlanVersionsRequest,
                         v1::DiffPlanVersionsResponse)
  SAMEPAGE_DECLARE_UNARY(AcknowledgePlanVersion, v1::AcknowledgePlanVersionRequest,
                         v1::PlanAcknowledgement)
  SAMEPAGE_DECLARE_UNARY(ListPlanAcknowledgements, v1::ListPlanAcknowledgementsRequest,
                         v1::ListPlanAcknowledgementsResponse)
  SAMEPAGE_DECLARE_UNARY(ListOverdueItems, v1::ListOverdueItemsRequest,
                         v1::ListOverdueItemsResponse)
  SAMEPAGE_DECLARE_UNARY(CreateNote, v1::CreateNoteRequest, v1::Note)
  SAMEPAGE_DECLARE_UNARY(GetNote, v1::GetNoteRequest, v1::Note)
  SAMEPAGE_DECLARE_UNARY(ListNotes, v1::ListNotesRequest, v1::ListNotesResponse)
  SAMEPAGE_DECLARE_UNARY(AmendNote, v1::AmendNoteRequest, v1::Note)
  SAMEPAGE_DECLARE_UNARY(ListNoteVersions, v1::ListNoteVersionsRequest,
                         v1::ListNoteVersionsResponse)
  SAMEPAGE_DECLARE_UNARY(AcknowledgeNote, v1::AcknowledgeNoteRequest, v1::NoteAcknowledgement)
#undef SAMEPAGE_DECLARE_UNARY

  grpc::ServerWriteReactor<v1::WatchEventsResponse>* WatchEvents(
      grpc::CallbackServerContext* ctx, const v1::WatchEventsRequest* req) override;

 private:
  Plans* plans_;
  Notes* notes_;
  storage::Store* store_;
  const rpc::Authenticator* auth_;
  // Where every call is put on record; null: nowhere (tests of the logic).
  rpc::AuditSink* audit_;
  rpc::HandlerThreads threads_;
};

}  // namespace samepage::caseplan
