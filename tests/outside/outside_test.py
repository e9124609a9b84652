#!/usr/bin/python3
"""End-to-end test of a live Vigil server by the outside verifier (verify_log.py).

Usage: outside_test.py PATH/TO/vigil

Creates a log in a temporary directory, serves it on a free loopback port, registers 600
businesses (fresh Ed25519 keys written as Vigil key files) through concurrent
`vigil submit --receipts` runs (saving the checkpoint halfway, so level-1 and partial tiles
exist and a consistency proof is needed), obtains two c2sp.org/tlog-proof@v1
proofs, and runs verify_log.py on the result: it must pass (exit 0). Then it attacks: a
tampered checkpoint, a wrong verifier key, modified receipts and proofs, a forked and a
rolled-back checkpoint validly signed with the log key, and a proxy that alters one tile
hash: each must fail (exit 1); bad usage and an unreachable server must exit 2.
The server is always stopped. Python 3 standard library + PyNaCl only.
"""

import base64
import datetime
import hashlib
import http.client
import http.server
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

import nacl.signing

HERE = os.path.dirname(os.path.abspath(__file__))
VERIFY = os.path.join(HERE, "verify_log.py")
ORIGIN = "vigil.outside-test.example/log"
FIRST_BATCH = 300
SECOND_BATCH = 300
# Concurrent `vigil submit` processes per batch: concurrent, so the server group-commits them,
# but fewer than 5, the listen backlog cpp-httplib 0.11.4 hard-codes (a burst of more new
# simultaneous new connections than that can be dropped or reset by the kernel).
SUBMITTERS = 4

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


def now_rfc3339():
    t = datetime.datetime.now(datetime.timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


# ---- key files in Vigil's format: "vigil-ed25519-seed-v1 <b64 seed>\n", mode 0600 ----------


def write_key_pair(path, signing_key):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(f"vigil-ed25519-seed-v1 {b64(bytes(signing_key))}\n")
    with open(path[:-len(".key")] + ".pub", "w") as f:
        f.write(f"vigil-ed25519-public-v1 {b64(bytes(signing_key.verify_key))}\n")


def load_key(path):
    text = open(path).read().strip()
    header, seed = text.split(" ", 1)
    assert header == "vigil-ed25519-seed-v1", header
    return nacl.signing.SigningKey(base64.b64decode(seed))


def key_id(verify_key):
    return hashlib.sha256(bytes(verify_key)).digest()[:8].hex()


def note_key_hash(name, verify_key):
    return hashlib.sha256(name.encode() + b"\n\x01" + bytes(verify_key)).digest()[:4]


def verifier_key_string(name, verify_key):
    key = b64(bytes([1]) + bytes(verify_key))
    return f"{name}+{note_key_hash(name, verify_key).hex()}+{key}"


def sign_checkpoint(name, size, root, signing_key):
    """A checkpoint note signed with `signing_key` (what a misbehaving log could publish)."""
    text = f"{name}\n{size}\n{b64(root)}\n"
    sig = signing_key.sign(text.encode()).signature
    return f"{text}\n\u2014 {name} {b64(note_key_hash(name, signing_key.verify_key) + sig)}\n"


def register_payload(n, verify_key):
    return {"type": "participant.register", "id": f"outside-reg-{n:05d}", "actor": "authority",
            "at": now_rfc3339(), "participant": f"biz-{n:05d}", "role": "business",
            "legal_name": f"Cong ty TNHH Hoa chat {n:05d}", "tax_code": f"01{n:08d}",
            "address": f"{n} Pho Hue, Ha Noi", "keys": [b64(bytes(verify_key))]}


# ---- HTTP -----------------------------------------------------------------------------------


def http_request(port, method, path, body=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body=body,
                     headers={"Content-Type": "application/json"} if body else {})
        res = conn.getresponse()
        return res.status, res.read()
    finally:
        conn.close()


def wait_healthy(port, server, deadline=15):
    end = time.time() + deadline
    while time.time() < end:
        if server.poll() is not None:
            raise RuntimeError(f"vigil serve exited with {server.returncode}")
        try:
            status, _ = http_request(port, "GET", "/healthz")
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.05)
    raise RuntimeError("vigil serve did not become healthy")


class TamperingProxy(http.server.ThreadingHTTPServer):
    """Forwards GETs to the real server, flipping one byte in the body of `target` paths."""

    daemon_threads = True

    def __init__(self, upstream_port, target):
        self.upstream_port, self.target = upstream_port, target
        super().__init__(("127.0.0.1", 0), ProxyHandler)


class ProxyHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        status, body = http_request(self.server.upstream_port, "GET", self.path)
        if re.fullmatch(self.server.target, self.path) and status == 200 and body:
            body = bytearray(body)
            body[len(body) // 2] ^= 0x01
            body = bytes(body)
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


# ---- the test -------------------------------------------------------------------------------


def run_verifier(*args):
    p = subprocess.run([sys.executable, VERIFY, *args], capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout + p.stderr


def expect(code, what, *args):
    rc, out = run_verifier(*args)
    ok = rc == code
    check(ok, f"{what}: verify_log.py exit {rc} (expected {code})")
    lines = [l for l in out.splitlines() if l.startswith(("FAIL", "verify_log.py:", "verified"))]
    for line in (out.splitlines() if not ok else lines[:3]):
        print("    " + line)
    return out


def submit(vigil, data, url, receipts, paths):
    """Runs one `vigil submit --receipts` per file, all at once (so the server group-commits
    them), and appends their receipts to `receipts`."""
    procs = []
    for path in paths:
        out = path + ".receipts"
        procs.append((out, subprocess.Popen(
            [vigil, "submit", "--key", os.path.join(data, "keys", "authority.key"),
             "--server", url, "--receipts", out, path],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)))
    for out, p in procs:
        text, _ = p.communicate(timeout=120)
        if p.returncode != 0:
            raise RuntimeError(f"vigil submit exited {p.returncode}: {text[-2000:]}")
        with open(out) as src, open(receipts, "a") as dst:
            dst.write(src.read())


def write_registrations(tmp, first, count, files=SUBMITTERS):
    """Fresh business keys (Vigil key files) and their registrations, split into `files`
    JSON-lines files."""
    keydir = os.path.join(tmp, "business-keys")
    os.makedirs(keydir, exist_ok=True)
    paths = [os.path.join(tmp, f"registrations-{first}-{i}.jsonl") for i in range(files)]
    outs = [open(path, "w") for path in paths]
    for n in range(first, first + count):
        sk = nacl.signing.SigningKey.generate()
        write_key_pair(os.path.join(keydir, f"biz-{n:05d}.key"), sk)
        outs[n % files].write(json.dumps(register_payload(n, sk.verify_key)) + "\n")
    for f in outs:
        f.close()
    return paths


def post_entry(port, signing_key, payload, query=""):
    raw = json.dumps(payload, separators=(",", ":"))
    body = {"signer": key_id(signing_key.verify_key), "payload": raw,
            "sig": b64(signing_key.sign(f"vigil/v2/entry\n{ORIGIN}\n".encode() + raw.encode()).signature)}
    return http_request(port, "POST", "/v1/entries" + query, json.dumps(body).encode())


def main():
    if len(sys.argv) != 2:
        print("usage: outside_test.py PATH/TO/vigil", file=sys.stderr)
        return 2
    vigil = os.path.abspath(sys.argv[1])
    tmp = tempfile.mkdtemp(prefix="vigil-outside-")
    data = os.path.join(tmp, "log")
    server = None
    proxy = None
    try:
        p = subprocess.run([vigil, "init", "--data", data, "--origin", ORIGIN],
                           capture_output=True, text=True, timeout=30)
        check(p.returncode == 0, "vigil init")
        m = re.search(r"^verifier key: (\S+)$", p.stdout, re.M)
        if not m:
            raise RuntimeError(f"no verifier key in vigil init output: {p.stdout}{p.stderr}")
        vkey = m.group(1)

        port = free_port()
        url = f"http://127.0.0.1:{port}"
        server_log = open(os.path.join(tmp, "serve.log"), "w")
        server = subprocess.Popen([vigil, "serve", "--data", data, "--listen", f"127.0.0.1:{port}"],
                                  stdout=server_log, stderr=subprocess.STDOUT)
        wait_healthy(port, server)
        status, body = http_request(port, "GET", "/v1/log")
        check(status == 200 and json.loads(body)["verifier_key"] == vkey,
              "GET /v1/log names the verifier key vigil init printed")

        receipts = os.path.join(tmp, "receipts.jsonl")
        submit(vigil, data, url, receipts, write_registrations(tmp, 1, FIRST_BATCH))
        old_checkpoint = os.path.join(tmp, "old.checkpoint")
        status, old_note = http_request(port, "GET", "/checkpoint")
        check(status == 200, "GET /checkpoint after the first batch")
        with open(old_checkpoint, "wb") as f:
            f.write(old_note)
        submit(vigil, data, url, receipts, write_registrations(tmp, 1 + FIRST_BATCH, SECOND_BATCH))
        with open(receipts) as f:
            receipt_lines = [l for l in f.read().splitlines() if l.strip()]
        check(len(receipt_lines) == FIRST_BATCH + SECOND_BATCH,
              f"{len(receipt_lines)} receipts written by vigil submit")

        # Two tlog-proofs: a new entry, and an idempotent resend of an earlier one.
        authority = load_key(os.path.join(data, "keys", "authority.key"))
        n = 1 + FIRST_BATCH + SECOND_BATCH
        new_payload = register_payload(n, nacl.signing.SigningKey.generate().verify_key)
        status, proof_new = post_entry(port, authority, new_payload, "?format=tlog-proof")
        check(status == 201, f"POST /v1/entries?format=tlog-proof answers 201 (got {status})")
        status, proof_again = post_entry(port, authority, new_payload, "?format=tlog-proof")
        check(status == 200, f"resending it answers 200 (got {status})")
        proofs = []
        for name, text in (("new", proof_new), ("resend", proof_again)):
            path = os.path.join(tmp, f"{name}.tlog-proof")
            with open(path, "wb") as f:
                f.write(text)
            proofs += ["--tlog-proof", path]

        status, cp = http_request(port, "GET", "/checkpoint")
        size = int(cp.decode().split("\n")[1])
        check(size == 2 + FIRST_BATCH + SECOND_BATCH and size > 512 and size % 256 != 0,
              f"log size {size} spans two full level-0 tiles, a partial one and a level-1 tile")

        common = ["--server", url, "--vkey", vkey]
        expect(0, "honest log, receipts, old checkpoint and tlog-proofs verify",
               *common, "--receipts", receipts, "--old-checkpoint", old_checkpoint, *proofs)

        # ---- attacks: each must be detected (exit 1) ----
        def variant(name, text):
            path = os.path.join(tmp, name)
            with open(path, "w" if isinstance(text, str) else "wb") as f:
                f.write(text)
            return path

        old_text = old_note.decode()
        lines = old_text.split("\n")
        root = base64.b64decode(lines[2])
        other_root = bytes([root[0] ^ 1]) + root[1:]
        tampered = "\n".join(lines[:2] + [b64(other_root)] + lines[3:])
        expect(1, "old checkpoint with an altered root (signature breaks)",
               *common, "--old-checkpoint", variant("tampered.checkpoint", tampered))

        wrong = nacl.signing.SigningKey.generate()
        expect(1, "wrong verifier key", "--server", url,
               "--vkey", verifier_key_string(ORIGIN, wrong.verify_key))

        log_key = load_key(os.path.join(data, "keys", "log.key"))
        old_size = int(lines[1])
        fork = sign_checkpoint(ORIGIN, old_size, other_root, log_key)
        expect(1, "validly signed forked old checkpoint (same size, other root)",
               *common, "--old-checkpoint", variant("fork.checkpoint", fork))
        ahead = sign_checkpoint(ORIGIN, size + 5, root, log_key)
        expect(1, "validly signed checkpoint larger than the log (rollback)",
               *common, "--old-checkpoint", variant("ahead.checkpoint", ahead))

        r = json.loads(receipt_lines[17])
        leaf = base64.b64decode(r["leaf_hash"])
        r["leaf_hash"] = b64(bytes([leaf[0] ^ 0x80]) + leaf[1:])
        expect(1, "receipt with a modified leaf hash", *common, "--receipts",
               variant("r1.jsonl", "\n".join(receipt_lines[:17] + [json.dumps(r)]) + "\n"))
        r = json.loads(receipt_lines[400])
        r["inclusion"][1] = b64(bytes(32))
        expect(1, "receipt with a modified inclusion hash", *common, "--receipts",
               variant("r2.jsonl", json.dumps(r) + "\n"))
        r = json.loads(receipt_lines[400])
        r["seq"] += 1
        expect(1, "receipt with a changed seq", *common, "--receipts",
               variant("r3.jsonl", json.dumps(r) + "\n"))
        r = json.loads(receipt_lines[5])
        r["checkpoint"] = r["checkpoint"].replace("\n\n", "\n\n\u2014 " + ORIGIN + " AAAA\n", 1)
        expect(1, "receipt checkpoint with a malformed extra signature line", *common,
               "--receipts", variant("r4.jsonl", json.dumps(r) + "\n"))

        proof_lines = proof_new.decode().split("\n")
        entry = bytearray(base64.b64decode(proof_lines[1][len("extra "):]))
        entry[entry.index(b"biz-")] ^= 0x20  # one changed byte in the logged entry
        altered = "\n".join([proof_lines[0], "extra " + b64(bytes(entry))] + proof_lines[2:])
        expect(1, "tlog-proof whose entry bytes were changed",
               *common, "--tlog-proof", variant("altered.tlog-proof", altered))

        for target, what in ((r"/tile/0/000", "a full level-0 tile"),
                             (r"/tile/0/002\.p/\d+", "the partial level-0 tile"),
                             (r"/tile/1/000\.p/\d+", "the partial level-1 tile"),
                             (r"/checkpoint", "the checkpoint")):
            proxy = TamperingProxy(port, target)
            threading.Thread(target=proxy.serve_forever, daemon=True).start()
            expect(1, f"a server that alters one byte of {what}",
                   "--server", f"http://127.0.0.1:{proxy.server_address[1]}", "--vkey", vkey)
            proxy.shutdown()
            proxy.server_close()
            proxy = None

        # ---- usage and network errors: exit 2 ----
        expect(2, "malformed verifier key", "--server", url, "--vkey", "not-a-key")
        expect(2, "unreachable server", "--server", f"http://127.0.0.1:{free_port()}",
               "--vkey", vkey, "--timeout", "5")
        expect(2, "missing receipts file", *common, "--receipts", os.path.join(tmp, "nope"))
    except Exception as e:  # noqa: BLE001 - any crash of the driver is a test failure
        check(False, f"driver error: {type(e).__name__}: {e}")
    finally:
        if proxy is not None:
            proxy.shutdown()
            proxy.server_close()
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        if failures:
            log = os.path.join(tmp, "serve.log")
            if os.path.exists(log):
                print("--- vigil serve log (tail) ---")
                print(open(log).read()[-3000:])
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{len(failures)} failure(s) in {time.time() - STARTED:.1f} s")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
