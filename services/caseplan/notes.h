#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/clock/clock.h"
#include "common/identity/caller.h"
#include "common/storage/store.h"
#include "samepage/caseplan/v1/caseplan_service.pb.h"
#include "samepage/registry/v1/registry_service.pb.h"
#include "samepage/sharing/v1/sharing_service.pb.h"
#include "services/caseplan/note_store.h"
#include "services/caseplan/peers.h"

namespace samepage::caseplan {

// The notes of a case: versions that are never rewritten, read receipts,
// and every read decided twice — the registry says whether the caller may
// see the case, the sharing service whether they may read each note (one
// `BatchCheckAccess` per page, recording the disclosure of permitted
// sensitive reads). Knows nothing of gRPC; reaches its peers through
// `Peers`.
class Notes {
 public:
  Notes(storage::Store* store, const Clock* clock, Peers* peers);

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

 private:
  // The caller as a person on the case (team member, supervisor of one, or
  // administrator) with the registry's answer; PERMISSION_DENIED otherwise.
  // Notes are decided per person, so non-person callers never read them.
  absl::StatusOr<registry::v1::CheckCaseAccessResponse> RequireReader(
      const identity::Caller& caller, const std::string& case_name);
  // The sharing service's decisions for `reader` on each note, in order, in
  // one call.
  absl::StatusOr<std::vector<sharing::v1::CheckAccessResponse>> Decide(
      const std::string& reader, const std::vector<const v1::Note*>& notes,
      sharing::v1::Purpose purpose, bool record);
  // The category, or INVALID_ARGUMENT naming `field` when the catalog has no
  // such category; a psychotherapy note needs an author-only category.
  absl::Status CheckCategory(absl::string_view field, const std::string& category_id,
                             v1::Note::Kind kind);
  // INVALID_ARGUMENT naming `field` unless `subject` is a subject of the case.
  absl::Status CheckSubject(absl::string_view field, const std::string& case_name,
                            const std::string& subject);
  v1::Event NewEvent(const std::string& actor, v1::Event::Type type,
                     const std::string& resource) const;

  storage::Store* store_;
  const Clock* clock_;
  Peers* peers_;
  NoteStore data_;
};

}  // namespace samepage::caseplan
