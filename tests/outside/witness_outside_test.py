#!/usr/bin/python3
"""`vigil witness` checked from the C2SP texts alone (tlog-witness v1.0.0, tlog-cosignature v1,
signed-note, tlog-checkpoint), with none of Vigil's code: Python 3 standard library + PyNaCl.

Usage: witness_outside_test.py PATH/TO/vigil

Writes the spec's witness seed (bytes 0x00..0x1f) as a Vigil key file, runs
`vigil witness init --from` on it and compares the printed verifier key with the one computed
here; starts `vigil witness serve` for a log whose key is made here, then builds checkpoints
and RFC 6962 consistency proofs here and checks every answer of the protocol table (200 with a
cosignature that verifies under the spec's rules, 409 text/x.tlog.size, 404, 403, 400, 422),
and that a fork of the same size is refused. Exit 0 if all pass, 1 otherwise.
"""

import base64
import hashlib
import http.client
import os
import socket
import struct
import subprocess
import sys
import tempfile
import time

import nacl.signing

failures = []
DASH = "\u2014"


def check(cond, what):
    print(f"{'PASS' if cond else 'FAIL'} {what}", flush=True)
    if not cond:
        failures.append(what)


def b64(raw):
    return base64.b64encode(raw).decode("ascii")


def key_hash(name, sig_type, public_key):
    return hashlib.sha256(name.encode() + b"\n" + bytes([sig_type]) + public_key).digest()[:4]


def vkey(name, sig_type, public_key):
    return f"{name}+{key_hash(name, sig_type, public_key).hex()}+{b64(bytes([sig_type]) + public_key)}"


# RFC 6962 §2.1 Merkle tree hash and §2.1.2 consistency proofs.
def mth(leaves):
    n = len(leaves)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    k = 1
    while k * 2 < n:
        k *= 2
    return hashlib.sha256(b"\x01" + mth(leaves[:k]) + mth(leaves[k:])).digest()


def subproof(m, leaves, b):
    n = len(leaves)
    if m == n:
        return [] if b else [mth(leaves)]
    k = 1
    while k * 2 < n:
        k *= 2
    if m <= k:
        return subproof(m, leaves[:k], b) + [mth(leaves[k:])]
    return subproof(m - k, leaves[k:], False) + [mth(leaves[:k])]


def consistency(m, leaves):
    return subproof(m, leaves, True)


class Log:
    def __init__(self, origin, signing_key):
        self.origin, self.key, self.leaves = origin, signing_key, []

    def note(self, size=None):
        size = len(self.leaves) if size is None else size
        body = f"{self.origin}\n{size}\n{b64(mth(self.leaves[:size]))}\n"
        sig = self.key.sign(body.encode()).signature
        pub = bytes(self.key.verify_key)
        return body, body + f"\n{DASH} {self.origin} {b64(key_hash(self.origin, 1, pub) + sig)}\n"

    def request(self, old, proof=None):
        body, note = self.note()
        if proof is None:
            proof = [] if old in (0, len(self.leaves)) else consistency(old, self.leaves)
        return body, "".join(f"old {old}\n" + "".join(b64(h) + "\n" for h in proof) + "\n" + note)


def post(port, body):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    c.request("POST", "/add-checkpoint", body=body.encode(), headers={"Content-Type": "text/plain"})
    r = c.getresponse()
    out = (r.status, r.getheader("Content-Type"), r.read().decode("utf-8", "replace"))
    c.close()
    return out


def verify_cosignature(body, lines, name, public_key):
    """tlog-cosignature v1: key hash (type 0x04) || 8-byte BE time || Ed25519 signature of
    "cosignature/v1\\ntime <t>\\n" + body. Returns the time, or None."""
    want = key_hash(name, 4, public_key)
    for line in lines.splitlines():
        parts = line.split(" ")
        if len(parts) != 3 or parts[0] != DASH or parts[1] != name:
            continue
        raw = base64.b64decode(parts[2], validate=True)
        if len(raw) != 76 or raw[:4] != want:
            continue
        (t,) = struct.unpack(">Q", raw[4:12])
        msg = f"cosignature/v1\ntime {t}\n".encode() + body.encode()
        try:
            nacl.signing.VerifyKey(public_key).verify(msg, raw[12:])
            return t
        except Exception:
            return None
    return None


def main():
    vigil = sys.argv[1]
    tmp = tempfile.mkdtemp(prefix="vigil_witness_outside_")
    seed = bytes(range(32))
    wkey = nacl.signing.SigningKey(seed)
    wpub = bytes(wkey.verify_key)
    name = "witness.example/w1"
    expected_vkey = vkey(name, 4, wpub)
    check(expected_vkey == "witness.example/w1+e75f6532+BAOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4",
          "the spec's witness key computed here")
    seed_file = os.path.join(tmp, "seed.key")
    fd = os.open(seed_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.write(fd, f"vigil-ed25519-seed-v1 {b64(seed)}\n".encode())
    os.close(fd)
    wdir = os.path.join(tmp, "w")
    init = subprocess.run([vigil, "witness", "init", "--data", wdir, "--name", name, "--from",
                           seed_file], capture_output=True, text=True)
    check(init.returncode == 0 and init.stdout == expected_vkey + "\n",
          f"vigil witness init prints the verifier key ({init.stdout.strip()}{init.stderr.strip()})")

    log = Log("outside.test/log", nacl.signing.SigningKey(hashlib.sha256(b"log").digest()))
    log_vkey = vkey(log.origin, 1, bytes(log.key.verify_key))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([vigil, "witness", "serve", "--data", wdir, "--listen",
                               f"127.0.0.1:{port}", "--log", log_vkey, "--log-level", "warn"])
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        log.leaves = [f"entry {i}".encode() for i in range(5)]
        before = int(time.time())
        body, req = log.request(0)
        status, _, answer = post(port, req)
        t = verify_cosignature(body, answer, name, wpub) if status == 200 else None
        check(status == 200 and t is not None and before - 1 <= t <= time.time() + 1,
              f"200: a valid cosignature with the current time ({status} {answer.strip()})")
        check(verify_cosignature(body.replace("\n5\n", "\n6\n"), answer, name, wpub) is None,
              "the same cosignature does not verify over another body (this checker can fail)")

        status, ctype, answer = post(port, log.request(0)[1])
        check(status == 409 and ctype == "text/x.tlog.size" and answer == "5\n",
              f"409 text/x.tlog.size with the stored size ({status} {ctype} {answer!r})")

        log.leaves += [f"entry {i}".encode() for i in range(5, 13)]
        body, req = log.request(5)
        status, _, answer = post(port, req)
        check(status == 200 and verify_cosignature(body, answer, name, wpub) is not None,
              f"200 from old 5 to 13 with an RFC 6962 consistency proof ({status})")

        stranger = Log("stranger.test/log", log.key)
        stranger.leaves = [b"x"]
        check(post(port, stranger.request(0)[1])[0] == 404, "404 for an unknown origin")
        impostor = Log(log.origin, nacl.signing.SigningKey(hashlib.sha256(b"other").digest()))
        impostor.leaves = log.leaves + [b"more"]
        check(post(port, impostor.request(13)[1])[0] == 403, "403 without a valid log signature")
        check(post(port, log.request(14, [])[1])[0] == 400, "400 for old above the checkpoint's size")
        check(post(port, "old 13\nnot base64\n\n" + log.note()[1])[0] == 400,
              "400 for a malformed proof line")
        log.leaves += [b"entry 13", b"entry 14"]
        bad = consistency(13, log.leaves)
        bad[0] = bytes([bad[0][0] ^ 1]) + bad[0][1:]
        check(post(port, log.request(13, bad)[1])[0] == 422, "422 for a proof that does not verify")
        fork = Log(log.origin, log.key)
        fork.leaves = [f"forked {i}".encode() for i in range(13)]
        status, _, answer = post(port, fork.request(13)[1])
        check(status == 409 and answer == "13\n", "409 for the same size with another root (a fork)")
        check(post(port, log.request(13)[1])[0] == 200, "the honest log goes on: 200 from 13 to 15")
    finally:
        server.terminate()
        server.wait(timeout=10)
    print(f"{len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
