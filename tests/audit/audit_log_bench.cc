// Throughput of the audit trail under concurrent calls: `threads` callers
// each record `per_thread` entries one after another, waiting for each to be
// durable (as an RPC does), on a real RocksDB with synced writes. Prints
// entries per second and how many synced batches carried them. Not a test:
// run it by hand, e.g. build-x/tests/audit/audit_log_bench 64 200 [DIR].

#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "common/audit/audit_log.h"
#include "common/clock/clock.h"
#include "common/storage/keyring.h"
#include "common/storage/store.h"
#include "tests/testing/temp_dir.h"

int main(int argc, char** argv) {
  using namespace samepage;
  int threads = argc > 1 ? std::atoi(argv[1]) : 64;
  int per_thread = argc > 2 ? std::atoi(argv[2]) : 200;
  testing::TempDir temp;
  std::string dir = argc > 3 ? argv[3] : temp.path();
  auto keys = storage::Keyring::Parse(storage::Keyring::NewKeyLine(), "bench");
  auto store = storage::Store::Open(
      {.path = dir + "/bench", .column_families = {audit::kAuditColumnFamily},
       .keyring = keys->get()});
  if (!store.ok()) {
    std::fprintf(stderr, "%s\n", store.status().ToString().c_str());
    return 1;
  }
  SystemClock clock;
  auto log = audit::AuditLog::Start(store->get(), &clock, "bench");
  if (!log.ok()) return 1;
  absl::Time start = absl::Now();
  std::vector<std::thread> callers;
  for (int t = 0; t < threads; ++t) {
    callers.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i) {
        absl::Notification done;
        (*log)->Record({.subject = "people/p" + std::to_string(t),
                        .method = "/samepage.registry.v1.CaseRegistry/GetCase",
                        .resource = "cases/c-" + std::to_string(i)},
                       [&done](absl::Status) { done.Notify(); });
        done.WaitForNotification();
      }
    });
  }
  for (auto& c : callers) c.join();
  double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  int64_t entries = static_cast<int64_t>(threads) * per_thread;
  const int64_t batches = (*log)->progress().batches;
  std::printf("%d callers x %d entries: %.0f entries/s, %lld synced batches (%.1f entries each)\n",
              threads, per_thread, entries / seconds, static_cast<long long>(batches),
              static_cast<double>(entries) / batches);
  return 0;
}
