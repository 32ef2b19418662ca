#pragma once

#include <utility>

#include <grpcpp/grpcpp.h>

#include "absl/status/statusor.h"
#include "common/clock/clock.h"
#include "common/identity/authenticate.h"
#include "common/identity/caller.h"
#include "common/identity/token_verifier.h"
#include "common/status/grpc_status.h"

namespace samepage::rpc {

// Establishes who is calling, from the request's bearer token.
class Authenticator {
 public:
  Authenticator(const identity::TokenVerifier* verifier, const Clock* clock)
      : verifier_(verifier), clock_(clock) {}

  absl::StatusOr<identity::Caller> Authenticate(const grpc::CallbackServerContext& ctx) const {
    return identity::AuthenticateMetadata(ctx.client_metadata(), *verifier_, clock_->Now());
  }

 private:
  const identity::TokenVerifier* verifier_;
  const Clock* clock_;
};

// The whole gRPC side of a unary method: authenticate, run the domain call,
// copy its result into the response, finish with the mapped status. The
// domain call runs on the callback thread: it does bounded work (RocksDB
// reads, one synced write), never an open-ended wait.
template <typename Response, typename Fn>
grpc::ServerUnaryReactor* RunUnary(grpc::CallbackServerContext* ctx,
                                   const Authenticator& authenticator, Response* response,
                                   Fn&& fn) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  absl::StatusOr<identity::Caller> caller = authenticator.Authenticate(*ctx);
  if (!caller.ok()) {
    reactor->Finish(ToGrpcStatus(caller.status()));
    return reactor;
  }
  absl::StatusOr<Response> result = std::forward<Fn>(fn)(*caller);
  if (result.ok()) *response = *std::move(result);
  reactor->Finish(ToGrpcStatus(result.status()));
  return reactor;
}

}  // namespace samepage::rpc
