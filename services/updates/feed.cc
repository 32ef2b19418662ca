#include "services/updates/feed.h"

#include <algorithm>
#include <map>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/events/event_consumer.h"
#include "common/status/status_macros.h"
#include "common/storage/keys.h"
#include "common/storage/page_token.h"
#include "common/validation/validation.h"

namespace samepage::updates {
namespace {

namespace val = ::samepage::validation;
namespace sh = ::samepage::sharing::v1;

// Column family of the per-person index: (person, sequence) -> update.
constexpr char kFeedCf[] = "feed";
// How many feed entries one ListUpdates call examines at most, so that a
// feed full of withheld updates costs a bounded amount per page.
constexpr int kMaxExaminedPerPage = 1000;

std::string FeedPrefix(const std::string& person) {
  return storage::KeyBuilder("u").AddString(person).Release();
}

std::string FeedKey(const std::string& person, int64_t sequence) {
  return storage::KeyBuilder("u").AddString(person).AddInt64(sequence).Release();
}

// Updates that only say you left a case are yours to see although you no
// longer see the case.
bool AboutLeaving(v1::Update::Kind kind) {
  return kind == v1::Update::KIND_UNASSIGNED || kind == v1::Update::KIND_CASE_CLOSED;
}

absl::StatusOr<std::string> FeedOwner(const identity::Caller& caller, const std::string& parent) {
  ASSIGN_OR_RETURN(std::string id, val::ParseName("parent", parent, "people"));
  const std::string person = absl::StrCat("people/", id);
  if (person != caller.PersonName() && !caller.platform_admin) {
    return absl::PermissionDeniedError(
        absl::StrCat("parent: ", parent, " is not you; people read their own updates"));
  }
  return person;
}

}  // namespace

std::vector<std::string> UpdatesColumnFamilies() {
  return {kFeedCf, events::kCursorsColumnFamily};
}

absl::Status Feed::Apply(const std::string& consumer, std::vector<FromEvent> events) {
  // Events that concern nobody leave the cursor where it was: replaying them
  // after a restart produces nothing, and skipping the write spares a sync.
  if (std::all_of(events.begin(), events.end(),
                  [](const FromEvent& e) { return e.updates.empty(); })) {
    return absl::OkStatus();
  }
  return store_->Transact([&](const storage::ReadView& view, storage::Batch& batch) {
    ASSIGN_OR_RETURN(int64_t applied, events::ReadCursor(view, consumer));
    for (FromEvent& e : events) {
      if (e.revision <= applied) continue;  // delivered again
      for (Addressed& a : e.updates) {
        const int64_t sequence = batch.next_revision();
        a.update.set_name(absl::StrCat(a.person, "/updates/", sequence));
        a.update.set_sequence(sequence);
        std::string bytes = a.update.SerializeAsString();
        batch.Put(kFeedCf, FeedKey(a.person, sequence), bytes);
        batch.AppendEvent(std::move(bytes));
      }
      applied = e.revision;
    }
    events::WriteCursor(batch, consumer, applied);
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<bool>> Feed::Visible(const std::string& person,
                                                const std::vector<v1::Update>& updates) {
  std::map<std::string, bool> sees_case;
  std::map<std::string, bool> in_force;
  std::vector<bool> out;
  out.reserve(updates.size());
  for (const v1::Update& u : updates) {
    if (AboutLeaving(u.kind())) {
      out.push_back(true);
      continue;
    }
    bool visible = true;
    if (!u.case_().empty()) {
      auto it = sees_case.find(u.case_());
      if (it == sees_case.end()) {
        absl::StatusOr<registry::v1::CheckCaseAccessResponse> access =
            peers_->CaseAccess(u.case_(), person);
        if (!access.ok() && !absl::IsNotFound(access.status())) return access.status();
        it = sees_case.emplace(u.case_(), access.ok() && access->allowed()).first;
      }
      visible = it->second;
    }
    if (visible && (u.kind() == v1::Update::KIND_CONSENT_GRANTED ||
                    u.kind() == v1::Update::KIND_COURT_ORDER_GRANTED)) {
      auto it = in_force.find(u.resource());
      if (it == in_force.end()) {
        absl::StatusOr<bool> active = peers_->DirectiveInForce(u.resource());
        if (!active.ok() && !absl::IsNotFound(active.status())) return active.status();
        it = in_force.emplace(u.resource(), active.ok() && *active).first;
      }
      visible = it->second;
    }
    if (visible && !u.category().empty()) {
      sh::CheckAccessRequest check;
      check.set_requester(person);
      check.set_case_(u.case_());
      check.set_subject(u.subject());
      check.set_category(u.category());
      check.set_purpose(sh::PURPOSE_CARE_COORDINATION);
      check.set_resource(u.resource());
      check.set_author(u.person());
      absl::StatusOr<sh::CheckAccessResponse> decision = peers_->CheckAccess(check);
      if (!decision.ok() && !absl::IsNotFound(decision.status())) return decision.status();
      visible = decision.ok() && decision->decision() == sh::CheckAccessResponse::DECISION_PERMIT;
    }
    out.push_back(visible);
  }
  return out;
}

absl::StatusOr<Feed::Page> Feed::Read(const std::string& person, int64_t after_sequence,
                                      int limit) {
  std::vector<v1::Update> entries;
  Page page;
  page.last_examined = after_sequence;
  absl::Status corrupt;
  RETURN_IF_ERROR(store_->reader().Scan(
      kFeedCf, FeedPrefix(person), FeedKey(person, after_sequence),
      [&](absl::string_view, absl::string_view value) {
        if (static_cast<int>(entries.size()) == limit) {
          page.more = true;
          return false;
        }
        v1::Update u;
        if (!u.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
          corrupt = absl::DataLossError(absl::StrCat("an update of ", person, " is corrupt"));
          return false;
        }
        entries.push_back(std::move(u));
        return true;
      }));
  RETURN_IF_ERROR(corrupt);
  ASSIGN_OR_RETURN(std::vector<bool> visible, Visible(person, entries));
  for (size_t i = 0; i < entries.size(); ++i) {
    page.last_examined = entries[i].sequence();
    if (visible[i]) page.visible.push_back(std::move(entries[i]));
  }
  return page;
}

absl::StatusOr<v1::ListUpdatesResponse> Feed::ListUpdates(const identity::Caller& caller,
                                                          const v1::ListUpdatesRequest& req) {
  ASSIGN_OR_RETURN(std::string person, FeedOwner(caller, req.parent()));
  if (req.after_sequence() < 0) {
    return absl::InvalidArgumentError("after_sequence: must not be negative");
  }
  ASSIGN_OR_RETURN(int page_size, storage::ResolvePageSize(req.page_size()));
  const std::string fingerprint = absl::StrCat(person, "|", req.after_sequence());
  int64_t after = req.after_sequence();
  if (!req.page_token().empty()) {
    ASSIGN_OR_RETURN(std::string last, storage::DecodePageToken(req.page_token(), fingerprint));
    if (!absl::SimpleAtoi(last, &after)) {
      return absl::InvalidArgumentError("page_token: not a token this method issued");
    }
  }
  v1::ListUpdatesResponse resp;
  resp.set_last_sequence(after);
  // Withheld updates do not count toward the page; stop at the examination
  // budget and hand back a token instead of reading the whole feed.
  int examined = 0;
  bool more = true;
  while (more && resp.updates_size() < page_size && examined < kMaxExaminedPerPage) {
    const int want = std::min(page_size - resp.updates_size(), kMaxExaminedPerPage - examined);
    ASSIGN_OR_RETURN(Page page, Read(person, after, want));
    examined += want;
    for (v1::Update& u : page.visible) *resp.add_updates() = std::move(u);
    more = page.more;
    after = page.last_examined;
  }
  resp.set_last_sequence(after);
  if (more) resp.set_next_page_token(storage::EncodePageToken(absl::StrCat(after), fingerprint));
  return resp;
}

absl::StatusOr<std::string> Feed::CheckStream(const identity::Caller& caller,
                                              const v1::StreamUpdatesRequest& req) const {
  ASSIGN_OR_RETURN(std::string person, FeedOwner(caller, req.parent()));
  if (req.after_sequence() < 0) {
    return absl::InvalidArgumentError("after_sequence: must not be negative");
  }
  return person;
}

}  // namespace samepage::updates
