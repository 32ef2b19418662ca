#include "cli/connection.h"

#include <chrono>

#include "absl/strings/str_cat.h"
#include "common/identity/caller.h"
#include "common/identity/dev_token_issuer.h"

namespace samepage::cli {
namespace {

// The subject of a minted token when no --as is given: a platform
// administrator, so that a fresh installation can be set up.
constexpr char kDefaultDevSubject[] = "admin";

// gRPC and absl share their code numbering.
absl::Status ToAbsl(const grpc::Status& status) {
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
}

}  // namespace

absl::StatusOr<std::string> MintDevToken(const std::string& data_dir, const std::string& subject,
                                         bool admin, absl::Duration ttl) {
  auto issuer = identity::DevTokenIssuer::Load(data_dir);
  if (!issuer.ok()) {
    return absl::Status(
        issuer.status().code(),
        absl::StrCat("cannot mint a development token from the data folder \"", data_dir,
                     "\" (pass --token, or --data_dir of a server started with --dev): ",
                     issuer.status().message()));
  }
  std::vector<std::string> scopes;
  if (admin) scopes.push_back(identity::kAdminScope);
  return (*issuer)->Issue(subject, scopes, ttl, absl::Now());
}

absl::StatusOr<std::unique_ptr<Connection>> Connection::Open(const ConnectionOptions& options) {
  std::string token = options.token;
  if (token.empty()) {
    const bool as_admin = options.as.empty();
    const std::string subject = as_admin ? kDefaultDevSubject : options.as;
    // Long enough for a slow call or a followed event stream.
    absl::StatusOr<std::string> minted =
        MintDevToken(options.data_dir, subject, as_admin, absl::Hours(12));
    if (!minted.ok()) return minted.status();
    token = *std::move(minted);
  }
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel =
      rpc::ClientChannel(options.server, options.tls);
  if (!channel.ok()) return channel.status();
  if (*channel == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("--server: cannot use \"", options.server, "\""));
  }
  return std::unique_ptr<Connection>(
      new Connection(options.server, std::move(token), options.timeout, *std::move(channel)));
}

std::unique_ptr<grpc::ClientContext> Connection::NewContext(absl::Duration timeout) const {
  auto context = std::make_unique<grpc::ClientContext>();
  context->AddMetadata("authorization", absl::StrCat("Bearer ", token_));
  if (timeout != absl::InfiniteDuration()) {
    context->set_deadline(std::chrono::system_clock::now() +
                          std::chrono::milliseconds(absl::ToInt64Milliseconds(timeout)));
  }
  return context;
}

absl::Status Connection::Check(const grpc::Status& status) const {
  if (status.ok()) return absl::OkStatus();
  if (status.error_code() == grpc::StatusCode::UNAVAILABLE) {
    return absl::UnavailableError(absl::StrCat(
        "cannot reach the SamePage server at ", server_,
        " (is samepaged running there? pass --server HOST:PORT or set SAMEPAGE_SERVER): ",
        status.error_message()));
  }
  if (status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
    return absl::DeadlineExceededError(
        absl::StrCat("no answer from ", server_, " within ", absl::FormatDuration(timeout_),
                     " (raise --timeout if the server is busy): ", status.error_message()));
  }
  return ToAbsl(status);
}

}  // namespace samepage::cli
