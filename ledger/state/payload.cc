#include "ledger/state/payload.h"

#include <optional>
#include <vector>

#include "ledger/log/entry.h"

namespace vigil {

namespace {

bool IsPlainId(std::string_view s) {
  if (s.empty() || s.size() > kMaxIdLength) return false;
  for (char c : s) {
    if (c <= 0x20 || c >= 0x7f) return false;
  }
  return true;
}

}  // namespace

namespace {

// Builds the tree as nlohmann's own DOM parser does (through its SAX interface), refusing as
// it goes a key repeated in one object and nesting deeper than kMaxJsonDepth. The tree's objects
// are ordered maps, so a repeated key is found (and named) by the insertion that fails.
class CheckedTreeBuilder {
 public:
  using json = nlohmann::json;
  explicit CheckedTreeBuilder(json* root) : root_(root) {}

  bool null() { return Add(nullptr) != nullptr; }
  bool boolean(bool v) { return Add(v) != nullptr; }
  bool number_integer(json::number_integer_t v) { return Add(v) != nullptr; }
  bool number_unsigned(json::number_unsigned_t v) { return Add(v) != nullptr; }
  bool number_float(json::number_float_t v, const std::string&) { return Add(v) != nullptr; }
  bool string(std::string& v) { return Add(std::move(v)) != nullptr; }
  bool binary(json::binary_t& v) { return Add(std::move(v)) != nullptr; }
  bool start_object(std::size_t) { return Open(json::value_t::object); }
  bool start_array(std::size_t) { return Open(json::value_t::array); }
  bool end_object() { return Close(); }
  bool end_array() { return Close(); }
  bool key(std::string& k) {
    // try_emplace leaves `k` as it was when the key is already there.
    auto [it, added] = open_.back()->get_ref<json::object_t&>().try_emplace(std::move(k));
    if (!added) {
      duplicate = std::move(k);
      return false;
    }
    slot_ = &it->second;
    return true;
  }
  bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception&) {
    error_at = position;
    return false;
  }

  // Why parsing stopped, if it did.
  std::optional<std::size_t> error_at;  // a syntax error near this byte
  bool too_deep = false;
  std::optional<std::string> duplicate;

 private:
  // Places `v` where the next value goes; returns it.
  json* Add(json&& v) {
    if (open_.empty()) {
      *root_ = std::move(v);
      return root_;
    }
    json& top = *open_.back();
    if (top.is_array()) {
      top.get_ref<json::array_t&>().push_back(std::move(v));
      return &top.get_ref<json::array_t&>().back();
    }
    *slot_ = std::move(v);
    return slot_;
  }
  bool Open(json::value_t type) {
    // The top-level container opens at depth 0.
    if (open_.size() >= static_cast<size_t>(kMaxJsonDepth)) {
      too_deep = true;
      return false;
    }
    open_.push_back(Add(json(type)));
    return true;
  }
  bool Close() {
    open_.pop_back();
    return true;
  }

  json* root_;
  std::vector<json*> open_;  // the containers being filled, outermost first
  json* slot_ = nullptr;     // the value of the key just read in the innermost object
};

// nlohmann::json::parse with a depth limit and duplicate keys refused.
Result<nlohmann::json> ParseJsonChecked(std::string_view text) {
  nlohmann::json j;
  CheckedTreeBuilder builder(&j);
  bool parsed = false;
  try {
    parsed = nlohmann::json::sax_parse(text, &builder);
  } catch (const nlohmann::json::exception&) {
    return Status(Code::kInvalidArgument, "not valid JSON");
  }
  if (builder.too_deep) {
    return Status(Code::kInvalidArgument,
                  "JSON nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");
  }
  // Parsers disagree on which of two equal keys wins (nlohmann, Python and JavaScript keep the
  // last, others the first), so a signed object with a repeated key could mean one thing to the
  // server and another to a verifier or a reader: refuse it.
  if (builder.duplicate.has_value()) {
    // The key is valid UTF-8 (the parser checked it); quoted as JSON; long ones are not repeated.
    const std::string& name = *builder.duplicate;
    return Status(
        Code::kInvalidArgument,
        "JSON with a duplicate key" +
            (!name.empty() && name.size() <= 64 ? " " + nlohmann::json(name).dump() : ""));
  }
  if (!parsed || builder.error_at.has_value()) {
    // The byte position is useful to a client; the library's text is not shown.
    return Status(Code::kInvalidArgument, "not valid JSON (error near byte " +
                                              std::to_string(builder.error_at.value_or(0)) + ")");
  }
  return j;
}

}  // namespace

Result<nlohmann::json> ParseJson(std::string_view text) { return ParseJsonChecked(text); }

Result<Payload> ParsePayload(std::string_view bytes) {
  // The payload is the exact bytes people read: no byte-order mark, no whitespace around the
  // object (a reader or explorer that trims them would show something else than was signed).
  if (bytes.empty() || bytes.front() != '{' || bytes.back() != '}') {
    return Status(Code::kInvalidArgument,
                  "payload must be a JSON object starting with '{' and ending with '}' (no "
                  "byte-order mark or whitespace around it)");
  }
  Result<nlohmann::json> j = ParseJson(bytes);
  if (!j.ok()) return Status(Code::kInvalidArgument, "payload is " + j.status().message());
  if (!j->is_object()) return Status(Code::kInvalidArgument, "payload must be a JSON object");
  Payload p;
  p.body = std::move(*j);
  for (const char* field : {"type", "id", "actor", "at"}) {
    auto it = p.body.find(field);
    if (it == p.body.end() || !it->is_string()) {
      return Status(Code::kInvalidArgument,
                    std::string("payload needs a string field \"") + field + "\"");
    }
  }
  p.type = p.body["type"].get<std::string>();
  p.id = p.body["id"].get<std::string>();
  p.actor = p.body["actor"].get<std::string>();
  if (!IsPlainId(p.id) || !IsPlainId(p.actor) || !IsPlainId(p.type)) {
    return Status(Code::kInvalidArgument,
                  "payload type, id and actor must be 1 to 128 printable ASCII characters "
                  "without spaces");
  }
  Result<int64_t> at = ParseTimestamp(p.body["at"].get<std::string>());
  if (!at.ok()) return Status(Code::kInvalidArgument, "payload \"at\": " + at.status().message());
  p.at_ms = *at;
  return p;
}

}  // namespace vigil
