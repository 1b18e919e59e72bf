#!/usr/bin/env bash
# Remote builds benchmark: a registry (auth on, embedded PostgreSQL, fs storage) with two build
# workers, then RemoteBuildBench.java (N builds at once; the same through the local CLI one by one;
# a warm build local vs --remote). Needs root and runc (the workers), and the two packaged jars.
# Usage: docs/bench/remote-builds.sh [BUILDS]   (from the repository root)
set -euo pipefail
JAVA=${JAVA:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}
BUILDS=${1:-40}
PORT=${PORT:-5077}
DIR=${TMPDIR:-/tmp}/remote-build-bench
TOKEN=bench-worker-token
rm -rf "$DIR"; mkdir -p "$DIR"
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null' EXIT
"$JAVA" -Xmx512m -jar registry-server/target/registry-server.jar --server.port=$PORT --server.address=127.0.0.1 \
  --registry.data-dir="$DIR/data" --registry.auth.admin-password=bench-admin \
  --registry.builds.worker-token=$TOKEN --registry.builds.embedded-worker=false > "$DIR/registry.log" 2>&1 &
pids+=($!)
until curl -sf 127.0.0.1:$PORT/actuator/health/readiness >/dev/null; do sleep 0.5; done
curl -sf -u admin:bench-admin -H 'Content-Type: application/json' -d '{"username":"bench","password":"bench-password"}' \
  127.0.0.1:$PORT/api/v1/users >/dev/null
for w in 1 2; do
  STEVEDORE_WORKER_TOKEN=$TOKEN "$JAVA" -Xmx512m -jar build-service/target/build-service.jar worker \
    --registry http://127.0.0.1:$PORT --name bench-w$w --work-dir "$DIR/w$w" > "$DIR/worker-$w.log" 2>&1 &
  pids+=($!)
done
export STEVEDORE_BUILD_DIR="$DIR/cli-work"
"$JAVA" docs/bench/RemoteBuildBench.java --registry http://127.0.0.1:$PORT --user bench --password bench-password \
  --jar build-service/target/build-service.jar --builds "$BUILDS"
