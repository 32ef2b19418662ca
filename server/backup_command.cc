#include "server/backup_command.h"

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "common/identity/caller.h"
#include "common/identity/dev_token_issuer.h"
#include "common/storage/backup.h"
#include "samepage/admin/v1/admin_service.grpc.pb.h"
#include "common/rpc/tls.h"
#include "server/admin_service.h"
#include "server/server_host.h"

namespace samepage::server {
namespace {

constexpr char kBackupUsage[] =
    "usage: samepaged backup [--server HOST:PORT] (--token_file FILE | --data_dir DIR)\n"
    "                        [--timeout DURATION] [--tls_ca FILE [--tls_cert FILE --tls_key FILE]\n"
    "                        [--tls_server_name NAME]]\n"
    "Asks the server at --server (default 127.0.0.1:50051) to back up every database it hosts\n"
    "into its --backup_dir, while it keeps serving. The token needs scope samepage.admin;\n"
    "--data_dir mints one with the development key of a server started with --dev.\n"
    "A server that listens with TLS needs --tls_ca (the CA of its certificate) and, with\n"
    "mutual TLS, a client certificate (--tls_cert, --tls_key).\n";

constexpr char kRestoreUsage[] =
    "usage: samepaged restore --from BACKUP_DIR --data_dir NEW_DATA_DIR [--services a,b]\n"
    "                         [--backup_id N] [--list]\n"
    "Restores each service's newest backup (or backup N) from BACKUP_DIR/<service> into\n"
    "NEW_DATA_DIR/<service>, checking every file's checksum; NEW_DATA_DIR/<service> must not\n"
    "exist or be empty. --services defaults to every service with backups in BACKUP_DIR.\n"
    "--list prints the backups and restores nothing. Start samepaged on NEW_DATA_DIR after.\n";

// `--name value` and `--name=value`; every name must be in `known`.
absl::StatusOr<std::map<std::string, std::string>> ParseArgs(
    int argc, char** argv, const std::vector<std::string>& known,
    const std::vector<std::string>& switches) {
  std::map<std::string, std::string> out;
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (!absl::ConsumePrefix(&arg, "--") && !absl::ConsumePrefix(&arg, "-")) {
      return absl::InvalidArgumentError(absl::StrCat("unexpected argument \"", arg, "\""));
    }
    std::string name(arg.substr(0, arg.find('=')));
    bool is_switch = std::find(switches.begin(), switches.end(), name) != switches.end();
    if (!is_switch && std::find(known.begin(), known.end(), name) == known.end()) {
      return absl::InvalidArgumentError(absl::StrCat("unknown flag --", name));
    }
    if (arg.find('=') != absl::string_view::npos) {
      out[name] = std::string(arg.substr(arg.find('=') + 1));
    } else if (is_switch) {
      out[name] = "true";
    } else if (i + 1 < argc) {
      out[name] = argv[++i];
    } else {
      return absl::InvalidArgumentError(absl::StrCat("--", name, ": needs a value"));
    }
  }
  return out;
}

std::string Get(const std::map<std::string, std::string>& args, const std::string& name,
                const std::string& fallback = "") {
  auto it = args.find(name);
  return it == args.end() ? fallback : it->second;
}

bool WantsHelp(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h" || arg == "help") return true;
  }
  return false;
}

int Fail(const std::string& command, absl::string_view message, const char* usage) {
  std::fprintf(stderr, "samepaged %s: %s\n%s", command.c_str(), std::string(message).c_str(),
               usage);
  return 2;
}

absl::StatusOr<std::string> AdminToken(const std::map<std::string, std::string>& args) {
  std::string token_file = Get(args, "token_file");
  if (!token_file.empty()) {
    std::ifstream in(token_file);
    std::string token;
    if (!in || !std::getline(in, token) || token.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--token_file: cannot read a token from ", token_file));
    }
    return token;
  }
  std::string data_dir = Get(args, "data_dir");
  if (data_dir.empty()) {
    return absl::InvalidArgumentError(
        "pass --token_file (a token with scope samepage.admin) or --data_dir (development)");
  }
  auto issuer = identity::DevTokenIssuer::Load(data_dir);
  if (!issuer.ok()) {
    return absl::Status(issuer.status().code(),
                        absl::StrCat("--data_dir: ", issuer.status().message()));
  }
  return (*issuer)->Issue("admin", {identity::kAdminScope}, absl::Minutes(30), absl::Now());
}

}  // namespace

int RunBackupCommand(int argc, char** argv) {
  if (WantsHelp(argc, argv)) {
    std::printf("%s", kBackupUsage);
    return 0;
  }
  auto args = ParseArgs(argc, argv,
                        {"server", "token_file", "data_dir", "timeout", "tls_ca", "tls_cert",
                         "tls_key", "tls_server_name"},
                        {});
  if (!args.ok()) return Fail("backup", args.status().message(), kBackupUsage);
  absl::StatusOr<std::string> token = AdminToken(*args);
  if (!token.ok()) return Fail("backup", token.status().message(), kBackupUsage);
  absl::Duration timeout = absl::Hours(1);
  if (std::string text = Get(*args, "timeout"); !text.empty()) {
    if (!absl::ParseDuration(text, &timeout) || timeout <= absl::ZeroDuration()) {
      return Fail("backup", absl::StrCat("--timeout: \"", text, "\" is not a duration like 30m"),
                  kBackupUsage);
    }
  }
  std::string server = Get(*args, "server", "127.0.0.1:50051");
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel =
      rpc::ClientChannel(server, {.ca_file = Get(*args, "tls_ca"),
                                  .cert_file = Get(*args, "tls_cert"),
                                  .key_file = Get(*args, "tls_key"),
                                  .server_name = Get(*args, "tls_server_name")});
  if (!channel.ok()) return Fail("backup", channel.status().message(), kBackupUsage);
  auto stub = admin::v1::Admin::NewStub(*channel);
  grpc::ClientContext ctx;
  ctx.AddMetadata("authorization", absl::StrCat("Bearer ", *token));
  ctx.set_deadline(std::chrono::system_clock::now() +
                   std::chrono::milliseconds(absl::ToInt64Milliseconds(timeout)));
  admin::v1::CreateBackupResponse response;
  grpc::Status status = stub->CreateBackup(&ctx, admin::v1::CreateBackupRequest(), &response);
  if (!status.ok()) {
    std::fprintf(stderr, "samepaged backup: %s: %s\n", server.c_str(),
                 status.error_message().c_str());
    return 1;
  }
  for (const admin::v1::ServiceBackup& backup : response.backups()) {
    std::printf("%s: backup %u in %s (revision %lld, %llu bytes)\n", backup.service().c_str(),
                backup.backup_id(), backup.folder().c_str(),
                static_cast<long long>(backup.revision()),
                static_cast<unsigned long long>(backup.size_bytes()));
  }
  return 0;
}

int RunRestoreCommand(int argc, char** argv) {
  if (WantsHelp(argc, argv)) {
    std::printf("%s", kRestoreUsage);
    return 0;
  }
  auto args = ParseArgs(argc, argv, {"from", "data_dir", "services", "backup_id"}, {"list"});
  if (!args.ok()) return Fail("restore", args.status().message(), kRestoreUsage);
  std::string from = Get(*args, "from");
  std::string data_dir = Get(*args, "data_dir");
  bool list = Get(*args, "list") == "true";
  if (from.empty()) return Fail("restore", "--from: name the backup folder", kRestoreUsage);
  if (data_dir.empty() && !list) {
    return Fail("restore", "--data_dir: name the new data folder", kRestoreUsage);
  }
  std::optional<uint32_t> backup_id;
  if (std::string text = Get(*args, "backup_id"); !text.empty()) {
    uint32_t id = 0;
    if (!absl::SimpleAtoi(text, &id) || id == 0) {
      return Fail("restore", absl::StrCat("--backup_id: \"", text, "\" is not a backup number"),
                  kRestoreUsage);
    }
    backup_id = id;
  }
  std::vector<std::string> services;
  if (std::string text = Get(*args, "services"); !text.empty()) {
    for (absl::string_view service : absl::StrSplit(text, ',', absl::SkipWhitespace())) {
      if (std::find(std::begin(kAllServices), std::end(kAllServices), service) ==
          std::end(kAllServices)) {
        return Fail("restore",
                    absl::StrCat("--services: unknown service \"", service,
                                 "\"; known: ", absl::StrJoin(kAllServices, ",")),
                    kRestoreUsage);
      }
      services.emplace_back(service);
    }
  } else {
    for (const char* service : kAllServices) {
      if (std::filesystem::is_directory(absl::StrCat(from, "/", service))) {
        services.emplace_back(service);
      }
    }
    if (services.empty()) {
      return Fail("restore", absl::StrCat("--from: ", from, " holds no service's backups"),
                  kRestoreUsage);
    }
  }
  for (const std::string& service : services) {
    std::string folder = absl::StrCat(from, "/", service);
    if (list) {
      auto backups = storage::ListBackups(folder);
      if (!backups.ok()) {
        std::fprintf(stderr, "samepaged restore: %s: %s\n", service.c_str(),
                     std::string(backups.status().message()).c_str());
        return 1;
      }
      for (const storage::BackupRecord& backup : *backups) {
        std::printf("%s: backup %u at %s, %u files, %llu bytes (%s)\n", service.c_str(), backup.id,
                    absl::FormatTime(absl::RFC3339_sec, backup.time, absl::UTCTimeZone()).c_str(),
                    backup.files, static_cast<unsigned long long>(backup.size_bytes),
                    backup.metadata.c_str());
      }
      continue;
    }
    std::string target = absl::StrCat(data_dir, "/", service);
    auto restored = storage::Restore(folder, backup_id, target);
    if (!restored.ok()) {
      std::fprintf(stderr, "samepaged restore: %s: %s\n", service.c_str(),
                   std::string(restored.status().message()).c_str());
      return 1;
    }
    std::printf("%s: restored backup %u (%s) into %s\n", service.c_str(), restored->id,
                restored->metadata.c_str(), target.c_str());
  }
  return 0;
}

}  // namespace samepage::server
