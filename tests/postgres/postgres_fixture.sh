#!/usr/bin/env bash
# One PostgreSQL 15 for a whole ctest run (ctest fixture "postgres"): `start DIR`
# runs initdb into DIR and starts the server on a free port on 127.0.0.1 only,
# writing its base URL to DIR/url; `stop DIR` stops it and removes DIR. Test
# programs read DIR/url (CX_TEST_POSTGRES_URL_FILE); run alone, they start
# their own server (TestPostgres).
set -euo pipefail
action=$1 dir=$2 bin=$3
as_postgres=()
[ "$(id -u)" -eq 0 ] && as_postgres=(runuser -u postgres --)

case "$action" in
  start)
    rm -rf "$dir" && mkdir -p "$dir"
    [ "$(id -u)" -eq 0 ] && chown postgres: "$dir"
    "${as_postgres[@]}" "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 \
      --locale=C.UTF-8 --no-sync >"$dir/initdb.log"
    for attempt in 1 2 3 4 5; do
      port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
      if "${as_postgres[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
           -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=200" start >/dev/null; then
        echo "postgresql://postgres@127.0.0.1:$port" >"$dir/url"
        exit 0
      fi
    done
    echo "postgres fixture: the server did not start; its log:" >&2
    cat "$dir/server.log" >&2
    exit 1 ;;
  stop)
    if [ -d "$dir/data" ]; then
      "${as_postgres[@]}" "$bin/pg_ctl" -D "$dir/data" -m immediate -w -t 60 stop >/dev/null || true
    fi
    rm -rf "$dir" ;;
  *) echo "usage: $0 start|stop DIR PG_BIN" >&2; exit 2 ;;
esac
