using ContactCenter.Contracts;
using ContactCenter.Routing.Engine;

namespace ContactCenter.Routing.Tests.Engine;

/// <summary>
/// Callbacks of a preview queue (<c>callback: { mode: preview }</c>): the reserved agent is offered the callback on the desktop and
/// nothing is dialled until they accept; then the gateway is told to connect (agent's phone first, then the customer). Skipped or
/// not accepted in time, it goes to the next agent.
/// </summary>
public class PreviewCallbackTests
{
    private const string Yaml = """
        queues:
          - name: support
            skills: [{ skill: support, level: 3 }]
            ringTimeoutSeconds: 15
            wrapUpSeconds: 10
            callback: { mode: preview, previewSeconds: 25, attempts: 2 }
          - name: billing
            skills: [{ skill: billing, level: 2 }]
            ringTimeoutSeconds: 20
        """;

    private static EngineFixture Demo()
    {
        var f = new EngineFixture(Yaml);
        f.Agent("alice", "support", ("support", 5));
        f.Agent("bob", "support", ("support", 3));
        f.Agent("carol", "billing", ("billing", 5));
        f.Apply(new GatewayHeartbeat("gw1", [], TimeSpan.FromSeconds(60)));
        return f;
    }

    [Fact]
    public void A_preview_callback_is_offered_first_and_connected_only_when_the_agent_accepts()
    {
        var f = Demo();
        f.Ready("alice");
        var cb = f.Call("support", callback: true, waitedBefore: TimeSpan.FromMinutes(3));
        var offer = Assert.Single(f.Reservations);
        Assert.Equal((OfferKind.PreviewCallback, TimeSpan.FromSeconds(25), true), (offer.Offer, offer.OfferTimeout, offer.IsCallback));
        Assert.Equal(AgentState.Reserved, f.State("alice"));
        Assert.Empty(f.Outputs.OfType<PreviewAccepted>());
        f.AssertSound();

        // Longer than the ring timeout: still an offer, nothing dialled.
        f.Seconds(20);
        Assert.Equal(AgentState.Reserved, f.State("alice"));
        f.Accept(cb, "alice");
        var connect = Assert.Single(f.Outputs.OfType<PreviewAccepted>());
        Assert.Equal((cb, "alice", "support", "gw1", TimeSpan.FromSeconds(15)), (connect.CallId, connect.AgentId, connect.Queue, connect.GatewayId, connect.RingTimeout));
        Assert.Equal(f.Clock.GetUtcNow() - TimeSpan.FromMinutes(3) - TimeSpan.FromSeconds(20), connect.QueuedAt);
        Assert.Equal(OfferKind.PreviewCallback, Assert.Single(f.Outputs.OfType<OfferTaken>()).Offer);
        f.AssertSound();

        // From now on the ring timeout runs: the agent's phone answers within it.
        f.Seconds(10);
        f.Connect(cb, "alice");
        Assert.Equal(AgentState.OnCall, f.State("alice"));
        f.Hangup(cb, CallParty.Agent);
        Assert.Equal(AgentState.WrapUp, f.State("alice"));
        f.AssertSound();

        // A repeated Accept is nothing new.
        f.Accept(cb, "alice");
        Assert.Single(f.Outputs.OfType<PreviewAccepted>());
    }

    [Fact]
    public void An_accepted_preview_callback_whose_agent_phone_does_not_answer_goes_to_the_next_agent()
    {
        var f = Demo();
        f.Ready("alice");
        var cb = f.Call("support", callback: true);
        f.Accept(cb, "alice");
        f.Ready("bob");
        f.Seconds(15 + 3);
        Assert.Equal((AgentState.NotReady, "missed"), (f.State("alice"), f.Reason("alice")));
        Assert.Equal("bob", f.AgentFor(cb));
        Assert.Equal(OfferKind.PreviewCallback, f.ReservationFor(cb)!.Offer);
        f.AssertSound();
    }

    [Fact]
    public void A_skipped_preview_callback_goes_to_the_next_agent()
    {
        var f = Demo();
        f.Ready("alice");
        f.Ready("bob");
        var cb = f.Call("support", callback: true);
        Assert.Equal("alice", f.AgentFor(cb));
        f.Skip(cb, "alice", "customer asked for bob");
        var ended = Assert.Single(f.Withdrawn);
        Assert.Equal((cb, "alice", OfferKind.PreviewCallback, "skipped: customer asked for bob"), (ended.CallId, ended.AgentId, ended.Offer, ended.Reason));
        Assert.Equal((AgentState.NotReady, "skipped"), (f.State("alice"), f.Reason("alice")));
        Assert.Equal("bob", f.AgentFor(cb));
        Assert.Empty(f.Outputs.OfType<PreviewAccepted>());
        f.AssertSound();
    }

    [Fact]
    public void A_preview_callback_not_accepted_in_time_goes_to_the_next_agent_like_a_missed_ring()
    {
        var f = Demo();
        f.Ready("alice");
        var cb = f.Call("support", callback: true);
        f.Ready("bob");
        f.Seconds(25 + 3);
        Assert.Equal("not accepted in time", Assert.Single(f.Withdrawn).Reason);
        Assert.Equal((AgentState.NotReady, "missed"), (f.State("alice"), f.Reason("alice")));
        Assert.Equal("bob", f.AgentFor(cb));
        f.AssertSound();
    }

    [Fact]
    public void The_gateways_heartbeat_does_not_end_a_callback_offered_on_a_desktop()
    {
        var f = Demo();
        f.Ready("alice");
        var cb = f.Call("support", callback: true);
        f.Seconds(12);
        f.Apply(new GatewayHeartbeat("gw1", [], TimeSpan.FromSeconds(5)));
        Assert.Equal((AgentState.Reserved, cb), (f.State("alice"), f.Engine.Agent("alice")!.CallId));
        f.Accept(cb, "alice");
        Assert.Single(f.Outputs.OfType<PreviewAccepted>());
        f.AssertSound();
    }

    [Fact]
    public void Not_ready_while_a_preview_callback_is_offered_withdraws_it()
    {
        var f = Demo();
        f.Ready("alice");
        f.Ready("bob");
        var cb = f.Call("support", callback: true);
        f.NotReady("alice", "break");
        Assert.Equal(cb, Assert.Single(f.Withdrawn).CallId);
        Assert.Equal("bob", f.AgentFor(cb));
        f.AssertSound();
    }

    [Fact]
    public void Calls_of_a_preview_queue_and_progressive_callbacks_ring_at_once()
    {
        var f = Demo();
        f.Ready("alice");
        f.Ready("carol");
        var call = f.Call("support");
        Assert.Equal(OfferKind.None, f.ReservationFor(call)!.Offer);
        var progressive = f.Call("billing", callback: true);
        Assert.Equal((OfferKind.None, true), (f.ReservationFor(progressive)!.Offer, f.ReservationFor(progressive)!.IsCallback));
        f.AssertSound();
    }

    [Fact]
    public void A_callback_refused_by_a_full_queue_is_taken_when_the_gateway_hands_it_over_again()
    {
        var f = new EngineFixture("""
            queues:
              - name: support
                skills: [{ skill: support, level: 3 }]
                maxLength: 1
            """);
        f.Agent("alice", "support", ("support", 5));
        f.Call("support");
        var id = Guid.NewGuid();
        f.Call("support", callback: true, id: id);
        Assert.Equal("queue-full", Assert.Single(f.Outputs.OfType<CallDiverted>(), d => d.CallId == id).Action);
        f.Ready("alice"); // takes the first call: room again
        f.Call("support", callback: true, id: id);
        Assert.True(f.Engine.KnowsCall(id));
        f.AssertSound();
    }
}
