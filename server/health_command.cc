#include "server/health_command.h"

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"

namespace samepage::server {
namespace {

constexpr char kUsage[] =
    "usage: samepaged health [--server HOST:PORT] [--service NAME] [--timeout DURATION]\n"
    "Exit 0 when the server (or the named gRPC service) answers SERVING to grpc.health.v1.\n";

// grpc.health.v1.HealthCheckRequest{service}: field 1, length-delimited. The
// messages are two fields; encoding them here spares the binary the
// generated health code.
std::string EncodeRequest(const std::string& service) {
  std::string out;
  if (service.empty()) return out;
  out.push_back(0x0a);
  size_t n = service.size();
  while (n >= 0x80) {
    out.push_back(static_cast<char>((n & 0x7f) | 0x80));
    n >>= 7;
  }
  out.push_back(static_cast<char>(n));
  return out + service;
}

// HealthCheckResponse.status (field 1, varint); SERVING is 1. An absent
// field is UNKNOWN (0).
int DecodeStatus(const std::string& bytes) {
  if (bytes.size() >= 2 && bytes[0] == 0x08) return static_cast<unsigned char>(bytes[1]);
  return 0;
}

}  // namespace

int RunHealthCommand(int argc, char** argv) {
  std::string server = "127.0.0.1:50051";
  std::string service;
  absl::Duration timeout = absl::Seconds(3);
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::printf("%s", kUsage);
      return 0;
    }
    std::string value;
    auto take = [&](absl::string_view name) {
      if (absl::ConsumePrefix(&arg, absl::StrCat("--", name, "="))) {
        value = std::string(arg);
        return true;
      }
      if (arg == absl::StrCat("--", name) && i + 1 < argc) {
        value = argv[++i];
        return true;
      }
      return false;
    };
    if (take("server")) {
      server = value;
    } else if (take("service")) {
      service = value;
    } else if (take("timeout")) {
      if (!absl::ParseDuration(value, &timeout)) {
        std::fprintf(stderr, "samepaged health: --timeout: \"%s\" is not a duration\n%s",
                     value.c_str(), kUsage);
        return 2;
      }
    } else {
      std::fprintf(stderr, "samepaged health: unknown argument \"%s\"\n%s", argv[i], kUsage);
      return 2;
    }
  }
  grpc::GenericStub stub(grpc::CreateChannel(server, grpc::InsecureChannelCredentials()));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() +
                   std::chrono::milliseconds(absl::ToInt64Milliseconds(timeout)));
  std::string request_bytes = EncodeRequest(service);
  grpc::Slice slice(request_bytes);
  grpc::ByteBuffer request(&slice, 1);
  grpc::ByteBuffer response;
  grpc::Status status;
  absl::Notification done;
  stub.UnaryCall(&ctx, "/grpc.health.v1.Health/Check", grpc::StubOptions(), &request, &response,
                 [&](grpc::Status s) {
                   status = std::move(s);
                   done.Notify();
                 });
  done.WaitForNotification();
  if (!status.ok()) {
    std::fprintf(stderr, "samepaged health: %s: %s\n", server.c_str(),
                 status.error_message().c_str());
    return 1;
  }
  std::vector<grpc::Slice> slices;
  std::string bytes;
  if (response.Dump(&slices).ok()) {
    for (const grpc::Slice& s : slices) {
      bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
    }
  }
  int serving_status = DecodeStatus(bytes);
  std::printf("%s%s%s: %s\n", server.c_str(), service.empty() ? "" : " ", service.c_str(),
              serving_status == 1 ? "SERVING" : "NOT_SERVING");
  return serving_status == 1 ? 0 : 1;
}

}  // namespace samepage::server
