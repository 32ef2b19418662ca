// The samepage command line, run as a real subprocess against a real server.

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "samepage/directory/v1/directory_service.grpc.pb.h"
#include "tests/testing/run_binary.h"
#include "tests/testing/server_fixture.h"
#include "tests/testing/temp_dir.h"

namespace samepage::cli {
namespace {

using ::samepage::testing::ServerFixture;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;
namespace v1 = ::samepage::directory::v1;

// A command that runs longer than this is killed and fails the test.
constexpr absl::Duration kRunLimit = absl::Seconds(30);

using Result = ::samepage::testing::RunResult;

// Runs the samepage binary with `args` (see testing::RunBinary: output
// captured, no SAMEPAGE_* variables, stopped after kRunLimit).
Result RunBinary(const std::vector<std::string>& args) {
  return ::samepage::testing::RunBinary(SAMEPAGE_CLI, args, kRunLimit);
}

template <typename Message>
Message ParseJson(const std::string& json) {
  Message message;
  auto status = google::protobuf::util::JsonStringToMessage(json, &message);
  EXPECT_TRUE(status.ok()) << status.ToString() << "\n" << json;
  return message;
}

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(server_.Start().ok()); }

  // Runs `samepage --server ... --data_dir ... <global> <args>`.
  Result Run(const std::vector<std::string>& args, const std::vector<std::string>& global = {}) {
    std::vector<std::string> all = {"--server", server_.address(), "--data_dir",
                                    server_.data_dir()};
    all.insert(all.end(), global.begin(), global.end());
    all.insert(all.end(), args.begin(), args.end());
    return RunBinary(all);
  }

  Result MustRun(const std::vector<std::string>& args,
                 const std::vector<std::string>& global = {}) {
    Result r = Run(args, global);
    EXPECT_EQ(r.exit_code, 0) << r;
    return r;
  }

  // Sunrise (a child-welfare agency) with Sam (supervisor) and Dana (DCM).
  void CreateSunrise() {
    MustRun({"org", "create", "--id", "sunrise", "--name", "Sunrise Family Services", "--kind",
             "child-welfare-agency", "--contact", "phone:+1 555 0100"});
    MustRun({"person", "create", "--id", "sam", "--name", "Sam Lee", "--org", "sunrise", "--role",
             "case-supervisor", "--contact", "email:sam@example.org:preferred"});
    MustRun({"person",       "create",
             "--id",         "dana",
             "--name",       "Dana Cruz",
             "--given",      "Dana",
             "--family",     "Cruz",
             "--org",        "sunrise",
             "--title",      "Dependency case manager",
             "--role",       "dependency-case-manager",
             "--supervisor", "sam",
             "--contact",    "phone:+1 555 0101",
             "--contact",    "email:dana@example.org:preferred"});
  }

  ServerFixture server_;
};

TEST_F(CliTest, OrganisationsCreateListShowUpdate) {
  Result created = MustRun({"org", "create", "--id", "sunrise", "--name", "Sunrise Family Services",
                            "--kind", "child-welfare-agency", "--description", "Case management",
                            "--contact", "email:intake@sunrise.example:preferred"});
  EXPECT_THAT(created.out, HasSubstr("organizations/sunrise  Sunrise Family Services"));
  MustRun({"org", "create", "--id", "harbor", "--name", "Harbor Behavioral Health", "--kind",
           "behavioral-health-provider"});

  Result list = MustRun({"org", "list"});
  EXPECT_THAT(list.out, HasSubstr("organizations/harbor  Harbor Behavioral Health  "
                                  "(behavioral-health-provider)"));
  EXPECT_THAT(list.out,
              HasSubstr("organizations/sunrise  Sunrise Family Services  "
                        "(child-welfare-agency)  email intake@sunrise.example (preferred)"));
  EXPECT_LT(list.out.find("harbor"), list.out.find("sunrise"));

  // Paged: one per page, --all follows the token.
  Result one = MustRun({"org", "list", "--page-size", "1"});
  EXPECT_THAT(one.out,
              AllOf(HasSubstr("harbor"), Not(HasSubstr("sunrise")), HasSubstr("--page-token")));
  Result all = MustRun({"org", "list", "--page-size=1", "--all"}, {"--json"});
  auto merged = ParseJson<v1::ListOrganizationsResponse>(all.out);
  ASSERT_EQ(merged.organizations_size(), 2);
  EXPECT_EQ(merged.organizations(1).name(), "organizations/sunrise");
  EXPECT_TRUE(merged.next_page_token().empty());

  Result show = MustRun({"org", "show", "sunrise"});
  EXPECT_THAT(show.out, AllOf(HasSubstr("kind:"), HasSubstr("child-welfare-agency"),
                              HasSubstr("Case management")));

  MustRun({"person", "create", "--id", "alma", "--name", "Alma Ortiz", "--org", "sunrise"});
  Result updated = MustRun({"org", "update", "sunrise", "--point-of-contact", "alma",
                            "--description", "Dependency case management"},
                           {"--json"});
  auto org = ParseJson<v1::Organization>(updated.out);
  EXPECT_EQ(org.point_of_contact(), "people/alma");
  EXPECT_EQ(org.description(), "Dependency case management");
  // Only the named fields changed.
  EXPECT_EQ(org.display_name(), "Sunrise Family Services");
  EXPECT_EQ(org.contact_points_size(), 1);

  Result nothing = Run({"org", "update", "sunrise"});
  EXPECT_EQ(nothing.exit_code, 2) << nothing;
  Result bad_kind = Run({"org", "create", "--name", "X", "--kind", "spaceport"});
  EXPECT_EQ(bad_kind.exit_code, 2) << bad_kind;
  EXPECT_THAT(bad_kind.err, HasSubstr("--kind"));
}

TEST_F(CliTest, PeopleCreateShowListSearch) {
  CreateSunrise();
  Result show = MustRun({"person", "show", "dana"});
  EXPECT_THAT(show.out, HasSubstr("people/dana  Dana Cruz"));
  EXPECT_THAT(show.out, HasSubstr("supervisor:"));
  EXPECT_THAT(show.out, HasSubstr("people/sam"));
  // Preferred contact first.
  EXPECT_LT(show.out.find("email dana@example.org (preferred)"), show.out.find("phone +1 555 0101"))
      << show.out;
  EXPECT_THAT(show.out, HasSubstr("active"));
  EXPECT_THAT(show.out, Not(HasSubstr("  :"))) << show.out;

  Result list = MustRun({"person", "list", "--org", "sunrise"});
  EXPECT_THAT(list.out, HasSubstr("people/dana  Dana Cruz  (Dependency case manager, "
                                  "organizations/sunrise)  email dana@example.org (preferred)"));
  EXPECT_THAT(list.out, HasSubstr("people/sam  Sam Lee"));

  Result by_name = MustRun({"search", "dan"});
  EXPECT_THAT(by_name.out, AllOf(HasSubstr("people/dana"), Not(HasSubstr("people/sam"))));
  Result by_role = MustRun({"search", "--role", "case-supervisor"}, {"--json"});
  auto found = ParseJson<v1::SearchPeopleResponse>(by_role.out);
  ASSERT_EQ(found.people_size(), 1);
  EXPECT_EQ(found.people(0).name(), "people/sam");
  Result none = MustRun({"search", "zebra"});
  EXPECT_THAT(none.out, HasSubstr("nobody"));

  Result json = MustRun({"person", "show", "people/dana"}, {"--json"});
  auto dana = ParseJson<v1::Person>(json.out);
  EXPECT_EQ(dana.name(), "people/dana");
  EXPECT_EQ(dana.roles(0), "roles/dependency-case-manager");
  EXPECT_EQ(dana.given_name(), "Dana");
  EXPECT_EQ(dana.state(), v1::Person::STATE_ACTIVE);

  Result roles = MustRun({"role", "list", "--all"});
  EXPECT_THAT(roles.out, HasSubstr("roles/therapist  Therapist"));
  MustRun({"role", "create", "kinship-navigator", "--name", "Kinship navigator"});
  MustRun({"person", "create", "--id", "kim", "--name", "Kim Vo", "--org", "sunrise", "--role",
           "kinship-navigator"});
  EXPECT_THAT(MustRun({"search", "--role", "kinship-navigator"}).out, HasSubstr("people/kim"));
}

TEST_F(CliTest, WorkingHoursAwayBackAndContacts) {
  CreateSunrise();
  Result hours = MustRun({"person", "hours", "dana", "--tz", "America/New_York", "--days",
                          "mon-fri", "--from", "09:00", "--to", "17:30"});
  EXPECT_THAT(hours.out, HasSubstr("Mon-Fri 09:00-17:30 (America/New_York)"));
  auto with_hours = ParseJson<v1::Person>(MustRun({"person", "show", "dana"}, {"--json"}).out);
  ASSERT_EQ(with_hours.working_hours().periods_size(), 5);
  EXPECT_EQ(with_hours.working_hours().periods(4).day(), v1::DAY_OF_WEEK_FRIDAY);
  EXPECT_EQ(with_hours.working_hours().periods(4).end_minute(), 17 * 60 + 30);

  const std::string from = absl::FormatTime(absl::RFC3339_sec, absl::Now(), absl::UTCTimeZone());
  const std::string until =
      absl::FormatTime(absl::RFC3339_sec, absl::Now() + absl::Hours(72), absl::UTCTimeZone());
  Result away = MustRun({"person", "away", "dana", "--from", from, "--until", until, "--delegate",
                         "sam", "--message", "At a training"});
  EXPECT_THAT(away.out, AllOf(HasSubstr("out of office"), HasSubstr("delegate people/sam"),
                              HasSubstr("At a training")));
  Result back = MustRun({"person", "back", "dana"});
  EXPECT_THAT(back.out, Not(HasSubstr("out of office")));
  EXPECT_FALSE(ParseJson<v1::Person>(MustRun({"person", "show", "dana"}, {"--json"}).out)
                   .has_out_of_office());

  Result contact =
      MustRun({"person", "contact", "dana", "--contact", "mobile:+1 555 0199:preferred",
               "--contact", "secure-message:dana@portal"});
  EXPECT_THAT(contact.out,
              AllOf(HasSubstr("mobile +1 555 0199 (preferred)"),
                    HasSubstr("secure-message dana@portal"), Not(HasSubstr("dana@example.org"))));

  Result bad_days = Run({"person", "hours", "dana", "--tz", "UTC", "--days", "funday"});
  EXPECT_EQ(bad_days.exit_code, 2) << bad_days;
  Result bad_zone = Run({"person", "hours", "dana", "--tz", "Mars/Olympus"});
  EXPECT_EQ(bad_zone.exit_code, 1) << bad_zone;
  EXPECT_THAT(bad_zone.err, AllOf(HasSubstr("INVALID_ARGUMENT"), HasSubstr("time_zone")));
}

TEST_F(CliTest, DepartureWithSuccessor) {
  CreateSunrise();
  MustRun({"person", "create", "--id", "lee", "--name", "Lee Park", "--org", "sunrise", "--role",
           "dependency-case-manager"});
  Result departed =
      MustRun({"person", "depart", "dana", "--successor", "lee", "--reason", "Moved away"});
  EXPECT_THAT(departed.out, AllOf(HasSubstr("departed"), HasSubstr("successor people/lee"),
                                  HasSubstr("Moved away")));
  EXPECT_THAT(MustRun({"person", "list"}).out, Not(HasSubstr("people/dana")));
  EXPECT_THAT(MustRun({"person", "list", "--departed"}).out, HasSubstr("people/dana  Dana Cruz"));
  auto dana = ParseJson<v1::Person>(MustRun({"person", "show", "dana"}, {"--json"}).out);
  EXPECT_EQ(dana.state(), v1::Person::STATE_DEPARTED);
  EXPECT_EQ(dana.departure().successor(), "people/lee");

  // Departing twice is refused by the server: exit 1 with its status.
  Result again = Run({"person", "depart", "dana"});
  EXPECT_EQ(again.exit_code, 1) << again;
  EXPECT_THAT(again.err, HasSubstr("samepage: FAILED_PRECONDITION: "));
}

TEST_F(CliTest, BadInputNamesTheField) {
  CreateSunrise();
  Result r = Run({"person", "create", "--name", "", "--org", "sunrise"});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_THAT(r.err, HasSubstr("samepage: INVALID_ARGUMENT: "));
  EXPECT_THAT(r.err, HasSubstr("display_name"));
  EXPECT_TRUE(r.out.empty()) << r;

  Result missing = Run({"person", "show", "nobody"});
  EXPECT_EQ(missing.exit_code, 1) << missing;
  EXPECT_THAT(missing.err, HasSubstr("samepage: NOT_FOUND: "));

  Result bad_contact = Run({"person", "contact", "dana", "--contact", "pigeon:coop 4"});
  EXPECT_EQ(bad_contact.exit_code, 2) << bad_contact;
  EXPECT_THAT(bad_contact.err, HasSubstr("--contact"));
}

TEST_F(CliTest, UsageErrorsExitTwo) {
  Result unknown_flag = Run({"person", "list", "--colour", "blue"});
  EXPECT_EQ(unknown_flag.exit_code, 2) << unknown_flag;
  EXPECT_THAT(unknown_flag.err, HasSubstr("unknown flag --colour"));
  Result unknown_command = Run({"teleport"});
  EXPECT_EQ(unknown_command.exit_code, 2) << unknown_command;
  Result unknown_global = RunBinary({"--verbose", "org", "list"});
  EXPECT_EQ(unknown_global.exit_code, 2) << unknown_global;
  Result no_subcommand = Run({"person"});
  EXPECT_EQ(no_subcommand.exit_code, 2) << no_subcommand;
  Result missing_arg = Run({"person", "show"});
  EXPECT_EQ(missing_arg.exit_code, 2) << missing_arg;
  Result missing_value = Run({"org", "create", "--name"});
  EXPECT_EQ(missing_value.exit_code, 2) << missing_value;
  Result late_global = Run({"org", "list", "--json"});
  EXPECT_EQ(late_global.exit_code, 2) << late_global;
  EXPECT_THAT(late_global.err, HasSubstr("before the command"));

  Result help = RunBinary({"help"});
  EXPECT_EQ(help.exit_code, 0) << help;
  EXPECT_THAT(help.out, AllOf(HasSubstr("samepage person depart"), HasSubstr("--server")));
  EXPECT_EQ(RunBinary({"--help"}).exit_code, 0);
  Result command_help = RunBinary({"org", "create", "--help"});
  EXPECT_EQ(command_help.exit_code, 0) << command_help;
  EXPECT_THAT(command_help.out, HasSubstr("--kind KIND"));
  Result group_help = RunBinary({"help", "person"});
  EXPECT_EQ(group_help.exit_code, 0) << group_help;
  EXPECT_THAT(group_help.out, AllOf(HasSubstr("person hours"), Not(HasSubstr("org create"))));
}

TEST_F(CliTest, NonAdministratorIsDenied) {
  CreateSunrise();
  Result r =
      Run({"person", "create", "--name", "Eve Moss", "--org", "sunrise"}, {"--as", "people/dana"});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_THAT(r.err, HasSubstr("samepage: PERMISSION_DENIED: "));
  // Reading is allowed to any authenticated professional.
  EXPECT_EQ(Run({"person", "show", "sam"}, {"--as", "people/dana"}).exit_code, 0);
}

TEST_F(CliTest, DevTokenIsAcceptedByTheServer) {
  CreateSunrise();
  Result token = MustRun({"dev-token", "--as", "people/dana", "--ttl", "10m"});
  const std::string jwt(absl::StripAsciiWhitespace(token.out));
  ASSERT_EQ(std::count(jwt.begin(), jwt.end(), '.'), 2) << jwt;
  Result with_token =
      RunBinary({"--server", server_.address(), "--token", jwt, "person", "show", "dana"});
  EXPECT_EQ(with_token.exit_code, 0) << with_token;
  // A person's token does not make them an administrator.
  Result denied = RunBinary({"--server", server_.address(), "--token", jwt, "org", "create",
                             "--name", "Other", "--kind", "court"});
  EXPECT_EQ(denied.exit_code, 1) << denied;
  EXPECT_THAT(denied.err, HasSubstr("PERMISSION_DENIED"));
  // The default token is an administrator's.
  const std::string admin(absl::StripAsciiWhitespace(MustRun({"dev-token"}).out));
  EXPECT_EQ(RunBinary({"--server", server_.address(), "--token", admin, "org", "create", "--name",
                       "County Court", "--kind", "court"})
                .exit_code,
            0);

  Result bad = RunBinary({"--server", server_.address(), "--token", "not-a-token", "org", "list"});
  EXPECT_EQ(bad.exit_code, 1) << bad;
  EXPECT_THAT(bad.err, HasSubstr("samepage: UNAUTHENTICATED: "));
}

TEST_F(CliTest, EventsFromTheStart) {
  CreateSunrise();
  const absl::Time start = absl::Now();
  Result events = MustRun({"events", "--after", "0"});
  EXPECT_LT(absl::Now() - start, absl::Seconds(8));
  EXPECT_THAT(events.out, AllOf(HasSubstr("organization-created  organizations/sunrise  by admin"),
                                HasSubstr("person-created  people/dana")));

  // JSON: one Event per line, revisions increasing; --after resumes.
  Result json = MustRun({"events", "--after", "0"}, {"--json"});
  std::vector<std::string> lines = absl::StrSplit(json.out, '\n', absl::SkipEmpty());
  ASSERT_GE(lines.size(), 4u);
  int64_t previous = 0;
  for (const std::string& line : lines) {
    auto event = ParseJson<v1::Event>(line);
    EXPECT_GT(event.revision(), previous);
    previous = event.revision();
  }
  auto second_last = ParseJson<v1::Event>(lines[lines.size() - 2]);
  Result resumed =
      MustRun({"events", "--after", std::to_string(second_last.revision())}, {"--json"});
  std::vector<std::string> tail = absl::StrSplit(resumed.out, '\n', absl::SkipEmpty());
  ASSERT_EQ(tail.size(), 1u) << resumed;
  EXPECT_EQ(ParseJson<v1::Event>(tail[0]).revision(), previous);
}

TEST_F(CliTest, UnreachableServerIsNamed) {
  // Port 1 on loopback: privileged and, on a test machine, not served.
  const std::string address = "127.0.0.1:1";
  Result r = RunBinary(
      {"--server", address, "--data_dir", server_.data_dir(), "--timeout", "5", "org", "list"});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_THAT(r.err, AllOf(HasSubstr("samepage: UNAVAILABLE: "), HasSubstr(address)));
}

}  // namespace
}  // namespace samepage::cli
