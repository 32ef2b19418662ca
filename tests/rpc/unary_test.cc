#include "common/rpc/unary.h"

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "common/clock/clock.h"
#include "common/identity/dev_token_issuer.h"
#include "common/identity/token_verifier.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"
#include "tests/testing/temp_dir.h"

namespace samepage::rpc {
namespace {

using grpc::health::v1::Health;
using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;

// Check is a read (its handler runs where HandlerThreads puts reads); Watch
// is not used. Remembers on which thread the call arrived and on which its
// handler ran.
class PlacementService final : public Health::CallbackService {
 public:
  PlacementService(const Authenticator* auth, bool reads_where_they_arrive)
      : auth_(auth), threads_(4, reads_where_they_arrive) {}

  grpc::ServerUnaryReactor* Check(grpc::CallbackServerContext* ctx, const HealthCheckRequest* req,
                                  HealthCheckResponse* resp) override {
    {
      absl::MutexLock lock(&mu_);
      arrived_ = std::this_thread::get_id();
    }
    return RunUnary(ctx, *auth_, threads_.reads(), req, resp,
                    [this](const identity::Caller&,
                           const HealthCheckRequest&) -> absl::StatusOr<HealthCheckResponse> {
                      absl::MutexLock lock(&mu_);
                      handled_ = std::this_thread::get_id();
                      HealthCheckResponse out;
                      out.set_status(HealthCheckResponse::SERVING);
                      return out;
                    });
  }

  bool HandledWhereItArrived() {
    absl::MutexLock lock(&mu_);
    return arrived_ == handled_;
  }

 private:
  const Authenticator* auth_;
  HandlerThreads threads_;
  absl::Mutex mu_;
  std::thread::id arrived_ ABSL_GUARDED_BY(mu_);
  std::thread::id handled_ ABSL_GUARDED_BY(mu_);
};

class UnaryTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    auto issuer = identity::DevTokenIssuer::LoadOrCreate(dir_.path());
    ASSERT_TRUE(issuer.ok()) << issuer.status();
    issuer_ = *std::move(issuer);
    auto verifier = identity::TokenVerifier::Create(
        {.issuer = identity::kDevIssuer, .audience = identity::kDefaultAudience},
        {issuer_->public_key()});
    ASSERT_TRUE(verifier.ok()) << verifier.status();
    verifier_ = *std::move(verifier);
    auth_ = std::make_unique<Authenticator>(verifier_.get(), &clock_);
    service_ = std::make_unique<PlacementService>(auth_.get(), GetParam());
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    stub_ = Health::NewStub(grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                                                grpc::InsecureChannelCredentials()));
  }

  void TearDown() override {
    if (server_ != nullptr) server_->Shutdown(std::chrono::system_clock::now());
  }

  grpc::Status Check(const std::string& token) {
    grpc::ClientContext ctx;
    if (!token.empty()) ctx.AddMetadata("authorization", "Bearer " + token);
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    HealthCheckResponse resp;
    return stub_->Check(&ctx, HealthCheckRequest(), &resp);
  }

  samepage::testing::TempDir dir_;
  SystemClock clock_;
  std::unique_ptr<identity::DevTokenIssuer> issuer_;
  std::unique_ptr<identity::TokenVerifier> verifier_;
  std::unique_ptr<Authenticator> auth_;
  std::unique_ptr<PlacementService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<Health::Stub> stub_;
};

TEST_P(UnaryTest, ReadsRunWhereTheyArriveOnlyWhenAsked) {
  auto token = issuer_->Issue("people/p1", {}, absl::Minutes(5), absl::Now());
  ASSERT_TRUE(token.ok()) << token.status();
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(Check(*token).ok());
    EXPECT_EQ(service_->HandledWhereItArrived(), GetParam()) << "call " << i;
  }
}

TEST_P(UnaryTest, RefusesAnUnauthenticatedCallWhereverReadsRun) {
  grpc::Status status = Check("");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_NE(status.error_message().find("bearer token"), std::string::npos)
      << status.error_message();
}

INSTANTIATE_TEST_SUITE_P(Placement, UnaryTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "ReadsWhereTheyArrive" : "ReadsOnWorkers";
                         });

}  // namespace
}  // namespace samepage::rpc
