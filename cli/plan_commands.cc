#include "cli/plan_commands.h"

#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
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
#include "google/protobuf/descriptor.h"
#include "google/protobuf/duration.pb.h"
#include "google/protobuf/generated_enum_reflection.h"
#include "google/protobuf/timestamp.pb.h"
#include "google/protobuf/util/json_util.h"
#include "samepage/caseplan/v1/caseplan_service.grpc.pb.h"
#include "samepage/directory/v1/directory_service.grpc.pb.h"
#include "samepage/registry/v1/registry_service.grpc.pb.h"
#include "samepage/sharing/v1/sharing_service.pb.h"

namespace samepage::cli {
namespace {

namespace cp = ::samepage::caseplan::v1;
namespace dir = ::samepage::directory::v1;
namespace reg = ::samepage::registry::v1;
namespace sh = ::samepage::sharing::v1;
using PlansStub = cp::CasePlans::Stub;

// --- calls ---

// A version number flag: a positive integer.
absl::StatusOr<int32_t> VersionFlag(const ParsedArgs& args, absl::string_view flag) {
  absl::StatusOr<int64_t> n = ParseCount(flag, args.Get(flag));
  if (!n.ok()) return n.status();
  if (*n < 1 || *n > 1000000000) {
    return UsageError(absl::StrCat("--", flag, ": give a version number from 1"));
  }
  return static_cast<int32_t>(*n);
}

absl::StatusOr<std::string> ReadTextFile(absl::string_view flag, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return UsageError(absl::StrCat("--", flag, ": cannot read \"", path, "\""));
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The text of --body or --body-file (exactly one).
absl::StatusOr<std::string> BodyFlag(const ParsedArgs& args) {
  if (args.Has("body") == args.Has("body-file")) {
    return UsageError("give the text with --body TEXT or --body-file FILE (one of them)");
  }
  std::string body;
  if (args.Has("body")) {
    body = args.Get("body");
  } else {
    absl::StatusOr<std::string> read = ReadTextFile("body-file", args.Get("body-file"));
    if (!read.ok()) return read.status();
    body = *std::move(read);
  }
  if (absl::StripAsciiWhitespace(body).empty()) return UsageError("the note's text is empty");
  return body;
}

// --- names ---

std::string CaseName(absl::string_view v) { return ExpandName("cases", v); }
std::string PlanName(absl::string_view case_arg) {
  std::string name = CaseName(case_arg);
  if (!absl::EndsWith(name, "/plan")) absl::StrAppend(&name, "/plan");
  return name;
}
std::string VersionName(const std::string& plan, int32_t number) {
  return absl::StrCat(plan, "/versions/", number);
}

// "rivera/n1" or "cases/rivera/notes/n1".
absl::StatusOr<std::string> NoteName(absl::string_view v) {
  if (absl::StartsWith(v, "cases/")) return std::string(v);
  std::vector<absl::string_view> parts = absl::StrSplit(v, '/');
  if (parts.size() == 2 && !parts[0].empty() && !parts[1].empty()) {
    return absl::StrCat("cases/", parts[0], "/notes/", parts[1]);
  }
  return UsageError(absl::StrCat("\"", v,
                                 "\" is not a note: give CASE/NOTE_ID (rivera/n1) or "
                                 "cases/CASE/notes/NOTE_ID"));
}

// "cases/rivera/notes/n1" -> "rivera/n1", as people type it.
std::string ShortNote(absl::string_view name) {
  std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  if (parts.size() == 4 && parts[0] == "cases" && parts[2] == "notes") {
    return absl::StrCat(parts[1], "/", parts[3]);
  }
  return std::string(name);
}

std::string SubjectName(absl::string_view case_name, absl::string_view v) {
  if (v.empty() || absl::StrContains(v, '/')) return std::string(v);
  return absl::StrCat(case_name, "/subjects/", v);
}

std::string LastSegment(absl::string_view name) {
  const size_t slash = name.rfind('/');
  return std::string(slash == absl::string_view::npos ? name : name.substr(slash + 1));
}

// --- enum words ---

// "court-proceedings" -> "PURPOSE_COURT_PROCEEDINGS", as the notes API takes it.
absl::StatusOr<std::string> PurposeFlag(const ParsedArgs& args) {
  if (!args.Has("purpose")) return std::string();
  absl::StatusOr<sh::Purpose> p =
      ParseWord<sh::Purpose>("--purpose", args.Get("purpose"), "PURPOSE_", "a purpose");
  if (!p.ok()) return p.status();
  return sh::Purpose_Name(*p);
}

std::string KindPhrase(cp::Note::Kind kind) {
  return Phrase(kind, "KIND_", "_NOTE") + (kind == cp::Note::KIND_PROGRESS_NOTE ||
                                                   kind == cp::Note::KIND_CONTACT_NOTE ||
                                                   kind == cp::Note::KIND_PSYCHOTHERAPY_NOTE
                                               ? " note"
                                               : "");
}

// "ACCESS_BASIS_CONSENT_DIRECTIVE" -> "consent directive".
std::string BasisPhrase(absl::string_view basis) {
  absl::ConsumePrefix(&basis, "ACCESS_BASIS_");
  return absl::StrReplaceAll(absl::AsciiStrToLower(basis), {{"_", " "}});
}

// --- values ---

std::string When(const google::protobuf::Timestamp& t) { return TimeText(FromProtoTime(t)); }
std::string Date(const google::protobuf::Timestamp& t) {
  return absl::FormatTime("%Y-%m-%d", FromProtoTime(t), absl::UTCTimeZone());
}

std::string DurationText(absl::Duration d) {
  if (d < absl::ZeroDuration()) d = -d;
  const int64_t hours = absl::ToInt64Hours(d);
  if (hours >= 48)
    return absl::StrCat(hours / 24, "d", hours % 24 == 0 ? "" : absl::StrCat(hours % 24, "h"));
  if (hours >= 1) return absl::StrCat(hours, "h");
  return absl::StrCat(absl::ToInt64Minutes(d), "m");
}

std::string ProtoDurationText(const google::protobuf::Duration& d) {
  return DurationText(absl::Seconds(d.seconds()) + absl::Nanoseconds(d.nanos()));
}

// Indents every line of `text` by `prefix`.
std::string Indent(absl::string_view text, absl::string_view prefix) {
  std::string out;
  for (absl::string_view line : absl::StrSplit(absl::StripTrailingAsciiWhitespace(text), '\n')) {
    absl::StrAppend(&out, prefix, line, "\n");
  }
  return out;
}

// Display names of the people and case subjects a plan or note mentions,
// looked up once each; a lookup that fails leaves the name as it is.
class Namer {
 public:
  Namer(Invocation& invocation, std::string case_name)
      : invocation_(invocation), case_name_(std::move(case_name)) {}

  // "Dana Cruz (dana)", "Leo Rivera", or the name itself.
  std::string Of(const std::string& name) {
    if (name.empty()) return "";
    if (absl::StartsWith(name, "people/")) {
      auto it = people_.find(name);
      if (it == people_.end()) {
        dir::GetPersonRequest request;
        request.set_name(name);
        dir::Person person;
        std::string text = LastSegment(name);
        if (Call(invocation_, &dir::Directory::Stub::GetPerson, request, &person).ok() &&
            !person.display_name().empty()) {
          text = absl::StrCat(person.display_name(), " (", LastSegment(name), ")");
        }
        it = people_.emplace(name, text).first;
      }
      return it->second;
    }
    if (absl::StrContains(name, "/subjects/")) {
      LoadCase();
      auto it = subjects_.find(name);
      return it != subjects_.end() ? it->second : LastSegment(name);
    }
    return name;
  }

  std::string Role(const std::string& role) { return absl::StrReplaceAll(role, {{"-", " "}}); }

 private:
  void LoadCase() {
    if (case_loaded_) return;
    case_loaded_ = true;
    reg::GetCaseRequest request;
    request.set_name(case_name_);
    reg::Case c;
    if (!Call(invocation_, &reg::CaseRegistry::Stub::GetCase, request, &c).ok()) return;
    for (const reg::CaseSubject& s : c.subjects()) {
      const std::string name =
          s.name().empty() ? absl::StrCat(case_name_, "/subjects/", s.subject_id()) : s.name();
      subjects_[name] = s.display_name().empty() ? LastSegment(name) : s.display_name();
    }
  }

  Invocation& invocation_;
  const std::string case_name_;
  bool case_loaded_ = false;
  std::map<std::string, std::string> people_;
  std::map<std::string, std::string> subjects_;
};

// The case of a plan or note name: "cases/rivera/plan/versions/3" -> "cases/rivera".
std::string CaseOf(absl::string_view name) {
  std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  if (parts.size() >= 2) return absl::StrCat(parts[0], "/", parts[1]);
  return std::string(name);
}

// "owner role (person)", whichever are set.
std::string OwnerText(Namer& namer, const std::string& role, const std::string& owner) {
  if (owner.empty()) return role.empty() ? "nobody named" : namer.Role(role);
  if (role.empty()) return namer.Of(owner);
  return absl::StrCat(namer.Of(owner), ", ", namer.Role(role));
}

// --- plans: text ---

bool TaskOpen(const cp::Task& t) {
  return t.status() != cp::Task::STATUS_DONE && t.status() != cp::Task::STATUS_CANCELLED;
}

std::string PlanVersionText(const cp::PlanVersion& v, int32_t current, Namer& namer) {
  std::string text =
      absl::StrCat("Case plan of ", CaseOf(v.name()), ", version ", v.version_number());
  if (current > 0) {
    absl::StrAppend(&text, v.version_number() == current
                               ? " (the current version)"
                               : absl::StrCat(" (the current version is ", current, ")"));
  }
  absl::StrAppend(&text, "\n");
  if (!v.program().empty()) absl::StrAppend(&text, "Program: ", v.program(), "\n");
  absl::StrAppend(&text, "\nFor the family:\n",
                  v.family_summary().empty() ? "  (no summary for the family yet)\n"
                                             : Indent(v.family_summary(), "  "));

  absl::StrAppend(&text, "\nGoals (", v.goals_size(), "):\n");
  std::map<std::string, std::string> goal_titles;
  for (const cp::Goal& g : v.goals()) {
    goal_titles[g.goal_id()] = g.title();
    absl::StrAppend(&text, "  * ", g.title(), "  [", Phrase(g.status(), "STATUS_"), "]\n");
    std::vector<std::string> details;
    if (g.subjects_size() > 0) {
      std::vector<std::string> whom;
      for (const std::string& s : g.subjects()) whom.push_back(namer.Of(s));
      details.push_back(absl::StrCat("for ", absl::StrJoin(whom, ", ")));
    }
    details.push_back(absl::StrCat("owner: ", OwnerText(namer, g.owner_role(), g.owner())));
    if (g.has_target_time()) details.push_back(absl::StrCat("target: ", Date(g.target_time())));
    details.push_back(absl::StrCat("id: ", g.goal_id()));
    absl::StrAppend(&text, "      ", absl::StrJoin(details, "; "), "\n");
    if (!g.description().empty()) absl::StrAppend(&text, Indent(g.description(), "      "));
  }

  absl::StrAppend(&text, "\nTasks (", v.tasks_size(), "):\n");
  const absl::Time now = absl::Now();
  for (const cp::Task& t : v.tasks()) {
    absl::StrAppend(&text, "  * ", t.title(), "  [", Phrase(t.status(), "STATUS_"), "]");
    if (TaskOpen(t) && t.has_due_time() && FromProtoTime(t.due_time()) < now) {
      absl::StrAppend(&text, "  OVERDUE");
    }
    absl::StrAppend(&text, "\n");
    std::vector<std::string> details;
    details.push_back(absl::StrCat("owner: ", OwnerText(namer, t.owner_role(), t.owner())));
    details.push_back(absl::StrCat("due: ", t.has_due_time() ? Date(t.due_time()) : "no date"));
    if (!t.goal_id().empty()) {
      auto it = goal_titles.find(t.goal_id());
      details.push_back(absl::StrCat("goal: ", it == goal_titles.end() ? t.goal_id() : it->second));
    }
    if (t.has_complete_time()) details.push_back(absl::StrCat("done: ", Date(t.complete_time())));
    details.push_back(absl::StrCat("id: ", t.task_id()));
    absl::StrAppend(&text, "      ", absl::StrJoin(details, "; "), "\n");
    if (!t.description().empty()) absl::StrAppend(&text, Indent(t.description(), "      "));
  }

  absl::StrAppend(&text, "\nRequired program steps (", v.required_steps_size(), "):\n");
  for (const cp::RequiredStep& s : v.required_steps()) {
    absl::StrAppend(&text, "  ", s.sequence() > 0 ? absl::StrCat(s.sequence(), ". ") : "* ",
                    s.title(), "  [", Phrase(s.status(), "STATUS_"), "]");
    if (s.status() == cp::RequiredStep::STATUS_PENDING && s.has_due_time() &&
        FromProtoTime(s.due_time()) < now) {
      absl::StrAppend(&text, "  OVERDUE");
    }
    absl::StrAppend(&text, "\n");
    std::vector<std::string> details;
    details.push_back(absl::StrCat("due: ", s.has_due_time() ? When(s.due_time()) : "?", " (",
                                   ProtoDurationText(s.time_limit()), " from the case's start)"));
    details.push_back(absl::StrCat("owner: ", OwnerText(namer, s.owner_role(), s.owner())));
    if (s.has_complete_time()) details.push_back(absl::StrCat("done: ", Date(s.complete_time())));
    details.push_back(absl::StrCat("id: ", s.step_id()));
    absl::StrAppend(&text, "      ", absl::StrJoin(details, "; "), "\n");
    if (!s.description().empty()) absl::StrAppend(&text, Indent(s.description(), "      "));
  }

  absl::StrAppend(&text, "\nPublished by ", namer.Of(v.publisher()), " on ", When(v.create_time()),
                  "\n");
  if (!v.change_summary().empty())
    absl::StrAppend(&text, "What changed: ", v.change_summary(), "\n");
  if (!v.etag().empty()) absl::StrAppend(&text, "Etag: ", v.etag(), "\n");
  return text;
}

std::string VersionLine(const cp::PlanVersion& v) {
  return absl::StrCat("v", v.version_number(), "  ", When(v.create_time()), "  by ",
                      LastSegment(v.publisher()), "  ", v.goals_size(), " goals, ", v.tasks_size(),
                      " tasks, ", v.required_steps_size(), " steps",
                      v.change_summary().empty() ? "" : absl::StrCat("  — ", v.change_summary()));
}

// One field of a goal, task or step, for diffs: "in progress", "2026-05-01T00:00:00Z".
std::string FieldValueText(const google::protobuf::Message& m, const std::string& field_name) {
  const google::protobuf::FieldDescriptor* f = m.GetDescriptor()->FindFieldByName(field_name);
  if (f == nullptr) return "?";
  const google::protobuf::Reflection* r = m.GetReflection();
  if (f->is_repeated()) {
    std::vector<std::string> values;
    for (int i = 0; i < r->FieldSize(m, f); ++i) {
      if (f->cpp_type() == google::protobuf::FieldDescriptor::CPPTYPE_STRING) {
        values.push_back(LastSegment(r->GetRepeatedString(m, f, i)));
      }
    }
    return values.empty() ? "(none)" : absl::StrJoin(values, ", ");
  }
  switch (f->cpp_type()) {
    case google::protobuf::FieldDescriptor::CPPTYPE_STRING: {
      std::string v = r->GetString(m, f);
      if (v.empty()) return "(none)";
      if (absl::StartsWith(v, "people/") || absl::StartsWith(v, "cases/")) return LastSegment(v);
      if (v.size() > 60) v = absl::StrCat(v.substr(0, 57), "...");
      return absl::StrCat("\"", v, "\"");
    }
    case google::protobuf::FieldDescriptor::CPPTYPE_ENUM: {
      std::string name = r->GetEnum(m, f)->name();
      absl::string_view n = name;
      absl::ConsumePrefix(&n, "STATUS_");
      return absl::StrReplaceAll(absl::AsciiStrToLower(n), {{"_", " "}});
    }
    case google::protobuf::FieldDescriptor::CPPTYPE_INT32:
      return absl::StrCat(r->GetInt32(m, f));
    case google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE: {
      if (!r->HasField(m, f)) return "(none)";
      const google::protobuf::Message& sub = r->GetMessage(m, f);
      if (const auto* t = dynamic_cast<const google::protobuf::Timestamp*>(&sub)) return When(*t);
      if (const auto* d = dynamic_cast<const google::protobuf::Duration*>(&sub)) {
        return ProtoDurationText(*d);
      }
      return sub.ShortDebugString();
    }
    default:
      return "?";
  }
}

template <typename Change, typename Item>
void AppendChanges(std::string* text, absl::string_view heading,
                   const google::protobuf::RepeatedPtrField<Change>& changes,
                   const std::string& (Change::*id)() const) {
  if (changes.empty()) return;
  absl::StrAppend(text, heading, ":\n");
  for (const Change& c : changes) {
    const Item& shown = c.change_type() == cp::CHANGE_TYPE_REMOVED ? c.before() : c.after();
    switch (c.change_type()) {
      case cp::CHANGE_TYPE_ADDED:
        absl::StrAppend(text, "  + added    ");
        break;
      case cp::CHANGE_TYPE_REMOVED:
        absl::StrAppend(text, "  - removed  ");
        break;
      default:
        absl::StrAppend(text, "  ~ changed  ");
        break;
    }
    absl::StrAppend(text, shown.title(), "  (", (c.*id)(), ")\n");
    if (c.change_type() == cp::CHANGE_TYPE_CHANGED) {
      for (const std::string& field : c.changed_fields()) {
        absl::StrAppend(text, "      ", absl::StrReplaceAll(field, {{"_", " "}}), ": ",
                        FieldValueText(c.before(), field), " -> ", FieldValueText(c.after(), field),
                        "\n");
      }
    } else {
      for (const char* field : {"status", "owner", "owner_role", "due_time", "target_time"}) {
        if (shown.GetDescriptor()->FindFieldByName(field) == nullptr) continue;
        const std::string value = FieldValueText(shown, field);
        if (value == "(none)") continue;
        absl::StrAppend(text, "      ", absl::StrReplaceAll(field, {{"_", " "}}), ": ", value,
                        "\n");
      }
    }
  }
}

std::string DiffText(const std::string& plan, const cp::DiffPlanVersionsResponse& d,
                     bool since_ack) {
  std::string text =
      absl::StrCat("Changes to ", plan, " from ",
                   d.base_version_number() == 0 ? std::string("an empty plan")
                                                : absl::StrCat("version ", d.base_version_number()),
                   " to version ", d.target_version_number());
  if (since_ack) {
    absl::StrAppend(&text, d.base_version_number() == 0 ? " (you have acknowledged no version yet)"
                                                        : " (the last version you acknowledged)");
  }
  absl::StrAppend(&text, ":\n");
  if (d.goal_changes().empty() && d.task_changes().empty() && d.required_step_changes().empty() &&
      !d.family_summary_changed()) {
    absl::StrAppend(&text, "No changes.\n");
    return text;
  }
  if (d.family_summary_changed()) absl::StrAppend(&text, "The family summary changed.\n");
  AppendChanges<cp::GoalChange, cp::Goal>(&text, "Goals", d.goal_changes(),
                                          &cp::GoalChange::goal_id);
  AppendChanges<cp::TaskChange, cp::Task>(&text, "Tasks", d.task_changes(),
                                          &cp::TaskChange::task_id);
  AppendChanges<cp::RequiredStepChange, cp::RequiredStep>(
      &text, "Required steps", d.required_step_changes(), &cp::RequiredStepChange::step_id);
  return text;
}

// A stale etag: the server's message, and what to do about it.
absl::Status Stale(const absl::Status& s, absl::string_view what, absl::string_view next) {
  if (s.code() != absl::StatusCode::kAborted) return s;
  return absl::AbortedError(
      absl::StrCat(s.message(), " (", what, " changed since its etag was read; ", next, ")"));
}

// --- plans: commands ---

absl::Status PlanShow(Invocation& invocation, const ParsedArgs& args) {
  const std::string plan = PlanName(args.positionals()[0]);
  Namer namer(invocation, CaseOf(plan));
  if (args.Has("version")) {
    absl::StatusOr<int32_t> n = VersionFlag(args, "version");
    if (!n.ok()) return n.status();
    cp::GetPlanVersionRequest request;
    request.set_name(VersionName(plan, *n));
    cp::PlanVersion v;
    if (absl::Status s = Call(invocation, &PlansStub::GetPlanVersion, request, &v); !s.ok()) {
      return s;
    }
    if (invocation.out().json()) return invocation.out().Print(v, "");
    // Which version is current, so an old one is not mistaken for it.
    cp::GetPlanRequest get;
    get.set_name(plan);
    cp::Plan current;
    int32_t current_number = 0;
    if (Call(invocation, &PlansStub::GetPlan, get, &current).ok()) {
      current_number = current.current_version_number();
    }
    return invocation.out().Print(v, PlanVersionText(v, current_number, namer));
  }
  cp::GetPlanRequest request;
  request.set_name(plan);
  cp::Plan p;
  if (absl::Status s = Call(invocation, &PlansStub::GetPlan, request, &p); !s.ok()) return s;
  return invocation.out().Print(
      p, invocation.out().json()
             ? ""
             : PlanVersionText(p.current_version(), p.current_version_number(), namer));
}

absl::Status PlanPublish(Invocation& invocation, const ParsedArgs& args) {
  const std::string plan = PlanName(args.positionals()[0]);
  absl::StatusOr<std::string> path = RequiredNonEmpty(args, "file");
  if (!path.ok()) return path.status();
  absl::StatusOr<std::string> json = ReadTextFile("file", *path);
  if (!json.ok()) return json.status();
  cp::PublishPlanVersionRequest request;
  request.set_parent(plan);
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  auto parsed =
      google::protobuf::util::JsonStringToMessage(*json, request.mutable_plan_version(), options);
  if (!parsed.ok()) {
    return UsageError(absl::StrCat(
        "--file: ", *path, " is not a plan version in JSON: ", std::string(parsed.message())));
  }
  bool read_etag = false;
  if (args.Has("etag")) {
    request.set_etag(args.Get("etag"));
  } else {
    cp::GetPlanRequest get;
    get.set_name(plan);
    cp::Plan current;
    absl::Status s = Call(invocation, &PlansStub::GetPlan, get, &current);
    if (s.ok()) {
      request.set_etag(current.etag());
      read_etag = true;
    } else if (s.code() != absl::StatusCode::kNotFound) {
      return s;
    }
  }
  cp::PlanVersion published;
  absl::Status s = Call(invocation, &PlansStub::PublishPlanVersion, request, &published);
  if (!s.ok()) {
    return Stale(
        s, "the plan",
        absl::StrCat("see `samepage plan diff ", args.positionals()[0], "`, then publish again",
                     read_etag ? "" : " without --etag or with the new one"));
  }
  std::string text =
      absl::StrCat("Published version ", published.version_number(), " of ", plan,
                   published.version_number() == 1 ? " (its first version)" : "", ".\n");
  if (read_etag)
    absl::StrAppend(&text, "(It replaces the version current when this command read it.)\n");
  absl::StrAppend(&text, "Etag: ", published.etag(), "\n");
  return invocation.out().Print(published, text);
}

absl::Status PlanVersions(Invocation& invocation, const ParsedArgs& args) {
  cp::ListPlanVersionsRequest request;
  request.set_parent(PlanName(args.positionals()[0]));
  if (absl::Status s = SetPaging(args, &request); !s.ok()) return s;
  absl::StatusOr<cp::ListPlanVersionsResponse> list =
      Pages(invocation, request, &PlansStub::ListPlanVersions,
            &cp::ListPlanVersionsResponse::mutable_plan_versions, args.Has("all"));
  if (!list.ok()) return list.status();
  std::string text;
  for (const cp::PlanVersion& v : list->plan_versions())
    absl::StrAppend(&text, VersionLine(v), "\n");
  if (list->plan_versions().empty()) text = "No versions.\n";
  absl::StrAppend(&text, MoreNote(list->next_page_token()));
  return invocation.out().Print(*list, text);
}

absl::Status PlanDiff(Invocation& invocation, const ParsedArgs& args) {
  cp::DiffPlanVersionsRequest request;
  request.set_plan(PlanName(args.positionals()[0]));
  const bool since_ack = args.Has("since-my-ack");
  if (since_ack && args.Has("from")) {
    return UsageError("--since-my-ack and --from both say where to start: give one");
  }
  request.set_since_last_acknowledged(since_ack);
  if (args.Has("from")) {
    absl::StatusOr<int64_t> n = ParseCount("from", args.Get("from"));
    if (!n.ok()) return n.status();
    if (*n > 1000000000) return UsageError("--from: too large");
    request.set_base_version_number(static_cast<int32_t>(*n));
  }
  if (args.Has("to")) {
    absl::StatusOr<int32_t> n = VersionFlag(args, "to");
    if (!n.ok()) return n.status();
    request.set_target_version_number(*n);
  }
  if (args.Has("from") && args.Has("to") &&
      request.base_version_number() >= request.target_version_number()) {
    return UsageError("--from must be an older version than --to");
  }
  cp::DiffPlanVersionsResponse diff;
  if (absl::Status s = Call(invocation, &PlansStub::DiffPlanVersions, request, &diff); !s.ok()) {
    return s;
  }
  return invocation.out().Print(diff, DiffText(request.plan(), diff, since_ack));
}

absl::Status PlanAck(Invocation& invocation, const ParsedArgs& args) {
  const std::string plan = PlanName(args.positionals()[0]);
  int32_t number = 0;
  if (args.Has("version")) {
    absl::StatusOr<int32_t> n = VersionFlag(args, "version");
    if (!n.ok()) return n.status();
    number = *n;
  } else {
    cp::GetPlanRequest get;
    get.set_name(plan);
    cp::Plan current;
    if (absl::Status s = Call(invocation, &PlansStub::GetPlan, get, &current); !s.ok()) return s;
    number = current.current_version_number();
  }
  cp::AcknowledgePlanVersionRequest request;
  request.set_name(VersionName(plan, number));
  cp::PlanAcknowledgement ack;
  if (absl::Status s = Call(invocation, &PlansStub::AcknowledgePlanVersion, request, &ack);
      !s.ok()) {
    return s;
  }
  return invocation.out().Print(
      ack, absl::StrCat("Acknowledged version ", ack.version_number(), " of ", plan, " as ",
                        ack.person(), " (", When(ack.create_time()), ").\n"));
}

absl::Status PlanAcks(Invocation& invocation, const ParsedArgs& args) {
  const std::string plan = PlanName(args.positionals()[0]);
  cp::ListPlanAcknowledgementsRequest request;
  request.set_parent(plan);
  if (args.Has("version")) {
    absl::StatusOr<int32_t> n = VersionFlag(args, "version");
    if (!n.ok()) return n.status();
    request.set_version_number(*n);
  }
  if (absl::Status s = SetPaging(args, &request); !s.ok()) return s;
  absl::StatusOr<cp::ListPlanAcknowledgementsResponse> list =
      Pages(invocation, request, &PlansStub::ListPlanAcknowledgements,
            &cp::ListPlanAcknowledgementsResponse::mutable_members, args.Has("all"));
  if (!list.ok()) return list.status();
  if (invocation.out().json()) return invocation.out().Print(*list, "");
  Namer namer(invocation, CaseOf(plan));
  std::string have, have_not;
  int acknowledged = 0;
  for (const cp::MemberAcknowledgement& m : list->members()) {
    std::vector<std::string> roles;
    for (const std::string& r : m.case_roles()) roles.push_back(namer.Role(r));
    std::string line = absl::StrCat("  ", namer.Of(m.person()), " — ", absl::StrJoin(roles, ", "));
    if (m.acknowledged()) {
      ++acknowledged;
      absl::StrAppend(&line, "; acknowledged version ", m.last_acknowledged_version_number(),
                      " on ", When(m.acknowledge_time()));
      absl::StrAppend(&have, line, "\n");
    } else {
      if (m.last_acknowledged_version_number() > 0) {
        absl::StrAppend(&line, "; last acknowledged version ",
                        m.last_acknowledged_version_number());
      }
      absl::StrAppend(&have_not, line, "\n");
    }
  }
  std::string text =
      absl::StrCat("Version ", list->version_number(), " of ", plan, ": ", acknowledged, " of ",
                   list->members_size(), " team members have acknowledged it.\n");
  absl::StrAppend(&text, "Not yet acknowledged:\n",
                  have_not.empty() ? "  (everyone has)\n" : have_not);
  absl::StrAppend(&text, "Acknowledged:\n", have.empty() ? "  (nobody yet)\n" : have);
  absl::StrAppend(&text, MoreNote(list->next_page_token()));
  return invocation.out().Print(*list, text);
}

absl::Status PlanOverdue(Invocation& invocation, const ParsedArgs& args) {
  if (!args.Has("case") && !args.Has("owner")) {
    return UsageError("give --case CASE or --owner PERSON");
  }
  cp::ListOverdueItemsRequest request;
  if (args.Has("case")) {
    if (args.Get("case").empty()) return UsageError("--case: give a case");
    request.set_case_(CaseName(args.Get("case")));
  }
  if (args.Has("owner")) {
    if (args.Get("owner").empty()) return UsageError("--owner: give a person");
    request.set_owner(PersonName(args.Get("owner")));
  }
  if (absl::Status s = SetPaging(args, &request); !s.ok()) return s;
  absl::StatusOr<cp::ListOverdueItemsResponse> list =
      Pages(invocation, request, &PlansStub::ListOverdueItems,
            &cp::ListOverdueItemsResponse::mutable_overdue_items, args.Has("all"));
  if (!list.ok()) return list.status();
  const absl::Time as_of = FromProtoTime(list->as_of_time());
  std::string text;
  if (list->overdue_items().empty()) {
    text = absl::StrCat("Nothing overdue as of ", When(list->as_of_time()), ".\n");
  } else {
    text = absl::StrCat(list->overdue_items_size(), " overdue as of ", When(list->as_of_time()),
                        ", longest overdue first:\n");
  }
  for (const cp::OverdueItem& item : list->overdue_items()) {
    const bool step = item.kind() == cp::OverdueItem::KIND_REQUIRED_STEP;
    std::vector<std::string> owner;
    if (!item.owner().empty()) owner.push_back(LastSegment(item.owner()));
    if (!item.owner_role().empty()) owner.push_back(item.owner_role());
    absl::StrAppend(&text, "  ", LastSegment(item.case_()), "  ", step ? "step" : "task", " ",
                    item.item_id(), "  \"", item.title(), "\"  due ", When(item.due_time()), " (",
                    DurationText(as_of - FromProtoTime(item.due_time())), " overdue)  owner: ",
                    owner.empty() ? "nobody named" : absl::StrJoin(owner, ", "), "  in version ",
                    LastSegment(item.version()), "\n");
  }
  absl::StrAppend(&text, MoreNote(list->next_page_token()));
  return invocation.out().Print(*list, text);
}

// --- notes: text ---

std::string ObligationsText(const cp::Note& n) {
  std::string text;
  for (const cp::Obligation& o : n.obligations()) {
    std::string heading;
    switch (o.type()) {
      case cp::Obligation::TYPE_REDISCLOSURE_NOTICE:
        heading = "NOTICE — show this with the note; do not redisclose";
        break;
      case cp::Obligation::TYPE_PURPOSE_LIMITATION:
        heading = "USE ONLY FOR THE PURPOSE ASKED FOR";
        break;
      default:
        heading = "OBLIGATION";
        break;
    }
    absl::StrAppend(&text, "!! ", heading,
                    o.source().empty() ? "" : absl::StrCat(" (", o.source(), ")"), "\n");
    if (!o.text().empty()) absl::StrAppend(&text, Indent(o.text(), "!!   "));
  }
  return text;
}

std::string NoteLine(const cp::Note& n) {
  std::string line =
      absl::StrCat(ShortNote(n.name()), "  ", When(n.create_time()), "  ", KindPhrase(n.kind()),
                   "  [", n.category(), "]  \"", n.title(), "\"  by ", LastSegment(n.author()));
  if (n.version_number() > 1) absl::StrAppend(&line, "  (amended, v", n.version_number(), ")");
  if (!n.obligations().empty()) absl::StrAppend(&line, "  !! see `note show` for its notice");
  return line;
}

std::string NoteDetails(const cp::Note& n, Namer& namer) {
  std::string text = absl::StrCat("Note ", n.name(), "\n");
  absl::StrAppend(&text, ObligationsText(n));
  absl::StrAppend(&text, "Title: ", n.title().empty() ? "(none)" : n.title(), "\n");
  absl::StrAppend(&text, "Kind: ", KindPhrase(n.kind()), "; category: ", n.category(), "\n");
  if (!n.subject().empty()) absl::StrAppend(&text, "About: ", namer.Of(n.subject()), "\n");
  absl::StrAppend(&text, "Author: ", namer.Of(n.author()), "; written ", When(n.create_time()),
                  "\n");
  if (n.has_occur_time()) absl::StrAppend(&text, "Happened: ", When(n.occur_time()), "\n");
  absl::StrAppend(&text, "Versions: ", n.version_number());
  if (n.version_number() > 1) {
    absl::StrAppend(&text, " (amended by ", namer.Of(n.amended_by()), " on ", When(n.update_time()),
                    ": ", n.amend_reason(), ")");
  }
  absl::StrAppend(&text, "\n");
  if (!n.answers_request().empty()) absl::StrAppend(&text, "Answers: ", n.answers_request(), "\n");
  absl::StrAppend(&text, "Access basis: ",
                  n.access_basis().empty() ? "(not stated)" : BasisPhrase(n.access_basis()));
  if (!n.disclosure().empty()) absl::StrAppend(&text, " (recorded as ", n.disclosure(), ")");
  absl::StrAppend(&text, "\n");
  if (!n.acknowledgements().empty()) {
    std::vector<std::string> read;
    for (const cp::NoteAcknowledgement& a : n.acknowledgements()) {
      read.push_back(absl::StrCat(LastSegment(a.person()), " (v", a.version_number(), ")"));
    }
    absl::StrAppend(&text, "Read by: ", absl::StrJoin(read, ", "), "\n");
  }
  absl::StrAppend(&text, "Etag: ", n.etag(), "\n");
  absl::StrAppend(&text, "\n", n.body());
  if (!absl::EndsWith(n.body(), "\n")) absl::StrAppend(&text, "\n");
  return text;
}

// --- notes: commands ---

absl::Status NoteAdd(Invocation& invocation, const ParsedArgs& args) {
  const std::string case_name = CaseName(args.positionals()[0]);
  cp::CreateNoteRequest request;
  request.set_parent(case_name);
  request.set_note_id(args.Get("id"));
  cp::Note* n = request.mutable_note();
  absl::StatusOr<std::string> kind_text = RequiredNonEmpty(args, "kind");
  if (!kind_text.ok()) return kind_text.status();
  absl::StatusOr<cp::Note::Kind> kind =
      ParseWord<cp::Note::Kind>("--kind", *kind_text, "KIND_", "a note kind", "_NOTE");
  if (!kind.ok()) return kind.status();
  n->set_kind(*kind);
  absl::StatusOr<std::string> category = RequiredNonEmpty(args, "category");
  if (!category.ok()) return category.status();
  std::string cat = *category;
  absl::string_view c = cat;
  absl::ConsumePrefix(&c, "categories/");
  n->set_category(std::string(c));
  absl::StatusOr<std::string> title = RequiredNonEmpty(args, "title");
  if (!title.ok()) return title.status();
  n->set_title(*title);
  absl::StatusOr<std::string> body = BodyFlag(args);
  if (!body.ok()) return body.status();
  n->set_body(*body);
  if (args.Has("subject")) n->set_subject(SubjectName(case_name, args.Get("subject")));
  if (args.Has("answers"))
    n->set_answers_request(ExpandName("informationRequests", args.Get("answers")));
  for (const std::string& to : args.GetAll("to")) n->add_addressees(PersonName(to));
  if (args.Has("occurred")) {
    absl::StatusOr<absl::Time> t = ParseTime("occurred", args.Get("occurred"), absl::Now());
    if (!t.ok()) return t.status();
    *n->mutable_occur_time() = ToProtoTime(*t);
  }
  cp::Note created;
  if (absl::Status s = Call(invocation, &PlansStub::CreateNote, request, &created); !s.ok()) {
    return s;
  }
  return invocation.out().Print(
      created, absl::StrCat("Added note ", ShortNote(created.name()), " (", created.name(), ").\n",
                            "Etag: ", created.etag(), "\n"));
}

absl::Status NoteList(Invocation& invocation, const ParsedArgs& args) {
  const std::string case_name = CaseName(args.positionals()[0]);
  cp::ListNotesRequest request;
  request.set_parent(case_name);
  absl::StatusOr<std::string> purpose = PurposeFlag(args);
  if (!purpose.ok()) return purpose.status();
  request.set_purpose(*purpose);
  if (args.Has("kind")) {
    absl::StatusOr<cp::Note::Kind> kind =
        ParseWord<cp::Note::Kind>("--kind", args.Get("kind"), "KIND_", "a note kind", "_NOTE");
    if (!kind.ok()) return kind.status();
    request.set_kind(*kind);
  }
  request.set_category(args.Get("category"));
  if (args.Has("subject")) request.set_subject(SubjectName(case_name, args.Get("subject")));
  if (args.Has("author")) request.set_author(PersonName(args.Get("author")));
  if (absl::Status s = SetPaging(args, &request); !s.ok()) return s;
  absl::StatusOr<cp::ListNotesResponse> list =
      Pages(invocation, request, &PlansStub::ListNotes, &cp::ListNotesResponse::mutable_notes,
            args.Has("all"));
  if (!list.ok()) return list.status();
  std::string text = absl::StrCat(list->notes_size(), list->notes_size() == 1 ? " note" : " notes",
                                  list->next_page_token().empty() ? "" : " on this page", "\n");
  for (const cp::Note& n : list->notes()) absl::StrAppend(&text, NoteLine(n), "\n");
  absl::StrAppend(&text, MoreNote(list->next_page_token()));
  return invocation.out().Print(*list, text);
}

absl::Status NoteShow(Invocation& invocation, const ParsedArgs& args) {
  absl::StatusOr<std::string> name = NoteName(args.positionals()[0]);
  if (!name.ok()) return name.status();
  cp::GetNoteRequest request;
  request.set_name(*name);
  absl::StatusOr<std::string> purpose = PurposeFlag(args);
  if (!purpose.ok()) return purpose.status();
  request.set_purpose(*purpose);
  cp::Note n;
  if (absl::Status s = Call(invocation, &PlansStub::GetNote, request, &n); !s.ok()) return s;
  if (invocation.out().json()) return invocation.out().Print(n, "");
  Namer namer(invocation, CaseOf(n.name()));
  return invocation.out().Print(n, NoteDetails(n, namer));
}

absl::Status NoteAmend(Invocation& invocation, const ParsedArgs& args) {
  absl::StatusOr<std::string> name = NoteName(args.positionals()[0]);
  if (!name.ok()) return name.status();
  absl::StatusOr<std::string> reason = RequiredNonEmpty(args, "reason");
  if (!reason.ok()) return reason.status();
  absl::StatusOr<std::string> body = BodyFlag(args);
  if (!body.ok()) return body.status();
  absl::StatusOr<std::string> purpose = PurposeFlag(args);
  if (!purpose.ok()) return purpose.status();
  cp::AmendNoteRequest request;
  request.mutable_note()->set_name(*name);
  request.mutable_note()->set_body(*body);
  request.mutable_update_mask()->add_paths("body");
  if (args.Has("title")) {
    request.mutable_note()->set_title(args.Get("title"));
    request.mutable_update_mask()->add_paths("title");
  }
  request.set_reason(*reason);
  const bool read_etag = !args.Has("etag");
  if (read_etag) {
    cp::GetNoteRequest get;
    get.set_name(*name);
    get.set_purpose(*purpose);
    cp::Note current;
    if (absl::Status s = Call(invocation, &PlansStub::GetNote, get, &current); !s.ok()) return s;
    request.set_etag(current.etag());
  } else {
    request.set_etag(args.Get("etag"));
  }
  cp::Note amended;
  if (absl::Status s = Call(invocation, &PlansStub::AmendNote, request, &amended); !s.ok()) {
    return Stale(
        s, "the note",
        absl::StrCat("see `samepage note show ", args.positionals()[0], "` and amend again"));
  }
  return invocation.out().Print(
      amended, absl::StrCat("Amended note ", ShortNote(amended.name()), ": now version ",
                            amended.version_number(), " (the earlier versions are kept).\n",
                            "Etag: ", amended.etag(), "\n"));
}

absl::Status NoteVersions(Invocation& invocation, const ParsedArgs& args) {
  absl::StatusOr<std::string> name = NoteName(args.positionals()[0]);
  if (!name.ok()) return name.status();
  cp::ListNoteVersionsRequest request;
  request.set_parent(*name);
  absl::StatusOr<std::string> purpose = PurposeFlag(args);
  if (!purpose.ok()) return purpose.status();
  request.set_purpose(*purpose);
  if (absl::Status s = SetPaging(args, &request); !s.ok()) return s;
  absl::StatusOr<cp::ListNoteVersionsResponse> list =
      Pages(invocation, request, &PlansStub::ListNoteVersions,
            &cp::ListNoteVersionsResponse::mutable_note_versions, args.Has("all"));
  if (!list.ok()) return list.status();
  std::string text =
      absl::StrCat(list->note_versions_size(), " versions of ", *name, ", newest first:\n");
  for (const cp::NoteVersion& v : list->note_versions()) {
    absl::StrAppend(&text, "v", v.version_number(), "  ", When(v.create_time()), "  by ",
                    LastSegment(v.amended_by()), "  \"", v.title(), "\"  [", v.category(), "]",
                    v.amend_reason().empty() ? "" : absl::StrCat("  why: ", v.amend_reason()),
                    "\n");
    if (args.Has("bodies")) absl::StrAppend(&text, Indent(v.body(), "    | "));
  }
  absl::StrAppend(&text, MoreNote(list->next_page_token()));
  return invocation.out().Print(*list, text);
}

absl::Status NoteAck(Invocation& invocation, const ParsedArgs& args) {
  absl::StatusOr<std::string> name = NoteName(args.positionals()[0]);
  if (!name.ok()) return name.status();
  cp::AcknowledgeNoteRequest request;
  request.set_name(*name);
  if (args.Has("version")) {
    absl::StatusOr<int32_t> n = VersionFlag(args, "version");
    if (!n.ok()) return n.status();
    request.set_version_number(*n);
  }
  cp::NoteAcknowledgement ack;
  if (absl::Status s = Call(invocation, &PlansStub::AcknowledgeNote, request, &ack); !s.ok()) {
    return s;
  }
  return invocation.out().Print(
      ack, absl::StrCat("Acknowledged note ", ShortNote(*name), " version ", ack.version_number(),
                        " as ", ack.person(), " (", When(ack.create_time()), ").\n"));
}

constexpr char kPlanFileHelp[] =
    "  PLAN.json is the new version as a PlanVersion in protobuf JSON (field names in\n"
    "  lowerCamelCase or as in the proto; enum values by name; times RFC 3339; durations\n"
    "  like \"172800s\"). Output-only fields (name, dueTime of steps, publisher, ...) are\n"
    "  ignored. Goals, tasks and steps keep their ids across versions. E.g.\n"
    "    {\n"
    "      \"familySummary\": \"We will keep Leo safe at home.\",\n"
    "      \"changeSummary\": \"First plan\",\n"
    "      \"goals\": [{\"goalId\": \"safety\", \"title\": \"Leo is safe at home\",\n"
    "                 \"subjects\": [\"cases/rivera/subjects/leo\"],\n"
    "                 \"ownerRole\": \"dependency-case-manager\", \"status\": "
    "\"STATUS_IN_PROGRESS\",\n"
    "                 \"targetTime\": \"2026-09-01T00:00:00Z\"}],\n"
    "      \"tasks\": [{\"taskId\": \"home-visit\", \"title\": \"Weekly home visit\",\n"
    "                 \"goalId\": \"safety\", \"owner\": \"people/dana\",\n"
    "                 \"dueTime\": \"2026-05-08T17:00:00Z\", \"status\": "
    "\"STATUS_NOT_STARTED\"}],\n"
    "      \"requiredSteps\": [{\"stepId\": \"screening\", \"title\": \"Substance-use "
    "screening\",\n"
    "                 \"sequence\": 1, \"timeLimit\": \"172800s\",\n"
    "                 \"ownerRole\": \"dependency-case-manager\", \"status\": "
    "\"STATUS_PENDING\"}]\n"
    "    }\n"
    "  Goal status: STATUS_NOT_STARTED, _IN_PROGRESS, _ACHIEVED, _PARTIALLY_ACHIEVED,\n"
    "  _NOT_ACHIEVED, _DISCONTINUED; task: _NOT_STARTED, _IN_PROGRESS, _DONE, _BLOCKED,\n"
    "  _CANCELLED; step: _PENDING, _DONE, _WAIVED.\n"
    "  Without --etag the current plan's etag is read first; if someone publishes in\n"
    "  between, the server refuses (ABORTED) and nothing changes.";

}  // namespace

void AddPlanCommands(CommandTable* table) {
  table->push_back(Command{
      .words = {"plan", "show"},
      .synopsis = "CASE [--version N]",
      .summary = "Shows a case's plan (the current version, or --version N) for the team and "
                 "the family: the family summary, goals, tasks, required program steps, who "
                 "published it and when.",
      .flags = {{"version", "N"}},
      .min_positionals = 1,
      .max_positionals = 1,
      .run = PlanShow,
  });
  table->push_back(Command{
      .words = {"plan", "publish"},
      .synopsis = "CASE --file PLAN.json [--etag ETAG]",
      .summary = absl::StrCat("Publishes a new version of a case's plan (the first creates it).\n",
                              kPlanFileHelp),
      .flags = {{"file", "PLAN.json"}, {"etag", "ETAG"}},
      .min_positionals = 1,
      .max_positionals = 1,
      .run = PlanPublish,
  });
  table->push_back(Command{
      .words = {"plan", "versions"},
      .synopsis = "CASE [--page-size N] [--page-token TOKEN] [--all]",
      .summary = "Lists the versions of a case's plan, newest first.",
      .flags = PagingFlags({}),
      .min_positionals = 1,
      .max_positionals = 1,
      .run = PlanVersions,
  });
  table->push_back(Command{
      .words = {"plan", "diff"},
      .synopsis = "CASE [--from N] [--to N] [--since-my-ack]",
      .summary = "Says what changed between two versions: goals, tasks and required steps added, "
                 "removed or changed (with the fields), and the family summary. --from 0 (the "
                 "default) is an empty plan; --to defaults to the current version; "
                 "--since-my-ack starts at the last version you acknowledged.",
      .flags = {{"from", "N"}, {"to", "N"}, {"since-my-ack", ""}},
      .min_positionals = 1,
      .max_positionals = 1,
      .run = PlanDiff,
  });
  table->push_back(Command{
      .words = {"plan", "ack"},
      .synopsis = "CASE [--version N]",
      .summary = "Records that you read a version of the plan (default: the current one).",
      .flags = {{"version", "N"}},
      .min_positionals = 1,
      .max_positionals = 1,
      .run = PlanAck,
  });
  table->push_back(Command{
      .words = {"plan", "acks"},
      .synopsis = "CASE [--version N] [--page-size N] [--page-token TOKEN] [--all]",
      .summary = "Lists who of the current team has and has not acknowledged a version of the "
                 "plan (default: the current one).",
      .flags = PagingFlags({{"version", "N"}}),
      .min_positionals = 1,
      .max_positionals = 1,
      .run = PlanAcks,
  });
  table->push_back(Command{
      .words = {"plan", "overdue"},
      .synopsis = "(--case CASE | --owner PERSON) [--page-size N] [--page-token TOKEN] [--all]",
      .summary = "Lists the tasks and required steps past their due time in current plans, of "
                 "a case or of a person across their cases, longest overdue first.",
      .flags = PagingFlags({{"case", "CASE"}, {"owner", "PERSON"}}),
      .run = PlanOverdue,
  });

  // A synopsis shows alternatives as a|b|c.
  const std::string kinds =
      absl::StrReplaceAll(Words<cp::Note::Kind>("KIND_", "_NOTE"), {{", ", "|"}});
  const std::string purposes = absl::StrReplaceAll(Words<sh::Purpose>("PURPOSE_"), {{", ", "|"}});
  table->push_back(Command{
      .words = {"note", "add"},
      .synopsis = absl::StrCat("CASE --kind ", kinds,
                               " --category CAT --title T (--body TEXT | --body-file FILE) "
                               "[--subject SUBJECT_ID] [--answers REQUEST] [--to PERSON]... "
                               "[--occurred RFC3339] [--id ID]"),
      .summary = "Adds a note to a case. CAT is a sensitivity category of the sharing catalog "
                 "(general, mental-health, substance-use-part2, court-report, "
                 "psychotherapy-notes, ...); it decides who may read the note. --answers "
                 "REQUEST marks that information request fulfilled by this note; --to "
                 "addresses it to people, who get an update.",
      .flags = {{"kind", "KIND"},
                {"category", "CAT"},
                {"title", "T"},
                {"body", "TEXT"},
                {"body-file", "FILE"},
                {"subject", "SUBJECT_ID"},
                {"answers", "REQUEST"},
                {"to", "PERSON", true},
                {"occurred", "TIME"},
                {"id", "ID"}},
      .min_positionals = 1,
      .max_positionals = 1,
      .run = NoteAdd,
  });
  table->push_back(Command{
      .words = {"note", "list"},
      .synopsis = absl::StrCat("CASE [--purpose PURPOSE] [--kind KIND] [--category CAT] "
                               "[--subject SUBJECT_ID] [--author PERSON] [--page-size N] "
                               "[--page-token TOKEN] [--all]"),
      .summary = absl::StrCat("Lists the notes of a case you may read, newest first; the "
                              "others are simply not listed. PURPOSE (default care "
                              "coordination): ",
                              purposes, "."),
      .flags = PagingFlags({{"purpose", "PURPOSE"},
                            {"kind", "KIND"},
                            {"category", "CAT"},
                            {"subject", "SUBJECT_ID"},
                            {"author", "PERSON"}}),
      .min_positionals = 1,
      .max_positionals = 1,
      .run = NoteList,
  });
  table->push_back(Command{
      .words = {"note", "show"},
      .synopsis = "NOTE [--purpose PURPOSE]",
      .summary = "Shows one note: any notice you must keep with it first, then who wrote it, "
                 "its versions, the basis on which you may read it, and its text. NOTE is "
                 "CASE/NOTE_ID (rivera/n1) or cases/CASE/notes/NOTE_ID.",
      .flags = {{"purpose", "PURPOSE"}},
      .min_positionals = 1,
      .max_positionals = 1,
      .run = NoteShow,
  });
  table->push_back(Command{
      .words = {"note", "amend"},
      .synopsis = "NOTE --reason R (--body TEXT | --body-file FILE) [--title T] [--etag ETAG] "
                  "[--purpose PURPOSE]",
      .summary = "Amends a note: a new version with who and why; the old one is kept. Without "
                 "--etag the note is read first (for --purpose); if it changes in between the "
                 "server refuses (ABORTED).",
      .flags = {{"reason", "R"},
                {"body", "TEXT"},
                {"body-file", "FILE"},
                {"title", "T"},
                {"etag", "ETAG"},
                {"purpose", "PURPOSE"}},
      .min_positionals = 1,
      .max_positionals = 1,
      .run = NoteAmend,
  });
  table->push_back(Command{
      .words = {"note", "versions"},
      .synopsis = "NOTE [--purpose PURPOSE] [--bodies] [--page-size N] [--page-token TOKEN] "
                  "[--all]",
      .summary = "Lists the versions of a note, newest first, with who amended it and why "
                 "(--bodies: with each version's text).",
      .flags = PagingFlags({{"purpose", "PURPOSE"}, {"bodies", ""}}),
      .min_positionals = 1,
      .max_positionals = 1,
      .run = NoteVersions,
  });
  table->push_back(Command{
      .words = {"note", "ack"},
      .synopsis = "NOTE [--version N]",
      .summary = "Records that you read a note (a read receipt; default: its current version).",
      .flags = {{"version", "N"}},
      .min_positionals = 1,
      .max_positionals = 1,
      .run = NoteAck,
  });
}

}  // namespace samepage::cli
