// The API test fixture, shared by tests/api_test.cc and tests/bad_input_test.cc: the real server
// in-process over a temporary log on a loopback port (TestServer), the standard world of
// participants and records (World), HTTP helpers (Reply, CheckProblem, raw sockets), and the
// reference request signer written from docs/api.md (ReferenceSign). Header-only; helpers use
// Catch2's CHECK/REQUIRE, so call them from inside a TEST_CASE.
#ifndef VIGIL_TESTS_API_FIXTURE_H_
#define VIGIL_TESTS_API_FIXTURE_H_

#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "api/request_signature.h"
#include "api/server.h"
#include "keys/encoding.h"
#include "keys/key.h"
#include "ledger/log/entry.h"
#include "ledger/log/writer.h"
#include "ledger/personal.h"
#include "tests/test_util.h"

namespace vigil::apitest {

using nlohmann::json;
using testing::MakeTestLog;
using testing::TempDir;
using testing::TestLog;

inline constexpr char kAcetone[] = "67-64-1";
inline constexpr int64_t kDayMs = 86'400'000;

inline int64_t NowS() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A fresh nonce: 24 characters of [0-9a-f].
inline std::string Nonce() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::string raw(12, '\0');
  for (char& c : raw) c = static_cast<char>(rng() & 0xff);
  return HexEncode(raw);
}

// Sleeps until the wall clock is early in a second, so that a request made now reaches the
// server within the same second (the ±300 s window is checked at one-second resolution).
inline void WaitForFreshSecond() {
  for (;;) {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count() %
                    1000;
    if (ms < 300) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(1000 - ms + 5));
  }
}

// ---- HTTP helpers ----------------------------------------------------------------------------

// One HTTP answer; status -1 when no answer came (transport error).
struct Reply {
  int status = -1;
  std::string body;
  std::string content_type;
  httplib::Headers headers;

  json Json() const {
    json j = json::parse(body, nullptr, false);
    INFO("body: " << body);
    REQUIRE(!j.is_discarded());
    return j;
  }
};

inline std::ostream& operator<<(std::ostream& os, const Reply& r) {
  return os << "HTTP " << r.status << " " << r.content_type << " " << r.body.substr(0, 400);
}

// CHECKs that `r` is an RFC 9457 problem document with `status` and type "/problems/<code>",
// carrying exactly type, title, status and detail (plus "violations" when `violations`).
inline void CheckProblem(const Reply& r, int status, const std::string& code,
                         bool violations = false) {
  INFO(r);
  CHECK(r.status == status);
  CHECK(r.content_type == "application/problem+json");
  json j = json::parse(r.body, nullptr, false);
  REQUIRE(j.is_object());
  CHECK(j.value("type", "") == "/problems/" + code);
  CHECK(j.value("status", 0) == status);
  CHECK(j.contains("title"));
  CHECK(j["title"].is_string());
  CHECK(!j.value("title", "").empty());
  CHECK(j.contains("detail"));
  CHECK(j["detail"].is_string());
  std::set<std::string> keys;
  for (const auto& [k, v] : j.items()) keys.insert(k);
  std::set<std::string> want = {"type", "title", "status", "detail"};
  if (violations) want.insert("violations");
  CHECK(keys == want);
}

// The body of POST /v1/entries for `sub` (DESIGN §6).
inline std::string SubmissionBody(const Submission& sub) {
  json body = {{"signer", sub.signer}, {"payload", sub.payload}, {"sig", Base64Encode(sub.sig)}};
  if (!sub.cosigners.empty()) {
    body["cosigners"] = json::array();
    for (const Cosignature& c : sub.cosigners) {
      body["cosigners"].push_back({{"signer", c.signer}, {"sig", Base64Encode(c.sig)}});
    }
  }
  if (const RecordAttachment* side = FindAttachment(sub);
      side != nullptr && !side->personal.empty()) {
    body["personal"] = side->personal;
    body["personal_salt"] = side->personal_salt;
  }
  return body.dump();
}

// The request signature of docs/api.md "Signing requests", written from the document alone
// (not from api/request_signature.cc), so that the server's parser is checked against an
// independent signer. `params` is the Signature-Input value after "vigil="; `signer` signs the
// base whatever keyid `params` names, for the log `origin`.
inline std::map<std::string, std::string> ReferenceSign(
    const std::string& method, const std::string& target, const std::string& digest,
    const std::string& params, const SecretKey& signer,
    const std::string& origin = testing::kTestOrigin) {
  const size_t q = target.find('?');
  const std::string path = target.substr(0, q);
  const std::string query = q == std::string::npos ? "?" : target.substr(q);
  const std::string base = "vigil/v2/request\n" + origin + "\n\"@method\": " + method +
                           "\n\"@path\": " + path + "\n\"@query\": " + query +
                           "\n\"content-digest\": " + digest + "\n\"@signature-params\": " + params;
  return {{"Content-Digest", digest},
          {"Signature-Input", "vigil=" + params},
          {"Signature", "vigil=:" + Base64Encode(signer.SignRaw(base)) + ":"}};
}

inline std::string Params(
    int64_t created, const std::string& keyid, const std::string& nonce,
    const std::string& components = R"(("@method" "@path" "@query" "content-digest"))") {
  return components + ";created=" + std::to_string(created) + ";keyid=\"" + keyid +
         "\";alg=\"ed25519\";nonce=\"" + nonce + "\"";
}

// A server over a fresh log in a temporary directory, serving on a loopback port.
class TestServer {
 public:
  explicit TestServer(api::ServerOptions options = {})
      : dir_("vigil_api"), t_(MakeTestLog(dir_.path())) {
    spdlog::set_level(spdlog::level::warn);  // one info line per request drowns the report
    writer_ = std::make_unique<Writer>(*t_.log);
    options.host = "127.0.0.1";
    options.port = 0;
    options.threads = 16;
    server_ = std::make_unique<api::Server>(*t_.ledger, *writer_, options);
    Status s = server_->Bind();
    INFO(s.ToString());
    REQUIRE(s.ok());
    port_ = server_->port();
    thread_ = std::thread([this] { server_->Run(); });
    // Stop() is only safe once the listener runs: wait for a first answer.
    for (int i = 0; i < 500; ++i) {
      if (Send("GET", "/healthz").status == 200) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    FAIL("the server did not start");
  }
  ~TestServer() { Stop(); }
  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;

  // Stops accepting, lets in-flight requests finish, drains the writer. Idempotent.
  void Stop() {
    if (!thread_.joinable()) return;
    server_->Stop();
    writer_->Stop();
    thread_.join();
  }
  // After Stop(): closes the store so that it can be opened again.
  void Close() {
    Stop();
    server_.reset();
    writer_.reset();
    t_.Close();
  }

  // After Close(): the data directory, which the caller now owns.
  TempDir ReleaseDir() { return std::move(dir_); }

  int port() const { return port_; }
  Log& log() { return *t_.log; }
  const TestLog& test_log() const { return t_; }
  const SecretKey& authority() const { return t_.authority; }
  const std::string& dir() const { return dir_.path(); }
  const api::Server& server() const { return *server_; }

  Reply Send(const std::string& method, const std::string& target, const std::string& body = "",
             const httplib::Headers& headers = {}) const {
    httplib::Client client("127.0.0.1", port_);
    client.set_url_encode(false);
    client.set_keep_alive(false);
    client.set_connection_timeout(5, 0);
    client.set_read_timeout(30, 0);
    httplib::Request req;
    req.method = method;
    req.path = target;
    req.headers = headers;
    req.body = body;
    if (!body.empty() && !req.has_header("Content-Type")) {
      req.set_header("Content-Type", "application/json");
    }
    httplib::Result res = client.send(req);
    Reply r;
    if (!res) return r;
    r.status = res->status;
    r.body = res->body;
    r.content_type = res->get_header_value("Content-Type");
    r.headers = res->headers;
    return r;
  }

  // A request signed by `key` (now, fresh nonce), or unsigned if `key` is null.
  Reply Call(const std::string& method, const std::string& target, const SecretKey* key,
             const std::string& body = "") const {
    httplib::Headers h;
    if (key != nullptr) {
      for (auto& [k, v] :
           api::SignRequest({method, target, body}, *key, testing::kTestOrigin, NowS(), Nonce())) {
        h.emplace(k, v);
      }
    }
    return Send(method, target, body, h);
  }
  Reply Get(const std::string& target, const SecretKey* key = nullptr) const {
    return Call("GET", target, key);
  }
  Reply Get(const std::string& target, const SecretKey& key) const {
    return Call("GET", target, &key);
  }
  Reply Post(const std::string& body, const std::string& target = "/v1/entries") const {
    return Send("POST", target, body);
  }

  // Submits `payload` signed by `key` and REQUIREs 201; returns the receipt JSON.
  json Append(const SecretKey& key, const json& payload, Submission* sent = nullptr) const {
    Submission sub = testing::MakeSubmission(key, payload);
    Reply r = Post(SubmissionBody(sub));
    INFO("payload: " << payload.dump());
    INFO(r);
    REQUIRE(r.status == 201);
    if (sent != nullptr) *sent = sub;
    return r.Json();
  }
  uint64_t AppendSeq(const SecretKey& key, const json& payload) const {
    return Append(key, payload)["seq"].get<uint64_t>();
  }

  // The log size the server reports.
  uint64_t Size() const { return Get("/v1/log").Json()["size"].get<uint64_t>(); }

 private:
  TempDir dir_;
  TestLog t_;
  std::unique_ptr<Writer> writer_;
  std::unique_ptr<api::Server> server_;
  std::thread thread_;
  int port_ = 0;
};

// ---- raw sockets -----------------------------------------------------------------------------

// Sends `head` on a new loopback connection and then, after 100 ms (so that the server has read
// and answered the head on its own), `rest`. Returns everything the server sends until it closes
// the connection or stays silent for `quiet_ms`.
inline std::string RawExchange(int port, const std::string& head, const std::string& rest = "",
                               int quiet_ms = 300) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  timeval tv{quiet_ms / 1000, (quiet_ms % 1000) * 1000};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  auto send_all = [fd](const std::string& bytes) {
    size_t sent = 0;
    while (sent < bytes.size()) {
      const ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return;  // the server may close early; read what it said
      sent += static_cast<size_t>(n);
    }
  };
  send_all(head);
  if (!rest.empty()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    send_all(rest);
  }
  std::string out;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

// Splits what a server sent into HTTP responses (bodies delimited by Content-Length).
inline std::vector<Reply> ParseResponses(std::string_view raw) {
  std::vector<Reply> out;
  while (!raw.empty()) {
    const size_t end = raw.find("\r\n\r\n");
    if (end == std::string_view::npos || raw.substr(0, 9) != "HTTP/1.1 ") break;
    Reply r;
    r.status = std::stoi(std::string(raw.substr(9, 3)));
    size_t length = 0;
    std::string_view head = raw.substr(0, end);
    size_t pos = head.find("\r\n");
    while (pos != std::string_view::npos) {
      const size_t next = head.find("\r\n", pos + 2);
      std::string_view line =
          head.substr(pos + 2, next == std::string_view::npos ? next : next - pos - 2);
      const size_t colon = line.find(':');
      if (colon != std::string_view::npos) {
        std::string name(line.substr(0, colon));
        std::string value(line.substr(colon + 1));
        while (!value.empty() && value.front() == ' ') value.erase(0, 1);
        for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (name == "content-length") length = std::stoul(value);
        if (name == "content-type") r.content_type = value;
        r.headers.emplace(name, value);
      }
      pos = next;
    }
    r.body = std::string(raw.substr(end + 4, length));
    out.push_back(r);
    raw.remove_prefix(std::min(raw.size(), end + 4 + length));
  }
  return out;
}

// ---- the cast and their records --------------------------------------------------------------

inline json Licence(const std::string& kind, const std::string& number) {
  const int64_t now = testing::NowMs();
  return {{"kind", kind},
          {"number", number},
          {"issued", FormatTimestamp(now - 365 * kDayMs).substr(0, 10)},
          {"expires", FormatTimestamp(now + 365 * kDayMs).substr(0, 10)},
          {"substances", {kAcetone}}};
}

// A payload {type, id, actor, at = now} plus `fields` (never before the registrations the
// server made when it started).
inline json Payload(const std::string& type, const std::string& id, const std::string& actor,
                    const json& fields = json::object()) {
  json p = {
      {"type", type}, {"id", id}, {"actor", actor}, {"at", FormatTimestamp(testing::NowMs())}};
  for (const auto& [k, v] : fields.items()) p[k] = v;
  return p;
}

inline json Register(const std::string& participant, const std::string& role, const PublicKey& key,
                     const json& extra = json::object()) {
  json fields = {{"participant", participant},
                 {"role", role},
                 {"legal_name", "Test " + participant},
                 {"keys", {key.ToBase64()}}};
  for (const auto& [k, v] : extra.items()) fields[k] = v;
  return Payload("participant.register", "reg-" + participant, "authority", fields);
}

inline json Move(const std::string& quantity, const json& extra = json::object()) {
  json m = {{"substance", kAcetone}, {"quantity", quantity}, {"unit", "L"}};
  for (const auto& [k, v] : extra.items()) m[k] = v;
  return m;
}

inline json StockInspection(const std::string& business) {
  json checklist = json::object();
  for (int i = 1; i <= 12; ++i) checklist[(i < 10 ? "S0" : "S") + std::to_string(i)] = "pass";
  const int64_t now = testing::NowMs();
  return {{"business", business},
          {"started_at", FormatTimestamp(now - 3 * 3'600'000)},
          {"ended_at", FormatTimestamp(now - 2 * 3'600'000)},
          {"team", {"insp-1"}},
          {"checklist", checklist}};
}

// The standard world: the authority (entry 0), police officer "pol-1", inspector "insp-1",
// business A "biz-a" (precursor trading licence for acetone; buys, dispatches to C, reports a
// loss), its competitor B "biz-b" (the same), and C "biz-c" (a user of acetone that receives
// from both). Each business is inspected once; the police note on A carries personal data.
class World : public TestServer {
 public:
  explicit World(api::ServerOptions options = {}) : TestServer(options) {
    AppendSeq(authority(), Register("pol-1", "police", police.public_key()));
    AppendSeq(authority(), Register("insp-1", "inspector", inspector.public_key()));
    a_registration =
        AppendSeq(authority(), Register("biz-a", "business", a.public_key(),
                                        {{"licences", {Licence("precursor_trading", "KD-A")}}}));
    AppendSeq(authority(), Register("biz-b", "business", b.public_key(),
                                    {{"licences", {Licence("precursor_trading", "KD-B")}}}));
    AppendSeq(authority(), Register("biz-c", "business", c.public_key(),
                                    {{"licences", {Licence("precursor_use", "SD-C")}}}));
    const json party = {{"name", "Supplier JSC"}, {"country", "VN"}};
    a_purchase =
        AppendSeq(a, Payload("chem.purchase", "a-buy-1", "biz-a", Move("100", {{"party", party}})));
    b_purchase =
        AppendSeq(b, Payload("chem.purchase", "b-buy-1", "biz-b", Move("50", {{"party", party}})));
    a_dispatch =
        AppendSeq(a, Payload("chem.dispatch", "a-send-1", "biz-a",
                             Move("10", {{"counterparty", "biz-c"}, {"transfer_id", "T-A1"}})));
    b_dispatch =
        AppendSeq(b, Payload("chem.dispatch", "b-send-1", "biz-b",
                             Move("5", {{"counterparty", "biz-c"}, {"transfer_id", "T-B1"}})));
    AppendSeq(a, Payload("chem.loss", "a-loss-1", "biz-a", Move("1", {{"kind", "lost"}})));
    AppendSeq(b, Payload("chem.loss", "b-loss-1", "biz-b",
                         Move("1", {{"kind", "stolen"}, {"police_report", "CA-B-1"}})));
    AppendSeq(inspector,
              Payload("inspection.stock", "insp-a-1", "insp-1", StockInspection("biz-a")));
    AppendSeq(inspector,
              Payload("inspection.stock", "insp-b-1", "insp-1", StockInspection("biz-b")));
    // Personal side data (ledger/personal.h) on a police note about A.
    personal = json{{"full_name", "Nguyễn Văn An"}, {"id_number", "001099012345"}}.dump();
    std::string salt(16, '\0');
    for (size_t i = 0; i < salt.size(); ++i) salt[i] = static_cast<char>(0x40 + i);
    Submission sub = testing::MakeSubmission(
        police, Payload("police.note", "note-a-1", "pol-1",
                        {{"subject", "biz-a"},
                         {"text", "owner questioned"},
                         {"personal_commitment", PersonalCommitment(personal, salt)}}));
    RecordAttachment& side = AttachmentOf(sub);
    side.personal = personal;
    side.personal_salt = Base64Encode(salt);
    Reply r = Post(SubmissionBody(sub));
    INFO(r);
    REQUIRE(r.status == 201);
    personal_seq = r.Json()["seq"].get<uint64_t>();
  }

  SecretKey police = SecretKey::Generate();
  SecretKey inspector = SecretKey::Generate();
  SecretKey a = SecretKey::Generate();
  SecretKey b = SecretKey::Generate();
  SecretKey c = SecretKey::Generate();
  uint64_t a_registration = 0, a_purchase = 0, b_purchase = 0, a_dispatch = 0, b_dispatch = 0;
  uint64_t personal_seq = 0;
  std::string personal;
};

}  // namespace vigil::apitest

#endif  // VIGIL_TESTS_API_FIXTURE_H_
