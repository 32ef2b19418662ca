#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/clock/clock.h"
#include "common/identity/caller.h"
#include "common/identity/dev_token_issuer.h"
#include "server/server_host.h"
#include "tests/testing/temp_dir.h"

namespace samepage::testing {

// A real server on 127.0.0.1 with a free port and a temporary data folder, in
// development mode, with helpers to mint tokens and make authenticated calls.
class ServerFixture {
 public:
  explicit ServerFixture(std::vector<std::string> services = {std::begin(server::kAllServices),
                                                              std::end(server::kAllServices)},
                         const Clock* clock = nullptr)
      : services_(std::move(services)), clock_(clock) {}

  // Settings to adjust before Start(); address, data folder, services,
  // clock and development mode are the fixture's.
  server::ServerOptions& options() { return options_; }

  absl::Status Start() {
    server::ServerOptions options = options_;
    options.listen_address = "127.0.0.1:0";
    options.data_dir = dir_.path();
    options.services = services_;
    options.dev_mode = true;
    options.clock = clock_;
    auto host = server::ServerHost::Start(options);
    if (!host.ok()) return host.status();
    host_ = *std::move(host);
    auto issuer = identity::DevTokenIssuer::Load(dir_.path());
    if (!issuer.ok()) return issuer.status();
    issuer_ = *std::move(issuer);
    channel_ = grpc::CreateChannel(address(), grpc::InsecureChannelCredentials());
    return absl::OkStatus();
  }

  // Stops the server and starts a new one on the same data folder, as after
  // a crash or an upgrade; the port changes.
  absl::Status Restart() {
    host_.reset();
    channel_.reset();
    return Start();
  }

  void Stop() { host_.reset(); }

  std::string address() const { return "127.0.0.1:" + std::to_string(host_->port()); }
  std::shared_ptr<grpc::Channel> channel() const { return channel_; }
  server::ServerHost* host() const { return host_.get(); }
  const std::string& data_dir() const { return dir_.path(); }

  std::string Token(const std::string& subject, std::vector<std::string> scopes = {}) const {
    auto token = issuer_->Issue(subject, scopes, absl::Hours(1), absl::Now());
    return token.ok() ? *token : "";
  }
  std::string AdminToken() const { return Token("admin", {identity::kAdminScope}); }

  // A client context carrying `token` and a deadline, so no test call hangs.
  static std::unique_ptr<grpc::ClientContext> Context(const std::string& token,
                                                      absl::Duration deadline = absl::Seconds(10)) {
    auto ctx = std::make_unique<grpc::ClientContext>();
    if (!token.empty()) ctx->AddMetadata("authorization", "Bearer " + token);
    ctx->set_deadline(std::chrono::system_clock::now() +
                      std::chrono::milliseconds(absl::ToInt64Milliseconds(deadline)));
    return ctx;
  }

 private:
  TempDir dir_;
  server::ServerOptions options_;
  std::vector<std::string> services_;
  const Clock* clock_;
  std::unique_ptr<server::ServerHost> host_;
  std::unique_ptr<identity::DevTokenIssuer> issuer_;
  std::shared_ptr<grpc::Channel> channel_;
};

}  // namespace samepage::testing
