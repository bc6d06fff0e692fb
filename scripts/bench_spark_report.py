"""The report of scripts/bench_spark.sh: the Spark engine's scaling curve.

Reads the samples bench_spark.sh wrote (TSV: rows, contender, run, wall
seconds, animetl's peak RSS KiB, the Spark JVM's peak RSS KiB, its span,
ok|failed) and each run's --json (for the transform phase), prints a table of
medians per size (the local engine, then the Spark engine per master) and
writes the results JSON, marked partial unless every size of the default
curve and every default master has a succeeded point. Standard library only.
"""

import argparse
import datetime
import json
import os
import platform
import statistics
import sys

DEFAULT_SIZES = [1_000_000, 4_000_000, 8_000_000]
DEFAULT_MASTERS = ["local[1]", "local[2]"]


def contender(master):
    return "spark_" + "".join(c for c in master if c.isalnum())


def load(path, logs):
    out = []
    with open(path) as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) < 8:
                continue
            rows, name, run, wall, rss, jvm, span, status = parts[:8]
            s = {"rows": int(rows), "contender": name, "run": int(run), "status": status,
                 "wall_s": float(wall), "rss_mib": round(int(rss) / 1024, 1)}
            if jvm:
                s["jvm_rss_mib"], s["jvm_rss_span"] = round(int(jvm) / 1024, 1), span
            try:
                with open(os.path.join(logs, f"{name}-{rows}-{run}.out")) as j:
                    d = json.load(j)
                s["phases"] = {p["name"]: p["seconds"] for p in d.get("phases", [])}
            except (OSError, ValueError, KeyError):
                pass
            out.append(s)
    return out


def point(samples, rows, name):
    ss = [s for s in samples if s["rows"] == rows and s["contender"] == name]
    ok = [s for s in ss if s["status"] == "ok"]
    p = {"rows": rows, "contender": name, "runs": len(ss), "ok": len(ok)}
    if not ok:
        return p
    p["walls_s"] = [s["wall_s"] for s in ok]
    p["median_wall_s"] = round(statistics.median(p["walls_s"]), 2)
    p["median_rss_mib"] = round(statistics.median(s["rss_mib"] for s in ok), 1)
    jvm = [s for s in ok if "jvm_rss_mib" in s]
    if jvm:
        p["median_jvm_rss_mib"] = round(statistics.median(s["jvm_rss_mib"] for s in jvm), 1)
        p["jvm_rss_span"] = "run" if all(s["jvm_rss_span"] == "reset" for s in jvm) else "server lifetime"
    tr = [s["phases"]["transform"] for s in ok if "transform" in s.get("phases", {})]
    if tr:
        p["median_transform_s"] = round(statistics.median(tr), 2)
    return p


def main():
    ap = argparse.ArgumentParser()
    for a in ("samples", "logs", "out", "sizes", "masters", "runs", "driver-memory", "loadavg-start", "commit", "pyspark"):
        ap.add_argument("--" + a, required=True)
    args = ap.parse_args()
    sizes = [int(n) for n in args.sizes.split()]
    masters = args.masters.split()
    samples = load(args.samples, args.logs)

    points = []
    for n in sizes:
        points.append(point(samples, n, "local"))
        for m in masters:
            p = point(samples, n, contender(m))
            p["master"] = m
            points.append(p)
    by = {(p["rows"], p["contender"]): p for p in points}
    for p in points:
        loc = by.get((p["rows"], "local"), {}).get("median_wall_s")
        if p["contender"] != "local" and p.get("median_wall_s") and loc:
            p["ratio_to_local"] = round(p["median_wall_s"] / loc, 2)

    measured = {(p["rows"], p.get("master")) for p in points if p.get("ok")}
    missing = [f"{n:,} rows on {m}" for n in DEFAULT_SIZES for m in DEFAULT_MASTERS if (n, m) not in measured]
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    result = {
        "schema": 1,
        "timestamp": now.isoformat().replace("+00:00", "Z"),
        "partial": bool(missing),
        "missing": missing,
        "runs": int(args.runs),
        "sizes": sizes,
        "masters": masters,
        "spark": {"server": args.pyspark + " (PyPI), Spark Connect on this machine", "driver_memory": args.driver_memory,
                  "warm_up": "one untimed run of testdata/hostile per server before the first timed run"},
        "machine": {"nproc": os.cpu_count(), "kernel": platform.release(),
                    "loadavg_start": args.loadavg_start.split()[:3],
                    "loadavg_end": open("/proc/loadavg").read().split()[:3]},
        "git": {"commit": args.commit},
        "points": points,
        "samples": samples,
    }
    print("\n".join(lines(result)))
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(result, f, indent=1)
        f.write("\n")
    print(f"\nwrote {args.out}" + (" (PARTIAL: not every point of the curve)" if missing else ""), file=sys.stderr)
    return 0


def lines(r):
    out = []
    w = out.append
    w(f"Spark engine scaling curve: animetl run --mode full into DuckDB, median of {r['runs']} run(s) per point; "
      f"{r['spark']['server']}, driver {r['spark']['driver_memory']}")
    if r["partial"]:
        w("PARTIAL: not measured: " + "; ".join(r["missing"]))
    hdr = f"{'rows':>12}  {'engine':<16} {'median s':>9} {'transform s':>12} {'x local':>8} {'RSS MiB':>8} {'JVM MiB':>8}"
    w("")
    w(hdr)
    w("-" * len(hdr))
    for p in r["points"]:
        eng = "local engine" if p["contender"] == "local" else "spark " + p["master"]
        if not p.get("ok"):
            w(f"{p['rows']:>12,}  {eng:<16} {'FAILED' if p['runs'] else 'not run':>9}")
            continue
        tr = f"{p['median_transform_s']:.2f}" if "median_transform_s" in p else "-"
        ratio = f"{p['ratio_to_local']:.2f}" if "ratio_to_local" in p else ""
        jvm = f"{p['median_jvm_rss_mib']:.0f}" if "median_jvm_rss_mib" in p else ""
        failed = f"  ({p['runs'] - p['ok']} of {p['runs']} failed)" if p["ok"] < p["runs"] else ""
        w(f"{p['rows']:>12,}  {eng:<16} {p['median_wall_s']:>9.2f} {tr:>12} {ratio:>8} {p['median_rss_mib']:>8.1f} "
          f"{jvm:>8}{failed}".rstrip())
    m = r["machine"]
    w("")
    w(f"machine  {m['nproc']} cores, Linux {m['kernel']}; load average {m['loadavg_start'][0]} at start, "
      f"{m['loadavg_end'][0]} at end (other work on a shared machine makes the times noisy)")
    w("notes    transform: the phase where Spark cleans the files; RSS: animetl's own process; JVM: the Spark")
    w("         Connect server's peak RSS during the run (VmHWM reset before each run), its heap kept between runs")
    return out


if __name__ == "__main__":
    sys.exit(main())
