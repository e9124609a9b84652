// Personal side data at rest (ledger/personal.h, issue 15 items 8, 9 and 11): records bound to
// their entry, erasure that destroys the key (byte scans of the store, of a backup made before
// the erasure and of one made after, and decryption attempts with the real keys), an erasure
// interrupted before its key was destroyed, and a missing personal.key or slot file. Real
// stores and the real `vigil` binary; no mocks.
#include "ledger/personal.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "keys/coding.h"
#include "keys/encoding.h"
#include "ledger/ledger.h"
#include "ledger/log/db.h"
#include "ledger/verify.h"
#include "tests/serve_harness.h"
#include "tests/test_util.h"

namespace vigil {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::CommandResult;
using testing::MakeTestLog;
using testing::Quote;
using testing::ReadFile;
using testing::RunVigil;
using testing::TempDir;
using testing::TestLog;

const json kReader = {{"participant", "personal_test"}, {"role", "authority"}};

json Payload(const std::string& type, const std::string& id, const std::string& actor,
             const json& fields) {
  json p = {{"type", type}, {"id", id}, {"actor", actor}, {"at", FormatTimestamp(NowMs())}};
  for (const auto& [k, v] : fields.items()) p[k] = v;
  return p;
}

// A log with a police officer and two police notes carrying the personal data of two people.
struct PersonalLog {
  TempDir dir{"vigil_personal"};
  TestLog t = MakeTestLog(dir.path());
  SecretKey police = SecretKey::Generate();
  uint64_t seq_a = 0, seq_b = 0;
  std::string person_a =
      json{{"full_name", "Trần Thị Bích Ngọc"}, {"id_number", "001190077711"}}.dump();
  std::string person_b = json{{"full_name", "Lê Văn Tám"}, {"id_number", "001085099922"}}.dump();

  PersonalLog() {
    Append(testing::MakeSubmission(t.authority,
                                   testing::RegisterPayload(t.authority_id, "reg-pol", "pol-1",
                                                            police.public_key(), "police")));
    seq_a = Note("note-a", person_a, 'a');
    seq_b = Note("note-b", person_b, 'b');
  }

  uint64_t Append(const Submission& sub) {
    std::vector<Result<Appended>> r = t.log->AppendBatch({sub}, NowMs());
    INFO(r[0].status().ToString());
    REQUIRE(r[0].ok());
    return r[0]->receipt.seq;
  }

  uint64_t Note(const std::string& id, const std::string& personal, char salt_byte) {
    const std::string salt(16, salt_byte);
    Submission sub = testing::MakeSubmission(
        police, Payload("police.note", id, "pol-1",
                        {{"subject", t.authority_id},
                         {"text", "questioned"},
                         {"personal_commitment", PersonalCommitment(personal, salt)}}));
    AttachmentOf(sub).personal = personal;
    AttachmentOf(sub).personal_salt = Base64Encode(salt);
    return Append(sub);
  }

  void Erase(uint64_t seq) {
    Append(testing::MakeSubmission(
        t.authority, Payload("erasure", "erase-" + std::to_string(seq), t.authority_id,
                             {{"target_seq", seq}, {"reason", "court order"}})));
  }

  Result<std::optional<std::string>> Read(uint64_t seq) {
    return t.ledger->ReadPersonal(seq, kReader);
  }

  std::string Keys() const { return dir.path() + "/keys"; }
  std::string Store() const { return dir.path() + "/store/data.mdb"; }
};

// The value of the personal table at `seq` in the store under `store_dir` (read-only).
std::optional<std::string> StoredValue(const std::string& store_dir, uint64_t seq) {
  db::EnvOptions o;
  o.read_only = true;
  Result<std::unique_ptr<db::Env>> env = db::Env::Open(store_dir, o);
  REQUIRE(env.ok());
  Result<db::Txn> txn = (*env)->BeginRead();
  REQUIRE(txn.ok());
  Result<std::optional<std::string>> v = txn->Get(db::Table::kPersonal, EncodeBigEndian64(seq));
  REQUIRE(v.ok());
  return *v;
}

VerifyReport Verify(const std::string& dir, std::optional<std::string> personal_keys,
                    bool all_errors = false) {
  VerifyOptions o;
  o.personal_keys = std::move(personal_keys);
  o.all_errors = all_errors;
  o.threads = 2;
  Result<VerifyReport> r = VerifyStore(dir, o);
  INFO(r.status().ToString());
  REQUIRE(r.ok());
  return *r;
}

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// Every byte of every regular file under `dir`, concatenated.
std::string AllBytesUnder(const std::string& dir) {
  std::string all;
  for (const auto& f : fs::recursive_directory_iterator(dir)) {
    if (f.is_regular_file()) all += ReadFile(f.path().string());
  }
  return all;
}

TEST_CASE(
    "personal data opens for its own entry only: a swapped record is kCorruption and "
    "verify names the seq",
    "[personal]") {
  PersonalLog p;
  // The honest twin: each entry reads its own person; verify with the key opens both.
  {
    Result<std::optional<std::string>> a = p.Read(p.seq_a);
    REQUIRE(a.ok());
    REQUIRE(a->has_value());
    CHECK(**a == p.person_a);
    Result<std::optional<std::string>> b = p.Read(p.seq_b);
    REQUIRE(b.ok());
    REQUIRE(b->has_value());
    CHECK(**b == p.person_b);
  }
  p.t.Close();
  {
    VerifyReport honest = Verify(p.dir.path(), p.Keys());
    CHECK(honest.ok());
    CHECK(honest.personal_sealed == 2);
    CHECK(honest.personal_opened == 2);
  }
  // The insider swaps the two sealed records in the store file.
  {
    Result<std::unique_ptr<db::Env>> env = db::Env::Open(p.dir.path() + "/store");
    REQUIRE(env.ok());
    Result<db::Txn> txn = (*env)->BeginWrite();
    REQUIRE(txn.ok());
    const std::string ka = EncodeBigEndian64(p.seq_a), kb = EncodeBigEndian64(p.seq_b);
    Result<std::optional<std::string>> va = txn->Get(db::Table::kPersonal, ka);
    Result<std::optional<std::string>> vb = txn->Get(db::Table::kPersonal, kb);
    REQUIRE((va.ok() && va->has_value() && vb.ok() && vb->has_value()));
    REQUIRE(txn->Put(db::Table::kPersonal, ka, **vb).ok());
    REQUIRE(txn->Put(db::Table::kPersonal, kb, **va).ok());
    REQUIRE(txn->Commit().ok());
  }
  p.t.Reopen(p.dir.path());
  for (uint64_t seq : {p.seq_a, p.seq_b}) {
    Result<std::optional<std::string>> r = p.Read(seq);
    INFO("entry " << seq);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Code::kCorruption);
    CHECK(Contains(r.status().message(), "entry " + std::to_string(seq)));
  }
  p.t.Close();
  VerifyReport first = Verify(p.dir.path(), p.Keys());
  REQUIRE_FALSE(first.ok());
  REQUIRE(first.problems[0].seq.has_value());
  CHECK(*first.problems[0].seq == p.seq_a);
  VerifyReport all = Verify(p.dir.path(), p.Keys(), /*all_errors=*/true);
  REQUIRE(all.problems.size() == 2);
  CHECK(all.problems[1].seq == std::optional<uint64_t>(p.seq_b));
  // The command says so too, naming the entry, with exit status 1.
  CommandResult v =
      RunVigil("verify --data " + Quote(p.dir.path()) + " --personal-keys " + Quote(p.Keys()));
  INFO(v.out);
  CHECK(v.exit_code == 1);
  CHECK(Contains(v.out, "FAILED at entry " + std::to_string(p.seq_a)));
}

TEST_CASE("verify without the personal key still names a deleted, moved or stray record",
          "[personal]") {
  PersonalLog p;
  p.t.Close();
  CHECK(Verify(p.dir.path(), std::nullopt).ok());  // the honest twin
  const std::string ka = EncodeBigEndian64(p.seq_a), kb = EncodeBigEndian64(p.seq_b);
  std::string sealed_b;
  auto edit = [&](const std::function<void(db::Txn&)>& fn) {
    Result<std::unique_ptr<db::Env>> env = db::Env::Open(p.dir.path() + "/store");
    REQUIRE(env.ok());
    Result<db::Txn> txn = (*env)->BeginWrite();
    REQUIRE(txn.ok());
    fn(*txn);
    REQUIRE(txn->Commit().ok());
  };
  // Deleted: entry B commits to personal data the store no longer holds.
  edit([&](db::Txn& txn) {
    Result<std::optional<std::string>> v = txn.Get(db::Table::kPersonal, kb);
    REQUIRE((v.ok() && v->has_value()));
    sealed_b = **v;
    REQUIRE(txn.Delete(db::Table::kPersonal, kb).ok());
  });
  VerifyReport deleted = Verify(p.dir.path(), std::nullopt);
  REQUIRE_FALSE(deleted.ok());
  CHECK(deleted.problems[0].seq == std::optional<uint64_t>(p.seq_b));
  CHECK(Contains(deleted.problems[0].what, "holds none"));
  // Stray: B's record under entry 1 (the police registration, which commits to nothing).
  edit([&](db::Txn& txn) {
    REQUIRE(txn.Put(db::Table::kPersonal, kb, sealed_b).ok());
    REQUIRE(txn.Put(db::Table::kPersonal, EncodeBigEndian64(1), sealed_b).ok());
  });
  VerifyReport stray = Verify(p.dir.path(), std::nullopt);
  REQUIRE_FALSE(stray.ok());
  CHECK(stray.problems[0].seq == std::optional<uint64_t>(1));
  // Copied over A: two records name one key slot.
  edit([&](db::Txn& txn) {
    REQUIRE(txn.Delete(db::Table::kPersonal, EncodeBigEndian64(1)).ok());
    REQUIRE(txn.Put(db::Table::kPersonal, ka, sealed_b).ok());
  });
  VerifyReport copied = Verify(p.dir.path(), std::nullopt);
  REQUIRE_FALSE(copied.ok());
  CHECK(copied.problems[0].seq == std::optional<uint64_t>(p.seq_b));
  CHECK(Contains(copied.problems[0].what, "same key slot"));
}

TEST_CASE(
    "erasure destroys the record's key: the store and backups made before and after it "
    "never reveal the data, even with the real keys",
    "[personal]") {
  PersonalLog p;
  const std::string name = "Trần Thị Bích Ngọc", id_number = "001190077711";
  const std::string before = p.dir.path() + "/backup-before";
  const std::string after = p.dir.path() + "/backup-after";
  CommandResult b1 =
      RunVigil("backup --with-keys --data " + Quote(p.dir.path()) + " " + Quote(before));
  INFO(b1.out);
  REQUIRE(b1.exit_code == 0);
  CHECK(Contains(b1.out, "never copied"));
  CHECK_FALSE(fs::exists(before + "/keys/personal.slots"));
  CHECK(fs::exists(before + "/keys/personal.key"));

  const std::optional<std::string> sealed_before = StoredValue(before + "/store", p.seq_a);
  REQUIRE(sealed_before.has_value());
  Result<PersonalRecord> rec = DecodePersonalRecord(*sealed_before);
  REQUIRE(rec.ok());
  REQUIRE_FALSE(rec->erased);
  const std::string commitment_a = PersonalCommitment(p.person_a, std::string(16, 'a'));
  const PersonalBinding binding{testing::kTestOrigin, p.seq_a, commitment_a};
  {
    // Until the erasure, the backup's record opens with the live keys (the test is not vacuous).
    Result<PersonalVault> vault = PersonalVault::Open(p.Keys(), PersonalVault::Mode::kRead);
    REQUIRE(vault.ok());
    Result<std::string> opened = vault->Unseal(binding, *sealed_before);
    REQUIRE(opened.ok());
    CHECK(*opened == p.person_a);
  }

  p.Erase(p.seq_a);
  {
    Result<std::optional<std::string>> r = p.Read(p.seq_a);
    REQUIRE(r.ok());
    CHECK_FALSE(r->has_value());
    Result<std::optional<std::string>> other = p.Read(p.seq_b);  // the other person stays
    REQUIRE(other.ok());
    REQUIRE(other->has_value());
    CHECK(**other == p.person_b);
  }
  CommandResult b2 =
      RunVigil("backup --with-keys --data " + Quote(p.dir.path()) + " " + Quote(after));
  INFO(b2.out);
  REQUIRE(b2.exit_code == 0);
  p.t.Close();

  // Byte scans: the live store, both backups (every file in them) and the key directory.
  const std::string live = ReadFile(p.Store());
  REQUIRE(live.size() > 0);
  for (const std::string& bytes :
       {live, AllBytesUnder(before), AllBytesUnder(after), AllBytesUnder(p.Keys())}) {
    CHECK_FALSE(Contains(bytes, name));
    CHECK_FALSE(Contains(bytes, id_number));
    CHECK_FALSE(Contains(bytes, p.person_a));
  }
  // The slot is zeros on disk.
  Result<PersonalVault> vault = PersonalVault::Open(p.Keys(), PersonalVault::Mode::kRead);
  REQUIRE(vault.ok());
  Result<std::optional<SlotSecret>> slot = vault->slots().Read(rec->slot);
  REQUIRE(slot.ok());
  CHECK_FALSE(slot->has_value());
  // The record sealed before the erasure — from the backup made before it, and from the live
  // store's free pages if LMDB kept it there — no longer opens with the real keys.
  {
    Result<std::string> opened = vault->Unseal(binding, *sealed_before);
    REQUIRE_FALSE(opened.ok());
    CHECK(opened.status().code() == Code::kCorruption);
    CHECK(Contains(opened.status().message(), "destroyed"));
  }
  if (Contains(live, *sealed_before)) {
    Result<std::string> opened = vault->Unseal(binding, *sealed_before);
    CHECK_FALSE(opened.ok());
  }
  // Nor does it with the personal.key the first backup carried.
  {
    fs::copy_file(p.Keys() + "/personal.slots", before + "/keys/personal.slots");
    Result<PersonalVault> old = PersonalVault::Open(before + "/keys", PersonalVault::Mode::kRead);
    REQUIRE(old.ok());
    CHECK_FALSE(old->Unseal(binding, *sealed_before).ok());
    fs::remove(before + "/keys/personal.slots");
  }
  // The backup after the erasure holds only the tombstone.
  const std::optional<std::string> after_value = StoredValue(after + "/store", p.seq_a);
  REQUIRE(after_value.has_value());
  Result<PersonalRecord> tomb = DecodePersonalRecord(*after_value);
  REQUIRE(tomb.ok());
  CHECK(tomb->erased);
  // Verification with the keys passes: B opens, A is erased and its key is gone.
  VerifyReport report = Verify(p.dir.path(), p.Keys());
  INFO((report.problems.empty() ? "" : report.problems[0].what));
  CHECK(report.ok());
  CHECK(report.personal_sealed == 1);
  CHECK(report.personal_opened == 1);
  CHECK(report.personal_erased == 1);
}

TEST_CASE("an erasure interrupted before its key was destroyed is finished at the next start",
          "[personal]") {
  PersonalLog p;
  const std::optional<std::string> sealed = StoredValue(p.dir.path() + "/store", p.seq_a);
  REQUIRE(sealed.has_value());
  const std::string saved_slots = p.dir.File("personal.slots.saved");
  fs::copy_file(p.Keys() + "/personal.slots", saved_slots);
  p.Erase(p.seq_a);
  p.t.Close();
  // As if the slot had not reached the disk (or an older key backup was put back).
  fs::copy_file(saved_slots, p.Keys() + "/personal.slots", fs::copy_options::overwrite_existing);
  const std::string commitment_a = PersonalCommitment(p.person_a, std::string(16, 'a'));
  const PersonalBinding binding{testing::kTestOrigin, p.seq_a, commitment_a};
  {
    Result<PersonalVault> vault = PersonalVault::Open(p.Keys(), PersonalVault::Mode::kRead);
    REQUIRE(vault.ok());
    CHECK(vault->Unseal(binding, *sealed).ok());  // the key is back...
    VerifyReport report = Verify(p.dir.path(), p.Keys());
    REQUIRE_FALSE(report.ok());  // ... and verify says so
    CHECK(report.problems[0].seq == std::optional<uint64_t>(p.seq_a));
    CHECK(Contains(report.problems[0].what, "still in the slot file"));
  }
  p.t.Reopen(p.dir.path());  // the start destroys it again
  p.t.Close();
  Result<PersonalVault> vault = PersonalVault::Open(p.Keys(), PersonalVault::Mode::kRead);
  REQUIRE(vault.ok());
  CHECK_FALSE(vault->Unseal(binding, *sealed).ok());
  CHECK(Verify(p.dir.path(), p.Keys()).ok());
}

TEST_CASE(
    "a missing personal.key or slot file with sealed records refuses to start; a fresh "
    "store makes them",
    "[personal]") {
  // The honest twin: a fresh store gets both files, private.
  {
    TempDir dir("vigil_personal_fresh");
    TestLog t = MakeTestLog(dir.path());
    for (const char* f : {"personal.key", "personal.slots"}) {
      const std::string path = dir.path() + "/keys/" + f;
      REQUIRE(fs::exists(path));
      CHECK((fs::status(path).permissions() & (fs::perms::group_all | fs::perms::others_all)) ==
            fs::perms::none);
    }
    // With no personal record yet, a lost key is simply made again...
    t.Close();
    fs::remove(dir.path() + "/keys/personal.key");
    fs::remove(dir.path() + "/keys/personal.slots");
    t.Reopen(dir.path());
    CHECK(fs::exists(dir.path() + "/keys/personal.key"));
    // ... but a slot file left without its key is named, not silently paired with a new key.
    t.Close();
    fs::remove(dir.path() + "/keys/personal.key");
    Result<std::unique_ptr<Ledger>> refused = Ledger::Open(dir.path());
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.status().code() == Code::kFailedPrecondition);
    CHECK(Contains(refused.status().message(), dir.path() + "/keys/personal.key is missing"));
    LedgerOpenOptions lossy;
    lossy.accept_personal_data_loss = true;
    REQUIRE(Ledger::Open(dir.path(), lossy).ok());
    CHECK(fs::exists(dir.path() + "/keys/personal.key"));
    size_t orphaned = 0;
    for (const auto& f : fs::directory_iterator(dir.path() + "/keys")) {
      if (f.path().filename().string().rfind("personal.slots.orphaned-", 0) == 0) ++orphaned;
    }
    CHECK(orphaned == 1);
  }
  PersonalLog p;
  p.t.Close();
  const std::string key = p.Keys() + "/personal.key";
  const std::string slots = p.Keys() + "/personal.slots";
  const std::string key_saved = p.dir.File("key.saved"), slots_saved = p.dir.File("slots.saved");
  fs::rename(key, key_saved);
  {
    Result<std::unique_ptr<Ledger>> opened = Ledger::Open(p.dir.path());
    REQUIRE_FALSE(opened.ok());
    CHECK(opened.status().code() == Code::kFailedPrecondition);
    CHECK(Contains(opened.status().message(), key));
    CHECK(Contains(opened.status().message(), "key backup"));
    CHECK_FALSE(fs::exists(key));  // no new key was made
    CommandResult serve = RunVigil("serve --data " + Quote(p.dir.path()) + " --listen 127.0.0.1:0");
    INFO(serve.out);
    CHECK(serve.exit_code == 2);
    CHECK(Contains(serve.out, key + " is missing"));
    CHECK(Contains(serve.out, "2 sealed personal-data records"));
    CHECK_FALSE(fs::exists(key));
  }
  fs::rename(key_saved, key);
  fs::rename(slots, slots_saved);
  {
    Result<std::unique_ptr<Ledger>> opened = Ledger::Open(p.dir.path());
    REQUIRE_FALSE(opened.ok());
    CHECK(opened.status().code() == Code::kFailedPrecondition);
    CHECK(Contains(opened.status().message(), slots));
  }
  // The operator with no key backup at all may accept the loss: the records then never open.
  {
    LedgerOpenOptions lossy;
    lossy.accept_personal_data_loss = true;
    Result<std::unique_ptr<Ledger>> opened = Ledger::Open(p.dir.path(), lossy);
    REQUIRE(opened.ok());
    Result<std::optional<std::string>> r = (*opened)->ReadPersonal(p.seq_a, kReader);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Code::kCorruption);
  }
  // Putting the saved pair back restores the reading (the lossy start made no new slots).
  fs::rename(slots_saved, slots);
  p.t.Reopen(p.dir.path());
  Result<std::optional<std::string>> r = p.Read(p.seq_b);
  REQUIRE(r.ok());
  REQUIRE(r->has_value());
  CHECK(**r == p.person_b);
}

}  // namespace
}  // namespace vigil
