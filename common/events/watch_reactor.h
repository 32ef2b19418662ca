#pragma once

#include <grpcpp/grpcpp.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "common/events/event_stream.h"
#include "common/status/grpc_status.h"
#include "common/storage/store.h"

namespace samepage::events {

// Streams a store's event log to one subscriber: first the stored events
// after the requested revision, then new ones as they are committed. It never
// blocks a gRPC thread: when caught up it registers a one-shot notification
// with the store and returns. At most one write is in flight, so a slow
// subscriber holds one message, never a growing queue; it simply reads the
// log later.
//
// `Response` is the service's WatchEventsResponse (with `latest_revision`,
// set here so that consumers know their lag); `decode` turns a stored event
// into one, or fails for a corrupt record (which ends the stream).
template <typename Response>
class WatchReactor final : public grpc::ServerWriteReactor<Response> {
 public:
  using Decoder = EventDecoder<Response>;

  // `slot`, if any, is held until the stream is done (a per-caller count
  // of open streams).
  WatchReactor(storage::Store* store, int64_t after_revision, Decoder decode,
               std::shared_ptr<void> slot = nullptr)
      : store_(store),
        decode_(std::move(decode)),
        slot_(std::move(slot)),
        life_(std::make_shared<Life>()),
        cursor_(after_revision) {
    life_->reactor = this;
    Pump();
  }

  void OnWriteDone(bool ok) override {
    {
      absl::MutexLock lock(&life_->mu);
      write_in_flight_ = false;
      if (!ok) finishing_ = true;
    }
    Pump();
  }

  void OnCancel() override {
    {
      absl::MutexLock lock(&life_->mu);
      finishing_ = true;
      finish_status_ = grpc::Status::CANCELLED;
    }
    Pump();
  }

  void OnDone() override {
    {
      absl::MutexLock lock(&life_->mu);
      life_->reactor = nullptr;
      if (waiter_.has_value()) store_->CancelNotify(*waiter_);
    }
    delete this;
  }

 private:
  // Shared with the store's notification so that a notification arriving
  // after the stream is done finds no reactor instead of a dangling one.
  struct Life {
    absl::Mutex mu;
    WatchReactor* reactor = nullptr;
  };

  enum class Step { kNone, kWrite, kFinish };

  void Pump() {
    Step step;
    {
      absl::MutexLock lock(&life_->mu);
      step = Decide();
    }
    Act(step);
  }

  // Decides the next step under the lock; Act performs it outside, since gRPC
  // may run reactions inline. Once Decide has chosen kWrite or kFinish, no
  // other thread can finish the stream, so the reactor outlives the Act.
  Step Decide() ABSL_EXCLUSIVE_LOCKS_REQUIRED(life_->mu) {
    if (finished_ || write_in_flight_) return Step::kNone;
    // Bounded: each round either returns or finds newly committed events.
    for (int round = 0; round < 1000; ++round) {
      if (store_->closing() && !finishing_) {
        finish_status_ = grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                      "server shutting down; resume from your last revision");
        finishing_ = true;
      }
      if (!finishing_ && pending_.empty()) Refill();
      if (finishing_) {
        finished_ = true;
        return Step::kFinish;
      }
      if (!pending_.empty()) {
        current_ = std::move(pending_.front());
        pending_.pop_front();
        write_in_flight_ = true;
        return Step::kWrite;
      }
      if (RegisterWaiter()) return Step::kNone;
    }
    finish_status_ = grpc::Status(grpc::StatusCode::UNAVAILABLE, "event stream: try again");
    finished_ = true;
    return Step::kFinish;
  }

  void Act(Step step) {
    if (step == Step::kWrite) this->StartWrite(&current_);
    if (step == Step::kFinish) this->Finish(finish_status_);
  }

  void Refill() ABSL_EXCLUSIVE_LOCKS_REQUIRED(life_->mu) {
    absl::Status read = ReadDecodedEvents(*store_, decode_, kBatch, &cursor_, &pending_);
    if (!read.ok()) {
      finish_status_ = ToGrpcStatus(read);
      finishing_ = true;
    }
  }

  // Returns false when an event newer than the cursor is already committed.
  bool RegisterWaiter() ABSL_EXCLUSIVE_LOCKS_REQUIRED(life_->mu) {
    if (waiter_.has_value()) return true;
    std::weak_ptr<Life> weak = life_;
    waiter_ = store_->NotifyAfter(cursor_, [weak] {
      std::shared_ptr<Life> life = weak.lock();
      if (life == nullptr) return;
      WatchReactor* reactor = nullptr;
      Step step = Step::kNone;
      {
        absl::MutexLock lock(&life->mu);
        reactor = life->reactor;
        if (reactor == nullptr) return;
        reactor->waiter_.reset();
        step = reactor->Decide();
      }
      reactor->Act(step);
    });
    return waiter_.has_value();
  }

  static constexpr int kBatch = 64;

  storage::Store* store_;
  Decoder decode_;
  std::shared_ptr<void> slot_;
  std::shared_ptr<Life> life_;
  int64_t cursor_ ABSL_GUARDED_BY(life_->mu);
  std::deque<Response> pending_ ABSL_GUARDED_BY(life_->mu);
  Response current_;
  bool write_in_flight_ ABSL_GUARDED_BY(life_->mu) = false;
  bool finishing_ ABSL_GUARDED_BY(life_->mu) = false;
  bool finished_ ABSL_GUARDED_BY(life_->mu) = false;
  grpc::Status finish_status_ = grpc::Status::OK;
  std::optional<storage::Store::WaiterId> waiter_ ABSL_GUARDED_BY(life_->mu);
};

}  // namespace samepage::events
