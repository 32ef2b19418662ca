#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/identity/caller.h"
#include "services/registry/registry_store.h"

namespace samepage::registry {

// Who may see a case, and why: one function with explicit inputs, whose
// answer carries its basis (in the spirit of Zanzibar-style checks).
struct CaseAccess {
  bool allowed = false;
  std::vector<v1::CheckCaseAccessResponse::Basis> bases;
  // The person's current case roles and assignments on the case.
  std::vector<std::string> case_roles;
  std::vector<std::string> assignments;
  // Whether one of those roles is on the treating team.
  bool treating_team = false;
  // Current members the person supervises.
  std::vector<std::string> supervised_members;
  // Whether the person may change the case and its team: lead-agency
  // administrators, supervisors of members, and current members in a
  // professional role.
  bool may_manage = false;
};

// An assignment counts from its start until it ends.
bool IsCurrent(const v1::Assignment& a, absl::Time now);

// Decides for `person` (a `people/{id}` name, may be empty) on case `c`.
// `me` is that person's directory record when known (else null). `platform_admin` and
// `service` callers see every case. Uses the registry's projection of the
// directory for the supervisors of members.
absl::StatusOr<CaseAccess> DecideCaseAccess(const storage::ReadView& view,
                                            const RegistryStore& data, const v1::Case& c,
                                            const std::vector<v1::Assignment>& assignments,
                                            absl::string_view person,
                                            const directory::v1::Person* me, bool platform_admin,
                                            bool service, absl::Time now);

}  // namespace samepage::registry
