#include "ledger/verify.h"

#include <algorithm>
#include <atomic>
#include <future>
#include <map>
#include <thread>

#include "keys/coding.h"
#include "ledger/log/db.h"
#include "ledger/log/entry.h"
#include "ledger/log/log.h"
#include "ledger/log/merkle.h"
#include "ledger/state/payload.h"
#include "ledger/state/state.h"
#include "ledger/state/state_keys.h"
#include "ledger/state/state_store.h"
#include "ledger/verify_personal.h"

namespace vigil {

namespace {

// A state key for a message: its first 80 bytes, bytes outside printable ASCII (the binary
// seqs and times of store format 2) as \xNN.
std::string Printable(std::string_view key) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (char c : key.substr(0, 80)) {
    const auto b = static_cast<unsigned char>(c);
    if (b >= 0x20 && b < 0x7f && b != '\\') {
      out.push_back(c);
    } else {
      out += "\\x";
      out.push_back(kHex[b >> 4]);
      out.push_back(kHex[b & 15]);
    }
  }
  return out;
}

using db::Table;

// The tree rebuilt from the entries: every complete-subtree hash, per level.
class MemoryTree {
 public:
  Result<Hash> Read(int level, uint64_t index) const {
    if (static_cast<size_t>(level) >= levels_.size() ||
        index >= levels_[static_cast<size_t>(level)].size()) {
      return Status(Code::kNotFound, "node not built");
    }
    return levels_[static_cast<size_t>(level)][index];
  }
  Status Add(uint64_t seq, const Hash& leaf) {
    Result<std::vector<merkle::Node>> nodes =
        merkle::NodesCompletedBy(seq, leaf, [this](int l, uint64_t i) { return Read(l, i); });
    if (!nodes.ok()) return nodes.status();
    for (const merkle::Node& n : *nodes) {
      if (levels_.size() <= static_cast<size_t>(n.level))
        levels_.resize(static_cast<size_t>(n.level) + 1);
      levels_[static_cast<size_t>(n.level)].push_back(n.hash);
      made_.push_back(n);
    }
    return Status::Ok();
  }
  merkle::NodeReader reader() const {
    return [this](int l, uint64_t i) { return Read(l, i); };
  }
  // Nodes in the order they were made (= post-order = storage order).
  const std::vector<merkle::Node>& made() const { return made_; }

 private:
  std::vector<std::vector<Hash>> levels_;
  std::vector<merkle::Node> made_;
};

class Checker {
 public:
  Checker(const VerifyOptions& options, VerifyReport& report)
      : options_(options), report_(report) {}
  // Records a problem; returns false when verification should stop.
  bool Problem(std::optional<uint64_t> seq, std::string what) {
    report_.problems.push_back({seq, std::move(what)});
    return options_.all_errors;
  }
  bool stop() const { return !report_.problems.empty() && !options_.all_errors; }

 private:
  const VerifyOptions& options_;
  VerifyReport& report_;
};

int DefaultThreads(int threads) {
  if (threads > 0) return threads;
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

}  // namespace

void ParallelFor(size_t n, int threads, const std::function<void(size_t)>& fn) {
  constexpr size_t kGrain = 16;
  if (threads <= 1 || n <= kGrain) {
    for (size_t i = 0; i < n; ++i) fn(i);
    return;
  }
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (;;) {
      const size_t begin = next.fetch_add(kGrain);
      if (begin >= n) return;
      const size_t end = std::min(n, begin + kGrain);
      for (size_t i = begin; i < end; ++i) fn(i);
    }
  };
  const size_t extra = std::min(static_cast<size_t>(threads - 1), (n + kGrain - 1) / kGrain - 1);
  std::vector<std::thread> pool;
  pool.reserve(extra);
  for (size_t t = 0; t < extra; ++t) pool.emplace_back(work);
  work();
  for (std::thread& t : pool) t.join();
}

EntryReplay::EntryReplay(std::string origin, int threads)
    : origin_(std::move(origin)), threads_(DefaultThreads(threads)) {}

void EntryReplay::Prepare(Chunk& chunk) {
  const size_t n = chunk.items.size();
  chunk.prepared.clear();
  chunk.prepared.resize(n);
  std::vector<std::vector<PublicKey>> declared(n);
  // Pass 1: hash, decode, parse; collect the keys this chunk declares.
  ParallelFor(n, threads_, [&](size_t i) {
    Prepared& p = chunk.prepared[i];
    const std::string& bytes = chunk.items[i].bytes;
    p.leaf = merkle::HashLeaf(bytes);
    p.entry = DecodeEntry(bytes);
    if (!p.entry->ok()) return;
    p.payload = ParsePayload((*p.entry)->payload);
    if (p.payload->ok()) declared[i] = DeclaredKeys(**p.payload);
  });
  for (std::vector<PublicKey>& keys : declared) {
    for (const PublicKey& k : keys) {
      std::vector<PublicKey>& same_id = declared_[k.Id()];
      if (std::find(same_id.begin(), same_id.end(), k) == same_id.end()) same_id.push_back(k);
    }
  }
  // Pass 2: Ed25519, against every key declared up to and including this chunk (a key is
  // declared before, or by the very entry, that first signs with it).
  ParallelFor(n, threads_, [&](size_t i) {
    Prepared& p = chunk.prepared[i];
    if (!p.entry.has_value() || !p.entry->ok()) return;
    const Entry& e = **p.entry;
    auto check = [&](const std::string& signer, const std::string& sig) {
      auto it = declared_.find(signer);
      if (it == declared_.end()) return;
      for (const PublicKey& k : it->second) {
        if (k.Verify(SignContext::kEntry, origin_, e.payload, sig)) {
          p.verified.pairs.emplace_back(k, sig);
          return;
        }
      }
    };
    check(e.signer, e.sig);
    for (const Cosignature& c : e.cosigners) check(c.signer, c.sig);
  });
}

bool EntryReplay::Replay(const Chunk& chunk, bool all_errors, std::vector<VerifyProblem>& problems,
                         const LeafFn& on_leaf) {
  auto problem = [&](uint64_t seq, std::string what) {
    problems.push_back({seq, std::move(what)});
    return all_errors;
  };
  for (size_t i = 0; i < chunk.items.size(); ++i) {
    const Item& item = chunk.items[i];
    const Prepared& pre = chunk.prepared[i];
    const uint64_t seq = item.seq;
    next_seq_ = seq + 1;
    const Hash& leaf = pre.leaf;
    if (on_leaf) {
      if (Status s = on_leaf(seq, leaf); !s.ok()) {
        problem(seq, "cannot rebuild the tree: " + s.message());
        return false;
      }
    }
    // The leaf hash stored at append time is independent evidence of this entry's bytes: if it
    // differs, this entry was changed (its successor's prev link is then not to blame).
    if (item.stored_leaf.has_value() && *item.stored_leaf != leaf) {
      prev_ = leaf;
      if (!problem(seq, "entry " + std::to_string(seq) +
                            " does not match the leaf hash stored when it was appended "
                            "(the entry was changed)")) {
        return false;
      }
      continue;
    }
    auto name = [seq] { return "entry " + std::to_string(seq); };  // for messages only
    if (!pre.entry->ok()) {
      if (!problem(seq, name() + ": " + pre.entry->status().message())) return false;
      continue;
    }
    const Entry& e = **pre.entry;
    bool go = true;
    if (e.seq != seq) go = problem(seq, name() + " says it is entry " + std::to_string(e.seq));
    if (go && e.prev != prev_)
      go = problem(seq, name() + ": prev does not match the hash of entry " +
                            std::to_string(seq - 1) + " (broken chain)");
    if (go && e.ts_ms < last_ts_)
      go = problem(seq, name() + ": time goes backwards (" + FormatTimestamp(e.ts_ms) + ")");
    prev_ = leaf;
    last_ts_ = std::max(last_ts_, e.ts_ms);
    if (!go) return false;
    if (!pre.payload->ok()) {
      if (!problem(seq, name() + ": " + pre.payload->status().message())) return false;
      continue;
    }
    const Payload& p = **pre.payload;
    Status applied = Apply(state_, origin_, e, p, &pre.verified);
    if (!applied.ok()) {
      if (!problem(seq, name() + " fails replay: " + applied.ToString())) return false;
      continue;
    }
  }
  return true;
}

Status EntryReplay::Restore(uint64_t next_seq, const Hash& prev, int64_t last_ts,
                            MemoryStateStore state) {
  next_seq_ = next_seq;
  prev_ = prev;
  last_ts_ = last_ts;
  state_ = std::move(state);
  std::vector<std::string> ids;
  Status s = state_.ScanPrefix(statekey::kKeyPrefix, [&](std::string_view key, std::string_view) {
    ids.emplace_back(*statekey::ParseKeyKey(key));
    return true;
  });
  if (!s.ok()) return s;
  for (const std::string& id : ids) {
    Result<std::optional<KeyRecord>> k = LoadKey(state_, id);
    if (!k.ok()) return k.status();
    if (k->has_value()) declared_[id].push_back((*k)->public_key);
  }
  return Status::Ok();
}

Result<VerifyReport> VerifyStore(const std::string& dir, const VerifyOptions& options) {
  db::EnvOptions env_options;
  env_options.read_only = true;
  Result<std::unique_ptr<db::Env>> env = db::Env::Open(dir + "/store", env_options);
  if (!env.ok()) return env.status();
  Result<db::Txn> txn = (*env)->BeginRead();
  if (!txn.ok()) return txn.status();

  VerifyReport report;
  Checker check(options, report);
  Result<LogInfo> info = Log::ReadInfo(*txn);
  if (!info.ok()) return info.status();
  std::optional<PersonalVault> vault;
  if (options.personal_keys.has_value()) {
    Result<PersonalVault> v =
        PersonalVault::Open(*options.personal_keys, PersonalVault::Mode::kRead);
    if (!v.ok()) return v.status();
    vault.emplace(std::move(*v));
  }
  const NoteVerifier verifier = options.log_key.has_value() ? *options.log_key : info->verifier();
  if (options.log_key.has_value() && !(options.log_key->key == info->public_key)) {
    check.Problem(std::nullopt, "the store records a different log key than the one given");
  }
  Result<uint64_t> total = txn->Count(Table::kEntries);
  if (!total.ok()) return total.status();

  // 1. Entries: position, canonical bytes, chain, signatures and rules (state replay).
  // The main thread reads chunks and prepares each on the worker threads while the replay
  // thread checks the previous one in order.
  MemoryTree tree;
  EntryReplay replay(verifier.name, options.threads);
  const size_t kChunk = std::max<size_t>(1, options.chunk_entries);
  std::future<bool> replaying;
  bool stopped = false;
  uint64_t expected = 0;
  std::optional<VerifyProblem> gap;  // an entry missing or out of place: reported in order
  auto on_leaf = [&tree](uint64_t seq, const Hash& leaf) { return tree.Add(seq, leaf); };
  auto step = [&](EntryReplay::Chunk chunk) {
    replay.Prepare(chunk);
    if (replaying.valid() && !replaying.get()) stopped = true;
    if (stopped) return;
    replaying = std::async(std::launch::async, [&, chunk = std::move(chunk)]() {
      bool go = replay.Replay(chunk, options.all_errors, report.problems, on_leaf);
      if (options.progress) options.progress(replay.next_seq(), *total);
      return go;
    });
  };
  EntryReplay::Chunk chunk;
  Status scan = txn->Scan(Table::kEntries, "", [&](std::string_view key, std::string_view bytes) {
    const uint64_t seq = key.size() == 8 ? DecodeBigEndian64(key) : UINT64_MAX;
    if (seq != expected) {
      gap = VerifyProblem{
          expected, "entry " + std::to_string(expected) +
                        " is missing or out of place (found key " +
                        (seq == UINT64_MAX ? std::string("malformed") : std::to_string(seq)) + ")"};
      return false;  // positions after a gap cannot be trusted
    }
    ++expected;
    EntryReplay::Item item{seq, std::string(bytes), std::nullopt};
    if (Result<Hash> stored = ReadNode(*txn, 0, seq); stored.ok()) item.stored_leaf = *stored;
    chunk.items.push_back(std::move(item));
    if (chunk.items.size() == kChunk) {
      step(std::move(chunk));
      chunk = EntryReplay::Chunk();
      if (stopped) return false;
    }
    return true;
  });
  if (!stopped && !chunk.items.empty()) step(std::move(chunk));
  if (replaying.valid() && !replaying.get()) stopped = true;
  if (!scan.ok()) return scan;
  if (!stopped && gap.has_value()) report.problems.push_back(*gap);
  report.size = stopped ? replay.next_seq() : expected;
  if (options.progress) options.progress(report.size, *total);
  if (check.stop()) return report;

  // 2. Stored tree hashes equal the rebuilt ones, node for node.
  {
    size_t i = 0;
    const std::vector<merkle::Node>& made = tree.made();
    Status s = txn->Scan(Table::kHashes, "", [&](std::string_view key, std::string_view value) {
      if (i >= made.size())
        return check.Problem(report.size,
                             "the store holds tree hashes beyond the last entry: entry " +
                                 std::to_string(report.size) + " and any after it were removed");
      const merkle::Node& n = made[i++];
      if (key != EncodeBigEndian64(merkle::PostOrderPosition(n.level, n.index)) ||
          value != AsView(n.hash)) {
        return check.Problem(n.index << n.level,
                             "stored tree hash at level " + std::to_string(n.level) + " index " +
                                 std::to_string(n.index) +
                                 " does not match the entries (first entry it covers: " +
                                 std::to_string(n.index << n.level) + ")");
      }
      return true;
    });
    if (!s.ok()) return s;
    if (i < made.size() && !check.stop()) {
      check.Problem(made[i].index << made[i].level, "tree hashes are missing from the store");
    }
  }
  if (check.stop()) return report;

  // 3. Every checkpoint: signature, origin, and root over the entries at its size.
  {
    // Signatures in parallel, then the checks in order.
    std::vector<std::pair<uint64_t, std::string>> notes;
    Status s = txn->Scan(Table::kCheckpoints, "", [&](std::string_view key, std::string_view note) {
      notes.emplace_back(DecodeBigEndian64(key), std::string(note));
      return true;
    });
    if (!s.ok()) return s;
    std::vector<std::optional<Result<Checkpoint>>> opened(notes.size());
    ParallelFor(notes.size(), replay.threads(),
                [&](size_t i) { opened[i] = OpenCheckpoint(notes[i].second, verifier); });
    for (size_t i = 0; i < notes.size(); ++i) {
      if (![&] {
            const uint64_t size = notes[i].first;
            ++report.checkpoints;
            const Result<Checkpoint>& cp = *opened[i];
            if (!cp.ok())
              return check.Problem(std::nullopt, "checkpoint at size " + std::to_string(size) +
                                                     ": " + cp.status().message());
            if (cp->size != size)
              return check.Problem(std::nullopt, "checkpoint stored at size " +
                                                     std::to_string(size) + " says size " +
                                                     std::to_string(cp->size));
            if (size > report.size)
              return check.Problem(report.size, "checkpoint at size " + std::to_string(size) +
                                                    " is beyond the " +
                                                    std::to_string(report.size) +
                                                    " entries present (entries were removed)");
            Result<Hash> root = merkle::RootAt(size, tree.reader());
            if (!root.ok() || *root != cp->root) {
              return check.Problem(size - 1,
                                   "checkpoint at size " + std::to_string(size) +
                                       ": its root does not match the entries (some entry before " +
                                       std::to_string(size) + " was changed)");
            }
            report.latest = *cp;
            return true;
          }())
        break;
    }
    if (!check.stop() && report.size > 0 &&
        (!report.latest.has_value() || report.latest->size != report.size)) {
      check.Problem(report.size - 1,
                    "no valid checkpoint covers the last entry " + std::to_string(report.size - 1));
    }
  }
  if (check.stop()) return report;

  // 3b. An earlier checkpoint must still be part of this log.
  if (options.saved_checkpoint.has_value()) {
    Result<Checkpoint> saved = OpenCheckpoint(*options.saved_checkpoint, verifier);
    if (!saved.ok()) {
      check.Problem(std::nullopt,
                    "the saved checkpoint does not verify: " + saved.status().message());
    } else if (saved->size > report.size) {
      check.Problem(report.size, "rollback: a checkpoint saved earlier has " +
                                     std::to_string(saved->size) + " entries, the store only " +
                                     std::to_string(report.size));
    } else if (saved->size > 0) {
      Result<Hash> root = merkle::RootAt(saved->size, tree.reader());
      if (!root.ok() || *root != saved->root) {
        check.Problem(saved->size - 1, "fork: at size " + std::to_string(saved->size) +
                                           " the entries do not give the root of the checkpoint "
                                           "saved earlier (history before it was rewritten)");
      }
    }
  }
  if (check.stop()) return report;

  // 4. Stored derived state equals the replay, record for record.
  {
    const auto& want = replay.state().contents();
    auto it = want.begin();
    Status s = txn->Scan(Table::kState, "", [&](std::string_view key, std::string_view value) {
      ++report.state_records;
      if (it == want.end() || it->first > key) {
        return check.Problem(
            std::nullopt, "derived state has a record the replay does not make: " + Printable(key));
      }
      if (it->first < key) {
        return check.Problem(
            std::nullopt, "derived state lacks a record the replay makes: " + Printable(it->first));
      }
      if (it->second != value) {
        check.Problem(std::nullopt,
                      "derived state record differs from the replay: " + Printable(key));
      }
      ++it;
      return !check.stop();
    });
    if (!s.ok()) return s;
    if (it != want.end() && !check.stop()) {
      check.Problem(std::nullopt,
                    "derived state lacks a record the replay makes: " + Printable(it->first));
    }
  }
  if (check.stop()) return report;

  // 5. Personal side data: shape, erasures, and with the key every record opened for its entry
  // (none for the entries a mirror replicated).
  Result<uint64_t> replicated = Log::ReplicatedUntil(*txn);
  if (!replicated.ok()) return replicated.status();
  Result<PersonalCheckCounts> personal = VerifyPersonalData(
      *txn, info->origin, report.size, replay.state(), vault.has_value() ? &*vault : nullptr,
      [&check](std::optional<uint64_t> seq, std::string what) {
        return check.Problem(seq, std::move(what));
      },
      *replicated);
  if (!personal.ok()) return personal.status();
  report.personal_sealed = personal->sealed;
  report.personal_erased = personal->erased;
  report.personal_opened = personal->opened;
  return report;
}

}  // namespace vigil
