#!/usr/bin/python3
"""The outside check of witnessing, written from the C2SP texts alone (tlog-witness v1.0.0,
tlog-cosignature v1, signed-note, tlog-checkpoint; RFC 6962 for the Merkle proofs).

Usage: witness_test.py PATH/TO/vigil

Part 0 writes the spec's witness seed (bytes 0x00..0x1f) as a Vigil key file, runs
`vigil witness init --from` on it and compares the printed verifier key with the one the
issue's known answer gives (computed here too).

Part 1 talks to `vigil witness serve` directly as a log would. This script is the log: its own
Ed25519 key, its own Merkle tree of made-up leaves, checkpoints and consistency proofs computed
here. It walks the protocol table of tlog-witness (200 with a cosignature that verifies under
the printed verifier key, 409 + text/x.tlog.size, 422, 400, 403, 404, a fork at the same size
refused, a smaller tree after a larger one refused) and checks that a restarted witness keeps
its state.

Part 2 runs a real Vigil log (`vigil init`, `vigil serve --witness URL=VKEY`) with three
witnesses and quorum 2, appends records, and verifies /checkpoint's cosignatures with
verify_log.py --witness (the outside verifier; independent of Vigil's code): two or three
valid cosignatures pass, a witness key the log does not use fails the quorum.
Python 3 standard library + PyNaCl only.
"""

import base64
import hashlib
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time

import nacl.signing

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import verify_log  # noqa: E402  (WitnessVerifier, cosigners: the spec's cosignature check)

failures = []
STARTED = time.time()


def check(cond, what):
    print(f"{'PASS' if cond else 'FAIL'} [{time.time() - STARTED:5.1f} s] {what}", flush=True)
    if not cond:
        failures.append(what)


def b64(raw):
    return base64.b64encode(raw).decode("ascii")


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---- RFC 6962 section 2.1 -----------------------------------------------------------------


def leaf_hash(data):
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def mth(leaves):
    """MTH(D[n]) over leaf hashes."""
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return node_hash(mth(leaves[:k]), mth(leaves[k:]))


def subproof(m, leaves, b):
    """SUBPROOF(m, D[n], b) of RFC 6962 section 2.1.2."""
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
    return subproof(m, leaves, True) if 0 < m < len(leaves) else []


# ---- signed notes and checkpoints (c2sp.org/signed-note, tlog-checkpoint) -----------------


def vkey(name, sig_type, verify_key):
    raw = bytes([sig_type]) + bytes(verify_key)
    key_id = hashlib.sha256(name.encode() + b"\n" + raw).digest()[:4]
    return f"{name}+{key_id.hex()}+{b64(raw)}", key_id


class Log:
    """A log made up here: a key, an origin and leaves."""

    def __init__(self, origin, seed=None):
        self.origin = origin
        self.key = nacl.signing.SigningKey(seed) if seed else nacl.signing.SigningKey.generate()
        self.vkey, self.key_id = vkey(origin, 0x01, self.key.verify_key)
        self.leaves = []

    def grow(self, n, tag=b""):
        for _ in range(n):
            self.leaves.append(leaf_hash(tag + b"entry %d" % len(self.leaves)))

    def checkpoint(self, size=None, key=None):
        size = len(self.leaves) if size is None else size
        body = f"{self.origin}\n{size}\n{b64(mth(self.leaves[:size]))}\n"
        key = key or self.key
        _, key_id = vkey(self.origin, 0x01, key.verify_key)
        sig = key.sign(body.encode()).signature
        return body, f"{body}\n\u2014 {self.origin} {b64(key_id + sig)}\n"


def add_checkpoint_body(old, proof, note):
    """tlog-witness: 'old <size>', proof lines, an empty line, the checkpoint."""
    return f"old {old}\n" + "".join(b64(h) + "\n" for h in proof) + "\n" + note


def post(port, body, path="/add-checkpoint"):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("POST", path, body=body.encode())
        res = conn.getresponse()
        return res.status, res.getheader("Content-Type") or "", res.read().decode("utf-8", "replace")
    finally:
        conn.close()


def wait_port(port, proc, deadline=15):
    end = time.time() + deadline
    while time.time() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args[:3]} exited with {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port}")


def stop(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def witness_init(vigil, data, name, key_file=None):
    out = subprocess.run([vigil, "witness", "init", "--data", data, "--name", name,
                          *(["--from", key_file] if key_file else [])],
                         capture_output=True, text=True, timeout=30)
    if out.returncode != 0:
        raise RuntimeError(f"vigil witness init: {out.stderr}")
    m = re.search(r"^(" + re.escape(name) + r"\+[0-9a-f]{8}\+\S+)$", out.stdout, re.M)
    if not m:
        raise RuntimeError(f"vigil witness init printed no verifier key: {out.stdout!r}")
    return m.group(1)


def witness_serve(vigil, data, port, logs):
    args = [vigil, "witness", "serve", "--data", data, "--listen", f"127.0.0.1:{port}"]
    for v in logs:
        args += ["--log", v]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_port(port, proc)
    return proc


# ---- part 0: the known answer of the witness's verifier key --------------------------------


def known_answer(vigil, tmp):
    seed = bytes(range(32))
    name = "witness.example/w1"
    expected = vkey(name, 0x04, nacl.signing.SigningKey(seed).verify_key)[0]
    check(expected == "witness.example/w1+e75f6532+BAOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4",
          f"the spec's seed gives the issue's verifier key here: {expected}")
    key_file = os.path.join(tmp, "seed.key")
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.write(fd, f"vigil-ed25519-seed-v1 {b64(seed)}\n".encode())
    os.close(fd)
    printed = witness_init(vigil, os.path.join(tmp, "known"), name, key_file)
    check(printed == expected, f"vigil witness init --from prints the same verifier key: {printed}")


# ---- part 1: the protocol, against vigil witness directly ----------------------------------


def protocol(vigil, tmp):
    data = os.path.join(tmp, "w1")
    name = "witness.outside-test.example/w1"
    wkey = witness_init(vigil, data, name)
    witness = verify_log.WitnessVerifier(wkey)
    check(witness.name == name, f"vigil witness init printed a type-0x04 verifier key: {wkey}")

    log = Log("log.outside-test.example/a")
    other = Log("log.outside-test.example/unknown")
    port = free_port()
    proc = witness_serve(vigil, data, port, [log.vkey])
    try:
        log.grow(5)
        body, note = log.checkpoint()
        status, ctype, text = post(port, add_checkpoint_body(0, [], note))
        cosigned = status == 200 and verify_log.cosigners(note + text, [witness]) == [name]
        check(cosigned, f"200: the first checkpoint (size 5) is cosigned: {status} {text.strip()[:90]}")
        if status == 200:
            stamp = int.from_bytes(base64.b64decode(text.split(" ")[2])[4:12], "big")
            check(abs(stamp - time.time()) < 120, f"the cosignature's time is now ({stamp})")

        log.grow(3)
        _, note8 = log.checkpoint()
        status, ctype, text = post(port, add_checkpoint_body(0, [], note8))
        check(status == 409 and ctype.startswith("text/x.tlog.size") and text == "5\n",
              f"409: a wrong old size is answered with the witness's size: {status} {ctype} {text!r}")

        status, _, text = post(port, add_checkpoint_body(5, consistency(5, log.leaves), note8))
        check(status == 200 and verify_log.cosigners(note8 + text, [witness]) == [name],
              f"200: size 5 -> 8 with a consistency proof: {status}")

        status, _, text = post(port, add_checkpoint_body(8, [], note8))
        check(status == 200, f"200: the same checkpoint again (old = size, same root): {status}")

        fork = Log(log.origin, seed=bytes(log.key))
        fork.grow(8, tag=b"fork ")
        _, fork8 = fork.checkpoint()
        status, _, text = post(port, add_checkpoint_body(8, [], fork8))
        check(status == 409, f"409: a fork (same size, same log key, another root): {status}")

        log.grow(2)
        _, note10 = log.checkpoint()
        proof = consistency(8, log.leaves)
        bad = [bytes([proof[0][0] ^ 1]) + proof[0][1:]] + proof[1:]
        status, _, _ = post(port, add_checkpoint_body(8, bad, note10))
        check(status == 422, f"422: a consistency proof that does not verify: {status}")

        status, _, _ = post(port, add_checkpoint_body(9, [], log.checkpoint(8)[1]))
        check(status == 400, f"400: old size above the checkpoint's size: {status}")

        fork.grow(4, tag=b"fork ")
        _, fork12 = fork.checkpoint()
        status, _, _ = post(port, add_checkpoint_body(8, consistency(8, fork.leaves), fork12))
        check(status == 422, f"422: a forked tree's growth, proved from its own history: {status}")

        stranger = nacl.signing.SigningKey.generate()
        status, _, _ = post(port, add_checkpoint_body(8, proof, log.checkpoint(key=stranger)[1]))
        check(status == 403, f"403: no signature by a log key the witness trusts: {status}")

        other.grow(2)
        status, _, _ = post(port, add_checkpoint_body(0, [], other.checkpoint()[1]))
        check(status == 404, f"404: a log (origin) the witness does not know: {status}")

        status, _, _ = post(port, "old x\n\n" + note10)
        check(status == 400, f"400: a malformed old size line: {status}")

        status, _, text = post(port, add_checkpoint_body(8, proof, note10))
        check(status == 200, f"200: size 8 -> 10 with the right proof: {status}")
        status, _, _ = post(port, add_checkpoint_body(8, [], note8))
        check(status == 409, f"409: a smaller tree after a larger one (no rollback): {status}")
    finally:
        stop(proc)

    proc = witness_serve(vigil, data, port, [log.vkey])
    try:
        status, ctype, text = post(port, add_checkpoint_body(0, [], note10))
        check(status == 409 and text == "10\n", f"after a restart the witness still holds size 10: "
                                                f"{status} {text!r}")
    finally:
        stop(proc)


# ---- part 2: a real log gathering cosignatures ---------------------------------------------


def gathering(vigil, tmp):
    data = os.path.join(tmp, "log")
    origin = "vigil.outside-witness.example/log"
    out = subprocess.run([vigil, "init", "--data", data, "--origin", origin, "--province", "Hà Nội"],
                         capture_output=True, text=True, timeout=60)
    check(out.returncode == 0, f"vigil init: {out.stderr.strip()[:200]}")
    log_vkey = re.search(r"(" + re.escape(origin) + r"\+[0-9a-f]{8}\+\S+)", out.stdout).group(1)

    procs, wkeys, flags = [], [], []
    try:
        for i in range(3):
            wdata = os.path.join(tmp, f"gw{i}")
            wkey = witness_init(vigil, wdata, f"witness.outside-test.example/g{i}")
            port = free_port()
            procs.append(witness_serve(vigil, wdata, port, [log_vkey]))
            wkeys.append(wkey)
            flags += ["--witness", f"http://127.0.0.1:{port}={wkey}"]
        port = free_port()
        published = os.path.join(tmp, "published")
        server = subprocess.Popen([vigil, "serve", "--data", data, "--listen", f"127.0.0.1:{port}",
                                   *flags, "--witness-quorum", "2", "--publish", published],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        procs.append(server)
        wait_port(port, server)
        url = f"http://127.0.0.1:{port}"
        payloads = os.path.join(tmp, "regs.jsonl")
        with open(payloads, "w") as f:
            for n in range(20):
                key = nacl.signing.SigningKey.generate()
                stamp = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
                f.write(json.dumps({
                    "type": "participant.register", "id": f"witness-reg-{n:03d}", "actor": "authority",
                    "at": stamp, "participant": f"wbiz-{n:03d}", "role": "business",
                    "legal_name": f"Cong ty {n:03d}", "tax_code": f"02{n:08d}",
                    "address": f"{n} Pho Hue, Ha Noi", "keys": [b64(bytes(key.verify_key))]}) + "\n")
        sub = subprocess.run([vigil, "submit", "--key", os.path.join(data, "keys", "authority.key"),
                              "--server", url, payloads], capture_output=True, text=True, timeout=60)
        check(sub.returncode == 0, f"20 records appended: {sub.stdout.strip()[-120:]}")

        # /checkpoint shows the newest checkpoint that two witnesses cosigned; wait for size 21.
        end, size, note = time.time() + 20, 0, ""
        while time.time() < end and size < 21:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.request("GET", "/checkpoint")
            note = conn.getresponse().read().decode()
            conn.close()
            size = int(note.split("\n")[1])
            time.sleep(0.2)
        check(size == 21, f"/checkpoint reaches the log's size (21) once cosigned: {size}")
        names = verify_log.cosigners(note, [verify_log.WitnessVerifier(k) for k in wkeys])
        check(len(names) >= 2, f"/checkpoint carries {len(names)} valid cosignatures: {names}")
        # serve --publish writes what /checkpoint serves: the cosigned checkpoint.
        end, static = time.time() + 10, ""
        while time.time() < end and not static.startswith(f"{note.split(chr(10))[0]}\n21\n"):
            try:
                static = open(os.path.join(published, "checkpoint")).read()
            except OSError:
                pass
            time.sleep(0.2)
        names = verify_log.cosigners(static, [verify_log.WitnessVerifier(k) for k in wkeys])
        check(static.split("\n")[1] == "21" and len(names) >= 2,
              f"the published checkpoint (serve --publish) is the cosigned one: {names}")

        def verifier(*args):
            p = subprocess.run([sys.executable, os.path.join(HERE, "verify_log.py"), "--server", url,
                                "--vkey", log_vkey, *args], capture_output=True, text=True, timeout=60)
            return p.returncode, (p.stdout + p.stderr).strip().splitlines()[-1:]

        witness_args = [a for k in wkeys for a in ("--witness", k)]
        rc, tail = verifier(*witness_args, "--witness-quorum", "2")
        check(rc == 0, f"verify_log.py --witness x3 --witness-quorum 2 passes: {tail}")
        stranger = vkey("witness.outside-test.example/stranger", 0x04,
                        nacl.signing.SigningKey.generate().verify_key)[0]
        rc, tail = verifier(*witness_args[:2], "--witness", stranger, "--witness-quorum", "2")
        check(rc == 1, f"with a witness the log does not use, quorum 2 of that set fails: {tail}")

        # The vigil command's own clients enforce the same policy (the C++ side of the check).
        def vigil_run(*args):
            p = subprocess.run([vigil, *args], capture_output=True, text=True, timeout=60)
            return p.returncode, (p.stdout + p.stderr).strip()

        authority = os.path.join(data, "keys", "authority.key")
        state = os.path.join(tmp, "monitor.state")
        rc, out = vigil_run("verify", "--server", url, "--state", state, "--tree-only", "--vkey",
                            log_vkey, *witness_args, "--witness-quorum", "2")
        check(rc == 0 and "cosigned by" in out, f"vigil verify --server --witness x3 (quorum 2): {out[-160:]}")
        rc, out = vigil_run("verify", "--server", url, "--state", state + ".2", "--tree-only", "--vkey",
                            log_vkey, *witness_args[:2], "--witness", stranger, "--witness-quorum", "2")
        check(rc == 1 and "witness policy" in out, f"vigil verify refuses a quorum the log cannot meet: {out[-160:]}")
        proof = os.path.join(tmp, "entry-5.tlog-proof")
        rc, out = vigil_run("receipt", "5", "--key", authority, "--server", url, "--log-key", log_vkey,
                            *witness_args, "--witness-quorum", "2", "-o", proof)
        check(rc == 0 and "cosigned by" in out, f"vigil receipt 5 against the cosigned checkpoint: {out[-160:]}")
        rc, out = vigil_run("verify", "--receipt", proof, "--key", log_vkey, *witness_args,
                            "--witness-quorum", "2")
        check(rc == 0 and "cosigned by" in out, f"vigil verify --receipt --witness: {out[-160:]}")
        rc, out = vigil_run("verify", "--receipt", proof, "--key", log_vkey, "--witness", stranger)
        check(rc == 1 and "witness policy" in out, f"the same receipt under another witness is refused: {out[-160:]}")
        export = os.path.join(tmp, "entries.csv")
        rc, out = vigil_run("export", "entries", "--key", authority, "--server", url, "--log-key",
                            log_vkey, *witness_args, "--witness-quorum", "2", "-o", export)
        check(rc == 0, f"vigil export --witness pins a cosigned checkpoint: {out[-160:]}")
        rc, out = vigil_run("export", "entries", "--key", authority, "--server", url, "--log-key",
                            log_vkey, "--witness", stranger, "-o", export + ".2")
        check(rc == 1 and not os.path.exists(export + ".2"), f"vigil export refuses a checkpoint below the policy: {out[-160:]}")
    finally:
        for p in procs:
            stop(p)


def main():
    if len(sys.argv) != 2:
        print("usage: witness_test.py PATH/TO/vigil", file=sys.stderr)
        return 2
    vigil = os.path.abspath(sys.argv[1])
    with tempfile.TemporaryDirectory(prefix="vigil_witness_outside_") as tmp:
        known_answer(vigil, tmp)
        protocol(vigil, tmp)
        gathering(vigil, tmp)
    print(f"{len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
