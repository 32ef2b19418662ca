#include "common/audit/hash_chain.h"

#include <openssl/evp.h>

#include <cstdlib>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace samepage::audit {

std::string Sha256Hex(absl::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr) != 1) {
    // An impossible state for SHA-256 over memory: fail loudly.
    std::abort();
  }
  return absl::BytesToHexString(absl::string_view(reinterpret_cast<char*>(md), len));
}

std::string ChainHash(absl::string_view previous_hash, absl::string_view content) {
  return Sha256Hex(absl::StrCat(previous_hash, content));
}

}  // namespace samepage::audit
