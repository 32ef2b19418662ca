#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/identity/caller.h"
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
};

// Verifies signed JWT bearer tokens (RFC 7519) and turns them into a Caller.
// Only RS256 and ES256 are accepted, and each key only for the one algorithm
// that matches its type. Immutable after Create, so concurrent Verify calls
// are safe.
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
    std::string pem;        // normalised to SubjectPublicKeyInfo for libjwt
  };

  TokenVerifier(VerifierOptions options, std::vector<Key> keys)
      : options_(std::move(options)), keys_(std::move(keys)) {}

  // The keys to try for a token with this header, or why there are none.
  absl::StatusOr<std::vector<const Key*>> CandidateKeys(absl::string_view algorithm,
                                                        const std::string* key_id) const;

  const VerifierOptions options_;
  const std::vector<Key> keys_;
};

}  // namespace samepage::identity
