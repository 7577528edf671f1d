#!/usr/bin/env bash
# A private PostgreSQL server for the tests: its own data folder and port, on 127.0.0.1 only,
# from Debian's `postgresql` package (installed when missing). ./test.sh uses it for every run;
# for a test run of your own:
#
#   eval "$(tests/postgres.sh start)"     # starts it and sets CC_TEST_POSTGRES in this shell
#   dotnet test tests/ContactCenter.Crm.Tests -c Release
#   tests/postgres.sh stop                # stops it and deletes its data folder
#   tests/postgres.sh restart             # restarts it on the same data (a fault to inject)
#
# Settings (environment): CC_TEST_POSTGRES_PORT (default 25432) and CC_TEST_POSTGRES_DIR (the data
# folder; default /tmp/cc-postgres-<port>). `start` prints the export line on stdout, everything
# else goes to stderr. The server is for throw-away test databases: fsync is off.
set -euo pipefail

port=${CC_TEST_POSTGRES_PORT:-25432}
dir=${CC_TEST_POSTGRES_DIR:-/tmp/cc-postgres-$port}
password=cc-test
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"

say() { echo "postgres.sh: $*" >&2; }

bin_dir() {
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  [ -n "$d" ] && [ -x "$d/initdb" ] && echo "$d"
}

# initdb and the server refuse to run as root: as root, run them as the postgres user.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

install_if_missing() {
  if bin_dir >/dev/null; then
    return 0
  fi
  say "installing Debian's postgresql package"
  $SUDO apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >&2
  bin_dir >/dev/null || { say "postgresql installed but no initdb under /usr/lib/postgresql/*/bin"; exit 1; }
}

start() {
  install_if_missing
  local bin; bin=$(bin_dir)
  if [ -f "$dir/postmaster.pid" ] && as_owner "$bin/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
    say "already running in $dir on port $port"
  else
    rm -rf "$dir"
    mkdir -p "$dir"
    [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$dir"
    chmod 700 "$dir"
    local pwfile; pwfile=$(mktemp)
    echo "$password" > "$pwfile"
    [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$pwfile"
    # ICU collation (en-US) as a production server would sort text, not the byte order of the C locale.
    as_owner "$bin/initdb" -D "$dir/data" -U postgres --pwfile="$pwfile" --auth-host=scram-sha-256 --auth-local=trust \
      --encoding=UTF8 --locale=C.UTF-8 --locale-provider=icu --icu-locale=en-US >"$dir/initdb.log" 2>&1 \
      || { rm -f "$pwfile"; say "initdb failed:"; cat "$dir/initdb.log" >&2; exit 1; }
    rm -f "$pwfile"
    cat >>"$dir/data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
max_connections = 300
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null \
      || { say "the server did not start:"; tail -20 "$dir/server.log" >&2; exit 1; }
    say "running in $dir on 127.0.0.1:$port"
  fi
  echo "export CC_TEST_POSTGRES='Host=127.0.0.1;Port=$port;Username=postgres;Password=$password;Database=postgres'"
}

# Restarts a running server on the same data (pg_ctl restart -m fast: every client connection is closed), as an
# operator or a crash-and-supervisor would: the fault topology (tests/Shared/Topology) uses it.
restart() {
  local bin; bin=$(bin_dir)
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -m fast -w -t 60 restart >/dev/null \
    || { say "the server did not restart:"; tail -20 "$dir/server.log" >&2; exit 1; }
}

stop() {
  local bin
  if bin=$(bin_dir) && [ -d "$dir/data" ]; then
    as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w -t 30 stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  restart) restart ;;
  *) echo "usage: tests/postgres.sh start|stop|restart" >&2; exit 2 ;;
esac
