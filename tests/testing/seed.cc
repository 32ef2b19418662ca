#include "tests/testing/seed.h"

#include "common/status/grpc_status.h"
#include "tests/testing/server_fixture.h"

namespace samepage::testing {

namespace dir = ::samepage::directory::v1;
namespace reg = ::samepage::registry::v1;

Seed::Seed(std::shared_ptr<grpc::Channel> directory, std::shared_ptr<grpc::Channel> registry,
           std::string admin_token)
    : directory_(dir::Directory::NewStub(directory)),
      registry_(reg::CaseRegistry::NewStub(registry)),
      admin_token_(std::move(admin_token)) {}

absl::Status Seed::Organization(const std::string& id, dir::Organization::Kind kind) {
  dir::CreateOrganizationRequest req;
  req.set_organization_id(id);
  req.mutable_organization()->set_display_name(id);
  req.mutable_organization()->set_kind(kind);
  dir::Organization out;
  return FromGrpcStatus(
      directory_->CreateOrganization(ServerFixture::Context(admin_token_).get(), req, &out));
}

absl::Status Seed::Person(const std::string& id, const std::string& display_name,
                          const std::string& organization, const std::vector<std::string>& roles,
                          const std::string& supervisor) {
  dir::CreatePersonRequest req;
  req.set_person_id(id);
  dir::Person* p = req.mutable_person();
  p->set_display_name(display_name);
  p->set_organization("organizations/" + organization);
  for (const std::string& role : roles) p->add_roles("roles/" + role);
  if (!supervisor.empty()) p->set_supervisor("people/" + supervisor);
  dir::ContactPoint* email = p->add_contact_points();
  email->set_channel(dir::ContactPoint::CHANNEL_EMAIL);
  email->set_value(id + "@example.org");
  email->set_visibility(dir::ContactPoint::VISIBILITY_EVERYONE);
  dir::Person out;
  return FromGrpcStatus(
      directory_->CreatePerson(ServerFixture::Context(admin_token_).get(), req, &out));
}

absl::Status Seed::Case(const std::string& id, const std::string& number,
                        const std::string& lead_agency) {
  reg::CreateCaseRequest req;
  req.set_case_id(id);
  reg::Case* c = req.mutable_case_();
  c->set_case_number(number);
  c->set_lead_agency("organizations/" + lead_agency);
  c->set_program("foster-care");
  reg::CaseSubject* leo = c->add_subjects();
  leo->set_subject_id("leo");
  leo->set_kind(reg::CaseSubject::KIND_CHILD);
  leo->set_display_name("Leo Rivera");
  leo->mutable_birth_date()->set_year(2017);
  leo->mutable_birth_date()->set_month(4);
  leo->mutable_birth_date()->set_day(9);
  leo->set_custody(reg::CaseSubject::CUSTODY_AGENCY);
  leo->set_custodian("organizations/" + lead_agency);
  reg::Case out;
  return FromGrpcStatus(registry_->CreateCase(ServerFixture::Context(admin_token_).get(), req, &out));
}

absl::StatusOr<reg::Assignment> Seed::Assign(const std::string& case_id,
                                             const std::string& case_role,
                                             const std::string& person) {
  reg::CreateAssignmentRequest req;
  req.set_parent("cases/" + case_id);
  req.mutable_assignment()->set_case_role(case_role);
  req.mutable_assignment()->set_person("people/" + person);
  reg::Assignment out;
  absl::Status s = FromGrpcStatus(
      registry_->CreateAssignment(ServerFixture::Context(admin_token_).get(), req, &out));
  if (!s.ok()) return s;
  return out;
}

}  // namespace samepage::testing
