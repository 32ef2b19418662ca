#include "services/directory/availability.h"

#include "common/clock/time_util.h"

namespace samepage::directory {
namespace {

// ISO weekday (Monday 1 .. Sunday 7) as the proto numbers it.
int IsoWeekday(absl::Weekday day) {
  switch (day) {
    case absl::Weekday::monday:
      return 1;
    case absl::Weekday::tuesday:
      return 2;
    case absl::Weekday::wednesday:
      return 3;
    case absl::Weekday::thursday:
      return 4;
    case absl::Weekday::friday:
      return 5;
    case absl::Weekday::saturday:
      return 6;
    case absl::Weekday::sunday:
      return 7;
  }
  return 0;
}

}  // namespace

AvailabilityNow ComputeAvailability(const v1::Person& person, absl::Time now) {
  AvailabilityNow result;
  if (person.state() == v1::Person::STATE_DEPARTED &&
      FromProtoTime(person.departure().effective_time()) <= now) {
    result.available = false;
    result.reason = v1::Availability::REASON_DEPARTED;
    return result;
  }
  if (person.has_out_of_office()) {
    absl::Time start = FromProtoTime(person.out_of_office().start_time());
    absl::Time end = FromProtoTime(person.out_of_office().end_time());
    if (start <= now && now < end) {
      result.available = false;
      result.reason = v1::Availability::REASON_OUT_OF_OFFICE;
      result.until = end;
      return result;
    }
  }
  const v1::WorkingHours& hours = person.working_hours();
  absl::TimeZone tz;
  if (hours.periods_size() == 0 || !absl::LoadTimeZone(hours.time_zone(), &tz)) return result;

  absl::CivilSecond local = absl::ToCivilSecond(now, tz);
  absl::CivilDay today(local);
  int minute = local.hour() * 60 + local.minute();
  int weekday = IsoWeekday(absl::GetWeekday(today));
  for (const v1::WorkingPeriod& p : hours.periods()) {
    if (p.day() == weekday && p.start_minute() <= minute && minute < p.end_minute()) {
      return result;
    }
  }
  // Not working now: find the next period start within a week.
  result.available = false;
  result.reason = v1::Availability::REASON_OUTSIDE_WORKING_HOURS;
  for (int offset = 0; offset <= 7 && !result.until.has_value(); ++offset) {
    absl::CivilDay day = today + offset;
    int day_weekday = IsoWeekday(absl::GetWeekday(day));
    std::optional<int> earliest;
    for (const v1::WorkingPeriod& p : hours.periods()) {
      if (p.day() != day_weekday) continue;
      if (offset == 0 && p.start_minute() <= minute) continue;
      if (!earliest.has_value() || p.start_minute() < *earliest) earliest = p.start_minute();
    }
    if (earliest.has_value()) {
      result.until = absl::FromCivil(absl::CivilMinute(day) + *earliest, tz);
    }
  }
  return result;
}

}  // namespace samepage::directory
