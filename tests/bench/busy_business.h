// One busy business (a chemical distributor) for the benchmarks: its set-up (an acetone
// threshold and its registration with a precursor_trading licence) and its purchases and sales,
// honest or dishonest-but-valid. Used by vigil_history_bench (in process) and
// vigil_append_load (over HTTP, `--workload business|mixed`, and its `grow` step), so that both
// measure the same records (docs/performance.md).
//
// Record k of the business is filed at Slot(k) on a virtual clock that starts 3 days after the
// registration and runs one day per `per_day` records, so that its history spans real days
// (100k records at 100 a day are ~1,000 days of thresholds' windows and stock-flow buckets);
// Make(k, ts) dates it `at` = 0 to 2 days before the server time `ts` it will be filed at, never
// before the registration. The business's key is derived from a fixed seed, so every program
// (and every run) signs with the same key. Header-only; no state beyond the constructor's.
// Not thread-safe to construct; Make is const and may be called from any thread.
#ifndef VIGIL_TESTS_BENCH_BUSY_BUSINESS_H_
#define VIGIL_TESTS_BENCH_BUSY_BUSINESS_H_

#include <algorithm>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "keys/encoding.h"
#include "keys/key.h"
#include "ledger/log/entry.h"

namespace vigil::bench {

constexpr int64_t kBusinessDayMs = 86'400'000;
constexpr const char* kBusinessSubstance = "67-64-1";  // acetone
constexpr const char* kBusinessId = "one-distributor";
constexpr const char* kBusinessSuppliers[] = {"0301447823", "0312345678", "0100109106"};
constexpr const char* kBusinessBuyers[] = {"0900274561", "0101111111", "0202222222", "0303333333",
                                           "0404444444"};

inline Submission SignFor(const nlohmann::json& payload, const SecretKey& key,
                          const std::string& origin) {
  Submission s;
  s.signer = key.Id();
  s.payload = payload.dump();
  s.sig = key.Sign(SignContext::kEntry, origin, s.payload);
  return s;
}

// The business's key (a fixed seed: every program and every run signs with the same key).
inline SecretKey BusinessKey() {
  Result<SecretKey> k = SecretKey::FromSeed(AsView(Sha256("vigil history bench distributor")));
  return std::move(*k);  // a 32-byte seed always makes a key
}

// The authority's two set-up records, both dated `t0`: an acetone threshold above what the
// honest distributor buys (single 5,000 L, 500,000 L in 30 days: no alert for honest records)
// and the registration of kBusinessId (tax code 0101234567, a precursor_trading licence for
// acetone valid from a year before t0 to ten years after), with BusinessKey().
inline std::vector<nlohmann::json> BusinessSetUpPayloads(int64_t t0) {
  using nlohmann::json;
  const std::string issued = FormatTimestamp(t0 - 365 * kBusinessDayMs).substr(0, 10);
  const std::string expires = FormatTimestamp(t0 + 10 * 365 * kBusinessDayMs).substr(0, 10);
  return {{{"type", "threshold.set"},
           {"id", "thr-acetone"},
           {"actor", "authority"},
           {"at", FormatTimestamp(t0)},
           {"substance", kBusinessSubstance},
           {"single_max", {{"quantity", "5000"}, {"unit", "L"}}},
           {"window_days", 30},
           {"window_max", {{"quantity", "500000"}, {"unit", "L"}}}},
          {{"type", "participant.register"},
           {"id", "reg-one-distributor"},
           {"actor", "authority"},
           {"at", FormatTimestamp(t0)},
           {"participant", kBusinessId},
           {"role", "business"},
           {"legal_name", "Công ty TNHH Phân phối Hóa chất Một"},
           {"tax_code", "0101234567"},
           {"address", "Lô 7, Khu công nghiệp Ngọc Hồi, Xã Thanh Trì, Hà Nội"},
           {"jurisdiction", {{"province", "Hà Nội"}, {"commune", "Xã Thanh Trì"}}},
           {"licences",
            {{{"kind", "precursor_trading"},
              {"number", "123/GP-BCT"},
              {"issued", issued},
              {"expires", expires},
              {"substances", {kBusinessSubstance}}}}},
           {"keys", {BusinessKey().public_key().ToBase64()}}}};
}

class Business {
 public:
  // `registered_ms`: the registration's `at`; the virtual clock starts at `start_ms`.
  Business(int64_t start_ms, int64_t registered_ms, int64_t per_day, std::string origin)
      : start_ms_(start_ms),
        registered_ms_(registered_ms),
        per_day_(per_day),
        origin_(std::move(origin)),
        key_(BusinessKey()) {}
  const SecretKey& key() const { return key_; }
  int64_t per_day() const { return per_day_; }

  int64_t Slot(uint64_t k) const {
    return start_ms_ + static_cast<int64_t>(k) * kBusinessDayMs / per_day_;
  }

  // Honest record k filed at server time `ts`: 7 in 10 a chem.purchase of 100 L from one of
  // three outside suppliers, 3 in 10 (from the 4th day on) a chem.sale of 200 L to one of five
  // outside buyers; `at` 0 to 2 days before `ts`.
  Submission Make(uint64_t k, int64_t ts) const { return SignFor(Payload(k, ts), key_, origin_); }

  // Record k of the dishonest-but-valid mix: every record passes the rules, and 1 in 4 raises
  // alerts. k % 8 == 1: a purchase of 6,000 L (threshold_single; unusual_size once it has a
  // history of small purchases; with enough of them every acquisition in the 30-day window
  // raises threshold_window); k % 8 == 5: a purchase dated 12 days before `ts` with a
  // late_reason (late_entry). The rest as Make.
  Submission MakeMixed(uint64_t k, int64_t ts) const {
    nlohmann::json p = Payload(k, ts);
    if (k % 8 == 1 || k % 8 == 5) {
      p = Purchase(k);
      Date(p, k, ts);
      if (k % 8 == 1) {
        p["quantity"] = "6000";
        p["packaging"] = "1 bồn ISO 6.000 L";
      } else {
        p["at"] = FormatTimestamp(std::max(registered_ms_ + 1000, ts - 12 * kBusinessDayMs));
        p["late_reason"] = "Hóa đơn nhận muộn từ nhà cung cấp";
      }
    }
    return SignFor(p, key_, origin_);
  }

 private:
  nlohmann::json Purchase(uint64_t k) const {
    const char* supplier = kBusinessSuppliers[k % 3];
    const std::string n = std::to_string(k);
    return {{"type", "chem.purchase"},
            {"id", "NK-" + n},
            {"quantity", "100"},
            {"party",
             {{"name", std::string("Công ty TNHH Hóa chất ") + supplier},
              {"enterprise_code", supplier},
              {"licence_number", "GCN-KDTC-0087-HCM"},
              {"invoice", "HD-" + n},
              {"address", "Khu công nghiệp Hiệp Phước, TP Hồ Chí Minh"},
              {"country", "VN"}}},
            {"lot", "LOT-" + std::to_string(k / 100)},
            {"packaging", "1 phuy thép 100 L"},
            {"purpose", "Kinh doanh"},
            {"transport", "Xe tải chuyên dụng chở hóa chất nguy hiểm"},
            {"documents",
             {{{"kind", "hóa đơn GTGT"},
               {"number", "HD-" + n},
               {"sha256", HexEncode(AsView(Sha256("hd" + n)))}}}}};
  }
  nlohmann::json Sale(uint64_t k) const {
    const char* buyer = kBusinessBuyers[(k / 3) % 5];
    const std::string n = std::to_string(k);
    return {{"type", "chem.sale"},
            {"id", "BH-" + n},
            {"quantity", "200"},
            {"party",
             {{"name", std::string("Công ty TNHH Sơn ") + buyer},
              {"enterprise_code", buyer},
              {"licence_number", "GXN-SDTC-0017-HY"},
              {"invoice", "HB-" + n},
              {"address", "Khu công nghiệp Phố Nối A, Hưng Yên"},
              {"country", "VN"}}},
            {"purpose", "Dung môi sản xuất sơn"},
            {"transport", "Xe tải chuyên dụng chở hóa chất nguy hiểm"},
            {"documents",
             {{{"kind", "hóa đơn GTGT"},
               {"number", "HB-" + n},
               {"sha256", HexEncode(AsView(Sha256("hb" + n)))}}}}};
  }
  // actor, at (0 to 2 days before ts, never before the registration), substance, unit.
  void Date(nlohmann::json& p, uint64_t k, int64_t ts) const {
    const uint64_t h = (k * 0x9E3779B97F4A7C15ULL) >> 20;
    const int64_t lag = static_cast<int64_t>(h % static_cast<uint64_t>(2 * kBusinessDayMs));
    p["actor"] = kBusinessId;
    p["at"] = FormatTimestamp(std::max(registered_ms_ + 1000, ts - lag));
    p["substance"] = kBusinessSubstance;
    p["unit"] = "L";
  }
  nlohmann::json Payload(uint64_t k, int64_t ts) const {
    const uint64_t i = k % static_cast<uint64_t>(per_day_);
    const bool sale =
        k >= static_cast<uint64_t>(3 * per_day_) && (i % 10 == 2 || i % 10 == 5 || i % 10 == 8);
    nlohmann::json p = sale ? Sale(k) : Purchase(k);
    Date(p, k, ts);
    return p;
  }

  int64_t start_ms_, registered_ms_, per_day_;
  std::string origin_;
  SecretKey key_;
};

}  // namespace vigil::bench

#endif  // VIGIL_TESTS_BENCH_BUSY_BUSINESS_H_
