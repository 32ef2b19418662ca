#include "common/observe/call_recorder.h"

#include <string>

#include "common/observe/prometheus_text.h"

namespace samepage::observe {

void CallRecorder::OnCallEnd(const rpc::CallRecord& call) {
  int code = static_cast<int>(call.code);
  if (metrics_ != nullptr) metrics_->Record(call.method, code, call.latency);
  if (log_ == nullptr) return;
  nlohmann::ordered_json fields = {{"request_id", std::string(call.request_id)},
                                   {"method", std::string(call.method)},
                                   {"caller", std::string(call.caller)},
                                   {"status", std::string(StatusCodeName(code))},
                                   {"latency_ms", absl::ToDoubleMilliseconds(call.latency)}};
  if (!call.message.empty()) fields["error"] = std::string(call.message);
  const char* level = RpcMetrics::IsServerFault(code) ? "error" : "info";
  log_->Write(level, call.stream ? "stream" : "rpc", fields);
}

}  // namespace samepage::observe
