#pragma once

#include "common/rpc/worker_pool.h"

namespace samepage::rpc {

// Where a service's unary handlers run.
//
// A handler that may wait (a durable write's fsync, a peer answering over
// gRPC) runs on a worker, never on gRPC's few callback threads (see
// WorkerPool). A read of this server's own state does not wait: when every
// peer the service calls is in this process (`reads_where_they_arrive`),
// reads run on the callback thread their call arrived on. That spares each
// read the hand-off to a worker, a wake-up and a context switch: about a
// quarter of the read mix's context switches (docs/PERFORMANCE.md). Note
// reads that may record a disclosure wait for its fsync, so they are not
// reads here.
class HandlerThreads {
 public:
  HandlerThreads(int max_workers, bool reads_where_they_arrive)
      : workers_(max_workers), reads_where_they_arrive_(reads_where_they_arrive) {}

  // For handlers that may wait.
  WorkerPool* workers() { return &workers_; }
  // For reads of this server's own state; null: on the arriving thread.
  WorkerPool* reads() { return reads_where_they_arrive_ ? nullptr : &workers_; }

 private:
  WorkerPool workers_;
  const bool reads_where_they_arrive_;
};

}  // namespace samepage::rpc
