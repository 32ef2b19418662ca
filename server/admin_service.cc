#include "server/admin_service.h"

#include "absl/strings/str_cat.h"
#include "common/clock/time_util.h"
#include "common/status/status_macros.h"
#include "common/storage/backup.h"

namespace samepage::server {

std::vector<std::string> AdminService::BackupOrder() {
  return {"updates", "caseplan", "sharing", "registry", "directory"};
}

grpc::ServerUnaryReactor* AdminService::CreateBackup(grpc::CallbackServerContext* ctx,
                                                     const admin::v1::CreateBackupRequest* req,
                                                     admin::v1::CreateBackupResponse* resp) {
  return rpc::RunUnary(ctx, *auth_, &workers_, req, resp,
                       [this](const identity::Caller& caller,
                              const admin::v1::CreateBackupRequest&) { return BackUpAll(caller); });
}

absl::StatusOr<admin::v1::CreateBackupResponse> AdminService::BackUpAll(
    const identity::Caller& caller) {
  if (!caller.platform_admin) {
    return absl::PermissionDeniedError("backups are for platform administrators (samepage.admin)");
  }
  if (backup_dir_.empty()) {
    return absl::FailedPreconditionError(
        "this server was started without --backup_dir: it has nowhere to put backups");
  }
  absl::MutexLock lock(&backup_mu_);
  admin::v1::CreateBackupResponse response;
  for (const HostedStore& hosted : stores_) {
    std::string folder = absl::StrCat(backup_dir_, "/", hosted.service);
    int64_t revision = hosted.store->LatestRevision();
    ASSIGN_OR_RETURN(storage::BackupRecord record,
                     storage::BackUp(*hosted.store, folder,
                                     absl::StrCat("service=", hosted.service, " revision=", revision)));
    admin::v1::ServiceBackup* backup = response.add_backups();
    backup->set_service(hosted.service);
    backup->set_backup_id(record.id);
    backup->set_folder(folder);
    backup->set_revision(revision);
    backup->set_size_bytes(record.size_bytes);
    *backup->mutable_create_time() = ToProtoTime(record.time);
  }
  return response;
}

}  // namespace samepage::server
