#include "ledger/state/csv.h"

namespace vigil {

Result<std::vector<CsvRow>> ParseCsv(std::string_view text) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  std::vector<CsvRow> rows;
  CsvRow row;
  std::string field;
  bool quoted = false, field_was_quoted = false;
  int line = 1;
  auto end_field = [&] {
    row.push_back(std::move(field));
    field.clear();
    field_was_quoted = false;
  };
  auto end_row = [&] {
    end_field();
    if (!(row.size() == 1 && row[0].empty())) rows.push_back(std::move(row));
    row.clear();
  };
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field.push_back('"');
          ++i;
        } else {
          quoted = false;
        }
      } else {
        if (c == '\n') ++line;
        field.push_back(c);
      }
      continue;
    }
    switch (c) {
      case ',':
        end_field();
        break;
      case '\r':
        break;
      case '\n':
        end_row();
        ++line;
        break;
      case '"':
        if (!field.empty() || field_was_quoted) {
          return Status(Code::kInvalidArgument,
                        "CSV line " + std::to_string(line) + ": a quote inside an unquoted field");
        }
        quoted = field_was_quoted = true;
        break;
      default:
        if (field_was_quoted) {
          return Status(Code::kInvalidArgument,
                        "CSV line " + std::to_string(line) + ": text after a closing quote");
        }
        field.push_back(c);
    }
  }
  if (quoted) {
    return Status(Code::kInvalidArgument,
                  "CSV line " + std::to_string(line) + ": unterminated quote");
  }
  if (!field.empty() || !row.empty() || field_was_quoted) end_row();
  return rows;
}

}  // namespace vigil
