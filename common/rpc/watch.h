#pragma once

#include <grpcpp/grpcpp.h>

#include <functional>

#include "absl/strings/str_cat.h"
#include "common/events/watch_reactor.h"
#include "common/rpc/unary.h"

namespace samepage::rpc {

// The gRPC edge of a WatchEvents method: authenticate, check who may follow
// the stream and the requested revision, then stream the store's events.
template <typename Response>
grpc::ServerWriteReactor<Response>* StartWatch(
    const Authenticator& authenticator, grpc::CallbackServerContext* ctx, int64_t after_revision,
    storage::Store* store, typename events::WatchReactor<Response>::Decoder decode,
    const std::function<bool(const identity::Caller&)>& may_watch) {
  CallTrace trace(ctx, authenticator.observer(), MethodName<Response>(/*as_response=*/true));
  absl::StatusOr<identity::Caller> caller = authenticator.Authenticate(*ctx);
  absl::Status refused = caller.status();
  if (caller.ok() && !may_watch(*caller)) {
    refused = absl::PermissionDeniedError(
        "only SamePage services and platform administrators follow this event stream");
  } else if (caller.ok() && after_revision < 0) {
    refused = absl::InvalidArgumentError("after_revision: must not be negative");
  }
  // A slot among the streams this caller may hold open, given back when
  // the stream ends.
  std::shared_ptr<void> slot;
  if (refused.ok() && authenticator.guard() != nullptr) {
    absl::StatusOr<std::shared_ptr<void>> opened = authenticator.guard()->OpenStream(*caller);
    refused = opened.status();
    if (opened.ok()) slot = *std::move(opened);
  }
  trace.End(ToGrpcStatus(refused), caller.ok() ? caller->subject : "", /*stream=*/true);
  if (!refused.ok()) {
    class Refusal final : public grpc::ServerWriteReactor<Response> {
     public:
      explicit Refusal(const absl::Status& status) { this->Finish(ToGrpcStatus(status)); }
      void OnDone() override { delete this; }
    };
    return new Refusal(refused);
  }
  return new events::WatchReactor<Response>(store, after_revision, std::move(decode),
                                            std::move(slot));
}

}  // namespace samepage::rpc
