#!/usr/bin/env bash
# UAS throughput: sipp's built-in uac against (a) our UAS (200 + SDP, real RTP socket per call)
# and (b) sipp's own built-in uas (the rig's ceiling), at the same rates, in the same run.
# Usage: benchmarks/ContactCenter.Sip.Benchmarks/bench-uas.sh [seconds-per-rate] [rate...]
# Soak: SOAK_SECONDS=300 SOAK_RATE=1000 also runs our UAS alone at one rate for that long and prints
# its heap every 5 s (memory must stay flat once the 32 s transaction window has filled).
set -euo pipefail
cd "$(dirname "$0")/../.."
SECS=${1:-10}; shift || true
RATES=${*:-"500 1000 1600"}
command -v sipp >/dev/null || { echo "sipp is not installed (apt-get install sip-tester)"; exit 1; }
free_port() { python3 -c "import socket;s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM);s.bind(('127.0.0.1',0));print(s.getsockname()[1])"; }
dotnet build -c Release benchmarks/ContactCenter.Sip.Benchmarks >/dev/null
WORK=$(mktemp -d)
OURS=$(free_port)
dotnet benchmarks/ContactCenter.Sip.Benchmarks/bin/Release/net10.0/ContactCenter.Sip.Benchmarks.dll uas --port "$OURS" >"$WORK/uas.log" 2>&1 &
UAS_PID=$!
BASE=$(free_port)
(cd "$WORK" && exec sipp -sn uas -i 127.0.0.1 -p "$BASE" -nostdin >"$WORK/sipp-uas.log" 2>&1) &
SIPP_PID=$!
trap 'kill $UAS_PID $SIPP_PID 2>/dev/null || true' EXIT
sleep 2
run() { # name port rate
  local out; out=$(cd "$WORK" && sipp -sn uac -i 127.0.0.1 -r "$3" -m $(( $3 * SECS )) -l 10000 "127.0.0.1:$2" -nostdin -timeout $(( SECS * 3 + 30 ))s 2>&1 || true)
  local ok fail rinv rbye
  ok=$(echo "$out" | grep "Successful call" | tail -1 | awk -F'|' '{gsub(/ /,"",$3); print $3}')
  fail=$(echo "$out" | grep "Failed call" | tail -1 | awk -F'|' '{gsub(/ /,"",$3); print $3}')
  rinv=$(echo "$out" | grep -E "INVITE -+>" | tail -1 | awk '{print $4}')
  rbye=$(echo "$out" | grep -E "BYE -+>" | tail -1 | awk '{print $4}')
  printf "%-10s %6s cps  ok %7s  failed %6s  INVITE retrans %6s  BYE retrans %6s\n" "$1" "$3" "$ok" "$fail" "$rinv" "$rbye"
}
# Warm-up (not reported): JIT tiers settle and the heap grows to hold the 32 s transaction window
# (RFC 3261 Timers J and L keep every finished transaction that long); without it the first steps
# measure start-up, not the steady state. Both answering sides get the same warm-up.
WARMUP=${WARMUP_SECONDS:-40}
if [ "$WARMUP" -gt 0 ]; then
  for port in "$OURS" "$BASE"; do
    (cd "$WORK" && sipp -sn uac -i 127.0.0.1 -r 1000 -m $(( 1000 * WARMUP )) -l 10000 "127.0.0.1:$port" -nostdin -timeout $(( WARMUP * 2 + 30 ))s >/dev/null 2>&1 || true)
  done
fi
for r in $RATES; do
  run ours "$OURS" "$r"
  run sipp-uas "$BASE" "$r"
done
tail -1 "$WORK/uas.log"
if [ -n "${SOAK_SECONDS:-}" ]; then
  rate=${SOAK_RATE:-1000}
  echo "soak: ${rate} calls/s for ${SOAK_SECONDS} s against our UAS"
  before=$(wc -l <"$WORK/uas.log")
  out=$(cd "$WORK" && sipp -sn uac -i 127.0.0.1 -r "$rate" -m $(( rate * SOAK_SECONDS )) -l 20000 "127.0.0.1:$OURS" -nostdin -timeout $(( SOAK_SECONDS + 60 ))s 2>&1 || true)
  sleep 40   # let the last transactions' 32 s timers run out
  echo "$out" | grep -E "Successful call|Failed call" | tail -2
  echo "$out" | grep -E "(INVITE|BYE) -+>" | tail -2
  tail -n +"$((before + 1))" "$WORK/uas.log" | awk '{for (i = 1; i <= NF; i++) if ($i == "GC" && $(i + 1) ~ /^[0-9]+$/) printf "%s ", $(i + 1)} END {print "MiB (heap after the last GC, every 5 s)"}'
  tail -n +"$((before + 1))" "$WORK/uas.log" | awk '{for (i = 1; i <= NF; i++) if ($i == "set") printf "%s ", $(i + 1)} END {print "MiB (working set, every 5 s)"}'
fi
