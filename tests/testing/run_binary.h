#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace samepage::testing {

// How a command-line run ended.
struct RunResult {
  int exit_code = -1;  // 128 + signal when killed
  std::string out;
  std::string err;
  bool timed_out = false;
};

std::ostream& operator<<(std::ostream& os, const RunResult& r);

// Runs `binary` with `args`, stdin from /dev/null, in an environment without
// SAMEPAGE_* variables. After `limit` the process gets SIGINT (a person
// pressing Ctrl-C) and, if it lingers, SIGKILL; `timed_out` says so and what
// it printed until then is kept.
RunResult RunBinary(const std::string& binary, const std::vector<std::string>& args,
                    absl::Duration limit = absl::Seconds(30));

}  // namespace samepage::testing
