#pragma once

// samepaged's configuration file: every command-line flag of the program is
// also a setting of the file, under the same name, so that a flag added
// anywhere in the server needs no work here. Flags given on the command line
// override the file.
//
// The format is what operators expect from a daemon's .conf file:
//
//   # comment
//   listen   = 0.0.0.0:50051
//   services = directory,registry
//   jwt_keys = "/etc/samepage/keys/idp-2026.pem"
//
// one `name = value` per line; the value runs to the end of the line (a `#`
// inside it is kept); surrounding double quotes are removed; booleans take
// true/false (also yes/no, 1/0 — whatever the flag itself accepts).

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace samepage::server {

struct ConfigSetting {
  std::string name;
  std::string value;
  int line = 0;
};

// Parses the text of a configuration file named `file` (for messages).
// Errors read "FILE:LINE: ...".
absl::StatusOr<std::vector<ConfigSetting>> ParseConfigText(absl::string_view text,
                                                           absl::string_view file);

// Reads and parses `path`.
absl::StatusOr<std::vector<ConfigSetting>> ReadConfigFile(const std::string& path);

// The value of `--name VALUE` / `--name=VALUE` (one or two dashes) on a
// command line, before the flags are parsed; empty when absent. Stops at
// "--".
std::string FindArgument(int argc, char** argv, absl::string_view name);

// The program's flags seen as settings of a configuration file, and where
// each one's value came from.
class ConfigSources {
 public:
  // Sets the program's flags from `settings` (read from `file`). Settings
  // that are not flags of this program, or whose flag is in `not_settings`
  // (e.g. "config" itself), are errors naming the line. Call before the
  // command line is parsed, so that the command line overrides.
  absl::Status Apply(const std::vector<ConfigSetting>& settings, absl::string_view file,
                     const std::vector<std::string>& not_settings);

  // How to name setting `name` in a message: "--listen (samepaged.conf:3)"
  // when its current value came from the file, "--listen" otherwise.
  std::string Describe(absl::string_view name) const;

 private:
  struct Origin {
    std::string file;
    int line = 0;
    std::string value;  // as applied; a differing current value came from the command line
  };
  std::map<std::string, Origin, std::less<>> origins_;
};

// The settings a configuration file may hold: the program's own flags (not
// Abseil's built-in ones such as --helpfull or --flagfile), minus
// `not_settings`, sorted by name, each with its help text and default.
struct SettingInfo {
  std::string name;
  std::string help;
  std::string default_value;
};
std::vector<SettingInfo> ConfigurableSettings(const std::vector<std::string>& not_settings);

}  // namespace samepage::server
