"""The report of scripts/bench.sh: medians, ratios against the floors, targets.

Reads the raw samples bench.sh wrote (TSV: name, run, wall seconds, peak RSS
KiB, ok|failed), the machine description (meta JSON) and the contenders'
logs, prints the table on stdout, writes the results JSON and appends it as
one line to the history file. Standard library only.
"""

import argparse
import datetime
import json
import os
import statistics
import sys

# Time ratios animetl / floor: (target, stretch). Peak RSS: MiB.
TIME_TARGETS = {"postgres": (1.5, 1.2), "duckdb": (2.0, 1.5)}
RSS_TARGETS = {"postgres": 256, "duckdb": 1024}

LABELS = {
    "pg_copy": "PostgreSQL floor: \\copy into UNLOGGED",
    "pg_index": "PostgreSQL floor: CREATE UNIQUE INDEX",
    "f_pg": "F_pg = \\copy + index",
    "animetl_pg": "animetl run -> PostgreSQL",
    "animetl_pg_unlogged": "  the same with --pg-unlogged",
    "duck_floor": "F_duck: DuckDB read_csv CTAS",
    "animetl_duck": "animetl run -> DuckDB",
    "pgloader": "pgloader (csv, fresh table)",
    "seed_insert": "seed: pandas + INSERT per row",
    "seed_extrapolated": "seed: INSERT per row, all rows",
}


def load_samples(path):
    samples = {}
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                continue
            name, run, wall, rss, status = line.split("\t")[:5]
            samples.setdefault(name, []).append(
                {"run": int(run), "wall_s": float(wall), "rss_mib": round(int(rss) / 1024, 1), "status": status}
            )
    return samples


def read_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def summarize(ss):
    ok = [s for s in ss if s["status"] == "ok"]
    if not ok:
        return {"runs": len(ss), "ok": 0}
    walls = [s["wall_s"] for s in ok]
    return {
        "runs": len(ss),
        "ok": len(ok),
        "median_wall_s": round(statistics.median(walls), 3),
        "min_wall_s": min(walls),
        "max_wall_s": max(walls),
        "median_rss_mib": round(statistics.median(s["rss_mib"] for s in ok), 1),
    }


def phase_table(samples):
    """The median seconds of each phase over a contender's succeeded runs,
    in the order the phases ran (the first run's order, then any others)."""
    order, secs = [], {}
    for s in samples:
        if s.get("status") != "ok":
            continue
        for p in s.get("phases") or []:
            if p["name"] not in secs:
                order.append(p["name"])
                secs[p["name"]] = []
            secs[p["name"]].append(p["seconds"])
    return [{"name": n, "median_s": round(statistics.median(secs[n]), 3), "runs": len(secs[n])} for n in order]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--samples", required=True)
    ap.add_argument("--meta", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--history", required=True)
    ap.add_argument("--strict", action="store_true", help="exit 1 when a target (not a stretch) is missed")
    args = ap.parse_args()

    meta = read_json(args.meta)
    samples = load_samples(args.samples)
    logs = os.path.join(os.path.dirname(os.path.abspath(args.samples)), "logs")
    rows = meta["rows"]

    # The animetl runs' own summaries, and the seed's measured rate.
    for name in ("animetl_pg", "animetl_pg_unlogged", "animetl_duck"):
        for s in samples.get(name, []):
            d = read_json(os.path.join(logs, f"{name}-{s['run']}.out")) or {}
            s["run_id"] = d.get("run_id")
            s["files"] = {
                f["name"]: {k: f.get(k) for k in ("rows_read", "rows_loaded", "rows_rejected", "rows_duplicate")}
                for f in d.get("files", [])
            }
            s["phases"] = [{"name": p.get("name"), "seconds": p.get("seconds")} for p in d.get("phases", [])]
    for s in samples.get("seed_insert", []):
        d = read_json(os.path.join(logs, f"seed_insert-{s['run']}.out")) or {}
        if s["status"] == "ok" and d.get("rows_per_s"):
            s.update(rows=d["rows"], load_s=d["seconds"], rows_per_s=d["rows_per_s"])

    # F_pg: per run, \copy + index.
    copies = {s["run"]: s for s in samples.get("pg_copy", []) if s["status"] == "ok"}
    f_pg = []
    for s in samples.get("pg_index", []):
        c = copies.get(s["run"])
        if c and s["status"] == "ok":
            f_pg.append(
                {"run": s["run"], "wall_s": round(c["wall_s"] + s["wall_s"], 3),
                 "rss_mib": max(c["rss_mib"], s["rss_mib"]), "status": "ok"}
            )
    samples["f_pg"] = f_pg

    summary = {name: summarize(ss) for name, ss in samples.items()}
    seeds = [s for s in samples.get("seed_insert", []) if s.get("rows_per_s")]
    if seeds:
        rate = statistics.median(s["rows_per_s"] for s in seeds)
        summary["seed_extrapolated"] = {
            "runs": len(seeds), "ok": len(seeds), "extrapolated": True,
            "rows_per_s": rate, "median_wall_s": round(rows / rate, 1),
        }

    def med(name):
        return summary.get(name, {}).get("median_wall_s")

    ratios, targets = {}, []
    for wh, name, floor in (("postgres", "animetl_pg", "f_pg"), ("duckdb", "animetl_duck", "duck_floor")):
        a, f = med(name), med(floor)
        target, stretch = TIME_TARGETS[wh]
        r = round(a / f, 3) if a and f else None
        ratios[wh] = {
            "contender": name, "floor": floor, "ratio": r, "target": target, "stretch": stretch,
            "pass": r is not None and r <= target, "stretch_pass": r is not None and r <= stretch,
        }
        summary[name]["ratio"] = r
        rss = summary.get(name, {}).get("median_rss_mib")
        ratios[wh + "_rss"] = {
            "contender": name, "median_rss_mib": rss, "target_mib": RSS_TARGETS[wh],
            "pass": rss is not None and rss <= RSS_TARGETS[wh],
        }

    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    result = {
        "schema": 1,
        "timestamp": now.isoformat().replace("+00:00", "Z"),
        **meta,
        "samples": {k: v for k, v in samples.items()},
        "summary": summary,
        "ratios": ratios,
    }

    # --- the table ---------------------------------------------------------------
    out = []
    w = out.append
    mb = meta["data"]["animelist_bytes"] / 1e6
    w(f"animetl benchmark: {rows:,} list rows ({mb:,.1f} MB animelist.csv); contenders {meta['runs']} run{'s' if meta['runs'] != 1 else ''} each, "
      f"alternating; medians of wall time and peak RSS (/usr/bin/time)")
    w("")
    hdr = f"{'contender':<38} {'runs':>4} {'median s':>9} {'min s':>8} {'max s':>8} {'RSS MiB':>8}  {'ratio':>6}  {'target (stretch)':<17} result"
    w(hdr)
    w("-" * len(hdr))

    def verdict(wh):
        r = ratios[wh]
        if r["ratio"] is None:
            return "n/a"
        if r["stretch_pass"]:
            return "PASS (stretch too)"
        return "PASS (stretch: no)" if r["pass"] else "FAIL"

    def line(name, ratio="", target="", result=""):
        s = summary.get(name)
        if not s:
            return
        if not s.get("ok"):
            w(f"{LABELS[name]:<38} {s['runs']:>4} {'FAILED':>9}")
            return
        w(f"{LABELS[name]:<38} {s['ok']:>4} {s['median_wall_s']:>9.2f} {s['min_wall_s']:>8.2f} {s['max_wall_s']:>8.2f} "
          f"{s['median_rss_mib']:>8.1f}  {ratio:>6}  {target:<17} {result}".rstrip())

    def rs(wh):
        return f"{ratios[wh]['ratio']:.2f}" if ratios[wh]["ratio"] is not None else "n/a"

    line("pg_copy")
    line("pg_index")
    line("f_pg")
    line("animetl_pg", rs("postgres"), "<= 1.5 (1.2)", verdict("postgres"))
    if "animetl_pg_unlogged" in summary:
        u, f = med("animetl_pg_unlogged"), med("f_pg")
        summary["animetl_pg_unlogged"]["ratio"] = round(u / f, 3) if u and f else None
        line("animetl_pg_unlogged", f"{u / f:.2f}" if u and f else "n/a", "(reference)", "")
    line("duck_floor")
    line("animetl_duck", rs("duckdb"), "<= 2.0 (1.5)", verdict("duckdb"))
    if meta["peer_runs"] > 0:
        w("")
        w(f"peers, for reference (not contenders): {meta['peer_runs']} run(s) each (BENCH_PEER_RUNS)")
        line("pgloader")
        if "seed_insert" in summary:
            s = summary["seed_insert"]
            label = f"seed: INSERT per row, {meta['seed_rows']:,} rows"
            if s.get("ok"):
                rate = summary["seed_extrapolated"]["rows_per_s"]
                w(f"{label:<38} {s['ok']:>4} {s['median_wall_s']:>9.2f} {s['min_wall_s']:>8.2f} {s['max_wall_s']:>8.2f} "
                  f"{s['median_rss_mib']:>8.1f}  ({rate:,.0f} rows/s)")
                e = summary["seed_extrapolated"]
                w(f"{'seed: INSERT per row, ' + format(rows, ',') + ' rows':<38} {'-':>4} {e['median_wall_s']:>9.1f}"
                  f"   extrapolated linearly from {rate:,.0f} rows/s")
            else:
                w(f"{label:<38} {s['runs']:>4} {'FAILED':>9}")
        w("  (pgloader: Debian's, --type csv into a fresh table; seed: pandas read_csv, then one psycopg2 INSERT")
        w("   per row and one commit, the original notebook's load; its rate includes read_csv)")
    w("")
    w("targets")
    for wh, what in (("postgres", "animetl -> PostgreSQL / F_pg"), ("duckdb", "animetl -> DuckDB / F_duck")):
        r = ratios[wh]
        if r["ratio"] is None:
            w(f"  time    {what:<32} n/a")
            continue
        w(f"  time    {what:<32} {r['ratio']:5.2f}   target <= {r['target']}: {'pass' if r['pass'] else 'FAIL'}   "
          f"stretch <= {r['stretch']}: {'pass' if r['stretch_pass'] else 'fail'}")
    for wh, what in (("postgres", "animetl -> PostgreSQL peak RSS"), ("duckdb", "animetl -> DuckDB peak RSS")):
        r = ratios[wh + "_rss"]
        v = f"{r['median_rss_mib']:.0f} MiB" if r["median_rss_mib"] is not None else "n/a"
        w(f"  memory  {what:<32} {v:>9}   target <= {r['target_mib']} MiB: {'pass' if r['pass'] else 'FAIL'}")
    # Where each contender's time went: its runs' --json phases.
    for name in ("animetl_pg", "animetl_pg_unlogged", "animetl_duck"):
        table = phase_table(samples.get(name, []))
        if not table or name not in summary:
            continue
        summary[name]["phases"] = table
        w("")
        w(f"phases of {LABELS[name].strip()} (median of {max(p['runs'] for p in table)} run(s), from its --json)")
        width = max(len("phase"), *(len(p["name"]) for p in table))
        w(f"  {'phase':<{width}} {'seconds':>9}")
        for p in table:
            w(f"  {p['name']:<{width}} {p['median_s']:>9.3f}")
    m = meta["machine"]
    pgs = meta["postgresql"]["settings"]
    w("")
    w(f"machine  {m['nproc']} x {m['cpu']}, {m['memory_gib']} GiB, Linux {m['kernel']}; "
      f"load average {m['loadavg_start'][0]} at start, {m['loadavg_end'][0]} at end")
    w(f"software PostgreSQL {m['postgresql']} ({'ANIMETL_BENCH_POSTGRES' if meta['postgresql']['external'] else 'throwaway cluster'}: "
      + ", ".join(f"{k}={v}" for k, v in sorted(pgs.items())) + f"), DuckDB {m['duckdb']}, {m['go']}")
    w(f"commit   {meta['git']['commit']}{' + uncommitted changes' if meta['git']['dirty'] else ''}")
    w("notes    the psql rows' RSS is the psql client's and animetl's is its own process: the PostgreSQL server's memory")
    w("         is in neither. Other work on the machine makes the times noisy: compare the load averages.")
    print("\n".join(out))

    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(result, f, indent=1)
        f.write("\n")
    with open(args.history, "a") as f:
        f.write(json.dumps(result, separators=(",", ":")) + "\n")
    print(f"\nwrote {args.out}; appended to {args.history}", file=sys.stderr)

    if args.strict and not all(r["pass"] for r in ratios.values()):
        print("BENCH_STRICT: a target was missed", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
