#pragma once

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/repeated_ptr_field.h"
#include "samepage/directory/v1/resources.pb.h"

// Field checks for the directory's resources that need no stored state.
namespace samepage::directory {

// At most 20, each with a channel and a value, at most one preferred.
absl::Status ValidateContactPoints(
    absl::string_view field, const google::protobuf::RepeatedPtrField<v1::ContactPoint>& points);

// A known time zone and well-formed weekly periods.
absl::Status ValidateWorkingHours(absl::string_view field, const v1::WorkingHours& hours);

// Start and end set, end after start, delegate a person name other than `self`.
absl::Status ValidateOutOfOffice(absl::string_view field, const v1::OutOfOffice& ooo,
                                 absl::string_view self);

}  // namespace samepage::directory
