#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace samepage::storage {

class Store;

// One backup of one database in a backup folder (RocksDB's BackupEngine:
// backups share unchanged files, so each new one copies only what changed).
struct BackupRecord {
  uint32_t id = 0;
  absl::Time time;
  uint64_t size_bytes = 0;
  uint32_t files = 0;
  // What the caller attached when backing up (e.g. the newest revision).
  std::string metadata;
};

// Backs up the open `store` into `backup_folder` (created if missing) while
// it keeps serving reads and writes: RocksDB stops deleting files, copies the
// live files and the write-ahead log, so the backup is the database as of one
// moment, with every write acknowledged before the call began. One backup at
// a time per folder: callers serialise.
absl::StatusOr<BackupRecord> BackUp(Store& store, const std::string& backup_folder,
                                    const std::string& metadata);

// The backups in `backup_folder`, oldest first; NOT_FOUND when it holds none.
absl::StatusOr<std::vector<BackupRecord>> ListBackups(const std::string& backup_folder);

// Restores backup `id` (the newest when nullopt) of `backup_folder` into
// `db_path`, which must not exist or be empty, after checking every file's
// checksum. The restored folder is a database Store::Open takes as is.
absl::StatusOr<BackupRecord> Restore(const std::string& backup_folder, std::optional<uint32_t> id,
                                     const std::string& db_path);

}  // namespace samepage::storage
