#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/identity/caller.h"
#include "common/identity/openssl_util.h"
#include "common/identity/verified_token_cache.h"
#include "common/identity/verifier.h"

namespace samepage::identity {

// A key that may sign tokens: an RSA (RS256, >= 2048 bits) or EC P-256
// (ES256) public key as PEM "PUBLIC KEY", or a PEM certificate holding one.
// A certificate's validity dates and chain are not checked; only its key is
// used.
struct VerificationKey {
  std::string key_id;  // matched against the token header's "kid"
  std::string pem;
};

struct VerifierOptions {
  std::string issuer;    // the exact "iss" accepted; must not be empty
  std::string audience;  // must appear in "aud"; must not be empty
  // Tolerated disagreement between the issuer's clock and ours, applied to
  // exp, nbf and iat.
  absl::Duration clock_skew = absl::Seconds(60);
  // Verified tokens remembered (see VerifiedTokenCache): at most this many,
  // each for at most `cache_ttl` and never past its "exp". Zero turns the
  // cache off.
  size_t cache_capacity = 10000;
  absl::Duration cache_ttl = absl::Seconds(30);
};

// Verifies signed JWT bearer tokens (RFC 7519) and turns them into a Caller.
// Only RS256 and ES256 are accepted, and each key only for the one algorithm
// that matches its type. Each key is decoded once, by Create. Concurrent
// Verify calls are safe (the keys are immutable after Create; the cache of
// verified tokens has its own lock).
class TokenVerifier final : public Verifier {
 public:
  // INVALID_ARGUMENT, naming the key, when a key is unusable; also when the
  // options lack an issuer or audience, there are no keys, or two keys share
  // an id.
  static absl::StatusOr<std::unique_ptr<TokenVerifier>> Create(VerifierOptions options,
                                                               std::vector<VerificationKey> keys);

  TokenVerifier(const TokenVerifier&) = delete;
  TokenVerifier& operator=(const TokenVerifier&) = delete;

  // UNAUTHENTICATED, with a message saying why, when the token is malformed,
  // names an unknown "kid", uses an algorithm other than RS256/ES256 (so
  // "none" and HS* are refused), fails its signature, has the wrong issuer or
  // audience ("aud" may be a string or an array), is expired or not yet valid
  // (nbf or iat later than now, beyond the clock skew), or lacks "sub" or
  // "exp". With a "kid" header only that key is tried; without one, every key
  // of the token's algorithm is.
  absl::StatusOr<Caller> Verify(absl::string_view token, absl::Time now) const override;

  // Reads PEM public keys (or certificates); each key's id is its file name
  // without the extension ("keys/idp-2024.pem" has id "idp-2024"). The keys
  // are checked by Create, not here.
  static absl::StatusOr<std::vector<VerificationKey>> LoadKeyFiles(
      const std::vector<std::string>& paths);

 private:
  struct Key {
    std::string key_id;
    std::string algorithm;  // the only JWS "alg" this key may verify
    // Decoded once here rather than from PEM on every call, which cost more
    // than the signature check itself.
    internal::EvpPkeyPtr public_key;
  };

  TokenVerifier(VerifierOptions options, std::vector<Key> keys)
      : options_(std::move(options)),
        keys_(std::move(keys)),
        cache_(options_.cache_capacity, options_.cache_ttl) {}

  // The full check: signature and claims.
  absl::StatusOr<Caller> VerifyUncached(absl::string_view token, absl::Time now) const;

  // The keys to try for a token with this header, or why there are none.
  absl::StatusOr<std::vector<const Key*>> CandidateKeys(absl::string_view algorithm,
                                                        const std::string* key_id) const;

  const VerifierOptions options_;
  const std::vector<Key> keys_;
  mutable VerifiedTokenCache cache_;
};

}  // namespace samepage::identity
