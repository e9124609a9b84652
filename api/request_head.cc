#include "api/request_head.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <string>

namespace vigil::api {

namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  }
  return true;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

HeadCheck Refuse(int status, std::string_view type, std::string_view detail) {
  HeadCheck h;
  h.verdict = HeadCheck::Verdict::kRefused;
  h.status = status;
  h.type = type;
  h.detail = detail;
  return h;
}

HeadCheck TooLarge(const HeadLimits& o) {
  return Refuse(431, "request_header_fields_too_large",
                "send at most " + std::to_string(o.max_header_count) +
                    " header fields of at most " + std::to_string(o.max_header_bytes) +
                    " bytes in all");
}

// The peer's address without its port: the unit of the per-client cap.

}  // namespace

bool IsTokenChar(unsigned char c) {
  if (c >= '0' && c <= '9') return true;
  if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') return true;
  return c != 0 && std::strchr("!#$%&'*+-.^_`|~", c) != nullptr;
}

bool IsToken(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!IsTokenChar(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

std::string EscapeForLog(std::string_view s) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(s.size());
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out += ch;
    } else {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
  return out;
}

size_t MaxBodyBytes(const HeadLimits& limits, std::string_view method, std::string_view target) {
  const std::string_view path = target.substr(0, target.find('?'));
  for (const RouteBodyLimit& r : limits.routes) {
    if (r.method == method && r.path == path) return r.max_body_bytes;
  }
  return limits.max_body_bytes;
}

size_t LargestBodyBytes(const HeadLimits& limits) {
  size_t most = limits.max_body_bytes;
  for (const RouteBodyLimit& r : limits.routes) most = std::max(most, r.max_body_bytes);
  return most;
}

HeadCheck CheckHead(std::string_view in, const HeadLimits& o) {
  // The request line first: a client may not hold a connection with an endless one.
  const size_t line_end = in.find("\r\n");
  if (line_end == std::string_view::npos) {
    if (in.size() > kMaxRequestLine) {
      return Refuse(414, "uri_too_long", "the request line is too long");
    }
    if (in.find('\n') != std::string_view::npos) {
      return Refuse(400, "bad_request", "lines must end with CRLF");
    }
    return HeadCheck{};
  }
  if (line_end > kMaxRequestLine)
    return Refuse(414, "uri_too_long", "the request line is too long");
  const std::string_view line = in.substr(0, line_end);
  // The header section: bounded whether or not its end has arrived.
  const size_t fields_at = line_end + 2;
  size_t end = in.find("\r\n\r\n", line_end);
  const bool complete = end != std::string_view::npos;
  const size_t fields_end = complete ? end + 2 : in.size();
  if (fields_end - fields_at > o.max_header_bytes) return TooLarge(o);
  std::string_view fields = in.substr(fields_at, fields_end - fields_at);
  size_t count = 0;
  for (size_t p = fields.find("\r\n"); p != std::string_view::npos; p = fields.find("\r\n", p + 2))
    ++count;
  if (count > o.max_header_count) return TooLarge(o);
  if (!complete) return HeadCheck{};

  // Request line: METHOD SP target SP HTTP/1.x, nothing else.
  const size_t sp1 = line.find(' ');
  const size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  const std::string_view method = line.substr(0, sp1);
  bool line_ok = sp1 != std::string_view::npos && sp2 != std::string_view::npos &&
                 line.find(' ', sp2 + 1) == std::string_view::npos && sp1 > 0 && sp2 > sp1 + 1 &&
                 (line.substr(sp2 + 1) == "HTTP/1.1" || line.substr(sp2 + 1) == "HTTP/1.0");
  for (char c : method) line_ok = line_ok && IsTokenChar(static_cast<unsigned char>(c));
  for (char c : line) line_ok = line_ok && static_cast<unsigned char>(c) > 0x20 - (c == ' ');
  if (!line_ok) return Refuse(400, "bad_request", "the request line is not HTTP/1.1");

  HeadCheck h;
  h.verdict = HeadCheck::Verdict::kComplete;
  h.head_bytes = end + 4;
  size_t lengths = 0;
  bool length_ok = true, chunked = false;
  uint64_t length = 0;
  fields = in.substr(fields_at, end - fields_at + 2);
  while (!fields.empty()) {
    const size_t eol = fields.find("\r\n");
    const std::string_view field = fields.substr(0, eol);
    fields.remove_prefix(eol + 2);
    if (field.empty() || field[0] == ' ' || field[0] == '\t') {
      return Refuse(400, "bad_request", "obsolete line folding is not accepted (RFC 9112 §5.2)");
    }
    const size_t colon = field.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      return Refuse(400, "bad_request", "a header line without a name and a colon");
    }
    const std::string_view name = field.substr(0, colon);
    for (char c : name) {
      if (!IsTokenChar(static_cast<unsigned char>(c))) {
        return Refuse(400, "bad_request",
                      "a header name holds a character that is not allowed there (RFC 9110 "
                      "§5.1; no whitespace before the colon)");
      }
    }
    const std::string_view value = Trim(field.substr(colon + 1));
    for (char c : value) {
      const auto u = static_cast<unsigned char>(c);
      if ((u < 0x20 && u != '\t') || u == 0x7f) {
        return Refuse(400, "bad_request", "a header value holds a control character");
      }
    }
    if (EqualsIgnoreCase(name, "Content-Length")) {
      ++lengths;
      length_ok = length_ok && !value.empty() && value.size() <= 19 &&
                  value.find_first_not_of("0123456789") == std::string_view::npos;
      if (length_ok) length = std::stoull(std::string(value));
    } else if (EqualsIgnoreCase(name, "Transfer-Encoding")) {
      chunked = true;
    } else if (EqualsIgnoreCase(name, "Expect")) {
      h.expect_continue = EqualsIgnoreCase(value, "100-continue");
    }
  }
  // A body the server will refuse (httplib's pre-routing answers 400, 411 or 413) is never
  // buffered: the head goes alone and the connection closes after the answer.
  const bool bodyless = method == "GET" || method == "HEAD";
  const std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  if (chunked || lengths > 1 || !length_ok || length > MaxBodyBytes(o, method, target) ||
      (bodyless && length > 0) ||
      (lengths == 0 && !bodyless && method != "DELETE" && method != "OPTIONS")) {
    h.head_only = true;
    h.expect_continue = false;
    return h;
  }
  h.body_bytes = static_cast<size_t>(length);
  return h;
}

}  // namespace vigil::api
