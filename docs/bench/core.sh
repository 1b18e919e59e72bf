#!/bin/sh
# Registry core against CNCF Distribution 2.8 (issue 13): ../shared/bench/RegistryBench.java with
# the arguments of docs/benchmarks.md, Stevedore from the packaged jar (-Xmx256m, auth on, fresh
# data dir, port 5000), Distribution (docker-registry, filesystem in a temp dir, no auth, port
# 5002); a warm-up run of each, then Distribution, Stevedore, Stevedore, Distribution.
# Output: target/core-bench.txt. Usage, from the repository root: docs/bench/core.sh
# (needs apt-get install docker-registry; package first: ./mvnw -B -q package -DskipTests)
# SCENARIOS=tags-list (comma-separated) runs only those scenarios.
set -e
JAVA=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java
BENCH=${BENCH:-../shared/bench/RegistryBench.java}
WORK=$(mktemp -d /tmp/core-bench.XXXXXX)
OUT=target/core-bench.txt
mkdir -p target
PASSWORD=bench-$$-$(date +%s)
cat > "$WORK/dist.yml" <<YML
version: 0.1
log: {level: error}
storage: {filesystem: {rootdirectory: $WORK/dist-data}, delete: {enabled: true}}
http: {addr: 127.0.0.1:5002}
YML
docker-registry serve "$WORK/dist.yml" > "$WORK/dist.log" 2>&1 &
DIST=$!
$JAVA -Xmx256m -jar registry-server/target/registry-server.jar --registry.data-dir="$WORK/stevedore" \
  --registry.auth.enabled=true --registry.auth.admin-password="$PASSWORD" > "$WORK/stevedore.log" 2>&1 &
OURS=$!
trap 'status=$?; kill $DIST $OURS 2>/dev/null; wait $OURS 2>/dev/null; rm -rf "$WORK"; exit $status' EXIT
until curl -fs http://127.0.0.1:5000/actuator/health/readiness > /dev/null; do sleep 1; done
until curl -fs http://127.0.0.1:5002/v2/ > /dev/null; do sleep 1; done
: > "$OUT"
run() { # name url pid round [credentials]
  name=$1; url=$2; pid=$3; round=$4; shift 4
  echo "--- $name $round (load $(cut -d' ' -f1-3 /proc/loadavg))" | tee -a "$OUT"
  sync
  $JAVA "$BENCH" --url "$url" --duration 8 --blob-count 400 --manifest-tags 2000 --chunked-count 2 \
    --list-tags 5000 --page-size 1000 ${SCENARIOS:+--scenarios "$SCENARIOS"} --server-pid "$pid" "$@" 2>&1 | grep -E '^(scenario|summary)' | tee -a "$OUT"
}
run distribution http://127.0.0.1:5002 $DIST warm-up
run stevedore http://127.0.0.1:5000 $OURS warm-up --user admin --password "$PASSWORD"
run distribution http://127.0.0.1:5002 $DIST r1
run stevedore http://127.0.0.1:5000 $OURS r1 --user admin --password "$PASSWORD"
run stevedore http://127.0.0.1:5000 $OURS r2 --user admin --password "$PASSWORD"
run distribution http://127.0.0.1:5002 $DIST r2
