using ContactCenter.Contracts;
using ContactCenter.Media.Sessions;
using ContactCenter.Telephony.Gateway.Legs;
using ContactCenter.Telephony.Gateway.Callbacks;
using ContactCenter.Telephony.Gateway.Dialling;
using Microsoft.Extensions.Logging.Abstractions;

namespace ContactCenter.Telephony.Tests.Gateway.Session;

/// <summary>
/// Calls placed with the agent first (<see cref="AgentFirstSession"/>: click to dial and callbacks) with fake legs and a
/// fake clock: the agent's phone rings, then the customer is dialled through the demo's outbound trunk; the races between
/// the agent hanging up and the customer answering.
/// </summary>
public sealed class AgentFirstSessionTests : IAsyncLifetime
{
    private const string Number = "+442079460018";
    private readonly TestGateway gw = new();

    public Task InitializeAsync()
    {
        gw.Sip.Register("alice");
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await gw.DisposeAsync();

    private AgentFirstSession ClickToDial()
    {
        var command = new ConnectOutboundCall
        {
            CallId = Guid.NewGuid(),
            AgentId = "alice",
            Number = Number,
            RingTimeout = TimeSpan.FromSeconds(10),
            OccurredAt = gw.Time.GetUtcNow(),
        };
        var session = new AgentFirstSession(gw.Context, new OutboundStrategy(gw.Context, command, NullLogger.Instance), NullLogger.Instance);
        gw.Start(session, session.RunAsync);
        return session;
    }

    private async Task<AgentFirstSession> CallbackAsync()
    {
        await gw.Ledger.StartAsync();
        var command = new ConnectCallToAgent
        {
            CallId = Guid.NewGuid(),
            AgentId = "alice",
            Queue = "support",
            RingTimeout = TimeSpan.FromSeconds(10),
            IsCallback = true,
            Caller = Number,
            QueuedAt = gw.Time.GetUtcNow().AddMinutes(-20),
            IvrPath = "main>2>support",
            OccurredAt = gw.Time.GetUtcNow(),
        };
        var strategy = new CallbackStrategy(gw.Context, gw.Ledger, command, gw.Ledger.AttemptFor(command.CallId), NullLogger.Instance);
        var session = new AgentFirstSession(gw.Context, strategy, NullLogger.Instance);
        gw.Start(session, session.RunAsync);
        return session;
    }

    /// <summary>The agent's phone rang and alice answered: her dialog and the customer's INVITE, not answered yet.</summary>
    private async Task<(FakeDialog Agent, FakeDialledCall Customer)> AgentAnsweredAsync(AgentFirstSession session)
    {
        var agentInvite = await gw.Sip.InviteAsync(1);
        Assert.Equal(Number, agentInvite.Options.From!.Uri.User); // the phone shows whom it will call
        Assert.Equal("alice", agentInvite.Options.To!.Uri.User);
        var agent = agentInvite.Answer();
        await gw.Bus.WaitForAsync<CallConnected>(m => m.CallId == session.CallId);
        var customer = await gw.Sip.InviteAsync(2);
        return (agent, customer);
    }

    [Fact]
    public async Task Click_to_dial_rings_the_agent_then_dials_the_number_through_the_trunk_and_bridges_on_answer()
    {
        var session = ClickToDial();
        var (agent, customerInvite) = await AgentAnsweredAsync(session);

        Assert.Equal($"sip:{Number}@127.0.0.1:5070", customerInvite.Options.Target.ToString());
        Assert.Equal("+442079460000", customerInvite.Options.From!.Uri.User); // the trunk's caller id
        var agentMedia = gw.Media.Session("-ob");
        Assert.Equal([gw.Config.Prompts.PathOf("callback/agent-intro")], agentMedia.Current!.Paths); // then the ringback, looped
        Assert.Empty(gw.Media.Bridges);

        customerInvite.Ring();
        var customer = customerInvite.Answer();
        await Wait.UntilAsync(() => gw.Media.Bridges.Count == 1, "not bridged");
        Assert.Same(gw.Media.Session("-cob"), gw.Media.Bridges[0].Caller);
        Assert.Same(agentMedia, gw.Media.Bridges[0].Agent);

        customer.HangUp();
        await session.Finished;
        var ended = Assert.Single(gw.Bus.All<CallEnded>());
        Assert.Equal((CallOutcome.Answered, CallParty.Caller, CallDirection.Outbound, Number), (ended.Outcome, ended.EndedBy, ended.Direction, ended.Dialled));
        Assert.Equal(1, agent.ByesSent);
        Assert.Equal("CallConnected, CallEnded", gw.Bus.Sequence);
    }

    [Fact]
    public async Task The_agent_hanging_up_while_the_customer_rings_cancels_the_customers_invite()
    {
        var session = ClickToDial();
        var (agent, customerInvite) = await AgentAnsweredAsync(session);
        customerInvite.Ring();

        agent.HangUp();
        await session.Finished;
        Assert.True(customerInvite.Cancelled);
        customerInvite.Fail(487); // the carrier confirms the CANCEL

        var ended = Assert.Single(gw.Bus.All<CallEnded>());
        Assert.Equal((CallOutcome.NoAnswer, CallParty.Agent, "agent hung up before the customer answered"), (ended.Outcome, ended.EndedBy, ended.Reason));
        Assert.Equal((CallDirection.Outbound, Number), (ended.Direction, ended.Dialled));
        Assert.Empty(gw.Media.Bridges);
        Assert.Equal(0, agent.ByesSent);
    }

    [Fact]
    public async Task The_agents_browser_connection_closing_while_the_customer_rings_cancels_the_customers_invite()
    {
        var session = ClickToDial();
        var (agent, customerInvite) = await AgentAnsweredAsync(session);
        customerInvite.Ring();

        agent.Drop();
        await session.Finished;
        Assert.True(customerInvite.Cancelled);
        customerInvite.Fail(487);

        var ended = Assert.Single(gw.Bus.All<CallEnded>());
        Assert.Equal((CallOutcome.NoAnswer, CallParty.Agent), (ended.Outcome, ended.EndedBy));
        Assert.Empty(gw.Media.Bridges);
        Assert.Equal(0, agent.ByesSent);
    }

    [Fact]
    public async Task A_customer_answering_after_the_agent_hung_up_is_hung_up_at_once_and_never_bridged()
    {
        var session = await CallbackAsync();
        var (agent, customerInvite) = await AgentAnsweredAsync(session);
        customerInvite.Ring();

        var customer = customerInvite.AnswerAtStack(); // the 200 crosses our CANCEL
        agent.HangUp();
        await session.Finished;
        customerInvite.Deliver();

        await Wait.UntilAsync(() => customer.ByesSent == 1, "the customer's answered leg was left up");
        Assert.Empty(gw.Media.Bridges);
        var ended = Assert.Single(gw.Bus.All<CallEnded>());
        Assert.Equal((CallOutcome.NoAnswer, CallParty.Agent, CallDirection.Callback), (ended.Outcome, ended.EndedBy, ended.Direction));
        Assert.Equal("agent hung up before the customer answered", ended.Reason);
        // The customer was never reached: the promise stands, attempt 2 is owed after the queue's retry interval.
        Assert.Equal((1, gw.Time.GetUtcNow().AddMinutes(5)), (ended.Attempt, ended.RetryAt));
        Assert.Equal(1, gw.Ledger.PendingCount);
    }

    [Fact]
    public async Task A_busy_customer_ends_the_callback_attempt_as_busy_with_a_retry_owed()
    {
        var session = await CallbackAsync();
        var (agent, customerInvite) = await AgentAnsweredAsync(session);

        customerInvite.Fail(486);
        await session.Finished;
        var ended = Assert.Single(gw.Bus.All<CallEnded>());
        Assert.Equal((CallOutcome.Busy, CallParty.System, "customer busy (486 Busy Here)"), (ended.Outcome, ended.EndedBy, ended.Reason));
        Assert.Equal(gw.Time.GetUtcNow().AddMinutes(5), ended.RetryAt);
        Assert.Equal(1, agent.ByesSent);
    }

    [Fact]
    public async Task A_customer_who_does_not_answer_in_time_is_cancelled_and_the_attempt_is_a_no_answer()
    {
        var session = ClickToDial();
        var (_, customerInvite) = await AgentAnsweredAsync(session);

        gw.Time.Advance(gw.Context.Options.OutboundNoAnswer);
        await Wait.UntilAsync(() => customerInvite.Cancelled, "the no-answer timer did not cancel the customer's INVITE");
        customerInvite.Fail(487);
        await session.Finished;
        var ended = Assert.Single(gw.Bus.All<CallEnded>());
        Assert.Equal((CallOutcome.NoAnswer, "customer no answer within 45 s"), (ended.Outcome, ended.Reason));
    }

    [Fact]
    public async Task An_agent_who_does_not_answer_is_not_reached_and_no_number_is_dialled()
    {
        var session = ClickToDial();
        var agentInvite = await gw.Sip.InviteAsync(1);

        gw.Time.Advance(TimeSpan.FromSeconds(10));
        await Wait.UntilAsync(() => agentInvite.Cancelled, "the ring timeout did not cancel the agent's INVITE");
        agentInvite.Fail(487);
        await session.Finished;

        var ended = Assert.Single(gw.Bus.All<CallEnded>());
        Assert.Equal((CallOutcome.NoAnswer, CallParty.Agent), (ended.Outcome, ended.EndedBy));
        Assert.Equal($"agent's phone not reached (ring timeout); {Number} was not dialled", ended.Reason);
        Assert.Single(gw.Sip.Calls);
    }
    [Theory]
    [InlineData("outbound")]
    [InlineData("callback")]
    public async Task Every_registered_phone_of_the_agent_rings_the_second_answers_and_the_first_is_cancelled(string kind)
    {
        gw.Sip.AddPhone("alice", 5064); // a second phone beside the one registered at 5062
        var session = kind == "outbound" ? ClickToDial() : await CallbackAsync();
        var desk = await gw.Sip.InviteAsync(1);
        var second = await gw.Sip.InviteAsync(2);
        Assert.Equal(("sip:alice@127.0.0.1:5062", "sip:alice@127.0.0.1:5064"), (desk.Options.Target.ToString(), second.Options.Target.ToString()));
        Assert.All(new[] { desk, second }, i => Assert.Equal(Number, i.Options.From!.Uri.User)); // both show whom they will call

        var agent = second.Answer();
        await gw.Bus.WaitForAsync<CallConnected>(m => m.CallId == session.CallId);
        await Wait.UntilAsync(() => desk.Cancelled, "the phone that did not answer was not cancelled");
        desk.Fail(487);
        var tag = kind == "outbound" ? "ob" : "cb";
        await Wait.UntilAsync(() => gw.Media.Session("-" + tag).Disposed, "the first phone's media was not released");

        var customerInvite = await gw.Sip.InviteAsync(3);
        Assert.Equal($"sip:{Number}@127.0.0.1:5070", customerInvite.Options.Target.ToString());
        var customer = customerInvite.Answer();
        await Wait.UntilAsync(() => gw.Media.Bridges.Count == 1, "not bridged");
        Assert.Same(gw.Media.Session($"-{tag}.2"), gw.Media.Bridges[0].Agent); // the answering phone's media, not the first's
        Assert.False(gw.Media.Session($"-{tag}.2").Disposed);

        customer.HangUp();
        await session.Finished;
        var ended = Assert.Single(gw.Bus.All<CallEnded>());
        Assert.Equal((CallOutcome.Answered, CallParty.Caller), (ended.Outcome, ended.EndedBy));
        Assert.Equal(1, agent.ByesSent);
        Assert.True(gw.Media.Session($"-{tag}.2").Disposed);
    }

    [Fact]
    public async Task No_phone_of_the_agent_answering_gives_the_call_back_with_the_most_telling_refusal()
    {
        gw.Sip.AddPhone("alice", 5064);
        var session = ClickToDial();
        (await gw.Sip.InviteAsync(1)).Fail(480);
        (await gw.Sip.InviteAsync(2)).Fail(486);

        await session.Finished;
        var ended = Assert.Single(gw.Bus.All<CallEnded>());
        Assert.Equal($"agent's phone not reached (busy (486 Busy Here)); {Number} was not dialled", ended.Reason);
        Assert.Equal(2, gw.Sip.Calls.Count); // the customer was never dialled
        await Wait.UntilAsync(() => gw.Media.Sessions.All(s => s.Disposed), "the phones' media was not released");
    }

    [Theory]
    [InlineData(MediaFailure.DtlsFingerprintMismatch, "the peer's certificate does not match its SDP fingerprint")]
    [InlineData(MediaFailure.ConsentExpired, "ICE consent lost")]
    public async Task The_agents_media_failing_in_a_connected_call_ends_it_with_the_reason_never_a_silent_call(MediaFailure failure, string reason)
    {
        var session = await CallbackAsync();
        var (agent, customerInvite) = await AgentAnsweredAsync(session);
        var customer = customerInvite.Answer();
        await Wait.UntilAsync(() => gw.Media.Bridges.Count == 1, "not bridged");

        gw.Media.Session("-cb").Fail(failure, reason);
        await session.Finished;

        var ended = Assert.Single(gw.Bus.All<CallEnded>());
        Assert.Equal((CallOutcome.Answered, CallParty.System, "agent's media failed: " + reason), (ended.Outcome, ended.EndedBy, ended.Reason));
        Assert.Equal((1, 1), (agent.ByesSent, customer.ByesSent)); // both legs hung up
    }

    [Fact]
    public async Task The_agents_media_failing_while_the_customer_rings_cancels_the_customer_and_fails_the_attempt()
    {
        var session = ClickToDial();
        var (agent, customerInvite) = await AgentAnsweredAsync(session);
        customerInvite.Ring();

        gw.Media.Session("-ob").Fail(MediaFailure.DtlsFailed, "DTLS handshake failed: no common SRTP profile");
        await session.Finished;

        Assert.True(customerInvite.Cancelled);
        customerInvite.Fail(487);
        var ended = Assert.Single(gw.Bus.All<CallEnded>());
        Assert.Equal((CallOutcome.Failed, CallParty.System), (ended.Outcome, ended.EndedBy));
        Assert.Equal("agent's media failed: DTLS handshake failed: no common SRTP profile", ended.Reason);
        Assert.Equal(1, agent.ByesSent);
    }

    [Fact]
    public async Task An_agents_browser_closing_DTLS_waits_for_its_bye_and_the_history_says_the_agent_hung_up()
    {
        var session = ClickToDial();
        var (agent, customerInvite) = await AgentAnsweredAsync(session);
        var customer = customerInvite.Answer();
        await Wait.UntilAsync(() => gw.Media.Bridges.Count == 1, "not bridged");
        var timers = gw.Time.Timers.Count;

        gw.Media.Session("-ob").Fail(MediaFailure.DtlsClosed, "the browser closed DTLS");
        Assert.Equal(DtlsCloseGrace.Delay, await gw.Time.NextTimerAsync(timers)); // the grace is running, the call is up
        Assert.Empty(gw.Bus.All<CallEnded>());
        agent.HangUp();
        await session.Finished;

        var ended = Assert.Single(gw.Bus.All<CallEnded>());
        Assert.Equal((CallOutcome.Answered, CallParty.Agent, "agent hung up (BYE)"), (ended.Outcome, ended.EndedBy, ended.Reason));
        Assert.Equal(1, customer.ByesSent);
    }

    [Fact]
    public async Task An_agents_browser_closing_DTLS_without_a_bye_ends_the_call_as_a_media_failure_after_the_grace()
    {
        var session = ClickToDial();
        var (_, customerInvite) = await AgentAnsweredAsync(session);
        customerInvite.Answer();
        await Wait.UntilAsync(() => gw.Media.Bridges.Count == 1, "not bridged");
        var timers = gw.Time.Timers.Count;

        gw.Media.Session("-ob").Fail(MediaFailure.DtlsClosed, "the browser closed DTLS");
        await gw.Time.NextTimerAsync(timers);
        gw.Time.Advance(DtlsCloseGrace.Delay);
        await session.Finished;

        var ended = Assert.Single(gw.Bus.All<CallEnded>());
        Assert.Equal((CallOutcome.Answered, CallParty.System, "agent's media failed: the browser closed DTLS"), (ended.Outcome, ended.EndedBy, ended.Reason));
    }
}
