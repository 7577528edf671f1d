using ContactCenter.Contracts;

namespace ContactCenter.Telephony.Tests.Gateway.Session;

/// <summary>
/// Leg B of an inbound call (<c>AgentLegConnector</c> and the session around it) with fake legs and a fake clock: the ring
/// timeout against the agent's answer in every order, and the caller hanging up while the agent's answer is in flight.
/// Every test ends with a positive signal (the call's CallEnded) before counting what was published.
/// </summary>
public sealed class AgentLegTests : IAsyncLifetime
{
    private readonly TestGateway gw = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await gw.DisposeAsync();

    [Fact]
    public async Task The_agent_answering_bridges_the_legs_and_routing_hears_of_it_once()
    {
        var (session, caller) = await gw.QueuedCallAsync();
        gw.Sip.Register("alice");
        session.ConnectAgent(gw.Ring(session.CallId) with { Record = true });

        var invite = await gw.Sip.InviteAsync(1);
        Assert.Equal("sip:alice@127.0.0.1:5062", invite.Options.Target.ToString());
        Assert.Equal(TestGateway.Ani, invite.Options.From!.Uri.User);
        Assert.Contains(new KeyValuePair<string, string>("X-ContactCenter-Call", session.CallId.ToString()), invite.Options.Headers);
        var agent = invite.Answer();

        var connected = await gw.Bus.WaitForAsync<CallConnected>();
        Assert.Equal(("alice", "support"), (connected.AgentId, connected.Queue));
        var bridge = Assert.Single(gw.Media.Bridges);
        Assert.Same(gw.Media.Session("-a"), bridge.Caller);
        Assert.Same(gw.Media.Session("-b"), bridge.Agent);
        Assert.EndsWith($"-{session.CallId:N}.wav", bridge.RecordingPath);
        Assert.NotNull(gw.Media.Session("-b").Remote); // the phone's SDP answer applied

        agent.HangUp();
        var ended = await gw.Bus.WaitForAsync<CallEnded>();
        Assert.Equal((CallOutcome.Answered, CallParty.Agent, "alice"), (ended.Outcome, ended.EndedBy, ended.AgentId));
        Assert.Equal("agent hung up (BYE)", ended.Reason);
        Assert.Equal(bridge.RecordingPath, ended.RecordingPath);
        Assert.Equal(1, caller.Dialog!.ByesSent);
        Assert.Equal(0, agent.ByesSent); // alice hung up herself
        Assert.Equal("CallReceived, CallQueued, CallConnected, CallEnded", gw.Bus.Sequence);
    }

    [Fact]
    public async Task An_agent_whose_browser_connection_closes_while_talking_ends_the_call_and_the_caller_gets_a_bye()
    {
        var (session, caller) = await gw.QueuedCallAsync();
        gw.Sip.Register("alice");
        session.ConnectAgent(gw.Ring(session.CallId));
        var agent = (await gw.Sip.InviteAsync(1)).Answer();
        await gw.Bus.WaitForAsync<CallConnected>();

        agent.Drop(); // alice's tab closed: her WebSocket, and the dialog on it, are gone
        var ended = await gw.Bus.WaitForAsync<CallEnded>();
        Assert.Equal((CallOutcome.Answered, CallParty.Agent, "alice"), (ended.Outcome, ended.EndedBy, ended.AgentId));
        Assert.Equal("agent hung up (connection closed)", ended.Reason);
        Assert.Equal(1, caller.Dialog!.ByesSent);
        Assert.Equal(0, agent.ByesSent); // nothing can be sent down a closed connection
        Assert.Equal("CallReceived, CallQueued, CallConnected, CallEnded", gw.Bus.Sequence);
    }

    [Fact]
    public async Task A_caller_whose_browser_connection_closes_while_talking_ends_the_call_and_the_agent_gets_a_bye()
    {
        var (session, caller) = await gw.QueuedCallAsync();
        gw.Sip.Register("alice");
        session.ConnectAgent(gw.Ring(session.CallId));
        var agent = (await gw.Sip.InviteAsync(1)).Answer();
        await gw.Bus.WaitForAsync<CallConnected>();

        caller.Dialog!.Drop();
        var ended = await gw.Bus.WaitForAsync<CallEnded>();
        Assert.Equal((CallOutcome.Answered, CallParty.Caller, "caller hung up (connection closed)"), (ended.Outcome, ended.EndedBy, ended.Reason));
        Assert.Equal(1, agent.ByesSent);
        Assert.Equal(0, caller.Dialog.ByesSent);
    }

    [Fact]
    public async Task Ring_timeout_first_cancels_the_invite_and_the_agents_late_200_is_hung_up_with_one_no_answer()
    {
        var (session, caller) = await gw.QueuedCallAsync();
        gw.Sip.Register("alice");
        session.ConnectAgent(gw.Ring(session.CallId));
        var invite = await gw.Sip.InviteAsync(1);

        gw.Time.Advance(TimeSpan.FromSeconds(14.9));
        await TestGateway.DrainAsync(session.Mailbox);
        Assert.False(invite.Cancelled);
        gw.Time.Advance(TimeSpan.FromSeconds(0.1));
        await Wait.UntilAsync(() => invite.Cancelled, "the ring timeout did not cancel the INVITE");

        var late = invite.Answer(); // the 200 crosses our CANCEL: the stack ACKs it and hangs up (RFC 3261 §9.1)
        var noAnswer = await gw.Bus.WaitForAsync<AgentNoAnswer>();
        Assert.Equal(("alice", "ring timeout"), (noAnswer.AgentId, noAnswer.Reason));
        Assert.Equal(1, late.ByesSent);
        Assert.True(gw.Media.Session("-b").Disposed);

        caller.Dialog!.HangUp();
        var ended = await gw.Bus.WaitForAsync<CallEnded>();
        Assert.Equal((CallOutcome.Abandoned, CallParty.Caller, null), (ended.Outcome, ended.EndedBy, ended.AgentId));
        Assert.Equal("CallReceived, CallQueued, AgentNoAnswer, CallEnded", gw.Bus.Sequence);
        Assert.Empty(gw.Media.Bridges);
    }

    [Fact]
    public async Task Ring_timeout_handled_before_an_answer_the_stack_already_has_connects_once_without_a_cancel()
    {
        var (session, caller) = await gw.QueuedCallAsync();
        gw.Sip.Register("alice");
        session.ConnectAgent(gw.Ring(session.CallId));
        var invite = await gw.Sip.InviteAsync(1);

        var agent = invite.AnswerAtStack(); // the 200 is in: a CANCEL can no longer undo it
        using (var hold = await TestGateway.HoldAsync(session.Mailbox))
        {
            gw.Time.Advance(TimeSpan.FromSeconds(15)); // the ring timer is handled first...
            await hold.QueuedAsync(1);
            invite.Deliver(); // ...then the answer
            await hold.QueuedAsync(2);
        }

        var connected = await gw.Bus.WaitForAsync<CallConnected>();
        Assert.Equal("alice", connected.AgentId);
        Assert.Single(gw.Media.Bridges);
        caller.Dialog!.HangUp();
        var ended = await gw.Bus.WaitForAsync<CallEnded>();
        Assert.Equal((CallOutcome.Answered, CallParty.Caller, "alice"), (ended.Outcome, ended.EndedBy, ended.AgentId));
        Assert.Equal("CallReceived, CallQueued, CallConnected, CallEnded", gw.Bus.Sequence);
        Assert.Equal(1, agent.ByesSent); // the caller's BYE released alice's leg, once
    }

    [Fact]
    public async Task An_answer_handled_before_the_ring_timer_fires_connects_once_and_the_timer_does_nothing()
    {
        var (session, caller) = await gw.QueuedCallAsync();
        gw.Sip.Register("alice");
        session.ConnectAgent(gw.Ring(session.CallId));
        var invite = await gw.Sip.InviteAsync(1);

        FakeDialog agent;
        using (var hold = await TestGateway.HoldAsync(session.Mailbox))
        {
            agent = invite.Answer(); // the answer is queued first...
            await hold.QueuedAsync(1);
            gw.Time.Advance(TimeSpan.FromSeconds(15)); // ...then the timer fires
            await hold.QueuedAsync(2);
        }

        await gw.Bus.WaitForAsync<CallConnected>();
        await TestGateway.DrainAsync(session.Mailbox);
        Assert.False(invite.Cancelled);
        Assert.Equal(0, agent.ByesSent);

        caller.Dialog!.HangUp();
        await gw.Bus.WaitForAsync<CallEnded>();
        Assert.Equal("CallReceived, CallQueued, CallConnected, CallEnded", gw.Bus.Sequence);
    }

    [Fact]
    public async Task After_a_ring_timeout_the_next_agent_is_rung_on_a_new_leg()
    {
        var (session, _) = await gw.QueuedCallAsync();
        gw.Sip.Register("alice");
        gw.Sip.Register("bob");
        session.ConnectAgent(gw.Ring(session.CallId));
        var first = await gw.Sip.InviteAsync(1);
        gw.Time.Advance(TimeSpan.FromSeconds(15));
        await Wait.UntilAsync(() => first.Cancelled, "not cancelled");
        first.Fail(487);
        await gw.Bus.WaitForAsync<AgentNoAnswer>();

        session.ConnectAgent(gw.Ring(session.CallId, "bob"));
        var second = await gw.Sip.InviteAsync(2);
        Assert.Equal("bob", second.Options.To!.Uri.User);
        second.Answer();
        var connected = await gw.Bus.WaitForAsync<CallConnected>();
        Assert.Equal("bob", connected.AgentId);
        Assert.Same(gw.Media.Session("-b2"), Assert.Single(gw.Media.Bridges).Agent);
    }

    [Theory]
    [InlineData(486, "486 Busy Here")]
    [InlineData(603, "603 Decline")]
    public async Task A_phone_that_refuses_is_a_no_answer_with_its_status(int status, string reason)
    {
        var (session, _) = await gw.QueuedCallAsync();
        gw.Sip.Register("alice");
        session.ConnectAgent(gw.Ring(session.CallId));
        (await gw.Sip.InviteAsync(1)).Fail(status);

        var noAnswer = await gw.Bus.WaitForAsync<AgentNoAnswer>();
        Assert.Equal(reason, noAnswer.Reason);
    }

    [Fact]
    public async Task An_agent_without_a_registered_phone_is_a_no_answer_and_nothing_is_dialled()
    {
        var (session, _) = await gw.QueuedCallAsync();
        session.ConnectAgent(gw.Ring(session.CallId, "carol"));

        var noAnswer = await gw.Bus.WaitForAsync<AgentNoAnswer>();
        Assert.Equal(("carol", "agent phone not registered"), (noAnswer.AgentId, noAnswer.Reason));
        Assert.Empty(gw.Sip.Calls);
    }

    [Fact]
    public async Task The_caller_hanging_up_before_the_agents_answer_is_handled_releases_the_answered_agent_once()
    {
        var (session, caller) = await gw.QueuedCallAsync();
        gw.Sip.Register("alice");
        session.ConnectAgent(gw.Ring(session.CallId));
        var invite = await gw.Sip.InviteAsync(1);

        FakeDialog agent;
        using (var hold = await TestGateway.HoldAsync(session.Mailbox))
        {
            caller.Dialog!.HangUp(); // the caller's BYE is queued first...
            await hold.QueuedAsync(1);
            agent = invite.Answer(); // ...then alice's 200
            await hold.QueuedAsync(2);
        }

        await session.Finished;
        Assert.Equal(1, agent.ByesSent);
        Assert.True(gw.Media.Session("-b").Disposed);
        var ended = Assert.Single(gw.Bus.All<CallEnded>());
        Assert.Equal((CallOutcome.Abandoned, CallParty.Caller, null), (ended.Outcome, ended.EndedBy, ended.AgentId));
        Assert.Equal("CallReceived, CallQueued, CallEnded", gw.Bus.Sequence);
        Assert.Empty(gw.Media.Bridges);
    }

    [Fact]
    public async Task The_agents_answer_arriving_after_the_caller_hung_up_and_the_call_ended_is_hung_up()
    {
        var (session, caller) = await gw.QueuedCallAsync();
        gw.Sip.Register("alice");
        session.ConnectAgent(gw.Ring(session.CallId));
        var invite = await gw.Sip.InviteAsync(1);

        var agent = invite.AnswerAtStack(); // alice's 200 reached the stack; our CANCEL can no longer undo it
        caller.Dialog!.HangUp();
        await session.Finished; // CallEnded published, the mailbox closed
        invite.Deliver(); // only now does the session's ring task hear of the answer

        await Wait.UntilAsync(() => agent.ByesSent == 1, "alice's answered leg was left up after the call ended");
        var ended = Assert.Single(gw.Bus.All<CallEnded>());
        Assert.Equal((CallOutcome.Abandoned, CallParty.Caller), (ended.Outcome, ended.EndedBy));
        Assert.Equal("CallReceived, CallQueued, CallEnded", gw.Bus.Sequence);
    }

    [Fact]
    public async Task The_caller_hanging_up_after_the_agent_answered_ends_the_call_as_answered_and_releases_the_agent()
    {
        var call = await gw.ConnectedCallAsync();

        call.Caller.HangUp();
        await call.Session.Finished;
        Assert.Equal(1, call.Agent.ByesSent);
        Assert.Equal(0, call.Caller.ByesSent);
        var ended = Assert.Single(gw.Bus.All<CallEnded>());
        Assert.Equal((CallOutcome.Answered, CallParty.Caller, "alice", "caller hung up (BYE)"), (ended.Outcome, ended.EndedBy, ended.AgentId, ended.Reason));
        Assert.True(Assert.Single(gw.Media.Bridges).Disposed);
    }

    [Fact]
    public async Task The_caller_hanging_up_while_the_agent_rings_cancels_the_invite()
    {
        var (session, caller) = await gw.QueuedCallAsync();
        gw.Sip.Register("alice");
        session.ConnectAgent(gw.Ring(session.CallId));
        var invite = await gw.Sip.InviteAsync(1);

        caller.Dialog!.HangUp();
        await session.Finished;
        Assert.True(invite.Cancelled);
        var ended = Assert.Single(gw.Bus.All<CallEnded>());
        Assert.Equal((CallOutcome.Abandoned, CallParty.Caller), (ended.Outcome, ended.EndedBy));
        invite.Fail(487);
    }
}
