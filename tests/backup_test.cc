// vigil backup / vigil restore as real commands (hot backup while `vigil serve` takes
// submissions, restore that refuses damage and existing stores), and the parallel verifier:
// every kind of damage reported identically with 1 thread and many, across many chunks.
#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>

#include "keys/coding.h"
#include "ledger/log/checkpoint.h"
#include "ledger/log/db.h"
#include "ledger/log/entry.h"
#include "ledger/log/log.h"
#include "ledger/log/merkle.h"
#include "ledger/verify.h"
#include "tests/serve_harness.h"
#include "tests/test_util.h"

namespace vigil {
namespace {

namespace fs = std::filesystem;
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

// A closed log of 1 + count entries under dir/data, in batches of `batch`.
std::string MakeLog(const TempDir& dir, int count, int batch = 50) {
  const std::string data = dir.File("data");
  TestLog t = MakeTestLog(data);
  for (int done = 0; done < count; done += batch) {
    std::vector<Submission> subs;
    for (int i = done; i < std::min(count, done + batch); ++i) {
      subs.push_back(testing::RegisterSubmission(t, "r" + std::to_string(i)));
    }
    for (auto& r : t.log->AppendBatch(subs, NowMs())) REQUIRE(r.ok());
  }
  return data;
}

TEST_CASE("vigil backup copies a serving store that verify --data accepts", "[backup]") {
  TempDir dir("vigil_backup");
  const std::string data = MakeLog(dir, 100);
  Server server(data);
  Result<SecretKey> authority = SecretKey::Load(data + "/keys/authority.key");
  REQUIRE(authority.ok());

  // Submissions keep arriving while the backup is taken.
  std::atomic<bool> stop{false};
  std::atomic<int> accepted{0};
  std::thread writer([&] {
    for (int i = 0; !stop.load(); ++i) {
      SecretKey k = SecretKey::Generate();
      const std::string id = "live" + std::to_string(i);
      if (server.Submit(*authority, testing::RegisterPayload("authority", id, "p-" + id,
                                                             k.public_key())) == 201) {
        ++accepted;
      }
    }
  });
  while (accepted.load() < 20) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const std::string out = dir.File("backup");
  CommandResult b = RunVigil("backup --data " + Quote(data) + " " + Quote(out));
  const int during = accepted.load();
  while (accepted.load() < during + 20) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  stop = true;
  writer.join();
  INFO(b.out);
  REQUIRE(b.exit_code == 0);
  CHECK(b.out.find("verified") != std::string::npos);
  // It says which secret keys it left out, and why personal.key matters.
  CHECK(b.out.find("NOT copied") != std::string::npos);
  CHECK(b.out.find("personal.key") != std::string::npos);
  CHECK(b.out.find("log.key") != std::string::npos);
  CHECK_FALSE(fs::exists(out + "/keys/log.key"));
  CHECK_FALSE(fs::exists(out + "/keys/personal.key"));
  CHECK(fs::exists(out + "/keys/log.pub"));
  json manifest = json::parse(ReadFile(out + "/BACKUP.json"));
  CHECK(manifest["format"] == "vigil-backup/v1");
  const uint64_t entries = manifest["entries"].get<uint64_t>();
  CHECK(entries >= 121);
  CHECK(entries < 101 + static_cast<uint64_t>(accepted.load()));  // taken mid-stream

  CommandResult v = RunVigil("verify --data " + Quote(out));
  INFO(v.out);
  CHECK(v.exit_code == 0);
  CHECK(v.out.find("ok: " + std::to_string(entries) + " entries") != std::string::npos);

  // An existing OUT is refused.
  CHECK(RunVigil("backup --data " + Quote(data) + " " + Quote(out)).exit_code == 2);

  // --with-keys copies the secret keys, private.
  const std::string full = dir.File("full");
  CommandResult f = RunVigil("backup --with-keys --data " + Quote(data) + " " + Quote(full));
  INFO(f.out);
  REQUIRE(f.exit_code == 0);
  for (const char* k : {"log.key", "personal.key", "authority.key"}) {
    const std::string p = full + "/keys/" + k;
    REQUIRE(fs::exists(p));
    CHECK((fs::status(p).permissions() & (fs::perms::group_all | fs::perms::others_all)) ==
          fs::perms::none);
  }
}

TEST_CASE("vigil restore verifies first and never half-restores", "[backup]") {
  TempDir dir("vigil_restore");
  const std::string data = MakeLog(dir, 40, 10);
  const std::string backup = dir.File("backup");
  REQUIRE(RunVigil("backup --data " + Quote(data) + " " + Quote(backup)).exit_code == 0);
  std::string vkey;
  {
    std::unique_ptr<Ledger> log_ledger = testing::OpenTestLog(data);
    Log* log = &log_ledger->log();
    vkey = log->info().verifier_key;
  }

  SECTION("into an empty directory, then serve-ready apart from its secret keys") {
    const std::string target = dir.File("restored");
    CommandResult r =
        RunVigil("restore " + Quote(backup) + " --data " + Quote(target) + " --key " + Quote(vkey));
    INFO(r.out);
    REQUIRE(r.exit_code == 0);
    CHECK(r.out.find("41 entries, verified against the given key") != std::string::npos);
    CHECK(r.out.find("log.key") != std::string::npos);  // what to put back before serving
    CHECK(RunVigil("verify --data " + Quote(target)).exit_code == 0);
    CHECK(fs::exists(target + "/keys/log.pub"));
  }

  SECTION("an existing store is kept unless --force") {
    const std::string before = ReadFile(data + "/store/data.mdb");
    CommandResult r = RunVigil("restore " + Quote(backup) + " --data " + Quote(data));
    INFO(r.out);
    CHECK(r.exit_code == 2);
    CHECK(r.out.find("--force") != std::string::npos);
    CHECK(ReadFile(data + "/store/data.mdb") == before);
    // Nor while a server holds it.
    {
      Server server(data);
      CommandResult busy =
          RunVigil("restore " + Quote(backup) + " --data " + Quote(data) + " --force");
      INFO(busy.out);
      CHECK(busy.exit_code == 2);
      CHECK(busy.out.find("stop it first") != std::string::npos);
    }
    CommandResult forced =
        RunVigil("restore " + Quote(backup) + " --data " + Quote(data) + " --force");
    INFO(forced.out);
    CHECK(forced.exit_code == 0);
    CHECK(forced.out.find("previous store is kept in") != std::string::npos);
    CHECK(RunVigil("verify --data " + Quote(data)).exit_code == 0);
  }

  SECTION("a damaged backup is refused and the target left as it was") {
    // Flip one base64 letter of entry 17's signature inside the copied data file.
    std::string sig;
    {
      db::EnvOptions o;
      o.read_only = true;
      Result<std::unique_ptr<db::Env>> env = db::Env::Open(backup + "/store", o);
      REQUIRE(env.ok());
      Result<db::Txn> txn = (*env)->BeginRead();
      REQUIRE(txn.ok());
      Result<std::optional<std::string>> e = txn->Get(db::Table::kEntries, EncodeBigEndian64(17));
      REQUIRE(e.ok());
      REQUIRE(e->has_value());
      const std::string& bytes = **e;
      const size_t at = bytes.find("\"sig\":\"") + 7;
      sig = bytes.substr(at, 40);
    }
    fs::remove(backup + "/store/lock.mdb");
    std::string file = ReadFile(backup + "/store/data.mdb");
    const size_t pos = file.find(sig);
    REQUIRE(pos != std::string::npos);
    file[pos + 10] = file[pos + 10] == 'A' ? 'B' : 'A';
    {
      std::ofstream out(backup + "/store/data.mdb", std::ios::binary | std::ios::trunc);
      out << file;
    }
    const std::string before = ReadFile(data + "/store/data.mdb");

    // The manifest's file hash catches it first...
    CommandResult r = RunVigil("restore " + Quote(backup) + " --data " + Quote(data) + " --force");
    INFO(r.out);
    CHECK(r.exit_code == 1);
    CHECK(r.out.find("nothing was restored") != std::string::npos);
    // ...and without the manifest, full verification does, naming the entry.
    fs::remove(backup + "/BACKUP.json");
    r = RunVigil("restore " + Quote(backup) + " --data " + Quote(data) + " --force");
    INFO(r.out);
    CHECK(r.exit_code == 1);
    CHECK(r.out.find("does not verify") != std::string::npos);
    CHECK(r.out.find("entry 17") != std::string::npos);
    CHECK(ReadFile(data + "/store/data.mdb") == before);
    for (const auto& e : fs::directory_iterator(data)) {
      CHECK(e.path().filename().string().rfind(".restore", 0) != 0);  // no leftovers
    }
    // Into a fresh directory: nothing appears.
    const std::string fresh = dir.File("fresh");
    CHECK(RunVigil("restore " + Quote(backup) + " --data " + Quote(fresh)).exit_code == 1);
    CHECK_FALSE(fs::exists(fresh + "/store/data.mdb"));
  }
}

// ---- the parallel verifier reports exactly what the sequential one does ----

struct Damaged {
  TempDir dir{"vigil_pverify"};
  std::string data;
  std::vector<std::string> entries;
  Damaged() {
    data = MakeLog(dir, 299, 23);
    std::unique_ptr<Ledger> log_ledger = testing::OpenTestLog(data);
    Log* log = &log_ledger->log();
    for (uint64_t s = 0; s < log->Size(); ++s) entries.push_back(*log->EntryAt(s));
  }
  // A copy of the store with `edit` applied, under a fresh directory.
  std::string Copy(const std::function<void(db::Txn&)>& edit) {
    static int n = 0;
    const std::string out = dir.File("copy" + std::to_string(n++));
    fs::create_directories(out + "/store");
    {
      db::EnvOptions o;
      o.read_only = true;
      Result<std::unique_ptr<db::Env>> env = db::Env::Open(data + "/store", o);
      REQUIRE(env.ok());
      REQUIRE((*env)->CopyTo(out + "/store").ok());
    }
    Result<std::unique_ptr<db::Env>> env = db::Env::Open(out + "/store");
    REQUIRE(env.ok());
    Result<db::Txn> txn = (*env)->BeginWrite();
    REQUIRE(txn.ok());
    edit(*txn);
    REQUIRE(txn->Commit().ok());
    return out;
  }
};

std::string Run(const std::string& dir, int threads, size_t chunk, bool all_errors) {
  VerifyOptions o;
  o.threads = threads;
  o.chunk_entries = chunk;
  o.all_errors = all_errors;
  Result<VerifyReport> r = VerifyStore(dir, o);
  REQUIRE(r.ok());
  std::string s =
      "size " + std::to_string(r->size) + " cps " + std::to_string(r->checkpoints) + "\n";
  for (const VerifyProblem& p : r->problems) {
    s += (p.seq.has_value() ? std::to_string(*p.seq) : std::string("-")) + ": " + p.what + "\n";
  }
  return s;
}

// Verifies `dir` sequentially and in parallel (several thread counts and chunk sizes, first
// error and all errors): every report must be the same; returns the sequential first-error one.
std::string SameEverywhere(const std::string& dir) {
  const std::string first = Run(dir, 1, 1'000'000, false);
  const std::string all = Run(dir, 1, 1'000'000, true);
  for (int threads : {2, 3, 8}) {
    for (size_t chunk : {size_t{1}, size_t{7}, size_t{64}, size_t{4096}}) {
      INFO("threads " << threads << " chunk " << chunk);
      CHECK(Run(dir, threads, chunk, false) == first);
      CHECK(Run(dir, threads, chunk, true) == all);
    }
  }
  return first;
}

std::string Changed(std::string s, size_t pos) {
  s[pos] = static_cast<char>(s[pos] == 'A' ? 'B' : 'A');
  return s;
}

TEST_CASE("parallel verification reports every damage exactly as sequential",
          "[verify][parallel]") {
  Damaged d;
  REQUIRE(d.entries.size() == 300);
  using db::Table;
  auto put = [](uint64_t seq, std::string bytes) {
    return [seq, bytes](db::Txn& txn) {
      REQUIRE(txn.Put(Table::kEntries, EncodeBigEndian64(seq), bytes).ok());
    };
  };
  CHECK(SameEverywhere(d.Copy([](db::Txn&) {})) == "size 300 cps 14\n");

  SECTION("a changed byte in an entry (stored leaf differs)") {
    const std::string& e = d.entries[150];
    std::string r = SameEverywhere(d.Copy(put(150, Changed(e, e.find("payload") + 20))));
    CHECK(r.find("150: entry 150 does not match the leaf hash") != std::string::npos);
  }
  SECTION("a changed signature") {
    const std::string& e = d.entries[201];
    std::string r = SameEverywhere(d.Copy(put(201, Changed(e, e.find("\"sig\":\"") + 12))));
    CHECK(r.rfind("size 202", 0) == 0);
    CHECK(r.find("201: entry 201") != std::string::npos);
  }
  SECTION("a forged signature with every hash and checkpoint made consistent") {
    // Only the Ed25519 check can catch this: entry 233's signature is another valid-looking
    // 64 bytes, and the tree hashes, prev links after it and checkpoints (re-signed with the
    // log's own key) all agree with the forged bytes.
    std::vector<std::string> forged = d.entries;
    Result<Entry> e = DecodeEntry(forged[233]);
    REQUIRE(e.ok());
    e->sig[5] = static_cast<char>(e->sig[5] ^ 0x40);
    forged[233] = EncodeEntry(*e);
    for (size_t i = 234; i < forged.size(); ++i) {
      Result<Entry> next = DecodeEntry(forged[i]);
      REQUIRE(next.ok());
      next->prev = merkle::HashLeaf(forged[i - 1]);
      forged[i] = EncodeEntry(*next);
    }
    Result<SecretKey> log_key = SecretKey::Load(d.data + "/keys/log.key");
    REQUIRE(log_key.ok());
    std::string dir = d.Copy([&](db::Txn& txn) {
      std::map<std::pair<int, uint64_t>, Hash> nodes;
      merkle::NodeReader read = [&](int l, uint64_t i) -> Result<Hash> {
        auto it = nodes.find({l, i});
        if (it == nodes.end()) return Status(Code::kNotFound, "no node");
        return it->second;
      };
      for (uint64_t seq = 0; seq < forged.size(); ++seq) {
        REQUIRE(txn.Put(Table::kEntries, EncodeBigEndian64(seq), forged[seq]).ok());
        Result<std::vector<merkle::Node>> made =
            merkle::NodesCompletedBy(seq, merkle::HashLeaf(forged[seq]), read);
        REQUIRE(made.ok());
        for (const merkle::Node& n : *made) {
          nodes[{n.level, n.index}] = n.hash;
          REQUIRE(txn.Put(Table::kHashes,
                          EncodeBigEndian64(merkle::PostOrderPosition(n.level, n.index)),
                          AsView(n.hash))
                      .ok());
        }
      }
      std::vector<uint64_t> sizes;
      REQUIRE(txn.Scan(Table::kCheckpoints, "",
                       [&](std::string_view k, std::string_view) {
                         sizes.push_back(DecodeBigEndian64(k));
                         return true;
                       })
                  .ok());
      for (uint64_t size : sizes) {
        Result<Hash> root = merkle::RootAt(size, read);
        REQUIRE(root.ok());
        Checkpoint c{testing::kTestOrigin, size, *root};
        REQUIRE(txn.Put(Table::kCheckpoints, EncodeBigEndian64(size), SignCheckpoint(c, *log_key))
                    .ok());
      }
    });
    std::string r = SameEverywhere(dir);
    INFO(r);
    CHECK(r.rfind("size 234", 0) == 0);
    CHECK(r.find("233: entry 233 fails replay") != std::string::npos);
    CHECK(r.find("bad_signature") != std::string::npos);
  }
  SECTION("an entry removed") {
    std::string r = SameEverywhere(d.Copy(
        [](db::Txn& txn) { REQUIRE(txn.Delete(Table::kEntries, EncodeBigEndian64(99)).ok()); }));
    CHECK(r.find("99: entry 99 is missing or out of place") != std::string::npos);
  }
  SECTION("two entries swapped") {
    std::string r = SameEverywhere(d.Copy([&](db::Txn& txn) {
      REQUIRE(txn.Put(Table::kEntries, EncodeBigEndian64(60), d.entries[61]).ok());
      REQUIRE(txn.Put(Table::kEntries, EncodeBigEndian64(61), d.entries[60]).ok());
    }));
    CHECK(r.find("60: ") != std::string::npos);
  }
  SECTION("a stored tree hash changed") {
    std::string r = SameEverywhere(d.Copy([](db::Txn& txn) {
      REQUIRE(txn.Put(Table::kHashes, EncodeBigEndian64(2), std::string(32, 'x')).ok());
    }));
    CHECK(r.find("stored tree hash at level 1 index 0") != std::string::npos);
  }
  SECTION("a checkpoint's signature changed") {
    std::string r = SameEverywhere(d.Copy([](db::Txn& txn) {
      Result<std::optional<std::string>> note = txn.Get(Table::kCheckpoints, EncodeBigEndian64(47));
      REQUIRE(note.ok());
      REQUIRE(note->has_value());
      std::string n = **note;
      n[n.size() - 10] = n[n.size() - 10] == 'A' ? 'B' : 'A';
      REQUIRE(txn.Put(Table::kCheckpoints, EncodeBigEndian64(47), n).ok());
    }));
    CHECK(r.find("checkpoint at size 47") != std::string::npos);
  }
  SECTION("derived state changed") {
    std::string r = SameEverywhere(d.Copy(
        [](db::Txn& txn) { REQUIRE(txn.Put(Table::kState, "participant/p-r5", "{}").ok()); }));
    CHECK(r.find("derived state record differs from the replay: participant/p-r5") !=
          std::string::npos);
  }
  SECTION("several damages at once, all reported in order") {
    const std::string& e = d.entries[30];
    std::string dir = d.Copy([&](db::Txn& txn) {
      REQUIRE(
          txn.Put(Table::kEntries, EncodeBigEndian64(30), Changed(e, e.find("payload") + 20)).ok());
      REQUIRE(txn.Put(Table::kEntries, EncodeBigEndian64(250), d.entries[249]).ok());
    });
    SameEverywhere(dir);
    std::string all = Run(dir, 3, 5, true);
    CHECK(all.find("30: ") < all.find("250: "));
  }
}

}  // namespace
}  // namespace vigil
