// vigil demo: seeds a freshly initialised log with the demonstration scenario (demo_scenario.h),
// over HTTP like any client, or directly into the store (--offline) before it is served.
#include <chrono>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>

#include "cli/client.h"
#include "cli/commands.h"
#include "cli/demo_scenario.h"
#include "cli/reply_shape.h"
#include "ledger/ledger.h"
#include "ledger/log/db.h"
#include "ledger/log/entry.h"
#include "ledger/log/writer.h"
#include "ledger/state/payload.h"
#include "ledger/state/state_keys.h"

namespace vigil::cli {

namespace {

namespace fs = std::filesystem;

// Where the demo appends: the log's current size, its entry 0, one step at a time, and the
// alerts by kind once it is done.
class Sink {
 public:
  virtual ~Sink() = default;
  virtual Result<uint64_t> Size() = 0;
  // The log's origin, which every signature is bound to.
  virtual Result<std::string> Origin() = 0;
  virtual Result<std::string> GenesisEntry() = 0;
  // The seq the submission was given; a rejection's Status says why.
  virtual Result<uint64_t> Append(const Submission& sub) = 0;
  virtual Result<std::map<std::string, int>> AlertsByKind() = 0;
};

// Straight into the store, through the group-commit writer, as the server would.
class OfflineSink : public Sink {
 public:
  explicit OfflineSink(std::unique_ptr<Ledger> ledger)
      : ledger_(std::move(ledger)), log_(ledger_->log()), writer_(log_) {}
  Result<uint64_t> Size() override { return log_.Size(); }
  Result<std::string> Origin() override { return log_.info().origin; }
  Result<std::string> GenesisEntry() override { return log_.EntryAt(0); }
  Result<uint64_t> Append(const Submission& sub) override {
    Result<Appended> a = writer_.Submit(sub);
    if (!a.ok()) return a.status();
    return a->receipt.seq;
  }
  Result<std::map<std::string, int>> AlertsByKind() override {
    std::map<std::string, int> out;
    Result<db::Txn> txn = log_.BeginRead();
    if (!txn.ok()) return txn.status();
    const std::string_view prefix = statekey::kAlertPrefix;
    Status s = txn->Scan(db::Table::kState, prefix, [&](std::string_view k, std::string_view v) {
      if (!k.starts_with(prefix)) return false;
      nlohmann::json a = nlohmann::json::parse(v, nullptr, false);
      ++out[a.is_object() ? a.value("kind", "?") : "?"];
      return true;
    });
    if (!s.ok()) return s;
    return out;
  }

 private:
  std::unique_ptr<Ledger> ledger_;
  Log& log_;  // ledger_->log()
  Writer writer_;
};

// Over HTTP: POST /v1/entries, and signed reads as the authority.
class HttpSink : public Sink {
 public:
  HttpSink(std::unique_ptr<Client> client, const SecretKey& authority)
      : client_(std::move(client)), authority_(authority) {}
  Result<std::string> Origin() override { return client_->Origin(); }
  Result<uint64_t> Size() override {
    Result<nlohmann::json> j = GetJson("/v1/log", false, LogInfoShape(), "the log's facts");
    if (!j.ok()) return j.status();
    return (*j)["size"].get<uint64_t>();
  }
  Result<std::string> GenesisEntry() override {
    Result<nlohmann::json> j = GetJson("/v1/entries/0", true, EntryShape(), "an entry");
    if (!j.ok()) return j.status();
    return (*j)["entry"].get<std::string>();
  }
  Result<uint64_t> Append(const Submission& sub) override {
    Result<Response> r = client_->Post("/v1/entries", SubmissionBody(sub).dump());
    if (!r.ok()) return r.status();
    if (r->status != 201) {
      return Status(
          r->status == 200 ? Code::kConflict : Code::kRuleViolation,
          r->status == 200 ? "already in the log (the demo ran before)" : r->ProblemText());
    }
    Result<nlohmann::json> receipt =
        ParseReply(*r, "POST /v1/entries", ReceiptShape(), "a receipt");
    if (!receipt.ok()) return receipt.status();
    return (*receipt)["seq"].get<uint64_t>();
  }
  Result<std::map<std::string, int>> AlertsByKind() override {
    std::map<std::string, int> out;
    std::string after;
    for (;;) {
      std::string target = "/v1/alerts?limit=500";
      if (!after.empty()) target += "&after=" + after;
      Result<nlohmann::json> page = GetJson(target, true, AlertPageShape(), "a page of alerts");
      if (!page.ok()) return page.status();
      for (const auto& a : (*page)["items"]) ++out[a["kind"].get<std::string>()];
      if (!(*page)["next"].is_string() || (*page)["next"].get<std::string>() == after) break;
      after = (*page)["next"].get<std::string>();
    }
    return out;
  }

 private:
  Result<nlohmann::json> GetJson(const std::string& target, bool sign, const JsonShape& shape,
                                 const std::string& what) {
    Result<Response> r = client_->Get(target, sign ? &authority_ : nullptr);
    if (!r.ok()) return r.status();
    if (!r->ok()) return Status(Code::kUnavailable, "GET " + target + ": " + r->ProblemText());
    return ParseReply(*r, "GET " + target, shape, what);
  }

  std::unique_ptr<Client> client_;
  const SecretKey& authority_;
};

// The participant id of the log's first authority, checked against `authority`'s key.
Result<std::string> GenesisAuthority(Sink& sink, const SecretKey& authority) {
  Result<std::string> bytes = sink.GenesisEntry();
  if (!bytes.ok()) return bytes.status();
  Result<Entry> e = DecodeEntry(*bytes);
  if (!e.ok()) return e.status();
  Result<Payload> p = ParsePayload(e->payload);
  if (!p.ok()) return p.status();
  if (e->signer != authority.Id()) {
    return Status(Code::kFailedPrecondition,
                  "entry 0 of this log was not signed by keys/authority.key (is the server serving "
                  "this data directory?)");
  }
  return p->actor;
}

// Writes every participant key into `dir` (created, mode 0700): <name>.key (0600) and <name>.pub.
Status SaveKeys(const Scenario& s, const std::string& dir) {
  std::error_code ec;
  if (!fs::create_directory(dir, ec)) {
    return Status(Code::kIoError, "cannot create " + dir + (ec ? ": " + ec.message() : ""));
  }
  fs::permissions(dir, fs::perms::owner_all, ec);
  for (const auto& [name, key] : s.keys) {
    if (name == s.authority_id) continue;  // already in <data>/keys/authority.key
    VIGIL_RETURN_IF_ERROR(key.Save(dir + "/" + name + ".key"));
    VIGIL_RETURN_IF_ERROR(SavePublicKey(key.public_key(), dir + "/" + name + ".pub"));
  }
  return Status::Ok();
}

void PrintSummary(const Scenario& s, const std::string& data, uint64_t first, uint64_t size,
                  const Result<std::map<std::string, int>>& alerts) {
  std::cout << "demo: " << s.steps.size() << " records appended as entries " << first << ".."
            << size - 1 << " (log size " << size << ")\n";
  if (alerts.ok()) {
    int total = 0;
    for (const auto& [kind, n] : *alerts) total += n;
    std::cout << "alerts: " << total << "\n";
    for (const auto& [kind, n] : *alerts) {
      std::cout << "  " << kind << std::string(kind.size() < 18 ? 18 - kind.size() : 1, ' ') << n
                << "\n";
    }
  } else {
    std::cout << "alerts: cannot list them (" << alerts.status().message() << "); expected kinds:";
    for (const std::string& k : s.alert_kinds) std::cout << " " << k;
    std::cout << "\n";
  }
  std::cout << "keys to sign and read with (secret, mode 0600):\n"
            << "  authority  " << data << "/keys/authority.key  (participant \"" << s.authority_id
            << "\")\n";
  for (const DemoParticipant& p : s.participants) {
    std::cout << "  " << p.role << std::string(p.role.size() < 10 ? 10 - p.role.size() : 1, ' ')
              << " " << data << "/demo-keys/" << p.id << ".key  " << p.what << "\n";
  }
  for (const auto& [name, key] : s.keys) {
    if (name.size() > 4 && name.substr(name.size() - 4) == ".old") {
      std::cout << "  revoked    " << data << "/demo-keys/" << name
                << ".key  (rotated out; the log refuses it)\n";
    }
  }
}

}  // namespace

void AddDemo(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("demo", "Seed a fresh log with a realistic Hà Nội scenario");
  cmd->footer(
      "Registers police, inspectors, chemical traders, a paint factory, a karaoke, a dance hall\n"
      "and a bar, then submits about 90 days of their records: purchases, an import, sales,\n"
      "transfers, use, a witnessed disposal, a theft, stocktakes, venue and stock inspections,\n"
      "a correction, a police note, personal data and its erasure. Every kind of alert fires.\n"
      "Their keys are written to DIR/demo-keys/. Runs once per log: start from `vigil init`.\n\n"
      "Examples:\n"
      "  vigil init --data var/demo --origin vigil.demo.example/log && \\\n"
      "    vigil demo --data var/demo --offline && vigil serve --data var/demo\n"
      "  vigil demo --data var/demo --server http://127.0.0.1:8080   (while it is served)");
  struct Args {
    std::string data, server = "http://127.0.0.1:8080";
    bool offline = false;
  };
  auto a = std::make_shared<Args>();
  cmd->add_option("--data,-d", a->data, "Data directory of the log (holds keys/authority.key)")
      ->required();
  auto* server = cmd->add_option("--server,-s", a->server, "URL of the server serving that log")
                     ->capture_default_str();
  cmd->add_flag("--offline", a->offline,
                "Append directly to the store instead of over HTTP (the log must not be served)")
      ->excludes(server);
  cmd->callback([a, &exit_code] {
    auto fail = [&exit_code](const std::string& msg, int code = kExitUsage) {
      std::cerr << "vigil demo: " << msg << "\n";
      exit_code = code;
    };
    const std::string key_dir = a->data + "/demo-keys";
    std::error_code ec;
    if (fs::exists(key_dir, ec)) {
      return fail(key_dir +
                  " exists: the demo already ran on this log, and a second run would "
                  "collide on participant and record ids. Use a fresh directory (vigil init).");
    }
    Result<SecretKey> authority = SecretKey::Load(a->data + "/keys/authority.key");
    if (!authority.ok()) return fail(authority.status().message());

    std::unique_ptr<Sink> sink;
    if (a->offline) {
      Result<std::unique_ptr<Ledger>> ledger = Ledger::Open(a->data);
      if (!ledger.ok()) return fail(ledger.status().message());
      sink = std::make_unique<OfflineSink>(std::move(*ledger));
    } else {
      Result<std::unique_ptr<Client>> client = Client::Connect(a->server);
      if (!client.ok()) return fail(client.status().message());
      sink = std::make_unique<HttpSink>(std::move(*client), *authority);
    }
    Result<uint64_t> size = sink->Size();
    if (!size.ok()) return fail(size.status().message());
    if (*size != 1) {
      return fail("the demo seeds a freshly initialised log, but this one has " +
                  std::to_string(*size) + " entries. Use a fresh directory (vigil init).");
    }
    Result<std::string> authority_id = GenesisAuthority(*sink, *authority);
    if (!authority_id.ok()) return fail(authority_id.status().message());

    // The HTTP sink signs its reads with this key; the scenario gets its own copy.
    Result<SecretKey> signer = SecretKey::Load(a->data + "/keys/authority.key");
    if (!signer.ok()) return fail(signer.status().message());
    const Scenario s = BuildScenario(NowMs(), *authority_id, std::move(*signer));
    if (Status saved = SaveKeys(s, key_dir); !saved.ok()) return fail(saved.message());

    Result<std::string> origin = sink->Origin();
    if (!origin.ok()) return fail(origin.status().message());
    std::vector<std::optional<uint64_t>> seqs(s.steps.size());
    for (size_t i = 0; i < s.steps.size(); ++i) {
      Result<Submission> sub = SignStep(s, *origin, i, seqs);
      Result<uint64_t> seq = sub.ok() ? sink->Append(*sub) : Result<uint64_t>(sub.status());
      if (!seq.ok()) {
        const Status refused = seq.status();
        std::string why = refused.message();
        for (const Violation& v : refused.details()) why += "\n    - " + v.code + ": " + v.message;
        return fail("record " + std::to_string(i + 1) + " of " + std::to_string(s.steps.size()) +
                        " (" + s.steps[i].payload.value("type", "") + " " +
                        s.steps[i].payload.value("id", "") + ") was refused: " + why +
                        "\nThe log now holds part of the demo; start again from a fresh directory.",
                    kExitFailure);
      }
      seqs[i] = *seq;
    }
    Result<uint64_t> final_size = sink->Size();
    PrintSummary(s, a->data, *seqs.front(), final_size.ok() ? *final_size : *seqs.back() + 1,
                 sink->AlertsByKind());
    exit_code = kExitOk;
  });
}

}  // namespace vigil::cli
