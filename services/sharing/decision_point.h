#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/span.h"
#include "common/clock/clock.h"
#include "common/identity/caller.h"
#include "common/storage/store.h"
#include "samepage/sharing/v1/sharing_service.pb.h"
#include "services/sharing/consent_validation.h"
#include "services/sharing/decision_store.h"
#include "services/sharing/peers.h"

namespace samepage::sharing {

// The single decision point for sensitive information: the category
// catalog, consent directives, court orders, access decisions with their
// basis and obligations, and the accounting of disclosures. Knows nothing
// of gRPC; reaches the registry and directory through `Peers`.
class DecisionPoint {
 public:
  // The column families this part keeps in the sharing database.
  static std::vector<std::string> ColumnFamilies();

  DecisionPoint(storage::Store* store, const Clock* clock, Peers* peers);

  // Seeds the built-in categories on first start.
  absl::Status Init();

  absl::StatusOr<v1::Category> CreateCategory(const identity::Caller& caller,
                                              const v1::CreateCategoryRequest& req);
  absl::StatusOr<v1::Category> GetCategory(const identity::Caller& caller,
                                           const v1::GetCategoryRequest& req);
  absl::StatusOr<v1::ListCategoriesResponse> ListCategories(const identity::Caller& caller,
                                                            const v1::ListCategoriesRequest& req);

  absl::StatusOr<v1::ConsentDirective> CreateConsent(const identity::Caller& caller,
                                                     const v1::CreateConsentRequest& req);
  absl::StatusOr<v1::ConsentDirective> GetConsent(const identity::Caller& caller,
                                                  const v1::GetConsentRequest& req);
  absl::StatusOr<v1::ListConsentsResponse> ListConsents(const identity::Caller& caller,
                                                        const v1::ListConsentsRequest& req);
  absl::StatusOr<v1::ConsentDirective> RevokeConsent(const identity::Caller& caller,
                                                     const v1::RevokeConsentRequest& req);

  absl::StatusOr<v1::CourtOrder> CreateCourtOrder(const identity::Caller& caller,
                                                  const v1::CreateCourtOrderRequest& req);
  absl::StatusOr<v1::CourtOrder> GetCourtOrder(const identity::Caller& caller,
                                               const v1::GetCourtOrderRequest& req);
  absl::StatusOr<v1::ListCourtOrdersResponse> ListCourtOrders(
      const identity::Caller& caller, const v1::ListCourtOrdersRequest& req);

  absl::StatusOr<v1::CheckAccessResponse> CheckAccess(const identity::Caller& caller,
                                                      const v1::CheckAccessRequest& req);
  absl::StatusOr<v1::BatchCheckAccessResponse> BatchCheckAccess(
      const identity::Caller& caller, const v1::BatchCheckAccessRequest& req);

  absl::StatusOr<v1::Disclosure> RecordDisclosure(const identity::Caller& caller,
                                                  const v1::RecordDisclosureRequest& req);
  absl::StatusOr<v1::Disclosure> GetDisclosure(const identity::Caller& caller,
                                               const v1::GetDisclosureRequest& req);
  absl::StatusOr<v1::ListDisclosuresResponse> ListDisclosures(
      const identity::Caller& caller, const v1::ListDisclosuresRequest& req);

  // Called periodically by the server with its own clock: emits the
  // expiry events of consents and court orders whose time has come (once
  // each). Decisions never depend on it having run: they compare with the
  // clock themselves.
  absl::Status Tick();

 private:
  struct CheckItem;

  absl::Status SeedBuiltInCategories();
  absl::StatusOr<Catalog> LoadCatalog(const storage::ReadView& view) const;
  // The catalog as of the last category written: kept in memory from Init
  // on, because every decision needs it and categories are rarely added.
  absl::StatusOr<std::shared_ptr<const Catalog>> CurrentCatalog();
  // OK when the caller is a service, a platform administrator, or allowed
  // on the case by the registry (team member, supervisor of one, lead
  // agency administrator); PERMISSION_DENIED otherwise.
  absl::Status RequireOnCase(const identity::Caller& caller, const std::string& case_name);
  v1::Event NewEvent(const std::string& actor, v1::Event::Type type,
                     const std::string& resource) const;
  v1::ConsentDirective Present(v1::ConsentDirective c) const;
  v1::CourtOrder Present(v1::CourtOrder o) const;
  // Numbers, chains and stores a disclosure with its event; `head` is the
  // newest entry so far (updated).
  v1::Disclosure AppendDisclosure(storage::Batch& batch, v1::Disclosure d,
                                  std::optional<v1::Disclosure>& head) const;
  // Validates, authorises and decides checks (those of a batch call, or
  // the one of a single call), recording permitted sensitive disclosures
  // when asked. The requests are read, not copied: a note list asks one per
  // note, and copying them was a twentieth of its cost.
  absl::StatusOr<v1::BatchCheckAccessResponse> DecideChecks(
      const identity::Caller& caller, absl::Span<const v1::CheckAccessRequest* const> requests,
      bool batch);

  storage::Store* store_;
  const Clock* clock_;
  Peers* peers_;
  DecisionStore data_;
  // Replaced, never modified, so that readers can keep a copy of the pointer.
  absl::Mutex catalog_mu_;
  std::shared_ptr<const Catalog> catalog_ ABSL_GUARDED_BY(catalog_mu_);
};

}  // namespace samepage::sharing
