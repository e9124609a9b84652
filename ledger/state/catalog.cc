#include "ledger/state/catalog.h"

#include <algorithm>
#include <map>
#include <regex>

#include "ledger/state/csv.h"
#include "ledger/state/identity.h"
#include "ledger/state/state_keys.h"

namespace vigil {

namespace {

std::vector<std::string> SplitList(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t end = s.find(sep, start);
    std::string part = s.substr(start, end == std::string::npos ? std::string::npos : end - start);
    while (!part.empty() && part.front() == ' ') part.erase(part.begin());
    while (!part.empty() && part.back() == ' ') part.pop_back();
    if (!part.empty()) out.push_back(part);
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out;
}

// Thousandths in a molar mass such as "165.236" (exactly three decimals); nullopt otherwise.
std::optional<int64_t> Milli(std::string_view s) {
  const size_t dot = s.find('.');
  if (dot == std::string_view::npos || dot == 0 || s.size() - dot != 4 || s.size() > 12) {
    return std::nullopt;
  }
  int64_t v = 0;
  for (char c : s) {
    if (c == '.') continue;
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

// One entry of the salts column: "<CAS> <name> <M(base)>/<M(salt)>", masses in g/mol with
// three decimals, e.g. "50-98-6 hydrochloride 165.236/201.694". base_ppm is the ratio in ppm,
// rounded half up with integer arithmetic.
std::optional<SaltForm> ParseSalt(const std::string& text) {
  std::vector<std::string> parts = SplitList(text, ' ');
  if (parts.size() != 3 || !ValidCas(parts[0])) return std::nullopt;
  const size_t slash = parts[2].find('/');
  if (slash == std::string::npos) return std::nullopt;
  std::optional<int64_t> base = Milli(std::string_view(parts[2]).substr(0, slash));
  std::optional<int64_t> salt = Milli(std::string_view(parts[2]).substr(slash + 1));
  if (!base.has_value() || !salt.has_value() || *salt <= 0 || *base > *salt) return std::nullopt;
  return SaltForm{parts[0], parts[1], (*base * 1'000'000 + *salt / 2) / *salt};
}

std::vector<Substance> ParseShipped() {
  Result<std::vector<CsvRow>> rows = ParseCsv(data::kUn1988Tables);
  assert(rows.ok() && !rows->empty());
  // table,name_en,name_vi,cas,other_cas,synonyms,scheduled,salts_covered,unit,notes,salts,
  // concentration
  const std::regex cas_re(R"(\b\d{2,7}-\d{2}-\d\b)");
  std::vector<Substance> out;
  for (size_t i = 1; i < rows->size(); ++i) {
    const CsvRow& r = (*rows)[i];
    if (r.size() < 9) continue;
    Substance s;
    s.id = r[3];
    s.table = r[0];
    s.name_en = r[1];
    s.name_vi = r[2];
    s.cas.push_back(r[3]);
    for (std::sregex_iterator it(r[4].begin(), r[4].end(), cas_re), end; it != end; ++it) {
      if (ValidCas(it->str())) s.cas.push_back(it->str());
    }
    s.synonyms = SplitList(r[5], ';');
    s.unit = r[8];
    s.measure = r[8] == "L" ? Measure::kVolume : Measure::kMass;
    if (r.size() > 10) {
      for (const std::string& salt : SplitList(r[10], ';')) {
        std::optional<SaltForm> f = ParseSalt(salt);
        assert(f.has_value());
        s.cas.push_back(f->cas);
        s.salts.push_back(std::move(*f));
      }
    }
    if (r.size() > 11 && !r[11].empty()) {
      s.concentration = ParseConcentrationRange(r[11]);
      assert(s.concentration.has_value());
    }
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<ChecklistItem> ParseChecklist(const char* csv, bool has_applies_to) {
  Result<std::vector<CsvRow>> rows = ParseCsv(csv);
  assert(rows.ok());
  std::vector<ChecklistItem> out;
  for (size_t i = 1; i < rows->size(); ++i) {
    const CsvRow& r = (*rows)[i];
    size_t o = has_applies_to ? 1 : 0;
    if (r.size() < 4 + o) continue;
    ChecklistItem item;
    item.code = r[0];
    if (has_applies_to) item.applies_to = SplitList(r[1], ';');
    item.item_en = r[1 + o];
    item.item_vi = r[2 + o];
    item.basis = r[3 + o];
    item.critical = r.size() > 4 + o && r[4 + o] == "yes";
    out.push_back(std::move(item));
  }
  return out;
}

}  // namespace

std::optional<Substance::Range> ParseConcentrationRange(std::string_view text) {
  const size_t dash = text.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  Result<int64_t> lo = ParseConcentration(text.substr(0, dash));
  Result<int64_t> hi = ParseConcentration(text.substr(dash + 1));
  if (!lo.ok() || !hi.ok() || *lo > *hi) return std::nullopt;
  return Substance::Range{*lo, *hi};
}

std::string FormatConcentrationRange(const Substance::Range& r) {
  auto percent = [](int64_t ppm) {
    std::string s = std::to_string(ppm / 10'000);
    std::string frac = std::to_string(ppm % 10'000);
    frac.insert(0, 4 - frac.size(), '0');
    while (!frac.empty() && frac.back() == '0') frac.pop_back();
    return frac.empty() ? s : s + "." + frac;
  };
  return percent(r.min_ppm) + "-" + percent(r.max_ppm);
}

nlohmann::json SaltForm::ToJson() const {
  return {{"cas", cas}, {"name", name}, {"base_ppm", base_ppm}};
}

nlohmann::json Substance::ToJson() const {
  nlohmann::json j = {{"id", id},   {"name_en", name_en},   {"name_vi", name_vi}, {"table", table},
                      {"cas", cas}, {"synonyms", synonyms}, {"unit", unit}};
  if (!salts.empty()) {
    j["salts"] = nlohmann::json::array();
    for (const SaltForm& f : salts) j["salts"].push_back(f.ToJson());
  }
  if (concentration.has_value()) j["concentration"] = FormatConcentrationRange(*concentration);
  return j;
}

Result<Substance> Substance::FromJson(const nlohmann::json& j) {
  try {
    Substance s;
    s.id = j.at("id").get<std::string>();
    s.name_en = j.at("name_en").get<std::string>();
    s.name_vi = j.value("name_vi", "");
    s.table = j.at("table").get<std::string>();
    s.cas = j.at("cas").get<std::vector<std::string>>();
    s.synonyms = j.value("synonyms", std::vector<std::string>{});
    s.unit = j.at("unit").get<std::string>();
    s.measure = s.unit == "L" ? Measure::kVolume : Measure::kMass;
    for (const auto& f : j.value("salts", nlohmann::json::array())) {
      s.salts.push_back({f.at("cas").get<std::string>(), f.at("name").get<std::string>(),
                         f.at("base_ppm").get<int64_t>()});
    }
    if (j.contains("concentration")) {
      s.concentration = ParseConcentrationRange(j["concentration"].get<std::string>());
      if (!s.concentration.has_value()) {
        return Status(Code::kCorruption, "damaged catalogue record");
      }
    }
    return s;
  } catch (const nlohmann::json::exception&) {
    return Status(Code::kCorruption, "damaged catalogue record");
  }
}

nlohmann::json ChecklistItem::ToJson() const {
  return {{"code", code},       {"applies_to", applies_to}, {"item_en", item_en},
          {"item_vi", item_vi}, {"basis", basis},           {"critical", critical}};
}

std::string LowerAscii(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string CatalogIdent(std::string_view ident) { return identity::FoldForSearch(ident); }

std::vector<std::string> SubstanceIdents(const Substance& s) {
  std::vector<std::string> out = {s.id, s.name_en};
  if (!s.name_vi.empty()) out.push_back(s.name_vi);
  out.insert(out.end(), s.cas.begin(), s.cas.end());
  out.insert(out.end(), s.synonyms.begin(), s.synonyms.end());
  return out;
}

bool ValidCas(std::string_view cas) {
  static const std::regex shape(R"(\d{2,7}-\d{2}-\d)");
  if (!std::regex_match(cas.begin(), cas.end(), shape)) return false;
  int sum = 0, pos = 1;
  for (size_t i = cas.size() - 2; i-- > 0;) {  // digits before the check digit, right to left
    if (cas[i] == '-') continue;
    sum += (cas[i] - '0') * pos++;
  }
  return sum % 10 == cas.back() - '0';
}

const std::vector<Substance>& ShippedSubstances() {
  static const std::vector<Substance> kShipped = ParseShipped();
  return kShipped;
}

Result<std::optional<Substance>> FindSubstance(const StateStore& state, std::string_view ident) {
  using Out = std::optional<Substance>;
  static const std::map<std::string, const Substance*, std::less<>> kIndex = [] {
    std::map<std::string, const Substance*, std::less<>> m;
    for (const Substance& s : ShippedSubstances()) {
      for (const std::string& i : SubstanceIdents(s)) m.emplace(CatalogIdent(i), &s);
    }
    return m;
  }();
  // A salt's CAS number names the substance in that form (ReadAmount converts its amounts).
  auto in_form = [&](Substance s) {
    for (const SaltForm& f : s.salts) {
      if (f.cas == ident) s.form = f;
    }
    return Out(std::move(s));
  };
  if (ident.empty() || ident.size() > 200) return Out();
  const std::string key = CatalogIdent(ident);
  if (key.empty()) return Out();
  if (auto it = kIndex.find(key); it != kIndex.end()) return in_form(*it->second);
  // Added by the authority: identifier -> id -> record.
  Result<std::optional<std::string>> id = state.Get(statekey::CatalogIdentKey(key));
  if (!id.ok()) return id.status();
  if (!id->has_value()) return Out();
  Result<std::optional<std::string>> rec = state.Get(statekey::CatalogKey(**id));
  if (!rec.ok()) return rec.status();
  if (!rec->has_value()) return Status(Code::kCorruption, "catalogue index without record");
  Result<Substance> s = Substance::FromJson(nlohmann::json::parse(**rec, nullptr, false));
  if (!s.ok()) return s.status();
  return in_form(std::move(*s));
}

std::string_view ChecklistName(Checklist list) {
  return list == Checklist::kVenue ? "venue" : "stock";
}

Result<std::vector<ChecklistItem>> ChecklistItems(const StateStore& state, Checklist list) {
  static const std::vector<ChecklistItem> kVenue = ParseChecklist(data::kVenueChecklist, true);
  static const std::vector<ChecklistItem> kStock = ParseChecklist(data::kStockChecklist, false);
  std::vector<ChecklistItem> out = list == Checklist::kVenue ? kVenue : kStock;
  Status s = state.ScanPrefix(statekey::ChecklistPrefix(ChecklistName(list)),
                              [&](std::string_view, std::string_view value) {
                                nlohmann::json j = nlohmann::json::parse(value, nullptr, false);
                                ChecklistItem item;
                                item.code = j.value("code", "");
                                item.applies_to = j.value("applies_to", std::vector<std::string>{});
                                item.item_en = j.value("item_en", "");
                                item.item_vi = j.value("item_vi", "");
                                item.basis = j.value("basis", "");
                                item.critical = j.value("critical", false);
                                out.push_back(std::move(item));
                                return true;
                              });
  if (!s.ok()) return s;
  return out;
}

}  // namespace vigil
