#include "tools/bench/crash_run.h"

#include <atomic>
#include <map>
#include <memory>
#include <random>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "samepage/caseplan/v1/caseplan_service.grpc.pb.h"
#include "samepage/directory/v1/directory_service.grpc.pb.h"
#include "samepage/registry/v1/registry_service.grpc.pb.h"
#include "samepage/sharing/v1/sharing_service.grpc.pb.h"
#include "tests/testing/samepaged_process.h"
#include "tools/bench/load.h"
#include "tools/bench/population.h"

namespace samepage::bench {
namespace {

namespace dir = ::samepage::directory::v1;
namespace reg = ::samepage::registry::v1;
namespace sh = ::samepage::sharing::v1;
namespace cp = ::samepage::caseplan::v1;

constexpr char kOrg[] = "crash-org";
constexpr char kClinic[] = "crash-clinic";
constexpr char kWorker[] = "crash-cw";
constexpr char kTherapist[] = "crash-th";
constexpr char kCase[] = "cases/crash";
constexpr int kServices = 4;
constexpr const char* kServiceNames[kServices] = {"directory", "registry", "caseplan", "sharing"};

std::unique_ptr<grpc::ClientContext> Ctx(const std::string& token,
                                         absl::Duration deadline = absl::Seconds(10)) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->AddMetadata("authorization", "Bearer " + token);
  ctx->set_deadline(std::chrono::system_clock::now() +
                    std::chrono::milliseconds(absl::ToInt64Milliseconds(deadline)));
  return ctx;
}

absl::Status Check(const grpc::Status& s, const std::string& what) {
  if (s.ok() || s.error_code() == grpc::StatusCode::ALREADY_EXISTS) return absl::OkStatus();
  return absl::InternalError(absl::StrCat(what, ": ", s.error_message()));
}

struct Clients {
  explicit Clients(const std::shared_ptr<grpc::Channel>& ch)
      : directory(dir::Directory::NewStub(ch)),
        registry(reg::CaseRegistry::NewStub(ch)),
        sharing(sh::Sharing::NewStub(ch)),
        caseplan(cp::CasePlans::NewStub(ch)) {}
  std::unique_ptr<dir::Directory::Stub> directory;
  std::unique_ptr<reg::CaseRegistry::Stub> registry;
  std::unique_ptr<sh::Sharing::Stub> sharing;
  std::unique_ptr<cp::CasePlans::Stub> caseplan;
};

dir::CreatePersonRequest PersonRequest(const std::string& id, const std::string& org,
                                       const std::string& role) {
  dir::CreatePersonRequest req;
  req.set_person_id(id);
  req.mutable_person()->set_display_name("Person " + id);
  req.mutable_person()->set_organization(absl::StrCat("organizations/", org));
  req.mutable_person()->add_roles("roles/" + role);
  auto* contact = req.mutable_person()->add_contact_points();
  contact->set_channel(dir::ContactPoint::CHANNEL_EMAIL);
  contact->set_value(id + "@example.org");
  return req;
}

reg::CreateCaseRequest CaseRequest(const std::string& id) {
  reg::CreateCaseRequest req;
  req.set_case_id(id);
  req.mutable_case_()->set_case_number(id);
  req.mutable_case_()->set_lead_agency(absl::StrCat("organizations/", kOrg));
  req.mutable_case_()->set_display_name("Family " + id);
  req.mutable_case_()->set_program("foster-care");
  auto* child = req.mutable_case_()->add_subjects();
  child->set_subject_id("child");
  child->set_kind(reg::CaseSubject::KIND_CHILD);
  child->set_display_name("Child " + id);
  child->mutable_birth_date()->set_year(2018);
  child->mutable_birth_date()->set_month(3);
  child->mutable_birth_date()->set_day(4);
  return req;
}

// The organisations, people and the case the writes go to.
absl::Status Setup(Clients& c, Tokens& tokens) {
  for (auto [id, kind] : {std::make_pair(kOrg, dir::Organization::KIND_CHILD_WELFARE_AGENCY),
                          std::make_pair(kClinic, dir::Organization::KIND_BEHAVIORAL_HEALTH_PROVIDER)}) {
    dir::CreateOrganizationRequest req;
    req.set_organization_id(id);
    req.mutable_organization()->set_display_name(id);
    req.mutable_organization()->set_kind(kind);
    dir::Organization out;
    absl::Status s = Check(c.directory->CreateOrganization(Ctx(tokens.Admin()).get(), req, &out), id);
    if (!s.ok()) return s;
  }
  dir::Person person;
  absl::Status s = Check(c.directory->CreatePerson(Ctx(tokens.Admin()).get(),
                                                   PersonRequest(kWorker, kOrg, "dependency-case-manager"),
                                                   &person),
                         kWorker);
  if (!s.ok()) return s;
  s = Check(c.directory->CreatePerson(Ctx(tokens.Admin()).get(),
                                      PersonRequest(kTherapist, kClinic, "therapist"), &person),
            kTherapist);
  if (!s.ok()) return s;
  reg::Case created;
  s = Check(c.registry->CreateCase(Ctx(tokens.Admin()).get(), CaseRequest("crash"), &created),
            "case");
  if (!s.ok()) return s;
  for (auto [role, who] : {std::make_pair("dependency-case-manager", kWorker),
                           std::make_pair("therapist", kTherapist)}) {
    reg::CreateAssignmentRequest req;
    req.set_parent(kCase);
    req.set_assignment_id(role);
    req.mutable_assignment()->set_case_role(role);
    req.mutable_assignment()->set_person(absl::StrCat("people/", who));
    reg::Assignment out;
    s = Check(c.registry->CreateAssignment(Ctx(tokens.Admin()).get(), req, &out), role);
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

// What was acknowledged, per service (resource names).
struct Acknowledged {
  absl::Mutex mu;
  std::set<std::string> names[kServices] ABSL_GUARDED_BY(mu);
};

// Writes round-robin to the four services from `concurrency` slots until
// `stop`; records each acknowledged write's name.
class Writers {
 public:
  Writers(Clients& c, Tokens& tokens, Acknowledged& acked, int round, int concurrency)
      : c_(c), tokens_(tokens), acked_(acked), round_(round), running_(concurrency) {
    for (int slot = 0; slot < concurrency; ++slot) Next(slot, 0);
  }
  void Stop() { stop_ = true; }
  bool Wait(absl::Duration timeout) { return done_.WaitForNotificationWithTimeout(timeout); }

 private:
  void Next(int slot, int64_t n) {
    if (stop_.load()) {
      if (--running_ == 0) done_.Notify();
      return;
    }
    int service = static_cast<int>((slot + n) % kServices);
    std::string id = absl::StrCat("w", round_, "-", slot, "-", n);
    auto finish = [this, slot, n, service](const grpc::Status& s, const std::string& name) {
      if (s.ok()) {
        absl::MutexLock lock(&acked_.mu);
        acked_.names[service].insert(name);
      }
      Next(slot, n + 1);
    };
    absl::Duration deadline = absl::Seconds(5);
    switch (service) {
      case 0:
        CallAsync<dir::CreatePersonRequest, dir::Person>(
            [&](auto* ctx, auto* rq, auto* rs, auto cb) {
              c_.directory->async()->CreatePerson(ctx, rq, rs, std::move(cb));
            },
            tokens_.Admin(), PersonRequest(id, kOrg, "dependency-case-manager"),
            [finish](const grpc::Status& s, const dir::Person& p) { finish(s, p.name()); },
            deadline);
        break;
      case 1:
        CallAsync<reg::CreateCaseRequest, reg::Case>(
            [&](auto* ctx, auto* rq, auto* rs, auto cb) {
              c_.registry->async()->CreateCase(ctx, rq, rs, std::move(cb));
            },
            tokens_.Admin(), CaseRequest(id),
            [finish](const grpc::Status& s, const reg::Case& r) { finish(s, r.name()); }, deadline);
        break;
      case 2: {
        cp::CreateNoteRequest req;
        req.set_parent(kCase);
        req.set_note_id(id);
        req.mutable_note()->set_kind(cp::Note::KIND_CONTACT_NOTE);
        req.mutable_note()->set_category("general");
        req.mutable_note()->set_title("Visit " + id);
        req.mutable_note()->set_body("Home visit; all well.");
        CallAsync<cp::CreateNoteRequest, cp::Note>(
            [&](auto* ctx, auto* rq, auto* rs, auto cb) {
              c_.caseplan->async()->CreateNote(ctx, rq, rs, std::move(cb));
            },
            tokens_.Person(kWorker), req,
            [finish](const grpc::Status& s, const cp::Note& r) { finish(s, r.name()); }, deadline);
        break;
      }
      default: {
        sh::CreateInformationRequestRequest req;
        req.set_information_request_id(id);
        auto* r = req.mutable_information_request();
        r->set_case_(kCase);
        r->set_subject(absl::StrCat(kCase, "/subjects/child"));
        r->mutable_recipient()->set_person(absl::StrCat("people/", kTherapist));
        r->set_summary("Progress summary " + id);
        r->set_purpose(sh::PURPOSE_CASE_PLANNING);
        r->add_categories("mental-health");
        r->mutable_due_time()->set_seconds(absl::ToUnixSeconds(absl::Now() + absl::Hours(24 * 5)));
        CallAsync<sh::CreateInformationRequestRequest, sh::InformationRequest>(
            [&](auto* ctx, auto* rq, auto* rs, auto cb) {
              c_.sharing->async()->CreateInformationRequest(ctx, rq, rs, std::move(cb));
            },
            tokens_.Person(kWorker), req,
            [finish](const grpc::Status& s, const sh::InformationRequest& r) {
              finish(s, r.name());
            },
            deadline);
        break;
      }
    }
  }

  Clients& c_;
  Tokens& tokens_;
  Acknowledged& acked_;
  int round_;
  std::atomic<bool> stop_{false};
  std::atomic<int> running_;
  absl::Notification done_;
};

// Gets `name` from its service; OK, NOT_FOUND or another error.
void GetAsync(Clients& c, Tokens& tokens, int service, const std::string& name,
              std::function<void(const grpc::Status&)> done) {
  auto finish = [done](const grpc::Status& s, const auto&) { done(s); };
  switch (service) {
    case 0: {
      dir::GetPersonRequest req;
      req.set_name(name);
      CallAsync<dir::GetPersonRequest, dir::Person>(
          [&](auto* ctx, auto* rq, auto* rs, auto cb) {
            c.directory->async()->GetPerson(ctx, rq, rs, std::move(cb));
          },
          tokens.Admin(), req, finish);
      break;
    }
    case 1: {
      reg::GetCaseRequest req;
      req.set_name(name);
      CallAsync<reg::GetCaseRequest, reg::Case>(
          [&](auto* ctx, auto* rq, auto* rs, auto cb) {
            c.registry->async()->GetCase(ctx, rq, rs, std::move(cb));
          },
          tokens.Admin(), req, finish);
      break;
    }
    case 2: {
      cp::GetNoteRequest req;
      req.set_name(name);
      CallAsync<cp::GetNoteRequest, cp::Note>(
          [&](auto* ctx, auto* rq, auto* rs, auto cb) {
            c.caseplan->async()->GetNote(ctx, rq, rs, std::move(cb));
          },
          tokens.Person(kWorker), req, finish);
      break;
    }
    default: {
      sh::GetInformationRequestRequest req;
      req.set_name(name);
      CallAsync<sh::GetInformationRequestRequest, sh::InformationRequest>(
          [&](auto* ctx, auto* rq, auto* rs, auto cb) {
            c.sharing->async()->GetInformationRequest(ctx, rq, rs, std::move(cb));
          },
          tokens.Person(kWorker), req, finish);
      break;
    }
  }
}

// Every name a service's list (read through its index) returns for what the
// test wrote.
absl::StatusOr<std::set<std::string>> Listed(Clients& c, Tokens& tokens, int service) {
  std::set<std::string> out;
  std::string token;
  for (int page = 0; page < 100000; ++page) {
    grpc::Status s;
    std::string next;
    switch (service) {
      case 0: {
        dir::ListPeopleRequest req;
        req.set_organization(absl::StrCat("organizations/", kOrg));
        req.set_page_size(500);
        req.set_page_token(token);
        dir::ListPeopleResponse resp;
        s = c.directory->ListPeople(Ctx(tokens.Admin()).get(), req, &resp);
        for (const auto& p : resp.people()) {
          if (p.name() != absl::StrCat("people/", kWorker)) out.insert(p.name());
        }
        next = resp.next_page_token();
        break;
      }
      case 1: {
        reg::ListCasesRequest req;
        req.set_lead_agency(absl::StrCat("organizations/", kOrg));
        req.set_page_size(500);
        req.set_page_token(token);
        reg::ListCasesResponse resp;
        s = c.registry->ListCases(Ctx(tokens.Admin()).get(), req, &resp);
        for (const auto& r : resp.cases()) {
          if (r.name() != kCase) out.insert(r.name());
        }
        next = resp.next_page_token();
        break;
      }
      case 2: {
        cp::ListNotesRequest req;
        req.set_parent(kCase);
        req.set_page_size(500);
        req.set_page_token(token);
        cp::ListNotesResponse resp;
        s = c.caseplan->ListNotes(Ctx(tokens.Person(kWorker)).get(), req, &resp);
        for (const auto& r : resp.notes()) out.insert(r.name());
        next = resp.next_page_token();
        break;
      }
      default: {
        sh::ListInformationRequestsRequest req;
        req.set_view(sh::ListInformationRequestsRequest::VIEW_CASE);
        req.set_case_(kCase);
        req.set_page_size(500);
        req.set_page_token(token);
        sh::ListInformationRequestsResponse resp;
        s = c.sharing->ListInformationRequests(Ctx(tokens.Person(kWorker)).get(), req, &resp);
        for (const auto& r : resp.information_requests()) out.insert(r.name());
        next = resp.next_page_token();
        break;
      }
    }
    if (!s.ok()) {
      return absl::UnavailableError(
          absl::StrCat("list ", kServiceNames[service], ": ", s.error_message()));
    }
    if (next.empty()) return out;
    token = next;
  }
  return out;
}

// The resources named by a service's event log, checking that revisions
// run 1, 2, 3, ... Reads until every name in `want` was seen or the
// deadline passes.
template <typename Stub, typename Request, typename Response>
std::set<std::string> EventResources(Stub* stub, const std::string& token,
                                     const std::set<std::string>& want, int64_t* out_of_order) {
  std::set<std::string> seen;
  auto ctx = Ctx(token, absl::Seconds(20));
  Request req;
  auto reader = stub->WatchEvents(ctx.get(), req);
  Response resp;
  int64_t expected = 1;
  size_t found = 0;
  while (reader->Read(&resp)) {
    if (resp.event().revision() != expected) ++*out_of_order;
    expected = resp.event().revision() + 1;
    const std::string& r = resp.event().resource();
    if (want.count(r) != 0 && seen.insert(r).second) ++found;
    if (found == want.size()) {
      ctx->TryCancel();
      break;
    }
  }
  reader->Finish().ok();
  return seen;
}

void Problem(CrashReport& report, const std::string& p) {
  if (report.problems.size() < 20) report.problems.push_back(p);
}

// Checks everything acknowledged so far against the restarted server.
absl::Status Verify(Clients& c, Tokens& tokens, Acknowledged& acked, CrashReport& report) {
  report.acknowledged = 0;
  report.lost = 0;
  report.index_mismatches = 0;
  report.event_mismatches = 0;
  for (int service = 0; service < kServices; ++service) {
    std::vector<std::string> names;
    {
      absl::MutexLock lock(&acked.mu);
      names.assign(acked.names[service].begin(), acked.names[service].end());
    }
    report.acknowledged += static_cast<int64_t>(names.size());
    absl::Mutex mu;
    int64_t lost = RunCount(static_cast<int64_t>(names.size()), 16,
                            [&](int64_t i, auto done) { GetAsync(c, tokens, service, names[i], done); },
                            [&](int64_t i, const grpc::Status& s) {
                              absl::MutexLock lock(&mu);
                              Problem(report, absl::StrCat("acknowledged ", names[i],
                                                           " not readable: ", s.error_message()));
                            });
    report.lost += lost;

    // The list, read through the index, holds every acknowledged write, and
    // everything it names (acknowledged or not) can be read.
    absl::StatusOr<std::set<std::string>> listed = Listed(c, tokens, service);
    if (!listed.ok()) return listed.status();
    for (const std::string& n : names) {
      if (listed->count(n) == 0) {
        ++report.index_mismatches;
        Problem(report, absl::StrCat(kServiceNames[service], " list misses acknowledged ", n));
      }
    }
    std::vector<std::string> all(listed->begin(), listed->end());
    int64_t unreadable =
        RunCount(static_cast<int64_t>(all.size()), 16,
                 [&](int64_t i, auto done) { GetAsync(c, tokens, service, all[i], done); },
                 [&](int64_t i, const grpc::Status& s) {
                   absl::MutexLock lock(&mu);
                   Problem(report, absl::StrCat(kServiceNames[service], " lists ", all[i],
                                                " but get says: ", s.error_message()));
                 });
    report.index_mismatches += unreadable;

    // The event log names every acknowledged write, revisions in order.
    std::set<std::string> want(names.begin(), names.end());
    int64_t out_of_order = 0;
    std::set<std::string> seen;
    const std::string service_token = tokens.Service();
    switch (service) {
      case 0:
        seen = EventResources<dir::Directory::Stub, dir::WatchEventsRequest,
                              dir::WatchEventsResponse>(c.directory.get(), service_token, want,
                                                        &out_of_order);
        break;
      case 1:
        seen = EventResources<reg::CaseRegistry::Stub, reg::WatchEventsRequest,
                              reg::WatchEventsResponse>(c.registry.get(), service_token, want,
                                                        &out_of_order);
        break;
      case 2:
        seen = EventResources<cp::CasePlans::Stub, cp::WatchEventsRequest,
                              cp::WatchEventsResponse>(c.caseplan.get(), service_token, want,
                                                       &out_of_order);
        break;
      default:
        seen = EventResources<sh::Sharing::Stub, sh::WatchEventsRequest, sh::WatchEventsResponse>(
            c.sharing.get(), service_token, want, &out_of_order);
        break;
    }
    if (out_of_order > 0) {
      report.event_mismatches += out_of_order;
      Problem(report, absl::StrCat(kServiceNames[service], " event log: ", out_of_order,
                                   " revisions out of order or missing"));
    }
    for (const std::string& n : names) {
      if (seen.count(n) == 0) {
        ++report.event_mismatches;
        Problem(report, absl::StrCat(kServiceNames[service], " event log misses ", n));
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status SetupCrashCase(const std::shared_ptr<grpc::Channel>& channel, Tokens& tokens) {
  Clients c(channel);
  return Setup(c, tokens);
}

std::string CrashReport::Summary() const {
  return absl::StrCat("kills: ", kills, ", acknowledged: ", acknowledged, ", lost: ", lost,
                      ", index mismatches: ", index_mismatches,
                      ", event log mismatches: ", event_mismatches);
}

absl::StatusOr<CrashReport> RunCrashTest(const CrashOptions& options) {
  auto log = [&](const std::string& line) {
    if (options.log) options.log(line);
  };
  std::vector<std::string> args = {"--dev", "--data_dir", options.data_dir, "--listen",
                                   "127.0.0.1:0"};
  args.insert(args.end(), options.server_args.begin(), options.server_args.end());
  auto start = [&]() {
    return testing::SamepagedProcess::Start(options.samepaged, args,
                                            options.data_dir + "/samepaged.log",
                                            absl::Seconds(60));
  };
  auto server = start();
  if (!server.ok()) return server.status();
  auto tokens = Tokens::Load(options.data_dir);
  if (!tokens.ok()) return tokens.status();
  auto channel_to = [](int port) {
    return grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials());
  };
  {
    Clients c(channel_to((*server)->port()));
    absl::Status s = Setup(c, **tokens);
    if (!s.ok()) return s;
  }
  std::mt19937_64 random(options.seed);
  Acknowledged acked;
  CrashReport report;
  for (int round = 1; round <= options.kills; ++round) {
    auto channel = channel_to((*server)->port());
    Clients c(channel);
    {
      Writers writers(c, **tokens, acked, round, options.concurrency);
      int64_t span = absl::ToInt64Milliseconds(options.max_run - options.min_run);
      absl::Duration run =
          options.min_run + absl::Milliseconds(span > 0 ? static_cast<int64_t>(random() % span) : 0);
      absl::SleepFor(run);
      (*server)->Kill();
      writers.Stop();
      if (!writers.Wait(absl::Seconds(30))) {
        return absl::DeadlineExceededError("writes did not end after the kill");
      }
    }
    report.kills = round;
    server = start();
    if (!server.ok()) {
      return absl::InternalError(
          absl::StrCat("restart after kill ", round, ": ", server.status().ToString()));
    }
    Clients after(channel_to((*server)->port()));
    absl::Status s = Verify(after, **tokens, acked, report);
    if (!s.ok()) return s;
    log(absl::StrCat("after kill ", round, ": ", report.Summary()));
  }
  (*server)->Stop();
  return report;
}

}  // namespace samepage::bench
