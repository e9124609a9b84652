// The fixed routes of DESIGN §6 that serve the log itself: checkpoint, tiles, log facts,
// appends, entries, proofs, health and metrics.
#include <httplib.h>

#include <charconv>
#include <chrono>

#include "api/problem.h"
#include "api/server.h"
#include "ledger/checkpoint.h"
#include "ledger/merkle.h"
#include "ledger/payload.h"
#include "ledger/state.h"

namespace vigil::api {

namespace {

constexpr char kJson[] = "application/json";

// A required unsigned decimal query parameter.
Result<uint64_t> UintParam(const httplib::Request& req, const char* name) {
  if (!req.has_param(name)) {
    return Status(Code::kInvalidArgument, std::string("query parameter \"") + name + "\" is required");
  }
  const std::string v = req.get_param_value(name);
  uint64_t out = 0;
  auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (v.empty() || ec != std::errc() || ptr != v.data() + v.size()) {
    return Status(Code::kInvalidArgument,
                  std::string("query parameter \"") + name + "\" must be a non-negative integer");
  }
  return out;
}

nlohmann::json HashesJson(const std::vector<Hash>& hashes) {
  nlohmann::json a = nlohmann::json::array();
  for (const Hash& h : hashes) a.push_back(Base64(h));
  return a;
}

// The size in a checkpoint note we produced ourselves (no signature check needed).
Result<uint64_t> CheckpointSize(const std::string& note) {
  Result<Checkpoint> c = ParseCheckpointBody(note.substr(0, note.find("\n\n") + 1));
  if (!c.ok()) return c.status();
  return c->size;
}

// Parses the body of POST /v1/entries.
Result<Submission> ParseSubmission(const std::string& body) {
  Result<nlohmann::json> j = ParseJson(body);
  if (!j.ok()) return Status(Code::kInvalidArgument, "the body is " + j.status().message());
  if (!j->is_object()) return Status(Code::kInvalidArgument, "the body must be a JSON object");
  Submission sub;
  for (const auto& [name, value] : j->items()) {
    if (name != "signer" && name != "payload" && name != "sig" && name != "cosigners" &&
        name != "personal" && name != "personal_salt") {
      return Status(Code::kInvalidArgument, "unknown field \"" + name + "\" in the body");
    }
  }
  for (const char* f : {"signer", "payload", "sig"}) {
    if (!j->contains(f) || !(*j)[f].is_string()) {
      return Status(Code::kInvalidArgument, std::string("the body needs a string \"") + f + "\"");
    }
  }
  for (const char* f : {"personal", "personal_salt"}) {
    if (j->contains(f) && !(*j)[f].is_string()) {
      return Status(Code::kInvalidArgument, std::string("\"") + f + "\" must be a string");
    }
  }
  sub.personal = j->value("personal", "");
  sub.personal_salt = j->value("personal_salt", "");
  sub.signer = (*j)["signer"].get<std::string>();
  sub.payload = (*j)["payload"].get<std::string>();
  Result<Bytes> sig = Base64Decode((*j)["sig"].get<std::string>());
  if (!sig.ok() || sig->size() != 64) {
    return Status(Code::kInvalidArgument, "\"sig\" must be a base64 64-byte Ed25519 signature");
  }
  sub.sig = *sig;
  if (j->contains("cosigners")) {
    const nlohmann::json& cs = (*j)["cosigners"];
    if (!cs.is_array() || cs.size() > 8) {
      return Status(Code::kInvalidArgument, "\"cosigners\" must be an array of at most 8");
    }
    for (const auto& c : cs) {
      if (!c.is_object() || !c.contains("signer") || !c["signer"].is_string() ||
          !c.contains("sig") || !c["sig"].is_string() || c.size() != 2) {
        return Status(Code::kInvalidArgument,
                      "each cosigner must be {\"signer\": key id, \"sig\": base64}");
      }
      Result<Bytes> csig = Base64Decode(c["sig"].get<std::string>());
      if (!csig.ok() || csig->size() != 64) {
        return Status(Code::kInvalidArgument, "a cosigner \"sig\" must be a base64 64-byte signature");
      }
      sub.cosigners.push_back({c["signer"].get<std::string>(), *csig});
    }
  }
  return sub;
}

void SendReceipt(const httplib::Request& req, httplib::Response& res, const Receipt& r) {
  if (req.get_param_value("format") == "tlog-proof") {
    res.set_content(ReceiptToTlogProof(r), "text/plain; charset=utf-8");
  } else {
    res.set_content(ReceiptToJson(r).dump(), kJson);
  }
}

}  // namespace

void Server::LogRoutes() {
  httplib::Server& http = *http_;

  http.Get("/checkpoint", [this](const httplib::Request&, httplib::Response& res) {
    Result<std::string> cp = log_.LatestCheckpoint();
    if (!cp.ok()) return Fail(res, cp.status());
    res.set_header("Cache-Control", "no-cache");
    res.set_content(*cp, "text/plain; charset=utf-8");
  });

  http.Get(R"(/tile/(.+))", [this](const httplib::Request& req, httplib::Response& res) {
    Result<TileRef> tile = ParseTilePath(req.matches[1].str());
    if (!tile.ok()) return Fail(res, tile.status());
    if (tile->level == TileRef::kEntries) {
      std::optional<Caller> caller = Authenticate(req, res);
      if (!caller.has_value()) return;
      if (!caller->reads_everything()) {
        return Fail(res, Status(Code::kPermissionDenied,
                                "entry bundles hold every participant's records; a business "
                                "reads its own through /v1/entries"));
      }
    }
    Result<std::string> bytes = log_.ReadTile(*tile);
    if (!bytes.ok()) return Fail(res, bytes.status());
    res.set_header("Cache-Control", tile->full() ? "public, max-age=31536000, immutable"
                                                 : "no-cache");
    res.set_content(*bytes, "application/octet-stream");
  });

  http.Get("/v1/log", [this](const httplib::Request&, httplib::Response& res) {
    const LogInfo& info = log_.info();
    nlohmann::json j = {{"origin", info.origin},
                        {"verifier_key", info.verifier_key},
                        {"size", log_.Size()},
                        {"jurisdiction", info.jurisdiction}};
    res.set_header("Cache-Control", "no-cache");
    res.set_content(j.dump(), kJson);
  });

  http.Post("/v1/entries", [this](const httplib::Request& req, httplib::Response& res) {
    Result<Submission> sub = ParseSubmission(req.body);
    if (!sub.ok()) return Fail(res, sub.status());
    Result<Appended> appended = writer_.Submit(std::move(*sub));
    if (!appended.ok()) return Fail(res, appended.status());
    res.status = appended->duplicate ? 200 : 201;
    SendReceipt(req, res, appended->receipt);
  });

  http.Get(R"(/v1/entries/(\d{1,19}))", [this](const httplib::Request& req, httplib::Response& res) {
    std::optional<Caller> caller = Authenticate(req, res);
    if (!caller.has_value()) return;
    const uint64_t seq = std::stoull(req.matches[1].str());
    Result<std::string> cp = log_.LatestCheckpoint();
    if (!cp.ok()) return Fail(res, cp.status());
    Result<uint64_t> size = CheckpointSize(*cp);
    if (!size.ok()) return Fail(res, size.status());
    if (seq >= *size) {
      return Fail(res, Status(Code::kNotFound, "no entry " + std::to_string(seq) +
                                                   "; the log has " + std::to_string(*size)));
    }
    Result<std::string> entry = log_.EntryAt(seq);
    if (!entry.ok()) return Fail(res, entry.status());
    if (!caller->reads_everything()) {
      Result<Entry> e = DecodeEntry(*entry);
      Result<Payload> p = e.ok() ? ParsePayload(e->payload) : Result<Payload>(e.status());
      if (!p.ok()) return Fail(res, p.status());
      std::vector<std::string> named = ParticipantsNamed(*p);
      if (std::find(named.begin(), named.end(), caller->participant) == named.end()) {
        return Fail(res, Status(Code::kPermissionDenied,
                                "entry " + std::to_string(seq) + " does not concern \"" +
                                    caller->participant + "\""));
      }
    }
    Result<std::vector<Hash>> proof = log_.InclusionProof(seq, *size);
    if (!proof.ok()) return Fail(res, proof.status());
    nlohmann::json j = {{"entry", *entry},
                        {"leaf_hash", Base64(merkle::HashLeaf(*entry))},
                        {"inclusion", HashesJson(*proof)},
                        {"checkpoint", *cp}};
    res.set_content(j.dump(), kJson);
  });

  http.Get("/v1/proof/inclusion", [this](const httplib::Request& req, httplib::Response& res) {
    const auto start = std::chrono::steady_clock::now();
    Result<uint64_t> seq = UintParam(req, "seq");
    Result<uint64_t> size = UintParam(req, "size");
    if (!seq.ok()) return Fail(res, seq.status());
    if (!size.ok()) return Fail(res, size.status());
    Result<std::vector<Hash>> proof = log_.InclusionProof(*seq, *size);
    if (!proof.ok()) return Fail(res, proof.status());
    CountProof(start);
    res.set_content(nlohmann::json({{"proof", HashesJson(*proof)}}).dump(), kJson);
  });

  http.Get("/v1/proof/consistency", [this](const httplib::Request& req, httplib::Response& res) {
    const auto start = std::chrono::steady_clock::now();
    Result<uint64_t> from = UintParam(req, "from");
    Result<uint64_t> to = UintParam(req, "to");
    if (!from.ok()) return Fail(res, from.status());
    if (!to.ok()) return Fail(res, to.status());
    Result<std::vector<Hash>> proof = log_.ConsistencyProof(*from, *to);
    if (!proof.ok()) return Fail(res, proof.status());
    CountProof(start);
    res.set_content(nlohmann::json({{"proof", HashesJson(*proof)}}).dump(), kJson);
  });

  http.Get("/healthz", [this](const httplib::Request&, httplib::Response& res) {
    const bool writable = !log_.env().failed();
    nlohmann::json j = {{"status", writable ? "ok" : "read-only"},
                        {"size", log_.Size()},
                        {"writable", writable}};
    res.status = writable ? 200 : 503;
    res.set_content(j.dump(), kJson);
  });

  http.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(MetricsText(), "text/plain; version=0.0.4");
  });
}

}  // namespace vigil::api
