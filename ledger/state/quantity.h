// Exact quantities (DESIGN §5): decimal strings with a unit, held as integers of milligrams
// (solids) or microlitres (liquids). No binary floating point anywhere. Pure and thread-safe.
#ifndef VIGIL_LEDGER_STATE_QUANTITY_H_
#define VIGIL_LEDGER_STATE_QUANTITY_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "keys/result.h"
#include "ledger/layering.h"

namespace vigil {

// Solids are counted in mg, liquids in µL. A substance has one kind (its catalogue unit).
enum class Measure { kMass, kVolume };

// Largest quantity accepted in one record: 10^15 base units (a million tonnes / cubic metres),
// so sums of many records stay far inside int64.
inline constexpr int64_t kMaxQuantity = 1'000'000'000'000'000;

struct Quantity {
  int64_t amount = 0;  // mg or µL
  Measure measure = Measure::kMass;
};

// The measure of a unit: "kg", "g", "mg" -> kMass; "L", "mL" -> kVolume. kInvalidArgument
// for anything else.
Result<Measure> MeasureOfUnit(std::string_view unit);

// Parses a positive decimal string ("12.500", "3", "0.25") in `unit` to base units. At most as
// many fraction digits as the unit allows (kg: 6, g: 3, mg: 0, L: 6, mL: 3); no sign, exponent
// or spaces. kInvalidArgument with a message a clerk can act on otherwise.
Result<Quantity> ParseQuantity(std::string_view decimal, std::string_view unit);
// Like ParseQuantity, but zero ("0", "0.000") is accepted: a count, not a movement.
Result<Quantity> ParseCount(std::string_view decimal, std::string_view unit);

// Parses a concentration in % w/w ("37.5"): 0 < c <= 100, at most 4 fraction digits.
// Returns parts per million (375000 for "37.5").
Result<int64_t> ParseConcentration(std::string_view percent);

// The pure-substance amount of a mixture: floor(amount * ppm / 10^6), exactly.
int64_t PureAmount(int64_t amount, int64_t ppm);

// "12.5 kg" / "250 mL" style text for messages: base units shown in kg or L with up to 6
// fraction digits, trailing zeros removed.
std::string FormatQuantity(int64_t amount, Measure measure);

}  // namespace vigil

#endif  // VIGIL_LEDGER_STATE_QUANTITY_H_
