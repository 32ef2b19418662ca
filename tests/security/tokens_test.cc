// Bearer tokens from an agency's identity provider, verified with keys from
// a JWKS file that rotates, and refused once their person has departed.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/clock/time_util.h"
#include "common/identity/jwks.h"
#include "samepage/directory/v1/directory_service.grpc.pb.h"
#include "samepage/registry/v1/registry_service.grpc.pb.h"
#include "tests/security/secure_server.h"

namespace samepage::testing {
namespace {

namespace dir = ::samepage::directory::v1;
namespace reg = ::samepage::registry::v1;
using ::testing::HasSubstr;

class TokensTest : public ::testing::Test {
 protected:
  void SetUp() override {
    idp_.AddRsaKey("rsa-1");
    idp_.AddEcKey("ec-1");
    server_.options().person_status_ttl = absl::ZeroDuration();
    ASSERT_TRUE(server_.Start().ok());
    stub_ = dir::Directory::NewStub(server_.PlaintextChannel());
  }

  grpc::Status Call(const std::string& token) const {
    dir::ListOrganizationsRequest req;
    dir::ListOrganizationsResponse resp;
    return stub_->ListOrganizations(SecureServer::Context(token).get(), req, &resp);
  }

  void ExpectRefused(const std::string& token, const std::string& why) const {
    grpc::Status s = Call(token);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED) << s.error_message();
    EXPECT_THAT(s.error_message(), HasSubstr(why));
  }

  std::string Admin() const { return idp_.Token("rsa-1", "admin", "samepage.admin"); }

  TestIdp idp_;
  SecureServer server_{&idp_};
  std::unique_ptr<dir::Directory::Stub> stub_;
};

TEST_F(TokensTest, AcceptsRs256AndEs256KeysFromTheJwks) {
  grpc::Status rsa = Call(idp_.Token("rsa-1", "people/dana"));
  EXPECT_TRUE(rsa.ok()) << rsa.error_message();
  grpc::Status ec = Call(idp_.Token("ec-1", "people/dana"));
  EXPECT_TRUE(ec.ok()) << ec.error_message();
}

TEST_F(TokensTest, RefusesExpiredTokens) {
  nlohmann::json claims = TestIdp::Claims("people/dana");
  int64_t now = absl::ToUnixSeconds(absl::Now());
  claims["iat"] = claims["nbf"] = now - 7200;
  claims["exp"] = now - 3600;
  ExpectRefused(idp_.Sign("rsa-1", claims), "expired");
}

TEST_F(TokensTest, RefusesAnotherAudience) {
  ExpectRefused(idp_.Sign("ec-1", TestIdp::Claims("people/dana", "", "someone-else")),
                "audience");
}

TEST_F(TokensTest, RefusesATamperedSignature) {
  for (const char* kid : {"rsa-1", "ec-1"}) {
    std::string token = idp_.Token(kid, "people/dana");
    size_t at = token.rfind('.') + 5;
    token[at] = token[at] == 'A' ? 'B' : 'A';
    ExpectRefused(token, "signature");
  }
}

TEST_F(TokensTest, RefusesAnUnknownKeyId) {
  idp_.AddRsaKey("never-published");
  ExpectRefused(idp_.Token("never-published", "people/dana"), "unknown key id");
}

TEST_F(TokensTest, FollowsKeyRotationWithoutARestart) {
  idp_.AddEcKey("ec-2");
  std::string next = idp_.Token("ec-2", "people/dana");
  ExpectRefused(next, "unknown key id");

  // The identity provider publishes ec-2 and withdraws rsa-1 and ec-1.
  server_.PublishKeys({"ec-2"});
  grpc::Status s = Call(next);
  EXPECT_TRUE(s.ok()) << s.error_message();
  ExpectRefused(idp_.Token("rsa-1", "people/dana"), "unknown key id");
  ExpectRefused(idp_.Token("ec-1", "people/dana"), "unknown key id");
}

TEST_F(TokensTest, ABrokenJwksLeavesTheKeysInForce) {
  WriteFileAtomically(server_.options().jwks_file, "{ not json");
  grpc::Status s = Call(idp_.Token("rsa-1", "people/dana"));
  EXPECT_TRUE(s.ok()) << s.error_message();
}

TEST_F(TokensTest, DepartedPersonsTokensAreRefused) {
  dir::CreateOrganizationRequest org_req;
  org_req.set_organization_id("sunrise");
  org_req.mutable_organization()->set_display_name("Sunrise Family Services");
  org_req.mutable_organization()->set_kind(dir::Organization::KIND_CHILD_WELFARE_AGENCY);
  dir::Organization org;
  ASSERT_TRUE(stub_->CreateOrganization(SecureServer::Context(Admin()).get(), org_req, &org).ok());
  for (const char* id : {"dana", "sam"}) {
    dir::CreatePersonRequest req;
    req.set_person_id(id);
    req.mutable_person()->set_display_name(id);
    req.mutable_person()->set_organization(org.name());
    dir::Person person;
    grpc::Status s = stub_->CreatePerson(SecureServer::Context(Admin()).get(), req, &person);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  const std::string dana = idp_.Token("rsa-1", "people/dana");
  ASSERT_TRUE(Call(dana).ok());

  dir::RecordDepartureRequest departure;
  departure.set_name("people/dana");
  *departure.mutable_effective_time() = ToProtoTime(absl::Now() - absl::Seconds(1));
  departure.set_successor("people/sam");
  dir::Person departed;
  grpc::Status s =
      stub_->RecordDeparture(SecureServer::Context(Admin()).get(), departure, &departed);
  ASSERT_TRUE(s.ok()) << s.error_message();

  ExpectRefused(dana, "departed");
  // Every service of the server applies it, not only the directory.
  reg::ListCasesRequest cases;
  reg::ListCasesResponse listed;
  s = reg::CaseRegistry::NewStub(server_.PlaintextChannel())
          ->ListCases(SecureServer::Context(dana).get(), cases, &listed);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED) << s.error_message();
  // Others are unaffected.
  EXPECT_TRUE(Call(idp_.Token("rsa-1", "people/sam")).ok());
  EXPECT_TRUE(Call(Admin()).ok());
}

TEST(PemKeysTest, PemKeyFilesStillWorkAlongsideTheJwks) {
  TestIdp idp;
  idp.AddRsaKey("pem-key");
  SecureServer server(&idp);
  server.options().key_files = {server.WriteFile("pem-key.pem", idp.PublicPem("pem-key"))};
  server.PublishKeys({"svc"});
  ASSERT_TRUE(server.Start().ok());
  dir::ListOrganizationsRequest req;
  dir::ListOrganizationsResponse resp;
  grpc::Status s = dir::Directory::NewStub(server.PlaintextChannel())
                       ->ListOrganizations(
                           SecureServer::Context(idp.Token("pem-key", "people/dana")).get(), req,
                           &resp);
  EXPECT_TRUE(s.ok()) << s.error_message();
}

// The re-read of the JWKS file is rate-limited: made-up key ids must not
// make the server read the file on every call.
TEST(JwksVerifierTest, RereadsAtMostOncePerInterval) {
  TestIdp idp;
  idp.AddEcKey("ec-1");
  TempDir dir;
  const std::string path = dir.Sub("jwks.json");
  WriteFileAtomically(path, idp.Jwks());
  const absl::Time start = absl::Now();
  auto verifier = identity::JwksVerifier::Create(
      {.verifier = {.issuer = TestIdp::kIssuer, .audience = "samepage"},
       .jwks_file = path,
       .reload_interval = absl::Seconds(5)},
      start);
  ASSERT_TRUE(verifier.ok()) << verifier.status();

  idp.AddRsaKey("rsa-2");
  WriteFileAtomically(path, idp.Jwks({"rsa-2"}));
  const std::string next = idp.Token("rsa-2", "people/dana");
  const std::string old = idp.Token("ec-1", "people/dana");
  // Within the interval the old keys are still in force.
  EXPECT_FALSE((*verifier)->Verify(next, start + absl::Seconds(1)).ok());
  EXPECT_TRUE((*verifier)->Verify(old, start + absl::Seconds(1)).ok());
  // After it, the file is read again.
  EXPECT_TRUE((*verifier)->Verify(next, start + absl::Seconds(6)).ok());
  EXPECT_FALSE((*verifier)->Verify(old, start + absl::Seconds(6)).ok());
}

TEST(ParseJwksTest, NamesWhatIsWrong) {
  EXPECT_FALSE(identity::ParseJwks("[]").ok());
  absl::StatusOr<std::vector<identity::VerificationKey>> keys =
      identity::ParseJwks(R"({"keys":[{"kty":"EC","crv":"P-256","x":"AAAA","y":"AAAA","kid":"k"}]})");
  EXPECT_THAT(keys.status().message(), HasSubstr("keys[0]"));
  keys = identity::ParseJwks(R"({"keys":[{"kty":"RSA","n":"AQAB","e":"AQAB"}]})");
  EXPECT_THAT(keys.status().message(), HasSubstr("kid"));
  // Keys that could never verify an accepted token are skipped.
  keys = identity::ParseJwks(
      R"({"keys":[{"kty":"oct","k":"c2VjcmV0","kid":"h"},{"kty":"EC","crv":"P-384","kid":"p"}]})");
  ASSERT_TRUE(keys.ok()) << keys.status();
  EXPECT_TRUE(keys->empty());
}

}  // namespace
}  // namespace samepage::testing
