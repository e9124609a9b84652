// Issue 17 parts 5 and 6: no fork after a restore (DATA/checkpoint.last, Log::Open's check, the
// held state, vigil accept-rollback) and static reads (vigil publish), with the real binary for
// backup, restore, accept-rollback and publish.
#include <sys/stat.h>

#include <array>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "keys/encoding.h"
#include "ledger/log/checkpoint.h"
#include "ledger/log/publish.h"
#include "ledger/log/tile.h"
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
using testing::TempDir;
using testing::TestLog;

// A registration of a fresh business "p-<id>" by the genesis authority.
Submission Registration(const SecretKey& authority, const std::string& id) {
  return testing::MakeSubmission(
      authority,
      testing::RegisterPayload("authority", id, "p-" + id, SecretKey::Generate().public_key()));
}

// Appends `count` registrations in batches of `batch` (one checkpoint per batch).
void Append(Log& log, const SecretKey& authority, int count, const std::string& prefix,
            int batch = 50) {
  for (int done = 0; done < count; done += batch) {
    std::vector<Submission> subs;
    for (int i = done; i < std::min(count, done + batch); ++i) {
      subs.push_back(Registration(authority, prefix + std::to_string(i)));
      log.Prepare(subs.back());
    }
    for (auto& r : log.AppendBatch(subs, NowMs())) REQUIRE(r.ok());
  }
}
void Append(TestLog& t, int count, const std::string& prefix, int batch = 50) {
  Append(*t.log, t.authority, count, prefix, batch);
}

// The size line of a checkpoint note (0 if it has none).
uint64_t NoteSize(const std::string& note) {
  const size_t a = note.find('\n');
  if (a == std::string::npos) return 0;
  return std::strtoull(note.c_str() + a + 1, nullptr, 10);
}

// The newest note in the two slots of DATA/checkpoint.last (the larger size), as Log::Open
// reads it when both verify.
std::string LastCheckpointFile(const std::string& data) {
  std::string best;
  for (const std::string& slot : Log::CheckpointFilePaths(data)) {
    if (!fs::exists(slot)) continue;
    const std::string note = ReadFile(slot);
    if (best.empty() || NoteSize(note) > NoteSize(best)) best = note;
  }
  return best;
}

// Puts `note` in both slots (as a file from before the slots, or one written by hand).
void WriteBothSlots(const std::string& data, const std::string& note) {
  for (const std::string& slot : Log::CheckpointFilePaths(data))
    std::ofstream(slot, std::ios::trunc) << note;
}

void Backup(const std::string& data, const std::string& out) {
  CommandResult b = RunVigil("backup --no-verify --data " + Quote(data) + " " + Quote(out));
  INFO(b.out);
  REQUIRE(b.exit_code == 0);
}

CommandResult Restore(const std::string& backup, const std::string& data) {
  return RunVigil("restore " + Quote(backup) + " --data " + Quote(data) + " --force");
}

// The log in `data` opened (with its ledger) for a check, then closed.
struct Opened {
  std::unique_ptr<Ledger> ledger;
  explicit Opened(const std::string& data) { ledger = testing::OpenTestLog(data); }
  Log& log() { return ledger->log(); }
};

// A police participant registered in `t`, with its key written to `path`.
SecretKey RegisterPolice(TestLog& t, const std::string& path) {
  SecretKey police = SecretKey::Generate();
  REQUIRE(police.Save(path).ok());
  Submission sub = testing::MakeSubmission(
      t.authority, testing::RegisterPayload(t.authority_id, "reg-police", "police-1",
                                            police.public_key(), "police"));
  for (auto& r : t.log->AppendBatch({sub}, NowMs())) REQUIRE(r.ok());
  return police;
}

TEST_CASE("checkpoint.last holds the last signed checkpoint, written before receipts", "[nofork]") {
  TempDir dir("vigil_nofork");
  const std::string data = dir.File("data");
  TestLog t = MakeTestLog(data);
  Append(t, 20, "a", 7);
  Result<std::string> latest = t.log->LatestCheckpoint();
  REQUIRE(latest.ok());
  CHECK(LastCheckpointFile(data) == *latest);
  // A receipt handed out is never newer than the file.
  std::vector<Result<Appended>> r =
      t.log->AppendBatch({testing::RegisterSubmission(t, "last")}, NowMs());
  REQUIRE(r[0].ok());
  CHECK(LastCheckpointFile(data) == r[0]->receipt.checkpoint);
  // The two slots alternate: the other one holds the checkpoint before it.
  const std::array<std::string, 2> slots = Log::CheckpointFilePaths(data);
  const std::string a = ReadFile(slots[0]), b = ReadFile(slots[1]);
  CHECK(a != b);
  CHECK((a == *latest || b == *latest));
  std::vector<Result<Appended>> r2 =
      t.log->AppendBatch({testing::RegisterSubmission(t, "last2")}, NowMs());
  REQUIRE(r2[0].ok());
  CHECK(LastCheckpointFile(data) == r2[0]->receipt.checkpoint);
  // The slot that held the older note was overwritten; the newest before stays.
  CHECK((ReadFile(slots[0]) == r[0]->receipt.checkpoint ||
         ReadFile(slots[1]) == r[0]->receipt.checkpoint));
  CHECK_FALSE(fs::exists(Log::CheckpointFilePath(data) + ".tmp"));
  for (const std::string& slot : slots) {
    struct stat st;
    REQUIRE(::stat(slot.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0644);  // public, like /checkpoint
  }
}

TEST_CASE("a restore of an old backup opens held, the newest backup does not", "[nofork]") {
  TempDir dir("vigil_nofork");
  const std::string data = dir.File("data");
  TestLog t = MakeTestLog(data);
  Append(t, 30, "a");
  t.Close();
  Backup(data, dir.File("old"));
  t.Reopen(data);
  Append(t, 25, "b");
  const uint64_t published = t.log->Size();
  t.Close();
  Backup(data, dir.File("new"));
  const std::string published_note = LastCheckpointFile(data);

  SECTION("the old backup: held, with the sizes and the recovery") {
    CommandResult r = Restore(dir.File("old"), data);
    INFO(r.out);
    REQUIRE(r.exit_code == 0);
    CHECK(r.out.find("WARNING") != std::string::npos);
    CHECK(r.out.find("signing HELD") != std::string::npos);
    CHECK(r.out.find("store.replaced-") != std::string::npos);
    // restore kept the newer checkpoint file
    CHECK(LastCheckpointFile(data) == published_note);
    Opened o(data);
    REQUIRE(o.log().RollbackHeld());
    std::optional<std::string> why = o.log().SigningHeld();
    REQUIRE(why.has_value());
    CHECK(why->find("holds 31 entries") != std::string::npos);
    CHECK(why->find("size " + std::to_string(published)) != std::string::npos);
    CHECK(why->find("older backup") != std::string::npos);
    CHECK(why->find("vigil restore") != std::string::npos);
    CHECK(why->find("vigil accept-rollback") != std::string::npos);
    Submission sub = Registration(t.authority, "refused");
    o.log().Prepare(sub);
    std::vector<Result<Placed>> p = o.log().Place({sub}, NowMs());
    REQUIRE_FALSE(p[0].ok());
    CHECK(p[0].status().code() == Code::kFailedPrecondition);
    CHECK(o.log().Size() == 31);
    // Opening again changes nothing: still held, file untouched.
    o.ledger.reset();
    Opened again(data);
    CHECK(again.log().RollbackHeld());
    CHECK(LastCheckpointFile(data) == published_note);
  }
  SECTION("the honest twin: the newest backup") {
    CommandResult r = Restore(dir.File("new"), data);
    INFO(r.out);
    REQUIRE(r.exit_code == 0);
    CHECK(r.out.find("WARNING") == std::string::npos);
    Opened o(data);
    CHECK_FALSE(o.log().SigningHeld().has_value());
    CHECK(o.log().Size() == published);
  }
  SECTION("a fork at or past the published size is held too") {
    // The old backup, restored elsewhere, takes other entries past the published size.
    const std::string other = dir.File("other");
    REQUIRE(Restore(dir.File("old"), other).exit_code == 0);
    fs::copy_file(data + "/keys/log.key", other + "/keys/log.key");  // the backup has no secrets
    {
      Opened o(other);
      CHECK_FALSE(o.log().SigningHeld().has_value());  // no file there: written from the store
      Append(o.log(), t.authority, 40, "fork");
      REQUIRE(o.log().Size() > published);
    }
    Backup(other, dir.File("forked"));
    REQUIRE(Restore(dir.File("forked"), data).exit_code == 0);
    Opened o(data);
    std::optional<std::string> why = o.log().SigningHeld();
    REQUIRE(why.has_value());
    CHECK(why->find("a fork") != std::string::npos);
  }
}

TEST_CASE("checkpoint.last: missing is written, damaged or foreign holds", "[nofork]") {
  TempDir dir("vigil_nofork");
  const std::string data = dir.File("data");
  TestLog t = MakeTestLog(data);
  Append(t, 10, "a");
  const std::string note = LastCheckpointFile(data);
  t.Close();
  SECTION("missing (a store from before the file): written, not held") {
    for (const std::string& slot : Log::CheckpointFilePaths(data)) fs::remove(slot);
    Opened o(data);
    CHECK_FALSE(o.log().SigningHeld().has_value());
    CHECK(LastCheckpointFile(data) == note);
  }
  SECTION("a file from before the slots (checkpoint.last alone): read, not held") {
    fs::remove(Log::CheckpointFilePaths(data)[1]);
    std::ofstream(Log::CheckpointFilePath(data), std::ios::trunc) << note;
    Opened o(data);
    CHECK_FALSE(o.log().SigningHeld().has_value());
    CHECK(LastCheckpointFile(data) == note);
  }
  SECTION("behind the store (a crash between commit and file): brought up, not held") {
    t.Reopen(data);
    Append(t, 3, "more");
    const std::string newer = LastCheckpointFile(data);
    t.Close();
    WriteBothSlots(data, note);
    Opened o(data);
    CHECK_FALSE(o.log().SigningHeld().has_value());
    CHECK(LastCheckpointFile(data) == newer);
  }
  SECTION("one byte changed in both slots: held") {
    std::string bad = note;
    bad[bad.find('\n') + 1] ^= 1;  // the size line
    WriteBothSlots(data, bad);
    Opened o(data);
    REQUIRE(o.log().SigningHeld().has_value());
    CHECK(o.log().SigningHeld()->find("does not verify") != std::string::npos);
  }
  SECTION("another log's checkpoint in both slots: held") {
    TestLog other = MakeTestLog(dir.File("other"));
    WriteBothSlots(data, LastCheckpointFile(dir.File("other")));
    Opened o(data);
    CHECK(o.log().RollbackHeld());
  }
}

// A crash while a slot is being overwritten leaves it torn (a prefix of the new note over the
// old one, or cut short); the other slot still holds the note before, which verifies: the log
// opens on it, not held, and brings the file up to the store (formats.md §9.6).
TEST_CASE("checkpoint.last: a torn slot is ignored while the other verifies", "[nofork]") {
  TempDir dir("vigil_nofork");
  const std::string data = dir.File("data");
  TestLog t = MakeTestLog(data);
  Append(t, 12, "a", 4);  // 3 batches: both slots hold a checkpoint
  const std::string newest = LastCheckpointFile(data);
  t.Close();
  const std::array<std::string, 2> slots = Log::CheckpointFilePaths(data);
  const size_t torn = ReadFile(slots[0]) == newest ? 0 : 1;
  const std::string older = ReadFile(slots[1 - torn]);
  REQUIRE(NoteSize(older) < NoteSize(newest));
  std::string bytes;
  SECTION("cut in the middle") { bytes = newest.substr(0, newest.size() / 2); }
  SECTION("new bytes over old ones") {
    bytes = newest.substr(0, newest.size() / 2) + older.substr(newest.size() / 2);
  }
  SECTION("empty") { bytes = ""; }
  std::ofstream(slots[torn], std::ios::trunc) << bytes;
  Opened o(data);
  CHECK_FALSE(o.log().SigningHeld().has_value());
  // Brought up over the torn slot; the older note stays in the other until the next batch.
  CHECK(ReadFile(slots[torn]) == newest);
  CHECK(ReadFile(slots[1 - torn]) == older);
  Submission sub = Registration(t.authority, "after");
  o.log().Prepare(sub);
  std::vector<Result<Appended>> r = o.log().AppendBatch({sub}, NowMs());
  REQUIRE(r[0].ok());
  CHECK(ReadFile(slots[1 - torn]) == r[0]->receipt.checkpoint);  // the older slot, not the newest
  CHECK(ReadFile(slots[torn]) == newest);
}

// The dishonest twin: the newest slot torn (or wiped by hand) over a store restored from before
// both notes: the other slot still verifies and is ahead of the store, so the log holds.
TEST_CASE("checkpoint.last: a torn slot does not hide a rollback", "[nofork]") {
  TempDir dir("vigil_nofork");
  const std::string data = dir.File("data");
  TestLog t = MakeTestLog(data);
  Append(t, 10, "a");
  t.Close();
  Backup(data, dir.File("old"));
  t.Reopen(data);
  Append(t, 12, "b", 4);
  const std::string newest = LastCheckpointFile(data);
  t.Close();
  REQUIRE(Restore(dir.File("old"), data).exit_code == 0);
  const std::array<std::string, 2> slots = Log::CheckpointFilePaths(data);
  const size_t torn = ReadFile(slots[0]) == newest ? 0 : 1;
  std::ofstream(slots[torn], std::ios::trunc) << newest.substr(0, newest.size() / 3);
  Opened o(data);
  CHECK(o.log().RollbackHeld());
  REQUIRE(o.log().SigningHeld().has_value());
  CHECK(o.log().SigningHeld()->find("holds 11 entries") != std::string::npos);
}

TEST_CASE("vigil accept-rollback records the abandoned checkpoint, then the log signs",
          "[nofork]") {
  TempDir dir("vigil_nofork");
  const std::string data = dir.File("data");
  TestLog t = MakeTestLog(data);
  const std::string police_key = dir.File("police.key");
  RegisterPolice(t, police_key);
  const std::string business_key = dir.File("business.key");
  {
    SecretKey b = SecretKey::Generate();
    REQUIRE(b.Save(business_key).ok());
    Submission sub = testing::MakeSubmission(
        t.authority, testing::RegisterPayload(t.authority_id, "reg-b", "biz-1", b.public_key()));
    REQUIRE(t.log->AppendBatch({sub}, NowMs())[0].ok());
  }
  Append(t, 5, "a");
  t.Close();
  Backup(data, dir.File("old"));
  t.Reopen(data);
  Append(t, 12, "b");
  const std::string abandoned = ReadFile(Log::CheckpointFilePath(data));
  Result<Checkpoint> cp = OpenCheckpoint(abandoned, t.log->info().verifier());
  REQUIRE(cp.ok());
  t.Close();
  REQUIRE(Restore(dir.File("old"), data).exit_code == 0);
  const std::string reason = "disk lost; newest backup is old; no mirror";
  auto accept = [&](const std::string& key, const std::string& why) {
    return RunVigil("accept-rollback --data " + Quote(data) + " --key " + Quote(key) +
                    " --reason " + Quote(why));
  };

  SECTION("refused without a reason, or with a key that may not write police notes") {
    CommandResult r = accept(police_key, " ");
    CHECK(r.exit_code == 2);
    r = accept(business_key, reason);
    INFO(r.out);
    CHECK(r.exit_code == 1);
    CHECK(r.out.find("nothing was changed") != std::string::npos);
    // Nothing changed: still held, same file, same size.
    CHECK(ReadFile(Log::CheckpointFilePath(data)) == abandoned);
    Opened o(data);
    CHECK(o.log().RollbackHeld());
    CHECK(o.log().Size() == 8);
  }
  SECTION("with a police key: recorded, then signing again") {
    CommandResult r = accept(police_key, reason);
    INFO(r.out);
    REQUIRE(r.exit_code == 0);
    CHECK(r.out.find("recorded as entry 8") != std::string::npos);
    Opened o(data);
    CHECK_FALSE(o.log().SigningHeld().has_value());
    REQUIRE(o.log().Size() == 9);
    Result<std::string> entry = o.log().EntryAt(8);
    REQUIRE(entry.ok());
    Result<Entry> e = DecodeEntry(*entry);
    REQUIRE(e.ok());
    json payload = json::parse(e->payload);
    CHECK(payload["type"] == "police.note");
    CHECK(payload["actor"] == "police-1");
    const std::string text = payload["text"];
    CHECK(text.find("size " + std::to_string(cp->size) + " with root " + Base64(cp->root)) !=
          std::string::npos);
    CHECK(text.find(reason) != std::string::npos);
    CHECK(text.find(abandoned) != std::string::npos);  // the signed note itself
    CHECK(ReadFile(Log::CheckpointFilePath(data)) == *o.log().LatestCheckpoint());
    // And it appends again.
    Submission sub = Registration(t.authority, "after");
    o.log().Prepare(sub);
    std::vector<Result<Placed>> p = o.log().Place({sub}, NowMs());
    CHECK(p[0].ok());
    o.ledger.reset();
    // Nothing left to accept.
    CHECK(accept(police_key, reason).exit_code == 2);
  }
}

// ---- static reads -----------------------------------------------------------------------

std::string TileFile(const std::string& out, const TileRef& t) {
  return out + "/tile/" + TilePath(t);
}

TEST_CASE("vigil publish writes the checkpoint and hash tiles, incrementally", "[publish]") {
  TempDir dir("vigil_publish");
  const std::string data = dir.File("data");
  const std::string out = dir.File("out");
  TestLog t = MakeTestLog(data);
  Append(t, 99, "a");  // 100 entries
  auto publish = [&] { return RunVigil("publish --data " + Quote(data) + " --to " + Quote(out)); };

  CommandResult r = publish();  // beside the open log: read-only
  INFO(r.out);
  REQUIRE(r.exit_code == 0);
  CHECK(ReadFile(out + "/checkpoint") == *t.log->LatestCheckpoint());
  CHECK(ReadFile(TileFile(out, {0, 0, 100})) == *t.log->ReadTile({0, 0, 100}));
  CHECK_FALSE(fs::exists(out + "/tile/entries"));  // entry bundles are private
  CHECK(publish().out.find("nothing to do") != std::string::npos);

  Append(t, 200, "b");  // 300 entries: tile 0/000 full, 0/001.p/44, level 1 .p/1
  r = publish();
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("3 tile file(s) written, 1 partial tile(s) removed") != std::string::npos);
  CHECK(ReadFile(TileFile(out, {0, 0, 256})) == *t.log->ReadTile({0, 0, 256}));
  CHECK(ReadFile(TileFile(out, {0, 1, 44})) == *t.log->ReadTile({0, 1, 44}));
  CHECK(ReadFile(TileFile(out, {1, 0, 1})) == *t.log->ReadTile({1, 0, 1}));
  CHECK_FALSE(fs::exists(out + "/tile/0/000.p"));  // its full tile is published

  // A full tile is never rewritten: same inode and mtime after more runs.
  struct stat before, after;
  REQUIRE(::stat(TileFile(out, {0, 0, 256}).c_str(), &before) == 0);
  Append(t, 10, "c");
  REQUIRE(publish().exit_code == 0);
  REQUIRE(::stat(TileFile(out, {0, 0, 256}).c_str(), &after) == 0);
  CHECK(before.st_ino == after.st_ino);
  CHECK(before.st_mtim.tv_nsec == after.st_mtim.tv_nsec);
  CHECK(ReadFile(TileFile(out, {0, 1, 54})) == *t.log->ReadTile({0, 1, 54}));
  CHECK(fs::exists(TileFile(out, {0, 1, 44})));  // older partials stay until the tile is full
  CHECK(ReadFile(out + "/checkpoint") == *t.log->LatestCheckpoint());
}

TEST_CASE("vigil publish refuses to roll the published log back", "[publish]") {
  TempDir dir("vigil_publish");
  const std::string data = dir.File("data");
  const std::string out = dir.File("out");
  TestLog t = MakeTestLog(data);
  Append(t, 20, "a");
  t.Close();
  Backup(data, dir.File("old"));
  t.Reopen(data);
  Append(t, 20, "b");
  t.Close();
  REQUIRE(RunVigil("publish --data " + Quote(data) + " --to " + Quote(out)).exit_code == 0);
  const std::string published = ReadFile(out + "/checkpoint");
  REQUIRE(Restore(dir.File("old"), data).exit_code == 0);
  CommandResult r = RunVigil("publish --data " + Quote(data) + " --to " + Quote(out));
  INFO(r.out);
  CHECK(r.exit_code == 1);
  CHECK(r.out.find("refusing to roll the published log back") != std::string::npos);
  CHECK(ReadFile(out + "/checkpoint") == published);
  // Another log's directory is refused too.
  TestLog other = MakeTestLog(dir.File("other"));
  other.Close();
  r = RunVigil("publish --data " + Quote(dir.File("other")) + " --to " + Quote(out));
  CHECK(r.exit_code == 1);
  CHECK(ReadFile(out + "/checkpoint") == published);
}

TEST_CASE("Publisher (serve --publish) follows new checkpoints off the writer's path",
          "[publish]") {
  TempDir dir("vigil_publish");
  const std::string out = dir.File("out");
  TestLog t = MakeTestLog(dir.File("data"));
  Result<std::unique_ptr<Publisher>> p =
      Publisher::Start(*t.log, out, std::chrono::milliseconds(20));
  REQUIRE(p.ok());
  CHECK(ReadFile(out + "/checkpoint") == *t.log->LatestCheckpoint());
  Append(t, 300, "a", 30);
  for (int i = 0; i < 250 && (*p)->published_size() != t.log->Size(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  CHECK((*p)->published_size() == t.log->Size());
  CHECK(ReadFile(out + "/checkpoint") == *t.log->LatestCheckpoint());
  CHECK(ReadFile(TileFile(out, {0, 0, 256})) == *t.log->ReadTile({0, 0, 256}));
  (*p)->Stop();
  CHECK((*p)->failures() == 0);
}

}  // namespace
}  // namespace vigil
