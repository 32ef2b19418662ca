#include "services/sharing/information_requests.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/clock/time_util.h"
#include "common/status/status_macros.h"
#include "common/storage/page_token.h"
#include "common/storage/records.h"
#include "services/sharing/request_validation.h"
#include "services/sharing/sharing_events.h"

namespace samepage::sharing {
namespace {

using identity::Caller;
using registry::v1::CheckCaseAccessResponse;
using storage::Batch;
using storage::IdOf;
using storage::ReadView;
using State = v1::InformationRequest::State;
using View = v1::ListInformationRequestsRequest::View;

// The actor of changes the server makes on its own clock.
constexpr char kServerActor[] = "services/sharing";
// The case role of the team's own supervisor.
constexpr char kCaseSupervisorRole[] = "case-supervisor";
// Requests looked at per tick; the rest wait for the next one.
constexpr int kTickBatch = 200;
// Index entries a list call reads at most before it returns a page token,
// so that a filter matching little does not read a whole index.
constexpr int kMaxScanned = 2000;

bool Has(const CheckCaseAccessResponse& access, CheckCaseAccessResponse::Basis basis) {
  return std::find(access.bases().begin(), access.bases().end(), basis) != access.bases().end();
}

bool IsRecipient(const v1::InformationRequest& r, const std::string& person) {
  return !person.empty() && std::find(r.recipient_people().begin(), r.recipient_people().end(),
                                      person) != r.recipient_people().end();
}

bool IsTerminal(State state) {
  return state == v1::InformationRequest::STATE_FULFILLED ||
         state == v1::InformationRequest::STATE_DECLINED;
}

// Overdue and not yet escalated (it may have been acknowledged since).
bool AwaitsEscalation(const v1::InformationRequest& r) {
  return r.has_overdue_time() && r.escalated_to().empty() && !IsTerminal(r.state()) &&
         r.state() != v1::InformationRequest::STATE_ESCALATED;
}

absl::Status NotOnTeam(const std::string& case_name) {
  return absl::PermissionDeniedError(
      absl::StrCat("information_request.case: only current members of the team of ", case_name,
                   " may ask for information on it"));
}

absl::Status Closed(const v1::InformationRequest& r) {
  return absl::FailedPreconditionError(
      absl::StrCat(r.name(), ": already ",
                   r.state() == v1::InformationRequest::STATE_FULFILLED ? "fulfilled" : "declined",
                   "; a closed request does not change again"));
}

// A new record holds only what a client may set; the rest is the server's.
v1::InformationRequest FromInput(const v1::InformationRequest& in) {
  v1::InformationRequest r;
  r.set_case_(in.case_());
  r.set_subject(in.subject());
  *r.mutable_recipient() = in.recipient();
  r.set_summary(in.summary());
  r.set_details(in.details());
  r.set_purpose(in.purpose());
  r.set_purpose_description(in.purpose_description());
  *r.mutable_categories() = in.categories();
  *r.mutable_due_time() = in.due_time();
  r.set_urgent(in.urgent());
  if (in.urgent()) r.set_urgent_reason(in.urgent_reason());
  return r;
}

}  // namespace

std::vector<std::string> InformationRequests::ColumnFamilies() {
  return RequestStore::ColumnFamilies();
}

InformationRequests::InformationRequests(storage::Store* store, const Clock* clock, Peers* peers,
                                         Options options)
    : store_(store), clock_(clock), peers_(peers), options_(options), data_(store) {}

// --- Access -----------------------------------------------------------------

absl::Status InformationRequests::CheckMayAsk(const Caller& caller, const std::string& case_name) {
  std::string me = caller.PersonName();
  if (me.empty()) {
    if (!caller.platform_admin) {
      return absl::PermissionDeniedError(
          "requests for information are made by people on the case team");
    }
    absl::StatusOr<registry::v1::Case> c = peers_->GetCase(case_name);
    if (absl::IsNotFound(c.status())) {
      return absl::NotFoundError(
          absl::StrCat("information_request.case: ", case_name, " not found"));
    }
    RETURN_IF_ERROR(c.status());
    if (c->state() == registry::v1::Case::STATE_CLOSED) {
      return absl::FailedPreconditionError(
          absl::StrCat("information_request.case: ", case_name, " is closed"));
    }
    return absl::OkStatus();
  }
  absl::StatusOr<CheckCaseAccessResponse> access = peers_->CaseAccess(case_name, me);
  if (absl::IsNotFound(access.status())) {
    if (caller.platform_admin) {
      return absl::NotFoundError(
          absl::StrCat("information_request.case: ", case_name, " not found"));
    }
    return NotOnTeam(case_name);
  }
  RETURN_IF_ERROR(access.status());
  if (!Has(*access, CheckCaseAccessResponse::BASIS_TEAM_MEMBER) && !caller.platform_admin) {
    return NotOnTeam(case_name);
  }
  if (access->case_state() == registry::v1::Case::STATE_CLOSED) {
    return absl::FailedPreconditionError(
        absl::StrCat("information_request.case: ", case_name, " is closed"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> InformationRequests::ResolveRecipients(
    const std::string& case_name, const v1::Party& recipient) {
  if (recipient.party_case() == v1::Party::kPerson) {
    ASSIGN_OR_RETURN(CheckCaseAccessResponse access,
                     peers_->CaseAccess(case_name, recipient.person()));
    if (!Has(access, CheckCaseAccessResponse::BASIS_TEAM_MEMBER)) {
      return absl::FailedPreconditionError(
          absl::StrCat("information_request.recipient.person: ", recipient.person(),
                       " is not a current member of the team of ", case_name));
    }
    return std::vector<std::string>{recipient.person()};
  }
  ASSIGN_OR_RETURN(std::vector<registry::v1::Assignment> assignments,
                   peers_->CurrentAssignments(case_name));
  std::vector<std::string> people;
  std::optional<registry::v1::Case> c;
  for (const registry::v1::Assignment& a : assignments) {
    if (a.case_role() != recipient.case_role()) continue;
    std::string person = a.person();
    if (person.empty() && !a.subject().empty()) {
      // A family member on the team is a case subject, linked to a person.
      if (!c.has_value()) {
        ASSIGN_OR_RETURN(c, peers_->GetCase(case_name));
      }
      for (const registry::v1::CaseSubject& s : c->subjects()) {
        if (s.name() == a.subject()) person = s.person();
      }
    }
    if (!person.empty() && std::find(people.begin(), people.end(), person) == people.end()) {
      people.push_back(person);
    }
  }
  if (people.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("information_request.recipient.case_role: nobody currently holds the role \"",
                     recipient.case_role(), "\" on ", case_name));
  }
  return people;
}

absl::Status InformationRequests::CheckMayRead(const Caller& caller,
                                               const v1::InformationRequest& r) {
  if (caller.platform_admin || caller.service) return absl::OkStatus();
  std::string me = caller.PersonName();
  if (!me.empty()) {
    if (me == r.requester() || IsRecipient(r, me) || me == r.escalated_to()) {
      return absl::OkStatus();
    }
    absl::StatusOr<CheckCaseAccessResponse> access = peers_->CaseAccess(r.case_(), me);
    if (!access.ok() && !absl::IsNotFound(access.status())) return access.status();
    // The case's supervisors: whoever holds its case-supervisor role, or
    // supervises a member.
    if (access.ok() && access->allowed() &&
        (Has(*access, CheckCaseAccessResponse::BASIS_SUPERVISOR_OF_MEMBER) ||
         Has(*access, CheckCaseAccessResponse::BASIS_LEAD_AGENCY_ADMINISTRATOR) ||
         std::find(access->case_roles().begin(), access->case_roles().end(), kCaseSupervisorRole) !=
             access->case_roles().end())) {
      return absl::OkStatus();
    }
  }
  return absl::PermissionDeniedError(absl::StrCat(
      r.name(),
      ": only its requester, its recipients, the person it was escalated to, and the case's "
      "supervisors and administrators may read it"));
}

absl::Status InformationRequests::CheckMaySeeListsOf(const Caller& caller,
                                                     const std::string& person) {
  if (caller.platform_admin || caller.service) return absl::OkStatus();
  absl::Status denied = absl::PermissionDeniedError(
      absl::StrCat("person: only ", person,
                   ", their supervisor and their organisation's administrators may list their "
                   "requests"));
  std::string me = caller.PersonName();
  if (me.empty()) return denied;
  absl::StatusOr<directory::v1::Person> them = peers_->GetPerson(person);
  if (absl::IsNotFound(them.status())) return denied;
  RETURN_IF_ERROR(them.status());
  if (them->supervisor() == me) return absl::OkStatus();
  absl::StatusOr<directory::v1::Person> self = peers_->GetPerson(me);
  if (absl::IsNotFound(self.status())) return denied;
  RETURN_IF_ERROR(self.status());
  if (self->administrator() && !self->organization().empty() &&
      self->organization() == them->organization()) {
    return absl::OkStatus();
  }
  return denied;
}

// --- Writing ----------------------------------------------------------------

void InformationRequests::WriteChange(Batch& batch, v1::InformationRequest& r,
                                      const v1::InformationRequest* previous, v1::Event::Type type,
                                      const std::string& actor) {
  google::protobuf::Timestamp now = ToProtoTime(clock_->Now());
  *r.mutable_update_time() = now;
  r.set_etag(storage::EtagFor(batch.next_revision()));
  data_.Put(batch, r, previous);
  v1::Event event;
  event.set_type(type);
  *event.mutable_event_time() = now;
  event.set_actor(actor);
  event.set_resource(r.name());
  *event.mutable_information_request() = r;
  AppendEvent(batch, event);
}

absl::StatusOr<v1::InformationRequest> InformationRequests::Move(
    const Caller& caller, const std::string& id, const std::string& etag, Movers movers,
    v1::Event::Type type, const Change& change) {
  v1::InformationRequest out;
  RETURN_IF_ERROR(store_->Transact([&](const ReadView& view, Batch& batch) -> absl::Status {
    ASSIGN_OR_RETURN(std::optional<v1::InformationRequest> current, data_.Get(view, id));
    if (!current.has_value()) {
      return absl::NotFoundError(absl::StrCat("name: informationRequests/", id, " not found"));
    }
    std::string me = caller.PersonName();
    bool allowed = IsRecipient(*current, me);
    if (movers != Movers::kRecipients) {
      allowed = allowed || (!me.empty() && me == current->escalated_to());
    }
    if (movers == Movers::kRecipientsEscalationAndServices) allowed = allowed || caller.service;
    if (!allowed) {
      return absl::PermissionDeniedError(
          absl::StrCat(current->name(), ": only the people it waits on",
                       movers == Movers::kRecipients ? "" : " or the person it was escalated to",
                       " may do this"));
    }
    RETURN_IF_ERROR(storage::CheckEtag("etag", etag, current->etag()));
    out = *current;
    RETURN_IF_ERROR(change(out));
    WriteChange(batch, out, &*current, type, caller.subject);
    if (IsTerminal(out.state())) data_.ClearDeadline(batch, out);
    return absl::OkStatus();
  }));
  return out;
}

// --- RPCs -------------------------------------------------------------------

absl::StatusOr<v1::InformationRequest> InformationRequests::CreateInformationRequest(
    const Caller& caller, const v1::CreateInformationRequestRequest& req) {
  RETURN_IF_ERROR(ValidateCreate(req));
  const v1::InformationRequest& in = req.information_request();
  absl::Time now = clock_->Now();
  absl::Time due = FromProtoTime(in.due_time());
  if (due <= now) {
    return absl::InvalidArgumentError("information_request.due_time: must be in the future");
  }
  std::string requester = caller.PersonName().empty() ? caller.subject : caller.PersonName();
  if (in.recipient().party_case() == v1::Party::kPerson && in.recipient().person() == requester) {
    return absl::InvalidArgumentError(
        "information_request.recipient.person: ask someone other than yourself");
  }
  RETURN_IF_ERROR(CheckMayAsk(caller, in.case_()));
  if (due - now < options_.minimum_lead_time && !in.urgent()) {
    return absl::FailedPreconditionError(
        absl::StrCat("information_request.due_time: must leave at least the minimum lead time of ",
                     absl::FormatDuration(options_.minimum_lead_time),
                     "; mark the request urgent, with an urgent_reason, to ask for less"));
  }
  ASSIGN_OR_RETURN(std::vector<std::string> recipients,
                   ResolveRecipients(in.case_(), in.recipient()));

  v1::InformationRequest r = FromInput(in);
  std::string id = req.information_request_id().empty() ? storage::NewResourceId("r")
                                                        : req.information_request_id();
  r.set_name(absl::StrCat("informationRequests/", id));
  r.set_requester(requester);
  for (std::string& person : recipients) r.add_recipient_people(std::move(person));
  r.set_state(v1::InformationRequest::STATE_OPEN);
  *r.mutable_create_time() = ToProtoTime(now);
  RETURN_IF_ERROR(store_->Transact([&](const ReadView& view, Batch& batch) -> absl::Status {
    ASSIGN_OR_RETURN(std::optional<v1::InformationRequest> existing, data_.Get(view, id));
    if (existing.has_value()) {
      return absl::AlreadyExistsError(
          absl::StrCat("information_request_id: ", r.name(), " already exists"));
    }
    WriteChange(batch, r, nullptr, v1::Event::TYPE_INFORMATION_REQUEST_CREATED, caller.subject);
    data_.ScheduleDeadline(batch, r);
    return absl::OkStatus();
  }));
  return r;
}

absl::StatusOr<v1::InformationRequest> InformationRequests::GetInformationRequest(
    const Caller& caller, const v1::GetInformationRequestRequest& req) {
  ASSIGN_OR_RETURN(std::string id, ParseRequestName("name", req.name()));
  ASSIGN_OR_RETURN(std::optional<v1::InformationRequest> r, data_.Get(store_->reader(), id));
  if (!r.has_value()) return absl::NotFoundError(absl::StrCat("name: ", req.name(), " not found"));
  RETURN_IF_ERROR(CheckMayRead(caller, *r));
  return *std::move(r);
}

absl::StatusOr<v1::ListInformationRequestsResponse> InformationRequests::ListInformationRequests(
    const Caller& caller, const v1::ListInformationRequestsRequest& req) {
  RETURN_IF_ERROR(ValidateList(req));
  ASSIGN_OR_RETURN(int size, storage::ResolvePageSize(req.page_size()));
  View view = req.view() == v1::ListInformationRequestsRequest::VIEW_UNSPECIFIED
                  ? v1::ListInformationRequestsRequest::VIEW_WAITING_ON_ME
                  : req.view();
  std::string person = req.person().empty() ? caller.PersonName() : req.person();
  RequestStore::Index index = RequestStore::Index::kWaiting;
  std::string owner;
  if (view == v1::ListInformationRequestsRequest::VIEW_CASE) {
    index = RequestStore::Index::kCase;
    owner = IdOf(req.case_());
    if (!caller.platform_admin && !caller.service) {
      absl::Status denied = absl::PermissionDeniedError(
          absl::StrCat("case: only the team of ", req.case_(),
                       ", its supervisors and administrators may list its requests"));
      if (caller.PersonName().empty()) return denied;
      absl::StatusOr<CheckCaseAccessResponse> access =
          peers_->CaseAccess(req.case_(), caller.PersonName());
      if (absl::IsNotFound(access.status())) return denied;
      RETURN_IF_ERROR(access.status());
      if (!access->allowed()) return denied;
    }
  } else {
    if (person.empty()) {
      return absl::InvalidArgumentError("person: required when the caller is not a person");
    }
    if (person != caller.PersonName()) RETURN_IF_ERROR(CheckMaySeeListsOf(caller, person));
    index = view == v1::ListInformationRequestsRequest::VIEW_MADE_BY_ME
                ? RequestStore::Index::kMade
                : RequestStore::Index::kWaiting;
    owner = person;
  }
  std::vector<int> states(req.states().begin(), req.states().end());
  std::string fingerprint = absl::StrCat("info_requests|", static_cast<int>(view), "|", owner, "|",
                                         req.case_(), "|", absl::StrJoin(states, ","));
  std::string after;
  if (!req.page_token().empty()) {
    ASSIGN_OR_RETURN(after, storage::DecodePageToken(req.page_token(), fingerprint));
  }

  auto snapshot = store_->Snapshot();
  v1::ListInformationRequestsResponse response;
  std::string last;
  std::string resume;
  int scanned = 0;
  RETURN_IF_ERROR(data_.ScanIndex(
      *snapshot, index, owner, after, [&](absl::string_view key, const v1::InformationRequest& r) {
        if (response.information_requests_size() == size || scanned == kMaxScanned) {
          resume = last;
          return false;
        }
        ++scanned;
        last = std::string(key);
        bool match =
            (req.case_().empty() || r.case_() == req.case_()) &&
            (states.empty() || std::find(states.begin(), states.end(), r.state()) != states.end());
        if (match) *response.add_information_requests() = r;
        return true;
      }));
  if (!resume.empty()) {
    response.set_next_page_token(storage::EncodePageToken(resume, fingerprint));
  }
  return response;
}

absl::StatusOr<v1::InformationRequest> InformationRequests::AcknowledgeInformationRequest(
    const Caller& caller, const v1::AcknowledgeInformationRequestRequest& req) {
  ASSIGN_OR_RETURN(std::string id, ParseRequestName("name", req.name()));
  return Move(caller, id, req.etag(), Movers::kRecipients,
              v1::Event::TYPE_INFORMATION_REQUEST_ACKNOWLEDGED,
              [&](v1::InformationRequest& r) -> absl::Status {
                if (r.state() != v1::InformationRequest::STATE_OPEN &&
                    r.state() != v1::InformationRequest::STATE_OVERDUE) {
                  return absl::FailedPreconditionError(absl::StrCat(
                      r.name(), ": only an open or overdue request can be acknowledged; it is ",
                      v1::InformationRequest::State_Name(r.state())));
                }
                r.set_state(v1::InformationRequest::STATE_ACKNOWLEDGED);
                r.set_acknowledged_by(caller.PersonName());
                *r.mutable_acknowledge_time() = ToProtoTime(clock_->Now());
                return absl::OkStatus();
              });
}

absl::StatusOr<v1::InformationRequest> InformationRequests::FulfillInformationRequest(
    const Caller& caller, const v1::FulfillInformationRequestRequest& req) {
  ASSIGN_OR_RETURN(std::string id, ParseRequestName("name", req.name()));
  RETURN_IF_ERROR(ValidateFulfillment(req.fulfillment(), req.has_fulfillment()));
  return Move(
      caller, id, req.etag(), Movers::kRecipientsEscalationAndServices,
      v1::Event::TYPE_INFORMATION_REQUEST_FULFILLED,
      [&](v1::InformationRequest& r) -> absl::Status {
        if (IsTerminal(r.state())) return Closed(r);
        r.set_state(v1::InformationRequest::STATE_FULFILLED);
        v1::InformationRequest::Fulfillment* f = r.mutable_fulfillment();
        f->set_resource(req.fulfillment().resource());
        f->set_comment(req.fulfillment().comment());
        f->set_fulfilled_by(caller.PersonName().empty() ? caller.subject : caller.PersonName());
        *f->mutable_fulfill_time() = ToProtoTime(clock_->Now());
        return absl::OkStatus();
      });
}

absl::StatusOr<v1::InformationRequest> InformationRequests::DeclineInformationRequest(
    const Caller& caller, const v1::DeclineInformationRequestRequest& req) {
  ASSIGN_OR_RETURN(std::string id, ParseRequestName("name", req.name()));
  RETURN_IF_ERROR(ValidateDeclineReason(req.reason()));
  return Move(caller, id, req.etag(), Movers::kRecipientsAndEscalation,
              v1::Event::TYPE_INFORMATION_REQUEST_DECLINED,
              [&](v1::InformationRequest& r) -> absl::Status {
                if (IsTerminal(r.state())) return Closed(r);
                r.set_state(v1::InformationRequest::STATE_DECLINED);
                r.set_decline_reason(req.reason());
                r.set_declined_by(caller.PersonName());
                *r.mutable_decline_time() = ToProtoTime(clock_->Now());
                return absl::OkStatus();
              });
}

// --- Deadlines --------------------------------------------------------------

absl::Status InformationRequests::Tick() {
  ASSIGN_OR_RETURN(std::vector<std::string> due,
                   data_.DueBy(store_->reader(), clock_->Now(), kTickBatch));
  absl::Status first_error = absl::OkStatus();
  for (const std::string& id : due) {
    absl::Status status = MarkOverdue(id);
    if (status.ok()) status = Escalate(id);
    // One request's trouble (a peer down) does not hold up the others.
    if (!status.ok() && first_error.ok()) first_error = status;
  }
  return first_error;
}

absl::Status InformationRequests::MarkOverdue(const std::string& id) {
  return store_->Transact([&](const ReadView& view, Batch& batch) -> absl::Status {
    ASSIGN_OR_RETURN(std::optional<v1::InformationRequest> r, data_.Get(view, id));
    if (!r.has_value() || r->has_overdue_time()) return absl::OkStatus();
    if (IsTerminal(r->state())) {
      data_.ClearDeadline(batch, *r);
      return absl::OkStatus();
    }
    absl::Time now = clock_->Now();
    if (FromProtoTime(r->due_time()) > now) return absl::OkStatus();
    v1::InformationRequest previous = *r;
    r->set_state(v1::InformationRequest::STATE_OVERDUE);
    *r->mutable_overdue_time() = ToProtoTime(now);
    WriteChange(batch, *r, &previous, v1::Event::TYPE_INFORMATION_REQUEST_OVERDUE, kServerActor);
    return absl::OkStatus();
  });
}

absl::Status InformationRequests::Escalate(const std::string& id) {
  ASSIGN_OR_RETURN(std::optional<v1::InformationRequest> seen, data_.Get(store_->reader(), id));
  if (!seen.has_value() || !AwaitsEscalation(*seen)) return absl::OkStatus();
  // Ask the directory before taking the write lock: a peer call must not
  // hold up every other write. A peer that is down leaves the request for
  // the next tick.
  std::string supervisor;
  for (const std::string& person : seen->recipient_people()) {
    absl::StatusOr<directory::v1::Person> p = peers_->GetPerson(person);
    if (absl::IsNotFound(p.status())) continue;
    RETURN_IF_ERROR(p.status());
    if (!p->supervisor().empty()) {
      supervisor = p->supervisor();
      break;
    }
  }
  return store_->Transact([&](const ReadView& view, Batch& batch) -> absl::Status {
    ASSIGN_OR_RETURN(std::optional<v1::InformationRequest> r, data_.Get(view, id));
    if (!r.has_value() || !AwaitsEscalation(*r)) return absl::OkStatus();
    data_.ClearDeadline(batch, *r);
    // Nobody above the recipients: it stays overdue, and the deadline index
    // forgets it so that ticks do not ask again and again.
    if (supervisor.empty()) return absl::OkStatus();
    v1::InformationRequest previous = *r;
    r->set_state(v1::InformationRequest::STATE_ESCALATED);
    r->set_escalated_to(supervisor);
    *r->mutable_escalate_time() = ToProtoTime(clock_->Now());
    WriteChange(batch, *r, &previous, v1::Event::TYPE_INFORMATION_REQUEST_ESCALATED, kServerActor);
    return absl::OkStatus();
  });
}

absl::Status InformationRequests::HandOver(const std::string& case_name,
                                           const std::string& from_person,
                                           const std::string& to_person, const std::string& actor) {
  std::string case_id = storage::IdOf(case_name);
  return store_->Transact([&](const ReadView& view, Batch& batch) -> absl::Status {
    std::vector<v1::InformationRequest> waiting;
    RETURN_IF_ERROR(data_.ScanIndex(view, RequestStore::Index::kCase, case_id, "",
                                    [&](absl::string_view, const v1::InformationRequest& r) {
                                      if (!IsTerminal(r.state()) && IsRecipient(r, from_person)) {
                                        waiting.push_back(r);
                                      }
                                      return true;
                                    }));
    for (const v1::InformationRequest& previous : waiting) {
      v1::InformationRequest moved = previous;
      google::protobuf::RepeatedPtrField<std::string> people;
      for (const std::string& p : previous.recipient_people()) {
        if (p != from_person) *people.Add() = p;
      }
      if (std::find(people.begin(), people.end(), to_person) == people.end()) {
        *people.Add() = to_person;
      }
      *moved.mutable_recipient_people() = people;
      if (moved.recipient().has_person() && moved.recipient().person() == from_person) {
        moved.mutable_recipient()->set_person(to_person);
      }
      WriteChange(batch, moved, &previous, v1::Event::TYPE_INFORMATION_REQUEST_REASSIGNED, actor);
    }
    return absl::OkStatus();
  });
}

}  // namespace samepage::sharing
