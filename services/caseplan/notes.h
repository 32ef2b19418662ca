#pragma once

#include "absl/status/statusor.h"
#include "common/identity/caller.h"
#include "samepage/caseplan/v1/caseplan_service.pb.h"

namespace samepage::caseplan {

namespace v1 = ::samepage::caseplan::v1;

// The notes of a case: amendments, read receipts, and every read decided by
// the registry and the sharing service. Not built yet: every method answers
// UNIMPLEMENTED.
class Notes {
 public:
  absl::StatusOr<v1::Note> CreateNote(const identity::Caller& caller,
                                      const v1::CreateNoteRequest& req);
  absl::StatusOr<v1::Note> GetNote(const identity::Caller& caller, const v1::GetNoteRequest& req);
  absl::StatusOr<v1::ListNotesResponse> ListNotes(const identity::Caller& caller,
                                                  const v1::ListNotesRequest& req);
  absl::StatusOr<v1::Note> AmendNote(const identity::Caller& caller,
                                     const v1::AmendNoteRequest& req);
  absl::StatusOr<v1::ListNoteVersionsResponse> ListNoteVersions(
      const identity::Caller& caller, const v1::ListNoteVersionsRequest& req);
  absl::StatusOr<v1::NoteAcknowledgement> AcknowledgeNote(const identity::Caller& caller,
                                                          const v1::AcknowledgeNoteRequest& req);
};

}  // namespace samepage::caseplan
