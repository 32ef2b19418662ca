#include "tests/security/test_pki.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"

namespace samepage::testing {
namespace {

using Json = nlohmann::json;

std::string BioText(BIO* bio) {
  char* data = nullptr;
  long size = BIO_get_mem_data(bio, &data);
  std::string text(data, static_cast<size_t>(size));
  BIO_free(bio);
  return text;
}

void Check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(absl::StrCat("OpenSSL: ", what));
}

void AddExtension(X509* cert, X509V3_CTX* ctx, int nid, const std::string& value) {
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, ctx, nid, value.c_str());
  Check(ext != nullptr, "extension");
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

// A certificate for `key` named `common_name`, signed by `issuer` (itself
// when null).
Cert MakeCertificate(EVP_PKEY* key, const std::string& common_name, X509* issuer,
                     EVP_PKEY* issuer_key, bool ca, const std::string& alt_names) {
  Cert cert(X509_new());
  X509_set_version(cert.get(), 2);
  unsigned char serial[8];
  RAND_bytes(serial, sizeof(serial));
  serial[0] &= 0x7f;
  BIGNUM* bn = BN_bin2bn(serial, sizeof(serial), nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24 * 3600);
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1,
                             0);
  X509_set_issuer_name(cert.get(), issuer != nullptr ? X509_get_subject_name(issuer) : name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer != nullptr ? issuer : cert.get(), cert.get(), nullptr, nullptr, 0);
  AddExtension(cert.get(), &ctx, NID_basic_constraints, ca ? "critical,CA:TRUE" : "CA:FALSE");
  AddExtension(cert.get(), &ctx, NID_key_usage,
               ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature");
  AddExtension(cert.get(), &ctx, NID_subject_key_identifier, "hash");
  AddExtension(cert.get(), &ctx, NID_authority_key_identifier, "keyid:always");
  if (!ca) AddExtension(cert.get(), &ctx, NID_ext_key_usage, "serverAuth,clientAuth");
  if (!alt_names.empty()) AddExtension(cert.get(), &ctx, NID_subject_alt_name, alt_names);
  Check(X509_sign(cert.get(), issuer_key != nullptr ? issuer_key : key, EVP_sha256()) > 0, "sign");
  return cert;
}

std::string B64(absl::string_view bytes) { return absl::WebSafeBase64Escape(bytes); }

std::string BigNumParam(EVP_PKEY* key, const char* param, int pad = 0) {
  BIGNUM* bn = nullptr;
  Check(EVP_PKEY_get_bn_param(key, param, &bn) == 1, param);
  int size = pad > 0 ? pad : BN_num_bytes(bn);
  std::string bytes(size, '\0');
  BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(bytes.data()), size);
  BN_free(bn);
  return bytes;
}

std::string DigestSign(EVP_PKEY* key, absl::string_view input) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key);
  size_t size = 0;
  EVP_DigestSign(ctx, nullptr, &size, reinterpret_cast<const unsigned char*>(input.data()),
                 input.size());
  std::string sig(size, '\0');
  EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &size,
                 reinterpret_cast<const unsigned char*>(input.data()), input.size());
  EVP_MD_CTX_free(ctx);
  sig.resize(size);
  return sig;
}

// JWS ES256 signatures are R||S (RFC 7518 section 3.4), not OpenSSL's DER.
std::string DerToRawEcdsa(const std::string& der) {
  const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size()));
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig, &r, &s);
  std::string raw(64, '\0');
  BN_bn2binpad(r, reinterpret_cast<unsigned char*>(raw.data()), 32);
  BN_bn2binpad(s, reinterpret_cast<unsigned char*>(raw.data()) + 32, 32);
  ECDSA_SIG_free(sig);
  return raw;
}

}  // namespace

Pkey NewEcKey() { return Pkey(EVP_EC_gen("P-256")); }
Pkey NewRsaKey() { return Pkey(EVP_RSA_gen(2048)); }

std::string PrivateKeyPem(EVP_PKEY* key) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  return BioText(bio);
}

std::string CertificatePem(X509* cert) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(bio, cert);
  return BioText(bio);
}

TestCa::TestCa(const std::string& name) : key_(NewEcKey()) {
  cert_ = MakeCertificate(key_.get(), name, nullptr, nullptr, /*ca=*/true, "");
  pem_ = CertificatePem(cert_.get());
}

TestCa::Leaf TestCa::Issue(const std::string& common_name, const std::vector<std::string>& dns_names,
                           const std::vector<std::string>& ips) const {
  std::vector<std::string> alt;
  for (const std::string& dns : dns_names) alt.push_back("DNS:" + dns);
  for (const std::string& ip : ips) alt.push_back("IP:" + ip);
  Pkey key = NewEcKey();
  Cert cert = MakeCertificate(key.get(), common_name, cert_.get(), key_.get(), /*ca=*/false,
                              absl::StrJoin(alt, ","));
  return Leaf{.cert_pem = CertificatePem(cert.get()), .key_pem = PrivateKeyPem(key.get())};
}

void TestIdp::AddRsaKey(const std::string& kid) { keys_.push_back({kid, NewRsaKey()}); }
void TestIdp::AddEcKey(const std::string& kid) { keys_.push_back({kid, NewEcKey()}); }

const TestIdp::Key& TestIdp::Find(const std::string& kid) const {
  for (const Key& key : keys_) {
    if (key.kid == kid) return key;
  }
  throw std::runtime_error("no test key " + kid);
}

std::string TestIdp::PublicPem(const std::string& kid) const {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PUBKEY(bio, Find(kid).key.get());
  return BioText(bio);
}

std::string TestIdp::Jwks(const std::vector<std::string>& kids) const {
  Json keys = Json::array();
  for (const Key& key : keys_) {
    if (!kids.empty() && std::find(kids.begin(), kids.end(), key.kid) == kids.end()) continue;
    if (EVP_PKEY_is_a(key.key.get(), "RSA")) {
      keys.push_back({{"kty", "RSA"},
                      {"kid", key.kid},
                      {"use", "sig"},
                      {"alg", "RS256"},
                      {"n", B64(BigNumParam(key.key.get(), OSSL_PKEY_PARAM_RSA_N))},
                      {"e", B64(BigNumParam(key.key.get(), OSSL_PKEY_PARAM_RSA_E))}});
    } else {
      keys.push_back({{"kty", "EC"},
                      {"kid", key.kid},
                      {"use", "sig"},
                      {"crv", "P-256"},
                      {"x", B64(BigNumParam(key.key.get(), OSSL_PKEY_PARAM_EC_PUB_X, 32))},
                      {"y", B64(BigNumParam(key.key.get(), OSSL_PKEY_PARAM_EC_PUB_Y, 32))}});
    }
  }
  // An encryption key an identity provider may publish alongside: skipped.
  keys.push_back({{"kty", "RSA"}, {"kid", "enc-1"}, {"use", "enc"}, {"n", "AQAB"}, {"e", "AQAB"}});
  return Json{{"keys", keys}}.dump(2);
}

nlohmann::json TestIdp::Claims(const std::string& subject, const std::string& scopes,
                               const std::string& audience) {
  int64_t now = absl::ToUnixSeconds(absl::Now());
  Json claims = {{"iss", kIssuer},     {"aud", audience}, {"sub", subject},
                 {"iat", now},         {"nbf", now},      {"exp", now + 3600}};
  if (!scopes.empty()) claims["scope"] = scopes;
  return claims;
}

std::string TestIdp::Sign(const std::string& kid, const nlohmann::json& claims) const {
  const Key& key = Find(kid);
  bool ec = EVP_PKEY_is_a(key.key.get(), "EC");
  Json header = {{"alg", ec ? "ES256" : "RS256"}, {"typ", "JWT"}, {"kid", kid}};
  std::string input = absl::StrCat(B64(header.dump()), ".", B64(claims.dump()));
  std::string sig = DigestSign(key.key.get(), input);
  if (ec) sig = DerToRawEcdsa(sig);
  return absl::StrCat(input, ".", B64(sig));
}

void WriteFileAtomically(const std::string& path, const std::string& contents) {
  std::string temp = path + ".new";
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out << contents;
  }
  std::filesystem::rename(temp, path);
}

}  // namespace samepage::testing
