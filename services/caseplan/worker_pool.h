#pragma once

#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace samepage::caseplan {

// A few threads that run calls which wait on other services. gRPC's
// callback server runs handlers on a small fixed set of threads (two on a
// two-core host); a note read waits on the sharing service, which itself
// waits on the registry — three handlers deep, more than those threads when
// all services share one process. Running the note calls here leaves the
// callback threads to the peers. Tasks queued when the pool is destroyed
// still run (their calls must finish for the server to shut down).
class WorkerPool {
 public:
  explicit WorkerPool(int threads);
  ~WorkerPool();

  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  void Run(std::function<void()> task);

 private:
  void Loop();

  absl::Mutex mu_;
  std::deque<std::function<void()>> tasks_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace samepage::caseplan
