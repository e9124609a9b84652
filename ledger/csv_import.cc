#include "ledger/csv_import.h"

#include <algorithm>
#include <map>

#include "keys/encoding.h"
#include "ledger/log/entry.h"
#include "ledger/state/csv.h"
#include "ledger/state/payload.h"
#include "ledger/state/state.h"

namespace vigil {

namespace {

// Columns holding a JSON number.
bool IsNumberColumn(std::string_view c) { return c == "target_seq"; }

// The three document columns: several documents are separated by ';' in each, by position.
constexpr std::string_view kDocumentPrefix = "document.";
constexpr std::string_view kPartyPrefix = "party.";

std::string Trim(std::string_view s) {
  const size_t b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos) return "";
  const size_t e = s.find_last_not_of(" \t");
  return std::string(s.substr(b, e - b + 1));
}

std::vector<std::string> SplitList(const std::string& cell) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    const size_t semi = cell.find(';', start);
    out.push_back(Trim(std::string_view(cell).substr(
        start, semi == std::string::npos ? std::string::npos : semi - start)));
    if (semi == std::string::npos) break;
    start = semi + 1;
  }
  return out;
}

std::string Quoted(const std::string& s) { return "\"" + s.substr(0, 80) + "\""; }

}  // namespace

const std::vector<std::string>& CsvColumns() {
  static const std::vector<std::string> kColumns = [] {
    std::vector<std::string> columns = {"type", "id", "actor", "at", "late_reason"};
    for (const RecordType& t : RecordTypes()) {
      for (std::string_view c : t.csv_columns) {
        if (std::find(columns.begin(), columns.end(), c) == columns.end()) columns.emplace_back(c);
      }
    }
    return columns;
  }();
  return kColumns;
}

const std::vector<std::string>& CsvTypes() {
  static const std::vector<std::string> kTypes = [] {
    std::vector<std::string> types;
    for (const RecordType& t : RecordTypes()) {
      if (!t.csv_columns.empty()) types.emplace_back(t.type);
    }
    return types;
  }();
  return kTypes;
}

std::string DerivedId(const nlohmann::json& payload_without_id, int occurrence) {
  const Hash h = Sha256(payload_without_id.dump(), "\n" + std::to_string(occurrence));
  return "csv-" + HexEncode(AsView(h)).substr(0, 24);
}

Result<std::vector<CsvRecord>> ImportCsv(std::string_view text, const CsvImportOptions& options) {
  Result<std::vector<CsvRow>> rows = ParseCsv(text);
  if (!rows.ok()) return rows.status();
  if (rows->empty()) {
    return Status(Code::kInvalidArgument,
                  "the CSV file is empty; it needs a header row (see docs/csv.md)");
  }
  const std::vector<std::string>& known = CsvColumns();
  std::vector<std::string> header;
  if ((*rows)[0].size() == 1 && (*rows)[0][0].find(';') != std::string::npos) {
    return Status(Code::kInvalidArgument,
                  "the header is one cell holding ';': the file looks semicolon-separated (a "
                  "spreadsheet with Vietnamese regional settings); save it as \"CSV UTF-8 (Comma "
                  "delimited)\", with a point as the decimal separator");
  }
  for (size_t i = 0; i < (*rows)[0].size(); ++i) {
    const std::string name = Trim((*rows)[0][i]);
    if (name.empty()) {  // an unnamed column (spreadsheets often add some at the end): ignored
      header.push_back(name);
      continue;
    }
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      return Status(Code::kInvalidArgument,
                    "column " + std::to_string(i + 1) + " of the header, " + Quoted(name) +
                        ", is not a known column; the columns are listed in docs/csv.md "
                        "(names are lowercase, e.g. quantity, party.name, document.sha256)");
    }
    if (std::find(header.begin(), header.end(), name) != header.end()) {
      return Status(Code::kInvalidArgument,
                    "column " + Quoted(name) + " appears twice in the header");
    }
    header.push_back(name);
  }
  auto has = [&](const char* c) {
    return std::find(header.begin(), header.end(), c) != header.end();
  };
  if (!has("at")) {
    return Status(Code::kInvalidArgument,
                  "the header has no \"at\" column (when each movement happened, e.g. "
                  "2026-11-20T09:30:00+07:00)");
  }
  if (!has("actor") && options.actor.empty()) {
    return Status(Code::kInvalidArgument,
                  "give --actor PARTICIPANT (your participant id) or an \"actor\" column");
  }
  if (!has("type") && options.default_type.empty()) {
    return Status(Code::kInvalidArgument,
                  "give --type TYPE (e.g. chem.purchase) or a \"type\" column");
  }

  std::vector<CsvRecord> out;
  std::map<std::string, int> seen;  // payload without id -> rows so far that built it
  const std::vector<std::string>& types = CsvTypes();
  for (size_t r = 1; r < rows->size(); ++r) {
    const CsvRow& cells = (*rows)[r];
    CsvRecord rec;
    rec.row = static_cast<int>(r) + 1;
    if (cells.size() != header.size()) {
      rec.error = "the row has " + std::to_string(cells.size()) + " cells but the header has " +
                  std::to_string(header.size()) + " columns (a comma inside a cell needs quotes)";
      out.push_back(std::move(rec));
      continue;
    }
    std::vector<std::string> problems;
    nlohmann::json p = nlohmann::json::object();
    std::map<std::string, std::vector<std::string>> docs;  // kind/number/sha256 -> values
    for (size_t i = 0; i < header.size(); ++i) {
      const std::string& col = header[i];
      const std::string cell = Trim(cells[i]);
      if (cell.empty()) continue;  // an empty cell leaves the field out
      if (col.empty()) {
        problems.push_back("column " + std::to_string(i + 1) + " has no name in the header but " +
                           Quoted(cell) + " in this row");
        continue;
      }
      if (col.rfind(kDocumentPrefix, 0) == 0) {
        docs[col.substr(kDocumentPrefix.size())] = SplitList(cell);
      } else if (col.rfind(kPartyPrefix, 0) == 0) {
        p["party"][col.substr(kPartyPrefix.size())] = cell;
      } else if (IsNumberColumn(col)) {
        if (cell.size() > 18 || cell.find_first_not_of("0123456789") != std::string::npos) {
          problems.push_back(col + ": " + Quoted(cell) +
                             " is not a whole number (an entry number such as 42)");
        } else {
          p[col] = std::stoull(cell);
        }
      } else {
        p[col] = cell;
      }
    }
    if (!p.contains("type") && !options.default_type.empty()) p["type"] = options.default_type;
    if (!p.contains("actor") && !options.actor.empty()) p["actor"] = options.actor;
    const std::string type = p.value("type", "");
    if (type.empty()) {
      problems.push_back("type: empty (give the record type, e.g. chem.purchase)");
    } else if (std::find(types.begin(), types.end(), type) == types.end()) {
      std::string list;
      for (size_t i = 0; i < types.size(); ++i) {
        list += (i == 0 ? "" : i + 1 == types.size() ? " and " : ", ") + types[i];
      }
      problems.push_back("type: " + Quoted(type) + " cannot be a CSV row; the CSV types are " +
                         list + " (send other records as JSON)");
    }
    if (!p.contains("actor"))
      problems.push_back("actor: empty (give your participant id, or --actor)");
    if (!p.contains("at")) {
      problems.push_back("at: empty (when it happened, e.g. 2026-11-20T09:30:00+07:00)");
    } else if (Result<int64_t> at = ParseTimestamp(p["at"].get<std::string>()); !at.ok()) {
      problems.push_back("at: " + at.status().message() + "; the zone (+07:00) is required");
    }
    if (!docs.empty()) {
      const size_t n = docs.count("number") != 0 ? docs["number"].size() : 0;
      bool ok = n > 0;
      for (const auto& [field, values] : docs) ok = ok && values.size() == n;
      if (!ok) {
        problems.push_back(
            "document.*: give document.number for every document, and as many document.kind "
            "and document.sha256 values as numbers, separated by ';'");
      } else {
        for (size_t d = 0; d < n; ++d) {
          nlohmann::json doc = nlohmann::json::object();
          for (const auto& [field, values] : docs) {
            if (!values[d].empty()) doc[field] = values[d];
          }
          p["documents"].push_back(doc);
        }
      }
    }
    if (problems.empty()) {
      if (!p.contains("id")) {
        nlohmann::json without_id = p;
        const int occurrence = seen[without_id.dump()]++;
        p["id"] = DerivedId(without_id, occurrence);
      }
      // The envelope check the server applies first (id characters and length, at).
      if (Result<Payload> env = ParsePayload(p.dump()); !env.ok()) {
        problems.push_back(env.status().message());
      }
    }
    if (problems.empty()) {
      rec.payload = std::move(p);
    } else {
      for (const std::string& s : problems) rec.error += (rec.error.empty() ? "" : "; ") + s;
    }
    out.push_back(std::move(rec));
  }
  return out;
}

}  // namespace vigil
