// Receipts (DESIGN §4.5): proof, given to a submitter, that its entry is in the log.
//
// JSON: {"seq","leaf_hash","ts","checkpoint","inclusion"}.
// Text: the C2SP c2sp.org/tlog-proof@v1 form, with the entry bytes as its "extra" data so the
// file alone shows what was logged:
//   c2sp.org/tlog-proof@v1\nextra <base64 entry>\nindex <seq>\n<hash>\n...\n\n<checkpoint note>
#ifndef VIGIL_LEDGER_LOG_RECEIPT_H_
#define VIGIL_LEDGER_LOG_RECEIPT_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "keys/encoding.h"
#include "keys/note.h"
#include "keys/result.h"
#include "ledger/log/checkpoint.h"

namespace vigil {

struct Receipt {
  uint64_t seq = 0;
  Hash leaf_hash{};
  int64_t ts_ms = 0;
  std::string checkpoint;       // signed note of the batch that holds the entry
  std::vector<Hash> inclusion;  // inclusion proof of seq in that checkpoint's tree
  std::string entry;            // the entry bytes (in the text form only; may be empty)
  bool operator==(const Receipt&) const = default;
};

// The JSON text of the receipt.
std::string ReceiptToJson(const Receipt& r);
Result<Receipt> ReceiptFromJson(const nlohmann::json& j);

std::string ReceiptToTlogProof(const Receipt& r);
// Parses the text form; the entry is recovered from "extra" when present.
Result<Receipt> ReceiptFromTlogProof(std::string_view text);

// Verifies a receipt offline: the checkpoint's signature by `log`, the entry bytes hashing to
// leaf_hash (when present), and the inclusion proof to the checkpoint's root. Returns the
// checkpoint. kCorruption / kPermissionDenied naming the failing step.
Result<Checkpoint> VerifyReceipt(const Receipt& r, const NoteVerifier& log);

}  // namespace vigil

#endif  // VIGIL_LEDGER_LOG_RECEIPT_H_
