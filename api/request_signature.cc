#include "api/request_signature.h"

#include <charconv>
#include <optional>

namespace vigil::api {

namespace {

constexpr std::string_view kComponents = R"(("@method" "@path" "@query" "content-digest"))";
constexpr std::string_view kLabel = "vigil=";

std::string SignatureParams(int64_t created, std::string_view key_id, std::string_view nonce) {
  return std::string(kComponents) + ";created=" + std::to_string(created) + ";keyid=\"" +
         std::string(key_id) + "\";alg=\"ed25519\";nonce=\"" + std::string(nonce) + "\"";
}

std::string Base(const SignedRequestParts& req, std::string_view origin, std::string_view digest,
                 std::string_view params) {
  const size_t q = req.target.find('?');
  const std::string path = req.target.substr(0, q);
  const std::string query = q == std::string::npos ? "?" : req.target.substr(q);
  std::string base = SignaturePrefix(SignContext::kRequest, origin);
  base += "\"@method\": " + req.method + "\n";
  base += "\"@path\": " + path + "\n";
  base += "\"@query\": " + query + "\n";
  base += "\"content-digest\": " + std::string(digest) + "\n";
  base += "\"@signature-params\": " + std::string(params);
  return base;
}

Status Bad(std::string_view why) {
  return Status(Code::kUnauthenticated, "request signature: " + std::string(why));
}

// Value of `;name=` in params: quoted string or integer.
std::optional<std::string> Param(std::string_view params, std::string_view name) {
  const std::string needle = ";" + std::string(name) + "=";
  size_t pos = params.find(needle);
  if (pos == std::string_view::npos) return std::nullopt;
  pos += needle.size();
  if (pos < params.size() && params[pos] == '"') {
    size_t end = params.find('"', pos + 1);
    if (end == std::string_view::npos) return std::nullopt;
    return std::string(params.substr(pos + 1, end - pos - 1));
  }
  size_t end = params.find(';', pos);
  return std::string(params.substr(pos, end == std::string_view::npos ? end : end - pos));
}

}  // namespace

std::string ContentDigest(std::string_view body) {
  return "sha-256=:" + Base64(Sha256(body)) + ":";
}

std::map<std::string, std::string> SignRequest(const SignedRequestParts& req, const SecretKey& key,
                                               std::string_view origin, int64_t created,
                                               std::string_view nonce) {
  const std::string digest = ContentDigest(req.body);
  const std::string params = SignatureParams(created, key.Id(), nonce);
  const std::string base = Base(req, origin, digest, params);
  std::string sig = key.SignRaw(base);
  return {{"Content-Digest", digest},
          {"Signature-Input", std::string(kLabel) + params},
          {"Signature", std::string(kLabel) + ":" + Base64Encode(sig) + ":"}};
}

Result<SignatureClaims> ParseSignedRequest(const SignedRequestParts& req, std::string_view origin,
                                           std::string_view content_digest,
                                           std::string_view signature_input,
                                           std::string_view signature) {
  if (signature_input.empty() || signature.empty()) {
    return Bad("this route needs a signed request (Signature-Input and Signature headers)");
  }
  if (content_digest != ContentDigest(req.body)) {
    return Bad("Content-Digest is missing or does not match the body");
  }
  if (signature_input.substr(0, kLabel.size()) != kLabel ||
      signature.substr(0, kLabel.size()) != kLabel) {
    return Bad("the signature label must be \"vigil\"");
  }
  std::string_view params = signature_input.substr(kLabel.size());
  if (params.substr(0, kComponents.size()) != kComponents) {
    return Bad(std::string("the covered components must be exactly ") + std::string(kComponents));
  }
  SignatureClaims c;
  std::optional<std::string> created = Param(params, "created");
  std::optional<std::string> keyid = Param(params, "keyid");
  std::optional<std::string> alg = Param(params, "alg");
  std::optional<std::string> nonce = Param(params, "nonce");
  if (!created || !keyid || !alg || !nonce) {
    return Bad("Signature-Input needs created, keyid, alg and nonce");
  }
  if (*alg != "ed25519") return Bad("alg must be ed25519");
  if (nonce->size() < 16 || nonce->size() > 128 ||
      nonce->find_first_not_of(
          "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") !=
          std::string::npos) {
    return Bad("nonce must be 16 to 128 letters, digits, '-' or '_'");
  }
  auto [ptr, ec] = std::from_chars(created->data(), created->data() + created->size(), c.created);
  if (ec != std::errc() || ptr != created->data() + created->size()) {
    return Bad("created must be an integer (unix seconds)");
  }
  // The parameters must be exactly what a signer writes, so the base is unambiguous.
  if (params != SignatureParams(c.created, *keyid, *nonce)) {
    return Bad("Signature-Input parameters must be in the documented order and form");
  }
  std::string_view sig = signature.substr(kLabel.size());
  if (sig.size() < 2 || sig.front() != ':' || sig.back() != ':') {
    return Bad("Signature must be vigil=:<base64>:");
  }
  Result<Bytes> raw = Base64Decode(sig.substr(1, sig.size() - 2));
  if (!raw.ok() || raw->size() != 64) return Bad("Signature is not a 64-byte base64 value");
  c.key_id = *keyid;
  c.nonce = *nonce;
  c.signature = *raw;
  c.base = Base(req, origin, content_digest, params);
  return c;
}

}  // namespace vigil::api
