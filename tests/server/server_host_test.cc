#include "server/server_host.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/temp_dir.h"

namespace samepage::server {
namespace {

using ::testing::HasSubstr;

TEST(ServerHostTest, DevelopmentTokensOnlyOnLoopback) {
  samepage::testing::TempDir dir;
  ServerOptions options;
  options.data_dir = dir.path();
  options.dev_mode = true;
  options.listen_address = "0.0.0.0:0";
  auto host = ServerHost::Start(options);
  EXPECT_EQ(host.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(host.status().message()), HasSubstr("loopback"));
  EXPECT_TRUE(IsLoopbackAddress("127.0.0.1:5"));
  EXPECT_TRUE(IsLoopbackAddress("[::1]:5"));
  EXPECT_TRUE(IsLoopbackAddress("localhost:5"));
  EXPECT_FALSE(IsLoopbackAddress("10.0.0.1:5"));
  EXPECT_FALSE(IsLoopbackAddress("[::]:5"));
}

TEST(ServerHostTest, RefusesAConfigurationItCannotServe) {
  samepage::testing::TempDir dir;
  ServerOptions options;
  options.data_dir = dir.path();
  options.listen_address = "127.0.0.1:0";
  // No way to authenticate anyone.
  EXPECT_EQ(ServerHost::Start(options).status().code(), absl::StatusCode::kInvalidArgument);
  options.dev_mode = true;
  options.services = {"directory", "billing"};
  EXPECT_THAT(std::string(ServerHost::Start(options).status().message()), HasSubstr("billing"));
  // The registry alone does not know where the directory is.
  options.services = {"registry"};
  EXPECT_THAT(std::string(ServerHost::Start(options).status().message()),
              HasSubstr("--peer directory"));
  options.peers["directory"] = "127.0.0.1:1";
  EXPECT_TRUE(ServerHost::Start(options).ok());
}

}  // namespace
}  // namespace samepage::server
