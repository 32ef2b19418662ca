#pragma once

#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace samepage::rpc {

// Threads that run RPC handlers off gRPC's callback threads. The callback
// server has only a few of those (two on a two-core host), and our handlers
// wait: on an fsync, and on peers that may wait on further peers in the same
// process (a note read asks the sharing service, which asks the registry,
// which may ask the directory). Handlers that waited on callback threads
// could take them all and hang every call. The pool grows while every
// thread is busy, up to `max_threads`, so nested calls find a thread.
// Tasks queued when the pool is destroyed still run.
class WorkerPool {
 public:
  explicit WorkerPool(int max_threads);
  ~WorkerPool();

  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  void Run(std::function<void()> task);

 private:
  void Loop();

  const size_t max_threads_;
  absl::Mutex mu_;
  std::deque<std::function<void()>> tasks_ ABSL_GUARDED_BY(mu_);
  size_t idle_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_ ABSL_GUARDED_BY(mu_);
};

}  // namespace samepage::rpc
