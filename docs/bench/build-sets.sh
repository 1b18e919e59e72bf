#!/usr/bin/env bash
# Writes the Dockerfile set of the build benchmark into DIR (default ./sets), 13 builds:
#   small (7-step app), multistage, copy5000 (5,000-file COPY), big200 (200 MiB RUN layer),
#   allinstr (every instruction), target (4 stages, --target test), secret (RUN --mount=type=secret),
#   ignore (.dockerignore drops 2,000 files), webapp (static site, gzip step), addtar (ADD of a
#   local tar, ENTRYPOINT script), fanin (two independent build stages, final copies from both),
#   cachemount (RUN --mount=type=cache), buildargs (ARG/--build-arg in RUN, LABEL, ENV).
# Beside the sets, DIR/.meta/SET.args holds extra build options (same spelling for both tools) and
# DIR/.meta/SET.edit the context file the "edit" phase appends to.
# BASE is a busybox image in the registry both builders push to (build-bench.sh base pushes one).
# Two platforms are not in the set: dockerd 20.10's BuildKit (no buildx) cannot produce a
# multi-platform image.
set -euo pipefail
DIR=${1:-sets}
BASE=${BASE:-127.0.0.1:5000/bench/base:1}
rm -rf "$DIR"; mkdir -p "$DIR/.meta"; cd "$DIR"
META=$PWD/.meta
meta() { echo "$2" > "$META/$1.edit"; echo "${3:-}" > "$META/$1.args"; }

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
meta small src/f7.txt

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
meta multistage src/m7.txt

mkdir -p copy5000/files
for d in $(seq 1 50); do mkdir -p copy5000/files/d$d; for f in $(seq 1 100); do head -c 1024 /dev/urandom | base64 > copy5000/files/d$d/f$f.txt; done; done
cat > copy5000/Dockerfile <<EOD
FROM $BASE
COPY files/ /data/
RUN find /data -type f | wc -l > /count
EOD
meta copy5000 files/d7/f7.txt

mkdir -p big200
echo v1 > big200/marker.txt
cat > big200/Dockerfile <<EOD
FROM $BASE
COPY marker.txt /marker
RUN dd if=/dev/urandom of=/big bs=1M count=200 2>/dev/null && cat /marker
EOD
meta big200 marker.txt

mkdir -p allinstr/app
for i in 1 2 3; do echo "echo part $i" > allinstr/app/part$i.sh; done
echo 'exec "$@"' > allinstr/app/entry.sh
cat > allinstr/Dockerfile <<EOD
ARG BASE_IMAGE=$BASE
FROM \$BASE_IMAGE
ARG FLAVOUR=plain
ENV APP_HOME=/srv/app PATH=/srv/app/bin:/bin:/usr/bin
LABEL org.opencontainers.image.title="allinstr" flavour=\$FLAVOUR
SHELL ["/bin/sh", "-ec"]
WORKDIR \$APP_HOME
COPY app/ bin/
RUN chmod 755 bin/*.sh && echo 'app:x:1000:1000::/srv/app:/bin/sh' >> /etc/passwd && chown -R 1000 bin
RUN cat bin/part*.sh > bin/all.sh && echo "\$FLAVOUR" > flavour
USER app
EXPOSE 8080/tcp 9090
VOLUME ["/srv/app/data"]
HEALTHCHECK --interval=30s --timeout=3s --retries=2 CMD ["/bin/sh", "-c", "test -f /srv/app/flavour"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["/bin/sh", "/srv/app/bin/entry.sh"]
CMD ["sh", "/srv/app/bin/all.sh"]
EOD
meta allinstr app/part2.sh

mkdir -p target/src
for i in $(seq 1 10); do echo "unit $i" > target/src/u$i.txt; done
cat > target/Dockerfile <<EOD
FROM $BASE AS deps
RUN mkdir -p /deps && echo dep > /deps/lib
FROM deps AS build
COPY src/ /src/
RUN cat /src/*.txt > /deps/app
FROM build AS test
RUN grep -c unit /deps/app > /test-result
FROM $BASE AS release
COPY --from=build /deps/app /app
CMD ["cat", "/app"]
EOD
meta target src/u3.txt "--target test"

mkdir -p secret
echo "echo using the token" > secret/fetch.sh
cat > secret/Dockerfile <<EOD
FROM $BASE
COPY fetch.sh /fetch.sh
RUN --mount=type=secret,id=token sh /fetch.sh && wc -c < /run/secrets/token > /token-length
CMD ["cat", "/token-length"]
EOD
echo "s3cr3t-token-value" > "$META/token.txt"
meta secret fetch.sh "--secret id=token,src=$META/token.txt"

mkdir -p ignore/src ignore/node_modules ignore/.git/objects ignore/logs
for i in $(seq 1 20); do echo "module $i" > ignore/src/mod$i.js; done
for d in $(seq 1 20); do mkdir -p ignore/node_modules/p$d; for f in $(seq 1 50); do echo "dep $d $f" > ignore/node_modules/p$d/i$f.js; done; done
for f in $(seq 1 1000); do echo "object $f" > ignore/.git/objects/o$f; done
for f in $(seq 1 5); do head -c 200000 /dev/urandom > ignore/logs/run$f.log; done
printf 'node_modules\n.git\nlogs/*.log\n**/*.tmp\n!src/keep.tmp\n' > ignore/.dockerignore
echo kept > ignore/src/keep.tmp; echo dropped > ignore/src/drop.tmp
cat > ignore/Dockerfile <<EOD
FROM $BASE
WORKDIR /app
COPY . .
RUN ls -R /app | wc -l > /listing
CMD ["cat", "/listing"]
EOD
meta ignore src/mod5.js

mkdir -p webapp/site/css webapp/site/js
for i in $(seq 1 15); do printf '<html><body>page %s %s</body></html>\n' $i "$(seq 1 200 | tr '\n' ' ')" > webapp/site/p$i.html; done
for i in 1 2; do seq 1 500 | sed "s/^/.c/;s/$/ { margin: 0 }/" > webapp/site/css/s$i.css; done
seq 1 800 | sed 's/^/var x/;s/$/ = 1;/' > webapp/site/js/app.js
cat > webapp/Dockerfile <<EOD
FROM $BASE
COPY site/ /www/
RUN find /www -type f \( -name '*.html' -o -name '*.css' -o -name '*.js' \) -exec gzip -k -9 {} \;
EXPOSE 8000
CMD ["httpd", "-f", "-p", "8000", "-h", "/www"]
EOD
meta webapp site/p4.html

mkdir -p addtar/payload/tools
for i in $(seq 1 40); do echo "tool $i" > addtar/payload/tools/t$i; done
tar -C addtar/payload -cf addtar/tools.tar tools; rm -rf addtar/payload
printf '#!/bin/sh\necho starting\nexec "$@"\n' > addtar/start.sh
cat > addtar/Dockerfile <<EOD
FROM $BASE
ADD tools.tar /opt/
COPY start.sh /usr/local/bin/start
RUN chmod +x /usr/local/bin/start && ls /opt/tools | wc -l > /opt/count
ENTRYPOINT ["/usr/local/bin/start"]
CMD ["cat", "/opt/count"]
EOD
meta addtar start.sh

mkdir -p fanin/a fanin/b
for i in $(seq 1 10); do echo "alpha $i" > fanin/a/a$i.txt; echo "beta $i" > fanin/b/b$i.txt; done
cat > fanin/Dockerfile <<EOD
FROM $BASE AS alpha
COPY a/ /in/
RUN cat /in/* | sort > /alpha.out
FROM $BASE AS beta
COPY b/ /in/
RUN cat /in/* | sort -r > /beta.out
FROM $BASE
COPY --from=alpha /alpha.out /out/
COPY --from=beta /beta.out /out/
RUN cat /out/* | wc -l > /out/total
CMD ["cat", "/out/total"]
EOD
meta fanin b/b4.txt

mkdir -p cachemount/src
for i in $(seq 1 10); do echo "source $i" > cachemount/src/s$i.c; done
cat > cachemount/Dockerfile <<EOD
FROM $BASE
COPY src/ /src/
RUN --mount=type=cache,target=/cache mkdir -p /cache/objs && for f in /src/*.c; do n=\$(basename \$f .c); [ -f /cache/objs/\$n.o ] || md5sum \$f > /cache/objs/\$n.o; done && cat /cache/objs/*.o > /build.log
CMD ["cat", "/build.log"]
EOD
meta cachemount src/s2.c

mkdir -p buildargs
echo "config v1" > buildargs/app.conf
cat > buildargs/Dockerfile <<EOD
FROM $BASE
ARG VERSION=1.0
ARG CHANNEL=stable
LABEL version=\$VERSION channel=\$CHANNEL
ENV APP_VERSION=\$VERSION
COPY app.conf /etc/app.conf
RUN echo "\$VERSION-\$CHANNEL" > /version
CMD ["cat", "/version"]
EOD
meta buildargs app.conf "--build-arg VERSION=2.5 --build-arg CHANNEL=beta"
