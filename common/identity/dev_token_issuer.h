#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/identity/token_verifier.h"

namespace samepage::identity {

// Development mode: tokens signed with a key kept in the data folder, so that
// a developer can run the server and the CLI without an identity provider.
// Only for loopback use; whoever can read the data folder can mint any
// identity, platform admin included.
inline constexpr char kDevIssuer[] = "samepage-dev";
inline constexpr char kDefaultAudience[] = "samepage";
inline constexpr char kDevKeyId[] = "dev";
inline constexpr char kDevSigningKeyFile[] = "dev-signing-key.pem";

// Issues ES256 tokens that a TokenVerifier created with
// {kDevIssuer, audience} and public_key() accepts. Immutable; thread-safe.
class DevTokenIssuer {
 public:
  // Loads <data_dir>/dev-signing-key.pem (an unencrypted EC P-256 private
  // key), creating it with mode 0600 (and data_dir with 0700) if missing.
  // Two processes racing to create it end up sharing one key. Refuses a key
  // file that others may read (FAILED_PRECONDITION), as ssh does.
  static absl::StatusOr<std::unique_ptr<DevTokenIssuer>> LoadOrCreate(const std::string& data_dir);
  // Loads only, for the CLI: NOT_FOUND, saying how to create one, if the key
  // does not exist.
  static absl::StatusOr<std::unique_ptr<DevTokenIssuer>> Load(const std::string& data_dir);

  DevTokenIssuer(const DevTokenIssuer&) = delete;
  DevTokenIssuer& operator=(const DevTokenIssuer&) = delete;

  // A token for `subject` with the given scopes (e.g. kAdminScope), valid
  // from `now` for `ttl`. INVALID_ARGUMENT for an empty subject, a scope that
  // is empty or holds a space, or a ttl that is not positive.
  absl::StatusOr<std::string> Issue(const std::string& subject,
                                    const std::vector<std::string>& scopes, absl::Duration ttl,
                                    absl::Time now,
                                    const std::string& audience = kDefaultAudience) const;

  // Key id "dev" and the PEM public key, for the server's TokenVerifier.
  VerificationKey public_key() const;

 private:
  DevTokenIssuer(std::string private_key_pem, std::string public_key_pem)
      : private_key_pem_(std::move(private_key_pem)), public_key_pem_(std::move(public_key_pem)) {}

  static absl::StatusOr<std::unique_ptr<DevTokenIssuer>> FromPrivateKeyPem(const std::string& path,
                                                                           const std::string& pem);

  const std::string private_key_pem_;
  const std::string public_key_pem_;
};

}  // namespace samepage::identity
