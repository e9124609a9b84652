// Crash test: a process appending through a Writer is SIGKILLed at a random moment; every
// submission it acknowledged must be in the reopened log, exactly once, at the seq its receipt
// named, and the store must verify. (A submission is acknowledged only once durable.)
#include <poll.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "ledger/log/entry.h"
#include "ledger/log/log.h"
#include "ledger/log/writer.h"
#include "ledger/verify.h"
#include "tests/test_util.h"

namespace vigil {
namespace {

constexpr int kSubmitters = 8;

// Writes all of `line` to `fd` (lines stay under PIPE_BUF, so each write is atomic).
void WriteLine(int fd, const std::string& line) {
  size_t done = 0;
  while (done < line.size()) {
    ssize_t n = ::write(fd, line.data() + done, line.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) ::_exit(5);
    done += static_cast<size_t>(n);
  }
}

// The child: opens the log, runs a Writer with kSubmitters threads submitting registrations
// forever, and reports "<seq> <id>\n" for each acknowledged one, or "ERR <id> <status>\n".
// Uses no Catch2 and never returns: it is killed, or _exits on a setup failure.
[[noreturn]] void RunChild(const std::string& dir, int round, int fd) {
  Result<std::unique_ptr<Ledger>> log = Ledger::Open(dir);
  if (!log.ok()) {
    WriteLine(fd, "ERR open " + log.status().ToString() + "\n");
    ::_exit(2);
  }
  Result<SecretKey> authority = SecretKey::Load(dir + "/keys/authority.key");
  if (!authority.ok()) ::_exit(3);
  Writer writer((*log)->log());
  std::vector<std::thread> threads;
  for (int t = 0; t < kSubmitters; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0;; ++i) {
        const std::string id =
            "c" + std::to_string(round) + "-" + std::to_string(t) + "-" + std::to_string(i);
        SecretKey key = SecretKey::Generate();
        Result<Appended> r = writer.Submit(testing::MakeSubmission(
            *authority, testing::RegisterPayload("authority", id, "p-" + id, key.public_key())));
        if (!r.ok()) {
          WriteLine(fd, "ERR " + id + " " + r.status().ToString().substr(0, 200) + "\n");
          continue;
        }
        WriteLine(fd, std::to_string(r->receipt.seq) + " " + id + "\n");
      }
    });
  }
  for (std::thread& th : threads) th.join();
  ::_exit(0);
}

// Reads from `fd` into `out` until `deadline` (or EOF if deadline is max()).
void ReadPipe(int fd, std::string& out, std::chrono::steady_clock::time_point deadline) {
  char buf[65536];
  for (;;) {
    int timeout = -1;
    if (deadline != std::chrono::steady_clock::time_point::max()) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return;
      timeout = static_cast<int>(left.count());
    }
    pollfd p{fd, POLLIN, 0};
    int rc = ::poll(&p, 1, timeout);
    if (rc < 0 && errno == EINTR) continue;
    REQUIRE(rc >= 0);
    if (rc == 0) continue;  // timed out: the loop re-checks the deadline
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    REQUIRE(n >= 0);
    if (n == 0) return;  // EOF: the child is gone
    out.append(buf, static_cast<size_t>(n));
  }
}

void RunCrashRounds(int rounds) {
  testing::TempDir dir("vigil_crash_test");
  { testing::TestLog t = testing::MakeTestLog(dir.path()); }  // closed before any fork
  std::map<std::string, uint64_t> acked;                      // payload id -> seq, over all rounds
  std::random_device seed;
  std::mt19937 rng(seed());
  std::uniform_int_distribution<int> run_ms(50, 300);

  for (int round = 0; round < rounds; ++round) {
    const int ms = run_ms(rng);
    INFO("round " << round << ", killed after " << ms << " ms");
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      ::close(fds[0]);
      RunChild(dir.path(), round, fds[1]);
    }
    ::close(fds[1]);
    std::string out;
    ReadPipe(fds[0], out, std::chrono::steady_clock::now() + std::chrono::milliseconds(ms));
    REQUIRE(::kill(pid, SIGKILL) == 0);
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    // Lines the child wrote before it died are still in the pipe.
    ReadPipe(fds[0], out, std::chrono::steady_clock::time_point::max());
    ::close(fds[0]);
    INFO("child output tail: " << out.substr(out.size() > 300 ? out.size() - 300 : 0));
    CHECK(WIFSIGNALED(status));
    if (WIFSIGNALED(status)) CHECK(WTERMSIG(status) == SIGKILL);

    std::istringstream lines(out);
    std::string line;
    int this_round = 0;
    while (std::getline(lines, line)) {
      REQUIRE(line.rfind("ERR", 0) != 0);
      std::istringstream fields(line);
      uint64_t seq = 0;
      std::string id;
      REQUIRE(static_cast<bool>(fields >> seq >> id));
      REQUIRE(acked.emplace(id, seq).second);
      ++this_round;
    }
    UNSCOPED_INFO("round " << round << ": " << this_round << " acknowledged in " << ms << " ms");

    // Reopen: every acknowledged id is at its seq, and appears exactly once in the log.
    std::unique_ptr<Ledger> log_ledger = testing::OpenTestLog(dir.path());
    Log* log = &log_ledger->log();
    std::map<std::string, int> seen;
    for (uint64_t s = 0; s < log->Size(); ++s) {
      Result<std::string> e = log->EntryAt(s);
      REQUIRE(e.ok());
      ++seen[testing::PayloadIdOf(*e)];
    }
    int missing = 0, misplaced = 0, repeated = 0;
    for (const auto& [id, seq] : acked) {
      auto it = seen.find(id);
      if (it == seen.end()) {
        ++missing;
        continue;
      }
      if (it->second != 1) ++repeated;
      Result<std::string> e = log->EntryAt(seq);
      if (!e.ok() || testing::PayloadIdOf(*e) != id) ++misplaced;
    }
    CHECK(missing == 0);
    CHECK(misplaced == 0);
    CHECK(repeated == 0);
    CHECK(log->Size() >= acked.size() + 1);
    log_ledger.reset();  // no open store across the next fork

    Result<VerifyReport> report = VerifyStore(dir.path(), {});
    REQUIRE(report.ok());
    std::string problems;
    for (const VerifyProblem& p : report->problems) problems += p.what + "\n";
    INFO(problems);
    CHECK(report->ok());
  }
  // The rounds must have exercised something.
  CHECK(acked.size() > 0);
}

TEST_CASE("SIGKILL during appends loses no acknowledged entry", "[crash]") { RunCrashRounds(5); }

TEST_CASE("SIGKILL during appends loses no acknowledged entry (50 rounds)", "[crash][.slow]") {
  RunCrashRounds(50);
}

}  // namespace
}  // namespace vigil
