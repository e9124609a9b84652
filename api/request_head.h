// The rules a request head must pass before any of it reaches httplib (issue 15 items 2, 6 and
// 11): pure functions of the bytes buffered so far on a connection, so that the front door
// (api/connections.h) and the fuzz path (Server::HandleRaw) apply the same checks.
//
// A head is refused with 414 for a request line over 8 KiB, 431 for more than
// `max_header_count` fields or `max_header_bytes` bytes of them (as soon as either is passed,
// before the head ends), and 400 for syntax httplib would pass over: a request line that is not
// "METHOD target HTTP/1.x", a header name that is not a token (whitespace before the colon), an
// obs-fold continuation line, a line with no colon, a bare LF, a control character in a value.
#ifndef VIGIL_API_REQUEST_HEAD_H_
#define VIGIL_API_REQUEST_HEAD_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace vigil::api {

// httplib's CPPHTTPLIB_REQUEST_URI_MAX_LENGTH: the longest request line, CRLF apart.
inline constexpr size_t kMaxRequestLine = 8192;

// A route whose bodies may be larger (or must be smaller) than max_body_bytes: requests with
// this method whose target's path (before any '?', compared byte for byte, not decoded) is
// `path`.
struct RouteBodyLimit {
  std::string method;
  std::string path;
  size_t max_body_bytes = 0;
};

struct HeadLimits {
  size_t max_body_bytes = 256 * 1024;   // larger bodies are not waited for (httplib says 413)
  size_t max_header_count = 100;        // header fields per request
  size_t max_header_bytes = 16 * 1024;  // bytes of header fields (the request line apart)
  std::vector<RouteBodyLimit> routes;   // per-route exceptions to max_body_bytes
};

// The largest body accepted for `method` `target` (the raw request target): the limit of its
// route in limits.routes, else limits.max_body_bytes. The one place that decides body limits:
// CheckHead (the FrontDoor, HandleRaw) and the server's pre-routing check both ask here.
size_t MaxBodyBytes(const HeadLimits& limits, std::string_view method, std::string_view target);
// The largest body any route accepts (httplib's own payload limit is set to it).
size_t LargestBodyBytes(const HeadLimits& limits);

// What the bytes buffered so far on a connection amount to.
struct HeadCheck {
  enum class Verdict { kIncomplete, kComplete, kRefused };
  Verdict verdict = Verdict::kIncomplete;
  size_t head_bytes = 0;         // kComplete: the head, up to and including its empty line
  size_t body_bytes = 0;         // kComplete: body bytes to buffer before handing it over
  bool head_only = false;        // kComplete: hand over the head alone, then close. Set for a
                                 // body the server refuses unread (Transfer-Encoding, a bad or
                                 // too large Content-Length, a body on GET/HEAD, a POST, PUT or
                                 // PATCH without Content-Length)
  bool expect_continue = false;  // kComplete: the client waits for "100 Continue"
  int status = 0;                // kRefused: 400, 414 or 431, with a problem type and detail
  std::string type, detail;
};
HeadCheck CheckHead(std::string_view buffered, const HeadLimits& limits);

// RFC 9110 §5.6.2: a token character, and a non-empty string of them (a header name).
bool IsTokenChar(unsigned char c);
bool IsToken(std::string_view s);

// Bytes `s` as one log-safe token: printable ASCII kept, every other byte (control bytes such as
// CR and LF, DEL, bytes >= 0x80) and the backslash written as \xNN. Nothing is percent-decoded.
std::string EscapeForLog(std::string_view s);

}  // namespace vigil::api

#endif  // VIGIL_API_REQUEST_HEAD_H_
