#pragma once

// OpenSSL helpers shared by the identity library. Internal: not part of the
// library's interface, and may change without notice.

#include <openssl/evp.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace samepage::identity::internal {

struct EvpPkeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, EvpPkeyDeleter>;

// Drains this thread's OpenSSL error queue into one line, so that a failure
// does not leave stale errors behind for the next, unrelated caller.
std::string TakeOpenSslErrors();

// Parses a PEM "PUBLIC KEY" (SubjectPublicKeyInfo) or "CERTIFICATE", whose
// public key is returned. INVALID_ARGUMENT otherwise.
absl::StatusOr<EvpPkeyPtr> ParsePublicKeyPem(absl::string_view pem);

// Parses an unencrypted PEM private key. Never prompts for a passphrase.
absl::StatusOr<EvpPkeyPtr> ParsePrivateKeyPem(absl::string_view pem);

// The JWS algorithm a key may be used with: "RS256" for RSA keys of at least
// 2048 bits, "ES256" for EC P-256 keys. Binding one algorithm to each key is
// what stops algorithm-confusion attacks (RFC 8725, section 3.1).
absl::StatusOr<std::string> JwsAlgorithmForKey(const EVP_PKEY& key);

// PEM encodings; the public one is SubjectPublicKeyInfo ("PUBLIC KEY"), the
// private one unencrypted PKCS#8 ("PRIVATE KEY").
absl::StatusOr<std::string> PublicKeyPem(const EVP_PKEY& key);
absl::StatusOr<std::string> PrivateKeyPem(const EVP_PKEY& key);

absl::StatusOr<EvpPkeyPtr> GenerateEcP256Key();

}  // namespace samepage::identity::internal
