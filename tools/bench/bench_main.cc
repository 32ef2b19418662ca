// samepage_bench: drives a real samepaged process (started here, in its own
// process, on 127.0.0.1) with a realistic mix from an asynchronous callback
// client, and compares it with two baselines measured in the same run, on
// the same machine, from the same client at the same concurrency and for
// the same time. Both are served by samepage_baseline_server, also a process
// of its own (tools/bench/baseline.proto):
//   - a null gRPC server: Null, an empty handler answering at once, which
//     reads are measured against;
//   - raw RocksDB synced writes: Put, one RocksDB Put with sync=true of a
//     ~300-byte value under a unique key, run off the callback threads so
//     that concurrent Puts commit as a group (as our services' writes do),
//     which durable writes are measured against.
// For information it also times samepaged's own health Check (an empty
// handler behind our server's interceptors and setup) and raw synced
// RocksDB Puts from threads inside this process (no gRPC, no client), the
// ceiling of the disk alone. See docs/PERFORMANCE.md.

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "rocksdb/db.h"
#include "samepage/caseplan/v1/caseplan_service.grpc.pb.h"
#include "samepage/directory/v1/directory_service.grpc.pb.h"
#include "samepage/registry/v1/registry_service.grpc.pb.h"
#include "samepage/sharing/v1/sharing_service.grpc.pb.h"
#include "tests/testing/samepaged_process.h"
#include "tools/bench/baseline.grpc.pb.h"
#include "tools/bench/decision_timing.h"
#include "tools/bench/load.h"
#include "tools/bench/population.h"
#include "tools/bench/settle.h"

ABSL_FLAG(std::string, samepaged, "build/samepaged", "the server binary");
ABSL_FLAG(std::string, baseline_server, "",
          "the baselines' server binary (samepage_baseline_server); empty: the one beside "
          "--samepaged");
ABSL_FLAG(std::string, data_dir, "bench-data",
          "the server's data folder; kept between runs so that the population is reused");
ABSL_FLAG(bool, populate, true,
          "create the population first (what exists already is skipped quickly by the server)");
ABSL_FLAG(bool, populate_only, false, "stop after creating the population (no measured runs)");
ABSL_FLAG(int64_t, cases, 100000, "cases in the population");
ABSL_FLAG(int64_t, notes, 1000000, "notes in the population");
ABSL_FLAG(int64_t, big_case_notes, 10000, "notes on case-0 (the paging comparison)");
ABSL_FLAG(int32_t, concurrency, 32, "calls in flight");
ABSL_FLAG(int32_t, populate_concurrency, 128,
          "calls in flight while populating (the notes of one case are created in parallel too)");
ABSL_FLAG(absl::Duration, duration, absl::Seconds(20), "how long each measured run lasts");
ABSL_FLAG(absl::Duration, warmup, absl::Seconds(2),
          "reads before the measured runs, to warm the server's caches (a long-running server's "
          "are warm)");
ABSL_FLAG(bool, reads_only, false,
          "measure only the null baseline and the reads (quicker, for comparing server builds)");
ABSL_FLAG(std::string, read_op, "",
          "with --reads_only: measure only this read operation (e.g. GetCase), to see its own cost");
ABSL_FLAG(int32_t, rounds, 1,
          "measure reads and the null server, and writes and synced Puts, alternately in this "
          "many rounds (each a share of --duration), so that a drift of the machine's speed "
          "touches a goal and its baseline alike");
ABSL_FLAG(int64_t, decisions, 20000, "access decisions timed inside one process");
ABSL_FLAG(absl::Duration, settle_limit, absl::Minutes(30),
          "how long to wait for the server's event consumers to catch up before measuring");
ABSL_FLAG(std::vector<std::string>, server_args, {"--rate_limit_per_second=0"},
          "more samepaged flags, comma-separated (the per-caller rate limit is off by default: "
          "the load comes from a few callers)");

namespace samepage::bench {
namespace {

namespace dir = ::samepage::directory::v1;
namespace reg = ::samepage::registry::v1;
namespace sh = ::samepage::sharing::v1;
namespace cp = ::samepage::caseplan::v1;
namespace health = ::grpc::health::v1;
namespace baseline = ::samepage::bench::v1;

struct Stubs {
  explicit Stubs(const std::shared_ptr<grpc::Channel>& ch)
      : directory(dir::Directory::NewStub(ch)),
        registry(reg::CaseRegistry::NewStub(ch)),
        sharing(sh::Sharing::NewStub(ch)),
        caseplan(cp::CasePlans::NewStub(ch)),
        health(health::Health::NewStub(ch)) {}
  std::unique_ptr<dir::Directory::Stub> directory;
  std::unique_ptr<reg::CaseRegistry::Stub> registry;
  std::unique_ptr<sh::Sharing::Stub> sharing;
  std::unique_ptr<cp::CasePlans::Stub> caseplan;
  std::unique_ptr<health::Health::Stub> health;
};

// A case for slot `slot`'s n-th call, spread over the population (skipping
// the two paging cases).
int64_t CaseFor(const Population& pop, int slot, int64_t n) {
  uint64_t x = (static_cast<uint64_t>(slot) * 1000003ULL + static_cast<uint64_t>(n)) *
               11400714819323198485ULL;
  return 2 + static_cast<int64_t>((x >> 20) % static_cast<uint64_t>(pop.size.cases - 2));
}

// samepaged's own empty handler: what our server adds to every call.
WeightedOp HealthCheckOp(Stubs& stubs, int weight = 1) {
  return {"health Check", weight, [&stubs](int, int64_t, auto done) {
            CallAsync<health::HealthCheckRequest, health::HealthCheckResponse>(
                [&](auto* ctx, auto* rq, auto* rs, auto cb) {
                  stubs.health->async()->Check(ctx, rq, rs, std::move(cb));
                },
                "", health::HealthCheckRequest(),
                [done](const grpc::Status& s, const auto&) { done(s); });
          }};
}

// The null gRPC server: an empty handler in a server of its own.
WeightedOp BaselineNullOp(baseline::Baseline::Stub& stub) {
  return {"Null (empty handler)", 1, [&stub](int, int64_t, auto done) {
            CallAsync<baseline::NullRequest, baseline::NullResponse>(
                [&](auto* ctx, auto* rq, auto* rs, auto cb) {
                  stub.async()->Null(ctx, rq, rs, std::move(cb));
                },
                "", baseline::NullRequest(),
                [done](const grpc::Status& s, const auto&) { done(s); });
          }};
}

// Raw synced RocksDB over gRPC: ~300-byte values (a note's size) under
// keys unique to this run, slot and call.
WeightedOp BaselinePutOp(baseline::Baseline::Stub& stub, const std::string& run_id) {
  return {"Put (synced RocksDB Put)", 1, [&stub, run_id](int slot, int64_t n, auto done) {
            baseline::PutRequest req;
            req.set_key(absl::StrCat(run_id, "-", slot, "-", n));
            req.set_value(std::string(300, 'v'));
            CallAsync<baseline::PutRequest, baseline::PutResponse>(
                [&](auto* ctx, auto* rq, auto* rs, auto cb) {
                  stub.async()->Put(ctx, rq, rs, std::move(cb));
                },
                "", std::move(req), [done](const grpc::Status& s, const auto&) { done(s); });
          }};
}

std::vector<WeightedOp> ReadOps(Stubs& stubs, Tokens& tokens, const Population& pop) {
  std::string service = tokens.Service();
  return {
      {"WhoIsWho", 3,
       [&, service](int slot, int64_t n, auto done) {
         int64_t i = CaseFor(pop, slot, n);
         dir::WhoIsWhoRequest req;
         req.set_case_("cases/" + Population::CaseId(i));
         CallAsync<dir::WhoIsWhoRequest, dir::WhoIsWhoResponse>(
             [&](auto* ctx, auto* rq, auto* rs, auto cb) {
               stubs.directory->async()->WhoIsWho(ctx, rq, rs, std::move(cb));
             },
             tokens.Person(pop.Caseworker(i)), req,
             [done](const grpc::Status& s, const auto&) { done(s); });
       }},
      {"GetCase", 3,
       [&](int slot, int64_t n, auto done) {
         int64_t i = CaseFor(pop, slot, n);
         reg::GetCaseRequest req;
         req.set_name("cases/" + Population::CaseId(i));
         CallAsync<reg::GetCaseRequest, reg::Case>(
             [&](auto* ctx, auto* rq, auto* rs, auto cb) {
               stubs.registry->async()->GetCase(ctx, rq, rs, std::move(cb));
             },
             tokens.Person(pop.Caseworker(i)), req,
             [done](const grpc::Status& s, const auto&) { done(s); });
       }},
      {"CheckAccess", 4,
       [&, service](int slot, int64_t n, auto done) {
         int64_t i = CaseFor(pop, slot, n);
         sh::CheckAccessRequest req;
         req.set_requester("people/" + pop.Caseworker(i));
         req.set_case_("cases/" + Population::CaseId(i));
         req.set_subject("cases/" + Population::CaseId(i) + "/subjects/parent");
         req.set_category(n % 2 == 0 ? "general" : "substance-use-part2");
         req.set_purpose(sh::PURPOSE_CASE_PLANNING);
         CallAsync<sh::CheckAccessRequest, sh::CheckAccessResponse>(
             [&](auto* ctx, auto* rq, auto* rs, auto cb) {
               stubs.sharing->async()->CheckAccess(ctx, rq, rs, std::move(cb));
             },
             service, req, [done](const grpc::Status& s, const auto&) { done(s); });
       }},
      {"ListNotes (page 20)", 2,
       [&](int slot, int64_t n, auto done) {
         int64_t i = CaseFor(pop, slot, n);
         cp::ListNotesRequest req;
         req.set_parent("cases/" + Population::CaseId(i));
         req.set_page_size(20);
         CallAsync<cp::ListNotesRequest, cp::ListNotesResponse>(
             [&](auto* ctx, auto* rq, auto* rs, auto cb) {
               stubs.caseplan->async()->ListNotes(ctx, rq, rs, std::move(cb));
             },
             tokens.Person(pop.Caseworker(i)), req,
             [done](const grpc::Status& s, const auto&) { done(s); });
       }},
  };
}

cp::PlanVersion PlanFor(const std::string& case_name, int64_t n) {
  cp::PlanVersion v;
  cp::Goal* g = v.add_goals();
  g->set_goal_id("safety");
  g->set_title("The child is safe at home");
  g->set_owner_role("dependency-case-manager");
  g->set_status(cp::Goal::STATUS_IN_PROGRESS);
  g->add_subjects(case_name + "/subjects/child");
  v.set_family_summary("We will keep the child safe at home.");
  v.set_change_summary(absl::StrCat("Revision ", n));
  return v;
}

std::vector<WeightedOp> WriteOps(Stubs& stubs, Tokens& tokens, const Population& pop,
                                 const std::string& run_id,
                                 std::shared_ptr<std::vector<std::string>> plan_etags) {
  return {
      {"CreateNote", 4,
       [&, run_id](int slot, int64_t n, auto done) {
         int64_t i = CaseFor(pop, slot, n);
         cp::CreateNoteRequest req;
         req.set_parent("cases/" + Population::CaseId(i));
         req.set_note_id(absl::StrCat(run_id, "-", slot, "-", n));
         cp::Note* note = req.mutable_note();
         note->set_kind(cp::Note::KIND_CONTACT_NOTE);
         note->set_category("general");
         note->set_title("Phone call");
         note->set_body("Called the caregiver to confirm the next visit; all well.");
         note->set_subject("cases/" + Population::CaseId(i) + "/subjects/child");
         CallAsync<cp::CreateNoteRequest, cp::Note>(
             [&](auto* ctx, auto* rq, auto* rs, auto cb) {
               stubs.caseplan->async()->CreateNote(ctx, rq, rs, std::move(cb));
             },
             tokens.Person(pop.Caseworker(i)), req,
             [done](const grpc::Status& s, const auto&) { done(s); });
       }},
      // Each slot publishes versions of its own case's plan, sending the
      // etag of the version it published last.
      {"PublishPlanVersion", 1,
       [&, plan_etags](int slot, int64_t n, auto done) {
         int64_t i = 2 + (slot % (pop.size.cases - 2));
         std::string case_name = "cases/" + Population::CaseId(i);
         cp::PublishPlanVersionRequest req;
         req.set_parent(case_name + "/plan");
         *req.mutable_plan_version() = PlanFor(case_name, n);
         req.set_etag((*plan_etags)[slot]);
         CallAsync<cp::PublishPlanVersionRequest, cp::PlanVersion>(
             [&](auto* ctx, auto* rq, auto* rs, auto cb) {
               stubs.caseplan->async()->PublishPlanVersion(ctx, rq, rs, std::move(cb));
             },
             tokens.Person(pop.Caseworker(i)), req,
             [done, plan_etags, slot](const grpc::Status& s, const cp::PlanVersion& v) {
               if (s.ok()) (*plan_etags)[slot] = v.etag();
               done(s);
             });
       }},
  };
}

// The etag of each slot's plan, so that a rerun continues its versions.
std::shared_ptr<std::vector<std::string>> PlanEtags(Stubs& stubs, Tokens& tokens,
                                                    const Population& pop, int concurrency) {
  auto etags = std::make_shared<std::vector<std::string>>(concurrency);
  for (int slot = 0; slot < concurrency; ++slot) {
    int64_t i = 2 + (slot % (pop.size.cases - 2));
    cp::GetPlanRequest req;
    req.set_name("cases/" + Population::CaseId(i) + "/plan");
    cp::Plan plan;
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", "Bearer " + tokens.Person(pop.Caseworker(i)));
    if (stubs.caseplan->GetPlan(&ctx, req, &plan).ok()) (*etags)[slot] = plan.etag();
  }
  return etags;
}

// Raw RocksDB in this process: `concurrency` threads each writing ~300-byte
// values with sync=true into a database beside the server's, for
// `duration`. No gRPC and no client: a reference, not the baseline.
RunResult RawRocksDbSyncedWrites(const std::string& path, int concurrency, absl::Duration duration) {
  RunResult result;
  auto& l = result.per_op["in-process synced Put"];
  l = std::make_unique<Latencies>();
  std::filesystem::remove_all(path);
  rocksdb::Options options;
  options.create_if_missing = true;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(options, path, &raw);
  if (!s.ok()) {
    l->set_error(s.ToString());
    return result;
  }
  std::unique_ptr<rocksdb::DB> db(raw);
  std::string value(300, 'v');
  absl::Time start = absl::Now();
  absl::Time end = start + duration;
  std::vector<std::thread> threads;
  for (int t = 0; t < concurrency; ++t) {
    threads.emplace_back([&, t] {
      rocksdb::WriteOptions wo;
      wo.sync = true;
      for (int64_t n = 0; absl::Now() < end; ++n) {
        auto begin = std::chrono::steady_clock::now();
        rocksdb::Status st = db->Put(wo, absl::StrCat("k", t, "-", n), value);
        l->Add(std::chrono::duration_cast<std::chrono::nanoseconds>(
                   std::chrono::steady_clock::now() - begin)
                   .count(),
               st.ok());
      }
    });
  }
  for (auto& thread : threads) thread.join();
  result.elapsed = absl::Now() - start;
  db->Close().PermitUncheckedError();
  db.reset();
  std::filesystem::remove_all(path);
  return result;
}

double Rate(const RunResult& r, const std::string& op = "") {
  int64_t n = op.empty() ? r.total() : r.per_op.at(op)->count();
  return static_cast<double>(n) / absl::ToDoubleSeconds(r.elapsed);
}

// Runs the mixes `a(round)` and `b(round)` alternately, `rounds` times, for
// `duration` in all each; `after_a` runs (untimed) after each round of `a`.
// A mix is made per round so that writes can use ids of their own.
std::pair<RunResult, RunResult> Alternate(const std::function<std::vector<WeightedOp>(int)>& a,
                                          const std::function<std::vector<WeightedOp>(int)>& b,
                                          int concurrency, absl::Duration duration, int rounds,
                                          const std::function<void()>& after_a) {
  std::pair<RunResult, RunResult> out;
  for (int round = 0; round < rounds; ++round) {
    out.first.Merge(RunFor(a(round), concurrency, duration / rounds));
    after_a();
    out.second.Merge(RunFor(b(round), concurrency, duration / rounds));
  }
  return out;
}

// First pages of the paging comparison; `deep` starts half-way through.
RunResult PagingRun(Stubs& stubs, Tokens& tokens, const Population& pop, int concurrency,
                    absl::Duration duration, const std::string& deep_token) {
  auto list = [&](const std::string& name, int64_t i, std::string token) -> WeightedOp {
    return {name, 1, [&, i, token](int, int64_t, auto done) {
              cp::ListNotesRequest req;
              req.set_parent("cases/" + Population::CaseId(i));
              req.set_page_size(20);
              req.set_page_token(token);
              CallAsync<cp::ListNotesRequest, cp::ListNotesResponse>(
                  [&](auto* ctx, auto* rq, auto* rs, auto cb) {
                    stubs.caseplan->async()->ListNotes(ctx, rq, rs, std::move(cb));
                  },
                  tokens.Person(pop.Caseworker(i)), req,
                  [done](const grpc::Status& s, const auto&) { done(s); });
            }};
  };
  std::vector<WeightedOp> mix = {
      list(absl::StrCat("case with ", pop.size.small_case_notes, " notes"), 1, ""),
      list(absl::StrCat("case with ", pop.size.big_case_notes, " notes"), 0, ""),
  };
  if (!deep_token.empty()) {
    mix.push_back(list(absl::StrCat("  ... page at note ", pop.size.big_case_notes / 2), 0,
                       deep_token));
  }
  return RunFor(mix, concurrency, duration);
}

// A page token half-way through case-0's notes.
std::string DeepToken(Stubs& stubs, Tokens& tokens, const Population& pop) {
  cp::ListNotesRequest req;
  req.set_parent("cases/" + Population::CaseId(0));
  req.set_page_size(500);
  std::string token;
  for (int64_t seen = 0; seen < pop.size.big_case_notes / 2;) {
    cp::ListNotesResponse resp;
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", "Bearer " + tokens.Person(pop.Caseworker(0)));
    req.set_page_token(token);
    if (!stubs.caseplan->ListNotes(&ctx, req, &resp).ok()) return "";
    seen += resp.notes_size();
    token = resp.next_page_token();
    if (token.empty()) return "";
  }
  return token;
}

int Main() {
  const std::string data_dir = std::filesystem::absolute(absl::GetFlag(FLAGS_data_dir)).string();
  const int concurrency = absl::GetFlag(FLAGS_concurrency);
  const absl::Duration duration = absl::GetFlag(FLAGS_duration);
  std::filesystem::create_directories(data_dir);
  std::printf("samepage_bench: data %s, concurrency %d, %s per run, load average at start: ",
              data_dir.c_str(), concurrency, absl::FormatDuration(duration).c_str());
  double load[3] = {0, 0, 0};
  if (getloadavg(load, 3) == 3) std::printf("%.2f %.2f %.2f\n", load[0], load[1], load[2]);

  absl::StatusOr<int> metrics_port = testing::PickFreePort();
  if (!metrics_port.ok()) {
    std::fprintf(stderr, "metrics port: %s\n", metrics_port.status().ToString().c_str());
    return 1;
  }
  std::vector<std::string> server_args = {"--dev",           "--data_dir",
                                          data_dir,          "--listen",
                                          "127.0.0.1:0",     "--metrics_listen",
                                          absl::StrCat("127.0.0.1:", *metrics_port)};
  for (const std::string& arg : absl::GetFlag(FLAGS_server_args)) {
    if (!arg.empty()) server_args.push_back(arg);
  }
  auto server = testing::SamepagedProcess::Start(absl::GetFlag(FLAGS_samepaged), server_args,
                                                 data_dir + "/samepaged.log", absl::Seconds(120));
  if (!server.ok()) {
    std::fprintf(stderr, "start samepaged: %s\n", server.status().ToString().c_str());
    return 1;
  }
  std::printf("server: samepaged pid %d on 127.0.0.1:%d (a process of its own)\n",
              (*server)->pid(), (*server)->port());
  grpc::ChannelArguments args;
  // Several connections, as several clients would open.
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  auto channel = grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", (*server)->port()),
                                           grpc::InsecureChannelCredentials(), args);
  auto tokens = Tokens::Load(data_dir);
  if (!tokens.ok()) {
    std::fprintf(stderr, "tokens: %s\n", tokens.status().ToString().c_str());
    return 1;
  }
  PopulationSize size;
  size.cases = absl::GetFlag(FLAGS_cases);
  size.notes = absl::GetFlag(FLAGS_notes);
  size.big_case_notes = absl::GetFlag(FLAGS_big_case_notes);
  size.concurrency = absl::GetFlag(FLAGS_populate_concurrency);
  Population pop{size};
  Stubs stubs(channel);
  // Checked before the population and the warm-up, which take minutes.
  std::vector<WeightedOp> read_ops = ReadOps(stubs, **tokens, pop);
  if (const std::string only = absl::GetFlag(FLAGS_read_op); !only.empty()) {
    // "ListNotes" names "ListNotes (page 20)": the name's first word will do.
    std::erase_if(read_ops, [&](const WeightedOp& op) {
      return op.name != only && op.name.substr(0, op.name.find(' ')) != only;
    });
    if (read_ops.empty()) {
      std::fprintf(stderr, "--read_op: \"%s\" is not one of the read operations\n", only.c_str());
      return 2;
    }
  }
  if (absl::GetFlag(FLAGS_populate)) {
    absl::Time start = absl::Now();
    // Resumable: how far each step got is kept beside the data.
    auto made = Populate(channel, **tokens, size, true, data_dir + "/population.progress");
    if (!made.ok()) {
      std::fprintf(stderr, "populate: %s\n", made.status().ToString().c_str());
      return 1;
    }
    std::printf("populated in %.0f s; server RSS %.0f MiB\n",
                absl::ToDoubleSeconds(absl::Now() - start), ResidentMiB((*server)->pid()));
  }
  std::printf("server RSS after population: %.0f MiB\n", ResidentMiB((*server)->pid()));
  if (absl::GetFlag(FLAGS_populate_only)) {
    (*server)->Stop();
    return 0;
  }

  // Reactions and people's feeds catch up with what was written before
  // (the population, an earlier run) first: that work is not this run's.
  auto settle = [&](const char* before) {
    absl::StatusOr<absl::Duration> waited =
        WaitForConsumers(*metrics_port, absl::GetFlag(FLAGS_settle_limit));
    if (waited.ok()) {
      std::printf("event consumers caught up before %s (waited %.1f s)\n", before,
                  absl::ToDoubleSeconds(*waited));
    } else {
      std::printf("event consumers NOT caught up before %s: %s\n", before,
                  waited.status().ToString().c_str());
    }
  };
  settle("the runs");

  // The baselines' server, a process of its own like samepaged, with a
  // RocksDB beside samepaged's data.
  std::string baseline_binary = absl::GetFlag(FLAGS_baseline_server);
  if (baseline_binary.empty()) {
    baseline_binary = (std::filesystem::path(absl::GetFlag(FLAGS_samepaged)).parent_path() /
                       "samepage_baseline_server")
                          .string();
  }
  const std::string baseline_dir = data_dir + "-baseline-rocksdb";
  auto baseline_server = testing::SamepagedProcess::Start(
      baseline_binary, {"--listen", "127.0.0.1:0", "--data_dir", baseline_dir},
      data_dir + "/baseline_server.log", absl::Seconds(60));
  if (!baseline_server.ok()) {
    std::fprintf(stderr, "start %s: %s\n", baseline_binary.c_str(),
                 baseline_server.status().ToString().c_str());
    return 1;
  }
  std::printf("baselines: samepage_baseline_server pid %d on 127.0.0.1:%d (a process of its own)\n",
              (*baseline_server)->pid(), (*baseline_server)->port());
  auto baseline_channel =
      grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", (*baseline_server)->port()),
                                grpc::InsecureChannelCredentials(), args);
  auto baseline_stub = baseline::Baseline::NewStub(baseline_channel);

  // Warm up connections and caches.
  RunFor({BaselineNullOp(*baseline_stub)}, concurrency, absl::Seconds(1));
  RunFor({HealthCheckOp(stubs)}, concurrency, absl::Seconds(1));
  RunFor(ReadOps(stubs, **tokens, pop), concurrency, absl::GetFlag(FLAGS_warmup));

  const int rounds = std::max(1, absl::GetFlag(FLAGS_rounds));
  // How long calls wait for their audit records, per service, in a run:
  // the part of a call's time the audit trail adds before it can finish.
  auto audit_waits = [&] {
    absl::StatusOr<std::map<std::string, AuditWait>> waits = AuditWaits(*metrics_port);
    return waits.ok() ? *std::move(waits) : std::map<std::string, AuditWait>();
  };
  auto print_audit_waits = [](const std::map<std::string, AuditWait>& before,
                              const std::map<std::string, AuditWait>& after) {
    std::printf("  audit wait per call (mean): %s\n", MeanAuditWaits(before, after).c_str());
  };
  std::map<std::string, AuditWait> before_reads = audit_waits();
  auto [null_run, reads] = Alternate(
      [&](int) { return std::vector<WeightedOp>{BaselineNullOp(*baseline_stub)}; },
      [&](int) { return read_ops; }, concurrency, duration, rounds, [] {});
  PrintResult("baseline: null gRPC server", null_run);
  RunResult health_run = RunFor({HealthCheckOp(stubs)}, concurrency, duration);
  PrintResult("samepaged Health Check (its own per-call overhead, for information)", health_run);
  PrintResult("reads", reads);
  print_audit_waits(before_reads, audit_waits());
  if (absl::GetFlag(FLAGS_reads_only)) {
    std::printf("reads / null gRPC server: %.2f  (goal >= 0.50)\n", Rate(reads) / Rate(null_run));
    (*server)->Stop();
    (*baseline_server)->Stop();
    return 0;
  }
  std::string run_id = absl::StrCat("b", absl::ToUnixSeconds(absl::Now()));
  auto etags = PlanEtags(stubs, **tokens, pop, concurrency);
  std::map<std::string, AuditWait> before_writes = audit_waits();
  // How long the feeds and reactions take to absorb the writes just made
  // says whether they keep up with that write rate; the baseline runs after.
  auto [writes, rocks] = Alternate(
      [&](int round) {
        return WriteOps(stubs, **tokens, pop, absl::StrCat(run_id, "r", round), etags);
      },
      [&](int round) {
        return std::vector<WeightedOp>{
            BaselinePutOp(*baseline_stub, absl::StrCat(run_id, "r", round))};
      },
      concurrency, duration, rounds, [&] { settle("the raw RocksDB baseline"); });
  PrintResult("durable writes", writes);
  print_audit_waits(before_writes, audit_waits());
  PrintResult("baseline: raw RocksDB synced Put over gRPC", rocks);
  std::vector<WeightedOp> mixed = ReadOps(stubs, **tokens, pop);
  for (WeightedOp& op : WriteOps(stubs, **tokens, pop, run_id + "m", etags)) mixed.push_back(op);
  RunResult mix = RunFor(mixed, concurrency, duration);
  PrintResult("mixed (reads and writes together)", mix);
  settle("what follows the mixed run");
  (*baseline_server)->Stop();
  std::filesystem::remove_all(baseline_dir);
  RunResult rocks_in_process =
      RawRocksDbSyncedWrites(data_dir + "-raw-rocksdb", concurrency, duration);
  PrintResult("reference: raw RocksDB synced Put in-process (no gRPC, no client)",
              rocks_in_process);
  std::string deep = DeepToken(stubs, **tokens, pop);
  RunResult paging = PagingRun(stubs, **tokens, pop, 4, duration / 2, deep);
  PrintResult("paged note list (page of 20, first page; concurrency 4)", paging);
  double rss = ResidentMiB((*server)->pid());
  std::printf("server RSS after the runs: %.0f MiB\n", rss);

  double null_rate = Rate(null_run);
  double rocks_rate = Rate(rocks);
  std::printf("\nratios (same client, same concurrency %d, same duration):\n", concurrency);
  std::printf("  reads / null gRPC server:                             %.2f  (goal >= 0.50)\n",
              Rate(reads) / null_rate);
  for (const auto& [name, l] : reads.per_op) {
    std::printf("    %-30s %.2f\n", name.c_str(), Rate(reads, name) / null_rate);
  }
  std::printf("  durable writes / raw synced RocksDB Put over gRPC:    %.2f  (goal >= 0.50)\n",
              Rate(writes) / rocks_rate);
  std::printf("for information (not the goals):\n");
  std::printf("  reads / samepaged Health Check:                       %.2f\n",
              Rate(reads) / Rate(health_run));
  std::printf("  samepaged Health Check / null gRPC server:            %.2f\n",
              Rate(health_run) / null_rate);
  std::printf(
      "  durable writes / raw synced RocksDB Put in-process:   %.2f  (no gRPC, no client)\n",
      Rate(writes) / Rate(rocks_in_process));
  (*server)->Stop();

  // The decision itself, timed inside one process on the sharing database.
  DecisionTiming timing = TimeDecisions(data_dir, pop, absl::GetFlag(FLAGS_decisions));
  if (!timing.error.empty()) {
    std::printf("access decision timing: %s\n", timing.error.c_str());
  } else {
    std::printf(
        "access decision (catalog in memory; snapshot, consents, orders + Decide), %lld decisions: "
        "p50 %.1f us, p99 %.1f us, p99.9 %.1f us  (goal p99 < 100 us)\n",
        static_cast<long long>(timing.count), timing.p50_us, timing.p99_us, timing.p999_us);
  }
  if (getloadavg(load, 3) == 3) {
    std::printf("load average at end: %.2f %.2f %.2f\n", load[0], load[1], load[2]);
  }
  return 0;
}

}  // namespace
}  // namespace samepage::bench

int main(int argc, char** argv) {
  // The load generator shares the machine with the servers: without this,
  // Abseil's lock-graph upkeep on gRPC's every lock (Debian builds Abseil
  // without NDEBUG) was about a twentieth of its CPU.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  absl::ParseCommandLine(argc, argv);
  return samepage::bench::Main();
}
