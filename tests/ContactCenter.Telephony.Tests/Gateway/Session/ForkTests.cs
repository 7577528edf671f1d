using ContactCenter.Contracts;

namespace ContactCenter.Telephony.Tests.Gateway.Session;

/// <summary>
/// An agent with several registered phones (a browser and a desk phone, two desk phones): every one rings, the first
/// answer wins, the others are CANCELled, and a 2xx that crossed the CANCEL is hung up. Fake legs, as in AgentLegTests.
/// </summary>
public sealed class ForkTests : IAsyncLifetime
{
    private readonly TestGateway gw = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await gw.DisposeAsync();

    [Fact]
    public async Task Every_registered_phone_rings_the_first_answer_is_bridged_and_the_other_is_cancelled()
    {
        var (session, _) = await gw.QueuedCallAsync();
        gw.Sip.AddPhone("alice", 5062);
        gw.Sip.AddPhone("alice", 5064);
        session.ConnectAgent(gw.Ring(session.CallId));

        var desk = await gw.Sip.InviteAsync(1);
        var second = await gw.Sip.InviteAsync(2);
        Assert.Equal(("sip:alice@127.0.0.1:5062", "sip:alice@127.0.0.1:5064"), (desk.Options.Target.ToString(), second.Options.Target.ToString()));
        Assert.NotEqual(desk.Options.Offer!.Media[0].Port, second.Options.Offer!.Media[0].Port); // each phone has its own media

        second.Answer();
        var connected = await gw.Bus.WaitForAsync<CallConnected>();
        Assert.Equal("alice", connected.AgentId);
        await Wait.UntilAsync(() => desk.Cancelled, "the desk phone was not cancelled");
        desk.Fail(487);

        var bridge = Assert.Single(gw.Media.Bridges);
        Assert.Same(gw.Media.Session("-b.2"), bridge.Agent);
        await Wait.UntilAsync(() => gw.Media.Session("-b").Disposed, "the losing phone's media was not released");
        Assert.False(gw.Media.Session("-b.2").Disposed);
        Assert.Equal("CallReceived, CallQueued, CallConnected", gw.Bus.Sequence);
    }

    [Fact]
    public async Task A_second_answer_that_crossed_the_cancel_is_hung_up_and_the_call_stays_with_the_first()
    {
        var (session, _) = await gw.QueuedCallAsync();
        gw.Sip.AddPhone("alice", 5062);
        gw.Sip.AddPhone("alice", 5064);
        session.ConnectAgent(gw.Ring(session.CallId));
        var first = await gw.Sip.InviteAsync(1);
        var second = await gw.Sip.InviteAsync(2);

        var late = second.AnswerAtStack(); // its 200 reached the stack before our CANCEL could
        var winner = first.Answer();
        await gw.Bus.WaitForAsync<CallConnected>();
        second.Deliver();
        await Wait.UntilAsync(() => late.ByesSent == 1, "the late answer was not hung up");
        Assert.Equal(0, winner.ByesSent);

        winner.HangUp();
        var ended = await gw.Bus.WaitForAsync<CallEnded>();
        Assert.Equal(("alice", "agent hung up (BYE)"), (ended.AgentId, ended.Reason));
        Assert.Equal("CallReceived, CallQueued, CallConnected, CallEnded", gw.Bus.Sequence);
    }

    [Fact]
    public async Task No_phone_answering_reports_the_most_telling_refusal_once()
    {
        var (session, _) = await gw.QueuedCallAsync();
        gw.Sip.AddPhone("alice", 5062);
        gw.Sip.AddPhone("alice", 5064);
        session.ConnectAgent(gw.Ring(session.CallId));
        var first = await gw.Sip.InviteAsync(1);
        var second = await gw.Sip.InviteAsync(2);

        first.Fail(480);
        second.Fail(486);
        var missed = await gw.Bus.WaitForAsync<AgentNoAnswer>();
        Assert.Equal("alice", missed.AgentId);
        Assert.Equal("486 Busy Here", missed.Reason); // busy says more than 480
        await Wait.UntilAsync(() => gw.Media.Session("-b").Disposed && gw.Media.Session("-b.2").Disposed, "the phones' media was not released");
        Assert.Equal("CallReceived, CallQueued, AgentNoAnswer", gw.Bus.Sequence);
    }

    [Fact]
    public async Task The_ring_timeout_cancels_every_phone_and_routing_hears_of_one_missed_ring()
    {
        var (session, _) = await gw.QueuedCallAsync();
        gw.Sip.AddPhone("alice", 5062);
        gw.Sip.AddPhone("alice", 5064);
        session.ConnectAgent(gw.Ring(session.CallId, ringSeconds: 15));
        var first = await gw.Sip.InviteAsync(1);
        var second = await gw.Sip.InviteAsync(2);
        await TestGateway.DrainAsync(session.Mailbox); // the ring timer is set

        gw.Time.Advance(TimeSpan.FromSeconds(15));
        await Wait.UntilAsync(() => first.Cancelled && second.Cancelled, "not every phone was cancelled");
        first.Fail(487);
        second.Fail(487);
        var missed = await gw.Bus.WaitForAsync<AgentNoAnswer>();
        Assert.Equal("ring timeout", missed.Reason);
        Assert.Equal("CallReceived, CallQueued, AgentNoAnswer", gw.Bus.Sequence);
    }
}

/// <summary>The directory's phone kind picks which of the agent's registered phones ring.</summary>
public sealed class PhoneKindTests : IAsyncLifetime
{
    private readonly TestGateway gw = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await gw.DisposeAsync();

    [Fact]
    public async Task An_agent_whose_directory_says_browser_is_not_rung_on_a_SIP_phone_and_routing_hears_why()
    {
        var (session, _) = await gw.QueuedCallAsync();
        gw.Sip.AddPhone("alice", 5062);
        session.ConnectAgent(gw.Ring(session.CallId) with { Phone = PhoneKind.Browser });

        var missed = await gw.Bus.WaitForAsync<AgentNoAnswer>();
        Assert.Equal("agent phone not registered (the directory says browser; only SIP phones are registered)", missed.Reason);
        Assert.Empty(gw.Sip.Calls);
    }

    [Fact]
    public async Task An_agent_whose_directory_says_sip_rings_on_their_SIP_phones()
    {
        var (session, _) = await gw.QueuedCallAsync();
        gw.Sip.AddPhone("alice", 5062);
        gw.Sip.AddPhone("alice", 5064);
        session.ConnectAgent(gw.Ring(session.CallId) with { Phone = PhoneKind.Sip });

        await gw.Sip.InviteAsync(2);
        (await gw.Sip.InviteAsync(1)).Answer();
        Assert.Equal("alice", (await gw.Bus.WaitForAsync<CallConnected>()).AgentId);
    }
}
