#include "cli/sharing_commands.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "cli/calls.h"
#include "cli/enum_words.h"
#include "cli/flag_values.h"
#include "common/clock/time_util.h"
#include "google/protobuf/generated_enum_reflection.h"
#include "samepage/directory/v1/directory_service.grpc.pb.h"
#include "samepage/registry/v1/registry_service.grpc.pb.h"
#include "samepage/sharing/v1/sharing_service.grpc.pb.h"

namespace samepage::cli {
namespace {

namespace sh = ::samepage::sharing::v1;
namespace reg = ::samepage::registry::v1;
namespace dir = ::samepage::directory::v1;
using SharingStub = sh::Sharing::Stub;
using RegistryStub = reg::CaseRegistry::Stub;
using DirectoryStub = dir::Directory::Stub;

// --- calls ---

absl::StatusOr<std::vector<std::string>> RequiredAll(const ParsedArgs &args,
                                                     absl::string_view flag) {
  std::vector<std::string> values = args.GetAll(flag);
  if (values.empty()) return UsageError(absl::StrCat("--", flag, " is required (at least one)"));
  return values;
}

// --- names ---

std::string CaseName(absl::string_view v) { return ExpandName("cases", v); }
std::string ConsentName(absl::string_view v) { return ExpandName("consents", v); }
std::string CourtOrderName(absl::string_view v) { return ExpandName("courtOrders", v); }
std::string RequestName(absl::string_view v) { return ExpandName("informationRequests", v); }

// A subject of `case_name`: "bea" -> "cases/rivera/subjects/bea".
std::string SubjectName(absl::string_view case_name, absl::string_view v) {
  if (v.empty() || absl::StrContains(v, '/')) return std::string(v);
  return absl::StrCat(case_name, "/subjects/", v);
}

// "rivera/bea" or "cases/rivera/subjects/bea".
absl::StatusOr<std::string> CaseSubjectName(absl::string_view flag, absl::string_view v) {
  if (absl::StartsWith(v, "cases/")) return std::string(v);
  std::vector<absl::string_view> parts = absl::StrSplit(v, '/');
  if (parts.size() == 2 && !parts[0].empty() && !parts[1].empty()) {
    return absl::StrCat("cases/", parts[0], "/subjects/", parts[1]);
  }
  return UsageError(absl::StrCat("--", flag, ": \"", v,
                                 "\" is not a subject: give CASE/SUBJECT_ID (rivera/bea) or "
                                 "cases/CASE/subjects/SUBJECT_ID"));
}

// "therapist", "roles/therapist" or "caseRoles/therapist" -> "therapist".
std::string CaseRoleId(absl::string_view v) {
  if (!absl::ConsumePrefix(&v, "caseRoles/")) absl::ConsumePrefix(&v, "roles/");
  return std::string(v);
}

std::string CategoryId(absl::string_view v) {
  absl::ConsumePrefix(&v, "categories/");
  return std::string(v);
}

std::string LastSegment(absl::string_view name) {
  const size_t slash = name.rfind('/');
  return std::string(slash == absl::string_view::npos ? name : name.substr(slash + 1));
}

// --- enum words ---

absl::StatusOr<sh::Purpose> ParsePurpose(absl::string_view flag, absl::string_view text) {
  return ParseWord<sh::Purpose>(absl::StrCat("--", flag), text, "PURPOSE_", "a purpose");
}

// --- values ---

absl::StatusOr<absl::Time> TimeFlag(const ParsedArgs &args, absl::string_view flag) {
  return ParseTime(flag, args.Get(flag), absl::Now());
}

// "+5d", "+36h", "+2d12h", "+90m", or an RFC 3339 time.
absl::StatusOr<absl::Time> ParseDue(absl::string_view flag, absl::string_view text,
                                    absl::Time now) {
  if (!absl::StartsWith(text, "+")) return ParseTime(flag, text, now);
  absl::string_view rest = text.substr(1);
  absl::Duration total = absl::ZeroDuration();
  bool any = false;
  while (!rest.empty()) {
    size_t digits = 0;
    while (digits < rest.size() && std::isdigit(static_cast<unsigned char>(rest[digits]))) {
      ++digits;
    }
    int64_t n = 0;
    if (digits == 0 || digits == rest.size() || digits > 6 ||
        !absl::SimpleAtoi(rest.substr(0, digits), &n)) {
      any = false;
      break;
    }
    switch (rest[digits]) {
      case 'd':
        total += absl::Hours(24 * n);
        break;
      case 'h':
        total += absl::Hours(n);
        break;
      case 'm':
        total += absl::Minutes(n);
        break;
      default:
        return UsageError(absl::StrCat("--", flag, ": \"", text,
                                       "\" is not a due time: give RFC 3339 or +5d, +36h, +2d12h"));
    }
    any = true;
    rest.remove_prefix(digits + 1);
  }
  if (!any) {
    return UsageError(absl::StrCat("--", flag, ": \"", text,
                                   "\" is not a due time: give RFC 3339 or +5d, +36h, +2d12h"));
  }
  return now + total;
}

// "person:dana", "org:harbor", "role:dependency-case-manager", each with an
// optional ":Display Name".
absl::StatusOr<sh::Party> ParseParty(absl::string_view flag, absl::string_view text) {
  std::vector<std::string> parts = absl::StrSplit(text, absl::MaxSplits(':', 2));
  sh::Party party;
  auto bad = [&]() {
    return UsageError(absl::StrCat("--", flag, ": \"", text,
                                   "\" is not a party: give person:PERSON, org:ORG or "
                                   "role:CASE_ROLE, optionally followed "
                                   "by :Display Name (e.g. person:dana, org:harbor, "
                                   "role:dependency-case-manager)"));
  };
  if (parts.size() < 2 || absl::StripAsciiWhitespace(parts[1]).empty()) return bad();
  const std::string kind = absl::AsciiStrToLower(absl::StripAsciiWhitespace(parts[0]));
  const std::string id(absl::StripAsciiWhitespace(parts[1]));
  if (kind == "person" || kind == "people") {
    party.set_person(PersonName(id));
  } else if (kind == "org" || kind == "organization" || kind == "organisation" ||
             kind == "organizations") {
    party.set_organization(OrganizationName(id));
  } else if (kind == "role" || kind == "case-role") {
    party.set_case_role(CaseRoleId(id));
  } else {
    return bad();
  }
  if (parts.size() == 3) party.set_display_name(std::string(absl::StripAsciiWhitespace(parts[2])));
  return party;
}

absl::StatusOr<std::vector<sh::Party>> PartiesFlag(const ParsedArgs &args, absl::string_view flag) {
  absl::StatusOr<std::vector<std::string>> texts = RequiredAll(args, flag);
  if (!texts.ok()) return texts.status();
  std::vector<sh::Party> parties;
  for (const std::string &text : *texts) {
    absl::StatusOr<sh::Party> party = ParseParty(flag, text);
    if (!party.ok()) return party.status();
    parties.push_back(*std::move(party));
  }
  return parties;
}

// The Part 2 elements file: "key: value" lines, keys as the fields of
// Part2Elements (patient_name or patient-name); '#' starts a comment line; a
// line starting with whitespace continues the previous value.
absl::StatusOr<sh::Part2Elements> ReadPart2File(absl::string_view flag, const std::string &path) {
  std::ifstream in(path);
  if (!in) return UsageError(absl::StrCat("--", flag, ": cannot read \"", path, "\""));
  sh::Part2Elements elements;
  const google::protobuf::Descriptor *d = elements.GetDescriptor();
  const google::protobuf::Reflection *r = elements.GetReflection();
  std::vector<std::string> keys;
  for (int i = 0; i < d->field_count(); ++i) keys.push_back(d->field(i)->name());
  std::set<std::string> seen;
  const google::protobuf::FieldDescriptor *last = nullptr;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    absl::string_view stripped = absl::StripAsciiWhitespace(line);
    if (stripped.empty() || absl::StartsWith(stripped, "#")) continue;
    const std::string where = absl::StrCat("--", flag, ": ", path, " line ", number, ": ");
    if (std::isspace(static_cast<unsigned char>(line[0]))) {
      if (last == nullptr) return UsageError(absl::StrCat(where, "a continuation with no key"));
      std::string value = r->GetString(elements, last);
      absl::StrAppend(&value, value.empty() ? "" : " ", stripped);
      r->SetString(&elements, last, value);
      continue;
    }
    const size_t colon = stripped.find(':');
    if (colon == absl::string_view::npos) {
      return UsageError(absl::StrCat(where, "expected \"key: value\""));
    }
    const std::string key = absl::StrReplaceAll(
        absl::AsciiStrToLower(absl::StripAsciiWhitespace(stripped.substr(0, colon))),
        {{"-", "_"}, {" ", "_"}});
    const google::protobuf::FieldDescriptor *field = d->FindFieldByName(key);
    if (field == nullptr) {
      return UsageError(
          absl::StrCat(where, "unknown key \"", key, "\" (keys: ", absl::StrJoin(keys, ", "), ")"));
    }
    if (!seen.insert(key).second) {
      return UsageError(absl::StrCat(where, "\"", key, "\" given twice"));
    }
    r->SetString(&elements, field,
                 std::string(absl::StripAsciiWhitespace(stripped.substr(colon + 1))));
    last = field;
  }
  return elements;
}

// --- text ---

std::string TimeOf(const google::protobuf::Timestamp &t) { return TimeText(FromProtoTime(t)); }

std::string WhenOf(const google::protobuf::Timestamp &t) {
  return absl::FormatTime("%a %Y-%m-%d %H:%M UTC", FromProtoTime(t), absl::UTCTimeZone());
}

void AddField(std::string *text, absl::string_view label, absl::string_view value) {
  if (value.empty()) return;
  std::string padded = absl::StrCat("  ", label, label.empty() ? "" : ":");
  padded.resize(std::max<size_t>(padded.size() + 1, 22), ' ');
  absl::StrAppend(text, padded, value, "\n");
}

void AddFields(std::string *text, absl::string_view label, const std::vector<std::string> &values) {
  for (size_t i = 0; i < values.size(); ++i) AddField(text, i == 0 ? label : "", values[i]);
}

std::string PartyText(const sh::Party &p) {
  std::string text;
  switch (p.party_case()) {
    case sh::Party::kPerson:
      text = p.person();
      break;
    case sh::Party::kOrganization:
      text = p.organization();
      break;
    case sh::Party::kCaseRole:
      text = absl::StrCat("whoever holds ", p.case_role());
      break;
    default:
      text = "(nobody)";
  }
  if (!p.display_name().empty()) absl::StrAppend(&text, " \"", p.display_name(), "\"");
  return text;
}

template <typename Parties>
std::vector<std::string> PartyTexts(const Parties &parties) {
  std::vector<std::string> out;
  for (const sh::Party &p : parties) out.push_back(PartyText(p));
  return out;
}

template <typename Purposes>
std::string PurposesText(const Purposes &purposes) {
  std::vector<std::string> words;
  for (int p : purposes) words.push_back(Phrase(static_cast<sh::Purpose>(p), "PURPOSE_"));
  return absl::StrJoin(words, ", ");
}

std::string BasisText(sh::AccessBasis basis, const std::string &resource) {
  std::string text = Phrase(basis, "ACCESS_BASIS_");
  if (!resource.empty()) absl::StrAppend(&text, " ", resource);
  return text;
}

std::string ConsenterText(const sh::Consenter &c) {
  std::vector<std::string> who;
  if (!c.subject().empty()) who.push_back(c.subject());
  if (!c.person().empty()) who.push_back(c.person());
  if (!c.organization().empty()) who.push_back(c.organization());
  std::string text = c.display_name();
  if (!who.empty()) absl::StrAppend(&text, " (", absl::StrJoin(who, ", "), ")");
  absl::StrAppend(&text, ", as ", Phrase(c.authority(), "AUTHORITY_"));
  return text;
}

std::string ConsentExpiry(const sh::ConsentDirective &c) {
  std::vector<std::string> parts;
  if (c.has_expire_time()) parts.push_back(TimeOf(c.expire_time()));
  if (c.expiration_event() != sh::ConsentDirective::EXPIRATION_EVENT_UNSPECIFIED) {
    std::string event = absl::StrCat("when ", Phrase(c.expiration_event(), "EXPIRATION_EVENT_"));
    if (c.expiration_event() == sh::ConsentDirective::EXPIRATION_EVENT_CASE_CLOSED) {
      event = "when the case closes";
    }
    if (!c.expiration_event_description().empty()) {
      absl::StrAppend(&event, " (", c.expiration_event_description(), ")");
    }
    parts.push_back(event);
  }
  return absl::StrJoin(parts, ", or ");
}

std::string ConsentLine(const sh::ConsentDirective &c) {
  std::string line = absl::StrCat(c.name(), "  [", Word(c.state(), "STATE_"), "]  about ",
                                  c.subject(), "  ", absl::StrJoin(c.categories(), ","), " to ",
                                  absl::StrJoin(PartyTexts(c.recipients()), "; "), "  for ",
                                  PurposesText(c.purposes()));
  const std::string expiry = ConsentExpiry(c);
  if (!expiry.empty()) absl::StrAppend(&line, "  expires ", expiry);
  if (c.has_revocation()) absl::StrAppend(&line, "  revoked by ", c.revocation().revoked_by());
  return line;
}

std::string Part2Text(const sh::Part2Elements &e) {
  std::string text;
  const google::protobuf::Descriptor *d = e.GetDescriptor();
  const google::protobuf::Reflection *r = e.GetReflection();
  for (int i = 0; i < d->field_count(); ++i) {
    const std::string value = r->GetString(e, d->field(i));
    if (!value.empty()) absl::StrAppend(&text, "    ", d->field(i)->name(), ": ", value, "\n");
  }
  return text;
}

std::string ConsentDetails(const sh::ConsentDirective &c) {
  std::string text = absl::StrCat(c.name(), "  [", Word(c.state(), "STATE_"), "]\n");
  AddField(&text, "case", c.case_());
  AddField(&text, "subject", c.subject());
  AddField(&text, "consenter", ConsenterText(c.consenter()));
  AddFields(&text, "disclosers", PartyTexts(c.disclosers()));
  AddFields(&text, "recipients", PartyTexts(c.recipients()));
  AddField(&text, "categories", absl::StrJoin(c.categories(), ", "));
  AddField(&text, "purposes", PurposesText(c.purposes()));
  AddField(&text, "purpose (form)", c.purpose_description());
  AddField(&text, "information", c.information_description());
  if (c.has_start_time()) AddField(&text, "starts", TimeOf(c.start_time()));
  AddField(&text, "expires", ConsentExpiry(c));
  if (c.has_expiration_event_time()) {
    AddField(&text, "expiry event seen", TimeOf(c.expiration_event_time()));
  }
  if (c.has_signed_form()) {
    std::string signed_text =
        absl::StrCat(c.signed_form().signer_name(), " at ", TimeOf(c.signed_form().sign_time()));
    if (!c.signed_form().reference().empty()) {
      absl::StrAppend(&signed_text, ", form ", c.signed_form().reference());
    }
    AddField(&text, "signed by", signed_text);
  }
  AddField(&text, "told of right to revoke", c.right_to_revoke_acknowledged() ? "yes" : "no");
  if (c.has_part2_elements()) {
    absl::StrAppend(&text, "  42 CFR Part 2 elements:\n", Part2Text(c.part2_elements()));
  }
  if (c.has_revocation()) {
    const sh::Revocation &r = c.revocation();
    std::string revoked = absl::StrCat("by ", r.revoked_by(), " at ", TimeOf(r.revoke_time()));
    if (!r.reason().empty()) absl::StrAppend(&revoked, ": ", r.reason());
    if (!r.recorded_by().empty()) absl::StrAppend(&revoked, " (recorded by ", r.recorded_by(), ")");
    if (!r.reference().empty()) absl::StrAppend(&revoked, ", written revocation ", r.reference());
    AddField(&text, "revoked", revoked);
  }
  AddField(&text, "creator", c.creator());
  if (c.has_create_time()) AddField(&text, "created", TimeOf(c.create_time()));
  if (c.has_update_time()) AddField(&text, "updated", TimeOf(c.update_time()));
  AddField(&text, "etag", c.etag());
  return text;
}

std::string CourtOrderLine(const sh::CourtOrder &o) {
  std::string line =
      absl::StrCat(o.name(), "  [", Word(o.state(), "STATE_"), "]  ", o.court(), " docket ",
                   o.docket_number(), "  ", absl::StrJoin(o.categories(), ","), " to ",
                   absl::StrJoin(PartyTexts(o.recipients()), "; "));
  if (o.has_expire_time()) absl::StrAppend(&line, "  expires ", TimeOf(o.expire_time()));
  return line;
}

std::string CourtOrderDetails(const sh::CourtOrder &o) {
  std::string text = absl::StrCat(o.name(), "  [", Word(o.state(), "STATE_"), "]\n");
  AddField(&text, "case", o.case_());
  AddField(&text, "subjects",
           o.subjects().empty() ? "every subject of the case" : absl::StrJoin(o.subjects(), ", "));
  AddField(&text, "court", o.court());
  AddField(&text, "docket", o.docket_number());
  AddField(&text, "judge", o.judge());
  if (o.has_order_time()) AddField(&text, "ordered", TimeOf(o.order_time()));
  AddField(&text, "categories", absl::StrJoin(o.categories(), ", "));
  AddFields(&text, "recipients", PartyTexts(o.recipients()));
  AddField(&text, "purposes",
           o.purposes().empty() ? "court proceedings" : PurposesText(o.purposes()));
  AddField(&text, "description", o.description());
  if (o.has_start_time()) AddField(&text, "starts", TimeOf(o.start_time()));
  AddField(&text, "expires",
           o.has_expire_time() ? TimeOf(o.expire_time()) : "when the case closes");
  if (o.part2_findings()) AddField(&text, "42 CFR 2.64 findings", "yes");
  AddField(&text, "reference", o.reference());
  AddField(&text, "creator", o.creator());
  if (o.has_create_time()) AddField(&text, "created", TimeOf(o.create_time()));
  AddField(&text, "etag", o.etag());
  return text;
}

std::string RequestStateWord(sh::InformationRequest::State s) { return Word(s, "STATE_"); }

std::string RequestLine(const sh::InformationRequest &r) {
  std::string line = absl::StrCat(r.name(), "  [", RequestStateWord(r.state()), "]");
  if (r.urgent()) absl::StrAppend(&line, " [urgent]");
  absl::StrAppend(&line, "  due ", TimeOf(r.due_time()), "  ", r.requester(), " -> ",
                  PartyText(r.recipient()));
  absl::StrAppend(&line, "  \"", r.summary(), "\"  (", r.case_(), ")");
  return line;
}

std::string RequestDetails(const sh::InformationRequest &r) {
  std::string text = absl::StrCat(r.name(), "  [", RequestStateWord(r.state()), "]\n");
  AddField(&text, "case", r.case_());
  AddField(&text, "subject", r.subject());
  AddField(&text, "summary", r.summary());
  AddField(&text, "details", r.details());
  AddField(&text, "from", r.requester());
  AddField(&text, "to", PartyText(r.recipient()));
  AddField(&text, "waiting on", absl::StrJoin(r.recipient_people(), ", "));
  std::string purpose = Phrase(r.purpose(), "PURPOSE_");
  if (!r.purpose_description().empty())
    absl::StrAppend(&purpose, " (", r.purpose_description(), ")");
  AddField(&text, "purpose", purpose);
  AddField(&text, "categories", absl::StrJoin(r.categories(), ", "));
  AddField(&text, "due", TimeOf(r.due_time()));
  if (r.urgent()) AddField(&text, "urgent", r.urgent_reason().empty() ? "yes" : r.urgent_reason());
  if (!r.acknowledged_by().empty()) {
    AddField(&text, "acknowledged",
             absl::StrCat("by ", r.acknowledged_by(), " at ", TimeOf(r.acknowledge_time())));
  }
  if (r.has_fulfillment()) {
    const auto &f = r.fulfillment();
    std::string answered = absl::StrCat("with ", f.resource(), " by ", f.fulfilled_by(), " at ",
                                        TimeOf(f.fulfill_time()));
    if (!f.comment().empty()) absl::StrAppend(&answered, ": ", f.comment());
    AddField(&text, "fulfilled", answered);
  }
  if (!r.declined_by().empty() || !r.decline_reason().empty()) {
    AddField(&text, "declined",
             absl::StrCat("by ", r.declined_by(), " at ", TimeOf(r.decline_time()), ": ",
                          r.decline_reason()));
  }
  if (r.has_overdue_time()) AddField(&text, "overdue since", TimeOf(r.overdue_time()));
  if (!r.escalated_to().empty()) {
    AddField(&text, "escalated",
             absl::StrCat("to ", r.escalated_to(), " at ", TimeOf(r.escalate_time())));
  }
  if (r.has_create_time()) AddField(&text, "created", TimeOf(r.create_time()));
  if (r.has_update_time()) AddField(&text, "updated", TimeOf(r.update_time()));
  AddField(&text, "etag", r.etag());
  return text;
}

// --- consent ---

absl::Status ConsentCreate(Invocation &invocation, const ParsedArgs &args) {
  sh::CreateConsentRequest request;
  request.set_consent_id(args.Get("id"));
  sh::ConsentDirective *c = request.mutable_consent();
  absl::StatusOr<std::string> case_flag = RequiredNonEmpty(args, "case");
  if (!case_flag.ok()) return case_flag.status();
  const std::string case_name = CaseName(*case_flag);
  c->set_case_(case_name);
  absl::StatusOr<std::string> subject = RequiredNonEmpty(args, "subject");
  if (!subject.ok()) return subject.status();
  c->set_subject(SubjectName(case_name, *subject));

  sh::Consenter *consenter = c->mutable_consenter();
  absl::StatusOr<std::string> authority_text = RequiredNonEmpty(args, "consenter-authority");
  if (!authority_text.ok()) return authority_text.status();
  absl::StatusOr<sh::Consenter::Authority> authority = ParseWord<sh::Consenter::Authority>(
      "--consenter-authority", *authority_text, "AUTHORITY_", "a consenting authority");
  if (!authority.ok()) return authority.status();
  consenter->set_authority(*authority);
  const int who =
      args.Has("consenter-subject") + args.Has("consenter-person") + args.Has("consenter-org");
  if (who != 1) {
    return UsageError(
        "give exactly one of --consenter-subject SUBJECT_ID, "
        "--consenter-person PERSON and "
        "--consenter-org ORG");
  }
  consenter->set_subject(SubjectName(case_name, args.Get("consenter-subject")));
  consenter->set_person(PersonName(args.Get("consenter-person")));
  consenter->set_organization(OrganizationName(args.Get("consenter-org")));
  absl::StatusOr<std::string> consenter_name = RequiredNonEmpty(args, "consenter-name");
  if (!consenter_name.ok()) return consenter_name.status();
  consenter->set_display_name(*consenter_name);

  absl::StatusOr<std::vector<sh::Party>> disclosers = PartiesFlag(args, "discloser");
  if (!disclosers.ok()) return disclosers.status();
  for (sh::Party &p : *disclosers) *c->add_disclosers() = std::move(p);
  absl::StatusOr<std::vector<sh::Party>> recipients = PartiesFlag(args, "recipient");
  if (!recipients.ok()) return recipients.status();
  for (sh::Party &p : *recipients) *c->add_recipients() = std::move(p);
  absl::StatusOr<std::vector<std::string>> categories = RequiredAll(args, "category");
  if (!categories.ok()) return categories.status();
  for (const std::string &cat : *categories) c->add_categories(CategoryId(cat));
  absl::StatusOr<std::vector<std::string>> purposes = RequiredAll(args, "purpose");
  if (!purposes.ok()) return purposes.status();
  for (const std::string &text : *purposes) {
    absl::StatusOr<sh::Purpose> purpose = ParsePurpose("purpose", text);
    if (!purpose.ok()) return purpose.status();
    c->add_purposes(*purpose);
  }
  c->set_purpose_description(args.Get("purpose-description"));
  c->set_information_description(args.Get("information"));
  if (args.Has("starts")) {
    absl::StatusOr<absl::Time> t = TimeFlag(args, "starts");
    if (!t.ok()) return t.status();
    *c->mutable_start_time() = ToProtoTime(*t);
  }
  if (args.Has("expires")) {
    absl::StatusOr<absl::Time> t = TimeFlag(args, "expires");
    if (!t.ok()) return t.status();
    *c->mutable_expire_time() = ToProtoTime(*t);
  }
  if (args.Has("expires-on-case-close")) {
    c->set_expiration_event(sh::ConsentDirective::EXPIRATION_EVENT_CASE_CLOSED);
  }
  if (!args.Has("expires") && !args.Has("expires-on-case-close")) {
    return UsageError("give --expires RFC3339, --expires-on-case-close, or both");
  }
  absl::StatusOr<std::string> signed_by = RequiredNonEmpty(args, "signed-by");
  if (!signed_by.ok()) return signed_by.status();
  c->mutable_signed_form()->set_signer_name(*signed_by);
  absl::StatusOr<std::string> signed_at_text = RequiredNonEmpty(args, "signed-at");
  if (!signed_at_text.ok()) return signed_at_text.status();
  absl::StatusOr<absl::Time> signed_at = TimeFlag(args, "signed-at");
  if (!signed_at.ok()) return signed_at.status();
  *c->mutable_signed_form()->mutable_sign_time() = ToProtoTime(*signed_at);
  c->mutable_signed_form()->set_reference(args.Get("form-ref"));
  // Recording a signed consent states that the consenter was told of the
  // right to revoke (the forms SamePage accepts carry that statement).
  c->set_right_to_revoke_acknowledged(true);
  if (args.Has("part2-file")) {
    absl::StatusOr<sh::Part2Elements> elements =
        ReadPart2File("part2-file", args.Get("part2-file"));
    if (!elements.ok()) return elements.status();
    *c->mutable_part2_elements() = *std::move(elements);
  }
  sh::ConsentDirective created;
  if (absl::Status s = Call(invocation, &SharingStub::CreateConsent, request, &created); !s.ok()) {
    return s;
  }
  return invocation.out().Print(created, ConsentDetails(created));
}

absl::Status ConsentList(Invocation &invocation, const ParsedArgs &args) {
  sh::ListConsentsRequest request;
  if (!args.Has("case") && !args.Has("subject")) {
    return UsageError("give --case CASE (and optionally --subject SUBJECT_ID)");
  }
  const std::string case_name = CaseName(args.Get("case"));
  request.set_case_(case_name);
  if (args.Has("subject")) {
    if (case_name.empty()) {
      absl::StatusOr<std::string> subject = CaseSubjectName("subject", args.Get("subject"));
      if (!subject.ok()) return subject.status();
      request.set_subject(*subject);
    } else {
      request.set_subject(SubjectName(case_name, args.Get("subject")));
    }
  }
  if (args.Has("state")) {
    absl::StatusOr<sh::ConsentDirective::State> state = ParseWord<sh::ConsentDirective::State>(
        "--state", args.Get("state"), "STATE_", "a consent state");
    if (!state.ok()) return state.status();
    request.set_state(*state);
  }
  if (absl::Status s = SetPaging(args, &request); !s.ok()) return s;
  absl::StatusOr<sh::ListConsentsResponse> list =
      Pages(invocation, request, &SharingStub::ListConsents,
            &sh::ListConsentsResponse::mutable_consents, args.Has("all"));
  if (!list.ok()) return list.status();
  std::string text;
  for (const sh::ConsentDirective &c : list->consents())
    absl::StrAppend(&text, ConsentLine(c), "\n");
  if (list->consents().empty()) text = "No consent directives.\n";
  absl::StrAppend(&text, MoreNote(list->next_page_token()));
  return invocation.out().Print(*list, text);
}

absl::Status ConsentShow(Invocation &invocation, const ParsedArgs &args) {
  sh::GetConsentRequest request;
  request.set_name(ConsentName(args.positionals()[0]));
  sh::ConsentDirective c;
  if (absl::Status s = Call(invocation, &SharingStub::GetConsent, request, &c); !s.ok()) return s;
  return invocation.out().Print(c, ConsentDetails(c));
}

absl::Status ConsentRevoke(Invocation &invocation, const ParsedArgs &args) {
  sh::RevokeConsentRequest request;
  request.set_name(ConsentName(args.positionals()[0]));
  absl::StatusOr<std::string> by = RequiredNonEmpty(args, "by");
  if (!by.ok()) return by.status();
  request.set_revoked_by(*by);
  request.set_reason(args.Get("reason"));
  request.set_reference(args.Get("reference"));
  request.set_etag(args.Get("etag"));
  sh::ConsentDirective c;
  if (absl::Status s = Call(invocation, &SharingStub::RevokeConsent, request, &c); !s.ok()) {
    return s;
  }
  return invocation.out().Print(c, ConsentDetails(c));
}

// --- court orders ---

absl::Status CourtOrderCreate(Invocation &invocation, const ParsedArgs &args) {
  sh::CreateCourtOrderRequest request;
  request.set_court_order_id(args.Get("id"));
  sh::CourtOrder *o = request.mutable_court_order();
  absl::StatusOr<std::string> case_flag = RequiredNonEmpty(args, "case");
  if (!case_flag.ok()) return case_flag.status();
  const std::string case_name = CaseName(*case_flag);
  o->set_case_(case_name);
  for (const std::string &s : args.GetAll("subject")) o->add_subjects(SubjectName(case_name, s));
  absl::StatusOr<std::string> court = RequiredNonEmpty(args, "court");
  if (!court.ok()) return court.status();
  o->set_court(OrganizationName(*court));
  absl::StatusOr<std::string> docket = RequiredNonEmpty(args, "docket");
  if (!docket.ok()) return docket.status();
  o->set_docket_number(*docket);
  o->set_judge(args.Get("judge"));
  absl::StatusOr<std::string> ordered_text = RequiredNonEmpty(args, "ordered-at");
  if (!ordered_text.ok()) return ordered_text.status();
  absl::StatusOr<absl::Time> ordered = TimeFlag(args, "ordered-at");
  if (!ordered.ok()) return ordered.status();
  *o->mutable_order_time() = ToProtoTime(*ordered);
  absl::StatusOr<std::vector<std::string>> categories = RequiredAll(args, "category");
  if (!categories.ok()) return categories.status();
  for (const std::string &cat : *categories) o->add_categories(CategoryId(cat));
  absl::StatusOr<std::vector<sh::Party>> recipients = PartiesFlag(args, "recipient");
  if (!recipients.ok()) return recipients.status();
  for (sh::Party &p : *recipients) *o->add_recipients() = std::move(p);
  for (const std::string &text : args.GetAll("purpose")) {
    absl::StatusOr<sh::Purpose> purpose = ParsePurpose("purpose", text);
    if (!purpose.ok()) return purpose.status();
    o->add_purposes(*purpose);
  }
  o->set_description(args.Get("description"));
  if (args.Has("starts")) {
    absl::StatusOr<absl::Time> t = TimeFlag(args, "starts");
    if (!t.ok()) return t.status();
    *o->mutable_start_time() = ToProtoTime(*t);
  }
  if (args.Has("expires")) {
    absl::StatusOr<absl::Time> t = TimeFlag(args, "expires");
    if (!t.ok()) return t.status();
    *o->mutable_expire_time() = ToProtoTime(*t);
  }
  o->set_part2_findings(args.Has("part2-findings"));
  o->set_reference(args.Get("reference"));
  sh::CourtOrder created;
  if (absl::Status s = Call(invocation, &SharingStub::CreateCourtOrder, request, &created);
      !s.ok()) {
    return s;
  }
  return invocation.out().Print(created, CourtOrderDetails(created));
}

absl::Status CourtOrderList(Invocation &invocation, const ParsedArgs &args) {
  sh::ListCourtOrdersRequest request;
  absl::StatusOr<std::string> case_flag = RequiredNonEmpty(args, "case");
  if (!case_flag.ok()) return case_flag.status();
  request.set_case_(CaseName(*case_flag));
  if (args.Has("state")) {
    absl::StatusOr<sh::CourtOrder::State> state = ParseWord<sh::CourtOrder::State>(
        "--state", args.Get("state"), "STATE_", "a court order state");
    if (!state.ok()) return state.status();
    request.set_state(*state);
  }
  if (absl::Status s = SetPaging(args, &request); !s.ok()) return s;
  absl::StatusOr<sh::ListCourtOrdersResponse> list =
      Pages(invocation, request, &SharingStub::ListCourtOrders,
            &sh::ListCourtOrdersResponse::mutable_court_orders, args.Has("all"));
  if (!list.ok()) return list.status();
  std::string text;
  for (const sh::CourtOrder &o : list->court_orders()) {
    absl::StrAppend(&text, CourtOrderLine(o), "\n");
  }
  if (list->court_orders().empty()) text = "No court orders.\n";
  absl::StrAppend(&text, MoreNote(list->next_page_token()));
  return invocation.out().Print(*list, text);
}

absl::Status CourtOrderShow(Invocation &invocation, const ParsedArgs &args) {
  sh::GetCourtOrderRequest request;
  request.set_name(CourtOrderName(args.positionals()[0]));
  sh::CourtOrder o;
  if (absl::Status s = Call(invocation, &SharingStub::GetCourtOrder, request, &o); !s.ok()) {
    return s;
  }
  return invocation.out().Print(o, CourtOrderDetails(o));
}

// --- check ---

std::string OutcomeText(const sh::Consideration &c) {
  std::string text = absl::StrCat(c.resource(), ": ", Phrase(c.outcome(), "OUTCOME_"));
  if (c.has_time()) absl::StrAppend(&text, " (", TimeOf(c.time()), ")");
  if (!c.detail().empty()) absl::StrAppend(&text, " — ", c.detail());
  return text;
}

absl::Status Check(Invocation &invocation, const ParsedArgs &args) {
  sh::CheckAccessRequest request;
  absl::StatusOr<std::string> case_flag = RequiredNonEmpty(args, "case");
  if (!case_flag.ok()) return case_flag.status();
  const std::string case_name = CaseName(*case_flag);
  request.set_case_(case_name);
  request.set_subject(SubjectName(case_name, args.Get("subject")));
  absl::StatusOr<std::string> category = RequiredNonEmpty(args, "category");
  if (!category.ok()) return category.status();
  request.set_category(CategoryId(*category));
  absl::StatusOr<std::string> purpose_text = RequiredNonEmpty(args, "purpose");
  if (!purpose_text.ok()) return purpose_text.status();
  absl::StatusOr<sh::Purpose> purpose = ParsePurpose("purpose", *purpose_text);
  if (!purpose.ok()) return purpose.status();
  request.set_purpose(*purpose);
  request.set_requester(PersonName(args.Get("requester")));
  request.set_author(PersonName(args.Get("author")));
  request.set_resource(args.Get("resource"));
  request.set_explain(args.Has("explain"));
  request.set_record(args.Has("record"));
  sh::CheckAccessResponse response;
  if (absl::Status s = Call(invocation, &SharingStub::CheckAccess, request, &response); !s.ok()) {
    return s;
  }
  const bool permit = response.decision() == sh::CheckAccessResponse::DECISION_PERMIT;
  std::string text = permit ? "PERMIT\n" : "DENY\n";
  AddField(&text, "requester", request.requester().empty() ? "you" : request.requester());
  AddField(&text, "about", request.subject().empty() ? case_name : request.subject());
  AddField(&text, "category", request.category());
  AddField(&text, "purpose", Phrase(request.purpose(), "PURPOSE_"));
  if (permit) AddField(&text, "basis", BasisText(response.basis(), response.basis_resource()));
  if (response.has_decision_time()) AddField(&text, "decided at", TimeOf(response.decision_time()));
  if (!response.disclosure().empty()) {
    AddField(&text, "recorded as", response.disclosure());
  } else if (request.record() && permit) {
    AddField(&text, "recorded as", "not recorded (not a sensitive category, or the author)");
  }
  if (response.obligations_size() > 0) {
    absl::StrAppend(&text, "Obligations (must travel with the information):\n");
    for (const sh::Obligation &o : response.obligations()) {
      absl::StrAppend(&text, "--- ", Phrase(o.type(), "TYPE_"));
      if (!o.source().empty()) absl::StrAppend(&text, " (from ", o.source(), ")");
      absl::StrAppend(&text, "\n", o.text());
      if (!absl::EndsWith(o.text(), "\n")) absl::StrAppend(&text, "\n");
    }
    absl::StrAppend(&text, "---\n");
  }
  if (!response.explanation().empty()) {
    absl::StrAppend(&text, "Why: ", response.explanation(), "\n");
  }
  if (request.explain()) {
    if (response.considered().empty()) {
      absl::StrAppend(&text, "Considered: no consent directive or court order\n");
    } else {
      absl::StrAppend(&text, "Considered:\n");
      for (const sh::Consideration &c : response.considered()) {
        absl::StrAppend(&text, "  ", OutcomeText(c), "\n");
      }
    }
  }
  return invocation.out().Print(response, text);
}

// --- disclosures ---

// Display names looked up once each; a name that cannot be read is shown as
// it is.
class Names {
 public:
  explicit Names(Invocation *invocation) : invocation_(invocation) {}

  // "Dana Cruz (people/dana)" for people and organisations.
  std::string Label(const std::string &name, const std::string &known_display = "") {
    if (name.empty()) return "";
    std::string display = known_display;
    if (display.empty()) display = Lookup(name);
    return display.empty() || display == name ? name : absl::StrCat(display, " (", name, ")");
  }

  std::string Category(const std::string &id) {
    auto it = categories_.find(id);
    if (it == categories_.end()) {
      sh::GetCategoryRequest request;
      request.set_name(absl::StrCat("categories/", id));
      sh::Category category;
      const bool ok = Call(*invocation_, &SharingStub::GetCategory, request, &category).ok();
      it = categories_.emplace(id, ok ? category.display_name() : "").first;
    }
    return it->second.empty() ? id : absl::StrCat(it->second, " (", id, ")");
  }

  // The case, read once: for subject names.
  const reg::Case *CaseOf(const std::string &case_name) {
    auto it = cases_.find(case_name);
    if (it == cases_.end()) {
      reg::GetCaseRequest request;
      request.set_name(case_name);
      reg::Case c;
      const bool ok = Call(*invocation_, &RegistryStub::GetCase, request, &c).ok();
      it = cases_.emplace(case_name, ok ? std::optional<reg::Case>(c) : std::nullopt).first;
    }
    return it->second.has_value() ? &*it->second : nullptr;
  }

  std::string Subject(const std::string &subject) {
    const size_t at = subject.find("/subjects/");
    if (at == std::string::npos) return subject;
    const reg::Case *c = CaseOf(subject.substr(0, at));
    if (c != nullptr) {
      for (const reg::CaseSubject &s : c->subjects()) {
        if (s.name() == subject || LastSegment(s.name()) == LastSegment(subject)) {
          return absl::StrCat(s.display_name(), " (", subject, ")");
        }
      }
    }
    return subject;
  }

 private:
  std::string Lookup(const std::string &name) {
    auto it = names_.find(name);
    if (it != names_.end()) return it->second;
    std::string display;
    if (absl::StartsWith(name, "people/")) {
      dir::GetPersonRequest request;
      request.set_name(name);
      dir::Person p;
      if (Call(*invocation_, &DirectoryStub::GetPerson, request, &p).ok()) {
        display = p.display_name();
      }
    } else if (absl::StartsWith(name, "organizations/")) {
      dir::GetOrganizationRequest request;
      request.set_name(name);
      dir::Organization o;
      if (Call(*invocation_, &DirectoryStub::GetOrganization, request, &o).ok()) {
        display = o.display_name();
      }
    }
    names_.emplace(name, display);
    return display;
  }

  Invocation *invocation_;
  std::map<std::string, std::string> names_;
  std::map<std::string, std::string> categories_;
  std::map<std::string, std::optional<reg::Case>> cases_;
};

absl::Status Disclosures(Invocation &invocation, const ParsedArgs &args) {
  sh::ListDisclosuresRequest request;
  if (args.Has("case") == args.Has("subject")) {
    return UsageError("give exactly one of --case CASE and --subject CASE/SUBJECT_ID");
  }
  if (args.Has("case")) request.set_case_(CaseName(args.Get("case")));
  if (args.Has("subject")) {
    absl::StatusOr<std::string> subject = CaseSubjectName("subject", args.Get("subject"));
    if (!subject.ok()) return subject.status();
    request.set_subject(*subject);
  }
  const absl::Time printed = absl::Now();
  std::optional<absl::Time> from, to;
  if (args.Has("from")) {
    absl::StatusOr<absl::Time> t = ParseTime("from", args.Get("from"), printed);
    if (!t.ok()) return t.status();
    from = *t;
    *request.mutable_start_time() = ToProtoTime(*t);
  }
  if (args.Has("to")) {
    absl::StatusOr<absl::Time> t = ParseTime("to", args.Get("to"), printed);
    if (!t.ok()) return t.status();
    to = *t;
    *request.mutable_end_time() = ToProtoTime(*t);
  }
  if (from.has_value() && to.has_value() && *to <= *from) {
    return UsageError("--to must be after --from");
  }
  request.set_recipient(args.Get("recipient"));
  request.set_category(CategoryId(args.Get("category")));
  if (absl::Status s = SetPaging(args, &request); !s.ok()) return s;
  absl::StatusOr<sh::ListDisclosuresResponse> list =
      Pages(invocation, request, &SharingStub::ListDisclosures,
            &sh::ListDisclosuresResponse::mutable_disclosures, args.Has("all"));
  if (!list.ok()) return list.status();
  if (invocation.out().json()) return invocation.out().Print(*list, "");

  Names names(&invocation);
  std::string whose;
  if (!request.subject().empty()) {
    whose = names.Subject(request.subject());
  } else {
    const reg::Case *c = names.CaseOf(request.case_());
    whose = c == nullptr || c->display_name().empty()
                ? request.case_()
                : absl::StrCat(c->display_name(), " (", request.case_(), ")");
    absl::StrAppend(&whose, ", every subject");
  }
  std::string text = "ACCOUNTING OF DISCLOSURES\n";
  AddField(&text, "whose information", whose);
  AddField(&text, "period",
           absl::StrCat("from ", from.has_value() ? TimeText(*from) : "the first entry", " to ",
                        to.has_value() ? TimeText(*to) : "now"));
  AddField(&text, "printed at", TimeText(printed));
  AddField(&text, "entries",
           absl::StrCat(list->disclosures_size(),
                        list->next_page_token().empty() ? "" : " (more follow: use --all)"));
  if (list->disclosures().empty()) {
    absl::StrAppend(&text, "\nNo disclosures were recorded in this period.\n");
  }
  for (const sh::Disclosure &d : list->disclosures()) {
    const google::protobuf::Timestamp &when =
        d.has_disclose_time() ? d.disclose_time() : d.create_time();
    absl::StrAppend(&text, "\n#", d.sequence(), "  ", WhenOf(when), "\n");
    AddField(&text, "what", names.Category(d.category()));
    if (request.subject().empty()) AddField(&text, "about", names.Subject(d.subject()));
    AddField(&text, "item", d.resource());
    AddField(&text, "description", d.description());
    AddField(&text, "to", names.Label(d.recipient(), d.recipient_display_name()));
    AddField(&text, "by", d.discloser().empty() ? "not stated" : names.Label(d.discloser()));
    AddField(&text, "purpose", Phrase(d.purpose(), "PURPOSE_"));
    AddField(&text, "basis", BasisText(d.basis(), d.basis_resource()));
    AddField(&text, "recorded",
             absl::StrCat(TimeOf(d.create_time()),
                          d.recorded_by().empty() ? "" : absl::StrCat(" by ", d.recorded_by())));
    AddField(&text, "entry", d.name());
    AddField(&text, "chain", absl::StrCat("sequence ", d.sequence(), ", hash ", d.chain_hash()));
  }
  if (!list->next_page_token().empty()) {
    absl::StrAppend(&text, "\n", MoreNote(list->next_page_token()));
  }
  return invocation.out().Print(*list, text);
}

// --- requests ---

absl::Status RequestCreate(Invocation &invocation, const ParsedArgs &args) {
  sh::CreateInformationRequestRequest request;
  request.set_information_request_id(args.Get("id"));
  sh::InformationRequest *r = request.mutable_information_request();
  absl::StatusOr<std::string> case_flag = RequiredNonEmpty(args, "case");
  if (!case_flag.ok()) return case_flag.status();
  const std::string case_name = CaseName(*case_flag);
  r->set_case_(case_name);
  r->set_subject(SubjectName(case_name, args.Get("subject")));
  if (args.Has("to-person") == args.Has("to-role")) {
    return UsageError("give exactly one of --to-person PERSON and --to-role ROLE");
  }
  if (args.Has("to-person")) r->mutable_recipient()->set_person(PersonName(args.Get("to-person")));
  if (args.Has("to-role")) r->mutable_recipient()->set_case_role(CaseRoleId(args.Get("to-role")));
  absl::StatusOr<std::string> summary = RequiredNonEmpty(args, "summary");
  if (!summary.ok()) return summary.status();
  r->set_summary(*summary);
  r->set_details(args.Get("details"));
  absl::StatusOr<std::string> purpose_text = RequiredNonEmpty(args, "purpose");
  if (!purpose_text.ok()) return purpose_text.status();
  absl::StatusOr<sh::Purpose> purpose = ParsePurpose("purpose", *purpose_text);
  if (!purpose.ok()) return purpose.status();
  r->set_purpose(*purpose);
  r->set_purpose_description(args.Get("purpose-description"));
  absl::StatusOr<std::vector<std::string>> categories = RequiredAll(args, "category");
  if (!categories.ok()) return categories.status();
  for (const std::string &cat : *categories) r->add_categories(CategoryId(cat));
  absl::StatusOr<std::string> due_text = RequiredNonEmpty(args, "due");
  if (!due_text.ok()) return due_text.status();
  absl::StatusOr<absl::Time> due = ParseDue("due", *due_text, absl::Now());
  if (!due.ok()) return due.status();
  *r->mutable_due_time() = ToProtoTime(*due);
  if (args.Has("urgent")) {
    if (args.Get("urgent").empty()) return UsageError("--urgent: say why it is urgent");
    r->set_urgent(true);
    r->set_urgent_reason(args.Get("urgent"));
  }
  sh::InformationRequest created;
  if (absl::Status s = Call(invocation, &SharingStub::CreateInformationRequest, request, &created);
      !s.ok()) {
    return s;
  }
  return invocation.out().Print(created, RequestDetails(created));
}

absl::Status RequestList(Invocation &invocation, const ParsedArgs &args) {
  sh::ListInformationRequestsRequest request;
  const int views = args.Has("waiting-on-me") + args.Has("made-by-me");
  if (views > 1) return UsageError("give at most one of --waiting-on-me and --made-by-me");
  request.set_case_(CaseName(args.Get("case")));
  if (args.Has("made-by-me")) {
    request.set_view(sh::ListInformationRequestsRequest::VIEW_MADE_BY_ME);
  } else if (args.Has("waiting-on-me") || !args.Has("case")) {
    request.set_view(sh::ListInformationRequestsRequest::VIEW_WAITING_ON_ME);
  } else {
    request.set_view(sh::ListInformationRequestsRequest::VIEW_CASE);
  }
  request.set_person(PersonName(args.Get("person")));
  for (const std::string &text : args.GetAll("state")) {
    absl::StatusOr<sh::InformationRequest::State> state =
        ParseWord<sh::InformationRequest::State>("--state", text, "STATE_", "a request state");
    if (!state.ok()) return state.status();
    request.add_states(*state);
  }
  if (absl::Status s = SetPaging(args, &request); !s.ok()) return s;
  absl::StatusOr<sh::ListInformationRequestsResponse> list =
      Pages(invocation, request, &SharingStub::ListInformationRequests,
            &sh::ListInformationRequestsResponse::mutable_information_requests, args.Has("all"));
  if (!list.ok()) return list.status();
  std::string text;
  for (const sh::InformationRequest &r : list->information_requests()) {
    absl::StrAppend(&text, RequestLine(r), "\n");
  }
  if (list->information_requests().empty()) text = "No requests.\n";
  absl::StrAppend(&text, MoreNote(list->next_page_token()));
  return invocation.out().Print(*list, text);
}

absl::Status RequestShow(Invocation &invocation, const ParsedArgs &args) {
  sh::GetInformationRequestRequest request;
  request.set_name(RequestName(args.positionals()[0]));
  sh::InformationRequest r;
  if (absl::Status s = Call(invocation, &SharingStub::GetInformationRequest, request, &r);
      !s.ok()) {
    return s;
  }
  return invocation.out().Print(r, RequestDetails(r));
}

absl::Status RequestAck(Invocation &invocation, const ParsedArgs &args) {
  sh::AcknowledgeInformationRequestRequest request;
  request.set_name(RequestName(args.positionals()[0]));
  request.set_etag(args.Get("etag"));
  sh::InformationRequest r;
  if (absl::Status s = Call(invocation, &SharingStub::AcknowledgeInformationRequest, request, &r);
      !s.ok()) {
    return s;
  }
  return invocation.out().Print(r, RequestDetails(r));
}

absl::Status RequestFulfill(Invocation &invocation, const ParsedArgs &args) {
  sh::FulfillInformationRequestRequest request;
  request.set_name(RequestName(args.positionals()[0]));
  absl::StatusOr<std::string> with = RequiredNonEmpty(args, "with");
  if (!with.ok()) return with.status();
  request.mutable_fulfillment()->set_resource(*with);
  request.mutable_fulfillment()->set_comment(args.Get("comment"));
  request.set_etag(args.Get("etag"));
  sh::InformationRequest r;
  if (absl::Status s = Call(invocation, &SharingStub::FulfillInformationRequest, request, &r);
      !s.ok()) {
    return s;
  }
  return invocation.out().Print(r, RequestDetails(r));
}

absl::Status RequestDecline(Invocation &invocation, const ParsedArgs &args) {
  sh::DeclineInformationRequestRequest request;
  request.set_name(RequestName(args.positionals()[0]));
  absl::StatusOr<std::string> reason = RequiredNonEmpty(args, "reason");
  if (!reason.ok()) return reason.status();
  request.set_reason(*reason);
  request.set_etag(args.Get("etag"));
  sh::InformationRequest r;
  if (absl::Status s = Call(invocation, &SharingStub::DeclineInformationRequest, request, &r);
      !s.ok()) {
    return s;
  }
  return invocation.out().Print(r, RequestDetails(r));
}

std::string Part2Keys() {
  const google::protobuf::Descriptor *d = sh::Part2Elements::descriptor();
  std::vector<std::string> keys;
  for (int i = 0; i < d->field_count(); ++i) keys.push_back(d->field(i)->name());
  return absl::StrJoin(keys, ", ");
}

}  // namespace

void AddSharingCommands(CommandTable *table) {
  const std::string purposes = Words<sh::Purpose>("PURPOSE_");
  const std::string authorities = Words<sh::Consenter::Authority>("AUTHORITY_");
  constexpr char kParties[] =
      "  PARTY: person:PERSON, org:ORG or role:CASE_ROLE (whoever holds the "
      "role on the case),\n"
      "    optionally with :Display Name as on the form, e.g. person:dana, "
      "org:harbor,\n"
      "    role:dependency-case-manager.\n";
  table->push_back(Command{
      .words = {"consent", "create"},
      .synopsis = "--case CASE --subject SUBJECT_ID --consenter-authority AUTHORITY "
                  "(--consenter-subject SUBJECT_ID | --consenter-person PERSON | "
                  "--consenter-org ORG) "
                  "--consenter-name NAME --discloser PARTY... --recipient PARTY... "
                  "--category CAT... "
                  "--purpose PURPOSE... [--purpose-description TEXT] [--information "
                  "TEXT] "
                  "[--starts RFC3339] [--expires RFC3339] [--expires-on-case-close] "
                  "--signed-by NAME "
                  "--signed-at RFC3339 [--form-ref REF] [--part2-file FILE] [--id ID]",
      .summary = absl::StrCat("Records a signed consent directive (the consenter was told of the "
                              "right to revoke).\n",
                              "  AUTHORITY: ", authorities, ".\n", kParties,
                              "  PURPOSE: ", purposes, ".\n",
                              "  At least one of --expires and --expires-on-case-close.\n"
                              "  --part2-file FILE: the 42 CFR 2.31 elements, required when a "
                              "category is a Part 2\n"
                              "    category (substance-use-part2), as \"key: value\" lines; '#' "
                              "starts a comment,\n"
                              "    a line starting with a space continues the value above. Keys:\n "
                              "   ",
                              Part2Keys(),
                              "\n    (signer_authority only when the signer is not the patient). "
                              "E.g.\n"
                              "      patient_name: Bea Rivera\n"
                              "      disclosing_parties: New Leaf Recovery\n"
                              "      right_to_revoke_statement: I may revoke this consent in "
                              "writing at any time\n"
                              "        except to the extent that action has been taken on it."),
      .flags = {{"case", "CASE"},
                {"subject", "SUBJECT_ID"},
                {"consenter-authority", "AUTHORITY"},
                {"consenter-subject", "SUBJECT_ID"},
                {"consenter-person", "PERSON"},
                {"consenter-org", "ORG"},
                {"consenter-name", "NAME"},
                {"discloser", "PARTY", true},
                {"recipient", "PARTY", true},
                {"category", "CAT", true},
                {"purpose", "PURPOSE", true},
                {"purpose-description", "TEXT"},
                {"information", "TEXT"},
                {"starts", "TIME"},
                {"expires", "TIME"},
                {"expires-on-case-close", ""},
                {"signed-by", "NAME"},
                {"signed-at", "TIME"},
                {"form-ref", "REF"},
                {"part2-file", "FILE"},
                {"id", "ID"}},
      .run = ConsentCreate,
  });
  table->push_back(Command{
      .words = {"consent", "list"},
      .synopsis = "--case CASE [--subject SUBJECT_ID] [--state "
                  "active|pending|expired|revoked] "
                  "[--page-size N] [--page-token TOKEN] [--all]",
      .summary = "Lists a case's consent directives, newest first (--subject "
                 "alone takes "
                 "CASE/SUBJECT_ID).",
      .flags = PagingFlags({{"case", "CASE"}, {"subject", "SUBJECT"}, {"state", "STATE"}}),
      .run = ConsentList,
  });
  table->push_back(Command{
      .words = {"consent", "show"},
      .synopsis = "CONSENT",
      .summary = "Shows one consent directive, with its Part 2 elements and "
                 "any revocation "
                 "(CONSENT: its id or consents/ID).",
      .min_positionals = 1,
      .max_positionals = 1,
      .run = ConsentShow,
  });
  table->push_back(Command{
      .words = {"consent", "revoke"},
      .synopsis = "CONSENT --by NAME [--reason R] [--reference REF] [--etag ETAG]",
      .summary = "Revokes a consent directive: no check permits on it "
                 "afterwards; it is kept "
                 "with its revocation.",
      .flags = {{"by", "NAME"}, {"reason", "TEXT"}, {"reference", "REF"}, {"etag", "ETAG"}},
      .min_positionals = 1,
      .max_positionals = 1,
      .run = ConsentRevoke,
  });
  table->push_back(Command{
      .words = {"court-order", "create"},
      .synopsis = "--case CASE --court ORG --docket D --ordered-at RFC3339 "
                  "--category CAT... "
                  "--recipient PARTY... [--purpose PURPOSE]... [--subject "
                  "SUBJECT_ID]... "
                  "[--judge J] [--description TEXT] [--starts RFC3339] "
                  "[--expires RFC3339] "
                  "[--part2-findings] [--reference REF] [--id ID]",
      .summary = absl::StrCat("Records a court order authorising disclosure "
                              "(no --subject: every subject; no "
                              "--purpose: court proceedings; no --expires: "
                              "until the case closes).\n",
                              kParties, "  PURPOSE: ", purposes, "."),
      .flags = {{"case", "CASE"},
                {"court", "ORG"},
                {"docket", "D"},
                {"ordered-at", "TIME"},
                {"category", "CAT", true},
                {"recipient", "PARTY", true},
                {"purpose", "PURPOSE", true},
                {"subject", "SUBJECT_ID", true},
                {"judge", "NAME"},
                {"description", "TEXT"},
                {"starts", "TIME"},
                {"expires", "TIME"},
                {"part2-findings", ""},
                {"reference", "REF"},
                {"id", "ID"}},
      .run = CourtOrderCreate,
  });
  table->push_back(Command{
      .words = {"court-order", "list"},
      .synopsis = "--case CASE [--state active|pending|expired] [--page-size N] "
                  "[--page-token TOKEN] [--all]",
      .summary = "Lists a case's court orders, newest first.",
      .flags = PagingFlags({{"case", "CASE"}, {"state", "STATE"}}),
      .run = CourtOrderList,
  });
  table->push_back(Command{
      .words = {"court-order", "show"},
      .synopsis = "ORDER",
      .summary = "Shows one court order (ORDER: its id or courtOrders/ID).",
      .min_positionals = 1,
      .max_positionals = 1,
      .run = CourtOrderShow,
  });
  table->push_back(Command{
      .words = {"check"},
      .synopsis = "--case CASE [--subject SUBJECT_ID] --category CAT --purpose PURPOSE "
                  "[--requester PERSON] [--author PERSON] [--resource NAME] "
                  "[--explain] [--record]",
      .summary = absl::StrCat("Asks the decision point whether the requester "
                              "(default: you) may receive the "
                              "information: prints PERMIT or DENY, the basis, "
                              "the obligations verbatim, and with "
                              "--explain each consent and court order "
                              "considered. --record enters a permitted "
                              "sensitive disclosure in the accounting. Exits 0 "
                              "for both answers.\n  PURPOSE: ",
                              purposes, "."),
      .flags = {{"case", "CASE"},
                {"subject", "SUBJECT_ID"},
                {"category", "CAT"},
                {"purpose", "PURPOSE"},
                {"requester", "PERSON"},
                {"author", "PERSON"},
                {"resource", "NAME"},
                {"explain", ""},
                {"record", ""}},
      .run = Check,
  });
  table->push_back(Command{
      .words = {"disclosures"},
      .synopsis = "(--case CASE | --subject CASE/SUBJECT_ID) [--from RFC3339] "
                  "[--to RFC3339] "
                  "[--recipient NAME] [--category CAT] [--page-size N] "
                  "[--page-token TOKEN] "
                  "[--all]",
      .summary = "Prints the accounting of disclosures as the report a client "
                 "or guardian is "
                 "entitled to: whose information, the period, and each "
                 "disclosure (when, what, "
                 "to whom, by whom, purpose, basis, chain sequence); --json "
                 "for scripts.",
      .flags = PagingFlags({{"case", "CASE"},
                            {"subject", "CASE/SUBJECT_ID"},
                            {"from", "TIME"},
                            {"to", "TIME"},
                            {"recipient", "NAME"},
                            {"category", "CAT"}}),
      .run = Disclosures,
  });
  table->push_back(Command{
      .words = {"request", "create"},
      .synopsis = "--case CASE (--to-person PERSON | --to-role ROLE) --summary S "
                  "[--details D] "
                  "--purpose PURPOSE [--purpose-description TEXT] --category CAT... "
                  "--due RFC3339|+5d [--urgent REASON] [--subject SUBJECT_ID] [--id "
                  "ID]",
      .summary = absl::StrCat("Asks a person or case role on the case for "
                              "information by a due time (+5d, +36h, "
                              "+2d12h from now, or RFC 3339); a due time "
                              "inside the server's minimum lead time needs "
                              "--urgent with a reason.\n  PURPOSE: ",
                              purposes, "."),
      .flags = {{"case", "CASE"},
                {"to-person", "PERSON"},
                {"to-role", "ROLE"},
                {"summary", "TEXT"},
                {"details", "TEXT"},
                {"purpose", "PURPOSE"},
                {"purpose-description", "TEXT"},
                {"category", "CAT", true},
                {"due", "TIME"},
                {"urgent", "REASON"},
                {"subject", "SUBJECT_ID"},
                {"id", "ID"}},
      .run = RequestCreate,
  });
  table->push_back(Command{
      .words = {"request", "list"},
      .synopsis = "[--waiting-on-me | --made-by-me | --case CASE] [--person PERSON] "
                  "[--state STATE]... [--page-size N] [--page-token TOKEN] [--all]",
      .summary = absl::StrCat("Lists requests, earliest due first: waiting on you "
                              "(the default), made by you, or "
                              "(--case alone) every request of a case; --case with a "
                              "view narrows it. STATE: ",
                              Words<sh::InformationRequest::State>("STATE_"), "."),
      .flags = PagingFlags({{"waiting-on-me", ""},
                            {"made-by-me", ""},
                            {"case", "CASE"},
                            {"person", "PERSON"},
                            {"state", "STATE", true}}),
      .run = RequestList,
  });
  table->push_back(Command{
      .words = {"request", "show"},
      .synopsis = "REQUEST",
      .summary = "Shows one request (REQUEST: its id or informationRequests/ID).",
      .min_positionals = 1,
      .max_positionals = 1,
      .run = RequestShow,
  });
  table->push_back(Command{
      .words = {"request", "ack"},
      .synopsis = "REQUEST [--etag ETAG]",
      .summary = "Acknowledges a request waiting on you: seen and being worked on.",
      .flags = {{"etag", "ETAG"}},
      .min_positionals = 1,
      .max_positionals = 1,
      .run = RequestAck,
  });
  table->push_back(Command{
      .words = {"request", "fulfill"},
      .synopsis = "REQUEST --with RESOURCE [--comment C] [--etag ETAG]",
      .summary = "Answers a request with the note or document that answers it.",
      .flags = {{"with", "RESOURCE"}, {"comment", "TEXT"}, {"etag", "ETAG"}},
      .min_positionals = 1,
      .max_positionals = 1,
      .run = RequestFulfill,
  });
  table->push_back(Command{
      .words = {"request", "decline"},
      .synopsis = "REQUEST --reason R [--etag ETAG]",
      .summary = "Declines a request, saying why.",
      .flags = {{"reason", "TEXT"}, {"etag", "ETAG"}},
      .min_positionals = 1,
      .max_positionals = 1,
      .run = RequestDecline,
  });
}

}  // namespace samepage::cli
