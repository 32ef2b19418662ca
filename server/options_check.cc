#include "server/options_check.h"

#include <algorithm>
#include <fstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/ascii.h"
#include "common/identity/token_verifier.h"
#include "common/rpc/tls.h"
#include "common/storage/keyring.h"

namespace samepage::server {
namespace {

bool Known(absl::string_view service) {
  return std::find_if(std::begin(kAllServices), std::end(kAllServices),
                      [&](const char* known) { return service == known; }) !=
         std::end(kAllServices);
}

bool Hosts(const ServerOptions& options, absl::string_view service) {
  return std::find(options.services.begin(), options.services.end(), service) !=
         options.services.end();
}

std::string KnownList() { return absl::StrJoin(kAllServices, ","); }

}  // namespace

bool IsHostPort(absl::string_view address) {
  size_t colon = address.rfind(':');
  if (colon == absl::string_view::npos || colon == 0) return false;
  absl::string_view host = address.substr(0, colon);
  absl::string_view port = address.substr(colon + 1);
  int number = 0;
  if (port.empty() || !absl::SimpleAtoi(port, &number) || number < 0 || number > 65535) {
    return false;
  }
  if (host.front() == '[') return host.size() > 2 && host.back() == ']';
  // An unbracketed IPv6 address would be ambiguous with the port.
  return host.find(':') == absl::string_view::npos &&
         host.find_first_of(" \t/") == absl::string_view::npos;
}

absl::StatusOr<std::map<std::string, std::string>> ParsePeers(absl::string_view text,
                                                              const DescribeSetting& describe) {
  std::map<std::string, std::string> peers;
  for (absl::string_view peer : absl::StrSplit(text, ',', absl::SkipWhitespace())) {
    peer = absl::StripAsciiWhitespace(peer);
    std::pair<std::string, std::string> kv = absl::StrSplit(peer, absl::MaxSplits('=', 1));
    if (kv.first.empty() || kv.second.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(describe("peer"), ": \"", peer, "\" is not service=host:port"));
    }
    if (!Known(kv.first)) {
      return absl::InvalidArgumentError(absl::StrCat(
          describe("peer"), ": unknown service \"", kv.first, "\"; known: ", KnownList()));
    }
    if (!IsHostPort(kv.second)) {
      return absl::InvalidArgumentError(absl::StrCat(describe("peer"), ": ", kv.first, "=",
                                                     kv.second, ": not a host:port address"));
    }
    if (!peers.emplace(kv.first, kv.second).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(describe("peer"), ": ", kv.first, " is given twice"));
    }
  }
  return peers;
}

absl::Status CheckServerOptions(const ServerOptions& options, const DescribeSetting& describe) {
  if (options.services.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(describe("services"), ": name at least one of ", KnownList()));
  }
  for (const std::string& service : options.services) {
    if (!Known(service)) {
      return absl::InvalidArgumentError(absl::StrCat(describe("services"), ": unknown service \"",
                                                     service, "\"; known: ", KnownList()));
    }
  }
  if (!IsHostPort(options.listen_address)) {
    return absl::InvalidArgumentError(absl::StrCat(describe("listen"), ": \"",
                                                   options.listen_address,
                                                   "\" is not host:port (e.g. 0.0.0.0:50051)"));
  }
  if (!options.health_listen_address.empty() && !IsHostPort(options.health_listen_address)) {
    return absl::InvalidArgumentError(absl::StrCat(describe("health_listen"), ": \"",
                                                   options.health_listen_address,
                                                   "\" is not host:port (e.g. 0.0.0.0:8081)"));
  }
  if (options.data_dir.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(describe("data_dir"), ": must not be empty"));
  }
  // RocksDB needs some cache to read blocks into; more than a terabyte is a
  // typo (megabytes, not bytes).
  if (options.block_cache_mb < 1 || options.block_cache_mb > (int64_t{1} << 20)) {
    return absl::InvalidArgumentError(absl::StrCat(describe("block_cache_mb"), ": ",
                                                   options.block_cache_mb,
                                                   " is not between 1 and 1048576 (MiB)"));
  }
  for (const auto& [service, address] : options.peers) {
    if (Hosts(options, service)) {
      return absl::InvalidArgumentError(absl::StrCat(describe("peer"), ": ", service,
                                                     " is hosted by this server (",
                                                     describe("services"), ")"));
    }
  }
  const std::map<std::string, std::vector<std::string>> needs = PeersEachServiceCalls();
  for (const auto& [service, peers] : needs) {
    if (!Hosts(options, service)) continue;
    for (const std::string& needed : peers) {
      if (!Hosts(options, needed) && options.peers.count(needed) == 0) {
        return absl::InvalidArgumentError(absl::StrCat(describe("peer"), ": the ", service,
                                                       " service calls the ", needed,
                                                       "; add ", needed, "=HOST:PORT"));
      }
    }
  }
  if (options.dev_mode && !IsLoopbackAddress(options.listen_address)) {
    return absl::FailedPreconditionError(absl::StrCat(
        describe("dev"), ": development tokens are accepted only on a loopback address; ",
        describe("listen"), " is ", options.listen_address,
        ". Configure --jwt_issuer and --jwt_keys instead"));
  }
  if (!options.tls_cert_file.empty() || !options.tls_key_file.empty() ||
      !options.tls_client_ca_file.empty()) {
    absl::StatusOr<rpc::TlsConfig> tls = rpc::TlsConfig::Load(
        {.cert_file = options.tls_cert_file,
         .key_file = options.tls_key_file,
         .client_ca_file = options.tls_client_ca_file,
         .peer_ca_file = options.tls_peer_ca_file});
    if (!tls.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(describe("tls_cert"), ", ", describe("tls_key"), ", ",
                       describe("tls_client_ca"), ": ", tls.status().message()));
    }
  } else if (!IsLoopbackAddress(options.listen_address) && !options.insecure_plaintext) {
    return absl::FailedPreconditionError(absl::StrCat(
        describe("listen"), ": ", options.listen_address,
        " is not a loopback address; configure --tls_cert, --tls_key and --tls_client_ca, or "
        "--insecure_plaintext if something else encrypts the traffic"));
  }
  if (options.dev_mode) return absl::OkStatus();
  if (options.issuer.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        describe("jwt_issuer"),
        ": must be set to authenticate callers (or run with --dev on loopback)"));
  }
  if (options.key_files.empty() && options.jwks_file.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        describe("jwt_jwks"), " or ", describe("jwt_keys"),
        ": name the identity provider's key set (JWKS) or PEM public key files"));
  }
  absl::StatusOr<std::vector<identity::VerificationKey>> keys =
      identity::TokenVerifier::LoadKeyFiles(options.key_files);
  if (!keys.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(describe("jwt_keys"), ": ", keys.status().message()));
  }
  if (!options.key_files.empty()) {
    absl::StatusOr<std::unique_ptr<identity::TokenVerifier>> verifier =
        identity::TokenVerifier::Create({.issuer = options.issuer, .audience = options.audience},
                                        *std::move(keys));
    if (!verifier.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(describe("jwt_keys"), ": ", verifier.status().message()));
    }
  }
  if (!options.jwks_file.empty() && !std::ifstream(options.jwks_file)) {
    return absl::InvalidArgumentError(
        absl::StrCat(describe("jwt_jwks"), ": cannot read ", options.jwks_file));
  }
  if (options.encryption_keys_file.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        describe("encryption_keys"),
        ": records are stored encrypted; name the key file (`samepaged new-encryption-key` "
        "prints a key line)"));
  }
  if (absl::StatusOr<std::unique_ptr<storage::Keyring>> keyring =
          storage::Keyring::LoadFile(options.encryption_keys_file);
      !keyring.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(describe("encryption_keys"), ": ", keyring.status().message()));
  }
  if ((Hosts(options, "registry") || Hosts(options, "sharing") || Hosts(options, "caseplan")) &&
      options.service_token.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        describe("service_token_file"),
        ": the registry, sharing and caseplan services call their peers on nobody's behalf and "
        "need a token with scope samepage.service"));
  }
  return absl::OkStatus();
}

}  // namespace samepage::server
