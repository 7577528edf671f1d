using ContactCenter.Contracts;
using ContactCenter.Telephony.Tests.Gateway.Session;

namespace ContactCenter.Telephony.Tests.Gateway.Monitoring;

/// <summary>
/// A supervisor in alice's call (issue 18), with fake legs: the supervisor's phone is rung, joins the bridge with the
/// mode's mix matrix, switches modes from the board and by DTMF 4/5/6, leaves, hangs up, takes over; each step is
/// published for the audit.
/// </summary>
public sealed class MonitoringTests : IAsyncLifetime
{
    // Matrices as the fake bridge writes them: listener<source, by leg id suffix (a caller, b agent, s supervisor).
    private const string Listen = "a<b b<a s<a s<b";
    private const string Whisper = "a<b b<a b<s s<a s<b";
    private const string Barge = "a<b a<s b<a b<s s<a s<b";

    private readonly TestGateway gw = new();
    private ConnectedCall call = null!;

    public async Task InitializeAsync()
    {
        call = await gw.ConnectedCallAsync();
        gw.Sip.Register("sam");
    }

    public async Task DisposeAsync() => await gw.DisposeAsync();

    private MonitorCall Ask(MonitorMode mode, string supervisor = "sam", string agent = "alice") => new()
    {
        AgentId = agent,
        SupervisorId = supervisor,
        Mode = mode,
        CallId = call.Session.CallId,
        OccurredAt = gw.Time.GetUtcNow(),
    };

    private FakeBridge Bridge => Assert.Single(gw.Media.Bridges);

    /// <summary>sam asks for <paramref name="mode"/>; his phone (the second INVITE) rings and answers.</summary>
    private async Task<(FakeDialledCall Invite, FakeDialog Dialog)> JoinAsync(MonitorMode mode)
    {
        call.Session.Monitor(Ask(mode));
        var invite = await gw.Sip.InviteAsync(2);
        var dialog = invite.Answer();
        await gw.Bus.WaitForAsync<MonitoringChanged>(m => m.Phase == MonitoringPhase.Started);
        return (invite, dialog);
    }

    [Fact]
    public async Task Listen_rings_the_supervisors_phone_and_joins_it_hearing_both_heard_by_none()
    {
        var (invite, _) = await JoinAsync(MonitorMode.Listen);

        Assert.Equal("sam", invite.Options.To!.Uri.User);
        Assert.Equal("monitor-alice", invite.Options.From!.Uri.User);
        Assert.Equal([$"join s: {Listen}"], Bridge.Mixes);
        var events = gw.Bus.All<MonitoringChanged>();
        Assert.Equal([MonitoringPhase.Ringing, MonitoringPhase.Started], events.Select(e => e.Phase));
        Assert.All(events, e => Assert.Equal((call.Session.CallId, "alice", "sam", MonitorMode.Listen), (e.CallId!.Value, e.AgentId, e.SupervisorId, e.Mode)));
        Assert.Equal([1, 2], events.Select(e => e.Sequence));
        Assert.Single(events.Select(e => e.MonitoringId).Distinct());
    }

    [Fact]
    public async Task Modes_switch_from_the_board_and_by_dtmf_4_5_6_without_a_new_leg()
    {
        await JoinAsync(MonitorMode.Whisper);
        call.Session.Monitor(Ask(MonitorMode.Barge));
        await gw.Bus.WaitForAsync<MonitoringChanged>(m => m.Mode == MonitorMode.Barge);

        var phone = gw.Media.Session("-s");
        phone.Press('4');
        await gw.Bus.WaitForAsync<MonitoringChanged>(m => m.Phase == MonitoringPhase.ModeChanged && m.Reason == "DTMF 4");
        phone.Press('7'); // not a mode key: nothing
        phone.Press('5');
        await gw.Bus.WaitForAsync<MonitoringChanged>(m => m.Reason == "DTMF 5");
        phone.Press('6');
        await gw.Bus.WaitForAsync<MonitoringChanged>(m => m.Reason == "DTMF 6");

        Assert.Equal([$"join s: {Whisper}", $"mix: {Barge}", $"mix: {Listen}", $"mix: {Whisper}", $"mix: {Barge}"], Bridge.Mixes);
        Assert.Equal(2, gw.Sip.Calls.Count); // alice's leg and sam's: switching never redials
        Assert.Equal(
            [MonitorMode.Whisper, MonitorMode.Whisper, MonitorMode.Barge, MonitorMode.Listen, MonitorMode.Whisper, MonitorMode.Barge],
            gw.Bus.All<MonitoringChanged>().Select(m => m.Mode));
    }

    [Fact]
    public async Task The_supervisor_hanging_up_leaves_the_call_as_it_was()
    {
        var (_, dialog) = await JoinAsync(MonitorMode.Barge);

        dialog.HangUp();
        var ended = await gw.Bus.WaitForAsync<MonitoringChanged>(m => m.Phase == MonitoringPhase.Ended);

        Assert.Equal("supervisor hung up (BYE)", ended.Reason);
        Assert.Equal([$"join s: {Barge}", "leave s"], Bridge.Mixes);
        Assert.False(Bridge.Disposed);
        Assert.True(gw.Media.Session("-s").Disposed);
        Assert.Equal(0, call.Agent.ByesSent);
        Assert.Equal(0, call.Caller.ByesSent);
        Assert.Empty(gw.Bus.All<CallEnded>());

        // The call goes on: alice hangs up later, as usual.
        call.Agent.HangUp();
        var callEnded = await gw.Bus.WaitForAsync<CallEnded>();
        Assert.Equal("alice", callEnded.AgentId);
    }

    [Fact]
    public async Task Leave_from_the_board_hangs_up_the_supervisors_phone()
    {
        var (_, dialog) = await JoinAsync(MonitorMode.Listen);

        call.Session.Monitor(Ask(MonitorMode.Leave));
        var ended = await gw.Bus.WaitForAsync<MonitoringChanged>(m => m.Phase == MonitoringPhase.Ended);

        Assert.Equal("left from the board", ended.Reason);
        Assert.Equal(1, dialog.ByesSent);
        Assert.Equal([$"join s: {Listen}", "leave s"], Bridge.Mixes);
        Assert.Empty(gw.Bus.All<CallEnded>());
    }

    [Fact]
    public async Task The_agent_hanging_up_while_monitored_ends_the_supervisors_leg_too()
    {
        var (_, dialog) = await JoinAsync(MonitorMode.Listen);

        call.Agent.HangUp();
        var ended = await gw.Bus.WaitForAsync<MonitoringChanged>(m => m.Phase == MonitoringPhase.Ended);
        await gw.Bus.WaitForAsync<CallEnded>();

        Assert.StartsWith("the call ended (agent hung up", ended.Reason, StringComparison.Ordinal);
        Assert.Equal(1, dialog.ByesSent);
        Assert.Equal(1, call.Caller.ByesSent);
        Assert.Equal("CallReceived, CallQueued, CallConnected, MonitoringChanged, MonitoringChanged, MonitoringChanged, CallEnded", gw.Bus.Sequence);
    }

    [Fact]
    public async Task Take_over_releases_the_agent_and_the_supervisor_becomes_the_calls_agent()
    {
        var (_, dialog) = await JoinAsync(MonitorMode.Listen);

        call.Session.Monitor(Ask(MonitorMode.TakeOver));
        var taken = await gw.Bus.WaitForAsync<CallTakenOver>();
        Assert.Equal((call.Session.CallId, "alice", "sam"), (taken.CallId, taken.AgentId, taken.SupervisorId));
        await Wait.UntilAsync(() => call.Agent.ByesSent == 1, "alice's leg was not hung up");
        Assert.Equal([$"join s: {Listen}", "leave b: a<s s<a"], Bridge.Mixes);
        Assert.Equal("sam", call.Session.ConnectedAgentId);

        // The agent's BYE crossing ours changes nothing; the caller's end names sam and hangs up his phone.
        call.Agent.HangUp();
        call.Caller.HangUp();
        var ended = await gw.Bus.WaitForAsync<CallEnded>();
        Assert.Equal(("sam", CallParty.Caller), (ended.AgentId, ended.EndedBy));
        Assert.Equal(1, dialog.ByesSent);
        var phases = gw.Bus.All<MonitoringChanged>().Select(m => (m.Phase, m.Mode));
        Assert.Equal([(MonitoringPhase.Ringing, MonitorMode.Listen), (MonitoringPhase.Started, MonitorMode.Listen), (MonitoringPhase.ModeChanged, MonitorMode.TakeOver), (MonitoringPhase.Ended, MonitorMode.TakeOver)], phases);
    }

    [Fact]
    public async Task After_a_take_over_the_supervisor_hanging_up_ends_the_call()
    {
        var (_, dialog) = await JoinAsync(MonitorMode.TakeOver);
        await gw.Bus.WaitForAsync<CallTakenOver>();

        dialog.HangUp();
        var ended = await gw.Bus.WaitForAsync<CallEnded>();
        Assert.Equal(("sam", CallParty.Agent), (ended.AgentId, ended.EndedBy));
        Assert.Equal(1, call.Caller.ByesSent);
    }

    [Fact]
    public async Task Requests_that_cannot_be_carried_out_are_refused_with_a_reason()
    {
        call.Session.Monitor(Ask(MonitorMode.Listen, supervisor: "nobody"));
        var unregistered = await gw.Bus.WaitForAsync<MonitoringChanged>(m => m.SupervisorId == "nobody");
        Assert.Equal((MonitoringPhase.Refused, "nobody's phone is not registered"), (unregistered.Phase, unregistered.Reason));

        call.Session.Monitor(Ask(MonitorMode.Listen, agent: "bob"));
        var wrongAgent = await gw.Bus.WaitForAsync<MonitoringChanged>(m => m.AgentId == "bob");
        Assert.Equal((MonitoringPhase.Refused, "bob is not connected on this call"), (wrongAgent.Phase, wrongAgent.Reason));

        await JoinAsync(MonitorMode.Listen);
        gw.Sip.Register("tina");
        call.Session.Monitor(Ask(MonitorMode.Barge, supervisor: "tina"));
        var second = await gw.Bus.WaitForAsync<MonitoringChanged>(m => m.SupervisorId == "tina");
        Assert.Equal((MonitoringPhase.Refused, "sam is already in this call"), (second.Phase, second.Reason));
        Assert.Equal(2, gw.Sip.Calls.Count);
    }

    [Fact]
    public async Task A_supervisors_phone_that_does_not_answer_ends_the_session_and_the_call_is_untouched()
    {
        call.Session.Monitor(Ask(MonitorMode.Listen));
        var invite = await gw.Sip.InviteAsync(2);
        invite.Fail(486);

        var ended = await gw.Bus.WaitForAsync<MonitoringChanged>(m => m.Phase == MonitoringPhase.Ended);
        Assert.Equal("supervisor's phone did not answer (486 Busy Here)", ended.Reason);
        Assert.Empty(Bridge.Mixes);
        Assert.True(gw.Media.Session("-s").Disposed);
    }
}
