// Tests for ledger/merkle: known answers, a naive RFC 9162 reference checked against the real
// code for every small tree, the post-order storage key, and the transparency-dev/merkle
// proof vectors in tests/testdata/merkle.
#include "ledger/log/merkle.h"

#include <algorithm>
#include <bit>
#include <catch2/catch.hpp>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "keys/encoding.h"

namespace vigil::merkle {
namespace {

Hash HashFromHex(std::string_view hex) {
  Result<Bytes> raw = HexDecode(hex);
  REQUIRE(raw.ok());
  REQUIRE(raw->size() == 32);
  Hash h;
  std::copy(raw->begin(), raw->end(), h.begin());
  return h;
}

// An in-memory node store filled only through NodesCompletedBy, as the LMDB layer fills its
// table. Reader(n) sees the tree as it was at size n: any node not complete by then is
// kNotFound, so a proof for size n that peeks at later nodes fails loudly. Counts reads.
class MemoryTree {
 public:
  void Append(std::string_view entry) {
    Result<std::vector<Node>> made = NodesCompletedBy(size_, HashLeaf(entry), Reader(size_));
    REQUIRE(made.ok());
    for (const Node& node : *made) {
      completion_order_.push_back(node);
      nodes_[{node.level, node.index}] = node.hash;
    }
    ++size_;
  }

  NodeReader Reader(uint64_t visible_size) const {
    return [this, visible_size](int level, uint64_t index) -> Result<Hash> {
      ++reads_;
      const uint64_t end = (index + 1) << level;
      auto it = nodes_.find({level, index});
      if (end > visible_size || it == nodes_.end()) {
        return Status(Code::kNotFound, "node (" + std::to_string(level) + ", " +
                                           std::to_string(index) + ") is not complete");
      }
      return it->second;
    };
  }
  NodeReader Reader() const { return Reader(size_); }

  uint64_t size() const { return size_; }
  const std::vector<Node>& completion_order() const { return completion_order_; }
  void ResetReads() { reads_ = 0; }
  uint64_t reads() const { return reads_; }

 private:
  std::map<std::pair<int, uint64_t>, Hash> nodes_;
  std::vector<Node> completion_order_;
  uint64_t size_ = 0;
  mutable uint64_t reads_ = 0;
};

// RFC 9162 §2.1.1, §2.1.3.1 and §2.1.4.1 written out literally over a list of leaf hashes,
// with its own hashing. MTH of each range is memoized so the all-pairs checks stay fast.
class Reference {
 public:
  explicit Reference(std::vector<Hash> leaves) : leaves_(std::move(leaves)) {}

  // MTH(D[begin:end]).
  Hash Mth(uint64_t begin, uint64_t end) {
    const uint64_t n = end - begin;
    if (n == 0) return Sha256("");
    if (n == 1) return leaves_[begin];
    auto it = cache_.find({begin, end});
    if (it != cache_.end()) return it->second;
    const uint64_t k = Split(n);
    std::string node(1, '\x01');
    node += AsView(Mth(begin, begin + k));
    node += AsView(Mth(begin + k, end));
    return cache_[{begin, end}] = Sha256(node);
  }

  // PATH(m, D[begin:end]).
  std::vector<Hash> Path(uint64_t m, uint64_t begin, uint64_t end) {
    const uint64_t n = end - begin;
    if (n == 1) return {};
    const uint64_t k = Split(n);
    std::vector<Hash> path;
    if (m < k) {
      path = Path(m, begin, begin + k);
      path.push_back(Mth(begin + k, end));
    } else {
      path = Path(m - k, begin + k, end);
      path.push_back(Mth(begin, begin + k));
    }
    return path;
  }

  // PROOF(m, D[n]).
  std::vector<Hash> Proof(uint64_t m, uint64_t n) { return Subproof(m, 0, n, true); }

  static Hash LeafHash(std::string_view entry) {
    return Sha256(std::string_view("\x00", 1), entry);
  }

 private:
  // The largest power of two smaller than n (n > 1).
  static uint64_t Split(uint64_t n) {
    uint64_t k = 1;
    while (k * 2 < n) k *= 2;
    return k;
  }

  // SUBPROOF(m, D[begin:end], b).
  std::vector<Hash> Subproof(uint64_t m, uint64_t begin, uint64_t end, bool b) {
    const uint64_t n = end - begin;
    if (m == n) {
      if (b) return {};
      return {Mth(begin, end)};
    }
    const uint64_t k = Split(n);
    std::vector<Hash> proof;
    if (m <= k) {
      proof = Subproof(m, begin, begin + k, b);
      proof.push_back(Mth(begin + k, end));
    } else {
      proof = Subproof(m - k, begin + k, end, false);
      proof.push_back(Mth(begin, begin + k));
    }
    return proof;
  }

  std::vector<Hash> leaves_;
  std::map<std::pair<uint64_t, uint64_t>, Hash> cache_;
};

std::string Entry(uint64_t i) { return "vigil test entry " + std::to_string(i); }

// The leaves of the RFC 6962 reference tree used by CT and by the vectors in testdata/merkle.
const std::vector<std::string>& StandardLeafHex() {
  static const std::vector<std::string> leaves = {"",
                                                  "00",
                                                  "10",
                                                  "2021",
                                                  "3031",
                                                  "40414243",
                                                  "5051525354555657",
                                                  "606162636465666768696a6b6c6d6e6f"};
  return leaves;
}

MemoryTree StandardTree() {
  MemoryTree tree;
  for (const std::string& hex : StandardLeafHex()) {
    Result<Bytes> entry = HexDecode(hex);
    REQUIRE(entry.ok());
    tree.Append(*entry);
  }
  return tree;
}

void FlipBit(Hash& h, size_t bit) { h[(bit / 8) % 32] ^= static_cast<uint8_t>(1u << (bit % 8)); }

TEST_CASE("hashing matches RFC 6962 known answers", "[merkle]") {
  CHECK(EmptyRoot() ==
        HashFromHex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
  MemoryTree empty;
  Result<Hash> empty_root = RootAt(0, empty.Reader());
  REQUIRE(empty_root.ok());
  CHECK(*empty_root == EmptyRoot());

  CHECK(HashLeaf("") ==
        HashFromHex("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"));

  // Roots of the first n standard leaves, as published with CT's merkle_tree_test.
  const char* kRoots[] = {
      "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
      "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
      "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
      "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
      "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
      "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
      "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
  };
  MemoryTree tree = StandardTree();
  for (uint64_t n = 1; n <= 8; ++n) {
    INFO("size " << n);
    Result<Hash> root = RootAt(n, tree.Reader(n));
    REQUIRE(root.ok());
    CHECK(*root == HashFromHex(kRoots[n - 1]));
  }
  // The happy-path root of every vector in testdata/merkle over these 8 leaves.
  Result<Hash> root8 = RootAt(8, tree.Reader());
  REQUIRE(root8.ok());
  CHECK(Base64(*root8) == "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=");
}

TEST_CASE("NodesCompletedBy passes reader errors through", "[merkle]") {
  NodeReader missing = [](int, uint64_t) -> Result<Hash> {
    return Status(Code::kIoError, "disk on fire");
  };
  // Leaf 0 and leaf 2 complete nothing above themselves, so they read nothing.
  Result<std::vector<Node>> first = NodesCompletedBy(0, HashLeaf("a"), missing);
  REQUIRE(first.ok());
  REQUIRE(first->size() == 1);
  CHECK(first->front().level == 0);
  CHECK(first->front().index == 0);
  // Leaf 3 completes (1, 1) and (2, 0) and must read its left siblings.
  Result<std::vector<Node>> fourth = NodesCompletedBy(3, HashLeaf("d"), missing);
  REQUIRE_FALSE(fourth.ok());
  CHECK(fourth.status().code() == Code::kIoError);
  CHECK(fourth.status().message() == "disk on fire");
}

TEST_CASE("PostOrderPosition is the completion order", "[merkle]") {
  CHECK(PostOrderPosition(0, 0) == 0);
  CHECK(PostOrderPosition(0, 1) == 1);
  CHECK(PostOrderPosition(1, 0) == 2);
  CHECK(PostOrderPosition(0, 2) == 3);
  CHECK(PostOrderPosition(0, 3) == 4);
  CHECK(PostOrderPosition(1, 1) == 5);
  CHECK(PostOrderPosition(2, 0) == 6);
  CHECK(PostOrderPosition(0, 4) == 7);

  MemoryTree tree;
  for (uint64_t i = 0; i < 1000; ++i) tree.Append(Entry(i));
  const std::vector<Node>& order = tree.completion_order();
  REQUIRE(order.size() == 2 * 1000 - static_cast<size_t>(std::popcount(1000u)));
  uint64_t expected = 0;
  bool strictly_increasing = true;
  for (const Node& node : order) {
    const uint64_t position = PostOrderPosition(node.level, node.index);
    // Strictly increasing, and in fact dense: no gaps in the storage key.
    if (position != expected) {
      strictly_increasing = false;
      FAIL_CHECK("node (" << node.level << ", " << node.index << ") at position " << position
                          << ", expected " << expected);
    }
    ++expected;
  }
  CHECK(strictly_increasing);
  // Leaf n is at 2n - popcount(n).
  for (uint64_t n = 0; n < 1000; ++n) {
    CHECK(PostOrderPosition(0, n) == 2 * n - static_cast<uint64_t>(std::popcount(n)));
  }
}

TEST_CASE("RangeHash matches MTH of the range", "[merkle]") {
  constexpr uint64_t kSize = 70;
  MemoryTree tree;
  std::vector<Hash> leaves;
  for (uint64_t i = 0; i < kSize; ++i) {
    tree.Append(Entry(i));
    leaves.push_back(Reference::LeafHash(Entry(i)));
  }
  Reference ref(leaves);
  for (uint64_t begin = 0; begin < kSize; ++begin) {
    for (uint64_t end = begin + 1; end <= kSize; ++end) {
      const uint64_t size = end - begin;
      const uint64_t below = size == 1 ? 1 : std::bit_floor(size - 1);
      Result<Hash> got = RangeHash(begin, end, tree.Reader());
      INFO("range [" << begin << ", " << end << ")");
      if (begin % below == 0) {
        REQUIRE(got.ok());
        CHECK(*got == ref.Mth(begin, end));
      } else {
        REQUIRE_FALSE(got.ok());
        CHECK(got.status().code() == Code::kInvalidArgument);
      }
    }
  }
  Result<Hash> empty = RangeHash(5, 5, tree.Reader());
  REQUIRE_FALSE(empty.ok());
  CHECK(empty.status().code() == Code::kInvalidArgument);
}

TEST_CASE("Frontier: the root after every append matches MTH, and From refuses a wrong shape",
          "[merkle]") {
  std::vector<Hash> leaves;
  for (uint64_t i = 0; i < 130; ++i) leaves.push_back(Reference::LeafHash(Entry(i)));
  Reference ref(leaves);
  Frontier f;
  CHECK(f.Root() == EmptyRoot());
  for (uint64_t i = 0; i < leaves.size(); ++i) {
    f.Append(leaves[i]);
    INFO("size " << i + 1);
    CHECK(f.size() == i + 1);
    CHECK(f.Root() == ref.Mth(0, i + 1));
    CHECK(f.nodes().size() == static_cast<size_t>(std::popcount(i + 1)));
  }
  Result<Frontier> again = Frontier::From(f.size(), f.nodes());
  REQUIRE(again.ok());
  CHECK(again->Root() == f.Root());
  CHECK(Frontier::From(3, {leaves[0]}).status().code() == Code::kCorruption);
}

TEST_CASE("proofs and roots match the RFC 9162 reference for sizes 1..300", "[merkle]") {
  constexpr uint64_t kMaxSize = 300;
  // All consistency pairs up to this size; beyond it a sample keeps the run fast.
  constexpr uint64_t kAllPairsUpTo = 130;
  MemoryTree tree;
  std::vector<Hash> leaves;
  for (uint64_t i = 0; i < kMaxSize; ++i) {
    tree.Append(Entry(i));
    leaves.push_back(Reference::LeafHash(Entry(i)));
  }
  CHECK(leaves[0] == HashLeaf(Entry(0)));
  Reference ref(leaves);

  uint64_t inclusion_checked = 0;
  uint64_t consistency_checked = 0;
  for (uint64_t n = 1; n <= kMaxSize; ++n) {
    INFO("size " << n);
    const uint64_t max_reads = 2 * static_cast<uint64_t>(std::bit_width(n)) + 1;
    Result<Hash> root = RootAt(n, tree.Reader(n));
    REQUIRE(root.ok());
    REQUIRE(*root == ref.Mth(0, n));

    for (uint64_t i = 0; i < n; ++i) {
      tree.ResetReads();
      Result<std::vector<Hash>> proof = InclusionProof(i, n, tree.Reader(n));
      REQUIRE(proof.ok());
      if (*proof != ref.Path(i, 0, n) || tree.reads() > max_reads) {
        FAIL_CHECK("inclusion proof of leaf " << i << ": " << tree.reads() << " reads");
      }
      Status ok = VerifyInclusion(i, n, leaves[i], *proof, *root);
      if (!ok.ok()) FAIL_CHECK("leaf " << i << ": " << ok.ToString());
      // Flip one bit: every hash of the proof for small trees, one rotating hash beyond.
      for (size_t at = 0; at < proof->size(); ++at) {
        if (n > 64 && at != (i + n) % proof->size()) continue;
        std::vector<Hash> bad = *proof;
        FlipBit(bad[at], i + at);
        Status st = VerifyInclusion(i, n, leaves[i], bad, *root);
        if (st.code() != Code::kCorruption) {
          FAIL_CHECK("leaf " << i << ", hash " << at << " flipped: " << st.ToString());
        }
      }
      Hash bad_leaf = leaves[i];
      FlipBit(bad_leaf, i);
      if (VerifyInclusion(i, n, bad_leaf, *proof, *root).code() != Code::kCorruption) {
        FAIL_CHECK("leaf " << i << " with a flipped leaf hash verified");
      }
      ++inclusion_checked;
    }

    for (uint64_t m = 1; m <= n; ++m) {
      const bool sampled = n <= kAllPairsUpTo || m <= 4 || n - m <= 4 || std::has_single_bit(m) ||
                           (m * 7919 + n) % 13 == 0;
      if (!sampled) continue;
      Hash root_m = ref.Mth(0, m);
      tree.ResetReads();
      Result<std::vector<Hash>> proof = ConsistencyProof(m, n, tree.Reader(n));
      REQUIRE(proof.ok());
      if (*proof != ref.Proof(m, n) || tree.reads() > max_reads) {
        FAIL_CHECK("consistency proof " << m << " -> " << n << ": " << tree.reads() << " reads");
      }
      Status ok = VerifyConsistency(m, n, root_m, *root, *proof);
      if (!ok.ok()) FAIL_CHECK(m << " -> " << n << ": " << ok.ToString());
      if (!proof->empty()) {
        std::vector<Hash> bad = *proof;
        const size_t at = (m + n) % bad.size();
        FlipBit(bad[at], m * 3 + n);
        Status st = VerifyConsistency(m, n, root_m, *root, bad);
        if (st.code() != Code::kCorruption) {
          FAIL_CHECK(m << " -> " << n << ", hash " << at << " flipped: " << st.ToString());
        }
      }
      Hash bad_root = *root;
      FlipBit(bad_root, m);
      if (VerifyConsistency(m, n, root_m, bad_root, *proof).code() != Code::kCorruption) {
        FAIL_CHECK(m << " -> " << n << " verified against a wrong new root");
      }
      Hash bad_old_root = root_m;
      FlipBit(bad_old_root, n);
      if (VerifyConsistency(m, n, bad_old_root, *root, *proof).code() != Code::kCorruption) {
        FAIL_CHECK(m << " -> " << n << " verified against a wrong old root");
      }
      ++consistency_checked;
    }
  }
  CHECK(inclusion_checked == kMaxSize * (kMaxSize + 1) / 2);
  CHECK(consistency_checked > kAllPairsUpTo * (kAllPairsUpTo + 1) / 2);
}

TEST_CASE("proofs refuse impossible arguments", "[merkle]") {
  MemoryTree tree;
  for (uint64_t i = 0; i < 10; ++i) tree.Append(Entry(i));
  const Hash leaf = HashLeaf(Entry(3));
  Result<Hash> root = RootAt(10, tree.Reader());
  REQUIRE(root.ok());
  Result<std::vector<Hash>> proof = InclusionProof(3, 10, tree.Reader());
  REQUIRE(proof.ok());

  CHECK(InclusionProof(10, 10, tree.Reader()).status().code() == Code::kInvalidArgument);
  CHECK(InclusionProof(0, 0, tree.Reader()).status().code() == Code::kInvalidArgument);
  CHECK(ConsistencyProof(0, 5, tree.Reader()).status().code() == Code::kInvalidArgument);
  CHECK(ConsistencyProof(6, 5, tree.Reader()).status().code() == Code::kInvalidArgument);
  Result<std::vector<Hash>> same = ConsistencyProof(7, 7, tree.Reader());
  REQUIRE(same.ok());
  CHECK(same->empty());
  // A proof for a size the store has not reached reports the store's kNotFound.
  CHECK(InclusionProof(3, 11, tree.Reader()).status().code() == Code::kNotFound);

  CHECK(VerifyInclusion(10, 10, leaf, *proof, *root).code() == Code::kInvalidArgument);
  CHECK(VerifyInclusion(0, 0, leaf, {}, EmptyRoot()).code() == Code::kInvalidArgument);
  std::vector<Hash> longer = *proof;
  longer.push_back(*root);
  CHECK(VerifyInclusion(3, 10, leaf, longer, *root).code() == Code::kInvalidArgument);
  std::vector<Hash> shorter(proof->begin(), proof->end() - 1);
  CHECK(VerifyInclusion(3, 10, leaf, shorter, *root).code() == Code::kInvalidArgument);
  CHECK(VerifyInclusion(2, 10, leaf, *proof, *root).code() == Code::kCorruption);
  CHECK(VerifyInclusion(3, 10, leaf, *proof, *root).ok());

  // From size 0 there is nothing to prove; the vectors treat it as an error, and so do we.
  CHECK(VerifyConsistency(0, 0, EmptyRoot(), EmptyRoot(), {}).code() == Code::kInvalidArgument);
  CHECK(VerifyConsistency(0, 10, EmptyRoot(), *root, {}).code() == Code::kInvalidArgument);
  CHECK(VerifyConsistency(10, 9, *root, *root, {}).code() == Code::kInvalidArgument);
  CHECK(VerifyConsistency(10, 10, *root, *root, {}).ok());
  CHECK(VerifyConsistency(10, 10, *root, leaf, {}).code() == Code::kCorruption);
  CHECK(VerifyConsistency(10, 10, *root, *root, {leaf}).code() == Code::kInvalidArgument);
  Result<Hash> root7 = RootAt(7, tree.Reader(7));
  REQUIRE(root7.ok());
  CHECK(VerifyConsistency(7, 10, *root7, *root, {}).code() == Code::kInvalidArgument);
}

// ---- transparency-dev/merkle vectors (tests/testdata/merkle; see its README.md) ----

std::filesystem::path VectorDir() { return std::filesystem::path(VIGIL_TESTDATA_DIR) / "merkle"; }

nlohmann::json ReadJson(const std::filesystem::path& path) {
  std::ifstream in(path);
  REQUIRE(in.good());
  nlohmann::json doc = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  REQUIRE_FALSE(doc.is_discarded());
  return doc;
}

// Decodes a base64 hash field; false if it is not exactly 32 bytes (our API takes only
// SHA-256 values, so such a vector is rejected before any verification runs).
bool DecodeHash(const nlohmann::json& field, Hash* out) {
  if (!field.is_string()) return false;
  Result<Hash> h = HashFromBase64(field.get<std::string>());
  if (!h.ok()) return false;
  *out = *h;
  return true;
}

bool DecodeProof(const nlohmann::json& field, std::vector<Hash>* out) {
  out->clear();
  if (field.is_null()) return true;
  for (const nlohmann::json& item : field) {
    Hash h;
    if (!DecodeHash(item, &h)) return false;
    out->push_back(h);
  }
  return true;
}

TEST_CASE("transparency-dev/merkle proof vectors", "[merkle][vectors]") {
  // Every vector carrying a hash that is not 32 bytes long: a wrong-length root or leaf hash,
  // or an empty "garbage" proof element. Our API only takes 32-byte hashes, so these are
  // rejected while decoding, before verification; we count that as "the verifier rejected
  // it". All of them want an error except the one listed in kRejectedButWantOk.
  const std::set<std::string> kRejectedAtDecode = {
      "consistency/1/preceding-garbage.json",
      "consistency/1/trailing-garbage.json",
      "consistency/1/wrong-root1.json",
      "consistency/1/wrong-root2.json",
      "consistency/2/preceding-garbage.json",
      "consistency/2/trailing-garbage.json",
      "consistency/2/wrong-root1.json",
      "consistency/2/wrong-root2.json",
      "consistency/3/preceding-garbage.json",
      "consistency/3/trailing-garbage.json",
      "consistency/3/wrong-root1.json",
      "consistency/3/wrong-root2.json",
      "consistency/4/preceding-garbage.json",
      "consistency/4/trailing-garbage.json",
      "consistency/4/wrong-root1.json",
      "consistency/4/wrong-root2.json",
      "consistency/additional/roots-do-not-match-and-sizes-are-zero.json",
      "consistency/additional/roots-do-not-not-match-and-sizes-are-one.json",
      "consistency/additional/size1-is-greater-than-size2-again.json",
      "consistency/additional/size1-is-greater-than-size2.json",
      "consistency/additional/size1-is-zero-and-does-not-equal-size2.json",
      "consistency/additional/size1-is-zero-and-size2-is-not-zero.json",
      "consistency/additional/sizes-are-equal-one-and-proof-is-empty.json",
      "consistency/additional/sizes-are-equal-one-but-roots-are-not.json",
      "consistency/additional/sizes-are-equal-zero-and-proof-is-empty.json",
      "consistency/additional/sizes-are-equal-zero-but-roots-are-not.json",
      "consistency/additional/sizes-do-not-watch-and-proof-is-empty.json",
      "inclusion/0/preceding-garbage.json",
      "inclusion/0/trailing-garbage.json",
      "inclusion/0/wrong-leaf.json",
      "inclusion/1/preceding-garbage.json",
      "inclusion/1/trailing-garbage.json",
      "inclusion/1/wrong-leaf.json",
      "inclusion/2/preceding-garbage.json",
      "inclusion/2/trailing-garbage.json",
      "inclusion/2/wrong-leaf.json",
      "inclusion/3/preceding-garbage.json",
      "inclusion/3/trailing-garbage.json",
      "inclusion/3/wrong-leaf.json",
      "inclusion/4/preceding-garbage.json",
      "inclusion/4/trailing-garbage.json",
      "inclusion/4/wrong-leaf.json",
      "inclusion/additional/0/empty-root.json",
      "inclusion/additional/0/random-leaf.json",
      "inclusion/additional/1/empty-root.json",
      "inclusion/additional/1/random-leaf.json",
      "inclusion/additional/2/empty-root.json",
      "inclusion/additional/2/random-leaf.json",
      "inclusion/additional/3/empty-root.json",
      "inclusion/additional/3/random-leaf.json",
      "inclusion/single-entry/empty-leaf.json",
      "inclusion/single-entry/empty-root-and-leaf.json",
      "inclusion/single-entry/empty-root.json",
  };
  // The one known disagreement: equal sizes 1, equal 12-byte "roots", empty proof, and the
  // vector expects success. A 12-byte value is not a SHA-256 root, so we reject it (the
  // vectors' README names this file for exactly this reason). Not skipped: asserted here.
  const std::set<std::string> kRejectedButWantOk = {
      "consistency/additional/sizes-are-equal-one-and-proof-is-empty.json",
  };

  MemoryTree standard = StandardTree();
  std::set<std::string> rejected_at_decode;
  std::set<std::string> rejected_but_want_ok;
  int inclusion_files = 0;
  int consistency_files = 0;
  int happy_paths = 0;

  std::vector<std::filesystem::path> files;
  for (const auto& item : std::filesystem::recursive_directory_iterator(VectorDir())) {
    if (item.is_regular_file() && item.path().extension() == ".json") {
      files.push_back(item.path());
    }
  }
  std::sort(files.begin(), files.end());

  for (const std::filesystem::path& path : files) {
    const std::string name = path.lexically_relative(VectorDir()).generic_string();
    INFO(name);
    const nlohmann::json v = ReadJson(path);
    const bool want_err = v.at("wantErr").get<bool>();
    std::vector<Hash> proof;
    const bool proof_ok = DecodeProof(v.at("proof"), &proof);

    if (name.starts_with("inclusion/")) {
      ++inclusion_files;
      Hash root;
      Hash leaf;
      if (!DecodeHash(v.at("root"), &root) || !DecodeHash(v.at("leafHash"), &leaf) || !proof_ok) {
        rejected_at_decode.insert(name);
        if (!want_err) rejected_but_want_ok.insert(name);
        continue;
      }
      const uint64_t index = v.at("leafIdx").get<uint64_t>();
      const uint64_t size = v.at("treeSize").get<uint64_t>();
      Status st = VerifyInclusion(index, size, leaf, proof, root);
      INFO(st.ToString());
      CHECK(st.ok() == !want_err);
      // Every happy path is over the standard leaves: we must produce the same proof.
      if (path.filename() == "happy-path.json") {
        ++happy_paths;
        Result<std::vector<Hash>> ours = InclusionProof(index, size, standard.Reader(size));
        REQUIRE(ours.ok());
        CHECK(*ours == proof);
      }
    } else {
      REQUIRE(name.starts_with("consistency/"));
      ++consistency_files;
      Hash root1;
      Hash root2;
      if (!DecodeHash(v.at("root1"), &root1) || !DecodeHash(v.at("root2"), &root2) || !proof_ok) {
        rejected_at_decode.insert(name);
        if (!want_err) rejected_but_want_ok.insert(name);
        continue;
      }
      const uint64_t m = v.at("size1").get<uint64_t>();
      const uint64_t n = v.at("size2").get<uint64_t>();
      Status st = VerifyConsistency(m, n, root1, root2, proof);
      INFO(st.ToString());
      CHECK(st.ok() == !want_err);
      if (path.filename() == "happy-path.json") {
        ++happy_paths;
        Result<std::vector<Hash>> ours = ConsistencyProof(m, n, standard.Reader(n));
        REQUIRE(ours.ok());
        CHECK(*ours == proof);
      }
    }
  }

  CHECK(inclusion_files == 98);
  CHECK(consistency_files == 98);
  CHECK(happy_paths == 10);
  CHECK(rejected_at_decode == kRejectedAtDecode);
  CHECK(rejected_but_want_ok == kRejectedButWantOk);
}

}  // namespace
}  // namespace vigil::merkle
