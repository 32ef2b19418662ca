#pragma once

#include <initializer_list>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/field_mask.pb.h"
#include "google/protobuf/timestamp.pb.h"

// Request checks shared by every service. Each returns INVALID_ARGUMENT with a
// message that starts with the field path, e.g. `person.display_name: must not
// be empty`, so that a client can tell its user which field to fix.
namespace samepage::validation {

absl::Status Required(absl::string_view field, absl::string_view value);
absl::Status MaxLength(absl::string_view field, absl::string_view value, size_t max_chars);
// Required and at most `max_chars`.
absl::Status RequiredMaxLength(absl::string_view field, absl::string_view value, size_t max_chars);
absl::Status MaxCount(absl::string_view field, int count, int max);

// A resource id chosen by a client: 3 to 63 of [a-z0-9-], starting with a letter.
absl::Status ResourceId(absl::string_view field, absl::string_view id);

// Parses `{collection}/{id}` (e.g. "people/x1") and returns the id. An empty
// name is reported as missing.
absl::StatusOr<std::string> ParseName(absl::string_view field, absl::string_view name,
                                      absl::string_view collection);

// A timestamp that is set and within protobuf's valid range.
absl::Status RequiredTimestamp(absl::string_view field, const google::protobuf::Timestamp& t,
                               bool is_set);
absl::Status ValidTimestamp(absl::string_view field, const google::protobuf::Timestamp& t);

// Every path in `mask` must be one of `allowed`; the mask must not be empty.
absl::Status FieldMaskPaths(absl::string_view field, const google::protobuf::FieldMask& mask,
                            std::initializer_list<absl::string_view> allowed);

// Whether `path` is in `mask`.
bool MaskHas(const google::protobuf::FieldMask& mask, absl::string_view path);

}  // namespace samepage::validation
