#pragma once

#include <grpcpp/grpcpp.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/identity/dev_token_issuer.h"
#include "google/protobuf/descriptor.h"
#include "server/server_host.h"
#include "tests/testing/temp_dir.h"

namespace samepage::fuzz {

// Who a fuzz input calls as. The people hold the roles a real case team has,
// so that the same request reaches different branches of the authorisation
// code depending on the caller.
enum class As : uint8_t {
  kAdmin,      // platform administrator
  kAlma,       // administrator of the lead agency
  kDana,       // the case's dependency case manager
  kSam,        // her supervisor
  kTheo,       // the therapist
  kUrsula,     // the substance-use treatment provider
  kJoan,       // the judge
  kBea,        // the mother, a case subject with an account
  kGail,       // a stranger from another agency
  kService,    // a peer service
  kAnonymous,  // no token at all
  kForged,     // a token that does not verify
};
inline constexpr int kCallerCount = 12;

// One call of the world's set-up or of the seed corpus: a method of a
// service, the caller, and the request in protobuf text format.
struct Call {
  const char* service;  // short name: directory, registry, caseplan, sharing
  const char* method;
  As as;
  const char* request;
};

// A real server hosting every service on 127.0.0.1 (development mode, data
// in a temporary folder), with a small case already on it, and a client
// that calls any of its methods with bytes taken from a fuzz input.
//
// A fuzz input is: one byte choosing the method (index into the service's
// methods, modulo their number), one byte choosing the caller (As, modulo
// kCallerCount), then the serialized request. Input that does not parse as
// the method's request message is skipped; everything else is sent through
// the wire, and the answer must be a status the contract allows for bad
// input (see IsAcceptable): anything else aborts, so libFuzzer keeps the
// input that caused it.
class World {
 public:
  // Starts the server and builds the case through the public API.
  static absl::StatusOr<std::unique_ptr<World>> Start();
  ~World();

  // Runs one fuzz input against `service` (short name). Returns -1 for
  // input that is not a request (libFuzzer then leaves it out of the
  // corpus), 0 otherwise.
  int RunInput(const std::string& service, const uint8_t* data, size_t size);

  // Writes the seed corpus of `service` into `dir` (created if missing):
  // the set-up calls and probes that touch the existing case, each encoded
  // as a fuzz input. Files are named for their content, so writing again
  // only refreshes them.
  static absl::Status WriteSeeds(const std::string& service, const std::string& dir);

  // Stops the server (before the process's exit handlers run).
  void Shutdown();

 private:
  World() = default;
  static const google::protobuf::ServiceDescriptor* Service(const std::string& service);
  absl::Status Setup();
  std::string Token(As as) const;
  grpc::Status CallUnary(const google::protobuf::MethodDescriptor& method, As as,
                         const std::string& request);
  grpc::Status CallStreaming(const google::protobuf::MethodDescriptor& method, As as,
                             const std::string& request);

  testing::TempDir dir_;
  std::unique_ptr<server::ServerHost> host_;
  std::unique_ptr<identity::DevTokenIssuer> issuer_;
  std::shared_ptr<grpc::Channel> channel_;
  std::vector<std::string> tokens_;  // indexed by As
};

// The answers the contract allows for any request, good or bad.
bool IsAcceptable(grpc::StatusCode code, bool streaming);

// The calls that build the world's case, in order; also seeds.
const std::vector<Call>& SetupCalls();
// Further seeds: reads and changes of what the set-up made.
const std::vector<Call>& ProbeCalls();

}  // namespace samepage::fuzz
