// Notes through the generated clients of a real server hosting all four
// services: every read decided by the registry and the sharing service. The
// DESIGN.md scenarios — the therapist's progress notes stay with the
// treating team while the court report reaches the court under its order; a
// psychotherapy note only to its author; a Part 2 note to the caseworker
// under a complete consent with the redisclosure notice, hidden on the very
// next read after revocation; each permitted sensitive read in the
// accounting — plus amendments, read receipts, paging a large case, bad
// input, strangers and a restart.

#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/clock/clock.h"
#include "common/clock/time_util.h"
#include "common/identity/caller.h"
#include "common/identity/dev_token_issuer.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "samepage/caseplan/v1/caseplan_service.grpc.pb.h"
#include "samepage/directory/v1/directory_service.grpc.pb.h"
#include "samepage/registry/v1/registry_service.grpc.pb.h"
#include "samepage/sharing/v1/sharing_service.grpc.pb.h"
#include "tests/testing/server_fixture.h"

namespace samepage {
namespace {

using ::samepage::testing::ServerFixture;
using ::testing::HasSubstr;
using ::testing::StartsWith;
namespace dir = ::samepage::directory::v1;
namespace reg = ::samepage::registry::v1;
namespace sh = ::samepage::sharing::v1;
namespace cp = ::samepage::caseplan::v1;

constexpr char kCase[] = "cases/rivera";
constexpr char kLeo[] = "cases/rivera/subjects/leo";
constexpr char kBea[] = "cases/rivera/subjects/bea";

class NotesTest : public ::testing::Test {
 protected:
  NotesTest()
      : clock_(absl::FromUnixSeconds(absl::ToUnixSeconds(absl::Now()))),
        server_({std::begin(server::kAllServices), std::end(server::kAllServices)}, &clock_) {}

  void SetUp() override {
    server_.options().tick_interval = absl::Milliseconds(50);
    ASSERT_TRUE(server_.Start().ok());
    auto issuer = identity::DevTokenIssuer::Load(server_.data_dir());
    ASSERT_TRUE(issuer.ok()) << issuer.status();
    issuer_ = *std::move(issuer);
    Connect();
    admin_ = Token("admin", {identity::kAdminScope});
    Org("sunrise", dir::Organization::KIND_CHILD_WELFARE_AGENCY);
    Org("harbor", dir::Organization::KIND_BEHAVIORAL_HEALTH_PROVIDER);
    Org("recovery", dir::Organization::KIND_SUBSTANCE_USE_TREATMENT_PROVIDER);
    Org("court", dir::Organization::KIND_COURT);
    Person("alma", "sunrise", {"administrator"}, "", /*admin=*/true);
    Person("sam", "sunrise", {"case-supervisor"});
    Person("dana", "sunrise", {"dependency-case-manager"}, "sam");
    Person("sid", "sunrise", {"dependency-case-manager"});
    Person("hana", "harbor", {"therapist"});
    Person("theo", "harbor", {"therapist"}, "hana");
    Person("ursula", "recovery", {"substance-use-treatment-provider"});
    Person("joan", "court", {"judge"});
    Person("bea", "", {}, "", false, /*caregiver=*/true);
    SeedCase();
  }

  void Connect() {
    directory_ = dir::Directory::NewStub(server_.channel());
    registry_ = reg::CaseRegistry::NewStub(server_.channel());
    sharing_ = sh::Sharing::NewStub(server_.channel());
    notes_ = cp::CasePlans::NewStub(server_.channel());
  }

  // Tokens are issued on the server's (fake) clock.
  std::string Token(const std::string& subject, std::vector<std::string> scopes = {}) {
    auto token = issuer_->Issue(subject, scopes, absl::Hours(24 * 60), clock_.Now());
    EXPECT_TRUE(token.ok()) << token.status();
    return token.ok() ? *token : "";
  }
  std::string T(const std::string& person) { return Token("people/" + person); }
  static std::unique_ptr<grpc::ClientContext> Ctx(const std::string& token) {
    return ServerFixture::Context(token);
  }

  void Org(const std::string& id, dir::Organization::Kind kind) {
    dir::CreateOrganizationRequest req;
    req.set_organization_id(id);
    req.mutable_organization()->set_display_name(id);
    req.mutable_organization()->set_kind(kind);
    dir::Organization out;
    grpc::Status s = directory_->CreateOrganization(Ctx(admin_).get(), req, &out);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }

  void Person(const std::string& id, const std::string& org, std::vector<std::string> roles,
              const std::string& supervisor = "", bool admin = false, bool caregiver = false) {
    dir::CreatePersonRequest req;
    req.set_person_id(id);
    dir::Person* p = req.mutable_person();
    p->set_display_name(id);
    if (!org.empty()) p->set_organization("organizations/" + org);
    for (auto& r : roles) p->add_roles("roles/" + r);
    if (!supervisor.empty()) p->set_supervisor("people/" + supervisor);
    auto* contact = p->add_contact_points();
    contact->set_channel(dir::ContactPoint::CHANNEL_EMAIL);
    contact->set_value(id + "@example.org");
    p->set_administrator(admin);
    if (caregiver) p->set_kind(dir::Person::KIND_CAREGIVER);
    dir::Person out;
    grpc::Status s = directory_->CreatePerson(Ctx(admin_).get(), req, &out);
    ASSERT_TRUE(s.ok()) << id << ": " << s.error_message();
  }

  void Assign(const std::string& role, const std::string& person, const std::string& subject = "") {
    reg::CreateAssignmentRequest req;
    req.set_parent(kCase);
    req.mutable_assignment()->set_case_role(role);
    if (!person.empty()) req.mutable_assignment()->set_person("people/" + person);
    if (!subject.empty()) req.mutable_assignment()->set_subject(subject);
    reg::Assignment out;
    grpc::Status s = registry_->CreateAssignment(Ctx(admin_).get(), req, &out);
    ASSERT_TRUE(s.ok()) << role << ": " << s.error_message();
  }

  void SeedCase() {
    reg::CreateCaseRequest req;
    req.set_case_id("rivera");
    reg::Case* c = req.mutable_case_();
    c->set_case_number("2026-0042");
    c->set_lead_agency("organizations/sunrise");
    c->set_display_name("Rivera family");
    c->set_program("foster-care");
    auto* leo = c->add_subjects();
    leo->set_subject_id("leo");
    leo->set_kind(reg::CaseSubject::KIND_CHILD);
    leo->set_display_name("Leo Rivera");
    leo->mutable_birth_date()->set_year(2017);
    leo->mutable_birth_date()->set_month(4);
    leo->mutable_birth_date()->set_day(9);
    leo->set_custody(reg::CaseSubject::CUSTODY_AGENCY);
    leo->set_custodian("organizations/sunrise");
    auto* mom = c->add_subjects();
    mom->set_subject_id("bea");
    mom->set_kind(reg::CaseSubject::KIND_CAREGIVER);
    mom->set_display_name("Bea Rivera");
    mom->set_person("people/bea");
    auto* rel = mom->add_relationships();
    rel->set_child("leo");
    rel->set_type(reg::SubjectRelationship::TYPE_BIOLOGICAL_PARENT);
    reg::Case out;
    grpc::Status s = registry_->CreateCase(Ctx(admin_).get(), req, &out);
    ASSERT_TRUE(s.ok()) << s.error_message();
    Assign("dependency-case-manager", "dana");
    Assign("case-supervisor", "sam");
    Assign("therapist", "theo");
    Assign("substance-use-treatment-provider", "ursula");
    Assign("court", "joan");
    Assign("biological-parent", "", kBea);
  }

  static cp::Note NoteOf(cp::Note::Kind kind, const std::string& category, const std::string& body,
                         const std::string& subject = "") {
    cp::Note n;
    n.set_kind(kind);
    n.set_category(category);
    n.set_title(body.substr(0, 40));
    n.set_body(body);
    n.set_subject(subject);
    return n;
  }

  grpc::Status Create(const std::string& who, const cp::Note& note, cp::Note* out,
                      const std::string& note_id = "") {
    cp::CreateNoteRequest req;
    req.set_parent(kCase);
    *req.mutable_note() = note;
    req.set_note_id(note_id);
    return notes_->CreateNote(Ctx(T(who)).get(), req, out);
  }
  cp::Note MustCreate(const std::string& who, const cp::Note& note, const std::string& id = "") {
    cp::Note out;
    grpc::Status s = Create(who, note, &out, id);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }

  grpc::Status Get(const std::string& who, const std::string& name, cp::Note* out,
                   const std::string& purpose = "") {
    cp::GetNoteRequest req;
    req.set_name(name);
    req.set_purpose(purpose);
    return notes_->GetNote(Ctx(T(who)).get(), req, out);
  }

  // Every note `who` may read, following page tokens.
  std::vector<cp::Note> ListAll(const std::string& who, const std::string& purpose = "",
                                int page_size = 0, int* pages = nullptr) {
    cp::ListNotesRequest req;
    req.set_parent(kCase);
    req.set_purpose(purpose);
    req.set_page_size(page_size);
    std::vector<cp::Note> all;
    int n = 0;
    do {
      cp::ListNotesResponse resp;
      grpc::Status s = notes_->ListNotes(Ctx(T(who)).get(), req, &resp);
      EXPECT_TRUE(s.ok()) << s.error_message();
      if (!s.ok()) break;
      ++n;
      all.insert(all.end(), resp.notes().begin(), resp.notes().end());
      req.set_page_token(resp.next_page_token());
    } while (!req.page_token().empty());
    if (pages != nullptr) *pages = n;
    return all;
  }
  static std::vector<std::string> Names(const std::vector<cp::Note>& notes) {
    std::vector<std::string> out;
    for (const cp::Note& n : notes) out.push_back(n.name());
    return out;
  }

  std::vector<sh::Disclosure> Disclosures(const std::string& subject) {
    sh::ListDisclosuresRequest req;
    req.set_subject(subject);
    req.set_page_size(500);
    sh::ListDisclosuresResponse resp;
    grpc::Status s = sharing_->ListDisclosures(Ctx(T("dana")).get(), req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return {resp.disclosures().begin(), resp.disclosures().end()};
  }

  // Bea consents, with every Part 2 element, to her treatment progress going
  // to the case manager for case planning and court.
  sh::ConsentDirective Part2Consent() {
    sh::CreateConsentRequest req;
    sh::ConsentDirective* c = req.mutable_consent();
    c->set_case_(kCase);
    c->set_subject(kBea);
    c->mutable_consenter()->set_authority(sh::Consenter::AUTHORITY_SELF);
    c->mutable_consenter()->set_subject(kBea);
    c->mutable_consenter()->set_display_name("Bea Rivera");
    c->add_disclosers()->set_person("people/ursula");
    c->add_recipients()->set_case_role("dependency-case-manager");
    c->add_categories("substance-use-part2");
    c->add_purposes(sh::PURPOSE_CASE_PLANNING);
    c->add_purposes(sh::PURPOSE_COURT_PROCEEDINGS);
    *c->mutable_expire_time() = ToProtoTime(clock_.Now() + absl::Hours(24 * 180));
    c->mutable_signed_form()->set_signer_name("Bea Rivera");
    *c->mutable_signed_form()->mutable_sign_time() = ToProtoTime(clock_.Now() - absl::Hours(1));
    c->mutable_signed_form()->set_reference("doc-123");
    c->set_right_to_revoke_acknowledged(true);
    sh::Part2Elements* e = c->mutable_part2_elements();
    e->set_patient_name("Bea Rivera");
    e->set_disclosing_parties("New Leaf Recovery");
    e->set_information_description("Attendance and treatment progress");
    e->set_recipient_names("The dependency case manager of the Rivera case");
    e->set_purpose_description("Case planning and court reports");
    e->set_right_to_revoke_statement("I may revoke this consent in writing at any time...");
    e->set_expiration_description("180 days from signing");
    e->set_conditioning_statement("Treatment is not conditioned on signing");
    e->set_redisclosure_statement("Information may be redisclosed as the notice allows");
    sh::ConsentDirective out;
    grpc::Status s = sharing_->CreateConsent(Ctx(T("dana")).get(), req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }

  sh::CourtOrder CourtReportOrder() {
    sh::CreateCourtOrderRequest req;
    sh::CourtOrder* o = req.mutable_court_order();
    o->set_case_(kCase);
    o->add_subjects(kLeo);
    o->set_court("organizations/court");
    o->set_docket_number("DP-26-117");
    *o->mutable_order_time() = ToProtoTime(clock_.Now() - absl::Hours(2));
    o->add_categories("court-report");
    o->add_recipients()->set_case_role("court");
    sh::CourtOrder out;
    grpc::Status s = sharing_->CreateCourtOrder(Ctx(T("dana")).get(), req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }

  std::vector<cp::Event> Events(absl::Duration limit) {
    auto ctx = ServerFixture::Context(Token("service:test", {identity::kServiceScope}), limit);
    cp::WatchEventsRequest req;
    auto reader = notes_->WatchEvents(ctx.get(), req);
    std::vector<cp::Event> out;
    cp::WatchEventsResponse resp;
    while (reader->Read(&resp)) out.push_back(resp.event());
    return out;
  }

  FakeClock clock_;
  ServerFixture server_;
  std::unique_ptr<identity::DevTokenIssuer> issuer_;
  std::string admin_;
  std::unique_ptr<dir::Directory::Stub> directory_;
  std::unique_ptr<reg::CaseRegistry::Stub> registry_;
  std::unique_ptr<sh::Sharing::Stub> sharing_;
  std::unique_ptr<cp::CasePlans::Stub> notes_;
};

TEST_F(NotesTest, ProgressNotesStayWithTheTreatingTeamCourtReportReachesTheCourt) {
  sh::CourtOrder order = CourtReportOrder();
  cp::Note progress = MustCreate(
      "theo", NoteOf(cp::Note::KIND_PROGRESS_NOTE, "mental-health", "Leo talked about...", kLeo));
  clock_.Advance(absl::Seconds(1));
  cp::Note report = MustCreate(
      "theo", NoteOf(cp::Note::KIND_COURT_REPORT, "court-report", "Leo attends weekly.", kLeo));
  EXPECT_EQ(progress.author(), "people/theo");
  EXPECT_EQ(progress.version_number(), 1);
  EXPECT_FALSE(progress.etag().empty());

  // The author reads both, newest first, by authorship: nothing recorded.
  std::vector<cp::Note> theirs = ListAll("theo");
  EXPECT_THAT(Names(theirs), ::testing::ElementsAre(report.name(), progress.name()));
  EXPECT_EQ(theirs[0].access_basis(), "ACCESS_BASIS_AUTHORSHIP");
  EXPECT_EQ(theirs[1].body(), "Leo talked about...");

  // The DCM sees neither (mental health and court reports are sensitive).
  EXPECT_TRUE(ListAll("dana").empty());
  cp::Note out;
  EXPECT_EQ(Get("dana", progress.name(), &out).error_code(), grpc::StatusCode::PERMISSION_DENIED);

  // The court, for court proceedings, sees the court report only.
  std::vector<cp::Note> court = ListAll("joan", "PURPOSE_COURT_PROCEEDINGS");
  ASSERT_THAT(Names(court), ::testing::ElementsAre(report.name()));
  EXPECT_EQ(court[0].access_basis(), "ACCESS_BASIS_COURT_ORDER");
  EXPECT_THAT(court[0].disclosure(), StartsWith("disclosures/"));
  EXPECT_EQ(court[0].body(), "Leo attends weekly.");
  bool limited = false;
  for (const cp::Obligation& o : court[0].obligations()) {
    limited = limited || o.type() == cp::Obligation::TYPE_PURPOSE_LIMITATION;
  }
  EXPECT_TRUE(limited);
  grpc::Status s = Get("joan", progress.name(), &out, "PURPOSE_COURT_PROCEEDINGS");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(Get("joan", report.name(), &out, "PURPOSE_COURT_PROCEEDINGS").ok());
  EXPECT_EQ(out.access_basis(), "ACCESS_BASIS_COURT_ORDER");

  // Both permitted reads by the court are in Leo's accounting; nothing else.
  std::vector<sh::Disclosure> disclosed = Disclosures(kLeo);
  ASSERT_EQ(disclosed.size(), 2u);
  EXPECT_EQ(disclosed[0].name(), court[0].disclosure());
  EXPECT_EQ(disclosed[1].name(), out.disclosure());
  for (const sh::Disclosure& d : disclosed) {
    EXPECT_EQ(d.recipient(), "people/joan");
    EXPECT_EQ(d.category(), "court-report");
    EXPECT_EQ(d.basis_resource(), order.name());
    EXPECT_EQ(d.discloser(), "people/theo");
  }
}

TEST_F(NotesTest, PsychotherapyNoteOnlyToItsAuthor) {
  cp::Note bad;
  grpc::Status s =
      Create("theo", NoteOf(cp::Note::KIND_PSYCHOTHERAPY_NOTE, "mental-health", "x", kLeo), &bad);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), StartsWith("note.category"));

  cp::Note note = MustCreate(
      "theo", NoteOf(cp::Note::KIND_PSYCHOTHERAPY_NOTE, "psychotherapy-notes", "Session 4", kLeo));
  cp::Note out;
  ASSERT_TRUE(Get("theo", note.name(), &out, "PURPOSE_TREATMENT").ok());
  EXPECT_EQ(out.body(), "Session 4");
  for (const std::string who : {"dana", "ursula", "joan", "sam", "hana"}) {
    EXPECT_EQ(Get(who, note.name(), &out, "PURPOSE_TREATMENT").error_code(),
              grpc::StatusCode::PERMISSION_DENIED)
        << who;
    EXPECT_TRUE(ListAll(who, "PURPOSE_TREATMENT").empty()) << who;
  }
  EXPECT_TRUE(Disclosures(kLeo).empty());
}

TEST_F(NotesTest, Part2NoteVisibleWithTheNoticeUnderConsentHiddenOnTheReadAfterRevocation) {
  cp::Note general = MustCreate(
      "dana", NoteOf(cp::Note::KIND_CONTACT_NOTE, "general", "Home visit, all well.", kBea));
  clock_.Advance(absl::Seconds(1));
  cp::Note part2 = MustCreate("ursula", NoteOf(cp::Note::KIND_PROGRESS_NOTE, "substance-use-part2",
                                               "Bea attends daily.", kBea));
  // Without a consent the caseworker sees only the general note.
  EXPECT_THAT(Names(ListAll("dana", "PURPOSE_CASE_PLANNING")),
              ::testing::ElementsAre(general.name()));

  sh::ConsentDirective consent = Part2Consent();
  std::vector<cp::Note> seen = ListAll("dana", "PURPOSE_CASE_PLANNING");
  ASSERT_THAT(Names(seen), ::testing::ElementsAre(part2.name(), general.name()));
  EXPECT_EQ(seen[0].access_basis(), "ACCESS_BASIS_CONSENT_DIRECTIVE");
  EXPECT_THAT(seen[0].disclosure(), StartsWith("disclosures/"));
  ASSERT_GE(seen[0].obligations_size(), 1);
  EXPECT_EQ(seen[0].obligations(0).type(), cp::Obligation::TYPE_REDISCLOSURE_NOTICE);
  EXPECT_THAT(seen[0].obligations(0).text(), HasSubstr("42 CFR part 2"));
  EXPECT_EQ(seen[1].access_basis(), "ACCESS_BASIS_AUTHORSHIP");
  EXPECT_TRUE(seen[1].disclosure().empty());
  cp::Note got;
  ASSERT_TRUE(Get("dana", part2.name(), &got, "PURPOSE_CASE_PLANNING").ok());
  EXPECT_EQ(got.body(), "Bea attends daily.");
  EXPECT_EQ(got.obligations(0).type(), cp::Obligation::TYPE_REDISCLOSURE_NOTICE);
  // Not for a purpose the consent does not name.
  EXPECT_EQ(Get("dana", part2.name(), &got).error_code(), grpc::StatusCode::PERMISSION_DENIED);

  std::vector<sh::Disclosure> disclosed = Disclosures(kBea);
  ASSERT_EQ(disclosed.size(), 2u);
  EXPECT_EQ(disclosed[0].name(), seen[0].disclosure());
  EXPECT_EQ(disclosed[0].recipient(), "people/dana");
  EXPECT_EQ(disclosed[0].basis_resource(), consent.name());
  EXPECT_EQ(disclosed[1].name(), got.disclosure());

  sh::RevokeConsentRequest revoke;
  revoke.set_name(consent.name());
  revoke.set_revoked_by("Bea Rivera");
  revoke.set_reason("changed her mind");
  sh::ConsentDirective revoked;
  grpc::Status s = sharing_->RevokeConsent(Ctx(T("bea")).get(), revoke, &revoked);
  ASSERT_TRUE(s.ok()) << s.error_message();
  // The very next reads.
  EXPECT_THAT(Names(ListAll("dana", "PURPOSE_CASE_PLANNING")),
              ::testing::ElementsAre(general.name()));
  EXPECT_EQ(Get("dana", part2.name(), &got, "PURPOSE_CASE_PLANNING").error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Disclosures(kBea).size(), 2u);
}

TEST_F(NotesTest, NoteAnsweringAnInformationRequestFulfilsIt) {
  sh::CreateInformationRequestRequest ask;
  sh::InformationRequest* r = ask.mutable_information_request();
  r->set_case_(kCase);
  r->set_subject(kLeo);
  r->mutable_recipient()->set_person("people/theo");
  r->set_summary("Progress summary for the review hearing");
  r->set_purpose(sh::PURPOSE_COURT_PROCEEDINGS);
  r->add_categories("court-report");
  *r->mutable_due_time() = ToProtoTime(clock_.Now() + absl::Hours(24 * 5));
  sh::InformationRequest request;
  grpc::Status s = sharing_->CreateInformationRequest(Ctx(T("dana")).get(), ask, &request);
  ASSERT_TRUE(s.ok()) << s.error_message();

  // Only a recipient answers: the DCM's note is refused and not written.
  cp::Note answer = NoteOf(cp::Note::KIND_COURT_REPORT, "court-report", "Summary.", kLeo);
  answer.set_answers_request(request.name());
  cp::Note out;
  s = Create("dana", answer, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED) << s.error_message();
  EXPECT_TRUE(ListAll("dana").empty());
  EXPECT_TRUE(ListAll("theo").empty());

  cp::Note note = MustCreate("theo", answer);
  EXPECT_EQ(note.answers_request(), request.name());
  sh::GetInformationRequestRequest get;
  get.set_name(request.name());
  sh::InformationRequest after;
  ASSERT_TRUE(sharing_->GetInformationRequest(Ctx(T("dana")).get(), get, &after).ok());
  EXPECT_EQ(after.state(), sh::InformationRequest::STATE_FULFILLED);
  EXPECT_EQ(after.fulfillment().resource(), note.name());
  EXPECT_EQ(after.fulfillment().fulfilled_by(), "people/theo");

  // A fulfilled request cannot be answered twice; no second note.
  s = Create("theo", answer, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << s.error_message();
  EXPECT_EQ(ListAll("theo").size(), 1u);
}

TEST_F(NotesTest, AmendmentKeepsTheOldVersionWithWhoAndWhyStaleEtagIsAborted) {
  cp::Note note =
      MustCreate("dana", NoteOf(cp::Note::KIND_CONTACT_NOTE, "general", "Visit on Monday."));
  clock_.Advance(absl::Minutes(5));
  cp::AmendNoteRequest amend;
  amend.mutable_note()->set_name(note.name());
  amend.mutable_note()->set_body("Visit on Tuesday.");
  amend.mutable_update_mask()->add_paths("body");
  amend.set_reason("wrong day");
  amend.set_etag(note.etag());
  cp::Note v2;
  grpc::Status s = notes_->AmendNote(Ctx(T("dana")).get(), amend, &v2);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(v2.version_number(), 2);
  EXPECT_EQ(v2.body(), "Visit on Tuesday.");
  EXPECT_EQ(v2.amended_by(), "people/dana");
  EXPECT_EQ(v2.amend_reason(), "wrong day");
  EXPECT_NE(v2.etag(), note.etag());
  EXPECT_EQ(v2.create_time().seconds(), note.create_time().seconds());

  // The old etag is stale now: ABORTED, nothing changes.
  amend.mutable_note()->set_body("Visit on Wednesday.");
  cp::Note stale;
  EXPECT_EQ(notes_->AmendNote(Ctx(T("dana")).get(), amend, &stale).error_code(),
            grpc::StatusCode::ABORTED);
  // Neither someone else on the team nor the author's peer may amend.
  amend.set_etag(v2.etag());
  EXPECT_EQ(notes_->AmendNote(Ctx(T("theo")).get(), amend, &stale).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  // The author's supervisor may.
  amend.mutable_note()->set_body("Visit on Tuesday, 3 pm.");
  amend.set_reason("time added");
  cp::Note v3;
  s = notes_->AmendNote(Ctx(T("sam")).get(), amend, &v3);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(v3.version_number(), 3);
  EXPECT_EQ(v3.amended_by(), "people/sam");
  EXPECT_EQ(v3.author(), "people/dana");

  cp::ListNoteVersionsRequest list;
  list.set_parent(note.name());
  list.set_page_size(2);
  cp::ListNoteVersionsResponse page;
  ASSERT_TRUE(notes_->ListNoteVersions(Ctx(T("dana")).get(), list, &page).ok());
  ASSERT_EQ(page.note_versions_size(), 2);
  EXPECT_EQ(page.note_versions(0).version_number(), 3);
  EXPECT_EQ(page.note_versions(1).version_number(), 2);
  EXPECT_EQ(page.note_versions(1).amend_reason(), "wrong day");
  ASSERT_FALSE(page.next_page_token().empty());
  list.set_page_token(page.next_page_token());
  ASSERT_TRUE(notes_->ListNoteVersions(Ctx(T("dana")).get(), list, &page).ok());
  ASSERT_EQ(page.note_versions_size(), 1);
  EXPECT_EQ(page.note_versions(0).version_number(), 1);
  EXPECT_EQ(page.note_versions(0).body(), "Visit on Monday.");
  EXPECT_EQ(page.note_versions(0).amended_by(), "people/dana");
  EXPECT_TRUE(page.note_versions(0).amend_reason().empty());
  EXPECT_EQ(page.note_versions(0).name(), note.name() + "/versions/1");
  EXPECT_TRUE(page.next_page_token().empty());

  // The events carry the note without its text.
  int created = 0, amended = 0;
  for (const cp::Event& e : Events(absl::Seconds(1))) {
    if (e.resource() != note.name()) continue;
    if (e.type() == cp::Event::TYPE_NOTE_CREATED) ++created;
    if (e.type() == cp::Event::TYPE_NOTE_AMENDED) ++amended;
    EXPECT_TRUE(e.note().body().empty());
    EXPECT_EQ(e.note().name(), note.name());
  }
  EXPECT_EQ(created, 1);
  EXPECT_EQ(amended, 2);
}

TEST_F(NotesTest, AcknowledgementIsAReadReceiptPerPerson) {
  cp::Note note =
      MustCreate("dana", NoteOf(cp::Note::KIND_CONTACT_NOTE, "general", "Team meeting notes."));
  cp::Note progress =
      MustCreate("theo", NoteOf(cp::Note::KIND_PROGRESS_NOTE, "mental-health", "Progress.", kLeo));
  cp::AcknowledgeNoteRequest req;
  req.set_name(note.name());
  cp::NoteAcknowledgement theo_ack, again, sam_ack;
  ASSERT_TRUE(notes_->AcknowledgeNote(Ctx(T("theo")).get(), req, &theo_ack).ok());
  EXPECT_EQ(theo_ack.person(), "people/theo");
  EXPECT_EQ(theo_ack.version_number(), 1);
  ASSERT_TRUE(notes_->AcknowledgeNote(Ctx(T("theo")).get(), req, &again).ok());
  EXPECT_EQ(again.name(), theo_ack.name());
  ASSERT_TRUE(notes_->AcknowledgeNote(Ctx(T("sam")).get(), req, &sam_ack).ok());
  cp::Note out;
  ASSERT_TRUE(Get("dana", note.name(), &out).ok());
  std::set<std::string> people;
  for (const cp::NoteAcknowledgement& a : out.acknowledgements()) people.insert(a.person());
  EXPECT_EQ(people, (std::set<std::string>{"people/theo", "people/sam"}));
  // Same access as GetNote: the DCM may not acknowledge a note she may not read.
  req.set_name(progress.name());
  EXPECT_EQ(notes_->AcknowledgeNote(Ctx(T("dana")).get(), req, &again).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  req.set_version_number(2);
  EXPECT_EQ(notes_->AcknowledgeNote(Ctx(T("theo")).get(), req, &again).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(NotesTest, ListPagesAThousandNotesNewestFirstLeavingOutWithheldOnes) {
  constexpr int kGeneral = 1000;
  std::vector<std::string> visible;  // newest first, as the DCM should see them
  const absl::Time start = absl::Now();
  for (int i = 0; i < kGeneral + kGeneral / 10; ++i) {
    clock_.Advance(absl::Milliseconds(1));
    cp::Note out;
    if (i % 11 == 5) {
      ASSERT_TRUE(
          Create("theo", NoteOf(cp::Note::KIND_PROGRESS_NOTE, "mental-health", "private"), &out)
              .ok());
    } else {
      ASSERT_TRUE(
          Create("dana", NoteOf(cp::Note::KIND_CONTACT_NOTE, "general", absl::StrCat("n", i)), &out)
              .ok());
      visible.insert(visible.begin(), out.name());
    }
  }
  const absl::Duration create_time = absl::Now() - start;
  ASSERT_EQ(visible.size(), static_cast<size_t>(kGeneral));

  const absl::Time list_start = absl::Now();
  int pages = 0;
  std::vector<cp::Note> seen = ListAll("dana", "", 100, &pages);
  const absl::Duration list_time = absl::Now() - list_start;
  EXPECT_EQ(Names(seen), visible);
  // 1,100 notes in pages of 100 candidates: 11 pages (some shorter, as the
  // therapist's notes are withheld), each decided in one call.
  EXPECT_EQ(pages, 11);
  EXPECT_LT(list_time, create_time) << "listing every note costs less than writing them";

  // The therapist reads everything.
  EXPECT_EQ(ListAll("theo", "", 500).size(), static_cast<size_t>(kGeneral + kGeneral / 10));
  // Filters and a token reused with other parameters.
  cp::ListNotesRequest req;
  req.set_parent(kCase);
  req.set_page_size(5);
  req.set_author("people/theo");
  cp::ListNotesResponse resp;
  ASSERT_TRUE(notes_->ListNotes(Ctx(T("theo")).get(), req, &resp).ok());
  ASSERT_EQ(resp.notes_size(), 5);
  for (const cp::Note& n : resp.notes()) EXPECT_EQ(n.author(), "people/theo");
  req.set_page_token(resp.next_page_token());
  req.set_author("people/dana");
  grpc::Status s = notes_->ListNotes(Ctx(T("theo")).get(), req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), StartsWith("page_token"));
}

TEST_F(NotesTest, BadInputOnEveryRpcNamesTheFieldAndChangesNothing) {
  cp::Note existing =
      MustCreate("dana", NoteOf(cp::Note::KIND_CONTACT_NOTE, "general", "Existing."), "existing");
  struct Case {
    std::string field;
    std::function<grpc::Status()> call;
  };
  auto create = [this](std::function<void(cp::CreateNoteRequest*)> edit) {
    return [this, edit] {
      cp::CreateNoteRequest req;
      req.set_parent(kCase);
      *req.mutable_note() = NoteOf(cp::Note::KIND_CONTACT_NOTE, "general", "Body.");
      edit(&req);
      cp::Note out;
      return notes_->CreateNote(Ctx(T("dana")).get(), req, &out);
    };
  };
  auto amend = [this, &existing](std::function<void(cp::AmendNoteRequest*)> edit) {
    return [this, edit, &existing] {
      cp::AmendNoteRequest req;
      req.mutable_note()->set_name(existing.name());
      req.mutable_note()->set_body("New.");
      req.mutable_update_mask()->add_paths("body");
      req.set_reason("why");
      req.set_etag(existing.etag());
      edit(&req);
      cp::Note out;
      return notes_->AmendNote(Ctx(T("dana")).get(), req, &out);
    };
  };
  std::vector<Case> cases = {
      {"parent", create([](cp::CreateNoteRequest* r) { r->set_parent("rivera"); })},
      {"note", create([](cp::CreateNoteRequest* r) { r->clear_note(); })},
      {"note.kind", create([](cp::CreateNoteRequest* r) { r->mutable_note()->clear_kind(); })},
      {"note.category",
       create([](cp::CreateNoteRequest* r) { r->mutable_note()->set_category("gossip"); })},
      {"note.category",
       create([](cp::CreateNoteRequest* r) { r->mutable_note()->set_category("Bad Id"); })},
      {"note.title", create([](cp::CreateNoteRequest* r) {
         r->mutable_note()->set_title(std::string(201, 'x'));
       })},
      {"note.body", create([](cp::CreateNoteRequest* r) { r->mutable_note()->clear_body(); })},
      {"note.body", create([](cp::CreateNoteRequest* r) {
         r->mutable_note()->set_body(std::string(100001, 'x'));
       })},
      {"note.subject", create([](cp::CreateNoteRequest* r) {
         r->mutable_note()->set_subject("cases/other/subjects/leo");
       })},
      {"note.subject", create([](cp::CreateNoteRequest* r) {
         r->mutable_note()->set_subject("cases/rivera/subjects/nobody");
       })},
      {"note.answers_request", create([](cp::CreateNoteRequest* r) {
         r->mutable_note()->set_answers_request("requests/x");
       })},
      {"note.occur_time", create([](cp::CreateNoteRequest* r) {
         r->mutable_note()->mutable_occur_time()->set_nanos(-1);
       })},
      {"note_id", create([](cp::CreateNoteRequest* r) { r->set_note_id("X!"); })},
      {"name",
       [&] {
         cp::GetNoteRequest r;
         r.set_name("cases/rivera/plan");
         cp::Note o;
         return notes_->GetNote(Ctx(T("dana")).get(), r, &o);
       }},
      {"purpose",
       [&] {
         cp::GetNoteRequest r;
         r.set_name(existing.name());
         r.set_purpose("PURPOSE_GOSSIP");
         cp::Note o;
         return notes_->GetNote(Ctx(T("dana")).get(), r, &o);
       }},
      {"parent",
       [&] {
         cp::ListNotesRequest r;
         cp::ListNotesResponse o;
         return notes_->ListNotes(Ctx(T("dana")).get(), r, &o);
       }},
      {"page_size",
       [&] {
         cp::ListNotesRequest r;
         r.set_parent(kCase);
         r.set_page_size(501);
         cp::ListNotesResponse o;
         return notes_->ListNotes(Ctx(T("dana")).get(), r, &o);
       }},
      {"page_token",
       [&] {
         cp::ListNotesRequest r;
         r.set_parent(kCase);
         r.set_page_token("garbage");
         cp::ListNotesResponse o;
         return notes_->ListNotes(Ctx(T("dana")).get(), r, &o);
       }},
      {"kind",
       [&] {
         cp::ListNotesRequest r;
         r.set_parent(kCase);
         r.set_kind(static_cast<cp::Note::Kind>(99));
         cp::ListNotesResponse o;
         return notes_->ListNotes(Ctx(T("dana")).get(), r, &o);
       }},
      {"author",
       [&] {
         cp::ListNotesRequest r;
         r.set_parent(kCase);
         r.set_author("dana");
         cp::ListNotesResponse o;
         return notes_->ListNotes(Ctx(T("dana")).get(), r, &o);
       }},
      {"note", amend([](cp::AmendNoteRequest* r) { r->clear_note(); })},
      {"note.name", amend([](cp::AmendNoteRequest* r) { r->mutable_note()->set_name("x"); })},
      {"update_mask", amend([](cp::AmendNoteRequest* r) { r->clear_update_mask(); })},
      {"update_mask",
       amend([](cp::AmendNoteRequest* r) { r->mutable_update_mask()->add_paths("author"); })},
      {"note.body", amend([](cp::AmendNoteRequest* r) { r->mutable_note()->clear_body(); })},
      {"note.category", amend([](cp::AmendNoteRequest* r) {
         r->mutable_update_mask()->add_paths("category");
         r->mutable_note()->set_category("gossip");
       })},
      {"reason", amend([](cp::AmendNoteRequest* r) { r->clear_reason(); })},
      {"reason", amend([](cp::AmendNoteRequest* r) { r->set_reason(std::string(1001, 'x')); })},
      {"etag", amend([](cp::AmendNoteRequest* r) { r->clear_etag(); })},
      {"parent",
       [&] {
         cp::ListNoteVersionsRequest r;
         r.set_parent(kCase);
         cp::ListNoteVersionsResponse o;
         return notes_->ListNoteVersions(Ctx(T("dana")).get(), r, &o);
       }},
      {"page_size",
       [&] {
         cp::ListNoteVersionsRequest r;
         r.set_parent(existing.name());
         r.set_page_size(-1);
         cp::ListNoteVersionsResponse o;
         return notes_->ListNoteVersions(Ctx(T("dana")).get(), r, &o);
       }},
      {"name",
       [&] {
         cp::AcknowledgeNoteRequest r;
         cp::NoteAcknowledgement o;
         return notes_->AcknowledgeNote(Ctx(T("dana")).get(), r, &o);
       }},
      {"version_number",
       [&] {
         cp::AcknowledgeNoteRequest r;
         r.set_name(existing.name());
         r.set_version_number(-1);
         cp::NoteAcknowledgement o;
         return notes_->AcknowledgeNote(Ctx(T("dana")).get(), r, &o);
       }},
  };
  for (const Case& c : cases) {
    grpc::Status s = c.call();
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << c.field << ": " << s.error_message();
    EXPECT_THAT(s.error_message(), StartsWith(c.field)) << s.error_message();
  }
  std::vector<cp::Note> after = ListAll("dana");
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[0].etag(), existing.etag());
  EXPECT_EQ(after[0].version_number(), 1);
  EXPECT_TRUE(after[0].acknowledgements().empty());
  // The same id twice.
  cp::Note dup;
  EXPECT_EQ(Create("dana", NoteOf(cp::Note::KIND_CONTACT_NOTE, "general", "x"), &dup, "existing")
                .error_code(),
            grpc::StatusCode::ALREADY_EXISTS);
}

TEST_F(NotesTest, StrangerIsDeniedEverywhere) {
  cp::Note note = MustCreate("dana", NoteOf(cp::Note::KIND_CONTACT_NOTE, "general", "x"));
  const std::string sid = T("sid");
  cp::Note out;
  EXPECT_EQ(Create("sid", NoteOf(cp::Note::KIND_CONTACT_NOTE, "general", "x"), &out).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Get("sid", note.name(), &out).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  cp::ListNotesRequest list;
  list.set_parent(kCase);
  cp::ListNotesResponse resp;
  EXPECT_EQ(notes_->ListNotes(Ctx(sid).get(), list, &resp).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  cp::AmendNoteRequest amend;
  amend.mutable_note()->set_name(note.name());
  amend.mutable_note()->set_body("y");
  amend.mutable_update_mask()->add_paths("body");
  amend.set_reason("r");
  amend.set_etag(note.etag());
  EXPECT_EQ(notes_->AmendNote(Ctx(sid).get(), amend, &out).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  cp::ListNoteVersionsRequest versions;
  versions.set_parent(note.name());
  cp::ListNoteVersionsResponse vresp;
  EXPECT_EQ(notes_->ListNoteVersions(Ctx(sid).get(), versions, &vresp).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  cp::AcknowledgeNoteRequest ack;
  ack.set_name(note.name());
  cp::NoteAcknowledgement a;
  EXPECT_EQ(notes_->AcknowledgeNote(Ctx(sid).get(), ack, &a).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  // No token at all.
  EXPECT_EQ(notes_->ListNotes(Ctx("").get(), list, &resp).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(NotesTest, RestartKeepsEveryAcknowledgedWrite) {
  cp::Note note =
      MustCreate("dana", NoteOf(cp::Note::KIND_CONTACT_NOTE, "general", "First.", kLeo));
  cp::AmendNoteRequest amend;
  amend.mutable_note()->set_name(note.name());
  amend.mutable_note()->set_body("Second.");
  amend.mutable_update_mask()->add_paths("body");
  amend.set_reason("typo");
  amend.set_etag(note.etag());
  cp::Note v2;
  ASSERT_TRUE(notes_->AmendNote(Ctx(T("dana")).get(), amend, &v2).ok());
  cp::AcknowledgeNoteRequest ack;
  ack.set_name(note.name());
  cp::NoteAcknowledgement receipt;
  ASSERT_TRUE(notes_->AcknowledgeNote(Ctx(T("theo")).get(), ack, &receipt).ok());

  ASSERT_TRUE(server_.Restart().ok());
  Connect();
  cp::Note out;
  grpc::Status s = Get("dana", note.name(), &out);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(out.body(), "Second.");
  EXPECT_EQ(out.version_number(), 2);
  EXPECT_EQ(out.etag(), v2.etag());
  ASSERT_EQ(out.acknowledgements_size(), 1);
  EXPECT_EQ(out.acknowledgements(0).name(), receipt.name());
  cp::ListNoteVersionsRequest versions;
  versions.set_parent(note.name());
  cp::ListNoteVersionsResponse vresp;
  ASSERT_TRUE(notes_->ListNoteVersions(Ctx(T("dana")).get(), versions, &vresp).ok());
  ASSERT_EQ(vresp.note_versions_size(), 2);
  EXPECT_EQ(vresp.note_versions(1).body(), "First.");
  EXPECT_THAT(Names(ListAll("dana")), ::testing::ElementsAre(note.name()));
}

}  // namespace
}  // namespace samepage
