#pragma once

#include <cstdio>
#include <string>
#include <variant>

#include "absl/base/thread_annotations.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "absl/synchronization/mutex.h"
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
  JsonLog(std::FILE* out, const Clock* clock) : out_(out), clock_(clock) {}

  // `level`: "info", "warn" or "error".
  void Write(absl::string_view level, absl::string_view msg,
             const nlohmann::ordered_json& fields = nlohmann::ordered_json::object());
  void WriteFields(absl::string_view level, absl::string_view msg, absl::Span<const Field> fields);

 private:
  // Writes the line: the envelope, then `fields` (`,"key":value...`).
  void Emit(absl::string_view level, absl::string_view msg, absl::string_view fields);

  std::FILE* out_;
  const Clock* clock_;
  absl::Mutex mu_;  // one line at a time
};

// Appends `s` as a JSON string; invalid UTF-8 (from a client) is replaced
// rather than thrown on.
void AppendJsonString(std::string* out, absl::string_view s);

}  // namespace samepage::observe
