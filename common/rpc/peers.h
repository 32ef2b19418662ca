#pragma once

#include <grpcpp/grpcpp.h>

#include <map>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock/clock.h"
#include "common/identity/caller.h"
#include "common/identity/dev_token_issuer.h"

namespace samepage::rpc {

// Where a service's own credentials for calling its peers come from (event
// consumers run on no caller's behalf).
class TokenSource {
 public:
  virtual ~TokenSource() = default;
  virtual absl::StatusOr<std::string> Token() = 0;
};

// A fixed token, e.g. read from a file the operator rotates.
class StaticTokenSource final : public TokenSource {
 public:
  explicit StaticTokenSource(std::string token) : token_(std::move(token)) {}
  absl::StatusOr<std::string> Token() override { return token_; }

 private:
  std::string token_;
};

// Development mode: mints a service token with the data folder's key and
// renews it before it expires.
class DevTokenSource final : public TokenSource {
 public:
  DevTokenSource(const identity::DevTokenIssuer* issuer, std::string subject, const Clock* clock)
      : issuer_(issuer), subject_(std::move(subject)), clock_(clock) {}
  absl::StatusOr<std::string> Token() override;

 private:
  const identity::DevTokenIssuer* issuer_;
  const std::string subject_;
  const Clock* clock_;
  absl::Mutex mu_;
  std::string token_ ABSL_GUARDED_BY(mu_);
  absl::Time expires_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
};

// Channels to the other services, by service name ("directory", ...). A
// service reaches a peer only through these, whether the peer is in the same
// process (its address is our own) or elsewhere.
class PeerChannels {
 public:
  // `tls_name`, when set, is the name the peer's certificate must carry
  // instead of the address's host (a service hosted here is reached on
  // 127.0.0.1 but presents this server's certificate).
  void SetAddress(const std::string& service, const std::string& address,
                  const std::string& tls_name = "");
  // TLS for every channel made from now on; plaintext until called.
  void UseCredentials(std::shared_ptr<grpc::ChannelCredentials> credentials);
  // UNAVAILABLE naming the service when no address is configured.
  absl::StatusOr<std::shared_ptr<grpc::Channel>> Channel(const std::string& service);

 private:
  absl::Mutex mu_;
  std::map<std::string, std::string> addresses_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::string> tls_names_ ABSL_GUARDED_BY(mu_);
  std::shared_ptr<grpc::ChannelCredentials> credentials_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::shared_ptr<grpc::Channel>> channels_ ABSL_GUARDED_BY(mu_);
};

// A client context for a call to a peer on behalf of `token`'s holder, with
// a deadline so that no call waits forever.
std::unique_ptr<grpc::ClientContext> PeerContext(const std::string& token,
                                                 absl::Duration deadline = absl::Seconds(10));
// The same on behalf of `caller`: their token and their request's id.
std::unique_ptr<grpc::ClientContext> PeerContext(const identity::Caller& caller,
                                                 absl::Duration deadline = absl::Seconds(10));

}  // namespace samepage::rpc
