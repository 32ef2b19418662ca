#pragma once

#include <grpcpp/grpcpp.h>

#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/clock/clock.h"
#include "common/identity/dev_token_issuer.h"
#include "common/identity/token_verifier.h"
#include "common/observe/store_metrics.h"

namespace samepage::server {

// The services one process can host.
inline constexpr const char* kAllServices[] = {"directory", "registry", "caseplan", "sharing",
                                                "updates"};

struct ServerOptions {
  // host:port; port 0 picks a free port (see ServerHost::port()).
  std::string listen_address = "127.0.0.1:50051";
  // Each hosted service keeps its RocksDB in <data_dir>/<service>.
  std::string data_dir = "./data";
  // Which of kAllServices to host.
  std::vector<std::string> services = {std::begin(kAllServices), std::end(kAllServices)};
  // Development mode: accept tokens signed with the key kept in data_dir
  // (created on first start). Refused unless listening on loopback.
  bool dev_mode = false;
  // Production: the identity provider's issuer, our audience and its public
  // keys (PEM files, key id = file name without extension).
  std::string issuer;
  std::string audience = identity::kDefaultAudience;
  std::vector<std::string> key_files;
  // Production: a JWKS file (RFC 7517) with the identity provider's RS256
  // and ES256 keys, re-read when it changes and when a token names a key id
  // not yet known, at most once per `jwks_reload_interval`. May be combined
  // with `key_files`.
  std::string jwks_file;
  absl::Duration jwks_reload_interval = absl::Seconds(5);
  // TLS: this server's certificate and key (PEM), and the CA that client
  // certificates must chain to (mutual TLS: required whenever TLS is on,
  // since services reach each other with it). Peers' server certificates
  // are checked against `tls_peer_ca_file`, or the client CA when empty.
  std::string tls_cert_file;
  std::string tls_key_file;
  std::string tls_client_ca_file;
  std::string tls_peer_ca_file;
  // With TLS, service tokens are accepted only from connections whose client
  // certificate names one of these (or one of this server's own names).
  std::vector<std::string> tls_allowed_peers;
  // Serve plaintext on a non-loopback address anyway (refused otherwise).
  bool insecure_plaintext = false;
  // Abuse limits per token subject: sustained requests per second and burst
  // (service tokens exempt), event streams open at once. Zero disables.
  double rate_limit_per_second = 200;
  int rate_limit_burst = 1000;
  int max_streams_per_caller = 32;
  // How long whether a person has departed is remembered: a departure stops
  // their tokens within this time.
  absl::Duration person_status_ttl = absl::Seconds(5);
  // Audit entries are synced within this time (0: before their call
  // answers); see audit::AuditLog.
  absl::Duration audit_sync_interval = absl::Milliseconds(20);
  // RocksDB's cache of recently read blocks, one for all the hosted
  // services' databases. What it does not hold is read from the files (the
  // operating system's page cache, else the disk).
  int64_t block_cache_mb = 256;
  // Where services hosted elsewhere listen ("directory" -> "host:port").
  // Services hosted here are reached on this server's own port.
  std::map<std::string, std::string> peers;
  // Production: the token this server's services present to their peers
  // (event consumers act on nobody's behalf). Development mode mints one.
  std::string service_token;
  // How often deadlines are checked against the clock (overdue requests,
  // expiring consents).
  absl::Duration tick_interval = absl::Seconds(1);
  // The shortest notice a request for information may give, unless urgent.
  absl::Duration request_minimum_lead_time = absl::Hours(24);
  // Time source; null means the system clock.
  const Clock* clock = nullptr;
  // The data-encryption key file (storage/keyring.h: `<key id> <base64 of
  // 32 bytes>` per line, first = active, mode 0600). Required outside
  // development mode; development mode keeps one in data_dir.
  std::string encryption_keys_file;
  // Where Admin.CreateBackup writes backups (<backup_dir>/<service>); empty:
  // backups are refused.
  std::string backup_dir;
  // host:port of a plaintext listener serving only the gRPC health service
  // (no data, no calls), for probes that cannot do mutual TLS; empty: none.
  std::string health_listen_address;
  // host:port of the Prometheus metrics page (GET /metrics); empty: none.
  // Port 0 picks a free port (see ServerHost::metrics_port()).
  std::string metrics_listen_address;
  // Where structured logs go (one JSON object per line: every call, and the
  // server starting and stopping); null: nowhere. samepaged logs to stderr.
  std::FILE* log = nullptr;
  // How long a call's log line may wait in memory before it is written to
  // `log` (warnings and errors never wait); zero: written as it comes.
  absl::Duration log_flush_interval = absl::ZeroDuration();
};

// One server process: the chosen services on one port, each on its own
// RocksDB, plus the gRPC health and reflection services.
class ServerHost {
 public:
  static absl::StatusOr<std::unique_ptr<ServerHost>> Start(const ServerOptions& options);
  ~ServerHost();

  // The port actually bound.
  int port() const { return port_; }
  // Stops accepting calls, lets calls in flight finish for up to `grace`,
  // then closes the databases.
  void Shutdown(absl::Duration grace);
  // How far the registry's consumer of directory events has got (0 when
  // the registry is not hosted here), for tests and metrics.
  int64_t DirectoryEventsHandled() const;
  // The port of the metrics page; 0 without one.
  int metrics_port() const { return metrics_port_; }
  // The port of the plaintext health-only listener; 0 when there is none.
  int health_port() const { return health_port_; }
  // Every event consumer this server runs, by name, with its progress.
  std::vector<observe::ConsumerProgress> Consumers() const;
  // The Prometheus text page: calls, stores, event consumers.
  std::string MetricsPage() const;
  // Blocks until Shutdown.
  void Wait();

 private:
  struct Parts;
  ServerHost();
  std::unique_ptr<Parts> parts_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  int metrics_port_ = 0;
  // Answers only grpc.health.v1.Health, in plaintext, for probes that
  // cannot present a client certificate (Kubernetes grpc probes).
  std::unique_ptr<grpc::Server> health_server_;
  int health_port_ = 0;
  bool shut_down_ = false;
};

// The peers each service calls: hosted in the same process, or named with
// --peer. Start refuses a configuration that leaves one out.
std::map<std::string, std::vector<std::string>> PeersEachServiceCalls();

// Whether `listen_address` (host:port) names a loopback interface.
bool IsLoopbackAddress(const std::string& listen_address);

}  // namespace samepage::server
