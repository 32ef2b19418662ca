#pragma once

namespace samepage::server {

// `samepaged backup ...`: asks a running server to back up the databases it
// hosts (Admin.CreateBackup) and prints what it wrote. `argv[0]` is
// "backup". Returns the process exit code.
int RunBackupCommand(int argc, char** argv);

// `samepaged restore ...`: turns backups into a new data folder, offline
// (no server needed; the server is then started on the folder). `argv[0]` is
// "restore". Returns the process exit code.
int RunRestoreCommand(int argc, char** argv);

}  // namespace samepage::server
