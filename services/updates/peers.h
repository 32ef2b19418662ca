#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "samepage/directory/v1/directory_service.pb.h"
#include "samepage/registry/v1/registry_service.pb.h"
#include "samepage/sharing/v1/sharing_service.pb.h"

namespace samepage::updates {

// What the updates service asks the other services, as a SamePage service
// (its own token, scope samepage.service): about other people, never on
// their behalf.
class Peers {
 public:
  virtual ~Peers() = default;
  // Whether `person` may see the case now. NOT_FOUND for an unknown case.
  virtual absl::StatusOr<registry::v1::CheckCaseAccessResponse> CaseAccess(
      const std::string& case_name, const std::string& person) = 0;
  virtual absl::StatusOr<registry::v1::Case> GetCase(const std::string& case_name) = 0;
  // The case's assignments in `state` (STATE_UNSPECIFIED: all of them).
  virtual absl::StatusOr<std::vector<registry::v1::Assignment>> Assignments(
      const std::string& case_name, registry::v1::Assignment::State state) = 0;
  virtual absl::StatusOr<directory::v1::Person> GetPerson(const std::string& name) = 0;
  // The sharing decision for `req.requester()`; never recorded.
  virtual absl::StatusOr<sharing::v1::CheckAccessResponse> CheckAccess(
      sharing::v1::CheckAccessRequest req) = 0;
  // Whether a consent directive or court order (by name) is in force or
  // about to be (active or pending), i.e. neither revoked nor expired.
  virtual absl::StatusOr<bool> DirectiveInForce(const std::string& name) = 0;
};

}  // namespace samepage::updates
