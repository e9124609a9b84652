// Who is calling: verifies a signed request (api/request_signature.h) against the registry and
// answers with the caller's participant and role. Also the role rules of DESIGN §1 that do not
// depend on a record's content.
//
// Replay protection: a nonce is accepted once within the signature time window; the cache is
// bounded (oldest forgotten first, which is safe because their `created` has expired by then
// unless the server is flooded, in which case stale-time checks still apply).
// Thread-safe.
#ifndef VIGIL_API_AUTH_H_
#define VIGIL_API_AUTH_H_

#include <httplib.h>

#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <unordered_map>

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
  explicit Authenticator(Log& log, size_t max_nonces = 200000)
      : log_(log), max_nonces_(max_nonces) {}

  // The caller of `req` at server time `now_s` (unix seconds). Errors: kUnauthenticated (no
  // signature, malformed, stale, replayed, unknown or revoked key, signature does not verify),
  // kIoError.
  Result<Caller> Authenticate(const httplib::Request& req, int64_t now_s);

 private:
  bool RememberNonce(const std::string& key_id, const std::string& nonce, int64_t expires);

  Log& log_;
  const size_t max_nonces_;
  std::mutex mu_;
  std::unordered_map<std::string, int64_t> nonces_;          // key id + nonce -> expiry
  std::deque<std::pair<int64_t, std::string>> nonce_order_;  // (expiry, key) oldest first
};

}  // namespace vigil::api

#endif  // VIGIL_API_AUTH_H_
