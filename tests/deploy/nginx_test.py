#!/usr/bin/python3
"""The shipped nginx front (cli/deploy/nginx/vigil.conf) with Debian's nginx in front of a real
`vigil serve`. Usage: nginx_test.py PATH/TO/vigil

Checks, each against the live pair:
  - `nginx -t` accepts the configuration (with only its CHANGE lines set for the test);
  - the demo scenario (about 75 signed appends) goes in over TLS through nginx, the monitor
    (vigil verify --server, signed entry-bundle requests) and the outside verifier
    (tests/outside/verify_log.py) pass through it: signature headers, bodies and the raw path
    arrive intact;
  - the raw request target reaches the server unchanged (odd spellings get the same answer as
    directly), and its dishonest twin: the same check fails against a configuration whose
    proxy_pass has a URI part (nginx then normalises the path);
  - /checkpoint and hash tiles come from the publish directory (full tiles immutable, partial
    ones and the checkpoint no-cache), and go to the server while a file is missing;
    /tile/entries/ is never served from disk;
  - /metrics is refused on the public listener under every spelling, answered on the
    monitoring one;
  - a GET with a body is refused (400), one with Content-Length: 0 is not; a body over 256 KiB
    is refused (413).
Python 3 standard library + PyNaCl (for the outside verifier) only.
"""

import http.client
import os
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nginx_front  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
VERIFY_LOG = os.path.join(HERE, "..", "outside", "verify_log.py")
ORIGIN = "vigil.nginx-test.example/log"
failures = []
STARTED = time.time()


def check(cond, what):
    print(f"{'PASS' if cond else 'FAIL'} [{time.time() - STARTED:5.1f} s] {what}", flush=True)
    if not cond:
        failures.append(what)


def raw_get(port, target, headers=None, body=None, method="GET", tls=None):
    """One request on a fresh connection; the target is sent exactly as given."""
    if tls:
        conn = http.client.HTTPSConnection("127.0.0.1", port, timeout=10, context=tls)
    else:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
    conn.putheader("Host", "vigil.test")
    for k, v in (headers or {}).items():
        conn.putheader(k, v)
    conn.endheaders(body)
    r = conn.getresponse()
    data = r.read()
    hdrs = {k.lower(): v for k, v in r.getheaders()}
    conn.close()
    return r.status, hdrs, data


def wait_port(port, proc, what):
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if proc.poll() is not None:
                raise SystemExit(f"{what} exited early")
            time.sleep(0.05)
    raise SystemExit(f"{what} did not start")


def main():
    vigil = os.path.abspath(sys.argv[1])
    tmp = tempfile.mkdtemp(prefix="vigil-nginx-")
    os.chmod(tmp, 0o755)  # nginx's worker reads the publish directory
    server = front = None
    try:
        data = os.path.join(tmp, "data")
        out = subprocess.run([vigil, "init", "--data", data, "--origin", ORIGIN, "--province",
                              "Hà Nội"], capture_output=True, text=True, check=True).stdout
        vkey = next(line.split(": ", 1)[1] for line in out.splitlines()
                    if line.startswith("verifier key:"))
        port = nginx_front.free_port()
        server = subprocess.Popen(
            [vigil, "serve", "--data", data, "--listen", f"127.0.0.1:{port}",
             "--max-connections-per-client", "1024", "--log-level", "warn"],
            stdout=open(os.path.join(tmp, "serve.log"), "w"), stderr=subprocess.STDOUT)
        wait_port(port, server, "vigil serve")

        cert, key = nginx_front.make_cert(tmp)
        tls = ssl.create_default_context(cafile=cert)
        publish = os.path.join(tmp, "publish")
        tls_port, plain_port, metrics_port = (nginx_front.free_port() for _ in range(3))

        def render(name, variant=None):
            d = os.path.join(tmp, name)
            os.makedirs(d, exist_ok=True)
            os.chmod(d, 0o755)
            return d, nginx_front.render_config(d, port, tls_port, plain_port, metrics_port,
                                                publish, cert, key, variant)

        ndir, conf = render("nginx")
        rc, text = nginx_front.check_config(ndir, conf)
        check(rc == 0, f"nginx -t accepts the shipped configuration ({text.strip().splitlines()[-1]})")
        front = nginx_front.start(ndir, conf, [tls_port, plain_port, metrics_port])

        # Signed appends over TLS through nginx: the whole demo scenario.
        env = dict(os.environ, SSL_CERT_FILE=cert)
        r = subprocess.run([vigil, "demo", "--data", data, "--server",
                            f"https://127.0.0.1:{tls_port}"], capture_output=True, text=True,
                           env=env)
        check(r.returncode == 0, "vigil demo (signed appends) over TLS through nginx: exit "
              f"{r.returncode} {r.stderr.strip()[-300:]}")
        st, _, body = raw_get(port, "/checkpoint")
        size = int(body.decode().split("\n")[1]) if st == 200 else 0
        check(size > 50, f"the server holds the demo's entries ({size})")

        # The monitor: signed GETs of entry bundles through nginx.
        r = subprocess.run([vigil, "verify", "--server", f"https://127.0.0.1:{tls_port}",
                            "--state", os.path.join(tmp, "monitor.state"), "--vkey", vkey,
                            "--reader-key", os.path.join(data, "keys", "authority.key")],
                           capture_output=True, text=True, env=env)
        check(r.returncode == 0 and f"size 0 -> {size}" in r.stdout,
              f"the monitor verifies every entry through nginx: {r.stdout.strip()}{r.stderr.strip()}")
        # The outside verifier (no Vigil code) through nginx.
        r = subprocess.run(["/usr/bin/python3", VERIFY_LOG, "--server",
                            f"http://127.0.0.1:{plain_port}", "--vkey", vkey],
                           capture_output=True, text=True)
        check(r.returncode == 0, "the outside verifier passes through nginx: "
              + (r.stdout + r.stderr).strip().splitlines()[-1])

        # The raw target arrives unchanged: the same answer as directly, for spellings nginx
        # would otherwise decode or normalise.
        odd = ["/v1/lo%67", "/v1//log", "/v1/./log", "/v1/x/../log", "/v1/log?%41=%2F"]
        st_plain, _, body_plain = raw_get(port, "/v1/log")

        def same_as_direct(front_port):
            different = []
            for t in odd:
                direct = raw_get(port, t)
                proxied = raw_get(front_port, t)
                if (direct[0], direct[2]) != (proxied[0], proxied[2]):
                    different.append(f"{t}: direct {direct[0]}, via nginx {proxied[0]}")
            return different

        changes_something = [t for t in odd if raw_get(port, t)[0] != st_plain]
        check(len(changes_something) >= 2,
              f"the server answers some odd spellings differently from /v1/log: {changes_something}")
        diff = same_as_direct(plain_port)
        check(not diff, f"every odd target gets the server's own answer through nginx {diff}")

        # Dishonest twin: proxy_pass with a URI part makes nginx pass the normalised path.
        stop(front)
        front = None
        bdir, bconf = render("nginx-bad", ("    location / {\n        proxy_pass http://vigil;",
                                           "    location / {\n        proxy_pass http://vigil/;"))
        bad = nginx_front.start(bdir, bconf, [plain_port])
        try:
            diff = same_as_direct(plain_port)
        finally:
            stop(bad)
        check(len(diff) >= 1, f"...and the same check catches `proxy_pass http://vigil/;`: {diff}")
        front = nginx_front.start(ndir, conf, [tls_port, plain_port, metrics_port])

        # Static checkpoint and tiles from the publish directory.
        st, h, proxied_cp = raw_get(tls_port, "/checkpoint", tls=tls)
        check(st == 200 and proxied_cp == body, "no publish directory yet: /checkpoint comes "
              "from the server")
        os.makedirs(os.path.join(publish, "tile", "0", "x001"), exist_ok=True)
        os.makedirs(os.path.join(publish, "tile", "0", "003.p"), exist_ok=True)
        os.makedirs(os.path.join(publish, "tile", "entries"), exist_ok=True)
        open(os.path.join(publish, "checkpoint"), "wb").write(body)
        open(os.path.join(publish, "tile", "0", "x001", "002"), "wb").write(b"F" * 8192)
        open(os.path.join(publish, "tile", "0", "003.p", "7"), "wb").write(b"P" * 224)
        open(os.path.join(publish, "tile", "entries", "000"), "wb").write(b"SECRET")
        for root, dirs, files in os.walk(publish):
            os.chmod(root, 0o755)
            for f in files:
                os.chmod(os.path.join(root, f), 0o644)
        st, h, b = raw_get(tls_port, "/checkpoint", tls=tls)
        check(st == 200 and b == body and h.get("cache-control") == "no-cache",
              f"/checkpoint from the publish directory, no-cache ({st} {h.get('cache-control')})")
        st, h, b = raw_get(tls_port, "/tile/0/x001/002", tls=tls)
        check(st == 200 and b == b"F" * 8192 and
              h.get("cache-control") == "public, max-age=31536000, immutable",
              f"a full tile from the publish directory, immutable ({st} {h.get('cache-control')})")
        st, h, b = raw_get(tls_port, "/tile/0/003.p/7", tls=tls)
        check(st == 200 and b == b"P" * 224 and h.get("cache-control") == "no-cache",
              f"a partial tile from the publish directory, no-cache ({st} {h.get('cache-control')})")
        target = f"/tile/0/000.p/{size}"
        direct = raw_get(port, target)
        st, h, b = raw_get(tls_port, target, tls=tls)
        check(direct[0] == 200 and (st, b) == (200, direct[2]),
              f"a tile missing from the publish directory comes from the server ({st})")
        st, h, b = raw_get(tls_port, "/tile/entries/000", tls=tls)
        check(b != b"SECRET" and st in (400, 401, 403, 404),
              f"/tile/entries/ is never served from disk (unsigned: {st})")

        # /metrics: never on the public listener.
        for t in ["/metrics", "/%6detrics", "//metrics", "/metrics?x=1", "/./metrics"]:
            st, _, b = raw_get(tls_port, t, tls=tls)
            check(st == 404 and b"vigil_log_size" not in b, f"public {t}: {st}")
        st, _, b = raw_get(metrics_port, "/metrics")
        check(st == 200 and b"vigil_log_size" in b, f"/metrics on the monitoring listener: {st}")

        # Bodies on GET, and sizes.
        st, _, _ = raw_get(tls_port, "/v1/log", {"Content-Length": "5"}, b"hello", tls=tls)
        check(st == 400, f"GET with a 5-byte body is refused: {st}")
        st, _, _ = raw_get(tls_port, "/v1/log", {"Transfer-Encoding": "chunked"},
                           b"5\r\nhello\r\n0\r\n\r\n", tls=tls)
        check(st == 400, f"GET with a chunked body is refused: {st}")
        st, _, _ = raw_get(tls_port, "/v1/log", {"Content-Length": "0"}, tls=tls)
        check(st == 200, f"GET with Content-Length: 0 is served: {st}")
        big = b"{" + b" " * (300 * 1024) + b"}"
        st, _, _ = raw_get(tls_port, "/v1/entries", {"Content-Length": str(len(big)),
                                                     "Content-Type": "application/json"},
                           big, method="POST", tls=tls)
        check(st == 413, f"a 300 KiB body is refused by nginx: {st}")
    finally:
        stop(front)
        if server and server.poll() is None:
            server.terminate()
            server.wait(timeout=30)
        if failures:
            print(f"kept {tmp} for inspection")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print(f"{len(failures)} failure(s)")
    return 1 if failures else 0


stop = nginx_front.stop

if __name__ == "__main__":
    sys.exit(main())
