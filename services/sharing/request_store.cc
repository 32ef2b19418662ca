#include "services/sharing/request_store.h"

#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/clock/time_util.h"
#include "common/status/status_macros.h"
#include "common/storage/keys.h"
#include "common/storage/records.h"

namespace samepage::sharing {
namespace {

constexpr char kRequests[] = "info_requests";
constexpr char kWaiting[] = "info_requests_waiting";
constexpr char kMade[] = "info_requests_made";
constexpr char kByCase[] = "info_requests_by_case";
constexpr char kDue[] = "info_requests_due";

using storage::IdOf;
using storage::KeyBuilder;
using storage::KeyReader;

int64_t DueMicros(const v1::InformationRequest& r) {
  return absl::ToUnixMicros(FromProtoTime(r.due_time()));
}

std::string OwnerKey(absl::string_view owner, const v1::InformationRequest& r) {
  return KeyBuilder().AddString(owner).AddInt64(DueMicros(r)).AddString(IdOf(r.name())).Release();
}

const char* IndexFamily(RequestStore::Index index) {
  switch (index) {
    case RequestStore::Index::kWaiting:
      return kWaiting;
    case RequestStore::Index::kMade:
      return kMade;
    case RequestStore::Index::kCase:
      return kByCase;
  }
  return kWaiting;
}

// Every (column family, key) the record has in the owner indexes.
std::set<std::pair<std::string, std::string>> IndexEntries(const v1::InformationRequest& r) {
  std::set<std::pair<std::string, std::string>> out;
  for (const std::string& person : r.recipient_people()) {
    out.emplace(kWaiting, OwnerKey(person, r));
  }
  if (!r.escalated_to().empty()) out.emplace(kWaiting, OwnerKey(r.escalated_to(), r));
  out.emplace(kMade, OwnerKey(r.requester(), r));
  out.emplace(kByCase, OwnerKey(IdOf(r.case_()), r));
  return out;
}

std::string DueKey(const v1::InformationRequest& r) {
  return KeyBuilder().AddInt64(DueMicros(r)).AddString(IdOf(r.name())).Release();
}

}  // namespace

std::vector<std::string> RequestStore::ColumnFamilies() {
  return {kRequests, kWaiting, kMade, kByCase, kDue};
}

absl::StatusOr<std::optional<v1::InformationRequest>> RequestStore::Get(
    const storage::ReadView& view, absl::string_view id) const {
  ASSIGN_OR_RETURN(std::optional<std::string> raw, view.Get(kRequests, id));
  if (!raw.has_value()) return std::nullopt;
  v1::InformationRequest r;
  if (!r.ParseFromString(*raw)) {
    return absl::DataLossError(absl::StrCat(kRequests, ": stored record ", id, " is corrupt"));
  }
  return r;
}

void RequestStore::Put(storage::Batch& batch, const v1::InformationRequest& request,
                       const v1::InformationRequest* previous) const {
  batch.Put(kRequests, IdOf(request.name()), request.SerializeAsString());
  std::set<std::pair<std::string, std::string>> now = IndexEntries(request);
  if (previous != nullptr) {
    for (const auto& [cf, key] : IndexEntries(*previous)) {
      if (now.count({cf, key}) == 0) batch.Delete(cf, key);
    }
  }
  for (const auto& [cf, key] : now) batch.Put(cf, key, "");
}

void RequestStore::ScheduleDeadline(storage::Batch& batch,
                                    const v1::InformationRequest& request) const {
  batch.Put(kDue, DueKey(request), "");
}

void RequestStore::ClearDeadline(storage::Batch& batch,
                                 const v1::InformationRequest& request) const {
  batch.Delete(kDue, DueKey(request));
}

absl::Status RequestStore::ScanIndex(
    const storage::ReadView& view, Index index, absl::string_view owner, absl::string_view after,
    const std::function<bool(absl::string_view, const v1::InformationRequest&)>& fn) const {
  const char* cf = IndexFamily(index);
  absl::Status error = absl::OkStatus();
  RETURN_IF_ERROR(view.Scan(
      cf, KeyBuilder().AddString(owner).key(), after,
      [&](absl::string_view key, absl::string_view) {
        KeyReader reader(key);
        std::string key_owner, id;
        int64_t due = 0;
        if (!reader.ReadString(&key_owner) || !reader.ReadInt64(&due) || !reader.ReadString(&id)) {
          error = absl::DataLossError(absl::StrCat(cf, ": malformed key"));
          return false;
        }
        absl::StatusOr<std::optional<v1::InformationRequest>> r = Get(view, id);
        if (!r.ok() || !r->has_value()) {
          error =
              r.ok() ? absl::DataLossError(absl::StrCat(cf, ": dangling entry ", id)) : r.status();
          return false;
        }
        return fn(key, **r);
      }));
  return error;
}

absl::StatusOr<std::vector<std::string>> RequestStore::DueBy(const storage::ReadView& view,
                                                             absl::Time until, int limit) const {
  int64_t until_micros = absl::ToUnixMicros(until);
  std::vector<std::string> ids;
  absl::Status error = absl::OkStatus();
  RETURN_IF_ERROR(view.Scan(kDue, "", "", [&](absl::string_view key, absl::string_view) {
    KeyReader reader(key);
    int64_t due = 0;
    std::string id;
    if (!reader.ReadInt64(&due) || !reader.ReadString(&id)) {
      error = absl::DataLossError(absl::StrCat(kDue, ": malformed key"));
      return false;
    }
    if (due > until_micros) return false;
    ids.push_back(std::move(id));
    return static_cast<int>(ids.size()) < limit;
  }));
  RETURN_IF_ERROR(error);
  return ids;
}

}  // namespace samepage::sharing
