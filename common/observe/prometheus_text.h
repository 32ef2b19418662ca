#pragma once

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"

namespace samepage::observe {

using Labels = std::vector<std::pair<std::string, std::string>>;

// Builds a page in Prometheus' text exposition format (version 0.0.4): each
// family's HELP and TYPE lines, then its samples.
class PrometheusText {
 public:
  // Starts a family; `type` is "counter", "gauge" or "histogram".
  void Family(absl::string_view name, absl::string_view type, absl::string_view help);
  void Sample(absl::string_view name, const Labels& labels, double value);

  const std::string& text() const { return text_; }

 private:
  std::string text_;
};

// The canonical name of a gRPC status code ("PERMISSION_DENIED").
absl::string_view StatusCodeName(int code);

}  // namespace samepage::observe
