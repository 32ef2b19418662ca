#include "common/storage/format_upgrade.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"
#include "common/storage/store.h"

namespace samepage::storage {

std::vector<FormatUpgrade> RegisteredFormatUpgrades() {
  return {
      // Nothing is rewritten here: the store seals a plaintext database
      // itself when opened with encryption keys (store.h). The version only
      // moves so that builds that cannot read sealed values refuse the data.
      {.from_version = 1,
       .description = "stored values may be encrypted (meta \"encryption\")",
       .apply = [](const ReadView&, Batch&) { return absl::OkStatus(); }},
  };
}

absl::Status ApplyFormatVersion(Store& store, const std::string& path, int version,
                                const std::vector<FormatUpgrade>& upgrades,
                                const std::function<void(const std::string&)>& log) {
  std::vector<std::string> applied;
  RETURN_IF_ERROR(store.Transact([&](const ReadView& view, Batch& batch) -> absl::Status {
    ASSIGN_OR_RETURN(std::optional<std::string> stored_text,
                     view.Get(kMetaColumnFamily, kFormatVersionKey));
    if (!stored_text.has_value()) {  // a new database
      batch.Put(kMetaColumnFamily, kFormatVersionKey, std::to_string(version));
      return absl::OkStatus();
    }
    int stored = 0;
    if (!absl::SimpleAtoi(*stored_text, &stored) || stored < 1) {
      return absl::DataLossError(
          absl::StrCat(path, ": data format version \"", *stored_text, "\" is not a version"));
    }
    if (stored > version) {
      return absl::FailedPreconditionError(absl::StrCat(
          path, ": data format version ", stored, " is newer than this build's (", version,
          "); it was written by a newer SamePage server: run that version or a newer one"));
    }
    for (int from = stored; from < version; ++from) {
      const FormatUpgrade* step = nullptr;
      for (const FormatUpgrade& candidate : upgrades) {
        if (candidate.from_version == from) step = &candidate;
      }
      if (step == nullptr || !step->apply) {
        return absl::FailedPreconditionError(absl::StrCat(
            path, ": data format version ", stored, " cannot be upgraded to ", version,
            " by this build (no step from version ", from,
            "); upgrade through an intermediate SamePage release first"));
      }
      absl::Status status = step->apply(view, batch);
      if (!status.ok()) {
        return absl::Status(status.code(),
                            absl::StrCat(path, ": upgrading data format ", from, " to ", from + 1,
                                         " (", step->description, "): ", status.message()));
      }
      applied.push_back(absl::StrCat(path, ": data format ", from, " -> ", from + 1, ": ",
                                     step->description));
    }
    if (stored != version) {
      batch.Put(kMetaColumnFamily, kFormatVersionKey, std::to_string(version));
    }
    return absl::OkStatus();
  }));
  if (log) {
    for (const std::string& line : applied) log(line);
  }
  return absl::OkStatus();
}

}  // namespace samepage::storage
