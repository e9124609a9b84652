// Append quotas per participant (issue 15): entries are permanent, so one business key must not
// be able to fill the log. Each participant has two token buckets, records and bytes of
// payload, refilled continuously at a rate per hour up to one hour's worth (the burst a CSV
// import needs). A submission whose signer's participant has an empty bucket is refused at once
// with kTooManyRequests and the seconds until it may retry; only appended records are charged,
// so nobody can spend another participant's quota with submissions that fail.
//
// Thread-safe. Memory: one bucket per participant that has appended since the server started.
#ifndef VIGIL_API_QUOTA_H_
#define VIGIL_API_QUOTA_H_

#include <mutex>
#include <string>
#include <unordered_map>

#include "keys/result.h"
#include "ledger/state/state.h"

namespace vigil::api {

struct QuotaLimits {
  double records_per_hour = 2000;           // 0: no record quota
  double bytes_per_hour = 4 * 1024 * 1024;  // payload bytes; 0: no byte quota
};

// The records and payload bytes a request has admitted but not yet charged (the earlier items of
// one batch).
struct QuotaPending {
  double records = 0;
  double bytes = 0;
};

class AppendQuota {
 public:
  explicit AppendQuota(QuotaLimits limits) : limits_(limits) {}

  // Whether appends by a participant of `role` are limited: businesses and inspectors are;
  // the authority and the police, who run the log and register in bulk, are not.
  static bool Limited(Role role) { return role == Role::kBusiness || role == Role::kInspector; }

  // Ok if `participant` may append now (`now_s`: seconds on a steady clock), counting `pending`
  // as already charged; else kTooManyRequests with details {"retry_after", whole seconds}.
  Status Check(const std::string& participant, double now_s, QuotaPending pending = {});
  // Charges one appended record of `bytes` payload bytes to `participant`.
  void Charge(const std::string& participant, size_t bytes, double now_s);

 private:
  struct Bucket {
    double records = 0;
    double bytes = 0;
    double at = 0;  // when the levels above were computed
  };
  // `participant`'s bucket refilled up to `now_s`, created full.
  Bucket& Refilled(const std::string& participant, double now_s);

  const QuotaLimits limits_;
  std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;  // GUARDED_BY(mu_)
};

}  // namespace vigil::api

#endif  // VIGIL_API_QUOTA_H_
