#!/usr/bin/env bash
# The recommenders' benchmark (what `make bench-rec` calls): animetl's ALS
# against the implicit library's ALS (PyPI, CPU, benchmark only), and
# `animetl evaluate` of every model, on the generated set.
#
#   scripts/bench_rec.sh
#   BENCH_ROWS=300000 scripts/bench_rec.sh      (a quick pass)
#
# It generates N list rows once (`animetl gen --rows N --seed 1`, cached in
# bench/work/data-N/, shared with make bench), loads them once into a DuckDB
# warehouse (bench/work/rec-N/warehouse.duckdb, kept), then:
#   1. animetl evaluate --json: every model's NDCG@10, precision@10,
#      recall@10, MAP@10, coverage, training time and peak heap, under
#      /usr/bin/time for the process's peak RSS;
#   2. scripts/recbench prepare: the train half of the seeded split with its
#      confidences (1 + alpha·weight) as raw CSR arrays;
#   3. BENCH_RUNS times, alternating: scripts/bench_rec.py, implicit's ALS
#      on that matrix with the same factors, regularization, iterations,
#      confidences and seed (from a cached virtual environment of
#      scripts/requirements-rec.txt), then scripts/recbench fit, animetl's
#      ALS on the same split; the training times are compared as medians;
#   4. scripts/recbench compare: both models (implicit's last fit, and
#      animetl's fitted again) scored by the same Go metric code
#      (recommend.Metrics);
# and writes bench/rec.json (meant to be committed) with both NDCG@10 and
# training times, their ratios against the goals (NDCG@10 at least 95% of
# implicit's, training at most 2x its time), the machine, the date and the
# evaluate report.
#
# Settings (environment): BENCH_ROWS (default 8000000); BENCH_RUNS (fits of
# each library, default 3); BENCH_REC_FACTORS,
# BENCH_REC_ITERATIONS, BENCH_REC_REGULARIZATION, BENCH_REC_ALPHA (default:
# animetl's defaults).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

ROWS="${BENCH_ROWS:-8000000}"
RUNS="${BENCH_RUNS:-3}"
[[ "$ROWS" =~ ^[0-9]+$ ]] && [ "$ROWS" -ge 1 ] || die "BENCH_ROWS must be a whole number above 0, not '$ROWS'"
[[ "$RUNS" =~ ^[0-9]+$ ]] && [ "$RUNS" -ge 1 ] || die "BENCH_RUNS must be a whole number above 0, not '$RUNS'"
ALS_FLAGS=()
for v in FACTORS ITERATIONS REGULARIZATION ALPHA; do
    n="BENCH_REC_$v"
    if [ -n "${!n:-}" ]; then
        ALS_FLAGS+=("-$(tr '[:upper:]' '[:lower:]' <<<"$v")" "${!n}")
    fi
done
for v in $(compgen -e | grep '^ANIMETL_' || true); do
    log "ignoring $v (the benchmark sets animetl's flags itself)"; unset "$v"
done

ensure_go
ensure_time
WORK="$PWD/bench/work"
DATA="$WORK/data-$ROWS"
REC="$WORK/rec-$ROWS"
mkdir -p "$REC"
ANIMETL="$WORK/animetl"
go build -o "$ANIMETL" ./cmd/animetl || die "go build ./cmd/animetl failed"
go build -o "$WORK/recbench" ./scripts/recbench || die "go build ./scripts/recbench failed"
ensure_bench_data "$ANIMETL" "$DATA" "$ROWS"

WH="$REC/warehouse.duckdb"
if [ ! -f "$REC/.loaded" ]; then
    log "loading $DATA into $WH"
    rm -f "$WH" "$WH.wal"
    "$ANIMETL" run --source "$DATA" --warehouse "duckdb:$WH" --mode full --progress never >&2 || die "animetl run failed"
    touch "$REC/.loaded"
fi

eval_flags=()
for a in "${ALS_FLAGS[@]}"; do eval_flags+=("${a/#-/--}"); done
log "animetl evaluate (every model)"
/usr/bin/time -f '%e %M' -o "$REC/evaluate.time" \
    "$ANIMETL" evaluate --warehouse "duckdb:$WH" --json "${eval_flags[@]}" >"$REC/evaluate.json" || die "animetl evaluate failed"

VENV="$(cached_venv "${XDG_CACHE_HOME:-$HOME/.cache}/animetl/venv-rec-$(sha256sum scripts/requirements-rec.txt | cut -c1-12)" \
    scripts/requirements-rec.txt "the implicit library")" || exit 1

log "the train split for implicit"
"$WORK/recbench" prepare -warehouse "$WH" -work "$REC/split" "${ALS_FLAGS[@]}" || die "recbench prepare failed"
rm -f "$REC/split/implicit-times.txt" "$REC/split/go-times.txt"
for run in $(seq 1 "$RUNS"); do
    log "run $run of $RUNS: implicit's ALS, then animetl's"
    OPENBLAS_NUM_THREADS=1 "$VENV/bin/python" scripts/bench_rec.py "$REC/split" || die "implicit's ALS failed"
    "$WORK/recbench" fit -warehouse "$WH" -work "$REC/split" -go-times "$REC/split/go-times.txt" "${ALS_FLAGS[@]}" \
        || die "recbench fit failed"
done
log "both scored"
"$WORK/recbench" compare -warehouse "$WH" -work "$REC/split" -out bench/rec.json \
    -evaluate "$REC/evaluate.json" -evaluate-time "$REC/evaluate.time" \
    -go-times "$REC/split/go-times.txt" -implicit-times "$REC/split/implicit-times.txt" "${ALS_FLAGS[@]}" >/dev/null \
    || die "recbench compare failed"
"$VENV/bin/python" - bench/rec.json <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print("\n| model | NDCG@10 | training (median; each fit) |")
print("|---|---:|---:|")
def fits(side):
    return ", ".join("%.1f" % x for x in side.get("train_samples", []))
print("| animetl ALS (Go) | %.4f | %.1f s (%s) |" % (r["animetl"]["ndcg_at_10"], r["animetl"]["train_seconds"], fits(r["animetl"])))
print("| %s ALS | %.4f | %.1f s (%s) |" % (r["implicit"]["version"], r["implicit"]["ndcg_at_10"], r["implicit"]["train_seconds"], fits(r["implicit"])))
print("\nNDCG ratio %.3f (goal >= 0.95), time ratio %.2f (goal <= 2): %s" % (r["ndcg_ratio"], r["time_ratio"], "met" if r["goals_met"] else "NOT met"))
e = r.get("evaluate") or {}
print("\n| model | NDCG@10 | precision@10 | recall@10 | MAP@10 | coverage | train s | score s | fit heap MiB |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
for m in e.get("models", []):
    print("| %s | %.4f | %.4f | %.4f | %.4f | %.4f | %.1f | %.1f | %.0f |" % (m["model"], m["ndcg"], m["precision"], m["recall"], m["map"], m["coverage"], m["train_seconds"], m["score_seconds"], m["fit_peak_heap_bytes"] / 2**20))
if "evaluate_peak_rss_bytes" in r:
    print("\nevaluate: %.0f s, peak RSS %.0f MiB (all models in one process)" % (r["evaluate_seconds"], r["evaluate_peak_rss_bytes"] / 2**20))
PY
