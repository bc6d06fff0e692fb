# Shared helpers of scripts/test.sh and scripts/bench.sh. Source it; do not run it.

log() { printf '\n== %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }
redact() { sed -E 's#(://[^:/@]+):[^@]*@#\1:***@#' <<<"$1"; }
as_root() { [ "$(id -u)" = 0 ]; }

apt_install() {
    as_root || die "$* missing and not root: install it (apt-get install $*)"
    log "apt-get install $*"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# ensure_go makes a Go of the version go.mod names available: the machine's
# go when it has one (it fetches the toolchain go.mod asks for from the Go
# module proxy if older), else Debian's golang-go as a bootstrap; and the C
# and C++ compilers cgo needs for DuckDB.
ensure_go() {
    if ! command -v go >/dev/null 2>&1; then
        for d in /usr/local/go/bin /usr/lib/go/bin; do
            [ -x "$d/go" ] && export PATH="$d:$PATH" && break
        done
    fi
    command -v go >/dev/null 2>&1 || apt_install golang-go ca-certificates
    # DuckDB links through cgo: a C and C++ toolchain (golang-go only recommends one).
    { command -v gcc && command -v g++; } >/dev/null 2>&1 || apt_install gcc g++ libc6-dev
    export GOTOOLCHAIN="${GOTOOLCHAIN:-auto}"
    export GOFLAGS="${GOFLAGS:--buildvcs=false}"
    go version >&2
}

# pg_bindir prints the folder of the newest installed PostgreSQL server binaries.
pg_bindir() {
    local d
    for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r) /usr/local/pgsql/bin; do
        [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && { echo "$d"; return 0; }
    done
    if command -v pg_config >/dev/null 2>&1; then
        d="$(pg_config --bindir)"
        [ -x "$d/initdb" ] && { echo "$d"; return 0; }
    fi
    return 1
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()' 2>/dev/null && return 0
    local p
    for p in $(seq 55432 55532); do
        (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return 0; }
    done
    die "no free port"
}

PG_TMP=""
PG_BIN=""
MOTO_PID=""
cleanup() {
    stop_spark_connect
    stop_postgres
    if [ -n "$MOTO_PID" ]; then kill "$MOTO_PID" 2>/dev/null || true; fi
}
trap cleanup EXIT

stop_postgres() {
    if [ -n "$PG_TMP" ] && [ -d "$PG_TMP" ]; then
        pg_run "$PG_BIN/pg_ctl" -D "$PG_TMP/data" -m immediate stop >/dev/null 2>&1 || true
        rm -rf "$PG_TMP"
    fi
}

# pg_run runs a server binary; PostgreSQL refuses to run as root, so root
# runs it as the postgres user (created when missing).
pg_run() {
    if as_root; then
        id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

# ensure_postgres_url exports ANIMETL_TEST_POSTGRES, starting a throwaway
# cluster when it is not set, tuned for tests: nothing in it has to survive
# a crash of the machine.
ensure_postgres_url() {
    if [ -n "${ANIMETL_TEST_POSTGRES:-}" ]; then
        return 0
    fi
    start_postgres_cluster -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200
    export ANIMETL_TEST_POSTGRES="$PG_URL"
}

# run_fuzz runs every fuzz target briefly; the seed corpora run in go test.
run_fuzz() {
    local pkg target
    for pkg in $(go list ./... ); do
        for target in $(go test -list '^Fuzz' "$pkg" 2>/dev/null | grep '^Fuzz' || true); do
            go test -run '^$' -fuzz "^${target}\$" -fuzztime "${FUZZ_TIME:-3000x}" "$pkg" >/dev/null \
                || die "fuzz $pkg $target failed (see the crasher under $pkg/testdata/fuzz/$target)"
        done
    done
}

# wait_port waits until something listens on 127.0.0.1:$1.
wait_port() {
    local i
    for i in $(seq 1 150); do
        (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
        sleep 0.2
    done
    return 1
}

# ensure_s3_server exports ANIMETL_TEST_S3_ENDPOINT, starting moto's S3
# server (and putting the AWS CLI on PATH) from a virtual environment that
# scripts/requirements-test.txt describes, when it is not set.
ensure_s3_server() {
    if [ -n "${ANIMETL_TEST_S3_ENDPOINT:-}" ]; then
        return 0
    fi
    local venv="${ANIMETL_TEST_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/animetl/venv-$(sha256sum scripts/requirements-test.txt | cut -c1-12)}"
    if [ ! -x "$venv/bin/moto_server" ] || [ ! -x "$venv/bin/aws" ]; then
        command -v python3 >/dev/null 2>&1 || apt_install python3 python3-venv
        log "installing the S3 test server and AWS CLI into $venv"
        python3 -m venv "$venv" 2>/dev/null || { apt_install python3-venv; python3 -m venv "$venv"; }
        "$venv/bin/pip" install -q --disable-pip-version-check -r scripts/requirements-test.txt
    fi
    local port dir
    port="$(free_port)"
    dir="$(mktemp -d /tmp/animetl-moto.XXXXXX)"
    "$venv/bin/moto_server" -H 127.0.0.1 -p "$port" >"$dir/moto.log" 2>&1 &
    MOTO_PID=$!
    wait_port "$port" || { cat "$dir/moto.log" >&2; die "moto S3 server did not start"; }
    log "S3 test server (moto) on port $port"
    export ANIMETL_TEST_S3_ENDPOINT="http://127.0.0.1:$port"
    export PATH="$venv/bin:$PATH"
}

# ensure_spark_connect starts, in the background, a local Spark Connect
# server (scripts/spark-connect.sh, pyspark from PyPI and Java 17) on a free
# port for the Spark engine's tests, when ANIMETL_TEST_SPARK_REMOTE is not
# set; wait_spark_connect waits for it and exports ANIMETL_TEST_SPARK_REMOTE,
# and cleanup stops it. ANIMETL_TEST_SPARK_REMOTE=none skips those tests.
SPARK_PORT=""
SPARK_START_PID=""
SPARK_START_LOG=""
ensure_spark_connect() {
    if [ -n "${ANIMETL_TEST_SPARK_REMOTE:-}" ]; then
        [ "$ANIMETL_TEST_SPARK_REMOTE" != none ] || export ANIMETL_TEST_SPARK_REMOTE=""
        return 0
    fi
    # apt-get (Java) and the uv bootstrap run here, in the foreground: the
    # installs after this one use them too, and two at once would collide.
    bash scripts/spark-connect.sh prepare
    SPARK_PORT="$(free_port)"
    SPARK_START_LOG="$(mktemp /tmp/animetl-spark-start.XXXXXX)"
    log "starting Spark Connect on port $SPARK_PORT in the background"
    SPARK_CONNECT_PORT="$SPARK_PORT" bash scripts/spark-connect.sh start >"$SPARK_START_LOG" 2>&1 &
    SPARK_START_PID=$!
}

wait_spark_connect() {
    [ -n "$SPARK_START_PID" ] || return 0
    if ! wait "$SPARK_START_PID"; then
        cat "$SPARK_START_LOG" >&2
        die "Spark Connect did not start"
    fi
    SPARK_START_PID=""
    ANIMETL_TEST_SPARK_REMOTE="$(tail -n 1 "$SPARK_START_LOG")"
    export ANIMETL_TEST_SPARK_REMOTE
    rm -f "$SPARK_START_LOG"
}

stop_spark_connect() {
    [ -n "$SPARK_PORT" ] || return 0
    if [ -n "$SPARK_START_PID" ]; then wait "$SPARK_START_PID" 2>/dev/null || true; fi
    SPARK_CONNECT_PORT="$SPARK_PORT" bash scripts/spark-connect.sh stop >/dev/null 2>&1 || true
    SPARK_PORT=""
}

# ensure_pyarrow exports ANIMETL_TEST_PYARROW, the Python that reads the
# export's lake in the tests, from a virtual environment that
# scripts/requirements-lake.txt describes (pyarrow and pandas from PyPI,
# cached by the file's hash), when it is not set.
ensure_pyarrow() {
    if [ -n "${ANIMETL_TEST_PYARROW:-}" ]; then
        return 0
    fi
    local venv
    venv="$(cached_venv "${XDG_CACHE_HOME:-$HOME/.cache}/animetl/venv-lake-$(sha256sum scripts/requirements-lake.txt | cut -c1-12)" \
        scripts/requirements-lake.txt "pyarrow and pandas")" || exit 1
    export ANIMETL_TEST_PYARROW="$venv/bin/python"
}

# ensure_sqlglot exports ANIMETL_TEST_SQLGLOT, the Python whose sqlglot
# parses the Redshift statements in the tests (redshift/sqlglot_test.go),
# from a virtual environment that scripts/requirements-redshift.txt describes
# (cached by the file's hash), when it is not set.
ensure_sqlglot() {
    if [ -n "${ANIMETL_TEST_SQLGLOT:-}" ]; then
        return 0
    fi
    local venv
    venv="$(cached_venv "${XDG_CACHE_HOME:-$HOME/.cache}/animetl/venv-redshift-$(sha256sum scripts/requirements-redshift.txt | cut -c1-12)" \
        scripts/requirements-redshift.txt "sqlglot")" || exit 1
    export ANIMETL_TEST_SQLGLOT="$venv/bin/python"
}

# start_postgres_cluster starts a throwaway cluster (stopped and removed on
# exit) with the server's default settings plus the server options given as
# arguments ("-c name=value" ...), and leaves its postgres:// URL in PG_URL.
# Call it directly, not in $(...): the cleanup needs PG_TMP set in this shell.
PG_URL=""
start_postgres_cluster() {
    [ -z "$PG_TMP" ] || die "start_postgres_cluster: a throwaway cluster is already running ($PG_TMP)"
    PG_BIN="$(pg_bindir)" || { apt_install postgresql; PG_BIN="$(pg_bindir)" || die "postgresql installed but no server binaries found"; }
    PG_TMP="$(mktemp -d "${TMPDIR:-/tmp}/animetl-pg.XXXXXX")"
    chmod 755 "$PG_TMP"
    as_root && { id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres; chown postgres "$PG_TMP"; }
    local port
    port="$(free_port)"
    log "starting a throwaway PostgreSQL ($PG_BIN) on port $port, options: ${*:-none}"
    pg_run "$PG_BIN/initdb" -D "$PG_TMP/data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >"$PG_TMP/initdb.log" 2>&1 \
        || pg_run "$PG_BIN/initdb" -D "$PG_TMP/data" -A trust -U postgres -E UTF8 --locale=C >"$PG_TMP/initdb.log" 2>&1 \
        || { cat "$PG_TMP/initdb.log" >&2; die "initdb failed"; }
    pg_run "$PG_BIN/pg_ctl" -D "$PG_TMP/data" -l "$PG_TMP/server.log" -w -t 120 \
        -o "-p $port -k $PG_TMP -c listen_addresses=127.0.0.1 $*" \
        start >/dev/null || { cat "$PG_TMP/server.log" >&2; die "PostgreSQL did not start"; }
    PG_URL="postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
}

# ensure_time makes GNU time available as /usr/bin/time (Debian's `time`).
ensure_time() {
    if [ ! -x /usr/bin/time ] || ! /usr/bin/time -f '%e %M' true >/dev/null 2>&1; then
        apt_install time
    fi
    [ -x /usr/bin/time ] || die "/usr/bin/time missing after installing the time package"
}

# ensure_psql makes the psql client available.
ensure_psql() {
    command -v psql >/dev/null 2>&1 && return 0
    local b
    if b="$(pg_bindir)" && [ -x "$b/psql" ]; then export PATH="$PATH:$b"; return 0; fi
    apt_install postgresql-client
    command -v psql >/dev/null 2>&1 || die "psql missing after installing postgresql-client"
}

# ensure_pgloader makes pgloader available (Debian's package).
ensure_pgloader() {
    command -v pgloader >/dev/null 2>&1 || apt_install pgloader ca-certificates
    command -v pgloader >/dev/null 2>&1 || die "pgloader missing after installing it"
}

# ensure_bench_venv prints the folder of a cached virtual environment with
# the Python packages of scripts/requirements-bench.txt (pandas, psycopg2),
# creating it when missing, as ensure_s3_server does for moto.
ensure_bench_venv() {
    cached_venv "${ANIMETL_BENCH_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/animetl/venv-bench-$(sha256sum scripts/requirements-bench.txt | cut -c1-12)}" \
        scripts/requirements-bench.txt "the benchmark's Python packages"
}

# cached_venv VENV REQUIREMENTS WHAT makes VENV a virtual environment with
# the packages of REQUIREMENTS (name it after the file's hash, so a changed
# file gets a new one), unless a complete one is there, and prints VENV.
cached_venv() {
    local venv="$1" req="$2" what="$3"
    if [ ! -x "$venv/bin/python" ] || [ ! -f "$venv/.complete" ]; then
        ensure_uv
        log "installing $what into $venv"
        rm -rf "$venv"
        "$UV" venv -q --python "$(command -v python3)" "$venv" >&2 \
            && "$UV" pip install -q --python "$venv/bin/python" --compile-bytecode -r "$req" >&2 \
            || die "installing $req failed"
        touch "$venv/.complete"
    fi
    echo "$venv"
}

# ensure_uv sets UV to PyPI's uv (pinned: UV_VERSION), installed once into a
# cached virtual environment; the virtual environments of the tests and
# benchmarks are made by it (fast, and with bytecode compiled at install).
ensure_uv() {
    local boot="${XDG_CACHE_HOME:-$HOME/.cache}/animetl/uv-$UV_VERSION"
    if [ ! -x "$boot/bin/uv" ]; then
        command -v python3 >/dev/null 2>&1 || apt_install python3 python3-venv
        log "installing uv $UV_VERSION into $boot"
        rm -rf "$boot"
        python3 -m venv "$boot" 2>/dev/null || { apt_install python3-venv; python3 -m venv "$boot"; }
        "$boot/bin/pip" install -q --disable-pip-version-check "uv==$UV_VERSION" >&2 \
            || die "pip install uv==$UV_VERSION failed"
    fi
    UV="$boot/bin/uv"
}

# ensure_chromium makes headless Chromium available for the dashboard's
# browser test (serve/browser_test.go) and exports its path as
# ANIMETL_TEST_CHROMIUM: Debian's chromium, installed when missing, with a
# font that has Japanese glyphs (anime names) for the screenshots.
ensure_chromium() {
    if [ -z "${ANIMETL_TEST_CHROMIUM:-}" ]; then
        ANIMETL_TEST_CHROMIUM="$(command -v chromium || command -v chromium-browser || true)"
        if [ -z "$ANIMETL_TEST_CHROMIUM" ]; then
            apt_install chromium fonts-droid-fallback
            ANIMETL_TEST_CHROMIUM="$(command -v chromium)" || die "chromium installed but not on PATH"
        fi
    fi
    export ANIMETL_TEST_CHROMIUM
}

# UV_VERSION is the uv that installs the Airflow lock (from PyPI, into a
# bootstrap virtual environment of its own).
UV_VERSION=0.13.9

# ensure_airflow exports ANIMETL_TEST_AIRFLOW, the airflow command of a
# cached virtual environment holding deploy/airflow/requirements.lock
# (Airflow and its standard provider, every version pinned), creating it when
# missing: uv installs the lock in seconds where pip takes half a minute. The
# environment's name carries a hash of the lock, so a changed lock gets a new
# one. Set ANIMETL_TEST_AIRFLOW=none to skip the Airflow tests.
ensure_airflow() {
    if [ -n "${ANIMETL_TEST_AIRFLOW:-}" ]; then
        [ "$ANIMETL_TEST_AIRFLOW" = none ] && unset ANIMETL_TEST_AIRFLOW
        return 0
    fi
    local lock=deploy/airflow/requirements.lock
    local cache="${XDG_CACHE_HOME:-$HOME/.cache}/animetl"
    local venv="$cache/airflow-$(sha256sum "$lock" | cut -c1-12)"
    venv="$(cached_venv "$venv" "$lock" "Airflow")" || exit 1
    export ANIMETL_TEST_AIRFLOW="$venv/bin/airflow"
}

# ensure_systemd_analyze makes systemd-analyze available (Debian's systemd),
# for the check of deploy/systemd.
ensure_systemd_analyze() {
    command -v systemd-analyze >/dev/null 2>&1 || apt_install systemd
    command -v systemd-analyze >/dev/null 2>&1 || die "systemd-analyze missing after installing systemd"
}

# ensure_bench_data BIN DIR ROWS [LAYOUT] generates the benchmark's data set
# (seed 1, LAYOUT public unless given: see animetl gen --layout) into DIR with
# the animetl binary BIN, unless a complete one is there: make bench and make
# bench-serve share it.
ensure_bench_data() {
    local bin="$1" dir="$2" rows="$3" layout="${4:-public}"
    if [ -f "$dir/.complete" ]; then
        log "using the cached data set $dir"
        return 0
    fi
    log "generating $rows list rows (seed 1, $layout layout) into $dir"
    rm -rf "$dir" "$dir.tmp"
    "$bin" gen --out "$dir.tmp" --rows "$rows" --seed 1 --layout "$layout" >&2 || die "animetl gen failed"
    touch "$dir.tmp/.complete"
    mv "$dir.tmp" "$dir"
}
