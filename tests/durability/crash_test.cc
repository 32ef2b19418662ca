// A few SIGKILLs of a samepaged process under write load to all four
// services: nothing acknowledged is lost, lists and event logs agree.
#include <string>

#include "gtest/gtest.h"
#include "tests/testing/temp_dir.h"
#include "tools/bench/crash_run.h"

namespace samepage::bench {
namespace {

TEST(CrashTest, AcknowledgedWritesSurviveSigkill) {
  testing::TempDir dir;
  CrashOptions options;
  options.samepaged = SAMEPAGED_BINARY;
  options.data_dir = dir.path();
  options.kills = 3;
  options.concurrency = 8;
  options.min_run = absl::Milliseconds(200);
  options.max_run = absl::Milliseconds(800);
  options.seed = 7;
  options.server_args = {"--rate_limit_per_second=0"};
  options.log = [](const std::string& line) { std::printf("%s\n", line.c_str()); };
  absl::StatusOr<CrashReport> report = RunCrashTest(options);
  ASSERT_TRUE(report.ok()) << report.status();
  for (const std::string& p : report->problems) ADD_FAILURE() << p;
  std::printf("%s\n", report->Summary().c_str());
  EXPECT_EQ(report->kills, 3);
  EXPECT_GT(report->acknowledged, 0);
  EXPECT_EQ(report->lost, 0);
  EXPECT_EQ(report->index_mismatches, 0);
  EXPECT_EQ(report->event_mismatches, 0);
}

}  // namespace
}  // namespace samepage::bench
