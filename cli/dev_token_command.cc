#include "cli/dev_token_command.h"

#include "absl/strings/str_cat.h"
#include "cli/flag_values.h"
#include "google/protobuf/struct.pb.h"

namespace samepage::cli {
namespace {

absl::Status DevToken(Invocation& invocation, const ParsedArgs& args) {
  // The command's --as wins over the global one; with neither, the token is
  // a platform administrator's, as for every other command.
  std::string subject = args.Get("as", invocation.options().as);
  bool admin = args.Has("admin");
  if (subject.empty()) {
    subject = "admin";
    admin = true;
  }
  absl::StatusOr<absl::Duration> ttl = ParseDuration("ttl", args.Get("ttl", "1h"));
  if (!ttl.ok()) return ttl.status();
  absl::StatusOr<std::string> token =
      MintDevToken(invocation.options().data_dir, subject, admin, *ttl);
  if (!token.ok()) return token.status();
  google::protobuf::Struct json;
  (*json.mutable_fields())["token"].set_string_value(*token);
  return invocation.out().Print(json, *token);
}

}  // namespace

void AddDevTokenCommand(CommandTable* table) {
  table->push_back(Command{
      .words = {"dev-token"},
      .synopsis = "[--as SUBJECT] [--admin] [--ttl 1h]",
      .summary = "Prints a development token signed with the key in --data_dir (SUBJECT "
                 "people/ID for a person; default: admin with the admin scope).",
      .flags = {{"as", "SUBJECT"}, {"admin", ""}, {"ttl", "DURATION"}},
      .run = DevToken,
  });
}

}  // namespace samepage::cli
