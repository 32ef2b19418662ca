#include "services/directory/roster.h"

#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"
#include "common/clock/time_util.h"
#include "common/status/status_macros.h"
#include "common/validation/validation.h"
#include "services/directory/availability.h"
#include "services/directory/visibility.h"

namespace samepage::directory {
namespace {

namespace reg = ::samepage::registry::v1;

// The registry's answer about the caller passes through; the registry
// failing for its own reasons is UNAVAILABLE.
template <typename T>
absl::StatusOr<T> FromRegistry(absl::StatusOr<T> result) {
  const absl::Status& s = result.status();
  if (s.ok() || absl::IsPermissionDenied(s) || absl::IsNotFound(s) || absl::IsInvalidArgument(s) ||
      absl::IsUnauthenticated(s)) {
    return result;
  }
  return absl::UnavailableError(absl::StrCat("case registry: ", s.message()));
}

// Preferred contact first, otherwise in the order the person gave them.
void PreferredFirst(google::protobuf::RepeatedPtrField<v1::ContactPoint>* points) {
  std::stable_sort(points->begin(), points->end(),
                   [](const v1::ContactPoint& a, const v1::ContactPoint& b) {
                     return a.preferred() && !b.preferred();
                   });
}

}  // namespace

absl::StatusOr<v1::WhoIsWhoResponse> Roster::WhoIsWho(const identity::Caller& caller,
                                                      const v1::WhoIsWhoRequest& req) {
  RETURN_IF_ERROR(validation::ParseName("case", req.case_(), "cases").status());
  ASSIGN_OR_RETURN(reg::Case c, FromRegistry(registry_->GetCase(caller, req.case_())));
  ASSIGN_OR_RETURN(std::vector<reg::Assignment> assignments,
                   FromRegistry(registry_->ListAssignments(caller, req.case_())));

  // Who is looking: their record and their roles on this case decide which
  // contact points they see.
  std::optional<v1::Person> me;
  if (!caller.PersonName().empty()) {
    absl::StatusOr<v1::Person> found = directory_->LookupPerson(caller.PersonName());
    if (found.ok()) me = *std::move(found);
  }
  Viewer viewer;
  viewer.person = me.has_value() ? &*me : nullptr;
  std::map<std::string, const reg::CaseSubject*> subjects;
  for (const reg::CaseSubject& s : c.subjects()) subjects[s.name()] = &s;
  for (const reg::Assignment& a : assignments) {
    if (a.state() != reg::Assignment::STATE_CURRENT) continue;
    bool mine =
        !caller.PersonName().empty() && (a.person() == caller.PersonName() ||
                                         (subjects.count(a.subject()) > 0 &&
                                          subjects[a.subject()]->person() == caller.PersonName()));
    if (mine) viewer.case_roles.push_back(a.case_role());
  }

  absl::Time now = directory_->clock().Now();
  std::map<std::string, std::optional<v1::Person>> people;
  auto person = [&](const std::string& name) -> const v1::Person* {
    if (name.empty()) return nullptr;
    auto it = people.find(name);
    if (it == people.end()) {
      absl::StatusOr<v1::Person> found = directory_->LookupPerson(name);
      std::optional<v1::Person> value;
      if (found.ok()) value = *std::move(found);
      it = people.emplace(name, std::move(value)).first;
    }
    return it->second.has_value() ? &*it->second : nullptr;
  };
  std::map<std::string, std::string> org_names;
  auto org_name = [&](const std::string& name) -> std::string {
    if (name.empty()) return "";
    auto it = org_names.find(name);
    if (it == org_names.end()) {
      absl::StatusOr<v1::Organization> org = directory_->LookupOrganization(name);
      it = org_names.emplace(name, org.ok() ? org->display_name() : "").first;
    }
    return it->second;
  };
  // The contact points of `p` this viewer may see, preferred first; what is
  // withheld is said, not dropped silently.
  auto visible_contacts = [&](const v1::Person& p) {
    v1::Person copy = p;
    auto withheld = RedactContactPoints(copy, viewer);
    PreferredFirst(copy.mutable_contact_points());
    return std::make_pair(std::move(*copy.mutable_contact_points()), std::move(withheld));
  };

  v1::WhoIsWhoResponse response;
  response.set_case_(req.case_());
  *response.mutable_as_of_time() = ToProtoTime(now);
  for (const reg::Assignment& a : assignments) {
    if (a.state() == reg::Assignment::STATE_ENDED) {
      v1::PreviousHolder* prev = response.add_previous_holders();
      prev->set_case_role(a.case_role());
      prev->set_person(a.person());
      const v1::Person* p = person(a.person());
      if (p != nullptr) {
        prev->set_display_name(p->display_name());
        prev->set_organization(p->organization());
      } else if (subjects.count(a.subject()) > 0) {
        prev->set_display_name(subjects[a.subject()]->display_name());
      }
      *prev->mutable_start_time() = a.start_time();
      *prev->mutable_end_time() = a.end_time();
      prev->set_end_reason(reg::Assignment::EndReason_Name(a.end_reason()));
      continue;
    }
    if (a.state() != reg::Assignment::STATE_CURRENT) continue;
    v1::RosterEntry* entry = response.add_members();
    entry->set_case_role(a.case_role());
    entry->set_responsibilities(a.responsibilities());
    entry->set_primary(a.primary());
    entry->set_person(a.person());
    entry->set_subject(a.subject());
    entry->set_assignment(a.name());
    *entry->mutable_start_time() = a.start_time();
    // A caregiver recorded on the case may have an account of their own.
    std::string account = a.person();
    if (account.empty() && subjects.count(a.subject()) > 0) {
      account = subjects[a.subject()]->person();
      entry->set_display_name(subjects[a.subject()]->display_name());
    }
    const v1::Person* p = person(account);
    if (p == nullptr) {
      entry->mutable_availability()->set_available_now(true);
      continue;
    }
    entry->set_display_name(p->display_name());
    entry->set_organization(p->organization());
    entry->set_organization_display_name(org_name(p->organization()));
    entry->set_title(p->title());
    auto [contacts, withheld] = visible_contacts(*p);
    *entry->mutable_contact_points() = std::move(contacts);
    for (auto& [channel, reason] : withheld) {
      v1::WithheldContact* w = entry->add_withheld_contacts();
      w->set_channel(channel);
      w->set_reason(reason);
    }
    AvailabilityNow availability = ComputeAvailability(*p, now);
    v1::Availability* out = entry->mutable_availability();
    out->set_available_now(availability.available);
    out->set_reason(availability.reason);
    if (availability.until.has_value())
      *out->mutable_until_time() = ToProtoTime(*availability.until);
    if (!availability.available) {
      // Their delegate covers an absence; otherwise their supervisor.
      std::string cover = availability.reason == v1::Availability::REASON_OUT_OF_OFFICE
                              ? p->out_of_office().delegate()
                              : "";
      const v1::Person* covering = person(cover);
      if (covering == nullptr || covering->state() != v1::Person::STATE_ACTIVE) {
        covering = person(p->supervisor());
      }
      if (covering != nullptr && covering->state() == v1::Person::STATE_ACTIVE) {
        out->set_covered_by(covering->name());
        out->set_covered_by_display_name(covering->display_name());
        *out->mutable_covered_by_contact_points() = visible_contacts(*covering).first;
      }
    }
  }
  std::stable_sort(response.mutable_members()->begin(), response.mutable_members()->end(),
                   [](const v1::RosterEntry& x, const v1::RosterEntry& y) {
                     if (x.case_role() != y.case_role()) return x.case_role() < y.case_role();
                     return x.primary() && !y.primary();
                   });
  std::stable_sort(response.mutable_previous_holders()->begin(),
                   response.mutable_previous_holders()->end(),
                   [](const v1::PreviousHolder& x, const v1::PreviousHolder& y) {
                     return FromProtoTime(x.end_time()) > FromProtoTime(y.end_time());
                   });
  for (const reg::Vacancy& v : c.vacancies()) response.add_vacant_roles(v.case_role());
  return response;
}

}  // namespace samepage::directory
