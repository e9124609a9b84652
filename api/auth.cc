#include "api/auth.h"

#include <algorithm>

#include "api/request_signature.h"
#include "ledger/txn_state_store.h"

namespace vigil::api {

namespace {
Status Unauthenticated(std::string why) {
  return Status(Code::kUnauthenticated, "request signature: " + why);
}
}  // namespace

void Authenticator::ForgetExpired(KeyNonces& k, int64_t now_s) {
  // A request carrying an expired nonce is refused as stale anyway.
  while (!k.order.empty() && k.order.top().first < now_s) {
    k.expiry.erase(k.order.top().second);
    k.order.pop();
    --total_nonces_;
  }
}

Status Authenticator::RememberNonce(const std::string& key_id, const std::string& nonce,
                                    int64_t expires, int64_t now_s) {
  std::lock_guard<std::mutex> lock(mu_);
  // Other keys' expired nonces still count towards the server's total until they are swept:
  // when it is full, sweep them all (at most once a second, so a full server costs no more).
  if (total_nonces_ >= max_nonces_ && now_s != last_sweep_s_) {
    last_sweep_s_ = now_s;
    for (auto it = nonces_.begin(); it != nonces_.end();) {
      ForgetExpired(it->second, now_s);
      it = it->second.expiry.empty() ? nonces_.erase(it) : std::next(it);
    }
  }
  KeyNonces& k = nonces_[key_id];
  ForgetExpired(k, now_s);
  if (k.expiry.count(nonce) != 0) {
    return Unauthenticated("this nonce was already used (a replayed request)");
  }
  if (k.expiry.size() >= max_nonces_per_key_ || total_nonces_ >= max_nonces_) {
    // Refuse rather than forget an unexpired nonce. Retry when this key's oldest expires (a
    // full server: when most could have, at worst the whole window).
    const int64_t wait =
        k.order.empty() ? 2 * kSignatureMaxAgeSeconds : k.order.top().first - now_s + 1;
    if (k.expiry.empty()) nonces_.erase(key_id);
    return Status(Code::kTooManyRequests,
                  "too many signed requests with this key in the last " +
                      std::to_string(2 * kSignatureMaxAgeSeconds) + " s; retry later",
                  {{"retry_after", std::to_string(std::max<int64_t>(wait, 1))}});
  }
  k.expiry.emplace(nonce, expires);
  k.order.emplace(expires, nonce);
  ++total_nonces_;
  return Status::Ok();
}

Result<std::optional<Caller>> Authenticator::KeyHolder(const std::string& key_id) {
  Result<db::Txn> txn = log_.BeginRead();
  if (!txn.ok()) return txn.status();
  TxnStateStore state(*txn);
  Result<std::optional<KeyRecord>> key = LoadKey(state, key_id);
  if (!key.ok()) return key.status();
  if (!key->has_value()) return std::optional<Caller>();
  Result<std::optional<Participant>> p = LoadParticipant(state, (*key)->participant);
  if (!p.ok()) return p.status();
  if (!p->has_value()) return std::optional<Caller>();
  return std::optional<Caller>(Caller{(*p)->id, (*p)->role, key_id});
}

Result<Caller> Authenticator::Authenticate(const httplib::Request& req, int64_t now_s) {
  SignedRequestParts parts{req.method, req.target, req.body};
  Result<SignatureClaims> claims = ParseSignedRequest(
      parts, log_.info().origin, req.get_header_value("Content-Digest"),
      req.get_header_value("Signature-Input"), req.get_header_value("Signature"));
  if (!claims.ok()) return claims.status();
  if (claims->created > now_s + kSignatureMaxAgeSeconds ||
      claims->created < now_s - kSignatureMaxAgeSeconds) {
    return Unauthenticated("created is more than " + std::to_string(kSignatureMaxAgeSeconds) +
                           " s from the server's clock; check the client's clock");
  }
  Result<db::Txn> txn = log_.BeginRead();
  if (!txn.ok()) return txn.status();
  TxnStateStore state(*txn);
  Result<std::optional<KeyRecord>> key = LoadKey(state, claims->key_id);
  if (!key.ok()) return key.status();
  // Whether the key exists is told only to whoever holds it: an unknown key and a signature
  // that does not verify get the same answer.
  if (!key->has_value() || !(*key)->public_key.VerifyRaw(claims->base, claims->signature)) {
    return Unauthenticated(
        "the signature does not verify with a registered key for this log, method, path, query "
        "and body");
  }
  if ((*key)->revoked_seq.has_value()) {
    return Unauthenticated("key " + claims->key_id + " has been revoked");
  }
  Result<std::optional<Participant>> p = LoadParticipant(state, (*key)->participant);
  if (!p.ok()) return p.status();
  if (!p->has_value() || (*p)->revoked) {
    return Unauthenticated("participant \"" + (*key)->participant + "\" is not active");
  }
  // Only a verified signature may consume a nonce, so nobody can burn someone else's.
  VIGIL_RETURN_IF_ERROR(RememberNonce(claims->key_id, claims->nonce,
                                      claims->created + kSignatureMaxAgeSeconds, now_s));
  return Caller{(*p)->id, (*p)->role, claims->key_id};
}

}  // namespace vigil::api
