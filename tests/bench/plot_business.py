#!/usr/bin/python3
"""CPU per record against ONE busy business's prior records (issue 18), from ingest.sh's JSON.

    /usr/bin/python3 tests/bench/plot_business.py OUT_DIR/ingest_business.json \\
        [--png docs/performance-business.png]

For each workload measured at each point (honest single appends, the dishonest-but-valid mix,
honest through the batch route) draws the server's CPU µs per record (flat is the goal) and
records/s as a fraction of one core's Ed25519 rate measured in the same run; prints a markdown
table on stdout. Without matplotlib it prints the table only.
"""
import argparse
import json

WORKLOADS = [("business", "honest, single appends"), ("mixed", "dishonest-but-valid mix"),
             ("batch", "honest, batch route (1000 a request)")]


def Ratio(run, ed):
    """records/s over one core's Ed25519 rate: measured around the run when it was (ingest.sh
    brackets each run), else the rate of the business part's start (`ed`)."""
    return run.get("ratio_to_ed25519", run["records_per_s"] / ed)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("json")
    ap.add_argument("--png")
    a = ap.parse_args()
    d = json.load(open(a.json))
    ed = d["limits"]["ed25519_verify_per_s_one_core"]
    print("limits of the run: one core %d Ed25519 verifications/s, %d durable LMDB commits/s\n"
          % (ed, d["limits"]["lmdb_durable_commits_per_s"]))
    print("| prior records | workload | records/s | ÷ one core's Ed25519 | server CPU µs/record "
          "| client CPU µs/record | p50 ms | p99 ms | mean batch |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|---:|")
    for row in d["points"]:
        for w, name in WORKLOADS + [("business_half", "honest, half rate"),
                                    ("mixed_half", "mix, half rate")]:
            r = row.get(w)
            if r is None:
                continue
            print("| %d | %s | %.0f | %.2f | %.1f | %.1f | %.2f | %.2f | %.1f |" % (
                r.get("business_records_before", row["prior_records"]), name, r["records_per_s"],
                Ratio(r, ed), r["server_cpu_us_per_record"],
                r["client_cpu_us_per_record"], r["latency_ms"]["p50"], r["latency_ms"]["p99"],
                r["mean_batch"]))
    if not a.png:
        return
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("(matplotlib missing: no plot)")
        return
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
    for w, name in WORKLOADS:
        pts = [(row[w].get("business_records_before", row["prior_records"]), row[w])
               for row in d["points"] if w in row]
        if not pts:
            continue
        xs = [p for p, _ in pts]
        ax1.plot(xs, [r["server_cpu_us_per_record"] for _, r in pts], "o-", label=name)
        ax2.plot(xs, [Ratio(r, ed) for _, r in pts], "o-", label=name)
    for ax in (ax1, ax2):
        ax.set_xscale("log")
        ax.set_xlabel("the business's prior records")
        ax.grid(True, alpha=0.3)
    ax1.set_ylabel("server CPU µs per record")
    ax1.set_ylim(bottom=0)
    ax1.set_title("CPU per record (flat is the goal)")
    ax2.axhline(0.5, color="grey", ls="--", lw=1, label="target, single (0.5)")
    ax2.axhline(0.8, color="grey", ls=":", lw=1, label="target, batch (0.8)")
    ax2.set_ylabel("records/s ÷ one core's Ed25519/s")
    ax2.set_ylim(bottom=0)
    ax2.set_title("throughput, 64 connections (Ed25519 %d/s)" % ed)
    ax2.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(a.png, dpi=110)


if __name__ == "__main__":
    main()
