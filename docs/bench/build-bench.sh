#!/usr/bin/env bash
# Build benchmark: the same Dockerfiles (build-sets.sh) built cold, warm and after a one-file edit,
# push included, by BuildKit (DOCKER_BUILDKIT=1 with Debian's docker CLI against dockerd) or by
# Stevedore's CLI (java -jar build-service.jar build, or the native client stevedore-build beside
# the jar; its daemon, like dockerd, stays up).
# Usage (from the repository root):
#   build-bench.sh registry          start the packaged registry on 127.0.0.1:5000 (auth off) and
#                                    push the base image (busybox with every applet, one layer)
#   build-bench.sh sets              write the Dockerfiles (build-sets.sh) into SETS_DIR
#   build-bench.sh TOOL RUNID [sets] one round of one tool: buildkit, stevedore (java -jar) or
#                                    native (build-service/target/stevedore-build)
#   build-bench.sh compare ROUNDS    ROUNDS rounds of the three, rotating which goes first,
#                                    then Stevedore's first start (no daemon running yet)
#   build-bench.sh first-start RUNID Stevedore with its daemon stopped: a cold and a warm build of small
# Env: JAR (build-service.jar), SETS_DIR (from build-sets.sh), SD_WORK (Stevedore work dir).
# Prints: tool set phase seconds rc, then per phase: SUM tool phase seconds
# Cold: no build cache and no local layers (BuildKit: build cache pruned and the bench images
# removed; Stevedore: work dir's layers, blobs and caches removed, a fresh repository so the registry
# cache misses too). Each tool's daemon keeps running (dockerd; Stevedore's build daemon).
set -uo pipefail
JAVA=${JAVA:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}
JAR=${JAR:-build-service/target/build-service.jar}
JOPTS=${JOPTS:-}
NATIVE=${NATIVE:-$(dirname "$JAR")/stevedore-build}
JAVA_HOME_DIR=$(dirname "$(dirname "$JAVA")")
REG=${REG:-127.0.0.1:5000}
BENCH=${BENCH_DIR:-/tmp/bbench}
SRC=${SETS_DIR:-$BENCH/sets}
export STEVEDORE_BUILD_DIR="${SD_WORK:-$BENCH/sd-work}"
ALL_SETS="small multistage copy5000 big200 allinstr target secret ignore webapp addtar fanin cachemount buildargs"
HERE=$(cd "$(dirname "$0")" && pwd)
now() { date +%s.%N; }

start_registry() {
  mkdir -p "$BENCH"
  if ! curl -sf "$REG/v2/" >/dev/null; then
    rm -rf "$BENCH/registry"
    "$JAVA" -Xmx512m -jar registry-server/target/registry-server.jar --server.port=${REG##*:} \
      --server.address=127.0.0.1 --registry.data-dir="$BENCH/registry" --registry.auth.enabled=false \
      > "$BENCH/registry.log" 2>&1 &
    echo $! > "$BENCH/registry.pid"
    until curl -sf "$REG/v2/" >/dev/null; do sleep 0.5; done
  fi
  local root="$BENCH/base-root"; rm -rf "$root"; mkdir -p "$root/bin" "$root/etc" "$root/tmp" "$root/root"
  cp /bin/busybox "$root/bin/busybox"
  for applet in $(/bin/busybox --list); do [ "$applet" = busybox ] || ln -sf busybox "$root/bin/$applet"; done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' > "$root/etc/passwd"
  printf 'root:x:0:\nnobody:x:65534:\n' > "$root/etc/group"
  chmod 1777 "$root/tmp"
  tar -C "$root" -c . | docker import -c 'CMD ["/bin/sh"]' - "$REG/bench/base:1" >/dev/null
  docker push -q "$REG/bench/base:1" >/dev/null && docker rmi "$REG/bench/base:1" >/dev/null
}

round() {
  local tool=$1 run=$2; shift 2
  local sets=${*:-$ALL_SETS} work=${TMPDIR:-/tmp}/build-bench-$tool-$run
  declare -A sum=([cold]=0 [warm]=0 [edit]=0)
  rm -rf "$work"; mkdir -p "$work"
  for set in $sets; do
    local ctx="$work/$set" tag="$REG/bench/$tool-$set-$run:1" args
    cp -a "$SRC/$set" "$ctx"
    args=$(cat "$SRC/.meta/$set.args")
    if [ "$tool" = buildkit ]; then
      docker builder prune -af >/dev/null 2>&1
      # only this benchmark's images: dockerd is shared with other users
      docker images --format '{{.Repository}}:{{.Tag}}' | grep "^$REG/bench/" | xargs -r docker rmi -f >/dev/null 2>&1
      # shellcheck disable=SC2086
      cmd() { DOCKER_BUILDKIT=1 /usr/bin/docker build -q --network host $args -t "$tag" "$ctx" >/dev/null && /usr/bin/docker push -q "$tag" >/dev/null; }
    else
      mkdir -p "$STEVEDORE_BUILD_DIR"
      rm -rf "$STEVEDORE_BUILD_DIR"/layers "$STEVEDORE_BUILD_DIR"/blobs "$STEVEDORE_BUILD_DIR"/cache \
        "$STEVEDORE_BUILD_DIR"/cache-mounts "$STEVEDORE_BUILD_DIR"/tmp "$STEVEDORE_BUILD_DIR"/context-hashes
      if [ "$tool" = native ]; then
        # shellcheck disable=SC2086
        cmd() { JAVA_HOME=$JAVA_HOME_DIR STEVEDORE_BUILD_JAR=$JAR "$NATIVE" build $args -t "$tag" --progress quiet "$ctx" >/dev/null; }
      else
        # shellcheck disable=SC2086
        cmd() { "$JAVA" $JOPTS -jar "$JAR" build $args -t "$tag" --progress quiet "$ctx" >/dev/null; }
      fi
    fi
    sync
    for phase in cold warm edit; do
      [ $phase = edit ] && echo "# edited $RANDOM" >> "$ctx/$(cat "$SRC/.meta/$set.edit")"
      local t0 t1 rc s
      t0=$(now); cmd; rc=$?; t1=$(now)
      s=$(echo "$t1 - $t0" | bc)
      sum[$phase]=$(echo "${sum[$phase]} + $s" | bc)
      printf '%s %s %s %.3f rc=%s\n' "$tool" "$set" "$phase" "$s" "$rc"
    done
  done
  for phase in cold warm edit; do printf 'SUM %s %s %.2f\n' "$tool" "$phase" "${sum[$phase]}"; done
}

first_start() {
  local run=$1 work=${TMPDIR:-/tmp}/build-bench-first-$1
  rm -rf "$work"; mkdir -p "$work"; cp -a "$SRC/small" "$work/small"
  rm -rf "$STEVEDORE_BUILD_DIR"/layers "$STEVEDORE_BUILD_DIR"/blobs "$STEVEDORE_BUILD_DIR"/cache "$STEVEDORE_BUILD_DIR"/context-hashes
  for phase in cold warm; do
    "$JAVA" -jar "$JAR" daemon stop >/dev/null 2>&1
    for _ in $(seq 50); do ls "$STEVEDORE_BUILD_DIR"/daemon-*.sock >/dev/null 2>&1 || break; sleep 0.1; done
    local t0 t1
    t0=$(now); "$JAVA" -jar "$JAR" build -t "$REG/bench/first-$run:1" --progress quiet "$work/small" >/dev/null; rc=$?; t1=$(now)
    printf 'stevedore small first-start-%s %.3f rc=%s\n' "$phase" "$(echo "$t1 - $t0" | bc)" "$rc"
    for _ in $(seq 100); do ls "$STEVEDORE_BUILD_DIR"/daemon-*.sock >/dev/null 2>&1 && break; sleep 0.1; done   # it started one
  done
}

case $1 in
  registry) start_registry ;;
  sets) BASE=$REG/bench/base:1 "$HERE/build-sets.sh" "$SRC" ;;
  compare)
    for r in $(seq 1 "$2"); do
      case $((r % 3)) in
        1) order="buildkit stevedore native" ;;
        2) order="native buildkit stevedore" ;;
        0) order="stevedore native buildkit" ;;
      esac
      for tool in $order; do round "$tool" "r$r-$(date +%s)"; done
    done
    first_start "fs-$(date +%s)" ;;
  first-start) first_start "$2" ;;
  *) round "$@" ;;
esac
