#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/identity/caller.h"
#include "common/rpc/peers.h"
#include "services/caseplan/peers.h"
#include "services/directory/roster.h"
#include "services/registry/registry.h"
#include "services/sharing/peers.h"
#include "services/updates/peers.h"

namespace samepage::server {

// The services' calls to each other over gRPC, through the server's peer
// channels: what a service uses when a service it asks is hosted by another
// server (--peer). The same calls and answers as LocalPeers.
class GrpcPeers final : public caseplan::Peers,
                        public sharing::Peers,
                        public updates::Peers,
                        public registry::DirectoryLookup,
                        public directory::CaseTeamSource {
 public:
  // `tokens` (this server's service token) may be null when no service
  // token is configured: then only the calls on a caller's behalf work.
  GrpcPeers(rpc::PeerChannels* channels, rpc::TokenSource* tokens)
      : channels_(channels), tokens_(tokens) {}

  // As this server (a SamePage service), with its service token.
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

  // On the caller's behalf, with their token and request id.
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
  // A context for a call as `caller`, or as this server when null.
  absl::StatusOr<std::unique_ptr<grpc::ClientContext>> As(const identity::Caller* caller);
  absl::StatusOr<std::vector<registry::v1::Assignment>> AssignmentsAs(
      const identity::Caller* caller, const std::string& case_name,
      registry::v1::Assignment::State state);

  rpc::PeerChannels* channels_;
  rpc::TokenSource* tokens_;
};

}  // namespace samepage::server
