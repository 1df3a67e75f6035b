# Sourced by tests/run: make a PostgreSQL server answer and give the tests a fresh database.
# Uses the server on 127.0.0.1:5432 when it answers; otherwise starts a throwaway cluster
# (as a non-root user) from the installed PostgreSQL binaries. Under CI=true a server that
# can neither be reached nor started fails the run.

PG_STARTED_DIR=""
PG_DB=""

_pg_fail() {
  echo "PostgreSQL: $1" >&2
  if [ "${CI:-}" = "true" ]; then exit 1; fi
  echo "PostgreSQL tests will be skipped (set CI=true to make this an error)." >&2
  export TEST_POSTGRES_URL="postgresql://postgres@127.0.0.1:1/unavailable"
  return 1
}

_pg_start_cluster() {
  local bin
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$bin" ] || { _pg_fail "no server on 127.0.0.1:5432 and no PostgreSQL binaries"; return 1; }
  local runas=()
  if [ "$(id -u)" = "0" ]; then
    local user=postgres
    id "$user" >/dev/null 2>&1 || user=nobody
    runas=(runuser -u "$user" --)
  fi
  PG_STARTED_DIR=$(mktemp -d /tmp/secretariat-pg.XXXXXX)
  chmod 777 "$PG_STARTED_DIR"
  PG_PORT=55432
  "${runas[@]}" "$bin/initdb" -D "$PG_STARTED_DIR/data" -U postgres --auth=trust -E UTF8 >/dev/null
  "${runas[@]}" "$bin/pg_ctl" -D "$PG_STARTED_DIR/data" -l "$PG_STARTED_DIR/log" -w \
    -o "-p $PG_PORT -k $PG_STARTED_DIR -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null \
    || { _pg_fail "could not start a throwaway cluster (see $PG_STARTED_DIR/log)"; return 1; }
  PG_RUNAS=("${runas[@]}")
  PG_BIN=$bin
}

ensure_postgres() {
  PG_PORT=5432
  if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
    _pg_start_cluster || return 0
  fi
  PG_DB="secretariat_run_$$"
  if ! psql -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres \
      -c "DROP DATABASE IF EXISTS $PG_DB" -c "CREATE DATABASE $PG_DB" >/dev/null; then
    PG_DB=""
    _pg_fail "server on 127.0.0.1:$PG_PORT refused to create a database" || return 0
  fi
  export TEST_POSTGRES_URL="postgresql://postgres@127.0.0.1:$PG_PORT/$PG_DB"
}

cleanup_postgres() {
  if [ -n "$PG_DB" ]; then
    psql -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres \
      -c "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >/dev/null 2>&1 || true
  fi
  if [ -n "$PG_STARTED_DIR" ]; then
    "${PG_RUNAS[@]}" "$PG_BIN/pg_ctl" -D "$PG_STARTED_DIR/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$PG_STARTED_DIR"
  fi
}
