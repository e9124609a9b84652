// The submission API of issue 16 item 6 and issue 18 item 2, against the real server
// (tests/api_fixture.h): dry runs (POST /v1/entries?dry_run=true, ledger/dry_run.h) and the batch
// route (POST /v1/entries:batch, with and without ?dry_run=true). Each rule of the contract has
// a dishonest case and its honest twin; every dry run is checked to change nothing (log size,
// derived state, personal side data and its slot file, quota).
#include <fstream>
#include <sstream>

#include "ledger/log/receipt.h"
#include "tests/api_fixture.h"

namespace vigil::apitest {
namespace {

const json kParty = {{"name", "Supplier JSC"}, {"country", "VN"}};

// Everything a dry run must leave as it was: the entries, the derived state, the sealed
// personal records (the store's tables, hashed), and the personal-data slot file.
std::string Fingerprint(TestServer& s) {
  Result<db::Txn> txn = s.log().BeginRead();
  REQUIRE(txn.ok());
  std::string all;
  for (db::Table t : {db::Table::kEntries, db::Table::kState, db::Table::kPersonal}) {
    Status st = txn->Scan(t, "", [&](std::string_view k, std::string_view v) {
      all += std::to_string(k.size()) + ":" + std::string(k) + std::to_string(v.size()) + ":" +
             std::string(v);
      return true;
    });
    REQUIRE(st.ok());
    all += "|";
  }
  std::ifstream slots(s.dir() + "/keys/personal.slots", std::ios::binary);
  std::ostringstream bytes;
  bytes << slots.rdbuf();
  return Base64(Sha256(all)) + " slots " + Base64(Sha256(bytes.str())) + " size " +
         std::to_string(s.log().Size());
}

Reply DryRunOf(const TestServer& s, const Submission& sub) {
  return s.Post(SubmissionBody(sub), "/v1/entries?dry_run=true");
}

// REQUIREs a 200 dry-run verdict and returns it.
json Verdict(const Reply& r) {
  INFO(r);
  REQUIRE(r.status == 200);
  REQUIRE(r.content_type == "application/json");
  json v = r.Json();
  CHECK(v["dry_run"] == true);
  REQUIRE(v["accepted"].is_boolean());
  REQUIRE(v["violations"].is_array());
  REQUIRE(v["alerts"].is_array());
  return v;
}

std::vector<std::string> Codes(const json& verdict) {
  std::vector<std::string> out;
  for (const json& v : verdict["violations"]) out.push_back(v["code"].get<std::string>());
  return out;
}

std::vector<std::string> Kinds(const json& alerts) {
  std::vector<std::string> out;
  for (const json& a : alerts) out.push_back(a["kind"].get<std::string>());
  return out;
}

bool Has(const std::vector<std::string>& list, const std::string& x) {
  return std::find(list.begin(), list.end(), x) != list.end();
}

json Purchase(const std::string& id, const std::string& quantity) {
  return Payload("chem.purchase", id, "biz-a", Move(quantity, {{"party", kParty}}));
}

json Sale(const std::string& id, const std::string& quantity) {
  const json buyer = {{"name", "Paint JSC"}, {"country", "VN"}, {"enterprise_code", "0101234567"}};
  return Payload("chem.sale", id, "biz-a",
                 Move(quantity, {{"party", buyer}, {"purpose", "resale to a paint maker"}}));
}

std::string Batch(const std::vector<Submission>& subs, const std::string& padding = "") {
  std::string body = "{\"entries\": [";
  for (size_t i = 0; i < subs.size(); ++i) body += (i ? "," : "") + SubmissionBody(subs[i]);
  return body + "]" + padding + "}";
}

}  // namespace

TEST_CASE("A dry run judges a record as an append would and appends nothing", "[api][dryrun]") {
  World w;
  const std::string before = Fingerprint(w);
  // Honest: a good purchase is accepted, and nothing changes ...
  Submission good = testing::MakeSubmission(w.a, Purchase("a-buy-dry", "5"));
  json v = Verdict(DryRunOf(w, good));
  CHECK(v["accepted"] == true);
  CHECK(v["violations"].empty());
  CHECK_FALSE(v.contains("duplicate"));
  CHECK(Fingerprint(w) == before);
  // ... and the real append of the same record then succeeds.
  CHECK(w.Post(SubmissionBody(good)).status == 201);
  CHECK(w.Size() == w.log().Size());

  // Dishonest: a sale of more than the stock holds is refused with the rule's code, the same
  // violations an append refusal lists, and again nothing changes.
  const std::string after_buy = Fingerprint(w);
  Submission oversell = testing::MakeSubmission(w.a, Sale("a-sell-too-much", "5000"));
  json refused = Verdict(DryRunOf(w, oversell));
  CHECK(refused["accepted"] == false);
  CHECK(Has(Codes(refused), "stock_negative"));
  CHECK(refused["alerts"].empty());
  CHECK(Fingerprint(w) == after_buy);
  Reply append = w.Post(SubmissionBody(oversell));
  CheckProblem(append, 422, "rule_violation", true);
  CHECK(append.Json()["violations"] == refused["violations"]);

  // ?dry_run accepts true or false only.
  CheckProblem(w.Post(SubmissionBody(good), "/v1/entries?dry_run=yes"), 400, "invalid_argument");
  CHECK(w.Post(SubmissionBody(good), "/v1/entries?dry_run=false").status == 200);  // a resend
}

TEST_CASE("A dry run refuses what is not a verdict exactly as an append does", "[api][dryrun]") {
  World w;
  const std::string before = Fingerprint(w);
  // A malformed body, a bad signature, an unknown key: the append's problem, byte for byte.
  Submission forged = testing::MakeSubmission(w.a, Purchase("a-buy-forged", "1"));
  forged.sig[0] = static_cast<char>(forged.sig[0] ^ 1);
  const SecretKey stranger = SecretKey::Generate();
  Submission unknown = testing::MakeSubmission(stranger, Purchase("a-buy-stranger", "1"));
  for (const std::string& body : {std::string("{\"signer\": 1}"), std::string("not json"),
                                  SubmissionBody(forged), SubmissionBody(unknown)}) {
    Reply dry = w.Post(body, "/v1/entries?dry_run=true");
    Reply real = w.Post(body);
    INFO(body.substr(0, 80));
    CHECK(dry.status == real.status);
    CHECK(dry.status >= 400);
    CHECK(dry.content_type == "application/problem+json");
    CHECK(dry.body == real.body);
  }
  CHECK(Fingerprint(w) == before);

  // The signer's standing, once its signature is good, is a verdict (what a clerk's form shows):
  // a business may not register participants.
  Submission wrong_role =
      testing::MakeSubmission(w.a, Payload("participant.register", "a-reg", "biz-a",
                                           {{"participant", "biz-z"},
                                            {"role", "business"},
                                            {"legal_name", "Z"},
                                            {"keys", {stranger.public_key().ToBase64()}}}));
  json v = Verdict(DryRunOf(w, wrong_role));
  CHECK(v["accepted"] == false);
  CHECK(Codes(v) == std::vector<std::string>{"role_not_allowed"});
  // Honest twin: the authority's registration of the same participant is accepted.
  json ok =
      Verdict(DryRunOf(w, testing::MakeSubmission(w.authority(), Register("biz-z", "business",
                                                                          stranger.public_key()))));
  CHECK(ok["accepted"] == true);
  CHECK(Fingerprint(w) == before);
}

TEST_CASE("A business's dry run never shows it anti-smurfing alerts", "[api][dryrun][access]") {
  World w;
  w.AppendSeq(w.authority(), Payload("threshold.set", "thr-1", "authority",
                                     {{"substance", kAcetone},
                                      {"single_max", {{"quantity", "50"}, {"unit", "L"}}}}));
  const std::string before = Fingerprint(w);
  // Dishonest: a purchase over the single-transaction threshold. The business's dry run says
  // accepted, with no threshold alert (it would tell the business where the limit lies).
  Submission big = testing::MakeSubmission(w.a, Purchase("a-buy-big", "60"));
  json v = Verdict(DryRunOf(w, big));
  CHECK(v["accepted"] == true);
  CHECK_FALSE(Has(Kinds(v["alerts"]), "threshold_single"));
  CHECK(v.dump().find("threshold") == std::string::npos);
  CHECK(Fingerprint(w) == before);
  // The real append raises it, and the police see it on that entry.
  Reply appended = w.Post(SubmissionBody(big));
  REQUIRE(appended.status == 201);
  const uint64_t seq = appended.Json()["seq"].get<uint64_t>();
  Reply alerts = w.Get("/v1/alerts?kind=threshold_single", w.police);
  REQUIRE(alerts.status == 200);
  REQUIRE(alerts.Json()["items"].size() == 1);
  CHECK(alerts.Json()["items"][0]["seq"] == seq);
  // Honest twin: an alert the business may read is shown by its dry run (a loss it reports).
  json loss =
      Verdict(DryRunOf(w, testing::MakeSubmission(w.a, Payload("chem.loss", "a-loss-dry", "biz-a",
                                                               Move("1", {{"kind", "lost"}})))));
  CHECK(loss["accepted"] == true);
  REQUIRE(Has(Kinds(loss["alerts"]), "loss_reported"));
  CHECK(loss["alerts"][0]["seq"] == w.Size());  // the entry it would be
  CHECK(loss["alerts"][0]["participant"] == "biz-a");
}

TEST_CASE("A dry run of a resend says duplicate; a reused id is a conflict", "[api][dryrun]") {
  World w;
  Submission sent;
  const uint64_t seq = w.Append(w.a, Purchase("a-buy-once", "3"), &sent)["seq"].get<uint64_t>();
  const std::string before = Fingerprint(w);
  json dup = Verdict(DryRunOf(w, sent));
  CHECK(dup["accepted"] == true);
  CHECK(dup["duplicate"] == true);
  CHECK(dup["seq"] == seq);
  // The same id with other content: a conflict verdict, as the append's 409.
  Submission other = testing::MakeSubmission(w.a, Purchase("a-buy-once", "4"));
  json conflict = Verdict(DryRunOf(w, other));
  CHECK(conflict["accepted"] == false);
  CHECK(Codes(conflict) == std::vector<std::string>{"conflict"});
  CheckProblem(w.Post(SubmissionBody(other)), 409, "conflict");
  // Another key cannot learn whether the id was used: its record is refused for its signature.
  Submission by_b = testing::MakeSubmission(w.b, Purchase("a-buy-once", "3"));
  Reply b = DryRunOf(w, by_b);
  CHECK(b.status == 200);
  CHECK(Codes(Verdict(b)) == std::vector<std::string>{"actor_mismatch"});
  CHECK(Fingerprint(w) == before);
}

TEST_CASE("A dry run checks personal side data and seals nothing", "[api][dryrun][personal]") {
  World w;
  const std::string before = Fingerprint(w);
  const std::string personal = json{{"full_name", "Trần Thị Bình"}}.dump();
  const std::string salt(16, 'k');
  auto note = [&](const std::string& id, const std::string& data) {
    Submission sub = testing::MakeSubmission(
        w.police, Payload("police.note", id, "pol-1",
                          {{"subject", "biz-a"},
                           {"text", "driver questioned"},
                           {"personal_commitment", PersonalCommitment(personal, salt)}}));
    RecordAttachment& side = AttachmentOf(sub);
    side.personal = data;
    side.personal_salt = Base64Encode(salt);
    return sub;
  };
  // Dishonest: side data that does not open the commitment: the append's 400, nothing sealed.
  Submission mismatch = note("note-dry-1", json{{"full_name", "Someone Else"}}.dump());
  Reply dry = DryRunOf(w, mismatch);
  CheckProblem(dry, 400, "invalid_argument");
  CHECK(dry.body == w.Post(SubmissionBody(mismatch)).body);
  CHECK(Fingerprint(w) == before);
  // Honest twin: matching side data is accepted, and still nothing is sealed or written.
  Submission good = note("note-dry-2", personal);
  CHECK(Verdict(DryRunOf(w, good))["accepted"] == true);
  CHECK(Fingerprint(w) == before);
  // The real append seals it.
  CHECK(w.Post(SubmissionBody(good)).status == 201);
  CHECK(Fingerprint(w) != before);
}

TEST_CASE("A dry run checks the append quota and charges nothing", "[api][dryrun][quota]") {
  api::ServerOptions options;
  options.quota.records_per_hour = 2;
  TestServer w(options);
  const SecretKey d = SecretKey::Generate();
  w.AppendSeq(w.authority(), Register("biz-d", "business", d.public_key(),
                                      {{"licences", {Licence("precursor_trading", "KD-D")}}}));
  auto buy = [&](const std::string& id) {
    return testing::MakeSubmission(
        d, Payload("chem.purchase", id, "biz-d", Move("1", {{"party", kParty}})));
  };
  for (int i = 0; i < 5; ++i) {
    CHECK(Verdict(DryRunOf(w, buy("d-dry-" + std::to_string(i))))["accepted"] == true);
  }
  // The dry runs charged nothing: both appends of the quota still go in ...
  CHECK(w.Post(SubmissionBody(buy("d-buy-1"))).status == 201);
  CHECK(w.Post(SubmissionBody(buy("d-buy-2"))).status == 201);
  // ... then the quota is used, for appends and dry runs alike.
  CheckProblem(w.Post(SubmissionBody(buy("d-buy-3"))), 429, "too_many_requests");
  CheckProblem(DryRunOf(w, buy("d-buy-3")), 429, "too_many_requests");
}

TEST_CASE("A batch appends each item on its own, in order, with the single route's answers",
          "[api][batch]") {
  World w;
  const uint64_t size = w.Size();
  std::vector<Submission> subs = {
      testing::MakeSubmission(w.a, Purchase("a-batch-1", "2")),
      testing::MakeSubmission(w.a, Sale("a-batch-2", "9000")),  // more than the stock
      testing::MakeSubmission(w.a, Purchase("a-batch-3", "3")),
  };
  Reply r = w.Post(Batch(subs), "/v1/entries:batch");
  INFO(r);
  REQUIRE(r.status == 200);
  const json results = r.Json()["results"];
  REQUIRE(results.size() == 3);
  CHECK(results[0]["status"] == 201);
  CHECK(results[2]["status"] == 201);
  CHECK(results[0]["receipt"]["seq"] == size);
  CHECK(results[2]["receipt"]["seq"] == size + 1);
  CHECK(w.Size() == size + 2);
  for (size_t i : {size_t{0}, size_t{2}}) {
    Result<Receipt> receipt = ReceiptFromJson(results[i]["receipt"]);
    REQUIRE(receipt.ok());
    CHECK(VerifyReceipt(*receipt, w.log().info().verifier()).ok());
    Result<std::string> entry = w.log().EntryAt(receipt->seq);
    REQUIRE(entry.ok());
    CHECK(DecodeEntry(*entry)->payload == subs[i].payload);
  }
  // The refused item: the problem the single route answers for it, judged in its place (after
  // item 0, before item 2: 89 + 2 L).
  CHECK(results[1]["status"] == 422);
  CHECK(results[1]["problem"]["violations"][0]["message"].get<std::string>().find("holds 91 L") !=
        std::string::npos);
  Reply single = w.Post(SubmissionBody(subs[1]));
  json expected = single.Json();  // now after item 2 as well: 94 L
  expected["violations"][0]["message"] = results[1]["problem"]["violations"][0]["message"];
  expected["detail"] = results[1]["problem"]["detail"];
  CHECK(results[1]["problem"] == expected);
  // A rerun of the same batch: the accepted items are resends (200, the original receipts).
  Reply again = w.Post(Batch(subs), "/v1/entries:batch");
  REQUIRE(again.status == 200);
  CHECK(again.Json()["results"][0]["status"] == 200);
  CHECK(again.Json()["results"][0]["receipt"] == results[0]["receipt"]);
  CHECK(again.Json()["results"][1]["status"] == 422);
  CHECK(w.Size() == size + 2);
  // A malformed item is that item's 400, as the single route's; the others still go in.
  std::string body = "{\"entries\": [{\"signer\": 1}, " +
                     SubmissionBody(testing::MakeSubmission(w.a, Purchase("a-batch-4", "1"))) +
                     "]}";
  Reply mixed = w.Post(body, "/v1/entries:batch");
  REQUIRE(mixed.status == 200);
  CHECK(mixed.Json()["results"][0]["status"] == 400);
  CHECK(mixed.Json()["results"][0]["problem"] == w.Post("{\"signer\": 1}").Json());
  CHECK(mixed.Json()["results"][1]["status"] == 201);
}

TEST_CASE("A batch spends at most the quota left; the items past it get 429",
          "[api][batch][quota]") {
  api::ServerOptions options;
  options.quota.records_per_hour = 3;
  TestServer w(options);
  const SecretKey d = SecretKey::Generate();
  w.AppendSeq(w.authority(), Register("biz-q", "business", d.public_key(),
                                      {{"licences", {Licence("precursor_trading", "KD-Q")}}}));
  std::vector<Submission> subs;
  for (int i = 0; i < 5; ++i) {
    subs.push_back(testing::MakeSubmission(d, Payload("chem.purchase", "q-" + std::to_string(i),
                                                      "biz-q", Move("1", {{"party", kParty}}))));
  }
  const uint64_t size = w.log().Size();
  // The dishonest case: five records in one request against a quota of three. The honest twin
  // (three records) is what goes in.
  Reply r = w.Post(Batch(subs), "/v1/entries:batch");
  INFO(r);
  REQUIRE(r.status == 200);
  const json results = r.Json()["results"];
  REQUIRE(results.size() == 5);
  for (size_t i = 0; i < 3; ++i) CHECK(results[i]["status"] == 201);
  for (size_t i = 3; i < 5; ++i) {
    CHECK(results[i]["status"] == 429);
    CHECK(results[i]["problem"]["type"] == "/problems/too_many_requests");
    CHECK(results[i].contains("retry_after"));
  }
  CHECK(w.log().Size() == size + 3);
  // The quota is spent: the next record, alone or in a batch, waits.
  CheckProblem(w.Post(SubmissionBody(subs[3])), 429, "too_many_requests");
  CHECK(w.Post(Batch({subs[4]}), "/v1/entries:batch").Json()["results"][0]["status"] == 429);
  CHECK(w.log().Size() == size + 3);
}

TEST_CASE("A batch envelope is checked whole; its body may be larger", "[api][batch]") {
  World w;
  const uint64_t size = w.Size();
  // Dishonest envelopes: one 400 for the whole request, nothing appended.
  std::vector<Submission> many;
  const Submission one = testing::MakeSubmission(w.a, Purchase("a-env-1", "1"));
  for (const std::string& body :
       {std::string("[]"), std::string("{}"), std::string("{\"entries\": []}"),
        std::string("{\"entries\": {}}"),
        "{\"entries\": [" + SubmissionBody(one) + "], \"x\": 1}"}) {
    INFO(body.substr(0, 80));
    CheckProblem(w.Post(body, "/v1/entries:batch"), 400, "invalid_argument");
  }
  std::string over = "{\"entries\": [";
  const std::string item = SubmissionBody(one);
  for (size_t i = 0; i <= api::kMaxBatchItems; ++i) over += (i ? "," : "") + item;
  over += "]}";
  CheckProblem(w.Post(over, "/v1/entries:batch"), 400, "invalid_argument");
  CHECK(w.Size() == size);
  // Over 8 MiB: 413 from the head alone, nothing of the body waited for.
  const std::string head =
      "POST /v1/entries:batch HTTP/1.1\r\nHost: x\r\nContent-Type: "
      "application/json\r\nContent-Length: " +
      std::to_string(8 * 1024 * 1024 + 1) + "\r\n\r\n";
  std::vector<Reply> answers = ParseResponses(RawExchange(w.port(), head));
  REQUIRE(answers.size() == 1);
  CheckProblem(answers[0], 413, "payload_too_large");
  // Exactly 8 MiB is waited for (the body then comes: a 400 for its padding-only JSON).
  const std::string at_limit =
      "POST /v1/entries:batch HTTP/1.1\r\nHost: x\r\nContent-Type: "
      "application/json\r\nContent-Length: " +
      std::to_string(8 * 1024 * 1024) + "\r\n\r\n";
  answers =
      ParseResponses(RawExchange(w.port(), at_limit, std::string(8 * 1024 * 1024, ' '), 3000));
  REQUIRE(answers.size() == 1);
  CheckProblem(answers[0], 400, "invalid_argument");
  // Honest twin: a 300 KiB batch (over the single route's 256 KiB) is accepted ...
  const std::string big = Batch({one}, std::string(300 * 1024, ' '));
  Reply r = w.Post(big, "/v1/entries:batch");
  INFO(r);
  REQUIRE(r.status == 200);
  CHECK(r.Json()["results"][0]["status"] == 201);
  // ... and the single route keeps its own limit for the same bytes.
  CheckProblem(w.Post(SubmissionBody(one) + std::string(300 * 1024, ' ')), 413,
               "payload_too_large");
  CHECK(w.Size() == size + 1);
}

TEST_CASE("A batch dry run is cumulative and appends nothing", "[api][batch][dryrun]") {
  World w;
  const std::string before = Fingerprint(w);
  // biz-a holds 89 L: a sale of 150 L passes only after the purchase before it in the batch.
  std::vector<Submission> subs = {
      testing::MakeSubmission(w.a, Sale("a-cum-0", "150")),
      testing::MakeSubmission(w.a, Purchase("a-cum-1", "100")),
      testing::MakeSubmission(w.a, Sale("a-cum-2", "150")),
  };
  // Item 1 again, byte for byte: a resend (a payload made again would carry a later "at" when
  // the clock's millisecond moved on, and be a different record with a used id).
  subs.push_back(subs[1]);
  Reply r = w.Post(Batch(subs), "/v1/entries:batch?dry_run=true");
  INFO(r);
  REQUIRE(r.status == 200);
  const json j = r.Json();
  CHECK(j["dry_run"] == true);
  const json results = j["results"];
  REQUIRE(results.size() == 4);
  CHECK(results[0]["accepted"] == false);
  CHECK(Has(Codes(results[0]), "stock_negative"));
  CHECK(results[1]["accepted"] == true);
  CHECK(results[2]["accepted"] == true);
  CHECK(results[3]["duplicate"] == true);
  CHECK(results[3]["seq"] == w.Size());  // the hypothetical entry of item 1
  CHECK(Fingerprint(w) == before);
  // Honest twin: the real batch does the same.
  Reply real = w.Post(Batch(subs), "/v1/entries:batch");
  REQUIRE(real.status == 200);
  const json got = real.Json()["results"];
  CHECK(got[0]["status"] == 422);
  CHECK(got[1]["status"] == 201);
  CHECK(got[2]["status"] == 201);
  CHECK(got[3]["status"] == 200);
  CHECK(got[3]["receipt"]["seq"] == got[1]["receipt"]["seq"]);
  // A malformed item in a dry run: its 400 problem.
  Reply bad = w.Post("{\"entries\": [{\"signer\": 1}]}", "/v1/entries:batch?dry_run=true");
  REQUIRE(bad.status == 200);
  CHECK(bad.Json()["results"][0]["status"] == 400);
  CHECK(bad.Json()["results"][0]["problem"]["type"] == "/problems/invalid_argument");
}

}  // namespace vigil::apitest
