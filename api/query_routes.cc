// The audit routes of docs/api.md: participants, trails, stock, transfers, inspections, alerts,
// the catalogue and personal side data, with the role rules of DESIGN §1: a business sees only
// what concerns it; inspectors never see personal data.
#include <httplib.h>
#include <spdlog/spdlog.h>

#include <charconv>
#include <chrono>

#include "api/problem.h"
#include "api/server.h"
#include "keys/coding.h"
#include "ledger/access.h"
#include "ledger/log/checkpoint.h"
#include "ledger/log/entry.h"
#include "ledger/log/merkle.h"
#include "ledger/queries.h"

namespace vigil::api {

namespace {

constexpr char kJson[] = "application/json";

std::string Param(const httplib::Request& req, const char* name) {
  return req.has_param(name) ? req.get_param_value(name) : std::string();
}

// ?limit= (1..500, default 100); kInvalidArgument for anything else.
Result<size_t> Limit(const httplib::Request& req) {
  if (!req.has_param("limit")) return size_t{100};
  const std::string v = req.get_param_value("limit");
  size_t n = 0;
  auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || ptr != v.data() + v.size() || n == 0 || n > queries::kMaxPage) {
    return Status(Code::kInvalidArgument, "\"limit\" must be a whole number from 1 to 500");
  }
  return n;
}

// An optional RFC 3339 query parameter.
Result<std::optional<int64_t>> TimeParam(const httplib::Request& req, const char* name) {
  if (!req.has_param(name)) return std::optional<int64_t>();
  Result<int64_t> t = ParseTimestamp(req.get_param_value(name));
  if (!t.ok())
    return Status(Code::kInvalidArgument, std::string("\"") + name + "\": " + t.status().message());
  return std::optional<int64_t>(*t);
}

// A business may ask only about itself.
Status OnlySelf(const Caller& caller, const std::string& participant) {
  if (caller.reads_everything() || participant == caller.participant) return Status::Ok();
  return Status(Code::kPermissionDenied,
                "a business may read only its own records, not those of \"" + participant + "\"");
}

// For list routes: a business's filter is pinned to itself.
Result<std::string> ParticipantFilter(const Caller& caller, const httplib::Request& req,
                                      const char* name) {
  std::string p = Param(req, name);
  if (caller.reads_everything()) return p;
  if (!p.empty() && p != caller.participant) return OnlySelf(caller, p);
  return caller.participant;
}

}  // namespace

std::vector<Route> Server::QueryRoutes() {
  std::vector<Route> r;
  // Runs `body` in one read transaction and answers with its JSON.
  auto read = [this](Call& c, const std::function<Result<nlohmann::json>(db::Txn&)>& body) {
    Result<db::Txn> txn = log_.BeginRead();
    if (!txn.ok()) return Fail(c.res, txn.status());
    Result<nlohmann::json> j = body(*txn);
    if (!j.ok()) return Fail(c.res, j.status());
    c.res.set_content(j->dump(), kJson);
  };
  auto page = [](Result<queries::Page> p) -> Result<nlohmann::json> {
    if (!p.ok()) return p.status();
    return p->ToJson();
  };

  r.push_back(
      {"GET", "/v1/participants", "/v1/participants", Access::kFullReader, [read, page](Call& c) {
         Result<size_t> limit = Limit(c.req);
         if (!limit.ok())
           return read(c, [&](db::Txn&) -> Result<nlohmann::json> { return limit.status(); });
         queries::ParticipantFilter f{Param(c.req, "role"), Param(c.req, "q"),
                                      Param(c.req, "province"), Param(c.req, "commune"),
                                      Param(c.req, "substance")};
         read(c, [&](db::Txn& txn) {
           return page(queries::ListParticipants(txn, f, Param(c.req, "after"), *limit));
         });
       }});

  // Who the signing key belongs to: the explorer's sign-in check, for every role.
  r.push_back({"GET", "/v1/me", "/v1/me", Access::kSigned, [read](Call& c) {
                 read(c, [&](db::Txn& txn) -> Result<nlohmann::json> {
                   Result<nlohmann::json> record =
                       queries::GetParticipant(txn, c.caller->participant);
                   if (!record.ok()) return record.status();
                   return nlohmann::json{{"participant", c.caller->participant},
                                         {"role", std::string(RoleName(c.caller->role))},
                                         {"key", c.caller->key_id},
                                         {"record", *record}};
                 });
               }});

  r.push_back({"GET", R"(/v1/participants/([^/]+))", "/v1/participants/{id}", Access::kSigned,
               [this, read](Call& c) {
                 const std::string id = c.req.matches[1].str();
                 if (Status s = OnlySelf(*c.caller, id); !s.ok()) return Fail(c.res, s);
                 read(c, [&](db::Txn& txn) { return queries::GetParticipant(txn, id); });
               }});

  r.push_back({"GET", R"(/v1/participants/([^/]+)/trail)", "/v1/participants/{id}/trail",
               Access::kSigned, [this, read](Call& c) {
                 const std::string id = c.req.matches[1].str();
                 if (Status s = OnlySelf(*c.caller, id); !s.ok()) return Fail(c.res, s);
                 Result<size_t> limit = Limit(c.req);
                 if (!limit.ok()) return Fail(c.res, limit.status());
                 const bool proofs = Param(c.req, "proofs") == "1";
                 read(c, [&](db::Txn& txn) -> Result<nlohmann::json> {
                   Result<queries::Page> p =
                       queries::Trail(txn, id, c.caller->role, Param(c.req, "after"), *limit);
                   if (!p.ok()) return p.status();
                   nlohmann::json out = p->ToJson();
                   if (proofs) {
                     // Inclusion of each entry in the latest checkpoint, read in the same
                     // transaction.
                     Result<std::optional<std::pair<std::string, std::string>>> cp =
                         txn.Last(db::Table::kCheckpoints);
                     if (!cp.ok()) return cp.status();
                     if (!cp->has_value())
                       return Status(Code::kNotFound, "the log has no checkpoint yet");
                     const uint64_t size = DecodeBigEndian64((*cp)->first);
                     out["checkpoint"] = (*cp)->second;
                     for (auto& item : out["items"]) {
                       Result<std::vector<Hash>> proof = merkle::InclusionProof(
                           item["seq"].get<uint64_t>(), size, [&txn](int level, uint64_t index) {
                             return ReadNode(txn, level, index);
                           });
                       if (!proof.ok()) return proof.status();
                       nlohmann::json hashes = nlohmann::json::array();
                       for (const Hash& h : *proof) hashes.push_back(Base64(h));
                       item["inclusion"] = hashes;
                       item["leaf_hash"] =
                           Base64(merkle::HashLeaf(item["entry"].get<std::string>()));
                     }
                   }
                   return out;
                 });
               }});

  r.push_back({"GET", R"(/v1/participants/([^/]+)/stock)", "/v1/participants/{id}/stock",
               Access::kSigned, [this, read](Call& c) {
                 const std::string id = c.req.matches[1].str();
                 if (Status s = OnlySelf(*c.caller, id); !s.ok()) return Fail(c.res, s);
                 const std::string substance = Param(c.req, "substance");
                 read(c, [&](db::Txn& txn) -> Result<nlohmann::json> {
                   Result<nlohmann::json> stock = queries::Stock(txn, id);
                   if (!stock.ok() || substance.empty()) return stock;
                   Result<nlohmann::json> history = queries::StockHistory(txn, id, substance);
                   if (!history.ok()) return history.status();
                   return nlohmann::json{
                       {"stock", *stock}, {"history", *history}, {"substance", substance}};
                 });
               }});

  r.push_back(
      {"GET", "/v1/transfers", "/v1/transfers", Access::kSigned, [this, read, page](Call& c) {
         Result<std::string> who = ParticipantFilter(*c.caller, c.req, "participant");
         if (!who.ok()) return Fail(c.res, who.status());
         Result<size_t> limit = Limit(c.req);
         if (!limit.ok()) return Fail(c.res, limit.status());
         const std::string status = Param(c.req, "status");
         if (!status.empty() && status != "open" && status != "received" && status != "short" &&
             status != "voided" && status != "overdue") {
           return Fail(c.res, Status(Code::kInvalidArgument,
                                     "\"status\" is open, received, short, voided or overdue"));
         }
         queries::TransferFilter f{*who, status, NowMs()};
         read(c, [&](db::Txn& txn) {
           return page(queries::Transfers(txn, f, Param(c.req, "after"), *limit));
         });
       }});

  r.push_back(
      {"GET", "/v1/inspections", "/v1/inspections", Access::kSigned, [this, read, page](Call& c) {
         Result<std::string> who = ParticipantFilter(*c.caller, c.req, "business");
         if (!who.ok()) return Fail(c.res, who.status());
         Result<size_t> limit = Limit(c.req);
         if (!limit.ok()) return Fail(c.res, limit.status());
         queries::InspectionFilter f{*who, Param(c.req, "venue"), Param(c.req, "inspector")};
         read(c, [&](db::Txn& txn) {
           return page(queries::Inspections(txn, f, Param(c.req, "after"), *limit));
         });
       }});

  r.push_back({"GET", "/v1/alerts", "/v1/alerts", Access::kSigned, [this, read, page](Call& c) {
                 Result<std::string> who = ParticipantFilter(*c.caller, c.req, "participant");
                 if (!who.ok()) return Fail(c.res, who.status());
                 Result<size_t> limit = Limit(c.req);
                 if (!limit.ok()) return Fail(c.res, limit.status());
                 Result<std::optional<int64_t>> from = TimeParam(c.req, "from");
                 Result<std::optional<int64_t>> to = TimeParam(c.req, "to");
                 if (!from.ok()) return Fail(c.res, from.status());
                 if (!to.ok()) return Fail(c.res, to.status());
                 queries::AlertFilter f{Param(c.req, "kind"),
                                        *who,
                                        Param(c.req, "province"),
                                        Param(c.req, "commune"),
                                        *from,
                                        *to,
                                        c.caller->role,
                                        c.caller->participant};
                 read(c, [&](db::Txn& txn) {
                   return page(queries::Alerts(txn, f, Param(c.req, "after"), *limit));
                 });
               }});

  r.push_back({"GET", "/v1/catalog", "/v1/catalog", Access::kPublic,
               [read](Call& c) { read(c, [](db::Txn& txn) { return queries::Catalog(txn); }); }});

  // Thresholds and the settings of anti-smurfing alerts: never to a business, whom they would
  // tell how to stay under them (ledger/access.h).
  r.push_back({"GET", "/v1/thresholds", "/v1/thresholds", Access::kFullReader,
               [read](Call& c) { read(c, [](db::Txn& txn) { return queries::Limits(txn); }); }});

  r.push_back(
      {"GET", R"(/v1/personal/(\d{1,19}))", "/v1/personal/{seq}", Access::kPersonalData,
       [this](Call& c) {
         const uint64_t seq = std::stoull(c.req.matches[1].str());
         nlohmann::json reader = {{"participant", c.caller->participant},
                                  {"key", c.caller->key_id},
                                  {"role", std::string(RoleName(c.caller->role))},
                                  {"remote", c.req.remote_addr}};
         Result<std::optional<std::string>> data = ledger_.ReadPersonal(seq, reader);
         if (!data.ok()) return Fail(c.res, data.status());
         spdlog::warn("personal data of entry {} read by {} (key {})", seq, c.caller->participant,
                      c.caller->key_id);
         if (!data->has_value()) {
           return Fail(c.res,
                       Status(Code::kNotFound, "entry " + std::to_string(seq) +
                                                   " has no personal data, or it was erased"));
         }
         c.res.set_content(nlohmann::json({{"seq", seq}, {"personal", **data}}).dump(), kJson);
       }});

  r.push_back({"GET", "/v1/personal-access-log", "/v1/personal-access-log", Access::kPersonalData,
               [this](Call& c) {
                 Result<size_t> limit = Limit(c.req);
                 if (!limit.ok()) return Fail(c.res, limit.status());
                 // The authority oversees every read; a police officer sees their own.
                 const bool whole = access::ReadsWholeAccessLog(c.caller->role);
                 Result<nlohmann::json> log =
                     ledger_.PersonalAccessLog(*limit, whole ? nullptr : &c.caller->participant);
                 if (!log.ok()) return Fail(c.res, log.status());
                 c.res.set_content(nlohmann::json({{"items", *log}}).dump(), kJson);
               }});
  return r;
}

}  // namespace vigil::api
