#pragma once

#include <cstdint>
#include <memory>
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
// Group commit: calls hand their records to one writer thread, which appends
// everything queued since its last write as one batch and then lets those
// calls finish.
//
// When that batch is synced is the operator's choice (`sync_interval`):
// - zero: before the calls finish. Every entry is on disk before its call
//   answers, at the price of a second fsync wait on every call (a write
//   call has already waited for its own).
// - a positive interval (the server's default, --audit_sync_interval):
//   the batch is in the write-ahead log before the calls finish, so an
//   entry survives samepaged being killed or crashing; the writer syncs it
//   within the interval, and any synced commit of the same database (every
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
  bool HasWork() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Run();
  // Appends `group`, synced or not.
  absl::Status Append(std::vector<Pending>& group, bool sync);

  storage::Store* store_;
  const Clock* clock_;
  std::string service_;
  const absl::Duration sync_interval_;

  mutable absl::Mutex mu_;
  std::vector<Pending> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  int64_t written_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t groups_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t synced_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t waits_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Duration waited_ ABSL_GUARDED_BY(mu_);

  // The chain's head; touched by the writer thread only (and Start).
  int64_t sequence_ = 0;
  std::string head_hash_;
  std::thread writer_;
};

// The key of entry `sequence` in kAuditColumnFamily.
std::string AuditKey(int64_t sequence);

// The chain hash an entry must carry (its `hash` field is ignored).
std::string EntryHash(const v1::AuditEntry& entry);

}  // namespace samepage::audit
