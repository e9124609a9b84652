#!/usr/bin/python3
"""Keyless abuse of a running `vigil serve` (tests/stress/abuse.sh), and a timed normal client.

Attackers (threads, plain sockets, reconnecting whenever the server cuts them off):
  idle       100 connections from 127.0.3.1-10 that never send a byte
  slowloris  100 connections from 127.0.3.11-20 that send a header line every 2 s
  one_addr   48 connections from 127.0.4.1 (the per-address cap is 32; 0.2 s after a 503)
  bomb       header bombs of 2,000,000 fields (23 MiB), one every --bomb-pause seconds
  no_body    POSTs announcing 200 KiB of body that never comes
  no_read    pipelined requests for the explorer script (80 KB) whose answers are never read
The normal client opens a fresh connection from 127.0.0.1 every 50 ms for GET /checkpoint.
Prints one JSON object: what each attacker saw (answers by status), the normal client's
latencies, and the server's RSS (VmRSS of --pid) at the start and its peak.
"""
import argparse
import collections
import json
import socket
import threading
import time

P = argparse.ArgumentParser()
P.add_argument("--port", type=int, required=True)
P.add_argument("--pid", type=int, required=True)
P.add_argument("--seconds", type=int, default=60)
P.add_argument("--bomb-pause", type=float, default=0.05,
               help="seconds between header bombs (0: as fast as the server refuses them)")
P.add_argument("--attack", type=int, default=1, help="0: only the normal client (baseline)")
ARGS = P.parse_args()
END = time.monotonic() + ARGS.seconds
SEEN = collections.Counter()
LOCK = threading.Lock()
CUT_AFTER = []  # seconds until the server closed a never-reading connection


def count(kind, what):
    with LOCK:
        SEEN[f"{kind}:{what}"] += 1


def connect(src, timeout=5.0):
    s = socket.socket()
    s.settimeout(timeout)
    s.bind((src, 0))
    s.connect(("127.0.0.1", ARGS.port))
    return s


def status_of(data):
    return data[9:12].decode() if data.startswith(b"HTTP/1.1 ") else "none"


def rss():
    try:
        for line in open(f"/proc/{ARGS.pid}/status"):
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def holder(kind, src, trickle):
    """One connection held open for as long as the server allows, then again."""
    while time.monotonic() < END:
        try:
            s = connect(src)
        except OSError:
            count(kind, "connect_failed")
            time.sleep(0.5)
            continue
        s.setblocking(False)
        if trickle:
            s.sendall(b"GET /checkpoint HTTP/1.1\r\nHost: x\r\n")
        last = time.monotonic()
        i = 0
        answer = b""
        while time.monotonic() < END:
            time.sleep(0.2)
            try:
                data = s.recv(4096)
                if not data:
                    break
                answer += data
            except BlockingIOError:
                pass
            except OSError:
                break
            if trickle and time.monotonic() - last >= 2:
                try:
                    s.send(f"X-{i}: y\r\n".encode())
                except OSError:
                    break
                i += 1
                last = time.monotonic()
        count(kind, status_of(answer) if answer else "closed")
        s.close()
        if answer.startswith(b"HTTP/1.1 503"):
            time.sleep(0.2)


def bomb():
    line = b"X: y\r\n"
    chunk = b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + line * ((1 << 20) // len(line))
    while time.monotonic() < END:
        try:
            s = connect("127.0.5.1")
            sent = 0
            try:
                while sent < 23 << 20:
                    s.sendall(chunk)
                    sent += len(chunk)
            except OSError:
                pass
            try:
                data = s.recv(4096)
            except OSError:
                data = b""
            count("bomb", status_of(data))
            s.close()
            time.sleep(ARGS.bomb_pause)
        except OSError:
            count("bomb", "connect_failed")
            time.sleep(0.2)


def no_body():
    while time.monotonic() < END:
        try:
            s = connect("127.0.5.2", timeout=40)
            s.sendall(b"POST /v1/entries HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                      b"Content-Length: 204800\r\n\r\n{")
            data = s.recv(4096)
            count("no_body", status_of(data))
            s.close()
        except OSError:
            count("no_body", "error")


def no_read():
    while time.monotonic() < END:
        try:
            s = connect("127.0.5.3", timeout=30)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            try:
                s.sendall(b"GET /web/app.js HTTP/1.1\r\nHost: x\r\n\r\n" * 2000)
            except OSError:
                pass
            # Never read; wait until the server gives up on us (our side sees its FIN: the
            # socket is in CLOSE_WAIT, tcpi_state 8, with the unread answers still queued).
            start = time.monotonic()
            while time.monotonic() < END:
                time.sleep(0.5)
                if s.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 1)[0] in (7, 8):
                    break
            else:
                count("no_read", "still_open_at_end")
                s.close()
                continue
            with LOCK:
                CUT_AFTER.append(round(time.monotonic() - start, 1))
            count("no_read", "cut_off")
            s.close()
        except OSError:
            count("no_read", "error")


def normal(lat, failed):
    time.sleep(2)  # the attack is in place first
    while time.monotonic() < END - 1:
        start = time.monotonic()
        try:
            s = connect("127.0.0.1", timeout=5)
            s.sendall(b"GET /checkpoint HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            data = b""
            while True:
                d = s.recv(65536)
                if not d:
                    break
                data += d
            s.close()
            if status_of(data) != "200":
                failed.append(status_of(data))
            else:
                lat.append((time.monotonic() - start) * 1000)
        except OSError as e:
            failed.append(str(e))
        time.sleep(max(0, 0.05 - (time.monotonic() - start)))


def pct(v, p):
    v = sorted(v)
    return round(v[min(len(v) - 1, int(len(v) * p / 100))], 2) if v else None


rss_start = rss()
rss_peak = [rss_start]
threads = []
for i in range(100 if ARGS.attack else 0):
    threads.append(threading.Thread(target=holder, args=("idle", f"127.0.3.{1 + i // 10}", False)))
for i in range(100 if ARGS.attack else 0):
    threads.append(threading.Thread(target=holder, args=("slowloris", f"127.0.3.{11 + i // 10}", True)))
for i in range(48 if ARGS.attack else 0):
    threads.append(threading.Thread(target=holder, args=("one_addr", "127.0.4.1", False)))
if ARGS.attack:
    threads += [threading.Thread(target=bomb), threading.Thread(target=no_body),
                threading.Thread(target=no_read)]
lat, failed = [], []
threads.append(threading.Thread(target=normal, args=(lat, failed)))
for t in threads:
    t.daemon = True
    t.start()
while time.monotonic() < END:
    time.sleep(1)
    rss_peak[0] = max(rss_peak[0], rss())
for t in threads:
    t.join(timeout=45)
print(json.dumps({
    "attack": dict(sorted(SEEN.items())),
    "normal": {"n": len(lat), "failed": len(failed), "first_failures": failed[:5],
               "p50_ms": pct(lat, 50), "p99_ms": pct(lat, 99),
               "max_ms": round(max(lat), 2) if lat else None},
    "no_read_cut_after_s": CUT_AFTER[:10],
    "rss_kib": {"start": rss_start, "peak": rss_peak[0]},
}))
