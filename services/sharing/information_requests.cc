// Placeholder until implemented: every method answers UNIMPLEMENTED.
#include "services/sharing/information_requests.h"

namespace samepage::sharing {

std::vector<std::string> InformationRequests::ColumnFamilies() { return {}; }

InformationRequests::InformationRequests(storage::Store* store, const Clock* clock, Peers* peers,
                                         Options options)
    : store_(store), clock_(clock), peers_(peers), options_(options) {}

absl::StatusOr<v1::InformationRequest> InformationRequests::CreateInformationRequest(const identity::Caller&, const v1::CreateInformationRequestRequest&) {
  return absl::UnimplementedError("CreateInformationRequest");
}

absl::StatusOr<v1::InformationRequest> InformationRequests::GetInformationRequest(const identity::Caller&, const v1::GetInformationRequestRequest&) {
  return absl::UnimplementedError("GetInformationRequest");
}

absl::StatusOr<v1::ListInformationRequestsResponse> InformationRequests::ListInformationRequests(const identity::Caller&, const v1::ListInformationRequestsRequest&) {
  return absl::UnimplementedError("ListInformationRequests");
}

absl::StatusOr<v1::InformationRequest> InformationRequests::AcknowledgeInformationRequest(const identity::Caller&, const v1::AcknowledgeInformationRequestRequest&) {
  return absl::UnimplementedError("AcknowledgeInformationRequest");
}

absl::StatusOr<v1::InformationRequest> InformationRequests::FulfillInformationRequest(const identity::Caller&, const v1::FulfillInformationRequestRequest&) {
  return absl::UnimplementedError("FulfillInformationRequest");
}

absl::StatusOr<v1::InformationRequest> InformationRequests::DeclineInformationRequest(const identity::Caller&, const v1::DeclineInformationRequestRequest&) {
  return absl::UnimplementedError("DeclineInformationRequest");
}

absl::Status InformationRequests::Tick() { return absl::OkStatus(); }

}  // namespace samepage::sharing
