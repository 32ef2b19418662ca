#include "common/identity/authenticate.h"

#include <iterator>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"

namespace samepage::identity {

absl::StatusOr<Caller> AuthenticateMetadata(
    const std::multimap<grpc::string_ref, grpc::string_ref>& client_metadata,
    const Verifier& verifier, absl::Time now) {
  // gRPC lower-cases metadata keys on the wire, so one spelling suffices.
  auto [begin, end] = client_metadata.equal_range("authorization");
  if (begin == end) {
    return absl::UnauthenticatedError("missing bearer token (authorization metadata)");
  }
  if (std::next(begin) != end) {
    // Two credentials make "who is calling" ambiguous; refuse to pick one.
    return absl::UnauthenticatedError("more than one authorization metadata entry");
  }
  absl::string_view value(begin->second.data(), begin->second.size());
  // RFC 7235: the scheme is case-insensitive.
  constexpr absl::string_view kScheme = "bearer ";
  if (value.size() < kScheme.size() ||
      !absl::EqualsIgnoreCase(value.substr(0, kScheme.size()), kScheme)) {
    return absl::UnauthenticatedError("authorization metadata is not a Bearer token");
  }
  absl::string_view token = absl::StripAsciiWhitespace(value.substr(kScheme.size()));
  if (token.empty()) {
    return absl::UnauthenticatedError("missing bearer token (empty)");
  }
  return verifier.Verify(token, now);
}

}  // namespace samepage::identity
