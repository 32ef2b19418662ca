// What identifies or describes a person is encrypted on disk: a note's body
// and a child's name written through the real server appear in no file of
// the data folder (SST, write-ahead log, MANIFEST, anything), and still read
// back after a restart; keys rotate without losing old records; plaintext
// data from before encryption is sealed in place.

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/storage/keyring.h"
#include "common/storage/store.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rocksdb/db.h"
#include "tests/audit/case_seed.h"
#include "tests/testing/server_fixture.h"
#include "tests/testing/temp_dir.h"

namespace samepage {
namespace {

using ::samepage::testing::kChildName;
using ::samepage::testing::kSeedCase;
using ::samepage::testing::ServerFixture;
using ::samepage::testing::TempDir;
using ::testing::HasSubstr;

constexpr char kBody[] = "Quetzal-7731 says the placement feels safe now";

std::string ReadAll(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// Files under `dir` whose bytes contain `needle`.
std::vector<std::string> FilesContaining(const std::string& dir, const std::string& needle) {
  std::vector<std::string> found;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    if (ReadAll(entry.path()).find(needle) != std::string::npos) {
      found.push_back(entry.path().string());
    }
  }
  return found;
}

std::string KeyFile(const ServerFixture& server) {
  return server.data_dir() + "/" + storage::kDevEncryptionKeysFile;
}

void WritePrivate(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::trunc) << text;
  chmod(path.c_str(), 0600);
}

// Key ids of the values stored in `cf` of the database at `path`.
std::set<std::string> KeyIdsIn(const std::string& path, const std::string& cf) {
  std::vector<std::string> names;
  EXPECT_TRUE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), path, &names).ok());
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
  for (const auto& n : names) cfs.emplace_back(n, rocksdb::ColumnFamilyOptions());
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  std::set<std::string> ids;
  if (!rocksdb::DB::OpenForReadOnly(rocksdb::DBOptions(), path, cfs, &handles, &raw).ok()) {
    ADD_FAILURE() << "cannot open " << path;
    return ids;
  }
  std::unique_ptr<rocksdb::DB> db(raw);
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] != cf) continue;
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator({}, handles[i]));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      ids.insert(storage::Keyring::KeyIdOf(it->value().ToString()));
    }
  }
  for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
  return ids;
}

TEST(EncryptionAtRestTest, NoteBodyAndChildNameAreInNoFileAndReadBackAfterRestart) {
  ServerFixture server;
  ASSERT_TRUE(server.Start().ok());
  testing::SeedCase(server);
  std::string note = testing::WriteNote(server, kBody);
  ASSERT_FALSE(note.empty());
  server.Stop();  // flushes and closes every database

  // The scan does see stored bytes: the format version is plaintext by design.
  EXPECT_FALSE(FilesContaining(server.data_dir(), "format_version").empty());
  EXPECT_THAT(FilesContaining(server.data_dir(), kBody), ::testing::IsEmpty());
  EXPECT_THAT(FilesContaining(server.data_dir(), kChildName), ::testing::IsEmpty());
  EXPECT_THAT(FilesContaining(server.data_dir(), "Quetzal"), ::testing::IsEmpty());

  ASSERT_TRUE(server.Start().ok());
  caseplan::v1::Note read;
  grpc::Status s = testing::ReadNote(server, note, &read);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(read.body(), kBody);
  testing::Stubs stubs(server.channel());
  registry::v1::GetCaseRequest req;
  req.set_name(kSeedCase);
  registry::v1::Case c;
  ASSERT_TRUE(
      stubs.registry->GetCase(ServerFixture::Context(server.AdminToken()).get(), req, &c).ok());
  ASSERT_EQ(c.subjects_size(), 1);
  EXPECT_EQ(c.subjects(0).display_name(), kChildName);
}

TEST(EncryptionAtRestTest, RotatedKeysKeepOldRecordsReadableAndResealRetiresTheOldKey) {
  ServerFixture server;
  ASSERT_TRUE(server.Start().ok());
  testing::SeedCase(server);
  std::string first = testing::WriteNote(server, "written under the first key");
  server.Stop();

  std::string old_file = ReadAll(KeyFile(server));
  std::string new_line = storage::Keyring::NewKeyLine();
  std::string new_id = new_line.substr(0, new_line.find(' '));
  WritePrivate(KeyFile(server), absl::StrCat(new_line, "\n", old_file));

  ASSERT_TRUE(server.Start().ok());
  std::string second = testing::WriteNote(server, "written under the second key");
  caseplan::v1::Note read;
  ASSERT_TRUE(testing::ReadNote(server, first, &read).ok());
  EXPECT_EQ(read.body(), "written under the first key");
  ASSERT_TRUE(testing::ReadNote(server, second, &read).ok());
  EXPECT_EQ(read.body(), "written under the second key");
  server.Stop();
  std::set<std::string> ids = KeyIdsIn(server.data_dir() + "/caseplan", "notes");
  EXPECT_EQ(ids.size(), 2u);
  EXPECT_TRUE(ids.count(new_id));

  // Re-encrypt everything with the new key, then retire the old one.
  auto keys = storage::Keyring::LoadFile(KeyFile(server));
  ASSERT_TRUE(keys.ok()) << keys.status();
  for (const char* service : server::kAllServices) {
    auto store = storage::Store::Open(
        {.path = server.data_dir() + "/" + service, .keyring = keys->get()});
    ASSERT_TRUE(store.ok()) << store.status();
    auto resealed = (*store)->Reseal();
    ASSERT_TRUE(resealed.ok()) << resealed.status();
  }
  EXPECT_EQ(KeyIdsIn(server.data_dir() + "/caseplan", "notes"), std::set<std::string>{new_id});
  WritePrivate(KeyFile(server), new_line + "\n");
  absl::Status restarted = server.Start();
  ASSERT_TRUE(restarted.ok()) << restarted;
  ASSERT_TRUE(testing::ReadNote(server, first, &read).ok());
  EXPECT_EQ(read.body(), "written under the first key");
  ASSERT_TRUE(testing::ReadNote(server, second, &read).ok());
  EXPECT_EQ(read.body(), "written under the second key");
}

std::unique_ptr<storage::Keyring> TestKeys(const std::string& lines) {
  auto keys = storage::Keyring::Parse(lines, "test");
  EXPECT_TRUE(keys.ok()) << keys.status();
  return keys.ok() ? *std::move(keys) : nullptr;
}

absl::Status PutRecord(storage::Store& store, const std::string& key, const std::string& value) {
  return store.Transact([&](const storage::ReadView&, storage::Batch& batch) {
    batch.Put("records", key, value);
    batch.AppendEvent("event about " + value);
    return absl::OkStatus();
  });
}

TEST(EncryptionAtRestTest, PlaintextDatabaseIsSealedInPlaceAndEncryptedOneNeedsItsKeys) {
  TempDir dir;
  auto keys = TestKeys(storage::Keyring::NewKeyLine());
  {
    // Written before encryption: format version 1, values as given.
    auto store = storage::Store::Open({.path = dir.path(),
                                       .column_families = {"records"},
                                       .format_version = 1,
                                       .upgrades = {}});
    ASSERT_TRUE(store.ok()) << store.status();
    ASSERT_TRUE(PutRecord(**store, "a", "plain record Zebulon").ok());
  }
  EXPECT_FALSE(FilesContaining(dir.path(), "Zebulon").empty());
  {
    auto store = storage::Store::Open(
        {.path = dir.path(), .column_families = {"records"}, .keyring = keys.get()});
    ASSERT_TRUE(store.ok()) << store.status();
    auto value = (*store)->reader().Get("records", "a");
    ASSERT_TRUE(value.ok()) << value.status();
    EXPECT_EQ(value->value_or(""), "plain record Zebulon");
    std::string payload;
    ASSERT_TRUE((*store)
                    ->ReadEvents(0, 10,
                                 [&](int64_t, absl::string_view p) {
                                   payload = std::string(p);
                                   return true;
                                 })
                    .ok());
    EXPECT_EQ(payload, "event about plain record Zebulon");
    ASSERT_TRUE(PutRecord(**store, "b", "new record").ok());
    ASSERT_TRUE((*store)->db()->Flush({}).ok());
  }
  EXPECT_EQ(KeyIdsIn(dir.path(), "records"), std::set<std::string>{keys->active_id()});
  EXPECT_EQ(KeyIdsIn(dir.path(), "events"), std::set<std::string>{keys->active_id()});

  auto without = storage::Store::Open({.path = dir.path(), .column_families = {"records"}});
  ASSERT_FALSE(without.ok());
  EXPECT_EQ(without.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(without.status().message(), HasSubstr("--encryption_keys"));

  auto other = TestKeys(storage::Keyring::NewKeyLine());
  auto wrong = storage::Store::Open(
      {.path = dir.path(), .column_families = {"records"}, .keyring = other.get()});
  ASSERT_TRUE(wrong.ok()) << wrong.status();
  auto value = (*wrong)->reader().Get("records", "a");
  ASSERT_FALSE(value.ok());
  EXPECT_THAT(value.status().message(), HasSubstr("not in the encryption key file"));
}

TEST(EncryptionAtRestTest, SealedValueOpensOnlyWhereItWasStoredAndUnaltered) {
  auto keys = TestKeys(storage::Keyring::NewKeyLine());
  std::string sealed = keys->Seal("a record", "records/a");
  EXPECT_EQ(keys->Open(sealed, "records/a").value_or(""), "a record");
  EXPECT_EQ(keys->Open(sealed, "records/b").status().code(), absl::StatusCode::kDataLoss);
  std::string altered = sealed;
  altered.back() ^= 1;
  EXPECT_EQ(keys->Open(altered, "records/a").status().code(), absl::StatusCode::kDataLoss);
  // Same plaintext, fresh nonce: different ciphertext.
  EXPECT_NE(keys->Seal("a record", "records/a"), sealed);
}

TEST(EncryptionAtRestTest, EveryValueGetsANonceOfItsOwnFromThreadsAtOnce) {
  auto keys = TestKeys(storage::Keyring::NewKeyLine());
  const std::string header = keys->Seal("", "x").substr(0, 2 + keys->active_id().size());
  // Nonces are drawn a block at a time: enough values, from several threads,
  // to cross blocks many times.
  constexpr int kThreads = 4, kPerThread = 1000;
  std::vector<std::vector<std::string>> sealed(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) sealed[t].push_back(keys->Seal("same", "records/a"));
    });
  }
  for (std::thread& t : threads) t.join();
  std::set<std::string> nonces;
  for (const auto& values : sealed) {
    for (const std::string& value : values) {
      ASSERT_EQ(value.substr(0, header.size()), header);
      EXPECT_EQ(keys->Open(value, "records/a").value_or(""), "same");
      nonces.insert(value.substr(header.size(), 12));
    }
  }
  EXPECT_EQ(nonces.size(), static_cast<size_t>(kThreads * kPerThread));
}

TEST(EncryptionAtRestTest, KeyFileMustBePrivateAndWellFormed) {
  TempDir dir;
  std::string path = dir.Sub("keys");
  std::ofstream(path) << storage::Keyring::NewKeyLine() << "\n";
  chmod(path.c_str(), 0644);
  auto loaded = storage::Keyring::LoadFile(path);
  ASSERT_FALSE(loaded.ok());
  EXPECT_THAT(loaded.status().message(), HasSubstr("chmod 600"));
  chmod(path.c_str(), 0600);
  EXPECT_TRUE(storage::Keyring::LoadFile(path).ok());

  EXPECT_THAT(storage::Keyring::Parse("k1 c2hvcnQ=", "f").status().message(),
              HasSubstr("f:1: key: must be the base64 of exactly 32 bytes"));
  EXPECT_FALSE(storage::Keyring::Parse("# nothing\n", "f").ok());
  std::string line = storage::Keyring::NewKeyLine();
  EXPECT_THAT(storage::Keyring::Parse(line + "\n" + line, "f").status().message(),
              HasSubstr("listed twice"));
}

TEST(EncryptionAtRestTest, ProductionServerWithoutKeyFileRefusesToStart) {
  TempDir dir;
  server::ServerOptions options;
  options.listen_address = "127.0.0.1:0";
  options.data_dir = dir.path();
  options.services = {"directory"};
  options.issuer = "https://idp.example";
  std::string pem = dir.Sub("idp.pem");
  auto issuer = identity::DevTokenIssuer::LoadOrCreate(dir.Sub("idp"));
  ASSERT_TRUE(issuer.ok()) << issuer.status();
  std::ofstream(pem) << (*issuer)->public_key().pem;
  options.key_files = {pem};
  options.peers["registry"] = "127.0.0.1:1";
  auto host = server::ServerHost::Start(options);
  ASSERT_FALSE(host.ok());
  EXPECT_THAT(host.status().message(), HasSubstr("--encryption_keys"));
}

}  // namespace
}  // namespace samepage
