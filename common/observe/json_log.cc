#include "common/observe/json_log.h"

#include <string>

#include "absl/strings/str_cat.h"

namespace samepage::observe {
namespace {

// Held info lines are written once they reach this size, whatever the interval.
constexpr size_t kMaxHeld = 64 * 1024;

}  // namespace

JsonLog::JsonLog(std::FILE* out, const Clock* clock, absl::Duration flush_interval)
    : out_(out), clock_(clock), flush_interval_(flush_interval) {
  if (flush_interval_ > absl::ZeroDuration()) flusher_ = std::thread([this] { FlushLoop(); });
}

JsonLog::~JsonLog() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (flusher_.joinable()) flusher_.join();
  absl::MutexLock lock(&mu_);
  WriteHeldLocked();
}

void JsonLog::FlushLoop() {
  absl::MutexLock lock(&mu_);
  while (!stopping_) {
    // Wakes early only to stop; a full buffer is written by the line that filled it.
    mu_.AwaitWithTimeout(absl::Condition(&stopping_), flush_interval_);
    WriteHeldLocked();
  }
}

void JsonLog::WriteHeldLocked() {
  if (held_.empty()) return;
  std::fwrite(held_.data(), 1, held_.size(), out_);
  std::fflush(out_);
  held_.clear();
}

void AppendJsonString(std::string* out, absl::string_view s) {
  // Most values (ids, method names, status names) are printable ASCII that
  // needs no escaping; only the others go through the JSON library.
  bool plain = true;
  for (char c : s) {
    if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') {
      plain = false;
      break;
    }
  }
  if (plain) {
    absl::StrAppend(out, "\"", s, "\"");
    return;
  }
  out->append(nlohmann::json(std::string(s))
                  .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

void JsonLog::Write(absl::string_view level, absl::string_view msg,
                    const nlohmann::ordered_json& fields) {
  std::string text;
  for (const auto& [key, value] : fields.items()) {
    text += ',';
    AppendJsonString(&text, key);
    text += ':';
    text += value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  Emit(level, msg, text);
}

void JsonLog::WriteFields(absl::string_view level, absl::string_view msg,
                          absl::Span<const Field> fields) {
  std::string text;
  for (const Field& field : fields) {
    text += ',';
    AppendJsonString(&text, field.key);
    text += ':';
    if (const auto* s = std::get_if<absl::string_view>(&field.value)) {
      AppendJsonString(&text, *s);
    } else {
      text += nlohmann::json(std::get<double>(field.value)).dump();
    }
  }
  Emit(level, msg, text);
}

void JsonLog::Emit(absl::string_view level, absl::string_view msg, absl::string_view fields) {
  std::string text = absl::StrCat(
      "{\"time\":\"", absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", clock_->Now(), absl::UTCTimeZone()),
      "\",\"level\":");
  AppendJsonString(&text, level);
  text += ",\"msg\":";
  AppendJsonString(&text, msg);
  absl::StrAppend(&text, fields, "}\n");
  absl::MutexLock lock(&mu_);
  held_ += text;
  if (!flusher_.joinable() || level != "info" || held_.size() >= kMaxHeld) WriteHeldLocked();
}

}  // namespace samepage::observe
