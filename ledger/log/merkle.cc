// RFC 6962 / RFC 9162 Merkle tree hashing and proofs over stored complete subtrees.
//
// Every proof is assembled from complete-subtree hashes (as transparency-dev/merkle's `proof`
// package does): the siblings below the point where the path to the proved node leaves the
// tree's right border, at most one ephemeral node (the incomplete right neighbour, rebuilt
// from the complete subtrees that cover it), and the complete left subtrees above. That is
// O(log n) reads per proof.
#include "ledger/log/merkle.h"

#include <array>
#include <bit>
#include <cassert>
#include <cstring>
#include <string>
#include <utility>

namespace vigil::merkle {
namespace {

constexpr int kMaxLevel = 63;

Status InvalidArgument(std::string message) {
  return Status(Code::kInvalidArgument, std::move(message));
}

std::string Str(uint64_t v) { return std::to_string(v); }

// Index of the lowest set bit of `v`; precondition v != 0.
int LowestBit(uint64_t v) { return std::countr_zero(v); }
// Index of the highest set bit of `v`; precondition v != 0.
int HighestBit(uint64_t v) { return static_cast<int>(std::bit_width(v)) - 1; }

// MTH of leaves [begin, end) when they split into complete subtrees by the binary expansion
// of end - begin, largest first. Requires begin < end and begin a multiple of
// bit_floor(end - begin); then every piece is a stored node, so this costs popcount reads.
Result<Hash> HashAlignedRange(uint64_t begin, uint64_t end, const NodeReader& read) {
  assert(begin < end);
  const uint64_t size = end - begin;
  assert(begin % std::bit_floor(size) == 0);
  std::array<Hash, 64> pieces;
  int count = 0;
  uint64_t pos = begin;
  for (int level = HighestBit(size); level >= 0; --level) {
    if (((size >> level) & 1) == 0) continue;
    Result<Hash> h = read(level, pos >> level);
    if (!h.ok()) return h.status();
    pieces[static_cast<size_t>(count++)] = *h;
    pos += uint64_t{1} << level;
  }
  // MTH splits at the largest power of two, so the smallest pieces combine first.
  Hash acc = pieces[static_cast<size_t>(count - 1)];
  for (int i = count - 2; i >= 0; --i) acc = HashChildren(pieces[static_cast<size_t>(i)], acc);
  return acc;
}

// The hashes that prove complete subtree (level, index) is part of the tree of `size` leaves,
// bottom-up in RFC 9162 order, optionally preceded by that subtree's own hash. Precondition:
// the subtree lies inside the tree, i.e. ((index + 1) << level) <= size.
Result<std::vector<Hash>> PathNodes(int level, uint64_t index, uint64_t size, bool with_seed,
                                    const NodeReader& read) {
  std::vector<Hash> proof;
  if (with_seed) {
    Result<Hash> seed = read(level, index);
    if (!seed.ok()) return seed.status();
    proof.push_back(*seed);
  }
  // The fork is the ancestor where the path to (level, index) leaves the path to leaf `size`
  // (one past the end). Below it every sibling is complete; the fork's right sibling is the
  // one ephemeral node; above it only left siblings exist, all complete.
  const int inner = HighestBit(index ^ (size >> level));
  for (int i = 0; i < inner; ++i) {
    Result<Hash> sibling = read(level + i, (index >> i) ^ 1);
    if (!sibling.ok()) return sibling.status();
    proof.push_back(*sibling);
  }
  const int fork_level = level + inner;
  const uint64_t fork_begin = (index >> inner) << fork_level;
  const uint64_t fork_end = fork_begin + (uint64_t{1} << fork_level);  // <= size
  if (fork_end < size) {
    Result<Hash> ephemeral = HashAlignedRange(fork_end, size, read);
    if (!ephemeral.ok()) return ephemeral.status();
    proof.push_back(*ephemeral);
  }
  // Complete subtrees covering [0, fork_begin), the rightmost (smallest) first.
  for (uint64_t rest = fork_begin; rest != 0; rest &= rest - 1) {
    const int b = LowestBit(rest);
    Result<Hash> left = read(b, (rest >> b) - 1);
    if (!left.ok()) return left.status();
    proof.push_back(*left);
  }
  return proof;
}

// Length of the inclusion proof of leaf `index` in a tree of `size` leaves (index < size):
// `inner` siblings below the right border, then one left sibling per set bit above it.
struct ProofShape {
  int inner;
  int border;
};
ProofShape InclusionShape(uint64_t index, uint64_t size) {
  const int inner = static_cast<int>(std::bit_width(index ^ (size - 1)));
  const int border = inner >= 64 ? 0 : std::popcount(index >> inner);
  return {inner, border};
}

}  // namespace

Hash HashLeaf(std::string_view entry) {
  static constexpr char kLeafPrefix = 0x00;
  return Sha256(std::string_view(&kLeafPrefix, 1), entry);
}

Hash HashChildren(const Hash& left, const Hash& right) {
  std::array<char, 1 + 2 * 32> buf;
  buf[0] = 0x01;
  std::memcpy(buf.data() + 1, left.data(), left.size());
  std::memcpy(buf.data() + 1 + left.size(), right.data(), right.size());
  return Sha256(std::string_view(buf.data(), buf.size()));
}

Hash EmptyRoot() { return Sha256(std::string_view()); }

Result<std::vector<Node>> NodesCompletedBy(uint64_t leaf_index, const Hash& leaf_hash,
                                           const NodeReader& read) {
  std::vector<Node> nodes;
  nodes.push_back(Node{0, leaf_index, leaf_hash});
  Hash hash = leaf_hash;
  uint64_t index = leaf_index;
  int level = 0;
  // A right child completes its parent; climb while the node just made is a right child.
  while ((index & 1) == 1) {
    Result<Hash> left = read(level, index - 1);
    if (!left.ok()) return left.status();
    hash = HashChildren(*left, hash);
    index >>= 1;
    ++level;
    nodes.push_back(Node{level, index, hash});
  }
  return nodes;
}

uint64_t PostOrderPosition(int level, uint64_t index) {
  assert(level >= 0 && level <= kMaxLevel);
  assert(index < (uint64_t{1} << (kMaxLevel - level)));  // so the position fits in 64 bits
  // A node is completed right after its last leaf: that leaf's position plus one per level.
  const uint64_t last_leaf = ((index + 1) << level) - 1;
  return 2 * last_leaf - static_cast<uint64_t>(std::popcount(last_leaf)) +
         static_cast<uint64_t>(level);
}

Result<Hash> RootAt(uint64_t size, const NodeReader& read) {
  if (size == 0) return EmptyRoot();
  return HashAlignedRange(0, size, read);
}

Result<Hash> RangeHash(uint64_t begin, uint64_t end, const NodeReader& read) {
  if (begin >= end) {
    return InvalidArgument("empty leaf range [" + Str(begin) + ", " + Str(end) + ")");
  }
  const uint64_t size = end - begin;
  if (begin % std::bit_floor(size) == 0) return HashAlignedRange(begin, end, read);
  // Only a power-of-two range starting at an odd multiple of half its size is left that the
  // contract allows: its two halves are stored nodes.
  const uint64_t half = size / 2;
  if (!std::has_single_bit(size) || begin % half != 0) {
    return InvalidArgument("leaf range [" + Str(begin) + ", " + Str(end) +
                           ") does not start at a multiple of the largest power of two "
                           "below its size");
  }
  const int level = LowestBit(half);
  Result<Hash> left = read(level, begin >> level);
  if (!left.ok()) return left.status();
  Result<Hash> right = read(level, (begin >> level) + 1);
  if (!right.ok()) return right.status();
  return HashChildren(*left, *right);
}

Result<std::vector<Hash>> InclusionProof(uint64_t index, uint64_t size, const NodeReader& read) {
  if (index >= size) {
    return InvalidArgument("leaf index " + Str(index) + " is not in a tree of size " + Str(size));
  }
  return PathNodes(0, index, size, /*with_seed=*/false, read);
}

Result<std::vector<Hash>> ConsistencyProof(uint64_t m, uint64_t n, const NodeReader& read) {
  if (m == 0 || m > n) {
    return InvalidArgument("no consistency proof from size " + Str(m) + " to size " + Str(n) +
                           ": requires 0 < old size <= new size");
  }
  if (m == n) return std::vector<Hash>{};
  // The largest complete subtree ending at leaf m, proved into the tree of size n. When it is
  // the whole old tree (m a power of two) the verifier already holds its hash: root_m.
  const int level = LowestBit(m);
  const uint64_t index = (m - 1) >> level;
  return PathNodes(level, index, n, /*with_seed=*/index != 0, read);
}

Status VerifyInclusion(uint64_t index, uint64_t size, const Hash& leaf_hash,
                       const std::vector<Hash>& proof, const Hash& root) {
  if (index >= size) {
    return InvalidArgument("leaf index " + Str(index) + " is not in a tree of size " + Str(size));
  }
  const ProofShape shape = InclusionShape(index, size);
  const size_t want = static_cast<size_t>(shape.inner + shape.border);
  if (proof.size() != want) {
    return InvalidArgument("inclusion proof of leaf " + Str(index) + " in a tree of size " +
                           Str(size) + " must have " + Str(want) + " hashes, got " +
                           Str(proof.size()));
  }
  // RFC 9162 §2.1.3.2, step by step.
  uint64_t fn = index;
  uint64_t sn = size - 1;
  Hash r = leaf_hash;
  for (const Hash& p : proof) {
    if (sn == 0) return InvalidArgument("inclusion proof is too long");  // unreachable
    if ((fn & 1) == 1 || fn == sn) {
      r = HashChildren(p, r);
      while ((fn & 1) == 0 && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      r = HashChildren(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return InvalidArgument("inclusion proof is too short");  // unreachable
  if (r != root) {
    return Status(Code::kCorruption, "inclusion proof of leaf " + Str(index) +
                                         " in a tree of size " + Str(size) + " leads to root " +
                                         Base64(r) + ", not the expected " + Base64(root));
  }
  return Status::Ok();
}

Status VerifyConsistency(uint64_t m, uint64_t n, const Hash& root_m, const Hash& root_n,
                         const std::vector<Hash>& proof) {
  if (m == 0) {
    return InvalidArgument("no consistency proof from the empty tree (size 0) to size " + Str(n) +
                           ": there is nothing to prove");
  }
  if (m > n) {
    return InvalidArgument("old tree size " + Str(m) + " is larger than new tree size " + Str(n));
  }
  if (m == n) {
    if (!proof.empty()) {
      return InvalidArgument("consistency proof between equal sizes " + Str(m) +
                             " must be empty, got " + Str(proof.size()) + " hashes");
    }
    if (root_m != root_n) {
      return Status(Code::kCorruption, "two different roots for the same tree size " + Str(m) +
                                           ": " + Base64(root_m) + " and " + Base64(root_n));
    }
    return Status::Ok();
  }
  // The proof is the old tree's last complete subtree (omitted when it is the whole old tree)
  // followed by the suffix of leaf m-1's inclusion proof above that subtree.
  const bool m_is_subtree = std::has_single_bit(m);
  ProofShape shape = InclusionShape(m - 1, n);
  shape.inner -= LowestBit(m);
  const size_t want = static_cast<size_t>((m_is_subtree ? 0 : 1) + shape.inner + shape.border);
  if (proof.size() != want) {
    return InvalidArgument("consistency proof from size " + Str(m) + " to size " + Str(n) +
                           " must have " + Str(want) + " hashes, got " + Str(proof.size()));
  }
  // RFC 9162 §2.1.4.2, step by step; step 2's prepended root_m is `seed` instead of a copy.
  const Hash& seed = m_is_subtree ? root_m : proof[0];
  const size_t first = m_is_subtree ? 0 : 1;
  uint64_t fn = m - 1;
  uint64_t sn = n - 1;
  while ((fn & 1) == 1) {
    fn >>= 1;
    sn >>= 1;
  }
  Hash fr = seed;
  Hash sr = seed;
  for (size_t i = first; i < proof.size(); ++i) {
    const Hash& c = proof[i];
    if (sn == 0) return InvalidArgument("consistency proof is too long");  // unreachable
    if ((fn & 1) == 1 || fn == sn) {
      fr = HashChildren(c, fr);
      sr = HashChildren(c, sr);
      while ((fn & 1) == 0 && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      sr = HashChildren(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return InvalidArgument("consistency proof is too short");  // unreachable
  if (fr != root_m) {
    return Status(Code::kCorruption, "consistency proof from size " + Str(m) + " to size " +
                                         Str(n) + " rebuilds old root " + Base64(fr) +
                                         ", not the expected " + Base64(root_m));
  }
  if (sr != root_n) {
    return Status(Code::kCorruption, "consistency proof from size " + Str(m) + " to size " +
                                         Str(n) + " rebuilds new root " + Base64(sr) +
                                         ", not the expected " + Base64(root_n));
  }
  return Status::Ok();
}

void Frontier::Append(const Hash& leaf) {
  Hash h = leaf;
  // Each trailing 1-bit of the old size is a subtree of that level to merge with.
  for (uint64_t s = size_; (s & 1) != 0; s >>= 1) {
    h = HashChildren(nodes_.back(), h);
    nodes_.pop_back();
  }
  nodes_.push_back(h);
  ++size_;
}

Hash Frontier::Root() const {
  if (nodes_.empty()) return EmptyRoot();
  Hash r = nodes_.back();
  for (size_t i = nodes_.size() - 1; i-- > 0;) r = HashChildren(nodes_[i], r);
  return r;
}

Result<Frontier> Frontier::From(uint64_t size, const std::vector<Hash>& nodes) {
  if (static_cast<size_t>(std::popcount(size)) != nodes.size()) {
    return Status(Code::kCorruption, "the frontier does not have one hash per set bit of the size");
  }
  Frontier f;
  f.size_ = size;
  f.nodes_ = nodes;
  return f;
}

}  // namespace vigil::merkle
