#include "services/registry/access.h"

#include <algorithm>

#include "common/clock/time_util.h"
#include "common/status/status_macros.h"

namespace samepage::registry {

using Basis = v1::CheckCaseAccessResponse;

bool IsCurrent(const v1::Assignment& a, absl::Time now) {
  if (a.state() != v1::Assignment::STATE_CURRENT) return false;
  if (a.has_start_time() && FromProtoTime(a.start_time()) > now) return false;
  return !a.has_end_time() || FromProtoTime(a.end_time()) > now;
}

absl::StatusOr<CaseAccess> DecideCaseAccess(const storage::ReadView& view,
                                            const RegistryStore& data, const v1::Case& c,
                                            const std::vector<v1::Assignment>& assignments,
                                            absl::string_view person,
                                            const directory::v1::Person* me, bool platform_admin,
                                            bool service, absl::Time now) {
  CaseAccess access;
  if (platform_admin || service) {
    access.allowed = true;
    access.may_manage = true;
    access.bases.push_back(Basis::BASIS_PLATFORM_ADMINISTRATOR);
  }
  if (person.empty()) return access;

  // A departed person sees nothing, whatever their records still say.
  if (me != nullptr && me->state() == directory::v1::Person::STATE_DEPARTED) return access;

  // Caregivers on the case act through their subject record.
  std::vector<std::string> my_subjects;
  for (const v1::CaseSubject& s : c.subjects()) {
    if (!s.person().empty() && s.person() == person) my_subjects.push_back(s.name());
  }
  for (const v1::Assignment& a : assignments) {
    if (!IsCurrent(a, now)) continue;
    bool mine = a.person() == person ||
                (!a.subject().empty() && std::find(my_subjects.begin(), my_subjects.end(),
                                                   a.subject()) != my_subjects.end());
    if (mine) {
      access.case_roles.push_back(a.case_role());
      access.assignments.push_back(a.name());
      ASSIGN_OR_RETURN(std::shared_ptr<const v1::CaseRole> role,
                       data.SharedCaseRole(view, a.case_role()));
      if (role != nullptr) {
        if (role->treating_team()) access.treating_team = true;
        if (role->kind() == v1::CaseRole::KIND_PROFESSIONAL) access.may_manage = true;
      }
      continue;
    }
    if (a.person().empty()) continue;
    ASSIGN_OR_RETURN(std::shared_ptr<const directory::v1::Person> member,
                     data.SharedPerson(view, IdOf(a.person())));
    if (member != nullptr && member->supervisor() == person) {
      access.supervised_members.push_back(a.person());
    }
  }
  if (!access.assignments.empty()) access.bases.push_back(Basis::BASIS_TEAM_MEMBER);
  if (!access.supervised_members.empty()) {
    access.bases.push_back(Basis::BASIS_SUPERVISOR_OF_MEMBER);
    access.may_manage = true;
  }
  if (me != nullptr && me->administrator() && me->organization() == c.lead_agency()) {
    access.bases.push_back(Basis::BASIS_LEAD_AGENCY_ADMINISTRATOR);
    access.may_manage = true;
  }
  access.allowed = !access.bases.empty();
  return access;
}

}  // namespace samepage::registry
