// samepaged: hosts any subset of SamePage's services on one port.

#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "server/server_host.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:50051", "host:port to listen on (port 0: any free port)");
ABSL_FLAG(std::string, data_dir, "./data", "folder for the services' RocksDB databases");
ABSL_FLAG(std::string, services, "directory,registry,caseplan,sharing",
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

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("Hosts SamePage's gRPC services.\n  samepaged --dev");
  absl::ParseCommandLine(argc, argv);

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

  for (absl::string_view peer : absl::StrSplit(absl::GetFlag(FLAGS_peer), ',', absl::SkipEmpty())) {
    std::pair<std::string, std::string> kv = absl::StrSplit(peer, absl::MaxSplits('=', 1));
    if (kv.first.empty() || kv.second.empty()) {
      std::fprintf(stderr, "samepaged: --peer: \"%s\" is not service=host:port\n",
                   std::string(peer).c_str());
      return 2;
    }
    options.peers[kv.first] = kv.second;
  }
  if (!absl::GetFlag(FLAGS_service_token_file).empty()) {
    std::ifstream in(absl::GetFlag(FLAGS_service_token_file));
    std::string token;
    if (!in || !std::getline(in, token) || token.empty()) {
      std::fprintf(stderr, "samepaged: --service_token_file: cannot read a token from %s\n",
                   absl::GetFlag(FLAGS_service_token_file).c_str());
      return 2;
    }
    options.service_token = token;
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
  (*host)->Shutdown(absl::Seconds(10));
  host->reset();  // closes the databases; every acknowledged write was synced
  std::printf("samepaged: stopped\n");
  std::fflush(stdout);
  // gRPC's library teardown at exit waits for clients' idle connections to
  // go away (seconds); nothing is left to save, so do not wait for it.
  std::_Exit(0);
}
