#include "ledger/payload.h"

#include "ledger/entry.h"

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

Result<nlohmann::json> ParseJson(std::string_view text) {
  bool too_deep = false;
  nlohmann::json::parser_callback_t limit = [&](int depth, nlohmann::json::parse_event_t event,
                                                nlohmann::json&) {
    // Count containers only: the top-level object or array opens at depth 0.
    if ((event == nlohmann::json::parse_event_t::object_start ||
         event == nlohmann::json::parse_event_t::array_start) &&
        depth >= kMaxJsonDepth) {
      too_deep = true;
      return false;
    }
    return true;
  };
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text, limit, /*allow_exceptions=*/true);
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
  return j;
}

Result<Payload> ParsePayload(std::string_view bytes) {
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
