#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/storage/keys.h"
#include "common/storage/latest_cache.h"
#include "common/storage/page_token.h"
#include "common/storage/store.h"
#include "gtest/gtest.h"
#include "rocksdb/cache.h"
#include "rocksdb/statistics.h"
#include "tests/testing/temp_dir.h"

namespace samepage::storage {
namespace {

using ::samepage::testing::TempDir;

TEST(KeysTest, StringsAndIntegersSortInFieldOrder) {
  std::string a = KeyBuilder("p").AddString("ab").AddUint64(2).Release();
  std::string b = KeyBuilder("p").AddString("ab").AddUint64(10).Release();
  std::string c = KeyBuilder("p").AddString("abc").AddUint64(1).Release();
  std::string d = KeyBuilder("p").AddString(std::string("ab\0", 3)).AddUint64(1).Release();
  EXPECT_LT(a, b);
  EXPECT_LT(b, d);  // "ab" < "ab\0" < "abc"
  EXPECT_LT(d, c);
  EXPECT_LT(KeyBuilder().AddInt64(-5).key(), KeyBuilder().AddInt64(3).key());
}

TEST(KeysTest, ReaderRoundTrips) {
  std::string key = KeyBuilder("x").AddString(std::string("a\0b", 3)).AddInt64(-7).Release();
  KeyReader reader(key);
  std::string prefix, s;
  int64_t n = 0;
  ASSERT_TRUE(reader.ReadString(&prefix));
  ASSERT_TRUE(reader.ReadString(&s));
  ASSERT_TRUE(reader.ReadInt64(&n));
  EXPECT_TRUE(reader.done());
  EXPECT_EQ(prefix, "x");
  EXPECT_EQ(s, std::string("a\0b", 3));
  EXPECT_EQ(n, -7);
}

TEST(KeysTest, PrefixUpperBound) {
  EXPECT_EQ(PrefixUpperBound("ab"), "ac");
  EXPECT_EQ(PrefixUpperBound(std::string("a\xff", 2)), "b");
  EXPECT_EQ(PrefixUpperBound("\xff"), "");
}

TEST(PageTokenTest, RoundTripAndMismatch) {
  std::string token = EncodePageToken("last-key", "list people org=a");
  auto key = DecodePageToken(token, "list people org=a");
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_EQ(*key, "last-key");
  auto other = DecodePageToken(token, "list people org=b");
  EXPECT_EQ(other.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(DecodePageToken("!!!", "x").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(other.status().message(), "page_token"));
}

TEST(PageTokenTest, PageSizes) {
  EXPECT_EQ(*ResolvePageSize(0), 50);
  EXPECT_EQ(*ResolvePageSize(7), 7);
  EXPECT_FALSE(ResolvePageSize(-1).ok());
  EXPECT_FALSE(ResolvePageSize(501).ok());
}

absl::StatusOr<std::unique_ptr<Store>> OpenAt(const std::string& path) {
  return Store::Open({.path = path, .column_families = {"records", "index"}});
}

TEST(StoreTest, TransactWritesRecordsAndEventsAtomicallyAndSurvivesReopen) {
  TempDir dir;
  {
    auto store = OpenAt(dir.path());
    ASSERT_TRUE(store.ok()) << store.status();
    EXPECT_EQ((*store)->LatestRevision(), 0);
    absl::Status s = (*store)->Transact([](const ReadView&, Batch& batch) {
      batch.Put("records", "k1", "v1");
      batch.Put("index", "i1", "");
      EXPECT_EQ(batch.AppendEvent("e1"), 1);
      EXPECT_EQ(batch.AppendEvent("e2"), 2);
      return absl::OkStatus();
    });
    ASSERT_TRUE(s.ok()) << s;
    EXPECT_EQ((*store)->LatestRevision(), 2);
  }
  auto store = OpenAt(dir.path());
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ((*store)->LatestRevision(), 2);
  auto v = (*store)->reader().Get("records", "k1");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->value_or(""), "v1");
  std::vector<std::pair<int64_t, std::string>> events;
  ASSERT_TRUE((*store)
                  ->ReadEvents(0, 10,
                               [&](int64_t r, absl::string_view p) {
                                 events.emplace_back(r, std::string(p));
                                 return true;
                               })
                  .ok());
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1], std::make_pair(int64_t{2}, std::string("e2")));
}

TEST(StoreTest, FailedTransactionWritesNothing) {
  TempDir dir;
  auto store = OpenAt(dir.path());
  ASSERT_TRUE(store.ok());
  absl::Status s = (*store)->Transact([](const ReadView&, Batch& batch) {
    batch.Put("records", "k", "v");
    batch.AppendEvent("e");
    return absl::AbortedError("etag: stale");
  });
  EXPECT_EQ(s.code(), absl::StatusCode::kAborted);
  EXPECT_FALSE((*store)->reader().Get("records", "k")->has_value());
  EXPECT_EQ((*store)->LatestRevision(), 0);
}

TEST(StoreTest, ScanHonoursPrefixAndStartAfter) {
  TempDir dir;
  auto store = OpenAt(dir.path());
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE((*store)
                  ->Transact([](const ReadView&, Batch& batch) {
                    for (std::string k : {"a1", "b1", "b2", "b3", "c1"}) batch.Put("records", k, k);
                    return absl::OkStatus();
                  })
                  .ok());
  std::vector<std::string> seen;
  auto collect = [&](absl::string_view k, absl::string_view) {
    seen.emplace_back(k);
    return true;
  };
  ASSERT_TRUE((*store)->reader().Scan("records", "b", "", collect).ok());
  EXPECT_EQ(seen, (std::vector<std::string>{"b1", "b2", "b3"}));
  seen.clear();
  ASSERT_TRUE((*store)->reader().Scan("records", "b", "b1", collect).ok());
  EXPECT_EQ(seen, (std::vector<std::string>{"b2", "b3"}));
  EXPECT_FALSE((*store)->reader().Scan("nope", "", "", collect).ok());
}

TEST(StoreTest, SnapshotIgnoresLaterWrites) {
  TempDir dir;
  auto store = OpenAt(dir.path());
  ASSERT_TRUE(store.ok());
  auto put = [&](std::string v) {
    return (*store)->Transact([&](const ReadView&, Batch& batch) {
      batch.Put("records", "k", v);
      return absl::OkStatus();
    });
  };
  ASSERT_TRUE(put("old").ok());
  auto snapshot = (*store)->Snapshot();
  ASSERT_TRUE(put("new").ok());
  EXPECT_EQ(snapshot->Get("records", "k")->value_or(""), "old");
  EXPECT_EQ((*store)->reader().Get("records", "k")->value_or(""), "new");
}

TEST(StoreTest, GetManyAnswersInOrderAtTheViewsPointInTime) {
  TempDir dir;
  auto store = OpenAt(dir.path());
  ASSERT_TRUE(store.ok());
  auto put = [&](std::string k, std::string v) {
    return (*store)->Transact([&](const ReadView&, Batch& batch) {
      batch.Put("records", k, v);
      return absl::OkStatus();
    });
  };
  ASSERT_TRUE(put("a", "1").ok());
  ASSERT_TRUE(put("c", "3").ok());
  auto snapshot = (*store)->Snapshot();
  ASSERT_TRUE(put("b", "2").ok());
  std::vector<std::string> keys = {"c", "b", "a", "zz"};
  auto latest = (*store)->reader().GetMany("records", keys);
  ASSERT_TRUE(latest.ok()) << latest.status();
  EXPECT_EQ(*latest, (std::vector<std::optional<std::string>>{"3", "2", "1", std::nullopt}));
  auto then = snapshot->GetMany("records", keys);
  ASSERT_TRUE(then.ok()) << then.status();
  EXPECT_EQ(*then, (std::vector<std::optional<std::string>>{"3", std::nullopt, "1", std::nullopt}));
  EXPECT_FALSE((*store)->reader().GetMany("nope", keys).ok());
}

// RocksDB's views share one iterator between the prefixes; a transaction's
// view (the default, one scan per prefix) must answer the same, with its
// pending writes laid over.
TEST(StoreTest, ScanEachAnswersPerPrefixInTheOrderAsked) {
  TempDir dir;
  auto store = OpenAt(dir.path());
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE((*store)
                  ->Transact([](const ReadView&, Batch& batch) {
                    for (const char* k : {"a/1", "a/2", "ab/1", "b/1", "c/1"}) {
                      batch.Put("records", k, absl::StrCat("v", k));
                    }
                    return absl::OkStatus();
                  })
                  .ok());
  const std::vector<std::string> prefixes = {"c/", "a/", "x/", "b/"};
  auto collect = [&](const ReadView& view, int limit) {
    std::vector<std::string> seen;
    absl::Status s = view.ScanEach(
        "records", prefixes, [&](size_t i, absl::string_view key, absl::string_view value) {
          seen.push_back(absl::StrCat(i, ":", key, "=", value));
          return static_cast<int>(seen.size()) < limit;
        });
    EXPECT_TRUE(s.ok()) << s;
    return seen;
  };
  const std::vector<std::string> all = {"0:c/1=vc/1", "1:a/1=va/1", "1:a/2=va/2", "3:b/1=vb/1"};
  EXPECT_EQ(collect((*store)->reader(), 100), all);
  EXPECT_EQ(collect(*(*store)->Snapshot(), 100), all);
  EXPECT_EQ(collect((*store)->reader(), 2), (std::vector<std::string>{all[0], all[1]}));
  ASSERT_TRUE((*store)
                  ->Transact([&](const ReadView& view, Batch& batch) {
                    batch.Put("records", "a/3", "new");
                    EXPECT_EQ(collect(view, 100), all);  // not yet pending: queued after fn
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_EQ(collect((*store)->reader(), 100),
            (std::vector<std::string>{all[0], all[1], all[2], "1:a/3=new", all[3]}));
  EXPECT_FALSE((*store)->reader().ScanEach("nope", prefixes, [](size_t, auto, auto) {
    return true;
  }).ok());
}

TEST(StoreTest, WriteObserversSeeEveryKeyBeforeTheTransactionReturns) {
  TempDir dir;
  auto store = OpenAt(dir.path());
  ASSERT_TRUE(store.ok());
  std::vector<std::string> seen;
  Store::ObserverId id = (*store)->ObserveWrites(
      [&](absl::string_view cf, absl::string_view key) { seen.push_back(absl::StrCat(cf, "/", key)); });
  ASSERT_TRUE((*store)
                  ->Transact([](const ReadView&, Batch& batch) {
                    batch.Put("records", "k1", "v");
                    batch.Delete("index", "i1");
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_EQ(seen, (std::vector<std::string>{"records/k1", "index/i1"}));
  // A transaction that fails before writing touches nothing.
  EXPECT_FALSE((*store)
                   ->Transact([](const ReadView&, Batch& batch) {
                     batch.Put("records", "k2", "v");
                     return absl::AbortedError("etag: stale");
                   })
                   .ok());
  (*store)->StopObserving(id);
  ASSERT_TRUE((*store)
                  ->Transact([](const ReadView&, Batch& batch) {
                    batch.Put("records", "k3", "v");
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_EQ(seen.size(), 2u);
}

TEST(LatestCacheTest, AValueReadBeforeAForgetIsNotKept) {
  LatestCache<std::string> cache(10);
  uint64_t generation = 0;
  EXPECT_FALSE(cache.Find("k", &generation).has_value());
  // A commit forgets "k" between this reader's look and its insert: what it
  // read may be the old value, so it is dropped.
  cache.Forget("k");
  cache.Insert("k", std::make_shared<const std::string>("old"), generation);
  EXPECT_FALSE(cache.Find("k", &generation).has_value());
  cache.Insert("k", std::make_shared<const std::string>("new"), generation);
  auto hit = cache.Find("k", &generation);
  ASSERT_TRUE(hit.has_value());
  EXPECT_EQ(**hit, "new");
  // Known absence is kept too, and forgotten like a value.
  cache.Insert("gone", nullptr, generation);
  hit = cache.Find("gone", &generation);
  ASSERT_TRUE(hit.has_value());
  EXPECT_EQ(*hit, nullptr);
  cache.Forget("gone");
  EXPECT_FALSE(cache.Find("gone", &generation).has_value());
}

TEST(LatestCacheTest, EmptiesWhenFull) {
  LatestCache<int> cache(2);
  uint64_t generation = 0;
  cache.Find("a", &generation);
  cache.Insert("a", std::make_shared<const int>(1), generation);
  cache.Insert("b", std::make_shared<const int>(2), generation);
  EXPECT_EQ(cache.size(), 2u);
  cache.Insert("c", std::make_shared<const int>(3), generation);
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_TRUE(cache.Find("c", &generation).has_value());
}

TEST(StoreTest, NotifyAfterFiresOnCommitAndNotWhenCancelled) {
  TempDir dir;
  auto store = OpenAt(dir.path());
  ASSERT_TRUE(store.ok());
  int fired = 0, cancelled_fired = 0;
  auto id = (*store)->NotifyAfter(0, [&] { ++fired; });
  ASSERT_TRUE(id.has_value());
  auto other = (*store)->NotifyAfter(0, [&] { ++cancelled_fired; });
  ASSERT_TRUE(other.has_value());
  (*store)->CancelNotify(*other);
  ASSERT_TRUE((*store)
                  ->Transact([](const ReadView&, Batch& batch) {
                    batch.AppendEvent("e");
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_EQ(fired, 1);
  EXPECT_EQ(cancelled_fired, 0);
  // Already newer: no registration.
  EXPECT_FALSE((*store)->NotifyAfter(0, [] {}).has_value());
}

TEST(StoreTest, SyncWalSyncsOnlyWhatNoSyncedCommitHasSynced) {
  TempDir dir;
  auto store = OpenAt(dir.path());
  ASSERT_TRUE(store.ok());
  auto syncs = [&] {
    return (*store)->db()->GetOptions().statistics->getTickerCount(rocksdb::WAL_FILE_SYNCED);
  };
  auto put = [](std::string key) {
    return [key](const ReadView&, Batch& batch) {
      batch.Put("records", key, "v");
      return absl::OkStatus();
    };
  };
  // Written unsynced: the sync is real.
  ASSERT_TRUE((*store)->TransactUnsynced(put("a")).ok());
  uint64_t before = syncs();
  ASSERT_TRUE((*store)->SyncWal().ok());
  EXPECT_GT(syncs(), before);
  // Nothing written since: nothing to sync.
  before = syncs();
  ASSERT_TRUE((*store)->SyncWal().ok());
  EXPECT_EQ(syncs(), before);
  // An unsynced write followed by a synced one: the synced commit synced
  // both, so the sync after it has nothing to do.
  ASSERT_TRUE((*store)->TransactUnsynced(put("b")).ok());
  ASSERT_TRUE((*store)->Transact(put("c")).ok());
  before = syncs();
  ASSERT_TRUE((*store)->SyncWal().ok());
  EXPECT_EQ(syncs(), before);
  // And the other way round it syncs again.
  ASSERT_TRUE((*store)->TransactUnsynced(put("d")).ok());
  before = syncs();
  ASSERT_TRUE((*store)->SyncWal().ok());
  EXPECT_GT(syncs(), before);
}

TEST(StoreTest, StoresShareTheBlockCacheTheyAreGiven) {
  TempDir first_dir, second_dir;
  // Blocks are cached when read from a table file: reopening a database
  // moves what its log held into one. A 64 KiB value is a block of its own.
  constexpr size_t kValueBytes = 64 << 10;
  for (const TempDir* dir : {&first_dir, &second_dir}) {
    auto store = OpenAt(dir->path());
    ASSERT_TRUE(store.ok()) << store.status();
    ASSERT_TRUE((*store)
                    ->Transact([](const ReadView&, Batch& batch) {
                      batch.Put("records", "k", std::string(kValueBytes, 'v'));
                      return absl::OkStatus();
                    })
                    .ok());
  }
  std::shared_ptr<rocksdb::Cache> cache = rocksdb::NewLRUCache(8 << 20);
  auto first = Store::Open(
      {.path = first_dir.path(), .column_families = {"records", "index"}, .block_cache = cache});
  auto second = Store::Open(
      {.path = second_dir.path(), .column_families = {"records", "index"}, .block_cache = cache});
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(second.ok()) << second.status();
  ASSERT_TRUE((*first)->reader().Get("records", "k")->has_value());
  ASSERT_TRUE((*second)->reader().Get("records", "k")->has_value());
  // Both stores' blocks are in the one cache (a store that kept a cache of
  // its own would leave at most one of them here). Counted by size rather
  // than by usage before and after each read: RocksDB may load blocks in the
  // background after an open.
  EXPECT_GE(cache->GetUsage(), 2 * kValueBytes);
}

TEST(StoreTest, RefusesNewerFormatVersion) {
  TempDir dir;
  {
    auto store = OpenAt(dir.path());
    ASSERT_TRUE(store.ok());
    rocksdb::WriteOptions wo;
    wo.sync = true;
    // Simulate a database written by a future build.
    std::vector<rocksdb::ColumnFamilyHandle*> unused;
    ASSERT_TRUE((*store)->db()->Put(wo, (*store)->db()->DefaultColumnFamily(), "x", "y").ok());
  }
  {
    rocksdb::Options options;
    std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
    std::vector<std::string> names;
    ASSERT_TRUE(rocksdb::DB::ListColumnFamilies(options, dir.path(), &names).ok());
    for (auto& n : names) cfs.emplace_back(n, rocksdb::ColumnFamilyOptions());
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* db = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(options, dir.path(), cfs, &handles, &db).ok());
    for (size_t i = 0; i < names.size(); ++i) {
      if (names[i] == "meta") ASSERT_TRUE(db->Put({}, handles[i], "format_version", "99").ok());
    }
    for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
    delete db;
  }
  auto store = OpenAt(dir.path());
  EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(absl::StrContains(store.status().message(), "format version"));
}

}  // namespace
}  // namespace samepage::storage
