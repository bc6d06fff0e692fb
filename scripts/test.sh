#!/usr/bin/env bash
# The whole test suite, PostgreSQL included, on a fresh machine.
#
#   scripts/test.sh            (what `make test` and .ci/run call)
#
# Uses ANIMETL_TEST_POSTGRES (a postgres:// URL of a server the tests may
# create databases on) when set. Otherwise it starts a throwaway PostgreSQL
# cluster from the installed server binaries in a temporary folder on a free
# port, installing the `postgresql` package with apt-get when the binaries are
# missing and it runs as root, and stops and removes the cluster at the end.
# Likewise ANIMETL_TEST_S3_ENDPOINT: otherwise moto's S3 server and the AWS
# CLI are installed from PyPI into a cached virtual environment and started.
# Likewise ANIMETL_TEST_CHROMIUM (the dashboard's browser test): otherwise
# Debian's chromium is installed when missing. ANIMETL_SCREENSHOTS=DIR keeps
# the test's screenshots.
# ANIMETL_TEST_AIRFLOW (the airflow command the DAG test runs) likewise: else
# deploy/airflow/requirements.lock is installed into a cached virtual
# environment (ANIMETL_TEST_AIRFLOW=none skips the Airflow test).
# ANIMETL_TEST_PYARROW (a python with pyarrow and pandas, which reads the
# export's lake) likewise: else scripts/requirements-lake.txt is installed
# into a cached virtual environment.
# ANIMETL_TEST_SQLGLOT (a python with sqlglot, which parses the Redshift
# statements) likewise: else scripts/requirements-redshift.txt is installed
# into a cached virtual environment.
# ANIMETL_TEST_SPARK_REMOTE (sc://HOST:PORT of a Spark Connect server for
# the Spark engine's tests) likewise: else scripts/spark-connect.sh starts
# one on a free port, in the background while the rest gets ready, and stops
# it at the end (ANIMETL_TEST_SPARK_REMOTE=none skips those tests).
# Extra arguments go to `go test` (e.g. -run TestContract).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

ensure_go
ensure_spark_connect
ensure_postgres_url
ensure_s3_server
ensure_chromium
ensure_airflow
ensure_systemd_analyze
ensure_pyarrow
ensure_sqlglot

log "go vet"
go vet ./...
if [ -n "$(gofmt -l . | grep -v '^testdata/' || true)" ]; then
    gofmt -l .
    die "gofmt: the files above are not formatted"
fi

# The packages whose code runs goroutines side by side (decoders, loaders,
# ranged readers, sources) run under the race detector; the CLI, the
# generator and the checks, which only drive them, run without it (the race
# detector slows them several times over and finds nothing of theirs).
# TEST_RACE=0 runs every package without it.
RACE_PKGS=()
PLAIN_PKGS=()
for pkg in $(go list ./...); do
    case "$pkg" in
        */cmd/animetl | */deploy | */synth | */quality | */internal/contract | */internal/faultproxy | */spark) PLAIN_PKGS+=("$pkg") ;;
        *) RACE_PKGS+=("$pkg") ;;
    esac
done
[ "${TEST_RACE:-1}" = 0 ] && { PLAIN_PKGS+=("${RACE_PKGS[@]}"); RACE_PKGS=(); }
wait_spark_connect

log "go test (PostgreSQL: $(redact "$ANIMETL_TEST_POSTGRES"), S3: $ANIMETL_TEST_S3_ENDPOINT, Airflow: ${ANIMETL_TEST_AIRFLOW:-skipped}, Spark: ${ANIMETL_TEST_SPARK_REMOTE:-skipped})"
# Both passes run whatever the first gives, so one run shows every failure.
failed=0
if [ "${#RACE_PKGS[@]}" -gt 0 ]; then
    log "go test -race: ${RACE_PKGS[*]##*/animetl/}"
    go test -count=1 -race -timeout 25m "$@" "${RACE_PKGS[@]}" || failed=1
fi
log "go test: ${PLAIN_PKGS[*]##*/animetl/}"
go test -count=1 -timeout 25m "$@" "${PLAIN_PKGS[@]}" || failed=1
log "python: the benchmark's target table (scripts/bench_targets_test.py)"
python3 -W error -m unittest scripts/bench_targets_test.py || failed=1
[ "$failed" = 0 ] || die "tests failed (see above)"

log "fuzz (bounded: ${FUZZ_TIME:-3000x} per target)"
run_fuzz
log "all tests passed"
