#include "common/observe/json_log.h"

#include <string>

namespace samepage::observe {

void JsonLog::Write(absl::string_view level, absl::string_view msg,
                    const nlohmann::ordered_json& fields) {
  nlohmann::ordered_json line = {
      {"time", absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", clock_->Now(), absl::UTCTimeZone())},
      {"level", std::string(level)},
      {"msg", std::string(msg)}};
  for (const auto& [key, value] : fields.items()) line[key] = value;
  // Invalid UTF-8 (from a client) is replaced rather than thrown on.
  std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  text += '\n';
  absl::MutexLock lock(&mu_);
  std::fwrite(text.data(), 1, text.size(), out_);
  std::fflush(out_);
}

}  // namespace samepage::observe
