#include "ledger/verify.h"

#include <map>

#include "ledger/db.h"
#include "ledger/entry.h"
#include "ledger/log.h"
#include "ledger/merkle.h"
#include "ledger/payload.h"
#include "ledger/state.h"
#include "ledger/state_store.h"

namespace vigil {

namespace {

using db::Table;

// The tree rebuilt from the entries: every complete-subtree hash, per level.
class MemoryTree {
 public:
  Result<Hash> Read(int level, uint64_t index) const {
    if (static_cast<size_t>(level) >= levels_.size() || index >= levels_[static_cast<size_t>(level)].size()) {
      return Status(Code::kNotFound, "node not built");
    }
    return levels_[static_cast<size_t>(level)][index];
  }
  Status Add(uint64_t seq, const Hash& leaf) {
    Result<std::vector<merkle::Node>> nodes = merkle::NodesCompletedBy(
        seq, leaf, [this](int l, uint64_t i) { return Read(l, i); });
    if (!nodes.ok()) return nodes.status();
    for (const merkle::Node& n : *nodes) {
      if (levels_.size() <= static_cast<size_t>(n.level)) levels_.resize(static_cast<size_t>(n.level) + 1);
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
  Checker(const VerifyOptions& options, VerifyReport& report) : options_(options), report_(report) {}
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

}  // namespace

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
  const NoteVerifier verifier = options.log_key.has_value() ? *options.log_key : info->verifier();
  if (options.log_key.has_value() && !(options.log_key->key == info->public_key)) {
    check.Problem(std::nullopt, "the store records a different log key than the one given");
  }
  Result<uint64_t> total = txn->Count(Table::kEntries);
  if (!total.ok()) return total.status();

  // 1. Entries: position, canonical bytes, chain, signatures and rules (state replay).
  MemoryTree tree;
  MemoryStateStore state;
  uint64_t expected = 0;
  Hash prev{};
  int64_t last_ts = 0;
  Status scan = txn->Scan(Table::kEntries, "", [&](std::string_view key, std::string_view bytes) {
    const uint64_t seq = key.size() == 8 ? DecodeBigEndian64(key) : UINT64_MAX;
    if (seq != expected) {
      check.Problem(expected, "entry " + std::to_string(expected) +
                                  " is missing or out of place (found key " +
                                  (seq == UINT64_MAX ? std::string("malformed") : std::to_string(seq)) +
                                  ")");
      return false;  // positions after a gap cannot be trusted
    }
    ++expected;
    const Hash leaf = merkle::HashLeaf(bytes);
    if (Status s = tree.Add(seq, leaf); !s.ok()) {
      check.Problem(seq, "cannot rebuild the tree: " + s.message());
      return false;
    }
    // The leaf hash stored at append time is independent evidence of this entry's bytes: if it
    // differs, this entry was changed (its successor's prev link is then not to blame).
    if (Result<Hash> stored = ReadNode(*txn, 0, seq); stored.ok() && *stored != leaf) {
      prev = leaf;
      return check.Problem(seq, "entry " + std::to_string(seq) +
                                    " does not match the leaf hash stored when it was appended "
                                    "(the entry was changed)");
    }
    Result<Entry> e = DecodeEntry(bytes);
    if (!e.ok()) return check.Problem(seq, "entry " + std::to_string(seq) + ": " + e.status().message());
    bool go = true;
    if (e->seq != seq) go = check.Problem(seq, "entry " + std::to_string(seq) + " says it is entry " + std::to_string(e->seq));
    if (go && e->prev != prev) go = check.Problem(seq, "entry " + std::to_string(seq) + ": prev does not match the hash of entry " + std::to_string(seq - 1) + " (broken chain)");
    if (go && e->ts_ms < last_ts) go = check.Problem(seq, "entry " + std::to_string(seq) + ": time goes backwards (" + FormatTimestamp(e->ts_ms) + ")");
    prev = leaf;
    last_ts = std::max(last_ts, e->ts_ms);
    if (!go) return false;
    Result<Payload> p = ParsePayload(e->payload);
    if (!p.ok()) return check.Problem(seq, "entry " + std::to_string(seq) + ": " + p.status().message());
    Result<std::optional<PriorSubmission>> prior = FindPrior(state, p->actor, p->id);
    if (prior.ok() && prior->has_value()) {
      return check.Problem(seq, "entry " + std::to_string(seq) + " reuses payload id \"" + p->id + "\" of entry " + std::to_string((*prior)->seq));
    }
    Status applied = Apply(state, *e, *p);
    if (!applied.ok()) {
      return check.Problem(seq, "entry " + std::to_string(seq) + " fails replay: " + applied.ToString());
    }
    if (options.progress && (seq % 4096 == 0)) options.progress(seq, *total);
    return true;
  });
  if (!scan.ok()) return scan;
  report.size = expected;
  if (options.progress) options.progress(expected, *total);
  if (check.stop()) return report;

  // 2. Stored tree hashes equal the rebuilt ones, node for node.
  {
    size_t i = 0;
    const std::vector<merkle::Node>& made = tree.made();
    Status s = txn->Scan(Table::kHashes, "", [&](std::string_view key, std::string_view value) {
      if (i >= made.size()) return check.Problem(report.size, "the store holds tree hashes beyond the last entry: entry " + std::to_string(report.size) + " and any after it were removed");
      const merkle::Node& n = made[i++];
      if (key != EncodeBigEndian64(merkle::PostOrderPosition(n.level, n.index)) || value != AsView(n.hash)) {
        return check.Problem(n.index << n.level, "stored tree hash at level " + std::to_string(n.level) + " index " + std::to_string(n.index) + " does not match the entries (first entry it covers: " + std::to_string(n.index << n.level) + ")");
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
    Status s = txn->Scan(Table::kCheckpoints, "", [&](std::string_view key, std::string_view note) {
      const uint64_t size = DecodeBigEndian64(key);
      ++report.checkpoints;
      Result<Checkpoint> cp = OpenCheckpoint(note, verifier);
      if (!cp.ok()) return check.Problem(std::nullopt, "checkpoint at size " + std::to_string(size) + ": " + cp.status().message());
      if (cp->size != size) return check.Problem(std::nullopt, "checkpoint stored at size " + std::to_string(size) + " says size " + std::to_string(cp->size));
      if (size > report.size) return check.Problem(report.size, "checkpoint at size " + std::to_string(size) + " is beyond the " + std::to_string(report.size) + " entries present (entries were removed)");
      Result<Hash> root = merkle::RootAt(size, tree.reader());
      if (!root.ok() || *root != cp->root) {
        return check.Problem(size - 1, "checkpoint at size " + std::to_string(size) + ": its root does not match the entries (some entry before " + std::to_string(size) + " was changed)");
      }
      report.latest = *cp;
      return true;
    });
    if (!s.ok()) return s;
    if (!check.stop() && report.size > 0 && (!report.latest.has_value() || report.latest->size != report.size)) {
      check.Problem(report.size - 1, "no valid checkpoint covers the last entry " + std::to_string(report.size - 1));
    }
  }
  if (check.stop()) return report;

  // 3b. An earlier checkpoint must still be part of this log.
  if (options.saved_checkpoint.has_value()) {
    Result<Checkpoint> saved = OpenCheckpoint(*options.saved_checkpoint, verifier);
    if (!saved.ok()) {
      check.Problem(std::nullopt, "the saved checkpoint does not verify: " + saved.status().message());
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
    const auto& want = state.contents();
    auto it = want.begin();
    Status s = txn->Scan(Table::kState, "", [&](std::string_view key, std::string_view value) {
      ++report.state_records;
      if (it == want.end() || it->first > key) {
        return check.Problem(std::nullopt, "derived state has a record the replay does not make: " + std::string(key.substr(0, 80)));
      }
      if (it->first < key) {
        return check.Problem(std::nullopt, "derived state lacks a record the replay makes: " + it->first.substr(0, 80));
      }
      if (it->second != value) {
        check.Problem(std::nullopt, "derived state record differs from the replay: " + std::string(key.substr(0, 80)));
      }
      ++it;
      return !check.stop();
    });
    if (!s.ok()) return s;
    if (it != want.end() && !check.stop()) {
      check.Problem(std::nullopt, "derived state lacks a record the replay makes: " + it->first.substr(0, 80));
    }
  }
  return report;
}

}  // namespace vigil
