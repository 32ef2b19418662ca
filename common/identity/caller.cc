#include "common/identity/caller.h"

#include "absl/strings/match.h"
#include "absl/strings/string_view.h"

namespace samepage::identity {

std::string Caller::PersonName() const {
  constexpr absl::string_view kPrefix = "people/";
  if (!absl::StartsWith(subject, kPrefix)) return "";
  absl::string_view id = absl::string_view(subject).substr(kPrefix.size());
  // "people/" alone or "people/1/x" names no person; treating them as one
  // would let a token's subject reach into another resource's namespace.
  if (id.empty() || absl::StrContains(id, '/')) return "";
  return subject;
}

}  // namespace samepage::identity
