// The samepage command line's case commands and who-is-who, run as a real
// subprocess against a real server hosting every service.

#include <unistd.h>

#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "samepage/directory/v1/directory_service.grpc.pb.h"
#include "samepage/registry/v1/registry_service.grpc.pb.h"
#include "tests/testing/run_binary.h"
#include "tests/testing/server_fixture.h"
#include "tests/testing/temp_dir.h"

namespace samepage::cli {
namespace {

using ::samepage::testing::ServerFixture;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;
namespace dir = ::samepage::directory::v1;
namespace reg = ::samepage::registry::v1;

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

// Where `needle` starts in `haystack`, failing the test when it is absent.
size_t At(const std::string& haystack, const std::string& needle) {
  size_t at = haystack.find(needle);
  EXPECT_NE(at, std::string::npos) << "no \"" << needle << "\" in\n" << haystack;
  return at;
}

class CaseCliTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(server_.Start().ok()); }

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

  // The agencies and people of the Rivera case, created with the CLI.
  void SeedDirectory() {
    MustRun({"org", "create", "--id", "sunrise", "--name", "Sunrise Family Services", "--kind",
             "child-welfare-agency"});
    MustRun({"org", "create", "--id", "harbor", "--name", "Harbor Behavioral Health", "--kind",
             "behavioral-health-provider"});
    MustRun({"org", "create", "--id", "galp", "--name", "County GAL Program", "--kind", "legal"});
    auto person = [&](std::vector<std::string> args) {
      args.insert(args.begin(), {"person", "create"});
      MustRun(args);
    };
    person({"--id", "sam", "--name", "Sam Lee", "--org", "sunrise", "--title", "Supervisor",
            "--role", "case-supervisor", "--contact", "email:sam@example.org:preferred"});
    person({"--id", "dana", "--name", "Dana Cruz", "--org", "sunrise", "--title",
            "Dependency case manager", "--role", "dependency-case-manager", "--supervisor", "sam",
            "--contact", "phone:+1 555 0101", "--contact", "email:dana@example.org:preferred"});
    person({"--id", "rita", "--name", "Rita Gomez", "--org", "sunrise", "--role",
            "dependency-case-manager", "--supervisor", "sam", "--contact",
            "email:rita@example.org:preferred"});
    person({"--id", "olga", "--name", "Olga Reyes", "--org", "sunrise", "--role",
            "dependency-case-manager", "--supervisor", "sam"});
    person({"--id", "ivan", "--name", "Ivan Novak", "--org", "sunrise", "--role", "investigator",
            "--supervisor", "sam", "--contact", "phone:+1 555 0110"});
    person({"--id", "theo", "--name", "Theo Park", "--org", "harbor", "--title",
            "Licensed therapist", "--role", "therapist", "--contact", "phone:+1 555 0200"});
    person({"--id", "tess", "--name", "Tess Moore", "--org", "harbor", "--role", "therapist"});
    person({"--id", "gail", "--name", "Gail Brooks", "--org", "galp", "--role", "guardian-ad-litem",
            "--contact", "email:gail@example.org"});
    person({"--id", "fiona", "--name", "Fiona Hale", "--caregiver", "--contact",
            "mobile:+1 555 0300:preferred", "--contact", "address:12 Elm St"});
    person(
        {"--id", "bea", "--name", "Bea Rivera", "--caregiver", "--contact", "phone:+1 555 0400"});

    // The CLI has no flag for a contact point's visibility: the foster
    // home's address is hidden from the biological parent through the API.
    dir::UpdatePersonRequest update;
    update.mutable_person()->set_name("people/fiona");
    dir::ContactPoint* mobile = update.mutable_person()->add_contact_points();
    mobile->set_channel(dir::ContactPoint::CHANNEL_MOBILE);
    mobile->set_value("+1 555 0300");
    mobile->set_preferred(true);
    dir::ContactPoint* address = update.mutable_person()->add_contact_points();
    address->set_channel(dir::ContactPoint::CHANNEL_ADDRESS);
    address->set_value("12 Elm St");
    address->set_visibility(dir::ContactPoint::VISIBILITY_PROFESSIONALS);
    address->add_hidden_from_case_roles("biological-parent");
    update.mutable_update_mask()->add_paths("contact_points");
    dir::Person out;
    auto stub = dir::Directory::NewStub(server_.channel());
    grpc::Status s =
        stub->UpdatePerson(ServerFixture::Context(server_.AdminToken()).get(), update, &out);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }

  // The Rivera case with Leo, his foster mother and his mother, and a team:
  // Olga handed the DCM role to Dana; Dana is away with Rita covering; Gail
  // is outside her working hours.
  void SeedCase() {
    SeedDirectory();
    Result created = MustRun({"case",          "create",
                              "--id",          "rivera",
                              "--number",      "2026-0042",
                              "--lead-agency", "sunrise",
                              "--program",     "foster-care",
                              "--name",        "Rivera family",
                              "--complexity",  "high",
                              "--docket",      "DP-26-117",
                              "--child",       "leo:Leo Rivera:2017-04-09:agency",
                              "--caregiver",   "fiona:Fiona Hale:foster-parent:leo:people/fiona",
                              "--caregiver",   "bea:Bea Rivera:biological-parent:leo:bea"});
    EXPECT_THAT(created.out, AllOf(HasSubstr("cases/rivera  Rivera family"),
                                   HasSubstr("Leo Rivera  (child, born 2017-04-09)"),
                                   HasSubstr("foster parent of Leo Rivera"),
                                   HasSubstr("court docket DP-26-117")));
    MustRun({"case", "assign", "rivera", "--role", "investigator", "--person", "ivan", "--primary",
             "--id", "ivan-inv"});
    MustRun({"case", "assign", "rivera", "--role", "dependency-case-manager", "--person", "olga",
             "--primary", "--id", "olga-dcm"});
    MustRun({"case", "assign", "rivera", "--role", "dependency-case-manager", "--person", "dana",
             "--primary", "--replaces", "olga-dcm", "--id", "dana-dcm", "--responsibilities",
             "Case plan, home visits, court reports"});
    MustRun({"case", "assign", "rivera", "--role", "case-supervisor", "--person", "sam"});
    MustRun({"case", "assign", "rivera", "--role", "guardian-ad-litem", "--person", "gail"});
    MustRun(
        {"case", "assign", "rivera", "--role", "foster-parent", "--subject", "fiona", "--primary"});
    MustRun({"case", "assign", "rivera", "--role", "biological-parent", "--subject", "bea"});
    // The DCM adds the therapist.
    MustRun({"case", "assign", "rivera", "--role", "therapist", "--person", "theo", "--id",
             "theo-ther", "--responsibilities", "Trauma-focused therapy for Leo"},
            {"--as", "people/dana"});

    const std::string until =
        absl::FormatTime(absl::RFC3339_sec, absl::Now() + absl::Hours(48), absl::UTCTimeZone());
    MustRun({"person", "away", "dana", "--until", until, "--delegate", "rita"});
    // Gail works the half of the day that is not now.
    const int hour = absl::ToCivilHour(absl::Now(), absl::UTCTimeZone()).hour();
    MustRun({"person", "hours", "gail", "--tz", "UTC", "--days", "mon-sun", "--from",
             hour < 12 ? "13:00" : "01:00", "--to", hour < 12 ? "23:00" : "11:00"});
  }

  ServerFixture server_;
};

TEST_F(CaseCliTest, WhoIsWhoForANewlyAssignedTherapist) {
  SeedCase();
  Result r = MustRun({"who-is-who", "rivera"}, {"--as", "people/theo"});
  const std::string& out = r.out;
  EXPECT_THAT(out, HasSubstr("Who is who on cases/rivera — Rivera family (case 2026-0042)"));
  // Grouped by role, with the roles' display names, in reading order.
  const size_t investigator = At(out, "\nChild protective investigator\n");
  const size_t dcm = At(out, "\nDependency case manager\n");
  const size_t therapist = At(out, "\nTherapist\n");
  const size_t gal = At(out, "\nGuardian ad litem\n");
  const size_t foster = At(out, "\nFoster parent\n");
  EXPECT_LT(investigator, dcm);
  EXPECT_LT(dcm, therapist);
  EXPECT_LT(therapist, gal);
  EXPECT_LT(gal, foster);

  // Name, title, organisation; preferred contact first; away with cover.
  EXPECT_THAT(out, HasSubstr("  Dana Cruz (primary) — Dependency case manager, Sunrise Family "
                             "Services\n    email dana@example.org (preferred)\n"
                             "    phone +1 555 0101\n    out of office until "));
  EXPECT_THAT(out, HasSubstr(", covered by Rita Gomez (email rita@example.org)"));
  EXPECT_THAT(out, HasSubstr("responsibilities: Case plan, home visits, court reports"));
  EXPECT_THAT(out, HasSubstr("  Ivan Novak (primary) — Sunrise Family Services\n"
                             "    phone +1 555 0110\n    available now\n"));
  EXPECT_THAT(out, HasSubstr("  Theo Park — Licensed therapist, Harbor Behavioral Health"));
  EXPECT_THAT(out, HasSubstr("  Gail Brooks — County GAL Program"));
  EXPECT_THAT(out, HasSubstr("outside working hours until "));
  // The foster mother, a caregiver on the case; a professional sees her
  // address.
  EXPECT_THAT(out, HasSubstr("  Fiona Hale (primary) — foster parent of Leo Rivera\n"
                             "    mobile +1 555 0300 (preferred)\n    address 12 Elm St\n"));
  EXPECT_THAT(out, HasSubstr("  Bea Rivera — biological parent of Leo Rivera"));
  // Who held the DCM role before.
  const size_t previously = At(out, "\nPreviously on this case\n");
  EXPECT_LT(foster, previously);
  EXPECT_THAT(out.substr(previously),
              HasSubstr("Dependency case manager: Olga Reyes (Sunrise Family Services), "));
  EXPECT_THAT(out.substr(previously), HasSubstr(", reassigned"));
  EXPECT_THAT(out, Not(HasSubstr("Vacant roles")));

  // The biological mother does not see the foster home's address, and is
  // told that it is withheld.
  Result mom = MustRun({"who-is-who", "cases/rivera"}, {"--as", "people/bea"});
  EXPECT_THAT(mom.out, AllOf(Not(HasSubstr("12 Elm St")), HasSubstr("    (home address withheld: "),
                             HasSubstr("biological-parent")));

  // --json prints the response message.
  Result json = MustRun({"who-is-who", "rivera"}, {"--as", "people/theo", "--json"});
  auto roster = ParseJson<dir::WhoIsWhoResponse>(json.out);
  EXPECT_EQ(roster.case_(), "cases/rivera");
  EXPECT_EQ(roster.members_size(), 7);
  ASSERT_GE(roster.previous_holders_size(), 1);
  EXPECT_EQ(roster.previous_holders(0).display_name(), "Olga Reyes");
}

TEST_F(CaseCliTest, ShowListHistoryAndCaseload) {
  SeedCase();
  Result show = MustRun({"case", "show", "rivera"}, {"--as", "people/dana"});
  EXPECT_THAT(show.out, AllOf(HasSubstr("case number:      2026-0042"), HasSubstr("state:"),
                              HasSubstr("open"), HasSubstr("custody: agency"),
                              HasSubstr("account people/bea")));
  auto c = ParseJson<reg::Case>(MustRun({"case", "show", "rivera"}, {"--json"}).out);
  EXPECT_EQ(c.complexity(), reg::Case::COMPLEXITY_HIGH);
  ASSERT_EQ(c.subjects_size(), 3);
  EXPECT_EQ(c.subjects(1).relationships(0).type(), reg::SubjectRelationship::TYPE_FOSTER_PARENT);
  EXPECT_EQ(c.subjects(1).relationships(0).child(), "cases/rivera/subjects/leo");
  EXPECT_EQ(c.subjects(2).person(), "people/bea");

  EXPECT_THAT(MustRun({"case", "list", "--lead-agency", "sunrise"}).out,
              HasSubstr("cases/rivera  2026-0042  Rivera family  (foster-care, high complexity, "
                        "organizations/sunrise)"));
  EXPECT_THAT(MustRun({"case", "list", "--person", "tess"}).out, HasSubstr("(no cases)"));

  // The therapy ends; the history keeps it with its reason.
  Result ended = MustRun({"case", "end", "rivera/theo-ther", "--reason", "completed", "--details",
                          "Treatment goals met"},
                         {"--as", "people/dana"});
  EXPECT_THAT(ended.out, AllOf(HasSubstr("state:            ended"),
                               HasSubstr("completed: Treatment goals met")));
  Result history = MustRun({"case", "history", "rivera"}, {"--as", "people/dana"});
  const std::string& h = history.out;
  EXPECT_THAT(h, HasSubstr("History of cases/rivera (Rivera family): 8 assignments, 6 current"));
  EXPECT_THAT(h, HasSubstr("  theo-ther  Theo Park (people/theo)  [ended]\n"));
  EXPECT_THAT(h, HasSubstr("ended: completed (Treatment goals met), by people/dana"));
  EXPECT_THAT(h, HasSubstr("  olga-dcm  Olga Reyes (people/olga)  [ended]\n"));
  EXPECT_THAT(h, HasSubstr("succeeded by dana-dcm"));
  EXPECT_THAT(h, HasSubstr("  dana-dcm  Dana Cruz (people/dana)  [primary, current]\n"));
  EXPECT_THAT(h, HasSubstr("took over from olga-dcm"));
  EXPECT_LT(At(h, "olga-dcm  Olga"), At(h, "dana-dcm  Dana"));
  auto list = ParseJson<reg::ListAssignmentsResponse>(
      MustRun({"case", "history", "rivera"}, {"--json"}).out);
  EXPECT_EQ(list.assignments_size(), 8);
  // The therapist, no longer on the team, cannot read who is who.
  Result former = Run({"who-is-who", "rivera"}, {"--as", "people/theo"});
  EXPECT_EQ(former.exit_code, 1) << former;
  EXPECT_THAT(former.err, HasSubstr("samepage: PERMISSION_DENIED: "));

  Result load = MustRun({"case", "caseload", "dana"}, {"--as", "people/dana"});
  EXPECT_THAT(load.out, AllOf(HasSubstr("people/dana: 1 open case (1 high)"),
                              HasSubstr("cases/rivera  2026-0042  Rivera family  complexity high  "
                                        "dependency-case-manager (primary)")));
  auto caseload = ParseJson<reg::ListCaseloadResponse>(
      MustRun({"case", "caseload", "people/dana"}, {"--json"}).out);
  ASSERT_EQ(caseload.entries_size(), 1);
  EXPECT_EQ(caseload.entries(0).complexity(), reg::Case::COMPLEXITY_HIGH);

  Result roles = MustRun({"case", "roles"});
  EXPECT_THAT(roles.out, AllOf(HasSubstr("therapist  Therapist  (professional, treating team)"),
                               HasSubstr("foster-parent  Foster parent  (family)")));

  // Closing ends the team's assignments.
  Result closed =
      MustRun({"case", "close", "rivera", "--reason", "reunification", "--end-assignments"});
  EXPECT_THAT(closed.out, AllOf(HasSubstr("closed:"), HasSubstr("\"reunification\"")));
  EXPECT_THAT(MustRun({"case", "history", "rivera"}).out,
              AllOf(HasSubstr("0 current"), HasSubstr("ended: case-closed")));
  EXPECT_THAT(MustRun({"case", "list", "--state", "closed"}).out,
              HasSubstr("cases/rivera  2026-0042"));
}

TEST_F(CaseCliTest, DepartureWithoutSuccessorShowsAVacancy) {
  SeedCase();
  MustRun({"person", "depart", "ivan", "--reason", "left the agency"});
  // The registry reacts to the directory's event asynchronously.
  bool vacant = false;
  for (int i = 0; i < 150 && !vacant; ++i) {
    Result r = Run({"case", "show", "rivera"}, {"--json"});
    vacant = r.exit_code == 0 && ParseJson<reg::Case>(r.out).needs_reassignment();
    if (!vacant) absl::SleepFor(absl::Milliseconds(100));
  }
  ASSERT_TRUE(vacant);
  EXPECT_THAT(MustRun({"case", "show", "rivera"}).out, HasSubstr("investigator vacant since "));
  EXPECT_THAT(MustRun({"case", "list", "--needs-reassignment"}).out,
              AllOf(HasSubstr("cases/rivera"), HasSubstr("[needs reassignment]")));
  Result who = MustRun({"who-is-who", "rivera"}, {"--as", "people/theo"});
  const size_t vacancies = At(who.out, "\nVacant roles\n");
  EXPECT_THAT(who.out.substr(vacancies),
              HasSubstr("  Child protective investigator — vacant since "));
  EXPECT_THAT(who.out.substr(vacancies),
              HasSubstr("; interim contact: Sam Lee (email sam@example.org)"));
  EXPECT_THAT(who.out.substr(At(who.out, "\nPreviously on this case\n")),
              AllOf(HasSubstr("Child protective investigator: Ivan Novak (Sunrise Family "
                              "Services), "),
                    HasSubstr(", departure\n")));
}

TEST_F(CaseCliTest, BadInputAndStrangers) {
  SeedCase();
  // A case without a child: the server names the field.
  Result no_child = Run({"case", "create", "--number", "2026-0099", "--lead-agency", "sunrise",
                         "--program", "in-home-safety"});
  EXPECT_EQ(no_child.exit_code, 1) << no_child;
  EXPECT_THAT(no_child.err,
              AllOf(HasSubstr("samepage: INVALID_ARGUMENT: "), HasSubstr("subjects")));
  EXPECT_TRUE(no_child.out.empty()) << no_child;

  Result unknown_role = Run({"case", "assign", "rivera", "--role", "wizard", "--person", "sam"});
  EXPECT_EQ(unknown_role.exit_code, 1) << unknown_role;
  EXPECT_THAT(unknown_role.err,
              AllOf(HasSubstr("samepage: INVALID_ARGUMENT: "), HasSubstr("case_role")));

  Result missing = Run({"case", "show", "nope"});
  EXPECT_EQ(missing.exit_code, 1) << missing;
  EXPECT_THAT(missing.err, HasSubstr("samepage: NOT_FOUND: "));

  // Usage errors: exit 2, naming the flag.
  Result bad_relationship =
      Run({"case", "create", "--number", "1", "--lead-agency", "sunrise", "--program",
           "foster-care", "--child", "leo:Leo:2017-04-09", "--caregiver", "x:X Y:neighbour:leo"});
  EXPECT_EQ(bad_relationship.exit_code, 2) << bad_relationship;
  EXPECT_THAT(bad_relationship.err, AllOf(HasSubstr("--caregiver"), HasSubstr("foster-parent")));
  Result bad_date = Run({"case", "create", "--number", "1", "--lead-agency", "sunrise", "--program",
                         "foster-care", "--child", "leo:Leo:April 2017"});
  EXPECT_EQ(bad_date.exit_code, 2) << bad_date;
  EXPECT_THAT(bad_date.err, HasSubstr("--child"));
  Result both = Run(
      {"case", "assign", "rivera", "--role", "therapist", "--person", "tess", "--subject", "bea"});
  EXPECT_EQ(both.exit_code, 2) << both;
  Result bad_reason = Run({"case", "end", "rivera/theo-ther", "--reason", "bored"});
  EXPECT_EQ(bad_reason.exit_code, 2) << bad_reason;
  EXPECT_THAT(bad_reason.err, AllOf(HasSubstr("--reason"), HasSubstr("entered-in-error")));
  Result bad_assignment = Run({"case", "end", "theo-ther", "--reason", "completed"});
  EXPECT_EQ(bad_assignment.exit_code, 2) << bad_assignment;
  EXPECT_THAT(bad_assignment.err, HasSubstr("CASE/ASSIGNMENT_ID"));

  // A therapist of the same clinic who is not on the team learns nothing.
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{"who-is-who", "rivera"},
                                             {"case", "show", "rivera"},
                                             {"case", "history", "rivera"},
                                             {"who-is-who", "no-such-case"}}) {
    Result stranger = Run(args, {"--as", "people/tess"});
    EXPECT_EQ(stranger.exit_code, 1) << stranger;
    EXPECT_THAT(stranger.err, HasSubstr("samepage: PERMISSION_DENIED: "));
  }
  Result assign = Run({"case", "assign", "rivera", "--role", "therapist", "--person", "tess"},
                      {"--as", "people/tess"});
  EXPECT_EQ(assign.exit_code, 1) << assign;
  EXPECT_THAT(assign.err, HasSubstr("PERMISSION_DENIED"));

  Result help = RunBinary({"case", "create", "--help"});
  EXPECT_EQ(help.exit_code, 0) << help;
  EXPECT_THAT(help.out, AllOf(HasSubstr("--caregiver"), HasSubstr("relative-caregiver"),
                              HasSubstr("leo:Leo Rivera:2017-04-09")));
  EXPECT_THAT(RunBinary({"help"}).out, AllOf(HasSubstr("samepage who-is-who CASE"),
                                             HasSubstr("samepage case history CASE")));
}

}  // namespace
}  // namespace samepage::cli
