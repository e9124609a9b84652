// A C2SP tlog-witness v1.0.0 witness (c2sp.org/tlog-witness): it cosigns a log's checkpoint
// (C2SP tlog-cosignature v1, keys/note.h CosignatureLine) only if it is consistent with the
// last checkpoint of that log it cosigned, and it never cosigns two inconsistent trees.
//
// Layout of a witness data directory:
//   <dir>/witness.key    the witness's Ed25519 secret key (keys/key.h Save or SaveProtected;
//                        mode 0600)
//   <dir>/witness.vkey   its verifier key "NAME+<hex key id>+<base64(0x04 || public key)>", which
//                        also records the witness's name; give it to the log operators
//   <dir>/witness.lock   held (flock) by the one process serving the directory
//   <dir>/store/         an LMDB store (ledger/log/db.h) with one record per log in its kMeta
//                        table: "witness/<origin>" -> BE64 size || 32-byte root || the note
//
// The store reuses ledger/log/db.h's Env and Txn (the one LMDB wrapper of the project: durable
// commits, the failure model, map growth). Env opens every table the log declares; the witness
// uses kMeta only, so the others stay empty in a witness store.
//
// Thread safety: AddCheckpoint may be called from any number of threads. Each call's check of
// the stored size and its update are one LMDB write transaction (serialised with every other
// writer, in this process or another), committed with fsync before the cosignature is made, so
// two concurrent requests can never roll the stored tree back (the race in the spec).
#ifndef VIGIL_LEDGER_WITNESS_WITNESS_H_
#define VIGIL_LEDGER_WITNESS_WITNESS_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "keys/encoding.h"
#include "keys/file.h"
#include "keys/key.h"
#include "keys/note.h"
#include "keys/result.h"
#include "ledger/log/db.h"

namespace vigil::witness {

// What the witness answers an add-checkpoint request (the spec's table).
struct AddOutcome {
  int http_status = 500;     // 200, 400, 403, 404, 409, 422, or 500 (the store failed)
  std::string content_type;  // of `body`
  std::string body;          // 200: cosignature lines; 409: "<size>\n"; else `message` + "\n"
  std::string message;       // one line for the request log and error answers
  std::string origin;        // the checkpoint's origin, once known (else empty)
  uint64_t size = 0;         // the checkpoint's size, once parsed
};

// The last checkpoint of a log the witness cosigned.
struct LogState {
  uint64_t size = 0;
  Hash root{};
  std::string checkpoint;  // the signed note it cosigned
};

class Witness {
 public:
  // Creates a witness in `dir` (created with mode 0700 if absent) named `name`, with `key` as
  // its key (sealed under `passphrase` unless it is empty), and an empty store. Returns the
  // verifier key. kInvalidArgument for a name a verifier key cannot hold (empty, spaces, '+'),
  // kConflict if `dir` already holds a witness, kIoError.
  static Result<std::string> Init(const std::string& dir, const std::string& name,
                                  const SecretKey& key, std::string_view passphrase = {});

  // Opens the witness in `dir` for serving: loads its key (a protected key file asks its
  // passphrase through keys/passphrase.h), checks it against witness.vkey, takes the lock.
  // `logs` are the logs it accepts (Ed25519 verifier keys; several keys may share an origin).
  // `now` gives the time put in cosignatures (seconds since the Unix epoch; the system clock
  // by default). Errors: kNotFound (no witness there: run vigil witness init), kInvalidArgument
  // (a log key that is not an Ed25519 note key), kCorruption (the key does not match
  // witness.vkey), kFailedPrecondition (another process serves `dir`), and the key's errors.
  static Result<std::unique_ptr<Witness>> Open(const std::string& dir,
                                               const std::vector<NoteVerifier>& logs,
                                               std::function<uint64_t()> now = {});
  ~Witness();
  Witness(const Witness&) = delete;
  Witness& operator=(const Witness&) = delete;

  const std::string& name() const { return name_; }
  const std::string& verifier_key() const { return vkey_; }

  // Handles one add-checkpoint request body (ledger/witness/protocol.h), following the spec:
  //   400  the body is malformed, or old > the checkpoint's size
  //   404  the checkpoint's origin is not one of `logs`
  //   403  no signature of a trusted key for that origin verifies
  //   409  old is not the stored size (the body says the stored size), or old equals the
  //        checkpoint's size and its root differs from the stored root
  //   422  the consistency proof does not verify (or is not empty when old is 0)
  //   200  cosigned: the state was updated durably first
  //   500  the store failed (nothing was cosigned)
  AddOutcome AddCheckpoint(std::string_view body);

  // The stored state of the log `origin`, nullopt if it never cosigned one. kIoError.
  Result<std::optional<LogState>> StateOf(const std::string& origin);

 private:
  Witness() = default;
  // The check-and-update of AddCheckpoint, in one write transaction.
  AddOutcome CheckAndStore(uint64_t old_size, const std::vector<Hash>& proof, uint64_t size,
                           const Hash& root, const std::string& origin, const std::string& note);
  // One attempt of it; nullopt when the map is full and `may_grow` (the caller grows, retries).
  std::optional<AddOutcome> TryCheckAndStore(uint64_t old_size, const std::vector<Hash>& proof,
                                             uint64_t size, const Hash& root,
                                             const std::string& origin, const std::string& note,
                                             bool may_grow);

  FileLock lock_;  // declared first: released last
  std::unique_ptr<db::Env> env_;
  std::optional<SecretKey> key_;
  std::string name_;
  std::string vkey_;
  std::map<std::string, std::vector<NoteVerifier>> logs_;  // by origin
  std::function<uint64_t()> now_;
};

}  // namespace vigil::witness

#endif  // VIGIL_LEDGER_WITNESS_WITNESS_H_
