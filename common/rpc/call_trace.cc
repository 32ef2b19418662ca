#include "common/rpc/call_trace.h"

#include <cstdint>

#include "absl/random/random.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace samepage::rpc {
namespace {

bool SaneRequestId(absl::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != ':' &&
        c != '-') {
      return false;
    }
  }
  return true;
}

}  // namespace

std::string NewRequestId() {
  // Per-thread generator: ids need to be unique, not secret.
  thread_local absl::BitGen gen;
  return absl::StrFormat("%016x%016x", absl::Uniform<uint64_t>(gen), absl::Uniform<uint64_t>(gen));
}

std::string RequestIdOf(const grpc::ServerContextBase& ctx) {
  auto [begin, end] = ctx.client_metadata().equal_range(kRequestIdKey);
  if (begin != end && std::next(begin) == end) {
    absl::string_view id(begin->second.data(), begin->second.size());
    if (SaneRequestId(id)) return std::string(id);
  }
  return NewRequestId();
}

std::string MethodOf(const google::protobuf::Descriptor* message, bool as_response) {
  const google::protobuf::FileDescriptor* file = message->file();
  for (int s = 0; s < file->service_count(); ++s) {
    const google::protobuf::ServiceDescriptor* service = file->service(s);
    for (int m = 0; m < service->method_count(); ++m) {
      const google::protobuf::MethodDescriptor* method = service->method(m);
      if ((as_response ? method->output_type() : method->input_type()) == message) {
        return absl::StrCat("/", service->full_name(), "/", method->name());
      }
    }
  }
  return message->full_name();
}

}  // namespace samepage::rpc
