#include "keys/passphrase.h"

#include <fcntl.h>
#include <sodium.h>
#include <termios.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <optional>

#include "keys/file.h"

namespace vigil {

namespace {

std::mutex mu;
int passphrase_fd = -1;                    // guarded by mu
std::optional<SecretBytes> fd_passphrase;  // guarded by mu: what the descriptor gave

// Reads one line (without its newline; a "\r\n" loses both) from `fd`, at most
// kMaxPassphraseSize bytes. `what` names the source in errors.
Result<SecretBytes> ReadLine(int fd, const std::string& what) {
  std::array<char, kMaxPassphraseSize + 1> buf;
  size_t n = 0;
  Status status;
  while (n < buf.size()) {
    char c;
    const ssize_t r = ::read(fd, &c, 1);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) {
      status = Status(Code::kIoError,
                      "cannot read the passphrase from " + what + ": " + std::strerror(errno));
      break;
    }
    if (r == 0 || c == '\n') break;
    buf[n++] = c;
  }
  if (status.ok() && n > kMaxPassphraseSize) {
    status = Status(Code::kInvalidArgument, "the passphrase from " + what + " is longer than " +
                                                std::to_string(kMaxPassphraseSize) + " bytes");
  }
  if (status.ok() && n > 0 && buf[n - 1] == '\r') --n;
  if (status.ok() && n == 0) {
    status = Status(Code::kInvalidArgument, "the passphrase from " + what + " is empty");
  }
  std::string line;
  if (status.ok()) {
    line.reserve(n);
    line.assign(buf.data(), n);
  }
  sodium_memzero(buf.data(), buf.size());
  if (!status.ok()) return status;
  return SecretBytes(std::move(line));
}

// Turns the terminal's echo off for the object's life.
class NoEcho {
 public:
  explicit NoEcho(int fd) : fd_(fd) {
    if (::tcgetattr(fd_, &saved_) != 0) return;
    struct termios quiet = saved_;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    quiet.c_lflag |= ECHONL;
    active_ = ::tcsetattr(fd_, TCSAFLUSH, &quiet) == 0;
  }
  ~NoEcho() {
    if (active_) ::tcsetattr(fd_, TCSAFLUSH, &saved_);
  }
  NoEcho(const NoEcho&) = delete;
  NoEcho& operator=(const NoEcho&) = delete;

 private:
  int fd_;
  struct termios saved_ {};
  bool active_ = false;
};

// Asks on the controlling terminal; nullopt if there is none.
std::optional<Result<SecretBytes>> FromTerminal(const std::string& prompt) {
  const int raw = ::open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (raw < 0) return std::nullopt;
  ScopedFd tty(raw);
  if (!tty.WriteAll(prompt, "the terminal").ok()) return std::nullopt;
  NoEcho quiet(tty.get());
  return ReadLine(tty.get(), "the terminal");
}

Status NoSource(const std::string& path) {
  return Status(Code::kFailedPrecondition,
                path + " is passphrase-protected and no passphrase was given: set " +
                    kPassphraseEnv +
                    ", pass it on a descriptor with vigil --passphrase-fd N, "
                    "or run the command on a terminal");
}

// Steps 1 and 2 of the header; nullopt if neither gives one.
std::optional<Result<SecretBytes>> FromAutomation() {
  const char* env = std::getenv(kPassphraseEnv);
  if (env != nullptr && *env != '\0') {
    const size_t len = std::strlen(env);
    if (len > kMaxPassphraseSize) {
      return Result<SecretBytes>(
          Status(Code::kInvalidArgument, std::string(kPassphraseEnv) + " is longer than " +
                                             std::to_string(kMaxPassphraseSize) + " bytes"));
    }
    std::string copy;
    copy.reserve(len);
    copy.assign(env, len);
    return Result<SecretBytes>(SecretBytes(std::move(copy)));
  }
  std::lock_guard<std::mutex> lock(mu);
  if (passphrase_fd < 0) return std::nullopt;
  if (!fd_passphrase.has_value()) {
    Result<SecretBytes> line =
        ReadLine(passphrase_fd, "descriptor " + std::to_string(passphrase_fd));
    if (!line.ok()) return Result<SecretBytes>(line.status());
    fd_passphrase = std::move(*line);
  }
  std::string copy;
  copy.reserve(fd_passphrase->size());
  copy.assign(fd_passphrase->view());
  return Result<SecretBytes>(SecretBytes(std::move(copy)));
}

}  // namespace

void SetPassphraseFd(int fd) {
  std::lock_guard<std::mutex> lock(mu);
  passphrase_fd = fd;
  fd_passphrase.reset();
}

Result<SecretBytes> AskPassphrase(const std::string& path) {
  if (auto p = FromAutomation()) return std::move(*p);
  if (auto p = FromTerminal("Passphrase for " + path + ": ")) return std::move(*p);
  return NoSource(path);
}

Result<SecretBytes> AskNewPassphrase(const std::string& path) {
  if (auto p = FromAutomation()) return std::move(*p);
  std::optional<Result<SecretBytes>> first = FromTerminal("New passphrase for " + path + ": ");
  if (!first.has_value()) return NoSource(path);
  if (!first->ok()) return first->status();
  std::optional<Result<SecretBytes>> again = FromTerminal("Same passphrase again: ");
  if (!again.has_value()) return NoSource(path);
  if (!again->ok()) return again->status();
  if ((*first)->size() != (*again)->size() ||
      sodium_memcmp((*first)->view().data(), (*again)->view().data(), (*first)->size()) != 0) {
    return Status(Code::kInvalidArgument, "the two passphrases differ; nothing was written");
  }
  return std::move(**first);
}

}  // namespace vigil
