#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/identity/caller.h"
#include "samepage/directory/v1/directory_service.pb.h"
#include "samepage/registry/v1/registry_service.pb.h"
#include "samepage/sharing/v1/sharing_service.pb.h"

namespace samepage::caseplan {

// What the case-plan service needs from the case registry, the directory
// and the sharing service. It calls as a SamePage service (its own token,
// scope samepage.service) and names the person it asks about, except where
// the peer must see the caller themself (information requests).
class Peers {
 public:
  virtual ~Peers() = default;
  // Whether `person` may see `case_name`, on what basis, and their current
  // case roles. NOT_FOUND for an unknown case.
  virtual absl::StatusOr<registry::v1::CheckCaseAccessResponse> CaseAccess(
      const std::string& case_name, const std::string& person) = 0;
  // The case record (program, open time, state).
  virtual absl::StatusOr<registry::v1::Case> GetCase(const std::string& case_name) = 0;
  // The case's current assignments: the team.
  virtual absl::StatusOr<std::vector<registry::v1::Assignment>> CurrentAssignments(
      const std::string& case_name) = 0;
  // A case role of the catalog (`{case_role}` id), to tell professional
  // roles from family ones.
  virtual absl::StatusOr<registry::v1::CaseRole> GetCaseRole(const std::string& role_id) = 0;
  // A directory person (for their supervisor).
  virtual absl::StatusOr<directory::v1::Person> GetPerson(const std::string& name) = 0;

  // A category of the sharing catalog (`{category}` id). NOT_FOUND when the
  // catalog has no such category.
  virtual absl::StatusOr<sharing::v1::Category> GetCategory(const std::string& category_id) = 0;
  // Decides `checks.requests` (1 to 500) in one call, answering in order.
  virtual absl::StatusOr<sharing::v1::BatchCheckAccessResponse> BatchCheckAccess(
      sharing::v1::BatchCheckAccessRequest checks) = 0;
  // An information request, read as `caller` (their token is forwarded).
  virtual absl::StatusOr<sharing::v1::InformationRequest> GetInformationRequest(
      const identity::Caller& caller, const std::string& name) = 0;
  // Marks an information request fulfilled by `resource`, as `caller`: the
  // recipient is the one answering. NOT_FOUND, PERMISSION_DENIED,
  // FAILED_PRECONDITION and INVALID_ARGUMENT pass through.
  virtual absl::StatusOr<sharing::v1::InformationRequest> FulfillInformationRequest(
      const identity::Caller& caller, const std::string& name, const std::string& resource) = 0;
};

}  // namespace samepage::caseplan
