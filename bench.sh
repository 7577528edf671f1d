#!/usr/bin/env bash
# Benchmarks: each compares against the baseline its issue names, in the same run.
# Run on a quiet machine (not while tests or builds run): figures are ratios, not absolutes.
#
#   ./bench.sh sip      SIP parser (BenchmarkDotNet: time and bytes per message) and UAS
#                       throughput under SIPp's uac against SIPp's own uas (the rig's ceiling),
#                       then a 5-minute soak of our UAS printing its heap (SOAK_SECONDS, SOAK_RATE);
#                       plus the 1,000,000-input mutation fuzz over the RFC 4475/5118 corpora, and
#                       TLS calls/s beside UDP calls/s in one run (our tlsload generator; TLS_RATES)
#   ./bench.sh media    G.711 and RTP per-packet costs (BenchmarkDotNet), 60 s prompt pacing,
#                       bridged relay (pass-through and transcoded, vs direct loopback) and
#                       concurrent IVR playback at rising call counts (MEDIA_RELAY_STEPS, MEDIA_IVR_STEPS),
#                       then the relay with both legs driven by SIPp rtp_stream (MEDIA_SIPP_STEPS; the calls
#                       spread over SIPP_PAIRS SIPp callers and phones, latency from a dumpcap capture:
#                       needs tshark's dumpcap), and the same with one SIPp pair (every stream in one burst)
#   ./bench.sh webrtc   SRTP protect/unprotect per packet against the plain relay's parse and header rewrite,
#                       Opus encode/decode/resample per 20 ms against a G.711 transcode, and one relayed packet through
#                       two bridged legs in process, SRTP <> plain against plain <> plain (BenchmarkDotNet; also in media);
#                       then the relay with one leg of each pair browser-style (ICE-lite, SRTP, rtcp-mux; SRTP phones in
#                       the generator) against plain <> plain in the same run, CPU per relayed packet and its ratio
#                       (WEBRTC_RELAY_STEPS, WEBRTC_SUITE); then Opus transcoding in the same relay: browser-style legs
#                       speaking Opus against the same legs in PCMU passed through, engine CPU per call-second and calls
#                       per core (WEBRTC_OPUS_STEPS)
#   ./bench.sh webrtc-setup (not part of all) browser call set-up in Chromium: the real host, alice's browser (Debian's
#                       Chromium under Playwright, the JsSIP test harness as her phone, answering at once) and a web caller
#                       dialling DID 1001; from the gateway sending the INVITE down alice's WebSocket to the first SRTP packet
#                       from her browser decrypted (the gateway's own log line), p50/p99 over 100 calls after 5 warm-up calls,
#                       PCMU then Opus. WEBRTC_SETUP_ARGS passes --calls, --warmup, --codecs
#   ./bench.sh monitoring  supervisors in calls (issue 18): N plain bridged calls (MONITOR_PLAIN, default 500), then the same
#                       with M more calls monitored (a supervisor's leg mixed in listen mode; MONITOR_STEPS, default 50,100,200):
#                       CPU per monitored call against a plain one in the same run, loss on every stream, mixes delivered
#   ./bench.sh routing  routing decisions at 10,000 agents / 500 queues / 50 skills / 5,000 calls
#                       against a straightforward scan (app_queue's approach), plus p50/p99/p99.9
#   ./bench.sh crm      customer-360 by phone at 100k customers / 1M interactions / 200k cases:
#                       EF Core against one hand-written ADO.NET round trip; ingestion rate
#                       (CRM_BENCH_SCALE=10 runs at a tenth of the size)
#   ./bench.sh reports  a generated year of a 200-agent centre (~5 M calls) in SQLite: the 30-day queue report by hour and
#                       the 7-day agent report by hour from the aggregates, p50/p99, against the same figures from the raw
#                       event record with plain SQL (checked equal), in the same run; ingest events/s through the real
#                       recording path; storage per million calls (REPORTS_ARGS: --days, --agents, --calls-per-day, --db, --reuse)
#   ./bench.sh all      everything above
#   ./bench.sh e2e      (not part of all) the whole call path against the real host process
#                       (Release): SIPp callers on
#                       DID 1001 -> support queue -> 200 SIPp-registered agent phones answering at
#                       once, 200 agent desktops over SignalR; highest clean rate and screen-pop
#                       p50/p99 at 50 calls/s, in-memory bus and RabbitMQ (a private broker unless
#                       CC_TEST_RABBITMQ is set); baseline SIPp uac -> SIPp uas in the same run.
#                       E2E_ARGS passes options to the bench (--rates, --seconds, --hold-ms, ...)
#   ./bench.sh callbacks (not part of all) 1,000 callbacks taken by SIPp callers, the host restarted twice
#                       while they wait, then placed by 50 agents (SIPp phones) to a SIPp carrier behind
#                       the outbound trunk: all placed once and only once; agent reserved -> customer
#                       ringing p50/p99. CALLBACK_ARGS passes --count, --agents, --rate, --talk-ms
#   ./bench.sh overload (not part of all) overload control at the edge (issue 15): SIPp uac -> SIPp uas (the ceiling),
#                       then SIPp's uac dialling DID 1000 (IVR greeting) on the real host (Release, in-memory bus): the
#                       clean ladder, then 1x, 2x and 4x the highest clean rate, each followed 5 s later by 1x that must be
#                       clean; offered, completed/s, refused (503), failed, retransmissions, 503 latency.
#                       OVERLOAD_ARGS passes --seconds, --clean-rates, --baseline-rates, --multiples, --hold-ms
#   ./bench.sh faults   (not part of all) the production topology under faults (issue 15): private RabbitMQ and PostgreSQL,
#                       CRM, routing active + standby, two gateways, two desktops as separate host processes (Release); SIPp
#                       callers on both gateways (IVR -> queue -> agent -> talk -> BYE) at 50 calls/s, SIPp agent phones, agents
#                       over SignalR on both desktops; kill -9 of active routing / a gateway / the CRM / a desktop, RabbitMQ restart,
#                       PostgreSQL restart, 10 s cut between active routing and the broker, one at a time: calls lost, double-assigned,
#                       history missing, agents stuck, time to full service. FAULTS_ARGS passes --rate, --hold-ms, --agents, --faults
set -euo pipefail
cd "$(dirname "$0")"

project() { echo "benchmarks/ContactCenter.$1.Benchmarks"; }
dll() { echo "$(project "$1")/bin/Release/net10.0/ContactCenter.$1.Benchmarks.dll"; }
build() { dotnet build -c Release "$(project "$1")" -nologo -v q -clp:ErrorsOnly; }

sip() {
  build Sip
  dotnet "$(dll Sip)" --filter '*Parser*' --job short
  SOAK_SECONDS=${SOAK_SECONDS:-300} SOAK_RATE=${SOAK_RATE:-1000} \
    benchmarks/ContactCenter.Sip.Benchmarks/bench-uas.sh "${BENCH_SECONDS:-10}" ${BENCH_RATES:-1000 1600 2000 2400 3000}
  dotnet "$(dll Sip)" fuzz --inputs 1000000 --corpora ../shared/corpora
  # TLS beside UDP (issue 17): our own generator, since Debian's SIPp is built without OpenSSL (no -t l1).
  dotnet "$(dll Sip)" tlsload --rates "${TLS_RATES:-200,400,800,1200,1600}" --seconds "${BENCH_SECONDS:-10}"
}

media() {
  build Media
  dotnet "$(dll Media)" --filter '*' --job short
  dotnet "$(dll Media)" pacing 60
  # Phones are a child process; each relay step runs the same traffic phone to phone first (the
  # loopback baseline) and reports added latency, per-packet loss and the engine's CPU per call.
  # The phones poll their sockets (as a jitter buffer does) unless --phones block; the first run below
  # also shows the blocking phones, and the old receive path (one async receive per socket) against epoll:
  dotnet "$(dll Media)" relay 250 --io both --codecs same --phones both --seconds "${BENCH_SECONDS:-10}"
  dotnet "$(dll Media)" relay ${MEDIA_RELAY_STEPS:-250 500 600 700 750 1000} --seconds "${BENCH_SECONDS:-10}"
  dotnet "$(dll Media)" ivr ${MEDIA_IVR_STEPS:-500 1000 1500 2000} --seconds "${BENCH_SECONDS:-10}"
  # Both legs driven by SIPp (rtp_stream) through a B2BUA built from our Sip and Media libraries,
  # against the same SIPps directly:
  benchmarks/ContactCenter.Sip.Benchmarks/bench-relay.sh ${MEDIA_SIPP_STEPS:-600 1000 1400 1800}
  # One SIPp process per side: SIPp 3.6 sends all of a process's rtp_stream calls in the same instant every 20 ms,
  # the worst case of burstiness (see bench-relay.sh).
  SIPP_PAIRS=1 benchmarks/ContactCenter.Sip.Benchmarks/bench-relay.sh ${MEDIA_SIPP_BURST_STEPS:-400 600 800}
}

webrtc() {
  build Media
  dotnet "$(dll Media)" --filter '*SrtpBenchmarks*' '*OpusBenchmarks*' '*SecureRelayBenchmarks*' --job short
  dotnet "$(dll Media)" relay ${WEBRTC_RELAY_STEPS:-250 500 750} --codecs same --secure both \
    --suite "${WEBRTC_SUITE:-AEAD_AES_128_GCM}" --seconds "${BENCH_SECONDS:-10}"
  # Opus transcoding measured: browser-style legs sending and receiving Opus (the engine decodes, resamples and encodes)
  # against the same legs in PCMU passed through, same run: CPU per call-second and transcoded calls per core.
  dotnet "$(dll Media)" relay ${WEBRTC_OPUS_STEPS:-25 50} --opus on \
    --suite "${WEBRTC_SUITE:-AEAD_AES_128_GCM}" --seconds "${BENCH_SECONDS:-10}"
}

webrtc_setup() {
  [ -x /usr/bin/chromium ] || { echo "Debian's Chromium is not installed (apt-get install chromium)"; exit 1; }
  build EndToEnd   # builds the host (and the desktop's node_modules, whose esbuild bundles the harness)
  if [ -n "${WEBRTC_SETUP_ARGS:-}" ]; then
    # shellcheck disable=SC2086
    dotnet "$(dll EndToEnd)" webrtc-setup ${WEBRTC_SETUP_ARGS}
  else
    dotnet "$(dll EndToEnd)" webrtc-setup --codecs PCMU
    dotnet "$(dll EndToEnd)" webrtc-setup --codecs opus,PCMU
  fi
}

monitoring() {
  build Media
  dotnet "$(dll Media)" relay "${MONITOR_PLAIN:-500}" --monitored "${MONITOR_STEPS:-50,100,200}" --seconds "${BENCH_SECONDS:-10}"
}

routing() {
  build Routing
  dotnet "$(dll Routing)" --filter '*RoutingBenchmarks*' --job short
  dotnet "$(dll Routing)" --latency 200000
}

crm() {
  build Crm
  dotnet "$(dll Crm)" latency
}

reports() {
  build Reporting
  # shellcheck disable=SC2086
  dotnet "$(dll Reporting)" ${REPORTS_ARGS:-}
}

# A private RabbitMQ broker for the e2e run (own node name, port and data folder, as test.sh does),
# unless CC_TEST_RABBITMQ names one already.
E2E_RMQ_DIR=""
stop_e2e_rabbit() {
  if [ -n "$E2E_RMQ_DIR" ]; then
    rabbitmqctl -n "$RABBITMQ_NODENAME" stop >/dev/null 2>&1 || true
    rm -rf "$E2E_RMQ_DIR" 2>/dev/null || true
  fi
}
start_e2e_rabbit() {
  if [ -n "${CC_TEST_RABBITMQ:-}" ]; then return 0; fi
  command -v rabbitmq-server >/dev/null || { echo "bench.sh: rabbitmq-server not installed; the RabbitMQ run is skipped" >&2; return 0; }
  export RABBITMQ_NODENAME="cc-e2e-bench-$$@localhost"
  export RABBITMQ_NODE_PORT="${CC_BENCH_RABBITMQ_PORT:-$(python3 -c "import socket;s=socket.socket();s.bind(('127.0.0.1',0));print(s.getsockname()[1])")}"
  export RABBITMQ_DIST_PORT=$((RABBITMQ_NODE_PORT + 20000 > 65000 ? RABBITMQ_NODE_PORT - 20000 : RABBITMQ_NODE_PORT + 20000))
  E2E_RMQ_DIR=$(mktemp -d /tmp/cc-e2e-rabbitmq.XXXXXX)
  export RABBITMQ_MNESIA_BASE="$E2E_RMQ_DIR/mnesia" RABBITMQ_LOG_BASE="$E2E_RMQ_DIR/log"
  export RABBITMQ_CONFIG_FILE="$E2E_RMQ_DIR/rabbitmq" RABBITMQ_ENABLED_PLUGINS_FILE="$E2E_RMQ_DIR/enabled_plugins"
  mkdir -p "$RABBITMQ_MNESIA_BASE" "$RABBITMQ_LOG_BASE"
  echo "[]." > "$RABBITMQ_ENABLED_PLUGINS_FILE"
  printf 'listeners.tcp.default = %s\nloopback_users = none\n' "$RABBITMQ_NODE_PORT" > "$RABBITMQ_CONFIG_FILE.conf"
  chmod 755 "$E2E_RMQ_DIR"
  if id rabbitmq >/dev/null 2>&1; then chown -R rabbitmq:rabbitmq "$E2E_RMQ_DIR" 2>/dev/null || sudo chown -R rabbitmq:rabbitmq "$E2E_RMQ_DIR"; fi
  trap stop_e2e_rabbit EXIT
  rabbitmq-server -detached >/dev/null 2>&1 || { echo "bench.sh: RabbitMQ could not start" >&2; return 0; }
  for _ in $(seq 1 60); do
    rabbitmq-diagnostics -n "$RABBITMQ_NODENAME" -q check_port_connectivity >/dev/null 2>&1 && break
    sleep 1
  done
  export CC_TEST_RABBITMQ="amqp://guest:guest@127.0.0.1:$RABBITMQ_NODE_PORT/"
}

e2e() {
  command -v sipp >/dev/null || { echo "sipp is not installed (apt-get install sip-tester)"; exit 1; }
  build EndToEnd   # builds src/ContactCenter.Host in Release too (project reference)
  start_e2e_rabbit
  # shellcheck disable=SC2086
  dotnet "$(dll EndToEnd)" ${E2E_ARGS:-}
}

callbacks() {
  command -v sipp >/dev/null || { echo "sipp is not installed (apt-get install sip-tester)"; exit 1; }
  build EndToEnd
  # shellcheck disable=SC2086
  dotnet "$(dll EndToEnd)" callbacks ${CALLBACK_ARGS:-}
}

overload() {
  command -v sipp >/dev/null || { echo "sipp is not installed (apt-get install sip-tester)"; exit 1; }
  build EndToEnd
  # shellcheck disable=SC2086
  dotnet "$(dll EndToEnd)" overload ${OVERLOAD_ARGS:-}
}

faults() {
  command -v sipp >/dev/null || { echo "sipp is not installed (apt-get install sip-tester)"; exit 1; }
  command -v rabbitmq-server >/dev/null || { echo "rabbitmq-server is not installed"; exit 1; }
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { echo "postgresql is not installed"; exit 1; }
  build EndToEnd
  uptime
  # shellcheck disable=SC2086
  dotnet "$(dll EndToEnd)" faults ${FAULTS_ARGS:-}
}

case "${1:-}" in
  faults) faults ;;
  overload) overload ;;
  callbacks) callbacks ;;
  sip) sip ;;
  media) media ;;
  webrtc) webrtc ;;
  webrtc-setup) webrtc_setup ;;
  monitoring) monitoring ;;
  routing) routing ;;
  crm) crm ;;
  reports) reports ;;
  e2e) e2e ;;
  all) sip; media; routing; crm; reports ;;
  *) sed -n '2,/^set -euo/{/^set -euo/!p}' "$0"; exit 2 ;;
esac
