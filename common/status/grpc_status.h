#pragma once

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace samepage {

// The one place where an absl::Status becomes a grpc::Status. The codes share
// their numbering, so the mapping is exact.
grpc::Status ToGrpcStatus(const absl::Status& status);

// The reverse, for results of calls to peer services.
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace samepage
