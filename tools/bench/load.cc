#include "tools/bench/load.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <random>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"

namespace samepage::bench {

void Latencies::Add(int64_t ns, bool ok) {
  absl::MutexLock lock(&mu_);
  ns_.push_back(ns);
  sorted_ = false;
  if (!ok) ++errors_;
}

int64_t Latencies::count() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int64_t>(ns_.size());
}

int64_t Latencies::errors() const {
  absl::MutexLock lock(&mu_);
  return errors_;
}

std::string Latencies::first_error() const {
  absl::MutexLock lock(&mu_);
  return first_error_;
}

void Latencies::set_error(const std::string& e) {
  absl::MutexLock lock(&mu_);
  if (first_error_.empty()) first_error_ = e;
}

double Latencies::QuantileMicros(double q) const {
  absl::MutexLock lock(&mu_);
  if (ns_.empty()) return 0;
  if (!sorted_) {
    std::sort(ns_.begin(), ns_.end());
    sorted_ = true;
  }
  size_t i = std::min(ns_.size() - 1, static_cast<size_t>(q * static_cast<double>(ns_.size())));
  return static_cast<double>(ns_[i]) / 1000.0;
}

void Latencies::Merge(const Latencies& other) {
  std::vector<int64_t> ns;
  int64_t errors = 0;
  std::string first_error;
  {
    absl::MutexLock lock(&other.mu_);
    ns = other.ns_;
    errors = other.errors_;
    first_error = other.first_error_;
  }
  absl::MutexLock lock(&mu_);
  ns_.insert(ns_.end(), ns.begin(), ns.end());
  sorted_ = false;
  errors_ += errors;
  if (first_error_.empty()) first_error_ = first_error;
}

void RunResult::Merge(const RunResult& other) {
  elapsed += other.elapsed;
  for (const auto& [name, l] : other.per_op) {
    std::unique_ptr<Latencies>& mine = per_op[name];
    if (mine == nullptr) mine = std::make_unique<Latencies>();
    mine->Merge(*l);
  }
}

int64_t RunResult::total() const {
  int64_t n = 0;
  for (const auto& [name, l] : per_op) n += l->count();
  return n;
}

int64_t RunResult::errors() const {
  int64_t n = 0;
  for (const auto& [name, l] : per_op) n += l->errors();
  return n;
}

namespace {

// One closed loop: completes a call, records it, starts the next.
struct Driver {
  const std::vector<WeightedOp>* mix;
  std::vector<int> cumulative;
  std::vector<Latencies*> stats;
  absl::Time end;
  std::atomic<int> running{0};
  absl::Notification all_done;

  void Next(int slot, int64_t n, uint64_t seed) {
    if (absl::Now() >= end) {
      if (--running == 0) all_done.Notify();
      return;
    }
    // A cheap per-slot generator: the mix is chosen by weight.
    uint64_t x = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    int pick = static_cast<int>((x >> 33) % static_cast<uint64_t>(cumulative.back()));
    size_t op = std::upper_bound(cumulative.begin(), cumulative.end(), pick) - cumulative.begin();
    auto start = std::chrono::steady_clock::now();
    Latencies* stat = stats[op];
    (*mix)[op].issue(slot, n, [this, slot, n, x, start, stat](const grpc::Status& status) {
      int64_t ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                       std::chrono::steady_clock::now() - start)
                       .count();
      stat->Add(ns, status.ok());
      if (!status.ok()) stat->set_error(std::to_string(status.error_code()) + " " + status.error_message());
      Next(slot, n + 1, x);
    });
  }
};

}  // namespace

RunResult RunFor(const std::vector<WeightedOp>& mix, int concurrency, absl::Duration duration) {
  RunResult result;
  Driver driver;
  driver.mix = &mix;
  int sum = 0;
  for (const WeightedOp& op : mix) {
    sum += op.weight;
    driver.cumulative.push_back(sum);
    auto& l = result.per_op[op.name];
    if (l == nullptr) l = std::make_unique<Latencies>();
    driver.stats.push_back(l.get());
  }
  absl::Time start = absl::Now();
  driver.end = start + duration;
  driver.running = concurrency;
  for (int slot = 0; slot < concurrency; ++slot) {
    driver.Next(slot, 0, 0x9e3779b97f4a7c15ULL * static_cast<uint64_t>(slot + 1));
  }
  // Calls carry deadlines, so every loop ends.
  driver.all_done.WaitForNotificationWithTimeout(duration + absl::Seconds(60));
  result.elapsed = absl::Now() - start;
  return result;
}

int64_t RunCount(int64_t count, int concurrency,
                 const std::function<void(int64_t, std::function<void(const grpc::Status&)>)>& issue,
                 const std::function<void(int64_t, const grpc::Status&)>& on_error) {
  std::atomic<int64_t> next{0};
  std::atomic<int64_t> failed{0};
  std::atomic<int> running{concurrency};
  absl::Notification done;
  std::function<void()> start_one = [&] {
    int64_t i = next++;
    if (i >= count) {
      if (--running == 0) done.Notify();
      return;
    }
    issue(i, [&, i](const grpc::Status& status) {
      if (!status.ok()) {
        ++failed;
        if (on_error) on_error(i, status);
      }
      start_one();
    });
  };
  for (int slot = 0; slot < concurrency; ++slot) start_one();
  done.WaitForNotification();
  return failed.load();
}

void PrintResult(const std::string& title, const RunResult& result) {
  double seconds = absl::ToDoubleSeconds(result.elapsed);
  std::printf("%s (%.1f s)\n", title.c_str(), seconds);
  std::printf("  %-22s %10s %10s %10s %10s %8s\n", "operation", "per sec", "p50 us", "p99 us",
              "p99.9 us", "errors");
  for (const auto& [name, l] : result.per_op) {
    std::printf("  %-22s %10.0f %10.0f %10.0f %10.0f %8lld\n", name.c_str(),
                static_cast<double>(l->count()) / seconds, l->QuantileMicros(0.5),
                l->QuantileMicros(0.99), l->QuantileMicros(0.999),
                static_cast<long long>(l->errors()));
    if (!l->first_error().empty()) std::printf("    first error: %s\n", l->first_error().c_str());
  }
  std::printf("  %-22s %10.0f\n", "all", static_cast<double>(result.total()) / seconds);
  std::fflush(stdout);
}

double ResidentMiB(int pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) {
      std::vector<std::string> parts = absl::StrSplit(line, ' ', absl::SkipEmpty());
      int64_t kb = 0;
      if (parts.size() >= 2 && absl::SimpleAtoi(parts[1], &kb)) return static_cast<double>(kb) / 1024;
    }
  }
  return -1;
}

}  // namespace samepage::bench
