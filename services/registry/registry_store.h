#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/storage/latest_cache.h"
#include "common/storage/records.h"
#include "common/storage/store.h"
#include "samepage/directory/v1/resources.pb.h"
#include "samepage/registry/v1/registry_service.pb.h"

namespace samepage::registry {

// The registry's records and indexes on RocksDB.
//
// Column families:
//   cases                  case id -> Case
//   case_numbers           (lead agency id, case number) -> case id
//   cases_by_agency        (lead agency id, case id) -> ""
//   assignments            (case id, assignment id) -> Assignment
//   assignments_by_person  (person id, case id, assignment id) -> ""
//   case_roles             role id -> CaseRole
//   people                 person id -> directory.v1.Person: the registry's
//                          projection of the directory, fed by its events
//   cursors                consumer name -> revision (see EventConsumer)
class RegistryStore {
 public:
  static std::vector<std::string> ColumnFamilies();

  // Records read through `store`'s latest state (its reader()) are kept
  // decoded in memory, at most `cache_entries` per kind (cases, case teams,
  // case roles, people), exact because every commit forgets what it wrote
  // (storage::LatestCache). Snapshots and transactions always read RocksDB.
  static constexpr size_t kDefaultCacheEntries = 250000;
  explicit RegistryStore(storage::Store* store, size_t cache_entries = kDefaultCacheEntries);
  ~RegistryStore();
  RegistryStore(const RegistryStore&) = delete;
  RegistryStore& operator=(const RegistryStore&) = delete;

  storage::Store& store() const { return *store_; }

  absl::StatusOr<std::optional<v1::Case>> GetCase(const storage::ReadView& view,
                                                  absl::string_view case_id) const;
  // The Shared* reads share the cached record instead of copying it (null:
  // there is none); for reads that only look.
  absl::StatusOr<std::shared_ptr<const v1::Case>> SharedCase(const storage::ReadView& view,
                                                             absl::string_view case_id) const;
  absl::StatusOr<std::optional<std::string>> FindCaseNumber(const storage::ReadView& view,
                                                            absl::string_view agency_id,
                                                            absl::string_view case_number) const;
  absl::StatusOr<std::optional<v1::Assignment>> GetAssignment(
      const storage::ReadView& view, absl::string_view case_id,
      absl::string_view assignment_id) const;
  absl::StatusOr<std::optional<v1::CaseRole>> GetCaseRole(const storage::ReadView& view,
                                                          absl::string_view role_id) const;
  absl::StatusOr<std::shared_ptr<const v1::CaseRole>> SharedCaseRole(
      const storage::ReadView& view, absl::string_view role_id) const;
  absl::StatusOr<std::optional<directory::v1::Person>> GetPerson(const storage::ReadView& view,
                                                                 absl::string_view person_id) const;
  absl::StatusOr<std::shared_ptr<const directory::v1::Person>> SharedPerson(
      const storage::ReadView& view, absl::string_view person_id) const;

  // Writes a case and its number and agency indexes (moving the number
  // index when it changed from `previous`).
  void PutCase(storage::Batch& batch, const v1::Case& c, const v1::Case* previous) const;
  void PutAssignment(storage::Batch& batch, const v1::Assignment& a) const;
  void PutCaseRole(storage::Batch& batch, const v1::CaseRole& role) const;
  void PutPerson(storage::Batch& batch, const directory::v1::Person& person) const;
  int64_t AppendEvent(storage::Batch& batch, const v1::Event& event) const;

  // Every assignment of a case, in id order.
  absl::StatusOr<std::vector<v1::Assignment>> CaseAssignments(const storage::ReadView& view,
                                                              absl::string_view case_id) const;
  // The same, shared (never null).
  absl::StatusOr<std::shared_ptr<const std::vector<v1::Assignment>>> SharedCaseAssignments(
      const storage::ReadView& view, absl::string_view case_id) const;
  // A page of a case's assignments after `after` (an assignments key).
  absl::Status ScanCaseAssignments(
      const storage::ReadView& view, absl::string_view case_id, absl::string_view after,
      const std::function<bool(absl::string_view key, const v1::Assignment&)>& fn) const;
  // The assignments of a person, grouped by case in case id order, starting
  // after the index key `after`.
  absl::Status ScanPersonAssignments(
      const storage::ReadView& view, absl::string_view person_id, absl::string_view after,
      const std::function<bool(absl::string_view key, const v1::Assignment&)>& fn) const;
  // Cases in id order, optionally of one lead agency, after `after` (a
  // cases or cases_by_agency key).
  absl::Status ScanCases(
      const storage::ReadView& view, absl::string_view agency_id, absl::string_view after,
      const std::function<bool(absl::string_view key, const v1::Case&)>& fn) const;
  absl::Status ScanCaseRoles(
      const storage::ReadView& view, absl::string_view after,
      const std::function<bool(absl::string_view key, const v1::CaseRole&)>& fn) const;

  static absl::StatusOr<v1::WatchEventsResponse> DecodeEvent(int64_t revision,
                                                             absl::string_view payload);

 private:
  // Forgets cached records of what a commit wrote.
  void Forget(absl::string_view cf, absl::string_view key);
  // A case's team read from `view` (CaseAssignments without the cache).
  absl::StatusOr<std::optional<std::vector<v1::Assignment>>> LoadCaseAssignments(
      const storage::ReadView& view, absl::string_view case_id) const;

  storage::Store* store_;
  mutable storage::LatestCache<v1::Case> cases_;
  mutable storage::LatestCache<std::vector<v1::Assignment>> case_assignments_;
  mutable storage::LatestCache<v1::CaseRole> case_roles_;
  mutable storage::LatestCache<directory::v1::Person> people_;
  storage::Store::ObserverId observer_;
};

using storage::IdOf;

}  // namespace samepage::registry
