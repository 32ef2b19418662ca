#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/identity/caller.h"
#include "common/storage/store.h"
#include "samepage/updates/v1/updates_service.pb.h"
#include "services/updates/fanout.h"
#include "services/updates/peers.h"

namespace samepage::updates {

// The column families of the updates service's store.
std::vector<std::string> UpdatesColumnFamilies();

// People's feeds. Each update is appended to the store's event log (its
// revision is its sequence) and indexed by person, in the same write as the
// cursor of the event it came from: an event is applied exactly once even
// though the consumers deliver at least once.
class Feed {
 public:
  Feed(storage::Store* store, Peers* peers) : store_(store), peers_(peers) {}

  // The updates made from one event (`revision`) of a stream.
  struct FromEvent {
    int64_t revision = 0;
    std::vector<Addressed> updates;
  };
  // Appends the updates of consecutive `events` (oldest first) of the
  // stream that `consumer` follows, skipping those applied already, in one
  // write with the consumer's cursor.
  absl::Status Apply(const std::string& consumer, std::vector<FromEvent> events);

  // What `person` may see of their feed after `after_sequence`, examining at
  // most `limit` entries. `last_examined` is where the next read starts
  // (equal to `after_sequence` when there was nothing); `more` says whether
  // entries remain beyond it.
  struct Page {
    std::vector<v1::Update> visible;
    int64_t last_examined = 0;
    bool more = false;
  };
  absl::StatusOr<Page> Read(const std::string& person, int64_t after_sequence, int limit);

  absl::StatusOr<v1::ListUpdatesResponse> ListUpdates(const identity::Caller& caller,
                                                      const v1::ListUpdatesRequest& req);

  // Checks a StreamUpdates request; returns the feed's person.
  absl::StatusOr<std::string> CheckStream(const identity::Caller& caller,
                                          const v1::StreamUpdatesRequest& req) const;

  storage::Store* store() { return store_; }

 private:
  // Whether each update may be shown to `person` now. Errors (a peer down)
  // fail the whole read: nothing is skipped that should have been shown.
  absl::StatusOr<std::vector<bool>> Visible(const std::string& person,
                                            const std::vector<v1::Update>& updates);

  storage::Store* store_;
  Peers* peers_;
};

}  // namespace samepage::updates
