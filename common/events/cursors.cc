#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/events/event_consumer.h"

namespace samepage::events {

absl::StatusOr<int64_t> ReadCursor(const storage::ReadView& view, const std::string& consumer) {
  absl::StatusOr<std::optional<std::string>> raw = view.Get(kCursorsColumnFamily, consumer);
  if (!raw.ok()) return raw.status();
  if (!raw->has_value()) return 0;
  int64_t revision = 0;
  if (!absl::SimpleAtoi(**raw, &revision)) {
    return absl::DataLossError(absl::StrCat("cursor of ", consumer, " is corrupt"));
  }
  return revision;
}

void WriteCursor(storage::Batch& batch, const std::string& consumer, int64_t revision) {
  batch.Put(kCursorsColumnFamily, consumer, absl::StrCat(revision));
}

}  // namespace samepage::events
