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
# Extra arguments go to `go test` (e.g. -run TestContract).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

ensure_go
ensure_postgres_url
ensure_s3_server

log "go vet"
go vet ./...
if [ -n "$(gofmt -l . | grep -v '^testdata/' || true)" ]; then
    gofmt -l .
    die "gofmt: the files above are not formatted"
fi

log "go test (PostgreSQL: $(redact "$ANIMETL_TEST_POSTGRES"), S3: $ANIMETL_TEST_S3_ENDPOINT)"
go test -count=1 -timeout 25m "$@" ./...

log "fuzz (bounded: ${FUZZ_TIME:-3000x} per target)"
run_fuzz
log "all tests passed"
