#include "tools/bench/population.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <functional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "common/status/status_macros.h"
#include "common/identity/caller.h"
#include "samepage/caseplan/v1/caseplan_service.grpc.pb.h"
#include "samepage/directory/v1/directory_service.grpc.pb.h"
#include "samepage/registry/v1/registry_service.grpc.pb.h"
#include "samepage/sharing/v1/sharing_service.grpc.pb.h"
#include "tools/bench/load.h"
#include "tools/bench/population_progress.h"

namespace samepage::bench {
namespace {

namespace dir = ::samepage::directory::v1;
namespace reg = ::samepage::registry::v1;
namespace sh = ::samepage::sharing::v1;
namespace cp = ::samepage::caseplan::v1;

std::string Agency(int64_t k, const PopulationSize& s) { return absl::StrCat("agency-", k % s.agencies); }
std::string Clinic(int64_t k) { return absl::StrCat("clinic-", k % 5); }

// A rerun finds what an earlier run made.
bool Created(const grpc::Status& s) {
  return s.ok() || s.error_code() == grpc::StatusCode::ALREADY_EXISTS;
}

// Runs one step of the population: `issue(i, done)` for i in [0, count)
// with `concurrency` calls in flight, starting after what `progress` says an
// earlier run completed. Every few seconds it prints the rate and records
// the completed prefix (items in flight past it are re-sent on a resume and
// answered ALREADY_EXISTS, which counts as created).
absl::Status Step(const std::string& what, int64_t count, int concurrency, bool verbose,
                  PopulationProgress& progress,
                  const std::function<void(int64_t, std::function<void(const grpc::Status&)>)>& issue) {
  const int64_t resume_at = std::min(count, progress.Done(what, count));
  if (resume_at == count) {
    if (verbose) {
      std::printf("populate %-22s %9lld already made\n", what.c_str(), static_cast<long long>(count));
      std::fflush(stdout);
    }
    return absl::OkStatus();
  }
  absl::Time start = absl::Now();
  absl::Mutex mu;
  std::string first_error;
  int64_t failed = 0;
  // finished[k]: item resume_at + k has completed; `prefix` is the first not.
  std::vector<bool> finished(static_cast<size_t>(count - resume_at), false);
  int64_t prefix = resume_at;
  int64_t completed = 0;
  absl::Time last_report = start;
  int64_t completed_at_last_report = 0;
  std::atomic<int64_t> next{resume_at};
  std::atomic<int> running{concurrency};
  absl::Notification all_done;
  std::function<void()> start_one = [&] {
    int64_t i = next++;
    if (i >= count) {
      if (--running == 0) all_done.Notify();
      return;
    }
    issue(i, [&, i](const grpc::Status& status) {
      bool report = false;
      int64_t save_prefix = 0;
      {
        absl::MutexLock lock(&mu);
        ++completed;
        if (!Created(status)) {
          ++failed;
          if (first_error.empty()) {
            first_error = absl::StrCat(what, " #", i, ": ", status.error_code(), " ",
                                       status.error_message());
          }
        } else {
          finished[static_cast<size_t>(i - resume_at)] = true;
          while (prefix < count && finished[static_cast<size_t>(prefix - resume_at)]) ++prefix;
        }
        absl::Time now = absl::Now();
        if (now - last_report >= absl::Seconds(10)) {
          double recent = static_cast<double>(completed - completed_at_last_report) /
                          absl::ToDoubleSeconds(now - last_report);
          double average = static_cast<double>(completed) / absl::ToDoubleSeconds(now - start);
          double left = static_cast<double>(count - resume_at - completed);
          if (verbose) {
            std::printf("populate %-22s %9lld of %lld (%.1f%%): %.0f/s now, %.0f/s average, "
                        "%.0f s to go\n",
                        what.c_str(), static_cast<long long>(resume_at + completed),
                        static_cast<long long>(count),
                        100.0 * static_cast<double>(resume_at + completed) / static_cast<double>(count),
                        recent, average, average > 0 ? left / average : 0.0);
            std::fflush(stdout);
          }
          last_report = now;
          completed_at_last_report = completed;
          report = true;
          save_prefix = prefix;
        }
      }
      if (report) progress.Record(what, count, save_prefix).IgnoreError();
      start_one();
    });
  };
  for (int slot = 0; slot < concurrency; ++slot) start_one();
  // Every call carries a deadline, so this ends.
  all_done.WaitForNotification();
  double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  absl::MutexLock lock(&mu);
  if (failed > 0) {
    progress.Record(what, count, prefix).IgnoreError();
    return absl::InternalError(
        absl::StrCat(failed, " of ", count - resume_at, " failed; first: ", first_error));
  }
  absl::Status saved = progress.Record(what, count, count);
  if (verbose) {
    std::printf("populate %-22s %9lld in %6.1f s (%.0f/s)%s\n", what.c_str(),
                static_cast<long long>(count - resume_at), seconds,
                static_cast<double>(count - resume_at) / seconds,
                resume_at > 0 ? absl::StrCat(", resumed at ", resume_at).c_str() : "");
    std::fflush(stdout);
  }
  return saved;
}

}  // namespace

std::string Population::Caseworker(int64_t i) const { return absl::StrCat("cw-", i % size.caseworkers); }
std::string Population::Supervisor(int64_t i) const { return absl::StrCat("sup-", i % size.supervisors); }
std::string Population::Therapist(int64_t i) const { return absl::StrCat("th-", i % size.therapists); }

absl::StatusOr<std::unique_ptr<Tokens>> Tokens::Load(const std::string& data_dir) {
  auto issuer = identity::DevTokenIssuer::Load(data_dir);
  if (!issuer.ok()) return issuer.status();
  return std::make_unique<Tokens>(*std::move(issuer));
}

std::string Tokens::Get(const std::string& subject, std::vector<std::string> scopes) {
  absl::MutexLock lock(&mu_);
  auto it = cache_.find(subject);
  if (it != cache_.end()) return it->second;
  auto token = issuer_->Issue(subject, scopes, absl::Hours(12), absl::Now());
  std::string value = token.ok() ? *token : "";
  cache_[subject] = value;
  return value;
}

std::string Tokens::Admin() { return Get("admin", {identity::kAdminScope}); }
std::string Tokens::Service() { return Get("service:bench", {identity::kServiceScope}); }
std::string Tokens::Person(const std::string& person) { return Get("people/" + person, {}); }

absl::StatusOr<Population> Populate(const std::shared_ptr<grpc::Channel>& channel, Tokens& tokens,
                                    const PopulationSize& size, bool verbose,
                                    const std::string& progress_file) {
  Population pop{size};
  PopulationProgress progress(progress_file);
  RETURN_IF_ERROR(progress.Load());
  auto directory = dir::Directory::NewStub(channel);
  auto registry = reg::CaseRegistry::NewStub(channel);
  auto sharing = sh::Sharing::NewStub(channel);
  auto caseplan = cp::CasePlans::NewStub(channel);
  const std::string admin = tokens.Admin();
  const int c = size.concurrency;

  // Organisations.
  std::vector<std::pair<std::string, dir::Organization::Kind>> orgs;
  for (int k = 0; k < size.agencies; ++k) {
    orgs.emplace_back(absl::StrCat("agency-", k), dir::Organization::KIND_CHILD_WELFARE_AGENCY);
  }
  for (int k = 0; k < 5; ++k) {
    orgs.emplace_back(absl::StrCat("clinic-", k), dir::Organization::KIND_BEHAVIORAL_HEALTH_PROVIDER);
  }
  absl::Status s = Step("organizations", static_cast<int64_t>(orgs.size()), c, verbose, progress,
                        [&](int64_t i, auto done) {
                          dir::CreateOrganizationRequest req;
                          req.set_organization_id(orgs[i].first);
                          req.mutable_organization()->set_display_name(orgs[i].first);
                          req.mutable_organization()->set_kind(orgs[i].second);
                          CallAsync<dir::CreateOrganizationRequest, dir::Organization>(
                              [&](auto* ctx, auto* rq, auto* rs, auto cb) {
                                directory->async()->CreateOrganization(ctx, rq, rs, std::move(cb));
                              },
                              admin, req,
                              [done](const grpc::Status& st, const dir::Organization&) { done(st); });
                        });
  if (!s.ok()) return s;

  // Staff: caseworkers, supervisors, therapists.
  struct Staff {
    std::string id, org, role;
  };
  std::vector<Staff> staff;
  for (int k = 0; k < size.caseworkers; ++k) {
    staff.push_back({absl::StrCat("cw-", k), Agency(k, size), "dependency-case-manager"});
  }
  for (int k = 0; k < size.supervisors; ++k) {
    staff.push_back({absl::StrCat("sup-", k), Agency(k, size), "case-supervisor"});
  }
  for (int k = 0; k < size.therapists; ++k) {
    staff.push_back({absl::StrCat("th-", k), Clinic(k), "therapist"});
  }
  s = Step("people", static_cast<int64_t>(staff.size()), c, verbose, progress, [&](int64_t i, auto done) {
    dir::CreatePersonRequest req;
    req.set_person_id(staff[i].id);
    dir::Person* p = req.mutable_person();
    p->set_display_name(absl::StrCat("Person ", staff[i].id));
    p->set_organization("organizations/" + staff[i].org);
    p->add_roles("roles/" + staff[i].role);
    auto* contact = p->add_contact_points();
    contact->set_channel(dir::ContactPoint::CHANNEL_EMAIL);
    contact->set_value(staff[i].id + "@example.org");
    CallAsync<dir::CreatePersonRequest, dir::Person>(
        [&](auto* ctx, auto* rq, auto* rs, auto cb) {
          directory->async()->CreatePerson(ctx, rq, rs, std::move(cb));
        },
        admin, req, [done](const grpc::Status& st, const dir::Person&) { done(st); });
  });
  if (!s.ok()) return s;

  // Cases: a child and a caregiver each.
  s = Step("cases", size.cases, c, verbose, progress, [&](int64_t i, auto done) {
    reg::CreateCaseRequest req;
    req.set_case_id(Population::CaseId(i));
    reg::Case* cs = req.mutable_case_();
    cs->set_case_number(absl::StrCat("2026-", i));
    cs->set_lead_agency("organizations/" + Agency(i % size.caseworkers, size));
    cs->set_display_name(absl::StrCat("Family ", i));
    cs->set_program("foster-care");
    auto* child = cs->add_subjects();
    child->set_subject_id("child");
    child->set_kind(reg::CaseSubject::KIND_CHILD);
    child->set_display_name(absl::StrCat("Child ", i));
    child->mutable_birth_date()->set_year(2015 + static_cast<int>(i % 8));
    child->mutable_birth_date()->set_month(1 + static_cast<int>(i % 12));
    child->mutable_birth_date()->set_day(1 + static_cast<int>(i % 28));
    auto* parent = cs->add_subjects();
    parent->set_subject_id("parent");
    parent->set_kind(reg::CaseSubject::KIND_CAREGIVER);
    parent->set_display_name(absl::StrCat("Parent ", i));
    auto* rel = parent->add_relationships();
    rel->set_child("child");
    rel->set_type(reg::SubjectRelationship::TYPE_BIOLOGICAL_PARENT);
    CallAsync<reg::CreateCaseRequest, reg::Case>(
        [&](auto* ctx, auto* rq, auto* rs, auto cb) {
          registry->async()->CreateCase(ctx, rq, rs, std::move(cb));
        },
        admin, req, [done](const grpc::Status& st, const reg::Case&) { done(st); });
  });
  if (!s.ok()) return s;

  // Teams of three.
  s = Step("assignments", size.cases * 3, c, verbose, progress, [&](int64_t j, auto done) {
    int64_t i = j / 3;
    reg::CreateAssignmentRequest req;
    req.set_parent("cases/" + Population::CaseId(i));
    switch (j % 3) {
      case 0:
        req.mutable_assignment()->set_case_role("dependency-case-manager");
        req.mutable_assignment()->set_person("people/" + pop.Caseworker(i));
        req.mutable_assignment()->set_primary(true);
        break;
      case 1:
        req.mutable_assignment()->set_case_role("case-supervisor");
        req.mutable_assignment()->set_person("people/" + pop.Supervisor(i));
        break;
      default:
        req.mutable_assignment()->set_case_role("therapist");
        req.mutable_assignment()->set_person("people/" + pop.Therapist(i));
        break;
    }
    static constexpr const char* kIds[] = {"team-manager", "team-supervisor", "team-therapist"};
    req.set_assignment_id(kIds[j % 3]);
    CallAsync<reg::CreateAssignmentRequest, reg::Assignment>(
        [&](auto* ctx, auto* rq, auto* rs, auto cb) {
          registry->async()->CreateAssignment(ctx, rq, rs, std::move(cb));
        },
        admin, req, [done](const grpc::Status& st, const reg::Assignment&) { done(st); });
  });
  if (!s.ok()) return s;

  // Notes: case 0 has many, case 1 few, the rest are spread evenly.
  auto note_case = [&](int64_t j) -> int64_t {
    if (j < size.big_case_notes) return 0;
    if (j < size.big_case_notes + size.small_case_notes) return 1;
    return 2 + (j - size.big_case_notes - size.small_case_notes) % std::max<int64_t>(1, size.cases - 2);
  };
  s = Step("notes", size.notes, c, verbose, progress, [&](int64_t j, auto done) {
    int64_t i = note_case(j);
    cp::CreateNoteRequest req;
    req.set_parent("cases/" + Population::CaseId(i));
    req.set_note_id(absl::StrCat("note-", j));
    cp::Note* n = req.mutable_note();
    n->set_kind(cp::Note::KIND_CONTACT_NOTE);
    n->set_category("general");
    n->set_title(absl::StrCat("Home visit ", j));
    n->set_body(absl::StrCat("Visited the family; the child is doing well at school. Next visit in "
                             "two weeks. Note ",
                             j, "."));
    n->set_subject("cases/" + Population::CaseId(i) + "/subjects/child");
    CallAsync<cp::CreateNoteRequest, cp::Note>(
        [&](auto* ctx, auto* rq, auto* rs, auto cb) {
          caseplan->async()->CreateNote(ctx, rq, rs, std::move(cb));
        },
        tokens.Person(pop.Caseworker(i)), req,
        [done](const grpc::Status& st, const cp::Note&) { done(st); });
  });
  if (!s.ok()) return s;

  // Part 2 consents from the caregiver: the clinic's treatment progress to
  // the case manager.
  int64_t consents = size.cases / size.consent_every;
  s = Step("consents", consents, c, verbose, progress, [&](int64_t k, auto done) {
    int64_t i = k * size.consent_every;
    std::string case_name = "cases/" + Population::CaseId(i);
    sh::CreateConsentRequest req;
    req.set_consent_id("consent-1");
    sh::ConsentDirective* cd = req.mutable_consent();
    cd->set_case_(case_name);
    cd->set_subject(case_name + "/subjects/parent");
    cd->mutable_consenter()->set_authority(sh::Consenter::AUTHORITY_SELF);
    cd->mutable_consenter()->set_subject(case_name + "/subjects/parent");
    cd->mutable_consenter()->set_display_name(absl::StrCat("Parent ", i));
    cd->add_disclosers()->set_person("people/" + pop.Therapist(i));
    cd->add_recipients()->set_case_role("dependency-case-manager");
    cd->add_categories("substance-use-part2");
    cd->add_purposes(sh::PURPOSE_CASE_PLANNING);
    cd->mutable_expire_time()->set_seconds(absl::ToUnixSeconds(absl::Now() + absl::Hours(24 * 180)));
    cd->mutable_signed_form()->set_signer_name(absl::StrCat("Parent ", i));
    cd->mutable_signed_form()->mutable_sign_time()->set_seconds(
        absl::ToUnixSeconds(absl::Now() - absl::Hours(1)));
    cd->mutable_signed_form()->set_reference(absl::StrCat("doc-", i));
    cd->set_right_to_revoke_acknowledged(true);
    sh::Part2Elements* e = cd->mutable_part2_elements();
    e->set_patient_name(absl::StrCat("Parent ", i));
    e->set_disclosing_parties("The treating clinic");
    e->set_information_description("Attendance and treatment progress");
    e->set_recipient_names("The dependency case manager of the case");
    e->set_purpose_description("Case planning");
    e->set_right_to_revoke_statement("I may revoke this consent in writing at any time.");
    e->set_expiration_description("180 days from signing");
    e->set_conditioning_statement("Treatment is not conditioned on signing");
    e->set_redisclosure_statement("Information may be redisclosed as the notice allows");
    CallAsync<sh::CreateConsentRequest, sh::ConsentDirective>(
        [&](auto* ctx, auto* rq, auto* rs, auto cb) {
          sharing->async()->CreateConsent(ctx, rq, rs, std::move(cb));
        },
        tokens.Person(pop.Caseworker(i)), req,
        [done](const grpc::Status& st, const sh::ConsentDirective&) { done(st); });
  });
  if (!s.ok()) return s;

  // Requests for information from the case manager to the therapist.
  int64_t requests = size.cases / size.request_every;
  s = Step("information requests", requests, c, verbose, progress, [&](int64_t k, auto done) {
    int64_t i = k * size.request_every + 1;
    std::string case_name = "cases/" + Population::CaseId(i);
    sh::CreateInformationRequestRequest req;
    req.set_information_request_id("request-1");
    auto* r = req.mutable_information_request();
    r->set_case_(case_name);
    r->set_subject(case_name + "/subjects/child");
    r->mutable_recipient()->set_person("people/" + pop.Therapist(i));
    r->set_summary("Progress summary for the review hearing");
    r->set_details("Attendance, progress on treatment goals, recommendations.");
    r->set_purpose(sh::PURPOSE_COURT_PROCEEDINGS);
    r->add_categories("mental-health");
    r->mutable_due_time()->set_seconds(absl::ToUnixSeconds(absl::Now() + absl::Hours(24 * 5)));
    CallAsync<sh::CreateInformationRequestRequest, sh::InformationRequest>(
        [&](auto* ctx, auto* rq, auto* rs, auto cb) {
          sharing->async()->CreateInformationRequest(ctx, rq, rs, std::move(cb));
        },
        tokens.Person(pop.Caseworker(i)), req,
        [done](const grpc::Status& st, const sh::InformationRequest&) { done(st); });
  });
  if (!s.ok()) return s;
  return pop;
}

}  // namespace samepage::bench
