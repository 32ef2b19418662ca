#pragma once

#include <functional>
#include <map>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/server_host.h"

namespace samepage::server {

// Names a setting in a message, e.g. "--listen (samepaged.conf:3)".
using DescribeSetting = std::function<std::string(absl::string_view name)>;

// Parses --peer's "service=host:port,service=host:port".
absl::StatusOr<std::map<std::string, std::string>> ParsePeers(absl::string_view text,
                                                              const DescribeSetting& describe);

// Whether `address` is host:port with a port in 0..65535 ("[v6]:port" too).
bool IsHostPort(absl::string_view address);

// Everything about `options` that can be checked without opening a database
// or binding a port: services known, addresses well formed, the peers each
// hosted service calls given, a way to authenticate callers, key files
// readable, TLS material that loads (or plaintext only on loopback or when
// asked for), the encryption key file, a service token where one is needed,
// development mode only on loopback. Messages start with the setting at fault, named by `describe`.
// ServerHost::Start makes the same decisions; this runs them first so that
// `--check_config` catches them on a machine where the server cannot start.
absl::Status CheckServerOptions(const ServerOptions& options, const DescribeSetting& describe);

}  // namespace samepage::server
