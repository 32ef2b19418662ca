#include "common/rpc/caller_guard.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/rpc/tls.h"

namespace samepage::rpc {
namespace {

// Buckets kept before idle (full) ones are dropped, so that a flood of
// distinct subjects cannot grow memory without bound.
constexpr size_t kMaxBuckets = 100000;

}  // namespace

CallerGuard::CallerGuard(CallerGuardOptions options, identity::PersonStatusSource* persons,
                         std::function<absl::Time()> now)
    : options_(std::move(options)),
      persons_(persons),
      now_(now != nullptr ? std::move(now) : [] { return absl::Now(); }) {}

absl::Status CallerGuard::Admit(const identity::Caller& caller,
                                const grpc::AuthContext* auth) const {
  if (absl::Status peer = CheckPeer(caller, auth); !peer.ok()) return peer;
  if (absl::Status rate = CheckRate(caller); !rate.ok()) return rate;
  return CheckPerson(caller);
}

absl::Status CallerGuard::CheckPeer(const identity::Caller& caller,
                                    const grpc::AuthContext* auth) const {
  if (!caller.service || !options_.require_service_peer) return absl::OkStatus();
  std::vector<std::string> names;
  if (auth != nullptr) names = PeerCertificateNames(*auth);
  if (names.empty()) {
    return absl::UnauthenticatedError(
        "a service token is accepted only over mutual TLS with a client certificate");
  }
  for (const std::string& name : names) {
    if (options_.allowed_peers.contains(name)) return absl::OkStatus();
  }
  return absl::PermissionDeniedError(
      absl::StrCat("a service token is accepted only from an expected peer (--tls_allowed_peers); "
                   "the client certificate names ",
                   absl::StrJoin(names, ", ")));
}

absl::Status CallerGuard::CheckRate(const identity::Caller& caller) const {
  if (caller.service || options_.requests_per_second <= 0 || options_.request_burst <= 0) {
    return absl::OkStatus();
  }
  const absl::Time now = now_();
  const double burst = options_.request_burst;
  absl::MutexLock lock(&mu_);
  if (buckets_.size() >= kMaxBuckets) {
    const absl::Duration to_fill = absl::Seconds(burst / options_.requests_per_second);
    std::erase_if(buckets_, [&](const auto& entry) { return entry.second.refilled + to_fill <= now; });
    if (buckets_.size() >= kMaxBuckets) buckets_.clear();
  }
  auto [it, added] = buckets_.try_emplace(caller.subject, Bucket{.tokens = burst, .refilled = now});
  Bucket& bucket = it->second;
  if (!added && now > bucket.refilled) {
    bucket.tokens = std::min(
        burst, bucket.tokens + absl::ToDoubleSeconds(now - bucket.refilled) *
                                   options_.requests_per_second);
    bucket.refilled = now;
  }
  if (bucket.tokens < 1) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "rate limit: at most ", options_.requests_per_second, " requests per second (bursts of ",
        options_.request_burst, ") per caller (--rate_limit_per_second, --rate_limit_burst); "
        "retry later"));
  }
  bucket.tokens -= 1;
  return absl::OkStatus();
}

absl::Status CallerGuard::CheckPerson(const identity::Caller& caller) const {
  const std::string person = caller.PersonName();
  if (persons_ == nullptr || person.empty()) return absl::OkStatus();
  absl::StatusOr<std::optional<absl::Time>> departure = persons_->DepartureTime(person);
  if (!departure.ok()) {
    return absl::UnavailableError(absl::StrCat("cannot confirm that ", person,
                                               " still holds their post: ",
                                               departure.status().message()));
  }
  if (departure->has_value() && **departure <= now_()) {
    return absl::UnauthenticatedError(absl::StrCat(
        "bearer token: ", person, " departed on ",
        absl::FormatTime(absl::RFC3339_sec, **departure, absl::UTCTimeZone()),
        "; their tokens are no longer accepted"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<void>> CallerGuard::OpenStream(
    const identity::Caller& caller) const {
  const int limit = options_.max_streams_per_caller;
  std::shared_ptr<Streams> streams = streams_;
  {
    absl::MutexLock lock(&streams->mu);
    int& open = streams->open[caller.subject];
    if (limit > 0 && open >= limit) {
      return absl::ResourceExhaustedError(
          absl::StrCat("stream limit: at most ", limit,
                       " event streams open at once per caller (--max_streams_per_caller)"));
    }
    ++open;
  }
  std::string subject = caller.subject;
  // The deleter gives the slot back; it holds `streams`, not the guard.
  return std::shared_ptr<void>(nullptr, [streams, subject](void*) {
    absl::MutexLock lock(&streams->mu);
    auto it = streams->open.find(subject);
    if (it != streams->open.end() && --it->second <= 0) streams->open.erase(it);
  });
}

}  // namespace samepage::rpc
