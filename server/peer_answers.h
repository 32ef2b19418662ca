#pragma once

#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "samepage/registry/v1/registry_service.pb.h"

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

// Every assignment of `case_name` in `state` (STATE_UNSPECIFIED: all), page
// by page through `list_page` (one ListAssignments call, here or over gRPC),
// at most kMaxAssignmentPages pages.
template <typename ListPage>
absl::StatusOr<std::vector<registry::v1::Assignment>> AllAssignments(
    const std::string& case_name, registry::v1::Assignment::State state, ListPage list_page) {
  registry::v1::ListAssignmentsRequest req;
  req.set_parent(case_name);
  req.set_state(state);
  req.set_page_size(500);
  std::vector<registry::v1::Assignment> out;
  for (int page = 0; page < kMaxAssignmentPages; ++page) {
    absl::StatusOr<registry::v1::ListAssignmentsResponse> resp = list_page(req);
    if (!resp.ok()) return resp.status();
    out.insert(out.end(), resp->assignments().begin(), resp->assignments().end());
    if (resp->next_page_token().empty()) break;
    req.set_page_token(resp->next_page_token());
  }
  return out;
}

}  // namespace samepage::server::peer_answers
