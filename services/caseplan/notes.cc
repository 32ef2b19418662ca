#include "services/caseplan/notes.h"

namespace samepage::caseplan {
namespace {

absl::Status NotYet() { return absl::UnimplementedError("notes: not implemented yet"); }

}  // namespace

absl::StatusOr<v1::Note> Notes::CreateNote(const identity::Caller&, const v1::CreateNoteRequest&) {
  return NotYet();
}
absl::StatusOr<v1::Note> Notes::GetNote(const identity::Caller&, const v1::GetNoteRequest&) {
  return NotYet();
}
absl::StatusOr<v1::ListNotesResponse> Notes::ListNotes(const identity::Caller&,
                                                       const v1::ListNotesRequest&) {
  return NotYet();
}
absl::StatusOr<v1::Note> Notes::AmendNote(const identity::Caller&, const v1::AmendNoteRequest&) {
  return NotYet();
}
absl::StatusOr<v1::ListNoteVersionsResponse> Notes::ListNoteVersions(
    const identity::Caller&, const v1::ListNoteVersionsRequest&) {
  return NotYet();
}
absl::StatusOr<v1::NoteAcknowledgement> Notes::AcknowledgeNote(const identity::Caller&,
                                                               const v1::AcknowledgeNoteRequest&) {
  return NotYet();
}

}  // namespace samepage::caseplan
