#include "cli/case_commands.h"

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "cli/calls.h"
#include "cli/enum_words.h"
#include "cli/flag_values.h"
#include "common/clock/time_util.h"
#include "google/protobuf/generated_enum_reflection.h"
#include "samepage/directory/v1/directory_service.grpc.pb.h"
#include "samepage/registry/v1/registry_service.grpc.pb.h"

namespace samepage::cli {
namespace {

namespace reg = ::samepage::registry::v1;
namespace dir = ::samepage::directory::v1;
using RegistryStub = reg::CaseRegistry::Stub;
using DirectoryStub = dir::Directory::Stub;

// Case roles in the order a caseworker reads a team: the people running the
// case, then treatment and support, the court side, then the family. Roles
// not listed (added by an agency) follow in catalog order.
constexpr const char* kRoleOrder[] = {
    "investigator",
    "dependency-case-manager",
    "case-supervisor",
    "therapist",
    "substance-use-treatment-provider",
    "intensive-care-coordinator",
    "family-peer-mentor",
    "family-partner",
    "primary-care-provider",
    "guardian-ad-litem",
    "attorney",
    "court",
    "foster-parent",
    "relative-caregiver",
    "biological-parent",
};

// --- calls ---

// --- names ---

std::string CaseName(absl::string_view v) { return ExpandName("cases", v); }

// "therapist" or "caseRoles/therapist" -> "therapist".
std::string CaseRoleId(absl::string_view v) {
  absl::ConsumePrefix(&v, "caseRoles/");
  return std::string(v);
}

// The last segment of a resource name: "cases/x/assignments/a1" -> "a1".
std::string LastSegment(absl::string_view name) {
  const size_t slash = name.rfind('/');
  return std::string(slash == absl::string_view::npos ? name : name.substr(slash + 1));
}

// An assignment as "cases/C/assignments/A", "C/assignments/A", "C/A", or
// (when `case_name` is given) just "A".
absl::StatusOr<std::string> AssignmentName(absl::string_view flag, absl::string_view value,
                                           absl::string_view case_name = "") {
  if (absl::StartsWith(value, "cases/")) return std::string(value);
  std::vector<absl::string_view> parts = absl::StrSplit(value, '/');
  if (parts.size() == 1 && !case_name.empty() && !value.empty()) {
    return absl::StrCat(case_name, "/assignments/", value);
  }
  if (parts.size() == 2 && !parts[0].empty() && !parts[1].empty()) {
    return absl::StrCat("cases/", parts[0], "/assignments/", parts[1]);
  }
  if (parts.size() == 3 && parts[1] == "assignments" && !parts[0].empty() && !parts[2].empty()) {
    return absl::StrCat("cases/", value);
  }
  return UsageError(absl::StrCat(flag, ": \"", value,
                                 "\" is not an assignment: give CASE/ASSIGNMENT_ID (rivera/a1b2) "
                                 "or cases/CASE/assignments/ASSIGNMENT_ID"));
}

// A subject of `case_name`: "fiona" -> "cases/rivera/subjects/fiona".
std::string SubjectName(absl::string_view case_name, absl::string_view v) {
  if (v.empty() || absl::StrContains(v, '/')) return std::string(v);
  return absl::StrCat(case_name, "/subjects/", v);
}

// --- enum words ---

// "END_REASON_REASSIGNED" (as the directory reports it) -> "reassigned".
std::string EndReasonWord(absl::string_view enum_name) {
  return EnumWord(enum_name, "END_REASON_");
}

// --- text ---

std::string TimeOf(const google::protobuf::Timestamp& t) { return TimeText(FromProtoTime(t)); }

// "2026-05-05": a day for people reading a history.
std::string DayOf(const google::protobuf::Timestamp& t) {
  return absl::FormatTime("%Y-%m-%d", FromProtoTime(t), absl::UTCTimeZone());
}

// "Tue 2026-05-05 14:03 UTC": when someone is back, for people.
std::string WhenOf(const google::protobuf::Timestamp& t) {
  return absl::FormatTime("%a %Y-%m-%d %H:%M UTC", FromProtoTime(t), absl::UTCTimeZone());
}

std::string DateText(const reg::Date& d) {
  char text[16];
  std::snprintf(text, sizeof(text), "%04d-%02d-%02d", d.year(), d.month(), d.day());
  return text;
}

// Detail lines: "  label:          value".
void AddField(std::string* text, absl::string_view label, absl::string_view value) {
  if (value.empty()) return;
  std::string padded = absl::StrCat("  ", label, label.empty() ? "" : ":");
  padded.resize(std::max<size_t>(padded.size() + 1, 20), ' ');
  absl::StrAppend(text, padded, value, "\n");
}

std::string ExternalIdText(const reg::ExternalIdentifier& id) {
  std::string text;
  switch (id.type()) {
    case reg::ExternalIdentifier::TYPE_COURT_DOCKET_NUMBER:
      text = "court docket";
      break;
    case reg::ExternalIdentifier::TYPE_STATE_SYSTEM_NUMBER:
      text = "state system";
      break;
    case reg::ExternalIdentifier::TYPE_PROVIDER_RECORD_NUMBER:
      text = "provider record";
      break;
    default:
      text = "other";
  }
  absl::StrAppend(&text, " ", id.value());
  if (!id.issuer().empty()) absl::StrAppend(&text, " (", id.issuer(), ")");
  return text;
}

// The display name of a subject of `c` by its name (or id), else the name.
std::string SubjectDisplay(const reg::Case& c, absl::string_view name) {
  for (const reg::CaseSubject& s : c.subjects()) {
    if (s.name() == name || LastSegment(s.name()) == name) return s.display_name();
  }
  return std::string(name);
}

// "foster parent of Leo Rivera".
std::string RelationshipsText(const reg::Case& c, const reg::CaseSubject& s) {
  std::vector<std::string> parts;
  for (const reg::SubjectRelationship& r : s.relationships()) {
    std::string part = absl::StrCat(absl::StrReplaceAll(Word(r.type(), "TYPE_"), {{"-", " "}}),
                                    " of ", SubjectDisplay(c, r.child()));
    if (!r.description().empty()) absl::StrAppend(&part, " (", r.description(), ")");
    parts.push_back(part);
  }
  return absl::StrJoin(parts, "; ");
}

std::string SubjectLine(const reg::Case& c, const reg::CaseSubject& s) {
  std::string line =
      absl::StrCat(LastSegment(s.name()), "  ", s.display_name(), "  (", Word(s.kind(), "KIND_"));
  if (s.has_birth_date()) absl::StrAppend(&line, ", born ", DateText(s.birth_date()));
  absl::StrAppend(&line, ")");
  if (s.custody() != reg::CaseSubject::CUSTODY_UNSPECIFIED) {
    absl::StrAppend(&line, "  custody: ", Word(s.custody(), "CUSTODY_"));
    if (!s.custodian().empty()) absl::StrAppend(&line, " (", s.custodian(), ")");
  }
  const std::string relationships = RelationshipsText(c, s);
  if (!relationships.empty()) absl::StrAppend(&line, "  ", relationships);
  if (!s.person().empty()) absl::StrAppend(&line, "  account ", s.person());
  return line;
}

std::string CaseLine(const reg::Case& c) {
  std::string line = absl::StrCat(c.name(), "  ", c.case_number());
  if (!c.display_name().empty()) absl::StrAppend(&line, "  ", c.display_name());
  std::vector<std::string> about = {c.program()};
  if (c.complexity() != reg::Case::COMPLEXITY_UNSPECIFIED) {
    about.push_back(absl::StrCat(Word(c.complexity(), "COMPLEXITY_"), " complexity"));
  }
  about.push_back(c.lead_agency());
  absl::StrAppend(&line, "  (", absl::StrJoin(about, ", "), ")");
  if (c.state() == reg::Case::STATE_CLOSED) absl::StrAppend(&line, "  [closed]");
  if (c.needs_reassignment()) absl::StrAppend(&line, "  [needs reassignment]");
  return line;
}

std::string VacancyText(const reg::Vacancy& v) {
  std::string text = absl::StrCat(v.case_role(), " vacant since ", TimeOf(v.since_time()));
  absl::StrAppend(&text, v.interim_contact().empty()
                             ? ", no interim contact"
                             : absl::StrCat(", interim contact ", v.interim_contact()));
  return text;
}

std::string CaseDetails(const reg::Case& c) {
  std::string text = absl::StrCat(c.name(), "  ", c.display_name(), "\n");
  AddField(&text, "case number", c.case_number());
  AddField(&text, "lead agency", c.lead_agency());
  AddField(&text, "program", c.program());
  if (c.complexity() != reg::Case::COMPLEXITY_UNSPECIFIED) {
    AddField(&text, "complexity", Word(c.complexity(), "COMPLEXITY_"));
  }
  AddField(&text, "state", c.state() == reg::Case::STATE_CLOSED ? "closed" : "open");
  if (c.has_open_time()) AddField(&text, "opened", TimeOf(c.open_time()));
  if (c.state() == reg::Case::STATE_CLOSED) {
    std::string closed = TimeOf(c.close_time());
    if (!c.closing_reason().empty())
      absl::StrAppend(&closed, ", reason \"", c.closing_reason(), "\"");
    if (!c.closed_by().empty()) absl::StrAppend(&closed, ", by ", c.closed_by());
    AddField(&text, "closed", closed);
  }
  for (int i = 0; i < c.external_ids_size(); ++i) {
    AddField(&text, i == 0 ? "external ids" : "", ExternalIdText(c.external_ids(i)));
  }
  for (int i = 0; i < c.subjects_size(); ++i) {
    AddField(&text, i == 0 ? "subjects" : "", SubjectLine(c, c.subjects(i)));
  }
  if (c.needs_reassignment()) AddField(&text, "needs reassignment", "yes");
  for (int i = 0; i < c.vacancies_size(); ++i) {
    AddField(&text, i == 0 ? "vacancies" : "", VacancyText(c.vacancies(i)));
  }
  AddField(&text, "creator", c.creator());
  if (c.has_create_time()) AddField(&text, "created", TimeOf(c.create_time()));
  if (c.has_update_time()) AddField(&text, "updated", TimeOf(c.update_time()));
  AddField(&text, "etag", c.etag());
  return text;
}

std::string StateWord(reg::Assignment::State state) { return Word(state, "STATE_"); }

std::string AssignmentDetails(const reg::Assignment& a) {
  std::string text = absl::StrCat(a.name(), "\n");
  AddField(&text, "case role", a.case_role());
  AddField(&text, "person", a.person());
  AddField(&text, "subject", a.subject());
  if (a.primary()) AddField(&text, "primary", "yes");
  if (a.interim()) AddField(&text, "interim", "yes");
  AddField(&text, "responsibilities", a.responsibilities());
  AddField(&text, "state", StateWord(a.state()));
  if (a.has_start_time()) AddField(&text, "start", TimeOf(a.start_time()));
  if (a.has_end_time()) AddField(&text, "end", TimeOf(a.end_time()));
  if (a.end_reason() != reg::Assignment::END_REASON_UNSPECIFIED) {
    std::string reason = Word(a.end_reason(), "END_REASON_");
    if (!a.end_details().empty()) absl::StrAppend(&reason, ": ", a.end_details());
    AddField(&text, "end reason", reason);
  }
  AddField(&text, "ended by", a.ended_by());
  AddField(&text, "predecessor", a.predecessor());
  AddField(&text, "successor", a.successor());
  AddField(&text, "creator", a.creator());
  AddField(&text, "etag", a.etag());
  return text;
}

// "email dana@example.org", preferred first, for a one-line mention.
std::string MainContactText(const google::protobuf::RepeatedPtrField<dir::ContactPoint>& points) {
  for (const dir::ContactPoint& p : points) {
    if (p.preferred()) return absl::StrCat(ChannelWord(p.channel()), " ", p.value());
  }
  if (points.empty()) return "";
  return absl::StrCat(ChannelWord(points[0].channel()), " ", points[0].value());
}

// "home address" for an address, else the channel word.
std::string ChannelPhrase(dir::ContactPoint::Channel channel) {
  if (channel == dir::ContactPoint::CHANNEL_ADDRESS) return "home address";
  return absl::StrReplaceAll(ChannelWord(channel), {{"-", " "}});
}

// --- the role catalog, for display names ---

struct Catalog {
  std::map<std::string, reg::CaseRole> roles;  // by id
  std::vector<std::string> order;              // catalog order

  std::string Display(const std::string& id) const {
    auto it = roles.find(id);
    return it == roles.end() || it->second.display_name().empty() ? id : it->second.display_name();
  }
  // Position for sorting: kRoleOrder first, then the catalog.
  int Rank(const std::string& id) const {
    const int known = static_cast<int>(std::size(kRoleOrder));
    for (int i = 0; i < known; ++i) {
      if (id == kRoleOrder[i]) return i;
    }
    for (size_t i = 0; i < order.size(); ++i) {
      if (order[i] == id) return known + static_cast<int>(i);
    }
    return known + static_cast<int>(order.size());
  }
};

absl::StatusOr<reg::ListCaseRolesResponse> AllCaseRoles(Invocation& invocation) {
  return Pages(invocation, reg::ListCaseRolesRequest(), &RegistryStub::ListCaseRoles,
               &reg::ListCaseRolesResponse::mutable_case_roles, /*all=*/true);
}

// The catalog, or an empty one when it cannot be read (names then show as
// ids).
Catalog LoadCatalog(Invocation& invocation) {
  Catalog catalog;
  absl::StatusOr<reg::ListCaseRolesResponse> roles = AllCaseRoles(invocation);
  if (!roles.ok()) return catalog;
  for (const reg::CaseRole& role : roles->case_roles()) {
    const std::string id = CaseRoleId(role.name());
    catalog.order.push_back(id);
    catalog.roles[id] = role;
  }
  return catalog;
}

// --- case commands ---

// "ID:Display Name:YYYY-MM-DD[:CUSTODY]".
absl::StatusOr<reg::CaseSubject> ParseChild(absl::string_view text, absl::string_view lead_agency) {
  std::vector<std::string> parts = absl::StrSplit(text, ':');
  if (parts.size() < 3 || parts.size() > 4) {
    return UsageError(absl::StrCat("--child: \"", text,
                                   "\" should be ID:Display Name:YYYY-MM-DD[:CUSTODY], e.g. "
                                   "\"leo:Leo Rivera:2017-04-09:agency\""));
  }
  reg::CaseSubject child;
  child.set_kind(reg::CaseSubject::KIND_CHILD);
  child.set_subject_id(std::string(absl::StripAsciiWhitespace(parts[0])));
  child.set_display_name(std::string(absl::StripAsciiWhitespace(parts[1])));
  absl::CivilDay day;
  if (!absl::ParseCivilTime(absl::StripAsciiWhitespace(parts[2]), &day)) {
    return UsageError(absl::StrCat("--child: \"", parts[2],
                                   "\" is not a birth date such as 2017-04-09 (YYYY-MM-DD)"));
  }
  child.mutable_birth_date()->set_year(static_cast<int32_t>(day.year()));
  child.mutable_birth_date()->set_month(day.month());
  child.mutable_birth_date()->set_day(day.day());
  if (parts.size() == 4) {
    absl::StatusOr<reg::CaseSubject::Custody> custody =
        ParseWord<reg::CaseSubject::Custody>("--child", parts[3], "CUSTODY_", "a custody");
    if (!custody.ok()) return custody.status();
    child.set_custody(*custody);
    if (*custody == reg::CaseSubject::CUSTODY_AGENCY) child.set_custodian(std::string(lead_agency));
  }
  return child;
}

// "ID:Display Name:RELATIONSHIP:CHILD_ID[,CHILD_ID...][:PERSON]".
absl::StatusOr<reg::CaseSubject> ParseCaregiver(absl::string_view text) {
  std::vector<std::string> parts = absl::StrSplit(text, ':');
  if (parts.size() < 4 || parts.size() > 5) {
    return UsageError(
        absl::StrCat("--caregiver: \"", text,
                     "\" should be ID:Display Name:RELATIONSHIP:CHILD_ID[:PERSON], e.g. "
                     "\"fiona:Fiona Hale:foster-parent:leo:people/fiona\""));
  }
  reg::CaseSubject adult;
  adult.set_kind(reg::CaseSubject::KIND_CAREGIVER);
  adult.set_subject_id(std::string(absl::StripAsciiWhitespace(parts[0])));
  adult.set_display_name(std::string(absl::StripAsciiWhitespace(parts[1])));
  absl::StatusOr<reg::SubjectRelationship::Type> type =
      ParseWord<reg::SubjectRelationship::Type>("--caregiver", parts[2], "TYPE_", "a relationship");
  if (!type.ok()) return type.status();
  for (absl::string_view child : absl::StrSplit(parts[3], ',', absl::SkipWhitespace())) {
    reg::SubjectRelationship* r = adult.add_relationships();
    r->set_child(std::string(absl::StripAsciiWhitespace(child)));
    r->set_type(*type);
  }
  if (adult.relationships().empty()) {
    return UsageError(absl::StrCat("--caregiver: \"", text, "\" names no child"));
  }
  if (parts.size() == 5) adult.set_person(PersonName(absl::StripAsciiWhitespace(parts[4])));
  return adult;
}

absl::Status CaseCreate(Invocation& invocation, const ParsedArgs& args) {
  reg::CreateCaseRequest request;
  request.set_case_id(args.Get("id"));
  reg::Case* c = request.mutable_case_();
  absl::StatusOr<std::string> number = Required(args, "number");
  if (!number.ok()) return number.status();
  c->set_case_number(*number);
  absl::StatusOr<std::string> agency = Required(args, "lead-agency");
  if (!agency.ok()) return agency.status();
  c->set_lead_agency(OrganizationName(*agency));
  absl::StatusOr<std::string> program = Required(args, "program");
  if (!program.ok()) return program.status();
  c->set_program(*program);
  c->set_display_name(args.Get("name"));
  if (args.Has("complexity")) {
    absl::StatusOr<reg::Case::Complexity> complexity = ParseWord<reg::Case::Complexity>(
        "--complexity", args.Get("complexity"), "COMPLEXITY_", "a complexity");
    if (!complexity.ok()) return complexity.status();
    c->set_complexity(*complexity);
  }
  if (args.Has("docket")) {
    reg::ExternalIdentifier* id = c->add_external_ids();
    id->set_type(reg::ExternalIdentifier::TYPE_COURT_DOCKET_NUMBER);
    id->set_value(args.Get("docket"));
  }
  if (args.Has("state-number")) {
    reg::ExternalIdentifier* id = c->add_external_ids();
    id->set_type(reg::ExternalIdentifier::TYPE_STATE_SYSTEM_NUMBER);
    id->set_value(args.Get("state-number"));
  }
  if (args.Has("opened")) {
    absl::StatusOr<absl::Time> opened = ParseTime("opened", args.Get("opened"), absl::Now());
    if (!opened.ok()) return opened.status();
    *c->mutable_open_time() = ToProtoTime(*opened);
  }
  // A case without a child is the server's to refuse: it names the field.
  for (const std::string& text : args.GetAll("child")) {
    absl::StatusOr<reg::CaseSubject> child = ParseChild(text, c->lead_agency());
    if (!child.ok()) return child.status();
    *c->add_subjects() = *std::move(child);
  }
  for (const std::string& text : args.GetAll("caregiver")) {
    absl::StatusOr<reg::CaseSubject> adult = ParseCaregiver(text);
    if (!adult.ok()) return adult.status();
    *c->add_subjects() = *std::move(adult);
  }
  reg::Case created;
  if (absl::Status s = Call(invocation, &RegistryStub::CreateCase, request, &created); !s.ok()) {
    return s;
  }
  return invocation.out().Print(created, CaseDetails(created));
}

absl::Status CaseList(Invocation& invocation, const ParsedArgs& args) {
  reg::ListCasesRequest request;
  request.set_lead_agency(OrganizationName(args.Get("lead-agency")));
  request.set_person(PersonName(args.Get("person")));
  request.set_needs_reassignment(args.Has("needs-reassignment"));
  request.set_case_number(args.Get("number"));
  if (args.Has("state")) {
    absl::StatusOr<reg::Case::State> state =
        ParseWord<reg::Case::State>("--state", args.Get("state"), "STATE_", "a case state");
    if (!state.ok()) return state.status();
    request.set_state(*state);
  }
  if (absl::Status s = SetPaging(args, &request); !s.ok()) return s;
  absl::StatusOr<reg::ListCasesResponse> cases =
      Pages(invocation, request, &RegistryStub::ListCases, &reg::ListCasesResponse::mutable_cases,
            args.Has("all"));
  if (!cases.ok()) return cases.status();
  std::string text;
  for (const reg::Case& c : cases->cases()) absl::StrAppend(&text, CaseLine(c), "\n");
  if (text.empty()) text = "(no cases)\n";
  if (!cases->next_page_token().empty()) {
    absl::StrAppend(&text, "(more: add --page-token ", cases->next_page_token(),
                    ", or --all for everything)\n");
  }
  return invocation.out().Print(*cases, text);
}

absl::Status CaseShow(Invocation& invocation, const ParsedArgs& args) {
  reg::GetCaseRequest request;
  request.set_name(CaseName(args.positionals()[0]));
  reg::Case c;
  if (absl::Status s = Call(invocation, &RegistryStub::GetCase, request, &c); !s.ok()) return s;
  return invocation.out().Print(c, CaseDetails(c));
}

absl::Status CaseClose(Invocation& invocation, const ParsedArgs& args) {
  reg::CloseCaseRequest request;
  request.set_name(CaseName(args.positionals()[0]));
  absl::StatusOr<std::string> reason = Required(args, "reason");
  if (!reason.ok()) return reason.status();
  request.set_closing_reason(*reason);
  request.set_end_assignments(args.Has("end-assignments"));
  if (args.Has("at")) {
    absl::StatusOr<absl::Time> at = ParseTime("at", args.Get("at"), absl::Now());
    if (!at.ok()) return at.status();
    *request.mutable_close_time() = ToProtoTime(*at);
  }
  request.set_etag(args.Get("etag"));
  reg::Case closed;
  if (absl::Status s = Call(invocation, &RegistryStub::CloseCase, request, &closed); !s.ok()) {
    return s;
  }
  return invocation.out().Print(closed, CaseDetails(closed));
}

absl::Status CaseAssign(Invocation& invocation, const ParsedArgs& args) {
  reg::CreateAssignmentRequest request;
  const std::string case_name = CaseName(args.positionals()[0]);
  request.set_parent(case_name);
  request.set_assignment_id(args.Get("id"));
  reg::Assignment* a = request.mutable_assignment();
  absl::StatusOr<std::string> role = Required(args, "role");
  if (!role.ok()) return role.status();
  a->set_case_role(CaseRoleId(*role));
  if (args.Has("person") == args.Has("subject")) {
    return UsageError("give exactly one of --person PERSON and --subject SUBJECT_ID");
  }
  a->set_person(PersonName(args.Get("person")));
  a->set_subject(SubjectName(case_name, args.Get("subject")));
  a->set_primary(args.Has("primary"));
  a->set_responsibilities(args.Get("responsibilities"));
  if (args.Has("replaces")) {
    absl::StatusOr<std::string> predecessor =
        AssignmentName("--replaces", args.Get("replaces"), case_name);
    if (!predecessor.ok()) return predecessor.status();
    a->set_predecessor(*predecessor);
  }
  if (args.Has("start")) {
    absl::StatusOr<absl::Time> start = ParseTime("start", args.Get("start"), absl::Now());
    if (!start.ok()) return start.status();
    *a->mutable_start_time() = ToProtoTime(*start);
  }
  reg::Assignment created;
  if (absl::Status s = Call(invocation, &RegistryStub::CreateAssignment, request, &created);
      !s.ok()) {
    return s;
  }
  return invocation.out().Print(created, AssignmentDetails(created));
}

absl::Status CaseEnd(Invocation& invocation, const ParsedArgs& args) {
  reg::EndAssignmentRequest request;
  absl::StatusOr<std::string> name = AssignmentName("ASSIGNMENT", args.positionals()[0]);
  if (!name.ok()) return name.status();
  request.set_name(*name);
  absl::StatusOr<std::string> reason_text = Required(args, "reason");
  if (!reason_text.ok()) return reason_text.status();
  absl::StatusOr<reg::Assignment::EndReason> reason = ParseWord<reg::Assignment::EndReason>(
      "--reason", *reason_text, "END_REASON_", "an end reason");
  if (!reason.ok()) return reason.status();
  request.set_end_reason(*reason);
  request.set_end_details(args.Get("details"));
  if (args.Has("at")) {
    absl::StatusOr<absl::Time> at = ParseTime("at", args.Get("at"), absl::Now());
    if (!at.ok()) return at.status();
    *request.mutable_end_time() = ToProtoTime(*at);
  }
  request.set_etag(args.Get("etag"));
  reg::Assignment ended;
  if (absl::Status s = Call(invocation, &RegistryStub::EndAssignment, request, &ended); !s.ok()) {
    return s;
  }
  return invocation.out().Print(ended, AssignmentDetails(ended));
}

// Display names of people, looked up in the directory once each; a name
// that cannot be read is shown as it is.
class PeopleNames {
 public:
  explicit PeopleNames(Invocation* invocation) : invocation_(invocation) {}

  const dir::Person* Find(const std::string& name) {
    if (name.empty()) return nullptr;
    auto it = people_.find(name);
    if (it == people_.end()) {
      dir::GetPersonRequest request;
      request.set_name(name);
      dir::Person person;
      const bool ok = Call(*invocation_, &DirectoryStub::GetPerson, request, &person).ok();
      it = people_.emplace(name, ok ? std::optional<dir::Person>(person) : std::nullopt).first;
    }
    return it->second.has_value() ? &*it->second : nullptr;
  }

  // "Dana Cruz (people/dana)".
  std::string Label(const std::string& name) {
    const dir::Person* p = Find(name);
    return p == nullptr ? name : absl::StrCat(p->display_name(), " (", name, ")");
  }

 private:
  Invocation* invocation_;
  std::map<std::string, std::optional<dir::Person>> people_;
};

absl::Status CaseHistory(Invocation& invocation, const ParsedArgs& args) {
  const std::string case_name = CaseName(args.positionals()[0]);
  reg::ListAssignmentsRequest request;
  request.set_parent(case_name);
  request.set_case_role(CaseRoleId(args.Get("role")));
  request.set_person(PersonName(args.Get("person")));
  absl::StatusOr<reg::ListAssignmentsResponse> list =
      Pages(invocation, request, &RegistryStub::ListAssignments,
            &reg::ListAssignmentsResponse::mutable_assignments, /*all=*/true);
  if (!list.ok()) return list.status();
  if (invocation.out().json()) return invocation.out().Print(*list, "");

  // Subjects' names from the case; role names from the catalog.
  reg::Case c;
  {
    reg::GetCaseRequest get;
    get.set_name(case_name);
    Call(invocation, &RegistryStub::GetCase, get, &c).IgnoreError();
  }
  const Catalog catalog = LoadCatalog(invocation);
  PeopleNames people(&invocation);

  // By role (in reading order), then by start time.
  std::vector<const reg::Assignment*> sorted;
  int current = 0;
  for (const reg::Assignment& a : list->assignments()) {
    sorted.push_back(&a);
    if (a.state() == reg::Assignment::STATE_CURRENT) ++current;
  }
  std::stable_sort(sorted.begin(), sorted.end(), [&](const auto* x, const auto* y) {
    const int rx = catalog.Rank(x->case_role()), ry = catalog.Rank(y->case_role());
    if (rx != ry) return rx < ry;
    if (x->case_role() != y->case_role()) return x->case_role() < y->case_role();
    return FromProtoTime(x->start_time()) < FromProtoTime(y->start_time());
  });

  std::string text =
      absl::StrCat("History of ", case_name,
                   c.display_name().empty() ? "" : absl::StrCat(" (", c.display_name(), ")"), ": ",
                   sorted.size(), " assignments, ", current, " current\n");
  if (sorted.empty()) absl::StrAppend(&text, "(nobody has been assigned)\n");
  std::string role;
  for (const reg::Assignment* a : sorted) {
    if (a->case_role() != role) {
      role = a->case_role();
      absl::StrAppend(&text, "\n", catalog.Display(role), " (", role, ")\n");
    }
    const std::string who = !a->person().empty()
                                ? people.Label(a->person())
                                : absl::StrCat(SubjectDisplay(c, a->subject()), " (subject ",
                                               LastSegment(a->subject()), ")");
    std::vector<std::string> tags;
    if (a->primary()) tags.push_back("primary");
    if (a->interim()) tags.push_back("interim");
    tags.push_back(StateWord(a->state()));
    absl::StrAppend(&text, "  ", LastSegment(a->name()), "  ", who, "  [",
                    absl::StrJoin(tags, ", "), "]\n");
    std::string span = absl::StrCat("from ", TimeOf(a->start_time()));
    if (a->has_end_time()) {
      absl::StrAppend(&span, a->state() == reg::Assignment::STATE_ENDED ? " to " : ", ends ",
                      TimeOf(a->end_time()));
    }
    absl::StrAppend(&text, "      ", span, "\n");
    if (a->end_reason() != reg::Assignment::END_REASON_UNSPECIFIED) {
      std::string ended = absl::StrCat("      ended: ", Word(a->end_reason(), "END_REASON_"));
      if (!a->end_details().empty()) absl::StrAppend(&ended, " (", a->end_details(), ")");
      if (!a->ended_by().empty()) absl::StrAppend(&ended, ", by ", a->ended_by());
      absl::StrAppend(&text, ended, "\n");
    }
    if (!a->predecessor().empty()) {
      absl::StrAppend(&text, "      took over from ", LastSegment(a->predecessor()), "\n");
    }
    if (!a->successor().empty()) {
      absl::StrAppend(&text, "      succeeded by ", LastSegment(a->successor()), "\n");
    }
    if (!a->responsibilities().empty()) {
      absl::StrAppend(&text, "      responsibilities: ", a->responsibilities(), "\n");
    }
  }
  return invocation.out().Print(*list, text);
}

absl::Status CaseCaseload(Invocation& invocation, const ParsedArgs& args) {
  reg::ListCaseloadRequest request;
  request.set_person(PersonName(args.positionals()[0]));
  absl::StatusOr<reg::ListCaseloadResponse> load =
      Pages(invocation, request, &RegistryStub::ListCaseload,
            &reg::ListCaseloadResponse::mutable_entries, /*all=*/true);
  if (!load.ok()) return load.status();
  std::map<int, int> by_complexity;
  for (const reg::CaseloadEntry& e : load->entries()) ++by_complexity[e.complexity()];
  std::vector<std::string> counts;
  for (auto it = by_complexity.rbegin(); it != by_complexity.rend(); ++it) {
    counts.push_back(absl::StrCat(
        it->second, " ",
        it->first == 0 ? "not assessed"
                       : Word(static_cast<reg::Case::Complexity>(it->first), "COMPLEXITY_")));
  }
  const int total = std::max(load->total_size(), load->entries_size());
  std::string text =
      absl::StrCat(request.person(), ": ", total, " open case", total == 1 ? "" : "s");
  if (!counts.empty()) absl::StrAppend(&text, " (", absl::StrJoin(counts, ", "), ")");
  absl::StrAppend(&text, "\n");
  for (const reg::CaseloadEntry& e : load->entries()) {
    std::string line = absl::StrCat("  ", e.case_(), "  ", e.case_number());
    if (!e.display_name().empty()) absl::StrAppend(&line, "  ", e.display_name());
    absl::StrAppend(&line, "  complexity ",
                    e.complexity() == reg::Case::COMPLEXITY_UNSPECIFIED
                        ? "not assessed"
                        : Word(e.complexity(), "COMPLEXITY_"));
    absl::StrAppend(&line, "  ", absl::StrJoin(e.case_roles(), ", "),
                    e.primary() ? " (primary)" : "");
    if (e.has_start_time()) absl::StrAppend(&line, "  since ", DayOf(e.start_time()));
    if (e.needs_reassignment()) absl::StrAppend(&line, "  [needs reassignment]");
    absl::StrAppend(&text, line, "\n");
  }
  return invocation.out().Print(*load, text);
}

absl::Status CaseRoles(Invocation& invocation, const ParsedArgs& args) {
  (void)args;
  absl::StatusOr<reg::ListCaseRolesResponse> roles = AllCaseRoles(invocation);
  if (!roles.ok()) return roles.status();
  std::string text;
  for (const reg::CaseRole& role : roles->case_roles()) {
    std::vector<std::string> about = {role.kind() == reg::CaseRole::KIND_FAMILY ? "family"
                                                                                : "professional"};
    if (role.treating_team()) about.push_back("treating team");
    if (!role.built_in()) about.push_back("added");
    absl::StrAppend(&text, CaseRoleId(role.name()), "  ", role.display_name(), "  (",
                    absl::StrJoin(about, ", "), ")");
    if (!role.description().empty()) absl::StrAppend(&text, "  ", role.description());
    absl::StrAppend(&text, "\n");
  }
  if (text.empty()) text = "(no case roles)\n";
  return invocation.out().Print(*roles, text);
}

// --- who is who ---

std::string AvailabilityText(const dir::Availability& a) {
  if (a.available_now()) return "available now";
  std::string text;
  switch (a.reason()) {
    case dir::Availability::REASON_OUT_OF_OFFICE:
      text = "out of office";
      break;
    case dir::Availability::REASON_OUTSIDE_WORKING_HOURS:
      text = "outside working hours";
      break;
    case dir::Availability::REASON_DEPARTED:
      text = "has left";
      break;
    default:
      text = "not available now";
  }
  if (a.has_until_time()) absl::StrAppend(&text, " until ", WhenOf(a.until_time()));
  if (!a.covered_by().empty()) {
    absl::StrAppend(
        &text, ", covered by ",
        a.covered_by_display_name().empty() ? a.covered_by() : a.covered_by_display_name());
    const std::string contact = MainContactText(a.covered_by_contact_points());
    if (!contact.empty()) absl::StrAppend(&text, " (", contact, ")");
  }
  return text;
}

std::string MemberText(const dir::RosterEntry& m, const reg::Case& c) {
  std::string text = absl::StrCat("  ", m.display_name().empty() ? m.person() : m.display_name());
  if (m.primary()) absl::StrAppend(&text, " (primary)");
  std::vector<std::string> about;
  if (!m.title().empty()) about.push_back(m.title());
  if (!m.organization().empty()) {
    about.push_back(m.organization_display_name().empty() ? m.organization()
                                                          : m.organization_display_name());
  }
  if (!m.subject().empty()) {
    for (const reg::CaseSubject& s : c.subjects()) {
      if (s.name() != m.subject()) continue;
      const std::string relationships = RelationshipsText(c, s);
      about.push_back(relationships.empty() ? "on the case" : relationships);
    }
    if (about.empty()) about.push_back("family member on the case");
  }
  if (!about.empty()) absl::StrAppend(&text, " — ", absl::StrJoin(about, ", "));
  absl::StrAppend(&text, "\n");

  // Preferred first, then the others in the order given.
  std::vector<const dir::ContactPoint*> contacts;
  for (const dir::ContactPoint& p : m.contact_points()) contacts.push_back(&p);
  std::stable_sort(contacts.begin(), contacts.end(),
                   [](const auto* a, const auto* b) { return a->preferred() && !b->preferred(); });
  for (const dir::ContactPoint* p : contacts) absl::StrAppend(&text, "    ", ContactText(*p), "\n");
  for (const dir::WithheldContact& w : m.withheld_contacts()) {
    absl::StrAppend(&text, "    (", ChannelPhrase(w.channel()), " withheld: ", w.reason(), ")\n");
  }
  if (m.contact_points().empty() && m.withheld_contacts().empty()) {
    absl::StrAppend(&text, "    (no contact details on record)\n");
  }
  absl::StrAppend(&text, "    ", AvailabilityText(m.availability()), "\n");
  if (!m.responsibilities().empty()) {
    absl::StrAppend(&text, "    responsibilities: ", m.responsibilities(), "\n");
  }
  if (m.has_start_time())
    absl::StrAppend(&text, "    on the case since ", DayOf(m.start_time()), "\n");
  return text;
}

absl::Status WhoIsWho(Invocation& invocation, const ParsedArgs& args) {
  dir::WhoIsWhoRequest request;
  request.set_case_(CaseName(args.positionals()[0]));
  dir::WhoIsWhoResponse roster;
  if (absl::Status s = Call(invocation, &DirectoryStub::WhoIsWho, request, &roster); !s.ok()) {
    return s;
  }
  if (invocation.out().json()) return invocation.out().Print(roster, "");

  // For people: the case (title, subjects, vacancies with their interim
  // contacts) and role names. Both are best effort: the roster stands alone.
  reg::Case c;
  {
    reg::GetCaseRequest get;
    get.set_name(request.case_());
    Call(invocation, &RegistryStub::GetCase, get, &c).IgnoreError();
  }
  const Catalog catalog = LoadCatalog(invocation);

  std::string text = absl::StrCat("Who is who on ", roster.case_());
  if (!c.display_name().empty()) absl::StrAppend(&text, " — ", c.display_name());
  if (!c.case_number().empty()) absl::StrAppend(&text, " (case ", c.case_number(), ")");
  absl::StrAppend(&text, "\n");
  if (roster.has_as_of_time()) absl::StrAppend(&text, "as of ", WhenOf(roster.as_of_time()), "\n");
  if (c.state() == reg::Case::STATE_CLOSED) absl::StrAppend(&text, "This case is closed.\n");

  // Members grouped by role in reading order, primary first within a role.
  std::vector<const dir::RosterEntry*> members;
  for (const dir::RosterEntry& m : roster.members()) members.push_back(&m);
  std::stable_sort(members.begin(), members.end(), [&](const auto* x, const auto* y) {
    const int rx = catalog.Rank(x->case_role()), ry = catalog.Rank(y->case_role());
    if (rx != ry) return rx < ry;
    if (x->case_role() != y->case_role()) return x->case_role() < y->case_role();
    return x->primary() && !y->primary();
  });
  if (members.empty()) absl::StrAppend(&text, "\n(nobody is on the team now)\n");
  std::string role;
  for (const dir::RosterEntry* m : members) {
    if (m->case_role() != role) {
      role = m->case_role();
      absl::StrAppend(&text, "\n", catalog.Display(role), "\n");
    }
    absl::StrAppend(&text, MemberText(*m, c));
  }

  // Vacant roles, with who covers meanwhile.
  std::set<std::string> vacant(roster.vacant_roles().begin(), roster.vacant_roles().end());
  if (!vacant.empty()) {
    absl::StrAppend(&text, "\nVacant roles\n");
    PeopleNames people(&invocation);
    for (const std::string& vacant_role : vacant) {
      std::string line = absl::StrCat("  ", catalog.Display(vacant_role));
      const reg::Vacancy* vacancy = nullptr;
      for (const reg::Vacancy& v : c.vacancies()) {
        if (v.case_role() == vacant_role) vacancy = &v;
      }
      if (vacancy != nullptr && vacancy->has_since_time()) {
        absl::StrAppend(&line, " — vacant since ", DayOf(vacancy->since_time()));
      }
      if (vacancy == nullptr || vacancy->interim_contact().empty()) {
        absl::StrAppend(&line, "; no interim contact known");
      } else {
        // The interim contact, from the roster when they are on it.
        const std::string& who = vacancy->interim_contact();
        std::string name = who;
        std::string contact;
        const dir::RosterEntry* on_team = nullptr;
        for (const dir::RosterEntry& m : roster.members()) {
          if (m.person() == who) on_team = &m;
        }
        if (on_team != nullptr) {
          name = on_team->display_name();
          contact = MainContactText(on_team->contact_points());
        } else if (const dir::Person* p = people.Find(who)) {
          name = p->display_name();
          contact = MainContactText(p->contact_points());
        }
        absl::StrAppend(&line, "; interim contact: ", name);
        if (!contact.empty()) absl::StrAppend(&line, " (", contact, ")");
      }
      absl::StrAppend(&text, line, "\n");
    }
  }

  // Who held roles before, most recent first.
  if (!roster.previous_holders().empty()) {
    absl::StrAppend(&text, "\nPreviously on this case\n");
    std::map<std::string, std::string> org_names;
    for (const dir::RosterEntry& m : roster.members()) {
      if (!m.organization_display_name().empty()) {
        org_names[m.organization()] = m.organization_display_name();
      }
    }
    for (const dir::PreviousHolder& h : roster.previous_holders()) {
      std::string line = absl::StrCat("  ", catalog.Display(h.case_role()), ": ",
                                      h.display_name().empty() ? h.person() : h.display_name());
      if (!h.organization().empty()) {
        auto it = org_names.find(h.organization());
        if (it == org_names.end()) {
          dir::GetOrganizationRequest get;
          get.set_name(h.organization());
          dir::Organization org;
          const bool ok = Call(invocation, &DirectoryStub::GetOrganization, get, &org).ok();
          it =
              org_names.emplace(h.organization(), ok ? org.display_name() : h.organization()).first;
        }
        absl::StrAppend(&line, " (", it->second, ")");
      }
      absl::StrAppend(&line, ", ", DayOf(h.start_time()), " to ", DayOf(h.end_time()));
      if (!h.end_reason().empty()) absl::StrAppend(&line, ", ", EndReasonWord(h.end_reason()));
      absl::StrAppend(&text, line, "\n");
    }
  }
  return invocation.out().Print(roster, text);
}

}  // namespace

void AddCaseCommands(CommandTable* table) {
  const std::string relationships = Words<reg::SubjectRelationship::Type>("TYPE_");
  const std::string end_reasons = Words<reg::Assignment::EndReason>("END_REASON_");
  table->push_back(Command{
      .words = {"case", "create"},
      .synopsis =
          "--number N --lead-agency ORG --program SLUG [--id ID] [--name DISPLAY] "
          "[--complexity low|moderate|high|very-high] [--docket D] [--state-number S] "
          "[--opened RFC3339] --child \"ID:Display Name:YYYY-MM-DD[:CUSTODY]\"... "
          "[--caregiver \"ID:Display Name:RELATIONSHIP:CHILD_ID[,CHILD_ID...][:PERSON]\"]...",
      .summary = absl::StrCat(
          "Opens a case with its children and caregivers.\n"
          "  --child \"ID:Display Name:YYYY-MM-DD[:CUSTODY]\", e.g. "
          "\"leo:Leo Rivera:2017-04-09:agency\":\n"
          "    a child; ID is the subject id that --caregiver and `case assign --subject` use.\n"
          "    CUSTODY: ",
          Words<reg::CaseSubject::Custody>("CUSTODY_"),
          " (agency: the lead agency holds custody).\n"
          "  --caregiver \"ID:Display Name:RELATIONSHIP:CHILD_ID[,CHILD_ID...][:PERSON]\", e.g.\n"
          "    \"fiona:Fiona Hale:foster-parent:leo:people/fiona\": an adult related to the\n"
          "    children given by id; PERSON is their own SamePage account, if any.\n"
          "    RELATIONSHIP: ",
          relationships,
          ".\n"
          "  Display names may not contain ':'."),
      .flags = {{"number", "N"},
                {"lead-agency", "ORG"},
                {"program", "SLUG"},
                {"id", "ID"},
                {"name", "DISPLAY"},
                {"complexity", "LEVEL"},
                {"docket", "D"},
                {"state-number", "S"},
                {"opened", "TIME"},
                {"child", "ID:NAME:YYYY-MM-DD[:CUSTODY]", true},
                {"caregiver", "ID:NAME:RELATIONSHIP:CHILD_ID[:PERSON]", true}},
      .run = CaseCreate,
  });
  table->push_back(Command{
      .words = {"case", "list"},
      .synopsis = "[--lead-agency ORG] [--person PERSON] [--needs-reassignment] "
                  "[--state open|closed] [--number N] [--page-size N] [--page-token TOKEN] [--all]",
      .summary = "Lists the cases you may see, in name order.",
      .flags = PagingFlags({{"lead-agency", "ORG"},
                            {"person", "PERSON"},
                            {"needs-reassignment", ""},
                            {"state", "STATE"},
                            {"number", "N"}}),
      .run = CaseList,
  });
  table->push_back(Command{
      .words = {"case", "show"},
      .synopsis = "CASE",
      .summary = "Shows one case: subjects, state, vacancies (CASE: rivera or cases/rivera).",
      .min_positionals = 1,
      .max_positionals = 1,
      .run = CaseShow,
  });
  table->push_back(Command{
      .words = {"case", "close"},
      .synopsis = "CASE --reason R [--end-assignments] [--at RFC3339] [--etag ETAG]",
      .summary = "Closes an open case; --end-assignments ends every current assignment too.",
      .flags = {{"reason", "TEXT"}, {"end-assignments", ""}, {"at", "TIME"}, {"etag", "ETAG"}},
      .min_positionals = 1,
      .max_positionals = 1,
      .run = CaseClose,
  });
  table->push_back(Command{
      .words = {"case", "assign"},
      .synopsis = "CASE --role ROLE (--person PERSON | --subject SUBJECT_ID) [--primary] "
                  "[--responsibilities TEXT] [--replaces ASSIGNMENT] [--start RFC3339] [--id ID]",
      .summary = "Adds a member to the case team (`case roles` lists ROLE); --replaces hands the "
                 "role over from a current holder (ASSIGNMENT: its id, CASE/ID or full name).",
      .flags = {{"role", "ROLE"},
                {"person", "PERSON"},
                {"subject", "SUBJECT_ID"},
                {"primary", ""},
                {"responsibilities", "TEXT"},
                {"replaces", "ASSIGNMENT"},
                {"start", "TIME"},
                {"id", "ID"}},
      .min_positionals = 1,
      .max_positionals = 1,
      .run = CaseAssign,
  });
  table->push_back(Command{
      .words = {"case", "end"},
      .synopsis = "ASSIGNMENT --reason REASON [--details D] [--at RFC3339] [--etag ETAG]",
      .summary = absl::StrCat("Ends an assignment; it stays in the history (ASSIGNMENT: "
                              "CASE/ID or cases/CASE/assignments/ID). REASON: ",
                              end_reasons, "; other needs --details."),
      .flags = {{"reason", "REASON"}, {"details", "TEXT"}, {"at", "TIME"}, {"etag", "ETAG"}},
      .min_positionals = 1,
      .max_positionals = 1,
      .run = CaseEnd,
  });
  table->push_back(Command{
      .words = {"case", "history"},
      .synopsis = "CASE [--role ROLE] [--person PERSON]",
      .summary = "Every assignment of the case, current and ended, with dates, end reasons, "
                 "predecessors and successors.",
      .flags = {{"role", "ROLE"}, {"person", "PERSON"}},
      .min_positionals = 1,
      .max_positionals = 1,
      .run = CaseHistory,
  });
  table->push_back(Command{
      .words = {"case", "caseload"},
      .synopsis = "PERSON",
      .summary = "A person's open cases with their complexity.",
      .min_positionals = 1,
      .max_positionals = 1,
      .run = CaseCaseload,
  });
  table->push_back(Command{
      .words = {"case", "roles"},
      .synopsis = "",
      .summary = "Lists the case-role catalog.",
      .run = CaseRoles,
  });
  table->push_back(Command{
      .words = {"who-is-who"},
      .synopsis = "CASE",
      .summary = "Who is on a case team: role, organisation, how to reach them, whether they are "
                 "available and who covers; vacant roles; who held each role before.",
      .min_positionals = 1,
      .max_positionals = 1,
      .run = WhoIsWho,
  });
}

}  // namespace samepage::cli
