#!/usr/bin/env bash
# The serving benchmark (what `make bench-serve` calls): `animetl serve` on
# the N-row warehouse of each engine under 100 and 500 concurrent keep-alive
# clients (scripts/servebench: a weighted mix of hot and cold endpoints)
# while a full `animetl run` publishes into the same warehouse, and beside
# it the same questions asked straight of PostgreSQL by 100 pgbench clients.
#
#   scripts/bench_serve.sh
#   BENCH_ROWS=2000000 BENCH_SERVE_SECONDS=10 scripts/bench_serve.sh   (a quick pass)
#
# It generates the data once (`animetl gen --rows N --seed 1`, cached in
# bench/work/data-N/ as scripts/bench.sh does), loads it into a DuckDB file
# and into PostgreSQL, then for each engine and each client count: starts
# `animetl serve` (PostgreSQL: the default --pg-max-conns 8), warms it for
# 3 s with 10 clients, then starts a full run and the load together; the
# load lasts BENCH_SERVE_SECONDS at least and until 5 s after the server
# answers from the run's publish (at most 4 minutes). A trial counts only if
# the run succeeded and the server was seen answering from the run it
# published during the load. The serve process's peak RSS is its VmHWM.
# Results: bench/serve.json (committed) and a table on stdout; the raw
# outputs stay in bench/work/serve/.
#
# Settings (environment):
#   BENCH_ROWS             list rows (default 8000000)
#   BENCH_SERVE_SECONDS    the load's minimum duration (default 20)
#   BENCH_SERVE_CLIENTS    client counts (default "100 500")
#   BENCH_SERVE_ENGINES    engines (default "duckdb postgres")
#   BENCH_PGBENCH_SECONDS  pgbench's duration (default 20; 0 skips pgbench)
#   BENCH_SERVE_FLAGS      more flags of animetl serve (default none), such as
#                          "--duckdb-threads 1"
#   (the rec tables: runs with --recommend when `animetl run` has it, else
#   scripts/recseed fills them after the load; servebench then also asks
#   /anime/{id}/similar and /users/{id}/recommendations)
#   BENCH_SERVE_CPUPROFILE 1: write a CPU profile of each serve process
#                          (bench/work/serve/*.pprof; go tool pprof FILE)
#   ANIMETL_BENCH_POSTGRES a postgres:// URL of a server to use (a role that
#                          may create databases; it needs max_connections
#                          above 110 for pgbench); otherwise a throwaway
#                          cluster is started with max_connections=200,
#                          max_wal_size=4GB and maintenance_work_mem=256MB
#   BENCH_PG_DB            the database it creates, drops and recreates
#                          (default animetl_bench_serve)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

ROWS="${BENCH_ROWS:-8000000}"
LOAD_SECONDS="${BENCH_SERVE_SECONDS:-20}"
CLIENTS="${BENCH_SERVE_CLIENTS:-100 500}"
ENGINES="${BENCH_SERVE_ENGINES:-duckdb postgres}"
PGBENCH_SECONDS="${BENCH_PGBENCH_SECONDS:-20}"
PG_DB="${BENCH_PG_DB:-animetl_bench_serve}"
read -r -a SERVE_FLAGS <<<"${BENCH_SERVE_FLAGS:-}"
for v in ROWS LOAD_SECONDS PGBENCH_SECONDS; do
    [[ "${!v}" =~ ^[0-9]+$ ]] || die "$v must be a whole number, not '${!v}'"
done
[ "$ROWS" -ge 1 ] && [ "$LOAD_SECONDS" -ge 1 ] || die "BENCH_ROWS and BENCH_SERVE_SECONDS must be at least 1"
for c in $CLIENTS; do [[ "$c" =~ ^[0-9]+$ ]] && [ "$c" -ge 1 ] && [ "$c" -le 2000 ] || die "BENCH_SERVE_CLIENTS: '$c' is not 1 to 2000"; done
for e in $ENGINES; do case "$e" in duckdb|postgres) ;; *) die "BENCH_SERVE_ENGINES: '$e' is not duckdb or postgres" ;; esac; done
[[ "$PG_DB" =~ ^[a-z_][a-z0-9_]*$ ]] || die "BENCH_PG_DB must be a plain lower-case identifier, not '$PG_DB'"

BENCH_PG_URL="${ANIMETL_BENCH_POSTGRES:-}"
for v in $(compgen -e | grep '^ANIMETL_' || true); do
    case "$v" in ANIMETL_BENCH_*) ;; *) unset "$v" ;; esac
done

WORK="$ROOT/bench/work"
DATA="$WORK/data-$ROWS"
OUT="$WORK/serve"
mkdir -p "$WORK" "$OUT"
rm -rf "${OUT:?}"/*

SERVE_PID=""
RUN_PID=""
DB_CREATED=""
bench_cleanup() {
    [ -z "$SERVE_PID" ] || kill "$SERVE_PID" 2>/dev/null || true
    [ -z "$RUN_PID" ] || kill "$RUN_PID" 2>/dev/null || true
    rm -f "$WORK"/serve.duckdb*
    if [ -n "$DB_CREATED" ] && [ -n "${ADMIN_URL:-}" ]; then
        psql -X -q "$ADMIN_URL" -c "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >/dev/null 2>&1 || true
    fi
    cleanup
}
trap bench_cleanup EXIT
trap 'exit 130' INT TERM

ensure_go
ensure_psql
command -v python3 >/dev/null 2>&1 || apt_install python3
command -v curl >/dev/null 2>&1 || apt_install curl ca-certificates

log "building animetl and the load generator from the current tree"
go build -o "$WORK/animetl" ./cmd/animetl || die "go build ./cmd/animetl failed"
go build -o "$WORK/servebench" ./scripts/servebench || die "go build ./scripts/servebench failed"
go build -o "$WORK/recseed" ./scripts/recseed || die "go build ./scripts/recseed failed"
# Runs that train the recommenders (--recommend) publish the rec tables; until
# they do, recseed fills them with rows of the real shape after the load (a
# publish during the load then drops them: the rec routes answer 503 after it).
RUN_REC=()
if "$ANIMETL" run --help 2>/dev/null | grep -q -- '--recommend'; then RUN_REC=(--recommend); fi
ANIMETL="$WORK/animetl"

# --- data (shared with scripts/bench.sh) ---------------------------------------
ensure_bench_data "$ANIMETL" "$DATA" "$ROWS"

# --- warehouses ------------------------------------------------------------------
DUCK="duckdb:$WORK/serve.duckdb"
PG_URL_DB=""
if [[ " $ENGINES " == *" postgres "* ]] || [ "$PGBENCH_SECONDS" -gt 0 ]; then
    if [ -n "$BENCH_PG_URL" ]; then
        ADMIN_URL="$BENCH_PG_URL"
        log "PostgreSQL: ANIMETL_BENCH_POSTGRES ($(redact "$ADMIN_URL"))"
    else
        start_postgres_cluster -c max_connections=200 -c max_wal_size=4GB -c maintenance_work_mem=256MB
        ADMIN_URL="$PG_URL"
    fi
    PG_URL_DB="$(python3 - "$ADMIN_URL" "$PG_DB" <<'PY'
import sys, urllib.parse as u
p = u.urlsplit(sys.argv[1])
print(u.urlunsplit((p.scheme, p.netloc, "/" + sys.argv[2], p.query, "")))
PY
)"
    PGOPTIONS='-c client_min_messages=warning' psql -X -q -v ON_ERROR_STOP=1 "$ADMIN_URL" -c "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >/dev/null
    psql -X -q -v ON_ERROR_STOP=1 "$ADMIN_URL" -c "CREATE DATABASE $PG_DB" >/dev/null || die "cannot create database $PG_DB"
    DB_CREATED=1
fi
warehouse_of() { case "$1" in duckdb) echo "$DUCK" ;; postgres) echo "$PG_URL_DB" ;; esac; }

for e in $ENGINES; do
    log "loading $ROWS rows into $e"
    [ "$e" != duckdb ] || rm -f "$WORK"/serve.duckdb*
    "$ANIMETL" run --source "$DATA" --warehouse "$(warehouse_of "$e")" --mode full --progress never --json ${RUN_REC[@]+"${RUN_REC[@]}"} \
        >"$OUT/load-$e.json" 2>"$OUT/load-$e.log" || { tail -5 "$OUT/load-$e.log" >&2; die "loading $e failed"; }
    if [ ${#RUN_REC[@]} -eq 0 ]; then
        "$WORK/recseed" -warehouse "$(warehouse_of "$e")" || die "seeding the recommendations of $e failed"
    fi
done
first="${ENGINES%% *}"
MAX_USER="$("$ANIMETL" query --warehouse "$(warehouse_of "$first")" --format csv --sql 'SELECT max(user_id) FROM user_anime' | tail -1)"
"$ANIMETL" query --warehouse "$(warehouse_of "$first")" --format csv --sql 'SELECT anime_id, name FROM anime ORDER BY anime_id' >"$OUT/anime.csv" \
    || die "listing the anime failed"

# --- trials ----------------------------------------------------------------------
# trial ENGINE CLIENTS: serve, warm up, then load while a full run publishes.
trial() {
    local e="$1" c="$2" name="$1-$2" port wh
    wh="$(warehouse_of "$e")"
    port="$(free_port)"
    log "$e, $c clients: serve on 127.0.0.1:$port, a full run publishing during the load"
    local prof=""
    [ "${BENCH_SERVE_CPUPROFILE:-}" != 1 ] || prof="$OUT/serve-$name.pprof"
    ANIMETL_CPUPROFILE="$prof" "$ANIMETL" serve --warehouse "$wh" --addr "127.0.0.1:$port" --log-level warn ${SERVE_FLAGS[@]+"${SERVE_FLAGS[@]}"} \
        >"$OUT/serve-$name.out" 2>"$OUT/serve-$name.log" &
    SERVE_PID=$!
    wait_port "$port" || die "serve did not listen (see $OUT/serve-$name.log)"
    local i
    for i in $(seq 1 100); do
        curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
        sleep 0.1
    done
    "$WORK/servebench" -base "http://127.0.0.1:$port" -clients 10 -duration 3s -anime "$OUT/anime.csv" -seed 7 >/dev/null \
        || die "the warm-up failed"
    local load_start
    load_start="$(date +%s.%N)"
    "$ANIMETL" run --source "$DATA" --warehouse "$wh" --mode full --progress never --json ${RUN_REC[@]+"${RUN_REC[@]}"} \
        >"$OUT/run-$name.json" 2>"$OUT/run-$name.log" &
    RUN_PID=$!
    "$WORK/servebench" -base "http://127.0.0.1:$port" -clients "$c" -duration "${LOAD_SECONDS}s" -publish-tail 5s \
        -users "$MAX_USER" -max-duration 240s -anime "$OUT/anime.csv" -label "$name" >"$OUT/load-$name.json" || die "the load generator failed"
    local run_rc=0
    wait "$RUN_PID" || run_rc=$?
    RUN_PID=""
    local rss
    rss="$(awk '/^VmHWM:/ {print $2}' "/proc/$SERVE_PID/status")"
    kill -TERM "$SERVE_PID"
    wait "$SERVE_PID" || true
    SERVE_PID=""
    python3 - "$OUT" "$name" "$e" "$c" "$run_rc" "$rss" "$load_start" "$(cat /proc/loadavg)" <<'PY'
import json, sys
out, name, engine, clients, run_rc, rss_kib, load_start, loadavg = sys.argv[1:]
load = json.load(open(f"{out}/load-{name}.json"))
try:
    run = json.load(open(f"{out}/run-{name}.json"))
except Exception:
    run = {}
run_id = run.get("run_id", "")
seen = [r["run_id"] for r in load.get("runs_seen", [])]
trial = {
    "engine": engine, "clients": int(clients),
    "requests": load["requests"], "seconds": round(load["seconds"], 2), "rps": round(load["rps"]),
    "latency_ms": {k: round(v, 2) for k, v in load["latency_ms"].items()},
    "errors": load["errors"], "zero_errors": sum(load["errors"].values()) == 0,
    "serve_peak_rss_mib": round(int(rss_kib) / 1024, 1),
    "run": {"exit": int(run_rc), "run_id": run_id, "status": run.get("status", ""),
            "published_during_load": bool(run_id) and run_id in seen[1:],
            "seen_at_s": next((r["first_seen_s"] for r in load.get("runs_seen", []) if r["run_id"] == run_id), None)},
    "routes": load["routes"], "notes": load.get("notes", []), "loadavg_end": loadavg.split()[:3],
}
json.dump(trial, open(f"{out}/trial-{name}.json", "w"), indent=1)
PY
    [ "$run_rc" = 0 ] || log "warning: the run during the load failed (exit $run_rc, see $OUT/run-$name.log)"
}

for e in $ENGINES; do
    for c in $CLIENTS; do
        trial "$e" "$c"
    done
done

# --- pgbench: the same questions straight to PostgreSQL -------------------------------
if [ "$PGBENCH_SECONDS" -gt 0 ] && [ -n "$PG_URL_DB" ]; then
    PGBENCH="$(command -v pgbench || true)"
    [ -n "$PGBENCH" ] || { b="$(pg_bindir)" && [ -x "$b/pgbench" ] && PGBENCH="$b/pgbench"; } || true
    [ -n "$PGBENCH" ] || die "pgbench not found (Debian: postgresql-contrib or the server package)"
    if [[ " $ENGINES " != *" postgres "* ]]; then
        "$ANIMETL" run --source "$DATA" --warehouse "$PG_URL_DB" --mode full --progress never >/dev/null 2>"$OUT/load-pgbench.log" || die "loading PostgreSQL for pgbench failed"
    fi
    read -r ID_MIN ID_MAX < <(psql -X -At -F ' ' "$PG_URL_DB" -c "SELECT min(anime_id), max(anime_id) FROM anime")
    cat >"$OUT/top-rated.sql" <<'SQL'
SELECT a.anime_id, a.name, s.ratings, s.rating_mean, s.rating_weighted, a.score AS catalogue_score
FROM anime_stats s JOIN anime a ON a.anime_id = s.anime_id
WHERE s.ratings >= 50
ORDER BY s.rating_mean DESC, s.rating_weighted DESC, a.anime_id
LIMIT 10;
SQL
    cat >"$OUT/anime.sql" <<SQL
\set id random($ID_MIN, $ID_MAX)
BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;
SELECT * FROM anime WHERE anime_id = :id;
SELECT score, votes FROM anime_score_votes WHERE anime_id = :id ORDER BY score DESC;
SELECT c.watching_status AS status, ws.description, COALESCE(ws.is_documented, false) AS is_documented, c.entries, c.ratings, c.rating_sum
  FROM anime_status_stats c LEFT JOIN watching_status ws ON ws.status = c.watching_status WHERE c.anime_id = :id ORDER BY c.watching_status;
SELECT * FROM anime_stats WHERE anime_id = :id;
COMMIT;
SQL
    log "pgbench: 100 clients, ${PGBENCH_SECONDS}s, top-rated and the per-anime queries (half each), prepared"
    mkdir -p "$OUT/pgbench"
    (cd "$OUT/pgbench" && "$PGBENCH" -n -M prepared -c 100 -j 2 -T "$PGBENCH_SECONDS" -l \
        -f "$OUT/top-rated.sql@1" -f "$OUT/anime.sql@1" "$PG_URL_DB" >"$OUT/pgbench.out" 2>"$OUT/pgbench.err") \
        || { tail -5 "$OUT/pgbench.err" >&2; log "warning: pgbench failed"; }
    python3 - "$OUT" "$PGBENCH_SECONDS" <<'PY'
import glob, json, re, sys
out, secs = sys.argv[1], int(sys.argv[2])
text = open(f"{out}/pgbench.out").read() if glob.glob(f"{out}/pgbench.out") else ""
lat = []
for f in glob.glob(f"{out}/pgbench/pgbench_log.*"):
    for line in open(f):
        p = line.split()
        if len(p) >= 3 and p[2].isdigit():
            lat.append(int(p[2]))
lat.sort()
at = lambda q: round(lat[int(q * (len(lat) - 1) + 0.5)] / 1000, 2) if lat else None
m = re.search(r"tps = ([0-9.]+) \(without initial connection time\)", text)
failed = re.search(r"number of failed transactions: (\d+)", text)
res = {"clients": 100, "threads": 2, "seconds": secs, "transactions": len(lat),
       "tps": round(float(m.group(1))) if m else None,
       "latency_ms": {"p50": at(0.5), "p95": at(0.95), "p99": at(0.99), "max": at(1.0)},
       "failed": int(failed.group(1)) if failed else None,
       "scripts": ["top-rated (LIMIT 10)", "per anime: anime, score votes, status counts, stats in one read-only transaction"]}
json.dump(res, open(f"{out}/pgbench.json", "w"), indent=1)
PY
fi

# --- report ------------------------------------------------------------------------
PGV="$( [ -n "$PG_URL_DB" ] && psql -X -At "$PG_URL_DB" -c "SHOW server_version" 2>/dev/null || true)"
MAXC="$( [ -n "$PG_URL_DB" ] && psql -X -At "$PG_URL_DB" -c "SHOW max_connections" 2>/dev/null || true)"
python3 - "$OUT" "$ROOT/bench/serve.json" "$ROWS" "$PGV" "$MAXC" "$(go version)" <<'PY'
import glob, json, os, subprocess, sys, time
out, dest, rows, pgv, maxc, gov = sys.argv[1:]
trials = [json.load(open(f)) for f in sorted(glob.glob(f"{out}/trial-*.json"))]
pgb = json.load(open(f"{out}/pgbench.json")) if os.path.exists(f"{out}/pgbench.json") else None
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "")
mem = next((int(l.split()[1]) for l in open("/proc/meminfo") if l.startswith("MemTotal")), 0)
try:
    commit = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
except Exception:
    commit = ""
res = {"schema": 1, "timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "rows": int(rows),
       "git": commit, "machine": {"nproc": os.cpu_count(), "cpu": cpu, "memory_gib": round(mem / 1048576, 1),
       "postgresql": pgv, "max_connections": maxc, "go": gov},
       "goals": {"p99_ms_at_100_clients": 50, "errors": 0},
       "trials": trials, "pgbench": pgb}
json.dump(res, open(dest, "w"), indent=1)
print(f"\nServing {int(rows):,} rows, {os.cpu_count()} cores, a full run publishing during each load:\n")
print("| engine | clients | requests/s | p50 ms | p95 ms | p99 ms | max ms | errors | serve peak RSS | publish during load |")
print("|---|---|---|---|---|---|---|---|---|---|")
for t in trials:
    l = t["latency_ms"]
    errs = sum(t["errors"].values())
    ekind = ", ".join(f"{k} {v}" for k, v in sorted(t["errors"].items()))
    pub = "yes" if t["run"]["published_during_load"] else f"NO (run exit {t['run']['exit']})"
    print(f"| {t['engine']} | {t['clients']} | {t['rps']:,} | {l['p50']} | {l['p95']} | {l['p99']} | {l['max']} | "
          f"{errs}{' (' + ekind + ')' if errs else ''} | {t['serve_peak_rss_mib']} MiB | {pub} |")
if pgb:
    l = pgb["latency_ms"]
    print(f"| pgbench (straight to PostgreSQL) | 100 | {pgb['tps']} tx/s | {l['p50']} | {l['p95']} | {l['p99']} | {l['max']} | "
          f"{pgb['failed']} failed | – | no run |")
rec = [(t, r, t["routes"][r]) for t in trials for r in ("similar", "recommendations") if r in t.get("routes", {})]
if rec:
    print("\nRecommendation endpoints (goal: p99 <= 20 ms at 100 clients):\n")
    print("| engine | clients | route | requests | p50 ms | p99 ms | max ms | errors |")
    print("|---|---|---|---|---|---|---|---|")
    for t, r, s in rec:
        l = s["latency_ms"]
        print(f"| {t['engine']} | {t['clients']} | {r} | {s['requests']:,} | {l['p50']} | {l['p99']} | {l['max']} | {sum(s.get('errors', {}).values())} |")
for t in trials:
    for n in t.get("notes", []):
        print(f"note ({t['engine']}, {t['clients']}): {n}")
    break
print(f"\nwrote {dest}")
PY
