"""A real nginx (Debian's) in front of a real `vigil serve`, configured by the shipped
cli/deploy/nginx/vigil.conf: shared by nginx_test.py (make test) and tests/stress/nginx.sh
(make stress).

render_config() copies the shipped file changing only the lines marked CHANGE (and the public
listen lines, for loopback test ports); each replacement must match exactly once, so a change to
the shipped file that the tests no longer cover fails them instead of passing silently.
Python 3 standard library only.
"""

import os
import shutil
import socket
import subprocess
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.normpath(os.path.join(HERE, "..", "..", "cli", "deploy", "nginx"))
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def replace_once(text, old, new):
    n = text.count(old)
    if n != 1:
        raise SystemExit(f"nginx_front: expected '{old}' once in the shipped vigil.conf, found {n}")
    return text.replace(old, new)


def render_config(tmp, upstream_port, tls_port, plain_port, metrics_port, publish, cert, key,
                  variant=None):
    """Writes tmp/nginx.conf (the test's main file) and tmp/vigil.conf (the shipped one, with
    the CHANGE lines set for this test). `variant` is (old, new) applied once more, to build a
    deliberately wrong configuration a test must catch."""
    text = open(os.path.join(SOURCE, "vigil.conf")).read()
    proxy = os.path.join(SOURCE, "vigil-proxy.conf")
    text = replace_once(text, "server 127.0.0.1:8080;", f"server 127.0.0.1:{upstream_port};")
    text = replace_once(text, "    listen 443 ssl;\n",
                        f"    listen 127.0.0.1:{tls_port} ssl;\n"
                        f"    listen 127.0.0.1:{plain_port};\n")
    text = replace_once(text, "    listen [::]:443 ssl;\n", "")
    text = replace_once(text, "/etc/ssl/vigil/fullchain.pem", cert)
    text = replace_once(text, "/etc/ssl/vigil/privkey.pem", key)
    text = replace_once(text, "listen 127.0.0.1:9180;", f"listen 127.0.0.1:{metrics_port};")
    if text.count("root /var/lib/vigil-publish;") != 2:
        raise SystemExit("nginx_front: expected the publish root twice in vigil.conf")
    text = text.replace("root /var/lib/vigil-publish;", f"root {publish};")
    if text.count("include /etc/nginx/vigil-proxy.conf;") != 3:
        raise SystemExit("nginx_front: expected vigil-proxy.conf included 3 times in vigil.conf")
    text = text.replace("include /etc/nginx/vigil-proxy.conf;", f"include {proxy};")
    if variant:
        text = replace_once(text, variant[0], variant[1])
    open(os.path.join(tmp, "vigil.conf"), "w").write(text)
    for d in ("body", "proxy", "fastcgi", "uwsgi", "scgi", "logs"):
        os.makedirs(os.path.join(tmp, d), exist_ok=True)
    user = "user root;\n" if os.geteuid() == 0 else ""
    open(os.path.join(tmp, "nginx.conf"), "w").write(
        f"""{user}worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/logs/error.log warn;
events {{ worker_connections 4096; }}
worker_rlimit_nofile 8192;
http {{
    include /etc/nginx/mime.types;
    access_log {tmp}/logs/access.log;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    include {tmp}/vigil.conf;
}}
""")
    return os.path.join(tmp, "nginx.conf")


def check_config(tmp, conf):
    """`nginx -t` on the rendered configuration: (exit status, output)."""
    r = subprocess.run([NGINX, "-t", "-p", tmp, "-c", conf], capture_output=True, text=True)
    return r.returncode, r.stdout + r.stderr


def start(tmp, conf, ports):
    """Starts nginx in the foreground (a child of ours) and waits until `ports` accept."""
    proc = subprocess.Popen([NGINX, "-p", tmp, "-c", conf, "-g", "daemon off;"],
                            stdout=open(os.path.join(tmp, "logs", "stdout.log"), "w"),
                            stderr=subprocess.STDOUT)
    deadline = time.time() + 10
    for port in ports:
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if proc.poll() is not None or time.time() > deadline:
                    raise SystemExit("nginx did not start: " +
                                     open(os.path.join(tmp, "logs", "error.log")).read())
                time.sleep(0.05)
    return proc


def stop(proc):
    if proc and proc.poll() is None:
        proc.terminate()  # nginx: fast shutdown on SIGTERM
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def make_cert(tmp):
    """A self-signed certificate for 127.0.0.1 and vigil.test (the openssl command)."""
    cert, key = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-subj",
                    "/CN=vigil.test", "-addext", "subjectAltName=IP:127.0.0.1,DNS:vigil.test",
                    "-keyout", key, "-out", cert], check=True, capture_output=True)
    return cert, key
