"""Integration test of the `vigil` command's client side against a real `vigil serve`.

Usage: cli_test.py PATH_TO_VIGIL

Creates a log in a temporary directory, serves it on a free loopback port, and drives the real
binary: `vigil register` (flags, a description file, a licence update, a key), `vigil submit`
of CSV files with good and bad rows (per-row results and exact rule codes, exit 1), an
interrupted submission resumed by rerunning the whole file (no duplicates, same seqs), a
reused id with different content (409), `vigil export` of entries (root recomputed and every
inclusion proof and the checkpoint signature checked here, independently of the C++ code;
CSV and JSON lines; by participant and period), re-import of exported payloads (all already in
the log, same seqs), derived tables against the query commands, and VIGIL_KEY/VIGIL_SERVER.
Python 3 standard library + PyNaCl. The server is always stopped.
"""

import base64
import csv
import datetime
import hashlib
import io
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

import nacl.signing

VIGIL = os.path.abspath(sys.argv[1])
FAILURES = []


def check(cond, what, detail=""):
    if cond:
        print(f"ok   {what}")
    else:
        print(f"FAIL {what}\n     {detail}")
        FAILURES.append(what)


def run(*args, env=None, stdin=None):
    e = dict(os.environ)
    for k in ("VIGIL_KEY", "VIGIL_SERVER", "VIGIL_ACTOR"):
        e.pop(k, None)
    e.update(env or {})
    p = subprocess.run([VIGIL, *args], capture_output=True, text=True, env=e, input=stdin, timeout=120)
    return p.returncode, p.stdout, p.stderr


def json_lines(text):
    return [json.loads(l) for l in text.splitlines() if l.strip()]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url):
    with urllib.request.urlopen(url, timeout=10) as r:
        return r.read()


# ---- RFC 6962 / 9162 and C2SP checks, written from the specs ------------------------------


def leaf_hash(entry_bytes):
    return hashlib.sha256(b"\x00" + entry_bytes).digest()


def node_hash(l, r):
    return hashlib.sha256(b"\x01" + l + r).digest()


def mth(leaves):
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return node_hash(mth(leaves[:k]), mth(leaves[k:]))


def verify_inclusion(index, size, leaf, proof, root):
    """RFC 9162 section 2.1.3.2."""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn % 2 == 1 or fn == sn:
            r = node_hash(p, r)
            while fn % 2 == 0 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def open_checkpoint(note, vkey):
    """Checks a C2SP signed note with the verifier key; returns (origin, size, root)."""
    name, khash, key = vkey.split("+", 2)
    raw = base64.b64decode(key)
    assert raw[0] == 1
    pub = nacl.signing.VerifyKey(raw[1:])
    text, sigs = note.split("\n\n", 1)
    text += "\n"
    ok = False
    for line in sigs.splitlines():
        _, who, blob = line.split(" ")
        blob = base64.b64decode(blob)
        if who == name and blob[:4].hex() == khash:
            pub.verify(text.encode(), blob[4:])  # raises if bad
            ok = True
    assert ok, "no signature by the log key"
    origin, size, root = text.splitlines()[:3]
    assert origin == name
    return origin, int(size), base64.b64decode(root)


# ---- the test -------------------------------------------------------------------------------


def main():
    tmp = tempfile.mkdtemp(prefix="vigil-cli-test-")
    data = os.path.join(tmp, "data")
    rc, out, err = run("init", "--data", data, "--origin", "vigil.clitest.example/log", "--province", "Hà Nội")
    assert rc == 0, err
    vkey = [l.split(": ", 1)[1] for l in out.splitlines() if l.startswith("verifier key: ")][0]
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = open(os.path.join(tmp, "server.log"), "w")
    server = subprocess.Popen([VIGIL, "serve", "--data", data, "--listen", f"127.0.0.1:{port}"],
                              stdout=log, stderr=subprocess.STDOUT)
    try:
        for _ in range(300):
            try:
                get(url + "/healthz")
                break
            except OSError:
                time.sleep(0.05)
        scenario(tmp, data, url, vkey)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
    if FAILURES:
        print(f"\n{len(FAILURES)} check(s) failed; server log: {tmp}/server.log")
        return 1
    print("\nall checks passed")
    return 0


def size_of(url):
    return json.loads(get(url + "/v1/log"))["size"]


def scenario(tmp, data, url, vkey):
    authority = os.path.join(data, "keys", "authority.key")
    keys = {}
    for name in ("clerk", "clerk2", "clerk3", "police", "other"):
        path = os.path.join(tmp, name + ".key")
        rc, out, err = run("keygen", "--out", path)
        assert rc == 0, err
        keys[name] = path

    # ---- register -------------------------------------------------------------------------
    rc, out, err = run("register", "participant", "--key", authority, "--server", url,
                       "--id", "cty-a", "--role", "business", "--name", "Công ty TNHH Hóa chất A",
                       "--tax-code", "0101234567", "--province", "Hà Nội", "--commune", "Phường Hoàn Kiếm",
                       "--public-key", keys["clerk"] + ".pub",
                       "--licence", "precursor_trading:KD-0001:2020-01-01:2035-12-31:67-64-1,108-88-3")
    check(rc == 0 and out == "participant.register: appended as entry 1 (id reg-cty-a)\n",
          "register participant from flags (actor found from the key)", out + err)

    desc = [{"participant": "cong-an-pc04", "role": "police", "legal_name": "Công an – PC04",
             "keys": ["police.key.pub"], "jurisdiction": {"province": "Hà Nội"}},
            {"participant": "cty-b", "role": "business", "legal_name": "Công ty B",
             "jurisdiction": {"province": "Hải Phòng"}, "keys": ["clerk2.key.pub"],
             "licences": [{"kind": "precursor_use", "number": "SD-0002", "issued": "2020-01-01",
                           "expires": "2035-12-31", "substances": ["67-64-1"]}]}]
    with open(os.path.join(tmp, "people.json"), "w") as f:
        json.dump(desc, f, ensure_ascii=False)
    rc, out, err = run("register", "participant", "--key", authority, "--server", url, "--json",
                       "--from", os.path.join(tmp, "people.json"))
    res = json_lines(out)
    check(rc == 0 and [(r["id"], r["result"], r["seq"]) for r in res] ==
          [("reg-cong-an-pc04", "appended", 2), ("reg-cty-b", "appended", 3)],
          "register participant --from a description array (keys as .pub files)", out + err)

    rc, out, err = run("register", "participant", "--key", authority, "--server", url,
                       "--id", "cty-a", "--role", "business", "--name", "Công ty TNHH Hóa chất A",
                       "--public-key", keys["other"] + ".pub")
    check(rc == 1 and "[conflict]" in out, "registering again with the same record id is refused (409), exit 1",
          out + err)
    rc, out, err = run("register", "participant", "--key", authority, "--server", url, "--record-id", "reg-cty-a-2",
                       "--id", "cty-a", "--role", "business", "--name", "X", "--public-key", keys["other"] + ".pub")
    check(rc == 1 and "[participant_exists]" in out, "a second registration of an id shows participant_exists",
          out + err)
    rc, out, err = run("register", "participant", "--key", keys["clerk"], "--server", url,
                       "--id", "x", "--role", "business", "--name", "X", "--public-key", keys["other"] + ".pub")
    check(rc == 2 and "authority" in err, "register with a business key: exit 2, says an authority key is needed",
          out + err)

    rc, out, err = run("register", "licence", "--key", authority, "--server", url, "--participant", "cty-a",
                       "--kind", "import_export", "--number", "XNK-0009", "--issued", "2020-01-01",
                       "--expires", "2035-12-31", "--substance", "67-64-1")
    rc2, out2, err2 = run("participants", "--key", keys["police"], "--server", url, "--search", "cty-a", "--json")
    lic = [l["number"] for p in json.loads(out2)["items"] if p["participant"] == "cty-a" for l in p["licences"]] \
        if rc2 == 0 else []
    check(rc == 0 and "adding licence XNK-0009 of cty-a (2 licences after the update)" in out
          and lic == ["KD-0001", "XNK-0009"], "register licence adds to the licence list", out + err + out2 + err2)

    rc, out, err = run("register", "key", "--key", authority, "--server", url, "--participant", "cty-a",
                       "--public-key", keys["clerk3"] + ".pub")
    check(rc == 0 and "key.add: appended as entry" in out, "register key (key.add)", out + err)

    # ---- submit CSV with good and bad rows ------------------------------------------------
    # Record times lie between the participants' registration (just made) and a few minutes
    # from now: a record may be neither older than its actor's registration nor more than 5
    # minutes ahead of the server's clock (docs/records.md §6).
    base = datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=7)))

    def at(seconds):
        return (base + datetime.timedelta(seconds=seconds)).isoformat(timespec="milliseconds")

    rows = [
        "type,id,at,substance,quantity,unit,concentration,party.name,party.enterprise_code,party.country,"
        "document.number,document.sha256,note",
        "chem.purchase,,%s,67-64-1,100,L,,Công ty Hưng Thịnh,,VN,HD-1,%s," % (at(10), "a" * 64),
        "chem.sale,A-S-1,%s,67-64-1,30,L,,\"Công ty C, chi nhánh 2\",0301234567-002,VN,,," % at(20),
        "chem.sale,A-S-2,%s,67-64-1,500,L,,Công ty D,0309876543,VN,,," % at(30),
        "chem.purchase,A-P-3,%s,67-64-1,\"12,5\",L,,Công ty D,,VN,,," % at(40),
        "chem.purchase,A-P-4,2026-01-07 10:00,67-64-1,5,L,,Công ty D,,VN,,,",
        "chem.use,A-U-5,%s,108-88-3,5,L,,,,,,," % at(50),
        "chem.purchase,A-P-6,%s,67-64-1,5" % at(50),
        "chem.purchase,A-P-7,%s,acetone,20,L,50,Công ty Hưng Thịnh,,VN,,,ghi chú" % at(60),
    ]
    mixed = os.path.join(tmp, "mixed.csv")
    with open(mixed, "w") as f:
        f.write("\r\n".join(rows) + "\r\n")
    before = size_of(url)
    rc, out, err = run("submit", "--key", keys["clerk"], "--server", url, "--actor", "cty-a", "--json", mixed)
    res = {r["row"]: r for r in json_lines(out)}
    check(rc == 1, "a CSV with rejected rows exits 1", f"rc={rc} {err}")
    check(sorted(res) == [2, 3, 4, 5, 6, 7, 8, 9], "one result per data row, numbered from 2", out)
    good = [res.get(n, {}).get("result") for n in (2, 3, 9)]
    check(good == ["appended"] * 3, "good rows are appended (row 2 with a derived id)", out)
    check(res.get(2, {}).get("id", "").startswith("csv-"), "a row without an id gets a derived csv- id", out)
    check(res.get(4, {}).get("codes") == ["stock_negative"] and res[4].get("status") == 422,
          "row 4: selling more than the stock -> stock_negative", out)
    check(res.get(5, {}).get("codes") == ["bad_quantity"], "row 5: a decimal comma -> bad_quantity", out)
    check(res.get(6, {}).get("result") == "invalid" and "at:" in res[6].get("error", ""),
          "row 6: a time without a zone is a bad cell, nothing sent", out)
    check(res.get(7, {}).get("result") == "rejected" and "licence_invalid" in res[7].get("codes", []),
          "row 7: use without a use licence -> licence_invalid", out)
    check(res.get(8, {}).get("result") == "invalid" and "cells" in res[8].get("error", ""),
          "row 8: a short row is reported, nothing sent", out)
    check(size_of(url) == before + 3, "exactly the three good rows were written", f"{before} -> {size_of(url)}")
    seqs_first = {n: res[n].get("seq") for n in (2, 3, 9)}

    rc, out, err = run("submit", "--key", keys["clerk"], "--server", url, "--actor", "cty-a", mixed)
    check(rc == 1 and f"row 2: already in the log as entry {seqs_first[2]} (id csv-" in out
          and f"row 3: already in the log as entry {seqs_first[3]} (id A-S-1)" in out
          and "row 4: rejected (id A-S-2) [stock_negative]\n    - stock_negative: " in out
          and "row 6: invalid, nothing sent: at: " in out
          and "3 accepted, 5 rejected" in out, "rerun (text output): same seqs, same rejections", out + err)
    check(size_of(url) == before + 3, "a rerun writes nothing new", "")

    # Without --actor, the actor is the participant of the key (GET /v1/me).
    rc, out, err = run("submit", "--key", keys["clerk"], "--server", url, mixed)
    check(rc == 1 and f"row 3: already in the log as entry {seqs_first[3]} (id A-S-1)" in out,
          "without --actor the key's participant is the actor (same records)", out + err)
    rc, out, err = run("submit", "--key", keys["other"], "--server", url, mixed)
    check(rc == 2 and out == "" and "registered key" in err and "--actor" in err,
          "an unregistered key without --actor: exit 2 before sending, says what to do", out + err)

    # Same explicit id, different content: 409.
    conflict = os.path.join(tmp, "conflict.csv")
    with open(conflict, "w") as f:
        f.write("type,id,at,substance,quantity,unit,party.name\n"
                "chem.sale,A-S-1,%s,67-64-1,31,L,Công ty C\n" % at(20))
    rc, out, err = run("submit", "--key", keys["clerk"], "--server", url, "--actor", "cty-a", conflict)
    check(rc == 1 and "row 2: rejected (id A-S-1) [conflict]:" in out, "an id reused for different content -> conflict",
          out + err)

    # --dry-run: the server's verdict per row, cumulative within the file, nothing appended.
    dry = os.path.join(tmp, "dry.csv")
    with open(dry, "w") as f:
        f.write("type,id,at,substance,quantity,unit,party.name,party.country,party.enterprise_code\n"
                "chem.purchase,A-DRY-1,%s,67-64-1,1000,L,Công ty D,VN,0309876543\n"
                "chem.sale,A-DRY-2,%s,67-64-1,1050,L,Công ty E,VN,0301234567\n"
                "chem.sale,A-DRY-3,%s,67-64-1,999999,L,Công ty E,VN,0301234567\n"
                % (at(100), at(101), at(102)))
    before = size_of(url)
    rc, out, err = run("submit", "--key", keys["clerk"], "--server", url, "--actor", "cty-a",
                       "--dry-run", "--json", dry)
    res = {r["row"]: r for r in json_lines(out)}
    check(rc == 1 and res.get(2, {}).get("result") == "would_append"
          and res.get(3, {}).get("result") == "would_append"
          and res.get(4, {}).get("result") == "would_reject"
          and res[4].get("codes") == ["stock_negative"] and size_of(url) == before,
          "--dry-run: verdicts per row (a sale passing after the purchase above it), exit 1 for "
          "the bad row, nothing appended", out + err)
    rc, out, err = run("submit", "--key", keys["clerk"], "--server", url, "--actor", "cty-a",
                       "--dry-run", mixed)
    check(rc == 1 and f"row 3: already in the log as entry {seqs_first[3]} (id A-S-1)" in out
          and "row 4: would be rejected (id A-S-2) [stock_negative]" in out
          and "(dry run: nothing was appended)" in out and size_of(url) == before,
          "--dry-run text: resends, rule codes, nothing appended", out + err)

    # Whole-file problems: nothing sent, exit 2.
    bad_header = os.path.join(tmp, "bad-header.csv")
    with open(bad_header, "w") as f:
        f.write("type,at,substance,quantiy,unit\nchem.purchase,%s,67-64-1,1,L\n" % at(20))
    rc, out, err = run("submit", "--key", keys["clerk"], "--server", url, "--actor", "cty-a", bad_header)
    check(rc == 2 and '"quantiy", is not a known column' in err and out == "", "an unknown column: exit 2, nothing sent",
          out + err)

    semi = os.path.join(tmp, "semicolon.csv")
    with open(semi, "w") as f:
        f.write("type;at;substance;quantity;unit\nchem.purchase;%s;67-64-1;1,5;L\n" % at(20))
    rc, out, err = run("submit", "--key", keys["clerk"], "--server", url, semi)
    check(rc == 2 and "semicolon-separated" in err, "a semicolon-separated file is explained, nothing sent", out + err)
    trailing = os.path.join(tmp, "trailing.csv")
    with open(trailing, "w") as f:
        f.write("type,id,at,substance,quantity,unit,party.name,party.country,,\n"
                "chem.purchase,A-P-20,%s,67-64-1,1,L,Công ty D,VN,,\n"
                "chem.purchase,A-P-21,%s,67-64-1,1,L,Công ty D,VN,,lạc chỗ\n" % (at(150), at(150)))
    rc, out, err = run("submit", "--key", keys["clerk"], "--server", url, "--json", trailing)
    res = {r["row"]: r for r in json_lines(out)}
    check(rc == 1 and res.get(2, {}).get("result") == "appended" and res.get(3, {}).get("result") == "invalid"
          and "column 10 has no name" in res[3].get("error", ""),
          "unnamed trailing columns are ignored, but a value under one is a bad cell", out + err)

    # ---- interrupted and resumed ------------------------------------------------------------
    big = ["at,substance,quantity,unit,party.name,party.country"]
    for i in range(400):
        big.append(f"{at(90 + i / 10)},108-88-3,1.5,L,Công ty Hưng Thịnh,VN")
    big.append(big[1])  # an identical row: a distinct record (its id counts the occurrence)
    bigfile = os.path.join(tmp, "february.csv")
    with open(bigfile, "w") as f:
        f.write("\n".join(big) + "\n")
    half = os.path.join(tmp, "february-half.csv")
    with open(half, "w") as f:
        f.write("\n".join(big[:101]) + "\n")
    start = size_of(url)
    rc, out, err = run("submit", "--key", keys["clerk"], "--server", url, "--actor", "cty-a",
                       "--type", "chem.purchase", "--json", half)
    first = {r["row"]: r["seq"] for r in json_lines(out) if r["result"] == "appended"}
    check(rc == 0 and len(first) == 100, "first half of the file submitted", err)

    # A real interruption: kill the process while it is sending the rest.
    e = dict(os.environ, VIGIL_KEY=keys["clerk"], VIGIL_SERVER=url, VIGIL_ACTOR="cty-a")
    # Batches of 50 (the default is 1000, which would send the whole file in one request).
    p = subprocess.Popen([VIGIL, "submit", "--type", "chem.purchase", "--json", "--batch-size", "50",
                          bigfile],
                         stdout=subprocess.PIPE, text=True, env=e)
    # Killed as soon as the first new row is appended: about 250 rows (in durable batches of 50)
    # are still to go.
    for line in p.stdout:
        if json.loads(line)["result"] == "appended":
            break
    p.kill()
    p.wait()
    interrupted_size = size_of(url)
    check(start + 100 < interrupted_size < start + 401, "the killed run wrote part of the file",
          f"{start} -> {interrupted_size}")

    rc, out, err = run("submit", "--type", "chem.purchase", "--json", bigfile,
                       env={"VIGIL_KEY": keys["clerk"], "VIGIL_SERVER": url, "VIGIL_ACTOR": "cty-a"})
    res = json_lines(out)
    by_row = {r["row"]: r for r in res}
    check(rc == 0 and len(res) == 401 and all(r["result"] in ("appended", "already_in_log") for r in res),
          "the rerun of the whole file accepts every row (key, server, actor from the environment)", err)
    check(all(by_row[n]["result"] == "already_in_log" and by_row[n]["seq"] == s for n, s in first.items()),
          "rows sent before are answered with their original seqs", "")
    check(size_of(url) == start + 401, "no duplicates: exactly one entry per row",
          f"{start} + 401 != {size_of(url)}")
    check(len({r["seq"] for r in res}) == 401 and by_row[2]["id"] != by_row[402]["id"],
          "identical rows are distinct records", "")

    # ---- query commands: tables and --json ------------------------------------------------
    rc, out, err = run("stock", "--key", keys["clerk"], "--server", url, "cty-a")
    check(rc == 0 and out.startswith("SUBSTANCE") and "67-64-1" in out and "108-88-3" in out,
          "vigil stock prints a table", out + err)
    rc, out, err = run("stock", "cty-a", "--json", env={"VIGIL_KEY": keys["clerk"], "VIGIL_SERVER": url})
    stock = json.loads(out) if rc == 0 else []
    check(rc == 0 and isinstance(stock, list), "vigil stock --json, key and server from the environment", out + err)

    # ---- export ---------------------------------------------------------------------------
    rc, out, err = run("export", "entries", "--key", keys["police"], "--server", url, "--format", "jsonl",
                       "-o", os.path.join(tmp, "all.jsonl"))
    check(rc == 0, "export all entries (police)", err)
    lines = json_lines(open(os.path.join(tmp, "all.jsonl")).read())
    head, entries = lines[0], lines[1:]
    origin, size, root = open_checkpoint(head["checkpoint"], vkey)
    sidecar = open(os.path.join(tmp, "all.jsonl.checkpoint")).read()
    check(sidecar == head["checkpoint"] and head["size"] == size and base64.b64decode(head["root"]) == root,
          "the header and the .checkpoint sidecar hold the checkpoint, signed by the log key", "")
    leaves = [leaf_hash(e["entry"].encode()) for e in entries]
    check([e["seq"] for e in entries] == list(range(size)) and mth(leaves) == root,
          "every entry up to the checkpoint, and they hash to its root", f"{len(entries)} entries, size {size}")
    check(all(verify_inclusion(e["seq"], size, leaf_hash(e["entry"].encode()),
                               [base64.b64decode(h) for h in e["inclusion"]], root) for e in entries),
          "every exported entry carries a valid inclusion proof", "")

    rc, out, err = run("export", "entries", "--key", keys["clerk"], "--server", url, "--participant", "cty-a",
                       "--from", at(0), "--to", at(70))
    text = out.splitlines()
    ok = rc == 0 and text[0].startswith("# vigil export entries at checkpoint vigil.clitest.example/log size ")
    rows_out = list(csv.DictReader(io.StringIO("\n".join(text[1:]) + "\n"))) if ok else []
    check(ok and [r["id"] for r in rows_out] == [res_id for res_id in ids_of(seqs_first, entries)],
          "CSV export by a business of its own entries in January: the three accepted rows",
          out[:2000] + err)
    check(all(base64.b64encode(leaf_hash(r["entry"].encode())).decode() == r["leaf_hash"] for r in rows_out),
          "each CSV row's entry bytes hash to its leaf_hash", "")
    rc, out, err = run("export", "entries", "--key", keys["clerk"], "--server", url, "--participant", "cty-b")
    check(rc == 1 and "may read only its own" in err, "a business cannot export another participant (exit 1)",
          out + err)

    # Re-import: the exported payloads of cty-a (a business's export without --participant is
    # of itself), submitted again, are all already in the log.
    rc, out, err = run("export", "entries", "--key", keys["clerk"], "--server", url, "--format", "jsonl")
    mine = [e for e in json_lines(out)[1:] if json.loads(json.loads(e["entry"])["payload"])["actor"] == "cty-a"]
    payloads = "\n".join(json.loads(e["entry"])["payload"] for e in mine) + "\n"
    rc, out2, err2 = run("submit", "--key", keys["clerk"], "--server", url, "--json", "-", stdin=payloads)
    again = json_lines(out2)
    check(rc == 0 and len(again) == len(mine) == 405 and
          [r["seq"] for r in again] == [e["seq"] for e in mine] and
          all(r["result"] == "already_in_log" for r in again),
          "re-importing the exported payloads: every one already in the log, same seqs",
          f"{len(again)} {len(mine)} {err2}")

    # Derived tables: stock by export equals vigil stock --json.
    rc, out, err = run("export", "stock", "--key", keys["police"], "--server", url, "--participant", "cty-a",
                       "--format", "jsonl")
    got = json_lines(out)
    check(rc == 0 and got[0]["vigil_export"] == "stock" and
          sorted((r["substance"], r["display"]) for r in got[1:]) ==
          sorted((s["substance"], s["display"]) for s in stock),
          "export stock matches vigil stock", out + err)
    rc, out, err = run("export", "stock", "--key", keys["police"], "--server", url, "--province", "Hải Phòng")
    check(rc == 0 and out.startswith("# vigil export stock at checkpoint") and "cty-a" not in out,
          "export stock by province leaves out other provinces", out + err)
    rc, out, err = run("export", "alerts", "--key", keys["police"], "--server", url, "--format", "jsonl")
    check(rc == 0 and json_lines(out)[0]["size"] == size_of(url), "export alerts records the current checkpoint",
          out + err)
    rc, out, err = run("export", "entries", "--key", keys["police"], "--server", url,
                       "--log-key", "vigil.other.example/log+00000000+AY4/tcGOM2HBwNFnug9pDZFY4n4Pv1zJbypRkQHT0NSP")
    check(rc != 0, "export refuses a checkpoint that does not verify with the given log key", out + err)


def ids_of(seqs_first, entries):
    by_seq = {e["seq"]: json.loads(json.loads(e["entry"])["payload"])["id"] for e in entries}
    return [by_seq[s] for s in sorted(seqs_first.values())]


if __name__ == "__main__":
    sys.exit(main())
