// Fuzz harness: the HTTP request path (api/server.h Server::HandleRaw): httplib's request parsing,
// the server's body limits (chunked, compressed, oversized), routing, request-signature parsing
// and verification (api/request_signature.h, api/auth.h), the access checks of the route table
// and every handler, over a real temporary log, in-process without sockets.
//
// Input: byte 0 chooses how the rest is sent.
//   0..127    as is: the raw bytes of a request (request line, headers, body).
//   128..255  the harness signs it: the request line and body are cut from the rest and fresh,
//             valid Signature-Input, Signature and Content-Digest headers of the caller chosen
//             by byte 0 (authority, police, inspector, business A, business C, or an unregistered
//             key) are added after the request line, so the fuzzer reaches the handlers behind
//             the access checks.
// Properties: every answer is an HTTP/1.1 response that is not a 500; nothing is appended (no
// input carries a valid payload signature for a new record); the server never crashes.
// With VIGIL_FUZZ_VERBOSE set, each request line and status line is printed.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "api/request_signature.h"
#include "api/server.h"
#include "keys/key.h"
#include "ledger/ledger.h"
#include "ledger/log/writer.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using nlohmann::json;
using vigil::SecretKey;

constexpr char kOrigin[] = "vigil.fuzz.example/log";

struct Fixture {
  std::string dir;
  std::unique_ptr<vigil::Ledger> ledger;
  vigil::Log* log = nullptr;  // &ledger->log()
  std::unique_ptr<vigil::Writer> writer;
  std::unique_ptr<vigil::api::Server> server;
  std::vector<SecretKey> keys;  // authority, police, inspector, biz-a, biz-c, stranger
  uint64_t size = 0;
  std::atomic<uint64_t> nonce{0};

  static void Die(const std::string& what) {
    std::fprintf(stderr, "http_fuzz: %s\n", what.c_str());
    std::abort();
  }

  Fixture() {
    spdlog::set_level(spdlog::level::off);  // a log line per request would dominate the run
    std::string templ =
        (std::filesystem::temp_directory_path() / "vigil_http_fuzz_XXXXXX").string();
    if (::mkdtemp(templ.data()) == nullptr) Die("mkdtemp failed");
    dir = templ;
    vigil::InitOptions init;
    init.origin = kOrigin;
    init.jurisdiction = {{"province", "Hà Nội"}, {"commune", "Phường Hoàn Kiếm"}};
    vigil::Result<vigil::LogInfo> info = vigil::Ledger::Init(dir, init);
    if (!info.ok()) Die(info.status().ToString());
    vigil::Result<std::unique_ptr<vigil::Ledger>> opened = vigil::Ledger::Open(dir);
    if (!opened.ok()) Die(opened.status().ToString());
    ledger = std::move(*opened);
    log = &ledger->log();
    vigil::Result<SecretKey> authority = SecretKey::Load(dir + "/keys/authority.key");
    if (!authority.ok()) Die(authority.status().ToString());
    keys.push_back(std::move(*authority));
    for (char c : {'p', 'i', 'b', 'c', 's'})
      keys.push_back(*SecretKey::FromSeed(std::string(32, c)));

    const int64_t now = vigil::NowMs();
    const std::string at = vigil::FormatTimestamp(now - 60'000);
    const std::string issued = vigil::FormatTimestamp(now - 86'400'000LL * 30).substr(0, 10);
    const std::string expires = vigil::FormatTimestamp(now + 86'400'000LL * 365).substr(0, 10);
    auto reg = [&](const std::string& id, const std::string& role, const SecretKey& key,
                   const json& licences) {
      json p = {{"type", "participant.register"},
                {"id", "reg-" + id},
                {"actor", "authority"},
                {"at", at},
                {"participant", id},
                {"role", role},
                {"legal_name", id + " legal name"},
                {"keys", {key.public_key().ToBase64()}}};
      if (!licences.is_null()) p["licences"] = licences;
      return p;
    };
    auto licence = [&](const std::string& kind, const std::string& number) {
      return json::array({{{"kind", kind},
                           {"number", number},
                           {"issued", issued},
                           {"expires", expires},
                           {"substances", {"67-64-1"}}}});
    };
    std::vector<std::pair<const SecretKey*, json>> seed = {
        {&keys[0], reg("pol-1", "police", keys[1], nullptr)},
        {&keys[0], reg("insp-1", "inspector", keys[2], nullptr)},
        {&keys[0], reg("biz-a", "business", keys[3], licence("precursor_trading", "KD-A"))},
        {&keys[0], reg("biz-c", "business", keys[4], licence("precursor_use", "SD-C"))},
        {&keys[3],
         {{"type", "chem.purchase"},
          {"id", "a-buy-1"},
          {"actor", "biz-a"},
          {"at", at},
          {"substance", "67-64-1"},
          {"quantity", "100"},
          {"unit", "L"},
          {"party", {{"name", "Supplier JSC"}, {"country", "VN"}}}}},
        {&keys[3],
         {{"type", "chem.dispatch"},
          {"id", "a-send-1"},
          {"actor", "biz-a"},
          {"at", at},
          {"substance", "67-64-1"},
          {"quantity", "10"},
          {"unit", "L"},
          {"counterparty", "biz-c"},
          {"transfer_id", "T-A1"}}},
    };
    std::vector<vigil::Submission> subs;
    for (const auto& [key, payload] : seed) {
      vigil::Submission s;
      s.signer = key->Id();
      s.payload = payload.dump();
      s.sig = key->Sign(vigil::SignContext::kEntry, kOrigin, s.payload);
      subs.push_back(std::move(s));
    }
    for (const auto& r : log->AppendBatch(subs, now)) {
      if (!r.ok()) Die("seeding: " + r.status().ToString());
    }
    size = log->Size();
    writer = std::make_unique<vigil::Writer>(*log);
    vigil::api::ServerOptions options;
    options.threads = 1;
    server = std::make_unique<vigil::api::Server>(*ledger, *writer, options);
  }
};

std::string g_dir;
void RemoveDir() {
  if (!g_dir.empty()) std::filesystem::remove_all(g_dir);
}

Fixture& TheFixture() {
  static Fixture* f = [] {
    auto* fx = new Fixture();  // never destroyed: the writer thread runs until exit
    g_dir = fx->dir;
    std::atexit(RemoveDir);
    return fx;
  }();
  return *f;
}

// The raw request `rest` with valid signature headers of `key` added after its request line.
std::string SignRaw(Fixture& f, const SecretKey& key, std::string_view rest) {
  const size_t eol = rest.find("\r\n");
  if (eol == std::string_view::npos) return std::string(rest);
  const std::string_view line = rest.substr(0, eol);
  const size_t sp1 = line.find(' ');
  const size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos) return std::string(rest);
  const size_t head_end = rest.find("\r\n\r\n");
  const std::string body =
      head_end == std::string_view::npos ? "" : std::string(rest.substr(head_end + 4));
  vigil::api::SignedRequestParts parts{std::string(line.substr(0, sp1)),
                                       std::string(line.substr(sp1 + 1, sp2 - sp1 - 1)), body};
  const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  const std::string nonce = "fuzz-nonce-" + std::to_string(f.nonce++) + "-0000000000";
  std::string out(line);
  out += "\r\n";
  for (const auto& [name, value] : vigil::api::SignRequest(parts, key, kOrigin, now, nonce)) {
    out += name + ": " + value + "\r\n";
  }
  out += rest.substr(eol + 2);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  Fixture& f = TheFixture();
  const std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  const std::string request =
      data[0] < 128 ? std::string(rest) : SignRaw(f, f.keys[data[0] % f.keys.size()], rest);
  const std::string response = f.server->HandleRaw(request);
  static const bool verbose = std::getenv("VIGIL_FUZZ_VERBOSE") != nullptr;
  if (verbose) {
    std::fprintf(stderr, "%s -> %s\n", request.substr(0, request.find('\r')).c_str(),
                 response.substr(0, response.find('\r')).c_str());
  }
  if (!response.empty()) {
    FUZZ_CHECK(response.rfind("HTTP/1.1 ", 0) == 0);
    FUZZ_CHECK(response.rfind("HTTP/1.1 500", 0) != 0);
  }
  FUZZ_CHECK(f.log->Size() == f.size);
  return 0;
}
