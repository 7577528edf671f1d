#!/usr/bin/env bash
# The whole test suite, with everything the tests need.
#
#   ./test.sh            installs missing test dependencies (apt-get: rabbitmq-server,
#                        postgresql, sip-tester, baresip, chromium, espeak-ng, sox, openssl),
#                        starts a RabbitMQ broker and a PostgreSQL server for the run (both
#                        stopped and removed afterwards), builds the solution and runs every
#                        test project. Ends with "N passed, N failed".
#
# Under CI=true a missing dependency is an error, never a skip: the tests that need a
# service fail when it is not there.
set -uo pipefail
cd "$(dirname "$0")"
ROOT=$PWD
RESULTS="$ROOT/TestResults"
rm -rf "$RESULTS"; mkdir -p "$RESULTS"

log() { printf '\n== %s\n' "$*"; }

# ---------------------------------------------------------------- dependencies
need_apt=()
command -v rabbitmq-server >/dev/null || need_apt+=(rabbitmq-server)
command -v sipp            >/dev/null || need_apt+=(sip-tester)
command -v baresip         >/dev/null || need_apt+=(baresip)
command -v chromium        >/dev/null || need_apt+=(chromium)
command -v espeak-ng       >/dev/null || need_apt+=(espeak-ng)
command -v sox             >/dev/null || need_apt+=(sox)
command -v openssl         >/dev/null || need_apt+=(openssl)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need_apt+=(postgresql)
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
if ((${#need_apt[@]})); then
  log "installing ${need_apt[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" \
    || { echo "test.sh: could not install ${need_apt[*]}" >&2; exit 1; }
fi

# ---------------------------------------------------------------- RabbitMQ broker
# A broker of our own for this run: its own node name, data folder and ports, so it neither
# needs nor disturbs a broker already running on the machine.
export RABBITMQ_NODENAME="cc-test-$$@localhost"
export RABBITMQ_NODE_PORT="${CC_TEST_RABBITMQ_PORT:-25672}"
export RABBITMQ_DIST_PORT=$((RABBITMQ_NODE_PORT + 20000))
RMQ_DIR=$(mktemp -d /tmp/cc-rabbitmq.XXXXXX)
export RABBITMQ_MNESIA_BASE="$RMQ_DIR/mnesia"
export RABBITMQ_LOG_BASE="$RMQ_DIR/log"
export RABBITMQ_CONFIG_FILE="$RMQ_DIR/rabbitmq"
export RABBITMQ_ENABLED_PLUGINS_FILE="$RMQ_DIR/enabled_plugins"
mkdir -p "$RABBITMQ_MNESIA_BASE" "$RABBITMQ_LOG_BASE"
echo "[]." > "$RABBITMQ_ENABLED_PLUGINS_FILE"
printf 'listeners.tcp.default = %s\nloopback_users = none\n' "$RABBITMQ_NODE_PORT" > "$RABBITMQ_CONFIG_FILE.conf"
chmod 755 "$RMQ_DIR"
# Debian's wrapper runs the broker as the rabbitmq user: it must own its folders.
if id rabbitmq >/dev/null 2>&1; then ${SUDO:-} chown -R rabbitmq:rabbitmq "$RMQ_DIR"; fi
broker_started=0
stop_broker() {
  if ((broker_started)); then
    rabbitmqctl -n "$RABBITMQ_NODENAME" stop >/dev/null 2>&1 || true
  fi
  rm -rf "$RMQ_DIR" 2>/dev/null || true
}
trap stop_broker EXIT
log "starting RabbitMQ ($RABBITMQ_NODENAME on port $RABBITMQ_NODE_PORT)"
if rabbitmq-server -detached >/dev/null 2>&1; then
  broker_started=1
  for _ in $(seq 1 60); do
    rabbitmq-diagnostics -n "$RABBITMQ_NODENAME" -q check_port_connectivity >/dev/null 2>&1 && break
    sleep 1
  done
  if rabbitmq-diagnostics -n "$RABBITMQ_NODENAME" -q check_port_connectivity >/dev/null 2>&1; then
    export CC_TEST_RABBITMQ="amqp://guest:guest@127.0.0.1:$RABBITMQ_NODE_PORT/"
  else
    echo "test.sh: RabbitMQ did not become ready; the broker tests will fail" >&2
  fi
else
  echo "test.sh: RabbitMQ could not start; the broker tests will fail" >&2
fi

# ---------------------------------------------------------------- PostgreSQL server
# A server of our own for this run (tests/postgres.sh): its own data folder and port on
# 127.0.0.1; each test makes and drops its own database on it. The next free port from
# CC_TEST_POSTGRES_PORT (default 25432) on, so a server already running is left alone.
export CC_TEST_POSTGRES_PORT="${CC_TEST_POSTGRES_PORT:-25432}"
while (echo >"/dev/tcp/127.0.0.1/$CC_TEST_POSTGRES_PORT") 2>/dev/null; do
  CC_TEST_POSTGRES_PORT=$((CC_TEST_POSTGRES_PORT + 1))
done
export CC_TEST_POSTGRES_DIR
CC_TEST_POSTGRES_DIR=$(mktemp -u /tmp/cc-postgres.XXXXXX)
postgres_started=0
stop_postgres() {
  if ((postgres_started)); then
    tests/postgres.sh stop || true
  fi
}
trap 'stop_broker; stop_postgres' EXIT
log "starting PostgreSQL (port $CC_TEST_POSTGRES_PORT)"
postgres_started=1
if pg_export=$(tests/postgres.sh start); then
  eval "$pg_export"
else
  echo "test.sh: PostgreSQL could not start; the PostgreSQL tests will fail" >&2
fi

# ---------------------------------------------------------------- build and test
log "building"
if ! dotnet build ContactCenter.sln -c Release -nologo -v q -clp:ErrorsOnly; then
  echo "test.sh: build failed"
  echo "0 passed, 1 failed"
  exit 1
fi

status=0
for proj in tests/*/*.csproj; do
  name=$(basename "$proj" .csproj)
  log "testing $name"
  dotnet test "$proj" -c Release --no-build -nologo \
    --logger "trx;LogFileName=$name.trx" --logger "console;verbosity=normal" \
    --results-directory "$RESULTS" || status=1
done

# ---------------------------------------------------------------- summary
passed=0; failed=0
for trx in "$RESULTS"/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
  f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  e=$(sed -n 's/.* error="\([0-9]*\)".*/\1/p' <<<"$counters")
  t=$(sed -n 's/.* timeout="\([0-9]*\)".*/\1/p' <<<"$counters")
  a=$(sed -n 's/.* aborted="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0} + ${e:-0} + ${t:-0} + ${a:-0}))
done
# A test project that crashed or wrote no results counts as a failure.
for proj in tests/*/*.csproj; do
  name=$(basename "$proj" .csproj)
  [ -f "$RESULTS/$name.trx" ] || { echo "test.sh: no results from $name"; failed=$((failed + 1)); }
done
((failed > 0)) && status=1
((passed == 0)) && status=1
# Name every failed test (and its message, up to 60 lines) right above the summary, so a
# log that only keeps its tail still says what broke.
for trx in "$RESULTS"/*.trx; do
  [ -f "$trx" ] || continue
  tr -d '\r' <"$trx" | awk '
    /<UnitTestResult / && /outcome="(Failed|Error|Timeout|Aborted)"/ {
      match($0, /testName="[^"]*"/); printf "FAILED %s\n", substr($0, RSTART + 10, RLENGTH - 11); want = 1; next }
    want && /<Message>/ {
      line = $0; sub(/.*<Message>/, "", line); inmsg = !/<\/Message>/; sub(/<\/Message>.*/, "", line)
      printf "       %s\n", substr(line, 1, 400); want = 0; shown = 1; next }
    inmsg {
      line = $0; if (/<\/Message>/) { inmsg = 0; sub(/<\/Message>.*/, "", line) }
      if (++shown <= 60) printf "       %s\n", substr(line, 1, 400)
      else if (shown == 61) printf "       ... (the rest is in the .trx file)\n" }'
done
echo
echo "$passed passed, $failed failed"
exit $status
