#pragma once

#include <grpcpp/grpcpp.h>

#include <string>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "google/protobuf/message.h"

namespace samepage::rpc {

// What one finished call leaves in the audit trail.
struct AuditRecord {
  // The caller's token subject; empty when the call was not authenticated.
  std::string subject;
  // The full gRPC method name.
  std::string method;
  // The record the call named (see AuditedResource).
  std::string resource;
  grpc::StatusCode code = grpc::StatusCode::OK;
};

// Where a service's calls are put on record (common/audit/audit_log.h).
class AuditSink {
 public:
  virtual ~AuditSink() = default;
  // Makes `record` durable, then calls `done(OK)`; calls `done(error)` when
  // it could not be recorded. `done` may run on another thread and must not
  // block.
  virtual void Record(AuditRecord record, absl::AnyInvocable<void(absl::Status)> done) = 0;
};

// Which trail a method's calls go to, and the method's full name. A null
// sink audits nothing.
struct AuditPoint {
  AuditSink* sink = nullptr;
  const char* method = "";
};

// The record a request names: its `name`, `parent` or `case` string field
// (the first that is set), else the `name` of `response` (a create returns
// the record it made); empty when neither has one. Bounded in length: an
// unauthenticated caller chooses it.
std::string AuditedResource(const google::protobuf::Message& request,
                            const google::protobuf::Message* response);

// Finishes a call once its audit record is durable. A call whose record
// cannot be written fails with UNAVAILABLE whatever its own outcome: no
// record is read or reported changed without a trace.
void FinishAudited(const AuditPoint& audit, grpc::ServerUnaryReactor* reactor,
                   std::string subject, std::string resource, grpc::Status status);

}  // namespace samepage::rpc
