#!/bin/sh
# Registry core against CNCF Distribution 2.8 (issue 13): ../shared/bench/RegistryBench.java with
# the arguments of docs/benchmarks.md, Stevedore from the packaged jar (-Xmx256m, auth on, fresh
# data dir, port 5000), Distribution (docker-registry, filesystem in a temp dir, no auth, port
# 5002); a warm-up run of each, then Distribution, Stevedore, Stevedore, Distribution.
# Output: target/core-bench.txt. Usage, from the repository root: docs/bench/core.sh
# (needs apt-get install docker-registry; package first: ./mvnw -B -q package -DskipTests)
# SCENARIOS=tags-list (comma-separated) runs only those scenarios. JAR=path runs another build of
# Stevedore (an A-B comparison of two commits).
# PIN=1 runs both servers (and Stevedore's embedded PostgreSQL, its child) on CPU 0 and the benchmark
# client on CPU 1, so that the client, which spends as much CPU as the server, cannot take the
# server's core: the nearest this two-core machine comes to a client on another host.
# WARMUP=3 gives Stevedore three warm-up runs instead of one: its JIT (C2) spends ~50 CPU-s
# compiling in the first minutes of load, on the cores the measured runs share, while
# Distribution (Go) is compiled ahead of time and has nothing to warm.
# NULL=1 also runs docs/bench/NullRegistry.java (port 5003), a server that does almost nothing,
# warmed up once and measured between Stevedore's rounds (D S N N S D): what the benchmark's
# client leaves on these cores, so null / Distribution is the highest ratio any server could show.
set -e
JAVA=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java
BENCH=${BENCH:-../shared/bench/RegistryBench.java}
WORK=$(mktemp -d /tmp/core-bench.XXXXXX)
OUT=target/core-bench.txt
SERVER_CPU=""; CLIENT_CPU=""; PINNED=""
if [ "${PIN:-0}" = 1 ]; then SERVER_CPU="taskset -c 0"; CLIENT_CPU="taskset -c 1"; PINNED=" pinned"; fi
mkdir -p target
PASSWORD=bench-$$-$(date +%s)
cat > "$WORK/dist.yml" <<YML
version: 0.1
log: {level: error}
storage: {filesystem: {rootdirectory: $WORK/dist-data}, delete: {enabled: true}}
http: {addr: 127.0.0.1:5002}
YML
$SERVER_CPU docker-registry serve "$WORK/dist.yml" > "$WORK/dist.log" 2>&1 &
DIST=$!
$SERVER_CPU $JAVA -Xmx256m -jar "${JAR:-registry-server/target/registry-server.jar}" --registry.data-dir="$WORK/stevedore" \
  --registry.auth.enabled=true --registry.auth.admin-password="$PASSWORD" > "$WORK/stevedore.log" 2>&1 &
OURS=$!
NUL=""
if [ "${NULL:-0}" = 1 ]; then
  $SERVER_CPU $JAVA docs/bench/NullRegistry.java --port 5003 --dir "$WORK/null-data" > "$WORK/null.log" 2>&1 &
  NUL=$!
fi
# (set -e holds in the trap too: the kill and the wait, which reports the killed server, may fail)
trap 'status=$?; kill $DIST $OURS $NUL 2>/dev/null || true; wait $OURS 2>/dev/null || true; rm -rf "$WORK"; exit $status' EXIT
until curl -fs http://127.0.0.1:5000/actuator/health/readiness > /dev/null; do
  kill -0 $OURS 2>/dev/null || { tail -20 "$WORK/stevedore.log"; exit 1; }; sleep 1; done
until curl -fs http://127.0.0.1:5002/v2/ > /dev/null; do sleep 1; done
[ -z "$NUL" ] || until curl -fs http://127.0.0.1:5003/v2/ > /dev/null; do sleep 1; done
: > "$OUT"
run() { # name url pid round [credentials]
  name=$1; url=$2; pid=$3; round=$4; shift 4
  echo "--- $name $round$PINNED (load $(cut -d' ' -f1-3 /proc/loadavg))" | tee -a "$OUT"
  sync
  $CLIENT_CPU $JAVA "$BENCH" --url "$url" --duration 8 --blob-count 400 --manifest-tags 2000 --chunked-count 2 \
    --list-tags 5000 --page-size 1000 ${SCENARIOS:+--scenarios "$SCENARIOS"} --server-pid "$pid" "$@" 2>&1 | grep -E '^(scenario|summary)' | tee -a "$OUT"
}
# Stevedore's own view of its manifest GETs and HEADs (its request histogram, from the moment the
# request reaches the servlet filters until the response is written), for one run: the buckets'
# counts before and after it, the quantiles read off as the bucket bound they fall in.
manifest_buckets() {
  curl -fs -u "admin:$PASSWORD" http://127.0.0.1:5000/actuator/prometheus \
    | grep '^http_server_requests_seconds_bucket' | grep 'uri="/v2/{name}/manifests/{reference}"' \
    | grep -E 'method="(GET|HEAD)"' | grep 'status="200"' \
    | sed -E 's/.*le="([^"]+)".* ([0-9.E+]+)$/\1 \2/' | awk '{c[$1]+=$2} END {for (k in c) print k, c[k]}' | sort -g
}
server_latency() { # before-file after-file
  awk 'FILENAME == ARGV[1] {before[$1] = $2; next} {print $1, $2 - before[$1]}' "$1" "$2" | sort -g | awk '{le[NR] = $1; n[NR] = $2}
    END {t = n[NR]; if (t == 0) exit; for (i = 1; i <= NR; i++) {
      if (!a && n[i] >= 0.5 * t) a = le[i]; if (!b && n[i] >= 0.99 * t) b = le[i]; if (!c && n[i] >= 0.999 * t) c = le[i] }
      printf "server-side manifest GET/HEAD: n=%d p50<=%ss p99<=%ss p99.9<=%ss\n", t, a, b, c}' | tee -a "$OUT"
}
# CPU ticks of Stevedore's embedded PostgreSQL (the postmaster under the data dir and its
# backends), which the benchmark's --server-pid figure leaves out.
postgres_ticks() {
  master=$(pgrep -f "postgres -D $WORK/stevedore/postgres" | head -1)
  for p in $master $(pgrep -P "$master"); do cut -d' ' -f14,15 /proc/$p/stat 2>/dev/null; done \
    | awk '{t += $1 + $2} END {print t + 0}'
}
stevedore() { # round
  manifest_buckets > "$WORK/before"
  ticks=$(postgres_ticks)
  run stevedore http://127.0.0.1:5000 $OURS "$1" --user admin --password "$PASSWORD"
  awk -v a="$ticks" -v b="$(postgres_ticks)" -v hz="$(getconf CLK_TCK)" \
    'BEGIN {printf "embedded PostgreSQL CPU s in this run: %.2f\n", (b - a) / hz}' | tee -a "$OUT"
  manifest_buckets > "$WORK/after"
  server_latency "$WORK/before" "$WORK/after"
}
run distribution http://127.0.0.1:5002 $DIST warm-up
i=0; while [ $i -lt "${WARMUP:-1}" ]; do i=$((i + 1)); stevedore warm-up; done
[ -z "$NUL" ] || run null http://127.0.0.1:5003 $NUL warm-up
run distribution http://127.0.0.1:5002 $DIST r1
stevedore r1
[ -z "$NUL" ] || run null http://127.0.0.1:5003 $NUL r1
[ -z "$NUL" ] || run null http://127.0.0.1:5003 $NUL r2
stevedore r2
run distribution http://127.0.0.1:5002 $DIST r2
