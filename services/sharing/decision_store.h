#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/storage/store.h"
#include "samepage/sharing/v1/sharing_service.pb.h"

namespace samepage::sharing {

// The decision point's records and indexes in the sharing database.
//
// Column families:
//   sharing_categories        category id -> Category
//   consents                  consent id -> ConsentDirective (as recorded)
//   consents_by_case          (case id, -create micros, consent id) -> ""
//   consents_by_subject       (subject name, -create micros, consent id) -> ""
//   court_orders              order id -> CourtOrder
//   court_orders_by_case      (case id, -create micros, order id) -> ""
//   sharing_expiries          (expire micros, kind, id) -> "": directives and
//                             orders whose expiry event is still to be emitted
//   disclosures               sequence (uint64) -> Disclosure: the append-only log
//   disclosure_names          disclosure id -> sequence (8 bytes big-endian key)
//   disclosures_by_subject    (subject name, disclose micros, sequence) -> ""
//   disclosures_by_case       (case id, disclose micros, sequence) -> ""
//   disclosure_head           "head" -> the newest Disclosure (sequence, chain)
class DecisionStore {
 public:
  static std::vector<std::string> ColumnFamilies();

  static constexpr char kConsentKind[] = "consent";
  static constexpr char kCourtOrderKind[] = "court-order";

  absl::StatusOr<std::optional<v1::Category>> GetCategory(const storage::ReadView& view,
                                                          absl::string_view id) const;
  void PutCategory(storage::Batch& batch, const v1::Category& category) const;
  absl::Status ScanCategories(
      const storage::ReadView& view, absl::string_view after,
      const std::function<bool(absl::string_view key, const v1::Category&)>& fn) const;

  absl::StatusOr<std::optional<v1::ConsentDirective>> GetConsent(const storage::ReadView& view,
                                                                 absl::string_view id) const;
  // Writes the directive; `is_new` also writes its indexes.
  void PutConsent(storage::Batch& batch, const v1::ConsentDirective& consent, bool is_new) const;
  // Directives of a case (or, with `by_subject`, about a subject name),
  // newest first, after the index key `after`.
  absl::Status ScanConsents(
      const storage::ReadView& view, absl::string_view scope, bool by_subject,
      absl::string_view after,
      const std::function<bool(absl::string_view key, const v1::ConsentDirective&)>& fn) const;

  absl::StatusOr<std::optional<v1::CourtOrder>> GetCourtOrder(const storage::ReadView& view,
                                                              absl::string_view id) const;
  void PutCourtOrder(storage::Batch& batch, const v1::CourtOrder& order, bool is_new) const;
  absl::Status ScanCourtOrders(
      const storage::ReadView& view, absl::string_view case_id, absl::string_view after,
      const std::function<bool(absl::string_view key, const v1::CourtOrder&)>& fn) const;

  // The expiry index: entries due at or before `now`, oldest first.
  void PutExpiry(storage::Batch& batch, absl::Time expire, absl::string_view kind,
                 absl::string_view id) const;
  void DeleteExpiry(storage::Batch& batch, absl::string_view key) const;
  struct DueExpiry {
    std::string key;
    std::string kind;
    std::string id;
  };
  absl::StatusOr<std::vector<DueExpiry>> DueExpiries(const storage::ReadView& view, absl::Time now,
                                                     int limit) const;

  // The newest disclosure, if any (its sequence and chain hash continue the log).
  absl::StatusOr<std::optional<v1::Disclosure>> DisclosureHead(const storage::ReadView& view) const;
  absl::StatusOr<std::optional<v1::Disclosure>> GetDisclosure(const storage::ReadView& view,
                                                              absl::string_view id) const;
  // Appends a complete disclosure (sequence and chain hash set) and its indexes.
  void PutDisclosure(storage::Batch& batch, const v1::Disclosure& disclosure) const;
  // Disclosures of a subject (name) or case (id), by disclose time, in
  // [start, end), after the index key `after`.
  absl::Status ScanDisclosures(
      const storage::ReadView& view, absl::string_view scope, bool by_subject, absl::Time start,
      absl::Time end, absl::string_view after,
      const std::function<bool(absl::string_view key, const v1::Disclosure&)>& fn) const;
};

}  // namespace samepage::sharing
