#pragma once

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/clock/clock.h"
#include "common/identity/caller.h"
#include "common/storage/store.h"
#include "samepage/sharing/v1/sharing_service.pb.h"
#include "services/sharing/peers.h"
#include "services/sharing/request_store.h"

namespace samepage::sharing {

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

  // A reaction to the registry: on `case_name`, `to_person` took over from
  // `from_person` (a departure handoff or a reassignment). Every request of
  // the case still waiting on `from_person` now waits on `to_person`, with a
  // REASSIGNED event. Idempotent: a replay finds nothing left to move.
  absl::Status HandOver(const std::string& case_name, const std::string& from_person,
                        const std::string& to_person, const std::string& actor);

  // Called periodically by the server with its own clock: every open or
  // acknowledged request past its due time becomes overdue and is escalated
  // to the recipient's supervisor, each step once, with its event.
  absl::Status Tick();

 private:
  // Who may move a request to its next state.
  enum class Movers { kRecipients, kRecipientsAndEscalation, kRecipientsEscalationAndServices };
  // Checks the state and changes the record; an error leaves it untouched.
  using Change = std::function<absl::Status(v1::InformationRequest&)>;

  // The caller may ask on this case: a current team member (or a platform
  // administrator), on an open case.
  absl::Status CheckMayAsk(const identity::Caller& caller, const std::string& case_name);
  // The people a new request waits on: the person (on the team), or the
  // current holders of the case role.
  absl::StatusOr<std::vector<std::string>> ResolveRecipients(const std::string& case_name,
                                                             const v1::Party& recipient);
  // The caller may read the request: a party to it, or the case's
  // supervisors and administrators.
  absl::Status CheckMayRead(const identity::Caller& caller, const v1::InformationRequest& r);
  // Others than `person` see their lists: their supervisor, an administrator
  // of their organisation, platform administrators and services.
  absl::Status CheckMaySeeListsOf(const identity::Caller& caller, const std::string& person);

  // Loads request `id`, checks the mover and the etag, applies `change`,
  // and writes it with an event of `type`, in one transaction.
  absl::StatusOr<v1::InformationRequest> Move(const identity::Caller& caller, const std::string& id,
                                              const std::string& etag, Movers movers,
                                              v1::Event::Type type, const Change& change);
  // Writes the record (indexes moved from `previous`) and its event.
  void WriteChange(storage::Batch& batch, v1::InformationRequest& r,
                   const v1::InformationRequest* previous, v1::Event::Type type,
                   const std::string& actor);

  // The two deadline steps of Tick, each checked and written in one
  // transaction so that it happens once.
  absl::Status MarkOverdue(const std::string& id);
  absl::Status Escalate(const std::string& id);

  storage::Store* store_;
  const Clock* clock_;
  Peers* peers_;
  Options options_;
  RequestStore data_;
};

}  // namespace samepage::sharing
