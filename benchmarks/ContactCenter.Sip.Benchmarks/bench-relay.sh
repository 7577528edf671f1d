#!/usr/bin/env bash
# Concurrent bridged G.711 calls with both legs driven by SIPp (rtp_stream) through our media relay.
# For each call count N, two runs on the same scenarios:
#   direct: SIPp callers -> SIPp phones (the rig's ceiling: can SIPp itself carry N calls of RTP both ways?)
#   relay:  SIPp callers -> our B2BUA (ContactCenter.Sip + ContactCenter.Media, `b2bua` mode) -> SIPp phones
# The callers ramp to N calls in ~5 s and hold each HOLD_SECONDS; over a 10 s window with all N up the script
# reads the kernel's UDP counters (/proc/net/snmp: datagrams delivered, receive-buffer drops, for the whole machine)
# and, in the relay run, the B2BUA's own per-second counts (RTP received and sent by the engine).
# Nominal rates: direct 100*N datagrams/s delivered (50 each way per call); relay 200*N (every packet twice).
# SIPp does not report the RTP it receives, so loss is read from those counters. Latency: during the window,
# dumpcap captures the first CAPTURE_BRIDGES bridges' RTP on lo for 5 s and relay-latency.py pairs each packet the
# relay sent with the one it received (the b2bua's --bridges file names each bridge's ports): on loopback a packet is
# captured when its sender sends it, so t(out) - t(in) is the whole latency the relay adds.
#
# SIPP_PAIRS (default 10): the calls are split over that many SIPp caller processes and as many SIPp phone processes,
# started ~21 ms apart. SIPp 3.6 sends every rtp_stream of one process on the same 20 ms tick of that process's own
# millisecond clock (rtpstream.cpp: next_wake = now + 20 - now % 20, now counted from the process's first reading),
# so one process puts ALL its calls' packets on the wire in the same instant: a burst no phone population makes. Each
# process is one phase, so SIPP_PAIRS processes give that many phases (SIPP_PAIRS=1 is the single-burst worst case).
# Usage: benchmarks/ContactCenter.Sip.Benchmarks/bench-relay.sh [N...]   (default 200 400 600 800 1000)
set -euo pipefail
cd "$(dirname "$0")/../.."
STEPS=${*:-"200 400 600 800 1000"}
HOLD=${HOLD_SECONDS:-25}
CAPTURE_BRIDGES=${CAPTURE_BRIDGES:-40}
PAIRS=${SIPP_PAIRS:-10}
command -v sipp >/dev/null || { echo "sipp is not installed (apt-get install sip-tester)"; exit 1; }
command -v sox >/dev/null || { echo "sox is not installed (apt-get install sox)"; exit 1; }
command -v dumpcap >/dev/null || { echo "dumpcap is not installed (apt-get install tshark)"; exit 1; }
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
cpu_of() { local t=0 p; for p in "$@"; do t=$(( t + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0) )); done; echo "$t"; }
HZ=$(getconf CLK_TCK)

step() { # mode N
  local mode=$1 n=$2 k per rate b2b_port b2b_pid="" phone_list="" target
  local -a phone_pids=() caller_pids=() phone_ports=()
  per=$(( (n + PAIRS - 1) / PAIRS ))
  rate=$(( per / 5 > 0 ? per / 5 : 1 ))
  for ((k = 0; k < PAIRS; k++)); do
    phone_ports[k]=$(free_port)
    (cd "$WORK" && exec sipp -sf "$WORK/relay-phone.xml" -i 127.0.0.1 -p "${phone_ports[k]}" -mi 127.0.0.1 -mp $(( 40000 + 4 * k )) \
      -l $(( per + 10 )) -nostdin -timeout $(( HOLD + 60 ))s >"$WORK/phone-$mode-$n-$k.log" 2>&1) &
    phone_pids+=($!)
    phone_list+="${phone_list:+,}127.0.0.1:${phone_ports[k]}"
    sleep 0.021   # each SIPp process sends on its own 20 ms tick (see above): spread the ticks
  done
  if [ "$mode" = relay ]; then
    b2b_port=$(free_port)
    dotnet "$DLL" b2bua --phone "$phone_list" --port "$b2b_port" --seconds $(( HOLD + 20 )) --bridges "$WORK/bridges-$n.txt" \
      >"$WORK/b2bua-$n.log" 2>&1 &
    b2b_pid=$!
    sleep 2
  fi
  sleep 1
  for ((k = 0; k < PAIRS; k++)); do
    target="127.0.0.1:${phone_ports[k]}"
    [ "$mode" = relay ] && target="127.0.0.1:$b2b_port"
    (cd "$WORK" && exec sipp -sf "$WORK/relay-caller.xml" -i 127.0.0.1 -mi 127.0.0.1 -mp $(( 30000 + 4 * k )) -r "$rate" -m "$per" \
      -l $(( per + 10 )) -d $(( HOLD * 1000 )) "$target" -nostdin -timeout $(( HOLD + 60 ))s >"$WORK/caller-$mode-$n-$k.log" 2>&1) &
    caller_pids+=($!)
    sleep 0.021
  done
  sleep $(( per / rate + 3 ))
  local u0 u1 c0 c1 p0 p1 b0 b1 t0 t1
  local l0="" l1=""
  u0=$(udp); c0=$(cpu_of "${caller_pids[@]}"); p0=$(cpu_of "${phone_pids[@]}"); b0=$(cpu_of $b2b_pid); t0=$(date +%s.%N)
  [ "$mode" = relay ] && l0=$(tail -1 "$WORK/b2bua-$n.log")
  local cap_pid=""
  if [ "$mode" = relay ]; then
    # The first CAPTURE_BRIDGES bridges' RTP (the b2bua's ports from 20000, four per bridge) for 5 s, for the latency.
    dumpcap -i lo -f "udp portrange 20000-$(( 20000 + 4 * CAPTURE_BRIDGES - 1 ))" -a duration:5 -P -q -w "$WORK/relay-$n.pcap" 2>"$WORK/dumpcap-$n.log" &
    cap_pid=$!
  fi
  sleep 10
  u1=$(udp); c1=$(cpu_of "${caller_pids[@]}"); p1=$(cpu_of "${phone_pids[@]}"); b1=$(cpu_of $b2b_pid); t1=$(date +%s.%N)
  [ "$mode" = relay ] && l1=$(tail -1 "$WORK/b2bua-$n.log")
  [ -n "$cap_pid" ] && { wait "$cap_pid" || true; }
  local ok=0 fail=0 o f
  for ((k = 0; k < PAIRS; k++)); do
    wait "${caller_pids[k]}" || true
    o=$(grep "Successful call" "$WORK/caller-$mode-$n-$k.log" | tail -1 | awk -F'|' '{gsub(/ /,"",$3); print $3}')
    f=$(grep "Failed call" "$WORK/caller-$mode-$n-$k.log" | tail -1 | awk -F'|' '{gsub(/ /,"",$3); print $3}')
    ok=$(( ok + ${o:-0} )); fail=$(( fail + ${f:-0} ))
  done
  kill "${phone_pids[@]}" 2>/dev/null || true
  [ -n "$b2b_pid" ] && { wait "$b2b_pid" 2>/dev/null || true; }
  for p in "${phone_pids[@]}"; do wait "$p" 2>/dev/null || true; done
  python3 - "$mode" "$n" "$u0" "$u1" "$t0" "$t1" "$c0" "$c1" "$p0" "$p1" "$b0" "$b1" "$HZ" "$ok" "$fail" "$l0" "$l1" "$PAIRS" <<'EOF'
import re, sys
mode, n = sys.argv[1], int(sys.argv[2])
(i0, d0), (i1, d1) = map(int, sys.argv[3].split()), map(int, sys.argv[4].split())
span = float(sys.argv[6]) - float(sys.argv[5]); hz = float(sys.argv[13])
cpu = lambda a, b: (int(b) - int(a)) / hz / span * 100
# SIPp never reads its RTP sockets, so what reaches SIPp is counted as receive-buffer drops; what reaches the relay
# is delivered. Arrivals anywhere = delivered + dropped.
arrived = (i1 - i0 + d1 - d0) / span
sent_by_sipp = 100 * n
line = (f"{mode:6} {n:5} calls ({sys.argv[18]} SIPp callers + {sys.argv[18]} SIPp phones): callers ok {sys.argv[14]} failed {sys.argv[15]}"
        f" | CPU: SIPp callers {cpu(sys.argv[7], sys.argv[8]):.0f}%, phones {cpu(sys.argv[9], sys.argv[10]):.0f}%")
if mode == 'direct':
    line += f" | RTP arriving {arrived:,.0f}/s = {100 * arrived / sent_by_sipp:.1f}% of the {sent_by_sipp:,}/s the SIPps should send"
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
  if [ "$mode" = relay ]; then
    printf '       '
    python3 benchmarks/ContactCenter.Sip.Benchmarks/relay-latency.py "$WORK/relay-$n.pcap" "$WORK/bridges-$n.txt"
    # A capture that could not keep up (no CPU left for dumpcap) shows relayed packets as lost: say so.
    printf '       capture: %s\n' "$(grep -o 'received/dropped.*' "$WORK/dumpcap-$n.log" || echo 'no statistics from dumpcap')"
  fi
}

echo "SIPp-driven relay: ramp to N calls in ~5 s over $PAIRS SIPp caller/phone pairs, hold ${HOLD} s, measure 10 s with all up; load $(cut -d' ' -f1-3 /proc/loadavg)"
for n in $STEPS; do
  step direct "$n"
  step relay "$n"
done
