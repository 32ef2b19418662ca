// Placeholder until implemented: every method answers UNIMPLEMENTED.
#include "services/sharing/decision_point.h"

namespace samepage::sharing {

std::vector<std::string> DecisionPoint::ColumnFamilies() { return {}; }

DecisionPoint::DecisionPoint(storage::Store* store, const Clock* clock, Peers* peers)
    : store_(store), clock_(clock), peers_(peers) {}

absl::Status DecisionPoint::Init() { return absl::OkStatus(); }

absl::StatusOr<v1::Category> DecisionPoint::CreateCategory(const identity::Caller&, const v1::CreateCategoryRequest&) {
  return absl::UnimplementedError("CreateCategory");
}

absl::StatusOr<v1::Category> DecisionPoint::GetCategory(const identity::Caller&, const v1::GetCategoryRequest&) {
  return absl::UnimplementedError("GetCategory");
}

absl::StatusOr<v1::ListCategoriesResponse> DecisionPoint::ListCategories(const identity::Caller&, const v1::ListCategoriesRequest&) {
  return absl::UnimplementedError("ListCategories");
}

absl::StatusOr<v1::ConsentDirective> DecisionPoint::CreateConsent(const identity::Caller&, const v1::CreateConsentRequest&) {
  return absl::UnimplementedError("CreateConsent");
}

absl::StatusOr<v1::ConsentDirective> DecisionPoint::GetConsent(const identity::Caller&, const v1::GetConsentRequest&) {
  return absl::UnimplementedError("GetConsent");
}

absl::StatusOr<v1::ListConsentsResponse> DecisionPoint::ListConsents(const identity::Caller&, const v1::ListConsentsRequest&) {
  return absl::UnimplementedError("ListConsents");
}

absl::StatusOr<v1::ConsentDirective> DecisionPoint::RevokeConsent(const identity::Caller&, const v1::RevokeConsentRequest&) {
  return absl::UnimplementedError("RevokeConsent");
}

absl::StatusOr<v1::CourtOrder> DecisionPoint::CreateCourtOrder(const identity::Caller&, const v1::CreateCourtOrderRequest&) {
  return absl::UnimplementedError("CreateCourtOrder");
}

absl::StatusOr<v1::CourtOrder> DecisionPoint::GetCourtOrder(const identity::Caller&, const v1::GetCourtOrderRequest&) {
  return absl::UnimplementedError("GetCourtOrder");
}

absl::StatusOr<v1::ListCourtOrdersResponse> DecisionPoint::ListCourtOrders(const identity::Caller&, const v1::ListCourtOrdersRequest&) {
  return absl::UnimplementedError("ListCourtOrders");
}

absl::StatusOr<v1::CheckAccessResponse> DecisionPoint::CheckAccess(const identity::Caller&, const v1::CheckAccessRequest&) {
  return absl::UnimplementedError("CheckAccess");
}

absl::StatusOr<v1::BatchCheckAccessResponse> DecisionPoint::BatchCheckAccess(const identity::Caller&, const v1::BatchCheckAccessRequest&) {
  return absl::UnimplementedError("BatchCheckAccess");
}

absl::StatusOr<v1::Disclosure> DecisionPoint::RecordDisclosure(const identity::Caller&, const v1::RecordDisclosureRequest&) {
  return absl::UnimplementedError("RecordDisclosure");
}

absl::StatusOr<v1::Disclosure> DecisionPoint::GetDisclosure(const identity::Caller&, const v1::GetDisclosureRequest&) {
  return absl::UnimplementedError("GetDisclosure");
}

absl::StatusOr<v1::ListDisclosuresResponse> DecisionPoint::ListDisclosures(const identity::Caller&, const v1::ListDisclosuresRequest&) {
  return absl::UnimplementedError("ListDisclosures");
}

absl::Status DecisionPoint::Tick() { return absl::OkStatus(); }

}  // namespace samepage::sharing
