// Every registry RPC refuses bad input with a status naming the field, and
// changes nothing when it does.

#include <algorithm>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "samepage/directory/v1/directory_service.grpc.pb.h"
#include "samepage/registry/v1/registry_service.grpc.pb.h"
#include "tests/testing/server_fixture.h"

namespace samepage {
namespace {

using ::samepage::testing::ServerFixture;
using ::testing::HasSubstr;
namespace dir = ::samepage::directory::v1;
namespace reg = ::samepage::registry::v1;

class RegistryValidationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.Start().ok());
    directory_ = dir::Directory::NewStub(server_.channel());
    registry_ = reg::CaseRegistry::NewStub(server_.channel());
    admin_ = server_.AdminToken();
    dir::CreateOrganizationRequest org;
    org.set_organization_id("sunrise");
    org.mutable_organization()->set_display_name("Sunrise");
    org.mutable_organization()->set_kind(dir::Organization::KIND_CHILD_WELFARE_AGENCY);
    dir::Organization org_out;
    ASSERT_TRUE(directory_->CreateOrganization(Ctx(admin_).get(), org, &org_out).ok());
    dir::CreatePersonRequest person;
    person.set_person_id("dana");
    person.mutable_person()->set_display_name("Dana Cruz");
    person.mutable_person()->set_organization("organizations/sunrise");
    dir::Person person_out;
    ASSERT_TRUE(directory_->CreatePerson(Ctx(admin_).get(), person, &person_out).ok());

    grpc::Status created = registry_->CreateCase(Ctx(admin_).get(), ValidCase(), &case_);
    ASSERT_TRUE(created.ok()) << created.error_message();
    reg::CreateAssignmentRequest assign;
    assign.set_parent(case_.name());
    assign.mutable_assignment()->set_person("people/dana");
    assign.mutable_assignment()->set_case_role("dependency-case-manager");
    ASSERT_TRUE(registry_->CreateAssignment(Ctx(admin_).get(), assign, &assignment_).ok());
  }

  static std::unique_ptr<grpc::ClientContext> Ctx(const std::string& token) {
    return ServerFixture::Context(token);
  }

  static reg::CreateCaseRequest ValidCase() {
    reg::CreateCaseRequest req;
    req.set_case_id("case-1");
    reg::Case* c = req.mutable_case_();
    c->set_case_number("N-1");
    c->set_lead_agency("organizations/sunrise");
    c->set_program("in-home-safety");
    reg::CaseSubject* child = c->add_subjects();
    child->set_subject_id("kid");
    child->set_kind(reg::CaseSubject::KIND_CHILD);
    child->set_display_name("A Child");
    child->mutable_birth_date()->set_year(2019);
    child->mutable_birth_date()->set_month(2);
    child->mutable_birth_date()->set_day(28);
    return req;
  }

  // What the registry holds, to show a refused call changed nothing.
  std::string Snapshot() {
    reg::ListCasesRequest cases;
    cases.set_lead_agency("organizations/sunrise");
    reg::ListCasesResponse case_list;
    EXPECT_TRUE(registry_->ListCases(Ctx(admin_).get(), cases, &case_list).ok());
    reg::ListAssignmentsRequest assignments;
    assignments.set_parent(case_.name());
    reg::ListAssignmentsResponse assignment_list;
    EXPECT_TRUE(registry_->ListAssignments(Ctx(admin_).get(), assignments, &assignment_list).ok());
    reg::ListCaseRolesRequest roles;
    roles.set_page_size(500);
    reg::ListCaseRolesResponse role_list;
    EXPECT_TRUE(registry_->ListCaseRoles(Ctx(admin_).get(), roles, &role_list).ok());
    return case_list.SerializeAsString() + assignment_list.SerializeAsString() +
           role_list.SerializeAsString();
  }

  void ExpectRefused(const std::string& label, const std::function<grpc::Status()>& call,
                     grpc::StatusCode code, const std::string& field) {
    std::string before = Snapshot();
    grpc::Status s = call();
    EXPECT_EQ(s.error_code(), code) << label << ": " << s.error_message();
    EXPECT_THAT(s.error_message(), HasSubstr(field)) << label;
    EXPECT_EQ(Snapshot(), before) << label << " changed something";
  }

  ServerFixture server_;
  std::unique_ptr<dir::Directory::Stub> directory_;
  std::unique_ptr<reg::CaseRegistry::Stub> registry_;
  std::string admin_;
  reg::Case case_;
  reg::Assignment assignment_;
};

TEST_F(RegistryValidationTest, CreateCase) {
  struct Spoil {
    std::string field;
    std::function<void(reg::CreateCaseRequest&)> apply;
  };
  std::vector<Spoil> spoils = {
      {"case_id", [](auto& r) { r.set_case_id("Bad Id"); }},
      {"case.case_number", [](auto& r) { r.mutable_case_()->clear_case_number(); }},
      {"case.lead_agency", [](auto& r) { r.mutable_case_()->set_lead_agency("sunrise"); }},
      {"case.program", [](auto& r) { r.mutable_case_()->set_program("Foster Care!"); }},
      {"case.subjects", [](auto& r) { r.mutable_case_()->clear_subjects(); }},
      {"case.subjects[0].birth_date",
       [](auto& r) { r.mutable_case_()->mutable_subjects(0)->clear_birth_date(); }},
      {"case.subjects[0].birth_date",
       [](auto& r) { r.mutable_case_()->mutable_subjects(0)->mutable_birth_date()->set_day(30); }},
      {"case.subjects[0].display_name",
       [](auto& r) { r.mutable_case_()->mutable_subjects(0)->clear_display_name(); }},
      {"case.subjects[1].relationships[0].child",
       [](auto& r) {
         auto* adult = r.mutable_case_()->add_subjects();
         adult->set_kind(reg::CaseSubject::KIND_CAREGIVER);
         adult->set_display_name("Adult");
         auto* rel = adult->add_relationships();
         rel->set_child("nobody");
         rel->set_type(reg::SubjectRelationship::TYPE_FOSTER_PARENT);
       }},
      {"case.external_ids[0].type",
       [](auto& r) { r.mutable_case_()->add_external_ids()->set_value("x"); }},
  };
  for (const Spoil& spoil : spoils) {
    reg::CreateCaseRequest req = ValidCase();
    req.set_case_id("case-2");
    req.mutable_case_()->set_case_number("N-2");
    spoil.apply(req);
    reg::Case out;
    ExpectRefused(
        spoil.field, [&] { return registry_->CreateCase(Ctx(admin_).get(), req, &out); },
        grpc::StatusCode::INVALID_ARGUMENT, spoil.field);
  }
  // The same case number twice in one agency.
  reg::CreateCaseRequest dup = ValidCase();
  dup.set_case_id("case-3");
  reg::Case out;
  ExpectRefused(
      "duplicate number", [&] { return registry_->CreateCase(Ctx(admin_).get(), dup, &out); },
      grpc::StatusCode::ALREADY_EXISTS, "case.case_number");
  // A lead agency that is not in the directory.
  reg::CreateCaseRequest unknown = ValidCase();
  unknown.set_case_id("case-4");
  unknown.mutable_case_()->set_lead_agency("organizations/nowhere");
  ExpectRefused(
      "unknown agency", [&] { return registry_->CreateCase(Ctx(admin_).get(), unknown, &out); },
      grpc::StatusCode::INVALID_ARGUMENT, "case.lead_agency");
  // Dana is not an administrator, investigator or case manager of it.
  reg::CreateCaseRequest by_dana = ValidCase();
  by_dana.set_case_id("case-5");
  by_dana.mutable_case_()->set_case_number("N-5");
  ExpectRefused(
      "not allowed",
      [&] { return registry_->CreateCase(Ctx(server_.Token("people/dana")).get(), by_dana, &out); },
      grpc::StatusCode::PERMISSION_DENIED, "organizations/sunrise");
}

TEST_F(RegistryValidationTest, ReadsAndLists) {
  reg::Case c;
  reg::GetCaseRequest get;
  get.set_name("case/case-1");
  ExpectRefused(
      "GetCase", [&] { return registry_->GetCase(Ctx(admin_).get(), get, &c); },
      grpc::StatusCode::INVALID_ARGUMENT, "name");
  reg::ListCasesRequest list;
  list.set_page_size(501);
  reg::ListCasesResponse cases;
  ExpectRefused(
      "ListCases", [&] { return registry_->ListCases(Ctx(admin_).get(), list, &cases); },
      grpc::StatusCode::INVALID_ARGUMENT, "page_size");
  list.set_page_size(10);
  list.set_page_token("xyz");
  ExpectRefused(
      "ListCases token", [&] { return registry_->ListCases(Ctx(admin_).get(), list, &cases); },
      grpc::StatusCode::INVALID_ARGUMENT, "page_token");
  reg::Assignment a;
  reg::GetAssignmentRequest get_a;
  get_a.set_name("cases/case-1/assigned/x");
  ExpectRefused(
      "GetAssignment", [&] { return registry_->GetAssignment(Ctx(admin_).get(), get_a, &a); },
      grpc::StatusCode::INVALID_ARGUMENT, "name");
  reg::ListAssignmentsRequest list_a;
  list_a.set_parent("case-1");
  reg::ListAssignmentsResponse assignments;
  ExpectRefused(
      "ListAssignments",
      [&] { return registry_->ListAssignments(Ctx(admin_).get(), list_a, &assignments); },
      grpc::StatusCode::INVALID_ARGUMENT, "parent");
  reg::ListCaseloadRequest load;
  load.set_person("dana");
  reg::ListCaseloadResponse caseload;
  ExpectRefused(
      "ListCaseload", [&] { return registry_->ListCaseload(Ctx(admin_).get(), load, &caseload); },
      grpc::StatusCode::INVALID_ARGUMENT, "person");
  reg::GetCaseRoleRequest role;
  role.set_name("roles/therapist");
  reg::CaseRole role_out;
  ExpectRefused(
      "GetCaseRole", [&] { return registry_->GetCaseRole(Ctx(admin_).get(), role, &role_out); },
      grpc::StatusCode::INVALID_ARGUMENT, "name");
  reg::ListCaseRolesRequest roles;
  roles.set_page_size(-1);
  reg::ListCaseRolesResponse role_list;
  ExpectRefused(
      "ListCaseRoles",
      [&] { return registry_->ListCaseRoles(Ctx(admin_).get(), roles, &role_list); },
      grpc::StatusCode::INVALID_ARGUMENT, "page_size");
  dir::WhoIsWhoRequest who;
  who.set_case_("case-1");
  dir::WhoIsWhoResponse roster;
  ExpectRefused(
      "WhoIsWho", [&] { return directory_->WhoIsWho(Ctx(admin_).get(), who, &roster); },
      grpc::StatusCode::INVALID_ARGUMENT, "case");
  reg::CheckCaseAccessRequest check;
  check.set_case_("case-1");
  reg::CheckCaseAccessResponse access;
  ExpectRefused(
      "CheckCaseAccess",
      [&] { return registry_->CheckCaseAccess(Ctx(admin_).get(), check, &access); },
      grpc::StatusCode::INVALID_ARGUMENT, "case");
  check.set_case_(case_.name());
  check.set_person("people/someone");
  ExpectRefused(
      "CheckCaseAccess about others",
      [&] {
        return registry_->CheckCaseAccess(Ctx(server_.Token("people/dana")).get(), check, &access);
      },
      grpc::StatusCode::PERMISSION_DENIED, "person");
}

TEST_F(RegistryValidationTest, Changes) {
  reg::Case c;
  reg::UpdateCaseRequest update;
  *update.mutable_case_() = case_;
  update.mutable_update_mask()->add_paths("state");
  ExpectRefused(
      "UpdateCase mask", [&] { return registry_->UpdateCase(Ctx(admin_).get(), update, &c); },
      grpc::StatusCode::INVALID_ARGUMENT, "update_mask");
  update.mutable_update_mask()->Clear();
  update.mutable_update_mask()->add_paths("display_name");
  update.mutable_case_()->set_etag("r1");
  ExpectRefused(
      "UpdateCase etag", [&] { return registry_->UpdateCase(Ctx(admin_).get(), update, &c); },
      grpc::StatusCode::ABORTED, "etag");

  reg::CloseCaseRequest close;
  close.set_name(case_.name());
  ExpectRefused(
      "CloseCase reason", [&] { return registry_->CloseCase(Ctx(admin_).get(), close, &c); },
      grpc::StatusCode::INVALID_ARGUMENT, "closing_reason");
  close.set_closing_reason("reunified");
  close.mutable_close_time()->set_seconds(absl::ToUnixSeconds(absl::Now() + absl::Hours(24)));
  ExpectRefused(
      "CloseCase future", [&] { return registry_->CloseCase(Ctx(admin_).get(), close, &c); },
      grpc::StatusCode::INVALID_ARGUMENT, "close_time");

  reg::Assignment a;
  reg::CreateAssignmentRequest assign;
  assign.set_parent(case_.name());
  assign.mutable_assignment()->set_person("people/dana");
  assign.mutable_assignment()->set_subject(case_.subjects(0).name());
  assign.mutable_assignment()->set_case_role("therapist");
  ExpectRefused(
      "both person and subject",
      [&] { return registry_->CreateAssignment(Ctx(admin_).get(), assign, &a); },
      grpc::StatusCode::INVALID_ARGUMENT, "assignment.person");
  assign.mutable_assignment()->clear_subject();
  assign.mutable_assignment()->set_case_role("wizard");
  ExpectRefused(
      "unknown role", [&] { return registry_->CreateAssignment(Ctx(admin_).get(), assign, &a); },
      grpc::StatusCode::INVALID_ARGUMENT, "assignment.case_role");
  assign.mutable_assignment()->set_case_role("therapist");
  assign.mutable_assignment()->set_person("people/ghost");
  ExpectRefused(
      "unknown person", [&] { return registry_->CreateAssignment(Ctx(admin_).get(), assign, &a); },
      grpc::StatusCode::INVALID_ARGUMENT, "assignment.person");
  assign.mutable_assignment()->set_person("people/dana");
  assign.mutable_assignment()->set_case_role("dependency-case-manager");
  ExpectRefused(
      "same role twice", [&] { return registry_->CreateAssignment(Ctx(admin_).get(), assign, &a); },
      grpc::StatusCode::ALREADY_EXISTS, "assignment");

  reg::UpdateAssignmentRequest update_a;
  *update_a.mutable_assignment() = assignment_;
  update_a.mutable_update_mask()->add_paths("case_role");
  ExpectRefused(
      "UpdateAssignment mask",
      [&] { return registry_->UpdateAssignment(Ctx(admin_).get(), update_a, &a); },
      grpc::StatusCode::INVALID_ARGUMENT, "update_mask");

  reg::EndAssignmentRequest end;
  end.set_name(assignment_.name());
  ExpectRefused(
      "EndAssignment reason", [&] { return registry_->EndAssignment(Ctx(admin_).get(), end, &a); },
      grpc::StatusCode::INVALID_ARGUMENT, "end_reason");
  end.set_end_reason(reg::Assignment::END_REASON_OTHER);
  ExpectRefused(
      "EndAssignment details", [&] { return registry_->EndAssignment(Ctx(admin_).get(), end, &a); },
      grpc::StatusCode::INVALID_ARGUMENT, "end_details");

  reg::CreateCaseRoleRequest role;
  role.set_case_role_id("parent-educator");
  role.mutable_case_role()->set_display_name("Parent educator");
  reg::CaseRole role_out;
  ExpectRefused(
      "CreateCaseRole kind",
      [&] { return registry_->CreateCaseRole(Ctx(admin_).get(), role, &role_out); },
      grpc::StatusCode::INVALID_ARGUMENT, "case_role.kind");
  role.mutable_case_role()->set_kind(reg::CaseRole::KIND_PROFESSIONAL);
  ExpectRefused(
      "CreateCaseRole by a non-administrator",
      [&] {
        return registry_->CreateCaseRole(Ctx(server_.Token("people/dana")).get(), role, &role_out);
      },
      grpc::StatusCode::PERMISSION_DENIED, "administrators");
  ASSERT_TRUE(registry_->CreateCaseRole(Ctx(admin_).get(), role, &role_out).ok());
  EXPECT_EQ(role_out.name(), "caseRoles/parent-educator");
}

TEST_F(RegistryValidationTest, CallersMustAuthenticateAndStreamsAreForServices) {
  reg::GetCaseRequest get;
  get.set_name(case_.name());
  reg::Case c;
  EXPECT_EQ(registry_->GetCase(Ctx("").get(), get, &c).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  reg::WatchEventsRequest watch;
  watch.set_after_revision(-5);
  reg::WatchEventsResponse event;
  auto ctx = Ctx(admin_);
  auto stream = registry_->WatchEvents(ctx.get(), watch);
  EXPECT_FALSE(stream->Read(&event));
  EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  watch.set_after_revision(0);
  auto person_ctx = Ctx(server_.Token("people/dana"));
  auto person_stream = registry_->WatchEvents(person_ctx.get(), watch);
  EXPECT_FALSE(person_stream->Read(&event));
  EXPECT_EQ(person_stream->Finish().error_code(), grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(RegistryValidationTest, ClosedCasesAreReadOnlyAndKeepTheirHistory) {
  reg::CloseCaseRequest close;
  close.set_name(case_.name());
  close.set_closing_reason("services completed");
  close.set_end_assignments(true);
  reg::Case closed;
  ASSERT_TRUE(registry_->CloseCase(Ctx(admin_).get(), close, &closed).ok());
  EXPECT_EQ(closed.state(), reg::Case::STATE_CLOSED);
  reg::UpdateCaseRequest update;
  *update.mutable_case_() = closed;
  update.mutable_update_mask()->add_paths("display_name");
  reg::Case out;
  EXPECT_EQ(registry_->UpdateCase(Ctx(admin_).get(), update, &out).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  reg::ListAssignmentsRequest list;
  list.set_parent(case_.name());
  reg::ListAssignmentsResponse assignments;
  ASSERT_TRUE(registry_->ListAssignments(Ctx(admin_).get(), list, &assignments).ok());
  ASSERT_EQ(assignments.assignments_size(), 1);
  EXPECT_EQ(assignments.assignments(0).state(), reg::Assignment::STATE_ENDED);
  EXPECT_EQ(assignments.assignments(0).end_reason(), reg::Assignment::END_REASON_CASE_CLOSED);
}

TEST_F(RegistryValidationTest, ListsPageWithoutLosingOrRepeating) {
  // Dana holds two roles on each of six cases.
  for (int i = 2; i <= 7; ++i) {
    reg::CreateCaseRequest req = ValidCase();
    req.set_case_id("case-" + std::to_string(i));
    req.mutable_case_()->set_case_number("N-" + std::to_string(i));
    reg::Case c;
    ASSERT_TRUE(registry_->CreateCase(Ctx(admin_).get(), req, &c).ok());
    for (const char* role : {"dependency-case-manager", "investigator"}) {
      reg::CreateAssignmentRequest assign;
      assign.set_parent(c.name());
      assign.mutable_assignment()->set_person("people/dana");
      assign.mutable_assignment()->set_case_role(role);
      reg::Assignment a;
      ASSERT_TRUE(registry_->CreateAssignment(Ctx(admin_).get(), assign, &a).ok());
    }
  }
  std::vector<std::string> seen;
  reg::ListCasesRequest list;
  list.set_person("people/dana");
  list.set_page_size(2);
  for (int page = 0; page < 10; ++page) {
    reg::ListCasesResponse resp;
    ASSERT_TRUE(registry_->ListCases(Ctx(server_.Token("people/dana")).get(), list, &resp).ok());
    for (const auto& c : resp.cases()) seen.push_back(c.name());
    if (resp.next_page_token().empty()) break;
    list.set_page_token(resp.next_page_token());
  }
  std::vector<std::string> sorted = seen;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(std::unique(sorted.begin(), sorted.end()), sorted.end()) << "a case repeated";
  EXPECT_EQ(seen.size(), 7u);  // case-1 and the six new ones

  std::vector<std::string> caseload;
  reg::ListCaseloadRequest load;
  load.set_person("people/dana");
  load.set_page_size(3);
  for (int page = 0; page < 10; ++page) {
    reg::ListCaseloadResponse resp;
    ASSERT_TRUE(registry_->ListCaseload(Ctx(server_.Token("people/dana")).get(), load, &resp).ok());
    EXPECT_EQ(resp.total_size(), 7);
    for (const auto& e : resp.entries()) caseload.push_back(e.case_());
    if (resp.next_page_token().empty()) break;
    load.set_page_token(resp.next_page_token());
  }
  EXPECT_EQ(caseload.size(), 7u);

  // A case's team pages in assignment order; a filter applies within pages.
  std::vector<std::string> team;
  reg::ListAssignmentsRequest members;
  members.set_parent("cases/case-2");
  members.set_page_size(1);
  for (int page = 0; page < 10; ++page) {
    reg::ListAssignmentsResponse resp;
    ASSERT_TRUE(registry_->ListAssignments(Ctx(server_.Token("people/dana")).get(), members, &resp)
                    .ok());
    for (const auto& a : resp.assignments()) team.push_back(a.case_role());
    if (resp.next_page_token().empty()) break;
    members.set_page_token(resp.next_page_token());
  }
  std::vector<std::string> roles = team;
  std::sort(roles.begin(), roles.end());
  EXPECT_EQ(roles, (std::vector<std::string>{"dependency-case-manager", "investigator"}));
  members.set_page_token("");
  members.set_page_size(10);
  members.set_case_role("investigator");
  reg::ListAssignmentsResponse only;
  ASSERT_TRUE(
      registry_->ListAssignments(Ctx(server_.Token("people/dana")).get(), members, &only).ok());
  ASSERT_EQ(only.assignments_size(), 1);
  EXPECT_EQ(only.assignments(0).case_role(), "investigator");
  EXPECT_TRUE(only.next_page_token().empty());
}

}  // namespace
}  // namespace samepage
