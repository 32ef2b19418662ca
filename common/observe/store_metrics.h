#pragma once

#include <string>
#include <utility>
#include <vector>

#include "common/observe/prometheus_text.h"
#include "common/storage/store.h"

namespace samepage::observe {

// RocksDB's view of each service's store: bytes written, write-ahead-log
// syncs, block cache hits and misses (from its statistics), estimated keys
// and live data size (from its properties), and the newest event revision.
void AppendStoreMetrics(const std::vector<std::pair<std::string, storage::Store*>>& stores,
                        PrometheusText& page);

// Where each event consumer has got in the stream it follows.
struct ConsumerProgress {
  std::string name;    // "registry.directory-events"
  int64_t cursor = 0;  // last revision handled
  int64_t seen = 0;    // newest revision the producer has reported
};
void AppendConsumerMetrics(const std::vector<ConsumerProgress>& consumers, PrometheusText& page);

}  // namespace samepage::observe
