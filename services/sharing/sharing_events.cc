#include "services/sharing/sharing_events.h"

#include "absl/strings/str_cat.h"
#include "common/events/event_consumer.h"
#include "services/sharing/decision_point.h"
#include "services/sharing/information_requests.h"

namespace samepage::sharing {

std::vector<std::string> SharingColumnFamilies() {
  std::vector<std::string> cfs = DecisionPoint::ColumnFamilies();
  for (std::string& cf : InformationRequests::ColumnFamilies()) cfs.push_back(std::move(cf));
  cfs.push_back(events::kCursorsColumnFamily);  // the registry-events consumer's cursor
  return cfs;
}

int64_t AppendEvent(storage::Batch& batch, const sharing::v1::Event& event) {
  return batch.AppendEvent(event.SerializeAsString());
}

absl::StatusOr<sharing::v1::WatchEventsResponse> DecodeEvent(int64_t revision,
                                                             absl::string_view payload) {
  sharing::v1::WatchEventsResponse response;
  if (!response.mutable_event()->ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {
    return absl::DataLossError(absl::StrCat("event ", revision, ": stored event is corrupt"));
  }
  response.mutable_event()->set_revision(revision);
  return response;
}

}  // namespace samepage::sharing
