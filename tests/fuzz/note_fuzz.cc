// Fuzz harness: C2SP signed notes and checkpoints (keys/note.h OpenNote, ParseVerifierKey;
// ledger/checkpoint.h ParseCheckpointBody, OpenCheckpoint; ledger/receipt.h
// ReceiptFromTlogProof), which monitors, witnesses and `vigil verify --receipt` read from
// a server they do not trust.
// Properties: a note that was not signed by the known key never opens (forgery would be a
// finding); a checkpoint body that parses, signed by the log key, opens to the same checkpoint.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "keys/key.h"
#include "keys/note.h"
#include "ledger/log/checkpoint.h"
#include "ledger/log/receipt.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

const vigil::SecretKey& LogKey() {
  static const vigil::SecretKey* key =
      new vigil::SecretKey(*vigil::SecretKey::FromSeed(std::string(32, '\x07')));
  return *key;
}

constexpr char kOrigin[] = "vigil.fuzz.example/log";

// Printable ASCII without space and '+': a key name SignNote accepts.
bool PlainName(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c <= 0x20 || c >= 0x7f || c == '+') return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const vigil::PublicKey& pub = LogKey().public_key();
  const vigil::NoteVerifier log{kOrigin, vigil::NoteKeyHash(kOrigin, pub), pub};

  // The input as a note: it opens only if it carries a real signature by the log key, which
  // only the seeds made by the harness's key do; then its text is what was signed.
  vigil::Result<vigil::OpenedNote> opened = vigil::OpenNote(text, {log});
  if (opened.ok()) {
    FUZZ_CHECK(!opened->verified_by.empty());
    FUZZ_CHECK(text.substr(0, opened->text.size()) == opened->text);
    // Re-signing the same text gives a note that opens too (Ed25519 is deterministic).
    FUZZ_CHECK(vigil::OpenNote(vigil::SignNote(opened->text, kOrigin, LogKey()), {log}).ok());
  }
  (void)vigil::OpenCheckpoint(text, log);
  (void)vigil::ParseVerifierKey(text);
  vigil::Result<vigil::Receipt> receipt = vigil::ReceiptFromTlogProof(text);
  if (receipt.ok()) (void)vigil::VerifyReceipt(*receipt, log);  // proof checks on hostile input

  // The input as a checkpoint body.
  vigil::Result<vigil::Checkpoint> c = vigil::ParseCheckpointBody(text);
  if (c.ok()) {
    const std::string body = vigil::CheckpointBody(*c);
    FUZZ_CHECK(text.substr(0, body.size()) == body);
    if (PlainName(c->origin)) {
      const vigil::NoteVerifier own{c->origin, vigil::NoteKeyHash(c->origin, pub), pub};
      vigil::Result<vigil::Checkpoint> back =
          vigil::OpenCheckpoint(vigil::SignCheckpoint(*c, LogKey()), own);
      FUZZ_CHECK(back.ok());
      FUZZ_CHECK(*back == *c);
    }
  }
  return 0;
}
