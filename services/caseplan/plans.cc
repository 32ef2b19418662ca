#include "services/caseplan/plans.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/clock/time_util.h"
#include "common/status/status_macros.h"
#include "common/storage/keys.h"
#include "common/storage/page_token.h"
#include "common/storage/records.h"
#include "common/validation/validation.h"
#include "services/caseplan/caseplan_events.h"
#include "services/caseplan/plan_diff.h"

namespace samepage::caseplan {
namespace {

namespace val = ::samepage::validation;
namespace reg = ::samepage::registry::v1;
using identity::Caller;
using reg::CheckCaseAccessResponse;
using storage::Batch;
using storage::ReadView;

// The actor of changes the server makes on its own clock.
constexpr char kServerActor[] = "services/caseplan";
// Overdue events emitted per tick at most; the rest wait for the next one.
constexpr int kTickBatch = 200;
// The longest time limit a program step may have.
constexpr int64_t kMaxTimeLimitSeconds = int64_t{10} * 366 * 24 * 3600;

absl::Status Invalid(absl::string_view field, absl::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", problem));
}

// Callers without a reason to see a case learn nothing, not even whether
// it exists.
absl::Status Denied(absl::string_view case_name) {
  return absl::PermissionDeniedError(absl::StrCat(
      case_name,
      ": you are not on this case's team, a supervisor of a member, or an administrator of its "
      "lead agency"));
}

bool Has(const CheckCaseAccessResponse& access, CheckCaseAccessResponse::Basis basis) {
  return std::find(access.bases().begin(), access.bases().end(), basis) != access.bases().end();
}

std::string CaseName(absl::string_view case_id) { return absl::StrCat("cases/", case_id); }
std::string PlanName(absl::string_view case_id) { return absl::StrCat("cases/", case_id, "/plan"); }
std::string VersionName(absl::string_view case_id, int32_t number) {
  return absl::StrCat("cases/", case_id, "/plan/versions/", number);
}

// `cases/{case}` -> case id.
absl::StatusOr<std::string> ParseCase(absl::string_view field, absl::string_view name) {
  return val::ParseName(field, name, "cases");
}

// `cases/{case}/plan` -> case id.
absl::StatusOr<std::string> ParsePlan(absl::string_view field, absl::string_view name) {
  if (name.empty()) return Invalid(field, "must not be empty");
  absl::string_view rest = name;
  if (!absl::ConsumeSuffix(&rest, "/plan")) {
    return Invalid(field, absl::StrCat("\"", name.substr(0, 80),
                                       "\" is not a plan name of the form cases/{case}/plan"));
  }
  return val::ParseName(field, rest, "cases");
}

// `cases/{case}/plan/versions/{version}` -> (case id, version number).
absl::StatusOr<std::pair<std::string, int32_t>> ParseVersion(absl::string_view field,
                                                             absl::string_view name) {
  if (name.empty()) return Invalid(field, "must not be empty");
  size_t at = name.rfind("/plan/versions/");
  int32_t number = 0;
  if (at == absl::string_view::npos ||
      !absl::SimpleAtoi(name.substr(at + std::string("/plan/versions/").size()), &number) ||
      number < 1 || !absl::ascii_isdigit(name.back())) {
    return Invalid(field, absl::StrCat("\"", name.substr(0, 80),
                                       "\" is not a plan version name of the form "
                                       "cases/{case}/plan/versions/{number}, numbered from 1"));
  }
  ASSIGN_OR_RETURN(std::string case_id, val::ParseName(field, name.substr(0, at), "cases"));
  return std::make_pair(std::move(case_id), number);
}

// Stable item ids and case role ids: 1 to 63 of [a-z0-9-].
absl::Status Slug(absl::string_view field, absl::string_view id) {
  bool ok = !id.empty() && id.size() <= 63;
  for (char c : id) ok = ok && (absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '-');
  if (!ok) {
    return Invalid(field, absl::StrCat("\"", id.substr(0, 80),
                                       "\" must be 1 to 63 lower-case letters, digits or hyphens"));
  }
  return absl::OkStatus();
}

absl::Status OptionalSlug(absl::string_view field, absl::string_view id) {
  return id.empty() ? absl::OkStatus() : Slug(field, id);
}

absl::Status OptionalPerson(absl::string_view field, absl::string_view name) {
  if (name.empty()) return absl::OkStatus();
  return val::ParseName(field, name, "people").status();
}

// `cases/{case}/subjects/{subject}` of the case being planned.
absl::Status Subject(absl::string_view field, absl::string_view name, absl::string_view case_id) {
  absl::string_view id = name;
  if (!absl::ConsumePrefix(&id, absl::StrCat("cases/", case_id, "/subjects/"))) {
    return Invalid(
        field, absl::StrCat("\"", name.substr(0, 80), "\" is not a subject of this case (cases/",
                            case_id, "/subjects/{subject})"));
  }
  return val::ParseName(field, absl::StrCat("subjects/", id), "subjects").status();
}

absl::Status OptionalTime(absl::string_view field, bool is_set,
                          const google::protobuf::Timestamp& t) {
  return is_set ? val::ValidTimestamp(field, t) : absl::OkStatus();
}

absl::Status UniqueId(absl::string_view field, const std::string& id, std::set<std::string>& seen) {
  RETURN_IF_ERROR(Slug(field, id));
  if (!seen.insert(id).second) {
    return Invalid(field, absl::StrCat("\"", id, "\" is used twice in this version"));
  }
  return absl::OkStatus();
}

absl::Status ValidateGoal(const std::string& at, const v1::Goal& g, absl::string_view case_id,
                          std::set<std::string>& ids) {
  RETURN_IF_ERROR(UniqueId(absl::StrCat(at, ".goal_id"), g.goal_id(), ids));
  RETURN_IF_ERROR(val::RequiredMaxLength(absl::StrCat(at, ".title"), g.title(), 500));
  RETURN_IF_ERROR(val::MaxLength(absl::StrCat(at, ".description"), g.description(), 4000));
  RETURN_IF_ERROR(val::MaxCount(absl::StrCat(at, ".subjects"), g.subjects_size(), 50));
  for (int i = 0; i < g.subjects_size(); ++i) {
    RETURN_IF_ERROR(Subject(absl::StrCat(at, ".subjects[", i, "]"), g.subjects(i), case_id));
  }
  if (g.owner_role().empty()) return Invalid(absl::StrCat(at, ".owner_role"), "must not be empty");
  RETURN_IF_ERROR(Slug(absl::StrCat(at, ".owner_role"), g.owner_role()));
  RETURN_IF_ERROR(OptionalPerson(absl::StrCat(at, ".owner"), g.owner()));
  if (g.status() == v1::Goal::STATUS_UNSPECIFIED || !v1::Goal::Status_IsValid(g.status())) {
    return Invalid(absl::StrCat(at, ".status"), "must be set to a known status");
  }
  return OptionalTime(absl::StrCat(at, ".target_time"), g.has_target_time(), g.target_time());
}

absl::Status ValidateTask(const std::string& at, const v1::Task& t, absl::string_view case_id,
                          const std::set<std::string>& goal_ids, std::set<std::string>& ids) {
  RETURN_IF_ERROR(UniqueId(absl::StrCat(at, ".task_id"), t.task_id(), ids));
  RETURN_IF_ERROR(val::RequiredMaxLength(absl::StrCat(at, ".title"), t.title(), 500));
  RETURN_IF_ERROR(val::MaxLength(absl::StrCat(at, ".description"), t.description(), 4000));
  if (!t.goal_id().empty() && goal_ids.count(t.goal_id()) == 0) {
    return Invalid(absl::StrCat(at, ".goal_id"), absl::StrCat("\"", t.goal_id().substr(0, 80),
                                                              "\" is not a goal of this version"));
  }
  if (t.owner().empty() && t.owner_role().empty()) {
    return Invalid(absl::StrCat(at, ".owner"), "set owner, owner_role or both");
  }
  if (absl::StartsWith(t.owner(), "cases/")) {
    RETURN_IF_ERROR(Subject(absl::StrCat(at, ".owner"), t.owner(), case_id));
  } else {
    RETURN_IF_ERROR(OptionalPerson(absl::StrCat(at, ".owner"), t.owner()));
  }
  RETURN_IF_ERROR(OptionalSlug(absl::StrCat(at, ".owner_role"), t.owner_role()));
  RETURN_IF_ERROR(OptionalTime(absl::StrCat(at, ".due_time"), t.has_due_time(), t.due_time()));
  if (t.status() == v1::Task::STATUS_UNSPECIFIED || !v1::Task::Status_IsValid(t.status())) {
    return Invalid(absl::StrCat(at, ".status"), "must be set to a known status");
  }
  return OptionalTime(absl::StrCat(at, ".complete_time"), t.has_complete_time(), t.complete_time());
}

absl::Status ValidateStep(const std::string& at, const v1::RequiredStep& s,
                          std::set<std::string>& ids) {
  RETURN_IF_ERROR(UniqueId(absl::StrCat(at, ".step_id"), s.step_id(), ids));
  RETURN_IF_ERROR(val::RequiredMaxLength(absl::StrCat(at, ".title"), s.title(), 500));
  RETURN_IF_ERROR(val::MaxLength(absl::StrCat(at, ".description"), s.description(), 4000));
  if (s.sequence() < 0) return Invalid(absl::StrCat(at, ".sequence"), "must not be negative");
  const google::protobuf::Duration& limit = s.time_limit();
  if (!s.has_time_limit()) return Invalid(absl::StrCat(at, ".time_limit"), "must be set");
  if (limit.seconds() < 0 || limit.nanos() < 0 || limit.nanos() > 999999999 ||
      (limit.seconds() == 0 && limit.nanos() == 0) || limit.seconds() > kMaxTimeLimitSeconds) {
    return Invalid(absl::StrCat(at, ".time_limit"), "must be positive and at most ten years");
  }
  RETURN_IF_ERROR(OptionalSlug(absl::StrCat(at, ".owner_role"), s.owner_role()));
  RETURN_IF_ERROR(OptionalPerson(absl::StrCat(at, ".owner"), s.owner()));
  if (s.status() == v1::RequiredStep::STATUS_UNSPECIFIED ||
      !v1::RequiredStep::Status_IsValid(s.status())) {
    return Invalid(absl::StrCat(at, ".status"), "must be set to a known status");
  }
  return OptionalTime(absl::StrCat(at, ".complete_time"), s.has_complete_time(), s.complete_time());
}

absl::Status ValidateContent(const v1::PlanVersion& v, absl::string_view case_id) {
  RETURN_IF_ERROR(val::MaxCount("plan_version.goals", v.goals_size(), 100));
  RETURN_IF_ERROR(val::MaxCount("plan_version.tasks", v.tasks_size(), 500));
  RETURN_IF_ERROR(val::MaxCount("plan_version.required_steps", v.required_steps_size(), 50));
  std::set<std::string> goal_ids;
  for (int i = 0; i < v.goals_size(); ++i) {
    RETURN_IF_ERROR(
        ValidateGoal(absl::StrCat("plan_version.goals[", i, "]"), v.goals(i), case_id, goal_ids));
  }
  std::set<std::string> task_ids;
  for (int i = 0; i < v.tasks_size(); ++i) {
    RETURN_IF_ERROR(ValidateTask(absl::StrCat("plan_version.tasks[", i, "]"), v.tasks(i), case_id,
                                 goal_ids, task_ids));
  }
  std::set<std::string> step_ids;
  for (int i = 0; i < v.required_steps_size(); ++i) {
    RETURN_IF_ERROR(ValidateStep(absl::StrCat("plan_version.required_steps[", i, "]"),
                                 v.required_steps(i), step_ids));
  }
  RETURN_IF_ERROR(val::MaxLength("plan_version.family_summary", v.family_summary(), 10000));
  return val::MaxLength("plan_version.change_summary", v.change_summary(), 2000);
}

bool TaskOpen(const v1::Task& t) {
  return t.status() != v1::Task::STATUS_DONE && t.status() != v1::Task::STATUS_CANCELLED;
}

bool StepOpen(const v1::RequiredStep& s) { return s.status() == v1::RequiredStep::STATUS_PENDING; }

// The people an item is listed under per owner: its named owner, else the
// current holders of its owner role when the version was published.
std::vector<std::string> Owners(const std::string& owner, const std::string& owner_role,
                                const std::vector<reg::Assignment>& team) {
  if (absl::StartsWith(owner, "people/")) return {owner};
  std::vector<std::string> out;
  if (!owner.empty() || owner_role.empty()) return out;
  for (const reg::Assignment& a : team) {
    if (a.case_role() == owner_role && !a.person().empty() &&
        std::find(out.begin(), out.end(), a.person()) == out.end()) {
      out.push_back(a.person());
    }
  }
  return out;
}

// The open items of a version that have a due time, for the indexes.
std::vector<PlanStore::IndexedItem> OpenItems(const v1::PlanVersion& v, absl::string_view case_id,
                                              const std::vector<reg::Assignment>& team) {
  std::vector<PlanStore::IndexedItem> out;
  auto base = [&](v1::OverdueItem::Kind kind, const std::string& id, const std::string& title,
                  const std::string& owner, const std::string& owner_role,
                  const google::protobuf::Timestamp& due) {
    PlanStore::IndexedItem entry;
    entry.item.set_case_(CaseName(case_id));
    entry.item.set_version(v.name());
    entry.item.set_kind(kind);
    entry.item.set_item_id(id);
    entry.item.set_title(title);
    entry.item.set_owner(owner);
    entry.item.set_owner_role(owner_role);
    *entry.item.mutable_due_time() = due;
    entry.owners = Owners(owner, owner_role, team);
    out.push_back(std::move(entry));
  };
  for (const v1::Task& t : v.tasks()) {
    if (TaskOpen(t) && t.has_due_time()) {
      base(v1::OverdueItem::KIND_TASK, t.task_id(), t.title(), t.owner(), t.owner_role(),
           t.due_time());
    }
  }
  for (const v1::RequiredStep& s : v.required_steps()) {
    if (StepOpen(s)) {
      base(v1::OverdueItem::KIND_REQUIRED_STEP, s.step_id(), s.title(), s.owner(), s.owner_role(),
           s.due_time());
    }
  }
  return out;
}

std::string ItemResource(const v1::OverdueItem& item) {
  return absl::StrCat(item.version(),
                      item.kind() == v1::OverdueItem::KIND_TASK ? "/tasks/" : "/requiredSteps/",
                      item.item_id());
}

absl::Status NoPlan(absl::string_view field, absl::string_view case_id) {
  return absl::NotFoundError(
      absl::StrCat(field, ": ", CaseName(case_id), " has no plan yet; publish a first version"));
}

absl::Status NoVersion(absl::string_view field, absl::string_view case_id, int32_t number) {
  return absl::NotFoundError(
      absl::StrCat(field, ": ", VersionName(case_id, number), " does not exist"));
}

}  // namespace

Plans::Plans(storage::Store* store, const Clock* clock, Peers* peers)
    : store_(store), clock_(clock), peers_(peers), data_(store) {}

v1::Event Plans::NewEvent(const std::string& actor, v1::Event::Type type,
                          const std::string& resource) const {
  v1::Event event;
  event.set_type(type);
  *event.mutable_event_time() = ToProtoTime(clock_->Now());
  event.set_actor(actor);
  event.set_resource(resource);
  return event;
}

v1::PlanVersion Plans::Present(v1::PlanVersion version, const v1::Plan& plan) {
  if (version.version_number() != plan.current_version_number()) version.clear_etag();
  return version;
}

absl::StatusOr<CheckCaseAccessResponse> Plans::RequireOnCase(const Caller& caller,
                                                             const std::string& case_name) {
  CheckCaseAccessResponse everything;
  if (caller.service || caller.platform_admin) {
    everything.set_allowed(true);
    if (caller.platform_admin)
      everything.add_bases(CheckCaseAccessResponse::BASIS_PLATFORM_ADMINISTRATOR);
    return everything;
  }
  const std::string me = caller.PersonName();
  if (me.empty()) return Denied(case_name);
  absl::StatusOr<CheckCaseAccessResponse> access = peers_->CaseAccess(case_name, me);
  if (absl::IsNotFound(access.status())) return Denied(case_name);
  RETURN_IF_ERROR(access.status());
  if (!access->allowed()) return Denied(case_name);
  return *std::move(access);
}

absl::StatusOr<v1::Plan> Plans::GetPlan(const Caller& caller, const v1::GetPlanRequest& req) {
  ASSIGN_OR_RETURN(std::string case_id, ParsePlan("name", req.name()));
  RETURN_IF_ERROR(RequireOnCase(caller, CaseName(case_id)).status());
  auto snapshot = store_->Snapshot();
  ASSIGN_OR_RETURN(std::optional<v1::Plan> plan, data_.GetPlan(*snapshot, case_id));
  if (!plan.has_value()) return NoPlan("name", case_id);
  ASSIGN_OR_RETURN(std::optional<v1::PlanVersion> current,
                   data_.GetVersion(*snapshot, case_id, plan->current_version_number()));
  if (!current.has_value()) {
    return absl::DataLossError(absl::StrCat(plan->name(), ": the current version is missing"));
  }
  *plan->mutable_current_version() = *std::move(current);
  return *std::move(plan);
}

absl::StatusOr<v1::PlanVersion> Plans::PublishPlanVersion(
    const Caller& caller, const v1::PublishPlanVersionRequest& req) {
  ASSIGN_OR_RETURN(std::string case_id, ParsePlan("parent", req.parent()));
  if (!req.has_plan_version()) return Invalid("plan_version", "must be set");
  RETURN_IF_ERROR(ValidateContent(req.plan_version(), case_id));
  RETURN_IF_ERROR(val::MaxLength("etag", req.etag(), 100));
  const std::string case_name = CaseName(case_id);

  ASSIGN_OR_RETURN(CheckCaseAccessResponse access, RequireOnCase(caller, case_name));
  bool may_publish = caller.service || caller.platform_admin ||
                     Has(access, CheckCaseAccessResponse::BASIS_SUPERVISOR_OF_MEMBER) ||
                     Has(access, CheckCaseAccessResponse::BASIS_LEAD_AGENCY_ADMINISTRATOR);
  if (!may_publish && Has(access, CheckCaseAccessResponse::BASIS_TEAM_MEMBER)) {
    for (const std::string& role_id : access.case_roles()) {
      ASSIGN_OR_RETURN(reg::CaseRole role, peers_->GetCaseRole(role_id));
      if (role.kind() == reg::CaseRole::KIND_PROFESSIONAL) {
        may_publish = true;
        break;
      }
    }
  }
  if (!may_publish) {
    return absl::PermissionDeniedError(absl::StrCat(
        "parent: only current team members in a professional case role, their supervisors and "
        "the lead agency's administrators publish the plan of ",
        case_name));
  }

  absl::StatusOr<reg::Case> c = peers_->GetCase(case_name);
  if (absl::IsNotFound(c.status())) {
    return absl::NotFoundError(absl::StrCat("parent: ", case_name, " does not exist"));
  }
  RETURN_IF_ERROR(c.status());
  if (c->state() != reg::Case::STATE_OPEN) {
    return absl::FailedPreconditionError(
        absl::StrCat("parent: ", case_name, " is closed; its plan no longer changes"));
  }
  ASSIGN_OR_RETURN(std::vector<reg::Assignment> team, peers_->CurrentAssignments(case_name));

  // Only what a client may set; the rest is the server's.
  const v1::PlanVersion& in = req.plan_version();
  const absl::Time now = clock_->Now();
  const absl::Time open_time =
      c->has_open_time() ? FromProtoTime(c->open_time()) : FromProtoTime(c->create_time());
  v1::PlanVersion version;
  *version.mutable_goals() = in.goals();
  *version.mutable_tasks() = in.tasks();
  *version.mutable_required_steps() = in.required_steps();
  for (v1::RequiredStep& step : *version.mutable_required_steps()) {
    *step.mutable_due_time() = ToProtoTime(open_time + absl::Seconds(step.time_limit().seconds()) +
                                           absl::Nanoseconds(step.time_limit().nanos()));
  }
  version.set_family_summary(in.family_summary());
  version.set_change_summary(in.change_summary());
  version.set_program(c->program());
  *version.mutable_case_open_time() = ToProtoTime(open_time);
  version.set_publisher(caller.PersonName().empty() ? caller.subject : caller.PersonName());
  *version.mutable_create_time() = ToProtoTime(now);

  RETURN_IF_ERROR(store_->Transact([&](const ReadView& view, Batch& batch) -> absl::Status {
    ASSIGN_OR_RETURN(std::optional<v1::Plan> existing, data_.GetPlan(view, case_id));
    v1::Plan plan;
    if (existing.has_value()) {
      if (req.etag().empty()) {
        return absl::AbortedError(
            absl::StrCat("etag: ", PlanName(case_id), " already has version ",
                         existing->current_version_number(),
                         "; read the plan and send its etag to publish the next version"));
      }
      RETURN_IF_ERROR(storage::CheckEtag("etag", req.etag(), existing->etag()));
      plan = *std::move(existing);
    } else {
      if (!req.etag().empty()) {
        return absl::AbortedError(absl::StrCat("etag: ", PlanName(case_id),
                                               " has no version yet; leave etag empty to publish "
                                               "the first one"));
      }
      plan.set_name(PlanName(case_id));
      *plan.mutable_create_time() = ToProtoTime(now);
    }
    const int32_t number = plan.current_version_number() + 1;
    const std::string etag = storage::EtagFor(batch.next_revision());
    version.set_name(VersionName(case_id, number));
    version.set_version_number(number);
    version.set_etag(etag);
    plan.set_current_version_number(number);
    *plan.mutable_update_time() = ToProtoTime(now);
    plan.set_etag(etag);
    data_.PutVersion(batch, case_id, version);
    data_.PutPlan(batch, case_id, plan);
    RETURN_IF_ERROR(data_.ReplaceItems(view, batch, case_id, OpenItems(version, case_id, team)));
    v1::Event event =
        NewEvent(caller.subject, v1::Event::TYPE_PLAN_VERSION_PUBLISHED, version.name());
    *event.mutable_plan_version() = version;
    AppendEvent(batch, event);
    return absl::OkStatus();
  }));
  return version;
}

absl::Status Plans::HandOver(const std::string& case_name, const std::string& from_person,
                             const std::string& to_person, const std::string& actor) {
  ASSIGN_OR_RETURN(std::string case_id, ParseCase("case", case_name));
  ASSIGN_OR_RETURN(std::vector<reg::Assignment> team, peers_->CurrentAssignments(case_name));
  return store_->Transact([&](const ReadView& view, Batch& batch) -> absl::Status {
    ASSIGN_OR_RETURN(std::optional<v1::Plan> plan, data_.GetPlan(view, case_id));
    if (!plan.has_value()) return absl::OkStatus();
    ASSIGN_OR_RETURN(std::optional<v1::PlanVersion> current,
                     data_.GetVersion(view, case_id, plan->current_version_number()));
    if (!current.has_value())
      return absl::DataLossError(absl::StrCat(plan->name(), ": current version missing"));
    v1::PlanVersion next = *current;
    int moved = 0;
    auto take_over = [&](std::string* owner) {
      if (*owner == from_person) {
        *owner = to_person;
        ++moved;
      }
    };
    for (v1::Goal& g : *next.mutable_goals()) take_over(g.mutable_owner());
    for (v1::Task& t : *next.mutable_tasks()) take_over(t.mutable_owner());
    for (v1::RequiredStep& st : *next.mutable_required_steps()) take_over(st.mutable_owner());
    if (moved == 0) return absl::OkStatus();

    const absl::Time now = clock_->Now();
    const int32_t number = plan->current_version_number() + 1;
    const std::string etag = storage::EtagFor(batch.next_revision());
    next.set_name(VersionName(case_id, number));
    next.set_version_number(number);
    next.set_etag(etag);
    next.set_change_summary(absl::StrCat(moved, " item(s) handed over from ", from_person, " to ",
                                         to_person, " when the assignment changed hands"));
    next.set_publisher(actor);
    *next.mutable_create_time() = ToProtoTime(now);
    plan->set_current_version_number(number);
    *plan->mutable_update_time() = ToProtoTime(now);
    plan->set_etag(etag);
    data_.PutVersion(batch, case_id, next);
    data_.PutPlan(batch, case_id, *plan);
    RETURN_IF_ERROR(data_.ReplaceItems(view, batch, case_id, OpenItems(next, case_id, team)));
    v1::Event event = NewEvent(actor, v1::Event::TYPE_PLAN_VERSION_PUBLISHED, next.name());
    *event.mutable_plan_version() = next;
    AppendEvent(batch, event);
    return absl::OkStatus();
  });
}

absl::StatusOr<v1::PlanVersion> Plans::GetPlanVersion(const Caller& caller,
                                                      const v1::GetPlanVersionRequest& req) {
  ASSIGN_OR_RETURN(auto parsed, ParseVersion("name", req.name()));
  const auto& [case_id, number] = parsed;
  RETURN_IF_ERROR(RequireOnCase(caller, CaseName(case_id)).status());
  auto snapshot = store_->Snapshot();
  ASSIGN_OR_RETURN(std::optional<v1::Plan> plan, data_.GetPlan(*snapshot, case_id));
  if (!plan.has_value()) return NoPlan("name", case_id);
  ASSIGN_OR_RETURN(std::optional<v1::PlanVersion> version,
                   data_.GetVersion(*snapshot, case_id, number));
  if (!version.has_value()) return NoVersion("name", case_id, number);
  return Present(*std::move(version), *plan);
}

absl::StatusOr<v1::ListPlanVersionsResponse> Plans::ListPlanVersions(
    const Caller& caller, const v1::ListPlanVersionsRequest& req) {
  ASSIGN_OR_RETURN(std::string case_id, ParsePlan("parent", req.parent()));
  ASSIGN_OR_RETURN(int size, storage::ResolvePageSize(req.page_size()));
  const std::string fingerprint = absl::StrCat("versions|", req.parent());
  std::string after;
  if (!req.page_token().empty()) {
    ASSIGN_OR_RETURN(after, storage::DecodePageToken(req.page_token(), fingerprint));
  }
  RETURN_IF_ERROR(RequireOnCase(caller, CaseName(case_id)).status());
  auto snapshot = store_->Snapshot();
  ASSIGN_OR_RETURN(std::optional<v1::Plan> plan, data_.GetPlan(*snapshot, case_id));
  v1::ListPlanVersionsResponse response;
  if (!plan.has_value()) return response;
  std::string last;
  bool more = false;
  RETURN_IF_ERROR(data_.ScanVersions(*snapshot, case_id, after,
                                     [&](absl::string_view key, const v1::PlanVersion& v) {
                                       if (response.plan_versions_size() == size) {
                                         more = true;
                                         return false;
                                       }
                                       *response.add_plan_versions() = Present(v, *plan);
                                       last = std::string(key);
                                       return true;
                                     }));
  if (more) response.set_next_page_token(storage::EncodePageToken(last, fingerprint));
  return response;
}

absl::StatusOr<v1::DiffPlanVersionsResponse> Plans::DiffPlanVersions(
    const Caller& caller, const v1::DiffPlanVersionsRequest& req) {
  ASSIGN_OR_RETURN(std::string case_id, ParsePlan("plan", req.plan()));
  if (req.base_version_number() < 0) return Invalid("base_version_number", "must not be negative");
  if (req.target_version_number() < 0) {
    return Invalid("target_version_number", "must not be negative");
  }
  if (!req.since_last_acknowledged() && req.target_version_number() != 0 &&
      req.base_version_number() > req.target_version_number()) {
    return Invalid("base_version_number", "must not be greater than target_version_number");
  }
  RETURN_IF_ERROR(RequireOnCase(caller, CaseName(case_id)).status());
  auto snapshot = store_->Snapshot();
  ASSIGN_OR_RETURN(std::optional<v1::Plan> plan, data_.GetPlan(*snapshot, case_id));
  if (!plan.has_value()) return NoPlan("plan", case_id);
  const int32_t target_number = req.target_version_number() == 0 ? plan->current_version_number()
                                                                 : req.target_version_number();
  ASSIGN_OR_RETURN(std::optional<v1::PlanVersion> target,
                   data_.GetVersion(*snapshot, case_id, target_number));
  if (!target.has_value()) return NoVersion("target_version_number", case_id, target_number);

  int32_t base_number = req.base_version_number();
  if (req.since_last_acknowledged()) {
    base_number = 0;
    const std::string me = caller.PersonName();
    if (!me.empty()) {
      ASSIGN_OR_RETURN(std::optional<v1::PlanAcknowledgement> ack,
                       data_.LatestAck(*snapshot, case_id, storage::IdOf(me)));
      if (ack.has_value()) base_number = ack->version_number();
    }
  } else if (req.target_version_number() == 0 && base_number > target_number) {
    return Invalid("base_version_number", "must not be greater than the current version number");
  }
  std::optional<v1::PlanVersion> base;
  if (base_number > 0) {
    ASSIGN_OR_RETURN(base, data_.GetVersion(*snapshot, case_id, base_number));
    if (!base.has_value()) return NoVersion("base_version_number", case_id, base_number);
  }
  return caseplan::DiffPlanVersions(base.has_value() ? &*base : nullptr, *target);
}

absl::StatusOr<v1::PlanAcknowledgement> Plans::AcknowledgePlanVersion(
    const Caller& caller, const v1::AcknowledgePlanVersionRequest& req) {
  ASSIGN_OR_RETURN(auto parsed, ParseVersion("name", req.name()));
  // Plain references, not a structured binding: a lambda below captures them,
  // which clang before 16 does not allow for bindings.
  const std::string& case_id = parsed.first;
  const int32_t& number = parsed.second;
  const std::string me = caller.PersonName();
  if (me.empty()) {
    return absl::PermissionDeniedError(
        "name: only people on the case team acknowledge a plan version");
  }
  ASSIGN_OR_RETURN(CheckCaseAccessResponse access, RequireOnCase(caller, CaseName(case_id)));
  if (!Has(access, CheckCaseAccessResponse::BASIS_TEAM_MEMBER)) {
    return absl::PermissionDeniedError(absl::StrCat("name: only current members of the team of ",
                                                    CaseName(case_id), " acknowledge its plan"));
  }
  const std::string person_id = storage::IdOf(me);
  v1::PlanAcknowledgement ack;
  RETURN_IF_ERROR(store_->Transact([&](const ReadView& view, Batch& batch) -> absl::Status {
    ASSIGN_OR_RETURN(std::optional<v1::PlanVersion> version,
                     data_.GetVersion(view, case_id, number));
    if (!version.has_value()) return NoVersion("name", case_id, number);
    ASSIGN_OR_RETURN(std::optional<v1::PlanAcknowledgement> existing,
                     data_.GetAck(view, case_id, person_id, number));
    if (existing.has_value()) {
      ack = *std::move(existing);
      return absl::OkStatus();
    }
    ack.set_name(absl::StrCat(PlanName(case_id), "/acknowledgements/", person_id, "-v", number));
    ack.set_version(version->name());
    ack.set_version_number(number);
    ack.set_person(me);
    *ack.mutable_create_time() = ToProtoTime(clock_->Now());
    data_.PutAck(batch, case_id, person_id, ack);
    v1::Event event =
        NewEvent(caller.subject, v1::Event::TYPE_PLAN_VERSION_ACKNOWLEDGED, ack.name());
    *event.mutable_plan_acknowledgement() = ack;
    AppendEvent(batch, event);
    return absl::OkStatus();
  }));
  return ack;
}

absl::StatusOr<v1::ListPlanAcknowledgementsResponse> Plans::ListPlanAcknowledgements(
    const Caller& caller, const v1::ListPlanAcknowledgementsRequest& req) {
  ASSIGN_OR_RETURN(std::string case_id, ParsePlan("parent", req.parent()));
  if (req.version_number() < 0) return Invalid("version_number", "must not be negative");
  ASSIGN_OR_RETURN(int size, storage::ResolvePageSize(req.page_size()));
  const std::string fingerprint = absl::StrCat("acks|", req.parent(), "|", req.version_number());
  std::string after;
  if (!req.page_token().empty()) {
    ASSIGN_OR_RETURN(after, storage::DecodePageToken(req.page_token(), fingerprint));
  }
  const std::string case_name = CaseName(case_id);
  RETURN_IF_ERROR(RequireOnCase(caller, case_name).status());
  ASSIGN_OR_RETURN(std::vector<reg::Assignment> team, peers_->CurrentAssignments(case_name));

  auto snapshot = store_->Snapshot();
  ASSIGN_OR_RETURN(std::optional<v1::Plan> plan, data_.GetPlan(*snapshot, case_id));
  if (!plan.has_value()) return NoPlan("parent", case_id);
  const int32_t number =
      req.version_number() == 0 ? plan->current_version_number() : req.version_number();
  if (number > plan->current_version_number()) return NoVersion("version_number", case_id, number);

  // Each person once, with every role they hold.
  std::map<std::string, std::vector<std::string>> members;
  for (const reg::Assignment& a : team) {
    if (a.person().empty()) continue;
    std::vector<std::string>& roles = members[a.person()];
    if (std::find(roles.begin(), roles.end(), a.case_role()) == roles.end()) {
      roles.push_back(a.case_role());
    }
  }
  // Not yet acknowledged first, then by person: the sort key is the page key.
  std::map<std::string, v1::MemberAcknowledgement> ordered;
  for (auto& [person, roles] : members) {
    v1::MemberAcknowledgement m;
    m.set_person(person);
    for (const std::string& role : roles) m.add_case_roles(role);
    ASSIGN_OR_RETURN(std::optional<v1::PlanAcknowledgement> latest,
                     data_.LatestAck(*snapshot, case_id, storage::IdOf(person)));
    if (latest.has_value()) {
      m.set_last_acknowledged_version_number(latest->version_number());
      *m.mutable_acknowledge_time() = latest->create_time();
      m.set_acknowledged(latest->version_number() >= number);
    }
    std::string key =
        storage::KeyBuilder().AddUint64(m.acknowledged() ? 1 : 0).AddString(person).Release();
    ordered.emplace(std::move(key), std::move(m));
  }
  v1::ListPlanAcknowledgementsResponse response;
  response.set_version_number(number);
  std::string last;
  for (auto it = after.empty() ? ordered.begin() : ordered.upper_bound(after); it != ordered.end();
       ++it) {
    if (response.members_size() == size) {
      response.set_next_page_token(storage::EncodePageToken(last, fingerprint));
      break;
    }
    *response.add_members() = it->second;
    last = it->first;
  }
  return response;
}

absl::StatusOr<v1::ListOverdueItemsResponse> Plans::ListOverdueItems(
    const Caller& caller, const v1::ListOverdueItemsRequest& req) {
  if (req.case_().empty() && req.owner().empty()) {
    return Invalid("case", "set case or owner (or both)");
  }
  std::string case_id;
  if (!req.case_().empty()) {
    ASSIGN_OR_RETURN(case_id, ParseCase("case", req.case_()));
  }
  if (!req.owner().empty())
    RETURN_IF_ERROR(val::ParseName("owner", req.owner(), "people").status());
  ASSIGN_OR_RETURN(int size, storage::ResolvePageSize(req.page_size()));
  const std::string fingerprint = absl::StrCat("overdue|", req.case_(), "|", req.owner());
  std::string after;
  if (!req.page_token().empty()) {
    ASSIGN_OR_RETURN(after, storage::DecodePageToken(req.page_token(), fingerprint));
  }

  if (!case_id.empty()) RETURN_IF_ERROR(RequireOnCase(caller, req.case_()).status());
  if (!req.owner().empty() && !caller.service && !caller.platform_admin &&
      caller.PersonName() != req.owner()) {
    absl::StatusOr<directory::v1::Person> owner = peers_->GetPerson(req.owner());
    if (!owner.ok() && !absl::IsNotFound(owner.status())) return owner.status();
    const bool supervises =
        owner.ok() && !caller.PersonName().empty() && owner->supervisor() == caller.PersonName();
    if (!supervises) {
      return absl::PermissionDeniedError(absl::StrCat(
          "owner: only ", req.owner(), ", their supervisor and administrators list their items"));
    }
  }

  const absl::Time now = clock_->Now();
  const int64_t now_micros = absl::ToUnixMicros(now);
  v1::ListOverdueItemsResponse response;
  *response.mutable_as_of_time() = ToProtoTime(now);
  std::string last;
  bool more = false;
  auto take = [&](absl::string_view key, const v1::OverdueItem& item) {
    if (PlanStore::DueMicros(item) >= now_micros) return false;  // not overdue yet
    if (!case_id.empty() && item.case_() != req.case_()) return true;
    if (response.overdue_items_size() == size) {
      more = true;
      return false;
    }
    *response.add_overdue_items() = item;
    last = std::string(key);
    return true;
  };
  auto snapshot = store_->Snapshot();
  if (!req.owner().empty()) {
    RETURN_IF_ERROR(data_.ScanOwnerItems(*snapshot, req.owner(), after, take));
  } else {
    RETURN_IF_ERROR(data_.ScanCaseItems(*snapshot, case_id, after, take));
  }
  if (more) response.set_next_page_token(storage::EncodePageToken(last, fingerprint));
  return response;
}

absl::Status Plans::Tick() {
  const absl::Time now = clock_->Now();
  ASSIGN_OR_RETURN(auto due, data_.PendingBefore(store_->reader(), now, 1));
  if (due.empty()) return absl::OkStatus();
  return store_->Transact([&](const ReadView& view, Batch& batch) -> absl::Status {
    ASSIGN_OR_RETURN(auto pending, data_.PendingBefore(view, now, kTickBatch));
    for (const auto& [key, item] : pending) {
      data_.MarkEmitted(batch, key, item);
      v1::Event event = NewEvent(kServerActor, v1::Event::TYPE_ITEM_OVERDUE, ItemResource(item));
      *event.mutable_overdue_item() = item;
      AppendEvent(batch, event);
    }
    return absl::OkStatus();
  });
}

}  // namespace samepage::caseplan
