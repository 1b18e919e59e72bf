#!/usr/bin/env bash
# Soak: starts the packaged registry (auth off, fs storage, embedded PostgreSQL, -Xmx256m) on a fresh
# data dir, runs Soak.java's mixed workload (pushes, pulls, deletes, tag listings) against it for
# SOAK_SECONDS (default 600) with SOAK_CLIENTS clients (default 16), and after each minute reports
# the server's heap after a full GC, its threads, open file descriptors and pool connections.
# Bounded in time; traffic to 127.0.0.1 only. Needs registry-server/target/registry-server.jar
# (./mvnw -B -o -pl registry-server -am package -DskipTests) and JAVA_HOME of a JDK 21+.
# Usage: docs/bench/soak.sh [OUTPUT_FILE]
set -euo pipefail
cd "$(dirname "$0")/../.."
JAVA="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java"
JCMD="$(dirname "$JAVA")/jcmd"
SECONDS_TOTAL="${SOAK_SECONDS:-600}"
CLIENTS="${SOAK_CLIENTS:-16}"
PORT="${SOAK_PORT:-5090}"
OUT="${1:-/dev/stdout}"
DATA="$(mktemp -d /tmp/stevedore-soak.XXXXXX)"
JAR=registry-server/target/registry-server.jar
[ -f "$JAR" ] || { echo "missing $JAR: package it first" >&2; exit 2; }

"$JAVA" -Xmx256m -jar "$JAR" --server.port="$PORT" --server.address=127.0.0.1 --registry.auth.enabled=false \
    --registry.data-dir="$DATA" --registry.gc.interval=0 --registry.retention.interval=0 >"$DATA/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null; rm -rf "$DATA"' EXIT
URL="http://127.0.0.1:$PORT"
for _ in $(seq 1 240); do
    curl -sf "$URL/actuator/health/readiness" >/dev/null && break
    kill -0 $SERVER 2>/dev/null || { tail -40 "$DATA/server.log" >&2; exit 1; }
    sleep 0.5
done

metric() { # value of an actuator metric, e.g. hikaricp.connections.active
    curl -sf "$URL/actuator/metrics/$1" | sed -n 's/.*"value":\([0-9.E+-]*\).*/\1/p' | head -1
}
sample() {
    "$JCMD" $SERVER GC.run >/dev/null
    local heap threads fds active total
    heap=$("$JCMD" $SERVER GC.heap_info | sed -n 's/.* used \([0-9]*\)K .*/\1/p' | head -1)
    threads=$(awk '/^Threads:/ {print $2}' /proc/$SERVER/status)
    fds=$(ls /proc/$SERVER/fd | wc -l)
    active=$(metric hikaricp.connections.active)
    total=$(metric hikaricp.connections)
    echo "sample t=$1s heap_used_after_gc_kb=$heap threads=$threads open_fds=$fds db_connections=$total db_active=$active"
}

{
    echo "soak start $(date -u +%FT%TZ) seconds=$SECONDS_TOTAL clients=$CLIENTS cores=$(nproc) load=$(cut -d' ' -f1-3 /proc/loadavg)"
    sample 0
    "$JAVA" docs/bench/Soak.java "$URL" "$SECONDS_TOTAL" "$CLIENTS" > "$DATA/driver.log" 2>&1 &
    DRIVER=$!
    for minute in $(seq 1 $((SECONDS_TOTAL / 60))); do
        sleep 60
        kill -0 $DRIVER 2>/dev/null || break
        sample $((minute * 60))
    done
    set +e
    wait $DRIVER
    status=$?
    set -e
    cat "$DATA/driver.log"
    sample end
    echo "server log: $(grep -c ' ERROR ' "$DATA/server.log") ERROR lines"
    grep ' ERROR ' "$DATA/server.log" | head -5
    echo "soak end $(date -u +%FT%TZ) driver_exit=$status load=$(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$OUT"
