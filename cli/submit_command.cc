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

// One item to send: where it came from ("line" or "row" N of `file`), and its payload or what
// is wrong.
struct Item {
  int number = 0;
  std::optional<nlohmann::json> payload;
  std::string error;
  std::string file;
  const char* unit = "line";
};

// One payload per non-empty line (JSON lines), or the whole input if it is one JSON object
// spread over several lines. Each payload keeps its line number for messages.
std::vector<Item> JsonItems(const std::string& text) {
  std::vector<Item> out;
  auto item = [](int n, const std::string& raw) {
    Item it{n, std::nullopt, "", "", "line"};
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
      "or --format csv, is read as CSV; '-' reads stdin; several INPUTs are sent in turn. Each\n"
      "record is signed with --key and sent (more than one by the batch route, at most 1000 per\n"
      "request); the result is printed per line (JSON) or row (CSV; the header is row 1), and\n"
      "bad records do not stop the others. A rejected record shows the codes of every rule it\n"
      "broke (docs/records.md §37).\n\n"
      "--dry-run asks the server what would happen, appending nothing: each record's verdict\n"
      "(would be appended, already in the log, or would be rejected with the rules' codes) and\n"
      "the alerts it would raise that you may see. Records of one request (up to 1000) are\n"
      "judged in turn, each after the accepted ones before it (a sale after its purchase).\n\n"
      "Rerunning after an interruption is safe: a record already in the log (same id, same\n"
      "content) is answered with its original entry, never written twice. A CSV row without an\n"
      "id cell gets an id derived from its content, so rerun the same file unchanged.\n\n"
      "Exit status: 0 all accepted (with --dry-run: all would be), 1 some rejected or invalid,\n"
      "2 bad usage, unreadable input or server unreachable (rows before the one named were\n"
      "handled; rerun to resume).\n\n"
      "Examples:\n"
      "  vigil submit --key clerk.key --server http://127.0.0.1:8080 purchase.json\n"
      "  vigil submit --key clerk.key --server $URL --receipts receipts.jsonl day.jsonl\n"
      "  vigil submit --key clerk.key --actor cty-hoachat-an-phu --receipts r.jsonl november.csv\n"
      "  vigil submit --key clerk.key --actor cty-hoachat-an-phu --dry-run november.csv\n"
      "  vigil submit --key clerk.key --cosign witness.key --server $URL disposal.json\n"
      "The key and server can come from VIGIL_KEY and VIGIL_SERVER, the actor from VIGIL_ACTOR.");
  struct Args {
    std::string key, server = "http://127.0.0.1:8080", receipts, format = "auto", actor, type;
    std::vector<std::string> inputs, cosign;
    bool json = false, dry_run = false;
    size_t batch_size = kMaxBatchRecords;
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
                "Ask the server for each record's verdict and alerts; append nothing");
  cmd->add_option("--batch-size", a->batch_size, "Records per request (1 to 1000)")
      ->check(CLI::Range(size_t{1}, kMaxBatchRecords))
      ->capture_default_str();
  cmd->add_option("INPUT", a->inputs, "Payload files, JSON lines, CSV, or - for stdin")->required();
  cmd->callback([a, &exit_code] {
    auto fail = [&exit_code](const std::string& msg) {
      std::cerr << "vigil submit: " << msg << "\n";
      exit_code = kExitUsage;
    };
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
    const bool several = a->inputs.size() > 1;
    std::vector<Item> items;
    for (const std::string& input : a->inputs) {
      const bool csv = a->format == "csv" || (a->format == "auto" && EndsWithCsv(input));
      Result<std::string> text = ReadInput(input);
      if (!text.ok()) return fail(text.status().message());
      if (csv && a->actor.empty()) {
        // No --actor: the participant of the signing key (used only by rows without an actor).
        Result<nlohmann::json> me = (*client)->Me(*key);
        if (!me.ok()) return fail(me.status().message() + " (or give --actor)");
        a->actor = me->value("participant", "");
      }
      std::vector<Item> found;
      if (csv) {
        Result<std::vector<CsvRecord>> rows = ImportCsv(*text, {a->actor, a->type});
        if (!rows.ok()) return fail(input + ": " + rows.status().message() + "; nothing was sent");
        for (CsvRecord& r : *rows) {
          found.push_back({r.row, std::move(r.payload), std::move(r.error), "", "row"});
        }
      } else {
        found = JsonItems(*text);
      }
      for (Item& it : found) {
        it.file = input;
        items.push_back(std::move(it));
      }
    }
    std::ofstream receipts;
    if (!a->receipts.empty() && !a->dry_run) {
      receipts.open(a->receipts, std::ios::app);
      if (!receipts) return fail("cannot open " + a->receipts + " for appending");
    }
    auto where = [several](const Item& it) {
      return (several ? it.file + " " : "") + it.unit + " " + std::to_string(it.number);
    };
    auto head = [several](const Item& it) {
      nlohmann::json j = {{it.unit, it.number}};
      if (several) j["file"] = it.file;
      return j;
    };
    auto id_of = [](const Item& it) {
      return it.payload->contains("id") && (*it.payload)["id"].is_string()
                 ? (*it.payload)["id"].get<std::string>()
                 : std::string();
    };
    auto violations_json = [](const std::vector<std::pair<std::string, std::string>>& list,
                              nlohmann::json& result) {
      nlohmann::json codes = nlohmann::json::array(), violations = nlohmann::json::array();
      for (const auto& [code, message] : list) {
        codes.push_back(code);
        violations.push_back({{"code", code}, {"message", message}});
      }
      result["codes"] = codes;
      result["violations"] = violations;
    };
    int accepted = 0, rejected = 0;
    auto print_invalid = [&](const Item& it) {
      ++rejected;
      if (a->json) {
        nlohmann::json result = head(it);
        result["result"] = "invalid";
        result["error"] = it.error;
        std::cout << result.dump() << "\n";
      } else {
        std::cout << where(it) << ": invalid, nothing sent: " << it.error << "\n";
      }
    };
    auto print_sent = [&](const Item& it, const SubmitResult& sub) {
      const std::string id = id_of(it);
      nlohmann::json result = head(it);
      result["id"] = id;
      result["status"] = sub.status;
      if (sub.accepted()) {
        ++accepted;
        result["result"] = sub.status == 201 ? "appended" : "already_in_log";
        result["seq"] = sub.seq;
        if (receipts.is_open()) receipts << sub.body << "\n" << std::flush;
        if (a->json) {
          std::cout << result.dump() << "\n";
        } else {
          std::cout << where(it) << ": "
                    << (sub.status == 201 ? "appended as" : "already in the log as") << " entry "
                    << sub.seq << " (id " << id << ")\n";
        }
        return;
      }
      ++rejected;
      result["result"] = "rejected";
      result["problem"] = sub.problem;
      result["detail"] = sub.detail;
      violations_json(sub.violations, result);
      if (a->json) {
        std::cout << result.dump() << "\n";
      } else {
        std::cout << where(it) << ": rejected (id " << id << ") [" << sub.Codes() << "]"
                  << (sub.violations.empty() ? ": " + sub.detail : "") << "\n";
        for (const auto& [code, message] : sub.violations) {
          std::cout << "    - " << code << ": " << message << "\n";
        }
      }
    };
    auto print_dry = [&](const Item& it, const DryRunResult& v) {
      const std::string id = id_of(it);
      nlohmann::json result = head(it);
      result["id"] = id;
      const bool ok = v.status == 200 && v.accepted;
      ok ? ++accepted : ++rejected;
      if (v.status != 200) {
        result["result"] = "rejected";
        result["status"] = v.status;
        result["problem"] = v.problem;
        result["detail"] = v.detail;
      } else {
        result["result"] = v.duplicate  ? "already_in_log"
                           : v.accepted ? "would_append"
                                        : "would_reject";
        if (v.duplicate) result["seq"] = v.seq;
        result["alerts"] = v.alerts;
      }
      violations_json(v.violations, result);
      if (a->json) {
        std::cout << result.dump() << "\n";
        return;
      }
      std::cout << where(it) << ": ";
      if (v.status != 200) {
        std::cout << "would be rejected (id " << id << ") [" << v.Codes() << "]"
                  << (v.violations.empty() ? ": " + v.detail : "") << "\n";
      } else if (v.duplicate) {
        std::cout << "already in the log as entry " << v.seq << " (id " << id << ")\n";
      } else if (v.accepted) {
        std::cout << "would be appended (id " << id << ")\n";
      } else {
        std::cout << "would be rejected (id " << id << ") [" << v.Codes() << "]\n";
      }
      for (const auto& [code, message] : v.violations) {
        std::cout << "    - " << code << ": " << message << "\n";
      }
      for (const nlohmann::json& alert : v.alerts) {
        std::cout << "    ! alert " << alert.value("kind", "") << ": " << alert.value("message", "")
                  << "\n";
      }
    };

    // Segments of the items holding at most kMaxBatchRecords sendable ones: each is one
    // request (a single record goes by the single route), printed in order once answered.
    size_t sendable_total = 0;
    for (const Item& it : items) sendable_total += it.payload.has_value() ? 1U : 0U;
    size_t begin = 0;
    while (begin < items.size()) {
      size_t end = begin;
      std::vector<nlohmann::json> payloads;
      while (end < items.size() && payloads.size() < a->batch_size) {
        if (items[end].payload.has_value()) payloads.push_back(*items[end].payload);
        ++end;
      }
      while (end < items.size() && !items[end].payload.has_value()) ++end;  // trailing invalid
      const std::string resume = where(items[begin]);
      auto unreachable = [&](const Status& s) {
        fail(s.message() + "; records before " + resume +
             " were handled: rerun the same command to resume (records already in the log are "
             "not written twice)");
      };
      std::vector<SubmitResult> sent;
      std::vector<DryRunResult> judged;
      if (!payloads.empty()) {
        if (a->dry_run) {
          Result<std::vector<DryRunResult>> r = (*client)->DryRun(payloads, *key, cosigners);
          if (!r.ok()) return unreachable(r.status());
          judged = std::move(*r);
        } else if (sendable_total == 1) {
          Result<SubmitResult> r = (*client)->Submit(payloads[0], *key, cosigners);
          if (!r.ok()) return unreachable(r.status());
          sent.push_back(std::move(*r));
        } else {
          Result<std::vector<SubmitResult>> r = (*client)->SubmitBatch(payloads, *key, cosigners);
          if (!r.ok()) return unreachable(r.status());
          sent = std::move(*r);
        }
      }
      size_t k = 0;
      for (size_t i = begin; i < end; ++i) {
        const Item& it = items[i];
        if (!it.payload.has_value()) {
          print_invalid(it);
        } else if (a->dry_run) {
          print_dry(it, judged[k++]);
        } else {
          print_sent(it, sent[k++]);
        }
      }
      std::cout << std::flush;
      begin = end;
    }
    if (!a->json) {
      if (a->dry_run) {
        std::cout << accepted << " would be accepted, " << rejected
                  << " would be rejected or are invalid (dry run: nothing was appended)\n";
      } else {
        std::cout << accepted << " accepted, " << rejected << " rejected\n";
      }
    }
    exit_code = rejected > 0 ? kExitFailure : kExitOk;
  });
}

}  // namespace vigil::cli
