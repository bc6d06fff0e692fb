"""The target table of issue 11, judged on one benchmark run's summary (used by
bench_report.py). Standard library only.

Each time target is a ratio of two contenders' median wall times; the goal and
stretch depend on the size: the 80M column applies from 80M rows up, the 8M
one below (a run of another size than 8M or 80M is judged against the nearer
column and says so). Peak RSS targets read the animetl process's own RSS
(/usr/bin/time); their growth compares this run with the latest run at the
other size (8M <-> 80M) in bench/history.jsonl.
"""

BIG = 80_000_000

# name, label, contender, denominator, (goal, stretch) at 8M, at 80M.
RATIO_TARGETS = [
    ("duck_full_public", "full run -> DuckDB / F_duck, public layout", "animetl_duck", "duck_floor", (2.0, 1.5), (2.0, 1.5)),
    ("duck_full_indexed", "full run -> DuckDB / F_duck, indexed layout", "animetl_duck_indexed", "idx_duck_floor",
     (2.0, 1.5), (2.0, 1.5)),
    ("pg_full_public", "full run -> PostgreSQL / F_pg, public layout", "animetl_pg", "f_pg", (1.5, 1.2), (1.3, 1.1)),
    ("pg_full_indexed", "full run -> PostgreSQL / F_pg, indexed layout", "animetl_pg_indexed", "idx_f_pg",
     (1.5, 1.2), (1.3, 1.1)),
    ("pg_incremental", "incremental 1% day / full run, PostgreSQL", "animetl_pg_incr", "animetl_pg_incr_base",
     (0.30, 0.15), (0.15, 0.05)),
    ("duck_incremental", "incremental 1% day / full run, DuckDB", "animetl_duck_incr", "animetl_duck_incr_base",
     (0.30, 0.15), (0.15, 0.05)),
    ("pg_repeats", "3 conflicting repeats / clean base, PostgreSQL", "animetl_pg_repeats", "animetl_pg", (1.15, 1.05),
     (1.15, 1.05)),
    ("duck_repeats", "3 conflicting repeats / clean base, DuckDB", "animetl_duck_repeats", "animetl_duck", (1.15, 1.05),
     (1.15, 1.05)),
]

# name, engine label, the contenders whose highest median RSS is the peak,
# the contender whose RSS growth is compared, the limit in MiB, the growth limit.
RSS_TARGETS = [
    ("duck_rss", "DuckDB", "animetl_duck", 512, 0.10),
    ("pg_rss", "PostgreSQL", "animetl_pg", 256, 0.10),
]


def _med(summary, name):
    return summary.get(name, {}).get("median_wall_s")


def _failed(summary, name):
    s = summary.get(name)
    return bool(s) and s.get("ok", 0) < s.get("runs", 0)


def _size_note(rows):
    if rows in (8_000_000, BIG):
        return f"the {'80M' if rows >= BIG else '8M'} targets"
    col = "80M" if rows >= BIG else "8M"
    return f"the {col} targets, though this run has {rows:,} rows: not the issue's measurement"


def judge(meta, summary, history):
    """Returns (rows of the target table, a note on the size). Each row: name,
    label, value, unit, goal, stretch, pass, stretch_pass, result text, note."""
    rows = meta["rows"]
    col = 1 if rows >= BIG else 0
    out = []
    for name, label, num, den, t8, t80 in RATIO_TARGETS:
        goal, stretch = (t8, t80)[col]
        row = {"name": name, "label": label, "contender": num, "against": den, "unit": "x",
               "goal": goal, "stretch": stretch, "value": None, "pass": False, "stretch_pass": False, "note": ""}
        a, b = _med(summary, num), _med(summary, den)
        if num not in summary:
            row["result"] = "not measured"
        elif a is None:
            row["result"] = "FAIL: every run failed"
        elif not b:
            row["result"] = "n/a: no denominator"
        else:
            row["value"] = round(a / b, 3)
            row["pass"] = row["value"] <= goal and not _failed(summary, num)
            row["stretch_pass"] = row["pass"] and row["value"] <= stretch
            row["result"] = _verdict(row)
            if _failed(summary, num):
                s = summary[num]
                row["note"] = f"{s['runs'] - s['ok']} of {s['runs']} runs failed"
                row["result"] = "FAIL: a run failed"
        out.append(row)
    for name, engine, headline, limit, growth in RSS_TARGETS:
        out.extend(_rss_rows(name, engine, headline, limit, growth, meta, summary, history))
    return out, _size_note(rows)


def _verdict(row):
    if row["value"] is None:
        return row.get("result", "n/a")
    if not row["pass"]:
        return "FAIL"
    return "met, stretch met" if row["stretch_pass"] else "met, stretch not"


def _rss_rows(name, engine, headline, limit, growth, meta, summary, history):
    prefix = headline + "_"
    mine = {n: s for n, s in summary.items() if (n == headline or n.startswith(prefix)) and s.get("median_rss_mib")}
    peak = max(mine.items(), key=lambda kv: kv[1]["median_rss_mib"], default=None)
    row = {"name": name, "label": f"{engine} peak RSS (highest median of its runs)", "unit": "MiB",
           "goal": limit, "stretch": None, "value": None, "pass": False, "stretch_pass": False, "note": ""}
    if peak:
        row["value"] = peak[1]["median_rss_mib"]
        row["contender"] = peak[0]
        row["pass"] = row["value"] <= limit
        row["note"] = peak[0]
        row["result"] = "met" if row["pass"] else "FAIL"
    else:
        row["result"] = "n/a"
    g = {"name": name + "_growth", "label": f"{engine} peak RSS growth 8M -> 80M, full run", "unit": "%",
         "goal": round(growth * 100), "stretch": None, "value": None, "pass": False, "stretch_pass": False,
         "contender": headline, "note": "", "result": "n/a"}
    rss = summary.get(headline, {}).get("median_rss_mib")
    rows = meta["rows"]
    other = {8_000_000: BIG, BIG: 8_000_000}.get(rows)
    prev = _latest(history, other, headline) if other else None
    if other is None:
        g["note"] = "only between an 8M and an 80M run"
    elif prev is None:
        g["note"] = f"no {other // 1_000_000}M run in the history yet"
    elif rss:
        small, big = (rss, prev[0]) if rows < other else (prev[0], rss)
        g["value"] = round((big / small - 1) * 100, 1)
        g["pass"] = g["value"] <= growth * 100 and big <= limit
        g["result"] = "met" if g["pass"] else "FAIL"
        g["note"] = f"{small:.0f} -> {big:.0f} MiB; the {other // 1_000_000}M run of {prev[1]}"
    return [row, g]


def _latest(history, rows, contender):
    """(median RSS, timestamp) of contender in the latest history entry of rows."""
    for entry in reversed(history):
        if entry.get("rows") != rows:
            continue
        rss = entry.get("summary", {}).get(contender, {}).get("median_rss_mib")
        if rss:
            return rss, entry.get("timestamp", "?")
    return None


def render(targets, size_note):
    """The printed target table, as lines."""
    out = [f"targets (issue 11), judged against {size_note}"]
    width = max(len(t["label"]) for t in targets)
    hdr = f"  {'':<{width}} {'value':>9}  {'goal':>8}  {'stretch':>8}  result"
    out.append(hdr)
    out.append("  " + "-" * (len(hdr) - 2))
    for t in targets:
        unit = t["unit"]
        value = "n/a" if t["value"] is None else _fmt(t["value"], unit)
        goal = f"<= {_fmt(t['goal'], unit)}"
        stretch = f"<= {_fmt(t['stretch'], unit)}" if t["stretch"] is not None else ""
        note = f"  ({t['note']})" if t["note"] else ""
        out.append(f"  {t['label']:<{width}} {value:>9}  {goal:>8}  {stretch:>8}  {t['result']}{note}")
    goals = [t for t in targets if t["value"] is not None or t["result"].startswith("FAIL")]
    met = [t for t in goals if t["pass"]]
    stretch = [t["name"] for t in targets if t["stretch_pass"]]
    missed = [t["name"] for t in goals if not t["pass"]]
    unjudged = [t["name"] for t in targets if t not in goals]
    out.append("")
    out.append(f"  goals met: {len(met)} of {len(goals)} judged"
               + (f"; missed: {', '.join(missed)}" if missed else ""))
    out.append(f"  stretch targets met: {', '.join(stretch) if stretch else 'none'}")
    if unjudged:
        out.append(f"  not judged in this run: {', '.join(unjudged)}")
    return out


def _fmt(v, unit):
    if unit == "x":
        return f"{v:.3f}x" if v < 1 else f"{v:.2f}x"  # a day's share: 0.153 is not 0.15
    if unit == "%":
        return f"{v:+.1f}%" if isinstance(v, float) else f"{v}%"
    return f"{v:.0f} MiB"


README_BEGIN = "<!-- bench-targets:begin (written by scripts/bench.sh: edit the script, not this block) -->"
README_END = "<!-- bench-targets:end -->"


def readme_block(history):
    """The README's target table, as lines: every target with its value in the
    latest 8M run and the latest 80M run of the history, and whether it holds
    at each size. None when the history has neither size."""
    runs = {}
    for entry in history:
        if entry.get("rows") in (8_000_000, BIG) and entry.get("targets"):
            runs[entry["rows"]] = entry  # the latest of each size wins
    if not runs:
        return None
    small, big = runs.get(8_000_000), runs.get(BIG)

    def by_name(entry):
        return {t["name"]: t for t in entry["targets"]} if entry else {}

    t8, t80 = by_name(small), by_name(big)
    names = list(dict.fromkeys([t["name"] for e in (small, big) if e for t in e["targets"]]))

    def cell(t):
        if not t:
            return "not measured"
        if t["value"] is None:
            return t["result"]
        v = _fmt(t["value"], t["unit"])
        if t["pass"]:
            v = f"**{v}**"
        return f"{v} ({t['note']})" if t["name"].endswith("_growth") and t.get("note") else v

    def verdict(t):
        if not t or (t["value"] is None and not t["result"].startswith("FAIL")):
            return "–"
        if not t["pass"]:
            return "missed"
        return "met, stretch met" if t["stretch_pass"] else "met"

    def goal(t):
        if not t:
            return ""
        s = f"≤ {_fmt(t['goal'], t['unit'])}"
        return s + (f" (stretch {_fmt(t['stretch'], t['unit'])})" if t.get("stretch") is not None else "")

    def about(entry, size):
        if not entry:
            return f"{size}: no run yet"
        g = entry.get("git", {})
        commit = (g.get("commit") or "unknown")[:7] + (" (uncommitted changes)" if g.get("dirty") else "")
        m = entry.get("machine", {})
        return (f"{size}: {entry.get('timestamp', '?')}, {commit}, medians of {entry.get('runs', '?')} "
                f"(the layout, day and repeat rows of {entry.get('aux_runs', '?')}), {m.get('nproc', '?')} cores "
                f"{m.get('cpu', '')}, load average {' '.join(m.get('loadavg_start', [])[:1])} at the start")

    out = [README_BEGIN, "",
           "The targets of the performance issue, as the latest `make bench` of each size judged them",
           "(bold: the goal holds; the full tables are in `bench/results.json` and `bench/history.jsonl`):", "",
           "- " + about(small, "8M"), "- " + about(big, "80M"), "",
           "| target | 8M | goal at 8M | result | 80M | goal at 80M | result |",
           "|---|---|---|---|---|---|---|"]
    for n in names:
        a, b = t8.get(n), t80.get(n)
        label = (a or b)["label"]
        out.append(f"| {label} | {cell(a)} | {goal(a)} | {verdict(a)} | {cell(b)} | {goal(b)} | {verdict(b)} |")
    judged = [t for t in list(t8.values()) + list(t80.values()) if t["value"] is not None or t["result"].startswith("FAIL")]
    out += ["", f"Goals met: {sum(t['pass'] for t in judged)} of {len(judged)} judged "
            f"({sum(t['pass'] for t in t8.values())} at 8M, {sum(t['pass'] for t in t80.values())} at 80M).", "", README_END]
    return out


def write_readme(path, history):
    """Replaces the README's target block (between README_BEGIN and
    README_END) with readme_block(history). Returns False, changing nothing,
    when the README has no block or the history no run of either size."""
    block = readme_block(history)
    try:
        with open(path) as f:
            text = f.read()
    except OSError:
        return False
    i, j = text.find(README_BEGIN), text.find(README_END)
    if block is None or i < 0 or j < i:
        return False
    text = text[:i] + "\n".join(block) + text[j + len(README_END):]
    with open(path, "w") as f:
        f.write(text)
    return True
