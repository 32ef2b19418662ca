#pragma once

// A RocksDB file system for tests that hold or fail writes to the
// write-ahead log, as a slow or full disk would.

#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/strings/match.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "rocksdb/file_system.h"

namespace samepage::testing {

// A file system whose write-ahead log appends can be held (to make a group
// form behind a write in flight) and made to fail as on a full disk, and
// whose log syncs can be held.
class FaultyWalFileSystem : public rocksdb::FileSystemWrapper {
 public:
  FaultyWalFileSystem() : FileSystemWrapper(rocksdb::FileSystem::Default()) {}
  const char* Name() const override { return "FaultyWalFileSystem"; }

  void Hold() {
    absl::MutexLock lock(&mu_);
    held_ = true;
  }
  void Release() {
    absl::MutexLock lock(&mu_);
    held_ = false;
  }
  void SetFailing(bool failing) {
    absl::MutexLock lock(&mu_);
    failing_ = failing;
  }
  // Waits until a WAL append is held.
  bool AwaitHeldAppend(absl::Duration timeout) {
    absl::MutexLock lock(&mu_);
    return mu_.AwaitWithTimeout(absl::Condition(&waiting_), timeout);
  }
  // Holds every WAL sync until let through; `n` more may pass.
  void HoldSyncs() {
    absl::MutexLock lock(&mu_);
    syncs_held_ = true;
  }
  void LetSyncsThrough(int n) {
    absl::MutexLock lock(&mu_);
    syncs_allowed_ += n;
  }
  void ReleaseSyncs() {
    absl::MutexLock lock(&mu_);
    syncs_held_ = false;
  }
  // Waits until a WAL sync is held.
  bool AwaitHeldSync(absl::Duration timeout) {
    absl::MutexLock lock(&mu_);
    return mu_.AwaitWithTimeout(absl::Condition(
                                    +[](int* n) { return *n > 0; }, &syncs_waiting_),
                                timeout);
  }

  rocksdb::IOStatus NewWritableFile(const std::string& name, const rocksdb::FileOptions& options,
                                    std::unique_ptr<rocksdb::FSWritableFile>* result,
                                    rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus s = target()->NewWritableFile(name, options, result, dbg);
    if (s.ok() && absl::EndsWith(name, ".log")) {
      *result = std::make_unique<WalFile>(std::move(*result), this);
    }
    return s;
  }

 private:
  class WalFile : public rocksdb::FSWritableFileOwnerWrapper {
   public:
    WalFile(std::unique_ptr<rocksdb::FSWritableFile> file, FaultyWalFileSystem* fs)
        : FSWritableFileOwnerWrapper(std::move(file)), fs_(fs) {}
    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                             rocksdb::IODebugContext* dbg) override {
      if (!fs_->Gate()) return rocksdb::IOStatus::NoSpace("injected: no space left on device");
      return FSWritableFileOwnerWrapper::Append(data, options, dbg);
    }
    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                             const rocksdb::DataVerificationInfo& info,
                             rocksdb::IODebugContext* dbg) override {
      if (!fs_->Gate()) return rocksdb::IOStatus::NoSpace("injected: no space left on device");
      return FSWritableFileOwnerWrapper::Append(data, options, info, dbg);
    }

    rocksdb::IOStatus Sync(const rocksdb::IOOptions& options,
                           rocksdb::IODebugContext* dbg) override {
      fs_->SyncGate();
      return FSWritableFileOwnerWrapper::Sync(options, dbg);
    }
    rocksdb::IOStatus Fsync(const rocksdb::IOOptions& options,
                            rocksdb::IODebugContext* dbg) override {
      fs_->SyncGate();
      return FSWritableFileOwnerWrapper::Fsync(options, dbg);
    }

   private:
    FaultyWalFileSystem* fs_;
  };

  // Blocks while syncs are held and none is let through.
  void SyncGate() {
    absl::MutexLock lock(&mu_);
    ++syncs_waiting_;
    // Bounded: a test that never lets it through fails instead of hanging.
    mu_.AwaitWithTimeout(absl::Condition(this, &FaultyWalFileSystem::SyncMayPass),
                         absl::Seconds(60));
    --syncs_waiting_;
    if (syncs_held_) --syncs_allowed_;
  }
  bool SyncMayPass() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return !syncs_held_ || syncs_allowed_ > 0;
  }

  // Blocks while held; false when the append must fail.
  bool Gate() {
    absl::MutexLock lock(&mu_);
    waiting_ = held_;
    mu_.AwaitWithTimeout(absl::Condition(+[](bool* held) { return !*held; }, &held_),
                         absl::Seconds(60));
    waiting_ = false;
    return !failing_;
  }

  absl::Mutex mu_;
  bool held_ ABSL_GUARDED_BY(mu_) = false;
  bool waiting_ ABSL_GUARDED_BY(mu_) = false;
  bool failing_ ABSL_GUARDED_BY(mu_) = false;
  bool syncs_held_ ABSL_GUARDED_BY(mu_) = false;
  int syncs_allowed_ ABSL_GUARDED_BY(mu_) = 0;
  int syncs_waiting_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace samepage::testing
