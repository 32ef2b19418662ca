#pragma once

// What every command group does to call the server: one unary call with the
// invocation's token and deadline, paged lists, and the flags that go with
// them.

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "cli/args.h"
#include "cli/command.h"
#include "cli/connection.h"
#include "cli/flag_values.h"

namespace samepage::cli {

// `--all` stops following page tokens after this many pages: a safeguard
// against a server that never ends a listing.
inline constexpr int kMaxPages = 10000;

// Calls one unary method of `Stub` with the invocation's token and deadline.
template <typename Stub, typename Request, typename Response>
absl::Status Call(Invocation& invocation,
                  grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
                  const Request& request, Response* response) {
  absl::StatusOr<Connection*> connection = invocation.connection();
  if (!connection.ok()) return connection.status();
  Stub stub((*connection)->channel());
  std::unique_ptr<grpc::ClientContext> context = (*connection)->NewContext();
  return (*connection)->Check((stub.*method)(context.get(), request, response));
}

// One page, or with `all` every page merged into the first response.
template <typename Stub, typename Request, typename Response, typename Item>
absl::StatusOr<Response> Pages(Invocation& invocation, Request request,
                               grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&,
                                                            Response*),
                               google::protobuf::RepeatedPtrField<Item>* (Response::*items)(),
                               bool all) {
  Response merged;
  for (int page = 0;; ++page) {
    Response response;
    if (absl::Status s = Call(invocation, method, request, &response); !s.ok()) return s;
    if (page == 0) {
      merged = response;
    } else {
      for (Item& item : *(response.*items)()) *(merged.*items)()->Add() = std::move(item);
      merged.set_next_page_token(response.next_page_token());
    }
    if (!all || response.next_page_token().empty()) break;
    if (page + 1 >= kMaxPages || response.next_page_token() == request.page_token()) {
      return absl::InternalError("the server keeps returning pages; stopped following them");
    }
    request.set_page_token(response.next_page_token());
  }
  return merged;
}

// Applies --page-size and --page-token to a list request.
template <typename Request>
absl::Status SetPaging(const ParsedArgs& args, Request* request) {
  if (args.Has("page-size")) {
    absl::StatusOr<int64_t> size = ParseCount("page-size", args.Get("page-size"));
    if (!size.ok()) return size.status();
    if (*size > 1000000) return UsageError("--page-size: too large");
    request->set_page_size(static_cast<int32_t>(*size));
  }
  request->set_page_token(args.Get("page-token"));
  return absl::OkStatus();
}

// `more` plus --page-size, --page-token and --all.
inline std::vector<FlagSpec> PagingFlags(std::vector<FlagSpec> more) {
  more.push_back({"page-size", "N"});
  more.push_back({"page-token", "TOKEN"});
  more.push_back({"all", ""});
  return more;
}

// A line telling how to get the next page; empty on the last one.
inline std::string MoreNote(const std::string& next_page_token) {
  if (next_page_token.empty()) return "";
  return absl::StrCat("(more: add --page-token ", next_page_token, ", or --all for everything)\n");
}

// The value of a flag the command cannot do without. An empty value passes:
// the server then names the field it needs.
inline absl::StatusOr<std::string> Required(const ParsedArgs& args, absl::string_view flag) {
  if (!args.Has(flag)) return UsageError(absl::StrCat("--", flag, " is required"));
  return args.Get(flag);
}

// As Required, and not empty.
inline absl::StatusOr<std::string> RequiredNonEmpty(const ParsedArgs& args,
                                                    absl::string_view flag) {
  if (!args.Has(flag) || args.Get(flag).empty()) {
    return UsageError(absl::StrCat("--", flag, " is required"));
  }
  return args.Get(flag);
}

}  // namespace samepage::cli
