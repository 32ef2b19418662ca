#pragma once

#include <grpcpp/support/string_ref.h>

#include <map>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/identity/caller.h"
#include "common/identity/verifier.h"

namespace samepage::identity {

// The gRPC edge: reads "authorization: Bearer <token>" from a call's client
// metadata (grpc::ServerContext::client_metadata() or
// CallbackServerContext's) and verifies the token. UNAUTHENTICATED when the
// header is missing, repeated, not a Bearer credential, or the token does not
// verify.
absl::StatusOr<Caller> AuthenticateMetadata(
    const std::multimap<grpc::string_ref, grpc::string_ref>& client_metadata,
    const Verifier& verifier, absl::Time now);

}  // namespace samepage::identity
