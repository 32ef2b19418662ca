#include "cli/flag_values.h"

#include <cctype>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "cli/args.h"
#include "cli/enum_words.h"

namespace samepage::cli {
namespace {

namespace v1 = ::samepage::directory::v1;

// "child-welfare-agency" -> "KIND_CHILD_WELFARE_AGENCY"; the full enum name
// is accepted too.
std::string EnumName(absl::string_view word, absl::string_view prefix) {
  std::string upper = absl::StrReplaceAll(absl::AsciiStrToUpper(word), {{"-", "_"}});
  return absl::StartsWith(upper, prefix) ? upper : absl::StrCat(prefix, upper);
}

std::string ChannelWords() {
  std::vector<std::string> words;
  for (int i = v1::ContactPoint::Channel_MIN + 1; i <= v1::ContactPoint::Channel_MAX; ++i) {
    if (v1::ContactPoint::Channel_IsValid(i)) {
      words.push_back(ChannelWord(static_cast<v1::ContactPoint::Channel>(i)));
    }
  }
  return absl::StrJoin(words, ", ");
}

constexpr const char* kDayWords[] = {"", "mon", "tue", "wed", "thu", "fri", "sat", "sun"};
constexpr const char* kDayNames[] = {"",         "monday", "tuesday",  "wednesday",
                                     "thursday", "friday", "saturday", "sunday"};

// "mon" or "monday", any case -> 1.
absl::StatusOr<int> ParseDay(absl::string_view flag, absl::string_view word) {
  const std::string lower = absl::AsciiStrToLower(absl::StripAsciiWhitespace(word));
  for (int day = 1; day <= 7; ++day) {
    if (lower == kDayWords[day] || lower == kDayNames[day]) return day;
  }
  return UsageError(absl::StrCat("--", flag, ": \"", word,
                                 "\" is not a day (mon, tue, wed, thu, fri, sat, sun)"));
}

}  // namespace

std::string ExpandName(absl::string_view collection, absl::string_view value) {
  if (value.empty() || absl::StrContains(value, '/')) return std::string(value);
  return absl::StrCat(collection, "/", value);
}

absl::StatusOr<v1::Organization::Kind> ParseOrganizationKind(absl::string_view flag,
                                                             absl::string_view text) {
  v1::Organization::Kind kind;
  if (!v1::Organization::Kind_Parse(EnumName(text, "KIND_"), &kind) ||
      kind == v1::Organization::KIND_UNSPECIFIED) {
    return UsageError(absl::StrCat("--", flag, ": \"", text, "\" is not an organisation kind (",
                                   OrganizationKindWords(), ")"));
  }
  return kind;
}

std::string OrganizationKindWord(v1::Organization::Kind kind) {
  return EnumWord(v1::Organization::Kind_Name(kind), "KIND_");
}

std::string OrganizationKindWords() {
  std::vector<std::string> words;
  for (int i = v1::Organization::Kind_MIN + 1; i <= v1::Organization::Kind_MAX; ++i) {
    if (v1::Organization::Kind_IsValid(i)) {
      words.push_back(OrganizationKindWord(static_cast<v1::Organization::Kind>(i)));
    }
  }
  return absl::StrJoin(words, ", ");
}

std::string ChannelWord(v1::ContactPoint::Channel channel) {
  return EnumWord(v1::ContactPoint::Channel_Name(channel), "CHANNEL_");
}

absl::StatusOr<v1::ContactPoint> ParseContactPoint(absl::string_view flag, absl::string_view text) {
  const size_t colon = text.find(':');
  if (colon == absl::string_view::npos) {
    return UsageError(absl::StrCat("--", flag, ": \"", text,
                                   "\" should be CHANNEL:VALUE[:preferred], e.g. "
                                   "email:dana@example.org:preferred"));
  }
  v1::ContactPoint point;
  v1::ContactPoint::Channel channel;
  if (!v1::ContactPoint::Channel_Parse(EnumName(text.substr(0, colon), "CHANNEL_"), &channel) ||
      channel == v1::ContactPoint::CHANNEL_UNSPECIFIED) {
    return UsageError(absl::StrCat("--", flag, ": \"", text.substr(0, colon),
                                   "\" is not a channel (", ChannelWords(), ")"));
  }
  point.set_channel(channel);
  absl::string_view value = text.substr(colon + 1);
  if (absl::ConsumeSuffix(&value, ":preferred")) point.set_preferred(true);
  point.set_value(std::string(value));
  return point;
}

absl::StatusOr<std::vector<v1::DayOfWeek>> ParseDays(absl::string_view flag,
                                                     absl::string_view text) {
  std::vector<v1::DayOfWeek> days;
  bool seen[8] = {};
  for (absl::string_view part : absl::StrSplit(text, ',', absl::SkipWhitespace())) {
    std::vector<absl::string_view> ends = absl::StrSplit(part, '-');
    if (ends.size() > 2) {
      return UsageError(absl::StrCat("--", flag, ": \"", part, "\" is not a day or a range"));
    }
    absl::StatusOr<int> first = ParseDay(flag, ends.front());
    if (!first.ok()) return first.status();
    absl::StatusOr<int> last = ParseDay(flag, ends.back());
    if (!last.ok()) return last.status();
    // A range may wrap around the week end: sat-mon.
    for (int day = *first;; day = day % 7 + 1) {
      if (!seen[day]) days.push_back(static_cast<v1::DayOfWeek>(day));
      seen[day] = true;
      if (day == *last) break;
    }
  }
  if (days.empty()) {
    return UsageError(absl::StrCat("--", flag, ": give days such as mon-fri or mon,wed,fri"));
  }
  return days;
}

std::string DayWord(v1::DayOfWeek day) {
  const int index = static_cast<int>(day);
  if (index < 1 || index > 7) return "?";
  std::string word = kDayWords[index];
  word[0] = static_cast<char>(std::toupper(word[0]));
  return word;
}

absl::StatusOr<int> ParseMinuteOfDay(absl::string_view flag, absl::string_view text) {
  std::vector<absl::string_view> parts = absl::StrSplit(text, ':');
  int hours = 0;
  int minutes = 0;
  if (parts.size() != 2 || parts[1].size() != 2 || !absl::SimpleAtoi(parts[0], &hours) ||
      !absl::SimpleAtoi(parts[1], &minutes) || hours < 0 || minutes < 0 || minutes > 59 ||
      hours > 24 || (hours == 24 && minutes != 0)) {
    return UsageError(
        absl::StrCat("--", flag, ": \"", text, "\" is not a time of day such as 09:00 or 17:30"));
  }
  return hours * 60 + minutes;
}

std::string MinuteOfDayText(int minute) {
  char text[8];
  std::snprintf(text, sizeof(text), "%02d:%02d", minute / 60, minute % 60);
  return text;
}

absl::StatusOr<absl::Time> ParseTime(absl::string_view flag, absl::string_view text,
                                     absl::Time now) {
  if (text == "now") return now;
  absl::Time t;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, std::string(text), &t, &error)) {
    return UsageError(absl::StrCat("--", flag, ": \"", text,
                                   "\" is not an RFC 3339 time such as 2024-05-01T09:00:00Z or "
                                   "2024-05-01T09:00:00-04:00"));
  }
  return t;
}

std::string TimeText(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
}

absl::StatusOr<absl::Duration> ParseDuration(absl::string_view flag, absl::string_view text) {
  absl::Duration d;
  if (!absl::ParseDuration(std::string(text), &d) || d <= absl::ZeroDuration()) {
    return UsageError(
        absl::StrCat("--", flag, ": \"", text, "\" is not a positive duration such as 1h or 30m"));
  }
  return d;
}

absl::StatusOr<int64_t> ParseCount(absl::string_view flag, absl::string_view text) {
  int64_t n = 0;
  if (!absl::SimpleAtoi(text, &n) || n < 0) {
    return UsageError(absl::StrCat("--", flag, ": \"", text, "\" is not a non-negative number"));
  }
  return n;
}

}  // namespace samepage::cli
