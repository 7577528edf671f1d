#!/usr/bin/env bash
# Concurrent bridged G.711 calls with both legs driven by SIPp (rtp_stream) through our media relay.
# For each call count N, two runs on the same ports and scenarios:
#   direct: SIPp caller -> SIPp phone (the rig's ceiling: can SIPp itself carry N calls of RTP both ways?)
#   relay:  SIPp caller -> our B2BUA (ContactCenter.Sip + ContactCenter.Media, `b2bua` mode) -> SIPp phone
# The caller ramps to N calls in ~5 s and holds each HOLD_SECONDS; over a 10 s window with all N up the script
# reads the kernel's UDP counters (/proc/net/snmp: datagrams delivered, receive-buffer drops, for the whole machine)
# and, in the relay run, the B2BUA's own per-second counts (RTP received and sent by the engine).
# Nominal rates: direct 100*N datagrams/s delivered (50 each way per call); relay 200*N (every packet twice).
# SIPp does not report the RTP it receives, so loss is read from those counters, and latency is not measured
# here (the relay load test in ContactCenter.Media.Benchmarks measures it).
# Usage: benchmarks/ContactCenter.Sip.Benchmarks/bench-relay.sh [N...]   (default 200 400 600 800 1000)
set -euo pipefail
cd "$(dirname "$0")/../.."
STEPS=${*:-"200 400 600 800 1000"}
HOLD=${HOLD_SECONDS:-25}
command -v sipp >/dev/null || { echo "sipp is not installed (apt-get install sip-tester)"; exit 1; }
command -v sox >/dev/null || { echo "sox is not installed (apt-get install sox)"; exit 1; }
dotnet build -c Release benchmarks/ContactCenter.Sip.Benchmarks >/dev/null
DLL=benchmarks/ContactCenter.Sip.Benchmarks/bin/Release/net10.0/ContactCenter.Sip.Benchmarks.dll
WORK=$(mktemp -d)
trap 'pkill -P $$ 2>/dev/null || true' EXIT
sox -n -r 8000 -c 1 -e u-law -t raw "$WORK/tone.ulaw" synth 10 sine 440
for s in relay-caller relay-phone; do
  sed "s|RTP_FILE|$WORK/tone.ulaw|" "benchmarks/ContactCenter.Sip.Benchmarks/Scenarios/$s.xml" >"$WORK/$s.xml"
done
free_port() { python3 -c "import socket;s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM);s.bind(('127.0.0.1',0));print(s.getsockname()[1])"; }
udp() { awk '/^Udp: [0-9]/ {print $2, $6}' /proc/net/snmp; }   # InDatagrams RcvbufErrors
cpu_of() { [ -n "$1" ] && awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
HZ=$(getconf CLK_TCK)

step() { # mode N
  local mode=$1 n=$2 rate phone_port b2b_port target b2b_pid="" phone_pid caller_pid
  rate=$(( n / 5 > 0 ? n / 5 : 1 ))
  phone_port=$(free_port)
  (cd "$WORK" && exec sipp -sf "$WORK/relay-phone.xml" -i 127.0.0.1 -p "$phone_port" -mi 127.0.0.1 -mp 40000 -l $(( n + 10 )) -nostdin \
    -timeout $(( HOLD + 60 ))s >"$WORK/phone-$mode-$n.log" 2>&1) &
  phone_pid=$!
  target="127.0.0.1:$phone_port"
  if [ "$mode" = relay ]; then
    b2b_port=$(free_port)
    dotnet "$DLL" b2bua --phone "127.0.0.1:$phone_port" --port "$b2b_port" --seconds $(( HOLD + 20 )) >"$WORK/b2bua-$n.log" 2>&1 &
    b2b_pid=$!
    target="127.0.0.1:$b2b_port"
    sleep 2
  fi
  sleep 1
  (cd "$WORK" && exec sipp -sf "$WORK/relay-caller.xml" -i 127.0.0.1 -mi 127.0.0.1 -mp 30000 -r "$rate" -m "$n" -l $(( n + 10 )) -d $(( HOLD * 1000 )) \
    "$target" -nostdin -timeout $(( HOLD + 60 ))s >"$WORK/caller-$mode-$n.log" 2>&1) &
  caller_pid=$!
  sleep $(( n / rate + 3 ))
  local u0 u1 c0 c1 p0 p1 b0 b1 t0 t1
  local l0="" l1=""
  u0=$(udp); c0=$(cpu_of "$caller_pid"); p0=$(cpu_of "$phone_pid"); b0=$(cpu_of "$b2b_pid"); t0=$(date +%s.%N)
  [ "$mode" = relay ] && l0=$(tail -1 "$WORK/b2bua-$n.log")
  sleep 10
  u1=$(udp); c1=$(cpu_of "$caller_pid"); p1=$(cpu_of "$phone_pid"); b1=$(cpu_of "$b2b_pid"); t1=$(date +%s.%N)
  [ "$mode" = relay ] && l1=$(tail -1 "$WORK/b2bua-$n.log")
  wait "$caller_pid" || true
  local ok fail
  ok=$(grep "Successful call" "$WORK/caller-$mode-$n.log" | tail -1 | awk -F'|' '{gsub(/ /,"",$3); print $3}')
  fail=$(grep "Failed call" "$WORK/caller-$mode-$n.log" | tail -1 | awk -F'|' '{gsub(/ /,"",$3); print $3}')
  kill "$phone_pid" 2>/dev/null || true
  [ -n "$b2b_pid" ] && { wait "$b2b_pid" 2>/dev/null || true; }
  wait "$phone_pid" 2>/dev/null || true
  python3 - "$mode" "$n" "$u0" "$u1" "$t0" "$t1" "$c0" "$c1" "$p0" "$p1" "$b0" "$b1" "$HZ" "${ok:-?}" "${fail:-?}" "$l0" "$l1" <<'EOF'
import re, sys
mode, n = sys.argv[1], int(sys.argv[2])
(i0, d0), (i1, d1) = map(int, sys.argv[3].split()), map(int, sys.argv[4].split())
span = float(sys.argv[6]) - float(sys.argv[5]); hz = float(sys.argv[13])
cpu = lambda a, b: (int(b) - int(a)) / hz / span * 100
# SIPp never reads its RTP sockets, so what reaches SIPp is counted as receive-buffer drops; what reaches the relay
# is delivered. Arrivals anywhere = delivered + dropped.
arrived = (i1 - i0 + d1 - d0) / span
sent_by_sipp = 100 * n
line = f"{mode:6} {n:5} calls: callers ok {sys.argv[14]} failed {sys.argv[15]} | CPU: SIPp caller {cpu(sys.argv[7], sys.argv[8]):.0f}%, phone {cpu(sys.argv[9], sys.argv[10]):.0f}%"
if mode == 'direct':
    line += f" | RTP arriving {arrived:,.0f}/s = {100 * arrived / sent_by_sipp:.1f}% of the {sent_by_sipp:,}/s the two SIPps should send"
else:
    c = cpu(sys.argv[11], sys.argv[12])
    line += f", relay {c:.0f}% of a core ({c * 1e4 / n:,.0f} us CPU per call per second)"
    field = lambda l, k: int(re.search(k + r"=(\d+)", l).group(1)) if l and re.search(k + r"=(\d+)", l) else 0
    l0, l1 = sys.argv[16], sys.argv[17]
    t = max(1, field(l1, 't') - field(l0, 't'))
    rin = (field(l1, 'in-total') - field(l0, 'in-total')) / t
    rout = (field(l1, 'out-total') - field(l0, 'out-total')) / t
    line += (f"\n       relay received {rin:,.0f}/s = {100 * rin / sent_by_sipp:.1f}% of the {sent_by_sipp:,}/s SIPp should send, relayed {rout:,.0f}/s"
             f" ({rin - rout:+,.0f}/s difference); RTP arriving anywhere {arrived:,.0f}/s = {100 * arrived / (2 * sent_by_sipp):.1f}% of nominal {2 * sent_by_sipp:,}/s;"
             f" bridged now {field(l1, 'bridged-now')}, leg-B failures {field(l1, 'failed')}")
print(line)
EOF
}

echo "SIPp-driven relay: ramp to N calls in ~5 s, hold ${HOLD} s, measure 10 s with all up; load $(cut -d' ' -f1-3 /proc/loadavg)"
for n in $STEPS; do
  step direct "$n"
  step relay "$n"
done
