#pragma once

#include <grpcpp/grpcpp.h>

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/identity/caller.h"
#include "common/identity/person_status.h"

namespace samepage::rpc {

// What a server checks about a caller once their token has verified: that a
// service token comes from a peer it expects, that the caller stays within
// their share of the server, and that a person still holds their post.
struct CallerGuardOptions {
  // Mutual TLS is on: a call with a service token (scope samepage.service)
  // must come over a connection whose client certificate names one of
  // `allowed_peers` (a subject alternative name or the common name).
  // Without mutual TLS (development mode, plaintext on loopback) there is
  // no peer identity to check.
  bool require_service_peer = false;
  std::set<std::string> allowed_peers;
  // Per token subject, a token bucket: `requests_per_second` sustained,
  // `request_burst` at once. Zero disables. Service tokens are exempt: their
  // calls carry out reactions to events, which must not fail half-way.
  double requests_per_second = 200;
  int request_burst = 1000;
  // Event streams (WatchEvents) one subject may hold open at once. Zero
  // disables.
  int max_streams_per_caller = 32;
};

class CallerGuard {
 public:
  // `persons` may be null (no departure check); `now` is wall time for the
  // rate limit (absl::Now when empty).
  CallerGuard(CallerGuardOptions options, identity::PersonStatusSource* persons,
              std::function<absl::Time()> now = nullptr);

  // PERMISSION_DENIED for a service token from an unexpected peer (or
  // UNAUTHENTICATED without a client certificate), RESOURCE_EXHAUSTED naming
  // the limit when the caller is over their rate, UNAUTHENTICATED when the
  // caller is a person who has departed, UNAVAILABLE when that cannot be
  // told. `auth` is the call's AuthContext (null when there is none).
  absl::Status Admit(const identity::Caller& caller, const grpc::AuthContext* auth) const;

  // A stream slot for `caller`, held until the returned lease is destroyed;
  // RESOURCE_EXHAUSTED naming the limit when they hold the maximum already.
  absl::StatusOr<std::shared_ptr<void>> OpenStream(const identity::Caller& caller) const;

 private:
  struct Bucket {
    double tokens = 0;
    absl::Time refilled;
  };
  struct Streams {
    absl::Mutex mu;
    std::map<std::string, int> open ABSL_GUARDED_BY(mu);
  };

  absl::Status CheckPeer(const identity::Caller& caller, const grpc::AuthContext* auth) const;
  absl::Status CheckRate(const identity::Caller& caller) const;
  absl::Status CheckPerson(const identity::Caller& caller) const;

  const CallerGuardOptions options_;
  identity::PersonStatusSource* const persons_;
  const std::function<absl::Time()> now_;
  mutable absl::Mutex mu_;
  mutable std::map<std::string, Bucket> buckets_ ABSL_GUARDED_BY(mu_);
  // Shared with the leases, which may outlive a call's reactor.
  const std::shared_ptr<Streams> streams_ = std::make_shared<Streams>();
};

}  // namespace samepage::rpc
