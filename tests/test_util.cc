#include "tests/test_util.h"

#include <stdlib.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <utility>

#include "ledger/log/entry.h"
#include "ledger/state/payload.h"

namespace vigil::testing {

TempDir::TempDir(std::string_view prefix) {
  const char* base = std::getenv("TMPDIR");
  std::string templ = std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/" +
                      std::string(prefix) + ".XXXXXX";
  REQUIRE(::mkdtemp(templ.data()) != nullptr);
  path_ = templ;
}

TempDir::TempDir(TempDir&& other) noexcept : path_(std::move(other.path_)) { other.path_.clear(); }

TempDir::~TempDir() {
  if (path_.empty()) return;
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string TempDir::File(std::string_view name) const { return path_ + "/" + std::string(name); }

TestLog MakeTestLog(const std::string& dir, InitOptions options) {
  if (options.origin.empty()) options.origin = kTestOrigin;
  Result<LogInfo> info = Ledger::Init(dir, options);
  INFO(info.status().ToString());
  REQUIRE(info.ok());
  Result<SecretKey> authority = SecretKey::Load(dir + "/keys/authority.key");
  INFO(authority.status().ToString());
  REQUIRE(authority.ok());
  std::unique_ptr<Ledger> ledger = OpenTestLog(dir);
  Log* log = &ledger->log();
  return TestLog{std::move(ledger), log, std::move(*authority), options.authority_id};
}

void TestLog::Reopen(const std::string& dir) {
  ledger = OpenTestLog(dir);
  log = &ledger->log();
}

std::unique_ptr<Ledger> OpenTestLog(const std::string& dir) {
  Result<std::unique_ptr<Ledger>> ledger = Ledger::Open(dir);
  INFO(ledger.status().ToString());
  REQUIRE(ledger.ok());
  return std::move(*ledger);
}

Submission MakeSubmission(const SecretKey& key, const nlohmann::json& payload,
                          std::string_view origin) {
  Submission sub;
  sub.signer = key.Id();
  sub.payload = payload.dump();
  sub.sig = key.Sign(SignContext::kEntry, origin, sub.payload);
  return sub;
}

nlohmann::json RegisterPayload(std::string_view actor, std::string_view id,
                               std::string_view participant, const PublicKey& key,
                               std::string_view role, std::string_view at) {
  return {
      {"type", "participant.register"},
      {"id", std::string(id)},
      {"actor", std::string(actor)},
      {"at", at.empty() ? FormatTimestamp(NowMs()) : std::string(at)},
      {"participant", std::string(participant)},
      {"role", std::string(role)},
      {"legal_name", "Test Participant " + std::string(participant)},
      {"keys", {key.ToBase64()}},
  };
}

Submission RegisterSubmission(const TestLog& t, std::string_view id) {
  SecretKey fresh = SecretKey::Generate();
  return MakeSubmission(
      t.authority, RegisterPayload(t.authority_id, id, "p-" + std::string(id), fresh.public_key()));
}

std::string PayloadIdOf(std::string_view entry_bytes) {
  Result<Entry> e = DecodeEntry(entry_bytes);
  INFO(e.status().ToString());
  REQUIRE(e.ok());
  Result<Payload> p = ParsePayload(e->payload);
  INFO(p.status().ToString());
  REQUIRE(p.ok());
  return p->id;
}

}  // namespace vigil::testing
