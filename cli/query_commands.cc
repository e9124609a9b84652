// vigil participants | trail | stock | transfers | alerts | inspections: the audit queries of
// the API (docs/api.md), signed with the caller's key, as tables on a terminal or --json.
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>

#include "cli/client.h"
#include "cli/commands.h"
#include "cli/reply_shape.h"
#include "keys/key.h"
#include "ledger/log/entry.h"
#include "ledger/state/payload.h"

namespace vigil::cli {

namespace {

struct Common {
  std::string key, server = "http://127.0.0.1:8080";
  bool json = false;
};

void AddCommon(CLI::App* cmd, Common& c) {
  cmd->add_option("--key,-k", c.key, "Secret key file that signs the request")
      ->required()
      ->envname("VIGIL_KEY");
  cmd->add_option("--server,-s", c.server, "Server URL")
      ->envname("VIGIL_SERVER")
      ->capture_default_str();
  cmd->add_flag("--json", c.json, "Print the server's JSON instead of a table");
}

// "path?a=1&b=2" from the non-empty parameters.
std::string Target(std::string path,
                   const std::vector<std::pair<std::string, std::string>>& params) {
  char sep = '?';
  for (const auto& [k, v] : params) {
    if (v.empty()) continue;
    path += sep + k + "=" + UrlEncode(v);
    sep = '&';
  }
  return path;
}

// Display width of UTF-8 text (code points; Vietnamese combining marks are precomposed in NFC).
size_t Width(const std::string& s) {
  size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

void PrintTable(const std::vector<std::string>& header,
                const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> w(header.size());
  for (size_t i = 0; i < header.size(); ++i) w[i] = Width(header[i]);
  for (const auto& r : rows) {
    for (size_t i = 0; i < r.size() && i < w.size(); ++i)
      w[i] = std::max(w[i], std::min<size_t>(Width(r[i]), 60));
  }
  auto line = [&](const std::vector<std::string>& r) {
    for (size_t i = 0; i < r.size(); ++i) {
      std::cout << r[i];
      if (i + 1 < r.size())
        std::cout << std::string(w[i] > Width(r[i]) ? w[i] - Width(r[i]) + 2 : 2, ' ');
    }
    std::cout << "\n";
  };
  line(header);
  if (rows.empty()) std::cout << "(none)\n";
  for (const auto& r : rows) line(r);
}

std::string Str(const nlohmann::json& j, const char* f) {
  if (!j.contains(f)) return "";
  return j[f].is_string() ? j[f].get<std::string>() : j[f].dump();
}

// Runs a signed GET of `target`, checks that the reply has `shape` (`what` names it in
// messages), and prints it as JSON (--json) or hands it to `show`. Sets the exit code: 0 shown,
// 1 refused by the server (its problem is printed), 2 bad key, unreachable server, or a reply
// that is not what was asked for (also when `show` fails).
void Query(const Common& c, const std::string& target, const JsonShape& shape,
           const std::string& what, int& exit_code,
           const std::function<Status(const nlohmann::json&)>& show) {
  Result<SecretKey> key = SecretKey::Load(c.key);
  if (!key.ok()) {
    std::cerr << "vigil: " << key.status().message() << "\n";
    exit_code = kExitUsage;
    return;
  }
  Result<std::unique_ptr<Client>> client = Client::Connect(c.server);
  Result<Response> res =
      client.ok() ? (*client)->Get(target, &*key) : Result<Response>(client.status());
  if (!res.ok()) {
    std::cerr << "vigil: " << res.status().message() << "\n";
    exit_code = kExitUsage;
    return;
  }
  if (!res->ok()) {
    std::cerr << "vigil: " << res->ProblemText() << "\n";
    exit_code = kExitFailure;
    return;
  }
  Result<nlohmann::json> j = ParseReply(*res, "GET " + target, shape, what);
  if (!j.ok()) {
    std::cerr << "vigil: " << j.status().message() << "\n";
    exit_code = kExitUsage;
    return;
  }
  if (c.json) {
    std::cout << j->dump(2) << "\n";
  } else if (Status s = show(*j); !s.ok()) {
    std::cerr << "vigil: " << s.message() << "\n";
    exit_code = kExitUsage;
    return;
  }
  exit_code = kExitOk;
}

// The catalogue's unit (kg or L) of each substance, from the public GET /v1/catalog; empty if
// the server cannot be asked or refuses (amounts are then shown in base units). Errors:
// kIoError when it answers 2xx with something that is not a catalogue.
Result<std::map<std::string, std::string>> CatalogUnits(const std::string& server) {
  std::map<std::string, std::string> units;
  Result<std::unique_ptr<Client>> client = Client::Connect(server);
  if (!client.ok()) return units;
  Result<Response> res = (*client)->Get("/v1/catalog");
  if (!res.ok() || !res->ok()) return units;
  Result<nlohmann::json> j = ParseReply(*res, "GET /v1/catalog", CatalogShape(), "the catalogue");
  if (!j.ok()) return j.status();
  for (const auto& s : (*j)["substances"]) units[s["id"].get<std::string>()] = s.value("unit", "");
  return units;
}

// An amount in mg or µL (as the state holds it) as "12.5 kg" or "350 L" for a person.
std::string Amount(const nlohmann::json& base, const std::string& substance,
                   const std::map<std::string, std::string>& units) {
  if (!base.is_number_integer()) return base.is_null() ? "" : base.dump();
  auto it = units.find(substance);
  if (it == units.end() || (it->second != "kg" && it->second != "L"))
    return base.dump() + " (mg or µL)";
  // The magnitude as unsigned, so that neither -2^63 nor values above 2^63-1 overflow.
  const bool negative = !base.is_number_unsigned() && base.get<int64_t>() < 0;
  const uint64_t magnitude = base.is_number_unsigned() ? base.get<uint64_t>()
                             : negative ? 0 - static_cast<uint64_t>(base.get<int64_t>())
                                        : static_cast<uint64_t>(base.get<int64_t>());
  std::string frac = std::to_string(1000000 + magnitude % 1000000).substr(1);
  while (!frac.empty() && frac.back() == '0') frac.pop_back();
  return (negative ? "-" : "") + std::to_string(magnitude / 1000000) +
         (frac.empty() ? "" : "." + frac) + " " + it->second;
}

void NextHint(const nlohmann::json& page) {
  if (page.contains("next") && page["next"].is_string()) {
    std::cout << "(more: repeat with --after '" << page["next"].get<std::string>() << "')\n";
  }
}

}  // namespace

void AddQueries(CLI::App& app, int& exit_code) {
  const std::string env_hint = "\nThe key and server can come from VIGIL_KEY and VIGIL_SERVER.";
  {
    auto* cmd = app.add_subcommand("participants",
                                   "List or search registered participants (not for businesses)");
    auto c = std::make_shared<Common>();
    auto f = std::make_shared<std::array<std::string, 5>>();  // role, q, province, commune, after
    AddCommon(cmd, *c);
    cmd->add_option("--role", (*f)[0], "authority, police, inspector or business");
    cmd->add_option("--search,-q", (*f)[1], "Text in id, name, tax code, licence number or venue");
    cmd->add_option("--province", (*f)[2], "Jurisdiction: province");
    cmd->add_option("--commune", (*f)[3], "Jurisdiction: commune");
    cmd->add_option("--after", (*f)[4], "Continue after this cursor");
    cmd->footer("Example:\n  vigil participants --key police.key --search KD-0042" + env_hint);
    cmd->callback([c, f, &exit_code] {
      Query(*c,
            Target("/v1/participants", {{"role", (*f)[0]},
                                        {"q", (*f)[1]},
                                        {"province", (*f)[2]},
                                        {"commune", (*f)[3]},
                                        {"after", (*f)[4]}}),
            ParticipantPageShape(), "a page of participants", exit_code,
            [](const nlohmann::json& j) {
              std::vector<std::vector<std::string>> rows;
              for (const auto& p : j["items"]) {
                std::string lic;
                for (const auto& l : p.value("licences", nlohmann::json::array())) {
                  lic += (lic.empty() ? "" : ", ") + l.value("number", "") + " (" +
                         l.value("kind", "") + ", to " + l.value("expires", "") + ")";
                }
                rows.push_back({Str(p, "participant"), Str(p, "role"), Str(p, "legal_name"), lic,
                                p.value("revoked", false) ? "REVOKED" : ""});
              }
              PrintTable({"ID", "ROLE", "NAME", "LICENCES", ""}, rows);
              NextHint(j);
              return Status::Ok();
            });
    });
  }
  {
    auto* cmd =
        app.add_subcommand("trail", "Every entry by or naming a participant (its audit trail)");
    auto c = std::make_shared<Common>();
    auto a = std::make_shared<std::array<std::string, 3>>();  // participant, after, limit
    (*a)[2] = "100";
    AddCommon(cmd, *c);
    cmd->add_option("PARTICIPANT", (*a)[0], "Participant id")->required();
    cmd->add_option("--after", (*a)[1], "Continue after this cursor");
    cmd->add_option("--limit", (*a)[2], "Entries per page (1-500)")->capture_default_str();
    cmd->footer("Example:\n  vigil trail --key inspector.key cty-hoachat-an-phu" + env_hint);
    cmd->callback([c, a, &exit_code] {
      Query(*c,
            Target("/v1/participants/" + UrlEncode((*a)[0]) + "/trail",
                   {{"after", (*a)[1]}, {"limit", (*a)[2]}}),
            TrailPageShape(), "a page of a trail", exit_code, [](const nlohmann::json& j) {
              std::vector<std::vector<std::string>> rows;
              for (const auto& i : j["items"]) {
                Result<Entry> e = DecodeEntry(i["entry"].get<std::string>());
                Result<Payload> p = e.ok() ? ParsePayload(e->payload) : Result<Payload>(e.status());
                rows.push_back({std::to_string(i["seq"].get<uint64_t>()),
                                e.ok() ? FormatTimestamp(e->ts_ms) : "?", Str(i, "type"),
                                p.ok() ? p->actor : "?", p.ok() ? p->id : "?",
                                p.ok() ? p->body["at"].get<std::string>() : "?"});
              }
              PrintTable({"SEQ", "LOGGED", "TYPE", "BY", "ID", "AT"}, rows);
              NextHint(j);
              return Status::Ok();
            });
    });
  }
  {
    auto* cmd = app.add_subcommand(
        "stock", "Stock of a participant by substance, as the ledger computes it");
    auto c = std::make_shared<Common>();
    auto a = std::make_shared<std::array<std::string, 2>>();  // participant, substance
    AddCommon(cmd, *c);
    cmd->add_option("PARTICIPANT", (*a)[0], "Participant id")->required();
    cmd->add_option("--substance", (*a)[1], "Also show this substance's history (catalogue id)");
    cmd->footer("Example:\n  vigil stock --key clerk.key cty-hoachat-an-phu --substance 67-64-1" +
                env_hint);
    cmd->callback([c, a, &exit_code] {
      // Without --substance the stock lines; with it, an object that adds that substance's history.
      const bool history = !(*a)[1].empty();
      Query(*c,
            Target("/v1/participants/" + UrlEncode((*a)[0]) + "/stock", {{"substance", (*a)[1]}}),
            history ? StockHistoryShape() : StockShape(),
            history ? "the stock and a substance's history" : "a list of stock lines", exit_code,
            [server = c->server, history](const nlohmann::json& j) {
              std::map<std::string, std::string> units;
              if (history) {
                Result<std::map<std::string, std::string>> u = CatalogUnits(server);
                if (!u.ok()) return u.status();
                units = std::move(*u);
              }
              std::vector<std::vector<std::string>> rows;
              for (const auto& s : history ? j["stock"] : j) {
                rows.push_back(
                    {Str(s, "substance"), Str(s, "name_en"), Str(s, "name_vi"), Str(s, "display")});
              }
              PrintTable({"SUBSTANCE", "NAME", "TÊN", "STOCK"}, rows);
              if (history) {
                const std::string substance = j["substance"].get<std::string>();
                std::cout << "\nhistory of " << substance << " (stock after each entry):\n";
                std::vector<std::vector<std::string>> h;
                for (const auto& r : j["history"]) {
                  h.push_back({Str(r, "seq"), Amount(r["amount"], substance, units)});
                }
                PrintTable({"AFTER ENTRY", "AMOUNT"}, h);
              }
              return Status::Ok();
            });
    });
  }
  {
    auto* cmd = app.add_subcommand("transfers", "Dispatches and their receipts (control slips)");
    auto c = std::make_shared<Common>();
    auto a = std::make_shared<std::array<std::string, 3>>();  // participant, status, after
    AddCommon(cmd, *c);
    cmd->add_option("--participant", (*a)[0], "Sender or receiver");
    cmd->add_option("--status", (*a)[1], "open, received, short, voided or overdue");
    cmd->add_option("--after", (*a)[2], "Continue after this cursor");
    cmd->footer("Example:\n  vigil transfers --key police.key --status overdue" + env_hint);
    cmd->callback([c, a, &exit_code] {
      Query(*c,
            Target("/v1/transfers",
                   {{"participant", (*a)[0]}, {"status", (*a)[1]}, {"after", (*a)[2]}}),
            TransferPageShape(), "a page of transfers", exit_code,
            [server = c->server](const nlohmann::json& j) {
              Result<std::map<std::string, std::string>> catalog = CatalogUnits(server);
              if (!catalog.ok()) return catalog.status();
              const std::map<std::string, std::string>& units = *catalog;
              std::vector<std::vector<std::string>> rows;
              for (const auto& t : j["items"]) {
                std::string status = Str(t, "status");
                if (t.contains("in_transit")) {
                  status +=
                      " (" + Amount(t["in_transit"], Str(t, "substance"), units) + " in transit)";
                }
                if (t.value("overdue", false)) status += " (OVERDUE)";
                const std::string substance = Str(t, "substance");
                rows.push_back(
                    {Str(t, "transfer_id"), Str(t, "from"), Str(t, "to"), substance,
                     Amount(t.value("amount", nlohmann::json()), substance, units),
                     Amount(t.value("received_amount", nlohmann::json()), substance, units), status,
                     Str(t, "due")});
              }
              PrintTable(
                  {"TRANSFER", "FROM", "TO", "SUBSTANCE", "SENT", "RECEIVED", "STATUS", "DUE"},
                  rows);
              NextHint(j);
              return Status::Ok();
            });
    });
  }
  {
    auto* cmd = app.add_subcommand("alerts", "Alerts the rules raised, newest first");
    auto c = std::make_shared<Common>();
    auto a = std::make_shared<std::array<std::string, 8>>();
    (*a)[7] = "100";
    AddCommon(cmd, *c);
    cmd->add_option("--kind", (*a)[0], "e.g. threshold_window, receipt_overdue, venue_violation");
    cmd->add_option("--participant", (*a)[1], "Participant the alert is about");
    cmd->add_option("--province", (*a)[2], "Jurisdiction: province");
    cmd->add_option("--commune", (*a)[3], "Jurisdiction: commune");
    cmd->add_option("--from", (*a)[4], "Raised at or after (RFC 3339)");
    cmd->add_option("--to", (*a)[5], "Raised before (RFC 3339)");
    cmd->add_option("--after", (*a)[6], "Continue after this cursor");
    cmd->add_option("--limit", (*a)[7], "Alerts per page (1-500)")->capture_default_str();
    cmd->footer(
        "Example:\n  vigil alerts --key police.key --kind threshold_window --from "
        "2026-01-01T00:00:00+07:00" +
        env_hint);
    cmd->callback([c, a, &exit_code] {
      Query(*c,
            Target("/v1/alerts", {{"kind", (*a)[0]},
                                  {"participant", (*a)[1]},
                                  {"province", (*a)[2]},
                                  {"commune", (*a)[3]},
                                  {"from", (*a)[4]},
                                  {"to", (*a)[5]},
                                  {"after", (*a)[6]},
                                  {"limit", (*a)[7]}}),
            AlertPageShape(), "a page of alerts", exit_code, [](const nlohmann::json& j) {
              std::vector<std::vector<std::string>> rows;
              for (const auto& al : j["items"]) {
                rows.push_back({Str(al, "at"), Str(al, "kind"), Str(al, "participant"),
                                Str(al, "seq"), Str(al, "message")});
              }
              PrintTable({"RAISED", "KIND", "PARTICIPANT", "ENTRY", "WHAT"}, rows);
              NextHint(j);
              return Status::Ok();
            });
    });
  }
  {
    auto* cmd = app.add_subcommand("personal",
                                   "Read the personal side data of an entry (authority, police)");
    auto c = std::make_shared<Common>();
    auto seq = std::make_shared<std::string>();
    AddCommon(cmd, *c);
    cmd->add_option("SEQ", *seq, "Entry number")->required();
    cmd->footer(
        "Every read is recorded in the server's personal-data access log before the data is\n"
        "sent.\n\nExample:\n  vigil personal --key police.key 42" +
        env_hint);
    cmd->callback([c, seq, &exit_code] {
      const std::string target = "/v1/personal/" + UrlEncode(*seq);
      Query(*c, target, PersonalShape(), "an entry's personal data", exit_code,
            [target](const nlohmann::json& j) {
              // The data is the JSON object's text as submitted; shown indented.
              Result<nlohmann::json> p = ParseJson(j["personal"].get<std::string>());
              if (!p.ok()) {
                return Status(Code::kIoError, "the server's reply to GET " + target +
                                                  " is not an entry's personal data: personal is " +
                                                  p.status().message());
              }
              std::cout << "entry " << j["seq"].get<uint64_t>() << ":\n" << p->dump(2) << "\n";
              return Status::Ok();
            });
    });
  }
  {
    auto* cmd = app.add_subcommand("inspections", "Venue and stock inspections and their answers");
    auto c = std::make_shared<Common>();
    auto a = std::make_shared<std::array<std::string, 4>>();
    AddCommon(cmd, *c);
    cmd->add_option("--business", (*a)[0], "Inspected business");
    cmd->add_option("--venue", (*a)[1], "Venue id");
    cmd->add_option("--inspector", (*a)[2], "Inspector's participant id");
    cmd->add_option("--after", (*a)[3], "Continue after this cursor");
    cmd->footer("Example:\n  vigil inspections --key inspector.key --business karaoke-hoa-mai" +
                env_hint);
    cmd->callback([c, a, &exit_code] {
      Query(*c,
            Target("/v1/inspections", {{"business", (*a)[0]},
                                       {"venue", (*a)[1]},
                                       {"inspector", (*a)[2]},
                                       {"after", (*a)[3]}}),
            InspectionPageShape(), "a page of inspections", exit_code, [](const nlohmann::json& j) {
              std::vector<std::vector<std::string>> rows;
              for (const auto& i : j["items"]) {
                rows.push_back({Str(i, "seq"), Str(i, "at"), Str(i, "type"), Str(i, "business"),
                                Str(i, "venue"), Str(i, "inspector"), Str(i, "violations"),
                                Str(i, "status")});
              }
              PrintTable(
                  {"SEQ", "AT", "TYPE", "BUSINESS", "VENUE", "INSPECTOR", "VIOLATIONS", "STATUS"},
                  rows);
              NextHint(j);
              return Status::Ok();
            });
    });
  }
}

}  // namespace vigil::cli
