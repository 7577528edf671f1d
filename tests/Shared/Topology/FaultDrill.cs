using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace ContactCenter.Testing.Topology;

/// <summary>One fault: its name and how to inject it. <see cref="Inject"/> returns the gateway it killed, if it killed one.</summary>
internal sealed record Fault(string Name, Func<ContactCenterTopology, string, Task<ModuleProcess?>> Inject)
{
    public override string ToString() => Name;

    /// <summary>Every fault of issue #15, in the order the bench and the tests inject them.</summary>
    public static IReadOnlyList<Fault> All { get; } =
    [
        new("kill -9 active routing", async (t, token) =>
        {
            var active = await t.ActiveRoutingAsync(token) ?? throw new InvalidOperationException("no routing instance is active");
            await t.KillAndRestartAsync(active);
            return null;
        }),
        new("kill -9 gateway", async (t, _) =>
        {
            await t.KillAndRestartAsync(t.Gateway1);
            return t.Gateway1;
        }),
        new("kill -9 CRM", async (t, _) =>
        {
            await t.KillAndRestartAsync(t.Crm);
            return null;
        }),
        new("kill -9 desktop", async (t, _) =>
        {
            await t.KillAndRestartAsync(t.Desktop1);
            return null;
        }),
        new("RabbitMQ restart", async (t, _) =>
        {
            await t.RestartBrokerAsync();
            return null;
        }),
        new("PostgreSQL restart", async (t, _) =>
        {
            await t.RestartDatabaseAsync();
            return null;
        }),
        new("10 s network cut, active routing to broker", async (t, token) =>
        {
            var active = await t.ActiveRoutingAsync(token) ?? throw new InvalidOperationException("no routing instance is active");
            await t.CutFromBrokerAsync(active, TimeSpan.FromSeconds(10));
            return null;
        }),
    ];
}

/// <summary>What one fault did to the calls, the agents and the history.</summary>
internal sealed record FaultOutcome(
    string Fault, double Rate, long Placed, long Answered, long Refused, long Failed, long LiveOnKilledGateway, long OnKilledGateway, long Lost,
    int Connected, IReadOnlyList<string> DoubleAssigned, IReadOnlyList<string> HistoryMissing, IReadOnlyList<string> HistoryNotEnded,
    IReadOnlyList<string> Stuck, TimeSpan? TimeToFullService, string Load)
{
    public static TimeSpan FullServiceGoal { get; } = TimeSpan.FromSeconds(10);

    /// <summary>0 lost, 0 double-assigned, 0 missing from the history, 0 agents stuck, full service within 10 s.</summary>
    public bool Clean => Lost == 0 && DoubleAssigned.Count == 0 && HistoryMissing.Count == 0 && HistoryNotEnded.Count == 0 && Stuck.Count == 0
        && TimeToFullService is { } t && t <= FullServiceGoal;

    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{Fault}: {Rate:0.#} calls/s, placed {Placed}, answered {Answered}, refused {Refused}, failed {Failed}");
        if (LiveOnKilledGateway >= 0)
        {
            text.Append(CultureInfo.InvariantCulture, $" (of which on the killed gateway {OnKilledGateway}, live there at the kill {LiveOnKilledGateway})");
        }

        text.Append(CultureInfo.InvariantCulture, $"; calls lost {Lost}, double-assigned {DoubleAssigned.Count}, connected to agents {Connected}, ");
        text.Append(CultureInfo.InvariantCulture, $"history missing {HistoryMissing.Count} / not ended {HistoryNotEnded.Count} / duplicated 0 (the call id is the history's key), ");
        text.Append(CultureInfo.InvariantCulture, $"agents stuck {Stuck.Count}, time to full service {(TimeToFullService is { } t ? $"{t.TotalSeconds:F1} s" : "NOT restored")}; load {Load}");
        foreach (var (what, list) in new[] { ("double", DoubleAssigned), ("missing", HistoryMissing), ("not ended", HistoryNotEnded), ("stuck", Stuck) })
        {
            if (list.Count > 0)
            {
                text.Append(CultureInfo.InvariantCulture, $"\n  {what}: {string.Join("; ", list.Take(5))}");
            }
        }

        return text.ToString();
    }
}

/// <summary>
/// Steady load on the topology and the checks after a fault. Callers: one SIPp per gateway on DID
/// <see cref="ContactCenterTopology.Did"/> (IVR → queue → agent → talk → BYE). Agents' phones: one SIPp answering for every
/// agent, registered at both gateways (a phone with two registrations, so that either gateway can ring it), refreshed every few
/// seconds as a phone re-registers. Agents: <see cref="TopologyAgents"/> over both desktops. Full service: a probe call placed
/// on each gateway after the fault ended reaches an agent's desktop, and every module answers /health/ready.
/// </summary>
internal sealed class FaultDrill : IAsyncDisposable
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;
    private readonly ContactCenterTopology topology;
    private readonly string folder;
    private readonly Action<string> say;
    private readonly CancellationTokenSource stopping = new();
    private TopologySipp? phones;
    private Task registering = Task.CompletedTask;
    private int probes;

    private FaultDrill(ContactCenterTopology topology, string folder, Action<string> say)
    {
        this.topology = topology;
        this.folder = folder;
        this.say = say;
    }

    public TopologyAgents Agents { get; } = new();
    public string SupervisorToken { get; private set; } = "";
    public int AgentCount { get; private set; }

    public static async Task<FaultDrill> StartAsync(ContactCenterTopology topology, int agents, Action<string> say)
    {
        var drill = new FaultDrill(topology, Directory.CreateDirectory(Path.Combine(topology.Work, "drill")).FullName, say);
        try
        {
            await drill.SetUpAsync(agents);
        }
        catch
        {
            await drill.DisposeAsync();
            throw;
        }

        return drill;
    }

    private async Task SetUpAsync(int count)
    {
        AgentCount = count;
        SupervisorToken = await topology.TokenAsync("sam", "demo");
        using (var sam = Api(topology.Crm))
        {
            await TopologyAgents.CreateAsync(sam, count);
        }

        var phonePort = TopologySipp.FreeUdpPort();
        phones = TopologySipp.Start("agent phones", folder,
        [
            "-sf", TopologySipp.Render(folder, "fault-phones.xml", new Dictionary<string, string>()),
            "-i", "127.0.0.1", "-p", Str(phonePort), "-mp", Str(TopologySipp.FreeUdpPort()), "-l", "100000",
        ]);
        var csv = Path.Combine(folder, "agents.csv");
        await File.WriteAllLinesAsync(csv, ["SEQUENTIAL", .. Enumerable.Range(1, count).Select(i => $"{TopologyAgents.LoginOf(i)};[authentication username={TopologyAgents.LoginOf(i)} password={TopologyAgents.Password}]")]);
        var register = TopologySipp.Render(folder, "fault-register.xml", new Dictionary<string, string> { ["phone_port"] = Str(phonePort) });
        foreach (var gateway in topology.Gateways)
        {
            var registered = await RegisterAsync(gateway, register, csv, count);
            if (registered != count)
            {
                throw new InvalidOperationException($"{gateway.Name}: {registered}/{count} phones registered");
            }
        }

        // Phones refresh their registrations (Expires 60) every 3 s: a restarted gateway, whose registrar is in memory, knows them again within seconds.
        registering = Task.Run(async () =>
        {
            while (!stopping.IsCancellationRequested)
            {
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(3), stopping.Token);
                    await Task.WhenAll(topology.Gateways.Select(g => RegisterAsync(g, register, csv, count)));
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        });
        say($"{count} phones registered at both gateways (SIPp at 127.0.0.1:{phonePort})");
        await Agents.ConnectAsync(topology, count, TimeSpan.FromSeconds(90));
        say($"{count} agents signed in over both desktops and Available");
    }

    private async Task<long> RegisterAsync(ModuleProcess gateway, string scenario, string csv, int count)
    {
        await using var sipp = TopologySipp.Start($"register {gateway.Name}", folder,
        [
            "-sf", scenario, $"127.0.0.1:{gateway.SipPort}", "-i", "127.0.0.1", "-p", Str(TopologySipp.FreeUdpPort()),
            "-inf", csv, "-m", Str(count), "-r", "200", "-timeout", "20s",
        ]);
        return (await sipp.WaitAsync(TimeSpan.FromSeconds(30))).Successful;
    }

    public static Fault Find(string name) =>
        Fault.All.FirstOrDefault(f => f.Name == name) ?? throw new ArgumentException($"no fault named '{name}'", nameof(name));

    /// <summary>Runs steady load at <paramref name="rate"/> calls/s (both gateways), injects <paramref name="fault"/> once the load is flowing, and measures.</summary>
    public async Task<FaultOutcome> RunAsync(Fault fault, double rate, int holdMs, TimeSpan afterFullService)
    {
        var load = Load();
        say($"== {fault.Name}: load {rate:0.#} calls/s on both gateways, hold {holdMs} ms; load average {load}");
        var connectedBefore = Agents.Connected().Keys.ToHashSet();
        var doublesBefore = Agents.DoubleAssignments.Count;
        var popsBefore = Agents.Pops.Count;
        var callersCsv = Path.Combine(folder, "callers.csv");
        await File.WriteAllLinesAsync(callersCsv, ["SEQUENTIAL", .. DemoCustomerNumbers()]);
        var scenario = TopologySipp.Render(folder, "fault-caller.xml", new Dictionary<string, string> { ["hold_ms"] = Str(holdMs) });
        var perGateway = rate / topology.Gateways.Count;
        var callers = new List<(ModuleProcess Gateway, TopologySipp Sipp, string Stats)>();
        foreach (var gateway in topology.Gateways)
        {
            var stats = Path.Combine(folder, $"callers-{gateway.Name}-{Guid.NewGuid():N}.csv");
            callers.Add((gateway, TopologySipp.Start($"callers {gateway.Name}", folder,
            [
                "-sf", scenario, "-s", ContactCenterTopology.Did, $"127.0.0.1:{gateway.SipPort}", "-inf", callersCsv,
                "-i", "127.0.0.1", "-p", Str(TopologySipp.FreeUdpPort()), "-mp", Str(TopologySipp.FreeUdpPort()),
                "-r", Str((long)Math.Round(perGateway * 1000)), "-rp", "1000000", "-l", "100000",
                "-trace_stat", "-stf", stats, "-fd", "1",
            ], control: true), stats));
        }

        ModuleProcess? killed = null;
        long liveOnKilled = -1;
        TimeSpan? fullService = null;
        try
        {
            // The fault comes once the load flows: a few calls connected to agents on each gateway's path.
            try
            {
                await WaitForAsync(() => Agents.Pops.Count - popsBefore >= Math.Max(3, (int)rate), TimeSpan.FromSeconds(60), "calls reaching agents before the fault");
            }
            catch (TimeoutException e)
            {
                var screens = string.Join("\n", callers.Select(c => $"--- {c.Sipp.Name}\n{c.Sipp.Output[^Math.Min(2500, c.Sipp.Output.Length)..]}"));
                var routing = "";
                if (await topology.ActiveRoutingAsync(SupervisorToken) is { } active)
                {
                    using var api = Api(active);
                    routing = await api.GetStringAsync(new Uri("/api/routing/agents", UriKind.Relative)) + "\n" + await api.GetStringAsync(new Uri("/api/routing/queues", UriKind.Relative));
                }

                throw new TimeoutException($"{e.Message}; routing says {routing[..Math.Min(routing.Length, 4000)]}; pops {Agents.Pops.Count - popsBefore}, agents went on {Agents.Connected().Count - connectedBefore.Count} calls, agents {string.Join(" ", Agents.NotAvailable())}\n{screens}\n--- modules\n{topology.Problems(6)}", e);
            }
            var liveBefore = callers.ToDictionary(c => c.Gateway, c => CurrentCalls(c.Stats));
            var injected = Stopwatch.StartNew();
            killed = await fault.Inject(topology, SupervisorToken);
            if (killed is not null)
            {
                // Calls in progress on it at the kill (SIPp's last one-second sample plus the calls placed since).
                liveOnKilled = liveBefore[killed] + (long)Math.Ceiling(perGateway * 2);
            }

            say($"{fault.Name}: injected in {injected.Elapsed.TotalSeconds:F1} s; measuring the time to full service");
            fullService = await TimeToFullServiceAsync(TimeSpan.FromSeconds(60));
            say($"{fault.Name}: full service {(fullService is { } f ? $"after {f.TotalSeconds:F1} s" : "NOT restored within 60 s")}");
            // Load goes on a little after service is back, so that what follows the recovery is checked too.
            var popsNow = Agents.Pops.Count;
            await WaitForAsync(() => Agents.Pops.Count - popsNow >= Math.Max(3, (int)(rate * afterFullService.TotalSeconds)), afterFullService + TimeSpan.FromSeconds(30), "calls after recovery");
        }
        finally
        {
            foreach (var (_, sipp, _) in callers)
            {
                await sipp.StopPlacingAsync();
            }
        }

        long placed = 0, answered = 0, refused = 0, failed = 0, onKilled = 0, lost = 0;
        foreach (var (gateway, sipp, _) in callers)
        {
            var outcome = await sipp.WaitAsync(TimeSpan.FromMilliseconds(holdMs) + TimeSpan.FromSeconds(60));
            await sipp.DisposeAsync();
            if (outcome.Created < 0)
            {
                throw new InvalidOperationException($"{sipp.Name}: no closing statistics (exit {outcome.ExitCode}):\n{sipp.Output[^Math.Min(3000, sipp.Output.Length)..]}");
            }

            placed += outcome.Created;
            refused += outcome.Refused;
            answered += outcome.Successful - outcome.Refused;
            failed += outcome.Failed;
            // Calls unfinished when SIPp quit (created, neither successful nor failed) are lost too.
            var unfinished = Math.Max(0, outcome.Created - outcome.Successful - outcome.Failed);
            if (gateway == killed)
            {
                onKilled = Math.Min(outcome.Failed + unfinished, liveOnKilled);
                lost += outcome.Failed + unfinished - onKilled;
            }
            else
            {
                lost += outcome.Failed + unfinished;
            }
        }

        // Agents: every one back to Available (wrap-up done at once, missed calls put right at once); those that cannot are stuck.
        var stuck = await Agents.WaitAllAvailableAsync(TimeSpan.FromSeconds(30)) ? [] : Agents.NotAvailable().ToList();
        var connected = Agents.Connected().Where(c => !connectedBefore.Contains(c.Key)).ToList();
        var doubles = Agents.DoubleAssignments.Skip(doublesBefore)
            .Concat(connected.Where(c => c.Value.Count > 1).Select(c => $"{c.Key} on call with {string.Join(" and ", c.Value)}")).ToList();
        var (missing, notEnded) = await HistoryAsync(connected.Select(c => (c.Key, c.Value[0])).ToList());
        var result = new FaultOutcome(fault.Name, rate, placed, answered, refused, failed, liveOnKilled, onKilled, lost, connected.Count,
            doubles, missing, notEnded, stuck, fullService, load + " -> " + Load());
        say(result.ToString());
        return result;
    }

    /// <summary>From now until every module is ready and a probe call placed on each gateway reached an agent's desktop.</summary>
    private async Task<TimeSpan?> TimeToFullServiceAsync(TimeSpan limit)
    {
        var clock = Stopwatch.StartNew();
        var since = Stopwatch.GetTimestamp();
        var back = new TimeSpan?[topology.Gateways.Count];
        var running = new List<TopologySipp>();
        TimeSpan? lastProbe = null;
        var probed = new Dictionary<string, int>(StringComparer.Ordinal);
        TimeSpan? ready = null;
        try
        {
            while (clock.Elapsed < limit)
            {
                ready ??= await topology.AllReadyAsync() ? clock.Elapsed : null;
                if (lastProbe is not { } last || clock.Elapsed - last >= TimeSpan.FromSeconds(1))
                {
                    // One probe per gateway a second, each from a number of its own.
                    lastProbe = clock.Elapsed;
                    for (var g = 0; g < topology.Gateways.Count; g++)
                    {
                        if (back[g] is not null)
                        {
                            continue;
                        }

                        var number = $"+1555{g + 1}{Interlocked.Increment(ref probes):000000}";
                        probed[Digits(number)] = g;
                        running.Add(Probe(topology.Gateways[g], number));
                    }
                }

                foreach (var pop in Agents.Pops)
                {
                    if (pop.At >= since && probed.TryGetValue(Digits(pop.Caller), out var g) && back[g] is null)
                    {
                        back[g] = Stopwatch.GetElapsedTime(since, pop.At);
                    }
                }

                if (ready is not null && Array.TrueForAll(back, b => b is not null))
                {
                    return new[] { ready.Value }.Concat(back.Select(b => b!.Value)).Max();
                }

                await Task.Delay(50);
            }

            return null;
        }
        finally
        {
            foreach (var probe in running)
            {
                await probe.WaitAsync(TimeSpan.FromSeconds(40));
                await probe.DisposeAsync();
            }
        }
    }

    private TopologySipp Probe(ModuleProcess gateway, string number)
    {
        var csv = Path.Combine(folder, $"probe-{number[1..]}.csv");
        File.WriteAllLines(csv, ["SEQUENTIAL", number]);
        // The caller's hold counts from the gateway's answer, which comes before the IVR (identify up to 1.5 s, then the
        // 2.6 s welcome): a probe must stay on long enough to reach the queue and be offered to an agent.
        var scenario = TopologySipp.Render(folder, "fault-caller.xml", new Dictionary<string, string> { ["hold_ms"] = "10000" });
        return TopologySipp.Start($"probe {number}", folder,
        [
            "-sf", scenario, "-s", ContactCenterTopology.Did, $"127.0.0.1:{gateway.SipPort}", "-inf", csv,
            "-i", "127.0.0.1", "-p", Str(TopologySipp.FreeUdpPort()), "-mp", Str(TopologySipp.FreeUdpPort()), "-m", "1",
        ]);
    }

    /// <summary>Each call an agent went on: in the CRM's history, with an end. Polls until so, or 20 s.</summary>
    private async Task<(List<string> Missing, List<string> NotEnded)> HistoryAsync(List<(Guid Call, string Agent)> calls)
    {
        using var api = Api(topology.Crm);
        var pending = calls.ToDictionary(c => c.Call, c => c.Agent);
        var missing = new List<string>();
        var notEnded = new List<string>();
        var clock = Stopwatch.StartNew();
        while (pending.Count > 0 && clock.Elapsed < TimeSpan.FromSeconds(20))
        {
            missing.Clear();
            notEnded.Clear();
            foreach (var (call, agent) in pending.ToList())
            {
                using var response = await api.GetAsync(new Uri($"/api/interactions/{call}", UriKind.Relative));
                if (response.StatusCode == HttpStatusCode.NotFound)
                {
                    missing.Add($"{call} ({agent})");
                    continue;
                }

                response.EnsureSuccessStatusCode();
                var view = await response.Content.ReadFromJsonAsync<JsonElement>();
                if (view.GetProperty("endedAt").ValueKind == JsonValueKind.Null)
                {
                    notEnded.Add($"{call} ({agent})");
                    continue;
                }

                pending.Remove(call);
            }

            if (pending.Count > 0)
            {
                await Task.Delay(500);
            }
        }

        return (missing, notEnded);
    }

    private HttpClient Api(ModuleProcess module)
    {
        var client = new HttpClient { BaseAddress = module.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", SupervisorToken);
        return client;
    }

    private static async Task WaitForAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"no {what} within {timeout}");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>SIPp's CurrentCall(P) from the last line of its -trace_stat file.</summary>
    private static long CurrentCalls(string stats)
    {
        if (!File.Exists(stats))
        {
            return 0;
        }

        string[] lines;
        using (var stream = new FileStream(stats, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
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
        var column = Array.IndexOf(header, "CurrentCall");
        return column >= 0 && column < last.Length && long.TryParse(last[column], NumberStyles.Integer, Inv, out var value) ? value : 0;
    }

    /// <summary>The digits of a number however the pop writes it (E.164, a SIP URI's user part, spaced).</summary>
    private static string Digits(string caller)
    {
        var user = caller.StartsWith("sip:", StringComparison.OrdinalIgnoreCase) ? caller[4..].Split('@')[0] : caller;
        return new string([.. user.Where(char.IsAsciiDigit)]);
    }

    /// <summary>The demo customers' numbers (src/ContactCenter.Crm/Data/DemoSeeder.cs).</summary>
    public static IEnumerable<string> DemoCustomerNumbers()
    {
        yield return "+442079460018";
        yield return "+441614960000";
        for (var i = 0; i < 48; i++)
        {
            yield return i % 3 == 2 ? $"+447700900{100 + i:000}" : $"+442079460{100 + i:000}";
        }
    }

    public static string Load()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ')[0..3]);
        }
        catch (IOException)
        {
            return "?";
        }
    }

    private static string Str(long value) => value.ToString(Inv);

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync();
        await registering;
        await Agents.DisposeAsync();
        if (phones is not null)
        {
            await phones.DisposeAsync();
        }

        stopping.Dispose();
    }
}
