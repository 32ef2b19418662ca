#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "common/events/event_stream.h"
#include "common/storage/store.h"

namespace samepage::events {

// A producer's event log read straight from its store, for a consumer in the
// same process: what WatchEvents would send, without serialising each event,
// sending it over loopback and parsing it again. Waits for commits with the
// store's NotifyAfter, as WatchEvents does. The store must outlive the
// stream; the stream ends when the store begins to close.
template <typename Response>
class StoreEventStream final : public EventStream<Response> {
 public:
  StoreEventStream(storage::Store* store, int64_t after_revision, EventDecoder<Response> decode)
      : store_(store), decode_(std::move(decode)), cursor_(after_revision) {}

  bool Read(Response* response) override {
    // Each round hands out an event, ends the stream, or waits for a commit
    // newer than the cursor.
    for (;;) {
      if (!pending_.empty()) {
        *response = std::move(pending_.front());
        pending_.pop_front();
        return true;
      }
      if (failed_ || cancelled() || store_->closing()) return false;
      // What was read before a corrupt event is still handed out; the stream
      // ends at it (WatchEvents ends there too).
      failed_ = !ReadDecodedEvents(*store_, decode_, kBatch, &cursor_, &pending_).ok();
      if (!pending_.empty()) continue;
      if (failed_ || !WaitForCommit()) return false;
    }
  }

  void Cancel() override {
    absl::MutexLock lock(&wake_->mu);
    wake_->cancelled = true;
  }

 private:
  // Shared with the store's notification, which may fire after the stream
  // is gone.
  struct Wake {
    absl::Mutex mu;
    bool woken ABSL_GUARDED_BY(mu) = false;
    bool cancelled ABSL_GUARDED_BY(mu) = false;
  };

  bool cancelled() const {
    absl::MutexLock lock(&wake_->mu);
    return wake_->cancelled;
  }

  // Waits until an event newer than the cursor is committed, the store
  // begins to close (which wakes every waiter) or Cancel; false for Cancel.
  bool WaitForCommit() {
    std::optional<storage::Store::WaiterId> id = store_->NotifyAfter(cursor_, [wake = wake_] {
      absl::MutexLock lock(&wake->mu);
      wake->woken = true;
    });
    // Not registered: a newer event is already committed (or the store is
    // closing, which the next round sees).
    if (!id.has_value()) return true;
    bool cancelled;
    {
      absl::MutexLock lock(&wake_->mu);
      wake_->mu.Await(absl::Condition(
          +[](Wake* w) ABSL_EXCLUSIVE_LOCKS_REQUIRED(w->mu) { return w->woken || w->cancelled; },
          wake_.get()));
      wake_->woken = false;
      cancelled = wake_->cancelled;
    }
    // Outside the lock: the store fires notifications under none of its
    // locks, but takes its own to forget one.
    store_->CancelNotify(*id);
    return !cancelled;
  }

  static constexpr int kBatch = 64;

  storage::Store* store_;
  EventDecoder<Response> decode_;
  int64_t cursor_;
  std::deque<Response> pending_;
  bool failed_ = false;
  std::shared_ptr<Wake> wake_ = std::make_shared<Wake>();
};

}  // namespace samepage::events
