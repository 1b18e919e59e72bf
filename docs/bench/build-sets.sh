#!/usr/bin/env bash
# Writes the Dockerfile set of the build benchmark into DIR (default ./sets):
# small (7-step app), multistage, copy5000 (5,000-file COPY), big200 (200 MiB RUN layer).
# BASE is a busybox image in the registry both builders push to.
set -euo pipefail
DIR=${1:-sets}
BASE=${BASE:-127.0.0.1:5000/bench/base:1}
rm -rf "$DIR"; mkdir -p "$DIR"; cd "$DIR"
mkdir -p small/config small/src
for i in 1 2; do echo "setting$i=value$i" > small/config/c$i.conf; done
for i in $(seq 1 20); do seq 1 $((i*10)) | sed "s/^/line /" > small/src/f$i.txt; done
cat > small/Dockerfile <<EOD
FROM $BASE
ENV APP_ENV=production
WORKDIR /app
COPY config/ /app/config/
RUN mkdir -p /app/data && echo ready > /app/data/state
COPY src/ /app/src/
RUN cat /app/src/*.txt | wc -l > /app/lines
CMD ["cat", "/app/lines"]
EOD
mkdir -p multistage/src
for i in $(seq 1 30); do echo "file number $i content" > multistage/src/m$i.txt; done
cat > multistage/Dockerfile <<EOD
FROM $BASE AS build
WORKDIR /src
COPY src/ ./
RUN mkdir /out && for f in *.txt; do tr a-z A-Z < \$f > /out/\$f; done
FROM $BASE
COPY --from=build /out /app
CMD ["ls", "/app"]
EOD
mkdir -p copy5000/files
for d in $(seq 1 50); do mkdir -p copy5000/files/d$d; for f in $(seq 1 100); do head -c 1024 /dev/urandom | base64 > copy5000/files/d$d/f$f.txt; done; done
cat > copy5000/Dockerfile <<EOD
FROM $BASE
COPY files/ /data/
RUN find /data -type f | wc -l > /count
EOD
mkdir -p big200
echo v1 > big200/marker.txt
cat > big200/Dockerfile <<EOD
FROM $BASE
COPY marker.txt /marker
RUN dd if=/dev/urandom of=/big bs=1M count=200 2>/dev/null && cat /marker
EOD
