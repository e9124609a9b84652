// Who is calling: verifies a signed request (api/request_signature.h) against the registry and
// answers with the caller's participant and role. Also the role rules of DESIGN §1 that do not
// depend on a record's content.
//
// Replay protection: a nonce is accepted once while its signature's `created` is within the
// time window, and is remembered until then. Nothing unexpired is ever forgotten: a key that
// has `max_nonces_per_key` unexpired nonces, or a server holding `max_nonces` in all, refuses
// further requests (kTooManyRequests with the seconds until one expires) instead of evicting
// one, so no amount of traffic makes a captured request replayable.
//
// Nothing about a key is revealed before its signature verifies: an unknown key and a wrong
// signature get the same answer. Thread-safe.
#ifndef VIGIL_API_AUTH_H_
#define VIGIL_API_AUTH_H_

#include <httplib.h>

#include <cstdint>
#include <mutex>
#include <queue>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "keys/result.h"
#include "ledger/access.h"
#include "ledger/log/log.h"
#include "ledger/state/state.h"

namespace vigil::api {

struct Caller {
  std::string participant;
  Role role = Role::kBusiness;
  std::string key_id;
  // True for roles that may read about every participant (authority, police, inspector); which
  // records they then see is ledger/access.h's.
  bool reads_everything() const { return access::ReadsEveryParticipant(role); }
};

class Authenticator {
 public:
  // `log` must remain live while this authenticator is in use.
  explicit Authenticator(Log& log, size_t max_nonces_per_key = 20000, size_t max_nonces = 1000000)
      : log_(log), max_nonces_per_key_(max_nonces_per_key), max_nonces_(max_nonces) {}

  // The caller of `req` at server time `now_s` (unix seconds). Errors: kUnauthenticated (no
  // signature, malformed, stale, replayed, unknown or revoked key, signature does not verify),
  // kTooManyRequests (the nonce budget is used up), kIoError.
  Result<Caller> Authenticate(const httplib::Request& req, int64_t now_s);

  // The participant and role that registered key `key_id`, if any, without any signature
  // check: for charging a quota after the log accepted a record signed by it, never for
  // deciding what a request may do. Errors: kIoError.
  Result<std::optional<Caller>> KeyHolder(const std::string& key_id);

 private:
  // Records `nonce` of `key_id` until `expires`. kUnauthenticated if it was used,
  // kTooManyRequests if a budget is full.
  Status RememberNonce(const std::string& key_id, const std::string& nonce, int64_t expires,
                       int64_t now_s);

  struct KeyNonces {
    std::unordered_map<std::string, int64_t> expiry;  // nonce -> expiry (unix s)
    // (expiry, nonce), soonest first: what to forget once it has expired.
    std::priority_queue<std::pair<int64_t, std::string>,
                        std::vector<std::pair<int64_t, std::string>>, std::greater<>>
        order;
  };

  // Drops the nonces of `k` that expired before `now_s`. Needs mu_.
  void ForgetExpired(KeyNonces& k, int64_t now_s);

  Log& log_;
  const size_t max_nonces_per_key_;
  const size_t max_nonces_;
  std::mutex mu_;
  std::unordered_map<std::string, KeyNonces> nonces_;  // GUARDED_BY(mu_); by key id
  size_t total_nonces_ = 0;                            // GUARDED_BY(mu_)
  int64_t last_sweep_s_ = 0;                           // GUARDED_BY(mu_)
};

}  // namespace vigil::api

#endif  // VIGIL_API_AUTH_H_
