#include "common/identity/jwks.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/identity/openssl_util.h"
#include "common/status/status_macros.h"
#include "nlohmann/json.hpp"

namespace samepage::identity {
namespace {

using Json = nlohmann::json;

struct BnDeleter {
  void operator()(BIGNUM* bn) const { BN_free(bn); }
};
struct ParamBldDeleter {
  void operator()(OSSL_PARAM_BLD* b) const { OSSL_PARAM_BLD_free(b); }
};
struct ParamDeleter {
  void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
};
struct PkeyCtxDeleter {
  void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
};

std::string Str(const Json& key, const char* member) {
  auto it = key.find(member);
  return it != key.end() && it->is_string() ? it->get<std::string>() : "";
}

// A base64url member ("n", "x", ...); JWKs carry no padding, but some
// publishers add it.
absl::StatusOr<std::string> Bytes(const Json& key, const char* member, const std::string& where) {
  std::string text = Str(key, member);
  while (!text.empty() && text.back() == '=') text.pop_back();
  std::string bytes;
  if (text.empty() || !absl::WebSafeBase64Unescape(text, &bytes) || bytes.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ".", member, ": must be non-empty base64url"));
  }
  return bytes;
}

// Builds a public key from OpenSSL 3 parameters (RFC 7518 section 6 values).
absl::StatusOr<internal::EvpPkeyPtr> FromParams(const char* type, OSSL_PARAM* params,
                                                const std::string& where) {
  std::unique_ptr<EVP_PKEY_CTX, PkeyCtxDeleter> ctx(
      EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* raw = nullptr;
  if (ctx == nullptr || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params) != 1 || raw == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": not a usable key (", internal::TakeOpenSslErrors(), ")"));
  }
  return internal::EvpPkeyPtr(raw);
}

absl::StatusOr<internal::EvpPkeyPtr> RsaKey(const Json& key, const std::string& where) {
  ASSIGN_OR_RETURN(std::string n, Bytes(key, "n", where));
  ASSIGN_OR_RETURN(std::string e, Bytes(key, "e", where));
  std::unique_ptr<BIGNUM, BnDeleter> bn_n(
      BN_bin2bn(reinterpret_cast<const unsigned char*>(n.data()), n.size(), nullptr));
  std::unique_ptr<BIGNUM, BnDeleter> bn_e(
      BN_bin2bn(reinterpret_cast<const unsigned char*>(e.data()), e.size(), nullptr));
  std::unique_ptr<OSSL_PARAM_BLD, ParamBldDeleter> build(OSSL_PARAM_BLD_new());
  if (bn_n == nullptr || bn_e == nullptr || build == nullptr ||
      OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()) != 1) {
    return absl::ResourceExhaustedError(absl::StrCat(where, ": out of memory"));
  }
  std::unique_ptr<OSSL_PARAM, ParamDeleter> params(OSSL_PARAM_BLD_to_param(build.get()));
  return FromParams("RSA", params.get(), where);
}

absl::StatusOr<internal::EvpPkeyPtr> EcP256Key(const Json& key, const std::string& where) {
  ASSIGN_OR_RETURN(std::string x, Bytes(key, "x", where));
  ASSIGN_OR_RETURN(std::string y, Bytes(key, "y", where));
  if (x.size() != 32 || y.size() != 32) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": P-256 coordinates are 32 bytes each"));
  }
  // SEC 1 uncompressed point: 0x04 || x || y.
  std::string point = absl::StrCat("\x04", x, y);
  std::unique_ptr<OSSL_PARAM_BLD, ParamBldDeleter> build(OSSL_PARAM_BLD_new());
  char group[] = "prime256v1";
  if (build == nullptr ||
      OSSL_PARAM_BLD_push_utf8_string(build.get(), OSSL_PKEY_PARAM_GROUP_NAME, group, 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(build.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                       point.size()) != 1) {
    return absl::ResourceExhaustedError(absl::StrCat(where, ": out of memory"));
  }
  std::unique_ptr<OSSL_PARAM, ParamDeleter> params(OSSL_PARAM_BLD_to_param(build.get()));
  return FromParams("EC", params.get(), where);
}

}  // namespace

absl::StatusOr<std::vector<VerificationKey>> ParseJwks(absl::string_view json) {
  Json set = Json::parse(json.begin(), json.end(), /*cb=*/nullptr, /*allow_exceptions=*/false);
  if (set.is_discarded() || !set.is_object() || !set.contains("keys") || !set["keys"].is_array()) {
    return absl::InvalidArgumentError("JWKS: not a JSON object with a \"keys\" array");
  }
  std::vector<VerificationKey> keys;
  int index = 0;
  for (const Json& key : set["keys"]) {
    std::string where = absl::StrCat("JWKS keys[", index++, "]");
    if (!key.is_object()) return absl::InvalidArgumentError(absl::StrCat(where, ": not an object"));
    const std::string kty = Str(key, "kty");
    const std::string alg = Str(key, "alg");
    if (Str(key, "use") == "enc") continue;
    absl::StatusOr<internal::EvpPkeyPtr> pkey;
    if (kty == "RSA" && (alg.empty() || alg == "RS256")) {
      pkey = RsaKey(key, where);
    } else if (kty == "EC" && Str(key, "crv") == "P-256" && (alg.empty() || alg == "ES256")) {
      pkey = EcP256Key(key, where);
    } else {
      continue;
    }
    if (!pkey.ok()) return pkey.status();
    std::string kid = Str(key, "kid");
    if (kid.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ".kid: must not be empty (tokens name their key by it)"));
    }
    ASSIGN_OR_RETURN(std::string pem, internal::PublicKeyPem(**pkey));
    keys.push_back(VerificationKey{.key_id = std::move(kid), .pem = std::move(pem)});
  }
  return keys;
}

absl::StatusOr<std::unique_ptr<JwksVerifier>> JwksVerifier::Create(Options options,
                                                                   absl::Time now) {
  auto verifier = std::unique_ptr<JwksVerifier>(new JwksVerifier(std::move(options)));
  FileStamp stamp;
  ASSIGN_OR_RETURN(std::shared_ptr<const TokenVerifier> first, verifier->Read(&stamp));
  absl::MutexLock lock(&verifier->mu_);
  verifier->current_ = std::move(first);
  verifier->stamp_ = stamp;
  verifier->last_checked_ = verifier->last_read_ = now;
  return verifier;
}

absl::StatusOr<JwksVerifier::FileStamp> JwksVerifier::Stamp() const {
  struct stat st;
  if (stat(options_.jwks_file.c_str(), &st) != 0) {
    return absl::NotFoundError(absl::StrCat("--jwt_jwks: cannot stat \"", options_.jwks_file, "\""));
  }
  return FileStamp{.inode = static_cast<int64_t>(st.st_ino),
                   .size = static_cast<int64_t>(st.st_size),
                   .modified_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 +
                                  st.st_mtim.tv_nsec};
}

absl::StatusOr<std::shared_ptr<const TokenVerifier>> JwksVerifier::Read(FileStamp* stamp) const {
  // Stamp first: a change made while we read is seen on the next check.
  ASSIGN_OR_RETURN(*stamp, Stamp());
  std::ifstream in(options_.jwks_file, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(absl::StrCat("--jwt_jwks: cannot read \"", options_.jwks_file, "\""));
  }
  std::ostringstream contents;
  contents << in.rdbuf();
  absl::StatusOr<std::vector<VerificationKey>> keys = ParseJwks(contents.str());
  if (!keys.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--jwt_jwks \"", options_.jwks_file, "\": ", keys.status().message()));
  }
  keys->insert(keys->end(), options_.fixed_keys.begin(), options_.fixed_keys.end());
  ASSIGN_OR_RETURN(std::unique_ptr<TokenVerifier> verifier,
                   TokenVerifier::Create(options_.verifier, *std::move(keys)));
  return std::shared_ptr<const TokenVerifier>(std::move(verifier));
}

std::shared_ptr<const TokenVerifier> JwksVerifier::Current(absl::Time now,
                                                           bool unknown_key) const {
  absl::MutexLock lock(&mu_);
  bool reread = false;
  if (unknown_key) {
    reread = now >= last_read_ + options_.reload_interval;
  } else if (now >= last_checked_ + options_.reload_interval) {
    last_checked_ = now;
    absl::StatusOr<FileStamp> stamp = Stamp();
    reread = stamp.ok() && !(*stamp == stamp_);
  }
  if (reread) {
    last_checked_ = last_read_ = now;
    FileStamp stamp;
    absl::StatusOr<std::shared_ptr<const TokenVerifier>> next = Read(&stamp);
    // A half-written or broken file must not lock everyone out: the keys
    // in force stay until the file is good again.
    if (next.ok()) {
      current_ = *std::move(next);
      stamp_ = stamp;
    }
  }
  return current_;
}

absl::StatusOr<Caller> JwksVerifier::Verify(absl::string_view token, absl::Time now) const {
  absl::StatusOr<Caller> caller = Current(now, /*unknown_key=*/false)->Verify(token, now);
  // TokenVerifier's wording for a "kid" it does not hold: the key may have
  // been published since we last read the file.
  if (!caller.ok() && absl::StrContains(caller.status().message(), "unknown key id")) {
    caller = Current(now, /*unknown_key=*/true)->Verify(token, now);
  }
  return caller;
}

}  // namespace samepage::identity
