#!/usr/bin/python3
"""Static reads through a real nginx, and a held log seen from outside (issue 17, parts 5-6).

Usage: static_test.py PATH/TO/vigil

1. A demo log (`vigil demo --offline`) is published with `vigil publish` and served by
   Debian's nginx (unprivileged: its own prefix, a free loopback port, no daemon) with the
   location blocks of docs/operator.md ("Static reads with nginx"), copied below;
   verify_log.py, the outside verifier written from the C2SP specs, verifies it through nginx.
2. `vigil serve --publish` keeps the directory current while 260 records arrive (full,
   partial and level-1 tiles); a second `vigil publish` has nothing to do. Through nginx
   alone the verifier passes, and fails on a changed byte in a published tile.
   Cache-Control: immutable on full tiles, no-cache on the checkpoint and partial tiles, no
   caching of a 404; entry bundles and the publisher's own files are 404.
3. The store is restored from a backup older than its last checkpoint: `vigil serve` starts
   held (/healthz 503 "held" saying why, appends 503), and `--publish` into the directory
   that already shows the newer checkpoint is refused.
Python 3 + PyNaCl. Every process started is stopped.
"""

import base64
import datetime
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

import nacl.signing

HERE = os.path.dirname(os.path.abspath(__file__))
VERIFY = os.path.join(HERE, "verify_log.py")
ORIGIN = "vigil.static-test.example/log"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"

# The location blocks of docs/operator.md, "Static reads with nginx" (keep them the same).
LOCATIONS = r"""
    # The checkpoint changes with every batch: always revalidate.
    location = /checkpoint {
        default_type "text/plain; charset=utf-8";
        add_header Cache-Control "no-cache";
    }
    # Full hash tiles never change: cache for a year. (No "always": a 404 for a tile not yet
    # published must not be cached.)
    location ~ "^/tile/[0-9]+/(x[0-9]{3}/)*[0-9]{3}$" {
        default_type application/octet-stream;
        add_header Cache-Control "public, max-age=31536000, immutable";
    }
    # Partial hash tiles are removed once their full tile exists: revalidate.
    location ~ "^/tile/[0-9]+/(x[0-9]{3}/)*[0-9]{3}\.p/[0-9]{1,3}$" {
        default_type application/octet-stream;
        add_header Cache-Control "no-cache";
    }
    # Everything else (entry bundles are never published; the publisher's lock and
    # temporary files) is not served.
    location / {
        return 404;
    }
"""

failures = []
STARTED = time.time()


def check(cond, what):
    print(f"{'PASS' if cond else 'FAIL'} [{time.time() - STARTED:5.1f} s] {what}", flush=True)
    if not cond:
        failures.append(what)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(args, ok=(0,)):
    p = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       timeout=120)
    if p.returncode not in ok:
        raise RuntimeError(f"{' '.join(args)} exited {p.returncode}:\n{p.stdout[-3000:]}")
    return p


def get(port, path, method="GET", body=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(method, path, body=body,
                     headers={"Content-Type": "application/json"} if body else {})
        res = conn.getresponse()
        return res.status, dict((k.lower(), v) for k, v in res.getheaders()), res.read()
    finally:
        conn.close()


def wait_http(port, proc, what):
    for _ in range(200):
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited {proc.returncode}")
        try:
            get(port, "/healthz")
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{what} did not answer on port {port}")


def stop(proc):
    if proc is not None and proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def verify(port, vkey):
    p = subprocess.run([VERIFY, "--server", f"http://127.0.0.1:{port}", "--vkey", vkey],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=60)
    print("    " + p.stdout.strip().replace("\n", "\n    "))
    return p.returncode


def checkpoint_size(note):
    return int(note.split("\n")[1])


def registrations(path, first, count):
    now = datetime.datetime.now(datetime.timezone.utc)
    at = now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"
    with open(path, "w") as f:
        for n in range(first, first + count):
            key = nacl.signing.SigningKey.generate().verify_key
            f.write(json.dumps({
                "type": "participant.register", "id": f"static-reg-{n:05d}", "actor": "authority",
                "at": at, "participant": f"static-biz-{n:05d}", "role": "business",
                "legal_name": f"Cong ty TNHH Static {n:05d}", "tax_code": f"03{n:08d}",
                "address": f"{n} Pho Hue, Ha Noi",
                "keys": [base64.b64encode(bytes(key)).decode()]}) + "\n")


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    vigil = os.path.abspath(sys.argv[1])
    tmp = tempfile.mkdtemp(prefix="vigil_static_")
    os.chmod(tmp, 0o755)  # nginx workers run as nobody when the test runs as root
    procs = []
    try:
        data, out, prefix = (os.path.join(tmp, d) for d in ("data", "out", "nginx"))
        init = run([vigil, "init", "--data", data, "--origin", ORIGIN, "--province", "Hà Nội"])
        vkey = next(w for w in init.stdout.split() if w.startswith(ORIGIN + "+"))
        run([vigil, "demo", "--data", data, "--offline"])
        run([vigil, "backup", "--no-verify", "--data", data, os.path.join(tmp, "old-backup")])
        p = run([vigil, "publish", "--data", data, "--to", out])
        check("published" in p.stdout, f"vigil publish: {p.stdout.strip()}")
        first_size = checkpoint_size(open(os.path.join(out, "checkpoint")).read())

        # ---- nginx over the published directory ----
        os.makedirs(os.path.join(prefix, "logs"))
        nport = free_port()
        conf = os.path.join(prefix, "nginx.conf")
        user = "user nobody nogroup;\n" if os.geteuid() == 0 else ""
        with open(conf, "w") as f:
            f.write(f"""{user}worker_processes 1;
daemon off;
pid {prefix}/nginx.pid;
error_log stderr crit;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    server {{
        listen 127.0.0.1:{nport};
        root {out};
{LOCATIONS}
    }}
}}
""")
        nginx = subprocess.Popen([NGINX, "-e", "stderr", "-p", prefix, "-c", conf])
        procs.append(nginx)
        for _ in range(200):
            try:
                get(nport, "/checkpoint")
                break
            except OSError:
                if nginx.poll() is not None:
                    raise RuntimeError(f"nginx exited {nginx.returncode}")
                time.sleep(0.05)
        check(verify(nport, vkey) == 0,
              f"verify_log.py verifies the demo log (size {first_size}) through nginx")

        # ---- serve --publish keeps it current while records arrive ----
        sport = free_port()
        serve = subprocess.Popen([vigil, "serve", "--data", data, "--listen",
                                  f"127.0.0.1:{sport}", "--publish", out, "--log-level", "warn"])
        procs.append(serve)
        wait_http(sport, serve, "vigil serve")
        regs = [os.path.join(tmp, f"regs-{i}.jsonl") for i in range(2)]
        registrations(regs[0], 0, 130)
        registrations(regs[1], 130, 130)
        subs = [subprocess.Popen([vigil, "submit", "--key",
                                  os.path.join(data, "keys", "authority.key"), "--server",
                                  f"http://127.0.0.1:{sport}", r],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
                for r in regs]
        check(all(p.wait(timeout=120) == 0 for p in subs), "260 registrations submitted")
        size = first_size + 260
        for _ in range(200):
            if checkpoint_size(open(os.path.join(out, "checkpoint")).read()) == size:
                break
            time.sleep(0.05)
        note = open(os.path.join(out, "checkpoint")).read()
        check(checkpoint_size(note) == size,
              f"serve --publish published the new checkpoint (size {size})")
        _, _, served = get(sport, "/checkpoint")
        check(note.encode() == served, "the published checkpoint is the note /checkpoint serves")
        stop(serve)
        p = run([vigil, "publish", "--data", data, "--to", out])
        check("nothing to do" in p.stdout, "a second vigil publish has nothing to write")
        check(not os.path.exists(os.path.join(out, "tile", "entries")),
              "no entry bundle is published")
        check(not os.path.exists(os.path.join(out, "tile", "0", "000.p")),
              "the partial tiles of a full tile are removed")

        status, headers, body = get(nport, "/checkpoint")
        check(status == 200 and body.decode() == note, "nginx serves the published checkpoint")
        check(headers.get("cache-control") == "no-cache", "the checkpoint is no-cache")
        status, headers, body = get(nport, "/tile/0/000")
        check(status == 200 and len(body) == 256 * 32 and headers.get("cache-control") ==
              "public, max-age=31536000, immutable", "a full tile is immutable for a year")
        partial = f"/tile/0/{(size // 256):03d}.p/{size % 256}"
        status, headers, body = get(nport, partial)
        check(status == 200 and len(body) == 32 * (size % 256) and
              headers.get("cache-control") == "no-cache", f"partial tile {partial} is no-cache")
        status, headers, _ = get(nport, "/tile/1/000.p/1")
        check(status == 200 and headers.get("cache-control") == "no-cache",
              "the level-1 partial tile is served")
        status, headers, _ = get(nport, "/tile/0/x999/999")
        check(status == 404 and "cache-control" not in headers,
              "a tile not yet published is 404, not cached")
        for path in ("/tile/entries/000", "/tile/entries/000.p/5", "/.publish.lock",
                     "/checkpoint.tmp", "/tile/0/000.tmp"):
            status, _, _ = get(nport, path)
            check(status == 404, f"{path} is not served")

        check(verify(nport, vkey) == 0, f"verify_log.py verifies size {size} through nginx alone")
        tile = os.path.join(out, "tile", "0", "000")
        original = open(tile, "rb").read()
        with open(tile, "wb") as f:
            f.write(original[:100] + bytes([original[100] ^ 1]) + original[101:])
        check(verify(nport, vkey) == 1, "a changed byte in a published tile fails verification")
        with open(tile, "wb") as f:
            f.write(original)
        want = size

        # ---- a restore of the older backup: held, and no rollback of the published log ----
        run([vigil, "restore", os.path.join(tmp, "old-backup"), "--data", data, "--force"])
        sport = free_port()
        serve = subprocess.Popen([vigil, "serve", "--data", data, "--listen",
                                  f"127.0.0.1:{sport}", "--log-level", "error"])
        procs.append(serve)
        wait_http(sport, serve, "vigil serve (held)")
        status, _, body = get(sport, "/healthz")
        health = json.loads(body)
        check(status == 503 and health.get("status") == "held" and
              f"already signed and published a checkpoint of size {want}" in health.get("why", ""),
              f"/healthz of the restored log: 503 held: {health.get('why', '')[:120]}...")
        registrations(regs[0], 1000, 1)
        p = run([vigil, "submit", "--key", os.path.join(data, "keys", "authority.key"),
                 "--server", f"http://127.0.0.1:{sport}", regs[0]], ok=(0, 1, 2))
        check(p.returncode != 0 and ("503" in p.stdout or "not signing" in p.stdout),
              f"an append to the held log is refused: {p.stdout.strip()[:160]}")
        _, _, served = get(sport, "/checkpoint")
        check(checkpoint_size(served.decode()) == first_size,
              "the held log serves its own (older) checkpoint")
        p = run([vigil, "status", "--data", data, "--server", f"http://127.0.0.1:{sport}"],
                ok=(0, 1, 2))
        check(p.returncode == 1 and "HELD" in p.stdout and "holds signing" in p.stdout,
              f"vigil status flags the held log for the operator: {p.stdout.strip()[-200:]}")
        stop(serve)
        p = run([vigil, "serve", "--data", data, "--listen", f"127.0.0.1:{free_port()}",
                 "--publish", out], ok=(2,))
        check("refusing to roll the published log back" in p.stdout,
              "serve --publish refuses to roll the published directory back")
        check(checkpoint_size(open(os.path.join(out, "checkpoint")).read()) == want,
              "the published checkpoint is unchanged")
        check(verify(nport, vkey) == 0, "and it still verifies through nginx")
    finally:
        for p in procs:
            stop(p)
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{len(failures)} failure(s) in {time.time() - STARTED:.1f} s")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
