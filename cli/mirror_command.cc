// vigil mirror: a verifying mirror of a log, and its promotion to primary (docs/operator.md,
// "Mirror and promotion").
//
// `vigil mirror --from URL --data DIR --key READER.key` follows the log at URL through its
// public checkpoint and its entry bundles (signed requests by a full reader), checks what it
// downloads as the monitor does (cli/monitor.h: EntryReplay, consistency proofs, the root of
// the signed checkpoint) and stores it with Log::Replicate in the layout `vigil serve` reads,
// which then serves the mirror read-only. `vigil mirror promote` turns it into the primary.
#include <httplib.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "api/witness_client.h"
#include "cli/client.h"
#include "cli/commands.h"
#include "cli/monitor.h"
#include "cli/reply_shape.h"
#include "keys/file.h"
#include "ledger/admission.h"
#include "ledger/log/checkpoint.h"
#include "ledger/log/log.h"
#include "ledger/log/merkle.h"
#include "ledger/log/tile.h"
#include "ledger/mirror.h"
#include "ledger/verify.h"

namespace vigil::cli {

namespace {

constexpr uint64_t kWidth = TileRef::kWidth;

struct MirrorArgs {
  std::string from, data, key, log_key;
  bool trust_on_first_use = false;
  bool once = false;
  int interval = 60;
  uint64_t batch = 65536;
  int threads = 0;
};

// How one catch-up ended: exit status (0 caught up, 1 the upstream is refused, 2 try again)
// and a line saying what happened.
struct Outcome {
  int exit_code = 0;
  std::string summary;
};

// A mirror store open for replication, following one upstream.
class Mirror {
 public:
  Mirror(const MirrorArgs& args, const SecretKey& reader) : args_(args), reader_(reader) {}

  // Creates the store on the first run (pinning the log key), then opens it.
  Outcome Open() {
    Result<std::unique_ptr<Client>> client = Client::Connect(args_.from);
    if (!client.ok()) return {kExitUsage, client.status().message()};
    client_ = std::move(*client);
    if (!Log::CheckExists(args_.data).ok()) {
      Result<NoteVerifier> key = FirstKey();
      if (!key.ok()) return {kExitUsage, key.status().message()};
      // Nothing is created for an upstream whose checkpoint the key does not verify.
      Result<Response> res = client_->Get("/checkpoint");
      if (!res.ok()) return {kExitUsage, res.status().message()};
      if (!res->ok()) return {kExitUsage, "GET /checkpoint: " + res->ProblemText()};
      if (Result<Checkpoint> cp = OpenCheckpoint(res->body, *key); !cp.ok()) {
        return {kExitFailure,
                "refused: the upstream's checkpoint does not verify with the log "
                "key " +
                    VerifierKeyString(key->name, key->key) + ": " + cp.status().message() +
                    "; no mirror was created"};
      }
      if (Status s = Log::CreateMirror(args_.data, key->name, key->key, args_.from); !s.ok()) {
        return {kExitUsage, s.message()};
      }
      spdlog::info("created a mirror of {} in {}", key->name, args_.data);
    }
    Result<std::unique_ptr<Log>> log = Log::OpenMirror(args_.data, &admission_, true);
    if (!log.ok()) {
      return {kExitUsage,
              log.status().code() == Code::kNotFound && Log::CheckExists(args_.data).ok()
                  ? args_.data +
                        " holds a primary log, not a mirror: refusing to "
                        "write another log's entries into it"
                  : log.status().message()};
    }
    log_ = std::move(*log);
    if (!args_.log_key.empty()) {
      Result<NoteVerifier> given = ParseVerifierKey(args_.log_key);
      if (!given.ok()) return {kExitUsage, "--log-key: " + given.status().message()};
      if (!(given->key == log_->info().public_key) || given->name != log_->info().origin) {
        return {kExitUsage, "--log-key differs from the key the mirror in " + args_.data +
                                " pinned (" + log_->info().verifier_key + ")"};
      }
    }
    return {kExitOk, ""};
  }

  // Downloads, checks and stores everything new up to the upstream's checkpoint.
  Outcome CatchUp() {
    const LogInfo& info = log_->info();
    Result<Response> res = client_->Get("/checkpoint");
    if (!res.ok()) return {kExitUsage, res.status().message()};
    if (!res->ok()) return {kExitUsage, "GET /checkpoint: " + res->ProblemText()};
    const std::string note = res->body;
    Result<Checkpoint> cp = OpenCheckpoint(note, info.verifier());
    if (!cp.ok()) {
      return {kExitFailure, "refused: the upstream's checkpoint does not verify with the log key " +
                                info.verifier_key + ": " + cp.status().message() +
                                " (another log, or a forged checkpoint); nothing was changed"};
    }
    Result<std::vector<Hash>> nodes = log_->FrontierNodes();
    if (!nodes.ok()) return {kExitUsage, nodes.status().message()};
    const uint64_t have = log_->Size();
    Result<merkle::Frontier> frontier = merkle::Frontier::From(have, *nodes);
    if (!frontier.ok()) return {kExitUsage, frontier.status().message()};
    const Hash root = frontier->Root();
    if (cp->size < have) {
      return {kExitFailure, "refused: rollback: the upstream's checkpoint has " +
                                std::to_string(cp->size) + " entries, the mirror already holds " +
                                std::to_string(have) + " (the upstream was restored from an " +
                                "older copy, or hides entries); nothing was changed"};
    }
    if (cp->size == have) {
      if (cp->root != root) return Fork(have, cp->size, "a different root at the same size");
      Result<std::string> latest = log_->LatestCheckpoint();
      if (have > 0 && (!latest.ok() || *latest != note)) {
        // The same tree, a newer note (e.g. with more witness cosignatures): keep it verbatim.
        if (Status s = log_->Replicate({}, note); !s.ok()) return Failed(s);
      }
      return {kExitOk,
              "ok: nothing new; " + std::to_string(have) + " entries, root " + Base64(root)};
    }
    if (have > 0) {
      Status consistent = CheckConsistency(*client_, have, cp->size, root, cp->root);
      if (consistent.code() == Code::kIoError) return {kExitUsage, consistent.message()};
      if (!consistent.ok()) return Fork(have, cp->size, consistent.message());
    }
    if (!replay_.has_value()) {  // where the store stands (again after a failed catch-up)
      replay_.emplace(info.origin, args_.threads);
      Result<db::Txn> txn = log_->BeginRead();
      if (!txn.ok()) return {kExitUsage, txn.status().message()};
      if (Status s = RestoreReplay(*txn, *replay_); !s.ok()) {
        replay_.reset();
        return {kExitUsage, "the mirror's store: " + s.message()};
      }
    }
    Outcome out = Download(have, *cp, note, *frontier);
    if (out.exit_code != kExitOk) replay_.reset();
    return out;
  }

  const Log& log() const { return *log_; }

 private:
  // The log key of a new mirror: --log-key, or (explicitly) the one the upstream announces.
  Result<NoteVerifier> FirstKey() {
    std::string text = args_.log_key;
    if (text.empty()) {
      if (!args_.trust_on_first_use) {
        return Status(Code::kInvalidArgument,
                      "no mirror in " + args_.data +
                          " yet: give the log's verifier key with --log-key (from a trusted "
                          "channel), or --trust-on-first-use to pin the key the upstream "
                          "announces");
      }
      Result<Response> r = client_->Get("/v1/log");
      if (!r.ok()) return r.status();
      if (!r->ok()) return Status(Code::kIoError, "GET /v1/log: " + r->ProblemText());
      Result<nlohmann::json> j = ParseReply(*r, "GET /v1/log", LogInfoShape(), "the log's facts");
      if (!j.ok()) return j.status();
      text = (*j)["verifier_key"].get<std::string>();
    }
    Result<NoteVerifier> key = ParseVerifierKey(text);
    if (!key.ok()) return Status(Code::kInvalidArgument, "the log key: " + key.status().message());
    if (key->type != NoteKeyType::kEd25519) {
      return Status(Code::kInvalidArgument, "the log key must be a log's Ed25519 verifier key");
    }
    return key;
  }

  Outcome Fork(uint64_t have, uint64_t size, const std::string& why) {
    return {kExitFailure, "refused: fork: the upstream's log at size " + std::to_string(size) +
                              " does not extend the " + std::to_string(have) +
                              " entries the mirror verified (" + why +
                              "); nothing was changed. Someone rewrote history: keep this "
                              "mirror as evidence"};
  }

  Outcome Failed(const Status& s) {
    return {s.code() == Code::kCorruption ? kExitFailure : kExitUsage,
            (s.code() == Code::kCorruption ? "refused: " : "") + s.message() +
                "; nothing of this batch was stored"};
  }

  // Entries [have, cp.size): fetched by bundle, checked by the replay, stored in batches of
  // args_.batch entries. Each batch commits only once proven part of the signed checkpoint:
  // the last by its root, the others by a consistency proof to it.
  Outcome Download(uint64_t have, const Checkpoint& cp, const std::string& note,
                   merkle::Frontier& frontier) {
    EntryReplay& replay = *replay_;
    std::vector<VerifyProblem> problems;
    EntryReplay::Chunk chunk;
    auto flush = [&]() -> Outcome {
      replay.Prepare(chunk);
      const bool go = replay.Replay(chunk, false, problems, [&](uint64_t, const Hash& leaf) {
        frontier.Append(leaf);
        return Status::Ok();
      });
      if (!go || !problems.empty()) {
        return {kExitFailure, "refused: " + problems.front().what +
                                  " (served by the upstream); nothing of this batch was stored"};
      }
      const uint64_t end = replay.next_seq();
      std::optional<std::string> proven_by;
      if (end == cp.size) {
        if (frontier.Root() != cp.root) {
          return {kExitFailure, "refused: the upstream's entries " + std::to_string(have) + ".." +
                                    std::to_string(end - 1) +
                                    " do not give the root of its checkpoint at size " +
                                    std::to_string(end) + "; nothing of this batch was stored"};
        }
        proven_by = note;
      } else {
        Status s = CheckConsistency(*client_, end, cp.size, frontier.Root(), cp.root);
        if (s.code() == Code::kIoError) return {kExitUsage, s.message()};
        if (!s.ok()) {
          return {kExitFailure, "refused: the upstream's entries up to " + std::to_string(end - 1) +
                                    " are not part of its signed checkpoint at size " +
                                    std::to_string(cp.size) + ": " + s.message()};
        }
      }
      std::vector<Log::Replica> replicas;
      replicas.reserve(chunk.items.size());
      for (size_t i = 0; i < chunk.items.size(); ++i) {
        auto a = std::make_shared<RecordAttachment>();
        a->parsed = *chunk.prepared[i].payload;
        a->verified = chunk.prepared[i].verified;
        replicas.push_back({std::move(chunk.items[i].bytes), std::move(a)});
      }
      chunk = EntryReplay::Chunk();
      if (Status s = log_->Replicate(replicas, proven_by); !s.ok()) return Failed(s);
      spdlog::debug("stored entries up to {}", end - 1);
      return {kExitOk, ""};
    };
    for (uint64_t tile = have / kWidth; tile * kWidth < cp.size; ++tile) {
      const uint64_t width = std::min(kWidth, cp.size - tile * kWidth);
      Result<std::vector<std::string>> entries = FetchEntryBundle(*client_, tile, width, reader_);
      if (!entries.ok()) {
        const Status& st = entries.status();
        if (st.code() == Code::kPermissionDenied) {
          return {kExitUsage, st.message() +
                                  ". --key must be a registered authority or police key "
                                  "of the upstream log"};
        }
        return {st.code() == Code::kCorruption || st.code() == Code::kNotFound ? kExitFailure
                                                                               : kExitUsage,
                st.message()};
      }
      for (uint64_t i = 0; i < width; ++i) {
        const uint64_t seq = tile * kWidth + i;
        if (seq < have) continue;
        chunk.items.push_back({seq, std::move((*entries)[i]), std::nullopt});
        if (chunk.items.size() >= args_.batch) {
          if (Outcome o = flush(); o.exit_code != kExitOk) return o;
        }
      }
    }
    if (!chunk.items.empty()) {
      if (Outcome o = flush(); o.exit_code != kExitOk) return o;
    }
    return {kExitOk, "ok: " + std::to_string(cp.size - have) +
                         " new entries verified and stored (size " + std::to_string(have) + " -> " +
                         std::to_string(cp.size) + "), root " + Base64(cp.root)};
  }

  const MirrorArgs& args_;
  const SecretKey& reader_;
  std::unique_ptr<Client> client_;
  MirrorAdmission admission_;
  std::unique_ptr<Log> log_;
  std::optional<EntryReplay> replay_;  // continues the store's replay; reset after a failure
};

int RunMirror(const MirrorArgs& args) {
  Result<SecretKey> reader = SecretKey::Load(args.key);
  if (!reader.ok()) {
    std::cerr << "vigil mirror: --key: " << reader.status().message() << "\n";
    return kExitUsage;
  }
  Mirror mirror(args, *reader);
  if (Outcome o = mirror.Open(); o.exit_code != kExitOk) {
    std::cerr << "vigil mirror: " << o.summary << "\n";
    return o.exit_code;
  }
  for (;;) {
    Outcome o = mirror.CatchUp();
    if (o.exit_code == kExitOk) {
      std::cout << o.summary << std::endl;
    } else {
      std::cerr << "vigil mirror: " << o.summary << std::endl;
    }
    // A refused upstream stops the mirror: following it further would copy a forged history.
    if (args.once || o.exit_code == kExitFailure) return o.exit_code;
    std::this_thread::sleep_for(std::chrono::seconds(args.interval));
  }
}

// ---- promotion ----

struct PromoteArgs {
  std::string data, log_key_file;
  std::vector<std::string> witnesses;  // URL=VKEY
  bool no_witnesses = false;
};

int RunPromote(const PromoteArgs& args) {
  auto fail = [](int code, const std::string& what) {
    std::cerr << "vigil mirror promote: " << what << "\n";
    return code;
  };
  std::vector<std::pair<std::string, NoteVerifier>> witnesses;
  for (const std::string& w : args.witnesses) {
    const size_t eq = w.find('=');
    if (eq == std::string::npos) return fail(kExitUsage, "--witness must be URL=VKEY: " + w);
    Result<NoteVerifier> key = ParseVerifierKey(w.substr(eq + 1));
    if (!key.ok() || key->type != NoteKeyType::kCosignature) {
      return fail(kExitUsage,
                  "--witness " + w.substr(0, eq) + ": not a witness (cosignature) verifier key");
    }
    witnesses.emplace_back(w.substr(0, eq), *key);
  }
  // No `vigil mirror` (nor serve, demo, restore) may write while the mirror is promoted.
  Result<FileLock> lock = Log::LockWriter(args.data);
  if (!lock.ok()) return fail(kExitUsage, lock.status().message());
  if (Status s = Log::CheckExists(args.data); !s.ok()) return fail(kExitUsage, s.message());
  Result<SecretKey> key = SecretKey::Load(args.log_key_file);
  if (!key.ok()) return fail(kExitUsage, "--log-key-file: " + key.status().message());

  // The store must verify, entirely, up to a checkpoint covering its last entry.
  VerifyOptions options;
  Result<VerifyReport> report = VerifyStore(args.data, options);
  if (!report.ok()) return fail(kExitUsage, report.status().message());
  if (!report->ok()) {
    return fail(kExitFailure,
                "refused: the mirror's store does not verify: " + report->problems.front().what +
                    " (vigil verify --data lists it); nothing was changed");
  }
  if (!report->latest.has_value() || report->latest->size != report->size) {
    return fail(kExitFailure, "refused: no checkpoint covers the mirror's last entry");
  }
  std::string note;
  NoteVerifier log_key;
  std::optional<std::string> mirror_of;
  {
    db::EnvOptions env_options;
    env_options.read_only = true;
    Result<std::unique_ptr<db::Env>> env = db::Env::Open(args.data + "/store", env_options);
    if (!env.ok()) return fail(kExitUsage, env.status().message());
    Result<db::Txn> txn = (*env)->BeginRead();
    if (!txn.ok()) return fail(kExitUsage, txn.status().message());
    Result<LogInfo> info = Log::ReadInfo(*txn);
    if (!info.ok()) return fail(kExitUsage, info.status().message());
    log_key = info->verifier();
    Result<std::optional<std::string>> m = Log::MirrorOf(*txn);
    if (!m.ok()) return fail(kExitUsage, m.status().message());
    mirror_of = *m;
    Result<std::optional<std::pair<std::string, std::string>>> last =
        txn->Last(db::Table::kCheckpoints);
    if (!last.ok() || !last->has_value()) return fail(kExitUsage, "the mirror has no checkpoint");
    note = (*last)->second;
  }
  if (!mirror_of.has_value()) return fail(kExitUsage, args.data + " is not a mirror");
  if (!(key->public_key() == log_key.key)) {
    return fail(kExitUsage, "--log-key-file is not the key of " + log_key.name +
                                ": the mirror's checkpoints verify with another key");
  }
  const uint64_t size = report->size;

  // Every configured witness says how far it has cosigned; the mirror must hold that much.
  uint64_t largest = 0;
  std::string largest_by;
  std::vector<std::string> silent;
  for (const auto& [url, wkey] : witnesses) {
    Result<uint64_t> w = api::AskWitnessSize(url, wkey, note, std::chrono::seconds(10));
    if (!w.ok()) {
      silent.push_back(wkey.name + " (" + w.status().message() + ")");
      continue;
    }
    std::cout << "witness " << wkey.name << " has cosigned " << log_key.name << " up to size " << *w
              << "\n";
    if (*w >= largest) {
      largest = *w;
      largest_by = wkey.name;
    }
  }
  if (largest > size) {
    return fail(kExitFailure,
                "refused: witness " + largest_by + " has cosigned a checkpoint of size " +
                    std::to_string(largest) + ", but the mirror holds only " +
                    std::to_string(size) +
                    " entries: promoting it would fork the log. Catch the mirror up from any "
                    "copy that holds those entries; nothing was changed");
  }
  if (witnesses.empty() || !silent.empty()) {
    std::string why = witnesses.empty() ? "no witness was given (--witness URL=VKEY)"
                                        : "these witnesses did not answer: ";
    for (size_t i = 0; i < silent.size(); ++i) why += (i ? "; " : "") + silent[i];
    if (!args.no_witnesses) {
      return fail(kExitFailure,
                  "refused: " + why +
                      ". Without every witness's size the mirror may be behind a checkpoint "
                      "already published. Give --no-witnesses-i-accept-the-risk to promote "
                      "anyway; nothing was changed");
    }
    std::cerr << "vigil mirror promote: warning: " << why
              << "; promoting anyway (--no-witnesses-i-accept-the-risk)\n";
  }
  if (Status s = Log::Promote(args.data, *key, *lock); !s.ok()) {
    return fail(kExitUsage, s.message());
  }
  std::cout << "promoted: " << args.data << " is now the primary of " << log_key.name << " at "
            << size << " entries (was a mirror of " << *mirror_of
            << "); start it with: vigil serve --data " << args.data << "\n";
  return kExitOk;
}

}  // namespace

void AddMirror(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("mirror", "Keep a verified copy of a log (and promote it)");
  cmd->footer(
      "Every entry is checked as vigil verify does (signatures, hash chain, rules by replaying\n"
      "the state machine) and every batch is proven part of the upstream's signed checkpoint\n"
      "before it is stored. A checkpoint that does not extend what the mirror holds (a fork or\n"
      "rollback) is refused with exit 1 and nothing changed. Killed at any point, the next run\n"
      "continues. `vigil serve --data DIR` serves the mirror read-only.\n\n"
      "Examples:\n"
      "  vigil mirror --from https://vigil.example --data /var/lib/vigil-mirror \\\n"
      "      --key police.key --log-key \"$(cat verifier.key)\"\n"
      "  vigil mirror promote --data /var/lib/vigil-mirror --log-key-file log.key \\\n"
      "      --witness https://w1.example=w1.example+1234abcd+BA...");
  auto a = std::make_shared<MirrorArgs>();
  cmd->add_option("--from", a->from, "URL of the log to follow (http(s)://host:port)");
  cmd->add_option("--data,-d", a->data, "Data directory of the mirror (created on first run)");
  cmd->add_option("--key", a->key,
                  "A full reader's key file (authority or police of the upstream log): entry "
                  "bundles are not public");
  cmd->add_option("--log-key,--vkey", a->log_key,
                  "The log's verifier key from a trusted channel (pinned on the first run)");
  cmd->add_flag("--trust-on-first-use", a->trust_on_first_use,
                "First run only: pin the key the upstream announces");
  cmd->add_option("--interval", a->interval, "Seconds between polls")
      ->capture_default_str()
      ->check(CLI::Range(1, 86400));
  cmd->add_flag("--once", a->once, "Catch up once and exit");
  cmd->add_option("--batch", a->batch, "Entries per stored (durable) batch")
      ->capture_default_str()
      ->check(CLI::Range(uint64_t{1}, uint64_t{1'000'000}));
  cmd->add_option("--threads", a->threads, "Threads for signature checks (0: one per core)")
      ->capture_default_str()
      ->check(CLI::Range(0, 1024));

  auto* promote = cmd->add_subcommand(
      "promote", "Turn a mirror into the primary (install the log key); see docs/operator.md");
  promote->footer(
      "Refused when the mirror does not verify, when a witness has cosigned a larger tree than\n"
      "the mirror holds, or when a witness does not answer (or none is given) unless\n"
      "--no-witnesses-i-accept-the-risk. Stop `vigil mirror` and any `vigil serve` on DIR first.");
  auto p = std::make_shared<PromoteArgs>();
  promote->add_option("--data,-d", p->data, "Data directory of the mirror")->required();
  promote
      ->add_option("--log-key-file", p->log_key_file,
                   "The log's secret key file (keys/log.key of the old primary, from its "
                   "backup); must match the mirror's log key")
      ->required();
  promote->add_option("--witness", p->witnesses,
                      "URL=VKEY of a witness of this log (repeatable): its cosigned size is asked");
  promote->add_flag("--no-witnesses-i-accept-the-risk", p->no_witnesses,
                    "Promote although no witness (or not every one) says how far it cosigned");
  promote->callback([p, &exit_code] { exit_code = RunPromote(*p); });

  cmd->callback([a, cmd, promote, &exit_code] {
    if (promote->parsed()) return;
    if (a->from.empty() || a->data.empty() || a->key.empty()) {
      std::cerr << "vigil mirror: give --from URL, --data DIR and --key READER.key (or the "
                   "promote subcommand)\n"
                << cmd->help();
      exit_code = kExitUsage;
      return;
    }
    if (!a->log_key.empty() && a->trust_on_first_use) {
      std::cerr << "vigil mirror: give --log-key or --trust-on-first-use, not both\n";
      exit_code = kExitUsage;
      return;
    }
    exit_code = RunMirror(*a);
  });
}

}  // namespace vigil::cli
