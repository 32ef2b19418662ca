#include "tools/bench/population_progress.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace samepage::bench {

absl::Status PopulationProgress::Load() {
  if (path_.empty() || !std::filesystem::exists(path_)) return absl::OkStatus();
  std::ifstream in(path_);
  if (!in) return absl::UnavailableError(absl::StrCat(path_, ": cannot be read"));
  absl::MutexLock lock(&mu_);
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty() || line[0] == '#') continue;
    // The step name may hold spaces: the two numbers are the last fields.
    std::vector<std::string> parts = absl::StrSplit(line, ' ', absl::SkipEmpty());
    Entry e;
    if (parts.size() < 3 || !absl::SimpleAtoi(parts[parts.size() - 2], &e.count) ||
        !absl::SimpleAtoi(parts.back(), &e.done)) {
      return absl::DataLossError(absl::StrCat(path_, ":", number, ": not `<step> <count> <done>`"));
    }
    parts.resize(parts.size() - 2);
    steps_[absl::StrJoin(parts, " ")] = e;
  }
  return absl::OkStatus();
}

int64_t PopulationProgress::Done(const std::string& step, int64_t count) const {
  absl::MutexLock lock(&mu_);
  auto it = steps_.find(step);
  if (it == steps_.end() || it->second.count != count) return 0;
  return it->second.done;
}

absl::Status PopulationProgress::Record(const std::string& step, int64_t count, int64_t done) {
  if (path_.empty()) return absl::OkStatus();
  absl::MutexLock lock(&mu_);
  steps_[step] = Entry{count, done};
  std::ostringstream text;
  text << "# samepage_bench population: <step> <count> <items [0, done) created>\n";
  for (const auto& [name, e] : steps_) text << name << " " << e.count << " " << e.done << "\n";
  std::string tmp = path_ + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << text.str();
    out.flush();
    if (!out) return absl::UnavailableError(absl::StrCat(tmp, ": cannot be written"));
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path_, ec);
  if (ec) return absl::UnavailableError(absl::StrCat(path_, ": ", ec.message()));
  return absl::OkStatus();
}

}  // namespace samepage::bench
