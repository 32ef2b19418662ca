#pragma once

#include <grpcpp/grpcpp.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "common/storage/keyring.h"
#include "server/server_host.h"
#include "tests/security/test_pki.h"
#include "tests/testing/temp_dir.h"

namespace samepage::testing {

// A real server in production mode (no development tokens) on 127.0.0.1:0,
// hosting every service, trusting `idp`'s keys from a JWKS file in a
// temporary folder; its own service token is signed by `idp`'s key "svc".
class SecureServer {
 public:
  explicit SecureServer(TestIdp* idp) : idp_(idp) {
    idp_->AddEcKey("svc");
    options_.listen_address = "127.0.0.1:0";
    options_.data_dir = dir_.Sub("data");
    std::filesystem::create_directories(options_.data_dir);
    options_.issuer = TestIdp::kIssuer;
    options_.jwks_file = dir_.Sub("jwks.json");
    options_.jwks_reload_interval = absl::ZeroDuration();
    options_.service_token = idp_->Token("svc", "service:samepaged", "samepage.service");
    options_.log = nullptr;
    // Outside development mode records are stored encrypted.
    options_.encryption_keys_file = WriteFile("encryption.keys", storage::Keyring::NewKeyLine());
    std::filesystem::permissions(options_.encryption_keys_file, std::filesystem::perms::owner_read |
                                                                    std::filesystem::perms::owner_write);
  }

  server::ServerOptions& options() { return options_; }
  const TempDir& dir() const { return dir_; }

  std::string WriteFile(const std::string& name, const std::string& contents) const {
    std::ofstream(dir_.Sub(name), std::ios::binary | std::ios::trunc) << contents;
    return dir_.Sub(name);
  }
  // Publishes every key of the identity provider (or those named).
  void PublishKeys(const std::vector<std::string>& kids = {}) const {
    std::vector<std::string> published = kids;
    if (!published.empty()) published.push_back("svc");
    WriteFileAtomically(options_.jwks_file, idp_->Jwks(published));
  }

  absl::Status Start() {
    if (!std::filesystem::exists(options_.jwks_file)) PublishKeys();
    auto host = server::ServerHost::Start(options_);
    if (!host.ok()) return host.status();
    host_ = *std::move(host);
    return absl::OkStatus();
  }

  server::ServerHost& host() { return *host_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(host_->port()); }
  std::shared_ptr<grpc::Channel> PlaintextChannel() const {
    return grpc::CreateChannel(address(), grpc::InsecureChannelCredentials());
  }

  static std::unique_ptr<grpc::ClientContext> Context(const std::string& token) {
    auto ctx = std::make_unique<grpc::ClientContext>();
    if (!token.empty()) ctx->AddMetadata("authorization", "Bearer " + token);
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    return ctx;
  }

 private:
  TestIdp* idp_;
  TempDir dir_;
  server::ServerOptions options_;
  std::unique_ptr<server::ServerHost> host_;
};

}  // namespace samepage::testing
