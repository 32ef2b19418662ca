#include "tools/bench/decision_timing.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/storage/keyring.h"
#include "common/storage/store.h"
#include "services/sharing/consent_validation.h"
#include "services/sharing/decide.h"
#include "services/sharing/decision_store.h"
#include "services/sharing/sharing_events.h"

namespace samepage::bench {

namespace sh = ::samepage::sharing::v1;
namespace reg = ::samepage::registry::v1;

DecisionTiming TimeDecisions(const std::string& data_dir, const Population& pop, int64_t count) {
  DecisionTiming out;
  // The sharing data is encrypted at rest; development mode keeps its key
  // beside the data.
  auto keys = storage::Keyring::LoadFile(
      (std::filesystem::path(data_dir) / storage::kDevEncryptionKeysFile).string());
  if (!keys.ok()) {
    out.error = keys.status().ToString();
    return out;
  }
  storage::StoreOptions options;
  options.path = (std::filesystem::path(data_dir) / "sharing").string();
  options.column_families = sharing::SharingColumnFamilies();
  options.keyring = keys->get();
  auto store = storage::Store::Open(options);
  if (!store.ok()) {
    out.error = store.status().ToString();
    return out;
  }
  sharing::DecisionStore data;
  // The catalog, loaded once as DecisionPoint::Init does and held in memory.
  sharing::Catalog catalog;
  absl::Status loaded =
      data.ScanCategories((*store)->reader(), "", [&](absl::string_view, const sh::Category& c) {
        catalog[c.name().substr(c.name().rfind('/') + 1)] = c;
        return true;
      });
  if (!loaded.ok()) {
    out.error = loaded.ToString();
    return out;
  }
  std::vector<int64_t> ns;
  ns.reserve(static_cast<size_t>(count));
  for (int64_t n = 0; n < count; ++n) {
    // Every tenth case has a consent: half the checks land on one.
    int64_t i = (n % 2 == 0) ? (n * 10) % pop.size.cases : 2 + (n * 7919) % (pop.size.cases - 2);
    std::string case_id = Population::CaseId(i);
    sh::CheckAccessRequest req;
    req.set_requester("people/" + pop.Caseworker(i));
    req.set_case_("cases/" + case_id);
    req.set_subject("cases/" + case_id + "/subjects/parent");
    req.set_category(n % 4 < 2 ? "substance-use-part2" : "general");
    req.set_purpose(sh::PURPOSE_CASE_PLANNING);
    sharing::RequesterFacts facts;
    facts.person = req.requester();
    facts.access.set_allowed(true);
    facts.access.add_bases(reg::CheckCaseAccessResponse::BASIS_TEAM_MEMBER);
    facts.access.add_case_roles("dependency-case-manager");
    facts.access.set_case_state(reg::Case::STATE_OPEN);
    facts.organization = [] { return std::string(); };

    auto start = std::chrono::steady_clock::now();
    // As DecideChecks does for a check that records nothing.
    std::unique_ptr<storage::ReadView> view = (*store)->Snapshot();
    std::vector<sh::ConsentDirective> consents;
    std::vector<sh::CourtOrder> orders;
    absl::Status s = data.ScanConsents(*view, case_id, false, "",
                                       [&](absl::string_view, const sh::ConsentDirective& c) {
                                         consents.push_back(c);
                                         return true;
                                       });
    if (s.ok()) {
      s = data.ScanCourtOrders(*view, case_id, "", [&](absl::string_view, const sh::CourtOrder& o) {
        orders.push_back(o);
        return true;
      });
    }
    if (!s.ok()) {
      out.error = s.ToString();
      return out;
    }
    auto category = catalog.find(req.category());
    if (category == catalog.end()) {
      out.error = absl::StrCat("no category ", req.category(), " in the catalog");
      return out;
    }
    sharing::DecisionInputs in{&req, &category->second, &facts, &consents, &orders, absl::Now()};
    sh::CheckAccessResponse decision = sharing::Decide(in);
    ns.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(
                     std::chrono::steady_clock::now() - start)
                     .count());
    if (decision.decision() == sh::CheckAccessResponse::DECISION_UNSPECIFIED) {
      out.error = "a decision without an answer";
      return out;
    }
  }
  std::sort(ns.begin(), ns.end());
  auto q = [&](double f) {
    return static_cast<double>(ns[std::min(ns.size() - 1, static_cast<size_t>(f * ns.size()))]) /
           1000.0;
  };
  out.count = count;
  out.p50_us = q(0.5);
  out.p99_us = q(0.99);
  out.p999_us = q(0.999);
  return out;
}

}  // namespace samepage::bench
