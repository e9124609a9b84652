// vigil submit: sign payloads (JSON, JSON lines, or CSV rows) and append them to a log.
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/client.h"
#include "cli/commands.h"
#include "keys/key.h"
#include "ledger/csv_import.h"
#include "ledger/state/catalog.h"
#include "ledger/state/payload.h"

namespace vigil::cli {

namespace {

Result<std::string> ReadInput(const std::string& path) {
  std::ostringstream ss;
  if (path == "-") {
    ss << std::cin.rdbuf();
  } else {
    std::ifstream in(path, std::ios::binary);
    if (!in) return Status(Code::kNotFound, "cannot open " + path);
    ss << in.rdbuf();
  }
  return ss.str();
}

// One item to send: where it came from ("line" or "row" N), and its payload or what is wrong.
struct Item {
  int number = 0;
  std::optional<nlohmann::json> payload;
  std::string error;
};

// One payload per non-empty line (JSON lines), or the whole input if it is one JSON object
// spread over several lines. Each payload keeps its line number for messages.
std::vector<Item> JsonItems(const std::string& text) {
  std::vector<Item> out;
  auto item = [](int n, const std::string& raw) {
    Item it{n, std::nullopt, ""};
    Result<nlohmann::json> j = ParseJson(raw);
    if (!j.ok()) {
      it.error = "not a JSON object (" + j.status().message() + ")";
    } else if (!j->is_object()) {
      it.error = "not a JSON object";
    } else {
      it.payload = std::move(*j);
    }
    return it;
  };
  Result<nlohmann::json> whole = ParseJson(text);
  if (whole.ok() && whole->is_object()) {
    out.push_back(item(1, text));
    return out;
  }
  std::istringstream in(text);
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    out.push_back(item(n, line));
  }
  return out;
}

bool EndsWithCsv(const std::string& path) {
  return path.size() > 4 && LowerAscii(path.substr(path.size() - 4)) == ".csv";
}

}  // namespace

void AddSubmit(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand(
      "submit", "Sign records (JSON, JSON lines or CSV) and append them to the log");
  cmd->footer(
      "INPUT holds one JSON payload, JSON lines (one payload per line), or CSV (a spreadsheet\n"
      "export, one row per movement; the columns are in docs/csv.md). A file ending in .csv,\n"
      "or --format csv, is read as CSV; '-' reads stdin. Each record is signed with --key and\n"
      "sent; the result is printed per line (JSON) or row (CSV; the header is row 1), and bad\n"
      "records do not stop the others. A rejected record shows the codes of every rule it\n"
      "broke (docs/records.md §37).\n\n"
      "Rerunning after an interruption is safe: a record already in the log (same id, same\n"
      "content) is answered with its original entry, never written twice. A CSV row without an\n"
      "id cell gets an id derived from its content, so rerun the same file unchanged.\n\n"
      "Exit status: 0 all accepted, 1 some rejected, 2 bad usage, unreadable input or server\n"
      "unreachable (rows before the one named were handled; rerun to resume).\n\n"
      "Examples:\n"
      "  vigil submit --key clerk.key --server http://127.0.0.1:8080 purchase.json\n"
      "  vigil submit --key clerk.key --server $URL --receipts receipts.jsonl day.jsonl\n"
      "  vigil submit --key clerk.key --actor cty-hoachat-an-phu --receipts r.jsonl november.csv\n"
      "  vigil submit --key clerk.key --actor cty-hoachat-an-phu --dry-run november.csv\n"
      "  vigil submit --key clerk.key --cosign witness.key --server $URL disposal.json\n"
      "The key and server can come from VIGIL_KEY and VIGIL_SERVER, the actor from VIGIL_ACTOR.");
  struct Args {
    std::string key, server = "http://127.0.0.1:8080", receipts, input, format = "auto", actor,
                     type;
    std::vector<std::string> cosign;
    bool json = false, dry_run = false;
  };
  auto a = std::make_shared<Args>();
  cmd->add_option("--key,-k", a->key, "Secret key file to sign with")->envname("VIGIL_KEY");
  cmd->add_option("--server,-s", a->server, "Server URL")
      ->envname("VIGIL_SERVER")
      ->capture_default_str();
  cmd->add_option("--receipts,-r", a->receipts, "Append each receipt (JSON line) to this file");
  cmd->add_option("--cosign", a->cosign, "Also sign with this key file (a witness); repeatable");
  cmd->add_option("--format,-f", a->format, "auto (by extension), json or csv")
      ->check(CLI::IsMember({"auto", "json", "csv"}))
      ->capture_default_str();
  cmd->add_option("--actor", a->actor,
                  "CSV: participant id for rows without an actor cell (default: the key's)")
      ->envname("VIGIL_ACTOR");
  cmd->add_option("--type", a->type,
                  "CSV: record type for rows without a type cell, e.g. chem.purchase");
  cmd->add_flag("--json", a->json, "Print one JSON object per record instead of text");
  cmd->add_flag("--dry-run,-n", a->dry_run,
                "CSV or JSON: print the payloads that would be sent; send nothing");
  cmd->add_option("INPUT", a->input, "Payload file, JSON lines, CSV, or - for stdin")->required();
  cmd->callback([a, &exit_code] {
    auto fail = [&exit_code](const std::string& msg) {
      std::cerr << "vigil submit: " << msg << "\n";
      exit_code = kExitUsage;
    };
    const bool csv = a->format == "csv" || (a->format == "auto" && EndsWithCsv(a->input));
    const char* unit = csv ? "row" : "line";
    Result<std::string> text = ReadInput(a->input);
    if (!text.ok()) return fail(text.status().message());
    if (csv && a->actor.empty() && !a->key.empty()) {
      // No --actor: the participant of the signing key (used only by rows without an actor).
      Result<SecretKey> k = SecretKey::Load(a->key);
      Result<std::unique_ptr<Client>> c =
          k.ok() ? Client::Connect(a->server) : Result<std::unique_ptr<Client>>(k.status());
      Result<nlohmann::json> me = c.ok() ? (*c)->Me(*k) : Result<nlohmann::json>(c.status());
      if (me.ok()) {
        a->actor = me->value("participant", "");
      } else if (!a->dry_run) {
        return fail(me.status().message() + " (or give --actor)");
      }
    }
    std::vector<Item> items;
    if (csv) {
      Result<std::vector<CsvRecord>> rows = ImportCsv(*text, {a->actor, a->type});
      if (!rows.ok()) return fail(a->input + ": " + rows.status().message() + "; nothing was sent");
      for (CsvRecord& r : *rows) items.push_back({r.row, std::move(r.payload), std::move(r.error)});
    } else {
      items = JsonItems(*text);
    }
    if (a->dry_run) {
      int bad = 0;
      for (const Item& it : items) {
        nlohmann::json out = {{unit, it.number}};
        if (it.payload.has_value()) {
          out["payload"] = *it.payload;
        } else {
          out["result"] = "invalid";
          out["error"] = it.error;
          ++bad;
        }
        std::cout << out.dump() << "\n";
      }
      exit_code = bad > 0 ? kExitFailure : kExitOk;
      return;
    }
    if (a->key.empty()) return fail("--key is required (or set VIGIL_KEY)");
    Result<SecretKey> key = SecretKey::Load(a->key);
    if (!key.ok()) return fail(key.status().message());
    std::vector<SecretKey> cosigners;
    for (const std::string& path : a->cosign) {
      Result<SecretKey> k = SecretKey::Load(path);
      if (!k.ok()) return fail(k.status().message());
      cosigners.push_back(std::move(*k));
    }
    Result<std::unique_ptr<Client>> client = Client::Connect(a->server);
    if (!client.ok()) return fail(client.status().message());
    std::ofstream receipts;
    if (!a->receipts.empty()) {
      receipts.open(a->receipts, std::ios::app);
      if (!receipts) return fail("cannot open " + a->receipts + " for appending");
    }
    int accepted = 0, rejected = 0;
    for (const Item& it : items) {
      const std::string where = std::string(unit) + " " + std::to_string(it.number);
      nlohmann::json result = {{unit, it.number}};
      if (!it.payload.has_value()) {
        ++rejected;
        if (a->json) {
          result["result"] = "invalid";
          result["error"] = it.error;
          std::cout << result.dump() << "\n" << std::flush;
        } else {
          std::cout << where << ": invalid, nothing sent: " << it.error << "\n" << std::flush;
        }
        continue;
      }
      const std::string id = it.payload->contains("id") && (*it.payload)["id"].is_string()
                                 ? (*it.payload)["id"].get<std::string>()
                                 : "";
      Result<SubmitResult> sub = (*client)->Submit(*it.payload, *key, cosigners);
      if (!sub.ok()) {
        fail(sub.status().message() + "; " + unit + "s before " + std::to_string(it.number) +
             " were handled: rerun the same command to resume (records already in the log are "
             "not written twice)");
        return;
      }
      result["id"] = id;
      result["status"] = sub->status;
      if (sub->accepted()) {
        ++accepted;
        result["result"] = sub->status == 201 ? "appended" : "already_in_log";
        result["seq"] = sub->seq;
        if (receipts.is_open()) receipts << sub->body << "\n" << std::flush;
        if (a->json) {
          std::cout << result.dump() << "\n";
        } else {
          std::cout << where << ": "
                    << (sub->status == 201 ? "appended as" : "already in the log as") << " entry "
                    << sub->seq << " (id " << id << ")\n";
        }
      } else {
        ++rejected;
        result["result"] = "rejected";
        result["problem"] = sub->problem;
        result["detail"] = sub->detail;
        nlohmann::json codes = nlohmann::json::array(), violations = nlohmann::json::array();
        for (const auto& [code, message] : sub->violations) {
          codes.push_back(code);
          violations.push_back({{"code", code}, {"message", message}});
        }
        result["codes"] = codes;
        result["violations"] = violations;
        if (a->json) {
          std::cout << result.dump() << "\n";
        } else {
          std::cout << where << ": rejected (id " << id << ") [" << sub->Codes() << "]"
                    << (sub->violations.empty() ? ": " + sub->detail : "") << "\n";
          for (const auto& [code, message] : sub->violations) {
            std::cout << "    - " << code << ": " << message << "\n";
          }
        }
      }
      std::cout << std::flush;
    }
    if (!a->json) std::cout << accepted << " accepted, " << rejected << " rejected\n";
    exit_code = rejected > 0 ? kExitFailure : kExitOk;
  });
}

}  // namespace vigil::cli
