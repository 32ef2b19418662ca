// samepage: the command-line client for people and scripts.
//
//   samepage [GLOBAL OPTIONS] COMMAND [ARGS]
//
// Exit status: 0 on success, 1 when a call fails, 2 for a usage error.

#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "cli/args.h"
#include "cli/case_commands.h"
#include "cli/command.h"
#include "cli/dev_token_command.h"
#include "cli/directory_commands.h"
#include "cli/flag_values.h"
#include "cli/plan_commands.h"
#include "cli/sharing_commands.h"
#include "cli/updates_commands.h"

namespace samepage::cli {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;

std::vector<FlagSpec> GlobalFlags() {
  return {{"server", "HOST:PORT"}, {"token", "TOKEN"},     {"data_dir", "DIR"},
          {"as", "SUBJECT"},       {"json", ""},           {"timeout", "SECONDS"},
          {"tls_ca", "FILE"},      {"tls_cert", "FILE"},   {"tls_key", "FILE"},
          {"tls_server_name", "NAME"}};
}

constexpr char kGlobalUsage[] =
    "usage: samepage [GLOBAL OPTIONS] COMMAND [ARGS]\n"
    "\n"
    "Global options (before the command):\n"
    "  --server HOST:PORT   the server (default $SAMEPAGE_SERVER, else 127.0.0.1:50051)\n"
    "  --token TOKEN        bearer token (default $SAMEPAGE_TOKEN, else a development token)\n"
    "  --data_dir DIR       data folder of a `samepaged --dev` server, whose key signs\n"
    "                       development tokens (default ./data)\n"
    "  --as SUBJECT         subject of the development token, e.g. people/dana\n"
    "                       (default: admin, a platform administrator)\n"
    "  --json               one JSON object per result, for scripts\n"
    "  --timeout SECONDS    deadline of every call (default 10)\n"
    "  --tls_ca FILE        CA certificates of a server that listens with TLS\n"
    "                       (default $SAMEPAGE_TLS_CA; without it: plaintext)\n"
    "  --tls_cert FILE      client certificate, and --tls_key FILE its key, for a server\n"
    "                       that requires one (mutual TLS; default $SAMEPAGE_TLS_CERT,\n"
    "                       $SAMEPAGE_TLS_KEY)\n"
    "  --tls_server_name NAME  the name on the server's certificate, when it is not\n"
    "                       the host in --server\n"
    "\n"
    "Names may be short: dana is people/dana, sunrise is organizations/sunrise,\n"
    "therapist is roles/therapist.\n";

CommandTable BuildCommands() {
  CommandTable table;
  AddDirectoryCommands(&table);
  AddCaseCommands(&table);
  AddSharingCommands(&table);
  AddPlanCommands(&table);
  AddUpdatesCommands(&table);
  AddDevTokenCommand(&table);
  return table;
}

std::string UsageLine(const Command& command) {
  return absl::StrCat("samepage ", absl::StrJoin(command.words, " "),
                      command.synopsis.empty() ? "" : " ", command.synopsis);
}

std::string FullUsage(const CommandTable& table) {
  std::string text = kGlobalUsage;
  absl::StrAppend(&text, "\nCommands:\n");
  for (const Command& command : table) {
    absl::StrAppend(&text, "  ", UsageLine(command), "\n      ", command.summary, "\n");
  }
  absl::StrAppend(&text, "  samepage help [COMMAND]\n      Prints this help, or one command's.\n");
  absl::StrAppend(&text, "\nExit status: 0 done, 1 the call failed, 2 usage error.\n");
  return text;
}

std::string CommandUsage(const Command& command) {
  return absl::StrCat("usage: ", UsageLine(command), "\n  ", command.summary, "\n");
}

// Every command of a group such as "org".
std::string GroupUsage(const CommandTable& table, const std::string& group) {
  std::string text;
  for (const Command& command : table) {
    if (command.words[0] == group) absl::StrAppend(&text, CommandUsage(command));
  }
  return text;
}

// The command whose words start `args` (the longest such), or null.
const Command* FindCommand(const CommandTable& table, const std::vector<std::string>& args) {
  const Command* best = nullptr;
  for (const Command& command : table) {
    if (command.words.size() > args.size()) continue;
    if (!std::equal(command.words.begin(), command.words.end(), args.begin())) continue;
    if (best == nullptr || command.words.size() > best->words.size()) best = &command;
  }
  return best;
}

// The subcommands of a group such as "org", for "org needs a subcommand".
std::vector<std::string> Subcommands(const CommandTable& table, const std::string& group) {
  std::vector<std::string> names;
  for (const Command& command : table) {
    if (command.words.size() > 1 && command.words[0] == group) names.push_back(command.words[1]);
  }
  return names;
}

// Global options given after the command get a hint instead of a bare
// "unknown flag".
absl::Status MisplacedGlobalFlag(const Command& command, const std::vector<std::string>& args) {
  for (const std::string& arg : args) {
    if (arg == "--") break;
    for (const FlagSpec& global : GlobalFlags()) {
      const std::string flag = absl::StrCat("--", global.name);
      if (arg != flag && arg.rfind(flag + "=", 0) != 0) continue;
      bool also_command_flag = false;
      for (const FlagSpec& own : command.flags) also_command_flag |= own.name == global.name;
      if (also_command_flag) continue;
      return UsageError(absl::StrCat(flag,
                                     " is a global option: put it before the command (samepage ",
                                     flag, global.value_name.empty() ? "" : " ...", " ",
                                     absl::StrJoin(command.words, " "), " ...)"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<ConnectionOptions> ConnectionOptionsFrom(const ParsedArgs& global) {
  ConnectionOptions options;
  const char* env_server = std::getenv("SAMEPAGE_SERVER");
  const char* env_token = std::getenv("SAMEPAGE_TOKEN");
  options.server = global.Get(
      "server", env_server != nullptr && *env_server != '\0' ? env_server : options.server);
  options.data_dir = global.Get("data_dir", options.data_dir);
  options.as = global.Get("as");
  if (global.Has("token") && global.Has("as")) {
    return UsageError("--token and --as exclude each other: --as mints a development token");
  }
  if (global.Has("as") && options.as.empty()) return UsageError("--as: give a subject");
  // An explicit --as asks for a minted token even when $SAMEPAGE_TOKEN is set.
  if (global.Has("token")) {
    options.token = global.Get("token");
    if (options.token.empty()) return UsageError("--token: the token is empty");
  } else if (!global.Has("as") && env_token != nullptr) {
    options.token = env_token;
  }
  // TLS: flags, else the environment.
  auto flag_or_env = [&global](const char* flag, const char* env) {
    const char* value = std::getenv(env);
    return global.Get(flag, value != nullptr ? value : "");
  };
  options.tls.ca_file = flag_or_env("tls_ca", "SAMEPAGE_TLS_CA");
  options.tls.cert_file = flag_or_env("tls_cert", "SAMEPAGE_TLS_CERT");
  options.tls.key_file = flag_or_env("tls_key", "SAMEPAGE_TLS_KEY");
  options.tls.server_name = global.Get("tls_server_name");
  if (global.Has("timeout")) {
    double seconds = 0;
    if (!absl::SimpleAtod(global.Get("timeout"), &seconds) || !(seconds > 0) ||
        seconds > 86400 * 365) {
      return UsageError(absl::StrCat("--timeout: \"", global.Get("timeout"),
                                     "\" is not a positive number of seconds"));
    }
    options.timeout = absl::Seconds(seconds);
  }
  return options;
}

int Usage(std::ostream& err, absl::string_view message, absl::string_view usage) {
  err << "samepage: " << message << "\n";
  if (!usage.empty()) err << usage;
  err << "(run `samepage help` for every command)\n";
  return kExitUsage;
}

int Run(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err) {
  const CommandTable table = BuildCommands();
  absl::StatusOr<ParsedArgs> global =
      ParseArgs(argv, GlobalFlags(), {.stop_at_positional = true, .context = "samepage"});
  if (!global.ok()) return Usage(err, global.status().message(), "");
  std::vector<std::string> rest = global->rest();
  if (global->help()) {
    out << FullUsage(table);
    return kExitOk;
  }
  if (rest.empty()) {
    err << FullUsage(table);
    return kExitUsage;
  }
  if (rest[0] == "help") {
    rest.erase(rest.begin());
    if (rest.empty()) {
      out << FullUsage(table);
      return kExitOk;
    }
    if (const Command* command = FindCommand(table, rest)) {
      out << CommandUsage(*command);
      return kExitOk;
    }
    if (!Subcommands(table, rest[0]).empty()) {
      out << GroupUsage(table, rest[0]);
      return kExitOk;
    }
    return Usage(err, absl::StrCat("no command `", absl::StrJoin(rest, " "), "`"), "");
  }

  const Command* command = FindCommand(table, rest);
  if (command == nullptr) {
    const std::vector<std::string> subcommands = Subcommands(table, rest[0]);
    if (subcommands.empty()) {
      return Usage(err, absl::StrCat("unknown command `", rest[0], "`"), "");
    }
    if (rest.size() > 1 && (rest[1] == "--help" || rest[1] == "-h")) {
      out << GroupUsage(table, rest[0]);
      return kExitOk;
    }
    const std::string takes = absl::StrJoin(subcommands, ", ");
    if (rest.size() == 1) {
      return Usage(err, absl::StrCat("`", rest[0], "` needs a subcommand: ", takes), "");
    }
    return Usage(err,
                 absl::StrCat("unknown command `", rest[0], " ", rest[1], "` (", rest[0], " takes ",
                              takes, ")"),
                 "");
  }

  const std::vector<std::string> command_args(rest.begin() + command->words.size(), rest.end());
  const std::string usage = CommandUsage(*command);
  absl::StatusOr<ParsedArgs> args =
      ParseArgs(command_args, command->flags, {.context = absl::StrJoin(command->words, " ")});
  if (!args.ok()) {
    absl::Status misplaced = MisplacedGlobalFlag(*command, command_args);
    return Usage(err, misplaced.ok() ? args.status().message() : misplaced.message(), usage);
  }
  if (args->help()) {
    out << usage;
    return kExitOk;
  }
  const int given = static_cast<int>(args->positionals().size());
  if (given < command->min_positionals ||
      (command->max_positionals >= 0 && given > command->max_positionals)) {
    return Usage(err,
                 given < command->min_positionals
                     ? absl::StrCat("`", absl::StrJoin(command->words, " "), "` needs ",
                                    command->synopsis.substr(0, command->synopsis.find(' ')))
                     : absl::StrCat("unexpected argument \"",
                                    args->positionals()[command->max_positionals], "\""),
                 usage);
  }

  absl::StatusOr<ConnectionOptions> options = ConnectionOptionsFrom(*global);
  if (!options.ok()) return Usage(err, options.status().message(), "");
  Output output(&out, global->Has("json"));
  Invocation invocation(*std::move(options), &output);
  absl::Status status = command->run(invocation, *args);
  out.flush();
  if (IsUsageError(status)) return Usage(err, status.message(), usage);
  if (!status.ok()) {
    err << "samepage: " << absl::StatusCodeToString(status.code()) << ": " << status.message()
        << "\n";
    return kExitFailed;
  }
  return kExitOk;
}

}  // namespace
}  // namespace samepage::cli

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  return samepage::cli::Run(args, std::cout, std::cerr);
}
