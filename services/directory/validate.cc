#include "services/directory/validate.h"

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/status/status_macros.h"
#include "common/validation/validation.h"

namespace samepage::directory {

namespace val = ::samepage::validation;

absl::Status ValidateContactPoints(
    absl::string_view field, const google::protobuf::RepeatedPtrField<v1::ContactPoint>& points) {
  RETURN_IF_ERROR(val::MaxCount(field, points.size(), 20));
  int preferred = 0;
  for (int i = 0; i < points.size(); ++i) {
    const v1::ContactPoint& p = points[i];
    std::string at = absl::StrCat(field, "[", i, "]");
    if (p.channel() == v1::ContactPoint::CHANNEL_UNSPECIFIED ||
        !v1::ContactPoint::Channel_IsValid(p.channel())) {
      return absl::InvalidArgumentError(absl::StrCat(at, ".channel: must be set"));
    }
    if (!v1::ContactPoint::Visibility_IsValid(p.visibility())) {
      return absl::InvalidArgumentError(absl::StrCat(at, ".visibility: unknown value"));
    }
    RETURN_IF_ERROR(val::RequiredMaxLength(absl::StrCat(at, ".value"), p.value(), 500));
    RETURN_IF_ERROR(val::MaxLength(absl::StrCat(at, ".label"), p.label(), 100));
    RETURN_IF_ERROR(val::MaxCount(absl::StrCat(at, ".hidden_from_case_roles"),
                                  p.hidden_from_case_roles_size(), 20));
    for (int j = 0; j < p.hidden_from_case_roles_size(); ++j) {
      RETURN_IF_ERROR(val::ResourceId(absl::StrCat(at, ".hidden_from_case_roles[", j, "]"),
                                      p.hidden_from_case_roles(j)));
    }
    if (p.preferred()) ++preferred;
  }
  if (preferred > 1) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": at most one contact point may be preferred"));
  }
  return absl::OkStatus();
}

absl::Status ValidateWorkingHours(absl::string_view field, const v1::WorkingHours& hours) {
  RETURN_IF_ERROR(val::MaxCount(absl::StrCat(field, ".periods"), hours.periods_size(), 21));
  if (hours.periods_size() > 0 || !hours.time_zone().empty()) {
    absl::TimeZone tz;
    if (hours.time_zone().empty() || hours.time_zone().size() > 64 ||
        !absl::LoadTimeZone(hours.time_zone(), &tz)) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ".time_zone: \"", hours.time_zone().substr(0, 64),
                       "\" is not a known IANA time zone such as America/New_York"));
    }
  }
  for (int i = 0; i < hours.periods_size(); ++i) {
    const v1::WorkingPeriod& p = hours.periods(i);
    std::string at = absl::StrCat(field, ".periods[", i, "]");
    if (p.day() == v1::DAY_OF_WEEK_UNSPECIFIED || !v1::DayOfWeek_IsValid(p.day())) {
      return absl::InvalidArgumentError(absl::StrCat(at, ".day: must be set"));
    }
    if (p.start_minute() < 0 || p.start_minute() > 1439) {
      return absl::InvalidArgumentError(absl::StrCat(at, ".start_minute: must be 0..1439"));
    }
    if (p.end_minute() <= p.start_minute() || p.end_minute() > 1440) {
      return absl::InvalidArgumentError(
          absl::StrCat(at, ".end_minute: must be after start_minute and at most 1440"));
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateOutOfOffice(absl::string_view field, const v1::OutOfOffice& ooo,
                                 absl::string_view self) {
  RETURN_IF_ERROR(val::RequiredTimestamp(absl::StrCat(field, ".start_time"), ooo.start_time(),
                                         ooo.has_start_time()));
  RETURN_IF_ERROR(
      val::RequiredTimestamp(absl::StrCat(field, ".end_time"), ooo.end_time(), ooo.has_end_time()));
  if (ooo.end_time().seconds() < ooo.start_time().seconds() ||
      (ooo.end_time().seconds() == ooo.start_time().seconds() &&
       ooo.end_time().nanos() <= ooo.start_time().nanos())) {
    return absl::InvalidArgumentError(absl::StrCat(field, ".end_time: must be after start_time"));
  }
  if (!ooo.delegate().empty()) {
    RETURN_IF_ERROR(
        val::ParseName(absl::StrCat(field, ".delegate"), ooo.delegate(), "people").status());
    if (ooo.delegate() == self) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ".delegate: must be someone else than the person"));
    }
  }
  return val::MaxLength(absl::StrCat(field, ".message"), ooo.message(), 500);
}

}  // namespace samepage::directory
