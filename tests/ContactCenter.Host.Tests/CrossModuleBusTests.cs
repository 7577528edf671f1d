using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;

namespace ContactCenter.Host.Tests;

/// <summary>
/// A message published by one module is consumed by another, through the host's bus wiring:
/// alice's desktop (Desktop module) asks to go Available → SetAgentState on the bus → Routing
/// changes her presence → AgentStateChanged on the bus → Desktop pushes it to her browser.
/// Once over the in-memory transport, once over a real RabbitMQ broker.
/// </summary>
public sealed class CrossModuleBusTests
{
    [Fact]
    public async Task Agent_state_round_trips_through_routing_over_the_in_memory_bus()
    {
        await using var host = HostProcess.Start();
        await AssertAgentStateRoundTripAsync(host);
    }

    [Fact]
    public async Task Agent_state_round_trips_through_routing_over_rabbitmq()
    {
        await using var host = HostProcess.Start(TestBroker.HostSettings());
        await AssertAgentStateRoundTripAsync(host);
        Assert.Contains("RabbitMq", host.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Agent_state_round_trips_through_routing_with_its_journal_in_the_database()
    {
        // Routing's journal, snapshot and lease in its own tables of the embedded SQLite database (created at start).
        await using var host = HostProcess.Start(new Dictionary<string, string> { ["Routing__JournalStore"] = "Database" });
        await AssertAgentStateRoundTripAsync(host);
        Assert.Contains("Routing partition default is active here: endpoint routing", host.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("Sqlite tables RoutingJournal/RoutingSnapshot/RoutingLease", host.StandardOutput, StringComparison.Ordinal);
    }

    private static async Task AssertAgentStateRoundTripAsync(HostProcess host)
    {
        await host.WaitUntilReadyAsync(TimeSpan.FromSeconds(45));
        using var client = new HttpClient { BaseAddress = host.BaseAddress };
        using var tokenResponse = await client.PostAsJsonAsync(new Uri("/api/auth/token", UriKind.Relative), new { login = "alice", password = "demo" });
        tokenResponse.EnsureSuccessStatusCode();
        var token = (await tokenResponse.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString();
        Assert.False(string.IsNullOrEmpty(token));

        var states = System.Threading.Channels.Channel.CreateUnbounded<JsonElement>();
        await using var hub = new HubConnectionBuilder()
            .WithUrl(new Uri(host.BaseAddress, "/hubs/agent"), options => options.AccessTokenProvider = () => Task.FromResult<string?>(token))
            .Build();
        hub.On<JsonElement>("AgentStateChanged", state => states.Writer.TryWrite(state));
        await hub.StartAsync();

        // Routing drops a state change that arrives before it has loaded the agent profiles from the CRM (on a busy
        // machine that can be after /health/ready answers): ask again every 5 s until routing confirms, as the desktop's
        // user would, for up to 40 s.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(40));
        var available = false;
        while (!available)
        {
            await hub.InvokeAsync("SetState", "Available", null, timeout.Token);
            using var round = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token);
            round.CancelAfter(TimeSpan.FromSeconds(5));
            try
            {
                while (!available)
                {
                    var state = await states.Reader.ReadAsync(round.Token);
                    available = state.GetProperty("agentId").GetString() == "alice" && string.Equals(state.GetProperty("state").ToString(), "Available", StringComparison.OrdinalIgnoreCase);
                }
            }
            catch (OperationCanceledException) when (!timeout.IsCancellationRequested)
            {
                // not confirmed in this round: ask again
            }
        }

        await hub.StopAsync();
    }
}
