#include "cli/directory_commands.h"

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "cli/calls.h"
#include "cli/flag_values.h"
#include "common/clock/time_util.h"
#include "samepage/directory/v1/directory_service.grpc.pb.h"

namespace samepage::cli {
namespace {

namespace v1 = ::samepage::directory::v1;
using Stub = v1::Directory::Stub;

// `events` without --follow stops once no event has come for this long.
constexpr absl::Duration kEventsIdle = absl::Seconds(1);

absl::Status AddContacts(const ParsedArgs& args,
                         google::protobuf::RepeatedPtrField<v1::ContactPoint>* points) {
  for (const std::string& text : args.GetAll("contact")) {
    absl::StatusOr<v1::ContactPoint> point = ParseContactPoint("contact", text);
    if (!point.ok()) return point.status();
    *points->Add() = *std::move(point);
  }
  return absl::OkStatus();
}

// Runs a paged list call: one page, or with --all every page merged into one
// response. Prints the response as JSON, or one line per item.
template <typename Request, typename Response, typename Item>
absl::Status ListPages(Invocation& invocation, const ParsedArgs& args, Request request,
                       grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&,
                                                    Response*),
                       google::protobuf::RepeatedPtrField<Item>* (Response::*items)(),
                       std::string (*line)(const Item&), absl::string_view nothing) {
  if (absl::Status status = SetPaging(args, &request); !status.ok()) return status;
  absl::StatusOr<Response> merged = Pages(invocation, request, method, items, args.Has("all"));
  if (!merged.ok()) return merged.status();
  std::string text;
  for (const Item& item : *((*merged).*items)()) absl::StrAppend(&text, line(item), "\n");
  if (text.empty()) text = absl::StrCat(nothing, "\n");
  absl::StrAppend(&text, MoreNote(merged->next_page_token()));
  return invocation.out().Print(*merged, text);
}

absl::Status PrintPerson(Invocation& invocation, const v1::Person& person) {
  return invocation.out().Print(person, PersonDetails(person));
}

absl::Status PrintOrganization(Invocation& invocation, const v1::Organization& org) {
  return invocation.out().Print(org, OrganizationDetails(org));
}

// Sends UpdatePerson for `person` (its name set) changing `paths`.
absl::Status UpdatePerson(Invocation& invocation, v1::Person person,
                          const std::vector<std::string>& paths) {
  v1::UpdatePersonRequest request;
  *request.mutable_person() = std::move(person);
  for (const std::string& path : paths) request.mutable_update_mask()->add_paths(path);
  v1::Person updated;
  if (absl::Status s = Call(invocation, &Stub::UpdatePerson, request, &updated); !s.ok()) return s;
  return PrintPerson(invocation, updated);
}

// --- organisations ---

absl::Status OrgCreate(Invocation& invocation, const ParsedArgs& args) {
  v1::CreateOrganizationRequest request;
  v1::Organization* org = request.mutable_organization();
  absl::StatusOr<std::string> name = Required(args, "name");
  if (!name.ok()) return name.status();
  org->set_display_name(*name);
  absl::StatusOr<std::string> kind_text = Required(args, "kind");
  if (!kind_text.ok()) return kind_text.status();
  absl::StatusOr<v1::Organization::Kind> kind = ParseOrganizationKind("kind", *kind_text);
  if (!kind.ok()) return kind.status();
  org->set_kind(*kind);
  org->set_description(args.Get("description"));
  org->set_point_of_contact(PersonName(args.Get("point-of-contact")));
  if (absl::Status s = AddContacts(args, org->mutable_contact_points()); !s.ok()) return s;
  request.set_organization_id(args.Get("id"));
  v1::Organization created;
  if (absl::Status s = Call(invocation, &Stub::CreateOrganization, request, &created); !s.ok()) {
    return s;
  }
  return PrintOrganization(invocation, created);
}

absl::Status OrgList(Invocation& invocation, const ParsedArgs& args) {
  return ListPages(invocation, args, v1::ListOrganizationsRequest(), &Stub::ListOrganizations,
                   &v1::ListOrganizationsResponse::mutable_organizations, &OrganizationLine,
                   "(no organisations)");
}

absl::Status OrgShow(Invocation& invocation, const ParsedArgs& args) {
  v1::GetOrganizationRequest request;
  request.set_name(OrganizationName(args.positionals()[0]));
  v1::Organization org;
  if (absl::Status s = Call(invocation, &Stub::GetOrganization, request, &org); !s.ok()) return s;
  return PrintOrganization(invocation, org);
}

absl::Status OrgUpdate(Invocation& invocation, const ParsedArgs& args) {
  v1::UpdateOrganizationRequest request;
  v1::Organization* org = request.mutable_organization();
  org->set_name(OrganizationName(args.positionals()[0]));
  org->set_etag(args.Get("etag"));
  auto* mask = request.mutable_update_mask();
  if (args.Has("name")) {
    org->set_display_name(args.Get("name"));
    mask->add_paths("display_name");
  }
  if (args.Has("kind")) {
    absl::StatusOr<v1::Organization::Kind> kind = ParseOrganizationKind("kind", args.Get("kind"));
    if (!kind.ok()) return kind.status();
    org->set_kind(*kind);
    mask->add_paths("kind");
  }
  if (args.Has("description")) {
    org->set_description(args.Get("description"));
    mask->add_paths("description");
  }
  if (args.Has("point-of-contact")) {
    org->set_point_of_contact(PersonName(args.Get("point-of-contact")));
    mask->add_paths("point_of_contact");
  }
  if (args.Has("contact") || args.Has("clear-contacts")) {
    if (absl::Status s = AddContacts(args, org->mutable_contact_points()); !s.ok()) return s;
    mask->add_paths("contact_points");
  }
  if (mask->paths().empty()) {
    return UsageError(
        "nothing to change: give --name, --kind, --description, --point-of-contact or --contact");
  }
  v1::Organization updated;
  if (absl::Status s = Call(invocation, &Stub::UpdateOrganization, request, &updated); !s.ok()) {
    return s;
  }
  return PrintOrganization(invocation, updated);
}

// --- roles ---

absl::Status RoleList(Invocation& invocation, const ParsedArgs& args) {
  return ListPages(invocation, args, v1::ListRolesRequest(), &Stub::ListRoles,
                   &v1::ListRolesResponse::mutable_roles, &RoleLine, "(no roles)");
}

absl::Status RoleCreate(Invocation& invocation, const ParsedArgs& args) {
  v1::CreateRoleRequest request;
  std::string id = args.positionals()[0];
  if (id.rfind("roles/", 0) == 0) id = id.substr(6);
  request.set_role_id(id);
  absl::StatusOr<std::string> name = Required(args, "name");
  if (!name.ok()) return name.status();
  request.mutable_role()->set_display_name(*name);
  request.mutable_role()->set_description(args.Get("description"));
  v1::Role role;
  if (absl::Status s = Call(invocation, &Stub::CreateRole, request, &role); !s.ok()) return s;
  return invocation.out().Print(role, RoleLine(role));
}

// --- people ---

absl::Status PersonCreate(Invocation& invocation, const ParsedArgs& args) {
  v1::CreatePersonRequest request;
  request.set_person_id(args.Get("id"));
  v1::Person* person = request.mutable_person();
  absl::StatusOr<std::string> name = Required(args, "name");
  if (!name.ok()) return name.status();
  person->set_display_name(*name);
  person->set_organization(OrganizationName(args.Get("org")));
  person->set_given_name(args.Get("given"));
  person->set_family_name(args.Get("family"));
  person->set_title(args.Get("title"));
  for (const std::string& role : args.GetAll("role")) person->add_roles(RoleName(role));
  person->set_supervisor(PersonName(args.Get("supervisor")));
  if (absl::Status s = AddContacts(args, person->mutable_contact_points()); !s.ok()) return s;
  person->set_administrator(args.Has("admin"));
  person->set_kind(args.Has("caregiver") ? v1::Person::KIND_CAREGIVER
                                         : v1::Person::KIND_PROFESSIONAL);
  v1::Person created;
  if (absl::Status s = Call(invocation, &Stub::CreatePerson, request, &created); !s.ok()) return s;
  return PrintPerson(invocation, created);
}

absl::Status PersonList(Invocation& invocation, const ParsedArgs& args) {
  v1::ListPeopleRequest request;
  request.set_organization(OrganizationName(args.Get("org")));
  request.set_show_departed(args.Has("departed"));
  return ListPages(invocation, args, request, &Stub::ListPeople,
                   &v1::ListPeopleResponse::mutable_people, &PersonLine, "(no people)");
}

absl::Status PersonShow(Invocation& invocation, const ParsedArgs& args) {
  v1::GetPersonRequest request;
  request.set_name(PersonName(args.positionals()[0]));
  v1::Person person;
  if (absl::Status s = Call(invocation, &Stub::GetPerson, request, &person); !s.ok()) return s;
  return PrintPerson(invocation, person);
}

absl::Status Search(Invocation& invocation, const ParsedArgs& args) {
  v1::SearchPeopleRequest request;
  request.set_query(absl::StrJoin(args.positionals(), " "));
  request.set_organization(OrganizationName(args.Get("org")));
  request.set_role(RoleName(args.Get("role")));
  request.set_show_departed(args.Has("departed"));
  return ListPages(invocation, args, request, &Stub::SearchPeople,
                   &v1::SearchPeopleResponse::mutable_people, &PersonLine, "(nobody found)");
}

absl::Status PersonHours(Invocation& invocation, const ParsedArgs& args) {
  v1::Person person;
  person.set_name(PersonName(args.positionals()[0]));
  if (!args.Has("clear")) {
    v1::WorkingHours* hours = person.mutable_working_hours();
    absl::StatusOr<std::string> zone = Required(args, "tz");
    if (!zone.ok()) return zone.status();
    hours->set_time_zone(*zone);
    absl::StatusOr<std::vector<v1::DayOfWeek>> days =
        ParseDays("days", args.Get("days", "mon-fri"));
    if (!days.ok()) return days.status();
    absl::StatusOr<int> from = ParseMinuteOfDay("from", args.Get("from", "09:00"));
    if (!from.ok()) return from.status();
    absl::StatusOr<int> to = ParseMinuteOfDay("to", args.Get("to", "17:00"));
    if (!to.ok()) return to.status();
    for (v1::DayOfWeek day : *days) {
      v1::WorkingPeriod* period = hours->add_periods();
      period->set_day(day);
      period->set_start_minute(*from);
      period->set_end_minute(*to);
    }
  } else if (args.Has("tz") || args.Has("days") || args.Has("from") || args.Has("to")) {
    return UsageError("--clear takes no --tz, --days, --from or --to");
  }
  return UpdatePerson(invocation, std::move(person), {"working_hours"});
}

absl::Status PersonAway(Invocation& invocation, const ParsedArgs& args) {
  const absl::Time now = absl::Now();
  v1::Person person;
  person.set_name(PersonName(args.positionals()[0]));
  v1::OutOfOffice* away = person.mutable_out_of_office();
  absl::StatusOr<absl::Time> from = ParseTime("from", args.Get("from", "now"), now);
  if (!from.ok()) return from.status();
  absl::StatusOr<std::string> until_text = Required(args, "until");
  if (!until_text.ok()) return until_text.status();
  absl::StatusOr<absl::Time> until = ParseTime("until", *until_text, now);
  if (!until.ok()) return until.status();
  *away->mutable_start_time() = ToProtoTime(*from);
  *away->mutable_end_time() = ToProtoTime(*until);
  away->set_delegate(PersonName(args.Get("delegate")));
  away->set_message(args.Get("message"));
  return UpdatePerson(invocation, std::move(person), {"out_of_office"});
}

absl::Status PersonBack(Invocation& invocation, const ParsedArgs& args) {
  v1::Person person;
  person.set_name(PersonName(args.positionals()[0]));
  // out_of_office in the mask but unset in the message clears it.
  return UpdatePerson(invocation, std::move(person), {"out_of_office"});
}

absl::Status PersonContact(Invocation& invocation, const ParsedArgs& args) {
  v1::Person person;
  person.set_name(PersonName(args.positionals()[0]));
  if (!args.Has("contact") && !args.Has("clear")) {
    return UsageError(
        "give the new contact points with --contact CHANNEL:VALUE[:preferred], "
        "or --clear to remove them all");
  }
  if (args.Has("contact") && args.Has("clear")) {
    return UsageError("--clear and --contact exclude each other");
  }
  if (absl::Status s = AddContacts(args, person.mutable_contact_points()); !s.ok()) return s;
  return UpdatePerson(invocation, std::move(person), {"contact_points"});
}

absl::Status PersonDepart(Invocation& invocation, const ParsedArgs& args) {
  v1::RecordDepartureRequest request;
  request.set_name(PersonName(args.positionals()[0]));
  absl::StatusOr<absl::Time> at = ParseTime("at", args.Get("at", "now"), absl::Now());
  if (!at.ok()) return at.status();
  *request.mutable_effective_time() = ToProtoTime(*at);
  request.set_successor(PersonName(args.Get("successor")));
  request.set_reason(args.Get("reason"));
  request.set_etag(args.Get("etag"));
  v1::Person person;
  if (absl::Status s = Call(invocation, &Stub::RecordDeparture, request, &person); !s.ok()) {
    return s;
  }
  return PrintPerson(invocation, person);
}

// --- events ---

// Cancels a call once no event has arrived for kEventsIdle.
class IdleCanceller {
 public:
  explicit IdleCanceller(grpc::ClientContext* context)
      : context_(context), last_event_(absl::Now()), thread_([this] { Watch(); }) {}
  ~IdleCanceller() {
    {
      absl::MutexLock lock(&mu_);
      done_ = true;
    }
    thread_.join();
  }

  void EventArrived() {
    absl::MutexLock lock(&mu_);
    last_event_ = absl::Now();
  }
  bool cancelled() {
    absl::MutexLock lock(&mu_);
    return cancelled_;
  }

 private:
  void Watch() {
    absl::MutexLock lock(&mu_);
    while (!done_) {
      const absl::Time idle_at = last_event_ + kEventsIdle;
      if (absl::Now() >= idle_at) {
        cancelled_ = true;
        context_->TryCancel();
        return;
      }
      mu_.AwaitWithDeadline(absl::Condition(&done_), idle_at);
    }
  }

  grpc::ClientContext* const context_;
  absl::Mutex mu_;
  absl::Time last_event_ ABSL_GUARDED_BY(mu_);
  bool done_ ABSL_GUARDED_BY(mu_) = false;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  // Last, so that it starts after the fields above are set.
  std::thread thread_;
};

absl::Status Events(Invocation& invocation, const ParsedArgs& args) {
  v1::WatchEventsRequest request;
  absl::StatusOr<int64_t> after = ParseCount("after", args.Get("after", "0"));
  if (!after.ok()) return after.status();
  request.set_after_revision(*after);
  const bool follow = args.Has("follow");

  absl::StatusOr<Connection*> connection = invocation.connection();
  if (!connection.ok()) return connection.status();
  std::unique_ptr<Stub> stub = v1::Directory::NewStub((*connection)->channel());
  // Following runs until interrupted; otherwise the stream is bounded by the
  // usual deadline as well as by the idle stop.
  std::unique_ptr<grpc::ClientContext> context =
      follow ? (*connection)->NewContext(absl::InfiniteDuration()) : (*connection)->NewContext();
  std::unique_ptr<grpc::ClientReader<v1::WatchEventsResponse>> reader =
      stub->WatchEvents(context.get(), request);

  absl::Status printed = absl::OkStatus();
  bool idle_stop = false;
  {
    std::unique_ptr<IdleCanceller> canceller =
        follow ? nullptr : std::make_unique<IdleCanceller>(context.get());
    v1::WatchEventsResponse response;
    while (reader->Read(&response)) {
      if (canceller != nullptr) canceller->EventArrived();
      printed = invocation.out().Print(response.event(), EventLine(response.event()));
      invocation.out().Flush();
      if (!printed.ok()) {
        context->TryCancel();
        while (reader->Read(&response)) {
        }
        break;
      }
    }
    if (canceller != nullptr) idle_stop = canceller->cancelled();
  }
  grpc::Status status = reader->Finish();
  if (!printed.ok()) return printed;
  if (idle_stop && status.error_code() == grpc::StatusCode::CANCELLED) return absl::OkStatus();
  return (*connection)->Check(status);
}

}  // namespace

void AddDirectoryCommands(CommandTable* table) {
  const std::string kinds = OrganizationKindWords();
  table->push_back(Command{
      .words = {"org", "create"},
      .synopsis = "--name NAME --kind KIND [--id ID] [--description D] "
                  "[--point-of-contact PERSON] [--contact CHANNEL:VALUE[:preferred]]...",
      .summary =
          absl::StrCat("Creates an organisation (platform administrators). KIND: ", kinds, "."),
      .flags = {{"name", "NAME"},
                {"kind", "KIND"},
                {"id", "ID"},
                {"description", "TEXT"},
                {"point-of-contact", "PERSON"},
                {"contact", "CHANNEL:VALUE[:preferred]", true}},
      .run = OrgCreate,
  });
  table->push_back(Command{
      .words = {"org", "list"},
      .synopsis = "[--page-size N] [--page-token TOKEN] [--all]",
      .summary = "Lists organisations in name order; --all follows every page.",
      .flags = PagingFlags({}),
      .run = OrgList,
  });
  table->push_back(Command{
      .words = {"org", "show"},
      .synopsis = "ORG",
      .summary = "Shows one organisation (ORG: sunrise or organizations/sunrise).",
      .min_positionals = 1,
      .max_positionals = 1,
      .run = OrgShow,
  });
  table->push_back(Command{
      .words = {"org", "update"},
      .synopsis = "ORG [--name NAME] [--kind KIND] [--description D] [--point-of-contact PERSON] "
                  "[--contact CHANNEL:VALUE[:preferred]]... [--clear-contacts] [--etag ETAG]",
      .summary = "Changes exactly the fields given.",
      .flags = {{"name", "NAME"},
                {"kind", "KIND"},
                {"description", "TEXT"},
                {"point-of-contact", "PERSON"},
                {"contact", "CHANNEL:VALUE[:preferred]", true},
                {"clear-contacts", ""},
                {"etag", "ETAG"}},
      .min_positionals = 1,
      .max_positionals = 1,
      .run = OrgUpdate,
  });
  table->push_back(Command{
      .words = {"role", "list"},
      .synopsis = "[--page-size N] [--page-token TOKEN] [--all]",
      .summary = "Lists the role catalog.",
      .flags = PagingFlags({}),
      .run = RoleList,
  });
  table->push_back(Command{
      .words = {"role", "create"},
      .synopsis = "ID --name NAME [--description D]",
      .summary = "Adds a role to the catalog (administrators).",
      .flags = {{"name", "NAME"}, {"description", "TEXT"}},
      .min_positionals = 1,
      .max_positionals = 1,
      .run = RoleCreate,
  });
  table->push_back(Command{
      .words = {"person", "create"},
      .synopsis = "--name NAME --org ORG [--id ID] [--given G] [--family F] [--title T] "
                  "[--role ROLE]... [--supervisor PERSON] "
                  "[--contact CHANNEL:VALUE[:preferred]]... [--admin] [--caregiver]",
      .summary = "Adds a person (administrators of their organisation).",
      .flags = {{"name", "NAME"},
                {"org", "ORG"},
                {"id", "ID"},
                {"given", "NAME"},
                {"family", "NAME"},
                {"title", "TITLE"},
                {"role", "ROLE", true},
                {"supervisor", "PERSON"},
                {"contact", "CHANNEL:VALUE[:preferred]", true},
                {"admin", ""},
                {"caregiver", ""}},
      .run = PersonCreate,
  });
  table->push_back(Command{
      .words = {"person", "list"},
      .synopsis = "[--org ORG] [--departed] [--page-size N] [--page-token TOKEN] [--all]",
      .summary = "Lists people in name order; --departed includes those who left.",
      .flags = PagingFlags({{"org", "ORG"}, {"departed", ""}}),
      .run = PersonList,
  });
  table->push_back(Command{
      .words = {"person", "show"},
      .synopsis = "PERSON",
      .summary = "Shows one person: contact points, working hours, out of office, state.",
      .min_positionals = 1,
      .max_positionals = 1,
      .run = PersonShow,
  });
  table->push_back(Command{
      .words = {"person", "hours"},
      .synopsis = "PERSON --tz ZONE [--days mon-fri] [--from 09:00] [--to 17:00] | PERSON --clear",
      .summary = "Sets (or clears) a person's working hours.",
      .flags =
          {{"tz", "ZONE"}, {"days", "DAYS"}, {"from", "HH:MM"}, {"to", "HH:MM"}, {"clear", ""}},
      .min_positionals = 1,
      .max_positionals = 1,
      .run = PersonHours,
  });
  table->push_back(Command{
      .words = {"person", "away"},
      .synopsis = "PERSON [--from RFC3339|now] --until RFC3339 [--delegate PERSON] [--message M]",
      .summary = "Records an absence and who covers.",
      .flags = {{"from", "TIME"}, {"until", "TIME"}, {"delegate", "PERSON"}, {"message", "TEXT"}},
      .min_positionals = 1,
      .max_positionals = 1,
      .run = PersonAway,
  });
  table->push_back(Command{
      .words = {"person", "back"},
      .synopsis = "PERSON",
      .summary = "Clears a person's out-of-office.",
      .min_positionals = 1,
      .max_positionals = 1,
      .run = PersonBack,
  });
  table->push_back(Command{
      .words = {"person", "contact"},
      .synopsis = "PERSON --contact CHANNEL:VALUE[:preferred]... | PERSON --clear",
      .summary = "Replaces a person's contact points.",
      .flags = {{"contact", "CHANNEL:VALUE[:preferred]", true}, {"clear", ""}},
      .min_positionals = 1,
      .max_positionals = 1,
      .run = PersonContact,
  });
  table->push_back(Command{
      .words = {"person", "depart"},
      .synopsis = "PERSON [--at RFC3339|now] [--successor PERSON] [--reason R] [--etag ETAG]",
      .summary = "Records that a person left and who succeeds them.",
      .flags = {{"at", "TIME"}, {"successor", "PERSON"}, {"reason", "TEXT"}, {"etag", "ETAG"}},
      .min_positionals = 1,
      .max_positionals = 1,
      .run = PersonDepart,
  });
  table->push_back(Command{
      .words = {"search"},
      .synopsis = "[WORDS...] [--org ORG] [--role ROLE] [--departed] [--page-size N] [--all]",
      .summary = "Finds people whose names start with the words, by organisation and role.",
      .flags = PagingFlags({{"org", "ORG"}, {"role", "ROLE"}, {"departed", ""}}),
      .max_positionals = -1,
      .run = Search,
  });
  table->push_back(Command{
      .words = {"events"},
      .synopsis = "[--after REVISION] [--follow]",
      .summary = "Prints directory events after a revision; stops after 1s without one unless "
                 "--follow.",
      .flags = {{"after", "REVISION"}, {"follow", ""}},
      .run = Events,
  });
}

}  // namespace samepage::cli
