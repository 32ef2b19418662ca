#pragma once

#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"
#include "samepage/directory/v1/directory_service.pb.h"
#include "samepage/directory/v1/resources.pb.h"

namespace samepage::cli {

// Where results go: readable text for people, or with --json one JSON object
// per result (protobuf's JSON mapping) for scripts.
class Output {
 public:
  Output(std::ostream* out, bool json) : out_(out), json_(json) {}

  bool json() const { return json_; }

  // With --json prints `message` as one line of JSON, else `human` (a
  // newline is added when it has none).
  absl::Status Print(const google::protobuf::Message& message, absl::string_view human);
  // Text for people only; nothing with --json.
  void Note(absl::string_view text);
  // Pushes what was printed out now (for followed streams).
  void Flush();

 private:
  std::ostream* out_;
  const bool json_;
};

// One line of JSON for `message`.
absl::StatusOr<std::string> ToJson(const google::protobuf::Message& message);

// "email dana@example.org (office, preferred)".
std::string ContactText(const directory::v1::ContactPoint& point);

// One line each, for lists.
std::string OrganizationLine(const directory::v1::Organization& org);
std::string PersonLine(const directory::v1::Person& person);
std::string RoleLine(const directory::v1::Role& role);
std::string EventLine(const directory::v1::Event& event);

// Everything worth reading about one record, over several lines.
std::string OrganizationDetails(const directory::v1::Organization& org);
std::string PersonDetails(const directory::v1::Person& person);

// "Mon-Fri 09:00-17:00 (America/New_York)"; empty when not stated.
std::string WorkingHoursText(const directory::v1::WorkingHours& hours);

}  // namespace samepage::cli
