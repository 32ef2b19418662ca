#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "samepage/sharing/v1/sharing_service.pb.h"

// Input checks of the information-request RPCs. Each failure is
// INVALID_ARGUMENT with a message that starts with the field path; the
// checks need neither the database nor a peer, so a refused call changes
// nothing.
namespace samepage::sharing {

// `informationRequests/{id}`; returns the id.
absl::StatusOr<std::string> ParseRequestName(absl::string_view field, absl::string_view name);

// Everything about a new request that can be checked on its own (the lead
// time is checked against the clock by the caller).
absl::Status ValidateCreate(const v1::CreateInformationRequestRequest& req);

absl::Status ValidateList(const v1::ListInformationRequestsRequest& req);

absl::Status ValidateFulfillment(const v1::InformationRequest::Fulfillment& fulfillment,
                                 bool is_set);

absl::Status ValidateDeclineReason(absl::string_view reason);

}  // namespace samepage::sharing
