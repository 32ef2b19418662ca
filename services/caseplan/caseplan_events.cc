#include "services/caseplan/caseplan_events.h"

#include "absl/strings/str_cat.h"
#include "common/events/event_consumer.h"
#include "services/caseplan/note_store.h"
#include "services/caseplan/plan_store.h"

namespace samepage::caseplan {

std::vector<std::string> CasePlanColumnFamilies() {
  std::vector<std::string> out = PlanStore::ColumnFamilies();
  for (std::string& cf : NoteStore::ColumnFamilies()) out.push_back(std::move(cf));
  out.push_back(events::kCursorsColumnFamily);  // the registry-events consumer's cursor
  return out;
}

int64_t AppendEvent(storage::Batch& batch, const v1::Event& event) {
  return batch.AppendEvent(event.SerializeAsString());
}

absl::StatusOr<v1::WatchEventsResponse> DecodeEvent(int64_t revision, absl::string_view payload) {
  v1::WatchEventsResponse response;
  if (!response.mutable_event()->ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {
    return absl::DataLossError(absl::StrCat("event ", revision, ": stored event is corrupt"));
  }
  response.mutable_event()->set_revision(revision);
  return response;
}

}  // namespace samepage::caseplan
