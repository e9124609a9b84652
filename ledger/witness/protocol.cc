#include "ledger/witness/protocol.h"

#include <cassert>
#include <charconv>

namespace vigil::witness {

Result<uint64_t> ParseDecimalSize(std::string_view text, std::string_view what) {
  const auto bad = [&] {
    return Status(Code::kInvalidArgument,
                  std::string(what) + " must be a decimal number with no leading zero");
  };
  if (text.empty() || text.size() > 20 || (text.size() > 1 && text[0] == '0')) return bad();
  uint64_t v = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size()) return bad();
  return v;
}

std::string FormatAddCheckpoint(const AddCheckpointRequest& request) {
  assert(request.proof.size() <= kMaxProofLines);
  std::string out = "old " + std::to_string(request.old_size) + "\n";
  for (const Hash& h : request.proof) out += Base64(h) + "\n";
  out += "\n";
  out += request.checkpoint;
  return out;
}

Result<AddCheckpointRequest> ParseAddCheckpoint(std::string_view body) {
  AddCheckpointRequest req;
  size_t pos = 0;
  // The next line without its '\n'; false if no '\n' ends it.
  auto next_line = [&](std::string_view& line) {
    const size_t nl = body.find('\n', pos);
    if (nl == std::string_view::npos) return false;
    line = body.substr(pos, nl - pos);
    pos = nl + 1;
    return true;
  };
  std::string_view line;
  if (!next_line(line) || line.substr(0, 4) != "old ") {
    return Status(Code::kInvalidArgument,
                  "the body must start with the line \"old <size>\" ended by a newline");
  }
  Result<uint64_t> old = ParseDecimalSize(line.substr(4), "the old size");
  if (!old.ok()) return old.status();
  req.old_size = *old;
  for (;;) {
    if (!next_line(line)) {
      return Status(Code::kInvalidArgument,
                    "no empty line after the consistency proof: the checkpoint must follow one");
    }
    if (line.empty()) break;
    if (req.proof.size() == kMaxProofLines) {
      return Status(Code::kInvalidArgument,
                    "more than 63 consistency proof lines (the protocol's limit)");
    }
    Result<Hash> h = HashFromBase64(line);
    if (!h.ok()) {
      return Status(Code::kInvalidArgument, "consistency proof line " +
                                                std::to_string(req.proof.size() + 1) +
                                                " is not the base64 of a 32-byte hash");
    }
    req.proof.push_back(*h);
  }
  req.checkpoint = std::string(body.substr(pos));
  if (req.checkpoint.empty()) {
    return Status(Code::kInvalidArgument, "no checkpoint after the empty line");
  }
  return req;
}

std::string FormatSizeBody(uint64_t size) { return std::to_string(size) + "\n"; }

Result<uint64_t> ParseSizeBody(std::string_view body) {
  if (body.empty() || body.back() != '\n') {
    return Status(Code::kInvalidArgument, "a text/x.tlog.size body must end in a newline");
  }
  return ParseDecimalSize(body.substr(0, body.size() - 1), "a text/x.tlog.size body");
}

}  // namespace vigil::witness
