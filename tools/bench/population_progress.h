#pragma once

// How far each step of a population got, kept in a small text file in the
// server's data folder so that an interrupted population resumes where it
// stopped instead of sending every call again.

#include <cstdint>
#include <map>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"

namespace samepage::bench {

class PopulationProgress {
 public:
  // `path` empty: nothing is remembered (every step starts at 0).
  explicit PopulationProgress(std::string path) : path_(std::move(path)) {}

  // Reads the file if there is one. Lines: `<step> <count> <done>`.
  absl::Status Load();

  // How many of the first items of `step` are known to be created, when it
  // was last run with the same `count`; 0 otherwise.
  int64_t Done(const std::string& step, int64_t count) const;

  // Records that items [0, done) of `step` exist and writes the file
  // (a new file renamed over the old one, so a kill leaves one or the other).
  absl::Status Record(const std::string& step, int64_t count, int64_t done);

 private:
  struct Entry {
    int64_t count = 0;
    int64_t done = 0;
  };
  std::string path_;
  mutable absl::Mutex mu_;
  std::map<std::string, Entry> steps_ ABSL_GUARDED_BY(mu_);
};

}  // namespace samepage::bench
