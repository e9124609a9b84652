// The fixed routes of DESIGN §6 that serve the log itself: checkpoint, tiles, log facts,
// appends, entries, proofs, health and metrics.
#include <httplib.h>

#include <charconv>
#include <chrono>
#include <thread>

#include "api/problem.h"
#include "api/server.h"
#include "api/witnessing.h"
#include "ledger/access.h"
#include "ledger/admission.h"
#include "ledger/dry_run.h"
#include "ledger/log/checkpoint.h"
#include "ledger/log/merkle.h"
#include "ledger/state/payload.h"
#include "ledger/state/state.h"

namespace vigil::api {

namespace {

constexpr char kJson[] = "application/json";

// A required unsigned decimal query parameter.
Result<uint64_t> UintParam(const httplib::Request& req, const char* name) {
  if (!req.has_param(name)) {
    return Status(Code::kInvalidArgument,
                  std::string("query parameter \"") + name + "\" is required");
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

// Parses the body of POST /v1/entries (already parsed as JSON: `*j`), or one item of a batch.
// (A pointer: a json parameter would also take the std::string overload's argument.)
Result<Submission> ParseSubmission(const nlohmann::json* j) {
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
  if (j->contains("personal") || j->contains("personal_salt")) {
    RecordAttachment& side = AttachmentOf(sub);
    side.personal = j->value("personal", "");
    side.personal_salt = j->value("personal_salt", "");
  }
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
        return Status(Code::kInvalidArgument,
                      "a cosigner \"sig\" must be a base64 64-byte signature");
      }
      sub.cosigners.push_back({c["signer"].get<std::string>(), *csig});
    }
  }
  return sub;
}

Result<Submission> ParseSubmission(const std::string& body) {
  Result<nlohmann::json> j = ParseJson(body);
  if (!j.ok()) return Status(Code::kInvalidArgument, "the body is " + j.status().message());
  return ParseSubmission(&*j);
}

// Whether the request asks for a dry run: "?dry_run=true"; absent or "false" is a real append.
Result<bool> DryRunParam(const httplib::Request& req) {
  if (!req.has_param("dry_run")) return false;
  const std::string v = req.get_param_value("dry_run");
  if (v == "true") return true;
  if (v == "false") return false;
  return Status(Code::kInvalidArgument, "query parameter \"dry_run\" must be true or false");
}

// The items of a batch body {"entries": [append body, ...]} (1 to kMaxBatchItems).
Result<nlohmann::json> ParseBatch(const std::string& body) {
  Result<nlohmann::json> j = ParseJson(body);
  if (!j.ok()) return Status(Code::kInvalidArgument, "the body is " + j.status().message());
  if (!j->is_object() || !j->contains("entries") || j->size() != 1) {
    return Status(Code::kInvalidArgument,
                  "the body must be a JSON object with one member, \"entries\": an array of "
                  "append bodies");
  }
  nlohmann::json& entries = (*j)["entries"];
  if (!entries.is_array() || entries.empty() || entries.size() > kMaxBatchItems) {
    return Status(Code::kInvalidArgument, "\"entries\" must be an array of 1 to " +
                                              std::to_string(kMaxBatchItems) +
                                              " append bodies; split larger batches");
  }
  return std::move(entries);
}

// One refused item of a batch: its status and exactly the problem the single route answers.
nlohmann::json ItemProblem(const Status& s) {
  nlohmann::json item = {{"status", HttpStatus(s.code())}, {"problem", ProblemJson(s)}};
  if (s.code() == Code::kTooManyRequests && !s.details().empty()) {
    item["retry_after"] = s.details()[0].message;  // the Retry-After the single route sends
  }
  return item;
}

// Whether the caller may read this entry (ledger/access.h: a business only the entries that
// concern it; police notes only authority and police; thresholds not a business).
Status CheckMayRead(const Caller& caller, const std::string& entry, uint64_t seq) {
  if (access::ReadsAllEntries(caller.role)) return Status::Ok();
  Result<Entry> e = DecodeEntry(entry);
  Result<Payload> p = e.ok() ? ParsePayload(e->payload) : Result<Payload>(e.status());
  if (!p.ok()) return p.status();
  if (!access::MayReadEntry(caller.role, caller.participant, *p)) {
    return Status(Code::kPermissionDenied, "entry " + std::to_string(seq) +
                                               " is not readable by \"" + caller.participant +
                                               "\" (" + std::string(RoleName(caller.role)) + ")");
  }
  return Status::Ok();
}

// Seconds on the steady clock (the quota's time).
double SteadySeconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

void SendReceipt(const httplib::Request& req, httplib::Response& res, const Receipt& r) {
  if (req.get_param_value("format") == "tlog-proof") {
    res.set_content(ReceiptToTlogProof(r), "text/plain; charset=utf-8");
  } else {
    res.set_content(ReceiptToJson(r), kJson);
  }
}

}  // namespace

Result<std::optional<std::string>> Server::CheckQuota(
    const Submission& sub, double now_s, std::unordered_map<std::string, QuotaPending>* batch) {
  Result<std::optional<Caller>> holder = auth_.KeyHolder(sub.signer);
  if (!holder.ok() || !holder->has_value() || !AppendQuota::Limited((*holder)->role)) {
    return std::optional<std::string>();
  }
  const std::string& participant = (*holder)->participant;
  if (batch == nullptr) {
    VIGIL_RETURN_IF_ERROR(quota_.Check(participant, now_s));
  } else {
    QuotaPending& pending = (*batch)[participant];
    VIGIL_RETURN_IF_ERROR(quota_.Check(participant, now_s, pending));
    pending.records += 1;
    pending.bytes += static_cast<double>(sub.payload.size());
  }
  return std::optional<std::string>(participant);
}

std::vector<Route> Server::LogRoutes() {
  std::vector<Route> r;

  // With witnesses, the newest checkpoint the quorum cosigned (api/witnessing.h).
  r.push_back({"GET", "/checkpoint", "/checkpoint", Access::kPublic, [this](Call& c) {
                 Result<std::string> cp = witnessing_ != nullptr ? witnessing_->ServedCheckpoint()
                                                                 : log_.LatestCheckpoint();
                 if (!cp.ok()) return Fail(c.res, cp.status());
                 c.res.set_header("Cache-Control", "no-cache");
                 c.res.set_content(*cp, "text/plain; charset=utf-8");
               }});

  // Entry bundles hold every record, police notes included: authority and police only
  // (ledger/access.h). Registered before the hash tiles so that its pattern matches first.
  auto tile = [this](Call& c, const std::string& path) {
    // httplib routes on the percent-decoded path, so "x001%2F234" or "%30" would reach the strict
    // parser as "x001/234" and "0": one tile with many URLs, and caches key on the raw one.
    // C2SP tile paths are plain ASCII with one spelling each, so any '%' is refused.
    if (c.req.target.substr(0, c.req.target.find('?')).find('%') != std::string::npos) {
      return Fail(c.res, Status(Code::kInvalidArgument,
                                "bad tile path: percent-encoding is not allowed in tile paths"));
    }
    Result<TileRef> tile_ref = ParseTilePath(path);
    if (!tile_ref.ok()) return Fail(c.res, tile_ref.status());
    Result<std::string> bytes = log_.ReadTile(*tile_ref);
    if (!bytes.ok()) return Fail(c.res, bytes.status());
    // Entry bundles are for signed full readers only: a shared cache must never keep them.
    const bool bundle = tile_ref->level == TileRef::kEntries;
    c.res.set_header("Cache-Control", !tile_ref->full() ? "no-cache"
                                      : bundle          ? "private, max-age=31536000, immutable"
                                                        : "public, max-age=31536000, immutable");
    c.res.set_content(*bytes, "application/octet-stream");
  };
  r.push_back({"GET", R"(/tile/(entries/.+))", "/tile/entries/{N}", Access::kAllEntries,
               [tile](Call& c) { tile(c, c.req.matches[1].str()); }});
  r.push_back({"GET", R"(/tile/(\d+/.+))", "/tile/{L}/{N}", Access::kPublic,
               [tile](Call& c) { tile(c, c.req.matches[1].str()); }});

  r.push_back({"GET", "/v1/log", "/v1/log", Access::kPublic, [this](Call& c) {
                 const LogInfo& info = log_.info();
                 nlohmann::json j = {{"origin", info.origin},
                                     {"verifier_key", info.verifier_key},
                                     {"size", log_.Size()},
                                     {"jurisdiction", ledger_.jurisdiction()}};
                 c.res.set_header("Cache-Control", "no-cache");
                 c.res.set_content(j.dump(), kJson);
               }});

  // Appends need no request signature: the payload itself is signed, and checked by the rules.
  // With ?dry_run=true: the verdict an append would get, nothing appended (ledger/dry_run.h).
  r.push_back({"POST", "/v1/entries", "/v1/entries", Access::kPublic, [this](Call& c) {
                 Result<bool> dry = DryRunParam(c.req);
                 if (!dry.ok()) return Fail(c.res, dry.status());
                 Result<Submission> sub = ParseSubmission(c.req.body);
                 if (!sub.ok()) return Fail(c.res, sub.status());
                 const double now_s = SteadySeconds();
                 Result<std::optional<std::string>> limited = CheckQuota(*sub, now_s);
                 if (!limited.ok()) return Fail(c.res, limited.status());
                 if (*dry) {
                   Result<std::unique_ptr<DryRun>> run = DryRun::Begin(ledger_);
                   if (!run.ok()) return Fail(c.res, run.status());
                   Result<DryRunVerdict> verdict = (*run)->Judge(*sub);
                   if (!verdict.ok()) return Fail(c.res, verdict.status());
                   return c.res.set_content(verdict->ToJson().dump(), kJson);
                 }
                 const size_t bytes = sub->payload.size();
                 Result<Appended> appended = writer_.Submit(std::move(*sub));
                 if (!appended.ok()) return Fail(c.res, appended.status());
                 if (limited->has_value() && !appended->duplicate) {
                   quota_.Charge(**limited, bytes, now_s);
                 }
                 c.res.status = appended->duplicate ? 200 : 201;
                 SendReceipt(c.req, c.res, appended->receipt);
               }});

  // Up to kMaxBatchItems appends in one request, each accepted or refused on its own, answered
  // in order with exactly what the single route answers; with ?dry_run=true, cumulative
  // verdicts (item i judged on the state after the items before it that would be accepted).
  r.push_back({"POST", kBatchPath, kBatchPath, Access::kPublic, [this](Call& c) {
                 Result<bool> dry = DryRunParam(c.req);
                 if (!dry.ok()) return Fail(c.res, dry.status());
                 Result<nlohmann::json> items = ParseBatch(c.req.body);
                 if (!items.ok()) return Fail(c.res, items.status());
                 const double now_s = SteadySeconds();
                 nlohmann::json results = nlohmann::json::array();
                 // Per item: its answer, or (to submit) its submission and quota participant.
                 std::vector<Submission> subs;
                 std::vector<std::optional<std::string>> charged_to;
                 std::vector<size_t> sent_at;  // results index of each of subs
                 std::unique_ptr<DryRun> run;
                 // What the earlier items admitted, so that a batch never spends more quota
                 // than its participant has left (items past it get 429).
                 std::unordered_map<std::string, QuotaPending> admitted;
                 if (*dry) {
                   Result<std::unique_ptr<DryRun>> begun = DryRun::Begin(ledger_);
                   if (!begun.ok()) return Fail(c.res, begun.status());
                   run = std::move(*begun);
                 }
                 for (const nlohmann::json& item : *items) {
                   Result<Submission> sub = ParseSubmission(&item);
                   Result<std::optional<std::string>> limited =
                       sub.ok() ? CheckQuota(*sub, now_s, &admitted)
                                : Result<std::optional<std::string>>(sub.status());
                   if (!limited.ok()) {
                     CountRefusal(limited.status());
                     results.push_back(ItemProblem(limited.status()));
                     continue;
                   }
                   if (run != nullptr) {
                     Result<DryRunVerdict> verdict = run->Judge(*sub);
                     if (!verdict.ok()) {
                       CountRefusal(verdict.status());
                       results.push_back(ItemProblem(verdict.status()));
                     } else {
                       results.push_back(verdict->ToJson());
                     }
                     continue;
                   }
                   sent_at.push_back(results.size());
                   results.push_back(nullptr);
                   charged_to.push_back(std::move(*limited));
                   subs.push_back(std::move(*sub));
                 }
                 std::vector<size_t> bytes;
                 for (const Submission& s : subs) bytes.push_back(s.payload.size());
                 std::vector<Result<Appended>> appended =
                     subs.empty()
                         ? std::vector<Result<Appended>>()
                         : writer_.SubmitMany(std::move(subs),
                                              std::max(1U, std::thread::hardware_concurrency()));
                 for (size_t i = 0; i < appended.size(); ++i) {
                   nlohmann::json& out = results[sent_at[i]];
                   if (!appended[i].ok()) {
                     CountRefusal(appended[i].status());
                     out = ItemProblem(appended[i].status());
                     continue;
                   }
                   if (charged_to[i].has_value() && !appended[i]->duplicate) {
                     quota_.Charge(*charged_to[i], bytes[i], now_s);
                   }
                   out = {{"status", appended[i]->duplicate ? 200 : 201},
                          {"receipt", nlohmann::json::parse(ReceiptToJson(appended[i]->receipt))}};
                 }
                 nlohmann::json answer = {{"results", std::move(results)}};
                 if (*dry) answer = {{"dry_run", true}, {"results", std::move(answer["results"])}};
                 c.res.set_content(answer.dump(), kJson);
               }});

  r.push_back(
      {"GET", R"(/v1/entries/(\d{1,19}))", "/v1/entries/{seq}", Access::kSigned, [this](Call& c) {
         const uint64_t seq = std::stoull(c.req.matches[1].str());
         // The upgraded receipt: with witnesses, proved against the newest cosigned checkpoint
         // once it covers the entry ("cosigned": true), else against the log-signed one.
         std::optional<Witnessing::Cosigned> cosigned;
         if (witnessing_ != nullptr) cosigned = witnessing_->NewestCosigned();
         const bool use_cosigned = cosigned.has_value() && seq < cosigned->size;
         Result<std::string> cp =
             use_cosigned ? Result<std::string>(cosigned->note) : log_.LatestCheckpoint();
         if (!cp.ok()) return Fail(c.res, cp.status());
         Result<uint64_t> size = CheckpointSize(*cp);
         if (!size.ok()) return Fail(c.res, size.status());
         if (seq >= *size) {
           return Fail(
               c.res, Status(Code::kNotFound, "no entry " + std::to_string(seq) + "; the log has " +
                                                  std::to_string(*size)));
         }
         Result<std::string> entry = log_.EntryAt(seq);
         if (!entry.ok()) return Fail(c.res, entry.status());
         if (Status s = CheckMayRead(*c.caller, *entry, seq); !s.ok()) return Fail(c.res, s);
         Result<std::vector<Hash>> proof = log_.InclusionProof(seq, *size);
         if (!proof.ok()) return Fail(c.res, proof.status());
         nlohmann::json j = {{"entry", *entry},
                             {"leaf_hash", Base64(merkle::HashLeaf(*entry))},
                             {"inclusion", HashesJson(*proof)},
                             {"checkpoint", *cp}};
         if (witnessing_ != nullptr) j["cosigned"] = use_cosigned;
         c.res.set_content(j.dump(), kJson);
       }});

  // Both proof routes: two unsigned integer parameters in, {"proof": [base64 hashes]} out.
  using ProofFn = Result<std::vector<Hash>> (Log::*)(uint64_t, uint64_t);
  auto proof_route = [this](const char* path, const char* a, const char* b, ProofFn fn) {
    return Route{"GET", path, path, Access::kPublic, [this, a, b, fn](Call& c) {
                   const auto start = std::chrono::steady_clock::now();
                   Result<uint64_t> x = UintParam(c.req, a);
                   Result<uint64_t> y = UintParam(c.req, b);
                   if (!x.ok()) return Fail(c.res, x.status());
                   if (!y.ok()) return Fail(c.res, y.status());
                   Result<std::vector<Hash>> proof = (log_.*fn)(*x, *y);
                   if (!proof.ok()) return Fail(c.res, proof.status());
                   CountProof(start);
                   c.res.set_content(nlohmann::json({{"proof", HashesJson(*proof)}}).dump(), kJson);
                 }};
  };
  r.push_back(proof_route("/v1/proof/inclusion", "seq", "size", &Log::InclusionProof));
  r.push_back(proof_route("/v1/proof/consistency", "from", "to", &Log::ConsistencyProof));

  r.push_back({"GET", "/healthz", "/healthz", Access::kPublic, [this](Call& c) {
                 const std::optional<std::string> held = log_.SigningHeld();
                 const bool writable = log_.writable() && !held;
                 nlohmann::json j = {{"status", !log_.writable() ? "read-only"
                                                : held           ? "held"
                                                                 : "ok"},
                                     {"size", log_.Size()},
                                     {"writable", writable}};
                 if (held) j["why"] = *held;
                 c.res.status = writable ? 200 : 503;
                 c.res.set_content(j.dump(), kJson);
               }});

  r.push_back({"GET", "/metrics", "/metrics", Access::kPublic,
               [this](Call& c) { c.res.set_content(MetricsText(), "text/plain; version=0.0.4"); }});
  return r;
}

}  // namespace vigil::api
