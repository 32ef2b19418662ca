#pragma once

// Throwaway key material for security tests, made with OpenSSL's C API in
// memory: certificate authorities and the certificates they sign, and an
// identity provider that signs tokens and publishes its keys as a JWKS.

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "nlohmann/json.hpp"

namespace samepage::testing {

struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
using Cert = std::unique_ptr<X509, X509Free>;

Pkey NewEcKey();
Pkey NewRsaKey();
std::string PrivateKeyPem(EVP_PKEY* key);
std::string CertificatePem(X509* cert);

// A certificate authority that signs leaf certificates.
class TestCa {
 public:
  explicit TestCa(const std::string& name);
  const std::string& pem() const { return pem_; }

  struct Leaf {
    std::string cert_pem;
    std::string key_pem;
  };
  // A certificate for `common_name` with these DNS and IP subject
  // alternative names, good for both TLS server and client use.
  Leaf Issue(const std::string& common_name, const std::vector<std::string>& dns_names,
             const std::vector<std::string>& ips = {}) const;

 private:
  Pkey key_;
  Cert cert_;
  std::string pem_;
};

// An identity provider: RS256 and ES256 keys by kid, the JWKS that
// publishes them, and tokens they sign.
class TestIdp {
 public:
  static constexpr char kIssuer[] = "https://idp.agency.test";

  // Adds a key (RSA or EC P-256) under `kid`.
  void AddRsaKey(const std::string& kid);
  void AddEcKey(const std::string& kid);
  // The PEM public key of `kid` (for --jwt_keys).
  std::string PublicPem(const std::string& kid) const;
  // The JWKS document publishing the keys named (all when empty).
  std::string Jwks(const std::vector<std::string>& kids = {}) const;

  // Claims that verify for `subject` for an hour, with `scopes`.
  static nlohmann::json Claims(const std::string& subject, const std::string& scopes = "",
                               const std::string& audience = "samepage");
  // A compact JWS signed with key `kid` (its algorithm from its type).
  std::string Sign(const std::string& kid, const nlohmann::json& claims) const;
  std::string Token(const std::string& kid, const std::string& subject,
                    const std::string& scopes = "") const {
    return Sign(kid, Claims(subject, scopes));
  }

 private:
  struct Key {
    std::string kid;
    Pkey key;
  };
  const Key& Find(const std::string& kid) const;
  std::vector<Key> keys_;
};

// Writes `contents` to `path` atomically (a new file renamed over the old),
// as an operator rotating a key file would.
void WriteFileAtomically(const std::string& path, const std::string& contents);

}  // namespace samepage::testing
