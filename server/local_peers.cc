#include "server/local_peers.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"
#include "server/peer_answers.h"

namespace samepage::server {
namespace {

namespace reg = ::samepage::registry::v1;
namespace sh = ::samepage::sharing::v1;
using namespace peer_answers;  // NOLINT: the answers and peer names of this file

}  // namespace

LocalPeers::LocalPeers(const LocalServices* services, std::string service_subject)
    : services_(services) {
  self_.subject = std::move(service_subject);
  self_.service = true;
  self_.expires = absl::InfiniteFuture();
}

absl::StatusOr<reg::CheckCaseAccessResponse> LocalPeers::CaseAccess(const std::string& case_name,
                                                                    const std::string& person) {
  reg::CheckCaseAccessRequest req;
  req.set_case_(case_name);
  req.set_person(person);
  return AsService(kRegistry, services_->registry->CheckCaseAccess(self_, req));
}

absl::StatusOr<reg::Case> LocalPeers::GetCase(const std::string& case_name) {
  reg::GetCaseRequest req;
  req.set_name(case_name);
  return AsService(kRegistry, services_->registry->GetCase(self_, req));
}

absl::StatusOr<std::vector<reg::Assignment>> LocalPeers::AssignmentsAs(
    const identity::Caller& caller, const std::string& case_name, reg::Assignment::State state) {
  return AllAssignments(case_name, state, [&](const reg::ListAssignmentsRequest& req) {
    return services_->registry->ListAssignments(caller, req);
  });
}

absl::StatusOr<std::vector<reg::Assignment>> LocalPeers::CurrentAssignments(
    const std::string& case_name) {
  return AsService(kRegistry, AssignmentsAs(self_, case_name, reg::Assignment::STATE_CURRENT));
}

absl::StatusOr<std::vector<reg::Assignment>> LocalPeers::Assignments(const std::string& case_name,
                                                                     reg::Assignment::State state) {
  return AsService(kRegistry, AssignmentsAs(self_, case_name, state));
}

absl::StatusOr<reg::CaseRole> LocalPeers::GetCaseRole(const std::string& role_id) {
  reg::GetCaseRoleRequest req;
  req.set_name(absl::StrCat("caseRoles/", role_id));
  return AsService(kRegistry, services_->registry->GetCaseRole(self_, req));
}

absl::StatusOr<directory::v1::Person> LocalPeers::GetPerson(const std::string& name) {
  directory::v1::GetPersonRequest req;
  req.set_name(name);
  return AsService(kDirectory, services_->directory->GetPerson(self_, req));
}

absl::StatusOr<sh::Category> LocalPeers::GetCategory(const std::string& category_id) {
  sh::GetCategoryRequest req;
  req.set_name(absl::StrCat("categories/", category_id));
  return AsService(kSharing, services_->decisions->GetCategory(self_, req));
}

absl::StatusOr<sh::BatchCheckAccessResponse> LocalPeers::BatchCheckAccess(
    sh::BatchCheckAccessRequest checks) {
  return AsService(kSharing, services_->decisions->BatchCheckAccess(self_, checks));
}

absl::StatusOr<sh::CheckAccessResponse> LocalPeers::CheckAccess(sh::CheckAccessRequest req) {
  req.set_record(false);
  return AsService(kSharing, services_->decisions->CheckAccess(self_, req));
}

absl::StatusOr<bool> LocalPeers::DirectiveInForce(const std::string& name) {
  if (absl::StartsWith(name, "courtOrders/")) {
    sh::GetCourtOrderRequest req;
    req.set_name(name);
    ASSIGN_OR_RETURN(sh::CourtOrder order,
                     AsService(kSharing, services_->decisions->GetCourtOrder(self_, req)));
    return order.state() == sh::CourtOrder::STATE_ACTIVE ||
           order.state() == sh::CourtOrder::STATE_PENDING;
  }
  sh::GetConsentRequest req;
  req.set_name(name);
  ASSIGN_OR_RETURN(sh::ConsentDirective consent,
                   AsService(kSharing, services_->decisions->GetConsent(self_, req)));
  return consent.state() == sh::ConsentDirective::STATE_ACTIVE ||
         consent.state() == sh::ConsentDirective::STATE_PENDING;
}

absl::StatusOr<sh::InformationRequest> LocalPeers::GetInformationRequest(
    const identity::Caller& caller, const std::string& name) {
  sh::GetInformationRequestRequest req;
  req.set_name(name);
  return ForCaller(kSharing, services_->requests->GetInformationRequest(caller, req));
}

absl::StatusOr<sh::InformationRequest> LocalPeers::FulfillInformationRequest(
    const identity::Caller& caller, const std::string& name, const std::string& resource) {
  sh::FulfillInformationRequestRequest req;
  req.set_name(name);
  req.mutable_fulfillment()->set_resource(resource);
  return ForCaller(kSharing, services_->requests->FulfillInformationRequest(caller, req));
}

absl::StatusOr<directory::v1::Person> LocalPeers::GetPerson(const identity::Caller& caller,
                                                            const std::string& name) {
  directory::v1::GetPersonRequest req;
  req.set_name(name);
  return FromDirectory(services_->directory->GetPerson(caller, req));
}

absl::StatusOr<directory::v1::Organization> LocalPeers::GetOrganization(
    const identity::Caller& caller, const std::string& name) {
  directory::v1::GetOrganizationRequest req;
  req.set_name(name);
  return FromDirectory(services_->directory->GetOrganization(caller, req));
}

absl::StatusOr<reg::Case> LocalPeers::GetCase(const identity::Caller& caller,
                                              const std::string& case_name) {
  reg::GetCaseRequest req;
  req.set_name(case_name);
  return services_->registry->GetCase(caller, req);
}

absl::StatusOr<std::vector<reg::Assignment>> LocalPeers::ListAssignments(
    const identity::Caller& caller, const std::string& case_name) {
  return AssignmentsAs(caller, case_name, reg::Assignment::STATE_UNSPECIFIED);
}

}  // namespace samepage::server
