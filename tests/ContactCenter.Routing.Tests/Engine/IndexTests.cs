using ContactCenter.Contracts;
using ContactCenter.Routing.Engine;

namespace ContactCenter.Routing.Tests.Engine;

/// <summary>The matching indexes: agents meeting a queue's own requirements, and calls asking something else (widened, IVR skills).</summary>
public class IndexTests
{
    [Fact]
    public void An_available_agent_below_the_queue_level_gets_the_call_once_widening_lowers_it()
    {
        var f = new EngineFixture();
        f.Agent("low", "support", ("support", 1));
        f.Ready("low");
        var call = f.Call("support");
        Assert.Null(f.AgentFor(call));
        f.AssertSound();
        f.Seconds(31);
        Assert.Equal("low", f.AgentFor(call));
        Assert.Equal(1, f.ReservationFor(call)!.Decision.Ring);
        f.AssertSound();
    }

    [Fact]
    public void A_freed_agent_below_the_queue_level_still_finds_a_widened_call()
    {
        var f = new EngineFixture();
        f.Agent("low", "support,billing", ("support", 1), ("billing", 1));
        var plain = f.Call("billing");
        var widened = f.Call("support");
        f.Seconds(31);
        f.AssertSound();
        f.Ready("low");
        Assert.Equal("low", f.AgentFor(widened));
        Assert.Null(f.AgentFor(plain));
        f.AssertSound();
    }

    [Fact]
    public void A_call_with_an_ivr_skill_walks_every_available_agent_not_only_the_qualified_index()
    {
        var f = new EngineFixture();
        f.Agent("en", "support", ("support", 5));
        f.Agent("fr", "support", ("support", 3), ("lang-fr", 3));
        f.Ready("en");
        f.Ready("fr");
        var call = f.Call("support", skills: [("lang-fr", 2)]);
        Assert.Equal("fr", f.AgentFor(call));
        Assert.Contains(f.ReservationFor(call)!.Decision.Losers, l => l.Candidate == "en");
        f.AssertSound();
    }

    [Fact]
    public void A_profile_change_moves_the_agent_between_indexes()
    {
        var f = new EngineFixture();
        f.Agent("a", "support", ("support", 2));
        f.Ready("a");
        f.AssertSound();
        f.Agent("a", "support", ("support", 4));
        f.AssertSound();
        var call = f.Call("support");
        Assert.Equal("a", f.AgentFor(call));
        f.AssertSound();
        Assert.Equal(AgentState.Reserved, f.State("a"));
    }

    [Fact]
    public void A_new_call_is_explained_by_the_next_three_candidates_of_the_qualified_order()
    {
        var f = new EngineFixture();
        f.Agent("five-old", "support", ("support", 5));
        f.Agent("five-new", "support", ("support", 5));
        f.Agent("four", "support", ("support", 4));
        f.Agent("three", "support", ("support", 3));
        f.Agent("three-late", "support", ("support", 3));
        f.Agent("two", "support", ("support", 2));
        f.Ready("five-old");
        f.Ready("three");
        f.Seconds(10);
        f.Ready("four");
        f.Ready("three-late");
        f.Ready("two");
        f.Seconds(5);
        f.Ready("five-new");
        f.AssertSound();
        var call = f.Call("support");
        var d = f.ReservationFor(call)!.Decision;
        Assert.Equal("five-old", d.AgentId);
        Assert.Equal("best support proficiency (5), then longest idle", d.Rule);
        Assert.Equal(
            [("five-new", "idle 0s, less than five-old's 15s"), ("four", "lower support proficiency (4 < 5)"), ("three", "lower support proficiency (3 < 5)")],
            d.Losers.Select(l => (l.Candidate, l.Why)));
        f.AssertSound();
    }

    [Fact]
    public void The_next_call_after_a_reservation_gets_the_next_agent_of_the_order()
    {
        var f = new EngineFixture();
        for (var i = 0; i < 6; i++)
        {
            f.Agent($"a{i}", "support", ("support", 5 - (i % 3)));
            f.Ready($"a{i}");
            f.Seconds(1);
        }
        string[] expected = ["a0", "a3", "a1", "a4", "a2", "a5"];
        foreach (var agent in expected)
        {
            var call = f.Call("support");
            Assert.Equal(agent, f.AgentFor(call));
            f.AssertSound();
        }
        Assert.Null(f.AgentFor(f.Call("support")));
    }

    [Fact]
    public void A_requeued_call_whose_missed_agent_is_among_the_first_candidates_takes_it_only_last()
    {
        var f = new EngineFixture("missedCallState: available\n" + EngineFixture.DefaultYaml);
        f.Agent("best", "support", ("support", 5));
        f.Agent("next", "support", ("support", 4));
        f.Ready("best");
        f.Ready("next");
        var call = f.Call("support");
        Assert.Equal("best", f.AgentFor(call));
        f.Apply(new RingNoAnswer(call, "best", "ring timeout"));
        var d = f.ReservationFor(call)!.Decision;
        Assert.Equal("next", d.AgentId);
        Assert.Contains(d.Losers, l => l.Candidate == "best" && l.Why == "did not answer this call before");
        Assert.Equal(AgentState.Available, f.State("best"));
        f.AssertSound();
    }

    [Fact]
    public void A_freed_agent_walks_past_a_head_held_for_its_preferred_agent()
    {
        var f = EngineFixture.Demo();
        f.Ready("alice");
        var first = f.Call("support");
        f.Connect(first, "alice");
        var held = f.Call("support", preferred: "alice");
        f.Seconds(1);
        var plain = f.Call("support");
        f.AssertSound();
        f.Ready("bob");
        var d = f.ReservationFor(plain)!.Decision;
        Assert.Equal("bob", d.AgentId);
        Assert.Contains(d.Losers, l => l.Candidate == held.ToString() && l.Why == "held for its preferred agent alice");
        Assert.Null(f.AgentFor(held));
        f.AssertSound();
    }

    [Fact]
    public void A_freed_agent_compares_queue_heads_and_names_the_calls_that_lost()
    {
        var f = new EngineFixture();
        f.Agent("both", "support,billing", ("support", 5), ("billing", 5));
        var support = f.Call("support");
        f.Seconds(5);
        var billing = f.Call("billing", tier: CustomerTier.Gold);
        f.Seconds(5);
        f.AssertSound();
        f.Ready("both");
        var d = f.ReservationFor(billing)!.Decision;
        Assert.Equal("both", d.AgentId);
        Assert.Equal("longest effective wait across the agent's queues", d.Rule);
        Assert.Equal([(support.ToString(), "longer effective wait elsewhere")], d.Losers.Select(l => (l.Candidate, l.Why)));
        f.AssertSound();
    }
}
