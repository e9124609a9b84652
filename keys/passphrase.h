// Where the vigil command finds the passphrase of a protected key file (keys/key_file.h),
// in this order:
//   1. the environment variable VIGIL_PASSPHRASE, if set and not empty (automation; anything
//      that can read the process's environment can read it: docs/operator.md);
//   2. the file descriptor given with `vigil --passphrase-fd N` (SetPassphraseFd): read once,
//      up to its first newline or its end, and kept for every key file of the command;
//   3. the controlling terminal (/dev/tty), with echo off, naming the file;
// and otherwise a clear error that names the three. Thread-safe.
#ifndef VIGIL_KEYS_PASSPHRASE_H_
#define VIGIL_KEYS_PASSPHRASE_H_

#include <string>

#include "keys/key_file.h"
#include "keys/result.h"

namespace vigil {

inline constexpr char kPassphraseEnv[] = "VIGIL_PASSPHRASE";
// The longest passphrase read from a descriptor or the terminal.
inline constexpr size_t kMaxPassphraseSize = 1024;

// The descriptor to read the passphrase from (step 2), or -1 for none. The caller owns it;
// it is read at the first protected key file and never closed here.
void SetPassphraseFd(int fd);

// The passphrase to open the protected key file at `path`. Errors: kFailedPrecondition (no
// variable, no descriptor and no terminal: the message names all three), kInvalidArgument
// (an empty or over-long passphrase), kIoError.
Result<SecretBytes> AskPassphrase(const std::string& path);

// The passphrase for a new protected key file at `path`: the same sources, except that the
// terminal asks twice and the two must match (kInvalidArgument otherwise).
Result<SecretBytes> AskNewPassphrase(const std::string& path);

}  // namespace vigil

#endif  // VIGIL_KEYS_PASSPHRASE_H_
