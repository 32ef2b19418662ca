// Online backup and restore through the real binaries: a server is
// populated through its gRPC API (people, a case and its team, notes, a
// sharing category), `samepaged backup` backs it up while a client keeps
// writing, `samepaged restore` builds a new data folder, and a server
// started on it answers with the same records and the same event logs,
// revision for revision.

#include <stdio.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/identity/caller.h"
#include "common/identity/dev_token_issuer.h"
#include "common/storage/keyring.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "samepage/caseplan/v1/caseplan_service.grpc.pb.h"
#include "samepage/directory/v1/directory_service.grpc.pb.h"
#include "samepage/registry/v1/registry_service.grpc.pb.h"
#include "samepage/sharing/v1/sharing_service.grpc.pb.h"
#include "tests/testing/samepaged_process.h"
#include "tests/testing/server_fixture.h"
#include "tests/testing/temp_dir.h"

namespace samepage {
namespace {

using ::samepage::testing::SamepagedProcess;
using ::samepage::testing::ServerFixture;
using ::samepage::testing::TempDir;
using ::testing::HasSubstr;
namespace dir = ::samepage::directory::v1;
namespace reg = ::samepage::registry::v1;
namespace sh = ::samepage::sharing::v1;
namespace cp = ::samepage::caseplan::v1;

// Runs a command line, returning its exit code and what it printed.
std::pair<int, std::string> RunCommand(const std::string& command) {
  std::string output;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return {-1, "popen failed"};
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) output.append(buffer, n);
  int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

// A client of one server: stubs and a development token from its data folder.
struct Client {
  Client(int port, const std::string& data_dir) {
    channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", port),
                                  grpc::InsecureChannelCredentials());
    directory = dir::Directory::NewStub(channel);
    registry = reg::CaseRegistry::NewStub(channel);
    sharing = sh::Sharing::NewStub(channel);
    caseplan = cp::CasePlans::NewStub(channel);
    auto issuer = identity::DevTokenIssuer::Load(data_dir);
    EXPECT_TRUE(issuer.ok()) << issuer.status();
    if (issuer.ok()) {
      admin = *(*issuer)->Issue("admin", {identity::kAdminScope, identity::kServiceScope},
                                absl::Hours(1), absl::Now());
      dana = *(*issuer)->Issue("people/dana", {}, absl::Hours(1), absl::Now());
    }
  }
  static std::unique_ptr<grpc::ClientContext> Ctx(const std::string& token,
                                                  absl::Duration deadline = absl::Seconds(10)) {
    return ServerFixture::Context(token, deadline);
  }

  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<dir::Directory::Stub> directory;
  std::unique_ptr<reg::CaseRegistry::Stub> registry;
  std::unique_ptr<sh::Sharing::Stub> sharing;
  std::unique_ptr<cp::CasePlans::Stub> caseplan;
  std::string admin, dana;
};

grpc::Status CreatePerson(Client& c, const std::string& id, const std::string& org,
                          const std::string& role) {
  dir::CreatePersonRequest req;
  req.set_person_id(id);
  req.mutable_person()->set_display_name("Person " + id);
  req.mutable_person()->set_organization("organizations/" + org);
  req.mutable_person()->add_roles("roles/" + role);
  auto* contact = req.mutable_person()->add_contact_points();
  contact->set_channel(dir::ContactPoint::CHANNEL_EMAIL);
  contact->set_value(id + "@example.org");
  dir::Person out;
  return c.directory->CreatePerson(Client::Ctx(c.admin).get(), req, &out);
}

void Populate(Client& c) {
  for (auto [id, kind] : {std::pair{"sunrise", dir::Organization::KIND_CHILD_WELFARE_AGENCY},
                          {"harbor", dir::Organization::KIND_BEHAVIORAL_HEALTH_PROVIDER}}) {
    dir::CreateOrganizationRequest req;
    req.set_organization_id(id);
    req.mutable_organization()->set_display_name(id);
    req.mutable_organization()->set_kind(kind);
    dir::Organization out;
    grpc::Status s = c.directory->CreateOrganization(Client::Ctx(c.admin).get(), req, &out);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  ASSERT_TRUE(CreatePerson(c, "dana", "sunrise", "dependency-case-manager").ok());
  ASSERT_TRUE(CreatePerson(c, "sam", "sunrise", "case-supervisor").ok());
  ASSERT_TRUE(CreatePerson(c, "theo", "harbor", "therapist").ok());

  reg::CreateCaseRequest req;
  req.set_case_id("rivera");
  reg::Case* kase = req.mutable_case_();
  kase->set_case_number("2026-0042");
  kase->set_lead_agency("organizations/sunrise");
  kase->set_display_name("Rivera family");
  kase->set_program("foster-care");
  auto* leo = kase->add_subjects();
  leo->set_subject_id("leo");
  leo->set_kind(reg::CaseSubject::KIND_CHILD);
  leo->set_display_name("Leo Rivera");
  leo->mutable_birth_date()->set_year(2017);
  leo->mutable_birth_date()->set_month(4);
  leo->mutable_birth_date()->set_day(9);
  reg::Case created;
  grpc::Status s = c.registry->CreateCase(Client::Ctx(c.admin).get(), req, &created);
  ASSERT_TRUE(s.ok()) << s.error_message();
  for (auto [role, person] : {std::pair{"dependency-case-manager", "dana"},
                              {"case-supervisor", "sam"},
                              {"therapist", "theo"}}) {
    reg::CreateAssignmentRequest a;
    a.set_parent("cases/rivera");
    a.mutable_assignment()->set_case_role(role);
    a.mutable_assignment()->set_person(absl::StrCat("people/", person));
    reg::Assignment out;
    s = c.registry->CreateAssignment(Client::Ctx(c.admin).get(), a, &out);
    ASSERT_TRUE(s.ok()) << role << ": " << s.error_message();
  }

  sh::CreateCategoryRequest category;
  category.set_category_id("school-records");
  category.mutable_category()->set_display_name("School records");
  category.mutable_category()->add_default_case_roles("dependency-case-manager");
  sh::Category made;
  s = c.sharing->CreateCategory(Client::Ctx(c.admin).get(), category, &made);
  ASSERT_TRUE(s.ok()) << s.error_message();

  for (int i = 0; i < 3; ++i) {
    cp::CreateNoteRequest note;
    note.set_parent("cases/rivera");
    note.mutable_note()->set_kind(cp::Note::KIND_CONTACT_NOTE);
    note.mutable_note()->set_category("general");
    note.mutable_note()->set_title(absl::StrCat("Home visit ", i));
    note.mutable_note()->set_body(absl::StrCat("Visited the placement; visit ", i, " went well."));
    cp::Note out;
    s = c.caseplan->CreateNote(Client::Ctx(c.dana).get(), note, &out);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
}

// What a reader sees: every record the test wrote, as text.
struct Snapshot {
  std::vector<std::string> organizations, people, cases, assignments, categories, notes;
  bool operator==(const Snapshot& o) const {
    return organizations == o.organizations && people == o.people && cases == o.cases &&
           assignments == o.assignments && categories == o.categories && notes == o.notes;
  }
};

template <typename Request, typename Response, typename Call, typename Items>
std::vector<std::string> All(Request req, Call call, Items items) {
  std::vector<std::string> out;
  for (int page = 0; page < 100; ++page) {
    Response resp;
    grpc::Status s = call(req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    if (!s.ok()) break;
    for (const auto& item : items(resp)) out.push_back(item.ShortDebugString());
    if (resp.next_page_token().empty()) break;
    req.set_page_token(resp.next_page_token());
  }
  return out;
}

Snapshot Read(Client& c) {
  Snapshot snap;
  snap.organizations = All<dir::ListOrganizationsRequest, dir::ListOrganizationsResponse>(
      dir::ListOrganizationsRequest(),
      [&](const auto& r, auto* out) {
        return c.directory->ListOrganizations(Client::Ctx(c.admin).get(), r, out);
      },
      [](const auto& r) { return r.organizations(); });
  snap.people = All<dir::ListPeopleRequest, dir::ListPeopleResponse>(
      dir::ListPeopleRequest(),
      [&](const auto& r, auto* out) {
        return c.directory->ListPeople(Client::Ctx(c.admin).get(), r, out);
      },
      [](const auto& r) { return r.people(); });
  snap.cases = All<reg::ListCasesRequest, reg::ListCasesResponse>(
      reg::ListCasesRequest(),
      [&](const auto& r, auto* out) {
        return c.registry->ListCases(Client::Ctx(c.admin).get(), r, out);
      },
      [](const auto& r) { return r.cases(); });
  reg::ListAssignmentsRequest assignments;
  assignments.set_parent("cases/rivera");
  snap.assignments = All<reg::ListAssignmentsRequest, reg::ListAssignmentsResponse>(
      assignments,
      [&](const auto& r, auto* out) {
        return c.registry->ListAssignments(Client::Ctx(c.admin).get(), r, out);
      },
      [](const auto& r) { return r.assignments(); });
  snap.categories = All<sh::ListCategoriesRequest, sh::ListCategoriesResponse>(
      sh::ListCategoriesRequest(),
      [&](const auto& r, auto* out) {
        return c.sharing->ListCategories(Client::Ctx(c.admin).get(), r, out);
      },
      [](const auto& r) { return r.categories(); });
  cp::ListNotesRequest notes;
  notes.set_parent("cases/rivera");
  snap.notes = All<cp::ListNotesRequest, cp::ListNotesResponse>(
      notes,
      [&](const auto& r, auto* out) {
        return c.caseplan->ListNotes(Client::Ctx(c.dana).get(), r, out);
      },
      [](const auto& r) { return r.notes(); });
  return snap;
}

// The first `count` events of a service's log (revisions 1..count), as text.
template <typename Stub, typename Request, typename Response>
std::vector<std::string> Events(Stub* stub, const std::string& token, int64_t count) {
  std::vector<std::string> out;
  if (count <= 0) return out;
  auto ctx = Client::Ctx(token, absl::Seconds(20));
  Request req;
  req.set_after_revision(0);
  auto reader = stub->WatchEvents(ctx.get(), req);
  Response resp;
  while (static_cast<int64_t>(out.size()) < count && reader->Read(&resp)) {
    out.push_back(resp.event().ShortDebugString());
  }
  ctx->TryCancel();
  reader->Finish().IgnoreError();
  return out;
}

std::map<std::string, std::vector<std::string>> EventLogs(Client& c,
                                                          std::map<std::string, int64_t> counts) {
  return {
      {"directory", Events<dir::Directory::Stub, dir::WatchEventsRequest, dir::WatchEventsResponse>(
                        c.directory.get(), c.admin, counts["directory"])},
      {"registry",
       Events<reg::CaseRegistry::Stub, reg::WatchEventsRequest, reg::WatchEventsResponse>(
           c.registry.get(), c.admin, counts["registry"])},
      {"sharing", Events<sh::Sharing::Stub, sh::WatchEventsRequest, sh::WatchEventsResponse>(
                      c.sharing.get(), c.admin, counts["sharing"])},
      {"caseplan", Events<cp::CasePlans::Stub, cp::WatchEventsRequest, cp::WatchEventsResponse>(
                       c.caseplan.get(), c.admin, counts["caseplan"])},
  };
}

// "directory: backup 1 in /b/directory (revision 12, 3456 bytes)" -> 12.
std::map<std::string, int64_t> Revisions(const std::string& backup_output) {
  std::map<std::string, int64_t> out;
  for (absl::string_view line : absl::StrSplit(backup_output, '\n', absl::SkipEmpty())) {
    size_t colon = line.find(':');
    size_t at = line.find("(revision ");
    if (colon == absl::string_view::npos || at == absl::string_view::npos) continue;
    absl::string_view rest = line.substr(at + 10);
    int64_t revision = 0;
    if (absl::SimpleAtoi(rest.substr(0, rest.find(',')), &revision)) {
      out[std::string(line.substr(0, colon))] = revision;
    }
  }
  return out;
}

TEST(BackupRestoreTest, RestoredServerAnswersLikeTheOriginalAtTheBackup) {
  TempDir dir;
  const std::string data = dir.Sub("data"), backups = dir.Sub("backups"),
                    restored = dir.Sub("restored");
  auto original = SamepagedProcess::Start(
      SAMEPAGED_BINARY,
      {"--dev", "--data_dir", data, "--listen", "127.0.0.1:0", "--backup_dir", backups},
      dir.Sub("original.log"));
  ASSERT_TRUE(original.ok()) << original.status();
  Client before((*original)->port(), data);
  Populate(before);
  if (HasFatalFailure()) return;
  const Snapshot populated = Read(before);
  ASSERT_EQ(populated.people.size(), 3u);
  ASSERT_EQ(populated.notes.size(), 3u);

  // A client keeps writing while the backup runs: the server stays online.
  std::atomic<bool> stop{false};
  std::atomic<int> written{0};
  std::thread writer([&] {
    for (int i = 0; i < 500 && !stop.load(); ++i) {
      if (!CreatePerson(before, absl::StrCat("extra-", i), "harbor", "therapist").ok()) break;
      written.store(i + 1);
    }
  });
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (written.load() < 3 && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(5));
  auto [code, output] = RunCommand(absl::StrCat(SAMEPAGED_BINARY, " backup --server 127.0.0.1:",
                                         (*original)->port(), " --data_dir ", data));
  stop.store(true);
  writer.join();
  ASSERT_EQ(code, 0) << output;
  std::map<std::string, int64_t> revisions = Revisions(output);
  ASSERT_EQ(revisions.size(), 5u) << output;  // directory, registry, caseplan, sharing, updates
  EXPECT_THAT(output, HasSubstr("caseplan: backup 1 in " + backups + "/caseplan"));
  // Consumers are backed up before the services whose events they follow.
  EXPECT_LT(output.find("updates:"), output.find("registry:"));
  EXPECT_LT(output.find("caseplan:"), output.find("registry:"));
  EXPECT_LT(output.find("registry:"), output.find("directory:"));

  // The original's event logs up to each backup's revision.
  const auto original_events = EventLogs(before, revisions);
  (*original)->Stop();

  auto [restore_code, restore_output] =
      RunCommand(absl::StrCat(SAMEPAGED_BINARY, " restore --from ", backups, " --data_dir ", restored));
  ASSERT_EQ(restore_code, 0) << restore_output;
  EXPECT_THAT(restore_output, HasSubstr("registry: restored backup 1"));
  // Restoring over a database is refused.
  auto [again_code, again_output] =
      RunCommand(absl::StrCat(SAMEPAGED_BINARY, " restore --from ", backups, " --data_dir ", restored));
  EXPECT_NE(again_code, 0);
  EXPECT_THAT(again_output, HasSubstr("not empty; restore into a new folder"));

  // The data is encrypted at rest: the restored server needs the original's
  // keys, which backups deliberately leave out (development mode keeps them
  // in the data folder).
  std::filesystem::copy_file(data + "/" + storage::kDevEncryptionKeysFile,
                             restored + "/" + storage::kDevEncryptionKeysFile);
  auto copy = SamepagedProcess::Start(
      SAMEPAGED_BINARY, {"--dev", "--data_dir", restored, "--listen", "127.0.0.1:0"},
      dir.Sub("restored.log"));
  ASSERT_TRUE(copy.ok()) << copy.status();
  Client after((*copy)->port(), restored);

  // Every event up to each backup's revision, identical, revision for
  // revision.
  const auto restored_events = EventLogs(after, revisions);
  for (const auto& [service, events] : original_events) {
    EXPECT_EQ(static_cast<int64_t>(events.size()), revisions[service]) << service;
    EXPECT_EQ(restored_events.at(service), events) << service;
  }
  EXPECT_GT(revisions["registry"], 0);
  EXPECT_GT(revisions["sharing"], 0);
  EXPECT_GT(revisions["caseplan"], 0);

  // Every record written before the backup began, identical; of the people
  // written during it, a prefix (extra-0, extra-1, ...) in creation order.
  Snapshot restored_snapshot = Read(after);
  std::vector<std::string> extras;
  std::vector<std::string> base_people;
  for (const std::string& person : restored_snapshot.people) {
    (absl::StrContains(person, "people/extra-") ? extras : base_people).push_back(person);
  }
  restored_snapshot.people = base_people;
  EXPECT_EQ(restored_snapshot, populated);
  EXPECT_EQ(restored_snapshot.people, populated.people);
  EXPECT_EQ(restored_snapshot.notes, populated.notes);
  EXPECT_EQ(restored_snapshot.assignments, populated.assignments);
  EXPECT_LE(static_cast<int>(extras.size()), written.load());
  std::printf("backup taken while %d people were written; %zu of them are in it\n",
              written.load(), extras.size());
  for (size_t i = 0; i < extras.size(); ++i) {
    bool found = false;
    for (const std::string& e : extras) {
      found = found || absl::StrContains(e, absl::StrCat("people/extra-", i, "\""));
    }
    EXPECT_TRUE(found) << "extra-" << i << " missing but a later one was restored";
  }
}

TEST(BackupRestoreTest, RefusedWithoutABackupFolderOrAdminToken) {
  TempDir dir;
  auto server = SamepagedProcess::Start(
      SAMEPAGED_BINARY, {"--dev", "--data_dir", dir.Sub("data"), "--listen", "127.0.0.1:0"},
      dir.Sub("server.log"));
  ASSERT_TRUE(server.ok()) << server.status();
  auto [code, output] = RunCommand(absl::StrCat(SAMEPAGED_BINARY, " backup --server 127.0.0.1:",
                                         (*server)->port(), " --data_dir ", dir.Sub("data")));
  EXPECT_EQ(code, 1);
  EXPECT_THAT(output, HasSubstr("started without --backup_dir"));

  // A token without samepage.admin.
  auto issuer = identity::DevTokenIssuer::Load(dir.Sub("data"));
  ASSERT_TRUE(issuer.ok());
  std::string token = *(*issuer)->Issue("people/dana", {}, absl::Hours(1), absl::Now());
  {
    FILE* f = fopen(dir.Sub("token").c_str(), "w");
    ASSERT_NE(f, nullptr);
    fputs(token.c_str(), f);
    fclose(f);
  }
  std::tie(code, output) = RunCommand(absl::StrCat(SAMEPAGED_BINARY, " backup --server 127.0.0.1:",
                                            (*server)->port(), " --token_file ", dir.Sub("token")));
  EXPECT_EQ(code, 1);
  EXPECT_THAT(output, HasSubstr("platform administrators"));

  std::tie(code, output) = RunCommand(absl::StrCat(SAMEPAGED_BINARY, " backup --server 127.0.0.1:1"));
  EXPECT_EQ(code, 2);
  EXPECT_THAT(output, HasSubstr("--token_file"));
  std::tie(code, output) =
      RunCommand(absl::StrCat(SAMEPAGED_BINARY, " restore --from ", dir.Sub("none"), " --data_dir x"));
  EXPECT_EQ(code, 2);
  EXPECT_THAT(output, HasSubstr("holds no service's backups"));
}

// The plaintext health-only listener, through `samepaged health`: what a
// container health check or a Kubernetes grpc probe sees.
TEST(HealthListenerTest, AnswersHealthAndNothingElse) {
  TempDir dir;
  absl::StatusOr<int> health_port = samepage::testing::PickFreePort();
  ASSERT_TRUE(health_port.ok());
  const std::string health = absl::StrCat("127.0.0.1:", *health_port);
  auto server = SamepagedProcess::Start(
      SAMEPAGED_BINARY,
      {"--dev", "--data_dir", dir.Sub("data"), "--listen", "127.0.0.1:0", "--services",
       "directory,registry", "--health_listen", health},
      dir.Sub("server.log"));
  ASSERT_TRUE(server.ok()) << server.status();
  const std::string probe = absl::StrCat(SAMEPAGED_BINARY, " health --server ", health);
  auto [code, output] = RunCommand(probe);
  EXPECT_EQ(code, 0) << output;
  EXPECT_THAT(output, HasSubstr("SERVING"));
  std::tie(code, output) = RunCommand(probe + " --service samepage.registry.v1.CaseRegistry");
  EXPECT_EQ(code, 0) << output;
  // A service this server does not host.
  std::tie(code, output) = RunCommand(probe + " --service samepage.sharing.v1.Sharing");
  EXPECT_EQ(code, 1) << output;
  // The health port serves nothing else.
  Client client(*health_port, dir.Sub("data"));
  dir::ListOrganizationsResponse orgs;
  grpc::Status s = client.directory->ListOrganizations(Client::Ctx(client.admin).get(),
                                                       dir::ListOrganizationsRequest(), &orgs);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNIMPLEMENTED) << s.error_message();
  (*server)->Stop();
  std::tie(code, output) = RunCommand(probe + " --timeout 2s");
  EXPECT_EQ(code, 1) << output;
}

}  // namespace
}  // namespace samepage
