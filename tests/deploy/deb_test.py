#!/usr/bin/python3
"""The Debian package of `make deb`, built, inspected, linted, installed and run.

Usage: deb_test.py BUILD_DIR

1. Builds the package from the already built binary: the vigil_man target, then CPack DEB into
   a temporary directory (no compilation).
2. Its control data: name, version, amd64, Depends holding the shared libraries the binary
   really links (dpkg-shlibdeps) and passwd, the conffiles; `dpkg-deb -c` lists every file the
   package must hold, and a man page for every command `vigil --help` lists.
3. lintian: no error and no warning (its information tags are argued in docs/operator.md).
4. Installs it with `dpkg --root` into a throw-away root (maintainer scripts run with
   DPKG_ROOT, --force-script-chrootless): the vigil system user, /var/lib/vigil 0750 owned by
   it, the conffiles registered; a conffile edited there survives a reinstall; removing and
   purging the package keeps the data and the user.
5. The installed binary serves the demo with the installed /etc/vigil/vigil.toml; the installed
   backup-rotate keeps the newest N backups and leaves anything else alone; `vigil status`
   reads all of it (and says what needs attention when something does).
6. `systemd-analyze verify` accepts every installed unit (executables and man pages checked in
   the root), and `systemd-analyze security --offline` scores the services (printed; each must
   be below 5.0, "MEDIUM" or better).
Needs root (dpkg into a root, chown). Python 3 standard library only.
"""

import glob
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

# Lintian tags allowed: none. What lintian still says is information only (I:), argued in
# docs/operator.md ("The package and lintian"); any warning or error fails the test.
SUPPRESSED = []

failures = []
STARTED = time.time()


def check(cond, what):
    print(f"{'PASS' if cond else 'FAIL'} [{time.time() - STARTED:5.1f} s] {what}", flush=True)
    if not cond:
        failures.append(what)


def run(cmd, **kw):
    kw.setdefault("capture_output", True)
    kw.setdefault("text", True)
    return subprocess.run(cmd, **kw)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def build_package(build, out):
    r = run(["cmake", "--build", build, "--target", "vigil_man"])
    if r.returncode != 0:
        raise SystemExit("vigil_man failed:\n" + r.stdout + r.stderr)
    r = run(["cpack", "-G", "DEB", "-B", out, "--config", os.path.join(build, "CPackConfig.cmake")])
    debs = glob.glob(os.path.join(out, "vigil_*_amd64.deb"))
    if r.returncode != 0 or len(debs) != 1:
        raise SystemExit("cpack failed:\n" + r.stdout + r.stderr)
    return debs[0]


def make_root(root):
    """An empty root dpkg can install into: its database and the account files."""
    os.makedirs(os.path.join(root, "var/lib/dpkg/info"))
    os.makedirs(os.path.join(root, "var/lib/dpkg/updates"))
    os.makedirs(os.path.join(root, "var/backups"))
    for f in ("status", "available"):
        open(os.path.join(root, "var/lib/dpkg", f), "w").close()
    os.makedirs(os.path.join(root, "etc"))
    files = {"passwd": "root:x:0:0:root:/root:/bin/bash\n", "group": "root:x:0:\n",
             "shadow": "root:*:19000:0:99999:7:::\n", "gshadow": "root:*::\n"}
    for name, text in files.items():
        p = os.path.join(root, "etc", name)
        open(p, "w").write(text)
        os.chmod(p, 0o640 if "shadow" in name else 0o644)
    if os.path.exists("/etc/login.defs"):
        shutil.copy("/etc/login.defs", os.path.join(root, "etc/login.defs"))


def dpkg(root, *args):
    return run(["dpkg", f"--root={root}", "--force-script-chrootless", "--force-depends",
                "--force-not-root", "--log=/dev/null", *args], env=dict(os.environ, PATH=os.environ.get(
                    "PATH", "") + ":/usr/sbin:/sbin"))


def main():
    build = os.path.abspath(sys.argv[1])
    if os.geteuid() != 0:
        print("deb_test needs root (dpkg --root and chown into a throw-away root)")
        return 77
    tmp = tempfile.mkdtemp(prefix="vigil-deb-")
    server = None
    try:
        deb = build_package(build, os.path.join(tmp, "out"))
        check(os.path.basename(deb) == "vigil_0.1.0_amd64.deb" or
              re.fullmatch(r"vigil_[0-9.]+_amd64\.deb", os.path.basename(deb)),
              f"the package is {os.path.basename(deb)}")

        # 2. Control data and contents.
        info = run(["dpkg-deb", "-f", deb]).stdout
        fields = dict(re.findall(r"^([A-Za-z-]+): (.*)$", info, re.M))
        check(fields.get("Package") == "vigil" and fields.get("Architecture") == "amd64",
              f"Package vigil, Architecture amd64 ({fields.get('Package')}, {fields.get('Architecture')})")
        depends = fields.get("Depends", "")
        needed = ["libc6", "libstdc++6", "liblmdb0", "libsodium23", "libicu72", "passwd"]
        check(all(re.search(rf"\b{re.escape(d)}\b", depends) for d in needed),
              f"Depends names the linked libraries and passwd: {depends}")
        # Every shared library the binary links directly (its NEEDED entries; ldd resolves
        # them) comes from a package in Depends, by name or by what it Provides.
        vigil_bin = os.path.join(build, "bin", "vigil")
        needed_libs = re.findall(r"NEEDED\s+(\S+)", run(["objdump", "-p", vigil_bin]).stdout)
        resolved = dict(re.findall(r"^\s*(\S+) => (/\S+)", run(["ldd", vigil_bin]).stdout, re.M))
        dep_names = {re.split(r"[ (]", d.strip())[0] for d in re.split(r"[,|]", depends)}
        uncovered = []
        for lib in needed_libs:
            path = resolved.get(lib, lib)
            r = run(["dpkg", "-S", path])
            if r.returncode != 0:
                r = run(["dpkg", "-S", os.path.realpath(path)])
            pkg = r.stdout.split(":")[0] if r.returncode == 0 else ""
            provides = run(["dpkg-query", "-W", "-f", "${Provides}", pkg]).stdout if pkg else ""
            names = {pkg} | {re.split(r"[ (]", p.strip())[0] for p in provides.split(",")}
            if not names & dep_names:
                uncovered.append(f"{lib} ({pkg or 'no package'})")
        check(len(needed_libs) >= 5 and not uncovered,
              f"each of the {len(needed_libs)} libraries linked comes from a package in "
              f"Depends; not covered: {uncovered}")
        ctrl = os.path.join(tmp, "control")
        run(["dpkg-deb", "-e", deb, ctrl], check=True)
        conffiles = open(os.path.join(ctrl, "conffiles")).read().split()
        check("/etc/vigil/vigil.toml" in conffiles, f"conffiles: {conffiles}")
        listing = run(["dpkg-deb", "-c", deb]).stdout
        paths = {line.split()[-1].lstrip(".") for line in listing.splitlines()}
        must = ["/usr/bin/vigil", "/usr/share/man/man1/vigil.1.gz",
                "/usr/share/man/man1/vigil-serve.1.gz", "/usr/share/man/man1/vigil-status.1.gz",
                "/usr/share/man/man1/vigil-register-participant.1.gz",
                "/usr/share/doc/vigil/README.md", "/usr/share/doc/vigil/operator.md",
                "/usr/share/doc/vigil/copyright", "/usr/share/doc/vigil/changelog.gz",
                "/usr/share/doc/vigil/examples/nginx/vigil.conf",
                "/usr/share/doc/vigil/examples/nginx/vigil-proxy.conf",
                "/usr/libexec/vigil/backup-rotate", "/usr/libexec/vigil/monitor-run",
                "/etc/vigil/vigil.toml", "/etc/vigil/witness.toml", "/etc/vigil/mirror.toml",
                "/etc/vigil/monitor.toml"]
        units = ["vigil.service", "vigil-witness.service", "vigil-mirror.service",
                 "vigil-backup.service", "vigil-backup.timer", "vigil-monitor.service",
                 "vigil-monitor.timer"]
        must += [f"/lib/systemd/system/{u}" for u in units]
        missing = [p for p in must if p not in paths]
        check(not missing, f"dpkg-deb -c lists every file it must ({len(must)}); missing: {missing}")
        top = run([vigil_bin, "--help"]).stdout
        commands = re.findall(r"^  ([a-z][a-z-]*) ", top.split("Subcommands:", 1)[-1], re.M)
        no_page = [c for c in commands if f"/usr/share/man/man1/vigil-{c}.1.gz" not in paths]
        check(len(commands) >= 10 and not no_page,
              f"a man page for each of the {len(commands)} commands; missing: {no_page}")
        mode = next((line.split()[0] for line in listing.splitlines()
                     if line.endswith("./usr/bin/vigil")), "")
        check(mode == "-rwxr-xr-x" and " root/root " in listing,
              f"/usr/bin/vigil is -rwxr-xr-x root/root ({mode})")

        # 3. lintian.
        r = run(["lintian", "--tag-display-limit", "0", "--display-info",
                 *(["--suppress-tags", ",".join(SUPPRESSED)] if SUPPRESSED else []),
                 "--fail-on", "error,warning", deb])
        tags = [line for line in r.stdout.splitlines() if re.match(r"^[EW]: ", line)]
        check(r.returncode == 0 and not tags, f"lintian: no error or warning {tags[:10]}")
        infos = [line for line in r.stdout.splitlines() if line.startswith("I: ")]
        print("lintian info:", *infos[:10], sep="\n  ")

        # 4. Install into a throw-away root.
        root = os.path.join(tmp, "root")
        make_root(root)
        r = dpkg(root, "-i", deb)
        check(r.returncode == 0, f"dpkg --root -i: exit {r.returncode} {r.stderr.strip()[-400:]}")
        installed = os.path.join(root, "usr/bin/vigil")
        check(os.access(installed, os.X_OK), "/usr/bin/vigil is installed and executable")
        pw = [line.split(":") for line in open(os.path.join(root, "etc/passwd"))]
        user = next((p for p in pw if p[0] == "vigil"), None)
        check(user is not None and int(user[2]) < 1000 and user[5] == "/var/lib/vigil" and
              user[6].strip() == "/usr/sbin/nologin",
              f"postinst made the vigil system user: {user}")
        st = os.stat(os.path.join(root, "var/lib/vigil"))
        check(user is not None and st.st_uid == int(user[2]) and (st.st_mode & 0o777) == 0o750,
              f"/var/lib/vigil is 0750 and the vigil user's ({oct(st.st_mode & 0o777)}, uid {st.st_uid})")
        modes = {d: oct(os.stat(os.path.join(root, d)).st_mode & 0o777) if
                 os.path.isdir(os.path.join(root, d)) else None
                 for d in ("var/backups/vigil", "var/lib/vigil-witness", "var/lib/vigil-mirror",
                           "var/lib/vigil-monitor", "var/lib/vigil-publish", "etc/vigil")}
        want = {d: "0o750" for d in modes}
        want["var/lib/vigil-publish"] = "0o755"
        check(modes == want, f"postinst's other directories and their modes: {modes}")
        status = open(os.path.join(root, "var/lib/dpkg/status")).read()
        check("Status: install ok installed" in status and " /etc/vigil/vigil.toml " in status,
              "dpkg records the package installed with its conffiles")
        conf = os.path.join(root, "etc/vigil/vigil.toml")
        open(conf, "a").write("\n# edited by the operator\n")
        r = dpkg(root, "--force-confold", "-i", deb)
        check(r.returncode == 0 and "# edited by the operator" in open(conf).read(),
              "a reinstall keeps the operator's edit of the conffile")
        r = dpkg(root, "-i", deb)  # the second run of postinst must not fail (user exists)
        check(r.returncode == 0 and sum(1 for line in open(os.path.join(root, "etc/passwd"))
                                        if line.startswith("vigil:")) == 1,
              "postinst is idempotent: one vigil user after three installs")

        # 5. The installed binary serves the demo with the installed configuration.
        data = os.path.join(root, "var/lib/vigil")
        r = run([installed, "init", "--data", data, "--origin", "vigil.deb-test.example/log",
                 "--province", "Hà Nội"])
        check(r.returncode == 0, f"installed vigil init: {r.stderr.strip()}")
        r = run([installed, "demo", "--data", data, "--offline"])
        check(r.returncode == 0, f"installed vigil demo --offline: {r.stderr.strip()[-300:]}")
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        server = subprocess.Popen([installed, "--config", conf, "serve", "--data", data,
                                   "--listen", f"127.0.0.1:{port}"],
                                  stdout=open(os.path.join(tmp, "serve.log"), "w"),
                                  stderr=subprocess.STDOUT)
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        code, body = get(url + "/checkpoint")
        size = int(body.decode().split("\n")[1]) if code == 200 else 0
        check(code == 200 and size > 50, f"the installed binary serves the demo: size {size}")
        code, body = get(url + "/v1/log")
        check(code == 200 and b"vigil.deb-test.example/log" in body, "GET /v1/log")

        backups = os.path.join(root, "var/backups/vigil")
        os.makedirs(os.path.join(backups, "vigil-20000101T000000Z.partial.99"))
        open(os.path.join(backups, "notes.txt"), "w").write("mine\n")
        rotate = os.path.join(root, "usr/libexec/vigil/backup-rotate")
        env = dict(os.environ, VIGIL=installed, VIGIL_DATA=data, VIGIL_BACKUP_DIR=backups,
                   VIGIL_BACKUP_KEEP="2")
        for i in range(3):
            r = run([rotate], env=env)
            check(r.returncode == 0, f"backup-rotate run {i + 1}: exit {r.returncode} "
                  f"{r.stderr.strip()[-200:]}")
            time.sleep(1.05)  # names have one-second resolution
        kept = sorted(d for d in os.listdir(backups) if re.fullmatch(r"vigil-\d{8}T\d{6}Z", d))
        check(len(kept) == 2, f"backup-rotate keeps the newest 2: {kept}")
        check(os.path.isdir(os.path.join(backups, "vigil-20000101T000000Z.partial.99")) and
              os.path.exists(os.path.join(backups, "notes.txt")),
              "backup-rotate leaves anything that is not one of its backups alone")
        r = run([rotate], env=dict(env, VIGIL_BACKUP_KEEP="0"))
        check(r.returncode == 2 and len(os.listdir(backups)) == 4,
              "VIGIL_BACKUP_KEEP=0 is refused and nothing is made or deleted")
        r = run([rotate], env=dict(env, VIGIL_DATA=os.path.join(tmp, "nothing")))
        check(r.returncode != 0 and sorted(d for d in os.listdir(backups)
                                           if re.fullmatch(r"vigil-\d{8}T\d{6}Z", d)) == kept,
              f"a failed backup deletes no old one (exit {r.returncode})")

        r = run([installed, "--config", conf, "status", "--data", data, "--server", url,
                 "--backups", backups])
        out = r.stdout
        check(r.returncode == 0 and "no witnesses configured" in out and
              f"{size} entries" in out and "writer queue 0" in out and kept[-1] in out and
              "ok: nothing needs attention" in out, f"vigil status, all well:\n{out}{r.stderr}")
        r = run([installed, "status", "--data", data, "--server", url, "--backups", backups,
                 "--backup-max-age", "0.0001", "--json"])
        j = json.loads(r.stdout) if r.stdout.startswith("{") else {}
        check(r.returncode == 1 and not j.get("ok") and
              any("newest backup" in a for a in j.get("attention", [])),
              f"vigil status: an old backup needs attention (exit {r.returncode})")
        # monitor-run: one monitor run, its exit status to the journal (ours) and a metric file.
        vkey = json.loads(get(url + "/v1/log")[1]).get("verifier_key", "")
        mconf = os.path.join(tmp, "monitor.toml")
        open(mconf, "w").write(f'[verify]\nserver = "{url}"\nstate = "{tmp}/monitor.state"\n'
                               f'vkey = "{vkey}"\n'
                               f'reader-key = "{data}/keys/authority.key"\n')
        prom = os.path.join(tmp, "metrics", "vigil_monitor.prom")
        menv = dict(os.environ, VIGIL=installed, VIGIL_MONITOR_CONFIG=mconf,
                    VIGIL_MONITOR_METRICS=prom)
        monitor = os.path.join(root, "usr/libexec/vigil/monitor-run")
        r = run([monitor], env=menv)
        text = open(prom).read() if os.path.exists(prom) else ""
        ok_at = re.search(r"^vigil_monitor_last_success_timestamp_seconds (\d+)$", text, re.M)
        check(r.returncode == 0 and "vigil_monitor_last_exit 0\n" in text and ok_at and
              int(ok_at.group(1)) > 0, f"monitor-run verifies the log and says so in the metric "
              f"file (exit {r.returncode}) {r.stdout.strip()} {r.stderr.strip()[-200:]}")
        server.terminate()
        server.wait(timeout=30)
        server = None
        r = run([monitor], env=menv)
        text = open(prom).read() if os.path.exists(prom) else ""
        check(r.returncode == 2 and "vigil_monitor_last_exit 2\n" in text and ok_at and
              f"vigil_monitor_last_success_timestamp_seconds {ok_at.group(1)}\n" in text,
              f"monitor-run against a stopped server: exit {r.returncode}, the metric says 2 "
              f"and keeps the last success")
        r = run([installed, "status", "--data", data, "--server", url, "--backups", backups])
        check(r.returncode == 1 and "attention: the server at" in r.stdout,
              f"vigil status: a server that does not answer needs attention (exit {r.returncode})")

        # The upgrade check of docs/operator.md ("Upgrading"): a new binary run against a copy
        # of the newest backup whose store is of another format says so, and changes nothing.
        old = os.path.join(tmp, "old-format")
        shutil.copytree(os.path.join(backups, kept[-1]), old)
        shutil.copy2(os.path.join(data, "keys", "log.key"), os.path.join(old, "keys"))
        dump = ("VERSION=3\nformat=print\ndatabase=meta\ntype=btree\nHEADER=END\n"
                " format\n 3\nDATA=END\n")
        r = run(["mdb_load", "-s", "meta", os.path.join(old, "store")], input=dump)
        check(r.returncode == 0, f"the copy's store now says format 3 {r.stderr.strip()}")
        before = open(os.path.join(old, "store", "data.mdb"), "rb").read()
        r = run([installed, "status", "--data", old])
        m = re.search(r"the store has format 3 but this vigil reads format (\d+)", r.stdout)
        check(r.returncode == 1 and m and "Upgrading" in r.stdout,
              f"vigil status on a store of an older format names the formats and the procedure "
              f"(exit {r.returncode}): {r.stdout.strip().splitlines()[0] if r.stdout else ''}")
        r = run([installed, "serve", "--data", old, "--listen", f"127.0.0.1:{free_port()}"],
                timeout=30)
        check(r.returncode == 2 and "the store has format 3" in r.stderr and
              open(os.path.join(old, "store", "data.mdb"), "rb").read() == before,
              f"vigil serve refuses it (exit {r.returncode}) and the store is unchanged")

        # 6. systemd units, in the root (executables are looked up there). The units they name
        # (sysinit.target, network.target, ...) are the host's systemd's, copied into the root
        # where a system's own would be.
        shutil.copytree("/lib/systemd/system", os.path.join(root, "usr/lib/systemd/system"),
                        symlinks=True)
        unit_paths = [os.path.join(root, "lib/systemd/system", u) for u in units]
        r = run(["systemd-analyze", "verify", f"--root={root}", "--man=no", *unit_paths])
        check(r.returncode == 0 and not r.stdout.strip() and not r.stderr.strip(),
              f"systemd-analyze verify: {(r.stdout + r.stderr).strip()}")
        # ...which is not a check that passes anything: a unit whose program is missing fails.
        bad = os.path.join(root, "etc/systemd/system/vigil-bad.service")
        os.makedirs(os.path.dirname(bad), exist_ok=True)
        open(bad, "w").write(open(unit_paths[0]).read().replace(
            "ExecStart=/usr/bin/vigil ", "ExecStart=/usr/bin/vigil-missing "))
        r = run(["systemd-analyze", "verify", f"--root={root}", "--man=no", bad])
        check(r.returncode != 0 and "vigil-missing" in r.stdout + r.stderr,
              "systemd-analyze verify fails a unit whose ExecStart is missing")
        os.remove(bad)
        for u in units:
            page = {"vigil.service": "vigil-serve", "vigil-backup.service": "vigil-backup",
                    "vigil-monitor.service": "vigil-verify"}.get(u)
            if page:
                check(os.path.exists(os.path.join(root, f"usr/share/man/man1/{page}.1.gz")),
                      f"{u}'s Documentation= man page {page}(1) is installed")
        for u in [u for u in units if u.endswith(".service")]:
            r = run(["systemd-analyze", "security", "--offline=yes", f"--root={root}",
                     "--no-pager", os.path.join(root, "lib/systemd/system", u)])
            m = re.search(r"Overall exposure level for \S+: ([0-9.]+) (\S+)", r.stdout)
            score = float(m.group(1)) if m else 99
            check(score < 5.0, f"systemd-analyze security {u}: {m.group(1) if m else '?'} "
                  f"{m.group(2) if m else r.stderr.strip()[-200:]}")

        # Removing and purging keep the data and the user.
        r = dpkg(root, "--purge", "vigil")
        check(r.returncode == 0 and not os.path.exists(installed) and
              os.path.exists(os.path.join(data, "store", "data.mdb")) and
              not os.path.exists(conf) and
              any(line.startswith("vigil:") for line in open(os.path.join(root, "etc/passwd"))),
              f"purge removes the program and conffiles, keeps the log and the user "
              f"{r.stderr.strip()[-300:]}")
    finally:
        if server and server.poll() is None:
            server.terminate()
            server.wait(timeout=30)
        if failures:
            print(f"kept {tmp} for inspection")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print(f"{len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
