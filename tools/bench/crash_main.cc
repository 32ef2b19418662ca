// samepage_crash_test: the long crash test (see docs/PERFORMANCE.md). Kills
// a samepaged process with SIGKILL under write load at random moments and
// checks, after each restart, that nothing acknowledged was lost.

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "tools/bench/crash_run.h"

ABSL_FLAG(std::string, samepaged, "build/samepaged", "the server binary");
ABSL_FLAG(std::string, data_dir, "", "data folder (default: a new one under /tmp)");
ABSL_FLAG(int32_t, kills, 20, "how many times to kill the server");
ABSL_FLAG(int32_t, concurrency, 16, "writes in flight");
ABSL_FLAG(absl::Duration, min_run, absl::Milliseconds(300), "shortest write time before a kill");
ABSL_FLAG(absl::Duration, max_run, absl::Seconds(2), "longest write time before a kill");
ABSL_FLAG(uint64_t, seed, 1, "seed for the kill moments");
ABSL_FLAG(std::vector<std::string>, server_args, {}, "more samepaged flags, comma-separated");

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  samepage::bench::CrashOptions options;
  options.samepaged = absl::GetFlag(FLAGS_samepaged);
  options.data_dir = absl::GetFlag(FLAGS_data_dir);
  if (options.data_dir.empty()) {
    char pattern[] = "/tmp/samepage-crash-XXXXXX";
    if (mkdtemp(pattern) == nullptr) return 1;
    options.data_dir = pattern;
  }
  std::filesystem::create_directories(options.data_dir);
  options.kills = absl::GetFlag(FLAGS_kills);
  options.concurrency = absl::GetFlag(FLAGS_concurrency);
  options.min_run = absl::GetFlag(FLAGS_min_run);
  options.max_run = absl::GetFlag(FLAGS_max_run);
  options.seed = absl::GetFlag(FLAGS_seed);
  options.server_args = absl::GetFlag(FLAGS_server_args);
  options.log = [](const std::string& line) {
    std::printf("%s\n", line.c_str());
    std::fflush(stdout);
  };
  std::printf("crash test: data %s\n", options.data_dir.c_str());
  auto report = samepage::bench::RunCrashTest(options);
  if (!report.ok()) {
    std::printf("crash test failed to run: %s\n", report.status().ToString().c_str());
    return 2;
  }
  for (const std::string& p : report->problems) std::printf("  problem: %s\n", p.c_str());
  std::printf("%s\n", report->Summary().c_str());
  return report->ok() ? 0 : 1;
}
