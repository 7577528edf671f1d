using ContactCenter.Contracts;

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
}
