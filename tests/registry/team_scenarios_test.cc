// Who is who, turnover and access on a case team: the registry and the
// directory through their generated clients, with every service in one
// server and again split across two server processes.

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "common/events/event_consumer.h"
#include "common/storage/keyring.h"
#include "common/storage/store.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "samepage/directory/v1/directory_service.grpc.pb.h"
#include "samepage/registry/v1/registry_service.grpc.pb.h"
#include "services/registry/registry_store.h"
#include "tests/testing/deployment.h"
#include "tests/testing/server_fixture.h"

namespace samepage {
namespace {

using ::samepage::testing::Deployment;
using ::samepage::testing::ServerFixture;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::IsSupersetOf;
using ::testing::Not;
namespace dir = ::samepage::directory::v1;
namespace reg = ::samepage::registry::v1;

// Polls `done` every 20 ms for at most `limit`: reactions between services
// are asynchronous.
bool Eventually(const std::function<bool()>& done, absl::Duration limit = absl::Seconds(15)) {
  absl::Time deadline = absl::Now() + limit;
  for (int i = 0; i < 10000 && absl::Now() < deadline; ++i) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return done();
}

class TeamScenarioTest : public ::testing::TestWithParam<Deployment::Mode> {
 protected:
  void SetUp() override {
    auto d = Deployment::Start(GetParam(), SAMEPAGED_BINARY);
    ASSERT_TRUE(d.ok()) << d.status();
    deployment_ = *std::move(d);
    Connect();
    admin_ = deployment_->AdminToken();
    SeedDirectory();
    SeedCase();
  }

  // Restarts the registry; the test's connection to it closes first.
  void RestartRegistry(const std::function<void()>& while_down = nullptr) {
    registry_.reset();
    ASSERT_TRUE(deployment_->RestartRegistry(while_down).ok());
    Connect();
  }

  void Connect() {
    directory_ = dir::Directory::NewStub(deployment_->directory());
    registry_ = reg::CaseRegistry::NewStub(deployment_->registry());
  }

  std::string T(const std::string& person_id) { return deployment_->Token("people/" + person_id); }

  void Org(const std::string& id, const std::string& name, dir::Organization::Kind kind) {
    dir::CreateOrganizationRequest req;
    req.set_organization_id(id);
    req.mutable_organization()->set_display_name(name);
    req.mutable_organization()->set_kind(kind);
    dir::Organization out;
    grpc::Status s =
        directory_->CreateOrganization(ServerFixture::Context(admin_).get(), req, &out);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }

  static dir::ContactPoint Contact(
      dir::ContactPoint::Channel channel, const std::string& value, bool preferred = false,
      dir::ContactPoint::Visibility visibility = dir::ContactPoint::VISIBILITY_EVERYONE,
      std::vector<std::string> hidden_from = {}) {
    dir::ContactPoint c;
    c.set_channel(channel);
    c.set_value(value);
    c.set_preferred(preferred);
    c.set_visibility(visibility);
    for (auto& r : hidden_from) c.add_hidden_from_case_roles(r);
    return c;
  }

  void Person(const std::string& id, const std::string& name, const std::string& org,
              std::vector<std::string> roles, const std::string& supervisor = "",
              std::vector<dir::ContactPoint> contacts = {}, bool admin = false,
              bool caregiver = false) {
    dir::CreatePersonRequest req;
    req.set_person_id(id);
    dir::Person* p = req.mutable_person();
    p->set_display_name(name);
    if (!org.empty()) p->set_organization("organizations/" + org);
    for (auto& r : roles) p->add_roles("roles/" + r);
    if (!supervisor.empty()) p->set_supervisor("people/" + supervisor);
    if (contacts.empty()) {
      contacts.push_back(Contact(dir::ContactPoint::CHANNEL_EMAIL, id + "@example.org", true));
    }
    for (auto& c : contacts) *p->add_contact_points() = c;
    p->set_administrator(admin);
    if (caregiver) p->set_kind(dir::Person::KIND_CAREGIVER);
    dir::Person out;
    grpc::Status s = directory_->CreatePerson(ServerFixture::Context(admin_).get(), req, &out);
    ASSERT_TRUE(s.ok()) << id << ": " << s.error_message();
  }

  void SeedDirectory() {
    Org("sunrise", "Sunrise Family Services", dir::Organization::KIND_CHILD_WELFARE_AGENCY);
    Org("harbor", "Harbor Behavioral Health", dir::Organization::KIND_BEHAVIORAL_HEALTH_PROVIDER);
    Org("galp", "County GAL Program", dir::Organization::KIND_LEGAL);
    Org("kids", "Kids First Pediatrics", dir::Organization::KIND_PRIMARY_CARE);
    Person("alma", "Alma Ortiz", "sunrise", {"administrator"}, "", {}, /*admin=*/true);
    Person("sam", "Sam Lee", "sunrise", {"case-supervisor"});
    Person("dana", "Dana Cruz", "sunrise", {"dependency-case-manager"}, "sam",
           {Contact(dir::ContactPoint::CHANNEL_PHONE, "+1 555 0101"),
            Contact(dir::ContactPoint::CHANNEL_EMAIL, "dana@sunrise.example", true),
            Contact(dir::ContactPoint::CHANNEL_MOBILE, "+1 555 0199", false,
                    dir::ContactPoint::VISIBILITY_OWN_ORGANIZATION)});
    Person("olga", "Olga Reyes", "sunrise", {"dependency-case-manager"}, "sam");
    Person("rita", "Rita Gomez", "sunrise", {"dependency-case-manager"}, "sam");
    Person("ivan", "Ivan Novak", "sunrise", {"investigator"}, "sam");
    Person("nina", "Nina Shah", "sunrise", {"investigator"}, "sam");
    Person("theo", "Theo Park", "harbor", {"therapist"});
    Person("tess", "Tess Moore", "harbor", {"therapist"});
    Person("gail", "Gail Brooks", "galp", {"guardian-ad-litem"});
    Person("pat", "Pat Kim", "kids", {"primary-care-provider"});
    Person("fiona", "Fiona Hale", "", {}, "",
           {Contact(dir::ContactPoint::CHANNEL_MOBILE, "+1 555 0300", true),
            Contact(dir::ContactPoint::CHANNEL_ADDRESS, "12 Elm St", false,
                    dir::ContactPoint::VISIBILITY_PROFESSIONALS, {"biological-parent"})},
           false, /*caregiver=*/true);
    Person("bea", "Bea Rivera", "", {}, "", {}, false, /*caregiver=*/true);

    // Dana is away for two days; Rita covers.
    dir::UpdatePersonRequest away;
    away.mutable_person()->set_name("people/dana");
    auto* ooo = away.mutable_person()->mutable_out_of_office();
    ooo->mutable_start_time()->set_seconds(absl::ToUnixSeconds(absl::Now() - absl::Hours(1)));
    ooo->mutable_end_time()->set_seconds(absl::ToUnixSeconds(absl::Now() + absl::Hours(48)));
    ooo->set_delegate("people/rita");
    away.mutable_update_mask()->add_paths("out_of_office");
    dir::Person out;
    grpc::Status s = directory_->UpdatePerson(ServerFixture::Context(T("dana")).get(), away, &out);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }

  reg::Assignment Assign(const std::string& role, const std::string& person,
                         const std::string& subject = "", const std::string& predecessor = "",
                         const std::string& token = "") {
    reg::CreateAssignmentRequest req;
    req.set_parent(case_);
    reg::Assignment* a = req.mutable_assignment();
    a->set_case_role(role);
    if (!person.empty()) a->set_person("people/" + person);
    if (!subject.empty()) a->set_subject(case_ + "/subjects/" + subject);
    a->set_primary(true);
    a->set_responsibilities("holds the " + role + " role");
    a->set_predecessor(predecessor);
    reg::Assignment out;
    grpc::Status s = registry_->CreateAssignment(
        ServerFixture::Context(token.empty() ? T("alma") : token).get(), req, &out);
    EXPECT_TRUE(s.ok()) << role << ": " << s.error_message();
    return out;
  }

  void SeedCase() {
    reg::CreateCaseRequest req;
    req.set_case_id("rivera");
    reg::Case* c = req.mutable_case_();
    c->set_case_number("2026-0042");
    c->set_lead_agency("organizations/sunrise");
    c->set_display_name("Rivera family");
    c->set_program("foster-care");
    c->set_complexity(reg::Case::COMPLEXITY_HIGH);
    auto* ext = c->add_external_ids();
    ext->set_type(reg::ExternalIdentifier::TYPE_COURT_DOCKET_NUMBER);
    ext->set_value("DP-26-117");
    auto* leo = c->add_subjects();
    leo->set_subject_id("leo");
    leo->set_kind(reg::CaseSubject::KIND_CHILD);
    leo->set_display_name("Leo Rivera");
    leo->mutable_birth_date()->set_year(2017);
    leo->mutable_birth_date()->set_month(4);
    leo->mutable_birth_date()->set_day(9);
    leo->set_custody(reg::CaseSubject::CUSTODY_AGENCY);
    auto* foster = c->add_subjects();
    foster->set_subject_id("fiona");
    foster->set_kind(reg::CaseSubject::KIND_CAREGIVER);
    foster->set_display_name("Fiona Hale");
    foster->set_person("people/fiona");
    auto* rel = foster->add_relationships();
    rel->set_child("leo");
    rel->set_type(reg::SubjectRelationship::TYPE_FOSTER_PARENT);
    auto* mom = c->add_subjects();
    mom->set_subject_id("bea");
    mom->set_kind(reg::CaseSubject::KIND_CAREGIVER);
    mom->set_display_name("Bea Rivera");
    mom->set_person("people/bea");
    auto* rel2 = mom->add_relationships();
    rel2->set_child("leo");
    rel2->set_type(reg::SubjectRelationship::TYPE_BIOLOGICAL_PARENT);
    reg::Case out;
    grpc::Status s = registry_->CreateCase(ServerFixture::Context(T("alma")).get(), req, &out);
    ASSERT_TRUE(s.ok()) << s.error_message();
    case_ = out.name();
    EXPECT_EQ(out.subjects(1).relationships(0).child(), "cases/rivera/subjects/leo");

    Assign("investigator", "ivan");
    reg::Assignment olga = Assign("dependency-case-manager", "olga");
    dana_assignment_ = Assign("dependency-case-manager", "dana", "", olga.name());
    Assign("case-supervisor", "sam");
    Assign("guardian-ad-litem", "gail");
    Assign("primary-care-provider", "pat");
    Assign("foster-parent", "", "fiona");
    Assign("biological-parent", "", "bea");
    // The DCM adds the therapist: a professional on the team manages it.
    therapist_assignment_ = Assign("therapist", "theo", "", "", T("dana"));
  }

  absl::StatusOr<dir::WhoIsWhoResponse> WhoIsWho(const std::string& token) {
    dir::WhoIsWhoRequest req;
    req.set_case_(case_);
    dir::WhoIsWhoResponse resp;
    grpc::Status s = directory_->WhoIsWho(ServerFixture::Context(token).get(), req, &resp);
    if (!s.ok())
      return absl::Status(static_cast<absl::StatusCode>(s.error_code()), s.error_message());
    return resp;
  }

  std::vector<reg::Assignment> Assignments(reg::Assignment::State state,
                                           const std::string& role = "") {
    reg::ListAssignmentsRequest req;
    req.set_parent(case_);
    req.set_state(state);
    req.set_case_role(role);
    reg::ListAssignmentsResponse resp;
    grpc::Status s =
        registry_->ListAssignments(ServerFixture::Context(T("alma")).get(), req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return {resp.assignments().begin(), resp.assignments().end()};
  }

  grpc::Status RecordDeparture(const std::string& who, const std::string& successor) {
    dir::RecordDepartureRequest req;
    req.set_name("people/" + who);
    req.mutable_effective_time()->set_seconds(absl::ToUnixSeconds(absl::Now()));
    if (!successor.empty()) req.set_successor("people/" + successor);
    req.set_reason("left the agency");
    dir::Person out;
    return directory_->RecordDeparture(ServerFixture::Context(T("sam")).get(), req, &out);
  }

  bool HoldsCurrently(const std::string& role, const std::string& person) {
    for (const reg::Assignment& a : Assignments(reg::Assignment::STATE_CURRENT, role)) {
      if (a.person() == "people/" + person) return true;
    }
    return false;
  }

  std::unique_ptr<Deployment> deployment_;
  std::unique_ptr<dir::Directory::Stub> directory_;
  std::unique_ptr<reg::CaseRegistry::Stub> registry_;
  std::string admin_;
  std::string case_;
  reg::Assignment dana_assignment_, therapist_assignment_;
};

const dir::RosterEntry* Member(const dir::WhoIsWhoResponse& roster, const std::string& role) {
  for (const dir::RosterEntry& m : roster.members()) {
    if (m.case_role() == role) return &m;
  }
  return nullptr;
}

TEST_P(TeamScenarioTest, NewlyAssignedTherapistSeesWhoIsWho) {
  absl::StatusOr<dir::WhoIsWhoResponse> roster = WhoIsWho(T("theo"));
  ASSERT_TRUE(roster.ok()) << roster.status();
  std::vector<std::string> roles;
  for (const auto& m : roster->members()) roles.push_back(m.case_role());
  EXPECT_THAT(roles, IsSupersetOf({"investigator", "dependency-case-manager", "case-supervisor",
                                   "guardian-ad-litem", "foster-parent", "primary-care-provider",
                                   "biological-parent", "therapist"}));

  const dir::RosterEntry* investigator = Member(*roster, "investigator");
  ASSERT_NE(investigator, nullptr);
  EXPECT_EQ(investigator->display_name(), "Ivan Novak");
  EXPECT_EQ(investigator->organization_display_name(), "Sunrise Family Services");
  EXPECT_TRUE(investigator->availability().available_now());

  // The DCM: preferred contact first, her personal mobile withheld from
  // another organisation (and said so), away with Rita covering.
  const dir::RosterEntry* dcm = Member(*roster, "dependency-case-manager");
  ASSERT_NE(dcm, nullptr);
  EXPECT_EQ(dcm->display_name(), "Dana Cruz");
  ASSERT_GE(dcm->contact_points_size(), 2);
  EXPECT_EQ(dcm->contact_points(0).value(), "dana@sunrise.example");
  for (const auto& c : dcm->contact_points()) EXPECT_NE(c.value(), "+1 555 0199");
  ASSERT_EQ(dcm->withheld_contacts_size(), 1);
  EXPECT_EQ(dcm->withheld_contacts(0).channel(), dir::ContactPoint::CHANNEL_MOBILE);
  EXPECT_FALSE(dcm->availability().available_now());
  EXPECT_EQ(dcm->availability().reason(), dir::Availability::REASON_OUT_OF_OFFICE);
  EXPECT_EQ(dcm->availability().covered_by(), "people/rita");
  EXPECT_EQ(dcm->availability().covered_by_display_name(), "Rita Gomez");
  EXPECT_EQ(dcm->responsibilities(), "holds the dependency-case-manager role");

  // The foster parent is a caregiver on the case with an account.
  const dir::RosterEntry* foster = Member(*roster, "foster-parent");
  ASSERT_NE(foster, nullptr);
  EXPECT_EQ(foster->display_name(), "Fiona Hale");
  EXPECT_EQ(foster->subject(), case_ + "/subjects/fiona");

  // Who held the DCM role before.
  ASSERT_GE(roster->previous_holders_size(), 1);
  EXPECT_EQ(roster->previous_holders(0).case_role(), "dependency-case-manager");
  EXPECT_EQ(roster->previous_holders(0).display_name(), "Olga Reyes");
  EXPECT_EQ(roster->previous_holders(0).end_reason(), "END_REASON_REASSIGNED");
}

TEST_P(TeamScenarioTest, ContactPointsAreWithheldByWhoIsLooking) {
  // The biological mother does not see the foster home's address.
  absl::StatusOr<dir::WhoIsWhoResponse> mom_view = WhoIsWho(T("bea"));
  ASSERT_TRUE(mom_view.ok()) << mom_view.status();
  const dir::RosterEntry* foster = Member(*mom_view, "foster-parent");
  ASSERT_NE(foster, nullptr);
  ASSERT_EQ(foster->contact_points_size(), 1);
  EXPECT_EQ(foster->contact_points(0).value(), "+1 555 0300");
  ASSERT_EQ(foster->withheld_contacts_size(), 1);
  EXPECT_EQ(foster->withheld_contacts(0).channel(), dir::ContactPoint::CHANNEL_ADDRESS);
  EXPECT_THAT(foster->withheld_contacts(0).reason(), HasSubstr("biological-parent"));

  // The therapist, a professional, sees it; Dana's own supervisor sees her
  // personal mobile.
  absl::StatusOr<dir::WhoIsWhoResponse> theo_view = WhoIsWho(T("theo"));
  ASSERT_TRUE(theo_view.ok());
  EXPECT_EQ(Member(*theo_view, "foster-parent")->contact_points_size(), 2);
  absl::StatusOr<dir::WhoIsWhoResponse> sam_view = WhoIsWho(T("sam"));
  ASSERT_TRUE(sam_view.ok());
  EXPECT_EQ(Member(*sam_view, "dependency-case-manager")->withheld_contacts_size(), 0);
}

TEST_P(TeamScenarioTest, AccessFollowsTheTeamAndEndsWithTheAssignment) {
  reg::GetCaseRequest get;
  get.set_name(case_);
  reg::Case c;
  EXPECT_TRUE(registry_->GetCase(ServerFixture::Context(T("theo")).get(), get, &c).ok());
  // A therapist of the same clinic who is not on the team, and a stranger
  // asking for a case that does not exist, learn the same: nothing.
  grpc::Status stranger = registry_->GetCase(ServerFixture::Context(T("tess")).get(), get, &c);
  EXPECT_EQ(stranger.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  reg::GetCaseRequest missing;
  missing.set_name("cases/nope");
  EXPECT_EQ(registry_->GetCase(ServerFixture::Context(T("tess")).get(), missing, &c).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(registry_->GetCase(ServerFixture::Context(admin_).get(), missing, &c).error_code(),
            grpc::StatusCode::NOT_FOUND);

  // The therapist's access has its basis; they are on the treating team.
  reg::CheckCaseAccessRequest check;
  check.set_case_(case_);
  reg::CheckCaseAccessResponse access;
  ASSERT_TRUE(
      registry_->CheckCaseAccess(ServerFixture::Context(T("theo")).get(), check, &access).ok());
  EXPECT_TRUE(access.allowed());
  EXPECT_TRUE(access.treating_team());
  EXPECT_THAT(access.case_roles(), Contains("therapist"));
  // Nina supervises nobody on the case and is not on it: denied, not an error.
  check.set_person("people/nina");
  ASSERT_TRUE(registry_
                  ->CheckCaseAccess(ServerFixture::Context(deployment_->ServiceToken()).get(),
                                    check, &access)
                  .ok());
  EXPECT_FALSE(access.allowed());

  // The therapist's assignment ends: from that moment they are a former
  // member, denied in the registry and in the directory's roster.
  reg::EndAssignmentRequest end;
  end.set_name(therapist_assignment_.name());
  end.set_end_reason(reg::Assignment::END_REASON_COMPLETED);
  reg::Assignment ended;
  grpc::Status s = registry_->EndAssignment(ServerFixture::Context(T("dana")).get(), end, &ended);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(ended.state(), reg::Assignment::STATE_ENDED);
  EXPECT_EQ(registry_->GetCase(ServerFixture::Context(T("theo")).get(), get, &c).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(WhoIsWho(T("theo")).status().code(), absl::StatusCode::kPermissionDenied);
  // The history keeps them.
  std::vector<reg::Assignment> history = Assignments(reg::Assignment::STATE_ENDED, "therapist");
  ASSERT_EQ(history.size(), 1u);
  EXPECT_EQ(history[0].person(), "people/theo");

  // Dana's supervisor and the lead agency's administrator see the case.
  EXPECT_TRUE(registry_->GetCase(ServerFixture::Context(T("alma")).get(), get, &c).ok());
  ASSERT_TRUE(registry_
                  ->CheckCaseAccess(
                      ServerFixture::Context(T("alma")).get(),
                      [&] {
                        reg::CheckCaseAccessRequest r;
                        r.set_case_(case_);
                        return r;
                      }(),
                      &access)
                  .ok());
  EXPECT_THAT(access.bases(),
              Contains(reg::CheckCaseAccessResponse::BASIS_LEAD_AGENCY_ADMINISTRATOR));
}

TEST_P(TeamScenarioTest, DepartureWithSuccessorHandsOverEveryOpenCase) {
  ASSERT_TRUE(RecordDeparture("dana", "rita").ok());
  ASSERT_TRUE(Eventually([&] { return HoldsCurrently("dependency-case-manager", "rita"); }));
  EXPECT_FALSE(HoldsCurrently("dependency-case-manager", "dana"));

  std::vector<reg::Assignment> ended =
      Assignments(reg::Assignment::STATE_ENDED, "dependency-case-manager");
  auto dana = std::find_if(ended.begin(), ended.end(),
                           [](const reg::Assignment& a) { return a.person() == "people/dana"; });
  ASSERT_NE(dana, ended.end());
  EXPECT_EQ(dana->end_reason(), reg::Assignment::END_REASON_DEPARTURE);
  ASSERT_FALSE(dana->successor().empty());
  std::vector<reg::Assignment> current =
      Assignments(reg::Assignment::STATE_CURRENT, "dependency-case-manager");
  ASSERT_EQ(current.size(), 1u);
  EXPECT_EQ(current[0].predecessor(), dana->name());
  EXPECT_EQ(current[0].name(), dana->successor());
  EXPECT_TRUE(current[0].primary());
  EXPECT_FALSE(current[0].interim());

  // The team sees the change in who is who.
  absl::StatusOr<dir::WhoIsWhoResponse> roster = WhoIsWho(T("theo"));
  ASSERT_TRUE(roster.ok());
  EXPECT_EQ(Member(*roster, "dependency-case-manager")->display_name(), "Rita Gomez");
  std::vector<std::string> previous;
  for (const auto& h : roster->previous_holders()) previous.push_back(h.display_name());
  EXPECT_THAT(previous, IsSupersetOf({"Dana Cruz", "Olga Reyes"}));

  // Caseloads moved.
  reg::ListCaseloadRequest load;
  load.set_person("people/rita");
  reg::ListCaseloadResponse rita_load;
  ASSERT_TRUE(
      registry_->ListCaseload(ServerFixture::Context(T("rita")).get(), load, &rita_load).ok());
  ASSERT_EQ(rita_load.entries_size(), 1);
  EXPECT_EQ(rita_load.entries(0).complexity(), reg::Case::COMPLEXITY_HIGH);
  // Dana, departed, sees nothing any more.
  reg::GetCaseRequest get;
  get.set_name(case_);
  reg::Case c;
  EXPECT_EQ(registry_->GetCase(ServerFixture::Context(T("dana")).get(), get, &c).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);

  // And the registry's event stream tells the story, with its cause.
  reg::WatchEventsRequest watch;
  auto ctx = ServerFixture::Context(deployment_->ServiceToken(), absl::Seconds(5));
  auto stream = registry_->WatchEvents(ctx.get(), watch);
  reg::WatchEventsResponse event;
  bool saw_end = false, saw_start = false;
  for (int i = 0; i < 200 && !(saw_end && saw_start) && stream->Read(&event); ++i) {
    if (!absl::StrContains(event.event().cause(), "departure of people/dana")) continue;
    saw_end |= event.event().type() == reg::Event::TYPE_ASSIGNMENT_ENDED;
    saw_start |= event.event().type() == reg::Event::TYPE_ASSIGNMENT_CREATED;
  }
  ctx->TryCancel();
  stream->Finish().IgnoreError();
  EXPECT_TRUE(saw_end);
  EXPECT_TRUE(saw_start);
}

TEST_P(TeamScenarioTest, DepartureWithoutSuccessorLeavesTheSupervisorAsInterimContact) {
  ASSERT_TRUE(RecordDeparture("ivan", "").ok());
  ASSERT_TRUE(Eventually([&] { return HoldsCurrently("investigator", "sam"); }));
  reg::GetCaseRequest get;
  get.set_name(case_);
  reg::Case c;
  ASSERT_TRUE(registry_->GetCase(ServerFixture::Context(T("alma")).get(), get, &c).ok());
  EXPECT_TRUE(c.needs_reassignment());
  ASSERT_EQ(c.vacancies_size(), 1);
  EXPECT_EQ(c.vacancies(0).case_role(), "investigator");
  EXPECT_EQ(c.vacancies(0).interim_contact(), "people/sam");
  std::vector<reg::Assignment> interim =
      Assignments(reg::Assignment::STATE_CURRENT, "investigator");
  ASSERT_EQ(interim.size(), 1u);
  EXPECT_TRUE(interim[0].interim());

  // The lead agency sees it among the cases needing reassignment.
  reg::ListCasesRequest list;
  list.set_lead_agency("organizations/sunrise");
  list.set_needs_reassignment(true);
  reg::ListCasesResponse cases;
  ASSERT_TRUE(registry_->ListCases(ServerFixture::Context(T("alma")).get(), list, &cases).ok());
  ASSERT_EQ(cases.cases_size(), 1);
  absl::StatusOr<dir::WhoIsWhoResponse> roster = WhoIsWho(T("theo"));
  ASSERT_TRUE(roster.ok());
  EXPECT_THAT(roster->vacant_roles(), Contains("investigator"));

  // A new investigator fills the role: the vacancy closes and the interim
  // holder steps back.
  Assign("investigator", "nina");
  ASSERT_TRUE(registry_->GetCase(ServerFixture::Context(T("alma")).get(), get, &c).ok());
  EXPECT_FALSE(c.needs_reassignment());
  EXPECT_FALSE(HoldsCurrently("investigator", "sam"));
  EXPECT_TRUE(HoldsCurrently("investigator", "nina"));
}

TEST_P(TeamScenarioTest, ReplayedDepartureEventChangesNothing) {
  ASSERT_TRUE(RecordDeparture("dana", "rita").ok());
  ASSERT_TRUE(Eventually([&] { return HoldsCurrently("dependency-case-manager", "rita"); }));
  size_t before = Assignments(reg::Assignment::STATE_UNSPECIFIED).size();

  // Restart the registry with its cursor wound back to the beginning: every
  // directory event, the departure included, is delivered again.
  RestartRegistry([&] {
    // The data is encrypted with the development key kept beside it.
    auto keys = storage::Keyring::LoadFile(deployment_->data_dir() + "/" +
                                           storage::kDevEncryptionKeysFile);
    ASSERT_TRUE(keys.ok()) << keys.status();
    auto store = storage::Store::Open({.path = deployment_->registry_data_dir(),
                                       .column_families = registry::RegistryStore::ColumnFamilies(),
                                       .keyring = keys->get()});
    ASSERT_TRUE(store.ok()) << store.status();
    ASSERT_TRUE((*store)
                    ->Transact([](const storage::ReadView&, storage::Batch& b) {
                      events::WriteCursor(b, "registry.directory-events", 0);
                      return absl::OkStatus();
                    })
                    .ok());
  });
  // Events are handled in order, so once a change made after the restart
  // shows (Tess, made Theo's supervisor, sees his case), the replay is done.
  dir::UpdatePersonRequest update;
  update.mutable_person()->set_name("people/theo");
  update.mutable_person()->set_supervisor("people/tess");
  update.mutable_update_mask()->add_paths("supervisor");
  dir::Person out;
  ASSERT_TRUE(directory_->UpdatePerson(ServerFixture::Context(admin_).get(), update, &out).ok());
  ASSERT_TRUE(Eventually([&] {
    reg::CheckCaseAccessRequest check;
    check.set_case_(case_);
    reg::CheckCaseAccessResponse access;
    return registry_->CheckCaseAccess(ServerFixture::Context(T("tess")).get(), check, &access)
               .ok() &&
           access.allowed();
  }));
  EXPECT_EQ(Assignments(reg::Assignment::STATE_UNSPECIFIED).size(), before);
  EXPECT_EQ(Assignments(reg::Assignment::STATE_CURRENT, "dependency-case-manager").size(), 1u);
}

TEST_P(TeamScenarioTest, RestartKeepsEveryAcknowledgedWrite) {
  std::vector<reg::Assignment> before = Assignments(reg::Assignment::STATE_UNSPECIFIED);
  RestartRegistry();
  std::vector<reg::Assignment> after = Assignments(reg::Assignment::STATE_UNSPECIFIED);
  ASSERT_EQ(after.size(), before.size());
  for (size_t i = 0; i < before.size(); ++i) EXPECT_EQ(after[i].name(), before[i].name());
  reg::GetCaseRequest get;
  get.set_name(case_);
  reg::Case c;
  ASSERT_TRUE(registry_->GetCase(ServerFixture::Context(T("alma")).get(), get, &c).ok());
  EXPECT_EQ(c.case_number(), "2026-0042");
  EXPECT_EQ(c.subjects_size(), 3);
}

INSTANTIATE_TEST_SUITE_P(Deployments, TeamScenarioTest,
                         ::testing::Values(Deployment::Mode::kOneProcess,
                                           Deployment::Mode::kSplitProcesses),
                         [](const ::testing::TestParamInfo<Deployment::Mode>& info) {
                           return info.param == Deployment::Mode::kOneProcess ? "OneProcess"
                                                                              : "SplitProcesses";
                         });

// Only with separate processes can the registry be down while the
// directory records a departure.
class SplitOnlyTest : public TeamScenarioTest {};

TEST_P(SplitOnlyTest, RegistryDownDuringDepartureHandsOverWhenItReturns) {
  RestartRegistry([&] { ASSERT_TRUE(RecordDeparture("dana", "rita").ok()); });
  ASSERT_TRUE(Eventually([&] { return HoldsCurrently("dependency-case-manager", "rita"); }));
  EXPECT_FALSE(HoldsCurrently("dependency-case-manager", "dana"));
}

INSTANTIATE_TEST_SUITE_P(Deployments, SplitOnlyTest,
                         ::testing::Values(Deployment::Mode::kSplitProcesses),
                         [](const ::testing::TestParamInfo<Deployment::Mode>&) {
                           return std::string("SplitProcesses");
                         });

}  // namespace
}  // namespace samepage
