#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace samepage::storage {

// Page tokens are opaque to clients (AIP-158): they carry the last key
// returned and a fingerprint of the request, so that a token is refused when
// reused with different parameters.
std::string EncodePageToken(absl::string_view last_key, absl::string_view request_fingerprint);

// Returns the last key; INVALID_ARGUMENT naming `page_token` when the token is
// malformed or was issued for a different request.
absl::StatusOr<std::string> DecodePageToken(absl::string_view token,
                                            absl::string_view request_fingerprint);

// Page sizes: 0 means `default_size`, negative or above `max_size` is refused.
absl::StatusOr<int> ResolvePageSize(int requested, int default_size = 50, int max_size = 500);

}  // namespace samepage::storage
