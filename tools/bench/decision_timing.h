#pragma once

#include <cstdint>
#include <string>

#include "tools/bench/population.h"

namespace samepage::bench {

struct DecisionTiming {
  int64_t count = 0;
  double p50_us = 0, p99_us = 0, p999_us = 0;
  std::string error;  // empty when timed
};

// Times what the sharing service does per access decision once it has the
// registry's answer: read the category catalog, the case's consents and
// court orders from the store, and Decide. Opens the sharing database at
// `path` (the server must be stopped) and decides `count` checks on cases
// spread over the population.
DecisionTiming TimeDecisions(const std::string& path, const Population& pop, int64_t count);

}  // namespace samepage::bench
