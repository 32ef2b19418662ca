// The audit trail's writer on a real RocksDB store: when an entry is
// written and when it is synced, in both modes; entries written on the
// calling threads and on the log's own (audit::AuditLog).

#include "common/audit/audit_log.h"

#include <gtest/gtest.h>
#include <rocksdb/statistics.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "common/audit/audit_verify.h"
#include "common/clock/clock.h"
#include "common/storage/keyring.h"
#include "common/storage/store.h"
#include "tests/testing/faulty_wal_file_system.h"
#include "tests/testing/temp_dir.h"

namespace samepage {
namespace {

class AuditLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto keys = storage::Keyring::Parse(storage::Keyring::NewKeyLine(), "test");
    ASSERT_TRUE(keys.ok()) << keys.status();
    keys_ = *std::move(keys);
    env_ = rocksdb::NewCompositeEnv(std::shared_ptr<rocksdb::FileSystem>(&fs_, [](auto*) {}));
    auto store = storage::Store::Open({.path = temp_.path() + "/db",
                                       .column_families = {audit::kAuditColumnFamily},
                                       .keyring = keys_.get(),
                                       .env = env_.get()});
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
  }

  // Records `n` entries and waits (at most 10 s each) for each to finish, as
  // the calls they belong to do; returns the entries' outcomes.
  std::vector<absl::Status> RecordAll(audit::AuditLog& log, int n) {
    std::vector<absl::Status> outcomes;
    for (int i = 0; i < n; ++i) {
      absl::Notification done;
      absl::Status outcome;
      log.Record({.subject = "people/dana",
                  .method = "/samepage.registry.v1.CaseRegistry/GetCase",
                  .resource = "cases/c-" + std::to_string(i)},
                 [&](absl::Status s) {
                   outcome = s;
                   done.Notify();
                 });
      if (!done.WaitForNotificationWithTimeout(absl::Seconds(10))) {
        outcomes.push_back(absl::DeadlineExceededError("not finished in 10 s"));
        continue;
      }
      outcomes.push_back(outcome);
    }
    return outcomes;
  }

  uint64_t WalSyncs() {
    return store_->db()->GetOptions().statistics->getTickerCount(rocksdb::WAL_FILE_SYNCED);
  }

  // Entries readable in the store now.
  int StoredEntries() {
    int count = 0;
    for (int64_t seq = 1; seq <= 1000; ++seq) {
      if (store_->reader().Get(audit::kAuditColumnFamily, audit::AuditKey(seq))->has_value()) {
        ++count;
      }
    }
    return count;
  }

  testing::TempDir temp_;
  testing::FaultyWalFileSystem fs_;
  std::unique_ptr<rocksdb::Env> env_;
  SystemClock clock_;
  std::unique_ptr<storage::Keyring> keys_;
  std::unique_ptr<storage::Store> store_;
};

TEST_F(AuditLogTest, WithoutIntervalEveryEntryIsSyncedBeforeItsCallFinishes) {
  auto log = audit::AuditLog::Start(store_.get(), &clock_, "registry", absl::ZeroDuration());
  ASSERT_TRUE(log.ok()) << log.status();
  uint64_t syncs_before = WalSyncs();
  for (const absl::Status& s : RecordAll(**log, 5)) EXPECT_TRUE(s.ok()) << s;
  EXPECT_EQ((*log)->progress().written, 5);
  EXPECT_EQ((*log)->progress().synced, 5);
  // One entry at a time: one synced write each.
  EXPECT_GE(WalSyncs() - syncs_before, 5u);
  EXPECT_EQ(StoredEntries(), 5);
}

TEST_F(AuditLogTest, WithIntervalEntriesAreWrittenBeforeTheCallFinishesAndSyncedSoonAfter) {
  auto log = audit::AuditLog::Start(store_.get(), &clock_, "registry", absl::Milliseconds(50));
  ASSERT_TRUE(log.ok()) << log.status();
  uint64_t syncs_before = WalSyncs();
  for (const absl::Status& s : RecordAll(**log, 20)) EXPECT_TRUE(s.ok()) << s;
  // Every finished call's entry is in the database (the write-ahead log)
  // already; twenty calls did not each wait for a sync.
  EXPECT_EQ((*log)->progress().written, 20);
  EXPECT_EQ(StoredEntries(), 20);
  EXPECT_LT(WalSyncs() - syncs_before, 20u);
  // Synced within the interval (allowing for a slow machine).
  absl::Time deadline = absl::Now() + absl::Seconds(10);
  while ((*log)->progress().synced < 20 && absl::Now() < deadline)
    absl::SleepFor(absl::Milliseconds(10));
  EXPECT_EQ((*log)->progress().synced, 20);
  EXPECT_GT(WalSyncs(), syncs_before);
}

TEST_F(AuditLogTest, StoppingSyncsWhatIsWritten) {
  {
    auto log = audit::AuditLog::Start(store_.get(), &clock_, "registry", absl::Hours(1));
    ASSERT_TRUE(log.ok()) << log.status();
    for (const absl::Status& s : RecordAll(**log, 3)) EXPECT_TRUE(s.ok()) << s;
    EXPECT_EQ((*log)->progress().synced, 0);
    uint64_t syncs_before = WalSyncs();
    log->reset();
    EXPECT_GT(WalSyncs(), syncs_before);
  }
  // The chain continues after a restart of the log.
  auto again = audit::AuditLog::Start(store_.get(), &clock_, "registry", absl::Hours(1));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ((*again)->progress().written, 3);
  EXPECT_EQ((*again)->progress().synced, 3);
}

TEST_F(AuditLogTest, CallsRecordingAtOnceFinishInOneUnbrokenChain) {
  auto log = audit::AuditLog::Start(store_.get(), &clock_, "registry", absl::Milliseconds(20));
  ASSERT_TRUE(log.ok()) << log.status();
  constexpr int kThreads = 8;
  constexpr int kEach = 50;
  std::atomic<int> ok{0};
  std::atomic<int> finished{0};
  std::vector<std::thread> callers;
  for (int t = 0; t < kThreads; ++t) {
    callers.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        (*log)->Record({.subject = "people/p-" + std::to_string(t),
                        .method = "/samepage.registry.v1.CaseRegistry/GetCase",
                        .resource = "cases/c-" + std::to_string(i)},
                       [&](absl::Status s) {
                         if (s.ok()) ok.fetch_add(1);
                         finished.fetch_add(1);
                       });
      }
    });
  }
  for (std::thread& caller : callers) caller.join();
  absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (finished.load() < kThreads * kEach && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  EXPECT_EQ(finished.load(), kThreads * kEach);
  EXPECT_EQ(ok.load(), kThreads * kEach);
  EXPECT_EQ((*log)->progress().written, kThreads * kEach);
  log->reset();
  auto trail = audit::VerifyTrail(*store_);
  ASSERT_TRUE(trail.ok()) << trail.status();
  EXPECT_TRUE(trail->intact()) << trail->problem;
  EXPECT_EQ(trail->verified, kThreads * kEach);
}

TEST_F(AuditLogTest, AnEntryWaitsForAWriteInFlightWithoutHoldingItsCaller) {
  auto log = audit::AuditLog::Start(store_.get(), &clock_, "registry", absl::Milliseconds(20));
  ASSERT_TRUE(log.ok()) << log.status();
  for (const absl::Status& s : RecordAll(**log, 2)) EXPECT_TRUE(s.ok()) << s;
  // Synced, so that the log's own thread is not syncing below.
  absl::Time deadline = absl::Now() + absl::Seconds(10);
  while ((*log)->progress().synced < 2 && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  ASSERT_EQ((*log)->progress().synced, 2);

  // A durable write holds the store in its fsync.
  fs_.HoldSyncs();
  absl::Status write;
  std::thread writer([&] {
    write = store_->Transact([](const storage::ReadView&, storage::Batch& batch) {
      batch.Put("default", "a-record", "x");
      return absl::OkStatus();
    });
  });
  ASSERT_TRUE(fs_.AwaitHeldSync(absl::Seconds(10)));

  // The calling thread hands its entry over and goes on, as a gRPC thread
  // must; the entry is written once the store is free.
  absl::Notification recorded;
  absl::Notification finished;
  absl::Status outcome;
  std::thread caller([&] {
    (*log)->Record({.subject = "people/dana",
                    .method = "/samepage.registry.v1.CaseRegistry/GetCase",
                    .resource = "cases/c-9"},
                   [&](absl::Status s) {
                     outcome = s;
                     finished.Notify();
                   });
    recorded.Notify();
  });
  EXPECT_TRUE(recorded.WaitForNotificationWithTimeout(absl::Seconds(10)));
  EXPECT_FALSE(finished.HasBeenNotified());

  fs_.ReleaseSyncs();
  writer.join();
  caller.join();
  EXPECT_TRUE(write.ok()) << write;
  ASSERT_TRUE(finished.WaitForNotificationWithTimeout(absl::Seconds(10)));
  EXPECT_TRUE(outcome.ok()) << outcome;
  EXPECT_EQ((*log)->progress().written, 3);
}

TEST_F(AuditLogTest, NegativeIntervalIsRefused) {
  auto log = audit::AuditLog::Start(store_.get(), &clock_, "registry", absl::Milliseconds(-1));
  EXPECT_EQ(log.status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace samepage
