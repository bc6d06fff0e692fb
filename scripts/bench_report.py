"""The report of scripts/bench.sh: medians, ratios against the floors, targets.

Reads the raw samples bench.sh wrote (TSV: name, run, wall seconds, peak RSS
KiB, ok|failed), the machine description (meta JSON) and the contenders'
logs, prints the contenders' table, the targets (bench_targets.py) and one
phase table per warehouse on stdout, writes the results JSON and appends it as
one line to the history file (read first: the RSS growth compares with the
latest run at the other size). Standard library only. To add a contender, add
its label, its place in SECTIONS and, for an animetl run, in PHASE_TABLES.
"""

import argparse
import datetime
import json
import os
import statistics
import sys

sys.dont_write_bytecode = True  # no scripts/__pycache__ in the tree
from bench_targets import judge, render, write_readme  # noqa: E402

LABELS = {
    "pg_copy": "PostgreSQL floor: \\copy into UNLOGGED",
    "pg_index": "PostgreSQL floor: CREATE UNIQUE INDEX",
    "f_pg": "F_pg = \\copy + index",
    "animetl_pg": "animetl run -> PostgreSQL",
    "animetl_pg_unlogged": "  the same with --pg-unlogged",
    "duck_floor": "F_duck: DuckDB read_csv CTAS",
    "animetl_duck": "animetl run -> DuckDB",
    "animetl_duck_csv": "  the same with --duckdb-csv auto",
    "animetl_spark_duck": "animetl run --engine spark -> DuckDB",
    "idx_pg_copy": "PostgreSQL floor: \\copy into UNLOGGED",
    "idx_pg_index": "PostgreSQL floor: CREATE UNIQUE INDEX",
    "idx_f_pg": "F_pg = \\copy + index",
    "animetl_pg_indexed": "animetl run -> PostgreSQL",
    "idx_duck_floor": "F_duck: DuckDB read_csv CTAS",
    "animetl_duck_indexed": "animetl run -> DuckDB",
    "animetl_pg_incr_base": "full run of the base -> PostgreSQL",
    "animetl_pg_incr": "incremental run of the day -> PostgreSQL",
    "animetl_duck_incr_base": "full run of the base -> DuckDB",
    "animetl_duck_incr": "incremental run of the day -> DuckDB",
    "animetl_pg_repeats": "animetl run -> PostgreSQL",
    "animetl_duck_repeats": "animetl run -> DuckDB",
    "pgloader": "pgloader (csv, fresh table)",
    "seed_insert": "seed: pandas + INSERT per row",
    "seed_extrapolated": "seed: INSERT per row, all rows",
}

# The contenders' table, by section: (title, [(contender, ratio against)]).
SECTIONS = [
    ("public layout", [("pg_copy", None), ("pg_index", None), ("f_pg", None), ("animetl_pg", "f_pg"),
                       ("animetl_pg_unlogged", "f_pg"), ("duck_floor", None), ("animetl_duck", "duck_floor"),
                       ("animetl_duck_csv", "duck_floor")]),
    ("indexed layout", [("idx_pg_copy", None), ("idx_pg_index", None), ("idx_f_pg", None),
                        ("animetl_pg_indexed", "idx_f_pg"), ("idx_duck_floor", None),
                        ("animetl_duck_indexed", "idx_duck_floor")]),
    ("incremental", [("animetl_pg_incr_base", None), ("animetl_pg_incr", "animetl_pg_incr_base"),
                     ("animetl_duck_incr_base", None), ("animetl_duck_incr", "animetl_duck_incr_base")]),
    ("repeats", [("animetl_pg_repeats", "animetl_pg"), ("animetl_duck_repeats", "animetl_duck")]),
    ("spark", [("animetl_spark_duck", "animetl_duck")]),
]

# The phase tables: one per warehouse, a column per contender.
PHASE_TABLES = [
    ("PostgreSQL", [("animetl_pg", "full"), ("animetl_pg_unlogged", "unlogged"), ("animetl_pg_indexed", "indexed"),
                    ("animetl_pg_repeats", "repeats"), ("animetl_pg_incr_base", "incr base"),
                    ("animetl_pg_incr", "incremental")]),
    ("DuckDB", [("animetl_duck", "full"), ("animetl_duck_csv", "csv auto"), ("animetl_spark_duck", "spark"), ("animetl_duck_indexed", "indexed"), ("animetl_duck_repeats", "repeats"),
                ("animetl_duck_incr_base", "incr base"), ("animetl_duck_incr", "incremental")]),
]


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


def read_jvm(path):
    """The Spark server JVM's peak RSS during a run (bench_spark_lib.sh's
    .jvm file: KiB, then "reset" (the run's own peak) or "lifetime")."""
    try:
        with open(path) as f:
            kib, span = f.read().split()[:2]
        return round(int(kib) / 1024, 1), span
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
        **jvm_summary(ok),
    }


def jvm_summary(ok):
    jvm = [s for s in ok if "jvm_rss_mib" in s]
    if not jvm:
        return {}
    return {"median_jvm_rss_mib": round(statistics.median(s["jvm_rss_mib"] for s in jvm), 1),
            "jvm_rss_span": "run" if all(s["jvm_rss_span"] == "reset" for s in jvm) else "server lifetime"}


def phase_key(name):
    """A phase's name in the tables: a delta day's files become "day upserts"
    and "day deletes", so that the columns line up across days."""
    if name.startswith("load:animelist/date="):
        return "load:day deletes" if "/deletes/" in name else "load:day upserts"
    return name


def phase_medians(samples):
    """{phase: median seconds} over a contender's succeeded runs (the day's
    files of one run summed per kind), and the phases in the order they ran."""
    order, secs = [], {}
    for s in samples:
        if s.get("status") != "ok":
            continue
        run = {}
        for p in s.get("phases") or []:
            k = phase_key(p["name"])
            if k not in secs:
                order.append(k)
                secs[k] = []
            run[k] = run.get(k, 0.0) + (p["seconds"] or 0.0)
        for k, v in run.items():
            secs[k].append(v)
    return order, {k: round(statistics.median(v), 3) for k, v in secs.items()}


def f_pg(samples, prefix):
    """F_pg per run: the \copy and the index of the same round, summed."""
    copies = {s["run"]: s for s in samples.get(prefix + "_copy", []) if s["status"] == "ok"}
    out = []
    for s in samples.get(prefix + "_index", []):
        c = copies.get(s["run"])
        if c and s["status"] == "ok":
            out.append({"run": s["run"], "wall_s": round(c["wall_s"] + s["wall_s"], 3),
                        "rss_mib": max(c["rss_mib"], s["rss_mib"]), "status": "ok"})
    return out


def read_history(path):
    entries = []
    try:
        with open(path) as f:
            for line in f:
                try:
                    entries.append(json.loads(line))
                except ValueError:
                    continue
    except OSError:
        pass
    return entries


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--samples", required=True)
    ap.add_argument("--meta", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--history", required=True)
    ap.add_argument("--readme", help="README whose target block to rewrite from the history (8M and 80M runs only)")
    ap.add_argument("--strict", action="store_true", help="exit 1 when a target (not a stretch) is missed")
    args = ap.parse_args()

    meta = read_json(args.meta)
    samples = load_samples(args.samples)
    logs = os.path.join(os.path.dirname(os.path.abspath(args.samples)), "logs")
    rows = meta["rows"]

    # The animetl runs' own summaries, and the seed's measured rate.
    for name in [n for n in samples if n.startswith("animetl_")]:
        for s in samples[name]:
            d = read_json(os.path.join(logs, f"{name}-{s['run']}.out")) or {}
            s["run_id"] = d.get("run_id")
            s["files"] = {
                f["name"]: {k: f.get(k) for k in ("rows_read", "rows_loaded", "rows_rejected", "rows_duplicate")}
                for f in d.get("files", [])
            }
            s["phases"] = [{"name": p.get("name"), "seconds": p.get("seconds")} for p in d.get("phases", [])]
            jvm = read_jvm(os.path.join(logs, f"{name}-{s['run']}.jvm"))
            if jvm:
                s["jvm_rss_mib"], s["jvm_rss_span"] = jvm
    for s in samples.get("seed_insert", []):
        d = read_json(os.path.join(logs, f"seed_insert-{s['run']}.out")) or {}
        if s["status"] == "ok" and d.get("rows_per_s"):
            s.update(rows=d["rows"], load_s=d["seconds"], rows_per_s=d["rows_per_s"])

    samples["f_pg"] = f_pg(samples, "pg")
    if "idx_pg_index" in samples:
        samples["idx_f_pg"] = f_pg(samples, "idx_pg")

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

    for _, members in SECTIONS:
        for name, against in members:
            a, b = med(name), med(against) if against else None
            if name in summary and against:
                summary[name]["ratio"] = round(a / b, 3) if a and b else None
                summary[name]["ratio_against"] = against
    for _, cols in PHASE_TABLES:
        for name, _ in cols:
            if summary.get(name, {}).get("ok"):
                order, meds = phase_medians(samples[name])
                summary[name]["phases"] = [{"name": k, "median_s": meds[k]} for k in order]

    history = read_history(args.history)
    targets, size_note = judge(meta, summary, history)

    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    result = {
        "schema": 2,
        "timestamp": now.isoformat().replace("+00:00", "Z"),
        **meta,
        "samples": {k: v for k, v in samples.items()},
        "summary": summary,
        "targets": targets,
    }
    print("\n".join(report_lines(meta, summary, targets, size_note)))

    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(result, f, indent=1)
        f.write("\n")
    with open(args.history, "a") as f:
        f.write(json.dumps(result, separators=(",", ":")) + "\n")
    print(f"\nwrote {args.out}; appended to {args.history}", file=sys.stderr)
    if args.readme and rows in (8_000_000, 80_000_000):
        if write_readme(args.readme, history + [result]):
            print(f"rewrote the target table of {args.readme}", file=sys.stderr)
        else:
            print(f"warning: {args.readme} has no target block to rewrite", file=sys.stderr)

    if args.strict and not all(t["pass"] for t in targets if t["value"] is not None or t["result"].startswith("FAIL")):
        print("BENCH_STRICT: a target was missed", file=sys.stderr)
        return 1
    return 0


def report_lines(meta, summary, targets, size_note):
    out = []
    w = out.append
    rows = meta["rows"]
    mb = meta["data"]["animelist_bytes"] / 1e6
    aux = meta.get("aux_runs", 0)
    w(f"animetl benchmark: {rows:,} list rows ({mb:,.1f} MB animelist.csv); headline contenders (public layout) "
      f"{meta['runs']} run(s) each, the other rows {aux} run(s) each (BENCH_AUX_RUNS), alternating in rounds; "
      f"medians of wall time and peak RSS (/usr/bin/time)")
    hdr = f"{'contender':<42} {'runs':>4} {'median s':>9} {'min s':>8} {'max s':>8} {'RSS MiB':>8}  {'ratio':>6}"
    titles = {
        "public layout": f"public layout ({mb:,.1f} MB)",
        "indexed layout": "indexed layout (" + (f"{meta['data'].get('indexed_animelist_bytes', 0) / 1e6:,.1f} MB, "
                                                "`animetl gen --layout indexed`)"),
        "incremental": "incremental: a 1% day ({:,} upserts, {:,} deletes) on the base; ratio: incremental / full run"
        .format(*[meta.get("delta", {}).get(k, 0) for k in ("upserts", "deletes")]),
        "spark": "the Spark engine: Spark Connect {} on this machine (driver {}), a long-lived server warmed up "
                 "by one untimed run; ratio: against animetl run -> DuckDB".format(
                     meta.get("spark", {}).get("master", "?"), meta.get("spark", {}).get("driver_memory", "?")),
        "repeats": f"repeats: {meta.get('repeats', 3)} conflicting repeated keys in the base; "
                   "ratio: against the clean base's full run",
    }

    def line(name):
        s = summary.get(name)
        if not s:
            return
        if not s.get("ok"):
            w(f"  {LABELS[name]:<40} {s['runs']:>4} {'FAILED':>9}")
            return
        r = s.get("ratio")
        ratio = f"{r:.2f}" if r is not None else ""
        failed = f"   ({s['runs'] - s['ok']} of {s['runs']} failed)" if s["ok"] < s["runs"] else ""
        w(f"  {LABELS[name]:<40} {s['ok']:>4} {s['median_wall_s']:>9.2f} {s['min_wall_s']:>8.2f} {s['max_wall_s']:>8.2f} "
          f"{s['median_rss_mib']:>8.1f}  {ratio:>6}{failed}".rstrip())
        if "median_jvm_rss_mib" in s:
            w(f"    {'Spark JVM peak RSS (' + s['jvm_rss_span'] + ')':<38} {'':>4} {'':>9} {'':>8} {'':>8} "
              f"{s['median_jvm_rss_mib']:>8.1f}")

    w("")
    w(hdr)
    w("-" * len(hdr))
    for title, members in SECTIONS:
        if not any(n in summary for n, _ in members):
            continue
        w(titles[title])
        for name, _ in members:
            line(name)
    if meta["peer_runs"] > 0:
        w("")
        w(f"peers, for reference (not contenders): {meta['peer_runs']} run(s) each (BENCH_PEER_RUNS)")
        line("pgloader")
        if "seed_insert" in summary:
            s = summary["seed_insert"]
            label = f"seed: INSERT per row, {meta['seed_rows']:,} rows"
            if s.get("ok"):
                rate = summary["seed_extrapolated"]["rows_per_s"]
                w(f"  {label:<40} {s['ok']:>4} {s['median_wall_s']:>9.2f} {s['min_wall_s']:>8.2f} {s['max_wall_s']:>8.2f} "
                  f"{s['median_rss_mib']:>8.1f}  ({rate:,.0f} rows/s)")
                e = summary["seed_extrapolated"]
                w(f"  {'seed: INSERT per row, ' + format(rows, ',') + ' rows':<40} {'-':>4} {e['median_wall_s']:>9.1f}"
                  f"   extrapolated linearly from {rate:,.0f} rows/s")
            else:
                w(f"  {label:<40} {s['runs']:>4} {'FAILED':>9}")
        w("  (pgloader: Debian's, --type csv into a fresh table; seed: pandas read_csv, then one psycopg2 INSERT")
        w("   per row and one commit, the original notebook's load; its rate includes read_csv)")
    w("")
    out.extend(render(targets, size_note))
    for engine, cols in PHASE_TABLES:
        out.extend(phase_lines(engine, cols, summary))
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
    if "spark" in meta:
        w("         The Spark JVM row is the Connect server's own peak RSS (VmHWM, reset before each run; \"server")
        w("         lifetime\" where the kernel refused the reset): a long-lived server keeps its heap between runs.")
    return out


def phase_lines(engine, cols, summary):
    """The phase table of one warehouse: a row per phase, a column per
    contender (median seconds over its succeeded runs, from its --json)."""
    cols = [(n, t) for n, t in cols if summary.get(n, {}).get("phases")]
    if not cols:
        return []
    order = []  # each contender's phases in their order, a new one after the phase it followed
    for n, _ in cols:
        at = 0
        for p in summary[n]["phases"]:
            if p["name"] in order:
                at = order.index(p["name"]) + 1
            else:
                order.insert(at, p["name"])
                at += 1
    per = {n: {p["name"]: p["median_s"] for p in summary[n]["phases"]} for n, _ in cols}
    width = max(len("wall (median)"), *(len(k) for k in order))
    cw = max(11, *(len(t) + 1 for _, t in cols))
    out = ["", f"phases -> {engine}, median seconds of each contender's runs (from its --json)"]
    out.append(f"  {'phase':<{width}}" + "".join(f"{t:>{cw}}" for _, t in cols))
    for k in order:
        out.append(f"  {k:<{width}}" + "".join(f"{per[n][k]:>{cw}.3f}" if k in per[n] else f"{'-':>{cw}}"
                                               for n, _ in cols))
    out.append(f"  {'sum of phases':<{width}}" + "".join(f"{sum(per[n].values()):>{cw}.3f}" for n, _ in cols))
    out.append(f"  {'wall (median)':<{width}}" + "".join(f"{summary[n]['median_wall_s']:>{cw}.3f}" for n, _ in cols))
    return out


if __name__ == "__main__":
    sys.exit(main())
