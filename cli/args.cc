#include "cli/args.h"

#include <optional>

#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace samepage::cli {
namespace {

// The payload that marks a status as a usage error.
constexpr char kUsagePayload[] = "type.samepage.dev/cli.UsageError";

const FlagSpec* FindSpec(const std::vector<FlagSpec>& specs, absl::string_view name) {
  for (const FlagSpec& spec : specs) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

std::string InContext(const ParseOptions& options) {
  return options.context.empty() ? "" : absl::StrCat(" for `", options.context, "`");
}

}  // namespace

absl::Status UsageError(absl::string_view message) {
  absl::Status status = absl::InvalidArgumentError(message);
  status.SetPayload(kUsagePayload, absl::Cord("1"));
  return status;
}

bool IsUsageError(const absl::Status& status) {
  return status.GetPayload(kUsagePayload).has_value();
}

bool ParsedArgs::Has(absl::string_view flag) const { return values_.find(flag) != values_.end(); }

std::string ParsedArgs::Get(absl::string_view flag, absl::string_view fallback) const {
  auto it = values_.find(flag);
  if (it == values_.end() || it->second.empty()) return std::string(fallback);
  return it->second.back();
}

std::vector<std::string> ParsedArgs::GetAll(absl::string_view flag) const {
  auto it = values_.find(flag);
  return it == values_.end() ? std::vector<std::string>{} : it->second;
}

// Befriended by ParsedArgs so that parsing can fill it in.
class ArgsParser {
 public:
  static absl::StatusOr<ParsedArgs> Parse(const std::vector<std::string>& args,
                                          const std::vector<FlagSpec>& specs,
                                          const ParseOptions& options) {
    ParsedArgs parsed;
    bool flags_ended = false;
    for (size_t i = 0; i < args.size(); ++i) {
      const std::string& arg = args[i];
      const bool is_flag = !flags_ended && arg.size() > 1 && arg[0] == '-';
      if (!is_flag) {
        if (options.stop_at_positional) {
          parsed.rest_.assign(args.begin() + i, args.end());
          return parsed;
        }
        parsed.positionals_.push_back(arg);
        continue;
      }
      if (arg == "--") {
        flags_ended = true;
        continue;
      }
      if (arg == "-h" || arg == "--help") {
        parsed.help_ = true;
        continue;
      }
      if (!absl::StartsWith(arg, "--")) {
        return UsageError(
            absl::StrCat("unknown flag ", arg, InContext(options), " (flags are written --name)"));
      }
      std::string name = arg.substr(2);
      std::optional<std::string> value;
      if (size_t eq = name.find('='); eq != std::string::npos) {
        value = name.substr(eq + 1);
        name.resize(eq);
      }
      const FlagSpec* spec = FindSpec(specs, name);
      if (spec == nullptr) {
        return UsageError(absl::StrCat("unknown flag --", name, InContext(options)));
      }
      if (spec->value_name.empty()) {
        // A switch: --flag, --flag=true, --flag=false.
        if (value.has_value() && *value != "true" && *value != "false") {
          return UsageError(
              absl::StrCat("--", name, " takes no value (or =true/=false), got \"", *value, "\""));
        }
        if (value.has_value() && *value == "false") {
          parsed.values_.erase(name);
        } else {
          parsed.values_[name] = {"true"};
        }
        continue;
      }
      if (!value.has_value()) {
        if (i + 1 >= args.size()) {
          return UsageError(
              absl::StrCat("--", name, " needs a value (--", name, " ", spec->value_name, ")"));
        }
        value = args[++i];
      }
      std::vector<std::string>& values = parsed.values_[name];
      if (!spec->repeated && !values.empty()) {
        return UsageError(absl::StrCat("--", name, " given more than once"));
      }
      values.push_back(*std::move(value));
    }
    return parsed;
  }
};

absl::StatusOr<ParsedArgs> ParseArgs(const std::vector<std::string>& args,
                                     const std::vector<FlagSpec>& specs,
                                     const ParseOptions& options) {
  return ArgsParser::Parse(args, specs, options);
}

}  // namespace samepage::cli
