#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/observe/prometheus_text.h"

namespace samepage::observe {

// Per-method call counts by status code, server-side faults, and latency
// histograms, for the metrics page.
class RpcMetrics {
 public:
  // Upper bounds of the latency buckets, in seconds.
  static constexpr std::array<double, 14> kBuckets = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

  void Record(absl::string_view method, int code, absl::Duration latency);
  void AppendTo(PrometheusText& page) const;

  // Whether a status code means the server failed, rather than the caller
  // asking for something it may not have or that does not exist.
  static bool IsServerFault(int code);

 private:
  struct Histogram {
    std::array<uint64_t, kBuckets.size()> buckets{};  // non-cumulative
    uint64_t count = 0;
    double sum = 0;
  };
  mutable absl::Mutex mu_;
  std::map<std::pair<std::string, int>, uint64_t, std::less<>> calls_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, uint64_t, std::less<>> faults_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, Histogram, std::less<>> latency_ ABSL_GUARDED_BY(mu_);
};

}  // namespace samepage::observe
