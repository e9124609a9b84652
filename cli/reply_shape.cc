#include "cli/reply_shape.h"

#include <cstdint>
#include <limits>
#include <utility>

#include "ledger/state/payload.h"

namespace vigil::cli {

namespace {

// What `j` is, for a message: "a string", "a negative integer", ...
std::string Kind(const nlohmann::json& j) {
  switch (j.type()) {
    case nlohmann::json::value_t::null:
      return "null";
    case nlohmann::json::value_t::boolean:
      return "a boolean";
    case nlohmann::json::value_t::string:
      return "a string";
    case nlohmann::json::value_t::number_unsigned:
      return j.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())
                 ? "an integer above 2^63-1"
                 : "an integer";
    case nlohmann::json::value_t::number_integer:
      return "a negative integer";
    case nlohmann::json::value_t::number_float:
      return "a number that is not a 64-bit integer";
    case nlohmann::json::value_t::array:
      return "an array";
    case nlohmann::json::value_t::object:
      return "an object";
    default:
      return "not a JSON value";
  }
}

bool IsInt64(const nlohmann::json& j) {
  if (j.is_number_unsigned()) {
    return j.get<uint64_t>() <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  }
  return j.is_number_integer();
}

// The first `n` bytes of `body` with everything but printable ASCII shown as '?', so that a
// message stays one line and cannot move a terminal's cursor.
std::string Preview(const std::string& body, size_t n = 40) {
  std::string out;
  for (size_t i = 0; i < body.size() && i < n; ++i) {
    const auto c = static_cast<unsigned char>(body[i]);
    out += c >= 0x20 && c < 0x7f ? static_cast<char>(c) : '?';
  }
  if (body.size() > n) out += "...";
  return out;
}

// Why `body` is not acceptable JSON, given that ParseJson refused it with `error`.
std::string NotJsonReason(const Response& res, const Status& error) {
  const bool says_json = res.content_type.rfind("application/json", 0) == 0 ||
                         res.content_type.find("+json") != std::string::npos;
  const std::string start = " (it starts \"" + Preview(res.body) + "\")";
  if (!says_json) {
    return "the body is " + (res.content_type.empty() ? "of no content type" : res.content_type) +
           ", not JSON" + start;
  }
  if (error.message().rfind("not valid JSON", 0) == 0) {
    // ParseJson hides the library's error position; ask again, on this error path only, to
    // tell a body cut short from one that is simply not JSON.
    try {
      [[maybe_unused]] const nlohmann::json again = nlohmann::json::parse(res.body);
    } catch (const nlohmann::json::parse_error& e) {
      if (e.byte > res.body.size()) {
        return "the JSON ends early, after " + std::to_string(res.body.size()) +
               " bytes (truncated)";
      }
    } catch (const nlohmann::json::exception&) {
    }
    return "the body is " + error.message() + start;
  }
  return "the body is " + error.message();
}

}  // namespace

JsonShape JsonShape::String() { return JsonShape(Type::kString); }
JsonShape JsonShape::Bool() { return JsonShape(Type::kBool); }
JsonShape JsonShape::Uint64() { return JsonShape(Type::kUint64); }
JsonShape JsonShape::Int64() { return JsonShape(Type::kInt64); }

JsonShape JsonShape::ArrayOf(JsonShape element) {
  JsonShape s(Type::kArray);
  s.element_.push_back(std::move(element));
  return s;
}

JsonShape JsonShape::Object(std::vector<Field> fields) {
  JsonShape s(Type::kObject);
  s.fields_ = std::move(fields);
  return s;
}

JsonShape JsonShape::OrNull() const {
  JsonShape s = *this;
  s.nullable_ = true;
  return s;
}

JsonShape::Field Required(std::string name, JsonShape shape) {
  return {std::move(name), std::move(shape), true};
}

JsonShape::Field Optional(std::string name, JsonShape shape) {
  return {std::move(name), std::move(shape), false};
}

const char* JsonShape::Describe(Type type) {
  switch (type) {
    case Type::kString:
      return "a string";
    case Type::kBool:
      return "a boolean";
    case Type::kUint64:
      return "an unsigned 64-bit integer";
    case Type::kInt64:
      return "a signed 64-bit integer";
    case Type::kArray:
      return "an array";
    case Type::kObject:
      return "an object";
  }
  return "?";
}

std::string JsonShape::Mismatch(const nlohmann::json& j) const { return Mismatch(j, ""); }

std::string JsonShape::Mismatch(const nlohmann::json& j, const std::string& path) const {
  if (nullable_ && j.is_null()) return "";
  bool fits = false;
  switch (type_) {
    case Type::kString:
      fits = j.is_string();
      break;
    case Type::kBool:
      fits = j.is_boolean();
      break;
    case Type::kUint64:
      fits = j.is_number_unsigned();
      break;
    case Type::kInt64:
      fits = IsInt64(j);
      break;
    case Type::kArray:
      fits = j.is_array();
      break;
    case Type::kObject:
      fits = j.is_object();
      break;
  }
  const std::string where = path.empty() ? "it" : path;
  if (!fits) {
    return where + " is " + Kind(j) + ", not " + Describe(type_) + (nullable_ ? " or null" : "");
  }
  if (type_ == Type::kArray) {
    for (size_t i = 0; i < j.size(); ++i) {
      std::string m = element_.front().Mismatch(j[i], path + "[" + std::to_string(i) + "]");
      if (!m.empty()) return m;
    }
  } else if (type_ == Type::kObject) {
    for (const Field& f : fields_) {
      auto it = j.find(f.name);
      if (it == j.end()) {
        if (f.required) return where + " has no \"" + f.name + "\"";
        continue;
      }
      std::string m = f.shape.Mismatch(*it, path.empty() ? f.name : path + "." + f.name);
      if (!m.empty()) return m;
    }
  }
  return "";
}

Result<nlohmann::json> ParseReply(const Response& res, const std::string& request,
                                  const JsonShape& shape, const std::string& what) {
  // The path without its query: enough to say which request, and one short line.
  const std::string asked = request.substr(0, request.find('?'));
  auto bad = [&](const std::string& reason) {
    return Status(Code::kIoError,
                  "the server's reply to " + asked + " is not " + what + ": " + reason);
  };
  if (res.body.empty()) return bad("the body is empty");
  Result<nlohmann::json> j = ParseJson(res.body);
  if (!j.ok()) return bad(NotJsonReason(res, j.status()));
  const std::string mismatch = shape.Mismatch(*j);
  if (!mismatch.empty()) return bad(mismatch);
  return j;
}

namespace {

using S = JsonShape;

S PageOf(S item) {
  return S::Object(
      {Required("items", S::ArrayOf(std::move(item))), Required("next", S::String().OrNull())});
}

S StockLine() {
  return S::Object({Required("substance", S::String()), Required("display", S::String()),
                    Optional("name_en", S::String()), Optional("name_vi", S::String()),
                    Optional("amount", S::Int64())});
}

}  // namespace

// Each shape is built on first use and kept for the life of the process.
const JsonShape& MeShape() {
  static const JsonShape& shape =
      *new JsonShape(S::Object({Required("participant", S::String()), Required("role", S::String()),
                                Required("key", S::String()), Required("record", S::Object({}))}));
  return shape;
}

const JsonShape& ReceiptShape() {
  static const JsonShape& shape =
      *new JsonShape(S::Object({Required("seq", S::Uint64()), Required("leaf_hash", S::String()),
                                Required("ts", S::String()), Required("checkpoint", S::String()),
                                Required("inclusion", S::ArrayOf(S::String()))}));
  return shape;
}

const JsonShape& LogInfoShape() {
  static const JsonShape& shape = *new JsonShape(
      S::Object({Required("origin", S::String()), Required("verifier_key", S::String()),
                 Required("size", S::Uint64())}));
  return shape;
}

const JsonShape& EntryShape() {
  static const JsonShape& shape = *new JsonShape(
      S::Object({Required("entry", S::String()), Required("inclusion", S::ArrayOf(S::String())),
                 Required("checkpoint", S::String())}));
  return shape;
}

const JsonShape& ProofShape() {
  static const JsonShape& shape =
      *new JsonShape(S::Object({Required("proof", S::ArrayOf(S::String()))}));
  return shape;
}

const JsonShape& CatalogShape() {
  static const JsonShape& shape = *new JsonShape(S::Object({Required(
      "substances",
      S::ArrayOf(S::Object({Required("id", S::String()), Optional("unit", S::String())})))}));
  return shape;
}

const JsonShape& ParticipantShape() {
  static const JsonShape& shape = *new JsonShape(
      S::Object({Required("participant", S::String()), Required("role", S::String()),
                 Optional("legal_name", S::String()), Optional("revoked", S::Bool()),
                 Optional("licences", S::ArrayOf(S::Object({Optional("number", S::String()),
                                                            Optional("kind", S::String()),
                                                            Optional("expires", S::String())})))}));
  return shape;
}

const JsonShape& ParticipantPageShape() {
  static const JsonShape& shape = *new JsonShape(PageOf(ParticipantShape()));
  return shape;
}

const JsonShape& TrailPageShape() {
  static const JsonShape& shape = *new JsonShape(S::Object(
      {Required("items",
                S::ArrayOf(S::Object({Required("seq", S::Uint64()), Required("type", S::String()),
                                      Required("entry", S::String()),
                                      Optional("inclusion", S::ArrayOf(S::String()))}))),
       Required("next", S::String().OrNull()), Optional("checkpoint", S::String())}));
  return shape;
}

const JsonShape& StockShape() {
  static const JsonShape& shape = *new JsonShape(S::ArrayOf(StockLine()));
  return shape;
}

const JsonShape& StockHistoryShape() {
  static const JsonShape& shape = *new JsonShape(
      S::Object({Required("stock", S::ArrayOf(StockLine())), Required("substance", S::String()),
                 Required("history", S::ArrayOf(S::Object({Required("seq", S::Uint64()),
                                                           Required("amount", S::Int64())})))}));
  return shape;
}

const JsonShape& TransferPageShape() {
  static const JsonShape& shape = *new JsonShape(PageOf(S::Object(
      {Required("transfer_id", S::String()), Required("from", S::String()),
       Required("to", S::String()), Required("substance", S::String()),
       Required("status", S::String()), Optional("dispatched_at", S::String()),
       Optional("due", S::String()), Optional("amount", S::Int64().OrNull()),
       Optional("received_amount", S::Int64().OrNull()), Optional("overdue", S::Bool())})));
  return shape;
}

const JsonShape& AlertPageShape() {
  static const JsonShape& shape = *new JsonShape(
      PageOf(S::Object({Required("at", S::String()), Required("kind", S::String()),
                        Required("participant", S::String()), Required("message", S::String()),
                        Optional("seq", S::Uint64())})));
  return shape;
}

const JsonShape& InspectionPageShape() {
  static const JsonShape& shape = *new JsonShape(
      PageOf(S::Object({Required("seq", S::Uint64()), Required("at", S::String()),
                        Required("type", S::String()), Required("business", S::String()),
                        Required("status", S::String()), Optional("venue", S::String()),
                        Optional("inspector", S::String()), Optional("violations", S::Uint64())})));
  return shape;
}

const JsonShape& PersonalShape() {
  static const JsonShape& shape =
      *new JsonShape(S::Object({Required("seq", S::Uint64()), Required("personal", S::String())}));
  return shape;
}

}  // namespace vigil::cli
