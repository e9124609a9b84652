// The demonstration scenario (cli/demo_scenario.h) as an end-to-end test of the state machine:
// every record is accepted, every alert kind the ledger can raise fires (the kinds are read from
// the ledger's sources, so a new kind fails here until the scenario covers it), personal data
// is stored encrypted and erased, and the verifier's replay reaches the same state. Then the
// `vigil demo --offline` command end to end.
#include <sys/stat.h>
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "cli/demo_scenario.h"
#include "keys/coding.h"
#include "keys/encoding.h"
#include "ledger/log/db.h"
#include "ledger/log/entry.h"
#include "ledger/log/log.h"
#include "ledger/personal.h"
#include "ledger/state/state.h"
#include "ledger/state/state_keys.h"
#include "ledger/verify.h"
#include "tests/test_util.h"

namespace vigil {
namespace {

using cli::BuildScenario;
using cli::Scenario;
using cli::SignStep;
using testing::MakeTestLog;
using testing::NowMs;
using testing::TempDir;
using testing::TestLog;

constexpr char kName[] = "Nguyễn Thị Thu Hằng";
constexpr char kIdNumber[] = "001190023456";

// Every alert kind raised anywhere in the ledger's sources: RaiseAlert(ctx, "<kind>", ...).
std::set<std::string> AlertKindsInSources() {
  std::set<std::string> kinds;
  const std::string needle = "RaiseAlert(ctx, \"";
  for (const auto& f :
       std::filesystem::directory_iterator(VIGIL_TESTDATA_DIR "/../../ledger/state")) {
    if (f.path().extension() != ".cc") continue;
    std::ifstream in(f.path());
    std::stringstream text;
    text << in.rdbuf();
    const std::string s = text.str();
    for (size_t at = s.find(needle); at != std::string::npos; at = s.find(needle, at + 1)) {
      const size_t start = at + needle.size();
      kinds.insert(s.substr(start, s.find('"', start) - start));
    }
  }
  return kinds;
}

// Every alert in the log's derived state.
std::vector<nlohmann::json> Alerts(Log& log) {
  std::vector<nlohmann::json> out;
  Result<db::Txn> txn = log.BeginRead();
  REQUIRE(txn.ok());
  Status s = txn->Scan(db::Table::kState, statekey::kAlertPrefix,
                       [&](std::string_view k, std::string_view v) {
                         if (!k.starts_with(statekey::kAlertPrefix)) return false;
                         out.push_back(nlohmann::json::parse(v));
                         return true;
                       });
  REQUIRE(s.ok());
  return out;
}

std::optional<std::string> RawPersonal(Log& log, uint64_t seq) {
  Result<db::Txn> txn = log.BeginRead();
  REQUIRE(txn.ok());
  Result<std::optional<std::string>> v = txn->Get(db::Table::kPersonal, EncodeBigEndian64(seq));
  REQUIRE(v.ok());
  return *v;
}

Result<std::optional<std::string>> ReadPersonal(Ledger& ledger, uint64_t seq) {
  return ledger.ReadPersonal(seq, {{"participant", "scenario_test"}, {"role", "authority"}});
}

// Appends steps [begin, end) in one batch, REQUIRing each to be accepted at the predicted seq.
void AppendSteps(Log& log, const Scenario& s, size_t begin, size_t end,
                 std::vector<std::optional<uint64_t>>& seqs) {
  std::vector<Submission> subs;
  for (size_t i = begin; i < end; ++i) {
    seqs[i] = log.Size() + (i - begin);  // every step is accepted, in order
    Result<Submission> sub = SignStep(s, log.info().origin, i, seqs);
    INFO("step " << i << ": " << sub.status().ToString());
    REQUIRE(sub.ok());
    subs.push_back(std::move(*sub));
  }
  std::vector<Result<Appended>> results = log.AppendBatch(subs, NowMs());
  REQUIRE(results.size() == subs.size());
  for (size_t i = begin; i < end; ++i) {
    const Result<Appended>& r = results[i - begin];
    const Status status = r.status();
    std::string why = status.ToString();
    for (const Violation& v : status.details()) why += "\n  " + v.code + ": " + v.message;
    INFO("step " << i << " (" << s.steps[i].payload.dump() << "): " << why);
    REQUIRE(r.ok());
    CHECK_FALSE(r->duplicate);
    CHECK(r->receipt.seq == *seqs[i]);
  }
}

VerifyReport Verify(const std::string& dir) {
  Result<VerifyReport> report = VerifyStore(dir, {});
  INFO(report.status().ToString());
  REQUIRE(report.ok());
  for (const VerifyProblem& p : report->problems) UNSCOPED_INFO(p.what);
  return *report;
}

TEST_CASE("the demo scenario is accepted, raises every alert kind and verifies", "[scenario]") {
  TempDir dir("vigil_scenario");
  InitOptions init;
  init.authority_name = "Công an thành phố Hà Nội";
  init.jurisdiction = {{"province", "Hà Nội"}};
  TestLog t = MakeTestLog(dir.path(), init);
  const int64_t now = NowMs();
  const Scenario s = BuildScenario(now, t.authority_id, std::move(t.authority));
  REQUIRE(s.personal_step < s.erasure_step);

  // The authority opens the reporting period for the back file and closes it again (both dated
  // now); a late note follows. The back file between lies in the past (never more than ~95
  // days back), in time order.
  REQUIRE(s.steps.size() > 3);
  CHECK(s.steps.front().payload["id"] == "settings-back-file-open");
  CHECK(s.steps[s.steps.size() - 2].payload["id"] == "settings-back-file-closed");
  CHECK(s.steps.back().payload.contains("late_reason"));
  int64_t last_at = 0;
  for (size_t i = 1; i + 2 < s.steps.size(); ++i) {
    const cli::ScenarioStep& step = s.steps[i];
    Result<int64_t> at = ParseTimestamp(step.payload.value("at", ""));
    REQUIRE(at.ok());
    CHECK(*at < now);
    CHECK(*at > now - 100 * int64_t{86'400'000});
    CHECK(*at >= last_at);
    last_at = *at;
  }
  // Every record type appears (participant.register also as the genesis entry).
  std::set<std::string> types;
  for (const cli::ScenarioStep& step : s.steps) types.insert(step.payload.value("type", ""));
  for (const RecordType& rt : RecordTypes()) {
    INFO(rt.type);
    CHECK(types.count(std::string(rt.type)) == 1);
  }

  // Four batches; the personal data is read back between the record and its erasure.
  std::vector<std::optional<uint64_t>> seqs(s.steps.size());
  const size_t half = (s.personal_step + 1) / 2;
  AppendSteps(*t.log, s, 0, half, seqs);
  AppendSteps(*t.log, s, half, s.personal_step + 1, seqs);
  AppendSteps(*t.log, s, s.personal_step + 1, s.erasure_step, seqs);
  const uint64_t personal_seq = *seqs[s.personal_step];
  {
    Result<std::optional<std::string>> personal = ReadPersonal(*t.ledger, personal_seq);
    INFO(personal.status().ToString());
    REQUIRE(personal.ok());
    REQUIRE(personal->has_value());
    CHECK(**personal == s.steps[s.personal_step].personal);
    CHECK((*personal)->find(kName) != std::string::npos);
    // At rest it is sealed: neither the stored value nor the entry shows the plaintext.
    std::optional<std::string> raw = RawPersonal(*t.log, personal_seq);
    REQUIRE(raw.has_value());
    CHECK(raw->find(kName) == std::string::npos);
    CHECK(raw->find(kIdNumber) == std::string::npos);
    Result<std::string> entry = t.log->EntryAt(personal_seq);
    REQUIRE(entry.ok());
    CHECK(entry->find("personal_commitment") != std::string::npos);
    CHECK(entry->find(kIdNumber) == std::string::npos);
  }
  AppendSteps(*t.log, s, s.erasure_step, s.steps.size(), seqs);
  CHECK(t.log->Size() == s.steps.size() + 1);
  {
    Result<std::optional<std::string>> personal = ReadPersonal(*t.ledger, personal_seq);
    REQUIRE(personal.ok());
    CHECK_FALSE(personal->has_value());
    // The sealed record gave way to a tombstone naming only its (destroyed) key slot.
    std::optional<std::string> raw = RawPersonal(*t.log, personal_seq);
    REQUIRE(raw.has_value());
    Result<PersonalRecord> tombstone = DecodePersonalRecord(*raw);
    REQUIRE(tombstone.ok());
    CHECK(tombstone->erased);
  }

  // Every alert kind of the state machine fired, and the scenario says which it raises.
  const std::vector<nlohmann::json> alerts = Alerts(*t.log);
  std::map<std::string, int> by_kind;
  for (const nlohmann::json& a : alerts) ++by_kind[a.value("kind", "")];
  const std::set<std::string> in_sources = AlertKindsInSources();
  CHECK(in_sources.size() >= 10);
  for (const std::string& kind : in_sources) {
    INFO("alert kind " << kind);
    CHECK(by_kind.count(kind) == 1);
  }
  CHECK(std::set<std::string>(s.alert_kinds.begin(), s.alert_kinds.end()) == in_sources);
  // ... and no stray ones: only the transfer never received is overdue, only the licence about
  // to expire warns.
  for (const nlohmann::json& a : alerts) {
    if (a.value("kind", "") == "receipt_overdue") CHECK(a.value("transfer_id", "") == "ML-SHD-T07");
    if (a.value("kind", "") == "licence_expiring")
      CHECK(a.value("licence", "") == "GCN-KDTC-0219-HN");
  }
  CHECK(by_kind["receipt_overdue"] == 2);  // one for each side of the transfer
  CHECK(by_kind["licence_expiring"] == 1);
  CHECK(by_kind["threshold_single"] == 1);
  CHECK(by_kind["threshold_window"] == 1);
  CHECK(by_kind["unusual_size"] == 1);
  CHECK(by_kind["repeat_violation"] == 1);

  // The verifier replays to the same state, before and after reopening.
  t.Close();
  VerifyReport first = Verify(dir.path());
  CHECK(first.ok());
  CHECK(first.size == s.steps.size() + 1);
  {
    std::unique_ptr<Ledger> reopened_ledger = testing::OpenTestLog(dir.path());
    Log* reopened = &reopened_ledger->log();
    CHECK(reopened->Size() == s.steps.size() + 1);
    Result<std::optional<std::string>> personal = ReadPersonal(*reopened_ledger, personal_seq);
    REQUIRE(personal.ok());
    CHECK_FALSE(personal->has_value());
  }
  VerifyReport second = Verify(dir.path());
  CHECK(second.ok());
  CHECK(second.state_records == first.state_records);
}

// Runs `command` through the shell; its exit status (or -1).
int Run(const std::string& command) {
  int rc = std::system(command.c_str());
  return rc != -1 && WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

TEST_CASE("vigil demo --offline seeds a fresh log that verifies, and refuses to run twice",
          "[scenario][cli]") {
  TempDir dir("vigil_demo_cli");
  const std::string data = dir.File("data");
  const std::string vigil = std::string("'") + VIGIL_BINARY + "'";
  const std::string out = dir.File("out.txt");
  const std::string err = dir.File("err.txt");
  const std::string quiet = " >'" + out + "' 2>'" + err + "'";
  REQUIRE(Run(vigil + " init --data '" + data +
              "' --origin vigil.demo.example/log --province 'Hà Nội'" + quiet) == 0);
  int rc = Run(vigil + " demo --data '" + data + "' --offline" + quiet);
  INFO(testing::ReadFile(out) << testing::ReadFile(err));
  REQUIRE(rc == 0);
  const std::string summary = testing::ReadFile(out);
  for (const char* kind :
       {"licence_expiring", "receipt_overdue", "repeat_violation", "unusual_size"}) {
    CHECK(summary.find(kind) != std::string::npos);
  }
  // Participant keys: secret 0600 beside a public key.
  struct stat st;
  const std::string key = data + "/demo-keys/cty-hoachat-an-phu.key";
  REQUIRE(::stat(key.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK(std::filesystem::exists(data + "/demo-keys/cty-hoachat-an-phu.pub"));

  // A second run would collide on ids: refused, saying why, with nothing appended.
  CHECK(Run(vigil + " demo --data '" + data + "' --offline" + quiet) == 2);
  CHECK(testing::ReadFile(err).find("already ran") != std::string::npos);

  rc = Run(vigil + " verify --data '" + data + "'" + quiet);
  INFO(testing::ReadFile(out) << testing::ReadFile(err));
  CHECK(rc == 0);
}

}  // namespace
}  // namespace vigil
