using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace ContactCenter.EndToEnd.Benchmarks;

/// <summary>
/// <c>./bench.sh callbacks</c> (issue #14's figure): N callbacks taken by SIPp callers on a DID whose queue offers one
/// after 5 s, the host restarted twice while they wait (routing's journal and the gateway's ledger must keep them), then
/// agents sign in and every callback is placed: the agent's SIPp phone answers, the customer's (SIPp behind the outbound
/// trunk) rings, answers, talks and hangs up. Reported: callbacks taken, kept across the restarts, placed, placed more than
/// once (must be 0), and the time from routing reserving a free agent to the customer's phone ringing (p50/p99; the agent's
/// phone answering is part of it), read from the gateway's log lines.
/// </summary>
internal static partial class CallbackBench
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static async Task<int> RunAsync(string[] args)
    {
        int Get(string name, int fallback)
        {
            var i = Array.IndexOf(args, name);
            return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], Inv) : fallback;
        }

        var count = Get("--count", 1000);
        var agents = Get("--agents", 50);
        var rate = Get("--rate", 50);
        var talkMs = Get("--talk-ms", 1000);
        var work = Directory.CreateTempSubdirectory("cc-callback-bench-").FullName;
        var data = Directory.CreateDirectory(Path.Combine(work, "host")).FullName;
        Console.WriteLine($"callbacks bench: {count} callbacks, {agents} agents, callers at {rate}/s; work folder {work}; load {EndToEndBench.Load()}");

        var carrierPort = HostProcess.FreeUdpPort();
        var settings = new Dictionary<string, string>
        {
            ["Sip__DigestAlgorithms"] = "MD5,SHA-256",
            ["Media__MediaTimeout"] = "00:05:00",
            ["Demo__Seed"] = "true",
            ["Telephony__ConfigPath"] = Config(work, carrierPort),
        };

        // 1. The callbacks are taken: SIPp callers on DID 1003 press 1 at the offer and are hung up on.
        var hostNumber = 0;
        var host = HostProcess.Start(settings, data, $"host-{++hostNumber}.log");
        try
        {
            await host.WaitUntilReadyAsync(TimeSpan.FromSeconds(90));
            using (var sam = await AgentFleet.ApiClientAsync(host.BaseAddress, "sam", "demo"))
            {
                await AgentFleet.CreateAsync(sam, agents);
            }

            var callersCsv = Path.Combine(work, "callers.csv");
            await File.WriteAllLinesAsync(callersCsv, ["SEQUENTIAL", .. EndToEndBench.DemoCustomerNumbers()]);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            await using (var callers = Sipp.Start("callers", work,
            [
                "-sf", Sipp.Render(work, "callback-caller.xml", new Dictionary<string, string>()), "-s", "1003", $"127.0.0.1:{host.SipPort}",
                "-inf", callersCsv, "-i", "127.0.0.1", "-p", Str(HostProcess.FreeUdpPort()), "-mp", Str(HostProcess.FreeUdpPort()),
                "-r", Str(rate), "-m", Str(count), "-l", "100000", "-timeout", $"{count / rate + 120}s",
            ]))
            {
                var taken = await callers.WaitAsync(TimeSpan.FromSeconds(count / rate + 150));
                Console.WriteLine($"callbacks taken: {taken.Successful}/{count} callers confirmed ({taken.Failed} failed) in {clock.Elapsed.TotalSeconds:F0} s");
                if (taken.Successful != count)
                {
                    throw new InvalidOperationException($"only {taken.Successful} of {count} callers took their callback:\n{callers.Output[^Math.Min(3000, callers.Output.Length)..]}");
                }
            }

            Console.WriteLine($"waiting in support: {await WaitingAsync(host)}");

            // 2. Two restarts while they wait.
            for (var restart = 0; restart < 2; restart++)
            {
                await host.DisposeAsync();
                host = HostProcess.Start(settings, data, $"host-{++hostNumber}.log");
                await host.WaitUntilReadyAsync(TimeSpan.FromSeconds(90));
                Console.WriteLine($"after restart {restart + 1}: waiting in support: {await WaitingAsync(host)}");
            }

            // 3. The carrier, the agents' phones and desktops: every callback is placed.
            var carrierLog = Path.Combine(work, "carrier-logs.log");
            await using var carrier = Sipp.Start("carrier", work,
            [
                "-sf", Sipp.Render(work, "carrier.xml", new Dictionary<string, string> { ["talk_ms"] = Str(talkMs) }),
                "-i", "127.0.0.1", "-p", Str(carrierPort), "-mp", Str(HostProcess.FreeUdpPort()),
                "-trace_logs", "-log_file", carrierLog, "-trace_err",
            ]);
            var phonePort = HostProcess.FreeUdpPort();
            await using var phones = Sipp.Start("agent phones", work,
            [
                "-sf", Sipp.Render(work, "agent-phones.xml", new Dictionary<string, string>()),
                "-i", "127.0.0.1", "-p", Str(phonePort), "-mp", Str(HostProcess.FreeUdpPort()), "-trace_err",
            ]);
            var agentsCsv = Path.Combine(work, "agents.csv");
            await File.WriteAllLinesAsync(agentsCsv, ["SEQUENTIAL", .. Enumerable.Range(1, agents).Select(i => $"{AgentFleet.LoginOf(i)};[authentication username={AgentFleet.LoginOf(i)} password={AgentFleet.Password}]")]);
            await using (var register = Sipp.Start("registrations", work,
            [
                "-sf", Sipp.Render(work, "register.xml", new Dictionary<string, string> { ["phone_port"] = Str(phonePort) }),
                $"127.0.0.1:{host.SipPort}", "-i", "127.0.0.1", "-p", Str(HostProcess.FreeUdpPort()),
                "-inf", agentsCsv, "-m", Str(agents), "-r", "100", "-timeout", "60s", "-trace_err",
            ]))
            {
                var registered = await register.WaitAsync(TimeSpan.FromSeconds(90));
                if (registered.Successful != agents)
                {
                    throw new InvalidOperationException($"registrations: {registered.Successful}/{agents}");
                }
            }

            await using var fleet = new AgentFleet();
            clock.Restart();
            await fleet.ConnectAsync(host.BaseAddress, agents, TimeSpan.FromSeconds(60));
            var deadline = TimeSpan.FromSeconds(60 + (count * (talkMs + 1500) / 1000.0 / agents * 3));
            int placed;
            while ((placed = Placed(carrierLog).Count) < count && clock.Elapsed < deadline)
            {
                await Task.Delay(1000);
            }

            var placing = clock.Elapsed;
            await Task.Delay(TimeSpan.FromSeconds(3)); // a repeat would come within the ring timeout of the last ones
            var calls = Placed(carrierLog);
            var repeats = calls.GroupBy(c => c).Count(g => g.Count() > 1);
            Console.WriteLine($"placed: {calls.Distinct().Count()} callbacks reached the carrier in {placing.TotalSeconds:F0} s; INVITEs {calls.Count}; callbacks dialled more than once: {repeats}; waiting now: {await WaitingAsync(host)}");
            await host.DisposeAsync();

            var delays = new List<double>();
            foreach (var log in Directory.EnumerateFiles(data, "host-*.log"))
            {
                foreach (Match m in RingingLine().Matches(await File.ReadAllTextAsync(log)))
                {
                    delays.Add(double.Parse(m.Groups[1].Value, Inv));
                }
            }

            delays.Sort();
            if (delays.Count > 0)
            {
                Console.WriteLine($"agent reserved -> customer ringing ({delays.Count} callbacks): p50 {Percentile(delays, 0.50):F0} ms, p99 {Percentile(delays, 0.99):F0} ms, max {delays[^1]:F0} ms");
            }

            return calls.Distinct().Count() == count && repeats == 0 ? 0 : 1;
        }
        finally
        {
            await host.DisposeAsync();
        }
    }

    private static List<string> Placed(string carrierLog)
    {
        if (!File.Exists(carrierLog))
        {
            return [];
        }

        using var stream = new FileStream(carrierLog, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        var calls = new List<string>();
        while (reader.ReadLine() is { } line)
        {
            if (line.StartsWith("callback ", StringComparison.Ordinal))
            {
                calls.Add(line[9..].Trim());
            }
        }

        return calls;
    }

    private static async Task<string> WaitingAsync(HostProcess host)
    {
        using var sam = await AgentFleet.ApiClientAsync(host.BaseAddress, "sam", "demo");
        var queues = await sam.GetFromJsonAsync<JsonElement>(new Uri("/api/routing/queues", UriKind.Relative));
        var parts = new List<string>();
        foreach (var entry in queues.EnumerateArray())
        {
            var queue = entry.GetProperty("queue");
            var waiting = queue.GetProperty("waiting");
            var callbacks = waiting.EnumerateArray().Count(w => w.GetProperty("isCallback").GetBoolean());
            parts.Add($"{queue.GetProperty("queue").GetString()} {waiting.GetArrayLength()} ({callbacks} callbacks)");
        }

        return string.Join(", ", parts);
    }

    private static double Percentile(List<double> sorted, double p) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];

    /// <summary>The repository's telephony-config, with DID 1003 straight into support offering a callback after 5 s, and the trunk at the carrier.</summary>
    private static string Config(string work, int carrierPort)
    {
        var source = Path.Combine(HostProcess.RepositoryRoot, "telephony-config");
        var target = Directory.CreateDirectory(Path.Combine(work, "telephony-config")).FullName;
        foreach (var file in Directory.EnumerateFiles(source, "*.yaml", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(source, file);
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(target, relative))!);
            File.Copy(file, Path.Combine(target, relative));
        }

        Directory.CreateSymbolicLink(Path.Combine(target, "prompts"), Path.Combine(source, "prompts"));
        Edit(Path.Combine(target, "trunks.yaml"), t => t.Replace("address: 127.0.0.1:5070", $"address: 127.0.0.1:{Str(carrierPort)}", StringComparison.Ordinal)
            .Replace("      - \"1002\"\n", "      - \"1002\"\n      - \"1003\"\n", StringComparison.Ordinal));
        Edit(Path.Combine(target, "dids.yaml"), t => t + "\n  - did: \"1003\"\n    flow: callback-bench\n");
        Edit(Path.Combine(target, "queues.yaml"), t => t.Replace("    maxLength: 50\n", "    maxLength: 5000\n", StringComparison.Ordinal)
            .Replace("    wrapUpSeconds: 30\n", "    wrapUpSeconds: 30\n    callback: { attempts: 3, retryAfterSeconds: 5, noAnswerSeconds: 15 }\n", StringComparison.Ordinal));
        File.WriteAllText(Path.Combine(target, "ivr", "callback-bench.yaml"), """
            name: callback-bench
            start: queue
            nodes:
              queue:
                type: queue
                queue: support
                callback_after: 5s
            """);
        return target;
    }

    private static void Edit(string path, Func<string, string> change)
    {
        var before = File.ReadAllText(path);
        var after = change(before);
        if (after == before)
        {
            throw new InvalidOperationException($"{path}: the bench's edit did not apply");
        }

        File.WriteAllText(path, after);
    }

    private static string Str(int value) => value.ToString(Inv);

    [GeneratedRegex(@"ringing (\d+) ms after bench\d+ was reserved")]
    private static partial Regex RingingLine();
}
