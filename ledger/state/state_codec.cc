#include "ledger/state/state_codec.h"

#include <algorithm>

#include "keys/coding.h"
#include "ledger/log/entry.h"
#include "ledger/state/state_keys.h"

namespace vigil::codec {

namespace {

constexpr char kCompact = 0x01;  // first byte of a compact value (JSON text never starts so)

// Effect field tags (EncodeEntryInfo).
enum EffectTag : uint8_t {
  kEffectMsgpack = 0,  // the rest of the value is the whole effect as MessagePack (its keys
                       // may hold binary seqs, which JSON text cannot)
  kEffectStock = 1,
  kEffectWindow = 2,
  kEffectTransfer = 3,
  kEffectVenueViol = 4,
  kEffectInspection = 5,
  kEffectAck = 6,
  kEffectSupplier = 7,
};

// Compact effect; nullopt if the effect has a shape it does not cover.
std::optional<std::string> CompactEffect(const nlohmann::json& e, std::string_view actor) {
  std::string out;
  if (!e.is_object()) return std::nullopt;
  for (const auto& [name, v] : e.items()) {
    if (name == "stock") {
      if (!v.is_array()) return std::nullopt;
      for (const auto& d : v) {
        if (!d.is_object() || d.size() != 4 || !d.contains("participant") ||
            !d["participant"].is_string() || !d.contains("substance") ||
            !d["substance"].is_string() || !d.contains("delta") ||
            !d["delta"].is_number_integer() || !d.contains("day") ||
            !d["day"].is_number_integer()) {
          return std::nullopt;
        }
        const std::string& p = d["participant"].get_ref<const std::string&>();
        out.push_back(kEffectStock);
        PutString(out, p == actor ? std::string_view() : std::string_view(p));
        PutString(out, d["substance"].get_ref<const std::string&>());
        PutSigned(out, d["delta"].get<int64_t>());
        PutSigned(out, d["day"].get<int64_t>());
      }
    } else if (name == "window") {
      if (!v.is_object() || v.size() != 4 || !v.contains("subject") || !v["subject"].is_string() ||
          !v.contains("substance") || !v["substance"].is_string() || !v.contains("day") ||
          !v["day"].is_number_integer() || !v.contains("amount") ||
          !v["amount"].is_number_integer()) {
        return std::nullopt;
      }
      out.push_back(kEffectWindow);
      PutString(out, v["subject"].get_ref<const std::string&>());
      PutString(out, v["substance"].get_ref<const std::string&>());
      PutSigned(out, v["day"].get<int64_t>());
      PutSigned(out, v["amount"].get<int64_t>());
    } else if (name == "transfer" || name == "venueviol" || name == "inspection" || name == "ack" ||
               name == "supplier") {
      if (!v.is_string()) return std::nullopt;
      out.push_back(name == "transfer"     ? kEffectTransfer
                    : name == "venueviol"  ? kEffectVenueViol
                    : name == "inspection" ? kEffectInspection
                    : name == "ack"        ? kEffectAck
                                           : kEffectSupplier);
      PutString(out, v.get_ref<const std::string&>());
    } else {
      return std::nullopt;
    }
  }
  return out;
}

std::optional<nlohmann::json> ParseEffect(std::string_view in, std::string_view actor) {
  nlohmann::json e = nlohmann::json::object();
  while (!in.empty()) {
    const uint8_t tag = static_cast<uint8_t>(in[0]);
    in.remove_prefix(1);
    switch (tag) {
      case kEffectMsgpack: {
        nlohmann::json j = nlohmann::json::from_msgpack(in, true, false);
        if (j.is_discarded() || !j.is_object()) return std::nullopt;
        return j;
      }
      case kEffectStock: {
        std::string p, s;
        int64_t delta = 0, day = 0;
        if (!GetString(in, &p) || !GetString(in, &s) || !GetSigned(in, &delta) ||
            !GetSigned(in, &day)) {
          return std::nullopt;
        }
        e["stock"].push_back({{"participant", p.empty() ? std::string(actor) : p},
                              {"substance", s},
                              {"delta", delta},
                              {"day", day}});
        break;
      }
      case kEffectWindow: {
        std::string subject, substance;
        int64_t day = 0, amount = 0;
        if (!GetString(in, &subject) || !GetString(in, &substance) || !GetSigned(in, &day) ||
            !GetSigned(in, &amount)) {
          return std::nullopt;
        }
        e["window"] = {
            {"subject", subject}, {"substance", substance}, {"day", day}, {"amount", amount}};
        break;
      }
      case kEffectTransfer:
      case kEffectVenueViol:
      case kEffectInspection:
      case kEffectAck:
      case kEffectSupplier: {
        std::string s;
        if (!GetString(in, &s)) return std::nullopt;
        e[tag == kEffectTransfer     ? "transfer"
          : tag == kEffectVenueViol  ? "venueviol"
          : tag == kEffectInspection ? "inspection"
          : tag == kEffectAck        ? "ack"
                                     : "supplier"] = s;
        break;
      }
      default:
        return std::nullopt;
    }
  }
  return e;
}

// ---- JSON records with a compact form ----

enum TransferStatus : uint8_t { kOpen = 0, kReceived = 1, kVoided = 2 };

// Timestamps are stored as ms; the text is what FormatTimestamp gives (checked on encode).
bool TimeField(const nlohmann::json& j, const char* field, std::string& out) {
  auto it = j.find(field);
  if (it == j.end() || !it->is_string()) return false;
  Result<int64_t> ms = ParseTimestamp(it->get_ref<const std::string&>());
  if (!ms.ok()) return false;
  PutSigned(out, *ms);
  return true;
}

bool UnsignedField(const nlohmann::json& j, const char* field, std::string& out) {
  auto it = j.find(field);
  if (it == j.end() || !it->is_number_unsigned()) return false;
  PutVarint(out, it->get<uint64_t>());
  return true;
}

bool IntegerField(const nlohmann::json& j, const char* field, std::string& out) {
  auto it = j.find(field);
  if (it == j.end() || !it->is_number_integer()) return false;
  PutSigned(out, it->get<int64_t>());
  return true;
}

bool StringField(const nlohmann::json& j, const char* field, std::string& out) {
  auto it = j.find(field);
  if (it == j.end() || !it->is_string()) return false;
  PutString(out, it->get_ref<const std::string&>());
  return true;
}

std::optional<std::string> CompactTransfer(std::string_view key, const nlohmann::json& t) {
  std::optional<statekey::TransferKeyParts> parts = statekey::ParseTransferKey(key);
  if (!parts.has_value() || !t.is_object()) return std::nullopt;
  if (t.value("from", "") != parts->from || t.value("transfer_id", "") != parts->transfer_id) {
    return std::nullopt;
  }
  const std::string status = t.value("status", "");
  const bool received = t.contains("received_seq");
  std::string out(1, kCompact);
  out.push_back(static_cast<char>(status == "open"       ? kOpen
                                  : status == "received" ? kReceived
                                  : status == "voided"   ? kVoided
                                                         : 0xff));
  if (static_cast<uint8_t>(out.back()) == 0xff) return std::nullopt;
  out.push_back(received ? 1 : 0);
  if (!StringField(t, "to", out) || !StringField(t, "substance", out) ||
      !IntegerField(t, "amount", out) || !UnsignedField(t, "dispatched_seq", out) ||
      !TimeField(t, "dispatched_at", out) || !TimeField(t, "due", out)) {
    return std::nullopt;
  }
  if (received && (!UnsignedField(t, "received_seq", out) ||
                   !IntegerField(t, "received_amount", out) || !TimeField(t, "received_at", out))) {
    return std::nullopt;
  }
  return out;
}

std::optional<nlohmann::json> ParseTransfer(std::string_view key, std::string_view in) {
  std::optional<statekey::TransferKeyParts> parts = statekey::ParseTransferKey(key);
  if (!parts.has_value() || in.size() < 3) return std::nullopt;
  const uint8_t status = static_cast<uint8_t>(in[1]);
  const bool received = in[2] != 0;
  in.remove_prefix(3);
  std::string to, substance;
  int64_t amount = 0, dispatched_at = 0, due = 0;
  uint64_t dispatched_seq = 0;
  if (status > kVoided || !GetString(in, &to) || !GetString(in, &substance) ||
      !GetSigned(in, &amount) || !GetVarint(in, &dispatched_seq) ||
      !GetSigned(in, &dispatched_at) || !GetSigned(in, &due)) {
    return std::nullopt;
  }
  nlohmann::json t = {{"from", parts->from},
                      {"to", to},
                      {"transfer_id", parts->transfer_id},
                      {"substance", substance},
                      {"amount", amount},
                      {"dispatched_seq", dispatched_seq},
                      {"dispatched_at", FormatTimestamp(dispatched_at)},
                      {"due", FormatTimestamp(due)},
                      {"status", status == kOpen       ? "open"
                                 : status == kReceived ? "received"
                                                       : "voided"}};
  if (received) {
    uint64_t received_seq = 0;
    int64_t received_amount = 0, received_at = 0;
    if (!GetVarint(in, &received_seq) || !GetSigned(in, &received_amount) ||
        !GetSigned(in, &received_at)) {
      return std::nullopt;
    }
    t["received_seq"] = received_seq;
    t["received_amount"] = received_amount;
    t["received_at"] = FormatTimestamp(received_at);
  }
  if (!in.empty()) return std::nullopt;
  return t;
}

std::optional<std::string> CompactAcqStat(const nlohmann::json& a) {
  if (!a.is_object() || a.size() != 2) return std::nullopt;
  std::string out(1, kCompact);
  if (!IntegerField(a, "count", out) || !IntegerField(a, "total", out)) return std::nullopt;
  return out;
}

std::optional<nlohmann::json> ParseAcqStat(std::string_view in) {
  in.remove_prefix(1);
  int64_t count = 0, total = 0;
  if (!GetSigned(in, &count) || !GetSigned(in, &total) || !in.empty()) return std::nullopt;
  return nlohmann::json{{"count", count}, {"total", total}};
}

enum class Kind { kJson, kTransfer, kAcqStat };
Kind KindOf(std::string_view key) {
  if (key.starts_with(statekey::kTransferPrefix)) return Kind::kTransfer;
  if (key.starts_with(statekey::kAcqStatPrefix)) return Kind::kAcqStat;
  return Kind::kJson;
}

std::optional<nlohmann::json> ParseCompact(Kind kind, std::string_view key, std::string_view v) {
  switch (kind) {
    case Kind::kTransfer:
      return ParseTransfer(key, v);
    case Kind::kAcqStat:
      return ParseAcqStat(v);
    case Kind::kJson:
      break;
  }
  return std::nullopt;
}

}  // namespace

// ---- the per-entry record ----

std::string EncodeEntryInfo(const EntryInfo& info) {
  std::string out;
  out.push_back(static_cast<char>(info.type_code));
  out.push_back(info.personal ? 1 : 0);
  PutString(out, info.actor);
  PutSigned(out, info.at_ms);
  if (info.effect.empty()) return out;
  std::optional<std::string> compact = CompactEffect(info.effect, info.actor);
  if (compact.has_value()) {
    std::optional<nlohmann::json> back = ParseEffect(*compact, info.actor);
    if (back.has_value() && *back == info.effect) return out + *compact;
  }
  out.push_back(static_cast<char>(kEffectMsgpack));
  std::vector<uint8_t> packed = nlohmann::json::to_msgpack(info.effect);
  return out.append(packed.begin(), packed.end());
}

Result<EntryInfo> DecodeEntryInfo(std::string_view value) {
  EntryInfo info;
  if (value.size() < 2) return Status(Code::kCorruption, "damaged entry record in the state");
  info.type_code = static_cast<uint8_t>(value[0]);
  info.personal = value[1] != 0;
  value.remove_prefix(2);
  if (!GetString(value, &info.actor) || !GetSigned(value, &info.at_ms))
    return Status(Code::kCorruption, "damaged entry record in the state");
  std::optional<nlohmann::json> effect = ParseEffect(value, info.actor);
  if (!effect.has_value())
    return Status(Code::kCorruption, "damaged effect in an entry record of the state");
  info.effect = std::move(*effect);
  return info;
}

Result<bool> EntryInfoPersonal(std::string_view value) {
  if (value.size() < 2) return Status(Code::kCorruption, "damaged entry record in the state");
  return value[1] != 0;
}

// ---- day buckets ----

std::string EncodeCounts(std::initializer_list<int64_t> counts) {
  std::string out;
  for (int64_t c : counts) PutSigned(out, c);
  return out;
}

bool DecodeCounts(std::string_view value, std::initializer_list<int64_t*> counts) {
  for (int64_t* c : counts) {
    if (!GetSigned(value, c)) return false;
  }
  return value.empty();
}

// ---- trails ----

namespace {

// Reads one item of a chunk, `prev` being the previous item's seq.
bool GetTrailItem(std::string_view& in, uint64_t prev, TrailItem* item) {
  uint64_t delta = 0, n = 0;
  if (!GetVarint(in, &delta) || in.empty()) return false;
  item->seq = prev + delta;
  item->type_code = static_cast<uint8_t>(in[0]);
  in.remove_prefix(1);
  if (!GetVarint(in, &n) || n > in.size()) return false;
  item->stock.clear();
  for (uint64_t i = 0; i < n; ++i) {
    std::string substance;
    int64_t stock = 0;
    if (!GetString(in, &substance) || !GetSigned(in, &stock)) return false;
    item->stock.emplace_back(std::move(substance), stock);
  }
  return true;
}

}  // namespace

bool AppendTrailItem(std::string& chunk, const TrailItem& item) {
  uint64_t last = 0;
  std::string_view in = chunk;
  TrailItem scratch;
  bool first = true;
  while (!in.empty()) {
    if (!GetTrailItem(in, last, &scratch)) return false;
    last = scratch.seq;
    first = false;
  }
  if (!first && item.seq <= last) return false;
  PutVarint(chunk, item.seq - last);
  chunk.push_back(static_cast<char>(item.type_code));
  PutVarint(chunk, item.stock.size());
  for (const auto& [substance, stock] : item.stock) {
    PutString(chunk, substance);
    PutSigned(chunk, stock);
  }
  return true;
}

Result<std::vector<TrailItem>> DecodeTrailChunk(std::string_view chunk) {
  std::vector<TrailItem> out;
  uint64_t last = 0;
  if (chunk.empty()) return Status(Code::kCorruption, "empty trail chunk in the state");
  while (!chunk.empty()) {
    TrailItem item;
    if (!GetTrailItem(chunk, last, &item) || (!out.empty() && item.seq <= last)) {
      return Status(Code::kCorruption, "damaged trail chunk in the state");
    }
    last = item.seq;
    out.push_back(std::move(item));
  }
  return out;
}

// ---- JSON records ----

std::string EncodeJson(std::string_view key, const nlohmann::json& value) {
  const Kind kind = KindOf(key);
  std::optional<std::string> compact;
  switch (kind) {
    case Kind::kTransfer:
      compact = CompactTransfer(key, value);
      break;
    case Kind::kAcqStat:
      compact = CompactAcqStat(value);
      break;
    case Kind::kJson:
      break;
  }
  std::string text = value.dump();
  if (compact.has_value()) {
    std::optional<nlohmann::json> back = ParseCompact(kind, key, *compact);
    if (back.has_value() && back->dump() == text) return std::move(*compact);
  }
  return text;
}

std::optional<nlohmann::json> DecodeJson(std::string_view key, std::string_view value) {
  if (!value.empty() && value[0] == kCompact) {
    const Kind kind = KindOf(key);
    if (kind == Kind::kJson) return std::nullopt;
    return ParseCompact(kind, key, value);
  }
  nlohmann::json j = nlohmann::json::parse(value, nullptr, false);
  if (j.is_discarded()) return std::nullopt;
  return j;
}

}  // namespace vigil::codec
