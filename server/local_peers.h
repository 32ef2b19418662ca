#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/identity/caller.h"
#include "services/caseplan/peers.h"
#include "services/directory/directory.h"
#include "services/directory/roster.h"
#include "services/registry/registry.h"
#include "services/sharing/decision_point.h"
#include "services/sharing/information_requests.h"
#include "services/sharing/peers.h"
#include "services/updates/peers.h"

namespace samepage::server {

// The services' calls to each other when both sides are hosted in this
// process: straight into the other service's logic, with the same caller
// (this server as a service, or the person on whose behalf it asks) and the
// same answers as over gRPC, but without a round trip through the server's
// own port, a second authentication and an audit entry for the inner call
// (the outer call, the one a person made, is on record).
//
// Each pointer may be null when that service is not hosted here; the server
// uses this only for the services whose peers are all hosted (otherwise the
// gRPC peers), so a null peer is never called. The pointed-to services are
// set once, while the server starts, before any call.
struct LocalServices {
  directory::Directory* directory = nullptr;
  registry::Registry* registry = nullptr;
  sharing::DecisionPoint* decisions = nullptr;
  sharing::InformationRequests* requests = nullptr;
};

class LocalPeers final : public caseplan::Peers,
                         public sharing::Peers,
                         public updates::Peers,
                         public registry::DirectoryLookup,
                         public directory::CaseTeamSource {
 public:
  // `services` is read at call time (see LocalServices); `service_subject`
  // names this server when it asks on nobody's behalf.
  LocalPeers(const LocalServices* services, std::string service_subject);

  // As this server (a SamePage service).
  absl::StatusOr<registry::v1::CheckCaseAccessResponse> CaseAccess(
      const std::string& case_name, const std::string& person) override;
  absl::StatusOr<registry::v1::Case> GetCase(const std::string& case_name) override;
  absl::StatusOr<std::vector<registry::v1::Assignment>> CurrentAssignments(
      const std::string& case_name) override;
  absl::StatusOr<std::vector<registry::v1::Assignment>> Assignments(
      const std::string& case_name, registry::v1::Assignment::State state) override;
  absl::StatusOr<registry::v1::CaseRole> GetCaseRole(const std::string& role_id) override;
  absl::StatusOr<directory::v1::Person> GetPerson(const std::string& name) override;
  absl::StatusOr<sharing::v1::Category> GetCategory(const std::string& category_id) override;
  absl::StatusOr<sharing::v1::BatchCheckAccessResponse> BatchCheckAccess(
      sharing::v1::BatchCheckAccessRequest checks) override;
  absl::StatusOr<sharing::v1::CheckAccessResponse> CheckAccess(
      sharing::v1::CheckAccessRequest req) override;
  absl::StatusOr<bool> DirectiveInForce(const std::string& name) override;

  // On the caller's behalf: the answer about them is theirs.
  absl::StatusOr<sharing::v1::InformationRequest> GetInformationRequest(
      const identity::Caller& caller, const std::string& name) override;
  absl::StatusOr<sharing::v1::InformationRequest> FulfillInformationRequest(
      const identity::Caller& caller, const std::string& name,
      const std::string& resource) override;
  absl::StatusOr<directory::v1::Person> GetPerson(const identity::Caller& caller,
                                                  const std::string& name) override;
  absl::StatusOr<directory::v1::Organization> GetOrganization(const identity::Caller& caller,
                                                              const std::string& name) override;
  absl::StatusOr<registry::v1::Case> GetCase(const identity::Caller& caller,
                                             const std::string& case_name) override;
  absl::StatusOr<std::vector<registry::v1::Assignment>> ListAssignments(
      const identity::Caller& caller, const std::string& case_name) override;

 private:
  absl::StatusOr<std::vector<registry::v1::Assignment>> AssignmentsAs(
      const identity::Caller& caller, const std::string& case_name,
      registry::v1::Assignment::State state);

  const LocalServices* services_;
  identity::Caller self_;
};

}  // namespace samepage::server
