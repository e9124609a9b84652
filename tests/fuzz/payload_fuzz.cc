// Fuzz harness: record payloads through the state machine (ledger/payload.h ParseJson,
// ParsePayload; ledger/state.h Apply), exactly as the server's append path and the verifier's
// replay run them, against a state seeded with an authority, a police officer, an inspector and
// two licensed businesses (one with acetone in stock and an open dispatch to the other).
//
// Input: byte 0 chooses the signer (authority, police, inspector, business A, business C, or an
// unregistered key) and whether a second registered key cosigns; the rest is the payload bytes,
// which the harness signs, so the fuzzer reaches the rules rather than stopping at the signature.
// Properties: nothing crashes or throws; a payload ParseJson refuses is refused by ParsePayload;
// an accepted entry's canonical bytes decode back to it; the seeded state is never changed
// (Apply writes into an overlay that is dropped). With VIGIL_FUZZ_VERBOSE set, each input's
// outcome is printed (to see which seeds reach which rules).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "keys/key.h"
#include "ledger/log/entry.h"
#include "ledger/state/payload.h"
#include "ledger/state/state.h"
#include "ledger/state/state_store.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using nlohmann::json;
using vigil::SecretKey;

constexpr char kOrigin[] = "vigil.fuzz.example/payload";

constexpr char kAt[] = "2026-06-01T08:00:00Z";

struct World {
  vigil::MemoryStateStore state;
  uint64_t seq = 0;
  int64_t ts_ms = 0;
  std::vector<SecretKey> keys;  // authority, police, inspector, biz-a, biz-c, stranger
  size_t state_size = 0;

  static SecretKey Key(char seed) { return *SecretKey::FromSeed(std::string(32, seed)); }

  void Must(const SecretKey& key, const json& payload) {
    vigil::Entry e;
    e.seq = seq;
    e.ts_ms = ts_ms;
    e.signer = key.Id();
    e.payload = payload.dump();
    e.sig = key.Sign(vigil::SignContext::kEntry, kOrigin, e.payload);
    vigil::Result<vigil::Payload> p = vigil::ParsePayload(e.payload);
    vigil::Status s = p.ok() ? vigil::Apply(state, kOrigin, e, *p) : p.status();
    if (!s.ok()) {
      std::fprintf(stderr, "payload_fuzz: seeding failed at %s: %s\n", e.payload.c_str(),
                   s.ToString().c_str());
      std::abort();
    }
    ++seq;
  }

  json Make(const std::string& type, const std::string& actor, const json& fields) {
    json p = {{"type", type}, {"id", "seed-" + std::to_string(seq)}, {"actor", actor}, {"at", kAt}};
    for (const auto& [k, v] : fields.items()) p[k] = v;
    return p;
  }

  json Register(const std::string& id, const std::string& role, const SecretKey& key,
                const json& extra = json::object()) {
    json f = {{"participant", id},
              {"role", role},
              {"legal_name", id + " legal name"},
              {"keys", {key.public_key().ToBase64()}}};
    for (const auto& [k, v] : extra.items()) f[k] = v;
    return Make("participant.register", "auth", f);
  }

  World() {
    ts_ms = *vigil::ParseTimestamp(kAt);
    for (char c : {'a', 'p', 'i', 'b', 'c', 's'}) keys.push_back(Key(c));
    auto licence = [](const std::string& kind, const std::string& number) {
      return json{{"kind", kind},
                  {"number", number},
                  {"issued", "2026-01-01"},
                  {"expires", "2027-12-31"},
                  {"substances", {"67-64-1", "7722-64-7"}}};
    };
    Must(keys[0],
         Register("auth", "authority", keys[0], {{"legal_name", "Provincial Police Command"}}));
    Must(keys[0], Register("pol", "police", keys[1]));
    Must(keys[0], Register("insp", "inspector", keys[2]));
    Must(keys[0], Register("biz-a", "business", keys[3],
                           {{"licences", {licence("precursor_trading", "KD-A")}}}));
    Must(keys[0], Register("biz-c", "business", keys[4],
                           {{"licences", {licence("precursor_use", "SD-C")}}}));
    Must(keys[3], Make("chem.purchase", "biz-a",
                       {{"substance", "67-64-1"},
                        {"quantity", "100"},
                        {"unit", "L"},
                        {"party", {{"name", "Supplier JSC"}, {"country", "VN"}}}}));
    Must(keys[3], Make("chem.dispatch", "biz-a",
                       {{"substance", "67-64-1"},
                        {"quantity", "10"},
                        {"unit", "L"},
                        {"counterparty", "biz-c"},
                        {"transfer_id", "T-1"}}));
    ts_ms += 3'600'000;  // fuzzed entries come an hour after the seeds
    state_size = state.contents().size();
  }
};

World& TheWorld() {
  static World* w = new World();
  return *w;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  World& w = TheWorld();
  const uint8_t selector = data[0];
  const SecretKey& key = w.keys[selector % w.keys.size()];

  vigil::Entry e;
  e.seq = w.seq;
  e.ts_ms = w.ts_ms;
  e.signer = key.Id();
  e.payload.assign(reinterpret_cast<const char*>(data) + 1, size - 1);
  e.sig = key.Sign(vigil::SignContext::kEntry, kOrigin, e.payload);
  if ((selector & 0x80) != 0) {  // cosigned by the next key (e.g. a witness)
    const SecretKey& co = w.keys[(selector + 1u) % w.keys.size()];
    e.cosigners.push_back({co.Id(), co.Sign(vigil::SignContext::kEntry, kOrigin, e.payload)});
  }

  const bool json_ok = vigil::ParseJson(e.payload).ok();
  vigil::Result<vigil::Payload> p = vigil::ParsePayload(e.payload);
  if (!p.ok()) {
    FUZZ_CHECK(p.status().code() == vigil::Code::kInvalidArgument);
    return 0;
  }
  FUZZ_CHECK(json_ok);
  vigil::OverlayStateStore overlay(w.state);
  vigil::Status s = vigil::Apply(overlay, kOrigin, e, *p);
  static const bool verbose = std::getenv("VIGIL_FUZZ_VERBOSE") != nullptr;
  if (verbose) std::fprintf(stderr, "%s: %s\n", p->type.c_str(), s.ToString().c_str());
  FUZZ_CHECK(s.code() != vigil::Code::kIoError && s.code() != vigil::Code::kInternal &&
             s.code() != vigil::Code::kCorruption);
  if (s.ok()) {
    const std::string bytes = vigil::EncodeEntry(e);
    vigil::Result<vigil::Entry> back = vigil::DecodeEntry(bytes);
    FUZZ_CHECK(back.ok());
    FUZZ_CHECK(*back == e);
  }
  FUZZ_CHECK(w.state.contents().size() == w.state_size);
  return 0;
}
