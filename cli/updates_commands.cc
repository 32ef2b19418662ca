#include "cli/updates_commands.h"

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "cli/calls.h"
#include "cli/enum_words.h"
#include "cli/flag_values.h"
#include "common/clock/time_util.h"
#include "samepage/updates/v1/updates_service.grpc.pb.h"

namespace samepage::cli {
namespace {

namespace v1 = ::samepage::updates::v1;
using Stub = v1::Updates::Stub;

// "#12  2026-11-29 10:04 UTC  teammate joined  Dana Cruz joined case 2026-0042 ..."
std::string UpdateLine(const v1::Update& u) {
  return absl::StrCat("#", u.sequence(), "  ", TimeText(FromProtoTime(u.event_time())), "  ",
                      Phrase(u.kind(), "KIND_"), "  ", u.summary());
}

// Whose feed: --person, else the person the development token is minted for.
absl::StatusOr<std::string> FeedOwner(Invocation& invocation, const ParsedArgs& args) {
  std::string person = args.Get("person", invocation.options().as);
  if (person.empty()) {
    return absl::InvalidArgumentError(
        "--person: whose updates? Give --person PERSON (or --as people/PERSON)");
  }
  return PersonName(person);
}

absl::Status Updates(Invocation& invocation, const ParsedArgs& args) {
  absl::StatusOr<std::string> owner = FeedOwner(invocation, args);
  if (!owner.ok()) return owner.status();
  const std::string& parent = *owner;
  absl::StatusOr<int64_t> after = ParseCount("after", args.Get("after", "0"));
  if (!after.ok()) return after.status();

  if (!args.Has("follow")) {
    v1::ListUpdatesRequest request;
    request.set_parent(parent);
    request.set_after_sequence(*after);
    request.set_page_size(500);
    absl::StatusOr<v1::ListUpdatesResponse> all =
        Pages(invocation, request, &Stub::ListUpdates, &v1::ListUpdatesResponse::mutable_updates,
              /*all=*/true);
    if (!all.ok()) return all.status();
    for (const v1::Update& u : all->updates()) {
      if (absl::Status s = invocation.out().Print(u, UpdateLine(u)); !s.ok()) return s;
    }
    if (!invocation.out().json()) {
      invocation.out().Note(absl::StrCat("resume with --after ", all->last_sequence()));
    }
    return absl::OkStatus();
  }

  // Following runs until interrupted or the server ends the stream; the
  // last sequence printed is where to resume.
  absl::StatusOr<Connection*> connection = invocation.connection();
  if (!connection.ok()) return connection.status();
  std::unique_ptr<Stub> stub = v1::Updates::NewStub((*connection)->channel());
  std::unique_ptr<grpc::ClientContext> context =
      (*connection)->NewContext(absl::InfiniteDuration());
  v1::StreamUpdatesRequest request;
  request.set_parent(parent);
  request.set_after_sequence(*after);
  std::unique_ptr<grpc::ClientReader<v1::StreamUpdatesResponse>> reader =
      stub->StreamUpdates(context.get(), request);
  v1::StreamUpdatesResponse response;
  absl::Status printed = absl::OkStatus();
  while (reader->Read(&response)) {
    printed = invocation.out().Print(response.update(), UpdateLine(response.update()));
    invocation.out().Flush();
    if (!printed.ok()) {
      context->TryCancel();
      while (reader->Read(&response)) {
      }
      break;
    }
  }
  grpc::Status status = reader->Finish();
  if (!printed.ok()) return printed;
  return (*connection)->Check(status);
}

}  // namespace

void AddUpdatesCommands(CommandTable* table) {
  table->push_back(Command{
      .words = {"updates"},
      .synopsis = "[--person PERSON] [--after SEQUENCE] [--follow]",
      .summary = "Prints a person's updates (assignments, teammates, plan versions, notes, "
                 "requests, consents) after a sequence; --follow keeps printing new ones.",
      .flags = {{"person", "PERSON"}, {"after", "SEQUENCE"}, {"follow", ""}},
      .run = Updates,
  });
}

}  // namespace samepage::cli
