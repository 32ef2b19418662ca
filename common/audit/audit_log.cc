#include "common/audit/audit_log.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/audit/hash_chain.h"
#include "common/clock/time_util.h"
#include "common/status/status_macros.h"
#include "common/storage/keys.h"

namespace samepage::audit {

std::string AuditKey(int64_t sequence) {
  return storage::KeyBuilder().AddInt64(sequence).Release();
}

std::string EntryHash(const v1::AuditEntry& entry) {
  v1::AuditEntry content = entry;
  content.clear_hash();
  return ChainHash(entry.previous_hash(), content.SerializeAsString());
}

absl::StatusOr<std::unique_ptr<AuditLog>> AuditLog::Start(storage::Store* store, const Clock* clock,
                                                          std::string service,
                                                          absl::Duration sync_interval) {
  if (sync_interval < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("audit sync interval: must not be negative");
  }
  auto log =
      std::unique_ptr<AuditLog>(new AuditLog(store, clock, std::move(service), sync_interval));
  ASSIGN_OR_RETURN(auto last, store->Last(kAuditColumnFamily));
  if (last.has_value()) {
    v1::AuditEntry head;
    if (!head.ParseFromString(last->second)) {
      return absl::DataLossError("audit trail: the newest entry is not readable");
    }
    log->sequence_ = head.sequence();
    log->head_hash_ = head.hash();
  }
  {
    absl::MutexLock lock(&log->mu_);
    log->written_ = log->sequence_;
    log->synced_ = log->sequence_;
  }
  log->background_ = std::thread([raw = log.get()] { raw->Run(); });
  return log;
}

AuditLog::~AuditLog() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  // Not started when Start failed before starting it. It ends once no call
  // is writing and everything is written and synced.
  if (background_.joinable()) background_.join();
}

void AuditLog::Record(rpc::AuditRecord record, absl::AnyInvocable<void(absl::Status)> done) {
  bool stopping;
  {
    absl::MutexLock lock(&mu_);
    stopping = stopping_;
    if (!stopping) {
      queue_.push_back({std::move(record), std::move(done)});
      // Whoever is writing takes it in their next round.
      if (writing_) return;
      writing_ = true;
    }
  }
  if (stopping) {
    // Only a call racing the shutdown gets here; refuse it rather than
    // answer without a record.
    done(absl::UnavailableError("the server is shutting down"));
    return;
  }
  WriteQueued(kMaxRoundsPerCall);
}

int64_t AuditLog::written() const {
  absl::MutexLock lock(&mu_);
  return written_;
}

int64_t AuditLog::groups() const {
  absl::MutexLock lock(&mu_);
  return groups_;
}

int64_t AuditLog::synced() const {
  absl::MutexLock lock(&mu_);
  return synced_;
}

void AuditLog::WriteQueued(int rounds) {
  const bool sync_each = sync_interval_ == absl::ZeroDuration();
  for (int round = 0;; ++round) {
    std::vector<Pending> group;
    {
      absl::MutexLock lock(&mu_);
      // What is left after `rounds` waits for the background thread (or the
      // next call), so that no call's thread is kept finishing others'
      // calls for long.
      if (queue_.empty() || round == rounds) {
        writing_ = false;
        return;
      }
      group.swap(queue_);
    }
    absl::Status written = Append(group, sync_each);
    if (written.ok()) {
      absl::MutexLock lock(&mu_);
      written_ = sequence_;
      if (sync_each) {
        synced_ = sequence_;
      } else if (!unsynced_since_.has_value()) {
        unsynced_since_ = absl::Now();
      }
      ++groups_;
    }
    // Outside the lock: finishing a call may take gRPC's locks.
    for (Pending& pending : group) pending.done(written);
  }
}

void AuditLog::Run() {
  for (;;) {
    bool write = false;
    bool stopping;
    {
      absl::MutexLock lock(&mu_);
      // Without a sync pending, the first unsynced write starts the clock.
      const bool timed = unsynced_since_.has_value();
      auto ready = [this, timed]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return (!writing_ && (stopping_ || !queue_.empty())) ||
               (!timed && unsynced_since_.has_value());
      };
      if (timed) {
        mu_.AwaitWithDeadline(absl::Condition(&ready), *unsynced_since_ + sync_interval_);
      } else {
        mu_.Await(absl::Condition(&ready));
      }
      if (!writing_ && !queue_.empty()) {
        writing_ = true;
        write = true;
      }
      stopping = stopping_;
    }
    if (write) WriteQueued(kMaxRoundsPerCall);

    // A steady stream of calls must not put the sync off: it is due by the
    // age of the oldest unsynced entry, whatever arrives meanwhile.
    bool sync = false;
    int64_t through = 0;
    {
      absl::MutexLock lock(&mu_);
      if (unsynced_since_.has_value() &&
          (stopping || absl::Now() >= *unsynced_since_ + sync_interval_)) {
        // Entries written from here on start a new interval.
        unsynced_since_.reset();
        sync = true;
        through = written_;
      }
    }
    if (sync) {
      bool synced = store_->SyncWal().ok();
      absl::MutexLock lock(&mu_);
      if (synced) {
        synced_ = std::max(synced_, through);
      } else if (!stopping && !unsynced_since_.has_value()) {
        // Tried again one interval later (the next write's sync may do it
        // first); at shutdown there is nobody left to try.
        unsynced_since_ = absl::Now();
      }
    }
    absl::MutexLock lock(&mu_);
    // At shutdown: done once no call is writing, nothing is queued, and the
    // last sync was tried.
    if (stopping_ && !writing_ && queue_.empty() && (!unsynced_since_.has_value() || sync)) {
      return;
    }
  }
}

absl::Status AuditLog::Append(std::vector<Pending>& group, bool sync) {
  int64_t sequence = sequence_;
  std::string head = head_hash_;
  google::protobuf::Timestamp now = ToProtoTime(clock_->Now());
  auto append = [&](const storage::ReadView&, storage::Batch& batch) {
    for (const Pending& pending : group) {
      v1::AuditEntry entry;
      entry.set_sequence(++sequence);
      *entry.mutable_time() = now;
      entry.set_service(service_);
      entry.set_subject(pending.record.subject);
      entry.set_method(pending.record.method);
      entry.set_resource(pending.record.resource);
      entry.set_code(static_cast<int32_t>(pending.record.code));
      entry.set_previous_hash(head);
      // What EntryHash computes, without copying the entry: its hash is
      // not set yet.
      head = ChainHash(head, entry.SerializeAsString());
      entry.set_hash(head);
      batch.Put(kAuditColumnFamily, AuditKey(entry.sequence()), entry.SerializeAsString());
    }
    return absl::OkStatus();
  };
  RETURN_IF_ERROR(sync ? store_->Transact(append) : store_->TransactUnsynced(append));
  // Only what was written moves the head: a failed write is not part of the
  // chain, and the next group continues from the last written entry.
  sequence_ = sequence;
  head_hash_ = std::move(head);
  return absl::OkStatus();
}

}  // namespace samepage::audit
