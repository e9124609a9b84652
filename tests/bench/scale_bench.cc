// vigil_scale_bench: proofs, queries and storage of a realistic log as it grows (issue 6,
// benchmarks 3-6; tests/bench/scale.sh runs it from `make bench`).
//
//   vigil_scale_bench grow --data DIR --entries N [--max-entries M] [--businesses 300]
//                          [--batch 5000] --out F.json
//       Creates the log in DIR (if absent) or continues the one there, appending generated
//       domain records in process (Log::Place, big batches, payloads built, signed and
//       Log::Prepare'd by worker threads while the writer places the previous batch) until it
//       holds N entries; then measures in process: inclusion and consistency proofs, hash tiles
//       and entry bundles at random indexes, a business's trail (first page) and stock, and
//       the bytes on disk per entry. Writes one JSON object to F.json.
//   vigil_scale_bench http --data DIR --server URL [--clients 4] [--requests 4000] --out F.json
//       The same reads over HTTP against `vigil serve --data DIR` (trail and stock as signed
//       requests by the authority key, each signed with a fresh nonce before the clock starts).
//   vigil_scale_bench tree --data DIR --entries N --out F.json
//       Proofs and hash tiles at sizes a `make bench` cannot grow a real log to (10M): builds
//       in DIR/store only the Merkle tree's `hashes` table of N synthetic leaves, the way
//       Log::Place stores it (AppendLeaf), then measures
//       inclusion and consistency proofs and level-0 hash tiles through the same functions the
//       log serves them with (merkle::InclusionProof / ConsistencyProof over ReadNode,
//       ReadTileAt). No entries, state or checkpoints: not a log, only its tree.
//
// The records: the authority registers --businesses businesses (one third precursor traders,
// the rest precursor users, each with its licence and key), then rounds of five records: a
// trader buys 1000 L from an outside supplier (invoice, lot, documents), dispatches 200 L to a
// user, the user confirms the receipt, the trader sells 100 L outside, the user uses 150 L. So
// stock never goes negative, every transfer closes, and trails and stock are real. Business
// keys are derived from their index (so a later run can continue the log); the generator's
// position is kept in DIR/scale-bench.json.
#include <httplib.h>
#include <sodium.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "api/request_signature.h"
#include "keys/encoding.h"
#include "keys/key.h"
#include "ledger/ledger.h"
#include "ledger/log/db.h"
#include "ledger/log/entry.h"
#include "ledger/log/log.h"
#include "ledger/log/merkle.h"
#include "ledger/log/tile.h"
#include "ledger/queries.h"

namespace vigil::bench {
namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

constexpr char kOrigin[] = "scale.bench.example/log";

[[noreturn]] void Die(const std::string& message) {
  std::cerr << "vigil_scale_bench: " << message << "\n";
  std::exit(2);
}
void Require(const Status& s, const char* what) {
  if (!s.ok()) Die(std::string(what) + ": " + s.ToString());
}

double Seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}
double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// p50/p90/p99/max/mean of latencies in microseconds.
json Summary(std::vector<double> us) {
  if (us.empty()) return json::object();
  std::sort(us.begin(), us.end());
  const double n = static_cast<double>(us.size());
  auto at = [&](double q) { return us[std::min(us.size() - 1, static_cast<size_t>(q * n))]; };
  double sum = 0;
  for (double v : us) sum += v;
  auto r = [](double v) { return std::round(v * 10) / 10; };
  return {{"n", us.size()},        {"p50_us", r(at(0.50))},  {"p90_us", r(at(0.90))},
          {"p99_us", r(at(0.99))}, {"max_us", r(us.back())}, {"mean_us", r(sum / n)}};
}

// ---- the generator ----

constexpr const char* kSubstances[] = {"67-64-1", "108-88-3", "78-93-3"};  // acetone, toluene, MEK

struct GenState {
  uint64_t next = 0;    // index of the next generated record
  int64_t base_ms = 0;  // "at" of record k is base_ms + k * kStepMs
  size_t businesses = 0;
};
constexpr int64_t kStepMs = 50;

std::string StatePath(const std::string& dir) { return dir + "/scale-bench.json"; }

GenState LoadState(const std::string& dir) {
  std::ifstream in(StatePath(dir));
  if (!in) Die("no " + StatePath(dir));
  json j = json::parse(in);
  return {j.at("next").get<uint64_t>(), j.at("base_ms").get<int64_t>(),
          j.at("businesses").get<size_t>()};
}
void SaveState(const std::string& dir, const GenState& s) {
  std::ofstream out(StatePath(dir) + ".tmp");
  out << json{{"next", s.next}, {"base_ms", s.base_ms}, {"businesses", s.businesses}}.dump();
  out.close();
  std::filesystem::rename(StatePath(dir) + ".tmp", StatePath(dir));
}

SecretKey BusinessKey(size_t i) {
  Result<SecretKey> k =
      SecretKey::FromSeed(AsView(Sha256("vigil scale bench business " + std::to_string(i))));
  if (!k.ok()) Die("FromSeed: " + k.status().ToString());
  return std::move(*k);
}

std::string BusinessId(size_t i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%s-%04zu", i % 3 == 0 ? "cty-thuongmai" : "nha-may", i);
  return buf;
}
bool IsTrader(size_t i) { return i % 3 == 0; }

std::string TaxCode(size_t i) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "01%08zu", i * 7919 % 100000000);
  return buf;
}

std::string HexSha(const std::string& s) { return HexEncode(AsView(Sha256(s))); }

class Generator {
 public:
  Generator(const GenState& st, std::string authority_id, const SecretKey& authority)
      : st_(st), authority_id_(std::move(authority_id)), authority_(authority) {
    for (size_t i = 0; i < st_.businesses; ++i) keys_.push_back(BusinessKey(i));
    for (size_t i = 0; i < st_.businesses; ++i) (IsTrader(i) ? traders_ : users_).push_back(i);
  }

  // The submission of record k, signed (not prepared).
  Submission Make(uint64_t k) const {
    const std::string at = FormatTimestamp(st_.base_ms + static_cast<int64_t>(k) * kStepMs);
    if (k < st_.businesses) return Registration(k, at);
    const uint64_t r = (k - st_.businesses) / 5;  // round
    const int step = static_cast<int>((k - st_.businesses) % 5);
    const size_t t = traders_[r % traders_.size()];
    const size_t u = users_[(r * 7 + r / traders_.size()) % users_.size()];
    const char* sub = kSubstances[(r / traders_.size()) % 3];
    const std::string rs = std::to_string(r);
    const std::string transfer = "PKS-" + std::to_string(t) + "-" + rs;
    const std::string lot = "LOT-" + std::to_string(r % 977) + "-" + sub;
    json p;
    size_t signer = t;
    switch (step) {
      case 0:
        p = {{"type", "chem.purchase"},
             {"id", "NK-" + rs},
             {"quantity", "1000"},
             {"party",
              {{"name", "Công ty TNHH Hóa dầu Nam Sơn"},
               {"enterprise_code", "0301447823"},
               {"licence_number", "GCN-KDTC-0087-HCM"},
               {"invoice", "HD-" + rs},
               {"address", "Khu công nghiệp Hiệp Phước, TP Hồ Chí Minh"},
               {"country", "VN"}}},
             {"lot", lot},
             {"packaging", "5 phuy thép 200 L"},
             {"purpose", "Kinh doanh"},
             {"transport", "Xe tải chuyên dụng chở hóa chất nguy hiểm"},
             {"documents",
              {{{"kind", "hóa đơn GTGT"}, {"number", "HD-" + rs}, {"sha256", HexSha("hd" + rs)}}}}};
        break;
      case 1:
        p = {{"type", "chem.dispatch"},
             {"id", "XK-" + rs},
             {"quantity", "200"},
             {"counterparty", BusinessId(u)},
             {"transfer_id", transfer},
             {"lot", lot},
             {"packaging", "1 phuy 200 L"},
             {"purpose", "Dung môi sản xuất sơn"},
             {"transport", "Xe tải chuyên dụng chở hóa chất nguy hiểm"},
             {"documents",
              {{{"kind", "phiếu kiểm soát mua bán"},
                {"number", transfer},
                {"sha256", HexSha("pks" + transfer)}}}}};
        break;
      case 2:
        signer = u;
        p = {{"type", "chem.receipt"},        {"id", "NH-" + rs},        {"quantity", "200"},
             {"counterparty", BusinessId(t)}, {"transfer_id", transfer}, {"lot", lot},
             {"packaging", "1 phuy 200 L"}};
        break;
      case 3:
        p = {{"type", "chem.sale"},
             {"id", "BH-" + rs},
             {"quantity", "100"},
             {"party",
              {{"name", "Công ty TNHH Keo dán Việt Hưng"},
               {"enterprise_code", "0900274561"},
               {"licence_number", "GXN-SDTC-0017-HY"},
               {"invoice", "HB-" + rs},
               {"address", "Khu công nghiệp Phố Nối A, Hưng Yên"},
               {"country", "VN"}}},
             {"purpose", "Dung môi sản xuất keo dán"},
             {"transport", "Xe tải chuyên dụng chở hóa chất nguy hiểm"},
             {"documents",
              {{{"kind", "hóa đơn GTGT"}, {"number", "HB-" + rs}, {"sha256", HexSha("hb" + rs)}}}}};
        break;
      default:
        signer = u;
        p = {{"type", "chem.use"},
             {"id", "SD-" + rs},
             {"quantity", "150"},
             {"purpose", "Pha chế dung môi cho dây chuyền sơn alkyd"},
             {"product", "Sơn alkyd AK-02"},
             {"lot", lot}};
    }
    p["actor"] = BusinessId(signer);
    p["at"] = at;
    p["substance"] = sub;
    p["unit"] = "L";
    return Sign(p, keys_[signer]);
  }

 private:
  static Submission Sign(const json& payload, const SecretKey& key) {
    Submission s;
    s.signer = key.Id();
    s.payload = payload.dump();
    s.sig = key.Sign(SignContext::kEntry, kOrigin, s.payload);
    return s;
  }
  Submission Registration(size_t i, const std::string& at) const {
    const std::string issued = FormatTimestamp(st_.base_ms - 365 * 86'400'000LL).substr(0, 10);
    const std::string expires = FormatTimestamp(st_.base_ms + 3 * 365 * 86'400'000LL).substr(0, 10);
    const bool trader = IsTrader(i);
    const std::string n = std::to_string(i);
    json licence = {{"kind", trader ? "precursor_trading" : "precursor_use"},
                    {"number", (trader ? "GCN-KDTC-" : "GXN-SDTC-") + n + "-HN"},
                    {"issued", issued},
                    {"expires", expires},
                    {"substances", {kSubstances[0], kSubstances[1], kSubstances[2]}}};
    json p = {
        {"type", "participant.register"},
        {"id", "reg-" + BusinessId(i)},
        {"actor", authority_id_},
        {"at", at},
        {"participant", BusinessId(i)},
        {"role", "business"},
        {"legal_name",
         std::string(trader ? "Công ty TNHH Thương mại Hóa chất " : "Công ty Cổ phần Sơn ") + n},
        {"tax_code", TaxCode(i)},
        {"address", "Lô " + n + ", Khu công nghiệp Ngọc Hồi, Xã Thanh Trì, Hà Nội"},
        {"jurisdiction", {{"province", "Hà Nội"}, {"commune", "Xã Thanh Trì"}}},
        {"licences", {licence}},
        {"keys", {keys_[i].public_key().ToBase64()}}};
    return Sign(p, authority_);
  }

  GenState st_;
  std::string authority_id_;
  const SecretKey& authority_;
  std::vector<SecretKey> keys_;
  std::vector<size_t> traders_, users_;
};

// Records [from, to) built, signed and prepared on `threads` threads.
std::vector<Submission> Build(const Generator& gen, Log& log, uint64_t from, uint64_t to,
                              int threads) {
  std::vector<Submission> subs(to - from);
  std::vector<std::thread> ts;
  for (int w = 0; w < threads; ++w) {
    ts.emplace_back([&, w] {
      for (uint64_t k = from + static_cast<uint64_t>(w); k < to;
           k += static_cast<uint64_t>(threads)) {
        subs[k - from] = gen.Make(k);
        log.Prepare(subs[k - from]);
      }
    });
  }
  for (auto& t : ts) t.join();
  return subs;
}

struct Args {
  std::string mode, data, server, out;
  uint64_t entries = 0;
  uint64_t max_entries = 0;  // the largest size a later run will grow this log to
  size_t businesses = 300;
  size_t batch = 5000;
  int threads = 2;
  int clients = 4;
  size_t requests = 4000;
};

json Grow(const Args& a, Log& log, const std::string& authority_id, const SecretKey& authority,
          GenState& st) {
  Generator gen(st, authority_id, authority);
  const uint64_t start_size = log.Size();
  const auto t0 = Clock::now();
  const double c0 = CpuSeconds();
  uint64_t placed = 0, rejected = 0, batches = 0;
  double place_s = 0;
  std::string first_error;
  auto next_range = [&](uint64_t from) {
    uint64_t want =
        a.entries > log.Size() + (from - st.next) ? a.entries - log.Size() - (from - st.next) : 0;
    return std::min<uint64_t>(want, a.batch);
  };
  // Registrations first on their own, so that Prepare knows the business keys afterwards.
  uint64_t k = st.next;
  uint64_t n = std::min<uint64_t>(next_range(k), k < st.businesses ? st.businesses - k : a.batch);
  std::future<std::vector<Submission>> pending;
  std::vector<Submission> current = Build(gen, log, k, k + n, a.threads);
  k += n;
  while (!current.empty()) {
    const uint64_t current_end = k;  // current holds the records just before k
    const uint64_t m = next_range(k);
    if (m > 0 && k >= st.businesses) {
      const uint64_t from = k;
      pending = std::async(std::launch::async,
                           [&, from, m] { return Build(gen, log, from, from + m, a.threads); });
      k += m;
    }
    const auto p0 = Clock::now();
    std::vector<Result<Placed>> res = log.Place(
        current, std::max(NowMs(), st.base_ms + static_cast<int64_t>(current_end) * kStepMs));
    place_s += Seconds(p0, Clock::now());
    ++batches;
    for (const auto& r : res) {
      if (r.ok()) {
        ++placed;
      } else {
        ++rejected;
        if (first_error.empty()) first_error = r.status().ToString();
      }
    }
    if (rejected > 0) Die("rejected record: " + first_error);
    st.next += current.size();
    SaveState(a.data, st);
    if (pending.valid()) {
      current = pending.get();
    } else {
      const uint64_t m2 = next_range(k);
      current = m2 > 0 ? Build(gen, log, k, k + m2, a.threads) : std::vector<Submission>{};
      k += m2;
    }
  }
  const double wall = Seconds(t0, Clock::now());
  return {{"from_size", start_size},
          {"to_size", log.Size()},
          {"records", placed},
          {"batches", batches},
          {"wall_s", wall},
          {"cpu_s", CpuSeconds() - c0},
          {"place_s", place_s},
          {"records_per_s", wall > 0 ? static_cast<double>(placed) / wall : 0},
          {"place_records_per_s", place_s > 0 ? static_cast<double>(placed) / place_s : 0},
          {"threads", a.threads}};
}

double ThreadCpuUs() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
}

// Wall-clock latency of each call, and beside it the CPU time of this thread during the call
// (cpu_*: what the operation costs, without the time the shared machine gave to others).
template <typename F>
json Time(size_t n, F&& f) {
  std::vector<double> us, cpu;
  us.reserve(n);
  cpu.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    const double c0 = ThreadCpuUs();
    const auto t0 = Clock::now();
    f(i);
    us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
    cpu.push_back(ThreadCpuUs() - c0);
  }
  json out = Summary(std::move(us));
  json c = Summary(std::move(cpu));
  for (const char* k : {"p50_us", "p99_us", "max_us", "mean_us"})
    out[std::string("cpu_") + k] = c[k];
  return out;
}

json MeasureInProcess(Log& log, const GenState& st) {
  const uint64_t size = log.Size();
  std::mt19937_64 rng(size);
  auto below = [&](uint64_t n) { return std::uniform_int_distribution<uint64_t>(0, n - 1)(rng); };
  const size_t n = 20000;
  json out;
  size_t proof_hashes = 0;
  out["inclusion_proof"] = Time(n, [&](size_t) {
    Result<std::vector<Hash>> p = log.InclusionProof(below(size), size);
    if (!p.ok()) Die("inclusion: " + p.status().ToString());
    proof_hashes += p->size();
  });
  out["inclusion_proof"]["mean_hashes"] = static_cast<double>(proof_hashes) / n;
  proof_hashes = 0;
  out["consistency_proof"] = Time(n, [&](size_t) {
    Result<std::vector<Hash>> p = log.ConsistencyProof(1 + below(size - 1), size);
    if (!p.ok()) Die("consistency: " + p.status().ToString());
    proof_hashes += p->size();
  });
  out["consistency_proof"]["mean_hashes"] = static_cast<double>(proof_hashes) / n;
  const uint64_t full_tiles = size / TileRef::kWidth;
  out["hash_tile"] = Time(n, [&](size_t) {
    Result<std::string> t = log.ReadTile({0, below(full_tiles), TileRef::kWidth});
    if (!t.ok()) Die("tile: " + t.status().ToString());
  });
  out["entry_bundle"] = Time(n / 4, [&](size_t) {
    Result<std::string> t = log.ReadTile({TileRef::kEntries, below(full_tiles), TileRef::kWidth});
    if (!t.ok()) Die("bundle: " + t.status().ToString());
  });
  const size_t q = 2000;
  size_t items = 0;
  out["trail_first_page"] = Time(q, [&](size_t) {
    Result<db::Txn> txn = log.BeginRead();
    Require(txn.status(), "read txn");
    Result<queries::Page> page =
        queries::Trail(*txn, BusinessId(below(st.businesses)), Role::kBusiness, "", 100);
    if (!page.ok()) Die("trail: " + page.status().ToString());
    items += page->items.size();
  });
  out["trail_first_page"]["mean_items"] = static_cast<double>(items) / q;
  out["stock"] = Time(q, [&](size_t) {
    Result<db::Txn> txn = log.BeginRead();
    Require(txn.status(), "read txn");
    Result<json> s = queries::Stock(*txn, BusinessId(below(st.businesses)));
    if (!s.ok()) Die("stock: " + s.status().ToString());
  });
  return out;
}

json Storage(Log& log, const std::string& dir) {
  Result<db::Txn> txn = log.BeginRead();
  Require(txn.status(), "read txn");
  uint64_t entries = 0, bytes = 0;
  Require(txn->Scan(db::Table::kEntries, "",
                    [&](std::string_view, std::string_view v) {
                      ++entries;
                      bytes += v.size();
                      return true;
                    }),
          "scan entries");
  json tables = json::object();
  for (int t = 0; t < static_cast<int>(db::Table::kCount); ++t) {
    Result<uint64_t> c = txn->Count(static_cast<db::Table>(t));
    if (c.ok()) tables[db::TableName(static_cast<db::Table>(t))] = *c;
  }
  struct stat sb {};
  const std::string file = dir + "/store/data.mdb";
  if (::stat(file.c_str(), &sb) != 0) Die("stat " + file);
  const double n = static_cast<double>(entries);
  const double mean = entries ? static_cast<double>(bytes) / n : 0;
  const double per_entry = entries ? static_cast<double>(sb.st_size) / n : 0;
  const double allocated_per_entry = entries ? static_cast<double>(sb.st_blocks) * 512 / n : 0;
  return {{"entries", entries},
          {"entry_bytes_total", bytes},
          {"mean_entry_bytes", mean},
          {"data_mdb_bytes", sb.st_size},
          {"data_mdb_allocated_bytes", sb.st_blocks * 512},
          {"disk_bytes_per_entry", per_entry},
          {"allocated_bytes_per_entry", allocated_per_entry},
          {"ratio_disk_to_entry", mean > 0 ? per_entry / mean : 0},
          {"ratio_allocated_to_entry", mean > 0 ? allocated_per_entry / mean : 0},
          {"map_size", log.map_size()},
          {"table_records", tables}};
}

int RunGrow(const Args& a) {
  const bool fresh = !std::filesystem::exists(a.data + "/keys/log.key");
  GenState st;
  if (fresh) {
    InitOptions o;
    o.origin = kOrigin;
    o.jurisdiction = {{"province", "Hà Nội"}, {"commune", "Phường Cửa Nam"}};
    Result<LogInfo> info = Ledger::Init(a.data, o);
    Require(info.status(), "init");
    // No record may be dated before its actor's registration, and the authority's is the
    // genesis, now: record k is dated base + k * 50 ms from just after the genesis on, and
    // each batch is placed at the server time of its last record's "at" (a virtual clock,
    // ahead of the real one: 1M records span ~14 h), so that every "at" lies within the
    // reporting period before its ts and no transfer is overdue before its receipt is placed.
    st.base_ms = NowMs() + 1000;
    st.businesses = a.businesses;
    SaveState(a.data, st);
  } else {
    st = LoadState(a.data);
  }
  Result<std::unique_ptr<Ledger>> opened = Ledger::Open(a.data);
  Require(opened.status(), "open");
  Log& log = (*opened)->log();
  Result<SecretKey> authority = SecretKey::Load(a.data + "/keys/authority.key");
  Require(authority.status(), "authority key");
  json out = {{"entries_target", a.entries}};
  if (log.Size() < a.entries) {
    out["generate"] = Grow(a, log, "authority", *authority, st);
  }
  std::cerr << "grown to " << log.Size() << " entries; measuring in process\n";
  out["entries"] = log.Size();
  out["businesses"] = st.businesses;
  out["inproc"] = MeasureInProcess(log, st);
  out["storage"] = Storage(log, a.data);
  out["date"] = FormatTimestamp(NowMs());
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  out["process_max_rss_kib"] = u.ru_maxrss;
  std::ofstream(a.out) << out.dump(1) << "\n";
  std::cout << out.dump() << "\n";
  return 0;
}

// ---- over HTTP ----

std::string Nonce(uint64_t i) {
  unsigned char r[12];
  randombytes_buf(r, sizeof r);
  return HexEncode(std::string_view(reinterpret_cast<const char*>(r), sizeof r)) +
         std::to_string(i);
}

struct Req {
  std::string target;
  httplib::Headers headers;
};

json RunHttp(const Args& a, const std::vector<Req>& reqs) {
  std::vector<std::vector<double>> lat(static_cast<size_t>(a.clients));
  std::atomic<size_t> next{0};
  std::atomic<size_t> errors{0};
  std::string first_error;
  std::mutex mu;
  const std::string host = a.server.substr(a.server.find("//") + 2);
  const auto t0 = Clock::now();
  std::vector<std::thread> ts;
  for (int c = 0; c < a.clients; ++c) {
    ts.emplace_back([&, c] {
      httplib::Client cl("http://" + host);
      cl.set_keep_alive(true);
      cl.set_tcp_nodelay(true);
      cl.set_read_timeout(30, 0);
      for (size_t i; (i = next.fetch_add(1)) < reqs.size();) {
        const auto r0 = Clock::now();
        httplib::Result res = cl.Get(reqs[i].target, reqs[i].headers);
        const double us = std::chrono::duration<double, std::micro>(Clock::now() - r0).count();
        if (!res || res->status != 200) {
          ++errors;
          std::lock_guard<std::mutex> l(mu);
          if (first_error.empty()) {
            first_error = reqs[i].target + ": " +
                          (res ? std::to_string(res->status) + " " + res->body.substr(0, 200)
                               : httplib::to_string(res.error()));
          }
          continue;
        }
        lat[static_cast<size_t>(c)].push_back(us);
      }
    });
  }
  for (auto& t : ts) t.join();
  const double wall = Seconds(t0, Clock::now());
  std::vector<double> all;
  for (auto& v : lat) all.insert(all.end(), v.begin(), v.end());
  json s = Summary(std::move(all));
  s["errors"] = errors.load();
  if (!first_error.empty()) s["first_error"] = first_error;
  s["requests_per_s"] = wall > 0 ? static_cast<double>(reqs.size()) / wall : 0;
  s["clients"] = a.clients;
  return s;
}

int RunHttpMode(const Args& a) {
  GenState st = LoadState(a.data);
  Result<SecretKey> authority = SecretKey::Load(a.data + "/keys/authority.key");
  Require(authority.status(), "authority key");
  httplib::Client probe(a.server);
  httplib::Result info = probe.Get("/v1/log");
  if (!info || info->status != 200) Die("GET /v1/log failed");
  const uint64_t size = json::parse(info->body).at("size").get<uint64_t>();
  std::mt19937_64 rng(size + 1);
  auto below = [&](uint64_t n) { return std::uniform_int_distribution<uint64_t>(0, n - 1)(rng); };
  const std::string sz = std::to_string(size);
  auto signed_req = [&](const std::string& target, uint64_t i) {
    Req r{target, {}};
    const int64_t now = NowMs() / 1000;
    for (auto& [k, v] : api::SignRequest({"GET", target, ""}, *authority, kOrigin, now, Nonce(i)))
      r.headers.emplace(k, v);
    return r;
  };
  json out = {{"entries", size}};
  std::vector<Req> reqs;
  const size_t n = a.requests;
  for (size_t i = 0; i < n; ++i)
    reqs.push_back({"/v1/proof/inclusion?seq=" + std::to_string(below(size)) + "&size=" + sz, {}});
  out["inclusion_proof"] = RunHttp(a, reqs);
  reqs.clear();
  for (size_t i = 0; i < n; ++i)
    reqs.push_back(
        {"/v1/proof/consistency?from=" + std::to_string(1 + below(size - 1)) + "&to=" + sz, {}});
  out["consistency_proof"] = RunHttp(a, reqs);
  reqs.clear();
  for (size_t i = 0; i < n; ++i)
    reqs.push_back({"/tile/0/" + EncodeTileIndex(below(size / TileRef::kWidth)), {}});
  out["hash_tile"] = RunHttp(a, reqs);
  reqs.clear();
  for (size_t i = 0; i < n / 4; ++i)
    reqs.push_back(
        signed_req("/tile/entries/" + EncodeTileIndex(below(size / TileRef::kWidth)), i));
  out["entry_bundle"] = RunHttp(a, reqs);
  reqs.clear();
  for (size_t i = 0; i < n / 2; ++i)
    reqs.push_back(
        signed_req("/v1/participants/" + BusinessId(below(st.businesses)) + "/trail", n + i));
  out["trail_first_page"] = RunHttp(a, reqs);
  reqs.clear();
  for (size_t i = 0; i < n / 2; ++i)
    reqs.push_back(
        signed_req("/v1/participants/" + BusinessId(below(st.businesses)) + "/stock", 2 * n + i));
  out["stock"] = RunHttp(a, reqs);
  out["date"] = FormatTimestamp(NowMs());
  std::ofstream(a.out) << out.dump(1) << "\n";
  std::cout << out.dump() << "\n";
  for (const char* k : {"inclusion_proof", "consistency_proof", "hash_tile", "entry_bundle",
                        "trail_first_page", "stock"}) {
    if (out[k].value("errors", 0) != 0) return 1;
  }
  return 0;
}

Args Parse(int argc, char** argv) {
  Args a;
  if (argc < 2) Die("usage: vigil_scale_bench grow|http|tree --data DIR ... --out F.json");
  a.mode = argv[1];
  for (int i = 2; i < argc; ++i) {
    const std::string f = argv[i];
    if (i + 1 >= argc) Die("missing value for " + f);
    const std::string v = argv[++i];
    if (f == "--data")
      a.data = v;
    else if (f == "--server")
      a.server = v;
    else if (f == "--out")
      a.out = v;
    else if (f == "--entries")
      a.entries = std::stoull(v);
    else if (f == "--max-entries")
      a.max_entries = std::stoull(v);
    else if (f == "--businesses")
      a.businesses = std::stoull(v);
    else if (f == "--batch")
      a.batch = std::stoull(v);
    else if (f == "--threads")
      a.threads = std::stoi(v);
    else if (f == "--clients")
      a.clients = std::stoi(v);
    else if (f == "--requests")
      a.requests = std::stoull(v);
    else
      Die("unknown flag " + f);
  }
  if (a.data.empty() || a.out.empty()) Die("--data and --out are required");
  return a;
}

}  // namespace
}  // namespace vigil::bench

namespace vigil::bench {
namespace {

int RunTree(const Args& a) {
  Result<std::unique_ptr<db::Env>> env = db::Env::Open(a.data + "/store");
  Require(env.status(), "open store");
  const auto t0 = Clock::now();
  const double c0 = CpuSeconds();
  constexpr uint64_t kBatch = 100000;
  for (uint64_t from = 0; from < a.entries;) {
    const uint64_t to = std::min(a.entries, from + kBatch);
    Result<db::Txn> txn = (*env)->BeginWrite();
    Require(txn.status(), "write txn");
    Status s;
    for (uint64_t i = from; i < to && s.ok(); ++i) {
      s = AppendLeaf(*txn, i, merkle::HashLeaf("synthetic leaf " + std::to_string(i)));
    }
    if (s.ok()) s = txn->Commit();
    if (s.code() == Code::kResourceExhausted) {
      txn = Status(Code::kInternal, "aborted");  // ends the transaction before the map grows
      Require((*env)->Grow(), "grow map");
      continue;  // the same batch again in a bigger map
    }
    Require(s, "append tree nodes");
    from = to;
  }
  const double build_s = Seconds(t0, Clock::now());
  const double build_cpu_s = CpuSeconds() - c0;

  const uint64_t size = a.entries;
  std::mt19937_64 rng(size);
  auto below = [&](uint64_t n) { return std::uniform_int_distribution<uint64_t>(0, n - 1)(rng); };
  json out = {{"entries", size},
              {"date", FormatTimestamp(NowMs())},
              {"build", {{"wall_s", build_s}, {"cpu_s", build_cpu_s}}},
              {"note", "tree only: the hashes table of synthetic leaves, no entries or state"}};
  json& m = out["inproc"];
  const size_t n = 20000;
  size_t hashes = 0;
  auto proof = [&](auto&& make) {
    Result<db::Txn> txn = (*env)->BeginRead();
    Require(txn.status(), "read txn");
    Result<std::vector<Hash>> p =
        make([&](int level, uint64_t index) { return ReadNode(*txn, level, index); });
    if (!p.ok()) Die("proof: " + p.status().ToString());
    hashes += p->size();
  };
  m["inclusion_proof"] = Time(n, [&](size_t) {
    proof([&](const merkle::NodeReader& read) {
      return merkle::InclusionProof(below(size), size, read);
    });
  });
  m["inclusion_proof"]["mean_hashes"] = static_cast<double>(hashes) / n;
  hashes = 0;
  m["consistency_proof"] = Time(n, [&](size_t) {
    proof([&](const merkle::NodeReader& read) {
      return merkle::ConsistencyProof(1 + below(size - 1), size, read);
    });
  });
  m["consistency_proof"]["mean_hashes"] = static_cast<double>(hashes) / n;
  m["hash_tile"] = Time(n, [&](size_t) {
    Result<db::Txn> txn = (*env)->BeginRead();
    Require(txn.status(), "read txn");
    Result<std::string> t =
        ReadTileAt(*txn, size, {0, below(size / TileRef::kWidth), TileRef::kWidth});
    if (!t.ok()) Die("tile: " + t.status().ToString());
  });
  struct stat sb {};
  const std::string file = a.data + "/store/data.mdb";
  if (::stat(file.c_str(), &sb) != 0) Die("stat " + file);
  out["data_mdb_bytes"] = sb.st_size;
  std::ofstream(a.out) << out.dump(1) << "\n";
  return 0;
}

}  // namespace
}  // namespace vigil::bench

int main(int argc, char** argv) {
  using namespace vigil::bench;
  if (sodium_init() < 0) Die("sodium_init");
  Args a = Parse(argc, argv);
  if (a.mode == "grow") {
    if (a.entries < 1000) Die("--entries must be at least 1000");
    return RunGrow(a);
  }
  if (a.mode == "http") {
    if (a.server.empty()) Die("--server is required");
    return RunHttpMode(a);
  }
  if (a.mode == "tree") {
    if (a.entries < 2 * vigil::TileRef::kWidth) Die("--entries must be at least 512");
    return RunTree(a);
  }
  Die("unknown mode " + a.mode);
}
