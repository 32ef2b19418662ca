#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace samepage::identity {

// Whether a directory person still holds their post: a token outlives a
// departure (the identity provider may not know of it yet), so each call on
// a person's behalf is checked against the directory.
class PersonStatusSource {
 public:
  virtual ~PersonStatusSource() = default;
  // When `person` ("people/{id}") leaves or left (their departure's
  // effective time); nullopt while they hold their post, and for a name the
  // directory does not know (the service called decides what that means).
  virtual absl::StatusOr<std::optional<absl::Time>> DepartureTime(const std::string& person) = 0;
};

// Remembers each answer of `source` for `ttl`, so that a busy caller costs
// the directory one lookup per `ttl`; a departure therefore takes effect
// within `ttl`. When the source fails, an answer up to `stale_ttl` old is
// used instead, so that a directory restart does not lock everyone out.
class CachedPersonStatus final : public PersonStatusSource {
 public:
  struct Options {
    absl::Duration ttl = absl::Seconds(5);
    absl::Duration stale_ttl = absl::Minutes(5);
    // Entries kept at most; the cache is emptied when full (a flood of
    // distinct subjects must not grow memory without bound).
    size_t max_entries = 100000;
  };

  CachedPersonStatus(PersonStatusSource* source, Options options,
                     std::function<absl::Time()> now)
      : source_(source), options_(options), now_(std::move(now)) {}

  absl::StatusOr<std::optional<absl::Time>> DepartureTime(const std::string& person) override {
    absl::Time now = now_();
    std::optional<Entry> known;
    {
      absl::MutexLock lock(&mu_);
      auto it = entries_.find(person);
      if (it != entries_.end()) known = it->second;
    }
    if (known.has_value() && now < known->fetched + options_.ttl) return known->departure;
    absl::StatusOr<std::optional<absl::Time>> fresh = source_->DepartureTime(person);
    if (!fresh.ok()) {
      if (known.has_value() && now < known->fetched + options_.stale_ttl) return known->departure;
      return fresh.status();
    }
    absl::MutexLock lock(&mu_);
    if (entries_.size() >= options_.max_entries) entries_.clear();
    entries_[person] = Entry{.departure = *fresh, .fetched = now};
    return *fresh;
  }

 private:
  struct Entry {
    std::optional<absl::Time> departure;
    absl::Time fetched;
  };
  PersonStatusSource* const source_;
  const Options options_;
  const std::function<absl::Time()> now_;
  absl::Mutex mu_;
  std::map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);
};

}  // namespace samepage::identity
