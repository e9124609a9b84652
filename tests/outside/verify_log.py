#!/usr/bin/python3
"""An outside verifier for a Vigil log, written from the public specifications only.

It shares no code with Vigil. Everything here follows, and cites, these documents:

  * c2sp.org/signed-note         notes, verifier key strings, key IDs, signature lines
  * c2sp.org/tlog-checkpoint     the checkpoint note text (origin, size, root hash)
  * c2sp.org/tlog-tiles          /checkpoint and hash tiles /tile/<L>/<N>[.p/<W>]
  * c2sp.org/tlog-proof@v1       the offline inclusion proof text format
  * c2sp.org/tlog-cosignature    witnesses' Ed25519 cosignatures (type 0x04, timestamped)
  * RFC 6962 / RFC 9162 s2.1     Merkle tree hashing, inclusion (s2.1.3.2) and
                                 consistency (s2.1.4.2) proof verification

What it checks (any failure is printed as a line starting with "FAIL"):

  1. GET /checkpoint verifies under the verifier key given on the command line and is a
     well-formed checkpoint whose origin is the key name.
  2. Every hash tile the checkpoint's tree needs (all levels, full and partial) is fetched;
     each hash at level L >= 1 must equal the hash of the matching full tile at level L-1, and
     the root recomputed from the tiles alone must equal the checkpoint's root.
  3. --receipts: for every receipt (JSON lines: seq, leaf_hash, ts, checkpoint, inclusion),
     its checkpoint verifies, its inclusion proof verifies against that checkpoint, its leaf
     hash is the one in the level-0 tile, and the receipt checkpoint's root equals the root
     recomputed from the current tiles at that size (so it is a prefix of today's log).
  4. --old-checkpoint: a checkpoint saved earlier verifies, is not larger than the current
     one, and GET /v1/proof/consistency?from=M&to=N proves the current tree extends it.
  5. --tlog-proof: a c2sp.org/tlog-proof@v1 file verifies offline; its "extra" data is the
     entry bytes, whose leaf hash is the leaf the proof proves.
  6. --witness VKEY (repeatable) and --witness-quorum K: the checkpoint carries valid
     cosignatures by at least K of those witnesses (all of them by default); a cosignature
     line by a listed witness that does not verify is a failure.

Exit status: 0 all verified, 1 a verification failure, 2 a usage or network error.
Dependencies: Python 3 standard library and PyNaCl (Debian python3-nacl).
"""

import argparse
import base64
import binascii
import hashlib
import http.client
import json
import re
import sys
import urllib.parse

try:
    import nacl.exceptions
    import nacl.signing
except ImportError:  # pragma: no cover - reported as a usage error
    sys.stderr.write("verify_log.py: PyNaCl is required (Debian package python3-nacl)\n")
    sys.exit(2)

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2

TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT  # hashes in a full tile (tlog-tiles)
HASH_SIZE = 32
MAX_NOTE_BYTES = 1 << 20
MAX_NOTE_SIGNATURES = 100  # signed-note: verifiers SHOULD limit, MUST accept at least 16
EM_DASH_PREFIX = "\u2014 "  # signed-note signature lines start with U+2014 and a space
SIG_TYPE_ED25519 = 0x01
SIG_TYPE_COSIGNATURE = 0x04  # tlog-cosignature: Ed25519 cosignature/v1


class UsageError(Exception):
    """Bad arguments, unreadable files, or the network: exit 2."""


class VerifyError(Exception):
    """The log or a proof does not verify: exit 1."""


# ---------------------------------------------------------------------------------------------
# Encodings


def b64decode_strict(text, what):
    """Standard base64 (RFC 4648 s4) with padding, canonical, nothing else accepted."""
    if not isinstance(text, str) or not re.fullmatch(r"[A-Za-z0-9+/]*={0,2}", text):
        raise VerifyError(f"{what}: not standard base64")
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as e:
        raise VerifyError(f"{what}: not standard base64 ({e})")
    if base64.b64encode(raw).decode("ascii") != text:
        raise VerifyError(f"{what}: non-canonical base64")
    return raw


def hash_from_b64(text, what):
    raw = b64decode_strict(text, what)
    if len(raw) != HASH_SIZE:
        raise VerifyError(f"{what}: a hash is {HASH_SIZE} bytes, got {len(raw)}")
    return raw


def parse_decimal(text, what):
    """ASCII decimal with no leading zeroes (unless it is 0), as tlog-checkpoint/proof say."""
    if not re.fullmatch(r"0|[1-9][0-9]*", text or ""):
        raise VerifyError(f"{what}: {text!r} is not a decimal without leading zeroes")
    value = int(text)
    if value >= 1 << 64:
        raise VerifyError(f"{what}: {text} does not fit in 64 bits")
    return value


def b64(raw):
    return base64.b64encode(raw).decode("ascii")


# ---------------------------------------------------------------------------------------------
# RFC 6962 / RFC 9162 hashing and proofs


def sha256(data):
    return hashlib.sha256(data).digest()


def leaf_hash(entry):
    return sha256(b"\x00" + entry)


def node_hash(left, right):
    return sha256(b"\x01" + left + right)


EMPTY_ROOT = sha256(b"")


def verify_inclusion(index, size, leaf, path, root):
    """RFC 9162 s2.1.3.2. Raises VerifyError naming the failing step."""
    if index >= size:
        raise VerifyError(f"inclusion: leaf index {index} is not below tree size {size}")
    fn, sn = index, size - 1
    r = leaf
    for p in path:
        if sn == 0:
            raise VerifyError("inclusion: the proof has more hashes than the tree has levels")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise VerifyError("inclusion: the proof is too short for the tree size")
    if r != root:
        raise VerifyError("inclusion: the proof does not lead to the checkpoint's root")


def verify_consistency(first, second, first_hash, second_hash, path):
    """RFC 9162 s2.1.4.2, plus the trivial cases it leaves to the caller."""
    if first > second:
        raise VerifyError(f"consistency: old size {first} is larger than new size {second}")
    if first == second:
        if path:
            raise VerifyError("consistency: a proof between equal sizes must be empty")
        if first_hash != second_hash:
            raise VerifyError(f"consistency: two different roots for the same size {first}")
        return
    if first == 0:
        if path:
            raise VerifyError("consistency: a proof from the empty tree must be empty")
        if first_hash != EMPTY_ROOT:
            raise VerifyError("consistency: the old root is not the empty tree's root")
        return
    if not path:
        raise VerifyError("consistency: empty proof")
    path = list(path)
    if first & (first - 1) == 0:
        path.insert(0, first_hash)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise VerifyError("consistency: the proof has more hashes than needed")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise VerifyError("consistency: the proof is too short")
    if fr != first_hash:
        raise VerifyError("consistency: the proof does not lead to the old root")
    if sr != second_hash:
        raise VerifyError("consistency: the proof does not lead to the new root")


# ---------------------------------------------------------------------------------------------
# Signed notes (c2sp.org/signed-note) and checkpoints (c2sp.org/tlog-checkpoint)


def key_id(name, sig_type, public_key):
    """signed-note: SHA-256(key name || 0x0A || signature type || public key)[:4], big-endian."""
    return int.from_bytes(sha256(name.encode("utf-8") + b"\n" + bytes([sig_type]) + public_key)[:4],
                          "big")


def valid_key_name(name):
    return bool(name) and not re.search(r"[\s+]", name)


class NoteVerifier:
    """An Ed25519 note verifier parsed from '<name>+<8 hex key id>+<base64(0x01 || key)>'."""

    sig_type = SIG_TYPE_ED25519

    def __init__(self, vkey):
        parts = vkey.split("+", 2)  # the name has no '+'; base64 may
        if len(parts) != 3:
            raise UsageError("verifier key: expected <name>+<hash>+<base64 key>")
        name, hex_id, key_b64 = parts
        if not valid_key_name(name):
            raise UsageError(f"verifier key: bad key name {name!r}")
        if not re.fullmatch(r"[0-9a-f]{8}", hex_id):
            raise UsageError("verifier key: the key hash must be 8 lowercase hex digits")
        try:
            raw = b64decode_strict(key_b64, "verifier key")
        except VerifyError as e:
            raise UsageError(str(e))
        if len(raw) != 33 or raw[0] != self.sig_type:
            raise UsageError(f"verifier key: expected type byte 0x{self.sig_type:02x} and a "
                             f"32-byte Ed25519 key")
        self.name = name
        self.public_key = raw[1:]
        self.key_id = key_id(name, self.sig_type, self.public_key)
        if self.key_id != int(hex_id, 16):
            raise UsageError("verifier key: the key hash does not match the name and key")
        self.verify_key = nacl.signing.VerifyKey(self.public_key)


def open_note(note, verifier):
    """Verifies a signed note; returns its text (ending in '\\n')."""
    if isinstance(note, bytes):
        if len(note) > MAX_NOTE_BYTES:
            raise VerifyError("note: larger than 1 MiB")
        try:
            note = note.decode("utf-8")
        except UnicodeDecodeError:
            raise VerifyError("note: not valid UTF-8")
    if len(note.encode("utf-8")) > MAX_NOTE_BYTES:
        raise VerifyError("note: larger than 1 MiB")
    if re.search(r"[\x00-\x09\x0b-\x1f]", note):
        raise VerifyError("note: contains an ASCII control character other than newline")
    split = note.rfind("\n\n")
    if split < 0:
        raise VerifyError("note: no blank line between text and signatures")
    text, sigs = note[: split + 1], note[split + 2:]
    if not sigs.endswith("\n"):
        raise VerifyError("note: the last signature line does not end in a newline")
    lines = sigs[:-1].split("\n")
    if len(lines) > MAX_NOTE_SIGNATURES:
        raise VerifyError("note: too many signatures")
    verified = 0
    for line in lines:
        if not line.startswith(EM_DASH_PREFIX):
            raise VerifyError(f"note: malformed signature line {line[:60]!r}")
        rest = line[len(EM_DASH_PREFIX):]
        fields = rest.split(" ")
        if len(fields) != 2 or not valid_key_name(fields[0]):
            raise VerifyError(f"note: malformed signature line {line[:60]!r}")
        name, sig_b64 = fields
        sig = b64decode_strict(sig_b64, "note signature")
        if len(sig) < 5:
            raise VerifyError("note: signature too short")
        sig_id = int.from_bytes(sig[:4], "big")
        if name != verifier.name or sig_id != verifier.key_id:
            continue  # signed-note: signatures from unknown keys are ignored
        try:
            if len(sig) != 4 + 64:
                raise nacl.exceptions.BadSignatureError("wrong length")
            verifier.verify_key.verify(text.encode("utf-8"), sig[4:])
        except nacl.exceptions.BadSignatureError:
            raise VerifyError(f"note: the signature by {name} does not verify")
        verified += 1
    if verified == 0:
        raise VerifyError(f"note: no signature by the log key {verifier.name} "
                          f"(key id {verifier.key_id:08x})")
    return text


class WitnessVerifier(NoteVerifier):
    """A cosigner's key, '<name>+<8 hex key id>+<base64(0x04 || key)>' (tlog-cosignature)."""

    sig_type = SIG_TYPE_COSIGNATURE


def cosigners(note, witnesses):
    """tlog-cosignature v1: the names of `witnesses` whose cosignature line on `note` verifies.

    A line is '— <name> base64(key ID || u64 big-endian timestamp || Ed25519 signature)';
    the signed message is 'cosignature/v1\n', 'time <timestamp>\n', then the note body.
    Lines by other keys are ignored; a line by a listed witness that does not verify fails."""
    if isinstance(note, bytes):
        note = note.decode("utf-8")
    split = note.rfind("\n\n")
    body, sigs = note[: split + 1], note[split + 2:]
    found = []
    for line in sigs[:-1].split("\n"):
        fields = line[len(EM_DASH_PREFIX):].split(" ")
        if not line.startswith(EM_DASH_PREFIX) or len(fields) != 2:
            raise VerifyError(f"note: malformed signature line {line[:60]!r}")
        sig = b64decode_strict(fields[1], "note signature")
        for w in witnesses:
            if fields[0] != w.name or len(sig) < 4 or int.from_bytes(sig[:4], "big") != w.key_id:
                continue
            if len(sig) != 4 + 8 + 64:
                raise VerifyError(f"cosignature by {w.name}: {len(sig)} bytes, not 76")
            timestamp = int.from_bytes(sig[4:12], "big")
            if timestamp > 2**63 - 1:
                raise VerifyError(f"cosignature by {w.name}: timestamp above 2^63 - 1")
            message = f"cosignature/v1\ntime {timestamp}\n{body}".encode("utf-8")
            try:
                w.verify_key.verify(message, sig[12:])
            except nacl.exceptions.BadSignatureError:
                raise VerifyError(f"the cosignature by witness {w.name} does not verify")
            if w.name not in found:
                found.append(w.name)
    return found


class Checkpoint:
    def __init__(self, origin, size, root, note):
        self.origin, self.size, self.root, self.note = origin, size, root, note

    def __str__(self):
        return f"size {self.size} root {b64(self.root)}"


def open_checkpoint(note, verifier, what="checkpoint"):
    try:
        text = open_note(note, verifier)
        lines = text[:-1].split("\n")
        if len(lines) < 3 or any(line == "" for line in lines):
            raise VerifyError("checkpoint: needs at least three non-empty lines")
        origin = lines[0]
        if origin != verifier.name:
            raise VerifyError(f"checkpoint: origin {origin!r} is not the log key name "
                              f"{verifier.name!r}")
        size = parse_decimal(lines[1], "checkpoint tree size")
        root = hash_from_b64(lines[2], "checkpoint root hash")
    except VerifyError as e:
        raise VerifyError(f"{what}: {e}")
    if size == 0 and root != EMPTY_ROOT:
        raise VerifyError(f"{what}: an empty tree's root must be SHA-256 of nothing")
    return Checkpoint(origin, size, root, note if isinstance(note, str) else note.decode())


# ---------------------------------------------------------------------------------------------
# HTTP


class Fetcher:
    """GETs over one persistent HTTP/1.1 connection (reconnecting once on a dropped one)."""

    def __init__(self, base_url, timeout=30):
        u = urllib.parse.urlsplit(base_url)
        if u.scheme not in ("http", "https") or not u.hostname:
            raise UsageError(f"--server: {base_url!r} is not an http(s) URL")
        self.scheme, self.netloc, self.prefix = u.scheme, u.netloc, u.path.rstrip("/")
        self.timeout = timeout
        self.conn = None
        self.requests = 0

    def _connect(self):
        cls = http.client.HTTPSConnection if self.scheme == "https" else http.client.HTTPConnection
        self.conn = cls(self.netloc, timeout=self.timeout)

    def get(self, path):
        """Returns (status, body bytes). Raises UsageError if the server cannot be reached."""
        url = self.prefix + path
        for attempt in (0, 1):
            if self.conn is None:
                self._connect()
            try:
                self.conn.request("GET", url, headers={"Accept-Encoding": "identity"})
                res = self.conn.getresponse()
                body = res.read()
                self.requests += 1
                if res.getheader("Connection", "").lower() == "close":
                    self.conn.close()
                    self.conn = None
                return res.status, body
            except (OSError, http.client.HTTPException) as e:
                self.conn.close()
                self.conn = None
                if attempt == 1:
                    raise UsageError(f"GET {url}: {e}")
        raise AssertionError("unreachable")

    def get_ok(self, path, what):
        status, body = self.get(path)
        if status == 404:
            raise VerifyError(f"{what}: GET {path} answered 404")
        if status != 200:
            raise UsageError(f"{what}: GET {path} answered HTTP {status}: {body[:200]!r}")
        return body


# ---------------------------------------------------------------------------------------------
# Tiles (c2sp.org/tlog-tiles)


def encode_tile_index(n):
    """Zero-padded 3-digit path elements, all but the last prefixed by 'x' (1234067 ->
    x001/x234/067)."""
    digits = str(n)
    digits = "0" * (-len(digits) % 3) + digits
    groups = [digits[i:i + 3] for i in range(0, len(digits), 3)]
    return "/".join(["x" + g for g in groups[:-1]] + [groups[-1]])


def tile_path(level, index, width):
    path = f"/tile/{level}/{encode_tile_index(index)}"
    return path if width == TILE_WIDTH else f"{path}.p/{width}"


def perfect_root(hashes):
    """Root of a perfect binary tree over `hashes` (a power of two of them)."""
    while len(hashes) > 1:
        hashes = [node_hash(hashes[i], hashes[i + 1]) for i in range(0, len(hashes), 2)]
    return hashes[0]


class TiledTree:
    """All hash tiles of a tree of `size` leaves, checked against each other."""

    def __init__(self, fetcher, size):
        self.size = size
        self.levels = []  # levels[l][i]: the hash of leaves [i*256^l, (i+1)*256^l)
        self.tiles_fetched = 0
        level = 0
        while size >> (TILE_HEIGHT * level) > 0:
            count = size >> (TILE_HEIGHT * level)
            hashes = []
            for index in range((count + TILE_WIDTH - 1) // TILE_WIDTH):
                width = min(TILE_WIDTH, count - index * TILE_WIDTH)
                hashes.extend(self._fetch(fetcher, level, index, width))
            self.levels.append(hashes)
            level += 1
        self._check_levels()
        self.roots = {}

    def _fetch(self, fetcher, level, index, width):
        path = tile_path(level, index, width)
        status, body = fetcher.get(path)
        if status == 404 and width < TILE_WIDTH:
            # tlog-tiles lets a log drop a partial tile once the full one exists.
            status, body = fetcher.get(tile_path(level, index, TILE_WIDTH))
            body = body[: width * HASH_SIZE] if status == 200 else body
            path += " (and the full tile)"
        if status == 404:
            raise VerifyError(f"tiles: the log does not serve {path}, which its checkpoint needs")
        if status != 200:
            raise UsageError(f"tiles: GET {path} answered HTTP {status}")
        if len(body) != width * HASH_SIZE:
            raise VerifyError(f"tiles: {path} is {len(body)} bytes, expected {width * HASH_SIZE}")
        self.tiles_fetched += 1
        return [body[i:i + HASH_SIZE] for i in range(0, len(body), HASH_SIZE)]

    def _check_levels(self):
        for level in range(1, len(self.levels)):
            below = self.levels[level - 1]
            for i, h in enumerate(self.levels[level]):
                if perfect_root(below[i * TILE_WIDTH:(i + 1) * TILE_WIDTH]) != h:
                    raise VerifyError(
                        f"tiles: hash {i} of level {level} (tile {level}/{i // TILE_WIDTH}) is not "
                        f"the hash of tile {level - 1}/{i} below it")

    def leaf(self, index):
        return self.levels[0][index]

    def _perfect(self, start, log2_size):
        """Hash of the aligned perfect subtree of 2^log2_size leaves starting at `start`."""
        level, rest = divmod(log2_size, TILE_HEIGHT)
        first = start >> (TILE_HEIGHT * level)
        return perfect_root(self.levels[level][first:first + (1 << rest)])

    def _mth(self, start, n):
        """RFC 6962 s2.1 MTH(D[start:start+n]), for n >= 1, from tile hashes only."""
        if n & (n - 1) == 0:
            return self._perfect(start, n.bit_length() - 1)
        k = 1 << ((n - 1).bit_length() - 1)  # largest power of two smaller than n
        return node_hash(self._mth(start, k), self._mth(start + k, n - k))

    def root(self, size):
        """The root of the tree's first `size` leaves (size <= self.size)."""
        assert size <= self.size
        if size not in self.roots:
            self.roots[size] = EMPTY_ROOT if size == 0 else self._mth(0, size)
        return self.roots[size]


# ---------------------------------------------------------------------------------------------
# The checks


class Report:
    def __init__(self, quiet):
        self.quiet = quiet
        self.failures = 0

    def ok(self, msg):
        if not self.quiet:
            print(f"ok: {msg}")

    def fail(self, msg):
        self.failures += 1
        print(f"FAIL: {msg}")


def check_receipts(path, verifier, tree, report):
    try:
        with open(path, "rb") as f:
            lines = f.read().split(b"\n")
    except OSError as e:
        raise UsageError(f"--receipts: {e}")
    checked = bad = 0
    checkpoints = {}  # note text -> Checkpoint (receipts of one batch share a checkpoint)
    for lineno, raw in enumerate(lines, 1):
        if not raw.strip():
            continue
        checked += 1
        where = f"receipt on line {lineno}"
        try:
            try:
                r = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, ValueError) as e:
                raise VerifyError(f"not JSON ({e})")
            if not isinstance(r, dict):
                raise VerifyError("not a JSON object")
            for field, kind in (("seq", int), ("leaf_hash", str), ("ts", str),
                                ("checkpoint", str), ("inclusion", list)):
                if not isinstance(r.get(field), kind) or isinstance(r.get(field), bool):
                    raise VerifyError(f"field {field!r} missing or not a {kind.__name__}")
            seq = r["seq"]
            where = f"receipt on line {lineno} (seq {seq})"
            if seq < 0:
                raise VerifyError("negative seq")
            leaf = hash_from_b64(r["leaf_hash"], "leaf_hash")
            proof = [hash_from_b64(h, f"inclusion[{i}]") if isinstance(h, str) else
                     hash_from_b64(None, f"inclusion[{i}]") for i, h in enumerate(r["inclusion"])]
            cp = checkpoints.get(r["checkpoint"])
            if cp is None:
                cp = open_checkpoint(r["checkpoint"], verifier, "receipt checkpoint")
                checkpoints[r["checkpoint"]] = cp
            verify_inclusion(seq, cp.size, leaf, proof, cp.root)
            if cp.size > tree.size:
                raise VerifyError(f"its checkpoint (size {cp.size}) is larger than the log's "
                                  f"current checkpoint (size {tree.size}): a rollback?")
            if tree.leaf(seq) != leaf:
                raise VerifyError(f"its leaf hash is not the one in level-0 tile "
                                  f"{seq // TILE_WIDTH} (position {seq % TILE_WIDTH})")
            if tree.root(cp.size) != cp.root:
                raise VerifyError(f"its checkpoint root for size {cp.size} differs from the root "
                                  f"the current tiles give for that size: a fork?")
        except VerifyError as e:
            bad += 1
            report.fail(f"{where}: {e}")
    if checked == 0:
        report.fail(f"{path}: no receipts in the file")
    elif bad == 0:
        report.ok(f"{checked} receipts: checkpoint signatures, inclusion proofs, leaf hashes in "
                  f"the level-0 tiles and {len(checkpoints)} receipt checkpoints consistent "
                  f"with the tiles")


def check_old_checkpoint(path, verifier, current, tree, fetcher, report):
    try:
        with open(path, "rb") as f:
            note = f.read()
    except OSError as e:
        raise UsageError(f"--old-checkpoint: {e}")
    try:
        old = open_checkpoint(note, verifier, "old checkpoint")
        if old.size > current.size:
            raise VerifyError(f"old checkpoint (size {old.size}) is larger than the current one "
                              f"(size {current.size}): the log was rolled back")
        proof = []
        if 0 < old.size < current.size:
            body = fetcher.get_ok(f"/v1/proof/consistency?from={old.size}&to={current.size}",
                                  "consistency proof")
            try:
                j = json.loads(body)
                hashes = j["proof"]
                if not isinstance(hashes, list):
                    raise TypeError
            except (ValueError, KeyError, TypeError):
                raise VerifyError("consistency proof: the answer is not {\"proof\": [...]}")
            proof = [hash_from_b64(h if isinstance(h, str) else None, f"consistency proof[{i}]")
                     for i, h in enumerate(hashes)]
        verify_consistency(old.size, current.size, old.root, current.root, proof)
        if tree.root(old.size) != old.root:
            raise VerifyError(f"old checkpoint root differs from the root the tiles give for "
                              f"size {old.size}")
        report.ok(f"old checkpoint ({old}) is consistent with the current one "
                  f"({len(proof)}-hash consistency proof, and the tiles agree)")
    except VerifyError as e:
        report.fail(f"{path}: {e}")


def parse_tlog_proof(text):
    """c2sp.org/tlog-proof@v1 -> (extra bytes or None, index, [hashes], checkpoint note)."""
    header, sep, rest = text.partition("\n")
    if header != "c2sp.org/tlog-proof@v1" or not sep:
        raise VerifyError("not a c2sp.org/tlog-proof@v1 proof (bad first line)")
    blank = rest.find("\n\n")
    if blank < 0:
        raise VerifyError("no empty line before the checkpoint")
    head, note = rest[:blank].split("\n"), rest[blank + 2:]
    extra = None
    if head and head[0].startswith("extra "):
        extra = b64decode_strict(head.pop(0)[len("extra "):], "extra")
    if not head or not head[0].startswith("index "):
        raise VerifyError("no 'index' line")
    index = parse_decimal(head.pop(0)[len("index "):], "index")
    proof = [hash_from_b64(line, f"proof line {i + 1}") for i, line in enumerate(head)]
    return extra, index, proof, note


def check_tlog_proof(path, verifier, tree, report):
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as e:
        raise UsageError(f"--tlog-proof: {e}")
    try:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise VerifyError("not UTF-8")
        extra, index, proof, note = parse_tlog_proof(text)
        cp = open_checkpoint(note, verifier, "proof checkpoint")
        if extra is None:
            raise VerifyError("no 'extra' line: a Vigil proof carries the entry bytes there")
        leaf = leaf_hash(extra)
        verify_inclusion(index, cp.size, leaf, proof, cp.root)
        try:
            entry = json.loads(extra.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise VerifyError("the extra data is not a JSON entry")
        if not isinstance(entry, dict) or entry.get("seq") != index:
            raise VerifyError(f"the entry's seq is not the proof's index {index}")
        if cp.size <= tree.size:
            if tree.leaf(index) != leaf:
                raise VerifyError(f"the entry's leaf hash is not the one in level-0 tile "
                                  f"{index // TILE_WIDTH}")
            if tree.root(cp.size) != cp.root:
                raise VerifyError(f"its checkpoint root differs from the tiles' root at size "
                                  f"{cp.size}")
        else:
            raise VerifyError(f"its checkpoint (size {cp.size}) is larger than the log's current "
                              f"one (size {tree.size}): a rollback?")
        report.ok(f"tlog-proof {path}: entry {index} is in the tree of {cp}")
    except VerifyError as e:
        report.fail(f"{path}: {e}")


def run(args):
    verifier = NoteVerifier(args.vkey)
    witnesses = [WitnessVerifier(w) for w in args.witness or []]
    quorum = len(witnesses) if args.witness_quorum is None else args.witness_quorum
    if not 0 <= quorum <= len(witnesses) or (args.witness_quorum is not None and not witnesses):
        raise UsageError("--witness-quorum must be between 1 and the number of --witness keys")
    report = Report(args.quiet)
    fetcher = Fetcher(args.server, timeout=args.timeout)
    try:
        note = fetcher.get_ok("/checkpoint", "checkpoint")
        current = open_checkpoint(note, verifier)
        report.ok(f"checkpoint {current} signed by {verifier.name}")
        if witnesses:
            names = cosigners(note, witnesses)
            if len(names) < quorum:
                raise VerifyError(f"the checkpoint is cosigned by {len(names)} of {len(witnesses)} "
                                  f"witnesses ({', '.join(names) or 'none'}); the policy needs {quorum}")
            report.ok(f"checkpoint cosigned by {len(names)} of {len(witnesses)} witnesses "
                      f"({', '.join(names)}; quorum {quorum})")
        tree = TiledTree(fetcher, current.size)
        if tree.root(current.size) != current.root:
            raise VerifyError(f"tiles: the root recomputed from the tiles ({b64(tree.root(current.size))}) "
                              f"is not the checkpoint's root")
        report.ok(f"{tree.tiles_fetched} hash tiles in {len(tree.levels)} levels agree with each "
                  f"other and give the checkpoint's root")
    except VerifyError as e:
        report.fail(str(e))
        return EXIT_FAIL
    if args.receipts:
        check_receipts(args.receipts, verifier, tree, report)
    if args.old_checkpoint:
        check_old_checkpoint(args.old_checkpoint, verifier, current, tree, fetcher, report)
    for path in args.tlog_proof or []:
        check_tlog_proof(path, verifier, tree, report)
    if report.failures:
        print(f"verification FAILED: {report.failures} problem(s)")
        return EXIT_FAIL
    if not args.quiet:
        print(f"verified: {verifier.name} at size {current.size}")
    return EXIT_OK


def main(argv=None):
    p = argparse.ArgumentParser(
        description="Verify a Vigil log from the outside (C2SP signed-note, tlog-checkpoint, "
                    "tlog-tiles, tlog-proof; RFC 9162 proofs).",
        epilog="Exit status: 0 verified, 1 verification failure, 2 usage or network error.")
    p.add_argument("--server", required=True, help="base URL of the log, e.g. http://127.0.0.1:8080")
    p.add_argument("--vkey", required=True,
                   help="the log's verifier key: <name>+<key hash>+<base64(0x01 || public key)>")
    p.add_argument("--receipts", help="receipts file, one JSON receipt per line")
    p.add_argument("--old-checkpoint", help="a checkpoint saved earlier; prove the log extends it")
    p.add_argument("--tlog-proof", action="append",
                   help="a c2sp.org/tlog-proof@v1 file to verify (repeatable)")
    p.add_argument("--witness", action="append",
                   help="a witness's verifier key <name>+<key id>+<base64(0x04 || key)> whose "
                        "cosignature the checkpoint must carry (repeatable)")
    p.add_argument("--witness-quorum", type=int,
                   help="how many of the --witness keys must have cosigned (default: all)")
    p.add_argument("--timeout", type=float, default=30, help="network timeout in seconds")
    p.add_argument("--quiet", "-q", action="store_true", help="print failures only")
    try:
        args = p.parse_args(argv)
    except SystemExit as e:
        return EXIT_USAGE if e.code else EXIT_OK
    try:
        return run(args)
    except UsageError as e:
        print(f"verify_log.py: {e}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
