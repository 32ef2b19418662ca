#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "cli/args.h"
#include "cli/connection.h"
#include "cli/output.h"

namespace samepage::cli {

// What one run of `samepage` works with: the global options, where output
// goes, and (opened on first use) the connection to the server.
class Invocation {
 public:
  Invocation(ConnectionOptions options, Output* output)
      : options_(std::move(options)), output_(output) {}

  const ConnectionOptions& options() const { return options_; }
  Output& out() { return *output_; }

  // Opens the connection the first time; commands that never call the
  // server (dev-token, help) never need a token.
  absl::StatusOr<Connection*> connection() {
    if (connection_ == nullptr) {
      absl::StatusOr<std::unique_ptr<Connection>> opened = Connection::Open(options_);
      if (!opened.ok()) return opened.status();
      connection_ = *std::move(opened);
    }
    return connection_.get();
  }

 private:
  const ConnectionOptions options_;
  Output* output_;
  std::unique_ptr<Connection> connection_;
};

// One command of the dispatch table, e.g. `org create`. Each command group
// (directory; later case, plan, note, consent) adds its own commands with an
// Add...Commands function.
struct Command {
  // The words that select it: {"org", "create"}, or {"search"}.
  std::vector<std::string> words;
  // What follows the words in the usage line: "--name NAME --kind KIND [--id ID]".
  std::string synopsis;
  // One sentence for `samepage help`.
  std::string summary;
  // The flags it accepts.
  std::vector<FlagSpec> flags;
  // How many positionals it takes; max_positionals < 0 means any number.
  int min_positionals = 0;
  int max_positionals = 0;
  // Does the work.
  std::function<absl::Status(Invocation&, const ParsedArgs&)> run;
};

// A group's commands are added to the table with a function like this.
using CommandTable = std::vector<Command>;

}  // namespace samepage::cli
