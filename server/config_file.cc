#include "server/config_file.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "absl/flags/commandlineflag.h"
#include "absl/flags/reflection.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace samepage::server {
namespace {

bool ValidName(absl::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  return true;
}

// Abseil's own flags (--helpfull, --flagfile, --fromenv, ...) are defined in
// its sources; ours are not.
bool IsAbseilFlag(const absl::CommandLineFlag& flag) {
  return absl::StrContains(flag.Filename(), "absl/");
}

bool Excluded(absl::string_view name, const std::vector<std::string>& not_settings) {
  return std::find(not_settings.begin(), not_settings.end(), name) != not_settings.end();
}

}  // namespace

absl::StatusOr<std::vector<ConfigSetting>> ParseConfigText(absl::string_view text,
                                                           absl::string_view file) {
  std::vector<ConfigSetting> settings;
  std::map<std::string, int, std::less<>> first_line;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line[0] == '#') continue;
    size_t eq = line.find('=');
    if (eq == absl::string_view::npos) {
      return absl::InvalidArgumentError(absl::StrCat(file, ":", line_number, ": \"", line,
                                                     "\" is not `name = value`"));
    }
    std::string name(absl::StripAsciiWhitespace(line.substr(0, eq)));
    absl::string_view value = absl::StripAsciiWhitespace(line.substr(eq + 1));
    // Flags' own spelling is accepted too, so a command line can be pasted.
    if (absl::StartsWith(name, "--")) name.erase(0, 2);
    if (!ValidName(name)) {
      return absl::InvalidArgumentError(absl::StrCat(
          file, ":", line_number, ": \"", name, "\" is not a setting name (letters, digits, _)"));
    }
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    } else if (!value.empty() && (value.front() == '"' || value.back() == '"')) {
      return absl::InvalidArgumentError(
          absl::StrCat(file, ":", line_number, ": ", name, ": unbalanced quote in ", value));
    }
    auto [it, inserted] = first_line.emplace(name, line_number);
    if (!inserted) {
      return absl::InvalidArgumentError(absl::StrCat(file, ":", line_number, ": ", name,
                                                     ": already set on line ", it->second));
    }
    settings.push_back({std::move(name), std::string(value), line_number});
  }
  return settings;
}

absl::StatusOr<std::vector<ConfigSetting>> ReadConfigFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return absl::NotFoundError(absl::StrCat("--config: cannot read ", path));
  }
  std::stringstream text;
  text << in.rdbuf();
  if (in.bad()) return absl::DataLossError(absl::StrCat("--config: error reading ", path));
  return ParseConfigText(text.str(), path);
}

std::string FindArgument(int argc, char** argv, absl::string_view name) {
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (arg == "--") break;
    if (!absl::ConsumePrefix(&arg, "--") && !absl::ConsumePrefix(&arg, "-")) continue;
    if (!absl::ConsumePrefix(&arg, name)) continue;
    if (arg.empty()) return i + 1 < argc ? argv[i + 1] : "";
    if (arg[0] == '=') return std::string(arg.substr(1));
  }
  return "";
}

absl::Status ConfigSources::Apply(const std::vector<ConfigSetting>& settings,
                                  absl::string_view file,
                                  const std::vector<std::string>& not_settings) {
  for (const ConfigSetting& setting : settings) {
    absl::CommandLineFlag* flag = absl::FindCommandLineFlag(setting.name);
    if (flag == nullptr || flag->IsRetired() || IsAbseilFlag(*flag) ||
        Excluded(setting.name, not_settings)) {
      return absl::InvalidArgumentError(
          absl::StrCat(file, ":", setting.line, ": unknown setting \"", setting.name,
                       "\" (`samepaged --helpfull` lists the settings; each flag is one)"));
    }
    std::string error;
    if (!flag->ParseFrom(setting.value, &error)) {
      return absl::InvalidArgumentError(absl::StrCat(file, ":", setting.line, ": ", setting.name,
                                                     ": bad value \"", setting.value, "\": ", error));
    }
    origins_[setting.name] = {std::string(file), setting.line, flag->CurrentValue()};
  }
  return absl::OkStatus();
}

std::string ConfigSources::Describe(absl::string_view name) const {
  std::string described = absl::StrCat("--", name);
  auto it = origins_.find(name);
  if (it == origins_.end()) return described;
  const absl::CommandLineFlag* flag = absl::FindCommandLineFlag(name);
  if (flag == nullptr || flag->CurrentValue() != it->second.value) return described;
  return absl::StrCat(described, " (", it->second.file, ":", it->second.line, ")");
}

std::vector<SettingInfo> ConfigurableSettings(const std::vector<std::string>& not_settings) {
  std::vector<SettingInfo> out;
  for (const auto& [name, flag] : absl::GetAllFlags()) {
    if (flag->IsRetired() || IsAbseilFlag(*flag) || Excluded(name, not_settings)) continue;
    out.push_back({std::string(name), flag->Help(), flag->DefaultValue()});
  }
  std::sort(out.begin(), out.end(),
            [](const SettingInfo& a, const SettingInfo& b) { return a.name < b.name; });
  return out;
}

}  // namespace samepage::server
