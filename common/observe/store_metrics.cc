#include "common/observe/store_metrics.h"

#include <algorithm>
#include <cstdint>

#include "rocksdb/db.h"
#include "rocksdb/statistics.h"

namespace samepage::observe {
namespace {

struct Ticker {
  const char* name;
  rocksdb::Tickers ticker;
  const char* help;
};
constexpr Ticker kTickers[] = {
    {"samepage_store_bytes_written_total", rocksdb::BYTES_WRITTEN,
     "Bytes written to the store (RocksDB BYTES_WRITTEN)."},
    {"samepage_store_wal_syncs_total", rocksdb::WAL_FILE_SYNCED,
     "Write-ahead-log syncs (RocksDB WAL_FILE_SYNCED); one per acknowledged write."},
    {"samepage_store_block_cache_hits_total", rocksdb::BLOCK_CACHE_HIT,
     "Block cache hits (RocksDB BLOCK_CACHE_HIT)."},
    {"samepage_store_block_cache_misses_total", rocksdb::BLOCK_CACHE_MISS,
     "Block cache misses (RocksDB BLOCK_CACHE_MISS)."},
};

struct Property {
  const char* name;
  const char* property;
  const char* help;
};
constexpr Property kProperties[] = {
    {"samepage_store_estimated_keys", "rocksdb.estimate-num-keys",
     "Estimated keys over all column families (RocksDB rocksdb.estimate-num-keys)."},
    {"samepage_store_live_data_bytes", "rocksdb.estimate-live-data-size",
     "Estimated live data size (RocksDB rocksdb.estimate-live-data-size)."},
    {"samepage_store_memtable_bytes", "rocksdb.cur-size-all-mem-tables",
     "Memory held by memtables (RocksDB rocksdb.cur-size-all-mem-tables)."},
};

}  // namespace

void AppendStoreMetrics(const std::vector<std::pair<std::string, storage::Store*>>& stores,
                        PrometheusText& page) {
  for (const Ticker& t : kTickers) {
    page.Family(t.name, "counter", t.help);
    for (const auto& [service, store] : stores) {
      std::shared_ptr<rocksdb::Statistics> stats = store->db()->GetDBOptions().statistics;
      if (stats == nullptr) continue;
      page.Sample(t.name, {{"service", service}},
                  static_cast<double>(stats->getTickerCount(t.ticker)));
    }
  }
  for (const Property& p : kProperties) {
    page.Family(p.name, "gauge", p.help);
    for (const auto& [service, store] : stores) {
      uint64_t value = 0;
      if (store->db()->GetAggregatedIntProperty(p.property, &value)) {
        page.Sample(p.name, {{"service", service}}, static_cast<double>(value));
      }
    }
  }
  page.Family("samepage_store_latest_revision", "gauge",
              "Revision of the newest event in the service's event log.");
  for (const auto& [service, store] : stores) {
    page.Sample("samepage_store_latest_revision", {{"service", service}},
                static_cast<double>(store->LatestRevision()));
  }
}

void AppendConsumerMetrics(const std::vector<ConsumerProgress>& consumers, PrometheusText& page) {
  page.Family("samepage_event_consumer_cursor", "gauge",
              "Revision of the last event an event consumer has handled.");
  for (const ConsumerProgress& c : consumers) {
    page.Sample("samepage_event_consumer_cursor", {{"consumer", c.name}},
                static_cast<double>(c.cursor));
  }
  page.Family("samepage_event_consumer_lag", "gauge",
              "Events of the producer's log an event consumer has not handled yet.");
  for (const ConsumerProgress& c : consumers) {
    page.Sample("samepage_event_consumer_lag", {{"consumer", c.name}},
                static_cast<double>(std::max<int64_t>(0, c.seen - c.cursor)));
  }
}

}  // namespace samepage::observe
