// The audit explorer's server side: the page and its files as served by the route table
// (types, Content-Security-Policy, ETag revalidation, no inline script), GET /v1/me (who a key
// belongs to) and the `substance` filter of GET /v1/participants that the page's search uses.
// The page itself is tested in a real browser by tests/browser/explorer_test.mjs.
#include <httplib.h>
#include <spdlog/spdlog.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <string>
#include <thread>

#include "api/request_signature.h"
#include "api/server.h"
#include "api/web_routes.h"
#include "keys/encoding.h"
#include "ledger/log/entry.h"
#include "ledger/log/writer.h"
#include "tests/test_util.h"

namespace vigil {
namespace {

using nlohmann::json;

constexpr int64_t kDay = 86'400'000;

// A live server over a fresh log, on a loopback port.
class WebServer {
 public:
  WebServer() : dir_("vigil_web"), t_(testing::MakeTestLog(dir_.path())) {
    spdlog::set_level(spdlog::level::warn);
    writer_ = std::make_unique<Writer>(*t_.log);
    api::ServerOptions options;
    options.port = 0;
    options.threads = 4;
    server_ = std::make_unique<api::Server>(*t_.ledger, *writer_, options);
    REQUIRE(server_->Bind().ok());
    thread_ = std::thread([this] { server_->Run(); });
    for (int i = 0; i < 500; ++i) {
      if (Get("/healthz")->status == 200) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    FAIL("the server did not start");
  }
  ~WebServer() {
    server_->Stop();
    writer_->Stop();
    thread_.join();
  }

  // GET `target`, signed by `key` when given, with extra `headers`.
  httplib::Result Get(const std::string& target, const SecretKey* key = nullptr,
                      httplib::Headers headers = {}) {
    httplib::Client client("127.0.0.1", server_->port());
    if (key != nullptr) {
      const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count();
      const std::string nonce = "web-test-nonce-" + std::to_string(++nonces_);
      for (auto& [k, v] :
           api::SignRequest({"GET", target, ""}, *key, testing::kTestOrigin, now, nonce))
        headers.emplace(k, v);
    }
    return client.Get(target.c_str(), headers);
  }
  uint64_t Append(const SecretKey& key, const json& payload) {
    Result<Appended> a = writer_->Submit(testing::MakeSubmission(key, payload));
    INFO(payload.dump() << " -> " << (a.ok() ? "" : a.status().ToString()));
    REQUIRE(a.ok());
    return a->receipt.seq;
  }
  const SecretKey& authority() const { return t_.authority; }

 private:
  testing::TempDir dir_;
  testing::TestLog t_;
  std::unique_ptr<Writer> writer_;
  std::unique_ptr<api::Server> server_;
  std::thread thread_;
  int nonces_ = 0;
};

json Payload(const std::string& type, const std::string& id, const std::string& actor,
             json fields) {
  fields["type"] = type;
  fields["id"] = id;
  fields["actor"] = actor;
  fields["at"] = FormatTimestamp(NowMs());
  return fields;
}

json Licence(const std::string& kind, const std::string& number, const json& substances) {
  return {{"kind", kind},
          {"number", number},
          {"issued", FormatTimestamp(NowMs() - 365 * kDay).substr(0, 10)},
          {"expires", FormatTimestamp(NowMs() + 365 * kDay).substr(0, 10)},
          {"substances", substances}};
}

json Register(const std::string& participant, const std::string& role, const SecretKey& key,
              const json& licences = json::array()) {
  json f = {{"participant", participant},
            {"role", role},
            {"legal_name", "Test " + participant},
            {"keys", {key.public_key().ToBase64()}}};
  if (!licences.empty()) f["licences"] = licences;
  return Payload("participant.register", "reg-" + participant, "authority", f);
}

std::set<std::string> Ids(const httplib::Result& r) {
  REQUIRE(r);
  INFO(r->body);
  REQUIRE(r->status == 200);
  std::set<std::string> ids;
  const json page = json::parse(r->body);
  for (const json& p : page["items"]) ids.insert(p["participant"].get<std::string>());
  return ids;
}

TEST_CASE("Explorer files: types, strict CSP, ETag revalidation, no inline script", "[api][web]") {
  WebServer w;
  struct File {
    std::string target, type;
  };
  for (const File& f : {File{"/", "text/html; charset=utf-8"},
                        File{"/web/app.js", "text/javascript; charset=utf-8"},
                        File{"/web/style.css", "text/css; charset=utf-8"},
                        File{"/web/noble.js", "text/javascript; charset=utf-8"}}) {
    INFO(f.target);
    httplib::Result r = w.Get(f.target);
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(r->get_header_value("Content-Type") == f.type);
    CHECK(r->get_header_value("Content-Security-Policy") == api::kExplorerCsp);
    CHECK(r->get_header_value("X-Content-Type-Options") == "nosniff");
    CHECK(r->get_header_value("Referrer-Policy") == "no-referrer");
    CHECK(r->get_header_value("Cache-Control") == "no-cache");
    const std::string etag = r->get_header_value("ETag");
    CHECK(std::regex_match(etag, std::regex(R"("[0-9a-f]{32}")")));
    CHECK(r->body.size() > 1000);
    // Unchanged: 304 without a body; a stale tag gets the file again.
    httplib::Result again = w.Get(f.target, nullptr, {{"If-None-Match", etag}});
    REQUIRE(again);
    CHECK(again->status == 304);
    CHECK(again->body.empty());
    httplib::Result stale = w.Get(f.target, nullptr, {{"If-None-Match", "\"0\""}});
    REQUIRE(stale);
    CHECK(stale->status == 200);
    CHECK(stale->body == r->body);
  }
  // The CSP allows scripts and styles from the server itself only, never inline.
  const std::string csp = api::kExplorerCsp;
  CHECK(csp.find("script-src 'self';") != std::string::npos);
  CHECK(csp.find("unsafe-inline") == std::string::npos);
  CHECK(csp.find("unsafe-eval") == std::string::npos);
  CHECK(csp.find("frame-ancestors 'none'") != std::string::npos);
  // So the page must not need inline code: every <script> has a src, no on* handlers, no style
  // attributes, and nothing loads from another origin.
  const std::string html = w.Get("/")->body;
  const std::regex script(R"(<script\b([^>]*)>)", std::regex::icase);
  int scripts = 0;
  for (auto it = std::sregex_iterator(html.begin(), html.end(), script);
       it != std::sregex_iterator(); ++it) {
    ++scripts;
    CHECK((*it)[1].str().find("src=\"/web/") != std::string::npos);
  }
  CHECK(scripts == 1);
  CHECK_FALSE(std::regex_search(html, std::regex(R"(\son[a-z]+\s*=)", std::regex::icase)));
  CHECK_FALSE(std::regex_search(html, std::regex(R"(\sstyle\s*=)", std::regex::icase)));
  CHECK(html.find("http://") == std::string::npos);
  CHECK(html.find("https://") == std::string::npos);
  CHECK(html.find("<html lang=\"vi\">") != std::string::npos);  // Vietnamese by default
  // The script never keeps key bytes in web storage.
  const std::string js = w.Get("/web/core.js")->body;  // the key import lives in core.js
  CHECK(js.find("sessionStorage") == std::string::npos);
  CHECK(js.find("'pkcs8', der, { name: 'Ed25519' }, false, ['sign']") != std::string::npos);
  // Nor exports one: the public key comes from the key file or its .pub (explorer.md).
  CHECK(js.find("exportKey") == std::string::npos);
  CHECK(js.find("'pkcs8', der, { name: 'Ed25519' }, true") == std::string::npos);
  // The vendored Argon2id/XChaCha20-Poly1305 module needs no eval and no wasm under the CSP.
  const std::string noble = w.Get("/web/noble.js")->body;
  CHECK(noble.find("argon2idAsync") != std::string::npos);
  CHECK(noble.find("xchacha20poly1305") != std::string::npos);
  for (const char* banned : {"eval(", "new Function", "WebAssembly"}) {
    INFO(banned);
    CHECK(noble.find(banned) == std::string::npos);
  }

  // Other names under /web/ are 404 problems; the explorer is public, so no signature needed.
  for (const std::string target : {"/web/nope.js", "/web/index.htm", "/web/app.jss"}) {
    INFO(target);
    httplib::Result r = w.Get(target);
    REQUIRE(r);
    CHECK(r->status == 404);
    CHECK(r->get_header_value("Content-Type") == "application/problem+json");
  }
  httplib::Result traversal = w.Get("/web/../keys/log.key");
  REQUIRE(traversal);
  CHECK(traversal->status == 404);
}

TEST_CASE("GET /v1/me names the caller of a signed request", "[api][web]") {
  WebServer w;
  const SecretKey insp = SecretKey::Generate();
  w.Append(w.authority(), Register("insp-1", "inspector", insp));
  for (const auto& [key, id, role] : {std::tuple<const SecretKey*, std::string, std::string>{
                                          &w.authority(), "authority", "authority"},
                                      {&insp, "insp-1", "inspector"}}) {
    httplib::Result r = w.Get("/v1/me", key);
    REQUIRE(r);
    INFO(r->body);
    REQUIRE(r->status == 200);
    const json me = json::parse(r->body);
    CHECK(me["participant"] == id);
    CHECK(me["role"] == role);
    CHECK(me["key"] == key->Id());
    CHECK(me["record"]["participant"] == id);
    CHECK(me["record"]["role"] == role);
  }
  httplib::Result unsigned_call = w.Get("/v1/me");
  REQUIRE(unsigned_call);
  CHECK(unsigned_call->status == 401);
  const SecretKey stranger = SecretKey::Generate();
  httplib::Result stranger_call = w.Get("/v1/me", &stranger);
  REQUIRE(stranger_call);
  CHECK(stranger_call->status == 401);
}

TEST_CASE("GET /v1/participants?substance= finds who is licensed for or has held a substance",
          "[api][web]") {
  WebServer w;
  const std::string acetone = "67-64-1", toluene = "108-88-3", mek = "78-93-3";
  const SecretKey a = SecretKey::Generate(), b = SecretKey::Generate(), c = SecretKey::Generate();
  const SecretKey police = SecretKey::Generate();
  w.Append(w.authority(), Register("pol-1", "police", police));
  w.Append(w.authority(),
           Register("biz-a", "business", a,
                    json::array({Licence("precursor_trading", "KD-A", json::array({acetone}))})));
  w.Append(w.authority(),
           Register("biz-b", "business", b,
                    json::array({Licence("precursor_trading", "KD-B", json::array({toluene}))})));
  w.Append(w.authority(),
           Register("biz-c", "business", c,
                    json::array({Licence("precursor_trading", "KD-C", {acetone, toluene})})));
  // A buys acetone, then its licence is changed to MEK only: it has still held acetone.
  w.Append(a, Payload("chem.purchase", "a-buy-1", "biz-a",
                      {{"substance", acetone},
                       {"quantity", "100"},
                       {"unit", "L"},
                       {"party", {{"name", "Supplier JSC"}, {"country", "VN"}}}}));
  w.Append(w.authority(),
           Payload("participant.update", "upd-biz-a", "authority",
                   {{"participant", "biz-a"},
                    {"licences",
                     json::array({Licence("precursor_trading", "KD-A2", json::array({mek}))})}}));

  CHECK(Ids(w.Get("/v1/participants?substance=" + acetone, &police)) ==
        std::set<std::string>{"biz-a", "biz-c"});
  CHECK(Ids(w.Get("/v1/participants?substance=" + toluene, &police)) ==
        std::set<std::string>{"biz-b", "biz-c"});
  CHECK(Ids(w.Get("/v1/participants?substance=" + mek, &police)) == std::set<std::string>{"biz-a"});
  CHECK(Ids(w.Get("/v1/participants?substance=7664-93-9", &police)).empty());
  // Combined with the other filters, and paged.
  CHECK(Ids(w.Get("/v1/participants?substance=" + acetone + "&q=biz-c", &police)) ==
        std::set<std::string>{"biz-c"});
  const json first =
      json::parse(w.Get("/v1/participants?substance=" + acetone + "&limit=1", &police)->body);
  REQUIRE(first["items"].size() == 1);
  CHECK(first["items"][0]["participant"] == "biz-a");
  REQUIRE(first["next"].is_string());
  CHECK(Ids(w.Get("/v1/participants?substance=" + acetone +
                      "&limit=1&after=" + first["next"].get<std::string>(),
                  &police)) == std::set<std::string>{"biz-c"});
  // Still a full-reader route: a business may not search.
  httplib::Result r = w.Get("/v1/participants?substance=" + acetone, &a);
  REQUIRE(r);
  CHECK(r->status == 403);
}

TEST_CASE("The field pages' service worker: scope /, the page's version as its cache name",
          "[api][web]") {
  WebServer w;
  httplib::Result r = w.Get("/web/sw.js");
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->get_header_value("Content-Type") == "text/javascript; charset=utf-8");
  CHECK(r->get_header_value("Service-Worker-Allowed") == "/");
  CHECK(r->get_header_value("Content-Security-Policy") == api::kExplorerCsp);
  // The server wrote the page's version over the token: 16 hex digits, the same on every
  // request (so an unchanged program installs no new worker), and the ETag is of that text.
  std::smatch m;
  REQUIRE(std::regex_search(r->body, m, std::regex(R"(const VERSION = '([0-9a-f]{16})';)")));
  CHECK(r->body.find("__VIGIL_WEB_VERSION__") == std::string::npos);
  httplib::Result again = w.Get("/web/sw.js");
  REQUIRE(again);
  CHECK(again->body == r->body);
  httplib::Result same =
      w.Get("/web/sw.js", nullptr, {{"If-None-Match", r->get_header_value("ETag")}});
  REQUIRE(same);
  CHECK(same->status == 304);
  // The version is the SHA-256 of the other files: recomputed here from what the server serves.
  std::string all;
  for (const api::web::File& f : api::web::Files()) {
    if (f.name == "sw.js") continue;
    httplib::Result file = w.Get(f.name == "index.html" ? "/" : "/web/" + std::string(f.name));
    REQUIRE(file);
    all.append(f.name).append(" ").append(AsView(Sha256(file->body))).append("\n");
  }
  CHECK(m[1].str() == HexEncode(AsView(Sha256(all)).substr(0, 8)));
  // It caches "/" and every other file of the page, listed by the server from the same files.
  CHECK(r->body.find("__VIGIL_WEB_FILES__") == std::string::npos);
  for (const api::web::File& f : api::web::Files()) {
    if (f.name == "index.html" || f.name == "sw.js") continue;
    CHECK(r->body.find("'/web/" + std::string(f.name) + "'") != std::string::npos);
  }
  // Only other files carry no such header.
  CHECK(w.Get("/web/app.js")->get_header_value("Service-Worker-Allowed").empty());
}

}  // namespace
}  // namespace vigil
