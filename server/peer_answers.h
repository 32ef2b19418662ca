#pragma once

#include <initializer_list>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

// What a service tells its caller when a peer it asked answers with an
// error; the same whether the peer is hosted here (local_peers.h) or
// elsewhere (grpc_peers.h). A peer failing for its own reasons is the
// service's problem, UNAVAILABLE to its caller, naming the peer; only the
// peer's answers about the thing asked for pass through.
namespace samepage::server::peer_answers {

template <typename T>
absl::StatusOr<T> Answer(absl::string_view peer, std::initializer_list<absl::StatusCode> passed,
                         absl::StatusOr<T> result) {
  if (result.ok()) return result;
  for (absl::StatusCode code : passed) {
    if (result.status().code() == code) return result;
  }
  return absl::UnavailableError(absl::StrCat(peer, ": ", result.status().message()));
}

// Asked as a service, about someone else: only "no such thing" passes.
template <typename T>
absl::StatusOr<T> AsService(absl::string_view peer, absl::StatusOr<T> result) {
  return Answer(peer, {absl::StatusCode::kNotFound}, std::move(result));
}

// An information request handled on the caller's behalf: the sharing
// service's answer about the caller (not theirs, already fulfilled,
// malformed) is the caller's answer.
template <typename T>
absl::StatusOr<T> ForCaller(absl::string_view peer, absl::StatusOr<T> result) {
  return Answer(peer,
                {absl::StatusCode::kNotFound, absl::StatusCode::kPermissionDenied,
                 absl::StatusCode::kFailedPrecondition, absl::StatusCode::kInvalidArgument,
                 absl::StatusCode::kAborted},
                std::move(result));
}

// The registry asking the directory, for the caller, whether a person or
// organisation named in a request exists.
template <typename T>
absl::StatusOr<T> FromDirectory(absl::StatusOr<T> result) {
  return Answer("directory", {absl::StatusCode::kNotFound, absl::StatusCode::kPermissionDenied},
                std::move(result));
}

inline constexpr char kRegistry[] = "case registry";
inline constexpr char kDirectory[] = "directory";
inline constexpr char kSharing[] = "sharing service";

// A team larger than this is not a case team; stop paging rather than loop.
inline constexpr int kMaxAssignmentPages = 20;

}  // namespace samepage::server::peer_answers
