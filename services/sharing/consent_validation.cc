#include "services/sharing/consent_validation.h"

#include <algorithm>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/clock/time_util.h"
#include "common/status/status_macros.h"
#include "common/validation/validation.h"

namespace samepage::sharing {
namespace {

namespace val = ::samepage::validation;
namespace reg = ::samepage::registry::v1;

absl::Status Invalid(absl::string_view field, absl::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", problem));
}

absl::Status NotFitting(absl::string_view problem) {
  return absl::FailedPreconditionError(absl::StrCat("consent.consenter.authority: ", problem));
}

absl::Status Slug(absl::string_view field, absl::string_view id) {
  return val::ResourceId(field, id);
}

absl::Status ValidParty(absl::string_view field, const v1::Party& p) {
  switch (p.party_case()) {
    case v1::Party::kPerson:
      RETURN_IF_ERROR(
          val::ParseName(absl::StrCat(field, ".person"), p.person(), "people").status());
      break;
    case v1::Party::kOrganization:
      RETURN_IF_ERROR(
          val::ParseName(absl::StrCat(field, ".organization"), p.organization(), "organizations")
              .status());
      break;
    case v1::Party::kCaseRole:
      RETURN_IF_ERROR(Slug(absl::StrCat(field, ".case_role"), p.case_role()));
      break;
    default:
      return Invalid(field, "set one of person, organization or case_role");
  }
  return val::MaxLength(absl::StrCat(field, ".display_name"), p.display_name(), 200);
}

template <typename Parties>
absl::Status ValidParties(absl::string_view field, const Parties& parties, int max) {
  if (parties.empty()) return Invalid(field, "at least one is required");
  RETURN_IF_ERROR(val::MaxCount(field, parties.size(), max));
  for (int i = 0; i < parties.size(); ++i) {
    RETURN_IF_ERROR(ValidParty(absl::StrCat(field, "[", i, "]"), parties.Get(i)));
  }
  return absl::OkStatus();
}

absl::Status ValidCategories(absl::string_view field,
                             const google::protobuf::RepeatedPtrField<std::string>& categories,
                             const Catalog& catalog) {
  if (categories.empty()) return Invalid(field, "at least one category is required");
  RETURN_IF_ERROR(val::MaxCount(field, categories.size(), 20));
  std::set<std::string> seen;
  for (int i = 0; i < categories.size(); ++i) {
    std::string f = absl::StrCat(field, "[", i, "]");
    if (categories.Get(i).empty()) return Invalid(f, "must not be empty");
    if (catalog.count(categories.Get(i)) == 0) {
      return Invalid(f, absl::StrCat("\"", categories.Get(i).substr(0, 80),
                                     "\" is not a category in the catalog"));
    }
    if (!seen.insert(categories.Get(i)).second) return Invalid(f, "listed twice");
  }
  return absl::OkStatus();
}

absl::Status ValidPurposes(absl::string_view field,
                           const google::protobuf::RepeatedField<int>& purposes, int max) {
  RETURN_IF_ERROR(val::MaxCount(field, purposes.size(), max));
  for (int i = 0; i < purposes.size(); ++i) {
    if (purposes.Get(i) == v1::PURPOSE_UNSPECIFIED || !v1::Purpose_IsValid(purposes.Get(i))) {
      return Invalid(absl::StrCat(field, "[", i, "]"), "must be a known purpose");
    }
  }
  return absl::OkStatus();
}

bool HasPurpose(const google::protobuf::RepeatedField<int>& purposes, v1::Purpose p) {
  return std::find(purposes.begin(), purposes.end(), p) != purposes.end();
}

absl::Status NotInFuture(absl::string_view field, const google::protobuf::Timestamp& t, bool is_set,
                         absl::Time now) {
  RETURN_IF_ERROR(val::RequiredTimestamp(field, t, is_set));
  if (FromProtoTime(t) > now) return Invalid(field, "must not be in the future");
  return absl::OkStatus();
}

absl::Status ValidPart2Elements(const v1::Part2Elements& e, bool signer_is_patient) {
  const std::pair<const char*, const std::string*> elements[] = {
      {"patient_name", &e.patient_name()},
      {"disclosing_parties", &e.disclosing_parties()},
      {"information_description", &e.information_description()},
      {"recipient_names", &e.recipient_names()},
      {"purpose_description", &e.purpose_description()},
      {"right_to_revoke_statement", &e.right_to_revoke_statement()},
      {"expiration_description", &e.expiration_description()},
      {"conditioning_statement", &e.conditioning_statement()},
      {"redisclosure_statement", &e.redisclosure_statement()},
  };
  for (const auto& [name, value] : elements) {
    std::string f = absl::StrCat("consent.part2_elements.", name);
    if (value->empty()) {
      return Invalid(f, "required when a category is a 42 CFR Part 2 category (42 CFR 2.31)");
    }
    RETURN_IF_ERROR(val::MaxLength(f, *value, 4000));
  }
  if (!signer_is_patient && e.signer_authority().empty()) {
    return Invalid("consent.part2_elements.signer_authority",
                   "required when the signer is not the patient (42 CFR 2.31(a)(8))");
  }
  return val::MaxLength("consent.part2_elements.signer_authority", e.signer_authority(), 4000);
}

const reg::CaseSubject* FindSubject(const reg::Case& c, absl::string_view name) {
  for (const reg::CaseSubject& s : c.subjects()) {
    if (s.name() == name) return &s;
  }
  return nullptr;
}

bool IsParentOf(const reg::CaseSubject& adult, absl::string_view child) {
  for (const reg::SubjectRelationship& r : adult.relationships()) {
    if (r.child() != child) continue;
    if (r.type() == reg::SubjectRelationship::TYPE_BIOLOGICAL_PARENT ||
        r.type() == reg::SubjectRelationship::TYPE_ADOPTIVE_PARENT ||
        r.type() == reg::SubjectRelationship::TYPE_STEP_PARENT) {
      return true;
    }
  }
  return false;
}

bool IsGuardianOf(const reg::CaseSubject& adult, absl::string_view child) {
  for (const reg::SubjectRelationship& r : adult.relationships()) {
    if (r.child() == child && r.type() == reg::SubjectRelationship::TYPE_LEGAL_GUARDIAN) {
      return true;
    }
  }
  return false;
}

}  // namespace

absl::Status ParseSubject(absl::string_view field, absl::string_view subject,
                          std::string* case_name) {
  if (subject.empty()) return Invalid(field, "must not be empty");
  size_t at = subject.find("/subjects/");
  if (at == absl::string_view::npos) {
    return Invalid(field,
                   absl::StrCat("\"", subject.substr(0, 80),
                                "\" is not a subject name (cases/{case}/subjects/{subject})"));
  }
  absl::string_view case_part = subject.substr(0, at);
  absl::string_view id = subject.substr(at + 10);
  if (!val::ParseName(field, case_part, "cases").ok() ||
      !val::ParseName(field, absl::StrCat("s/", id), "s").ok()) {
    return Invalid(field,
                   absl::StrCat("\"", subject.substr(0, 80),
                                "\" is not a subject name (cases/{case}/subjects/{subject})"));
  }
  *case_name = std::string(case_part);
  return absl::OkStatus();
}

bool CoversPart2(const google::protobuf::RepeatedPtrField<std::string>& categories,
                 const Catalog& catalog) {
  for (const std::string& id : categories) {
    auto it = catalog.find(id);
    if (it != catalog.end() && it->second.part2()) return true;
  }
  return false;
}

absl::Status ValidateCategory(const v1::CreateCategoryRequest& req) {
  RETURN_IF_ERROR(Slug("category_id", req.category_id()));
  if (!req.has_category()) return Invalid("category", "must be set");
  const v1::Category& c = req.category();
  RETURN_IF_ERROR(val::RequiredMaxLength("category.display_name", c.display_name(), 200));
  RETURN_IF_ERROR(val::MaxLength("category.description", c.description(), 2000));
  RETURN_IF_ERROR(val::MaxCount("category.default_case_roles", c.default_case_roles_size(), 50));
  for (int i = 0; i < c.default_case_roles_size(); ++i) {
    RETURN_IF_ERROR(
        Slug(absl::StrCat("category.default_case_roles[", i, "]"), c.default_case_roles(i)));
  }
  RETURN_IF_ERROR(val::MaxLength("category.redisclosure_notice", c.redisclosure_notice(), 4000));
  if ((c.part2() || c.author_only()) && !c.sensitive()) {
    return Invalid("category.sensitive", "must be true for Part 2 and author-only categories");
  }
  if (c.part2() && c.redisclosure_notice().empty()) {
    return Invalid("category.redisclosure_notice",
                   "required for a Part 2 category (the 42 CFR 2.32 notice)");
  }
  return absl::OkStatus();
}

absl::Status ValidateConsent(const v1::ConsentDirective& c, const Catalog& catalog,
                             absl::Time now) {
  RETURN_IF_ERROR(val::ParseName("consent.case", c.case_(), "cases").status());
  std::string subject_case;
  RETURN_IF_ERROR(ParseSubject("consent.subject", c.subject(), &subject_case));
  if (subject_case != c.case_()) {
    return Invalid("consent.subject", absl::StrCat("must be a subject of ", c.case_()));
  }
  // Consenter.
  if (!c.has_consenter()) return Invalid("consent.consenter", "must be set");
  const v1::Consenter& who = c.consenter();
  if (who.authority() == v1::Consenter::AUTHORITY_UNSPECIFIED ||
      !v1::Consenter::Authority_IsValid(who.authority())) {
    return Invalid("consent.consenter.authority", "must be set");
  }
  if (!who.subject().empty()) {
    std::string consenter_case;
    RETURN_IF_ERROR(ParseSubject("consent.consenter.subject", who.subject(), &consenter_case));
    if (consenter_case != c.case_()) {
      return Invalid("consent.consenter.subject", absl::StrCat("must be a subject of ", c.case_()));
    }
  }
  if (!who.person().empty()) {
    RETURN_IF_ERROR(val::ParseName("consent.consenter.person", who.person(), "people").status());
  }
  if (!who.organization().empty()) {
    RETURN_IF_ERROR(
        val::ParseName("consent.consenter.organization", who.organization(), "organizations")
            .status());
  }
  switch (who.authority()) {
    case v1::Consenter::AUTHORITY_CUSTODIAL_AGENCY:
    case v1::Consenter::AUTHORITY_COURT:
      if (who.organization().empty()) {
        return Invalid("consent.consenter.organization",
                       "required for a custodial agency or court");
      }
      break;
    default:
      if (who.subject().empty() && who.person().empty()) {
        return Invalid("consent.consenter.subject", "give the consenter's subject or person");
      }
  }
  RETURN_IF_ERROR(
      val::RequiredMaxLength("consent.consenter.display_name", who.display_name(), 200));
  // Parties, categories, purposes.
  RETURN_IF_ERROR(ValidParties("consent.disclosers", c.disclosers(), 20));
  RETURN_IF_ERROR(ValidParties("consent.recipients", c.recipients(), 20));
  RETURN_IF_ERROR(ValidCategories("consent.categories", c.categories(), catalog));
  if (c.purposes().empty()) return Invalid("consent.purposes", "at least one purpose is required");
  RETURN_IF_ERROR(ValidPurposes("consent.purposes", c.purposes(), 10));
  RETURN_IF_ERROR(val::MaxLength("consent.purpose_description", c.purpose_description(), 2000));
  if (HasPurpose(c.purposes(), v1::PURPOSE_OTHER) && c.purpose_description().empty()) {
    return Invalid("consent.purpose_description", "required with PURPOSE_OTHER");
  }
  RETURN_IF_ERROR(
      val::MaxLength("consent.information_description", c.information_description(), 2000));
  // Time.
  if (c.has_start_time())
    RETURN_IF_ERROR(val::ValidTimestamp("consent.start_time", c.start_time()));
  if (c.has_expire_time()) {
    RETURN_IF_ERROR(val::ValidTimestamp("consent.expire_time", c.expire_time()));
    absl::Time start = c.has_start_time() ? FromProtoTime(c.start_time()) : now;
    if (FromProtoTime(c.expire_time()) <= start) {
      return Invalid("consent.expire_time", "must be after the start time (and in the future)");
    }
  }
  if (!v1::ConsentDirective::ExpirationEvent_IsValid(c.expiration_event())) {
    return Invalid("consent.expiration_event", "unknown value");
  }
  if (!c.has_expire_time() &&
      c.expiration_event() == v1::ConsentDirective::EXPIRATION_EVENT_UNSPECIFIED) {
    return Invalid("consent.expire_time", "give an expire_time or an expiration_event");
  }
  RETURN_IF_ERROR(val::MaxLength("consent.expiration_event_description",
                                 c.expiration_event_description(), 500));
  if (c.expiration_event() == v1::ConsentDirective::EXPIRATION_EVENT_OTHER &&
      c.expiration_event_description().empty()) {
    return Invalid("consent.expiration_event_description", "required with EXPIRATION_EVENT_OTHER");
  }
  // The signed form and the right to revoke.
  if (!c.has_signed_form()) return Invalid("consent.signed_form", "must be set");
  RETURN_IF_ERROR(val::RequiredMaxLength("consent.signed_form.signer_name",
                                         c.signed_form().signer_name(), 200));
  RETURN_IF_ERROR(NotInFuture("consent.signed_form.sign_time", c.signed_form().sign_time(),
                              c.signed_form().has_sign_time(), now));
  RETURN_IF_ERROR(
      val::MaxLength("consent.signed_form.reference", c.signed_form().reference(), 1000));
  const std::string& sha = c.signed_form().sha256();
  if (!sha.empty() && (sha.size() != 64 || !std::all_of(sha.begin(), sha.end(), [](char ch) {
                         return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f');
                       }))) {
    return Invalid("consent.signed_form.sha256", "must be 64 lower-case hex digits");
  }
  if (!c.right_to_revoke_acknowledged()) {
    return Invalid("consent.right_to_revoke_acknowledged",
                   "must be true: the consenter must be told of the right to revoke");
  }
  // Part 2.
  if (CoversPart2(c.categories(), catalog)) {
    bool signer_is_patient = who.authority() == v1::Consenter::AUTHORITY_SELF ||
                             who.authority() == v1::Consenter::AUTHORITY_MINOR_SELF_CONSENT;
    RETURN_IF_ERROR(ValidPart2Elements(c.part2_elements(), signer_is_patient));
  }
  return absl::OkStatus();
}

absl::Status CheckConsenterAuthority(const v1::ConsentDirective& c, const reg::Case& case_record,
                                     const Catalog& catalog) {
  const reg::CaseSubject* subject = FindSubject(case_record, c.subject());
  if (subject == nullptr) {
    return Invalid("consent.subject",
                   absl::StrCat(c.subject(), " is not a subject of ", c.case_()));
  }
  const v1::Consenter& who = c.consenter();
  const reg::CaseSubject* consenter = nullptr;
  if (!who.subject().empty()) {
    consenter = FindSubject(case_record, who.subject());
    if (consenter == nullptr) {
      return Invalid("consent.consenter.subject",
                     absl::StrCat(who.subject(), " is not a subject of ", c.case_()));
    }
  }
  // The consenter is the subject themselves, by subject or by person.
  bool is_subject = who.subject() == subject->name() ||
                    (!who.person().empty() && who.person() == subject->person());
  bool child = subject->kind() == reg::CaseSubject::KIND_CHILD;
  switch (who.authority()) {
    case v1::Consenter::AUTHORITY_SELF:
      if (child)
        return NotFitting("a child cannot consent for themselves as an adult (AUTHORITY_SELF)");
      if (!is_subject) return NotFitting("AUTHORITY_SELF: the consenter must be the subject");
      return absl::OkStatus();
    case v1::Consenter::AUTHORITY_PERSONAL_REPRESENTATIVE:
      if (child)
        return NotFitting(
            "a personal representative consents for adults; for a child the custodian does");
      return absl::OkStatus();
    case v1::Consenter::AUTHORITY_PARENT:
      if (!child) return NotFitting("a parent consents only for a child");
      if (consenter == nullptr || !IsParentOf(*consenter, subject->name())) {
        return NotFitting("the consenter must be a case subject recorded as a parent of the child");
      }
      if (subject->custody() != reg::CaseSubject::CUSTODY_PARENT) {
        return NotFitting(
            "the child is not in the parents' custody; the custodian consents instead");
      }
      return absl::OkStatus();
    case v1::Consenter::AUTHORITY_LEGAL_GUARDIAN: {
      if (!child) return NotFitting("a legal guardian consents only for a child");
      if (subject->custody() != reg::CaseSubject::CUSTODY_LEGAL_GUARDIAN) {
        return NotFitting("the child is not in a legal guardian's custody");
      }
      bool named = (!subject->custodian().empty() && (subject->custodian() == who.subject() ||
                                                      subject->custodian() == who.person())) ||
                   (consenter != nullptr && IsGuardianOf(*consenter, subject->name()));
      if (!named) return NotFitting("the consenter is not the child's recorded legal guardian");
      return absl::OkStatus();
    }
    case v1::Consenter::AUTHORITY_CUSTODIAL_AGENCY:
      if (!child) return NotFitting("a custodial agency consents only for a child");
      if (subject->custody() != reg::CaseSubject::CUSTODY_AGENCY) {
        return NotFitting("custody of the child has not moved to an agency");
      }
      if (!subject->custodian().empty() ? subject->custodian() != who.organization()
                                        : case_record.lead_agency() != who.organization()) {
        return NotFitting(absl::StrCat(who.organization(), " does not hold custody of the child"));
      }
      return absl::OkStatus();
    case v1::Consenter::AUTHORITY_COURT:
      if (!child) return NotFitting("the court consents here only for a child in its custody");
      if (subject->custody() != reg::CaseSubject::CUSTODY_COURT) {
        return NotFitting("the court does not hold custody of the child");
      }
      if (!subject->custodian().empty() && subject->custodian() != who.organization()) {
        return NotFitting(absl::StrCat(who.organization(), " does not hold custody of the child"));
      }
      return absl::OkStatus();
    case v1::Consenter::AUTHORITY_MINOR_SELF_CONSENT:
      if (!child)
        return NotFitting("AUTHORITY_MINOR_SELF_CONSENT is for minors; adults use AUTHORITY_SELF");
      if (!is_subject) return NotFitting("a minor consents only for their own records");
      for (const std::string& id : c.categories()) {
        auto it = catalog.find(id);
        if (it == catalog.end() || !it->second.part2()) {
          return NotFitting(absl::StrCat(
              "a minor may consent only for substance-use (Part 2) records; ", id, " is not one"));
        }
      }
      return absl::OkStatus();
    default:
      return NotFitting("unknown authority");
  }
}

absl::Status ValidateCourtOrder(const v1::CourtOrder& o, const Catalog& catalog, absl::Time now) {
  RETURN_IF_ERROR(val::ParseName("court_order.case", o.case_(), "cases").status());
  RETURN_IF_ERROR(val::MaxCount("court_order.subjects", o.subjects_size(), 50));
  for (int i = 0; i < o.subjects_size(); ++i) {
    std::string f = absl::StrCat("court_order.subjects[", i, "]");
    std::string case_name;
    RETURN_IF_ERROR(ParseSubject(f, o.subjects(i), &case_name));
    if (case_name != o.case_()) return Invalid(f, absl::StrCat("must be a subject of ", o.case_()));
  }
  RETURN_IF_ERROR(val::ParseName("court_order.court", o.court(), "organizations").status());
  RETURN_IF_ERROR(val::RequiredMaxLength("court_order.docket_number", o.docket_number(), 100));
  RETURN_IF_ERROR(val::MaxLength("court_order.judge", o.judge(), 200));
  RETURN_IF_ERROR(NotInFuture("court_order.order_time", o.order_time(), o.has_order_time(), now));
  RETURN_IF_ERROR(ValidCategories("court_order.categories", o.categories(), catalog));
  RETURN_IF_ERROR(ValidParties("court_order.recipients", o.recipients(), 20));
  RETURN_IF_ERROR(ValidPurposes("court_order.purposes", o.purposes(), 10));
  RETURN_IF_ERROR(val::MaxLength("court_order.description", o.description(), 4000));
  if (o.has_start_time()) {
    RETURN_IF_ERROR(val::ValidTimestamp("court_order.start_time", o.start_time()));
  }
  if (o.has_expire_time()) {
    RETURN_IF_ERROR(val::ValidTimestamp("court_order.expire_time", o.expire_time()));
    absl::Time start = FromProtoTime(o.has_start_time() ? o.start_time() : o.order_time());
    if (FromProtoTime(o.expire_time()) <= start) {
      return Invalid("court_order.expire_time", "must be after the start time");
    }
  }
  if (CoversPart2(o.categories(), catalog) && !o.part2_findings()) {
    return Invalid("court_order.part2_findings",
                   "must be true when a category is a Part 2 category (42 CFR 2.64)");
  }
  RETURN_IF_ERROR(val::MaxLength("court_order.reference", o.reference(), 1000));
  return absl::OkStatus();
}

absl::Status ValidateCheck(const v1::CheckAccessRequest& req, absl::string_view prefix) {
  auto at = [&](absl::string_view f) { return absl::StrCat(prefix, f); };
  if (!req.requester().empty()) {
    RETURN_IF_ERROR(val::ParseName(at("requester"), req.requester(), "people").status());
  }
  RETURN_IF_ERROR(val::ParseName(at("case"), req.case_(), "cases").status());
  if (!req.subject().empty()) {
    std::string case_name;
    RETURN_IF_ERROR(ParseSubject(at("subject"), req.subject(), &case_name));
    if (case_name != req.case_()) {
      return Invalid(at("subject"), absl::StrCat("must be a subject of ", req.case_()));
    }
  }
  if (req.category().empty()) return Invalid(at("category"), "must not be empty");
  RETURN_IF_ERROR(Slug(at("category"), req.category()));
  if (req.purpose() == v1::PURPOSE_UNSPECIFIED || !v1::Purpose_IsValid(req.purpose())) {
    return Invalid(at("purpose"), "must be set");
  }
  RETURN_IF_ERROR(val::MaxLength(at("resource"), req.resource(), 1000));
  if (!req.author().empty()) {
    RETURN_IF_ERROR(val::ParseName(at("author"), req.author(), "people").status());
  }
  return absl::OkStatus();
}

absl::Status ValidateDisclosure(const v1::Disclosure& d, const Catalog& catalog, absl::Time now) {
  RETURN_IF_ERROR(val::ParseName("disclosure.case", d.case_(), "cases").status());
  std::string case_name;
  RETURN_IF_ERROR(ParseSubject("disclosure.subject", d.subject(), &case_name));
  if (case_name != d.case_()) {
    return Invalid("disclosure.subject", absl::StrCat("must be a subject of ", d.case_()));
  }
  if (d.category().empty()) return Invalid("disclosure.category", "must not be empty");
  if (catalog.count(d.category()) == 0) {
    return Invalid("disclosure.category", absl::StrCat("\"", d.category().substr(0, 80),
                                                       "\" is not a category in the catalog"));
  }
  auto party = [](absl::string_view field, const std::string& name, bool required) -> absl::Status {
    if (name.empty()) return required ? Invalid(field, "must not be empty") : absl::OkStatus();
    if (absl::StartsWith(name, "organizations/")) {
      return val::ParseName(field, name, "organizations").status();
    }
    return val::ParseName(field, name, "people").status();
  };
  RETURN_IF_ERROR(party("disclosure.recipient", d.recipient(), true));
  RETURN_IF_ERROR(
      val::MaxLength("disclosure.recipient_display_name", d.recipient_display_name(), 200));
  RETURN_IF_ERROR(party("disclosure.discloser", d.discloser(), false));
  RETURN_IF_ERROR(val::MaxLength("disclosure.resource", d.resource(), 1000));
  RETURN_IF_ERROR(val::MaxLength("disclosure.description", d.description(), 1000));
  if (d.basis() == v1::ACCESS_BASIS_UNSPECIFIED || !v1::AccessBasis_IsValid(d.basis())) {
    return Invalid("disclosure.basis", "must be set");
  }
  if (!d.basis_resource().empty() && !absl::StartsWith(d.basis_resource(), "consents/") &&
      !absl::StartsWith(d.basis_resource(), "courtOrders/")) {
    return Invalid("disclosure.basis_resource", "must name a consent or a court order");
  }
  if (d.purpose() == v1::PURPOSE_UNSPECIFIED || !v1::Purpose_IsValid(d.purpose())) {
    return Invalid("disclosure.purpose", "must be set");
  }
  if (d.has_disclose_time()) {
    RETURN_IF_ERROR(NotInFuture("disclosure.disclose_time", d.disclose_time(), true, now));
  }
  return absl::OkStatus();
}

}  // namespace samepage::sharing
