#!/usr/bin/env bash
# The Spark engine's scaling curve on this machine (what `make bench-spark`
# calls): `animetl run --engine spark --mode full` into DuckDB at each size,
# on a Spark Connect server per master (local[1] and local[2]: one core
# against two), and the local engine at the same sizes for reference.
#
#   scripts/bench_spark.sh
#   BENCH_SPARK_ROWS=1000000 scripts/bench_spark.sh       (one point: partial)
#
# Each size's set is generated once (`animetl gen --rows N --seed 1`, cached
# in bench/work/data-N/, shared with make bench). Both servers
# (scripts/spark-connect.sh, pyspark from PyPI, driver memory 2g, each on its
# own port and state folder under bench/work/) start once, are warmed up by
# one untimed run each, and are stopped at the end. For each size, BENCH_RUNS
# rounds run, alternating: the local engine, then the Spark engine on each
# master, every run into a fresh DuckDB file, checked to succeed and, for
# Spark, to give every file the local run's read/loaded/rejected/duplicate
# counts. Wall time and animetl's peak RSS come from /usr/bin/time, the
# Spark JVM's peak RSS during the run from /proc (scripts/bench_spark_lib.sh),
# the phases from --json. scripts/bench_spark_report.py prints the table of
# medians and writes bench/spark.json, marked partial unless every size of
# the default curve (1M, 4M, 8M) and both masters were measured.
#
# Settings (environment):
#   BENCH_SPARK_ROWS     the sizes, space-separated (default "1000000 4000000 8000000")
#   BENCH_SPARK_MASTERS  the masters (default "local[1] local[2]")
#   BENCH_RUNS           runs of each point (default 2; the median is reported)
#   BENCH_SPARK_PORT     the first server's port, the next ones follow
#                        (default: free ports)
#   BENCH_SPARK_DRIVER_MEMORY  each server's driver memory (default 2g)
#   BENCH_SPARK_OUT      the results file (default bench/spark.json)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
# shellcheck source=scripts/lib.sh
. scripts/lib.sh
# shellcheck source=scripts/bench_spark_lib.sh
. scripts/bench_spark_lib.sh

SIZES="${BENCH_SPARK_ROWS:-1000000 4000000 8000000}"
MASTERS="${BENCH_SPARK_MASTERS:-local[1] local[2]}"
RUNS="${BENCH_RUNS:-2}"
OUT="${BENCH_SPARK_OUT:-bench/spark.json}"
[[ "$RUNS" =~ ^[0-9]+$ ]] && [ "$RUNS" -ge 1 ] || die "BENCH_RUNS must be a whole number of at least 1, not '$RUNS'"
for n in $SIZES; do
    [[ "$n" =~ ^[0-9]+$ ]] && [ "$n" -ge 1 ] || die "BENCH_SPARK_ROWS must be whole numbers, not '$n'"
done
read -r -a MASTER_LIST <<<"$MASTERS" # an array: local[1] must not glob
for m in "${MASTER_LIST[@]}"; do
    [[ "$m" =~ ^local\[[0-9]+\]$ ]] || die "BENCH_SPARK_MASTERS must be local[N] masters, not '$m'"
done
[ -n "$SIZES" ] && [ -n "$MASTERS" ] || die "BENCH_SPARK_ROWS and BENCH_SPARK_MASTERS must not be empty"
for v in $(compgen -e | grep '^ANIMETL_' || true); do
    case "$v" in ANIMETL_BENCH_*) ;; *) log "ignoring $v (the benchmark sets animetl's flags itself)"; unset "$v" ;; esac
done

WORK="$ROOT/bench/work"
LOGS="$WORK/spark-logs"
DUCKDIR="$WORK/spark-duck"
STAGE="file://$WORK/spark-curve-stage"
SAMPLES="$WORK/spark-samples.tsv"
mkdir -p "$WORK" "$LOGS"
rm -f "$LOGS"/* "$SAMPLES"

curve_cleanup() {
    rm -rf "$DUCKDIR" "${STAGE#file://}"
    spark_servers_stop
    cleanup
}
trap curve_cleanup EXIT
trap 'exit 130' INT TERM

ensure_go
ensure_time
command -v python3 >/dev/null 2>&1 || apt_install python3
bash scripts/spark-connect.sh prepare

log "building animetl from the current tree"
ANIMETL="$WORK/animetl-spark-curve"
go build -o "$ANIMETL" ./cmd/animetl || die "go build ./cmd/animetl failed"

for n in $SIZES; do
    ensure_bench_data "$ANIMETL" "$WORK/data-$n" "$n"
done

# One server per master, all started before the first timed run.
declare -A PORT URL
i=0
for m in "${MASTER_LIST[@]}"; do
    if [ -n "${BENCH_SPARK_PORT:-}" ]; then PORT[$m]=$((BENCH_SPARK_PORT + i)); else PORT[$m]="$(free_port)"; fi
    spark_server_start "${PORT[$m]}" "$m"
    URL[$m]="$SPARK_BENCH_URL"
    i=$((i + 1))
done
for m in "${MASTER_LIST[@]}"; do
    spark_warm_up "${URL[$m]}" "$STAGE"
done

# point NAME ROWS RUN CMD...: runs CMD under /usr/bin/time, checks its --json
# (status, and the list's rows read) and appends "ROWS NAME RUN wall rss
# jvm_kib jvm_span status" to the samples; with JVM_PORT set, the JVM of that
# server has its peak RSS reset before and read after (JVM_SPAN: reset or
# lifetime). Returns 1 when it failed.
point() {
    local name="$1" rows="$2" run="$3"; shift 3
    local base="$LOGS/$name-$rows-$run" rc=0 wall rss jvm="" span=""
    if [ -n "${JVM_PORT:-}" ]; then
        span=reset
        spark_jvm_reset "$JVM_PORT" || span=lifetime
    fi
    /usr/bin/time -f '%e %M' -o "$base.time" "$@" >"$base.out" 2>"$base.err" || rc=$?
    [ -z "${JVM_PORT:-}" ] || jvm="$(spark_jvm_peak "$JVM_PORT")"
    read -r wall rss < <(tail -n 1 "$base.time") || true
    [[ "${wall:-}" =~ ^[0-9.]+$ ]] || rc=1
    if [ "$rc" = 0 ] && python3 - "$base.out" "$rows" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
lst = [f for f in d.get("files", []) if f.get("name") == "animelist.csv"]
if d.get("status") != "succeeded" or not lst or lst[0].get("rows_read") != int(sys.argv[2]):
    sys.exit(f"error: status {d.get('status')!r}, {d.get('error', '')}")
PY
    then
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\tok\n' "$rows" "$name" "$run" "$wall" "$rss" "$jvm" "$span" >>"$SAMPLES"
        printf '   %-16s %9s rows run %s: %8.2f s %8.1f MiB\n' "$name" "$rows" "$run" "$wall" "$(awk -v k="$rss" 'BEGIN{print k/1024}')" >&2
        return 0
    fi
    printf '%s\t%s\t%s\t0\t0\t\t\tfailed\n' "$rows" "$name" "$run" >>"$SAMPLES"
    echo "warning: $name at $rows rows (run $run) failed: see $base.err" >&2
    tail -n 5 "$base.err" >&2 || true
    return 1
}

# same_counts NAME ROWS RUN: NAME's run gave every file the counts of the
# local engine's run of the same round; otherwise its sample becomes failed.
same_counts() {
    local base="$LOGS/$1-$2-$3"
    if ! python3 - "$base.out" "$LOGS/local-$2-$3.out" <<'PY'; then
import json, sys
keys = ("rows_read", "rows_loaded", "rows_rejected", "rows_duplicate")
def files(path):
    return {f["name"]: tuple(f.get(k) for k in keys) for f in json.load(open(path)).get("files", [])}
got, want = files(sys.argv[1]), files(sys.argv[2])
for name in sorted(set(got) | set(want)):
    if got.get(name) != want.get(name):
        sys.exit(f"error: {name}: spark {got.get(name)}, local {want.get(name)} {keys}")
PY
        echo "warning: $1 at $2 rows (run $3) counted differently from the local engine" >&2
        sed -i "/^$2\t$1\t$3\t/d" "$SAMPLES"
        printf '%s\t%s\t%s\t0\t0\t\t\tfailed\n' "$2" "$1" "$3" >>"$SAMPLES"
    fi
}

LOADAVG_START="$(cat /proc/loadavg)"
for n in $SIZES; do
    data="$WORK/data-$n"
    cat "$data"/*.csv >/dev/null
    log "$n rows: $RUNS round(s) of the local engine and the Spark engine on $MASTERS"
    for run in $(seq 1 "$RUNS"); do
        rm -rf "$DUCKDIR"; mkdir -p "$DUCKDIR"; sync
        local_ok=1
        JVM_PORT="" point local "$n" "$run" "$ANIMETL" run --source "$data" \
            --warehouse "duckdb:$DUCKDIR/animetl.duckdb" --mode full --json --progress never --log-level warn || local_ok=0
        for m in "${MASTER_LIST[@]}"; do
            name="spark_${m//[^0-9a-z]/}" # local[2] -> spark_local2
            rm -rf "$DUCKDIR"; mkdir -p "$DUCKDIR"; sync
            if JVM_PORT="${PORT[$m]}" point "$name" "$n" "$run" "$ANIMETL" run --source "$data" \
                --warehouse "duckdb:$DUCKDIR/animetl.duckdb" --mode full \
                --engine spark --spark-remote "${URL[$m]}" --spark-stage "$STAGE" \
                --json --progress never --log-level warn; then
                if [ "$local_ok" = 1 ]; then same_counts "$name" "$n" "$run"; fi
            fi
        done
        rm -rf "$DUCKDIR"
    done
done

python3 scripts/bench_spark_report.py --samples "$SAMPLES" --logs "$LOGS" --out "$OUT" \
    --sizes "$SIZES" --masters "$MASTERS" --runs "$RUNS" \
    --driver-memory "${BENCH_SPARK_DRIVER_MEMORY:-2g}" --loadavg-start "$LOADAVG_START" \
    --commit "$(git rev-parse HEAD 2>/dev/null || echo unknown)" \
    --pyspark "$(grep -E '^pyspark' scripts/requirements-spark.txt | head -n 1)"
