#pragma once

#include "cli/command.h"

namespace samepage::cli {

// Adds the case-plan service's commands: plan (show, publish, versions, diff,
// ack, acks, overdue) and note (add, list, show, amend, versions, ack).
void AddPlanCommands(CommandTable* table);

}  // namespace samepage::cli
