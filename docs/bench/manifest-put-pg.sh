#!/bin/bash
# What a manifest PUT costs PostgreSQL, part by part (issue 13). Replays the statements of one
# PUT's transaction (ManifestHandler.put: repository, blob locks, quota, immutable-tag rules,
# audit, webhook, the manifest's statement, commit) with pgbench, 8 clients, prepared, against
# the embedded PostgreSQL of a registry that RegistryBench has pushed an image into, and measures
# the backends' CPU per transaction from /proc. Variants leave one part out (or turn the usage
# triggers off), round-robin, so that the table's differences are what each part costs. A
# measurement, not a proposal: leaving a part out is not a safe change.
# Usage, from the repository root, as root: docs/bench/manifest-put-pg.sh [rounds] [transactions per client]
# TRANSPORT=1 instead replays the whole transaction over loopback TCP and over the Unix socket
# (variants tcp, unix), and prints pgbench's own CPU per transaction beside the backends'.
# (needs pgbench and psql: apt-get install postgresql-client; package first: ./mvnw -B -q package -DskipTests)
set -e
ROUNDS=${1:-3}; TX=${2:-400}; CLIENTS=8
JAVA=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java
BENCH=${BENCH:-../shared/bench/RegistryBench.java}
WORK=$(mktemp -d /tmp/manifest-put-pg.XXXXXX); chmod 755 "$WORK"; DATA=$WORK/data; PASSWORD=bench-$$
PG_PORT=$((20000 + $$ % 20000))
cleanup() { status=$?; [ -n "$SERVER" ] && kill $SERVER 2>/dev/null; [ -n "$PG" ] && kill $PG 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"; exit $status; }
trap cleanup EXIT
# 1. a registry, an image (a config and two layers) pushed into one repository by RegistryBench
$JAVA -Xmx256m -jar registry-server/target/registry-server.jar --registry.data-dir="$DATA" \
  --registry.auth.enabled=true --registry.auth.admin-password="$PASSWORD" > "$WORK/server.log" 2>&1 &
SERVER=$!
until curl -fs http://127.0.0.1:5000/actuator/health/readiness > /dev/null; do
  kill -0 $SERVER 2>/dev/null || { tail -20 "$WORK/server.log"; exit 1; }; sleep 1; done
$JAVA "$BENCH" --url http://127.0.0.1:5000 --scenarios manifest-put --manifest-tags 100 \
  --user admin --password "$PASSWORD" | grep -E '^scenario'
kill $SERVER; wait $SERVER 2>/dev/null || true; SERVER=
# 2. its PostgreSQL alone (no registry beside it), as the account the registry ran it as
BIN=$(ls -d "$DATA"/postgres-bin/*/bin | head -1)
OWNER=$(stat -c %U "$DATA/postgres"); mkdir -p "$WORK/sock"; chown "$OWNER" "$WORK/sock"
setpriv --reuid="$OWNER" --regid="$(id -g "$OWNER")" --clear-groups "$BIN/postgres" -D "$DATA/postgres" \
  -c listen_addresses=127.0.0.1 -p $PG_PORT -c unix_socket_directories="$WORK/sock" > "$WORK/pg.log" 2>&1 &
PG=$!
export PGPASSWORD; PGPASSWORD=$(cat "$DATA/postgres.password")
sql() { psql -h 127.0.0.1 -p $PG_PORT -U stevedore -d stevedore -X -q -At "$@"; }
until sql -c "select 1" > /dev/null 2>&1; do kill -0 $PG 2>/dev/null || { cat "$WORK/pg.log"; exit 1; }; sleep 0.5; done
REPO_ID=$(sql -c "select id from repositories order by id limit 1")
REPO=$(sql -c "select name from repositories where id = $REPO_ID")
NS=${REPO%%/*}
REFS=$(sql -F' ' -c "select r.kind, r.digest, r.media_type, r.size from manifest_references r
  join manifests m on m.id = r.manifest_id where m.repository_id = $REPO_ID and r.kind <> 'manifest'
  and m.id = (select max(manifest_id) from manifest_references where kind = 'layer') order by r.position")
arr() { echo "$REFS" | awk -v c="$1" '{a = a (NR > 1 ? "," : "") $c} END {print "{" a "}"}'; }
KINDS=$(arr 1); TYPES=$(arr 3); SIZES=$(arr 4)
# pgbench would read ":a30b..." in a digest as a variable: the colons are put back by translate()
DIGESTS="translate('$(arr 2 | tr : _)', '_', chr(58))"
# 3. one PUT's transaction; each part on its own lines, between markers a variant can drop
cat > "$WORK/full.sql" <<SQL
\set n random(1, 2000000000)
BEGIN;
-- repository
select id from repositories where name = '$REPO' for key share;
-- blob locks
select digest from repository_blobs where repository_id = $REPO_ID and digest = any ($DIGESTS::text[]) for share;
-- quota
select limit_bytes from namespace_quotas where namespace = '$NS';
-- immutable-tag rules
select patterns from immutable_tag_rules where (kind = 'repository' and target = '$REPO') or (kind = 'namespace' and target = '$NS') order by kind desc;
-- audit
insert into audit_log (event, actor, client_address, namespace, repository, detail) values ('manifest.pushed', 'admin', '127.0.0.1', '$NS', '$REPO', jsonb_build_object('reference', 'tag', 'digest', 'sha256-x'));
-- webhook
with hooks as (select id from webhooks where enabled and 'push' = any (events) and (namespace = '$NS' or repository = '$REPO')), event as (insert into webhook_events (uuid, type, namespace, repository, payload) select gen_random_uuid(), 'push', '$NS', '$REPO', '{}'::jsonb where exists (select 1 from hooks) returning id) insert into webhook_deliveries (webhook_id, event_id) select hooks.id, event.id from hooks, event;
-- manifest
with created as (insert into manifests (repository_id, digest, media_type, artifact_type, size, content, subject_digest, annotations) values ($REPO_ID, 'sha256:' || md5(:n::text) || md5((:n + 1)::text), 'application/vnd.oci.image.manifest.v1+json', null, 557, convert_to(repeat('x', 557), 'UTF8'), null, null) on conflict (repository_id, digest) do nothing returning id), manifest as (select id from created union all select id from manifests where repository_id = $REPO_ID and digest = 'sha256:' || md5(:n::text) || md5((:n + 1)::text)), referenced as (insert into manifest_references (manifest_id, position, kind, digest, media_type, size) select c.id, r.ordinality - 1, r.kind, r.digest, r.media_type, r.size from created c, unnest('$KINDS'::text[], $DIGESTS::text[], '$TYPES'::text[], '$SIZES'::bigint[]) with ordinality as r(kind, digest, media_type, size, ordinality)), tagged as (insert into tags (repository_id, name, manifest_id) select $REPO_ID, 't-' || :client_id || '-' || :n, id from manifest on conflict (repository_id, name) do update set manifest_id = excluded.manifest_id, updated_at = now()) select id from manifest;
COMMIT;
SQL
without() { # parts (an awk alternation): the transaction without them
  awk -v parts="^-- ($1)\$" '$0 ~ parts {skip = 1; next} /^-- / {skip = 0} !skip' "$WORK/full.sql"; }
without 'audit' > "$WORK/no-audit.sql"
without 'webhook' > "$WORK/no-webhook.sql"
without 'quota|immutable-tag rules' > "$WORK/no-rules.sql"
without 'repository|blob locks|quota|immutable-tag rules|audit|webhook' > "$WORK/manifest-only.sql"
usage_triggers() { # enable|disable
  sql -c "alter table manifests $1 trigger usage_manifest_inserted" -c "alter table manifest_references $1 trigger usage_references_inserted"; }
run() { # variant script: prints the backends' CPU per transaction in ms
  pgbench -n -M prepared -h "${HOST:-127.0.0.1}" -p $PG_PORT -U stevedore -c $CLIENTS -j 2 -t $TX -f "$2" stevedore > "$WORK/pgbench.out" 2>&1 &
  bench=$!; declare -A last=(); client=0
  while kill -0 $bench 2>/dev/null; do
    for p in $(pgrep -P $PG); do
      case $(cat /proc/$p/cmdline 2>/dev/null | tr '\0' ' ') in *"stevedore stevedore"*)
        t=$(cut -d' ' -f14,15 /proc/$p/stat 2>/dev/null | awk '{print $1 + $2}'); [ -n "$t" ] && last[$p]=$t;; esac
    done; c=$(cut -d' ' -f14,15 /proc/$bench/stat 2>/dev/null | awk '{print $1 + $2}'); [ -n "$c" ] && client=$c
    sleep 0.1; done
  wait $bench || { grep -i error "$WORK/pgbench.out" >&2; exit 1; }
  sum=0; for k in "${!last[@]}"; do sum=$((sum + ${last[$k]})); done
  tps=$(grep -o 'tps = [0-9.]*' "$WORK/pgbench.out" | cut -d' ' -f3)
  echo "$1 $(echo "scale=3; $sum * 1000 / $(getconf CLK_TCK) / ($TX * $CLIENTS)" | bc) $tps \
    $(echo "scale=3; $client * 1000 / $(getconf CLK_TCK) / ($TX * $CLIENTS)" | bc)" | tee -a "$WORK/results"
}
VARIANTS="full no-usage-triggers no-audit no-webhook no-rules manifest-only manifest-only-no-usage"
[ "${TRANSPORT:-0}" = 1 ] && VARIANTS="tcp unix"
run warm-up "$WORK/full.sql" > /dev/null
for round in $(seq "$ROUNDS"); do
  for v in $VARIANTS; do
    case $v in
      no-usage-triggers) usage_triggers disable; run $v "$WORK/full.sql"; usage_triggers enable;;
      manifest-only-no-usage) usage_triggers disable; run $v "$WORK/manifest-only.sql"; usage_triggers enable;;
      tcp) run $v "$WORK/full.sql";;
      unix) HOST="$WORK/sock" run $v "$WORK/full.sql";;
      *) run $v "$WORK/$v.sql";;
    esac
  done
done > /dev/null
echo "PostgreSQL CPU per manifest PUT transaction (ms, median and range of $ROUNDS rounds of $((TX * CLIENTS)); transactions/s and pgbench's CPU per transaction in the median run); $(sql -c 'select count(*) from manifests') manifests at the end"
for v in $VARIANTS; do
  grep "^$v " "$WORK/results" | sort -k2 -g | awk -v v=$v '{ms[NR] = $2; t[NR] = $3; c[NR] = $4}
    END {m = int((NR + 1) / 2); printf "%-24s %s  (%s .. %s)  %s tps, pgbench %s ms\n", v, ms[m], ms[1], ms[NR], t[m], c[m]}'
done
