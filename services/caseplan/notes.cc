#include "services/caseplan/notes.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/clock/time_util.h"
#include "common/status/status_macros.h"
#include "common/storage/page_token.h"
#include "common/storage/records.h"
#include "common/validation/validation.h"
#include "services/caseplan/caseplan_events.h"

namespace samepage::caseplan {
namespace {

namespace val = ::samepage::validation;
namespace reg = ::samepage::registry::v1;
namespace sh = ::samepage::sharing::v1;
using identity::Caller;
using reg::CheckCaseAccessResponse;
using storage::Batch;
using storage::ReadView;

// Index entries looked at per ListNotes page at most, so that a filter that
// matches little (or a caller who may read little) cannot make one call
// walk the whole case; the page then ends early with a token.
constexpr int kMaxScannedPerPage = 1000;
constexpr size_t kMaxTitle = 200;
constexpr size_t kMaxBody = 100000;
constexpr size_t kMaxReason = 1000;

absl::Status Invalid(absl::string_view field, absl::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", problem));
}

absl::Status Denied(absl::string_view case_name) {
  return absl::PermissionDeniedError(absl::StrCat(
      case_name,
      ": you are not on this case's team, a supervisor of a member, or an administrator of its "
      "lead agency"));
}

bool Has(const CheckCaseAccessResponse& access, CheckCaseAccessResponse::Basis basis) {
  return std::find(access.bases().begin(), access.bases().end(), basis) != access.bases().end();
}

std::string CaseName(absl::string_view case_id) { return absl::StrCat("cases/", case_id); }
std::string NoteName(absl::string_view case_id, absl::string_view note_id) {
  return absl::StrCat("cases/", case_id, "/notes/", note_id);
}

// `cases/{case}/notes/{note}` -> (case id, note id).
absl::StatusOr<std::pair<std::string, std::string>> ParseNote(absl::string_view field,
                                                              absl::string_view name) {
  if (name.empty()) return Invalid(field, "must not be empty");
  const size_t at = name.find("/notes/");
  if (at == absl::string_view::npos) {
    return Invalid(field,
                   absl::StrCat("\"", name.substr(0, 80),
                                "\" is not a note name of the form cases/{case}/notes/{note}"));
  }
  ASSIGN_OR_RETURN(std::string case_id, val::ParseName(field, name.substr(0, at), "cases"));
  ASSIGN_OR_RETURN(std::string note_id, val::ParseName(field, name.substr(at + 1), "notes"));
  return std::make_pair(std::move(case_id), std::move(note_id));
}

// A category id of the catalog: 1 to 63 of [a-z0-9-].
absl::Status CategoryId(absl::string_view field, absl::string_view id) {
  bool ok = !id.empty() && id.size() <= 63;
  for (char c : id) ok = ok && (absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '-');
  if (!ok) {
    return Invalid(field, id.empty() ? "must not be empty"
                                     : absl::StrCat("\"", id.substr(0, 80),
                                                    "\" is not a category id (lower-case letters, "
                                                    "digits and hyphens)"));
  }
  return absl::OkStatus();
}

// `cases/{case}/subjects/{subject}` of this case, by form only.
absl::Status SubjectForm(absl::string_view field, absl::string_view name,
                         absl::string_view case_id) {
  absl::string_view id = name;
  if (!absl::ConsumePrefix(&id, absl::StrCat("cases/", case_id, "/subjects/"))) {
    return Invalid(
        field, absl::StrCat("\"", name.substr(0, 80), "\" is not a subject of this case (cases/",
                            case_id, "/subjects/{subject})"));
  }
  return val::ParseName(field, absl::StrCat("subjects/", id), "subjects").status();
}

// A `samepage.sharing.v1.Purpose` value name; empty means care coordination.
absl::StatusOr<sh::Purpose> ParsePurpose(absl::string_view field, const std::string& name) {
  if (name.empty()) return sh::PURPOSE_CARE_COORDINATION;
  sh::Purpose purpose = sh::PURPOSE_UNSPECIFIED;
  if (!sh::Purpose_Parse(name, &purpose) || purpose == sh::PURPOSE_UNSPECIFIED) {
    return Invalid(field, absl::StrCat("\"", name.substr(0, 80),
                                       "\" is not a purpose (e.g. PURPOSE_CARE_COORDINATION, "
                                       "PURPOSE_COURT_PROCEEDINGS, PURPOSE_TREATMENT)"));
  }
  return purpose;
}

absl::Status ValidateKind(absl::string_view field, v1::Note::Kind kind) {
  if (kind == v1::Note::KIND_UNSPECIFIED || !v1::Note::Kind_IsValid(kind)) {
    return Invalid(field, "must be set to a known kind");
  }
  return absl::OkStatus();
}

absl::Status OptionalTime(absl::string_view field, bool is_set,
                          const google::protobuf::Timestamp& t) {
  return is_set ? val::ValidTimestamp(field, t) : absl::OkStatus();
}

// The case a note belongs to, from its name.
std::string CaseOf(const v1::Note& note) {
  return std::string(note.name().substr(0, note.name().find("/notes/")));
}

bool Permitted(const sh::CheckAccessResponse& d) {
  return d.decision() == sh::CheckAccessResponse::DECISION_PERMIT;
}

// The note as this reader gets it: read receipts, and what the decision
// that let them read it says.
v1::Note Present(v1::Note note, std::vector<v1::NoteAcknowledgement> acks,
                 const sh::CheckAccessResponse& decision) {
  for (v1::NoteAcknowledgement& ack : acks) *note.add_acknowledgements() = std::move(ack);
  for (const sh::Obligation& o : decision.obligations()) {
    v1::Obligation* out = note.add_obligations();
    out->set_type(static_cast<v1::Obligation::Type>(o.type()));
    out->set_text(o.text());
    out->set_source(o.source());
  }
  note.set_access_basis(sh::AccessBasis_Name(decision.basis()));
  note.set_disclosure(decision.disclosure());
  return note;
}

v1::NoteVersion VersionOf(const v1::Note& note) {
  v1::NoteVersion v;
  v.set_name(absl::StrCat(note.name(), "/versions/", note.version_number()));
  v.set_version_number(note.version_number());
  v.set_category(note.category());
  v.set_title(note.title());
  v.set_body(note.body());
  v.set_subject(note.subject());
  v.set_amended_by(note.amended_by());
  v.set_amend_reason(note.amend_reason());
  *v.mutable_create_time() = note.update_time();
  return v;
}

// Events carry the note without its text: the stream is not a way around
// the access decision.
v1::Note WithoutBody(v1::Note note) {
  note.clear_body();
  return note;
}

absl::Status NoSuchNote(absl::string_view field, absl::string_view name) {
  return absl::NotFoundError(absl::StrCat(field, ": ", name, " does not exist"));
}

absl::Status MayNotRead(absl::string_view field, const v1::Note& note, sh::Purpose purpose) {
  return absl::PermissionDeniedError(absl::StrCat(
      field, ": you may not read ", note.name(), " (category ", note.category(), ", for ",
      sh::Purpose_Name(purpose), "): no consent, court order or role covers you"));
}

}  // namespace

Notes::Notes(storage::Store* store, const Clock* clock, Peers* peers)
    : store_(store), clock_(clock), peers_(peers) {}

v1::Event Notes::NewEvent(const std::string& actor, v1::Event::Type type,
                          const std::string& resource) const {
  v1::Event event;
  event.set_type(type);
  *event.mutable_event_time() = ToProtoTime(clock_->Now());
  event.set_actor(actor);
  event.set_resource(resource);
  return event;
}

absl::StatusOr<CheckCaseAccessResponse> Notes::RequireReader(const Caller& caller,
                                                             const std::string& case_name) {
  const std::string me = caller.PersonName();
  if (me.empty()) {
    return absl::PermissionDeniedError(absl::StrCat(
        case_name, ": notes are read and written by people; each read is decided for a person"));
  }
  absl::StatusOr<CheckCaseAccessResponse> access = peers_->CaseAccess(case_name, me);
  if (absl::IsNotFound(access.status())) return Denied(case_name);
  RETURN_IF_ERROR(access.status());
  if (!access->allowed()) return Denied(case_name);
  return *std::move(access);
}

absl::StatusOr<std::vector<sh::CheckAccessResponse>> Notes::Decide(
    const std::string& reader, const std::vector<const v1::Note*>& notes, sh::Purpose purpose,
    bool record) {
  if (notes.empty()) return std::vector<sh::CheckAccessResponse>{};
  sh::BatchCheckAccessRequest checks;
  checks.mutable_requests()->Reserve(static_cast<int>(notes.size()));
  for (const v1::Note* note : notes) {
    sh::CheckAccessRequest& check = *checks.add_requests();
    check.set_requester(reader);
    check.set_case_(CaseOf(*note));
    check.set_subject(note->subject());
    check.set_category(note->category());
    check.set_purpose(purpose);
    check.set_resource(note->name());
    check.set_author(note->author());
    check.set_record(record);
  }
  ASSIGN_OR_RETURN(sh::BatchCheckAccessResponse decided,
                   peers_->BatchCheckAccess(std::move(checks)));
  std::vector<sh::CheckAccessResponse> decisions;
  decisions.reserve(decided.responses_size());
  for (sh::CheckAccessResponse& d : *decided.mutable_responses()) decisions.push_back(std::move(d));
  return decisions;
}

absl::Status Notes::CheckCategory(absl::string_view field, const std::string& category_id,
                                  v1::Note::Kind kind) {
  absl::StatusOr<sh::Category> category = peers_->GetCategory(category_id);
  if (absl::IsNotFound(category.status())) {
    return Invalid(field,
                   absl::StrCat("\"", category_id, "\" is not a category of the sharing catalog"));
  }
  RETURN_IF_ERROR(category.status());
  if (kind == v1::Note::KIND_PSYCHOTHERAPY_NOTE && !category->author_only()) {
    return Invalid(field, absl::StrCat("a psychotherapy note needs an author-only category "
                                       "(e.g. psychotherapy-notes), not \"",
                                       category_id, "\""));
  }
  return absl::OkStatus();
}

absl::Status Notes::CheckSubject(absl::string_view field, const std::string& case_name,
                                 const std::string& subject) {
  ASSIGN_OR_RETURN(reg::Case c, peers_->GetCase(case_name));
  for (const reg::CaseSubject& s : c.subjects()) {
    if (s.name() == subject) return absl::OkStatus();
  }
  return Invalid(field, absl::StrCat("\"", subject, "\" is not a subject of ", case_name));
}

namespace {

// Addressees get an update in their feed; whether they may read the note is
// decided when it is delivered, as for any reader.
absl::Status ValidateAddressees(const google::protobuf::RepeatedPtrField<std::string>& addressees) {
  constexpr int kMaxAddressees = 20;
  if (addressees.size() > kMaxAddressees) {
    return Invalid("note.addressees", absl::StrCat("at most ", kMaxAddressees, " people"));
  }
  for (int i = 0; i < addressees.size(); ++i) {
    const std::string field = absl::StrCat("note.addressees[", i, "]");
    RETURN_IF_ERROR(val::ParseName(field, addressees[i], "people").status());
    for (int j = 0; j < i; ++j) {
      if (addressees[j] == addressees[i]) return Invalid(field, "appears twice");
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<v1::Note> Notes::CreateNote(const Caller& caller, const v1::CreateNoteRequest& req) {
  ASSIGN_OR_RETURN(std::string case_id, val::ParseName("parent", req.parent(), "cases"));
  if (!req.has_note()) return Invalid("note", "must be set");
  const v1::Note& in = req.note();
  RETURN_IF_ERROR(ValidateKind("note.kind", in.kind()));
  RETURN_IF_ERROR(CategoryId("note.category", in.category()));
  RETURN_IF_ERROR(val::MaxLength("note.title", in.title(), kMaxTitle));
  RETURN_IF_ERROR(val::RequiredMaxLength("note.body", in.body(), kMaxBody));
  if (!in.subject().empty()) RETURN_IF_ERROR(SubjectForm("note.subject", in.subject(), case_id));
  if (!in.answers_request().empty()) {
    RETURN_IF_ERROR(
        val::ParseName("note.answers_request", in.answers_request(), "informationRequests")
            .status());
  }
  RETURN_IF_ERROR(OptionalTime("note.occur_time", in.has_occur_time(), in.occur_time()));
  RETURN_IF_ERROR(ValidateAddressees(in.addressees()));
  if (!req.note_id().empty()) RETURN_IF_ERROR(val::ResourceId("note_id", req.note_id()));

  const std::string case_name = CaseName(case_id);
  ASSIGN_OR_RETURN(CheckCaseAccessResponse access, RequireReader(caller, case_name));
  if (!Has(access, CheckCaseAccessResponse::BASIS_TEAM_MEMBER)) {
    return absl::PermissionDeniedError(
        absl::StrCat("parent: only current members of the team of ", case_name, " add notes"));
  }
  if (access.case_state() == reg::Case::STATE_CLOSED) {
    return absl::FailedPreconditionError(
        absl::StrCat("parent: ", case_name, " is closed; no notes are added to it"));
  }
  RETURN_IF_ERROR(CheckCategory("note.category", in.category(), in.kind()));
  if (!in.subject().empty()) RETURN_IF_ERROR(CheckSubject("note.subject", case_name, in.subject()));

  const std::string me = caller.PersonName();
  const std::string note_id = req.note_id().empty() ? storage::NewResourceId("n") : req.note_id();
  const std::string name = NoteName(case_id, note_id);
  // The request is fulfilled first, as the caller (a recipient answers it):
  // a request that is not theirs, of another case or already closed then
  // changes nothing here. A note id already taken must not fulfil it either
  // (the transaction below checks that again for every note).
  if (!in.answers_request().empty()) {
    ASSIGN_OR_RETURN(std::optional<v1::Note> taken,
                     data_.GetNote(store_->reader(), case_id, note_id));
    if (taken.has_value()) {
      return absl::AlreadyExistsError(absl::StrCat("note_id: ", name, " already exists"));
    }
    ASSIGN_OR_RETURN(sh::InformationRequest request,
                     peers_->GetInformationRequest(caller, in.answers_request()));
    if (request.case_() != case_name) {
      return Invalid("note.answers_request", absl::StrCat(in.answers_request(), " is about ",
                                                          request.case_(), ", not ", case_name));
    }
    absl::StatusOr<sh::InformationRequest> fulfilled =
        peers_->FulfillInformationRequest(caller, in.answers_request(), name);
    if (!fulfilled.ok()) {
      const absl::Status& s = fulfilled.status();
      if (absl::IsInvalidArgument(s)) return Invalid("note.answers_request", s.message());
      return absl::Status(s.code(), absl::StrCat("note.answers_request: ", s.message()));
    }
  }

  const absl::Time now = clock_->Now();
  v1::Note note;
  note.set_name(name);
  note.set_author(me);
  note.set_kind(in.kind());
  note.set_category(in.category());
  note.set_title(in.title());
  note.set_body(in.body());
  note.set_subject(in.subject());
  note.set_answers_request(in.answers_request());
  *note.mutable_addressees() = in.addressees();
  if (in.has_occur_time()) *note.mutable_occur_time() = in.occur_time();
  note.set_version_number(1);
  note.set_amended_by(me);
  *note.mutable_create_time() = ToProtoTime(now);
  *note.mutable_update_time() = ToProtoTime(now);

  RETURN_IF_ERROR(store_->Transact([&](const ReadView& view, Batch& batch) -> absl::Status {
    ASSIGN_OR_RETURN(std::optional<v1::Note> existing, data_.GetNote(view, case_id, note_id));
    if (existing.has_value()) {
      return absl::AlreadyExistsError(absl::StrCat("note_id: ", name, " already exists"));
    }
    note.set_etag(storage::EtagFor(batch.next_revision()));
    data_.PutNote(batch, case_id, note_id, note, /*index=*/true);
    data_.PutVersion(batch, case_id, note_id, VersionOf(note));
    v1::Event event = NewEvent(caller.subject, v1::Event::TYPE_NOTE_CREATED, name);
    *event.mutable_note() = WithoutBody(note);
    AppendEvent(batch, event);
    return absl::OkStatus();
  }));
  note.set_access_basis(sh::AccessBasis_Name(sh::ACCESS_BASIS_AUTHORSHIP));
  return note;
}

absl::StatusOr<v1::Note> Notes::GetNote(const Caller& caller, const v1::GetNoteRequest& req) {
  ASSIGN_OR_RETURN(auto parsed, ParseNote("name", req.name()));
  const auto& [case_id, note_id] = parsed;
  ASSIGN_OR_RETURN(sh::Purpose purpose, ParsePurpose("purpose", req.purpose()));
  RETURN_IF_ERROR(RequireReader(caller, CaseName(case_id)).status());
  auto snapshot = store_->Snapshot();
  ASSIGN_OR_RETURN(std::optional<v1::Note> note, data_.GetNote(*snapshot, case_id, note_id));
  if (!note.has_value()) return NoSuchNote("name", req.name());
  ASSIGN_OR_RETURN(std::vector<sh::CheckAccessResponse> decisions,
                   Decide(caller.PersonName(), {&*note}, purpose, /*record=*/true));
  if (!Permitted(decisions[0])) return MayNotRead("name", *note, purpose);
  ASSIGN_OR_RETURN(std::vector<v1::NoteAcknowledgement> acks,
                   data_.Acks(*snapshot, case_id, note_id));
  return Present(*std::move(note), std::move(acks), decisions[0]);
}

absl::StatusOr<v1::ListNotesResponse> Notes::ListNotes(const Caller& caller,
                                                       const v1::ListNotesRequest& req) {
  ASSIGN_OR_RETURN(std::string case_id, val::ParseName("parent", req.parent(), "cases"));
  ASSIGN_OR_RETURN(int size, storage::ResolvePageSize(req.page_size()));
  ASSIGN_OR_RETURN(sh::Purpose purpose, ParsePurpose("purpose", req.purpose()));
  if (req.kind() != v1::Note::KIND_UNSPECIFIED) RETURN_IF_ERROR(ValidateKind("kind", req.kind()));
  if (!req.category().empty()) RETURN_IF_ERROR(CategoryId("category", req.category()));
  if (!req.subject().empty()) RETURN_IF_ERROR(SubjectForm("subject", req.subject(), case_id));
  if (!req.author().empty()) {
    RETURN_IF_ERROR(val::ParseName("author", req.author(), "people").status());
  }
  const std::string fingerprint =
      absl::StrCat("notes|", req.parent(), "|", req.purpose(), "|", req.kind(), "|", req.category(),
                   "|", req.subject(), "|", req.author());
  std::string after;
  if (!req.page_token().empty()) {
    ASSIGN_OR_RETURN(after, storage::DecodePageToken(req.page_token(), fingerprint));
  }
  RETURN_IF_ERROR(RequireReader(caller, CaseName(case_id)).status());

  // One page of candidates from the newest-first index, then one decision
  // call for the whole page.
  auto snapshot = store_->Snapshot();
  std::vector<v1::Note> candidates;
  candidates.reserve(size);
  std::string last;
  int scanned = 0;
  bool more = false;
  RETURN_IF_ERROR(data_.ScanNotes(
      *snapshot, case_id, after, size + 1, [&](absl::string_view key, v1::Note& note) {
        if (static_cast<int>(candidates.size()) == size || scanned == kMaxScannedPerPage) {
          more = true;
          return false;
        }
        ++scanned;
        last = std::string(key);
        const bool match =
            (req.kind() == v1::Note::KIND_UNSPECIFIED || note.kind() == req.kind()) &&
            (req.category().empty() || note.category() == req.category()) &&
            (req.subject().empty() || note.subject() == req.subject()) &&
            (req.author().empty() || note.author() == req.author());
        if (match) candidates.push_back(std::move(note));
        return true;
      }));
  std::vector<const v1::Note*> asked;
  asked.reserve(candidates.size());
  for (const v1::Note& note : candidates) asked.push_back(&note);
  ASSIGN_OR_RETURN(std::vector<sh::CheckAccessResponse> decisions,
                   Decide(caller.PersonName(), asked, purpose, /*record=*/true));

  // Withheld notes are left out: the page is shorter.
  std::vector<size_t> shown;
  std::vector<std::string> shown_ids;
  for (size_t i = 0; i < candidates.size(); ++i) {
    if (!Permitted(decisions[i])) continue;
    shown.push_back(i);
    shown_ids.push_back(storage::IdOf(candidates[i].name()));
  }
  ASSIGN_OR_RETURN(auto acks, data_.AcksOf(*snapshot, case_id, shown_ids));
  v1::ListNotesResponse response;
  for (size_t k = 0; k < shown.size(); ++k) {
    const size_t i = shown[k];
    *response.add_notes() = Present(std::move(candidates[i]), std::move(acks[k]), decisions[i]);
  }
  if (more) response.set_next_page_token(storage::EncodePageToken(last, fingerprint));
  return response;
}

absl::StatusOr<v1::Note> Notes::AmendNote(const Caller& caller, const v1::AmendNoteRequest& req) {
  if (!req.has_note()) return Invalid("note", "must be set");
  const v1::Note& in = req.note();
  ASSIGN_OR_RETURN(auto parsed, ParseNote("note.name", in.name()));
  // Plain references, not a structured binding: a lambda below captures them,
  // which clang before 16 does not allow for bindings.
  const std::string& case_id = parsed.first;
  const std::string& note_id = parsed.second;
  const google::protobuf::FieldMask& mask = req.update_mask();
  RETURN_IF_ERROR(val::FieldMaskPaths("update_mask", mask,
                                      {"title", "body", "category", "subject", "occur_time"}));
  if (val::MaskHas(mask, "title")) {
    RETURN_IF_ERROR(val::MaxLength("note.title", in.title(), kMaxTitle));
  }
  if (val::MaskHas(mask, "body")) {
    RETURN_IF_ERROR(val::RequiredMaxLength("note.body", in.body(), kMaxBody));
  }
  if (val::MaskHas(mask, "category")) RETURN_IF_ERROR(CategoryId("note.category", in.category()));
  if (val::MaskHas(mask, "subject") && !in.subject().empty()) {
    RETURN_IF_ERROR(SubjectForm("note.subject", in.subject(), case_id));
  }
  if (val::MaskHas(mask, "occur_time")) {
    RETURN_IF_ERROR(OptionalTime("note.occur_time", in.has_occur_time(), in.occur_time()));
  }
  RETURN_IF_ERROR(val::RequiredMaxLength("reason", req.reason(), kMaxReason));
  RETURN_IF_ERROR(val::RequiredMaxLength("etag", req.etag(), 100));

  const std::string case_name = CaseName(case_id);
  RETURN_IF_ERROR(RequireReader(caller, case_name).status());
  const std::string me = caller.PersonName();
  ASSIGN_OR_RETURN(std::optional<v1::Note> current,
                   data_.GetNote(store_->reader(), case_id, note_id));
  if (!current.has_value()) return NoSuchNote("note.name", in.name());
  if (current->author() != me) {
    absl::StatusOr<directory::v1::Person> author = peers_->GetPerson(current->author());
    if (!author.ok() && !absl::IsNotFound(author.status())) return author.status();
    if (!author.ok() || author->supervisor() != me) {
      return absl::PermissionDeniedError(absl::StrCat("note.name: only the author (",
                                                      current->author(),
                                                      ") or their supervisor amends ", in.name()));
    }
  }
  // A stale etag is refused before anything else is asked or recorded.
  RETURN_IF_ERROR(storage::CheckEtag("etag", req.etag(), current->etag()));
  // Amending means reading what is there: a supervisor needs the same
  // decision as for GetNote (the author is permitted by authorship).
  ASSIGN_OR_RETURN(std::vector<sh::CheckAccessResponse> decisions,
                   Decide(me, {&*current}, sh::PURPOSE_CARE_COORDINATION, /*record=*/true));
  if (!Permitted(decisions[0]))
    return MayNotRead("note.name", *current, sh::PURPOSE_CARE_COORDINATION);
  if (val::MaskHas(mask, "category")) {
    RETURN_IF_ERROR(CheckCategory("note.category", in.category(), current->kind()));
  }
  if (val::MaskHas(mask, "subject") && !in.subject().empty()) {
    RETURN_IF_ERROR(CheckSubject("note.subject", case_name, in.subject()));
  }

  v1::Note note;
  RETURN_IF_ERROR(store_->Transact([&](const ReadView& view, Batch& batch) -> absl::Status {
    ASSIGN_OR_RETURN(std::optional<v1::Note> latest, data_.GetNote(view, case_id, note_id));
    if (!latest.has_value()) return NoSuchNote("note.name", in.name());
    RETURN_IF_ERROR(storage::CheckEtag("etag", req.etag(), latest->etag()));
    note = *std::move(latest);
    if (val::MaskHas(mask, "title")) note.set_title(in.title());
    if (val::MaskHas(mask, "body")) note.set_body(in.body());
    if (val::MaskHas(mask, "category")) note.set_category(in.category());
    if (val::MaskHas(mask, "subject")) note.set_subject(in.subject());
    if (val::MaskHas(mask, "occur_time")) {
      if (in.has_occur_time()) {
        *note.mutable_occur_time() = in.occur_time();
      } else {
        note.clear_occur_time();
      }
    }
    note.set_version_number(note.version_number() + 1);
    note.set_amended_by(me);
    note.set_amend_reason(req.reason());
    *note.mutable_update_time() = ToProtoTime(clock_->Now());
    note.set_etag(storage::EtagFor(batch.next_revision()));
    data_.PutNote(batch, case_id, note_id, note, /*index=*/false);
    data_.PutVersion(batch, case_id, note_id, VersionOf(note));
    v1::Event event = NewEvent(caller.subject, v1::Event::TYPE_NOTE_AMENDED, note.name());
    *event.mutable_note() = WithoutBody(note);
    AppendEvent(batch, event);
    return absl::OkStatus();
  }));
  ASSIGN_OR_RETURN(std::vector<v1::NoteAcknowledgement> acks,
                   data_.Acks(store_->reader(), case_id, note_id));
  return Present(std::move(note), std::move(acks), decisions[0]);
}

absl::StatusOr<v1::ListNoteVersionsResponse> Notes::ListNoteVersions(
    const Caller& caller, const v1::ListNoteVersionsRequest& req) {
  ASSIGN_OR_RETURN(auto parsed, ParseNote("parent", req.parent()));
  const auto& [case_id, note_id] = parsed;
  ASSIGN_OR_RETURN(int size, storage::ResolvePageSize(req.page_size()));
  ASSIGN_OR_RETURN(sh::Purpose purpose, ParsePurpose("purpose", req.purpose()));
  const std::string fingerprint = absl::StrCat("note-versions|", req.parent(), "|", req.purpose());
  std::string after;
  if (!req.page_token().empty()) {
    ASSIGN_OR_RETURN(after, storage::DecodePageToken(req.page_token(), fingerprint));
  }
  RETURN_IF_ERROR(RequireReader(caller, CaseName(case_id)).status());
  auto snapshot = store_->Snapshot();
  ASSIGN_OR_RETURN(std::optional<v1::Note> note, data_.GetNote(*snapshot, case_id, note_id));
  if (!note.has_value()) return NoSuchNote("parent", req.parent());

  std::vector<v1::NoteVersion> versions;
  std::string last;
  bool more = false;
  RETURN_IF_ERROR(data_.ScanVersions(*snapshot, case_id, note_id, after,
                                     [&](absl::string_view key, const v1::NoteVersion& v) {
                                       if (static_cast<int>(versions.size()) == size) {
                                         more = true;
                                         return false;
                                       }
                                       versions.push_back(v);
                                       last = std::string(key);
                                       return true;
                                     }));
  // The note as it is now decides whether the caller reads it at all (not
  // recorded: nothing is disclosed by that); each version is a disclosure
  // of its own category and subject, decided in the same call.
  std::vector<v1::Note> as_notes;
  as_notes.reserve(versions.size() + 1);
  as_notes.push_back(*note);
  for (const v1::NoteVersion& v : versions) {
    v1::Note& n = as_notes.emplace_back();
    n.set_name(note->name());
    n.set_author(note->author());
    n.set_category(v.category());
    n.set_subject(v.subject());
  }
  std::vector<const v1::Note*> asked;
  for (const v1::Note& n : as_notes) asked.push_back(&n);
  // The gate is the first check; its record flag is off.
  ASSIGN_OR_RETURN(std::vector<sh::CheckAccessResponse> gate,
                   Decide(caller.PersonName(), {asked[0]}, purpose, /*record=*/false));
  if (!Permitted(gate[0])) return MayNotRead("parent", *note, purpose);
  asked.erase(asked.begin());
  ASSIGN_OR_RETURN(std::vector<sh::CheckAccessResponse> decisions,
                   Decide(caller.PersonName(), asked, purpose, /*record=*/true));
  v1::ListNoteVersionsResponse response;
  for (size_t i = 0; i < versions.size(); ++i) {
    if (Permitted(decisions[i])) *response.add_note_versions() = std::move(versions[i]);
  }
  if (more) response.set_next_page_token(storage::EncodePageToken(last, fingerprint));
  return response;
}

absl::StatusOr<v1::NoteAcknowledgement> Notes::AcknowledgeNote(
    const Caller& caller, const v1::AcknowledgeNoteRequest& req) {
  ASSIGN_OR_RETURN(auto parsed, ParseNote("name", req.name()));
  // Plain references, not a structured binding: a lambda below captures them,
  // which clang before 16 does not allow for bindings.
  const std::string& case_id = parsed.first;
  const std::string& note_id = parsed.second;
  if (req.version_number() < 0) return Invalid("version_number", "must not be negative");
  RETURN_IF_ERROR(RequireReader(caller, CaseName(case_id)).status());
  const std::string me = caller.PersonName();
  ASSIGN_OR_RETURN(std::optional<v1::Note> current,
                   data_.GetNote(store_->reader(), case_id, note_id));
  if (!current.has_value()) return NoSuchNote("name", req.name());
  // Same access as GetNote; a read receipt discloses nothing, so the
  // decision is not recorded as a disclosure.
  ASSIGN_OR_RETURN(std::vector<sh::CheckAccessResponse> decisions,
                   Decide(me, {&*current}, sh::PURPOSE_CARE_COORDINATION, /*record=*/false));
  if (!Permitted(decisions[0])) return MayNotRead("name", *current, sh::PURPOSE_CARE_COORDINATION);

  const std::string person_id = storage::IdOf(me);
  v1::NoteAcknowledgement ack;
  RETURN_IF_ERROR(store_->Transact([&](const ReadView& view, Batch& batch) -> absl::Status {
    ASSIGN_OR_RETURN(std::optional<v1::Note> note, data_.GetNote(view, case_id, note_id));
    if (!note.has_value()) return NoSuchNote("name", req.name());
    const int32_t number =
        req.version_number() == 0 ? note->version_number() : req.version_number();
    if (number > note->version_number()) {
      return absl::NotFoundError(absl::StrCat("version_number: ", note->name(), " has ",
                                              note->version_number(), " version(s), not ", number));
    }
    ASSIGN_OR_RETURN(std::optional<v1::NoteAcknowledgement> existing,
                     data_.GetAck(view, case_id, note_id, person_id));
    // The latest receipt per person: acknowledging again, or an older
    // version, returns what is on record.
    if (existing.has_value() && existing->version_number() >= number) {
      ack = *std::move(existing);
      return absl::OkStatus();
    }
    ack.set_name(absl::StrCat(note->name(), "/acknowledgements/", person_id));
    ack.set_person(me);
    ack.set_version_number(number);
    *ack.mutable_create_time() = ToProtoTime(clock_->Now());
    data_.PutAck(batch, case_id, note_id, person_id, ack);
    v1::Event event = NewEvent(caller.subject, v1::Event::TYPE_NOTE_ACKNOWLEDGED, ack.name());
    *event.mutable_note_acknowledgement() = ack;
    AppendEvent(batch, event);
    return absl::OkStatus();
  }));
  return ack;
}

}  // namespace samepage::caseplan
