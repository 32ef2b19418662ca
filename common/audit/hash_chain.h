#pragma once

#include <string>

#include "absl/strings/string_view.h"

namespace samepage::audit {

// SHA-256 of `data`, as 64 lower-case hex digits.
std::string Sha256Hex(absl::string_view data);

// The hash that links an entry of an append-only log to the one before it:
// SHA-256 (lower-case hex) over the previous entry's chain hash (empty for
// the first entry) followed by this entry's content, serialised without its
// own hash. Changing, removing or reordering any entry changes the chain
// hash of every entry after it. Used by the sharing service's accounting of
// disclosures and by every service's audit trail.
std::string ChainHash(absl::string_view previous_hash, absl::string_view content);

}  // namespace samepage::audit
