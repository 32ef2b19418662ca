#include "common/storage/records.h"

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"

namespace samepage::storage {

std::string NewResourceId(absl::string_view prefix) {
  static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  absl::BitGen gen;
  std::string id(prefix);
  for (int i = 0; i < 12; ++i) id.push_back(kAlphabet[absl::Uniform(gen, 0, 36)]);
  return id;
}

std::string EtagFor(int64_t revision) { return absl::StrCat("r", revision); }

absl::Status CheckEtag(absl::string_view field, absl::string_view given,
                       absl::string_view current) {
  if (!given.empty() && given != current) {
    return absl::AbortedError(absl::StrCat(
        field, ": \"", given.substr(0, 40), "\" does not match the current etag \"", current,
        "\"; someone changed the record since you read it: read it again and retry"));
  }
  return absl::OkStatus();
}

std::string IdOf(absl::string_view name) {
  size_t slash = name.rfind('/');
  return std::string(slash == absl::string_view::npos ? name : name.substr(slash + 1));
}

}  // namespace samepage::storage
