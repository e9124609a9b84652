#!/usr/bin/python3
"""Cost against log size from the JSON of tests/bench/scale.sh (issue 6, benchmark 6).

    /usr/bin/python3 tests/bench/plot.py OUT_DIR [--png docs/performance-scale.png]

Reads OUT_DIR/scale_<N>.json (in process) and OUT_DIR/scale_http_<N>.json (over HTTP, with the
server's memory), OUT_DIR/tree_<N>.json (proofs and hash tiles of a tree alone, e.g. at 10M),
and OUT_DIR/micro.json (vigil_bench's limits from the same `make bench`) if
present. Draws p50/p99 latency of proofs, tiles and queries against the log size (log-scale x),
bytes on disk per entry and server RSS, to the PNG; prints markdown tables on stdout.
"""
import argparse
import glob
import json
import os
import re
import sys

KINDS = [
    ("inclusion_proof", "inclusion proof"),
    ("consistency_proof", "consistency proof"),
    ("hash_tile", "hash tile (level 0)"),
    ("entry_bundle", "entry bundle"),
    ("trail_first_page", "trail, first page"),
    ("stock", "stock"),
]
TARGET_US = {  # issue 6: proofs/tiles < 1 ms in process, < 5 ms HTTP; queries < 10 ms (at 1M)
    "inclusion_proof": (1000, 5000), "consistency_proof": (1000, 5000),
    "hash_tile": (1000, 5000), "entry_bundle": (1000, 5000),
    "trail_first_page": (10000, 10000), "stock": (10000, 10000),
}


def load(out):
    runs = {}
    for path in glob.glob(os.path.join(out, "scale_*.json")):
        m = re.match(r"scale_(http_)?(\d+)\.json$", os.path.basename(path))
        if not m:
            continue
        with open(path) as f:
            runs.setdefault(int(m.group(2)), {})["http" if m.group(1) else "inproc"] = json.load(f)
    # Proofs and hash tiles at sizes too large to grow a real log to in the bench (10M): the
    # tree alone (vigil_scale_bench tree), in process only.
    for path in glob.glob(os.path.join(out, "tree_*.json")):
        m = re.match(r"tree_(\d+)\.json$", os.path.basename(path))
        if m and int(m.group(1)) not in runs:
            with open(path) as f:
                runs[int(m.group(1))] = {"inproc": json.load(f), "tree_only": True}
    return dict(sorted(runs.items()))


def mdbstat(out, n):
    """Pages per table from OUT/scale_mdbstat_<n>.txt (mdb_stat -ef -a): {table: pages}."""
    path = os.path.join(out, "scale_mdbstat_%d.txt" % n)
    if not os.path.exists(path):
        return {}
    pages, name, page_size, free = {}, None, 4096, 0
    for line in open(path):
        line = line.strip()
        m = re.match(r"Status of (.+)$", line)
        if m:
            name = m.group(1)
            pages[name] = 0
        m = re.match(r"(Branch|Leaf|Overflow) pages: (\d+)", line)
        if m and name:
            pages[name] += int(m.group(2))
        m = re.match(r"Page size: (\d+)", line)
        if m:
            page_size = int(m.group(1))
        m = re.match(r"Free pages: (\d+)", line)
        if m:
            free = int(m.group(1))
    pages.pop("Free DB", None)
    pages["(free pages)"] = free
    return {k: v * page_size for k, v in pages.items()}


def limits(out):
    path = os.path.join(out, "micro.json")
    if not os.path.exists(path):
        return {}
    with open(path) as f:
        bench = json.load(f).get("benchmarks", [])
    return {b["name"]: b.get("items_per_second") for b in bench if "items_per_second" in b}


def fmt_us(v):
    return "%.0f µs" % v if v < 1000 else "%.2f ms" % (v / 1000)


def table(runs, lim, out):
    lines = []
    if lim:
        lines.append("Limits in the same run (vigil_bench): " + ", ".join(
            "%s %s/s" % (k, "{:,.0f}".format(v)) for k, v in sorted(lim.items())
            if k.startswith("limit_") or k.startswith("writer_place")))
        lines.append("")
    sizes = list(runs)
    lines.append("| operation | where | " + " | ".join(
        "{:,}{} p50 / p99".format(n, " (tree only)" if runs[n].get("tree_only") else "") for n in sizes) +
                 " | target p99 | ratio at largest |")
    lines.append("|---|---|" + "---:|" * len(sizes) + "---:|---:|")
    for key, label in KINDS:
        for where, idx in (("in process", 0), ("HTTP", 1)):
            cells = []
            last = None
            for n in sizes:
                r = runs[n].get("inproc", {}).get("inproc", {}) if where == "in process" else runs[n].get("http", {})
                r = r.get(key)
                if not r:
                    cells.append("–")
                    continue
                cell = "%s / %s" % (fmt_us(r["p50_us"]), fmt_us(r["p99_us"]))
                if "cpu_p99_us" in r:  # thread CPU time of the same calls (scale_bench.cc)
                    cell += " (CPU %s / %s)" % (fmt_us(r["cpu_p50_us"]), fmt_us(r["cpu_p99_us"]))
                cells.append(cell)
                last = r["p99_us"]
            target = TARGET_US[key][idx]
            ratio = "%.2f" % (last / target) if last is not None else "–"
            lines.append("| %s | %s | %s | %s | %s |" % (label, where, " | ".join(cells), fmt_us(target), ratio))
    lines.append("")
    lines.append("| entries | generated records/s (Place alone) | mean entry B | data.mdb B/entry | ratio (target ≤ 2) | "
                 "allocated B/entry | server VmHWM MiB (anon / file after load) |")
    lines.append("|---:|---:|---:|---:|---:|---:|---:|")
    for n in sizes:
        ip = runs[n].get("inproc", {})
        if "storage" not in ip:
            continue
        g = ip.get("generate", {})
        s = ip.get("storage", {})
        srv = runs[n].get("http", {}).get("server", {})
        lines.append("| {:,} | {} | {:.0f} | {:.0f} | {:.2f} | {:.0f} | {} |".format(
            n, "{:,.0f} ({:,.0f})".format(g["records_per_s"], g["place_records_per_s"]) if g else "–",
            s.get("mean_entry_bytes", 0), s.get("disk_bytes_per_entry", 0), s.get("ratio_disk_to_entry", 0),
            s.get("allocated_bytes_per_entry", 0),
            "%.0f (%.0f / %.0f)" % (srv["vmhwm_kib"] / 1024, srv["rss_anon_after_kib"] / 1024,
                                    srv["rss_file_after_kib"] / 1024) if srv else "–"))
    sizes = [n for n in sizes if not runs[n].get("tree_only")]
    stats = {n: mdbstat(out, n) for n in sizes}
    if any(stats.values()):
        tables = sorted({t for v in stats.values() for t in v if v[t]})
        lines.append("")
        lines.append("Bytes on disk per entry by table (mdb_stat pages × page size ÷ entries):")
        lines.append("")
        lines.append("| table | " + " | ".join("{:,}".format(n) for n in sizes) + " |")
        lines.append("|---|" + "---:|" * len(sizes))
        for t in tables:
            lines.append("| %s | %s |" % (t, " | ".join(
                "%.0f" % (stats[n].get(t, 0) / n) if stats[n] else "–" for n in sizes)))
    return "\n".join(lines)


def plot(runs, png):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = list(runs)
    fig, axes = plt.subplots(1, 3, figsize=(17, 6))
    panels = [
        (axes[0], "Proofs and tiles: p99 (p50 dotted)", ["inclusion_proof", "consistency_proof", "hash_tile", "entry_bundle"]),
        (axes[1], "Queries: p99 (p50 dotted)", ["trail_first_page", "stock"]),
    ]
    for ax, title, keys in panels:
        for key in keys:
            label = dict(KINDS)[key]
            for where, style in (("inproc", "-o"), ("http", "--s")):
                xs, ys = [], []
                for n in sizes:
                    r = runs[n].get(where, {})
                    r = r.get("inproc", {}).get(key) if where == "inproc" else r.get(key)
                    if r:
                        xs.append(n)
                        ys.append(r["p99_us"] / 1000)
                if xs:
                    line, = ax.plot(xs, ys, style, label="%s (%s) p99" % (label, "in process" if where == "inproc" else "HTTP"))
                # In process, p50 too (thin, dotted): on a shared machine the p99 is mostly
                # preemption, the p50 shows how the work itself grows with the log.
                if where == "inproc" and xs:
                    p50 = [runs[n]["inproc"]["inproc"][key]["p50_us"] / 1000 for n in xs]
                    ax.plot(xs, p50, ":", marker=".", color=line.get_color(), lw=1,
                            label="%s (in process) p50" % label)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("log size (entries)")
        ax.set_ylabel("latency (ms)")
        ax.set_title(title)
        ax.grid(True, which="both", alpha=0.3)
        if ax is axes[0]:
            ax.axhline(1, color="grey", lw=0.8, ls=":")
            ax.axhline(5, color="grey", lw=0.8, ls="-.")
            ax.text(sizes[0], 1.05, "target in process 1 ms", fontsize=7, color="grey")
            ax.text(sizes[0], 5.25, "target HTTP 5 ms", fontsize=7, color="grey")
        else:
            ax.axhline(10, color="grey", lw=0.8, ls=":")
            ax.text(sizes[0], 10.5, "target 10 ms", fontsize=7, color="grey")
        ax.legend(fontsize=6, ncol=2 if ax is axes[0] else 1)
    ax = axes[2]
    xs = [n for n in sizes if "storage" in runs[n].get("inproc", {})]
    ax.plot(xs, [runs[n]["inproc"]["storage"]["disk_bytes_per_entry"] for n in xs], "-o", label="data.mdb bytes / entry")
    ax.plot(xs, [runs[n]["inproc"]["storage"]["mean_entry_bytes"] for n in xs], "-o", label="mean entry bytes")
    ax.plot(xs, [2 * runs[n]["inproc"]["storage"]["mean_entry_bytes"] for n in xs], ":", color="grey", label="target: 2 × entry")
    ax.set_xscale("log")
    ax.set_xlabel("log size (entries)")
    ax.set_ylabel("bytes per entry")
    ax.set_title("Storage, and server peak RSS")
    ax.grid(True, which="both", alpha=0.3)
    hx = [n for n in sizes if "server" in runs[n].get("http", {})]
    if hx:
        ax2 = ax.twinx()
        ax2.plot(hx, [runs[n]["http"]["server"]["vmhwm_kib"] / 1024 for n in hx], "--s", color="tab:red", label="server VmHWM (MiB)")
        ax2.set_ylabel("server VmHWM under load (MiB)", color="tab:red")
        ax2.legend(fontsize=7, loc="lower right")
    ax.legend(fontsize=7, loc="upper left")
    fig.suptitle("Vigil: cost against log size (make bench, %s)" % runs[sizes[-1]].get("inproc", {}).get("date", "")[:16])
    fig.tight_layout()
    fig.savefig(png, dpi=110)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("out")
    p.add_argument("--png")
    a = p.parse_args()
    runs = load(a.out)
    if not runs:
        sys.exit("plot.py: no scale_<N>.json in " + a.out)
    print(table(runs, limits(a.out), a.out))
    if a.png:
        plot(runs, a.png)
        print("\nwrote " + a.png)


if __name__ == "__main__":
    main()
