// vigil_bench: micro-benchmarks (Google Benchmark) of this machine's limits and of the ledger's
// own costs, measured in the same run so that every figure can be read as a ratio:
//
//   limit_ed25519_verify    Ed25519 verifications per second, one core (libsodium)
//   limit_sha256_entry      SHA-256 of a 600-byte entry per second, one core
//   limit_lmdb_commit       durable LMDB commits (one small put each, fsync) per second
//   limit_lmdb_put          LMDB puts inside one write transaction per second
//   writer_place/<batch>    Log::Place of prepared submissions: the single writer thread's
//                           ceiling in records/s (signatures verified beforehand, as the
//                           Writer does), one durable commit per batch
//   prepare                 Log::Prepare (parse + verify) per submission, on one core
//   load_key, load_participant   the two state reads Apply makes for every entry (the signer's
//                           key/ record and its participant/ record) on a store, decoded
//
// Run: build/bin/vigil_bench [--benchmark_format=json] (see `make bench`, docs/performance.md).
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "keys/coding.h"
#include "keys/encoding.h"
#include "keys/key.h"
#include "ledger/ledger.h"
#include "ledger/log/db.h"
#include "ledger/log/entry.h"
#include "ledger/state/state.h"
#include "ledger/state/state_store.h"
#include "ledger/txn_state_store.h"

namespace vigil::bench {
namespace {

constexpr char kOrigin[] = "bench.example/log";

// A directory under $TMPDIR (or /tmp) removed when the benchmark ends.
class ScratchDir {
 public:
  ScratchDir() {
    const char* base = std::getenv("TMPDIR");
    std::string templ =
        std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/vigil_bench.XXXXXX";
    if (::mkdtemp(templ.data()) == nullptr) std::abort();
    path_ = templ;
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

void Require(const Status& s) {
  if (!s.ok()) {
    std::fprintf(stderr, "vigil_bench: %s\n", s.ToString().c_str());
    std::exit(1);
  }
}

// A registration of a new business by the authority: the record the load tool submits too.
// A tax code of its own for business i of `prefix` (one enterprise is registered once): "09",
// the prefix's first letter's code mod 100, then i in 6 digits.
std::string TaxCode(const std::string& prefix, size_t i) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "09%02d%06zu",
                prefix.empty() ? 0 : static_cast<unsigned char>(prefix[0]) % 100, i % 1'000'000);
  return buf;
}

Submission Registration(const SecretKey& authority, const std::string& prefix, size_t i) {
  const SecretKey business = SecretKey::Generate();
  const std::string n = std::to_string(i);
  nlohmann::json payload = {{"type", "participant.register"},
                            {"id", prefix + "reg-" + n},
                            {"actor", "authority"},
                            {"at", FormatTimestamp(NowMs())},
                            {"participant", prefix + "biz-" + n},
                            {"role", "business"},
                            {"legal_name", "Benchmark business " + n},
                            {"tax_code", TaxCode(prefix, i)},
                            {"keys", {business.public_key().ToBase64()}}};
  Submission sub;
  sub.signer = authority.Id();
  sub.payload = payload.dump();
  sub.sig = authority.Sign(SignContext::kEntry, kOrigin, sub.payload);
  return sub;
}

void LimitEd25519Verify(benchmark::State& state) {
  const SecretKey key = SecretKey::Generate();
  const std::string msg(400, 'x');
  const std::string sig = key.Sign(SignContext::kEntry, kOrigin, msg);
  const PublicKey pub = key.public_key();
  for (auto _ : state) {
    benchmark::DoNotOptimize(pub.Verify(SignContext::kEntry, kOrigin, msg, sig));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(LimitEd25519Verify)->Name("limit_ed25519_verify");

void LimitSha256(benchmark::State& state) {
  const std::string entry(600, 'e');
  for (auto _ : state) benchmark::DoNotOptimize(Sha256(entry));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(LimitSha256)->Name("limit_sha256_entry");

void LimitLmdbCommit(benchmark::State& state) {
  ScratchDir dir;
  Result<std::unique_ptr<db::Env>> env = db::Env::Open(dir.path());
  Require(env.status());
  uint64_t i = 0;
  const std::string value(600, 'v');
  for (auto _ : state) {
    Result<db::Txn> txn = (*env)->BeginWrite();
    Require(txn.status());
    Require(txn->Append(db::Table::kEntries, EncodeBigEndian64(i++), value));
    Require(txn->Commit());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(LimitLmdbCommit)->Name("limit_lmdb_commit")->UseRealTime()->MinTime(2.0);

void LimitLmdbPut(benchmark::State& state) {
  ScratchDir dir;
  Result<std::unique_ptr<db::Env>> env = db::Env::Open(dir.path());
  Require(env.status());
  const std::string value(600, 'v');
  uint64_t i = 0;
  Result<db::Txn> txn = (*env)->BeginWrite();
  Require(txn.status());
  for (auto _ : state) {
    // Random-ish keys, like the state table's (not appends at the end).
    Require(
        txn->Put(db::Table::kState, AsView(Sha256(EncodeBigEndian64(i++))).substr(0, 16), value));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(LimitLmdbPut)->Name("limit_lmdb_put");

// A fresh log in a scratch directory with its authority key.
struct BenchLog {
  ScratchDir dir;
  std::unique_ptr<Ledger> ledger;
  Log* log = nullptr;  // &ledger->log()
  std::optional<SecretKey> authority;

  BenchLog() {
    InitOptions options;
    options.origin = kOrigin;
    Require(Ledger::Init(dir.path(), options).status());
    Result<std::unique_ptr<Ledger>> opened = Ledger::Open(dir.path());
    Require(opened.status());
    ledger = std::move(*opened);
    log = &ledger->log();
    Result<SecretKey> key = SecretKey::Load(dir.path() + "/keys/authority.key");
    Require(key.status());
    authority.emplace(std::move(*key));
  }
};

void Prepare(benchmark::State& state) {
  BenchLog b;
  std::vector<Submission> subs;
  for (size_t i = 0; i < 1000; ++i) subs.push_back(Registration(*b.authority, "p", i));
  size_t i = 0;
  for (auto _ : state) {
    Submission sub = subs[i++ % subs.size()];
    b.log->Prepare(sub);
    benchmark::DoNotOptimize(AttachmentOf(sub).verified.pairs.size());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(Prepare)->Name("prepare");

void WriterPlace(benchmark::State& state) {
  const size_t batch = static_cast<size_t>(state.range(0));
  BenchLog b;
  size_t next = 0;
  std::vector<Submission> subs;
  for (auto _ : state) {
    state.PauseTiming();
    subs.clear();
    for (size_t i = 0; i < batch; ++i) {
      subs.push_back(Registration(*b.authority, "w", next++));
      b.log->Prepare(subs.back());
    }
    state.ResumeTiming();
    std::vector<Result<Placed>> placed = b.log->Place(subs, NowMs());
    for (const Result<Placed>& p : placed) Require(p.status());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(batch));
}
BENCHMARK(WriterPlace)
    ->Name("writer_place")
    ->Arg(1)
    ->Arg(64)
    ->Arg(512)
    ->UseRealTime()
    ->MinTime(2.0);

// The signer lookups of Apply, on the genesis authority's records (LMDB read + decode).
void LoadSignerKey(benchmark::State& state) {
  BenchLog b;
  Result<db::Txn> txn = b.log->BeginRead();
  Require(txn.status());
  TxnStateStore store(*txn);
  const std::string id = b.authority->Id();
  for (auto _ : state) {
    Result<std::optional<KeyRecord>> k = LoadKey(store, id);
    if (!k.ok() || !k->has_value()) std::abort();
    benchmark::DoNotOptimize((*k)->added_seq);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(LoadSignerKey)->Name("load_key");

void LoadSignerParticipant(benchmark::State& state) {
  BenchLog b;
  Result<db::Txn> txn = b.log->BeginRead();
  Require(txn.status());
  TxnStateStore store(*txn);
  for (auto _ : state) {
    Result<std::optional<Participant>> p = LoadParticipant(store, "authority");
    if (!p.ok() || !p->has_value()) std::abort();
    benchmark::DoNotOptimize((*p)->revoked);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(LoadSignerParticipant)->Name("load_participant");

}  // namespace
}  // namespace vigil::bench

BENCHMARK_MAIN();
