#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace samepage::testing {

// A samepaged server in a process of its own, for tests that split the
// services across processes or kill a server.
class SamepagedProcess {
 public:
  // Runs `binary` with `args` (its output goes to `log_path`) and waits, at
  // most `timeout`, for the line saying where it listens.
  static absl::StatusOr<std::unique_ptr<SamepagedProcess>> Start(
      const std::string& binary, const std::vector<std::string>& args, const std::string& log_path,
      absl::Duration timeout = absl::Seconds(30));
  ~SamepagedProcess();

  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  // SIGTERM, then SIGKILL if it has not exited within `grace`.
  void Stop(absl::Duration grace = absl::Seconds(10));
  // SIGKILL: a crash.
  void Kill();

 private:
  SamepagedProcess(pid_t pid, int port) : pid_(pid), port_(port) {}
  void Reap(absl::Duration wait);
  pid_t pid_;
  int port_;
};

// A port that was free a moment ago (bound to 127.0.0.1:0, then released),
// for servers that must know each other's address before both start.
absl::StatusOr<int> PickFreePort();

}  // namespace samepage::testing
