#pragma once

#include "cli/command.h"

namespace samepage::cli {

// Adds `dev-token`: prints a development token for scripts and other clients.
void AddDevTokenCommand(CommandTable* table);

}  // namespace samepage::cli
