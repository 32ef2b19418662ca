#include "common/audit/audit_log.h"

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

absl::StatusOr<std::unique_ptr<AuditLog>> AuditLog::Start(storage::Store* store,
                                                          const Clock* clock,
                                                          std::string service,
                                                          absl::Duration sync_interval) {
  if (sync_interval < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("audit sync interval: must not be negative");
  }
  auto log = std::unique_ptr<AuditLog>(
      new AuditLog(store, clock, std::move(service), sync_interval));
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
  log->writer_ = std::thread([raw = log.get()] { raw->Run(); });
  return log;
}

AuditLog::~AuditLog() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  // Not started when Start failed before starting it.
  if (writer_.joinable()) writer_.join();
}

void AuditLog::Record(rpc::AuditRecord record, absl::AnyInvocable<void(absl::Status)> done) {
  {
    absl::MutexLock lock(&mu_);
    if (!stopping_) {
      queue_.push_back({std::move(record), std::move(done), absl::Now()});
      return;
    }
  }
  // Only a call racing the shutdown gets here; refuse it rather than answer
  // without a record.
  done(absl::UnavailableError("the server is shutting down"));
}

bool AuditLog::HasWork() const { return stopping_ || !queue_.empty(); }

AuditLog::Progress AuditLog::progress() const {
  absl::MutexLock lock(&mu_);
  return {.written = written_,
          .synced = synced_,
          .batches = groups_,
          .waits = waits_,
          .waited = waited_};
}

void AuditLog::Run() {
  const bool sync_each = sync_interval_ == absl::ZeroDuration();
  // When the oldest entry that is written but not synced was written.
  std::optional<absl::Time> unsynced_since;
  for (;;) {
    std::vector<Pending> group;
    bool stopping;
    {
      absl::MutexLock lock(&mu_);
      if (unsynced_since.has_value()) {
        mu_.AwaitWithDeadline(absl::Condition(this, &AuditLog::HasWork),
                              *unsynced_since + sync_interval_);
      } else {
        mu_.Await(absl::Condition(this, &AuditLog::HasWork));
      }
      group.swap(queue_);
      stopping = stopping_;
    }
    if (!group.empty()) {
      absl::Status written = Append(group, sync_each);
      if (written.ok()) {
        const absl::Time now = absl::Now();
        if (!sync_each && !unsynced_since.has_value()) unsynced_since = now;
        absl::Duration waited;
        for (const Pending& pending : group) waited += now - pending.queued;
        absl::MutexLock lock(&mu_);
        written_ = sequence_;
        if (sync_each) synced_ = sequence_;
        ++groups_;
        waits_ += static_cast<int64_t>(group.size());
        waited_ += waited;
      }
      // Outside the lock: finishing a call may take gRPC's locks.
      for (Pending& pending : group) pending.done(written);
    }
    // A steady stream of calls must not put the sync off: it is due by the
    // age of the oldest unsynced entry, whatever arrives meanwhile.
    if (unsynced_since.has_value() &&
        (stopping || absl::Now() >= *unsynced_since + sync_interval_)) {
      int64_t through = sequence_;
      if (store_->SyncWal().ok()) {
        unsynced_since.reset();
        absl::MutexLock lock(&mu_);
        synced_ = through;
      } else {
        // Tried again one interval later (the next write's sync may do it
        // first); at shutdown there is nobody left to try.
        unsynced_since = absl::Now();
        if (stopping) return;
      }
    }
    if (stopping && group.empty() && !unsynced_since.has_value()) return;
  }
}

absl::Status AuditLog::Append(std::vector<Pending>& group, bool sync) {
  int64_t sequence = sequence_;
  std::string head = head_hash_;
  google::protobuf::Timestamp now = ToProtoTime(clock_->Now());
  auto append = [&](storage::Batch& batch) {
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
  if (sync) {
    RETURN_IF_ERROR(store_->Transact(
        [&](const storage::ReadView&, storage::Batch& batch) { return append(batch); }));
  } else {
    // An independent append: the entries need not wait for the fsync of
    // the writes queued meanwhile (a write call's entry would otherwise wait
    // for a second fsync after its write's own).
    RETURN_IF_ERROR(store_->AppendUnsynced(append));
  }
  // Only what was written moves the head: a failed write is not part of the
  // chain, and the next group continues from the last written entry.
  sequence_ = sequence;
  head_hash_ = std::move(head);
  return absl::OkStatus();
}

}  // namespace samepage::audit
