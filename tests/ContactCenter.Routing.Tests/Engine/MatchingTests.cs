using ContactCenter.Contracts;
using ContactCenter.Routing.Engine;

namespace ContactCenter.Routing.Tests.Engine;

public class MatchingTests
{
    [Fact]
    public void New_call_goes_to_the_agent_with_the_best_proficiency_in_the_queue_skill()
    {
        var f = EngineFixture.Demo();
        f.Ready("bob");
        f.Seconds(10);
        f.Ready("alice");
        var call = f.Call("support");
        Assert.Equal("alice", f.AgentFor(call));
        var d = f.ReservationFor(call)!.Decision;
        Assert.Contains("best support proficiency (5)", d.Rule, StringComparison.Ordinal);
        Assert.Contains(d.Losers, l => l.Candidate == "bob" && l.Why.Contains("lower support proficiency (3 < 5)", StringComparison.Ordinal));
        Assert.Equal(AgentState.Reserved, f.State("alice"));
        f.AssertSound();
    }

    [Fact]
    public void Among_equal_agents_the_longest_idle_is_chosen()
    {
        var f = new EngineFixture();
        f.Agent("a1", "support", ("support", 4));
        f.Agent("a2", "support", ("support", 4));
        f.Ready("a2");
        f.Seconds(5);
        f.Ready("a1");
        f.Seconds(5);
        var call = f.Call("support");
        Assert.Equal("a2", f.AgentFor(call));
        var loser = Assert.Single(f.ReservationFor(call)!.Decision.Losers);
        Assert.Equal("a1", loser.Candidate);
        Assert.Contains("idle 5s, less than a2's 10s", loser.Why, StringComparison.Ordinal);
    }

    [Fact]
    public void Least_talk_time_tie_break_prefers_the_agent_who_talked_less_today()
    {
        var f = new EngineFixture("""
            queues:
              - name: sales
                skills: [{ skill: sales, level: 1 }]
                wrapUpSeconds: 0
                tieBreak: least-talk-time
            """);
        f.Agent("x", "sales", ("sales", 3));
        f.Agent("y", "sales", ("sales", 3));
        f.Ready("x");
        var c1 = f.Call("sales");
        Assert.Equal("x", f.AgentFor(c1));
        f.Connect(c1, "x");
        f.Seconds(120);
        f.Hangup(c1);
        Assert.Equal(AgentState.Available, f.State("x"));
        f.Ready("y");
        f.Seconds(30);
        var c2 = f.Call("sales");
        Assert.Equal("y", f.AgentFor(c2));
    }

    [Fact]
    public void Round_robin_tie_break_offers_the_agent_offered_least_recently()
    {
        var f = new EngineFixture("""
            queues:
              - name: sales
                skills: [{ skill: sales, level: 1 }]
                wrapUpSeconds: 0
                tieBreak: round-robin
            """);
        f.Agent("x", "sales", ("sales", 3));
        f.Agent("y", "sales", ("sales", 3));
        f.Ready("x");
        f.Ready("y");
        var c1 = f.Call("sales");
        var first = f.AgentFor(c1)!;
        f.Connect(c1, first);
        f.Hangup(c1);
        var c2 = f.Call("sales");
        Assert.NotEqual(first, f.AgentFor(c2));
    }

    [Fact]
    public void Call_needing_a_higher_level_waits_until_the_bullseye_ring_lowers_it()
    {
        var f = new EngineFixture();
        f.Agent("novice", "support", ("support", 1));
        f.Ready("novice");
        var call = f.Call("support");
        Assert.Null(f.AgentFor(call));
        f.Seconds(29);
        Assert.Null(f.AgentFor(call));
        f.AssertSound();
        f.Seconds(1);
        var d = f.ReservationFor(call)!.Decision;
        Assert.Equal("novice", d.AgentId);
        Assert.Equal(MatchTrigger.Widened, d.Trigger);
        Assert.Equal(1, d.Ring);
        var skill = Assert.Single(d.Skills);
        Assert.Equal(("support", 1, 3, 1), (skill.Skill, skill.Required, skill.Configured, skill.AgentLevel));
    }

    [Fact]
    public void Optional_ivr_skill_is_dropped_by_the_ring_that_says_so()
    {
        var f = new EngineFixture();
        f.Agent("en", "support", ("support", 5));
        f.Ready("en");
        var call = f.Call("support", skills: ("lang-fr", 3));
        Assert.Null(f.AgentFor(call));
        f.Seconds(30);
        Assert.Null(f.AgentFor(call));
        f.Seconds(30);
        Assert.Equal("en", f.AgentFor(call));
        Assert.Equal(2, f.ReservationFor(call)!.Decision.Ring);
    }

    [Fact]
    public void Ivr_skill_routes_to_the_agent_who_has_it()
    {
        var f = new EngineFixture();
        f.Agent("en", "support", ("support", 5));
        f.Agent("fr", "support", ("support", 3), ("lang-fr", 4));
        f.Ready("en");
        f.Ready("fr");
        var call = f.Call("support", skills: ("lang-fr", 3));
        var d = f.ReservationFor(call)!.Decision;
        Assert.Equal("fr", d.AgentId);
        Assert.Contains(d.Losers, l => l.Candidate == "en" && l.Why == "lacks lang-fr at level 3 (has 0)");
    }

    [Fact]
    public void Agent_without_the_queue_skill_level_is_never_chosen()
    {
        var f = new EngineFixture();
        f.Agent("weak", "billing", ("billing", 1));
        f.Ready("weak");
        var call = f.Call("billing");
        f.Seconds(600);
        Assert.Null(f.AgentFor(call));
        f.AssertSound();
    }

    [Fact]
    public void Preferred_agent_is_tried_first_and_others_wait_for_the_window()
    {
        var f = EngineFixture.Demo();
        f.Ready("alice");
        f.Ready("bob");
        var first = f.Call("support");
        Assert.Equal("alice", f.AgentFor(first));
        f.Connect(first, "alice");
        var call = f.Call("support", preferred: "alice");
        Assert.Null(f.AgentFor(call));
        f.AssertSound();
        f.Seconds(19);
        Assert.Null(f.AgentFor(call));
        f.Seconds(1);
        Assert.Equal("bob", f.AgentFor(call));
    }

    [Fact]
    public void Preferred_agent_gets_the_call_when_freed_within_the_window()
    {
        var f = EngineFixture.Demo();
        f.Ready("alice");
        f.Ready("bob");
        var first = f.Call("support");
        f.Connect(first, "alice");
        var call = f.Call("support", preferred: "alice");
        f.Seconds(5);
        f.Hangup(first);
        f.Apply(new FinishWrapUp(first, "alice"));
        var d = f.ReservationFor(call)!.Decision;
        Assert.Equal("alice", d.AgentId);
        Assert.StartsWith("preferred-agent", d.Rule, StringComparison.Ordinal);
    }

    [Fact]
    public void Preferred_agent_who_is_logged_out_does_not_hold_the_call()
    {
        var f = EngineFixture.Demo();
        f.Ready("bob");
        var call = f.Call("support", preferred: "alice");
        Assert.Equal("bob", f.AgentFor(call));
    }

    [Fact]
    public void Freed_agent_takes_the_call_with_the_longest_wait_across_its_queues()
    {
        var f = EngineFixture.Demo();
        var billing = f.Call("billing");
        f.Seconds(10);
        var support = f.Call("support");
        f.Ready("alice");
        Assert.Equal("alice", f.AgentFor(billing));
        Assert.Null(f.AgentFor(support));
        Assert.Equal(MatchTrigger.FreedAgent, f.ReservationFor(billing)!.Decision.Trigger);
        Assert.Contains(f.ReservationFor(billing)!.Decision.Losers, l => l.Candidate == support.ToString());
    }

    [Fact]
    public void Priority_from_tier_and_ivr_raises_the_effective_wait()
    {
        var f = EngineFixture.Demo();
        var older = f.Call("support");
        f.Seconds(50);
        var gold = f.Call("support", tier: CustomerTier.Gold);
        f.Seconds(1);
        f.Ready("bob");
        Assert.Equal("bob", f.AgentFor(gold));
        var d = f.ReservationFor(gold)!.Decision;
        Assert.Equal(TimeSpan.FromSeconds(61), d.EffectiveWait);
        Assert.Equal("Gold", d.Tier);
        Assert.Null(f.AgentFor(older));
        var urgent = f.Call("support", priority: 2);
        f.Ready("alice");
        Assert.Equal("alice", f.AgentFor(urgent));
    }

    [Fact]
    public void Caller_identification_updates_tier_and_preferred_agent_of_a_waiting_call()
    {
        var f = EngineFixture.Demo();
        var a = f.Call("support");
        f.Seconds(30);
        var b = f.Call("support");
        f.Apply(new UpdateCaller(b, CustomerTier.Platinum, null, null));
        f.Ready("bob");
        Assert.Equal("bob", f.AgentFor(b));
        Assert.Null(f.AgentFor(a));
    }

    [Fact]
    public void Caller_identified_before_the_call_is_queued_still_counts()
    {
        var f = EngineFixture.Demo();
        var a = f.Call("support");
        f.Seconds(30);
        var b = Guid.NewGuid();
        f.Apply(new UpdateCaller(b, CustomerTier.Platinum, null, null));
        f.Call("support", id: b);
        f.Ready("bob");
        Assert.Equal("bob", f.AgentFor(b));
        Assert.Equal("Platinum", f.ReservationFor(b)!.Decision.Tier);
        Assert.Null(f.AgentFor(a));
    }

    [Fact]
    public void Calls_of_equal_priority_are_served_in_order_of_arrival_across_queues()
    {
        var f = new EngineFixture();
        f.Agent("both", "support,billing", ("support", 5), ("billing", 5));
        var calls = new List<Guid>();
        for (var i = 0; i < 6; i++)
        {
            calls.Add(f.Call(i % 2 == 0 ? "support" : "billing"));
            f.Seconds(1);
        }
        f.Apply(new ChangeAgentState("both", AgentState.Available, null, "both"));
        foreach (var call in calls)
        {
            Assert.Equal("both", f.AgentFor(call));
            f.Connect(call, "both");
            f.Hangup(call);
            f.Apply(new FinishWrapUp(call, "both"));
        }
        var order = f.Reservations.Select(r => r.Decision.CallId).ToList();
        Assert.Equal(calls, order);
    }
}
