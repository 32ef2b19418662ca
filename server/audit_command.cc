#include "server/audit_command.h"

#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "common/audit/audit_log.h"
#include "common/audit/audit_verify.h"
#include "common/clock/time_util.h"
#include "common/status/status_macros.h"
#include "common/storage/keyring.h"
#include "common/storage/store.h"
#include "google/protobuf/util/json_util.h"
#include "rocksdb/db.h"
#include "server/server_host.h"

namespace samepage::server {
namespace {

// `--name value` and `--name=value`; bare `--name` for switches.
struct Args {
  std::map<std::string, std::string> values;
  std::string error;

  static Args Parse(int argc, char** argv, const std::vector<std::string>& known,
                    const std::vector<std::string>& switches) {
    Args args;
    for (int i = 1; i < argc; ++i) {
      absl::string_view arg = argv[i];
      if (!absl::ConsumePrefix(&arg, "--")) {
        args.error = absl::StrCat("unexpected argument \"", arg, "\"");
        return args;
      }
      std::string name(arg.substr(0, arg.find('=')));
      bool is_switch = std::find(switches.begin(), switches.end(), name) != switches.end();
      if (!is_switch && std::find(known.begin(), known.end(), name) == known.end()) {
        args.error = absl::StrCat("unknown flag --", name);
        return args;
      }
      if (arg.find('=') != absl::string_view::npos) {
        args.values[name] = std::string(arg.substr(arg.find('=') + 1));
      } else if (is_switch) {
        args.values[name] = "true";
      } else if (i + 1 < argc) {
        args.values[name] = argv[++i];
      } else {
        args.error = absl::StrCat("--", name, " needs a value");
        return args;
      }
    }
    return args;
  }
  std::string Get(const std::string& name) const {
    auto it = values.find(name);
    return it == values.end() ? "" : it->second;
  }
};

int Usage(const char* command, const std::string& problem, const char* synopsis) {
  if (!problem.empty()) std::fprintf(stderr, "samepaged %s: %s\n", command, problem.c_str());
  std::fprintf(stderr, "usage: samepaged %s %s\n", command, synopsis);
  return 2;
}

// The key file named, else development mode's in the data folder, else
// none (a database that is not encrypted still opens).
absl::StatusOr<std::unique_ptr<storage::Keyring>> LoadKeys(const Args& args) {
  if (!args.Get("encryption_keys").empty()) {
    return storage::Keyring::LoadFile(args.Get("encryption_keys"));
  }
  std::string dev = (std::filesystem::path(args.Get("data_dir")) /
                     storage::kDevEncryptionKeysFile).string();
  if (std::filesystem::exists(dev)) return storage::Keyring::LoadFile(dev);
  return std::unique_ptr<storage::Keyring>();
}

// The services with a database in the data folder (or the one named).
absl::StatusOr<std::vector<std::string>> Services(const Args& args) {
  std::vector<std::string> out;
  std::string only = args.Get("service");
  for (const char* service : kAllServices) {
    if (!only.empty() && only != service) continue;
    if (std::filesystem::exists(std::filesystem::path(args.Get("data_dir")) / service)) {
      out.push_back(service);
    }
  }
  if (out.empty()) {
    return absl::NotFoundError(absl::StrCat("no database of ", only.empty() ? "any service" : only,
                                            " in ", args.Get("data_dir")));
  }
  return out;
}

bool HasAuditTrail(const std::string& path) {
  std::vector<std::string> families;
  if (!rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), path, &families).ok()) return false;
  return std::find(families.begin(), families.end(), audit::kAuditColumnFamily) != families.end();
}

absl::StatusOr<std::unique_ptr<storage::Store>> OpenReadOnly(const std::string& path,
                                                             const storage::Keyring* keys) {
  return storage::Store::Open({.path = path, .keyring = keys, .read_only = true});
}

std::string CodeName(int code) {
  static const char* const kNames[] = {
      "OK",       "CANCELLED",          "UNKNOWN",           "INVALID_ARGUMENT",
      "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS",    "PERMISSION_DENIED",
      "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE",
      "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED"};
  if (code >= 0 && code < static_cast<int>(std::size(kNames))) return kNames[code];
  return absl::StrCat(code);
}

}  // namespace

int RunAuditVerifyCommand(int argc, char** argv) {
  constexpr char kSynopsis[] = "--data_dir DIR [--service S] [--encryption_keys FILE]";
  Args args = Args::Parse(argc, argv, {"data_dir", "service", "encryption_keys"}, {});
  if (!args.error.empty()) return Usage("audit-verify", args.error, kSynopsis);
  if (args.Get("data_dir").empty()) return Usage("audit-verify", "--data_dir is required", kSynopsis);
  auto keys = LoadKeys(args);
  auto services = keys.ok() ? Services(args) : keys.status();
  if (!services.ok()) {
    std::fprintf(stderr, "samepaged audit-verify: %s\n",
                 std::string(services.status().message()).c_str());
    return 2;
  }
  int exit_code = 0;
  for (const std::string& service : *services) {
    std::string path = (std::filesystem::path(args.Get("data_dir")) / service).string();
    if (!HasAuditTrail(path)) {
      std::printf("%s: no audit trail yet\n", service.c_str());
      continue;
    }
    auto store = OpenReadOnly(path, keys->get());
    absl::StatusOr<audit::Verification> result =
        store.ok() ? audit::VerifyTrail(**store) : store.status();
    if (!result.ok()) {
      std::fprintf(stderr, "%s: cannot verify: %s\n", service.c_str(),
                   std::string(result.status().message()).c_str());
      exit_code = 2;
    } else if (result->intact()) {
      std::printf("%s: intact: %lld entries, newest chain hash %s\n", service.c_str(),
                  static_cast<long long>(result->verified),
                  result->head_hash.empty() ? "(none)" : result->head_hash.c_str());
    } else {
      std::printf("%s: BROKEN at entry %lld: %s (the %lld entries before it check out)\n",
                  service.c_str(), static_cast<long long>(result->broken_sequence),
                  result->problem.c_str(), static_cast<long long>(result->verified));
      if (exit_code == 0) exit_code = 1;
    }
  }
  return exit_code;
}

int RunAuditListCommand(int argc, char** argv) {
  constexpr char kSynopsis[] =
      "--data_dir DIR --service S [--after N] [--limit N] [--json] [--encryption_keys FILE]";
  Args args = Args::Parse(argc, argv, {"data_dir", "service", "after", "limit", "encryption_keys"},
                          {"json"});
  if (!args.error.empty()) return Usage("audit-list", args.error, kSynopsis);
  if (args.Get("data_dir").empty() || args.Get("service").empty()) {
    return Usage("audit-list", "--data_dir and --service are required", kSynopsis);
  }
  int64_t after = 0;
  int limit = 100;
  if ((!args.Get("after").empty() && !absl::SimpleAtoi(args.Get("after"), &after)) ||
      (!args.Get("limit").empty() && (!absl::SimpleAtoi(args.Get("limit"), &limit) || limit < 1))) {
    return Usage("audit-list", "--after and --limit take a number (--limit at least 1)",
                 kSynopsis);
  }
  auto keys = LoadKeys(args);
  auto services = keys.ok() ? Services(args) : keys.status();
  if (!services.ok()) {
    std::fprintf(stderr, "samepaged audit-list: %s\n",
                 std::string(services.status().message()).c_str());
    return 2;
  }
  std::string path = (std::filesystem::path(args.Get("data_dir")) / services->front()).string();
  if (!HasAuditTrail(path)) return 0;
  auto store = OpenReadOnly(path, keys->get());
  bool json = args.Get("json") == "true";
  absl::Status listed =
      store.ok() ? audit::ListEntries(**store, after, limit,
                                      [json](const audit::v1::AuditEntry& e) {
                                        if (json) {
                                          std::string line;
                                          google::protobuf::util::JsonPrintOptions options;
                                          options.preserve_proto_field_names = true;
                                          (void)google::protobuf::util::MessageToJsonString(
                                              e, &line, options);
                                          std::printf("%s\n", line.c_str());
                                        } else {
                                          std::printf(
                                              "%lld\t%s\t%s\t%s\t%s\t%s\n",
                                              static_cast<long long>(e.sequence()),
                                              absl::FormatTime(absl::RFC3339_full,
                                                               FromProtoTime(e.time()),
                                                               absl::UTCTimeZone())
                                                  .c_str(),
                                              e.subject().empty() ? "-" : e.subject().c_str(),
                                              e.method().c_str(),
                                              e.resource().empty() ? "-" : e.resource().c_str(),
                                              CodeName(e.code()).c_str());
                                        }
                                        return true;
                                      })
                 : store.status();
  if (!listed.ok()) {
    std::fprintf(stderr, "samepaged audit-list: %s\n", std::string(listed.message()).c_str());
    return 2;
  }
  return 0;
}

int RunResealCommand(int argc, char** argv) {
  constexpr char kSynopsis[] = "--data_dir DIR [--service S] [--encryption_keys FILE]";
  Args args = Args::Parse(argc, argv, {"data_dir", "service", "encryption_keys"}, {});
  if (!args.error.empty()) return Usage("reseal", args.error, kSynopsis);
  if (args.Get("data_dir").empty()) return Usage("reseal", "--data_dir is required", kSynopsis);
  auto keys = LoadKeys(args);
  if (keys.ok() && *keys == nullptr) keys = absl::NotFoundError("no encryption key file");
  auto services = keys.ok() ? Services(args) : keys.status();
  if (!services.ok()) {
    std::fprintf(stderr, "samepaged reseal: %s\n",
                 std::string(services.status().message()).c_str());
    return 2;
  }
  for (const std::string& service : *services) {
    std::string path = (std::filesystem::path(args.Get("data_dir")) / service).string();
    // Opening for writing takes RocksDB's lock: a running server refuses it.
    auto store = storage::Store::Open({.path = path, .keyring = keys->get()});
    absl::StatusOr<int64_t> resealed = store.ok() ? (*store)->Reseal() : store.status();
    if (!resealed.ok()) {
      std::fprintf(stderr, "%s: %s\n", service.c_str(),
                   std::string(resealed.status().message()).c_str());
      return 2;
    }
    std::printf("%s: %lld values re-encrypted with key %s\n", service.c_str(),
                static_cast<long long>(*resealed), (*keys)->active_id().c_str());
  }
  return 0;
}

int RunNewEncryptionKeyCommand(int argc, char** argv) {
  if (argc > 1) return Usage("new-encryption-key", "takes no arguments", "");
  std::printf("%s\n", storage::Keyring::NewKeyLine().c_str());
  return 0;
}

}  // namespace samepage::server
