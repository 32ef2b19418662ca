#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/rpc/tls.h"

namespace samepage::cli {

// Where to call and as whom: the global options, after defaults from the
// environment have been applied.
struct ConnectionOptions {
  // host:port of the server.
  std::string server = "127.0.0.1:50051";
  // A bearer token; empty means mint a development token.
  std::string token;
  // The server's data folder, whose development key signs minted tokens.
  std::string data_dir = "./data";
  // Subject of a minted token; empty means "admin" with the admin scope.
  std::string as;
  // Deadline of every call.
  absl::Duration timeout = absl::Seconds(10);
  // TLS to the server (no CA file: plaintext).
  rpc::ClientTlsFiles tls;
};

// Mints a development token with the key in `data_dir` (created by
// `samepaged --dev`). Fails with a message saying what to do when there is
// no key.
absl::StatusOr<std::string> MintDevToken(const std::string& data_dir, const std::string& subject,
                                         bool admin, absl::Duration ttl);

// A channel to one server plus the token to present on it.
class Connection {
 public:
  // Resolves the token (given, or minted from the data folder) and creates
  // the channel. Does not contact the server: the first call does.
  static absl::StatusOr<std::unique_ptr<Connection>> Open(const ConnectionOptions& options);

  const std::shared_ptr<grpc::Channel>& channel() const { return channel_; }
  const std::string& server() const { return server_; }

  // A context for one call: `authorization: Bearer` metadata and a deadline
  // of `timeout` from now. An infinite timeout sets no deadline (for
  // streams that follow events until interrupted).
  std::unique_ptr<grpc::ClientContext> NewContext(absl::Duration timeout) const;
  std::unique_ptr<grpc::ClientContext> NewContext() const { return NewContext(timeout_); }

  // The outcome of a call as an absl::Status; when the server could not be
  // reached, the message says which server that was.
  absl::Status Check(const grpc::Status& status) const;

 private:
  Connection(std::string server, std::string token, absl::Duration timeout,
             std::shared_ptr<grpc::Channel> channel)
      : server_(std::move(server)),
        token_(std::move(token)),
        timeout_(timeout),
        channel_(std::move(channel)) {}

  const std::string server_;
  // A credential: never printed.
  const std::string token_;
  const absl::Duration timeout_;
  const std::shared_ptr<grpc::Channel> channel_;
};

}  // namespace samepage::cli
