// samepage_baseline_server: the benchmark's baselines as a gRPC server of
// its own (tools/bench/baseline.proto), so that samepage_bench measures them
// as it measures samepaged: another process, the same client, the same
// concurrency. Null answers at once; Put is one RocksDB Put with a synced
// WAL and nothing else of ours. It prints "... on HOST:PORT ..." once it
// listens, the line testing::SamepagedProcess waits for, and stops on
// SIGTERM or SIGINT.

#include <grpcpp/grpcpp.h>
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/rpc/unary.h"
#include "common/rpc/worker_pool.h"
#include "rocksdb/db.h"
#include "rocksdb/options.h"
#include "tools/bench/baseline.grpc.pb.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:0", "address to listen on (port 0: any free port)");
ABSL_FLAG(std::string, data_dir, "",
          "the RocksDB folder for Put; created fresh (an earlier baseline database there is "
          "removed first)");

namespace samepage::bench {
namespace {

namespace v1 = ::samepage::bench::v1;

class BaselineService final : public v1::Baseline::CallbackService {
 public:
  explicit BaselineService(rocksdb::DB* db) : db_(db) {}

  grpc::ServerUnaryReactor* Null(grpc::CallbackServerContext* ctx, const v1::NullRequest*,
                                 v1::NullResponse*) override {
    grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

  // The synced write waits on an fsync, which must not hold one of gRPC's few
  // callback threads; on the pool, as our services' handlers run, concurrent
  // Puts wait together and RocksDB commits them as one group.
  grpc::ServerUnaryReactor* Put(grpc::CallbackServerContext* ctx, const v1::PutRequest* request,
                                v1::PutResponse*) override {
    grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
    workers_.Run([this, reactor, request] {
      rocksdb::WriteOptions options;
      options.sync = true;
      rocksdb::Status s = db_->Put(options, request->key(), request->value());
      reactor->Finish(s.ok() ? grpc::Status::OK
                             : grpc::Status(grpc::StatusCode::INTERNAL, s.ToString()));
    });
    return reactor;
  }

 private:
  rocksdb::DB* const db_;
  rpc::WorkerPool workers_{rpc::kMaxHandlerThreads};
};

// Removes what an earlier run left (only a RocksDB folder or an empty one:
// a wrong --data_dir must not cost anyone their files), then opens anew.
absl::StatusOr<std::unique_ptr<rocksdb::DB>> OpenFresh(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::exists(path, ec) && !fs::is_empty(path, ec) && !fs::exists(fs::path(path) / "CURRENT")) {
    return absl::FailedPreconditionError(
        absl::StrCat("--data_dir ", path, ": exists and is not a RocksDB folder; not removing it"));
  }
  fs::remove_all(path, ec);
  if (ec) return absl::InternalError(absl::StrCat("remove ", path, ": ", ec.message()));
  rocksdb::Options options;
  options.create_if_missing = true;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(options, path, &raw);
  if (!s.ok()) return absl::InternalError(absl::StrCat("open ", path, ": ", s.ToString()));
  return std::unique_ptr<rocksdb::DB>(raw);
}

int Main() {
  // Signals are taken by sigwait below: block them before any thread starts
  // so that every thread inherits the mask (as samepaged does).
  signal(SIGINT, SIG_DFL);
  signal(SIGTERM, SIG_DFL);
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  const std::string listen = absl::GetFlag(FLAGS_listen);
  const std::string data_dir = absl::GetFlag(FLAGS_data_dir);
  if (data_dir.empty()) {
    std::fprintf(stderr, "samepage_baseline_server: --data_dir: must not be empty\n");
    return 2;
  }
  absl::StatusOr<std::unique_ptr<rocksdb::DB>> db = OpenFresh(data_dir);
  if (!db.ok()) {
    std::fprintf(stderr, "samepage_baseline_server: %s\n", db.status().ToString().c_str());
    return 1;
  }
  auto service = std::make_unique<BaselineService>(db->get());
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort(listen, grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(service.get());
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    std::fprintf(stderr, "samepage_baseline_server: cannot listen on %s\n", listen.c_str());
    return 1;
  }
  std::string host = listen.substr(0, listen.rfind(':'));
  std::printf(
      "samepage_baseline_server: serving samepage.bench.v1.Baseline on %s:%d (RocksDB in %s)\n",
      host.c_str(), port, data_dir.c_str());
  std::fflush(stdout);

  int received = 0;
  sigwait(&signals, &received);
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  server.reset();
  service.reset();  // runs the Puts still queued, before the database closes
  (*db)->Close().PermitUncheckedError();
  db->reset();
  std::printf("samepage_baseline_server: stopped\n");
  std::fflush(stdout);
  // As samepaged: gRPC's teardown at exit waits on idle client connections.
  std::_Exit(0);
}

}  // namespace
}  // namespace samepage::bench

int main(int argc, char** argv) {
  // As samepaged does (see server/samepaged.cc): the baselines must run gRPC
  // as the server does, without Abseil's lock-graph upkeep on every lock.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  absl::ParseCommandLine(argc, argv);
  return samepage::bench::Main();
}
