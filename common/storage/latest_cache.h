#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "common/status/status_macros.h"
#include "common/storage/store.h"

namespace samepage::storage {

// Decoded records of a store's latest committed state, by key, so that hot
// reads (every access decision reads a case, its team, their roles and
// people) skip RocksDB, decryption and parsing. It must never answer with a
// value the store no longer holds: the owner calls Forget for every key a
// commit wrote, after RocksDB has it and before the commit returns (see
// Store::ObserveWrites).
//
// A reader that missed loads from the store and inserts what it read, but
// only if nothing was forgotten since it looked (the generation): otherwise a
// value read just before a commit could be inserted just after that commit's
// Forget and outlive it. A null value records that the key holds nothing.
//
// When full, the cache is emptied rather than tracking recency: a bounded
// memory cost, and readers refill it with what is used.
template <typename T>
class LatestCache {
 public:
  explicit LatestCache(size_t capacity) : capacity_(capacity) {}

  LatestCache(const LatestCache&) = delete;
  LatestCache& operator=(const LatestCache&) = delete;

  // The cached value for `key` (null: known absent), or nullopt on a miss;
  // `generation` is set for a later Insert either way.
  std::optional<std::shared_ptr<const T>> Find(absl::string_view key, uint64_t* generation) const {
    absl::MutexLock lock(&mu_);
    *generation = generation_;
    auto it = entries_.find(key);
    if (it == entries_.end()) return std::nullopt;
    return it->second;
  }

  // Keeps `value` for `key` if nothing was forgotten since Find gave
  // `generation`.
  void Insert(absl::string_view key, std::shared_ptr<const T> value, uint64_t generation) {
    if (capacity_ == 0) return;
    absl::MutexLock lock(&mu_);
    if (generation != generation_) return;
    if (entries_.size() >= capacity_) entries_.clear();
    entries_.insert_or_assign(std::string(key), std::move(value));
  }

  void Forget(absl::string_view key) {
    absl::MutexLock lock(&mu_);
    ++generation_;
    entries_.erase(key);
  }

  size_t size() const {
    absl::MutexLock lock(&mu_);
    return entries_.size();
  }

 private:
  const size_t capacity_;
  mutable absl::Mutex mu_;
  uint64_t generation_ ABSL_GUARDED_BY(mu_) = 0;
  absl::flat_hash_map<std::string, std::shared_ptr<const T>> entries_ ABSL_GUARDED_BY(mu_);
};

// Reads `key` through `cache` when `view` is `store`'s latest state (its
// reader()), sharing the cached record instead of copying it (null: the key
// holds nothing); `load` reads it from `view`. A snapshot or a transaction's
// view may differ from the latest state, so those always load.
template <typename T, typename Load>
absl::StatusOr<std::shared_ptr<const T>> ReadThroughShared(const Store& store,
                                                           LatestCache<T>& cache,
                                                           const ReadView& view,
                                                           absl::string_view key,
                                                           const Load& load) {
  auto share = [](std::optional<T> loaded) -> std::shared_ptr<const T> {
    if (!loaded.has_value()) return nullptr;
    return std::make_shared<const T>(*std::move(loaded));
  };
  if (&view != &store.reader()) {
    ASSIGN_OR_RETURN(std::optional<T> loaded, load());
    return share(std::move(loaded));
  }
  uint64_t generation = 0;
  if (std::optional<std::shared_ptr<const T>> hit = cache.Find(key, &generation)) return *hit;
  ASSIGN_OR_RETURN(std::optional<T> loaded, load());
  std::shared_ptr<const T> value = share(std::move(loaded));
  cache.Insert(key, value, generation);
  return value;
}

// The same as a copy of its own.
template <typename T, typename Load>
absl::StatusOr<std::optional<T>> ReadThrough(const Store& store, LatestCache<T>& cache,
                                             const ReadView& view, absl::string_view key,
                                             const Load& load) {
  if (&view != &store.reader()) return load();
  ASSIGN_OR_RETURN(std::shared_ptr<const T> shared,
                   ReadThroughShared(store, cache, view, key, load));
  if (shared == nullptr) return std::nullopt;
  return *shared;
}

}  // namespace samepage::storage
