# Spark Connect servers for the benchmarks, sourced by scripts/bench.sh (the
# Spark engine's contender) and scripts/bench_spark.sh (the scaling curve),
# after scripts/lib.sh. Each server is scripts/spark-connect.sh's, on its own
# port and its own state folder under $WORK (logs, pid, spark.local.dir), so a
# benchmark never touches a server it did not start; spark_servers_stop (called
# from the benchmark's cleanup trap) stops every one it started.
#
# The Spark JVM's memory: the server is long-lived, so its peak RSS (VmHWM in
# /proc/PID/status) would otherwise be the highest of its whole life. Before
# each run spark_jvm_reset writes 5 to /proc/PID/clear_refs, which resets that
# peak to the current RSS (Linux 4.0 and later), and spark_jvm_peak reads it
# after: the JVM's peak RSS during the run, its heap and page cache of work
# left from earlier runs included (the JVM rarely returns heap to the system).
# Where the reset is refused, the number is the peak since the server started,
# and the report says so.

SPARK_BENCH_STARTED=() # "PORT DIR" of each server this benchmark started

# spark_server_start PORT MASTER: starts a Spark Connect server (driver memory
# BENCH_SPARK_DRIVER_MEMORY, default 2g) on 127.0.0.1:PORT with MASTER
# (local[N]) and its state in $WORK/spark-connect-PORT, and sets its sc://
# URL into SPARK_BENCH_URL (not printed: a $(...) would lose the record of
# what to stop). Fails when something already answers on PORT.
SPARK_BENCH_URL=""
spark_server_start() {
    local port="$1" master="$2" dir="$WORK/spark-connect-$1" url
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        die "port $port already answers: the benchmark starts its own Spark Connect server (set BENCH_SPARK_PORT)"
    fi
    rm -rf "$dir"
    mkdir -p "$dir"
    SPARK_BENCH_STARTED+=("$port $dir")
    log "starting Spark Connect ($master) on port $port for the benchmark; logs in $dir/logs"
    url="$(SPARK_CONNECT_PORT="$port" SPARK_CONNECT_MASTER="$master" SPARK_CONNECT_DIR="$dir" \
        SPARK_CONNECT_DRIVER_MEMORY="${BENCH_SPARK_DRIVER_MEMORY:-2g}" bash scripts/spark-connect.sh start)" \
        || die "Spark Connect ($master) did not start on port $port: see $dir/logs"
    SPARK_BENCH_URL="${url##*$'\n'}"
}

# spark_servers_stop stops every server spark_server_start started.
spark_servers_stop() {
    local s port dir
    for s in "${SPARK_BENCH_STARTED[@]}"; do
        port="${s%% *}" dir="${s#* }"
        SPARK_CONNECT_PORT="$port" SPARK_CONNECT_DIR="$dir" bash scripts/spark-connect.sh stop >/dev/null 2>&1 || true
    done
    SPARK_BENCH_STARTED=()
}

# spark_jvm_pid PORT: the server JVM's pid (spark-daemon.sh's pid file).
spark_jvm_pid() {
    local f
    for f in "$WORK/spark-connect-$1"/spark-*SparkConnectServer*.pid; do
        [ -f "$f" ] && { cat "$f"; return 0; }
    done
    return 1
}

# spark_jvm_reset PORT: resets the JVM's peak RSS to its current RSS; returns
# 1 when the kernel refuses (the peak then spans the server's life).
spark_jvm_reset() {
    local pid
    pid="$(spark_jvm_pid "$1")" || return 1
    { echo 5 >"/proc/$pid/clear_refs"; } 2>/dev/null
}

# spark_jvm_peak PORT: the JVM's peak RSS in KiB (VmHWM), or nothing.
spark_jvm_peak() {
    local pid
    pid="$(spark_jvm_pid "$1")" || return 0
    awk '/^VmHWM:/ {print $2}' "/proc/$pid/status" 2>/dev/null || true
}

# spark_warm_up URL STAGE: one untimed run of the hostile fixture through the
# server, so that no timed run pays for loading Spark's classes and the first
# JIT compilation (a long-lived server on a cluster has paid them too). Its
# result is ignored.
spark_warm_up() {
    local dir="$WORK/spark-warm-up"
    rm -rf "$dir"; mkdir -p "$dir"
    log "warming up the Spark Connect server at $1 (one untimed run of testdata/hostile)"
    "$ANIMETL" run --source testdata/hostile --warehouse "duckdb:$dir/warm.duckdb" --mode full \
        --engine spark --spark-remote "$1" --spark-stage "$2" --progress never --log-level error >/dev/null 2>&1 || true
    rm -rf "$dir"
}

# --- make bench's contender: animetl_spark_duck ---------------------------------
# spark_contender_start (after the data, before the rounds) starts the server
# (local[2] unless BENCH_SPARK_MASTER, on BENCH_SPARK_PORT or a free port) and
# warms it up; spark_contender_round RUN runs `animetl run --engine spark --mode
# full` of the public set into a fresh DuckDB file as animetl_spark_duck,
# checked like the others, and writes the JVM's peak RSS of the run to
# $LOGS/animetl_spark_duck-RUN.jvm (KiB, then "reset" or "lifetime"), which
# bench_report.py reads. BENCH_SPARK=0 skips both.
SPARK_CONTENDER_PORT=""
SPARK_CONTENDER_URL=""
spark_contender_start() {
    [ "${BENCH_SPARK:-1}" != 0 ] || return 0
    SPARK_CONTENDER_PORT="${BENCH_SPARK_PORT:-$(free_port)}"
    [[ "$SPARK_CONTENDER_PORT" =~ ^[0-9]+$ ]] || die "BENCH_SPARK_PORT must be a port number, not '$SPARK_CONTENDER_PORT'"
    spark_server_start "$SPARK_CONTENDER_PORT" "${BENCH_SPARK_MASTER:-local[2]}"
    SPARK_CONTENDER_URL="$SPARK_BENCH_URL"
    spark_warm_up "$SPARK_CONTENDER_URL" "file://$WORK/spark-stage"
}

spark_contender_round() {
    local run="$1" kind=reset
    [ -n "$SPARK_CONTENDER_URL" ] || return 0
    rm -rf "$DUCKDIR"; mkdir -p "$DUCKDIR"; sync
    spark_jvm_reset "$SPARK_CONTENDER_PORT" || kind=lifetime
    must animetl_spark_duck "$run" "$ANIMETL" run --source "$DATA" --warehouse "duckdb:$DUCKDIR/animetl.duckdb" --mode full \
        --engine spark --spark-remote "$SPARK_CONTENDER_URL" --spark-stage "file://$WORK/spark-stage" \
        --json --progress never --log-level warn
    printf '%s %s\n' "$(spark_jvm_peak "$SPARK_CONTENDER_PORT")" "$kind" >"$LOGS/animetl_spark_duck-$run.jvm"
    check_all_files animetl_spark_duck "$run" "$LOGS/animetl_duck-$run.out" \
        || die "animetl_spark_duck (run $run) failed its check"
    rm -rf "$DUCKDIR"
}

# check_all_files NAME RUN REFERENCE: check_run, and every file of NAME's
# --json has the read/loaded/rejected/duplicate counts of the same file in
# REFERENCE (the local engine's run of the same round).
check_all_files() {
    check_run "$1" "$2" || return 1
    python3 - "$LOGS/$1-$2.out" "$3" <<'PY'
import json, sys
keys = ("rows_read", "rows_loaded", "rows_rejected", "rows_duplicate")
def files(path):
    return {f["name"]: tuple(f.get(k) for k in keys) for f in json.load(open(path)).get("files", [])}
got, want = files(sys.argv[1]), files(sys.argv[2])
if got != want:
    for name in sorted(set(got) | set(want)):
        if got.get(name) != want.get(name):
            print(f"error: {name}: spark {dict(zip(keys, got.get(name) or ()))}, local {dict(zip(keys, want.get(name) or ()))}",
                  file=sys.stderr)
    sys.exit(1)
PY
}
