#pragma once

// A small case through the real API, for the audit and encryption tests:
// an agency, its administrator, a case manager on the case, a stranger, and
// a case whose child has a name that appears nowhere else.

#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "samepage/caseplan/v1/caseplan_service.grpc.pb.h"
#include "samepage/directory/v1/directory_service.grpc.pb.h"
#include "samepage/registry/v1/registry_service.grpc.pb.h"
#include "samepage/sharing/v1/sharing_service.grpc.pb.h"
#include "tests/testing/server_fixture.h"

namespace samepage::testing {

inline constexpr char kSeedCase[] = "cases/c-0001";
inline constexpr char kSeedChild[] = "cases/c-0001/subjects/child";
// Distinctive bytes that must never reach the disk in plaintext.
inline constexpr char kChildName[] = "Xanthippe Quillfeather";

struct Stubs {
  explicit Stubs(const std::shared_ptr<grpc::Channel>& channel)
      : directory(directory::v1::Directory::NewStub(channel)),
        registry(registry::v1::CaseRegistry::NewStub(channel)),
        caseplan(caseplan::v1::CasePlans::NewStub(channel)),
        sharing(sharing::v1::Sharing::NewStub(channel)) {}
  std::unique_ptr<directory::v1::Directory::Stub> directory;
  std::unique_ptr<registry::v1::CaseRegistry::Stub> registry;
  std::unique_ptr<caseplan::v1::CasePlans::Stub> caseplan;
  std::unique_ptr<sharing::v1::Sharing::Stub> sharing;
};

inline void SeedCase(const ServerFixture& server) {
  namespace dir = ::samepage::directory::v1;
  namespace reg = ::samepage::registry::v1;
  Stubs stubs(server.channel());
  std::string admin = server.AdminToken();
  {
    dir::CreateOrganizationRequest req;
    req.set_organization_id("sunrise");
    req.mutable_organization()->set_display_name("Sunrise");
    req.mutable_organization()->set_kind(dir::Organization::KIND_CHILD_WELFARE_AGENCY);
    dir::Organization out;
    grpc::Status s = stubs.directory->CreateOrganization(ServerFixture::Context(admin).get(), req,
                                                         &out);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  for (const char* id : {"dana", "zed"}) {
    dir::CreatePersonRequest req;
    req.set_person_id(id);
    req.mutable_person()->set_display_name(id);
    req.mutable_person()->set_organization("organizations/sunrise");
    req.mutable_person()->add_roles("roles/dependency-case-manager");
    auto* contact = req.mutable_person()->add_contact_points();
    contact->set_channel(dir::ContactPoint::CHANNEL_EMAIL);
    contact->set_value(std::string(id) + "@example.org");
    dir::Person out;
    grpc::Status s =
        stubs.directory->CreatePerson(ServerFixture::Context(admin).get(), req, &out);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  {
    reg::CreateCaseRequest req;
    req.set_case_id("c-0001");
    reg::Case* c = req.mutable_case_();
    c->set_case_number("2026-0001");
    c->set_lead_agency("organizations/sunrise");
    c->set_display_name("Case one");
    c->set_program("foster-care");
    auto* child = c->add_subjects();
    child->set_subject_id("child");
    child->set_kind(reg::CaseSubject::KIND_CHILD);
    child->set_display_name(kChildName);
    child->mutable_birth_date()->set_year(2017);
    child->mutable_birth_date()->set_month(4);
    child->mutable_birth_date()->set_day(9);
    reg::Case out;
    grpc::Status s = stubs.registry->CreateCase(ServerFixture::Context(admin).get(), req, &out);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  {
    reg::CreateAssignmentRequest req;
    req.set_parent(kSeedCase);
    req.mutable_assignment()->set_case_role("dependency-case-manager");
    req.mutable_assignment()->set_person("people/dana");
    reg::Assignment out;
    grpc::Status s =
        stubs.registry->CreateAssignment(ServerFixture::Context(admin).get(), req, &out);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
}

// Dana writes a contact note about the child; returns its name.
inline std::string WriteNote(const ServerFixture& server, const std::string& body) {
  Stubs stubs(server.channel());
  caseplan::v1::CreateNoteRequest req;
  req.set_parent(kSeedCase);
  caseplan::v1::Note* note = req.mutable_note();
  note->set_kind(caseplan::v1::Note::KIND_CONTACT_NOTE);
  note->set_category("general");
  note->set_title("Visit");
  note->set_body(body);
  note->set_subject(kSeedChild);
  caseplan::v1::Note out;
  grpc::Status s = stubs.caseplan->CreateNote(
      ServerFixture::Context(server.Token("people/dana")).get(), req, &out);
  EXPECT_TRUE(s.ok()) << s.error_message();
  return out.name();
}

inline grpc::Status ReadNote(const ServerFixture& server, const std::string& name,
                             caseplan::v1::Note* out) {
  Stubs stubs(server.channel());
  caseplan::v1::GetNoteRequest req;
  req.set_name(name);
  return stubs.caseplan->GetNote(ServerFixture::Context(server.Token("people/dana")).get(), req,
                                 out);
}

}  // namespace samepage::testing
