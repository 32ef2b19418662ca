#include "services/registry/registry.h"

#include <algorithm>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/clock/time_util.h"
#include "common/status/status_macros.h"
#include "common/storage/keys.h"
#include "common/storage/page_token.h"
#include "common/storage/records.h"
#include "common/validation/validation.h"

namespace samepage::registry {
namespace {

namespace val = ::samepage::validation;
using identity::Caller;
using storage::Batch;
using storage::ReadView;

struct BuiltInCaseRole {
  const char* id;
  const char* display_name;
  v1::CaseRole::Kind kind;
  bool treating_team;
};

constexpr BuiltInCaseRole kBuiltInCaseRoles[] = {
    {"investigator", "Child protective investigator", v1::CaseRole::KIND_PROFESSIONAL, false},
    {"dependency-case-manager", "Dependency case manager", v1::CaseRole::KIND_PROFESSIONAL, false},
    {"case-supervisor", "Case supervisor", v1::CaseRole::KIND_PROFESSIONAL, false},
    {"therapist", "Therapist", v1::CaseRole::KIND_PROFESSIONAL, true},
    {"substance-use-treatment-provider", "Substance-use treatment provider",
     v1::CaseRole::KIND_PROFESSIONAL, true},
    {"family-peer-mentor", "Family peer mentor", v1::CaseRole::KIND_PROFESSIONAL, false},
    {"family-partner", "Family partner", v1::CaseRole::KIND_PROFESSIONAL, false},
    {"intensive-care-coordinator", "Intensive care coordinator", v1::CaseRole::KIND_PROFESSIONAL,
     false},
    {"primary-care-provider", "Pediatric primary-care provider", v1::CaseRole::KIND_PROFESSIONAL,
     true},
    {"guardian-ad-litem", "Guardian ad litem", v1::CaseRole::KIND_PROFESSIONAL, false},
    {"attorney", "Attorney", v1::CaseRole::KIND_PROFESSIONAL, false},
    {"court", "Court", v1::CaseRole::KIND_PROFESSIONAL, false},
    {"foster-parent", "Foster parent", v1::CaseRole::KIND_FAMILY, false},
    {"biological-parent", "Biological parent", v1::CaseRole::KIND_FAMILY, false},
    {"relative-caregiver", "Relative caregiver", v1::CaseRole::KIND_FAMILY, false},
};

// Cases are seen by people who have a reason to; a caller without one learns
// nothing, not even whether the case exists.
absl::Status Denied(absl::string_view case_name) {
  return absl::PermissionDeniedError(absl::StrCat(
      case_name,
      ": you are not on this case's team, a supervisor of a member, or an administrator of its "
      "lead agency"));
}

absl::Status ValidDate(absl::string_view field, const v1::Date& d) {
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (d.year() < 1900 || d.year() > 9999 || d.month() < 1 || d.month() > 12 || d.day() < 1 ||
      d.day() > kDays[d.month() - 1]) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": not a valid date"));
  }
  bool leap = (d.year() % 4 == 0 && d.year() % 100 != 0) || d.year() % 400 == 0;
  if (d.month() == 2 && d.day() == 29 && !leap) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": not a valid date"));
  }
  return absl::OkStatus();
}

}  // namespace

Registry::Registry(storage::Store* store, const Clock* clock, DirectoryLookup* directory)
    : data_(store), clock_(clock), directory_(directory) {}

absl::Status Registry::Init() {
  return data_.store().Transact([&](const ReadView& view, Batch& batch) -> absl::Status {
    for (const BuiltInCaseRole& builtin : kBuiltInCaseRoles) {
      ASSIGN_OR_RETURN(std::optional<v1::CaseRole> existing, data_.GetCaseRole(view, builtin.id));
      if (existing.has_value()) continue;
      v1::CaseRole role;
      role.set_name(absl::StrCat("caseRoles/", builtin.id));
      role.set_display_name(builtin.display_name);
      role.set_kind(builtin.kind);
      role.set_treating_team(builtin.treating_team);
      role.set_built_in(true);
      *role.mutable_create_time() = ToProtoTime(clock_->Now());
      data_.PutCaseRole(batch, role);
      v1::Event event = NewEvent("samepage", v1::Event::TYPE_CASE_ROLE_CREATED, role.name(), "");
      *event.mutable_case_role() = role;
      data_.AppendEvent(batch, event);
    }
    return absl::OkStatus();
  });
}

v1::Event Registry::NewEvent(const std::string& actor, v1::Event::Type type,
                             absl::string_view resource, const std::string& cause) const {
  v1::Event event;
  event.set_type(type);
  *event.mutable_event_time() = ToProtoTime(clock_->Now());
  event.set_actor(actor);
  event.set_resource(std::string(resource));
  event.set_cause(cause);
  return event;
}

v1::Assignment Registry::Present(v1::Assignment a) const {
  absl::Time now = clock_->Now();
  if (a.state() == v1::Assignment::STATE_ENDED) return a;
  if (a.has_end_time() && FromProtoTime(a.end_time()) <= now) {
    a.set_state(v1::Assignment::STATE_ENDED);
  } else if (a.has_start_time() && FromProtoTime(a.start_time()) > now) {
    a.set_state(v1::Assignment::STATE_PLANNED);
  } else {
    a.set_state(v1::Assignment::STATE_CURRENT);
  }
  return a;
}

// --- Access -----------------------------------------------------------------

absl::StatusOr<Registry::SharedCaseView> Registry::ShareVisibleCase(const ReadView& view,
                                                                    const Caller& caller,
                                                                    absl::string_view case_name,
                                                                    absl::string_view field) const {
  ASSIGN_OR_RETURN(std::string id, val::ParseName(field, case_name, "cases"));
  SharedCaseView out;
  ASSIGN_OR_RETURN(out.c, data_.SharedCase(view, id));
  if (out.c == nullptr) {
    if (caller.platform_admin || caller.service) {
      return absl::NotFoundError(absl::StrCat(case_name, ": not found"));
    }
    return Denied(case_name);
  }
  ASSIGN_OR_RETURN(out.assignments, data_.SharedCaseAssignments(view, id));
  std::shared_ptr<const directory::v1::Person> me;
  if (!caller.PersonName().empty()) {
    ASSIGN_OR_RETURN(me, PersonFacts(view, caller, caller.PersonName()));
  }
  ASSIGN_OR_RETURN(
      out.access, DecideCaseAccess(view, data_, *out.c, *out.assignments, caller.PersonName(),
                                   me.get(), caller.platform_admin, caller.service, clock_->Now()));
  if (!out.access.allowed) return Denied(case_name);
  return out;
}

absl::StatusOr<Registry::CaseView> Registry::LoadVisibleCase(const ReadView& view,
                                                             const Caller& caller,
                                                             absl::string_view case_name,
                                                             absl::string_view field) const {
  ASSIGN_OR_RETURN(SharedCaseView shared, ShareVisibleCase(view, caller, case_name, field));
  return CaseView{
      .c = *shared.c, .assignments = *shared.assignments, .access = std::move(shared.access)};
}

absl::StatusOr<Registry::CaseView> Registry::LoadManageableCase(const ReadView& view,
                                                                const Caller& caller,
                                                                absl::string_view case_name,
                                                                absl::string_view field) const {
  ASSIGN_OR_RETURN(CaseView cv, LoadVisibleCase(view, caller, case_name, field));
  if (!cv.access.may_manage) {
    return absl::PermissionDeniedError(
        absl::StrCat(case_name,
                     ": only professionals on the team, their supervisors and the lead agency's "
                     "administrators may change the case"));
  }
  return cv;
}

absl::StatusOr<std::shared_ptr<const directory::v1::Person>> Registry::PersonFacts(
    const ReadView& view, const Caller& caller, absl::string_view name) const {
  ASSIGN_OR_RETURN(std::shared_ptr<const directory::v1::Person> known,
                   data_.SharedPerson(view, IdOf(name)));
  if (known != nullptr) return known;
  // Not yet seen on the directory's event stream: ask the directory.
  absl::StatusOr<directory::v1::Person> fetched = directory_->GetPerson(caller, std::string(name));
  if (absl::IsNotFound(fetched.status())) return nullptr;
  if (!fetched.ok()) return fetched.status();
  return std::make_shared<const directory::v1::Person>(*std::move(fetched));
}

absl::StatusOr<v1::CheckCaseAccessResponse> Registry::CheckCaseAccess(
    const Caller& caller, const v1::CheckCaseAccessRequest& req) {
  std::string person = req.person().empty() ? caller.PersonName() : req.person();
  if (!req.person().empty()) {
    RETURN_IF_ERROR(val::ParseName("person", req.person(), "people").status());
    // Asking about someone else is for services and administrators; anyone
    // may ask about themselves.
    if (req.person() != caller.PersonName() && !caller.service && !caller.platform_admin) {
      return absl::PermissionDeniedError(
          "person: only SamePage services and platform administrators may ask about others");
    }
  }
  ASSIGN_OR_RETURN(std::string id, val::ParseName("case", req.case_(), "cases"));
  const ReadView& view = reader();
  // Asked before nearly every read of the other services: shares the
  // cached records rather than copying them.
  ASSIGN_OR_RETURN(std::shared_ptr<const v1::Case> c, data_.SharedCase(view, id));
  if (c == nullptr) {
    if (caller.service || caller.platform_admin) {
      return absl::NotFoundError(absl::StrCat(req.case_(), ": not found"));
    }
    return Denied(req.case_());
  }
  ASSIGN_OR_RETURN(std::shared_ptr<const std::vector<v1::Assignment>> assignments,
                   data_.SharedCaseAssignments(view, id));
  bool asking_for_self = req.person().empty() || req.person() == caller.PersonName();
  std::shared_ptr<const directory::v1::Person> me;
  if (!person.empty()) {
    ASSIGN_OR_RETURN(me, PersonFacts(view, caller, person));
  }
  ASSIGN_OR_RETURN(CaseAccess access,
                   DecideCaseAccess(view, data_, *c, *assignments, person, me.get(),
                                    asking_for_self && caller.platform_admin,
                                    asking_for_self && caller.service, clock_->Now()));
  v1::CheckCaseAccessResponse response;
  response.set_allowed(access.allowed);
  for (auto basis : access.bases) response.add_bases(basis);
  for (auto& r : access.case_roles) response.add_case_roles(r);
  for (auto& a : access.assignments) response.add_assignments(a);
  response.set_treating_team(access.treating_team);
  for (auto& m : access.supervised_members) response.add_supervised_members(m);
  response.set_case_state(c->state());
  response.set_lead_agency(c->lead_agency());
  response.set_person(person);
  *response.mutable_check_time() = ToProtoTime(clock_->Now());
  return response;
}

// --- Cases ------------------------------------------------------------------

absl::Status Registry::ValidateCase(const v1::Case& c, absl::string_view field) const {
  auto at = [&](absl::string_view sub) { return absl::StrCat(field, ".", sub); };
  RETURN_IF_ERROR(val::RequiredMaxLength(at("case_number"), c.case_number(), 64));
  RETURN_IF_ERROR(val::ParseName(at("lead_agency"), c.lead_agency(), "organizations").status());
  RETURN_IF_ERROR(val::MaxLength(at("display_name"), c.display_name(), 200));
  RETURN_IF_ERROR(val::ResourceId(at("program"), c.program()));
  if (!v1::Case::Complexity_IsValid(c.complexity())) {
    return absl::InvalidArgumentError(absl::StrCat(at("complexity"), ": unknown value"));
  }
  RETURN_IF_ERROR(val::MaxCount(at("external_ids"), c.external_ids_size(), 20));
  for (int i = 0; i < c.external_ids_size(); ++i) {
    const v1::ExternalIdentifier& e = c.external_ids(i);
    std::string f = absl::StrCat(at("external_ids"), "[", i, "]");
    if (e.type() == v1::ExternalIdentifier::TYPE_UNSPECIFIED ||
        !v1::ExternalIdentifier::Type_IsValid(e.type())) {
      return absl::InvalidArgumentError(absl::StrCat(f, ".type: must be set"));
    }
    RETURN_IF_ERROR(val::RequiredMaxLength(absl::StrCat(f, ".value"), e.value(), 100));
    RETURN_IF_ERROR(val::MaxLength(absl::StrCat(f, ".issuer"), e.issuer(), 200));
  }
  if (c.subjects_size() == 0) {
    return absl::InvalidArgumentError(absl::StrCat(at("subjects"), ": at least one child"));
  }
  RETURN_IF_ERROR(val::MaxCount(at("subjects"), c.subjects_size(), 50));
  bool has_child = false;
  for (int i = 0; i < c.subjects_size(); ++i) {
    const v1::CaseSubject& s = c.subjects(i);
    std::string f = absl::StrCat(at("subjects"), "[", i, "]");
    if (s.kind() == v1::CaseSubject::KIND_UNSPECIFIED || !v1::CaseSubject::Kind_IsValid(s.kind())) {
      return absl::InvalidArgumentError(absl::StrCat(f, ".kind: must be set"));
    }
    RETURN_IF_ERROR(
        val::RequiredMaxLength(absl::StrCat(f, ".display_name"), s.display_name(), 200));
    RETURN_IF_ERROR(val::MaxLength(absl::StrCat(f, ".given_name"), s.given_name(), 100));
    RETURN_IF_ERROR(val::MaxLength(absl::StrCat(f, ".family_name"), s.family_name(), 100));
    if (s.kind() == v1::CaseSubject::KIND_CHILD) {
      has_child = true;
      if (!s.has_birth_date()) {
        return absl::InvalidArgumentError(absl::StrCat(f, ".birth_date: required for children"));
      }
    }
    if (s.has_birth_date())
      RETURN_IF_ERROR(ValidDate(absl::StrCat(f, ".birth_date"), s.birth_date()));
    if (!s.person().empty()) {
      RETURN_IF_ERROR(val::ParseName(absl::StrCat(f, ".person"), s.person(), "people").status());
    }
    if (!v1::CaseSubject::Custody_IsValid(s.custody())) {
      return absl::InvalidArgumentError(absl::StrCat(f, ".custody: unknown value"));
    }
    RETURN_IF_ERROR(val::MaxLength(absl::StrCat(f, ".custodian"), s.custodian(), 200));
    RETURN_IF_ERROR(val::MaxCount(absl::StrCat(f, ".relationships"), s.relationships_size(), 20));
    for (int j = 0; j < s.relationships_size(); ++j) {
      const v1::SubjectRelationship& r = s.relationships(j);
      std::string rf = absl::StrCat(f, ".relationships[", j, "]");
      if (r.type() == v1::SubjectRelationship::TYPE_UNSPECIFIED ||
          !v1::SubjectRelationship::Type_IsValid(r.type())) {
        return absl::InvalidArgumentError(absl::StrCat(rf, ".type: must be set"));
      }
      RETURN_IF_ERROR(val::MaxLength(absl::StrCat(rf, ".description"), r.description(), 200));
    }
  }
  if (!has_child) {
    return absl::InvalidArgumentError(absl::StrCat(at("subjects"), ": at least one child"));
  }
  return absl::OkStatus();
}

absl::Status Registry::NameSubjects(v1::Case& c, const v1::Case* previous) const {
  std::string prefix = absl::StrCat(c.name(), "/subjects/");
  std::set<std::string> ids;
  if (previous != nullptr) {
    // Every existing subject is listed again by name (subjects are legal
    // records: they are corrected, not dropped).
    std::set<std::string> listed;
    for (const v1::CaseSubject& s : c.subjects()) listed.insert(s.name());
    for (const v1::CaseSubject& s : previous->subjects()) {
      if (listed.count(s.name()) == 0) {
        return absl::InvalidArgumentError(absl::StrCat(
            "case.subjects: ", s.name(), " must be listed again; subjects are not removed"));
      }
    }
  }
  std::set<std::string> known;
  if (previous != nullptr) {
    for (const v1::CaseSubject& s : previous->subjects()) known.insert(s.name());
  }
  for (int i = 0; i < c.subjects_size(); ++i) {
    v1::CaseSubject* s = c.mutable_subjects(i);
    std::string f = absl::StrCat("case.subjects[", i, "]");
    if (!s->name().empty()) {
      if (known.count(s->name()) == 0) {
        return absl::InvalidArgumentError(
            absl::StrCat(f, ".name: ", s->name(), " is not a subject of this case"));
      }
    } else {
      std::string id = s->subject_id();
      if (id.empty()) {
        id = storage::NewResourceId("s");
      } else {
        RETURN_IF_ERROR(val::ResourceId(absl::StrCat(f, ".subject_id"), id));
      }
      s->set_name(absl::StrCat(prefix, id));
    }
    if (!ids.insert(s->name()).second) {
      return absl::InvalidArgumentError(absl::StrCat(f, ".subject_id: used twice"));
    }
  }
  // Relationships name children by subject_id (in this request) or name.
  for (int i = 0; i < c.subjects_size(); ++i) {
    for (int j = 0; j < c.subjects(i).relationships_size(); ++j) {
      v1::SubjectRelationship* r = c.mutable_subjects(i)->mutable_relationships(j);
      std::string f = absl::StrCat("case.subjects[", i, "].relationships[", j, "].child");
      std::string child = r->child();
      if (child.find('/') == std::string::npos) child = absl::StrCat(prefix, child);
      auto target = std::find_if(c.subjects().begin(), c.subjects().end(),
                                 [&](const v1::CaseSubject& s) { return s.name() == child; });
      if (target == c.subjects().end() || target->kind() != v1::CaseSubject::KIND_CHILD) {
        return absl::InvalidArgumentError(
            absl::StrCat(f, ": \"", r->child().substr(0, 80), "\" is not a child on this case"));
      }
      r->set_child(child);
    }
    c.mutable_subjects(i)->clear_subject_id();
  }
  return absl::OkStatus();
}

void Registry::WriteCaseChange(Batch& batch, v1::Case& c, const v1::Case* previous,
                               v1::Event::Type type, const std::string& actor,
                               const std::string& cause) {
  *c.mutable_update_time() = ToProtoTime(clock_->Now());
  c.set_etag(storage::EtagFor(batch.next_revision()));
  data_.PutCase(batch, c, previous);
  v1::Event event = NewEvent(actor, type, c.name(), cause);
  *event.mutable_case_() = c;
  data_.AppendEvent(batch, event);
}

absl::StatusOr<v1::Case> Registry::CreateCase(const Caller& caller,
                                              const v1::CreateCaseRequest& req) {
  if (!req.case_id().empty()) RETURN_IF_ERROR(val::ResourceId("case_id", req.case_id()));
  v1::Case c = req.case_();
  std::string id = req.case_id().empty() ? storage::NewResourceId("c") : req.case_id();
  c.set_name(absl::StrCat("cases/", id));
  RETURN_IF_ERROR(ValidateCase(c, "case"));
  if (c.has_open_time()) {
    RETURN_IF_ERROR(val::ValidTimestamp("case.open_time", c.open_time()));
    if (FromProtoTime(c.open_time()) > clock_->Now()) {
      return absl::InvalidArgumentError("case.open_time: must not be in the future");
    }
  }
  RETURN_IF_ERROR(NameSubjects(c, nullptr));

  // The lead agency's administrators and its investigators and case managers
  // open cases.
  if (!caller.platform_admin && !caller.service) {
    ASSIGN_OR_RETURN(std::shared_ptr<const directory::v1::Person> me,
                     PersonFacts(reader(), caller, caller.PersonName()));
    bool allowed = false;
    if (me != nullptr && me->state() == directory::v1::Person::STATE_ACTIVE &&
        me->organization() == c.lead_agency()) {
      allowed = me->administrator();
      for (const std::string& role : me->roles()) {
        allowed =
            allowed || role == "roles/investigator" || role == "roles/dependency-case-manager";
      }
    }
    if (!allowed) {
      return absl::PermissionDeniedError(
          absl::StrCat("only administrators, investigators and dependency case managers of ",
                       c.lead_agency(), " open its cases"));
    }
  }
  absl::StatusOr<directory::v1::Organization> agency =
      directory_->GetOrganization(caller, c.lead_agency());
  if (absl::IsNotFound(agency.status())) {
    return absl::InvalidArgumentError(
        absl::StrCat("case.lead_agency: ", c.lead_agency(), " does not exist in the directory"));
  }
  RETURN_IF_ERROR(agency.status());

  google::protobuf::Timestamp now = ToProtoTime(clock_->Now());
  c.set_state(v1::Case::STATE_OPEN);
  if (!c.has_open_time()) *c.mutable_open_time() = now;
  c.clear_close_time();
  c.clear_closing_reason();
  c.clear_closed_by();
  c.set_needs_reassignment(false);
  c.clear_vacancies();
  c.set_creator(caller.subject);
  *c.mutable_create_time() = now;
  RETURN_IF_ERROR(data_.store().Transact([&](const ReadView& view, Batch& batch) -> absl::Status {
    ASSIGN_OR_RETURN(std::optional<v1::Case> existing, data_.GetCase(view, id));
    if (existing.has_value())
      return absl::AlreadyExistsError(absl::StrCat(c.name(), ": already exists"));
    ASSIGN_OR_RETURN(std::optional<std::string> number,
                     data_.FindCaseNumber(view, IdOf(c.lead_agency()), c.case_number()));
    if (number.has_value()) {
      return absl::AlreadyExistsError(absl::StrCat("case.case_number: ", c.case_number(),
                                                   " is already used by another case of ",
                                                   c.lead_agency()));
    }
    WriteCaseChange(batch, c, nullptr, v1::Event::TYPE_CASE_CREATED, caller.subject, "");
    return absl::OkStatus();
  }));
  return c;
}

absl::StatusOr<v1::Case> Registry::GetCase(const Caller& caller, const v1::GetCaseRequest& req) {
  ASSIGN_OR_RETURN(SharedCaseView cv, ShareVisibleCase(reader(), caller, req.name(), "name"));
  return *cv.c;
}

absl::StatusOr<v1::ListCasesResponse> Registry::ListCases(const Caller& caller,
                                                          const v1::ListCasesRequest& req) {
  ASSIGN_OR_RETURN(int size, storage::ResolvePageSize(req.page_size()));
  std::string agency_id, person_id;
  if (!req.lead_agency().empty()) {
    ASSIGN_OR_RETURN(agency_id, val::ParseName("lead_agency", req.lead_agency(), "organizations"));
  }
  if (!req.person().empty()) {
    ASSIGN_OR_RETURN(person_id, val::ParseName("person", req.person(), "people"));
  }
  if (!v1::Case::State_IsValid(req.state())) {
    return absl::InvalidArgumentError("state: unknown value");
  }
  RETURN_IF_ERROR(val::MaxLength("case_number", req.case_number(), 64));
  // Without a filter, people list their own cases; administrators list by
  // lead agency.
  if (agency_id.empty() && person_id.empty() && !caller.platform_admin && !caller.service) {
    person_id = IdOf(caller.PersonName());
    if (person_id.empty()) {
      return absl::InvalidArgumentError("lead_agency: give a lead agency or a person");
    }
  }
  std::string fingerprint = absl::StrCat("cases|", agency_id, "|", person_id, "|", req.state(), "|",
                                         req.case_number(), "|", req.needs_reassignment());
  std::string after;
  if (!req.page_token().empty()) {
    ASSIGN_OR_RETURN(after, storage::DecodePageToken(req.page_token(), fingerprint));
  }
  auto snapshot = data_.store().Snapshot();
  const ReadView& view = *snapshot;
  absl::Time now = clock_->Now();
  std::shared_ptr<const directory::v1::Person> me;
  if (!caller.PersonName().empty()) {
    ASSIGN_OR_RETURN(me, PersonFacts(view, caller, caller.PersonName()));
  }
  v1::ListCasesResponse response;
  // A page ends after the last key it consumed, and only between cases (the
  // person index has one entry per assignment). At most kScanBudget cases
  // are looked at per call; a partial page then carries a token.
  constexpr int kScanBudget = 2000;
  std::string resume, last_key, last_case;
  int scanned = 0;
  absl::Status error = absl::OkStatus();
  auto consider = [&](absl::string_view key, const v1::Case& c) {
    if (c.name() == last_case) {
      last_key = std::string(key);
      return true;
    }
    if (response.cases_size() == size || scanned == kScanBudget) {
      resume = last_key;
      return false;
    }
    ++scanned;
    last_case = c.name();
    last_key = std::string(key);
    bool match = (req.state() == v1::Case::STATE_UNSPECIFIED || c.state() == req.state()) &&
                 (req.case_number().empty() || c.case_number() == req.case_number()) &&
                 (!req.needs_reassignment() || c.needs_reassignment());
    if (!match) return true;
    absl::StatusOr<std::vector<v1::Assignment>> team = data_.CaseAssignments(view, IdOf(c.name()));
    if (!team.ok()) {
      error = team.status();
      return false;
    }
    absl::StatusOr<CaseAccess> access =
        DecideCaseAccess(view, data_, c, *team, caller.PersonName(), me.get(),
                         caller.platform_admin, caller.service, now);
    if (!access.ok()) {
      error = access.status();
      return false;
    }
    if (access->allowed) *response.add_cases() = c;
    return true;
  };
  if (!person_id.empty()) {
    RETURN_IF_ERROR(data_.ScanPersonAssignments(
        view, person_id, after, [&](absl::string_view key, const v1::Assignment& a) {
          if (!IsCurrent(a, now)) return true;
          std::string case_id = IdOf(a.name().substr(0, a.name().find("/assignments/")));
          absl::StatusOr<std::optional<v1::Case>> c = data_.GetCase(view, case_id);
          if (!c.ok() || !c->has_value()) {
            error = c.ok() ? absl::DataLossError("assignment of a missing case") : c.status();
            return false;
          }
          if (!agency_id.empty() && IdOf((*c)->lead_agency()) != agency_id) return true;
          return consider(key, **c);
        }));
  } else {
    RETURN_IF_ERROR(data_.ScanCases(view, agency_id, after, consider));
  }
  RETURN_IF_ERROR(error);
  if (!resume.empty()) response.set_next_page_token(storage::EncodePageToken(resume, fingerprint));
  return response;
}

absl::StatusOr<v1::Case> Registry::UpdateCase(const Caller& caller,
                                              const v1::UpdateCaseRequest& req) {
  RETURN_IF_ERROR(val::FieldMaskPaths("update_mask", req.update_mask(),
                                      {"case_number", "display_name", "external_ids", "program",
                                       "complexity", "subjects", "open_time"}));
  v1::Case updated;
  RETURN_IF_ERROR(data_.store().Transact([&](const ReadView& view, Batch& batch) -> absl::Status {
    ASSIGN_OR_RETURN(CaseView cv,
                     LoadManageableCase(view, caller, req.case_().name(), "case.name"));
    if (cv.c.state() == v1::Case::STATE_CLOSED) {
      return absl::FailedPreconditionError(
          absl::StrCat(cv.c.name(), ": closed cases are read-only"));
    }
    RETURN_IF_ERROR(storage::CheckEtag("case.etag", req.case_().etag(), cv.c.etag()));
    updated = cv.c;
    const v1::Case& in = req.case_();
    const auto& mask = req.update_mask();
    if (val::MaskHas(mask, "case_number")) updated.set_case_number(in.case_number());
    if (val::MaskHas(mask, "display_name")) updated.set_display_name(in.display_name());
    if (val::MaskHas(mask, "external_ids")) *updated.mutable_external_ids() = in.external_ids();
    if (val::MaskHas(mask, "program")) updated.set_program(in.program());
    if (val::MaskHas(mask, "complexity")) updated.set_complexity(in.complexity());
    if (val::MaskHas(mask, "open_time")) {
      RETURN_IF_ERROR(val::RequiredTimestamp("case.open_time", in.open_time(), in.has_open_time()));
      if (FromProtoTime(in.open_time()) > clock_->Now()) {
        return absl::InvalidArgumentError("case.open_time: must not be in the future");
      }
      *updated.mutable_open_time() = in.open_time();
    }
    if (val::MaskHas(mask, "subjects")) {
      *updated.mutable_subjects() = in.subjects();
      RETURN_IF_ERROR(ValidateCase(updated, "case"));
      RETURN_IF_ERROR(NameSubjects(updated, &cv.c));
    }
    RETURN_IF_ERROR(ValidateCase(updated, "case"));
    if (updated.case_number() != cv.c.case_number()) {
      ASSIGN_OR_RETURN(
          std::optional<std::string> number,
          data_.FindCaseNumber(view, IdOf(updated.lead_agency()), updated.case_number()));
      if (number.has_value()) {
        return absl::AlreadyExistsError(absl::StrCat("case.case_number: ", updated.case_number(),
                                                     " is already used by another case"));
      }
    }
    WriteCaseChange(batch, updated, &cv.c, v1::Event::TYPE_CASE_UPDATED, caller.subject, "");
    return absl::OkStatus();
  }));
  return updated;
}

absl::StatusOr<v1::Case> Registry::CloseCase(const Caller& caller,
                                             const v1::CloseCaseRequest& req) {
  RETURN_IF_ERROR(val::RequiredMaxLength("closing_reason", req.closing_reason(), 500));
  absl::Time now = clock_->Now();
  absl::Time close = now;
  if (req.has_close_time()) {
    RETURN_IF_ERROR(val::ValidTimestamp("close_time", req.close_time()));
    close = FromProtoTime(req.close_time());
    if (close > now) return absl::InvalidArgumentError("close_time: must not be in the future");
  }
  v1::Case updated;
  RETURN_IF_ERROR(data_.store().Transact([&](const ReadView& view, Batch& batch) -> absl::Status {
    ASSIGN_OR_RETURN(CaseView cv, LoadManageableCase(view, caller, req.name(), "name"));
    if (cv.c.state() == v1::Case::STATE_CLOSED) {
      return absl::FailedPreconditionError(absl::StrCat(cv.c.name(), ": already closed"));
    }
    RETURN_IF_ERROR(storage::CheckEtag("etag", req.etag(), cv.c.etag()));
    if (close < FromProtoTime(cv.c.open_time())) {
      return absl::InvalidArgumentError("close_time: must not be before the case's open_time");
    }
    updated = cv.c;
    updated.set_state(v1::Case::STATE_CLOSED);
    *updated.mutable_close_time() = ToProtoTime(close);
    updated.set_closing_reason(req.closing_reason());
    updated.set_closed_by(caller.subject);
    if (req.end_assignments()) {
      for (v1::Assignment& a : cv.assignments) {
        if (Present(a).state() == v1::Assignment::STATE_ENDED) continue;
        EndOne(batch, a, v1::Assignment::END_REASON_CASE_CLOSED, "", close, caller.subject,
               "case closed");
      }
      updated.clear_vacancies();
      updated.set_needs_reassignment(false);
    }
    WriteCaseChange(batch, updated, &cv.c, v1::Event::TYPE_CASE_CLOSED, caller.subject, "");
    return absl::OkStatus();
  }));
  return updated;
}

// --- Assignments --------------------------------------------------------------

void Registry::EndOne(Batch& batch, v1::Assignment& a, v1::Assignment::EndReason reason,
                      const std::string& details, absl::Time end, const std::string& actor,
                      const std::string& cause) {
  *a.mutable_end_time() = ToProtoTime(end);
  a.set_end_reason(reason);
  a.set_end_details(details);
  a.set_ended_by(actor);
  if (end <= clock_->Now()) a.set_state(v1::Assignment::STATE_ENDED);
  *a.mutable_update_time() = ToProtoTime(clock_->Now());
  a.set_etag(storage::EtagFor(batch.next_revision()));
  data_.PutAssignment(batch, a);
  v1::Event event = NewEvent(actor, v1::Event::TYPE_ASSIGNMENT_ENDED, a.name(), cause);
  *event.mutable_assignment() = a;
  data_.AppendEvent(batch, event);
}

absl::StatusOr<v1::Assignment> Registry::AddAssignment(Batch& batch, v1::Case& c,
                                                       const std::vector<v1::Assignment>& current,
                                                       v1::Assignment a, const std::string& actor,
                                                       const std::string& cause) {
  google::protobuf::Timestamp now = ToProtoTime(clock_->Now());
  if (!a.has_start_time()) *a.mutable_start_time() = now;
  // Stored as current until ended; Present() shows a future start as planned.
  a.set_state(v1::Assignment::STATE_CURRENT);
  a.set_creator(actor);
  *a.mutable_create_time() = now;
  *a.mutable_update_time() = now;
  if (a.primary()) {
    for (const v1::Assignment& other : current) {
      if (other.case_role() == a.case_role() && other.primary() &&
          Present(other).state() != v1::Assignment::STATE_ENDED) {
        return absl::FailedPreconditionError(absl::StrCat("assignment.primary: ", other.name(),
                                                          " is already the primary ", a.case_role(),
                                                          "; make it not primary first"));
      }
    }
  }
  a.set_etag(storage::EtagFor(batch.next_revision()));
  data_.PutAssignment(batch, a);
  v1::Event event = NewEvent(actor, v1::Event::TYPE_ASSIGNMENT_CREATED, a.name(), cause);
  *event.mutable_assignment() = a;
  data_.AppendEvent(batch, event);

  // Filling a vacant role closes the vacancy and ends the interim holder.
  auto vacancy = std::find_if(c.vacancies().begin(), c.vacancies().end(),
                              [&](const v1::Vacancy& v) { return v.case_role() == a.case_role(); });
  if (vacancy != c.vacancies().end() && !a.interim()) {
    v1::Case previous = c;
    c.mutable_vacancies()->erase(vacancy);
    c.set_needs_reassignment(c.vacancies_size() > 0);
    for (v1::Assignment other : current) {
      if (other.interim() && other.case_role() == a.case_role() &&
          Present(other).state() != v1::Assignment::STATE_ENDED && other.person() != a.person()) {
        other.set_successor(a.name());
        EndOne(batch, other, v1::Assignment::END_REASON_REASSIGNED, "role filled", clock_->Now(),
               actor, cause);
      }
    }
    WriteCaseChange(batch, c, &previous, v1::Event::TYPE_CASE_UPDATED, actor, cause);
  }
  return a;
}

absl::StatusOr<v1::Assignment> Registry::CreateAssignment(const Caller& caller,
                                                          const v1::CreateAssignmentRequest& req) {
  ASSIGN_OR_RETURN(std::string case_id, val::ParseName("parent", req.parent(), "cases"));
  if (!req.assignment_id().empty()) {
    RETURN_IF_ERROR(val::ResourceId("assignment_id", req.assignment_id()));
  }
  v1::Assignment a = req.assignment();
  if (a.person().empty() == a.subject().empty()) {
    return absl::InvalidArgumentError("assignment.person: give exactly one of person and subject");
  }
  if (!a.person().empty()) {
    RETURN_IF_ERROR(val::ParseName("assignment.person", a.person(), "people").status());
  }
  RETURN_IF_ERROR(val::ResourceId("assignment.case_role", a.case_role()));
  RETURN_IF_ERROR(val::MaxLength("assignment.responsibilities", a.responsibilities(), 1000));
  if (a.has_start_time())
    RETURN_IF_ERROR(val::ValidTimestamp("assignment.start_time", a.start_time()));
  std::string id = req.assignment_id().empty() ? storage::NewResourceId("a") : req.assignment_id();
  a.set_name(absl::StrCat(req.parent(), "/assignments/", id));
  for (auto* cleared : {a.mutable_successor(), a.mutable_ended_by(), a.mutable_end_details()}) {
    cleared->clear();
  }
  a.clear_end_time();
  a.clear_end_reason();
  a.set_interim(false);

  // The person must exist in the directory and be active.
  if (!a.person().empty()) {
    absl::StatusOr<directory::v1::Person> person = directory_->GetPerson(caller, a.person());
    if (absl::IsNotFound(person.status())) {
      return absl::InvalidArgumentError(
          absl::StrCat("assignment.person: ", a.person(), " does not exist in the directory"));
    }
    RETURN_IF_ERROR(person.status());
    if (person->state() != directory::v1::Person::STATE_ACTIVE) {
      return absl::FailedPreconditionError(
          absl::StrCat("assignment.person: ", a.person(), " has departed"));
    }
  }
  v1::Assignment created;
  RETURN_IF_ERROR(data_.store().Transact([&](const ReadView& view, Batch& batch) -> absl::Status {
    ASSIGN_OR_RETURN(CaseView cv, LoadManageableCase(view, caller, req.parent(), "parent"));
    if (cv.c.state() != v1::Case::STATE_OPEN) {
      return absl::FailedPreconditionError(absl::StrCat(cv.c.name(), ": is closed"));
    }
    ASSIGN_OR_RETURN(std::optional<v1::CaseRole> role, data_.GetCaseRole(view, a.case_role()));
    if (!role.has_value()) {
      return absl::InvalidArgumentError(absl::StrCat("assignment.case_role: ", a.case_role(),
                                                     " is not in the case-role catalog"));
    }
    if (!a.subject().empty() &&
        std::none_of(cv.c.subjects().begin(), cv.c.subjects().end(),
                     [&](const v1::CaseSubject& s) { return s.name() == a.subject(); })) {
      return absl::InvalidArgumentError(
          absl::StrCat("assignment.subject: ", a.subject(), " is not a subject of this case"));
    }
    ASSIGN_OR_RETURN(std::optional<v1::Assignment> existing,
                     data_.GetAssignment(view, case_id, id));
    if (existing.has_value())
      return absl::AlreadyExistsError(absl::StrCat(a.name(), ": already exists"));
    for (const v1::Assignment& other : cv.assignments) {
      if (Present(other).state() != v1::Assignment::STATE_ENDED &&
          other.case_role() == a.case_role() && other.person() == a.person() &&
          other.subject() == a.subject()) {
        return absl::AlreadyExistsError(absl::StrCat(
            "assignment: ", other.name(), " already gives this member the role ", a.case_role()));
      }
    }
    // Taking over from someone ends their assignment in the same write.
    if (!a.predecessor().empty()) {
      auto predecessor = std::find_if(
          cv.assignments.begin(), cv.assignments.end(),
          [&](const v1::Assignment& other) { return other.name() == a.predecessor(); });
      if (predecessor == cv.assignments.end() ||
          Present(*predecessor).state() == v1::Assignment::STATE_ENDED ||
          predecessor->case_role() != a.case_role()) {
        return absl::InvalidArgumentError(
            absl::StrCat("assignment.predecessor: ", a.predecessor().substr(0, 120),
                         " is not a current assignment of this case in the role ", a.case_role()));
      }
      v1::Assignment handed = *predecessor;
      handed.set_successor(a.name());
      handed.set_primary(false);
      EndOne(batch, handed, v1::Assignment::END_REASON_REASSIGNED, "", clock_->Now(),
             caller.subject, "");
      *predecessor = handed;
    }
    ASSIGN_OR_RETURN(created, AddAssignment(batch, cv.c, cv.assignments, a, caller.subject, ""));
    return absl::OkStatus();
  }));
  return Present(created);
}

absl::StatusOr<v1::Assignment> Registry::GetAssignment(const Caller& caller,
                                                       const v1::GetAssignmentRequest& req) {
  size_t cut = req.name().find("/assignments/");
  if (cut == std::string::npos) {
    return absl::InvalidArgumentError(
        "name: must be of the form cases/{case}/assignments/{assignment}");
  }
  std::string case_name = req.name().substr(0, cut);
  ASSIGN_OR_RETURN(std::string assignment_id,
                   val::ParseName("name", req.name().substr(case_name.size() + 1), "assignments"));
  RETURN_IF_ERROR(ShareVisibleCase(reader(), caller, case_name, "name").status());
  ASSIGN_OR_RETURN(std::optional<v1::Assignment> a,
                   data_.GetAssignment(reader(), IdOf(case_name), assignment_id));
  if (!a.has_value()) return absl::NotFoundError(absl::StrCat(req.name(), ": not found"));
  return Present(*a);
}

absl::StatusOr<v1::ListAssignmentsResponse> Registry::ListAssignments(
    const Caller& caller, const v1::ListAssignmentsRequest& req) {
  ASSIGN_OR_RETURN(int size, storage::ResolvePageSize(req.page_size()));
  ASSIGN_OR_RETURN(std::string case_id, val::ParseName("parent", req.parent(), "cases"));
  if (!v1::Assignment::State_IsValid(req.state())) {
    return absl::InvalidArgumentError("state: unknown value");
  }
  if (!req.case_role().empty()) RETURN_IF_ERROR(val::ResourceId("case_role", req.case_role()));
  if (!req.person().empty()) {
    RETURN_IF_ERROR(val::ParseName("person", req.person(), "people").status());
  }
  std::string fingerprint = absl::StrCat("assignments|", case_id, "|", req.state(), "|",
                                         req.case_role(), "|", req.person());
  std::string after;
  if (!req.page_token().empty()) {
    ASSIGN_OR_RETURN(after, storage::DecodePageToken(req.page_token(), fingerprint));
  }
  // The page comes from the team read for the access decision (the latest
  // state, which the registry's cache serves), in key order.
  ASSIGN_OR_RETURN(SharedCaseView cv, ShareVisibleCase(reader(), caller, req.parent(), "parent"));
  v1::ListAssignmentsResponse response;
  bool resume = false;
  for (const v1::Assignment& stored : *cv.assignments) {
    if (!after.empty() &&
        storage::KeyBuilder().AddString(case_id).AddString(IdOf(stored.name())).key() <= after) {
      continue;
    }
    if (response.assignments_size() == size) {
      resume = true;
      break;
    }
    v1::Assignment a = Present(stored);
    if ((req.state() == v1::Assignment::STATE_UNSPECIFIED || a.state() == req.state()) &&
        (req.case_role().empty() || a.case_role() == req.case_role()) &&
        (req.person().empty() || a.person() == req.person())) {
      *response.add_assignments() = std::move(a);
    }
  }
  // Only a full page that stopped early has more.
  if (resume) {
    response.set_next_page_token(
        storage::EncodePageToken(storage::KeyBuilder()
                                     .AddString(case_id)
                                     .AddString(IdOf(response.assignments().rbegin()->name()))
                                     .Release(),
                                 fingerprint));
  }
  return response;
}

absl::StatusOr<v1::Assignment> Registry::UpdateAssignment(const Caller& caller,
                                                          const v1::UpdateAssignmentRequest& req) {
  RETURN_IF_ERROR(
      val::FieldMaskPaths("update_mask", req.update_mask(), {"primary", "responsibilities"}));
  const std::string& name = req.assignment().name();
  size_t cut = name.find("/assignments/");
  if (cut == std::string::npos) {
    return absl::InvalidArgumentError(
        "assignment.name: must be of the form cases/{case}/assignments/{assignment}");
  }
  std::string case_name = name.substr(0, cut);
  RETURN_IF_ERROR(
      val::MaxLength("assignment.responsibilities", req.assignment().responsibilities(), 1000));
  v1::Assignment updated;
  RETURN_IF_ERROR(data_.store().Transact([&](const ReadView& view, Batch& batch) -> absl::Status {
    ASSIGN_OR_RETURN(CaseView cv, LoadManageableCase(view, caller, case_name, "assignment.name"));
    ASSIGN_OR_RETURN(std::optional<v1::Assignment> a,
                     data_.GetAssignment(view, IdOf(case_name), IdOf(name)));
    if (!a.has_value()) return absl::NotFoundError(absl::StrCat(name, ": not found"));
    if (Present(*a).state() == v1::Assignment::STATE_ENDED) {
      return absl::FailedPreconditionError(
          absl::StrCat(name, ": has ended; history is not rewritten"));
    }
    RETURN_IF_ERROR(storage::CheckEtag("assignment.etag", req.assignment().etag(), a->etag()));
    updated = *a;
    if (val::MaskHas(req.update_mask(), "responsibilities")) {
      updated.set_responsibilities(req.assignment().responsibilities());
    }
    if (val::MaskHas(req.update_mask(), "primary")) {
      updated.set_primary(req.assignment().primary());
      if (updated.primary()) {
        for (const v1::Assignment& other : cv.assignments) {
          if (other.name() != updated.name() && other.case_role() == updated.case_role() &&
              other.primary() && Present(other).state() != v1::Assignment::STATE_ENDED) {
            return absl::FailedPreconditionError(absl::StrCat("assignment.primary: ", other.name(),
                                                              " is already the primary ",
                                                              updated.case_role()));
          }
        }
      }
    }
    *updated.mutable_update_time() = ToProtoTime(clock_->Now());
    updated.set_etag(storage::EtagFor(batch.next_revision()));
    data_.PutAssignment(batch, updated);
    v1::Event event = NewEvent(caller.subject, v1::Event::TYPE_ASSIGNMENT_UPDATED, name, "");
    *event.mutable_assignment() = updated;
    data_.AppendEvent(batch, event);
    return absl::OkStatus();
  }));
  return Present(updated);
}

absl::StatusOr<v1::Assignment> Registry::EndAssignment(const Caller& caller,
                                                       const v1::EndAssignmentRequest& req) {
  size_t cut = req.name().find("/assignments/");
  if (cut == std::string::npos) {
    return absl::InvalidArgumentError(
        "name: must be of the form cases/{case}/assignments/{assignment}");
  }
  std::string case_name = req.name().substr(0, cut);
  if (req.end_reason() == v1::Assignment::END_REASON_UNSPECIFIED ||
      !v1::Assignment::EndReason_IsValid(req.end_reason())) {
    return absl::InvalidArgumentError("end_reason: must be set");
  }
  RETURN_IF_ERROR(val::MaxLength("end_details", req.end_details(), 500));
  if (req.end_reason() == v1::Assignment::END_REASON_OTHER) {
    RETURN_IF_ERROR(val::Required("end_details", req.end_details()));
  }
  absl::Time end = clock_->Now();
  if (req.has_end_time()) {
    RETURN_IF_ERROR(val::ValidTimestamp("end_time", req.end_time()));
    end = FromProtoTime(req.end_time());
  }
  v1::Assignment ended;
  RETURN_IF_ERROR(data_.store().Transact([&](const ReadView& view, Batch& batch) -> absl::Status {
    ASSIGN_OR_RETURN(CaseView cv, LoadManageableCase(view, caller, case_name, "name"));
    ASSIGN_OR_RETURN(std::optional<v1::Assignment> a,
                     data_.GetAssignment(view, IdOf(case_name), IdOf(req.name())));
    if (!a.has_value()) return absl::NotFoundError(absl::StrCat(req.name(), ": not found"));
    if (Present(*a).state() == v1::Assignment::STATE_ENDED) {
      return absl::FailedPreconditionError(absl::StrCat(req.name(), ": already ended"));
    }
    RETURN_IF_ERROR(storage::CheckEtag("etag", req.etag(), a->etag()));
    if (a->has_start_time() && end < FromProtoTime(a->start_time())) {
      return absl::InvalidArgumentError("end_time: must not be before the assignment's start_time");
    }
    ended = *a;
    EndOne(batch, ended, req.end_reason(), req.end_details(), end, caller.subject, "");
    return absl::OkStatus();
  }));
  return Present(ended);
}

absl::StatusOr<v1::ListCaseloadResponse> Registry::ListCaseload(
    const Caller& caller, const v1::ListCaseloadRequest& req) {
  ASSIGN_OR_RETURN(std::string person_id, val::ParseName("person", req.person(), "people"));
  ASSIGN_OR_RETURN(int size, storage::ResolvePageSize(req.page_size()));
  std::string fingerprint = absl::StrCat("caseload|", person_id);
  std::string after;
  if (!req.page_token().empty()) {
    ASSIGN_OR_RETURN(after, storage::DecodePageToken(req.page_token(), fingerprint));
  }
  auto snapshot = data_.store().Snapshot();
  const ReadView& view = *snapshot;
  // The person, their supervisor, their organisation's administrators.
  if (!caller.platform_admin && !caller.service && caller.PersonName() != req.person()) {
    ASSIGN_OR_RETURN(std::shared_ptr<const directory::v1::Person> subject,
                     PersonFacts(view, caller, req.person()));
    ASSIGN_OR_RETURN(std::shared_ptr<const directory::v1::Person> me,
                     data_.SharedPerson(view, IdOf(caller.PersonName())));
    bool allowed = subject != nullptr && (subject->supervisor() == caller.PersonName() ||
                                          (me != nullptr && me->administrator() &&
                                           me->state() == directory::v1::Person::STATE_ACTIVE &&
                                           me->organization() == subject->organization()));
    if (!allowed) {
      return absl::PermissionDeniedError(absl::StrCat("person: only ", req.person(),
                                                      ", their supervisor and their organisation's "
                                                      "administrators see their caseload"));
    }
  }
  absl::Time now = clock_->Now();
  v1::ListCaseloadResponse response;
  // A caseload is tens of cases: walk all of it (boundedly) to count
  // total_size, and fill the page with the cases after `after`. The index is
  // ordered by case, so a case's assignments are together and a page ends
  // between cases.
  constexpr int kMaxAssignments = 10000;
  int read = 0, total = 0;
  std::string resume, last_key, current_case;
  v1::CaseloadEntry* entry = nullptr;
  absl::Status error = absl::OkStatus();
  RETURN_IF_ERROR(data_.ScanPersonAssignments(
      view, person_id, "", [&](absl::string_view key, const v1::Assignment& a) {
        if (++read > kMaxAssignments) return false;
        if (!IsCurrent(a, now)) return true;
        std::string case_name = a.name().substr(0, a.name().find("/assignments/"));
        if (case_name != current_case) {
          current_case = case_name;
          entry = nullptr;
          absl::StatusOr<std::optional<v1::Case>> c = data_.GetCase(view, IdOf(case_name));
          if (!c.ok() || !c->has_value()) {
            error = c.ok() ? absl::DataLossError("assignment of a missing case") : c.status();
            return false;
          }
          if ((*c)->state() != v1::Case::STATE_OPEN) return true;
          ++total;
          if (!after.empty() && key <= after) return true;  // an earlier page
          if (response.entries_size() == size) {
            if (resume.empty()) resume = last_key;
            return true;
          }
          entry = response.add_entries();
          entry->set_case_(case_name);
          entry->set_case_number((*c)->case_number());
          entry->set_display_name((*c)->display_name());
          entry->set_lead_agency((*c)->lead_agency());
          entry->set_program((*c)->program());
          entry->set_complexity((*c)->complexity());
          entry->set_needs_reassignment((*c)->needs_reassignment());
          *entry->mutable_start_time() = a.start_time();
        }
        if (entry == nullptr) return true;
        entry->add_case_roles(a.case_role());
        entry->add_assignments(a.name());
        entry->set_primary(entry->primary() || a.primary());
        if (FromProtoTime(a.start_time()) < FromProtoTime(entry->start_time())) {
          *entry->mutable_start_time() = a.start_time();
        }
        last_key = std::string(key);
        return true;
      }));
  RETURN_IF_ERROR(error);
  response.set_total_size(total);
  if (!resume.empty()) response.set_next_page_token(storage::EncodePageToken(resume, fingerprint));
  return response;
}

// --- Case roles ---------------------------------------------------------------

absl::StatusOr<v1::CaseRole> Registry::CreateCaseRole(const Caller& caller,
                                                      const v1::CreateCaseRoleRequest& req) {
  RETURN_IF_ERROR(val::ResourceId("case_role_id", req.case_role_id()));
  v1::CaseRole role = req.case_role();
  RETURN_IF_ERROR(val::RequiredMaxLength("case_role.display_name", role.display_name(), 200));
  RETURN_IF_ERROR(val::MaxLength("case_role.description", role.description(), 2000));
  if (role.kind() == v1::CaseRole::KIND_UNSPECIFIED || !v1::CaseRole::Kind_IsValid(role.kind())) {
    return absl::InvalidArgumentError("case_role.kind: must be set");
  }
  if (!caller.platform_admin) {
    ASSIGN_OR_RETURN(std::shared_ptr<const directory::v1::Person> me,
                     PersonFacts(reader(), caller, caller.PersonName()));
    if (me == nullptr || !me->administrator() ||
        me->state() != directory::v1::Person::STATE_ACTIVE) {
      return absl::PermissionDeniedError("only administrators extend the case-role catalog");
    }
  }
  role.set_name(absl::StrCat("caseRoles/", req.case_role_id()));
  role.set_built_in(false);
  *role.mutable_create_time() = ToProtoTime(clock_->Now());
  RETURN_IF_ERROR(data_.store().Transact([&](const ReadView& view, Batch& batch) -> absl::Status {
    ASSIGN_OR_RETURN(std::optional<v1::CaseRole> existing,
                     data_.GetCaseRole(view, req.case_role_id()));
    if (existing.has_value())
      return absl::AlreadyExistsError(absl::StrCat(role.name(), ": already exists"));
    data_.PutCaseRole(batch, role);
    v1::Event event = NewEvent(caller.subject, v1::Event::TYPE_CASE_ROLE_CREATED, role.name(), "");
    *event.mutable_case_role() = role;
    data_.AppendEvent(batch, event);
    return absl::OkStatus();
  }));
  return role;
}

absl::StatusOr<v1::CaseRole> Registry::GetCaseRole(const Caller& caller,
                                                   const v1::GetCaseRoleRequest& req) {
  (void)caller;  // The catalog is public to every authenticated caller.
  ASSIGN_OR_RETURN(std::string id, val::ParseName("name", req.name(), "caseRoles"));
  ASSIGN_OR_RETURN(std::optional<v1::CaseRole> role, data_.GetCaseRole(reader(), id));
  if (!role.has_value()) return absl::NotFoundError(absl::StrCat(req.name(), ": not found"));
  return *role;
}

absl::StatusOr<v1::ListCaseRolesResponse> Registry::ListCaseRoles(
    const Caller& caller, const v1::ListCaseRolesRequest& req) {
  (void)caller;
  ASSIGN_OR_RETURN(int size, storage::ResolvePageSize(req.page_size()));
  std::string after;
  if (!req.page_token().empty()) {
    ASSIGN_OR_RETURN(after, storage::DecodePageToken(req.page_token(), "case_roles"));
  }
  v1::ListCaseRolesResponse response;
  std::string last, resume;
  RETURN_IF_ERROR(
      data_.ScanCaseRoles(reader(), after, [&](absl::string_view key, const v1::CaseRole& role) {
        if (response.case_roles_size() == size) {
          resume = last;
          return false;
        }
        *response.add_case_roles() = role;
        last = std::string(key);
        return true;
      }));
  if (!resume.empty()) response.set_next_page_token(storage::EncodePageToken(resume, "case_roles"));
  return response;
}

}  // namespace samepage::registry
