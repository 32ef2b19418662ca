// The event log of a store read straight from it (StoreEventStream), and an
// EventConsumer following it, as a service hosted in the same process is
// followed.

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/events/event_consumer.h"
#include "common/events/store_event_stream.h"
#include "common/storage/store.h"
#include "gtest/gtest.h"
#include "samepage/registry/v1/registry_service.pb.h"
#include "tests/testing/temp_dir.h"

namespace samepage::events {
namespace {

using Response = registry::v1::WatchEventsResponse;
using ::samepage::testing::TempDir;

// A stored event is its actor's name; "corrupt" does not decode.
absl::StatusOr<Response> Decode(int64_t revision, absl::string_view payload) {
  if (payload == "corrupt") return absl::DataLossError("corrupt event");
  Response response;
  response.mutable_event()->set_revision(revision);
  response.mutable_event()->set_actor(std::string(payload));
  return response;
}

std::unique_ptr<storage::Store> Open(const std::string& path) {
  auto store = storage::Store::Open({.path = path, .column_families = {kCursorsColumnFamily}});
  EXPECT_TRUE(store.ok()) << store.status();
  return store.ok() ? *std::move(store) : nullptr;
}

void Commit(storage::Store& store, const std::vector<std::string>& payloads) {
  ASSERT_TRUE(store
                  .Transact([&](const storage::ReadView&, storage::Batch& batch) {
                    for (const std::string& payload : payloads) batch.AppendEvent(payload);
                    return absl::OkStatus();
                  })
                  .ok());
}

// Reads on a thread of its own, so that a Read that blocks cannot hang the
// test: `Wait` gives up after a bound.
class Reader {
 public:
  explicit Reader(EventStream<Response>* stream)
      : thread_([this, stream] {
          Response response;
          while (stream->Read(&response)) {
            absl::MutexLock lock(&mu_);
            read_.push_back(response);
          }
          absl::MutexLock lock(&mu_);
          ended_ = true;
        }) {}
  ~Reader() { thread_.join(); }

  // Waits at most `limit` for `count` events (or the end); returns what was
  // read.
  std::vector<Response> WaitFor(size_t count, absl::Duration limit = absl::Seconds(10)) {
    absl::MutexLock lock(&mu_);
    auto enough = [this, count]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return read_.size() >= count || ended_;
    };
    mu_.AwaitWithTimeout(absl::Condition(&enough), limit);
    return read_;
  }
  bool WaitForEnd() {
    absl::MutexLock lock(&mu_);
    return mu_.AwaitWithTimeout(absl::Condition(&ended_), absl::Seconds(10));
  }
  bool ended() {
    absl::MutexLock lock(&mu_);
    return ended_;
  }

 private:
  absl::Mutex mu_;
  std::vector<Response> read_ ABSL_GUARDED_BY(mu_);
  bool ended_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

std::vector<std::string> Actors(const std::vector<Response>& responses) {
  std::vector<std::string> out;
  for (const Response& r : responses) out.push_back(r.event().actor());
  return out;
}

TEST(StoreEventStreamTest, ReadsStoredEventsThenWaitsForCommits) {
  TempDir dir;
  auto store = Open(dir.path());
  ASSERT_NE(store, nullptr);
  Commit(*store, {"a", "b", "c"});
  StoreEventStream<Response> stream(store.get(), /*after_revision=*/1, &Decode);
  {
    Reader reader(&stream);
    std::vector<Response> read = reader.WaitFor(2);
    EXPECT_EQ(Actors(read), (std::vector<std::string>{"b", "c"}));
    ASSERT_EQ(read.size(), 2u);
    EXPECT_EQ(read[0].event().revision(), 2);
    EXPECT_EQ(read[1].latest_revision(), 3);
    // Caught up: the reader waits for the next commit, then gets it.
    EXPECT_FALSE(reader.ended());
    Commit(*store, {"d", "e"});
    read = reader.WaitFor(4);
    EXPECT_EQ(Actors(read), (std::vector<std::string>{"b", "c", "d", "e"}));
    EXPECT_EQ(read.back().event().revision(), 5);
    EXPECT_EQ(read.back().latest_revision(), 5);
    // Cancel ends a Read that waits.
    stream.Cancel();
    EXPECT_TRUE(reader.WaitForEnd());
  }
  Response response;
  EXPECT_FALSE(stream.Read(&response));
}

TEST(StoreEventStreamTest, EndsWhenTheStoreBeginsToClose) {
  TempDir dir;
  auto store = Open(dir.path());
  ASSERT_NE(store, nullptr);
  StoreEventStream<Response> stream(store.get(), 0, &Decode);
  Reader reader(&stream);
  EXPECT_TRUE(reader.WaitFor(1, absl::Milliseconds(100)).empty());
  EXPECT_FALSE(reader.ended());
  store->BeginClose();
  EXPECT_TRUE(reader.WaitForEnd());
}

TEST(StoreEventStreamTest, EndsAtACorruptEventAfterTheOnesBeforeIt) {
  TempDir dir;
  auto store = Open(dir.path());
  ASSERT_NE(store, nullptr);
  Commit(*store, {"a", "corrupt", "c"});
  StoreEventStream<Response> stream(store.get(), 0, &Decode);
  Reader reader(&stream);
  ASSERT_TRUE(reader.WaitForEnd());
  EXPECT_EQ(Actors(reader.WaitFor(1)), (std::vector<std::string>{"a"}));
}

// A consumer in the same process as its producer: every event applied once,
// in order, in batches when events wait, and resumed after its cursor.
TEST(EventConsumerTest, FollowsAHostedStoreInBatchesAndResumesAfterItsCursor) {
  TempDir dir;
  auto producer = Open(dir.Sub("producer"));
  auto consumer_store = Open(dir.Sub("consumer"));
  ASSERT_NE(producer, nullptr);
  ASSERT_NE(consumer_store, nullptr);
  std::vector<std::string> first;
  for (int i = 1; i <= 50; ++i) first.push_back(absl::StrCat("e", i));
  Commit(*producer, first);

  absl::Mutex mu;
  std::vector<std::string> applied;  // guarded by mu
  std::vector<size_t> batch_sizes;   // guarded by mu
  std::atomic<EventConsumer<Response>*> running{nullptr};
  auto make_consumer = [&] {
    return std::make_unique<EventConsumer<Response>>(
        "test-consumer", consumer_store.get(),
        [&](int64_t after) -> absl::StatusOr<std::unique_ptr<EventStream<Response>>> {
          return std::make_unique<StoreEventStream<Response>>(producer.get(), after, &Decode);
        },
        [&](const std::vector<Response>& batch) -> absl::Status {
          bool first_batch;
          {
            absl::MutexLock lock(&mu);
            first_batch = batch_sizes.empty();
          }
          // The first batch waits (at most 10 s) until the read ahead has
          // seen every event, so that the rest arrive together.
          for (int i = 0; first_batch && i < 1000; ++i) {
            EventConsumer<Response>* consumer = running.load();
            if (consumer != nullptr && consumer->seen() >= 50) break;
            absl::SleepFor(absl::Milliseconds(10));
          }
          absl::Status written =
              consumer_store->Transact([&](const storage::ReadView&, storage::Batch& write) {
                WriteCursor(write, "test-consumer", batch.back().event().revision());
                return absl::OkStatus();
              });
          absl::MutexLock lock(&mu);
          for (const Response& r : batch) applied.push_back(r.event().actor());
          batch_sizes.push_back(batch.size());
          return written;
        });
  };
  auto wait_for_cursor = [](EventConsumer<Response>& consumer, int64_t revision) {
    for (int i = 0; i < 1000 && consumer.cursor() < revision; ++i) {
      absl::SleepFor(absl::Milliseconds(10));
    }
    return consumer.cursor();
  };

  auto consumer = make_consumer();
  running.store(consumer.get());
  ASSERT_TRUE(consumer->Start().ok());
  EXPECT_EQ(wait_for_cursor(*consumer, 50), 50);
  Commit(*producer, {"e51"});
  EXPECT_EQ(wait_for_cursor(*consumer, 51), 51);
  EXPECT_EQ(consumer->lag(), 0);
  consumer->Stop();
  running.store(nullptr);
  {
    absl::MutexLock lock(&mu);
    std::vector<std::string> expected = first;
    expected.push_back("e51");
    EXPECT_EQ(applied, expected);
    // The events that waited behind the first batch were applied together:
    // the first batch, at most two more (the read ahead may still have
    // been queueing the last one), and e51.
    EXPECT_LE(batch_sizes.size(), 4u);
    applied.clear();
  }

  // Restarted, it resumes after its stored cursor: nothing applied twice.
  Commit(*producer, {"e52", "e53"});
  auto again = make_consumer();
  ASSERT_TRUE(again->Start().ok());
  EXPECT_EQ(wait_for_cursor(*again, 53), 53);
  again->Stop();
  absl::MutexLock lock(&mu);
  EXPECT_EQ(applied, (std::vector<std::string>{"e52", "e53"}));
}

}  // namespace
}  // namespace samepage::events
