#include "ledger/state/payload.h"

#include <optional>
#include <set>
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

// nlohmann::json::parse with a depth limit and duplicate keys refused. With `name_duplicate`
// false it only counts each object's keys and compares with the parsed object's size (a repeated
// key collapses into one): no allocation per key. A repeated key found that way is then named by
// parsing again with `name_duplicate` true, which keeps the keys of each open object in a set.
Result<nlohmann::json> ParseJsonChecked(std::string_view text, bool name_duplicate) {
  using Event = nlohmann::json::parse_event_t;
  bool too_deep = false;
  // Per open object, by depth: an object opening at depth d has its keys reported at depth d + 1.
  std::vector<size_t> key_count;
  std::vector<std::set<std::string, std::less<>>> keys;
  bool repeated = false;
  std::optional<std::string> duplicate;
  nlohmann::json::parser_callback_t check = [&](int depth, Event event, nlohmann::json& parsed) {
    // Count containers only: the top-level object or array opens at depth 0.
    if ((event == Event::object_start || event == Event::array_start) && depth >= kMaxJsonDepth) {
      too_deep = true;
      return false;
    }
    const auto d = static_cast<size_t>(depth);
    if (event == Event::object_start) {
      if (key_count.size() <= d) key_count.resize(d + 1);
      key_count[d] = 0;
      if (name_duplicate) {
        if (keys.size() <= d) keys.resize(d + 1);
        keys[d].clear();
      }
    } else if (event == Event::key && d >= 1 && d - 1 < key_count.size()) {
      ++key_count[d - 1];
      if (name_duplicate && !duplicate.has_value() && parsed.is_string() &&
          !keys[d - 1].insert(parsed.get_ref<const std::string&>()).second) {
        duplicate = parsed.get_ref<const std::string&>();
      }
    } else if (event == Event::object_end && d < key_count.size() &&
               parsed.size() != key_count[d]) {
      repeated = true;
    }
    return true;
  };
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text, check, /*allow_exceptions=*/true);
  } catch (const nlohmann::json::parse_error& e) {
    // The byte position is useful to a client; the library's text is not shown.
    return Status(Code::kInvalidArgument,
                  "not valid JSON (error near byte " + std::to_string(e.byte) + ")");
  } catch (const nlohmann::json::exception&) {
    return Status(Code::kInvalidArgument, "not valid JSON");
  }
  if (too_deep) {
    return Status(Code::kInvalidArgument,
                  "JSON nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");
  }
  // Parsers disagree on which of two equal keys wins (nlohmann, Python and JavaScript keep the
  // last, others the first), so a signed object with a repeated key could mean one thing to the
  // server and another to a verifier or a reader: refuse it.
  if (repeated && !name_duplicate) return ParseJsonChecked(text, /*name_duplicate=*/true);
  if (repeated || duplicate.has_value()) {
    // The key is valid UTF-8 (the parser checked it); quoted as JSON; long ones are not repeated.
    const std::string name = duplicate.value_or("");
    return Status(
        Code::kInvalidArgument,
        "JSON with a duplicate key" +
            (!name.empty() && name.size() <= 64 ? " " + nlohmann::json(name).dump() : ""));
  }
  return j;
}

}  // namespace

Result<nlohmann::json> ParseJson(std::string_view text) {
  return ParseJsonChecked(text, /*name_duplicate=*/false);
}

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
