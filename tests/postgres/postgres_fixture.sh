#!/usr/bin/env bash
# One PostgreSQL 15 for a whole ctest run (ctest fixture "postgres"): `start DIR`
# runs initdb into a new folder under /tmp (the postgres user must reach it; a
# build folder inside a 0700 mktemp clone is out of its reach) and starts the
# server on a free port on 127.0.0.1 only, writing its base URL to DIR/url and
# the folder's name to DIR/cluster; `stop DIR` stops it and removes both. Test
# programs read DIR/url (CX_TEST_POSTGRES_URL_FILE); run alone, they start
# their own server (TestPostgres).
set -euo pipefail
action=$1 dir=$2 bin=$3
as_postgres=()
[ "$(id -u)" -eq 0 ] && as_postgres=(runuser -u postgres --)

case "$action" in
  start)
    "$0" stop "$dir" "$bin"  # a cluster left by an interrupted run
    mkdir -p "$dir"
    cluster=$(mktemp -d /tmp/cx-postgres-XXXXXX)
    echo "$cluster" >"$dir/cluster"
    [ "$(id -u)" -eq 0 ] && chown postgres: "$cluster"
    "${as_postgres[@]}" "$bin/initdb" -D "$cluster/data" -U postgres -A trust -E UTF8 \
      --locale=C.UTF-8 --no-sync >"$dir/initdb.log"
    for attempt in 1 2 3 4 5; do
      port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
      if "${as_postgres[@]}" "$bin/pg_ctl" -D "$cluster/data" -l "$cluster/server.log" -w -t 60 \
           -o "-p $port -k $cluster -c listen_addresses=127.0.0.1 -c max_connections=200" start >/dev/null; then
        echo "postgresql://postgres@127.0.0.1:$port" >"$dir/url"
        exit 0
      fi
    done
    echo "postgres fixture: the server did not start; its log:" >&2
    cat "$cluster/server.log" >&2
    exit 1 ;;
  stop)
    if [ -f "$dir/cluster" ]; then
      cluster=$(cat "$dir/cluster")
      if [ -d "$cluster/data" ]; then
        "${as_postgres[@]}" "$bin/pg_ctl" -D "$cluster/data" -m immediate -w -t 60 stop >/dev/null || true
      fi
      rm -rf "$cluster"
    fi
    rm -rf "$dir" ;;
  *) echo "usage: $0 start|stop DIR PG_BIN" >&2; exit 2 ;;
esac
