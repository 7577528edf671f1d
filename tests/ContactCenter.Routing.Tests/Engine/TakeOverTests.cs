using System.Text.Json;
using ContactCenter.Contracts;
using ContactCenter.Routing.Engine;

namespace ContactCenter.Routing.Tests.Engine;

/// <summary>A supervisor takes an agent's call over (issue 18): the agent's part ends into wrap-up; the call is the supervisor's.</summary>
public class TakeOverTests
{
    [Fact]
    public void Take_over_puts_the_agent_in_wrap_up_and_the_calls_later_end_changes_nothing()
    {
        var f = EngineFixture.Demo();
        f.Ready("alice");
        var call = f.Call("support");
        f.Connect(call, "alice");
        f.Seconds(30);

        f.Apply(new TakeOverCall(call, "alice", "sam"));
        Assert.Equal(AgentState.WrapUp, f.State("alice"));

        f.Apply(new EndCall(call, "sam", CallOutcome.Answered, CallParty.Caller, "caller hung up (BYE)"));
        Assert.Equal(AgentState.WrapUp, f.State("alice"));
        f.AssertSound();
    }

    [Fact]
    public void A_redelivered_or_stale_take_over_changes_nothing()
    {
        var f = EngineFixture.Demo();
        f.Ready("alice");
        f.Ready("carol");
        var call = f.Call("support");
        f.Connect(call, "alice");

        f.Apply(new TakeOverCall(call, "carol", "sam"));
        Assert.Equal(AgentState.OnCall, f.State("alice"));
        f.Apply(new TakeOverCall(Guid.NewGuid(), "alice", "sam"));
        Assert.Equal(AgentState.OnCall, f.State("alice"));
        f.AssertSound();
    }

    [Fact]
    public void The_take_over_is_journaled_like_every_input()
    {
        EngineInput input = new TakeOverCall(Guid.NewGuid(), "alice", "sam");
        var json = JsonSerializer.Serialize(input);
        Assert.Contains("\"$type\":\"take-over\"", json, StringComparison.Ordinal);
        Assert.Equal(input, JsonSerializer.Deserialize<EngineInput>(json));
    }
}
