#pragma once

#include <algorithm>
#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "common/events/event_stream.h"
#include "common/storage/store.h"

namespace samepage::events {

// Durable cursors of event consumers, kept in the consuming service's own
// database (column family "cursors") so that a restart resumes where it left.
inline constexpr char kCursorsColumnFamily[] = "cursors";
absl::StatusOr<int64_t> ReadCursor(const storage::ReadView& view, const std::string& consumer);
void WriteCursor(storage::Batch& batch, const std::string& consumer, int64_t revision);

// Follows another service's event log (an EventStream: its WatchEvents
// stream, or its store when it is hosted in this process) on a thread of its
// own and hands each event to `handle`, at least once and in order. The
// cursor is stored after each event is handled, so a crash between the two
// replays the event: handlers are idempotent. Reopens the stream after
// failures.
//
// Reading and handling overlap: while events are being handled, a second
// thread reads the ones that follow (at most kMaxQueued ahead). A batch
// handler is given everything that arrived meanwhile at once, so that a
// burst of events costs one write (and one sync) instead of one each.
template <typename Response>
class EventConsumer {
 public:
  using Open = OpenEventStream<Response>;
  // Applies one event. An error is retried later, from the same event.
  using Handle = std::function<absl::Status(const Response& response, int64_t revision)>;
  // Applies consecutive events (oldest first, at least one) and stores the
  // cursor (WriteCursor: the last one's revision) in the same transaction.
  // An error is retried later, from the first of them.
  using HandleBatch = std::function<absl::Status(const std::vector<Response>& responses)>;

  // How many events are read ahead of the handler at most.
  static constexpr size_t kMaxQueued = 256;

  // Who stores the cursor. A handler that writes its effects and the cursor
  // (WriteCursor) in one transaction applies each event exactly once, and
  // may skip the write for events it ignores.
  enum class Cursor { kSavedByConsumer, kSavedByHandler };

  EventConsumer(std::string name, storage::Store* store, Open open, Handle handle,
                absl::Duration retry_delay = absl::Milliseconds(200),
                Cursor cursor = Cursor::kSavedByConsumer)
      : name_(std::move(name)),
        store_(store),
        open_(std::move(open)),
        handle_(std::move(handle)),
        retry_delay_(retry_delay),
        cursor_saved_by_(cursor) {}

  EventConsumer(std::string name, storage::Store* store, Open open, HandleBatch handle_batch,
                absl::Duration retry_delay = absl::Milliseconds(200))
      : EventConsumer(std::move(name), store, std::move(open), Handle(), retry_delay,
                      Cursor::kSavedByHandler) {
    handle_batch_ = std::move(handle_batch);
  }

  ~EventConsumer() { Stop(); }

  absl::Status Start() {
    absl::StatusOr<int64_t> cursor = ReadCursor(store_->reader(), name_);
    if (!cursor.ok()) return cursor.status();
    cursor_.store(*cursor);
    thread_ = std::thread([this] { Run(); });
    return absl::OkStatus();
  }

  void Stop() {
    if (!thread_.joinable()) return;
    stopping_.Notify();
    {
      absl::MutexLock lock(&mu_);
      if (active_ != nullptr) active_->Cancel();
    }
    thread_.join();
  }

  // The last revision handled; with the producer's latest revision this is
  // the consumer's lag.
  int64_t cursor() const { return cursor_.load(); }
  // The newest revision seen on the stream (not necessarily handled yet).
  int64_t seen() const { return seen_.load(); }
  // The producer's newest revision as last reported by the stream.
  int64_t head() const { return head_.load(); }
  // How many of the producer's events are not handled yet, as far as this
  // consumer knows (0 before the first event arrives).
  int64_t lag() const { return std::max<int64_t>(0, head() - cursor()); }
  const std::string& name() const { return name_; }

 private:
  void Run() {
    while (!stopping_.HasBeenNotified()) {
      RunOnce();
      stopping_.WaitForNotificationWithTimeout(retry_delay_);
    }
  }

  void RunOnce() {
    absl::StatusOr<std::unique_ptr<EventStream<Response>>> stream = open_(cursor_);
    if (!stream.ok()) return;
    {
      absl::MutexLock lock(&mu_);
      if (stopping_.HasBeenNotified()) return;
      active_ = stream->get();
    }
    std::thread reading([this, s = stream->get()] { ReadAhead(s); });
    HandleQueued();
    // Ends the read ahead, which waits for room or blocks in Read.
    (*stream)->Cancel();
    reading.join();
    absl::MutexLock lock(&mu_);
    active_ = nullptr;
    queue_.clear();
    read_done_ = false;
    abandoned_ = false;
  }

  // On the read-ahead thread: queues the stream's events until it ends or
  // the handler gives up on it.
  void ReadAhead(EventStream<Response>* stream) {
    Response response;
    while (!stopping_.HasBeenNotified() && stream->Read(&response)) {
      int64_t revision = response.event().revision();
      seen_.store(revision);
      head_.store(std::max(revision, response.latest_revision()));
      if (revision <= cursor_) continue;  // replayed after a reconnect
      absl::MutexLock lock(&mu_);
      auto room = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return queue_.size() < kMaxQueued || abandoned_;
      };
      mu_.Await(absl::Condition(&room));
      if (abandoned_) break;
      queue_.push_back(std::move(response));
    }
    absl::MutexLock lock(&mu_);
    read_done_ = true;
  }

  // Hands what is queued to the handler until the stream ends, the handler
  // fails (the events are read again after a reconnect) or Stop is called.
  void HandleQueued() {
    for (;;) {
      std::vector<Response> batch;
      {
        absl::MutexLock lock(&mu_);
        auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
          return !queue_.empty() || read_done_;
        };
        mu_.Await(absl::Condition(&ready));
        if (queue_.empty()) return;
        batch.swap(queue_);
      }
      if (stopping_.HasBeenNotified() || !HandleEvents(batch).ok()) {
        absl::MutexLock lock(&mu_);
        abandoned_ = true;
        return;
      }
    }
  }

  absl::Status HandleEvents(const std::vector<Response>& batch) {
    if (handle_batch_) {
      absl::Status handled = handle_batch_(batch);
      if (handled.ok()) cursor_.store(batch.back().event().revision());
      return handled;
    }
    for (const Response& response : batch) {
      int64_t revision = response.event().revision();
      absl::Status handled = handle_(response, revision);
      if (!handled.ok()) return handled;
      if (cursor_saved_by_ == Cursor::kSavedByConsumer) {
        absl::Status saved = store_->Transact([&](const storage::ReadView&, storage::Batch& write) {
          WriteCursor(write, name_, revision);
          return absl::OkStatus();
        });
        if (!saved.ok()) return saved;
      }
      cursor_.store(revision);
    }
    return absl::OkStatus();
  }

  const std::string name_;
  storage::Store* store_;
  Open open_;
  Handle handle_;  // one of these two
  HandleBatch handle_batch_;
  const absl::Duration retry_delay_;
  const Cursor cursor_saved_by_;

  std::thread thread_;
  absl::Notification stopping_;
  absl::Mutex mu_;
  EventStream<Response>* active_ ABSL_GUARDED_BY(mu_) = nullptr;
  // Read ahead of the handler, oldest first.
  std::vector<Response> queue_ ABSL_GUARDED_BY(mu_);
  bool read_done_ ABSL_GUARDED_BY(mu_) = false;  // the stream ended
  bool abandoned_ ABSL_GUARDED_BY(mu_) = false;  // the handler stopped taking events
  std::atomic<int64_t> cursor_{0};
  std::atomic<int64_t> seen_{0};
  std::atomic<int64_t> head_{0};
};

}  // namespace samepage::events
