#include "api/witnessing.h"

#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "api/request_head.h"
#include "keys/file.h"
#include "ledger/log/checkpoint.h"
#include "ledger/log/merkle.h"

namespace vigil::api {

namespace {

// The largest cosigned-checkpoint file read back (a checkpoint with a few dozen signatures).
constexpr size_t kMaxCosignedFile = 64 * 1024;

Result<Checkpoint> BodyOf(const std::string& note) {
  return ParseCheckpointBody(note.substr(0, note.find("\n\n") + 1));
}

// A Prometheus label value: backslash, quote and newline escaped.
std::string LabelValue(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

}  // namespace

struct Witnessing::Peer {
  WitnessSpec spec;
  std::unique_ptr<WitnessClient> client;
  // The round thread's own (one round at a time, one thread per peer within it):
  std::optional<uint64_t> known_size;  // the witness's size as last learnt
  std::string line_note;               // the note `line` cosigns
  std::string line;                    // the witness's verified cosignature line
  std::chrono::steady_clock::time_point next_try{};
  // For metrics, from any thread:
  std::atomic<uint64_t> cosigned_size{0};
  std::atomic<uint64_t> failures{0};
};

Result<WitnessSpec> ParseWitnessFlag(const std::string& flag) {
  const size_t eq = flag.find('=');
  if (eq == std::string::npos) {
    return Status(Code::kInvalidArgument,
                  "--witness must be URL=VKEY (the witness's URL and its verifier key), not " +
                      EscapeForLog(flag));
  }
  WitnessSpec spec;
  spec.url = flag.substr(0, eq);
  Result<NoteVerifier> key = ParseVerifierKey(flag.substr(eq + 1));
  if (!key.ok()) {
    return Status(Code::kInvalidArgument, "--witness " + EscapeForLog(spec.url) +
                                              ": bad verifier key: " + key.status().message());
  }
  if (key->type != NoteKeyType::kCosignature) {
    return Status(Code::kInvalidArgument,
                  "--witness " + EscapeForLog(spec.url) +
                      ": the key is not a witness's cosignature key (type 0x04; vigil witness "
                      "init prints one)");
  }
  spec.key = *key;
  return spec;
}

Witnessing::Witnessing(Log& log, WitnessingOptions options)
    : log_(log), options_(std::move(options)) {}

Result<std::unique_ptr<Witnessing>> Witnessing::Make(Log& log, WitnessingOptions options) {
  if (options.witnesses.empty()) {
    return Status(Code::kInvalidArgument, "no witnesses given");
  }
  const size_t n = options.witnesses.size();
  const size_t quorum = options.quorum == 0 ? n : options.quorum;
  if (quorum > n) {
    return Status(Code::kInvalidArgument, "--witness-quorum " + std::to_string(quorum) +
                                              " is more than the " + std::to_string(n) +
                                              " witnesses given");
  }
  std::set<std::string> names;
  std::unique_ptr<Witnessing> w(new Witnessing(log, std::move(options)));
  w->quorum_ = quorum;
  for (const WitnessSpec& spec : w->options_.witnesses) {
    if (spec.key.type != NoteKeyType::kCosignature) {
      return Status(Code::kInvalidArgument, "witness " + spec.key.name + " has no cosignature key");
    }
    if (spec.key.name == log.info().origin) {
      return Status(Code::kInvalidArgument, "a witness may not be named like the log");
    }
    if (!names.insert(spec.key.name).second) {
      return Status(Code::kInvalidArgument, "two witnesses are named " + spec.key.name);
    }
    Result<std::unique_ptr<WitnessClient>> client =
        WitnessClient::Make(spec.url, spec.key, w->options_.timeout);
    if (!client.ok()) return client.status();
    auto peer = std::make_unique<Peer>();
    peer->spec = spec;
    peer->client = std::move(*client);
    w->peers_.push_back(std::move(peer));
  }
  return w;
}

Witnessing::~Witnessing() { Stop(); }

Status Witnessing::LoadCosignedFile() {
  std::error_code ec;
  if (!std::filesystem::exists(options_.cosigned_file, ec)) return Status::Ok();
  std::ifstream in(options_.cosigned_file, std::ios::binary);
  if (!in) return Status(Code::kIoError, "cannot read " + options_.cosigned_file);
  std::string note(kMaxCosignedFile + 1, '\0');
  in.read(note.data(), static_cast<std::streamsize>(note.size()));
  note.resize(static_cast<size_t>(in.gcount()));
  WitnessPolicy policy;
  for (const auto& p : peers_) policy.witnesses.push_back(p->spec.key);
  policy.quorum = quorum_;
  Result<WitnessedCheckpoint> cp = OpenWitnessedCheckpoint(note, log_.info().verifier(), policy);
  if (!cp.ok()) {
    // Not an error to start with: another witness set or quorum. It is simply not served.
    spdlog::warn("{} does not meet the witness policy now ({}): not serving it",
                 options_.cosigned_file, cp.status().message());
    return Status::Ok();
  }
  const uint64_t c = cp->checkpoint.size;
  Result<std::string> latest = log_.LatestCheckpoint();
  const uint64_t m = log_.Size();
  if (!latest.ok()) return latest.status();
  Result<Checkpoint> ours = BodyOf(*latest);
  if (!ours.ok()) return ours.status();
  std::string why;
  if (c > m) {
    why = "the cosigned checkpoint in " + options_.cosigned_file + " has size " +
          std::to_string(c) + " but the store holds " + std::to_string(m) +
          " entries: the store is behind a checkpoint already published (restored from an old "
          "backup?); signing on would fork the log (docs/operator.md, witnesses)";
  } else if (c == ours->size ? cp->checkpoint.root != ours->root : false) {
    why = "the cosigned checkpoint in " + options_.cosigned_file +
          " has another root than the store at the same size: the store is not the log the "
          "witnesses cosigned";
  } else if (c > 0 && c < ours->size) {
    Result<std::vector<Hash>> proof = log_.ConsistencyProof(c, ours->size);
    if (!proof.ok() ||
        !merkle::VerifyConsistency(c, ours->size, cp->checkpoint.root, ours->root, *proof).ok()) {
      why = "the store is not consistent with the cosigned checkpoint in " +
            options_.cosigned_file + " (size " + std::to_string(c) +
            "): the store is not the log the witnesses cosigned";
    }
  }
  if (!why.empty()) {
    spdlog::error("{}", why);
    log_.HoldSigning(why);
    return Status::Ok();
  }
  std::lock_guard<std::mutex> lock(mu_);
  cosigned_ = Cosigned{note, c};
  return Status::Ok();
}

Status Witnessing::Start() {
  VIGIL_RETURN_IF_ERROR(LoadCosignedFile());
  Round(/*first=*/true);
  thread_ = std::thread([this] { Loop(); });
  return Status::Ok();
}

void Witnessing::Stop() {
  {
    std::lock_guard<std::mutex> lock(stop_mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Witnessing::Loop() {
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(stop_mu_);
      if (stop_cv_.wait_for(lock, options_.poll, [this] { return stopping_; })) return;
    }
    Round(/*first=*/false);
  }
}

void Witnessing::Round(bool first) {
  if (log_.SigningHeld().has_value() && !first) return;  // nothing new will be signed
  Result<std::string> latest = log_.LatestCheckpoint();
  if (!latest.ok()) return;
  Result<Checkpoint> cp = BodyOf(*latest);
  if (!cp.ok()) return;
  const auto now = std::chrono::steady_clock::now();
  std::vector<Peer*> ask;
  for (const auto& p : peers_) {
    if (p->line_note == *latest) continue;      // already cosigned this one
    if (!first && p->next_try > now) continue;  // failed recently: wait out the retry time
    ask.push_back(p.get());
  }
  if (ask.empty()) return;
  std::vector<std::thread> threads;
  for (Peer* p : ask) {
    threads.emplace_back([this, p, &latest, &cp, first] { Ask(*p, *latest, cp->size, first); });
  }
  for (std::thread& t : threads) t.join();

  std::string lines;
  size_t count = 0;
  for (const auto& p : peers_) {
    if (p->line_note != *latest) continue;
    lines += p->line;
    ++count;
  }
  if (count < quorum_) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (cosigned_.has_value() &&
        (cosigned_->size > cp->size || cosigned_->note == *latest + lines)) {
      return;
    }
  }
  const std::string note = *latest + lines;
  if (Status s = WriteFileAtomic(options_.cosigned_file, note, 0644); !s.ok()) {
    // Served anyway: the file only spares a restart its first round.
    spdlog::error("cannot keep the cosigned checkpoint: {}", s.message());
  }
  std::lock_guard<std::mutex> lock(mu_);
  cosigned_ = Cosigned{note, cp->size};
}

void Witnessing::Ask(Peer& peer, const std::string& note, uint64_t size, bool first) {
  const std::string& name = peer.spec.key.name;
  auto fail = [&](const std::string& why) {
    peer.failures++;
    peer.next_try = std::chrono::steady_clock::now() + options_.retry;
    spdlog::warn("witness {}: {}", name, why);
  };
  // At most two requests: one from the size we know, one more from the size a 409 tells.
  for (int attempt = 0; attempt < 2; ++attempt) {
    const uint64_t old = peer.known_size.value_or(0);
    if (old > size) {
      return fail("it holds size " + std::to_string(old) + ", above the log's " +
                  std::to_string(size) + ": not believed");
    }
    witness::AddCheckpointRequest req{old, {}, note};
    if (old != 0 && old != size) {
      Result<std::vector<Hash>> proof = log_.ConsistencyProof(old, size);
      if (!proof.ok()) return fail("no consistency proof from " + std::to_string(old));
      req.proof = std::move(*proof);
    }
    Result<WitnessReply> reply = peer.client->AddCheckpoint(req);
    if (!reply.ok()) return fail(reply.status().message());
    switch (reply->kind) {
      case WitnessReply::Kind::kCosigned:
        peer.known_size = size;
        peer.line_note = note;
        peer.line = reply->cosignature;
        peer.cosigned_size = size;
        peer.next_try = {};
        return;
      case WitnessReply::Kind::kConflict:
        if (reply->size > size) {
          const std::string why =
              "witness " + name + " has cosigned size " + std::to_string(reply->size) +
              " but the store holds " + std::to_string(size) +
              ": the store is behind what a witness saw (restored from an old backup, or "
              "another copy of the log signed more); signing on would fork the log";
          spdlog::error("{}", why);
          peer.failures++;
          peer.next_try = std::chrono::steady_clock::now() + options_.retry;
          // At start this holds the log; later it is an error a witness could also invent,
          // counted and logged but never believed.
          if (first) log_.HoldSigning(why);
          return;
        }
        peer.cosigned_size = reply->size;
        if (attempt == 0 && reply->size != old) {
          peer.known_size = reply->size;
          continue;  // resend from the witness's size
        }
        return fail("refused the checkpoint of size " + std::to_string(size) + " from old " +
                    std::to_string(old) + " (409, it holds " + std::to_string(reply->size) +
                    "): a fork?");
      case WitnessReply::Kind::kRefused:
        return fail("answered " + std::to_string(reply->status) + ": " + reply->detail);
    }
  }
}

Result<std::string> Witnessing::ServedCheckpoint() {
  std::optional<Cosigned> cosigned = NewestCosigned();
  if (options_.fail_open) {
    Result<std::string> latest = log_.LatestCheckpoint();
    if (!latest.ok()) return latest.status();
    if (!cosigned.has_value()) return latest;
    Result<Checkpoint> cp = BodyOf(*latest);
    if (cp.ok() && cp->size > cosigned->size) return latest;
  }
  if (!cosigned.has_value()) {
    return Status(Code::kUnavailable,
                  "no checkpoint has been cosigned by " + std::to_string(quorum_) + " of the " +
                      std::to_string(peers_.size()) + " witnesses yet (the log fails closed)");
  }
  return cosigned->note;
}

std::optional<Witnessing::Cosigned> Witnessing::NewestCosigned() const {
  std::lock_guard<std::mutex> lock(mu_);
  return cosigned_;
}

std::string Witnessing::MetricsText() const {
  std::string sizes, failures;
  for (const auto& p : peers_) {
    const std::string label = "{witness=\"" + LabelValue(p->spec.key.name) + "\"} ";
    sizes += "vigil_witness_cosigned_size" + label + std::to_string(p->cosigned_size.load()) + "\n";
    failures += "vigil_witness_failures_total" + label + std::to_string(p->failures.load()) + "\n";
  }
  const std::optional<Cosigned> c = NewestCosigned();
  return "# HELP vigil_witness_cosigned_size Largest tree size this witness has cosigned for the "
         "log since start.\n# TYPE vigil_witness_cosigned_size gauge\n" +
         sizes +
         "# HELP vigil_witness_failures_total Failed add-checkpoint requests to this witness "
         "(unreachable, refused, or a size above the log's).\n"
         "# TYPE vigil_witness_failures_total counter\n" +
         failures +
         "# HELP vigil_checkpoint_cosigned_size Size of the newest checkpoint cosigned by the "
         "quorum (what /checkpoint serves, fail-closed).\n"
         "# TYPE vigil_checkpoint_cosigned_size gauge\nvigil_checkpoint_cosigned_size " +
         std::to_string(c.has_value() ? c->size : 0) + "\n";
}

}  // namespace vigil::api
