#include "common/identity/token_verifier.h"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include <cerrno>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <set>
#include <sstream>
#include <system_error>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "common/identity/openssl_util.h"
#include "common/status/status_macros.h"
#include "nlohmann/json.hpp"

namespace samepage::identity {
namespace {

using Json = nlohmann::json;

// Far beyond any real token; bounds the work a hostile caller can cause.
constexpr size_t kMaxTokenBytes = 16 * 1024;

absl::Status Rejected(absl::string_view why) {
  return absl::UnauthenticatedError(absl::StrCat("bearer token: ", why));
}

// Renders a value taken from the token for an error message: bounded and
// escaped, so that a hostile token cannot flood or forge log lines.
std::string Quote(absl::string_view untrusted) {
  constexpr size_t kMaxShown = 64;
  std::string out = absl::StrCat("\"", absl::CHexEscape(untrusted.substr(0, kMaxShown)), "\"");
  if (untrusted.size() > kMaxShown) out += "...";
  return out;
}

bool IsBase64UrlChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
}

absl::StatusOr<Json> DecodeJsonObject(absl::string_view segment, absl::string_view what) {
  std::string bytes;
  if (!absl::WebSafeBase64Unescape(segment, &bytes)) {
    return Rejected(absl::StrCat("malformed: ", what, " is not base64url"));
  }
  Json value = Json::parse(bytes, /*cb=*/nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded() || !value.is_object()) {
    return Rejected(absl::StrCat("malformed: ", what, " is not a JSON object"));
  }
  return value;
}

const Json* Member(const Json& object, const std::string& name) {
  auto it = object.find(name);
  return it == object.end() ? nullptr : &*it;
}

// A JWT NumericDate: seconds since the epoch, possibly fractional.
std::optional<absl::Time> NumericDate(const Json& value) {
  if (value.is_number_unsigned()) {
    uint64_t seconds = value.get<uint64_t>();
    if (seconds > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return absl::InfiniteFuture();
    }
    return absl::FromUnixSeconds(static_cast<int64_t>(seconds));
  }
  if (value.is_number_integer()) {
    return absl::FromUnixSeconds(value.get<int64_t>());
  }
  if (value.is_number_float()) {
    double seconds = value.get<double>();
    if (!std::isfinite(seconds)) return std::nullopt;
    // absl::Seconds saturates to an infinite duration, so huge values are
    // safe.
    return absl::UnixEpoch() + absl::Seconds(seconds);
  }
  return std::nullopt;
}

absl::StatusOr<std::optional<absl::Time>> OptionalDateClaim(const Json& claims,
                                                            const std::string& name) {
  const Json* value = Member(claims, name);
  if (value == nullptr) return std::nullopt;
  std::optional<absl::Time> time = NumericDate(*value);
  if (!time.has_value()) {
    return Rejected(absl::StrCat("malformed: \"", name, "\" is not a number"));
  }
  return time;
}

std::string Rfc3339(absl::Time t) {
  return absl::FormatTime(absl::RFC3339_sec, t, absl::UTCTimeZone());
}

absl::Status CheckAudience(const Json& claims, const std::string& audience) {
  const Json* aud = Member(claims, "aud");
  if (aud == nullptr) return Rejected("missing \"aud\"");
  if (aud->is_string()) {
    if (aud->get_ref<const std::string&>() == audience) return absl::OkStatus();
    return Rejected(absl::StrCat("audience ", Quote(aud->get_ref<const std::string&>()),
                                 " is not \"", audience, "\""));
  }
  if (aud->is_array()) {
    for (const Json& entry : *aud) {
      if (entry.is_string() && entry.get_ref<const std::string&>() == audience) {
        return absl::OkStatus();
      }
    }
    return Rejected(absl::StrCat("audience list does not include \"", audience, "\""));
  }
  return Rejected("malformed: \"aud\" is neither a string nor an array");
}

// Scopes per RFC 8693 section 4.2: one space-separated string. Some identity
// providers send a JSON array instead; both are understood.
absl::StatusOr<std::set<std::string, std::less<>>> Scopes(const Json& claims) {
  std::set<std::string, std::less<>> scopes;
  const Json* scope = Member(claims, "scope");
  if (scope == nullptr) return scopes;
  if (scope->is_string()) {
    for (absl::string_view s :
         absl::StrSplit(scope->get_ref<const std::string&>(), ' ', absl::SkipEmpty())) {
      scopes.emplace(s);
    }
    return scopes;
  }
  if (scope->is_array()) {
    for (const Json& entry : *scope) {
      if (!entry.is_string()) {
        return Rejected("malformed: \"scope\" array holds a non-string");
      }
      scopes.insert(entry.get<std::string>());
    }
    return scopes;
  }
  return Rejected("malformed: \"scope\" is neither a string nor an array");
}

// Why a token's claims are not acceptable now, or the Caller they describe.
absl::StatusOr<Caller> CallerFromClaims(const Json& claims, const VerifierOptions& options,
                                        absl::Time now) {
  const Json* iss = Member(claims, "iss");
  if (iss == nullptr || !iss->is_string()) {
    return Rejected("missing \"iss\"");
  }
  if (iss->get_ref<const std::string&>() != options.issuer) {
    return Rejected(absl::StrCat("issuer ", Quote(iss->get_ref<const std::string&>()), " is not \"",
                                 options.issuer, "\""));
  }
  RETURN_IF_ERROR(CheckAudience(claims, options.audience));

  ASSIGN_OR_RETURN(std::optional<absl::Time> exp, OptionalDateClaim(claims, "exp"));
  // A token that never expires cannot be revoked by waiting; refuse it.
  if (!exp.has_value()) return Rejected("missing \"exp\"");
  if (now >= *exp + options.clock_skew) {
    return Rejected(absl::StrCat("expired at ", Rfc3339(*exp), " (now ", Rfc3339(now), ")"));
  }
  ASSIGN_OR_RETURN(std::optional<absl::Time> nbf, OptionalDateClaim(claims, "nbf"));
  if (nbf.has_value() && now + options.clock_skew < *nbf) {
    return Rejected(absl::StrCat("not valid before ", Rfc3339(*nbf), " (now ", Rfc3339(now), ")"));
  }
  ASSIGN_OR_RETURN(std::optional<absl::Time> iat, OptionalDateClaim(claims, "iat"));
  if (iat.has_value() && now + options.clock_skew < *iat) {
    return Rejected(
        absl::StrCat("issued in the future, at ", Rfc3339(*iat), " (now ", Rfc3339(now), ")"));
  }

  const Json* sub = Member(claims, "sub");
  if (sub == nullptr || !sub->is_string() || sub->get_ref<const std::string&>().empty()) {
    return Rejected("missing \"sub\"");
  }
  ASSIGN_OR_RETURN(auto scopes, Scopes(claims));

  Caller caller;
  caller.subject = sub->get<std::string>();
  caller.platform_admin = scopes.contains(kAdminScope);
  caller.service = scopes.contains(kServiceScope);
  caller.expires = *exp;
  return caller;
}

struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
struct EcdsaSigDeleter {
  void operator()(ECDSA_SIG* sig) const { ECDSA_SIG_free(sig); }
};

// JWS ES256 signatures are R || S, 32 bytes each (RFC 7518 section 3.4);
// OpenSSL verifies the DER form. Empty when the signature has another size.
std::string RawEcdsaToDer(const std::string& raw) {
  if (raw.size() != 64) return "";
  const auto* bytes = reinterpret_cast<const unsigned char*>(raw.data());
  std::unique_ptr<ECDSA_SIG, EcdsaSigDeleter> sig(ECDSA_SIG_new());
  BIGNUM* r = BN_bin2bn(bytes, 32, nullptr);
  BIGNUM* s = BN_bin2bn(bytes + 32, 32, nullptr);
  if (sig == nullptr || r == nullptr || s == nullptr || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return "";
  }
  unsigned char* der = nullptr;
  int size = i2d_ECDSA_SIG(sig.get(), &der);
  if (size <= 0 || der == nullptr) return "";
  std::string out(reinterpret_cast<const char*>(der), static_cast<size_t>(size));
  OPENSSL_free(der);
  return out;
}

// Checks the JWS signature over `signing_input` (header "." payload) with
// an already decoded key. The caller has made sure that `algorithm` is the
// key's own (RS256: RSASSA-PKCS1-v1_5 with SHA-256, OpenSSL's default RSA
// padding; ES256: ECDSA P-256 with SHA-256).
bool SignatureVerifies(absl::string_view signing_input, absl::string_view signature_b64,
                       EVP_PKEY* key, const std::string& algorithm) {
  std::string signature;
  if (!absl::WebSafeBase64Unescape(signature_b64, &signature) || signature.empty()) return false;
  if (algorithm == "ES256") {
    signature = RawEcdsaToDer(signature);
    if (signature.empty()) return false;
  }
  std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> ctx(EVP_MD_CTX_new());
  bool ok = ctx != nullptr &&
            EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) == 1 &&
            EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                             signature.size(),
                             reinterpret_cast<const unsigned char*>(signing_input.data()),
                             signing_input.size()) == 1;
  // A failed check leaves errors in OpenSSL's per-thread queue, which would
  // otherwise be blamed on whatever this thread does next with OpenSSL.
  ERR_clear_error();
  return ok;
}

}  // namespace

absl::StatusOr<std::unique_ptr<TokenVerifier>> TokenVerifier::Create(
    VerifierOptions options, std::vector<VerificationKey> keys) {
  if (options.issuer.empty()) {
    return absl::InvalidArgumentError("issuer: must not be empty");
  }
  if (options.audience.empty()) {
    return absl::InvalidArgumentError("audience: must not be empty");
  }
  if (options.clock_skew < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("clock_skew: must not be negative");
  }
  if (keys.empty()) {
    return absl::InvalidArgumentError("keys: at least one key is needed");
  }
  std::vector<Key> parsed;
  std::set<std::string, std::less<>> ids;
  for (VerificationKey& key : keys) {
    if (key.key_id.empty()) {
      return absl::InvalidArgumentError("key_id: must not be empty");
    }
    if (!ids.insert(key.key_id).second) {
      return absl::InvalidArgumentError(absl::StrCat("key \"", key.key_id, "\": duplicate key id"));
    }
    auto named = [&key](const absl::Status& status) {
      return absl::InvalidArgumentError(
          absl::StrCat("key \"", key.key_id, "\": ", status.message()));
    };
    absl::StatusOr<internal::EvpPkeyPtr> pkey = internal::ParsePublicKeyPem(key.pem);
    if (!pkey.ok()) return named(pkey.status());
    absl::StatusOr<std::string> algorithm = internal::JwsAlgorithmForKey(**pkey);
    if (!algorithm.ok()) return named(algorithm.status());
    parsed.push_back(Key{.key_id = std::move(key.key_id),
                         .algorithm = *std::move(algorithm),
                         .public_key = *std::move(pkey)});
  }
  return std::unique_ptr<TokenVerifier>(new TokenVerifier(std::move(options), std::move(parsed)));
}

absl::StatusOr<std::vector<const TokenVerifier::Key*>> TokenVerifier::CandidateKeys(
    absl::string_view algorithm, const std::string* key_id) const {
  std::vector<const Key*> candidates;
  if (key_id != nullptr) {
    for (const Key& key : keys_) {
      if (key.key_id != *key_id) continue;
      if (key.algorithm != algorithm) {
        return Rejected(
            absl::StrCat("key \"", key.key_id, "\" is for ", key.algorithm, ", not ", algorithm));
      }
      candidates.push_back(&key);
      return candidates;
    }
    return Rejected(absl::StrCat("unknown key id ", Quote(*key_id)));
  }
  for (const Key& key : keys_) {
    if (key.algorithm == algorithm) candidates.push_back(&key);
  }
  if (candidates.empty()) {
    return Rejected(absl::StrCat("no configured key verifies ", algorithm));
  }
  return candidates;
}

absl::StatusOr<Caller> TokenVerifier::Verify(absl::string_view token, absl::Time now) const {
  // Oversized tokens are refused below without being hashed first.
  if (token.size() <= kMaxTokenBytes) {
    if (std::optional<Caller> cached = cache_.Find(token, now)) return *std::move(cached);
  }
  ASSIGN_OR_RETURN(Caller caller, VerifyUncached(token, now));
  cache_.Insert(token, caller, now);
  return caller;
}

absl::StatusOr<Caller> TokenVerifier::VerifyUncached(absl::string_view token,
                                                     absl::Time now) const {
  if (token.empty()) return Rejected("empty");
  if (token.size() > kMaxTokenBytes) {
    return Rejected(absl::StrCat("malformed: longer than ", kMaxTokenBytes, " bytes"));
  }
  // Only the compact serialisation's alphabet; this also keeps NULs out of
  // the claims we parse.
  for (char c : token) {
    if (c != '.' && !IsBase64UrlChar(c)) {
      return Rejected("malformed: not a compact JWS (unexpected character)");
    }
  }
  std::vector<absl::string_view> parts = absl::StrSplit(token, '.');
  if (parts.size() != 3) {
    return Rejected("malformed: a JWT has three dot-separated parts");
  }
  try {
    ASSIGN_OR_RETURN(Json header, DecodeJsonObject(parts[0], "header"));
    const Json* alg = Member(header, "alg");
    if (alg == nullptr || !alg->is_string()) {
      return Rejected("malformed: header has no \"alg\"");
    }
    const std::string& algorithm = alg->get_ref<const std::string&>();
    // "none" would skip the signature and HS* would turn a public key into a
    // shared secret; only asymmetric algorithms prove who signed.
    if (algorithm != "RS256" && algorithm != "ES256") {
      return Rejected(
          absl::StrCat("algorithm ", Quote(algorithm), " is not accepted (RS256 or ES256 only)"));
    }
    // RFC 7515 section 4.1.11: extensions we do not understand must fail.
    if (Member(header, "crit") != nullptr) {
      return Rejected("header has \"crit\" extensions, which are unsupported");
    }
    const Json* kid = Member(header, "kid");
    if (kid != nullptr && !kid->is_string()) {
      return Rejected("malformed: \"kid\" is not a string");
    }
    ASSIGN_OR_RETURN(Json claims, DecodeJsonObject(parts[1], "payload"));
    if (parts[2].empty()) return Rejected("missing signature");

    ASSIGN_OR_RETURN(
        std::vector<const Key*> candidates,
        CandidateKeys(algorithm, kid == nullptr ? nullptr : &kid->get_ref<const std::string&>()));
    // The signing input is everything before the last dot.
    const absl::string_view signing_input =
        token.substr(0, parts[0].size() + 1 + parts[1].size());
    bool verified = false;
    for (const Key* key : candidates) {
      if (SignatureVerifies(signing_input, parts[2], key->public_key.get(), key->algorithm)) {
        verified = true;
        break;
      }
    }
    if (!verified) return Rejected("signature does not verify");

    ASSIGN_OR_RETURN(Caller caller, CallerFromClaims(claims, options_, now));
    caller.bearer_token = std::string(token);
    return caller;
  } catch (const Json::exception& e) {
    // The checks above are meant to make this unreachable; a token must never
    // crash the server if one was missed.
    return Rejected(absl::StrCat("malformed: ", e.what()));
  }
}

absl::StatusOr<std::vector<VerificationKey>> TokenVerifier::LoadKeyFiles(
    const std::vector<std::string>& paths) {
  std::vector<VerificationKey> keys;
  for (const std::string& path : paths) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      int error = errno;
      std::string why = absl::StrCat("key file \"", path, "\": cannot open: ",
                                     std::error_code(error, std::generic_category()).message());
      return error == ENOENT ? absl::NotFoundError(why) : absl::FailedPreconditionError(why);
    }
    std::ostringstream contents;
    contents << in.rdbuf();
    if (in.bad()) {
      return absl::DataLossError(absl::StrCat("key file \"", path, "\": read failed"));
    }
    std::string key_id = std::filesystem::path(path).stem().string();
    if (key_id.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("key file \"", path, "\": no name to use as key id"));
    }
    keys.push_back(VerificationKey{.key_id = std::move(key_id), .pem = contents.str()});
  }
  return keys;
}

}  // namespace samepage::identity
