// vigil export: entries and derived tables (stock, transfers, inspections, alerts) as CSV or
// JSON lines, for a period, a jurisdiction or a participant, read through the API with signed
// requests and pinned to one signed checkpoint, which the output records (docs/csv.md).
//
// Entries are checked before they are written: with the tiles (full readers), every entry up
// to the checkpoint is downloaded and the Merkle root recomputed; with a participant's trail,
// every entry's inclusion proof is checked. Each exported entry carries its inclusion proof in
// that checkpoint, so a single line can be checked later without the server.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <variant>

#include "cli/client.h"
#include "cli/commands.h"
#include "cli/reply_shape.h"
#include "cli/witness_policy.h"
#include "keys/coding.h"
#include "keys/key.h"
#include "keys/note.h"
#include "ledger/log/checkpoint.h"
#include "ledger/log/entry.h"
#include "ledger/log/merkle.h"
#include "ledger/log/tile.h"
#include "ledger/state/payload.h"

namespace vigil::cli {

namespace {

struct Args {
  std::string table, key, server = "http://127.0.0.1:8080", format = "csv", from, to, participant,
                          province, commune, output, log_key;
  WitnessArgs witness;
};

// An error that ends the export: the message and the exit status.
struct Failure {
  std::string message;
  int code = kExitUsage;
};

template <typename T>
using Out = std::variant<T, Failure>;

// The checkpoint the export is pinned to, verified with the log's key.
struct Pin {
  std::string note;  // the signed checkpoint note
  Checkpoint cp;
  std::string verifier_key;
};

class Exporter {
 public:
  Exporter(const Args& a, Client& client, const SecretKey& key, WitnessPolicy witnesses)
      : a_(a), client_(client), key_(key), witnesses_(std::move(witnesses)) {}

  // A business may read only its own records: without --participant, its export is of itself
  // (GET /v1/me), not a refusal.
  std::optional<Failure> PinBusiness();

  std::optional<Failure> Run(std::ostream& out, std::string& checkpoint_note);

 private:
  // A 2xx reply of `shape` (`what` names it), or why not: refused by the server (exit 1),
  // unreachable or not what was asked for (exit 2).
  Out<nlohmann::json> GetJson(const std::string& target, const JsonShape& shape,
                              const std::string& what, bool sign = true);
  Out<Pin> FetchCheckpoint();
  Out<std::vector<nlohmann::json>> AllPages(std::string target, const JsonShape& shape,
                                            const std::string& what);
  Out<std::set<std::string>> Jurisdiction();
  std::optional<Failure> Entries(std::vector<nlohmann::json>& rows, Pin& pin);
  std::optional<Failure> Table(std::vector<nlohmann::json>& rows);
  bool InPeriod(const std::string& at) const;

  Args a_;
  Client& client_;
  const SecretKey& key_;
  const WitnessPolicy witnesses_;  // cosignatures the pinned checkpoint must carry
  std::optional<NoteVerifier> verifier_;
};

Out<nlohmann::json> Exporter::GetJson(const std::string& target, const JsonShape& shape,
                                      const std::string& what, bool sign) {
  Result<Response> res = client_.Get(target, sign ? &key_ : nullptr);
  if (!res.ok()) return Failure{res.status().message()};
  if (!res->ok()) return Failure{"GET " + target + ": " + res->ProblemText(), kExitFailure};
  Result<nlohmann::json> j = ParseReply(*res, "GET " + target, shape, what);
  if (!j.ok()) return Failure{j.status().message()};
  return std::move(*j);
}

Out<Pin> Exporter::FetchCheckpoint() {
  if (!verifier_.has_value()) {
    std::string vkey = a_.log_key;
    if (vkey.empty()) {
      Out<nlohmann::json> log = GetJson("/v1/log", LogInfoShape(), "the log's facts", false);
      if (auto* f = std::get_if<Failure>(&log)) return *f;
      vkey = std::get<nlohmann::json>(log)["verifier_key"].get<std::string>();
    }
    Result<NoteVerifier> v = ParseVerifierKey(vkey);
    if (!v.ok()) return Failure{"verifier key: " + v.status().message()};
    verifier_ = *v;
  }
  Result<Response> res = client_.Get("/checkpoint");
  if (!res.ok()) return Failure{res.status().message()};
  if (!res->ok()) return Failure{"GET /checkpoint: " + res->ProblemText(), kExitFailure};
  Result<vigil::Checkpoint> cp = OpenCheckpoint(res->body, *verifier_);
  if (!cp.ok()) {
    return Failure{
        "the server's checkpoint does not verify with the log key: " + cp.status().message(),
        kExitFailure};
  }
  if (Result<std::string> w = CheckWitnessPolicy(res->body, *verifier_, witnesses_); !w.ok()) {
    return Failure{"the server's checkpoint does not meet the witness policy: " +
                       w.status().message() + "; nothing was exported",
                   kExitFailure};
  }
  return Pin{res->body, *cp, VerifierKeyString(verifier_->name, verifier_->key)};
}

// The cursor of the page after `page` ("" at the end). A server that answers a cursor with the
// same cursor would be followed forever: that is a bad reply.
Out<std::string> NextCursor(const nlohmann::json& page, const std::string& after,
                            const std::string& target, const std::string& what) {
  const std::string next = page["next"].is_string() ? page["next"].get<std::string>() : "";
  if (!next.empty() && next == after) {
    return Failure{"the server's reply to GET " + target.substr(0, target.find('?')) + " is not " +
                   what + ": its next cursor is the one just given, so the pages never end"};
  }
  return next;
}

// Follows "next" cursors; `target` already has its query (or none). Every page has `shape`.
Out<std::vector<nlohmann::json>> Exporter::AllPages(std::string target, const JsonShape& shape,
                                                    const std::string& what) {
  std::vector<nlohmann::json> items;
  const char sep = target.find('?') == std::string::npos ? '?' : '&';
  std::string after;
  do {
    Out<nlohmann::json> page =
        GetJson(target + sep + "limit=500" + (after.empty() ? "" : "&after=" + UrlEncode(after)),
                shape, what);
    if (auto* f = std::get_if<Failure>(&page)) return *f;
    const nlohmann::json& j = std::get<nlohmann::json>(page);
    for (const auto& i : j["items"]) items.push_back(i);
    Out<std::string> next = NextCursor(j, after, target, what);
    if (auto* f = std::get_if<Failure>(&next)) return *f;
    after = std::get<std::string>(next);
  } while (!after.empty());
  return items;
}

// Participants of --province/--commune (every role).
Out<std::set<std::string>> Exporter::Jurisdiction() {
  std::string target = "/v1/participants";
  char sep = '?';
  if (!a_.province.empty())
    target += std::string(1, sep) + "province=" + UrlEncode(a_.province), sep = '&';
  if (!a_.commune.empty()) target += std::string(1, sep) + "commune=" + UrlEncode(a_.commune);
  Out<std::vector<nlohmann::json>> items =
      AllPages(target, ParticipantPageShape(), "a page of participants");
  if (auto* f = std::get_if<Failure>(&items)) return *f;
  std::set<std::string> ids;
  for (const auto& p : std::get<std::vector<nlohmann::json>>(items)) {
    ids.insert(p["participant"].get<std::string>());
  }
  return ids;
}

bool Exporter::InPeriod(const std::string& at) const {
  if (a_.from.empty() && a_.to.empty()) return true;
  Result<int64_t> t = ParseTimestamp(at);
  if (!t.ok()) return false;
  if (!a_.from.empty() && *t < *ParseTimestamp(a_.from)) return false;
  if (!a_.to.empty() && *t >= *ParseTimestamp(a_.to)) return false;
  return true;
}

// One exported entry: the readable columns, the entry bytes and the inclusion proof.
nlohmann::json EntryRow(const Entry& e, const std::string& bytes, const std::vector<Hash>& proof) {
  Result<Payload> p = ParsePayload(e.payload);
  nlohmann::json row = {{"seq", e.seq}, {"logged", FormatTimestamp(e.ts_ms)}};
  const nlohmann::json body = p.ok() ? p->body : nlohmann::json::object();
  for (const char* f :
       {"type", "actor", "id", "at", "substance", "quantity", "unit", "counterparty"}) {
    row[f] = body.contains(f) && body[f].is_string() ? body[f].get<std::string>() : "";
  }
  row["signer"] = e.signer;
  row["leaf_hash"] = Base64(merkle::HashLeaf(bytes));
  nlohmann::json hashes = nlohmann::json::array();
  for (const Hash& h : proof) hashes.push_back(Base64(h));
  row["inclusion"] = hashes;
  row["entry"] = bytes;
  return row;
}

std::optional<Failure> Exporter::Entries(std::vector<nlohmann::json>& rows, Pin& pin) {
  std::optional<std::set<std::string>> members;
  if (!a_.province.empty() || !a_.commune.empty()) {
    Out<std::set<std::string>> m = Jurisdiction();
    if (auto* f = std::get_if<Failure>(&m)) return *f;
    members = std::get<std::set<std::string>>(m);
  }
  auto wanted = [&](const Entry& e) {
    Result<Payload> p = ParsePayload(e.payload);
    if (!p.ok()) return false;
    if (!InPeriod(p->body["at"].get<std::string>())) return false;
    if (!members.has_value()) return true;
    for (const char* f : {"actor", "participant", "counterparty", "business"}) {
      if (p->body.contains(f) && p->body[f].is_string() &&
          members->count(p->body[f].get<std::string>()) != 0) {
        return true;
      }
    }
    return false;
  };
  const uint64_t size = pin.cp.size;

  if (!a_.participant.empty()) {
    // The participant's trail, each entry checked by its inclusion proof in the pinned checkpoint.
    const std::string trail = "/v1/participants/" + UrlEncode(a_.participant) + "/trail";
    std::string after;
    do {
      Out<nlohmann::json> page = GetJson(
          trail + "?proofs=1&limit=500" + (after.empty() ? "" : "&after=" + UrlEncode(after)),
          TrailPageShape(), "a page of a trail");
      if (auto* f = std::get_if<Failure>(&page)) return *f;
      const nlohmann::json& j = std::get<nlohmann::json>(page);
      const bool same_checkpoint = j.value("checkpoint", "") == pin.note;
      for (const auto& item : j["items"]) {
        const std::string bytes = item["entry"].get<std::string>();
        Result<Entry> e = DecodeEntry(bytes);
        if (!e.ok())
          return Failure{"the server sent a malformed entry: " + e.status().message(),
                         kExitFailure};
        if (e->seq >= size) continue;  // appended after the pinned checkpoint
        std::vector<Hash> proof;
        if (same_checkpoint) {
          for (const auto& h : item.value("inclusion", nlohmann::json::array())) {
            Result<Hash> hh = HashFromBase64(h.get<std::string>());
            if (!hh.ok()) return Failure{"the server sent a malformed proof", kExitFailure};
            proof.push_back(*hh);
          }
        } else {
          Out<nlohmann::json> pr = GetJson(
              "/v1/proof/inclusion?seq=" + std::to_string(e->seq) + "&size=" + std::to_string(size),
              ProofShape(), "an inclusion proof", false);
          if (auto* f = std::get_if<Failure>(&pr)) return *f;
          for (const auto& h :
               std::get<nlohmann::json>(pr).value("proof", nlohmann::json::array())) {
            Result<Hash> hh = HashFromBase64(h.get<std::string>());
            if (!hh.ok()) return Failure{"the server sent a malformed proof", kExitFailure};
            proof.push_back(*hh);
          }
        }
        Status ok =
            merkle::VerifyInclusion(e->seq, size, merkle::HashLeaf(bytes), proof, pin.cp.root);
        if (!ok.ok()) {
          return Failure{"entry " + std::to_string(e->seq) + " is not in the checkpoint of size " +
                             std::to_string(size) + ": " + ok.message(),
                         kExitFailure};
        }
        if (wanted(*e)) rows.push_back(EntryRow(*e, bytes, proof));
      }
      Out<std::string> next = NextCursor(j, after, trail, "a page of a trail");
      if (auto* f = std::get_if<Failure>(&next)) return *f;
      after = std::get<std::string>(next);
    } while (!after.empty());
    return std::nullopt;
  }

  // Every entry up to the checkpoint, from the entry bundles; the root is recomputed.
  std::vector<std::string> entries;
  entries.reserve(size);
  for (uint64_t n = 0; n * TileRef::kWidth < size; ++n) {
    TileRef t{
        TileRef::kEntries, n,
        static_cast<uint32_t>(std::min<uint64_t>(TileRef::kWidth, size - n * TileRef::kWidth))};
    const std::string target = "/tile/" + TilePath(t);
    Result<Response> res = client_.Get(target, &key_);
    if (!res.ok()) return Failure{res.status().message()};
    if (!res->ok()) return Failure{"GET " + target + ": " + res->ProblemText(), kExitFailure};
    const std::string& b = res->body;
    size_t off = 0;
    while (off + 2 <= b.size()) {
      const size_t len = DecodeBigEndian16(std::string_view(b).substr(off, 2));
      if (off + 2 + len > b.size()) break;
      entries.push_back(b.substr(off + 2, len));
      off += 2 + len;
    }
    if (off != b.size() || entries.size() != n * TileRef::kWidth + t.width) {
      return Failure{"entry bundle " + TilePath(t) + " is malformed", kExitFailure};
    }
  }
  std::map<std::pair<int, uint64_t>, Hash> nodes;
  merkle::NodeReader read = [&nodes](int level, uint64_t index) -> Result<Hash> {
    auto it = nodes.find({level, index});
    if (it == nodes.end()) return Status(Code::kNotFound, "no such node");
    return it->second;
  };
  for (uint64_t i = 0; i < entries.size(); ++i) {
    Result<std::vector<merkle::Node>> made =
        merkle::NodesCompletedBy(i, merkle::HashLeaf(entries[i]), read);
    if (!made.ok()) return Failure{made.status().message(), kExitFailure};
    for (const merkle::Node& node : *made) nodes[{node.level, node.index}] = node.hash;
  }
  Result<Hash> root = size == 0 ? Result<Hash>(merkle::EmptyRoot()) : merkle::RootAt(size, read);
  if (!root.ok() || *root != pin.cp.root) {
    return Failure{"the entries the server sent do not hash to its checkpoint's root (size " +
                       std::to_string(size) +
                       "); do not trust this server's copy, and run vigil verify",
                   kExitFailure};
  }
  for (uint64_t i = 0; i < entries.size(); ++i) {
    Result<Entry> e = DecodeEntry(entries[i]);
    if (!e.ok() || e->seq != i) {
      return Failure{"entry " + std::to_string(i) + " is malformed or out of place", kExitFailure};
    }
    if (!wanted(*e)) continue;
    Result<std::vector<Hash>> proof = merkle::InclusionProof(i, size, read);
    if (!proof.ok()) return Failure{proof.status().message(), kExitFailure};
    rows.push_back(EntryRow(*e, entries[i], *proof));
  }
  return std::nullopt;
}

// The derived tables, through the audit routes.
std::optional<Failure> Exporter::Table(std::vector<nlohmann::json>& rows) {
  std::optional<std::set<std::string>> members;
  if (!a_.province.empty() || !a_.commune.empty()) {
    Out<std::set<std::string>> m = Jurisdiction();
    if (auto* f = std::get_if<Failure>(&m)) return *f;
    members = std::get<std::set<std::string>>(m);
  }
  auto member = [&](const nlohmann::json& j, const std::vector<std::string>& fields) {
    if (!members.has_value()) return true;
    for (const std::string& f : fields) {
      if (j.contains(f) && j[f].is_string() && members->count(j[f].get<std::string>()) != 0)
        return true;
    }
    return false;
  };
  const std::string& t = a_.table;
  if (t == "stock") {
    std::vector<std::string> who;
    if (!a_.participant.empty()) {
      who.push_back(a_.participant);
    } else {
      Out<std::vector<nlohmann::json>> ps = AllPages(
          "/v1/participants?role=business", ParticipantPageShape(), "a page of participants");
      if (auto* f = std::get_if<Failure>(&ps)) return *f;
      for (const auto& p : std::get<std::vector<nlohmann::json>>(ps)) {
        if (member(p, {"participant"})) who.push_back(p["participant"].get<std::string>());
      }
    }
    for (const std::string& p : who) {
      Out<nlohmann::json> s = GetJson("/v1/participants/" + UrlEncode(p) + "/stock", StockShape(),
                                      "a list of stock lines");
      if (auto* f = std::get_if<Failure>(&s)) return *f;
      for (const auto& line : std::get<nlohmann::json>(s)) {
        nlohmann::json row = {{"participant", p}};
        row.update(line);
        rows.push_back(row);
      }
    }
    return std::nullopt;
  }
  std::string target;
  std::vector<std::pair<std::string, std::string>> q;
  std::vector<std::string> fields;
  if (t == "transfers") {
    target = "/v1/transfers";
    q = {{"participant", a_.participant}};
    fields = {"from", "to"};
  } else if (t == "inspections") {
    target = "/v1/inspections";
    q = {{"business", a_.participant}};
    fields = {"business", "inspector"};
  } else {
    target = "/v1/alerts";
    q = {{"participant", a_.participant},
         {"province", a_.province},
         {"commune", a_.commune},
         {"from", a_.from},
         {"to", a_.to}};
    fields = {"participant"};
  }
  char sep = '?';
  for (const auto& [k, v] : q) {
    if (v.empty()) continue;
    target += sep + k + "=" + UrlEncode(v);
    sep = '&';
  }
  const JsonShape& shape = t == "transfers"     ? TransferPageShape()
                           : t == "inspections" ? InspectionPageShape()
                                                : AlertPageShape();
  Out<std::vector<nlohmann::json>> items = AllPages(target, shape, "a page of " + t);
  if (auto* f = std::get_if<Failure>(&items)) return *f;
  for (auto& item : std::get<std::vector<nlohmann::json>>(items)) {
    item.erase("_key");
    if (t != "alerts") {
      if (!member(item, fields)) continue;
      const char* when = t == "transfers" ? "dispatched_at" : "at";
      const std::string at =
          item.contains(when) && item[when].is_string() ? item[when].get<std::string>() : "";
      if (!InPeriod(at)) continue;
    }
    rows.push_back(std::move(item));
  }
  return std::nullopt;
}

std::optional<Failure> Exporter::PinBusiness() {
  if (!a_.participant.empty()) return std::nullopt;
  Result<nlohmann::json> me = client_.Me(key_);
  if (!me.ok())
    return Failure{me.status().message(),
                   me.status().code() == Code::kIoError ? kExitUsage : kExitFailure};
  if (me->value("role", "") == "business") {
    if (!a_.province.empty() || !a_.commune.empty()) {
      return Failure{"a business exports only its own records; leave out --province and --commune",
                     kExitUsage};
    }
    a_.participant = me->value("participant", "");
  }
  return std::nullopt;
}

std::string CsvCell(const nlohmann::json& v) {
  std::string s = v.is_string() ? v.get<std::string>() : v.is_null() ? "" : v.dump();
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) {
    if (c == '"') q += '"';
    q += c;
  }
  return q + "\"";
}

std::optional<Failure> Exporter::Run(std::ostream& out, std::string& checkpoint_note) {
  if (std::optional<Failure> f = PinBusiness(); f.has_value()) return f;
  std::vector<nlohmann::json> rows;
  Pin pin;
  // Derived tables carry no size of their own: read them between two identical checkpoints,
  // so nothing was appended while they were read.
  for (int attempt = 0;; ++attempt) {
    rows.clear();
    Out<Pin> before = FetchCheckpoint();
    if (auto* f = std::get_if<Failure>(&before)) return *f;
    pin = std::get<Pin>(before);
    std::optional<Failure> f = a_.table == "entries" ? Entries(rows, pin) : Table(rows);
    if (f.has_value()) return f;
    if (a_.table == "entries") break;
    Out<Pin> after = FetchCheckpoint();
    if (auto* g = std::get_if<Failure>(&after)) return *g;
    if (std::get<Pin>(after).cp == pin.cp) break;
    if (attempt == 4) {
      return Failure{
          "the log kept growing while the table was read (5 attempts); export at a quieter time",
          kExitFailure};
    }
  }
  checkpoint_note = pin.note;
  const std::string root = Base64(pin.cp.root);
  if (a_.format == "jsonl") {
    nlohmann::json header = {{"vigil_export", a_.table}, {"origin", pin.cp.origin},
                             {"size", pin.cp.size},      {"root", root},
                             {"checkpoint", pin.note},   {"verifier_key", pin.verifier_key},
                             {"rows", rows.size()}};
    nlohmann::json filters = nlohmann::json::object();
    for (const auto& [k, v] : {std::pair<const char*, const std::string&>{"from", a_.from},
                               {"to", a_.to},
                               {"participant", a_.participant},
                               {"province", a_.province},
                               {"commune", a_.commune}}) {
      if (!v.empty()) filters[k] = v;
    }
    header["filters"] = filters;
    out << header.dump() << "\n";
    for (const auto& r : rows) out << r.dump() << "\n";
    return std::nullopt;
  }
  out << "# vigil export " << a_.table << " at checkpoint " << pin.cp.origin << " size "
      << pin.cp.size << " root " << root << "\n";
  // Columns: those every reader looks for first, in this order, then the others by name, and
  // the long entry bytes last.
  static const std::vector<std::string> kFirst = {
      "seq",    "logged",   "type",      "participant",     "transfer_id",  "from",
      "to",     "business", "venue",     "inspector",       "kind",         "actor",
      "id",     "at",       "substance", "name_en",         "name_vi",      "quantity",
      "unit",   "display",  "amount",    "received_amount", "counterparty", "status",
      "message"};
  std::set<std::string> present;
  for (const auto& r : rows) {
    for (const auto& [k, v] : r.items()) present.insert(k);
  }
  present.erase("inclusion");
  std::vector<std::string> columns;
  for (const std::string& c : kFirst) {
    if (present.erase(c) != 0) columns.push_back(c);
  }
  const bool has_entry = present.erase("entry") != 0;
  for (const std::string& c : present) columns.push_back(c);
  if (has_entry) columns.push_back("entry");
  for (size_t i = 0; i < columns.size(); ++i) out << (i ? "," : "") << CsvCell(columns[i]);
  out << "\n";
  for (const auto& r : rows) {
    for (size_t i = 0; i < columns.size(); ++i) {
      out << (i ? "," : "") << (r.contains(columns[i]) ? CsvCell(r[columns[i]]) : "");
    }
    out << "\n";
  }
  return std::nullopt;
}

}  // namespace

void AddExport(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand(
      "export", "Export entries or derived tables as CSV or JSON lines, at a signed checkpoint");
  auto a = std::make_shared<Args>();
  cmd->add_option("TABLE", a->table, "entries, stock, transfers, inspections or alerts")
      ->required()
      ->check(CLI::IsMember({"entries", "stock", "transfers", "inspections", "alerts"}));
  cmd->add_option("--key,-k", a->key, "Secret key file that signs the requests")
      ->required()
      ->envname("VIGIL_KEY");
  cmd->add_option("--server,-s", a->server, "Server URL")
      ->envname("VIGIL_SERVER")
      ->capture_default_str();
  cmd->add_option("--format,-f", a->format, "csv or jsonl")
      ->check(CLI::IsMember({"csv", "jsonl"}))
      ->capture_default_str();
  cmd->add_option("--from", a->from, "Only what happened at or after this time (RFC 3339)");
  cmd->add_option("--to", a->to, "Only what happened before this time (RFC 3339)");
  cmd->add_option("--participant", a->participant,
                  "Only records by or naming this participant (a business: always itself)");
  cmd->add_option("--province", a->province, "Only participants of this province");
  cmd->add_option("--commune", a->commune, "Only participants of this commune or ward");
  cmd->add_option("--output,-o", a->output,
                  "Write here (and the signed checkpoint to OUTPUT.checkpoint) instead of stdout");
  cmd->add_option("--log-key", a->log_key,
                  "The log's verifier key from a trusted source (default: the server's)");
  AddWitnessOptions(cmd, &a->witness);
  cmd->footer(
      "The export is pinned to one signed checkpoint, verified with the log key. A CSV starts\n"
      "with the line '# vigil export TABLE at checkpoint ORIGIN size N root HASH'; JSON lines\n"
      "start with a header object holding the signed checkpoint note. Entries are checked\n"
      "against it before they are written (root recomputed, or each inclusion proof checked),\n"
      "and each carries its entry bytes and inclusion proof (docs/csv.md). Periods apply to\n"
      "the time things happened (\"at\"); --from/--to of alerts to when they were raised.\n"
      "--witness VKEY (repeatable) and --witness-quorum K refuse a checkpoint that fewer than\n"
      "K of those witnesses cosigned (default: all of them).\n"
      "Exit status: 0 written, 1 the server's data did not verify or was refused, 2 usage/I/O.\n\n"
      "Examples:\n"
      "  vigil export entries --key police.key --from 2026-11-01T00:00:00+07:00 \\\n"
      "    --to 2026-12-01T00:00:00+07:00 -o november.csv\n"
      "  vigil export entries --key clerk.key --participant cty-hoachat-an-phu --format jsonl\n"
      "  vigil export stock --key inspector.key --province \"Hà Nội\" -o stock.csv\n"
      "  vigil export alerts --key police.key --format jsonl --from 2026-11-01T00:00:00+07:00\n"
      "The key and server can come from VIGIL_KEY and VIGIL_SERVER.");
  cmd->callback([a, &exit_code] {
    auto fail = [&exit_code](const std::string& msg, int code) {
      std::cerr << "vigil export: " << msg << "\n";
      exit_code = code;
    };
    for (const std::string* t : {&a->from, &a->to}) {
      if (!t->empty() && !ParseTimestamp(*t).ok()) {
        return fail("\"" + *t + "\" is not an RFC 3339 time, e.g. 2026-11-01T00:00:00+07:00",
                    kExitUsage);
      }
    }
    Result<SecretKey> key = SecretKey::Load(a->key);
    if (!key.ok()) return fail(key.status().message(), kExitUsage);
    Result<std::unique_ptr<Client>> client = Client::Connect(a->server);
    if (!client.ok()) return fail(client.status().message(), kExitUsage);
    Result<WitnessPolicy> witnesses = ParseWitnessPolicy(a->witness);
    if (!witnesses.ok()) return fail(witnesses.status().message(), kExitUsage);
    Exporter ex(*a, **client, *key, *witnesses);
    std::string note;
    std::ofstream file;
    const std::string tmp = a->output + ".partial";
    if (!a->output.empty()) {
      file.open(tmp, std::ios::binary | std::ios::trunc);
      if (!file) return fail("cannot write " + tmp, kExitUsage);
    }
    std::optional<Failure> f = ex.Run(a->output.empty() ? std::cout : file, note);
    if (f.has_value()) {
      if (!a->output.empty()) std::remove(tmp.c_str());
      return fail(f->message, f->code);
    }
    if (!a->output.empty()) {
      file.close();
      std::ofstream side(a->output + ".checkpoint", std::ios::binary | std::ios::trunc);
      side << note;
      side.close();
      if (!file || !side || std::rename(tmp.c_str(), a->output.c_str()) != 0) {
        return fail("cannot write " + a->output, kExitUsage);
      }
      Result<Checkpoint> cp = ParseCheckpointBody(note.substr(0, note.find("\n\n") + 1));
      std::cerr << "wrote " << a->output << " and " << a->output << ".checkpoint (checkpoint size "
                << (cp.ok() ? std::to_string(cp->size) : "?") << ")\n";
    }
    exit_code = kExitOk;
  });
}

}  // namespace vigil::cli
