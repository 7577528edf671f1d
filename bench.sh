#!/usr/bin/env bash
# Benchmarks: each compares against the baseline its issue names, in the same run.
# Run on a quiet machine (not while tests or builds run): figures are ratios, not absolutes.
#
#   ./bench.sh sip      SIP parser (BenchmarkDotNet: time and bytes per message) and UAS
#                       throughput under SIPp's uac against SIPp's own uas (the rig's ceiling);
#                       plus the 1,000,000-input mutation fuzz over the RFC 4475/5118 corpora
#   ./bench.sh media    G.711 and RTP per-packet costs (BenchmarkDotNet), bridged relay load,
#                       concurrent IVR playback and 60 s prompt pacing
#   ./bench.sh routing  routing decisions at 10,000 agents / 500 queues / 50 skills / 5,000 calls
#                       against a straightforward scan (app_queue's approach), plus p50/p99/p99.9
#   ./bench.sh crm      customer-360 by phone at 100k customers / 1M interactions / 200k cases:
#                       EF Core against one hand-written ADO.NET round trip; ingestion rate
#                       (CRM_BENCH_SCALE=10 runs at a tenth of the size)
#   ./bench.sh all      everything above
set -euo pipefail
cd "$(dirname "$0")"

project() { echo "benchmarks/ContactCenter.$1.Benchmarks"; }
dll() { echo "$(project "$1")/bin/Release/net10.0/ContactCenter.$1.Benchmarks.dll"; }
build() { dotnet build -c Release "$(project "$1")" -nologo -v q -clp:ErrorsOnly; }

sip() {
  build Sip
  dotnet "$(dll Sip)" --filter '*Parser*' --job short
  benchmarks/ContactCenter.Sip.Benchmarks/bench-uas.sh "${BENCH_SECONDS:-10}" ${BENCH_RATES:-500 1000 1600}
  dotnet "$(dll Sip)" fuzz --inputs 1000000 --corpora ../shared/corpora
}

media() {
  build Media
  dotnet "$(dll Media)" --filter '*' --job short
  dotnet "$(dll Media)" pacing 60
  dotnet "$(dll Media)" relay 100 150 200
  dotnet "$(dll Media)" ivr 300 600
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

case "${1:-}" in
  sip) sip ;;
  media) media ;;
  routing) routing ;;
  crm) crm ;;
  all) sip; media; routing; crm ;;
  *) sed -n '2,17p' "$0"; exit 2 ;;
esac
