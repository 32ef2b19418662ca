#include "tools/bench/settle.h"

#include <httplib.h>

#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"

namespace samepage::bench {

absl::StatusOr<int64_t> ConsumerLag(int metrics_port) {
  httplib::Client client("127.0.0.1", metrics_port);
  client.set_connection_timeout(2);
  client.set_read_timeout(5);
  httplib::Result result = client.Get("/metrics");
  if (!result || result->status != 200) {
    return absl::UnavailableError(
        absl::StrCat("metrics page on port ", metrics_port, " did not answer"));
  }
  int64_t lag = 0;
  bool seen = false;
  for (absl::string_view line : absl::StrSplit(result->body, '\n')) {
    if (!absl::StartsWith(line, "samepage_event_consumer_lag{")) continue;
    std::vector<absl::string_view> parts = absl::StrSplit(line, ' ');
    int64_t value = 0;
    if (parts.size() == 2 && absl::SimpleAtoi(parts[1], &value)) {
      lag += value;
      seen = true;
    }
  }
  if (!seen) return absl::NotFoundError("no samepage_event_consumer_lag on the metrics page");
  return lag;
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
