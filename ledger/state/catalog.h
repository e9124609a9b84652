// Reference data the rules use: the catalogue of controlled substances and the inspection
// checklists. Shipped with the program (ledger/data/*.csv, compiled in) and extended by the
// authority through ledger entries (catalog.add, checklist.add), so a change of law is a new
// entry, never a new build.
//
// State records written by the authority's records (keys built by state_keys.h):
//   "catalog/<id>"             JSON substance added by catalog.add
//   "catalog_ident/<ident>"    id of the substance an identifier names: its id, a CAS number,
//                              or its English or Vietnamese name or a synonym, folded by
//                              CatalogIdent (identity.h FoldForSearch)
//   "checklist/<list>/<code>"  JSON checklist item added by checklist.add (list: venue|stock)
#ifndef VIGIL_LEDGER_STATE_CATALOG_H_
#define VIGIL_LEDGER_STATE_CATALOG_H_

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "keys/result.h"
#include "ledger/layering.h"
#include "ledger/state/quantity.h"
#include "ledger/state/state_store.h"

namespace vigil {

namespace data {
extern const char kUn1988Tables[];
extern const char kVenueChecklist[];
extern const char kStockChecklist[];
}  // namespace data

// A salt of a listed substance with its own CAS number (ephedrine hydrochloride 50-98-6):
// recorded under that number and counted as the base substance, by molar mass. base_ppm is
// 10^6 x M(base) / M(salt), rounded to the nearest integer; the shipped catalogue's salts column
// gives both masses (data/un1988-tables.csv).
struct SaltForm {
  std::string cas;
  std::string name;  // "hydrochloride"
  int64_t base_ppm = 1'000'000;
  nlohmann::json ToJson() const;
};

struct Substance {
  std::string id;  // the base substance's CAS number, or the id given by catalog.add
  std::string name_en;
  std::string name_vi;
  std::string table;             // "I", "II" (UN 1988) or a national list such as "IVA"
  std::vector<std::string> cas;  // every CAS number that names it (base, salts, esters)
  std::vector<std::string> synonyms;
  std::string unit;  // default unit: "kg" or "L"
  Measure measure = Measure::kMass;
  std::vector<SaltForm> salts;  // salts converted by molar mass (their CAS are in `cas` too)
  // The concentrations (ppm of pure substance, 10^4 x %) it is typically traded at, in
  // mixtures or solutions; nullopt: listed as pure, so no concentration may be declared (a
  // solid cannot be diluted by declaration). Text form "<min>-<max>" in percent.
  struct Range {
    int64_t min_ppm = 0, max_ppm = 0;
  };
  std::optional<Range> concentration;
  // Not part of the catalogue record: set by FindSubstance when the identifier was a salt's
  // CAS number, so that ReadAmount (domain.h) counts the amount as base substance.
  std::optional<SaltForm> form;
  nlohmann::json ToJson() const;
  static Result<Substance> FromJson(const nlohmann::json& j);
};

// True if `cas` is "NNNNNNN-NN-N" shaped (2-7 digits, 2 digits, 1 check digit) and its check
// digit is right (sum of digits times their position from the right, mod 10).
bool ValidCas(std::string_view cas);

// The shipped UN 1988 Table I and II substances, parsed once. Thread-safe.
const std::vector<Substance>& ShippedSubstances();

// `s` with ASCII letters lowered (file name extensions and the like; text that people search
// is folded by CatalogIdent / identity::FoldForSearch instead).
std::string LowerAscii(std::string_view s);

// How a substance identifier is compared: identity::FoldForSearch (case, Unicode form and
// Vietnamese diacritics ignored), so "Kali permanganat", "kali  PERMANGANAT" and "Axêton"
// meet the same "catalog_ident/" key.
std::string CatalogIdent(std::string_view ident);

// "<min>-<max>" (percentages, as ParseConcentration takes them) as a Range; nullopt if malformed
// or min > max.
std::optional<Substance::Range> ParseConcentrationRange(std::string_view text);
std::string FormatConcentrationRange(const Substance::Range& r);

// Every identifier `s` answers to, as given: its id, CAS numbers (base and salts), English
// and Vietnamese names and synonyms. catalog.add indexes these (folded by CatalogIdent).
std::vector<std::string> SubstanceIdents(const Substance& s);

// The substance `ident` names: a catalogue id, any of its CAS numbers, its English or
// Vietnamese name or a synonym (folded, CatalogIdent), from the shipped list or from catalog.add
// records in `state`. One map or state lookup. When `ident` is a salt's CAS number, `form` of
// the result is that salt.
Result<std::optional<Substance>> FindSubstance(const StateStore& state, std::string_view ident);

struct ChecklistItem {
  std::string code;                     // "V04", "S12"
  std::vector<std::string> applies_to;  // venue kinds (karaoke, bar, dance_hall); empty: all
  std::string item_en;
  std::string item_vi;
  std::string basis;  // the rule it comes from
  // A failure always raises a "critical_item" alert, whether or not a violation is listed
  // (drug use or paraphernalia on the premises, sales to unlicensed buyers, ...).
  bool critical = false;
  nlohmann::json ToJson() const;
};

enum class Checklist { kVenue, kStock };
std::string_view ChecklistName(Checklist list);  // "venue" / "stock"

// Every item of `list`: shipped ones, then those added by checklist.add, by code.
Result<std::vector<ChecklistItem>> ChecklistItems(const StateStore& state, Checklist list);

}  // namespace vigil

#endif  // VIGIL_LEDGER_STATE_CATALOG_H_
