// Tests for ledger/quantity: exact decimal quantities and concentrations (DESIGN §5: no binary
// floating point anywhere), checked at every unit scale and at the int64 edges against a
// 128-bit reference.
#include "ledger/state/quantity.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <limits>
#include <random>
#include <string>

namespace vigil {
namespace {

__extension__ typedef __int128 Int128;  // the reference arithmetic (GCC extension)

constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();
constexpr int64_t kInt64Min = std::numeric_limits<int64_t>::min();

int64_t Parsed(std::string_view decimal, std::string_view unit) {
  Result<Quantity> q = ParseQuantity(decimal, unit);
  INFO("\"" << std::string(decimal) << "\" " << std::string(unit) << ": " << q.status().ToString());
  REQUIRE(q.ok());
  return q->amount;
}

void ExpectBadQuantity(std::string_view decimal, std::string_view unit) {
  Result<Quantity> q = ParseQuantity(decimal, unit);
  INFO("\"" << std::string(decimal) << "\" " << std::string(unit));
  REQUIRE_FALSE(q.ok());
  CHECK(q.status().code() == Code::kInvalidArgument);
  CHECK_FALSE(q.status().message().empty());
}

int64_t ReferencePure(int64_t amount, int64_t ppm) {
  return static_cast<int64_t>(static_cast<Int128>(amount) * ppm / 1'000'000);
}

TEST_CASE("ParseQuantity scales every unit to mg or µL", "[quantity]") {
  CHECK(Parsed("1", "kg") == 1'000'000);
  CHECK(Parsed("12.500", "kg") == 12'500'000);
  CHECK(Parsed("0.000001", "kg") == 1);
  CHECK(Parsed("1", "g") == 1'000);
  CHECK(Parsed("0.001", "g") == 1);
  CHECK(Parsed("1.5", "g") == 1'500);
  CHECK(Parsed("1", "mg") == 1);
  CHECK(Parsed("250", "mg") == 250);
  CHECK(Parsed("2.5", "L") == 2'500'000);
  CHECK(Parsed("0.000001", "L") == 1);
  CHECK(Parsed("1.234", "mL") == 1'234);
  CHECK(Parsed("0.001", "mL") == 1);
  CHECK(Parsed("007", "kg") == 7'000'000);  // leading zeros are harmless

  CHECK(ParseQuantity("1", "kg")->measure == Measure::kMass);
  CHECK(ParseQuantity("1", "g")->measure == Measure::kMass);
  CHECK(ParseQuantity("1", "mg")->measure == Measure::kMass);
  CHECK(ParseQuantity("1", "L")->measure == Measure::kVolume);
  CHECK(ParseQuantity("1", "mL")->measure == Measure::kVolume);
}

TEST_CASE("ParseQuantity allows exactly the fraction digits of the unit", "[quantity]") {
  CHECK(Parsed("1.123456", "kg") == 1'123'456);
  ExpectBadQuantity("1.1234567", "kg");
  CHECK(Parsed("1.123", "g") == 1'123);
  ExpectBadQuantity("1.1234", "g");
  ExpectBadQuantity("1.0", "mg");  // mg is the base unit: no fraction at all
  ExpectBadQuantity("1.5", "mg");
  CHECK(Parsed("1.123456", "L") == 1'123'456);
  ExpectBadQuantity("1.1234567", "L");
  CHECK(Parsed("1.123", "mL") == 1'123);
  ExpectBadQuantity("1.1234", "mL");
  // Trailing zeros count as digits too: 7 digits after the point in kg is refused.
  ExpectBadQuantity("1.0000000", "kg");
}

TEST_CASE("ParseQuantity refuses zero, signs, exponents, spaces and junk", "[quantity]") {
  for (const char* zero : {"0", "0.0", "0.000000", "000"}) {
    Result<Quantity> q = ParseQuantity(zero, "kg");
    INFO(zero);
    REQUIRE_FALSE(q.ok());
    CHECK(q.status().code() == Code::kInvalidArgument);
  }
  CHECK(ParseQuantity("0", "kg").status().message().find("greater than zero") != std::string::npos);
  ExpectBadQuantity("0.0000001", "kg");  // below one mg and too many digits
  for (const char* bad :
       {"-1", "-0.5", "+1", "+0.5", "1e3",  "1E3", "1e-3", " 1", "1 ",  "1 000", "1,5", "1.2.3",
        ".5", "5.",   ".",  "",     "0x10", "one", "1kg",  "１", "NaN", "inf",   "\t1", "1\n"}) {
    ExpectBadQuantity(bad, "kg");
  }
}

TEST_CASE("ParseQuantity refuses units it does not know", "[quantity]") {
  for (const char* unit : {"", "KG", "Kg", "l", "ml", "ML", "t", "lb", "µL", "kg ", "mcg"}) {
    INFO("unit \"" << unit << "\"");
    Result<Quantity> q = ParseQuantity("1", unit);
    REQUIRE_FALSE(q.ok());
    CHECK(q.status().code() == Code::kInvalidArgument);
    CHECK_FALSE(MeasureOfUnit(unit).ok());
  }
  CHECK(*MeasureOfUnit("kg") == Measure::kMass);
  CHECK(*MeasureOfUnit("mL") == Measure::kVolume);
}

TEST_CASE("ParseQuantity accepts exactly up to 10^15 base units", "[quantity]") {
  REQUIRE(kMaxQuantity == 1'000'000'000'000'000);
  CHECK(Parsed("1000000000", "kg") == kMaxQuantity);
  CHECK(Parsed("1000000000.000000", "kg") == kMaxQuantity);
  CHECK(Parsed("999999999.999999", "kg") == kMaxQuantity - 1);
  ExpectBadQuantity("1000000000.000001", "kg");
  ExpectBadQuantity("1000000001", "kg");
  CHECK(Parsed("1000000000000", "g") == kMaxQuantity);
  ExpectBadQuantity("1000000000000.001", "g");
  CHECK(Parsed("1000000000000000", "mg") == kMaxQuantity);
  ExpectBadQuantity("1000000000000001", "mg");
  CHECK(Parsed("1000000000", "L") == kMaxQuantity);
  ExpectBadQuantity("1000000000.000001", "L");
  CHECK(Parsed("1000000000000", "mL") == kMaxQuantity);
  ExpectBadQuantity("1000000000000.001", "mL");
  // Far above: no overflow, just a refusal.
  ExpectBadQuantity("9223372036854775807", "mg");
  ExpectBadQuantity("9223372036854775808", "mg");
  ExpectBadQuantity("99999999999999999999999999", "kg");
  ExpectBadQuantity("18446744073709551616", "kg");
}

TEST_CASE("ParseConcentration reads % w/w as parts per million", "[quantity]") {
  CHECK(*ParseConcentration("37.5") == 375'000);
  CHECK(*ParseConcentration("100") == 1'000'000);
  CHECK(*ParseConcentration("100.0000") == 1'000'000);
  CHECK(*ParseConcentration("0.0001") == 1);
  CHECK(*ParseConcentration("99.9999") == 999'999);
  CHECK(*ParseConcentration("50") == 500'000);
  for (const char* bad : {"0", "0.0", "0.0000", "100.0001", "101", "0.00001", "-5", "+5", "37.5%",
                          "", " 37.5", "3e1", "abc", "37,5", ".5", "1000000"}) {
    INFO("\"" << bad << "\"");
    Result<int64_t> c = ParseConcentration(bad);
    REQUIRE_FALSE(c.ok());
    CHECK(c.status().code() == Code::kInvalidArgument);
  }
}

TEST_CASE("PureAmount is floor(amount * ppm / 10^6) exactly", "[quantity]") {
  CHECK(PureAmount(10'000'000, 375'000) == 3'750'000);
  CHECK(PureAmount(1'000, 1'000'000) == 1'000);
  CHECK(PureAmount(1, 999'999) == 0);  // rounds down
  CHECK(PureAmount(999'999, 1) == 0);
  CHECK(PureAmount(1'000'000, 1) == 1);
  CHECK(PureAmount(3, 333'334) == 1);  // 1.000002 -> 1
  CHECK(PureAmount(kMaxQuantity, 1'000'000) == kMaxQuantity);
  CHECK(PureAmount(kMaxQuantity, 375'000) == 375'000'000'000'000);
  CHECK(PureAmount(kMaxQuantity - 1, 999'999) == ReferencePure(kMaxQuantity - 1, 999'999));
  // At the int64 edge the naive product would overflow; the split computation must not.
  CHECK(PureAmount(kInt64Max, 1'000'000) == kInt64Max);
  CHECK(PureAmount(kInt64Max, 999'999) == ReferencePure(kInt64Max, 999'999));
  CHECK(PureAmount(kInt64Max, 1) == ReferencePure(kInt64Max, 1));
  CHECK(PureAmount(kInt64Max - 999'999, 123'457) == ReferencePure(kInt64Max - 999'999, 123'457));

  std::mt19937_64 rng(20260601);
  std::uniform_int_distribution<int64_t> amount(1, kInt64Max);
  std::uniform_int_distribution<int64_t> ppm(1, 1'000'000);
  for (int i = 0; i < 20000; ++i) {
    const int64_t a = i % 2 == 0 ? amount(rng) : amount(rng) % (kMaxQuantity + 1);
    const int64_t p = ppm(rng);
    INFO(a << " * " << p);
    REQUIRE(PureAmount(a, p) == ReferencePure(a, p));
  }
}

TEST_CASE("FormatQuantity shows kg or L with up to 6 decimals", "[quantity]") {
  CHECK(FormatQuantity(12'500'000, Measure::kMass) == "12.5 kg");
  CHECK(FormatQuantity(1'000'000, Measure::kMass) == "1 kg");
  CHECK(FormatQuantity(0, Measure::kMass) == "0 kg");
  CHECK(FormatQuantity(1, Measure::kVolume) == "0.000001 L");
  CHECK(FormatQuantity(250'000, Measure::kVolume) == "0.25 L");
  CHECK(FormatQuantity(1'234'567, Measure::kVolume) == "1.234567 L");
  CHECK(FormatQuantity(-1'500'000, Measure::kMass) == "-1.5 kg");
  CHECK(FormatQuantity(-1, Measure::kMass) == "-0.000001 kg");
  CHECK(FormatQuantity(kMaxQuantity, Measure::kMass) == "1000000000 kg");
  CHECK(FormatQuantity(kInt64Max, Measure::kMass) == "9223372036854.775807 kg");
  CHECK(FormatQuantity(kInt64Min, Measure::kVolume) == "-9223372036854.775808 L");
}

TEST_CASE("FormatQuantity and ParseQuantity round-trip", "[quantity]") {
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<int64_t> amount(1, kMaxQuantity);
  for (int i = 0; i < 2000; ++i) {
    const int64_t a = amount(rng) >> (i % 40);
    if (a == 0) continue;
    const std::string text = FormatQuantity(a, Measure::kMass);
    REQUIRE(text.size() > 3);
    INFO(text);
    CHECK(Parsed(text.substr(0, text.size() - 3), "kg") == a);
  }
}

}  // namespace
}  // namespace vigil
