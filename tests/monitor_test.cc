// The monitor (`vigil verify --server URL --state FILE`), driven as a real binary against a
// real `vigil serve` on a loopback port: growth across runs, rollback (the server restarted on
// an older backup), forks (another history under the same log key, at the same size and
// beyond), wrong and unpinned keys, and the state file's refusal to move on after a failure.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "keys/coding.h"
#include "ledger/log/db.h"
#include "ledger/log/log.h"
#include "tests/serve_harness.h"
#include "tests/test_util.h"

namespace vigil {
namespace {

using nlohmann::json;
using testing::CommandResult;
using testing::MakeTestLog;
using testing::NowMs;
using testing::Quote;
using testing::ReadFile;
using testing::RunVigil;
using testing::Server;
using testing::TempDir;
using testing::TestLog;

// A log with a police officer (whose key reads entry bundles, which hold police notes: only
// authority and police read them) and `count` registrations, closed
// so that `vigil serve` can open it.
struct MonitoredLog {
  TempDir dir{"vigil_monitor"};
  std::string data = dir.File("data");
  std::string reader_key = dir.File("police.key");
  std::string vkey;
  std::string authority_key = data + "/keys/authority.key";

  explicit MonitoredLog(int count) {
    TestLog t = MakeTestLog(data);
    vkey = t.log->info().verifier_key;
    SecretKey police = SecretKey::Generate();
    REQUIRE(police.Save(reader_key).ok());
    std::vector<Submission> subs = {testing::MakeSubmission(
        t.authority, testing::RegisterPayload(t.authority_id, "reg-police", "police",
                                              police.public_key(), "police"))};
    for (int i = 0; i < count; ++i)
      subs.push_back(testing::RegisterSubmission(t, "b" + std::to_string(i)));
    for (auto& r : t.log->AppendBatch(subs, NowMs())) {
      INFO(r.status().ToString());
      REQUIRE(r.ok());
    }
  }
};

// Submits `count` more registrations to a running server, signed by the authority.
void Grow(Server& server, const std::string& authority_key, const std::string& prefix, int count) {
  Result<SecretKey> authority = SecretKey::Load(authority_key);
  REQUIRE(authority.ok());
  for (int i = 0; i < count; ++i) {
    SecretKey k = SecretKey::Generate();
    const std::string id = prefix + std::to_string(i);
    REQUIRE(server.Submit(*authority, testing::RegisterPayload("authority", id, "p-" + id,
                                                               k.public_key())) == 201);
  }
}

// Appends `count` registrations directly to a stopped log.
void GrowOffline(const std::string& data, const std::string& prefix, int count) {
  std::unique_ptr<Ledger> log_ledger = testing::OpenTestLog(data);
  Log* log = &log_ledger->log();
  Result<SecretKey> authority = SecretKey::Load(data + "/keys/authority.key");
  REQUIRE(authority.ok());
  std::vector<Submission> subs;
  for (int i = 0; i < count; ++i) {
    SecretKey k = SecretKey::Generate();
    const std::string id = prefix + std::to_string(i);
    subs.push_back(testing::MakeSubmission(
        *authority, testing::RegisterPayload("authority", id, "p-" + id, k.public_key())));
  }
  for (auto& r : log->AppendBatch(subs, NowMs())) REQUIRE(r.ok());
}

CommandResult Monitor(const std::string& url, const std::string& state, const std::string& extra) {
  return RunVigil("verify --server " + url + " --state " + Quote(state) + " " + extra);
}

TEST_CASE("the monitor follows a growing log, downloading only what is new", "[monitor]") {
  MonitoredLog m(300);
  Server server(m.data);
  const std::string state = m.dir.File("monitor.state");
  const std::string args = "--reader-key " + Quote(m.reader_key);

  // No state and no key: refused, nothing written.
  CommandResult r = Monitor(server.url(), state, args);
  INFO(r.out);
  CHECK(r.exit_code == 2);
  CHECK(r.out.find("--vkey") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(state));
  // No reader key and no --tree-only: refused.
  r = Monitor(server.url(), state, "--vkey " + Quote(m.vkey));
  CHECK(r.exit_code == 2);
  CHECK(r.out.find("--reader-key") != std::string::npos);

  // First run: every entry (genesis + police + 300) checked.
  r = Monitor(server.url(), state, args + " --vkey " + Quote(m.vkey));
  INFO(r.out);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("302 new entries verified (size 0 -> 302)") != std::string::npos);
  REQUIRE(std::filesystem::exists(state));
  json header = json::parse(ReadFile(state).substr(0, ReadFile(state).find('\n')));
  CHECK(header["format"] == "vigil-monitor-state/v3");
  CHECK(header["verifier_key"] == m.vkey);
  CHECK(header["entries"]["next_seq"] == 302);
  CHECK((std::filesystem::status(state).permissions() & std::filesystem::perms::others_read) ==
        std::filesystem::perms::none);

  // Nothing new: ok, no download of entries.
  r = Monitor(server.url(), state, args + " --json");
  INFO(r.out);
  REQUIRE(r.exit_code == 0);
  json j = json::parse(r.out);
  CHECK(j["ok"] == true);
  CHECK(j["old_size"] == 302);
  CHECK(j["new_size"] == 302);
  CHECK(j["checked"] == 0);
  CHECK(j["requests"] == 1);  // the checkpoint only

  // Growth across a partial tile: only the new entries are fetched (two bundles).
  Grow(server, m.authority_key, "g", 40);
  r = Monitor(server.url(), state, args + " --json");
  INFO(r.out);
  REQUIRE(r.exit_code == 0);
  j = json::parse(r.out);
  CHECK(j["old_size"] == 302);
  CHECK(j["new_size"] == 342);
  CHECK(j["checked"] == 40);
  CHECK(j["requests"] == 3);  // checkpoint, consistency proof, entry bundle 1 (.p/86)
  CHECK(j["state_saved"] == true);

  // The replayed state carried across runs still knows every key: a later entry signed by a
  // key registered in the first run verifies.
  Grow(server, m.authority_key, "h", 3);
  r = Monitor(server.url(), state, args);
  INFO(r.out);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("3 new entries verified (size 342 -> 345)") != std::string::npos);

  // A tree-only monitor trusting on first use, beside it.
  const std::string tree_state = m.dir.File("tree.state");
  r = Monitor(server.url(), tree_state, "--tree-only --trust-on-first-use");
  INFO(r.out);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("345 new leaves verified") != std::string::npos);
  CHECK(r.out.find("not the entries") != std::string::npos);

  // An unreachable server is exit 2, and the state is untouched.
  const std::string before = ReadFile(state);
  server.Stop();
  r = Monitor(server.url(), state, args);
  CHECK(r.exit_code == 2);
  CHECK(ReadFile(state) == before);
}

TEST_CASE("the monitor refuses a checkpoint signed by another key", "[monitor]") {
  MonitoredLog m(5);
  MonitoredLog other(5);  // another log: its own key
  Server server(m.data);
  const std::string state = m.dir.File("monitor.state");
  const std::string args = "--reader-key " + Quote(m.reader_key);

  CommandResult r = Monitor(server.url(), state, args + " --vkey " + Quote(other.vkey));
  INFO(r.out);
  CHECK(r.exit_code == 1);
  CHECK(r.out.find("does not verify with the log key") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(state));

  // Pinned: a later --vkey that differs from the state's key is refused.
  r = Monitor(server.url(), state, args + " --vkey " + Quote(m.vkey));
  REQUIRE(r.exit_code == 0);
  r = Monitor(server.url(), state, args + " --vkey " + Quote(other.vkey));
  CHECK(r.exit_code == 2);
  CHECK(r.out.find("pinned") != std::string::npos);

  // The state pins the key even without --vkey: the other log's server fails.
  server.Stop();
  Server impostor(other.data, server.port());
  r = Monitor(impostor.url(), state, args);
  INFO(r.out);
  CHECK(r.exit_code == 1);
  CHECK(r.out.find("does not verify with the log key") != std::string::npos);
}

TEST_CASE("the monitor catches a rollback to an older backup", "[monitor][backup]") {
  MonitoredLog m(20);
  const std::string state = m.dir.File("monitor.state");
  const std::string args = "--reader-key " + Quote(m.reader_key) + " --vkey " + Quote(m.vkey);
  const std::string old_backup = m.dir.File("backup-old");
  int port = 0;
  {
    Server server(m.data);
    port = server.port();
    CommandResult b = RunVigil("backup --data " + Quote(m.data) + " " + Quote(old_backup));
    INFO(b.out);
    REQUIRE(b.exit_code == 0);
    Grow(server, m.authority_key, "late", 10);
    CommandResult r = Monitor(server.url(), state, args);
    INFO(r.out);
    REQUIRE(r.exit_code == 0);
    CHECK(r.out.find("size 0 -> 32") != std::string::npos);
  }
  // The operator (or an intruder) puts the older copy back and restarts the server.
  CommandResult restore =
      RunVigil("restore " + Quote(old_backup) + " --data " + Quote(m.data) + " --force");
  INFO(restore.out);
  REQUIRE(restore.exit_code == 0);
  // The server itself would now refuse to sign (DATA/checkpoint.last, nofork_test): an intruder
  // removes that file too, and only someone outside the machine can tell.
  for (const std::string& slot : Log::CheckpointFilePaths(m.data)) std::filesystem::remove(slot);
  Server server(m.data, port);
  const std::string before = ReadFile(state);
  CommandResult r = Monitor(server.url(), state, args);
  INFO(r.out);
  CHECK(r.exit_code == 1);
  CHECK(r.out.find("rollback: the log has 22 entries, but a checkpoint saved earlier had 32") !=
        std::string::npos);
  CHECK(ReadFile(state) == before);  // the alarm keeps ringing on every run
  CHECK(Monitor(server.url(), state, args).exit_code == 1);
}

TEST_CASE("the monitor catches a fork under the same key", "[monitor][backup]") {
  MonitoredLog m(10);
  // A second history: the same store and keys, then other entries.
  const std::string full = m.dir.File("full-backup");
  REQUIRE(RunVigil("backup --with-keys --data " + Quote(m.data) + " " + Quote(full)).exit_code ==
          0);
  const std::string twin = m.dir.File("twin");
  CommandResult rt = RunVigil("restore " + Quote(full) + " --data " + Quote(twin));
  INFO(rt.out);
  REQUIRE(rt.exit_code == 0);
  GrowOffline(m.data, "real", 5);
  GrowOffline(twin, "fake", 5);

  const std::string state = m.dir.File("monitor.state");
  const std::string args = "--reader-key " + Quote(m.reader_key) + " --vkey " + Quote(m.vkey);
  int port = 0;
  {
    Server server(m.data);
    port = server.port();
    CommandResult r = Monitor(server.url(), state, args);
    INFO(r.out);
    REQUIRE(r.exit_code == 0);
  }
  SECTION("same size, different root") {
    Server server(twin, port);
    CommandResult r = Monitor(server.url(), state, args);
    INFO(r.out);
    CHECK(r.exit_code == 1);
    CHECK(r.out.find("fork: at size 17") != std::string::npos);
  }
  SECTION("a longer history that does not extend the saved one") {
    GrowOffline(twin, "more", 7);
    Server server(twin, port);
    CommandResult r = Monitor(server.url(), state, args + " --json");
    INFO(r.out);
    CHECK(r.exit_code == 1);
    json j = json::parse(r.out);
    CHECK(j["ok"] == false);
    CHECK(j["summary"].get<std::string>().find("fork: the log at size 24 does not extend the "
                                               "checkpoint saved at size 17") != std::string::npos);
  }
  SECTION("tree-only monitors catch it too") {
    const std::string tree_state = m.dir.File("tree.state");
    {
      Server server(m.data, port);
      REQUIRE(Monitor(server.url(), tree_state, "--tree-only --vkey " + Quote(m.vkey)).exit_code ==
              0);
    }
    Server server(twin, port);
    CommandResult r = Monitor(server.url(), tree_state, "--tree-only");
    INFO(r.out);
    CHECK(r.exit_code == 1);
    CHECK(r.out.find("fork") != std::string::npos);
  }
}

TEST_CASE("the monitor checks every new entry it downloads", "[monitor]") {
  MonitoredLog m(30);
  const std::string state = m.dir.File("monitor.state");
  const std::string args = "--reader-key " + Quote(m.reader_key) + " --vkey " + Quote(m.vkey);
  int port = 0;
  {
    Server server(m.data);
    port = server.port();
    REQUIRE(Monitor(server.url(), state, args).exit_code == 0);
    Grow(server, m.authority_key, "n", 10);  // entries 32..41
  }
  // One of the new entries is changed in the store (its stored hashes are not): the server
  // serves the changed bytes in its entry bundle.
  std::string changed;
  {
    Result<std::unique_ptr<db::Env>> env = db::Env::Open(m.data + "/store");
    REQUIRE(env.ok());
    Result<db::Txn> txn = (*env)->BeginWrite();
    REQUIRE(txn.ok());
    Result<std::optional<std::string>> e = txn->Get(db::Table::kEntries, EncodeBigEndian64(36));
    REQUIRE(e.ok());
    REQUIRE(e->has_value());
    changed = **e;
    const size_t at = changed.find("legal_name");
    REQUIRE(at != std::string::npos);
    changed[at + 20] = changed[at + 20] == 'x' ? 'y' : 'x';
    REQUIRE(txn->Put(db::Table::kEntries, EncodeBigEndian64(36), changed).ok());
    REQUIRE(txn->Commit().ok());
  }
  Server server(m.data, port);
  CommandResult r = Monitor(server.url(), state, args + " --json");
  INFO(r.out);
  CHECK(r.exit_code == 1);
  json j = json::parse(r.out);
  REQUIRE(j["problems"].size() == 1);
  CHECK(j["problems"][0]["seq"] == 36);
  CHECK(j["problems"][0]["what"].get<std::string>().find("bad_signature") != std::string::npos);
  CHECK(j["state_saved"] == false);
  // A tree-only monitor cannot see entries, but the tiles still give the signed root.
  const std::string tree_state = m.dir.File("tree.state");
  CHECK(Monitor(server.url(), tree_state, "--tree-only --vkey " + Quote(m.vkey)).exit_code == 0);
}

TEST_CASE("the monitor refuses a damaged or foreign state file", "[monitor]") {
  MonitoredLog m(3);
  Server server(m.data);
  const std::string state = m.dir.File("monitor.state");
  const std::string args = "--reader-key " + Quote(m.reader_key);
  REQUIRE(Monitor(server.url(), state, args + " --vkey " + Quote(m.vkey)).exit_code == 0);
  std::string bytes = ReadFile(state);
  bytes[bytes.size() - 3] ^= 0x01;  // inside the replayed state
  {
    std::ofstream out(state, std::ios::binary | std::ios::trunc);
    out << bytes;
  }
  CommandResult r = Monitor(server.url(), state, args);
  INFO(r.out);
  CHECK(r.exit_code == 2);
  CHECK(r.out.find("damaged") != std::string::npos);
}

}  // namespace
}  // namespace vigil
