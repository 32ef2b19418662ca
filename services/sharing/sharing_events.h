#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/storage/store.h"
#include "samepage/sharing/v1/sharing_service.pb.h"

namespace samepage::sharing {

// The sharing database holds the column families of both parts.
std::vector<std::string> SharingColumnFamilies();

// Appends a domain event to the sharing service's outbox; returns its revision.
int64_t AppendEvent(storage::Batch& batch, const sharing::v1::Event& event);

// Decodes a stored event for WatchEvents.
absl::StatusOr<sharing::v1::WatchEventsResponse> DecodeEvent(int64_t revision,
                                                             absl::string_view payload);

}  // namespace samepage::sharing
