#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/storage/store.h"

namespace samepage::events {

// One subscription to a producer's event log, in revision order, as an event
// consumer reads it: over gRPC from a service hosted elsewhere
// (grpc_event_stream.h) or straight from the producer's store when it is
// hosted in the same process (store_event_stream.h).
template <typename Response>
class EventStream {
 public:
  virtual ~EventStream() = default;
  // Blocks until the next event is in `response`; false once the stream has
  // ended (failure, Cancel, the producer shutting down). The consumer then
  // opens a new one after its cursor.
  virtual bool Read(Response* response) = 0;
  // Ends the stream from another thread: a blocked or later Read returns
  // false.
  virtual void Cancel() = 0;
};

// Opens a stream of the events after `after_revision`.
template <typename Response>
using OpenEventStream =
    std::function<absl::StatusOr<std::unique_ptr<EventStream<Response>>>(int64_t after_revision)>;

// Turns a stored event into the service's WatchEventsResponse, or fails for
// a corrupt record.
template <typename Response>
using EventDecoder =
    std::function<absl::StatusOr<Response>(int64_t revision, absl::string_view payload)>;

// Reads at most `limit` events after `*cursor` from `store`, decoded and
// marked with the store's latest revision (so that consumers know their
// lag), onto `out`; moves `*cursor` to the last one read. A corrupt event
// fails after the ones before it.
template <typename Response>
absl::Status ReadDecodedEvents(const storage::Store& store, const EventDecoder<Response>& decode,
                               int limit, int64_t* cursor, std::deque<Response>* out) {
  // Read before the events: one committed meanwhile may be newer than it,
  // which consumers allow for (they take the larger).
  const int64_t latest = store.LatestRevision();
  absl::Status failed;
  absl::Status read =
      store.ReadEvents(*cursor, limit, [&](int64_t revision, absl::string_view payload) {
        absl::StatusOr<Response> decoded = decode(revision, payload);
        if (!decoded.ok()) {
          failed = decoded.status();
          return false;
        }
        decoded->set_latest_revision(latest);
        out->push_back(*std::move(decoded));
        *cursor = revision;
        return true;
      });
  return read.ok() ? failed : read;
}

}  // namespace samepage::events
