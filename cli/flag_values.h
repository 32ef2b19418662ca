#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "samepage/directory/v1/resources.pb.h"

// Turning the words people type into API values, and back. Every parse error
// is a usage error naming the flag.
namespace samepage::cli {

// Resource names may be given short: ("people", "dana") -> "people/dana".
// A value that already holds a '/' and the empty string are kept as they are.
std::string ExpandName(absl::string_view collection, absl::string_view value);
inline std::string PersonName(absl::string_view v) { return ExpandName("people", v); }
inline std::string OrganizationName(absl::string_view v) { return ExpandName("organizations", v); }
inline std::string RoleName(absl::string_view v) { return ExpandName("roles", v); }

// "child-welfare-agency" <-> Organization::KIND_CHILD_WELFARE_AGENCY.
absl::StatusOr<directory::v1::Organization::Kind> ParseOrganizationKind(absl::string_view flag,
                                                                        absl::string_view text);
std::string OrganizationKindWord(directory::v1::Organization::Kind kind);
// Every kind word, for usage and error messages.
std::string OrganizationKindWords();

// "email" <-> ContactPoint::CHANNEL_EMAIL.
std::string ChannelWord(directory::v1::ContactPoint::Channel channel);

// "CHANNEL:VALUE[:preferred]", e.g. "email:dana@example.org:preferred". The
// value may itself hold colons ("address:1 Main St: Suite 2").
absl::StatusOr<directory::v1::ContactPoint> ParseContactPoint(absl::string_view flag,
                                                              absl::string_view text);

// "mon-fri", "mon,wed,fri", "sat-sun,wed".
absl::StatusOr<std::vector<directory::v1::DayOfWeek>> ParseDays(absl::string_view flag,
                                                                absl::string_view text);
std::string DayWord(directory::v1::DayOfWeek day);

// "09:00" -> 540; "24:00" -> 1440.
absl::StatusOr<int> ParseMinuteOfDay(absl::string_view flag, absl::string_view text);
std::string MinuteOfDayText(int minute);

// RFC 3339 ("2024-05-01T09:00:00Z", "2024-05-01T09:00:00-04:00") or "now".
absl::StatusOr<absl::Time> ParseTime(absl::string_view flag, absl::string_view text,
                                     absl::Time now);
// RFC 3339 in UTC, to the second.
std::string TimeText(absl::Time t);

// "1h", "30m", "90s", "2h30m".
absl::StatusOr<absl::Duration> ParseDuration(absl::string_view flag, absl::string_view text);

// A non-negative integer.
absl::StatusOr<int64_t> ParseCount(absl::string_view flag, absl::string_view text);

}  // namespace samepage::cli
