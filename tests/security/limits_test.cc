// Abuse limits: requests per caller and event streams per caller.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "samepage/directory/v1/directory_service.grpc.pb.h"
#include "tests/security/secure_server.h"

namespace samepage::testing {
namespace {

namespace dir = ::samepage::directory::v1;
using ::testing::HasSubstr;

grpc::Status ListOrganizations(dir::Directory::Stub& stub, const std::string& token) {
  dir::ListOrganizationsRequest req;
  dir::ListOrganizationsResponse resp;
  return stub.ListOrganizations(SecureServer::Context(token).get(), req, &resp);
}

TEST(LimitsTest, CallerOverTheRateIsToldWhichLimit) {
  TestIdp idp;
  idp.AddEcKey("ec-1");
  SecureServer server(&idp);
  // Three at once, then one per 100 seconds: the test never waits for one.
  server.options().rate_limit_per_second = 0.01;
  server.options().rate_limit_burst = 3;
  ASSERT_TRUE(server.Start().ok());
  auto stub = dir::Directory::NewStub(server.PlaintextChannel());
  const std::string dana = idp.Token("ec-1", "people/dana");
  for (int i = 0; i < 3; ++i) {
    grpc::Status s = ListOrganizations(*stub, dana);
    ASSERT_TRUE(s.ok()) << i << ": " << s.error_message();
  }
  grpc::Status s = ListOrganizations(*stub, dana);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(s.error_message(), HasSubstr("rate limit"));
  EXPECT_THAT(s.error_message(), HasSubstr("--rate_limit_per_second"));
  // The limit is per caller: someone else is served.
  EXPECT_TRUE(ListOrganizations(*stub, idp.Token("ec-1", "people/sam")).ok());
}

TEST(LimitsTest, EventStreamsPerCallerAreBounded) {
  TestIdp idp;
  idp.AddEcKey("ec-1");
  SecureServer server(&idp);
  server.options().max_streams_per_caller = 1;
  ASSERT_TRUE(server.Start().ok());
  auto stub = dir::Directory::NewStub(server.PlaintextChannel());
  const std::string admin = idp.Token("ec-1", "admin", "samepage.admin");
  dir::CreateOrganizationRequest create;
  create.set_organization_id("sunrise");
  create.mutable_organization()->set_display_name("Sunrise Family Services");
  create.mutable_organization()->set_kind(dir::Organization::KIND_CHILD_WELFARE_AGENCY);
  dir::Organization org;
  ASSERT_TRUE(stub->CreateOrganization(SecureServer::Context(admin).get(), create, &org).ok());

  dir::WatchEventsRequest req;
  dir::WatchEventsResponse event;
  auto first_ctx = SecureServer::Context(admin);
  auto first = stub->WatchEvents(first_ctx.get(), req);
  ASSERT_TRUE(first->Read(&event));  // the stream is open on the server

  auto second_ctx = SecureServer::Context(admin);
  auto second = stub->WatchEvents(second_ctx.get(), req);
  EXPECT_FALSE(second->Read(&event));
  grpc::Status refused = second->Finish();
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(refused.error_message(), HasSubstr("--max_streams_per_caller"));

  // Closing the first stream gives its slot back.
  first_ctx->TryCancel();
  (void)first->Finish();
  bool reopened = false;
  for (int i = 0; i < 100 && !reopened; ++i) {
    auto ctx = SecureServer::Context(admin);
    auto again = stub->WatchEvents(ctx.get(), req);
    reopened = again->Read(&event);
    ctx->TryCancel();
    (void)again->Finish();
    if (!reopened) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(reopened);
}

}  // namespace
}  // namespace samepage::testing
