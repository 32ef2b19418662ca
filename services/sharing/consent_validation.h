#pragma once

#include <map>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "samepage/registry/v1/resources.pb.h"
#include "samepage/sharing/v1/sharing_service.pb.h"

// Request checks of the decision point. Each returns INVALID_ARGUMENT with a
// message that starts with the field path; nothing is read or written.
namespace samepage::sharing {

// The category catalog by id.
using Catalog = std::map<std::string, v1::Category>;

absl::Status ValidateCategory(const v1::CreateCategoryRequest& req);

// A directive as given to CreateConsent (output-only fields ignored).
absl::Status ValidateConsent(const v1::ConsentDirective& c, const Catalog& catalog, absl::Time now);
// Whether any listed category is a Part 2 category.
bool CoversPart2(const google::protobuf::RepeatedPtrField<std::string>& categories,
                 const Catalog& catalog);

// Whether the consenter's authority fits the case record (who holds
// custody, who is whose parent): FAILED_PRECONDITION when it does not.
absl::Status CheckConsenterAuthority(const v1::ConsentDirective& c,
                                     const registry::v1::Case& case_record, const Catalog& catalog);

absl::Status ValidateCourtOrder(const v1::CourtOrder& o, const Catalog& catalog, absl::Time now);

// A CheckAccess request (or a batch item, with `field` the prefix such as
// "requests[3]."; empty for a single check).
absl::Status ValidateCheck(const v1::CheckAccessRequest& req, absl::string_view prefix);

absl::Status ValidateDisclosure(const v1::Disclosure& d, const Catalog& catalog, absl::Time now);

// The case name a subject name belongs to: "cases/x/subjects/y" -> "cases/x";
// INVALID_ARGUMENT naming `field` when it is not a subject name.
absl::Status ParseSubject(absl::string_view field, absl::string_view subject,
                          std::string* case_name);

}  // namespace samepage::sharing
