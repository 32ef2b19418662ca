#pragma once

#include "common/observe/json_log.h"
#include "common/observe/rpc_metrics.h"
#include "common/rpc/call_trace.h"

namespace samepage::observe {

// Records every finished call in the RPC metrics and, when there is a log,
// as one structured log line: request id, method, caller (the verified
// subject, never a token), status and latency.
class CallRecorder final : public rpc::CallObserver {
 public:
  // Either may be null.
  CallRecorder(RpcMetrics* metrics, JsonLog* log) : metrics_(metrics), log_(log) {}

  void OnCallEnd(const rpc::CallRecord& call) override;

 private:
  RpcMetrics* metrics_;
  JsonLog* log_;
};

}  // namespace samepage::observe
