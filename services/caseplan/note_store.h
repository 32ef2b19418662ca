#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/storage/store.h"
#include "samepage/caseplan/v1/caseplan_service.pb.h"

namespace samepage::caseplan {

// The notes' records and indexes on RocksDB. Every key starts with the case
// id, so a case's notes are one prefix scan and "newest first" is the key
// order: listing a page costs the page, not the number of notes on the case.
//
// Column families:
//   notes           (case id, note id) -> Note: the current version, without
//                   acknowledgements or anything decided per reader
//   notes_by_time   (case id, ~create micros, note id) -> "": newest first
//   note_versions   (case id, note id, ~version number) -> NoteVersion;
//                   newest first, never rewritten
//   note_acks       (case id, note id, person id) -> NoteAcknowledgement:
//                   the latest read receipt of each person
class NoteStore {
 public:
  static std::vector<std::string> ColumnFamilies();

  NoteStore() = default;

  absl::StatusOr<std::optional<v1::Note>> GetNote(const storage::ReadView& view,
                                                  absl::string_view case_id,
                                                  absl::string_view note_id) const;
  // Writes the note's current record; with `index`, also its place in the
  // case's newest-first index (on create; the create time never changes).
  void PutNote(storage::Batch& batch, absl::string_view case_id, absl::string_view note_id,
               const v1::Note& note, bool index) const;
  void PutVersion(storage::Batch& batch, absl::string_view case_id, absl::string_view note_id,
                  const v1::NoteVersion& version) const;

  // The notes of a case, newest first, after the index key `after`, until
  // `fn` returns false. `fn` may move the note it is handed. Notes are read
  // `first_read` at a time at first (a caller that wants a page of n reads
  // n + 1 to know whether there are more), then in growing chunks.
  absl::Status ScanNotes(const storage::ReadView& view, absl::string_view case_id,
                         absl::string_view after, size_t first_read,
                         const std::function<bool(absl::string_view key, v1::Note&)>& fn) const;
  // The versions of a note, newest first, after the key `after`.
  absl::Status ScanVersions(
      const storage::ReadView& view, absl::string_view case_id, absl::string_view note_id,
      absl::string_view after,
      const std::function<bool(absl::string_view key, const v1::NoteVersion&)>& fn) const;

  absl::StatusOr<std::optional<v1::NoteAcknowledgement>> GetAck(const storage::ReadView& view,
                                                                absl::string_view case_id,
                                                                absl::string_view note_id,
                                                                absl::string_view person_id) const;
  void PutAck(storage::Batch& batch, absl::string_view case_id, absl::string_view note_id,
              absl::string_view person_id, const v1::NoteAcknowledgement& ack) const;
  // Every person's latest read receipt of a note, by person id.
  absl::StatusOr<std::vector<v1::NoteAcknowledgement>> Acks(const storage::ReadView& view,
                                                            absl::string_view case_id,
                                                            absl::string_view note_id) const;
  // The same for several notes of a case (in the order of `note_ids`), with
  // one iterator.
  absl::StatusOr<std::vector<std::vector<v1::NoteAcknowledgement>>> AcksOf(
      const storage::ReadView& view, absl::string_view case_id,
      const std::vector<std::string>& note_ids) const;
};

}  // namespace samepage::caseplan
