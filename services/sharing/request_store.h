#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/storage/store.h"
#include "samepage/sharing/v1/resources.pb.h"

namespace samepage::sharing {

// The records and indexes of requests for information, in the sharing
// database. Index keys put the due time before the id, so every list is
// "earliest due first" for free and the deadline scan stops at "now".
//
// Column families:
//   info_requests          request id -> InformationRequest
//   info_requests_waiting  (person name, due, request id) -> "": recipients
//                          and the person it was escalated to
//   info_requests_made     (requester name, due, request id) -> ""
//   info_requests_by_case  (case id, due, request id) -> ""
//   info_requests_due      (due, request id) -> "": requests whose deadline
//                          still has work to do (overdue, then escalation)
class RequestStore {
 public:
  // Which per-owner index a list reads.
  enum class Index { kWaiting, kMade, kCase };

  static std::vector<std::string> ColumnFamilies();

  explicit RequestStore(storage::Store* store) : store_(store) {}
  storage::Store& store() const { return *store_; }

  absl::StatusOr<std::optional<v1::InformationRequest>> Get(const storage::ReadView& view,
                                                            absl::string_view id) const;

  // Writes the record and moves its owner index entries from `previous`
  // (null when new) to the current values.
  void Put(storage::Batch& batch, const v1::InformationRequest& request,
           const v1::InformationRequest* previous) const;

  // Adds or removes the request from the deadline index.
  void ScheduleDeadline(storage::Batch& batch, const v1::InformationRequest& request) const;
  void ClearDeadline(storage::Batch& batch, const v1::InformationRequest& request) const;

  // The requests of one owner (a person name for kWaiting and kMade, a case
  // id for kCase), earliest due first, after the index key `after`, until
  // `fn` returns false.
  absl::Status ScanIndex(
      const storage::ReadView& view, Index index, absl::string_view owner, absl::string_view after,
      const std::function<bool(absl::string_view key, const v1::InformationRequest&)>& fn) const;

  // Ids of requests in the deadline index due at or before `until`, earliest
  // first, at most `limit`.
  absl::StatusOr<std::vector<std::string>> DueBy(const storage::ReadView& view, absl::Time until,
                                                 int limit) const;

 private:
  storage::Store* store_;
};

}  // namespace samepage::sharing
