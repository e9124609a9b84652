// The witness (ledger/witness/): the add-checkpoint codec, the witness's state and every answer
// of the C2SP tlog-witness table, through the core and through a real HTTP server
// (api/witness_server.h), the known answer of the issue, a forking log refused, restart keeping
// state, and concurrent requests never rolling the witness back.
#include "ledger/witness/witness.h"

#include <httplib.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <map>
#include <mutex>
#include <thread>

#include "api/witness_client.h"
#include "api/witness_server.h"
#include "api/witnessing.h"
#include "keys/note.h"
#include "ledger/log/checkpoint.h"
#include "ledger/log/merkle.h"
#include "ledger/witness/protocol.h"
#include "serve_harness.h"
#include "test_util.h"

namespace vigil {
namespace {

using testing::TempDir;
using witness::AddCheckpointRequest;
using witness::AddOutcome;
using witness::Witness;

constexpr char kWitnessName[] = "witness.example/w1";
constexpr char kWitnessVkey[] =
    "witness.example/w1+e75f6532+BAOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4";
constexpr char kKnownBody[] =
    "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
constexpr char kKnownLine[] =
    "\xE2\x80\x94 witness.example/w1 "
    "519lMgAAAABkGFDLBuRDazBLVac2NE+Y+IjbjQOcXLfF9CSDZVUIoS83rE1nFZsVE8YiWV6Ngr7lV8H6bdoBQGP/"
    "l73euDMQ9k+bBQ==\n";
constexpr uint64_t kKnownTime = 1679315147;

SecretKey SpecWitnessKey() {
  std::string seed;
  for (int i = 0; i < 32; ++i) seed.push_back(static_cast<char>(i));
  return SecretKey::FromSeed(seed).value();
}

SecretKey KeyOf(char fill) { return SecretKey::FromSeed(std::string(32, fill)).value(); }

// A log in memory: its entries' Merkle tree (merkle.h's own code over a map of complete
// subtrees) and its key, signing checkpoints as a Vigil log does.
class MemLog {
 public:
  MemLog(std::string origin, const SecretKey& key) : origin_(std::move(origin)), key_(key) {}
  void Append(const std::string& entry) {
    auto nodes = merkle::NodesCompletedBy(size_, merkle::HashLeaf(entry), Reader());
    REQUIRE(nodes.ok());
    for (const merkle::Node& n : *nodes) nodes_[{n.level, n.index}] = n.hash;
    ++size_;
  }
  void AppendN(int n, const std::string& tag) {
    for (int i = 0; i < n; ++i) Append(tag + std::to_string(size_));
  }
  uint64_t size() const { return size_; }
  Hash Root(uint64_t size) const { return merkle::RootAt(size, Reader()).value(); }
  std::string Note(uint64_t size) const {
    return SignCheckpoint(Checkpoint{origin_, size, Root(size)}, key_);
  }
  std::string Note() const { return Note(size_); }
  std::vector<Hash> Proof(uint64_t m, uint64_t n) const {
    if (m == 0 || m == n) return {};
    return merkle::ConsistencyProof(m, n, Reader()).value();
  }
  // The add-checkpoint body from `old` to the current size.
  std::string Body(uint64_t old) const {
    return witness::FormatAddCheckpoint({old, Proof(old, size_), Note()});
  }
  NoteVerifier Verifier() const {
    return ParseVerifierKey(VerifierKeyString(origin_, key_.public_key())).value();
  }
  const std::string& origin() const { return origin_; }

 private:
  merkle::NodeReader Reader() const {
    return [this](int level, uint64_t index) -> Result<Hash> {
      auto it = nodes_.find({level, index});
      if (it == nodes_.end()) return Status(Code::kNotFound, "no node");
      return it->second;
    };
  }
  std::string origin_;
  const SecretKey& key_;
  std::map<std::pair<int, uint64_t>, Hash> nodes_;
  uint64_t size_ = 0;
};

struct TestWitness {
  TempDir dir{"vigil_witness"};
  std::unique_ptr<Witness> w;
  std::vector<NoteVerifier> logs;
  std::function<uint64_t()> clock;
  explicit TestWitness(std::vector<NoteVerifier> l, std::function<uint64_t()> now = {})
      : logs(std::move(l)), clock(std::move(now)) {
    Result<std::string> vkey = Witness::Init(dir.File("w"), kWitnessName, SpecWitnessKey());
    REQUIRE(vkey.ok());
    CHECK(*vkey == kWitnessVkey);
    Reopen();
  }
  void Reopen() {
    w.reset();
    Result<std::unique_ptr<Witness>> opened = Witness::Open(dir.File("w"), logs, clock);
    INFO(opened.status().ToString());
    REQUIRE(opened.ok());
    w = std::move(*opened);
  }
  uint64_t StoredSize(const std::string& origin) {
    auto s = w->StateOf(origin);
    REQUIRE(s.ok());
    return s->has_value() ? (*s)->size : 0;
  }
};

// The cosignature in a 200 answer verifies with the witness's key over `note`'s body.
void CheckCosigned(const std::string& note, const std::string& lines) {
  NoteVerifier wv = ParseVerifierKey(kWitnessVkey).value();
  Result<OpenedNote> opened = OpenNote(note + lines, {wv});
  INFO(opened.status().ToString());
  REQUIRE(opened.ok());
  REQUIRE(opened->verified_by == std::vector<std::string>{kWitnessName});
}

TEST_CASE("add-checkpoint bodies: build, parse, and every malformation named", "[witness]") {
  AddCheckpointRequest req{5, {Hash{}, Hash{1}}, "o\n5\nAAAA\n\n\xE2\x80\x94 o sig\n"};
  const std::string body = witness::FormatAddCheckpoint(req);
  CHECK(body.rfind("old 5\n", 0) == 0);
  Result<AddCheckpointRequest> back = witness::ParseAddCheckpoint(body);
  REQUIRE(back.ok());
  CHECK(*back == req);
  CHECK(witness::ParseAddCheckpoint("old 0\n\nx\n").ok());

  auto error = [](std::string_view b) {
    Result<AddCheckpointRequest> r = witness::ParseAddCheckpoint(b);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Code::kInvalidArgument);
    return r.status().message();
  };
  CHECK_THAT(error("new 5\n\nx\n"), Catch::Contains("old <size>"));
  CHECK_THAT(error("old 5"), Catch::Contains("old <size>"));
  CHECK_THAT(error("old 05\n\nx\n"), Catch::Contains("leading zero"));
  CHECK_THAT(error("old -1\n\nx\n"), Catch::Contains("decimal"));
  CHECK_THAT(error("old 18446744073709551616\n\nx\n"), Catch::Contains("decimal"));
  CHECK_THAT(error("old 5\nnot-a-hash\n\nx\n"), Catch::Contains("proof line 1"));
  CHECK_THAT(error("old 5\nAAAA\n\nx\n"), Catch::Contains("32-byte"));
  CHECK_THAT(error("old 5\n"), Catch::Contains("no empty line"));
  CHECK_THAT(error("old 5\n\n"), Catch::Contains("no checkpoint"));
  std::string many = "old 5\n";
  for (int i = 0; i < 64; ++i) many += Base64(Hash{}) + "\n";
  CHECK_THAT(error(many + "\nx\n"), Catch::Contains("more than 63"));
  std::string most = "old 5\n";
  for (int i = 0; i < 63; ++i) most += Base64(Hash{}) + "\n";
  CHECK(witness::ParseAddCheckpoint(most + "\nx\n").ok());

  CHECK(witness::FormatSizeBody(42) == "42\n");
  CHECK(witness::ParseSizeBody("42\n").value() == 42);
  CHECK(witness::ParseSizeBody("0\n").value() == 0);
  CHECK_FALSE(witness::ParseSizeBody("42").ok());
  CHECK_FALSE(witness::ParseSizeBody("042\n").ok());
  CHECK_FALSE(witness::ParseSizeBody("4 2\n").ok());
  CHECK_FALSE(witness::ParseSizeBody("\n").ok());
}

TEST_CASE("the witness cosigns the issue's known answer", "[witness]") {
  const SecretKey log_key = KeyOf('L');
  MemLog log("example.com/behind-the-sofa", log_key);
  TestWitness tw({log.Verifier()}, [] { return kKnownTime; });
  // A note with the known body, signed by our stand-in for the log's key: the cosignature
  // covers the body only.
  const std::string note = SignNote(kKnownBody, "example.com/behind-the-sofa", log_key);
  AddOutcome out = tw.w->AddCheckpoint(witness::FormatAddCheckpoint({0, {}, note}));
  INFO(out.message);
  REQUIRE(out.http_status == 200);
  CHECK(out.body == kKnownLine);
  CHECK(tw.w->verifier_key() == kWitnessVkey);
  CHECK(tw.StoredSize("example.com/behind-the-sofa") == 20852163);
}

TEST_CASE("every answer of the tlog-witness table, from the core", "[witness]") {
  const SecretKey log_key = KeyOf('L');
  const SecretKey other_key = KeyOf('M');
  MemLog log("vigil.test/log", log_key);
  TestWitness tw({log.Verifier()});
  log.AppendN(5, "a");

  SECTION("200: first checkpoint at old 0, then one with a proof; state follows") {
    AddOutcome first = tw.w->AddCheckpoint(log.Body(0));
    REQUIRE(first.http_status == 200);
    CheckCosigned(log.Note(), first.body);
    CHECK(tw.StoredSize(log.origin()) == 5);
    log.AppendN(6, "b");
    AddOutcome second = tw.w->AddCheckpoint(log.Body(5));
    INFO(second.message);
    REQUIRE(second.http_status == 200);
    CheckCosigned(log.Note(), second.body);
    CHECK(tw.StoredSize(log.origin()) == 11);
    // The same checkpoint again (old = size, same root): cosigned again, state unchanged.
    AddOutcome again = tw.w->AddCheckpoint(log.Body(11));
    CHECK(again.http_status == 200);
    CHECK(tw.StoredSize(log.origin()) == 11);
  }
  SECTION("404: an origin the witness does not know") {
    MemLog stranger("stranger.test/log", log_key);
    stranger.AppendN(2, "s");
    AddOutcome out = tw.w->AddCheckpoint(stranger.Body(0));
    CHECK(out.http_status == 404);
    CHECK(tw.StoredSize("stranger.test/log") == 0);
  }
  SECTION("403: the right origin signed by another key; a damaged signature") {
    MemLog impostor("vigil.test/log", other_key);
    impostor.AppendN(5, "a");
    CHECK(tw.w->AddCheckpoint(impostor.Body(0)).http_status == 403);
    std::string body = log.Body(0);
    body[body.size() - 5] = body[body.size() - 5] == 'A' ? 'B' : 'A';
    CHECK(tw.w->AddCheckpoint(body).http_status == 403);
    CHECK(tw.StoredSize(log.origin()) == 0);
    // The honest twin: the log's own signature passes.
    CHECK(tw.w->AddCheckpoint(log.Body(0)).http_status == 200);
  }
  SECTION("400: old larger than the checkpoint; a malformed body or note") {
    AddOutcome out = tw.w->AddCheckpoint(witness::FormatAddCheckpoint({6, {}, log.Note()}));
    CHECK(out.http_status == 400);
    CHECK_THAT(out.message, Catch::Contains("larger than the checkpoint's size 5"));
    CHECK(tw.w->AddCheckpoint("old 0\n").http_status == 400);
    CHECK(tw.w->AddCheckpoint("old 0\n\nvigil.test/log\n5\nno blank line\n").http_status == 400);
    CHECK(tw.StoredSize(log.origin()) == 0);
  }
  SECTION("409: old not the stored size; same size, another root") {
    log.AppendN(3, "c");  // 8
    AddOutcome wrong_old = tw.w->AddCheckpoint(log.Body(5));
    CHECK(wrong_old.http_status == 409);
    CHECK(wrong_old.content_type == witness::kSizeContentType);
    CHECK(wrong_old.body == "0\n");
    REQUIRE(tw.w->AddCheckpoint(log.Body(0)).http_status == 200);
    AddOutcome stale = tw.w->AddCheckpoint(log.Body(0));
    CHECK(stale.http_status == 409);
    CHECK(stale.body == "8\n");
    // Same size, another root, validly signed: a fork.
    MemLog fork("vigil.test/log", log_key);
    fork.AppendN(8, "z");
    AddOutcome forked = tw.w->AddCheckpoint(fork.Body(8));
    CHECK(forked.http_status == 409);
    CHECK(forked.body == "8\n");
    CHECK_THAT(forked.message, Catch::Contains("forked"));
    CHECK(tw.w->StateOf(log.origin()).value()->root == log.Root(8));
  }
  SECTION("422: a proof that does not verify; a proof from 0") {
    REQUIRE(tw.w->AddCheckpoint(log.Body(0)).http_status == 200);
    log.AppendN(4, "d");  // 9
    AddCheckpointRequest req{5, log.Proof(5, 9), log.Note()};
    req.proof[0][0] ^= 1;
    CHECK(tw.w->AddCheckpoint(witness::FormatAddCheckpoint(req)).http_status == 422);
    req.proof.pop_back();
    CHECK(tw.w->AddCheckpoint(witness::FormatAddCheckpoint(req)).http_status == 422);
    CHECK(tw.StoredSize(log.origin()) == 5);
    CHECK(tw.w->AddCheckpoint(log.Body(5)).http_status == 200);
    // From 0 the proof must be empty.
    TestWitness fresh({log.Verifier()});
    AddCheckpointRequest from0{0, {Hash{}}, log.Note()};
    CHECK(fresh.w->AddCheckpoint(witness::FormatAddCheckpoint(from0)).http_status == 422);
  }
}

TEST_CASE("a log that forks is refused by a witness that saw the first history", "[witness]") {
  const SecretKey log_key = KeyOf('L');
  MemLog first("vigil.test/log", log_key);
  MemLog second("vigil.test/log", log_key);  // the same key, other entries: a second store
  first.AppendN(10, "first");
  second.AppendN(4, "first");  // shares 4 entries
  second.AppendN(12, "second");
  TestWitness tw({first.Verifier()});
  REQUIRE(tw.w->AddCheckpoint(first.Body(0)).http_status == 200);
  // The second history, told the witness's size, cannot prove consistency with it.
  AddOutcome blind = tw.w->AddCheckpoint(second.Body(0));
  CHECK(blind.http_status == 409);
  CHECK(blind.body == "10\n");
  AddCheckpointRequest forged{10, second.Proof(10, 16), second.Note()};
  CHECK(tw.w->AddCheckpoint(witness::FormatAddCheckpoint(forged)).http_status == 422);
  CHECK(tw.w->StateOf("vigil.test/log").value()->root == first.Root(10));
  // The honest twin: the first history grows and is cosigned.
  first.AppendN(6, "first");
  CHECK(tw.w->AddCheckpoint(first.Body(10)).http_status == 200);
}

TEST_CASE("the witness keeps its state across a restart, and refuses a second process",
          "[witness]") {
  const SecretKey log_key = KeyOf('L');
  MemLog log("vigil.test/log", log_key);
  TestWitness tw({log.Verifier()});
  log.AppendN(7, "a");
  REQUIRE(tw.w->AddCheckpoint(log.Body(0)).http_status == 200);
  Result<std::unique_ptr<Witness>> second = Witness::Open(tw.dir.File("w"), tw.logs);
  REQUIRE_FALSE(second.ok());
  CHECK(second.status().code() == Code::kFailedPrecondition);
  tw.Reopen();
  CHECK(tw.StoredSize(log.origin()) == 7);
  AddOutcome stale = tw.w->AddCheckpoint(log.Body(0));
  CHECK(stale.http_status == 409);
  CHECK(stale.body == "7\n");
  // Init refuses to overwrite it.
  Result<std::string> again = Witness::Init(tw.dir.File("w"), kWitnessName, KeyOf('q'));
  CHECK(again.status().code() == Code::kConflict);
  CHECK(Witness::Init(tw.dir.File("x"), "bad name", KeyOf('q')).status().code() ==
        Code::kInvalidArgument);
  CHECK(Witness::Open(tw.dir.File("none"), tw.logs).status().code() == Code::kNotFound);
}

// A witness served over real HTTP in this process.
struct ServedWitness {
  TestWitness tw;
  std::unique_ptr<api::WitnessServer> server;
  std::thread thread;
  explicit ServedWitness(std::vector<NoteVerifier> logs) : tw(std::move(logs)) {
    spdlog::set_level(spdlog::level::warn);  // one info line per request drowns the report
    api::WitnessServerOptions options;
    options.port = 0;
    server = std::make_unique<api::WitnessServer>(*tw.w, options);
    REQUIRE(server->Bind().ok());
    thread = std::thread([this] { server->Run(); });
  }
  ~ServedWitness() {
    server->Stop();
    thread.join();
  }
  httplib::Result Post(httplib::Client& c, const std::string& body) {
    return c.Post("/add-checkpoint", body, "text/plain");
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(server->port()); }
};

TEST_CASE("every answer of the tlog-witness table over HTTP", "[witness][http]") {
  const SecretKey log_key = KeyOf('L');
  MemLog log("vigil.test/log", log_key);
  ServedWitness sw({log.Verifier()});
  httplib::Client c(sw.url());
  log.AppendN(5, "a");

  auto ok = sw.Post(c, log.Body(0));
  REQUIRE(ok);
  CHECK(ok->status == 200);
  CheckCosigned(log.Note(), ok->body);

  auto conflict = sw.Post(c, log.Body(0));
  REQUIRE(conflict);
  CHECK(conflict->status == 409);
  CHECK(conflict->get_header_value("Content-Type") == "text/x.tlog.size");
  CHECK(conflict->body == "5\n");

  MemLog stranger("stranger.test/log", log_key);
  stranger.AppendN(1, "s");
  CHECK(sw.Post(c, stranger.Body(0))->status == 404);
  MemLog impostor("vigil.test/log", KeyOf('M'));
  impostor.AppendN(6, "i");
  CHECK(sw.Post(c, impostor.Body(5))->status == 403);
  CHECK(sw.Post(c, witness::FormatAddCheckpoint({9, {}, log.Note()}))->status == 400);
  CHECK(sw.Post(c, "garbage")->status == 400);
  log.AppendN(3, "b");
  AddCheckpointRequest bad{5, log.Proof(5, 8), log.Note()};
  bad.proof.back()[3] ^= 0x40;
  CHECK(sw.Post(c, witness::FormatAddCheckpoint(bad))->status == 422);
  auto grown = sw.Post(c, log.Body(5));
  REQUIRE(grown);
  CHECK(grown->status == 200);
  CheckCosigned(log.Note(), grown->body);

  // Not the protocol: other paths and methods, and bodies over 64 KiB, refused unread.
  CHECK(c.Get("/add-checkpoint")->status == 404);
  CHECK(c.Post("/other", "x", "text/plain")->status == 404);
  httplib::Client big(sw.url());
  auto too_big = big.Post("/add-checkpoint", std::string(70 * 1024, 'x'), "text/plain");
  REQUIRE(too_big);
  CHECK(too_big->status == 413);
  CHECK(sw.tw.StoredSize(log.origin()) == 8);
}

TEST_CASE("concurrent add-checkpoint requests never roll the witness back", "[witness][http]") {
  const SecretKey log_key = KeyOf('L');
  MemLog log("vigil.test/log", log_key);
  ServedWitness sw({log.Verifier()});
  log.AppendN(1, "a");
  {
    httplib::Client c(sw.url());
    REQUIRE(sw.Post(c, log.Body(0))->status == 200);
  }
  // Many bodies, all from old 1 to sizes 2..41, sent at once by 8 clients: exactly one can
  // win (after it the stored size is no longer 1), every other gets 409, and the stored size
  // is the winner's, never an older one.
  std::vector<std::string> bodies;
  for (int i = 0; i < 40; ++i) {
    log.AppendN(1, "b");
    bodies.push_back(log.Body(1));
  }
  std::atomic<size_t> next{0};
  std::atomic<int> won{0}, conflicts{0}, other{0};
  std::vector<uint64_t> winners(bodies.size(), 0);
  std::mutex other_mu;
  std::vector<std::string> others;
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      httplib::Client c(sw.url());
      c.set_keep_alive(true);  // as a log does
      for (size_t i; (i = next++) < bodies.size();) {
        auto r = c.Post("/add-checkpoint", bodies[i], "text/plain");
        if (r && r->status == 200) {
          ++won;
          winners[i] = i + 2;
        } else if (r && r->status == 409) {
          ++conflicts;
        } else {
          ++other;
          std::lock_guard<std::mutex> lock(other_mu);
          others.push_back(r ? std::to_string(r->status) + " " + r->body
                             : "no answer: " + httplib::to_string(r.error()));
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  CHECK(won == 1);
  CHECK(conflicts == 39);
  for (const std::string& o : others) UNSCOPED_INFO(o);
  CHECK(other == 0);
  uint64_t winner = 0;
  for (uint64_t w : winners) winner = std::max(winner, w);
  CHECK(sw.tw.StoredSize(log.origin()) == winner);
  // And chains of requests that each extend the last one all pass in order.
  httplib::Client c(sw.url());
  uint64_t stored = winner;
  log.AppendN(2, "c");
  auto r =
      sw.Post(c, witness::FormatAddCheckpoint({stored, log.Proof(stored, log.size()), log.Note()}));
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(sw.tw.StoredSize(log.origin()) == log.size());
}

TEST_CASE("vigil witness init prints the known verifier key, and serve wants log keys",
          "[witness][binary]") {
  TempDir dir("vigil_witness_bin");
  // The test hook: a key file holding the spec's seed, given to init with --from.
  REQUIRE(SpecWitnessKey().Save(dir.File("seed.key")).ok());
  testing::CommandResult init = testing::RunVigil(
      "witness init --data " + testing::Quote(dir.File("w")) +
      " --name witness.example/w1 --from " + testing::Quote(dir.File("seed.key")));
  INFO(init.out);
  REQUIRE(init.exit_code == 0);
  CHECK(init.out == std::string(kWitnessVkey) + "\n");
  testing::CommandResult twice = testing::RunVigil(
      "witness init --data " + testing::Quote(dir.File("w")) + " --name witness.example/w1");
  CHECK(twice.exit_code == 2);
  CHECK_THAT(twice.out, Catch::Contains("already holds a witness"));
  testing::CommandResult bad_log = testing::RunVigil(
      "witness serve --data " + testing::Quote(dir.File("w")) + " --log " + kWitnessVkey);
  CHECK(bad_log.exit_code == 2);
  CHECK_THAT(bad_log.out, Catch::Contains("is not a log's verifier key"));
}

}  // namespace
}  // namespace vigil

namespace vigil {
namespace {

// A real log (Ledger over a temporary store), appended to directly.
struct RealLog {
  TempDir dir{"vigil_witnessing_log"};
  testing::TestLog t = testing::MakeTestLog(dir.File("log"));
  int n = 0;
  void Append(int count) {
    std::vector<Submission> subs;
    for (int i = 0; i < count; ++i) {
      subs.push_back(testing::RegisterSubmission(t, "reg-" + std::to_string(++n)));
    }
    for (auto& r : t.log->AppendBatch(subs, NowMs())) REQUIRE(r.ok());
  }
  std::string Latest() { return t.log->LatestCheckpoint().value(); }
};

uint64_t SizeOf(const std::string& note) {
  return ParseCheckpointBody(note.substr(0, note.find("\n\n") + 1)).value().size;
}

TEST_CASE("AskWitnessSize: a witness's size, whether it saw the log or not", "[witness][http]") {
  RealLog log;
  ServedWitness sw({log.t.log->info().verifier()});
  const NoteVerifier wv = ParseVerifierKey(kWitnessVkey).value();
  const std::string first = log.Latest();
  // Never saw the log: it cosigns, and so now holds the checkpoint's size.
  Result<uint64_t> size = api::AskWitnessSize(sw.url(), wv, first, std::chrono::seconds(2));
  REQUIRE(size.ok());
  CHECK(*size == SizeOf(first));
  log.Append(3);
  // Saw it: 409 with what it holds, not the newer checkpoint's size.
  size = api::AskWitnessSize(sw.url(), wv, log.Latest(), std::chrono::seconds(2));
  REQUIRE(size.ok());
  CHECK(*size == SizeOf(first));
  // Refusals and unreachable witnesses are errors, never a size.
  MemLog stranger("stranger.test/log", KeyOf('S'));
  stranger.AppendN(2, "s");
  CHECK(
      api::AskWitnessSize(sw.url(), wv, stranger.Note(), std::chrono::seconds(2)).status().code() ==
      Code::kFailedPrecondition);
  const std::string nowhere = "http://127.0.0.1:" + std::to_string(testing::FreePort());
  CHECK(api::AskWitnessSize(nowhere, wv, first, std::chrono::seconds(1)).status().code() ==
        Code::kUnavailable);
  CHECK(api::AskWitnessSize("ftp://x", wv, first, std::chrono::seconds(1)).status().code() ==
        Code::kInvalidArgument);
}

TEST_CASE("the serve witness flags (URL=VKEY) and the policy are checked", "[witness]") {
  CHECK(api::ParseWitnessFlag(std::string("http://127.0.0.1:1=") + kWitnessVkey).ok());
  CHECK_THAT(api::ParseWitnessFlag("http://127.0.0.1:1").status().message(),
             Catch::Contains("URL=VKEY"));
  RealLog log;
  CHECK_THAT(api::ParseWitnessFlag("http://x=" + log.t.log->info().verifier_key).status().message(),
             Catch::Contains("not a witness's cosignature key"));
  api::WitnessingOptions options;
  options.witnesses.push_back(
      api::ParseWitnessFlag(std::string("http://x=") + kWitnessVkey).value());
  options.quorum = 2;
  CHECK_THAT(api::Witnessing::Make(*log.t.log, options).status().message(),
             Catch::Contains("more than the 1 witnesses"));
  options.quorum = 0;
  options.witnesses.push_back(options.witnesses.front());
  CHECK_THAT(api::Witnessing::Make(*log.t.log, options).status().message(),
             Catch::Contains("two witnesses are named"));
  options.witnesses.pop_back();
  options.witnesses.front().url = "x";
  CHECK(api::Witnessing::Make(*log.t.log, options).status().code() == Code::kInvalidArgument);
}

TEST_CASE(
    "the log's witnessing: fail-closed and fail-open, and a size above the log's is not "
    "believed",
    "[witness][http]") {
  RealLog log;
  ServedWitness sw({log.t.log->info().verifier()});
  api::WitnessingOptions options;
  options.witnesses.push_back({sw.url(), ParseVerifierKey(kWitnessVkey).value()});
  options.cosigned_file = log.dir.File("cosigned-checkpoint");
  options.timeout = std::chrono::seconds(2);
  options.poll = std::chrono::milliseconds(20);
  options.retry = std::chrono::milliseconds(50);
  auto wait_cosigned = [](api::Witnessing& w, uint64_t size) {
    for (int i = 0; i < 200; ++i) {
      auto c = w.NewestCosigned();
      if (c.has_value() && c->size >= size) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  };

  SECTION("fail-closed: nothing served before a cosignature; then the cosigned note") {
    // Not started yet: nothing cosigned, so nothing served.
    auto w = api::Witnessing::Make(*log.t.log, options).value();
    CHECK(w->ServedCheckpoint().status().code() == Code::kUnavailable);
    REQUIRE(w->Start().ok());
    log.Append(2);
    REQUIRE(wait_cosigned(*w, log.t.log->Size()));
    const std::string served = w->ServedCheckpoint().value();
    WitnessPolicy policy{{ParseVerifierKey(kWitnessVkey).value()}, 1};
    Result<WitnessedCheckpoint> cp =
        OpenWitnessedCheckpoint(served, log.t.log->info().verifier(), policy);
    REQUIRE(cp.ok());
    CHECK(cp->checkpoint.size == log.t.log->Size());
    CHECK(testing::ReadFile(options.cosigned_file) == served);
    CHECK_THAT(w->MetricsText(), Catch::Contains("vigil_checkpoint_cosigned_size " +
                                                 std::to_string(log.t.log->Size())));
  }
  SECTION("fail-open: the newest log-signed checkpoint when no witness answers") {
    options.witnesses.front().url =
        "http://127.0.0.1:" + std::to_string(testing::FreePort());  // nobody there
    auto closed = api::Witnessing::Make(*log.t.log, options).value();
    REQUIRE(closed->Start().ok());
    CHECK(closed->ServedCheckpoint().status().code() == Code::kUnavailable);
    closed->Stop();
    options.fail_open = true;
    auto open = api::Witnessing::Make(*log.t.log, options).value();
    REQUIRE(open->Start().ok());
    log.Append(1);
    CHECK(open->ServedCheckpoint().value() == log.Latest());
    CHECK_THAT(open->MetricsText(), !Catch::Contains("vigil_witness_failures_total{witness=\"" +
                                                     std::string(kWitnessName) + "\"} 0\n"));
  }
  SECTION("a witness that claims more than the log holds, after start, is not believed") {
    auto w = api::Witnessing::Make(*log.t.log, options).value();
    REQUIRE(w->Start().ok());
    REQUIRE(wait_cosigned(*w, log.t.log->Size()));
    const uint64_t cosigned = w->NewestCosigned()->size;
    // Someone else with the log key shows the witness a longer tree that extends ours.
    SecretKey log_key = SecretKey::Load(log.dir.File("log") + "/keys/log.key").value();
    MemLog twin(log.t.log->info().origin, log_key);
    for (uint64_t i = 0; i < log.t.log->Size(); ++i) twin.Append(log.t.log->EntryAt(i).value());
    twin.AppendN(10, "elsewhere");
    httplib::Client c(sw.url());
    REQUIRE(sw.Post(c, twin.Body(cosigned))->status == 200);
    // Our log moves on: the witness answers 409 with a size above ours.
    log.Append(1);
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    CHECK(w->NewestCosigned()->size == cosigned);       // not cosigned, not believed
    CHECK_FALSE(log.t.log->SigningHeld().has_value());  // after start: counted, not held
    CHECK_THAT(w->MetricsText(), !Catch::Contains("vigil_witness_failures_total{witness=\"" +
                                                  std::string(kWitnessName) + "\"} 0\n"));
    w->Stop();
    // At start the same answer holds signing: the store is behind what a witness saw.
    auto again = api::Witnessing::Make(*log.t.log, options).value();
    REQUIRE(again->Start().ok());
    REQUIRE(log.t.log->SigningHeld().has_value());
    CHECK_THAT(*log.t.log->SigningHeld(),
               Catch::Contains("has cosigned size " + std::to_string(twin.size())));
  }
}

}  // namespace
}  // namespace vigil
