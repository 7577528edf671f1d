using System.Globalization;
using System.Text;

namespace ContactCenter.EndToEnd.Benchmarks;

/// <summary>
/// <c>./bench.sh overload</c> (issue 15, overload control at the edge): SIPp's uac dialling DID 1000 (IVR greeting) on the real
/// host, as the bench rig does. In one run: SIPp uac against SIPp uas (the rig's ceiling), the clean ladder through the gateway
/// (the highest rate with every call completed, none refused, no retransmission), then the overload ladder at 1x, 2x and 4x
/// that rate, each followed by a step at 1x that must be clean again: it starts as soon as the gateway reports it recovered
/// (/metrics: not overloaded, no throttle; the recovery time is reported) or after the pause at most. Per step: offered
/// (placed by SIPp, and seen by the gateway), completed/s (goodput), refused (503), failed, retransmissions, 503 latency as
/// SIPp saw it (its response-time trace: INVITE sent to 503 read) and as the gateway saw it (its refusal-latency histogram:
/// INVITE read to 503 sent).
/// Options: --seconds N (10), --clean-rates "..." (400 600 800 1000 1200), --baseline-rates "..." (800 1600 3200),
/// --multiples "1 2 4", --hold-ms N (0: SIPp's default -d), --recovery-pause-seconds N (5: the longest wait for the gateway to report itself recovered before the 1x step), --host-env K=V[,K=V].
/// </summary>
internal static class OverloadBench
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    private sealed record Step(string Name, int Rate, long Placed, long Successful, long Refused, long Failed, long InviteRetrans, long ByeRetrans,
        double RefusedP50, double RefusedP99, double RefusedMax, double GatewayOffered, double GatewayAdmitted, string Reasons, string LoadAfter, int Seconds)
    {
        /// <summary>503s the gateway sent in the step, and their latency at the gateway (ms, from its histogram).</summary>
        public double GatewayRefusals { get; init; }

        public double GatewayP50 { get; init; }

        public double GatewayP99 { get; init; }

        /// <summary>After a surge: seconds from its end until the gateway reported itself recovered (null: not a surge).</summary>
        public double? Recovery { get; init; }

        public long Completed => Math.Max(0, Successful - Refused);

        public double Goodput => Completed / (double)Seconds;

        public bool Clean => Failed == 0 && Refused == 0 && InviteRetrans == 0 && ByeRetrans == 0 && Successful == Placed;
    }

    public static async Task<int> RunAsync(string[] args)
    {
        string? Get(string name)
        {
            var i = Array.IndexOf(args, name);
            return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
        }

        static int[] Ints(string text) => [.. text.Split([' ', ','], StringSplitOptions.RemoveEmptyEntries).Select(s => int.Parse(s, Inv))];

        var seconds = int.Parse(Get("--seconds") ?? "10", Inv);
        var cleanRates = Ints(Get("--clean-rates") ?? "400 600 800 1000 1200");
        var baselineRates = Ints(Get("--baseline-rates") ?? "800 1600 3200");
        var multiples = Ints(Get("--multiples") ?? "1 2 4");
        var holdMs = int.Parse(Get("--hold-ms") ?? "0", Inv);
        var pause = int.Parse(Get("--recovery-pause-seconds") ?? "5", Inv);
        var work = Directory.CreateTempSubdirectory("cc-overload-bench-").FullName;
        Console.WriteLine($"work folder {work}; load {EndToEndBench.Load()}");

        // 1. The rig's ceiling: SIPp uac -> SIPp uas, same hold.
        var baseline = new List<Step>();
        {
            var folder = Directory.CreateDirectory(Path.Combine(work, "baseline")).FullName;
            var port = HostProcess.FreeUdpPort();
            await using var uas = Sipp.Start("sipp uas", folder, ["-sn", "uas", "-i", "127.0.0.1", "-p", Str(port), "-mp", Str(HostProcess.FreeUdpPort())]);
            await Task.Delay(1000);
            foreach (var rate in baselineRates)
            {
                var placed = (long)rate * seconds;
                await using var uac = Sipp.Start("sipp uac", folder,
                [
                    "-sn", "uac", $"127.0.0.1:{port}", "-i", "127.0.0.1", "-p", Str(HostProcess.FreeUdpPort()), "-mp", Str(HostProcess.FreeUdpPort()),
                    "-r", Str(rate), "-m", Str(placed), "-l", "100000", "-d", Str(holdMs), "-timeout", $"{seconds + 60}s",
                ]);
                var r = await uac.WaitAsync(TimeSpan.FromSeconds(seconds + 70));
                var step = new Step("sipp->sipp", rate, placed, r.Successful, 0, r.Failed, r.InviteRetransmissions, r.ByeRetransmissions, 0, 0, 0, 0, 0, "",
                    EndToEndBench.Load(), seconds);
                baseline.Add(step);
                Print(step);
            }
        }

        // 2. The host: in-memory bus, demo config, DID 1000 (IVR greeting). SIPp's single address is a carrier trunk here:
        // the per-source abuse limit (Sip:RateLimitPerSecond, new requests per second) is raised above the ladder's top.
        var settings = new Dictionary<string, string>
        {
            ["Media__MediaTimeout"] = "00:05:00",
            ["Demo__Seed"] = "true",
            ["Logging__LogLevel__Default"] = "Information",
            ["Sip__RateLimitPerSecond"] = "50000",
            ["Sip__RateLimitBurst"] = "100000",
            ["Routing__JournalPath"] = Path.Combine(work, "routing-journal.jsonl"),
        };
        foreach (var kv in (Get("--host-env") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries).Select(kv => kv.Split('=', 2)))
        {
            settings[kv[0]] = kv.Length > 1 ? kv[1] : "";
        }

        await using var host = HostProcess.Start(settings, null, "host.log");
        await host.WaitUntilReadyAsync(TimeSpan.FromSeconds(90));
        using var api = new HttpClient { BaseAddress = host.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        Console.WriteLine($"host pid {host.ProcessId}, SIP {host.SipPort}; warm-up 20 s at 100 calls/s");
        await RunStepAsync(work, host, api, "warm-up", 100, 20, holdMs);

        var clean = new List<Step>();
        var best = 0;
        foreach (var rate in cleanRates)
        {
            var step = await RunStepAsync(work, host, api, "clean", rate, seconds, holdMs);
            clean.Add(step);
            if (!step.Clean)
            {
                break;
            }

            best = rate;
        }

        var overload = new List<Step>();
        if (best > 0)
        {
            foreach (var multiple in multiples)
            {
                var surge = await RunStepAsync(work, host, api, $"{multiple}x", best * multiple, seconds, holdMs);
                var recovery = await RecoveryAsync(api, TimeSpan.FromSeconds(pause));
                overload.Add(surge with { Recovery = recovery });
                Console.WriteLine(recovery is { } r
                    ? $"   surge over; the gateway reported itself recovered {r:0.0} s later; now {best} calls/s must be clean"
                    : $"   surge over; the gateway still reported overload after {pause} s; now {best} calls/s must be clean");
                overload.Add(await RunStepAsync(work, host, api, $"after {multiple}x", best, seconds, holdMs));
            }
        }

        Console.WriteLine();
        Console.WriteLine(Summary(baseline, clean, best, overload));
        var problems = host.Problems(15);
        if (problems.Count > 0)
        {
            Console.WriteLine("host warnings (last 15):");
            foreach (var line in problems)
            {
                Console.WriteLine("  " + line);
            }
        }

        return best > 0 ? 0 : 1;
    }

    private static async Task<Step> RunStepAsync(string work, HostProcess host, HttpClient api, string name, int rate, int seconds, int holdMs)
    {
        var folder = Directory.CreateDirectory(Path.Combine(work, $"{name.Replace(' ', '-')}-{rate}-{Guid.NewGuid().ToString("N")[..6]}")).FullName;
        var scenario = Sipp.Render(folder, "overload-caller.xml", new Dictionary<string, string>());
        var before = await ScrapeAsync(api);
        var placed = (long)rate * seconds;
        await using var caller = Sipp.Start($"caller {rate}/s", folder,
        [
            "-sf", scenario, "-s", "1000", $"127.0.0.1:{host.SipPort}", "-i", "127.0.0.1", "-p", Str(HostProcess.FreeUdpPort()),
            "-mp", Str(HostProcess.FreeUdpPort()), "-r", Str(rate), "-m", Str(placed), "-l", "100000", "-d", Str(holdMs),
            "-timeout", $"{seconds + 60}s", "-trace_rtt", "-rtt_freq", "1",
        ]);
        var r = await caller.WaitAsync(TimeSpan.FromSeconds(seconds + 70));
        var after = await ScrapeAsync(api);
        var latencies = RefusedLatencies(folder);
        var reasons = RefusedByReason(before, after);
        var histogram = after.HistogramName("contactcenter_telephony_admission_refusal_latency");
        var gatewayRefusals = histogram is null ? 0 : after.Count(histogram) - before.Count(histogram);
        var step = new Step(name, rate, placed, r.Successful, latencies.Count, r.Failed, r.InviteRetransmissions, r.ByeRetransmissions,
            Quantile(latencies, 0.5), Quantile(latencies, 0.99), latencies.Count > 0 ? latencies[^1] : 0,
            after.Counter("contactcenter_telephony_admission_offered") - before.Counter("contactcenter_telephony_admission_offered"),
            after.Counter("contactcenter_telephony_admission_admitted") - before.Counter("contactcenter_telephony_admission_admitted"),
            reasons, EndToEndBench.Load(), seconds)
        {
            GatewayRefusals = gatewayRefusals,
            GatewayP50 = gatewayRefusals > 0 ? MetricsScrape.Quantile(before, after, histogram!, 0.5) * 1000 : 0,
            GatewayP99 = gatewayRefusals > 0 ? MetricsScrape.Quantile(before, after, histogram!, 0.99) * 1000 : 0,
        };
        if (name != "warm-up")
        {
            Print(step);
        }

        return step;
    }

    private static void Print(Step s) =>
        Console.WriteLine(
            $"{s.Name,-10} {s.Rate,5}/s: placed {s.Placed}, completed {s.Completed} ({s.Goodput:0}/s), refused {s.Refused}, failed {s.Failed}, " +
            $"retrans INVITE {s.InviteRetrans} BYE {s.ByeRetrans}" +
            (s.Refused > 0 ? $", 503 p50/p99/max {s.RefusedP50:0.0}/{s.RefusedP99:0.0}/{s.RefusedMax:0.0} ms" : "") +
            (s.GatewayRefusals > 0 ? $", gateway 503s {s.GatewayRefusals:0} read->sent p50/p99 {s.GatewayP50:0.000}/{s.GatewayP99:0.000} ms" : "") +
            (s.GatewayOffered > 0 ? $", gateway offered {s.GatewayOffered:0} admitted {s.GatewayAdmitted:0}{(s.Reasons.Length > 0 ? " refused " + s.Reasons : "")}" : "") +
            $"; {(s.Clean ? "CLEAN" : "not clean")}; load {s.LoadAfter}");

    /// <summary>
    /// Polls /metrics (every 100 ms) after a surge until the gateway reports itself recovered: not overloaded and no throttle.
    /// Seconds since the surge ended, or null when it did not within <paramref name="limit"/>.
    /// </summary>
    private static async Task<double?> RecoveryAsync(HttpClient api, TimeSpan limit)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        while (System.Diagnostics.Stopwatch.GetElapsedTime(started) < limit)
        {
            var scrape = await ScrapeAsync(api);
            var rate = scrape.Names.FirstOrDefault(n => n.StartsWith("contactcenter_telephony_admission_rate_limit", StringComparison.Ordinal));
            if (scrape.Counter("contactcenter_telephony_admission_overloaded") == 0 && (rate is null || scrape.Counter(rate) == 0))
            {
                return System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds;
            }

            await Task.Delay(100);
        }

        return null;
    }

    /// <summary>The 503 latencies (ms, sorted) from SIPp's -trace_rtt file(s) in the step's folder.</summary>
    private static List<double> RefusedLatencies(string folder)
    {
        var values = new List<double>();
        foreach (var file in Directory.EnumerateFiles(folder, "*_rtt.csv"))
        {
            foreach (var line in File.ReadLines(file))
            {
                var cells = line.Split(';');
                if (cells.Length >= 3 && double.TryParse(cells[1], NumberStyles.Float, Inv, out var ms))
                {
                    values.Add(ms);
                }
            }
        }

        values.Sort();
        return values;
    }

    private static double Quantile(List<double> sorted, double q) =>
        sorted.Count == 0 ? 0 : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(q * sorted.Count) - 1)];

    private static string RefusedByReason(MetricsScrape before, MetricsScrape after)
    {
        var parts = new List<string>();
        foreach (var (series, value) in after.Series("contactcenter_telephony_admission_refused"))
        {
            var delta = value - before.Series("contactcenter_telephony_admission_refused").Where(b => b.Labels == series).Select(b => b.Value).FirstOrDefault();
            var reason = series.Split(',').Select(l => l.Split('=', 2)).Where(kv => kv[0] == "reason").Select(kv => kv[1].Trim('"')).FirstOrDefault() ?? series;
            if (delta > 0)
            {
                parts.Add($"{reason}={delta:0}");
            }
        }

        return string.Join(" ", parts);
    }

    private static async Task<MetricsScrape> ScrapeAsync(HttpClient api) =>
        new(await api.GetStringAsync(new Uri("/metrics", UriKind.Relative)));

    private static string Summary(List<Step> baseline, List<Step> clean, int best, List<Step> overload)
    {
        var text = new StringBuilder();
        text.AppendLine("== overload ladder, DID 1000 (IVR greeting), SIPp uac caller");
        text.AppendLine("| step | offered calls/s | completed | goodput calls/s | refused (503) | failed | retrans INVITE+BYE | 503 p50 / p99 / max ms (SIPp) | 503 p50 / p99 ms (gateway) | recovered after s | clean |");
        text.AppendLine("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        foreach (var s in baseline.Concat(clean).Concat(overload))
        {
            var latency = s.Refused > 0 ? string.Create(Inv, $"{s.RefusedP50:0.0} / {s.RefusedP99:0.0} / {s.RefusedMax:0.0}") : "—";
            var gatewayLatency = s.GatewayRefusals > 0 ? string.Create(Inv, $"{s.GatewayP50:0.000} / {s.GatewayP99:0.000}") : "—";
            var recovered = s.Recovery is { } r ? string.Create(Inv, $"{r:0.0}") : s.Name.EndsWith('x') && !s.Name.StartsWith("after", StringComparison.Ordinal) ? "not in time" : "—";
            text.AppendLine(string.Create(Inv,
                $"| {s.Name} | {s.Rate} | {s.Completed}/{s.Placed} | {s.Goodput:0} | {s.Refused} | {s.Failed} | {s.InviteRetrans}+{s.ByeRetrans} | {latency} | {gatewayLatency} | {recovered} | {(s.Clean ? "yes" : "no")} |"));
        }

        text.AppendLine(string.Create(Inv, $"highest clean rate through the gateway: {best} calls/s; SIPp->SIPp clean up to {baseline.Where(b => b.Clean).Select(b => b.Rate).DefaultIfEmpty(0).Max()} calls/s"));
        foreach (var s in overload.Where(o => !o.Name.StartsWith("after", StringComparison.Ordinal)))
        {
            var ratio = best > 0 ? s.Goodput / best : 0;
            var after = overload.SkipWhile(o => o != s).Skip(1).FirstOrDefault();
            var recovery = s.Recovery is { } r ? string.Create(Inv, $"{r:0.0} s") : "not within the pause";
            text.AppendLine(string.Create(Inv,
                $"{s.Name}: goodput {s.Goodput:0}/s = {ratio:P0} of the clean rate (goal >= 90 %); failed {s.Failed} (goal 0); 503 p99 {s.RefusedP99:0.0} ms at SIPp, {s.GatewayP99:0.000} ms at the gateway (goal < 50); recovered {recovery} after the surge, then {(after?.Clean == true ? "clean" : "NOT clean")} at {best}/s (goal: within 5 s)"));
        }

        return text.ToString();
    }

    private static string Str(long value) => value.ToString(Inv);
}
