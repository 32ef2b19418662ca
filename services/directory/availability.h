#pragma once

#include <optional>

#include "absl/time/time.h"
#include "samepage/directory/v1/directory_service.pb.h"

namespace samepage::directory {

// Whether a person can be reached at `now`, and if not why and until when.
struct AvailabilityNow {
  bool available = true;
  v1::Availability::Reason reason = v1::Availability::REASON_UNSPECIFIED;
  // When they are back: the end of the absence, or the start of their next
  // working period. Unknown for departures.
  std::optional<absl::Time> until;
};

// Departure first, then an out-of-office covering `now`, then working hours
// in the person's time zone. No stated hours means "available".
AvailabilityNow ComputeAvailability(const v1::Person& person, absl::Time now);

}  // namespace samepage::directory
