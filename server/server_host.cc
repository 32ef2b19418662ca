#include "server/server_host.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <map>
#include <optional>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/audit/audit_log.h"
#include "common/events/event_consumer.h"
#include "common/identity/jwks.h"
#include "common/identity/person_status.h"
#include "common/observe/audit_metrics.h"
#include "common/observe/call_recorder.h"
#include "common/observe/json_log.h"
#include "common/observe/metrics_server.h"
#include "common/observe/rpc_metrics.h"
#include "common/rpc/caller_guard.h"
#include "common/rpc/peers.h"
#include "common/rpc/tls.h"
#include "common/rpc/unary.h"
#include "common/status/grpc_status.h"
#include "common/status/status_macros.h"
#include "common/storage/store.h"
#include "rocksdb/cache.h"
#include "samepage/caseplan/v1/caseplan_service.grpc.pb.h"
#include "samepage/registry/v1/registry_service.grpc.pb.h"
#include "server/admin_service.h"
#include "server/follow.h"
#include "server/grpc_peers.h"
#include "server/local_peers.h"
#include "server/ticker.h"
#include "services/caseplan/caseplan_events.h"
#include "services/caseplan/caseplan_service.h"
#include "services/caseplan/notes.h"
#include "services/caseplan/peers.h"
#include "services/caseplan/plans.h"
#include "services/directory/directory.h"
#include "services/directory/directory_service.h"
#include "services/directory/directory_store.h"
#include "services/directory/person_status.h"
#include "services/directory/roster.h"
#include "services/registry/registry.h"
#include "services/registry/registry_service.h"
#include "services/registry/registry_store.h"
#include "services/sharing/decision_point.h"
#include "services/sharing/information_requests.h"
#include "services/sharing/peers.h"
#include "services/sharing/sharing_events.h"
#include "services/sharing/sharing_service.h"
#include "services/updates/fanout.h"
#include "services/updates/feed.h"
#include "services/updates/peers.h"
#include "services/updates/updates_service.h"

namespace samepage::server {

// Everything the services need, owned in the order it must be torn down:
// services before the logic before the stores.
struct ServerHost::Parts {
  SystemClock system_clock;
  const Clock* clock = nullptr;
  // Outlive every service that reports calls to them.
  std::unique_ptr<observe::JsonLog> log;
  observe::RpcMetrics rpc_metrics;
  std::unique_ptr<observe::CallRecorder> calls;
  std::unique_ptr<identity::Verifier> verifier;
  std::unique_ptr<rpc::Authenticator> authenticator;
  // What the authenticator checks beyond the token: peers, limits and
  // departures (asked of the directory, here or over gRPC).
  std::optional<rpc::TlsConfig> tls;
  std::unique_ptr<identity::PersonStatusSource> person_source;
  std::unique_ptr<identity::CachedPersonStatus> person_status;
  std::unique_ptr<rpc::CallerGuard> guard;

  std::unique_ptr<identity::DevTokenIssuer> dev_issuer;
  // Encrypts the databases' values; outlives them.
  std::unique_ptr<storage::Keyring> keyring;
  // Shared by the databases (--block_cache_mb).
  std::shared_ptr<rocksdb::Cache> block_cache;
  std::unique_ptr<rpc::TokenSource> service_tokens;
  rpc::PeerChannels peers;
  // Hosted services call each other directly (local_peers.h); services
  // hosted elsewhere are reached over `peers`.
  LocalServices local;
  std::unique_ptr<LocalPeers> local_peers;
  std::unique_ptr<GrpcPeers> grpc_peers;

  std::unique_ptr<storage::Store> directory_store;
  std::unique_ptr<directory::Directory> directory;
  std::unique_ptr<directory::Roster> roster;

  std::unique_ptr<storage::Store> registry_store;
  std::unique_ptr<registry::Registry> registry;
  std::unique_ptr<storage::Store> caseplan_store;
  std::unique_ptr<caseplan::Plans> plans;
  std::unique_ptr<caseplan::Notes> notes;
  std::unique_ptr<storage::Store> sharing_store;
  std::unique_ptr<sharing::DecisionPoint> decisions;
  std::unique_ptr<sharing::InformationRequests> requests;
  std::unique_ptr<storage::Store> updates_store;
  std::unique_ptr<updates::Fanout> fanout;
  std::unique_ptr<updates::Feed> feed;
  // Declared after what it drives, so that it stops first.
  std::unique_ptr<Ticker> ticker;
  // Reactions to registry events: requests and plan items follow a handoff.
  std::unique_ptr<events::EventConsumer<registry::v1::WatchEventsResponse>> sharing_handoffs;
  std::unique_ptr<events::EventConsumer<registry::v1::WatchEventsResponse>> caseplan_handoffs;

  // People's updates, from the registry's, case plans' and sharing's events.
  std::unique_ptr<events::EventConsumer<registry::v1::WatchEventsResponse>> registry_updates;
  std::unique_ptr<events::EventConsumer<caseplan::v1::WatchEventsResponse>> caseplan_updates;
  std::unique_ptr<events::EventConsumer<sharing::v1::WatchEventsResponse>> sharing_updates;

  // The registry's reactions to directory events (projection, handoff).
  std::unique_ptr<events::EventConsumer<directory::v1::WatchEventsResponse>> directory_events;

  // The databases of the services hosted here, by service name.
  std::vector<std::pair<std::string, storage::Store*>> Stores() const {
    std::vector<std::pair<std::string, storage::Store*>> out;
    for (auto [service, store] : {std::pair{"directory", directory_store.get()},
                                  {"registry", registry_store.get()},
                                  {"caseplan", caseplan_store.get()},
                                  {"sharing", sharing_store.get()},
                                  {"updates", updates_store.get()}}) {
      if (store != nullptr) out.emplace_back(service, store);
    }
    return out;
  }

  // Each hosted service's audit trail, in its own database: outlives the
  // services (whose calls finish once on record), not the stores.
  std::map<std::string, std::unique_ptr<audit::AuditLog>> audits;

  // Services of later releases: the generated base classes answer
  // UNIMPLEMENTED for every method, and reflection still lists them.
  std::vector<std::unique_ptr<grpc::Service>> services;

  // Reads the stores and consumers above, so it stops before them.
  std::unique_ptr<observe::MetricsServer> metrics;
};

namespace {

// The peers a service is given: in this process or over gRPC, seen as the
// interface that service declares.
struct PeersChoice {
  LocalPeers* local = nullptr;
  GrpcPeers* grpc = nullptr;
  // Whether every peer is in this process: a read then never waits on
  // another call (see rpc::HandlerThreads).
  bool in_process() const { return local != nullptr; }
  template <typename Interface>
  Interface* As() const {
    return local != nullptr ? static_cast<Interface*>(local) : static_cast<Interface*>(grpc);
  }
};

bool Hosts(const ServerOptions& options, absl::string_view service) {
  return std::find(options.services.begin(), options.services.end(), service) !=
         options.services.end();
}

absl::StatusOr<std::unique_ptr<identity::Verifier>> MakeVerifier(
    const ServerOptions& options, const identity::DevTokenIssuer* dev_issuer, absl::Time now) {
  if (dev_issuer != nullptr) {
    return identity::TokenVerifier::Create(
        {.issuer = identity::kDevIssuer, .audience = options.audience}, {dev_issuer->public_key()});
  }
  if (options.issuer.empty() || (options.key_files.empty() && options.jwks_file.empty())) {
    return absl::InvalidArgumentError(
        "no way to authenticate callers: pass --dev (loopback only) or --jwt_issuer and "
        "--jwt_jwks or --jwt_keys");
  }
  ASSIGN_OR_RETURN(std::vector<identity::VerificationKey> keys,
                   identity::TokenVerifier::LoadKeyFiles(options.key_files));
  identity::VerifierOptions verifier_options{.issuer = options.issuer,
                                             .audience = options.audience};
  if (!options.jwks_file.empty()) {
    return identity::JwksVerifier::Create({.verifier = verifier_options,
                                           .jwks_file = options.jwks_file,
                                           .fixed_keys = std::move(keys),
                                           .reload_interval = options.jwks_reload_interval},
                                          now);
  }
  return identity::TokenVerifier::Create(verifier_options, std::move(keys));
}

absl::StatusOr<std::unique_ptr<storage::Store>> OpenStore(
    const ServerOptions& options, const storage::Keyring* keyring,
    std::shared_ptr<rocksdb::Cache> block_cache, absl::string_view service,
    std::vector<std::string> cfs) {
  cfs.push_back(audit::kAuditColumnFamily);
  return storage::Store::Open({.path = absl::StrCat(options.data_dir, "/", service),
                               .column_families = std::move(cfs),
                               .keyring = keyring,
                               .block_cache = std::move(block_cache)});
}

// Follows the registry's `events` with a durable cursor in `store` and calls
// `hand_over(case, from_person, to_person, actor)` whenever someone takes
// over an assignment from someone else.
using HandOverFn = std::function<absl::Status(const std::string&, const std::string&,
                                              const std::string&, const std::string&)>;
std::unique_ptr<events::EventConsumer<registry::v1::WatchEventsResponse>> FollowHandoffs(
    std::string name, storage::Store* store,
    events::OpenEventStream<registry::v1::WatchEventsResponse> events, rpc::PeerChannels* peers,
    rpc::TokenSource* tokens, HandOverFn hand_over) {
  auto registry = [peers]() -> absl::StatusOr<std::unique_ptr<registry::v1::CaseRegistry::Stub>> {
    ASSIGN_OR_RETURN(std::shared_ptr<grpc::Channel> channel, peers->Channel("registry"));
    return registry::v1::CaseRegistry::NewStub(channel);
  };
  auto handle = [tokens, registry, hand_over](const registry::v1::WatchEventsResponse& response,
                                              int64_t) -> absl::Status {
    const registry::v1::Event& event = response.event();
    const registry::v1::Assignment& next = event.assignment();
    if (event.type() != registry::v1::Event::TYPE_ASSIGNMENT_CREATED ||
        next.predecessor().empty() || next.person().empty()) {
      return absl::OkStatus();
    }
    ASSIGN_OR_RETURN(auto stub, registry());
    ASSIGN_OR_RETURN(std::string token, tokens->Token());
    registry::v1::GetAssignmentRequest req;
    req.set_name(next.predecessor());
    registry::v1::Assignment before;
    RETURN_IF_ERROR(
        FromGrpcStatus(stub->GetAssignment(rpc::PeerContext(token).get(), req, &before)));
    if (before.person().empty() || before.person() == next.person()) return absl::OkStatus();
    return hand_over(next.name().substr(0, next.name().find("/assignments/")), before.person(),
                     next.person(), event.actor());
  };
  return Follow(std::move(name), store, std::move(events), std::move(handle));
}

// Follows `peer`'s `events` into people's feeds: `fan_out` says who each
// event concerns, and the feed applies each event once (its cursor is
// written with the updates). Events that arrive together are applied in one
// write.
template <typename Response, typename FanOutFn>
std::unique_ptr<events::EventConsumer<Response>> FollowIntoFeeds(
    const std::string& peer, storage::Store* store, events::OpenEventStream<Response> events,
    updates::Feed* feed, FanOutFn fan_out) {
  std::string name = absl::StrCat("updates.", peer, "-events");
  auto handle = [feed, fan_out, name](const std::vector<Response>& responses) -> absl::Status {
    std::vector<updates::Feed::FromEvent> events;
    events.reserve(responses.size());
    for (const Response& response : responses) {
      ASSIGN_OR_RETURN(std::vector<updates::Addressed> addressed, fan_out(response.event()));
      events.push_back({response.event().revision(), std::move(addressed)});
    }
    return feed->Apply(name, std::move(events));
  };
  return Follow(name, store, std::move(events), std::move(handle));
}

// `peer`'s events: from its store when it is hosted here (`hosted`), else
// its WatchEvents over gRPC.
template <typename Service, typename Request, typename Response>
events::OpenEventStream<Response> EventsOf(const std::string& peer, storage::Store* hosted,
                                           events::EventDecoder<Response> decode,
                                           rpc::PeerChannels* peers, rpc::TokenSource* tokens) {
  if (hosted != nullptr) return HostedEvents<Response>(hosted, std::move(decode));
  return PeerEvents<Service, Request, Response>(peer, peers, tokens);
}

}  // namespace

std::map<std::string, std::vector<std::string>> PeersEachServiceCalls() {
  return {
      {"directory", {"registry"}},
      {"registry", {"directory"}},
      {"sharing", {"registry", "directory"}},
      {"caseplan", {"registry", "directory", "sharing"}},
      {"updates", {"registry", "directory", "caseplan", "sharing"}},
  };
}

bool IsLoopbackAddress(const std::string& listen_address) {
  absl::string_view host = listen_address;
  size_t colon = host.rfind(':');
  if (colon != absl::string_view::npos) host = host.substr(0, colon);
  return absl::StartsWith(host, "127.") || host == "localhost" || host == "[::1]" || host == "::1";
}

ServerHost::ServerHost() : parts_(std::make_unique<Parts>()) {}

ServerHost::~ServerHost() { Shutdown(absl::Seconds(5)); }

absl::StatusOr<std::unique_ptr<ServerHost>> ServerHost::Start(const ServerOptions& options) {
  for (const std::string& service : options.services) {
    if (std::find_if(std::begin(kAllServices), std::end(kAllServices), [&](const char* known) {
          return service == known;
        }) == std::end(kAllServices)) {
      return absl::InvalidArgumentError(
          absl::StrCat("--services: unknown service \"", service,
                       "\"; known: ", absl::StrJoin(kAllServices, ",")));
    }
  }
  if (options.services.empty()) return absl::InvalidArgumentError("--services: name at least one");

  auto host = std::unique_ptr<ServerHost>(new ServerHost());
  Parts& p = *host->parts_;
  p.clock = options.clock != nullptr ? options.clock : &p.system_clock;
  if (options.log != nullptr) {
    p.log = std::make_unique<observe::JsonLog>(options.log, p.clock, options.log_flush_interval);
  }
  p.calls = std::make_unique<observe::CallRecorder>(&p.rpc_metrics, p.log.get());
  if (options.dev_mode) {
    if (!IsLoopbackAddress(options.listen_address)) {
      return absl::FailedPreconditionError(absl::StrCat(
          "--dev: development tokens are accepted only on a loopback address; ",
          options.listen_address, " is not one. Configure --jwt_issuer and --jwt_keys instead"));
    }
    ASSIGN_OR_RETURN(p.dev_issuer, identity::DevTokenIssuer::LoadOrCreate(options.data_dir));
    p.service_tokens =
        std::make_unique<rpc::DevTokenSource>(p.dev_issuer.get(), "service:samepaged", p.clock);
  } else if (!options.service_token.empty()) {
    p.service_tokens = std::make_unique<rpc::StaticTokenSource>(options.service_token);
  }
  ASSIGN_OR_RETURN(p.verifier, MakeVerifier(options, p.dev_issuer.get(), p.clock->Now()));
  if (!options.tls_cert_file.empty() || !options.tls_key_file.empty() ||
      !options.tls_client_ca_file.empty()) {
    ASSIGN_OR_RETURN(p.tls, rpc::TlsConfig::Load({.cert_file = options.tls_cert_file,
                                                  .key_file = options.tls_key_file,
                                                  .client_ca_file = options.tls_client_ca_file,
                                                  .peer_ca_file = options.tls_peer_ca_file}));
    p.peers.UseCredentials(p.tls->PeerCredentials());
  } else if (!IsLoopbackAddress(options.listen_address)) {
    if (!options.insecure_plaintext) {
      return absl::FailedPreconditionError(absl::StrCat(
          "refusing to serve plaintext on ", options.listen_address,
          ", which is not a loopback address: configure --tls_cert, --tls_key and "
          "--tls_client_ca, or pass --insecure_plaintext if something else encrypts the traffic"));
    }
    std::fprintf(stderr,
                 "samepaged: WARNING: --insecure_plaintext: serving WITHOUT TLS on %s. Bearer "
                 "tokens and case records cross the network in the clear, and services cannot "
                 "tell their peers from impostors. Use only behind a trusted encrypting proxy "
                 "or tunnel.\n",
                 options.listen_address.c_str());
  }
  for (const auto& [service, address] : options.peers) {
    if (Hosts(options, service)) {
      return absl::InvalidArgumentError(
          absl::StrCat("--peer ", service, ": that service is hosted by this server"));
    }
    p.peers.SetAddress(service, address);
  }
  // The peers each service calls: hosted here, or given with --peer.
  const std::map<std::string, std::vector<std::string>> needs = PeersEachServiceCalls();
  for (const auto& [service, peers] : needs) {
    if (!Hosts(options, service)) continue;
    for (const std::string& needed : peers) {
      if (!Hosts(options, needed) && options.peers.count(needed) == 0) {
        return absl::InvalidArgumentError(absl::StrCat("--peer ", needed, "=HOST:PORT: the ",
                                                       service, " service calls the ", needed));
      }
    }
  }
  if ((Hosts(options, "registry") || Hosts(options, "sharing") || Hosts(options, "caseplan") ||
       Hosts(options, "updates")) &&
      p.service_tokens == nullptr) {
    return absl::InvalidArgumentError(
        "--service_token_file: the registry, sharing, caseplan and updates services call their "
        "peers on nobody's behalf and need a token with scope samepage.service (or run with "
        "--dev)");
  }
  p.authenticator = std::make_unique<rpc::Authenticator>(p.verifier.get(), p.clock, p.calls.get());

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(
      options.listen_address,
      p.tls.has_value() ? p.tls->ServerCredentials() : grpc::InsecureServerCredentials(),
      &host->port_);
  // Bounded request sizes: nothing legitimate comes close.
  builder.SetMaxReceiveMessageSize(4 * 1024 * 1024);

  if (!options.encryption_keys_file.empty()) {
    ASSIGN_OR_RETURN(p.keyring, storage::Keyring::LoadFile(options.encryption_keys_file));
  } else if (options.dev_mode) {
    ASSIGN_OR_RETURN(p.keyring, storage::Keyring::LoadOrCreateDev(options.data_dir));
  } else {
    return absl::InvalidArgumentError(
        "--encryption_keys: records are stored encrypted; name the key file (one line "
        "`<key id> <base64 of 32 random bytes>`, mode 0600; `samepaged new-encryption-key` "
        "prints one)");
  }
  p.block_cache = rocksdb::NewLRUCache(static_cast<size_t>(options.block_cache_mb) << 20);
  // Every hosted service's calls go on record in its own database.
  auto start_audit = [&p, &options](const char* service,
                                    storage::Store* store) -> absl::StatusOr<rpc::AuditSink*> {
    ASSIGN_OR_RETURN(p.audits[service],
                     audit::AuditLog::Start(store, p.clock, service, options.audit_sync_interval));
    return p.audits[service].get();
  };

  std::vector<std::string> serving;
  p.local_peers = std::make_unique<LocalPeers>(&p.local, "service:samepaged");
  p.grpc_peers = std::make_unique<GrpcPeers>(&p.peers, p.service_tokens.get());
  // A service calls its peers directly when all of them are hosted here.
  auto peers_for = [&options, &p](std::initializer_list<const char*> needed) {
    for (const char* service : needed) {
      if (!Hosts(options, service)) return PeersChoice{.grpc = p.grpc_peers.get()};
    }
    return PeersChoice{.local = p.local_peers.get()};
  };
  if (Hosts(options, "directory")) {
    ASSIGN_OR_RETURN(p.directory_store,
                     OpenStore(options, p.keyring.get(), p.block_cache, "directory",
                               directory::DirectoryStore::ColumnFamilies()));
    p.directory = std::make_unique<directory::Directory>(p.directory_store.get(), p.clock);
    RETURN_IF_ERROR(p.directory->Init());
    p.local.directory = p.directory.get();
    PeersChoice peers = peers_for({"registry"});
    p.roster = std::make_unique<directory::Roster>(p.directory.get(),
                                                   peers.As<directory::CaseTeamSource>());
    ASSIGN_OR_RETURN(rpc::AuditSink * audit, start_audit("directory", p.directory_store.get()));
    p.services.push_back(std::make_unique<directory::DirectoryService>(
        p.directory.get(), p.roster.get(), p.authenticator.get(), audit, peers.in_process()));
    serving.push_back("samepage.directory.v1.Directory");
  }
  if (Hosts(options, "registry")) {
    ASSIGN_OR_RETURN(p.registry_store,
                     OpenStore(options, p.keyring.get(), p.block_cache, "registry",
                               registry::RegistryStore::ColumnFamilies()));
    PeersChoice peers = peers_for({"directory"});
    p.registry = std::make_unique<registry::Registry>(p.registry_store.get(), p.clock,
                                                      peers.As<registry::DirectoryLookup>());
    RETURN_IF_ERROR(p.registry->Init());
    p.local.registry = p.registry.get();
    ASSIGN_OR_RETURN(rpc::AuditSink * audit, start_audit("registry", p.registry_store.get()));
    p.services.push_back(std::make_unique<registry::RegistryService>(
        p.registry.get(), p.authenticator.get(), audit, peers.in_process()));
    serving.push_back("samepage.registry.v1.CaseRegistry");
  }
  if (Hosts(options, "caseplan")) {
    ASSIGN_OR_RETURN(p.caseplan_store, OpenStore(options, p.keyring.get(), p.block_cache,
                                                 "caseplan", caseplan::CasePlanColumnFamilies()));
    PeersChoice choice = peers_for({"registry", "directory", "sharing"});
    auto* peers = choice.As<caseplan::Peers>();
    p.plans = std::make_unique<caseplan::Plans>(p.caseplan_store.get(), p.clock, peers);
    p.notes = std::make_unique<caseplan::Notes>(p.caseplan_store.get(), p.clock, peers);
    ASSIGN_OR_RETURN(rpc::AuditSink * audit, start_audit("caseplan", p.caseplan_store.get()));
    p.services.push_back(std::make_unique<caseplan::CasePlanService>(
        p.plans.get(), p.notes.get(), p.caseplan_store.get(), p.authenticator.get(), audit,
        choice.in_process()));
    serving.push_back("samepage.caseplan.v1.CasePlans");
  }
  if (Hosts(options, "sharing")) {
    ASSIGN_OR_RETURN(p.sharing_store, OpenStore(options, p.keyring.get(), p.block_cache, "sharing",
                                                sharing::SharingColumnFamilies()));
    PeersChoice choice = peers_for({"registry", "directory"});
    auto* peers = choice.As<sharing::Peers>();
    p.decisions = std::make_unique<sharing::DecisionPoint>(p.sharing_store.get(), p.clock, peers);
    RETURN_IF_ERROR(p.decisions->Init());
    p.requests = std::make_unique<sharing::InformationRequests>(
        p.sharing_store.get(), p.clock, peers,
        sharing::InformationRequests::Options{.minimum_lead_time =
                                                  options.request_minimum_lead_time});
    ASSIGN_OR_RETURN(rpc::AuditSink * audit, start_audit("sharing", p.sharing_store.get()));
    p.services.push_back(std::make_unique<sharing::SharingService>(
        p.decisions.get(), p.requests.get(), p.sharing_store.get(), p.authenticator.get(), audit,
        choice.in_process()));
    p.local.decisions = p.decisions.get();
    p.local.requests = p.requests.get();
    serving.push_back("samepage.sharing.v1.Sharing");
  }
  if (Hosts(options, "updates")) {
    ASSIGN_OR_RETURN(p.updates_store, OpenStore(options, p.keyring.get(), p.block_cache, "updates",
                                                updates::UpdatesColumnFamilies()));
    auto* peers = peers_for({"registry", "directory", "sharing"}).As<updates::Peers>();
    p.fanout = std::make_unique<updates::Fanout>(peers);
    p.feed = std::make_unique<updates::Feed>(p.updates_store.get(), peers);
    ASSIGN_OR_RETURN(rpc::AuditSink * audit, start_audit("updates", p.updates_store.get()));
    p.services.push_back(
        std::make_unique<updates::UpdatesService>(p.feed.get(), p.authenticator.get(), audit));
    serving.push_back("samepage.updates.v1.Updates");
  }
  {
    // Online backups, made by the server that owns the databases.
    std::vector<AdminService::HostedStore> stores;
    for (const std::string& service : AdminService::BackupOrder()) {
      for (const auto& [name, store] : p.Stores()) {
        if (name == service) stores.push_back({name, store});
      }
    }
    p.services.push_back(std::make_unique<AdminService>(std::move(stores), options.backup_dir,
                                                        p.authenticator.get()));
  }
  {
    // Who still holds their post: the directory's own records when it is
    // hosted here, else the directory's answer over gRPC.
    if (p.directory != nullptr) {
      p.person_source = std::make_unique<directory::LocalPersonStatus>(p.directory.get());
    } else if (p.service_tokens != nullptr) {
      p.person_source =
          std::make_unique<directory::GrpcPersonStatus>(&p.peers, p.service_tokens.get());
    }
    if (p.person_source != nullptr) {
      const Clock* clock = p.clock;
      p.person_status = std::make_unique<identity::CachedPersonStatus>(
          p.person_source.get(),
          identity::CachedPersonStatus::Options{.ttl = options.person_status_ttl},
          [clock] { return clock->Now(); });
    }
    rpc::CallerGuardOptions guard{
        .require_service_peer = p.tls.has_value(),
        .allowed_peers = {options.tls_allowed_peers.begin(), options.tls_allowed_peers.end()},
        .requests_per_second = options.rate_limit_per_second,
        .request_burst = options.rate_limit_burst,
        .max_streams_per_caller = options.max_streams_per_caller};
    // This server calls itself when it hosts services that call each other.
    if (p.tls.has_value()) {
      guard.allowed_peers.insert(p.tls->own_names().begin(), p.tls->own_names().end());
    }
    p.guard = std::make_unique<rpc::CallerGuard>(std::move(guard), p.person_status.get());
    p.authenticator->set_guard(p.guard.get());
  }
  for (auto& service : p.services) builder.RegisterService(service.get());

  host->server_ = builder.BuildAndStart();
  if (host->server_ == nullptr || host->port_ == 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", options.listen_address, " (in use, or not an address)"));
  }
  // Services hosted here reach each other through this server's own port,
  // exactly as they would reach a peer elsewhere.
  std::string self = absl::StrCat("127.0.0.1:", host->port_);
  // With TLS it presents our own certificate, whose name is not 127.0.0.1.
  std::string self_name =
      p.tls.has_value() && !p.tls->own_names().empty() ? p.tls->own_names().front() : "";
  for (const std::string& service : options.services) {
    p.peers.SetAddress(service, self, self_name);
  }

  // What the consumers below follow.
  auto directory_events = EventsOf<directory::v1::Directory, directory::v1::WatchEventsRequest,
                                   directory::v1::WatchEventsResponse>(
      "directory", p.directory_store.get(), &directory::DirectoryStore::DecodeEvent, &p.peers,
      p.service_tokens.get());
  auto registry_events = EventsOf<registry::v1::CaseRegistry, registry::v1::WatchEventsRequest,
                                  registry::v1::WatchEventsResponse>(
      "registry", p.registry_store.get(), &registry::RegistryStore::DecodeEvent, &p.peers,
      p.service_tokens.get());
  auto caseplan_events = EventsOf<caseplan::v1::CasePlans, caseplan::v1::WatchEventsRequest,
                                  caseplan::v1::WatchEventsResponse>(
      "caseplan", p.caseplan_store.get(), &caseplan::DecodeEvent, &p.peers, p.service_tokens.get());
  auto sharing_events = EventsOf<sharing::v1::Sharing, sharing::v1::WatchEventsRequest,
                                 sharing::v1::WatchEventsResponse>(
      "sharing", p.sharing_store.get(), &sharing::DecodeEvent, &p.peers, p.service_tokens.get());

  if (p.registry != nullptr) {
    Parts* parts = &p;
    p.directory_events =
        Follow("registry.directory-events", p.registry_store.get(), directory_events,
               [parts](const directory::v1::WatchEventsResponse& response, int64_t) {
                 return parts->registry->ApplyDirectoryEvent(response.event());
               });
    RETURN_IF_ERROR(p.directory_events->Start());
  }

  // Reactions to the registry: what waited on someone who handed over an
  // assignment (a departure or a reassignment) now waits on their successor.
  if (p.requests != nullptr) {
    sharing::InformationRequests* requests = p.requests.get();
    p.sharing_handoffs = FollowHandoffs(
        "sharing.registry-events", p.sharing_store.get(), registry_events, &p.peers,
        p.service_tokens.get(),
        [requests](const std::string& c, const std::string& from, const std::string& to,
                   const std::string& actor) { return requests->HandOver(c, from, to, actor); });
    RETURN_IF_ERROR(p.sharing_handoffs->Start());
  }
  if (p.plans != nullptr) {
    caseplan::Plans* plans = p.plans.get();
    p.caseplan_handoffs = FollowHandoffs(
        "caseplan.registry-events", p.caseplan_store.get(), registry_events, &p.peers,
        p.service_tokens.get(),
        [plans](const std::string& c, const std::string& from, const std::string& to,
                const std::string& actor) { return plans->HandOver(c, from, to, actor); });
    RETURN_IF_ERROR(p.caseplan_handoffs->Start());
  }

  if (p.feed != nullptr) {
    updates::Fanout* fanout = p.fanout.get();
    p.registry_updates =
        FollowIntoFeeds("registry", p.updates_store.get(), registry_events, p.feed.get(),
                        [fanout](const registry::v1::Event& e) { return fanout->FromRegistry(e); });
    p.caseplan_updates =
        FollowIntoFeeds("caseplan", p.updates_store.get(), caseplan_events, p.feed.get(),
                        [fanout](const caseplan::v1::Event& e) { return fanout->FromCasePlan(e); });
    p.sharing_updates =
        FollowIntoFeeds("sharing", p.updates_store.get(), sharing_events, p.feed.get(),
                        [fanout](const sharing::v1::Event& e) { return fanout->FromSharing(e); });
    RETURN_IF_ERROR(p.registry_updates->Start());
    RETURN_IF_ERROR(p.caseplan_updates->Start());
    RETURN_IF_ERROR(p.sharing_updates->Start());
  }

  if (p.decisions != nullptr || p.plans != nullptr) {
    // Errors are retried on the next tick; a peer being down is one.
    Parts* parts = &p;
    p.ticker = std::make_unique<Ticker>(options.tick_interval, [parts] {
      if (parts->decisions != nullptr) {
        parts->decisions->Tick().IgnoreError();
        parts->requests->Tick().IgnoreError();
      }
      if (parts->plans != nullptr) parts->plans->Tick().IgnoreError();
    });
  }

  grpc::HealthCheckServiceInterface* health = host->server_->GetHealthCheckService();
  if (health != nullptr) {
    for (const std::string& name : serving) health->SetServingStatus(name, true);
  }
  if (!options.health_listen_address.empty()) {
    // A second server with nothing but its own health service, which says
    // what the main one says: serving from here on, not serving from
    // Shutdown on.
    grpc::ServerBuilder health_builder;
    health_builder.AddListeningPort(options.health_listen_address,
                                    grpc::InsecureServerCredentials(), &host->health_port_);
    host->health_server_ = health_builder.BuildAndStart();
    if (host->health_server_ == nullptr || host->health_port_ == 0) {
      return absl::UnavailableError(
          absl::StrCat("--health_listen: cannot listen on ", options.health_listen_address));
    }
    grpc::HealthCheckServiceInterface* probe = host->health_server_->GetHealthCheckService();
    if (probe != nullptr) {
      for (const std::string& name : serving) probe->SetServingStatus(name, true);
    }
  }
  if (!options.metrics_listen_address.empty()) {
    ServerHost* h = host.get();
    ASSIGN_OR_RETURN(p.metrics, observe::MetricsServer::Start(options.metrics_listen_address,
                                                              [h] { return h->MetricsPage(); }));
    host->metrics_port_ = p.metrics->port();
  }
  if (p.log != nullptr) {
    p.log->Write("info", "serving",
                 {{"port", host->port_},
                  {"services", options.services},
                  {"data_dir", options.data_dir},
                  {"dev_mode", options.dev_mode},
                  {"metrics_port", host->metrics_port_}});
  }
  return host;
}

std::vector<observe::ConsumerProgress> ServerHost::Consumers() const {
  std::vector<observe::ConsumerProgress> out;
  auto add = [&out](const auto* consumer) {
    if (consumer != nullptr)
      out.push_back({consumer->name(), consumer->cursor(), consumer->head()});
  };
  // Every EventConsumer in Parts belongs here.
  add(parts_->directory_events.get());
  add(parts_->sharing_handoffs.get());
  add(parts_->caseplan_handoffs.get());
  add(parts_->registry_updates.get());
  add(parts_->caseplan_updates.get());
  add(parts_->sharing_updates.get());
  return out;
}

std::string ServerHost::MetricsPage() const {
  observe::PrometheusText page;
  parts_->rpc_metrics.AppendTo(page);
  observe::AppendStoreMetrics(parts_->Stores(), page);
  observe::AppendConsumerMetrics(Consumers(), page);
  std::vector<std::pair<std::string, const audit::AuditLog*>> trails;
  for (const auto& [service, log] : parts_->audits) trails.emplace_back(service, log.get());
  observe::AppendAuditMetrics(trails, page);
  return page.text();
}

int64_t ServerHost::DirectoryEventsHandled() const {
  return parts_->directory_events != nullptr ? parts_->directory_events->cursor() : 0;
}

void ServerHost::Shutdown(absl::Duration grace) {
  if (health_server_ != nullptr) {
    // Probes see the server go before it stops answering calls.
    if (auto* probe = health_server_->GetHealthCheckService()) probe->Shutdown();
    health_server_->Shutdown(std::chrono::system_clock::now());
    health_server_->Wait();
    health_server_.reset();
  }
  parts_->metrics.reset();
  if (parts_->log != nullptr && !shut_down_ && server_ != nullptr) {
    parts_->log->Write("info", "shutting down", {{"port", port_}});
  }
  parts_->ticker.reset();
  for (auto* consumer : {parts_->sharing_handoffs.get(), parts_->caseplan_handoffs.get(),
                         parts_->registry_updates.get()}) {
    if (consumer != nullptr) consumer->Stop();
  }
  if (parts_->caseplan_updates != nullptr) parts_->caseplan_updates->Stop();
  if (parts_->sharing_updates != nullptr) parts_->sharing_updates->Stop();
  if (parts_->directory_events != nullptr) parts_->directory_events->Stop();
  if (shut_down_ || server_ == nullptr) return;
  shut_down_ = true;
  for (auto& [service, store] : parts_->Stores()) {
    store->BeginClose();
  }
  server_->Shutdown(std::chrono::system_clock::now() +
                    std::chrono::milliseconds(absl::ToInt64Milliseconds(grace)));
  server_->Wait();
  if (parts_->log != nullptr) parts_->log->Write("info", "stopped", {{"port", port_}});
}

void ServerHost::Wait() {
  if (server_ != nullptr) server_->Wait();
}

}  // namespace samepage::server
