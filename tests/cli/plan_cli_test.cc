// The samepage command line's plan and note commands, run as a real
// subprocess against a real server hosting every service on a fake clock:
// plan versions published from JSON files, what changed since my
// acknowledgement, who has acknowledged, overdue steps; notes added, listed,
// shown with their notice, amended, acknowledged; stale etags, withheld
// notes, bad input and strangers.

#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/clock/clock.h"
#include "common/clock/time_util.h"
#include "common/identity/caller.h"
#include "common/identity/dev_token_issuer.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "samepage/caseplan/v1/caseplan_service.grpc.pb.h"
#include "samepage/directory/v1/directory_service.grpc.pb.h"
#include "samepage/registry/v1/registry_service.grpc.pb.h"
#include "samepage/sharing/v1/sharing_service.grpc.pb.h"
#include "tests/testing/run_binary.h"
#include "tests/testing/server_fixture.h"
#include "tests/testing/temp_dir.h"

namespace samepage::cli {
namespace {

using ::samepage::testing::ServerFixture;
using ::samepage::testing::TempDir;
using ::testing::HasSubstr;
using ::testing::Not;
namespace dir = ::samepage::directory::v1;
namespace reg = ::samepage::registry::v1;
namespace sh = ::samepage::sharing::v1;
namespace cp = ::samepage::caseplan::v1;

constexpr absl::Duration kRunLimit = absl::Seconds(30);
constexpr char kCase[] = "cases/rivera";
constexpr char kBea[] = "cases/rivera/subjects/bea";

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
}

using Result = ::samepage::testing::RunResult;

// Runs the samepage binary with `args` (see testing::RunBinary: output
// captured, no SAMEPAGE_* variables, stopped after kRunLimit).
Result RunBinary(const std::vector<std::string>& args) {
  return ::samepage::testing::RunBinary(SAMEPAGE_CLI, args, kRunLimit);
}

template <typename Message>
Message ParseJson(const std::string& json) {
  Message message;
  auto status = google::protobuf::util::JsonStringToMessage(json, &message);
  EXPECT_TRUE(status.ok()) << json;
  return message;
}

std::string ToJson(const google::protobuf::Message& m) {
  std::string json;
  EXPECT_TRUE(google::protobuf::util::MessageToJsonString(m, &json).ok());
  return json;
}

// Version 1 by hand, in the format `plan publish --help` documents: a safety
// goal, a sobriety goal, a home visit, and START's first two steps.
constexpr char kV1Json[] = R"({
  "familySummary": "We will keep Leo safe at home.",
  "changeSummary": "First plan",
  "goals": [
    {"goalId": "safety", "title": "Leo is safe at home",
     "subjects": ["cases/rivera/subjects/leo"],
     "ownerRole": "dependency-case-manager", "status": "STATUS_IN_PROGRESS"},
    {"goalId": "sobriety", "title": "Mother stays sober",
     "subjects": ["cases/rivera/subjects/bea"],
     "ownerRole": "dependency-case-manager", "status": "STATUS_NOT_STARTED"}
  ],
  "tasks": [
    {"taskId": "home-visit", "title": "Weekly home visit", "goalId": "safety",
     "owner": "people/dana", "dueTime": "2099-05-08T17:00:00Z", "status": "STATUS_NOT_STARTED"}
  ],
  "requiredSteps": [
    {"stepId": "screening", "title": "Substance-use screening", "sequence": 1,
     "timeLimit": "172800s", "ownerRole": "dependency-case-manager", "status": "STATUS_PENDING"},
    {"stepId": "sdm-meeting", "title": "Shared decision-making meeting", "sequence": 2,
     "timeLimit": "2592000s", "ownerRole": "dependency-case-manager", "status": "STATUS_PENDING"}
  ]
})";

class PlanCliTest : public ::testing::Test {
 protected:
  PlanCliTest()
      : clock_(absl::FromUnixSeconds(absl::ToUnixSeconds(absl::Now()))),
        server_({std::begin(server::kAllServices), std::end(server::kAllServices)}, &clock_) {}

  void SetUp() override {
    server_.options().tick_interval = absl::Milliseconds(50);
    ASSERT_TRUE(server_.Start().ok());
    auto issuer = identity::DevTokenIssuer::Load(server_.data_dir());
    ASSERT_TRUE(issuer.ok()) << issuer.status();
    issuer_ = *std::move(issuer);
    directory_ = dir::Directory::NewStub(server_.channel());
    registry_ = reg::CaseRegistry::NewStub(server_.channel());
    sharing_ = sh::Sharing::NewStub(server_.channel());
    Seed();
  }

  // Tokens are issued on the server's (fake) clock, so they stay valid as
  // the test moves it ahead.
  std::string Token(const std::string& subject, std::vector<std::string> scopes = {}) {
    auto token = issuer_->Issue(subject, scopes, absl::Hours(24 * 60), clock_.Now());
    EXPECT_TRUE(token.ok()) << token.status();
    return token.ok() ? *token : "";
  }
  std::string Admin() { return Token("admin", {identity::kAdminScope}); }
  std::string T(const std::string& person) { return Token("people/" + person); }
  static std::unique_ptr<grpc::ClientContext> Ctx(const std::string& token) {
    return ServerFixture::Context(token);
  }

  // Runs the CLI as `who` (a person id), or as the administrator.
  Result Run(const std::vector<std::string>& args, const std::string& who = "") {
    std::vector<std::string> all = {"--server",   server_.address(),
                                    "--data_dir", server_.data_dir(),
                                    "--token",    who.empty() ? Admin() : T(who)};
    all.insert(all.end(), args.begin(), args.end());
    return RunBinary(all);
  }
  Result MustRun(const std::vector<std::string>& args, const std::string& who = "") {
    Result r = Run(args, who);
    EXPECT_EQ(r.exit_code, 0) << r;
    return r;
  }

  std::string File(const std::string& name, const std::string& text) {
    const std::string path = files_.Sub(name);
    WriteFile(path, text);
    return path;
  }

  void Org(const std::string& id, dir::Organization::Kind kind) {
    dir::CreateOrganizationRequest req;
    req.set_organization_id(id);
    req.mutable_organization()->set_display_name(id);
    req.mutable_organization()->set_kind(kind);
    dir::Organization out;
    grpc::Status s = directory_->CreateOrganization(Ctx(Admin()).get(), req, &out);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }

  void Person(const std::string& id, const std::string& name, const std::string& org,
              const std::string& role, const std::string& supervisor = "", bool caregiver = false) {
    dir::CreatePersonRequest req;
    req.set_person_id(id);
    dir::Person* p = req.mutable_person();
    p->set_display_name(name);
    if (!org.empty()) p->set_organization("organizations/" + org);
    if (!role.empty()) p->add_roles("roles/" + role);
    if (!supervisor.empty()) p->set_supervisor("people/" + supervisor);
    auto* contact = p->add_contact_points();
    contact->set_channel(dir::ContactPoint::CHANNEL_EMAIL);
    contact->set_value(id + "@example.org");
    if (caregiver) p->set_kind(dir::Person::KIND_CAREGIVER);
    dir::Person out;
    grpc::Status s = directory_->CreatePerson(Ctx(Admin()).get(), req, &out);
    ASSERT_TRUE(s.ok()) << id << ": " << s.error_message();
  }

  void Assign(const std::string& role, const std::string& person, const std::string& subject = "") {
    reg::CreateAssignmentRequest req;
    req.set_parent(kCase);
    req.mutable_assignment()->set_case_role(role);
    if (!person.empty()) req.mutable_assignment()->set_person("people/" + person);
    if (!subject.empty()) req.mutable_assignment()->set_subject(subject);
    reg::Assignment out;
    grpc::Status s = registry_->CreateAssignment(Ctx(Admin()).get(), req, &out);
    ASSERT_TRUE(s.ok()) << role << ": " << s.error_message();
  }

  // The Rivera START case, opened now: Leo, his mother Bea in substance-use
  // treatment; Dana the case manager under Sam, Theo the therapist, Ursula
  // at New Leaf, Judge Joan; Sid is on no case.
  void Seed() {
    Org("sunrise", dir::Organization::KIND_CHILD_WELFARE_AGENCY);
    Org("harbor", dir::Organization::KIND_BEHAVIORAL_HEALTH_PROVIDER);
    Org("recovery", dir::Organization::KIND_SUBSTANCE_USE_TREATMENT_PROVIDER);
    Org("court", dir::Organization::KIND_COURT);
    Person("sam", "Sam Lee", "sunrise", "case-supervisor");
    Person("dana", "Dana Cruz", "sunrise", "dependency-case-manager", "sam");
    Person("sid", "Sid Stranger", "sunrise", "dependency-case-manager", "sam");
    Person("hana", "Hana Ito", "harbor", "therapist");
    Person("theo", "Theo Park", "harbor", "therapist", "hana");
    Person("ursula", "Ursula Grant", "recovery", "substance-use-treatment-provider");
    Person("joan", "Judge Joan Baker", "court", "judge");
    Person("bea", "Bea Rivera", "", "", "", /*caregiver=*/true);

    reg::CreateCaseRequest req;
    req.set_case_id("rivera");
    reg::Case* c = req.mutable_case_();
    c->set_case_number("2026-0042");
    c->set_lead_agency("organizations/sunrise");
    c->set_display_name("Rivera family");
    c->set_program("start");
    auto* leo = c->add_subjects();
    leo->set_subject_id("leo");
    leo->set_kind(reg::CaseSubject::KIND_CHILD);
    leo->set_display_name("Leo Rivera");
    leo->mutable_birth_date()->set_year(2017);
    leo->mutable_birth_date()->set_month(4);
    leo->mutable_birth_date()->set_day(9);
    auto* mom = c->add_subjects();
    mom->set_subject_id("bea");
    mom->set_kind(reg::CaseSubject::KIND_CAREGIVER);
    mom->set_display_name("Bea Rivera");
    mom->set_person("people/bea");
    auto* rel = mom->add_relationships();
    rel->set_child("leo");
    rel->set_type(reg::SubjectRelationship::TYPE_BIOLOGICAL_PARENT);
    reg::Case out;
    grpc::Status s = registry_->CreateCase(Ctx(Admin()).get(), req, &out);
    ASSERT_TRUE(s.ok()) << s.error_message();
    Assign("dependency-case-manager", "dana");
    Assign("case-supervisor", "sam");
    Assign("therapist", "theo");
    Assign("substance-use-treatment-provider", "ursula");
    Assign("court", "joan");
    Assign("biological-parent", "", kBea);
  }

  static cp::PlanVersion V1() { return ParseJson<cp::PlanVersion>(kV1Json); }
  // Version 2: the therapist's sessions are added.
  static cp::PlanVersion V2() {
    cp::PlanVersion v = V1();
    cp::Task* t = v.add_tasks();
    t->set_task_id("therapy");
    t->set_title("Weekly therapy sessions");
    t->set_goal_id("sobriety");
    t->set_owner("people/theo");
    t->set_status(cp::Task::STATUS_IN_PROGRESS);
    v.set_change_summary("Therapy added");
    return v;
  }
  // Version 3: sobriety in progress, the home visit replaced by a parenting
  // class, screening done, a new family summary.
  static cp::PlanVersion V3() {
    cp::PlanVersion v = V2();
    v.mutable_goals(1)->set_status(cp::Goal::STATUS_IN_PROGRESS);
    v.mutable_tasks()->erase(v.mutable_tasks()->begin());
    cp::Task* t = v.add_tasks();
    t->set_task_id("parenting-class");
    t->set_title("Parenting class");
    t->set_goal_id("safety");
    t->set_owner("people/dana");
    t->set_status(cp::Task::STATUS_NOT_STARTED);
    v.mutable_required_steps(0)->set_status(cp::RequiredStep::STATUS_DONE);
    v.set_family_summary("We will keep Leo safe at home; mom goes to a parenting class.");
    v.set_change_summary("Parenting class instead of visits");
    return v;
  }

  // Bea consents, with every Part 2 element, to her treatment progress going
  // to the case manager for case planning.
  void Part2Consent() {
    sh::CreateConsentRequest req;
    sh::ConsentDirective* c = req.mutable_consent();
    c->set_case_(kCase);
    c->set_subject(kBea);
    c->mutable_consenter()->set_authority(sh::Consenter::AUTHORITY_SELF);
    c->mutable_consenter()->set_subject(kBea);
    c->mutable_consenter()->set_display_name("Bea Rivera");
    c->add_disclosers()->set_person("people/ursula");
    c->add_recipients()->set_case_role("dependency-case-manager");
    c->add_categories("substance-use-part2");
    c->add_purposes(sh::PURPOSE_CASE_PLANNING);
    *c->mutable_expire_time() = ToProtoTime(clock_.Now() + absl::Hours(24 * 180));
    c->mutable_signed_form()->set_signer_name("Bea Rivera");
    *c->mutable_signed_form()->mutable_sign_time() = ToProtoTime(clock_.Now() - absl::Hours(1));
    c->mutable_signed_form()->set_reference("doc-123");
    c->set_right_to_revoke_acknowledged(true);
    sh::Part2Elements* e = c->mutable_part2_elements();
    e->set_patient_name("Bea Rivera");
    e->set_disclosing_parties("New Leaf Recovery");
    e->set_information_description("Attendance and treatment progress");
    e->set_recipient_names("The dependency case manager of the Rivera case");
    e->set_purpose_description("Case planning");
    e->set_right_to_revoke_statement("I may revoke this consent in writing at any time...");
    e->set_expiration_description("180 days from signing");
    e->set_conditioning_statement("Treatment is not conditioned on signing");
    e->set_redisclosure_statement("Information may be redisclosed as the notice allows");
    sh::ConsentDirective out;
    grpc::Status s = sharing_->CreateConsent(Ctx(T("dana")).get(), req, &out);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }

  FakeClock clock_;
  ServerFixture server_;
  TempDir files_;
  std::unique_ptr<identity::DevTokenIssuer> issuer_;
  std::unique_ptr<dir::Directory::Stub> directory_;
  std::unique_ptr<reg::CaseRegistry::Stub> registry_;
  std::unique_ptr<sh::Sharing::Stub> sharing_;
};

TEST_F(PlanCliTest, PublishFromFilesShowDiffSinceMyAckAcknowledgeAndWhoHasNot) {
  Result none = Run({"plan", "show", "rivera"}, "dana");
  EXPECT_EQ(none.exit_code, 1) << none;
  EXPECT_THAT(none.err, HasSubstr("samepage: NOT_FOUND: "));

  // The first version needs no etag; the file is the documented JSON.
  Result v1 = MustRun({"plan", "publish", "rivera", "--file", File("v1.json", kV1Json)}, "dana");
  EXPECT_THAT(v1.out, HasSubstr("Published version 1 of cases/rivera/plan"));
  // Theo reads version 1 and acknowledges it.
  Result ack1 = MustRun({"plan", "ack", "rivera"}, "theo");
  EXPECT_THAT(ack1.out, HasSubstr("Acknowledged version 1 of cases/rivera/plan as people/theo"));

  // Versions 2 and 3 without --etag: the CLI reads the current etag first.
  Result v2 =
      MustRun({"plan", "publish", "rivera", "--file", File("v2.json", ToJson(V2()))}, "dana");
  EXPECT_THAT(v2.out, HasSubstr("Published version 2"));
  Result v3 = MustRun(
      {"--json", "plan", "publish", "cases/rivera", "--file", File("v3.json", ToJson(V3()))},
      "dana");
  EXPECT_EQ(ParseJson<cp::PlanVersion>(v3.out).version_number(), 3);

  // The plan as the family and the team read it: the summary first.
  Result show = MustRun({"plan", "show", "rivera"}, "theo");
  const std::string& s = show.out;
  EXPECT_THAT(s, HasSubstr("version 3 (the current version)"));
  ASSERT_THAT(s, HasSubstr("For the family:\n  We will keep Leo safe at home; mom goes to a "
                           "parenting class."));
  EXPECT_LT(s.find("For the family:"), s.find("Goals (2):"));
  EXPECT_LT(s.find("Goals (2):"), s.find("Tasks (2):"));
  EXPECT_LT(s.find("Tasks (2):"), s.find("Required program steps (2):"));
  EXPECT_THAT(s, HasSubstr("* Mother stays sober  [in progress]"));
  EXPECT_THAT(s, HasSubstr("for Bea Rivera; owner: dependency case manager"));
  EXPECT_THAT(s, HasSubstr("* Parenting class  [not started]"));
  EXPECT_THAT(s, HasSubstr("owner: Dana Cruz (dana); due: no date; goal: Leo is safe at home"));
  EXPECT_THAT(s, HasSubstr("owner: Theo Park (theo)"));
  EXPECT_THAT(s, HasSubstr("1. Substance-use screening  [done]"));
  EXPECT_THAT(s, HasSubstr("(2d from the case's start)"));
  EXPECT_THAT(s, HasSubstr("2. Shared decision-making meeting  [pending]"));
  EXPECT_THAT(s, HasSubstr("Published by Dana Cruz (dana) on "));
  EXPECT_THAT(s, HasSubstr("What changed: Parenting class instead of visits"));
  EXPECT_THAT(s, Not(HasSubstr("Weekly home visit")));

  Result old = MustRun({"plan", "show", "rivera", "--version", "1"}, "theo");
  EXPECT_THAT(old.out, HasSubstr("version 1 (the current version is 3)"));
  EXPECT_THAT(old.out, HasSubstr("* Weekly home visit  [not started]"));
  EXPECT_THAT(old.out, HasSubstr("due: 2099-05-08"));

  Result versions = MustRun({"plan", "versions", "rivera"}, "theo");
  EXPECT_LT(versions.out.find("v3  "), versions.out.find("v2  "));
  EXPECT_LT(versions.out.find("v2  "), versions.out.find("v1  "));
  EXPECT_THAT(versions.out, HasSubstr("by dana  2 goals, 2 tasks, 2 steps  — Therapy added"));

  // What changed for Theo since he last acknowledged (version 1).
  Result diff = MustRun({"plan", "diff", "rivera", "--since-my-ack"}, "theo");
  const std::string& d = diff.out;
  EXPECT_THAT(d, HasSubstr("from version 1 to version 3 (the last version you acknowledged)"));
  EXPECT_THAT(d, HasSubstr("The family summary changed."));
  EXPECT_THAT(d, HasSubstr("~ changed  Mother stays sober  (sobriety)\n"
                           "      status: not started -> in progress"));
  EXPECT_THAT(d, HasSubstr("+ added    Weekly therapy sessions  (therapy)"));
  EXPECT_THAT(d, HasSubstr("+ added    Parenting class  (parenting-class)"));
  EXPECT_THAT(d, HasSubstr("- removed  Weekly home visit  (home-visit)"));
  EXPECT_THAT(d, HasSubstr("~ changed  Substance-use screening  (screening)\n"
                           "      status: pending -> done"));
  EXPECT_THAT(d, Not(HasSubstr("Leo is safe at home")));

  Result d23 = MustRun({"plan", "diff", "rivera", "--from", "2", "--to", "3"}, "dana");
  EXPECT_THAT(d23.out, HasSubstr("from version 2 to version 3:"));
  EXPECT_THAT(d23.out, Not(HasSubstr("Weekly therapy sessions")));
  Result dj = MustRun({"--json", "plan", "diff", "rivera", "--from", "1", "--to", "2"}, "dana");
  auto diff12 = ParseJson<cp::DiffPlanVersionsResponse>(dj.out);
  ASSERT_EQ(diff12.task_changes_size(), 1);
  EXPECT_EQ(diff12.task_changes(0).task_id(), "therapy");

  // Who has and has not read version 3.
  Result acks = MustRun({"plan", "acks", "rivera"}, "dana");
  EXPECT_THAT(acks.out, HasSubstr("Version 3 of cases/rivera/plan: "));
  size_t acked = acks.out.find("Acknowledged:");
  ASSERT_NE(acked, std::string::npos);
  EXPECT_THAT(acks.out.substr(0, acked),
              HasSubstr("Theo Park (theo) — therapist; last acknowledged version 1"));
  MustRun({"plan", "ack", "rivera", "--version", "3"}, "theo");
  acks = MustRun({"plan", "acks", "rivera"}, "dana");
  acked = acks.out.find("Acknowledged:");
  ASSERT_NE(acked, std::string::npos);
  EXPECT_THAT(acks.out.substr(acked),
              HasSubstr("Theo Park (theo) — therapist; acknowledged version 3"));
  EXPECT_THAT(acks.out, HasSubstr("Dana Cruz (dana)"));
  Result nothing_new = MustRun({"plan", "diff", "rivera", "--since-my-ack"}, "theo");
  EXPECT_THAT(nothing_new.out, HasSubstr("No changes."));

  Result json = MustRun({"--json", "plan", "show", "rivera"}, "theo");
  cp::Plan plan = ParseJson<cp::Plan>(json.out);
  EXPECT_EQ(plan.current_version_number(), 3);
  EXPECT_EQ(plan.current_version().tasks_size(), 2);
}

TEST_F(PlanCliTest, StaleEtagIsAbortedAndChangesNothing) {
  Result v1 =
      MustRun({"--json", "plan", "publish", "rivera", "--file", File("v1.json", kV1Json)}, "dana");
  const std::string etag1 = ParseJson<cp::PlanVersion>(v1.out).etag();
  ASSERT_FALSE(etag1.empty());
  MustRun({"plan", "publish", "rivera", "--file", File("v2.json", ToJson(V2())), "--etag", etag1},
          "dana");
  // Someone still holding version 1's etag.
  Result stale =
      Run({"plan", "publish", "rivera", "--file", File("v3.json", ToJson(V3())), "--etag", etag1},
          "theo");
  EXPECT_EQ(stale.exit_code, 1) << stale;
  EXPECT_THAT(stale.err, HasSubstr("samepage: ABORTED: "));
  EXPECT_THAT(stale.err, HasSubstr("the plan changed since its etag was read"));
  Result versions = MustRun({"--json", "plan", "versions", "rivera"}, "dana");
  EXPECT_EQ(ParseJson<cp::ListPlanVersionsResponse>(versions.out).plan_versions_size(), 2);
}

TEST_F(PlanCliTest, OverdueStepByCaseAndByOwner) {
  MustRun({"plan", "publish", "rivera", "--file", File("v1.json", kV1Json)}, "dana");
  Result none = MustRun({"plan", "overdue", "--case", "rivera"}, "dana");
  EXPECT_THAT(none.out, HasSubstr("Nothing overdue as of "));

  // Screening has 48 hours from the case's start.
  clock_.Advance(absl::Hours(72));
  Result overdue = MustRun({"plan", "overdue", "--case", "rivera"}, "theo");
  EXPECT_THAT(overdue.out, HasSubstr("1 overdue as of "));
  EXPECT_THAT(overdue.out, HasSubstr("rivera  step screening  \"Substance-use screening\""));
  EXPECT_THAT(overdue.out, HasSubstr("(24h overdue)  owner: dependency-case-manager"));
  Result mine = MustRun({"plan", "overdue", "--owner", "dana"}, "dana");
  EXPECT_THAT(mine.out, HasSubstr("step screening"));
  Result json = MustRun({"--json", "plan", "overdue", "--owner", "people/dana"}, "sam");
  auto list = ParseJson<cp::ListOverdueItemsResponse>(json.out);
  ASSERT_EQ(list.overdue_items_size(), 1);
  EXPECT_EQ(list.overdue_items(0).item_id(), "screening");
}

TEST_F(PlanCliTest, NotesAddListShowAmendVersionsAck) {
  Result added = MustRun(
      {"--json", "note", "add", "rivera", "--kind", "contact", "--category", "general", "--title",
       "Home visit", "--body", "Home visit, all well.", "--subject", "bea", "--id", "visit1"},
      "dana");
  const cp::Note visit = ParseJson<cp::Note>(added.out);
  EXPECT_EQ(visit.name(), "cases/rivera/notes/visit1");
  EXPECT_EQ(visit.kind(), cp::Note::KIND_CONTACT_NOTE);
  EXPECT_EQ(visit.subject(), kBea);
  clock_.Advance(absl::Seconds(1));
  Result part2 =
      MustRun({"note", "add", "rivera", "--kind", "progress", "--category", "substance-use-part2",
               "--title", "Week 2", "--body-file", File("p2.txt", "Bea attends daily.\n"),
               "--subject", "bea", "--id", "bea-week2"},
              "ursula");
  EXPECT_THAT(part2.out, HasSubstr("Added note rivera/bea-week2 (cases/rivera/notes/bea-week2)."));

  // Without a consent the caseworker does not see the Part 2 note at all.
  Result list = MustRun({"note", "list", "rivera", "--purpose", "case-planning"}, "dana");
  EXPECT_THAT(list.out, HasSubstr("1 note\n"));
  EXPECT_THAT(list.out, HasSubstr("rivera/visit1  "));
  EXPECT_THAT(list.out, HasSubstr("contact note  [general]  \"Home visit\"  by dana"));
  EXPECT_THAT(list.out, Not(HasSubstr("bea-week2")));
  Result denied = Run({"note", "show", "rivera/bea-week2", "--purpose", "case-planning"}, "dana");
  EXPECT_EQ(denied.exit_code, 1) << denied;
  EXPECT_THAT(denied.err, HasSubstr("samepage: PERMISSION_DENIED: "));
  EXPECT_THAT(denied.out, Not(HasSubstr("Bea attends daily")));

  // The author reads it by authorship.
  Result own = MustRun({"note", "show", "cases/rivera/notes/bea-week2"}, "ursula");
  EXPECT_THAT(own.out, HasSubstr("Access basis: authorship"));
  EXPECT_THAT(own.out, HasSubstr("Bea attends daily."));

  // Under Bea's consent: the notice above the text, the basis, the record.
  Part2Consent();
  Result shown =
      MustRun({"note", "show", "rivera/bea-week2", "--purpose", "case-planning"}, "dana");
  const std::string& t = shown.out;
  const size_t notice = t.find("!! NOTICE");
  ASSERT_NE(notice, std::string::npos) << t;
  EXPECT_THAT(t, HasSubstr("42 CFR part 2"));
  EXPECT_LT(notice, t.find("Title: Week 2"));
  EXPECT_LT(notice, t.find("Bea attends daily."));
  EXPECT_THAT(t, HasSubstr("Kind: progress note; category: substance-use-part2"));
  EXPECT_THAT(t, HasSubstr("About: Bea Rivera"));
  EXPECT_THAT(t, HasSubstr("Author: Ursula Grant (ursula)"));
  EXPECT_THAT(t, HasSubstr("Versions: 1\n"));
  EXPECT_THAT(t, HasSubstr("Access basis: consent directive (recorded as disclosures/"));
  list = MustRun({"note", "list", "rivera", "--purpose", "case-planning"}, "dana");
  EXPECT_THAT(list.out, HasSubstr("2 notes\n"));
  EXPECT_LT(list.out.find("rivera/bea-week2"), list.out.find("rivera/visit1"));  // newest first
  EXPECT_THAT(list.out, HasSubstr("!! see `note show` for its notice"));
  Result paged =
      MustRun({"note", "list", "rivera", "--purpose", "case-planning", "--page-size", "1"}, "dana");
  EXPECT_THAT(paged.out, HasSubstr("(more: add --page-token "));

  // Amended: the CLI reads the etag; the old version is kept with who and why.
  Result amended = MustRun({"note", "amend", "rivera/visit1", "--reason", "left out the bedroom",
                            "--body", "Home visit, all well. Leo has his own bedroom."},
                           "dana");
  EXPECT_THAT(amended.out, HasSubstr("Amended note rivera/visit1: now version 2"));
  Result stale = Run({"note", "amend", "rivera/visit1", "--reason", "again", "--body", "x",
                      "--etag", visit.etag()},
                     "dana");
  EXPECT_EQ(stale.exit_code, 1) << stale;
  EXPECT_THAT(stale.err, HasSubstr("samepage: ABORTED: "));
  Result versions = MustRun({"note", "versions", "rivera/visit1", "--bodies"}, "dana");
  EXPECT_THAT(versions.out, HasSubstr("2 versions of cases/rivera/notes/visit1"));
  EXPECT_THAT(versions.out, HasSubstr("why: left out the bedroom"));
  EXPECT_LT(versions.out.find("v2  "), versions.out.find("v1  "));
  EXPECT_THAT(versions.out, HasSubstr("    | Home visit, all well.\n"));

  // Read receipts.
  Result ack = MustRun({"note", "ack", "rivera/visit1"}, "sam");
  EXPECT_THAT(ack.out, HasSubstr("Acknowledged note rivera/visit1 version 2 as people/sam"));
  Result after = MustRun({"note", "show", "rivera/visit1"}, "dana");
  EXPECT_THAT(after.out, HasSubstr("Versions: 2 (amended by Dana Cruz (dana)"));
  EXPECT_THAT(after.out, HasSubstr(": left out the bedroom)"));
  EXPECT_THAT(after.out, HasSubstr("Read by: sam (v2)"));
  EXPECT_THAT(after.out, HasSubstr("Leo has his own bedroom."));
  EXPECT_THAT(after.out, Not(HasSubstr("!! ")));
}

TEST_F(PlanCliTest, PsychotherapyNoteIsNotListedForOthers) {
  MustRun({"note", "add", "rivera", "--kind", "psychotherapy", "--category", "psychotherapy-notes",
           "--title", "Session 4", "--body", "Private.", "--id", "session4"},
          "theo");
  Result his = MustRun({"note", "list", "rivera", "--purpose", "treatment"}, "theo");
  EXPECT_THAT(his.out, HasSubstr("1 note\n"));
  EXPECT_THAT(his.out, HasSubstr("psychotherapy note"));
  for (const std::string who : {"dana", "sam"}) {
    Result other = MustRun({"note", "list", "rivera", "--purpose", "treatment"}, who);
    EXPECT_THAT(other.out, HasSubstr("0 notes\n")) << who;
    Result show = Run({"note", "show", "rivera/session4", "--purpose", "treatment"}, who);
    EXPECT_EQ(show.exit_code, 1) << show;
    EXPECT_THAT(show.err, HasSubstr("PERMISSION_DENIED"));
  }
}

TEST_F(PlanCliTest, BadInputIsAUsageErrorAndStrangersAreDenied) {
  const std::string v1 = File("v1.json", kV1Json);
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<Case> usage = {
      {{"plan", "show"}, "needs CASE"},
      {{"plan", "show", "rivera", "--version", "0"}, "--version"},
      {{"plan", "publish", "rivera"}, "--file is required"},
      {{"plan", "publish", "rivera", "--file", "/no/such/file.json"}, "cannot read"},
      {{"plan", "publish", "rivera", "--file", File("bad.json", "{\"goals\": [{\"goalid\": 1}]}")},
       "is not a plan version in JSON"},
      {{"plan", "diff", "rivera", "--since-my-ack", "--from", "1"}, "give one"},
      {{"plan", "diff", "rivera", "--from", "3", "--to", "2"}, "older"},
      {{"plan", "ack", "rivera", "--version", "x"}, "--version"},
      {{"plan", "overdue"}, "--case CASE or --owner PERSON"},
      {{"note", "add", "rivera", "--kind", "diary", "--category", "general", "--title", "t",
        "--body", "b"},
       "progress"},
      {{"note", "add", "rivera", "--kind", "progress", "--category", "general", "--title", "t"},
       "--body TEXT or --body-file FILE"},
      {{"note", "add", "rivera", "--kind", "progress", "--category", "general", "--title", "t",
        "--body", "b", "--body-file", v1},
       "--body TEXT or --body-file FILE"},
      {{"note", "show", "n1"}, "CASE/NOTE_ID"},
      {{"note", "list", "rivera", "--purpose", "fun"}, "is not a purpose"},
      {{"note", "amend", "rivera/n1", "--body", "b"}, "--reason is required"},
      {{"note", "list", "rivera", "--bogus"}, "--bogus"},
  };
  for (const Case& c : usage) {
    Result r = Run(c.args, "dana");
    EXPECT_EQ(r.exit_code, 2) << r;
    EXPECT_THAT(r.err, HasSubstr(c.message)) << r;
  }

  // The server refuses what it cannot accept: a goal without a status.
  Result invalid = Run({"plan", "publish", "rivera", "--file",
                        File("nostatus.json", R"({"goals": [{"goalId": "g", "title": "G",
                             "ownerRole": "dependency-case-manager"}]})")},
                       "dana");
  EXPECT_EQ(invalid.exit_code, 1) << invalid;
  EXPECT_THAT(invalid.err, HasSubstr("samepage: INVALID_ARGUMENT: "));

  Result help = MustRun({"help", "plan", "publish"});
  EXPECT_THAT(help.out, HasSubstr("\"familySummary\""));
  EXPECT_THAT(help.out, HasSubstr("\"timeLimit\": \"172800s\""));

  MustRun({"plan", "publish", "rivera", "--file", v1}, "dana");
  MustRun({"note", "add", "rivera", "--kind", "contact", "--category", "general", "--title", "t",
           "--body", "b", "--id", "note1"},
          "dana");
  const std::vector<std::vector<std::string>> denied = {
      {"plan", "show", "rivera"},
      {"plan", "diff", "rivera", "--since-my-ack"},
      {"plan", "ack", "rivera", "--version", "1"},
      {"plan", "acks", "rivera"},
      {"plan", "overdue", "--case", "rivera"},
      {"plan", "publish", "rivera", "--file", v1},
      {"note", "list", "rivera"},
      {"note", "show", "rivera/note1"},
      {"note", "add", "rivera", "--kind", "other", "--category", "general", "--title", "t",
       "--body", "b"},
      {"note", "ack", "rivera/note1"},
  };
  for (const auto& args : denied) {
    Result r = Run(args, "sid");
    EXPECT_EQ(r.exit_code, 1) << r;
    EXPECT_THAT(r.err, HasSubstr("samepage: PERMISSION_DENIED: ")) << r;
  }
}

}  // namespace
}  // namespace samepage::cli
