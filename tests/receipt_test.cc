// Tests for ledger/receipt: both receipt forms round-trip, and offline verification accepts a
// real receipt and refuses each way of forging one.
#include "ledger/log/receipt.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "keys/note.h"
#include "ledger/log/checkpoint.h"
#include "ledger/log/entry.h"
#include "ledger/log/log.h"
#include "ledger/log/merkle.h"
#include "tests/test_util.h"

namespace vigil {
namespace {

using testing::MakeTestLog;
using testing::RegisterSubmission;
using testing::TempDir;
using testing::TestLog;

// A log with the genesis entry and one batch of five registrations (seqs 1..5, tree size 6).
struct Fixture {
  TempDir dir{"vigil_receipt_test"};
  TestLog t = MakeTestLog(dir.path());
  std::vector<Receipt> receipts;  // receipts[i] is the receipt of seq i + 1

  Fixture() {
    std::vector<Submission> subs;
    for (int i = 0; i < 5; ++i) subs.push_back(RegisterSubmission(t, "r" + std::to_string(i)));
    std::vector<Result<Appended>> out = t.log->AppendBatch(subs, testing::NowMs());
    REQUIRE(out.size() == 5);
    for (auto& r : out) {
      INFO(r.status().ToString());
      REQUIRE(r.ok());
      REQUIRE_FALSE(r->duplicate);
      receipts.push_back(r->receipt);
    }
  }
  NoteVerifier verifier() const { return t.log->info().verifier(); }
};

Hash FlipBit(Hash h, size_t byte, int bit) {
  h[byte] = static_cast<uint8_t>(h[byte] ^ (1u << bit));
  return h;
}

NoteVerifier VerifierFor(const std::string& name, const SecretKey& key) {
  return NoteVerifier{name, NoteKeyHash(name, key.public_key()), key.public_key()};
}

std::string CheckpointText(const std::string& note) {
  return note.substr(0, note.find("\n\n") + 1);
}

TEST_CASE("receipts from AppendBatch describe the entry and its batch", "[receipt]") {
  Fixture f;
  for (size_t i = 0; i < f.receipts.size(); ++i) {
    const Receipt& r = f.receipts[i];
    CHECK(r.seq == i + 1);
    Result<std::string> entry = f.t.log->EntryAt(r.seq);
    REQUIRE(entry.ok());
    CHECK(r.entry == *entry);
    CHECK(r.leaf_hash == merkle::HashLeaf(*entry));
    Result<Entry> e = DecodeEntry(*entry);
    REQUIRE(e.ok());
    CHECK(r.ts_ms == e->ts_ms);
    // Every receipt of a batch carries that batch's checkpoint: tree size 6.
    CHECK(r.checkpoint == f.receipts[0].checkpoint);
    Result<Checkpoint> cp = OpenCheckpoint(r.checkpoint, f.verifier());
    REQUIRE(cp.ok());
    CHECK(cp->size == 6);
    CHECK(cp->origin == testing::kTestOrigin);
    // ReceiptFor gives the same receipt later.
    Result<Receipt> again = f.t.log->ReceiptFor(r.seq);
    REQUIRE(again.ok());
    CHECK(*again == r);
  }
}

TEST_CASE("receipt JSON form round-trips", "[receipt]") {
  Fixture f;
  const Receipt& r = f.receipts[2];
  REQUIRE_FALSE(r.inclusion.empty());
  const nlohmann::json j = nlohmann::json::parse(ReceiptToJson(r));
  CHECK(j.size() == 5);
  CHECK(j.at("seq").get<uint64_t>() == r.seq);
  CHECK(j.at("leaf_hash").get<std::string>() == Base64(r.leaf_hash));
  CHECK(j.at("ts").get<std::string>() == FormatTimestamp(r.ts_ms));
  CHECK(j.at("checkpoint").get<std::string>() == r.checkpoint);
  REQUIRE(j.at("inclusion").size() == r.inclusion.size());
  CHECK(j.at("inclusion")[0].get<std::string>() == Base64(r.inclusion[0]));
  // The text is written by hand: a checkpoint with characters JSON must escape survives it.
  Receipt odd = r;
  odd.checkpoint = "quote \" backslash \\ tab \t nul " + std::string(1, '\0') + " Hà Nội\n";
  CHECK(nlohmann::json::parse(ReceiptToJson(odd)).at("checkpoint").get<std::string>() ==
        odd.checkpoint);

  Receipt want = r;
  want.entry.clear();  // the JSON form does not carry the entry
  Result<Receipt> back = ReceiptFromJson(j);
  INFO(back.status().ToString());
  REQUIRE(back.ok());
  CHECK(*back == want);
  Result<Checkpoint> cp = VerifyReceipt(*back, f.verifier());
  INFO(cp.status().ToString());
  CHECK(cp.ok());

  SECTION("malformed JSON receipts are refused") {
    for (const char* field : {"seq", "leaf_hash", "ts", "checkpoint", "inclusion"}) {
      nlohmann::json missing = j;
      missing.erase(field);
      INFO(field);
      CHECK_FALSE(ReceiptFromJson(missing).ok());
    }
    nlohmann::json bad = j;
    bad["leaf_hash"] = "not base64";
    CHECK_FALSE(ReceiptFromJson(bad).ok());
    bad = j;
    bad["inclusion"][0] = Base64Encode("short");
    CHECK_FALSE(ReceiptFromJson(bad).ok());
    bad = j;
    bad["ts"] = "yesterday";
    CHECK_FALSE(ReceiptFromJson(bad).ok());
    bad = j;
    bad["seq"] = "3";
    CHECK_FALSE(ReceiptFromJson(bad).ok());
    CHECK_FALSE(ReceiptFromJson(nlohmann::json::array()).ok());
  }
}

TEST_CASE("receipt tlog-proof form round-trips", "[receipt]") {
  Fixture f;
  const Receipt& r = f.receipts[2];
  const std::string text = ReceiptToTlogProof(r);
  std::string head = "c2sp.org/tlog-proof@v1\nextra " + Base64Encode(r.entry) + "\nindex 3\n";
  for (const Hash& h : r.inclusion) head += Base64(h) + "\n";
  CHECK(text == head + "\n" + r.checkpoint);

  Result<Receipt> back = ReceiptFromTlogProof(text);
  INFO(back.status().ToString());
  REQUIRE(back.ok());
  CHECK(*back == r);
  CHECK(VerifyReceipt(*back, f.verifier()).ok());

  SECTION("without the entry") {
    Receipt bare = r;
    bare.entry.clear();
    const std::string bare_text = ReceiptToTlogProof(bare);
    CHECK(bare_text.find("extra ") == std::string::npos);
    Result<Receipt> parsed = ReceiptFromTlogProof(bare_text);
    REQUIRE(parsed.ok());
    CHECK(parsed->seq == r.seq);
    CHECK(parsed->inclusion == r.inclusion);
    CHECK(parsed->checkpoint == r.checkpoint);
    CHECK(parsed->entry.empty());
  }

  SECTION("malformed proofs are refused") {
    const std::string header = "c2sp.org/tlog-proof@v1\n";
    const std::string rest = text.substr(header.size());
    for (const std::string& bad : {
             std::string(""),
             rest,                                            // no header
             "c2sp.org/tlog-proof@v2\n" + rest,               // other version
             header + "index 3\n",                            // no checkpoint
             header + "\n" + r.checkpoint,                    // no index
             header + "index 3\nindex 3\n\n" + r.checkpoint,  // two indexes
             header + "index x\n\n" + r.checkpoint,
             header + "index -3\n\n" + r.checkpoint,
             header + "index 3\nnot-base64!\n\n" + r.checkpoint,
             header + "index 3\n" + Base64Encode("short") + "\n\n" + r.checkpoint,
             header + "index 3\nextra " + Base64Encode(r.entry) + "\n\n" + r.checkpoint,
         }) {
      INFO(bad);
      CHECK_FALSE(ReceiptFromTlogProof(bad).ok());
    }
  }
}

TEST_CASE("VerifyReceipt accepts genuine receipts", "[receipt]") {
  Fixture f;
  for (const Receipt& r : f.receipts) {
    Result<Checkpoint> cp = VerifyReceipt(r, f.verifier());
    INFO(cp.status().ToString());
    REQUIRE(cp.ok());
    CHECK(cp->size == 6);
  }
  // The genesis entry's receipt (a one-entry tree, empty proof).
  Result<Receipt> genesis = f.t.log->ReceiptFor(0);
  REQUIRE(genesis.ok());
  CHECK(genesis->inclusion.empty());
  Result<Checkpoint> cp = VerifyReceipt(*genesis, f.verifier());
  REQUIRE(cp.ok());
  CHECK(cp->size == 1);
  // The verifier key string as published parses to the same verifier.
  Result<NoteVerifier> parsed = ParseVerifierKey(f.t.log->info().verifier_key);
  REQUIRE(parsed.ok());
  CHECK(VerifyReceipt(f.receipts[0], *parsed).ok());
  // A witness cosignature on the checkpoint is ignored by a verifier that does not know it.
  SecretKey witness = SecretKey::Generate();
  Receipt cosigned = f.receipts[1];
  const std::string body = CheckpointText(cosigned.checkpoint);
  std::string witness_note = SignNote(body, "witness.example", witness);
  cosigned.checkpoint += witness_note.substr(body.size() + 1);  // append its signature line
  CHECK(VerifyReceipt(cosigned, f.verifier()).ok());
}

TEST_CASE("VerifyReceipt refuses forged or damaged receipts", "[receipt]") {
  Fixture f;
  const Receipt good = f.receipts[2];  // seq 3 in a tree of 6: a three-hash proof
  REQUIRE(good.inclusion.size() == 3);
  REQUIRE(VerifyReceipt(good, f.verifier()).ok());

  SECTION("a wrong verifier key") {
    SecretKey other = SecretKey::Generate();
    Result<Checkpoint> cp = VerifyReceipt(good, VerifierFor(testing::kTestOrigin, other));
    REQUIRE_FALSE(cp.ok());
    CHECK(cp.status().code() == Code::kPermissionDenied);
    // The right key under another name is not the log either.
    NoteVerifier renamed = f.verifier();
    renamed.name = "vigil.other.example/log";
    renamed.key_hash = NoteKeyHash(renamed.name, renamed.key);
    CHECK_FALSE(VerifyReceipt(good, renamed).ok());
  }

  SECTION("a modified proof hash") {
    for (size_t i = 0; i < good.inclusion.size(); ++i) {
      for (size_t byte : {size_t{0}, size_t{17}, size_t{31}}) {
        Receipt bad = good;
        bad.inclusion[i] = FlipBit(bad.inclusion[i], byte, 3);
        Result<Checkpoint> cp = VerifyReceipt(bad, f.verifier());
        INFO("hash " << i << " byte " << byte);
        REQUIRE_FALSE(cp.ok());
        CHECK(cp.status().code() == Code::kCorruption);
      }
    }
    Receipt shorter = good;
    shorter.inclusion.pop_back();
    CHECK_FALSE(VerifyReceipt(shorter, f.verifier()).ok());
    Receipt longer = good;
    longer.inclusion.push_back(good.inclusion[0]);
    CHECK_FALSE(VerifyReceipt(longer, f.verifier()).ok());
    Receipt reordered = good;
    std::swap(reordered.inclusion[0], reordered.inclusion[1]);
    CHECK_FALSE(VerifyReceipt(reordered, f.verifier()).ok());
  }

  SECTION("a modified entry (the extra data)") {
    for (size_t pos : {size_t{0}, size_t{20}, good.entry.size() / 2, good.entry.size() - 1}) {
      Receipt bad = good;
      bad.entry[pos] = static_cast<char>(bad.entry[pos] + 1);
      INFO("byte " << pos);
      CHECK_FALSE(VerifyReceipt(bad, f.verifier()).ok());
      // Even with a leaf hash that matches the forged entry, the proof does not.
      bad.leaf_hash = merkle::HashLeaf(bad.entry);
      CHECK_FALSE(VerifyReceipt(bad, f.verifier()).ok());
    }
    // Another real entry of the same tree, claimed at this index.
    Receipt swapped = good;
    swapped.entry = f.receipts[1].entry;
    swapped.leaf_hash = f.receipts[1].leaf_hash;
    CHECK_FALSE(VerifyReceipt(swapped, f.verifier()).ok());
    // The tlog-proof text with a forged extra line.
    Receipt forged_entry = good;
    forged_entry.entry = f.receipts[3].entry;
    std::string forged = ReceiptToTlogProof(forged_entry);
    Result<Receipt> parsed = ReceiptFromTlogProof(forged);
    REQUIRE(parsed.ok());
    CHECK_FALSE(VerifyReceipt(*parsed, f.verifier()).ok());
  }

  SECTION("a modified index or leaf hash") {
    Receipt bad = good;
    bad.seq = 4;
    CHECK_FALSE(VerifyReceipt(bad, f.verifier()).ok());
    bad.entry.clear();  // without the entry, only the proof can catch it
    CHECK_FALSE(VerifyReceipt(bad, f.verifier()).ok());
    bad = good;
    bad.seq = 6;  // beyond the checkpoint's tree
    CHECK_FALSE(VerifyReceipt(bad, f.verifier()).ok());
    bad = good;
    bad.entry.clear();
    bad.leaf_hash = FlipBit(bad.leaf_hash, 0, 0);
    CHECK_FALSE(VerifyReceipt(bad, f.verifier()).ok());
  }

  SECTION("a checkpoint re-signed by another key") {
    SecretKey other = SecretKey::Generate();
    const std::string body = CheckpointText(good.checkpoint);
    Receipt bad = good;
    bad.checkpoint = SignNote(body, testing::kTestOrigin, other);
    Result<Checkpoint> cp = VerifyReceipt(bad, f.verifier());
    REQUIRE_FALSE(cp.ok());
    CHECK(cp.status().code() == Code::kPermissionDenied);
    // The forgery is well formed: it verifies for the forger's own key.
    CHECK(VerifyReceipt(bad, VerifierFor(testing::kTestOrigin, other)).ok());
  }

  SECTION("a checkpoint whose signature or body was changed") {
    Receipt bad = good;
    const size_t sig_at = bad.checkpoint.rfind(' ') + 10;
    bad.checkpoint[sig_at] = bad.checkpoint[sig_at] == 'A' ? 'B' : 'A';
    CHECK_FALSE(VerifyReceipt(bad, f.verifier()).ok());
    bad = good;
    bad.checkpoint[bad.checkpoint.find('\n') + 1] = '7';  // tree size 6 -> 7
    CHECK_FALSE(VerifyReceipt(bad, f.verifier()).ok());
  }

  SECTION("a checkpoint of another tree size") {
    std::vector<Result<Appended>> more =
        f.t.log->AppendBatch({RegisterSubmission(f.t, "later")}, testing::NowMs());
    REQUIRE(more[0].ok());
    Receipt bad = good;
    bad.checkpoint = more[0]->receipt.checkpoint;  // size 7, proof is for size 6
    CHECK_FALSE(VerifyReceipt(bad, f.verifier()).ok());
  }
}

TEST_CASE("a witness policy counts only the listed witnesses' valid cosignatures",
          "[receipt][witness]") {
  const SecretKey log_key = SecretKey::Generate();
  const Checkpoint c{"vigil.example/log", 42, Sha256("root")};
  const NoteVerifier log =
      ParseVerifierKey(VerifierKeyString(c.origin, log_key.public_key())).value();
  const std::string body = CheckpointBody(c);
  std::vector<SecretKey> keys;
  WitnessPolicy policy;
  for (int i = 0; i < 3; ++i) {
    keys.push_back(SecretKey::Generate());
    const std::string name = "w" + std::to_string(i) + ".example";
    policy.witnesses.push_back(ParseVerifierKey(VerifierKeyString(name, keys.back().public_key(),
                                                                  NoteKeyType::kCosignature))
                                   .value());
  }
  policy.quorum = 2;
  const std::string signed_note = SignCheckpoint(c, log_key);
  const auto cosign = [&](size_t i, uint64_t t) {
    return CosignatureLine(body, policy.witnesses[i].name, keys[i], t);
  };

  // Dishonest: one cosignature, a stranger's cosignature, and the log's own line twice.
  CHECK(OpenWitnessedCheckpoint(signed_note + cosign(0, 100), log, policy).status().code() ==
        Code::kPermissionDenied);
  const SecretKey stranger = SecretKey::Generate();
  CHECK(OpenWitnessedCheckpoint(
            signed_note + cosign(0, 100) + CosignatureLine(body, "w1.example", stranger, 100), log,
            policy)
            .status()
            .code() == Code::kPermissionDenied);
  CHECK(OpenWitnessedCheckpoint(signed_note + cosign(0, 100) + cosign(0, 101), log, policy)
            .status()
            .code() == Code::kPermissionDenied);
  // A cosignature over another checkpoint (another size) taints the note.
  const std::string other_body = CheckpointBody(Checkpoint{c.origin, 43, c.root});
  CHECK(OpenWitnessedCheckpoint(
            signed_note + cosign(0, 100) + CosignatureLine(other_body, "w1.example", keys[1], 100),
            log, policy)
            .status()
            .code() == Code::kCorruption);
  // Cosignatures without the log's own signature are not a checkpoint.
  CHECK(OpenWitnessedCheckpoint(body + "\n" + cosign(0, 100) + cosign(1, 100), log, policy)
            .status()
            .code() == Code::kPermissionDenied);

  // Honest: two of three, in any order, with the times reported.
  Result<WitnessedCheckpoint> ok =
      OpenWitnessedCheckpoint(signed_note + cosign(2, 7) + cosign(0, 5), log, policy);
  REQUIRE(ok.ok());
  CHECK(ok->checkpoint == c);
  CHECK(ok->cosigned_by == std::vector<std::string>{"w2.example", "w0.example"});
  CHECK(ok->cosigned_at == std::vector<uint64_t>{7, 5});
  // Quorum 0 accepts the log's signature alone; a quorum above the witnesses is a usage error.
  CHECK(OpenWitnessedCheckpoint(signed_note, log, WitnessPolicy{}).ok());
  WitnessPolicy impossible = policy;
  impossible.quorum = 4;
  CHECK(OpenWitnessedCheckpoint(signed_note, log, impossible).status().code() ==
        Code::kInvalidArgument);
}

}  // namespace
}  // namespace vigil
