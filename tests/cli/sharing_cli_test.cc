// The samepage command line's sharing commands (consent, court-order, check,
// disclosures, request), run as a real subprocess against a real server
// hosting every service.

#include <unistd.h>

#include <algorithm>
#include <fstream>
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
#include "samepage/sharing/v1/sharing_service.grpc.pb.h"
#include "tests/testing/run_binary.h"
#include "tests/testing/server_fixture.h"
#include "tests/testing/temp_dir.h"

namespace samepage::cli {
namespace {

using ::samepage::testing::ServerFixture;
using ::samepage::testing::TempDir;
using ::testing::AllOf;
using ::testing::ContainsRegex;
using ::testing::HasSubstr;
using ::testing::Not;
namespace dir = ::samepage::directory::v1;
namespace reg = ::samepage::registry::v1;
namespace sh = ::samepage::sharing::v1;

constexpr absl::Duration kRunLimit = absl::Seconds(30);

void WriteFile(const std::string &path, const std::string &text) {
  std::ofstream out(path);
  out << text;
}

using Result = ::samepage::testing::RunResult;

// Runs the samepage binary with `args` (see testing::RunBinary: output
// captured, no SAMEPAGE_* variables, stopped after kRunLimit).
Result RunBinary(const std::vector<std::string>& args) {
  return ::samepage::testing::RunBinary(SAMEPAGE_CLI, args, kRunLimit);
}

template <typename Message>
Message ParseJson(const std::string &json) {
  Message message;
  auto status = google::protobuf::util::JsonStringToMessage(json, &message);
  EXPECT_TRUE(status.ok()) << status.ToString() << "\n" << json;
  return message;
}

std::string Rfc3339(absl::Time t) {
  return absl::FormatTime(absl::RFC3339_sec, t, absl::UTCTimeZone());
}

// Every element 42 CFR 2.31 asks for, as a --part2-file; `skip` leaves one out.
std::string Part2File(const std::string &skip = "") {
  const std::vector<std::pair<std::string, std::string>> lines = {
      {"patient_name", "Bea Rivera"},
      {"disclosing_parties", "New Leaf Recovery"},
      {"information_description", "Attendance and treatment progress"},
      {"recipient-names", "The dependency case manager of the Rivera case"},
      {"purpose_description", "Case planning and court reports"},
      {"right_to_revoke_statement",
       "I may revoke this consent in writing at any time\n"
       "  except to the extent that action has been taken on it."},
      {"expiration_description", "180 days from signing"},
      {"conditioning_statement", "Treatment is not conditioned on signing"},
      {"redisclosure_statement", "Information may be redisclosed as the notice allows"},
  };
  std::string text = "# Bea Rivera's Part 2 consent, as on the signed form\n\n";
  for (const auto &[key, value] : lines) {
    if (key != skip) absl::StrAppend(&text, key, ": ", value, "\n");
  }
  return text;
}

class SharingCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.Start().ok());
    directory_ = dir::Directory::NewStub(server_.channel());
    registry_ = reg::CaseRegistry::NewStub(server_.channel());
    sharing_ = sh::Sharing::NewStub(server_.channel());
    Seed();
  }

  Result Run(const std::vector<std::string> &args, const std::string &as = "") {
    std::vector<std::string> all = {"--server", server_.address(), "--data_dir",
                                    server_.data_dir()};
    if (!as.empty()) {
      all.push_back("--as");
      all.push_back("people/" + as);
    }
    all.insert(all.end(), args.begin(), args.end());
    return RunBinary(all);
  }

  Result MustRun(const std::vector<std::string> &args, const std::string &as = "") {
    Result r = Run(args, as);
    EXPECT_EQ(r.exit_code, 0) << r;
    return r;
  }

  std::unique_ptr<grpc::ClientContext> Admin() {
    return ServerFixture::Context(server_.AdminToken());
  }

  void Org(const std::string &id, const std::string &name, dir::Organization::Kind kind) {
    dir::CreateOrganizationRequest req;
    req.set_organization_id(id);
    req.mutable_organization()->set_display_name(name);
    req.mutable_organization()->set_kind(kind);
    dir::Organization out;
    grpc::Status s = directory_->CreateOrganization(Admin().get(), req, &out);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }

  void Person(const std::string &id, const std::string &name, const std::string &org,
              const std::string &role, const std::string &supervisor = "", bool caregiver = false) {
    dir::CreatePersonRequest req;
    req.set_person_id(id);
    dir::Person *p = req.mutable_person();
    p->set_display_name(name);
    if (!org.empty()) p->set_organization("organizations/" + org);
    if (!role.empty()) p->add_roles("roles/" + role);
    if (!supervisor.empty()) p->set_supervisor("people/" + supervisor);
    auto *contact = p->add_contact_points();
    contact->set_channel(dir::ContactPoint::CHANNEL_EMAIL);
    contact->set_value(id + "@example.org");
    if (caregiver) p->set_kind(dir::Person::KIND_CAREGIVER);
    dir::Person out;
    grpc::Status s = directory_->CreatePerson(Admin().get(), req, &out);
    ASSERT_TRUE(s.ok()) << id << ": " << s.error_message();
  }

  void Assign(const std::string &role, const std::string &person, const std::string &subject = "") {
    reg::CreateAssignmentRequest req;
    req.set_parent("cases/rivera");
    req.mutable_assignment()->set_case_role(role);
    if (!person.empty()) req.mutable_assignment()->set_person("people/" + person);
    if (!subject.empty()) req.mutable_assignment()->set_subject(subject);
    reg::Assignment out;
    grpc::Status s = registry_->CreateAssignment(Admin().get(), req, &out);
    ASSERT_TRUE(s.ok()) << role << ": " << s.error_message();
  }

  // The Rivera case: Leo in the agency's custody, his mother Bea in
  // substance-use treatment at New Leaf; Dana the case manager, Theo the
  // therapist, Ursula at New Leaf, Judge Joan; Sid is not on the case.
  void Seed() {
    Org("sunrise", "Sunrise Family Services", dir::Organization::KIND_CHILD_WELFARE_AGENCY);
    Org("harbor", "Harbor Behavioral Health", dir::Organization::KIND_BEHAVIORAL_HEALTH_PROVIDER);
    Org("recovery", "New Leaf Recovery", dir::Organization::KIND_SUBSTANCE_USE_TREATMENT_PROVIDER);
    Org("court", "County Dependency Court", dir::Organization::KIND_COURT);
    Person("sam", "Sam Lee", "sunrise", "case-supervisor");
    Person("dana", "Dana Cruz", "sunrise", "dependency-case-manager", "sam");
    Person("sid", "Sid Stranger", "sunrise", "dependency-case-manager", "sam");
    Person("hana", "Hana Ito", "harbor", "therapist");
    Person("theo", "Theo Park", "harbor", "therapist", "hana");
    Person("ursula", "Ursula Grant", "recovery", "substance-use-treatment-provider");
    Person("joan", "Judge Joan Baker", "court", "judge");
    Person("bea", "Bea Rivera", "", "", "", /*caregiver=*/true);

    reg::CreateCaseRequest req;
    req.set_case_id("rivera");
    reg::Case *c = req.mutable_case_();
    c->set_case_number("2026-0042");
    c->set_lead_agency("organizations/sunrise");
    c->set_display_name("Rivera family");
    c->set_program("foster-care");
    auto *leo = c->add_subjects();
    leo->set_subject_id("leo");
    leo->set_kind(reg::CaseSubject::KIND_CHILD);
    leo->set_display_name("Leo Rivera");
    leo->mutable_birth_date()->set_year(2017);
    leo->mutable_birth_date()->set_month(4);
    leo->mutable_birth_date()->set_day(9);
    leo->set_custody(reg::CaseSubject::CUSTODY_AGENCY);
    leo->set_custodian("organizations/sunrise");
    auto *mom = c->add_subjects();
    mom->set_subject_id("bea");
    mom->set_kind(reg::CaseSubject::KIND_CAREGIVER);
    mom->set_display_name("Bea Rivera");
    mom->set_person("people/bea");
    auto *rel = mom->add_relationships();
    rel->set_child("leo");
    rel->set_type(reg::SubjectRelationship::TYPE_BIOLOGICAL_PARENT);
    reg::Case out;
    grpc::Status s = registry_->CreateCase(Admin().get(), req, &out);
    ASSERT_TRUE(s.ok()) << s.error_message();
    Assign("dependency-case-manager", "dana");
    Assign("case-supervisor", "sam");
    Assign("therapist", "theo");
    Assign("substance-use-treatment-provider", "ursula");
    Assign("court", "joan");
    Assign("biological-parent", "", "cases/rivera/subjects/bea");
  }

  std::vector<std::string> ConsentArgs(const std::string &part2_file) {
    return {"consent",
            "create",
            "--id",
            "bea-part2",
            "--case",
            "rivera",
            "--subject",
            "bea",
            "--consenter-authority",
            "self",
            "--consenter-subject",
            "bea",
            "--consenter-name",
            "Bea Rivera",
            "--discloser",
            "person:ursula",
            "--recipient",
            "role:dependency-case-manager",
            "--category",
            "substance-use-part2",
            "--purpose",
            "case-planning",
            "--purpose",
            "court-proceedings",
            "--expires",
            Rfc3339(absl::Now() + absl::Hours(24 * 180)),
            "--signed-by",
            "Bea Rivera",
            "--signed-at",
            Rfc3339(absl::Now() - absl::Hours(1)),
            "--form-ref",
            "doc-123",
            "--part2-file",
            part2_file};
  }

  std::string Notice() {
    sh::GetCategoryRequest get;
    get.set_name("categories/substance-use-part2");
    sh::Category part2;
    grpc::Status s = sharing_->GetCategory(Admin().get(), get, &part2);
    EXPECT_TRUE(s.ok()) << s.error_message();
    EXPECT_FALSE(part2.redisclosure_notice().empty());
    return part2.redisclosure_notice();
  }

  TempDir files_;
  ServerFixture server_;
  std::unique_ptr<dir::Directory::Stub> directory_;
  std::unique_ptr<reg::CaseRegistry::Stub> registry_;
  std::unique_ptr<sh::Sharing::Stub> sharing_;
};

TEST_F(SharingCliTest, Part2ConsentPermitsWithNoticeRevocationDeniesAccountingLists) {
  // A missing element is refused by the server, naming it.
  const std::string incomplete = files_.Sub("incomplete.txt");
  WriteFile(incomplete, Part2File("right_to_revoke_statement"));
  Result refused = Run(ConsentArgs(incomplete), "dana");
  EXPECT_EQ(refused.exit_code, 1) << refused;
  EXPECT_THAT(refused.err, AllOf(HasSubstr("samepage: INVALID_ARGUMENT"),
                                 HasSubstr("right_to_revoke_statement")));

  // A complete one is recorded, with its elements read from the file.
  const std::string complete = files_.Sub("part2.txt");
  WriteFile(complete, Part2File());
  Result created = MustRun(ConsentArgs(complete), "dana");
  EXPECT_THAT(created.out,
              AllOf(HasSubstr("consents/bea-part2  [active]"),
                    HasSubstr("Bea Rivera (cases/rivera/subjects/bea), as self"),
                    HasSubstr("whoever holds dependency-case-manager"),
                    HasSubstr("patient_name: Bea Rivera"), HasSubstr("recipient_names: The"),
                    HasSubstr("right_to_revoke_statement: I may revoke this consent in writing "
                              "at any time except to the extent")));
  EXPECT_THAT(MustRun({"consent", "list", "--case", "rivera"}, "dana").out,
              AllOf(HasSubstr("consents/bea-part2  [active]"), HasSubstr("substance-use-part2")));
  EXPECT_THAT(MustRun({"consent", "show", "bea-part2"}, "dana").out, HasSubstr("doc-123"));

  // The case manager is permitted, and the notice travels verbatim.
  Result permit = MustRun({"check", "--case", "rivera", "--subject", "bea", "--category",
                           "substance-use-part2", "--purpose", "case-planning", "--record"},
                          "dana");
  EXPECT_TRUE(absl::StartsWith(permit.out, "PERMIT\n")) << permit;
  EXPECT_THAT(permit.out, AllOf(HasSubstr("consent directive consents/bea-part2"),
                                HasSubstr("redisclosure notice"), HasSubstr(Notice()),
                                HasSubstr("recorded as:")));

  // The therapist is not a recipient: a denial is an answer, exit 0.
  Result theo = MustRun({"check", "--case", "rivera", "--subject", "bea", "--category",
                         "substance-use-part2", "--purpose", "treatment", "--explain"},
                        "theo");
  EXPECT_TRUE(absl::StartsWith(theo.out, "DENY\n")) << theo;

  // Bea revokes; the next check denies and says who revoked.
  Result revoked = MustRun(
      {"consent", "revoke", "bea-part2", "--by", "Bea Rivera", "--reason", "changed her mind"},
      "dana");
  EXPECT_THAT(revoked.out, AllOf(HasSubstr("[revoked]"), HasSubstr("by Bea Rivera"),
                                 HasSubstr("changed her mind")));
  Result deny =
      MustRun({"check", "--case", "rivera", "--subject", "bea", "--category", "substance-use-part2",
               "--purpose", "case-planning", "--explain", "--record"},
              "dana");
  EXPECT_TRUE(absl::StartsWith(deny.out, "DENY\n")) << deny;
  EXPECT_THAT(deny.out, AllOf(HasSubstr("revoked by Bea Rivera"),
                              HasSubstr("consents/bea-part2: revoked"), Not(HasSubstr(Notice()))));
  Result twice = Run({"consent", "revoke", "bea-part2", "--by", "Bea Rivera"}, "dana");
  EXPECT_EQ(twice.exit_code, 1) << twice;
  EXPECT_THAT(twice.err, HasSubstr("FAILED_PRECONDITION"));

  // The accounting lists exactly the one permitted disclosure.
  Result report = MustRun({"disclosures", "--subject", "rivera/bea", "--all"}, "dana");
  EXPECT_THAT(report.out,
              AllOf(HasSubstr("ACCOUNTING OF DISCLOSURES"),
                    ContainsRegex("whose information: +Bea Rivera \\(cases/rivera/subjects/bea\\)"),
                    HasSubstr("period:"), HasSubstr("printed at:"), ContainsRegex("entries: +1\n"),
                    HasSubstr("substance-use-part2"), HasSubstr("Dana Cruz (people/dana)"),
                    HasSubstr("case planning"),
                    ContainsRegex("basis: +consent directive consents/bea-part2"),
                    ContainsRegex("chain: +sequence [0-9]+, hash [0-9a-f]+")))
      << report;
  Result json = MustRun({"--json", "disclosures", "--case", "rivera"}, "dana");
  auto list = ParseJson<sh::ListDisclosuresResponse>(json.out);
  ASSERT_EQ(list.disclosures_size(), 1) << json;
  EXPECT_EQ(list.disclosures(0).recipient(), "people/dana");
  EXPECT_EQ(list.disclosures(0).basis_resource(), "consents/bea-part2");
  // A period before the disclosure is empty.
  Result before = MustRun(
      {"disclosures", "--subject", "rivera/bea", "--to", Rfc3339(absl::Now() - absl::Hours(2))},
      "dana");
  EXPECT_THAT(before.out, HasSubstr("No disclosures were recorded in this period."));
}

TEST_F(SharingCliTest, CourtOrderPermitsTheCourtReportOnly) {
  Result created = MustRun({"court-order",  "create",
                            "--id",         "dp-order",
                            "--case",       "rivera",
                            "--court",      "court",
                            "--docket",     "DP-26-117",
                            "--judge",      "Joan Baker",
                            "--ordered-at", Rfc3339(absl::Now() - absl::Hours(2)),
                            "--category",   "court-report",
                            "--recipient",  "role:court",
                            "--subject",    "leo"},
                           "dana");
  EXPECT_THAT(created.out,
              AllOf(HasSubstr("courtOrders/dp-order  [active]"), HasSubstr("organizations/court"),
                    HasSubstr("DP-26-117"), HasSubstr("cases/rivera/subjects/leo")));
  EXPECT_THAT(MustRun({"court-order", "list", "--case", "rivera"}, "dana").out,
              HasSubstr("courtOrders/dp-order  [active]"));
  EXPECT_THAT(MustRun({"court-order", "show", "dp-order"}, "dana").out, HasSubstr("Joan Baker"));

  Result report = MustRun({"check", "--case", "rivera", "--subject", "leo", "--category",
                           "court-report", "--purpose", "court-proceedings", "--explain"},
                          "joan");
  EXPECT_TRUE(absl::StartsWith(report.out, "PERMIT\n")) << report;
  EXPECT_THAT(report.out, HasSubstr("court order courtOrders/dp-order"));
  Result notes = MustRun({"check", "--case", "rivera", "--subject", "leo", "--category",
                          "mental-health", "--purpose", "court-proceedings", "--explain"},
                         "joan");
  EXPECT_TRUE(absl::StartsWith(notes.out, "DENY\n")) << notes;
  EXPECT_THAT(notes.out, HasSubstr("courtOrders/dp-order: category not covered"));
}

TEST_F(SharingCliTest, RequestsCreateListAckFulfillDecline) {
  Result made = MustRun(
      {"request", "create", "--id", "court-summary", "--case", "rivera", "--to-person", "theo",
       "--summary", "Therapy summary for the hearing", "--purpose", "court-proceedings",
       "--category", "mental-health", "--due", "+5d", "--subject", "leo"},
      "dana");
  EXPECT_THAT(made.out, AllOf(HasSubstr("informationRequests/court-summary  [open]"),
                              HasSubstr("people/theo"), HasSubstr("Therapy summary")));

  // Due today without --urgent is refused; with a reason it is accepted.
  Result same_day =
      Run({"request", "create", "--case", "rivera", "--to-role", "therapist", "--summary",
           "Shelter note", "--purpose", "case-planning", "--category", "general", "--due", "+3h"},
          "dana");
  EXPECT_EQ(same_day.exit_code, 1) << same_day;
  EXPECT_THAT(same_day.err, HasSubstr("samepage: FAILED_PRECONDITION"));
  Result urgent =
      MustRun({"request", "create", "--id", "shelter", "--case", "rivera", "--to-role", "therapist",
               "--summary", "Shelter note", "--purpose", "case-planning", "--category", "general",
               "--due", "+3h", "--urgent", "Emergency shelter hearing tomorrow"},
              "dana");
  EXPECT_THAT(urgent.out, AllOf(HasSubstr("[open]"), HasSubstr("whoever holds therapist"),
                                HasSubstr("Emergency shelter hearing tomorrow")));

  Result waiting = MustRun({"request", "list", "--waiting-on-me"}, "theo");
  EXPECT_THAT(waiting.out, AllOf(HasSubstr("informationRequests/shelter  [open] [urgent]"),
                                 HasSubstr("informationRequests/court-summary  [open]")));
  // Earliest due first.
  EXPECT_LT(waiting.out.find("shelter"), waiting.out.find("court-summary")) << waiting;
  EXPECT_THAT(MustRun({"request", "list", "--made-by-me"}, "dana").out,
              HasSubstr("informationRequests/court-summary"));
  EXPECT_THAT(MustRun({"request", "list", "--waiting-on-me"}, "dana").out,
              HasSubstr("No requests."));

  EXPECT_THAT(MustRun({"request", "ack", "court-summary"}, "theo").out,
              AllOf(HasSubstr("[acknowledged]"), HasSubstr("by people/theo")));
  EXPECT_THAT(MustRun({"request", "fulfill", "court-summary", "--with",
                       "cases/rivera/notes/summary-1", "--comment", "Attached"},
                      "theo")
                  .out,
              AllOf(HasSubstr("[fulfilled]"), HasSubstr("with cases/rivera/notes/summary-1")));
  EXPECT_THAT(MustRun({"request", "decline", "shelter", "--reason", "Not my client"}, "theo").out,
              AllOf(HasSubstr("[declined]"), HasSubstr("Not my client")));
  EXPECT_THAT(MustRun({"request", "show", "court-summary"}, "dana").out, HasSubstr("[fulfilled]"));
  Result open_only =
      MustRun({"request", "list", "--case", "rivera", "--state", "declined"}, "dana");
  EXPECT_THAT(open_only.out, AllOf(HasSubstr("shelter"), Not(HasSubstr("court-summary"))));
  Result json = MustRun({"--json", "request", "list", "--case", "rivera"}, "dana");
  EXPECT_EQ(ParseJson<sh::ListInformationRequestsResponse>(json.out).information_requests_size(),
            2);
}

TEST_F(SharingCliTest, StrangerIsRefusedAndBadInputIsAUsageError) {
  Result list = Run({"consent", "list", "--case", "rivera"}, "sid");
  EXPECT_EQ(list.exit_code, 1) << list;
  EXPECT_THAT(list.err, HasSubstr("samepage: PERMISSION_DENIED"));
  Result ask = Run({"request", "create", "--case", "rivera", "--to-person", "theo", "--summary",
                    "x", "--purpose", "case-planning", "--category", "general", "--due", "+5d"},
                   "sid");
  EXPECT_EQ(ask.exit_code, 1) << ask;
  EXPECT_THAT(ask.err, HasSubstr("samepage: PERMISSION_DENIED"));
  Result report = Run({"disclosures", "--case", "rivera"}, "sid");
  EXPECT_EQ(report.exit_code, 1) << report;
  EXPECT_THAT(report.err, HasSubstr("PERMISSION_DENIED"));

  const std::string file = files_.Sub("part2.txt");
  WriteFile(file, Part2File());
  std::vector<std::string> args = ConsentArgs(file);
  *std::find(args.begin(), args.end(), "person:ursula") = "team:dana";
  Result party = Run(args, "dana");
  EXPECT_EQ(party.exit_code, 2) << party;
  EXPECT_THAT(party.err, HasSubstr("--discloser: \"team:dana\" is not a party"));

  WriteFile(file, "patient_name: Bea\nfavourite_colour: blue\n");
  Result key = Run(ConsentArgs(file), "dana");
  EXPECT_EQ(key.exit_code, 2) << key;
  EXPECT_THAT(key.err, HasSubstr("unknown key \"favourite_colour\""));

  Result purpose = Run({"check", "--case", "rivera", "--subject", "bea", "--category", "general",
                        "--purpose", "curiosity"},
                       "dana");
  EXPECT_EQ(purpose.exit_code, 2) << purpose;
  EXPECT_THAT(purpose.err, HasSubstr("--purpose: \"curiosity\" is not a purpose"));
  Result due = Run({"request", "create", "--case", "rivera", "--to-person", "theo", "--summary",
                    "x", "--purpose", "case-planning", "--category", "general", "--due", "+5w"},
                   "dana");
  EXPECT_EQ(due.exit_code, 2) << due;
  Result both = Run({"disclosures", "--case", "rivera", "--subject", "rivera/bea"}, "dana");
  EXPECT_EQ(both.exit_code, 2) << both;
  Result help = MustRun({"help", "consent", "create"});
  EXPECT_THAT(help.out, AllOf(HasSubstr("--part2-file"), HasSubstr("right_to_revoke_statement")));
}

}  // namespace
}  // namespace samepage::cli
