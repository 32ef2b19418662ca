#include "tests/fuzz/fuzz_world.h"

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/support/client_callback.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/identity/caller.h"
#include "google/protobuf/dynamic_message.h"
#include "google/protobuf/message.h"
#include "google/protobuf/text_format.h"
#include "samepage/caseplan/v1/caseplan_service.pb.h"
#include "samepage/directory/v1/directory_service.pb.h"
#include "samepage/registry/v1/registry_service.pb.h"
#include "samepage/sharing/v1/sharing_service.pb.h"

namespace samepage::fuzz {
namespace {

namespace pb = ::google::protobuf;

// Generous: a call that takes this long on loopback is a hang, not load.
constexpr absl::Duration kCallDeadline = absl::Seconds(20);
// A watch stream never ends by itself; read a few events, then hang up.
constexpr absl::Duration kWatchDeadline = absl::Milliseconds(200);
constexpr int kWatchEvents = 3;

std::chrono::system_clock::time_point DeadlineIn(absl::Duration d) {
  return std::chrono::system_clock::now() +
         std::chrono::microseconds(absl::ToInt64Microseconds(d));
}

grpc::ByteBuffer ToBuffer(const std::string& bytes) {
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

// Stable across runs and machines (absl::Hash is not), so that a seed keeps
// its file name.
uint64_t Fnv1a(const std::string& bytes) {
  uint64_t hash = 14695981039346656037ull;
  for (unsigned char c : bytes) hash = (hash ^ c) * 1099511628211ull;
  return hash;
}

std::string MethodPath(const pb::MethodDescriptor& method) {
  return absl::StrCat("/", method.service()->full_name(), "/", method.name());
}

// Reads a server stream opened with the request, up to kWatchEvents
// messages, then cancels; done when the call is.
class StreamReader : public grpc::ClientBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
 public:
  StreamReader(grpc::ClientContext* ctx, grpc::ByteBuffer request)
      : ctx_(ctx), request_(std::move(request)) {}

  void Begin() {
    StartWriteLast(&request_, grpc::WriteOptions());
    StartRead(&response_);
    StartCall();
  }
  void OnReadDone(bool ok) override {
    if (!ok) return;
    if (++read_ < kWatchEvents) {
      StartRead(&response_);
    } else {
      ctx_->TryCancel();
    }
  }
  void OnDone(const grpc::Status& status) override {
    status_ = status;
    done_.Notify();
  }
  grpc::Status Wait() {
    done_.WaitForNotification();
    return status_;
  }

 private:
  grpc::ClientContext* ctx_;
  grpc::ByteBuffer request_;
  grpc::ByteBuffer response_;
  int read_ = 0;
  grpc::Status status_;
  absl::Notification done_;
};

}  // namespace

bool IsAcceptable(grpc::StatusCode code, bool streaming) {
  switch (code) {
    case grpc::StatusCode::OK:
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::NOT_FOUND:
    case grpc::StatusCode::ALREADY_EXISTS:
    case grpc::StatusCode::PERMISSION_DENIED:
    case grpc::StatusCode::UNAUTHENTICATED:
    case grpc::StatusCode::FAILED_PRECONDITION:
    case grpc::StatusCode::ABORTED:
    case grpc::StatusCode::OUT_OF_RANGE:
      return true;
    case grpc::StatusCode::CANCELLED:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      // Only the fuzzer's own hang-up of a stream.
      return streaming;
    default:
      // INTERNAL, UNKNOWN, UNAVAILABLE, RESOURCE_EXHAUSTED, ...: a request
      // reached a state the code calls impossible, or a peer call failed.
      return false;
  }
}

const pb::ServiceDescriptor* World::Service(const std::string& service) {
  // Through the generated messages, so that their files are linked in.
  if (service == "directory") {
    return directory::v1::CreatePersonRequest::descriptor()->file()->FindServiceByName(
        "Directory");
  }
  if (service == "registry") {
    return registry::v1::CreateCaseRequest::descriptor()->file()->FindServiceByName(
        "CaseRegistry");
  }
  if (service == "caseplan") {
    return caseplan::v1::CreateNoteRequest::descriptor()->file()->FindServiceByName("CasePlans");
  }
  if (service == "sharing") {
    return sharing::v1::CreateConsentRequest::descriptor()->file()->FindServiceByName("Sharing");
  }
  return nullptr;
}

absl::StatusOr<std::unique_ptr<World>> World::Start() {
  std::unique_ptr<World> world(new World());
  server::ServerOptions options;
  options.listen_address = "127.0.0.1:0";
  options.data_dir = world->dir_.path();
  options.dev_mode = true;
  // Millions of calls from a dozen callers: the rate limit would answer most
  // of them before they reach a service.
  options.rate_limit_per_second = 0;
  auto host = server::ServerHost::Start(options);
  if (!host.ok()) return host.status();
  world->host_ = *std::move(host);
  auto issuer = identity::DevTokenIssuer::Load(world->dir_.path());
  if (!issuer.ok()) return issuer.status();
  world->issuer_ = *std::move(issuer);
  world->channel_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", world->host_->port()),
                                        grpc::InsecureChannelCredentials());

  const std::pair<As, std::string> people[] = {
      {As::kAlma, "alma"}, {As::kDana, "dana"},     {As::kSam, "sam"},
      {As::kTheo, "theo"}, {As::kUrsula, "ursula"}, {As::kJoan, "joan"},
      {As::kBea, "bea"},   {As::kGail, "gail"},
  };
  world->tokens_.resize(kCallerCount);
  // Long-lived: a long fuzzing run must not see its tokens expire.
  const absl::Duration ttl = absl::Hours(24 * 30);
  auto issue = [&](As as, const std::string& subject,
                   std::vector<std::string> scopes) -> absl::Status {
    auto token = world->issuer_->Issue(subject, scopes, ttl, absl::Now());
    if (!token.ok()) return token.status();
    world->tokens_[static_cast<int>(as)] = *token;
    return absl::OkStatus();
  };
  absl::Status issued = issue(As::kAdmin, "admin", {identity::kAdminScope});
  for (const auto& [as, id] : people) {
    if (issued.ok()) issued = issue(as, "people/" + id, {});
  }
  if (issued.ok()) issued = issue(As::kService, "service", {identity::kServiceScope});
  if (!issued.ok()) return issued;
  world->tokens_[static_cast<int>(As::kForged)] = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZG1pbiJ9.";

  absl::Status setup = world->Setup();
  if (!setup.ok()) return setup;
  return world;
}

World::~World() { Shutdown(); }

void World::Shutdown() {
  if (host_ != nullptr) host_->Shutdown(absl::Seconds(2));
  host_.reset();
}

std::string World::Token(As as) const { return tokens_[static_cast<int>(as)]; }

absl::Status World::Setup() {
  for (const Call& call : SetupCalls()) {
    const pb::ServiceDescriptor* service = Service(call.service);
    const pb::MethodDescriptor* method =
        service == nullptr ? nullptr : service->FindMethodByName(call.method);
    if (method == nullptr) {
      return absl::InternalError(absl::StrCat("no method ", call.service, ".", call.method));
    }
    std::unique_ptr<pb::Message> request(
        pb::MessageFactory::generated_factory()->GetPrototype(method->input_type())->New());
    if (!pb::TextFormat::ParseFromString(call.request, request.get())) {
      return absl::InternalError(absl::StrCat("set-up ", call.method, ": request does not parse"));
    }
    grpc::Status status = CallUnary(*method, call.as, request->SerializeAsString());
    if (!status.ok()) {
      return absl::InternalError(absl::StrCat("set-up ", call.method, " (", call.request,
                                              "): ", status.error_message()));
    }
  }
  return absl::OkStatus();
}

grpc::Status World::CallUnary(const pb::MethodDescriptor& method, As as,
                              const std::string& request) {
  grpc::ClientContext ctx;
  const std::string token = Token(as);
  if (!token.empty()) ctx.AddMetadata("authorization", "Bearer " + token);
  ctx.set_deadline(DeadlineIn(kCallDeadline));
  grpc::GenericStub stub(channel_);
  grpc::ByteBuffer request_buffer = ToBuffer(request);
  grpc::ByteBuffer response;
  grpc::Status status;
  absl::Notification done;
  stub.UnaryCall(&ctx, MethodPath(method), grpc::StubOptions(), &request_buffer, &response,
                 [&](grpc::Status s) {
                   status = std::move(s);
                   done.Notify();
                 });
  done.WaitForNotification();
  if (status.ok()) {
    // The answer must be the method's response message.
    std::unique_ptr<pb::Message> reply(
        pb::MessageFactory::generated_factory()->GetPrototype(method.output_type())->New());
    std::vector<grpc::Slice> slices;
    std::string bytes;
    if (response.Dump(&slices).ok()) {
      for (const grpc::Slice& s : slices) bytes.append(s.begin(), s.end());
    }
    if (!reply->ParseFromString(bytes)) {
      return grpc::Status(grpc::StatusCode::INTERNAL, "the response does not parse");
    }
  }
  return status;
}

grpc::Status World::CallStreaming(const pb::MethodDescriptor& method, As as,
                                  const std::string& request) {
  grpc::ClientContext ctx;
  const std::string token = Token(as);
  if (!token.empty()) ctx.AddMetadata("authorization", "Bearer " + token);
  ctx.set_deadline(DeadlineIn(kWatchDeadline));
  grpc::GenericStub stub(channel_);
  StreamReader reader(&ctx, ToBuffer(request));
  stub.PrepareBidiStreamingCall(&ctx, MethodPath(method), grpc::StubOptions(), &reader);
  reader.Begin();
  return reader.Wait();
}

int World::RunInput(const std::string& service_name, const uint8_t* data, size_t size) {
  if (size < 2) return -1;
  const pb::ServiceDescriptor* service = Service(service_name);
  const pb::MethodDescriptor* method = service->method(data[0] % service->method_count());
  const As as = static_cast<As>(data[1] % kCallerCount);
  std::unique_ptr<pb::Message> request(
      pb::MessageFactory::generated_factory()->GetPrototype(method->input_type())->New());
  if (!request->ParseFromArray(data + 2, static_cast<int>(size - 2))) return -1;
  // Sent as parsed and serialized again: the server sees what a generated
  // client would send, unknown fields included.
  const bool streaming = method->server_streaming() || method->client_streaming();
  grpc::Status status = streaming ? CallStreaming(*method, as, request->SerializeAsString())
                                  : CallUnary(*method, as, request->SerializeAsString());
  if (!IsAcceptable(status.error_code(), streaming)) {
    std::fprintf(stderr, "%s as caller %d answered %d: %s\nrequest: %s\n",
                 MethodPath(*method).c_str(), static_cast<int>(as),
                 static_cast<int>(status.error_code()), status.error_message().c_str(),
                 request->ShortDebugString().c_str());
    std::abort();
  }
  return 0;
}

absl::Status World::WriteSeeds(const std::string& service_name, const std::string& dir) {
  const pb::ServiceDescriptor* service = Service(service_name);
  if (service == nullptr) return absl::InvalidArgumentError("no service " + service_name);
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) return absl::InternalError(absl::StrCat(dir, ": ", error.message()));
  for (const std::vector<Call>* calls : {&SetupCalls(), &ProbeCalls()}) {
    for (const Call& call : *calls) {
      if (call.service != service_name) continue;
      const pb::MethodDescriptor* method = service->FindMethodByName(call.method);
      if (method == nullptr) {
        return absl::InternalError(absl::StrCat("no method ", service_name, ".", call.method));
      }
      std::unique_ptr<pb::Message> request(
          pb::MessageFactory::generated_factory()->GetPrototype(method->input_type())->New());
      if (!pb::TextFormat::ParseFromString(call.request, request.get())) {
        return absl::InternalError(absl::StrCat("seed ", call.method, ": request does not parse"));
      }
      std::string input;
      input.push_back(static_cast<char>(method->index()));
      input.push_back(static_cast<char>(call.as));
      input += request->SerializeAsString();
      const std::string path =
          absl::StrFormat("%s/seed-%s-%016x", dir, call.method, Fnv1a(input));
      std::ofstream out(path, std::ios::binary | std::ios::trunc);
      out << input;
      if (!out) return absl::InternalError(absl::StrCat(path, ": cannot write"));
    }
  }
  return absl::OkStatus();
}

}  // namespace samepage::fuzz
