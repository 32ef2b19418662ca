// Tests for the identity library with real keys and real signatures. Tokens
// are signed here with OpenSSL EVP directly (and two were made by PyJWT), a
// different code path from the libjwt verifier, so that the tests catch
// interoperability mistakes such as a DER-encoded ECDSA signature.

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/identity/authenticate.h"
#include "common/identity/caller.h"
#include "common/identity/dev_token_issuer.h"
#include "common/identity/token_verifier.h"
#include "common/identity/verified_token_cache.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace samepage::identity {
namespace {

using ::testing::HasSubstr;
using Json = nlohmann::json;

constexpr char kIssuer[] = "https://idp.example";
constexpr char kAudience[] = "samepage";
constexpr absl::Time kNow = absl::FromUnixSeconds(1'700'000'000);

// ---------------------------------------------------------------------------
// Key material and an independent JWS signer.

struct PkeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyDeleter>;

PkeyPtr NewRsaKey(size_t bits = 2048) {
  return PkeyPtr(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", bits));
}
PkeyPtr NewEcKey(const char* curve = "P-256") {
  return PkeyPtr(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", curve));
}

std::string BioContents(BIO* bio) {
  char* data = nullptr;
  long size = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<size_t>(size));
  BIO_free(bio);
  return out;
}

std::string PublicPem(EVP_PKEY* key) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PUBKEY(bio, key);
  return BioContents(bio);
}

std::string PrivatePem(EVP_PKEY* key) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  return BioContents(bio);
}

// A self-signed certificate for `key`, as an identity provider might publish.
std::string SelfSignedCertificatePem(EVP_PKEY* key) {
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert), 0);
  X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("idp"), -1, -1, 0);
  X509_set_issuer_name(cert, name);
  X509_sign(cert, key, EVP_sha256());
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(bio, cert);
  X509_free(cert);
  return BioContents(bio);
}

std::string B64(absl::string_view bytes) {
  return absl::WebSafeBase64Escape(bytes);  // unpadded, as JWS wants
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

// JWS ES256 signatures are R||S, each 32 bytes big-endian (RFC 7518 3.4),
// not the DER that OpenSSL produces.
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

enum class SigForm { kJws, kDer };

std::string SignToken(EVP_PKEY* key, const Json& header, const Json& claims,
                      SigForm form = SigForm::kJws) {
  std::string input = absl::StrCat(B64(header.dump()), ".", B64(claims.dump()));
  std::string sig = DigestSign(key, input);
  if (EVP_PKEY_is_a(key, "EC") && form == SigForm::kJws) {
    sig = DerToRawEcdsa(sig);
  }
  return absl::StrCat(input, ".", B64(sig));
}

std::string HmacToken(absl::string_view secret, const Json& claims) {
  Json header = {{"alg", "HS256"}, {"typ", "JWT"}};
  std::string input = absl::StrCat(B64(header.dump()), ".", B64(claims.dump()));
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_size = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &mac_size);
  return absl::StrCat(input, ".", B64(absl::string_view(reinterpret_cast<char*>(mac), mac_size)));
}

Json GoodClaims() {
  return {{"iss", kIssuer},
          {"aud", kAudience},
          {"sub", "people/7"},
          {"iat", absl::ToUnixSeconds(kNow - absl::Minutes(1))},
          {"exp", absl::ToUnixSeconds(kNow + absl::Hours(1))}};
}

std::string ReplaceSegment(const std::string& token, int index, const std::string& segment) {
  std::vector<std::string> parts = absl::StrSplit(token, '.');
  parts[index] = segment;
  return absl::StrJoin(parts, ".");
}

// Made once with PyJWT 2.6 (python3-jwt) and the `cryptography` package:
//   claims = {"iss": "https://idp.example", "aud": ["other", "samepage"],
//             "sub": "people/42", "scope": "openid samepage.admin",
//             "iat": 1700000000, "nbf": 1700000000, "exp": 4102444800}
//   jwt.encode(claims, key, algorithm="ES256", headers={"kid": "idp-ec"})
constexpr char kPyJwtEcPublicKey[] = R"(-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEZct7LRf/yS+bgNs3lIrO/vRU21wk
e+g8s7PB/GW8kFBZ0U4uCNyWf6iy4PFD2B4MjN0EF+bYiNJiarmtG3DUGA==
-----END PUBLIC KEY-----
)";
constexpr char kPyJwtEs256Token[] =
    "eyJhbGciOiJFUzI1NiIsImtpZCI6ImlkcC1lYyIsInR5cCI6IkpXVCJ9."
    "eyJpc3MiOiJodHRwczovL2lkcC5leGFtcGxlIiwiYXVkIjpbIm90aGVyIiwic2FtZXBhZ2Ui"
    "XSwic3ViIjoicGVvcGxlLzQyIiwic2NvcGUiOiJvcGVuaWQgc2FtZXBhZ2UuYWRtaW4iLCJp"
    "YXQiOjE3MDAwMDAwMDAsIm5iZiI6MTcwMDAwMDAwMCwiZXhwIjo0MTAyNDQ0ODAwfQ."
    "RKl0kIoaNDcyk6-9NptubKB81q7Ya7XNTTirvqpQomF9m2pKa_RMcS5Y_29YBQ8YfbyG8Lbs"
    "Ulu_0Tpvmfs0TA";
// Same claims, RS256, kid "idp-rsa".
constexpr char kPyJwtRsaPublicKey[] = R"(-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAoPFOplYPe78/WlDvPAh7
/rXI697et+bCH/gRSpdNnYS8Bkfra/JJFe5WhFy5CVNm2tT/OGSIrLUPDoHfrV8c
2ptvRr0AO3SDjFPPMdjPyBmPmowuLBYW17Tm9NRkkcONSgSV2GLtCuFOTbGXRoX9
QQ5IRmjPfsPAIqY2Td+dx/HUxw0t3FKWVAsmgG9GiyL2cNNYnx05FNnO932rSRCU
KWfyJ/MRhCDtjxWiTgKDzzqvIlUgvDupBB0lWT0IxtfO5bspqabPsC0IMS1Yuwqq
lcTRAsDZt3ChTuD7VrsFc5BZCjz4YzXaZX+jzxNX+GqMIjIEnPbVAiEIcpVPkeAI
SQIDAQAB
-----END PUBLIC KEY-----
)";
constexpr char kPyJwtRs256Token[] =
    "eyJhbGciOiJSUzI1NiIsImtpZCI6ImlkcC1yc2EiLCJ0eXAiOiJKV1QifQ."
    "eyJpc3MiOiJodHRwczovL2lkcC5leGFtcGxlIiwiYXVkIjpbIm90aGVyIiwic2FtZXBhZ2Ui"
    "XSwic3ViIjoicGVvcGxlLzQyIiwic2NvcGUiOiJvcGVuaWQgc2FtZXBhZ2UuYWRtaW4iLCJp"
    "YXQiOjE3MDAwMDAwMDAsIm5iZiI6MTcwMDAwMDAwMCwiZXhwIjo0MTAyNDQ0ODAwfQ."
    "PfLjiKbUx7qtXQTNQVQ07vJ2tyxbvRvQx1eeU740kfsD3AkwC438CiS__e7dyBFbt7G-ouvo"
    "CkfjtBPq8vSxiQPZANEHA7XQI4NLGIX49_NmUPtENVYu0yYka_Kx9RmvdI-ywnmV1_J1A-z8"
    "5nIqr-yqxDgtI6FY2YhU2kmQzsKHXYaunQ8dYcu6OVaKHz_XC1nChdlqwHxXTYl_GERANiPK"
    "k_JNwI7dTudZ8_npb87QHeIGS-ayZpIbiXq_mJjXCByCNElXszbR_7NCUOOp8u7Tw3uKOouK"
    "_VZJLwVasygwwCBbn2WXbpOd5WGfPpUwz1IZr3fZUEJeC07YOceLLw";

// A fresh folder under the test's temporary directory, removed afterwards.
class ScopedTempDir {
 public:
  ScopedTempDir() {
    std::string pattern = ::testing::TempDir() + "identity_test.XXXXXX";
    path_ = mkdtemp(pattern.data());
  }
  ~ScopedTempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// ---------------------------------------------------------------------------
// TokenVerifier

class TokenVerifierTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    rsa_key_ = NewRsaKey().release();
    ec_key_ = NewEcKey().release();
  }
  static void TearDownTestSuite() {
    EVP_PKEY_free(rsa_key_);
    EVP_PKEY_free(ec_key_);
  }

  void SetUp() override {
    auto verifier =
        TokenVerifier::Create({.issuer = kIssuer, .audience = kAudience},
                              {{"rsa-1", PublicPem(rsa_key_)}, {"ec-1", PublicPem(ec_key_)}});
    ASSERT_TRUE(verifier.ok()) << verifier.status();
    verifier_ = *std::move(verifier);
  }

  static Json RsaHeader() { return {{"alg", "RS256"}, {"typ", "JWT"}, {"kid", "rsa-1"}}; }
  static Json EcHeader() { return {{"alg", "ES256"}, {"typ", "JWT"}, {"kid", "ec-1"}}; }
  static std::string EcToken(const Json& claims) { return SignToken(ec_key_, EcHeader(), claims); }

  // Expects UNAUTHENTICATED with a message containing `why`.
  void ExpectRejected(const std::string& token, const std::string& why, absl::Time now = kNow) {
    absl::StatusOr<Caller> caller = verifier_->Verify(token, now);
    EXPECT_EQ(caller.status().code(), absl::StatusCode::kUnauthenticated) << caller.status();
    EXPECT_THAT(caller.status().message(), HasSubstr(why));
  }

  static EVP_PKEY* rsa_key_;
  static EVP_PKEY* ec_key_;
  std::unique_ptr<TokenVerifier> verifier_;
};

EVP_PKEY* TokenVerifierTest::rsa_key_ = nullptr;
EVP_PKEY* TokenVerifierTest::ec_key_ = nullptr;

TEST_F(TokenVerifierTest, AcceptsRs256) {
  std::string token = SignToken(rsa_key_, RsaHeader(), GoodClaims());
  absl::StatusOr<Caller> caller = verifier_->Verify(token, kNow);
  ASSERT_TRUE(caller.ok()) << caller.status();
  EXPECT_EQ(caller->subject, "people/7");
  EXPECT_EQ(caller->bearer_token, token);
  EXPECT_EQ(caller->expires, kNow + absl::Hours(1));
  EXPECT_FALSE(caller->platform_admin);
  EXPECT_FALSE(caller->service);
}

TEST_F(TokenVerifierTest, AcceptsEs256) {
  absl::StatusOr<Caller> caller = verifier_->Verify(EcToken(GoodClaims()), kNow);
  ASSERT_TRUE(caller.ok()) << caller.status();
  EXPECT_EQ(caller->subject, "people/7");
}

TEST_F(TokenVerifierTest, RefusesDerEncodedEs256Signature) {
  ExpectRejected(SignToken(ec_key_, EcHeader(), GoodClaims(), SigForm::kDer), "signature");
}

TEST(TokenVerifierInteropTest, AcceptsPyJwtTokens) {
  auto verifier =
      TokenVerifier::Create({.issuer = kIssuer, .audience = kAudience},
                            {{"idp-ec", kPyJwtEcPublicKey}, {"idp-rsa", kPyJwtRsaPublicKey}});
  ASSERT_TRUE(verifier.ok()) << verifier.status();
  for (const char* token : {kPyJwtEs256Token, kPyJwtRs256Token}) {
    absl::StatusOr<Caller> caller = (*verifier)->Verify(token, kNow);
    ASSERT_TRUE(caller.ok()) << caller.status();
    EXPECT_EQ(caller->subject, "people/42");
    EXPECT_TRUE(caller->platform_admin);  // "openid samepage.admin"
    EXPECT_FALSE(caller->service);
    EXPECT_EQ(caller->expires, absl::FromUnixSeconds(4102444800));
  }
}

TEST_F(TokenVerifierTest, RejectsExpired) {
  Json claims = GoodClaims();
  claims["exp"] = absl::ToUnixSeconds(kNow - absl::Minutes(5));
  ExpectRejected(EcToken(claims), "expired");
}

TEST_F(TokenVerifierTest, ToleratesClockSkewOnExpiry) {
  Json claims = GoodClaims();
  claims["exp"] = absl::ToUnixSeconds(kNow - absl::Seconds(30));
  EXPECT_TRUE(verifier_->Verify(EcToken(claims), kNow).ok());
  // At exp + skew the token is over.
  ExpectRejected(EcToken(claims), "expired", kNow + absl::Seconds(30));
}

TEST_F(TokenVerifierTest, RejectsNotYetValid) {
  Json claims = GoodClaims();
  claims["nbf"] = absl::ToUnixSeconds(kNow + absl::Minutes(5));
  ExpectRejected(EcToken(claims), "not valid before");
}

TEST_F(TokenVerifierTest, ToleratesClockSkewOnNotBefore) {
  Json claims = GoodClaims();
  claims["nbf"] = absl::ToUnixSeconds(kNow + absl::Seconds(59));
  claims["iat"] = absl::ToUnixSeconds(kNow + absl::Seconds(59));
  EXPECT_TRUE(verifier_->Verify(EcToken(claims), kNow).ok());
}

TEST_F(TokenVerifierTest, RejectsIssuedInTheFuture) {
  Json claims = GoodClaims();
  claims["iat"] = absl::ToUnixSeconds(kNow + absl::Minutes(5));
  ExpectRejected(EcToken(claims), "issued in the future");
}

TEST_F(TokenVerifierTest, AcceptsFractionalNumericDates) {
  Json claims = GoodClaims();
  claims["exp"] = absl::ToDoubleSeconds(kNow - absl::UnixEpoch()) + 10.5;
  absl::StatusOr<Caller> caller = verifier_->Verify(EcToken(claims), kNow);
  ASSERT_TRUE(caller.ok()) << caller.status();
  EXPECT_EQ(caller->expires, kNow + absl::Milliseconds(10500));
}

TEST_F(TokenVerifierTest, RejectsWrongIssuer) {
  Json claims = GoodClaims();
  claims["iss"] = "https://evil.example";
  ExpectRejected(EcToken(claims), "issuer \"https://evil.example\"");
  claims.erase("iss");
  ExpectRejected(EcToken(claims), "missing \"iss\"");
}

TEST_F(TokenVerifierTest, RejectsWrongAudience) {
  Json claims = GoodClaims();
  claims["aud"] = "other";
  ExpectRejected(EcToken(claims), "audience");
  claims.erase("aud");
  ExpectRejected(EcToken(claims), "missing \"aud\"");
}

TEST_F(TokenVerifierTest, AcceptsAudienceArray) {
  Json claims = GoodClaims();
  claims["aud"] = {"other", kAudience};
  EXPECT_TRUE(verifier_->Verify(EcToken(claims), kNow).ok());
  claims["aud"] = {"other", "more"};
  ExpectRejected(EcToken(claims), "audience list");
}

TEST_F(TokenVerifierTest, RejectsTamperedPayload) {
  std::string token = EcToken(GoodClaims());
  Json claims = GoodClaims();
  claims["sub"] = "people/1";  // someone else
  ExpectRejected(ReplaceSegment(token, 1, B64(claims.dump())), "signature does not verify");
}

TEST_F(TokenVerifierTest, RejectsTamperedSignature) {
  for (std::string token :
       {EcToken(GoodClaims()), SignToken(rsa_key_, RsaHeader(), GoodClaims())}) {
    std::vector<std::string> parts = absl::StrSplit(token, '.');
    std::string sig;
    ASSERT_TRUE(absl::WebSafeBase64Unescape(parts[2], &sig));
    sig[sig.size() / 2] ^= 0x01;
    ExpectRejected(ReplaceSegment(token, 2, B64(sig)), "signature does not verify");
  }
}

TEST_F(TokenVerifierTest, RefusesAlgNone) {
  Json header = {{"alg", "none"}, {"typ", "JWT"}};
  std::string token = absl::StrCat(B64(header.dump()), ".", B64(GoodClaims().dump()), ".");
  ExpectRejected(token, "algorithm \"none\" is not accepted");
  // Also with a made-up signature, which a careless library might ignore.
  ExpectRejected(token + "c2ln", "algorithm \"none\" is not accepted");
}

TEST_F(TokenVerifierTest, RefusesHs256SignedWithThePublicKey) {
  // The classic algorithm-confusion attack: the public key, which anyone may
  // have, used as the HMAC secret.
  ExpectRejected(HmacToken(PublicPem(rsa_key_), GoodClaims()),
                 "algorithm \"HS256\" is not accepted");
  ExpectRejected(HmacToken(PublicPem(ec_key_), GoodClaims()),
                 "algorithm \"HS256\" is not accepted");
}

TEST_F(TokenVerifierTest, RefusesAlgorithmThatDoesNotMatchTheKey) {
  // ES256 in the header but kid names the RSA key.
  Json header = {{"alg", "ES256"}, {"kid", "rsa-1"}};
  ExpectRejected(SignToken(ec_key_, header, GoodClaims()), "key \"rsa-1\" is for RS256, not ES256");
}

TEST_F(TokenVerifierTest, RejectsUnknownKid) {
  Json header = {{"alg", "ES256"}, {"kid", "nope"}};
  ExpectRejected(SignToken(ec_key_, header, GoodClaims()), "unknown key id \"nope\"");
}

TEST_F(TokenVerifierTest, WithoutKidTriesEveryKeyOfTheAlgorithm) {
  PkeyPtr second = NewEcKey();
  auto verifier =
      TokenVerifier::Create({.issuer = kIssuer, .audience = kAudience},
                            {{"ec-1", PublicPem(ec_key_)}, {"ec-2", PublicPem(second.get())}});
  ASSERT_TRUE(verifier.ok()) << verifier.status();
  Json header = {{"alg", "ES256"}};
  EXPECT_TRUE((*verifier)->Verify(SignToken(second.get(), header, GoodClaims()), kNow).ok());
  PkeyPtr stranger = NewEcKey();
  absl::StatusOr<Caller> caller =
      (*verifier)->Verify(SignToken(stranger.get(), header, GoodClaims()), kNow);
  EXPECT_EQ(caller.status().code(), absl::StatusCode::kUnauthenticated);
}

TEST_F(TokenVerifierTest, RejectsMissingSubOrExp) {
  Json claims = GoodClaims();
  claims.erase("sub");
  ExpectRejected(EcToken(claims), "missing \"sub\"");
  claims = GoodClaims();
  claims["sub"] = "";
  ExpectRejected(EcToken(claims), "missing \"sub\"");
  claims = GoodClaims();
  claims.erase("exp");
  ExpectRejected(EcToken(claims), "missing \"exp\"");
  claims = GoodClaims();
  claims["exp"] = "tomorrow";
  ExpectRejected(EcToken(claims), "\"exp\" is not a number");
}

TEST_F(TokenVerifierTest, RejectsMalformedTokens) {
  ExpectRejected("", "empty");
  ExpectRejected("abc", "three dot-separated parts");
  ExpectRejected("a.b.c.d", "three dot-separated parts");
  ExpectRejected("a b.c.d", "unexpected character");
  ExpectRejected(std::string("a\0b.c.d", 7), "unexpected character");
  ExpectRejected(absl::StrCat(B64("not json"), ".", B64("{}"), ".c2ln"),
                 "header is not a JSON object");
  ExpectRejected(absl::StrCat(B64(R"({"alg":"ES256"})"), ".", B64("[1]"), ".c2ln"),
                 "payload is not a JSON object");
  ExpectRejected(absl::StrCat(B64(R"({"alg":"ES256"})"), ".", B64(GoodClaims().dump()), "."),
                 "missing signature");
  ExpectRejected(std::string(20000, 'a'), "longer than");
}

TEST_F(TokenVerifierTest, MapsScopesToCallerFlags) {
  struct Case {
    Json scope;
    bool admin;
    bool service;
  };
  for (const Case& c : std::vector<Case>{
           {"samepage.admin", true, false},
           {"openid samepage.service", false, true},
           {"samepage.service  samepage.admin", true, true},
           {"samepage.administrator samepage", false, false},
           {Json::array({"samepage.admin"}), true, false},
       }) {
    Json claims = GoodClaims();
    claims["scope"] = c.scope;
    absl::StatusOr<Caller> caller = verifier_->Verify(EcToken(claims), kNow);
    ASSERT_TRUE(caller.ok()) << caller.status();
    EXPECT_EQ(caller->platform_admin, c.admin) << c.scope.dump();
    EXPECT_EQ(caller->service, c.service) << c.scope.dump();
  }
}

TEST_F(TokenVerifierTest, IsSafeForConcurrentUse) {
  std::string good = EcToken(GoodClaims());
  std::string bad = ReplaceSegment(good, 1, B64(R"({"sub":"x"})"));
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        if (!verifier_->Verify(good, kNow).ok()) ++failures;
        if (verifier_->Verify(bad, kNow).ok()) ++failures;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
}

TEST_F(TokenVerifierTest, RemembersATokenOnlyUntilItExpires) {
  Json claims = GoodClaims();
  claims["exp"] = absl::ToUnixSeconds(kNow + absl::Seconds(10));
  std::string token = EcToken(claims);
  ASSERT_TRUE(verifier_->Verify(token, kNow).ok());
  absl::StatusOr<Caller> again = verifier_->Verify(token, kNow + absl::Seconds(5));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->subject, "people/7");
  EXPECT_EQ(again->bearer_token, token);
  // Past exp + skew the token is refused although it verified before.
  ExpectRejected(token, "expired", kNow + absl::Seconds(75));
}

TEST_F(TokenVerifierTest, RemembersATokenOnlyFromWhenItWasVerified) {
  Json claims = GoodClaims();
  claims["nbf"] = absl::ToUnixSeconds(kNow + absl::Minutes(5));
  std::string token = EcToken(claims);
  ASSERT_TRUE(verifier_->Verify(token, kNow + absl::Minutes(5)).ok());
  ExpectRejected(token, "not valid before", kNow);
}

TEST_F(TokenVerifierTest, ARememberedTokenDoesNotVouchForATamperedOne) {
  std::string good = EcToken(GoodClaims());
  ASSERT_TRUE(verifier_->Verify(good, kNow).ok());
  Json claims = GoodClaims();
  claims["scope"] = "samepage.admin";
  ExpectRejected(ReplaceSegment(good, 1, B64(claims.dump())), "signature");
}

TEST(VerifiedTokenCacheTest, IsBoundedAndForgetsAfterItsTtl) {
  VerifiedTokenCache cache(/*capacity=*/10, /*ttl=*/absl::Seconds(30));
  Caller caller;
  caller.subject = "people/1";
  caller.expires = kNow + absl::Hours(1);
  for (int i = 0; i < 25; ++i) {
    caller.bearer_token = absl::StrCat("token-", i);
    cache.Insert(caller.bearer_token, caller, kNow);
    EXPECT_LE(cache.size(), 10u);
  }
  std::optional<Caller> last = cache.Find("token-24", kNow + absl::Seconds(29));
  ASSERT_TRUE(last.has_value());
  EXPECT_EQ(last->subject, "people/1");
  EXPECT_FALSE(cache.Find("token-24", kNow + absl::Seconds(30)).has_value());
  EXPECT_FALSE(cache.Find("token-99", kNow).has_value());
}

TEST(VerifiedTokenCacheTest, ZeroCapacityRemembersNothing) {
  VerifiedTokenCache cache(/*capacity=*/0, /*ttl=*/absl::Seconds(30));
  Caller caller;
  caller.bearer_token = "t";
  caller.expires = kNow + absl::Hours(1);
  cache.Insert("t", caller, kNow);
  EXPECT_FALSE(cache.Find("t", kNow).has_value());
}

TEST(TokenVerifierCreateTest, AcceptsCertificate) {
  PkeyPtr key = NewRsaKey();
  auto verifier = TokenVerifier::Create({.issuer = kIssuer, .audience = kAudience},
                                        {{"cert", SelfSignedCertificatePem(key.get())}});
  ASSERT_TRUE(verifier.ok()) << verifier.status();
  Json header = {{"alg", "RS256"}, {"kid", "cert"}};
  EXPECT_TRUE((*verifier)->Verify(SignToken(key.get(), header, GoodClaims()), kNow).ok());
}

TEST(TokenVerifierCreateTest, RejectsUnusableKeysNamingThem) {
  VerifierOptions options{.issuer = kIssuer, .audience = kAudience};
  PkeyPtr ec = NewEcKey();
  PkeyPtr weak_rsa = NewRsaKey(1024);
  PkeyPtr p384 = NewEcKey("P-384");
  struct Case {
    std::string pem;
    std::string why;
  };
  for (const Case& c : std::vector<Case>{
           {"not a key", "not a readable PEM"},
           {PrivatePem(ec.get()), "is a private key"},
           {PublicPem(weak_rsa.get()), "1024 bits"},
           {PublicPem(p384.get()), "only P-256"},
       }) {
    auto verifier = TokenVerifier::Create(options, {{"bad-key", c.pem}});
    EXPECT_EQ(verifier.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(verifier.status().message(), HasSubstr("key \"bad-key\""));
    EXPECT_THAT(verifier.status().message(), HasSubstr(c.why));
  }
}

TEST(TokenVerifierCreateTest, RejectsBadOptions) {
  PkeyPtr ec = NewEcKey();
  std::string pem = PublicPem(ec.get());
  EXPECT_EQ(
      TokenVerifier::Create({.issuer = "", .audience = kAudience}, {{"k", pem}}).status().code(),
      absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(
      TokenVerifier::Create({.issuer = kIssuer, .audience = ""}, {{"k", pem}}).status().code(),
      absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(TokenVerifier::Create({.issuer = kIssuer, .audience = kAudience}, {}).status().code(),
            absl::StatusCode::kInvalidArgument);
  auto duplicate =
      TokenVerifier::Create({.issuer = kIssuer, .audience = kAudience}, {{"k", pem}, {"k", pem}});
  EXPECT_THAT(duplicate.status().message(), HasSubstr("duplicate key id"));
}

TEST(LoadKeyFilesTest, UsesFileNameAsKeyId) {
  ScopedTempDir dir;
  PkeyPtr ec = NewEcKey();
  std::string path = dir.path() + "/idp-2024.pem";
  std::ofstream(path) << PublicPem(ec.get());
  auto keys = TokenVerifier::LoadKeyFiles({path});
  ASSERT_TRUE(keys.ok()) << keys.status();
  ASSERT_EQ(keys->size(), 1u);
  EXPECT_EQ((*keys)[0].key_id, "idp-2024");
  EXPECT_EQ((*keys)[0].pem, PublicPem(ec.get()));

  EXPECT_EQ(TokenVerifier::LoadKeyFiles({dir.path() + "/missing.pem"}).status().code(),
            absl::StatusCode::kNotFound);
}

// ---------------------------------------------------------------------------
// Caller

TEST(CallerTest, PersonName) {
  auto person_name = [](std::string subject) {
    Caller caller;
    caller.subject = std::move(subject);
    return caller.PersonName();
  };
  EXPECT_EQ(person_name("people/42"), "people/42");
  EXPECT_EQ(person_name("service:registry"), "");
  EXPECT_EQ(person_name("people/"), "");
  EXPECT_EQ(person_name("people/42/cases/1"), "");
  EXPECT_EQ(person_name("peoplex/42"), "");
  EXPECT_EQ(person_name(""), "");
}

// ---------------------------------------------------------------------------
// DevTokenIssuer

absl::StatusOr<std::unique_ptr<TokenVerifier>> DevVerifier(const DevTokenIssuer& issuer) {
  return TokenVerifier::Create({.issuer = kDevIssuer, .audience = kDefaultAudience},
                               {issuer.public_key()});
}

TEST(DevTokenIssuerTest, CreatesPrivateKeyAndFolder) {
  ScopedTempDir dir;
  std::string data_dir = dir.path() + "/nested/data";
  auto issuer = DevTokenIssuer::LoadOrCreate(data_dir);
  ASSERT_TRUE(issuer.ok()) << issuer.status();
  struct stat info;
  ASSERT_EQ(stat((data_dir + "/dev-signing-key.pem").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600);
  ASSERT_EQ(stat(data_dir.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0700);
  EXPECT_EQ((*issuer)->public_key().key_id, "dev");
  // No temporary files left behind.
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(data_dir)) {
    (void)entry;
    ++files;
  }
  EXPECT_EQ(files, 1);
}

TEST(DevTokenIssuerTest, IssuesTokensTheVerifierAccepts) {
  ScopedTempDir dir;
  auto issuer = DevTokenIssuer::LoadOrCreate(dir.path());
  ASSERT_TRUE(issuer.ok()) << issuer.status();
  auto verifier = DevVerifier(**issuer);
  ASSERT_TRUE(verifier.ok()) << verifier.status();

  auto token = (*issuer)->Issue("people/9", {"samepage.admin"}, absl::Hours(1), kNow);
  ASSERT_TRUE(token.ok()) << token.status();
  absl::StatusOr<Caller> caller = (*verifier)->Verify(*token, kNow);
  ASSERT_TRUE(caller.ok()) << caller.status();
  EXPECT_EQ(caller->subject, "people/9");
  EXPECT_EQ(caller->PersonName(), "people/9");
  EXPECT_TRUE(caller->platform_admin);
  EXPECT_FALSE(caller->service);
  EXPECT_EQ(caller->expires, kNow + absl::Hours(1));
  EXPECT_EQ(caller->bearer_token, *token);

  // The header names the key and the algorithm.
  std::string header;
  ASSERT_TRUE(absl::WebSafeBase64Unescape(std::vector<std::string>(absl::StrSplit(*token, '.'))[0],
                                          &header));
  Json parsed = Json::parse(header);
  EXPECT_EQ(parsed["alg"], "ES256");
  EXPECT_EQ(parsed["kid"], "dev");

  auto service = (*issuer)->Issue("service:registry", {"samepage.service"}, absl::Minutes(5), kNow);
  ASSERT_TRUE(service.ok()) << service.status();
  caller = (*verifier)->Verify(*service, kNow);
  ASSERT_TRUE(caller.ok()) << caller.status();
  EXPECT_TRUE(caller->service);
  EXPECT_EQ(caller->PersonName(), "");

  // Expiry and audience are honoured.
  EXPECT_FALSE((*verifier)->Verify(*token, kNow + absl::Hours(2)).ok());
  auto other_audience = (*issuer)->Issue("people/9", {}, absl::Hours(1), kNow, "elsewhere");
  ASSERT_TRUE(other_audience.ok());
  EXPECT_FALSE((*verifier)->Verify(*other_audience, kNow).ok());
}

TEST(DevTokenIssuerTest, ReloadsTheSameKey) {
  ScopedTempDir dir;
  auto first = DevTokenIssuer::LoadOrCreate(dir.path());
  ASSERT_TRUE(first.ok()) << first.status();
  auto token = (*first)->Issue("people/1", {}, absl::Hours(1), kNow);
  ASSERT_TRUE(token.ok());

  auto second = DevTokenIssuer::LoadOrCreate(dir.path());
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ((*second)->public_key().pem, (*first)->public_key().pem);
  auto verifier = DevVerifier(**second);
  ASSERT_TRUE(verifier.ok());
  EXPECT_TRUE((*verifier)->Verify(*token, kNow).ok());

  auto loaded = DevTokenIssuer::Load(dir.path());
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ((*loaded)->public_key().pem, (*first)->public_key().pem);
}

TEST(DevTokenIssuerTest, LoadWithoutKeyIsNotFound) {
  ScopedTempDir dir;
  auto issuer = DevTokenIssuer::Load(dir.path());
  EXPECT_EQ(issuer.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(issuer.status().message(), HasSubstr("dev-signing-key.pem"));
  // Load never creates anything.
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

TEST(DevTokenIssuerTest, RefusesKeyReadableByOthers) {
  ScopedTempDir dir;
  ASSERT_TRUE(DevTokenIssuer::LoadOrCreate(dir.path()).ok());
  std::string path = dir.path() + "/dev-signing-key.pem";
  ASSERT_EQ(chmod(path.c_str(), 0644), 0);
  auto issuer = DevTokenIssuer::LoadOrCreate(dir.path());
  EXPECT_EQ(issuer.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(issuer.status().message(), HasSubstr("chmod 600"));
}

TEST(DevTokenIssuerTest, RejectsCorruptKeyFile) {
  ScopedTempDir dir;
  std::string path = dir.path() + "/dev-signing-key.pem";
  std::ofstream(path) << "garbage";
  ASSERT_EQ(chmod(path.c_str(), 0600), 0);
  auto issuer = DevTokenIssuer::LoadOrCreate(dir.path());
  EXPECT_EQ(issuer.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(issuer.status().message(), HasSubstr(path));
}

TEST(DevTokenIssuerTest, IssueRejectsBadArguments) {
  ScopedTempDir dir;
  auto issuer = DevTokenIssuer::LoadOrCreate(dir.path());
  ASSERT_TRUE(issuer.ok());
  EXPECT_EQ((*issuer)->Issue("", {}, absl::Hours(1), kNow).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ((*issuer)->Issue("people/1", {}, absl::ZeroDuration(), kNow).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ((*issuer)->Issue("people/1", {"a b"}, absl::Hours(1), kNow).status().code(),
            absl::StatusCode::kInvalidArgument);
}

// ---------------------------------------------------------------------------
// AuthenticateMetadata

class AuthenticateMetadataTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto issuer = DevTokenIssuer::LoadOrCreate(dir_.path());
    ASSERT_TRUE(issuer.ok()) << issuer.status();
    issuer_ = *std::move(issuer);
    auto verifier = DevVerifier(*issuer_);
    ASSERT_TRUE(verifier.ok()) << verifier.status();
    verifier_ = *std::move(verifier);
    auto token = issuer_->Issue("people/5", {}, absl::Hours(1), kNow);
    ASSERT_TRUE(token.ok());
    token_ = *token;
  }

  absl::StatusOr<Caller> Authenticate(
      const std::vector<std::pair<std::string, std::string>>& entries) {
    // string_ref does not own; the strings live in `entries`.
    std::multimap<grpc::string_ref, grpc::string_ref> metadata;
    for (const auto& [key, value] : entries) metadata.emplace(key, value);
    return AuthenticateMetadata(metadata, *verifier_, kNow);
  }

  ScopedTempDir dir_;
  std::unique_ptr<DevTokenIssuer> issuer_;
  std::unique_ptr<TokenVerifier> verifier_;
  std::string token_;
};

TEST_F(AuthenticateMetadataTest, MissingHeader) {
  absl::StatusOr<Caller> caller = Authenticate({{"x-other", "1"}});
  EXPECT_EQ(caller.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(caller.status().message(), HasSubstr("missing bearer token"));
}

TEST_F(AuthenticateMetadataTest, WrongScheme) {
  absl::StatusOr<Caller> caller = Authenticate({{"authorization", "Basic dXNlcjpwYXNz"}});
  EXPECT_EQ(caller.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(caller.status().message(), HasSubstr("not a Bearer token"));
  caller = Authenticate({{"authorization", token_}});  // no scheme at all
  EXPECT_EQ(caller.status().code(), absl::StatusCode::kUnauthenticated);
  caller = Authenticate({{"authorization", "Bearer "}});
  EXPECT_EQ(caller.status().code(), absl::StatusCode::kUnauthenticated);
}

TEST_F(AuthenticateMetadataTest, GoodToken) {
  for (const char* scheme : {"Bearer ", "bearer "}) {
    absl::StatusOr<Caller> caller =
        Authenticate({{"x-other", "1"}, {"authorization", scheme + token_}});
    ASSERT_TRUE(caller.ok()) << caller.status();
    EXPECT_EQ(caller->subject, "people/5");
    EXPECT_EQ(caller->bearer_token, token_);
  }
}

TEST_F(AuthenticateMetadataTest, BadToken) {
  absl::StatusOr<Caller> caller = Authenticate({{"authorization", "Bearer " + token_ + "x"}});
  EXPECT_EQ(caller.status().code(), absl::StatusCode::kUnauthenticated);
}

TEST_F(AuthenticateMetadataTest, RefusesTwoCredentials) {
  absl::StatusOr<Caller> caller =
      Authenticate({{"authorization", "Bearer " + token_}, {"authorization", "Bearer " + token_}});
  EXPECT_EQ(caller.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(caller.status().message(), HasSubstr("more than one"));
}

}  // namespace
}  // namespace samepage::identity
