// libFuzzer entry points for one service, chosen at build time with
// SAMEPAGE_FUZZ_SERVICE (see tests/fuzz/CMakeLists.txt): each input is one
// call of one of that service's methods on a real server (see World).

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "google/protobuf/stubs/logging.h"
#include "tests/fuzz/fuzz_world.h"

namespace {

// libFuzzer's interface is two free functions, so the world they share is
// reachable from a file-level pointer (trivially constructed, never freed
// before exit: the server is stopped by an exit handler instead).
samepage::fuzz::World* world = nullptr;

void StopWorld() {
  if (world != nullptr) world->Shutdown();
}

}  // namespace

// Before fuzzing: writes the seed corpus into the first corpus folder named
// on the command line (if any), then starts the server and builds the case.
extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  for (int i = 1; i < *argc; ++i) {
    const char* arg = (*argv)[i];
    if (arg[0] == '-') continue;
    absl::Status written = samepage::fuzz::World::WriteSeeds(SAMEPAGE_FUZZ_SERVICE, arg);
    if (!written.ok()) {
      std::fprintf(stderr, "seeds: %s\n", written.ToString().c_str());
      std::exit(1);
    }
    break;
  }
  // Most mutated inputs are not valid UTF-8 where a string should be, and
  // protobuf logs each one; the fuzzer's own output is what matters.
  google::protobuf::SetLogHandler(nullptr);
  auto started = samepage::fuzz::World::Start();
  if (!started.ok()) {
    std::fprintf(stderr, "world: %s\n", started.status().ToString().c_str());
    std::exit(1);
  }
  world = started->release();
  std::atexit(StopWorld);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return world->RunInput(SAMEPAGE_FUZZ_SERVICE, data, size);
}
