// The audit trail's writer on a real RocksDB store: when an entry is
// written and when it is synced, in both modes (audit::AuditLog).

#include "common/audit/audit_log.h"

#include <gtest/gtest.h>
#include <rocksdb/statistics.h>

#include <atomic>
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
#include "tests/testing/temp_dir.h"

namespace samepage {
namespace {

class AuditLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto keys = storage::Keyring::Parse(storage::Keyring::NewKeyLine(), "test");
    ASSERT_TRUE(keys.ok()) << keys.status();
    keys_ = *std::move(keys);
    auto store = storage::Store::Open({.path = temp_.path() + "/db",
                                       .column_families = {audit::kAuditColumnFamily},
                                       .keyring = keys_.get()});
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
  SystemClock clock_;
  std::unique_ptr<storage::Keyring> keys_;
  std::unique_ptr<storage::Store> store_;
};

TEST_F(AuditLogTest, WithoutIntervalEveryEntryIsSyncedBeforeItsCallFinishes) {
  auto log = audit::AuditLog::Start(store_.get(), &clock_, "registry", absl::ZeroDuration());
  ASSERT_TRUE(log.ok()) << log.status();
  uint64_t syncs_before = WalSyncs();
  for (const absl::Status& s : RecordAll(**log, 5)) EXPECT_TRUE(s.ok()) << s;
  EXPECT_EQ((*log)->written(), 5);
  EXPECT_EQ((*log)->synced(), 5);
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
  EXPECT_EQ((*log)->written(), 20);
  EXPECT_EQ(StoredEntries(), 20);
  EXPECT_LT(WalSyncs() - syncs_before, 20u);
  // Synced within the interval (allowing for a slow machine).
  absl::Time deadline = absl::Now() + absl::Seconds(10);
  while ((*log)->synced() < 20 && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(10));
  EXPECT_EQ((*log)->synced(), 20);
  EXPECT_GT(WalSyncs(), syncs_before);
}

TEST_F(AuditLogTest, StoppingSyncsWhatIsWritten) {
  {
    auto log = audit::AuditLog::Start(store_.get(), &clock_, "registry", absl::Hours(1));
    ASSERT_TRUE(log.ok()) << log.status();
    for (const absl::Status& s : RecordAll(**log, 3)) EXPECT_TRUE(s.ok()) << s;
    EXPECT_EQ((*log)->synced(), 0);
    uint64_t syncs_before = WalSyncs();
    log->reset();
    EXPECT_GT(WalSyncs(), syncs_before);
  }
  // The chain continues after a restart of the log.
  auto again = audit::AuditLog::Start(store_.get(), &clock_, "registry", absl::Hours(1));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ((*again)->written(), 3);
  EXPECT_EQ((*again)->synced(), 3);
}

rpc::AuditRecord Entry(int i) {
  return {.subject = "people/dana",
          .method = "/samepage.registry.v1.CaseRegistry/GetCase",
          .resource = "cases/c-" + std::to_string(i)};
}

// Calls that arrive while another call's thread is writing only queue their
// entries; that thread writes them as one batch and finishes their calls.
TEST_F(AuditLogTest, CallsArrivingDuringAWriteAreWrittenTogetherByTheWritingThread) {
  auto log = audit::AuditLog::Start(store_.get(), &clock_, "registry", absl::Milliseconds(20));
  ASSERT_TRUE(log.ok()) << log.status();
  absl::Notification first_written, others_queued;
  std::thread::id writer;
  std::thread first([&] {
    (*log)->Record(Entry(0), [&](absl::Status s) {
      EXPECT_TRUE(s.ok()) << s;
      writer = std::this_thread::get_id();
      first_written.Notify();
      // Holds the writing thread (at most 10 s) while the others queue.
      others_queued.WaitForNotificationWithTimeout(absl::Seconds(10));
    });
  });
  ASSERT_TRUE(first_written.WaitForNotificationWithTimeout(absl::Seconds(10)));
  absl::Mutex mu;
  int finished = 0;
  std::vector<std::thread::id> finished_on;
  for (int i = 1; i <= 10; ++i) {
    (*log)->Record(Entry(i), [&](absl::Status s) {
      EXPECT_TRUE(s.ok()) << s;
      absl::MutexLock lock(&mu);
      ++finished;
      finished_on.push_back(std::this_thread::get_id());
    });
  }
  {
    absl::MutexLock lock(&mu);
    EXPECT_EQ(finished, 0);  // queued, not written: someone else is writing
  }
  others_queued.Notify();
  first.join();
  absl::MutexLock lock(&mu);
  EXPECT_EQ(finished, 10);
  for (std::thread::id id : finished_on) EXPECT_EQ(id, writer);
  EXPECT_EQ((*log)->written(), 11);
  EXPECT_EQ((*log)->groups(), 2);
  auto verified = audit::VerifyTrail(*store_);
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_TRUE(verified->intact()) << verified->problem;
  EXPECT_EQ(verified->verified, 11);
}

// A call's thread writes a few batches at most; what keeps arriving is left
// to the log's background thread, and nothing waits for a next call.
TEST_F(AuditLogTest, AWritingCallLeavesAFlowOfEntriesToTheBackgroundThread) {
  auto log = audit::AuditLog::Start(store_.get(), &clock_, "registry", absl::Milliseconds(20));
  ASSERT_TRUE(log.ok()) << log.status();
  constexpr int kChain = 12;
  absl::Mutex mu;
  std::vector<std::thread::id> finished_on(kChain);
  int finished = 0;
  // Each entry's call, as it finishes, records the next: one entry queued
  // per round, for longer than a call's thread keeps writing.
  std::function<void(int)> record = [&](int i) {
    (*log)->Record(Entry(i), [&, i](absl::Status s) {
      EXPECT_TRUE(s.ok()) << s;
      {
        absl::MutexLock lock(&mu);
        finished_on[i] = std::this_thread::get_id();
        ++finished;
      }
      if (i + 1 < kChain) record(i + 1);
    });
  };
  record(0);
  absl::MutexLock lock(&mu);
  auto all = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) { return finished == kChain; };
  ASSERT_TRUE(mu.AwaitWithTimeout(absl::Condition(&all), absl::Seconds(10)));
  EXPECT_EQ(finished_on[0], std::this_thread::get_id());
  EXPECT_NE(finished_on[kChain - 1], std::this_thread::get_id());
  EXPECT_EQ((*log)->written(), kChain);
}

TEST_F(AuditLogTest, NegativeIntervalIsRefused) {
  auto log = audit::AuditLog::Start(store_.get(), &clock_, "registry", absl::Milliseconds(-1));
  EXPECT_EQ(log.status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace samepage
