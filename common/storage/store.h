#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "common/storage/format_upgrade.h"
#include "common/storage/keyring.h"
#include "rocksdb/cache.h"
#include "rocksdb/db.h"

namespace samepage::storage {

// The on-disk format this build writes. A database written by a newer build is
// refused rather than misread.
//   1: values stored as given.
//   2: values may be encrypted: meta "encryption" = "aes-256-gcm" says that
//      every non-empty value outside "meta" is sealed with the keyring
//      (keyring.h); a store opened with a keyring seals a plaintext
//      database in place first. Version 1 builds cannot read sealed values,
//      so they must refuse such data.
inline constexpr int kFormatVersion = 2;

struct StoreOptions {
  // The database folder; created if missing.
  std::string path;
  // Column families besides the built-in ones ("default", "events", "meta"),
  // typically one per record kind and one per index.
  std::vector<std::string> column_families;
  // Sync the write-ahead log before a commit returns. Only tests of
  // non-durability paths may turn this off.
  bool sync = true;
  // Encrypts every stored value (see keyring.h). Null: values are stored as
  // given, and an encrypted database is refused. Must outlive the store.
  const Keyring* keyring = nullptr;
  // Opens an existing database for reading only, alongside a server that
  // has it open (tools: audit verification). Writes fail.
  bool read_only = false;
  // The data format this build writes, and the steps that bring older data
  // up to it at open (see format_upgrade.h); tests substitute their own.
  int format_version = kFormatVersion;
  std::vector<FormatUpgrade> upgrades = RegisteredFormatUpgrades();
  // Hears what was upgraded at open; null: nobody.
  std::function<void(const std::string&)> log;
  // The environment RocksDB reaches the disk through; null for the default.
  // Tests pass one that fails or stalls writes. Must outlive the store.
  rocksdb::Env* env = nullptr;
  // RocksDB's cache of uncompressed blocks, which the server shares among
  // all its databases (sized by the operator, --block_cache_mb); null: a
  // cache of 32 MiB of the store's own.
  std::shared_ptr<rocksdb::Cache> block_cache;
};

// A point-in-time view for reads that must agree with each other.
class ReadView {
 public:
  virtual ~ReadView() = default;
  virtual absl::StatusOr<std::optional<std::string>> Get(absl::string_view cf,
                                                         absl::string_view key) const = 0;
  // Calls `fn` for every key starting with `prefix` that sorts after
  // `start_after` (all of them when empty), in key order, until `fn` returns
  // false.
  virtual absl::Status Scan(
      absl::string_view cf, absl::string_view prefix, absl::string_view start_after,
      const std::function<bool(absl::string_view key, absl::string_view value)>& fn) const = 0;
  // The values of `keys` (nullopt where absent), in the order asked. This
  // reads them one by one; RocksDB's views read them in one MultiGet, which
  // shares the lookups of keys that sit in the same blocks (a page of a
  // case's records).
  virtual absl::StatusOr<std::vector<std::optional<std::string>>> GetMany(
      absl::string_view cf, const std::vector<std::string>& keys) const;
  // Scan for each of `prefixes` in turn (`fn` is also told which one), until
  // `fn` returns false. This scans them one by one; RocksDB's views seek one
  // iterator to each prefix instead of opening an iterator per prefix.
  virtual absl::Status ScanEach(
      absl::string_view cf, const std::vector<std::string>& prefixes,
      const std::function<bool(size_t prefix, absl::string_view key, absl::string_view value)>&
          fn) const;
};

// The records, indexes and domain events of one logical change. Applied in
// one atomic, synced RocksDB write batch: the transactional outbox.
class Batch {
 public:
  void Put(absl::string_view cf, absl::string_view key, absl::string_view value);
  void Delete(absl::string_view cf, absl::string_view key);
  // Appends a domain event and returns the revision it will have.
  int64_t AppendEvent(std::string payload);
  // The revision the next appended event will get.
  int64_t next_revision() const { return next_revision_; }

 private:
  friend class Store;
  struct Op {
    std::string cf;
    std::string key;
    std::optional<std::string> value;  // nullopt: delete
  };
  explicit Batch(int64_t next_revision) : next_revision_(next_revision) {}
  std::vector<Op> ops_;
  std::vector<std::pair<int64_t, std::string>> events_;
  int64_t next_revision_;
};

// One service's RocksDB database: column families per record kind, an event
// log ordered by revision, and serialised read-check-write transactions.
class Store {
 public:
  static absl::StatusOr<std::unique_ptr<Store>> Open(const StoreOptions& options);
  ~Store();

  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Reads the latest committed state.
  const ReadView& reader() const { return *latest_; }
  // A consistent snapshot; release it by destroying it.
  std::unique_ptr<ReadView> Snapshot() const;

  // Runs `fn` with exclusive access to writing: what it reads is the latest
  // state including every earlier transaction's batch, and nobody else runs
  // `fn` in between. When `fn` returns OK, its batch is committed atomically
  // with the write-ahead log synced before this returns; when it returns an
  // error, nothing is written and the error is returned.
  //
  // Group commit: `fn` runs serially, but the synced write is shared. Batches
  // of transactions that finish `fn` while a synced write is in flight queue
  // up and are committed together, in order, in the next single synced
  // RocksDB write. If that write fails, every transaction in it and every one
  // queued after it (each may have read what failed) returns the error.
  // A transaction that writes nothing still waits for the earlier batches it
  // may have read.
  absl::Status Transact(const std::function<absl::Status(const ReadView&, Batch&)>& fn);

  // The same, but the write-ahead log is not synced for this batch: it is in
  // the operating system's hands when this returns (it survives the process
  // being killed, not a power cut) and durable at the next synced commit or
  // SyncWal(). For records whose caller accepts that bound (the audit
  // trail's read entries, see audit_log.h); never for a write a client is
  // told has been made.
  absl::Status TransactUnsynced(const std::function<absl::Status(const ReadView&, Batch&)>& fn);

  // An unsynced write (as TransactUnsynced) of a batch that depends on
  // nothing queued before it and that no transaction reads: an append to a
  // log of its own, such as the audit trail. It may be written ahead of
  // synced transactions queued before it, in a group of appends only, so it
  // waits at most for the write already in flight, never for the next
  // group's fsync. `fn` runs serially with transactions (so appends are
  // written in the order their `fn` ran) and must not append events. When
  // the write fails, only the appends in it fail: a caller whose appends
  // build on each other (a hash chain) keeps one in flight at a time.
  absl::Status AppendUnsynced(const std::function<absl::Status(Batch&)>& fn);

  // AppendUnsynced, but only when the store is writing nothing: when a write
  // is in flight or queued (a group's fsync can take milliseconds), returns
  // false at once without running `fn`; otherwise true once written, or the
  // write's error. For callers on threads that must not wait for an fsync
  // (gRPC's), which hand the append to a thread of their own instead.
  absl::StatusOr<bool> TryAppendUnsynced(const std::function<absl::Status(Batch&)>& fn);

  // Makes everything committed so far durable (syncs the write-ahead log).
  // No fsync when nothing was written unsynced since the last sync.
  absl::Status SyncWal();

  // Calls `fn(cf, key)` for every key a transaction wrote or deleted, after
  // its RocksDB write and before the transaction returns; also when the
  // write failed (nothing changed then, and forgetting a cached value is
  // harmless). For caches of the latest state (see LatestCache). `fn` must
  // be quick and must not use the store. Stop observing before what `fn`
  // uses is destroyed; StopObserving waits for calls in progress.
  using WriteObserver = std::function<void(absl::string_view cf, absl::string_view key)>;
  using ObserverId = uint64_t;
  ObserverId ObserveWrites(WriteObserver fn);
  void StopObserving(ObserverId id);

  // The last key of `cf` and its value, if `cf` holds any.
  absl::StatusOr<std::optional<std::pair<std::string, std::string>>> Last(
      absl::string_view cf) const;

  // Re-encrypts every value not sealed with the keyring's active key (after
  // a key rotation, so that an old key can be retired). Returns how many
  // values were rewritten.
  absl::StatusOr<int64_t> Reseal();

  // The revision of the newest committed event; 0 when there is none.
  int64_t LatestRevision() const;

  // Calls `fn(revision, payload)` for events after `after_revision`, in order,
  // at most `limit` of them, until `fn` returns false.
  absl::Status ReadEvents(
      int64_t after_revision, int limit,
      const std::function<bool(int64_t revision, absl::string_view payload)>& fn) const;

  // Registers `fn` to be called once, on a committing thread, when an event
  // newer than `after_revision` is committed. Returns nullopt without
  // registering when one already is: read the events instead.
  using WaiterId = uint64_t;
  std::optional<WaiterId> NotifyAfter(int64_t after_revision, std::function<void()> fn);
  // Forgets a waiter; harmless if it already fired.
  void CancelNotify(WaiterId id);

  // The server is shutting down: wakes every waiter so that event streams
  // end now instead of holding the shutdown until its deadline.
  void BeginClose();
  bool closing() const { return closing_.load(); }

  // RocksDB's own statistics and properties, for metrics.
  rocksdb::DB* db() { return db_.get(); }

 private:
  class RocksReadView;
  Store() = default;
  absl::StatusOr<rocksdb::ColumnFamilyHandle*> Handle(absl::string_view cf) const;
  // A stored value as written / as read, given where it is stored.
  std::string Seal(absl::string_view cf, absl::string_view key, absl::string_view value) const;
  absl::StatusOr<std::string> Unseal(absl::string_view cf, absl::string_view key,
                                     absl::string_view stored) const;
  // Rewrites every value of every column family but "meta" that is not
  // sealed with the active key; with `from_plaintext`, values that are not
  // sealed values are taken as plaintext. Only while nothing else writes.
  absl::StatusOr<int64_t> SealAll(bool from_plaintext);

  class PendingReadView;
  struct PendingCommit;
  // A transaction's written value (nullopt: deleted) not yet in RocksDB, and
  // the commit sequence of the transaction that wrote it last.
  struct PendingValue {
    std::optional<std::string> value;
    uint64_t seq = 0;
  };
  enum class CommitKind { kSynced, kUnsynced, kIndependentUnsynced };
  // Runs `fn`, queues its batch and waits for it to be committed (leading
  // the group write when no other thread is); collects event waiters to call.
  // With `busy`, only when nothing is being written or queued: else sets
  // `*busy` and returns OK without running `fn`.
  absl::Status TransactLocked(const std::function<absl::Status(const ReadView&, Batch&)>& fn,
                              CommitKind kind, std::vector<std::function<void()>>& to_notify,
                              bool* busy = nullptr);
  absl::Status TransactWith(const std::function<absl::Status(const ReadView&, Batch&)>& fn,
                            CommitKind kind, bool* busy = nullptr);
  // Writes the next group from the queue: its independent appends if it
  // holds any, else everything queued. Called with no other leader active.
  void LeadGroup(std::vector<std::function<void()>>& to_notify)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_);
  // Writes `group` in one RocksDB write, synced unless no member asks for
  // it (after a failed write, see WriteToRocks).
  absl::Status WriteGroup(const std::vector<std::shared_ptr<PendingCommit>>& group);

  // Every RocksDB write and WAL sync goes through these, one at a time. A
  // write-ahead log file whose write failed (a full disk) must never be
  // written to or synced again: Debian's RocksDB is built with assertions
  // and aborts the process when that happens. After a failure, writes and
  // syncs are refused with the failure's status until RocksDB has recovered
  // (DB::Resume) and switched to a new log file.
  absl::Status WriteToRocks(const rocksdb::WriteOptions& options, rocksdb::WriteBatch* batch,
                            absl::string_view what);
  // Brings the store back to writing after a failure; OK when the failed
  // log has been replaced.
  absl::Status RecoverWal() ABSL_EXCLUSIVE_LOCKS_REQUIRED(wal_mu_);
  // Remembers a failed write or sync, and the log file it failed on.
  void MarkWalFailed(const absl::Status& error) ABSL_EXCLUSIVE_LOCKS_REQUIRED(wal_mu_);
  // The number of the log file being written; 0 when it cannot be told.
  uint64_t CurrentWalNumber() const;

  std::unique_ptr<rocksdb::DB> db_;
  std::map<std::string, rocksdb::ColumnFamilyHandle*, std::less<>> handles_;
  std::unique_ptr<ReadView> latest_;
  bool sync_ = true;
  std::string path_;
  // Set once at open, before any other thread sees the store.
  const Keyring* keyring_ = nullptr;
  bool sealed_ = false;  // stored values are sealed with `keyring_`
  std::atomic<bool> closing_{false};

  absl::Mutex write_mu_;
  // Group commit state. `pending_` holds what queued and in-flight batches
  // wrote, per column family, so that later transactions read it.
  std::map<std::string, std::map<std::string, PendingValue, std::less<>>, std::less<>> pending_
      ABSL_GUARDED_BY(write_mu_);
  std::vector<std::shared_ptr<PendingCommit>> queue_ ABSL_GUARDED_BY(write_mu_);
  std::shared_ptr<PendingCommit> newest_commit_ ABSL_GUARDED_BY(write_mu_);
  bool leader_active_ ABSL_GUARDED_BY(write_mu_) = false;
  uint64_t next_seq_ ABSL_GUARDED_BY(write_mu_) = 1;
  int64_t next_revision_ ABSL_GUARDED_BY(write_mu_) = 1;
  absl::Mutex wal_mu_;
  bool wal_failed_ ABSL_GUARDED_BY(wal_mu_) = false;
  uint64_t failed_wal_ ABSL_GUARDED_BY(wal_mu_) = 0;
  absl::Status wal_error_ ABSL_GUARDED_BY(wal_mu_);
  // Whether the anchor (see WriteToRocks) is in a memtable since the last
  // recovery or open.
  bool anchored_ ABSL_GUARDED_BY(wal_mu_) = false;
  // Whether something was written to the log since it was last synced
  // (a synced write or SyncWal); SyncWal has nothing to do otherwise.
  bool wal_unsynced_ ABSL_GUARDED_BY(wal_mu_) = false;
  absl::Mutex observers_mu_;
  ObserverId next_observer_id_ ABSL_GUARDED_BY(observers_mu_) = 1;
  std::map<ObserverId, WriteObserver> observers_ ABSL_GUARDED_BY(observers_mu_);
  mutable absl::Mutex revision_mu_;
  int64_t latest_revision_ ABSL_GUARDED_BY(revision_mu_) = 0;
  WaiterId next_waiter_id_ ABSL_GUARDED_BY(revision_mu_) = 1;
  std::map<WaiterId, std::function<void()>> waiters_ ABSL_GUARDED_BY(revision_mu_);
};

}  // namespace samepage::storage
