#pragma once

#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "common/rpc/unary.h"
#include "common/storage/store.h"
#include "samepage/admin/v1/admin_service.grpc.pb.h"

namespace samepage::server {

// Operating the server: online backups of the databases it hosts. The
// server owns its databases (RocksDB lets one process open a database), so a
// backup is made by the server, on request.
class AdminService final : public admin::v1::Admin::CallbackService {
 public:
  struct HostedStore {
    std::string service;
    storage::Store* store;
  };
  // `stores` in the order to back them up; `backup_dir` empty: backups are
  // refused.
  AdminService(std::vector<HostedStore> stores, std::string backup_dir,
               const rpc::Authenticator* authenticator)
      : stores_(std::move(stores)), backup_dir_(std::move(backup_dir)), auth_(authenticator) {}

  grpc::ServerUnaryReactor* CreateBackup(grpc::CallbackServerContext* ctx,
                                         const admin::v1::CreateBackupRequest* req,
                                         admin::v1::CreateBackupResponse* resp) override;

  // The order in which a server's databases are backed up: each event
  // consumer before the service it follows (updates follows the registry,
  // case plans and sharing; caseplan and sharing follow the registry, which
  // follows the directory), so that no restored cursor is
  // ahead of the restored event log it reads; a consumer behind replays,
  // and replays change nothing.
  static std::vector<std::string> BackupOrder();

 private:
  absl::StatusOr<admin::v1::CreateBackupResponse> BackUpAll(const identity::Caller& caller);

  const std::vector<HostedStore> stores_;
  const std::string backup_dir_;
  const rpc::Authenticator* auth_;
  // One backup at a time: BackupEngine's folder takes one writer.
  absl::Mutex backup_mu_;
  rpc::WorkerPool workers_{2};
};

}  // namespace samepage::server
