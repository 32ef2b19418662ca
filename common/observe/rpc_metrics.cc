#include "common/observe/rpc_metrics.h"

#include <grpcpp/grpcpp.h>

#include "absl/strings/str_format.h"

namespace samepage::observe {

bool RpcMetrics::IsServerFault(int code) {
  switch (static_cast<grpc::StatusCode>(code)) {
    case grpc::StatusCode::UNKNOWN:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
    case grpc::StatusCode::UNIMPLEMENTED:
    case grpc::StatusCode::INTERNAL:
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DATA_LOSS:
      return true;
    default:
      return false;
  }
}

void RpcMetrics::Record(absl::string_view method, int code, absl::Duration latency) {
  double seconds = absl::ToDoubleSeconds(latency);
  absl::MutexLock lock(&mu_);
  ++calls_[{std::string(method), code}];
  if (IsServerFault(code)) ++faults_[std::string(method)];
  Histogram& h = latency_[std::string(method)];
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) {
      ++h.buckets[i];
      break;
    }
  }
  ++h.count;
  h.sum += seconds;
}

void RpcMetrics::AppendTo(PrometheusText& page) const {
  absl::MutexLock lock(&mu_);
  page.Family("samepage_rpc_requests_total", "counter",
              "Calls answered, by method and gRPC status code (event streams count when accepted "
              "or refused).");
  for (const auto& [key, count] : calls_) {
    page.Sample("samepage_rpc_requests_total",
                {{"method", key.first}, {"code", std::string(StatusCodeName(key.second))}},
                static_cast<double>(count));
  }
  page.Family("samepage_rpc_errors_total", "counter",
              "Calls that failed on the server's side (UNKNOWN, DEADLINE_EXCEEDED, "
              "RESOURCE_EXHAUSTED, UNIMPLEMENTED, INTERNAL, UNAVAILABLE, DATA_LOSS), by method.");
  for (const auto& [method, count] : faults_) {
    page.Sample("samepage_rpc_errors_total", {{"method", method}}, static_cast<double>(count));
  }
  page.Family("samepage_rpc_latency_seconds", "histogram",
              "Time from a call's arrival to its status, by method.");
  for (const auto& [method, h] : latency_) {
    uint64_t cumulative = 0;
    for (size_t i = 0; i < kBuckets.size(); ++i) {
      cumulative += h.buckets[i];
      page.Sample("samepage_rpc_latency_seconds_bucket",
                  {{"method", method}, {"le", absl::StrFormat("%g", kBuckets[i])}},
                  static_cast<double>(cumulative));
    }
    page.Sample("samepage_rpc_latency_seconds_bucket", {{"method", method}, {"le", "+Inf"}},
                static_cast<double>(h.count));
    page.Sample("samepage_rpc_latency_seconds_sum", {{"method", method}}, h.sum);
    page.Sample("samepage_rpc_latency_seconds_count", {{"method", method}},
                static_cast<double>(h.count));
  }
}

}  // namespace samepage::observe
