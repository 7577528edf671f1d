using System.Globalization;
using ContactCenter.EndToEnd.Benchmarks;

// ./bench.sh e2e — see docs/benchmarks.md, "End to end". Options (all optional):
//   --seconds N            calls placed per rate step for N seconds (default 10)
//   --rates "10 25 ..."    whole-path rate ladder in calls/s (default 10 25 50 100 150 200); after the first
//                          step with a failure only the latency step (if not yet run) still runs
//   --baseline-rates "..." SIPp uac -> SIPp uas ladder (the rig's ceiling)
//   --hold-ms N            caller stays N ms after the gateway's 200, then BYE (default 1000)
//   --agents N             bench agents signed in (default 200)
//   --latency-rate N       the step whose pops give the latency percentiles (default 50)
//   --transports "inmemory rabbitmq"
//   --rabbitmq amqp://...  broker for the RabbitMQ run (bench.sh starts a private one, or CC_TEST_RABBITMQ)
//   --host-log LEVEL       the host's Logging:LogLevel:Default (default Information, as shipped)
//   --warmup-seconds N     calls at --warmup-rate before the ladder, not counted (default 30 s at 20 calls/s): the host's
//                          JIT tiers up its hot code in the first minute, which a running product has long finished
//   --host-env K=V[,K=V]   extra environment for the host process (e.g. DOTNET_ThreadPool_ForceMinWorkerThreads=0x40)
if (args.Length > 0 && args[0] == "overload")
{
    // ./bench.sh overload — see OverloadBench and docs/benchmarks.md, "Overload control".
    return await OverloadBench.RunAsync(args);
}

if (args.Length > 0 && args[0] == "faults")
{
    // ./bench.sh faults — see FaultBench and docs/benchmarks.md, "Faults".
    return await FaultBench.RunAsync(args);
}

if (args.Length > 0 && args[0] == "webrtc-setup")
{
    // ./bench.sh webrtc-setup: --calls N (100) --warmup N (5) --codecs "opus,PCMU" — see WebRtcSetupBench.
    return await WebRtcSetupBench.RunAsync(args);
}

if (args.Length > 0 && args[0] == "callbacks")
{
    // ./bench.sh callbacks: --count N (1000) --agents N (50) --rate N callers/s (50) --talk-ms N (1000)
    return await CallbackBench.RunAsync(args);
}

var options = BenchOptions.Parse(args);
return await EndToEndBench.RunAsync(options);

namespace ContactCenter.EndToEnd.Benchmarks
{
    internal sealed record BenchOptions(
        int Seconds,
        int[] Rates,
        int[] BaselineRates,
        int HoldMs,
        int Agents,
        int LatencyRate,
        string[] Transports,
        string? RabbitMq,
        string HostLog,
        IReadOnlyDictionary<string, string> HostEnvironment,
        int WarmupSeconds,
        int WarmupRate)
    {
        public static BenchOptions Parse(string[] args)
        {
            string? Get(string name)
            {
                var i = Array.IndexOf(args, name);
                return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
            }

            static int[] Ints(string text) =>
                [.. text.Split([' ', ','], StringSplitOptions.RemoveEmptyEntries).Select(s => int.Parse(s, CultureInfo.InvariantCulture))];

            return new BenchOptions(
                int.Parse(Get("--seconds") ?? "10", CultureInfo.InvariantCulture),
                Ints(Get("--rates") ?? "10 25 50 100 150 200"),
                Ints(Get("--baseline-rates") ?? "100 200 400 800 1600"),
                int.Parse(Get("--hold-ms") ?? "1000", CultureInfo.InvariantCulture),
                int.Parse(Get("--agents") ?? "200", CultureInfo.InvariantCulture),
                int.Parse(Get("--latency-rate") ?? "50", CultureInfo.InvariantCulture),
                (Get("--transports") ?? "inmemory rabbitmq").Split([' ', ','], StringSplitOptions.RemoveEmptyEntries),
                Get("--rabbitmq") ?? Environment.GetEnvironmentVariable("CC_TEST_RABBITMQ"),
                Get("--host-log") ?? "Information",
                (Get("--host-env") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries)
                    .Select(kv => kv.Split('=', 2)).ToDictionary(kv => kv[0], kv => kv.Length > 1 ? kv[1] : "", StringComparer.Ordinal),
                int.Parse(Get("--warmup-seconds") ?? "30", CultureInfo.InvariantCulture),
                int.Parse(Get("--warmup-rate") ?? "20", CultureInfo.InvariantCulture));
        }
    }
}
