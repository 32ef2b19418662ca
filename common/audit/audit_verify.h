#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "common/storage/store.h"
#include "samepage/audit/v1/audit_entry.pb.h"

namespace samepage::audit {

// The outcome of checking a trail from its first entry.
struct Verification {
  // Entries that checked out, from sequence 1.
  int64_t verified = 0;
  // The chain hash of the last entry that checked out (record it elsewhere:
  // an attacker who removes entries from the end cannot reproduce it).
  std::string head_hash;
  // The first entry that does not check out: 0 when the trail is intact.
  int64_t broken_sequence = 0;
  // What is wrong with it.
  std::string problem;
  bool intact() const { return broken_sequence == 0; }
};

// Walks the trail in `store` in order and checks each entry: its key is the
// next sequence number, it opens and parses, it names the previous entry's
// hash, and its own hash matches its content. Stops at the first that does
// not. Errors only when the database itself cannot be read.
absl::StatusOr<Verification> VerifyTrail(const storage::Store& store);

// Calls `fn` for entries after `after_sequence` in order, at most `limit`,
// until it returns false.
absl::Status ListEntries(const storage::Store& store, int64_t after_sequence, int limit,
                         const std::function<bool(const v1::AuditEntry&)>& fn);

}  // namespace samepage::audit
