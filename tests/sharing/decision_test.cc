// The decision point through the generated clients of a real server: the
// consent scenarios of DESIGN.md, the accounting of disclosures with its hash
// chain, bad input on every RPC, authorisation, restart and expiry events.

#include <openssl/evp.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/clock/clock.h"
#include "common/clock/time_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "samepage/directory/v1/directory_service.grpc.pb.h"
#include "samepage/registry/v1/registry_service.grpc.pb.h"
#include "samepage/sharing/v1/sharing_service.grpc.pb.h"
#include "tests/testing/server_fixture.h"

namespace samepage {
namespace {

using ::samepage::testing::ServerFixture;
using ::testing::HasSubstr;
namespace dir = ::samepage::directory::v1;
namespace reg = ::samepage::registry::v1;
namespace sh = ::samepage::sharing::v1;
using Decision = sh::CheckAccessResponse;

constexpr char kCase[] = "cases/rivera";
constexpr char kLeo[] = "cases/rivera/subjects/leo";
constexpr char kBea[] = "cases/rivera/subjects/bea";

google::protobuf::Timestamp At(absl::Time t) { return ToProtoTime(t); }

std::string Sha256Hex(const std::string& data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  return absl::BytesToHexString(absl::string_view(reinterpret_cast<char*>(md), len));
}

class DecisionTest : public ::testing::Test {
 protected:
  DecisionTest()
      : clock_(absl::Now()),
        server_({std::begin(server::kAllServices), std::end(server::kAllServices)}, &clock_) {}

  void SetUp() override {
    server_.options().tick_interval = absl::Milliseconds(50);
    ASSERT_TRUE(server_.Start().ok());
    Connect();
    admin_ = server_.AdminToken();
    Org("sunrise", "Sunrise Family Services", dir::Organization::KIND_CHILD_WELFARE_AGENCY);
    Org("harbor", "Harbor Behavioral Health", dir::Organization::KIND_BEHAVIORAL_HEALTH_PROVIDER);
    Org("recovery", "New Leaf Recovery", dir::Organization::KIND_SUBSTANCE_USE_TREATMENT_PROVIDER);
    Org("galp", "County GAL Program", dir::Organization::KIND_LEGAL);
    Org("court", "County Dependency Court", dir::Organization::KIND_COURT);
    Person("alma", "Alma Ortiz", "sunrise", {"administrator"}, /*admin=*/true);
    Person("dana", "Dana Cruz", "sunrise", {"dependency-case-manager"});
    Person("sid", "Sid Stranger", "sunrise", {"dependency-case-manager"});
    Person("theo", "Theo Park", "harbor", {"therapist"});
    Person("ursula", "Ursula Grant", "recovery", {"substance-use-treatment-provider"});
    Person("joan", "Judge Joan Baker", "court", {"judge"});
    Person("gail", "Gail Brooks", "galp", {"guardian-ad-litem"});
    Person("bea", "Bea Rivera", "", {}, false, /*caregiver=*/true);
    SeedCase();
  }

  void Connect() {
    directory_ = dir::Directory::NewStub(server_.channel());
    registry_ = reg::CaseRegistry::NewStub(server_.channel());
    sharing_ = sh::Sharing::NewStub(server_.channel());
  }

  std::string T(const std::string& person) { return server_.Token("people/" + person); }
  static std::unique_ptr<grpc::ClientContext> Ctx(const std::string& token) {
    return ServerFixture::Context(token);
  }

  void Org(const std::string& id, const std::string& name, dir::Organization::Kind kind) {
    dir::CreateOrganizationRequest req;
    req.set_organization_id(id);
    req.mutable_organization()->set_display_name(name);
    req.mutable_organization()->set_kind(kind);
    dir::Organization out;
    grpc::Status s = directory_->CreateOrganization(Ctx(admin_).get(), req, &out);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }

  void Person(const std::string& id, const std::string& name, const std::string& org,
              std::vector<std::string> roles, bool admin = false, bool caregiver = false) {
    dir::CreatePersonRequest req;
    req.set_person_id(id);
    dir::Person* p = req.mutable_person();
    p->set_display_name(name);
    if (!org.empty()) p->set_organization("organizations/" + org);
    for (auto& r : roles) p->add_roles("roles/" + r);
    auto* contact = p->add_contact_points();
    contact->set_channel(dir::ContactPoint::CHANNEL_EMAIL);
    contact->set_value(id + "@example.org");
    contact->set_visibility(dir::ContactPoint::VISIBILITY_EVERYONE);
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
    Assign("therapist", "theo");
    Assign("substance-use-treatment-provider", "ursula");
    Assign("court", "joan");
    Assign("guardian-ad-litem", "gail");
    Assign("biological-parent", "", kBea);
  }

  static sh::Party Role(const std::string& role) {
    sh::Party p;
    p.set_case_role(role);
    return p;
  }
  static sh::Party PersonParty(const std::string& person) {
    sh::Party p;
    p.set_person("people/" + person);
    return p;
  }

  // Bea, in substance-use treatment, consents to her treatment progress
  // going to the case manager, with every Part 2 element.
  sh::CreateConsentRequest Part2Consent() {
    sh::CreateConsentRequest req;
    sh::ConsentDirective* c = req.mutable_consent();
    c->set_case_(kCase);
    c->set_subject(kBea);
    c->mutable_consenter()->set_authority(sh::Consenter::AUTHORITY_SELF);
    c->mutable_consenter()->set_subject(kBea);
    c->mutable_consenter()->set_display_name("Bea Rivera");
    *c->add_disclosers() = PersonParty("ursula");
    *c->add_recipients() = Role("dependency-case-manager");
    c->add_categories("substance-use-part2");
    c->add_purposes(sh::PURPOSE_CASE_PLANNING);
    c->add_purposes(sh::PURPOSE_COURT_PROCEEDINGS);
    *c->mutable_expire_time() = At(clock_.Now() + absl::Hours(24 * 180));
    c->mutable_signed_form()->set_signer_name("Bea Rivera");
    *c->mutable_signed_form()->mutable_sign_time() = At(clock_.Now() - absl::Hours(1));
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
    return req;
  }

  // A mental-health consent for the case manager, expiring in ten minutes.
  sh::CreateConsentRequest ShortConsent() {
    sh::CreateConsentRequest req = Part2Consent();
    sh::ConsentDirective* c = req.mutable_consent();
    c->clear_categories();
    c->add_categories("mental-health");
    c->clear_part2_elements();
    *c->mutable_expire_time() = At(clock_.Now() + absl::Minutes(10));
    return req;
  }

  grpc::Status CreateConsent(const sh::CreateConsentRequest& req, sh::ConsentDirective* out,
                             const std::string& token = "") {
    return sharing_->CreateConsent(Ctx(token.empty() ? T("dana") : token).get(), req, out);
  }

  sh::CheckAccessRequest Check(const std::string& requester, const std::string& subject,
                               const std::string& category, sh::Purpose purpose) {
    sh::CheckAccessRequest req;
    req.set_requester("people/" + requester);
    req.set_case_(kCase);
    req.set_subject(subject);
    req.set_category(category);
    req.set_purpose(purpose);
    req.set_explain(true);
    return req;
  }

  Decision Decide(const sh::CheckAccessRequest& req, const std::string& token = "") {
    Decision out;
    grpc::Status s = sharing_->CheckAccess(
        Ctx(token.empty() ? server_.Token("service:test", {identity::kServiceScope}) : token).get(),
        req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }

  std::vector<sh::Disclosure> Disclosures(const std::string& subject,
                                          const std::string& case_name = "") {
    std::vector<sh::Disclosure> all;
    sh::ListDisclosuresRequest req;
    req.set_subject(subject);
    req.set_case_(case_name);
    req.set_page_size(2);
    do {
      sh::ListDisclosuresResponse resp;
      grpc::Status s = sharing_->ListDisclosures(Ctx(T("dana")).get(), req, &resp);
      EXPECT_TRUE(s.ok()) << s.error_message();
      if (!s.ok()) break;
      all.insert(all.end(), resp.disclosures().begin(), resp.disclosures().end());
      req.set_page_token(resp.next_page_token());
    } while (!req.page_token().empty());
    return all;
  }

  std::vector<sh::ConsentDirective> Consents() {
    sh::ListConsentsRequest req;
    req.set_case_(kCase);
    sh::ListConsentsResponse resp;
    grpc::Status s = sharing_->ListConsents(Ctx(admin_).get(), req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return {resp.consents().begin(), resp.consents().end()};
  }

  FakeClock clock_;
  ServerFixture server_;
  std::string admin_;
  std::unique_ptr<dir::Directory::Stub> directory_;
  std::unique_ptr<reg::CaseRegistry::Stub> registry_;
  std::unique_ptr<sh::Sharing::Stub> sharing_;
};

TEST_F(DecisionTest, BuiltInCategoriesAreSeeded) {
  sh::ListCategoriesRequest req;
  sh::ListCategoriesResponse resp;
  grpc::Status s = sharing_->ListCategories(Ctx(T("dana")).get(), req, &resp);
  ASSERT_TRUE(s.ok()) << s.error_message();
  std::vector<std::string> names;
  for (const auto& c : resp.categories()) names.push_back(c.name());
  EXPECT_THAT(names,
              ::testing::IsSupersetOf({"categories/general", "categories/case-plan",
                                       "categories/mental-health", "categories/psychotherapy-notes",
                                       "categories/substance-use-part2", "categories/medical",
                                       "categories/education", "categories/court-report"}));
  sh::GetCategoryRequest get;
  get.set_name("categories/substance-use-part2");
  sh::Category part2;
  ASSERT_TRUE(sharing_->GetCategory(Ctx(T("dana")).get(), get, &part2).ok());
  EXPECT_TRUE(part2.part2());
  EXPECT_TRUE(part2.sensitive());
  EXPECT_THAT(part2.redisclosure_notice(), HasSubstr("42 CFR part 2"));
}

TEST_F(DecisionTest, Part2ConsentMissingAnElementIsRefusedNamingIt) {
  sh::CreateConsentRequest req = Part2Consent();
  req.mutable_consent()->mutable_part2_elements()->clear_right_to_revoke_statement();
  sh::ConsentDirective out;
  grpc::Status s = CreateConsent(req, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("consent.part2_elements.right_to_revoke_statement"));
  EXPECT_TRUE(Consents().empty());
}

TEST_F(DecisionTest, Part2ConsentPermitsCaseworkerWithNoticeThenRevocationDenies) {
  sh::ConsentDirective consent;
  grpc::Status s = CreateConsent(Part2Consent(), &consent);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(consent.state(), sh::ConsentDirective::STATE_ACTIVE);

  sh::CheckAccessRequest check =
      Check("dana", kBea, "substance-use-part2", sh::PURPOSE_CASE_PLANNING);
  Decision permit = Decide(check, T("dana"));
  EXPECT_EQ(permit.decision(), Decision::DECISION_PERMIT) << permit.explanation();
  EXPECT_EQ(permit.basis(), sh::ACCESS_BASIS_CONSENT_DIRECTIVE);
  EXPECT_EQ(permit.basis_resource(), consent.name());
  ASSERT_GE(permit.obligations_size(), 1);
  EXPECT_EQ(permit.obligations(0).type(), sh::Obligation::TYPE_REDISCLOSURE_NOTICE);
  EXPECT_THAT(permit.obligations(0).text(), HasSubstr("42 CFR part 2"));

  // The GAL is not a recipient; the treating-team basis never covers Part 2.
  EXPECT_EQ(
      Decide(Check("gail", kBea, "substance-use-part2", sh::PURPOSE_CASE_PLANNING)).decision(),
      Decision::DECISION_DENY);
  EXPECT_EQ(Decide(Check("theo", kBea, "substance-use-part2", sh::PURPOSE_TREATMENT)).decision(),
            Decision::DECISION_DENY);

  // Bea revokes (she is on the case as the biological parent).
  sh::RevokeConsentRequest revoke;
  revoke.set_name(consent.name());
  revoke.set_revoked_by("Bea Rivera");
  revoke.set_reason("changed her mind");
  sh::ConsentDirective revoked;
  s = sharing_->RevokeConsent(Ctx(T("bea")).get(), revoke, &revoked);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(revoked.state(), sh::ConsentDirective::STATE_REVOKED);
  EXPECT_EQ(revoked.revocation().recorded_by(), "people/bea");

  Decision deny = Decide(check, T("dana"));
  EXPECT_EQ(deny.decision(), Decision::DECISION_DENY);
  EXPECT_THAT(deny.explanation(), HasSubstr("revoked by Bea Rivera"));
  ASSERT_EQ(deny.considered_size(), 1);
  EXPECT_EQ(deny.considered(0).outcome(), sh::Consideration::OUTCOME_REVOKED);

  // Revoking twice is refused; the directive is kept.
  s = sharing_->RevokeConsent(Ctx(T("bea")).get(), revoke, &revoked);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  ASSERT_EQ(Consents().size(), 1u);
}

TEST_F(DecisionTest, ExpiredDirectiveDeniesAndTickEmitsItsExpiryOnce) {
  sh::ConsentDirective consent;
  grpc::Status s = CreateConsent(ShortConsent(), &consent);
  ASSERT_TRUE(s.ok()) << s.error_message();
  sh::CheckAccessRequest check = Check("dana", kBea, "mental-health", sh::PURPOSE_CASE_PLANNING);
  EXPECT_EQ(Decide(check).decision(), Decision::DECISION_PERMIT);

  clock_.Advance(absl::Minutes(20));
  Decision deny = Decide(check);
  EXPECT_EQ(deny.decision(), Decision::DECISION_DENY);
  EXPECT_THAT(deny.explanation(), HasSubstr("expired on"));
  ASSERT_EQ(deny.considered_size(), 1);
  EXPECT_EQ(deny.considered(0).outcome(), sh::Consideration::OUTCOME_EXPIRED);

  // Let the ticker run several times, then read the event log.
  absl::SleepFor(absl::Milliseconds(500));
  sh::WatchEventsRequest watch;
  auto ctx = ServerFixture::Context(server_.Token("service:test", {identity::kServiceScope}),
                                    absl::Seconds(2));
  auto reader = sharing_->WatchEvents(ctx.get(), watch);
  sh::WatchEventsResponse event;
  int expired = 0;
  while (reader->Read(&event)) {
    if (event.event().type() == sh::Event::TYPE_CONSENT_EXPIRED &&
        event.event().resource() == consent.name()) {
      ++expired;
      EXPECT_EQ(event.event().consent().state(), sh::ConsentDirective::STATE_EXPIRED);
      EXPECT_EQ(event.event().actor(), "services/sharing");
    }
  }
  EXPECT_EQ(expired, 1);
}

TEST_F(DecisionTest, CourtOrderPermitsTheCourtReportButNotProgressNotes) {
  sh::CreateCourtOrderRequest req;
  sh::CourtOrder* o = req.mutable_court_order();
  o->set_case_(kCase);
  o->add_subjects(kLeo);
  o->set_court("organizations/court");
  o->set_docket_number("DP-26-117");
  *o->mutable_order_time() = At(clock_.Now() - absl::Hours(2));
  o->add_categories("court-report");
  *o->add_recipients() = Role("court");
  sh::CourtOrder order;
  grpc::Status s = sharing_->CreateCourtOrder(Ctx(T("dana")).get(), req, &order);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(order.state(), sh::CourtOrder::STATE_ACTIVE);

  Decision report = Decide(Check("joan", kLeo, "court-report", sh::PURPOSE_COURT_PROCEEDINGS));
  EXPECT_EQ(report.decision(), Decision::DECISION_PERMIT) << report.explanation();
  EXPECT_EQ(report.basis(), sh::ACCESS_BASIS_COURT_ORDER);
  EXPECT_EQ(report.basis_resource(), order.name());

  Decision notes = Decide(Check("joan", kLeo, "mental-health", sh::PURPOSE_COURT_PROCEEDINGS));
  EXPECT_EQ(notes.decision(), Decision::DECISION_DENY);
  ASSERT_EQ(notes.considered_size(), 1);
  EXPECT_EQ(notes.considered(0).outcome(), sh::Consideration::OUTCOME_CATEGORY_NOT_COVERED);
  // The progress notes stay with the treating team.
  Decision treating = Decide(Check("theo", kLeo, "mental-health", sh::PURPOSE_TREATMENT));
  EXPECT_EQ(treating.decision(), Decision::DECISION_PERMIT);
  EXPECT_EQ(treating.basis(), sh::ACCESS_BASIS_TREATING_TEAM);
  // Someone with no relation to the case is denied even general information.
  EXPECT_EQ(Decide(Check("sid", kLeo, "general", sh::PURPOSE_CASE_PLANNING)).decision(),
            Decision::DECISION_DENY);
  EXPECT_EQ(Decide(Check("dana", kLeo, "general", sh::PURPOSE_CASE_PLANNING)).basis(),
            sh::ACCESS_BASIS_CASE_ROLE_DEFAULT);
}

TEST_F(DecisionTest, PsychotherapyNotesOnlyToTheirAuthor) {
  sh::CheckAccessRequest own = Check("theo", kLeo, "psychotherapy-notes", sh::PURPOSE_TREATMENT);
  own.set_author("people/theo");
  Decision mine = Decide(own);
  EXPECT_EQ(mine.decision(), Decision::DECISION_PERMIT);
  EXPECT_EQ(mine.basis(), sh::ACCESS_BASIS_AUTHORSHIP);
  for (const std::string& who : {"dana", "ursula", "joan"}) {
    sh::CheckAccessRequest other = Check(who, kLeo, "psychotherapy-notes", sh::PURPOSE_TREATMENT);
    other.set_author("people/theo");
    EXPECT_EQ(Decide(other).decision(), Decision::DECISION_DENY) << who;
  }
}

TEST_F(DecisionTest, AccountingListsExactlyThePermittedDisclosuresWithAValidChain) {
  sh::ConsentDirective consent;
  ASSERT_TRUE(CreateConsent(Part2Consent(), &consent).ok());
  sh::CheckAccessRequest permitted =
      Check("dana", kBea, "substance-use-part2", sh::PURPOSE_CASE_PLANNING);
  permitted.set_record(true);
  permitted.set_author("people/ursula");
  permitted.set_resource("cases/rivera/notes/n1");
  Decision first = Decide(permitted);
  ASSERT_EQ(first.decision(), Decision::DECISION_PERMIT);
  EXPECT_FALSE(first.disclosure().empty());
  sh::CheckAccessRequest denied = permitted;
  denied.set_requester("people/gail");
  EXPECT_EQ(Decide(denied).decision(), Decision::DECISION_DENY);
  // Not sensitive: not recorded.
  sh::CheckAccessRequest general = Check("dana", kBea, "general", sh::PURPOSE_CASE_PLANNING);
  general.set_record(true);
  EXPECT_TRUE(Decide(general).disclosure().empty());
  clock_.Advance(absl::Minutes(1));
  Decision second = Decide(permitted);
  // One made outside a check.
  sh::RecordDisclosureRequest paper;
  sh::Disclosure* d = paper.mutable_disclosure();
  d->set_case_(kCase);
  d->set_subject(kBea);
  d->set_category("substance-use-part2");
  d->set_recipient("organizations/court");
  d->set_basis(sh::ACCESS_BASIS_CONSENT_DIRECTIVE);
  d->set_basis_resource(consent.name());
  d->set_purpose(sh::PURPOSE_COURT_PROCEEDINGS);
  d->set_description("progress letter released on paper");
  sh::Disclosure recorded;
  grpc::Status s = sharing_->RecordDisclosure(Ctx(T("ursula")).get(), paper, &recorded);
  ASSERT_TRUE(s.ok()) << s.error_message();

  std::vector<sh::Disclosure> list = Disclosures(kBea);
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list[0].name(), first.disclosure());
  EXPECT_EQ(list[1].name(), second.disclosure());
  EXPECT_EQ(list[2].name(), recorded.name());
  EXPECT_EQ(list[0].recipient(), "people/dana");
  EXPECT_EQ(list[0].discloser(), "people/ursula");
  EXPECT_EQ(list[0].basis(), sh::ACCESS_BASIS_CONSENT_DIRECTIVE);
  EXPECT_EQ(list[0].basis_resource(), consent.name());
  std::string previous;
  for (size_t i = 0; i < list.size(); ++i) {
    EXPECT_EQ(list[i].sequence(), static_cast<int64_t>(i + 1));
    sh::Disclosure bare = list[i];
    bare.clear_chain_hash();
    EXPECT_EQ(list[i].chain_hash(), Sha256Hex(previous + bare.SerializeAsString())) << i;
    previous = list[i].chain_hash();
  }
  EXPECT_EQ(Disclosures("", kCase).size(), 3u);
  // A period: only the one before the clock moved.
  sh::ListDisclosuresRequest period;
  period.set_subject(kBea);
  *period.mutable_end_time() = At(clock_.Now() - absl::Seconds(30));
  sh::ListDisclosuresResponse early;
  ASSERT_TRUE(sharing_->ListDisclosures(Ctx(T("dana")).get(), period, &early).ok());
  ASSERT_EQ(early.disclosures_size(), 1);
  EXPECT_EQ(early.disclosures(0).name(), first.disclosure());
  // The subject may read her own accounting; a stranger may not.
  sh::ListDisclosuresResponse own;
  EXPECT_TRUE(sharing_->ListDisclosures(Ctx(T("bea")).get(), period, &own).ok());
  EXPECT_EQ(sharing_->ListDisclosures(Ctx(T("sid")).get(), period, &own).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(DecisionTest, ParentWithoutCustodyCannotConsent) {
  sh::CreateConsentRequest req = ShortConsent();
  sh::ConsentDirective* c = req.mutable_consent();
  c->set_subject(kLeo);
  c->mutable_consenter()->set_authority(sh::Consenter::AUTHORITY_PARENT);
  c->mutable_consenter()->set_subject(kBea);
  sh::ConsentDirective out;
  grpc::Status s = CreateConsent(req, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << s.error_message();
  // The agency holding custody may.
  c->mutable_consenter()->set_authority(sh::Consenter::AUTHORITY_CUSTODIAL_AGENCY);
  c->mutable_consenter()->clear_subject();
  c->mutable_consenter()->set_organization("organizations/sunrise");
  c->mutable_consenter()->set_display_name("Sunrise Family Services");
  s = CreateConsent(req, &out);
  EXPECT_TRUE(s.ok()) << s.error_message();
  // A minor may not consent for anything but Part 2 records.
  c->mutable_consenter()->set_authority(sh::Consenter::AUTHORITY_MINOR_SELF_CONSENT);
  c->mutable_consenter()->set_subject(kLeo);
  s = CreateConsent(req, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << s.error_message();
}

TEST_F(DecisionTest, StrangerIsDenied) {
  sh::ConsentDirective out;
  EXPECT_EQ(CreateConsent(Part2Consent(), &out, T("sid")).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  sh::ListConsentsRequest list;
  list.set_case_(kCase);
  sh::ListConsentsResponse resp;
  EXPECT_EQ(sharing_->ListConsents(Ctx(T("sid")).get(), list, &resp).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  // Nobody but services and administrators asks on behalf of others.
  Decision d;
  EXPECT_EQ(sharing_
                ->CheckAccess(Ctx(T("sid")).get(),
                              Check("dana", kBea, "general", sh::PURPOSE_CASE_PLANNING), &d)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  sh::CreateCategoryRequest cat;
  cat.set_category_id("housing");
  cat.mutable_category()->set_display_name("Housing");
  sh::Category category;
  EXPECT_EQ(sharing_->CreateCategory(Ctx(T("dana")).get(), cat, &category).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_TRUE(sharing_->CreateCategory(Ctx(T("alma")).get(), cat, &category).ok());
}

TEST_F(DecisionTest, ANewCategoryIsKnownToTheNextDecision) {
  Decision d;
  grpc::Status before = sharing_->CheckAccess(
      Ctx(server_.Token("service:test", {identity::kServiceScope})).get(),
      Check("dana", kBea, "housing", sh::PURPOSE_CASE_PLANNING), &d);
  EXPECT_EQ(before.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  sh::CreateCategoryRequest cat;
  cat.set_category_id("housing");
  cat.mutable_category()->set_display_name("Housing");
  sh::Category category;
  ASSERT_TRUE(sharing_->CreateCategory(Ctx(admin_).get(), cat, &category).ok());
  // Answered, not refused as an unknown category.
  Decide(Check("dana", kBea, "housing", sh::PURPOSE_CASE_PLANNING));
}

TEST_F(DecisionTest, BadInputOnEveryRpcNamesTheFieldAndChangesNothing) {
  sh::ConsentDirective existing;
  ASSERT_TRUE(CreateConsent(Part2Consent(), &existing).ok());
  std::string dana = T("dana");
  struct Case {
    std::string field;
    std::function<grpc::Status()> call;
  };
  auto consent_with = [&](std::function<void(sh::ConsentDirective*)> edit) {
    return [this, edit, dana] {
      sh::CreateConsentRequest req = Part2Consent();
      edit(req.mutable_consent());
      sh::ConsentDirective out;
      return sharing_->CreateConsent(Ctx(dana).get(), req, &out);
    };
  };
  std::vector<Case> cases = {
      {"category_id",
       [&] {
         sh::CreateCategoryRequest r;
         r.set_category_id("X");
         r.mutable_category()->set_display_name("x");
         sh::Category o;
         return sharing_->CreateCategory(Ctx(admin_).get(), r, &o);
       }},
      {"name",
       [&] {
         sh::GetCategoryRequest r;
         r.set_name("nope");
         sh::Category o;
         return sharing_->GetCategory(Ctx(dana).get(), r, &o);
       }},
      {"page_size",
       [&] {
         sh::ListCategoriesRequest r;
         r.set_page_size(-1);
         sh::ListCategoriesResponse o;
         return sharing_->ListCategories(Ctx(dana).get(), r, &o);
       }},
      {"consent.case", consent_with([](sh::ConsentDirective* c) { c->set_case_("rivera"); })},
      {"consent.subject", consent_with([](sh::ConsentDirective* c) { c->set_subject(""); })},
      {"consent.consenter.authority",
       consent_with([](sh::ConsentDirective* c) { c->mutable_consenter()->clear_authority(); })},
      {"consent.recipients", consent_with([](sh::ConsentDirective* c) { c->clear_recipients(); })},
      {"consent.categories[0]",
       consent_with([](sh::ConsentDirective* c) { c->set_categories(0, "gossip"); })},
      {"consent.purposes", consent_with([](sh::ConsentDirective* c) { c->clear_purposes(); })},
      {"consent.signed_form.sign_time", consent_with([this](sh::ConsentDirective* c) {
         *c->mutable_signed_form()->mutable_sign_time() = At(clock_.Now() + absl::Hours(1));
       })},
      {"consent.right_to_revoke_acknowledged",
       consent_with([](sh::ConsentDirective* c) { c->set_right_to_revoke_acknowledged(false); })},
      {"consent.expire_time",
       consent_with([](sh::ConsentDirective* c) { c->clear_expire_time(); })},
      {"name",
       [&] {
         sh::GetConsentRequest r;
         r.set_name("courtOrders/x");
         sh::ConsentDirective o;
         return sharing_->GetConsent(Ctx(dana).get(), r, &o);
       }},
      {"case",
       [&] {
         sh::ListConsentsRequest r;
         sh::ListConsentsResponse o;
         return sharing_->ListConsents(Ctx(dana).get(), r, &o);
       }},
      {"revoked_by",
       [&] {
         sh::RevokeConsentRequest r;
         r.set_name(existing.name());
         sh::ConsentDirective o;
         return sharing_->RevokeConsent(Ctx(dana).get(), r, &o);
       }},
      {"court_order.docket_number",
       [&] {
         sh::CreateCourtOrderRequest r;
         r.mutable_court_order()->set_case_(kCase);
         r.mutable_court_order()->set_court("organizations/court");
         sh::CourtOrder o;
         return sharing_->CreateCourtOrder(Ctx(dana).get(), r, &o);
       }},
      {"court_order.part2_findings",
       [&] {
         sh::CreateCourtOrderRequest r;
         sh::CourtOrder* c = r.mutable_court_order();
         c->set_case_(kCase);
         c->set_court("organizations/court");
         c->set_docket_number("D-1");
         *c->mutable_order_time() = At(clock_.Now());
         c->add_categories("substance-use-part2");
         *c->add_recipients() = Role("court");
         sh::CourtOrder o;
         return sharing_->CreateCourtOrder(Ctx(dana).get(), r, &o);
       }},
      {"name",
       [&] {
         sh::GetCourtOrderRequest r;
         sh::CourtOrder o;
         return sharing_->GetCourtOrder(Ctx(dana).get(), r, &o);
       }},
      {"case",
       [&] {
         sh::ListCourtOrdersRequest r;
         sh::ListCourtOrdersResponse o;
         return sharing_->ListCourtOrders(Ctx(dana).get(), r, &o);
       }},
      {"purpose",
       [&] {
         sh::CheckAccessRequest r = Check("dana", kBea, "general", sh::PURPOSE_UNSPECIFIED);
         Decision o;
         return sharing_->CheckAccess(Ctx(dana).get(), r, &o);
       }},
      {"requests[1].subject",
       [&] {
         sh::BatchCheckAccessRequest r;
         *r.add_requests() = Check("dana", kBea, "general", sh::PURPOSE_CASE_PLANNING);
         *r.add_requests() =
             Check("dana", "cases/other/subjects/x", "general", sh::PURPOSE_CASE_PLANNING);
         r.mutable_requests(0)->set_record(true);
         sh::BatchCheckAccessResponse o;
         return sharing_->BatchCheckAccess(Ctx(dana).get(), r, &o);
       }},
      {"requests",
       [&] {
         sh::BatchCheckAccessRequest r;
         sh::BatchCheckAccessResponse o;
         return sharing_->BatchCheckAccess(Ctx(dana).get(), r, &o);
       }},
      {"disclosure.recipient",
       [&] {
         sh::RecordDisclosureRequest r;
         r.mutable_disclosure()->set_case_(kCase);
         r.mutable_disclosure()->set_subject(kBea);
         r.mutable_disclosure()->set_category("medical");
         sh::Disclosure o;
         return sharing_->RecordDisclosure(Ctx(dana).get(), r, &o);
       }},
      {"name",
       [&] {
         sh::GetDisclosureRequest r;
         r.set_name("disclosures/");
         sh::Disclosure o;
         return sharing_->GetDisclosure(Ctx(dana).get(), r, &o);
       }},
      {"end_time",
       [&] {
         sh::ListDisclosuresRequest r;
         r.set_subject(kBea);
         *r.mutable_start_time() = At(clock_.Now());
         *r.mutable_end_time() = At(clock_.Now() - absl::Hours(1));
         sh::ListDisclosuresResponse o;
         return sharing_->ListDisclosures(Ctx(dana).get(), r, &o);
       }},
  };
  for (const Case& c : cases) {
    grpc::Status s = c.call();
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << c.field << ": " << s.error_message();
    EXPECT_THAT(s.error_message(), ::testing::StartsWith(c.field)) << s.error_message();
  }
  std::vector<sh::ConsentDirective> after = Consents();
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[0].etag(), existing.etag());
  EXPECT_TRUE(Disclosures(kBea).empty());
}

TEST_F(DecisionTest, RestartKeepsConsentsRevocationsAndDisclosures) {
  sh::ConsentDirective kept, revoked;
  ASSERT_TRUE(CreateConsent(Part2Consent(), &kept).ok());
  ASSERT_TRUE(CreateConsent(ShortConsent(), &revoked).ok());
  sh::RevokeConsentRequest revoke;
  revoke.set_name(revoked.name());
  revoke.set_revoked_by("Bea Rivera");
  sh::ConsentDirective out;
  ASSERT_TRUE(sharing_->RevokeConsent(Ctx(T("dana")).get(), revoke, &out).ok());
  sh::CheckAccessRequest check =
      Check("dana", kBea, "substance-use-part2", sh::PURPOSE_CASE_PLANNING);
  check.set_record(true);
  Decision d = Decide(check);
  ASSERT_FALSE(d.disclosure().empty());

  ASSERT_TRUE(server_.Restart().ok());
  Connect();
  sh::GetConsentRequest get;
  get.set_name(revoked.name());
  ASSERT_TRUE(sharing_->GetConsent(Ctx(T("dana")).get(), get, &out).ok());
  EXPECT_EQ(out.state(), sh::ConsentDirective::STATE_REVOKED);
  EXPECT_EQ(out.revocation().revoked_by(), "Bea Rivera");
  get.set_name(kept.name());
  ASSERT_TRUE(sharing_->GetConsent(Ctx(T("dana")).get(), get, &out).ok());
  EXPECT_EQ(out.state(), sh::ConsentDirective::STATE_ACTIVE);
  std::vector<sh::Disclosure> list = Disclosures(kBea);
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].name(), d.disclosure());
  // The chain continues after the restart.
  Decision again = Decide(check);
  list = Disclosures(kBea);
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[1].sequence(), 2);
  sh::Disclosure bare = list[1];
  bare.clear_chain_hash();
  EXPECT_EQ(list[1].chain_hash(), Sha256Hex(list[0].chain_hash() + bare.SerializeAsString()));
}

TEST_F(DecisionTest, BatchCheckAccessAnswersInOrder) {
  sh::ConsentDirective consent;
  ASSERT_TRUE(CreateConsent(Part2Consent(), &consent).ok());
  sh::BatchCheckAccessRequest req;
  *req.add_requests() = Check("dana", kBea, "substance-use-part2", sh::PURPOSE_CASE_PLANNING);
  *req.add_requests() = Check("gail", kBea, "substance-use-part2", sh::PURPOSE_CASE_PLANNING);
  *req.add_requests() = Check("dana", kLeo, "general", sh::PURPOSE_CASE_PLANNING);
  *req.add_requests() = Check("dana", kLeo, "mental-health", sh::PURPOSE_CASE_PLANNING);
  *req.add_requests() = Check("theo", kLeo, "mental-health", sh::PURPOSE_TREATMENT);
  sh::BatchCheckAccessResponse resp;
  grpc::Status s = sharing_->BatchCheckAccess(
      Ctx(server_.Token("service:test", {identity::kServiceScope})).get(), req, &resp);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_EQ(resp.responses_size(), 5);
  EXPECT_EQ(resp.responses(0).basis(), sh::ACCESS_BASIS_CONSENT_DIRECTIVE);
  EXPECT_EQ(resp.responses(1).decision(), Decision::DECISION_DENY);
  EXPECT_EQ(resp.responses(2).basis(), sh::ACCESS_BASIS_CASE_ROLE_DEFAULT);
  EXPECT_EQ(resp.responses(3).decision(), Decision::DECISION_DENY);
  EXPECT_EQ(resp.responses(4).basis(), sh::ACCESS_BASIS_TREATING_TEAM);
}

}  // namespace
}  // namespace samepage
