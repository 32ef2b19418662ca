#include "services/directory/directory.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/clock/time_util.h"
#include "common/status/status_macros.h"
#include "common/storage/keys.h"
#include "common/storage/page_token.h"
#include "common/storage/records.h"
#include "common/validation/validation.h"
#include "services/directory/validate.h"

namespace samepage::directory {
namespace {

namespace val = ::samepage::validation;
using identity::Caller;
using storage::Batch;
using storage::IdOf;
using storage::ReadView;

// Index entries read at most per list or search call before a partial page is
// returned: keeps one call's cost bounded whatever the filters.
constexpr int kScanBudget = 2000;

struct BuiltInRole {
  const char* id;
  const char* display_name;
  const char* description;
};

constexpr BuiltInRole kBuiltInRoles[] = {
    {"investigator", "Child protective investigator",
     "Investigates reports of maltreatment and decides on safety."},
    {"dependency-case-manager", "Dependency case manager",
     "Manages the case plan and services once a case is open."},
    {"case-supervisor", "Case supervisor", "Supervises case managers and investigators."},
    {"therapist", "Therapist", "Provides mental-health treatment."},
    {"substance-use-treatment-provider", "Substance-use treatment provider",
     "Provides substance-use disorder treatment (42 CFR Part 2 programme)."},
    {"family-peer-mentor", "Family peer mentor",
     "A parent with lived experience who supports the family."},
    {"family-partner", "Family partner", "Supports the family through services."},
    {"intensive-care-coordinator", "Intensive care coordinator",
     "Coordinates intensive behavioral-health care."},
    {"primary-care-provider", "Pediatric primary-care provider", "The child's pediatrician."},
    {"guardian-ad-litem", "Guardian ad litem", "Represents the child's best interests in court."},
    {"attorney", "Attorney", "Legal counsel for a party."},
    {"judge", "Judge", "Presides over dependency proceedings."},
    {"court-staff", "Court staff", "Clerks and court liaisons."},
    {"administrator", "Administrator", "Administers an organisation's directory entries."},
};

absl::Status NotFound(absl::string_view name) {
  return absl::NotFoundError(absl::StrCat(name, ": not found"));
}

}  // namespace

Directory::Directory(storage::Store* store, const Clock* clock) : data_(store), clock_(clock) {}

absl::Status Directory::Init() {
  return data_.store().Transact([&](const ReadView& view, Batch& batch) -> absl::Status {
    google::protobuf::Timestamp now = ToProtoTime(clock_->Now());
    for (const BuiltInRole& builtin : kBuiltInRoles) {
      ASSIGN_OR_RETURN(std::optional<v1::Role> existing, data_.GetRole(view, builtin.id));
      if (existing.has_value()) continue;
      v1::Role role;
      role.set_name(absl::StrCat("roles/", builtin.id));
      role.set_display_name(builtin.display_name);
      role.set_description(builtin.description);
      role.set_built_in(true);
      *role.mutable_create_time() = now;
      data_.PutRole(batch, role);
      v1::Event event =
          NewEvent(Caller{.subject = "samepage"}, v1::Event::TYPE_ROLE_CREATED, role.name());
      *event.mutable_role() = role;
      data_.AppendEvent(batch, event);
    }
    return absl::OkStatus();
  });
}

v1::Event Directory::NewEvent(const Caller& caller, v1::Event::Type type,
                              absl::string_view resource) const {
  v1::Event event;
  event.set_type(type);
  *event.mutable_event_time() = ToProtoTime(clock_->Now());
  event.set_actor(caller.subject);
  event.set_resource(std::string(resource));
  return event;
}

absl::StatusOr<std::optional<v1::Person>> Directory::CallerRecord(const ReadView& view,
                                                                  const Caller& caller) const {
  std::string name = caller.PersonName();
  if (name.empty()) return std::nullopt;
  return data_.GetPerson(view, IdOf(name));
}

absl::StatusOr<bool> Directory::AdministersOrganization(const ReadView& view, const Caller& caller,
                                                        absl::string_view organization) const {
  if (caller.platform_admin) return true;
  ASSIGN_OR_RETURN(std::optional<v1::Person> me, CallerRecord(view, caller));
  return me.has_value() && me->administrator() && me->state() == v1::Person::STATE_ACTIVE &&
         !organization.empty() && me->organization() == organization;
}

absl::StatusOr<v1::Person> Directory::LookupPerson(absl::string_view name) const {
  ASSIGN_OR_RETURN(std::string id, val::ParseName("name", name, "people"));
  ASSIGN_OR_RETURN(std::optional<v1::Person> person, data_.GetPerson(reader(), id));
  if (!person.has_value()) return NotFound(name);
  return *std::move(person);
}

absl::StatusOr<v1::Organization> Directory::LookupOrganization(absl::string_view name) const {
  ASSIGN_OR_RETURN(std::string id, val::ParseName("name", name, "organizations"));
  ASSIGN_OR_RETURN(std::optional<v1::Organization> org, data_.GetOrganization(reader(), id));
  if (!org.has_value()) return NotFound(name);
  return *std::move(org);
}

// --- Organisations ---------------------------------------------------------

absl::Status Directory::ValidateOrganization(const ReadView& view, const v1::Organization& org,
                                             absl::string_view field) const {
  RETURN_IF_ERROR(
      val::RequiredMaxLength(absl::StrCat(field, ".display_name"), org.display_name(), 200));
  if (org.kind() == v1::Organization::KIND_UNSPECIFIED ||
      !v1::Organization::Kind_IsValid(org.kind())) {
    return absl::InvalidArgumentError(absl::StrCat(field, ".kind: must be set"));
  }
  RETURN_IF_ERROR(val::MaxLength(absl::StrCat(field, ".description"), org.description(), 2000));
  RETURN_IF_ERROR(
      ValidateContactPoints(absl::StrCat(field, ".contact_points"), org.contact_points()));
  if (!org.point_of_contact().empty()) {
    std::string at = absl::StrCat(field, ".point_of_contact");
    ASSIGN_OR_RETURN(std::string id, val::ParseName(at, org.point_of_contact(), "people"));
    ASSIGN_OR_RETURN(std::optional<v1::Person> poc, data_.GetPerson(view, id));
    if (!poc.has_value()) {
      return absl::InvalidArgumentError(
          absl::StrCat(at, ": ", org.point_of_contact(), " does not exist"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::Organization> Directory::CreateOrganization(
    const Caller& caller, const v1::CreateOrganizationRequest& req) {
  if (!req.organization_id().empty()) {
    RETURN_IF_ERROR(val::ResourceId("organization_id", req.organization_id()));
  }
  if (!caller.platform_admin) {
    return absl::PermissionDeniedError(
        "only platform administrators (token scope samepage.admin) create organisations");
  }
  std::string id =
      req.organization_id().empty() ? storage::NewResourceId("o") : req.organization_id();
  v1::Organization org = req.organization();
  org.set_name(absl::StrCat("organizations/", id));
  absl::Status status = data_.store().Transact([&](const ReadView& view, Batch& batch) {
    RETURN_IF_ERROR(ValidateOrganization(view, org, "organization"));
    ASSIGN_OR_RETURN(std::optional<v1::Organization> existing, data_.GetOrganization(view, id));
    if (existing.has_value()) {
      return absl::AlreadyExistsError(absl::StrCat(org.name(), ": already exists"));
    }
    google::protobuf::Timestamp now = ToProtoTime(clock_->Now());
    *org.mutable_create_time() = now;
    *org.mutable_update_time() = now;
    org.set_etag(storage::EtagFor(batch.next_revision()));
    data_.PutOrganization(batch, org);
    v1::Event event = NewEvent(caller, v1::Event::TYPE_ORGANIZATION_CREATED, org.name());
    *event.mutable_organization() = org;
    data_.AppendEvent(batch, event);
    return absl::OkStatus();
  });
  RETURN_IF_ERROR(status);
  return org;
}

absl::StatusOr<v1::Organization> Directory::GetOrganization(const Caller& caller,
                                                            const v1::GetOrganizationRequest& req) {
  (void)caller;  // Any authenticated caller may read the directory.
  return LookupOrganization(req.name());
}

absl::StatusOr<v1::ListOrganizationsResponse> Directory::ListOrganizations(
    const Caller& caller, const v1::ListOrganizationsRequest& req) {
  (void)caller;
  ASSIGN_OR_RETURN(int size, storage::ResolvePageSize(req.page_size()));
  std::string after;
  if (!req.page_token().empty()) {
    ASSIGN_OR_RETURN(after, storage::DecodePageToken(req.page_token(), "organizations"));
  }
  ASSIGN_OR_RETURN(Page<v1::Organization> page, data_.ListOrganizations(reader(), after, size));
  v1::ListOrganizationsResponse response;
  for (auto& org : page.items) *response.add_organizations() = std::move(org);
  if (!page.resume_after.empty()) {
    response.set_next_page_token(storage::EncodePageToken(page.resume_after, "organizations"));
  }
  return response;
}

absl::StatusOr<v1::Organization> Directory::UpdateOrganization(
    const Caller& caller, const v1::UpdateOrganizationRequest& req) {
  ASSIGN_OR_RETURN(std::string id,
                   val::ParseName("organization.name", req.organization().name(), "organizations"));
  RETURN_IF_ERROR(val::FieldMaskPaths(
      "update_mask", req.update_mask(),
      {"display_name", "kind", "description", "point_of_contact", "contact_points"}));
  v1::Organization updated;
  absl::Status status = data_.store().Transact([&](const ReadView& view, Batch& batch) {
    ASSIGN_OR_RETURN(std::optional<v1::Organization> current, data_.GetOrganization(view, id));
    if (!current.has_value()) return NotFound(req.organization().name());
    ASSIGN_OR_RETURN(bool admin, AdministersOrganization(view, caller, current->name()));
    if (!admin) {
      return absl::PermissionDeniedError(
          absl::StrCat("only platform administrators and administrators of ", current->name(),
                       " may change it"));
    }
    RETURN_IF_ERROR(
        storage::CheckEtag("organization.etag", req.organization().etag(), current->etag()));
    updated = *current;
    const v1::Organization& in = req.organization();
    const auto& mask = req.update_mask();
    if (val::MaskHas(mask, "display_name")) updated.set_display_name(in.display_name());
    if (val::MaskHas(mask, "kind")) updated.set_kind(in.kind());
    if (val::MaskHas(mask, "description")) updated.set_description(in.description());
    if (val::MaskHas(mask, "point_of_contact")) updated.set_point_of_contact(in.point_of_contact());
    if (val::MaskHas(mask, "contact_points")) {
      *updated.mutable_contact_points() = in.contact_points();
    }
    RETURN_IF_ERROR(ValidateOrganization(view, updated, "organization"));
    *updated.mutable_update_time() = ToProtoTime(clock_->Now());
    updated.set_etag(storage::EtagFor(batch.next_revision()));
    data_.PutOrganization(batch, updated);
    v1::Event event = NewEvent(caller, v1::Event::TYPE_ORGANIZATION_UPDATED, updated.name());
    *event.mutable_organization() = updated;
    data_.AppendEvent(batch, event);
    return absl::OkStatus();
  });
  RETURN_IF_ERROR(status);
  return updated;
}

// --- Roles -----------------------------------------------------------------

absl::StatusOr<v1::Role> Directory::CreateRole(const Caller& caller,
                                               const v1::CreateRoleRequest& req) {
  RETURN_IF_ERROR(val::ResourceId("role_id", req.role_id()));
  RETURN_IF_ERROR(val::RequiredMaxLength("role.display_name", req.role().display_name(), 200));
  RETURN_IF_ERROR(val::MaxLength("role.description", req.role().description(), 2000));
  v1::Role role = req.role();
  role.set_name(absl::StrCat("roles/", req.role_id()));
  role.set_built_in(false);
  absl::Status status = data_.store().Transact([&](const ReadView& view, Batch& batch) {
    bool admin = caller.platform_admin;
    if (!admin) {
      ASSIGN_OR_RETURN(std::optional<v1::Person> me, CallerRecord(view, caller));
      admin = me.has_value() && me->administrator() && me->state() == v1::Person::STATE_ACTIVE;
    }
    if (!admin) {
      return absl::PermissionDeniedError("only administrators may extend the role catalog");
    }
    ASSIGN_OR_RETURN(std::optional<v1::Role> existing, data_.GetRole(view, req.role_id()));
    if (existing.has_value()) {
      return absl::AlreadyExistsError(absl::StrCat(role.name(), ": already exists"));
    }
    *role.mutable_create_time() = ToProtoTime(clock_->Now());
    data_.PutRole(batch, role);
    v1::Event event = NewEvent(caller, v1::Event::TYPE_ROLE_CREATED, role.name());
    *event.mutable_role() = role;
    data_.AppendEvent(batch, event);
    return absl::OkStatus();
  });
  RETURN_IF_ERROR(status);
  return role;
}

absl::StatusOr<v1::ListRolesResponse> Directory::ListRoles(const Caller& caller,
                                                           const v1::ListRolesRequest& req) {
  (void)caller;
  ASSIGN_OR_RETURN(int size, storage::ResolvePageSize(req.page_size()));
  std::string after;
  if (!req.page_token().empty()) {
    ASSIGN_OR_RETURN(after, storage::DecodePageToken(req.page_token(), "roles"));
  }
  ASSIGN_OR_RETURN(Page<v1::Role> page, data_.ListRoles(reader(), after, size));
  v1::ListRolesResponse response;
  for (auto& role : page.items) *response.add_roles() = std::move(role);
  if (!page.resume_after.empty()) {
    response.set_next_page_token(storage::EncodePageToken(page.resume_after, "roles"));
  }
  return response;
}

// --- People ----------------------------------------------------------------

absl::Status Directory::ValidatePerson(const ReadView& view, const v1::Person& person,
                                       absl::string_view field) const {
  auto at = [&](absl::string_view sub) { return absl::StrCat(field, ".", sub); };
  RETURN_IF_ERROR(val::RequiredMaxLength(at("display_name"), person.display_name(), 200));
  RETURN_IF_ERROR(val::MaxLength(at("given_name"), person.given_name(), 100));
  RETURN_IF_ERROR(val::MaxLength(at("family_name"), person.family_name(), 100));
  RETURN_IF_ERROR(val::MaxLength(at("title"), person.title(), 200));
  if (!v1::Person::Kind_IsValid(person.kind())) {
    return absl::InvalidArgumentError(absl::StrCat(at("kind"), ": unknown value"));
  }
  bool professional = person.kind() != v1::Person::KIND_CAREGIVER;
  if (professional || !person.organization().empty()) {
    ASSIGN_OR_RETURN(std::string org_id,
                     val::ParseName(at("organization"), person.organization(), "organizations"));
    ASSIGN_OR_RETURN(std::optional<v1::Organization> org, data_.GetOrganization(view, org_id));
    if (!org.has_value()) {
      return absl::InvalidArgumentError(
          absl::StrCat(at("organization"), ": ", person.organization(), " does not exist"));
    }
  }
  RETURN_IF_ERROR(val::MaxCount(at("roles"), person.roles_size(), 10));
  for (int i = 0; i < person.roles_size(); ++i) {
    std::string role_field = absl::StrCat(at("roles"), "[", i, "]");
    ASSIGN_OR_RETURN(std::string role_id, val::ParseName(role_field, person.roles(i), "roles"));
    ASSIGN_OR_RETURN(std::optional<v1::Role> role, data_.GetRole(view, role_id));
    if (!role.has_value()) {
      return absl::InvalidArgumentError(absl::StrCat(
          role_field, ": ", person.roles(i), " is not in the role catalog (see ListRoles)"));
    }
  }
  if (!person.supervisor().empty()) {
    ASSIGN_OR_RETURN(std::string sup_id,
                     val::ParseName(at("supervisor"), person.supervisor(), "people"));
    if (person.supervisor() == person.name()) {
      return absl::InvalidArgumentError(
          absl::StrCat(at("supervisor"), ": a person cannot supervise themselves"));
    }
    ASSIGN_OR_RETURN(std::optional<v1::Person> sup, data_.GetPerson(view, sup_id));
    if (!sup.has_value()) {
      return absl::InvalidArgumentError(
          absl::StrCat(at("supervisor"), ": ", person.supervisor(), " does not exist"));
    }
  }
  RETURN_IF_ERROR(ValidateContactPoints(at("contact_points"), person.contact_points()));
  RETURN_IF_ERROR(ValidateWorkingHours(at("working_hours"), person.working_hours()));
  if (person.has_out_of_office()) {
    RETURN_IF_ERROR(
        ValidateOutOfOffice(at("out_of_office"), person.out_of_office(), person.name()));
    if (!person.out_of_office().delegate().empty()) {
      ASSIGN_OR_RETURN(std::optional<v1::Person> delegate,
                       data_.GetPerson(view, IdOf(person.out_of_office().delegate())));
      if (!delegate.has_value()) {
        return absl::InvalidArgumentError(absl::StrCat(at("out_of_office.delegate"), ": ",
                                                       person.out_of_office().delegate(),
                                                       " does not exist"));
      }
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::Person> Directory::CreatePerson(const Caller& caller,
                                                   const v1::CreatePersonRequest& req) {
  if (!req.person_id().empty()) RETURN_IF_ERROR(val::ResourceId("person_id", req.person_id()));
  std::string id = req.person_id().empty() ? storage::NewResourceId("p") : req.person_id();
  v1::Person person = req.person();
  person.set_name(absl::StrCat("people/", id));
  person.set_state(v1::Person::STATE_ACTIVE);
  person.clear_departure();
  if (person.kind() == v1::Person::KIND_UNSPECIFIED) person.set_kind(v1::Person::KIND_PROFESSIONAL);
  absl::Status status = data_.store().Transact([&](const ReadView& view, Batch& batch) {
    RETURN_IF_ERROR(ValidatePerson(view, person, "person"));
    ASSIGN_OR_RETURN(bool admin, AdministersOrganization(view, caller, person.organization()));
    if (!admin) {
      return absl::PermissionDeniedError(absl::StrCat(
          "only platform administrators and administrators of ",
          person.organization().empty() ? "the person's organisation" : person.organization(),
          " may add people to it"));
    }
    ASSIGN_OR_RETURN(std::optional<v1::Person> existing, data_.GetPerson(view, id));
    if (existing.has_value()) {
      return absl::AlreadyExistsError(absl::StrCat(person.name(), ": already exists"));
    }
    google::protobuf::Timestamp now = ToProtoTime(clock_->Now());
    *person.mutable_create_time() = now;
    *person.mutable_update_time() = now;
    person.set_etag(storage::EtagFor(batch.next_revision()));
    data_.PutPerson(batch, person, nullptr);
    v1::Event event = NewEvent(caller, v1::Event::TYPE_PERSON_CREATED, person.name());
    *event.mutable_person() = person;
    data_.AppendEvent(batch, event);
    return absl::OkStatus();
  });
  RETURN_IF_ERROR(status);
  return person;
}

absl::StatusOr<v1::Person> Directory::GetPerson(const Caller& caller,
                                                const v1::GetPersonRequest& req) {
  (void)caller;
  return LookupPerson(req.name());
}

absl::StatusOr<v1::ListPeopleResponse> Directory::ListPeople(const Caller& caller,
                                                             const v1::ListPeopleRequest& req) {
  (void)caller;
  ASSIGN_OR_RETURN(int size, storage::ResolvePageSize(req.page_size()));
  std::string org_id;
  if (!req.organization().empty()) {
    ASSIGN_OR_RETURN(org_id, val::ParseName("organization", req.organization(), "organizations"));
  }
  std::string fingerprint = absl::StrCat("people|", org_id, "|", req.show_departed());
  std::string after;
  if (!req.page_token().empty()) {
    ASSIGN_OR_RETURN(after, storage::DecodePageToken(req.page_token(), fingerprint));
  }
  ASSIGN_OR_RETURN(Page<v1::Person> page,
                   data_.ScanPeople(reader(),
                                    org_id.empty() ? DirectoryStore::PeopleIndex::kAll
                                                   : DirectoryStore::PeopleIndex::kOrganization,
                                    org_id, after, size, kScanBudget,
                                    [&](const v1::Person& p, absl::string_view) {
                                      return req.show_departed() ||
                                             p.state() != v1::Person::STATE_DEPARTED;
                                    }));
  v1::ListPeopleResponse response;
  for (auto& p : page.items) *response.add_people() = std::move(p);
  if (!page.resume_after.empty()) {
    response.set_next_page_token(storage::EncodePageToken(page.resume_after, fingerprint));
  }
  return response;
}

absl::StatusOr<v1::SearchPeopleResponse> Directory::SearchPeople(
    const Caller& caller, const v1::SearchPeopleRequest& req) {
  (void)caller;
  RETURN_IF_ERROR(val::MaxLength("query", req.query(), 200));
  ASSIGN_OR_RETURN(int size, storage::ResolvePageSize(req.page_size()));
  std::string org_id, role_id;
  if (!req.organization().empty()) {
    ASSIGN_OR_RETURN(org_id, val::ParseName("organization", req.organization(), "organizations"));
  }
  if (!req.role().empty()) {
    ASSIGN_OR_RETURN(role_id, val::ParseName("role", req.role(), "roles"));
  }
  std::vector<std::string> words;
  for (absl::string_view w :
       absl::StrSplit(req.query(), absl::ByAnyChar(" \t-.,'"), absl::SkipEmpty())) {
    words.push_back(absl::AsciiStrToLower(w));
  }
  if (words.empty() && org_id.empty() && role_id.empty()) {
    return absl::InvalidArgumentError("query: give a name, an organization or a role to search by");
  }
  std::string fingerprint = absl::StrCat("search|", absl::StrJoin(words, " "), "|", org_id, "|",
                                         role_id, "|", req.show_departed());
  std::string after;
  if (!req.page_token().empty()) {
    ASSIGN_OR_RETURN(after, storage::DecodePageToken(req.page_token(), fingerprint));
  }

  // Walk the most selective index: the first name word, else the role, else
  // the organisation; check the other criteria on each person found.
  DirectoryStore::PeopleIndex index = DirectoryStore::PeopleIndex::kOrganization;
  std::string value = org_id;
  if (!words.empty()) {
    index = DirectoryStore::PeopleIndex::kNameWord;
    value = words.front();
  } else if (!role_id.empty()) {
    index = DirectoryStore::PeopleIndex::kRole;
    value = role_id;
  }
  auto keep = [&](const v1::Person& p, absl::string_view index_key) {
    if (!req.show_departed() && p.state() == v1::Person::STATE_DEPARTED) return false;
    if (!org_id.empty() && p.organization() != req.organization()) return false;
    if (!role_id.empty() &&
        std::find(p.roles().begin(), p.roles().end(), req.role()) == p.roles().end()) {
      return false;
    }
    std::vector<std::string> names = DirectoryStore::NameWords(p);
    for (const std::string& w : words) {
      bool found = std::any_of(names.begin(), names.end(),
                               [&](const std::string& n) { return absl::StartsWith(n, w); });
      if (!found) return false;
    }
    if (index == DirectoryStore::PeopleIndex::kNameWord) {
      // A person with several words matching the first query word appears
      // once: at the first of them in index order.
      storage::KeyReader key_reader(index_key);
      std::string indexed_word;
      key_reader.ReadString(&indexed_word);
      for (const std::string& n : names) {
        if (absl::StartsWith(n, words.front())) return n == indexed_word;
      }
    }
    return true;
  };
  ASSIGN_OR_RETURN(Page<v1::Person> page,
                   data_.ScanPeople(reader(), index, value, after, size, kScanBudget, keep));
  v1::SearchPeopleResponse response;
  for (auto& p : page.items) *response.add_people() = std::move(p);
  if (!page.resume_after.empty()) {
    response.set_next_page_token(storage::EncodePageToken(page.resume_after, fingerprint));
  }
  return response;
}

absl::StatusOr<v1::Person> Directory::UpdatePerson(const Caller& caller,
                                                   const v1::UpdatePersonRequest& req) {
  ASSIGN_OR_RETURN(std::string id, val::ParseName("person.name", req.person().name(), "people"));
  RETURN_IF_ERROR(val::FieldMaskPaths(
      "update_mask", req.update_mask(),
      {"display_name", "given_name", "family_name", "title", "roles", "supervisor",
       "contact_points", "working_hours", "out_of_office", "administrator", "kind"}));
  v1::Person updated;
  absl::Status status = data_.store().Transact([&](const ReadView& view, Batch& batch) {
    ASSIGN_OR_RETURN(std::optional<v1::Person> current, data_.GetPerson(view, id));
    if (!current.has_value()) return NotFound(req.person().name());
    if (current->state() == v1::Person::STATE_DEPARTED) {
      return absl::FailedPreconditionError(
          absl::StrCat(current->name(), ": has departed; departed records are kept as history"));
    }
    // Who may change what: administrators everything; the person their own
    // reachability; their supervisor their out-of-office.
    ASSIGN_OR_RETURN(bool admin, AdministersOrganization(view, caller, current->organization()));
    if (!admin) {
      bool self = caller.PersonName() == current->name();
      bool supervisor =
          !current->supervisor().empty() && caller.PersonName() == current->supervisor();
      for (const std::string& path : req.update_mask().paths()) {
        bool allowed = (self && (path == "contact_points" || path == "working_hours" ||
                                 path == "out_of_office")) ||
                       (supervisor && path == "out_of_office");
        if (!allowed) {
          return absl::PermissionDeniedError(
              absl::StrCat("update_mask: you may not change ", path, " of ", current->name(),
                           "; administrators of its organisation may"));
        }
      }
    }
    RETURN_IF_ERROR(storage::CheckEtag("person.etag", req.person().etag(), current->etag()));
    updated = *current;
    const v1::Person& in = req.person();
    const auto& mask = req.update_mask();
    if (val::MaskHas(mask, "display_name")) updated.set_display_name(in.display_name());
    if (val::MaskHas(mask, "given_name")) updated.set_given_name(in.given_name());
    if (val::MaskHas(mask, "family_name")) updated.set_family_name(in.family_name());
    if (val::MaskHas(mask, "title")) updated.set_title(in.title());
    if (val::MaskHas(mask, "roles")) *updated.mutable_roles() = in.roles();
    if (val::MaskHas(mask, "supervisor")) updated.set_supervisor(in.supervisor());
    if (val::MaskHas(mask, "contact_points")) {
      *updated.mutable_contact_points() = in.contact_points();
    }
    if (val::MaskHas(mask, "working_hours")) {
      *updated.mutable_working_hours() = in.working_hours();
    }
    if (val::MaskHas(mask, "out_of_office")) {
      if (in.has_out_of_office()) {
        *updated.mutable_out_of_office() = in.out_of_office();
      } else {
        updated.clear_out_of_office();
      }
    }
    if (val::MaskHas(mask, "administrator")) updated.set_administrator(in.administrator());
    if (val::MaskHas(mask, "kind")) {
      updated.set_kind(in.kind() == v1::Person::KIND_UNSPECIFIED ? v1::Person::KIND_PROFESSIONAL
                                                                 : in.kind());
    }
    RETURN_IF_ERROR(ValidatePerson(view, updated, "person"));
    *updated.mutable_update_time() = ToProtoTime(clock_->Now());
    updated.set_etag(storage::EtagFor(batch.next_revision()));
    data_.PutPerson(batch, updated, &*current);
    v1::Event event = NewEvent(caller, v1::Event::TYPE_PERSON_UPDATED, updated.name());
    *event.mutable_person() = updated;
    data_.AppendEvent(batch, event);
    return absl::OkStatus();
  });
  RETURN_IF_ERROR(status);
  return updated;
}

absl::StatusOr<v1::Person> Directory::RecordDeparture(const Caller& caller,
                                                      const v1::RecordDepartureRequest& req) {
  ASSIGN_OR_RETURN(std::string id, val::ParseName("name", req.name(), "people"));
  RETURN_IF_ERROR(
      val::RequiredTimestamp("effective_time", req.effective_time(), req.has_effective_time()));
  RETURN_IF_ERROR(val::MaxLength("reason", req.reason(), 500));
  std::string successor_id;
  if (!req.successor().empty()) {
    ASSIGN_OR_RETURN(successor_id, val::ParseName("successor", req.successor(), "people"));
    if (successor_id == id) {
      return absl::InvalidArgumentError(
          "successor: must be someone else than the departing person");
    }
  }
  v1::Person updated;
  absl::Status status = data_.store().Transact([&](const ReadView& view, Batch& batch) {
    ASSIGN_OR_RETURN(std::optional<v1::Person> current, data_.GetPerson(view, id));
    if (!current.has_value()) return NotFound(req.name());
    ASSIGN_OR_RETURN(bool admin, AdministersOrganization(view, caller, current->organization()));
    bool supervisor =
        !current->supervisor().empty() && caller.PersonName() == current->supervisor();
    if (!admin && !supervisor) {
      return absl::PermissionDeniedError(
          absl::StrCat("only the supervisor of ", current->name(),
                       " or an administrator of its organisation may record a departure"));
    }
    if (current->state() == v1::Person::STATE_DEPARTED) {
      return absl::FailedPreconditionError(absl::StrCat(current->name(), ": already departed"));
    }
    RETURN_IF_ERROR(storage::CheckEtag("etag", req.etag(), current->etag()));
    if (!successor_id.empty()) {
      ASSIGN_OR_RETURN(std::optional<v1::Person> successor, data_.GetPerson(view, successor_id));
      if (!successor.has_value()) {
        return absl::InvalidArgumentError(
            absl::StrCat("successor: ", req.successor(), " does not exist"));
      }
      if (successor->state() != v1::Person::STATE_ACTIVE) {
        return absl::FailedPreconditionError(
            absl::StrCat("successor: ", req.successor(), " has departed"));
      }
    }
    updated = *current;
    updated.set_state(v1::Person::STATE_DEPARTED);
    v1::Departure* departure = updated.mutable_departure();
    *departure->mutable_effective_time() = req.effective_time();
    departure->set_successor(req.successor());
    departure->set_reason(req.reason());
    departure->set_recorded_by(caller.subject);
    *departure->mutable_record_time() = ToProtoTime(clock_->Now());
    updated.set_administrator(false);
    *updated.mutable_update_time() = ToProtoTime(clock_->Now());
    updated.set_etag(storage::EtagFor(batch.next_revision()));
    data_.PutPerson(batch, updated, &*current);
    v1::Event event = NewEvent(caller, v1::Event::TYPE_PERSON_DEPARTED, updated.name());
    *event.mutable_person() = updated;
    data_.AppendEvent(batch, event);
    return absl::OkStatus();
  });
  RETURN_IF_ERROR(status);
  return updated;
}

}  // namespace samepage::directory
