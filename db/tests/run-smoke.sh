#!/usr/bin/env bash
# Contract smoke test for db/migrations against a real PostgreSQL (15 or newer).
#
#   db/tests/run-smoke.sh <psql connection args>
#   e.g. db/tests/run-smoke.sh -h /tmp -p 55432 -U postgres -d postgres
#        db/tests/run-smoke.sh "postgresql://user:pass@localhost:5432/orleans_test"
#
# Everything happens in a throw-away schema (orleans_smoke_<pid>) selected through
# PGOPTIONS=search_path, which is dropped at the end (KEEP_SMOKE_SCHEMA=1 keeps it). The user
# needs CREATE on the database; no superuser, no extension.
#
# Steps: apply all migrations twice the way `OrleansPlans.Silo.dll migrate` does (advisory lock,
# one transaction per script, record in schema_migrations), check that a re-run repairs a damaged
# query text, run contract-smoke.sql (every query key, single session), then race two sessions
# against each other for the optimistic-concurrency paths. Exits non-zero on the first failure.
set -euo pipefail

if [ "$#" -eq 0 ]; then
    echo "usage: $0 <psql connection args>   (e.g. -h /tmp -p 55432 -U postgres -d postgres)" >&2
    exit 2
fi

here="$(cd "$(dirname "$0")" && pwd)"
migrations="$here/../migrations"
schema="orleans_smoke_$$"
work="$(mktemp -d)"
orig_pgoptions="${PGOPTIONS:-}"
psql_base=(psql -X -q -v ON_ERROR_STOP=1 "$@")
passed=0

cleanup() {
    if [ "${KEEP_SMOKE_SCHEMA:-0}" != "1" ]; then
        PGOPTIONS="$orig_pgoptions" "${psql_base[@]}" -c "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1 || true
    else
        echo "kept schema $schema"
    fi
    rm -rf "$work"
}
trap cleanup EXIT

fail() {
    echo "FAIL  $*" >&2
    echo "contract smoke: $passed passed, 1 failed"
    exit 1
}

pass() {
    passed=$((passed + 1))
    echo "PASS  $*"
}

# Runs psql in the smoke schema; prints PASS lines from smoke_check, fails on any error.
run_sql() {
    local label="$1"; shift
    local out="$work/out.$RANDOM"
    if ! "${psql_base[@]}" "$@" >"$out" 2>&1; then
        grep -v 'WARNING:  PASS: ' "$out" >&2 || true
        while IFS= read -r line; do pass "$line"; done < <(sed -n 's/.*WARNING:  PASS: //p' "$out")
        fail "$label"
    fi
    while IFS= read -r line; do pass "$line"; done < <(sed -n 's/.*WARNING:  PASS: //p' "$out")
}

scalar() { "${psql_base[@]}" -tA "$@"; }

PGOPTIONS="$orig_pgoptions" "${psql_base[@]}" -c "CREATE SCHEMA $schema"
export PGOPTIONS="$orig_pgoptions -c search_path=$schema -c client_min_messages=warning"

server_version="$(scalar -c "SHOW server_version_num")"
[ "$server_version" -ge 150000 ] || fail "PostgreSQL 15 or newer required (server_version_num $server_version)"

# --- migrations, applied like the migrate command ------------------------------------------------
apply_migrations() {
    "${psql_base[@]}" -c "CREATE TABLE IF NOT EXISTS schema_migrations (version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
    local f v
    for f in "$migrations"/[0-9][0-9][0-9][0-9]_*.sql; do
        v="$(basename "$f" .sql)"
        {
            echo "SELECT pg_advisory_xact_lock(hashtext('orleans-plans-migrate')) \\gset"
            cat "$f"
            echo
            echo "INSERT INTO schema_migrations (version) VALUES ('$v') ON CONFLICT (version) DO NOTHING;"
        } >"$work/migration.sql"
        "${psql_base[@]}" -1 -f "$work/migration.sql" >"$work/migration.out" 2>&1 \
            || { cat "$work/migration.out" >&2; fail "migration $v (run $1)"; }
    done
}

apply_migrations 1
pass "migrations: first run applied $(ls "$migrations"/[0-9][0-9][0-9][0-9]_*.sql | wc -l) scripts, each in one transaction"
snapshot="$(scalar -c "SELECT md5(string_agg(QueryKey || QueryText, '|' ORDER BY QueryKey)) FROM OrleansQuery")"
apply_migrations 2
pass "migrations: second run succeeded (idempotent)"
[ "$(scalar -c "SELECT md5(string_agg(QueryKey || QueryText, '|' ORDER BY QueryKey)) FROM OrleansQuery")" = "$snapshot" ] \
    || fail "query texts changed between two identical runs"
pass "migrations: query texts identical after the second run"
[ "$(scalar -c "SELECT count(*) FROM schema_migrations")" = "$(ls "$migrations"/[0-9][0-9][0-9][0-9]_*.sql | wc -l)" ] \
    || fail "schema_migrations does not list every script exactly once"
pass "migrations: schema_migrations lists every script once"
scalar -c "UPDATE OrleansQuery SET QueryText = 'SELECT broken' WHERE QueryKey IN ('GatewaysQueryKey', 'WriteToStorageKey', 'ReadRangeRows2Key')" >/dev/null
apply_migrations 3
[ "$(scalar -c "SELECT md5(string_agg(QueryKey || QueryText, '|' ORDER BY QueryKey)) FROM OrleansQuery")" = "$snapshot" ] \
    || fail "re-running the migrations did not restore damaged query texts"
pass "migrations: a re-run corrects damaged query texts (ON CONFLICT DO UPDATE)"

# --- single-session contract checks --------------------------------------------------------------
run_sql "helpers" -f "$here/smoke-helpers.sql"
run_sql "contract-smoke.sql" -f "$here/contract-smoke.sql"

# --- two-session races ---------------------------------------------------------------------------
# Session A runs $2 inside an open transaction, then waits until session B (running $3) is
# blocked behind it, and commits. $4 verifies the end state.
race() {
    local name="$1" a_sql="$2" b_sql="$3" verify_sql="$4"
    local flag="$work/$name.flag"
    cat >"$work/$name.a.sql" <<EOF
SET statement_timeout = '60s';
BEGIN;
$a_sql
\\! touch '$flag'
SELECT smoke_wait_for_blocked(30);
COMMIT;
EOF
    "${psql_base[@]}" -f "$work/$name.a.sql" >"$work/$name.a.out" 2>&1 &
    local a_pid=$!
    local i
    for i in $(seq 1 600); do
        [ -e "$flag" ] && break
        kill -0 "$a_pid" 2>/dev/null || break
        sleep 0.05
    done
    if [ ! -e "$flag" ]; then
        wait "$a_pid" || true
        cat "$work/$name.a.out" >&2
        fail "race $name: session A did not get to its commit point"
    fi
    run_sql "race $name (session B)" -c "SET statement_timeout = '60s'" -c "$b_sql"
    if ! wait "$a_pid"; then
        cat "$work/$name.a.out" >&2
        fail "race $name: session A failed"
    fi
    while IFS= read -r line; do pass "$line"; done < <(sed -n 's/.*WARNING:  PASS: //p' "$work/$name.a.out")
    run_sql "race $name (verify)" -c "$verify_sql"
}

race storage-first-write \
"DO \$\$ BEGIN PERFORM smoke_check((smoke_one('WriteToStorageKey', smoke_grain('race-1') || '{\"GrainStateVersion\":null,\"PayloadBinary\":\"\\\\xaa\"}') ->> 'newgrainstateversion')::int = 1,
    'race: storage first write, session A inserts (version 1)'); END \$\$;" \
"DO \$\$ BEGIN PERFORM smoke_check(smoke_one('WriteToStorageKey', smoke_grain('race-1') || '{\"GrainStateVersion\":null,\"PayloadBinary\":\"\\\\xbb\"}') -> 'newgrainstateversion' = 'null'::jsonb,
    'race: storage first write, concurrent session B waits and gets NULL (conflict)'); END \$\$;" \
"DO \$\$ BEGIN PERFORM smoke_check((SELECT count(*) FROM OrleansStorage WHERE GrainIdExtensionString = 'race-1') = 1
    AND (SELECT PayloadBinary FROM OrleansStorage WHERE GrainIdExtensionString = 'race-1') = '\\xaa'::bytea,
    'race: storage first write, exactly one row with the winner''s payload'); END \$\$;"

race storage-update \
"DO \$\$ BEGIN PERFORM smoke_check((smoke_one('WriteToStorageKey', smoke_grain('race-1') || '{\"GrainStateVersion\":1,\"PayloadBinary\":\"\\\\xcc\"}') ->> 'newgrainstateversion')::int = 2,
    'race: storage update with version 1, session A wins (version 2)'); END \$\$;" \
"DO \$\$ BEGIN PERFORM smoke_check(smoke_one('WriteToStorageKey', smoke_grain('race-1') || '{\"GrainStateVersion\":1,\"PayloadBinary\":\"\\\\xdd\"}') -> 'newgrainstateversion' = 'null'::jsonb,
    'race: storage update with the same version 1, session B waits and gets NULL'); END \$\$;" \
"DO \$\$ BEGIN PERFORM smoke_check((SELECT Version FROM OrleansStorage WHERE GrainIdExtensionString = 'race-1') = 2
    AND (SELECT PayloadBinary FROM OrleansStorage WHERE GrainIdExtensionString = 'race-1') = '\\xcc'::bytea,
    'race: storage update, version 2 with the winner''s payload'); END \$\$;"

run_sql "race setup" -c "DO \$\$ BEGIN PERFORM smoke_one('InsertMembershipVersionKey', '{\"DeploymentId\":\"race-cluster\"}'); END \$\$;"
race membership-insert \
"DO \$\$ BEGIN PERFORM smoke_check((SELECT value::text FROM jsonb_each(smoke_one('InsertMembershipKey', jsonb_build_object(
    'DeploymentId','race-cluster','Address','10.2.0.1','Port',11111,'Generation',1,'SiloName','a','HostName','a',
    'Status',2,'ProxyPort',30000,'StartTime',now(),'IAmAliveTime',now(),'Version',0)))) = '1',
    'race: membership insert with version 0, session A wins'); END \$\$;" \
"DO \$\$ BEGIN PERFORM smoke_check((SELECT value::text FROM jsonb_each(smoke_one('InsertMembershipKey', jsonb_build_object(
    'DeploymentId','race-cluster','Address','10.2.0.2','Port',11111,'Generation',1,'SiloName','b','HostName','b',
    'Status',2,'ProxyPort',30000,'StartTime',now(),'IAmAliveTime',now(),'Version',0)))) = '0',
    'race: membership insert of another silo with the same version 0, session B waits and gets 0'); END \$\$;" \
"DO \$\$ BEGIN PERFORM smoke_check((SELECT count(*) FROM OrleansMembershipTable WHERE DeploymentId = 'race-cluster') = 1
    AND (SELECT Version FROM OrleansMembershipVersionTable WHERE DeploymentId = 'race-cluster') = 1,
    'race: membership insert, one member and table version 1'); END \$\$;"

echo "contract smoke: $passed passed, 0 failed"
