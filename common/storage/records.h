#pragma once

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

// Small conventions shared by every service's records.
namespace samepage::storage {

// A server-chosen id: `prefix` then 12 characters of [a-z0-9] (about 62
// bits), enough that collisions within one agency's data do not happen.
std::string NewResourceId(absl::string_view prefix);

// The etag of a record last written by the change with this revision.
std::string EtagFor(int64_t revision);

// ABORTED when `given` is set and differs from `current` (AIP-154).
absl::Status CheckEtag(absl::string_view field, absl::string_view given, absl::string_view current);

// The last segment of a resource name: "cases/x/assignments/y" -> "y".
std::string IdOf(absl::string_view name);

}  // namespace samepage::storage
