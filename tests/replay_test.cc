// Replay equality (issue: state machine): a long random but valid history of chemical records
// goes through the server's append path in many batches; the verifier, replaying from entry 0
// in memory, must reach exactly the state the store holds (VerifyStore compares every state
// record byte for byte), and the ledger's stock must equal an independent tally.
#include <catch2/catch.hpp>

#include <map>
#include <random>

#include "ledger/verify.h"
#include "test_util.h"

namespace vigil::testing {
namespace {

TEST_CASE("A long random valid history replays to the same state", "[replay]") {
  TempDir dir;
  TestLog t = MakeTestLog(dir.path());
  const int64_t day = 86'400'000;
  const int64_t start = NowMs() - 60 * day;
  auto at = [&](int64_t ms) { return FormatTimestamp(ms); };

  // Five traders holding trading licences for acetone (L) and potassium permanganate (kg).
  std::vector<std::string> ids;
  std::vector<SecretKey> keys;
  std::vector<Submission> regs;
  for (int i = 0; i < 5; ++i) {
    ids.push_back("trader-" + std::to_string(i));
    keys.push_back(SecretKey::Generate());
    nlohmann::json p = RegisterPayload(t.authority_id, "reg-" + ids.back(), ids.back(),
                                       keys.back().public_key(), "business", at(start));
    p["licences"] = {{{"kind", "precursor_trading"}, {"number", "KD-" + std::to_string(100 + i)},
                      {"issued", "2020-01-01"}, {"expires", "2099-12-31"},
                      {"substances", {"67-64-1", "7722-64-7"}}}};
    regs.push_back(MakeSubmission(t.authority, p));
  }
  for (const auto& r : t.log->AppendBatch(regs, NowMs())) REQUIRE(r.ok());

  std::mt19937_64 rng(20261128);
  std::map<std::pair<int, std::string>, int64_t> tally;  // (trader, substance) -> base units
  const std::vector<std::pair<std::string, std::string>> subs = {{"67-64-1", "L"}, {"7722-64-7", "kg"}};
  int64_t when = start + day;
  int accepted = 0;
  for (int batch = 0; batch < 40; ++batch) {
    std::vector<Submission> b;
    for (int k = 0; k < 25; ++k) {
      when += 60'000;
      const int who = static_cast<int>(rng() % ids.size());
      const auto& [sub, unit] = subs[rng() % subs.size()];
      const int64_t units = static_cast<int64_t>(rng() % 500) + 1;  // whole L or kg
      const int64_t base = units * 1'000'000;
      const std::string id = "op-" + std::to_string(batch) + "-" + std::to_string(k);
      nlohmann::json p = {{"id", id}, {"actor", ids[static_cast<size_t>(who)]}, {"at", at(when)},
                          {"substance", sub}, {"quantity", std::to_string(units)}, {"unit", unit}};
      int64_t& have = tally[{who, sub}];
      const int kind = static_cast<int>(rng() % 3);
      if (kind == 0 || have < base) {
        p["type"] = "chem.purchase";
        p["party"] = {{"name", "Supplier " + std::to_string(rng() % 7)}};
        have += base;
      } else if (kind == 1) {
        p["type"] = "chem.sale";
        p["party"] = {{"name", "Buyer " + std::to_string(rng() % 7)}};
        have -= base;
      } else {
        const int to = (who + 1 + static_cast<int>(rng() % (ids.size() - 1))) % static_cast<int>(ids.size());
        p["type"] = "chem.dispatch";
        p["counterparty"] = ids[static_cast<size_t>(to)];
        p["transfer_id"] = "T-" + id;
        have -= base;
        b.push_back(MakeSubmission(keys[static_cast<size_t>(who)], p));
        // The receiver books it a minute later, in the same batch.
        when += 60'000;
        nlohmann::json r = {{"type", "chem.receipt"}, {"id", "rc-" + id},
                            {"actor", ids[static_cast<size_t>(to)]}, {"at", at(when)},
                            {"substance", sub}, {"quantity", std::to_string(units)}, {"unit", unit},
                            {"counterparty", ids[static_cast<size_t>(who)]}, {"transfer_id", "T-" + id}};
        tally[{to, sub}] += base;
        b.push_back(MakeSubmission(keys[static_cast<size_t>(to)], r));
        continue;
      }
      b.push_back(MakeSubmission(keys[static_cast<size_t>(who)], p));
    }
    for (const auto& r : t.log->AppendBatch(b, NowMs())) {
      INFO(r.status().ToString());
      REQUIRE(r.ok());
      ++accepted;
    }
  }
  REQUIRE(accepted >= 1000);

  // The stored stock equals the independent tally.
  {
    Result<db::Txn> txn = t.log->env().BeginRead();
    REQUIRE(txn.ok());
    for (const auto& [k, amount] : tally) {
      Result<std::optional<std::string>> v =
          txn->Get(db::Table::kState, "stock/" + ids[static_cast<size_t>(k.first)] + "/" + k.second);
      REQUIRE(v.ok());
      CHECK(std::stoll(v->value_or("0")) == amount);
    }
  }
  t.log.reset();

  Result<VerifyReport> report = VerifyStore(dir.path(), {});
  REQUIRE(report.ok());
  for (const VerifyProblem& p : report->problems) INFO(p.what);
  CHECK(report->ok());
  CHECK(report->size == static_cast<uint64_t>(accepted) + 6);
  CHECK(report->state_records > 1000);
}

}  // namespace
}  // namespace vigil::testing
