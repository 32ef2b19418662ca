#include "services/sharing/request_validation.h"

#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/status/status_macros.h"
#include "common/validation/validation.h"

namespace samepage::sharing {
namespace {

namespace val = ::samepage::validation;

absl::Status Invalid(absl::string_view field, absl::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", problem));
}

constexpr char kRequest[] = "information_request";

std::string At(absl::string_view sub) { return absl::StrCat(kRequest, ".", sub); }

absl::Status ValidateRecipient(const v1::Party& party) {
  switch (party.party_case()) {
    case v1::Party::kPerson:
      RETURN_IF_ERROR(val::ParseName(At("recipient.person"), party.person(), "people").status());
      break;
    case v1::Party::kCaseRole:
      RETURN_IF_ERROR(val::ResourceId(At("recipient.case_role"), party.case_role()));
      break;
    case v1::Party::kOrganization:
      return Invalid(At("recipient.organization"),
                     "requests are made to a person or a case role, not an organisation");
    case v1::Party::PARTY_NOT_SET:
      return Invalid(At("recipient"), "give a person or a case role");
  }
  return val::MaxLength(At("recipient.display_name"), party.display_name(), 200);
}

}  // namespace

absl::StatusOr<std::string> ParseRequestName(absl::string_view field, absl::string_view name) {
  return val::ParseName(field, name, "informationRequests");
}

absl::Status ValidateCreate(const v1::CreateInformationRequestRequest& req) {
  if (!req.information_request_id().empty()) {
    RETURN_IF_ERROR(val::ResourceId("information_request_id", req.information_request_id()));
  }
  if (!req.has_information_request()) return Invalid(kRequest, "must be set");
  const v1::InformationRequest& r = req.information_request();
  RETURN_IF_ERROR(val::ParseName(At("case"), r.case_(), "cases").status());
  if (!r.subject().empty()) {
    std::string prefix = absl::StrCat(r.case_(), "/subjects/");
    absl::string_view id = r.subject();
    if (!absl::ConsumePrefix(&id, prefix) || id.empty() || absl::StrContains(id, "/")) {
      return Invalid(At("subject"),
                     absl::StrCat("\"", r.subject().substr(0, 80), "\" is not a subject of ",
                                  r.case_(), " (", prefix, "{subject})"));
    }
  }
  if (!r.has_recipient()) return Invalid(At("recipient"), "give a person or a case role");
  RETURN_IF_ERROR(ValidateRecipient(r.recipient()));
  RETURN_IF_ERROR(val::RequiredMaxLength(At("summary"), r.summary(), 200));
  RETURN_IF_ERROR(val::MaxLength(At("details"), r.details(), 4000));
  if (r.purpose() == v1::PURPOSE_UNSPECIFIED || !v1::Purpose_IsValid(r.purpose())) {
    return Invalid(At("purpose"), "must be set");
  }
  RETURN_IF_ERROR(val::MaxLength(At("purpose_description"), r.purpose_description(), 500));
  if (r.purpose() == v1::PURPOSE_OTHER) {
    RETURN_IF_ERROR(val::Required(At("purpose_description"), r.purpose_description()));
  }
  if (r.categories_size() == 0) return Invalid(At("categories"), "give at least one category");
  RETURN_IF_ERROR(val::MaxCount(At("categories"), r.categories_size(), 10));
  std::set<std::string> seen;
  for (int i = 0; i < r.categories_size(); ++i) {
    std::string field = absl::StrCat(At("categories"), "[", i, "]");
    RETURN_IF_ERROR(val::ResourceId(field, r.categories(i)));
    if (!seen.insert(r.categories(i)).second) return Invalid(field, "listed twice");
  }
  RETURN_IF_ERROR(val::RequiredTimestamp(At("due_time"), r.due_time(), r.has_due_time()));
  RETURN_IF_ERROR(val::MaxLength(At("urgent_reason"), r.urgent_reason(), 500));
  if (r.urgent()) {
    RETURN_IF_ERROR(val::Required(At("urgent_reason"), r.urgent_reason()));
  }
  return absl::OkStatus();
}

absl::Status ValidateList(const v1::ListInformationRequestsRequest& req) {
  if (!v1::ListInformationRequestsRequest::View_IsValid(req.view())) {
    return Invalid("view", "unknown value");
  }
  if (!req.person().empty()) {
    RETURN_IF_ERROR(val::ParseName("person", req.person(), "people").status());
  }
  if (!req.case_().empty()) {
    RETURN_IF_ERROR(val::ParseName("case", req.case_(), "cases").status());
  } else if (req.view() == v1::ListInformationRequestsRequest::VIEW_CASE) {
    return Invalid("case", "required with VIEW_CASE");
  }
  for (int i = 0; i < req.states_size(); ++i) {
    if (req.states(i) == v1::InformationRequest::STATE_UNSPECIFIED ||
        !v1::InformationRequest::State_IsValid(req.states(i))) {
      return Invalid(absl::StrCat("states[", i, "]"), "unknown value");
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateFulfillment(const v1::InformationRequest::Fulfillment& fulfillment,
                                 bool is_set) {
  if (!is_set) return Invalid("fulfillment", "must be set");
  RETURN_IF_ERROR(val::RequiredMaxLength("fulfillment.resource", fulfillment.resource(), 1000));
  return val::MaxLength("fulfillment.comment", fulfillment.comment(), 1000);
}

absl::Status ValidateDeclineReason(absl::string_view reason) {
  return val::RequiredMaxLength("reason", reason, 1000);
}

}  // namespace samepage::sharing
