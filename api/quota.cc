#include "api/quota.h"

#include <algorithm>
#include <cmath>

namespace vigil::api {

AppendQuota::Bucket& AppendQuota::Refilled(const std::string& participant, double now_s) {
  auto [it, fresh] = buckets_.try_emplace(participant);
  Bucket& b = it->second;
  if (fresh) {
    b = {limits_.records_per_hour, limits_.bytes_per_hour, now_s};
    return b;
  }
  const double hours = std::max(0.0, now_s - b.at) / 3600;
  b.records = std::min(limits_.records_per_hour, b.records + hours * limits_.records_per_hour);
  b.bytes = std::min(limits_.bytes_per_hour, b.bytes + hours * limits_.bytes_per_hour);
  b.at = now_s;
  return b;
}

Status AppendQuota::Check(const std::string& participant, double now_s, QuotaPending pending) {
  std::lock_guard<std::mutex> lock(mu_);
  Bucket b = Refilled(participant, now_s);
  b.records -= pending.records;
  b.bytes -= pending.bytes;
  // Seconds until the bucket holds one record and no byte debt (a record may overdraw bytes).
  double wait = 0;
  if (limits_.records_per_hour > 0 && b.records < 1) {
    wait = std::max(wait, (1 - b.records) / limits_.records_per_hour * 3600);
  }
  if (limits_.bytes_per_hour > 0 && b.bytes < 0) {
    wait = std::max(wait, -b.bytes / limits_.bytes_per_hour * 3600);
  }
  if (wait <= 0) return Status::Ok();
  return Status(Code::kTooManyRequests,
                "\"" + participant +
                    "\" has used its append quota for now (records or bytes per hour, set by the "
                    "operator); retry later",
                {{"retry_after", std::to_string(static_cast<int64_t>(std::ceil(wait)))}});
}

void AppendQuota::Charge(const std::string& participant, size_t bytes, double now_s) {
  std::lock_guard<std::mutex> lock(mu_);
  Bucket& b = Refilled(participant, now_s);
  if (limits_.records_per_hour > 0) b.records -= 1;
  if (limits_.bytes_per_hour > 0) b.bytes -= static_cast<double>(bytes);
}

}  // namespace vigil::api
