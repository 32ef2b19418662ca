#include "services/registry/registry_store.h"

#include "absl/strings/str_cat.h"
#include "common/events/event_consumer.h"
#include "common/status/status_macros.h"
#include "common/storage/keys.h"

namespace samepage::registry {
namespace {

constexpr char kCases[] = "cases";
constexpr char kCaseNumbers[] = "case_numbers";
constexpr char kCasesByAgency[] = "cases_by_agency";
constexpr char kAssignments[] = "assignments";
constexpr char kAssignmentsByPerson[] = "assignments_by_person";
constexpr char kCaseRoles[] = "case_roles";
constexpr char kPeople[] = "people";

using storage::KeyBuilder;
using storage::KeyReader;

template <typename T>
absl::StatusOr<std::optional<T>> GetRecord(const storage::ReadView& view, absl::string_view cf,
                                           absl::string_view key) {
  ASSIGN_OR_RETURN(std::optional<std::string> raw, view.Get(cf, key));
  if (!raw.has_value()) return std::nullopt;
  T record;
  if (!record.ParseFromString(*raw)) {
    return absl::DataLossError(absl::StrCat(cf, ": stored record is corrupt"));
  }
  return record;
}

template <typename T>
bool Parse(absl::string_view raw, T* out) {
  return out->ParseFromArray(raw.data(), static_cast<int>(raw.size()));
}

std::string AssignmentKey(absl::string_view case_id, absl::string_view assignment_id) {
  return KeyBuilder().AddString(case_id).AddString(assignment_id).Release();
}

}  // namespace

std::vector<std::string> RegistryStore::ColumnFamilies() {
  return {kCases,
          kCaseNumbers,
          kCasesByAgency,
          kAssignments,
          kAssignmentsByPerson,
          kCaseRoles,
          kPeople,
          events::kCursorsColumnFamily};
}

RegistryStore::RegistryStore(storage::Store* store, size_t cache_entries)
    : store_(store),
      cases_(cache_entries),
      case_assignments_(cache_entries),
      case_roles_(cache_entries),
      people_(cache_entries),
      observer_(store->ObserveWrites(
          [this](absl::string_view cf, absl::string_view key) { Forget(cf, key); })) {}

RegistryStore::~RegistryStore() { store_->StopObserving(observer_); }

void RegistryStore::Forget(absl::string_view cf, absl::string_view key) {
  if (cf == kCases) {
    cases_.Forget(key);
  } else if (cf == kAssignments) {
    // (case id, assignment id): the case's team changed.
    std::string case_id;
    KeyReader reader(key);
    if (reader.ReadString(&case_id)) case_assignments_.Forget(case_id);
  } else if (cf == kCaseRoles) {
    case_roles_.Forget(key);
  } else if (cf == kPeople) {
    people_.Forget(key);
  }
}

absl::StatusOr<std::optional<v1::Case>> RegistryStore::GetCase(const storage::ReadView& view,
                                                               absl::string_view case_id) const {
  return storage::ReadThrough(*store_, cases_, view, case_id,
                              [&] { return GetRecord<v1::Case>(view, kCases, case_id); });
}

absl::StatusOr<std::shared_ptr<const v1::Case>> RegistryStore::SharedCase(
    const storage::ReadView& view, absl::string_view case_id) const {
  return storage::ReadThroughShared(*store_, cases_, view, case_id,
                                    [&] { return GetRecord<v1::Case>(view, kCases, case_id); });
}

absl::StatusOr<std::optional<std::string>> RegistryStore::FindCaseNumber(
    const storage::ReadView& view, absl::string_view agency_id,
    absl::string_view case_number) const {
  return view.Get(kCaseNumbers, KeyBuilder().AddString(agency_id).AddString(case_number).key());
}

absl::StatusOr<std::optional<v1::Assignment>> RegistryStore::GetAssignment(
    const storage::ReadView& view, absl::string_view case_id,
    absl::string_view assignment_id) const {
  return GetRecord<v1::Assignment>(view, kAssignments, AssignmentKey(case_id, assignment_id));
}

absl::StatusOr<std::optional<v1::CaseRole>> RegistryStore::GetCaseRole(
    const storage::ReadView& view, absl::string_view role_id) const {
  return storage::ReadThrough(*store_, case_roles_, view, role_id,
                              [&] { return GetRecord<v1::CaseRole>(view, kCaseRoles, role_id); });
}

absl::StatusOr<std::shared_ptr<const v1::CaseRole>> RegistryStore::SharedCaseRole(
    const storage::ReadView& view, absl::string_view role_id) const {
  return storage::ReadThroughShared(*store_, case_roles_, view, role_id, [&] {
    return GetRecord<v1::CaseRole>(view, kCaseRoles, role_id);
  });
}

absl::StatusOr<std::optional<directory::v1::Person>> RegistryStore::GetPerson(
    const storage::ReadView& view, absl::string_view person_id) const {
  return storage::ReadThrough(*store_, people_, view, person_id, [&] {
    return GetRecord<directory::v1::Person>(view, kPeople, person_id);
  });
}

absl::StatusOr<std::shared_ptr<const directory::v1::Person>> RegistryStore::SharedPerson(
    const storage::ReadView& view, absl::string_view person_id) const {
  return storage::ReadThroughShared(*store_, people_, view, person_id, [&] {
    return GetRecord<directory::v1::Person>(view, kPeople, person_id);
  });
}

void RegistryStore::PutCase(storage::Batch& batch, const v1::Case& c,
                            const v1::Case* previous) const {
  std::string id = IdOf(c.name());
  std::string agency = IdOf(c.lead_agency());
  batch.Put(kCases, id, c.SerializeAsString());
  if (previous != nullptr && previous->case_number() != c.case_number()) {
    batch.Delete(kCaseNumbers,
                 KeyBuilder().AddString(agency).AddString(previous->case_number()).key());
  }
  batch.Put(kCaseNumbers, KeyBuilder().AddString(agency).AddString(c.case_number()).key(), id);
  batch.Put(kCasesByAgency, KeyBuilder().AddString(agency).AddString(id).key(), "");
}

void RegistryStore::PutAssignment(storage::Batch& batch, const v1::Assignment& a) const {
  // cases/{case}/assignments/{assignment}
  std::string case_id = IdOf(a.name().substr(0, a.name().find("/assignments/")));
  std::string id = IdOf(a.name());
  batch.Put(kAssignments, AssignmentKey(case_id, id), a.SerializeAsString());
  if (!a.person().empty()) {
    batch.Put(kAssignmentsByPerson,
              KeyBuilder().AddString(IdOf(a.person())).AddString(case_id).AddString(id).key(), "");
  }
}

void RegistryStore::PutCaseRole(storage::Batch& batch, const v1::CaseRole& role) const {
  batch.Put(kCaseRoles, IdOf(role.name()), role.SerializeAsString());
}

void RegistryStore::PutPerson(storage::Batch& batch, const directory::v1::Person& person) const {
  batch.Put(kPeople, IdOf(person.name()), person.SerializeAsString());
}

int64_t RegistryStore::AppendEvent(storage::Batch& batch, const v1::Event& event) const {
  return batch.AppendEvent(event.SerializeAsString());
}

absl::StatusOr<std::vector<v1::Assignment>> RegistryStore::CaseAssignments(
    const storage::ReadView& view, absl::string_view case_id) const {
  ASSIGN_OR_RETURN(std::optional<std::vector<v1::Assignment>> team,
                   storage::ReadThrough(*store_, case_assignments_, view, case_id,
                                        [&] { return LoadCaseAssignments(view, case_id); }));
  return *std::move(team);
}

absl::StatusOr<std::shared_ptr<const std::vector<v1::Assignment>>>
RegistryStore::SharedCaseAssignments(const storage::ReadView& view,
                                     absl::string_view case_id) const {
  return storage::ReadThroughShared(*store_, case_assignments_, view, case_id,
                                    [&] { return LoadCaseAssignments(view, case_id); });
}

absl::StatusOr<std::optional<std::vector<v1::Assignment>>> RegistryStore::LoadCaseAssignments(
    const storage::ReadView& view, absl::string_view case_id) const {
  // A case without assignments is an empty team, never absent.
  std::vector<v1::Assignment> out;
  RETURN_IF_ERROR(
      ScanCaseAssignments(view, case_id, "", [&](absl::string_view, const v1::Assignment& a) {
        out.push_back(a);
        return true;
      }));
  return out;
}

absl::Status RegistryStore::ScanCaseAssignments(
    const storage::ReadView& view, absl::string_view case_id, absl::string_view after,
    const std::function<bool(absl::string_view, const v1::Assignment&)>& fn) const {
  absl::Status error = absl::OkStatus();
  RETURN_IF_ERROR(view.Scan(kAssignments, KeyBuilder().AddString(case_id).key(), after,
                            [&](absl::string_view key, absl::string_view raw) {
                              v1::Assignment a;
                              if (!Parse(raw, &a)) {
                                error = absl::DataLossError("assignments: corrupt record");
                                return false;
                              }
                              return fn(key, a);
                            }));
  return error;
}

absl::Status RegistryStore::ScanPersonAssignments(
    const storage::ReadView& view, absl::string_view person_id, absl::string_view after,
    const std::function<bool(absl::string_view, const v1::Assignment&)>& fn) const {
  absl::Status error = absl::OkStatus();
  RETURN_IF_ERROR(view.Scan(kAssignmentsByPerson, KeyBuilder().AddString(person_id).key(), after,
                            [&](absl::string_view key, absl::string_view) {
                              KeyReader reader(key);
                              std::string person, case_id, assignment_id;
                              if (!reader.ReadString(&person) || !reader.ReadString(&case_id) ||
                                  !reader.ReadString(&assignment_id)) {
                                error = absl::DataLossError("assignments_by_person: malformed key");
                                return false;
                              }
                              absl::StatusOr<std::optional<v1::Assignment>> a =
                                  GetAssignment(view, case_id, assignment_id);
                              if (!a.ok() || !a->has_value()) {
                                error = a.ok() ? absl::DataLossError(
                                                     "assignments_by_person: dangling entry")
                                               : a.status();
                                return false;
                              }
                              return fn(key, **a);
                            }));
  return error;
}

absl::Status RegistryStore::ScanCases(
    const storage::ReadView& view, absl::string_view agency_id, absl::string_view after,
    const std::function<bool(absl::string_view, const v1::Case&)>& fn) const {
  absl::Status error = absl::OkStatus();
  if (agency_id.empty()) {
    RETURN_IF_ERROR(view.Scan(kCases, "", after, [&](absl::string_view key, absl::string_view raw) {
      v1::Case c;
      if (!Parse(raw, &c)) {
        error = absl::DataLossError("cases: corrupt record");
        return false;
      }
      return fn(key, c);
    }));
    return error;
  }
  RETURN_IF_ERROR(view.Scan(kCasesByAgency, KeyBuilder().AddString(agency_id).key(), after,
                            [&](absl::string_view key, absl::string_view) {
                              KeyReader reader(key);
                              std::string agency, case_id;
                              if (!reader.ReadString(&agency) || !reader.ReadString(&case_id)) {
                                error = absl::DataLossError("cases_by_agency: malformed key");
                                return false;
                              }
                              absl::StatusOr<std::optional<v1::Case>> c = GetCase(view, case_id);
                              if (!c.ok() || !c->has_value()) {
                                error = c.ok()
                                            ? absl::DataLossError("cases_by_agency: dangling entry")
                                            : c.status();
                                return false;
                              }
                              return fn(key, **c);
                            }));
  return error;
}

absl::Status RegistryStore::ScanCaseRoles(
    const storage::ReadView& view, absl::string_view after,
    const std::function<bool(absl::string_view, const v1::CaseRole&)>& fn) const {
  absl::Status error = absl::OkStatus();
  RETURN_IF_ERROR(
      view.Scan(kCaseRoles, "", after, [&](absl::string_view key, absl::string_view raw) {
        v1::CaseRole role;
        if (!Parse(raw, &role)) {
          error = absl::DataLossError("case_roles: corrupt record");
          return false;
        }
        return fn(key, role);
      }));
  return error;
}

absl::StatusOr<v1::WatchEventsResponse> RegistryStore::DecodeEvent(int64_t revision,
                                                                   absl::string_view payload) {
  v1::WatchEventsResponse response;
  if (!Parse(payload, response.mutable_event())) {
    return absl::DataLossError(absl::StrCat("event ", revision, ": stored event is corrupt"));
  }
  response.mutable_event()->set_revision(revision);
  return response;
}

}  // namespace samepage::registry
