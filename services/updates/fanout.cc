#include "services/updates/fanout.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/clock/time_util.h"
#include "common/status/status_macros.h"

namespace samepage::updates {
namespace {

namespace reg = ::samepage::registry::v1;
namespace cp = ::samepage::caseplan::v1;
namespace sh = ::samepage::sharing::v1;
using Kind = v1::Update::Kind;

v1::Update Base(Kind kind, const std::string& case_name, const std::string& resource,
                const std::string& actor, const google::protobuf::Timestamp& time,
                const std::string& source) {
  v1::Update u;
  u.set_kind(kind);
  u.set_case_(case_name);
  u.set_resource(resource);
  u.set_actor(actor);
  *u.mutable_event_time() = time;
  u.set_source(source);
  return u;
}

void AddUnique(std::vector<std::string>& people, const std::string& person) {
  if (person.empty()) return;
  if (std::find(people.begin(), people.end(), person) == people.end()) people.push_back(person);
}

std::vector<Addressed> ToEach(const std::vector<std::string>& people, const v1::Update& update,
                              const std::string& except = "") {
  std::vector<Addressed> out;
  for (const std::string& person : people) {
    if (person != except) out.push_back({person, update});
  }
  return out;
}

std::string RoleLabel(const std::string& case_role) {
  std::string label = case_role;
  std::replace(label.begin(), label.end(), '-', ' ');
  return label;
}

}  // namespace

std::string CaseOf(const std::string& name) {
  std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  if (parts.size() < 2 || parts[0] != "cases" || parts[1].empty()) return "";
  return absl::StrCat("cases/", parts[1]);
}

absl::StatusOr<std::vector<std::string>> Fanout::TeamAt(const std::string& case_name,
                                                       const google::protobuf::Timestamp& when,
                                                       bool strictly_before) {
  ASSIGN_OR_RETURN(std::vector<reg::Assignment> all,
                   peers_->Assignments(case_name, reg::Assignment::STATE_UNSPECIFIED));
  const absl::Time at = FromProtoTime(when);
  std::vector<std::string> people;
  for (const reg::Assignment& a : all) {
    const absl::Time created = FromProtoTime(a.create_time());
    if (strictly_before ? created >= at : created > at) continue;
    if (a.has_end_time() && FromProtoTime(a.end_time()) <= at) continue;
    AddUnique(people, a.person());
  }
  return people;
}

std::string Fanout::DisplayName(const std::string& person) {
  absl::StatusOr<directory::v1::Person> p = peers_->GetPerson(person);
  return p.ok() && !p->display_name().empty() ? p->display_name() : person;
}

std::string Fanout::CaseLabel(const std::string& case_name) {
  absl::StatusOr<reg::Case> c = peers_->GetCase(case_name);
  return c.ok() && !c->case_number().empty() ? absl::StrCat("case ", c->case_number())
                                             : case_name;
}

absl::StatusOr<std::vector<Addressed>> Fanout::FromRegistry(const reg::Event& event) {
  const std::string source = absl::StrCat("registry/", event.revision());
  std::vector<Addressed> out;
  switch (event.type()) {
    case reg::Event::TYPE_ASSIGNMENT_CREATED: {
      const reg::Assignment& a = event.assignment();
      if (a.person().empty()) return out;  // a family member through their subject record
      const std::string case_name = CaseOf(a.name());
      const std::string label = CaseLabel(case_name);
      const std::string who = DisplayName(a.person());
      v1::Update mine = Base(v1::Update::KIND_ASSIGNED, case_name, a.name(), event.actor(),
                             event.event_time(), source);
      mine.set_summary(absl::StrCat("You were assigned as ", RoleLabel(a.case_role()), " on ",
                                    label, a.interim() ? " (interim)" : ""));
      out.push_back({a.person(), mine});
      v1::Update theirs = Base(v1::Update::KIND_TEAMMATE_JOINED, case_name, a.name(),
                               event.actor(), event.event_time(), source);
      theirs.set_person(a.person());
      theirs.set_summary(absl::StrCat(who, " joined ", label, " as ", RoleLabel(a.case_role()),
                                      a.interim() ? " (interim)" : ""));
      ASSIGN_OR_RETURN(std::vector<std::string> team, TeamAt(case_name, event.event_time()));
      for (Addressed& x : ToEach(team, theirs, a.person())) out.push_back(std::move(x));
      return out;
    }
    case reg::Event::TYPE_ASSIGNMENT_ENDED: {
      const reg::Assignment& a = event.assignment();
      // A closing case tells its team once (TYPE_CASE_CLOSED), not once per member.
      if (a.person().empty() || a.end_reason() == reg::Assignment::END_REASON_CASE_CLOSED) {
        return out;
      }
      const std::string case_name = CaseOf(a.name());
      const std::string label = CaseLabel(case_name);
      v1::Update mine = Base(v1::Update::KIND_UNASSIGNED, case_name, a.name(), event.actor(),
                             event.event_time(), source);
      mine.set_summary(
          absl::StrCat("Your assignment as ", RoleLabel(a.case_role()), " on ", label, " ended"));
      out.push_back({a.person(), mine});
      v1::Update theirs = Base(v1::Update::KIND_TEAMMATE_LEFT, case_name, a.name(), event.actor(),
                               event.event_time(), source);
      theirs.set_person(a.person());
      theirs.set_summary(absl::StrCat(DisplayName(a.person()), " left ", label, " (",
                                      RoleLabel(a.case_role()), ")"));
      // A successor taking over in the same moment has been told already.
      ASSIGN_OR_RETURN(std::vector<std::string> team,
                       TeamAt(case_name, event.event_time(), /*strictly_before=*/true));
      for (Addressed& x : ToEach(team, theirs, a.person())) out.push_back(std::move(x));
      return out;
    }
    case reg::Event::TYPE_CASE_NEEDS_REASSIGNMENT: {
      const reg::Case& c = event.case_();
      std::vector<std::string> roles;
      for (const reg::Vacancy& v : c.vacancies()) roles.push_back(RoleLabel(v.case_role()));
      v1::Update u = Base(v1::Update::KIND_CASE_NEEDS_REASSIGNMENT, c.name(), c.name(),
                          event.actor(), event.event_time(), source);
      u.set_summary(absl::StrCat("Case ", c.case_number(), " needs a new ",
                                 absl::StrJoin(roles, ", ")));
      ASSIGN_OR_RETURN(std::vector<std::string> team, TeamAt(c.name(), event.event_time()));
      return ToEach(team, u);
    }
    case reg::Event::TYPE_CASE_CLOSED: {
      const reg::Case& c = event.case_();
      // The team as it was: current members, and those whose assignment the
      // closing itself ended.
      ASSIGN_OR_RETURN(std::vector<reg::Assignment> all,
                       peers_->Assignments(c.name(), reg::Assignment::STATE_UNSPECIFIED));
      std::vector<std::string> team;
      for (const reg::Assignment& a : all) {
        if (a.state() == reg::Assignment::STATE_CURRENT ||
            a.end_reason() == reg::Assignment::END_REASON_CASE_CLOSED) {
          AddUnique(team, a.person());
        }
      }
      v1::Update u = Base(v1::Update::KIND_CASE_CLOSED, c.name(), c.name(), event.actor(),
                          event.event_time(), source);
      u.set_summary(absl::StrCat("Case ", c.case_number(), " was closed"));
      return ToEach(team, u);
    }
    default:
      return out;
  }
}

absl::StatusOr<std::vector<Addressed>> Fanout::FromCasePlan(const cp::Event& event) {
  const std::string source = absl::StrCat("caseplan/", event.revision());
  std::vector<Addressed> out;
  switch (event.type()) {
    case cp::Event::TYPE_PLAN_VERSION_PUBLISHED: {
      const cp::PlanVersion& v = event.plan_version();
      const std::string case_name = CaseOf(v.name());
      v1::Update u = Base(v1::Update::KIND_PLAN_VERSION_TO_ACKNOWLEDGE, case_name, v.name(),
                          event.actor(), event.event_time(), source);
      u.set_person(v.publisher());
      u.set_summary(absl::StrCat("Version ", v.version_number(), " of the case plan for ",
                                 CaseLabel(case_name), " was published by ",
                                 absl::StartsWith(v.publisher(), "people/")
                                     ? DisplayName(v.publisher())
                                     : std::string("the service"),
                                 "; review what changed and acknowledge it"));
      ASSIGN_OR_RETURN(std::vector<std::string> team, TeamAt(case_name, event.event_time()));
      return ToEach(team, u, v.publisher());
    }
    case cp::Event::TYPE_ITEM_OVERDUE: {
      const cp::OverdueItem& item = event.overdue_item();
      if (item.owner().empty()) return out;
      v1::Update u = Base(v1::Update::KIND_PLAN_ITEM_OVERDUE, item.case_(), item.version(),
                          event.actor(), event.event_time(), source);
      u.set_summary(absl::StrCat("Overdue on ", CaseLabel(item.case_()), ": ", item.title()));
      out.push_back({item.owner(), u});
      return out;
    }
    case cp::Event::TYPE_NOTE_CREATED: {
      const cp::Note& note = event.note();
      if (note.addressees().empty()) return out;
      const std::string case_name = CaseOf(note.name());
      v1::Update u = Base(v1::Update::KIND_NOTE_ADDRESSED, case_name, note.name(), event.actor(),
                          event.event_time(), source);
      u.set_person(note.author());
      u.set_category(note.category());
      u.set_subject(note.subject());
      // The title may itself be sensitive; the note is read through GetNote.
      u.set_summary(absl::StrCat(DisplayName(note.author()), " addressed a ",
                                 note.category(), " note to you on ", CaseLabel(case_name)));
      std::vector<std::string> to(note.addressees().begin(), note.addressees().end());
      return ToEach(to, u, note.author());
    }
    default:
      return out;
  }
}

absl::StatusOr<std::vector<std::string>> Fanout::Resolve(const std::string& case_name,
                                                         const sh::Party& party,
                                                         const google::protobuf::Timestamp& when) {
  std::vector<std::string> people;
  switch (party.party_case()) {
    case sh::Party::kPerson:
      AddUnique(people, party.person());
      break;
    case sh::Party::kCaseRole: {
      if (case_name.empty()) break;
      ASSIGN_OR_RETURN(std::vector<reg::Assignment> all,
                       peers_->Assignments(case_name, reg::Assignment::STATE_UNSPECIFIED));
      const absl::Time at = FromProtoTime(when);
      for (const reg::Assignment& a : all) {
        if (a.case_role() != party.case_role() || FromProtoTime(a.create_time()) > at) continue;
        if (a.has_end_time() && FromProtoTime(a.end_time()) <= at) continue;
        AddUnique(people, a.person());
      }
      break;
    }
    case sh::Party::kOrganization: {
      if (case_name.empty()) break;
      ASSIGN_OR_RETURN(std::vector<std::string> team, TeamAt(case_name, when));
      for (const std::string& member : team) {
        absl::StatusOr<directory::v1::Person> p = peers_->GetPerson(member);
        if (absl::IsNotFound(p.status())) continue;
        if (!p.ok()) return p.status();
        if (p->organization() == party.organization()) AddUnique(people, member);
      }
      break;
    }
    default:
      break;
  }
  return people;
}

absl::StatusOr<std::vector<Addressed>> Fanout::FromSharing(const sh::Event& event) {
  const std::string source = absl::StrCat("sharing/", event.revision());
  std::vector<Addressed> out;
  auto request_update = [&](Kind kind, const sh::InformationRequest& r) {
    v1::Update u =
        Base(kind, r.case_(), r.name(), event.actor(), event.event_time(), source);
    u.set_person(r.requester());
    return u;
  };
  auto directive_updates = [&](Kind kind, const std::string& case_name,
                               const std::string& resource,
                               const google::protobuf::RepeatedPtrField<sh::Party>& recipients,
                               const std::string& summary) -> absl::StatusOr<std::vector<Addressed>> {
    std::vector<std::string> people;
    for (const sh::Party& party : recipients) {
      ASSIGN_OR_RETURN(std::vector<std::string> resolved,
                       Resolve(case_name, party, event.event_time()));
      for (const std::string& p : resolved) AddUnique(people, p);
    }
    v1::Update u = Base(kind, case_name, resource, event.actor(), event.event_time(), source);
    u.set_summary(summary);
    return ToEach(people, u);
  };
  switch (event.type()) {
    case sh::Event::TYPE_INFORMATION_REQUEST_CREATED:
    case sh::Event::TYPE_INFORMATION_REQUEST_REASSIGNED: {
      const sh::InformationRequest& r = event.information_request();
      v1::Update u = request_update(v1::Update::KIND_REQUEST_WAITING, r);
      u.set_summary(absl::StrCat(DisplayName(r.requester()), " asks you for \"", r.summary(),
                                 "\" on ", CaseLabel(r.case_())));
      std::vector<std::string> to(r.recipient_people().begin(), r.recipient_people().end());
      return ToEach(to, u, r.requester());
    }
    case sh::Event::TYPE_INFORMATION_REQUEST_FULFILLED: {
      const sh::InformationRequest& r = event.information_request();
      v1::Update u = request_update(v1::Update::KIND_REQUEST_FULFILLED, r);
      u.set_person(r.fulfillment().fulfilled_by());
      u.set_summary(absl::StrCat(DisplayName(r.fulfillment().fulfilled_by()), " answered \"",
                                 r.summary(), "\""));
      out.push_back({r.requester(), u});
      return out;
    }
    case sh::Event::TYPE_INFORMATION_REQUEST_DECLINED: {
      const sh::InformationRequest& r = event.information_request();
      v1::Update u = request_update(v1::Update::KIND_REQUEST_DECLINED, r);
      u.set_person(r.declined_by());
      u.set_summary(absl::StrCat(DisplayName(r.declined_by()), " declined \"", r.summary(),
                                 "\": ", r.decline_reason()));
      out.push_back({r.requester(), u});
      return out;
    }
    case sh::Event::TYPE_INFORMATION_REQUEST_OVERDUE: {
      const sh::InformationRequest& r = event.information_request();
      v1::Update u = request_update(v1::Update::KIND_REQUEST_OVERDUE, r);
      u.set_summary(absl::StrCat("Overdue: \"", r.summary(), "\" on ", CaseLabel(r.case_())));
      std::vector<std::string> to(r.recipient_people().begin(), r.recipient_people().end());
      AddUnique(to, r.requester());
      return ToEach(to, u);
    }
    case sh::Event::TYPE_INFORMATION_REQUEST_ESCALATED: {
      const sh::InformationRequest& r = event.information_request();
      if (r.escalated_to().empty()) return out;
      v1::Update u = request_update(v1::Update::KIND_REQUEST_ESCALATED, r);
      u.set_summary(absl::StrCat("Escalated to you: \"", r.summary(), "\" on ",
                                 CaseLabel(r.case_()), " is overdue"));
      out.push_back({r.escalated_to(), u});
      return out;
    }
    case sh::Event::TYPE_CONSENT_CREATED:
    case sh::Event::TYPE_CONSENT_REVOKED:
    case sh::Event::TYPE_CONSENT_EXPIRED: {
      const sh::ConsentDirective& c = event.consent();
      const bool granted = event.type() == sh::Event::TYPE_CONSENT_CREATED;
      const std::string what = absl::StrJoin(c.categories(), ", ");
      return directive_updates(
          granted ? v1::Update::KIND_CONSENT_GRANTED : v1::Update::KIND_CONSENT_ENDED,
          c.case_(), c.name(), c.recipients(),
          absl::StrCat(granted ? "A consent now lets you receive " : "A consent that let you receive ",
                       what, " information on ", CaseLabel(c.case_()),
                       granted ? "" : (event.type() == sh::Event::TYPE_CONSENT_REVOKED
                                           ? " was revoked"
                                           : " expired")));
    }
    case sh::Event::TYPE_COURT_ORDER_CREATED:
    case sh::Event::TYPE_COURT_ORDER_EXPIRED: {
      const sh::CourtOrder& o = event.court_order();
      const bool granted = event.type() == sh::Event::TYPE_COURT_ORDER_CREATED;
      const std::string what = absl::StrJoin(o.categories(), ", ");
      return directive_updates(
          granted ? v1::Update::KIND_COURT_ORDER_GRANTED : v1::Update::KIND_COURT_ORDER_ENDED,
          o.case_(), o.name(), o.recipients(),
          absl::StrCat(granted ? "A court order now lets you receive " : "A court order that let you receive ",
                       what, " information on ", CaseLabel(o.case_()), granted ? "" : " expired"));
    }
    default:
      return out;
  }
}

}  // namespace samepage::updates
