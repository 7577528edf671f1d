#!/usr/bin/env bash
# Two builds of our UAS (e.g. before and after a change), driven alternately by SIPp's uac in one run (order swapped on every
# repetition): failed calls, retransmissions and the UAS process's CPU per call (user + system time over the segment).
# Usage: SECS=10 RATES="600 1000 2000" REPS=2 WARM=20 bench-uas-ab.sh BEFORE.dll AFTER.dll
set -euo pipefail
SECS=${SECS:-10}
RATES=${RATES:-"600 1000 1400"}
REPS=${REPS:-2}
BEFORE=${1:?usage: bench-uas-ab.sh BEFORE.dll AFTER.dll (two builds of ContactCenter.Sip.Benchmarks)}
AFTER=${2:?usage: bench-uas-ab.sh BEFORE.dll AFTER.dll}
free_port() { python3 -c "import socket;s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM);s.bind(('127.0.0.1',0));print(s.getsockname()[1])"; }
WORK=$(mktemp -d)
PB=$(free_port); dotnet "$BEFORE" uas --port "$PB" >"$WORK/before.log" 2>&1 & BPID=$!
PA=$(free_port); dotnet "$AFTER" uas --port "$PA" >"$WORK/after.log" 2>&1 & APID=$!
trap 'kill $BPID $APID 2>/dev/null || true' EXIT
sleep 3
TICK_US=$(( 1000000 / $(getconf CLK_TCK) ))
cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }
run() { # name port pid rate
  local c0 c1 out ok fail rinv rbye
  c0=$(cpu "$3")
  out=$(cd "$WORK" && sipp -sn uac -i 127.0.0.1 -r "$4" -m $(( $4 * SECS )) -l 10000 "127.0.0.1:$2" -nostdin -timeout $(( SECS * 3 + 30 ))s 2>&1 || true)
  sleep 1
  c1=$(cpu "$3")
  ok=$(echo "$out" | grep "Successful call" | tail -1 | awk -F'|' '{gsub(/ /,"",$3); print $3}')
  fail=$(echo "$out" | grep "Failed call" | tail -1 | awk -F'|' '{gsub(/ /,"",$3); print $3}')
  rinv=$(echo "$out" | grep -E "INVITE -+>" | tail -1 | awk '{print $4}')
  rbye=$(echo "$out" | grep -E "BYE -+>" | tail -1 | awk '{print $4}')
  local us=$(( (c1 - c0) * TICK_US / (ok > 0 ? ok : 1) ))
  printf "%-7s %5s cps  ok %6s  failed %4s  retrans INVITE %4s BYE %4s  CPU %5s us/call  load %s\n" "$1" "$4" "$ok" "$fail" "$rinv" "$rbye" "$us" "$(cut -d' ' -f1 /proc/loadavg)"
}
WARM=${WARM:-20}
for p in "$PB" "$PA"; do
  (cd "$WORK" && sipp -sn uac -i 127.0.0.1 -r 800 -m $(( 800 * WARM )) -l 10000 "127.0.0.1:$p" -nostdin -timeout $(( WARM * 2 + 30 ))s >/dev/null 2>&1 || true)
done
for r in $RATES; do
  for i in $(seq 1 "$REPS"); do
    if (( i % 2 )); then run before "$PB" "$BPID" "$r"; run after "$PA" "$APID" "$r"; else run after "$PA" "$APID" "$r"; run before "$PB" "$BPID" "$r"; fi
  done
done
