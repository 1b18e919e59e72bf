# syntax=docker/dockerfile:1.7
# check=skip=JSONArgsRecommended
# escape=\

# Every instruction and option the parser knows, in a realistic two-stage build.
ARG GO_VERSION=1.22
ARG BASE=alpine:3.20

FROM --platform=$BUILDPLATFORM golang:${GO_VERSION} AS Builder
ARG TARGETOS TARGETARCH
WORKDIR /src
COPY --link go.mod go.sum ./
RUN --mount=type=cache,id=gomod,target=/go/pkg/mod,sharing=locked \
    --mount=type=secret,id=netrc,target=/root/.netrc,required \
    --network=default \
    go mod download
COPY . .
RUN <<EOF
set -e
GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/app ./cmd/app
EOF

from ${BASE} as final
MAINTAINER Stevedore Team <team@stevedore.invalid>
LABEL org.opencontainers.image.title="Stevedore demo" \
      org.opencontainers.image.version=1.0
ENV APP_HOME=/opt/app PATH=/opt/app/bin:$PATH
ENV LEGACY legacy value
SHELL ["/bin/sh", "-euc"]
USER 0:0
RUN --network=none --security=sandbox addgroup -S app && adduser -S app -G app
COPY --from=builder --chown=app:app --chmod=0755 /out/app ${APP_HOME}/bin/
COPY --parents --exclude=*.tmp --exclude=cache/ config/ ${APP_HOME}/
COPY <<-"CONF" ${APP_HOME}/app.conf
	listen = :8080
	home = $APP_HOME
	CONF
ADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d --chown=app https://example.invalid/data.tar.gz /data/
ADD --keep-git-dir=true https://example.invalid/repo.git#main /src/repo
ADD --link ["vendor files.tar", "/vendor/"]
EXPOSE 8080/tcp 9090/udp
VOLUME ["/data", "/logs"]
VOLUME /cache
WORKDIR $APP_HOME
USER app
HEALTHCHECK --interval=30s --timeout=3s --start-period=5s --start-interval=1s --retries=3 \
  CMD ["wget", "-q", "-O-", "http://localhost:8080/health"]
STOPSIGNAL SIGTERM
ONBUILD COPY . /app/src
onbuild RUN <<EOF
echo triggered
EOF
ENTRYPOINT ["/opt/app/bin/app"]
CMD ["--serve"]

FROM scratch AS minimal
COPY --from=final /opt/app/bin/app /app
HEALTHCHECK NONE
ENTRYPOINT /app
CMD echo "shell form"
