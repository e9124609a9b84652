#include "cli/monitor.h"

#include <unistd.h>

#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/client.h"
#include "cli/reply_shape.h"
#include "cli/witness_policy.h"
#include "keys/coding.h"
#include "keys/file.h"
#include "ledger/log/checkpoint.h"
#include "ledger/log/entry.h"
#include "ledger/log/merkle.h"
#include "ledger/log/tile.h"
#include "ledger/state/state_store.h"

namespace vigil::cli {

namespace {

// v3: the replayed state has the layout of store format 3 (docs/formats.md §15).
constexpr char kStateFormat[] = "vigil-monitor-state/v3";
constexpr std::string_view kStateFormatFamily = "vigil-monitor-state/";
constexpr uint64_t kWidth = TileRef::kWidth;

// The state file: one line of JSON, then (entries mode) the replayed state as records of
// 4-byte big-endian key length, key, 4-byte big-endian value length, value.
struct SavedState {
  NoteVerifier log_key;
  std::string log_key_text;
  std::string mode;
  std::string checkpoint_note;
  Checkpoint checkpoint;
  merkle::Frontier frontier;
  uint64_t next_seq = 0;
  Hash prev{};
  int64_t last_ts = 0;
  MemoryStateStore replay;
};

void PutU32(std::string& out, size_t n) { PutBigEndian32(out, static_cast<uint32_t>(n)); }

Result<uint32_t> GetU32(std::string_view& in) {
  if (in.size() < 4) return Status(Code::kCorruption, "truncated");
  const uint32_t n = DecodeBigEndian32(in.substr(0, 4));
  in.remove_prefix(4);
  return n;
}

Result<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status(Code::kNotFound, "cannot open " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Result<SavedState> LoadState(const std::string& path, const std::string& text) {
  auto bad = [&](const std::string& why) {
    return Status(Code::kCorruption, "state file " + path + " is damaged (" + why +
                                         "); restore it from a copy, or move it away to start "
                                         "over (the next run then trusts the log afresh)");
  };
  const size_t nl = text.find('\n');
  if (nl == std::string::npos) return bad("no header line");
  nlohmann::json j = nlohmann::json::parse(text.substr(0, nl), nullptr, false);
  const std::string format = j.is_object() ? j.value("format", "") : "";
  if (format.starts_with(kStateFormatFamily) && format != kStateFormat) {
    return Status(Code::kFailedPrecondition,
                  "state file " + path + " is " + format.substr(0, 40) +
                      ", written by an older vigil "
                      "whose replayed state has another layout; this vigil reads " +
                      kStateFormat +
                      ". Move the file away to start over (the next run trusts the log afresh; "
                      "pin it with --vkey)");
  }
  if (!j.is_object() || j.value("format", "") != kStateFormat)
    return bad("not a " + std::string(kStateFormat) + " file");
  SavedState s;
  try {
    s.log_key_text = j.at("verifier_key").get<std::string>();
    Result<NoteVerifier> key = ParseVerifierKey(s.log_key_text);
    if (!key.ok()) return bad("verifier_key: " + key.status().message());
    s.log_key = *key;
    s.mode = j.at("mode").get<std::string>();
    if (s.mode != "entries" && s.mode != "tree") return bad("unknown mode " + s.mode);
    s.checkpoint_note = j.at("checkpoint").get<std::string>();
    Result<Checkpoint> cp = OpenCheckpoint(s.checkpoint_note, s.log_key);
    if (!cp.ok()) return bad("its checkpoint does not verify: " + cp.status().message());
    s.checkpoint = *cp;
    std::vector<Hash> nodes;
    for (const auto& h : j.at("frontier")) {
      Result<Hash> hash = HashFromBase64(h.get<std::string>());
      if (!hash.ok()) return bad("frontier hash");
      nodes.push_back(*hash);
    }
    Result<merkle::Frontier> f = merkle::Frontier::From(s.checkpoint.size, nodes);
    if (!f.ok()) return bad(f.status().message());
    if (f->Root() != s.checkpoint.root)
      return bad("its frontier does not give its checkpoint's root");
    s.frontier = *f;
    if (s.mode == "entries") {
      const nlohmann::json& e = j.at("entries");
      s.next_seq = e.at("next_seq").get<uint64_t>();
      Result<Hash> prev = HashFromBase64(e.at("prev").get<std::string>());
      if (!prev.ok()) return bad("entries.prev");
      s.prev = *prev;
      s.last_ts = e.at("last_ts_ms").get<int64_t>();
      if (s.next_seq != s.checkpoint.size)
        return bad("entries.next_seq differs from the checkpoint size");
      const uint64_t length = j.at("replay_bytes").get<uint64_t>();
      std::string_view rest = std::string_view(text).substr(nl + 1);
      if (rest.size() != length) return bad("the replayed state is truncated");
      if (Base64(Sha256(rest)) != j.at("replay_sha256").get<std::string>()) {
        return bad("the replayed state does not match its SHA-256");
      }
      while (!rest.empty()) {
        Result<uint32_t> kl = GetU32(rest);
        if (!kl.ok() || rest.size() < *kl) return bad("replayed state record");
        std::string_view record_key = rest.substr(0, *kl);
        rest.remove_prefix(*kl);
        Result<uint32_t> vl = GetU32(rest);
        if (!vl.ok() || rest.size() < *vl) return bad("replayed state record");
        if (Status st = s.replay.Put(record_key, rest.substr(0, *vl)); !st.ok()) return st;
        rest.remove_prefix(*vl);
      }
    } else if (text.size() != nl + 1) {
      return bad("data after the header of a tree-only state");
    }
  } catch (const nlohmann::json::exception& e) {
    return bad(std::string("a field is missing or of the wrong type: ") + e.what());
  }
  return s;
}

std::string EncodeState(const std::string& log_key_text, const std::string& mode,
                        const std::string& server, const std::string& checkpoint_note,
                        const merkle::Frontier& frontier, const EntryReplay* replay) {
  std::string blob;
  nlohmann::json j = {{"format", kStateFormat},
                      {"server", server},
                      {"verifier_key", log_key_text},
                      {"mode", mode},
                      {"checkpoint", checkpoint_note},
                      {"frontier", nlohmann::json::array()},
                      {"checked_at", FormatTimestamp(NowMs())}};
  for (const Hash& h : frontier.nodes()) j["frontier"].push_back(Base64(h));
  if (replay != nullptr) {
    for (const auto& [k, v] : replay->state().contents()) {
      PutU32(blob, k.size());
      blob += k;
      PutU32(blob, v.size());
      blob += v;
    }
    j["entries"] = {{"next_seq", replay->next_seq()},
                    {"prev", Base64(replay->prev())},
                    {"last_ts_ms", replay->last_ts()}};
    j["replay_bytes"] = blob.size();
    j["replay_sha256"] = Base64(Sha256(blob));
  }
  return j.dump() + "\n" + blob;
}

// Splits an entry bundle (2-byte big-endian length ‖ entry, `width` times).
Result<std::vector<std::string>> SplitBundle(std::string_view data, uint64_t width) {
  std::vector<std::string> out;
  while (!data.empty()) {
    if (data.size() < 2) return Status(Code::kCorruption, "ends inside a length prefix");
    const size_t n = DecodeBigEndian16(data.substr(0, 2));
    data.remove_prefix(2);
    if (data.size() < n) return Status(Code::kCorruption, "ends inside an entry");
    out.emplace_back(data.substr(0, n));
    data.remove_prefix(n);
  }
  if (out.size() != width) {
    return Status(Code::kCorruption,
                  "holds " + std::to_string(out.size()) + " entries, not " + std::to_string(width));
  }
  return out;
}

std::string TileTarget(int level, uint64_t index, uint64_t width) {
  TileRef t;
  t.level = level;
  t.index = index;
  t.width = static_cast<uint32_t>(width);
  return "/tile/" + TilePath(t);
}

class Run {
 public:
  explicit Run(const MonitorOptions& o) : o_(o) {}

  MonitorReport Go() {
    Execute();
    return std::move(r_);
  }

 private:
  // Ends the run with `code` and a summary line.
  void End(int code, std::string summary) {
    r_.exit_code = code;
    r_.summary = std::move(summary);
  }
  void Fail(std::optional<uint64_t> seq, std::string what) {
    r_.problems.push_back({seq, what});
    End(1, std::move(what));
  }

  Result<Response> Get(const std::string& target, const SecretKey* signer = nullptr) {
    ++r_.requests;
    return client_->Get(target, signer);
  }

  void Execute() {
    // One run at a time per state file (cron can overlap a slow run).
    const std::string lock_path = o_.state_file + ".lock";
    Result<FileLock> lock = FileLock::TryAcquire(lock_path);
    if (lock.status().code() == Code::kFailedPrecondition) {
      return End(2, "another monitor run holds " + lock_path + "; try again when it ends");
    }
    if (!lock.ok()) return End(2, lock.status().message());
    ExecuteLocked();
  }

  void ExecuteLocked() {
    std::optional<SavedState> saved;
    if (Result<std::string> text = ReadWholeFile(o_.state_file); text.ok()) {
      Result<SavedState> s = LoadState(o_.state_file, *text);
      if (!s.ok()) return End(2, s.status().message());
      saved = std::move(*s);
    } else if (::access(o_.state_file.c_str(), F_OK) == 0) {
      return End(2, "cannot read the state file " + o_.state_file);
    }
    r_.first_run = !saved.has_value();

    Result<std::unique_ptr<Client>> client = Client::Connect(o_.server);
    if (!client.ok()) return End(2, client.status().message());
    client_ = std::move(*client);

    // The log key: pinned in the state, or given, or (explicitly) trusted on first use.
    NoteVerifier key;
    std::string key_text;
    if (saved.has_value()) {
      key = saved->log_key;
      key_text = saved->log_key_text;
      if (o_.log_key.has_value() && !(o_.log_key->key == key.key && o_.log_key->name == key.name)) {
        return End(2, "--vkey differs from the log key pinned in " + o_.state_file +
                          ". If the log's key really changed, confirm the new key out of band "
                          "and start a new state file");
      }
    } else if (o_.log_key.has_value()) {
      key = *o_.log_key;
      key_text = VerifierKeyString(key.name, key.key);
    } else if (o_.trust_on_first_use) {
      Result<Response> info = Get("/v1/log");
      if (!info.ok()) return End(2, info.status().message());
      if (!info->ok()) return End(2, "GET /v1/log: " + info->ProblemText());
      Result<nlohmann::json> j =
          ParseReply(*info, "GET /v1/log", LogInfoShape(), "the log's facts");
      if (!j.ok()) return End(2, j.status().message());
      key_text = (*j)["verifier_key"].get<std::string>();
      Result<NoteVerifier> k = ParseVerifierKey(key_text);
      if (!k.ok()) return End(2, "the server's verifier key: " + k.status().message());
      key = *k;
    } else {
      return End(2, "no state file yet at " + o_.state_file +
                        ": give the log's verifier key with --vkey (from a trusted channel), or "
                        "--trust-on-first-use to pin the key the server announces");
    }

    // Mode: entries (needs a full reader's key) or tree only; fixed by the first run.
    r_.mode = saved.has_value() ? saved->mode : (o_.tree_only ? "tree" : "entries");
    if (r_.mode == "entries" && o_.reader == nullptr) {
      return End(2, saved.has_value()
                        ? "the state file " + o_.state_file +
                              " verifies every entry: give --reader-key (an authority or police "
                              "key) to download the entry bundles"
                        : "give --reader-key FILE (an authority or police key; entry "
                          "bundles are not public) to verify every entry, or --tree-only to "
                          "check only checkpoints and the tree");
    }
    if (r_.mode == "tree" && !o_.tree_only && o_.reader != nullptr && saved.has_value()) {
      return End(2,
                 "the state file " + o_.state_file +
                     " was started with --tree-only; entries "
                     "cannot be checked from the middle. Start a new state file to verify entries");
    }

    // The server's checkpoint, under the pinned key.
    Result<Response> res = Get("/checkpoint");
    if (!res.ok()) return End(2, res.status().message());
    if (!res->ok()) return End(2, "GET /checkpoint: " + res->ProblemText());
    const std::string note = res->body;
    Result<Checkpoint> cp = OpenCheckpoint(note, key);
    if (!cp.ok()) {
      return Fail(std::nullopt, "the server's checkpoint does not verify with the log key " +
                                    key_text + ": " + cp.status().message() +
                                    " (another log, or a forged checkpoint)");
    }
    Result<std::string> cosigned = CheckWitnessPolicy(note, key, o_.witnesses);
    if (!cosigned.ok()) {
      return Fail(std::nullopt,
                  "the server's checkpoint does not meet the witness policy: " +
                      cosigned.status().message() +
                      " (the witnesses did not cosign it: unreachable, or they refused it); "
                      "it is not believed");
    }
    r_.cosigned = *cosigned;
    r_.new_size = cp->size;
    merkle::Frontier frontier;
    EntryReplay replay(key.name, o_.threads);
    if (saved.has_value()) {
      r_.old_size = saved->checkpoint.size;
      frontier = saved->frontier;
      if (cp->size < saved->checkpoint.size) {
        return Fail(cp->size, "rollback: the log has " + std::to_string(cp->size) +
                                  " entries, but a checkpoint saved earlier had " +
                                  std::to_string(saved->checkpoint.size) +
                                  " (the server was restored from an older copy, or is hiding "
                                  "entries)");
      }
      if (cp->size == saved->checkpoint.size) {
        if (cp->root != saved->checkpoint.root) {
          return Fail(cp->size == 0 ? std::nullopt : std::optional<uint64_t>(cp->size - 1),
                      "fork: at size " + std::to_string(cp->size) +
                          " the server's checkpoint has root " + Base64(cp->root) +
                          ", the one saved earlier " + Base64(saved->checkpoint.root) +
                          " (history was rewritten)");
        }
        r_.root = cp->root;
        return End(0, "ok: nothing new; " + std::to_string(cp->size) + " entries, root " +
                          Base64(cp->root));
      }
      if (saved->checkpoint.size > 0) {
        // The server's own proof that the new tree extends the saved one.
        ++r_.requests;
        Status consistent = CheckConsistency(*client_, saved->checkpoint.size, cp->size,
                                             saved->checkpoint.root, cp->root);
        if (consistent.code() == Code::kIoError) return End(2, consistent.message());
        if (!consistent.ok()) {
          return Fail(saved->checkpoint.size - 1,
                      "fork: the log at size " + std::to_string(cp->size) +
                          " does not extend the checkpoint saved at size " +
                          std::to_string(saved->checkpoint.size) + ": " + consistent.message());
        }
      }
      if (r_.mode == "entries") {
        if (Status s = replay.Restore(saved->next_seq, saved->prev, saved->last_ts,
                                      std::move(saved->replay));
            !s.ok()) {
          return End(2, "state file " + o_.state_file + ": " + s.message());
        }
      }
    }

    // Download and check what is new, appending each leaf to the frontier.
    const uint64_t from = frontier.size();
    const uint64_t to = cp->size;
    if (r_.mode == "entries") {
      if (!CheckEntries(from, to, frontier, replay)) return;
    } else {
      if (!CheckLeaves(from, to, frontier)) return;
    }
    if (frontier.Root() != cp->root) {
      return Fail(to - 1, std::string("the ") + (r_.mode == "entries" ? "entries" : "hash tiles") +
                              " " + std::to_string(from) + ".." + std::to_string(to - 1) +
                              " served by the server do not give the root of its checkpoint at "
                              "size " +
                              std::to_string(to));
    }
    r_.root = cp->root;
    Status w = WriteFileAtomic(o_.state_file,
                               EncodeState(key_text, r_.mode, o_.server, note, frontier,
                                           r_.mode == "entries" ? &replay : nullptr),
                               0600);
    if (!w.ok()) return End(2, w.message() + " (the log verified; the state was not saved)");
    r_.state_saved = true;
    End(0, "ok: " + std::to_string(to - from) + " new " +
               (r_.mode == "entries" ? "entries" : "leaves") + " verified (size " +
               std::to_string(from) + " -> " + std::to_string(to) + "), root " + Base64(cp->root));
  }

  bool CheckEntries(uint64_t from, uint64_t to, merkle::Frontier& frontier, EntryReplay& replay) {
    auto on_leaf = [&frontier](uint64_t, const Hash& leaf) {
      frontier.Append(leaf);
      return Status::Ok();
    };
    EntryReplay::Chunk chunk;
    auto flush = [&]() {
      replay.Prepare(chunk);
      const bool go = replay.Replay(chunk, false, r_.problems, on_leaf);
      chunk = EntryReplay::Chunk();
      if (o_.progress) o_.progress(replay.next_seq() - from, to - from);
      if (!go || !r_.problems.empty()) {
        End(1, r_.problems.front().what);
        return false;
      }
      return true;
    };
    for (uint64_t tile = from / kWidth; tile * kWidth < to; ++tile) {
      const uint64_t width = std::min(kWidth, to - tile * kWidth);
      ++r_.requests;
      Result<std::vector<std::string>> entries =
          FetchEntryBundle(*client_, tile, width, *o_.reader);
      if (!entries.ok()) {
        const Status& st = entries.status();
        if (st.code() == Code::kCorruption) {
          Fail(tile * kWidth, st.message());
        } else if (st.code() == Code::kPermissionDenied) {
          End(2, st.message() + ". --reader-key must be a registered authority or police key");
        } else {
          End(st.code() == Code::kNotFound ? 1 : 2, st.message());
        }
        return false;
      }
      for (uint64_t i = 0; i < width; ++i) {
        const uint64_t seq = tile * kWidth + i;
        if (seq < from) continue;
        chunk.items.push_back({seq, std::move((*entries)[i]), std::nullopt});
        ++r_.checked;
      }
      if (chunk.items.size() >= 4096 && !flush()) return false;
    }
    return chunk.items.empty() || flush();
  }

  bool CheckLeaves(uint64_t from, uint64_t to, merkle::Frontier& frontier) {
    for (uint64_t tile = from / kWidth; tile * kWidth < to; ++tile) {
      const uint64_t width = std::min(kWidth, to - tile * kWidth);
      const std::string target = TileTarget(0, tile, width);
      Result<Response> res = Get(target);
      if (!res.ok()) {
        End(2, res.status().message());
        return false;
      }
      if (!res->ok()) {
        End(res->status == 404 ? 1 : 2, "GET " + target + ": " + res->ProblemText());
        return false;
      }
      if (res->body.size() != width * 32) {
        Fail(tile * kWidth, "hash tile " + target + " has " + std::to_string(res->body.size()) +
                                " bytes, not " + std::to_string(width * 32));
        return false;
      }
      for (uint64_t i = 0; i < width; ++i) {
        const uint64_t seq = tile * kWidth + i;
        if (seq < from) continue;
        Hash leaf;
        std::memcpy(leaf.data(), res->body.data() + i * 32, 32);
        frontier.Append(leaf);
        ++r_.checked;
      }
      if (o_.progress) o_.progress(std::min(to, (tile + 1) * kWidth) - from, to - from);
    }
    return true;
  }

  const MonitorOptions& o_;
  MonitorReport r_;
  std::unique_ptr<Client> client_;
};

}  // namespace

MonitorReport RunMonitor(const MonitorOptions& options) { return Run(options).Go(); }

Result<std::vector<std::string>> FetchEntryBundle(Client& client, uint64_t tile, uint64_t width,
                                                  const SecretKey& reader) {
  const std::string target = TileTarget(TileRef::kEntries, tile, width);
  Result<Response> res = client.Get(target, &reader);
  if (!res.ok()) return res.status();
  if (res->status == 401 || res->status == 403) {
    return Status(Code::kPermissionDenied, "GET " + target + " refused: " + res->ProblemText());
  }
  if (res->status == 404) {
    return Status(Code::kNotFound, "GET " + target + ": " + res->ProblemText() +
                                       " (the checkpoint claims entries the server does not "
                                       "serve)");
  }
  if (!res->ok()) return Status(Code::kIoError, "GET " + target + ": " + res->ProblemText());
  Result<std::vector<std::string>> entries = SplitBundle(res->body, width);
  if (!entries.ok()) {
    return Status(Code::kCorruption, "entry bundle " + target + " " + entries.status().message());
  }
  return entries;
}

Status CheckConsistency(Client& client, uint64_t from, uint64_t to, const Hash& old_root,
                        const Hash& new_root) {
  const std::string target =
      "/v1/proof/consistency?from=" + std::to_string(from) + "&to=" + std::to_string(to);
  Result<Response> pr = client.Get(target);
  if (!pr.ok()) return pr.status();
  if (pr->status >= 500) return Status(Code::kIoError, "GET " + target + ": " + pr->ProblemText());
  // A 2xx that is not JSON of a proof's shape says nothing about the tree (a proxy's page, a
  // cut connection): try again. A refusal, or hashes that are not hashes, is the server
  // declining to prove consistency: a fork.
  std::vector<Hash> proof;
  bool parsed = false;
  if (pr->ok()) {
    Result<nlohmann::json> j =
        ParseReply(*pr, "GET " + target, ProofShape(), "a consistency proof");
    if (!j.ok()) return Status(Code::kIoError, j.status().message());
    parsed = true;
    for (const auto& h : (*j)["proof"]) {
      Result<Hash> hash = HashFromBase64(h.get<std::string>());
      if (!hash.ok()) {
        parsed = false;
        break;
      }
      proof.push_back(*hash);
    }
  }
  if (!parsed) {
    return Status(Code::kCorruption,
                  "the server gave no consistency proof (" + pr->ProblemText() + ")");
  }
  Status consistent = merkle::VerifyConsistency(from, to, old_root, new_root, proof);
  if (!consistent.ok()) return Status(Code::kCorruption, consistent.message());
  return Status::Ok();
}

}  // namespace vigil::cli
