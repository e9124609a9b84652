// Replay equality (issue: state machine): a long random but valid history of chemical records
// goes through the server's append path in many batches; the verifier, replaying from entry 0
// in memory, must reach exactly the state the store holds (VerifyStore compares every state
// record byte for byte), and the ledger's stock must equal an independent tally, its trails
// and stock histories what the entries say.
#include <catch2/catch.hpp>
#include <map>
#include <random>

#include "ledger/log/entry.h"
#include "ledger/queries.h"
#include "ledger/state/payload.h"
#include "ledger/state/quantity.h"
#include "ledger/state/state.h"
#include "ledger/verify.h"
#include "test_util.h"

namespace vigil::testing {
namespace {

TEST_CASE("A long random valid history replays to the same state", "[replay]") {
  TempDir dir;
  TestLog t = MakeTestLog(dir.path());
  const int64_t day = 86'400'000;
  // The history runs about two days forward from now; each batch is appended at the time of its
  // last record (the server's clock of the simulation), so every "at" lies within the reporting
  // period of its entry's time.
  const int64_t start = NowMs();
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
    p["licences"] = {{{"kind", "precursor_trading"},
                      {"number", "KD-" + std::to_string(100 + i)},
                      {"issued", "2020-01-01"},
                      {"expires", "2099-12-31"},
                      {"substances", {"67-64-1", "7722-64-7"}}}};
    regs.push_back(MakeSubmission(t.authority, p));
  }
  for (const auto& r : t.log->AppendBatch(regs, start)) REQUIRE(r.ok());

  std::mt19937_64 rng(20261128);
  std::map<std::pair<int, std::string>, int64_t> tally;  // (trader, substance) -> base units
  const std::vector<std::pair<std::string, std::string>> subs = {{"67-64-1", "L"},
                                                                 {"7722-64-7", "kg"}};
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
      nlohmann::json p = {
          {"id", id},         {"actor", ids[static_cast<size_t>(who)]}, {"at", at(when)},
          {"substance", sub}, {"quantity", std::to_string(units)},      {"unit", unit}};
      int64_t& have = tally[{who, sub}];
      const int kind = static_cast<int>(rng() % 3);
      if (kind == 0 || have < base) {
        p["type"] = "chem.purchase";
        p["party"] = {{"name", "Supplier " + std::to_string(rng() % 7)}, {"country", "VN"}};
        have += base;
      } else if (kind == 1) {
        p["type"] = "chem.sale";
        const std::string buyer = "030000000" + std::to_string(rng() % 7);
        p["party"] = {{"name", "Buyer " + buyer}, {"enterprise_code", buyer}, {"country", "VN"}};
        have -= base;
      } else {
        const int to =
            (who + 1 + static_cast<int>(rng() % (ids.size() - 1))) % static_cast<int>(ids.size());
        p["type"] = "chem.dispatch";
        p["counterparty"] = ids[static_cast<size_t>(to)];
        p["transfer_id"] = "T-" + id;
        have -= base;
        b.push_back(MakeSubmission(keys[static_cast<size_t>(who)], p));
        // The receiver books it a minute later, in the same batch.
        when += 60'000;
        nlohmann::json r = {{"type", "chem.receipt"},
                            {"id", "rc-" + id},
                            {"actor", ids[static_cast<size_t>(to)]},
                            {"at", at(when)},
                            {"substance", sub},
                            {"quantity", std::to_string(units)},
                            {"unit", unit},
                            {"counterparty", ids[static_cast<size_t>(who)]},
                            {"transfer_id", "T-" + id}};
        tally[{to, sub}] += base;
        b.push_back(MakeSubmission(keys[static_cast<size_t>(to)], r));
        continue;
      }
      b.push_back(MakeSubmission(keys[static_cast<size_t>(who)], p));
    }
    for (const auto& r : t.log->AppendBatch(b, when)) {
      INFO(r.status().ToString());
      REQUIRE(r.ok());
      ++accepted;
    }
  }
  REQUIRE(accepted >= 1000);

  // The stored stock equals the independent tally.
  {
    Result<db::Txn> txn = t.log->BeginRead();
    REQUIRE(txn.ok());
    for (const auto& [k, amount] : tally) {
      Result<std::optional<std::string>> v = txn->Get(
          db::Table::kState, "stock/" + ids[static_cast<size_t>(k.first)] + "/" + k.second);
      REQUIRE(v.ok());
      CHECK(std::stoll(v->value_or("0")) == amount);
    }
  }
  // Trails and stock histories (kept in trail chunks since store format 2) against what the
  // entries themselves say: every entry naming a trader, in seq order, through pages of any
  // size with text cursors, and the stock after each entry that changed it.
  {
    Result<db::Txn> txn = t.log->BeginRead();
    REQUIRE(txn.ok());
    std::map<std::string, std::vector<std::pair<uint64_t, std::string>>> want_trail;
    std::map<std::pair<std::string, std::string>, std::vector<std::pair<uint64_t, int64_t>>>
        want_hist;
    std::map<std::pair<std::string, std::string>, int64_t> stock;
    REQUIRE(txn->Scan(db::Table::kEntries, "",
                      [&](std::string_view, std::string_view bytes) {
                        Result<Entry> e = DecodeEntry(bytes);
                        REQUIRE(e.ok());
                        Result<Payload> p = ParsePayload(e->payload);
                        REQUIRE(p.ok());
                        for (const std::string& who : ParticipantsNamed(*p))
                          want_trail[who].emplace_back(e->seq, p->type);
                        int sign = 0;
                        if (p->type == "chem.purchase" || p->type == "chem.receipt") sign = 1;
                        if (p->type == "chem.sale" || p->type == "chem.dispatch") sign = -1;
                        if (sign != 0) {
                          Result<Quantity> q = ParseQuantity(p->body["quantity"].get<std::string>(),
                                                             p->body["unit"].get<std::string>());
                          REQUIRE(q.ok());
                          const std::pair<std::string, std::string> k{
                              p->actor, p->body["substance"].get<std::string>()};
                          stock[k] += sign * q->amount;
                          want_hist[k].emplace_back(e->seq, stock[k]);
                        }
                        return true;
                      })
                .ok());
    for (const std::string& id : ids) {
      const auto& want = want_trail[id];
      REQUIRE(want.size() > 100);
      for (size_t limit : {size_t{1}, size_t{7}, size_t{100}, size_t{500}}) {
        std::vector<std::pair<uint64_t, std::string>> got;
        std::string after;
        for (int pages = 0; pages < 2000; ++pages) {
          Result<queries::Page> page = queries::Trail(*txn, id, Role::kAuthority, after, limit);
          REQUIRE(page.ok());
          for (const auto& item : page->items) {
            got.emplace_back(item["seq"].get<uint64_t>(), item["type"].get<std::string>());
            Result<Entry> e = DecodeEntry(item["entry"].get<std::string>());
            REQUIRE(e.ok());
            CHECK(e->seq == got.back().first);
          }
          if (!page->next.has_value()) break;
          // The cursor keeps its text form: "trail/<participant>/<20-digit seq of the last item>".
          CHECK(*page->next == "trail/" + id + "/" +
                                   std::string(20 - std::to_string(got.back().first).size(), '0') +
                                   std::to_string(got.back().first));
          after = *page->next;
        }
        INFO(id << " limit " << limit);
        CHECK(got == want);
      }
      for (const auto& [sub, unit] : subs) {
        Result<nlohmann::json> hist = queries::StockHistory(*txn, id, sub);
        REQUIRE(hist.ok());
        std::vector<std::pair<uint64_t, int64_t>> got;
        for (const auto& h : *hist)
          got.emplace_back(h["seq"].get<uint64_t>(), h["amount"].get<int64_t>());
        INFO(id << " " << sub);
        CHECK(got == want_hist[{id, sub}]);
      }
    }
  }
  t.Close();

  Result<VerifyReport> report = VerifyStore(dir.path(), {});
  REQUIRE(report.ok());
  for (const VerifyProblem& p : report->problems) INFO(p.what);
  CHECK(report->ok());
  CHECK(report->size == static_cast<uint64_t>(accepted) + 6);
  CHECK(report->state_records > 1000);
}

}  // namespace
}  // namespace vigil::testing
