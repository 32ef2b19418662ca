#pragma once

#include "cli/command.h"

namespace samepage::cli {

// Adds the case registry's commands (case create, list, show, close, assign,
// end, history, caseload, roles) and the directory's `who-is-who`.
void AddCaseCommands(CommandTable* table);

}  // namespace samepage::cli
