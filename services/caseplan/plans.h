#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/clock/clock.h"
#include "common/identity/caller.h"
#include "common/storage/store.h"
#include "samepage/caseplan/v1/caseplan_service.pb.h"
#include "samepage/registry/v1/registry_service.pb.h"
#include "services/caseplan/peers.h"
#include "services/caseplan/plan_store.h"

namespace samepage::caseplan {

// The living case plan of each case: versions published against the
// current etag, diffs between versions, acknowledgements by the team, and
// the tasks and program steps past their due time. Knows nothing of gRPC;
// reaches the registry and directory through `Peers`.
class Plans {
 public:
  Plans(storage::Store* store, const Clock* clock, Peers* peers);

  absl::StatusOr<v1::Plan> GetPlan(const identity::Caller& caller, const v1::GetPlanRequest& req);
  absl::StatusOr<v1::PlanVersion> PublishPlanVersion(const identity::Caller& caller,
                                                     const v1::PublishPlanVersionRequest& req);
  absl::StatusOr<v1::PlanVersion> GetPlanVersion(const identity::Caller& caller,
                                                 const v1::GetPlanVersionRequest& req);
  absl::StatusOr<v1::ListPlanVersionsResponse> ListPlanVersions(
      const identity::Caller& caller, const v1::ListPlanVersionsRequest& req);
  absl::StatusOr<v1::DiffPlanVersionsResponse> DiffPlanVersions(
      const identity::Caller& caller, const v1::DiffPlanVersionsRequest& req);
  absl::StatusOr<v1::PlanAcknowledgement> AcknowledgePlanVersion(
      const identity::Caller& caller, const v1::AcknowledgePlanVersionRequest& req);
  absl::StatusOr<v1::ListPlanAcknowledgementsResponse> ListPlanAcknowledgements(
      const identity::Caller& caller, const v1::ListPlanAcknowledgementsRequest& req);
  absl::StatusOr<v1::ListOverdueItemsResponse> ListOverdueItems(
      const identity::Caller& caller, const v1::ListOverdueItemsRequest& req);

  // A reaction to the registry: on `case_name`, `to_person` took over from
  // `from_person`. If the current plan has goals, tasks or steps owned by
  // `from_person`, the server publishes the next version with them owned by
  // `to_person` (versions are never edited). Idempotent: a replay finds
  // nothing left to move.
  absl::Status HandOver(const std::string& case_name, const std::string& from_person,
                        const std::string& to_person, const std::string& actor);

  // Called periodically by the server with its own clock: emits one
  // ITEM_OVERDUE event for each open task or step whose due time has
  // passed, once per item and due time (recorded with the event, so a
  // restart does not emit it again). Lists never depend on it having run.
  absl::Status Tick();

 private:
  // OK with the registry's answer when the caller may see the case (a
  // service or platform administrator gets an empty answer);
  // PERMISSION_DENIED otherwise.
  absl::StatusOr<registry::v1::CheckCaseAccessResponse> RequireOnCase(
      const identity::Caller& caller, const std::string& case_name);
  // The version presented to a caller: its etag only while it is current.
  static v1::PlanVersion Present(v1::PlanVersion version, const v1::Plan& plan);
  v1::Event NewEvent(const std::string& actor, v1::Event::Type type,
                     const std::string& resource) const;

  storage::Store* store_;
  const Clock* clock_;
  Peers* peers_;
  PlanStore data_;
};

}  // namespace samepage::caseplan
