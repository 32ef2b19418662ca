#include "common/identity/verified_token_cache.h"

#include <openssl/sha.h>

#include <algorithm>

namespace samepage::identity {

std::string VerifiedTokenCache::Digest(absl::string_view token) {
  std::string digest(SHA256_DIGEST_LENGTH, '\0');
  SHA256(reinterpret_cast<const unsigned char*>(token.data()), token.size(),
         reinterpret_cast<unsigned char*>(digest.data()));
  return digest;
}

std::optional<Caller> VerifiedTokenCache::Find(absl::string_view token, absl::Time now) const {
  if (capacity_ == 0) return std::nullopt;
  std::string key = Digest(token);
  absl::ReaderMutexLock lock(&mu_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return std::nullopt;
  const Entry& entry = it->second;
  // A clock that went backwards must not skip a not-before check that the
  // original verification passed only at a later time.
  if (now < entry.verified_at || now >= entry.valid_until) return std::nullopt;
  if (entry.caller.bearer_token != token) return std::nullopt;
  return entry.caller;
}

void VerifiedTokenCache::Insert(absl::string_view token, const Caller& caller, absl::Time now) {
  if (capacity_ == 0) return;
  absl::Time valid_until = std::min(caller.expires, now + ttl_);
  if (valid_until <= now) return;
  std::string key = Digest(token);
  absl::MutexLock lock(&mu_);
  if (entries_.size() >= capacity_ && !entries_.contains(key)) {
    for (auto it = entries_.begin(); it != entries_.end();) {
      if (it->second.valid_until <= now) {
        it = entries_.erase(it);
      } else {
        ++it;
      }
    }
    // Still full of live entries: drop a tenth so that the sweep above does
    // not run again on every insert.
    size_t target = capacity_ - std::max<size_t>(1, capacity_ / 10);
    while (entries_.size() > target) entries_.erase(entries_.begin());
  }
  entries_.insert_or_assign(std::move(key),
                            Entry{.caller = caller, .verified_at = now, .valid_until = valid_until});
}

size_t VerifiedTokenCache::size() const {
  absl::ReaderMutexLock lock(&mu_);
  return entries_.size();
}

}  // namespace samepage::identity
