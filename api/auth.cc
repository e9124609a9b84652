#include "api/auth.h"

#include "api/request_signature.h"
#include "ledger/txn_state_store.h"

namespace vigil::api {

namespace {
Status Unauthenticated(std::string why) {
  return Status(Code::kUnauthenticated, "request signature: " + why);
}
}  // namespace

bool Authenticator::RememberNonce(const std::string& key_id, const std::string& nonce,
                                  int64_t expires) {
  std::lock_guard<std::mutex> lock(mu_);
  while (!nonce_order_.empty() &&
         (nonce_order_.front().first < expires - 2 * kSignatureMaxAgeSeconds ||
          nonces_.size() >= max_nonces_)) {
    nonces_.erase(nonce_order_.front().second);
    nonce_order_.pop_front();
  }
  std::string k = key_id + "/" + nonce;
  if (!nonces_.emplace(k, expires).second) return false;
  nonce_order_.emplace_back(expires, std::move(k));
  return true;
}

Result<Caller> Authenticator::Authenticate(const httplib::Request& req, int64_t now_s) {
  SignedRequestParts parts{req.method, req.target, req.body};
  Result<SignatureClaims> claims = ParseSignedRequest(parts, req.get_header_value("Content-Digest"),
                                                      req.get_header_value("Signature-Input"),
                                                      req.get_header_value("Signature"));
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
  if (!key->has_value()) return Unauthenticated("key " + claims->key_id + " is not registered");
  if ((*key)->revoked_seq.has_value()) {
    return Unauthenticated("key " + claims->key_id + " has been revoked");
  }
  if (!(*key)->public_key.VerifyRaw(claims->base, claims->signature)) {
    return Unauthenticated("the signature does not verify for this method, path, query and body");
  }
  Result<std::optional<Participant>> p = LoadParticipant(state, (*key)->participant);
  if (!p.ok()) return p.status();
  if (!p->has_value() || (*p)->revoked) {
    return Unauthenticated("participant \"" + (*key)->participant + "\" is not active");
  }
  // Only a verified signature may consume a nonce, so nobody can burn someone else's.
  if (!RememberNonce(claims->key_id, claims->nonce, claims->created + kSignatureMaxAgeSeconds)) {
    return Unauthenticated("this nonce was already used (a replayed request)");
  }
  return Caller{(*p)->id, (*p)->role, claims->key_id};
}

}  // namespace vigil::api
