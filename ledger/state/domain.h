// Shared pieces of the domain rules (DESIGN §5), used by the record handlers in chemicals.cc,
// inspections.cc, authority.cc and registry.cc: settings, substances and quantities in
// payloads, licences, stock and alerts. Internal to ledger/. All functions run inside Apply
// and report through the ApplyContext.
//
// State records (besides those of registry.h and catalog.h), store format 3; their keys are
// built and parsed only by state_keys.h. <seq8> and <time8> are 8 bytes big-endian; <seq> is
// 20 decimal digits and <time> 15 (ms since 1970); either way keys sort in seq / time order.
// "compact" values are state_codec.h's binary forms (JSON text when a record has a shape they
// do not cover).
//   "~<seq8>"                                           every entry: its type code, actor,
//                                                       personal flag and effect (what a
//                                                       correction undoes); compact
//   "trail/<participant>/<seq8>", ".../<0xff x 8>"      every entry that concerns a participant,
//                                                       in chunks of items (closed chunks under
//                                                       their last seq, the open one last): seq,
//                                                       type code and the stock after the entry
//                                                       of each substance of this participant it
//                                                       changed (the stock history); compact
//   "id/<actor>\0<payload id>"                          seq of the entry (varint) (state.cc)
//   "stock/<participant>/<substance>"                  current stock, base units (decimal)
//   "setting/<name>"                                    jurisdiction-wide setting (JSON)
//   "threshold/<substance>"                             limits set by threshold.set (JSON)
//   "transfer/<from>/<transfer id>"                     a dispatch and its receipt (compact)
//   "due/<due time>/<from>/<transfer id>"               open dispatches by receipt deadline
//   "win/<subject>/<substance>/<day4>"                  acquired that day by a window subject
//                                                       (chemicals.cc; codec::EncodeCounts)
//   "flow/<participant>/<substance>/<day4>"             stock in, out that day (EncodeCounts)
//   "acqstat/<participant>/<substance>"                 {"count","total"} of acquisitions (compact)
//   "count/<participant>/<substance>"                   the last stocktake (JSON)
//   "licence/<number>"                                  participant holding that licence
//   "expiry/<warn time>/<participant>/<number>"         licences by expiry-warning time
//   "licence_warn/<number>"                             the expiry/ key written for it
//   "inspection/<seq>"                                  an inspection and its status (JSON)
//   "insp_venue/<business>/<venue>/<seq>", "insp_by/<inspector>/<seq>"   indexes
//   "venueviol/<business>/<venue>/<time>/<seq>"         venue inspections with violations
//   "alert/<seq>/<n>"                                   alert n raised by entry seq (JSON)
//   "alert_by/<participant>/<seq>/<n>"                  index of alerts by participant
//   "voided/<seq>", "erased/<seq>"                      corrections and erasures applied
#ifndef VIGIL_LEDGER_STATE_DOMAIN_H_
#define VIGIL_LEDGER_STATE_DOMAIN_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "ledger/layering.h"
#include "ledger/state/catalog.h"
#include "ledger/state/quantity.h"
#include "ledger/state/state.h"

namespace vigil::domain {

inline constexpr int64_t kDayMs = 86'400'000;

// Settings with their defaults (changed by settings.set; docs/records.md §10).
struct Settings {
  int64_t receipt_days = 10;            // a dispatch must be received within this many days
  int64_t unusual_factor = 5;           // an acquisition above factor x the buyer's mean
  int64_t unusual_min_history = 3;      //   ... once the buyer has this many acquisitions
  int64_t expiry_warning_days = 30;     // warn this long before a licence expires
  int64_t repeat_violation_days = 365;  // repeat violations at a venue within this window
  // The reporting period: `at` may precede the server's time by this many days. 10 days, the
  // life of a control slip (the receipt deadline above): a record is filed while the paper
  // that proves it is still current.
  int64_t reporting_days = 10;
  int64_t late_limit_days = 90;  // older records need a late_reason; never older than this
  // The jurisdiction's calendar (licence days, day buckets): Asia/Ho_Chi_Minh, UTC+7 with no
  // daylight saving since 1975. A fixed offset, not a zone name, so that the verifier on any
  // machine, whatever its time-zone database, reaches the same state.
  int64_t utc_offset_minutes = 420;
  // Roles (bit set of Role values) whose participants may witness a destruction.
  uint8_t witness_roles =
      static_cast<uint8_t>(Role::kPolice) | static_cast<uint8_t>(Role::kInspector);
  nlohmann::json ToJson() const;
};
// Checks the settings of a settings.set record against their ranges and against each other
// (with `current` for those not given): "unknown_setting" / "bad_setting".
void CheckSettings(ApplyContext& ctx, const nlohmann::json& settings, const Settings& current);
// The settings in force: one scan of the setting/ records.
Settings LoadSettings(ApplyContext& ctx);

// The jurisdiction's calendar day (days since 1970-01-01 there) of a time.
int64_t LocalDay(int64_t ms, const Settings& settings);
// The day number of a "YYYY-MM-DD" date (a licence's issue or expiry day).
std::optional<int64_t> DateDay(std::string_view date);
// "YYYY-MM-DD" of a day number.
std::string DayDate(int64_t day);

// The time rules every record passes (Apply, before its handler): `at` within the reporting
// period of the server's time, or older with a "late_reason" up to the late limit (then a
// late_entry alert); never before its actor's registration.
void CheckTime(ApplyContext& ctx);

// Licence kinds (DESIGN §5 and issue: precursor trading, precursor use, import/export,
// karaoke, bar, dance hall).
bool IsLicenceKind(std::string_view kind);
bool IsVenueKind(std::string_view kind);  // karaoke, bar, dance_hall

// The substance named by string field `field` of `obj`; records "unknown_substance" or
// "missing_field" and returns nullopt if it cannot.
std::optional<Substance> ReadSubstance(ApplyContext& ctx, const nlohmann::json& obj,
                                       std::string_view field = "substance");

// The pure-substance amount of obj's "quantity" + "unit" (+ optional "concentration" in % w/w)
// in the substance's base unit; records "bad_quantity" / "wrong_unit" and returns nullopt.
// With `allow_zero` (stocktakes, inspection counts) a quantity of zero is accepted. A
// concentration on a substance the catalogue lists as pure is refused
// ("concentration_not_allowed"); `*ppm`, if given, receives the declared concentration
// (10^6 when none).
std::optional<int64_t> ReadAmount(ApplyContext& ctx, const nlohmann::json& obj,
                                  const Substance& substance, std::string_view where = "",
                                  bool allow_zero = false, int64_t* ppm = nullptr);

// Checks that `p` holds a licence of one of `kinds` covering `substance` on the record's
// calendar day (the jurisdiction's day of `at`), not suspended, and not expired by the server's
// time for longer than the reporting period (a record dated in a licence's last days must be
// filed within the period). Records one violation naming the closest licence and what is wrong
// with it ("licence KD-0042 expired on 2026-03-01") otherwise. `who` prefixes the message when
// the licence is not the signer's ("the receiver").
bool CheckLicence(ApplyContext& ctx, const nlohmann::json& participant_record,
                  std::initializer_list<std::string_view> kinds, const Substance& substance,
                  std::string_view who);

// Adds `deltas` (one or two) to the counts stored at `key` (codec::EncodeCounts; absent: all
// zero), deleting the key when they all come to zero: the day buckets and supplier marks.
void AddCounts(ApplyContext& ctx, const std::string& key, std::initializer_list<int64_t> deltas);

// Stock of `participant` in `substance`, base units.
int64_t Stock(ApplyContext& ctx, std::string_view participant, std::string_view substance);
// Adds `delta` (negative to take away) to the stock on the record's calendar day; records
// "stock_negative" if the result would be below zero, and for a withdrawal
// "stock_not_yet_held" if the stock held, by event time (the day buckets of statekey::FlowKey),
// at the end of that day or of any later day would fall below zero: goods cannot leave before
// they came.
// Records the change in ctx.effect for corrections. Reads one bucket per later day with
// movements (at most the late limit's days), never the history.
void ChangeStock(ApplyContext& ctx, std::string_view participant, const Substance& substance,
                 int64_t delta);
// Reverses one item of an effect's "stock" list (a correction); "stock_negative" if the stock
// no longer holds what it would take back.
void UndoStockChange(ApplyContext& ctx, const nlohmann::json& item);

// Raises an alert of `kind` about `participant` (stored under the current entry's seq).
// `details` is extra JSON for the alert record; `message` says what happened in words.
void RaiseAlert(ApplyContext& ctx, std::string_view kind, std::string_view participant,
                std::string message, nlohmann::json details = nlohmann::json::object());

// Helpers for the frequent "load or fail" reads; nullopt with ctx.failure set on store errors.
std::optional<nlohmann::json> GetJson(ApplyContext& ctx, const std::string& key);
void PutJson(ApplyContext& ctx, const std::string& key, const nlohmann::json& value);

// A registered participant, or nullopt with a violation `code` naming it.
std::optional<Participant> RequireParticipant(ApplyContext& ctx, const std::string& id,
                                              std::string_view code = "participant_unknown");

// Checks `hashes` is an array of 64-hex SHA-256 strings ("bad_hash").
void CheckHashes(ApplyContext& ctx, const nlohmann::json* hashes, std::string_view field);
// Records "before_target" if the record's "at" is before `target_at_ms`, the "at" of the record
// it answers (`what`, e.g. "entry 12"): a correction, an erasure, an acknowledgement or a note
// cannot predate what it answers.
void CheckNotBefore(ApplyContext& ctx, int64_t target_at_ms, const std::string& what);
// Parses an RFC 3339 string field; records "bad_time".
std::optional<int64_t> ReadTime(ApplyContext& ctx, const nlohmann::json& obj,
                                std::string_view field, bool required = true);

}  // namespace vigil::domain

#endif  // VIGIL_LEDGER_STATE_DOMAIN_H_
