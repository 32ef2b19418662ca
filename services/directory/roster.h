#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/identity/caller.h"
#include "samepage/directory/v1/directory_service.pb.h"
#include "samepage/registry/v1/registry_service.pb.h"
#include "services/directory/directory.h"

namespace samepage::directory {

// The case and its assignments as the registry tells them to the caller, so
// that the registry decides whether the caller may see the case.
class CaseTeamSource {
 public:
  virtual ~CaseTeamSource() = default;
  virtual absl::StatusOr<registry::v1::Case> GetCase(const identity::Caller& caller,
                                                     const std::string& case_name) = 0;
  // Every assignment of the case, current and ended.
  virtual absl::StatusOr<std::vector<registry::v1::Assignment>> ListAssignments(
      const identity::Caller& caller, const std::string& case_name) = 0;
};

// Builds "who is who" on a case: the team from the case registry, joined with
// the directory's people, their availability now and who covers for them.
class Roster {
 public:
  Roster(Directory* directory, CaseTeamSource* registry)
      : directory_(directory), registry_(registry) {}

  absl::StatusOr<v1::WhoIsWhoResponse> WhoIsWho(const identity::Caller& caller,
                                                const v1::WhoIsWhoRequest& req);

 private:
  Directory* directory_;
  CaseTeamSource* registry_;
};

}  // namespace samepage::directory
