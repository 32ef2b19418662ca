#include "common/audit/audit_verify.h"

#include "absl/strings/str_cat.h"
#include "common/audit/audit_log.h"
#include "common/status/status_macros.h"
#include "common/storage/keys.h"

namespace samepage::audit {

absl::StatusOr<Verification> VerifyTrail(const storage::Store& store) {
  Verification result;
  std::string previous_hash;
  auto broken = [&](std::string problem) {
    result.broken_sequence = result.verified + 1;
    result.problem = std::move(problem);
    return false;
  };
  absl::Status scanned = store.reader().Scan(
      kAuditColumnFamily, "", "", [&](absl::string_view key, absl::string_view value) {
        int64_t expected = result.verified + 1;
        if (key != AuditKey(expected)) {
          return broken(absl::StrCat("the entry stored after entry ", result.verified,
                                     " is not entry ", expected,
                                     " (removed, reordered or inserted entries)"));
        }
        v1::AuditEntry entry;
        if (!entry.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
          return broken("not a readable entry");
        }
        if (entry.sequence() != expected) {
          return broken(absl::StrCat("carries sequence ", entry.sequence()));
        }
        if (entry.previous_hash() != previous_hash) {
          return broken("does not name the previous entry's hash (an entry before it is missing "
                        "or was replaced)");
        }
        if (EntryHash(entry) != entry.hash()) {
          return broken("its content does not match its hash (altered)");
        }
        previous_hash = entry.hash();
        result.verified = expected;
        result.head_hash = entry.hash();
        return true;
      });
  if (!scanned.ok()) {
    // A value that fails decryption stops the scan: with encryption, an
    // altered entry shows up here, at the entry after the last good one.
    if (scanned.code() == absl::StatusCode::kDataLoss ||
        scanned.code() == absl::StatusCode::kFailedPrecondition) {
      result.broken_sequence = result.verified + 1;
      result.problem = std::string(scanned.message());
      return result;
    }
    return scanned;
  }
  return result;
}

absl::Status ListEntries(const storage::Store& store, int64_t after_sequence, int limit,
                         const std::function<bool(const v1::AuditEntry&)>& fn) {
  int count = 0;
  absl::Status parse_error;
  std::string after = after_sequence > 0 ? AuditKey(after_sequence) : "";
  RETURN_IF_ERROR(store.reader().Scan(
      kAuditColumnFamily, "", after, [&](absl::string_view, absl::string_view value) {
        if (count >= limit) return false;
        v1::AuditEntry entry;
        if (!entry.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
          parse_error = absl::DataLossError("audit trail: an entry is not readable");
          return false;
        }
        ++count;
        return fn(entry);
      }));
  return parse_error;
}

}  // namespace samepage::audit
