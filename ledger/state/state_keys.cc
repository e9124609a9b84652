#include "ledger/state/state_keys.h"

#include <algorithm>
#include <cstdio>
#include <initializer_list>
#include <utility>

#include "keys/coding.h"

namespace vigil::statekey {

namespace {

constexpr size_t kSeqDigits = 20;
constexpr size_t kTimeDigits = 15;

std::string Padded(uint64_t v, size_t width) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%0*llu", static_cast<int>(width),
                static_cast<unsigned long long>(v));
  return buf;
}

// Joins the parts with '/' after `prefix` (which ends with its own '/').
std::string Join(std::string_view prefix, std::initializer_list<std::string_view> parts) {
  std::string k(prefix);
  bool first = true;
  for (std::string_view p : parts) {
    if (!first) k.push_back('/');
    k.append(p);
    first = false;
  }
  return k;
}

// The value of exactly `n` decimal digits; nullopt otherwise.
std::optional<uint64_t> Digits(std::string_view s, size_t n) {
  if (s.size() != n) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  return v;
}

// What follows `prefix` in `key`; nullopt if `key` does not start with it.
std::optional<std::string_view> After(std::string_view key, std::string_view prefix) {
  if (!key.starts_with(prefix)) return std::nullopt;
  return key.substr(prefix.size());
}

// Splits `s` at its first '/'; nullopt if it has none.
std::optional<std::pair<std::string_view, std::string_view>> SplitFirst(std::string_view s) {
  const size_t slash = s.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  return std::make_pair(s.substr(0, slash), s.substr(slash + 1));
}

constexpr std::string_view kEntry = "~";
constexpr std::string_view kTrail = "trail/";
constexpr std::string_view kId = "id/";
constexpr std::string_view kStock = "stock/";
constexpr std::string_view kThreshold = "threshold/";
constexpr std::string_view kCatalogIdent = "catalog_ident/";
constexpr std::string_view kChecklist = "checklist/";
constexpr std::string_view kCount = "count/";
constexpr std::string_view kSupplied = "supplied/";
constexpr std::string_view kConc = "conc/";
constexpr std::string_view kLicence = "licence/";
constexpr std::string_view kLicenceWarn = "licence_warn/";
constexpr std::string_view kInspBy = "insp_by/";
constexpr std::string_view kInspVenue = "insp_venue/";
constexpr std::string_view kVenueViol = "venueviol/";
constexpr std::string_view kAlertBy = "alert_by/";
constexpr std::string_view kVoided = "voided/";
constexpr std::string_view kErased = "erased/";
constexpr std::string_view kTaxCode = "taxcode/";

}  // namespace

// ---- parts ----

std::string SeqBytes(uint64_t seq) { return EncodeBigEndian64(seq); }
std::string TimeBytes(int64_t ms) {
  return EncodeBigEndian64(static_cast<uint64_t>(std::max<int64_t>(ms, 0)));
}
std::string SeqDigits(uint64_t seq) { return Padded(seq, kSeqDigits); }
std::string TimeDigits(int64_t ms) {
  return Padded(static_cast<uint64_t>(std::max<int64_t>(ms, 0)), kTimeDigits);
}

// ---- the per-entry record and trails ----

std::string EntryKey(uint64_t seq) { return std::string(kEntry) + SeqBytes(seq); }

std::string TrailPrefix(std::string_view participant) { return Join(kTrail, {participant, ""}); }

std::string TrailKey(std::string_view participant, uint64_t last_seq) {
  return TrailPrefix(participant) + SeqBytes(last_seq);
}

std::string TrailOpenKey(std::string_view participant) {
  return TrailPrefix(participant) + std::string(8, '\xff');
}

std::string TrailCursor(std::string_view participant, uint64_t seq) {
  return TrailPrefix(participant) + SeqDigits(seq);
}

std::optional<uint64_t> ParseTrailCursor(std::string_view participant, std::string_view cursor) {
  std::optional<std::string_view> rest = After(cursor, TrailPrefix(participant));
  if (!rest.has_value() || *rest >= "18446744073709551615") return std::nullopt;
  return Digits(*rest, kSeqDigits);
}

std::string IdKey(std::string_view actor, std::string_view id) {
  std::string k(kId);
  k.append(actor);
  k.push_back('\0');
  k.append(id);
  return k;
}

// ---- registry ----

std::string ParticipantKey(std::string_view id) { return Join(kParticipantPrefix, {id}); }
std::optional<std::string_view> ParseParticipantKey(std::string_view key) {
  return After(key, kParticipantPrefix);
}
std::string KeyKey(std::string_view key_id) { return Join(kKeyPrefix, {key_id}); }
std::optional<std::string_view> ParseKeyKey(std::string_view key) { return After(key, kKeyPrefix); }
std::string TaxCodeKey(std::string_view tax_code) { return Join(kTaxCode, {tax_code}); }

// ---- stock, settings, catalogue ----

std::string StockKey(std::string_view participant, std::string_view substance) {
  return Join(kStock, {participant, substance});
}
std::string StockPrefix(std::string_view participant) { return Join(kStock, {participant, ""}); }
std::string SettingKey(std::string_view name) { return Join(kSettingPrefix, {name}); }
std::optional<std::string_view> ParseSettingKey(std::string_view key) {
  return After(key, kSettingPrefix);
}
std::string ThresholdKey(std::string_view substance) { return Join(kThreshold, {substance}); }
std::string CatalogKey(std::string_view substance_id) {
  return Join(kCatalogPrefix, {substance_id});
}
std::string CatalogIdentKey(std::string_view lowered_ident) {
  return Join(kCatalogIdent, {lowered_ident});
}
std::string ChecklistPrefix(std::string_view list) { return Join(kChecklist, {list, ""}); }
std::string ChecklistKey(std::string_view list, std::string_view code) {
  return Join(kChecklist, {list, code});
}

// ---- transfers and acquisitions ----

std::string TransferKey(std::string_view from, std::string_view transfer_id) {
  return Join(kTransferPrefix, {from, transfer_id});
}

std::optional<TransferKeyParts> ParseTransferKey(std::string_view key) {
  std::optional<std::string_view> rest = After(key, kTransferPrefix);
  if (!rest.has_value()) return std::nullopt;
  auto parts = SplitFirst(*rest);
  if (!parts.has_value()) return std::nullopt;
  return TransferKeyParts{parts->first, parts->second};
}

std::string DueKey(int64_t due_ms, std::string_view from, std::string_view transfer_id) {
  return Join(kDuePrefix, {TimeDigits(due_ms), from, transfer_id});
}

namespace {
// "<prefix><time digits>/<a>/<b>" (DueKey, ExpiryKey): the time and the two names. <a> ends
// at the first '/' after the time; <b> is the rest and may hold '/' (a transfer id, a licence
// number).
struct TimedPair {
  int64_t ms;
  std::string_view a, b;
};
std::optional<TimedPair> ParseTimedPair(std::string_view key, std::string_view prefix) {
  std::optional<std::string_view> rest = After(key, prefix);
  if (!rest.has_value()) return std::nullopt;
  auto time = SplitFirst(*rest);
  if (!time.has_value()) return std::nullopt;
  std::optional<uint64_t> ms = Digits(time->first, kTimeDigits);
  auto parts = SplitFirst(time->second);
  if (!ms.has_value() || !parts.has_value()) return std::nullopt;
  return TimedPair{static_cast<int64_t>(*ms), parts->first, parts->second};
}
}  // namespace

std::optional<DueKeyParts> ParseDueKey(std::string_view key) {
  std::optional<TimedPair> p = ParseTimedPair(key, kDuePrefix);
  if (!p.has_value()) return std::nullopt;
  return DueKeyParts{p->ms, p->a, p->b};
}

std::string DayBytes(int64_t day) {
  const uint64_t d = static_cast<uint64_t>(std::clamp<int64_t>(day, 0, 0xffffffff));
  return EncodeBigEndian64(d).substr(4);
}

std::string WindowPrefix(std::string_view subject, std::string_view substance) {
  return Join(kWindowPrefix, {subject, substance, ""});
}

std::string WindowKey(std::string_view subject, std::string_view substance, int64_t day) {
  return WindowPrefix(subject, substance) + DayBytes(day);
}

std::string FlowPrefix(std::string_view participant, std::string_view substance) {
  return Join(kFlowPrefix, {participant, substance, ""});
}

std::string FlowKey(std::string_view participant, std::string_view substance, int64_t day) {
  return FlowPrefix(participant, substance) + DayBytes(day);
}

std::optional<int64_t> ParseDayKey(std::string_view key, std::string_view prefix) {
  std::optional<std::string_view> rest = After(key, prefix);
  if (!rest.has_value() || rest->size() != 4) return std::nullopt;
  return static_cast<int64_t>(DecodeBigEndian64(std::string(4, '\0') + std::string(*rest)));
}

std::string AcqStatKey(std::string_view participant, std::string_view substance) {
  return Join(kAcqStatPrefix, {participant, substance});
}

std::string SupplierKey(std::string_view participant, std::string_view substance,
                        std::string_view supplier) {
  return Join(kSupplied, {participant, substance, supplier});
}

std::string ConcKey(std::string_view participant, std::string_view substance) {
  return Join(kConc, {participant, substance});
}

std::string CountKey(std::string_view participant, std::string_view substance) {
  return Join(kCount, {participant, substance});
}

// ---- licences ----

std::string LicenceKey(std::string_view number) { return Join(kLicence, {number}); }
std::string LicenceWarnKey(std::string_view number) { return Join(kLicenceWarn, {number}); }

std::string ExpiryKey(int64_t warn_ms, std::string_view participant, std::string_view number) {
  return Join(kExpiryPrefix, {TimeDigits(warn_ms), participant, number});
}

std::optional<ExpiryKeyParts> ParseExpiryKey(std::string_view key) {
  std::optional<TimedPair> p = ParseTimedPair(key, kExpiryPrefix);
  if (!p.has_value()) return std::nullopt;
  return ExpiryKeyParts{p->ms, p->a, p->b};
}

// ---- inspections ----

std::string InspectionKey(uint64_t seq) { return InspectionKey(SeqDigits(seq)); }
std::string InspectionKey(std::string_view seq_digits) {
  return Join(kInspectionPrefix, {seq_digits});
}
std::string InspByKey(std::string_view inspector, uint64_t seq) {
  return Join(kInspBy, {inspector, SeqDigits(seq)});
}
std::string InspVenueKey(std::string_view business, std::string_view venue, uint64_t seq) {
  return Join(kInspVenue, {business, venue, SeqDigits(seq)});
}

std::string VenueViolPrefix(std::string_view business, std::string_view venue) {
  return Join(kVenueViol, {business, venue, ""});
}

std::string VenueViolFrom(std::string_view business, std::string_view venue, int64_t from_ms) {
  return VenueViolPrefix(business, venue) + TimeDigits(from_ms);
}

std::string VenueViolKey(std::string_view business, std::string_view venue, int64_t at_ms,
                         uint64_t seq) {
  return VenueViolFrom(business, venue, at_ms) + "/" + SeqDigits(seq);
}

std::optional<VenueViolKeyParts> ParseVenueViolKey(std::string_view key) {
  constexpr size_t kTail = kTimeDigits + 1 + kSeqDigits;  // <time>/<seq>
  if (!key.starts_with(kVenueViol) || key.size() < kVenueViol.size() + kTail) return std::nullopt;
  const std::string_view tail = key.substr(key.size() - kTail);
  std::optional<uint64_t> ms = Digits(tail.substr(0, kTimeDigits), kTimeDigits);
  std::optional<uint64_t> seq = Digits(tail.substr(kTimeDigits + 1), kSeqDigits);
  if (!ms.has_value() || !seq.has_value() || tail[kTimeDigits] != '/') return std::nullopt;
  return VenueViolKeyParts{static_cast<int64_t>(*ms), *seq};
}

// ---- alerts and corrections ----

std::string AlertKey(uint64_t seq, int n) {
  return Join(kAlertPrefix, {SeqDigits(seq), std::to_string(n)});
}
std::string AlertByKey(std::string_view participant, uint64_t seq, int n) {
  return Join(kAlertBy, {participant, SeqDigits(seq), std::to_string(n)});
}
std::string VoidedKey(uint64_t seq) { return Join(kVoided, {SeqDigits(seq)}); }
std::string ErasedKey(uint64_t seq) { return Join(kErased, {SeqDigits(seq)}); }

}  // namespace vigil::statekey
