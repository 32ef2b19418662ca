#include "common/observe/call_recorder.h"

#include <string>

#include "common/observe/prometheus_text.h"

namespace samepage::observe {

void CallRecorder::OnCallEnd(const rpc::CallRecord& call) {
  int code = static_cast<int>(call.code);
  if (metrics_ != nullptr) metrics_->Record(call.method, code, call.latency);
  if (log_ == nullptr) return;
  const char* level = RpcMetrics::IsServerFault(code) ? "error" : "info";
  const char* msg = call.stream ? "stream" : "rpc";
  const JsonLog::Field fields[] = {{"request_id", call.request_id},
                                   {"method", call.method},
                                   {"caller", call.caller},
                                   {"status", StatusCodeName(code)},
                                   {"latency_ms", absl::ToDoubleMilliseconds(call.latency)},
                                   {"error", call.message}};
  // The last field only when there is a message.
  log_->WriteFields(level, msg, absl::MakeConstSpan(fields, call.message.empty() ? 5 : 6));
}

}  // namespace samepage::observe
