#pragma once

#include <cstdio>
#include <string>
#include <thread>
#include <variant>

#include "absl/base/thread_annotations.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "common/clock/clock.h"
#include "nlohmann/json.hpp"

namespace samepage::observe {

// Structured logs: one JSON object per line, {"time", "level", "msg", then
// `fields`}, so that a log pipeline can parse them without rules. Never give
// it credentials.
class JsonLog {
 public:
  // One field of a line, for the overload that every call uses: it is
  // formatted without building a JSON document first.
  struct Field {
    absl::string_view key;
    std::variant<absl::string_view, double> value;
  };

  // `out` (e.g. stderr) must outlive the log; `clock` stamps the lines.
  // A zero `flush_interval` writes every line as it is logged.
  JsonLog(std::FILE* out, const Clock* clock, absl::Duration flush_interval = absl::ZeroDuration());
  ~JsonLog();
  JsonLog(const JsonLog&) = delete;
  JsonLog& operator=(const JsonLog&) = delete;

  // `level`: "info", "warn" or "error".
  void Write(absl::string_view level, absl::string_view msg,
             const nlohmann::ordered_json& fields = nlohmann::ordered_json::object());
  void WriteFields(absl::string_view level, absl::string_view msg, absl::Span<const Field> fields);

 private:
  // Writes the line: the envelope, then `fields` (`,"key":value...`).
  void Emit(absl::string_view level, absl::string_view msg, absl::string_view fields);
  // Writes what is held to `out_`.
  void WriteHeldLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The flusher thread: writes what is held every `flush_interval_`.
  void FlushLoop();

  std::FILE* out_;
  const Clock* clock_;
  const absl::Duration flush_interval_;
  absl::Mutex mu_;  // one line at a time
  std::string held_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread flusher_;  // runs only with a positive flush interval
};

// Appends `s` as a JSON string; invalid UTF-8 (from a client) is replaced
// rather than thrown on.
void AppendJsonString(std::string* out, absl::string_view s);

}  // namespace samepage::observe
