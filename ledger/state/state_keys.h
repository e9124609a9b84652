// Every key of the derived state (the `state` table, store format 3; docs/formats.md §15):
// the one place that spells a key prefix, builds a key from its parts or takes one apart
// (after leveldb's db/dbformat.h). The state machine writes these keys; the queries, the
// verifier, the CLI and the tests read them, always through this header.
//
// Parts inside keys:
//   <seq8>, <time8>  8 bytes big-endian (keys/coding.h; a time below 0 as 0): the high-volume
//                    records, so they sort in seq / time order; <day4> likewise, 4 bytes of a
//                    day number;
//   <seq>            20 decimal digits; <time> 15 decimal digits of ms since 1970 (below 0 as
//                    0): the rarer records, which keep a readable key. Either sorts in order.
// Participant ids, substance ids, venue ids and checklist codes never hold '/' (the registry
// and catalogue refuse them), so a '/' after one of them ends it. A transfer id and a licence
// number (số/ký hiệu such as "05/2026/GP-UBND") may hold '/': each is always the rest of its
// key ("licence/<number>", "expiry/<time>/<participant>/<number>", "transfer/<from>/<id>").
//
// The keys (values are described where they are written: domain.h, registry.h, catalog.h):
//   "~<seq8>"                                      every entry (state_codec.h EntryInfo)
//   "trail/<participant>/<seq8>", ".../<ff x 8>"   a participant's trail chunks
//   "id/<actor>\0<payload id>"                     seq of the entry with that id (§6.3)
//   "participant/<id>", "key/<key id>", "genesis"  the registry
//   "taxcode/<tax code>"                           participant holding that tax code
//   "stock/<participant>/<substance>"              current stock
//   "setting/<name>", "threshold/<substance>"      the authority's settings and limits
//   "catalog/<id>", "catalog_ident/<ident>", "checklist/<list>/<code>"   the catalogue
//   "transfer/<from>/<transfer id>"                a dispatch and its receipt
//   "due/<time>/<from>/<transfer id>"              open dispatches by receipt deadline
//   "win/<subject>/<substance>/<day4>"             acquisitions per day, for rolling windows
//   "flow/<participant>/<substance>/<day4>"        stock in and out per day (event time)
//   "acqstat/<participant>/<substance>"            acquisition count and total
//   "supplied/<participant>/<substance>/<supplier>"   who supplied it (returns allowed)
//   "conc/<participant>/<substance>"               lowest concentration acquired at
//   "count/<participant>/<substance>"              the last stocktake
//   "licence/<number>", "licence_warn/<number>"    licence holder; its expiry/ key
//   "expiry/<time>/<participant>/<number>"         licences by expiry-warning time
//   "inspection/<seq>"                             an inspection and its status
//   "insp_venue/<business>/<venue>/<seq>", "insp_by/<inspector>/<seq>"   indexes
//   "venueviol/<business>/<venue>/<time>/<seq>"    venue inspections with violations
//   "alert/<seq>/<n>", "alert_by/<participant>/<seq>/<n>"   alert n raised by entry seq
//   "voided/<seq>", "erased/<seq>"                 corrections and erasures applied
//
// All functions are pure and thread-safe. Parsers return nullopt for a key that is not of
// their kind or is malformed; the string_views they return point into the key passed in,
// which must outlive them.
#ifndef VIGIL_LEDGER_STATE_STATE_KEYS_H_
#define VIGIL_LEDGER_STATE_STATE_KEYS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "ledger/layering.h"

namespace vigil::statekey {

// ---- parts ----

std::string SeqBytes(uint64_t seq);   // <seq8>
std::string TimeBytes(int64_t ms);    // <time8>: 8 bytes big-endian of max(ms, 0)
std::string SeqDigits(uint64_t seq);  // <seq>: 20 digits
std::string TimeDigits(int64_t ms);   // <time>: 15 digits of max(ms, 0)

// ---- prefixes of the keys that are scanned or told apart by kind ----

inline constexpr std::string_view kParticipantPrefix = "participant/";
inline constexpr std::string_view kKeyPrefix = "key/";
inline constexpr std::string_view kSettingPrefix = "setting/";
inline constexpr std::string_view kCatalogPrefix = "catalog/";
inline constexpr std::string_view kThresholdPrefix = "threshold/";
inline constexpr std::string_view kTransferPrefix = "transfer/";
inline constexpr std::string_view kDuePrefix = "due/";
inline constexpr std::string_view kWindowPrefix = "win/";
inline constexpr std::string_view kFlowPrefix = "flow/";
inline constexpr std::string_view kAcqStatPrefix = "acqstat/";
inline constexpr std::string_view kExpiryPrefix = "expiry/";
inline constexpr std::string_view kInspectionPrefix = "inspection/";
inline constexpr std::string_view kAlertPrefix = "alert/";

// ---- the per-entry record and trails ----

// "~" ‖ <seq8>. "~" sorts after every other state key, so these records are appended at the
// end of the table and fill its pages.
std::string EntryKey(uint64_t seq);

// "trail/<participant>/": every chunk of that participant's trail starts so.
std::string TrailPrefix(std::string_view participant);
// The closed chunk whose last item is entry `last_seq`.
std::string TrailKey(std::string_view participant, uint64_t last_seq);
// The open chunk (0xff x 8 after the prefix: it sorts after every closed one).
std::string TrailOpenKey(std::string_view participant);
// The API's trail cursor: "trail/<participant>/<seq>" (20 digits), the last item returned. It
// is text, never a stored key.
std::string TrailCursor(std::string_view participant, uint64_t seq);
// The seq of a cursor of `participant`'s trail; nullopt unless `cursor` is exactly such a
// cursor with seq below UINT64_MAX (so that seq + 1 is the next one).
std::optional<uint64_t> ParseTrailCursor(std::string_view participant, std::string_view cursor);

// "id/<actor>" 0x00 "<payload id>".
std::string IdKey(std::string_view actor, std::string_view id);

// ---- registry (registry.h) ----

std::string ParticipantKey(std::string_view id);
std::optional<std::string_view> ParseParticipantKey(std::string_view key);  // the id
std::string KeyKey(std::string_view key_id);                                // "key/<key id>"
std::optional<std::string_view> ParseKeyKey(std::string_view key);          // the key id
inline constexpr std::string_view kGenesisKey = "genesis";
// "taxcode/<tax code>": the participant registered with that tax code (identity.h's
// ValidTaxCode: 10 digits, or 10 + "-" + 3 for a branch), so one enterprise is registered once.
std::string TaxCodeKey(std::string_view tax_code);

// ---- stock, settings, catalogue (domain.h, catalog.h) ----

std::string StockKey(std::string_view participant, std::string_view substance);
std::string StockPrefix(std::string_view participant);  // "stock/<participant>/"
std::string SettingKey(std::string_view name);
std::optional<std::string_view> ParseSettingKey(std::string_view key);  // the name
std::string ThresholdKey(std::string_view substance);
std::string CatalogKey(std::string_view substance_id);
std::string CatalogIdentKey(std::string_view lowered_ident);
std::string ChecklistPrefix(std::string_view list);  // "checklist/<list>/"
std::string ChecklistKey(std::string_view list, std::string_view code);

// ---- transfers and acquisitions (chemicals.cc) ----

struct TransferKeyParts {
  std::string_view from, transfer_id;
};
std::string TransferKey(std::string_view from, std::string_view transfer_id);
std::optional<TransferKeyParts> ParseTransferKey(std::string_view key);

struct DueKeyParts {
  int64_t due_ms = 0;
  std::string_view from, transfer_id;
};
std::string DueKey(int64_t due_ms, std::string_view from, std::string_view transfer_id);
std::optional<DueKeyParts> ParseDueKey(std::string_view key);

// Day buckets: amounts summed per calendar day of the jurisdiction (domain::LocalDay), so
// that a rule reads at most one key per day of its span, never one per record.
// <day4> is 4 bytes big-endian of the day number (days since 1970-01-01, clamped to
// 0..2^32-1).
std::string DayBytes(int64_t day);
// "win/<subject>/<substance>/<day4>": what a window subject acquired that day (anti-smurfing;
// subject "e:<enterprise>", "p:<participant>" or "o:<outside buyer's enterprise code>").
std::string WindowPrefix(std::string_view subject, std::string_view substance);  // ".../"
std::string WindowKey(std::string_view subject, std::string_view substance, int64_t day);
// "flow/<participant>/<substance>/<day4>": stock in and out that day, by event time.
std::string FlowPrefix(std::string_view participant, std::string_view substance);  // ".../"
std::string FlowKey(std::string_view participant, std::string_view substance, int64_t day);
// The day of a WindowKey / FlowKey under `prefix` (WindowPrefix / FlowPrefix).
std::optional<int64_t> ParseDayKey(std::string_view key, std::string_view prefix);
std::string AcqStatKey(std::string_view participant, std::string_view substance);

// "supplied/<participant>/<substance>/<supplier>": how many acquisitions of that substance the
// participant has from `supplier` ("participant:<id>" or "party:<code or name>", the rest of
// the key); absent once corrections took them all back.
std::string SupplierKey(std::string_view participant, std::string_view substance,
                        std::string_view supplier);

// "conc/<participant>/<substance>": the lowest concentration the participant acquired it at.
std::string ConcKey(std::string_view participant, std::string_view substance);

std::string CountKey(std::string_view participant, std::string_view substance);

// ---- licences (registry.cc) ----

std::string LicenceKey(std::string_view number);
std::string LicenceWarnKey(std::string_view number);
struct ExpiryKeyParts {
  int64_t warn_ms = 0;
  std::string_view participant, number;
};
std::string ExpiryKey(int64_t warn_ms, std::string_view participant, std::string_view number);
// The number is everything after the participant, '/' included.
std::optional<ExpiryKeyParts> ParseExpiryKey(std::string_view key);

// ---- inspections (inspections.cc) ----

std::string InspectionKey(uint64_t seq);
// From the <seq> text an inspection effect keeps (domain.h: effect "inspection").
std::string InspectionKey(std::string_view seq_digits);
std::string InspByKey(std::string_view inspector, uint64_t seq);
std::string InspVenueKey(std::string_view business, std::string_view venue, uint64_t seq);
std::string VenueViolPrefix(std::string_view business, std::string_view venue);  // ".../"
// The first key of the venue's violations at or after `from_ms`.
std::string VenueViolFrom(std::string_view business, std::string_view venue, int64_t from_ms);
std::string VenueViolKey(std::string_view business, std::string_view venue, int64_t at_ms,
                         uint64_t seq);
struct VenueViolKeyParts {
  int64_t at_ms = 0;
  uint64_t seq = 0;
};
// The time and seq at the end of a venueviol/ key.
std::optional<VenueViolKeyParts> ParseVenueViolKey(std::string_view key);

// ---- alerts and corrections ----

std::string AlertKey(uint64_t seq, int n);
std::string AlertByKey(std::string_view participant, uint64_t seq, int n);
std::string VoidedKey(uint64_t seq);
std::string ErasedKey(uint64_t seq);

}  // namespace vigil::statekey

#endif  // VIGIL_LEDGER_STATE_STATE_KEYS_H_
