// Helpers shared by the ledger tests (and any test that needs a real log): temporary
// directories, a freshly initialised log with its authority key, and signed submissions.
//
// Functions that can fail use Catch2's REQUIRE, so call them only from inside a TEST_CASE
// (never from a forked child or a thread other than the test's).
#ifndef VIGIL_TESTS_TEST_UTIL_H_
#define VIGIL_TESTS_TEST_UTIL_H_

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "keys/key.h"
#include "ledger/ledger.h"

namespace vigil::testing {

// A fresh directory (mkdtemp under $TMPDIR, else /tmp), removed with everything in it when the
// object is destroyed. Move-only.
class TempDir {
 public:
  explicit TempDir(std::string_view prefix = "vigil_test");
  ~TempDir();
  TempDir(TempDir&& other) noexcept;
  TempDir& operator=(TempDir&&) = delete;
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // path() + "/" + name.
  std::string File(std::string_view name) const;

 private:
  std::string path_;
};

// A ledger created with Ledger::Init and opened with Ledger::Open, plus the authority key that
// Init wrote to <dir>/keys/authority.key (registered as participant options.authority_id).
struct TestLog {
  std::unique_ptr<Ledger> ledger;
  Log* log = nullptr;  // &ledger->log()
  SecretKey authority;
  std::string authority_id;

  // Closes the ledger (and its store); log becomes null.
  void Close() {
    log = nullptr;
    ledger.reset();
  }
  // Opens the ledger in `dir` again (REQUIREs success).
  void Reopen(const std::string& dir);
};

// The origin the helpers use unless told otherwise.
inline constexpr char kTestOrigin[] = "vigil.test.example/log";

// Initialises a log in `dir` (which must not hold one) and opens it.
TestLog MakeTestLog(const std::string& dir, InitOptions options = {});

// Reopens an existing ledger (REQUIREs success).
std::unique_ptr<Ledger> OpenTestLog(const std::string& dir);

// The clock Writer uses (vigil::NowMs, ledger/entry.h), under the tests' own namespace.
using vigil::NowMs;

// A submission of `payload` (bytes = payload.dump()) signed by `key` for SignContext::kEntry
// of the log `origin`.
Submission MakeSubmission(const SecretKey& key, const nlohmann::json& payload,
                          std::string_view origin = kTestOrigin);

// A participant.register payload by authority `actor` with payload id `id`, registering
// participant `participant` with `role` and the single public key `key`. `at` defaults to
// the time of the call (a record's time must lie within the reporting period of the server's).
nlohmann::json RegisterPayload(std::string_view actor, std::string_view id,
                               std::string_view participant, const PublicKey& key,
                               std::string_view role = "business", std::string_view at = {});

// Shorthand: the authority of `t` registers a fresh business key under participant
// "p-<id>" with payload id `id`, signed by the authority.
Submission RegisterSubmission(const TestLog& t, std::string_view id);

// The whole contents of the file at `path` (binary); empty if it cannot be read.
std::string ReadFile(const std::string& path);

// The payload "id" recorded in stored entry bytes (REQUIREs a well-formed entry).
std::string PayloadIdOf(std::string_view entry_bytes);

}  // namespace vigil::testing

#endif  // VIGIL_TESTS_TEST_UTIL_H_
