using System.Text.Json;
using ContactCenter.Contracts;
using ContactCenter.Routing.Engine;
using ContactCenter.Routing.Service;

namespace ContactCenter.Routing.Tests.Engine;

/// <summary>Blind transfer from the agent's phone: the agent's part ends, the same call waits again in the target queue or for the target agent.</summary>
public class TransferTests
{
    private static TransferCall Transfer(EngineFixture f, Guid call, string from, string queue, string? toAgent = null) =>
        new(call, from, new QueueCall(call, queue, "+441234567890", "gw1", "main>1>support>transfer>" + (toAgent ?? queue), [], 0,
            CustomerTier.Standard, null, toAgent, false, f.Clock.GetUtcNow()));

    [Fact]
    public void Transfer_to_a_queue_puts_the_agent_in_wrap_up_and_offers_the_same_call_there()
    {
        var f = EngineFixture.Demo();
        f.Ready("alice");
        var call = f.Call("support");
        f.Connect(call, "alice");
        f.Ready("carol");
        f.Seconds(30);

        f.Apply(Transfer(f, call, "alice", "billing"));

        Assert.Equal(AgentState.WrapUp, f.State("alice"));
        Assert.Equal("carol", f.AgentFor(call));
        Assert.Equal("billing", f.ReservationFor(call)!.Decision.Queue);
        Assert.Equal(AgentState.Reserved, f.State("carol"));
        f.AssertSound();
    }

    [Fact]
    public void A_redelivered_or_stale_transfer_changes_nothing()
    {
        var f = EngineFixture.Demo();
        f.Ready("alice");
        var call = f.Call("support");
        f.Connect(call, "alice");
        f.Ready("carol");
        var transfer = Transfer(f, call, "alice", "billing");
        f.Apply(transfer);
        f.Connect(call, "carol");
        var reservations = f.Reservations.Count();

        f.Apply(transfer);
        f.Apply(Transfer(f, Guid.NewGuid(), "carol", "support"));

        Assert.Equal(AgentState.OnCall, f.State("carol"));
        Assert.Equal(reservations, f.Reservations.Count());
        f.AssertSound();
    }

    [Fact]
    public void Transfer_to_an_agent_holds_the_call_for_them_even_when_a_better_agent_is_free()
    {
        var f = EngineFixture.Demo();
        f.Agent("dave", "support", ("support", 5));
        f.NotReady("bob", "lunch"); // signed in, busy for now
        f.Ready("alice");
        var call = f.Call("support");
        f.Connect(call, "alice");
        f.Ready("dave");

        f.Apply(Transfer(f, call, "alice", "support", toAgent: "bob"));
        Assert.Equal("alice", f.AgentFor(call)); // not offered to dave: held for bob
        f.Ready("bob");

        Assert.Equal("bob", f.AgentFor(call));
        Assert.Equal(AgentState.Available, f.State("dave"));
        f.AssertSound();
    }

    [Fact]
    public void Transfer_to_an_agent_outside_the_calls_queue_uses_a_queue_they_serve()
    {
        var f = EngineFixture.Demo();
        f.Ready("alice");
        var call = f.Call("support");
        f.Connect(call, "alice");
        f.Ready("carol");

        f.Apply(Transfer(f, call, "alice", "support", toAgent: "carol"));

        Assert.Equal("carol", f.AgentFor(call));
        Assert.Equal("billing", f.ReservationFor(call)!.Decision.Queue);
        f.AssertSound();
    }

    [Fact]
    public void A_transfer_that_overtakes_the_agents_answer_still_counts_the_answer()
    {
        var f = EngineFixture.Demo();
        f.Ready("alice");
        var call = f.Call("support");
        Assert.Equal(AgentState.Reserved, f.State("alice"));

        f.Apply(Transfer(f, call, "alice", "billing"));

        Assert.Equal(AgentState.WrapUp, f.State("alice"));
        f.Ready("carol");
        Assert.Equal("carol", f.AgentFor(call));
        f.AssertSound();
    }

    [Fact]
    public void The_transfer_input_round_trips_through_the_journal_format()
    {
        var f = EngineFixture.Demo();
        EngineInput input = Transfer(f, Guid.NewGuid(), "alice", "support", toAgent: "bob");
        var back = JsonSerializer.Deserialize<EngineInput>(JsonSerializer.Serialize(input, EngineJournal.Json), EngineJournal.Json);
        var transfer = Assert.IsType<TransferCall>(back);
        Assert.Equal("bob", transfer.Requeue.PreferredAgentId);
        Assert.Equal("alice", transfer.AgentId);
    }
}
