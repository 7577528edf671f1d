using ContactCenter.Contracts;
using ContactCenter.Routing.Engine;

namespace ContactCenter.Routing.Tests.Engine;

public class PresenceTests
{
    [Fact]
    public void Ring_timeout_requeues_the_call_keeping_its_wait_and_pauses_the_agent_as_missed()
    {
        var f = EngineFixture.Demo();
        f.Ready("alice");
        var call = f.Call("support", waitedBefore: TimeSpan.FromSeconds(12));
        Assert.Equal("alice", f.AgentFor(call));
        f.Ready("bob");
        f.Seconds(17);
        Assert.Equal(AgentState.Reserved, f.State("alice"));
        f.Seconds(1);
        Assert.Equal(AgentState.NotReady, f.State("alice"));
        Assert.Equal("missed", f.Reason("alice"));
        var d = f.ReservationFor(call)!.Decision;
        Assert.Equal("bob", d.AgentId);
        Assert.Equal(TimeSpan.FromSeconds(30), d.Waited);
        Assert.Equal(2, f.Engine.DecisionsFor(call)!.Count);
        f.AssertSound();
    }

    [Fact]
    public void Agent_no_answer_from_the_gateway_requeues_at_the_head_of_the_queue()
    {
        var f = EngineFixture.Demo();
        f.Ready("alice");
        var first = f.Call("support");
        f.Seconds(5);
        var second = f.Call("support");
        f.Apply(new RingNoAnswer(first, "alice", "busy"));
        Assert.Equal(AgentState.NotReady, f.State("alice"));
        f.Ready("bob");
        Assert.Equal("bob", f.AgentFor(first));
        Assert.Null(f.AgentFor(second));
    }

    [Fact]
    public void Missed_call_state_available_keeps_the_agent_ready_but_tries_others_first()
    {
        var f = new EngineFixture("missedCallState: available\n" + EngineFixture.DefaultYaml);
        f.Agent("alice", "support", ("support", 5));
        f.Agent("bob", "support", ("support", 3));
        f.Ready("alice");
        var call = f.Call("support");
        f.Ready("bob");
        f.Apply(new RingNoAnswer(call, "alice", "ring timeout"));
        Assert.Equal(AgentState.Available, f.State("alice"));
        Assert.Equal("bob", f.AgentFor(call));
        Assert.Contains(f.ReservationFor(call)!.Decision.Losers, l => l.Candidate == "alice" && l.Why == "did not answer this call before");
    }

    [Fact]
    public void Caller_hanging_up_while_the_agent_rings_frees_the_agent()
    {
        var f = EngineFixture.Demo();
        f.Ready("alice");
        var call = f.Call("support");
        f.Seconds(3);
        f.Abandon(call);
        Assert.Equal(AgentState.Available, f.State("alice"));
        f.AssertSound();
    }

    [Fact]
    public void Call_end_puts_the_agent_in_wrap_up_which_ends_by_the_queue_wrap_up_time()
    {
        var f = EngineFixture.Demo();
        f.Ready("alice");
        var call = f.Call("support");
        f.Connect(call, "alice");
        Assert.Equal(AgentState.OnCall, f.State("alice"));
        f.Seconds(60);
        f.Hangup(call);
        Assert.Equal(AgentState.WrapUp, f.State("alice"));
        f.Seconds(29);
        Assert.Equal(AgentState.WrapUp, f.State("alice"));
        f.Seconds(1);
        Assert.Equal(AgentState.Available, f.State("alice"));
        Assert.Equal("wrap-up time elapsed", f.Reason("alice"));
    }

    [Fact]
    public void Complete_wrap_up_frees_the_agent_who_takes_the_next_waiting_call()
    {
        var f = EngineFixture.Demo();
        f.Ready("alice");
        var call = f.Call("support");
        f.Connect(call, "alice");
        var next = f.Call("support");
        f.Hangup(call);
        f.Apply(new FinishWrapUp(call, "alice"));
        Assert.Equal("alice", f.AgentFor(next));
    }

    [Fact]
    public void Call_missing_from_the_gateway_heartbeat_ends_and_the_agent_goes_to_wrap_up()
    {
        var f = EngineFixture.Demo();
        f.Ready("alice");
        var call = f.Call("support");
        f.Connect(call, "alice");
        f.Apply(new GatewayHeartbeat("gw1", [call], TimeSpan.FromSeconds(5)));
        Assert.Equal(AgentState.OnCall, f.State("alice"));
        f.Seconds(5);
        f.Apply(new GatewayHeartbeat("gw1", [], TimeSpan.FromSeconds(5)));
        Assert.Equal(AgentState.WrapUp, f.State("alice"));
    }

    [Fact]
    public void Gateway_silence_for_three_intervals_ends_its_calls()
    {
        var f = EngineFixture.Demo();
        f.Ready("alice");
        var call = f.Call("support");
        f.Connect(call, "alice");
        var waiting = f.Call("support");
        f.Apply(new GatewayHeartbeat("gw1", [call, waiting], TimeSpan.FromSeconds(5)));
        f.Seconds(14);
        Assert.Equal(AgentState.OnCall, f.State("alice"));
        f.Seconds(1);
        Assert.Equal(AgentState.WrapUp, f.State("alice"));
        Assert.Empty(f.Engine.QueueSnapshots()[0].Waiting);
    }

    [Fact]
    public void Not_ready_requested_on_a_call_applies_after_wrap_up()
    {
        var f = EngineFixture.Demo();
        f.Ready("alice");
        var call = f.Call("support");
        f.Connect(call, "alice");
        f.NotReady("alice", "lunch");
        Assert.Equal(AgentState.OnCall, f.State("alice"));
        f.Hangup(call);
        f.Apply(new FinishWrapUp(call, "alice"));
        Assert.Equal(AgentState.NotReady, f.State("alice"));
        Assert.Equal("lunch", f.Reason("alice"));
    }

    [Fact]
    public void Logging_out_while_reserved_gives_the_call_back_to_the_queue()
    {
        var f = EngineFixture.Demo();
        f.Ready("alice");
        var call = f.Call("support");
        f.Ready("bob");
        f.Apply(new ChangeAgentState("alice", AgentState.LoggedOut, null, "supervisor"));
        Assert.Equal(AgentState.LoggedOut, f.State("alice"));
        Assert.Equal("bob", f.AgentFor(call));
    }

    [Fact]
    public void Redelivered_messages_change_nothing_twice()
    {
        var f = EngineFixture.Demo();
        f.Ready("alice");
        var id = Guid.NewGuid();
        f.Call("support", id: id);
        f.Call("support", id: id);
        Assert.Single(f.Reservations);
        f.Connect(id, "alice");
        f.Connect(id, "alice");
        f.Hangup(id);
        f.Hangup(id);
        f.Apply(new FinishWrapUp(id, "alice"));
        f.Apply(new FinishWrapUp(id, "alice"));
        f.Ready("alice");
        f.Call("support", id: id);
        Assert.Single(f.Reservations);
        Assert.Equal(
            [AgentState.Available, AgentState.Reserved, AgentState.OnCall, AgentState.WrapUp, AgentState.Available],
            f.StateChanges.Where(s => s.AgentId == "alice").Select(s => s.State));
    }

    [Fact]
    public void Profile_change_moves_an_agent_between_queues_and_removal_logs_them_out()
    {
        var f = EngineFixture.Demo();
        f.Ready("bob");
        var billing = f.Call("billing");
        Assert.Null(f.AgentFor(billing));
        f.Agent("bob", "support,billing", ("support", 3), ("billing", 3));
        Assert.Equal("bob", f.AgentFor(billing));
        f.Apply(new UpsertAgent(new AgentProfile { AgentId = "carol", DisplayName = "c", Role = PersonRole.Agent, Skills = [], Queues = [], Active = false }));
        f.Ready("carol");
        Assert.Equal(AgentState.LoggedOut, f.State("carol"));
    }
}
