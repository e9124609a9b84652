"""Integration test of passphrase-protected key files and the offline authority key, driving
the real `vigil` binary (docs/operator.md "The authority key, made offline").

Usage: keyfile_test.py PATH_TO_VIGIL

`vigil keygen --passphrase` with VIGIL_PASSPHRASE and on a terminal (echo off); the clear errors with no passphrase source,
a wrong passphrase and a symbolic link; `vigil genesis` reading the passphrase from
--passphrase-fd; `vigil init --authority-pub --genesis` (no authority secret on the server, and
a genesis signed by another key refused); then a real `vigil serve` where the protected key
registers a participant and reads. Python 3 standard library only. The server is always stopped.
"""

import json
import os
import pty
import select
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
import urllib.request

VIGIL = os.path.abspath(sys.argv[1])
FAILURES = []
PASS = "mật khẩu đúng 123"


def check(cond, what, detail=""):
    if cond:
        print(f"ok   {what}")
    else:
        print(f"FAIL {what}\n     {detail}")
        FAILURES.append(what)


def run(*args, env=None, pass_fds=(), passphrase=PASS):
    """Runs vigil without a controlling terminal (a new session), so nothing can prompt."""
    e = {k: v for k, v in os.environ.items() if not k.startswith("VIGIL_")}
    if passphrase is not None:
        e["VIGIL_PASSPHRASE"] = passphrase
    e.update(env or {})
    p = subprocess.run([VIGIL, *args], capture_output=True, text=True, env=e, timeout=120,
                       stdin=subprocess.DEVNULL, start_new_session=True, pass_fds=pass_fds)
    return p.returncode, p.stdout, p.stderr


def pipe_with(text):
    r, w = os.pipe()
    os.write(w, text.encode())
    os.close(w)
    return r


def on_terminal(args, answers):
    """Runs vigil on a new pseudo-terminal, typing each answer after a prompt ending in ':'.
    Returns (exit code, everything the terminal showed)."""
    pid, fd = pty.fork()
    if pid == 0:
        env = {k: v for k, v in os.environ.items() if not k.startswith("VIGIL_")}
        os.execve(VIGIL, [VIGIL, *args], env)
    shown, typed = b"", 0
    while True:
        ready, _, _ = select.select([fd], [], [], 30)
        if not ready:
            break
        try:
            chunk = os.read(fd, 1024)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        shown += chunk
        if typed < len(answers) and shown.rstrip().endswith(b":"):
            time.sleep(0.1)  # typed after the prompt, as a person would (echo is off by then)
            os.write(fd, answers[typed].encode() + b"\n")
            typed += 1
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), shown.decode(errors="replace")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    tmp = tempfile.mkdtemp(prefix="vigil-keyfile-test-")
    offline = os.path.join(tmp, "offline")
    os.mkdir(offline, 0o700)
    authority = os.path.join(offline, "authority.key")

    # ---- keygen --passphrase -------------------------------------------------------------
    rc, out, err = run("keygen", "--passphrase", "--out", authority)
    check(rc == 0 and "passphrase-protected" in out, "keygen --passphrase with VIGIL_PASSPHRASE", out + err)
    with open(authority) as f:
        text = f.read()
    check(text.startswith("vigil-ed25519-seed-v2-argon2id ") and len(text) == 31 + 172 + 1,
          "the file is one v2 line of 128 bytes of base64", text)
    check(stat.S_IMODE(os.stat(authority).st_mode) == 0o600, "mode 0600")
    check(os.path.exists(authority + ".pub"), "the .pub is written beside it")

    rc, out, err = run("keygen", "--passphrase", "--out", os.path.join(tmp, "none.key"), passphrase=None)
    check(rc == 2 and "VIGIL_PASSPHRASE" in err and "--passphrase-fd" in err and
          not os.path.exists(os.path.join(tmp, "none.key")),
          "keygen --passphrase with no source and no terminal: exit 2, says where to give it", err)
    rc, out, err = run("keygen", "--passphrase", "--kdf", "huge", "--out", os.path.join(tmp, "huge.key"))
    check(rc == 2, "keygen --kdf accepts only standard, moderate, sensitive", err)
    rc, out, err = run("keygen", "--kdf", "moderate", "--out", os.path.join(tmp, "plain.key"))
    check(rc == 2 and not os.path.exists(os.path.join(tmp, "plain.key")), "keygen --kdf needs --passphrase", err)

    # ---- keygen --from: an existing plain key sealed, same key id ----------------------------
    old = os.path.join(tmp, "old.key")
    rc, out_old, err = run("keygen", "--out", old)
    assert rc == 0, err
    rc, out, err = run("keygen", "--from", old, "--passphrase", "--out", os.path.join(tmp, "sealed.key"))
    key_id = lambda o: [l for l in o.splitlines() if l.startswith("key id:")]
    check(rc == 0 and key_id(out) == key_id(out_old) and "passphrase-protected" in out,
          "keygen --from --passphrase seals an existing key (same key id)", out + err)

    # ---- the terminal: asked with echo off, twice for a new key ----------------------------
    typed = os.path.join(tmp, "typed.key")
    rc, shown = on_terminal(["keygen", "--passphrase", "--out", typed], ["gõ trên bàn phím", "gõ trên bàn phím"])
    check(rc == 0 and "New passphrase for" in shown and "Same passphrase again" in shown and
          "gõ trên" not in shown, "keygen --passphrase on a terminal: asked twice, never echoed", shown)
    rc, shown = on_terminal(["keygen", "--passphrase", "--out", os.path.join(tmp, "typo.key")], ["một", "hai"])
    check(rc == 2 and "differ" in shown and not os.path.exists(os.path.join(tmp, "typo.key")),
          "two different passphrases: exit 2, nothing written", shown)
    rc, shown = on_terminal(["genesis", "--key", typed, "--out", os.path.join(tmp, "typed.json"),
                             "--origin", "vigil.keytest.example/log"],
                            ["gõ trên bàn phím"])
    check(rc == 0 and "Passphrase for " + typed in shown and os.path.exists(os.path.join(tmp, "typed.json")),
          "a command asks a protected key's passphrase on the terminal", shown)

    # ---- genesis, offline ------------------------------------------------------------------
    genesis = os.path.join(offline, "genesis.json")
    args = ("genesis", "--key", authority, "--out", genesis, "--origin", "vigil.keytest.example/log",
            "--authority-id", "ca-hanoi",
            "--authority-name", "Công an TP Hà Nội", "--province", "Hà Nội")
    rc, out, err = run(*args, passphrase="sai rồi")
    check(rc == 2 and "wrong passphrase or damaged file" in err and not os.path.exists(genesis),
          "a wrong passphrase: exit 2, 'wrong passphrase or damaged file'", err)
    rc, out, err = run(*args, passphrase=None)
    check(rc == 2 and "passphrase-protected" in err and "VIGIL_PASSPHRASE" in err,
          "no passphrase source: exit 2 naming VIGIL_PASSPHRASE, --passphrase-fd, the terminal", err)
    fd = pipe_with(PASS + "\n")
    try:
        rc, out, err = run("--passphrase-fd", str(fd), *args, pass_fds=(fd,), passphrase=None)
    finally:
        os.close(fd)
    check(rc == 0 and os.path.exists(genesis), "vigil --passphrase-fd N genesis signs entry 0 offline", out + err)

    link = os.path.join(tmp, "link.key")
    os.symlink(authority, link)
    rc, out, err = run("genesis", "--key", link, "--out", os.path.join(tmp, "g2.json"),
                       "--origin", "vigil.keytest.example/log")
    check(rc == 2 and "symbolic link" in err, "a symbolic link to a key file is refused", err)

    # ---- init on the server from the public key and the signed genesis ---------------------
    other = os.path.join(tmp, "other.key")
    rc, out, err = run("keygen", "--out", other)
    assert rc == 0, err
    data_bad = os.path.join(tmp, "bad")
    rc, out, err = run("init", "--data", data_bad, "--origin", "vigil.keytest.example/log",
                       "--authority-pub", other + ".pub", "--genesis", genesis)
    check(rc == 2 and "not by the authority key" in err and not os.path.exists(data_bad),
          "init refuses a genesis not signed by --authority-pub, before creating anything", err)
    rc, out, err = run("init", "--data", data_bad, "--origin", "vigil.keytest.example/log",
                       "--authority-pub", authority + ".pub")
    check(rc == 2 and not os.path.exists(data_bad), "--authority-pub alone is refused (needs --genesis)", err)

    data = os.path.join(tmp, "data")
    rc, out, err = run("init", "--data", data, "--origin", "vigil.keytest.example/log",
                       "--authority-pub", authority + ".pub", "--genesis", genesis, passphrase=None)
    check(rc == 0 and "made offline" in out and "ca-hanoi" in out, "init --authority-pub --genesis", out + err)
    check(not os.path.exists(os.path.join(data, "keys", "authority.key")) and
          os.path.exists(os.path.join(data, "keys", "authority.pub")),
          "no authority secret on the server; its public key is kept")

    # ---- serve, and use the protected key --------------------------------------------------
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = open(os.path.join(tmp, "server.log"), "w")
    server = subprocess.Popen([VIGIL, "serve", "--data", data, "--listen", f"127.0.0.1:{port}"],
                              stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                              start_new_session=True)
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(url + "/healthz", timeout=2).read()
                break
            except OSError:
                time.sleep(0.05)
        info = json.loads(urllib.request.urlopen(url + "/v1/log", timeout=5).read())
        check(info["size"] == 1 and info.get("jurisdiction", {}).get("province") == "Hà Nội",
              "the log holds the offline genesis (size 1, its jurisdiction)", str(info))

        clerk = os.path.join(tmp, "clerk.key")
        rc, out, err = run("keygen", "--passphrase", "--out", clerk, passphrase="khác")
        assert rc == 0, err
        rc, out, err = run("register", "participant", "--key", authority, "--server", url,
                           "--id", "cty-a", "--role", "business", "--name", "Công ty TNHH Hóa chất A",
                           "--tax-code", "0101234567", "--province", "Hà Nội",
                           "--public-key", clerk + ".pub")
        check(rc == 0 and "appended as entry 1" in out,
              "the protected authority key registers a participant (VIGIL_PASSPHRASE)", out + err)
        fd = pipe_with(PASS)
        try:
            rc, out, err = run("participants", "--key", authority, "--server", url, "--json",
                               "--passphrase-fd", str(fd), pass_fds=(fd,), passphrase=None)
        finally:
            os.close(fd)
        check(rc == 0 and "cty-a" in out,
              "the protected key signs a read, --passphrase-fd after the subcommand", out + err)
        rc, out, err = run("participants", "--key", clerk, "--server", url, "--json", passphrase=PASS)
        check(rc == 2 and "wrong passphrase" in err, "a wrong passphrase on a read: exit 2", err)
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


if __name__ == "__main__":
    sys.exit(main())
