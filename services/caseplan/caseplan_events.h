#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/storage/store.h"
#include "samepage/caseplan/v1/caseplan_service.pb.h"

namespace samepage::caseplan {

// The column families of the case-plan database (plans and notes).
std::vector<std::string> CasePlanColumnFamilies();

// Appends a domain event to the case-plan service's outbox; returns its
// revision.
int64_t AppendEvent(storage::Batch& batch, const v1::Event& event);

// Decodes a stored event for WatchEvents.
absl::StatusOr<v1::WatchEventsResponse> DecodeEvent(int64_t revision, absl::string_view payload);

}  // namespace samepage::caseplan
