#!/bin/sh
# S3: Stevedore against CNCF Distribution 2.8 on one S3Proxy (issue 13). Runs registry-server's
# S3Benchmark (src/test/java/io/stevedore/registry/storage): S3Proxy (in-memory) in the test JVM,
# Stevedore from the packaged jar (-Xmx256m, auth on, default 8 MB parts) and Distribution
# (docker-registry, s3 driver, redirects off) each on a bucket of their own; RegistryBench
# push-chunked and blob-get against each, warm-up, then A-B-B-A, with server CPU per phase.
# SIZE (default 64m) is the chunked blob and the blob-get blob size (S3Proxy keeps them in heap).
# Output: registry-server/target/s3-bench.txt.
# Usage, from the repository root: docs/bench/s3.sh   (needs apt-get install docker-registry)
set -e
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
./mvnw -B -o -q -pl registry-server -am package -DskipTests
./mvnw -B -o -q -pl registry-server -am test -Dtest=S3Benchmark -Dsurefire.failIfNoSpecifiedTests=false \
  -Dstevedore.bench=true -Dstevedore.bench.size=${SIZE:-64m} || true
cat registry-server/target/s3-bench.txt
