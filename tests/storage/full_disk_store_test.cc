// A store on a disk that fills up and empties again, through a file system
// wrapper that fails every write as a full disk does (ENOSPC, which RocksDB
// treats as retryable, on the write-ahead log, tables and the manifest
// alike). Writes must fail with a clear status while it is full — never take
// the process down — and work again once space returns, with nothing
// acknowledged lost and nothing that failed showing up.
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/storage/store.h"
#include "gtest/gtest.h"
#include "rocksdb/env.h"
#include "rocksdb/file_system.h"
#include "tests/testing/temp_dir.h"

namespace samepage::storage {
namespace {

using ::samepage::testing::TempDir;

// While full, appends write part of what they were given (as write(2) does
// before ENOSPC) and fail; flushes and syncs of what was written succeed.
class FillingFileSystem : public rocksdb::FileSystemWrapper {
 public:
  FillingFileSystem() : FileSystemWrapper(rocksdb::FileSystem::Default()) {}
  const char* Name() const override { return "FillingFileSystem"; }

  void SetFull(bool full) { full_.store(full); }
  bool full() const { return full_.load(); }

  rocksdb::IOStatus NewWritableFile(const std::string& name, const rocksdb::FileOptions& options,
                                    std::unique_ptr<rocksdb::FSWritableFile>* result,
                                    rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus s = target()->NewWritableFile(name, options, result, dbg);
    if (s.ok()) *result = std::make_unique<File>(std::move(*result), this);
    return s;
  }

 private:
  class File : public rocksdb::FSWritableFileOwnerWrapper {
   public:
    File(std::unique_ptr<rocksdb::FSWritableFile> file, FillingFileSystem* fs)
        : FSWritableFileOwnerWrapper(std::move(file)), fs_(fs) {}
    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                             rocksdb::IODebugContext* dbg) override {
      if (fs_->full()) return Fail(data, options, dbg);
      return FSWritableFileOwnerWrapper::Append(data, options, dbg);
    }
    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                             const rocksdb::DataVerificationInfo& info,
                             rocksdb::IODebugContext* dbg) override {
      if (fs_->full()) return Fail(data, options, dbg);
      return FSWritableFileOwnerWrapper::Append(data, options, info, dbg);
    }

   private:
    rocksdb::IOStatus Fail(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                           rocksdb::IODebugContext* dbg) {
      if (data.size() > 1) {
        FSWritableFileOwnerWrapper::Append(rocksdb::Slice(data.data(), data.size() / 2), options,
                                           dbg)
            .PermitUncheckedError();
      }
      rocksdb::IOStatus s = rocksdb::IOStatus::NoSpace("injected: No space left on device");
      s.SetRetryable(true);
      return s;
    }
    FillingFileSystem* fs_;
  };

  std::atomic<bool> full_{false};
};

absl::Status Write(Store& store, const std::string& key) {
  return store.Transact([&](const ReadView&, Batch& batch) {
    batch.Put("records", key, std::string(16000, 'x'));
    batch.AppendEvent(key);
    return absl::OkStatus();
  });
}

// Fills the disk under writers that keep trying (as clients of a server do)
// and a thread syncing the log (as the audit trail does), checks that every
// write fails clearly and reads go on, then gives space back and writes
// until one succeeds.
void FillAndEmpty(Store& store, FillingFileSystem& fs, const std::string& tag,
                  std::set<std::string>& acknowledged, std::set<std::string>& failed) {
  absl::Mutex mu;
  fs.SetFull(true);
  std::vector<std::thread> writers;
  std::atomic<int> refused{0};
  for (int t = 0; t < 8; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; i < 15; ++i) {
        std::string key = absl::StrCat(tag, "-full-", t, "-", i);
        absl::Status s = Write(store, key);
        absl::MutexLock lock(&mu);
        if (s.ok()) {
          acknowledged.insert(key);
          continue;
        }
        failed.insert(key);
        ++refused;
        EXPECT_TRUE(s.code() == absl::StatusCode::kResourceExhausted ||
                    s.code() == absl::StatusCode::kUnavailable)
            << s;
        EXPECT_TRUE(absl::StrContains(absl::AsciiStrToLower(s.message()), "space")) << s;
        absl::SleepFor(absl::Milliseconds(5));
      }
    });
  }
  std::thread syncer([&] {
    for (int i = 0; i < 30; ++i) {
      absl::Status s = store.SyncWal();
      EXPECT_TRUE(s.ok() || s.code() == absl::StatusCode::kResourceExhausted ||
                  s.code() == absl::StatusCode::kUnavailable)
          << s;
      absl::SleepFor(absl::Milliseconds(10));
    }
  });
  for (auto& w : writers) w.join();
  syncer.join();
  EXPECT_EQ(refused.load(), 8 * 15);
  auto read = store.reader().Get("records", *acknowledged.begin());
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_TRUE(read->has_value());

  // Space returns: writes work again without reopening.
  fs.SetFull(false);
  absl::Status again;
  for (int attempt = 0; attempt < 100; ++attempt) {
    std::string key = absl::StrCat(tag, "-after-", attempt);
    again = Write(store, key);
    if (again.ok()) {
      acknowledged.insert(key);
      break;
    }
    failed.insert(key);
    absl::SleepFor(absl::Milliseconds(100));
  }
  ASSERT_TRUE(again.ok()) << again;
  for (int i = 0; i < 20; ++i) {
    std::string key = absl::StrCat(tag, "-later-", i);
    ASSERT_TRUE(Write(store, key).ok());
    acknowledged.insert(key);
  }
  EXPECT_TRUE(store.SyncWal().ok());
}

// Everything acknowledged is there, nothing that failed is, and the event
// log has one event per acknowledged write, without gaps.
void CheckReopened(const std::string& path, const std::set<std::string>& acknowledged,
                   const std::set<std::string>& failed) {
  StoreOptions options{.path = path, .column_families = {"records"}};
  auto store = Store::Open(options);
  ASSERT_TRUE(store.ok()) << store.status();
  for (const std::string& key : acknowledged) {
    auto value = (*store)->reader().Get("records", key);
    ASSERT_TRUE(value.ok()) << value.status();
    EXPECT_TRUE(value->has_value() && (*value)->size() == 16000) << key;
  }
  for (const std::string& key : failed) {
    auto value = (*store)->reader().Get("records", key);
    ASSERT_TRUE(value.ok()) << value.status();
    EXPECT_FALSE(value->has_value()) << key << " failed but is there";
  }
  std::set<std::string> events;
  int64_t expected = 1;
  ASSERT_TRUE((*store)
                  ->ReadEvents(0, 100000,
                               [&](int64_t revision, absl::string_view payload) {
                                 EXPECT_EQ(revision, expected++);
                                 events.insert(std::string(payload));
                                 return true;
                               })
                  .ok());
  EXPECT_EQ(events, acknowledged);
}

TEST(FullDiskStoreTest, WritesFailClearlyWhileFullAndResumeWhenSpaceReturns) {
  TempDir dir;
  FillingFileSystem fs;
  std::unique_ptr<rocksdb::Env> env =
      rocksdb::NewCompositeEnv(std::shared_ptr<rocksdb::FileSystem>(&fs, [](auto*) {}));
  std::set<std::string> acknowledged;
  std::set<std::string> failed;
  {
    StoreOptions options{.path = dir.path(), .column_families = {"records"}};
    options.env = env.get();
    auto store = Store::Open(options);
    ASSERT_TRUE(store.ok()) << store.status();
    for (int i = 0; i < 20; ++i) {
      ASSERT_TRUE(Write(**store, absl::StrCat("before-", i)).ok());
      acknowledged.insert(absl::StrCat("before-", i));
    }
    FillAndEmpty(**store, fs, "first", acknowledged, failed);
    // Again, right after a recovery.
    FillAndEmpty(**store, fs, "second", acknowledged, failed);
  }
  CheckReopened(dir.path(), acknowledged, failed);
}

// Right after an open every memtable is empty (the open flushed what the log
// held): the first write fails on a fresh log, and recovery has nothing to
// flush.
TEST(FullDiskStoreTest, FirstWriteAfterOpenFailsAndRecovers) {
  TempDir dir;
  FillingFileSystem fs;
  std::unique_ptr<rocksdb::Env> env =
      rocksdb::NewCompositeEnv(std::shared_ptr<rocksdb::FileSystem>(&fs, [](auto*) {}));
  std::set<std::string> acknowledged;
  std::set<std::string> failed;
  StoreOptions options{.path = dir.path(), .column_families = {"records"}};
  options.env = env.get();
  {
    auto store = Store::Open(options);
    ASSERT_TRUE(store.ok()) << store.status();
    for (int i = 0; i < 20; ++i) {
      ASSERT_TRUE(Write(**store, absl::StrCat("before-", i)).ok());
      acknowledged.insert(absl::StrCat("before-", i));
    }
  }
  {
    auto store = Store::Open(options);
    ASSERT_TRUE(store.ok()) << store.status();
    FillAndEmpty(**store, fs, "reopened", acknowledged, failed);
  }
  CheckReopened(dir.path(), acknowledged, failed);
}

// A store closed while the disk is still full closes without aborting (in a
// process of its own: the database is left open for the process's exit) and
// nothing acknowledged is lost.
TEST(FullDiskStoreTest, ClosingWhileFullLosesNothing) {
  TempDir dir;
  std::set<std::string> acknowledged;
  std::set<std::string> failed;
  for (int i = 0; i < 20; ++i) acknowledged.insert(absl::StrCat("before-", i));
  for (int i = 0; i < 5; ++i) failed.insert(absl::StrCat("full-", i));
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    FillingFileSystem fs;
    std::unique_ptr<rocksdb::Env> env =
        rocksdb::NewCompositeEnv(std::shared_ptr<rocksdb::FileSystem>(&fs, [](auto*) {}));
    StoreOptions options{.path = dir.path(), .column_families = {"records"}};
    options.env = env.get();
    int code = 0;
    {
      auto store = Store::Open(options);
      if (!store.ok()) _exit(2);
      for (const std::string& key : acknowledged) {
        if (!Write(**store, key).ok()) code = 3;
      }
      fs.SetFull(true);
      for (const std::string& key : failed) {
        if (Write(**store, key).ok()) code = 4;
      }
    }
    _exit(code);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status)) << "the store's process died of signal " << WTERMSIG(status);
  ASSERT_EQ(WEXITSTATUS(status), 0);
  CheckReopened(dir.path(), acknowledged, failed);
}

}  // namespace
}  // namespace samepage::storage
