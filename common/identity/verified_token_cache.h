#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <unordered_map>

#include "absl/base/thread_annotations.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/identity/caller.h"

namespace samepage::identity {

// Tokens whose signature and claims have already been checked, so that a
// caller presenting the same token again (every call of a session, every
// peer call a service makes) is not verified from scratch. Keyed by the
// SHA-256 of the token; the token itself is kept and compared too.
//
// An entry is served only while `now` lies in [verified at, valid until),
// where "valid until" is the token's "exp" or the verification time plus
// `ttl`, whichever is sooner: an expired token is never served, and a key
// withdrawn by rotation stops being trusted within `ttl` (a rotation also
// builds a new verifier, with an empty cache). Only the token check is
// cached: whatever a server checks about the caller afterwards (departure,
// rate, peer) still runs on every call.
//
// Bounded: at `capacity` entries an insert first drops expired entries and
// then, if still full, arbitrary ones down to 90% of capacity. A capacity of
// zero turns the cache off. Safe for concurrent use.
class VerifiedTokenCache {
 public:
  VerifiedTokenCache(size_t capacity, absl::Duration ttl) : capacity_(capacity), ttl_(ttl) {}

  VerifiedTokenCache(const VerifiedTokenCache&) = delete;
  VerifiedTokenCache& operator=(const VerifiedTokenCache&) = delete;

  // The Caller `token` proved when it was verified, if that is still good
  // at `now`.
  std::optional<Caller> Find(absl::string_view token, absl::Time now) const;

  // Records that `token` verified at `now` as `caller` (whose `expires` is
  // the token's "exp").
  void Insert(absl::string_view token, const Caller& caller, absl::Time now);

  size_t size() const;

 private:
  struct Entry {
    Caller caller;
    absl::Time verified_at;
    absl::Time valid_until;
  };

  static std::string Digest(absl::string_view token);

  const size_t capacity_;
  const absl::Duration ttl_;
  mutable absl::Mutex mu_;
  std::unordered_map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);
};

}  // namespace samepage::identity
