#pragma once

#include <grpcpp/grpcpp.h>

#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/descriptor.h"

namespace samepage::rpc {

// The metadata key that carries a request id across calls and services.
inline constexpr char kRequestIdKey[] = "x-request-id";

// What a finished call was, for metrics and logs. Never holds credentials.
struct CallRecord {
  // "/samepage.directory.v1.Directory/WhoIsWho".
  absl::string_view method;
  absl::string_view request_id;
  // The verified caller's subject; empty when authentication failed.
  absl::string_view caller;
  grpc::StatusCode code = grpc::StatusCode::OK;
  absl::string_view message;
  absl::Duration latency;
  // A server stream: recorded when it is accepted or refused, not when it ends.
  bool stream = false;
};

// Told about every call a service answers (metrics, structured logs).
// Implementations are called concurrently and must not block.
class CallObserver {
 public:
  virtual ~CallObserver() = default;
  virtual void OnCallEnd(const CallRecord& call) = 0;
};

// The request id a call carries in `x-request-id` when it is a sane one
// (1-128 characters of [A-Za-z0-9._:-], so that a client cannot forge log
// lines), else a new random one.
std::string RequestIdOf(const grpc::ServerContextBase& ctx);
std::string NewRequestId();

// The full gRPC method name of the method of `message`'s file whose request
// (or, for `as_response`, response) type is `message`; the message's own name
// when there is none. Our request types are named for their method (buf lint
// RPC_REQUEST_STANDARD_NAME), and each service's messages share its file.
std::string MethodOf(const google::protobuf::Descriptor* message, bool as_response = false);

// One call from its start to its status: takes the request id (echoed to the
// client in the response's initial metadata) and tells `observer`, if any,
// how the call ended. Cheap to copy into a worker's task.
class CallTrace {
 public:
  // Must be called before the call sends its initial metadata.
  CallTrace(grpc::ServerContextBase* ctx, CallObserver* observer, absl::string_view method)
      : observer_(observer), method_(method), request_id_(RequestIdOf(*ctx)), start_(absl::Now()) {
    ctx->AddInitialMetadata(kRequestIdKey, request_id_);
  }

  const std::string& request_id() const { return request_id_; }

  void End(const grpc::Status& status, absl::string_view caller, bool stream = false) const {
    if (observer_ == nullptr) return;
    observer_->OnCallEnd({.method = method_,
                          .request_id = request_id_,
                          .caller = caller,
                          .code = status.error_code(),
                          .message = status.error_message(),
                          .latency = absl::Now() - start_,
                          .stream = stream});
  }

 private:
  CallObserver* observer_;
  absl::string_view method_;  // static storage: see MethodOf's callers
  std::string request_id_;
  absl::Time start_;
};

// MethodOf for a request type, computed once per type.
template <typename Message>
absl::string_view MethodName(bool as_response = false) {
  static const std::string* const name =
      new std::string(MethodOf(Message::descriptor(), as_response));
  return *name;
}

}  // namespace samepage::rpc
