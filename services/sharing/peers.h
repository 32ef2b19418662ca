#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "samepage/directory/v1/directory_service.pb.h"
#include "samepage/registry/v1/registry_service.pb.h"

namespace samepage::sharing {

// What the sharing service needs from the case registry and the directory.
// It acts as a SamePage service here (its own token, scope
// samepage.service): it asks about other people, not on their behalf.
class Peers {
 public:
  virtual ~Peers() = default;
  // Whether `person` may see `case_name`, their current case roles on it,
  // and whether they are on its treating team. NOT_FOUND for an unknown case.
  virtual absl::StatusOr<registry::v1::CheckCaseAccessResponse> CaseAccess(
      const std::string& case_name, const std::string& person) = 0;
  // The case record (subjects, custody, lead agency, state).
  virtual absl::StatusOr<registry::v1::Case> GetCase(const std::string& case_name) = 0;
  // The current assignments of the case (to resolve case-role parties).
  virtual absl::StatusOr<std::vector<registry::v1::Assignment>> CurrentAssignments(
      const std::string& case_name) = 0;
  // A directory person (for supervisors and organisations).
  virtual absl::StatusOr<directory::v1::Person> GetPerson(const std::string& name) = 0;
};

}  // namespace samepage::sharing
