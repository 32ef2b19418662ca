// samepaged: hosts any subset of SamePage's services on one port.

#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/reflection.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "server/audit_command.h"
#include "server/backup_command.h"
#include "server/config_file.h"
#include "server/health_command.h"
#include "server/options_check.h"
#include "server/server_host.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:50051", "host:port to listen on (port 0: any free port)");
ABSL_FLAG(std::string, data_dir, "./data", "folder for the services' RocksDB databases");
ABSL_FLAG(std::string, services, "directory,registry,caseplan,sharing,updates",
          "comma-separated services to host");
ABSL_FLAG(bool, dev, false,
          "development mode: accept tokens signed with the key in --data_dir (loopback only); "
          "mint them with `samepage dev-token`");
ABSL_FLAG(std::string, jwt_issuer, "", "the identity provider's issuer (iss) to accept");
ABSL_FLAG(std::string, jwt_audience, "samepage", "the audience (aud) tokens must name");
ABSL_FLAG(std::string, peer, "",
          "comma-separated service=host:port of services hosted by other servers, e.g. "
          "directory=10.0.0.5:50051");
ABSL_FLAG(std::string, service_token_file, "",
          "file holding the token (scope samepage.service) this server presents to its peers");
ABSL_FLAG(std::string, jwt_keys, "",
          "comma-separated PEM public key files of the identity provider (key id = file name)");
ABSL_FLAG(std::string, metrics_listen, "",
          "host:port of the Prometheus metrics page, GET /metrics (port 0: any free port); it has "
          "no authentication, so use an address only monitoring reaches. Empty: no metrics page");
ABSL_FLAG(std::string, jwt_jwks, "",
          "JSON Web Key Set file of the identity provider (RS256 and ES256 keys, by kid); re-read "
          "when it changes or a token names an unknown kid, at most once per "
          "--jwt_jwks_reload_interval, so rotated keys work without a restart");
ABSL_FLAG(absl::Duration, jwt_jwks_reload_interval, absl::Seconds(5),
          "how often at most --jwt_jwks is re-read; a removed key stops working within it");
ABSL_FLAG(std::string, tls_cert, "",
          "PEM certificate chain this server presents to clients and, as its client "
          "certificate, to its peers; with --tls_key and --tls_client_ca turns TLS on");
ABSL_FLAG(std::string, tls_key, "", "PEM private key of --tls_cert");
ABSL_FLAG(std::string, tls_client_ca, "",
          "PEM CA certificates client certificates must chain to: mutual TLS, every client "
          "must present a certificate that verifies");
ABSL_FLAG(std::string, tls_peer_ca, "",
          "PEM CA certificates that peers' (--peer) server certificates must chain to "
          "(default: --tls_client_ca)");
ABSL_FLAG(std::string, tls_allowed_peers, "",
          "comma-separated names (certificate DNS SAN or CN) of the peers whose service tokens "
          "(scope samepage.service) are accepted, e.g. registry.samepage.internal; this "
          "server's own names are always accepted");
ABSL_FLAG(bool, insecure_plaintext, false,
          "serve plaintext on a non-loopback address (otherwise refused); only behind "
          "something else that encrypts and authenticates the traffic");
ABSL_FLAG(double, rate_limit_per_second, 200,
          "requests per second one caller (token subject) may make, sustained; 0: no limit. "
          "Service tokens are exempt");
ABSL_FLAG(int32_t, rate_limit_burst, 1000, "requests one caller may make at once above the rate");
ABSL_FLAG(int32_t, max_streams_per_caller, 32,
          "event streams (WatchEvents) one caller may hold open at once; 0: no limit");
ABSL_FLAG(absl::Duration, person_status_ttl, absl::Seconds(5),
          "how long whether a person has departed is remembered: a departed person's tokens "
          "stop working within this time");

ABSL_FLAG(absl::Duration, audit_sync_interval, absl::Milliseconds(20),
          "audit entries are in the write-ahead log before their call answers (they survive the "
          "process being killed) and synced to disk within this time; 0: synced before the call "
          "answers (every call then waits for one more fsync)");

ABSL_FLAG(absl::Duration, log_flush_interval, absl::Seconds(1),
          "each call's log line is written to stderr within this time (warnings and errors at "
          "once); 0: as it comes (one more system call per call)");

ABSL_FLAG(std::string, config, "",
          "configuration file: one `setting = value` per line, where every flag is a setting; "
          "flags on the command line override it");
ABSL_FLAG(bool, check_config, false,
          "check the configuration (file and flags) without starting, print it, and exit: 0 when "
          "it is good");
ABSL_FLAG(absl::Duration, shutdown_grace, absl::Seconds(10),
          "on SIGTERM, how long calls in flight may take to finish");

ABSL_FLAG(std::string, encryption_keys, "",
          "data-encryption key file: lines `<key id> <base64 of 32 bytes>`, the first the active "
          "key, mode 0600 (`samepaged new-encryption-key` prints a line); required outside "
          "--dev, which keeps one in --data_dir");
ABSL_FLAG(std::string, health_listen, "",
          "host:port of a plaintext listener that serves only the gRPC health service "
          "(grpc.health.v1), for probes that cannot do mutual TLS such as Kubernetes grpc "
          "probes; empty: none");
ABSL_FLAG(int64_t, block_cache_mb, 256,
          "MiB of RocksDB's cache of recently read blocks, shared by the hosted services' "
          "databases; size it to the records read often (docs/OPERATIONS.md)");
ABSL_FLAG(std::string, backup_dir, "",
          "folder for online backups (Admin.CreateBackup, `samepaged backup`), one subfolder per "
          "service; empty: backups are refused");

int main(int argc, char** argv) {
  // Debian builds Abseil without NDEBUG, which leaves Mutex's deadlock
  // detector on: every lock and unlock then updates one process-wide lock
  // graph under a global spin lock (it showed in the server's profile). The
  // test suite keeps it on, to catch lock-order inversions; the server does not
  // pay for it.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  // Subcommands: each keeps its own flags, which are not server settings.
  if (argc > 1 && std::string(argv[1]) == "backup") {
    return samepage::server::RunBackupCommand(argc - 1, argv + 1);
  }
  if (argc > 1 && std::string(argv[1]) == "restore") {
    return samepage::server::RunRestoreCommand(argc - 1, argv + 1);
  }
  if (argc > 1 && std::string(argv[1]) == "health") {
    return samepage::server::RunHealthCommand(argc - 1, argv + 1);
  }
  if (argc > 1 && std::string(argv[1]) == "audit-verify") {
    return samepage::server::RunAuditVerifyCommand(argc - 1, argv + 1);
  }
  if (argc > 1 && std::string(argv[1]) == "audit-list") {
    return samepage::server::RunAuditListCommand(argc - 1, argv + 1);
  }
  if (argc > 1 && std::string(argv[1]) == "reseal") {
    return samepage::server::RunResealCommand(argc - 1, argv + 1);
  }
  if (argc > 1 && std::string(argv[1]) == "new-encryption-key") {
    return samepage::server::RunNewEncryptionKeyCommand(argc - 1, argv + 1);
  }
  absl::SetProgramUsageMessage(
      "Hosts SamePage's gRPC services.\n  samepaged --dev\n  samepaged --config FILE "
      "[--check_config]\n  samepaged backup --help\n  samepaged restore --help\n  samepaged health --help");
  // The configuration file is applied before the command line, so that
  // flags override it; its settings are the program's flags.
  samepage::server::ConfigSources config;
  const std::vector<std::string> kNotSettings = {"config", "check_config"};
  if (std::string file = samepage::server::FindArgument(argc, argv, "config"); !file.empty()) {
    auto settings = samepage::server::ReadConfigFile(file);
    absl::Status applied = settings.ok() ? config.Apply(*settings, file, kNotSettings)
                                         : settings.status();
    if (!applied.ok()) {
      std::fprintf(stderr, "samepaged: %s\n", std::string(applied.message()).c_str());
      return 2;
    }
  }
  absl::ParseCommandLine(argc, argv);
  auto describe = [&config](absl::string_view name) { return config.Describe(name); };

  // Signals are taken by sigwait below, not by a handler: block them before
  // any thread starts so every thread inherits the mask.
  // A parent may have left them ignored, and an ignored signal never
  // reaches sigwait.
  signal(SIGINT, SIG_DFL);
  signal(SIGTERM, SIG_DFL);
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  samepage::server::ServerOptions options;
  options.listen_address = absl::GetFlag(FLAGS_listen);
  options.data_dir = absl::GetFlag(FLAGS_data_dir);
  options.services = absl::StrSplit(absl::GetFlag(FLAGS_services), ',', absl::SkipEmpty());
  options.dev_mode = absl::GetFlag(FLAGS_dev);
  options.issuer = absl::GetFlag(FLAGS_jwt_issuer);
  options.audience = absl::GetFlag(FLAGS_jwt_audience);
  options.key_files = absl::StrSplit(absl::GetFlag(FLAGS_jwt_keys), ',', absl::SkipEmpty());
  options.metrics_listen_address = absl::GetFlag(FLAGS_metrics_listen);
  options.log = stderr;  // structured logs, one JSON object per line
  options.log_flush_interval = absl::GetFlag(FLAGS_log_flush_interval);
  options.jwks_file = absl::GetFlag(FLAGS_jwt_jwks);
  options.jwks_reload_interval = absl::GetFlag(FLAGS_jwt_jwks_reload_interval);
  options.tls_cert_file = absl::GetFlag(FLAGS_tls_cert);
  options.tls_key_file = absl::GetFlag(FLAGS_tls_key);
  options.tls_client_ca_file = absl::GetFlag(FLAGS_tls_client_ca);
  options.tls_peer_ca_file = absl::GetFlag(FLAGS_tls_peer_ca);
  options.tls_allowed_peers =
      absl::StrSplit(absl::GetFlag(FLAGS_tls_allowed_peers), ',', absl::SkipEmpty());
  options.insecure_plaintext = absl::GetFlag(FLAGS_insecure_plaintext);
  options.rate_limit_per_second = absl::GetFlag(FLAGS_rate_limit_per_second);
  options.rate_limit_burst = absl::GetFlag(FLAGS_rate_limit_burst);
  options.max_streams_per_caller = absl::GetFlag(FLAGS_max_streams_per_caller);
  options.person_status_ttl = absl::GetFlag(FLAGS_person_status_ttl);
  options.audit_sync_interval = absl::GetFlag(FLAGS_audit_sync_interval);
  options.block_cache_mb = absl::GetFlag(FLAGS_block_cache_mb);
  options.backup_dir = absl::GetFlag(FLAGS_backup_dir);
  options.health_listen_address = absl::GetFlag(FLAGS_health_listen);
  options.encryption_keys_file = absl::GetFlag(FLAGS_encryption_keys);

  auto peers = samepage::server::ParsePeers(absl::GetFlag(FLAGS_peer), describe);
  if (!peers.ok()) {
    std::fprintf(stderr, "samepaged: %s\n", std::string(peers.status().message()).c_str());
    return 2;
  }
  options.peers = *std::move(peers);
  if (!absl::GetFlag(FLAGS_service_token_file).empty()) {
    std::ifstream in(absl::GetFlag(FLAGS_service_token_file));
    std::string token;
    if (!in || !std::getline(in, token) || token.empty()) {
      std::fprintf(stderr, "samepaged: %s: cannot read a token from %s\n",
                   describe("service_token_file").c_str(),
                   absl::GetFlag(FLAGS_service_token_file).c_str());
      return 2;
    }
    options.service_token = token;
  }
  if (absl::Status checked = samepage::server::CheckServerOptions(options, describe);
      !checked.ok()) {
    std::fprintf(stderr, "samepaged: %s\n", std::string(checked.message()).c_str());
    return 2;
  }
  if (absl::GetFlag(FLAGS_check_config)) {
    std::printf("samepaged: configuration is good:\n");
    for (const auto& setting : samepage::server::ConfigurableSettings(kNotSettings)) {
      std::printf("  %s = %s\n", setting.name.c_str(),
                  absl::FindCommandLineFlag(setting.name)->CurrentValue().c_str());
    }
    return 0;
  }

  auto host = samepage::server::ServerHost::Start(options);
  if (!host.ok()) {
    std::fprintf(stderr, "samepaged: %s\n", host.status().ToString().c_str());
    return 1;
  }
  std::string host_part = options.listen_address.substr(0, options.listen_address.rfind(':'));
  std::printf("samepaged: serving %s on %s:%d (data in %s)%s\n",
              absl::StrJoin(options.services, ", ").c_str(), host_part.c_str(), (*host)->port(),
              options.data_dir.c_str(), options.dev_mode ? ", development tokens" : "");
  if (options.dev_mode) {
    std::printf(
        "  try:  build/samepage --server %s:%d --data_dir %s org list\n"
        "        (the CLI mints a development token from the key in the data folder)\n",
        host_part.c_str(), (*host)->port(), options.data_dir.c_str());
  }
  if ((*host)->metrics_port() != 0) {
    std::printf("samepaged: metrics at http://%s:%d/metrics\n",
                options.metrics_listen_address
                    .substr(0, options.metrics_listen_address.rfind(':'))
                    .c_str(),
                (*host)->metrics_port());
  }
  std::fflush(stdout);

  int received = 0;
  sigwait(&signals, &received);
  std::printf("samepaged: %s received, shutting down\n", received == SIGINT ? "SIGINT" : "SIGTERM");
  std::fflush(stdout);
  (*host)->Shutdown(absl::GetFlag(FLAGS_shutdown_grace));
  host->reset();  // closes the databases; every acknowledged write was synced
  std::printf("samepaged: stopped\n");
  std::fflush(stdout);
  // gRPC's library teardown at exit waits for clients' idle connections to
  // go away (seconds); nothing is left to save, so do not wait for it.
  std::_Exit(0);
}
