#!/usr/bin/env bash
# The benchmark: animetl against the floors of its two warehouses, with
# reference peers, in one run (what `make bench` calls): every row of the
# target table of issue 11, each said met or missed.
#
#   scripts/bench.sh
#   BENCH_ROWS=300000 BENCH_RUNS=3 scripts/bench.sh      (a quick pass)
#
# It generates N list rows once (`animetl gen --rows N --seed 1`, cached in
# bench/work/data-N/), then runs, alternating, BENCH_RUNS times each:
#   F_pg    psql \copy of animelist.csv into an UNLOGGED table without
#           indexes, then CREATE UNIQUE INDEX (user_id, anime_id) on it
#           (timed separately; F_pg is their sum);
#   animetl run --mode full of the four files into PostgreSQL (a fresh
#           database each run);
#   F_duck  scripts/duckfloor: CREATE TABLE AS SELECT * FROM read_csv through
#           the DuckDB library animetl links;
#   animetl run --mode full into DuckDB (the file removed before each run);
#   animetl run --engine spark --mode full into DuckDB (animetl_spark_duck,
#           scripts/bench_spark_lib.sh): a Spark Connect server (local[2],
#           driver 2g) this script starts once on its own port, warmed up by
#           one untimed run, and stops at the end; every file's counts must
#           equal the local engine's run of the same round;
# then, in the first BENCH_AUX_RUNS of those rounds, the rows of
# scripts/bench_rows.sh: both floors and full runs again on the indexed
# layout, an incremental run of a 1% day (ROWS/100 upserts, ROWS/1000
# deletes) against a full run of its base, and full runs on a base with 3
# conflicting repeated keys; and then BENCH_PEER_RUNS times the reference
# peers: pgloader, and the seed's pandas + row-by-row INSERT
# (scripts/bench_seed.py, on its first BENCH_SEED_ROWS rows, extrapolated
# linearly to N). Wall time and peak RSS come from /usr/bin/time; each animetl
# run's --json gives its phases. scripts/bench_report.py prints the table of
# medians and ratios, the targets (scripts/bench_targets.py) each said met or
# missed (the peak RSS growth 8M <-> 80M against the latest run at the other
# size in bench/history.jsonl), and one phase table per warehouse, and writes
# bench/results.json (also appended as one line to bench/history.jsonl), both
# meant to be committed after a full-size run.
#
# Settings (environment):
#   BENCH_ROWS             list rows (default 8000000)
#   BENCH_RUNS             runs of each headline contender (default 3)
#   BENCH_AUX_RUNS         runs of the layout, incremental and repeats rows
#                          (default BENCH_RUNS, at most 2; 0 skips them)
#   BENCH_PEER_RUNS        runs of each peer (default 1; 0 skips the peers)
#   BENCH_SEED_ROWS        rows the seed peer inserts (default 100000)
#   BENCH_STRICT           1: exit 1 when a target (not a stretch) is missed
#   BENCH_SPARK            0: skip the Spark engine's contender (default 1)
#   BENCH_SPARK_PORT       the port of its Spark Connect server (default: a
#                          free one); BENCH_SPARK_MASTER (local[2]) and
#                          BENCH_SPARK_DRIVER_MEMORY (2g)
#   ANIMETL_BENCH_POSTGRES a postgres:// URL of a server to use (a role that
#                          may create databases); otherwise a throwaway cluster
#                          is started with the default durability settings,
#                          max_wal_size=4GB and maintenance_work_mem=256MB
#   BENCH_PG_DB            the database the benchmark creates, drops and
#                          recreates on that server (default animetl_bench)
# Other ANIMETL_* variables are ignored (unset) so that they cannot change
# what animetl does.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
# shellcheck source=scripts/lib.sh
. scripts/lib.sh
# shellcheck source=scripts/bench_spark_lib.sh
. scripts/bench_spark_lib.sh

ROWS="${BENCH_ROWS:-8000000}"
RUNS="${BENCH_RUNS:-3}"
PEER_RUNS="${BENCH_PEER_RUNS:-1}"
SEED_ROWS="${BENCH_SEED_ROWS:-100000}"
PG_DB="${BENCH_PG_DB:-animetl_bench}"
AUX_RUNS="${BENCH_AUX_RUNS:-$((RUNS < 2 ? RUNS : 2))}"
for v in ROWS RUNS AUX_RUNS PEER_RUNS SEED_ROWS; do
    [[ "${!v}" =~ ^[0-9]+$ ]] || die "BENCH_$v must be a whole number, not '${!v}'"
done
[ "$ROWS" -ge 1 ] || die "BENCH_ROWS must be at least 1"
[ "$RUNS" -ge 1 ] || die "BENCH_RUNS must be at least 1"
[[ "$PG_DB" =~ ^[a-z_][a-z0-9_]*$ ]] || die "BENCH_PG_DB must be a plain lower-case identifier, not '$PG_DB'"
[ "$SEED_ROWS" -le "$ROWS" ] || SEED_ROWS="$ROWS"
if [ "$AUX_RUNS" -gt 0 ] && [ "$ROWS" -lt 64 ]; then
    die "BENCH_ROWS must be at least 64 for the repeats row (or set BENCH_AUX_RUNS=0)"
fi

BENCH_PG_URL="${ANIMETL_BENCH_POSTGRES:-}"
for v in $(compgen -e | grep '^ANIMETL_' || true); do
    case "$v" in ANIMETL_BENCH_*) ;; *) log "ignoring $v (the benchmark sets animetl's flags itself)"; unset "$v" ;; esac
done

WORK="$ROOT/bench/work"
DATA="$WORK/data-$ROWS"
LOGS="$WORK/logs"
DUCKDIR="$WORK/duck"
SAMPLES="$WORK/samples.tsv"
mkdir -p "$WORK" "$LOGS" "$DUCKDIR"
rm -f "$LOGS"/* "$SAMPLES"

DB_CREATED=""
bench_cleanup() {
    rm -rf "$DUCKDIR" "$WORK/pgloader" "$WORK/spark-stage"
    spark_servers_stop
    if [ -n "$DB_CREATED" ] && [ -n "${ADMIN_URL:-}" ]; then
        psql -X -q "$ADMIN_URL" -c "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >/dev/null 2>&1 || true
    fi
    cleanup
}
trap bench_cleanup EXIT
trap 'exit 130' INT TERM

# --- tools -------------------------------------------------------------------
ensure_go
ensure_time
ensure_psql
command -v python3 >/dev/null 2>&1 || apt_install python3
if [ "$PEER_RUNS" -gt 0 ]; then
    ensure_pgloader
    VENV="$(ensure_bench_venv)"
fi

log "building animetl and the DuckDB floor from the current tree"
go build -o "$WORK/animetl" ./cmd/animetl || die "go build ./cmd/animetl failed"
go build -o "$WORK/duckfloor" ./scripts/duckfloor || die "go build ./scripts/duckfloor failed"
ANIMETL="$WORK/animetl"

# --- data --------------------------------------------------------------------
ensure_bench_data "$ANIMETL" "$DATA" "$ROWS"
LIST="$DATA/animelist.csv"
[ -s "$LIST" ] || die "$LIST is missing or empty: remove $DATA and run again"
# Read the files once so that no contender pays for a cold page cache.
cat "$DATA"/*.csv >/dev/null
# shellcheck source=scripts/bench_rows.sh
. scripts/bench_rows.sh
prepare_rows_data
spark_contender_start

# --- PostgreSQL ----------------------------------------------------------------
PG_EXTERNAL=0
if [ -n "$BENCH_PG_URL" ]; then
    PG_EXTERNAL=1
    ADMIN_URL="$BENCH_PG_URL"
    log "PostgreSQL: ANIMETL_BENCH_POSTGRES ($(redact "$ADMIN_URL"))"
else
    start_postgres_cluster -c max_wal_size=4GB -c maintenance_work_mem=256MB
    ADMIN_URL="$PG_URL"
fi
psql -X -q "$ADMIN_URL" -Atc "SELECT 1" >/dev/null || die "cannot connect to PostgreSQL at $(redact "$ADMIN_URL")"

# url_with_db URL DB [EXTRA_QUERY]: URL with its database replaced; for
# pgloader (third argument "pgloader") the scheme is postgresql:// and only
# sslmode is kept of the query, plus tablename.
url_with_db() {
    python3 - "$@" <<'PY'
import sys, urllib.parse as u
url, db = sys.argv[1], sys.argv[2]
mode = sys.argv[3] if len(sys.argv) > 3 else ""
p = u.urlsplit(url)
q = u.parse_qsl(p.query, keep_blank_values=True)
scheme = p.scheme
if mode.startswith("pgloader:"):
    scheme = "postgresql"
    q = [(k, v) for k, v in q if k == "sslmode"] + [("tablename", mode.split(":", 1)[1])]
print(u.urlunsplit((scheme, p.netloc, "/" + db, u.urlencode(q), "")))
PY
}
DB_URL="$(url_with_db "$ADMIN_URL" "$PG_DB")"

fresh_db() {
    PGOPTIONS='-c client_min_messages=warning' psql -X -q -v ON_ERROR_STOP=1 "$ADMIN_URL" -c "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >/dev/null \
        || die "cannot drop database $PG_DB"
    psql -X -q -v ON_ERROR_STOP=1 "$ADMIN_URL" -c "CREATE DATABASE $PG_DB" >/dev/null \
        || die "cannot create database $PG_DB (the role needs CREATEDB)"
    DB_CREATED=1
}
pg() { PGOPTIONS='-c client_min_messages=warning' psql -X -q -v ON_ERROR_STOP=1 "$DB_URL" "$@"; }
# settle flushes dirty pages before a timed step, so that no step pays for
# the previous one's writes (CHECKPOINT needs superuser or pg_checkpoint).
settle() {
    sync
    pg -c CHECKPOINT >/dev/null 2>&1 || true
}
fresh_db

PG_VERSION="$(pg -Atc 'SHOW server_version')"
PG_SETTINGS="$(pg -Atc "SELECT json_object_agg(name, current_setting(name)) FROM pg_settings WHERE name IN ('fsync','synchronous_commit','full_page_writes','max_wal_size','maintenance_work_mem','shared_buffers','wal_level','work_mem')")"
log "PostgreSQL $PG_VERSION, database $PG_DB: $PG_SETTINGS"

# --- measuring -----------------------------------------------------------------
# measure NAME RUN CMD...: runs CMD under /usr/bin/time (stdout and stderr to
# $LOGS/NAME-RUN.{out,err}) and appends "NAME RUN wall_s rss_kib status" to
# the samples. Returns CMD's exit status.
measure() {
    local name="$1" run="$2"; shift 2
    local tf="$LOGS/$name-$run.time" rc=0
    /usr/bin/time -f '%e %M' -o "$tf" "$@" >"$LOGS/$name-$run.out" 2>"$LOGS/$name-$run.err" || rc=$?
    local wall rss
    read -r wall rss < <(tail -n 1 "$tf") || true
    if ! [[ "${wall:-}" =~ ^[0-9.]+$ ]]; then
        echo "no timing in $tf" >>"$LOGS/$name-$run.err"
        [ "$rc" != 0 ] || rc=1
    fi
    if [ "$rc" = 0 ]; then
        printf '%s\t%s\t%s\t%s\tok\n' "$name" "$run" "$wall" "$rss" >>"$SAMPLES"
        printf '   %-22s run %s: %8.2f s %8.1f MiB\n' "$name" "$run" "$wall" "$(awk -v k="$rss" 'BEGIN{print k/1024}')" >&2
    fi
    return "$rc"
}
# show_failure NAME RUN: prints the end of a failed step's logs.
show_failure() {
    local name="$1" run="$2"
    printf -- '--- %s run %s, stderr (last lines of %s):\n' "$name" "$run" "$LOGS/$name-$run.err" >&2
    tail -n 30 "$LOGS/$name-$run.err" >&2 || true
    tail -n 5 "$LOGS/$name-$run.out" >&2 || true
}
must() { # must NAME RUN CMD...: measure, and fail the benchmark when CMD fails
    local name="$1" run="$2"
    local rc=0
    measure "$@" || rc=$?
    [ "$rc" = 0 ] || { show_failure "$name" "$run"; die "$name (run $run) failed with exit status $rc: see $LOGS/$name-$run.err"; }
}
record_failure() { printf '%s\t%s\t0\t0\tfailed\n' "$1" "$2" >>"$SAMPLES"; }

# check_json NAME RUN FILE ROWS [REJECTED]: the animetl run's --json status
# must be "succeeded", it must have read ROWS rows of FILE and, when REJECTED
# is given, rejected that many of them. Returns 1 (with a message) otherwise.
check_json() {
    python3 - "$LOGS/$1-$2.out" "$3" "$4" "${5:-}" <<'PY' || { echo "error: $1 (run $2) did not succeed: see $LOGS/$1-$2.out and .err" >&2; return 1; }
import json, sys
path, name, rows, rejected = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
try:
    d = json.load(open(path))
except Exception as e:
    sys.exit(f"error: {path}: not one JSON object ({e})")
if d.get("status") != "succeeded":
    sys.exit(f"error: status {d.get('status')!r}: {d.get('error', '')}")
lst = [f for f in d.get("files", []) if f.get("name") == name]
if not lst or lst[0].get("rows_read") != rows:
    sys.exit(f"error: {name} rows_read {lst[0].get('rows_read') if lst else None}, want {rows}")
if rejected != "" and lst[0].get("rows_rejected") != int(rejected):
    sys.exit(f"error: {name} rows_rejected {lst[0].get('rows_rejected')}, want {rejected}")
PY
}

# check_run NAME RUN: a headline run must succeed and read every list row.
check_run() { check_json "$1" "$2" animelist.csv "$ROWS" || die "$1 (run $2) failed its check"; }

count_is() { # count_is TABLE: the table holds ROWS rows
    local n
    n="$(pg -Atc "SELECT count(*) FROM $1")"
    [ "$n" = "$ROWS" ] || { echo "error: $1 holds $n rows, want $ROWS" >&2; return 1; }
}

FLOOR_DDL="CREATE UNLOGGED TABLE floor_list (user_id int, anime_id int, rating smallint, watching_status smallint, watched_episodes int)"
DUCK_VERSION=""

LOADAVG_START="$(cat /proc/loadavg)"
log "contenders: $RUNS rounds, alternating (N = $ROWS rows; the layout, incremental and repeats rows in the first $AUX_RUNS)"
for run in $(seq 1 "$RUNS"); do
    # F_pg: \copy into an unlogged table, then the unique index.
    pg -c "DROP TABLE IF EXISTS floor_list" -c "$FLOOR_DDL" >/dev/null
    settle
    must pg_copy "$run" psql -X -q -v ON_ERROR_STOP=1 "$DB_URL" \
        -c "\\copy floor_list FROM '$LIST' WITH (FORMAT csv, HEADER)"
    settle
    must pg_index "$run" psql -X -q -v ON_ERROR_STOP=1 "$DB_URL" \
        -c "CREATE UNIQUE INDEX floor_list_key ON floor_list (user_id, anime_id)"
    count_is floor_list || die "the PostgreSQL floor loaded a wrong number of rows"
    pg -c "DROP TABLE floor_list" >/dev/null

    # animetl into PostgreSQL, into a fresh database.
    fresh_db
    settle
    must animetl_pg "$run" "$ANIMETL" run --source "$DATA" --warehouse "$DB_URL" --mode full \
        --json --progress never --log-level warn
    check_run animetl_pg "$run"
    fresh_db

    # The same with the fact table UNLOGGED (--pg-unlogged), a documented
    # trade of crash durability for speed.
    settle
    must animetl_pg_unlogged "$run" "$ANIMETL" run --source "$DATA" --warehouse "$DB_URL" --mode full \
        --pg-unlogged --json --progress never --log-level warn
    check_run animetl_pg_unlogged "$run"
    fresh_db

    # F_duck.
    rm -rf "$DUCKDIR"; mkdir -p "$DUCKDIR"; sync
    must duck_floor "$run" "$WORK/duckfloor" -csv "$LIST" -db "$DUCKDIR/floor.duckdb"
    grep -q "^loaded $ROWS rows" "$LOGS/duck_floor-$run.out" \
        || die "the DuckDB floor loaded a wrong number of rows: $(cat "$LOGS/duck_floor-$run.out")"

    # animetl into DuckDB, the file removed first.
    rm -rf "$DUCKDIR"; mkdir -p "$DUCKDIR"; sync
    must animetl_duck "$run" "$ANIMETL" run --source "$DATA" --warehouse "duckdb:$DUCKDIR/animetl.duckdb" --mode full \
        --json --progress never --log-level warn
    check_run animetl_duck "$run"
    if [ -z "$DUCK_VERSION" ]; then
        DUCK_VERSION="$("$ANIMETL" query --sql 'SELECT version() AS v' --warehouse "duckdb:$DUCKDIR/animetl.duckdb" --format csv 2>/dev/null | tail -n 1 || true)"
    fi
    rm -rf "$DUCKDIR"

    # The same with DuckDB's own CSV reader for the list (--duckdb-csv auto,
    # off by default): measured here so a quiet run says whether it pays.
    mkdir -p "$DUCKDIR"
    must animetl_duck_csv "$run" "$ANIMETL" run --source "$DATA" --warehouse "duckdb:$DUCKDIR/animetl.duckdb" --mode full \
        --duckdb-csv auto --json --progress never --log-level warn
    check_run animetl_duck_csv "$run"
    rm -rf "$DUCKDIR"

    spark_contender_round "$run"

    rows_round "$run"
done

if [ "$PEER_RUNS" -gt 0 ]; then
    log "peers (references, not contenders): $PEER_RUNS run(s) each"
    PGL_URL="$(url_with_db "$ADMIN_URL" "$PG_DB" pgloader:pgloader_list)"
    for run in $(seq 1 "$PEER_RUNS"); do
        # pgloader into a fresh table.
        pg -c "DROP TABLE IF EXISTS pgloader_list" \
           -c "CREATE TABLE pgloader_list (user_id int, anime_id int, rating smallint, watching_status smallint, watched_episodes int)" >/dev/null
        rm -rf "$WORK/pgloader"; mkdir -p "$WORK/pgloader"
        settle
        if measure pgloader "$run" pgloader --root-dir "$WORK/pgloader" --logfile "$WORK/pgloader/pgloader.log" \
                --type csv --field "user_id,anime_id,rating,watching_status,watched_episodes" \
                --with "skip header = 1" --with "fields terminated by ','" \
                "$LIST" "$PGL_URL" \
            && count_is pgloader_list 2>>"$LOGS/pgloader-$run.err"; then
            :
        else
            show_failure pgloader "$run"
            echo "warning: pgloader (a peer) failed; it is reported as failed" >&2
            sed -i "/^pgloader\t$run\t/d" "$SAMPLES"
            record_failure pgloader "$run"
        fi
        pg -c "DROP TABLE IF EXISTS pgloader_list" >/dev/null

        # The seed: pandas + one INSERT per row, first SEED_ROWS rows.
        settle
        if measure seed_insert "$run" "$VENV/bin/python" scripts/bench_seed.py \
                --csv "$LIST" --dsn "$DB_URL" --table seed_list --rows "$SEED_ROWS"; then
            :
        else
            show_failure seed_insert "$run"
            echo "warning: the seed's INSERT (a peer) failed; it is reported as failed" >&2
            record_failure seed_insert "$run"
        fi
    done
fi

# --- report ----------------------------------------------------------------------
GIT_COMMIT="$(git rev-parse HEAD 2>/dev/null || echo unknown)"
GIT_DIRTY=false
[ -n "$(git status --porcelain --untracked-files=no -- . ':(exclude)bench' ':(exclude)README.md' 2>/dev/null)" ] && GIT_DIRTY=true
[ -n "$DUCK_VERSION" ] || DUCK_VERSION="unknown"
PGLOADER_VERSION="" SEED_PACKAGES=""
if [ "$PEER_RUNS" -gt 0 ]; then
    PGLOADER_VERSION="$(pgloader --version 2>/dev/null | tr '\n' ' ' | sed 's/ *$//' || true)"
    SEED_PACKAGES="$(grep -E '^[a-zA-Z]' scripts/requirements-bench.txt | tr '\n' ' ' | sed 's/ *$//')"
fi
META="$WORK/meta.json"
SPARK_MASTER="$([ -n "$SPARK_CONTENDER_URL" ] && echo "${BENCH_SPARK_MASTER:-local[2]}" || true)" \
SPARK_DRIVER_MEMORY="${BENCH_SPARK_DRIVER_MEMORY:-2g}" SPARK_PYSPARK="$(grep -E '^pyspark' scripts/requirements-spark.txt | head -n 1 || true)" \
AUX_RUNS="$AUX_RUNS" DELTA_ROWS="$DELTA_ROWS" DELTA_DELETES="$DELTA_DELETES" REPEATS="$REPEATS" INDEXED_LIST="$INDEXED_DATA/animelist.csv" \
ROWS="$ROWS" RUNS="$RUNS" PEER_RUNS="$PEER_RUNS" SEED_ROWS="$SEED_ROWS" GIT_COMMIT="$GIT_COMMIT" GIT_DIRTY="$GIT_DIRTY" \
PG_VERSION="$PG_VERSION" PG_SETTINGS="$PG_SETTINGS" PG_EXTERNAL="$PG_EXTERNAL" DUCK_VERSION="$DUCK_VERSION" PGLOADER_VERSION="$PGLOADER_VERSION" SEED_PACKAGES="$SEED_PACKAGES" \
GO_VERSION="$(go version | sed 's/^go version //')" LOADAVG_START="$LOADAVG_START" DATA="$DATA" LIST="$LIST" ROOT="$ROOT" \
python3 - "$META" <<'PY'
import json, os, platform, sys
e = os.environ
def cpu_model():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"
def mem_gib():
    for line in open("/proc/meminfo"):
        if line.startswith("MemTotal:"):
            return round(int(line.split()[1]) / 1024 / 1024, 1)
meta = {
    "rows": int(e["ROWS"]), "runs": int(e["RUNS"]), "peer_runs": int(e["PEER_RUNS"]), "seed_rows": int(e["SEED_ROWS"]),
    "git": {"commit": e["GIT_COMMIT"], "dirty": e["GIT_DIRTY"] == "true"},
    "machine": {
        "nproc": os.cpu_count(), "cpu": cpu_model(), "memory_gib": mem_gib(), "kernel": platform.release(),
        "loadavg_start": e["LOADAVG_START"].split()[:3], "loadavg_end": open("/proc/loadavg").read().split()[:3],
        "postgresql": e["PG_VERSION"], "duckdb": e["DUCK_VERSION"], "go": e["GO_VERSION"],
    },
    "postgresql": {"external": e["PG_EXTERNAL"] == "1", "settings": json.loads(e["PG_SETTINGS"] or "{}")},
    "peers": {"pgloader": e["PGLOADER_VERSION"], "seed": e["SEED_PACKAGES"]},
    "data": {"dir": os.path.relpath(e["DATA"], e["ROOT"]), "animelist_bytes": os.path.getsize(e["LIST"])},
    "aux_runs": int(e["AUX_RUNS"]),
}
if e["SPARK_MASTER"]:
    meta["spark"] = {"master": e["SPARK_MASTER"], "driver_memory": e["SPARK_DRIVER_MEMORY"],
                     "server": e["SPARK_PYSPARK"] + " (PyPI), Spark Connect on this machine"}
if meta["aux_runs"] > 0:
    meta["data"]["indexed_animelist_bytes"] = os.path.getsize(e["INDEXED_LIST"])
    meta["delta"] = {"upserts": int(e["DELTA_ROWS"]), "deletes": int(e["DELTA_DELETES"])}
    meta["repeats"] = int(e["REPEATS"])
json.dump(meta, open(sys.argv[1], "w"))
PY
python3 scripts/bench_report.py --samples "$SAMPLES" --meta "$META" \
    --out bench/results.json --history bench/history.jsonl --readme README.md ${BENCH_STRICT:+--strict}
