#pragma once

// The crash test: sustained writes to all four services of a samepaged
// process that is killed with SIGKILL at random moments; after each restart
// every acknowledged write must be there, the lists (read through indexes)
// must agree with gets, and each service's event log must hold an event for
// every acknowledged write, in revision order without gaps.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "grpcpp/grpcpp.h"
#include "absl/time/time.h"

namespace samepage::bench {

struct CrashOptions {
  std::string samepaged;  // the server binary
  std::string data_dir;   // kept across kills
  int kills = 20;
  int concurrency = 16;   // writes in flight
  // Each round writes for a random time in [min_run, max_run], then kills.
  absl::Duration min_run = absl::Milliseconds(300);
  absl::Duration max_run = absl::Milliseconds(2000);
  uint64_t seed = 1;
  // More samepaged flags.
  std::vector<std::string> server_args;
  // Hears progress lines; may be null.
  std::function<void(const std::string&)> log;
};

struct CrashReport {
  int kills = 0;
  int64_t acknowledged = 0;
  int64_t lost = 0;
  // Lists that missed an acknowledged write or named one that Get cannot
  // find; event logs missing an acknowledged write or out of order.
  int64_t index_mismatches = 0;
  int64_t event_mismatches = 0;
  std::vector<std::string> problems;  // the first few, for people
  bool ok() const { return lost == 0 && index_mismatches == 0 && event_mismatches == 0; }
  // `kills: 20, acknowledged: N, lost: 0, ...`
  std::string Summary() const;
};

absl::StatusOr<CrashReport> RunCrashTest(const CrashOptions& options);

class Tokens;
// The case the crash test writes notes and requests to ("cases/crash"), its
// lead agency, case manager ("crash-cw") and therapist; idempotent.
absl::Status SetupCrashCase(const std::shared_ptr<grpc::Channel>& channel, Tokens& tokens);

}  // namespace samepage::bench
