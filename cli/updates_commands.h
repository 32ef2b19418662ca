#pragma once

#include "cli/command.h"

namespace samepage::cli {

// `updates`: a person's feed of what concerns them, listed or followed.
void AddUpdatesCommands(CommandTable* table);

}  // namespace samepage::cli
