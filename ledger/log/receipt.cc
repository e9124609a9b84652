#include "ledger/log/receipt.h"

#include "ledger/log/entry.h"
#include "ledger/log/merkle.h"

namespace vigil {

namespace {
constexpr std::string_view kTlogProofHeader = "c2sp.org/tlog-proof@v1\n";
}

std::string ReceiptToJson(const Receipt& r) {
  // Written directly rather than through a JSON tree: every append answers with one (a tree and
  // its dump were ~45k instructions per receipt, 3% of the server's work per append). Only the
  // checkpoint can hold characters JSON escapes; the rest is digits and base64.
  std::string out;
  out.reserve(160 + r.checkpoint.size() + 48 * r.inclusion.size());
  out += "{\"seq\":" + std::to_string(r.seq) + ",\"leaf_hash\":\"" + Base64(r.leaf_hash) +
         "\",\"ts\":\"" + FormatTimestamp(r.ts_ms) + "\",\"checkpoint\":";
  AppendJsonString(&out, r.checkpoint);
  out += ",\"inclusion\":[";
  for (size_t i = 0; i < r.inclusion.size(); ++i) {
    out += (i == 0 ? "\"" : ",\"") + Base64(r.inclusion[i]) + "\"";
  }
  out += "]}";
  return out;
}

Result<Receipt> ReceiptFromJson(const nlohmann::json& j) {
  Receipt r;
  try {
    r.seq = j.at("seq").get<uint64_t>();
    Result<Hash> leaf = HashFromBase64(j.at("leaf_hash").get<std::string>());
    if (!leaf.ok())
      return Status(Code::kInvalidArgument, "receipt leaf_hash: " + leaf.status().message());
    r.leaf_hash = *leaf;
    Result<int64_t> ts = ParseTimestamp(j.at("ts").get<std::string>());
    if (!ts.ok()) return ts.status();
    r.ts_ms = *ts;
    r.checkpoint = j.at("checkpoint").get<std::string>();
    for (const auto& h : j.at("inclusion")) {
      Result<Hash> hash = HashFromBase64(h.get<std::string>());
      if (!hash.ok())
        return Status(Code::kInvalidArgument, "receipt inclusion: " + hash.status().message());
      r.inclusion.push_back(*hash);
    }
  } catch (const nlohmann::json::exception&) {
    return Status(Code::kInvalidArgument,
                  "not a Vigil receipt: needs seq, leaf_hash, ts, checkpoint and inclusion");
  }
  return r;
}

std::string ReceiptToTlogProof(const Receipt& r) {
  std::string out(kTlogProofHeader);
  if (!r.entry.empty()) out += "extra " + Base64Encode(r.entry) + "\n";
  out += "index " + std::to_string(r.seq) + "\n";
  for (const Hash& h : r.inclusion) out += Base64(h) + "\n";
  out += "\n";
  out += r.checkpoint;
  return out;
}

Result<Receipt> ReceiptFromTlogProof(std::string_view text) {
  Status bad(Code::kInvalidArgument, "not a c2sp.org/tlog-proof@v1 proof");
  if (text.substr(0, kTlogProofHeader.size()) != kTlogProofHeader) return bad;
  text.remove_prefix(kTlogProofHeader.size());
  size_t blank = text.find("\n\n");
  if (blank == std::string_view::npos) return bad;
  std::string_view head = text.substr(0, blank + 1);
  Receipt r;
  r.checkpoint = std::string(text.substr(blank + 2));
  bool have_index = false;
  while (!head.empty()) {
    size_t nl = head.find('\n');
    std::string_view line = head.substr(0, nl);
    head.remove_prefix(nl + 1);
    if (line.substr(0, 6) == "extra ") {
      if (have_index || !r.entry.empty()) return bad;
      Result<Bytes> e = Base64Decode(line.substr(6));
      if (!e.ok()) return bad;
      r.entry = *e;
    } else if (line.substr(0, 6) == "index ") {
      if (have_index) return bad;
      std::string n(line.substr(6));
      if (n.empty() || n.find_first_not_of("0123456789") != std::string::npos || n.size() > 19) {
        return bad;
      }
      r.seq = std::stoull(n);
      have_index = true;
    } else {
      if (!have_index) return bad;
      Result<Hash> h = HashFromBase64(line);
      if (!h.ok()) return bad;
      r.inclusion.push_back(*h);
    }
  }
  if (!have_index) return bad;
  if (!r.entry.empty()) {
    r.leaf_hash = merkle::HashLeaf(r.entry);
    Result<Entry> e = DecodeEntry(r.entry);
    if (e.ok()) r.ts_ms = e->ts_ms;
  }
  return r;
}

Result<Checkpoint> VerifyReceipt(const Receipt& r, const NoteVerifier& log) {
  Result<Checkpoint> cp = OpenCheckpoint(r.checkpoint, log);
  if (!cp.ok()) return Status(cp.status().code(), "receipt checkpoint: " + cp.status().message());
  if (!r.entry.empty()) {
    if (merkle::HashLeaf(r.entry) != r.leaf_hash) {
      return Status(Code::kCorruption, "the entry bytes do not hash to the receipt's leaf hash");
    }
    Result<Entry> e = DecodeEntry(r.entry);
    if (!e.ok()) return e.status();
    if (e->seq != r.seq) {
      return Status(Code::kCorruption, "the entry's seq " + std::to_string(e->seq) +
                                           " is not the receipt's index " + std::to_string(r.seq));
    }
  }
  Status s = merkle::VerifyInclusion(r.seq, cp->size, r.leaf_hash, r.inclusion, cp->root);
  if (!s.ok()) return Status(s.code(), "receipt inclusion proof: " + s.message());
  return cp;
}

}  // namespace vigil
