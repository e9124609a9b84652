// Bad input (issue 7, suite 4): one table of malformed and hostile requests against the real
// server over loopback (tests/api_fixture.h). Every row names the answer docs/api.md promises
// (HTTP status and problem `type`, and a phrase of the detail) and is checked to append nothing.
//
// Covered elsewhere, not repeated here (same request, same answer):
//  - read-side request signatures, every way to get one wrong (missing, forged, replayed, stale,
//    revoked key or participant, tampered path/query/digest, malformed Signature-Input):
//    api_test.cc "Request signatures: every way to get one wrong is 401 unauthenticated";
//  - wrong roles on every route: api_test.cc "Access matrix: every route, every caller" and
//    "A business reads only what concerns it"; every role against every record type:
//    rules_test.cc "Every role may submit exactly the record types its role allows";
//  - the 16/17-level nesting boundary in the body and the payload, the 411/413/415 answers with
//    their connection handling, and the 414 request line: api_test.cc "Limits: …" and "An early
//    refusal closes the connection".
#include <catch2/catch.hpp>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/api_fixture.h"

namespace vigil {
namespace {

using apitest::Payload;
using apitest::Register;
using apitest::Reply;
using apitest::SubmissionBody;
using apitest::World;
using nlohmann::json;

// The standard world plus a business whose key was revoked and one that was revoked itself.
class HostileWorld : public World {
 public:
  HostileWorld() {
    AppendSeq(authority(), Register("biz-r1", "business", r1.public_key()));
    AppendSeq(authority(), Register("biz-r2", "business", r2.public_key()));
    AppendSeq(authority(), Payload("key.revoke", "revoke-r1", "authority",
                                   {{"key", r1.Id()}, {"reason", "laptop stolen"}}));
    AppendSeq(authority(), Payload("participant.revoke", "revoke-r2", "authority",
                                   {{"participant", "biz-r2"}, {"reason", "closed down"}}));
    // One of A's records, kept to be replayed and reused.
    Append(a,
           Payload("chem.purchase", "a-buy-kept", "biz-a",
                   apitest::Move("1", {{"party", {{"name", "Supplier JSC"}, {"country", "VN"}}}})),
           &kept);
  }
  SecretKey r1 = SecretKey::Generate();
  SecretKey r2 = SecretKey::Generate();
  Submission kept;
};

// The body of POST /v1/entries for payload text `payload`, signed as it is by `key`.
std::string SignedBody(const SecretKey& key, const std::string& payload) {
  Submission sub;
  sub.signer = key.Id();
  sub.payload = payload;
  sub.sig = key.Sign(SignContext::kEntry, testing::kTestOrigin, payload);
  return SubmissionBody(sub);
}

// The same, for payload bytes that are not valid UTF-8 (nlohmann refuses to write those, so the
// JSON string is written by hand: only '"' and '\' need escaping in these payloads).
std::string SignedRawBody(const SecretKey& key, const std::string& payload) {
  std::string escaped;
  for (char c : payload) {
    if (c == '"' || c == '\\') escaped += '\\';
    escaped += c;
  }
  return "{\"signer\":\"" + key.Id() + "\",\"sig\":\"" +
         Base64Encode(key.Sign(SignContext::kEntry, testing::kTestOrigin, payload)) +
         "\",\"payload\":\"" + escaped + "\"}";
}

// A valid police note payload as text, with `extra` spliced in before the closing brace.
std::string NoteText(const std::string& id, const std::string& extra = "") {
  const std::string p = Payload("police.note", id, "pol-1", {{"text", "fine"}}).dump();
  return p.substr(0, p.size() - 1) + extra + "}";
}

// Sends raw bytes on a new connection (the request should say "Connection: close") and returns
// the first answer, or status -1 if none came.
Reply RawOne(const World& w, const std::string& bytes, int quiet_ms = 1000) {
  const std::vector<Reply> replies =
      apitest::ParseResponses(apitest::RawExchange(w.port(), bytes, "", quiet_ms));
  return replies.empty() ? Reply{} : replies.front();
}

std::string PostHead(const std::string& headers) {
  return "POST /v1/entries HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
         "Content-Type: application/json\r\n" +
         headers + "\r\n";
}

std::string Chunked(const std::string& body) {
  std::ostringstream out;
  for (size_t at = 0; at < body.size(); at += 4096) {
    const std::string part = body.substr(at, 4096);
    out << std::hex << part.size() << "\r\n" << part << "\r\n";
  }
  out << "0\r\n\r\n";
  return out.str();
}

std::string Gzip(const std::string& body) {
  std::string out;
  httplib::detail::gzip_compressor gz;
  const bool ok = gz.compress(body.data(), body.size(), true, [&](const char* data, size_t n) {
    out.append(data, n);
    return true;
  });
  REQUIRE(ok);
  return out;
}

struct Row {
  std::string name;
  std::function<Reply(HostileWorld&)> send;
  int status;
  std::string type;    // problem type after "/problems/"; empty for a success answer
  std::string detail;  // a phrase the detail must contain; may be empty
};

std::vector<Row> Rows() {
  using W = HostileWorld;
  auto post = [](std::string body) { return [body](W& w) { return w.Post(body); }; };
  auto get = [](std::string target) { return [target](W& w) { return w.Get(target); }; };
  auto get_as_police = [](std::string target) {
    return [target](W& w) { return w.Get(target, w.police); };
  };
  auto signed_post = [](std::function<std::string(W&)> make) {
    return [make](W& w) { return w.Post(make(w)); };
  };
  const std::string deep = std::string(100'000, '[') + std::string(100'000, ']');
  const std::string huge_note =
      NoteText("note-huge", ",\"refs\":\"" + std::string(300'000, 'x') + "\"");

  return {
      // ---- not JSON, or not the JSON we take ----------------------------------------------------
      {"empty body", post(""), 400, "invalid_argument", "not valid JSON"},
      {"not JSON", post("not json"), 400, "invalid_argument", "not valid JSON"},
      {"truncated JSON", post("{\"signer\":"), 400, "invalid_argument", "not valid JSON"},
      {"trailing bytes after the object", post("{} {}"), 400, "invalid_argument", "not valid JSON"},
      {"a JSON comment", post("{/* hi */}"), 400, "invalid_argument", "not valid JSON"},
      {"single quotes", post("{'signer':'x'}"), 400, "invalid_argument", "not valid JSON"},
      {"NaN literal", post("{\"signer\":NaN}"), 400, "invalid_argument", "not valid JSON"},
      {"a JSON array", post("[]"), 400, "invalid_argument", "must be a JSON object"},
      {"a JSON string", post("\"x\""), 400, "invalid_argument", "must be a JSON object"},
      {"a raw NUL inside a string", post(std::string("{\"signer\":\"a\0b\"}", 16)), 400,
       "invalid_argument", "not valid JSON"},
      // ---- invalid UTF-8
      // -------------------------------------------------------------------------
      {"invalid UTF-8 byte 0xff in the body", post("{\"signer\":\"\xff\"}"), 400,
       "invalid_argument", "not valid JSON"},
      {"overlong UTF-8 encoding of '/' in the body", post("{\"signer\":\"\xc0\xaf\"}"), 400,
       "invalid_argument", "not valid JSON"},
      {"UTF-8-encoded surrogate in the body", post("{\"signer\":\"\xed\xa0\x80\"}"), 400,
       "invalid_argument", "not valid JSON"},
      {"signed payload whose bytes are not UTF-8", signed_post([](W& w) {
         return SignedRawBody(w.police, NoteText("note-utf8", ",\"x\":\"\xc3\x28\""));
       }),
       400, "invalid_argument", "not valid JSON"},
      {"signed payload with a lone surrogate escape", signed_post([](W& w) {
         return SignedBody(w.police, NoteText("note-surrogate", ",\"x\":\"\\udc00\""));
       }),
       400, "invalid_argument", "payload is not valid JSON"},
      // ---- duplicate keys: refused everywhere (ledger/payload.cc ParseJson)
      // ----------------------
      {"duplicate key in the body", signed_post([](W& w) {
         const std::string b = SignedBody(w.police, NoteText("note-dup-body"));
         return b.substr(0, b.size() - 1) + ",\"signer\":\"" + w.a.Id() + "\"}";
       }),
       400, "invalid_argument", "the body is JSON with a duplicate key \"signer\""},
      {"duplicate actor in a signed payload", signed_post([](W& w) {
         return SignedBody(w.police, NoteText("note-dup-actor", ",\"actor\":\"biz-a\""));
       }),
       400, "invalid_argument", "payload is JSON with a duplicate key \"actor\""},
      {"duplicate key nested in a signed payload", signed_post([](W& w) {
         return SignedBody(
             w.a, Payload("chem.purchase", "a-dup-nested", "biz-a")
                      .dump()
                      .insert(1,
                              "\"substance\":\"67-64-1\",\"quantity\":\"1\",\"unit\":\"L\","
                              "\"party\":{\"name\":\"A\",\"name\":\"B\"},"));
       }),
       400, "invalid_argument", "duplicate key \"name\""},
      // ---- wrong types and shapes of the body
      // ----------------------------------------------------
      {"unknown body field", signed_post([](W& w) {
         json b = json::parse(SignedBody(w.police, NoteText("note-unknown-field")));
         b["priority"] = "high";
         return b.dump();
       }),
       400, "invalid_argument", "unknown field \"priority\" in the body"},
      {"body without signer", signed_post([](W& w) {
         json b = json::parse(SignedBody(w.police, NoteText("note-no-signer")));
         b.erase("signer");
         return b.dump();
       }),
       400, "invalid_argument", "needs a string \"signer\""},
      {"signer is a number", signed_post([](W& w) {
         json b = json::parse(SignedBody(w.police, NoteText("note-signer-type")));
         b["signer"] = 12345;
         return b.dump();
       }),
       400, "invalid_argument", "needs a string \"signer\""},
      {"payload is an object, not a string", signed_post([](W& w) {
         json b = json::parse(SignedBody(w.police, NoteText("note-payload-type")));
         b["payload"] = json::parse(b["payload"].get<std::string>());
         return b.dump();
       }),
       400, "invalid_argument", "needs a string \"payload\""},
      {"sig is not base64", signed_post([](W& w) {
         json b = json::parse(SignedBody(w.police, NoteText("note-sig-b64")));
         b["sig"] = "!!!!";
         return b.dump();
       }),
       400, "invalid_argument", "\"sig\" must be a base64 64-byte"},
      {"sig of 63 bytes", signed_post([](W& w) {
         json b = json::parse(SignedBody(w.police, NoteText("note-sig-63")));
         b["sig"] = Base64Encode(std::string(63, 'x'));
         return b.dump();
       }),
       400, "invalid_argument", "\"sig\" must be a base64 64-byte"},
      {"personal is a number", signed_post([](W& w) {
         json b = json::parse(SignedBody(w.police, NoteText("note-personal-type")));
         b["personal"] = 1;
         return b.dump();
       }),
       400, "invalid_argument", "\"personal\" must be a string"},
      {"cosigners is an object", signed_post([](W& w) {
         json b = json::parse(SignedBody(w.police, NoteText("note-cosigners-type")));
         b["cosigners"] = {{"signer", "x"}};
         return b.dump();
       }),
       400, "invalid_argument", "\"cosigners\" must be an array of at most 8"},
      {"nine cosigners", signed_post([](W& w) {
         json b = json::parse(SignedBody(w.police, NoteText("note-cosigners-9")));
         b["cosigners"] = json::array();
         for (int i = 0; i < 9; ++i) b["cosigners"].push_back({{"signer", "x"}, {"sig", b["sig"]}});
         return b.dump();
       }),
       400, "invalid_argument", "at most 8"},
      {"a cosigner with an extra field", signed_post([](W& w) {
         json b = json::parse(SignedBody(w.police, NoteText("note-cosigner-extra")));
         b["cosigners"] = {{{"signer", w.a.Id()}, {"sig", b["sig"]}, {"role", "witness"}}};
         return b.dump();
       }),
       400, "invalid_argument", "each cosigner must be"},
      // ---- the payload envelope (ParsePayload)
      // ---------------------------------------------------
      {"payload is a JSON array", signed_post([](W& w) { return SignedBody(w.police, "[]"); }), 400,
       "invalid_argument", "payload must be a JSON object"},
      {"payload without \"at\"", signed_post([](W& w) {
         json p = Payload("police.note", "note-no-at", "pol-1", {{"text", "x"}});
         p.erase("at");
         return SignedBody(w.police, p.dump());
       }),
       400, "invalid_argument", "payload needs a string field \"at\""},
      {"payload type is a number", signed_post([](W& w) {
         json p = Payload("police.note", "note-type-number", "pol-1", {{"text", "x"}});
         p["type"] = 7;
         return SignedBody(w.police, p.dump());
       }),
       400, "invalid_argument", "payload needs a string field \"type\""},
      {"payload id with a space", signed_post([](W& w) {
         return SignedBody(w.police,
                           Payload("police.note", "note id", "pol-1", {{"text", "x"}}).dump());
       }),
       400, "invalid_argument", "printable ASCII"},
      {"payload id of 129 characters", signed_post([](W& w) {
         return SignedBody(
             w.police,
             Payload("police.note", std::string(129, 'i'), "pol-1", {{"text", "x"}}).dump());
       }),
       400, "invalid_argument", "printable ASCII"},
      {"payload at is not RFC 3339", signed_post([](W& w) {
         json p = Payload("police.note", "note-bad-at", "pol-1", {{"text", "x"}});
         p["at"] = "yesterday";
         return SignedBody(w.police, p.dump());
       }),
       400, "invalid_argument", "payload \"at\""},
      {"payload at with an overflowing year", signed_post([](W& w) {
         json p = Payload("police.note", "note-year", "pol-1", {{"text", "x"}});
         p["at"] = "99999999999-01-01T00:00:00Z";
         return SignedBody(w.police, p.dump());
       }),
       400, "invalid_argument", "payload \"at\""},
      {"payload at 25:61:61", signed_post([](W& w) {
         json p = Payload("police.note", "note-time", "pol-1", {{"text", "x"}});
         p["at"] = "2026-11-28T25:61:61Z";
         return SignedBody(w.police, p.dump());
       }),
       400, "invalid_argument", "payload \"at\""},
      {"unknown record type", signed_post([](W& w) {
         return SignedBody(w.a, Payload("chem.teleport", "a-teleport", "biz-a").dump());
       }),
       400, "invalid_argument", "chem.teleport"},
      // ---- the rules (422 lists every rule broken)
      // -----------------------------------------------
      {"quantity as a JSON number", signed_post([](W& w) {
         return SignedBody(w.a, Payload("chem.purchase", "a-qty-number", "biz-a",
                                        {{"substance", "67-64-1"},
                                         {"quantity", 1e300},
                                         {"unit", "L"},
                                         {"party", {{"name", "Supplier JSC"}, {"country", "VN"}}}})
                                    .dump());
       }),
       422, "rule_violation", ""},
      {"quantity overflowing 64 bits", signed_post([](W& w) {
         return SignedBody(
             w.a, Payload("chem.purchase", "a-qty-huge", "biz-a",
                          apitest::Move("99999999999999999999999999",
                                        {{"party", {{"name", "Supplier JSC"}, {"country", "VN"}}}}))
                      .dump());
       }),
       422, "rule_violation", ""},
      {"quantity negative", signed_post([](W& w) {
         return SignedBody(
             w.a, Payload("chem.purchase", "a-qty-negative", "biz-a",
                          apitest::Move("-5",
                                        {{"party", {{"name", "Supplier JSC"}, {"country", "VN"}}}}))
                      .dump());
       }),
       422, "rule_violation", ""},
      {"quantity with an exponent", signed_post([](W& w) {
         return SignedBody(
             w.a, Payload("chem.purchase", "a-qty-exp", "biz-a",
                          apitest::Move("1e3",
                                        {{"party", {{"name", "Supplier JSC"}, {"country", "VN"}}}}))
                      .dump());
       }),
       422, "rule_violation", ""},
      {"unknown payload field", signed_post([](W& w) {
         return SignedBody(w.police, NoteText("note-colour", ",\"colour\":\"red\""));
       }),
       422, "rule_violation", ""},
      {"payload field of the wrong type (text is an array)", signed_post([](W& w) {
         return SignedBody(
             w.police,
             Payload("police.note", "note-text-array", "pol-1", {{"text", {1, 2}}}).dump());
       }),
       422, "rule_violation", ""},
      {"at an hour in the future", signed_post([](W& w) {
         json p = Payload("police.note", "note-future", "pol-1", {{"text", "x"}});
         p["at"] = FormatTimestamp(testing::NowMs() + 3'600'000);
         return SignedBody(w.police, p.dump());
       }),
       422, "rule_violation", ""},
      // ---- forged, replayed and misattributed payload signatures
      // ---------------------------------
      {"payload signed by another key than signer", signed_post([](W& w) {
         json b =
             json::parse(SignedBody(w.b, Payload("chem.purchase", "a-forged", "biz-a",
                                                 apitest::Move("1", {{"party", {{"name", "X"}}}}))
                                             .dump()));
         b["signer"] = w.a.Id();
         return b.dump();
       }),
       403, "permission_denied", "signature"},
      {"payload altered after signing", signed_post([](W& w) {
         json b =
             json::parse(SignedBody(w.a, Payload("chem.purchase", "a-altered", "biz-a",
                                                 apitest::Move("1", {{"party", {{"name", "X"}}}}))
                                             .dump()));
         std::string p = b["payload"].get<std::string>();
         p.replace(p.find("\"1\""), 3, "\"9\"");
         b["payload"] = p;
         return b.dump();
       }),
       403, "permission_denied", "signature"},
      {"unregistered key", signed_post([](W&) {
         const SecretKey stranger = SecretKey::Generate();
         return SignedBody(
             stranger, Payload("police.note", "note-stranger", "pol-1", {{"text", "x"}}).dump());
       }),
       403, "permission_denied", "not registered"},
      {"revoked key", signed_post([](W& w) {
         return SignedBody(w.r1, Payload("chem.purchase", "r1-buy", "biz-r1",
                                         apitest::Move("1", {{"party", {{"name", "X"}}}}))
                                     .dump());
       }),
       403, "permission_denied", "revoked"},
      {"revoked participant", signed_post([](W& w) {
         return SignedBody(w.r2, Payload("chem.purchase", "r2-buy", "biz-r2",
                                         apitest::Move("1", {{"party", {{"name", "X"}}}}))
                                     .dump());
       }),
       403, "permission_denied", ""},
      {"a business signing as another business (actor mismatch)", signed_post([](W& w) {
         return SignedBody(w.a, Payload("chem.purchase", "b-impostor", "biz-b",
                                        apitest::Move("1", {{"party", {{"name", "X"}}}}))
                                    .dump());
       }),
       403, "permission_denied", ""},
      {"a business registering a participant (wrong role)", signed_post([](W& w) {
         const SecretKey k = SecretKey::Generate();
         json p = Register("biz-self", "business", k.public_key());
         p["actor"] = "biz-a";
         return SignedBody(w.a, p.dump());
       }),
       403, "permission_denied", "business"},
      {"an inspector writing a police note (wrong role)", signed_post([](W& w) {
         return SignedBody(w.inspector,
                           Payload("police.note", "insp-note", "insp-1", {{"text", "x"}}).dump());
       }),
       403, "permission_denied", "inspector"},
      {"a forged cosignature (a rule of the record: 422 bad_cosignature)", signed_post([](W& w) {
         json b = json::parse(SignedBody(w.police, NoteText("note-forged-cosig")));
         b["cosigners"] = {
             {{"signer", w.a.Id()},
              {"sig", Base64Encode(w.b.Sign(SignContext::kEntry, testing::kTestOrigin, "x"))}}};
         return b.dump();
       }),
       422, "rule_violation", "does not verify"},
      {"a replayed submission (idempotent: the original receipt, nothing appended)",
       [](W& w) { return w.Post(SubmissionBody(w.kept)); }, 200, "", ""},
      {"a reused payload id with other content", signed_post([](W& w) {
         return SignedBody(
             w.a,
             Payload("chem.purchase", "a-buy-kept", "biz-a",
                     apitest::Move("2", {{"party", {{"name", "Supplier JSC"}, {"country", "VN"}}}}))
                 .dump());
       }),
       409, "conflict", "a-buy-kept"},
      {"a replayed submission with its signature swapped for another entry's",
       [](W& w) {
         Submission sub = w.kept;
         sub.sig = w.a.Sign(SignContext::kEntry, testing::kTestOrigin, "something else");
         return w.Post(SubmissionBody(sub));
       },
       403, "permission_denied", ""},
      // ---- huge and deep bodies, however they are sent
      // -------------------------------------------
      {"huge body announced by Content-Length",
       [](W& w) { return RawOne(w, PostHead("Content-Length: 300000\r\n")); }, 413,
       "payload_too_large", "262144"},
      {"Content-Length beyond 64 bits",
       [](W& w) { return RawOne(w, PostHead("Content-Length: 99999999999999999999999\r\n")); }, 413,
       "payload_too_large", ""},
      {"huge body sent chunked",
       [huge_note](W& w) {
         return RawOne(w, PostHead("Transfer-Encoding: chunked\r\n") +
                              Chunked(SignedBody(w.police, huge_note)));
       },
       411, "length_required", ""},
      {"deeply nested body sent chunked",
       [deep](W& w) {
         return RawOne(w, PostHead("Transfer-Encoding: chunked\r\n") + Chunked(deep));
       },
       411, "length_required", ""},
      {"chunked with a Content-Length as well",
       [](W& w) {
         const std::string body = SignedBody(w.police, NoteText("note-te-cl"));
         return RawOne(w, PostHead("Transfer-Encoding: chunked\r\nContent-Length: " +
                                   std::to_string(body.size()) + "\r\n") +
                              Chunked(body));
       },
       411, "length_required", ""},
      {"huge body sent gzip-compressed (small on the wire)",
       [huge_note](W& w) {
         const std::string gz = Gzip(SignedBody(w.police, huge_note));
         return RawOne(w, PostHead("Content-Encoding: gzip\r\nContent-Length: " +
                                   std::to_string(gz.size()) + "\r\n") +
                              gz);
       },
       415, "unsupported_encoding", "gzip"},
      {"deeply nested body sent gzip-compressed",
       [deep](W& w) {
         const std::string gz = Gzip(deep);
         return RawOne(w, PostHead("Content-Encoding: gzip\r\nContent-Length: " +
                                   std::to_string(gz.size()) + "\r\n") +
                              gz);
       },
       415, "unsupported_encoding", ""},
      {"deeply nested body (100,000 levels) with Content-Length", post(deep), 400,
       "invalid_argument", "nested deeper than 16"},
      {"a huge signed payload within the body limit (over the entry limit)", signed_post([](W& w) {
         return SignedBody(
             w.police, NoteText("note-big", ",\"text2\":\"" + std::string(100'000, 'x') + "\""));
       }),
       400, "invalid_argument", "65"},
      // ---- path tricks in tile URLs
      // --------------------------------------------------------------
      {"tile path with ..", get("/tile/0/../000"), 400, "invalid_argument", "bad tile path"},
      {"entry bundle path with .., signed", get_as_police("/tile/entries/../0/000"), 400,
       "invalid_argument", "bad tile path"},
      {"tile index with a leading zero element", get("/tile/0/0000"), 400, "invalid_argument",
       "bad tile path"},
      {"tile x-element that is not needed", get("/tile/0/x000/001"), 400, "invalid_argument",
       "bad tile path"},
      {"tile level with a leading zero", get("/tile/00/000"), 400, "invalid_argument",
       "bad tile path"},
      {"tile level 64", get("/tile/64/000"), 400, "invalid_argument", "bad tile path"},
      {"tile level beyond 64 bits", get("/tile/99999999999999999999999/000"), 400,
       "invalid_argument", "bad tile path"},
      {"tile index of 24 digits", get("/tile/0/123456789012345678901234"), 400, "invalid_argument",
       "bad tile path"},
      {"tile index past 2^64", get("/tile/0/x018/x446/x744/x073/x709/x551/616"), 400,
       "invalid_argument", "bad tile path"},
      {"partial width 0", get("/tile/0/000.p/0"), 400, "invalid_argument", "bad tile path"},
      {"partial width 256", get("/tile/0/000.p/256"), 400, "invalid_argument", "bad tile path"},
      {"partial width with a leading zero", get("/tile/0/000.p/07"), 400, "invalid_argument",
       "bad tile path"},
      {"tile path with an empty element", get("/tile/0//000"), 400, "invalid_argument",
       "bad tile path"},
      {"tile path with a trailing slash", get("/tile/0/000/"), 400, "invalid_argument",
       "bad tile path"},
      {"tile path with an encoded NUL", get("/tile/0/000%00"), 400, "invalid_argument",
       "bad tile path"},
      {"tile path with an encoded dot-dot", get("/tile/0/%2e%2e/000"), 400, "invalid_argument",
       "percent-encoding"},
      {"tile path with an encoded slash", get("/tile/0/x001%2F234"), 400, "invalid_argument",
       "percent-encoding"},
      {"tile level percent-encoded", get("/tile/%30/000.p/1"), 400, "invalid_argument",
       "percent-encoding"},
      {"entry bundle path percent-encoded, signed", get_as_police("/tile/entries/000%2Ep/1"), 400,
       "invalid_argument", "percent-encoding"},
      {"tile path with a backslash", get("/tile/0/x001\\234"), 400, "invalid_argument",
       "bad tile path"},
      {"tile level that is not a number", get("/tile/a/000"), 404, "no_route", ""},
      {"entry bundle unsigned (path checked after the signature)", get("/tile/entries/../0/000"),
       401, "unauthenticated", ""},
      // ---- numbers in paths and queries
      // ----------------------------------------------------------
      {"entry seq of 20 digits", get_as_police("/v1/entries/99999999999999999999"), 404, "no_route",
       ""},
      {"entry seq past the log", get_as_police("/v1/entries/9999999999999999999"), 404, "not_found",
       ""},
      {"negative entry seq", get_as_police("/v1/entries/-1"), 404, "no_route", ""},
      {"proof size past 2^64", get("/v1/proof/inclusion?seq=0&size=18446744073709551616"), 400,
       "invalid_argument", "non-negative integer"},
      {"proof seq with a plus sign", get("/v1/proof/inclusion?seq=+0&size=1"), 400,
       "invalid_argument", "non-negative integer"},
      {"proof seq in hex", get("/v1/proof/inclusion?seq=0x0&size=1"), 400, "invalid_argument",
       "non-negative integer"},
      {"proof seq with an exponent", get("/v1/proof/inclusion?seq=1e0&size=2"), 400,
       "invalid_argument", "non-negative integer"},
      {"consistency to past the log", get("/v1/proof/consistency?from=1&to=18446744073709551615"),
       400, "invalid_argument", ""},
      {"page limit past 2^64", get_as_police("/v1/alerts?limit=99999999999999999999"), 400,
       "invalid_argument", ""},
      {"page limit negative", get_as_police("/v1/participants?limit=-1"), 400, "invalid_argument",
       ""},
      // ---- bytes that are not UTF-8 outside the body (were 500: the answer echoed them)
      // ----------
      {"query value not UTF-8 after percent-decoding",
       get_as_police("/v1/participants/biz-a/stock?substance=%E7%37-64-1"), 400, "invalid_argument",
       "UTF-8"},
      {"path not UTF-8 after percent-decoding", get_as_police("/v1/participants/biz%C0%AF/stock"),
       400, "invalid_argument", "UTF-8"},
      {"query name not UTF-8", get("/v1/proof/inclusion?seq=0&size=1&%FF=1"), 400,
       "invalid_argument", "UTF-8"},
      {"Content-Encoding that is not ASCII",
       [](W& w) {
         return RawOne(w, PostHead("Content-Encoding: gz\xffip\r\nContent-Length: 2\r\n") + "{}");
       },
       415, "unsupported_encoding", "gz?ip"},
      // ---- the request itself
      // --------------------------------------------------------------------
      {"a header line over 8 KiB",
       [](W& w) {
         return RawOne(w,
                       "GET /v1/log HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nX-Big: " +
                           std::string(9000, 'x') + "\r\n\r\n");
       },
       400, "bad_request", ""},
      {"a request line that is not HTTP", [](W& w) { return RawOne(w, "HELLO\r\n\r\n"); }, 400,
       "bad_request", ""},
      {"POST without Content-Length (at once: the body is never waited for)",
       [](W& w) {
         return RawOne(w,
                       "POST /v1/entries HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
       },
       411, "length_required", "Content-Length"},
      // ---- header syntax and limits (issue 15: refused, never ignored) --------------------------
      {"Transfer-Encoding with whitespace before the colon",
       [](W& w) {
         const std::string body = SignedBody(w.police, NoteText("note-te-space"));
         return RawOne(w, PostHead("Transfer-Encoding : chunked\r\nContent-Length: " +
                                   std::to_string(body.size()) + "\r\n") +
                              body);
       },
       400, "bad_request", "no whitespace before the colon"},
      {"an obs-fold continuation line",
       [](W& w) {
         const std::string body = SignedBody(w.police, NoteText("note-obs-fold"));
         return RawOne(w, PostHead("Content-Length: " + std::to_string(body.size()) +
                                   "\r\nX-A: a\r\n Transfer-Encoding: chunked\r\n") +
                              body);
       },
       400, "bad_request", "folding"},
      {"a header name with a character outside the token set",
       [](W& w) { return RawOne(w, "GET /v1/log HTTP/1.1\r\nHost: 127.0.0.1\r\nX(A): 1\r\n\r\n"); },
       400, "bad_request", "header name"},
      {"101 header fields",
       [](W& w) {
         std::string head = "GET /v1/log HTTP/1.1\r\nHost: 127.0.0.1\r\n";
         for (int i = 0; i < 100; ++i) head += "X-" + std::to_string(i) + ": y\r\n";
         return RawOne(w, head + "\r\n");
       },
       431, "request_header_fields_too_large", "100 header fields"},
      {"GET with a body (would be read as a second request)",
       [](W& w) {
         return RawOne(w,
                       "GET /v1/log HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\n\r\nhello");
       },
       400, "bad_request", "may not carry a body"},
      {"a percent-encoded letter in the path (/%6detrics is /metrics)", get("/%6detrics"), 400,
       "invalid_argument", "percent-encoding"},
      {"two different Content-Length headers (request smuggling)",
       [](W& w) {
         const std::string body = SignedBody(w.police, NoteText("note-two-lengths"));
         return RawOne(w, PostHead("Content-Length: " + std::to_string(body.size()) +
                                   "\r\nContent-Length: 300000\r\n") +
                              body);
       },
       400, "bad_request", "exactly one Content-Length"},
      {"two equal Content-Length headers",
       [](W& w) {
         const std::string body = SignedBody(w.police, NoteText("note-two-equal-lengths"));
         const std::string n = std::to_string(body.size());
         return RawOne(
             w, PostHead("Content-Length: " + n + "\r\nContent-Length: " + n + "\r\n") + body);
       },
       400, "bad_request", "exactly one Content-Length"},
      {"Content-Length that is not a number",
       [](W& w) {
         const std::string body = SignedBody(w.police, NoteText("note-length-abc"));
         return RawOne(w, PostHead("Content-Length: abc\r\n") + body);
       },
       400, "bad_request", "exactly one Content-Length"},
      {"negative Content-Length",
       [](W& w) {
         const std::string body = SignedBody(w.police, NoteText("note-length-negative"));
         return RawOne(w, PostHead("Content-Length: -1\r\n") + body);
       },
       400, "bad_request", "exactly one Content-Length"},
      {"unknown method", [](W& w) { return w.Send("PATCH", "/v1/entries"); }, 404, "no_route", ""},
  };
}

TEST_CASE("Bad input: every malformed or hostile request gets its problem and appends nothing",
          "[api][bad_input]") {
  HostileWorld w;
  for (const Row& row : Rows()) {
    const uint64_t before = w.log().Size();
    const Reply r = row.send(w);
    INFO(row.name << " -> " << r);
    CHECK(r.status == row.status);
    if (!row.type.empty()) {
      CHECK(r.content_type == "application/problem+json");
      const json j = json::parse(r.body, nullptr, false);
      REQUIRE(j.is_object());
      CHECK(j.value("type", "") == "/problems/" + row.type);
      CHECK(j.value("status", 0) == row.status);
      CHECK(j.value("detail", "").find(row.detail) != std::string::npos);
    }
    CHECK(w.log().Size() == before);
  }
  // The server still works after all that.
  CHECK(w.Get("/healthz").status == 200);
  w.AppendSeq(w.police, Payload("police.note", "note-after", "pol-1", {{"text", "still fine"}}));
}

}  // namespace
}  // namespace vigil
