using ContactCenter.Contracts;
using ContactCenter.Desktop.Hubs;
using ContactCenter.Desktop.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace ContactCenter.Desktop.Tests;

/// <summary>Supervisors in calls from the board (issue 18), over real sockets: who may ask, what is published, who is told.</summary>
public sealed class MonitoringHubTests
{
    private static async Task<Guid> AliceOnACallAsync(DesktopTestHost host, HubClient alice)
    {
        var callId = Guid.NewGuid();
        await host.Publish(Calls.Reserved(callId, "alice"));
        await host.Publish(Calls.Connected(callId, "alice"));
        await alice.NextCall(c => c.CallId == callId && c.Phase == CallPhase.Connected);
        return callId;
    }

    private static MonitoringChanged Step(Guid callId, MonitoringPhase phase, MonitorMode mode, int sequence = 1) => new()
    {
        MonitoringId = Guid.Empty,
        Sequence = sequence,
        CallId = callId,
        AgentId = "alice",
        SupervisorId = "sam",
        Mode = mode,
        Phase = phase,
        Reason = "board",
        OccurredAt = TimeProvider.System.GetUtcNow(),
    };

    [Fact]
    public async Task A_supervisor_asks_to_listen_to_an_agent_on_a_call_and_the_gateway_is_told_which_call()
    {
        await using var host = await DesktopTestHost.StartAsync();
        await using var alice = await HubClient.ConnectAgent(host, "alice");
        var callId = await AliceOnACallAsync(host, alice);
        await using var board = await HubClient.ConnectBoard(host, "sam");

        await board.Connection.InvokeAsync("Monitor", "alice", MonitorMode.Listen);
        var command = await host.Recorder.WaitFor<MonitorCall>(c => c.AgentId == "alice");
        Assert.Equal(("sam", MonitorMode.Listen, (Guid?)callId), (command.SupervisorId, command.Mode, command.CallId));

        await board.Connection.InvokeAsync("Monitor", "alice", MonitorMode.Barge);
        await host.Recorder.WaitFor<MonitorCall>(c => c.Mode == MonitorMode.Barge);
    }

    [Fact]
    public async Task An_agent_cannot_start_monitoring_and_nobody_can_monitor_an_agent_who_is_not_on_a_call()
    {
        await using var host = await DesktopTestHost.StartAsync();
        await using var alice = await HubClient.ConnectAgent(host, "alice");
        await using var bob = await HubClient.ConnectAgent(host, "bob");
        await AliceOnACallAsync(host, alice);

        // An agent's token does not reach the board hub, and the agent hub has no such method.
        await using var asAgent = HubClient.Build(host.BaseAddress, "/hubs/board", DesktopTestHost.Token("bob", "agent"));
        var denied = await Assert.ThrowsAsync<HttpRequestException>(() => asAgent.StartAsync());
        Assert.Equal(System.Net.HttpStatusCode.Forbidden, denied.StatusCode);
        await Assert.ThrowsAsync<HubException>(() => bob.Connection.InvokeAsync("Monitor", "alice", MonitorMode.Listen));

        await using var board = await HubClient.ConnectBoard(host, "sam");
        var notOnCall = await Assert.ThrowsAsync<HubException>(() => board.Connection.InvokeAsync("Monitor", "bob", MonitorMode.Listen));
        Assert.Contains("bob is not on a connected call", notOnCall.Message, StringComparison.Ordinal);
        var self = await Assert.ThrowsAsync<HubException>(() => board.Connection.InvokeAsync("Monitor", "sam", MonitorMode.Listen));
        Assert.Contains("own call", self.Message, StringComparison.Ordinal);

        // A request that is carried out, published after the refused ones, is the signal that nothing else was published.
        await board.Connection.InvokeAsync("Monitor", "alice", MonitorMode.Whisper);
        await host.Recorder.WaitFor<MonitorCall>(c => c.AgentId == "alice");
        Assert.Single(host.Recorder.All<MonitorCall>());
    }

    [Fact]
    public async Task A_supervisor_limited_to_some_queues_is_refused_other_queues_calls_with_an_audited_step()
    {
        await using var host = await DesktopTestHost.StartAsync();
        await using var alice = await HubClient.ConnectAgent(host, "alice");
        var callId = await AliceOnACallAsync(host, alice); // a support call

        // Supervisor of billing only: refused, with a reason, and the refusal is published for the audit; no MonitorCall.
        await using var billingOnly = HubClient.ForBoard(host, DesktopTestHost.Token("sue", "supervisor", "Sue", ["billing"]));
        var supervises = new TaskCompletionSource<string[]>();
        billingOnly.Connection.On<string[]>("Supervises", q => supervises.TrySetResult(q));
        await billingOnly.Connection.StartAsync();
        Assert.Equal(["billing"], await supervises.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        var refused = await Assert.ThrowsAsync<HubException>(() => billingOnly.Connection.InvokeAsync("Monitor", "alice", MonitorMode.Listen));
        Assert.Contains("sue does not supervise queue support (supervises billing)", refused.Message, StringComparison.Ordinal);
        var audit = await host.Recorder.WaitFor<MonitoringChanged>(m => m.SupervisorId == "sue");
        Assert.Equal((MonitoringPhase.Refused, MonitorMode.Listen, (Guid?)callId, "alice"), (audit.Phase, audit.Mode, audit.CallId, audit.AgentId));
        Assert.StartsWith("sue does not supervise queue support", audit.Reason, StringComparison.Ordinal);
        var seen = await billingOnly.NextMonitoring(m => m.SupervisorId == "sue");
        Assert.Equal(MonitoringPhase.Refused, seen.Phase);

        // Supervisor of support (and billing): carried out. Their MonitorCall, published after sue's refusal, is the signal
        // that sue's request published none.
        await using var supportToo = HubClient.ForBoard(host, DesktopTestHost.Token("sam", "supervisor", "Sam", ["billing", "Support"]));
        await supportToo.Connection.StartAsync();
        await supportToo.Connection.InvokeAsync("Monitor", "alice", MonitorMode.Whisper);
        var command = await host.Recorder.WaitFor<MonitorCall>(c => c.SupervisorId == "sam");
        Assert.Equal((MonitorMode.Whisper, (Guid?)callId), (command.Mode, command.CallId));
        Assert.Single(host.Recorder.All<MonitorCall>());

        // The board's agent row carries the call's queue, for its buttons.
        await host.Publish(Calls.State("alice", AgentState.OnCall, AgentState.Reserved, callId: callId));
        await supportToo.NextBoardAgents(list => list.Any(a => a.AgentId == "alice" && a.State == AgentState.OnCall && a.Queue == "support"));
    }

    [Fact]
    public async Task Boards_see_every_step_and_the_agent_does_not_by_default()
    {
        await using var host = await DesktopTestHost.StartAsync();
        await using var alice = await HubClient.ConnectAgent(host, "alice");
        var callId = await AliceOnACallAsync(host, alice);
        await using var board = await HubClient.ConnectBoard(host, "tina");

        await host.Publish(Step(callId, MonitoringPhase.Started, MonitorMode.Listen));
        var seen = await board.NextMonitoring();
        Assert.Equal(("sam", MonitorMode.Listen, MonitoringPhase.Started), (seen.SupervisorId, seen.Mode, seen.Phase));

        // The call's end reaches alice after the step: by then a monitoring push would have come first.
        await host.Publish(Calls.Ended(callId, "alice"));
        await alice.NextCall(c => c.Phase == CallPhase.WrapUp);
        Assert.Equal(0, alice.MonitoringWaiting);
    }

    [Fact]
    public async Task With_the_setting_on_the_agent_is_told_who_is_in_the_call_and_in_which_mode()
    {
        await using var host = await DesktopTestHost.StartAsync(new Dictionary<string, string?> { ["Desktop:Monitoring:AgentSeesMonitoring"] = "true" });
        await using var alice = await HubClient.ConnectAgent(host, "alice");
        var callId = await AliceOnACallAsync(host, alice);

        await host.Publish(Step(callId, MonitoringPhase.Started, MonitorMode.Whisper));
        var told = await alice.NextMonitoring();
        Assert.Equal(("sam", MonitorMode.Whisper), (told.SupervisorId, told.Mode));
        await host.Publish(Step(callId, MonitoringPhase.Ended, MonitorMode.Whisper, 2));
        Assert.Equal(MonitoringPhase.Ended, (await alice.NextMonitoring()).Phase);
    }

    [Fact]
    public async Task A_take_over_moves_the_agents_call_into_wrap_up_naming_the_supervisor()
    {
        await using var host = await DesktopTestHost.StartAsync();
        await using var alice = await HubClient.ConnectAgent(host, "alice");
        var callId = await AliceOnACallAsync(host, alice);

        await host.Publish(new CallTakenOver { CallId = callId, AgentId = "alice", SupervisorId = "sam", OccurredAt = TimeProvider.System.GetUtcNow() });
        var wrapUp = await alice.NextCall(c => c.Phase == CallPhase.WrapUp);
        Assert.Equal("taken over by sam", wrapUp.EndReason);
    }
}
