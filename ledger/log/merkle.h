// RFC 6962 / RFC 9162 Merkle tree hashing and proofs, independent of storage.
//
// The log stores the hash of every complete subtree as it is made; a complete subtree is named
// by (level, index): it covers leaves [index << level, (index + 1) << level). Everything here
// reads those hashes through a NodeReader, so proofs and roots cost O(log n) reads, never a
// pass over the leaves. Pure functions; thread-safe as long as the reader is.
#ifndef VIGIL_LEDGER_LOG_MERKLE_H_
#define VIGIL_LEDGER_LOG_MERKLE_H_

#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

#include "keys/encoding.h"
#include "keys/result.h"

namespace vigil::merkle {

// SHA-256(0x00 || entry).
Hash HashLeaf(std::string_view entry);
// SHA-256(0x01 || left || right).
Hash HashChildren(const Hash& left, const Hash& right);
// Root of the empty tree: SHA-256("").
Hash EmptyRoot();

// Reads the stored hash of complete subtree (level, index). Must return the hash, or an error
// that is passed through unchanged (kNotFound if the subtree is not complete in the store).
using NodeReader = std::function<Result<Hash>(int level, uint64_t index)>;

// A complete subtree made by an append.
struct Node {
  int level;
  uint64_t index;
  Hash hash;
};

// The nodes that appending leaf number `leaf_index` (0-based) completes, in the order they are
// made: the leaf itself (level 0), then each parent whose right child this append completed.
// Reads the left siblings it needs through `read`.
Result<std::vector<Node>> NodesCompletedBy(uint64_t leaf_index, const Hash& leaf_hash,
                                           const NodeReader& read);

// Position of (level, index) in post-order. Nodes are completed in exactly this order, so it
// is a strictly increasing storage key (LMDB MDB_APPEND).
uint64_t PostOrderPosition(int level, uint64_t index);

// Root hash of the tree of the first `size` leaves (MTH of RFC 9162 §2.1.1).
Result<Hash> RootAt(uint64_t size, const NodeReader& read);

// Hash of the subtree over leaves [begin, end) as RFC 9162 defines it for ranges that start at
// a multiple of the largest power of two below end - begin (used by proofs). O(log n) reads.
// kInvalidArgument if begin >= end or begin is not so aligned.
Result<Hash> RangeHash(uint64_t begin, uint64_t end, const NodeReader& read);

// Inclusion proof of leaf `index` in the tree of `size` leaves (RFC 9162 §2.1.3.1).
// Precondition checked: index < size (kInvalidArgument otherwise).
Result<std::vector<Hash>> InclusionProof(uint64_t index, uint64_t size, const NodeReader& read);

// Consistency proof between sizes `m` and `n` (RFC 9162 §2.1.4.1). Requires 0 < m <= n
// (kInvalidArgument otherwise); m == n gives an empty proof.
Result<std::vector<Hash>> ConsistencyProof(uint64_t m, uint64_t n, const NodeReader& read);

// RFC 9162 §2.1.3.2. Ok; kInvalidArgument if index >= size or the proof has the wrong number
// of hashes for (index, size); kCorruption if it does not lead to `root`.
Status VerifyInclusion(uint64_t index, uint64_t size, const Hash& leaf_hash,
                       const std::vector<Hash>& proof, const Hash& root);

// RFC 9162 §2.1.4.2. Ok; kInvalidArgument unless 0 < m <= n (m == 0 is refused: every tree
// extends the empty one, so such a proof proves nothing; this matches the RFC 6962 test
// vectors, unlike C2SP witnesses, which accept it with an empty proof), or if the proof has the
// wrong number of hashes (m == n needs an empty one); kCorruption if it does not rebuild
// root_m and root_n, saying which.
Status VerifyConsistency(uint64_t m, uint64_t n, const Hash& root_m, const Hash& root_n,
                         const std::vector<Hash>& proof);

// The right edge of a Merkle tree of `size` leaves: the roots of the complete subtrees that
// make it up, largest first (one per set bit of size, never more than 64). Enough to append
// leaves and to compute the root (RFC 9162 §2.1.1) without the rest of the tree: what a
// monitor keeps between runs.
class Frontier {
 public:
  // Appends the leaf hash of leaf number size().
  void Append(const Hash& leaf);
  // The tree's root (EmptyRoot() when size() is 0).
  Hash Root() const;
  uint64_t size() const { return size_; }
  const std::vector<Hash>& nodes() const { return nodes_; }
  // A frontier saved earlier; kCorruption unless `nodes` has one hash per set bit of `size`.
  static Result<Frontier> From(uint64_t size, const std::vector<Hash>& nodes);

 private:
  uint64_t size_ = 0;
  std::vector<Hash> nodes_;
};

}  // namespace vigil::merkle

#endif  // VIGIL_LEDGER_LOG_MERKLE_H_
