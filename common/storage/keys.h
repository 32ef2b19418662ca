#pragma once

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace samepage::storage {

// Builds order-preserving keys: a key is a sequence of fields, and comparing
// two keys bytewise compares their fields in order. Strings are escaped so
// that no string is a prefix-ambiguous extension of another ("ab" sorts before
// "ab\0" sorts before "abc"); integers are big-endian fixed width.
class KeyBuilder {
 public:
  KeyBuilder() = default;
  explicit KeyBuilder(absl::string_view type_prefix) { AddString(type_prefix); }

  // 0x00 becomes 0x00 0xFF; the string ends with 0x00 0x01.
  KeyBuilder& AddString(absl::string_view s);
  // Eight bytes, big-endian.
  KeyBuilder& AddUint64(uint64_t v);
  // Sign bit flipped, so that negative values sort first.
  KeyBuilder& AddInt64(int64_t v);

  const std::string& key() const { return key_; }
  std::string Release() { return std::move(key_); }

 private:
  std::string key_;
};

// Reads fields back in the order they were added.
class KeyReader {
 public:
  explicit KeyReader(absl::string_view key) : rest_(key) {}
  bool ReadString(std::string* out);
  bool ReadUint64(uint64_t* out);
  bool ReadInt64(int64_t* out);
  bool done() const { return rest_.empty(); }

 private:
  absl::string_view rest_;
};

// The smallest key greater than every key that starts with `prefix`; empty
// when there is none (a prefix of all 0xFF bytes).
std::string PrefixUpperBound(absl::string_view prefix);

}  // namespace samepage::storage
