#pragma once

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/identity/caller.h"

namespace samepage::identity {

// Turns a bearer token into the Caller it proves, or UNAUTHENTICATED saying
// why not. Implementations are safe for concurrent use.
class Verifier {
 public:
  virtual ~Verifier() = default;
  virtual absl::StatusOr<Caller> Verify(absl::string_view token, absl::Time now) const = 0;
};

}  // namespace samepage::identity
