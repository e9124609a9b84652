// The log core alone (ledger/log/, linked without the state machine): opaque entries appended
// through a scripted Admission, so that no rule change can break what is tested here: group
// commit, refusals that write nothing, resends, batch-fatal errors that roll back derived
// writes, receipts, proofs, tiles and reopening.
#include <stdlib.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "ledger/log/admission.h"
#include "ledger/log/log.h"
#include "ledger/log/merkle.h"
#include "ledger/log/receipt.h"
#include "ledger/log/writer.h"

namespace vigil {
namespace {

// Admits every payload except these scripted ones:
//   "refuse"        refused (kRuleViolation)
//   "broken-store"  a batch-fatal error (kIoError)
//   "resend:<seq>"  a resend of entry <seq>
// and, like a real admission, writes one derived record per admitted entry into kState.
class ScriptedAdmission : public Admission {
 public:
  void Prepare(const db::Txn&, Submission&) const override { ++prepared; }
  Result<std::optional<uint64_t>> Admit(db::Txn& txn, const Submission& sub,
                                        const Entry& entry) override {
    if (sub.payload == "refuse") return Status(Code::kRuleViolation, "scripted refusal");
    if (sub.payload == "broken-store") return Status(Code::kIoError, "scripted store failure");
    if (sub.payload.rfind("resend:", 0) == 0) {
      return std::optional<uint64_t>(std::stoull(sub.payload.substr(7)));
    }
    VIGIL_RETURN_IF_ERROR(
        txn.Put(db::Table::kState, "derived/" + std::to_string(entry.seq), sub.payload));
    return std::optional<uint64_t>();
  }
  mutable std::atomic<int> prepared{0};
};

class ScratchDir {
 public:
  ScratchDir() {
    std::string t = (std::filesystem::temp_directory_path() / "vigil_log_core_XXXXXX").string();
    REQUIRE(::mkdtemp(t.data()) != nullptr);
    path_ = t;
  }
  ~ScratchDir() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

Submission Opaque(std::string payload) {
  Submission s;
  s.signer = "opaque-signer";
  s.payload = std::move(payload);
  s.sig = std::string(64, 'x');
  return s;
}

struct CoreLog {
  ScratchDir dir;
  ScriptedAdmission admission;
  std::unique_ptr<Log> log;
  CoreLog() {
    REQUIRE(Log::Create(dir.path(), "core.test.example/log").ok());
    Reopen();
  }
  void Reopen() {
    log.reset();
    Result<std::unique_ptr<Log>> opened = Log::Open(dir.path(), &admission);
    INFO(opened.status().ToString());
    REQUIRE(opened.ok());
    log = std::move(*opened);
  }
  std::optional<std::string> Derived(uint64_t seq) {
    Result<db::Txn> txn = log->BeginRead();
    REQUIRE(txn.ok());
    Result<std::optional<std::string>> v =
        txn->Get(db::Table::kState, "derived/" + std::to_string(seq));
    REQUIRE(v.ok());
    return *v;
  }
};

Hash RootOf(const std::string& checkpoint, const LogInfo& info, uint64_t* size = nullptr) {
  Result<Checkpoint> cp = OpenCheckpoint(checkpoint, info.verifier());
  INFO(cp.status().ToString());
  REQUIRE(cp.ok());
  if (size != nullptr) *size = cp->size;
  return cp->root;
}

TEST_CASE("log core: concurrent opaque appends get contiguous, durable, verifiable receipts",
          "[logcore]") {
  CoreLog c;
  constexpr int kThreads = 8, kEach = 40;
  std::vector<std::vector<Result<Appended>>> results(kThreads);
  {
    Writer writer(*c.log);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kEach; ++i) {
          results[static_cast<size_t>(t)].push_back(
              writer.Submit(Opaque("t" + std::to_string(t) + "-" + std::to_string(i))));
        }
      });
    }
    for (std::thread& th : threads) th.join();
  }
  std::set<uint64_t> seqs;
  for (const auto& per : results) {
    for (const Result<Appended>& r : per) {
      INFO(r.status().ToString());
      REQUIRE(r.ok());
      CHECK_FALSE(r->duplicate);
      seqs.insert(r->receipt.seq);
      Result<Checkpoint> cp = VerifyReceipt(r->receipt, c.log->info().verifier());
      INFO(cp.status().ToString());
      CHECK(cp.ok());
      CHECK(c.Derived(r->receipt.seq).has_value());  // derived state committed with the entry
    }
  }
  CHECK(seqs.size() == kThreads * kEach);
  CHECK(*seqs.begin() == 0);
  CHECK(*seqs.rbegin() == kThreads * kEach - 1);
  CHECK(c.log->Size() == kThreads * kEach);
  CHECK(c.admission.prepared.load() == kThreads * kEach);  // Prepare ran on the submitters
}

TEST_CASE("log core: a refusal writes nothing, a resend answers the original receipt",
          "[logcore]") {
  CoreLog c;
  std::vector<Result<Appended>> r =
      c.log->AppendBatch({Opaque("a"), Opaque("refuse"), Opaque("b"), Opaque("resend:0")}, 1000);
  REQUIRE(r.size() == 4);
  REQUIRE(r[0].ok());
  CHECK(r[1].status().code() == Code::kRuleViolation);
  REQUIRE(r[2].ok());
  CHECK(r[2]->receipt.seq == 1);  // the refused one took no seq
  REQUIRE(r[3].ok());
  CHECK(r[3]->duplicate);
  CHECK(r[3]->receipt.seq == 0);
  CHECK(r[3]->receipt.entry == r[0]->receipt.entry);
  CHECK(c.log->Size() == 2);
  CHECK(c.Derived(0) == std::optional<std::string>("a"));
  CHECK(c.Derived(1) == std::optional<std::string>("b"));
}

TEST_CASE("log core: a batch-fatal admission error rolls back the whole batch", "[logcore]") {
  CoreLog c;
  REQUIRE(c.log->AppendBatch({Opaque("first")}, 1000)[0].ok());
  const std::string checkpoint = *c.log->LatestCheckpoint();
  std::vector<Result<Appended>> r =
      c.log->AppendBatch({Opaque("kept?"), Opaque("broken-store"), Opaque("after")}, 2000);
  for (const Result<Appended>& one : r) {
    CHECK(one.status().code() == Code::kIoError);
    CHECK(one.status().message().find("nothing was written") != std::string::npos);
  }
  CHECK(c.log->Size() == 1);
  CHECK_FALSE(c.Derived(1).has_value());  // the admitted first item's derived write is gone too
  CHECK(*c.log->LatestCheckpoint() == checkpoint);
  CHECK(c.log->writable());  // a refused batch is not a failed commit
}

TEST_CASE("log core: proofs, tiles and the chain across a reopen", "[logcore]") {
  CoreLog c;
  std::vector<Submission> subs;
  for (int i = 0; i < 300; ++i) subs.push_back(Opaque("e" + std::to_string(i)));
  for (const auto& r : c.log->AppendBatch(subs, 1000)) REQUIRE(r.ok());
  const std::string cp300 = *c.log->LatestCheckpoint();
  c.Reopen();
  subs.clear();
  for (int i = 300; i < 520; ++i) subs.push_back(Opaque("e" + std::to_string(i)));
  std::vector<Result<Appended>> later = c.log->AppendBatch(subs, 500);  // the clock went back
  for (const auto& r : later) REQUIRE(r.ok());
  REQUIRE(c.log->Size() == 520);

  // The chain continues after the reopen, and ts never decreases.
  Result<Entry> e299 = DecodeEntry(*c.log->EntryAt(299));
  Result<Entry> e300 = DecodeEntry(*c.log->EntryAt(300));
  REQUIRE(e299.ok());
  REQUIRE(e300.ok());
  CHECK(e300->prev == merkle::HashLeaf(*c.log->EntryAt(299)));
  CHECK(e300->ts_ms >= e299->ts_ms);
  CHECK(e300->payload == "e300");

  uint64_t size300 = 0, size520 = 0;
  const Hash root300 = RootOf(cp300, c.log->info(), &size300);
  const Hash root520 = RootOf(*c.log->LatestCheckpoint(), c.log->info(), &size520);
  REQUIRE(size300 == 300);
  REQUIRE(size520 == 520);
  Result<std::vector<Hash>> consistency = c.log->ConsistencyProof(300, 520);
  REQUIRE(consistency.ok());
  CHECK(merkle::VerifyConsistency(300, 520, root300, root520, *consistency).ok());
  for (uint64_t seq : {uint64_t{0}, uint64_t{255}, uint64_t{256}, uint64_t{299}, uint64_t{519}}) {
    Result<std::vector<Hash>> inclusion = c.log->InclusionProof(seq, 520);
    REQUIRE(inclusion.ok());
    CHECK(merkle::VerifyInclusion(seq, 520, merkle::HashLeaf(*c.log->EntryAt(seq)), *inclusion,
                                  root520)
              .ok());
  }

  // Tiles: the full entry bundle and level-0 hash tile 0, a partial one, and one not there yet.
  Result<std::string> bundle = c.log->ReadTile(TileRef{TileRef::kEntries, 0, 256});
  Result<std::string> hashes = c.log->ReadTile(TileRef{0, 0, 256});
  REQUIRE(bundle.ok());
  REQUIRE(hashes.ok());
  REQUIRE(hashes->size() == 256 * 32);
  size_t at = 0;
  for (uint64_t seq = 0; seq < 256; ++seq) {
    const std::string entry = *c.log->EntryAt(seq);
    const size_t len = (static_cast<unsigned char>((*bundle)[at]) << 8) |
                       static_cast<unsigned char>((*bundle)[at + 1]);
    CHECK((*bundle).substr(at + 2, len) == entry);
    at += 2 + len;
    const Hash leaf = merkle::HashLeaf(entry);
    CHECK(hashes->substr(seq * 32, 32) == AsView(leaf));
  }
  CHECK(at == bundle->size());
  CHECK(c.log->ReadTile(TileRef{0, 2, 8}).ok());  // entries 512..519
  CHECK(c.log->ReadTile(TileRef{0, 2, 9}).status().code() == Code::kNotFound);
}

}  // namespace
}  // namespace vigil
