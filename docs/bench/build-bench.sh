#!/usr/bin/env bash
# Build benchmark: the same Dockerfiles (build-sets.sh) built cold, warm and after a one-file edit,
# push included, by BuildKit (DOCKER_BUILDKIT=1 with Debian's docker CLI against dockerd) or by
# Stevedore's CLI (java -jar build-service.jar build; its daemon, like dockerd, stays up).
# Usage: build-bench.sh TOOL(buildkit|stevedore) RUNID [sets...]
# Env: JAR (build-service.jar), SETS_DIR (from build-sets.sh), SD_WORK (Stevedore work dir).
# Prints: tool set phase seconds rc
set -uo pipefail
TOOL=$1; RUN=$2; shift 2
SETS=${*:-small multistage copy5000 big200}
JAVA=${JAVA:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}
JAR=${JAR:-build-service/target/build-service.jar}
JOPTS=${JOPTS:-}
REG=${REG:-127.0.0.1:5000}
SRC=${SETS_DIR:-/tmp/bbench/sets}
WORK=${TMPDIR:-/tmp}/build-bench-$TOOL-$RUN
rm -rf "$WORK"; mkdir -p "$WORK"
edit() {
  case $1 in
    small) echo "edited $RANDOM" >> "$2/src/f7.txt" ;;
    multistage) echo "edited $RANDOM" >> "$2/src/m7.txt" ;;
    copy5000) echo "edited $RANDOM" >> "$2/files/d7/f7.txt" ;;
    big200) echo "edited $RANDOM" >> "$2/marker.txt" ;;
  esac
}
now() { date +%s.%N; }
for set in $SETS; do
  ctx="$WORK/$set"; cp -a "$SRC/$set" "$ctx"
  tag="$REG/bench/$TOOL-$set-$RUN:1"
  if [ "$TOOL" = buildkit ]; then
    docker builder prune -af >/dev/null 2>&1
    docker rmi -f $(docker images -q) >/dev/null 2>&1
    cmd() { DOCKER_BUILDKIT=1 /usr/bin/docker build -q --network host -t "$tag" "$ctx" >/dev/null && /usr/bin/docker push -q "$tag" >/dev/null 2>&1 || /usr/bin/docker push "$tag" >/dev/null; }
  else
    export STEVEDORE_BUILD_DIR="${SD_WORK:-/tmp/bbench/sd-work}"
    mkdir -p "$STEVEDORE_BUILD_DIR"
    # cold: no local layers, no cache entries (fresh repository, so the registry cache misses too);
    # the daemon, like dockerd for BuildKit, keeps running
    rm -rf "$STEVEDORE_BUILD_DIR"/layers "$STEVEDORE_BUILD_DIR"/blobs "$STEVEDORE_BUILD_DIR"/cache "$STEVEDORE_BUILD_DIR"/cache-mounts "$STEVEDORE_BUILD_DIR"/tmp
    cmd() { $JAVA $JOPTS -jar "$JAR" build -t "$tag" --progress quiet "$ctx" >/dev/null; }
  fi
  sync
  for phase in cold warm edit; do
    [ $phase = edit ] && edit $set "$ctx"
    t0=$(now); cmd; rc=$?; t1=$(now)
    echo "$TOOL $set $phase $(echo "$t1 - $t0" | bc) rc=$rc"
  done
done
