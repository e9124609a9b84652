// Tests for the HTTP API (api/): the real server runs in-process over a temporary log and is
// called over loopback with httplib::Client (and a raw socket where the bytes on the wire
// matter). They attack the route table's access rules (a matrix generated from
// Server::routes()), request signatures (checked against a reference signer written from
// docs/api.md), the body limits, problem+json answers, receipts, personal data and shutdown.
#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "api/request_signature.h"
#include "api/route.h"
#include "api/server.h"
#include "keys/encoding.h"
#include "keys/key.h"
#include "ledger/log/checkpoint.h"
#include "ledger/log/entry.h"
#include "ledger/log/merkle.h"
#include "ledger/log/receipt.h"
#include "ledger/log/writer.h"
#include "ledger/personal.h"
#include "ledger/state/payload.h"
#include "ledger/state/state.h"
#include "tests/api_fixture.h"
#include "tests/test_util.h"

namespace vigil {
namespace {

using nlohmann::json;
using testing::MakeTestLog;
using testing::TempDir;
using testing::TestLog;

// The fixture (tests/api_fixture.h): server, world, HTTP helpers, reference signer.
using apitest::CheckProblem;
using apitest::kAcetone;
using apitest::kDayMs;
using apitest::Licence;
using apitest::Move;
using apitest::Nonce;
using apitest::NowS;
using apitest::Params;
using apitest::ParseResponses;
using apitest::Payload;
using apitest::RawExchange;
using apitest::ReferenceSign;
using apitest::Register;
using apitest::Reply;
using apitest::StockInspection;
using apitest::SubmissionBody;
using apitest::TestServer;
using apitest::WaitForFreshSecond;
using apitest::World;

// ---- the access matrix -----------------------------------------------------------------------

// Who calls: unsigned (no key) or a participant with a role.
struct Who {
  std::string name;
  const SecretKey* key;
  std::optional<Role> role;
  std::string participant;
};

std::vector<Who> Callers(const World& w) {
  return {{"unsigned", nullptr, std::nullopt, ""},
          {"authority", &w.authority(), Role::kAuthority, "authority"},
          {"police", &w.police, Role::kPolice, "pol-1"},
          {"inspector", &w.inspector, Role::kInspector, "insp-1"},
          {"business A", &w.a, Role::kBusiness, "biz-a"}};
}

// The submission that made entry `seq` (signer, payload and signature, no cosigners): sent
// again, an idempotent resend.
Submission ResendOf(World& w, uint64_t seq) {
  Result<Entry> e = DecodeEntry(*w.log().EntryAt(seq));
  REQUIRE(e.ok());
  Submission sub;
  sub.signer = e->signer;
  sub.payload = e->payload;
  sub.sig = e->sig;
  return sub;
}

struct Probe {
  std::string target;
  std::string body;  // POST only
};

// How the matrix calls each route, by "METHOD path" of the route table. The resources are ones
// the caller may see: the matrix tests the access level; the handlers' finer rules have their
// own tests below. A route missing here fails "Every route has a row in the access matrix".
const std::map<std::string, std::function<Probe(World&, const Who&)>>& Probes() {
  static const auto* probes = new std::map<std::string, std::function<Probe(World&, const Who&)>>{
      {"GET /checkpoint",
       [](World&, const Who&) {
         return Probe{"/checkpoint", ""};
       }},
      {"GET /tile/entries/{N}",
       [](World& w, const Who&) {
         return Probe{"/tile/entries/000.p/" + std::to_string(w.Size()), ""};
       }},
      {"GET /tile/{L}/{N}",
       [](World& w, const Who&) {
         return Probe{"/tile/0/000.p/" + std::to_string(w.Size()), ""};
       }},
      {"GET /v1/log",
       [](World&, const Who&) {
         return Probe{"/v1/log", ""};
       }},
      // An idempotent resend of A's purchase: 200 whoever sends it.
      {"POST /v1/entries",
       [](World& w, const Who&) {
         return Probe{"/v1/entries", SubmissionBody(ResendOf(w, w.a_purchase))};
       }},
      // The same resend as a batch of one: 200 whoever sends it.
      {"POST /v1/entries:batch",
       [](World& w, const Who&) {
         return Probe{"/v1/entries:batch",
                      "{\"entries\": [" + SubmissionBody(ResendOf(w, w.a_purchase)) + "]}"};
       }},
      // CSV rows to payloads (api/csv_routes.h): converts only, for any signed caller.
      {"POST /v1/csv",
       [](World&, const Who&) {
         return Probe{"/v1/csv?type=chem.stocktake",
                      "at,substance,quantity,unit\n2026-11-20T09:00:00+07:00,67-64-1,1,L\n"};
       }},
      {"GET /v1/entries/{seq}",
       [](World& w, const Who& who) {
         // Entry 0 is the authority's own registration; a business reads its own purchase.
         const uint64_t seq = who.role == Role::kBusiness ? w.a_purchase : 0;
         return Probe{"/v1/entries/" + std::to_string(seq), ""};
       }},
      {"GET /v1/proof/inclusion",
       [](World& w, const Who&) {
         return Probe{"/v1/proof/inclusion?seq=0&size=" + std::to_string(w.Size()), ""};
       }},
      {"GET /v1/proof/consistency",
       [](World& w, const Who&) {
         return Probe{"/v1/proof/consistency?from=1&to=" + std::to_string(w.Size()), ""};
       }},
      {"GET /healthz",
       [](World&, const Who&) {
         return Probe{"/healthz", ""};
       }},
      {"GET /metrics",
       [](World&, const Who&) {
         return Probe{"/metrics", ""};
       }},
      {"GET /v1/participants",
       [](World&, const Who&) {
         return Probe{"/v1/participants", ""};
       }},
      {"GET /v1/participants/{id}",
       [](World&, const Who&) {
         return Probe{"/v1/participants/biz-a", ""};
       }},
      {"GET /v1/participants/{id}/trail",
       [](World&, const Who&) {
         return Probe{"/v1/participants/biz-a/trail?proofs=1", ""};
       }},
      {"GET /v1/participants/{id}/stock",
       [](World&, const Who&) {
         return Probe{"/v1/participants/biz-a/stock?substance=67-64-1", ""};
       }},
      {"GET /v1/transfers",
       [](World&, const Who&) {
         return Probe{"/v1/transfers", ""};
       }},
      {"GET /v1/inspections",
       [](World&, const Who&) {
         return Probe{"/v1/inspections", ""};
       }},
      {"GET /v1/alerts",
       [](World&, const Who&) {
         return Probe{"/v1/alerts", ""};
       }},
      {"GET /v1/catalog",
       [](World&, const Who&) {
         return Probe{"/v1/catalog", ""};
       }},
      {"GET /v1/thresholds",
       [](World&, const Who&) {
         return Probe{"/v1/thresholds", ""};
       }},
      {"GET /v1/personal/{seq}",
       [](World& w, const Who&) {
         return Probe{"/v1/personal/" + std::to_string(w.personal_seq), ""};
       }},
      {"GET /v1/personal-access-log",
       [](World&, const Who&) {
         return Probe{"/v1/personal-access-log", ""};
       }},
      {"GET /v1/me",
       [](World&, const Who&) {
         return Probe{"/v1/me", ""};
       }},
      {"GET /",
       [](World&, const Who&) {
         return Probe{"/", ""};
       }},
      {"GET /web/{file}",
       [](World&, const Who&) {
         return Probe{"/web/app.js", ""};
       }},
  };
  return *probes;
}

std::string RouteKey(const api::Route& r) { return r.method + " " + r.path; }

// The status the access rules promise `who` on a route of `access`, for a resource `who` may
// see (Probes()).
int ExpectedStatus(api::Access access, const Who& who) {
  if (access == api::Access::kPublic) return 200;
  if (!who.role.has_value()) return 401;
  return api::RoleAllowed(access, *who.role) ? 200 : 403;
}

TEST_CASE("Every route has a row in the access matrix, and its probe reaches that route",
          "[api][access]") {
  World w;
  const std::vector<api::Route>& routes = w.server().routes();
  REQUIRE(routes.size() >= 20);
  std::set<std::string> seen;
  for (size_t i = 0; i < routes.size(); ++i) {
    const api::Route& r = routes[i];
    INFO(RouteKey(r) << " (pattern " << r.pattern << ")");
    CHECK(seen.insert(RouteKey(r)).second);  // one row per method and path
    auto probe = Probes().find(RouteKey(r));
    // A new route needs its row in Probes() (and in docs/openapi.json).
    REQUIRE(probe != Probes().end());
    for (const Who& who : Callers(w)) {
      const Probe p = probe->second(w, who);
      const std::string path = p.target.substr(0, p.target.find('?'));
      INFO("probe " << p.target << " as " << who.name);
      CHECK(std::regex_match(path, std::regex(r.pattern)));
      // httplib takes the first matching route of the method: it must be this one.
      for (size_t k = 0; k < i; ++k) {
        if (routes[k].method != r.method) continue;
        INFO("shadowed by " << RouteKey(routes[k]));
        CHECK_FALSE(std::regex_match(path, std::regex(routes[k].pattern)));
      }
    }
  }
  for (const auto& [key, probe] : Probes()) {
    INFO("row without a route: " << key);
    CHECK(seen.count(key) == 1);
  }
}

TEST_CASE("Access matrix: every route, every caller", "[api][access]") {
  World w;
  for (const api::Route& r : w.server().routes()) {
    auto probe = Probes().find(RouteKey(r));
    REQUIRE(probe != Probes().end());
    for (const Who& who : Callers(w)) {
      const Probe p = probe->second(w, who);
      const Reply reply = w.Call(r.method, p.target, who.key, p.body);
      const int want = ExpectedStatus(r.access, who);
      INFO(RouteKey(r) << " [" << api::AccessName(r.access) << "] as " << who.name << ": "
                       << r.method << " " << p.target << " -> " << reply);
      // The rules of DESIGN §1 as classes, then the exact answer.
      if (r.access == api::Access::kPublic) CHECK(reply.status != 401);
      if (r.access != api::Access::kPublic && !who.role.has_value()) CHECK(reply.status == 401);
      if (r.access == api::Access::kFullReader && who.role == Role::kBusiness) {
        CHECK(reply.status == 403);
      }
      if (r.access == api::Access::kPersonalData) {
        if (who.role == Role::kInspector || who.role == Role::kBusiness) CHECK(reply.status == 403);
        if (who.role == Role::kAuthority || who.role == Role::kPolice) {
          CHECK(((reply.status >= 200 && reply.status < 300) || reply.status == 404));
        }
      }
      CHECK(reply.status == want);
      if (want == 401) CheckProblem(reply, 401, "unauthenticated");
      if (want == 403) {
        CheckProblem(reply, 403, "permission_denied");
        CHECK(reply.Json()["detail"].get<std::string>() ==
              "a participant with role " + std::string(RoleName(*who.role)) + " may not call " +
                  r.method + " " + r.path);
      }
    }
  }
}

// ---- a business's view -----------------------------------------------------------------------

TEST_CASE("A business reads only what concerns it", "[api][access]") {
  World w;
  auto seq = [](uint64_t s) { return "/v1/entries/" + std::to_string(s); };
  // Entries: its own records and those naming it; not its competitor's, not the genesis.
  CHECK(w.Get(seq(w.a_purchase), w.a).status == 200);
  CHECK(w.Get(seq(w.a_registration), w.a).status == 200);  // names it as "participant"
  CHECK(w.Get(seq(w.a_dispatch), w.c).status == 200);      // C is the counterparty
  CheckProblem(w.Get(seq(w.b_purchase), w.a), 403, "permission_denied");
  CheckProblem(w.Get(seq(w.b_dispatch), w.a), 403, "permission_denied");
  CheckProblem(w.Get(seq(0), w.a), 403, "permission_denied");
  CheckProblem(w.Get(seq(w.a_purchase), w.b), 403, "permission_denied");
  // A's entry as served to A proves inclusion in the newest checkpoint.
  {
    json j = w.Get(seq(w.a_purchase), w.a).Json();
    CHECK(j["leaf_hash"] == Base64(merkle::HashLeaf(j["entry"].get<std::string>())));
    CHECK(j["checkpoint"].get<std::string>().find("\n" + std::to_string(w.Size()) + "\n") !=
          std::string::npos);
  }

  // Per-participant routes: its own 200, B's 403.
  for (const std::string suffix : {"", "/trail", "/stock", "/stock?substance=67-64-1"}) {
    INFO(suffix);
    CHECK(w.Get("/v1/participants/biz-a" + suffix, w.a).status == 200);
    CheckProblem(w.Get("/v1/participants/biz-b" + suffix, w.a), 403, "permission_denied");
    CHECK(w.Get("/v1/participants/biz-b" + suffix, w.inspector).status == 200);
  }
  // A's trail holds its own entries and the ones naming it, never B's.
  {
    std::set<uint64_t> seqs;
    const json trail = w.Get("/v1/participants/biz-a/trail", w.a).Json();
    for (const json& item : trail["items"]) {
      seqs.insert(item["seq"].get<uint64_t>());
    }
    CHECK(seqs.count(w.a_registration) == 1);
    CHECK(seqs.count(w.a_purchase) == 1);
    CHECK(seqs.count(w.a_dispatch) == 1);
    CHECK(seqs.count(w.b_purchase) == 0);
    CHECK(seqs.count(w.b_dispatch) == 0);
  }
  CHECK(w.Get("/v1/participants/biz-a/stock", w.a).Json()[0]["amount"] == 89'000'000);  // µL

  // List routes: a filter naming B is refused; without one, only A's items come back.
  struct ListRoute {
    std::string path, filter, field1, field2;
  };
  for (const ListRoute& l :
       std::vector<ListRoute>{{"/v1/transfers", "participant", "from", "to"},
                              {"/v1/inspections", "business", "business", "business"},
                              {"/v1/alerts", "participant", "participant", "participant"}}) {
    INFO(l.path);
    CheckProblem(w.Get(l.path + "?" + l.filter + "=biz-b", w.a), 403, "permission_denied");
    CHECK(w.Get(l.path + "?" + l.filter + "=biz-a", w.a).status == 200);
    const json mine = w.Get(l.path, w.a).Json()["items"];
    CHECK(!mine.empty());
    for (const json& item : mine) {
      INFO(item.dump());
      CHECK((item.value(l.field1, "") == "biz-a" || item.value(l.field2, "") == "biz-a"));
    }
    // The police see B's items too, so the filter above did remove something.
    const json all = w.Get(l.path, w.police).Json()["items"];
    bool saw_b = false;
    for (const json& item : all) {
      saw_b = saw_b || item.value(l.field1, "") == "biz-b" || item.value(l.field2, "") == "biz-b";
    }
    CHECK(saw_b);
    CHECK(all.size() > mine.size());
  }
  // C receives from both A and B: it sees both transfers, as their receiver.
  CHECK(w.Get("/v1/transfers", w.c).Json()["items"].size() == 2);
  // C receives 8 of A's 10: the slip is short, 2 in transit, and the status filter finds it.
  w.AppendSeq(w.c, Payload("chem.receipt", "c-recv-a1", "biz-c",
                           Move("8", {{"counterparty", "biz-a"}, {"transfer_id", "T-A1"}})));
  const json shorts = w.Get("/v1/transfers?status=short", w.police).Json()["items"];
  REQUIRE(shorts.size() == 1);
  CHECK(shorts[0]["transfer_id"] == "T-A1");
  CHECK(shorts[0]["in_transit"] == 2'000'000);
  CHECK(w.Get("/v1/transfers?status=open", w.police).Json()["items"].size() == 1);
}

// Generated from the log itself: every entry of the world (one or more of each record type it
// holds) asked for by every caller, including each business. A business gets exactly the entries
// ParticipantsNamed (ledger/state.h) says concern it, never a police note; an inspector every
// entry but police notes; authority and police every entry (issue 14).
TEST_CASE("Access matrix: every entry of every record type, every caller", "[api][access]") {
  World w;
  std::vector<Who> callers = Callers(w);
  callers.push_back({"business B", &w.b, Role::kBusiness, "biz-b"});
  callers.push_back({"business C", &w.c, Role::kBusiness, "biz-c"});
  std::set<std::string> types;
  std::map<std::string, int> allowed, denied;  // per business
  for (uint64_t seq = 0; seq < w.log().Size(); ++seq) {
    Result<std::string> bytes = w.log().EntryAt(seq);
    REQUIRE(bytes.ok());
    Result<Entry> entry = DecodeEntry(*bytes);
    REQUIRE(entry.ok());
    Result<vigil::Payload> payload = ParsePayload(entry->payload);
    REQUIRE(payload.ok());
    types.insert(payload->type);
    const std::vector<std::string> named = ParticipantsNamed(*payload);
    for (const Who& who : callers) {
      const Reply r = w.Get("/v1/entries/" + std::to_string(seq), who.key);
      INFO("entry " << seq << " (" << payload->type << ") as " << who.name << " -> " << r);
      int want = 401;
      if (who.role.has_value()) {
        const bool concerns = std::find(named.begin(), named.end(), who.participant) != named.end();
        const bool note = payload->type == "police.note";
        want = *who.role == Role::kAuthority || *who.role == Role::kPolice ? 200
               : note                                                      ? 403
               : *who.role != Role::kBusiness || concerns                  ? 200
                                                                           : 403;
        if (*who.role == Role::kBusiness) (want == 200 ? allowed : denied)[who.name]++;
      }
      CHECK(r.status == want);
      if (want == 403) CheckProblem(r, 403, "permission_denied");
    }
  }
  // The world is rich enough for the matrix to mean something.
  CHECK(types.size() >= 6);
  for (const std::string b : {"business A", "business B", "business C"}) {
    INFO(b);
    CHECK(allowed[b] > 0);
    CHECK(denied[b] > 0);
  }
}

// Generated from the route table: a key that was revoked, and a participant that was revoked,
// are refused (401) on every route that needs a signed request, whatever their role was.
TEST_CASE("Access matrix: revoked keys and participants on every signed route", "[api][access]") {
  World w;
  const SecretKey k1 = SecretKey::Generate();
  const SecretKey k2 = SecretKey::Generate();
  w.AppendSeq(w.authority(), Register("pol-r1", "police", k1.public_key()));
  w.AppendSeq(w.authority(), Register("pol-r2", "police", k2.public_key()));
  w.AppendSeq(w.authority(), Payload("key.revoke", "revoke-k1", "authority",
                                     {{"key", k1.Id()}, {"reason", "lost"}}));
  w.AppendSeq(w.authority(), Payload("participant.revoke", "revoke-pol-r2", "authority",
                                     {{"participant", "pol-r2"}, {"reason", "retired"}}));
  const Who revoked_key{"revoked key", &k1, Role::kPolice, "pol-r1"};
  const Who revoked_participant{"revoked participant", &k2, Role::kPolice, "pol-r2"};
  int signed_routes = 0;
  for (const api::Route& r : w.server().routes()) {
    if (r.access == api::Access::kPublic) continue;
    ++signed_routes;
    auto probe = Probes().find(RouteKey(r));
    REQUIRE(probe != Probes().end());
    for (const Who* who : {&revoked_key, &revoked_participant}) {
      const Probe p = probe->second(w, *who);
      const Reply reply = w.Call(r.method, p.target, who->key, p.body);
      INFO(RouteKey(r) << " as " << who->name << " -> " << reply);
      CheckProblem(reply, 401, "unauthenticated");
    }
  }
  CHECK(signed_routes >= 10);
}

// ---- request signatures ----------------------------------------------------------------------

TEST_CASE("Request signatures: the reference signer matches api::SignRequest", "[api][signature]") {
  // The worked example of docs/api.md "Signing requests".
  Result<Bytes> seed = Base64Decode("QcEvRAQM/tn1hRkwYHRCagP4ITbtr2nrzXlkxbvFl7Y=");
  REQUIRE(seed.ok());
  Result<SecretKey> key = SecretKey::FromSeed(*seed);
  REQUIRE(key.ok());
  CHECK(key->Id() == "04c8321afd4f8832");
  const std::map<std::string, std::string> want = {
      {"Content-Digest", "sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:"},
      {"Signature-Input",
       R"(vigil=("@method" "@path" "@query" "content-digest");created=1795884519;keyid="04c8321afd4f8832";alg="ed25519";nonce="docs-example-nonce-0001")"},
      {"Signature",
       "vigil=:WymEmDQIKWzLAs87mcsL+"
       "QE43uPnq62g2kgZYmkaH6yivm8DaE5aZAV4lYfMDdkcIwaSLQOhNMhwsDV3AhdwAw==:"}};
  const std::string origin = "vigil.demo.example/log";
  CHECK(api::SignRequest({"GET", "/v1/entries/1", ""}, *key, origin, 1795884519,
                         "docs-example-nonce-0001") == want);
  CHECK(ReferenceSign("GET", "/v1/entries/1", api::ContentDigest(""),
                      Params(1795884519, key->Id(), "docs-example-nonce-0001"), *key,
                      origin) == want);
  // Bound to the log: the same request for another log is signed differently.
  CHECK(api::SignRequest({"GET", "/v1/entries/1", ""}, *key, "vigil.other.example/log", 1795884519,
                         "docs-example-nonce-0001") != want);
  // With a query and a body.
  CHECK(api::SignRequest({"GET", "/v1/alerts?kind=x&limit=2", "body"}, *key, testing::kTestOrigin,
                         1, "n-0123456789abcdef") ==
        ReferenceSign("GET", "/v1/alerts?kind=x&limit=2", api::ContentDigest("body"),
                      Params(1, key->Id(), "n-0123456789abcdef"), *key));
}

TEST_CASE("Request signatures: every way to get one wrong is 401 unauthenticated",
          "[api][signature]") {
  World w;
  const std::string target = "/v1/participants/biz-a";
  const std::string digest = api::ContentDigest("");
  auto send = [&](const std::map<std::string, std::string>& headers,
                  const std::string& sent_target) {
    httplib::Headers h(headers.begin(), headers.end());
    return w.Send("GET", sent_target, "", h);
  };
  auto signed_as = [&](const SecretKey& signer, const std::string& keyid, int64_t created,
                       const std::string& nonce) {
    return ReferenceSign("GET", target, digest, Params(created, keyid, nonce), signer);
  };
  auto unauthenticated = [&](const Reply& r, const std::string& why) {
    CheckProblem(r, 401, "unauthenticated");
    if (r.status == 401) {
      const std::string detail = r.Json()["detail"].get<std::string>();
      INFO(detail);
      CHECK(detail.rfind("request signature: ", 0) == 0);
      CHECK(detail.find(why) != std::string::npos);
    }
  };

  SECTION("a good signature is accepted, once") {
    const auto h = signed_as(w.police, w.police.Id(), NowS(), Nonce());
    CHECK(send(h, target).status == 200);
    unauthenticated(send(h, target), "already used");
    // The same nonce with a different, validly signed request is a replay too.
    const std::string nonce = Nonce();
    CHECK(send(signed_as(w.police, w.police.Id(), NowS(), nonce), target).status == 200);
    unauthenticated(send(ReferenceSign("GET", "/v1/participants/biz-b", digest,
                                       Params(NowS(), w.police.Id(), nonce), w.police),
                         "/v1/participants/biz-b"),
                    "already used");
    // Nonces are per key: another key may use the same one.
    CHECK(send(signed_as(w.inspector, w.inspector.Id(), NowS(), nonce), target).status == 200);
  }
  SECTION("no signature") {
    unauthenticated(w.Get(target), "needs a signed request");
    unauthenticated(send({{"Content-Digest", digest}}, target), "needs a signed request");
  }
  SECTION("signed by a key other than keyid") {
    unauthenticated(send(signed_as(w.inspector, w.police.Id(), NowS(), Nonce()), target),
                    "does not verify");
  }
  SECTION("an unregistered key") {
    const SecretKey stranger = SecretKey::Generate();
    unauthenticated(send(signed_as(stranger, stranger.Id(), NowS(), Nonce()), target),
                    "does not verify with a registered key");
  }
  SECTION("a revoked key, and a revoked participant") {
    const SecretKey r1 = SecretKey::Generate();
    const SecretKey r2 = SecretKey::Generate();
    w.AppendSeq(w.authority(), Register("biz-r1", "business", r1.public_key()));
    w.AppendSeq(w.authority(), Register("biz-r2", "business", r2.public_key()));
    CHECK(w.Get("/v1/participants/biz-r1", r1).status == 200);
    CHECK(w.Get("/v1/participants/biz-r2", r2).status == 200);
    w.AppendSeq(w.authority(), Payload("key.revoke", "revoke-r1", "authority",
                                       {{"key", r1.Id()}, {"reason", "laptop stolen"}}));
    w.AppendSeq(w.authority(), Payload("participant.revoke", "revoke-r2", "authority",
                                       {{"participant", "biz-r2"}, {"reason", "closed down"}}));
    unauthenticated(w.Get("/v1/participants/biz-r1", r1), "has been revoked");
    unauthenticated(w.Get("/v1/participants/biz-r2", r2), "is not active");
  }
  SECTION("created outside ±300 s") {
    WaitForFreshSecond();
    const int64_t now = NowS();
    unauthenticated(send(signed_as(w.police, w.police.Id(), now - 301, Nonce()), target),
                    "300 s from the server's clock");
    unauthenticated(send(signed_as(w.police, w.police.Id(), now + 301, Nonce()), target),
                    "300 s from the server's clock");
    // Just inside the window, both ways.
    CHECK(send(signed_as(w.police, w.police.Id(), now - 299, Nonce()), target).status == 200);
    CHECK(send(signed_as(w.police, w.police.Id(), now + 299, Nonce()), target).status == 200);
  }
  SECTION("a tampered query") {
    const auto h = ReferenceSign("GET", target + "?a=1", digest,
                                 Params(NowS(), w.police.Id(), Nonce()), w.police);
    unauthenticated(send(h, target + "?a=2"), "does not verify");
    unauthenticated(send(h, target), "does not verify");
    CHECK(send(h, target + "?a=1").status == 200);  // not consumed by the failures
  }
  SECTION("a tampered path") {
    const auto h = signed_as(w.police, w.police.Id(), NowS(), Nonce());
    unauthenticated(send(h, "/v1/participants/biz-b"), "does not verify");
  }
  SECTION("a Content-Digest that does not match the body") {
    // Signed for a body "x" that is not sent.
    const auto h = ReferenceSign("GET", target, api::ContentDigest("x"),
                                 Params(NowS(), w.police.Id(), Nonce()), w.police);
    unauthenticated(send(h, target), "Content-Digest");
    auto no_digest = signed_as(w.police, w.police.Id(), NowS(), Nonce());
    no_digest.erase("Content-Digest");
    unauthenticated(send(no_digest, target), "Content-Digest");
  }
  SECTION("a malformed Signature-Input") {
    const int64_t now = NowS();
    const std::string id = w.police.Id();
    auto with_params = [&](const std::string& params) {
      return send(ReferenceSign("GET", target, digest, params, w.police), target);
    };
    unauthenticated(
        with_params(Params(now, id, Nonce(), R"(("@method" "@path" "content-digest"))")),
        "covered components");
    unauthenticated(
        with_params(Params(now, id, Nonce(), R"(("@method" "@query" "@path" "content-digest"))")),
        "covered components");
    unauthenticated(with_params(R"(("@method" "@path" "@query" "content-digest");created=)" +
                                std::to_string(now) + ";keyid=\"" + id + "\";alg=\"ed25519\""),
                    "needs created, keyid, alg and nonce");
    unauthenticated(with_params(Params(now, id, "fifteen-chars-x")), "nonce must be");
    unauthenticated(with_params(Params(now, id, "sixteen chars !!")), "nonce must be");
    unauthenticated(with_params(Params(now, id, std::string(129, 'n'))), "nonce must be");
    CHECK(with_params(Params(now, id, std::string(16, 'n') + Nonce())).status == 200);
    // Parameters reordered, and an extra one.
    unauthenticated(with_params(R"(("@method" "@path" "@query" "content-digest");keyid=")" + id +
                                "\";created=" + std::to_string(now) + ";alg=\"ed25519\";nonce=\"" +
                                Nonce() + "\""),
                    "documented order");
    unauthenticated(with_params(Params(now, id, Nonce()) + ";expires=" + std::to_string(now + 60)),
                    "documented order");
    unauthenticated(with_params(R"(("@method" "@path" "@query" "content-digest");created=)" +
                                std::to_string(now) + ";keyid=\"" + id +
                                "\";alg=\"rsa-pss-sha512\";nonce=\"" + Nonce() + "\""),
                    "alg must be ed25519");
    // Wrong label; a signature that is not 64 bytes.
    auto h = signed_as(w.police, id, now, Nonce());
    h["Signature-Input"] = "sig1=" + h["Signature-Input"].substr(6);
    unauthenticated(send(h, target), "label");
    h = signed_as(w.police, id, now, Nonce());
    h["Signature"] = "vigil=:" + Base64Encode("short") + ":";
    unauthenticated(send(h, target), "64-byte");
  }
}

// ---- limits and errors -----------------------------------------------------------------------

// A JSON value of `levels` nested arrays.
std::string Nested(int levels) {
  return std::string(static_cast<size_t>(levels), '[') +
         std::string(static_cast<size_t>(levels), ']');
}

TEST_CASE("Limits: refused bodies are problems and append nothing", "[api][limits]") {
  World w;
  const uint64_t size = w.Size();
  const std::string good = SubmissionBody(testing::MakeSubmission(
      w.police, Payload("police.note", "note-limits", "pol-1", {{"text", "fine"}})));
  const std::string head =
      "POST /v1/entries HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n";

  SECTION("Transfer-Encoding: chunked -> 411") {
    std::ostringstream chunk;
    chunk << std::hex << good.size() << "\r\n" << good << "\r\n0\r\n\r\n";
    const std::vector<Reply> replies = ParseResponses(
        RawExchange(w.port(), head + "Transfer-Encoding: chunked\r\n\r\n" + chunk.str()));
    REQUIRE(!replies.empty());
    CheckProblem(replies[0], 411, "length_required");
  }
  SECTION("Content-Encoding: gzip -> 415") {
    const std::vector<Reply> replies =
        ParseResponses(RawExchange(w.port(), head + "Content-Encoding: gzip\r\nContent-Length: " +
                                                 std::to_string(good.size()) + "\r\n\r\n" + good));
    REQUIRE(!replies.empty());
    CheckProblem(replies[0], 415, "unsupported_encoding");
    // Through httplib::Client as well.
    CheckProblem(w.Send("POST", "/v1/entries", good, {{"Content-Encoding", "gzip"}}), 415,
                 "unsupported_encoding");
  }
  SECTION("a body over max_body_bytes -> 413") {
    const size_t max = api::ServerOptions{}.max_body_bytes;
    // Announced: answered from the Content-Length before any body is read.
    const std::vector<Reply> replies = ParseResponses(
        RawExchange(w.port(), head + "Content-Length: " + std::to_string(max + 1) + "\r\n\r\n"));
    REQUIRE(!replies.empty());
    CheckProblem(replies[0], 413, "payload_too_large");
    // Sent in full by a client; the detail names the limit. (A server that closes the connection
    // after an early answer, as the next test asks, may reset a client still writing its body
    // before it reads the answer: then there is no answer to check.)
    json big = json::parse(good);
    big["payload"] = std::string(max, ' ') + big["payload"].get<std::string>();
    const Reply r = w.Post(big.dump());
    if (r.status != -1) {
      CheckProblem(r, 413, "payload_too_large");
      CHECK(r.Json()["detail"].get<std::string>().find(std::to_string(max)) != std::string::npos);
    }
  }
  SECTION("JSON nested deeper than 16 levels -> 400, in the body and in the payload") {
    // kMaxJsonDepth (ledger/payload.h): 16 levels, counting the top object, are accepted whether
    // the innermost container is empty or holds a value; a 17th level is refused.
    auto body_with = [&](const std::string& x) {
      return w.Post(good.substr(0, good.size() - 1) + ",\"x\":" + x + "}");
    };
    auto is_depth_error = [](const Reply& r) {
      return r.Json()["detail"].get<std::string>().find("nested deeper than 16") !=
             std::string::npos;
    };
    for (const std::string& x : std::vector<std::string>{Nested(15), "[" + Nested(14) + ",1]",
                                                         "[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]"}) {
      INFO("16 levels: " << x);
      const Reply r = body_with(x);
      CheckProblem(r, 400, "invalid_argument");  // parsed, then "x" is an unknown field
      CHECK(r.Json()["detail"] == "unknown field \"x\" in the body");
    }
    for (const std::string& x :
         std::vector<std::string>{Nested(16), "[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]", Nested(40)}) {
      INFO("17 levels or more: " << x);
      const Reply r = body_with(x);
      CheckProblem(r, 400, "invalid_argument");
      CHECK(is_depth_error(r));
    }
    // A correctly signed payload: 16 levels parse (and reach the rules), 17 do not.
    auto payload_with = [&](const std::string& id, const std::string& refs) {
      const std::string p = Payload("police.note", id, "pol-1", {{"text", "x"}}).dump();
      Submission sub;
      sub.signer = w.police.Id();
      sub.payload = p.substr(0, p.size() - 1) + ",\"refs\":" + refs + "}";
      sub.sig = w.police.Sign(SignContext::kEntry, testing::kTestOrigin, sub.payload);
      return w.Post(SubmissionBody(sub));
    };
    CheckProblem(payload_with("note-deep-16", "[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]"), 422,
                 "rule_violation", true);
    const Reply r = payload_with("note-deep-17", "[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]");
    CheckProblem(r, 400, "invalid_argument");
    CHECK(is_depth_error(r));
  }
  // Invalid UTF-8 (raw bytes, overlong forms, lone surrogates, in the body and in a signed
  // payload), malformed bodies, wrong types and unknown fields: the table of
  // tests/bad_input_test.cc, which also checks that nothing is appended.
  SECTION("unknown routes and methods -> 404 problem+json") {
    CheckProblem(w.Get("/v1/nothing-here"), 404, "no_route");
    CheckProblem(w.Get("/v1/entries/abc", w.police), 404, "no_route");
    CheckProblem(w.Get("/v1/entries/12345678901234567890", w.police), 404, "no_route");
    CheckProblem(w.Send("POST", "/checkpoint", "{}"), 404, "no_route");
    CheckProblem(w.Send("GET", "/v1/entries"), 404, "no_route");
    CheckProblem(w.Send("DELETE", "/v1/entries/0"), 404, "no_route");
  }
  SECTION("a request line over 8 KiB -> 414 problem+json") {
    const Reply r = w.Get("/v1/participants/" + std::string(9000, 'x'), w.police);
    CheckProblem(r, 414, "uri_too_long");
    CHECK(r.Json()["title"] == "URI too long");  // not "Internal error" (api/problem.cc Title)
  }
  SECTION("bad query parameters -> 400; missing resources -> 404") {
    CheckProblem(w.Get("/v1/proof/inclusion?seq=0"), 400, "invalid_argument");
    CheckProblem(w.Get("/v1/proof/inclusion?seq=-1&size=2"), 400, "invalid_argument");
    CheckProblem(w.Get("/v1/proof/consistency?from=0&to=2"), 400, "invalid_argument");
    CheckProblem(w.Get("/v1/proof/inclusion?seq=0&size=" + std::to_string(size + 1)), 400,
                 "invalid_argument");
    CheckProblem(w.Get("/v1/alerts?limit=0", w.police), 400, "invalid_argument");
    CheckProblem(w.Get("/v1/alerts?limit=501", w.police), 400, "invalid_argument");
    CheckProblem(w.Get("/v1/alerts?from=yesterday", w.police), 400, "invalid_argument");
    CheckProblem(w.Get("/v1/transfers?status=lost", w.police), 400, "invalid_argument");
    CheckProblem(w.Get("/v1/participants?limit=x", w.police), 400, "invalid_argument");
    CheckProblem(w.Get("/v1/entries/" + std::to_string(size), w.police), 404, "not_found");
    CheckProblem(w.Get("/v1/participants/nobody", w.police), 404, "not_found");
    CheckProblem(w.Get("/tile/0/000.p/" + std::to_string(size + 1)), 404, "not_found");
    CheckProblem(w.Get("/tile/0/x000"), 400, "invalid_argument");
  }
  // Whatever was refused, nothing was appended.
  CHECK(w.Size() == size);
  CHECK(w.log().Size() == size);
}

// An early answer (411, 413, 415) leaves the unread body on the connection. If the server keeps
// the connection open it reads that body as the next request: a refused request then appends an
// entry after all, and behind a proxy that forwards the body as data this smuggles a request past
// the proxy (request smuggling, response-queue poisoning). The connection must be closed after
// such an answer, so that exactly one response comes back and nothing is appended.
TEST_CASE("An early refusal closes the connection: the unread body is not a request",
          "[api][limits]") {
  World w;
  const uint64_t size = w.Size();
  const std::string head =
      "POST /v1/entries HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n";
  // The body of the refused request is itself a complete request: an append.
  auto smuggled_append = [&](const std::string& id) {
    const std::string body = SubmissionBody(testing::MakeSubmission(
        w.police, Payload("police.note", id, "pol-1", {{"text", "smuggled"}})));
    return head + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  };
  struct Case {
    std::string name, headers;
    int status;
  };
  const size_t max = api::ServerOptions{}.max_body_bytes;
  for (const Case& c :
       std::vector<Case>{{"415",
                          "Content-Encoding: gzip\r\nContent-Length: " +
                              std::to_string(smuggled_append("smuggled-415").size()),
                          415},
                         {"413", "Content-Length: " + std::to_string(max + 1), 413},
                         {"411", "Transfer-Encoding: chunked", 411}}) {
    INFO(c.name);
    const std::string smuggled = smuggled_append("smuggled-" + c.name);
    const std::vector<Reply> replies =
        ParseResponses(RawExchange(w.port(), head + c.headers + "\r\n\r\n", smuggled, 1000));
    REQUIRE(!replies.empty());
    CHECK(replies[0].status == c.status);
    std::ostringstream seen;
    for (const Reply& r : replies) seen << r << "\n";
    INFO("answers:\n" << seen.str());
    CHECK(replies.size() == 1);
  }
  CHECK(w.Size() == size);
}

TEST_CASE("Rule violations are 422 listing every broken rule", "[api][errors]") {
  World w;
  const uint64_t size = w.Size();
  json p = Payload(
      "participant.register", "reg-bad", "authority",
      {{"participant", "bad id"}, {"role", "owner"}, {"keys", json::array()}, {"colour", "red"}});
  Reply r = w.Post(SubmissionBody(testing::MakeSubmission(w.authority(), p)));
  CheckProblem(r, 422, "rule_violation", /*violations=*/true);
  std::set<std::string> codes;
  json problem = r.Json();
  for (const json& v : problem["violations"]) {
    CHECK(v["message"].is_string());
    codes.insert(v["code"].get<std::string>());
  }
  CHECK(codes == std::set<std::string>{"unknown_field", "missing_field", "bad_participant_id",
                                       "bad_role", "no_keys"});
  CHECK(r.Json()["detail"] == "5 rules broken");

  // A business buying what its licence does not cover, with an unknown field.
  p = Payload("chem.purchase", "a-bad-buy", "biz-a",
              {{"substance", "7722-64-7"},
               {"quantity", "1"},
               {"unit", "kg"},
               {"party", {{"name", "X"}}},
               {"price", "100"}});
  r = w.Post(SubmissionBody(testing::MakeSubmission(w.a, p)));
  CheckProblem(r, 422, "rule_violation", true);
  codes.clear();
  problem = r.Json();
  for (const json& v : problem["violations"]) codes.insert(v["code"].get<std::string>());
  CHECK(codes.count("unknown_field") == 1);
  CHECK(codes.size() >= 2);

  // Signed by a key of another participant: 403 with one violation.
  r = w.Post(
      SubmissionBody(testing::MakeSubmission(w.b, Payload("chem.loss", "x", "biz-a", Move("1")))));
  CheckProblem(r, 403, "permission_denied", true);
  CHECK(r.Json()["violations"][0]["code"] == "actor_mismatch");
  // A role that may not write this record type.
  r = w.Post(SubmissionBody(testing::MakeSubmission(
      w.inspector, Payload("police.note", "y", "insp-1", {{"text", "x"}}))));
  CheckProblem(r, 403, "permission_denied", true);
  CHECK(r.Json()["violations"][0]["code"] == "role_not_allowed");
  CHECK(w.Size() == size);
}

// ---- appends and receipts --------------------------------------------------------------------

TEST_CASE("POST /v1/entries: receipts, idempotent resends, conflicts, tlog-proof",
          "[api][entries]") {
  World w;
  const NoteVerifier verifier = w.log().info().verifier();
  Submission sub = testing::MakeSubmission(
      w.police, Payload("police.note", "note-receipt", "pol-1", {{"text", "receipt test"}}));
  const std::string body = SubmissionBody(sub);
  const uint64_t size = w.Size();

  const Reply first = w.Post(body);
  INFO(first);
  REQUIRE(first.status == 201);
  CHECK(first.content_type == "application/json");
  const json receipt_json = first.Json();
  Result<Receipt> receipt = ReceiptFromJson(receipt_json);
  REQUIRE(receipt.ok());
  CHECK(receipt->seq == size);
  Result<Checkpoint> cp = VerifyReceipt(*receipt, verifier);
  INFO(cp.status().ToString());
  CHECK(cp.ok());
  CHECK(receipt->leaf_hash == merkle::HashLeaf(*w.log().EntryAt(size)));
  CHECK(w.Size() == size + 1);

  // The same bytes again: 200 with the very same receipt, nothing appended.
  const Reply again = w.Post(body);
  CHECK(again.status == 200);
  CHECK(again.Json() == receipt_json);
  CHECK(w.Size() == size + 1);

  // The receipt as c2sp.org/tlog-proof@v1 text, with the entry as its extra data.
  const Reply text = w.Post(body, "/v1/entries?format=tlog-proof");
  CHECK(text.status == 200);
  CHECK(text.content_type.rfind("text/plain", 0) == 0);
  CHECK(text.body.rfind("c2sp.org/tlog-proof@v1\nextra ", 0) == 0);
  Result<Receipt> from_text = ReceiptFromTlogProof(text.body);
  REQUIRE(from_text.ok());
  CHECK(from_text->seq == receipt->seq);
  CHECK(from_text->checkpoint == receipt->checkpoint);
  CHECK(from_text->inclusion == receipt->inclusion);
  CHECK(from_text->entry == *w.log().EntryAt(size));
  CHECK(VerifyReceipt(*from_text, verifier).ok());
  // A new record asked for as text: 201 and the text form.
  const Reply new_text =
      w.Post(SubmissionBody(testing::MakeSubmission(
                 w.police, Payload("police.note", "note-text", "pol-1", {{"text", "t"}}))),
             "/v1/entries?format=tlog-proof");
  CHECK(new_text.status == 201);
  CHECK(new_text.body.rfind("c2sp.org/tlog-proof@v1\n", 0) == 0);

  // The same payload id with different content: 409, nothing appended.
  const uint64_t before = w.Size();
  const Reply conflict = w.Post(SubmissionBody(testing::MakeSubmission(
      w.police, Payload("police.note", "note-receipt", "pol-1", {{"text", "something else"}}))));
  CheckProblem(conflict, 409, "conflict");
  CHECK(conflict.Json()["detail"].get<std::string>().find(std::to_string(size)) !=
        std::string::npos);
  CHECK(w.Size() == before);

  // The receipt's entry is served back to its author with a proof to the newest checkpoint.
  const json entry = w.Get("/v1/entries/" + std::to_string(size), w.police).Json();
  CHECK(entry["entry"] == *w.log().EntryAt(size));
  CHECK(entry["leaf_hash"] == receipt_json["leaf_hash"]);
}

TEST_CASE("Personal data: police read it (logged), inspectors cannot, erasure removes it",
          "[api][personal]") {
  World w;
  const std::string path = "/v1/personal/" + std::to_string(w.personal_seq);
  auto access_log = [&] { return w.Get("/v1/personal-access-log", w.authority()).Json()["items"]; };
  const size_t logged = access_log().size();

  // The entry carries the commitment only, never the data.
  CHECK(w.log().EntryAt(w.personal_seq)->find("001099012345") == std::string::npos);

  const Reply r = w.Get(path, w.police);
  INFO(r);
  REQUIRE(r.status == 200);
  CHECK(r.Json()["seq"] == w.personal_seq);
  CHECK(r.Json()["personal"] == w.personal);
  // One access-log row, newest first, naming the reader.
  json rows = access_log();
  REQUIRE(rows.size() == logged + 1);
  CHECK(rows[0]["seq"] == w.personal_seq);
  CHECK(rows[0]["participant"] == "pol-1");
  CHECK(rows[0]["role"] == "police");
  CHECK(rows[0]["key"] == w.police.Id());
  CHECK(rows[0].contains("at"));
  // The access log itself is personal data: not for inspectors or businesses.
  CheckProblem(w.Get("/v1/personal-access-log", w.inspector), 403, "permission_denied");

  // Inspectors and businesses are refused before anything is read or logged.
  CheckProblem(w.Get(path, w.inspector), 403, "permission_denied");
  CheckProblem(w.Get(path, w.a), 403, "permission_denied");
  CheckProblem(w.Get(path), 401, "unauthenticated");
  CHECK(access_log().size() == logged + 1);

  // A record without personal data: 404.
  CheckProblem(w.Get("/v1/personal/" + std::to_string(w.a_purchase), w.police), 404, "not_found");

  // Personal data must match its commitment and come with one.
  Submission sub = testing::MakeSubmission(
      w.police, Payload("police.note", "note-p2", "pol-1",
                        {{"text", "x"},
                         {"personal_commitment", PersonalCommitment("{}", std::string(16, 'a'))}}));
  AttachmentOf(sub).personal = R"({"full_name":"someone else"})";
  AttachmentOf(sub).personal_salt = Base64Encode(std::string(16, 'a'));
  const uint64_t size = w.Size();
  CheckProblem(w.Post(SubmissionBody(sub)), 400, "invalid_argument");
  sub = testing::MakeSubmission(w.police,
                                Payload("police.note", "note-p3", "pol-1", {{"text", "x"}}));
  AttachmentOf(sub).personal = R"({"full_name":"no commitment"})";
  AttachmentOf(sub).personal_salt = Base64Encode(std::string(16, 'a'));
  CheckProblem(w.Post(SubmissionBody(sub)), 400, "invalid_argument");
  CHECK(w.Size() == size);

  // Erasure by the authority: the record stands, the data is gone.
  w.AppendSeq(
      w.authority(),
      Payload("erasure", "erase-1", "authority",
              {{"target_seq", w.personal_seq}, {"reason", "court order"}, {"order_ref", "QD-1"}}));
  CheckProblem(w.Get(path, w.police), 404, "not_found");
  CheckProblem(w.Get(path, w.authority()), 404, "not_found");
  CHECK(w.Get("/v1/entries/" + std::to_string(w.personal_seq), w.police).status == 200);
}

// ---- log facts, health, metrics --------------------------------------------------------------

TEST_CASE("/v1/log, /healthz, /checkpoint and /metrics", "[api][ops]") {
  World w;
  const uint64_t size = w.log().Size();

  const Reply log = w.Get("/v1/log");
  REQUIRE(log.status == 200);
  CHECK(log.content_type == "application/json");
  const json info = log.Json();
  CHECK(info["origin"] == testing::kTestOrigin);
  CHECK(info["verifier_key"] == w.log().info().verifier_key);
  CHECK(info["size"] == size);
  CHECK(info["jurisdiction"].is_object());
  CHECK(info.size() == 4);

  const Reply health = w.Get("/healthz");
  CHECK(health.status == 200);
  CHECK(health.Json() == json{{"status", "ok"}, {"size", size}, {"writable", true}});

  const Reply cp = w.Get("/checkpoint");
  CHECK(cp.status == 200);
  CHECK(cp.body.rfind(std::string(testing::kTestOrigin) + "\n" + std::to_string(size) + "\n", 0) ==
        0);
  CHECK(ParseCheckpointBody(cp.body.substr(0, cp.body.find("\n\n") + 1)).ok());

  // A refusal, a proof and a resend, to be counted.
  CHECK(w.Post("{}").status == 400);
  CHECK(w.Get("/v1/proof/inclusion?seq=0&size=2").status == 200);

  const Reply m = w.Get("/metrics");
  REQUIRE(m.status == 200);
  CHECK(m.content_type.rfind("text/plain; version=0.0.4", 0) == 0);
  std::map<std::string, std::string> samples;
  std::set<std::string> typed;
  std::istringstream lines(m.body);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("# TYPE ", 0) == 0) typed.insert(line.substr(7, line.find(' ', 7) - 7));
    if (line.empty() || line[0] == '#') continue;
    const size_t space = line.rfind(' ');
    samples[line.substr(0, space)] = line.substr(space + 1);
  }
  for (const char* name :
       {"vigil_log_size", "vigil_appends_total", "vigil_duplicates_total", "vigil_batches_total",
        "vigil_batch_items_total", "vigil_commit_seconds_total", "vigil_commit_seconds_max",
        "vigil_queue_depth", "vigil_store_writable", "vigil_proof_requests_total",
        "vigil_proof_seconds_total"}) {
    INFO(name);
    CHECK(typed.count(name) == 1);
    CHECK(samples.count(name) == 1);
  }
  CHECK(typed.count("vigil_http_responses_total") == 1);
  CHECK(typed.count("vigil_rejections_total") == 1);
  CHECK(samples["vigil_log_size"] == std::to_string(size));
  CHECK(samples["vigil_appends_total"] == std::to_string(size - 1));  // all but the genesis
  CHECK(samples["vigil_store_writable"] == "1");
  CHECK(samples["vigil_queue_depth"] == "0");
  CHECK(samples["vigil_proof_requests_total"] == "1");
  CHECK(samples["vigil_rejections_total{code=\"invalid_argument\"}"] == "1");
  CHECK(samples.count("vigil_http_responses_total{status=\"201\"}") == 1);
  CHECK(samples["vigil_http_responses_total{status=\"400\"}"] == "1");
}

// ---- shutdown under load ---------------------------------------------------------------------

TEST_CASE("Stop() during concurrent appends: every 201 is in the reopened log at its seq",
          "[api][shutdown]") {
  std::optional<TempDir> dir;
  std::vector<std::pair<std::string, json>> acknowledged;  // payload id, receipt
  std::vector<std::string> unexpected;                     // answers other than 201 and 503
  std::mutex mu;
  uint64_t size_at_stop = 0;
  {
    TestServer s;
    constexpr int kThreads = 8;
    std::atomic<int> created{0};
    std::atomic<bool> stop{false};
    std::vector<std::thread> threads;
    const std::string at = FormatTimestamp(testing::NowMs());  // not before the registrations
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        httplib::Client client("127.0.0.1", s.port());
        client.set_keep_alive(true);
        client.set_connection_timeout(2, 0);
        client.set_read_timeout(10, 0);
        for (int i = 0; !stop.load(); ++i) {
          const std::string id = "load-" + std::to_string(t) + "-" + std::to_string(i);
          const SecretKey key = SecretKey::Generate();
          json p = Register("p-" + id, "business", key.public_key());
          p["id"] = id;
          p["at"] = at;
          httplib::Result res =
              client.Post("/v1/entries", SubmissionBody(testing::MakeSubmission(s.authority(), p)),
                          "application/json");
          if (res && res->status == 201) {
            std::lock_guard<std::mutex> lock(mu);
            acknowledged.emplace_back(id, json::parse(res->body));
            created++;
          } else if (!res && stop.load()) {
            break;  // the listener is gone
          } else if (res && res->status != 503) {
            std::lock_guard<std::mutex> lock(mu);  // Catch2 assertions stay on the test thread
            unexpected.push_back(std::to_string(res->status) + " " + res->body);
          }
        }
      });
    }
    while (created.load() < 60) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    s.Stop();  // mid-way: submitters are still sending
    stop = true;
    for (std::thread& th : threads) th.join();
    size_at_stop = s.log().Size();
    s.Close();
    dir.emplace(s.ReleaseDir());
  }
  CHECK(unexpected.empty());
  for (const std::string& u : unexpected) INFO(u);
  REQUIRE(acknowledged.size() >= 60);
  std::unique_ptr<Ledger> log_ledger = testing::OpenTestLog(dir->path());
  Log* log = &log_ledger->log();
  CHECK(log->Size() == size_at_stop);
  std::set<uint64_t> seqs;
  for (const auto& [id, receipt] : acknowledged) {
    const uint64_t seq = receipt["seq"].get<uint64_t>();
    INFO(id << " acknowledged at " << seq);
    CHECK(seqs.insert(seq).second);
    Result<std::string> entry = log->EntryAt(seq);
    REQUIRE(entry.ok());
    CHECK(testing::PayloadIdOf(*entry) == id);
    CHECK(Base64(merkle::HashLeaf(*entry)) == receipt["leaf_hash"]);
    Result<Receipt> r = ReceiptFromJson(receipt);
    REQUIRE(r.ok());
    r->entry = *entry;
    CHECK(VerifyReceipt(*r, log->info().verifier()).ok());
  }
}

// Issue 14: search and province / commune filters fold case, Unicode form and diacritics
// (identity::FoldForSearch), so the police's view of "ha noi" holds a business registered as
// "Hà Nội", however the filter is typed.
TEST_CASE("Search and jurisdiction filters ignore case, Unicode form and diacritics",
          "[api][search]") {
  World w;
  SecretKey hn = SecretKey::Generate();
  w.AppendSeq(w.authority(),
              Register("biz-hn", "business", hn.public_key(),
                       {{"legal_name", "C\u00f4ng ty \u0110\u00f4ng \u00c1"},
                        {"jurisdiction",
                         {{"province", "H\u00e0 N\u1ed9i"}, {"commune", "Ho\u00e0n Ki\u1ebfm"}}},
                        {"licences", {Licence("precursor_trading", "123/GP-BCT")}}}));
  const json party = {{"name", "Supplier JSC"}, {"country", "VN"}};
  w.AppendSeq(hn, Payload("chem.purchase", "hn-buy-1", "biz-hn", Move("10", {{"party", party}})));
  w.AppendSeq(hn, Payload("chem.loss", "hn-loss-1", "biz-hn", Move("1", {{"kind", "lost"}})));

  auto alerts_of_hn = [&](const std::string& query) {
    Reply r = w.Get("/v1/alerts?" + query, w.police);
    INFO(query << " " << r);
    REQUIRE(r.status == 200);
    const json items = r.Json()["items"];
    size_t n = 0;
    for (const auto& a : items) n += a.value("participant", "") == "biz-hn" ? 1u : 0u;
    return n;
  };
  // "ha noi", "HÀ NỘI", NFC "Hà Nội" and NFD "Hà Nội" (a + U+0300, o + U+0323 + U+0302).
  CHECK(alerts_of_hn("province=ha%20noi") == 1);
  CHECK(alerts_of_hn("province=H%C3%80%20N%E1%BB%98I") == 1);
  CHECK(alerts_of_hn("province=H%C3%A0%20N%E1%BB%99i") == 1);
  CHECK(alerts_of_hn("province=Ha%CC%80%20No%CC%A3%CC%82i") == 1);
  CHECK(alerts_of_hn("province=ha%20noi&commune=hoan%20kiem") == 1);
  // The honest twin: another province or commune is still another.
  CHECK(alerts_of_hn("province=ha%20nam") == 0);
  CHECK(alerts_of_hn("province=ha%20noi&commune=ba%20dinh") == 0);

  auto participants = [&](const std::string& query) {
    Reply r = w.Get("/v1/participants?" + query, w.police);
    INFO(query << " " << r);
    REQUIRE(r.status == 200);
    std::vector<std::string> ids;
    const json items = r.Json()["items"];
    for (const auto& p : items) ids.push_back(p.value("participant", ""));
    return ids;
  };
  const std::vector<std::string> just_hn = {"biz-hn"};
  CHECK(participants("q=dong%20a") == just_hn);                 // "Đông Á" without marks
  CHECK(participants("q=C%C3%94NG%20TY%20%C4%90") == just_hn);  // "CÔNG TY Đ"
  CHECK(participants("q=123%2Fgp-bct") == just_hn);             // a licence number, any case
  CHECK(participants("province=HA%20NOI") == just_hn);
  CHECK(participants("q=dong%20b").empty());
}

}  // namespace
}  // namespace vigil
