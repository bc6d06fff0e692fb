# The rows of the target table beyond the headline contenders, sourced by
# scripts/bench.sh (which defines measure, must, pg, settle, fresh_db, the
# check functions and the variables used here):
#
#   layout       the full runs and both floors again on the indexed layout
#                (`animetl gen --layout indexed`: a leading index column),
#                floors and runs on the same file in the same round;
#   incremental  on a copy of the base (hard links) with one delta day of
#                ROWS/100 upserts and ROWS/1000 deletes: a full run of the
#                base (timed: the ratio's denominator, same round), then the
#                day moved in and `animetl run --mode incremental` (timed);
#   repeats      a full run on a list of the same size in which 3 lines are
#                conflicting repeats of earlier keys (scripts/bench_repeats.py),
#                against the headline full run on the clean base.
#
# Each runs BENCH_AUX_RUNS times (default: BENCH_RUNS, at most 2), in the
# first rounds of the main loop, after the headline contenders. The data sets
# are derived once from bench/work/data-ROWS and cached beside it (rebuilt
# when that set is newer). A failed animetl run here is recorded as failed and
# the benchmark goes on: the report marks its target as failed.

INDEXED_DATA="$WORK/data-$ROWS-indexed"
INCR_DIR="$WORK/incr-$ROWS"
INCR_SRC="$INCR_DIR/source"
INCR_STASH="$INCR_DIR/stash"
REPEATS_DATA="$WORK/repeats-$ROWS"
DELTA_DAY="2026-11-29"
DELTA_ROWS=$((ROWS / 100 > 0 ? ROWS / 100 : 1))
DELTA_DELETES=$((ROWS / 1000 > 0 ? ROWS / 1000 : 1))
DELTA_FILE="animelist/date=$DELTA_DAY/part-0.csv"
REPEATS=3
FLOOR_DDL_INDEXED="CREATE UNLOGGED TABLE floor_list (idx bigint, user_id int, anime_id int, rating smallint, watching_status smallint, watched_episodes int)"

# --- data ----------------------------------------------------------------------
# fresh_derived DIR: DIR is a complete derived set made after the base set.
fresh_derived() { [ -f "$1/.complete" ] && [ "$1/.complete" -nt "$DATA/.complete" ]; }

# link_base FROM TO [SKIP]: the four files of FROM into TO as hard links
# (copies across file systems), all but SKIP.
link_base() {
    local from="$1" to="$2" skip="${3:-}" f
    mkdir -p "$to"
    for f in anime.csv anime_with_synopsis.csv watching_status.csv animelist.csv; do
        [ "$f" = "$skip" ] && continue
        ln -f "$from/$f" "$to/$f" 2>/dev/null || cp -p "$from/$f" "$to/$f"
    done
}

ensure_incremental_data() {
    if fresh_derived "$INCR_DIR"; then
        log "using the cached incremental set $INCR_DIR"
        # A run stopped between delta_in and delta_out (or a hand that moved
        # the day in) left the day in the source: put it back in the stash.
        delta_out
        return 0
    fi
    log "deriving the incremental set: $DELTA_ROWS upserts and $DELTA_DELETES deletes on $DELTA_DAY, into $INCR_DIR"
    rm -rf "$INCR_DIR"
    link_base "$DATA" "$INCR_SRC"
    "$ANIMETL" gen --out "$INCR_SRC" --delta "$DELTA_DAY" --rows "$DELTA_ROWS" --deletes "$DELTA_DELETES" --seed 1 >&2 \
        || die "animetl gen --delta failed"
    mkdir -p "$INCR_STASH"
    mv "$INCR_SRC/animelist/date=$DELTA_DAY" "$INCR_STASH/"
    touch "$INCR_DIR/.complete"
}

ensure_repeats_data() {
    if fresh_derived "$REPEATS_DATA"; then
        log "using the cached repeats set $REPEATS_DATA"
        return 0
    fi
    log "deriving the repeats set ($REPEATS conflicting repeated keys among $ROWS rows) into $REPEATS_DATA"
    rm -rf "$REPEATS_DATA"
    link_base "$DATA" "$REPEATS_DATA" animelist.csv
    python3 scripts/bench_repeats.py --src "$DATA/animelist.csv" --out "$REPEATS_DATA/animelist.csv" \
        --rows "$ROWS" --repeats "$REPEATS" >&2 || die "scripts/bench_repeats.py failed"
    touch "$REPEATS_DATA/.complete"
}

# prepare_rows_data makes (or finds) every data set of the rows and reads it
# once, so that no contender pays for a cold page cache.
prepare_rows_data() {
    [ "$AUX_RUNS" -gt 0 ] || return 0
    ensure_bench_data "$ANIMETL" "$INDEXED_DATA" "$ROWS" indexed
    ensure_incremental_data
    ensure_repeats_data
    cat "$INDEXED_DATA"/*.csv "$INCR_STASH"/*/*.csv "$INCR_STASH"/*/deletes/*.csv "$REPEATS_DATA/animelist.csv" >/dev/null
}

# delta_out and delta_in move the day out of the incremental source and back
# (a rename: size and modification time, which the ledger reads, are kept).
delta_out() {
    if [ -d "$INCR_SRC/animelist/date=$DELTA_DAY" ]; then
        mv "$INCR_SRC/animelist/date=$DELTA_DAY" "$INCR_STASH/"
    fi
    rmdir "$INCR_SRC/animelist" 2>/dev/null || true
}
delta_in() {
    mkdir -p "$INCR_SRC/animelist"
    mv "$INCR_STASH/date=$DELTA_DAY" "$INCR_SRC/animelist/"
}

# --- measuring -----------------------------------------------------------------
# fail_sample NAME RUN: turns NAME's sample of RUN into a failed one.
fail_sample() {
    sed -i "/^$1\t$2\t/d" "$SAMPLES"
    record_failure "$1" "$2"
}

# attempt NAME RUN CHECK_FILE CHECK_ROWS CHECK_REJECTED CMD...: measures CMD
# like must and checks its --json (check_json), but a failure is recorded as a
# failed sample and returns 1 instead of ending the benchmark.
attempt() {
    local name="$1" run="$2" file="$3" rows="$4" rejected="$5"
    shift 5
    if ! measure "$name" "$run" "$@"; then
        show_failure "$name" "$run"
        record_failure "$name" "$run"
        return 1
    fi
    if ! check_json "$name" "$run" "$file" "$rows" "$rejected"; then
        fail_sample "$name" "$run"
        return 1
    fi
}

# floor_pg PREFIX RUN LIST DDL: F_pg on LIST (samples PREFIX_copy, PREFIX_index).
floor_pg() {
    local prefix="$1" run="$2" list="$3" ddl="$4"
    pg -c "DROP TABLE IF EXISTS floor_list" -c "$ddl" >/dev/null
    settle
    must "${prefix}_copy" "$run" psql -X -q -v ON_ERROR_STOP=1 "$DB_URL" \
        -c "\\copy floor_list FROM '$list' WITH (FORMAT csv, HEADER)"
    settle
    must "${prefix}_index" "$run" psql -X -q -v ON_ERROR_STOP=1 "$DB_URL" \
        -c "CREATE UNIQUE INDEX floor_list_key ON floor_list (user_id, anime_id)"
    count_is floor_list || die "the PostgreSQL floor loaded a wrong number of rows from $list"
    pg -c "DROP TABLE floor_list" >/dev/null
}

# floor_duck NAME RUN LIST: F_duck on LIST.
floor_duck() {
    local name="$1" run="$2" list="$3"
    rm -rf "$DUCKDIR"; mkdir -p "$DUCKDIR"; sync
    must "$name" "$run" "$WORK/duckfloor" -csv "$list" -db "$DUCKDIR/floor.duckdb"
    grep -q "^loaded $ROWS rows" "$LOGS/$name-$run.out" \
        || die "the DuckDB floor loaded a wrong number of rows from $list: $(cat "$LOGS/$name-$run.out")"
    rm -rf "$DUCKDIR"
}

# full_pg NAME RUN SOURCE REJECTED and full_duck NAME RUN SOURCE REJECTED:
# animetl run --mode full of SOURCE into a fresh warehouse, checked to read
# every list row and reject REJECTED of them ("" for any number). The warehouse
# is left in place for an incremental run after it.
full_pg() {
    fresh_db
    settle
    attempt "$1" "$2" animelist.csv "$ROWS" "$4" "$ANIMETL" run --source "$3" --warehouse "$DB_URL" --mode full \
        --json --progress never --log-level warn
}
full_duck() {
    rm -rf "$DUCKDIR"; mkdir -p "$DUCKDIR"; sync
    attempt "$1" "$2" animelist.csv "$ROWS" "$4" "$ANIMETL" run --source "$3" --warehouse "duckdb:$DUCKDIR/animetl.duckdb" --mode full \
        --json --progress never --log-level warn
}

# incremental NAME RUN WAREHOUSE: the day moved in, then animetl run --mode
# incremental, checked to read every upsert line.
incremental() {
    delta_in
    settle
    attempt "$1" "$2" "$DELTA_FILE" "$DELTA_ROWS" "" "$ANIMETL" run --source "$INCR_SRC" --warehouse "$3" --mode incremental \
        --json --progress never --log-level warn || true
    delta_out
}

# --- the rounds ----------------------------------------------------------------
layout_round() {
    local run="$1"
    floor_pg idx_pg "$run" "$INDEXED_DATA/animelist.csv" "$FLOOR_DDL_INDEXED"
    full_pg animetl_pg_indexed "$run" "$INDEXED_DATA" 0 || true
    fresh_db
    floor_duck idx_duck_floor "$run" "$INDEXED_DATA/animelist.csv"
    full_duck animetl_duck_indexed "$run" "$INDEXED_DATA" 0 || true
    rm -rf "$DUCKDIR"
}

incremental_round() {
    local run="$1"
    delta_out
    if full_pg animetl_pg_incr_base "$run" "$INCR_SRC" 0; then
        incremental animetl_pg_incr "$run" "$DB_URL"
    else
        record_failure animetl_pg_incr "$run"
    fi
    fresh_db
    if full_duck animetl_duck_incr_base "$run" "$INCR_SRC" 0; then
        incremental animetl_duck_incr "$run" "duckdb:$DUCKDIR/animetl.duckdb"
    else
        record_failure animetl_duck_incr "$run"
    fi
    rm -rf "$DUCKDIR"
}

repeats_round() {
    local run="$1"
    full_pg animetl_pg_repeats "$run" "$REPEATS_DATA" "$REPEATS" || true
    fresh_db
    full_duck animetl_duck_repeats "$run" "$REPEATS_DATA" "$REPEATS" || true
    rm -rf "$DUCKDIR"
}

# rows_round RUN: the rows' contenders of round RUN (none past BENCH_AUX_RUNS).
rows_round() {
    local run="$1"
    [ "$run" -le "$AUX_RUNS" ] || return 0
    log "round $run: the indexed layout, the incremental day, the repeats"
    layout_round "$run"
    incremental_round "$run"
    repeats_round "$run"
}
