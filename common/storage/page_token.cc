#include "common/storage/page_token.h"

#include <cstdint>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace samepage::storage {
namespace {

// FNV-1a: stable across processes and builds, unlike absl::Hash. Not a
// security boundary; it only catches a token used with another request.
uint32_t Fingerprint(absl::string_view s) {
  uint32_t h = 2166136261u;
  for (unsigned char c : s) {
    h ^= c;
    h *= 16777619u;
  }
  return h;
}

constexpr char kVersion = '1';

}  // namespace

std::string EncodePageToken(absl::string_view last_key, absl::string_view request_fingerprint) {
  uint32_t fp = Fingerprint(request_fingerprint);
  std::string raw(1, kVersion);
  for (int shift = 24; shift >= 0; shift -= 8)
    raw.push_back(static_cast<char>((fp >> shift) & 0xff));
  raw.append(last_key.data(), last_key.size());
  return absl::WebSafeBase64Escape(raw);
}

absl::StatusOr<std::string> DecodePageToken(absl::string_view token,
                                            absl::string_view request_fingerprint) {
  std::string raw;
  if (!absl::WebSafeBase64Unescape(token, &raw) || raw.size() < 5 || raw[0] != kVersion) {
    return absl::InvalidArgumentError("page_token: malformed; pass next_page_token unchanged");
  }
  uint32_t fp = 0;
  for (int i = 1; i <= 4; ++i) fp = (fp << 8) | static_cast<unsigned char>(raw[i]);
  if (fp != Fingerprint(request_fingerprint)) {
    return absl::InvalidArgumentError(
        "page_token: was issued for a request with different parameters");
  }
  return raw.substr(5);
}

absl::StatusOr<int> ResolvePageSize(int requested, int default_size, int max_size) {
  if (requested < 0) return absl::InvalidArgumentError("page_size: must not be negative");
  if (requested > max_size) {
    return absl::InvalidArgumentError(absl::StrCat("page_size: must be at most ", max_size));
  }
  return requested == 0 ? default_size : requested;
}

}  // namespace samepage::storage
