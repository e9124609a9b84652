#!/usr/bin/env python3
"""The verifying mirror and its promotion (issue 17 part 4), with real processes only.

A primary is made with `vigil init` + `vigil demo --offline` and served; `vigil mirror` follows
it and its store verifies with `vigil verify --data`; it is SIGKILLed again and again mid-run
and resumes; it refuses a forked upstream (a twin restored from a backup with the log key,
grown with other entries: same size and longer) without changing a byte of its store;
`vigil serve` on the mirror answers reads and refuses appends; promotion is refused without
witnesses (and with a URL that is no witness) and with a wrong key; after the primary is
destroyed the promoted mirror serves and appends, and a monitor state saved from the old
primary verifies the promoted log (consistency proof, every new entry), losing nothing.

Usage: mirror_test.py path/to/vigil. Python 3 stdlib only.
"""
import base64
import hashlib
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

VIGIL = os.path.abspath(sys.argv[1])
FAILURES = []
ORIGIN = "vigil.mirror.example/log"


def check(cond, what, detail=""):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        print("     " + str(detail)[:3000])
        FAILURES.append(what)
    return cond


def run(*args, timeout=120):
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIGIL_")}
    try:
        p = subprocess.run([VIGIL, *args], capture_output=True, text=True, errors="replace",
                           env=env, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, "", "timed out"
    return p.returncode, p.stdout, p.stderr


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Serve:
    def __init__(self, data, tmp, port=None, extra=()):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = open(os.path.join(tmp, f"serve-{self.port}.log"), "a")
        self.p = subprocess.Popen([VIGIL, "serve", "--data", data, "--listen",
                                   f"127.0.0.1:{self.port}", *extra], stdout=self.log,
                                  stderr=subprocess.STDOUT)
        for _ in range(400):
            try:
                urllib.request.urlopen(self.url + "/v1/log", timeout=5).read()
                return
            except OSError:
                if self.p.poll() is not None:
                    raise RuntimeError("vigil serve exited; see " + self.log.name)
                time.sleep(0.05)
        raise RuntimeError("vigil serve did not start")

    def stop(self):
        self.p.send_signal(signal.SIGTERM)
        try:
            self.p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.p.kill()
        self.log.close()


def get(url, path):
    try:
        with urllib.request.urlopen(url + path, timeout=10) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def post(url, path, body):
    req = urllib.request.Request(url + path, data=body, method="POST",
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def size_of(url):
    return json.loads(get(url, "/v1/log")[1])["size"]


def store_digest(data):
    with open(os.path.join(data, "store", "data.mdb"), "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def grow(url, authority, tmp, count, tag):
    """Appends `count` entries (key registrations for a demo business) to the log at url."""
    for i in range(count):
        key = os.path.join(tmp, f"{tag}-{i}.key")
        rc, out, err = run("keygen", "--out", key)
        assert rc == 0, err
        rc, out, err = run("register", "key", "--key", authority, "--server", url,
                           "--participant", "cty-hoachat-an-phu", "--public-key", key + ".pub")
        assert rc == 0, out + err


def main():
    tmp = tempfile.mkdtemp(prefix="vigil-mirror-test-")
    primary = os.path.join(tmp, "primary")
    rc, out, err = run("init", "--data", primary, "--origin", ORIGIN, "--province", "Hà Nội")
    assert rc == 0, err
    vkey = [l.split(": ", 1)[1] for l in out.splitlines() if l.startswith("verifier key: ")][0]
    rc, out, err = run("demo", "--data", primary, "--offline")
    assert rc == 0, out + err
    authority = os.path.join(tmp, "authority.key")
    shutil.copy(os.path.join(primary, "keys", "authority.key"), authority)
    os.chmod(authority, 0o600)
    log_key_backup = os.path.join(tmp, "log.key.backup")
    shutil.copy(os.path.join(primary, "keys", "log.key"), log_key_backup)
    os.chmod(log_key_backup, 0o600)
    business = os.path.join(primary, "demo-keys", "cty-hoachat-an-phu.key")
    try:
        scenario(tmp, primary, vkey, authority, business, log_key_backup)
        witnessed(tmp, authority)
    finally:
        for s in list(SERVERS):
            s.stop()
    if FAILURES:
        print(f"{len(FAILURES)} check(s) failed; files in {tmp}")
        return 1
    shutil.rmtree(tmp, ignore_errors=True)
    print("all checks passed")
    return 0


SERVERS = []


class HoldingProxy:
    """Forwards GETs to `upstream`; once armed with n, holds the n-th request until released."""

    def __init__(self, upstream):
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                with proxy.lock:
                    proxy.count += 1
                    held = proxy.count == proxy.hold_at
                if held:
                    proxy.reached.set()
                    proxy.release.wait(60)
                    return  # the client was killed meanwhile: nothing to answer
                headers = {k: v for k, v in self.headers.items()
                           if k.lower() not in ("host", "connection")}
                req = urllib.request.Request(upstream + self.path, headers=headers)
                try:
                    with urllib.request.urlopen(req, timeout=30) as r:
                        status, body, ctype = r.status, r.read(), r.headers.get("Content-Type")
                except urllib.error.HTTPError as e:
                    status, body, ctype = e.code, e.read(), e.headers.get("Content-Type")
                self.send_response(status)
                self.send_header("Content-Type", ctype or "application/octet-stream")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.arm(0)

    def arm(self, n):
        with self.lock:
            self.count, self.hold_at = 0, n
            self.reached, self.release = threading.Event(), threading.Event()

    def stop(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


def serve(data, tmp, port=None, extra=()):
    s = Serve(data, tmp, port, extra)
    SERVERS.append(s)
    return s


def stop(s):
    s.stop()
    SERVERS.remove(s)


def mirror(*args, timeout=120):
    return run("mirror", *args, timeout=timeout)


def scenario(tmp, primary, vkey, authority, business, log_key_backup):
    p = serve(primary, tmp)
    mdir = os.path.join(tmp, "mirror")
    common = ["--data", mdir, "--key", authority]

    # ---- first run: key pinning and reader checks -------------------------------------------
    rc, out, err = mirror("--from", p.url, "--data", os.path.join(tmp, "nokey"), "--key",
                          authority, "--once")
    check(rc == 2 and "--log-key" in err, "a first run without --log-key is refused", err)
    wrong = os.path.join(tmp, "wrongkey")
    rc0, out0, err0 = run("init", "--data", os.path.join(tmp, "other"), "--origin", ORIGIN)
    other_vkey = [l.split(": ", 1)[1] for l in out0.splitlines()
                  if l.startswith("verifier key: ")][0]
    rc, out, err = mirror("--from", p.url, "--data", wrong, "--key", authority, "--log-key",
                          other_vkey, "--once")
    check(rc == 1 and "does not verify" in err and not os.path.exists(wrong),
          "a checkpoint that the pinned key does not verify is refused, no mirror created",
          f"rc={rc} {err}")
    rc, out, err = mirror("--from", p.url, "--data", os.path.join(tmp, "bizmirror"), "--key",
                          business, "--log-key", vkey, "--once")
    check(rc == 2 and "authority or police" in err,
          "a business key cannot read entry bundles: exit 2 saying which key is needed", err)

    tofu = os.path.join(tmp, "tofu")
    rc, out, err = mirror("--from", p.url, "--data", tofu, "--key", authority,
                          "--trust-on-first-use", "--once")
    check(rc == 0, "--trust-on-first-use pins the key the upstream announces", err)
    rc, out, err = mirror("--from", p.url, "--data", tofu, "--key", authority, "--log-key", vkey,
                          "--once")
    check(rc == 0 and "nothing new" in out, "the key pinned on first use is the log's", out + err)

    # ---- follow the demo log ----------------------------------------------------------------
    rc, out, err = mirror("--from", p.url, *common, "--log-key", vkey, "--once")
    check(rc == 0 and "new entries verified and stored" in out, "the mirror follows the demo log",
          out + err)
    n0 = size_of(p.url)
    rc, out, err = run("verify", "--data", mdir, "--key", vkey)
    check(rc == 0, "the mirror's store verifies with vigil verify --data", out + err)
    rc, out, err = mirror("--from", p.url, *common, "--once")
    check(rc == 0 and "nothing new" in out, "a second run has nothing new", out + err)
    grow(p.url, authority, tmp, 3, "g1")
    rc, out, err = mirror("--from", p.url, *common, "--once")
    check(rc == 0 and f"size {n0} -> {n0 + 3}" in out, "the mirror takes only what is new",
          out + err)
    rc, out, err = mirror("--from", p.url, *common, "--log-key", other_vkey, "--once")
    check(rc == 2 and "differs" in err, "--log-key must match the key the mirror pinned", err)
    rc, out, err = mirror("--from", p.url, "--data", primary, "--key", authority, "--once")
    check(rc == 2 and "not a mirror" in err, "a primary's data directory is never mirrored into",
          err)

    # ---- serve the mirror read-only (beside a running vigil mirror) -------------------------
    m = serve(mdir, tmp)
    for path in ["/checkpoint", "/tile/0/000.p/" + str(size_of(p.url)),
                 f"/v1/proof/consistency?from=5&to={size_of(p.url)}",
                 f"/v1/proof/inclusion?seq=3&size={size_of(p.url)}"]:
        a, b = get(p.url, path), get(m.url, path)
        check(a == b and a[0] == 200, f"the mirror serves GET {path} as the primary does",
              f"{a[0]} {b[0]}")
    rc1, out1, _ = run("participants", "--key", authority, "--server", p.url, "--json")
    rc2, out2, err2 = run("participants", "--key", authority, "--server", m.url, "--json")
    check(rc1 == 0 and rc2 == 0 and out1 == out2, "queries on the mirror answer as the primary's",
          err2)
    rc1, out1, _ = run("stock", "--key", authority, "--server", p.url, "cty-hoachat-an-phu")
    rc2, out2, _ = run("stock", "--key", authority, "--server", m.url, "cty-hoachat-an-phu")
    check(rc1 == 0 and out1 == out2, "stock on the mirror equals the primary's", out2)
    sig = base64.b64encode(bytes(64)).decode()
    status, body = post(m.url, "/v1/entries", json.dumps(
        {"signer": "0123456789abcdef", "payload": "{}", "sig": sig}).encode())
    check(status == 503 and b"read-only mirror of " + ORIGIN.encode() in body,
          "POST /v1/entries on the mirror: 503, a read-only mirror of the origin", body)
    rc, out, err = run("register", "key", "--key", authority, "--server", m.url, "--participant",
                       "cty-hoachat-an-phu", "--public-key", os.path.join(tmp, "g1-0.key.pub"))
    check(rc != 0 and "read-only mirror" in out + err, "vigil register against the mirror is refused",
          out + err)
    grow(p.url, authority, tmp, 2, "g2")
    rc, out, err = mirror("--from", p.url, *common, "--once")
    check(rc == 0, "vigil mirror runs while vigil serve serves the mirror", err)
    check(get(m.url, "/checkpoint") == get(p.url, "/checkpoint") and
          size_of(m.url) == size_of(p.url),
          "the served mirror shows what vigil mirror just stored")
    stop(m)

    # ---- SIGKILL at random points: every run continues what the last one stored -------------
    kdir = os.path.join(tmp, "killed")
    kargs = ["--from", p.url, "--data", kdir, "--key", authority, "--log-key", vkey, "--once",
             "--batch", "1", "--threads", "1"]
    # Each run goes through a proxy that holds its n-th request; the run is killed while held.
    # The kill point is a count of requests, not a time, so it lands mid-run however fast or
    # loaded the machine is (a whole run makes about one request per entry with --batch 1).
    hold = HoldingProxy(p.url)
    kargs[1] = hold.url
    rng = random.Random(17)
    kills, sizes = 0, []
    for _ in range(60):
        hold.arm(rng.randint(1, 12))
        proc = subprocess.Popen([VIGIL, "mirror", *kargs], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        while not hold.reached.wait(0.05) and proc.poll() is None:
            pass
        if not hold.reached.is_set():
            check(proc.returncode == 0, "a run that ended before its held request succeeded",
                  proc.returncode)
            break  # this run had fewer requests left than the hold point
        proc.kill()
        kills += 1
        proc.wait()
        hold.release.set()
        if os.path.exists(os.path.join(kdir, "store", "data.mdb")):
            s = serve(kdir, tmp)
            sizes.append(size_of(s.url))
            stop(s)
    hold.stop()
    kargs[1] = p.url
    final = size_of(p.url)
    check(kills >= 3 and len([x for x in sizes if 0 < x < final]) >= 2,
          f"vigil mirror was killed mid-run ({kills} times), some mid-download", sizes)
    check(sizes == sorted(sizes), "every killed run kept what the earlier ones stored", sizes)
    rc, out, err = mirror(*kargs)
    check(rc == 0, "the run after the kills completes", out + err)
    rc, out, err = run("verify", "--data", kdir, "--key", vkey)
    check(rc == 0, "the killed-and-resumed mirror verifies", out + err)
    s = serve(kdir, tmp)
    check(get(s.url, "/checkpoint") == get(p.url, "/checkpoint"),
          "the killed-and-resumed mirror reached the primary's checkpoint")
    stop(s)

    # Killed while creating the store: what it left (a public key, a half-made store aside)
    # does not stop the next run.
    half = os.path.join(tmp, "half")
    os.makedirs(os.path.join(half, "keys"))
    os.makedirs(os.path.join(half, "store.new"))
    with open(os.path.join(half, "keys", "log.pub"), "w") as f:
        f.write("left behind\n")
    with open(os.path.join(half, "store.new", "data.mdb"), "w") as f:
        f.write("half made")
    rc, out, err = mirror("--from", p.url, "--data", half, "--key", authority, "--log-key", vkey,
                          "--once")
    check(rc == 0, "a run after one killed while creating the store starts over", out + err)
    rc, out, err = run("verify", "--data", half, "--key", vkey)
    check(rc == 0, "and its store verifies", out + err)

    # ---- a forked upstream: the log key, another history ------------------------------------
    full = os.path.join(tmp, "full-backup")
    rc, out, err = run("backup", "--with-keys", "--data", primary, full)
    assert rc == 0, out + err
    twin = os.path.join(tmp, "twin")
    rc, out, err = run("restore", full, "--data", twin)
    assert rc == 0, out + err
    grow(p.url, authority, tmp, 2, "real")
    rc, out, err = mirror("--from", p.url, *common, "--once")
    check(rc == 0, "the mirror follows the primary past the twin's copy", err)
    t = serve(twin, tmp)
    grow(t.url, authority, tmp, 2, "fake")
    check(size_of(t.url) == size_of(p.url), "the twin has the primary's size, other entries")
    before = store_digest(mdir)
    rc, out, err = mirror("--from", t.url, *common, "--once")
    check(rc == 1 and "fork" in err and "nothing was changed" in err,
          "same size, another root: refused with exit 1", f"rc={rc} {err}")
    check(store_digest(mdir) == before, "the refused fork changed nothing in the store")
    grow(t.url, authority, tmp, 3, "fake2")
    rc, out, err = mirror("--from", t.url, *common, "--once")
    check(rc == 1 and "fork" in err, "a longer history that does not extend it: refused",
          f"rc={rc} {err}")
    check(store_digest(mdir) == before, "the refused longer fork changed nothing in the store")
    rc, out, err = mirror("--from", t.url, *common)  # polling mode stops on a refusal too
    check(rc == 1, "the polling mirror stops on a fork (exit 1)", err)
    stop(t)
    rc, out, err = run("verify", "--data", mdir, "--key", vkey)
    check(rc == 0, "the mirror still verifies after the refusals", out + err)

    # ---- promotion after the primary is destroyed -------------------------------------------
    grow(p.url, authority, tmp, 1, "last")
    rc, out, err = mirror("--from", p.url, *common, "--once")
    assert rc == 0, err
    state = os.path.join(tmp, "monitor.state")
    rc, out, err = run("verify", "--server", p.url, "--state", state, "--vkey", vkey,
                       "--reader-key", authority)
    check(rc == 0, "a monitor saves the old primary's state", out + err)
    status, old_cp = get(p.url, "/checkpoint")
    old_size = size_of(p.url)
    with open(os.path.join(tmp, "old.checkpoint"), "wb") as f:
        f.write(old_cp)
    stop(p)
    shutil.rmtree(primary)  # the primary is gone

    rc, out, err = run("mirror", "promote", "--data", mdir, "--log-key-file", log_key_backup)
    check(rc == 1 and "no witness was given" in err, "promotion without witnesses is refused",
          err)
    # A copy of the mirror with one byte of its store changed does not verify: refused, even
    # with the risk flag.
    damaged = os.path.join(tmp, "damaged-mirror")
    shutil.copytree(mdir, damaged)
    with open(os.path.join(damaged, "store", "data.mdb"), "r+b") as f:
        db = f.read()
        at = db.find(b"legal_name")
        assert at > 0
        f.seek(at + 20)
        f.write(b"x" if db[at + 20:at + 21] != b"x" else b"y")
    rc, out, err = run("mirror", "promote", "--data", damaged, "--log-key-file", log_key_backup,
                       "--no-witnesses-i-accept-the-risk")
    check(rc == 1 and "does not verify" in err and
          not os.path.exists(os.path.join(damaged, "keys", "log.key")),
          "promotion of a store that does not verify is refused, no key installed", err)
    # A real server that is no witness (the damaged copy's own `vigil serve`, which answers
    # 404 to add-checkpoint) gives no size: refused.
    shutil.rmtree(damaged)
    shutil.copytree(mdir, damaged)
    d = serve(damaged, tmp)
    wkey0 = "witness.example/w1+e75f6532+BAOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4"
    rc, out, err = run("mirror", "promote", "--data", mdir, "--log-key-file", log_key_backup,
                       "--witness", f"{d.url}={wkey0}")
    check(rc == 1 and "did not answer" in err and "404" in err,
          "promotion with a URL that is no witness (404) is refused", err)
    stop(d)
    nowitness = f"http://127.0.0.1:{free_port()}"
    wkey = "witness.example/w1+e75f6532+BAOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4"
    rc, out, err = run("mirror", "promote", "--data", mdir, "--log-key-file", log_key_backup,
                       "--witness", f"{nowitness}={wkey}")
    check(rc == 1 and "did not answer" in err, "promotion with a witness that does not answer is "
          "refused", err)
    rc, out, err = run("mirror", "promote", "--data", mdir, "--log-key-file", log_key_backup,
                       "--witness", f"{nowitness}=not-a-key")
    check(rc == 2, "a --witness without a witness key is a usage error", err)
    stranger = os.path.join(tmp, "other", "keys", "log.key")
    rc, out, err = run("mirror", "promote", "--data", mdir, "--log-key-file", stranger,
                       "--no-witnesses-i-accept-the-risk")
    check(rc == 2 and "not the key" in err, "promotion with another log's key is refused", err)
    check(not os.path.exists(os.path.join(mdir, "keys", "log.key")),
          "a refused promotion installed no key")
    rc, out, err = run("mirror", "promote", "--data", mdir, "--log-key-file", log_key_backup,
                       "--no-witnesses-i-accept-the-risk")
    check(rc == 0 and "promoted" in out, "promotion with the log key and the explicit risk flag",
          out + err)
    mode = os.stat(os.path.join(mdir, "keys", "log.key")).st_mode & 0o777
    check(mode == 0o600, "the installed log key has mode 0600", oct(mode))
    rc, out, err = run("mirror", "promote", "--data", mdir, "--log-key-file", log_key_backup,
                       "--no-witnesses-i-accept-the-risk")
    check(rc == 2 and "not a mirror" in err, "a promoted store is not promoted again", err)

    n = serve(mdir, tmp)
    check(size_of(n.url) == old_size, "the promoted log holds every entry the primary had")
    grow(n.url, authority, tmp, 2, "after")
    check(size_of(n.url) == old_size + 2, "the promoted log appends")
    rc, out, err = run("verify", "--server", n.url, "--state", state, "--reader-key", authority)
    check(rc == 0, "the old primary's monitor state verifies the promoted log (consistency "
          "proof, every new entry)", out + err)
    stop(n)
    rc, out, err = run("verify", "--data", mdir, "--key", vkey, "--checkpoint",
                       os.path.join(tmp, "old.checkpoint"))
    check(rc == 0, "the promoted store verifies and extends the old primary's last checkpoint",
          out + err)
    rc, out, err = mirror("--from", "http://127.0.0.1:1", *common, "--once")
    check(rc == 2 and "not a mirror" in err, "vigil mirror refuses the promoted (primary) store",
          err)


class Witness:
    """A real `vigil witness serve` for the log `log_vkey` (its process, URL and key)."""

    def __init__(self, tmp, name, log_vkey):
        data = os.path.join(tmp, name.replace("/", "_"))
        rc, out, err = run("witness", "init", "--data", data, "--name", name)
        assert rc == 0, err
        self.vkey = out.strip().splitlines()[-1]
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = open(os.path.join(tmp, f"witness-{self.port}.log"), "a")
        self.p = subprocess.Popen([VIGIL, "witness", "serve", "--data", data, "--listen",
                                   f"127.0.0.1:{self.port}", "--log", log_vkey],
                                  stdout=self.log, stderr=subprocess.STDOUT)
        for _ in range(400):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("vigil witness did not start")

    def flag(self):
        return f"{self.url}={self.vkey}"

    def stop(self):
        self.p.send_signal(signal.SIGTERM)
        self.p.wait(timeout=30)
        self.log.close()


def cosigned_size(url):
    status, body = get(url, "/checkpoint")
    return int(body.split(b"\n")[1]) if status == 200 else -1


def wait_cosigned(url):
    """Waits until /checkpoint (fail-closed: the newest cosigned one) shows the log's size."""
    end = time.time() + 20
    while time.time() < end and cosigned_size(url) != size_of(url):
        time.sleep(0.1)
    return cosigned_size(url)


def witnessed(tmp, authority):
    """Promotion checked against a real witness: refused while the mirror is behind what the
    witness cosigned, allowed once it holds that much; no cosigned entry is lost."""
    primary = os.path.join(tmp, "wprimary")
    rc, out, err = run("init", "--data", primary, "--origin", "vigil.mirror-witness.example/log",
                       "--province", "Hà Nội")
    assert rc == 0, err
    vkey = [l.split(": ", 1)[1] for l in out.splitlines() if l.startswith("verifier key: ")][0]
    rc, out, err = run("demo", "--data", primary, "--offline")
    assert rc == 0, out + err
    wauthority = os.path.join(primary, "keys", "authority.key")
    log_key = os.path.join(tmp, "wlog.key")
    shutil.copy(os.path.join(primary, "keys", "log.key"), log_key)
    os.chmod(log_key, 0o600)
    w = Witness(tmp, "witness.mirror-test.example/w1", vkey)
    try:
        p = serve(primary, tmp, extra=("--witness", w.flag()))
        wait_cosigned(p.url)
        mdir = os.path.join(tmp, "wmirror")
        rc, out, err = mirror("--from", p.url, "--data", mdir, "--key", wauthority, "--log-key",
                              vkey, "--once")
        check(rc == 0, "a mirror of a witnessed log follows it", err)
        grow(p.url, wauthority, tmp, 3, "wgrow")
        wait_cosigned(p.url)
        primary_size = size_of(p.url)
        check(cosigned_size(p.url) == primary_size,
              f"the witness cosigned the primary's newest size ({primary_size})")
        stop(p)
        shutil.rmtree(primary)  # the primary is gone, three entries after the mirror's last run

        rc, out, err = run("mirror", "promote", "--data", mdir, "--log-key-file", log_key,
                           "--witness", w.flag())
        check(rc == 1 and f"cosigned a checkpoint of size {primary_size}" in err and
              not os.path.exists(os.path.join(mdir, "keys", "log.key")),
              "promotion of a mirror behind what the witness cosigned is refused (it would fork)",
              err)
        rc, out, err = run("mirror", "promote", "--data", mdir, "--log-key-file", log_key,
                           "--witness", w.flag(), "--no-witnesses-i-accept-the-risk")
        check(rc == 1 and not os.path.exists(os.path.join(mdir, "keys", "log.key")),
              "the risk flag does not override a witness that holds more", err)

        # The honest twin: a mirror that caught up before the primary was lost is promoted.
        primary2 = os.path.join(tmp, "wprimary2")
        rc, out, err = run("init", "--data", primary2, "--origin",
                           "vigil.mirror-witness2.example/log", "--province", "Hà Nội")
        assert rc == 0, err
        vkey2 = [l.split(": ", 1)[1] for l in out.splitlines() if l.startswith("verifier key: ")][0]
        rc, out, err = run("demo", "--data", primary2, "--offline")
        assert rc == 0, out + err
        auth2 = os.path.join(primary2, "keys", "authority.key")
        shutil.copy(auth2, os.path.join(tmp, "wauth2.key"))
        auth2 = os.path.join(tmp, "wauth2.key")
        log_key2 = os.path.join(tmp, "wlog2.key")
        shutil.copy(os.path.join(primary2, "keys", "log.key"), log_key2)
        os.chmod(log_key2, 0o600)
        w2 = Witness(tmp, "witness.mirror-test.example/w2", vkey2)
        try:
            p2 = serve(primary2, tmp, extra=("--witness", w2.flag()))
            grow(p2.url, auth2, tmp, 2, "w2grow")
            wait_cosigned(p2.url)
            size2 = size_of(p2.url)
            m2 = os.path.join(tmp, "wmirror2")
            rc, out, err = mirror("--from", p2.url, "--data", m2, "--key", auth2, "--log-key",
                                  vkey2, "--once")
            check(rc == 0, "a second mirror catches up with its witnessed primary", err)
            stop(p2)
            shutil.rmtree(primary2)
            rc, out, err = run("mirror", "promote", "--data", m2, "--log-key-file", log_key2,
                               "--witness", w2.flag())
            check(rc == 0 and f"up to size {size2}" in out,
                  "a mirror holding everything the witness cosigned is promoted", out + err)
            n = serve(m2, tmp, extra=("--witness", w2.flag()))
            check(size_of(n.url) == size2, "the promoted log holds every cosigned entry")
            grow(n.url, auth2, tmp, 1, "w2after")
            check(wait_cosigned(n.url) == size2 + 1,
                  "the witness cosigns the promoted log's next checkpoint (consistent history)")
            stop(n)
        finally:
            w2.stop()
    finally:
        w.stop()


if __name__ == "__main__":
    sys.exit(main())
