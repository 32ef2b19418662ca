#pragma once

#include <cstdint>

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

}  // namespace samepage::bench
