using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace ContactCenter.EndToEnd.Benchmarks;

/// <summary>A screen pop as it reached an agent's SignalR client (arrival on the machine's wall clock).</summary>
internal sealed record PopArrival(Guid CallId, string Agent, Guid? CustomerId, DateTimeOffset ArrivedAt, DateTimeOffset? AssembledAt);

/// <summary>
/// The bench agents: created through the supervisor API (PUT /api/agents/{login}, skill support 3,
/// queue support, password and SIP password), signed in over /hubs/agent like the browser desktop,
/// Available, completing wrap-up the moment routing puts them in it.
/// </summary>
internal sealed class AgentFleet : IAsyncDisposable
{
    public const string Password = "bench-password"; // at least Auth:MinimumPasswordLength (12)
    private readonly List<Agent> agents = [];
    private readonly TimeProvider time = TimeProvider.System;

    public ConcurrentQueue<PopArrival> Pops { get; } = new();
    public int WrapUpErrors => agents.Sum(a => a.WrapUpErrors);
    public IReadOnlyList<string> Logins => [.. agents.Select(a => a.Login)];

    public static string LoginOf(int i) => $"bench{i:000}";

    public static async Task CreateAsync(HttpClient supervisor, int count)
    {
        await Parallel.ForEachAsync(Enumerable.Range(1, count), new ParallelOptions { MaxDegreeOfParallelism = 2 }, async (i, ct) =>
        {
            var login = LoginOf(i);
            using var response = await supervisor.PutAsJsonAsync(new Uri($"/api/agents/{login}", UriKind.Relative), new
            {
                displayName = $"Bench Agent {i}",
                role = "agent",
                skills = new[] { new { skill = "support", level = 3 } },
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

    /// <summary>Tokens by login, kept for a second host on the same database and signing key.</summary>
    public static ConcurrentDictionary<string, string> Tokens { get; } = new(StringComparer.Ordinal);

    public static async Task<string> TokenAsync(Uri baseAddress, string login, string password)
    {
        if (Tokens.TryGetValue(login, out var known))
        {
            return known;
        }

        using var client = new HttpClient { BaseAddress = baseAddress };
        using var response = await client.PostAsJsonAsync(new Uri("/api/auth/token", UriKind.Relative), new { login, password });
        response.EnsureSuccessStatusCode();
        var token = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
        Tokens[login] = token;
        return token;
    }

    public static async Task<HttpClient> ApiClientAsync(Uri baseAddress, string login, string password)
    {
        var token = await TokenAsync(baseAddress, login, password);
        var client = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>Signs every agent in over SignalR and makes it Available (confirmed by routing).</summary>
    public async Task ConnectAsync(Uri baseAddress, int count, TimeSpan timeout)
    {
        var created = new ConcurrentBag<Agent>();
        await Parallel.ForEachAsync(Enumerable.Range(1, count), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, ct) =>
        {
            var login = LoginOf(i);
            var token = await TokenAsync(baseAddress, login, Password);
            var hub = new HubConnectionBuilder()
                .WithUrl(new Uri(baseAddress, "/hubs/agent"), options => options.AccessTokenProvider = () => Task.FromResult<string?>(token))
                .Build();
            var agent = new Agent(login, hub);
            hub.On<JsonElement>("ScreenPop", pop => OnPop(agent, pop));
            hub.On<JsonElement>("AgentStateChanged", state => agent.OnState(state));
            await hub.StartAsync(ct);
            created.Add(agent);
            await hub.InvokeAsync("SetState", "Available", (string?)null, ct);
        });
        agents.AddRange(created.OrderBy(a => a.Login, StringComparer.Ordinal));
        if (!await WaitAllAvailableAsync(timeout))
        {
            throw new TimeoutException($"agents not Available within {timeout}: {string.Join(", ", NotAvailable().Take(10))}");
        }
    }

    public IEnumerable<string> NotAvailable() => agents.Where(a => a.State != "available").Select(a => $"{a.Login}={a.State}");

    /// <summary>Puts agents that routing left NotReady (missed calls) back to Available, for the next step.</summary>
    public async Task ResetAsync(TimeSpan timeout)
    {
        foreach (var agent in agents.Where(a => a.State != "available"))
        {
            await agent.Hub.InvokeAsync("SetState", "Available", (string?)null);
        }

        await WaitAllAvailableAsync(timeout);
    }

    public async Task<bool> WaitAllAvailableAsync(TimeSpan timeout)
    {
        var deadline = time.GetTimestamp();
        var lastNudge = deadline;
        while (time.GetElapsedTime(deadline) < timeout)
        {
            if (agents.TrueForAll(a => a.State == "available"))
            {
                return true;
            }

            await Task.Delay(100);
            if (time.GetElapsedTime(lastNudge) > TimeSpan.FromSeconds(5))
            {
                // Routing drops a SetAgentState that arrives before it has loaded the agent profiles
                // (it loads them from the CRM after /health/ready already answers): ask again.
                lastNudge = time.GetTimestamp();
                foreach (var agent in agents.Where(a => a.State == "loggedout"))
                {
                    await agent.Hub.InvokeAsync("SetState", "Available", (string?)null);
                }
            }
        }

        return false;
    }

    private void OnPop(Agent agent, JsonElement pop)
    {
        var arrived = time.GetUtcNow();
        Guid? customer = pop.TryGetProperty("customer", out var c) && c.ValueKind == JsonValueKind.Object ? c.GetProperty("id").GetGuid() : null;
        DateTimeOffset? assembled = pop.TryGetProperty("occurredAt", out var at) && at.ValueKind == JsonValueKind.String ? at.GetDateTimeOffset() : null;
        Pops.Enqueue(new PopArrival(pop.GetProperty("callId").GetGuid(), agent.Login, customer, arrived, assembled));
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var agent in agents)
        {
            await agent.Hub.DisposeAsync();
        }
    }

    private sealed class Agent(string login, HubConnection hub)
    {
        private static readonly string[] StateNames = ["loggedout", "available", "reserved", "oncall", "wrapup", "notready"];
        private int wrapUpErrors;

        public string Login { get; } = login;
        public HubConnection Hub { get; } = hub;
        public volatile string State = "loggedout";
        public int WrapUpErrors => Volatile.Read(ref wrapUpErrors);

        public void OnState(JsonElement view)
        {
            var s = view.GetProperty("state");
            var state = s.ValueKind == JsonValueKind.Number ? StateNames[s.GetInt32()] : s.GetString()!.ToLowerInvariant();
            State = state;
            if (state == "wrapup" && view.TryGetProperty("callId", out var id) && id.ValueKind == JsonValueKind.String)
            {
                // The agent's after-call work is instant: complete wrap-up at once.
                _ = CompleteAsync(id.GetGuid());
            }
        }

        private async Task CompleteAsync(Guid callId)
        {
            try
            {
                await Hub.InvokeAsync("CompleteWrapUp", callId, "resolved", (string?)null);
            }
            catch (Exception e) when (e is HubException or InvalidOperationException or IOException or TaskCanceledException)
            {
                Interlocked.Increment(ref wrapUpErrors);
            }
        }
    }
}
