#include "tests/testing/deployment.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace samepage::testing {

absl::StatusOr<std::unique_ptr<Deployment>> Deployment::Start(Mode mode, std::string samepaged) {
  auto d = std::unique_ptr<Deployment>(new Deployment(mode, std::move(samepaged)));
  if (mode == Mode::kOneProcess) {
    absl::Status s = d->StartOneProcess();
    if (!s.ok()) return s;
  } else {
    absl::StatusOr<int> dport = PickFreePort();
    absl::StatusOr<int> rport = PickFreePort();
    if (!dport.ok()) return dport.status();
    if (!rport.ok()) return rport.status();
    d->directory_port_ = *dport;
    d->registry_port_ = *rport;
    // The directory first: it creates the development key both share.
    absl::Status s = d->StartDirectoryProcess();
    if (s.ok()) s = d->StartRegistryProcess();
    if (!s.ok()) return s;
  }
  auto issuer = identity::DevTokenIssuer::Load(d->data_dir());
  if (!issuer.ok()) return issuer.status();
  d->issuer_ = *std::move(issuer);
  d->Connect();
  return d;
}

Deployment::~Deployment() {
  // Client connections first: a server waits for open ones when it stops.
  directory_channel_.reset();
  registry_channel_.reset();
  host_.reset();
  registry_process_.reset();
  directory_process_.reset();
}

absl::Status Deployment::StartOneProcess() {
  server::ServerOptions options;
  options.listen_address = "127.0.0.1:0";
  options.data_dir = dir_.path();
  options.dev_mode = true;
  auto host = server::ServerHost::Start(options);
  if (!host.ok()) return host.status();
  host_ = *std::move(host);
  directory_port_ = registry_port_ = host_->port();
  return absl::OkStatus();
}

absl::Status Deployment::StartDirectoryProcess() {
  auto p = SamepagedProcess::Start(
      samepaged_,
      {"--dev", "--data_dir", dir_.path(), "--listen", absl::StrCat("127.0.0.1:", directory_port_),
       "--services", "directory", "--peer", absl::StrCat("registry=127.0.0.1:", registry_port_)},
      dir_.Sub("directory.log"));
  if (!p.ok()) return p.status();
  directory_process_ = *std::move(p);
  return absl::OkStatus();
}

absl::Status Deployment::StartRegistryProcess() {
  auto p = SamepagedProcess::Start(
      samepaged_,
      {"--dev", "--data_dir", dir_.path(), "--listen", absl::StrCat("127.0.0.1:", registry_port_),
       "--services", "registry,caseplan,sharing", "--peer",
       absl::StrCat("directory=127.0.0.1:", directory_port_)},
      dir_.Sub("registry.log"));
  if (!p.ok()) return p.status();
  registry_process_ = *std::move(p);
  return absl::OkStatus();
}

void Deployment::Connect() {
  directory_channel_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", directory_port_),
                                           grpc::InsecureChannelCredentials());
  registry_channel_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", registry_port_),
                                          grpc::InsecureChannelCredentials());
}

std::string Deployment::Token(const std::string& subject, std::vector<std::string> scopes) const {
  auto token = issuer_->Issue(subject, scopes, absl::Hours(1), absl::Now());
  return token.ok() ? *token : "";
}

absl::Status Deployment::RestartRegistry(const std::function<void()>& while_down) {
  directory_channel_.reset();
  registry_channel_.reset();
  if (mode_ == Mode::kOneProcess) {
    host_.reset();
    if (while_down) while_down();
    absl::Status s = StartOneProcess();
    if (!s.ok()) return s;
  } else {
    registry_process_->Stop();
    registry_process_.reset();
    if (while_down) while_down();
    absl::Status s = StartRegistryProcess();
    if (!s.ok()) return s;
  }
  Connect();
  return absl::OkStatus();
}

}  // namespace samepage::testing
