#pragma once

#include "cli/command.h"

namespace samepage::cli {

// Adds the contact directory's commands: org, role, person, search, events.
void AddDirectoryCommands(CommandTable* table);

}  // namespace samepage::cli
