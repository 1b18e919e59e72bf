#!/usr/bin/env bash
# Image export throughput (issue 11): a ~500 MiB image (5 random 100 MiB layers) exported through
# /api/v1/images/.../export with curl to /dev/null, against GETs of the same blobs on /v2 (sendfile).
# Starts the packaged registry (auth off, fs storage, embedded PostgreSQL) on a free port.
# Usage: docs/bench/image-export.sh [rounds]   (after ./mvnw -B -q -pl registry-server -am package -DskipTests)
set -euo pipefail
ROUNDS=${1:-3}
JAVA=${JAVA:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}
JAR=registry-server/target/registry-server.jar
WORK=$(mktemp -d /tmp/image-export-bench.XXXXXX)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
URL=http://127.0.0.1:$PORT
REPO=bench/big

"$JAVA" -Xmx256m -jar "$JAR" --server.port="$PORT" --server.address=127.0.0.1 \
  --registry.data-dir="$WORK/data" --registry.auth.enabled=false > "$WORK/registry.log" 2>&1 &
REGISTRY=$!
trap 'kill $REGISTRY 2>/dev/null; wait $REGISTRY 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 1 120); do curl -sf "$URL/v2/" >/dev/null && break; sleep 1; done

layers=()
for i in 1 2 3 4 5; do
  head -c $((100 * 1024 * 1024)) /dev/urandom > "$WORK/layer$i"
  digest=sha256:$(sha256sum "$WORK/layer$i" | cut -d' ' -f1)
  curl -sf -X POST -H 'Content-Type: application/octet-stream' --data-binary @"$WORK/layer$i" \
    "$URL/v2/$REPO/blobs/uploads/?digest=$digest" >/dev/null
  layers+=("{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"$digest\",\"size\":$((100 * 1024 * 1024))}")
  rm "$WORK/layer$i"
  echo "$digest" >> "$WORK/digests"
done
printf '{"architecture":"amd64","os":"linux","created":"2026-12-05T00:00:00Z","rootfs":{"type":"layers","diff_ids":[]},"history":[]}' > "$WORK/config"
config=sha256:$(sha256sum "$WORK/config" | cut -d' ' -f1)
curl -sf -X POST -H 'Content-Type: application/octet-stream' --data-binary @"$WORK/config" \
  "$URL/v2/$REPO/blobs/uploads/?digest=$config" >/dev/null
manifest="{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"$config\",\"size\":$(stat -c %s "$WORK/config")},\"layers\":[$(IFS=,; echo "${layers[*]}")]}"
curl -sf -X PUT -H 'Content-Type: application/vnd.oci.image.manifest.v1+json' --data-binary "$manifest" \
  "$URL/v2/$REPO/manifests/1" >/dev/null

mibps() { python3 -c "print(f'{$1 / 1048576 / $2:.0f}')"; }
# one warm-up of each, then alternating rounds
curl -s -o /dev/null "$URL/api/v1/images/$REPO/manifests/1/export"
for d in $(cat "$WORK/digests"); do curl -s -o /dev/null "$URL/v2/$REPO/blobs/$d"; done
echo "round | export docker-archive MiB/s | export oci MiB/s | blob-get (the same 5 blobs, one curl, one after another) MiB/s"
for r in $(seq 1 "$ROUNDS"); do
  read -r size time < <(curl -s -o /dev/null -w '%{size_download} %{time_total}\n' "$URL/api/v1/images/$REPO/manifests/1/export")
  docker=$(mibps "$size" "$time")
  read -r size time < <(curl -s -o /dev/null -w '%{size_download} %{time_total}\n' "$URL/api/v1/images/$REPO/manifests/1/export?format=oci")
  oci=$(mibps "$size" "$time")
  urls=(); outs=()
  for d in $(cat "$WORK/digests"); do urls+=("$URL/v2/$REPO/blobs/$d"); outs+=(-o /dev/null); done
  start=$(date +%s.%N)
  total=$(curl -s "${outs[@]}" -w '%{size_download}\n' "${urls[@]}" | paste -sd+ | bc)
  end=$(date +%s.%N)
  blob=$(mibps "$total" "$(python3 -c "print($end - $start)")")
  echo "$r | $docker | $oci | $blob"
done
