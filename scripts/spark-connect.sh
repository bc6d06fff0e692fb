#!/usr/bin/env bash
# spark-connect.sh start|stop|url: a local Spark Connect server for the Spark
# engine's tests and benchmark. It comes from PyPI's pyspark (pinned in
# scripts/requirements-spark.txt, which bundles Spark's jars and
# sbin/start-connect-server.sh), installed once into a cached virtual
# environment; Java 17 comes from Debian when missing.
#
#   start   start the server (--master local[N], bound to 127.0.0.1), wait
#           until its port answers, print its sc:// URL
#   stop    stop it
#   url     print the URL of a running server
#   prepare install what start needs from the system (Java 17 by apt-get,
#           uv), so that start can run in the background beside other
#           installs without two apt-get or uv bootstraps at once
#
# Environment: SPARK_CONNECT_PORT (15002), SPARK_CONNECT_MASTER (local[2]),
# SPARK_CONNECT_DRIVER_MEMORY (2g), SPARK_CONNECT_DIR (where its logs, pid
# and work files go; ~/.cache/animetl/spark-connect-<port>).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
trap - EXIT

port="${SPARK_CONNECT_PORT:-15002}"
master="${SPARK_CONNECT_MASTER:-local[2]}"
memory="${SPARK_CONNECT_DRIVER_MEMORY:-2g}"
state="${SPARK_CONNECT_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/animetl/spark-connect-$port}"
url="sc://127.0.0.1:$port"

ensure_java17() {
    local v
    if command -v java >/dev/null 2>&1; then
        v="$(java -version 2>&1 | sed -nE 's/.*version "([0-9]+).*/\1/p' | head -1)"
        [ "${v:-0}" -ge 17 ] && [ "${v:-0}" -le 21 ] && return 0
    fi
    local jvm
    for jvm in /usr/lib/jvm/java-17-openjdk-*; do
        [ -x "$jvm/bin/java" ] && export JAVA_HOME="$jvm" PATH="$jvm/bin:$PATH" && return 0
    done
    apt_install openjdk-17-jre-headless
    for jvm in /usr/lib/jvm/java-17-openjdk-*; do
        [ -x "$jvm/bin/java" ] && export JAVA_HOME="$jvm" PATH="$jvm/bin:$PATH" && return 0
    done
    die "Java 17 not found after installing openjdk-17-jre-headless"
}

spark_home() {
    local venv
    venv="$(cached_venv "${XDG_CACHE_HOME:-$HOME/.cache}/animetl/spark-$(sha256sum scripts/requirements-spark.txt | cut -c1-12)" \
        scripts/requirements-spark.txt "pyspark (Spark Connect server)")" || exit 1
    "$venv/bin/python" -c 'import os, pyspark; print(os.path.dirname(pyspark.__file__))'
}

answers() { (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; }

env_for_spark() {
    export SPARK_HOME="$1"
    export SPARK_LOG_DIR="$state/logs" SPARK_PID_DIR="$state" SPARK_IDENT_STRING=animetl
    export SPARK_CONF_DIR="$state/conf" SPARK_LOCAL_IP=127.0.0.1
    unset SPARK_NO_DAEMONIZE
    mkdir -p "$SPARK_LOG_DIR" "$SPARK_CONF_DIR" "$state/tmp"
    # WARN and above: the server's INFO lines are many per query.
    cat >"$SPARK_CONF_DIR/log4j2.properties" <<'PROPS'
rootLogger.level = warn
rootLogger.appenderRef.stdout.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{yy/MM/dd HH:mm:ss} %p %c{1}: %m%n%ex
PROPS
}

start() {
    if answers; then
        log "a server already answers on port $port"
        echo "$url"
        return 0
    fi
    ensure_java17
    local home
    home="$(spark_home)"
    env_for_spark "$home"
    log "starting Spark Connect ($master, driver memory $memory) on 127.0.0.1:$port; logs in $SPARK_LOG_DIR"
    "$home/sbin/start-connect-server.sh" \
        --master "$master" \
        --driver-memory "$memory" \
        --conf spark.ui.enabled=false \
        --conf spark.connect.grpc.binding.address=127.0.0.1 \
        --conf spark.connect.grpc.binding.port="$port" \
        --conf spark.local.dir="$state/tmp" \
        --conf spark.sql.session.timeZone=UTC \
        --conf spark.driver.host=127.0.0.1 \
        --conf spark.driver.bindAddress=127.0.0.1 >&2
    local i
    for i in $(seq 1 240); do
        answers && { echo "$url"; return 0; }
        sleep 0.5
    done
    tail -n 40 "$SPARK_LOG_DIR"/*.out >&2 || true
    die "Spark Connect did not answer on port $port within 120 s"
}

stop() {
    local home
    home="$(spark_home)"
    env_for_spark "$home"
    "$home/sbin/stop-connect-server.sh" >&2 || true
    local i
    for i in $(seq 1 60); do
        answers || return 0
        sleep 0.5
    done
    die "Spark Connect still answers on port $port"
}

case "${1:-}" in
prepare) ensure_java17; ensure_uv ;;
start) start ;;
stop) stop ;;
url) answers && echo "$url" || die "no Spark Connect server answers on port $port" ;;
*) die "usage: $0 start|stop|url|prepare" ;;
esac
