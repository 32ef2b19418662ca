// People's updates through the generated clients, with every service in one
// server and with the updates service in a process of its own: each person
// of the seed scenarios receives exactly what concerns them and may see; a
// subscriber that disconnects, or whose server restarts, resumes without
// missing or repeating anything; killing the consuming service while events
// flow loses and doubles nothing; subscribers that do not read never hold a
// writer up.

#include <algorithm>
#include <atomic>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/identity/caller.h"
#include "common/identity/dev_token_issuer.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "samepage/caseplan/v1/caseplan_service.grpc.pb.h"
#include "samepage/directory/v1/directory_service.grpc.pb.h"
#include "samepage/registry/v1/registry_service.grpc.pb.h"
#include "samepage/sharing/v1/sharing_service.grpc.pb.h"
#include "samepage/updates/v1/updates_service.grpc.pb.h"
#include "tests/testing/samepaged_process.h"
#include "tests/testing/seed.h"
#include "tests/testing/server_fixture.h"
#include "tests/testing/temp_dir.h"

namespace samepage {
namespace {

using ::samepage::testing::SamepagedProcess;
using ::samepage::testing::ServerFixture;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAreArray;
namespace dir = ::samepage::directory::v1;
namespace reg = ::samepage::registry::v1;
namespace cp = ::samepage::caseplan::v1;
namespace sh = ::samepage::sharing::v1;
namespace up = ::samepage::updates::v1;

constexpr char kCase[] = "cases/rivera";

enum class Mode { kOneProcess, kSplitProcesses };

bool Eventually(const std::function<bool()>& done, absl::Duration limit = absl::Seconds(20)) {
  const absl::Time deadline = absl::Now() + limit;
  while (absl::Now() < deadline) {
    if (done()) return true;
    absl::SleepFor(absl::Milliseconds(25));
  }
  return done();
}

std::unique_ptr<grpc::ClientContext> Ctx(const std::string& token,
                                         absl::Duration deadline = absl::Seconds(10)) {
  return ServerFixture::Context(token, deadline);
}

// "KIND_TEAMMATE_JOINED people/gail": what an update says, for comparing feeds.
std::string Describe(const up::Update& u) {
  std::string out = up::Update::Kind_Name(u.kind());
  if (!u.person().empty()) absl::StrAppend(&out, " ", u.person());
  return out;
}

// Every service in one samepaged process (run in this test process, or as a
// child process that can be killed), or the updates service in a child
// process of its own beside the other four.
class Servers {
 public:
  explicit Servers(Mode mode) : mode_(mode) {}
  ~Servers() {
    main_channel_.reset();
    updates_channel_.reset();
    updates_process_.reset();
    main_process_.reset();
  }

  absl::Status Start() {
    std::string services = mode_ == Mode::kOneProcess
                               ? "directory,registry,caseplan,sharing,updates"
                               : "directory,registry,caseplan,sharing";
    auto main = SamepagedProcess::Start(SAMEPAGED_BINARY,
                                        {"--dev", "--data_dir", dir_.path(), "--listen",
                                         "127.0.0.1:0", "--services", services},
                                        dir_.Sub("main.log"));
    if (!main.ok()) return main.status();
    main_process_ = *std::move(main);
    main_channel_ = Channel(main_process_->port());
    auto issuer = identity::DevTokenIssuer::Load(dir_.path());
    if (!issuer.ok()) return issuer.status();
    issuer_ = *std::move(issuer);
    return StartUpdates();
  }

  // A crash of the server that holds the updates service (the only one in
  // split mode, all of them in one-process mode) and a restart on its data.
  absl::Status KillAndRestartUpdates() {
    updates_channel_.reset();
    if (mode_ == Mode::kOneProcess) {
      main_channel_.reset();
      main_process_->Kill();
      auto main = SamepagedProcess::Start(
          SAMEPAGED_BINARY,
          {"--dev", "--data_dir", dir_.path(), "--listen", "127.0.0.1:0", "--services",
           "directory,registry,caseplan,sharing,updates"},
          dir_.Sub("main.log"));
      if (!main.ok()) return main.status();
      main_process_ = *std::move(main);
      main_channel_ = Channel(main_process_->port());
      updates_channel_ = main_channel_;
      return absl::OkStatus();
    }
    updates_process_->Kill();
    return StartUpdates();
  }

  std::shared_ptr<grpc::Channel> main() const { return main_channel_; }
  std::shared_ptr<grpc::Channel> updates() const { return updates_channel_; }
  std::string updates_address() const {
    return absl::StrCat("127.0.0.1:", (updates_process_ != nullptr ? updates_process_ : main_process_)
                                          ->port());
  }
  std::string Token(const std::string& subject, std::vector<std::string> scopes = {}) const {
    auto token = issuer_->Issue(subject, scopes, absl::Hours(1), absl::Now());
    return token.ok() ? *token : "";
  }

 private:
  static std::shared_ptr<grpc::Channel> Channel(int port) {
    return grpc::CreateChannel(absl::StrCat("127.0.0.1:", port),
                               grpc::InsecureChannelCredentials());
  }

  absl::Status StartUpdates() {
    if (mode_ == Mode::kOneProcess) {
      updates_channel_ = main_channel_;
      return absl::OkStatus();
    }
    const std::string peer = absl::StrCat("127.0.0.1:", main_process_->port());
    auto updates = SamepagedProcess::Start(
        SAMEPAGED_BINARY,
        {"--dev", "--data_dir", dir_.path(), "--listen", "127.0.0.1:0", "--services", "updates",
         "--peer",
         absl::StrCat("directory=", peer, ",registry=", peer, ",caseplan=", peer,
                      ",sharing=", peer)},
        dir_.Sub("updates.log"));
    if (!updates.ok()) return updates.status();
    updates_process_ = *std::move(updates);
    updates_channel_ = Channel(updates_process_->port());
    return absl::OkStatus();
  }

  const Mode mode_;
  testing::TempDir dir_;
  std::unique_ptr<SamepagedProcess> main_process_, updates_process_;
  std::shared_ptr<grpc::Channel> main_channel_, updates_channel_;
  std::unique_ptr<identity::DevTokenIssuer> issuer_;
};

class UpdatesTest : public ::testing::TestWithParam<Mode> {
 protected:
  void SetUp() override {
    servers_ = std::make_unique<Servers>(GetParam());
    absl::Status started = servers_->Start();
    ASSERT_TRUE(started.ok()) << started;
    Connect();
    admin_ = servers_->Token("admin", {identity::kAdminScope});
    testing::Seed seed(servers_->main(), servers_->main(), admin_);
    ASSERT_TRUE(seed.Organization("sunrise", dir::Organization::KIND_CHILD_WELFARE_AGENCY).ok());
    ASSERT_TRUE(seed.Organization("harbor", dir::Organization::KIND_BEHAVIORAL_HEALTH_PROVIDER).ok());
    ASSERT_TRUE(seed.Person("sam", "Sam Ortiz", "sunrise", {"case-supervisor"}).ok());
    ASSERT_TRUE(seed.Person("dana", "Dana Cruz", "sunrise", {"dependency-case-manager"}, "sam").ok());
    ASSERT_TRUE(seed.Person("dina", "Dina Park", "sunrise", {"dependency-case-manager"}, "sam").ok());
    ASSERT_TRUE(seed.Person("hana", "Hana Lee", "harbor", {"therapist"}).ok());
    ASSERT_TRUE(seed.Person("theo", "Theo Grant", "harbor", {"therapist"}, "hana").ok());
    ASSERT_TRUE(seed.Person("gail", "Gail Moss", "sunrise", {"guardian-ad-litem"}).ok());
    ASSERT_TRUE(seed.Case("rivera", "2026-0042", "sunrise").ok());
    seed_ = std::make_unique<testing::Seed>(std::move(seed));
  }

  void TearDown() override {
    directory_.reset();
    registry_.reset();
    plans_.reset();
    sharing_.reset();
    updates_.reset();
    servers_.reset();
  }

  void Connect() {
    directory_ = dir::Directory::NewStub(servers_->main());
    registry_ = reg::CaseRegistry::NewStub(servers_->main());
    plans_ = cp::CasePlans::NewStub(servers_->main());
    sharing_ = sh::Sharing::NewStub(servers_->main());
    updates_ = up::Updates::NewStub(servers_->updates());
  }

  std::string T(const std::string& person) { return servers_->Token("people/" + person); }

  void Assign(const std::string& role, const std::string& person) {
    absl::StatusOr<reg::Assignment> a = seed_->Assign("rivera", role, person);
    ASSERT_TRUE(a.ok()) << role << ": " << a.status();
  }

  // The whole feed of `person` as they may see it now, page by page.
  std::vector<up::Update> Feed(const std::string& person, int64_t after = 0) {
    std::vector<up::Update> out;
    up::ListUpdatesRequest req;
    req.set_parent("people/" + person);
    req.set_after_sequence(after);
    req.set_page_size(7);  // several pages
    for (int page = 0; page < 100; ++page) {
      up::ListUpdatesResponse resp;
      grpc::Status s = updates_->ListUpdates(Ctx(T(person)).get(), req, &resp);
      EXPECT_TRUE(s.ok()) << s.error_message();
      if (!s.ok()) break;
      out.insert(out.end(), resp.updates().begin(), resp.updates().end());
      if (resp.next_page_token().empty()) break;
      req.set_page_token(resp.next_page_token());
    }
    return out;
  }

  std::vector<std::string> Described(const std::string& person) {
    std::vector<std::string> out;
    for (const up::Update& u : Feed(person)) out.push_back(Describe(u));
    return out;
  }

  // Waits until `person`'s feed says exactly `expected` (in any order),
  // then checks it has nothing else and no update twice.
  void ExpectFeed(const std::string& person, const std::vector<std::string>& expected) {
    Eventually([&] { return Described(person).size() >= expected.size(); });
    EXPECT_THAT(Described(person), UnorderedElementsAreArray(expected)) << person;
    std::set<int64_t> sequences;
    for (const up::Update& u : Feed(person)) {
      EXPECT_TRUE(sequences.insert(u.sequence()).second) << "twice: " << u.name();
      EXPECT_EQ(u.name(), absl::StrCat("people/", person, "/updates/", u.sequence()));
    }
  }

  sh::InformationRequest Ask(const std::string& summary, const std::string& to = "theo") {
    sh::CreateInformationRequestRequest req;
    sh::InformationRequest* r = req.mutable_information_request();
    r->set_case_(kCase);
    r->set_subject(std::string(kCase) + "/subjects/leo");
    r->mutable_recipient()->set_person("people/" + to);
    r->set_summary(summary);
    r->set_purpose(sh::PURPOSE_COURT_PROCEEDINGS);
    r->add_categories("court-report");
    r->mutable_due_time()->set_seconds(absl::ToUnixSeconds(absl::Now() + absl::Hours(24 * 5)));
    sh::InformationRequest out;
    grpc::Status s = sharing_->CreateInformationRequest(Ctx(T("dana")).get(), req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }

  grpc::Status Note(const std::string& author, const std::string& category, cp::Note::Kind kind,
                    const std::vector<std::string>& to, const std::string& answers = "") {
    cp::CreateNoteRequest req;
    req.set_parent(kCase);
    cp::Note* n = req.mutable_note();
    n->set_kind(kind);
    n->set_category(category);
    n->set_title("Session notes");
    n->set_body("Leo talked about school.");
    n->set_subject(std::string(kCase) + "/subjects/leo");
    n->set_answers_request(answers);
    for (const std::string& p : to) n->add_addressees("people/" + p);
    cp::Note out;
    return plans_->CreateNote(Ctx(T(author)).get(), req, &out);
  }

  std::unique_ptr<Servers> servers_;
  std::unique_ptr<testing::Seed> seed_;
  std::string admin_;
  std::unique_ptr<dir::Directory::Stub> directory_;
  std::unique_ptr<reg::CaseRegistry::Stub> registry_;
  std::unique_ptr<cp::CasePlans::Stub> plans_;
  std::unique_ptr<sh::Sharing::Stub> sharing_;
  std::unique_ptr<up::Updates::Stub> updates_;
};

TEST_P(UpdatesTest, EachPersonReceivesExactlyTheUpdatesOfTheSeedScenarios) {
  Assign("dependency-case-manager", "dana");
  Assign("case-supervisor", "sam");
  Assign("therapist", "theo");
  Assign("guardian-ad-litem", "gail");

  // The DCM publishes the plan; the team is asked to acknowledge it.
  cp::PublishPlanVersionRequest publish;
  publish.set_parent(std::string(kCase) + "/plan");
  cp::Goal* goal = publish.mutable_plan_version()->add_goals();
  goal->set_goal_id("safety");
  goal->set_title("Leo is safe at home");
  goal->set_owner_role("dependency-case-manager");
  goal->set_status(cp::Goal::STATUS_IN_PROGRESS);
  publish.mutable_plan_version()->set_family_summary("We will keep Leo safe.");
  publish.mutable_plan_version()->set_change_summary("First plan");
  cp::PlanVersion v1;
  grpc::Status published = plans_->PublishPlanVersion(Ctx(T("dana")).get(), publish, &v1);
  ASSERT_TRUE(published.ok()) << published.error_message();

  // The DCM asks the therapist for a court summary; the therapist answers it.
  sh::InformationRequest summary = Ask("Progress summary for court");
  grpc::Status answered =
      Note("theo", "court-report", cp::Note::KIND_COURT_REPORT, {}, summary.name());
  ASSERT_TRUE(answered.ok()) << answered.error_message();

  // Notes addressed to people: a general one reaches them; the therapist's
  // mental-health note stays with the treating team, so the DCM is not
  // shown it.
  ASSERT_TRUE(Note("theo", "general", cp::Note::KIND_CONTACT_NOTE, {"dana", "gail"}).ok());
  ASSERT_TRUE(Note("theo", "mental-health", cp::Note::KIND_PROGRESS_NOTE, {"dana"}).ok());

  // A consent for the DCM role, revoked before the DCM looks: the update
  // that it was granted is withheld, the one that it ended is shown.
  sh::CreateConsentRequest consent;
  sh::ConsentDirective* c = consent.mutable_consent();
  c->set_case_(kCase);
  c->set_subject(std::string(kCase) + "/subjects/leo");
  c->mutable_consenter()->set_authority(sh::Consenter::AUTHORITY_CUSTODIAL_AGENCY);
  c->mutable_consenter()->set_organization("organizations/sunrise");
  c->mutable_consenter()->set_display_name("Sunrise Family Services");
  c->add_disclosers()->set_person("people/theo");
  c->add_recipients()->set_case_role("dependency-case-manager");
  c->add_categories("mental-health");
  c->add_purposes(sh::PURPOSE_CASE_PLANNING);
  c->mutable_expire_time()->set_seconds(absl::ToUnixSeconds(absl::Now() + absl::Hours(24 * 90)));
  c->mutable_signed_form()->set_signer_name("Sam Ortiz");
  c->mutable_signed_form()->mutable_sign_time()->set_seconds(
      absl::ToUnixSeconds(absl::Now() - absl::Hours(1)));
  c->set_right_to_revoke_acknowledged(true);
  sh::ConsentDirective granted;
  grpc::Status created = sharing_->CreateConsent(Ctx(T("dana")).get(), consent, &granted);
  ASSERT_TRUE(created.ok()) << created.error_message();
  sh::RevokeConsentRequest revoke;
  revoke.set_name(granted.name());
  revoke.set_reason("Agency withdrew it");
  revoke.set_revoked_by("Sam Ortiz");
  sh::ConsentDirective revoked;
  grpc::Status s = sharing_->RevokeConsent(Ctx(T("dana")).get(), revoke, &revoked);
  ASSERT_TRUE(s.ok()) << s.error_message();

  // The guardian ad litem leaves the case: she hears that she left, and no
  // longer sees anything else of the case, even what reached her feed while
  // she was on it.
  reg::ListAssignmentsRequest list;
  list.set_parent(kCase);
  list.set_person("people/gail");
  reg::ListAssignmentsResponse gails;
  ASSERT_TRUE(registry_->ListAssignments(Ctx(admin_).get(), list, &gails).ok());
  ASSERT_EQ(gails.assignments_size(), 1);
  reg::EndAssignmentRequest end;
  end.set_name(gails.assignments(0).name());
  end.set_end_reason(reg::Assignment::END_REASON_COMPLETED);
  reg::Assignment ended;
  s = registry_->EndAssignment(Ctx(admin_).get(), end, &ended);
  ASSERT_TRUE(s.ok()) << s.error_message();

  ExpectFeed("dana", {"KIND_ASSIGNED", "KIND_TEAMMATE_JOINED people/sam",
                      "KIND_TEAMMATE_JOINED people/theo", "KIND_TEAMMATE_JOINED people/gail",
                      "KIND_REQUEST_FULFILLED people/theo", "KIND_NOTE_ADDRESSED people/theo",
                      "KIND_CONSENT_ENDED", "KIND_TEAMMATE_LEFT people/gail"});
  ExpectFeed("gail", {"KIND_UNASSIGNED"});

  // The DCM leaves the agency; her supervisor names the successor, and the
  // team hears of both.
  dir::RecordDepartureRequest departure;
  departure.set_name("people/dana");
  departure.mutable_effective_time()->set_seconds(absl::ToUnixSeconds(absl::Now()));
  departure.set_successor("people/dina");
  departure.set_reason("left the agency");
  dir::Person departed;
  s = directory_->RecordDeparture(Ctx(T("sam")).get(), departure, &departed);
  ASSERT_TRUE(s.ok()) << s.error_message();

  ExpectFeed("dina", {"KIND_ASSIGNED"});
  ExpectFeed("theo", {"KIND_ASSIGNED", "KIND_TEAMMATE_JOINED people/gail",
                      "KIND_PLAN_VERSION_TO_ACKNOWLEDGE people/dana",
                      "KIND_REQUEST_WAITING people/dana", "KIND_TEAMMATE_LEFT people/gail",
                      "KIND_TEAMMATE_LEFT people/dana", "KIND_TEAMMATE_JOINED people/dina"});
  ExpectFeed("sam", {"KIND_ASSIGNED", "KIND_TEAMMATE_JOINED people/theo",
                     "KIND_TEAMMATE_JOINED people/gail",
                     "KIND_PLAN_VERSION_TO_ACKNOWLEDGE people/dana",
                     "KIND_TEAMMATE_LEFT people/gail", "KIND_TEAMMATE_LEFT people/dana",
                     "KIND_TEAMMATE_JOINED people/dina"});

  // What an update says: the case, the resource, a line for people.
  std::vector<up::Update> theo = Feed("theo");
  auto waiting = std::find_if(theo.begin(), theo.end(), [](const up::Update& u) {
    return u.kind() == up::Update::KIND_REQUEST_WAITING;
  });
  ASSERT_NE(waiting, theo.end());
  EXPECT_EQ(waiting->case_(), kCase);
  EXPECT_EQ(waiting->resource(), summary.name());
  EXPECT_THAT(waiting->summary(), HasSubstr("Dana Cruz asks you for"));
  EXPECT_THAT(waiting->summary(), HasSubstr("case 2026-0042"));
  EXPECT_THAT(waiting->source(), ::testing::StartsWith("sharing/"));
}

// Reads `count` updates from a stream of `person`'s feed after `after`.
std::vector<up::Update> ReadStream(up::Updates::Stub* stub, const std::string& token,
                                   const std::string& person, int64_t after, int count) {
  auto ctx = Ctx(token, absl::Seconds(20));
  up::StreamUpdatesRequest req;
  req.set_parent("people/" + person);
  req.set_after_sequence(after);
  auto reader = stub->StreamUpdates(ctx.get(), req);
  std::vector<up::Update> out;
  up::StreamUpdatesResponse resp;
  while (static_cast<int>(out.size()) < count && reader->Read(&resp)) out.push_back(resp.update());
  ctx->TryCancel();
  reader->Finish().IgnoreError();
  return out;
}

TEST_P(UpdatesTest, ASubscriberThatDisconnectsOrOutlivesARestartResumesWithoutGapsOrRepeats) {
  Assign("dependency-case-manager", "dana");
  Assign("therapist", "theo");
  std::vector<std::string> asked;
  for (int i = 0; i < 3; ++i) asked.push_back(Ask(absl::StrCat("summary ", i)).name());

  std::vector<up::Update> first = ReadStream(updates_.get(), T("theo"), "theo", 0, 4);
  ASSERT_EQ(first.size(), 4u);
  // The registry's and sharing's events are followed independently, so the
  // assignment may land in the feed before or after the requests.
  EXPECT_EQ(std::count_if(first.begin(), first.end(),
                          [](const up::Update& u) {
                            return u.kind() == up::Update::KIND_ASSIGNED;
                          }),
            1);

  // Disconnected: three more requests; then the server restarts after a
  // crash, and two more come.
  for (int i = 3; i < 6; ++i) asked.push_back(Ask(absl::StrCat("summary ", i)).name());
  ASSERT_TRUE(Eventually([&] { return Feed("theo").size() == 7; }));
  ASSERT_TRUE(servers_->KillAndRestartUpdates().ok());
  Connect();
  for (int i = 6; i < 8; ++i) asked.push_back(Ask(absl::StrCat("summary ", i)).name());

  std::vector<up::Update> rest =
      ReadStream(updates_.get(), T("theo"), "theo", first.back().sequence(), 5);
  ASSERT_EQ(rest.size(), 5u);
  std::vector<std::string> resources;
  for (const up::Update& u : first) {
    if (u.kind() == up::Update::KIND_REQUEST_WAITING) resources.push_back(u.resource());
  }
  for (size_t i = 0; i < rest.size(); ++i) {
    EXPECT_EQ(rest[i].kind(), up::Update::KIND_REQUEST_WAITING);
    EXPECT_GT(rest[i].sequence(), i == 0 ? first.back().sequence() : rest[i - 1].sequence());
    resources.push_back(rest[i].resource());
  }
  EXPECT_THAT(resources, UnorderedElementsAreArray(asked));

  // The paged list agrees with the stream.
  std::vector<up::Update> listed = Feed("theo");
  ASSERT_EQ(listed.size(), 9u);
  EXPECT_EQ(listed.back().sequence(), rest.back().sequence());
}

TEST_P(UpdatesTest, KillingTheConsumingServiceWhileEventsFlowLosesAndDoublesNothing) {
  Assign("dependency-case-manager", "dana");
  Assign("therapist", "theo");
  constexpr int kRequests = 30;
  std::vector<std::string> asked;
  // The writer goes on while the updates service is killed and restarted
  // (in one-process mode the writer waits for the restart: it is the same
  // process).
  for (int i = 0; i < kRequests; ++i) {
    if (i % 10 == 5) {
      ASSERT_TRUE(servers_->KillAndRestartUpdates().ok());
      Connect();
    }
    asked.push_back(Ask(absl::StrCat("summary ", i)).name());
  }
  ASSERT_TRUE(Eventually([&] { return Feed("theo").size() >= kRequests + 1; }));
  absl::SleepFor(absl::Milliseconds(300));  // anything doubled would show by now
  std::vector<up::Update> feed = Feed("theo");
  std::vector<std::string> resources;
  std::set<std::string> sources;
  for (const up::Update& u : feed) {
    EXPECT_TRUE(sources.insert(u.source()).second) << "twice: " << u.source();
    if (u.kind() == up::Update::KIND_REQUEST_WAITING) resources.push_back(u.resource());
  }
  EXPECT_EQ(feed.size(), kRequests + 1u);
  EXPECT_THAT(resources, UnorderedElementsAreArray(asked));
}

TEST_P(UpdatesTest, SubscribersThatDoNotReadNeverHoldUpAWriter) {
  Assign("dependency-case-manager", "dana");
  Assign("therapist", "theo");
  // A tiny flow-control window: the server can push only a few updates to
  // each of these before it must wait for a read that never comes.
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_HTTP2_BDP_PROBE, 0);
  args.SetInt(GRPC_ARG_HTTP2_STREAM_LOOKAHEAD_BYTES, 1024);
  struct Stalled {
    std::shared_ptr<grpc::Channel> channel;
    std::unique_ptr<up::Updates::Stub> stub;
    std::unique_ptr<grpc::ClientContext> ctx;
    std::unique_ptr<grpc::ClientReader<up::StreamUpdatesResponse>> reader;
  };
  constexpr int kSubscribers = 100;
  std::vector<Stalled> stalled(kSubscribers);
  const std::string token = T("theo");
  for (int i = 0; i < kSubscribers; ++i) {
    Stalled& s = stalled[i];
    // Ten connections, ten streams each.
    if (i % 10 == 0) {
      s.channel = grpc::CreateCustomChannel(servers_->updates_address(),
                                            grpc::InsecureChannelCredentials(), args);
    } else {
      s.channel = stalled[i - i % 10].channel;
    }
    s.stub = up::Updates::NewStub(s.channel);
    s.ctx = Ctx(token, absl::Seconds(120));
    up::StreamUpdatesRequest req;
    req.set_parent("people/theo");
    s.reader = s.stub->StreamUpdates(s.ctx.get(), req);
  }

  // Each acknowledged write lands in every subscriber's feed; none waits on
  // a subscriber.
  constexpr int kWrites = 60;
  const absl::Time start = absl::Now();
  std::vector<std::string> asked;
  for (int i = 0; i < kWrites; ++i) {
    std::string summary(150, 'x');  // bigger updates fill the windows sooner
    asked.push_back(Ask(absl::StrCat("summary ", i, " ", summary)).name());
    ASSERT_FALSE(asked.back().empty());
  }
  const absl::Duration took = absl::Now() - start;
  EXPECT_LT(took, absl::Seconds(60)) << "writes waited on subscribers";
  ASSERT_TRUE(Eventually([&] { return Feed("theo").size() == kWrites + 1u; }));

  // A stalled subscriber that starts reading gets everything, in order.
  up::StreamUpdatesResponse resp;
  std::vector<std::string> got;
  int64_t last = 0;
  while (got.size() < kWrites + 1u && stalled[42].reader->Read(&resp)) {
    EXPECT_GT(resp.update().sequence(), last);
    last = resp.update().sequence();
    got.push_back(resp.update().resource());
  }
  ASSERT_EQ(got.size(), kWrites + 1u);
  EXPECT_THAT(std::vector<std::string>(got.begin() + 1, got.end()), ElementsAreArray(asked));
  for (Stalled& s : stalled) s.ctx->TryCancel();
  for (Stalled& s : stalled) s.reader->Finish().IgnoreError();
}

TEST_P(UpdatesTest, BadRequestsAreRefusedNamingTheFieldAndStrangersSeeNothing) {
  Assign("therapist", "theo");
  ASSERT_TRUE(Eventually([&] { return Feed("theo").size() == 1; }));
  up::ListUpdatesRequest req;
  up::ListUpdatesResponse resp;

  req.set_parent("people/theo");
  grpc::Status s = updates_->ListUpdates(Ctx("").get(), req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);

  s = updates_->ListUpdates(Ctx(T("dana")).get(), req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(s.error_message(), ::testing::StartsWith("parent"));

  s = updates_->ListUpdates(Ctx(admin_).get(), req, &resp);  // platform administrators may
  EXPECT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(resp.updates_size(), 1);

  for (auto [parent, after, size, field] :
       std::vector<std::tuple<std::string, int64_t, int, std::string>>{
           {"", 0, 0, "parent"},
           {"theo", 0, 0, "parent"},
           {"people/theo", -1, 0, "after_sequence"},
           {"people/theo", 0, 501, "page_size"},
           {"people/theo", 0, -1, "page_size"}}) {
    up::ListUpdatesRequest bad;
    bad.set_parent(parent);
    bad.set_after_sequence(after);
    bad.set_page_size(size);
    s = updates_->ListUpdates(Ctx(T("theo")).get(), bad, &resp);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << field;
    EXPECT_THAT(s.error_message(), ::testing::StartsWith(field));
  }
  up::ListUpdatesRequest forged;
  forged.set_parent("people/theo");
  forged.set_page_token("bm90IGEgdG9rZW4");
  s = updates_->ListUpdates(Ctx(T("theo")).get(), forged, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), ::testing::StartsWith("page_token"));

  // Streams check the same.
  up::StreamUpdatesRequest stream;
  stream.set_parent("people/theo");
  auto ctx = Ctx(T("dana"));
  auto reader = updates_->StreamUpdates(ctx.get(), stream);
  up::StreamUpdatesResponse msg;
  EXPECT_FALSE(reader->Read(&msg));
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::PERMISSION_DENIED);
  stream.set_after_sequence(-5);
  auto ctx2 = Ctx(T("theo"));
  auto reader2 = updates_->StreamUpdates(ctx2.get(), stream);
  EXPECT_FALSE(reader2->Read(&msg));
  grpc::Status finished = reader2->Finish();
  EXPECT_EQ(finished.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(finished.error_message(), ::testing::StartsWith("after_sequence"));
}

INSTANTIATE_TEST_SUITE_P(Deployments, UpdatesTest,
                         ::testing::Values(Mode::kOneProcess, Mode::kSplitProcesses),
                         [](const ::testing::TestParamInfo<Mode>& info) {
                           return info.param == Mode::kOneProcess ? "OneProcess"
                                                                  : "SplitProcesses";
                         });

// The lag of every consumer is visible and returns to zero once events stop.
TEST(UpdatesConsumers, ReportTheirLag) {
  ServerFixture server;
  ASSERT_TRUE(server.Start().ok());
  testing::Seed seed(server.channel(), server.channel(), server.AdminToken());
  ASSERT_TRUE(seed.Organization("sunrise", dir::Organization::KIND_CHILD_WELFARE_AGENCY).ok());
  ASSERT_TRUE(seed.Person("dana", "Dana Cruz", "sunrise", {"dependency-case-manager"}).ok());
  ASSERT_TRUE(seed.Case("rivera", "2026-0042", "sunrise").ok());
  ASSERT_TRUE(seed.Assign("rivera", "dependency-case-manager", "dana").ok());
  auto caught_up = [&] {
    for (const auto& c : server.host()->Consumers()) {
      if (c.name == "updates.registry-events") return c.cursor > 0 && c.seen == c.cursor;
    }
    return false;
  };
  EXPECT_TRUE(Eventually(caught_up));
  std::vector<std::string> names;
  for (const auto& c : server.host()->Consumers()) names.push_back(c.name);
  EXPECT_THAT(names, ::testing::IsSupersetOf({"registry.directory-events", "sharing.registry-events",
                                              "caseplan.registry-events", "updates.registry-events",
                                              "updates.caseplan-events", "updates.sharing-events"}));
}

}  // namespace
}  // namespace samepage
