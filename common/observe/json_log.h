#pragma once

#include <cstdio>

#include "absl/base/thread_annotations.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "common/clock/clock.h"
#include "nlohmann/json.hpp"

namespace samepage::observe {

// Structured logs: one JSON object per line, {"time", "level", "msg", then
// `fields`}, so that a log pipeline can parse them without rules. Never give
// it credentials.
class JsonLog {
 public:
  // `out` (e.g. stderr) must outlive the log; `clock` stamps the lines.
  JsonLog(std::FILE* out, const Clock* clock) : out_(out), clock_(clock) {}

  // `level`: "info", "warn" or "error".
  void Write(absl::string_view level, absl::string_view msg,
             const nlohmann::ordered_json& fields = nlohmann::ordered_json::object());

 private:
  std::FILE* out_;
  const Clock* clock_;
  absl::Mutex mu_;  // one line at a time
};

}  // namespace samepage::observe
