#include "common/audit/audit_log.h"

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
                                                          std::string service) {
  auto log = std::unique_ptr<AuditLog>(new AuditLog(store, clock, std::move(service)));
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
      queue_.push_back({std::move(record), std::move(done)});
      return;
    }
  }
  // Only a call racing the shutdown gets here; refuse it rather than answer
  // without a record.
  done(absl::UnavailableError("the server is shutting down"));
}

bool AuditLog::HasWork() const { return stopping_ || !queue_.empty(); }

int64_t AuditLog::written() const {
  absl::MutexLock lock(&mu_);
  return written_;
}

int64_t AuditLog::groups() const {
  absl::MutexLock lock(&mu_);
  return groups_;
}

void AuditLog::Run() {
  for (;;) {
    std::vector<Pending> group;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(this, &AuditLog::HasWork));
      if (queue_.empty()) return;  // stopping, and nothing left to write
      group.swap(queue_);
    }
    absl::Status written = Append(group);
    if (written.ok()) {
      absl::MutexLock lock(&mu_);
      written_ = sequence_;
      ++groups_;
    }
    // Outside the lock: finishing a call may take gRPC's locks.
    for (Pending& pending : group) pending.done(written);
  }
}

absl::Status AuditLog::Append(std::vector<Pending>& group) {
  int64_t sequence = sequence_;
  std::string head = head_hash_;
  google::protobuf::Timestamp now = ToProtoTime(clock_->Now());
  RETURN_IF_ERROR(store_->Transact([&](const storage::ReadView&, storage::Batch& batch) {
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
      head = EntryHash(entry);
      entry.set_hash(head);
      batch.Put(kAuditColumnFamily, AuditKey(entry.sequence()), entry.SerializeAsString());
    }
    return absl::OkStatus();
  }));
  // Only what is on disk moves the head: a failed write is not part of the
  // chain, and the next group continues from the last durable entry.
  sequence_ = sequence;
  head_hash_ = std::move(head);
  return absl::OkStatus();
}

}  // namespace samepage::audit
