using ContactCenter.Contracts;
using ContactCenter.Routing.Engine;

namespace ContactCenter.Routing.Tests.Engine;

public class QueueRuleTests
{
    private const string Rules = """
        queues:
          - name: front
            skills: [{ skill: front, level: 1 }]
            maxWaitSeconds: 60
            maxWaitAction: overflow
            overflowQueue: back
          - name: back
            skills: [{ skill: back, level: 1 }]
            maxWaitSeconds: 120
            maxWaitAction: voicemail
          - name: later
            skills: [{ skill: later, level: 1 }]
            maxWaitSeconds: 30
            maxWaitAction: callback
          - name: small
            skills: [{ skill: small, level: 1 }]
            maxLength: 2
          - name: staffed
            skills: [{ skill: staffed, level: 1 }]
            acceptWithoutAgents: false
        """;

    [Fact]
    public void Max_wait_overflows_to_the_other_queue_keeping_the_original_wait()
    {
        var f = new EngineFixture(Rules);
        f.Agent("b", "back", ("back", 1));
        var call = f.Call("front");
        f.Seconds(60);
        f.Ready("b");
        var d = f.ReservationFor(call)!.Decision;
        Assert.Equal("back", d.Queue);
        Assert.Equal(TimeSpan.FromSeconds(60), d.Waited);
    }

    [Fact]
    public void Max_wait_with_voicemail_diverts_the_call_at_the_gateway()
    {
        var f = new EngineFixture(Rules);
        var call = f.Call("back");
        f.Seconds(120);
        var divert = Assert.Single(f.Outputs.OfType<CallDiverted>());
        Assert.Equal((call, "voicemail", "gw1"), (divert.CallId, divert.Action, divert.GatewayId));
        Assert.Empty(f.Engine.QueueSnapshots()[1].Waiting);
    }

    [Fact]
    public void Max_wait_with_callback_offers_a_callback_and_the_virtual_call_keeps_its_place()
    {
        var f = new EngineFixture(Rules);
        f.Agent("l", "later", ("later", 1));
        var call = f.Call("later");
        f.Seconds(5);
        var younger = f.Call("later");
        f.Seconds(25);
        Assert.Equal("callback", Assert.Single(f.Outputs.OfType<CallDiverted>()).Action);
        f.Apply(new EndCall(call, null, CallOutcome.Callback, CallParty.Caller, "took callback"));
        f.Seconds(100);
        f.Ready("l");
        var r = f.ReservationFor(call)!;
        Assert.True(r.IsCallback);
        Assert.Null(f.AgentFor(younger));
    }

    [Fact]
    public void Callback_taken_in_the_ivr_stays_in_the_queue_in_its_original_place()
    {
        var f = EngineFixture.Demo();
        var call = f.Call("support");
        f.Seconds(10);
        var other = f.Call("support");
        f.Seconds(10);
        f.Call("support", callback: true, id: call);
        f.Apply(new EndCall(call, null, CallOutcome.Callback, CallParty.Caller, "took callback"));
        f.Ready("bob");
        Assert.Equal("bob", f.AgentFor(call));
        Assert.True(f.ReservationFor(call)!.IsCallback);
        Assert.Null(f.AgentFor(other));
        f.Connect(call, "bob");
        var stats = f.Engine.Statistics(0);
        Assert.Equal(2, stats.Offered);
        Assert.Equal(1, stats.Answered);
        Assert.Equal(0, stats.Abandoned);
    }

    [Fact]
    public void Caller_leg_ending_for_a_callback_before_the_callback_is_announced_keeps_the_call()
    {
        var f = EngineFixture.Demo();
        var call = f.Call("support");
        f.Seconds(10);
        f.Apply(new EndCall(call, null, CallOutcome.Callback, CallParty.Caller, "took callback"));
        Assert.True(Assert.Single(f.Engine.QueueSnapshots()[0].Waiting).IsCallback);
        f.Ready("bob");
        Assert.True(f.ReservationFor(call)!.IsCallback);
        Assert.Equal(0, f.Engine.Statistics(0).Abandoned);
    }

    [Fact]
    public void Queue_at_maximum_length_refuses_further_calls()
    {
        var f = new EngineFixture(Rules);
        f.Call("small");
        f.Call("small");
        var third = f.Call("small");
        var d = Assert.Single(f.Outputs.OfType<CallDiverted>());
        Assert.Equal((third, "queue-full"), (d.CallId, d.Action));
    }

    [Fact]
    public void Queue_that_needs_agents_refuses_calls_when_nobody_is_logged_in()
    {
        var f = new EngineFixture(Rules);
        f.Agent("s", "staffed", ("staffed", 1));
        var first = f.Call("staffed");
        Assert.Equal("no-agents", Assert.Single(f.Outputs.OfType<CallDiverted>()).Action);
        f.NotReady("s");
        var second = f.Call("staffed");
        Assert.Single(f.Outputs.OfType<CallDiverted>());
        Assert.NotEqual(first, second);
    }

    [Fact]
    public void Unknown_queue_is_refused_with_a_reason()
    {
        var f = EngineFixture.Demo();
        f.Call("nowhere");
        Assert.Contains("unknown queue 'nowhere'", Assert.Single(f.Outputs.OfType<CallDiverted>()).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Record_flag_and_ring_timeout_of_the_queue_travel_with_the_reservation()
    {
        var f = new EngineFixture("""
            queues:
              - name: rec
                record: true
                ringTimeoutSeconds: 25
            """);
        f.Agent("a", "rec");
        f.Ready("a");
        var r = f.ReservationFor(f.Call("rec"))!;
        Assert.True(r.Record);
        Assert.Equal(TimeSpan.FromSeconds(25), r.RingTimeout);
    }
}
