#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock/clock.h"
#include "common/rpc/audit_sink.h"
#include "common/storage/store.h"
#include "samepage/audit/v1/audit_entry.pb.h"

namespace samepage::audit {

// The column family of a service's database that holds its audit trail:
// sequence (8 bytes big-endian) -> samepage.audit.v1.AuditEntry.
inline constexpr char kAuditColumnFamily[] = "audit";

// A service's audit trail, appended to its own database.
//
// Group commit: one writer at a time appends everything queued since its
// last write as one batch and then lets those calls finish. The writer is
// the calling thread itself when nobody is writing and the store is idle
// (a read's entry then costs no thread switch); otherwise the entry waits
// for the writer in progress, or for the log's own thread, which takes over
// whenever writing would mean waiting for the store (a write's fsync) or
// for a sync of the log.
//
// When that batch is synced is the operator's choice (`sync_interval`):
// - zero: before the calls finish. Every entry is on disk before its call
//   answers, at the price of a second fsync wait on every call (a write
//   call has already waited for its own); the log's thread writes every
//   batch.
// - a positive interval (the server's default, --audit_sync_interval):
//   the batch is in the write-ahead log before the calls finish, so an
//   entry survives samepaged being killed or crashing; the log's thread
//   syncs it within the interval, and any synced commit of the same database (every
//   later write of the service) syncs it too. A power cut or a kernel crash
//   can lose the entries of at most the last interval. Records a client is
//   told were changed are synced before the answer either way (Store).
class AuditLog final : public rpc::AuditSink {
 public:
  // `store` must have been opened with kAuditColumnFamily and outlive the
  // log; `service` names the trail in each entry.
  static absl::StatusOr<std::unique_ptr<AuditLog>> Start(
      storage::Store* store, const Clock* clock, std::string service,
      absl::Duration sync_interval = absl::ZeroDuration());
  // Writes and syncs what is queued, then stops.
  ~AuditLog() override;

  void Record(rpc::AuditRecord record, absl::AnyInvocable<void(absl::Status)> done) override;

  // What is written and synced, and how long calls waited for their
  // records, from handing them over to their batch being written (the part
  // of a call's time the trail adds before it can finish).
  struct Progress {
    int64_t written = 0;    // entries written so far (the newest sequence number)
    int64_t synced = 0;     // the newest entry known to be synced to disk
    int64_t batches = 0;    // batches written (each holds every entry queued meanwhile)
    int64_t waits = 0;      // records written
    absl::Duration waited;  // their waits, in all
  };
  Progress progress() const;

 private:
  struct Pending {
    rpc::AuditRecord record;
    absl::AnyInvocable<void(absl::Status)> done;
    absl::Time queued;
  };
  AuditLog(storage::Store* store, const Clock* clock, std::string service,
           absl::Duration sync_interval)
      : store_(store),
        clock_(clock),
        service_(std::move(service)),
        sync_interval_(sync_interval) {}
  // What wakes the thread: queued entries or a sync to schedule, with
  // nobody writing; or the end.
  bool ThreadHasWork() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool NotWriting() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return !writing_; }
  void Run();
  // Appends `group` (synced when there is no interval), records the
  // progress and finishes its calls; then `group` is empty. Without `wait`,
  // does nothing and returns false when the store is busy writing.
  // Requires `writing_`, held by the caller.
  bool WriteGroup(std::vector<Pending>& group, bool wait);
  // Appends `group` to the store: true once written; false when `wait` is
  // false and the store is busy.
  absl::StatusOr<bool> Append(const std::vector<Pending>& group, bool sync, bool wait);

  storage::Store* store_;
  const Clock* clock_;
  std::string service_;
  const absl::Duration sync_interval_;

  mutable absl::Mutex mu_;
  std::vector<Pending> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  // Someone (a calling thread or the log's thread) is writing a group or
  // syncing; whoever set it owns the chain's head below.
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  // When the oldest entry that is written but not synced was written, and
  // whether the thread has seen it (and waits for the sync to fall due).
  std::optional<absl::Time> unsynced_since_ ABSL_GUARDED_BY(mu_);
  bool sync_scheduled_ ABSL_GUARDED_BY(mu_) = false;
  int64_t written_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t groups_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t synced_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t waits_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Duration waited_ ABSL_GUARDED_BY(mu_);

  // The chain's head; touched only by the holder of `writing_` (and Start).
  int64_t sequence_ = 0;
  std::string head_hash_;
  std::thread writer_;
};

// The key of entry `sequence` in kAuditColumnFamily.
std::string AuditKey(int64_t sequence);

// The chain hash an entry must carry (its `hash` field is ignored).
std::string EntryHash(const v1::AuditEntry& entry);

}  // namespace samepage::audit
