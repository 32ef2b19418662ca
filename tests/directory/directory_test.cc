// The directory through its generated gRPC client, against a real server.

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"
#include "samepage/directory/v1/directory_service.grpc.pb.h"
#include "tests/testing/server_fixture.h"

namespace samepage::directory {
namespace {

using ::samepage::testing::ServerFixture;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;
namespace v1 = ::samepage::directory::v1;

class DirectoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.Start().ok());
    Connect();
    admin_ = server_.AdminToken();
    // A child-welfare agency with an administrator, a supervisor and a DCM,
    // and a behavioral-health provider with a therapist.
    agency_ = MustCreateOrg("sunrise", "Sunrise Family Services",
                            v1::Organization::KIND_CHILD_WELFARE_AGENCY);
    clinic_ = MustCreateOrg("harbor", "Harbor Behavioral Health",
                            v1::Organization::KIND_BEHAVIORAL_HEALTH_PROVIDER);
    v1::Person admin_person = NewPerson("Alma Ortiz", agency_.name(), {"roles/administrator"});
    admin_person.set_administrator(true);
    org_admin_ = MustCreatePerson("alma", admin_person, admin_);
    supervisor_ = MustCreatePerson(
        "sam", NewPerson("Sam Lee", agency_.name(), {"roles/case-supervisor"}), admin_);
    v1::Person dcm = NewPerson("Dana Cruz", agency_.name(), {"roles/dependency-case-manager"});
    dcm.set_supervisor(supervisor_.name());
    dcm_ = MustCreatePerson("dana", dcm, admin_);
    therapist_ = MustCreatePerson(
        "theo", NewPerson("Theo Park", clinic_.name(), {"roles/therapist"}), admin_);
  }

  void Connect() { stub_ = v1::Directory::NewStub(server_.channel()); }

  std::string TokenOf(const v1::Person& p) { return server_.Token(p.name()); }

  v1::Organization MustCreateOrg(const std::string& id, const std::string& display,
                                 v1::Organization::Kind kind) {
    v1::CreateOrganizationRequest req;
    req.set_organization_id(id);
    req.mutable_organization()->set_display_name(display);
    req.mutable_organization()->set_kind(kind);
    v1::Organization org;
    grpc::Status s = stub_->CreateOrganization(ServerFixture::Context(admin_).get(), req, &org);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return org;
  }

  static v1::Person NewPerson(const std::string& display, const std::string& org,
                              std::vector<std::string> roles) {
    v1::Person p;
    p.set_display_name(display);
    p.set_organization(org);
    for (auto& r : roles) p.add_roles(r);
    auto* email = p.add_contact_points();
    email->set_channel(v1::ContactPoint::CHANNEL_EMAIL);
    email->set_value(display.substr(0, display.find(' ')) + "@example.org");
    email->set_preferred(true);
    return p;
  }

  v1::Person MustCreatePerson(const std::string& id, const v1::Person& p,
                              const std::string& token) {
    v1::CreatePersonRequest req;
    req.set_person_id(id);
    *req.mutable_person() = p;
    v1::Person out;
    grpc::Status s = stub_->CreatePerson(ServerFixture::Context(token).get(), req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }

  grpc::Status CreatePerson(const std::string& token, const v1::Person& p, v1::Person* out,
                            const std::string& id = "") {
    v1::CreatePersonRequest req;
    req.set_person_id(id);
    *req.mutable_person() = p;
    return stub_->CreatePerson(ServerFixture::Context(token).get(), req, out);
  }

  std::vector<std::string> ListPeopleNames(const std::string& token, bool departed = false) {
    v1::ListPeopleRequest req;
    req.set_show_departed(departed);
    v1::ListPeopleResponse resp;
    grpc::Status s = stub_->ListPeople(ServerFixture::Context(token).get(), req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    std::vector<std::string> names;
    for (auto& p : resp.people()) names.push_back(p.name());
    return names;
  }

  ServerFixture server_;
  std::unique_ptr<v1::Directory::Stub> stub_;
  std::string admin_;
  v1::Organization agency_, clinic_;
  v1::Person org_admin_, supervisor_, dcm_, therapist_;
};

TEST_F(DirectoryTest, MissingOrBadTokenIsUnauthenticated) {
  v1::GetPersonRequest req;
  req.set_name(dcm_.name());
  v1::Person out;
  grpc::Status none = stub_->GetPerson(ServerFixture::Context("").get(), req, &out);
  EXPECT_EQ(none.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  grpc::Status bad = stub_->GetPerson(ServerFixture::Context("not-a-token").get(), req, &out);
  EXPECT_EQ(bad.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  // A token signed by another key (another data folder's dev key).
  ServerFixture other;
  ASSERT_TRUE(other.Start().ok());
  grpc::Status foreign =
      stub_->GetPerson(ServerFixture::Context(other.AdminToken()).get(), req, &out);
  EXPECT_EQ(foreign.error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(DirectoryTest, OrganisationsCreateGetListUpdate) {
  v1::GetOrganizationRequest get;
  get.set_name("organizations/sunrise");
  v1::Organization org;
  ASSERT_TRUE(stub_->GetOrganization(ServerFixture::Context(TokenOf(dcm_)).get(), get, &org).ok());
  EXPECT_EQ(org.display_name(), "Sunrise Family Services");
  EXPECT_FALSE(org.etag().empty());

  // Paged listing: two pages of one.
  v1::ListOrganizationsRequest list;
  list.set_page_size(1);
  v1::ListOrganizationsResponse page1, page2;
  ASSERT_TRUE(
      stub_->ListOrganizations(ServerFixture::Context(TokenOf(dcm_)).get(), list, &page1).ok());
  ASSERT_EQ(page1.organizations_size(), 1);
  ASSERT_FALSE(page1.next_page_token().empty());
  list.set_page_token(page1.next_page_token());
  ASSERT_TRUE(
      stub_->ListOrganizations(ServerFixture::Context(TokenOf(dcm_)).get(), list, &page2).ok());
  ASSERT_EQ(page2.organizations_size(), 1);
  EXPECT_TRUE(page2.next_page_token().empty());
  EXPECT_EQ(page1.organizations(0).name(), "organizations/harbor");
  EXPECT_EQ(page2.organizations(0).name(), "organizations/sunrise");

  // The organisation's administrator updates it; the point of contact must exist.
  v1::UpdateOrganizationRequest update;
  *update.mutable_organization() = org;
  update.mutable_organization()->set_point_of_contact(supervisor_.name());
  update.mutable_update_mask()->add_paths("point_of_contact");
  v1::Organization updated;
  grpc::Status s = stub_->UpdateOrganization(ServerFixture::Context(TokenOf(org_admin_)).get(),
                                             update, &updated);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(updated.point_of_contact(), supervisor_.name());
  EXPECT_NE(updated.etag(), org.etag());

  // The old etag is now stale.
  s = stub_->UpdateOrganization(ServerFixture::Context(TokenOf(org_admin_)).get(), update,
                                &updated);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::ABORTED);

  // A DCM may not change the organisation; nor may the other agency's admin.
  update.mutable_organization()->set_etag(updated.etag());
  s = stub_->UpdateOrganization(ServerFixture::Context(TokenOf(dcm_)).get(), update, &updated);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);

  // Only platform administrators create organisations.
  v1::CreateOrganizationRequest create;
  create.mutable_organization()->set_display_name("Another");
  create.mutable_organization()->set_kind(v1::Organization::KIND_COURT);
  s = stub_->CreateOrganization(ServerFixture::Context(TokenOf(org_admin_)).get(), create, &org);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  // A duplicate id is refused.
  create.set_organization_id("sunrise");
  s = stub_->CreateOrganization(ServerFixture::Context(admin_).get(), create, &org);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::ALREADY_EXISTS);
}

TEST_F(DirectoryTest, BadInputNamesTheFieldAndChangesNothing) {
  std::vector<std::string> before = ListPeopleNames(admin_);
  v1::Person out;
  struct Case {
    std::string field;
    std::function<void(v1::Person&)> spoil;
  };
  std::vector<Case> cases = {
      {"person.display_name", [](v1::Person& p) { p.clear_display_name(); }},
      {"person.display_name", [](v1::Person& p) { p.set_display_name(std::string(201, 'x')); }},
      {"person.organization", [](v1::Person& p) { p.set_organization("organizations/nope"); }},
      {"person.organization", [](v1::Person& p) { p.set_organization("sunrise"); }},
      {"person.roles[0]", [](v1::Person& p) { p.set_roles(0, "roles/wizard"); }},
      {"person.supervisor", [](v1::Person& p) { p.set_supervisor("people/ghost"); }},
      {"person.contact_points[0].channel",
       [](v1::Person& p) { p.mutable_contact_points(0)->clear_channel(); }},
      {"person.contact_points",
       [](v1::Person& p) { *p.add_contact_points() = p.contact_points(0); }},  // two preferred
      {"person.working_hours.time_zone",
       [](v1::Person& p) { p.mutable_working_hours()->set_time_zone("Mars/Olympus"); }},
      {"person.working_hours.periods[0].end_minute",
       [](v1::Person& p) {
         p.mutable_working_hours()->set_time_zone("America/New_York");
         auto* period = p.mutable_working_hours()->add_periods();
         period->set_day(v1::DAY_OF_WEEK_MONDAY);
         period->set_start_minute(600);
         period->set_end_minute(500);
       }},
      {"person.out_of_office.end_time",
       [](v1::Person& p) { p.mutable_out_of_office()->mutable_start_time()->set_seconds(100); }},
  };
  for (const Case& c : cases) {
    v1::Person p = NewPerson("Valid Name", agency_.name(), {"roles/therapist"});
    c.spoil(p);
    grpc::Status s = CreatePerson(admin_, p, &out);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << c.field;
    EXPECT_THAT(s.error_message(), HasSubstr(c.field));
  }
  grpc::Status s = CreatePerson(admin_, NewPerson("Valid", agency_.name(), {}), &out, "Bad Id");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("person_id"));

  v1::GetPersonRequest get;
  get.set_name("persons/x");
  EXPECT_EQ(stub_->GetPerson(ServerFixture::Context(admin_).get(), get, &out).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  get.set_name("people/nobody");
  EXPECT_EQ(stub_->GetPerson(ServerFixture::Context(admin_).get(), get, &out).error_code(),
            grpc::StatusCode::NOT_FOUND);

  v1::ListPeopleRequest list;
  list.set_page_size(501);
  v1::ListPeopleResponse resp;
  s = stub_->ListPeople(ServerFixture::Context(admin_).get(), list, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("page_size"));
  list.set_page_size(0);
  list.set_page_token("garbage");
  s = stub_->ListPeople(ServerFixture::Context(admin_).get(), list, &resp);
  EXPECT_THAT(s.error_message(), HasSubstr("page_token"));

  v1::UpdatePersonRequest update;
  update.mutable_person()->set_name(dcm_.name());
  update.mutable_update_mask()->add_paths("state");
  s = stub_->UpdatePerson(ServerFixture::Context(admin_).get(), update, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("update_mask"));

  v1::RecordDepartureRequest departure;
  departure.set_name(dcm_.name());
  s = stub_->RecordDeparture(ServerFixture::Context(admin_).get(), departure, &out);
  EXPECT_THAT(s.error_message(), HasSubstr("effective_time"));

  v1::SearchPeopleRequest search;
  v1::SearchPeopleResponse found;
  s = stub_->SearchPeople(ServerFixture::Context(admin_).get(), search, &found);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  v1::CreateRoleRequest role;
  role.set_role_id("X");
  v1::Role role_out;
  s = stub_->CreateRole(ServerFixture::Context(admin_).get(), role, &role_out);
  EXPECT_THAT(s.error_message(), HasSubstr("role_id"));

  EXPECT_EQ(ListPeopleNames(admin_), before);
}

TEST_F(DirectoryTest, PeoplePermissions) {
  v1::Person out;
  // An agency administrator adds people to their own organisation only.
  EXPECT_TRUE(CreatePerson(TokenOf(org_admin_),
                           NewPerson("New Worker", agency_.name(), {"roles/investigator"}), &out)
                  .ok());
  EXPECT_EQ(CreatePerson(TokenOf(org_admin_),
                         NewPerson("Not Mine", clinic_.name(), {"roles/therapist"}), &out)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(CreatePerson(TokenOf(dcm_), NewPerson("X Y", agency_.name(), {}), &out).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);

  // The DCM changes their own reachability but not their roles.
  v1::UpdatePersonRequest update;
  update.mutable_person()->set_name(dcm_.name());
  auto* mobile = update.mutable_person()->add_contact_points();
  mobile->set_channel(v1::ContactPoint::CHANNEL_MOBILE);
  mobile->set_value("+1 555 0100");
  mobile->set_preferred(true);
  update.mutable_update_mask()->add_paths("contact_points");
  grpc::Status s = stub_->UpdatePerson(ServerFixture::Context(TokenOf(dcm_)).get(), update, &out);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(out.contact_points(0).value(), "+1 555 0100");
  update.mutable_update_mask()->add_paths("roles");
  s = stub_->UpdatePerson(ServerFixture::Context(TokenOf(dcm_)).get(), update, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);

  // Their supervisor sets their out-of-office with a delegate.
  v1::UpdatePersonRequest ooo;
  ooo.mutable_person()->set_name(dcm_.name());
  auto* absence = ooo.mutable_person()->mutable_out_of_office();
  absence->mutable_start_time()->set_seconds(absl::ToUnixSeconds(absl::Now()));
  absence->mutable_end_time()->set_seconds(absl::ToUnixSeconds(absl::Now() + absl::Hours(48)));
  absence->set_delegate(supervisor_.name());
  ooo.mutable_update_mask()->add_paths("out_of_office");
  s = stub_->UpdatePerson(ServerFixture::Context(TokenOf(supervisor_)).get(), ooo, &out);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(out.out_of_office().delegate(), supervisor_.name());
  // The therapist, a stranger, may not.
  s = stub_->UpdatePerson(ServerFixture::Context(TokenOf(therapist_)).get(), ooo, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(DirectoryTest, RolesCatalogIsSeededAndExtensible) {
  v1::ListRolesRequest list;
  list.set_page_size(500);
  v1::ListRolesResponse resp;
  ASSERT_TRUE(stub_->ListRoles(ServerFixture::Context(TokenOf(dcm_)).get(), list, &resp).ok());
  std::vector<std::string> names;
  for (auto& r : resp.roles()) names.push_back(r.name());
  EXPECT_THAT(names, ::testing::IsSupersetOf(
                         {"roles/investigator", "roles/therapist", "roles/guardian-ad-litem"}));

  v1::CreateRoleRequest create;
  create.set_role_id("parent-educator");
  create.mutable_role()->set_display_name("Parent educator");
  v1::Role role;
  EXPECT_EQ(
      stub_->CreateRole(ServerFixture::Context(TokenOf(dcm_)).get(), create, &role).error_code(),
      grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(
      stub_->CreateRole(ServerFixture::Context(TokenOf(org_admin_)).get(), create, &role).ok());
  EXPECT_EQ(role.name(), "roles/parent-educator");
  EXPECT_FALSE(role.built_in());
  EXPECT_EQ(stub_->CreateRole(ServerFixture::Context(admin_).get(), create, &role).error_code(),
            grpc::StatusCode::ALREADY_EXISTS);
}

TEST_F(DirectoryTest, SearchByNameOrganisationAndRole) {
  v1::Person out;
  ASSERT_TRUE(
      CreatePerson(admin_, NewPerson("Dana Whitfield", clinic_.name(), {"roles/therapist"}), &out)
          .ok());
  auto search = [&](const std::string& query, const std::string& org, const std::string& role) {
    v1::SearchPeopleRequest req;
    req.set_query(query);
    req.set_organization(org);
    req.set_role(role);
    v1::SearchPeopleResponse resp;
    grpc::Status s =
        stub_->SearchPeople(ServerFixture::Context(TokenOf(therapist_)).get(), req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    std::vector<std::string> names;
    for (auto& p : resp.people()) names.push_back(p.display_name());
    return names;
  };
  EXPECT_THAT(search("dan", "", ""), UnorderedElementsAre("Dana Cruz", "Dana Whitfield"));
  EXPECT_THAT(search("DANA cr", "", ""), ElementsAre("Dana Cruz"));
  EXPECT_THAT(search("dana", clinic_.name(), ""), ElementsAre("Dana Whitfield"));
  EXPECT_THAT(search("", "", "roles/therapist"),
              UnorderedElementsAre("Theo Park", "Dana Whitfield"));
  EXPECT_THAT(search("", agency_.name(), "roles/case-supervisor"), ElementsAre("Sam Lee"));
  EXPECT_THAT(search("zed", "", ""), ElementsAre());
}

TEST_F(DirectoryTest, DepartureBySupervisorWithSuccessor) {
  v1::Person successor = MustCreatePerson(
      "rita", NewPerson("Rita Gomez", agency_.name(), {"roles/dependency-case-manager"}), admin_);
  v1::RecordDepartureRequest req;
  req.set_name(dcm_.name());
  req.mutable_effective_time()->set_seconds(absl::ToUnixSeconds(absl::Now()));
  req.set_successor(successor.name());
  req.set_reason("moved to another county");
  v1::Person out;
  // Not the therapist.
  EXPECT_EQ(stub_->RecordDeparture(ServerFixture::Context(TokenOf(therapist_)).get(), req, &out)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  grpc::Status s =
      stub_->RecordDeparture(ServerFixture::Context(TokenOf(supervisor_)).get(), req, &out);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(out.state(), v1::Person::STATE_DEPARTED);
  EXPECT_EQ(out.departure().successor(), successor.name());
  EXPECT_EQ(out.departure().recorded_by(), supervisor_.name());
  // Twice is refused; the departed are left out of lists unless asked for.
  EXPECT_EQ(stub_->RecordDeparture(ServerFixture::Context(TokenOf(supervisor_)).get(), req, &out)
                .error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(ListPeopleNames(admin_), ::testing::Not(::testing::Contains(dcm_.name())));
  EXPECT_THAT(ListPeopleNames(admin_, true), ::testing::Contains(dcm_.name()));
}

TEST_F(DirectoryTest, RestartKeepsEveryAcknowledgedWrite) {
  std::vector<std::string> created;
  for (int i = 0; i < 20; ++i) {
    v1::Person out;
    ASSERT_TRUE(
        CreatePerson(admin_, NewPerson("Worker " + std::to_string(i), agency_.name(), {}), &out)
            .ok());
    created.push_back(out.name());
  }
  std::vector<std::string> before = ListPeopleNames(admin_);
  ASSERT_TRUE(server_.Restart().ok());
  Connect();
  admin_ = server_.AdminToken();
  EXPECT_EQ(ListPeopleNames(admin_), before);
  for (const std::string& name : created) {
    v1::GetPersonRequest get;
    get.set_name(name);
    v1::Person out;
    EXPECT_TRUE(stub_->GetPerson(ServerFixture::Context(admin_).get(), get, &out).ok()) << name;
  }
}

std::vector<v1::Event> ReadEvents(v1::Directory::Stub* stub, const std::string& token,
                                  int64_t after, size_t want) {
  v1::WatchEventsRequest req;
  req.set_after_revision(after);
  auto ctx = ServerFixture::Context(token, absl::Seconds(5));
  auto reader = stub->WatchEvents(ctx.get(), req);
  std::vector<v1::Event> events;
  v1::WatchEventsResponse resp;
  while (events.size() < want && reader->Read(&resp)) events.push_back(resp.event());
  ctx->TryCancel();
  reader->Finish().IgnoreError();
  return events;
}

TEST_F(DirectoryTest, WatchEventsResumesFromARevisionAndFollowsNewChanges) {
  // The stream stays open, so read the known number: 14 built-in roles, 2
  // organisations, 4 people.
  std::vector<v1::Event> all = ReadEvents(stub_.get(), admin_, 0, 14 + 2 + 4);
  ASSERT_EQ(all.size(), 20u);
  for (size_t i = 0; i < all.size(); ++i) EXPECT_EQ(all[i].revision(), int64_t(i + 1));
  EXPECT_EQ(all.back().type(), v1::Event::TYPE_PERSON_CREATED);
  EXPECT_EQ(all.back().person().name(), therapist_.name());

  // Resume after revision 18: exactly 19 and 20.
  std::vector<v1::Event> tail = ReadEvents(stub_.get(), admin_, 18, 2);
  ASSERT_EQ(tail.size(), 2u);
  EXPECT_EQ(tail[0].revision(), 19);

  // A subscriber that is caught up receives a change made afterwards.
  v1::WatchEventsRequest req;
  req.set_after_revision(20);
  auto ctx = ServerFixture::Context(server_.Token("service:test", {identity::kServiceScope}),
                                    absl::Seconds(10));
  auto reader = stub_->WatchEvents(ctx.get(), req);
  v1::Person out;
  ASSERT_TRUE(CreatePerson(admin_, NewPerson("Late Comer", agency_.name(), {}), &out).ok());
  v1::WatchEventsResponse resp;
  ASSERT_TRUE(reader->Read(&resp));
  EXPECT_EQ(resp.event().revision(), 21);
  EXPECT_EQ(resp.event().person().display_name(), "Late Comer");
  ctx->TryCancel();
  reader->Finish().IgnoreError();

  // And after a restart the log continues where it was.
  ASSERT_TRUE(server_.Restart().ok());
  Connect();
  std::vector<v1::Event> after_restart = ReadEvents(stub_.get(), server_.AdminToken(), 20, 1);
  ASSERT_EQ(after_restart.size(), 1u);
  EXPECT_EQ(after_restart[0].revision(), 21);

  // People follow their own updates elsewhere; this stream is for services.
  auto dcm_ctx = ServerFixture::Context(TokenOf(dcm_));
  auto dcm_stream = stub_->WatchEvents(dcm_ctx.get(), req);
  EXPECT_FALSE(dcm_stream->Read(&resp));
  EXPECT_EQ(dcm_stream->Finish().error_code(), grpc::StatusCode::PERMISSION_DENIED);

  // Negative revisions are refused; so is a missing token.
  req.set_after_revision(-1);
  auto bad_ctx = ServerFixture::Context(server_.AdminToken());
  auto bad = stub_->WatchEvents(bad_ctx.get(), req);
  EXPECT_FALSE(bad->Read(&resp));
  EXPECT_EQ(bad->Finish().error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  auto anon_ctx = ServerFixture::Context("");
  req.set_after_revision(0);
  auto anon = stub_->WatchEvents(anon_ctx.get(), req);
  EXPECT_FALSE(anon->Read(&resp));
  EXPECT_EQ(anon->Finish().error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(DirectoryTest, HealthServiceReportsTheDirectoryServing) {
  auto health = grpc::health::v1::Health::NewStub(server_.channel());
  grpc::health::v1::HealthCheckRequest req;
  req.set_service("samepage.directory.v1.Directory");
  grpc::health::v1::HealthCheckResponse resp;
  auto ctx = ServerFixture::Context("");
  ASSERT_TRUE(health->Check(ctx.get(), req, &resp).ok());
  EXPECT_EQ(resp.status(), grpc::health::v1::HealthCheckResponse::SERVING);
}

}  // namespace
}  // namespace samepage::directory
