// Fuzz harness: the text of a passphrase-protected key file (keys/key_file.h
// InspectProtectedKeyFile, OpenProtectedSeed), which a command reads from a file anyone with
// write access to the directory could have crafted.
// Properties: framing and cost are judged before anything is derived (Inspect refuses ⇒ Open
// refuses with the same code, and never derives); what opens is a seed whose public key is the
// one the file names; a cost within bounds never fails for want of memory below 64 KiB.
#include <sodium.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "keys/key.h"
#include "keys/key_file.h"
#include "tests/fuzz/fuzz_check.h"

namespace {
// The passphrase of the seed files (the test vector of formats.md §3.1 uses it too).
constexpr char kPassphrase[] = "mật khẩu đúng 123";
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  vigil::Result<vigil::ProtectedKeyInfo> info = vigil::InspectProtectedKeyFile(text, "fuzz");
  if (!info.ok()) {
    FUZZ_CHECK(info.status().code() == vigil::Code::kInvalidArgument);
    vigil::Result<vigil::SecretBytes> seed = vigil::OpenProtectedSeed(text, kPassphrase, "fuzz");
    FUZZ_CHECK(!seed.ok() && seed.status().code() == vigil::Code::kInvalidArgument);
    return 0;
  }
  FUZZ_CHECK(vigil::IsProtectedKeyFile(text));
  FUZZ_CHECK(info->public_key.size() == 32);
  FUZZ_CHECK(info->params.opslimit >= vigil::kMinOpslimit &&
             info->params.opslimit <= vigil::kMaxOpslimit);
  FUZZ_CHECK(info->params.memlimit_kib >= vigil::kMinMemlimitKib &&
             info->params.memlimit_kib <= vigil::kMaxMemlimitKib);
  // Deriving is slow by design: only cheap costs are opened here (the seeds are cheap).
  if (info->params.opslimit > 2 || info->params.memlimit_kib > 64) return 0;
  vigil::Result<vigil::SecretBytes> seed = vigil::OpenProtectedSeed(text, kPassphrase, "fuzz");
  if (!seed.ok()) {
    FUZZ_CHECK(seed.status().code() == vigil::Code::kUnauthenticated);
    return 0;
  }
  FUZZ_CHECK(seed->size() == 32);
  vigil::Result<vigil::SecretKey> key = vigil::SecretKey::FromSeed(seed->view());
  FUZZ_CHECK(key.ok());
  FUZZ_CHECK(key->public_key().bytes() == info->public_key);
  // Sealed again (fresh salt and nonce), it opens to the same seed.
  vigil::Result<vigil::SecretBytes> again =
      vigil::ProtectSeed(seed->view(), info->public_key, kPassphrase, info->params);
  FUZZ_CHECK(again.ok());
  vigil::Result<vigil::SecretBytes> reopened =
      vigil::OpenProtectedSeed(again->view(), kPassphrase, "fuzz");
  FUZZ_CHECK(reopened.ok() && reopened->view() == seed->view());
  return 0;
}
