#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/clock/clock.h"
#include "common/identity/caller.h"
#include "common/storage/store.h"
#include "samepage/sharing/v1/sharing_service.pb.h"
#include "services/sharing/peers.h"

namespace samepage::sharing {

namespace v1 = ::samepage::sharing::v1;

// Requests for information between professionals on a case: who asks whom
// for what, by when; acknowledgement, fulfilment, decline; and, driven by
// the server's clock, overdue and escalation to the recipient's supervisor.
class InformationRequests {
 public:
  struct Options {
    // A due time must leave at least this much time unless the request is
    // urgent (court summaries are not due the same day).
    absl::Duration minimum_lead_time = absl::Hours(24);
  };

  // The column families this part keeps in the sharing database.
  static std::vector<std::string> ColumnFamilies();

  InformationRequests(storage::Store* store, const Clock* clock, Peers* peers, Options options);

  absl::StatusOr<v1::InformationRequest> CreateInformationRequest(
      const identity::Caller& caller, const v1::CreateInformationRequestRequest& req);
  absl::StatusOr<v1::InformationRequest> GetInformationRequest(
      const identity::Caller& caller, const v1::GetInformationRequestRequest& req);
  absl::StatusOr<v1::ListInformationRequestsResponse> ListInformationRequests(
      const identity::Caller& caller, const v1::ListInformationRequestsRequest& req);
  absl::StatusOr<v1::InformationRequest> AcknowledgeInformationRequest(
      const identity::Caller& caller, const v1::AcknowledgeInformationRequestRequest& req);
  absl::StatusOr<v1::InformationRequest> FulfillInformationRequest(
      const identity::Caller& caller, const v1::FulfillInformationRequestRequest& req);
  absl::StatusOr<v1::InformationRequest> DeclineInformationRequest(
      const identity::Caller& caller, const v1::DeclineInformationRequestRequest& req);

  // Called periodically by the server with its own clock: every open or
  // acknowledged request past its due time becomes overdue and is escalated
  // to the recipient's supervisor, each step once, with its event.
  absl::Status Tick();

 private:
  storage::Store* store_;
  const Clock* clock_;
  Peers* peers_;
  Options options_;
};

}  // namespace samepage::sharing
