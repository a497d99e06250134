#!/usr/bin/env bash
# Runs the test suite against a throwaway PostgreSQL cluster.
#
# Installs Debian's postgresql when it is missing (needs root; CI runs as
# root), creates a cluster with initdb in a temporary directory, starts it on
# a free loopback port, runs `.venv/bin/pytest "$@"` with DATABASE_URL pointing
# at it (PYTEST overrides the runner), and always stops the cluster and removes the directory.
# For the fault tests that restart the server itself (tests/core/test_database_restart.py)
# it also exports where the cluster lives: ONETHING_TEST_PGDATA (its data directory),
# ONETHING_TEST_PG_BIN (pg_ctl's folder), ONETHING_TEST_PGLOG (the server log),
# ONETHING_TEST_PG_OPTS (the server options, for `pg_ctl start -o`) and ONETHING_TEST_PG_AS
# (the OS user to run pg_ctl as: postgres when we are root, else empty).
set -euo pipefail
cd "$(dirname "$0")/.."

find_pg_bin() {
  local dir
  # Debian keeps each major version in /usr/lib/postgresql/<ver>/bin: take the newest.
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -n "$dir" ] && [ -x "$dir/initdb" ]; then
    echo "$dir"
  elif command -v pg_config >/dev/null 2>&1 && [ -x "$(pg_config --bindir)/initdb" ]; then
    pg_config --bindir
  elif command -v initdb >/dev/null 2>&1; then
    dirname "$(command -v initdb)"
  fi
}

PG_BIN=$(find_pg_bin)
if [ -z "$PG_BIN" ]; then
  if [ "$(id -u)" != "0" ]; then
    echo "PostgreSQL is missing: run 'sudo apt-get install postgresql' for these tests" >&2
    exit 1
  fi
  echo "Installing Debian's postgresql for the PostgreSQL test run…"
  apt-get -o DPkg::Lock::Timeout=300 update -qq
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq postgresql >/dev/null
  PG_BIN=$(find_pg_bin)
  if [ -z "$PG_BIN" ]; then
    echo "PostgreSQL was installed but initdb was not found" >&2
    exit 1
  fi
fi

# PostgreSQL refuses to run as root: run the server as the postgres OS user.
as_pg() {
  if [ "$(id -u)" = "0" ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

PGTMP=$(mktemp -d "${TMPDIR:-/tmp}/onething-pg.XXXXXX")
cleanup() {
  local status=$?
  if [ -f "$PGTMP/data/postmaster.pid" ]; then
    as_pg "$PG_BIN/pg_ctl" -D "$PGTMP/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$PGTMP"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
if [ "$(id -u)" = "0" ]; then
  chown postgres: "$PGTMP"
fi

PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

# C collation sorts like SQLite (by code point), UTF-8 for Chinese text.
as_pg "$PG_BIN/initdb" -D "$PGTMP/data" -U postgres --auth=trust --encoding=UTF8 --locale=C \
  >"$PGTMP/initdb.log" 2>&1 || { cat "$PGTMP/initdb.log" >&2; exit 1; }
# A throwaway cluster: durability off for speed.
PG_OPTS="-p $PORT -c listen_addresses=127.0.0.1 -k $PGTMP -c max_connections=200 \
  -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
if ! as_pg "$PG_BIN/pg_ctl" -D "$PGTMP/data" -l "$PGTMP/server.log" -w -t 60 start \
  -o "$PG_OPTS" >/dev/null; then
  cat "$PGTMP/server.log" >&2
  exit 1
fi
"$PG_BIN/psql" -q -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 \
  -c "CREATE DATABASE onething_test" >/dev/null

echo "$("$PG_BIN/postgres" --version) on 127.0.0.1:$PORT ($PGTMP)"
export DATABASE_URL="postgres://postgres@127.0.0.1:$PORT/onething_test"
export ONETHING_TEST_PGDATA="$PGTMP/data" ONETHING_TEST_PG_BIN="$PG_BIN" \
  ONETHING_TEST_PGLOG="$PGTMP/server.log" ONETHING_TEST_PG_OPTS="$PG_OPTS"
if [ "$(id -u)" = "0" ]; then export ONETHING_TEST_PG_AS=postgres; else export ONETHING_TEST_PG_AS=; fi
"${PYTEST:-.venv/bin/pytest}" "$@"
