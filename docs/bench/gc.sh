#!/bin/sh
# Garbage collection benchmark (issue 10): GC time for 100,000 blobs / 10,000 manifests, and
# RegistryBench push/pull throughput with and without collections looping through POST /api/v1/gc.
# Runs registry-server's GcBenchmark (src/test/java/io/stevedore/registry/operations) through
# surefire: the default execution on fs, the s3-storage execution on S3 (S3Proxy in-process).
# It seeds bytes through the BlobStore SPI (16 threads, 512-byte blobs) and rows by SQL: every
# blob two days old, the first half linked into 100 repositories and referenced by 10,000
# manifests (5 blobs each), the second half garbage. Collections use the default 24 h grace and
# batch size 500, at the duty cycle DUTY (default 0.1, the server's default; 1 = full speed),
# walking the store once per WALK (default 6h, the server's default: the looping collections do
# not walk; 0 = every collection walks, as before 2026-12-06).
# Output: registry-server/target/gc-bench-fs.txt and gc-bench-s3.txt.
# Usage, from the repository root: docs/bench/gc.sh
set -e
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
./mvnw -B -o -q -pl registry-server -am test -Dtest=GcBenchmark -Dsurefire.failIfNoSpecifiedTests=false \
  -Dstevedore.bench=true -Dstevedore.gc.batch-size=500 -Dstevedore.gc.duty-cycle=${DUTY:-0.1} \
  -Dstevedore.gc.walk-interval=${WALK:-6h} || true
cat registry-server/target/gc-bench-fs.txt registry-server/target/gc-bench-s3.txt
