// Tests for the log's store (ledger/log, ledger/db, ledger/verify): durability across reopen,
// tiles and proofs checked against a naive recomputation from the entries, idempotency,
// rejected records, map growth, and byte surgery on copies of a store that VerifyStore must
// catch, naming the damaged entry.
#include <sys/stat.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "keys/coding.h"
#include "keys/encoding.h"
#include "ledger/log/checkpoint.h"
#include "ledger/log/db.h"
#include "ledger/log/entry.h"
#include "ledger/log/log.h"
#include "ledger/log/merkle.h"
#include "ledger/verify.h"
#include "tests/test_util.h"

namespace vigil {
namespace {

using db::Table;
using testing::MakeTestLog;
using testing::NowMs;
using testing::RegisterSubmission;
using testing::TempDir;
using testing::TestLog;

// ---- a naive reference: everything recomputed from the entry bytes ----

// MTH (RFC 9162 §2.1.1) of leaf hashes [begin, end), by the definition.
Hash NaiveRoot(const std::vector<Hash>& leaves, size_t begin, size_t end) {
  if (begin == end) return merkle::EmptyRoot();
  if (end - begin == 1) return leaves[begin];
  size_t k = 1;
  while (k * 2 < end - begin) k *= 2;
  return merkle::HashChildren(NaiveRoot(leaves, begin, begin + k),
                              NaiveRoot(leaves, begin + k, end));
}

std::vector<std::string> AllEntries(Log& log) {
  std::vector<std::string> out;
  for (uint64_t seq = 0; seq < log.Size(); ++seq) {
    Result<std::string> e = log.EntryAt(seq);
    REQUIRE(e.ok());
    out.push_back(*e);
  }
  return out;
}

std::vector<Hash> LeafHashes(const std::vector<std::string>& entries) {
  std::vector<Hash> out;
  for (const std::string& e : entries) out.push_back(merkle::HashLeaf(e));
  return out;
}

std::map<uint64_t, std::string> AllCheckpoints(Log& log) {
  std::map<uint64_t, std::string> out;
  Result<db::Txn> txn = log.BeginRead();
  REQUIRE(txn.ok());
  REQUIRE(txn->Scan(Table::kCheckpoints, "",
                    [&](std::string_view k, std::string_view v) {
                      out.emplace(DecodeBigEndian64(k), std::string(v));
                      return true;
                    })
              .ok());
  return out;
}

// Appends `count` registrations in one batch, all of which must be accepted.
std::vector<Receipt> AppendRegistrations(TestLog& t, const std::string& prefix, int count) {
  std::vector<Submission> subs;
  for (int i = 0; i < count; ++i) subs.push_back(RegisterSubmission(t, prefix + std::to_string(i)));
  std::vector<Result<Appended>> out = t.log->AppendBatch(subs, NowMs());
  REQUIRE(out.size() == subs.size());
  std::vector<Receipt> receipts;
  for (auto& r : out) {
    INFO(r.status().ToString());
    REQUIRE(r.ok());
    REQUIRE_FALSE(r->duplicate);
    receipts.push_back(r->receipt);
  }
  return receipts;
}

VerifyReport Verify(const std::string& dir) {
  Result<VerifyReport> report = VerifyStore(dir, {});
  INFO(report.status().ToString());
  REQUIRE(report.ok());
  return *report;
}

std::string Describe(const VerifyReport& r) {
  std::string s;
  for (const VerifyProblem& p : r.problems) {
    s +=
        (p.seq.has_value() ? "[seq " + std::to_string(*p.seq) + "] " : "[no seq] ") + p.what + "\n";
  }
  return s;
}

// ---- durability and reads ----

TEST_CASE("Init refuses to overwrite, Open finds the log", "[store]") {
  TempDir dir("vigil_store_test");
  CHECK(Ledger::Open(dir.path()).status().code() == Code::kNotFound);
  TestLog t = MakeTestLog(dir.path());
  CHECK(t.log->Size() == 1);  // the genesis registration
  InitOptions again;
  again.origin = testing::kTestOrigin;
  CHECK(Ledger::Init(dir.path(), again).status().code() == Code::kConflict);
  CHECK(Ledger::Init(dir.File("other"), InitOptions{}).status().code() == Code::kInvalidArgument);

  SECTION("a log key that does not match the store is refused") {
    t.Close();
    std::filesystem::remove(dir.File("keys/log.key"));
    REQUIRE(SecretKey::Generate().Save(dir.File("keys/log.key")).ok());
    CHECK(Ledger::Open(dir.path()).status().code() == Code::kCorruption);
  }
  SECTION("a log key readable by others is refused") {
    t.Close();
    REQUIRE(::chmod(dir.File("keys/log.key").c_str(), 0644) == 0);
    CHECK(Ledger::Open(dir.path()).status().code() == Code::kPermissionDenied);
  }
}

TEST_CASE("entries, checkpoints and receipts survive close and reopen", "[store]") {
  TempDir dir("vigil_store_test");
  TestLog t = MakeTestLog(dir.path());
  const std::vector<int> batches = {100, 1, 37, 160};
  std::vector<Receipt> receipts;
  for (size_t b = 0; b < batches.size(); ++b) {
    for (Receipt& r : AppendRegistrations(t, "b" + std::to_string(b) + "-", batches[b])) {
      receipts.push_back(std::move(r));
    }
  }
  const uint64_t size = t.log->Size();
  REQUIRE(size == 1 + 100 + 1 + 37 + 160);
  for (size_t i = 0; i < receipts.size(); ++i) CHECK(receipts[i].seq == i + 1);
  const std::vector<std::string> entries = AllEntries(*t.log);
  const std::map<uint64_t, std::string> checkpoints = AllCheckpoints(*t.log);
  Result<std::string> latest = t.log->LatestCheckpoint();
  REQUIRE(latest.ok());
  const LogInfo info = t.log->info();

  // One checkpoint per committed batch (genesis included), at the sizes the batches made.
  std::vector<uint64_t> want_sizes = {1};
  for (int n : batches) want_sizes.push_back(want_sizes.back() + static_cast<uint64_t>(n));
  std::vector<uint64_t> sizes;
  for (const auto& [s, note] : checkpoints) sizes.push_back(s);
  CHECK(sizes == want_sizes);
  CHECK(checkpoints.rbegin()->second == *latest);

  t.Close();  // close
  std::unique_ptr<Ledger> log_ledger = testing::OpenTestLog(dir.path());
  Log* log = &log_ledger->log();
  CHECK(log->Size() == size);
  CHECK(log->info().origin == info.origin);
  CHECK(log->info().verifier_key == info.verifier_key);
  CHECK(AllEntries(*log) == entries);
  CHECK(AllCheckpoints(*log) == checkpoints);
  Result<std::string> latest_again = log->LatestCheckpoint();
  REQUIRE(latest_again.ok());
  CHECK(*latest_again == *latest);
  for (const Receipt& r : receipts) {
    Result<Receipt> again = log->ReceiptFor(r.seq);
    REQUIRE(again.ok());
    CHECK(*again == r);
  }
  CHECK(log->ReceiptFor(size).status().code() == Code::kNotFound);
  CHECK(log->EntryAt(size).status().code() == Code::kNotFound);

  // Every checkpoint verifies and commits to exactly the entries before its size.
  const std::vector<Hash> leaves = LeafHashes(entries);
  for (const auto& [s, note] : checkpoints) {
    Result<Checkpoint> cp = OpenCheckpoint(note, log->info().verifier());
    INFO("checkpoint at size " << s << ": " << cp.status().ToString());
    REQUIRE(cp.ok());
    CHECK(cp->size == s);
    CHECK(cp->origin == testing::kTestOrigin);
    CHECK(cp->root == NaiveRoot(leaves, 0, s));
  }

  // The chain: each entry names its predecessor's leaf hash, seqs are positions, time never
  // goes backwards.
  for (size_t i = 0; i < entries.size(); ++i) {
    Result<Entry> e = DecodeEntry(entries[i]);
    REQUIRE(e.ok());
    CHECK(e->seq == i);
    CHECK(e->prev == (i == 0 ? Hash{} : leaves[i - 1]));
    if (i > 0) CHECK(e->ts_ms >= DecodeEntry(entries[i - 1])->ts_ms);
  }

  // Appending after reopen continues the chain.
  TestLog t2{std::move(log_ledger), log, std::move(t.authority), t.authority_id};
  std::vector<Receipt> more = AppendRegistrations(t2, "after-", 3);
  CHECK(more.front().seq == size);
  Result<Entry> next = DecodeEntry(more.front().entry);
  REQUIRE(next.ok());
  CHECK(next->prev == leaves.back());
  VerifyReport report = Verify(dir.path());
  INFO(Describe(report));
  CHECK(report.ok());
  CHECK(report.size == size + 3);
  CHECK(report.checkpoints == checkpoints.size() + 1);
  CHECK(report.latest.has_value());
  CHECK(report.state_records > 0);
}

TEST_CASE("tiles equal what the entries say", "[store][tile]") {
  TempDir dir("vigil_store_test");
  TestLog t = MakeTestLog(dir.path());
  for (int b = 0; b < 3; ++b) AppendRegistrations(t, "t" + std::to_string(b) + "-", 200);
  const std::vector<std::string> entries = AllEntries(*t.log);
  REQUIRE(entries.size() == 601);  // tiles 0, 1 full; tile 2 holds 89
  const std::vector<Hash> leaves = LeafHashes(entries);

  auto hash_tile = [&](const std::vector<Hash>& hashes, uint64_t index, uint32_t width) {
    std::string out;
    for (uint64_t i = index * 256; i < index * 256 + width; ++i) out += AsView(hashes[i]);
    return out;
  };
  auto bundle = [&](uint64_t index, uint32_t width) {
    std::string out;
    for (uint64_t i = index * 256; i < index * 256 + width; ++i) {
      const std::string& e = entries[i];
      PutBigEndian16(out, static_cast<uint16_t>(e.size()));
      out += e;
    }
    return out;
  };
  // Level 8 of the tree: the root of each complete 256-leaf subtree.
  std::vector<Hash> level8;
  for (size_t i = 0; i + 256 <= leaves.size(); i += 256)
    level8.push_back(NaiveRoot(leaves, i, i + 256));
  REQUIRE(level8.size() == 2);

  auto read = [&](const TileRef& ref) {
    Result<std::string> tile = t.log->ReadTile(ref);
    INFO(TilePath(ref) << ": " << tile.status().ToString());
    REQUIRE(tile.ok());
    return *tile;
  };

  // Level 0: full tiles 0 and 1, partial tile 2.
  CHECK(read({0, 0, 256}) == hash_tile(leaves, 0, 256));
  CHECK(read({0, 1, 256}) == hash_tile(leaves, 1, 256));
  CHECK(read({0, 2, 89}) == hash_tile(leaves, 2, 89));
  CHECK(read({0, 2, 1}) == hash_tile(leaves, 2, 1));
  CHECK(read({0, 0, 256}).size() == 256 * 32);
  // Level 1: partial, two hashes so far.
  CHECK(read({1, 0, 2}) == hash_tile(level8, 0, 2));
  CHECK(read({1, 0, 1}) == hash_tile(level8, 0, 1));
  // Entry bundles: 2-byte big-endian length, then the entry.
  CHECK(read({TileRef::kEntries, 0, 256}) == bundle(0, 256));
  CHECK(read({TileRef::kEntries, 1, 256}) == bundle(1, 256));
  CHECK(read({TileRef::kEntries, 2, 89}) == bundle(2, 89));
  const std::string b = read({TileRef::kEntries, 2, 89});
  CHECK(static_cast<size_t>(static_cast<uint8_t>(b[0])) * 256 + static_cast<uint8_t>(b[1]) ==
        entries[512].size());

  // Tiles not yet complete at the asked width do not exist.
  for (const TileRef& missing :
       {TileRef{0, 2, 256}, TileRef{0, 2, 90}, TileRef{0, 3, 1}, TileRef{1, 0, 256},
        TileRef{1, 0, 3}, TileRef{2, 0, 1}, TileRef{63, 0, 1}, TileRef{TileRef::kEntries, 2, 256},
        TileRef{TileRef::kEntries, 2, 90}, TileRef{TileRef::kEntries, 3, 1}}) {
    INFO(TilePath(missing));
    CHECK(t.log->ReadTile(missing).status().code() == Code::kNotFound);
  }
  // Indexes so large that index * 256 wraps around must not alias tile 0 or 1.
  const uint64_t wraps = uint64_t{1} << 56;  // wraps * 256 == 0 (mod 2^64)
  for (const TileRef& huge :
       {TileRef{0, wraps, 256}, TileRef{0, wraps + 1, 89}, TileRef{1, wraps, 2},
        TileRef{TileRef::kEntries, wraps, 256}, TileRef{0, UINT64_MAX, 256}}) {
    INFO(TilePath(huge));
    CHECK(t.log->ReadTile(huge).status().code() == Code::kNotFound);
  }
}

TEST_CASE("a full level-1 tile equals the level-8 subtree roots", "[store][tile][.slow]") {
  TempDir dir("vigil_store_test");
  TestLog t = MakeTestLog(dir.path());
  for (int b = 0; b < 32; ++b) AppendRegistrations(t, "s" + std::to_string(b) + "-", 2048);
  const std::vector<Hash> leaves = LeafHashes(AllEntries(*t.log));
  REQUIRE(leaves.size() == 65537);
  std::string want;
  for (size_t i = 0; i < 256; ++i) want += AsView(NaiveRoot(leaves, i * 256, i * 256 + 256));
  Result<std::string> tile = t.log->ReadTile({1, 0, 256});
  REQUIRE(tile.ok());
  CHECK(*tile == want);
  Result<std::string> level2 = t.log->ReadTile({2, 0, 1});
  REQUIRE(level2.ok());
  CHECK(*level2 == std::string(AsView(NaiveRoot(leaves, 0, 65536))));
}

TEST_CASE("proofs from the log verify against its checkpoints", "[store][merkle]") {
  TempDir dir("vigil_store_test");
  TestLog t = MakeTestLog(dir.path());
  for (int n : {1, 6, 9, 57, 2}) AppendRegistrations(t, "p" + std::to_string(n) + "-", n);
  const std::vector<Hash> leaves = LeafHashes(AllEntries(*t.log));
  std::map<uint64_t, Checkpoint> cps;
  for (const auto& [s, note] : AllCheckpoints(*t.log)) {
    Result<Checkpoint> cp = OpenCheckpoint(note, t.log->info().verifier());
    REQUIRE(cp.ok());
    cps.emplace(s, *cp);
  }
  REQUIRE(cps.size() == 6);

  for (const auto& [size, cp] : cps) {
    for (uint64_t seq = 0; seq < size; ++seq) {
      Result<std::vector<Hash>> proof = t.log->InclusionProof(seq, size);
      INFO("seq " << seq << " size " << size << ": " << proof.status().ToString());
      REQUIRE(proof.ok());
      CHECK(merkle::VerifyInclusion(seq, size, leaves[seq], *proof, cp.root).ok());
      // A proof for one leaf does not prove another.
      if (size > 1) {
        CHECK_FALSE(
            merkle::VerifyInclusion(seq, size, leaves[(seq + 1) % size], *proof, cp.root).ok());
      }
    }
    for (const auto& [m, cpm] : cps) {
      if (m > size) break;
      Result<std::vector<Hash>> proof = t.log->ConsistencyProof(m, size);
      INFO("consistency " << m << " -> " << size << ": " << proof.status().ToString());
      REQUIRE(proof.ok());
      CHECK(merkle::VerifyConsistency(m, size, cpm.root, cp.root, *proof).ok());
    }
  }
  // Sizes that are not checkpoints are provable too (the tree is stored, not the batches).
  for (uint64_t size : {uint64_t{2}, uint64_t{33}, uint64_t{70}}) {
    const Hash root = NaiveRoot(leaves, 0, size);
    for (uint64_t seq : {uint64_t{0}, size / 2, size - 1}) {
      Result<std::vector<Hash>> proof = t.log->InclusionProof(seq, size);
      REQUIRE(proof.ok());
      CHECK(merkle::VerifyInclusion(seq, size, leaves[seq], *proof, root).ok());
    }
  }
  const uint64_t n = t.log->Size();
  CHECK(t.log->InclusionProof(n, n).status().code() == Code::kInvalidArgument);
  CHECK(t.log->InclusionProof(0, n + 1).status().code() == Code::kInvalidArgument);
  CHECK(t.log->ConsistencyProof(0, n).status().code() == Code::kInvalidArgument);
  CHECK(t.log->ConsistencyProof(5, 4).status().code() == Code::kInvalidArgument);
  CHECK(t.log->ConsistencyProof(1, n + 1).status().code() == Code::kInvalidArgument);
}

// ---- idempotency and rejection ----

TEST_CASE("a resend returns the original receipt; a reused id with new content is refused",
          "[store]") {
  TempDir dir("vigil_store_test");
  TestLog t = MakeTestLog(dir.path());
  const Submission a = RegisterSubmission(t, "a");
  const Submission b = RegisterSubmission(t, "b");
  std::vector<Result<Appended>> first = t.log->AppendBatch({a, b}, NowMs());
  REQUIRE(first[0].ok());
  REQUIRE(first[1].ok());
  const uint64_t size = t.log->Size();
  const size_t checkpoints = AllCheckpoints(*t.log).size();

  SECTION("resend in a later batch") {
    std::vector<Result<Appended>> again = t.log->AppendBatch({b, a}, NowMs());
    REQUIRE(again[0].ok());
    REQUIRE(again[1].ok());
    CHECK(again[0]->duplicate);
    CHECK(again[1]->duplicate);
    CHECK(again[0]->receipt == first[1]->receipt);
    CHECK(again[1]->receipt == first[0]->receipt);
    CHECK(t.log->Size() == size);
    CHECK(AllCheckpoints(*t.log).size() == checkpoints);  // nothing new to sign
  }

  SECTION("resend beside new records and twice in one batch") {
    const Submission c = RegisterSubmission(t, "c");
    std::vector<Result<Appended>> out = t.log->AppendBatch({a, c, c}, NowMs());
    REQUIRE(out[0].ok());
    REQUIRE(out[1].ok());
    REQUIRE(out[2].ok());
    CHECK(out[0]->duplicate);
    CHECK(out[0]->receipt == first[0]->receipt);
    CHECK_FALSE(out[1]->duplicate);
    CHECK(out[1]->receipt.seq == size);
    CHECK(out[2]->duplicate);
    CHECK(out[2]->receipt == out[1]->receipt);
    CHECK(t.log->Size() == size + 1);
  }

  SECTION("same id, different content") {
    SecretKey other = SecretKey::Generate();
    const Submission changed = testing::MakeSubmission(
        t.authority, testing::RegisterPayload(t.authority_id, "a", "p-a2", other.public_key()));
    std::vector<Result<Appended>> out = t.log->AppendBatch({changed}, NowMs());
    REQUIRE_FALSE(out[0].ok());
    CHECK(out[0].status().code() == Code::kConflict);
    CHECK(out[0].status().message().find("entry " + std::to_string(first[0]->receipt.seq)) !=
          std::string::npos);
    // Also when both arrive in the same batch.
    const Submission d1 = RegisterSubmission(t, "d");
    const Submission d2 = RegisterSubmission(t, "d");
    out = t.log->AppendBatch({d1, d2}, NowMs());
    REQUIRE(out[0].ok());
    REQUIRE_FALSE(out[1].ok());
    CHECK(out[1].status().code() == Code::kConflict);
    CHECK(t.log->Size() == size + 1);
  }

  SECTION("a resend must still carry a valid signature") {
    // The design promises the original receipt to a resend of the same *signed* payload.
    Submission forged = a;
    forged.sig[0] = static_cast<char>(forged.sig[0] ^ 1);
    std::vector<Result<Appended>> out = t.log->AppendBatch({forged}, NowMs());
    CHECK_FALSE(out[0].ok());
    Submission wrong_signer = a;
    wrong_signer.signer = SecretKey::Generate().Id();
    out = t.log->AppendBatch({wrong_signer}, NowMs());
    CHECK_FALSE(out[0].ok());
  }

  VerifyReport report = Verify(dir.path());
  INFO(Describe(report));
  CHECK(report.ok());
}

TEST_CASE("rejected records append nothing", "[store]") {
  TempDir dir("vigil_store_test");
  TestLog t = MakeTestLog(dir.path());
  // A registered business, whose key may not register anyone.
  SecretKey business = SecretKey::Generate();
  REQUIRE(t.log
              ->AppendBatch({testing::MakeSubmission(
                                t.authority, testing::RegisterPayload(t.authority_id, "biz", "biz",
                                                                      business.public_key()))},
                            NowMs())[0]
              .ok());
  const uint64_t size = t.log->Size();
  Result<std::string> latest = t.log->LatestCheckpoint();
  REQUIRE(latest.ok());
  const SecretKey stranger = SecretKey::Generate();
  const SecretKey fresh = SecretKey::Generate();
  auto reg = [&](const std::string& id, const std::string& participant) {
    return testing::RegisterPayload(t.authority_id, id, participant, fresh.public_key());
  };

  struct Bad {
    const char* what;
    Submission sub;
    Code code;
  };
  std::vector<Bad> bad;
  {
    Submission s = testing::MakeSubmission(t.authority, reg("x1", "x1"));
    s.sig[5] = static_cast<char>(s.sig[5] ^ 0x20);
    bad.push_back({"bad signature", s, Code::kPermissionDenied});
  }
  bad.push_back({"unknown signer", testing::MakeSubmission(stranger, reg("x2", "x2")),
                 Code::kPermissionDenied});
  {
    nlohmann::json p = reg("x3", "x3");
    p["actor"] = "biz";
    bad.push_back(
        {"role not allowed", testing::MakeSubmission(business, p), Code::kPermissionDenied});
  }
  {
    Submission s;
    s.signer = t.authority.Id();
    s.payload = "{\"type\":\"participant.register\",";
    s.sig = t.authority.Sign(SignContext::kEntry, testing::kTestOrigin, s.payload);
    bad.push_back({"not JSON", s, Code::kInvalidArgument});
  }
  {
    nlohmann::json p = reg("x4", "x4");
    p.erase("at");
    bad.push_back({"no at", testing::MakeSubmission(t.authority, p), Code::kInvalidArgument});
  }
  {
    nlohmann::json p = reg("x5", "x5");
    p["type"] = "no.such.type";
    bad.push_back(
        {"unknown type", testing::MakeSubmission(t.authority, p), Code::kInvalidArgument});
  }
  bad.push_back({"participant exists", testing::MakeSubmission(t.authority, reg("x6", "biz")),
                 Code::kRuleViolation});
  bad.push_back(
      {"key already registered",
       testing::MakeSubmission(t.authority, testing::RegisterPayload(t.authority_id, "x7", "x7",
                                                                     business.public_key())),
       Code::kRuleViolation});
  {
    nlohmann::json p = reg("x8", "x8");
    p["at"] = FormatTimestamp(NowMs() + 3600 * 1000);
    bad.push_back(
        {"at in the future", testing::MakeSubmission(t.authority, p), Code::kRuleViolation});
  }
  {
    nlohmann::json p = reg("x9", "x9");
    p["legal_name"] = std::string(70000, 'n');
    bad.push_back(
        {"entry too large", testing::MakeSubmission(t.authority, p), Code::kInvalidArgument});
  }

  SECTION("alone") {
    std::vector<Submission> subs;
    for (const Bad& b : bad) subs.push_back(b.sub);
    std::vector<Result<Appended>> out = t.log->AppendBatch(subs, NowMs());
    REQUIRE(out.size() == bad.size());
    for (size_t i = 0; i < bad.size(); ++i) {
      INFO(bad[i].what << ": " << out[i].status().ToString());
      REQUIRE_FALSE(out[i].ok());
      CHECK(out[i].status().code() == bad[i].code);
    }
    CHECK(t.log->Size() == size);
    Result<std::string> after = t.log->LatestCheckpoint();
    REQUIRE(after.ok());
    CHECK(*after == *latest);
  }

  SECTION("mixed with good records") {
    std::vector<Submission> subs;
    for (size_t i = 0; i < bad.size(); ++i) {
      subs.push_back(bad[i].sub);
      subs.push_back(RegisterSubmission(t, "good" + std::to_string(i)));
    }
    std::vector<Result<Appended>> out = t.log->AppendBatch(subs, NowMs());
    uint64_t next = size;
    for (size_t i = 0; i < bad.size(); ++i) {
      INFO(bad[i].what);
      CHECK_FALSE(out[2 * i].ok());
      REQUIRE(out[2 * i + 1].ok());
      CHECK(out[2 * i + 1]->receipt.seq == next++);
    }
    CHECK(t.log->Size() == size + bad.size());
  }

  // The rejected records' ids are free: the same ids may be used by valid records later.
  std::vector<Result<Appended>> reuse =
      t.log->AppendBatch({testing::MakeSubmission(t.authority, reg("x1", "x1"))}, NowMs());
  INFO(reuse[0].status().ToString());
  CHECK(reuse[0].ok());
  VerifyReport report = Verify(dir.path());
  INFO(Describe(report));
  CHECK(report.ok());
}

// ---- map growth ----

TEST_CASE("a decoded form is used only while the value is still the bytes it came from",
          "[store][db]") {
  TempDir dir("vigil_store_test");
  Result<std::unique_ptr<db::Env>> env = db::Env::Open(dir.File("store"));
  REQUIRE(env.ok());
  db::Env& e = **env;
  auto put = [&](std::string_view value) {
    Result<db::Txn> w = e.BeginWrite();
    REQUIRE(w.ok());
    REQUIRE(w->Put(Table::kState, "participant/b1", value).ok());
    REQUIRE(w->Commit().ok());
  };
  put("v1");
  auto form = [](const std::shared_ptr<const void>& p) {
    return p == nullptr ? std::string("none") : *std::static_pointer_cast<const std::string>(p);
  };
  Result<db::Txn> old = e.BeginRead();  // a snapshot that keeps reading v1
  REQUIRE(old.ok());
  CHECK(form(old->GetDecoded(Table::kState, "participant/b1")) == "none");
  old->KeepDecoded(Table::kState, "participant/b1", std::make_shared<const std::string>("of v1"));
  CHECK(form(old->GetDecoded(Table::kState, "participant/b1")) == "of v1");
  // Same key, another table: not the same value.
  CHECK(form(old->GetDecoded(Table::kMeta, "participant/b1")) == "none");
  {
    // An uncommitted write: it does not see v1's form, nor does its form outlive the abort.
    Result<db::Txn> w = e.BeginWrite();
    REQUIRE(w.ok());
    REQUIRE(w->Put(Table::kState, "participant/b1", "v2").ok());
    CHECK(form(w->GetDecoded(Table::kState, "participant/b1")) == "none");
    w->KeepDecoded(Table::kState, "participant/b1", std::make_shared<const std::string>("of v2"));
    CHECK(form(w->GetDecoded(Table::kState, "participant/b1")) == "of v2");
    CHECK(form(old->GetDecoded(Table::kState, "participant/b1")) == "none");
  }  // aborted
  {
    Result<db::Txn> r = e.BeginRead();
    REQUIRE(r.ok());
    CHECK(form(r->GetDecoded(Table::kState, "participant/b1")) == "none");
  }
  old->KeepDecoded(Table::kState, "participant/b1", std::make_shared<const std::string>("of v1"));
  put("v3");
  Result<db::Txn> now = e.BeginRead();
  REQUIRE(now.ok());
  CHECK(form(now->GetDecoded(Table::kState, "participant/b1")) == "none");
  CHECK(form(old->GetDecoded(Table::kState, "participant/b1")) == "of v1");
  {
    Result<db::Txn> w = e.BeginWrite();
    REQUIRE(w.ok());
    REQUIRE(w->Delete(Table::kState, "participant/b1").ok());
    CHECK(form(w->GetDecoded(Table::kState, "participant/b1")) == "none");
  }
}

TEST_CASE("a full map is reported, and Grow lets the retry succeed", "[store][db]") {
  TempDir dir("vigil_store_test");
  db::EnvOptions options;
  options.initial_map_size = 64 * 1024;
  const std::string store = dir.File("store");
  const std::string value(1000, 'v');
  int written = 0;
  {
    Result<std::unique_ptr<db::Env>> env = db::Env::Open(store, options);
    INFO(env.status().ToString());
    REQUIRE(env.ok());
    db::Env& e = **env;
    CHECK(e.map_size() == 64 * 1024);
    Status full;
    int n = 0;
    {
      Result<db::Txn> txn = e.BeginWrite();
      REQUIRE(txn.ok());
      for (; n < 10000; ++n) {
        full = txn->Put(Table::kEntries, EncodeBigEndian64(static_cast<uint64_t>(n)), value);
        if (!full.ok()) break;
      }
    }  // the poisoned transaction is aborted here, before Grow
    REQUIRE(full.code() == Code::kResourceExhausted);
    REQUIRE(n > 0);
    // Retry the whole batch (one more record than fitted), growing until it fits.
    int grows = 0;
    for (;; ++grows) {
      REQUIRE(grows < 4);
      REQUIRE(e.Grow().ok());
      CHECK(e.map_size() == (uint64_t{64} * 1024) << (grows + 1));
      Result<db::Txn> txn = e.BeginWrite();
      REQUIRE(txn.ok());
      Status s;
      for (int i = 0; i <= n && s.ok(); ++i) {
        s = txn->Put(Table::kEntries, EncodeBigEndian64(static_cast<uint64_t>(i)), value);
      }
      if (s.code() == Code::kResourceExhausted) continue;
      REQUIRE(s.ok());
      REQUIRE(txn->Commit().ok());
      break;
    }
    CHECK(grows == 0);  // doubling a map that held n records makes room for n + 1
    written = n + 1;
    CHECK_FALSE(e.failed());
  }
  // Reopening with the small initial size maps the whole (larger) file.
  Result<std::unique_ptr<db::Env>> env = db::Env::Open(store, options);
  REQUIRE(env.ok());
  Result<uint64_t> file = (*env)->FileSize();
  REQUIRE(file.ok());
  CHECK((*env)->map_size() >= *file);
  Result<db::Txn> txn = (*env)->BeginRead();
  REQUIRE(txn.ok());
  Result<uint64_t> count = txn->Count(Table::kEntries);
  REQUIRE(count.ok());
  CHECK(*count == static_cast<uint64_t>(written));
  Result<std::optional<std::string>> last =
      txn->Get(Table::kEntries, EncodeBigEndian64(static_cast<uint64_t>(written - 1)));
  REQUIRE(last.ok());
  REQUIRE(last->has_value());
  CHECK(**last == value);
}

// ---- byte surgery: VerifyStore must catch every edit, naming the entry ----

// A store of 41 entries (genesis, then batches of 15, 10 and 15) and a way to damage copies.
struct Surgery {
  TempDir dir{"vigil_surgery_src"};
  TestLog t = MakeTestLog(dir.path());
  std::vector<std::string> entries;

  Surgery() {
    AppendRegistrations(t, "s", 15);
    AppendRegistrations(t, "m", 10);
    AppendRegistrations(t, "e", 15);
    entries = AllEntries(*t.log);
    REQUIRE(entries.size() == 41);
  }
  uint64_t size() const { return entries.size(); }

  // Copies the live store with Env::CopyTo, applies `edit` to the copy in one write
  // transaction, and verifies the copy.
  VerifyReport Damage(const std::function<void(db::Txn&)>& edit) {
    TempDir copy("vigil_surgery_copy");
    REQUIRE(std::filesystem::create_directory(copy.File("store")));
    REQUIRE(t.log->CopyTo(copy.File("store")).ok());
    {
      Result<std::unique_ptr<db::Env>> env = db::Env::Open(copy.File("store"));
      REQUIRE(env.ok());
      Result<db::Txn> txn = (*env)->BeginWrite();
      REQUIRE(txn.ok());
      edit(*txn);
      REQUIRE(txn->Commit().ok());
    }
    return Verify(copy.path());
  }

  // Replaces the stored bytes of entry `seq`.
  VerifyReport PutEntry(uint64_t seq, const std::string& bytes) {
    return Damage([&](db::Txn& txn) {
      REQUIRE(txn.Put(Table::kEntries, EncodeBigEndian64(seq), bytes).ok());
    });
  }
};

std::string Incremented(std::string s, size_t pos) {
  s[pos] = static_cast<char>(s[pos] + 1);
  return s;
}

// The first problem names entry `seq` (or names no entry, for std::nullopt).
void ExpectCaught(const VerifyReport& report, std::optional<uint64_t> seq) {
  INFO(Describe(report));
  REQUIRE_FALSE(report.ok());
  CHECK(report.problems.front().seq == seq);
}

TEST_CASE("VerifyStore accepts an undamaged copy", "[store][verify]") {
  Surgery s;
  VerifyReport report = s.Damage([](db::Txn&) {});
  INFO(Describe(report));
  CHECK(report.ok());
  CHECK(report.size == 41);
  CHECK(report.checkpoints == 4);
  REQUIRE(report.latest.has_value());
  CHECK(report.latest->size == 41);
  // With the verifier key from a trusted source: fine with the right one, a problem otherwise.
  VerifyOptions options;
  options.log_key = s.t.log->info().verifier();
  Result<VerifyReport> trusted = VerifyStore(s.dir.path(), options);
  REQUIRE(trusted.ok());
  CHECK(trusted->ok());
  SecretKey other = SecretKey::Generate();
  options.log_key =
      NoteVerifier{testing::kTestOrigin, NoteKeyHash(testing::kTestOrigin, other.public_key()),
                   other.public_key()};
  Result<VerifyReport> wrong = VerifyStore(s.dir.path(), options);
  REQUIRE(wrong.ok());
  CHECK_FALSE(wrong->ok());
}

TEST_CASE("VerifyStore catches a changed byte in an entry", "[store][verify]") {
  Surgery s;
  for (uint64_t k : {uint64_t{20}, uint64_t{0}, uint64_t{40}}) {
    const std::string& entry = s.entries[k];
    // A sample of every part of the entry, and for entry 20 every byte of "ts" (the one field
    // no submitter signs). Each case costs a copy and a durable commit, so sample sparsely.
    const size_t ts_at = entry.find("\"ts\":\"") + 6;
    std::vector<size_t> positions;
    for (size_t p = 0; p < entry.size(); p += (k == 20 ? 7 : 23)) positions.push_back(p);
    if (k == 20) {
      for (size_t p = ts_at; p < ts_at + 24; ++p) positions.push_back(p);
    } else {
      for (size_t p : {ts_at + 3, ts_at + 9, ts_at + 18, ts_at + 22}) positions.push_back(p);
    }
    std::vector<std::string> misnamed;
    for (size_t pos : positions) {
      VerifyReport report = s.PutEntry(k, Incremented(entry, pos));
      if (report.ok() || report.problems.front().seq != k) {
        misnamed.push_back("entry " + std::to_string(k) + " byte " + std::to_string(pos) + " ('" +
                           entry[pos] +
                           "'): " + (report.ok() ? "not detected\n" : Describe(report)));
      }
    }
    INFO("edits not reported at the changed entry:\n"
         << [&] {
              std::string all;
              for (const std::string& m : misnamed) all += m;
              return all;
            }());
    CHECK(misnamed.empty());
  }
}

TEST_CASE("VerifyStore catches re-encoded entries that stay canonical", "[store][verify]") {
  Surgery s;
  const uint64_t k = 20;
  Result<Entry> e = DecodeEntry(s.entries[k]);
  REQUIRE(e.ok());

  SECTION("a broken prev link") {
    Entry bad = *e;
    bad.prev[0] ^= 1;
    ExpectCaught(s.PutEntry(k, EncodeEntry(bad)), k);
  }
  SECTION("a later time (unsigned by the submitter)") {
    Entry bad = *e;
    bad.ts_ms += 1;
    ExpectCaught(s.PutEntry(k, EncodeEntry(bad)), k);
  }
  SECTION("an earlier time") {
    Entry bad = *e;
    bad.ts_ms -= 86400000;
    ExpectCaught(s.PutEntry(k, EncodeEntry(bad)), k);
  }
  SECTION("the wrong seq") {
    Entry bad = *e;
    bad.seq = k + 1;
    ExpectCaught(s.PutEntry(k, EncodeEntry(bad)), k);
  }
  SECTION("another submitter's signature") {
    Entry bad = *e;
    bad.sig = SecretKey::Generate().Sign(SignContext::kEntry, testing::kTestOrigin, bad.payload);
    ExpectCaught(s.PutEntry(k, EncodeEntry(bad)), k);
  }
  SECTION("a payload re-signed by the authority itself") {
    // Signed by the right key but not the stored payload: the chain and tree still catch it.
    Entry bad = *e;
    bad.payload.replace(bad.payload.find("Test Participant"), 4, "Fake");
    bad.sig = s.t.authority.Sign(SignContext::kEntry, testing::kTestOrigin, bad.payload);
    ExpectCaught(s.PutEntry(k, EncodeEntry(bad)), k);
  }
}

TEST_CASE("VerifyStore catches removed, inserted and reordered entries", "[store][verify]") {
  Surgery s;
  const uint64_t last = s.size() - 1;
  SECTION("the last entry deleted") {
    ExpectCaught(s.Damage([&](db::Txn& txn) {
      REQUIRE(txn.Delete(Table::kEntries, EncodeBigEndian64(last)).ok());
    }),
                 last);
  }
  SECTION("a middle entry deleted") {
    ExpectCaught(s.Damage([&](db::Txn& txn) {
      REQUIRE(txn.Delete(Table::kEntries, EncodeBigEndian64(17)).ok());
    }),
                 17);
  }
  SECTION("two entries swapped") {
    ExpectCaught(s.Damage([&](db::Txn& txn) {
      REQUIRE(txn.Put(Table::kEntries, EncodeBigEndian64(5), s.entries[30]).ok());
      REQUIRE(txn.Put(Table::kEntries, EncodeBigEndian64(30), s.entries[5]).ok());
    }),
                 5);
  }
  SECTION("two neighbours swapped") {
    ExpectCaught(s.Damage([&](db::Txn& txn) {
      REQUIRE(txn.Put(Table::kEntries, EncodeBigEndian64(11), s.entries[12]).ok());
      REQUIRE(txn.Put(Table::kEntries, EncodeBigEndian64(12), s.entries[11]).ok());
    }),
                 11);
  }
  SECTION("an entry appended past the end") {
    ExpectCaught(s.Damage([&](db::Txn& txn) {
      REQUIRE(txn.Put(Table::kEntries, EncodeBigEndian64(last + 1), s.entries[3]).ok());
    }),
                 last + 1);
  }
  SECTION("an entry duplicated over its successor") {
    ExpectCaught(s.Damage([&](db::Txn& txn) {
      REQUIRE(txn.Put(Table::kEntries, EncodeBigEndian64(9), s.entries[8]).ok());
    }),
                 9);
  }
}

TEST_CASE("VerifyStore catches a changed stored tree hash", "[store][verify]") {
  Surgery s;
  struct Node {
    int level;
    uint64_t index;
  };
  for (Node n : {Node{0, 20}, Node{0, 0}, Node{0, 40}, Node{3, 1}, Node{5, 0}, Node{1, 19}}) {
    INFO("level " << n.level << " index " << n.index);
    const std::string key = EncodeBigEndian64(merkle::PostOrderPosition(n.level, n.index));
    ExpectCaught(s.Damage([&](db::Txn& txn) {
      Result<std::optional<std::string>> v = txn.Get(Table::kHashes, key);
      REQUIRE(v.ok());
      REQUIRE(v->has_value());
      REQUIRE(txn.Put(Table::kHashes, key, Incremented(**v, 7)).ok());
    }),
                 n.index << n.level);
  }
  // A hash removed.
  VerifyReport report = s.Damage([&](db::Txn& txn) {
    REQUIRE(txn.Delete(Table::kHashes, EncodeBigEndian64(merkle::PostOrderPosition(2, 3))).ok());
  });
  CHECK_FALSE(report.ok());
}

TEST_CASE("VerifyStore catches a changed checkpoint", "[store][verify]") {
  Surgery s;
  std::map<uint64_t, std::string> cps = AllCheckpoints(*s.t.log);
  REQUIRE(cps.count(16) == 1);
  const std::string key = EncodeBigEndian64(16);
  const std::string& note = cps[16];
  auto mentions = [](const VerifyReport& r, const std::string& text) {
    return !r.ok() && r.problems.front().what.find(text) != std::string::npos;
  };

  SECTION("a byte of its signature") {
    const size_t pos = note.rfind(' ') + 20;
    VerifyReport r = s.Damage([&](db::Txn& txn) {
      REQUIRE(txn.Put(Table::kCheckpoints, key, Incremented(note, pos)).ok());
    });
    INFO(Describe(r));
    CHECK(mentions(r, "checkpoint at size 16"));
  }
  SECTION("a byte of its root") {
    const size_t pos = note.find('\n', note.find('\n') + 1) + 3;
    VerifyReport r = s.Damage([&](db::Txn& txn) {
      REQUIRE(txn.Put(Table::kCheckpoints, key, Incremented(note, pos)).ok());
    });
    INFO(Describe(r));
    CHECK(mentions(r, "checkpoint at size 16"));
  }
  SECTION("a wrong root, validly signed by the log key") {
    Result<SecretKey> log_key = SecretKey::Load(s.dir.File("keys/log.key"));
    REQUIRE(log_key.ok());
    Checkpoint forged{testing::kTestOrigin, 16, Sha256("not the root")};
    VerifyReport r = s.Damage([&](db::Txn& txn) {
      REQUIRE(txn.Put(Table::kCheckpoints, key, SignCheckpoint(forged, *log_key)).ok());
    });
    INFO(Describe(r));
    CHECK(mentions(r, "checkpoint at size 16"));
  }
  SECTION("signed by another key") {
    Result<Checkpoint> cp = OpenCheckpoint(note, s.t.log->info().verifier());
    REQUIRE(cp.ok());
    SecretKey other = SecretKey::Generate();
    VerifyReport r = s.Damage([&](db::Txn& txn) {
      REQUIRE(txn.Put(Table::kCheckpoints, key, SignCheckpoint(*cp, other)).ok());
    });
    INFO(Describe(r));
    CHECK(mentions(r, "checkpoint at size 16"));
  }
  SECTION("stored under the wrong size") {
    VerifyReport r = s.Damage([&](db::Txn& txn) {
      REQUIRE(txn.Delete(Table::kCheckpoints, key).ok());
      REQUIRE(txn.Put(Table::kCheckpoints, EncodeBigEndian64(17), note).ok());
    });
    INFO(Describe(r));
    CHECK_FALSE(r.ok());
  }
  SECTION("the latest checkpoint removed") {
    ExpectCaught(s.Damage([&](db::Txn& txn) {
      REQUIRE(txn.Delete(Table::kCheckpoints, EncodeBigEndian64(s.size())).ok());
    }),
                 s.size() - 1);
  }
}

TEST_CASE("VerifyStore catches changed derived state", "[store][verify]") {
  Surgery s;
  const std::string key = "participant/p-m3";
  {
    Result<db::Txn> txn = s.t.log->BeginRead();
    REQUIRE(txn.ok());
    Result<std::optional<std::string>> v = txn->Get(Table::kState, key);
    REQUIRE(v.ok());
    REQUIRE(v->has_value());
  }
  auto mentions = [](const VerifyReport& r, const std::string& text) {
    INFO(Describe(r));
    REQUIRE_FALSE(r.ok());
    CHECK(r.problems.front().what.find(text) != std::string::npos);
  };
  SECTION("a byte of a record") {
    mentions(s.Damage([&](db::Txn& txn) {
      Result<std::optional<std::string>> v = txn.Get(Table::kState, key);
      REQUIRE(v.ok());
      REQUIRE(txn.Put(Table::kState, key, Incremented(**v, 10)).ok());
    }),
             key);
  }
  SECTION("a record removed") {
    mentions(s.Damage([&](db::Txn& txn) { REQUIRE(txn.Delete(Table::kState, key).ok()); }), key);
  }
  SECTION("a record added") {
    mentions(s.Damage([&](db::Txn& txn) {
      REQUIRE(txn.Put(Table::kState, "participant/intruder", "{}").ok());
    }),
             "participant/intruder");
  }
}

TEST_CASE("a store of another format is refused, naming both formats", "[store]") {
  TempDir dir("vigil_store_test");
  {
    TestLog t = MakeTestLog(dir.path());
    Result<db::Txn> txn = t.log->BeginRead();
    REQUIRE(txn.ok());
    Result<std::optional<std::string>> format = txn->Get(Table::kMeta, "format");
    REQUIRE(format.ok());
    CHECK(format->value_or("") == "4");
  }
  for (const char* old : {"1", "2", "3", ""}) {
    {
      Result<std::unique_ptr<db::Env>> env = db::Env::Open(dir.path() + "/store");
      REQUIRE(env.ok());
      Result<db::Txn> txn = (*env)->BeginWrite();
      REQUIRE(txn.ok());
      if (std::string(old).empty()) {
        REQUIRE(txn->Delete(Table::kMeta, "format").ok());
      } else {
        REQUIRE(txn->Put(Table::kMeta, "format", old).ok());
      }
      REQUIRE(txn->Commit().ok());
    }
    const std::string found = std::string(old).empty() ? "none" : old;
    Result<std::unique_ptr<Ledger>> log = Ledger::Open(dir.path());
    REQUIRE_FALSE(log.ok());
    CHECK(log.status().code() == Code::kFailedPrecondition);
    CHECK(log.status().message().find("format " + found + " but this vigil reads format 4") !=
          std::string::npos);
    CHECK(log.status().message().find("vigil init") != std::string::npos);
    Result<VerifyReport> report = VerifyStore(dir.path(), VerifyOptions{});
    REQUIRE_FALSE(report.ok());
    CHECK(report.status().code() == Code::kFailedPrecondition);
  }
}

}  // namespace
}  // namespace vigil
