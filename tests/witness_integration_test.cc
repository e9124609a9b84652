// A log gathering cosignatures from real `vigil witness` processes (issue 17 parts 2 and 5):
// three witnesses and a quorum of two under a small ingest; one witness killed, /checkpoint
// keeps advancing; two killed, it stops (fail-closed) while appends still get receipts;
// witnesses back, it catches up. Then the log restarted on an older copy of its store: a
// witness holds a larger tree, so signing is held (/healthz 503 "held", appends refused); and
// the same with the witnesses down, held by the log's own cosigned-checkpoint file.
#include <httplib.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "api/request_signature.h"
#include "keys/note.h"
#include "ledger/log/checkpoint.h"
#include "serve_harness.h"
#include "test_util.h"

namespace vigil {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

// A `vigil <args>` child process, its output in `log_file`.
class Proc {
 public:
  Proc(std::vector<std::string> args, std::string log_file)
      : args_(std::move(args)), log_file_(std::move(log_file)) {
    Start();
  }
  ~Proc() { Stop(SIGTERM); }
  void Start() {
    pid_ = ::fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      std::FILE* f = std::freopen(log_file_.c_str(), "a", stdout);
      (void)f;
      ::dup2(STDOUT_FILENO, STDERR_FILENO);
      std::vector<char*> argv;
      argv.push_back(const_cast<char*>(VIGIL_BINARY));
      for (std::string& a : args_) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(VIGIL_BINARY, argv.data());
      ::_exit(127);
    }
  }
  void Stop(int sig) {
    if (pid_ <= 0) return;
    ::kill(pid_, sig);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }
  bool Exited() {
    int status = 0;
    return pid_ > 0 && ::waitpid(pid_, &status, WNOHANG) == pid_;
  }
  std::string Output() const {
    std::ifstream in(log_file_);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

 private:
  std::vector<std::string> args_;
  std::string log_file_;
  int pid_ = -1;
};

// Waits until `port` answers GET `path` with any status.
void WaitAnswers(Proc& p, int port, const std::string& path) {
  httplib::Client c("127.0.0.1", port);
  c.set_connection_timeout(0, 200000);
  for (int i = 0; i < 100; ++i) {
    if (auto r = c.Get(path.c_str())) return;
    if (p.Exited()) FAIL("the process exited: " << p.Output());
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  FAIL("no answer on port " << port << ": " << p.Output());
}

struct WitnessProc {
  std::string dir, vkey;
  int port = 0;
  std::unique_ptr<Proc> proc;
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port); }
};

class Fixture {
 public:
  Fixture() {
    // A log with its genesis; its store closed so `vigil serve` can open it.
    testing::TestLog t = testing::MakeTestLog(dir_.File("log"));
    log_vkey_ = t.log->info().verifier_key;
    authority_ = std::make_unique<SecretKey>(std::move(t.authority));  // signs the appends
    authority_id_ = t.authority_id;
    t.Close();
    for (int i = 0; i < 3; ++i) {
      WitnessProc w;
      w.dir = dir_.File("w" + std::to_string(i + 1));
      testing::CommandResult init =
          testing::RunVigil("witness init --data " + testing::Quote(w.dir) + " --name w" +
                            std::to_string(i + 1) + ".witness.test");
      INFO(init.out);
      REQUIRE(init.exit_code == 0);
      w.vkey = init.out.substr(0, init.out.find('\n'));
      w.port = testing::FreePort();
      witnesses_.push_back(std::move(w));
      StartWitness(i);
    }
    policy_.quorum = 2;
    for (const WitnessProc& w : witnesses_) {
      policy_.witnesses.push_back(ParseVerifierKey(w.vkey).value());
    }
    log_verifier_ = ParseVerifierKey(log_vkey_).value();
  }

  void StartWitness(int i) {
    WitnessProc& w = witnesses_[static_cast<size_t>(i)];
    w.proc = std::make_unique<Proc>(
        std::vector<std::string>{"witness", "serve", "--data", w.dir, "--listen",
                                 "127.0.0.1:" + std::to_string(w.port), "--log", log_vkey_,
                                 "--log-level", "warn"},
        w.dir + ".log");
    WaitAnswers(*w.proc, w.port, "/");
  }
  void KillWitness(int i) { witnesses_[static_cast<size_t>(i)].proc->Stop(SIGKILL); }

  void StartLog() {
    port_ = testing::FreePort();
    std::vector<std::string> args{"serve",
                                  "--data",
                                  dir_.File("log"),
                                  "--listen",
                                  "127.0.0.1:" + std::to_string(port_),
                                  "--log-level",
                                  "warn",
                                  "--witness-quorum",
                                  "2",
                                  "--witness-timeout",
                                  "1"};
    for (const WitnessProc& w : witnesses_) {
      args.push_back("--witness");
      args.push_back(w.url() + "=" + w.vkey);
    }
    log_ = std::make_unique<Proc>(args, dir_.File("log.serve.log"));
    WaitAnswers(*log_, port_, "/healthz");
  }
  void StopLog() { log_->Stop(SIGTERM); }

  // Appends one registration; the HTTP status.
  int Append() {
    httplib::Client c("127.0.0.1", port_);
    SecretKey fresh = SecretKey::Generate();
    const std::string id = "w-" + std::to_string(++appended_);
    Submission sub = testing::MakeSubmission(
        *authority_, testing::RegisterPayload(authority_id_, id, "p-" + id, fresh.public_key()));
    nlohmann::json body = {
        {"signer", sub.signer}, {"payload", sub.payload}, {"sig", Base64Encode(sub.sig)}};
    auto r = c.Post("/v1/entries", body.dump(), "application/json");
    return r ? r->status : -1;
  }
  uint64_t LogSize() {
    httplib::Client c("127.0.0.1", port_);
    auto r = c.Get("/v1/log");
    REQUIRE(r);
    return nlohmann::json::parse(r->body)["size"].get<uint64_t>();
  }
  // /checkpoint, verified under the 2-of-3 policy; its size (0 if it does not answer 200).
  uint64_t CosignedSize(std::vector<std::string>* by = nullptr) {
    httplib::Client c("127.0.0.1", port_);
    auto r = c.Get("/checkpoint");
    if (!r || r->status != 200) return 0;
    Result<WitnessedCheckpoint> cp = OpenWitnessedCheckpoint(r->body, log_verifier_, policy_);
    INFO(r->body);
    INFO(cp.status().ToString());
    REQUIRE(cp.ok());
    // The log's own signature comes first.
    CHECK(r->body.find("\n\n\xE2\x80\x94 " + log_verifier_.name + " ") != std::string::npos);
    if (by != nullptr) *by = cp->cosigned_by;
    return cp->checkpoint.size;
  }
  // Waits up to 15 s for /checkpoint to reach `size`.
  bool WaitCosigned(uint64_t size, std::vector<std::string>* by = nullptr) {
    for (int i = 0; i < 150; ++i) {
      if (CosignedSize(by) >= size) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }
  // GET /v1/entries/{seq} signed by the authority: the upgraded receipt.
  nlohmann::json Entry(uint64_t seq) {
    const std::string target = "/v1/entries/" + std::to_string(seq);
    httplib::Headers h;
    const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
    for (auto& [k, v] :
         api::SignRequest({"GET", target, ""}, *authority_, log_verifier_.name, now,
                          "n" + std::to_string(++nonce_) + "t" + std::to_string(now) + "abcdef")) {
      h.emplace(k, v);
    }
    httplib::Client c("127.0.0.1", port_);
    auto r = c.Get(target.c_str(), h);
    REQUIRE(r);
    INFO(r->body);
    REQUIRE(r->status == 200);
    return nlohmann::json::parse(r->body);
  }
  std::string Get(const std::string& path, int* status = nullptr) {
    httplib::Client c("127.0.0.1", port_);
    auto r = c.Get(path.c_str());
    REQUIRE(r);
    if (status != nullptr) *status = r->status;
    return r->body;
  }

  TempDir dir_{"vigil_witnessing"};
  std::vector<WitnessProc> witnesses_;
  std::unique_ptr<Proc> log_;
  std::string log_vkey_;
  NoteVerifier log_verifier_;
  WitnessPolicy policy_;
  std::unique_ptr<SecretKey> authority_;
  std::string authority_id_;
  int port_ = 0;
  int appended_ = 0;
  int nonce_ = 0;
};

TEST_CASE("a log with 3 witnesses and quorum 2: kills, fail-closed, catch-up, rollback held",
          "[witness][processes]") {
  Fixture f;
  // An older copy of the whole data directory, taken before anything was witnessed.
  fs::copy(f.dir_.File("log"), f.dir_.File("log-old"), fs::copy_options::recursive);
  f.StartLog();
  REQUIRE(f.WaitCosigned(1));

  for (int i = 0; i < 5; ++i) REQUIRE(f.Append() == 201);
  std::vector<std::string> by;
  REQUIRE(f.WaitCosigned(f.LogSize(), &by));
  CHECK(by.size() >= 2);

  // One witness killed: the other two still make the quorum.
  f.KillWitness(0);
  for (int i = 0; i < 5; ++i) REQUIRE(f.Append() == 201);
  const uint64_t with_two = f.LogSize();
  REQUIRE(f.WaitCosigned(with_two, &by));
  CHECK(by == std::vector<std::string>{"w2.witness.test", "w3.witness.test"});

  // Two killed: appends still get receipts, /checkpoint stops (fail-closed).
  f.KillWitness(1);
  for (int i = 0; i < 5; ++i) REQUIRE(f.Append() == 201);
  const uint64_t size = f.LogSize();
  REQUIRE(size == with_two + 5);
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  CHECK(f.CosignedSize() == with_two);
  // The upgraded receipt: proved against the newest cosigned checkpoint where it covers the
  // entry, against the log-signed one otherwise.
  nlohmann::json early = f.Entry(1);
  CHECK(early["cosigned"] == true);
  Result<WitnessedCheckpoint> early_cp =
      OpenWitnessedCheckpoint(early["checkpoint"].get<std::string>(), f.log_verifier_, f.policy_);
  REQUIRE(early_cp.ok());
  CHECK(early_cp->checkpoint.size == with_two);
  nlohmann::json late = f.Entry(size - 1);
  CHECK(late["cosigned"] == false);
  CHECK_FALSE(
      OpenWitnessedCheckpoint(late["checkpoint"].get<std::string>(), f.log_verifier_, f.policy_)
          .ok());
  const std::string metrics = f.Get("/metrics");
  CHECK_THAT(metrics,
             Catch::Contains("vigil_checkpoint_cosigned_size " + std::to_string(with_two)));
  // The one witness left still cosigns the newest checkpoint: below the quorum, not served.
  CHECK_THAT(metrics, Catch::Contains("vigil_witness_cosigned_size{witness=\"w3.witness.test\"} " +
                                      std::to_string(size)));
  CHECK_THAT(metrics, Catch::Contains("vigil_witness_failures_total{witness=\"w1.witness.test\"}"));
  CHECK_THAT(metrics,
             !Catch::Contains("vigil_witness_failures_total{witness=\"w1.witness.test\"} 0\n"));

  // Both back (their state kept): the log catches up.
  f.StartWitness(0);
  f.StartWitness(1);
  REQUIRE(f.WaitCosigned(size, &by));
  CHECK(by.size() >= 2);
  int status = 0;
  CHECK(f.Get("/healthz", &status).find("\"ok\"") != std::string::npos);
  CHECK(status == 200);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // all three catch up
  CHECK(f.CosignedSize(&by) == size);
  CHECK(by.size() == 3);
  f.StopLog();
  const std::string cosigned_file = f.dir_.File("log") + "/cosigned-checkpoint";
  REQUIRE(fs::exists(cosigned_file));

  // The honest twin first: restarted on its own store with every witness down, it serves the
  // cosigned checkpoint at once (from its file), and signs.
  for (int i = 0; i < 3; ++i) f.KillWitness(i);
  f.StartLog();
  CHECK(f.CosignedSize() == size);
  f.Get("/healthz", &status);
  CHECK(status == 200);
  f.StopLog();

  // The store replaced by the older copy, the witnesses still down: the log's own
  // cosigned-checkpoint file shows the store is behind, and signing is held.
  const std::string kept = testing::ReadFile(cosigned_file);
  fs::remove_all(f.dir_.File("log"));
  fs::rename(f.dir_.File("log-old"), f.dir_.File("log"));
  {
    std::ofstream out(cosigned_file, std::ios::binary);
    out << kept;
  }
  f.StartLog();
  std::string health = f.Get("/healthz", &status);
  CHECK(status == 503);
  CHECK_THAT(health, Catch::Contains("\"held\""));
  CHECK_THAT(health, Catch::Contains("cosigned checkpoint"));
  CHECK(f.Append() == 503);
  f.StopLog();

  // Without that file too, but the witnesses up: they hold a larger tree, signing is held.
  fs::remove(cosigned_file);
  for (int i = 0; i < 3; ++i) f.StartWitness(i);
  f.StartLog();
  health = f.Get("/healthz", &status);
  CHECK(status == 503);
  CHECK_THAT(health, Catch::Contains("\"held\""));
  CHECK_THAT(health, Catch::Contains("has cosigned size " + std::to_string(size)));
  CHECK(f.Append() == 503);
  f.StopLog();
}

}  // namespace
}  // namespace vigil
