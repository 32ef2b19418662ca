#include "common/validation/validation.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"

namespace samepage::validation {
namespace {

absl::Status Invalid(absl::string_view field, absl::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", problem));
}

// Counts code points, not bytes: limits are stated in characters.
size_t Utf8Length(absl::string_view s) {
  return std::count_if(s.begin(), s.end(),
                       [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; });
}

// Well-known-type bounds: 0001-01-01 to 9999-12-31.
constexpr int64_t kMinSeconds = -62135596800;
constexpr int64_t kMaxSeconds = 253402300799;

}  // namespace

absl::Status Required(absl::string_view field, absl::string_view value) {
  if (absl::StripAsciiWhitespace(value).empty()) return Invalid(field, "must not be empty");
  return absl::OkStatus();
}

absl::Status MaxLength(absl::string_view field, absl::string_view value, size_t max_chars) {
  if (Utf8Length(value) > max_chars) {
    return Invalid(field, absl::StrCat("must be at most ", max_chars, " characters"));
  }
  return absl::OkStatus();
}

absl::Status RequiredMaxLength(absl::string_view field, absl::string_view value, size_t max_chars) {
  absl::Status status = Required(field, value);
  if (!status.ok()) return status;
  return MaxLength(field, value, max_chars);
}

absl::Status MaxCount(absl::string_view field, int count, int max) {
  if (count > max) return Invalid(field, absl::StrCat("must have at most ", max, " entries"));
  return absl::OkStatus();
}

absl::Status ResourceId(absl::string_view field, absl::string_view id) {
  bool ok = id.size() >= 3 && id.size() <= 63 && absl::ascii_islower(id[0]);
  for (char c : id) {
    ok = ok && (absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '-');
  }
  if (!ok) {
    return Invalid(field, absl::StrCat("\"", id.substr(0, 80),
                                       "\" must be 3 to 63 lower-case letters, digits or hyphens, "
                                       "starting with a letter"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ParseName(absl::string_view field, absl::string_view name,
                                      absl::string_view collection) {
  if (name.empty()) return Invalid(field, "must not be empty");
  std::string prefix = absl::StrCat(collection, "/");
  absl::string_view id = name;
  bool ok = absl::ConsumePrefix(&id, prefix) && !id.empty() && id.size() <= 63;
  for (char c : id) ok = ok && (absl::ascii_isalnum(c) || c == '-' || c == '_');
  if (!ok) {
    return Invalid(field,
                   absl::StrCat("\"", name.substr(0, 80), "\" is not a resource name of the form ",
                                collection, "/{id}"));
  }
  return std::string(id);
}

absl::Status ValidTimestamp(absl::string_view field, const google::protobuf::Timestamp& t) {
  if (t.seconds() < kMinSeconds || t.seconds() > kMaxSeconds || t.nanos() < 0 ||
      t.nanos() > 999999999) {
    return Invalid(field, "is not a valid timestamp");
  }
  return absl::OkStatus();
}

absl::Status RequiredTimestamp(absl::string_view field, const google::protobuf::Timestamp& t,
                               bool is_set) {
  if (!is_set) return Invalid(field, "must be set");
  return ValidTimestamp(field, t);
}

absl::Status FieldMaskPaths(absl::string_view field, const google::protobuf::FieldMask& mask,
                            std::initializer_list<absl::string_view> allowed) {
  if (mask.paths_size() == 0) {
    return Invalid(field, absl::StrCat("must name the fields to change, any of: ",
                                       absl::StrJoin(allowed, ", ")));
  }
  for (const std::string& path : mask.paths()) {
    if (std::find(allowed.begin(), allowed.end(), path) == allowed.end()) {
      return Invalid(field,
                     absl::StrCat("\"", path.substr(0, 80),
                                  "\" cannot be updated; allowed: ", absl::StrJoin(allowed, ", ")));
    }
  }
  return absl::OkStatus();
}

bool MaskHas(const google::protobuf::FieldMask& mask, absl::string_view path) {
  return std::find(mask.paths().begin(), mask.paths().end(), path) != mask.paths().end();
}

}  // namespace samepage::validation
