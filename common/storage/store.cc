#include "common/storage/store.h"

#include <algorithm>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/status/status_macros.h"
#include "common/storage/keys.h"
#include "rocksdb/cache.h"
#include "rocksdb/filter_policy.h"
#include "rocksdb/options.h"
#include "rocksdb/statistics.h"
#include "rocksdb/table.h"
#include "rocksdb/utilities/options_util.h"
#include "rocksdb/write_batch.h"

namespace samepage::storage {
namespace {

constexpr char kEventsCf[] = "events";
constexpr const char* kMetaCf = kMetaColumnFamily;

absl::Status FromRocks(const rocksdb::Status& s, absl::string_view what) {
  if (s.ok()) return absl::OkStatus();
  if (s.IsNoSpace()) {
    return absl::ResourceExhaustedError(absl::StrCat(what, ": disk full: ", s.ToString()));
  }
  if (s.IsCorruption()) {
    return absl::DataLossError(absl::StrCat(what, ": ", s.ToString()));
  }
  return absl::UnavailableError(absl::StrCat(what, ": ", s.ToString()));
}

std::string EventKey(int64_t revision) { return KeyBuilder().AddInt64(revision).Release(); }

// Meta key naming how values are sealed; absent: stored as given.
constexpr char kEncryptionKey[] = "encryption";
constexpr char kEncryptionAesGcm[] = "aes-256-gcm";
// Values rewritten per synced batch when sealing a whole database.
constexpr int kSealBatchValues = 1000;

// Where a sealed value lives, authenticated with it: a value copied to
// another key or column family no longer opens.
std::string SealContext(absl::string_view cf, absl::string_view key) {
  return absl::StrCat(cf, absl::string_view("\0", 1), key);
}

// A read-only open cannot upgrade: data older or newer than this build's
// format is refused.
absl::Status CheckReadableVersion(const ReadView& view, const std::string& path, int version) {
  ASSIGN_OR_RETURN(std::optional<std::string> stored, view.Get(kMetaCf, kFormatVersionKey));
  if (!stored.has_value() || *stored != std::to_string(version)) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, ": data format version ", stored.value_or("(none)"),
                     " is not this build's (", version,
                     "); open it once with the server (which upgrades it) first"));
  }
  return absl::OkStatus();
}

}  // namespace

void Batch::Put(absl::string_view cf, absl::string_view key, absl::string_view value) {
  ops_.push_back({std::string(cf), std::string(key), std::string(value)});
}

void Batch::Delete(absl::string_view cf, absl::string_view key) {
  ops_.push_back({std::string(cf), std::string(key), std::nullopt});
}

int64_t Batch::AppendEvent(std::string payload) {
  int64_t revision = next_revision_++;
  events_.emplace_back(revision, std::move(payload));
  return revision;
}

absl::StatusOr<std::vector<std::optional<std::string>>> ReadView::GetMany(
    absl::string_view cf, const std::vector<std::string>& keys) const {
  std::vector<std::optional<std::string>> values;
  values.reserve(keys.size());
  for (const std::string& key : keys) {
    ASSIGN_OR_RETURN(std::optional<std::string> value, Get(cf, key));
    values.push_back(std::move(value));
  }
  return values;
}

absl::Status ReadView::ScanEach(
    absl::string_view cf, const std::vector<std::string>& prefixes,
    const std::function<bool(size_t, absl::string_view, absl::string_view)>& fn) const {
  bool stopped = false;
  for (size_t i = 0; i < prefixes.size() && !stopped; ++i) {
    RETURN_IF_ERROR(Scan(cf, prefixes[i], "", [&](absl::string_view key, absl::string_view value) {
      stopped = !fn(i, key, value);
      return !stopped;
    }));
  }
  return absl::OkStatus();
}

class Store::RocksReadView final : public ReadView {
 public:
  RocksReadView(const Store* store, const rocksdb::Snapshot* snapshot)
      : store_(store), snapshot_(snapshot) {}
  ~RocksReadView() override {
    if (snapshot_ != nullptr) store_->db_->ReleaseSnapshot(snapshot_);
  }

  absl::StatusOr<std::optional<std::string>> Get(absl::string_view cf,
                                                 absl::string_view key) const override {
    ASSIGN_OR_RETURN(rocksdb::ColumnFamilyHandle * handle, store_->Handle(cf));
    rocksdb::ReadOptions options;
    options.snapshot = snapshot_;
    std::string value;
    rocksdb::Status s =
        store_->db_->Get(options, handle, rocksdb::Slice(key.data(), key.size()), &value);
    if (s.IsNotFound()) return std::nullopt;
    RETURN_IF_ERROR(FromRocks(s, "read"));
    return store_->Unseal(cf, key, value);
  }

  absl::StatusOr<std::vector<std::optional<std::string>>> GetMany(
      absl::string_view cf, const std::vector<std::string>& keys) const override {
    ASSIGN_OR_RETURN(rocksdb::ColumnFamilyHandle * handle, store_->Handle(cf));
    rocksdb::ReadOptions options;
    options.snapshot = snapshot_;
    std::vector<rocksdb::Slice> slices(keys.begin(), keys.end());
    std::vector<rocksdb::PinnableSlice> found(keys.size());
    std::vector<rocksdb::Status> statuses(keys.size());
    store_->db_->MultiGet(options, handle, keys.size(), slices.data(), found.data(),
                          statuses.data());
    std::vector<std::optional<std::string>> values;
    values.reserve(keys.size());
    for (size_t i = 0; i < keys.size(); ++i) {
      if (statuses[i].IsNotFound()) {
        values.emplace_back();
        continue;
      }
      RETURN_IF_ERROR(FromRocks(statuses[i], "read"));
      absl::string_view stored(found[i].data(), found[i].size());
      ASSIGN_OR_RETURN(std::string value, store_->Unseal(cf, keys[i], stored));
      values.push_back(std::move(value));
    }
    return values;
  }

  absl::Status Scan(
      absl::string_view cf, absl::string_view prefix, absl::string_view start_after,
      const std::function<bool(absl::string_view, absl::string_view)>& fn) const override {
    ASSIGN_OR_RETURN(rocksdb::ColumnFamilyHandle * handle, store_->Handle(cf));
    std::string upper = PrefixUpperBound(prefix);
    rocksdb::Slice upper_slice(upper);
    rocksdb::ReadOptions options;
    options.snapshot = snapshot_;
    if (!upper.empty()) options.iterate_upper_bound = &upper_slice;
    std::unique_ptr<rocksdb::Iterator> it(store_->db_->NewIterator(options, handle));
    if (start_after.empty() || start_after < prefix) {
      it->Seek(rocksdb::Slice(prefix.data(), prefix.size()));
    } else {
      it->Seek(rocksdb::Slice(start_after.data(), start_after.size()));
      if (it->Valid() && it->key() == rocksdb::Slice(start_after.data(), start_after.size())) {
        it->Next();
      }
    }
    for (; it->Valid(); it->Next()) {
      absl::string_view key(it->key().data(), it->key().size());
      if (key.substr(0, prefix.size()) != prefix) break;
      absl::string_view stored(it->value().data(), it->value().size());
      if (!store_->sealed_) {
        if (!fn(key, stored)) break;
        continue;
      }
      ASSIGN_OR_RETURN(std::string value, store_->Unseal(cf, key, stored));
      if (!fn(key, value)) break;
    }
    return FromRocks(it->status(), "scan");
  }

  absl::Status ScanEach(absl::string_view cf, const std::vector<std::string>& prefixes,
                        const std::function<bool(size_t, absl::string_view, absl::string_view)>&
                            fn) const override {
    ASSIGN_OR_RETURN(rocksdb::ColumnFamilyHandle * handle, store_->Handle(cf));
    rocksdb::ReadOptions options;
    options.snapshot = snapshot_;
    std::unique_ptr<rocksdb::Iterator> it(store_->db_->NewIterator(options, handle));
    for (size_t i = 0; i < prefixes.size(); ++i) {
      const std::string& prefix = prefixes[i];
      for (it->Seek(prefix); it->Valid(); it->Next()) {
        absl::string_view key(it->key().data(), it->key().size());
        if (!absl::StartsWith(key, prefix)) break;
        absl::string_view stored(it->value().data(), it->value().size());
        if (!store_->sealed_) {
          if (!fn(i, key, stored)) return absl::OkStatus();
          continue;
        }
        ASSIGN_OR_RETURN(std::string value, store_->Unseal(cf, key, stored));
        if (!fn(i, key, value)) return absl::OkStatus();
      }
      RETURN_IF_ERROR(FromRocks(it->status(), "scan"));
    }
    return absl::OkStatus();
  }

 private:
  const Store* store_;
  const rocksdb::Snapshot* snapshot_;  // null: latest
};

// Reads inside a transaction: RocksDB's latest state with the batches of
// queued and in-flight commits laid over it. Used only while `fn` runs, with
// the writer mutex held, so `pending_` does not change underneath.
class Store::PendingReadView final : public ReadView {
 public:
  explicit PendingReadView(const Store* store) : store_(store) {}

  absl::StatusOr<std::optional<std::string>> Get(absl::string_view cf, absl::string_view key) const
      override ABSL_NO_THREAD_SAFETY_ANALYSIS {
    auto cf_it = store_->pending_.find(cf);
    if (cf_it != store_->pending_.end()) {
      auto it = cf_it->second.find(key);
      if (it != cf_it->second.end()) return it->second.value;
    }
    return store_->latest_->Get(cf, key);
  }

  absl::Status Scan(absl::string_view cf, absl::string_view prefix, absl::string_view start_after,
                    const std::function<bool(absl::string_view, absl::string_view)>& fn) const
      override ABSL_NO_THREAD_SAFETY_ANALYSIS {
    auto cf_it = store_->pending_.find(cf);
    if (cf_it == store_->pending_.end() || cf_it->second.empty()) {
      return store_->latest_->Scan(cf, prefix, start_after, fn);
    }
    // The pending entries in range, merged in key order with RocksDB's: a
    // pending value replaces the stored one, a pending delete hides it.
    const auto& pending = cf_it->second;
    bool from_prefix = start_after.empty() || start_after < prefix;
    auto it = from_prefix ? pending.lower_bound(prefix) : pending.upper_bound(start_after);
    std::vector<std::pair<absl::string_view, const PendingValue*>> overlay;
    for (; it != pending.end() && absl::string_view(it->first).substr(0, prefix.size()) == prefix;
         ++it) {
      overlay.emplace_back(it->first, &it->second);
    }
    if (overlay.empty()) return store_->latest_->Scan(cf, prefix, start_after, fn);
    size_t next = 0;
    bool stopped = false;
    // Emits pending entries sorting before `bound` (all when null).
    auto emit_before = [&](const absl::string_view* bound) {
      while (!stopped && next < overlay.size() &&
             (bound == nullptr || overlay[next].first < *bound)) {
        const auto& [key, entry] = overlay[next++];
        if (entry->value.has_value() && !fn(key, *entry->value)) stopped = true;
      }
      return !stopped;
    };
    absl::Status s = store_->latest_->Scan(
        cf, prefix, start_after, [&](absl::string_view key, absl::string_view value) {
          if (!emit_before(&key)) return false;
          if (next < overlay.size() && overlay[next].first == key) {
            const PendingValue* entry = overlay[next++].second;
            if (!entry->value.has_value()) return true;
            stopped = !fn(key, *entry->value);
            return !stopped;
          }
          stopped = !fn(key, value);
          return !stopped;
        });
    RETURN_IF_ERROR(s);
    emit_before(nullptr);
    return absl::OkStatus();
  }

 private:
  const Store* store_;
};

// One transaction's batch on its way to disk.
struct Store::PendingCommit {
  explicit PendingCommit(Batch b) : batch(std::move(b)) {}
  Batch batch;
  uint64_t seq = 0;
  bool sync = true;  // the WAL must be synced before this commit returns
  bool independent = false;  // see Store::AppendUnsynced
  bool done = false;  // guarded by the store's write_mu_
  absl::Status status;
  // Signalled when `done` is set, and when the leader leaves with this
  // commit first in the queue (it leads the next group). Waited on by its own
  // transaction and read-only ones that read it, so that finishing a group
  // wakes only those it concerns instead of every queued transaction.
  absl::CondVar changed;
};

absl::StatusOr<std::unique_ptr<Store>> Store::Open(const StoreOptions& options) {
  if (options.path.empty()) return absl::InvalidArgumentError("store path: must not be empty");
  rocksdb::Options db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  // Small, bounded memory per database: several run in one process.
  db_options.max_background_jobs = 2;
  db_options.keep_log_file_num = 5;
  // Memtables holding little data keep old write-ahead log files alive;
  // past this total the column families holding the oldest are flushed.
  db_options.max_total_wal_size = 64 << 20;
  if (options.env != nullptr) db_options.env = options.env;
  // Counters only (bytes written, WAL syncs, cache hits) for the metrics
  // page; timers would cost a clock read per operation.
  db_options.statistics = rocksdb::CreateDBStatistics();
  db_options.statistics->set_stats_level(rocksdb::StatsLevel::kExceptTimers);

  std::vector<std::string> names = {rocksdb::kDefaultColumnFamilyName, kEventsCf, kMetaCf};
  for (const std::string& cf : options.column_families) {
    if (cf == rocksdb::kDefaultColumnFamilyName || cf == kEventsCf || cf == kMetaCf) {
      return absl::InvalidArgumentError(absl::StrCat("column family name is reserved: ", cf));
    }
    names.push_back(cf);
  }
  // Column families that exist on disk must all be opened, even ones this
  // build no longer uses.
  std::vector<std::string> existing;
  if (rocksdb::DB::ListColumnFamilies(db_options, options.path, &existing).ok()) {
    for (const std::string& cf : existing) {
      if (std::find(names.begin(), names.end(), cf) == names.end()) names.push_back(cf);
    }
  }
  // Reading only: exactly what is on disk (nothing can be created).
  if (options.read_only) names = existing;
  // Every column family of the database shares one block cache (the
  // default is a cache of its own per column family; the server shares one
  // among its databases too), and point lookups skip files that cannot hold
  // the key (a Bloom filter per file, 10 bits a key): most reads are Gets of
  // one record by id.
  rocksdb::BlockBasedTableOptions table_options;
  table_options.block_cache =
      options.block_cache != nullptr ? options.block_cache : rocksdb::NewLRUCache(32 << 20);
  table_options.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  rocksdb::ColumnFamilyOptions cf_options;
  cf_options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table_options));
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const std::string& name : names) descriptors.emplace_back(name, cf_options);
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  RETURN_IF_ERROR(FromRocks(
      options.read_only
          ? rocksdb::DB::OpenForReadOnly(db_options, options.path, descriptors, &handles, &raw)
          : rocksdb::DB::Open(db_options, options.path, descriptors, &handles, &raw),
      absl::StrCat("open ", options.path)));

  auto store = std::unique_ptr<Store>(new Store());
  store->db_.reset(raw);
  store->sync_ = options.sync;
  store->path_ = options.path;
  for (size_t i = 0; i < names.size(); ++i) store->handles_[names[i]] = handles[i];
  store->latest_ = std::make_unique<RocksReadView>(store.get(), nullptr);

  // The latest revision is the last key of the event log.
  rocksdb::ReadOptions read_options;
  std::unique_ptr<rocksdb::Iterator> it(
      store->db_->NewIterator(read_options, store->handles_[kEventsCf]));
  it->SeekToLast();
  if (it->Valid()) {
    KeyReader reader(absl::string_view(it->key().data(), it->key().size()));
    int64_t revision = 0;
    if (!reader.ReadInt64(&revision)) return absl::DataLossError("event log: malformed key");
    absl::MutexLock lock(&store->revision_mu_);
    store->latest_revision_ = revision;
  }
  {
    absl::MutexLock lock(&store->write_mu_);
    store->next_revision_ = store->LatestRevision() + 1;
  }
  RETURN_IF_ERROR(FromRocks(it->status(), "read event log"));
  it.reset();

  // Whether values are sealed is known before anything reads them.
  ASSIGN_OR_RETURN(std::optional<std::string> encryption,
                   store->reader().Get(kMetaCf, kEncryptionKey));
  if (encryption.has_value()) {
    if (*encryption != kEncryptionAesGcm) {
      return absl::FailedPreconditionError(absl::StrCat(
          options.path, ": values are encrypted with \"", *encryption,
          "\", which this build does not know; use a newer SamePage server"));
    }
    if (options.keyring == nullptr) {
      return absl::FailedPreconditionError(absl::StrCat(
          options.path, ": the data is encrypted; pass its key file (--encryption_keys)"));
    }
    store->sealed_ = true;
  }
  store->keyring_ = options.keyring;

  // Stored data carries its format version: new databases get ours, older
  // ones are upgraded in one synced batch, newer ones are refused.
  if (options.read_only) {
    RETURN_IF_ERROR(CheckReadableVersion(store->reader(), options.path, options.format_version));
    return store;
  }
  RETURN_IF_ERROR(ApplyFormatVersion(*store, options.path, options.format_version,
                                     options.upgrades, options.log));
  if (options.keyring != nullptr && !store->sealed_) {
    // A new database, or one written before encryption: seal what is there,
    // then mark it (a crash in between leaves a mix that the next open
    // finishes sealing).
    ASSIGN_OR_RETURN(int64_t sealed, store->SealAll(/*from_plaintext=*/true));
    rocksdb::WriteOptions write_options;
    write_options.sync = true;
    rocksdb::WriteBatch mark;
    RETURN_IF_ERROR(FromRocks(mark.Put(store->handles_[kMetaCf], kEncryptionKey, kEncryptionAesGcm),
                              "mark the data encrypted"));
    RETURN_IF_ERROR(store->WriteToRocks(write_options, &mark, "mark the data encrypted"));
    store->sealed_ = true;
    if (sealed > 0 && options.log) {
      options.log(absl::StrCat(options.path, ": encrypted ", sealed, " stored values"));
    }
  }
  return store;
}

Store::~Store() {
  latest_.reset();
  if (db_ == nullptr) return;
  bool wal_failed = false;
  {
    absl::MutexLock lock(&wal_mu_);
    wal_failed = wal_failed_ && !RecoverWal().ok();
  }
  for (auto& [name, handle] : handles_) db_->DestroyColumnFamilyHandle(handle);
  handles_.clear();
  if (wal_failed) {
    // Closing flushes the failed log file's buffer, on which an
    // assertion-enabled RocksDB aborts. Everything acknowledged is in the
    // synced log already, so the database is left for the process's exit
    // (and the next open's recovery) instead.
    db_.release();
    return;
  }
  db_->Close().PermitUncheckedError();
}

absl::StatusOr<rocksdb::ColumnFamilyHandle*> Store::Handle(absl::string_view cf) const {
  auto it = handles_.find(cf);
  if (it == handles_.end()) {
    return absl::InternalError(absl::StrCat("unknown column family: ", cf));
  }
  return it->second;
}

std::unique_ptr<ReadView> Store::Snapshot() const {
  return std::make_unique<RocksReadView>(this, db_->GetSnapshot());
}

absl::Status Store::Transact(const std::function<absl::Status(const ReadView&, Batch&)>& fn) {
  return TransactWith(fn, CommitKind::kSynced);
}

absl::Status Store::TransactUnsynced(
    const std::function<absl::Status(const ReadView&, Batch&)>& fn) {
  return TransactWith(fn, CommitKind::kUnsynced);
}

absl::Status Store::SyncWal() {
  absl::MutexLock lock(&wal_mu_);
  if (wal_failed_) RETURN_IF_ERROR(RecoverWal());
  // A synced commit syncs the whole log, and under write load there is one
  // every few milliseconds: a periodic sync (the audit trail's) after it
  // would be an fsync for nothing.
  if (!wal_unsynced_) return absl::OkStatus();
  rocksdb::Status s = db_->SyncWAL();
  absl::Status status = FromRocks(s, absl::StrCat("sync the write-ahead log of ", path_));
  if (status.ok()) {
    wal_unsynced_ = false;
  } else {
    MarkWalFailed(status);
  }
  return status;
}

uint64_t Store::CurrentWalNumber() const {
  std::unique_ptr<rocksdb::LogFile> wal;
  if (!db_->GetCurrentWalFile(&wal).ok() || wal == nullptr) return 0;
  return wal->LogNumber();
}

void Store::MarkWalFailed(const absl::Status& error) {
  wal_failed_ = true;
  wal_unsynced_ = true;  // the next SyncWal syncs whatever log follows
  wal_error_ = error;
  // Asked after the failure, not before every write (it costs a stat of the
  // file): RocksDB changes log files only inside a write, and writes are
  // ours, one at a time under wal_mu_, so the current file is the one the
  // failed write or sync used, and stays so until Resume replaces it.
  failed_wal_ = CurrentWalNumber();
}

absl::Status Store::RecoverWal() {
  // RocksDB stops writes after a failed log write and recovers by itself
  // (Busy meanwhile) or when asked: it flushes the memtables and starts a new
  // log file. Writers are not held long: they get the failure's status.
  rocksdb::Status resumed = db_->Resume();
  for (int i = 0; i < 10 && resumed.IsBusy(); ++i) {
    absl::SleepFor(absl::Milliseconds(10));
    resumed = db_->Resume();
  }
  if (!resumed.ok()) {
    absl::Status cause = resumed.IsBusy() ? wal_error_ : FromRocks(resumed, "");
    return absl::Status(cause.code(),
                        absl::StrCat(wal_error_.message(), "; writes to ", path_,
                                     " are refused until it recovers (", resumed.ToString(), ")"));
  }
  uint64_t now = CurrentWalNumber();
  if (now == 0 || now == failed_wal_) {
    // Resumed without a new log file: writing on would reach the failed one.
    return absl::UnavailableError(absl::StrCat(
        wal_error_.message(), "; the write-ahead log of ", path_,
        " was not replaced after the failure, so writes are refused until a restart"));
  }
  wal_failed_ = false;
  anchored_ = false;
  return absl::OkStatus();
}

absl::Status Store::WriteToRocks(const rocksdb::WriteOptions& options, rocksdb::WriteBatch* batch,
                                 absl::string_view what) {
  absl::MutexLock lock(&wal_mu_);
  if (wal_failed_) RETURN_IF_ERROR(RecoverWal());
  if (!anchored_) {
    // RocksDB's recovery starts a new log file only when some memtable holds
    // data; right after an open or a recovery every memtable can be empty,
    // and a failed write then would leave the failed log in use. An entry
    // in the default column family, kept out of the log (it means nothing
    // and may be lost), makes sure there is always one. The log files it
    // keeps alive are bounded by max_total_wal_size (see Open).
    rocksdb::WriteOptions unlogged;
    unlogged.disableWAL = true;
    rocksdb::Status s = db_->Put(unlogged, db_->DefaultColumnFamily(), "samepage.wal-anchor", "");
    if (!s.ok()) return FromRocks(s, what);
    anchored_ = true;
  }
  rocksdb::Status s = db_->Write(options, batch);
  absl::Status status = FromRocks(s, what);
  if (!status.ok()) {
    MarkWalFailed(status);
  } else if (!options.disableWAL) {
    // A synced write syncs everything written to the log before it too.
    wal_unsynced_ = !options.sync;
  }
  return status;
}

absl::Status Store::TransactWith(const std::function<absl::Status(const ReadView&, Batch&)>& fn,
                                 CommitKind kind, bool* busy) {
  std::vector<std::function<void()>> to_notify;
  absl::Status result = TransactLocked(fn, kind, to_notify, busy);
  // Outside the locks: a waiter may read events or start a write.
  for (auto& waiter : to_notify) waiter();
  return result;
}

absl::Status Store::AppendUnsynced(const std::function<absl::Status(Batch&)>& fn) {
  return TransactWith([&fn](const ReadView&, Batch& batch) { return fn(batch); },
                      CommitKind::kIndependentUnsynced);
}

absl::StatusOr<bool> Store::TryAppendUnsynced(const std::function<absl::Status(Batch&)>& fn) {
  bool busy = false;
  RETURN_IF_ERROR(TransactWith([&fn](const ReadView&, Batch& batch) { return fn(batch); },
                               CommitKind::kIndependentUnsynced, &busy));
  return !busy;
}

absl::Status Store::TransactLocked(const std::function<absl::Status(const ReadView&, Batch&)>& fn,
                                   CommitKind kind, std::vector<std::function<void()>>& to_notify,
                                   bool* busy) {
  absl::MutexLock write_lock(&write_mu_);
  if (busy != nullptr && (leader_active_ || !queue_.empty())) {
    *busy = true;
    return absl::OkStatus();
  }
  Batch batch(next_revision_);
  PendingReadView view(this);
  RETURN_IF_ERROR(fn(view, batch));
  const bool independent = kind == CommitKind::kIndependentUnsynced;
  if (independent && !batch.events_.empty()) {
    return absl::InternalError("an independent append must not carry events");
  }
  if (batch.ops_.empty() && batch.events_.empty()) {
    // Nothing to write, but `fn` may have read batches that are not durable
    // yet: answer only once they are.
    std::shared_ptr<PendingCommit> newest = newest_commit_;
    if (independent || newest == nullptr) return absl::OkStatus();
    while (!newest->done) newest->changed.Wait(&write_mu_);
    return newest->status;
  }
  for (const Batch::Op& op : batch.ops_) RETURN_IF_ERROR(Handle(op.cf).status());

  auto mine = std::make_shared<PendingCommit>(std::move(batch));
  mine->seq = next_seq_++;
  mine->sync = kind == CommitKind::kSynced;
  mine->independent = independent;
  if (!independent) {
    // Later transactions read what this one wrote until it is in RocksDB.
    for (const Batch::Op& op : mine->batch.ops_) {
      PendingValue& entry = pending_[op.cf][op.key];
      entry.value = op.value;
      entry.seq = mine->seq;
    }
    next_revision_ = mine->batch.next_revision();
    newest_commit_ = mine;
  }
  queue_.push_back(mine);

  // Wait while another thread's group is being written; then either ours was
  // in a group that finished, or we lead the next one. A leader whose group
  // held only independent appends leads again for its own commit.
  for (;;) {
    while (!mine->done && leader_active_) mine->changed.Wait(&write_mu_);
    if (mine->done) return mine->status;
    LeadGroup(to_notify);
  }
}

void Store::LeadGroup(std::vector<std::function<void()>>& to_notify) {
  leader_active_ = true;
  // Independent appends go first, in a group of their own and unsynced: they
  // read nothing queued before them and nothing reads them, so they need not
  // wait for (and pay) the fsync of the synced transactions queued meanwhile.
  // This is what keeps the audit entry of a write call from waiting for a
  // second fsync after the write's own.
  auto dependents = std::stable_partition(queue_.begin(), queue_.end(),
                                          [](const auto& commit) { return commit->independent; });
  const bool appends = dependents != queue_.begin();
  std::vector<std::shared_ptr<PendingCommit>> group;
  if (appends) {
    group.assign(queue_.begin(), dependents);
    queue_.erase(queue_.begin(), dependents);
  } else {
    group.swap(queue_);
  }
  absl::Status status;
  {
    // Others run their `fn` and queue up meanwhile.
    write_mu_.Unlock();
    status = WriteGroup(group);
    // Before any member returns: a cache of the latest state must not
    // answer with what these keys held before.
    {
      absl::ReaderMutexLock lock(&observers_mu_);
      for (const auto& [id, observer] : observers_) {
        for (const auto& member : group) {
          for (const Batch::Op& op : member->batch.ops_) observer(op.cf, op.key);
        }
      }
    }
    write_mu_.Lock();
  }

  for (const auto& member : group) {
    member->done = true;
    member->status = status;
  }
  if (status.ok() && !appends) {
    // Forget pending values that are now in RocksDB, unless a later queued
    // transaction wrote the key again.
    uint64_t last_seq = group.back()->seq;
    for (auto cf_it = pending_.begin(); cf_it != pending_.end(); ++cf_it) {
      for (auto it = cf_it->second.begin(); it != cf_it->second.end();) {
        it = it->second.seq <= last_seq ? cf_it->second.erase(it) : std::next(it);
      }
    }
    int64_t newest_revision = 0;
    for (const auto& member : group) {
      if (!member->batch.events_.empty()) newest_revision = member->batch.events_.back().first;
    }
    if (newest_revision != 0) {
      absl::MutexLock lock(&revision_mu_);
      latest_revision_ = newest_revision;
      for (auto& [id, waiter] : waiters_) to_notify.push_back(std::move(waiter));
      waiters_.clear();
    }
  } else if (!status.ok() && !appends) {
    // Every transaction queued since may have read what just failed: fail it
    // too, and start again from what is on disk. Independent appends read
    // nothing and stay queued.
    for (const auto& member : queue_) {
      if (member->independent) continue;
      member->done = true;
      member->status = status;
      member->changed.SignalAll();
    }
    std::erase_if(queue_, [](const auto& member) { return member->done; });
    pending_.clear();
    next_revision_ = LatestRevision() + 1;
  }
  leader_active_ = false;
  for (const auto& member : group) member->changed.SignalAll();
  if (!queue_.empty()) queue_.front()->changed.SignalAll();
}

Store::ObserverId Store::ObserveWrites(WriteObserver fn) {
  absl::MutexLock lock(&observers_mu_);
  ObserverId id = next_observer_id_++;
  observers_.emplace(id, std::move(fn));
  return id;
}

void Store::StopObserving(ObserverId id) {
  absl::MutexLock lock(&observers_mu_);
  observers_.erase(id);
}

absl::Status Store::WriteGroup(const std::vector<std::shared_ptr<PendingCommit>>& group) {
  rocksdb::WriteBatch wb;
  for (const auto& member : group) {
    for (const Batch::Op& op : member->batch.ops_) {
      rocksdb::ColumnFamilyHandle* handle = handles_.at(op.cf);
      rocksdb::Status s =
          op.value.has_value() ? wb.Put(handle, op.key, Seal(op.cf, op.key, *op.value))
                               : wb.Delete(handle, op.key);
      RETURN_IF_ERROR(FromRocks(s, "build write batch"));
    }
    for (const auto& [revision, payload] : member->batch.events_) {
      RETURN_IF_ERROR(
          FromRocks(wb.Put(handles_.at(kEventsCf), EventKey(revision),
                           Seal(kEventsCf, EventKey(revision), payload)),
                    "build write batch"));
    }
  }
  rocksdb::WriteOptions write_options;
  // One member that must be durable makes the whole group synced (the WAL
  // is one file: syncing it syncs what came before too).
  write_options.sync = false;
  for (const auto& member : group) write_options.sync |= sync_ && member->sync;
  return WriteToRocks(write_options, &wb, absl::StrCat("write ", path_));
}

std::string Store::Seal(absl::string_view cf, absl::string_view key,
                        absl::string_view value) const {
  // Empty values (index entries) tell nothing; "meta" must be readable
  // before the keys are known.
  if (!sealed_ || value.empty() || cf == kMetaCf) return std::string(value);
  return keyring_->Seal(value, SealContext(cf, key));
}

absl::StatusOr<std::string> Store::Unseal(absl::string_view cf, absl::string_view key,
                                          absl::string_view stored) const {
  if (!sealed_ || stored.empty() || cf == kMetaCf) return std::string(stored);
  absl::StatusOr<std::string> value = keyring_->Open(stored, SealContext(cf, key));
  if (!value.ok()) {
    return absl::Status(value.status().code(),
                        absl::StrCat(path_, ": ", cf, " key ", absl::CHexEscape(key), ": ",
                                     value.status().message()));
  }
  return value;
}

absl::StatusOr<std::optional<std::pair<std::string, std::string>>> Store::Last(
    absl::string_view cf) const {
  ASSIGN_OR_RETURN(rocksdb::ColumnFamilyHandle * handle, Handle(cf));
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), handle));
  it->SeekToLast();
  if (!it->Valid()) {
    RETURN_IF_ERROR(FromRocks(it->status(), "read last"));
    return std::nullopt;
  }
  std::string key(it->key().data(), it->key().size());
  ASSIGN_OR_RETURN(std::string value,
                   Unseal(cf, key, absl::string_view(it->value().data(), it->value().size())));
  return std::make_pair(std::move(key), std::move(value));
}

absl::StatusOr<int64_t> Store::SealAll(bool from_plaintext) {
  if (keyring_ == nullptr) return absl::FailedPreconditionError("no encryption keys");
  int64_t rewritten = 0;
  for (const auto& [cf, handle] : handles_) {
    if (cf == kMetaCf) continue;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), handle));
    rocksdb::WriteBatch wb;
    auto flush = [&]() -> absl::Status {
      if (wb.Count() == 0) return absl::OkStatus();
      rocksdb::WriteOptions write_options;
      write_options.sync = true;
      RETURN_IF_ERROR(WriteToRocks(write_options, &wb, "write sealed values"));
      wb.Clear();
      return absl::OkStatus();
    };
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      absl::string_view key(it->key().data(), it->key().size());
      absl::string_view stored(it->value().data(), it->value().size());
      if (stored.empty()) continue;
      if (Keyring::KeyIdOf(stored) == keyring_->active_id() &&
          keyring_->Open(stored, SealContext(cf, key)).ok()) {
        continue;
      }
      std::string plaintext;
      absl::StatusOr<std::string> opened = keyring_->Open(stored, SealContext(cf, key));
      if (opened.ok()) {
        plaintext = *std::move(opened);
      } else if (from_plaintext) {
        plaintext = std::string(stored);
      } else {
        return absl::Status(opened.status().code(),
                            absl::StrCat(path_, ": ", cf, " key ", absl::CHexEscape(key), ": ",
                                         opened.status().message()));
      }
      RETURN_IF_ERROR(FromRocks(wb.Put(handle, it->key(), keyring_->Seal(plaintext,
                                                                         SealContext(cf, key))),
                                "build write batch"));
      ++rewritten;
      if (wb.Count() >= kSealBatchValues) RETURN_IF_ERROR(flush());
    }
    RETURN_IF_ERROR(FromRocks(it->status(), "scan for sealing"));
    RETURN_IF_ERROR(flush());
  }
  return rewritten;
}

absl::StatusOr<int64_t> Store::Reseal() {
  if (!sealed_) return absl::FailedPreconditionError(absl::StrCat(path_, ": not encrypted"));
  return SealAll(/*from_plaintext=*/false);
}

int64_t Store::LatestRevision() const {
  absl::MutexLock lock(&revision_mu_);
  return latest_revision_;
}

absl::Status Store::ReadEvents(int64_t after_revision, int limit,
                               const std::function<bool(int64_t, absl::string_view)>& fn) const {
  int64_t latest = LatestRevision();
  if (after_revision >= latest || limit <= 0) return absl::OkStatus();
  std::string start = EventKey(after_revision + 1);
  rocksdb::ReadOptions options;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(options, handles_.at(kEventsCf)));
  int count = 0;
  for (it->Seek(start); it->Valid() && count < limit; it->Next(), ++count) {
    KeyReader reader(absl::string_view(it->key().data(), it->key().size()));
    int64_t revision = 0;
    if (!reader.ReadInt64(&revision)) return absl::DataLossError("event log: malformed key");
    // Only what was committed when we started: a concurrent commit's events
    // are read on the next call, in order.
    if (revision > latest) break;
    ASSIGN_OR_RETURN(std::string payload,
                     Unseal(kEventsCf, absl::string_view(it->key().data(), it->key().size()),
                            absl::string_view(it->value().data(), it->value().size())));
    if (!fn(revision, payload)) break;
  }
  return FromRocks(it->status(), "read events");
}

std::optional<Store::WaiterId> Store::NotifyAfter(int64_t after_revision,
                                                  std::function<void()> fn) {
  absl::MutexLock lock(&revision_mu_);
  if (latest_revision_ > after_revision || closing_.load()) return std::nullopt;
  WaiterId id = next_waiter_id_++;
  waiters_.emplace(id, std::move(fn));
  return id;
}

void Store::BeginClose() {
  std::map<WaiterId, std::function<void()>> waiters;
  {
    absl::MutexLock lock(&revision_mu_);
    closing_.store(true);
    waiters.swap(waiters_);
  }
  for (auto& [id, waiter] : waiters) waiter();
}

void Store::CancelNotify(WaiterId id) {
  absl::MutexLock lock(&revision_mu_);
  waiters_.erase(id);
}

}  // namespace samepage::storage
