// Signed HTTP requests (docs/api.md "Signing requests"), after RFC 9421 HTTP Message Signatures
// with the `ed25519` algorithm and an RFC 9530 Content-Digest.
//
// A client sends three headers:
//   Content-Digest: sha-256=:<base64 SHA-256 of the body (empty body too)>:
//   Signature-Input: vigil=("@method" "@path" "@query" "content-digest");created=<unix s>;
//                    keyid="<key id>";alg="ed25519";nonce="<16+ random chars>"
//   Signature: vigil=:<base64 Ed25519 signature>:
// The signature is over "vigil/v2/request\n", the log's origin and "\n" (keys/key.h
// SignaturePrefix), followed by the RFC 9421 signature base of those components. Used by the server
// (verify) and by the vigil command (sign), so both build the base with the same code. Pure and
// thread-safe.
#ifndef VIGIL_API_REQUEST_SIGNATURE_H_
#define VIGIL_API_REQUEST_SIGNATURE_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "keys/key.h"
#include "keys/result.h"

namespace vigil::api {

// How far a signature's `created` may be from the server's clock, either way.
inline constexpr int64_t kSignatureMaxAgeSeconds = 300;

struct SignedRequestParts {
  std::string method;  // "GET"
  std::string target;  // path and query exactly as sent, e.g. "/v1/stock?participant=b1"
  std::string body;
};

// The three headers that sign `req` for the log `origin` with `key` at time `created` (unix
// seconds) and `nonce`.
std::map<std::string, std::string> SignRequest(const SignedRequestParts& req, const SecretKey& key,
                                               std::string_view origin, int64_t created,
                                               std::string_view nonce);

// What a valid Signature-Input declares.
struct SignatureClaims {
  std::string key_id;
  int64_t created = 0;
  std::string nonce;
  std::string signature;  // 64 raw bytes
  std::string base;       // the signed message (context line + signature base)
};

// Parses the headers of a request to the log `origin` and checks their shape and the body
// digest; the caller
// looks up the key, checks the time window and the nonce, and verifies `signature` over
// `base`. Errors: kUnauthenticated with a message naming what is wrong (missing header,
// wrong components, bad digest, unsupported alg).
Result<SignatureClaims> ParseSignedRequest(const SignedRequestParts& req, std::string_view origin,
                                           std::string_view content_digest,
                                           std::string_view signature_input,
                                           std::string_view signature);

// "sha-256=:<base64>:" of `body`.
std::string ContentDigest(std::string_view body);

}  // namespace vigil::api

#endif  // VIGIL_API_REQUEST_SIGNATURE_H_
