using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using ContactCenter.Testing.Topology;
using Microsoft.AspNetCore.SignalR.Client;

namespace ContactCenter.Host.Tests.Faults;

/// <summary>
/// Two desktop instances and no SignalR backplane (README, "Scale-out"): each consumes the bus events on its own endpoint and
/// pushes to its own connections, so a supervisor's board on desktop 2 sees a state change an agent makes through desktop 1.
/// </summary>
[Collection(nameof(FaultTopologyCollection))]
public sealed class TwoDesktopsTests(FaultTopologyFixture fixture)
{
    private static readonly string[] StateNames = ["loggedout", "available", "reserved", "oncall", "wrapup", "notready"];

    [Fact]
    public async Task A_board_on_desktop_2_sees_a_state_change_made_through_desktop_1()
    {
        var topology = fixture.Topology;
        // fault002 signs in on desktop 1 (even agents do; TopologyAgents), the supervisor watches on desktop 2.
        const string agent = "fault002";
        var seen = new ConcurrentQueue<(string State, string? Reason)>();
        var samToken = await topology.TokenAsync("sam", "demo");
        await using var board = new HubConnectionBuilder()
            .WithUrl(new Uri(topology.Desktop2.BaseAddress, "/hubs/board"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(samToken))
            .Build();
        board.On<JsonElement>("AgentStates", rows =>
        {
            foreach (var row in rows.EnumerateArray().Where(r => r.GetProperty("agentId").GetString() == agent))
            {
                var s = row.GetProperty("state");
                seen.Enqueue((s.ValueKind == JsonValueKind.Number ? StateNames[s.GetInt32()] : s.GetString()!.ToLowerInvariant(),
                    row.TryGetProperty("reason", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString() : null));
            }
        });
        await board.StartAsync();

        var agentToken = await topology.TokenAsync(agent, TopologyAgents.Password);
        await using var desktop1 = new HubConnectionBuilder()
            .WithUrl(new Uri(topology.Desktop1.BaseAddress, "/hubs/agent"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(agentToken))
            .Build();
        await desktop1.StartAsync();
        await desktop1.InvokeAsync("SetState", "NotReady", "two-desktops check");

        var clock = Stopwatch.StartNew();
        while (!seen.Any(s => s is { State: "notready", Reason: "two-desktops check" }) && clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(50);
        }

        Assert.Contains(seen, s => s is { State: "notready", Reason: "two-desktops check" });
        // The drill's agent on desktop 1 puts itself back to Available at once (TopologyAgents): the board sees that too.
        Assert.True(await fixture.Drill.Agents.WaitAllAvailableAsync(TimeSpan.FromSeconds(30)), string.Join(", ", fixture.Drill.Agents.NotAvailable()));
    }
}
