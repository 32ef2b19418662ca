#pragma once

// A closed-loop load driver over gRPC's callback client API: `concurrency`
// calls in flight at all times, each completion starting the next one, for
// a bounded time or a bounded count. Latencies are kept per operation.

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace samepage::bench {

// Latencies of one operation, in nanoseconds.
class Latencies {
 public:
  void Add(int64_t ns, bool ok);
  int64_t count() const;
  int64_t errors() const;
  std::string first_error() const;
  void set_error(const std::string& e);
  // The q-quantile (0..1) in microseconds; 0 when empty.
  double QuantileMicros(double q) const;
  // Adds `other`'s calls to these.
  void Merge(const Latencies& other);

 private:
  mutable absl::Mutex mu_;
  mutable std::vector<int64_t> ns_ ABSL_GUARDED_BY(mu_);
  mutable bool sorted_ ABSL_GUARDED_BY(mu_) = false;
  int64_t errors_ ABSL_GUARDED_BY(mu_) = 0;
  std::string first_error_ ABSL_GUARDED_BY(mu_);
};

// Starts one call and calls `done` with its status when it completes.
using Issue = std::function<void(std::function<void(const grpc::Status&)> done)>;

// Starts one asynchronous unary call with `token` and a deadline; keeps
// context, request and response alive until `done` has run.
template <typename Request, typename Response, typename AsyncMethod>
void CallAsync(AsyncMethod method, const std::string& token, Request request,
               std::function<void(const grpc::Status&, const Response&)> done,
               absl::Duration deadline = absl::Seconds(30)) {
  struct Call {
    grpc::ClientContext ctx;
    Request request;
    Response response;
  };
  auto* call = new Call;
  call->request = std::move(request);
  if (!token.empty()) call->ctx.AddMetadata("authorization", "Bearer " + token);
  call->ctx.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::microseconds(absl::ToInt64Microseconds(deadline)));
  method(&call->ctx, &call->request, &call->response,
         [call, done = std::move(done)](grpc::Status status) {
           done(status, call->response);
           delete call;
         });
}

struct WeightedOp {
  std::string name;
  int weight = 1;
  // `slot` is the caller's own index (0..concurrency-1), `n` how many calls
  // this slot has started, so that ops can spread over data deterministically.
  std::function<void(int slot, int64_t n, std::function<void(const grpc::Status&)> done)> issue;
};

struct RunResult {
  absl::Duration elapsed;
  std::map<std::string, std::unique_ptr<Latencies>> per_op;
  int64_t total() const;
  int64_t errors() const;
  // Adds `other`'s calls and time to these (runs of the same mix in rounds).
  void Merge(const RunResult& other);
};

// Runs the weighted mix from `concurrency` slots until `duration` has passed,
// then waits for calls in flight.
RunResult RunFor(const std::vector<WeightedOp>& mix, int concurrency, absl::Duration duration);

// Runs `issue(i, done)` for i in [0, count) with `concurrency` in flight.
// Returns how many failed; `on_error` hears each failure.
int64_t RunCount(int64_t count, int concurrency,
                 const std::function<void(int64_t i, std::function<void(const grpc::Status&)>)>& issue,
                 const std::function<void(int64_t i, const grpc::Status&)>& on_error = nullptr);

// Prints one line per operation: throughput, p50/p99/p99.9 and errors.
void PrintResult(const std::string& title, const RunResult& result);

// The resident memory of process `pid` in MiB (VmRSS), or -1.
double ResidentMiB(int pid);

}  // namespace samepage::bench
