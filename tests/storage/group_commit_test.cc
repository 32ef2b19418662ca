// Group commit in Store::Transact: concurrent transactions share one synced
// write, yet each reads what earlier ones wrote, revisions stay in order, and
// a failed group write fails every transaction in it.
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/storage/store.h"
#include "gtest/gtest.h"
#include "rocksdb/env.h"
#include "rocksdb/file_system.h"
#include "tests/testing/faulty_wal_file_system.h"
#include "tests/testing/temp_dir.h"

namespace samepage::storage {
namespace {

using ::samepage::testing::FaultyWalFileSystem;
using ::samepage::testing::TempDir;

absl::StatusOr<std::unique_ptr<Store>> OpenAt(const std::string& path, rocksdb::Env* env = nullptr) {
  StoreOptions options{.path = path, .column_families = {"records"}};
  options.env = env;
  return Store::Open(options);
}

// A store in a temporary folder whose write-ahead log goes through a
// FaultyWalFileSystem (members in the order they are made and, reversed,
// destroyed).
struct FaultyStore {
  TempDir dir;
  FaultyWalFileSystem fs;
  std::unique_ptr<rocksdb::Env> env =
      rocksdb::NewCompositeEnv(std::shared_ptr<rocksdb::FileSystem>(&fs, [](auto*) {}));
  absl::StatusOr<std::unique_ptr<Store>> store = OpenAt(dir.path(), env.get());
};

int64_t Counter(const ReadView& view) {
  auto value = view.Get("records", "counter");
  int64_t n = 0;
  if (value.ok() && value->has_value()) EXPECT_TRUE(absl::SimpleAtoi(**value, &n));
  return n;
}

// Each transaction reads the counter, writes counter+1 and appends an event
// carrying the new value. Lost updates, a transaction that did not see an
// earlier unsynced one, or revisions out of order would all show as an
// event whose payload differs from its revision.
TEST(GroupCommitTest, ConcurrentTransactionsLoseNothingAndKeepRevisionOrder) {
  TempDir dir;
  constexpr int kThreads = 8;
  constexpr int kEach = 40;
  {
    auto store = OpenAt(dir.path());
    ASSERT_TRUE(store.ok()) << store.status();
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kEach; ++i) {
          absl::Status s = (*store)->Transact([&](const ReadView& view, Batch& batch) {
            int64_t next = Counter(view) + 1;
            batch.Put("records", "counter", absl::StrCat(next));
            batch.Put("records", absl::StrCat("by-", t, "-", i), absl::StrCat(next));
            int64_t revision = batch.AppendEvent(absl::StrCat(next));
            EXPECT_EQ(revision, next);
            return absl::OkStatus();
          });
          if (!s.ok()) ++failures;
        }
      });
    }
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(failures.load(), 0);
    EXPECT_EQ((*store)->LatestRevision(), kThreads * kEach);
    EXPECT_EQ(Counter((*store)->reader()), kThreads * kEach);
  }
  // Everything acknowledged is on disk, in order.
  auto store = OpenAt(dir.path());
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ(Counter((*store)->reader()), kThreads * kEach);
  int64_t expected = 1;
  ASSERT_TRUE((*store)
                  ->ReadEvents(0, kThreads * kEach + 10,
                               [&](int64_t revision, absl::string_view payload) {
                                 EXPECT_EQ(revision, expected);
                                 EXPECT_EQ(payload, absl::StrCat(expected));
                                 ++expected;
                                 return true;
                               })
                  .ok());
  EXPECT_EQ(expected, kThreads * kEach + 1);
  int records = 0;
  ASSERT_TRUE((*store)
                  ->reader()
                  .Scan("records", "by-", "",
                        [&](absl::string_view, absl::string_view) {
                          ++records;
                          return true;
                        })
                  .ok());
  EXPECT_EQ(records, kThreads * kEach);
}

// A transaction queued behind a write in flight reads that write's values,
// including through scans (a pending put shows, a pending delete hides).
TEST(GroupCommitTest, QueuedTransactionReadsWhatTheWriteInFlightWrote) {
  FaultyStore faulty;
  ASSERT_TRUE(faulty.store.ok()) << faulty.store.status();
  auto& store = faulty.store;
  FaultyWalFileSystem& fs = faulty.fs;
  ASSERT_TRUE((*store)
                  ->Transact([](const ReadView&, Batch& batch) {
                    batch.Put("records", "k1", "old");
                    batch.Put("records", "k3", "gone-soon");
                    return absl::OkStatus();
                  })
                  .ok());

  fs.Hold();
  std::thread first([&] {
    EXPECT_TRUE((*store)
                    ->Transact([](const ReadView&, Batch& batch) {
                      batch.Put("records", "k1", "new");
                      batch.Put("records", "k2", "added");
                      batch.Delete("records", "k3");
                      batch.AppendEvent("first");
                      return absl::OkStatus();
                    })
                    .ok());
  });
  ASSERT_TRUE(fs.AwaitHeldAppend(absl::Seconds(10)));
  std::vector<std::string> seen;
  std::atomic<bool> second_ran{false};
  std::thread second([&] {
    EXPECT_TRUE((*store)
                    ->Transact([&](const ReadView& view, Batch& batch) {
                      auto k1 = view.Get("records", "k1");
                      seen.push_back(k1.ok() && k1->has_value() ? **k1 : "?");
                      EXPECT_TRUE(view.Scan("records", "k", "",
                                            [&](absl::string_view key, absl::string_view value) {
                                              seen.push_back(absl::StrCat(key, "=", value));
                                              return true;
                                            })
                                      .ok());
                      EXPECT_EQ(batch.AppendEvent("second"), 2);
                      second_ran = true;
                      return absl::OkStatus();
                    })
                    .ok());
  });
  // The second runs its `fn` while the first is still held: it must not wait.
  for (int i = 0; i < 2000 && !second_ran.load(); ++i) absl::SleepFor(absl::Milliseconds(5));
  EXPECT_TRUE(second_ran.load());
  EXPECT_EQ((*store)->LatestRevision(), 0);  // nothing acknowledged before the sync
  fs.Release();
  first.join();
  second.join();
  EXPECT_EQ(seen, (std::vector<std::string>{"new", "k1=new", "k2=added"}));
  EXPECT_EQ((*store)->LatestRevision(), 2);
}

// When the group's write fails, the transaction writing it and every
// transaction queued behind it fail; nothing of them is visible; writes work
// again once the disk does.
TEST(GroupCommitTest, FailedGroupWriteFailsEveryMember) {
  FaultyStore faulty;
  ASSERT_TRUE(faulty.store.ok()) << faulty.store.status();
  auto& store = faulty.store;
  FaultyWalFileSystem& fs = faulty.fs;
  const TempDir& dir = faulty.dir;
  ASSERT_TRUE((*store)
                  ->Transact([](const ReadView&, Batch& batch) {
                    batch.Put("records", "counter", "1");
                    batch.AppendEvent("1");
                    return absl::OkStatus();
                  })
                  .ok());

  fs.Hold();
  constexpr int kMembers = 5;
  std::vector<absl::Status> results(kMembers);
  std::vector<std::thread> threads;
  std::atomic<int> ran{0};
  for (int t = 0; t < kMembers; ++t) {
    threads.emplace_back([&, t] {
      results[t] = (*store)->Transact([&](const ReadView& view, Batch& batch) {
        batch.Put("records", "counter", absl::StrCat(Counter(view) + 1));
        batch.Put("records", absl::StrCat("member-", t), "x");
        batch.AppendEvent("member");
        ++ran;
        return absl::OkStatus();
      });
    });
    if (t == 0) ASSERT_TRUE(fs.AwaitHeldAppend(absl::Seconds(10)));
  }
  // Every member has run its `fn` and queued before the write is let go.
  for (int i = 0; i < 2000 && ran.load() < kMembers; ++i) absl::SleepFor(absl::Milliseconds(5));
  ASSERT_EQ(ran.load(), kMembers);
  fs.SetFailing(true);
  fs.Release();
  for (auto& thread : threads) thread.join();
  for (const absl::Status& s : results) {
    EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted) << s;
    EXPECT_TRUE(absl::StrContains(s.message(), dir.path())) << s;
  }
  EXPECT_EQ(Counter((*store)->reader()), 1);
  EXPECT_EQ((*store)->LatestRevision(), 1);
  for (int t = 0; t < kMembers; ++t) {
    EXPECT_FALSE((*store)->reader().Get("records", absl::StrCat("member-", t))->has_value());
  }
  // A transaction now reads what is on disk, not what failed.
  fs.SetFailing(false);
  absl::Status after = (*store)->Transact([](const ReadView& view, Batch& batch) {
    EXPECT_EQ(Counter(view), 1);
    batch.Put("records", "counter", absl::StrCat(Counter(view) + 1));
    EXPECT_EQ(batch.AppendEvent("2"), 2);
    return absl::OkStatus();
  });
  EXPECT_TRUE(after.ok()) << after;
  EXPECT_EQ(Counter((*store)->reader()), 2);
  EXPECT_EQ((*store)->LatestRevision(), 2);
}

// A transaction that writes nothing but read a batch in flight answers only
// once that batch is durable, and with its outcome.
TEST(GroupCommitTest, ReadOnlyTransactionWaitsForWhatItRead) {
  FaultyStore faulty;
  ASSERT_TRUE(faulty.store.ok()) << faulty.store.status();
  auto& store = faulty.store;
  FaultyWalFileSystem& fs = faulty.fs;
  fs.Hold();
  std::thread writer([&] {
    EXPECT_FALSE((*store)
                     ->Transact([](const ReadView&, Batch& batch) {
                       batch.Put("records", "k", "v");
                       return absl::OkStatus();
                     })
                     .ok());
  });
  ASSERT_TRUE(fs.AwaitHeldAppend(absl::Seconds(10)));
  absl::Notification read_done;
  absl::Status read_status;
  std::thread reader([&] {
    read_status = (*store)->Transact([](const ReadView& view, Batch&) {
      EXPECT_EQ(view.Get("records", "k")->value_or(""), "v");
      return absl::OkStatus();
    });
    read_done.Notify();
  });
  EXPECT_FALSE(read_done.WaitForNotificationWithTimeout(absl::Milliseconds(100)));
  fs.SetFailing(true);
  fs.Release();
  writer.join();
  reader.join();
  EXPECT_EQ(read_status.code(), absl::StatusCode::kResourceExhausted) << read_status;
}

// An independent append queued behind a synced transaction is written in a
// group of its own as soon as the write in flight is done: it does not wait
// for the queued transaction's fsync. The transaction still reads what the
// write in flight wrote, and both end up on disk.
TEST(GroupCommitTest, AppendDoesNotWaitForTheFsyncOfTransactionsQueuedBeforeIt) {
  FaultyStore faulty;
  ASSERT_TRUE(faulty.store.ok()) << faulty.store.status();
  auto& store = faulty.store;
  FaultyWalFileSystem& fs = faulty.fs;
  fs.HoldSyncs();
  std::thread first([&] {
    EXPECT_TRUE((*store)
                    ->Transact([](const ReadView&, Batch& batch) {
                      batch.Put("records", "first", "1");
                      return absl::OkStatus();
                    })
                    .ok());
  });
  ASSERT_TRUE(fs.AwaitHeldSync(absl::Seconds(10)));
  // Queued while the first is being synced: a transaction, then an append.
  absl::Notification second_queued;
  absl::Notification second_done;
  std::string second_read;
  std::thread second([&] {
    EXPECT_TRUE((*store)
                    ->Transact([&](const ReadView& view, Batch& batch) {
                      auto first_value = view.Get("records", "first");
                      second_read = first_value.ok() ? first_value->value_or("none") : "error";
                      batch.Put("records", "second", "2");
                      second_queued.Notify();
                      return absl::OkStatus();
                    })
                    .ok());
    second_done.Notify();
  });
  ASSERT_TRUE(second_queued.WaitForNotificationWithTimeout(absl::Seconds(10)));
  absl::Notification append_queued;
  absl::Notification append_done;
  absl::Status append_status;
  std::thread append([&] {
    append_status = (*store)->AppendUnsynced([&](Batch& batch) {
      batch.Put("records", "appended", "a");
      append_queued.Notify();  // queued under the same lock as `fn` runs
      return absl::OkStatus();
    });
    append_done.Notify();
  });
  ASSERT_TRUE(append_queued.WaitForNotificationWithTimeout(absl::Seconds(10)));
  // Let the first's sync through (only it is held so far); the second's
  // sync stays held, and the append must finish meanwhile.
  fs.LetSyncsThrough(1);
  first.join();
  EXPECT_TRUE(append_done.WaitForNotificationWithTimeout(absl::Seconds(10)));
  EXPECT_TRUE(append_status.ok()) << append_status;
  EXPECT_FALSE(second_done.HasBeenNotified());
  EXPECT_EQ((*store)->reader().Get("records", "appended")->value_or(""), "a");
  fs.ReleaseSyncs();
  second.join();
  append.join();
  EXPECT_EQ(second_read, "1");
  EXPECT_EQ((*store)->reader().Get("records", "second")->value_or(""), "2");
}

// A failed append fails only the appends written with it; a transaction
// queued behind it is written normally.
TEST(GroupCommitTest, FailedAppendFailsOnlyTheAppends) {
  FaultyStore faulty;
  ASSERT_TRUE(faulty.store.ok()) << faulty.store.status();
  auto& store = faulty.store;
  FaultyWalFileSystem& fs = faulty.fs;
  fs.SetFailing(true);
  absl::Status appended = (*store)->AppendUnsynced([](Batch& batch) {
    batch.Put("records", "appended", "a");
    return absl::OkStatus();
  });
  EXPECT_EQ(appended.code(), absl::StatusCode::kResourceExhausted) << appended;
  EXPECT_FALSE((*store)->reader().Get("records", "appended")->has_value());
  fs.SetFailing(false);
  EXPECT_TRUE((*store)
                  ->Transact([](const ReadView&, Batch& batch) {
                    batch.Put("records", "after", "1");
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_TRUE((*store)
                  ->AppendUnsynced([](Batch& batch) {
                    batch.Put("records", "appended", "b");
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_EQ((*store)->reader().Get("records", "appended")->value_or(""), "b");
  // Events belong to transactions, whose order appends do not keep.
  absl::Status with_event = (*store)->AppendUnsynced([](Batch& batch) {
    batch.AppendEvent("no");
    return absl::OkStatus();
  });
  EXPECT_EQ(with_event.code(), absl::StatusCode::kInternal) << with_event;
  EXPECT_EQ((*store)->LatestRevision(), 0);
}

}  // namespace
}  // namespace samepage::storage
