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
  bool refused = false;
  {
    absl::MutexLock lock(&mu_);
    refused = stopping_;
    if (!refused) {
      queue_.push_back({std::move(record), std::move(done), absl::Now()});
      // Whoever is writing takes this entry in their next group. Without an
      // interval every group waits for an fsync: the thread writes them all.
      if (writing_ || sync_interval_ == absl::ZeroDuration()) return;
      writing_ = true;
    }
  }
  if (refused) {
    // Only a call racing the shutdown gets here; refuse it rather than
    // answer without a record.
    done(absl::UnavailableError("the server is shutting down"));
    return;
  }
  // This thread writes, for a few groups at most: it is a gRPC thread, and
  // the calls queued meanwhile may keep coming.
  constexpr int kMaxGroups = 4;
  std::vector<Pending> group;
  for (int round = 0; round < kMaxGroups; ++round) {
    {
      absl::MutexLock lock(&mu_);
      if (queue_.empty()) {
        writing_ = false;
        return;
      }
      group.swap(queue_);
    }
    if (!WriteGroup(group, /*wait=*/false)) {
      // The store is writing, maybe for milliseconds: the thread waits for
      // it instead. The group goes back ahead of what was queued meanwhile.
      absl::MutexLock lock(&mu_);
      group.insert(group.end(), std::make_move_iterator(queue_.begin()),
                   std::make_move_iterator(queue_.end()));
      queue_ = std::move(group);
      writing_ = false;
      return;
    }
  }
  // What is queued now wakes the thread.
  absl::MutexLock lock(&mu_);
  writing_ = false;
}

bool AuditLog::ThreadHasWork() const {
  if (writing_) return false;
  return stopping_ || !queue_.empty() || (unsynced_since_.has_value() && !sync_scheduled_);
}

AuditLog::Progress AuditLog::progress() const {
  absl::MutexLock lock(&mu_);
  return {.written = written_,
          .synced = synced_,
          .batches = groups_,
          .waits = waits_,
          .waited = waited_};
}

void AuditLog::Run() {
  for (;;) {
    std::vector<Pending> group;
    bool stopping;
    {
      absl::MutexLock lock(&mu_);
      // A steady stream of calls must not put the sync off: it is due by
      // the age of the oldest unsynced entry, whatever arrives meanwhile.
      const absl::Time sync_due =
          sync_scheduled_ ? *unsynced_since_ + sync_interval_ : absl::InfiniteFuture();
      mu_.AwaitWithDeadline(absl::Condition(this, &AuditLog::ThreadHasWork), sync_due);
      // At the deadline a calling thread may be writing; it is quick.
      mu_.Await(absl::Condition(this, &AuditLog::NotWriting));
      writing_ = true;
      group.swap(queue_);
      stopping = stopping_;
    }
    if (!group.empty()) WriteGroup(group, /*wait=*/true);

    int64_t through = sequence_;
    bool sync = false;
    {
      absl::MutexLock lock(&mu_);
      sync_scheduled_ = unsynced_since_.has_value();
      sync = sync_scheduled_ && (stopping || absl::Now() >= *unsynced_since_ + sync_interval_);
      if (!sync) {
        writing_ = false;
        if (stopping && queue_.empty() && !unsynced_since_.has_value()) return;
        continue;
      }
    }
    // Still writing: calls queue their entries meanwhile rather than wait
    // for the store on their own threads, and the next round writes them.
    absl::Status synced = store_->SyncWal();
    absl::MutexLock lock(&mu_);
    if (synced.ok()) {
      synced_ = through;
      unsynced_since_.reset();
      sync_scheduled_ = false;
    } else {
      // Tried again one interval later (the next write's sync may do it
      // first); at shutdown there is nobody left to try.
      unsynced_since_ = absl::Now();
    }
    writing_ = false;
    if (stopping && (!synced.ok() || queue_.empty())) return;
  }
}

bool AuditLog::WriteGroup(std::vector<Pending>& group, bool wait) {
  const bool sync_each = sync_interval_ == absl::ZeroDuration();
  absl::StatusOr<bool> appended = Append(group, sync_each, wait);
  if (appended.ok() && !*appended) return false;
  if (appended.ok()) {
    const absl::Time now = absl::Now();
    absl::Duration waited;
    for (const Pending& pending : group) waited += now - pending.queued;
    absl::MutexLock lock(&mu_);
    written_ = sequence_;
    if (sync_each) {
      synced_ = sequence_;
    } else if (!unsynced_since_.has_value()) {
      unsynced_since_ = now;
    }
    ++groups_;
    waits_ += static_cast<int64_t>(group.size());
    waited_ += waited;
  }
  // Outside the lock: finishing a call may take gRPC's locks.
  for (Pending& pending : group) pending.done(appended.status());
  group.clear();
  return true;
}

absl::StatusOr<bool> AuditLog::Append(const std::vector<Pending>& group, bool sync, bool wait) {
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
  } else if (wait) {
    // An independent append: the entries need not wait for the fsync of
    // the writes queued meanwhile (a write call's entry would otherwise wait
    // for a second fsync after its write's own).
    RETURN_IF_ERROR(store_->AppendUnsynced(append));
  } else {
    ASSIGN_OR_RETURN(bool written, store_->TryAppendUnsynced(append));
    if (!written) return false;
  }
  // Only what was written moves the head: a failed write is not part of the
  // chain, and the next group continues from the last written entry.
  sequence_ = sequence;
  head_hash_ = std::move(head);
  return true;
}

}  // namespace samepage::audit
