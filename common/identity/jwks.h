#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/identity/token_verifier.h"
#include "common/identity/verifier.h"

namespace samepage::identity {

// The signing keys of a JSON Web Key Set (RFC 7517), as the PEM public keys
// TokenVerifier takes: RSA keys ("kty": "RSA", with "n" and "e") and EC P-256
// keys ("kty": "EC", "crv": "P-256", with "x" and "y"). Keys meant for
// encryption ("use": "enc"), of another type or curve, or for an algorithm
// other than RS256/ES256 are skipped: they can never verify a token we
// accept. INVALID_ARGUMENT naming the key for malformed JSON, a usable key
// without "kid", or key material that does not decode.
absl::StatusOr<std::vector<VerificationKey>> ParseJwks(absl::string_view json);

// Verifies tokens with the keys of a JWKS file that the identity provider's
// keys are published to, following key rotation without a restart: the file
// is re-read when it changes (checked at most once per `reload_interval`)
// and when a token names a key id we do not know (at most once per
// `reload_interval`, so that tokens with made-up key ids cannot make us
// read the file on every call). A key removed from the file stops working
// once the change is seen, within `reload_interval`. A file that no longer
// parses leaves the previous keys in force.
class JwksVerifier final : public Verifier {
 public:
  struct Options {
    VerifierOptions verifier;
    std::string jwks_file;
    // Keys that are always accepted besides the file's (e.g. --jwt_keys).
    std::vector<VerificationKey> fixed_keys;
    absl::Duration reload_interval = absl::Seconds(5);
  };

  // Fails as TokenVerifier::Create does, or when the file cannot be read.
  static absl::StatusOr<std::unique_ptr<JwksVerifier>> Create(Options options, absl::Time now);

  absl::StatusOr<Caller> Verify(absl::string_view token, absl::Time now) const override;

 private:
  struct FileStamp {
    int64_t inode = -1;
    int64_t size = -1;
    int64_t modified_ns = -1;
    bool operator==(const FileStamp&) const = default;
  };

  explicit JwksVerifier(Options options) : options_(std::move(options)) {}

  // The current verifier, after re-reading the file if it is due.
  std::shared_ptr<const TokenVerifier> Current(absl::Time now, bool unknown_key) const;
  // Reads the file and builds a verifier from it and the fixed keys.
  absl::StatusOr<std::shared_ptr<const TokenVerifier>> Read(FileStamp* stamp) const;
  absl::StatusOr<FileStamp> Stamp() const;

  const Options options_;
  mutable absl::Mutex mu_;
  mutable std::shared_ptr<const TokenVerifier> current_ ABSL_GUARDED_BY(mu_);
  mutable FileStamp stamp_ ABSL_GUARDED_BY(mu_);
  mutable absl::Time last_checked_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  mutable absl::Time last_read_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
};

}  // namespace samepage::identity
