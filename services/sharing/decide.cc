#include "services/sharing/decide.h"

#include <algorithm>
#include <cctype>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/clock/time_util.h"

namespace samepage::sharing {
namespace {

using Consideration = v1::Consideration;
using Response = v1::CheckAccessResponse;

constexpr char kPsychotherapyNotes[] = "psychotherapy-notes";

template <typename List, typename T>
bool Contains(const List& list, const T& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

std::string PurposeWords(v1::Purpose p) {
  std::string name = v1::Purpose_Name(p);
  if (name.rfind("PURPOSE_", 0) == 0) name = name.substr(8);
  std::transform(name.begin(), name.end(), name.begin(),
                 [](char c) { return c == '_' ? ' ' : static_cast<char>(std::tolower(c)); });
  return name;
}

std::string BasisWords(v1::AccessBasis b) {
  switch (b) {
    case v1::ACCESS_BASIS_CASE_ROLE_DEFAULT:
      return "the requester's case role sees this category by default";
    case v1::ACCESS_BASIS_CONSENT_DIRECTIVE:
      return "an active consent directive covers the requester, category and purpose";
    case v1::ACCESS_BASIS_COURT_ORDER:
      return "an active court order covers the requester, category and purpose";
    case v1::ACCESS_BASIS_AUTHORSHIP:
      return "the requester wrote the information";
    case v1::ACCESS_BASIS_MANDATED_REPORTING:
      return "the mandated child-abuse reporting exception";
    case v1::ACCESS_BASIS_TREATING_TEAM:
      return "treatment within the case's treating team";
    default:
      return "none";
  }
}

// Whether a party names the requester: as a person, through their
// organisation, or through a case role they hold on the case now.
bool NamesRequester(const v1::Party& party, const RequesterFacts& who) {
  switch (party.party_case()) {
    case v1::Party::kPerson:
      return party.person() == who.person;
    case v1::Party::kOrganization: {
      std::string org = who.organization ? who.organization() : "";
      return !org.empty() && party.organization() == org;
    }
    case v1::Party::kCaseRole:
      return Contains(who.access.case_roles(), party.case_role());
    default:
      return false;
  }
}

template <typename Parties>
bool AnyNamesRequester(const Parties& parties, const RequesterFacts& who) {
  for (const v1::Party& p : parties) {
    if (NamesRequester(p, who)) return true;
  }
  return false;
}

Consideration Consider(const v1::ConsentDirective& c, const DecisionInputs& in, bool case_closed) {
  const v1::CheckAccessRequest& req = *in.request;
  Consideration out;
  out.set_resource(c.name());
  switch (ConsentStateAt(c, in.now, case_closed)) {
    case v1::ConsentDirective::STATE_REVOKED:
      out.set_outcome(Consideration::OUTCOME_REVOKED);
      *out.mutable_time() = c.revocation().revoke_time();
      out.set_detail(absl::StrCat(
          "revoked by ", c.revocation().revoked_by(), " on ",
          DescribeTime(FromProtoTime(c.revocation().revoke_time())),
          c.revocation().reason().empty() ? "" : absl::StrCat(": ", c.revocation().reason())));
      return out;
    case v1::ConsentDirective::STATE_EXPIRED:
      out.set_outcome(Consideration::OUTCOME_EXPIRED);
      if (c.has_expire_time() && FromProtoTime(c.expire_time()) <= in.now) {
        *out.mutable_time() = c.expire_time();
        out.set_detail(absl::StrCat("expired on ", DescribeTime(FromProtoTime(c.expire_time()))));
      } else {
        out.set_detail("expired when the case was closed");
      }
      return out;
    case v1::ConsentDirective::STATE_PENDING:
      out.set_outcome(Consideration::OUTCOME_NOT_YET_ACTIVE);
      *out.mutable_time() = c.start_time();
      out.set_detail(absl::StrCat("starts on ", DescribeTime(FromProtoTime(c.start_time()))));
      return out;
    default:
      break;
  }
  if (req.subject().empty() || c.subject() != req.subject()) {
    out.set_outcome(Consideration::OUTCOME_SUBJECT_NOT_COVERED);
    out.set_detail(absl::StrCat("about ", c.subject(), ", not ",
                                req.subject().empty() ? "the case as a whole" : req.subject()));
    return out;
  }
  if (!Contains(c.categories(), req.category())) {
    out.set_outcome(Consideration::OUTCOME_CATEGORY_NOT_COVERED);
    out.set_detail(absl::StrCat("category ", req.category(), " not covered (covers ",
                                absl::StrJoin(c.categories(), ", "), ")"));
    return out;
  }
  if (!AnyNamesRequester(c.recipients(), *in.requester)) {
    out.set_outcome(Consideration::OUTCOME_RECIPIENT_NOT_COVERED);
    out.set_detail(absl::StrCat("recipient ", in.requester->person, " not named"));
    return out;
  }
  if (!Contains(c.purposes(), req.purpose())) {
    out.set_outcome(Consideration::OUTCOME_PURPOSE_NOT_COVERED);
    out.set_detail(absl::StrCat("purpose ", PurposeWords(req.purpose()), " not covered"));
    return out;
  }
  out.set_outcome(Consideration::OUTCOME_APPLIES);
  out.set_detail(absl::StrCat("consent signed by ", c.consenter().display_name(), " applies"));
  return out;
}

Consideration Consider(const v1::CourtOrder& o, const DecisionInputs& in, bool case_closed) {
  const v1::CheckAccessRequest& req = *in.request;
  Consideration out;
  out.set_resource(o.name());
  switch (CourtOrderStateAt(o, in.now, case_closed)) {
    case v1::CourtOrder::STATE_EXPIRED:
      out.set_outcome(Consideration::OUTCOME_EXPIRED);
      if (o.has_expire_time() && FromProtoTime(o.expire_time()) <= in.now) {
        *out.mutable_time() = o.expire_time();
        out.set_detail(absl::StrCat("expired on ", DescribeTime(FromProtoTime(o.expire_time()))));
      } else {
        out.set_detail("ended when the case was closed");
      }
      return out;
    case v1::CourtOrder::STATE_PENDING:
      out.set_outcome(Consideration::OUTCOME_NOT_YET_ACTIVE);
      *out.mutable_time() = o.start_time();
      out.set_detail(absl::StrCat("starts on ", DescribeTime(FromProtoTime(o.start_time()))));
      return out;
    default:
      break;
  }
  if (o.subjects_size() > 0 && (req.subject().empty() || !Contains(o.subjects(), req.subject()))) {
    out.set_outcome(Consideration::OUTCOME_SUBJECT_NOT_COVERED);
    out.set_detail(absl::StrCat("covers ", absl::StrJoin(o.subjects(), ", "), " only"));
    return out;
  }
  if (!Contains(o.categories(), req.category())) {
    out.set_outcome(Consideration::OUTCOME_CATEGORY_NOT_COVERED);
    out.set_detail(absl::StrCat("category ", req.category(), " not covered (covers ",
                                absl::StrJoin(o.categories(), ", "), ")"));
    return out;
  }
  if (!AnyNamesRequester(o.recipients(), *in.requester)) {
    out.set_outcome(Consideration::OUTCOME_RECIPIENT_NOT_COVERED);
    out.set_detail(absl::StrCat("recipient ", in.requester->person, " not named"));
    return out;
  }
  bool purpose_ok = o.purposes_size() == 0 ? req.purpose() == v1::PURPOSE_COURT_PROCEEDINGS
                                           : Contains(o.purposes(), req.purpose());
  if (!purpose_ok) {
    out.set_outcome(Consideration::OUTCOME_PURPOSE_NOT_COVERED);
    out.set_detail(absl::StrCat("purpose ", PurposeWords(req.purpose()), " not covered"));
    return out;
  }
  out.set_outcome(Consideration::OUTCOME_APPLIES);
  out.set_detail(absl::StrCat("order ", o.docket_number(), " applies"));
  return out;
}

}  // namespace

std::string DescribeTime(absl::Time t) {
  return absl::FormatTime("%Y-%m-%d %H:%M UTC", t, absl::UTCTimeZone());
}

v1::ConsentDirective::State ConsentStateAt(const v1::ConsentDirective& c, absl::Time now,
                                           bool case_closed) {
  if (c.has_revocation()) return v1::ConsentDirective::STATE_REVOKED;
  if (c.has_expire_time() && FromProtoTime(c.expire_time()) <= now) {
    return v1::ConsentDirective::STATE_EXPIRED;
  }
  if (c.has_expiration_event_time() ||
      (case_closed && c.expiration_event() == v1::ConsentDirective::EXPIRATION_EVENT_CASE_CLOSED)) {
    return v1::ConsentDirective::STATE_EXPIRED;
  }
  if (c.has_start_time() && FromProtoTime(c.start_time()) > now) {
    return v1::ConsentDirective::STATE_PENDING;
  }
  return v1::ConsentDirective::STATE_ACTIVE;
}

v1::CourtOrder::State CourtOrderStateAt(const v1::CourtOrder& o, absl::Time now, bool case_closed) {
  if (o.has_expire_time() ? FromProtoTime(o.expire_time()) <= now : case_closed) {
    return v1::CourtOrder::STATE_EXPIRED;
  }
  if (o.has_start_time() && FromProtoTime(o.start_time()) > now) {
    return v1::CourtOrder::STATE_PENDING;
  }
  return v1::CourtOrder::STATE_ACTIVE;
}

v1::CheckAccessResponse Decide(const DecisionInputs& in) {
  const v1::CheckAccessRequest& req = *in.request;
  const v1::Category& category = *in.category;
  const RequesterFacts& who = *in.requester;
  const bool case_closed = who.access.case_state() == registry::v1::Case::STATE_CLOSED;
  const bool psychotherapy = category.author_only() || req.category() == kPsychotherapyNotes;
  Response out;
  *out.mutable_decision_time() = ToProtoTime(in.now);
  std::vector<std::string> why_not;

  auto permit = [&](v1::AccessBasis basis, const std::string& resource) {
    out.set_decision(Response::DECISION_PERMIT);
    out.set_basis(basis);
    out.set_basis_resource(resource);
  };

  // 1. Authorship.
  if (!req.author().empty() && req.author() == who.person) {
    permit(v1::ACCESS_BASIS_AUTHORSHIP, "");
  }
  // 2. The case role's default (never for author-only categories).
  if (out.decision() != Response::DECISION_PERMIT && !psychotherapy) {
    for (const std::string& role : who.access.case_roles()) {
      if (Contains(category.default_case_roles(), role)) {
        permit(v1::ACCESS_BASIS_CASE_ROLE_DEFAULT, "");
        break;
      }
    }
    if (out.decision() != Response::DECISION_PERMIT) {
      why_not.push_back(who.access.case_roles_size() == 0
                            ? "the requester holds no role on the case"
                            : absl::StrCat("no case role of the requester (",
                                           absl::StrJoin(who.access.case_roles(), ", "), ") sees ",
                                           req.category(), " by default"));
    }
  }
  // 3. and 4. Court orders, then consent directives: every one is looked at
  // (for the explanation); the first that applies wins.
  std::optional<std::string> order_applies, consent_applies;
  for (const v1::CourtOrder& o : *in.court_orders) {
    Consideration c = Consider(o, in, case_closed);
    if (c.outcome() == Consideration::OUTCOME_APPLIES && !order_applies) order_applies = o.name();
    if (req.explain()) *out.add_considered() = std::move(c);
  }
  for (const v1::ConsentDirective& d : *in.consents) {
    Consideration c = Consider(d, in, case_closed);
    if (c.outcome() == Consideration::OUTCOME_APPLIES && !consent_applies) {
      consent_applies = d.name();
    }
    if (req.explain()) *out.add_considered() = std::move(c);
  }
  if (out.decision() != Response::DECISION_PERMIT && order_applies) {
    permit(v1::ACCESS_BASIS_COURT_ORDER, *order_applies);
  }
  if (out.decision() != Response::DECISION_PERMIT && consent_applies) {
    permit(v1::ACCESS_BASIS_CONSENT_DIRECTIVE, *consent_applies);
  }
  // 5. Treatment within the treating team; 6. mandated reporting. Neither
  // covers psychotherapy notes or Part 2 records.
  const bool excepted = psychotherapy || category.part2();
  if (out.decision() != Response::DECISION_PERMIT && req.purpose() == v1::PURPOSE_TREATMENT &&
      who.access.treating_team() && !excepted) {
    permit(v1::ACCESS_BASIS_TREATING_TEAM, "");
  }
  if (out.decision() != Response::DECISION_PERMIT && req.purpose() == v1::PURPOSE_MANDATED_REPORT &&
      who.access.allowed() && !excepted) {
    permit(v1::ACCESS_BASIS_MANDATED_REPORTING, "");
  }
  if (out.decision() != Response::DECISION_PERMIT) {
    out.set_decision(Response::DECISION_DENY);
    out.set_basis(v1::ACCESS_BASIS_UNSPECIFIED);
    if (req.explain()) {
      if (psychotherapy) {
        why_not.push_back(absl::StrCat(req.category(),
                                       " are readable only by their author unless a consent "
                                       "directive or court order names them"));
      }
      if (in.consents->empty() && in.court_orders->empty()) {
        why_not.push_back("no consent directive or court order on this case");
      }
      bool named = false;
      for (const Consideration& c : out.considered()) {
        why_not.push_back(absl::StrCat(c.resource(), ": ", c.detail()));
        named = named || c.outcome() != Consideration::OUTCOME_RECIPIENT_NOT_COVERED;
      }
      if (!in.consents->empty() || !in.court_orders->empty()) {
        if (!named) why_not.push_back("no directive or order for that recipient");
      }
      if (!who.access.allowed()) why_not.push_back("the requester is not on the case team");
      out.set_explanation(absl::StrCat("denied: ", req.category(),
                                       category.sensitive() ? " is sensitive; " : "; ",
                                       absl::StrJoin(why_not, "; ")));
    }
    return out;
  }

  // Obligations travel with the information.
  if (!category.redisclosure_notice().empty()) {
    v1::Obligation* notice = out.add_obligations();
    notice->set_type(v1::Obligation::TYPE_REDISCLOSURE_NOTICE);
    notice->set_text(category.redisclosure_notice());
    notice->set_source(category.name());
  }
  if (category.sensitive() && out.basis() != v1::ACCESS_BASIS_AUTHORSHIP) {
    v1::Obligation* limit = out.add_obligations();
    limit->set_type(v1::Obligation::TYPE_PURPOSE_LIMITATION);
    limit->set_text(
        absl::StrCat("Use this information only for ", PurposeWords(req.purpose()), "."));
    limit->set_source(out.basis_resource().empty() ? category.name() : out.basis_resource());
  }
  if (req.explain()) {
    out.set_explanation(absl::StrCat(
        "permitted: ", BasisWords(out.basis()),
        out.basis_resource().empty() ? "" : absl::StrCat(" (", out.basis_resource(), ")")));
  }
  return out;
}

}  // namespace samepage::sharing
