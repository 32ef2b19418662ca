#include "services/directory/directory_store.h"

#include <algorithm>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/status/status_macros.h"
#include "common/storage/keys.h"
#include "common/storage/records.h"

namespace samepage::directory {
namespace {

constexpr char kOrganizations[] = "organizations";
constexpr char kPeople[] = "people";
constexpr char kRoles[] = "roles";
constexpr char kPeopleByOrg[] = "people_by_org";
constexpr char kPeopleByRole[] = "people_by_role";
constexpr char kPeopleByWord[] = "people_by_word";

using storage::IdOf;
using storage::KeyBuilder;
using storage::KeyReader;

std::string IndexKey(absl::string_view value, absl::string_view person_id) {
  return KeyBuilder().AddString(value).AddString(person_id).Release();
}

template <typename T>
absl::StatusOr<std::optional<T>> GetRecord(const storage::ReadView& view, absl::string_view cf,
                                           absl::string_view id) {
  ASSIGN_OR_RETURN(std::optional<std::string> raw, view.Get(cf, id));
  if (!raw.has_value()) return std::nullopt;
  T record;
  if (!record.ParseFromString(*raw)) {
    return absl::DataLossError(absl::StrCat(cf, "/", id, ": stored record is corrupt"));
  }
  return record;
}

template <typename T>
absl::StatusOr<Page<T>> ListRecords(const storage::ReadView& view, absl::string_view cf,
                                    absl::string_view after, int limit) {
  Page<T> page;
  absl::Status parse = absl::OkStatus();
  bool more = false;
  RETURN_IF_ERROR(view.Scan(cf, "", after, [&](absl::string_view key, absl::string_view value) {
    if (static_cast<int>(page.items.size()) == limit) {
      more = true;
      return false;
    }
    T record;
    if (!record.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
      parse = absl::DataLossError(absl::StrCat(cf, "/", key, ": stored record is corrupt"));
      return false;
    }
    page.items.push_back(std::move(record));
    page.resume_after = std::string(key);
    return true;
  }));
  RETURN_IF_ERROR(parse);
  if (!more) page.resume_after.clear();
  return page;
}

}  // namespace

std::vector<std::string> DirectoryStore::ColumnFamilies() {
  return {kOrganizations, kPeople, kRoles, kPeopleByOrg, kPeopleByRole, kPeopleByWord};
}

DirectoryStore::DirectoryStore(storage::Store* store, size_t cache_entries)
    : store_(store),
      organizations_(cache_entries),
      people_(cache_entries),
      observer_(store->ObserveWrites([this](absl::string_view cf, absl::string_view key) {
        if (cf == kOrganizations) organizations_.Forget(key);
        if (cf == kPeople) people_.Forget(key);
      })) {}

DirectoryStore::~DirectoryStore() { store_->StopObserving(observer_); }

absl::StatusOr<std::optional<v1::Organization>> DirectoryStore::GetOrganization(
    const storage::ReadView& view, absl::string_view id) const {
  return storage::ReadThrough(*store_, organizations_, view, id, [&] {
    return GetRecord<v1::Organization>(view, kOrganizations, id);
  });
}

absl::StatusOr<std::optional<v1::Person>> DirectoryStore::GetPerson(const storage::ReadView& view,
                                                                    absl::string_view id) const {
  return storage::ReadThrough(*store_, people_, view, id,
                              [&] { return GetRecord<v1::Person>(view, kPeople, id); });
}

absl::StatusOr<std::optional<v1::Role>> DirectoryStore::GetRole(const storage::ReadView& view,
                                                                absl::string_view id) const {
  return GetRecord<v1::Role>(view, kRoles, id);
}

void DirectoryStore::PutOrganization(storage::Batch& batch, const v1::Organization& org) const {
  batch.Put(kOrganizations, IdOf(org.name()), org.SerializeAsString());
}

void DirectoryStore::PutRole(storage::Batch& batch, const v1::Role& role) const {
  batch.Put(kRoles, IdOf(role.name()), role.SerializeAsString());
}

std::vector<std::string> DirectoryStore::NameWords(const v1::Person& person) {
  std::set<std::string> words;
  for (const std::string* field :
       {&person.display_name(), &person.given_name(), &person.family_name()}) {
    for (absl::string_view word :
         absl::StrSplit(*field, absl::ByAnyChar(" \t-.,'"), absl::SkipEmpty())) {
      words.insert(absl::AsciiStrToLower(word));
    }
  }
  return {words.begin(), words.end()};
}

void DirectoryStore::PutPerson(storage::Batch& batch, const v1::Person& person,
                               const v1::Person* previous) const {
  std::string id = IdOf(person.name());
  batch.Put(kPeople, id, person.SerializeAsString());

  auto sync_index = [&](absl::string_view cf, std::vector<std::string> before,
                        std::vector<std::string> after) {
    std::sort(before.begin(), before.end());
    std::sort(after.begin(), after.end());
    for (const std::string& v : before) {
      if (!std::binary_search(after.begin(), after.end(), v)) batch.Delete(cf, IndexKey(v, id));
    }
    for (const std::string& v : after) {
      if (!std::binary_search(before.begin(), before.end(), v)) batch.Put(cf, IndexKey(v, id), "");
    }
  };
  auto org_of = [](const v1::Person* p) {
    std::vector<std::string> out;
    if (p != nullptr && !p->organization().empty()) out.push_back(IdOf(p->organization()));
    return out;
  };
  auto roles_of = [](const v1::Person* p) {
    std::vector<std::string> out;
    if (p != nullptr) {
      for (const std::string& role : p->roles()) out.push_back(IdOf(role));
    }
    return out;
  };
  sync_index(kPeopleByOrg, org_of(previous), org_of(&person));
  sync_index(kPeopleByRole, roles_of(previous), roles_of(&person));
  sync_index(kPeopleByWord, previous != nullptr ? NameWords(*previous) : std::vector<std::string>{},
             NameWords(person));
}

int64_t DirectoryStore::AppendEvent(storage::Batch& batch, const v1::Event& event) const {
  return batch.AppendEvent(event.SerializeAsString());
}

absl::StatusOr<Page<v1::Organization>> DirectoryStore::ListOrganizations(
    const storage::ReadView& view, absl::string_view after, int limit) const {
  return ListRecords<v1::Organization>(view, kOrganizations, after, limit);
}

absl::StatusOr<Page<v1::Role>> DirectoryStore::ListRoles(const storage::ReadView& view,
                                                         absl::string_view after, int limit) const {
  return ListRecords<v1::Role>(view, kRoles, after, limit);
}

absl::StatusOr<Page<v1::Person>> DirectoryStore::ScanPeople(
    const storage::ReadView& view, PeopleIndex index, absl::string_view value,
    absl::string_view after, int limit, int budget,
    const std::function<bool(const v1::Person&, absl::string_view)>& keep) const {
  Page<v1::Person> page;
  absl::Status error = absl::OkStatus();
  bool stopped_early = false;
  int read = 0;

  absl::string_view cf = kPeople;
  std::string prefix;
  switch (index) {
    case PeopleIndex::kAll:
      break;
    case PeopleIndex::kOrganization:
      cf = kPeopleByOrg;
      prefix = KeyBuilder().AddString(value).Release();
      break;
    case PeopleIndex::kRole:
      cf = kPeopleByRole;
      prefix = KeyBuilder().AddString(value).Release();
      break;
    case PeopleIndex::kNameWord:
      // A word prefix: the escaped string without its terminator.
      cf = kPeopleByWord;
      prefix = KeyBuilder().AddString(value).Release();
      prefix.resize(prefix.size() - 2);
      break;
  }

  RETURN_IF_ERROR(view.Scan(cf, prefix, after, [&](absl::string_view key, absl::string_view raw) {
    if (static_cast<int>(page.items.size()) == limit || read == budget) {
      stopped_early = true;
      return false;
    }
    ++read;
    v1::Person person;
    if (index == PeopleIndex::kAll) {
      if (!person.ParseFromArray(raw.data(), static_cast<int>(raw.size()))) {
        error = absl::DataLossError(absl::StrCat("people/", key, ": stored record is corrupt"));
        return false;
      }
    } else {
      KeyReader reader(key);
      std::string indexed, id;
      if (!reader.ReadString(&indexed) || !reader.ReadString(&id)) {
        error = absl::DataLossError(absl::StrCat(cf, ": malformed index key"));
        return false;
      }
      absl::StatusOr<std::optional<v1::Person>> found = GetPerson(view, id);
      if (!found.ok()) {
        error = found.status();
        return false;
      }
      // An index entry without its record cannot happen with atomic batches;
      // say so loudly rather than skip it.
      if (!found->has_value()) {
        error = absl::DataLossError(absl::StrCat(cf, ": entry for missing people/", id));
        return false;
      }
      person = **std::move(found);
    }
    page.resume_after = std::string(key);
    if (keep(person, key)) page.items.push_back(std::move(person));
    return true;
  }));
  RETURN_IF_ERROR(error);
  if (!stopped_early) page.resume_after.clear();
  return page;
}

absl::StatusOr<v1::WatchEventsResponse> DirectoryStore::DecodeEvent(int64_t revision,
                                                                    absl::string_view payload) {
  v1::WatchEventsResponse response;
  if (!response.mutable_event()->ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {
    return absl::DataLossError(absl::StrCat("event ", revision, ": stored event is corrupt"));
  }
  response.mutable_event()->set_revision(revision);
  return response;
}

}  // namespace samepage::directory
