// TLS between clients, servers and peers: certificates from a throwaway CA,
// a real server on 127.0.0.1.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "samepage/directory/v1/directory_service.grpc.pb.h"
#include "tests/security/secure_server.h"
#include "tests/testing/run_binary.h"

namespace samepage::testing {
namespace {

namespace dir = ::samepage::directory::v1;
using ::testing::HasSubstr;

class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    TestCa::Leaf server_cert =
        ca_.Issue("samepaged.agency.test", {"samepaged.agency.test", "localhost"}, {"127.0.0.1"});
    server::ServerOptions& o = server_.options();
    o.tls_cert_file = server_.WriteFile("server.pem", server_cert.cert_pem);
    o.tls_key_file = server_.WriteFile("server.key", server_cert.key_pem);
    o.tls_client_ca_file = server_.WriteFile("ca.pem", ca_.pem());
    o.tls_allowed_peers = {"registry.samepage.internal"};
    o.backup_dir = server_.dir().Sub("backups");
    absl::Status started = server_.Start();
    ASSERT_TRUE(started.ok()) << started;
  }

  // A channel that trusts `roots` and presents `client` (none when empty).
  std::shared_ptr<grpc::Channel> Channel(const std::string& roots,
                                         const TestCa::Leaf* client = nullptr) const {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = roots;
    if (client != nullptr) {
      ssl.pem_cert_chain = client->cert_pem;
      ssl.pem_private_key = client->key_pem;
    }
    grpc::ChannelArguments args;
    args.SetSslTargetNameOverride("localhost");
    return grpc::CreateCustomChannel(server_.address(), grpc::SslCredentials(ssl), args);
  }

  grpc::Status ListOrganizations(const std::shared_ptr<grpc::Channel>& channel,
                                 const std::string& token) const {
    dir::ListOrganizationsRequest req;
    dir::ListOrganizationsResponse resp;
    return dir::Directory::NewStub(channel)->ListOrganizations(SecureServer::Context(token).get(),
                                                               req, &resp);
  }

  std::string ServiceToken() const { return idp_.Token("svc", "service:registry", "samepage.service"); }
  std::string PersonToken() const { return idp_.Token("svc", "people/dana"); }

  TestCa ca_{"SamePage Test CA"};
  TestIdp idp_;
  SecureServer server_{&idp_};
};

TEST_F(TlsTest, ExpectedPeerWithServiceTokenIsServed) {
  TestCa::Leaf registry = ca_.Issue("registry.samepage.internal", {"registry.samepage.internal"});
  grpc::Status s = ListOrganizations(Channel(ca_.pem(), &registry), ServiceToken());
  EXPECT_TRUE(s.ok()) << s.error_message();
}

TEST_F(TlsTest, ClientTrustingAnotherCaRefusesTheServer) {
  TestCa other("Some Other CA");
  TestCa::Leaf registry = ca_.Issue("registry.samepage.internal", {"registry.samepage.internal"});
  grpc::Status s = ListOrganizations(Channel(other.pem(), &registry), PersonToken());
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE) << s.error_message();
}

TEST_F(TlsTest, MissingClientCertificateIsRefused) {
  grpc::Status s = ListOrganizations(Channel(ca_.pem()), PersonToken());
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE) << s.error_message();
}

TEST_F(TlsTest, ClientCertificateFromAnotherCaIsRefused) {
  TestCa other("Some Other CA");
  TestCa::Leaf forged = other.Issue("registry.samepage.internal", {"registry.samepage.internal"});
  grpc::Status s = ListOrganizations(Channel(ca_.pem(), &forged), ServiceToken());
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE) << s.error_message();
}

TEST_F(TlsTest, UnexpectedPeerMayNotUseAServiceToken) {
  TestCa::Leaf intruder = ca_.Issue("intruder.samepage.internal", {"intruder.samepage.internal"});
  auto channel = Channel(ca_.pem(), &intruder);
  grpc::Status s = ListOrganizations(channel, ServiceToken());
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(s.error_message(), HasSubstr("intruder.samepage.internal"));

  // Event streams carry every record: the same rule.
  dir::WatchEventsRequest req;
  auto ctx = SecureServer::Context(ServiceToken());
  auto stream = dir::Directory::NewStub(channel)->WatchEvents(ctx.get(), req);
  dir::WatchEventsResponse event;
  EXPECT_FALSE(stream->Read(&event));
  EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::PERMISSION_DENIED);

  // A person's token is judged on its own; the certificate is only the
  // connection's.
  EXPECT_TRUE(ListOrganizations(channel, PersonToken()).ok());
}

TEST_F(TlsTest, ServicesHostedTogetherReachEachOtherOverMutualTls) {
  // The registry follows the directory's events through this server's own
  // port, presenting the server's certificate.
  TestCa::Leaf admin_client = ca_.Issue("ops.agency.test", {"ops.agency.test"});
  auto stub = dir::Directory::NewStub(Channel(ca_.pem(), &admin_client));
  dir::CreateOrganizationRequest req;
  req.set_organization_id("sunrise");
  req.mutable_organization()->set_display_name("Sunrise Family Services");
  req.mutable_organization()->set_kind(dir::Organization::KIND_CHILD_WELFARE_AGENCY);
  dir::Organization org;
  grpc::Status s = stub->CreateOrganization(
      SecureServer::Context(idp_.Token("svc", "admin", "samepage.admin")).get(), req, &org);
  ASSERT_TRUE(s.ok()) << s.error_message();
  bool followed = false;
  for (int i = 0; i < 500 && !followed; ++i) {
    followed = server_.host().DirectoryEventsHandled() > 0;
    if (!followed) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(followed);
}

TEST_F(TlsTest, CommandLineToolsReachAMutualTlsServerWithTheirOwnCertificate) {
  TestCa::Leaf ops = ca_.Issue("ops.agency.test", {"ops.agency.test"});
  const std::string ca = server_.WriteFile("client-ca.pem", ca_.pem());
  const std::string cert = server_.WriteFile("ops.pem", ops.cert_pem);
  const std::string key = server_.WriteFile("ops.key", ops.key_pem);
  const std::string admin = idp_.Token("svc", "admin", "samepage.admin");
  const std::vector<std::string> tls = {"--tls_ca", ca, "--tls_cert", cert, "--tls_key", key,
                                        "--tls_server_name", "localhost"};
  auto cli = [&](std::vector<std::string> flags, std::vector<std::string> command) {
    std::vector<std::string> args = {"--server", server_.address(), "--token", admin};
    args.insert(args.end(), flags.begin(), flags.end());
    args.insert(args.end(), command.begin(), command.end());
    return RunBinary(SAMEPAGE_CLI, args);
  };

  RunResult made = cli(tls, {"org", "create", "--id", "sunrise", "--name",
                              "Sunrise Family Services", "--kind", "child-welfare-agency"});
  EXPECT_EQ(made.exit_code, 0) << made;
  RunResult listed = cli(tls, {"org", "list"});
  EXPECT_EQ(listed.exit_code, 0) << listed;
  EXPECT_THAT(listed.out, HasSubstr("Sunrise Family Services"));

  // Without a client certificate, or in plaintext, the server is not reached.
  RunResult no_cert = cli({"--tls_ca", ca, "--tls_server_name", "localhost"}, {"org", "list"});
  EXPECT_NE(no_cert.exit_code, 0) << no_cert;
  RunResult plaintext = cli({}, {"org", "list"});
  EXPECT_NE(plaintext.exit_code, 0) << plaintext;
  // A key that is not the certificate's is named before anything is sent.
  TestCa::Leaf other = ca_.Issue("other.agency.test", {"other.agency.test"});
  RunResult mismatched = cli({"--tls_ca", ca, "--tls_cert", cert, "--tls_key",
                              server_.WriteFile("other.key", other.key_pem)},
                             {"org", "list"});
  EXPECT_NE(mismatched.exit_code, 0) << mismatched;
  EXPECT_THAT(mismatched.err, HasSubstr("--tls_key"));

  // An online backup, asked for over the same mutual TLS.
  std::vector<std::string> backup = {"backup", "--server", server_.address(), "--token_file",
                                     server_.WriteFile("admin.token", admin)};
  backup.insert(backup.end(), tls.begin(), tls.end());
  RunResult backed_up = RunBinary(SAMEPAGED_BINARY, backup, absl::Seconds(120));
  EXPECT_EQ(backed_up.exit_code, 0) << backed_up;
  std::vector<std::string> backup_plain = {"backup", "--server", server_.address(),
                                           "--token_file", server_.WriteFile("admin2.token", admin)};
  RunResult refused = RunBinary(SAMEPAGED_BINARY, backup_plain, absl::Seconds(60));
  EXPECT_NE(refused.exit_code, 0) << refused;
}

TEST(TlsStartTest, PlaintextOnANonLoopbackAddressIsRefused) {
  TestIdp idp;
  SecureServer server(&idp);
  server.options().listen_address = "0.0.0.0:0";
  absl::Status s = server.Start();
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(s.message(), HasSubstr("--insecure_plaintext"));
}

TEST(TlsStartTest, BadTlsFilesAreNamed) {
  TestIdp idp;
  TestCa ca("SamePage Test CA");
  TestCa::Leaf one = ca.Issue("a.test", {"a.test"});
  TestCa::Leaf two = ca.Issue("b.test", {"b.test"});
  SecureServer server(&idp);
  server.options().tls_cert_file = server.WriteFile("cert.pem", one.cert_pem);
  server.options().tls_key_file = server.WriteFile("key.pem", two.key_pem);
  server.options().tls_client_ca_file = server.WriteFile("ca.pem", ca.pem());
  absl::Status s = server.Start();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("--tls_key"));

  server.options().tls_key_file = server.WriteFile("key.pem", one.key_pem);
  server.options().tls_client_ca_file = "";
  s = server.Start();
  EXPECT_THAT(s.message(), HasSubstr("--tls_client_ca"));
}

}  // namespace
}  // namespace samepage::testing
