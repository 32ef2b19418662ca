#pragma once

#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"

namespace samepage::storage {

class Batch;
class ReadView;
class Store;

// Where every database keeps the version of its on-disk format.
inline constexpr char kMetaColumnFamily[] = "meta";
inline constexpr char kFormatVersionKey[] = "format_version";

// One step of an upgrade: rewrites data of format `from_version` into
// `from_version + 1` by adding its changes to the batch (it reads the data as
// left by the steps before it only through `view`, i.e. as stored: steps that
// depend on each other's writes must be one step).
struct FormatUpgrade {
  int from_version = 0;
  // For the operator's log: what changes.
  std::string description;
  std::function<absl::Status(const ReadView& view, Batch& batch)> apply;
};

// The upgrades this build knows, oldest first. A change of on-disk format
// bumps kFormatVersion (store.h) and adds the step from the previous version
// here, so that a newer server upgrades older data in place at open.
std::vector<FormatUpgrade> RegisteredFormatUpgrades();

// At open: writes `version` into a new database; for older data runs the
// steps from its version up to `version` — all of them and the version bump in
// one synced batch, so a crash leaves the data wholly old or wholly new;
// refuses newer data, and older data that no chain of steps reaches,
// with FAILED_PRECONDITION saying what to do. `path` is for messages;
// `log(line)` hears what was upgraded (may be null).
absl::Status ApplyFormatVersion(Store& store, const std::string& path, int version,
                                const std::vector<FormatUpgrade>& upgrades,
                                const std::function<void(const std::string&)>& log);

}  // namespace samepage::storage
