#pragma once

namespace samepage::server {

// The audit-trail and encryption commands of samepaged; `argv[0]` is the
// command's name. Each returns the process exit code.
//
// `samepaged audit-verify --data_dir D [--service S] [--encryption_keys F]`:
//   checks each service's hash-chained audit trail from its first entry and
//   names the first entry that does not check out (exit 1), else prints the
//   number of entries and the newest chain hash (exit 0). Opens the
//   databases read-only, so it works while the server runs.
// `samepaged audit-list --data_dir D --service S [--after N] [--limit N] [--json]`:
//   prints the entries after sequence N, oldest first.
// `samepaged reseal --data_dir D [--service S] [--encryption_keys F]`:
//   after a key rotation, re-encrypts every stored value with the active
//   key so that older keys can be retired. Needs the server stopped.
// `samepaged new-encryption-key`: prints a new key file line.
int RunAuditVerifyCommand(int argc, char** argv);
int RunAuditListCommand(int argc, char** argv);
int RunResealCommand(int argc, char** argv);
int RunNewEncryptionKeyCommand(int argc, char** argv);

}  // namespace samepage::server
