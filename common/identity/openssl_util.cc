#include "common/identity/openssl_util.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace samepage::identity::internal {
namespace {

struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
using BioPtr = std::unique_ptr<BIO, BioDeleter>;

struct X509Deleter {
  void operator()(X509* cert) const { X509_free(cert); }
};
using X509Ptr = std::unique_ptr<X509, X509Deleter>;

BioPtr MemoryBio(absl::string_view data) {
  return BioPtr(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
}

// Without a callback OpenSSL would prompt on the terminal for the passphrase
// of an encrypted key, which would hang a server.
int RefusePassphrase(char* /*buf*/, int /*size*/, int /*rwflag*/, void* /*userdata*/) { return -1; }

absl::StatusOr<std::string> DrainBio(BIO& bio) {
  char* data = nullptr;
  long size = BIO_get_mem_data(&bio, &data);
  if (size <= 0 || data == nullptr) {
    return absl::InternalError("PEM encoding produced no output");
  }
  return std::string(data, static_cast<size_t>(size));
}

}  // namespace

std::string TakeOpenSslErrors() {
  std::string out;
  char buf[256];
  while (unsigned long code = ERR_get_error()) {
    ERR_error_string_n(code, buf, sizeof(buf));
    absl::StrAppend(&out, out.empty() ? "" : "; ", buf);
  }
  return out.empty() ? "no OpenSSL detail" : out;
}

absl::StatusOr<EvpPkeyPtr> ParsePublicKeyPem(absl::string_view pem) {
  ERR_clear_error();
  if (absl::StrContains(pem, "PRIVATE KEY-----")) {
    // Refuse rather than derive the public half: a private key has no
    // business in a verifier's configuration, and saying so helps the
    // operator who copied the wrong file.
    return absl::InvalidArgumentError(
        "is a private key; give the PEM public key or certificate instead");
  }
  BioPtr bio = MemoryBio(pem);
  if (bio == nullptr) return absl::ResourceExhaustedError("BIO_new_mem_buf");
  if (absl::StrContains(pem, "-----BEGIN CERTIFICATE-----")) {
    X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, RefusePassphrase, nullptr));
    if (cert == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("not a readable PEM certificate: ", TakeOpenSslErrors()));
    }
    EvpPkeyPtr key(X509_get_pubkey(cert.get()));
    if (key == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("certificate has no usable public key: ", TakeOpenSslErrors()));
    }
    return key;
  }
  EvpPkeyPtr key(PEM_read_bio_PUBKEY(bio.get(), nullptr, RefusePassphrase, nullptr));
  if (key == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        "not a readable PEM \"PUBLIC KEY\" or \"CERTIFICATE\": ", TakeOpenSslErrors()));
  }
  return key;
}

absl::StatusOr<EvpPkeyPtr> ParsePrivateKeyPem(absl::string_view pem) {
  ERR_clear_error();
  BioPtr bio = MemoryBio(pem);
  if (bio == nullptr) return absl::ResourceExhaustedError("BIO_new_mem_buf");
  EvpPkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, RefusePassphrase, nullptr));
  if (key == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("not a readable unencrypted PEM private key: ", TakeOpenSslErrors()));
  }
  return key;
}

absl::StatusOr<std::string> JwsAlgorithmForKey(const EVP_PKEY& key) {
  if (EVP_PKEY_is_a(&key, "RSA")) {
    int bits = EVP_PKEY_get_bits(&key);
    if (bits < 2048) {
      return absl::InvalidArgumentError(
          absl::StrCat("RSA key has ", bits, " bits; at least 2048 needed"));
    }
    return std::string("RS256");
  }
  if (EVP_PKEY_is_a(&key, "EC")) {
    char group[64] = {};
    size_t length = 0;
    if (EVP_PKEY_get_group_name(&key, group, sizeof(group), &length) != 1) {
      ERR_clear_error();
      return absl::InvalidArgumentError("EC key has no named curve");
    }
    absl::string_view name(group, length);
    if (name != "prime256v1" && name != "P-256") {
      return absl::InvalidArgumentError(
          absl::StrCat("EC key is on curve ", name, "; only P-256 is accepted"));
    }
    return std::string("ES256");
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "key type ",
      EVP_PKEY_get0_type_name(&key) == nullptr ? "unknown" : EVP_PKEY_get0_type_name(&key),
      " is not supported; use RSA (RS256) or EC P-256 (ES256)"));
}

absl::StatusOr<std::string> PublicKeyPem(const EVP_PKEY& key) {
  ERR_clear_error();
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (bio == nullptr) return absl::ResourceExhaustedError("BIO_new");
  if (PEM_write_bio_PUBKEY(bio.get(), &key) != 1) {
    return absl::InternalError(absl::StrCat("PEM_write_bio_PUBKEY: ", TakeOpenSslErrors()));
  }
  return DrainBio(*bio);
}

absl::StatusOr<std::string> PrivateKeyPem(const EVP_PKEY& key) {
  ERR_clear_error();
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (bio == nullptr) return absl::ResourceExhaustedError("BIO_new");
  if (PEM_write_bio_PrivateKey(bio.get(), &key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return absl::InternalError(absl::StrCat("PEM_write_bio_PrivateKey: ", TakeOpenSslErrors()));
  }
  return DrainBio(*bio);
}

absl::StatusOr<EvpPkeyPtr> GenerateEcP256Key() {
  ERR_clear_error();
  EvpPkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (key == nullptr) {
    return absl::InternalError(
        absl::StrCat("EC P-256 key generation failed: ", TakeOpenSslErrors()));
  }
  return key;
}

}  // namespace samepage::identity::internal
