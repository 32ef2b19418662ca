#include "tools/bench/settle.h"

#include <httplib.h>

#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"

namespace samepage::bench {

namespace {

// The metrics page's sample lines starting with `prefix` ("name{"), split
// into their labels and value.
absl::StatusOr<std::vector<std::pair<std::string, double>>> Samples(int metrics_port,
                                                                    absl::string_view prefix) {
  httplib::Client client("127.0.0.1", metrics_port);
  client.set_connection_timeout(2);
  client.set_read_timeout(5);
  httplib::Result result = client.Get("/metrics");
  if (!result || result->status != 200) {
    return absl::UnavailableError(
        absl::StrCat("metrics page on port ", metrics_port, " did not answer"));
  }
  std::vector<std::pair<std::string, double>> out;
  for (absl::string_view line : absl::StrSplit(result->body, '\n')) {
    if (!absl::StartsWith(line, prefix)) continue;
    std::vector<absl::string_view> parts = absl::StrSplit(line, ' ');
    double value = 0;
    if (parts.size() == 2 && absl::SimpleAtod(parts[1], &value)) {
      out.emplace_back(std::string(parts[0].substr(prefix.size())), value);
    }
  }
  if (out.empty()) return absl::NotFoundError(absl::StrCat("no ", prefix, " on the metrics page"));
  return out;
}

}  // namespace

absl::StatusOr<int64_t> ConsumerLag(int metrics_port) {
  absl::StatusOr<std::vector<std::pair<std::string, double>>> lags =
      Samples(metrics_port, "samepage_event_consumer_lag{");
  if (!lags.ok()) return lags.status();
  int64_t lag = 0;
  for (const auto& [labels, value] : *lags) lag += static_cast<int64_t>(value);
  return lag;
}

absl::StatusOr<std::map<std::string, AuditWait>> AuditWaits(int metrics_port) {
  std::map<std::string, AuditWait> out;
  for (bool sum : {false, true}) {
    absl::StatusOr<std::vector<std::pair<std::string, double>>> samples =
        Samples(metrics_port,
                sum ? "samepage_audit_wait_seconds_sum{" : "samepage_audit_wait_seconds_count{");
    if (!samples.ok()) return samples.status();
    for (const auto& [labels, value] : *samples) {
      // labels: service="caseplan"}
      std::string service(absl::StripSuffix(absl::StripPrefix(labels, "service=\""), "\"}"));
      (sum ? out[service].seconds : out[service].calls) = value;
    }
  }
  return out;
}

std::string MeanAuditWaits(const std::map<std::string, AuditWait>& before,
                           const std::map<std::string, AuditWait>& after) {
  std::string line;
  for (const auto& [service, now] : after) {
    AuditWait then;
    if (auto it = before.find(service); it != before.end()) then = it->second;
    double calls = now.calls - then.calls;
    if (calls <= 0) continue;
    absl::StrAppend(&line, line.empty() ? "" : ", ", service, " ",
                    absl::StrFormat("%.2f ms", 1000 * (now.seconds - then.seconds) / calls));
  }
  return line.empty() ? "no audited calls" : line;
}

absl::StatusOr<absl::Duration> WaitForConsumers(int metrics_port, absl::Duration limit) {
  absl::Time start = absl::Now();
  absl::Status last;
  // Polled every 200 ms, bounded by `limit`.
  while (absl::Now() - start < limit) {
    absl::StatusOr<int64_t> lag = ConsumerLag(metrics_port);
    if (lag.ok() && *lag == 0) return absl::Now() - start;
    last = lag.ok() ? absl::OkStatus() : lag.status();
    absl::SleepFor(absl::Milliseconds(200));
  }
  return absl::DeadlineExceededError(
      absl::StrCat("event consumers still behind after ", absl::FormatDuration(limit),
                   last.ok() ? "" : absl::StrCat(" (", last.message(), ")")));
}

}  // namespace samepage::bench
