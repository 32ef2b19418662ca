#pragma once

#include <grpcpp/grpcpp.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/identity/dev_token_issuer.h"
#include "server/server_host.h"
#include "tests/testing/samepaged_process.h"
#include "tests/testing/temp_dir.h"

namespace samepage::testing {

// SamePage as a client sees it: every service in one server, or the
// directory and the registry in separate server processes. Scenario tests
// run against both.
class Deployment {
 public:
  enum class Mode { kOneProcess, kSplitProcesses };

  // `samepaged` is the server binary, used in split mode.
  static absl::StatusOr<std::unique_ptr<Deployment>> Start(Mode mode, std::string samepaged);
  ~Deployment();

  Mode mode() const { return mode_; }
  std::shared_ptr<grpc::Channel> directory() const { return directory_channel_; }
  std::shared_ptr<grpc::Channel> registry() const { return registry_channel_; }
  const std::string& data_dir() const { return dir_.path(); }
  std::string registry_data_dir() const { return dir_.Sub("registry"); }

  std::string Token(const std::string& subject, std::vector<std::string> scopes = {}) const;
  std::string AdminToken() const { return Token("admin", {identity::kAdminScope}); }
  std::string ServiceToken() const { return Token("service:test", {identity::kServiceScope}); }

  // Stops the registry (in one-process mode, the whole server), runs
  // `while_down`, and starts it again on the same data. In split mode the
  // directory stays up, so `while_down` may call it.
  absl::Status RestartRegistry(const std::function<void()>& while_down = nullptr);

 private:
  Deployment(Mode mode, std::string samepaged) : mode_(mode), samepaged_(std::move(samepaged)) {}
  absl::Status StartOneProcess();
  absl::Status StartDirectoryProcess();
  absl::Status StartRegistryProcess();
  void Connect();

  Mode mode_;
  std::string samepaged_;
  TempDir dir_;
  std::unique_ptr<server::ServerHost> host_;
  std::unique_ptr<SamepagedProcess> directory_process_, registry_process_;
  int directory_port_ = 0, registry_port_ = 0;
  std::unique_ptr<identity::DevTokenIssuer> issuer_;
  std::shared_ptr<grpc::Channel> directory_channel_, registry_channel_;
};

}  // namespace samepage::testing
