// Every call that reads or changes case data leaves an entry in the serving
// service's hash-chained audit trail — who, which record, which method, how
// it ended — refused and unauthenticated calls included; verification passes
// on an untouched trail and names the first entry altered on disk.

#include <stdio.h>
#include <sys/wait.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/audit/audit_log.h"
#include "common/audit/audit_verify.h"
#include "common/storage/keyring.h"
#include "common/storage/store.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rocksdb/db.h"
#include "tests/audit/case_seed.h"
#include "tests/testing/server_fixture.h"

namespace samepage {
namespace {

using ::samepage::testing::kSeedCase;
using ::samepage::testing::ServerFixture;
using ::testing::HasSubstr;
namespace reg = ::samepage::registry::v1;
namespace sh = ::samepage::sharing::v1;
namespace dir = ::samepage::directory::v1;

struct Expected {
  std::string subject;
  std::string method;
  std::string resource;
  int code;
};

std::string Describe(const audit::v1::AuditEntry& e) {
  return absl::StrCat(e.sequence(), " ", e.subject(), " ", e.method(), " ", e.resource(), " ",
                      e.code());
}

class AuditTrailTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.Start().ok());
    testing::SeedCase(server_);
  }

  std::unique_ptr<storage::Keyring> Keys() {
    auto keys = storage::Keyring::LoadFile(server_.data_dir() + "/" +
                                           storage::kDevEncryptionKeysFile);
    EXPECT_TRUE(keys.ok()) << keys.status();
    return keys.ok() ? *std::move(keys) : nullptr;
  }

  // The trail of `service`, read with the server stopped.
  std::vector<audit::v1::AuditEntry> Entries(const std::string& service) {
    auto keys = Keys();
    auto store = storage::Store::Open(
        {.path = server_.data_dir() + "/" + service, .keyring = keys.get(), .read_only = true});
    EXPECT_TRUE(store.ok()) << store.status();
    std::vector<audit::v1::AuditEntry> out;
    if (!store.ok()) return out;
    EXPECT_TRUE(audit::ListEntries(**store, 0, 100000, [&](const audit::v1::AuditEntry& e) {
                  out.push_back(e);
                  return true;
                }).ok());
    return out;
  }

  absl::StatusOr<audit::Verification> Verify(const std::string& service) {
    auto keys = Keys();
    auto store = storage::Store::Open(
        {.path = server_.data_dir() + "/" + service, .keyring = keys.get(), .read_only = true});
    if (!store.ok()) return store.status();
    return audit::VerifyTrail(**store);
  }

  void ExpectEntry(const std::string& service, const Expected& want) {
    std::vector<audit::v1::AuditEntry> entries = Entries(service);
    for (const auto& e : entries) {
      if (e.subject() == want.subject && e.method() == want.method &&
          e.resource() == want.resource && e.code() == want.code) {
        EXPECT_EQ(e.service(), service);
        EXPECT_GT(e.time().seconds(), 0);
        EXPECT_EQ(e.hash().size(), 64u);
        return;
      }
    }
    std::string seen;
    for (const auto& e : entries) absl::StrAppend(&seen, "\n  ", Describe(e));
    ADD_FAILURE() << service << ": no entry " << want.subject << " " << want.method << " "
                  << want.resource << " " << want.code << "; trail:" << seen;
  }

  ServerFixture server_;
};

TEST_F(AuditTrailTest, EveryCaseCallIsOnRecordWithWhoWhatActionAndOutcome) {
  testing::Stubs stubs(server_.channel());
  std::string dana = server_.Token("people/dana");
  std::string zed = server_.Token("people/zed");

  reg::GetCaseRequest get_case;
  get_case.set_name(kSeedCase);
  reg::Case c;
  ASSERT_TRUE(stubs.registry->GetCase(ServerFixture::Context(dana).get(), get_case, &c).ok());
  // Refused: not on the team.
  EXPECT_EQ(stubs.registry->GetCase(ServerFixture::Context(zed).get(), get_case, &c).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  // No token at all.
  EXPECT_EQ(stubs.registry->GetCase(ServerFixture::Context("").get(), get_case, &c).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);

  std::string note = testing::WriteNote(server_, "Visited at home.");
  ASSERT_FALSE(note.empty());
  caseplan::v1::Note read;
  ASSERT_TRUE(testing::ReadNote(server_, note, &read).ok());

  sh::ListConsentsRequest consents;
  consents.set_case_(kSeedCase);
  sh::ListConsentsResponse consents_out;
  grpc::Status listed = stubs.sharing->ListConsents(ServerFixture::Context(dana).get(), consents,
                                                    &consents_out);
  ASSERT_TRUE(listed.ok()) << listed.error_message();
  EXPECT_EQ(stubs.sharing->ListConsents(ServerFixture::Context(zed).get(), consents,
                                        &consents_out)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);

  dir::WhoIsWhoRequest who;
  who.set_case_(kSeedCase);
  dir::WhoIsWhoResponse team;
  grpc::Status whoiswho = stubs.directory->WhoIsWho(ServerFixture::Context(dana).get(), who, &team);
  ASSERT_TRUE(whoiswho.ok()) << whoiswho.error_message();

  server_.Stop();
  const std::string kRegistry = "/samepage.registry.v1.CaseRegistry/";
  ExpectEntry("registry", {"admin", kRegistry + "CreateCase", kSeedCase, 0});
  ExpectEntry("registry", {"admin", kRegistry + "CreateAssignment", kSeedCase, 0});
  ExpectEntry("registry", {"people/dana", kRegistry + "GetCase", kSeedCase, 0});
  ExpectEntry("registry", {"people/zed", kRegistry + "GetCase", kSeedCase,
                           grpc::StatusCode::PERMISSION_DENIED});
  ExpectEntry("registry",
              {"", kRegistry + "GetCase", kSeedCase, grpc::StatusCode::UNAUTHENTICATED});
  ExpectEntry("caseplan",
              {"people/dana", "/samepage.caseplan.v1.CasePlans/CreateNote", kSeedCase, 0});
  ExpectEntry("caseplan", {"people/dana", "/samepage.caseplan.v1.CasePlans/GetNote", note, 0});
  ExpectEntry("sharing",
              {"people/dana", "/samepage.sharing.v1.Sharing/ListConsents", kSeedCase, 0});
  ExpectEntry("sharing", {"people/zed", "/samepage.sharing.v1.Sharing/ListConsents", kSeedCase,
                          grpc::StatusCode::PERMISSION_DENIED});
  ExpectEntry("directory",
              {"people/dana", "/samepage.directory.v1.Directory/WhoIsWho", kSeedCase, 0});
  ExpectEntry("directory",
              {"admin", "/samepage.directory.v1.Directory/CreatePerson", "people/dana", 0});

  for (const char* service : {"directory", "registry", "caseplan", "sharing"}) {
    auto verified = Verify(service);
    ASSERT_TRUE(verified.ok()) << verified.status();
    EXPECT_TRUE(verified->intact()) << service << ": " << verified->problem;
    EXPECT_GT(verified->verified, 0) << service;
    EXPECT_EQ(verified->verified, static_cast<int64_t>(Entries(service).size()));
  }
}

TEST_F(AuditTrailTest, TrailContinuesAcrossRestartsWithoutGaps) {
  testing::Stubs stubs(server_.channel());
  reg::GetCaseRequest get_case;
  get_case.set_name(kSeedCase);
  reg::Case c;
  ASSERT_TRUE(stubs.registry
                  ->GetCase(ServerFixture::Context(server_.Token("people/dana")).get(), get_case,
                            &c)
                  .ok());
  ASSERT_TRUE(server_.Restart().ok());
  testing::Stubs again(server_.channel());
  ASSERT_TRUE(again.registry
                  ->GetCase(ServerFixture::Context(server_.Token("people/dana")).get(), get_case,
                            &c)
                  .ok());
  server_.Stop();
  auto verified = Verify("registry");
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_TRUE(verified->intact()) << verified->problem;
  std::vector<audit::v1::AuditEntry> entries = Entries("registry");
  ASSERT_FALSE(entries.empty());
  for (size_t i = 0; i < entries.size(); ++i) EXPECT_EQ(entries[i].sequence(), int64_t(i + 1));
}

// Runs `samepaged <args>` and returns its exit code and output.
std::pair<int, std::string> Samepaged(const std::string& args) {
  std::string command = absl::StrCat(SAMEPAGED_PATH, " ", args, " 2>&1");
  FILE* pipe = popen(command.c_str(), "r");
  std::string out;
  if (pipe == nullptr) return {-1, out};
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, n);
  int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

TEST_F(AuditTrailTest, AlteredEntryIsNamedByVerification) {
  testing::Stubs stubs(server_.channel());
  reg::GetCaseRequest get_case;
  get_case.set_name(kSeedCase);
  reg::Case c;
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(stubs.registry
                    ->GetCase(ServerFixture::Context(server_.Token("people/dana")).get(),
                              get_case, &c)
                    .ok());
  }
  // The command works on a running server's data (read-only open).
  auto [live_code, live_out] =
      Samepaged(absl::StrCat("audit-verify --data_dir ", server_.data_dir()));
  EXPECT_EQ(live_code, 0) << live_out;
  EXPECT_THAT(live_out, HasSubstr("registry: intact"));
  server_.Stop();

  const std::string path = server_.data_dir() + "/registry";
  auto keys = Keys();
  std::string original;
  {
    // Someone with the key and the database rewrites who read entry 3 and
    // stores it properly encrypted: only the chain gives it away.
    auto store = storage::Store::Open({.path = path, .keyring = keys.get()});
    ASSERT_TRUE(store.ok()) << store.status();
    ASSERT_TRUE((*store)
                    ->Transact([&](const storage::ReadView& view, storage::Batch& batch) {
                      auto value = view.Get(audit::kAuditColumnFamily, audit::AuditKey(3));
                      if (!value.ok()) return value.status();
                      original = value->value_or("");
                      audit::v1::AuditEntry entry;
                      entry.ParseFromString(original);
                      entry.set_subject("people/somebody-else");
                      batch.Put(audit::kAuditColumnFamily, audit::AuditKey(3),
                                entry.SerializeAsString());
                      return absl::OkStatus();
                    })
                    .ok());
  }
  auto verified = Verify("registry");
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_EQ(verified->broken_sequence, 3);
  EXPECT_EQ(verified->verified, 2);
  EXPECT_THAT(verified->problem, HasSubstr("altered"));
  auto [code, out] =
      Samepaged(absl::StrCat("audit-verify --data_dir ", server_.data_dir(), " --service registry"));
  EXPECT_EQ(code, 1) << out;
  EXPECT_THAT(out, HasSubstr("registry: BROKEN at entry 3"));

  // Put entry 3 back; then change bytes of entry 5 as stored on disk
  // (without the key): its encryption no longer authenticates.
  {
    auto store = storage::Store::Open({.path = path, .keyring = keys.get()});
    ASSERT_TRUE(store.ok()) << store.status();
    ASSERT_TRUE((*store)
                    ->Transact([&](const storage::ReadView&, storage::Batch& batch) {
                      batch.Put(audit::kAuditColumnFamily, audit::AuditKey(3), original);
                      return absl::OkStatus();
                    })
                    .ok());
  }
  verified = Verify("registry");
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_TRUE(verified->intact()) << verified->problem;
  {
    std::vector<std::string> names;
    ASSERT_TRUE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), path, &names).ok());
    std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
    for (const auto& n : names) cfs.emplace_back(n, rocksdb::ColumnFamilyOptions());
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* raw = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(rocksdb::DBOptions(), path, cfs, &handles, &raw).ok());
    std::unique_ptr<rocksdb::DB> db(raw);
    rocksdb::ColumnFamilyHandle* audit_cf = nullptr;
    for (size_t i = 0; i < names.size(); ++i) {
      if (names[i] == audit::kAuditColumnFamily) audit_cf = handles[i];
    }
    ASSERT_NE(audit_cf, nullptr);
    std::string value;
    ASSERT_TRUE(db->Get({}, audit_cf, audit::AuditKey(5), &value).ok());
    value[value.size() / 2] ^= 0x01;
    rocksdb::WriteOptions sync;
    sync.sync = true;
    ASSERT_TRUE(db->Put(sync, audit_cf, audit::AuditKey(5), value).ok());
    for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
    ASSERT_TRUE(db->Close().ok());
  }
  verified = Verify("registry");
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_EQ(verified->broken_sequence, 5);
  EXPECT_THAT(verified->problem, HasSubstr("fails authentication"));
}

TEST_F(AuditTrailTest, ListCommandPrintsEntries) {
  server_.Stop();
  auto [code, out] = Samepaged(
      absl::StrCat("audit-list --data_dir ", server_.data_dir(), " --service registry --limit 2"));
  EXPECT_EQ(code, 0) << out;
  EXPECT_THAT(out, HasSubstr("1\t"));
  EXPECT_THAT(out, HasSubstr("/samepage.registry.v1.CaseRegistry/CreateCase\tcases/c-0001\tOK"));
  auto [json_code, json] = Samepaged(absl::StrCat("audit-list --data_dir ", server_.data_dir(),
                                                  " --service registry --after 1 --json"));
  EXPECT_EQ(json_code, 0) << json;
  EXPECT_THAT(json, HasSubstr("\"sequence\":\"2\""));
}

}  // namespace
}  // namespace samepage
