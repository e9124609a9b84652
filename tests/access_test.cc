// Who may read what, through the real server (issue 14; the rules live in ledger/access.h):
// police notes only to authority and police on every read path (entries, trails, entry
// bundles); thresholds and anti-smurfing alerts never to a business; and the write rules of the
// same issue as a client sees them (police-signed inspections, a theft without a police report,
// answers dated before what they answer). Each rule with its honest twin.
#include "ledger/access.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "tests/api_fixture.h"

namespace vigil::apitest {
namespace {

std::string EntryPath(uint64_t seq) { return "/v1/entries/" + std::to_string(seq); }

// The types of the items of a trail page.
std::vector<std::string> TrailTypes(const Reply& r) {
  std::vector<std::string> out;
  const json page = r.Json();  // kept alive: the loop runs over a part of it
  for (const json& i : page["items"]) out.push_back(i["type"].get<std::string>());
  return out;
}

// The keys of the roles that read everything but police notes and personal data.
std::vector<const SecretKey*> FullReaders(const World& w) {
  return {&w.authority(), &w.police, &w.inspector};
}

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// The kinds of the alerts GET /v1/alerts<query> answers to `key`.
std::vector<std::string> AlertKinds(const World& w, const SecretKey& key,
                                    const std::string& query = "") {
  Reply r = w.Get("/v1/alerts" + query, key);
  INFO(r);
  REQUIRE(r.status == 200);
  std::vector<std::string> out;
  const json page = r.Json();
  for (const json& a : page["items"]) out.push_back(a["kind"].get<std::string>());
  return out;
}

// The violation codes of a 422 answer.
std::vector<std::string> ViolationCodes(const Reply& r) {
  CheckProblem(r, 422, "rule_violation", true);
  std::vector<std::string> out;
  const json problem = r.Json();
  for (const json& v : problem["violations"]) out.push_back(v["code"].get<std::string>());
  return out;
}

TEST_CASE("The access predicates of ledger/access.h", "[api][access]") {
  for (const char* kind : {"threshold_single", "threshold_window", "unusual_size",
                           "concentration_mismatch", "outside_buyer_window"}) {
    INFO(kind);
    CHECK(access::AlertHiddenFromSubject(kind));
    CHECK_FALSE(access::MayReadAlert(Role::kBusiness, "biz-a", kind, "biz-a"));
    CHECK(access::MayReadAlert(Role::kInspector, "insp-1", kind, "biz-a"));
  }
  for (const char* kind : {"loss_reported", "self_void", "receipt_overdue", "critical_item"}) {
    INFO(kind);
    CHECK_FALSE(access::AlertHiddenFromSubject(kind));
    CHECK(access::MayReadAlert(Role::kBusiness, "biz-a", kind, "biz-a"));
    CHECK_FALSE(access::MayReadAlert(Role::kBusiness, "biz-b", kind, "biz-a"));
  }
  CHECK(access::MayReadType(Role::kAuthority, "police.note"));
  CHECK(access::MayReadType(Role::kPolice, "police.note"));
  CHECK_FALSE(access::MayReadType(Role::kInspector, "police.note"));
  CHECK_FALSE(access::MayReadType(Role::kBusiness, "police.note"));
  CHECK(access::MayReadType(Role::kInspector, "threshold.set"));
  CHECK_FALSE(access::MayReadType(Role::kBusiness, "threshold.set"));
  CHECK(access::MayReadType(Role::kBusiness, "chem.purchase"));
  CHECK(access::MayReadLimits(Role::kInspector));
  CHECK_FALSE(access::MayReadLimits(Role::kBusiness));
}

TEST_CASE("Police notes are read by authority and police only, on every path", "[api][access]") {
  World w;
  const std::string note = EntryPath(w.personal_seq);  // a note on biz-a
  // GET /v1/entries/{seq}
  CHECK(w.Get(note, w.authority()).status == 200);
  CHECK(w.Get(note, w.police).status == 200);
  Reply r = w.Get(note, w.inspector);
  CheckProblem(r, 403, "permission_denied");
  CHECK(r.body.find("police.note") == std::string::npos);    // the refusal names no type
  CheckProblem(w.Get(note, w.a), 403, "permission_denied");  // even its subject
  // Honest twin: the inspector reads the business's records as before.
  CHECK(w.Get(EntryPath(w.a_purchase), w.inspector).status == 200);

  // Trails: the officer's trail holds the note; only authority and police see it there.
  const std::string trail = "/v1/participants/pol-1/trail";
  CHECK(Contains(TrailTypes(w.Get(trail, w.authority())), "police.note"));
  CHECK(Contains(TrailTypes(w.Get(trail, w.police)), "police.note"));
  Reply insp_trail = w.Get(trail + "?proofs=1", w.inspector);
  REQUIRE(insp_trail.status == 200);
  CHECK_FALSE(Contains(TrailTypes(insp_trail), "police.note"));
  CHECK(Contains(TrailTypes(insp_trail), "participant.register"));  // the rest still shows
  CHECK(insp_trail.body.find("owner questioned") == std::string::npos);
  // The subject's own trail never held it.
  CHECK_FALSE(Contains(TrailTypes(w.Get("/v1/participants/biz-a/trail", w.a)), "police.note"));

  // Entry bundles hold every record: authority and police only.
  const std::string bundle = "/tile/entries/000.p/" + std::to_string(w.Size());
  CHECK(w.Get(bundle, w.authority()).status == 200);
  CHECK(w.Get(bundle, w.police).status == 200);
  CheckProblem(w.Get(bundle, w.inspector), 403, "permission_denied");
  CheckProblem(w.Get(bundle, w.a), 403, "permission_denied");
}

TEST_CASE("Thresholds are read by authority, police and inspectors, never a business",
          "[api][access]") {
  World w;
  const uint64_t thr =
      w.AppendSeq(w.authority(), Payload("threshold.set", "thr-1", "authority",
                                         {{"substance", kAcetone},
                                          {"single_max", {{"quantity", "50"}, {"unit", "L"}}},
                                          {"window_days", 30},
                                          {"window_max", {{"quantity", "200"}, {"unit", "L"}}}}));
  // The public catalogue carries no limit.
  Reply cat = w.Get("/v1/catalog");
  REQUIRE(cat.status == 200);
  const json catalog = cat.Json();
  for (const json& s : catalog["substances"]) CHECK_FALSE(s.contains("threshold"));
  CHECK_FALSE(catalog["settings"].contains("unusual_factor"));
  CHECK(catalog["settings"].contains("receipt_days"));  // the rest of the settings stay public
  CHECK(cat.body.find("\"single_max\"") == std::string::npos);
  // GET /v1/thresholds: full readers.
  for (const SecretKey* k : FullReaders(w)) {
    Reply r = w.Get("/v1/thresholds", *k);
    INFO(r);
    REQUIRE(r.status == 200);
    const json j = r.Json();
    REQUIRE(j["thresholds"].size() == 1);
    CHECK(j["thresholds"][0]["substance"] == kAcetone);
    CHECK(j["thresholds"][0]["single_max"] == 50'000'000);
    CHECK(j["thresholds"][0]["window_days"] == 30);
    CHECK(j["thresholds"][0]["unit"] == "L");
    CHECK(j["settings"]["unusual_factor"] == 5);
  }
  CheckProblem(w.Get("/v1/thresholds", w.a), 403, "permission_denied");
  CheckProblem(w.Get("/v1/thresholds"), 401, "unauthenticated");
  // The threshold.set entry itself.
  CHECK(w.Get(EntryPath(thr), w.inspector).status == 200);
  CheckProblem(w.Get(EntryPath(thr), w.a), 403, "permission_denied");
}

TEST_CASE("A business never sees its own anti-smurfing alerts; the police do", "[api][access]") {
  World w;
  w.AppendSeq(w.authority(), Payload("threshold.set", "thr-1", "authority",
                                     {{"substance", kAcetone},
                                      {"single_max", {{"quantity", "50"}, {"unit", "L"}}}}));
  const json party = {{"name", "Supplier JSC"}, {"country", "VN"}};
  w.AppendSeq(w.a, Payload("chem.purchase", "a-buy-big", "biz-a", Move("60", {{"party", party}})));
  // The police, the authority and inspectors see it ...
  for (const SecretKey* k : FullReaders(w)) {
    CHECK(Contains(AlertKinds(w, *k), "threshold_single"));
    CHECK(Contains(AlertKinds(w, *k, "?participant=biz-a&kind=threshold_single"),
                   "threshold_single"));
  }
  // ... the buyer does not, however it asks (an empty list, not a refusal that would tell it
  // there is something to hide).
  std::vector<std::string> mine = AlertKinds(w, w.a);
  CHECK_FALSE(Contains(mine, "threshold_single"));
  CHECK(Contains(mine, "loss_reported"));  // honest twin: its other alerts as before
  CHECK(AlertKinds(w, w.a, "?kind=threshold_single").empty());
  CHECK(AlertKinds(w, w.a, "?participant=biz-a&kind=threshold_single").empty());
}

TEST_CASE("Voids, inspections, thefts and answers through the API (issue 14)", "[api][access]") {
  World w;
  const json party = {{"name", "Supplier JSC"}, {"country", "VN"}};
  const uint64_t before = w.Size();
  // A theft without a police report: refused, nothing appended.
  Submission sub = testing::MakeSubmission(
      w.a, Payload("chem.loss", "a-theft", "biz-a", Move("1", {{"kind", "stolen"}})));
  CHECK(ViolationCodes(w.Post(SubmissionBody(sub))) ==
        std::vector<std::string>{"police_report_required"});
  CHECK(w.Size() == before);
  const uint64_t theft =
      w.AppendSeq(w.a, Payload("chem.loss", "a-theft-2", "biz-a",
                               Move("1", {{"kind", "stolen"}, {"police_report", "CA-A-9"}})));
  // Voiding it: the police see a self_void; so may the business, which did it.
  w.AppendSeq(w.a, Payload("correction", "a-void-theft", "biz-a",
                           {{"target_seq", theft}, {"action", "void"}, {"reason", "found it"}}));
  Reply r = w.Get("/v1/alerts?kind=self_void", w.police);
  REQUIRE(r.status == 200);
  REQUIRE(r.Json()["items"].size() == 1);
  CHECK(r.Json()["items"][0]["target_seq"] == theft);
  CHECK(r.Json()["items"][0]["target_type"] == "chem.loss");
  CHECK(Contains(AlertKinds(w, w.a), "self_void"));
  // Honest twin: voiding a mistyped purchase raises nothing new.
  const size_t alerts = w.Get("/v1/alerts", w.police).Json()["items"].size();
  const uint64_t buy = w.AppendSeq(
      w.a, Payload("chem.purchase", "a-buy-typo", "biz-a", Move("2", {{"party", party}})));
  w.AppendSeq(w.a, Payload("correction", "a-void-buy", "biz-a",
                           {{"target_seq", buy}, {"action", "void"}, {"reason", "typo"}}));
  CHECK(w.Get("/v1/alerts", w.police).Json()["items"].size() == alerts);

  // The police sign a stock inspection; the business's answer may not predate it.
  json insp = StockInspection("biz-a");
  insp["team"] = {"pol-1"};
  const json inspection_payload = Payload("inspection.stock", "pol-insp-1", "pol-1", insp);
  const uint64_t inspection = w.AppendSeq(w.police, inspection_payload);
  json early = Payload("inspection.ack", "a-ack-early", "biz-a",
                       {{"inspection_seq", inspection}, {"decision", "countersign"}});
  // A millisecond before the inspection's time (and after every registration).
  early["at"] = FormatTimestamp(*ParseTimestamp(inspection_payload["at"].get<std::string>()) - 1);
  const uint64_t size = w.Size();
  CHECK(ViolationCodes(w.Post(SubmissionBody(testing::MakeSubmission(w.a, early)))) ==
        std::vector<std::string>{"before_target"});
  CHECK(w.Size() == size);
  w.AppendSeq(w.a, Payload("inspection.ack", "a-ack", "biz-a",
                           {{"inspection_seq", inspection}, {"decision", "countersign"}}));
}

}  // namespace
}  // namespace vigil::apitest
