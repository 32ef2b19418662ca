#pragma once

#include "cli/command.h"

namespace samepage::cli {

// Adds the sharing service's commands: consent (create, list, show, revoke),
// court-order (create, list, show), check, disclosures and request (create,
// list, show, ack, fulfill, decline).
void AddSharingCommands(CommandTable *table);

}  // namespace samepage::cli
