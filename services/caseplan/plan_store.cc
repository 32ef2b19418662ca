#include "services/caseplan/plan_store.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/clock/time_util.h"
#include "common/status/status_macros.h"
#include "common/storage/keys.h"
#include "common/storage/records.h"

namespace samepage::caseplan {
namespace {

constexpr char kPlans[] = "plans";
constexpr char kVersions[] = "plan_versions";
constexpr char kAcks[] = "plan_acks";
constexpr char kItemsByCase[] = "plan_items_by_case";
constexpr char kItemsByOwner[] = "plan_items_by_owner";
constexpr char kItemsPending[] = "plan_items_pending";
constexpr char kItemsEmitted[] = "plan_items_emitted";

using storage::IdOf;
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

// Newest first: the bitwise complement of the number sorts descending.
std::string VersionKey(absl::string_view case_id, int32_t number) {
  return KeyBuilder().AddString(case_id).AddUint64(~static_cast<uint64_t>(number)).Release();
}

std::string AckKey(absl::string_view case_id, absl::string_view person_id, int32_t number) {
  return KeyBuilder()
      .AddString(case_id)
      .AddString(person_id)
      .AddUint64(static_cast<uint64_t>(number))
      .Release();
}

// The item's identity within its case: kind then id.
KeyBuilder& AddItem(KeyBuilder& key, const v1::OverdueItem& item) {
  return key.AddUint64(static_cast<uint64_t>(item.kind())).AddString(item.item_id());
}

std::string CaseItemKey(absl::string_view case_id, const v1::OverdueItem& item) {
  KeyBuilder key;
  key.AddString(case_id).AddInt64(PlanStore::DueMicros(item));
  return AddItem(key, item).Release();
}

std::string OwnerItemKey(absl::string_view owner, absl::string_view case_id,
                         const v1::OverdueItem& item) {
  KeyBuilder key;
  key.AddString(owner).AddInt64(PlanStore::DueMicros(item)).AddString(case_id);
  return AddItem(key, item).Release();
}

std::string PendingKey(absl::string_view case_id, const v1::OverdueItem& item) {
  KeyBuilder key;
  key.AddInt64(PlanStore::DueMicros(item)).AddString(case_id);
  return AddItem(key, item).Release();
}

std::string EmittedKey(absl::string_view case_id, const v1::OverdueItem& item) {
  KeyBuilder key;
  key.AddString(case_id);
  return AddItem(key, item).AddInt64(PlanStore::DueMicros(item)).Release();
}

// A per-case entry carries the item and the owners it is indexed under, so
// that replacing a version removes exactly the entries it made.
std::string EncodeCaseEntry(const PlanStore::IndexedItem& entry) {
  KeyBuilder value;
  value.AddString(entry.item.SerializeAsString());
  for (const std::string& owner : entry.owners) value.AddString(owner);
  return value.Release();
}

bool DecodeCaseEntry(absl::string_view raw, PlanStore::IndexedItem* out) {
  KeyReader reader(raw);
  std::string item;
  if (!reader.ReadString(&item) || !out->item.ParseFromString(item)) return false;
  while (!reader.done()) {
    std::string owner;
    if (!reader.ReadString(&owner)) return false;
    out->owners.push_back(std::move(owner));
  }
  return true;
}

}  // namespace

std::vector<std::string> PlanStore::ColumnFamilies() {
  return {kPlans, kVersions, kAcks, kItemsByCase, kItemsByOwner, kItemsPending, kItemsEmitted};
}

int64_t PlanStore::DueMicros(const v1::OverdueItem& item) {
  return absl::ToUnixMicros(FromProtoTime(item.due_time()));
}

absl::StatusOr<std::optional<v1::Plan>> PlanStore::GetPlan(const storage::ReadView& view,
                                                           absl::string_view case_id) const {
  return GetRecord<v1::Plan>(view, kPlans, case_id);
}

absl::StatusOr<std::optional<v1::PlanVersion>> PlanStore::GetVersion(const storage::ReadView& view,
                                                                     absl::string_view case_id,
                                                                     int32_t number) const {
  return GetRecord<v1::PlanVersion>(view, kVersions, VersionKey(case_id, number));
}

void PlanStore::PutPlan(storage::Batch& batch, absl::string_view case_id,
                        const v1::Plan& plan) const {
  v1::Plan record = plan;
  record.clear_current_version();
  batch.Put(kPlans, case_id, record.SerializeAsString());
}

void PlanStore::PutVersion(storage::Batch& batch, absl::string_view case_id,
                           const v1::PlanVersion& version) const {
  batch.Put(kVersions, VersionKey(case_id, version.version_number()), version.SerializeAsString());
}

absl::Status PlanStore::ScanVersions(
    const storage::ReadView& view, absl::string_view case_id, absl::string_view after,
    const std::function<bool(absl::string_view, const v1::PlanVersion&)>& fn) const {
  absl::Status error = absl::OkStatus();
  RETURN_IF_ERROR(view.Scan(kVersions, KeyBuilder().AddString(case_id).key(), after,
                            [&](absl::string_view key, absl::string_view raw) {
                              v1::PlanVersion version;
                              if (!Parse(raw, &version)) {
                                error = absl::DataLossError("plan_versions: corrupt record");
                                return false;
                              }
                              return fn(key, version);
                            }));
  return error;
}

absl::StatusOr<std::optional<v1::PlanAcknowledgement>> PlanStore::GetAck(
    const storage::ReadView& view, absl::string_view case_id, absl::string_view person_id,
    int32_t number) const {
  return GetRecord<v1::PlanAcknowledgement>(view, kAcks, AckKey(case_id, person_id, number));
}

absl::StatusOr<std::optional<v1::PlanAcknowledgement>> PlanStore::LatestAck(
    const storage::ReadView& view, absl::string_view case_id, absl::string_view person_id) const {
  std::optional<v1::PlanAcknowledgement> latest;
  absl::Status error = absl::OkStatus();
  // A person acknowledges a handful of versions; the last one scanned is the
  // highest number.
  RETURN_IF_ERROR(view.Scan(kAcks, KeyBuilder().AddString(case_id).AddString(person_id).key(), "",
                            [&](absl::string_view, absl::string_view raw) {
                              v1::PlanAcknowledgement ack;
                              if (!Parse(raw, &ack)) {
                                error = absl::DataLossError("plan_acks: corrupt record");
                                return false;
                              }
                              latest = std::move(ack);
                              return true;
                            }));
  RETURN_IF_ERROR(error);
  return latest;
}

void PlanStore::PutAck(storage::Batch& batch, absl::string_view case_id,
                       absl::string_view person_id, const v1::PlanAcknowledgement& ack) const {
  batch.Put(kAcks, AckKey(case_id, person_id, ack.version_number()), ack.SerializeAsString());
}

absl::Status PlanStore::ReplaceItems(const storage::ReadView& view, storage::Batch& batch,
                                     absl::string_view case_id,
                                     const std::vector<IndexedItem>& items) const {
  absl::Status error = absl::OkStatus();
  RETURN_IF_ERROR(view.Scan(kItemsByCase, KeyBuilder().AddString(case_id).key(), "",
                            [&](absl::string_view key, absl::string_view raw) {
                              IndexedItem old;
                              if (!DecodeCaseEntry(raw, &old)) {
                                error = absl::DataLossError("plan_items_by_case: corrupt entry");
                                return false;
                              }
                              batch.Delete(kItemsByCase, key);
                              batch.Delete(kItemsPending, PendingKey(case_id, old.item));
                              for (const std::string& owner : old.owners) {
                                batch.Delete(kItemsByOwner, OwnerItemKey(owner, case_id, old.item));
                              }
                              return true;
                            }));
  RETURN_IF_ERROR(error);
  for (const IndexedItem& entry : items) {
    batch.Put(kItemsByCase, CaseItemKey(case_id, entry.item), EncodeCaseEntry(entry));
    std::string item = entry.item.SerializeAsString();
    for (const std::string& owner : entry.owners) {
      batch.Put(kItemsByOwner, OwnerItemKey(owner, case_id, entry.item), item);
    }
    ASSIGN_OR_RETURN(std::optional<std::string> emitted,
                     view.Get(kItemsEmitted, EmittedKey(case_id, entry.item)));
    if (!emitted.has_value()) batch.Put(kItemsPending, PendingKey(case_id, entry.item), item);
  }
  return absl::OkStatus();
}

absl::Status PlanStore::ScanCaseItems(
    const storage::ReadView& view, absl::string_view case_id, absl::string_view after,
    const std::function<bool(absl::string_view, const v1::OverdueItem&)>& fn) const {
  absl::Status error = absl::OkStatus();
  RETURN_IF_ERROR(view.Scan(kItemsByCase, KeyBuilder().AddString(case_id).key(), after,
                            [&](absl::string_view key, absl::string_view raw) {
                              IndexedItem entry;
                              if (!DecodeCaseEntry(raw, &entry)) {
                                error = absl::DataLossError("plan_items_by_case: corrupt entry");
                                return false;
                              }
                              return fn(key, entry.item);
                            }));
  return error;
}

absl::Status PlanStore::ScanOwnerItems(
    const storage::ReadView& view, absl::string_view owner, absl::string_view after,
    const std::function<bool(absl::string_view, const v1::OverdueItem&)>& fn) const {
  absl::Status error = absl::OkStatus();
  RETURN_IF_ERROR(view.Scan(kItemsByOwner, KeyBuilder().AddString(owner).key(), after,
                            [&](absl::string_view key, absl::string_view raw) {
                              v1::OverdueItem item;
                              if (!Parse(raw, &item)) {
                                error = absl::DataLossError("plan_items_by_owner: corrupt entry");
                                return false;
                              }
                              return fn(key, item);
                            }));
  return error;
}

absl::StatusOr<std::vector<std::pair<std::string, v1::OverdueItem>>> PlanStore::PendingBefore(
    const storage::ReadView& view, absl::Time now, int limit) const {
  const int64_t now_micros = absl::ToUnixMicros(now);
  std::vector<std::pair<std::string, v1::OverdueItem>> out;
  absl::Status error = absl::OkStatus();
  RETURN_IF_ERROR(
      view.Scan(kItemsPending, "", "", [&](absl::string_view key, absl::string_view raw) {
        v1::OverdueItem item;
        if (!Parse(raw, &item)) {
          error = absl::DataLossError("plan_items_pending: corrupt entry");
          return false;
        }
        if (DueMicros(item) >= now_micros) return false;
        out.emplace_back(std::string(key), std::move(item));
        return static_cast<int>(out.size()) < limit;
      }));
  RETURN_IF_ERROR(error);
  return out;
}

void PlanStore::MarkEmitted(storage::Batch& batch, absl::string_view pending_key,
                            const v1::OverdueItem& item) const {
  batch.Delete(kItemsPending, pending_key);
  batch.Put(kItemsEmitted, EmittedKey(IdOf(item.case_()), item), "");
}

}  // namespace samepage::caseplan
