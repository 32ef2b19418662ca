#include "services/sharing/decision_store.h"

#include <algorithm>
#include <cstdint>
#include <limits>

#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"
#include "common/storage/keys.h"
#include "common/storage/records.h"

namespace samepage::sharing {
namespace {

constexpr char kCategories[] = "sharing_categories";
constexpr char kConsents[] = "consents";
constexpr char kConsentsByCase[] = "consents_by_case";
constexpr char kConsentsBySubject[] = "consents_by_subject";
constexpr char kCourtOrders[] = "court_orders";
constexpr char kCourtOrdersByCase[] = "court_orders_by_case";
constexpr char kExpiries[] = "sharing_expiries";
constexpr char kDisclosures[] = "disclosures";
constexpr char kDisclosureNames[] = "disclosure_names";
constexpr char kDisclosuresBySubject[] = "disclosures_by_subject";
constexpr char kDisclosuresByCase[] = "disclosures_by_case";
constexpr char kDisclosureHead[] = "disclosure_head";
constexpr char kHeadKey[] = "head";

using storage::IdOf;
using storage::KeyBuilder;
using storage::KeyReader;

template <typename T>
absl::StatusOr<std::optional<T>> GetRecord(const storage::ReadView& view, absl::string_view cf,
                                           absl::string_view key) {
  ASSIGN_OR_RETURN(std::optional<std::string> raw, view.Get(cf, key));
  if (!raw.has_value()) return std::nullopt;
  T record;
  if (!record.ParseFromString(*raw)) {
    return absl::DataLossError(absl::StrCat(cf, ": stored record is corrupt"));
  }
  return record;
}

// Newest first: the negated creation time sorts the newest entry first.
int64_t NewestFirst(const google::protobuf::Timestamp& t) {
  return -(t.seconds() * 1000000 + t.nanos() / 1000);
}

int64_t Micros(const google::protobuf::Timestamp& t) {
  return t.seconds() * 1000000 + t.nanos() / 1000;
}

std::string SequenceKey(uint64_t sequence) { return KeyBuilder().AddUint64(sequence).Release(); }

// Reads the last string field of an index key (the record id).
template <typename Fn>
absl::Status ScanIndex(const storage::ReadView& view, absl::string_view cf,
                       absl::string_view prefix, absl::string_view after, Fn&& on_id) {
  absl::Status error = absl::OkStatus();
  RETURN_IF_ERROR(view.Scan(cf, prefix, after, [&](absl::string_view key, absl::string_view) {
    KeyReader reader(key);
    std::string scope, id;
    int64_t order = 0;
    if (!reader.ReadString(&scope) || !reader.ReadInt64(&order) || !reader.ReadString(&id)) {
      error = absl::DataLossError(absl::StrCat(cf, ": malformed key"));
      return false;
    }
    absl::StatusOr<bool> more = on_id(key, id);
    if (!more.ok()) {
      error = more.status();
      return false;
    }
    return *more;
  }));
  return error;
}

}  // namespace

std::vector<std::string> DecisionStore::ColumnFamilies() {
  return {kCategories,        kConsents,
          kConsentsByCase,    kConsentsBySubject,
          kCourtOrders,       kCourtOrdersByCase,
          kExpiries,          kDisclosures,
          kDisclosureNames,   kDisclosuresBySubject,
          kDisclosuresByCase, kDisclosureHead};
}

absl::StatusOr<std::optional<v1::Category>> DecisionStore::GetCategory(
    const storage::ReadView& view, absl::string_view id) const {
  return GetRecord<v1::Category>(view, kCategories, id);
}

void DecisionStore::PutCategory(storage::Batch& batch, const v1::Category& category) const {
  batch.Put(kCategories, IdOf(category.name()), category.SerializeAsString());
}

absl::Status DecisionStore::ScanCategories(
    const storage::ReadView& view, absl::string_view after,
    const std::function<bool(absl::string_view, const v1::Category&)>& fn) const {
  absl::Status error = absl::OkStatus();
  RETURN_IF_ERROR(
      view.Scan(kCategories, "", after, [&](absl::string_view key, absl::string_view raw) {
        v1::Category c;
        if (!c.ParseFromArray(raw.data(), static_cast<int>(raw.size()))) {
          error = absl::DataLossError("sharing_categories: corrupt record");
          return false;
        }
        return fn(key, c);
      }));
  return error;
}

absl::StatusOr<std::optional<v1::ConsentDirective>> DecisionStore::GetConsent(
    const storage::ReadView& view, absl::string_view id) const {
  return GetRecord<v1::ConsentDirective>(view, kConsents, id);
}

void DecisionStore::PutConsent(storage::Batch& batch, const v1::ConsentDirective& consent,
                               bool is_new) const {
  std::string id = IdOf(consent.name());
  batch.Put(kConsents, id, consent.SerializeAsString());
  if (!is_new) return;
  int64_t order = NewestFirst(consent.create_time());
  batch.Put(kConsentsByCase,
            KeyBuilder().AddString(IdOf(consent.case_())).AddInt64(order).AddString(id).key(), "");
  batch.Put(kConsentsBySubject,
            KeyBuilder().AddString(consent.subject()).AddInt64(order).AddString(id).key(), "");
}

absl::Status DecisionStore::ScanConsents(
    const storage::ReadView& view, absl::string_view scope, bool by_subject,
    absl::string_view after,
    const std::function<bool(absl::string_view, const v1::ConsentDirective&)>& fn) const {
  return ScanIndex(view, by_subject ? kConsentsBySubject : kConsentsByCase,
                   KeyBuilder().AddString(scope).key(), after,
                   [&](absl::string_view key, const std::string& id) -> absl::StatusOr<bool> {
                     ASSIGN_OR_RETURN(std::optional<v1::ConsentDirective> c, GetConsent(view, id));
                     if (!c.has_value())
                       return absl::DataLossError("consents: dangling index entry");
                     return fn(key, *c);
                   });
}

absl::StatusOr<std::optional<v1::CourtOrder>> DecisionStore::GetCourtOrder(
    const storage::ReadView& view, absl::string_view id) const {
  return GetRecord<v1::CourtOrder>(view, kCourtOrders, id);
}

void DecisionStore::PutCourtOrder(storage::Batch& batch, const v1::CourtOrder& order,
                                  bool is_new) const {
  std::string id = IdOf(order.name());
  batch.Put(kCourtOrders, id, order.SerializeAsString());
  if (!is_new) return;
  batch.Put(kCourtOrdersByCase,
            KeyBuilder()
                .AddString(IdOf(order.case_()))
                .AddInt64(NewestFirst(order.create_time()))
                .AddString(id)
                .key(),
            "");
}

absl::Status DecisionStore::ScanCourtOrders(
    const storage::ReadView& view, absl::string_view case_id, absl::string_view after,
    const std::function<bool(absl::string_view, const v1::CourtOrder&)>& fn) const {
  return ScanIndex(view, kCourtOrdersByCase, KeyBuilder().AddString(case_id).key(), after,
                   [&](absl::string_view key, const std::string& id) -> absl::StatusOr<bool> {
                     ASSIGN_OR_RETURN(std::optional<v1::CourtOrder> o, GetCourtOrder(view, id));
                     if (!o.has_value()) {
                       return absl::DataLossError("court_orders: dangling index entry");
                     }
                     return fn(key, *o);
                   });
}

void DecisionStore::PutExpiry(storage::Batch& batch, absl::Time expire, absl::string_view kind,
                              absl::string_view id) const {
  batch.Put(kExpiries,
            KeyBuilder().AddInt64(absl::ToUnixMicros(expire)).AddString(kind).AddString(id).key(),
            "");
}

void DecisionStore::DeleteExpiry(storage::Batch& batch, absl::string_view key) const {
  batch.Delete(kExpiries, key);
}

absl::StatusOr<std::vector<DecisionStore::DueExpiry>> DecisionStore::DueExpiries(
    const storage::ReadView& view, absl::Time now, int limit) const {
  std::vector<DueExpiry> out;
  absl::Status error = absl::OkStatus();
  int64_t now_micros = absl::ToUnixMicros(now);
  RETURN_IF_ERROR(view.Scan(kExpiries, "", "", [&](absl::string_view key, absl::string_view) {
    KeyReader reader(key);
    int64_t at = 0;
    DueExpiry due;
    if (!reader.ReadInt64(&at) || !reader.ReadString(&due.kind) || !reader.ReadString(&due.id)) {
      error = absl::DataLossError("sharing_expiries: malformed key");
      return false;
    }
    if (at > now_micros) return false;
    due.key = std::string(key);
    out.push_back(std::move(due));
    return static_cast<int>(out.size()) < limit;
  }));
  RETURN_IF_ERROR(error);
  return out;
}

absl::StatusOr<std::optional<v1::Disclosure>> DecisionStore::DisclosureHead(
    const storage::ReadView& view) const {
  return GetRecord<v1::Disclosure>(view, kDisclosureHead, kHeadKey);
}

absl::StatusOr<std::optional<v1::Disclosure>> DecisionStore::GetDisclosure(
    const storage::ReadView& view, absl::string_view id) const {
  ASSIGN_OR_RETURN(std::optional<std::string> seq, view.Get(kDisclosureNames, id));
  if (!seq.has_value()) return std::nullopt;
  return GetRecord<v1::Disclosure>(view, kDisclosures, *seq);
}

void DecisionStore::PutDisclosure(storage::Batch& batch, const v1::Disclosure& d) const {
  std::string seq = SequenceKey(static_cast<uint64_t>(d.sequence()));
  std::string raw = d.SerializeAsString();
  batch.Put(kDisclosures, seq, raw);
  batch.Put(kDisclosureNames, IdOf(d.name()), seq);
  batch.Put(kDisclosureHead, kHeadKey, raw);
  int64_t at = Micros(d.disclose_time());
  batch.Put(kDisclosuresBySubject,
            KeyBuilder().AddString(d.subject()).AddInt64(at).AddUint64(d.sequence()).key(), "");
  batch.Put(kDisclosuresByCase,
            KeyBuilder().AddString(IdOf(d.case_())).AddInt64(at).AddUint64(d.sequence()).key(), "");
}

absl::Status DecisionStore::ScanDisclosures(
    const storage::ReadView& view, absl::string_view scope, bool by_subject, absl::Time start,
    absl::Time end, absl::string_view after,
    const std::function<bool(absl::string_view, const v1::Disclosure&)>& fn) const {
  std::string prefix = KeyBuilder().AddString(scope).Release();
  // Start just before the first key at `start`, or after the page token.
  std::string from;
  if (start != absl::InfinitePast()) {
    from = KeyBuilder()
               .AddString(scope)
               .AddInt64(absl::ToUnixMicros(start) - 1)
               .AddUint64(std::numeric_limits<uint64_t>::max())
               .Release();
  }
  if (!after.empty() && std::string(after) > from) from = std::string(after);
  int64_t end_micros =
      end == absl::InfiniteFuture() ? std::numeric_limits<int64_t>::max() : absl::ToUnixMicros(end);
  absl::Status error = absl::OkStatus();
  RETURN_IF_ERROR(view.Scan(
      by_subject ? kDisclosuresBySubject : kDisclosuresByCase, prefix, from,
      [&](absl::string_view key, absl::string_view) {
        KeyReader reader(key);
        std::string s;
        int64_t at = 0;
        uint64_t seq = 0;
        if (!reader.ReadString(&s) || !reader.ReadInt64(&at) || !reader.ReadUint64(&seq)) {
          error = absl::DataLossError("disclosures index: malformed key");
          return false;
        }
        if (at >= end_micros) return false;
        absl::StatusOr<std::optional<v1::Disclosure>> d =
            GetRecord<v1::Disclosure>(view, kDisclosures, SequenceKey(seq));
        if (!d.ok() || !d->has_value()) {
          error = d.ok() ? absl::DataLossError("disclosures: dangling index entry") : d.status();
          return false;
        }
        return fn(key, **d);
      }));
  return error;
}

}  // namespace samepage::sharing
