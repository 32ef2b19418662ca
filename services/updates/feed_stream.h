#pragma once

#include <grpcpp/grpcpp.h>

#include <deque>
#include <memory>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "common/rpc/worker_pool.h"
#include "common/storage/store.h"
#include "samepage/updates/v1/updates_service.pb.h"
#include "services/updates/feed.h"

namespace samepage::updates {

// Streams one person's feed: the updates already there, then new ones as
// they are appended. Reading and deciding visibility ask other services, so
// they run on `workers`, never on a gRPC thread, one read at a time. At most
// one read's worth of updates is held per stream and one message is in
// flight: a subscriber that does not read costs a bounded amount and never
// slows the writers, who only wake it.
class FeedStream final : public grpc::ServerWriteReactor<v1::StreamUpdatesResponse> {
 public:
  FeedStream(Feed* feed, rpc::WorkerPool* workers, std::string person, int64_t after_sequence);

  void OnWriteDone(bool ok) override;
  void OnCancel() override;
  void OnDone() override;

 private:
  // Shared with reads in progress and store notifications, so that either
  // arriving after the stream is done finds no stream instead of a dangling
  // one.
  struct Life {
    absl::Mutex mu;
    FeedStream* stream ABSL_GUARDED_BY(mu) = nullptr;
  };
  enum class Step { kNone, kWrite, kFinish, kRead };

  void Pump();
  // Chooses the next step under the lock; Act performs it outside. While a
  // write or a read is outstanding nothing else can finish the stream, so it
  // outlives the Act.
  Step Decide() ABSL_EXCLUSIVE_LOCKS_REQUIRED(life_->mu);
  void Act(Step step);
  static void ReadOnWorker(std::shared_ptr<Life> life, Feed* feed, std::string person,
                           int64_t cursor);
  void WaitForMore() ABSL_EXCLUSIVE_LOCKS_REQUIRED(life_->mu);

  static constexpr int kBatch = 32;

  Feed* const feed_;
  rpc::WorkerPool* const workers_;
  const std::string person_;
  std::shared_ptr<Life> life_;
  int64_t cursor_ ABSL_GUARDED_BY(life_->mu);
  // The store's revision when the last read found nothing new.
  std::optional<int64_t> idle_at_ ABSL_GUARDED_BY(life_->mu);
  std::optional<storage::Store::WaiterId> waiter_ ABSL_GUARDED_BY(life_->mu);
  std::deque<v1::StreamUpdatesResponse> pending_ ABSL_GUARDED_BY(life_->mu);
  v1::StreamUpdatesResponse current_;
  bool reading_ ABSL_GUARDED_BY(life_->mu) = false;
  bool write_in_flight_ ABSL_GUARDED_BY(life_->mu) = false;
  bool finishing_ ABSL_GUARDED_BY(life_->mu) = false;
  bool finished_ ABSL_GUARDED_BY(life_->mu) = false;
  grpc::Status finish_status_ = grpc::Status::OK;
};

}  // namespace samepage::updates
