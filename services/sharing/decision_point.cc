#include "services/sharing/decision_point.h"

#include <deque>
#include <map>
#include <memory>
#include <set>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/audit/hash_chain.h"
#include "common/clock/time_util.h"
#include "common/status/status_macros.h"
#include "common/storage/page_token.h"
#include "common/storage/records.h"
#include "common/validation/validation.h"
#include "services/sharing/decide.h"
#include "services/sharing/sharing_events.h"

namespace samepage::sharing {
namespace {

namespace val = ::samepage::validation;
namespace reg = ::samepage::registry::v1;
using identity::Caller;
using storage::Batch;
using storage::IdOf;
using storage::ReadView;

constexpr char kServerActor[] = "services/sharing";
constexpr int kMaxBatch = 500;

constexpr char kPart2Notice[] =
    "This record which has been disclosed to you is protected by federal confidentiality rules "
    "(42 CFR part 2). These rules prohibit you from using or disclosing this record, or testimony "
    "that describes the information contained in this record, in any civil, criminal, "
    "administrative, or legislative proceedings by any Federal, State, or local authority, "
    "against the patient, unless authorized by the consent of the patient, except as provided at "
    "42 CFR 2.12(c)(5) or as authorized by a court in accordance with 42 CFR 2.64 or 2.65. In "
    "addition, the federal rules prohibit you from making any other use or disclosure of this "
    "record unless at least one of the following applies: (i) Further use or disclosure is "
    "expressly permitted by the written consent of the individual whose information is being "
    "disclosed in this record or as otherwise permitted by 42 CFR part 2. (ii) You are a covered "
    "entity or business associate and have received the record for treatment, payment, or health "
    "care operations, or (iii) You have received the record from a covered entity or business "
    "associate as permitted by 45 CFR part 164, subparts A and E. A general authorization for the "
    "release of medical or other information is NOT sufficient to meet the required elements of "
    "written consent to further use or redisclose the record (see 42 CFR 2.31).";

const std::vector<std::string>& ProfessionalRoles() {
  static const auto* roles = new std::vector<std::string>{"investigator",
                                                          "dependency-case-manager",
                                                          "case-supervisor",
                                                          "therapist",
                                                          "substance-use-treatment-provider",
                                                          "family-peer-mentor",
                                                          "family-partner",
                                                          "intensive-care-coordinator",
                                                          "primary-care-provider",
                                                          "guardian-ad-litem",
                                                          "attorney",
                                                          "court"};
  return *roles;
}

struct BuiltInCategory {
  const char* id;
  const char* display_name;
  const char* description;
  bool sensitive;
  bool part2;
  bool author_only;
  bool professional_default;
  const char* notice;
};

constexpr BuiltInCategory kBuiltInCategories[] = {
    {"general", "General case information",
     "Who is on the case, contacts, schedules and other non-clinical case information.", false,
     false, false, true, ""},
    {"case-plan", "Case plan", "The case plan, its goals and tasks.", false, false, false, true,
     ""},
    {"mental-health", "Mental health",
     "Mental-health assessments, diagnoses, treatment progress notes.", true, false, false, false,
     ""},
    {"psychotherapy-notes", "Psychotherapy notes",
     "A therapist's notes of counselling sessions kept apart from the record (45 CFR 164.501).",
     true, false, true, false, ""},
    {"substance-use-part2", "Substance-use treatment (42 CFR Part 2)",
     "Records of a federally assisted substance-use disorder program.", true, true, false, false,
     kPart2Notice},
    {"medical", "Medical", "Health and medical records.", true, false, false, false, ""},
    {"education", "Education", "School and education records (FERPA).", true, false, false, false,
     ""},
    {"court-report", "Court report", "Reports and summaries prepared for the court.", true, false,
     false, false, ""},
};

absl::Status Denied(absl::string_view case_name) {
  return absl::PermissionDeniedError(absl::StrCat(
      case_name,
      ": you are not on this case's team, a supervisor of a member, or an administrator of its "
      "lead agency"));
}

// A page of results from an index scan: stops after `size` matches and
// remembers where to resume.
struct Pager {
  int size;
  int count = 0;
  std::string last_key;
  std::string resume;
  // Call for every key consumed; returns false when the page is full.
  bool Before(absl::string_view key) {
    if (count == size) {
      resume = last_key;
      return false;
    }
    last_key = std::string(key);
    return true;
  }
};

// A disclosure's chain hash: SHA-256 (lower-case hex) over the previous
// entry's chain hash followed by this entry serialised without its own hash
// (the same chain as every service's audit trail).
std::string ChainHash(const std::string& previous, v1::Disclosure d) {
  d.clear_chain_hash();
  return audit::ChainHash(previous, d.SerializeAsString());
}

}  // namespace

std::vector<std::string> DecisionPoint::ColumnFamilies() { return DecisionStore::ColumnFamilies(); }

DecisionPoint::DecisionPoint(storage::Store* store, const Clock* clock, Peers* peers)
    : store_(store), clock_(clock), peers_(peers) {}

absl::Status DecisionPoint::Init() {
  RETURN_IF_ERROR(SeedBuiltInCategories());
  ASSIGN_OR_RETURN(Catalog catalog, LoadCatalog(store_->reader()));
  absl::MutexLock lock(&catalog_mu_);
  catalog_ = std::make_shared<const Catalog>(std::move(catalog));
  return absl::OkStatus();
}

absl::Status DecisionPoint::SeedBuiltInCategories() {
  return store_->Transact([&](const ReadView& view, Batch& batch) -> absl::Status {
    for (const BuiltInCategory& b : kBuiltInCategories) {
      ASSIGN_OR_RETURN(std::optional<v1::Category> existing, data_.GetCategory(view, b.id));
      if (existing.has_value()) continue;
      v1::Category c;
      c.set_name(absl::StrCat("categories/", b.id));
      c.set_display_name(b.display_name);
      c.set_description(b.description);
      c.set_sensitive(b.sensitive);
      c.set_part2(b.part2);
      c.set_author_only(b.author_only);
      if (b.professional_default) {
        for (const std::string& r : ProfessionalRoles()) c.add_default_case_roles(r);
      }
      c.set_redisclosure_notice(b.notice);
      c.set_built_in(true);
      *c.mutable_create_time() = ToProtoTime(clock_->Now());
      data_.PutCategory(batch, c);
      v1::Event event = NewEvent(kServerActor, v1::Event::TYPE_CATEGORY_CREATED, c.name());
      *event.mutable_category() = c;
      AppendEvent(batch, event);
    }
    return absl::OkStatus();
  });
}

v1::Event DecisionPoint::NewEvent(const std::string& actor, v1::Event::Type type,
                                  const std::string& resource) const {
  v1::Event event;
  event.set_type(type);
  *event.mutable_event_time() = ToProtoTime(clock_->Now());
  event.set_actor(actor);
  event.set_resource(resource);
  return event;
}

v1::ConsentDirective DecisionPoint::Present(v1::ConsentDirective c) const {
  c.set_state(ConsentStateAt(c, clock_->Now(), /*case_closed=*/false));
  return c;
}

v1::CourtOrder DecisionPoint::Present(v1::CourtOrder o) const {
  o.set_state(CourtOrderStateAt(o, clock_->Now(), /*case_closed=*/false));
  return o;
}

absl::StatusOr<Catalog> DecisionPoint::LoadCatalog(const ReadView& view) const {
  Catalog catalog;
  RETURN_IF_ERROR(data_.ScanCategories(view, "", [&](absl::string_view, const v1::Category& c) {
    catalog[IdOf(c.name())] = c;
    return true;
  }));
  return catalog;
}

absl::StatusOr<std::shared_ptr<const Catalog>> DecisionPoint::CurrentCatalog() {
  {
    absl::MutexLock lock(&catalog_mu_);
    if (catalog_ != nullptr) return catalog_;
  }
  // Only before Init has run: read it from the store.
  ASSIGN_OR_RETURN(Catalog catalog, LoadCatalog(store_->reader()));
  return std::make_shared<const Catalog>(std::move(catalog));
}

absl::Status DecisionPoint::RequireOnCase(const Caller& caller, const std::string& case_name) {
  if (caller.service || caller.platform_admin) return absl::OkStatus();
  std::string me = caller.PersonName();
  if (me.empty()) return Denied(case_name);
  absl::StatusOr<reg::CheckCaseAccessResponse> access = peers_->CaseAccess(case_name, me);
  if (absl::IsNotFound(access.status()) || absl::IsPermissionDenied(access.status())) {
    return Denied(case_name);
  }
  if (!access.ok()) return access.status();
  if (!access->allowed()) return Denied(case_name);
  return absl::OkStatus();
}

// --- Categories --------------------------------------------------------------

absl::StatusOr<v1::Category> DecisionPoint::CreateCategory(const Caller& caller,
                                                           const v1::CreateCategoryRequest& req) {
  RETURN_IF_ERROR(ValidateCategory(req));
  bool admin = caller.platform_admin;
  if (!admin && !caller.PersonName().empty()) {
    absl::StatusOr<directory::v1::Person> me = peers_->GetPerson(caller.PersonName());
    if (!me.ok() && !absl::IsNotFound(me.status())) return me.status();
    admin = me.ok() && me->administrator() && me->state() != directory::v1::Person::STATE_DEPARTED;
  }
  if (!admin) {
    return absl::PermissionDeniedError("only administrators may add categories to the catalog");
  }
  v1::Category c = req.category();
  c.set_name(absl::StrCat("categories/", req.category_id()));
  c.set_built_in(false);
  *c.mutable_create_time() = ToProtoTime(clock_->Now());
  RETURN_IF_ERROR(store_->Transact([&](const ReadView& view, Batch& batch) -> absl::Status {
    ASSIGN_OR_RETURN(std::optional<v1::Category> existing,
                     data_.GetCategory(view, req.category_id()));
    if (existing.has_value()) {
      return absl::AlreadyExistsError(absl::StrCat(c.name(), ": already exists"));
    }
    data_.PutCategory(batch, c);
    v1::Event event = NewEvent(caller.subject, v1::Event::TYPE_CATEGORY_CREATED, c.name());
    *event.mutable_category() = c;
    AppendEvent(batch, event);
    return absl::OkStatus();
  }));
  // Durable now; decisions from here on must know the category. Copied on
  // write, so that decisions in flight keep the catalog they started with.
  {
    absl::MutexLock lock(&catalog_mu_);
    if (catalog_ != nullptr) {
      auto next = std::make_shared<Catalog>(*catalog_);
      (*next)[req.category_id()] = c;
      catalog_ = std::move(next);
    }
  }
  return c;
}

absl::StatusOr<v1::Category> DecisionPoint::GetCategory(const Caller&,
                                                        const v1::GetCategoryRequest& req) {
  ASSIGN_OR_RETURN(std::string id, val::ParseName("name", req.name(), "categories"));
  // From the catalog in memory, which changes only after a category's write
  // is durable: a note's every write asks for its category.
  ASSIGN_OR_RETURN(std::shared_ptr<const Catalog> catalog, CurrentCatalog());
  auto it = catalog->find(id);
  if (it == catalog->end()) return absl::NotFoundError(absl::StrCat(req.name(), ": not found"));
  return it->second;
}

absl::StatusOr<v1::ListCategoriesResponse> DecisionPoint::ListCategories(
    const Caller&, const v1::ListCategoriesRequest& req) {
  ASSIGN_OR_RETURN(int size, storage::ResolvePageSize(req.page_size()));
  constexpr char kFingerprint[] = "categories";
  std::string after;
  if (!req.page_token().empty()) {
    ASSIGN_OR_RETURN(after, storage::DecodePageToken(req.page_token(), kFingerprint));
  }
  v1::ListCategoriesResponse response;
  Pager pager{size};
  RETURN_IF_ERROR(data_.ScanCategories(store_->reader(), after,
                                       [&](absl::string_view key, const v1::Category& c) {
                                         if (!pager.Before(key)) return false;
                                         *response.add_categories() = c;
                                         ++pager.count;
                                         return true;
                                       }));
  if (!pager.resume.empty()) {
    response.set_next_page_token(storage::EncodePageToken(pager.resume, kFingerprint));
  }
  return response;
}

// --- Consent directives ------------------------------------------------------

absl::StatusOr<v1::ConsentDirective> DecisionPoint::CreateConsent(
    const Caller& caller, const v1::CreateConsentRequest& req) {
  if (!req.has_consent()) return absl::InvalidArgumentError("consent: must be set");
  if (!req.consent_id().empty()) RETURN_IF_ERROR(val::ResourceId("consent_id", req.consent_id()));
  absl::Time now = clock_->Now();
  ASSIGN_OR_RETURN(std::shared_ptr<const Catalog> shared_catalog, CurrentCatalog());
  const Catalog& catalog = *shared_catalog;
  RETURN_IF_ERROR(ValidateConsent(req.consent(), catalog, now));
  const std::string& case_name = req.consent().case_();
  RETURN_IF_ERROR(RequireOnCase(caller, case_name));
  absl::StatusOr<reg::Case> case_record = peers_->GetCase(case_name);
  if (absl::IsNotFound(case_record.status())) {
    return absl::NotFoundError(absl::StrCat(case_name, ": not found"));
  }
  if (!case_record.ok()) return case_record.status();
  RETURN_IF_ERROR(CheckConsenterAuthority(req.consent(), *case_record, catalog));

  v1::ConsentDirective c = req.consent();
  c.clear_state();
  c.clear_revocation();
  c.clear_expiration_event_time();
  std::string id = req.consent_id().empty() ? storage::NewResourceId("c") : req.consent_id();
  c.set_name(absl::StrCat("consents/", id));
  if (!c.has_start_time()) *c.mutable_start_time() = ToProtoTime(now);
  c.set_creator(caller.subject);
  *c.mutable_create_time() = ToProtoTime(now);
  *c.mutable_update_time() = ToProtoTime(now);
  RETURN_IF_ERROR(store_->Transact([&](const ReadView& view, Batch& batch) -> absl::Status {
    ASSIGN_OR_RETURN(std::optional<v1::ConsentDirective> existing, data_.GetConsent(view, id));
    if (existing.has_value()) {
      return absl::AlreadyExistsError(absl::StrCat(c.name(), ": already exists"));
    }
    c.set_etag(storage::EtagFor(batch.next_revision()));
    data_.PutConsent(batch, c, /*is_new=*/true);
    if (c.has_expire_time()) {
      data_.PutExpiry(batch, FromProtoTime(c.expire_time()), DecisionStore::kConsentKind, id);
    }
    v1::Event event = NewEvent(caller.subject, v1::Event::TYPE_CONSENT_CREATED, c.name());
    *event.mutable_consent() = Present(c);
    AppendEvent(batch, event);
    return absl::OkStatus();
  }));
  return Present(c);
}

absl::StatusOr<v1::ConsentDirective> DecisionPoint::GetConsent(const Caller& caller,
                                                               const v1::GetConsentRequest& req) {
  ASSIGN_OR_RETURN(std::string id, val::ParseName("name", req.name(), "consents"));
  ASSIGN_OR_RETURN(std::optional<v1::ConsentDirective> c, data_.GetConsent(store_->reader(), id));
  if (!c.has_value()) return absl::NotFoundError(absl::StrCat(req.name(), ": not found"));
  RETURN_IF_ERROR(RequireOnCase(caller, c->case_()));
  return Present(*c);
}

absl::StatusOr<v1::ListConsentsResponse> DecisionPoint::ListConsents(
    const Caller& caller, const v1::ListConsentsRequest& req) {
  ASSIGN_OR_RETURN(int size, storage::ResolvePageSize(req.page_size()));
  std::string case_name;
  if (!req.case_().empty()) {
    RETURN_IF_ERROR(val::ParseName("case", req.case_(), "cases").status());
    case_name = req.case_();
  }
  if (!req.subject().empty()) {
    std::string subject_case;
    RETURN_IF_ERROR(ParseSubject("subject", req.subject(), &subject_case));
    if (!case_name.empty() && subject_case != case_name) {
      return absl::InvalidArgumentError(absl::StrCat("subject: must be a subject of ", case_name));
    }
    case_name = subject_case;
  }
  if (case_name.empty()) return absl::InvalidArgumentError("case: give a case or a subject");
  if (!v1::ConsentDirective::State_IsValid(req.state())) {
    return absl::InvalidArgumentError("state: unknown value");
  }
  std::string fingerprint =
      absl::StrCat("consents|", req.case_(), "|", req.subject(), "|", req.state());
  std::string after;
  if (!req.page_token().empty()) {
    ASSIGN_OR_RETURN(after, storage::DecodePageToken(req.page_token(), fingerprint));
  }
  RETURN_IF_ERROR(RequireOnCase(caller, case_name));
  v1::ListConsentsResponse response;
  Pager pager{size};
  bool by_subject = !req.subject().empty();
  auto snapshot = store_->Snapshot();
  RETURN_IF_ERROR(data_.ScanConsents(*snapshot, by_subject ? req.subject() : IdOf(case_name),
                                     by_subject, after,
                                     [&](absl::string_view key, const v1::ConsentDirective& c) {
                                       if (!pager.Before(key)) return false;
                                       v1::ConsentDirective shown = Present(c);
                                       if (req.state() == v1::ConsentDirective::STATE_UNSPECIFIED ||
                                           shown.state() == req.state()) {
                                         *response.add_consents() = std::move(shown);
                                         ++pager.count;
                                       }
                                       return true;
                                     }));
  if (!pager.resume.empty()) {
    response.set_next_page_token(storage::EncodePageToken(pager.resume, fingerprint));
  }
  return response;
}

absl::StatusOr<v1::ConsentDirective> DecisionPoint::RevokeConsent(
    const Caller& caller, const v1::RevokeConsentRequest& req) {
  ASSIGN_OR_RETURN(std::string id, val::ParseName("name", req.name(), "consents"));
  RETURN_IF_ERROR(val::RequiredMaxLength("revoked_by", req.revoked_by(), 200));
  RETURN_IF_ERROR(val::MaxLength("reason", req.reason(), 1000));
  RETURN_IF_ERROR(val::MaxLength("reference", req.reference(), 1000));
  ASSIGN_OR_RETURN(std::optional<v1::ConsentDirective> found,
                   data_.GetConsent(store_->reader(), id));
  if (!found.has_value()) return absl::NotFoundError(absl::StrCat(req.name(), ": not found"));
  RETURN_IF_ERROR(RequireOnCase(caller, found->case_()));
  v1::ConsentDirective c;
  RETURN_IF_ERROR(store_->Transact([&](const ReadView& view, Batch& batch) -> absl::Status {
    ASSIGN_OR_RETURN(std::optional<v1::ConsentDirective> current, data_.GetConsent(view, id));
    if (!current.has_value()) return absl::NotFoundError(absl::StrCat(req.name(), ": not found"));
    RETURN_IF_ERROR(storage::CheckEtag("etag", req.etag(), current->etag()));
    if (current->has_revocation()) {
      return absl::FailedPreconditionError(
          absl::StrCat(req.name(), ": already revoked by ", current->revocation().revoked_by()));
    }
    c = *std::move(current);
    // The revocation takes effect at the commit: decisions read the latest
    // committed state, so every decision after this returns sees it.
    absl::Time now = clock_->Now();
    v1::Revocation* r = c.mutable_revocation();
    r->set_revoked_by(req.revoked_by());
    *r->mutable_revoke_time() = ToProtoTime(now);
    r->set_reason(req.reason());
    r->set_recorded_by(caller.subject);
    r->set_reference(req.reference());
    *c.mutable_update_time() = ToProtoTime(now);
    c.set_etag(storage::EtagFor(batch.next_revision()));
    data_.PutConsent(batch, c, /*is_new=*/false);
    v1::Event event = NewEvent(caller.subject, v1::Event::TYPE_CONSENT_REVOKED, c.name());
    *event.mutable_consent() = Present(c);
    AppendEvent(batch, event);
    return absl::OkStatus();
  }));
  return Present(c);
}

// --- Court orders ------------------------------------------------------------

absl::StatusOr<v1::CourtOrder> DecisionPoint::CreateCourtOrder(
    const Caller& caller, const v1::CreateCourtOrderRequest& req) {
  if (!req.has_court_order()) return absl::InvalidArgumentError("court_order: must be set");
  if (!req.court_order_id().empty()) {
    RETURN_IF_ERROR(val::ResourceId("court_order_id", req.court_order_id()));
  }
  absl::Time now = clock_->Now();
  ASSIGN_OR_RETURN(std::shared_ptr<const Catalog> shared_catalog, CurrentCatalog());
  const Catalog& catalog = *shared_catalog;
  RETURN_IF_ERROR(ValidateCourtOrder(req.court_order(), catalog, now));
  const std::string& case_name = req.court_order().case_();
  RETURN_IF_ERROR(RequireOnCase(caller, case_name));
  absl::StatusOr<reg::Case> case_record = peers_->GetCase(case_name);
  if (absl::IsNotFound(case_record.status())) {
    return absl::NotFoundError(absl::StrCat(case_name, ": not found"));
  }
  if (!case_record.ok()) return case_record.status();
  for (int i = 0; i < req.court_order().subjects_size(); ++i) {
    bool known = false;
    for (const reg::CaseSubject& s : case_record->subjects()) {
      known = known || s.name() == req.court_order().subjects(i);
    }
    if (!known) {
      return absl::InvalidArgumentError(absl::StrCat("court_order.subjects[", i,
                                                     "]: ", req.court_order().subjects(i),
                                                     " is not a subject of ", case_name));
    }
  }
  v1::CourtOrder o = req.court_order();
  o.clear_state();
  std::string id =
      req.court_order_id().empty() ? storage::NewResourceId("o") : req.court_order_id();
  o.set_name(absl::StrCat("courtOrders/", id));
  if (!o.has_start_time()) *o.mutable_start_time() = o.order_time();
  o.set_creator(caller.subject);
  *o.mutable_create_time() = ToProtoTime(now);
  *o.mutable_update_time() = ToProtoTime(now);
  RETURN_IF_ERROR(store_->Transact([&](const ReadView& view, Batch& batch) -> absl::Status {
    ASSIGN_OR_RETURN(std::optional<v1::CourtOrder> existing, data_.GetCourtOrder(view, id));
    if (existing.has_value()) {
      return absl::AlreadyExistsError(absl::StrCat(o.name(), ": already exists"));
    }
    o.set_etag(storage::EtagFor(batch.next_revision()));
    data_.PutCourtOrder(batch, o, /*is_new=*/true);
    if (o.has_expire_time()) {
      data_.PutExpiry(batch, FromProtoTime(o.expire_time()), DecisionStore::kCourtOrderKind, id);
    }
    v1::Event event = NewEvent(caller.subject, v1::Event::TYPE_COURT_ORDER_CREATED, o.name());
    *event.mutable_court_order() = Present(o);
    AppendEvent(batch, event);
    return absl::OkStatus();
  }));
  return Present(o);
}

absl::StatusOr<v1::CourtOrder> DecisionPoint::GetCourtOrder(const Caller& caller,
                                                            const v1::GetCourtOrderRequest& req) {
  ASSIGN_OR_RETURN(std::string id, val::ParseName("name", req.name(), "courtOrders"));
  ASSIGN_OR_RETURN(std::optional<v1::CourtOrder> o, data_.GetCourtOrder(store_->reader(), id));
  if (!o.has_value()) return absl::NotFoundError(absl::StrCat(req.name(), ": not found"));
  RETURN_IF_ERROR(RequireOnCase(caller, o->case_()));
  return Present(*o);
}

absl::StatusOr<v1::ListCourtOrdersResponse> DecisionPoint::ListCourtOrders(
    const Caller& caller, const v1::ListCourtOrdersRequest& req) {
  ASSIGN_OR_RETURN(int size, storage::ResolvePageSize(req.page_size()));
  ASSIGN_OR_RETURN(std::string case_id, val::ParseName("case", req.case_(), "cases"));
  if (!v1::CourtOrder::State_IsValid(req.state())) {
    return absl::InvalidArgumentError("state: unknown value");
  }
  std::string fingerprint = absl::StrCat("court_orders|", req.case_(), "|", req.state());
  std::string after;
  if (!req.page_token().empty()) {
    ASSIGN_OR_RETURN(after, storage::DecodePageToken(req.page_token(), fingerprint));
  }
  RETURN_IF_ERROR(RequireOnCase(caller, req.case_()));
  v1::ListCourtOrdersResponse response;
  Pager pager{size};
  auto snapshot = store_->Snapshot();
  RETURN_IF_ERROR(data_.ScanCourtOrders(
      *snapshot, case_id, after, [&](absl::string_view key, const v1::CourtOrder& o) {
        if (!pager.Before(key)) return false;
        v1::CourtOrder shown = Present(o);
        if (req.state() == v1::CourtOrder::STATE_UNSPECIFIED || shown.state() == req.state()) {
          *response.add_court_orders() = std::move(shown);
          ++pager.count;
        }
        return true;
      }));
  if (!pager.resume.empty()) {
    response.set_next_page_token(storage::EncodePageToken(pager.resume, fingerprint));
  }
  return response;
}

// --- Decisions ---------------------------------------------------------------

v1::Disclosure DecisionPoint::AppendDisclosure(Batch& batch, v1::Disclosure d,
                                               std::optional<v1::Disclosure>& head) const {
  int64_t sequence = head.has_value() ? head->sequence() + 1 : 1;
  d.set_name(absl::StrFormat("disclosures/d%012d", sequence));
  d.set_sequence(sequence);
  d.set_chain_hash(ChainHash(head.has_value() ? head->chain_hash() : "", d));
  data_.PutDisclosure(batch, d);
  v1::Event event = NewEvent(d.recorded_by(), v1::Event::TYPE_DISCLOSURE_RECORDED, d.name());
  *event.mutable_disclosure() = d;
  AppendEvent(batch, event);
  head = d;
  return d;
}

absl::StatusOr<v1::BatchCheckAccessResponse> DecisionPoint::DecideChecks(
    const Caller& caller, absl::Span<const v1::CheckAccessRequest* const> items, bool batch_call) {
  // Validate every item first: an invalid one fails the call, nothing changes.
  std::vector<const v1::CheckAccessRequest*> requests(items.begin(), items.end());
  // Copies of the items that name no requester, with the caller filled in.
  std::deque<v1::CheckAccessRequest> completed;
  for (size_t i = 0; i < requests.size(); ++i) {
    std::string prefix = batch_call ? absl::StrCat("requests[", i, "].") : "";
    RETURN_IF_ERROR(ValidateCheck(*requests[i], prefix));
    if (requests[i]->requester().empty()) {
      if (caller.PersonName().empty()) {
        return absl::InvalidArgumentError(
            absl::StrCat(prefix, "requester: required when the caller is not a person"));
      }
      completed.push_back(*requests[i]);
      completed.back().set_requester(caller.PersonName());
      requests[i] = &completed.back();
    }
    if (requests[i]->requester() != caller.PersonName() && !caller.service &&
        !caller.platform_admin) {
      return absl::PermissionDeniedError(absl::StrCat(
          prefix,
          "requester: only SamePage services and platform administrators may ask about "
          "others"));
    }
  }
  ASSIGN_OR_RETURN(std::shared_ptr<const Catalog> shared_catalog, CurrentCatalog());
  const Catalog& catalog = *shared_catalog;
  for (size_t i = 0; i < requests.size(); ++i) {
    if (catalog.count(requests[i]->category()) == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(batch_call ? absl::StrCat("requests[", i, "].") : "", "category: \"",
                       requests[i]->category(), "\" is not a category in the catalog"));
    }
  }
  // One registry lookup per distinct (case, requester); the directory only
  // when an organisation party needs it, once per requester.
  std::map<std::pair<std::string, std::string>, RequesterFacts> facts;
  std::map<std::string, std::optional<directory::v1::Person>> people;
  absl::Status peer_error = absl::OkStatus();
  auto person_of = [&](const std::string& name) -> const std::optional<directory::v1::Person>& {
    auto it = people.find(name);
    if (it != people.end()) return it->second;
    absl::StatusOr<directory::v1::Person> p = peers_->GetPerson(name);
    std::optional<directory::v1::Person> value;
    if (p.ok()) {
      value = *std::move(p);
    } else if (!absl::IsNotFound(p.status()) && peer_error.ok()) {
      peer_error = p.status();
    }
    return people.emplace(name, std::move(value)).first->second;
  };
  for (const v1::CheckAccessRequest* item : requests) {
    const v1::CheckAccessRequest& r = *item;
    auto key = std::make_pair(r.case_(), r.requester());
    if (facts.count(key) != 0) continue;
    absl::StatusOr<reg::CheckCaseAccessResponse> access =
        peers_->CaseAccess(r.case_(), r.requester());
    if (absl::IsNotFound(access.status())) {
      return absl::NotFoundError(absl::StrCat(r.case_(), ": not found"));
    }
    if (!access.ok()) return access.status();
    RequesterFacts f;
    f.person = r.requester();
    f.access = *std::move(access);
    std::string requester = r.requester();
    f.organization = [&person_of, requester]() -> std::string {
      const std::optional<directory::v1::Person>& p = person_of(requester);
      return p.has_value() ? p->organization() : "";
    };
    facts.emplace(key, std::move(f));
  }

  v1::BatchCheckAccessResponse response;
  // Set by a pass without a batch when a permitted sensitive read asks to be
  // recorded.
  bool must_record = false;
  auto decide_all = [&](const ReadView& view, Batch* batch) -> absl::Status {
    absl::Time now = clock_->Now();
    // One read of the directives and orders per case.
    std::map<std::string, std::pair<std::vector<v1::ConsentDirective>, std::vector<v1::CourtOrder>>>
        by_case;
    std::optional<v1::Disclosure> head;
    bool head_loaded = false;
    response.Clear();
    for (const v1::CheckAccessRequest* item : requests) {
      const v1::CheckAccessRequest& r = *item;
      // Not a structured binding: the lambdas below capture `it`, which
      // clang before 16 does not allow for bindings.
      const auto emplaced = by_case.try_emplace(r.case_());
      const auto it = emplaced.first;
      if (emplaced.second) {
        std::string case_id = IdOf(r.case_());
        RETURN_IF_ERROR(data_.ScanConsents(view, case_id, false, "",
                                           [&](absl::string_view, const v1::ConsentDirective& c) {
                                             it->second.first.push_back(c);
                                             return true;
                                           }));
        RETURN_IF_ERROR(data_.ScanCourtOrders(view, case_id, "",
                                              [&](absl::string_view, const v1::CourtOrder& o) {
                                                it->second.second.push_back(o);
                                                return true;
                                              }));
      }
      const v1::Category& category = catalog.at(r.category());
      DecisionInputs in{&r,
                        &category,
                        &facts.at({r.case_(), r.requester()}),
                        &it->second.first,
                        &it->second.second,
                        now};
      v1::CheckAccessResponse decision = Decide(in);
      RETURN_IF_ERROR(peer_error);
      const bool disclosed = r.record() && category.sensitive() &&
                             decision.decision() == v1::CheckAccessResponse::DECISION_PERMIT &&
                             decision.basis() != v1::ACCESS_BASIS_AUTHORSHIP;
      must_record = must_record || disclosed;
      if (batch != nullptr && disclosed) {
        if (!head_loaded) {
          ASSIGN_OR_RETURN(head, data_.DisclosureHead(view));
          head_loaded = true;
        }
        v1::Disclosure d;
        d.set_case_(r.case_());
        d.set_subject(r.subject());
        d.set_category(r.category());
        d.set_recipient(r.requester());
        const std::optional<directory::v1::Person>& p = person_of(r.requester());
        RETURN_IF_ERROR(peer_error);
        if (p.has_value()) d.set_recipient_display_name(p->display_name());
        d.set_discloser(r.author());
        d.set_resource(r.resource());
        d.set_basis(decision.basis());
        d.set_basis_resource(decision.basis_resource());
        d.set_purpose(r.purpose());
        *d.mutable_disclose_time() = ToProtoTime(now);
        d.set_recorded_by(caller.subject);
        *d.mutable_create_time() = ToProtoTime(now);
        decision.set_disclosure(AppendDisclosure(*batch, std::move(d), head).name());
      }
      *response.add_responses() = std::move(decision);
    }
    return absl::OkStatus();
  };
  // Most checks disclose nothing: they are decided on a snapshot, without
  // waiting for the writer's turn (a list of notes asks for one per note).
  {
    auto snapshot = store_->Snapshot();
    RETURN_IF_ERROR(decide_all(*snapshot, nullptr));
  }
  if (must_record) {
    // Decided again with the disclosures in one write: what is recorded is
    // exactly what was permitted against the latest committed state.
    RETURN_IF_ERROR(store_->Transact(
        [&](const ReadView& view, Batch& batch) { return decide_all(view, &batch); }));
  }
  return response;
}

absl::StatusOr<v1::CheckAccessResponse> DecisionPoint::CheckAccess(
    const Caller& caller, const v1::CheckAccessRequest& req) {
  const v1::CheckAccessRequest* one[] = {&req};
  ASSIGN_OR_RETURN(v1::BatchCheckAccessResponse response, DecideChecks(caller, one, false));
  return response.responses(0);
}

absl::StatusOr<v1::BatchCheckAccessResponse> DecisionPoint::BatchCheckAccess(
    const Caller& caller, const v1::BatchCheckAccessRequest& req) {
  if (req.requests_size() == 0) {
    return absl::InvalidArgumentError("requests: at least one check is required");
  }
  if (req.requests_size() > kMaxBatch) {
    return absl::InvalidArgumentError(
        absl::StrCat("requests: at most ", kMaxBatch, " checks per call"));
  }
  std::vector<const v1::CheckAccessRequest*> checks(req.requests().pointer_begin(),
                                                    req.requests().pointer_end());
  return DecideChecks(caller, checks, true);
}

// --- Disclosures -------------------------------------------------------------

absl::StatusOr<v1::Disclosure> DecisionPoint::RecordDisclosure(
    const Caller& caller, const v1::RecordDisclosureRequest& req) {
  if (!req.has_disclosure()) return absl::InvalidArgumentError("disclosure: must be set");
  absl::Time now = clock_->Now();
  ASSIGN_OR_RETURN(std::shared_ptr<const Catalog> shared_catalog, CurrentCatalog());
  const Catalog& catalog = *shared_catalog;
  RETURN_IF_ERROR(ValidateDisclosure(req.disclosure(), catalog, now));
  RETURN_IF_ERROR(RequireOnCase(caller, req.disclosure().case_()));
  v1::Disclosure d = req.disclosure();
  d.clear_name();
  d.clear_sequence();
  d.clear_chain_hash();
  if (!d.has_disclose_time()) *d.mutable_disclose_time() = ToProtoTime(now);
  d.set_recorded_by(caller.subject);
  *d.mutable_create_time() = ToProtoTime(now);
  v1::Disclosure out;
  RETURN_IF_ERROR(store_->Transact([&](const ReadView& view, Batch& batch) -> absl::Status {
    ASSIGN_OR_RETURN(std::optional<v1::Disclosure> head, data_.DisclosureHead(view));
    out = AppendDisclosure(batch, d, head);
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<v1::Disclosure> DecisionPoint::GetDisclosure(const Caller& caller,
                                                            const v1::GetDisclosureRequest& req) {
  ASSIGN_OR_RETURN(std::string id, val::ParseName("name", req.name(), "disclosures"));
  ASSIGN_OR_RETURN(std::optional<v1::Disclosure> d, data_.GetDisclosure(store_->reader(), id));
  if (!d.has_value()) return absl::NotFoundError(absl::StrCat(req.name(), ": not found"));
  RETURN_IF_ERROR(RequireOnCase(caller, d->case_()));
  return *d;
}

absl::StatusOr<v1::ListDisclosuresResponse> DecisionPoint::ListDisclosures(
    const Caller& caller, const v1::ListDisclosuresRequest& req) {
  ASSIGN_OR_RETURN(int size, storage::ResolvePageSize(req.page_size()));
  std::string case_name;
  if (!req.case_().empty()) {
    RETURN_IF_ERROR(val::ParseName("case", req.case_(), "cases").status());
    case_name = req.case_();
  }
  if (!req.subject().empty()) {
    std::string subject_case;
    RETURN_IF_ERROR(ParseSubject("subject", req.subject(), &subject_case));
    if (!case_name.empty() && subject_case != case_name) {
      return absl::InvalidArgumentError(absl::StrCat("subject: must be a subject of ", case_name));
    }
    case_name = subject_case;
  }
  if (case_name.empty()) return absl::InvalidArgumentError("subject: give a subject or a case");
  absl::Time start = absl::InfinitePast(), end = absl::InfiniteFuture();
  if (req.has_start_time()) {
    RETURN_IF_ERROR(val::ValidTimestamp("start_time", req.start_time()));
    start = FromProtoTime(req.start_time());
  }
  if (req.has_end_time()) {
    RETURN_IF_ERROR(val::ValidTimestamp("end_time", req.end_time()));
    end = FromProtoTime(req.end_time());
    if (end <= start) return absl::InvalidArgumentError("end_time: must be after start_time");
  }
  if (!req.recipient().empty() && !val::ParseName("recipient", req.recipient(), "people").ok()) {
    RETURN_IF_ERROR(val::ParseName("recipient", req.recipient(), "organizations").status());
  }
  if (!req.category().empty()) RETURN_IF_ERROR(val::ResourceId("category", req.category()));
  std::string fingerprint = absl::StrCat(
      "disclosures|", req.subject(), "|", req.case_(), "|", req.start_time().SerializeAsString(),
      "|", req.end_time().SerializeAsString(), "|", req.recipient(), "|", req.category());
  std::string after;
  if (!req.page_token().empty()) {
    ASSIGN_OR_RETURN(after, storage::DecodePageToken(req.page_token(), fingerprint));
  }
  // The team (and its supervisors and lead-agency administrators), or the
  // subject themselves.
  absl::Status allowed = RequireOnCase(caller, case_name);
  if (absl::IsPermissionDenied(allowed) && !req.subject().empty() && !caller.PersonName().empty()) {
    absl::StatusOr<reg::Case> c = peers_->GetCase(case_name);
    if (c.ok()) {
      for (const reg::CaseSubject& s : c->subjects()) {
        if (s.name() == req.subject() && s.person() == caller.PersonName()) {
          allowed = absl::OkStatus();
        }
      }
    }
  }
  RETURN_IF_ERROR(allowed);
  v1::ListDisclosuresResponse response;
  Pager pager{size};
  bool by_subject = !req.subject().empty();
  auto snapshot = store_->Snapshot();
  RETURN_IF_ERROR(
      data_.ScanDisclosures(*snapshot, by_subject ? req.subject() : IdOf(case_name), by_subject,
                            start, end, after, [&](absl::string_view key, const v1::Disclosure& d) {
                              if (!pager.Before(key)) return false;
                              if ((req.recipient().empty() || d.recipient() == req.recipient()) &&
                                  (req.category().empty() || d.category() == req.category())) {
                                *response.add_disclosures() = d;
                                ++pager.count;
                              }
                              return true;
                            }));
  if (!pager.resume.empty()) {
    response.set_next_page_token(storage::EncodePageToken(pager.resume, fingerprint));
  }
  return response;
}

// --- The server's clock ------------------------------------------------------

absl::Status DecisionPoint::Tick() {
  constexpr int kPerTick = 200;
  return store_->Transact([&](const ReadView& view, Batch& batch) -> absl::Status {
    absl::Time now = clock_->Now();
    ASSIGN_OR_RETURN(std::vector<DecisionStore::DueExpiry> due,
                     data_.DueExpiries(view, now, kPerTick));
    for (const DecisionStore::DueExpiry& e : due) {
      // The index entry goes with the event: each expiry is announced once.
      data_.DeleteExpiry(batch, e.key);
      if (e.kind == DecisionStore::kConsentKind) {
        ASSIGN_OR_RETURN(std::optional<v1::ConsentDirective> c, data_.GetConsent(view, e.id));
        if (!c.has_value() || c->has_revocation()) continue;
        v1::Event event = NewEvent(kServerActor, v1::Event::TYPE_CONSENT_EXPIRED, c->name());
        *event.mutable_consent() = Present(*c);
        AppendEvent(batch, event);
      } else if (e.kind == DecisionStore::kCourtOrderKind) {
        ASSIGN_OR_RETURN(std::optional<v1::CourtOrder> o, data_.GetCourtOrder(view, e.id));
        if (!o.has_value()) continue;
        v1::Event event = NewEvent(kServerActor, v1::Event::TYPE_COURT_ORDER_EXPIRED, o->name());
        *event.mutable_court_order() = Present(*o);
        AppendEvent(batch, event);
      }
    }
    return absl::OkStatus();
  });
}

}  // namespace samepage::sharing
