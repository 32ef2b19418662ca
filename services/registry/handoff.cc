// The registry's reactions to the directory's events: it keeps its own
// projection of people (for supervisor and administrator checks), and when a
// person departs it hands over their open cases, one case per atomic write.

#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"
#include "common/clock/time_util.h"
#include "common/status/status_macros.h"
#include "services/registry/registry.h"

namespace samepage::registry {

using storage::Batch;
using storage::ReadView;

absl::Status Registry::ApplyDirectoryEvent(const directory::v1::Event& event) {
  if (!event.has_person()) return absl::OkStatus();
  const directory::v1::Person& person = event.person();
  RETURN_IF_ERROR(data_.store().Transact([&](const ReadView& view, Batch& batch) -> absl::Status {
    // Events can arrive again after a restart: never go back to an older
    // version of a person.
    ASSIGN_OR_RETURN(std::optional<directory::v1::Person> known,
                     data_.GetPerson(view, IdOf(person.name())));
    if (known.has_value() && known->etag() == person.etag()) return absl::OkStatus();
    data_.PutPerson(batch, person);
    return absl::OkStatus();
  }));
  if (event.type() == directory::v1::Event::TYPE_PERSON_DEPARTED) {
    return HandOver(person, event.actor(),
                    absl::StrCat("departure of ", person.name(), " (directory revision ",
                                 event.revision(), ")"));
  }
  return absl::OkStatus();
}

absl::Status Registry::HandOver(const directory::v1::Person& departed, const std::string& actor,
                                const std::string& cause) {
  // The cases where the departed person still holds a current assignment.
  // A case already handed over has none, which makes replays harmless.
  absl::Time now = clock_->Now();
  std::vector<std::string> case_ids;
  RETURN_IF_ERROR(data_.ScanPersonAssignments(
      reader(), IdOf(departed.name()), "", [&](absl::string_view, const v1::Assignment& a) {
        std::string case_id = IdOf(a.name().substr(0, a.name().find("/assignments/")));
        if (Present(a).state() != v1::Assignment::STATE_ENDED &&
            (case_ids.empty() || case_ids.back() != case_id)) {
          case_ids.push_back(case_id);
        }
        return true;
      }));

  absl::Time effective = departed.departure().has_effective_time()
                             ? FromProtoTime(departed.departure().effective_time())
                             : now;
  // The team changes when the departure is processed; a date in the future
  // would leave a departed person on the team until then.
  absl::Time end = std::min(effective, now);
  const std::string& successor = departed.departure().successor();
  const std::string& supervisor = departed.supervisor();

  for (const std::string& case_id : case_ids) {
    RETURN_IF_ERROR(data_.store().Transact([&](const ReadView& view, Batch& batch) -> absl::Status {
      ASSIGN_OR_RETURN(std::optional<v1::Case> c, data_.GetCase(view, case_id));
      if (!c.has_value()) return absl::OkStatus();
      ASSIGN_OR_RETURN(std::vector<v1::Assignment> team, data_.CaseAssignments(view, case_id));
      std::vector<v1::Assignment> current;
      for (const v1::Assignment& a : team) {
        if (Present(a).state() != v1::Assignment::STATE_ENDED) current.push_back(a);
      }
      auto holds = [&](const std::string& person, const std::string& role) {
        return std::any_of(current.begin(), current.end(), [&](const v1::Assignment& a) {
          return a.person() == person && a.case_role() == role;
        });
      };
      bool case_changed = false;
      v1::Case previous = *c;
      // By index over the assignments held before the handoff: the heirs'
      // new assignments are appended to `current` (so that `holds` sees them),
      // which may reallocate it under a range-for.
      const size_t held = current.size();
      for (size_t i = 0; i < held; ++i) {
        v1::Assignment a = current[i];
        if (a.person() != departed.name()) continue;
        std::string role = a.case_role();
        bool primary = a.primary();
        std::string responsibilities = a.responsibilities();
        std::string old_name = a.name();
        std::string heir = !successor.empty() ? successor : supervisor;
        bool interim = successor.empty();
        std::string heir_assignment;
        if (c->state() == v1::Case::STATE_OPEN && !heir.empty() && !holds(heir, role)) {
          heir_assignment = absl::StrCat(c->name(), "/assignments/", storage::NewResourceId("a"));
        }
        a.set_successor(heir_assignment);
        a.set_primary(false);
        EndOne(batch, a, v1::Assignment::END_REASON_DEPARTURE, departed.departure().reason(), end,
               actor, cause);
        if (!heir_assignment.empty()) {
          v1::Assignment next;
          next.set_name(heir_assignment);
          next.set_person(heir);
          next.set_case_role(role);
          // An interim holder covers; they do not take the primary seat.
          next.set_primary(primary && !interim);
          next.set_responsibilities(responsibilities);
          next.set_predecessor(old_name);
          next.set_interim(interim);
          *next.mutable_start_time() = ToProtoTime(end);
          ASSIGN_OR_RETURN(v1::Assignment added, AddAssignment(batch, *c, {}, next, actor, cause));
          current.push_back(added);
        }
        if (successor.empty() && c->state() == v1::Case::STATE_OPEN) {
          // Nobody takes over for good: the role is vacant and the case
          // needs reassignment; the supervisor covers meanwhile.
          v1::Vacancy* vacancy = c->add_vacancies();
          vacancy->set_case_role(role);
          vacancy->set_ended_assignment(old_name);
          vacancy->set_interim_contact(supervisor);
          *vacancy->mutable_since_time() = ToProtoTime(end);
          c->set_needs_reassignment(true);
          case_changed = true;
        }
      }
      if (case_changed) {
        WriteCaseChange(batch, *c, &previous, v1::Event::TYPE_CASE_NEEDS_REASSIGNMENT, actor,
                        cause);
      }
      return absl::OkStatus();
    }));
  }
  return absl::OkStatus();
}

}  // namespace samepage::registry
