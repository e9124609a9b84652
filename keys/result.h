// Status and Result<T>: errors as values, shared by every layer of Vigil.
//
// A Status carries a Code (what kind of failure, stable, for programs), a message a person can
// act on, and for rule violations the list of every rule broken. Result<T> is a value or a
// Status. Both are cheap to move and [[nodiscard]]: a dropped error is a compile warning.
// Exceptions thrown by adapters (nlohmann, httplib) are caught at the boundary and turned into
// these. Programmer errors are asserts, not statuses.
#ifndef VIGIL_KEYS_RESULT_H_
#define VIGIL_KEYS_RESULT_H_

#include <cassert>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace vigil {

enum class Code {
  kOk = 0,
  kInvalidArgument,     // malformed input: bad JSON, bad base64, wrong field type
  kNotFound,            // no such entry, key, participant or file
  kConflict,            // same payload id with different content
  kUnauthenticated,     // a request signature is missing, stale, replayed or does not verify
  kPermissionDenied,    // key not registered, revoked, or role not allowed
  kRuleViolation,       // a domain rule is broken; details() names every rule
  kFailedPrecondition,  // the store is read-only after a failed commit, or not initialised
  kUnavailable,         // queue full or shutting down; retry later
  kResourceExhausted,   // the store's map is full; the writer grows it and retries
  kTooManyRequests,     // a caller's quota is used up; details() is {"retry_after", seconds}
  kIoError,             // the file system or LMDB failed
  kCorruption,          // stored bytes do not verify
  kInternal,            // a bug; the message says where
};

// Stable lowercase name of a code ("invalid_argument", ...), used in problem types and logs.
const char* CodeName(Code code);

// One broken rule: a stable code ("licence_expired") and a message a clerk can act on.
// `about` names the participant whose records the message describes when that is not the
// record's own signer (a counterparty's licence): who may see it is the ledger's to decide.
struct Violation {
  Violation() = default;
  Violation(std::string c, std::string m, std::string a = {})
      : code(std::move(c)), message(std::move(m)), about(std::move(a)) {}

  std::string code;
  std::string message;
  std::string about;
  bool operator==(const Violation&) const = default;
};

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Code code, std::string message, std::vector<Violation> details = {})
      : code_(code), message_(std::move(message)), details_(std::move(details)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  const std::vector<Violation>& details() const { return details_; }

  // "code_name: message" for logs and CLI output.
  std::string ToString() const;

 private:
  Code code_ = Code::kOk;
  std::string message_;
  std::vector<Violation> details_;
};

// A value of type T, or the Status explaining why there is none.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  // `status` must not be OK: a Result without a value must say why. Debug builds assert;
  // release builds turn an OK status into kInternal, so that the caller sees an error instead
  // of reading a value that is not there.
  Result(Status status) : v_(std::move(status)) {  // NOLINT: implicit by design
    assert(!std::get<Status>(v_).ok());
    if (std::get<Status>(v_).ok()) {
      v_ = Status(Code::kInternal, "internal error: Result built from an OK status");
    }
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  explicit operator bool() const { return ok(); }

  // Precondition: ok().
  T& value() & {
    assert(ok());
    return std::get<T>(v_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<T>(v_);
  }
  T&& value() && {
    assert(ok());
    return std::get<T>(std::move(v_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  // The error; Status::Ok() when there is a value.
  Status status() const { return ok() ? Status::Ok() : std::get<Status>(v_); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace vigil

// Returns early from the enclosing function with the Status of `expr` if it is not ok.
#define VIGIL_RETURN_IF_ERROR(expr)                \
  do {                                             \
    ::vigil::Status vigil_status_ = (expr);        \
    if (!vigil_status_.ok()) return vigil_status_; \
  } while (0)

#endif  // VIGIL_KEYS_RESULT_H_
