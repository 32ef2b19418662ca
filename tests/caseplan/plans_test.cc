// Case plans through the generated client against a real server whose clock
// the test moves: a DCM publishes versions 1, 2 and 3; the therapist, who
// acknowledged version 2, sees exactly what changed in 3 and acknowledges
// it; a stale etag changes nothing; a program step past its time limit is
// listed and emitted once as an event.

#include <algorithm>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/time/time.h"
#include "common/clock/clock.h"
#include "common/identity/caller.h"
#include "common/identity/dev_token_issuer.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "samepage/caseplan/v1/caseplan_service.grpc.pb.h"
#include "samepage/directory/v1/directory_service.grpc.pb.h"
#include "samepage/registry/v1/registry_service.grpc.pb.h"
#include "services/caseplan/plan_diff.h"
#include "tests/testing/server_fixture.h"

namespace samepage {
namespace {

using ::samepage::testing::ServerFixture;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;
namespace dir = ::samepage::directory::v1;
namespace reg = ::samepage::registry::v1;
namespace cp = ::samepage::caseplan::v1;

constexpr char kCase[] = "cases/rivera";
constexpr char kPlan[] = "cases/rivera/plan";

bool Eventually(const std::function<bool()>& done, absl::Duration limit = absl::Seconds(5)) {
  absl::Time deadline = absl::Now() + limit;
  while (absl::Now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return done();
}

cp::Goal Goal(const std::string& id, const std::string& title, cp::Goal::Status status) {
  cp::Goal g;
  g.set_goal_id(id);
  g.set_title(title);
  g.set_owner_role("dependency-case-manager");
  g.set_status(status);
  g.add_subjects(std::string(kCase) + "/subjects/leo");
  return g;
}

cp::Task Task(const std::string& id, const std::string& title, const std::string& goal,
              const std::string& owner, cp::Task::Status status) {
  cp::Task t;
  t.set_task_id(id);
  t.set_title(title);
  t.set_goal_id(goal);
  t.set_owner(owner);
  t.set_status(status);
  return t;
}

cp::RequiredStep Step(const std::string& id, const std::string& title, int sequence,
                      absl::Duration limit) {
  cp::RequiredStep s;
  s.set_step_id(id);
  s.set_title(title);
  s.set_sequence(sequence);
  s.mutable_time_limit()->set_seconds(absl::ToInt64Seconds(limit));
  s.set_owner_role("dependency-case-manager");
  s.set_status(cp::RequiredStep::STATUS_PENDING);
  return s;
}

class PlansTest : public ::testing::Test {
 protected:
  PlansTest()
      : clock_(absl::FromUnixSeconds(absl::ToUnixSeconds(absl::Now()))),
        server_({std::begin(server::kAllServices), std::end(server::kAllServices)}, &clock_) {}

  void SetUp() override {
    server_.options().tick_interval = absl::Milliseconds(50);
    ASSERT_TRUE(server_.Start().ok());
    auto issuer = identity::DevTokenIssuer::Load(server_.data_dir());
    ASSERT_TRUE(issuer.ok()) << issuer.status();
    issuer_ = *std::move(issuer);
    Connect();
    Seed();
  }

  void Connect() {
    directory_ = dir::Directory::NewStub(server_.channel());
    registry_ = reg::CaseRegistry::NewStub(server_.channel());
    plans_ = cp::CasePlans::NewStub(server_.channel());
  }

  // Tokens are issued on the server's (fake) clock, so they stay valid as
  // the test moves it ahead.
  std::string Token(const std::string& subject, std::vector<std::string> scopes = {}) {
    auto token = issuer_->Issue(subject, scopes, absl::Hours(24 * 60), clock_.Now());
    EXPECT_TRUE(token.ok()) << token.status();
    return token.ok() ? *token : "";
  }
  std::string T(const std::string& person) { return Token("people/" + person); }
  std::string Service() { return Token("service:test", {identity::kServiceScope}); }
  static std::unique_ptr<grpc::ClientContext> Ctx(const std::string& token) {
    return ServerFixture::Context(token);
  }

  void Org(const std::string& id, dir::Organization::Kind kind) {
    dir::CreateOrganizationRequest req;
    req.set_organization_id(id);
    req.mutable_organization()->set_display_name(id);
    req.mutable_organization()->set_kind(kind);
    dir::Organization out;
    grpc::Status s = directory_->CreateOrganization(
        Ctx(Token("admin", {identity::kAdminScope})).get(), req, &out);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }

  void Person(const std::string& id, const std::string& org, const std::string& role,
              const std::string& supervisor = "", bool admin = false) {
    dir::CreatePersonRequest req;
    req.set_person_id(id);
    dir::Person* p = req.mutable_person();
    p->set_display_name(id);
    p->set_organization("organizations/" + org);
    p->add_roles("roles/" + role);
    if (!supervisor.empty()) p->set_supervisor("people/" + supervisor);
    p->set_administrator(admin);
    auto* email = p->add_contact_points();
    email->set_channel(dir::ContactPoint::CHANNEL_EMAIL);
    email->set_value(id + "@example.org");
    dir::Person out;
    grpc::Status s =
        directory_->CreatePerson(Ctx(Token("admin", {identity::kAdminScope})).get(), req, &out);
    ASSERT_TRUE(s.ok()) << id << ": " << s.error_message();
  }

  void Assign(const std::string& role, const std::string& person) {
    reg::CreateAssignmentRequest req;
    req.set_parent(kCase);
    req.mutable_assignment()->set_case_role(role);
    req.mutable_assignment()->set_person("people/" + person);
    reg::Assignment out;
    grpc::Status s = registry_->CreateAssignment(Ctx(T("alma")).get(), req, &out);
    ASSERT_TRUE(s.ok()) << role << ": " << s.error_message();
  }

  // Sunrise (the lead agency) with its DCM Dana under Sam; Harbor with the
  // therapist Theo under Hana; Gail the guardian ad litem; Stan, a
  // therapist on no case. The case is a START case opened now.
  void Seed() {
    Org("sunrise", dir::Organization::KIND_CHILD_WELFARE_AGENCY);
    Org("harbor", dir::Organization::KIND_BEHAVIORAL_HEALTH_PROVIDER);
    Person("alma", "sunrise", "administrator", "", /*admin=*/true);
    Person("sam", "sunrise", "case-supervisor");
    Person("dana", "sunrise", "dependency-case-manager", "sam");
    Person("hana", "harbor", "therapist");
    Person("theo", "harbor", "therapist", "hana");
    Person("gail", "sunrise", "guardian-ad-litem");
    Person("stan", "harbor", "therapist", "hana");

    reg::CreateCaseRequest req;
    req.set_case_id("rivera");
    reg::Case* c = req.mutable_case_();
    c->set_case_number("2026-0042");
    c->set_lead_agency("organizations/sunrise");
    c->set_program("start");
    reg::CaseSubject* leo = c->add_subjects();
    leo->set_subject_id("leo");
    leo->set_kind(reg::CaseSubject::KIND_CHILD);
    leo->set_display_name("Leo Rivera");
    leo->mutable_birth_date()->set_year(2017);
    leo->mutable_birth_date()->set_month(4);
    leo->mutable_birth_date()->set_day(9);
    reg::Case out;
    grpc::Status s = registry_->CreateCase(Ctx(T("alma")).get(), req, &out);
    ASSERT_TRUE(s.ok()) << s.error_message();
    open_time_ = clock_.Now();
    Assign("dependency-case-manager", "dana");
    Assign("case-supervisor", "sam");
    Assign("therapist", "theo");
    Assign("guardian-ad-litem", "gail");
  }

  // Version 1: a safety goal, a home visit, and START's first two steps.
  cp::PlanVersion V1() {
    cp::PlanVersion v;
    *v.add_goals() = Goal("safety", "Leo is safe at home", cp::Goal::STATUS_IN_PROGRESS);
    *v.add_goals() = Goal("sobriety", "Mother stays sober", cp::Goal::STATUS_NOT_STARTED);
    cp::Task visit = Task("home-visit", "Weekly home visit", "safety", "people/dana",
                          cp::Task::STATUS_NOT_STARTED);
    visit.mutable_due_time()->set_seconds(absl::ToUnixSeconds(open_time_ + absl::Hours(24 * 7)));
    *v.add_tasks() = visit;
    *v.add_required_steps() = Step("screening", "Substance-use screening", 1, absl::Hours(48));
    *v.add_required_steps() =
        Step("sdm-meeting", "Shared decision-making meeting", 2, absl::Hours(24 * 30));
    v.set_family_summary("We will keep Leo safe at home.");
    v.set_change_summary("First plan");
    return v;
  }
  // Version 2: the therapist's sessions are added.
  cp::PlanVersion V2() {
    cp::PlanVersion v = V1();
    *v.add_tasks() = Task("therapy", "Weekly therapy sessions", "sobriety", "people/theo",
                          cp::Task::STATUS_IN_PROGRESS);
    v.set_change_summary("Therapy added");
    return v;
  }
  // Version 3: sobriety in progress, the home visit replaced by a parenting
  // class, screening done, a new family summary.
  cp::PlanVersion V3() {
    cp::PlanVersion v = V2();
    v.mutable_goals(1)->set_status(cp::Goal::STATUS_IN_PROGRESS);
    v.mutable_tasks()->erase(v.mutable_tasks()->begin());
    *v.add_tasks() = Task("parenting-class", "Parenting class", "safety", "people/dana",
                          cp::Task::STATUS_NOT_STARTED);
    v.mutable_required_steps(0)->set_status(cp::RequiredStep::STATUS_DONE);
    v.set_family_summary("We will keep Leo safe at home; mom goes to a parenting class.");
    v.set_change_summary("Parenting class instead of visits");
    return v;
  }

  grpc::Status Publish(const std::string& token, const cp::PlanVersion& v, const std::string& etag,
                       cp::PlanVersion* out) {
    cp::PublishPlanVersionRequest req;
    req.set_parent(kPlan);
    *req.mutable_plan_version() = v;
    req.set_etag(etag);
    return plans_->PublishPlanVersion(Ctx(token).get(), req, out);
  }
  cp::PlanVersion MustPublish(const cp::PlanVersion& v, const std::string& etag) {
    cp::PlanVersion out;
    grpc::Status s = Publish(T("dana"), v, etag, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }
  cp::Plan MustGetPlan(const std::string& token) {
    cp::GetPlanRequest req;
    req.set_name(kPlan);
    cp::Plan out;
    grpc::Status s = plans_->GetPlan(Ctx(token).get(), req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }
  grpc::Status Acknowledge(const std::string& token, int number, cp::PlanAcknowledgement* out) {
    cp::AcknowledgePlanVersionRequest req;
    req.set_name(std::string(kPlan) + "/versions/" + std::to_string(number));
    return plans_->AcknowledgePlanVersion(Ctx(token).get(), req, out);
  }
  cp::ListPlanAcknowledgementsResponse Acks(const std::string& token, int number = 0) {
    cp::ListPlanAcknowledgementsRequest req;
    req.set_parent(kPlan);
    req.set_version_number(number);
    cp::ListPlanAcknowledgementsResponse out;
    grpc::Status s = plans_->ListPlanAcknowledgements(Ctx(token).get(), req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }
  cp::ListOverdueItemsResponse Overdue(const std::string& token, const std::string& case_name,
                                       const std::string& owner = "") {
    cp::ListOverdueItemsRequest req;
    req.set_case_(case_name);
    req.set_owner(owner);
    cp::ListOverdueItemsResponse out;
    grpc::Status s = plans_->ListOverdueItems(Ctx(token).get(), req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }
  // The events of the stream for `resource`, read until `limit` passes.
  std::vector<cp::Event> Events(const std::string& resource, absl::Duration limit) {
    auto ctx = ServerFixture::Context(Service(), limit);
    cp::WatchEventsRequest req;
    auto reader = plans_->WatchEvents(ctx.get(), req);
    std::vector<cp::Event> out;
    cp::WatchEventsResponse resp;
    while (reader->Read(&resp)) {
      if (resp.event().resource() == resource) out.push_back(resp.event());
    }
    return out;
  }

  FakeClock clock_;
  ServerFixture server_;
  absl::Time open_time_;
  std::unique_ptr<identity::DevTokenIssuer> issuer_;
  std::unique_ptr<dir::Directory::Stub> directory_;
  std::unique_ptr<reg::CaseRegistry::Stub> registry_;
  std::unique_ptr<cp::CasePlans::Stub> plans_;
};

TEST_F(PlansTest, TherapistSeesWhatChangedSinceTheirLastAcknowledgementAndAcknowledges) {
  cp::PlanVersion v1 = MustPublish(V1(), "");
  EXPECT_EQ(v1.name(), "cases/rivera/plan/versions/1");
  EXPECT_EQ(v1.publisher(), "people/dana");
  EXPECT_EQ(v1.program(), "start");
  // Required steps count from the case's open time.
  EXPECT_EQ(v1.required_steps(0).due_time().seconds(),
            absl::ToUnixSeconds(open_time_ + absl::Hours(48)));
  cp::PlanVersion v2 = MustPublish(V2(), v1.etag());
  EXPECT_EQ(v2.version_number(), 2);
  cp::PlanAcknowledgement ack;
  ASSERT_TRUE(Acknowledge(T("theo"), 2, &ack).ok());
  EXPECT_EQ(ack.version_number(), 2);
  EXPECT_EQ(ack.person(), "people/theo");

  cp::PlanVersion v3 = MustPublish(V3(), v2.etag());
  EXPECT_EQ(v3.version_number(), 3);
  cp::Plan plan = MustGetPlan(T("theo"));
  EXPECT_EQ(plan.current_version_number(), 3);
  EXPECT_EQ(plan.etag(), v3.etag());
  EXPECT_EQ(plan.current_version().family_summary(), V3().family_summary());

  cp::DiffPlanVersionsRequest diff_req;
  diff_req.set_plan(kPlan);
  diff_req.set_since_last_acknowledged(true);
  cp::DiffPlanVersionsResponse diff;
  grpc::Status s = plans_->DiffPlanVersions(Ctx(T("theo")).get(), diff_req, &diff);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(diff.base_version_number(), 2);
  EXPECT_EQ(diff.target_version_number(), 3);
  ASSERT_EQ(diff.goal_changes_size(), 1);
  EXPECT_EQ(diff.goal_changes(0).goal_id(), "sobriety");
  EXPECT_EQ(diff.goal_changes(0).change_type(), cp::CHANGE_TYPE_CHANGED);
  EXPECT_THAT(diff.goal_changes(0).changed_fields(), ElementsAre("status"));
  ASSERT_EQ(diff.task_changes_size(), 2);
  EXPECT_EQ(diff.task_changes(0).task_id(), "parenting-class");
  EXPECT_EQ(diff.task_changes(0).change_type(), cp::CHANGE_TYPE_ADDED);
  EXPECT_EQ(diff.task_changes(1).task_id(), "home-visit");
  EXPECT_EQ(diff.task_changes(1).change_type(), cp::CHANGE_TYPE_REMOVED);
  ASSERT_EQ(diff.required_step_changes_size(), 1);
  EXPECT_EQ(diff.required_step_changes(0).step_id(), "screening");
  EXPECT_THAT(diff.required_step_changes(0).changed_fields(), ElementsAre("status"));
  EXPECT_TRUE(diff.family_summary_changed());

  // Older versions stay readable, without the current etag.
  cp::GetPlanVersionRequest get_v1;
  get_v1.set_name(v1.name());
  cp::PlanVersion read_v1;
  ASSERT_TRUE(plans_->GetPlanVersion(Ctx(T("theo")).get(), get_v1, &read_v1).ok());
  EXPECT_EQ(read_v1.tasks_size(), 1);
  EXPECT_TRUE(read_v1.etag().empty());
  cp::ListPlanVersionsRequest list_req;
  list_req.set_parent(kPlan);
  list_req.set_page_size(2);
  cp::ListPlanVersionsResponse page;
  ASSERT_TRUE(plans_->ListPlanVersions(Ctx(T("gail")).get(), list_req, &page).ok());
  ASSERT_EQ(page.plan_versions_size(), 2);
  EXPECT_EQ(page.plan_versions(0).version_number(), 3);
  EXPECT_EQ(page.plan_versions(1).version_number(), 2);
  list_req.set_page_token(page.next_page_token());
  ASSERT_TRUE(plans_->ListPlanVersions(Ctx(T("gail")).get(), list_req, &page).ok());
  ASSERT_EQ(page.plan_versions_size(), 1);
  EXPECT_EQ(page.plan_versions(0).version_number(), 1);
  EXPECT_TRUE(page.next_page_token().empty());

  ASSERT_TRUE(Acknowledge(T("theo"), 3, &ack).ok());
  cp::PlanAcknowledgement again;
  ASSERT_TRUE(Acknowledge(T("theo"), 3, &again).ok());
  EXPECT_EQ(again.SerializeAsString(), ack.SerializeAsString());
  s = plans_->DiffPlanVersions(Ctx(T("theo")).get(), diff_req, &diff);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(diff.base_version_number(), 3);
  EXPECT_EQ(diff.goal_changes_size() + diff.task_changes_size(), 0);

  cp::ListPlanAcknowledgementsResponse acks = Acks(T("dana"));
  EXPECT_EQ(acks.version_number(), 3);
  std::vector<std::string> order;
  for (const cp::MemberAcknowledgement& m : acks.members()) {
    order.push_back(m.person() + (m.acknowledged() ? "+" : "-"));
  }
  EXPECT_THAT(order, ElementsAre("people/dana-", "people/gail-", "people/sam-", "people/theo+"));
  EXPECT_EQ(acks.members(3).last_acknowledged_version_number(), 3);
  EXPECT_THAT(acks.members(3).case_roles(), ElementsAre("therapist"));
  // Asked about version 2, the therapist acknowledged it (or a later one).
  EXPECT_TRUE(Acks(T("dana"), 2).members(3).acknowledged());
}

// Issue 3's handoff reaches the plan: the departed therapist's task is
// owned by his successor in a version the server publishes.
TEST_F(PlansTest, ADepartedOwnersItemsPassToTheSuccessorInANewVersion) {
  cp::PlanVersion v1 = MustPublish(V1(), "");
  MustPublish(V2(), v1.etag());

  dir::RecordDepartureRequest departure;
  departure.set_name("people/theo");
  departure.mutable_effective_time()->set_seconds(absl::ToUnixSeconds(clock_.Now()));
  departure.set_successor("people/stan");
  dir::Person departed;
  grpc::Status s = directory_->RecordDeparture(Ctx(T("hana")).get(), departure, &departed);
  ASSERT_TRUE(s.ok()) << s.error_message();

  // The registry hands over, then the plan follows: both react to events.
  cp::Plan plan;
  for (int i = 0; i < 250 && plan.current_version_number() != 3; ++i) {
    plan = MustGetPlan(T("dana"));
    if (plan.current_version_number() != 3) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  ASSERT_EQ(plan.current_version_number(), 3);
  const cp::PlanVersion& v3 = plan.current_version();
  auto therapy = std::find_if(v3.tasks().begin(), v3.tasks().end(),
                              [](const cp::Task& t) { return t.task_id() == "therapy"; });
  ASSERT_NE(therapy, v3.tasks().end());
  EXPECT_EQ(therapy->owner(), "people/stan");
  EXPECT_THAT(v3.change_summary(), HasSubstr("handed over from people/theo to people/stan"));
  // Nothing else changed, and nothing moves twice.
  EXPECT_EQ(v3.tasks_size(), 2);
  EXPECT_EQ(v3.family_summary(), V2().family_summary());
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(MustGetPlan(T("dana")).current_version_number(), 3);
}

TEST_F(PlansTest, StaleEtagIsAbortedAndChangesNothing) {
  cp::PlanVersion v1 = MustPublish(V1(), "");
  cp::PlanVersion v2 = MustPublish(V2(), v1.etag());
  cp::PlanVersion out;
  grpc::Status s = Publish(T("dana"), V3(), v1.etag(), &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::ABORTED) << s.error_message();
  EXPECT_THAT(s.error_message(), StartsWith("etag:"));
  s = Publish(T("dana"), V3(), "", &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::ABORTED) << s.error_message();
  cp::Plan plan = MustGetPlan(T("dana"));
  EXPECT_EQ(plan.current_version_number(), 2);
  EXPECT_EQ(plan.etag(), v2.etag());
  EXPECT_EQ(plan.current_version().SerializeAsString(), v2.SerializeAsString());
}

TEST_F(PlansTest, OverdueProgramStepIsListedAndEmittedOnce) {
  cp::PlanVersion v1 = MustPublish(V1(), "");
  EXPECT_EQ(Overdue(T("dana"), kCase).overdue_items_size(), 0);

  clock_.Advance(absl::Hours(72));
  cp::ListOverdueItemsResponse overdue = Overdue(T("theo"), kCase);
  ASSERT_EQ(overdue.overdue_items_size(), 1);
  const cp::OverdueItem& item = overdue.overdue_items(0);
  EXPECT_EQ(item.kind(), cp::OverdueItem::KIND_REQUIRED_STEP);
  EXPECT_EQ(item.item_id(), "screening");
  EXPECT_EQ(item.version(), v1.name());
  EXPECT_EQ(item.due_time().seconds(), absl::ToUnixSeconds(open_time_ + absl::Hours(48)));
  EXPECT_EQ(overdue.as_of_time().seconds(), absl::ToUnixSeconds(clock_.Now()));
  // Per owner: the step's owner role was held by Dana when it was published.
  cp::ListOverdueItemsResponse mine = Overdue(T("dana"), "", "people/dana");
  ASSERT_EQ(mine.overdue_items_size(), 1);
  EXPECT_EQ(mine.overdue_items(0).item_id(), "screening");
  EXPECT_EQ(Overdue(T("sam"), "", "people/dana").overdue_items_size(), 1);  // her supervisor

  const std::string resource = v1.name() + "/requiredSteps/screening";
  std::vector<cp::Event> events;
  ASSERT_TRUE(Eventually([&] {
    events = Events(resource, absl::Milliseconds(300));
    return !events.empty();
  }));
  // Many ticks later, still one event.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  events = Events(resource, absl::Milliseconds(500));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type(), cp::Event::TYPE_ITEM_OVERDUE);
  EXPECT_EQ(events[0].actor(), "services/caseplan");
  EXPECT_EQ(events[0].overdue_item().item_id(), "screening");

  // Once the task is past due too, both are listed, longest overdue first.
  clock_.Advance(absl::Hours(24 * 5));
  overdue = Overdue(T("dana"), kCase);
  ASSERT_EQ(overdue.overdue_items_size(), 2);
  EXPECT_EQ(overdue.overdue_items(0).item_id(), "screening");
  EXPECT_EQ(overdue.overdue_items(1).item_id(), "home-visit");

  // Republishing with the step still open does not emit it again, even
  // after a restart; marking it done takes it off the list.
  ASSERT_TRUE(server_.Restart().ok());
  Connect();
  cp::PlanVersion v2 = MustPublish(V2(), v1.etag());
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(Events(resource, absl::Milliseconds(300)).size(), 1u);
  EXPECT_EQ(Events(v2.name() + "/requiredSteps/screening", absl::Milliseconds(300)).size(), 0u);
  MustPublish(V3(), v2.etag());
  overdue = Overdue(T("dana"), kCase);
  for (const cp::OverdueItem& i : overdue.overdue_items()) EXPECT_NE(i.item_id(), "screening");
}

TEST_F(PlansTest, StrangersAndFamilyAreRefused) {
  cp::PlanVersion v1 = MustPublish(V1(), "");
  const std::string stan = T("stan");
  cp::Plan plan;
  cp::GetPlanRequest get;
  get.set_name(kPlan);
  EXPECT_EQ(plans_->GetPlan(Ctx(stan).get(), get, &plan).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  cp::PlanVersion out;
  EXPECT_EQ(Publish(stan, V2(), v1.etag(), &out).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  cp::PlanAcknowledgement ack;
  EXPECT_EQ(Acknowledge(stan, 1, &ack).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  cp::DiffPlanVersionsRequest diff_req;
  diff_req.set_plan(kPlan);
  cp::DiffPlanVersionsResponse diff;
  EXPECT_EQ(plans_->DiffPlanVersions(Ctx(stan).get(), diff_req, &diff).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  cp::ListOverdueItemsRequest overdue_req;
  overdue_req.set_case_(kCase);
  cp::ListOverdueItemsResponse overdue;
  EXPECT_EQ(plans_->ListOverdueItems(Ctx(stan).get(), overdue_req, &overdue).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  overdue_req.clear_case_();
  overdue_req.set_owner("people/dana");
  EXPECT_EQ(plans_->ListOverdueItems(Ctx(stan).get(), overdue_req, &overdue).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  // A supervisor may read but acknowledging is for team members.
  EXPECT_EQ(Acknowledge(T("hana"), 1, &ack).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  // The event stream is for services and platform administrators.
  auto ctx = Ctx(T("dana"));
  auto reader = plans_->WatchEvents(ctx.get(), cp::WatchEventsRequest());
  cp::WatchEventsResponse resp;
  EXPECT_FALSE(reader->Read(&resp));
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(MustGetPlan(T("dana")).current_version_number(), 1);
  // Notes are served (see notes_test.cc); this one does not exist.
  cp::GetNoteRequest note_req;
  note_req.set_name("cases/rivera/notes/n1");
  cp::Note note;
  EXPECT_EQ(plans_->GetNote(Ctx(T("dana")).get(), note_req, &note).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(PlansTest, BadInputIsRefusedNamingTheFieldAndChangesNothing) {
  cp::PlanVersion v1 = MustPublish(V1(), "");
  const std::string dana = T("dana");
  auto expect_invalid = [](const grpc::Status& s, const std::string& field) {
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << field << ": " << s.error_message();
    EXPECT_THAT(s.error_message(), StartsWith(field)) << s.error_message();
  };
  {
    cp::Plan out;
    cp::GetPlanRequest req;
    expect_invalid(plans_->GetPlan(Ctx(dana).get(), req, &out), "name");
    req.set_name(kCase);
    expect_invalid(plans_->GetPlan(Ctx(dana).get(), req, &out), "name");
  }
  {
    cp::PlanVersion out;
    cp::PublishPlanVersionRequest req;
    req.set_etag(v1.etag());
    *req.mutable_plan_version() = V2();
    expect_invalid(plans_->PublishPlanVersion(Ctx(dana).get(), req, &out), "parent");
    req.set_parent(kPlan);
    req.clear_plan_version();
    expect_invalid(plans_->PublishPlanVersion(Ctx(dana).get(), req, &out), "plan_version");
    struct Bad {
      std::function<void(cp::PlanVersion&)> spoil;
      std::string field;
    };
    std::vector<Bad> bad = {
        {[](cp::PlanVersion& v) { v.mutable_goals(0)->set_goal_id("Not An Id"); },
         "plan_version.goals[0].goal_id"},
        {[](cp::PlanVersion& v) { v.mutable_goals(1)->set_goal_id("safety"); },
         "plan_version.goals[1].goal_id"},
        {[](cp::PlanVersion& v) { v.mutable_goals(0)->clear_title(); },
         "plan_version.goals[0].title"},
        {[](cp::PlanVersion& v) { v.mutable_goals(0)->clear_status(); },
         "plan_version.goals[0].status"},
        {[](cp::PlanVersion& v) { v.mutable_goals(0)->clear_owner_role(); },
         "plan_version.goals[0].owner_role"},
        {[](cp::PlanVersion& v) { v.mutable_goals(0)->set_subjects(0, "cases/other/subjects/x"); },
         "plan_version.goals[0].subjects[0]"},
        {[](cp::PlanVersion& v) { v.mutable_tasks(0)->set_goal_id("nope"); },
         "plan_version.tasks[0].goal_id"},
        {[](cp::PlanVersion& v) { v.mutable_tasks(0)->clear_owner(); },
         "plan_version.tasks[0].owner"},
        {[](cp::PlanVersion& v) { v.mutable_tasks(0)->set_owner("dana"); },
         "plan_version.tasks[0].owner"},
        {[](cp::PlanVersion& v) { v.mutable_tasks(0)->mutable_due_time()->set_nanos(-1); },
         "plan_version.tasks[0].due_time"},
        {[](cp::PlanVersion& v) { v.mutable_required_steps(0)->clear_time_limit(); },
         "plan_version.required_steps[0].time_limit"},
        {[](cp::PlanVersion& v) { v.mutable_required_steps(1)->clear_status(); },
         "plan_version.required_steps[1].status"},
        {[](cp::PlanVersion& v) { v.set_family_summary(std::string(10001, 'x')); },
         "plan_version.family_summary"},
    };
    for (const Bad& b : bad) {
      cp::PlanVersion v = V2();
      b.spoil(v);
      *req.mutable_plan_version() = v;
      expect_invalid(plans_->PublishPlanVersion(Ctx(dana).get(), req, &out), b.field);
    }
  }
  {
    cp::PlanVersion out;
    cp::GetPlanVersionRequest req;
    for (const char* name : {"", "cases/rivera/plan/versions/0", "cases/rivera/plan/versions/x",
                             "cases/rivera/plan"}) {
      req.set_name(name);
      expect_invalid(plans_->GetPlanVersion(Ctx(dana).get(), req, &out), "name");
    }
    req.set_name("cases/rivera/plan/versions/9");
    EXPECT_EQ(plans_->GetPlanVersion(Ctx(dana).get(), req, &out).error_code(),
              grpc::StatusCode::NOT_FOUND);
  }
  {
    cp::ListPlanVersionsResponse out;
    cp::ListPlanVersionsRequest req;
    expect_invalid(plans_->ListPlanVersions(Ctx(dana).get(), req, &out), "parent");
    req.set_parent(kPlan);
    req.set_page_size(501);
    expect_invalid(plans_->ListPlanVersions(Ctx(dana).get(), req, &out), "page_size");
    req.set_page_size(-1);
    expect_invalid(plans_->ListPlanVersions(Ctx(dana).get(), req, &out), "page_size");
    req.set_page_size(0);
    req.set_page_token("garbage");
    expect_invalid(plans_->ListPlanVersions(Ctx(dana).get(), req, &out), "page_token");
  }
  {
    cp::DiffPlanVersionsResponse out;
    cp::DiffPlanVersionsRequest req;
    expect_invalid(plans_->DiffPlanVersions(Ctx(dana).get(), req, &out), "plan");
    req.set_plan(kPlan);
    req.set_base_version_number(-1);
    expect_invalid(plans_->DiffPlanVersions(Ctx(dana).get(), req, &out), "base_version_number");
    req.set_base_version_number(2);
    req.set_target_version_number(1);
    expect_invalid(plans_->DiffPlanVersions(Ctx(dana).get(), req, &out), "base_version_number");
    req.set_base_version_number(0);
    req.set_target_version_number(-3);
    expect_invalid(plans_->DiffPlanVersions(Ctx(dana).get(), req, &out), "target_version_number");
  }
  {
    cp::PlanAcknowledgement out;
    cp::AcknowledgePlanVersionRequest req;
    req.set_name("cases/rivera/plan/versions/-1");
    expect_invalid(plans_->AcknowledgePlanVersion(Ctx(T("theo")).get(), req, &out), "name");
    req.set_name("cases/rivera/plan/versions/7");
    EXPECT_EQ(plans_->AcknowledgePlanVersion(Ctx(T("theo")).get(), req, &out).error_code(),
              grpc::StatusCode::NOT_FOUND);
  }
  {
    cp::ListPlanAcknowledgementsResponse out;
    cp::ListPlanAcknowledgementsRequest req;
    expect_invalid(plans_->ListPlanAcknowledgements(Ctx(dana).get(), req, &out), "parent");
    req.set_parent(kPlan);
    req.set_version_number(-1);
    expect_invalid(plans_->ListPlanAcknowledgements(Ctx(dana).get(), req, &out), "version_number");
  }
  {
    cp::ListOverdueItemsResponse out;
    cp::ListOverdueItemsRequest req;
    expect_invalid(plans_->ListOverdueItems(Ctx(dana).get(), req, &out), "case");
    req.set_case_("rivera");
    expect_invalid(plans_->ListOverdueItems(Ctx(dana).get(), req, &out), "case");
    req.clear_case_();
    req.set_owner("dana");
    expect_invalid(plans_->ListOverdueItems(Ctx(dana).get(), req, &out), "owner");
  }
  {
    auto ctx = ServerFixture::Context(Service());
    cp::WatchEventsRequest req;
    req.set_after_revision(-1);
    auto reader = plans_->WatchEvents(ctx.get(), req);
    cp::WatchEventsResponse resp;
    EXPECT_FALSE(reader->Read(&resp));
    EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  }
  cp::Plan plan = MustGetPlan(dana);
  EXPECT_EQ(plan.current_version_number(), 1);
  EXPECT_EQ(plan.etag(), v1.etag());
  cp::ListPlanAcknowledgementsResponse acks = Acks(dana);
  EXPECT_EQ(acks.members_size(), 4);
  for (const auto& m : acks.members()) EXPECT_FALSE(m.acknowledged());
}

TEST_F(PlansTest, RestartKeepsEveryAcknowledgedWrite) {
  cp::PlanVersion v1 = MustPublish(V1(), "");
  cp::PlanVersion v2 = MustPublish(V2(), v1.etag());
  cp::PlanAcknowledgement ack;
  ASSERT_TRUE(Acknowledge(T("theo"), 2, &ack).ok());
  cp::PlanVersion v3 = MustPublish(V3(), v2.etag());
  cp::Plan before = MustGetPlan(T("dana"));
  cp::ListPlanAcknowledgementsResponse acks_before = Acks(T("dana"), 2);

  ASSERT_TRUE(server_.Restart().ok());
  Connect();
  EXPECT_EQ(MustGetPlan(T("dana")).SerializeAsString(), before.SerializeAsString());
  EXPECT_EQ(Acks(T("dana"), 2).SerializeAsString(), acks_before.SerializeAsString());
  for (const cp::PlanVersion& v : {v1, v2}) {
    cp::GetPlanVersionRequest req;
    req.set_name(v.name());
    cp::PlanVersion out;
    ASSERT_TRUE(plans_->GetPlanVersion(Ctx(T("theo")).get(), req, &out).ok());
    cp::PlanVersion expected = v;
    expected.clear_etag();
    EXPECT_EQ(out.SerializeAsString(), expected.SerializeAsString());
  }
  // The etag survives too: the next publish goes through with it.
  MustPublish(V3(), v3.etag());
}

TEST(PlanDiffTest, MatchesItemsByStableIds) {
  cp::PlanVersion base;
  base.set_version_number(1);
  *base.add_goals() = Goal("a", "A", cp::Goal::STATUS_NOT_STARTED);
  *base.add_goals() = Goal("b", "B", cp::Goal::STATUS_NOT_STARTED);
  *base.add_tasks() = Task("t1", "T1", "a", "people/x", cp::Task::STATUS_NOT_STARTED);
  base.set_family_summary("same");
  cp::PlanVersion target = base;
  target.set_version_number(2);
  target.mutable_goals(0)->set_title("A, renamed");
  target.mutable_goals(0)->set_status(cp::Goal::STATUS_ACHIEVED);
  target.mutable_goals()->DeleteSubrange(1, 1);
  *target.add_goals() = Goal("c", "C", cp::Goal::STATUS_IN_PROGRESS);

  cp::DiffPlanVersionsResponse diff = caseplan::DiffPlanVersions(&base, target);
  EXPECT_EQ(diff.base_version_number(), 1);
  EXPECT_EQ(diff.target_version_number(), 2);
  ASSERT_EQ(diff.goal_changes_size(), 3);
  EXPECT_EQ(diff.goal_changes(0).goal_id(), "a");
  EXPECT_EQ(diff.goal_changes(0).change_type(), cp::CHANGE_TYPE_CHANGED);
  EXPECT_THAT(diff.goal_changes(0).changed_fields(), ElementsAre("title", "status"));
  EXPECT_EQ(diff.goal_changes(0).before().title(), "A");
  EXPECT_EQ(diff.goal_changes(0).after().title(), "A, renamed");
  EXPECT_EQ(diff.goal_changes(1).goal_id(), "c");
  EXPECT_EQ(diff.goal_changes(1).change_type(), cp::CHANGE_TYPE_ADDED);
  EXPECT_FALSE(diff.goal_changes(1).has_before());
  EXPECT_EQ(diff.goal_changes(2).goal_id(), "b");
  EXPECT_EQ(diff.goal_changes(2).change_type(), cp::CHANGE_TYPE_REMOVED);
  EXPECT_FALSE(diff.goal_changes(2).has_after());
  EXPECT_EQ(diff.task_changes_size(), 0);
  EXPECT_FALSE(diff.family_summary_changed());

  // Against an empty plan everything is added.
  diff = caseplan::DiffPlanVersions(nullptr, base);
  EXPECT_EQ(diff.base_version_number(), 0);
  EXPECT_EQ(diff.goal_changes_size(), 2);
  EXPECT_EQ(diff.task_changes_size(), 1);
  EXPECT_EQ(diff.task_changes(0).change_type(), cp::CHANGE_TYPE_ADDED);
  EXPECT_TRUE(diff.family_summary_changed());
}

}  // namespace
}  // namespace samepage
