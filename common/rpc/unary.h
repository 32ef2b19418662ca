#pragma once

#include <grpcpp/grpcpp.h>

#include <utility>

#include "absl/status/statusor.h"
#include "common/clock/clock.h"
#include "common/identity/authenticate.h"
#include "common/identity/caller.h"
#include "common/identity/token_verifier.h"
#include "common/rpc/audit_sink.h"
#include "common/rpc/call_trace.h"
#include "common/rpc/caller_guard.h"
#include "common/rpc/handler_threads.h"
#include "common/rpc/worker_pool.h"
#include "common/status/grpc_status.h"

namespace samepage::rpc {

// Establishes who is calling, from the request's bearer token; tells
// `observer` (metrics, logs), if any, how each call ended.
class Authenticator {
 public:
  Authenticator(const identity::Verifier* verifier, const Clock* clock,
                CallObserver* observer = nullptr)
      : verifier_(verifier), clock_(clock), observer_(observer) {}

  CallObserver* observer() const { return observer_; }

  // What is checked once the token verifies (peer, limits, departures);
  // set before serving. Optional.
  void set_guard(const CallerGuard* guard) { guard_ = guard; }
  const CallerGuard* guard() const { return guard_; }

  absl::StatusOr<identity::Caller> Authenticate(const grpc::CallbackServerContext& ctx) const {
    absl::StatusOr<identity::Caller> caller =
        identity::AuthenticateMetadata(ctx.client_metadata(), *verifier_, clock_->Now());
    if (!caller.ok() || guard_ == nullptr) return caller;
    absl::Status admitted = guard_->Admit(*caller, ctx.auth_context().get());
    if (!admitted.ok()) return admitted;
    return caller;
  }

 private:
  const identity::Verifier* verifier_;
  const Clock* clock_;
  const CallerGuard* guard_ = nullptr;
  CallObserver* observer_;
};

// The whole gRPC side of a unary method: authenticate, run the domain call
// on `workers` (null: on the callback thread the call arrived on, for reads
// only; see HandlerThreads), copy its result into the response, finish with
// the mapped status. `fn(caller, request)` is copied to the worker, so it
// must capture by value; the request, response and reactor live until
// Finish. With an `audit` sink, every call (refused ones too) finishes only
// once it is on record.
template <typename Request, typename Response, typename Fn>
grpc::ServerUnaryReactor* RunUnary(grpc::CallbackServerContext* ctx,
                                   const Authenticator& authenticator, WorkerPool* workers,
                                   const Request* request, Response* response, Fn fn,
                                   AuditPoint audit = {}) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  CallTrace trace(ctx, authenticator.observer(), MethodName<Request>());
  absl::StatusOr<identity::Caller> caller = authenticator.Authenticate(*ctx);
  if (!caller.ok()) {
    trace.End(ToGrpcStatus(caller.status()), "");
    FinishAudited(audit, reactor, "", AuditedResource(*request, nullptr),
                  ToGrpcStatus(caller.status()));
    return reactor;
  }
  caller->request_id = trace.request_id();
  auto handle = [reactor, request, response, fn, audit, trace, caller = *std::move(caller)] {
    absl::StatusOr<Response> result = fn(caller, *request);
    if (result.ok()) *response = *std::move(result);
    trace.End(ToGrpcStatus(result.status()), caller.subject);
    FinishAudited(audit, reactor, caller.subject,
                  AuditedResource(*request, result.ok() ? response : nullptr),
                  ToGrpcStatus(result.status()));
  };
  if (workers == nullptr) {
    handle();
  } else {
    workers->Run(std::move(handle));
  }
  return reactor;
}

// Defines `Service::Method`, a method of a service's gRPC face, as RunUnary
// of `target->Method(caller, request)` on `workers` (see HandlerThreads),
// each call on record as "/<full_name>/Method". For the services' .cc files:
// the class holds `auth_` (an Authenticator*) and `audit_` (an AuditSink*).
#define SAMEPAGE_DEFINE_UNARY(Service, full_name, Method, Request, Response, target, workers)     \
  grpc::ServerUnaryReactor* Service::Method(grpc::CallbackServerContext* ctx, const Request* req, \
                                            Response* resp) {                                     \
    auto* domain = target;                                                                        \
    return ::samepage::rpc::RunUnary(                                                             \
        ctx, *auth_, workers, req, resp,                                                          \
        [domain](const ::samepage::identity::Caller& caller, const Request& r) {                  \
          return domain->Method(caller, r);                                                       \
        },                                                                                        \
        ::samepage::rpc::AuditPoint{audit_, "/" full_name "/" #Method});                          \
  }

// Handlers per service at most; see WorkerPool.
inline constexpr int kMaxHandlerThreads = 64;

}  // namespace samepage::rpc
