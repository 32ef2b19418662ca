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
#include "samepage/caseplan/v1/caseplan_service.pb.h"

namespace samepage::caseplan {

// The case plans' records and indexes on RocksDB. Every key starts with the
// case id (or the due time, for the deadline index), so lists are prefix
// scans and "longest overdue first" is the key order.
//
// Column families:
//   plans                 case id -> Plan (without `current_version`)
//   plan_versions         (case id, ~version number) -> PlanVersion; newest
//                         first
//   plan_acks             (case id, person id, version number) ->
//                         PlanAcknowledgement
//   plan_items_by_case    (case id, due, kind, item id) -> OverdueItem: the
//                         open tasks and steps with a due time of each
//                         current version
//   plan_items_by_owner   (owner name, due, case id, kind, item id) ->
//                         OverdueItem: the same, per owner
//   plan_items_pending    (due, case id, kind, item id) -> OverdueItem: open
//                         items whose overdue event is still to be emitted
//   plan_items_emitted    (case id, kind, item id, due) -> "": overdue events
//                         already emitted, so that each is emitted once
class PlanStore {
 public:
  static std::vector<std::string> ColumnFamilies();

  explicit PlanStore(storage::Store* store) : store_(store) {}
  storage::Store& store() const { return *store_; }

  absl::StatusOr<std::optional<v1::Plan>> GetPlan(const storage::ReadView& view,
                                                  absl::string_view case_id) const;
  absl::StatusOr<std::optional<v1::PlanVersion>> GetVersion(const storage::ReadView& view,
                                                            absl::string_view case_id,
                                                            int32_t number) const;
  void PutPlan(storage::Batch& batch, absl::string_view case_id, const v1::Plan& plan) const;
  void PutVersion(storage::Batch& batch, absl::string_view case_id,
                  const v1::PlanVersion& version) const;
  // Versions of a case, newest first, after the key `after`.
  absl::Status ScanVersions(
      const storage::ReadView& view, absl::string_view case_id, absl::string_view after,
      const std::function<bool(absl::string_view key, const v1::PlanVersion&)>& fn) const;

  absl::StatusOr<std::optional<v1::PlanAcknowledgement>> GetAck(const storage::ReadView& view,
                                                                absl::string_view case_id,
                                                                absl::string_view person_id,
                                                                int32_t number) const;
  // The person's latest acknowledgement on the case, if any.
  absl::StatusOr<std::optional<v1::PlanAcknowledgement>> LatestAck(
      const storage::ReadView& view, absl::string_view case_id, absl::string_view person_id) const;
  void PutAck(storage::Batch& batch, absl::string_view case_id, absl::string_view person_id,
              const v1::PlanAcknowledgement& ack) const;

  // Replaces the open-item indexes of `previous` (the version that was
  // current, may be null) by those of `items` (the new current version's
  // open items with a due time, each with its owner names).
  struct IndexedItem {
    v1::OverdueItem item;
    // People (`people/{id}`) the item is listed under per owner.
    std::vector<std::string> owners;
  };
  absl::Status ReplaceItems(const storage::ReadView& view, storage::Batch& batch,
                            absl::string_view case_id, const std::vector<IndexedItem>& items) const;

  // Open items of a case, or of an owner (a `people/{id}` name), earliest
  // due first, after the key `after`.
  absl::Status ScanCaseItems(
      const storage::ReadView& view, absl::string_view case_id, absl::string_view after,
      const std::function<bool(absl::string_view key, const v1::OverdueItem&)>& fn) const;
  absl::Status ScanOwnerItems(
      const storage::ReadView& view, absl::string_view owner, absl::string_view after,
      const std::function<bool(absl::string_view key, const v1::OverdueItem&)>& fn) const;

  // Items due before `now` whose overdue event is still to be emitted,
  // earliest first, at most `limit`, with their pending-index keys.
  absl::StatusOr<std::vector<std::pair<std::string, v1::OverdueItem>>> PendingBefore(
      const storage::ReadView& view, absl::Time now, int limit) const;
  // Records that the overdue event of the pending entry `key` was emitted.
  void MarkEmitted(storage::Batch& batch, absl::string_view pending_key,
                   const v1::OverdueItem& item) const;

  // Microseconds since the epoch of an item's due time (index order).
  static int64_t DueMicros(const v1::OverdueItem& item);

 private:
  storage::Store* store_;
};

}  // namespace samepage::caseplan
