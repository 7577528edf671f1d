using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace ContactCenter.EndToEnd.Benchmarks;

/// <summary>One rate step of the whole path.</summary>
internal sealed record StepResult(
    int Rate, long Placed, SippResult Callers, long Connected, long Abandoned, long PhoneFailures, int Pops,
    bool AgentsBack, int WrapUpErrors, string Load)
{
    /// <summary>Every call answered by SIPp's caller and connected to an agent's phone, every pop delivered, agents free again.</summary>
    public bool Clean => Callers.Failed == 0 && Callers.Successful == Placed && Connected == Placed
        && PhoneFailures == 0 && Pops == Placed && AgentsBack;

    /// <summary>The host's CPU time per call placed (user + system, all its threads).</summary>
    public double HostCpuMsPerCall => Placed == 0 ? 0 : HostCpuSeconds * 1000 / Placed;

    public double HostCpuSeconds { get; init; }
}

internal sealed record LatencyResult(int Rate, int Samples, double P50, double P99, double Max, double HostP50, double HostP99, double HostMean, long HostCount)
{
    /// <summary>Split of the same samples: INVITE accepted -> pop assembled by the CRM, and assembled -> arrived at the client.</summary>
    public (double P50, double P99) ToAssembled { get; init; }

    public (double P50, double P99) ToClient { get; init; }
}

internal sealed record TransportResult(string Transport, IReadOnlyList<StepResult> Steps, LatencyResult? Latency, string? Error);

internal static class EndToEndBench
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static async Task<int> RunAsync(BenchOptions options)
    {
        var work = Directory.CreateTempSubdirectory("cc-e2e-bench-").FullName;
        Console.WriteLine($"work folder {work}; load {Load()}");
        var baseline = await BaselineAsync(options, work);
        var results = new List<TransportResult>();
        string? dataFolder = null;
        foreach (var transport in options.Transports)
        {
            var (result, folder) = await WholePathAsync(options, work, transport, dataFolder);
            results.Add(result);
            dataFolder = folder;
        }

        Console.WriteLine();
        Console.WriteLine(Summary(options, baseline, results));
        return results.TrueForAll(r => r.Error is null) ? 0 : 1;
    }

    internal static string Load()
    {
        try
        {
            return File.ReadAllText("/proc/loadavg").Split(' ')[0..3].Aggregate((a, b) => a + " " + b);
        }
        catch (IOException)
        {
            return "?";
        }
    }

    // ------------------------------------------------------------------ baseline: SIPp uac -> SIPp uas

    private static async Task<List<(int Rate, long Placed, SippResult Result)>> BaselineAsync(BenchOptions options, string work)
    {
        var folder = Directory.CreateDirectory(Path.Combine(work, "baseline")).FullName;
        var port = HostProcess.FreeUdpPort();
        var results = new List<(int, long, SippResult)>();
        await using var uas = Sipp.Start("sipp uas", folder, ["-sn", "uas", "-i", "127.0.0.1", "-p", Str(port), "-mp", Str(HostProcess.FreeUdpPort())]);
        await Task.Delay(1000);
        foreach (var rate in options.BaselineRates)
        {
            var placed = (long)rate * options.Seconds;
            await using var uac = Sipp.Start("sipp uac", folder,
            [
                "-sn", "uac", $"127.0.0.1:{port}", "-i", "127.0.0.1", "-p", Str(HostProcess.FreeUdpPort()), "-mp", Str(HostProcess.FreeUdpPort()),
                "-r", Str(rate), "-m", Str(placed), "-l", "100000", "-d", Str(options.HoldMs), "-timeout", $"{options.Seconds + 60}s",
            ]);
            var result = await uac.WaitAsync(TimeSpan.FromSeconds(options.Seconds + 40));
            results.Add((rate, placed, result));
            Console.WriteLine($"baseline {rate,5} calls/s: {result.Successful}/{placed} ok, {result.Failed} failed, retransmissions INVITE {result.InviteRetransmissions} BYE {result.ByeRetransmissions}, sipp exit {result.ExitCode}{(result.Successful < 0 ? " (no closing statistics: counted as failed)" : "")}; load {Load()}");
        }

        return results;
    }

    // ------------------------------------------------------------------ the whole path

    /// <summary>
    /// One host, one bus transport. The second host reuses the first one's data folder (database with the
    /// bench agents, signing key, so the tokens too): the agents are created and signed in once per run.
    /// </summary>
    private static async Task<(TransportResult Result, string? DataFolder)> WholePathAsync(BenchOptions options, string work, string transport, string? dataFolder)
    {
        var folder = Directory.CreateDirectory(Path.Combine(work, transport)).FullName;
        var settings = new Dictionary<string, string>
        {
            // SIPp 3.6 answers only the first digest challenge and knows only MD5.
            ["Sip__DigestAlgorithms"] = "MD5,SHA-256",
            // The SIPp phones send no RTP: keep the media-timeout guard out of the way.
            ["Media__MediaTimeout"] = "00:05:00",
            ["Demo__Seed"] = "true",
            ["Logging__LogLevel__Default"] = options.HostLog,
            ["Routing__JournalPath"] = Path.Combine(folder, "routing-journal.jsonl"),
        };
        foreach (var (key, value) in options.HostEnvironment)
        {
            settings[key] = value;
        }

        if (transport.Equals("rabbitmq", StringComparison.OrdinalIgnoreCase))
        {
            if (string.IsNullOrWhiteSpace(options.RabbitMq))
            {
                Console.WriteLine("rabbitmq: no broker (--rabbitmq or CC_TEST_RABBITMQ); skipped");
                return (new TransportResult(transport, [], null, "no broker"), dataFolder);
            }

            var amqp = new Uri(options.RabbitMq);
            var user = amqp.UserInfo.Split(':', 2);
            settings["Bus__Transport"] = "RabbitMq";
            settings["Bus__RabbitMq__Host"] = amqp.Host;
            settings["Bus__RabbitMq__Port"] = Str(amqp.Port);
            settings["Bus__RabbitMq__VirtualHost"] = amqp.AbsolutePath.Length > 1 ? Uri.UnescapeDataString(amqp.AbsolutePath[1..]) : "/";
            settings["Bus__RabbitMq__Username"] = Uri.UnescapeDataString(user[0]);
            settings["Bus__RabbitMq__Password"] = user.Length > 1 ? Uri.UnescapeDataString(user[1]) : "";
        }

        Console.WriteLine($"\n== whole path, bus {transport}: starting the host");
        var reuse = dataFolder is not null;
        await using var host = HostProcess.Start(settings, dataFolder, $"host-{transport}.log");
        Console.WriteLine($"host pid {host.ProcessId}, web {host.BaseAddress}, SIP udp/tcp {host.SipPort}, log {host.LogPath}");
        var steps = new List<StepResult>();
        LatencyResult? latency = null;
        try
        {
            await host.WaitUntilReadyAsync(TimeSpan.FromSeconds(90));
            using var sam = await AgentFleet.ApiClientAsync(host.BaseAddress, "sam", "demo");
            var clock = System.Diagnostics.Stopwatch.StartNew();
            if (!reuse)
            {
                await AgentFleet.CreateAsync(sam, options.Agents);
                Console.WriteLine($"{options.Agents} agents created through PUT /api/agents in {clock.Elapsed.TotalSeconds:F1} s");
            }

            // The agents' phones: one SIPp UAS answers for all; one SIPp registers every agent (digest, CSV).
            var phonePort = HostProcess.FreeUdpPort();
            await using var phones = Sipp.Start("agent phones", folder,
            [
                "-sf", Sipp.Render(folder, "agent-phones.xml", new Dictionary<string, string>()),
                "-i", "127.0.0.1", "-p", Str(phonePort), "-mp", Str(HostProcess.FreeUdpPort()),
                "-trace_stat", "-stf", Path.Combine(folder, "phones-stat.csv"), "-fd", "1", "-trace_err",
            ]);
            var agentsCsv = Path.Combine(folder, "agents.csv");
            await File.WriteAllLinesAsync(agentsCsv, ["SEQUENTIAL", .. Enumerable.Range(1, options.Agents).Select(i => $"{AgentFleet.LoginOf(i)};[authentication username={AgentFleet.LoginOf(i)} password={AgentFleet.Password}]")]);
            await using (var register = Sipp.Start("registrations", folder,
            [
                "-sf", Sipp.Render(folder, "register.xml", new Dictionary<string, string> { ["phone_port"] = Str(phonePort) }),
                $"127.0.0.1:{host.SipPort}", "-i", "127.0.0.1", "-p", Str(HostProcess.FreeUdpPort()),
                "-inf", agentsCsv, "-m", Str(options.Agents), "-r", "100", "-timeout", "60s", "-trace_err",
            ]))
            {
                var registered = await register.WaitAsync(TimeSpan.FromSeconds(90));
                if (registered.Successful != options.Agents)
                {
                    throw new InvalidOperationException($"registrations: {registered.Successful}/{options.Agents} ok, {registered.Failed} failed:\n{register.Output[^Math.Min(3000, register.Output.Length)..]}");
                }
            }

            Console.WriteLine($"{options.Agents} phones registered (digest) at 127.0.0.1:{phonePort}");
            await using var fleet = new AgentFleet();
            clock.Restart();
            await fleet.ConnectAsync(host.BaseAddress, options.Agents, TimeSpan.FromSeconds(60));
            Console.WriteLine($"{options.Agents} desktops signed in over SignalR and Available in {clock.Elapsed.TotalSeconds:F1} s");

            // What the host burns with no calls: 200 desktops connected, 200 registrations, timers.
            var idleBefore = CpuSeconds(host.ProcessId);
            await Task.Delay(TimeSpan.FromSeconds(5));
            Console.WriteLine($"host CPU with no calls: {(CpuSeconds(host.ProcessId) - idleBefore) / 5 * 1000:F0} ms per second; load {Load()}");

            var callersCsv = Path.Combine(folder, "callers.csv");
            await File.WriteAllLinesAsync(callersCsv, ["SEQUENTIAL", .. DemoCustomerNumbers()]);
            var callerScenario = Sipp.Render(folder, "caller.xml", new Dictionary<string, string>());
            if (options.WarmupSeconds > 0 && options.WarmupRate > 0)
            {
                // Warm-up, not counted: the JIT's tier-1 compilation of the hot paths takes a core for the first minute.
                clock.Restart();
                await using (var warmup = Sipp.Start("warm-up", folder,
                [
                    "-sf", callerScenario, "-s", "1001", $"127.0.0.1:{host.SipPort}", "-inf", callersCsv,
                    "-i", "127.0.0.1", "-p", Str(HostProcess.FreeUdpPort()), "-mp", Str(HostProcess.FreeUdpPort()),
                    "-r", Str(options.WarmupRate), "-m", Str((long)options.WarmupRate * options.WarmupSeconds), "-l", "100000", "-d", Str(options.HoldMs),
                    "-timeout", $"{options.WarmupSeconds + 90}s",
                ]))
                {
                    var warmed = await warmup.WaitAsync(TimeSpan.FromSeconds(options.WarmupSeconds + 120));
                    Console.WriteLine($"warm-up: {warmed.Successful} calls at {options.WarmupRate}/s in {clock.Elapsed.TotalSeconds:F0} s (not counted)");
                }
                await fleet.WaitAllAvailableAsync(TimeSpan.FromSeconds(30));
                await fleet.ResetAsync(TimeSpan.FromSeconds(30));
            }

            var rates = options.Rates.Contains(options.LatencyRate) ? options.Rates : [options.LatencyRate, .. options.Rates];
            var failed = false;
            foreach (var rate in rates.Order())
            {
                // After a failing step only the latency step still runs (its figures are asked for at that rate).
                if (failed && (rate != options.LatencyRate || latency is not null))
                {
                    continue;
                }

                var before = await ScrapeAsync(sam);
                var cpuBefore = CpuSeconds(host.ProcessId);
                var phonesBefore = PhoneFailures(folder);
                fleet.Pops.Clear();
                var placed = (long)rate * options.Seconds;
                await using var callers = Sipp.Start($"callers {rate}/s", folder,
                [
                    "-sf", callerScenario, "-s", "1001", $"127.0.0.1:{host.SipPort}", "-inf", callersCsv,
                    "-i", "127.0.0.1", "-p", Str(HostProcess.FreeUdpPort()), "-mp", Str(HostProcess.FreeUdpPort()),
                    "-r", Str(rate), "-m", Str(placed), "-l", "100000", "-d", Str(options.HoldMs),
                    "-timeout", $"{options.Seconds + 90}s", "-trace_err",
                ]);
                var load = Load();
                using var sampling = new CancellationTokenSource();
                var pool = SampleThreadPoolAsync(sam, sampling.Token);
                var result = await callers.WaitAsync(TimeSpan.FromSeconds(options.Seconds + 120));
                await sampling.CancelAsync();
                var (threads, queued) = await pool;
                var back = await fleet.WaitAllAvailableAsync(TimeSpan.FromSeconds(30));
                await Task.Delay(1500); // the last phone BYEs and the stats file
                var after = await ScrapeAsync(sam);
                var cpu = CpuSeconds(host.ProcessId) - cpuBefore;
                var step = new StepResult(
                    rate, placed, result,
                    (long)(after.Counter("contactcenter_telephony_calls_connected") - before.Counter("contactcenter_telephony_calls_connected")),
                    (long)(after.Counter("contactcenter_queue_calls_abandoned") - before.Counter("contactcenter_queue_calls_abandoned")),
                    PhoneFailures(folder) - phonesBefore,
                    fleet.Pops.Count, back, fleet.WrapUpErrors, load) { HostCpuSeconds = cpu };
                steps.Add(step);
                Console.WriteLine($"{transport} {rate,4} calls/s: callers {result.Successful}/{placed} ok, {result.Failed} failed (INVITE retrans {result.InviteRetransmissions}, BYE retrans {result.ByeRetransmissions}); " +
                    $"connected to agents {step.Connected}, abandoned {step.Abandoned}, phone failures {step.PhoneFailures}, pops {step.Pops}, agents back {(back ? "yes" : "NO: " + string.Join(' ', fleet.NotAvailable().Take(5)))}, wrap-up errors {step.WrapUpErrors}; host CPU {step.HostCpuMsPerCall:F1} ms per call; thread pool max {threads:F0} threads, {queued:F0} queued; load {load} -> {Load()}");
                if (rate == options.LatencyRate)
                {
                    latency = await LatencyAsync(sam, [.. fleet.Pops], before, after, rate);
                    Console.WriteLine($"{transport} screen pop at {rate} calls/s, INVITE at the gateway -> ScreenPop at the agent's SignalR client: p50 {latency.P50:F1} ms, p99 {latency.P99:F1} ms, max {latency.Max:F1} ms (n={latency.Samples}); " +
                        $"host histogram (CRM assembles -> desktop pushes): p50 {latency.HostP50:F1} ms, p99 {latency.HostP99:F1} ms, mean {latency.HostMean:F2} ms (n={latency.HostCount}); " +
                        $"split: INVITE -> pop assembled p50 {latency.ToAssembled.P50:F1} / p99 {latency.ToAssembled.P99:F1} ms, assembled -> client p50 {latency.ToClient.P50:F1} / p99 {latency.ToClient.P99:F1} ms");
                }

                if (!step.Clean)
                {
                    failed = true;
                    foreach (var line in host.Problems(4))
                    {
                        Console.WriteLine("  host: " + line[..Math.Min(line.Length, 400)]);
                    }
                }

                if (!back)
                {
                    await fleet.ResetAsync(TimeSpan.FromSeconds(30));
                }
            }

            return (new TransportResult(transport, steps, latency, null), host.DataFolder);
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or HttpRequestException or IOException or TaskCanceledException)
        {
            Console.WriteLine($"{transport}: {e.Message}\n--- host log tail\n{host.Tail(40)}");
            return (new TransportResult(transport, steps, latency, e.Message), reuse ? dataFolder : null);
        }
    }

    /// <summary>The demo customers' numbers (src/ContactCenter.Crm/Data/DemoSeeder.cs): Ada, Alan and 48 more.</summary>
    internal static IEnumerable<string> DemoCustomerNumbers()
    {
        yield return "+442079460018";
        yield return "+441614960000";
        for (var i = 0; i < 48; i++)
        {
            yield return i % 3 == 2 ? $"+447700900{100 + i:000}" : $"+442079460{100 + i:000}";
        }
    }

    private static long PhoneFailures(string folder)
    {
        // SIPp's -trace_stat CSV: the last line's FailedCall(C) column.
        var path = Path.Combine(folder, "phones-stat.csv");
        if (!File.Exists(path))
        {
            return 0;
        }

        string[] lines;
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
        using (var reader = new StreamReader(stream))
        {
            lines = reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        }

        if (lines.Length < 2)
        {
            return 0;
        }

        var header = lines[0].Split(';');
        var last = lines[^1].Split(';');
        var column = Array.IndexOf(header, "FailedCall(C)");
        return column >= 0 && column < last.Length && long.TryParse(last[column], NumberStyles.Integer, Inv, out var failed) ? failed : 0;
    }

    /// <summary>The highest thread-pool thread count and queue length seen at /metrics (System.Runtime meter), once a second.</summary>
    private static async Task<(double Threads, double Queued)> SampleThreadPoolAsync(HttpClient api, CancellationToken ct)
    {
        double threads = 0, queued = 0;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                var scrape = new MetricsScrape(await api.GetStringAsync(new Uri("/metrics", UriKind.Relative), ct));
                threads = Math.Max(threads, scrape.Counter("dotnet_thread_pool_thread_count"));
                queued = Math.Max(queued, scrape.Counter("dotnet_thread_pool_queue_length"));
                await Task.Delay(1000, ct);
            }
            catch (Exception e) when (e is OperationCanceledException or HttpRequestException)
            {
                if (ct.IsCancellationRequested)
                {
                    break;
                }
            }
        }

        return (threads, queued);
    }

    /// <summary>User + system CPU seconds of a process so far (/proc/PID/stat, clock ticks of 1/100 s).</summary>
    private static double CpuSeconds(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return (long.Parse(fields[11], Inv) + long.Parse(fields[12], Inv)) / 100.0;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    private static async Task<MetricsScrape> ScrapeAsync(HttpClient api) =>
        new(await api.GetStringAsync(new Uri("/metrics", UriKind.Relative)));

    /// <summary>
    /// Client-side: the pop's arrival at the agent's SignalR client minus the call's <c>startedAt</c> in
    /// the CRM history (CallReceived.OccurredAt, stamped by the gateway when it took the INVITE). Both are
    /// the machine's wall clock (TimeProvider.System) on the same host. Host-side: the
    /// contactcenter.desktop.screen_pop.latency histogram between the two scrapes.
    /// </summary>
    private static async Task<LatencyResult> LatencyAsync(HttpClient api, PopArrival[] pops, MetricsScrape before, MetricsScrape after, int rate)
    {
        var started = new Dictionary<Guid, DateTimeOffset>();
        foreach (var customer in pops.Where(p => p.CustomerId is not null).Select(p => p.CustomerId!.Value).Distinct())
        {
            for (var page = 1; page <= 5; page++)
            {
                var result = await api.GetFromJsonAsync<JsonElement>(new Uri($"/api/customers/{customer}/interactions?page={page}&pageSize=100", UriKind.Relative));
                var items = result.GetProperty("items");
                foreach (var item in items.EnumerateArray())
                {
                    started[item.GetProperty("callId").GetGuid()] = item.GetProperty("startedAt").GetDateTimeOffset();
                }

                if (items.GetArrayLength() < 100)
                {
                    break;
                }
            }
        }

        Console.WriteLine($"latency sample: {pops.Length} pops, {pops.Count(p => p.CustomerId is not null)} with a customer, {started.Count} calls in those customers' histories, {pops.Count(p => started.ContainsKey(p.CallId))} matched");
        var samples = pops.Where(p => started.ContainsKey(p.CallId)).Select(p => (p.ArrivedAt - started[p.CallId]).TotalMilliseconds).Order().ToArray();
        double Pct(double q) => samples.Length == 0 ? double.NaN : samples[Math.Min(samples.Length - 1, (int)Math.Ceiling(q * samples.Length) - 1)];
        var histogram = after.HistogramName("contactcenter_desktop_screen_pop_latency") ?? "contactcenter_desktop_screen_pop_latency_seconds";
        var count = after.Count(histogram) - before.Count(histogram);
        var mean = count > 0 ? (after.Sum(histogram) - before.Sum(histogram)) / count * 1000 : double.NaN;
        var split = pops.Where(p => started.ContainsKey(p.CallId) && p.AssembledAt is not null).ToArray();
        static (double, double) P5099(double[] values)
        {
            Array.Sort(values);
            double At(double q) => values.Length == 0 ? double.NaN : values[Math.Min(values.Length - 1, (int)Math.Ceiling(q * values.Length) - 1)];
            return (At(0.50), At(0.99));
        }
        return new LatencyResult(rate, samples.Length, Pct(0.50), Pct(0.99), samples.Length == 0 ? double.NaN : samples[^1],
            MetricsScrape.Quantile(before, after, histogram, 0.50) * 1000, MetricsScrape.Quantile(before, after, histogram, 0.99) * 1000, mean, (long)count)
        {
            ToAssembled = P5099([.. split.Select(p => (p.AssembledAt!.Value - started[p.CallId]).TotalMilliseconds)]),
            ToClient = P5099([.. split.Select(p => (p.ArrivedAt - p.AssembledAt!.Value).TotalMilliseconds)]),
        };
    }

    private static string Summary(BenchOptions options, List<(int Rate, long Placed, SippResult Result)> baseline, List<TransportResult> results)
    {
        var text = new StringBuilder();
        var ceiling = baseline.Where(b => b.Result.Failed == 0 && b.Result.Successful == b.Placed).Select(b => b.Rate).DefaultIfEmpty(0).Max();
        var top = options.BaselineRates.Max();
        text.AppendLine(Inv, $"## summary ({options.Seconds} s per step, caller holds {options.HoldMs} ms, {options.Agents} agents; load now {Load()})");
        text.AppendLine(Inv, $"SIPp uac -> SIPp uas (rig ceiling): clean up to {ceiling} calls/s{(ceiling == top ? " (the highest rate tried)" : "")}");
        foreach (var r in results)
        {
            var clean = r.Steps.Where(s => s.Clean).Select(s => s.Rate).DefaultIfEmpty(0).Max();
            var cpu = r.Steps.Count == 0 ? double.NaN : r.Steps.Min(s => s.HostCpuMsPerCall);
            text.Append(Inv, $"whole path, {r.Transport}: highest clean rate {clean} calls/s = {(ceiling > 0 ? (double)clean / ceiling : double.NaN):P1} of the ceiling; host CPU {cpu:F1} ms per call (lowest step)");
            text.AppendLine(r.Error is null ? "" : $" (error: {r.Error})");
            if (r.Latency is { } l)
            {
                text.AppendLine(Inv, $"  screen pop at {l.Rate} calls/s (INVITE at gateway -> client): p50 {l.P50:F1} ms, p99 {l.P99:F1} ms (n={l.Samples}); host segment mean {l.HostMean:F2} ms");
            }
        }

        return text.ToString();
    }

    private static string Str(int value) => value.ToString(Inv);

    private static string Str(long value) => value.ToString(Inv);
}
