// Tests for ledger/catalog and ledger/csv: CAS check digits (against a naive reference), the
// shipped UN 1988 tables, substance lookup by id / CAS / name, the inspection checklists, and
// the RFC 4180 reader they are parsed with.
#include "ledger/state/catalog.h"

#include <catch2/catch.hpp>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "ledger/state/csv.h"
#include "ledger/state/state_store.h"

namespace vigil {
namespace {

// The CAS rule spelled out the slow way: split on '-', check the shape, weight digits 1, 2, 3...
// from the right of the first two groups.
bool ReferenceCas(const std::string& cas) {
  std::vector<std::string> parts;
  std::string cur;
  for (char c : cas) {
    if (c == '-') {
      parts.push_back(cur);
      cur.clear();
    } else {
      cur.push_back(c);
    }
  }
  parts.push_back(cur);
  if (parts.size() != 3 || parts[0].size() < 2 || parts[0].size() > 7 || parts[1].size() != 2 ||
      parts[2].size() != 1) {
    return false;
  }
  for (const std::string& p : parts) {
    for (char c : p) {
      if (c < '0' || c > '9') return false;
    }
  }
  const std::string digits = parts[0] + parts[1];
  int sum = 0;
  for (size_t i = 0; i < digits.size(); ++i) {
    sum += (digits[digits.size() - 1 - i] - '0') * static_cast<int>(i + 1);
  }
  return sum % 10 == parts[2][0] - '0';
}

Substance Find(const StateStore& state, std::string_view ident) {
  Result<std::optional<Substance>> s = FindSubstance(state, ident);
  INFO("ident \"" << std::string(ident) << "\"");
  REQUIRE(s.ok());
  REQUIRE(s->has_value());
  return **s;
}

bool Absent(const StateStore& state, std::string_view ident) {
  Result<std::optional<Substance>> s = FindSubstance(state, ident);
  return s.ok() && !s->has_value();
}

TEST_CASE("ValidCas accepts every CAS number the shipped table lists", "[catalog]") {
  Result<std::vector<CsvRow>> rows = ParseCsv(data::kUn1988Tables);
  REQUIRE(rows.ok());
  REQUIRE(rows->size() == 37);  // header + 36 substances
  for (size_t i = 1; i < rows->size(); ++i) {
    INFO((*rows)[i][1] << " " << (*rows)[i][3]);
    CHECK(ValidCas((*rows)[i][3]));
  }
  for (const Substance& s : ShippedSubstances()) {
    for (const std::string& cas : s.cas) {
      INFO(s.name_en << " " << cas);
      CHECK(ValidCas(cas));
      CHECK(ReferenceCas(cas));
    }
  }
  // The extra identifiers in the other_cas column.
  for (const char* cas : {"28578-16-7", "492-41-1", "80532-66-7", "41232-97-7"}) {
    INFO(cas);
    CHECK(ValidCas(cas));
  }
}

TEST_CASE("ValidCas refuses wrong check digits and malformed numbers", "[catalog]") {
  CHECK_FALSE(ValidCas("1609-66-5"));  // the typo the data notes warn about
  CHECK(ValidCas("1609-66-1"));        // Norfentanyl, correct
  CHECK(ValidCas("7732-18-5"));        // water
  CHECK(ValidCas("64-17-5"));          // ethanol
  for (int d = 0; d <= 9; ++d) {       // exactly one check digit fits
    const std::string cas = "67-64-" + std::to_string(d);
    CHECK(ValidCas(cas) == (d == 1));
  }
  for (const char* bad :
       {"", "-", "67-64-", "67-64", "6764-1", "6-64-1", "12345678-12-3", "67-6-41", "67-641-1",
        "67-64-11", "a7-64-1", "67--64-1", " 67-64-1", "67-64-1 ", "67 64 1", "67_64_1",
        "67-64-1\n", "+67-64-1", "0067-64-1x"}) {
    INFO("\"" << bad << "\"");
    CHECK_FALSE(ValidCas(bad));
  }
}

TEST_CASE("ValidCas agrees with a naive reference", "[catalog]") {
  std::mt19937 rng(1988);
  std::uniform_int_distribution<int> digit(0, 9), len(1, 8), noise(0, 30);
  for (int i = 0; i < 5000; ++i) {
    std::string cas;
    for (int n = len(rng); n > 0; --n) cas.push_back(static_cast<char>('0' + digit(rng)));
    cas += "-" + std::to_string(digit(rng)) + std::to_string(digit(rng)) + "-" +
           std::to_string(digit(rng));
    if (noise(rng) == 0) cas[static_cast<size_t>(digit(rng)) % cas.size()] = 'x';
    INFO(cas);
    REQUIRE(ValidCas(cas) == ReferenceCas(cas));
  }
}

TEST_CASE("The shipped catalogue holds the 36 UN 1988 substances with their units", "[catalog]") {
  const std::vector<Substance>& all = ShippedSubstances();
  REQUIRE(all.size() == 36);
  std::map<std::string, int> per_table;
  std::set<std::string> ids;
  int liquids = 0;
  for (const Substance& s : all) {
    INFO(s.name_en);
    ++per_table[s.table];
    CHECK(ids.insert(s.id).second);
    CHECK_FALSE(s.name_en.empty());
    REQUIRE_FALSE(s.cas.empty());
    CHECK(s.cas[0] == s.id);
    CHECK((s.unit == "kg" || s.unit == "L"));
    CHECK((s.measure == Measure::kVolume) == (s.unit == "L"));
    liquids += s.unit == "L" ? 1 : 0;
  }
  CHECK(per_table["I"] == 28);
  CHECK(per_table["II"] == 8);
  CHECK(per_table.size() == 2);
  CHECK(liquids == 12);

  MemoryStateStore empty;
  CHECK(Find(empty, "67-64-1").unit == "L");     // acetone
  CHECK(Find(empty, "108-24-7").unit == "L");    // acetic anhydride
  CHECK(Find(empty, "7722-64-7").unit == "kg");  // potassium permanganate
  CHECK(Find(empty, "7722-64-7").measure == Measure::kMass);
  CHECK(Find(empty, "7664-93-9").measure == Measure::kVolume);  // sulphuric acid
  CHECK(Find(empty, "7722-64-7").name_vi == "Kali permanganat");
  CHECK(Find(empty, "299-42-3").table == "I");
  CHECK(Find(empty, "108-88-3").table == "II");
}

TEST_CASE("FindSubstance finds by id, by any CAS and by folded English name", "[catalog]") {
  MemoryStateStore empty;
  CHECK(Find(empty, "2167189-50-4").name_en ==
        "3,4-MDP-2-P methyl glycidic acid (PMK glycidic acid)");
  CHECK(Find(empty, "28578-16-7").id == "2167189-50-4");  // its ethyl ester
  CHECK(Find(empty, "80532-66-7").id == "25547-51-7");    // BMK glycidic acid methyl ester
  CHECK(Find(empty, "41232-97-7").id == "25547-51-7");    // ... and ethyl ester
  CHECK(Find(empty, "492-41-1").id == "14838-15-4");      // norephedrine isomer
  CHECK(Find(empty, "1609-66-1").name_en == "Norfentanyl");
  CHECK(Absent(empty, "1609-66-5"));

  CHECK(Find(empty, "Acetone").id == "67-64-1");
  CHECK(Find(empty, "ACETONE").id == "67-64-1");
  CHECK(Find(empty, "aCeToNe").id == "67-64-1");
  CHECK(Find(empty, "potassium permanganate").id == "7722-64-7");
  CHECK(Find(empty, "3,4-methylenedioxyphenyl-2-propanone (3,4-mdp-2-p, pmk)").id == "4676-39-5");
  CHECK(Find(empty, "Sulphuric acid").id == "7664-93-9");

  CHECK(Absent(empty, ""));
  CHECK(Absent(empty, "water"));
  CHECK(Absent(empty, "7732-18-5"));
  // Names are folded (identity::FoldForSearch): white space around and inside is not part of
  // a name, but a name is still matched whole.
  CHECK(Find(empty, " acetone ").id == "67-64-1");
  CHECK(Absent(empty, "acetone x"));
  CHECK(Absent(empty, "   "));
  CHECK(Absent(empty, std::string(201, 'a')));
}

TEST_CASE("FindSubstance finds substances added to the state", "[catalog]") {
  MemoryStateStore state;
  Substance ethanol;
  ethanol.id = "VN-ETH";
  ethanol.name_en = "Ethanol";
  ethanol.table = "IVA";
  ethanol.cas = {"64-17-5"};
  ethanol.unit = "L";
  REQUIRE(state.Put("catalog/VN-ETH", ethanol.ToJson().dump()).ok());
  for (const char* ident : {"vn-eth", "ethanol", "64-17-5"}) {
    REQUIRE(state.Put(std::string("catalog_ident/") + ident, "VN-ETH").ok());
  }
  for (const char* ident : {"VN-ETH", "Ethanol", "ETHANOL", "64-17-5"}) {
    Substance s = Find(state, ident);
    CHECK(s.id == "VN-ETH");
    CHECK(s.measure == Measure::kVolume);
    CHECK(s.table == "IVA");
  }
  CHECK(Find(state, "acetone").id == "67-64-1");  // shipped ones still found
  CHECK(Absent(state, "methanol"));

  // An index entry without its record is damage, not "not found".
  REQUIRE(state.Put("catalog_ident/ghost", "VN-GHOST").ok());
  Result<std::optional<Substance>> ghost = FindSubstance(state, "ghost");
  REQUIRE_FALSE(ghost.ok());
  CHECK(ghost.status().code() == Code::kCorruption);
}

TEST_CASE("ChecklistItems lists the shipped venue and stock checklists", "[catalog]") {
  MemoryStateStore empty;
  Result<std::vector<ChecklistItem>> venue = ChecklistItems(empty, Checklist::kVenue);
  Result<std::vector<ChecklistItem>> stock = ChecklistItems(empty, Checklist::kStock);
  REQUIRE(venue.ok());
  REQUIRE(stock.ok());
  REQUIRE(venue->size() == 17);
  REQUIRE(stock->size() == 12);
  CHECK((*venue)[0].code == "V01");
  CHECK((*venue)[16].code == "V17");
  CHECK((*stock)[0].code == "S01");
  CHECK((*stock)[11].code == "S12");
  CHECK((*venue)[0].applies_to == std::vector<std::string>{"karaoke", "bar", "dance_hall"});
  CHECK((*venue)[3].applies_to == std::vector<std::string>{"karaoke"});     // V04
  CHECK((*venue)[4].applies_to == std::vector<std::string>{"dance_hall"});  // V05
  for (const ChecklistItem& i : *venue) {
    INFO(i.code);
    CHECK_FALSE(i.item_en.empty());
    CHECK_FALSE(i.item_vi.empty());
    CHECK_FALSE(i.basis.empty());
    CHECK_FALSE(i.applies_to.empty());
  }
  for (const ChecklistItem& i : *stock) {
    INFO(i.code);
    CHECK(i.applies_to.empty());
    CHECK_FALSE(i.item_en.empty());
    CHECK_FALSE(i.basis.empty());
  }
  int karaoke = 0, bar = 0, dance = 0;
  for (const ChecklistItem& i : *venue) {
    for (const std::string& k : i.applies_to) {
      karaoke += k == "karaoke";
      bar += k == "bar";
      dance += k == "dance_hall";
    }
  }
  CHECK(karaoke == 12);
  CHECK(bar == 9);
  CHECK(dance == 15);
  CHECK(ChecklistName(Checklist::kVenue) == "venue");
  CHECK(ChecklistName(Checklist::kStock) == "stock");

  // Items added by checklist.add come after the shipped ones.
  MemoryStateStore state;
  ChecklistItem extra{"V18", {"karaoke"}, "Exit signs lit", "Biển lối thoát sáng", "test"};
  REQUIRE(state.Put("checklist/venue/V18", extra.ToJson().dump()).ok());
  Result<std::vector<ChecklistItem>> more = ChecklistItems(state, Checklist::kVenue);
  REQUIRE(more.ok());
  REQUIRE(more->size() == 18);
  CHECK(more->back().code == "V18");
  CHECK(more->back().applies_to == std::vector<std::string>{"karaoke"});
  CHECK(ChecklistItems(state, Checklist::kStock)->size() == 12);
}

std::vector<CsvRow> Csv(std::string_view text) {
  Result<std::vector<CsvRow>> rows = ParseCsv(text);
  INFO(rows.status().ToString());
  REQUIRE(rows.ok());
  return *rows;
}

TEST_CASE("ParseCsv reads RFC 4180 quoting", "[csv]") {
  CHECK(Csv("a,b,c\n1,2,3\n") == std::vector<CsvRow>{{"a", "b", "c"}, {"1", "2", "3"}});
  CHECK(Csv("a,b") == std::vector<CsvRow>{{"a", "b"}});  // no final newline
  CHECK(Csv("\"a,b\",c\n") == std::vector<CsvRow>{{"a,b", "c"}});
  CHECK(Csv("\"say \"\"hi\"\"\",x\n") == std::vector<CsvRow>{{"say \"hi\"", "x"}});
  CHECK(Csv("\"\"\"\"\n") == std::vector<CsvRow>{{"\""}});
  CHECK(Csv("\"line1\nline2\",b\n") == std::vector<CsvRow>{{"line1\nline2", "b"}});
  CHECK(Csv("a,,c\n,\n") == std::vector<CsvRow>{{"a", "", "c"}, {"", ""}});
  CHECK(Csv("\"\",x\n") == std::vector<CsvRow>{{"", "x"}});
  CHECK(Csv("a,\"\"\n") == std::vector<CsvRow>{{"a", ""}});
  CHECK(Csv("x,\"\"") == std::vector<CsvRow>{{"x", ""}});
  CHECK(Csv(" a , b \n") == std::vector<CsvRow>{{" a ", " b "}});  // spaces are data
  CHECK(Csv("").empty());
}

TEST_CASE("ParseCsv handles CRLF, a BOM and blank lines", "[csv]") {
  CHECK(Csv("a,b\r\n1,2\r\n") == std::vector<CsvRow>{{"a", "b"}, {"1", "2"}});
  CHECK(Csv("\xEF\xBB\xBF"
            "a,b\n") == std::vector<CsvRow>{{"a", "b"}});
  CHECK(Csv("\xEF\xBB\xBF\"a\",b\r\n") == std::vector<CsvRow>{{"a", "b"}});
  CHECK(Csv("a\n\n\nb\n") == std::vector<CsvRow>{{"a"}, {"b"}});
  CHECK(Csv("a\r\n\r\nb\r\n") == std::vector<CsvRow>{{"a"}, {"b"}});
  CHECK(Csv("\"x\r\ny\"\n") == std::vector<CsvRow>{{"x\r\ny"}});  // CR kept inside quotes
  // Vietnamese text passes through byte for byte.
  CHECK(Csv("V01,Giấy phép\n") == std::vector<CsvRow>{{"V01", "Giấy phép"}});
}

TEST_CASE("ParseCsv refuses broken quoting and names the line", "[csv]") {
  Result<std::vector<CsvRow>> r = ParseCsv("a,b\n\"open,c\n");
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Code::kInvalidArgument);
  CHECK(r.status().message().find("unterminated") != std::string::npos);

  r = ParseCsv("a,b\nc,d\ne\"f,g\n");
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Code::kInvalidArgument);
  CHECK(r.status().message().find("line 3") != std::string::npos);

  r = ParseCsv("\"a\"b,c\n");
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message().find("line 1") != std::string::npos);

  CHECK_FALSE(ParseCsv("\"").ok());
  CHECK_FALSE(ParseCsv("\"a\"\"").ok());
  CHECK_FALSE(ParseCsv("\"a\" ,b").ok());
}

}  // namespace
}  // namespace vigil
