// Requests for information between professionals on a case, through the
// generated sharing client against a real server whose clock the test moves:
// a DCM asks the therapist for a court summary; past its due time the request
// goes overdue and reaches the therapist's supervisor; the therapist answers
// with a note.

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
#include "samepage/directory/v1/directory_service.grpc.pb.h"
#include "samepage/registry/v1/registry_service.grpc.pb.h"
#include "samepage/sharing/v1/sharing_service.grpc.pb.h"
#include "services/sharing/information_requests.h"
#include "services/sharing/sharing_events.h"
#include "tests/testing/server_fixture.h"
#include "tests/testing/temp_dir.h"

namespace samepage {
namespace {

using ::samepage::testing::ServerFixture;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;
namespace dir = ::samepage::directory::v1;
namespace reg = ::samepage::registry::v1;
namespace shr = ::samepage::sharing::v1;
using Request = shr::InformationRequest;
using View = shr::ListInformationRequestsRequest;

constexpr char kCase[] = "cases/rivera";

// Polls `done` every 20 ms for at most `limit`: the server's ticker runs on
// its own thread.
bool Eventually(const std::function<bool()>& done, absl::Duration limit = absl::Seconds(5)) {
  absl::Time deadline = absl::Now() + limit;
  while (absl::Now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return done();
}

std::vector<std::string> Names(const shr::ListInformationRequestsResponse& resp) {
  std::vector<std::string> out;
  for (const Request& r : resp.information_requests()) out.push_back(r.name());
  return out;
}

class RequestsTest : public ::testing::Test {
 protected:
  RequestsTest()
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
    sharing_ = shr::Sharing::NewStub(server_.channel());
  }

  // Tokens are issued on the server's (fake) clock, so they stay valid as
  // the test moves it days ahead.
  std::string Token(const std::string& subject, std::vector<std::string> scopes = {}) {
    auto token = issuer_->Issue(subject, scopes, absl::Hours(24 * 60), clock_.Now());
    EXPECT_TRUE(token.ok()) << token.status();
    return token.ok() ? *token : "";
  }
  std::string T(const std::string& person) { return Token("people/" + person); }
  std::string Admin() { return Token("admin", {identity::kAdminScope}); }
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
    grpc::Status s = directory_->CreateOrganization(Ctx(Admin()).get(), req, &out);
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
    grpc::Status s = directory_->CreatePerson(Ctx(Admin()).get(), req, &out);
    ASSERT_TRUE(s.ok()) << id << ": " << s.error_message();
  }

  void Assign(const std::string& role, const std::string& person) {
    reg::CreateAssignmentRequest req;
    req.set_parent(kCase);
    req.mutable_assignment()->set_case_role(role);
    req.mutable_assignment()->set_person("people/" + person);
    reg::Assignment out;
    // A platform administrator: the registry learns that Alma administers
    // Sunrise from the directory's events, a moment later.
    grpc::Status s = registry_->CreateAssignment(Ctx(Admin()).get(), req, &out);
    ASSERT_TRUE(s.ok()) << role << ": " << s.error_message();
  }

  // Sunrise (the lead agency) with its DCM Dana under Sam; Harbor with the
  // therapist Theo under Hana; the court; and Stan, a therapist on no case.
  void Seed() {
    Org("sunrise", dir::Organization::KIND_CHILD_WELFARE_AGENCY);
    Org("harbor", dir::Organization::KIND_BEHAVIORAL_HEALTH_PROVIDER);
    Org("county-court", dir::Organization::KIND_COURT);
    Person("alma", "sunrise", "administrator", "", /*admin=*/true);
    Person("sam", "sunrise", "case-supervisor");
    Person("dana", "sunrise", "dependency-case-manager", "sam");
    Person("hana", "harbor", "therapist");
    Person("theo", "harbor", "therapist", "hana");
    Person("judy", "county-court", "judge");
    Person("stan", "harbor", "therapist", "hana");

    reg::CreateCaseRequest req;
    req.set_case_id("rivera");
    reg::Case* c = req.mutable_case_();
    c->set_case_number("2026-0042");
    c->set_lead_agency("organizations/sunrise");
    c->set_program("foster-care");
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
    Assign("dependency-case-manager", "dana");
    Assign("case-supervisor", "sam");
    Assign("therapist", "theo");
    Assign("court", "judy");
  }

  // A valid court-summary request from the DCM to the therapist.
  shr::CreateInformationRequestRequest CourtSummary(absl::Duration due_in = absl::Hours(24 * 5)) {
    shr::CreateInformationRequestRequest req;
    Request* r = req.mutable_information_request();
    r->set_case_(kCase);
    r->set_subject(std::string(kCase) + "/subjects/leo");
    r->mutable_recipient()->set_person("people/theo");
    r->set_summary("Progress summary for the review hearing");
    r->set_details("Attendance, progress on treatment goals, recommendations.");
    r->set_purpose(shr::PURPOSE_COURT_PROCEEDINGS);
    r->add_categories("mental-health");
    r->add_categories("court-report");
    r->mutable_due_time()->set_seconds(absl::ToUnixSeconds(clock_.Now() + due_in));
    return req;
  }

  grpc::Status Create(const std::string& token, const shr::CreateInformationRequestRequest& req,
                      Request* out) {
    return sharing_->CreateInformationRequest(Ctx(token).get(), req, out);
  }
  Request MustCreate(const shr::CreateInformationRequestRequest& req) {
    Request out;
    grpc::Status s = Create(T("dana"), req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }

  grpc::Status Get(const std::string& token, const std::string& name, Request* out) {
    shr::GetInformationRequestRequest req;
    req.set_name(name);
    return sharing_->GetInformationRequest(Ctx(token).get(), req, out);
  }
  Request MustGet(const std::string& name) {
    Request out;
    grpc::Status s = Get(Admin(), name, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }

  grpc::Status List(const std::string& token, const View& req,
                    shr::ListInformationRequestsResponse* out) {
    return sharing_->ListInformationRequests(Ctx(token).get(), req, out);
  }
  std::vector<std::string> ListNames(const std::string& token, View::View view,
                                     std::vector<Request::State> states = {}) {
    View req;
    req.set_view(view);
    if (view == View::VIEW_CASE) req.set_case_(kCase);
    for (auto s : states) req.add_states(s);
    shr::ListInformationRequestsResponse resp;
    grpc::Status s = List(token, req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return Names(resp);
  }

  grpc::Status Acknowledge(const std::string& token, const std::string& name, Request* out,
                           const std::string& etag = "") {
    shr::AcknowledgeInformationRequestRequest req;
    req.set_name(name);
    req.set_etag(etag);
    return sharing_->AcknowledgeInformationRequest(Ctx(token).get(), req, out);
  }
  grpc::Status Fulfill(const std::string& token, const std::string& name, const std::string& note,
                       Request* out, const std::string& etag = "") {
    shr::FulfillInformationRequestRequest req;
    req.set_name(name);
    req.mutable_fulfillment()->set_resource(note);
    req.mutable_fulfillment()->set_comment("Court report attached.");
    req.set_etag(etag);
    return sharing_->FulfillInformationRequest(Ctx(token).get(), req, out);
  }
  grpc::Status Decline(const std::string& token, const std::string& name, const std::string& reason,
                       Request* out) {
    shr::DeclineInformationRequestRequest req;
    req.set_name(name);
    req.set_reason(reason);
    return sharing_->DeclineInformationRequest(Ctx(token).get(), req, out);
  }

  // The sharing events about `resource`, read from the start of the stream
  // up to and including the first event of type `until` about it.
  std::vector<shr::Event::Type> EventsUntil(const std::string& resource, shr::Event::Type until) {
    auto ctx = ServerFixture::Context(Service(), absl::Seconds(5));
    shr::WatchEventsRequest req;
    auto reader = sharing_->WatchEvents(ctx.get(), req);
    std::vector<shr::Event::Type> out;
    shr::WatchEventsResponse resp;
    while (reader->Read(&resp)) {
      if (resp.event().resource() != resource) continue;
      EXPECT_EQ(resp.event().information_request().name(), resource);
      out.push_back(resp.event().type());
      if (resp.event().type() == until) break;
    }
    ctx->TryCancel();
    reader->Finish();
    return out;
  }

  // Lets the ticker run a few times on the current clock.
  static void LetTicksRun() { std::this_thread::sleep_for(std::chrono::milliseconds(300)); }

  FakeClock clock_;
  ServerFixture server_;
  std::unique_ptr<identity::DevTokenIssuer> issuer_;
  std::unique_ptr<dir::Directory::Stub> directory_;
  std::unique_ptr<reg::CaseRegistry::Stub> registry_;
  std::unique_ptr<shr::Sharing::Stub> sharing_;
};

TEST_F(RequestsTest, CourtSummaryGoesOverdueEscalatesToTheSupervisorAndIsFulfilled) {
  // The DCM asks the therapist, by person and by case role, five days ahead.
  Request by_person = MustCreate(CourtSummary());
  EXPECT_THAT(by_person.name(), StartsWith("informationRequests/"));
  EXPECT_EQ(by_person.state(), Request::STATE_OPEN);
  EXPECT_EQ(by_person.requester(), "people/dana");
  EXPECT_THAT(by_person.recipient_people(), ElementsAre("people/theo"));
  EXPECT_FALSE(by_person.etag().empty());

  shr::CreateInformationRequestRequest by_role_req = CourtSummary(absl::Hours(24 * 6));
  by_role_req.set_information_request_id("court-summary-by-role");
  by_role_req.mutable_information_request()->mutable_recipient()->set_case_role("therapist");
  Request by_role = MustCreate(by_role_req);
  EXPECT_EQ(by_role.name(), "informationRequests/court-summary-by-role");
  EXPECT_THAT(by_role.recipient_people(), ElementsAre("people/theo"));

  // "They call you, like, that day": refused unless urgent, with a reason.
  Request refused;
  grpc::Status same_day = Create(T("dana"), CourtSummary(absl::Hours(3)), &refused);
  EXPECT_EQ(same_day.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(same_day.error_message(), HasSubstr("information_request.due_time"));
  EXPECT_THAT(same_day.error_message(), HasSubstr("24h"));
  shr::CreateInformationRequestRequest urgent = CourtSummary(absl::Hours(3));
  urgent.mutable_information_request()->set_urgent(true);
  grpc::Status no_reason = Create(T("dana"), urgent, &refused);
  EXPECT_EQ(no_reason.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(no_reason.error_message(), StartsWith("information_request.urgent_reason"));
  urgent.mutable_information_request()->set_urgent_reason("Emergency shelter hearing tomorrow");
  Request urgent_one = MustCreate(urgent);
  EXPECT_TRUE(urgent_one.urgent());

  // The therapist is told: the requests wait on them, earliest due first.
  EXPECT_THAT(ListNames(T("theo"), View::VIEW_WAITING_ON_ME),
              ElementsAre(urgent_one.name(), by_person.name(), by_role.name()));
  EXPECT_THAT(ListNames(T("dana"), View::VIEW_WAITING_ON_ME), ElementsAre());
  Request acked;
  grpc::Status ack = Acknowledge(T("theo"), by_role.name(), &acked, by_role.etag());
  ASSERT_TRUE(ack.ok()) << ack.error_message();
  EXPECT_EQ(acked.state(), Request::STATE_ACKNOWLEDGED);
  EXPECT_EQ(acked.acknowledged_by(), "people/theo");
  // The urgent one is answered in time and never goes overdue.
  Request answered;
  ASSERT_TRUE(Fulfill(T("theo"), urgent_one.name(), "cases/rivera/notes/shelter", &answered).ok());

  // Unanswered past the due time: overdue, then escalated to Theo's supervisor.
  clock_.Advance(absl::Hours(24 * 5) + absl::Hours(1));
  ASSERT_TRUE(Eventually([&] {
    return MustGet(by_person.name()).state() == Request::STATE_ESCALATED;
  })) << MustGet(by_person.name()).DebugString();
  Request escalated = MustGet(by_person.name());
  EXPECT_EQ(escalated.escalated_to(), "people/hana");
  EXPECT_TRUE(escalated.has_overdue_time());
  EXPECT_TRUE(escalated.has_escalate_time());
  // Not yet due, acknowledged or not: untouched.
  EXPECT_EQ(MustGet(by_role.name()).state(), Request::STATE_ACKNOWLEDGED);
  EXPECT_EQ(MustGet(urgent_one.name()).state(), Request::STATE_FULFILLED);
  EXPECT_FALSE(MustGet(urgent_one.name()).has_overdue_time());
  EXPECT_THAT(ListNames(T("hana"), View::VIEW_WAITING_ON_ME), ElementsAre(by_person.name()));
  Request seen_by_supervisor;
  EXPECT_TRUE(Get(T("hana"), by_person.name(), &seen_by_supervisor).ok());

  // An acknowledged request past its due time goes the same way.
  clock_.Advance(absl::Hours(24));
  ASSERT_TRUE(
      Eventually([&] { return MustGet(by_role.name()).state() == Request::STATE_ESCALATED; }));
  EXPECT_EQ(MustGet(by_role.name()).escalated_to(), "people/hana");

  // The therapist answers with the court-report note.
  LetTicksRun();
  Request fulfilled;
  grpc::Status done =
      Fulfill(T("theo"), by_person.name(), "cases/rivera/notes/court-report-1", &fulfilled);
  ASSERT_TRUE(done.ok()) << done.error_message();
  EXPECT_EQ(fulfilled.state(), Request::STATE_FULFILLED);
  EXPECT_EQ(fulfilled.fulfillment().resource(), "cases/rivera/notes/court-report-1");
  EXPECT_EQ(fulfilled.fulfillment().fulfilled_by(), "people/theo");
  EXPECT_EQ(fulfilled.escalated_to(), "people/hana");
  // The supervisor may answer or decline the escalated one too.
  Request declined;
  grpc::Status by_supervisor =
      Decline(T("hana"), by_role.name(), "Covered by the other summary", &declined);
  ASSERT_TRUE(by_supervisor.ok()) << by_supervisor.error_message();
  EXPECT_EQ(declined.declined_by(), "people/hana");

  // Closed requests stay closed.
  Request again;
  EXPECT_EQ(Fulfill(T("theo"), by_person.name(), "cases/rivera/notes/x", &again).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(Decline(T("theo"), by_person.name(), "no", &again).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(Acknowledge(T("theo"), by_person.name(), &again).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);

  // The DCM sees the answer among the requests they made.
  EXPECT_THAT(ListNames(T("dana"), View::VIEW_MADE_BY_ME, {Request::STATE_FULFILLED}),
              ElementsAre(urgent_one.name(), by_person.name()));
  EXPECT_THAT(ListNames(T("dana"), View::VIEW_MADE_BY_ME),
              ElementsAre(urgent_one.name(), by_person.name(), by_role.name()));
  EXPECT_THAT(ListNames(T("sam"), View::VIEW_CASE, {Request::STATE_DECLINED}),
              ElementsAre(by_role.name()));

  // Each step happened once, with its event, whatever the number of ticks.
  EXPECT_THAT(EventsUntil(by_person.name(), shr::Event::TYPE_INFORMATION_REQUEST_FULFILLED),
              ElementsAre(shr::Event::TYPE_INFORMATION_REQUEST_CREATED,
                          shr::Event::TYPE_INFORMATION_REQUEST_OVERDUE,
                          shr::Event::TYPE_INFORMATION_REQUEST_ESCALATED,
                          shr::Event::TYPE_INFORMATION_REQUEST_FULFILLED));
  EXPECT_THAT(EventsUntil(by_role.name(), shr::Event::TYPE_INFORMATION_REQUEST_DECLINED),
              ElementsAre(shr::Event::TYPE_INFORMATION_REQUEST_CREATED,
                          shr::Event::TYPE_INFORMATION_REQUEST_ACKNOWLEDGED,
                          shr::Event::TYPE_INFORMATION_REQUEST_OVERDUE,
                          shr::Event::TYPE_INFORMATION_REQUEST_ESCALATED,
                          shr::Event::TYPE_INFORMATION_REQUEST_DECLINED));
}

// Issue 3's handoff reaches the requests: when the therapist leaves, what
// waited on him waits on his successor.
TEST_F(RequestsTest, OpenRequestsFollowTheHandoffToTheSuccessor) {
  Request request = MustCreate(CourtSummary());
  dir::RecordDepartureRequest departure;
  departure.set_name("people/theo");
  departure.mutable_effective_time()->set_seconds(absl::ToUnixSeconds(clock_.Now()));
  departure.set_successor("people/stan");
  dir::Person departed;
  grpc::Status s = directory_->RecordDeparture(Ctx(T("hana")).get(), departure, &departed);
  ASSERT_TRUE(s.ok()) << s.error_message();

  // The registry hands the case over, then the sharing service moves the
  // request; both react to events, so wait (bounded).
  bool moved = false;
  for (int i = 0; i < 250 && !moved; ++i) {
    moved =
        ListNames(T("stan"), View::VIEW_WAITING_ON_ME) == std::vector<std::string>{request.name()};
    if (!moved) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_TRUE(moved);
  // Theo has left: his token no longer works at all.
  View waiting;
  waiting.set_view(View::VIEW_WAITING_ON_ME);
  shr::ListInformationRequestsResponse none;
  EXPECT_EQ(List(T("theo"), waiting, &none).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  shr::GetInformationRequestRequest get;
  get.set_name(request.name());
  Request now;
  ASSERT_TRUE(sharing_->GetInformationRequest(Ctx(T("stan")).get(), get, &now).ok());
  EXPECT_THAT(now.recipient_people(), ElementsAre("people/stan"));
  EXPECT_EQ(now.recipient().person(), "people/stan");
  // Stan can answer it.
  shr::FulfillInformationRequestRequest fulfill;
  fulfill.set_name(request.name());
  fulfill.mutable_fulfillment()->set_resource("cases/rivera/notes/n-summary");
  Request done;
  s = sharing_->FulfillInformationRequest(Ctx(T("stan")).get(), fulfill, &done);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(done.state(), Request::STATE_FULFILLED);
}

TEST_F(RequestsTest, ADeclinedRequestNeverGoesOverdue) {
  Request r = MustCreate(CourtSummary());
  Request out;
  grpc::Status no_reason = Decline(T("theo"), r.name(), "  ", &out);
  EXPECT_EQ(no_reason.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(no_reason.error_message(), StartsWith("reason:"));
  grpc::Status s = Decline(T("theo"), r.name(), "I have not seen Leo since March", &out);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(out.state(), Request::STATE_DECLINED);
  EXPECT_EQ(out.decline_reason(), "I have not seen Leo since March");
  EXPECT_EQ(out.declined_by(), "people/theo");

  clock_.Advance(absl::Hours(24 * 10));
  LetTicksRun();
  Request later = MustGet(r.name());
  EXPECT_EQ(later.state(), Request::STATE_DECLINED);
  EXPECT_FALSE(later.has_overdue_time());
  EXPECT_THAT(ListNames(T("dana"), View::VIEW_MADE_BY_ME, {Request::STATE_DECLINED}),
              ElementsAre(r.name()));
}

TEST_F(RequestsTest, OnlyTheTeamAsksAndOnlyThePartiesAnswer) {
  Request r = MustCreate(CourtSummary());
  Request out;
  // Stan is on no team.
  EXPECT_EQ(Create(T("stan"), CourtSummary(), &out).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Get(T("stan"), r.name(), &out).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Acknowledge(T("stan"), r.name(), &out).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Fulfill(T("stan"), r.name(), "cases/rivera/notes/x", &out).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Decline(T("stan"), r.name(), "no", &out).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  View theirs;
  theirs.set_person("people/theo");
  shr::ListInformationRequestsResponse listed;
  EXPECT_EQ(List(T("stan"), theirs, &listed).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  View of_case;
  of_case.set_view(View::VIEW_CASE);
  of_case.set_case_(kCase);
  EXPECT_EQ(List(T("stan"), of_case, &listed).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  // The requester does not answer their own request.
  EXPECT_EQ(Acknowledge(T("dana"), r.name(), &out).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  // Theo's supervisor sees what waits on him; the case supervisor reads it.
  ASSERT_TRUE(List(T("hana"), theirs, &listed).ok());
  EXPECT_THAT(Names(listed), ElementsAre(r.name()));
  EXPECT_TRUE(Get(T("sam"), r.name(), &out).ok());
  // Judy is on the team but no party to it.
  EXPECT_EQ(Get(T("judy"), r.name(), &out).error_code(), grpc::StatusCode::PERMISSION_DENIED);

  // Whom one may ask: someone on the team, a role somebody holds, no
  // organisation.
  shr::CreateInformationRequestRequest to_stan = CourtSummary();
  to_stan.mutable_information_request()->mutable_recipient()->set_person("people/stan");
  grpc::Status s = Create(T("dana"), to_stan, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), HasSubstr("people/stan"));
  shr::CreateInformationRequestRequest to_attorney = CourtSummary();
  to_attorney.mutable_information_request()->mutable_recipient()->set_case_role("attorney");
  s = Create(T("dana"), to_attorney, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), HasSubstr("attorney"));
  shr::CreateInformationRequestRequest to_court = CourtSummary();
  to_court.mutable_information_request()->mutable_recipient()->set_case_role("court");
  ASSERT_TRUE(Create(T("theo"), to_court, &out).ok());
  EXPECT_THAT(out.recipient_people(), ElementsAre("people/judy"));

  // A stale etag is refused.
  Request acked;
  ASSERT_TRUE(Acknowledge(T("theo"), r.name(), &acked, r.etag()).ok());
  EXPECT_EQ(Fulfill(T("theo"), r.name(), "cases/rivera/notes/x", &out, r.etag()).error_code(),
            grpc::StatusCode::ABORTED);
  EXPECT_TRUE(Fulfill(T("theo"), r.name(), "cases/rivera/notes/x", &out, acked.etag()).ok());
}

TEST_F(RequestsTest, WaitingOnMeIsPagedEarliestDueFirst) {
  std::vector<std::string> made;
  for (int days : {9, 7, 8, 6, 10})
    made.push_back(MustCreate(CourtSummary(absl::Hours(24 * days))).name());
  std::vector<std::string> expected = {made[3], made[1], made[2], made[0], made[4]};
  View req;
  req.set_page_size(2);
  std::vector<std::string> seen;
  for (int page = 0; page < 5; ++page) {
    shr::ListInformationRequestsResponse resp;
    grpc::Status s = List(T("theo"), req, &resp);
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_LE(resp.information_requests_size(), 2);
    for (auto& name : Names(resp)) seen.push_back(name);
    if (resp.next_page_token().empty()) break;
    req.set_page_token(resp.next_page_token());
  }
  EXPECT_EQ(seen, expected);
  // A token belongs to its request.
  View other;
  other.set_view(View::VIEW_MADE_BY_ME);
  other.set_page_token(req.page_token());
  shr::ListInformationRequestsResponse resp;
  grpc::Status s = List(T("theo"), other, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), StartsWith("page_token"));
}

TEST_F(RequestsTest, BadInputOnEveryRequestRpcNamesTheFieldAndChangesNothing) {
  Request existing = MustCreate(CourtSummary());
  auto snapshot = [&] {
    View req;
    req.set_view(View::VIEW_CASE);
    req.set_case_(kCase);
    shr::ListInformationRequestsResponse resp;
    EXPECT_TRUE(List(Admin(), req, &resp).ok());
    return resp.SerializeAsString();
  };
  const std::string before = snapshot();

  struct CreateCase {
    std::string field;
    std::function<void(shr::CreateInformationRequestRequest&)> mutate;
  };
  const std::vector<CreateCase> creates = {
      {"information_request_id", [](auto& r) { r.set_information_request_id("Bad Id"); }},
      {"information_request", [](auto& r) { r.clear_information_request(); }},
      {"information_request.case", [](auto& r) { r.mutable_information_request()->clear_case_(); }},
      {"information_request.case",
       [](auto& r) { r.mutable_information_request()->set_case_("rivera"); }},
      {"information_request.subject",
       [](auto& r) { r.mutable_information_request()->set_subject("cases/other/subjects/leo"); }},
      {"information_request.recipient",
       [](auto& r) { r.mutable_information_request()->clear_recipient(); }},
      {"information_request.recipient.organization",
       [](auto& r) {
         r.mutable_information_request()->mutable_recipient()->set_organization(
             "organizations/harbor");
       }},
      {"information_request.recipient.person",
       [](auto& r) { r.mutable_information_request()->mutable_recipient()->set_person("theo"); }},
      {"information_request.recipient.person",
       [](auto& r) {
         r.mutable_information_request()->mutable_recipient()->set_person("people/dana");
       }},
      {"information_request.recipient.case_role",
       [](auto& r) {
         r.mutable_information_request()->mutable_recipient()->set_case_role("Therapist!");
       }},
      {"information_request.summary",
       [](auto& r) { r.mutable_information_request()->set_summary(""); }},
      {"information_request.summary",
       [](auto& r) { r.mutable_information_request()->set_summary(std::string(201, 'x')); }},
      {"information_request.details",
       [](auto& r) { r.mutable_information_request()->set_details(std::string(4001, 'x')); }},
      {"information_request.purpose",
       [](auto& r) { r.mutable_information_request()->set_purpose(shr::PURPOSE_UNSPECIFIED); }},
      {"information_request.purpose_description",
       [](auto& r) { r.mutable_information_request()->set_purpose(shr::PURPOSE_OTHER); }},
      {"information_request.categories",
       [](auto& r) { r.mutable_information_request()->clear_categories(); }},
      {"information_request.categories[1]",
       [](auto& r) { r.mutable_information_request()->set_categories(1, "Court Report"); }},
      {"information_request.categories[1]",
       [](auto& r) { r.mutable_information_request()->set_categories(1, "mental-health"); }},
      {"information_request.categories",
       [](auto& r) {
         for (int i = 0; i < 9; ++i) {
           r.mutable_information_request()->add_categories("extra-" + std::string(1, 'a' + i));
         }
       }},
      {"information_request.due_time",
       [](auto& r) { r.mutable_information_request()->clear_due_time(); }},
      {"information_request.due_time",
       [](auto& r) { r.mutable_information_request()->mutable_due_time()->set_seconds(1000); }},
      {"information_request.urgent_reason",
       [](auto& r) { r.mutable_information_request()->set_urgent(true); }},
  };
  for (const CreateCase& c : creates) {
    shr::CreateInformationRequestRequest req = CourtSummary();
    c.mutate(req);
    Request out;
    grpc::Status s = Create(T("dana"), req, &out);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << c.field << ": " << s.error_message();
    EXPECT_THAT(s.error_message(), StartsWith(c.field + ":")) << s.error_message();
  }

  auto expect_invalid = [](const grpc::Status& s, const std::string& field) {
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << field << ": " << s.error_message();
    EXPECT_THAT(s.error_message(), StartsWith(field + ":"));
  };
  Request out;
  expect_invalid(Get(T("dana"), "", &out), "name");
  expect_invalid(Get(T("dana"), "requests/x", &out), "name");

  auto list = [&](const std::function<void(View&)>& mutate) {
    View req;
    mutate(req);
    shr::ListInformationRequestsResponse resp;
    return List(T("dana"), req, &resp);
  };
  expect_invalid(list([](View& r) { r.set_view(static_cast<View::View>(42)); }), "view");
  expect_invalid(list([](View& r) { r.set_person("dana"); }), "person");
  expect_invalid(list([](View& r) { r.set_case_("rivera"); }), "case");
  expect_invalid(list([](View& r) { r.set_view(View::VIEW_CASE); }), "case");
  expect_invalid(list([](View& r) { r.add_states(Request::STATE_UNSPECIFIED); }), "states[0]");
  expect_invalid(list([](View& r) { r.set_page_size(501); }), "page_size");
  expect_invalid(list([](View& r) { r.set_page_size(-1); }), "page_size");
  expect_invalid(list([](View& r) { r.set_page_token("garbage!"); }), "page_token");

  expect_invalid(Acknowledge(T("theo"), "", &out), "name");
  expect_invalid(Acknowledge(T("theo"), "informationRequests/", &out), "name");
  expect_invalid(Fulfill(T("theo"), "informationRequests/a/b", "cases/rivera/notes/x", &out),
                 "name");
  expect_invalid(Fulfill(T("theo"), existing.name(), "", &out), "fulfillment.resource");
  shr::FulfillInformationRequestRequest no_fulfillment;
  no_fulfillment.set_name(existing.name());
  expect_invalid(sharing_->FulfillInformationRequest(Ctx(T("theo")).get(), no_fulfillment, &out),
                 "fulfillment");
  shr::FulfillInformationRequestRequest long_comment;
  long_comment.set_name(existing.name());
  long_comment.mutable_fulfillment()->set_resource("cases/rivera/notes/x");
  long_comment.mutable_fulfillment()->set_comment(std::string(1001, 'x'));
  expect_invalid(sharing_->FulfillInformationRequest(Ctx(T("theo")).get(), long_comment, &out),
                 "fulfillment.comment");
  expect_invalid(Decline(T("theo"), "", "reason", &out), "name");
  expect_invalid(Decline(T("theo"), existing.name(), "", &out), "reason");
  expect_invalid(Decline(T("theo"), existing.name(), std::string(1001, 'x'), &out), "reason");

  // Unknown requests are NOT_FOUND, not created.
  EXPECT_EQ(Get(T("dana"), "informationRequests/nope", &out).error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Acknowledge(T("theo"), "informationRequests/nope", &out).error_code(),
            grpc::StatusCode::NOT_FOUND);

  EXPECT_EQ(snapshot(), before);
  EXPECT_EQ(MustGet(existing.name()).SerializeAsString(), existing.SerializeAsString());
}

TEST_F(RequestsTest, RestartKeepsEveryAcknowledgedWrite) {
  Request open = MustCreate(CourtSummary(absl::Hours(24 * 2)));
  Request acked = MustCreate(CourtSummary(absl::Hours(24 * 3)));
  Request fulfilled = MustCreate(CourtSummary(absl::Hours(24 * 4)));
  Request declined = MustCreate(CourtSummary(absl::Hours(24 * 5)));
  ASSERT_TRUE(Acknowledge(T("theo"), acked.name(), &acked).ok());
  ASSERT_TRUE(Fulfill(T("theo"), fulfilled.name(), "cases/rivera/notes/n1", &fulfilled).ok());
  ASSERT_TRUE(Decline(T("theo"), declined.name(), "Not my client any more", &declined).ok());

  ASSERT_TRUE(server_.Restart().ok());
  Connect();
  for (const Request& r : {open, acked, fulfilled, declined}) {
    EXPECT_EQ(MustGet(r.name()).SerializeAsString(), r.SerializeAsString()) << r.name();
  }
  EXPECT_THAT(ListNames(T("theo"), View::VIEW_WAITING_ON_ME),
              ElementsAre(open.name(), acked.name(), fulfilled.name(), declined.name()));
  EXPECT_THAT(ListNames(T("dana"), View::VIEW_MADE_BY_ME,
                        {Request::STATE_OPEN, Request::STATE_ACKNOWLEDGED}),
              ElementsAre(open.name(), acked.name()));

  // The deadlines survive the restart too; answered requests have none.
  clock_.Advance(absl::Hours(24 * 6));
  ASSERT_TRUE(Eventually([&] {
    return MustGet(open.name()).state() == Request::STATE_ESCALATED &&
           MustGet(acked.name()).state() == Request::STATE_ESCALATED;
  }));
  LetTicksRun();
  EXPECT_EQ(MustGet(fulfilled.name()).state(), Request::STATE_FULFILLED);
  EXPECT_EQ(MustGet(declined.name()).state(), Request::STATE_DECLINED);
  EXPECT_THAT(ListNames(T("hana"), View::VIEW_WAITING_ON_ME),
              ElementsAre(open.name(), acked.name()));
}

// The deadline machinery on its own, with peers the test controls: ticks
// racing each other, and a directory that is down for a while.
class FakePeers final : public sharing::Peers {
 public:
  absl::StatusOr<reg::CheckCaseAccessResponse> CaseAccess(const std::string& case_name,
                                                          const std::string& person) override {
    reg::CheckCaseAccessResponse resp;
    if (person == "people/dana" || person == "people/theo") {
      resp.set_allowed(true);
      resp.add_bases(reg::CheckCaseAccessResponse::BASIS_TEAM_MEMBER);
      resp.set_case_state(reg::Case::STATE_OPEN);
    }
    resp.set_person(person);
    return resp;
  }
  absl::StatusOr<reg::Case> GetCase(const std::string& case_name) override {
    reg::Case c;
    c.set_name(case_name);
    return c;
  }
  absl::StatusOr<std::vector<reg::Assignment>> CurrentAssignments(const std::string&) override {
    return std::vector<reg::Assignment>{};
  }
  absl::StatusOr<dir::Person> GetPerson(const std::string& name) override {
    absl::MutexLock lock(&mu_);
    ++person_lookups_;
    if (directory_down_) return absl::UnavailableError("directory: connection refused");
    dir::Person p;
    p.set_name(name);
    if (name == "people/theo") p.set_supervisor("people/hana");
    return p;
  }
  void SetDirectoryDown(bool down) {
    absl::MutexLock lock(&mu_);
    directory_down_ = down;
  }
  int person_lookups() {
    absl::MutexLock lock(&mu_);
    return person_lookups_;
  }

 private:
  absl::Mutex mu_;
  bool directory_down_ ABSL_GUARDED_BY(mu_) = false;
  int person_lookups_ ABSL_GUARDED_BY(mu_) = 0;
};

class DeadlineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    storage::StoreOptions options;
    options.path = dir_.path();
    options.column_families = sharing::SharingColumnFamilies();
    auto store = storage::Store::Open(options);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    requests_ = std::make_unique<sharing::InformationRequests>(
        store_.get(), &clock_, &peers_, sharing::InformationRequests::Options{});
  }

  Request Create(absl::Duration due_in) {
    identity::Caller dana;
    dana.subject = "people/dana";
    shr::CreateInformationRequestRequest req;
    Request* r = req.mutable_information_request();
    r->set_case_(kCase);
    r->mutable_recipient()->set_person("people/theo");
    r->set_summary("Progress summary for court");
    r->set_purpose(shr::PURPOSE_COURT_PROCEEDINGS);
    r->add_categories("court-report");
    r->mutable_due_time()->set_seconds(absl::ToUnixSeconds(clock_.Now() + due_in));
    auto created = requests_->CreateInformationRequest(dana, req);
    EXPECT_TRUE(created.ok()) << created.status();
    return created.ok() ? *created : Request();
  }

  Request Read(const std::string& name) {
    identity::Caller admin;
    admin.subject = "admin";
    admin.platform_admin = true;
    shr::GetInformationRequestRequest req;
    req.set_name(name);
    auto r = requests_->GetInformationRequest(admin, req);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : Request();
  }

  std::vector<shr::Event::Type> Events() {
    std::vector<shr::Event::Type> out;
    EXPECT_TRUE(store_
                    ->ReadEvents(0, 10000,
                                 [&](int64_t revision, absl::string_view payload) {
                                   auto e = sharing::DecodeEvent(revision, payload);
                                   EXPECT_TRUE(e.ok());
                                   if (e.ok() && e->event().has_information_request()) {
                                     out.push_back(e->event().type());
                                   }
                                   return true;
                                 })
                    .ok());
    return out;
  }

  samepage::testing::TempDir dir_;
  FakeClock clock_{absl::FromUnixSeconds(1'780'000'000)};
  FakePeers peers_;
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<sharing::InformationRequests> requests_;
};

TEST_F(DeadlineTest, RacingTicksOverdueAndEscalateEachRequestOnce) {
  std::vector<Request> made;
  for (int i = 1; i <= 5; ++i) made.push_back(Create(absl::Hours(24 + i)));
  Request later = Create(absl::Hours(24 * 30));
  EXPECT_TRUE(requests_->Tick().ok());
  EXPECT_EQ(peers_.person_lookups(), 0);  // nothing due: nothing asked

  clock_.Advance(absl::Hours(24 * 2));
  std::vector<std::thread> tickers;
  for (int t = 0; t < 4; ++t) {
    tickers.emplace_back([&] {
      for (int i = 0; i < 5; ++i) EXPECT_TRUE(requests_->Tick().ok());
    });
  }
  for (std::thread& t : tickers) t.join();
  for (const Request& r : made) {
    Request now = Read(r.name());
    EXPECT_EQ(now.state(), Request::STATE_ESCALATED);
    EXPECT_EQ(now.escalated_to(), "people/hana");
  }
  EXPECT_EQ(Read(later.name()).state(), Request::STATE_OPEN);
  std::vector<shr::Event::Type> events = Events();
  EXPECT_EQ(std::count(events.begin(), events.end(), shr::Event::TYPE_INFORMATION_REQUEST_OVERDUE),
            5);
  EXPECT_EQ(
      std::count(events.begin(), events.end(), shr::Event::TYPE_INFORMATION_REQUEST_ESCALATED), 5);
  // Escalated requests leave the deadline index: later ticks do not look.
  int lookups = peers_.person_lookups();
  EXPECT_TRUE(requests_->Tick().ok());
  EXPECT_EQ(peers_.person_lookups(), lookups);
}

TEST_F(DeadlineTest, ADirectoryThatIsDownDelaysTheEscalationOnly) {
  Request r = Create(absl::Hours(25));
  peers_.SetDirectoryDown(true);
  clock_.Advance(absl::Hours(26));
  EXPECT_EQ(requests_->Tick().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(requests_->Tick().code(), absl::StatusCode::kUnavailable);
  Request overdue = Read(r.name());
  EXPECT_EQ(overdue.state(), Request::STATE_OVERDUE);
  EXPECT_TRUE(overdue.escalated_to().empty());

  peers_.SetDirectoryDown(false);
  EXPECT_TRUE(requests_->Tick().ok());
  EXPECT_EQ(Read(r.name()).state(), Request::STATE_ESCALATED);
  EXPECT_EQ(Read(r.name()).overdue_time().seconds(), overdue.overdue_time().seconds());
  EXPECT_THAT(Events(), ElementsAre(shr::Event::TYPE_INFORMATION_REQUEST_CREATED,
                                    shr::Event::TYPE_INFORMATION_REQUEST_OVERDUE,
                                    shr::Event::TYPE_INFORMATION_REQUEST_ESCALATED));
}

}  // namespace
}  // namespace samepage
