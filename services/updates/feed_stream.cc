#include "services/updates/feed_stream.h"

#include "absl/strings/str_cat.h"
#include "common/status/grpc_status.h"

namespace samepage::updates {

FeedStream::FeedStream(Feed* feed, rpc::WorkerPool* workers, std::string person,
                       int64_t after_sequence)
    : feed_(feed),
      workers_(workers),
      person_(std::move(person)),
      life_(std::make_shared<Life>()),
      cursor_(after_sequence) {
  {
    absl::MutexLock lock(&life_->mu);
    life_->stream = this;
  }
  Pump();
}

void FeedStream::OnWriteDone(bool ok) {
  {
    absl::MutexLock lock(&life_->mu);
    write_in_flight_ = false;
    if (!ok) finishing_ = true;
  }
  Pump();
}

void FeedStream::OnCancel() {
  {
    absl::MutexLock lock(&life_->mu);
    finishing_ = true;
    finish_status_ = grpc::Status::CANCELLED;
  }
  Pump();
}

void FeedStream::OnDone() {
  {
    absl::MutexLock lock(&life_->mu);
    life_->stream = nullptr;
    if (waiter_.has_value()) feed_->store()->CancelNotify(*waiter_);
  }
  delete this;
}

void FeedStream::Pump() {
  Step step;
  {
    absl::MutexLock lock(&life_->mu);
    step = Decide();
  }
  Act(step);
}

FeedStream::Step FeedStream::Decide() {
  if (finished_ || write_in_flight_ || reading_) return Step::kNone;
  if (feed_->store()->closing() && !finishing_) {
    finish_status_ = grpc::Status(
        grpc::StatusCode::UNAVAILABLE,
        absl::StrCat("server shutting down; resume after sequence ", cursor_));
    finishing_ = true;
  }
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
  if (waiter_.has_value()) return Step::kNone;
  if (idle_at_.has_value()) {
    WaitForMore();
    if (waiter_.has_value()) return Step::kNone;
  }
  reading_ = true;
  return Step::kRead;
}

void FeedStream::WaitForMore() {
  const int64_t idle_at = *idle_at_;
  idle_at_.reset();
  std::weak_ptr<Life> weak = life_;
  waiter_ = feed_->store()->NotifyAfter(idle_at, [weak] {
    std::shared_ptr<Life> life = weak.lock();
    if (life == nullptr) return;
    FeedStream* stream = nullptr;
    Step step = Step::kNone;
    {
      absl::MutexLock lock(&life->mu);
      stream = life->stream;
      if (stream == nullptr) return;
      stream->waiter_.reset();
      step = stream->Decide();
    }
    stream->Act(step);
  });
}

void FeedStream::Act(Step step) {
  switch (step) {
    case Step::kWrite:
      StartWrite(&current_);
      break;
    case Step::kFinish:
      Finish(finish_status_);
      break;
    case Step::kRead: {
      int64_t cursor;
      {
        absl::MutexLock lock(&life_->mu);
        cursor = cursor_;
      }
      workers_->Run([life = life_, feed = feed_, person = person_, cursor] {
        ReadOnWorker(life, feed, person, cursor);
      });
      break;
    }
    case Step::kNone:
      break;
  }
}

void FeedStream::ReadOnWorker(std::shared_ptr<Life> life, Feed* feed, std::string person,
                              int64_t cursor) {
  // Read the revision first: anything committed after it wakes the waiter.
  const int64_t revision = feed->store()->LatestRevision();
  absl::StatusOr<Feed::Page> page = feed->Read(person, cursor, kBatch);
  FeedStream* stream = nullptr;
  Step step = Step::kNone;
  {
    absl::MutexLock lock(&life->mu);
    stream = life->stream;
    if (stream == nullptr) return;
    stream->reading_ = false;
    if (!page.ok()) {
      // A peer is down: end the stream rather than skip what it would have
      // decided; the subscriber resumes from its last sequence.
      if (!stream->finishing_) {
        stream->finish_status_ = grpc::Status(
            grpc::StatusCode::UNAVAILABLE,
            absl::StrCat(page.status().message(), "; resume after sequence ", stream->cursor_));
        stream->finishing_ = true;
      }
    } else {
      for (v1::Update& u : page->visible) {
        v1::StreamUpdatesResponse r;
        *r.mutable_update() = std::move(u);
        stream->pending_.push_back(std::move(r));
      }
      stream->cursor_ = page->last_examined;
      if (!page->more && page->visible.empty()) stream->idle_at_ = revision;
    }
    step = stream->Decide();
  }
  stream->Act(step);
}

}  // namespace samepage::updates
