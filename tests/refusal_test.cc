// Issue 15, without a key or with the wrong one: a refusal tells the caller nothing it could not
// read, replay protection that cannot be flushed, append quotas, and signatures bound to the log.
// Each dishonest case has its honest twin.
#include <httplib.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "api/auth.h"
#include "api/quota.h"
#include "api/request_signature.h"
#include "keys/encoding.h"
#include "ledger/state/state.h"
#include "tests/api_fixture.h"
#include "tests/test_util.h"

namespace vigil {
namespace {

using apitest::Licence;
using apitest::Move;
using apitest::Payload;
using apitest::Register;
using apitest::Reply;
using apitest::SubmissionBody;
using apitest::World;
using nlohmann::json;

// The body of a record signed by `key` for the log `origin`.
std::string Body(const SecretKey& key, const json& payload,
                 const std::string& origin = testing::kTestOrigin) {
  return SubmissionBody(testing::MakeSubmission(key, payload, origin));
}

// A world with a competitor whose records a business must learn nothing of: "biz-d" with a
// suspended licence and a name and number that appear nowhere else.
struct Competitor {
  explicit Competitor(World& w) {
    json licence = Licence("precursor_trading", "KD-D-7731");
    licence["suspended"] = true;
    w.AppendSeq(w.authority(), Register("biz-d", "business", d.public_key(),
                                        {{"legal_name", "Bí Mật Trading D"},
                                         {"tax_code", "0101234567"},
                                         {"licences", {licence}}}));
    b_inspection = w.AppendSeq(w.inspector, Payload("inspection.stock", "insp-b-2", "insp-1",
                                                    apitest::StockInspection("biz-b")));
    b_purchase_at = json::parse(w.Get("/v1/entries/" + std::to_string(w.b_purchase), w.police)
                                    .Json()["entry"]
                                    .get<std::string>())["payload"]
                        .get<std::string>();
    b_purchase_at = json::parse(b_purchase_at)["at"].get<std::string>();
  }
  // What biz-a may not learn: another's names, licences, reports, dates and states.
  std::vector<std::string> Secrets() const {
    return {"KD-D-7731",   "Bí Mật",  "suspended", "KD-B",   "Test biz-b",      "CA-B-1",
            b_purchase_at, "pending", "biz-b",     "stolen", "inspection.stock"};
  }
  SecretKey d = SecretKey::Generate();
  uint64_t b_inspection = 0;
  std::string b_purchase_at;
};

void CheckNoSecret(const Reply& r, const std::vector<std::string>& secrets) {
  for (const std::string& s : secrets) {
    INFO("secret " << s);
    CHECK(r.body.find(s) == std::string::npos);
  }
}

TEST_CASE("A refusal names only what its signer may read: every record type a business files",
          "[api][refusal]") {
  World w;
  Competitor comp(w);
  // Every field that can point at another participant points at the competitor or at B.
  const json party = {{"name", "Đối thủ"}, {"country", "VN"}, {"enterprise_code", "0101234567"}};
  const json hostile = {{"counterparty", "biz-d"},    {"transfer_id", "T-B1"},
                        {"target_seq", w.b_purchase}, {"inspection_seq", comp.b_inspection},
                        {"witness", "biz-d"},         {"party", party},
                        {"decision", "countersign"},  {"reason", "r"},
                        {"action", "void"},           {"kind", "lost"},
                        {"counts", json::array()}};
  int checked = 0;
  for (const RecordType& type : RecordTypes()) {
    if ((type.roles & static_cast<uint8_t>(Role::kBusiness)) == 0) continue;
    json payload =
        Payload(std::string(type.type), "probe-" + std::string(type.type), "biz-a", Move("1"));
    for (std::string_view f : type.fields) {
      if (hostile.contains(std::string(f))) payload[std::string(f)] = hostile[std::string(f)];
    }
    const Reply r = w.Post(Body(w.a, payload));
    INFO(type.type << " -> " << r);
    CheckNoSecret(r, comp.Secrets());  // accepted or refused, not a word about the others
    ++checked;
  }
  CHECK(checked >= 9);
}

TEST_CASE("A refusal about a counterparty is one generic code for a business, in full for others",
          "[api][refusal]") {
  World w;
  Competitor comp(w);
  // Dishonest: a dispatch to the competitor whose licence is suspended.
  const json dispatch = Payload("chem.dispatch", "a-to-d", "biz-a",
                                Move("1", {{"counterparty", "biz-d"}, {"transfer_id", "T-AD"}}));
  const Reply r = w.Post(Body(w.a, dispatch));
  INFO(r);
  REQUIRE(r.status == 422);
  const json j = r.Json();
  REQUIRE(j["violations"].size() == 1);
  CHECK(j["violations"][0]["code"] == "counterparty_invalid");
  CHECK(r.body.find("KD-D-7731") == std::string::npos);
  // Honest twin: its own licence problem is told in full (its own number).
  const SecretKey e = SecretKey::Generate();
  json own = Licence("precursor_trading", "KD-E-5150");
  own["suspended"] = true;
  w.AppendSeq(w.authority(), Register("biz-e", "business", e.public_key(), {{"licences", {own}}}));
  const Reply mine =
      w.Post(Body(e, Payload("chem.dispatch", "e-to-c", "biz-e",
                             Move("1", {{"counterparty", "biz-c"}, {"transfer_id", "T-EC"}}))));
  INFO(mine);
  CHECK(mine.status == 422);
  CHECK(mine.body.find("KD-E-5150") != std::string::npos);
  CHECK(mine.body.find("counterparty_invalid") == std::string::npos);
  // The correction of another's entry and the answer to another's inspection say nothing of it.
  const Reply fix = w.Post(
      Body(w.a, Payload("correction", "a-fix-b", "biz-a",
                        {{"target_seq", w.b_purchase}, {"action", "void"}, {"reason", "x"}})));
  CHECK(fix.status == 422);
  CHECK(fix.body.find("not_own_entry") != std::string::npos);
  CheckNoSecret(fix, comp.Secrets());
  const Reply ack = w.Post(
      Body(w.a, Payload("inspection.ack", "a-ack-b", "biz-a",
                        {{"inspection_seq", comp.b_inspection}, {"decision", "countersign"}})));
  CHECK(ack.status == 422);
  CHECK(ack.body.find("not_inspected") != std::string::npos);
  CheckNoSecret(ack, comp.Secrets());
  // The same answer whether the entry is another's inspection or no inspection at all.
  const Reply ack2 =
      w.Post(Body(w.a, Payload("inspection.ack", "a-ack-x", "biz-a",
                               {{"inspection_seq", w.b_purchase}, {"decision", "countersign"}})));
  CHECK(ack2.Json()["violations"][0]["code"] == ack.Json()["violations"][0]["code"]);
}

TEST_CASE("Submissions not signed by the actor learn nothing of the actor's ids",
          "[api][refusal]") {
  World w;
  Submission original;
  w.Append(w.b, Payload("chem.loss", "b-secret-id", "biz-b", Move("1", {{"kind", "lost"}})),
           &original);
  const json copy = json::parse(original.payload);
  json other = copy;
  other["quantity"] = "2";
  json fresh = copy;
  fresh["id"] = "b-never-used";
  const SecretKey stranger = SecretKey::Generate();  // registered nowhere
  for (const SecretKey* key : {static_cast<const SecretKey*>(&w.a), &stranger}) {
    std::vector<Reply> replies;
    for (const json& p : {copy, other, fresh}) {
      Submission s = testing::MakeSubmission(*key, p);
      s.payload = p.dump();
      replies.push_back(w.Post(SubmissionBody(s)));
    }
    // A byte-exact guess, another record under a used id and an unused id: the same answer.
    for (const Reply& r : replies) {
      INFO(r);
      CHECK(r.status == replies[0].status);
      CHECK(r.Json()["type"] == replies[0].Json()["type"]);
      CHECK(r.body.find("entry ") == std::string::npos);
    }
    CHECK(replies[0].status == 403);
  }
  // Honest twin: the actor's own resend gets the original receipt; new content is 409.
  CHECK(w.Post(SubmissionBody(original)).status == 200);
  CHECK(w.Post(Body(w.b, other)).status == 409);
}

TEST_CASE("An unknown key and a wrong signature get the same 401", "[api][refusal]") {
  World w;
  const SecretKey stranger = SecretKey::Generate();
  const Reply unknown = w.Get("/v1/me", stranger);
  // A registered key id with a signature by another key.
  httplib::Headers h;
  for (auto& [k, v] : api::SignRequest({"GET", "/v1/me", ""}, stranger, testing::kTestOrigin,
                                       apitest::NowS(), "nonce-of-sixteen-chars")) {
    h.emplace(k, v);
  }
  const std::string input = h.find("Signature-Input")->second;
  std::string forged = input;
  forged.replace(forged.find(stranger.Id()), stranger.Id().size(), w.a.Id());
  h.erase("Signature-Input");
  h.emplace("Signature-Input", forged);
  const Reply wrong = w.Send("GET", "/v1/me", "", h);
  CHECK(unknown.status == 401);
  CHECK(wrong.status == 401);
  CHECK(unknown.Json()["detail"] == wrong.Json()["detail"]);
  CHECK(w.Get("/v1/me", w.a).status == 200);  // the honest twin
}

TEST_CASE("Signatures are bound to the log: a record or request signed for another log fails",
          "[api][refusal]") {
  World w;
  const json loss = Payload("chem.loss", "a-other-log", "biz-a", Move("1", {{"kind", "lost"}}));
  const Reply record = w.Post(Body(w.a, loss, "vigil.other-province.example/log"));
  INFO(record);
  CHECK(record.status == 403);
  CHECK(record.body.find("bad_signature") != std::string::npos);
  httplib::Headers h;
  for (auto& [k, v] :
       api::SignRequest({"GET", "/v1/me", ""}, w.a, "vigil.other-province.example/log",
                        apitest::NowS(), "nonce-for-another-log")) {
    h.emplace(k, v);
  }
  CHECK(w.Send("GET", "/v1/me", "", h).status == 401);
  // Honest twins: signed for this log.
  CHECK(w.Post(Body(w.a, loss)).status == 201);
  CHECK(w.Get("/v1/me", w.a).status == 200);
}

TEST_CASE("A payload with a byte-order mark or whitespace around it is refused", "[api][refusal]") {
  World w;
  const std::string clean =
      Payload("chem.loss", "a-bom", "biz-a", Move("1", {{"kind", "lost"}})).dump();
  for (const std::string& bytes : {"\xEF\xBB\xBF" + clean, " " + clean, clean + "\n"}) {
    Submission s;
    s.signer = w.a.Id();
    s.payload = bytes;
    s.sig = w.a.Sign(SignContext::kEntry, testing::kTestOrigin, bytes);
    const Reply r = w.Post(SubmissionBody(s));
    INFO(r);
    CHECK(r.status == 400);
  }
  CHECK(w.Post(Body(w.a, json::parse(clean))).status == 201);
}

TEST_CASE("Replay protection refuses instead of forgetting an unexpired nonce", "[api][refusal]") {
  testing::TempDir dir("vigil_nonce");
  testing::TestLog t = testing::MakeTestLog(dir.path());
  api::Authenticator auth(*t.log, /*max_nonces_per_key=*/3, /*max_nonces=*/5);
  const int64_t now = apitest::NowS();
  auto request = [&](const SecretKey& key, const std::string& nonce, int64_t created) {
    httplib::Request req;
    req.method = "GET";
    req.target = "/v1/me";
    for (auto& [k, v] :
         api::SignRequest({"GET", "/v1/me", ""}, key, testing::kTestOrigin, created, nonce)) {
      req.headers.emplace(k, v);
    }
    return req;
  };
  const SecretKey& a = t.authority;
  for (int i = 0; i < 3; ++i) {
    CHECK(auth.Authenticate(request(a, "nonce-number-000" + std::to_string(i), now), now).ok());
  }
  // The key's budget is full: a fourth request waits, and every earlier one stays refused.
  Result<api::Caller> fourth = auth.Authenticate(request(a, "nonce-number-0003", now), now);
  CHECK(fourth.status().code() == Code::kTooManyRequests);
  REQUIRE(!fourth.status().details().empty());
  CHECK(fourth.status().details()[0].code == "retry_after");
  for (int i = 0; i < 3; ++i) {
    Result<api::Caller> again =
        auth.Authenticate(request(a, "nonce-number-000" + std::to_string(i), now), now);
    CHECK(again.status().code() == Code::kUnauthenticated);
  }
  // Once they expire (created + 300 s), the budget frees up.
  CHECK(auth.Authenticate(request(a, "nonce-number-0004", now + 301), now + 301).ok());

  // The server's total (5): another key fills it, and is refused, not served by forgetting.
  const SecretKey other = SecretKey::Generate();
  const SecretKey third = SecretKey::Generate();
  std::vector<Result<Appended>> reg = t.log->AppendBatch(
      {testing::MakeSubmission(a, testing::RegisterPayload(t.authority_id, "reg-pol-n", "pol-n",
                                                           other.public_key(), "police")),
       testing::MakeSubmission(a, testing::RegisterPayload(t.authority_id, "reg-pol-m", "pol-m",
                                                           third.public_key(), "police"))},
      testing::NowMs());
  REQUIRE(reg[0].ok());
  REQUIRE(reg[1].ok());
  const int64_t later = now + 301;
  for (int i = 0; i < 3; ++i) {
    CHECK(auth.Authenticate(request(other, "other-nonce-000" + std::to_string(i), later), later)
              .ok());
  }
  CHECK(auth.Authenticate(request(a, "nonce-number-0005", later), later).ok());  // 5 in all
  CHECK(auth.Authenticate(request(a, "nonce-number-0006", later), later).status().code() ==
        Code::kTooManyRequests);
  // When every one of them has expired, a sweep frees the total for any key, also one whose
  // own budget never held a nonce.
  const int64_t much_later = later + 301;
  CHECK(auth.Authenticate(request(third, "third-nonce-0001", much_later), much_later).ok());
}

TEST_CASE("Append quotas: 429 with Retry-After when used up, charged only for appended records",
          "[api][refusal]") {
  api::ServerOptions options;
  options.quota.records_per_hour = 3;
  World w(options);  // the world's own records were appended before: B has used 3 already
  const json loss = Payload("chem.loss", "b-over", "biz-b", Move("1", {{"kind", "lost"}}));
  const Reply over = w.Post(Body(w.b, loss));
  INFO(over);
  CHECK(over.status == 429);
  bool retry = false;
  for (const auto& [k, v] : over.headers) retry = retry || (k == "Retry-After" && std::stoi(v) > 0);
  CHECK(retry);
  // C has appended nothing: refused records do not use its quota.
  const json bad = Payload("chem.loss", "c-bad", "biz-c", Move("-1", {{"kind", "lost"}}));
  for (int i = 0; i < 5; ++i) {
    const int status = w.Post(Body(w.c, bad)).status;
    CHECK((status != 201 && status != 429));
  }
  CHECK(w.Post(Body(w.c, Payload("chem.receipt", "c-get-a1", "biz-c",
                                 Move("10", {{"counterparty", "biz-a"}, {"transfer_id", "T-A1"}}))))
            .status == 201);
  for (int i = 0; i < 2; ++i) {
    CHECK(w.Post(Body(w.c, Payload("chem.loss", "c-lost-" + std::to_string(i), "biz-c",
                                   Move("1", {{"kind", "lost"}}))))
              .status == 201);
  }
  CHECK(w.Post(Body(w.c, Payload("chem.loss", "c-lost-9", "biz-c", Move("1", {{"kind", "lost"}}))))
            .status == 429);
  // The authority is not limited.
  for (int i = 0; i < 5; ++i) {
    const SecretKey k = SecretKey::Generate();
    CHECK(
        w.Post(Body(w.authority(), Register("pol-q" + std::to_string(i), "police", k.public_key())))
            .status == 201);
  }
}

TEST_CASE("A police officer reads their own personal-data reads; the authority reads all",
          "[api][refusal]") {
  World w;
  const SecretKey other = SecretKey::Generate();
  w.AppendSeq(w.authority(), Register("pol-2", "police", other.public_key()));
  REQUIRE(w.Get("/v1/personal/" + std::to_string(w.personal_seq), w.police).status == 200);
  REQUIRE(w.Get("/v1/personal/" + std::to_string(w.personal_seq), other).status == 200);
  const json mine = w.Get("/v1/personal-access-log", other).Json()["items"];
  REQUIRE(mine.size() == 1);
  CHECK(mine[0]["participant"] == "pol-2");
  CHECK(w.Get("/v1/personal-access-log", w.authority()).Json()["items"].size() == 2);
}

}  // namespace
}  // namespace vigil
