#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "samepage/directory/v1/directory_service.grpc.pb.h"
#include "samepage/registry/v1/registry_service.grpc.pb.h"

namespace samepage::testing {

// Builds the people and cases of a scenario through the real API, as an
// administrator would. Each call fails with the server's status.
class Seed {
 public:
  // `admin_token` carries scope samepage.admin.
  Seed(std::shared_ptr<grpc::Channel> directory, std::shared_ptr<grpc::Channel> registry,
       std::string admin_token);

  absl::Status Organization(const std::string& id, directory::v1::Organization::Kind kind);
  // `people/{id}` named `display_name`, with an email contact everyone sees.
  absl::Status Person(const std::string& id, const std::string& display_name,
                      const std::string& organization, const std::vector<std::string>& roles,
                      const std::string& supervisor = "");
  // `cases/{id}` led by `lead_agency`, with the child `cases/{id}/subjects/leo`.
  absl::Status Case(const std::string& id, const std::string& number,
                    const std::string& lead_agency);
  // Assigns `people/{person}` to the case in `case_role`; returns the assignment.
  absl::StatusOr<registry::v1::Assignment> Assign(const std::string& case_id,
                                                  const std::string& case_role,
                                                  const std::string& person);

 private:
  std::unique_ptr<directory::v1::Directory::Stub> directory_;
  std::unique_ptr<registry::v1::CaseRegistry::Stub> registry_;
  std::string admin_token_;
};

}  // namespace samepage::testing
