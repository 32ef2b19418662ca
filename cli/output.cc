#include "cli/output.h"

#include <algorithm>
#include <map>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "cli/flag_values.h"
#include "common/clock/time_util.h"
#include "google/protobuf/util/json_util.h"

namespace samepage::cli {
namespace {

namespace v1 = ::samepage::directory::v1;

// Labels of detail lines are padded to one column.
constexpr int kLabelWidth = 18;

void AddField(std::string* text, absl::string_view label, absl::string_view value) {
  if (value.empty()) return;
  // Continuation lines (empty label) line up under the first value.
  std::string padded = absl::StrCat("  ", label, label.empty() ? "" : ":");
  padded.resize(std::max<size_t>(padded.size() + 1, kLabelWidth), ' ');
  absl::StrAppend(text, padded, value, "\n");
}

// Several values under one label, one per line.
void AddFields(std::string* text, absl::string_view label, const std::vector<std::string>& values) {
  for (size_t i = 0; i < values.size(); ++i) {
    AddField(text, i == 0 ? label : "", values[i]);
  }
}

std::string TimeOf(const google::protobuf::Timestamp& t) { return TimeText(FromProtoTime(t)); }

std::vector<std::string> ContactTexts(
    const google::protobuf::RepeatedPtrField<v1::ContactPoint>& points) {
  std::vector<const v1::ContactPoint*> sorted;
  for (const v1::ContactPoint& point : points) sorted.push_back(&point);
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const v1::ContactPoint* a, const v1::ContactPoint* b) {
                     return a->preferred() && !b->preferred();
                   });
  std::vector<std::string> texts;
  for (const v1::ContactPoint* point : sorted) texts.push_back(ContactText(*point));
  return texts;
}

// The preferred contact point, else the first, else null.
const v1::ContactPoint* MainContact(
    const google::protobuf::RepeatedPtrField<v1::ContactPoint>& points) {
  for (const v1::ContactPoint& point : points) {
    if (point.preferred()) return &point;
  }
  return points.empty() ? nullptr : &points[0];
}

std::string EventTypeWord(v1::Event::Type type) {
  std::string word = absl::StrReplaceAll(v1::Event::Type_Name(type), {{"TYPE_", ""}});
  std::transform(word.begin(), word.end(), word.begin(),
                 [](char c) { return c == '_' ? '-' : static_cast<char>(std::tolower(c)); });
  return word;
}

}  // namespace

absl::Status Output::Print(const google::protobuf::Message& message, absl::string_view human) {
  if (json_) {
    absl::StatusOr<std::string> json = ToJson(message);
    if (!json.ok()) return json.status();
    *out_ << *json << "\n";
    return absl::OkStatus();
  }
  *out_ << human;
  if (human.empty() || human.back() != '\n') *out_ << "\n";
  return absl::OkStatus();
}

void Output::Note(absl::string_view text) {
  if (json_) return;
  *out_ << text;
  if (text.empty() || text.back() != '\n') *out_ << "\n";
}

void Output::Flush() { out_->flush(); }

absl::StatusOr<std::string> ToJson(const google::protobuf::Message& message) {
  std::string json;
  auto status = google::protobuf::util::MessageToJsonString(message, &json);
  if (!status.ok()) {
    return absl::InternalError(
        absl::StrCat("cannot print ", message.GetTypeName(), " as JSON: ", status.ToString()));
  }
  return json;
}

std::string ContactText(const v1::ContactPoint& point) {
  std::string text = absl::StrCat(ChannelWord(point.channel()), " ", point.value());
  std::vector<std::string> notes;
  if (!point.label().empty()) notes.push_back(point.label());
  if (point.preferred()) notes.push_back("preferred");
  if (!notes.empty()) absl::StrAppend(&text, " (", absl::StrJoin(notes, ", "), ")");
  return text;
}

std::string OrganizationLine(const v1::Organization& org) {
  std::string line = absl::StrCat(org.name(), "  ", org.display_name(), "  (",
                                  OrganizationKindWord(org.kind()), ")");
  if (!org.point_of_contact().empty()) {
    absl::StrAppend(&line, "  point of contact ", org.point_of_contact());
  }
  if (const v1::ContactPoint* main = MainContact(org.contact_points())) {
    absl::StrAppend(&line, "  ", ContactText(*main));
  }
  return line;
}

std::string OrganizationDetails(const v1::Organization& org) {
  std::string text = absl::StrCat(org.name(), "  ", org.display_name(), "\n");
  AddField(&text, "kind", OrganizationKindWord(org.kind()));
  AddField(&text, "description", org.description());
  AddField(&text, "point of contact", org.point_of_contact());
  AddFields(&text, "contact", ContactTexts(org.contact_points()));
  if (org.has_create_time()) AddField(&text, "created", TimeOf(org.create_time()));
  if (org.has_update_time()) AddField(&text, "updated", TimeOf(org.update_time()));
  AddField(&text, "etag", org.etag());
  return text;
}

std::string PersonLine(const v1::Person& person) {
  std::string line = absl::StrCat(person.name(), "  ", person.display_name());
  std::vector<std::string> about;
  if (!person.title().empty()) {
    about.push_back(person.title());
  } else if (!person.roles().empty()) {
    about.push_back(absl::StrJoin(person.roles(), ", "));
  }
  if (person.kind() == v1::Person::KIND_CAREGIVER) about.push_back("caregiver");
  if (!person.organization().empty()) about.push_back(person.organization());
  if (!about.empty()) absl::StrAppend(&line, "  (", absl::StrJoin(about, ", "), ")");
  if (const v1::ContactPoint* main = MainContact(person.contact_points())) {
    absl::StrAppend(&line, "  ", ContactText(*main));
  }
  if (person.state() == v1::Person::STATE_DEPARTED) absl::StrAppend(&line, "  [departed]");
  return line;
}

std::string WorkingHoursText(const v1::WorkingHours& hours) {
  if (hours.periods().empty()) return "";
  // Each day's periods as text, then runs of days with the same text.
  std::map<int, std::vector<const v1::WorkingPeriod*>> by_day;
  for (const v1::WorkingPeriod& period : hours.periods()) {
    by_day[static_cast<int>(period.day())].push_back(&period);
  }
  std::string day_text[8];
  for (auto& [day, periods] : by_day) {
    if (day < 1 || day > 7) continue;
    std::sort(periods.begin(), periods.end(),
              [](auto* a, auto* b) { return a->start_minute() < b->start_minute(); });
    std::vector<std::string> spans;
    for (const v1::WorkingPeriod* p : periods) {
      spans.push_back(
          absl::StrCat(MinuteOfDayText(p->start_minute()), "-", MinuteOfDayText(p->end_minute())));
    }
    day_text[day] = absl::StrJoin(spans, ", ");
  }
  std::vector<std::string> runs;
  for (int day = 1; day <= 7;) {
    if (day_text[day].empty()) {
      ++day;
      continue;
    }
    int last = day;
    while (last < 7 && day_text[last + 1] == day_text[day]) ++last;
    std::string days = DayWord(static_cast<v1::DayOfWeek>(day));
    if (last > day) absl::StrAppend(&days, "-", DayWord(static_cast<v1::DayOfWeek>(last)));
    runs.push_back(absl::StrCat(days, " ", day_text[day]));
    day = last + 1;
  }
  return absl::StrCat(absl::StrJoin(runs, "; "), " (", hours.time_zone(), ")");
}

std::string PersonDetails(const v1::Person& person) {
  std::string text = absl::StrCat(person.name(), "  ", person.display_name(), "\n");
  AddField(&text, "given name", person.given_name());
  AddField(&text, "family name", person.family_name());
  if (person.kind() == v1::Person::KIND_CAREGIVER) AddField(&text, "kind", "caregiver");
  AddField(&text, "title", person.title());
  AddField(&text, "organization", person.organization());
  AddField(&text, "roles", absl::StrJoin(person.roles(), ", "));
  AddField(&text, "supervisor", person.supervisor());
  if (person.administrator()) AddField(&text, "administrator", "yes");
  AddFields(&text, "contact", ContactTexts(person.contact_points()));
  AddField(&text, "working hours", WorkingHoursText(person.working_hours()));
  if (person.has_out_of_office()) {
    const v1::OutOfOffice& away = person.out_of_office();
    std::string value = absl::StrCat(TimeOf(away.start_time()), " until ", TimeOf(away.end_time()));
    absl::StrAppend(&value, away.delegate().empty() ? ", covered by their supervisor"
                                                    : absl::StrCat(", delegate ", away.delegate()));
    if (!away.message().empty()) absl::StrAppend(&value, ": \"", away.message(), "\"");
    AddField(&text, "out of office", value);
  }
  if (person.state() == v1::Person::STATE_DEPARTED) {
    const v1::Departure& departure = person.departure();
    std::string value = absl::StrCat("departed ", TimeOf(departure.effective_time()));
    absl::StrAppend(&value, departure.successor().empty()
                                ? ", no successor"
                                : absl::StrCat(", successor ", departure.successor()));
    if (!departure.reason().empty())
      absl::StrAppend(&value, ", reason \"", departure.reason(), "\"");
    if (!departure.recorded_by().empty()) {
      absl::StrAppend(&value, ", recorded by ", departure.recorded_by());
    }
    AddField(&text, "state", value);
  } else {
    AddField(&text, "state", "active");
  }
  if (person.has_create_time()) AddField(&text, "created", TimeOf(person.create_time()));
  if (person.has_update_time()) AddField(&text, "updated", TimeOf(person.update_time()));
  AddField(&text, "etag", person.etag());
  return text;
}

std::string RoleLine(const v1::Role& role) {
  std::string line = absl::StrCat(role.name(), "  ", role.display_name());
  if (!role.description().empty()) absl::StrAppend(&line, "  ", role.description());
  if (!role.built_in()) absl::StrAppend(&line, "  [added]");
  return line;
}

std::string EventLine(const v1::Event& event) {
  std::string line = absl::StrCat(event.revision(), "  ", TimeOf(event.event_time()), "  ",
                                  EventTypeWord(event.type()), "  ", event.resource());
  if (!event.actor().empty()) absl::StrAppend(&line, "  by ", event.actor());
  if (event.type() == v1::Event::TYPE_PERSON_DEPARTED && event.has_person() &&
      !event.person().departure().successor().empty()) {
    absl::StrAppend(&line, "  successor ", event.person().departure().successor());
  }
  return line;
}

}  // namespace samepage::cli
