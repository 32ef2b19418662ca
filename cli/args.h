#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace samepage::cli {

// A flag a command accepts.
struct FlagSpec {
  // Without the dashes: "name" for --name.
  std::string name;
  // The placeholder shown in usage ("NAME"); empty for a boolean switch.
  std::string value_name;
  // May be given more than once (values kept in order).
  bool repeated = false;
};

// The result of parsing one command's arguments against its FlagSpecs.
class ParsedArgs {
 public:
  // Whether the flag was given at all.
  bool Has(absl::string_view flag) const;
  // The flag's (last) value, or `fallback` when it was not given.
  std::string Get(absl::string_view flag, absl::string_view fallback = "") const;
  // Every value of a repeated flag, in order.
  std::vector<std::string> GetAll(absl::string_view flag) const;
  // Arguments that are not flags, in order.
  const std::vector<std::string>& positionals() const { return positionals_; }
  // Arguments after the first positional when parsing stopped there (see
  // ParseOptions::stop_at_positional), the positional included.
  const std::vector<std::string>& rest() const { return rest_; }
  // -h or --help was given.
  bool help() const { return help_; }

 private:
  friend class ArgsParser;
  std::map<std::string, std::vector<std::string>, std::less<>> values_;
  std::vector<std::string> positionals_;
  std::vector<std::string> rest_;
  bool help_ = false;
};

struct ParseOptions {
  // Stop at the first positional and leave it and everything after it in
  // ParsedArgs::rest(): how global options are separated from the command.
  bool stop_at_positional = false;
  // Named in error messages: "unknown flag --x for `org create`".
  std::string context;
};

// Parses `--flag value`, `--flag=value`, boolean `--flag`, repeated flags,
// positionals, and `--` (everything after it is positional). Unknown flags,
// missing values and repeats of single-valued flags are usage errors.
absl::StatusOr<ParsedArgs> ParseArgs(const std::vector<std::string>& args,
                                     const std::vector<FlagSpec>& specs,
                                     const ParseOptions& options = {});

// A usage error: the command line itself is wrong (exit status 2), as
// opposed to a call that failed (exit status 1).
absl::Status UsageError(absl::string_view message);
bool IsUsageError(const absl::Status& status);

}  // namespace samepage::cli
