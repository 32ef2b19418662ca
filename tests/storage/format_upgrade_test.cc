// The data format version a store carries, and the upgrade steps a newer
// build runs at open.
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "common/storage/format_upgrade.h"
#include "common/storage/store.h"
#include "gtest/gtest.h"
#include "tests/testing/temp_dir.h"

namespace samepage::storage {
namespace {

using ::samepage::testing::TempDir;

std::string Get(Store& store, absl::string_view cf, absl::string_view key) {
  auto value = store.reader().Get(cf, key);
  return value.ok() && value->has_value() ? **value : "<none>";
}

// A database of format `version` holding one record and one event, as an
// older (or newer) build would have left it.
void MakeStore(const std::string& path, int version) {
  auto store = Store::Open({.path = path, .column_families = {"people"}, .format_version = version});
  ASSERT_TRUE(store.ok()) << store.status();
  ASSERT_TRUE((*store)
                  ->Transact([](const ReadView&, Batch& batch) {
                    batch.Put("people", "dana", "Dana Cruz");
                    batch.AppendEvent("created dana");
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_EQ(Get(**store, kMetaColumnFamily, kFormatVersionKey), std::to_string(version));
}

// Steps 1->2 (names upper-cased into a new key) and 2->3 (a marker).
std::vector<FormatUpgrade> TwoSteps(bool second_fails = false) {
  return {
      {.from_version = 1,
       .description = "display names in capitals",
       .apply = [](const ReadView& view, Batch& batch) -> absl::Status {
         auto name = view.Get("people", "dana");
         if (!name.ok()) return name.status();
         batch.Put("people", "dana.upper", "DANA CRUZ");
         return absl::OkStatus();
       }},
      {.from_version = 2,
       .description = "marker",
       .apply = [second_fails](const ReadView&, Batch& batch) -> absl::Status {
         if (second_fails) return absl::DataLossError("record dana is damaged");
         batch.Put("people", "marker", "3");
         return absl::OkStatus();
       }},
  };
}

TEST(FormatVersionTest, NewStoreGetsThisBuildsVersion) {
  TempDir dir;
  auto store = Store::Open({.path = dir.Sub("db")});
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ(Get(**store, kMetaColumnFamily, kFormatVersionKey), std::to_string(kFormatVersion));
  EXPECT_EQ((*store)->LatestRevision(), 0);  // writing the version is not an event
}

TEST(FormatVersionTest, NewerDataIsRefusedClearly) {
  TempDir dir;
  MakeStore(dir.Sub("db"), kFormatVersion + 1);
  auto store = Store::Open({.path = dir.Sub("db"), .column_families = {"people"}});
  ASSERT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(absl::StrContains(store.status().message(), "newer SamePage server"))
      << store.status();
  EXPECT_TRUE(absl::StrContains(store.status().message(), dir.Sub("db")));
}

TEST(FormatVersionTest, OlderDataIsUpgradedInOneBatchAtOpen) {
  TempDir dir;
  MakeStore(dir.Sub("db"), 1);
  std::vector<std::string> log;
  auto store = Store::Open({.path = dir.Sub("db"),
                            .column_families = {"people"},
                            .format_version = 3,
                            .upgrades = TwoSteps(),
                            .log = [&log](const std::string& line) { log.push_back(line); }});
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ(Get(**store, kMetaColumnFamily, kFormatVersionKey), "3");
  EXPECT_EQ(Get(**store, "people", "dana"), "Dana Cruz");
  EXPECT_EQ(Get(**store, "people", "dana.upper"), "DANA CRUZ");
  EXPECT_EQ(Get(**store, "people", "marker"), "3");
  EXPECT_EQ((*store)->LatestRevision(), 1);  // the event log is untouched
  ASSERT_EQ(log.size(), 2u);
  EXPECT_TRUE(absl::StrContains(log[0], "1 -> 2: display names in capitals")) << log[0];
  store->reset();

  // Opening again runs nothing.
  log.clear();
  store = Store::Open({.path = dir.Sub("db"),
                       .column_families = {"people"},
                       .format_version = 3,
                       .upgrades = TwoSteps(),
                       .log = [&log](const std::string& line) { log.push_back(line); }});
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_TRUE(log.empty());
}

TEST(FormatVersionTest, AFailedStepLeavesTheDataAsItWas) {
  TempDir dir;
  MakeStore(dir.Sub("db"), 1);
  auto store = Store::Open({.path = dir.Sub("db"),
                            .column_families = {"people"},
                            .format_version = 3,
                            .upgrades = TwoSteps(/*second_fails=*/true)});
  ASSERT_EQ(store.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(absl::StrContains(store.status().message(), "upgrading data format 2 to 3"))
      << store.status();
  // The first step's writes were never committed: still version 1.
  store = Store::Open({.path = dir.Sub("db"), .column_families = {"people"}, .format_version = 1});
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ(Get(**store, kMetaColumnFamily, kFormatVersionKey), "1");
  EXPECT_EQ(Get(**store, "people", "dana.upper"), "<none>");
}

TEST(FormatVersionTest, OlderDataWithoutAStepIsRefusedClearly) {
  TempDir dir;
  MakeStore(dir.Sub("db"), 1);
  std::vector<FormatUpgrade> only_second = TwoSteps();
  only_second.erase(only_second.begin());
  auto store = Store::Open({.path = dir.Sub("db"),
                            .column_families = {"people"},
                            .format_version = 3,
                            .upgrades = only_second});
  ASSERT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(absl::StrContains(store.status().message(), "no step from version 1"))
      << store.status();
}

}  // namespace
}  // namespace samepage::storage
