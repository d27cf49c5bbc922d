#!/usr/bin/env bash
# A throwaway PostgreSQL server for hyperlink's tests and for trying `--db postgresql+psycopg://…`.
#   scripts/pg.sh start   initialise (once) and start a server on a private socket; prints its URL
#   scripts/pg.sh url     the SQLAlchemy URL of that server
#   scripts/pg.sh stop    stop it
# The server runs as the `postgres` user when called as root (PostgreSQL refuses to run as root),
# listens only on a Unix socket in its data folder, and trusts local connections: for tests and
# trials on one machine, not for a shared server. HYPERLINK_PG_DIR moves its folder.
set -euo pipefail
DIR="${HYPERLINK_PG_DIR:-/tmp/hyperlink-pg-$(id -u)}"
PORT="${HYPERLINK_PG_PORT:-54329}"
URL="postgresql+psycopg://postgres@/hyperlink?host=${DIR}&port=${PORT}"

bindir() {
  for d in /usr/lib/postgresql/*/bin; do [ -x "$d/initdb" ] && { echo "$d"; return; }; done
  command -v initdb >/dev/null && { dirname "$(command -v initdb)"; return; }
  return 1
}

ensure_installed() {
  bindir >/dev/null && return
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >/dev/null
  else
    echo "PostgreSQL is not installed: apt-get install postgresql (or set HYPERLINK_TEST_PG to a server's URL)" >&2
    exit 1
  fi
}

as_owner() {
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --home-dir "$DIR" postgres
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

case "${1:-}" in
  start)
    ensure_installed
    BIN="$(bindir)"
    mkdir -p "$DIR"
    [ "$(id -u)" = 0 ] && chown postgres "$DIR"
    if [ ! -f "$DIR/data/PG_VERSION" ]; then
      as_owner "$BIN/initdb" -D "$DIR/data" -U postgres --auth=trust -E UTF8 >/dev/null
    fi
    if ! as_owner "$BIN/pg_ctl" -D "$DIR/data" status >/dev/null 2>&1; then
      as_owner "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w \
        -o "-k $DIR -p $PORT -c listen_addresses='' -c fsync=off -c max_connections=200" start >/dev/null
    fi
    as_owner "$BIN/psql" -h "$DIR" -p "$PORT" -U postgres -d postgres -tAc \
      "SELECT 1 FROM pg_database WHERE datname = 'hyperlink'" | grep -q 1 ||
      as_owner "$BIN/createdb" -h "$DIR" -p "$PORT" -U postgres hyperlink
    echo "$URL"
    ;;
  url) echo "$URL" ;;
  stop)
    BIN="$(bindir)"
    as_owner "$BIN/pg_ctl" -D "$DIR/data" -m fast stop >/dev/null 2>&1 || true
    ;;
  *) echo "usage: scripts/pg.sh start|url|stop" >&2; exit 2 ;;
esac
