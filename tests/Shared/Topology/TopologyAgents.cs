using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace ContactCenter.Testing.Topology;

/// <summary>A screen pop as it reached an agent's desktop client.</summary>
internal sealed record TopologyPop(Guid CallId, string Agent, string Caller, long At);

/// <summary>
/// The topology's agents: created through the CRM's API (skills support, lang-en and lang-fr 3, queue support), signed in over /hubs/agent on
/// desktop 1 or 2 by turns (as a browser would: reconnecting by itself when its desktop goes away, then Available again),
/// completing wrap-up at once and coming back from NotReady (a missed call) at once, as an attentive agent does. It keeps
/// what the fault checks need: every pop, every call each agent went on, and any second call offered to a busy agent.
/// </summary>
internal sealed class TopologyAgents : IAsyncDisposable
{
    public const string Password = "fault-topology-password";
    private static readonly string[] StateNames = ["loggedout", "available", "reserved", "oncall", "wrapup", "notready"];
    private readonly List<Agent> agents = [];
    private readonly ConcurrentQueue<string> doubles = new();

    public ConcurrentQueue<TopologyPop> Pops { get; } = new();

    /// <summary>Calls offered to an agent who was still reserved for, or on, another call; calls two agents went on.</summary>
    public IReadOnlyCollection<string> DoubleAssignments => doubles;

    public IReadOnlyList<string> Logins => [.. agents.Select(a => a.Login)];

    public static string LoginOf(int i) => $"fault{i:000}";

    /// <summary>Every call an agent went on (state OnCall with the call's id), with the agents who did.</summary>
    public IReadOnlyDictionary<Guid, IReadOnlyList<string>> Connected()
    {
        var calls = new Dictionary<Guid, List<string>>();
        foreach (var agent in agents)
        {
            foreach (var call in agent.OnCalls())
            {
                if (!calls.TryGetValue(call, out var who))
                {
                    calls[call] = who = [];
                }

                who.Add(agent.Login);
            }
        }

        return calls.ToDictionary(c => c.Key, c => (IReadOnlyList<string>)c.Value);
    }

    public static async Task CreateAsync(HttpClient supervisor, int count)
    {
        await Parallel.ForEachAsync(Enumerable.Range(1, count), new ParallelOptions { MaxDegreeOfParallelism = 2 }, async (i, ct) =>
        {
            var login = LoginOf(i);
            using var response = await supervisor.PutAsJsonAsync(new Uri($"/api/agents/{login}", UriKind.Relative), new
            {
                displayName = $"Fault Agent {i}",
                role = "agent",
                // The callers are the demo customers (FaultDrill.DemoCustomerNumbers), each identified with a language, en or fr:
                // routing adds it to the call as an optional lang-* requirement, dropped only by the support queue's 60 s
                // widening step. Agents without the languages would leave every identified call waiting beside them.
                skills = new[] { new { skill = "support", level = 3 }, new { skill = "lang-en", level = 3 }, new { skill = "lang-fr", level = 3 } },
                queues = new[] { "support" },
                active = true,
                password = Password,
                sipPassword = Password,
            }, ct);
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"PUT /api/agents/{login}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}");
            }
        });
    }

    /// <summary>Signs the agents in, agent i on desktop i mod 2, and waits until routing has them all Available.</summary>
    public async Task ConnectAsync(ContactCenterTopology topology, int count, TimeSpan timeout)
    {
        for (var i = 1; i <= count; i++)
        {
            var login = LoginOf(i);
            var token = await topology.TokenAsync(login, Password);
            var desktop = topology.Desktops[i % 2];
            var hub = new HubConnectionBuilder()
                .WithUrl(new Uri(desktop.BaseAddress, "/hubs/agent"), options => options.AccessTokenProvider = () => Task.FromResult<string?>(token))
                .WithAutomaticReconnect(new EveryQuarterSecond())
                .Build();
            var agent = new Agent(login, hub, this);
            hub.On<JsonElement>("ScreenPop", pop => agent.OnPop(pop));
            hub.On<JsonElement>("AgentStateChanged", state => agent.OnState(state));
            hub.Reconnected += _ => agent.NudgeAsync();
            hub.Closed += _ => agent.RestartAsync();
            agents.Add(agent);
            await hub.StartAsync();
            await hub.InvokeAsync("SetState", "Available", (string?)null);
        }

        if (!await WaitAllAvailableAsync(timeout))
        {
            throw new TimeoutException($"agents not Available within {timeout}: {string.Join(", ", NotAvailable().Take(10))}");
        }
    }

    public IEnumerable<string> NotAvailable() => agents.Where(a => a.State != "available").Select(a => $"{a.Login}={a.State}{(a.Hub.State == HubConnectionState.Connected ? "" : $" ({a.Hub.State})")}");

    /// <summary>Waits until every agent is Available, asking again for those routing has not (yet) made Available.</summary>
    public async Task<bool> WaitAllAvailableAsync(TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        var lastNudge = TimeSpan.Zero;
        while (clock.Elapsed < timeout)
        {
            if (agents.TrueForAll(a => a.State == "available"))
            {
                return true;
            }

            await Task.Delay(100);
            if (clock.Elapsed - lastNudge > TimeSpan.FromSeconds(2))
            {
                // A SetState sent while routing had no active partition (a fault) is not answered: an agent asks again.
                lastNudge = clock.Elapsed;
                foreach (var agent in agents.Where(a => a.State is "loggedout" or "notready" or "wrapup"))
                {
                    await agent.RetryAsync();
                }
            }
        }

        return false;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var agent in agents)
        {
            agent.Disposed = true;
            await agent.Hub.DisposeAsync();
        }
    }

    private sealed class EveryQuarterSecond : IRetryPolicy
    {
        public TimeSpan? NextRetryDelay(RetryContext retryContext) =>
            retryContext.ElapsedTime < TimeSpan.FromMinutes(5) ? TimeSpan.FromMilliseconds(250) : null;
    }

    private sealed class Agent(string login, HubConnection hub, TopologyAgents fleet)
    {
        private readonly Lock gate = new();
        private readonly HashSet<Guid> onCalls = [];
        private Guid? current;

        public string Login { get; } = login;
        public HubConnection Hub { get; } = hub;
        public volatile string State = "loggedout";
        public volatile bool Disposed;

        public IReadOnlyList<Guid> OnCalls()
        {
            lock (gate)
            {
                return [.. onCalls];
            }
        }

        public void OnPop(JsonElement pop)
        {
            var callId = pop.GetProperty("callId").GetGuid();
            var caller = pop.TryGetProperty("caller", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString()! : "";
            lock (gate)
            {
                if (current is { } busy && busy != callId && State is "reserved" or "oncall")
                {
                    fleet.doubles.Enqueue($"{Login} offered {callId} while {State} for {busy}");
                }
            }

            fleet.Pops.Enqueue(new TopologyPop(callId, Login, caller, Stopwatch.GetTimestamp()));
        }

        public void OnState(JsonElement view)
        {
            var s = view.GetProperty("state");
            var state = s.ValueKind == JsonValueKind.Number ? StateNames[s.GetInt32()] : s.GetString()!.ToLowerInvariant();
            Guid? callId = view.TryGetProperty("callId", out var id) && id.ValueKind == JsonValueKind.String ? id.GetGuid() : null;
            lock (gate)
            {
                State = state;
                current = state is "reserved" or "oncall" or "wrapup" ? callId : null;
                if (state == "oncall" && callId is { } call)
                {
                    onCalls.Add(call);
                }
            }

            if (state == "wrapup" && callId is { } done)
            {
                // The agent's after-call work is instant.
                _ = InvokeAsync("CompleteWrapUp", done, "resolved", null);
            }
            else if (state is "notready" or "loggedout")
            {
                _ = NudgeAsync();
            }
        }

        /// <summary>Asks for Available (after a reconnect, a missed call, or a state routing did not answer).</summary>
        public Task NudgeAsync() => State is "available" or "reserved" or "oncall" or "wrapup" ? Task.CompletedTask : InvokeAsync("SetState", "Available", null);

        /// <summary>Wrap-up completed again, or Available asked again: what an agent does when the desktop did not react.</summary>
        public Task RetryAsync()
        {
            Guid? call;
            lock (gate)
            {
                call = current;
            }

            return State == "wrapup" && call is { } done ? InvokeAsync("CompleteWrapUp", done, "resolved", null) : NudgeAsync();
        }

        /// <summary>The automatic reconnects gave up (the desktop was away too long): start again, as a reloaded page would.</summary>
        public async Task RestartAsync()
        {
            while (!Disposed && Hub.State == HubConnectionState.Disconnected)
            {
                try
                {
                    await Hub.StartAsync();
                    await NudgeAsync();
                    return;
                }
                catch (Exception e) when (e is HttpRequestException or IOException or InvalidOperationException or TaskCanceledException)
                {
                    await Task.Delay(250);
                }
            }
        }

        private async Task InvokeAsync(string method, object? first, object? second, object? third = null)
        {
            try
            {
                if (method == "CompleteWrapUp")
                {
                    await Hub.InvokeAsync(method, first, second, third);
                }
                else
                {
                    await Hub.InvokeAsync(method, first, second);
                }
            }
            catch (Exception e) when (e is HubException or InvalidOperationException or IOException or TaskCanceledException)
            {
                // The desktop is away (a fault): the state is asked for again on reconnect, or by the next nudge.
            }
        }
    }
}
