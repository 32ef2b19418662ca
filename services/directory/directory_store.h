#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/storage/latest_cache.h"
#include "common/storage/store.h"
#include "samepage/directory/v1/directory_service.pb.h"

namespace samepage::directory {

// A page read from an index: the records, and the index key to continue
// after (empty when the scan reached the end).
template <typename T>
struct Page {
  std::vector<T> items;
  std::string resume_after;
};

// The directory's records and indexes on RocksDB.
//
// Column families:
//   organizations   id -> Organization
//   people          id -> Person
//   roles           id -> Role
//   people_by_org   (organization id, person id) -> ""
//   people_by_role  (role id, person id) -> ""
//   people_by_word  (lower-case name word, person id) -> ""
class DirectoryStore {
 public:
  static std::vector<std::string> ColumnFamilies();

  // People and organizations read through `store`'s latest state are kept
  // decoded in memory, at most `cache_entries` of each, exact because every
  // commit forgets what it wrote (storage::LatestCache).
  static constexpr size_t kDefaultCacheEntries = 250000;
  explicit DirectoryStore(storage::Store* store, size_t cache_entries = kDefaultCacheEntries);
  ~DirectoryStore();
  DirectoryStore(const DirectoryStore&) = delete;
  DirectoryStore& operator=(const DirectoryStore&) = delete;

  storage::Store& store() const { return *store_; }

  absl::StatusOr<std::optional<v1::Organization>> GetOrganization(const storage::ReadView& view,
                                                                  absl::string_view id) const;
  absl::StatusOr<std::optional<v1::Person>> GetPerson(const storage::ReadView& view,
                                                      absl::string_view id) const;
  absl::StatusOr<std::optional<v1::Role>> GetRole(const storage::ReadView& view,
                                                  absl::string_view id) const;

  // Writes the record; for people also moves their index entries from
  // `previous` (null when new) to the new values.
  void PutOrganization(storage::Batch& batch, const v1::Organization& org) const;
  void PutPerson(storage::Batch& batch, const v1::Person& person, const v1::Person* previous) const;
  void PutRole(storage::Batch& batch, const v1::Role& role) const;
  // Appends `event` to the outbox; returns its revision.
  int64_t AppendEvent(storage::Batch& batch, const v1::Event& event) const;

  absl::StatusOr<Page<v1::Organization>> ListOrganizations(const storage::ReadView& view,
                                                           absl::string_view after,
                                                           int limit) const;
  absl::StatusOr<Page<v1::Role>> ListRoles(const storage::ReadView& view, absl::string_view after,
                                           int limit) const;

  // Which index a people scan walks.
  enum class PeopleIndex { kAll, kOrganization, kRole, kNameWord };
  // Walks `index` from `after`, keeping people for which `keep` is true,
  // until `limit` are kept or `budget` index entries were read (a partial
  // page; the caller continues from `resume_after`). `value` is the
  // organisation id, role id or word prefix the index is restricted to.
  absl::StatusOr<Page<v1::Person>> ScanPeople(
      const storage::ReadView& view, PeopleIndex index, absl::string_view value,
      absl::string_view after, int limit, int budget,
      const std::function<bool(const v1::Person&, absl::string_view index_key)>& keep) const;

  // The lower-case words of a person's names, as indexed for search.
  static std::vector<std::string> NameWords(const v1::Person& person);

  // Decodes a stored event for WatchEvents.
  static absl::StatusOr<v1::WatchEventsResponse> DecodeEvent(int64_t revision,
                                                             absl::string_view payload);

 private:
  storage::Store* store_;
  mutable storage::LatestCache<v1::Organization> organizations_;
  mutable storage::LatestCache<v1::Person> people_;
  storage::Store::ObserverId observer_;
};

}  // namespace samepage::directory
