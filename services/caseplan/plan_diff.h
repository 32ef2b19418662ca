#pragma once

#include "samepage/caseplan/v1/caseplan_service.pb.h"

namespace samepage::caseplan {

// What changed from `base` to `target`: goals, tasks and required steps
// matched by their stable ids (goal_id, task_id, step_id), each added,
// removed or changed (with the names of the fields that differ), in the
// target's order followed by the removed ones in the base's order; and
// whether the family summary changed. `base` null means an empty plan.
// Sets the response's version numbers from the versions. Pure.
v1::DiffPlanVersionsResponse DiffPlanVersions(const v1::PlanVersion* base,
                                              const v1::PlanVersion& target);

}  // namespace samepage::caseplan
