#pragma once

// Enum values as the words people type and read: TYPE_FOSTER_PARENT with
// prefix "TYPE_" is "foster-parent".

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "cli/args.h"
#include "google/protobuf/generated_enum_reflection.h"

namespace samepage::cli {

// "TYPE_FOSTER_PARENT" with prefix "TYPE_" -> "foster-parent"; a `suffix`
// ("_NOTE") is dropped too.
inline std::string EnumWord(absl::string_view enum_name, absl::string_view prefix,
                            absl::string_view suffix = "") {
  absl::ConsumePrefix(&enum_name, prefix);
  if (!suffix.empty()) absl::ConsumeSuffix(&enum_name, suffix);
  return absl::StrReplaceAll(absl::AsciiStrToLower(enum_name), {{"_", "-"}});
}

// The word of `value`, or its number when the value is unknown to this build.
template <typename E>
std::string Word(E value, absl::string_view prefix, absl::string_view suffix = "") {
  const auto* v = google::protobuf::GetEnumDescriptor<E>()->FindValueByNumber(value);
  return v == nullptr ? absl::StrCat(static_cast<int>(value)) : EnumWord(v->name(), prefix, suffix);
}

// The word with spaces, for sentences: "consent directive".
template <typename E>
std::string Phrase(E value, absl::string_view prefix, absl::string_view suffix = "") {
  return absl::StrReplaceAll(Word(value, prefix, suffix), {{"-", " "}});
}

// Every value but the unspecified one, as words.
template <typename E>
std::string Words(absl::string_view prefix, absl::string_view suffix = "") {
  const auto* d = google::protobuf::GetEnumDescriptor<E>();
  std::vector<std::string> words;
  for (int i = 0; i < d->value_count(); ++i) {
    if (d->value(i)->number() != 0) words.push_back(EnumWord(d->value(i)->name(), prefix, suffix));
  }
  return absl::StrJoin(words, ", ");
}

// "foster-parent", "FOSTER_PARENT" or "TYPE_FOSTER_PARENT" -> the value; the
// unspecified value is a usage error naming `flag` (as typed, "--state") and
// listing the words. `what` names the kind of value.
template <typename E>
absl::StatusOr<E> ParseWord(absl::string_view flag, absl::string_view text,
                            absl::string_view prefix, absl::string_view what,
                            absl::string_view suffix = "") {
  std::string upper = absl::StrReplaceAll(absl::AsciiStrToUpper(absl::StripAsciiWhitespace(text)),
                                          {{"-", "_"}, {" ", "_"}});
  if (!absl::StartsWith(upper, prefix)) upper = absl::StrCat(prefix, upper);
  const auto* d = google::protobuf::GetEnumDescriptor<E>();
  const auto* v = d->FindValueByName(upper);
  if (v == nullptr && !suffix.empty()) v = d->FindValueByName(absl::StrCat(upper, suffix));
  if (v == nullptr || v->number() == 0) {
    return UsageError(
        absl::StrCat(flag, ": \"", text, "\" is not ", what, " (", Words<E>(prefix, suffix), ")"));
  }
  return static_cast<E>(v->number());
}

}  // namespace samepage::cli
