#include "common/rpc/peers.h"

#include <chrono>

#include "absl/strings/str_cat.h"

namespace samepage::rpc {

absl::StatusOr<std::string> DevTokenSource::Token() {
  absl::MutexLock lock(&mu_);
  absl::Time now = clock_->Now();
  if (now + absl::Minutes(5) < expires_) return token_;
  absl::Duration ttl = absl::Hours(1);
  absl::StatusOr<std::string> token = issuer_->Issue(subject_, {identity::kServiceScope}, ttl, now);
  if (!token.ok()) return token.status();
  token_ = *std::move(token);
  expires_ = now + ttl;
  return token_;
}

void PeerChannels::SetAddress(const std::string& service, const std::string& address,
                              const std::string& tls_name) {
  absl::MutexLock lock(&mu_);
  addresses_[service] = address;
  tls_names_[service] = tls_name;
  channels_.erase(service);
}

void PeerChannels::UseCredentials(std::shared_ptr<grpc::ChannelCredentials> credentials) {
  absl::MutexLock lock(&mu_);
  credentials_ = std::move(credentials);
  channels_.clear();
}

absl::StatusOr<std::shared_ptr<grpc::Channel>> PeerChannels::Channel(const std::string& service) {
  absl::MutexLock lock(&mu_);
  auto cached = channels_.find(service);
  if (cached != channels_.end()) return cached->second;
  auto address = addresses_.find(service);
  if (address == addresses_.end()) {
    return absl::UnavailableError(absl::StrCat("no address configured for the ", service,
                                               " service (--peer ", service, "=host:port)"));
  }
  grpc::ChannelArguments args;
  const std::string& tls_name = tls_names_[service];
  if (credentials_ != nullptr && !tls_name.empty()) args.SetSslTargetNameOverride(tls_name);
  auto channel = grpc::CreateCustomChannel(
      address->second,
      credentials_ != nullptr ? credentials_ : grpc::InsecureChannelCredentials(), args);
  channels_[service] = channel;
  return channel;
}

std::unique_ptr<grpc::ClientContext> PeerContext(const std::string& token,
                                                 absl::Duration deadline) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->AddMetadata("authorization", absl::StrCat("Bearer ", token));
  if (deadline != absl::InfiniteDuration()) {
    ctx->set_deadline(std::chrono::system_clock::now() +
                      std::chrono::milliseconds(absl::ToInt64Milliseconds(deadline)));
  }
  return ctx;
}

std::unique_ptr<grpc::ClientContext> PeerContext(const identity::Caller& caller,
                                                 absl::Duration deadline) {
  std::unique_ptr<grpc::ClientContext> ctx = PeerContext(caller.bearer_token, deadline);
  if (!caller.request_id.empty()) ctx->AddMetadata("x-request-id", caller.request_id);
  return ctx;
}

}  // namespace samepage::rpc
