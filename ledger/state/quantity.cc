#include "ledger/state/quantity.h"

namespace vigil {

namespace {

struct UnitInfo {
  std::string_view name;
  Measure measure;
  int scale_digits;  // base units per unit = 10^scale_digits
};

constexpr UnitInfo kUnits[] = {
    {"kg", Measure::kMass, 6},  {"g", Measure::kMass, 3},    {"mg", Measure::kMass, 0},
    {"L", Measure::kVolume, 6}, {"mL", Measure::kVolume, 3},
};

const UnitInfo* FindUnit(std::string_view unit) {
  for (const UnitInfo& u : kUnits) {
    if (u.name == unit) return &u;
  }
  return nullptr;
}

// Parses "digits[.digits]" to an integer scaled by 10^scale; false if malformed, too many
// fraction digits, or above `max`.
bool ParseScaled(std::string_view s, int scale, int64_t max, int64_t& out) {
  size_t dot = s.find('.');
  std::string_view whole = s.substr(0, dot);
  std::string_view frac = dot == std::string_view::npos ? std::string_view() : s.substr(dot + 1);
  if (whole.empty() || whole.size() > 18 || (dot != std::string_view::npos && frac.empty()) ||
      frac.size() > static_cast<size_t>(scale)) {
    return false;
  }
  // max <= 10^15, so checking after every digit keeps v * 10 + 9 inside int64.
  int64_t v = 0;
  auto push = [&](char c) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
    return v <= max;
  };
  for (char c : whole) {
    if (!push(c)) return false;
  }
  for (int i = 0; i < scale; ++i) {
    if (!push(static_cast<size_t>(i) < frac.size() ? frac[static_cast<size_t>(i)] : '0'))
      return false;
  }
  out = v;
  return true;
}

}  // namespace

Result<Measure> MeasureOfUnit(std::string_view unit) {
  const UnitInfo* u = FindUnit(unit);
  if (u == nullptr) {
    return Status(Code::kInvalidArgument, "unit \"" + std::string(unit.substr(0, 16)) +
                                              "\" is not one of kg, g, mg, L, mL");
  }
  return u->measure;
}

Result<Quantity> ParseQuantity(std::string_view decimal, std::string_view unit) {
  Result<Quantity> q = ParseCount(decimal, unit);
  if (q.ok() && q->amount == 0) {
    return Status(Code::kInvalidArgument, "quantity must be greater than zero");
  }
  return q;
}

Result<Quantity> ParseCount(std::string_view decimal, std::string_view unit) {
  const UnitInfo* u = FindUnit(unit);
  if (u == nullptr) return MeasureOfUnit(unit).status();
  int64_t amount = 0;
  if (!ParseScaled(decimal, u->scale_digits, kMaxQuantity, amount)) {
    return Status(Code::kInvalidArgument,
                  "quantity \"" + std::string(decimal.substr(0, 32)) +
                      "\" must be a plain decimal number like 12.500 with at most " +
                      std::to_string(u->scale_digits) + " digits after the point in " +
                      std::string(unit));
  }
  return Quantity{amount, u->measure};
}

Result<int64_t> ParseConcentration(std::string_view percent) {
  int64_t ppm = 0;  // percent * 10^4
  if (!ParseScaled(percent, 4, 1'000'000, ppm) || ppm == 0) {
    return Status(Code::kInvalidArgument,
                  "concentration \"" + std::string(percent.substr(0, 16)) +
                      "\" must be a percentage above 0 and at most 100, e.g. \"37.5\"");
  }
  return ppm;
}

int64_t PureAmount(int64_t amount, int64_t ppm) {
  // amount = q * 10^6 + r, so amount * ppm / 10^6 = q * ppm + r * ppm / 10^6 without overflow.
  return amount / 1'000'000 * ppm + amount % 1'000'000 * ppm / 1'000'000;
}

std::string FormatQuantity(int64_t amount, Measure measure) {
  const bool negative = amount < 0;
  uint64_t a = negative ? static_cast<uint64_t>(-(amount + 1)) + 1 : static_cast<uint64_t>(amount);
  std::string whole = std::to_string(a / 1'000'000);
  std::string frac = std::to_string(a % 1'000'000);
  frac.insert(0, 6 - frac.size(), '0');
  while (!frac.empty() && frac.back() == '0') frac.pop_back();
  std::string s = (negative ? "-" : "") + whole + (frac.empty() ? "" : "." + frac);
  return s + (measure == Measure::kMass ? " kg" : " L");
}

}  // namespace vigil
