using System.Text.Json;
using ContactCenter.Contracts;
using ContactCenter.Routing.Engine;
using ContactCenter.Routing.Service;
using Microsoft.Extensions.Time.Testing;

namespace ContactCenter.Routing.Tests.Engine;

/// <summary>Agents' outbound calls (click to dial): accepted or refused, the agent busy for the whole call, then back where they were.</summary>
public class OutboundTests
{
    private static EngineFixture WithGateway()
    {
        var f = EngineFixture.Demo();
        f.Apply(new GatewayHeartbeat("gw1", [], TimeSpan.FromSeconds(5)));
        return f;
    }

    private static Guid Dial(EngineFixture f, string agent, string number = "+442079460018", string? gateway = null)
    {
        var id = Guid.NewGuid();
        f.Apply(new StartOutbound(id, agent, number, null, gateway));
        return id;
    }

    [Fact]
    public void An_available_agent_dials_and_the_gateway_is_asked_to_place_it()
    {
        var f = WithGateway();
        f.Ready("alice");
        var id = Dial(f, "alice");

        var accepted = Assert.Single(f.Outputs.OfType<OutboundAccepted>());
        Assert.Equal(id, accepted.CallId);
        Assert.Equal("gw1", accepted.GatewayId);
        Assert.Equal("+442079460018", accepted.Number);
        Assert.Equal(TimeSpan.FromSeconds(15), accepted.RingTimeout); // alice's first queue, support
        Assert.Equal(AgentState.Reserved, f.State("alice"));
        Assert.Equal(id, f.Engine.Agent("alice")!.CallId);
        Assert.Empty(f.Outputs.OfType<OutboundRefused>());
        f.AssertSound();
    }

    [Fact]
    public void The_named_gateway_places_it_when_one_is_configured()
    {
        var f = WithGateway();
        f.Ready("alice");
        Dial(f, "alice", gateway: "gw-out");
        Assert.Equal("gw-out", Assert.Single(f.Outputs.OfType<OutboundAccepted>()).GatewayId);
    }

    [Fact]
    public void A_not_ready_agent_may_dial_and_goes_back_to_not_ready_with_the_reason_after_wrap_up()
    {
        var f = WithGateway();
        f.NotReady("alice", "admin");
        var id = Dial(f, "alice");
        Assert.Equal(AgentState.Reserved, f.State("alice"));
        f.Connect(id, "alice");
        Assert.Equal(AgentState.OnCall, f.State("alice"));
        f.Hangup(id, CallParty.Agent);
        Assert.Equal(AgentState.WrapUp, f.State("alice"));
        f.Apply(new FinishWrapUp(id, "alice"));
        Assert.Equal(AgentState.NotReady, f.State("alice"));
        Assert.Equal("admin", f.Reason("alice"));
        f.AssertSound();
    }

    [Fact]
    public void An_available_agent_is_available_again_when_the_wrap_up_time_of_the_first_queue_runs_out()
    {
        var f = WithGateway();
        f.Ready("alice");
        var id = Dial(f, "alice");
        f.Connect(id, "alice");
        f.Seconds(40);
        f.Hangup(id, CallParty.Caller);
        Assert.Equal(AgentState.WrapUp, f.State("alice"));
        f.Seconds(29);
        Assert.Equal(AgentState.WrapUp, f.State("alice"));
        f.Seconds(2); // support's wrap-up is 30 s
        Assert.Equal(AgentState.Available, f.State("alice"));
        f.AssertSound();
    }

    [Theory]
    [InlineData("on call")]
    [InlineData("wrap-up")]
    [InlineData("logged out")]
    public void An_agent_who_is_not_available_or_not_ready_is_refused_with_the_reason(string situation)
    {
        var f = WithGateway();
        f.Ready("alice");
        if (situation == "on call")
        {
            var call = f.Call("support");
            f.Connect(call, "alice");
        }
        else if (situation == "wrap-up")
        {
            var call = f.Call("support");
            f.Connect(call, "alice");
            f.Hangup(call);
        }
        else
        {
            f.Apply(new ChangeAgentState("alice", AgentState.LoggedOut, null, "alice"));
        }

        var before = f.State("alice");
        var id = Dial(f, "alice");

        var refused = Assert.Single(f.Outputs.OfType<OutboundRefused>());
        Assert.Equal(id, refused.CallId);
        Assert.False(string.IsNullOrWhiteSpace(refused.Reason));
        Assert.Empty(f.Outputs.OfType<OutboundAccepted>());
        Assert.Equal(before, f.State("alice"));
        f.AssertSound();
    }

    [Fact]
    public void A_second_outbound_call_while_on_one_is_refused()
    {
        var f = WithGateway();
        f.Ready("alice");
        Dial(f, "alice");
        Dial(f, "alice", "+441234000000");
        Assert.Equal("you are already on a call", Assert.Single(f.Outputs.OfType<OutboundRefused>()).Reason);
    }

    [Fact]
    public void Without_a_live_gateway_the_call_is_refused()
    {
        var f = EngineFixture.Demo();
        f.Ready("alice");
        Dial(f, "alice");
        Assert.Equal("no telephony gateway is running", Assert.Single(f.Outputs.OfType<OutboundRefused>()).Reason);
        Assert.Equal(AgentState.Available, f.State("alice"));
    }

    [Fact]
    public void An_agent_this_partition_only_keeps_as_moved_away_is_left_to_the_partition_that_owns_them()
    {
        var f = WithGateway();
        f.Apply(new UpsertAgent(new AgentProfile { AgentId = "bob", DisplayName = "bob", Role = PersonRole.Agent, Skills = [], Queues = [], Active = false }));
        Dial(f, "bob");
        Assert.Empty(f.Outputs.OfType<OutboundRefused>());
        Assert.Empty(f.Outputs.OfType<OutboundAccepted>());
    }

    [Fact]
    public void A_redelivered_command_changes_nothing()
    {
        var f = WithGateway();
        f.Ready("alice");
        var id = Guid.NewGuid();
        f.Apply(new StartOutbound(id, "alice", "+442079460018", null, null));
        f.Apply(new StartOutbound(id, "alice", "+442079460018", null, null));
        Assert.Single(f.Outputs.OfType<OutboundAccepted>());
        Assert.Empty(f.Outputs.OfType<OutboundRefused>());
    }

    [Fact]
    public void No_queue_call_is_offered_to_the_agent_for_the_whole_outbound_call()
    {
        var f = WithGateway();
        f.Ready("alice");
        var id = Dial(f, "alice");
        var waiting = f.Call("support");
        Assert.Null(f.AgentFor(waiting));
        f.Connect(id, "alice");
        f.Seconds(5);
        f.Call("billing");
        Assert.DoesNotContain(f.Reservations, r => r.Decision.AgentId == "alice");
        f.Hangup(id, CallParty.Agent);
        Assert.DoesNotContain(f.Reservations, r => r.Decision.AgentId == "alice");
        f.Apply(new FinishWrapUp(id, "alice"));
        // Back to Available: now a waiting call goes to alice.
        Assert.Contains(f.Reservations, r => r.Decision.AgentId == "alice");
        f.AssertSound();
    }

    [Fact]
    public void A_not_ready_request_during_the_call_applies_when_it_is_over()
    {
        var f = WithGateway();
        f.Ready("alice");
        var id = Dial(f, "alice");
        f.NotReady("alice", "lunch");
        Assert.Equal(AgentState.Reserved, f.State("alice"));
        f.Connect(id, "alice");
        f.Hangup(id, CallParty.Agent);
        f.Apply(new FinishWrapUp(id, "alice"));
        Assert.Equal(AgentState.NotReady, f.State("alice"));
        Assert.Equal("lunch", f.Reason("alice"));
    }

    [Fact]
    public void When_the_agent_does_not_answer_their_phone_they_go_back_to_their_state_and_the_call_is_not_offered_to_anyone()
    {
        var f = WithGateway();
        f.NotReady("alice", "admin");
        f.Ready("bob");
        var id = Dial(f, "alice");
        f.Apply(new EndCall(id, "alice", CallOutcome.NoAnswer, CallParty.Agent, "agent did not answer"));
        Assert.Equal(AgentState.NotReady, f.State("alice"));
        Assert.Equal("admin", f.Reason("alice"));
        Assert.Empty(f.Reservations);
        Assert.Equal(AgentState.Available, f.State("bob"));
        f.AssertSound();
    }

    [Fact]
    public void A_ring_timeout_without_news_from_the_gateway_frees_the_agent()
    {
        var f = WithGateway();
        f.Ready("alice");
        Dial(f, "alice");
        f.Apply(new GatewayHeartbeat("gw1", [], TimeSpan.FromSeconds(60)));
        f.Seconds(19); // ring 15 s + grace 3 s
        Assert.Equal(AgentState.Available, f.State("alice"));
        Assert.Empty(f.Reservations);
        f.AssertSound();
    }

    [Fact]
    public void Outbound_calls_count_in_no_queue_statistics()
    {
        var f = WithGateway();
        f.Ready("alice");
        var before = Json(Enumerable.Range(0, f.Engine.QueueCount + 1).Select(i => Counts(f.Engine.Statistics(i))).ToList());
        var id = Dial(f, "alice");
        f.Connect(id, "alice");
        f.Seconds(30);
        f.Hangup(id, CallParty.Caller);
        f.Apply(new FinishWrapUp(id, "alice"));
        var failed = Dial(f, "alice");
        f.Apply(new EndCall(failed, "alice", CallOutcome.Failed, CallParty.System, "customer 503"));
        var after = Json(Enumerable.Range(0, f.Engine.QueueCount + 1).Select(i => Counts(f.Engine.Statistics(i))).ToList());
        Assert.Equal(before, after);
    }

    [Fact]
    public void A_snapshot_taken_in_the_middle_of_an_outbound_call_restores_the_agent_busy()
    {
        var f = WithGateway();
        f.NotReady("alice", "admin");
        var id = Dial(f, "alice");
        f.Connect(id, "alice");
        f.Seconds(3);

        var json = JsonSerializer.Serialize(f.Engine.Capture(), EngineJournal.SnapshotJson);
        var clock = new FakeTimeProvider(f.Clock.GetUtcNow());
        var restored = new RoutingEngine(f.Config, clock);
        restored.Restore(JsonSerializer.Deserialize<EngineState>(json, EngineJournal.SnapshotJson)!);
        Assert.Empty(restored.CheckInvariants());
        Assert.Equal(AgentState.OnCall, restored.Agent("alice")!.State);
        Assert.Equal(id, restored.Agent("alice")!.CallId);

        // A queue call meanwhile is not offered to alice; the call's end and wrap-up bring her back to NotReady (admin).
        var waiting = Guid.NewGuid();
        restored.Handle(new QueueCall(waiting, "billing", "+441", "gw1", "", [], 0, CustomerTier.Standard, null, null, false, clock.GetUtcNow()));
        Assert.DoesNotContain(restored.Outputs.OfType<ReservationMade>(), r => r.Decision.AgentId == "alice");
        restored.Handle(new EndCall(id, "alice", CallOutcome.Answered, CallParty.Caller, "BYE"));
        Assert.Equal(AgentState.WrapUp, restored.Agent("alice")!.State);
        restored.Handle(new FinishWrapUp(id, "alice"));
        Assert.Equal(AgentState.NotReady, restored.Agent("alice")!.State);
        Assert.Equal("admin", restored.Agent("alice")!.Reason);
        Assert.Empty(restored.CheckInvariants());
    }

    [Fact]
    public void The_journal_round_trips_an_outbound_call_and_replay_restores_the_agent_busy()
    {
        var f = WithGateway();
        f.Ready("alice");
        var id = Dial(f, "alice");
        f.Seconds(1);
        var path = Path.Combine(Path.GetTempPath(), $"routing-journal-{Guid.NewGuid():N}.jsonl");
        try
        {
            using (var journal = new EngineJournal(path))
            {
                journal.ReadAll();
                foreach (var (at, input) in f.Log)
                {
                    journal.Append(at, input);
                }
            }

            using var reopened = new EngineJournal(path);
            var entries = reopened.ReadAll();
            Assert.Contains(entries, e => e.Input is StartOutbound s && s.CallId == id);
            var clock = new ReplayClock(new FakeTimeProvider(f.Log[0].At));
            var engine = new RoutingEngine(f.Config, clock);
            EngineJournal.Replay(entries, engine, clock);
            Assert.Equal(AgentState.Reserved, engine.Agent("alice")!.State);
            Assert.Equal(id, engine.Agent("alice")!.CallId);
            Assert.Equal(
                JsonSerializer.Serialize(f.Engine.Capture(), EngineJournal.SnapshotJson),
                JsonSerializer.Serialize(engine.Capture(), EngineJournal.SnapshotJson));
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static object Counts(QueueStatistics s) => new { s.Queue, s.Offered, s.Answered, s.Abandoned, s.Handled };

    private static string Json<T>(T value) => JsonSerializer.Serialize(value);
}
