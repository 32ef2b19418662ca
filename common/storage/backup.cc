#include "common/storage/backup.h"

#include <filesystem>
#include <memory>

#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"
#include "common/storage/store.h"
#include "rocksdb/env.h"
#include "rocksdb/utilities/backup_engine.h"

namespace samepage::storage {
namespace {

absl::Status FromRocks(const rocksdb::Status& s, absl::string_view what) {
  if (s.ok()) return absl::OkStatus();
  if (s.IsNotFound()) return absl::NotFoundError(absl::StrCat(what, ": ", s.ToString()));
  if (s.IsNoSpace()) {
    return absl::ResourceExhaustedError(absl::StrCat(what, ": disk full: ", s.ToString()));
  }
  if (s.IsCorruption()) return absl::DataLossError(absl::StrCat(what, ": ", s.ToString()));
  if (s.IsInvalidArgument()) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": ", s.ToString()));
  }
  return absl::UnavailableError(absl::StrCat(what, ": ", s.ToString()));
}

BackupRecord ToRecord(const rocksdb::BackupInfo& info) {
  return {.id = info.backup_id,
          .time = absl::FromUnixSeconds(info.timestamp),
          .size_bytes = info.size,
          .files = info.number_files,
          .metadata = info.app_metadata};
}

template <typename Engine>
absl::StatusOr<std::unique_ptr<Engine>> OpenEngine(const std::string& backup_folder) {
  rocksdb::BackupEngineOptions options(backup_folder);
  // Backups are only useful if they survive a crash of the machine.
  options.sync = true;
  options.max_background_operations = 2;
  Engine* raw = nullptr;
  RETURN_IF_ERROR(FromRocks(Engine::Open(options, rocksdb::Env::Default(), &raw),
                            absl::StrCat("open backup folder ", backup_folder)));
  return std::unique_ptr<Engine>(raw);
}

}  // namespace

absl::StatusOr<BackupRecord> BackUp(Store& store, const std::string& backup_folder,
                                    const std::string& metadata) {
  std::error_code error;
  std::filesystem::create_directories(backup_folder, error);
  if (error) {
    return absl::UnavailableError(
        absl::StrCat("create backup folder ", backup_folder, ": ", error.message()));
  }
  ASSIGN_OR_RETURN(std::unique_ptr<rocksdb::BackupEngine> engine,
                   OpenEngine<rocksdb::BackupEngine>(backup_folder));
  rocksdb::CreateBackupOptions options;
  // No flush: the write-ahead log is copied with the tables, which keeps the
  // column families consistent with each other without an atomic flush.
  options.flush_before_backup = false;
  rocksdb::BackupID id = 0;
  RETURN_IF_ERROR(
      FromRocks(engine->CreateNewBackupWithMetadata(options, store.db(), metadata, &id),
                absl::StrCat("back up into ", backup_folder)));
  rocksdb::BackupInfo info;
  RETURN_IF_ERROR(FromRocks(engine->GetBackupInfo(id, &info), "read the new backup"));
  return ToRecord(info);
}

absl::StatusOr<std::vector<BackupRecord>> ListBackups(const std::string& backup_folder) {
  if (!std::filesystem::is_directory(backup_folder)) {
    return absl::NotFoundError(absl::StrCat(backup_folder, ": no such backup folder"));
  }
  ASSIGN_OR_RETURN(std::unique_ptr<rocksdb::BackupEngineReadOnly> engine,
                   OpenEngine<rocksdb::BackupEngineReadOnly>(backup_folder));
  std::vector<rocksdb::BackupInfo> infos;
  engine->GetBackupInfo(&infos);
  if (infos.empty()) return absl::NotFoundError(absl::StrCat(backup_folder, ": holds no backup"));
  std::vector<BackupRecord> records;
  for (const rocksdb::BackupInfo& info : infos) records.push_back(ToRecord(info));
  return records;
}

absl::StatusOr<BackupRecord> Restore(const std::string& backup_folder, std::optional<uint32_t> id,
                                     const std::string& db_path) {
  std::error_code error;
  if (std::filesystem::exists(db_path, error) && !std::filesystem::is_empty(db_path, error)) {
    return absl::FailedPreconditionError(
        absl::StrCat(db_path, ": not empty; restore into a new folder"));
  }
  ASSIGN_OR_RETURN(std::vector<BackupRecord> backups, ListBackups(backup_folder));
  rocksdb::BackupID chosen = id.has_value() ? *id : backups.back().id;
  const BackupRecord* record = nullptr;
  for (const BackupRecord& backup : backups) {
    if (backup.id == chosen) record = &backup;
  }
  if (record == nullptr) {
    return absl::NotFoundError(absl::StrCat(backup_folder, ": no backup ", chosen));
  }
  ASSIGN_OR_RETURN(std::unique_ptr<rocksdb::BackupEngineReadOnly> engine,
                   OpenEngine<rocksdb::BackupEngineReadOnly>(backup_folder));
  RETURN_IF_ERROR(FromRocks(engine->VerifyBackup(chosen, /*verify_with_checksum=*/true),
                            absl::StrCat("verify backup ", chosen, " in ", backup_folder)));
  std::filesystem::create_directories(db_path, error);
  if (error) {
    return absl::UnavailableError(absl::StrCat("create ", db_path, ": ", error.message()));
  }
  RETURN_IF_ERROR(
      FromRocks(engine->RestoreDBFromBackup(rocksdb::RestoreOptions(), chosen, db_path, db_path),
                absl::StrCat("restore backup ", chosen, " into ", db_path)));
  return *record;
}

}  // namespace samepage::storage
