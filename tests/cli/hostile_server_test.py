"""The `vigil` command against a hostile server (issue 13, part 5: hard error edges).

Usage: hostile_server_test.py PATH_TO_VIGIL

Builds a log with the demo scenario (`vigil init` + `vigil demo --offline`), serves it with the
real `vigil serve`, and puts a hostile HTTP server in front of it (Python's http.server on a
free loopback port). The hostile server forwards every request to the real one, except the
route under attack, whose answer it replaces: an HTML page, an empty body, truncated JSON,
JSON nested 100000 deep, a duplicate key, a lone surrogate, JSON of the wrong shape (an array
for an object, missing fields, strings where numbers belong, nulls), huge and odd numbers,
long strings and control characters, odd problem answers (4xx/5xx), and a connection cut in
the middle of the body or closed without an answer. Every query command (participants,
trail, stock, transfers, alerts, inspections, personal) and export, verify --server, submit
and register are run against each route they read.

Asserted: every run ends with exit 0, 1 or 2 (never a signal, never 134); a reply that is not
JSON of the right shape exits 2 with "the server's reply to <route> is not ..." on stderr; a
cut connection exits 2 with "cannot reach"; a reply that only has extra fields is accepted.
Python 3 standard library only. Both servers are always stopped.
"""

import copy
import http.client
import http.server
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

VIGIL = os.path.abspath(sys.argv[1])
FAILURES = []
RUNS = [0]


def check(cond, what, detail=""):
    if not cond:
        print(f"FAIL {what}\n     {detail[:3000]}")
        FAILURES.append(what)
    return cond


def run(*args, stdin=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIGIL_")}
    RUNS[0] += 1
    try:
        p = subprocess.run([VIGIL, *args], capture_output=True, text=True, errors="replace",
                           env=env, input=stdin, timeout=90)
    except subprocess.TimeoutExpired:
        return None, "", "timed out after 90 s"
    return p.returncode, p.stdout, p.stderr


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---- the hostile server -------------------------------------------------------------------

class Reply:
    def __init__(self, status, content_type, body):
        self.status = status
        self.content_type = content_type
        self.body = body if isinstance(body, bytes) else body.encode("utf-8", "surrogatepass")


CUT = "cut"      # send half the body under a Content-Length for all of it, then close
CLOSE = "close"  # close the connection without an answer


class Hostile(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, backend):
        super().__init__(("127.0.0.1", 0), Handler)
        self.backend = backend  # (host, port) of the real server
        self.attacks = []       # (compiled path regex, function(good Reply) -> Reply | CUT | CLOSE)
        self.hits = {}          # path regex -> requests answered by an attack

    def url(self):
        return f"http://127.0.0.1:{self.server_address[1]}"


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        self.handle_any("GET")

    def do_POST(self):
        self.handle_any("POST")

    def forward(self, method, body):
        conn = http.client.HTTPConnection(*self.server.backend, timeout=60)
        headers = {k: v for k, v in self.headers.items()
                   if k.lower() not in ("host", "connection", "keep-alive", "content-length")}
        conn.request(method, self.path, body=body, headers=headers)
        r = conn.getresponse()
        reply = Reply(r.status, r.getheader("Content-Type", ""), r.read())
        conn.close()
        return reply

    def handle_any(self, method):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        path = self.path.split("?", 1)[0]
        attack = next(((rx, fn) for rx, fn in self.server.attacks if rx.search(path)), None)
        reply = self.forward(method, body)
        if attack is not None:
            self.server.hits[attack[0].pattern] = self.server.hits.get(attack[0].pattern, 0) + 1
            try:
                reply = attack[1](reply)
            except Exception as e:  # a bug of this test: say so instead of cutting the connection
                FAILURES.append(f"the hostile reply for {path} could not be made: {e!r}")
                reply = Reply(599, "text/plain", f"test bug: {e!r}")
        if reply == CLOSE:
            self.close_connection = True
            return
        if reply == CUT:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "4000")
            self.end_headers()
            self.wfile.write(b'{"items": [{"participant": "cty-a", "role": "busi')
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.send_response(reply.status)
        if reply.content_type:
            self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        self.wfile.write(reply.body)


# ---- hostile replies ----------------------------------------------------------------------

JSON = "application/json"


def good_json(reply):
    return json.loads(reply.body) if 200 <= reply.status < 300 else None


def as_json(status, value):
    return lambda good: Reply(status, JSON, json.dumps(value))


def raw(status, content_type, text):
    return lambda good: Reply(status, content_type, text)


def mapped(leaf):
    """A reply whose JSON is the good reply's with every leaf value passed through `leaf`."""
    def walk(j):
        if isinstance(j, dict):
            return {k: walk(v) for k, v in j.items()}
        if isinstance(j, list):
            return [walk(v) for v in j]
        return leaf(j)
    return lambda good: Reply(good.status, JSON, json.dumps(walk(good_json(good))))


def is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def with_extra_fields(good):
    def walk(j):
        if isinstance(j, dict):
            out = {k: walk(v) for k, v in j.items()}
            out["zz_unknown"] = {"nested": [1, "two", None]}
            return out
        if isinstance(j, list):
            return [walk(v) for v in j]
        return j
    return Reply(good.status, JSON, json.dumps(walk(good_json(good))))


def truncated(good):
    return Reply(good.status, JSON, good.body[: max(1, len(good.body) // 2)])


def wrong_top(good):
    j = good_json(good)
    return Reply(good.status, JSON, "[]" if isinstance(j, dict) else "{}")


def missing_fields(good):
    j = good_json(good)
    return Reply(good.status, JSON, "{}" if isinstance(j, dict) else "[{}]")


def duplicate_key(good):
    """The good JSON with its first object's first key repeated (same value)."""
    j = good_json(good)
    target = j if isinstance(j, dict) else next((x for x in j if isinstance(x, dict)), None)
    if not target:
        return Reply(good.status, JSON, '{"a": 1, "a": 1}')
    key = next(iter(target))
    text = json.dumps(target)[:-1] + ", " + json.dumps(key) + ": " + json.dumps(target[key]) + "}"
    return Reply(good.status, JSON, text if isinstance(j, dict) else "[" + text + "]")


# A variant: (name, make reply from the good one, expectation). Expectations:
#   "bad"      exit 2, "the server's reply to" on stderr
#   "bad?"     like "bad" when the reply differs from the good one, else exit 0
#   "io"       exit 2, "cannot reach" on stderr
#   "ok"       exit 0
#   "any"      exit 0, 1 or 2 (odd but well-formed values: printed, or refused as data)
#   "refused"  exit 1 or 2 (a 4xx/5xx answer)
GENERIC = [
    ("html", raw(200, "text/html; charset=utf-8",
                 "<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>"), "bad"),
    ("empty body", raw(200, JSON, ""), "bad"),
    ("plain text as JSON", raw(200, JSON, "Service temporarily unavailable"), "bad"),
    ("truncated JSON", truncated, "bad"),
    ("nested 100000 deep", raw(200, JSON, "[" * 100000 + "]" * 100000), "bad"),
    ("nested 100000 deep, unclosed", raw(200, JSON, '{"items": ' + "[" * 100000), "bad"),
    ("duplicate key", duplicate_key, "bad"),
    ("lone surrogate", raw(200, JSON, '{"items": [], "next": "\\ud800"}'), "bad"),
    ("wrong top-level type", wrong_top, "bad"),
    ("a bare string", raw(200, JSON, '"ok"'), "bad"),
    ("null", raw(200, JSON, "null"), "bad"),
    ("missing fields", missing_fields, "bad"),
    ("strings as numbers", mapped(lambda v: 7 if isinstance(v, str) else v), "bad?"),
    ("every value null", mapped(lambda v: None), "bad?"),
    ("numbers as strings", mapped(lambda v: str(v) if is_number(v) else v), "any"),
    ("integers 2^64", mapped(lambda v: 2**64 if is_number(v) else v), "any"),
    ("integers 2^63", mapped(lambda v: 2**63 if is_number(v) else v), "any"),
    ("integers -2^63", mapped(lambda v: -2**63 if is_number(v) else v), "any"),
    ("numbers 1e308", mapped(lambda v: 1e308 if is_number(v) else v), "any"),
    ("numbers with a fraction", mapped(lambda v: v + 0.5 if is_number(v) else v), "any"),
    ("long strings", mapped(lambda v: "x" * 200000 if isinstance(v, str) else v), "any"),
    ("control characters", mapped(lambda v: "\x1b[2J\x00\u202e" + v if isinstance(v, str) else v),
     "any"),
    ("extra fields", with_extra_fields, "ok"),
    ("500 HTML", raw(500, "text/html", "<html>Internal Server Error</html>"), "refused"),
    ("404 odd problem", as_json(404, {"type": 5, "detail": ["x"], "violations": [1, {"code": 2}]}),
     "refused"),
    ("422 problem nested deep", raw(422, JSON, "[" * 100000), "refused"),
    ("connection cut mid-body", lambda good: CUT, "io"),
    ("connection closed, no answer", lambda good: CLOSE, "io"),
]


def set_path(path, value):
    """A reply whose JSON is the good one with the value at `path` (keys and indexes) replaced."""
    def make(good):
        j = copy.deepcopy(good_json(good))
        node = j
        for k in path[:-1]:
            node = node[k]
        node[path[-1]] = value
        return Reply(good.status, JSON, json.dumps(j))
    return make


def specific(*pairs):
    """Route-specific wrong values that must be refused: (path, value) pairs."""
    return [(f"{'.'.join(map(str, p))} = {json.dumps(v)[:40]}", set_path(p, v), "bad")
            for p, v in pairs]


# ---- the scenario ---------------------------------------------------------------------------

def attack(hostile, name, args, routes, variants, good_ok=True, before=None):
    """Runs `args` once per variant with the route regex `routes[-1]` answered by the variant
    (earlier entries of `routes` are (regex, reply function) kept for every run)."""
    fixed = [(re.compile(rx), fn) for rx, fn in routes[:-1]]
    target = re.compile(routes[-1])
    hostile.attacks = fixed
    if before:
        before()
    rc, out, err = run(*args)
    check(rc == 0 or not good_ok, f"{name}: the unmodified reply is accepted", f"rc={rc}\n{err}")
    good_stdout = out
    for vname, make, expect in variants:
        hostile.attacks = [(target, make)] + fixed
        hostile.hits.clear()
        if before:
            before()
        rc, out, err = run(*args)
        what = f"{name} / {routes[-1]} / {vname}"
        if not check(hostile.hits.get(target.pattern, 0) > 0, f"{what}: the route was asked",
                     f"rc={rc}\n{err}"):
            continue
        if not check(rc in (0, 1, 2), f"{what}: exit 0, 1 or 2", f"rc={rc}\nstderr: {err}"):
            continue
        if expect == "bad?":
            # Unchanged (there was nothing to map), or changed into something refused.
            if rc == 0:
                check(out == good_stdout, f"{what}: accepted only when nothing changed",
                      f"stdout differs from the unmodified run\n{err}")
                continue
            expect = "bad"
        if expect == "bad":
            check(rc == 2 and "the server's reply to " in err,
                  f"{what}: exit 2 with \"the server's reply to ...\"", f"rc={rc}\nstderr: {err}")
        elif expect == "io":
            check(rc == 2 and "cannot reach" in err, f"{what}: exit 2, cannot reach",
                  f"rc={rc}\nstderr: {err}")
        elif expect == "ok":
            check(rc == 0, f"{what}: accepted", f"rc={rc}\nstderr: {err}")
        elif expect == "refused":
            # A refusal is the server's answer: on stderr, or (submit, register) as the record's
            # result on stdout.
            check(rc in (1, 2) and (err + out).strip() != "", f"{what}: exit 1 or 2 with a message",
                  f"rc={rc}\nstderr: {err}")
        if rc == 2:
            check(err.strip() != "", f"{what}: a message on stderr", f"rc={rc}")
        check("unexpected error" not in err, f"{what}: nothing escaped to main", err)
    hostile.attacks = []


def main():
    tmp = tempfile.mkdtemp(prefix="vigil-hostile-test-")
    data = os.path.join(tmp, "data")
    rc, out, err = run("init", "--data", data, "--origin", "vigil.hostile.example/log",
                       "--province", "Hà Nội")
    assert rc == 0, err
    vkey = [l.split(": ", 1)[1] for l in out.splitlines() if l.startswith("verifier key: ")][0]
    rc, out, err = run("demo", "--data", data, "--offline")
    assert rc == 0, out + err
    port = free_port()
    real = f"http://127.0.0.1:{port}"
    log = open(os.path.join(tmp, "server.log"), "w")
    server = subprocess.Popen([VIGIL, "serve", "--data", data, "--listen", f"127.0.0.1:{port}"],
                              stdout=log, stderr=subprocess.STDOUT)
    hostile = Hostile(("127.0.0.1", port))
    threading.Thread(target=hostile.serve_forever, daemon=True).start()
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(real + "/healthz", timeout=5).read()
                break
            except OSError:
                time.sleep(0.05)
        scenario(tmp, data, real, hostile, vkey)
    finally:
        hostile.shutdown()
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
    print(f"\n{RUNS[0]} runs of vigil")
    if FAILURES:
        print(f"{len(FAILURES)} check(s) failed; data and server log in {tmp}")
        return 1
    shutil.rmtree(tmp, ignore_errors=True)
    print("all checks passed")
    return 0


def scenario(tmp, data, real, hostile, vkey):
    url = hostile.url()
    authority = os.path.join(data, "keys", "authority.key")
    clerk = os.path.join(data, "demo-keys", "cty-hoachat-an-phu.key")
    biz = "cty-hoachat-an-phu"
    common = ["--key", authority, "--server", url]

    # A monitor state saved at the current size; the log then grows, so that the monitor runs
    # below ask the server for a consistency proof.
    state = os.path.join(tmp, "monitor.state")
    rc, out, err = run("verify", "--server", url, "--state", state, "--vkey", vkey, "--tree-only")
    check(rc == 0, "verify --server: a first run saves the state", err)
    newkey = os.path.join(tmp, "extra.key")
    rc, out, err = run("keygen", "--out", newkey)
    assert rc == 0, err
    rc, out, err = run("register", "key", "--key", authority, "--server", real, "--participant", biz,
                       "--public-key", newkey + ".pub")
    check(rc == 0, "the log grows (register key, straight to the real server)", out + err)

    page_bad = specific((["items"], "not a list"), (["next"], 5), (["items", 0], [1, 2]))

    # ---- the query commands ---------------------------------------------------------------
    attack(hostile, "participants", ["participants", *common], [r"^/v1/participants$"],
           GENERIC + page_bad + specific((["items", 0, "revoked"], "no"),
                                         (["items", 0, "participant"], 42),
                                         (["items", 1, "licences"], {"number": "x"}),
                                         (["items", 1, "licences", 0, "number"], 7)))
    attack(hostile, "participants --json", ["participants", *common, "--json"],
           [r"^/v1/participants$"], GENERIC)
    attack(hostile, "trail", ["trail", *common, biz], [r"^/v1/participants/[^/]+/trail$"],
           GENERIC + page_bad + specific((["items", 0, "seq"], "12"), (["items", 0, "seq"], -1),
                                         (["items", 0, "seq"], 1.5), (["items", 0, "entry"], None)))
    attack(hostile, "stock", ["stock", *common, biz], [r"^/v1/participants/[^/]+/stock$"],
           GENERIC + specific(([0, "amount"], "12"), ([0, "amount"], 2**63), ([0, "substance"], 5)))
    attack(hostile, "stock --json", ["stock", *common, biz, "--json"],
           [r"^/v1/participants/[^/]+/stock$"], GENERIC)
    history = ["stock", *common, biz, "--substance", "67-64-1"]
    attack(hostile, "stock --substance", history, [r"^/v1/participants/[^/]+/stock$"],
           GENERIC + specific((["history", 0, "seq"], "25"), (["history", 0, "amount"], 1.5),
                              (["history"], {}), (["stock"], {"a": 1})))
    attack(hostile, "stock --substance (catalogue)", history, [r"^/v1/catalog$"],
           GENERIC[:12] + specific((["substances"], {}), (["substances", 0, "id"], 1)))
    attack(hostile, "transfers", ["transfers", *common], [r"^/v1/transfers$"],
           GENERIC + page_bad + specific((["items", 0, "amount"], "1000"),
                                         (["items", 0, "overdue"], "yes"),
                                         (["items", 0, "received_amount"], 2**64)))
    attack(hostile, "transfers (catalogue)", ["transfers", *common], [r"^/v1/catalog$"],
           GENERIC[:12] + specific((["substances", 0, "unit"], 3)))
    attack(hostile, "alerts", ["alerts", *common], [r"^/v1/alerts$"],
           GENERIC + page_bad + specific((["items", 0, "seq"], -3), (["items", 0, "kind"], [])))
    attack(hostile, "inspections", ["inspections", *common], [r"^/v1/inspections$"],
           GENERIC + page_bad + specific((["items", 0, "seq"], 2**64),
                                         (["items", 0, "violations"], "none")))
    # The demo erases its personal data, so the good answer here is made up.
    personal = as_json(200, {"seq": 7, "personal": json.dumps({"name": "Nguyễn Văn A"})})
    attack(hostile, "personal", ["personal", *common, "7"],
           [(r"^/v1/personal/7$", personal), r"^/v1/personal/7$"],
           [(n, (lambda m: lambda good: m(personal(good)))(m), e) for n, m, e in GENERIC]
           + [(n, (lambda m: lambda good: m(personal(good)))(m), "bad") for n, m, _ in specific(
               (["seq"], "7"), (["personal"], 5), (["personal"], "not JSON"),
               (["personal"], "[" * 100000))])

    # ---- export -----------------------------------------------------------------------------
    attack(hostile, "export entries (me)", ["export", "entries", *common], [r"^/v1/me$"],
           GENERIC + specific((["role"], 1), (["record"], "x")))
    attack(hostile, "export entries (log)", ["export", "entries", *common], [r"^/v1/log$"],
           GENERIC[:12] + specific((["verifier_key"], 5)))
    trail = ["export", "entries", *common, "--participant", biz, "--format", "jsonl"]
    attack(hostile, "export entries --participant", trail, [r"^/v1/participants/[^/]+/trail$"],
           GENERIC + page_bad + specific((["items", 0, "inclusion"], "x"),
                                         (["items", 0, "inclusion", 0], 5),
                                         (["checkpoint"], 5)))
    # Without the page's checkpoint each entry's proof is asked for separately.
    def no_checkpoint(good):
        j = good_json(good)
        j.pop("checkpoint", None)
        return Reply(good.status, JSON, json.dumps(j))
    attack(hostile, "export entries --participant (inclusion)", trail,
           [(r"^/v1/participants/[^/]+/trail$", no_checkpoint), r"^/v1/proof/inclusion$"],
           GENERIC + specific((["proof"], "x"), (["proof", 0], 5)))
    def endless(good):
        j = good_json(good)
        j["next"] = "again"
        return Reply(good.status, JSON, json.dumps(j))
    attack(hostile, "export alerts", ["export", "alerts", *common], [r"^/v1/alerts$"],
           GENERIC + page_bad + [("the same cursor forever", endless, "bad")])
    attack(hostile, "export transfers", ["export", "transfers", *common], [r"^/v1/transfers$"],
           GENERIC + page_bad)
    attack(hostile, "export inspections", ["export", "inspections", *common],
           [r"^/v1/inspections$"], GENERIC + page_bad)
    attack(hostile, "export stock (participants)", ["export", "stock", *common],
           [r"^/v1/participants$"], GENERIC + page_bad)
    attack(hostile, "export stock", ["export", "stock", *common, "--participant", biz],
           [r"^/v1/participants/[^/]+/stock$"], GENERIC + specific(([0], "x")))

    # ---- verify --server (the monitor) ------------------------------------------------------
    fresh = os.path.join(tmp, "monitor-run.state")

    def copy_state():
        shutil.copyfile(state, fresh)
    attack(hostile, "verify --server", ["verify", "--server", url, "--state", fresh, "--tree-only"],
           [r"^/v1/proof/consistency$"], GENERIC + specific((["proof"], {"0": "a"})),
           before=copy_state)

    def no_state():
        if os.path.exists(fresh):
            os.remove(fresh)
    attack(hostile, "verify --server --trust-on-first-use",
           ["verify", "--server", url, "--state", fresh, "--tree-only", "--trust-on-first-use"],
           [r"^/v1/log$"], GENERIC[:12] + specific((["verifier_key"], 5)), before=no_state)

    # ---- what escapes a command -------------------------------------------------------------
    # A CSV cell that is not UTF-8 reaches nlohmann's dump(), which throws: caught in main.cc,
    # one line naming the command, exit 2 (or, once the import refuses the cell, exit 1).
    bad_utf8 = os.path.join(tmp, "not-utf8.csv")
    with open(bad_utf8, "wb") as f:
        f.write(b"type,id,at,substance,quantity,unit,party.name\n"
                b"chem.purchase,X-1,2026-11-30T09:00:00+07:00,67-64-1,1,L,C\xff\xfeng ty\n")
    rc, out, err = run("submit", "--dry-run", "--actor", biz, bad_utf8)
    check(rc in (1, 2) and (rc == 1 or (err.startswith("vigil submit: ") and err.count("\n") == 1)),
          "a CSV cell that is not UTF-8: exit 1 or 2, one line naming the command, no abort",
          f"rc={rc}\nstdout: {out}\nstderr: {err}")

    # ---- submit and register ------------------------------------------------------------------
    csv = os.path.join(tmp, "purchase.csv")
    with open(csv, "w") as f:
        f.write("type,id,at,substance,quantity,unit,party.name,party.country\n"
                "chem.purchase,HOSTILE-P-1,2026-11-30T09:00:00+07:00,67-64-1,1,L,Công ty Hưng Thịnh,VN\n")
    receipt_bad = specific((["seq"], "12"), (["seq"], -1), (["inclusion"], "x"), (["ts"], None))
    attack(hostile, "submit", ["submit", "--key", clerk, "--server", url, "--actor", biz, csv],
           [r"^/v1/entries$"], GENERIC + receipt_bad)
    attack(hostile, "submit (me)", ["submit", "--key", clerk, "--server", url, csv], [r"^/v1/me$"],
           GENERIC[:12] + specific((["participant"], 5)))
    other = os.path.join(tmp, "other.key")
    rc, out, err = run("keygen", "--out", other)
    assert rc == 0, err
    pub = other + ".pub"
    register = ["register", "participant", *common, "--id", "hostile-test-co", "--role", "business",
                "--name", "Hostile Test Co", "--public-key", pub, "--at", "2026-11-30T10:00:00+07:00"]
    attack(hostile, "register participant (me)", register, [r"^/v1/me$"],
           GENERIC + specific((["role"], ["authority"])))
    attack(hostile, "register participant", register, [r"^/v1/entries$"], GENERIC + receipt_bad)
    licence = ["register", "licence", *common, "--participant", biz, "--kind", "import_export",
               "--number", "XNK-9999", "--issued", "2026-01-01", "--expires", "2027-01-01",
               "--dry-run"]
    attack(hostile, "register licence", licence, [r"^/v1/participants/[^/]+$"],
           GENERIC + specific((["licences"], {}), (["licences", 0], "KD-1"),
                              (["licences", 0, "number"], 1)))


if __name__ == "__main__":
    sys.exit(main())
