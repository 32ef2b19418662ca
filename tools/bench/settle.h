#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace samepage::bench {

// Total lag of the server's event consumers (its reactions to other
// services' events and people's feeds), read from its metrics page on
// 127.0.0.1:`metrics_port`.
absl::StatusOr<int64_t> ConsumerLag(int metrics_port);

// Waits until every event consumer has caught up (lag 0), at most `limit`;
// returns how long that took. Measuring earlier would measure the catch-up
// work of earlier writes (e.g. a population's feeds) too.
absl::StatusOr<absl::Duration> WaitForConsumers(int metrics_port, absl::Duration limit);

// Per service, from the audit trail's metrics: calls whose record was
// written, and the time they waited for it in all.
struct AuditWait {
  double calls = 0;
  double seconds = 0;
};
absl::StatusOr<std::map<std::string, AuditWait>> AuditWaits(int metrics_port);

// "caseplan 1.92 ms, directory 0.41 ms": the mean wait per call of each
// service with calls between the two readings.
std::string MeanAuditWaits(const std::map<std::string, AuditWait>& before,
                           const std::map<std::string, AuditWait>& after);

}  // namespace samepage::bench
