#include "ledger/log/checkpoint.h"

namespace vigil {

std::string CheckpointBody(const Checkpoint& c) {
  return c.origin + "\n" + std::to_string(c.size) + "\n" + Base64(c.root) + "\n";
}

Result<Checkpoint> ParseCheckpointBody(std::string_view text) {
  std::string_view lines[3];
  std::string_view rest = text;
  for (auto& line : lines) {
    size_t nl = rest.find('\n');
    if (nl == std::string_view::npos) {
      return Status(Code::kInvalidArgument, "checkpoint body must have three lines");
    }
    line = rest.substr(0, nl);
    rest.remove_prefix(nl + 1);
  }
  Checkpoint c;
  if (lines[0].empty()) return Status(Code::kInvalidArgument, "checkpoint origin is empty");
  c.origin = std::string(lines[0]);
  const std::string_view sz = lines[1];
  if (sz.empty() || sz.size() > 20 || (sz.size() > 1 && sz[0] == '0') ||
      sz.find_first_not_of("0123456789") != std::string_view::npos) {
    return Status(Code::kInvalidArgument, "checkpoint size is not a decimal number");
  }
  try {
    c.size = std::stoull(std::string(sz));
  } catch (...) {
    return Status(Code::kInvalidArgument, "checkpoint size is out of range");
  }
  Result<Hash> root = HashFromBase64(lines[2]);
  if (!root.ok())
    return Status(Code::kInvalidArgument, "checkpoint root: " + root.status().message());
  c.root = *root;
  return c;
}

std::string SignCheckpoint(const Checkpoint& c, const SecretKey& log_key) {
  return SignNote(CheckpointBody(c), c.origin, log_key);
}

Result<Checkpoint> OpenCheckpoint(std::string_view note, const NoteVerifier& log) {
  Result<OpenedNote> opened = OpenNote(note, {log});
  if (!opened.ok()) return opened.status();
  Result<Checkpoint> c = ParseCheckpointBody(opened->text);
  if (!c.ok()) return c.status();
  if (c->origin != log.name) {
    return Status(Code::kCorruption, "checkpoint origin \"" + c->origin +
                                         "\" is not the log's origin \"" + log.name + "\"");
  }
  return c;
}

Result<WitnessedCheckpoint> OpenWitnessedCheckpoint(std::string_view note, const NoteVerifier& log,
                                                    const WitnessPolicy& policy) {
  if (policy.quorum > policy.witnesses.size()) {
    return Status(Code::kInvalidArgument,
                  "witness quorum " + std::to_string(policy.quorum) + " is more than the " +
                      std::to_string(policy.witnesses.size()) + " witness key(s) given");
  }
  std::vector<NoteVerifier> known = {log};
  for (const NoteVerifier& w : policy.witnesses) {
    if (w.type != NoteKeyType::kCosignature) {
      return Status(Code::kInvalidArgument,
                    "witness key " + w.name + " is not a cosignature key (type 0x04)");
    }
    if (w.name == log.name) {
      return Status(Code::kInvalidArgument, "witness key " + w.name + " is named like the log");
    }
    known.push_back(w);
  }
  Result<OpenedNote> opened = OpenNote(note, known);
  if (!opened.ok()) return opened.status();
  WitnessedCheckpoint out;
  bool log_signed = false;
  for (size_t i = 0; i < opened->verified_by.size(); ++i) {
    if (opened->verified_by[i] == log.name) {
      log_signed = true;
    } else {
      out.cosigned_by.push_back(opened->verified_by[i]);
      out.cosigned_at.push_back(opened->times[i]);
    }
  }
  if (!log_signed) {
    return Status(Code::kPermissionDenied, "checkpoint: no signature by the log key " + log.name);
  }
  Result<Checkpoint> c = ParseCheckpointBody(opened->text);
  if (!c.ok()) return c.status();
  if (c->origin != log.name) {
    return Status(Code::kCorruption, "checkpoint origin \"" + c->origin +
                                         "\" is not the log's origin \"" + log.name + "\"");
  }
  out.checkpoint = *c;
  if (out.cosigned_by.size() < policy.quorum) {
    std::string names;
    for (const std::string& n : out.cosigned_by) names += (names.empty() ? "" : ", ") + n;
    return Status(Code::kPermissionDenied,
                  "checkpoint cosigned by " + std::to_string(out.cosigned_by.size()) + " of " +
                      std::to_string(policy.witnesses.size()) + " witnesses" +
                      (names.empty() ? "" : " (" + names + ")") + "; the policy needs " +
                      std::to_string(policy.quorum));
  }
  return out;
}

}  // namespace vigil
