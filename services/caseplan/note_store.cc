#include "services/caseplan/note_store.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/clock/time_util.h"
#include "common/status/status_macros.h"
#include "common/storage/keys.h"

namespace samepage::caseplan {
namespace {

constexpr char kNotes[] = "notes";
constexpr char kNotesByTime[] = "notes_by_time";
constexpr char kVersions[] = "note_versions";
constexpr char kAcks[] = "note_acks";

using storage::KeyBuilder;
using storage::KeyReader;

template <typename T>
bool Parse(absl::string_view raw, T* out) {
  return out->ParseFromArray(raw.data(), static_cast<int>(raw.size()));
}

template <typename T>
absl::StatusOr<std::optional<T>> GetRecord(const storage::ReadView& view, absl::string_view cf,
                                           absl::string_view key) {
  ASSIGN_OR_RETURN(std::optional<std::string> raw, view.Get(cf, key));
  if (!raw.has_value()) return std::nullopt;
  T record;
  if (!Parse(*raw, &record)) {
    return absl::DataLossError(absl::StrCat(cf, ": stored record is corrupt"));
  }
  return record;
}

std::string NoteKey(absl::string_view case_id, absl::string_view note_id) {
  return KeyBuilder().AddString(case_id).AddString(note_id).Release();
}

// Newest first: the complement of the creation time sorts descending; the
// note id breaks ties between notes created in the same microsecond.
std::string TimeKey(absl::string_view case_id, const v1::Note& note, absl::string_view note_id) {
  const int64_t micros = absl::ToUnixMicros(FromProtoTime(note.create_time()));
  return KeyBuilder().AddString(case_id).AddInt64(~micros).AddString(note_id).Release();
}

std::string VersionKey(absl::string_view case_id, absl::string_view note_id, int32_t number) {
  return KeyBuilder()
      .AddString(case_id)
      .AddString(note_id)
      .AddUint64(~static_cast<uint64_t>(number))
      .Release();
}

std::string AckKey(absl::string_view case_id, absl::string_view note_id,
                   absl::string_view person_id) {
  return KeyBuilder().AddString(case_id).AddString(note_id).AddString(person_id).Release();
}

}  // namespace

std::vector<std::string> NoteStore::ColumnFamilies() {
  return {kNotes, kNotesByTime, kVersions, kAcks};
}

absl::StatusOr<std::optional<v1::Note>> NoteStore::GetNote(const storage::ReadView& view,
                                                           absl::string_view case_id,
                                                           absl::string_view note_id) const {
  return GetRecord<v1::Note>(view, kNotes, NoteKey(case_id, note_id));
}

void NoteStore::PutNote(storage::Batch& batch, absl::string_view case_id, absl::string_view note_id,
                        const v1::Note& note, bool index) const {
  v1::Note record = note;
  // Decided per reader, never stored.
  record.clear_acknowledgements();
  record.clear_obligations();
  record.clear_access_basis();
  record.clear_disclosure();
  batch.Put(kNotes, NoteKey(case_id, note_id), record.SerializeAsString());
  if (index) batch.Put(kNotesByTime, TimeKey(case_id, record, note_id), "");
}

void NoteStore::PutVersion(storage::Batch& batch, absl::string_view case_id,
                           absl::string_view note_id, const v1::NoteVersion& version) const {
  batch.Put(kVersions, VersionKey(case_id, note_id, version.version_number()),
            version.SerializeAsString());
}

absl::Status NoteStore::ScanNotes(const storage::ReadView& view, absl::string_view case_id,
                                  absl::string_view after, size_t first_read,
                                  const std::function<bool(absl::string_view, v1::Note&)>& fn) const {
  // The index gives the order; the notes it names are read a chunk at a time
  // (GetMany): most callers want one page, and reading far past it is waste.
  constexpr size_t kMaxChunk = 64;
  std::vector<std::string> index_keys;
  std::vector<std::string> note_keys;
  std::vector<std::string> note_ids;
  size_t chunk = std::clamp<size_t>(first_read, 1, kMaxChunk);
  bool stopped = false;
  absl::Status error = absl::OkStatus();
  // Hands the chunk's notes to `fn`; false when the scan should stop.
  auto flush = [&]() -> bool {
    if (note_keys.empty()) return true;
    absl::StatusOr<std::vector<std::optional<std::string>>> raws = view.GetMany(kNotes, note_keys);
    if (!raws.ok()) {
      error = raws.status();
      return false;
    }
    for (size_t i = 0; i < note_keys.size(); ++i) {
      const std::optional<std::string>& raw = (*raws)[i];
      if (!raw.has_value()) {
        error = absl::DataLossError(
            absl::StrCat("notes_by_time: indexes note ", note_ids[i], " which is missing"));
        return false;
      }
      v1::Note note;
      if (!Parse(*raw, &note)) {
        error = absl::DataLossError(absl::StrCat(kNotes, ": stored record is corrupt"));
        return false;
      }
      if (!fn(index_keys[i], note)) {
        stopped = true;
        return false;
      }
    }
    index_keys.clear();
    note_keys.clear();
    note_ids.clear();
    chunk = std::min(chunk * 2, kMaxChunk);
    return true;
  };
  RETURN_IF_ERROR(view.Scan(kNotesByTime, KeyBuilder().AddString(case_id).key(), after,
                            [&](absl::string_view key, absl::string_view) {
                              KeyReader reader(key);
                              std::string ignored_case, note_id;
                              int64_t ignored_time = 0;
                              if (!reader.ReadString(&ignored_case) ||
                                  !reader.ReadInt64(&ignored_time) ||
                                  !reader.ReadString(&note_id)) {
                                error = absl::DataLossError("notes_by_time: corrupt key");
                                return false;
                              }
                              index_keys.emplace_back(key);
                              note_keys.push_back(NoteKey(case_id, note_id));
                              note_ids.push_back(std::move(note_id));
                              return note_keys.size() < chunk || flush();
                            }));
  if (error.ok() && !stopped) flush();
  return error;
}

absl::Status NoteStore::ScanVersions(
    const storage::ReadView& view, absl::string_view case_id, absl::string_view note_id,
    absl::string_view after,
    const std::function<bool(absl::string_view, const v1::NoteVersion&)>& fn) const {
  absl::Status error = absl::OkStatus();
  RETURN_IF_ERROR(view.Scan(kVersions, NoteKey(case_id, note_id), after,
                            [&](absl::string_view key, absl::string_view raw) {
                              v1::NoteVersion version;
                              if (!Parse(raw, &version)) {
                                error = absl::DataLossError("note_versions: corrupt record");
                                return false;
                              }
                              return fn(key, version);
                            }));
  return error;
}

absl::StatusOr<std::optional<v1::NoteAcknowledgement>> NoteStore::GetAck(
    const storage::ReadView& view, absl::string_view case_id, absl::string_view note_id,
    absl::string_view person_id) const {
  return GetRecord<v1::NoteAcknowledgement>(view, kAcks, AckKey(case_id, note_id, person_id));
}

void NoteStore::PutAck(storage::Batch& batch, absl::string_view case_id, absl::string_view note_id,
                       absl::string_view person_id, const v1::NoteAcknowledgement& ack) const {
  batch.Put(kAcks, AckKey(case_id, note_id, person_id), ack.SerializeAsString());
}

absl::StatusOr<std::vector<v1::NoteAcknowledgement>> NoteStore::Acks(
    const storage::ReadView& view, absl::string_view case_id, absl::string_view note_id) const {
  ASSIGN_OR_RETURN(auto acks, AcksOf(view, case_id, {std::string(note_id)}));
  return std::move(acks[0]);
}

absl::StatusOr<std::vector<std::vector<v1::NoteAcknowledgement>>> NoteStore::AcksOf(
    const storage::ReadView& view, absl::string_view case_id,
    const std::vector<std::string>& note_ids) const {
  std::vector<std::string> prefixes;
  prefixes.reserve(note_ids.size());
  for (const std::string& id : note_ids) prefixes.push_back(NoteKey(case_id, id));
  std::vector<std::vector<v1::NoteAcknowledgement>> out(note_ids.size());
  absl::Status error = absl::OkStatus();
  RETURN_IF_ERROR(
      view.ScanEach(kAcks, prefixes, [&](size_t i, absl::string_view, absl::string_view raw) {
        v1::NoteAcknowledgement ack;
        if (!Parse(raw, &ack)) {
          error = absl::DataLossError("note_acks: corrupt record");
          return false;
        }
        out[i].push_back(std::move(ack));
        return true;
      }));
  RETURN_IF_ERROR(error);
  return out;
}

}  // namespace samepage::caseplan
