// vigil register participant | licence | key: the authority's registry records
// (participant.register, participant.update of the licence list, key.add; docs/records.md
// §12-15), built from flags or a short JSON description, signed and submitted.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/client.h"
#include "cli/commands.h"
#include "cli/reply_shape.h"
#include "keys/key.h"
#include "ledger/log/entry.h"
#include "ledger/state/payload.h"

namespace vigil::cli {

namespace {

struct Common {
  std::string key, server = "http://127.0.0.1:8080", actor, at, record_id, reason;
  bool json = false, dry_run = false;
};

void AddCommon(CLI::App* cmd, Common& c) {
  cmd->add_option("--key,-k", c.key, "Authority secret key file that signs the record")
      ->required()
      ->envname("VIGIL_KEY");
  cmd->add_option("--server,-s", c.server, "Server URL")
      ->envname("VIGIL_SERVER")
      ->capture_default_str();
  // Not from VIGIL_ACTOR: that names the participant a clerk submits as, and an authority
  // signing in the same shell must not inherit it.
  cmd->add_option("--actor", c.actor,
                  "Your authority's participant id (default: found from --key on the server)");
  cmd->add_option("--at", c.at, "Time of the decision, RFC 3339 (default: now)");
  cmd->add_option(
      "--record-id", c.record_id,
      "Record id (default: derived from the participant, so a rerun is refused, not doubled)");
  cmd->add_flag("--json", c.json, "Print the result as one JSON object");
  cmd->add_flag("--dry-run,-n", c.dry_run, "Print the record that would be signed; send nothing");
}

// A public key given as a .pub file written by `vigil keygen`, or as its base64 text.
Result<PublicKey> ReadPublicKey(const std::string& arg) {
  std::error_code ec;
  if (std::filesystem::is_regular_file(arg, ec)) return LoadPublicKey(arg);
  Result<PublicKey> k = PublicKey::FromBase64(arg);
  if (!k.ok()) {
    return Status(Code::kInvalidArgument,
                  "public key \"" + arg.substr(0, 60) +
                      "\" is neither a file nor the base64 key "
                      "that `vigil keygen` prints (give the .pub file, never the secret key)");
  }
  return k;
}

// "kind:number:issued:expires[:substance,substance...]".
Result<nlohmann::json> ParseLicenceSpec(const std::string& spec) {
  std::vector<std::string> parts;
  std::stringstream ss(spec);
  for (std::string p; std::getline(ss, p, ':');) parts.push_back(p);
  if (parts.size() < 4 || parts.size() > 5) {
    return Status(Code::kInvalidArgument,
                  "--licence \"" + spec +
                      "\": write KIND:NUMBER:ISSUED:EXPIRES[:SUBSTANCE,...], e.g. "
                      "precursor_trading:KD-0042:2026-01-05:2031-01-04:67-64-1,108-88-3");
  }
  nlohmann::json l = {
      {"kind", parts[0]}, {"number", parts[1]}, {"issued", parts[2]}, {"expires", parts[3]}};
  if (parts.size() == 5) {
    l["substances"] = nlohmann::json::array();
    std::stringstream subs(parts[4]);
    for (std::string s; std::getline(subs, s, ',');) {
      if (!s.empty()) l["substances"].push_back(s);
    }
  }
  return l;
}

// Everything a registry command needs: the key, the client and the actor.
struct Session {
  SecretKey key;
  std::unique_ptr<Client> client;
  std::string actor;
};

// The authority participant that owns `key` (GET /v1/me).
Result<std::string> FindActor(Client& client, const SecretKey& key) {
  Result<nlohmann::json> me = client.Me(key);
  if (!me.ok()) return me.status();
  if (me->value("role", "") != "authority") {
    return Status(Code::kPermissionDenied,
                  "key " + key.Id() + " belongs to \"" + me->value("participant", "") +
                      "\" (role " + me->value("role", "") +
                      "); registry records are signed with an authority key");
  }
  return me->value("participant", "");
}

Result<Session> Open(const Common& c) {
  Result<SecretKey> key = SecretKey::Load(c.key);
  if (!key.ok()) return key.status();
  Result<std::unique_ptr<Client>> client = Client::Connect(c.server);
  if (!client.ok()) return client.status();
  Session s{std::move(*key), std::move(*client), c.actor};
  if (s.actor.empty()) {
    Result<std::string> actor = FindActor(*s.client, s.key);
    if (!actor.ok()) return actor.status();
    s.actor = *actor;
  }
  return s;
}

// Fills the envelope, then submits (or prints, for --dry-run) and reports. Sets the exit code.
void Send(const Common& c, Session& s, nlohmann::json payload, const std::string& default_id,
          int& exit_code) {
  payload["type"] = payload.value("type", "participant.register");
  if (!payload.contains("id")) payload["id"] = c.record_id.empty() ? default_id : c.record_id;
  payload["actor"] = s.actor;
  if (!payload.contains("at")) payload["at"] = c.at.empty() ? FormatTimestamp(NowMs()) : c.at;
  if (Result<Payload> env = ParsePayload(payload.dump()); !env.ok()) {
    std::cerr << "vigil register: " << env.status().message() << "\n";
    exit_code = kExitUsage;
    return;
  }
  const std::string id = payload["id"].get<std::string>(),
                    type = payload["type"].get<std::string>();
  if (c.dry_run) {
    std::cout << payload.dump(2) << "\n";
    exit_code = kExitOk;
    return;
  }
  Result<SubmitResult> sub = s.client->Submit(payload, s.key);
  if (!sub.ok()) {
    std::cerr << "vigil register: " << sub.status().message()
              << "; nothing is known to be written, "
              << "rerun the same command\n";
    exit_code = kExitUsage;
    return;
  }
  nlohmann::json result = {{"type", type}, {"id", id}, {"status", sub->status}};
  if (sub->accepted()) {
    result["result"] = sub->status == 201 ? "appended" : "already_in_log";
    result["seq"] = sub->seq;
    if (c.json) {
      std::cout << result.dump() << "\n";
    } else {
      std::cout << type << ": " << (sub->status == 201 ? "appended as" : "already in the log as")
                << " entry " << sub->seq << " (id " << id << ")\n";
    }
    exit_code = kExitOk;
    return;
  }
  result["result"] = "rejected";
  result["problem"] = sub->problem;
  result["detail"] = sub->detail;
  result["codes"] = nlohmann::json::array();
  for (const auto& [code, message] : sub->violations) result["codes"].push_back(code);
  if (c.json) {
    std::cout << result.dump() << "\n";
  } else {
    std::cout << type << ": rejected (id " << id << ") [" << sub->Codes() << "]"
              << (sub->violations.empty() ? ": " + sub->detail : "") << "\n";
    for (const auto& [code, message] : sub->violations)
      std::cout << "    - " << code << ": " << message << "\n";
    if (sub->status == 409) {
      std::cout << "    (this id was used before; if that record is the one you meant, nothing "
                   "more is needed, otherwise choose --record-id)\n";
    }
  }
  exit_code = kExitFailure;
}

void Usage(int& exit_code, const std::string& msg) {
  std::cerr << "vigil register: " << msg << "\n";
  exit_code = kExitUsage;
}

}  // namespace

void AddRegister(CLI::App& app, int& exit_code) {
  auto* reg =
      app.add_subcommand("register", "Authority: register participants, their licences and keys");
  reg->require_subcommand(1);
  reg->footer(
      "Each subcommand builds one record, signs it with the authority --key and submits it.\n"
      "The key and server can come from VIGIL_KEY and VIGIL_SERVER. Exit status: 0 appended\n"
      "(or already in the log), 1 rejected (the rule codes are printed), 2 usage or I/O.");
  {
    auto* cmd = reg->add_subcommand("participant", "Register a participant (participant.register)");
    auto c = std::make_shared<Common>();
    struct P {
      std::string id, role, name, tax_code, address, province, commune, from;
      std::vector<std::string> keys, licences;
    };
    auto p = std::make_shared<P>();
    AddCommon(cmd, *c);
    cmd->add_option("--from", p->from,
                    "JSON description: one object or an array of them (see below)");
    cmd->add_option("--id", p->id, "New participant id, e.g. cty-hoachat-an-phu");
    cmd->add_option("--role", p->role, "business, inspector, police or authority")
        ->check(CLI::IsMember({"business", "inspector", "police", "authority"}));
    cmd->add_option("--name", p->name, "Legal name");
    cmd->add_option("--tax-code", p->tax_code, "Tax code (mã số thuế)");
    cmd->add_option("--address", p->address, "Head office address");
    cmd->add_option("--province", p->province, "Jurisdiction: province");
    cmd->add_option("--commune", p->commune, "Jurisdiction: commune or ward");
    cmd->add_option("--public-key", p->keys,
                    "Public key: the .pub file from `vigil keygen`, or its base64; repeatable");
    cmd->add_option("--licence", p->licences,
                    "KIND:NUMBER:ISSUED:EXPIRES[:SUBSTANCE,...]; repeatable");
    cmd->footer(
        "Examples:\n"
        "  vigil register participant --key authority.key --id cty-hoachat-an-phu --role business "
        "\\\n"
        "    --name \"Công ty TNHH Hóa chất An Phú\" --tax-code 0101234567 --province \"Hà Nội\" "
        "\\\n"
        "    --public-key clerk.key.pub \\\n"
        "    --licence precursor_trading:KD-0042:2026-01-05:2031-01-04:67-64-1,108-88-3\n"
        "  vigil register participant --key authority.key --from an-phu.json\n\n"
        "A description (--from) is the participant.register record of docs/records.md §12\n"
        "without type, id, actor and at, e.g.\n"
        "  {\"participant\": \"cty-hoachat-an-phu\", \"role\": \"business\",\n"
        "   \"legal_name\": \"Công ty TNHH Hóa chất An Phú\", \"jurisdiction\": {\"province\": "
        "\"Hà Nội\"},\n"
        "   \"keys\": [\"clerk.key.pub\"], \"licences\": [{\"kind\": \"precursor_trading\",\n"
        "   \"number\": \"KD-0042\", \"issued\": \"2026-01-05\", \"expires\": \"2031-01-04\",\n"
        "   \"substances\": [\"67-64-1\"]}]}\n"
        "Each entry of \"keys\" is a .pub file (relative to the description) or a base64 key. The\n"
        "record id is reg-<participant> unless the description has an \"id\" or --record-id.");
    cmd->callback([c, p, &exit_code] {
      std::vector<nlohmann::json> descriptions;
      std::filesystem::path base = ".";
      if (!p->from.empty()) {
        if (!p->id.empty() || !p->role.empty() || !p->name.empty() || !p->keys.empty() ||
            !p->licences.empty()) {
          return Usage(exit_code, "give either --from or the participant flags, not both");
        }
        std::ifstream in(p->from, std::ios::binary);
        if (!in) return Usage(exit_code, "cannot open " + p->from);
        std::stringstream ss;
        ss << in.rdbuf();
        Result<nlohmann::json> j = ParseJson(ss.str());
        if (!j.ok()) return Usage(exit_code, p->from + ": " + j.status().message());
        if (j->is_object()) {
          descriptions.push_back(*j);
        } else if (j->is_array()) {
          for (const auto& d : *j) descriptions.push_back(d);
        }
        if (descriptions.empty())
          return Usage(exit_code, p->from + ": expected a JSON object or an array of objects");
        base = std::filesystem::path(p->from).parent_path();
      } else {
        if (p->id.empty() || p->role.empty() || p->name.empty() || p->keys.empty()) {
          return Usage(exit_code,
                       "give --id, --role, --name and at least one --public-key (or --from FILE)");
        }
        nlohmann::json d = {{"participant", p->id}, {"role", p->role}, {"legal_name", p->name}};
        if (!p->tax_code.empty()) d["tax_code"] = p->tax_code;
        if (!p->address.empty()) d["address"] = p->address;
        if (!p->province.empty()) d["jurisdiction"]["province"] = p->province;
        if (!p->commune.empty()) d["jurisdiction"]["commune"] = p->commune;
        d["keys"] = p->keys;
        for (const std::string& spec : p->licences) {
          Result<nlohmann::json> l = ParseLicenceSpec(spec);
          if (!l.ok()) return Usage(exit_code, l.status().message());
          d["licences"].push_back(*l);
        }
        descriptions.push_back(d);
      }
      // Keys given as files become base64 public keys.
      for (nlohmann::json& d : descriptions) {
        if (!d.is_object()) return Usage(exit_code, "each description must be a JSON object");
        for (const char* f : {"type", "actor"}) {
          if (d.contains(f))
            return Usage(exit_code,
                         std::string("a description has no \"") + f + "\"; it is added for you");
        }
        if (!d.contains("participant") || !d["participant"].is_string()) {
          return Usage(exit_code, "each description needs a \"participant\" id");
        }
        for (auto& k : d.value("keys", nlohmann::json::array())) {
          if (!k.is_string())
            return Usage(exit_code, "\"keys\" holds .pub file names or base64 keys");
        }
        if (d.contains("keys") && d["keys"].is_array()) {
          for (auto& k : d["keys"]) {
            std::string arg = k.get<std::string>();
            std::error_code ec;
            if (!p->from.empty() && std::filesystem::is_regular_file(base / arg, ec))
              arg = (base / arg).string();
            Result<PublicKey> pk = ReadPublicKey(arg);
            if (!pk.ok()) return Usage(exit_code, pk.status().message());
            k = pk->ToBase64();
          }
        }
      }
      Result<Session> s = Open(*c);
      if (!s.ok()) return Usage(exit_code, s.status().message());
      int worst = kExitOk;
      for (nlohmann::json& d : descriptions) {
        const std::string participant = d["participant"].get<std::string>();
        int rc = kExitOk;
        Send(*c, *s, d, "reg-" + participant, rc);
        worst = std::max(worst, rc);
        if (rc == kExitUsage) break;
      }
      exit_code = worst;
    });
  }
  {
    auto* cmd = reg->add_subcommand(
        "licence",
        "Add, renew or suspend a business's licence (participant.update of its licence list)");
    auto c = std::make_shared<Common>();
    struct L {
      std::string participant, kind, number, issued, expires, venue;
      std::vector<std::string> substances;
      bool suspended = false;
    };
    auto l = std::make_shared<L>();
    AddCommon(cmd, *c);
    cmd->add_option("--participant", l->participant, "The business")->required();
    cmd->add_option("--kind", l->kind,
                    "precursor_trading, precursor_use, import_export, karaoke, bar or dance_hall")
        ->required();
    cmd->add_option("--number", l->number, "Licence number (write '/' as '-')")->required();
    cmd->add_option("--issued", l->issued, "Issue date, YYYY-MM-DD")->required();
    cmd->add_option("--expires", l->expires, "Expiry date, YYYY-MM-DD")->required();
    cmd->add_option("--substance", l->substances, "Substance covered (CAS number); repeatable");
    cmd->add_option("--venue", l->venue, "Venue id the licence is for");
    cmd->add_flag("--suspended", l->suspended, "Record the licence as suspended");
    cmd->add_option("--reason", c->reason, "Why (kept in the log)");
    cmd->footer(
        "Reads the business's current licences from the server, adds this one (or replaces the\n"
        "licence with the same number: a renewal or a suspension) and submits the whole list as\n"
        "a participant.update (docs/records.md §13).\n\n"
        "Example:\n"
        "  vigil register licence --key authority.key --participant cty-hoachat-an-phu \\\n"
        "    --kind import_export --number XNK-0488 --issued 2026-11-24 --expires 2027-05-23 \\\n"
        "    --substance 108-88-3 --substance 67-64-1 --reason \"Giấy phép XNK mới\"");
    cmd->callback([c, l, &exit_code] {
      Result<Session> s = Open(*c);
      if (!s.ok()) return Usage(exit_code, s.status().message());
      const std::string target = "/v1/participants/" + UrlEncode(l->participant);
      Result<Response> res = s->client->Get(target, &s->key);
      if (!res.ok()) return Usage(exit_code, res.status().message());
      if (!res->ok()) {
        std::cerr << "vigil register: " << res->ProblemText() << "\n";
        exit_code = res->status == 404 ? kExitFailure : kExitUsage;
        return;
      }
      Result<nlohmann::json> current =
          ParseReply(*res, "GET " + target, ParticipantShape(), "a participant's record");
      if (!current.ok()) return Usage(exit_code, current.status().message());
      nlohmann::json licence = {
          {"kind", l->kind}, {"number", l->number}, {"issued", l->issued}, {"expires", l->expires}};
      if (!l->substances.empty()) licence["substances"] = l->substances;
      if (!l->venue.empty()) licence["venue"] = l->venue;
      if (l->suspended) licence["suspended"] = true;
      nlohmann::json list = nlohmann::json::array();
      bool replaced = false;
      for (const auto& old : current->value("licences", nlohmann::json::array())) {
        if (old.value("number", "") == l->number) {
          list.push_back(licence);
          replaced = true;
        } else {
          list.push_back(old);
        }
      }
      if (!replaced) list.push_back(licence);
      nlohmann::json payload = {
          {"type", "participant.update"}, {"participant", l->participant}, {"licences", list}};
      if (!c->reason.empty()) payload["reason"] = c->reason;
      if (!c->json && !c->dry_run) {
        std::cout << (replaced ? "replacing" : "adding") << " licence " << l->number << " of "
                  << l->participant << " (" << list.size() << " licence"
                  << (list.size() == 1 ? "" : "s") << " after the update)\n";
      }
      Send(*c, *s, payload,
           "licence-" + l->participant + "-" + l->number + (l->suspended ? "-suspended" : "") +
               "-" + l->expires,
           exit_code);
    });
  }
  {
    auto* cmd = reg->add_subcommand("key", "Add a signing key to a participant (key.add)");
    auto c = std::make_shared<Common>();
    auto a = std::make_shared<std::array<std::string, 2>>();  // participant, public key
    AddCommon(cmd, *c);
    cmd->add_option("--participant", (*a)[0], "Owner of the new key")->required();
    cmd->add_option("--public-key", (*a)[1], "The .pub file from `vigil keygen`, or its base64")
        ->required();
    cmd->footer(
        "The participant makes the key with `vigil keygen` and hands over only the .pub file.\n\n"
        "Example:\n"
        "  vigil register key --key authority.key --participant karaoke-hoa-mi --public-key "
        "new.key.pub");
    cmd->callback([c, a, &exit_code] {
      Result<PublicKey> pk = ReadPublicKey((*a)[1]);
      if (!pk.ok()) return Usage(exit_code, pk.status().message());
      Result<Session> s = Open(*c);
      if (!s.ok()) return Usage(exit_code, s.status().message());
      nlohmann::json payload = {
          {"type", "key.add"}, {"participant", (*a)[0]}, {"key", pk->ToBase64()}};
      Send(*c, *s, payload, "key-add-" + (*a)[0] + "-" + pk->Id(), exit_code);
    });
  }
}

}  // namespace vigil::cli
