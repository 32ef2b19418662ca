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
// registry's answer, as `sharing::DecisionPoint` does it: the category
// catalog is loaded once and held in memory; per decision, a snapshot is
// taken, the case's consents and court orders are read from it, and Decide
// runs. Opens `<data_dir>/sharing` (the server must be stopped) with the
// development key file of `data_dir` (storage::kDevEncryptionKeysFile), as
// samepaged --dev does, and decides `count` checks on cases spread over the
// population.
DecisionTiming TimeDecisions(const std::string& data_dir, const Population& pop, int64_t count);

}  // namespace samepage::bench
