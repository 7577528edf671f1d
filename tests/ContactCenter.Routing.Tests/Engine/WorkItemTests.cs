using System.Text.Json;
using ContactCenter.Contracts;
using ContactCenter.Routing.Engine;
using ContactCenter.Routing.Service;
using Microsoft.Extensions.Time.Testing;

namespace ContactCenter.Routing.Tests.Engine;

/// <summary>
/// Voicemails as work items: offered on the desktop with no phone leg, accepted within the queue's offer time or given to the next
/// agent, worked (and called back from) until completed, within each agent's work capacity and never beside a call unless the
/// queue allows it.
/// </summary>
public class WorkItemTests
{
    private static string Yaml(string billingWorkItems = "") => $$"""
        shortAbandonSeconds: 5
        queues:
          - name: support
            skills:
              - { skill: support, level: 3 }
            wrapUpSeconds: 30
            ringTimeoutSeconds: 15
            preferredAgentSeconds: 20
          - name: billing
            skills:
              - { skill: billing, level: 2 }
            wrapUpSeconds: 20
            ringTimeoutSeconds: 20
            preferredAgentSeconds: 20
        {{billingWorkItems}}
        """;

    private static EngineFixture Demo(string billingWorkItems = "")
    {
        var f = new EngineFixture(Yaml(billingWorkItems));
        f.Agent("alice", "support,billing", ("support", 5), ("billing", 2));
        f.Agent("bob", "support", ("support", 3));
        f.Agent("carol", "billing", ("billing", 5));
        // A gateway that stays live through the tests' minutes (a 5 s heartbeat would be lost and end the waiting calls).
        f.Apply(new GatewayHeartbeat("gw1", [], TimeSpan.FromSeconds(60)));
        return f;
    }

    [Fact]
    public void A_voicemail_is_offered_to_an_available_agent_then_worked_and_completed_without_a_phone_leg()
    {
        var f = Demo();
        f.Ready("carol");
        var vm = f.Voicemail("billing");

        var offer = Assert.Single(f.Reservations);
        Assert.Equal(OfferKind.Voicemail, offer.Offer);
        Assert.Equal(TimeSpan.FromSeconds(30), offer.OfferTimeout);
        Assert.Equal(("carol", vm, "billing"), (offer.Decision.AgentId, offer.Decision.CallId, offer.Decision.Queue));
        Assert.True(offer.Decision.Waited >= TimeSpan.FromMinutes(15), "the voicemail keeps the call's wait");
        Assert.Equal(AgentState.Reserved, f.State("carol"));
        Assert.Equal(vm, f.Engine.Agent("carol")!.CallId);
        f.AssertSound();

        f.Seconds(5);
        f.Accept(vm, "carol");
        var taken = Assert.Single(f.Outputs.OfType<OfferTaken>());
        Assert.Equal((vm, "carol", OfferKind.Voicemail), (taken.CallId, taken.AgentId, taken.Offer));
        Assert.Equal(AgentState.OnCall, f.State("carol"));
        f.AssertSound();

        // Working on it has no time limit of its own: well past the offer time and the ring timeout, still carol's.
        f.Seconds(120);
        Assert.Equal(AgentState.OnCall, f.State("carol"));
        f.Complete(vm, "carol");
        Assert.Equal(AgentState.Available, f.State("carol"));
        Assert.Equal(0, f.Engine.WaitingWorkItems);
        Assert.False(f.Engine.KnowsCall(vm));
        f.AssertSound();

        // A redelivered completion or acceptance changes nothing.
        var count = f.Outputs.Count;
        f.Complete(vm, "carol");
        f.Accept(vm, "carol");
        Assert.Equal(count, f.Outputs.Count);
    }

    [Fact]
    public void A_voicemail_waits_for_a_member_of_its_queue_with_its_skills()
    {
        var f = Demo();
        f.Ready("bob"); // support only
        var vm = f.Voicemail("billing");
        Assert.Empty(f.Reservations);
        Assert.Equal(1, f.Engine.WaitingWorkItems);
        f.AssertSound();

        f.Ready("carol");
        Assert.Equal("carol", f.AgentFor(vm));
        Assert.Equal(0, f.Engine.WaitingWorkItems);
        f.AssertSound();
    }

    [Fact]
    public void A_call_never_rings_an_agent_working_a_voicemail_when_the_queue_allows_no_calls_meanwhile()
    {
        var f = Demo();
        f.Ready("carol");
        var vm = f.Voicemail("billing");
        f.Accept(vm, "carol");

        var call = f.Call("billing");
        Assert.Null(f.AgentFor(call));
        f.Seconds(60);
        Assert.Null(f.AgentFor(call));
        f.AssertSound();

        // alice (billing 2) becomes available and takes the call; carol still works on the voicemail.
        f.Ready("alice");
        Assert.Equal("alice", f.AgentFor(call));
        Assert.Equal(AgentState.OnCall, f.State("carol"));

        // Once carol completes the voicemail, the next waiting call is hers at once.
        var next = f.Call("billing");
        Assert.Null(f.AgentFor(next));
        f.Complete(vm, "carol");
        Assert.Equal("carol", f.AgentFor(next));
        f.AssertSound();
    }

    [Fact]
    public void A_voicemail_is_not_offered_during_a_call_and_waits_for_the_agent_after_wrap_up()
    {
        var f = Demo();
        f.Ready("carol");
        var call = f.Call("billing");
        f.Connect(call, "carol");
        var vm = f.Voicemail("billing");
        Assert.Null(f.AgentFor(vm));
        f.Hangup(call);
        Assert.Null(f.AgentFor(vm));
        f.Apply(new FinishWrapUp(call, "carol"));
        Assert.Equal("carol", f.AgentFor(vm));
        f.AssertSound();
    }

    [Fact]
    public void A_freed_agent_takes_a_waiting_call_before_a_waiting_voicemail()
    {
        var f = Demo();
        var vm = f.Voicemail("billing", waitedBefore: TimeSpan.FromHours(1));
        var call = f.Call("billing");
        f.Ready("carol");
        Assert.Equal("carol", f.AgentFor(call));
        Assert.Null(f.AgentFor(vm));
        f.AssertSound();
    }

    [Fact]
    public void Calls_still_ring_an_agent_working_a_voicemail_when_the_queue_says_so()
    {
        var f = Demo("""
                workItems: { offerSeconds: 20, capacity: 1, callsWhileWorking: true }
            """);
        f.Ready("carol");
        var vm = f.Voicemail("billing");
        Assert.Equal(TimeSpan.FromSeconds(20), f.ReservationFor(vm)!.OfferTimeout);
        Assert.Equal(AgentState.Available, f.State("carol")); // the offer leaves her state alone
        f.Accept(vm, "carol");
        Assert.Equal(AgentState.Available, f.State("carol"));
        f.AssertSound();

        var call = f.Call("billing");
        Assert.Equal("carol", f.AgentFor(call));
        f.Connect(call, "carol");
        f.Hangup(call);
        f.Apply(new FinishWrapUp(call, "carol"));
        Assert.Equal(AgentState.Available, f.State("carol"));

        // Her capacity (1) is taken by the voicemail she still holds: a second one waits until she completes it.
        var second = f.Voicemail("billing");
        Assert.Null(f.AgentFor(second));
        f.Complete(vm, "carol");
        Assert.Equal("carol", f.AgentFor(second));
        f.AssertSound();
    }

    [Fact]
    public void An_offer_not_accepted_in_time_goes_to_the_next_agent_like_a_missed_ring()
    {
        var f = Demo();
        f.Ready("carol");
        f.Ready("alice");
        var vm = f.Voicemail("billing");
        Assert.Equal("carol", f.AgentFor(vm)); // billing 5 before alice's 2

        f.Seconds(29);
        Assert.Equal(AgentState.Reserved, f.State("carol"));
        f.Seconds(1);
        var ended = Assert.Single(f.Withdrawn);
        Assert.Equal((vm, "carol", "not accepted in time"), (ended.CallId, ended.AgentId, ended.Reason));
        Assert.Equal(AgentState.NotReady, f.State("carol"));
        Assert.Equal("missed", f.Reason("carol"));
        Assert.Equal("alice", f.AgentFor(vm));
        f.AssertSound();

        // carol's late Accept finds nothing of hers.
        f.Accept(vm, "carol");
        Assert.Empty(f.Outputs.OfType<OfferTaken>());
        Assert.Equal(AgentState.Reserved, f.State("alice"));
    }

    [Fact]
    public void A_skipped_voicemail_goes_to_the_next_agent_and_the_skipping_agent_is_not_ready_as_skipped()
    {
        var f = Demo();
        f.Ready("carol");
        f.Ready("alice");
        var vm = f.Voicemail("billing");
        f.Skip(vm, "carol");
        Assert.Equal("skipped", Assert.Single(f.Withdrawn).Reason);
        Assert.Equal((AgentState.NotReady, "skipped"), (f.State("carol"), f.Reason("carol")));
        Assert.Equal("alice", f.AgentFor(vm));
        f.AssertSound();
    }

    [Fact]
    public void A_voicemail_skipped_by_the_only_agent_comes_back_to_them_once_they_are_available_again()
    {
        var f = Demo();
        f.Ready("carol");
        var vm = f.Voicemail("billing");
        f.Skip(vm, "carol");
        Assert.Equal(1, f.Engine.WaitingWorkItems);
        f.Ready("carol");
        Assert.Equal(2, f.Offers.Count(o => o.Decision.CallId == vm && o.Decision.AgentId == "carol"));
        f.AssertSound();
    }

    [Fact]
    public void Capacity_lets_an_agent_hold_several_voicemails_and_the_next_waits_for_room()
    {
        var f = Demo("""
                workItems: { capacity: 2 }
            """);
        f.Ready("carol");
        var first = f.Voicemail("billing");
        var second = f.Voicemail("billing");
        var third = f.Voicemail("billing");
        Assert.Equal("carol", f.AgentFor(first));
        Assert.Equal("carol", f.AgentFor(second));
        Assert.Null(f.AgentFor(third));
        Assert.Equal(AgentState.Reserved, f.State("carol"));
        f.AssertSound();

        f.Accept(second, "carol");
        Assert.Equal(AgentState.OnCall, f.State("carol"));
        Assert.Equal(second, f.Engine.Agent("carol")!.CallId);
        f.Accept(first, "carol");
        f.AssertSound();

        f.Complete(second, "carol");
        Assert.Equal("carol", f.AgentFor(third));
        Assert.Equal(AgentState.OnCall, f.State("carol")); // still on the first
        f.AssertSound();

        f.Complete(first, "carol");
        Assert.Equal(AgentState.Reserved, f.State("carol")); // the third, offered
        f.Accept(third, "carol");
        f.Complete(third, "carol");
        Assert.Equal(AgentState.Available, f.State("carol"));
        f.AssertSound();
    }

    [Fact]
    public void By_default_an_agent_holds_one_voicemail_at_a_time()
    {
        var f = Demo();
        f.Ready("carol");
        var first = f.Voicemail("billing");
        var second = f.Voicemail("billing");
        Assert.Equal("carol", f.AgentFor(first));
        Assert.Null(f.AgentFor(second));
        f.Accept(first, "carol");
        Assert.Null(f.AgentFor(second));
        f.Complete(first, "carol");
        Assert.Equal("carol", f.AgentFor(second));
        f.AssertSound();
    }

    [Fact]
    public void The_case_owner_is_offered_the_voicemail_first_within_the_queues_window()
    {
        var f = Demo();
        f.Ready("carol");
        f.Ready("alice");
        var busy = f.Call("support");
        Assert.Equal("alice", f.AgentFor(busy));
        f.Connect(busy, "alice");

        var vm = f.Voicemail("billing", preferred: "alice");
        Assert.Null(f.AgentFor(vm)); // alice is on a call; carol may not take it within alice's window
        f.Seconds(19);
        Assert.Null(f.AgentFor(vm));
        f.Seconds(1);
        Assert.Equal("carol", f.AgentFor(vm));
        f.AssertSound();

        var owned = f.Voicemail("billing", preferred: "alice");
        f.Hangup(busy);
        f.Apply(new FinishWrapUp(busy, "alice"));
        Assert.Equal("alice", f.AgentFor(owned));
        Assert.Contains("preferred", f.ReservationFor(owned)!.Decision.Rule, StringComparison.Ordinal);
        f.AssertSound();
    }

    [Fact]
    public void The_agent_calls_back_from_the_voicemail_and_is_back_on_it_after_the_call_with_no_wrap_up_of_its_own()
    {
        var f = Demo();
        f.Ready("carol");
        var vm = f.Voicemail("billing");
        var early = Guid.NewGuid();
        f.Apply(new StartOutbound(early, "carol", "+442079460018", null, null, vm));
        Assert.Equal("accept the voicemail before calling back", Assert.Single(f.Outputs.OfType<OutboundRefused>()).Reason);

        f.Accept(vm, "carol");
        var back = Guid.NewGuid();
        f.Apply(new StartOutbound(back, "carol", "+442079460018", null, null, vm));
        var placed = Assert.Single(f.Outputs.OfType<OutboundAccepted>());
        Assert.Equal((back, "gw1"), (placed.CallId, placed.GatewayId));
        Assert.Equal((AgentState.Reserved, back), (f.State("carol"), f.Engine.Agent("carol")!.CallId));
        f.AssertSound();

        f.Connect(back, "carol");
        Assert.Equal(AgentState.OnCall, f.State("carol"));
        f.Seconds(40);
        f.Hangup(back, CallParty.Caller);
        Assert.Equal((AgentState.OnCall, vm), (f.State("carol"), f.Engine.Agent("carol")!.CallId));
        Assert.DoesNotContain(f.StateChanges, s => s.AgentId == "carol" && s.State == AgentState.WrapUp);
        f.AssertSound();

        // A call that waits meanwhile is not offered to her until she completes the voicemail.
        var call = f.Call("billing");
        Assert.Null(f.AgentFor(call));
        f.Complete(vm, "carol");
        Assert.Equal("carol", f.AgentFor(call));
        f.AssertSound();
    }

    [Fact]
    public void A_call_back_whose_phone_is_not_answered_returns_the_agent_to_the_voicemail()
    {
        var f = Demo();
        f.Ready("carol");
        var vm = f.Voicemail("billing");
        f.Accept(vm, "carol");
        var back = Guid.NewGuid();
        f.Apply(new StartOutbound(back, "carol", "+442079460018", null, null, vm));
        f.Apply(new RingNoAnswer(back, "carol", "no answer"));
        Assert.Equal((AgentState.OnCall, vm), (f.State("carol"), f.Engine.Agent("carol")!.CallId));
        f.AssertSound();
    }

    [Fact]
    public void Not_ready_asked_for_while_working_applies_once_the_voicemail_is_completed()
    {
        var f = Demo();
        f.Ready("carol");
        var vm = f.Voicemail("billing");
        f.Accept(vm, "carol");
        f.NotReady("carol", "lunch");
        Assert.Equal(AgentState.OnCall, f.State("carol"));
        var second = f.Voicemail("billing");
        f.Complete(vm, "carol");
        Assert.Equal((AgentState.NotReady, "lunch"), (f.State("carol"), f.Reason("carol")));
        Assert.Null(f.AgentFor(second));
        f.AssertSound();
    }

    [Fact]
    public void Not_ready_while_offered_withdraws_the_offer_at_once()
    {
        var f = Demo();
        f.Ready("carol");
        f.Ready("alice");
        var vm = f.Voicemail("billing");
        f.NotReady("carol", "break");
        Assert.Equal((AgentState.NotReady, "break"), (f.State("carol"), f.Reason("carol")));
        Assert.Equal(vm, Assert.Single(f.Withdrawn).CallId);
        Assert.Equal("alice", f.AgentFor(vm));
        f.AssertSound();
    }

    [Fact]
    public void An_agent_who_logs_out_while_working_gives_the_voicemail_to_the_next_agent()
    {
        var f = Demo();
        f.Ready("carol");
        var vm = f.Voicemail("billing");
        f.Accept(vm, "carol");
        f.Ready("alice");
        f.Apply(new ChangeAgentState("carol", AgentState.LoggedOut, null, "sam"));
        Assert.Equal(AgentState.LoggedOut, f.State("carol"));
        Assert.Equal((vm, "carol"), (Assert.Single(f.Withdrawn).CallId, f.Withdrawn.Single().AgentId));
        Assert.Equal("alice", f.AgentFor(vm));
        f.AssertSound();

        // Removed from the directory while offered: the same.
        f.Apply(new UpsertAgent(new AgentProfile { AgentId = "alice", DisplayName = "alice", Role = PersonRole.Agent, Skills = [], Queues = [], Active = false }));
        Assert.Equal(AgentState.LoggedOut, f.State("alice"));
        Assert.Equal(1, f.Engine.WaitingWorkItems);
        f.AssertSound();
    }

    [Fact]
    public void A_voicemail_for_a_queue_refusing_calls_without_agents_is_refused_and_accepted_when_handed_over_again()
    {
        var f = new EngineFixture("""
            queues:
              - name: billing
                skills: [{ skill: billing, level: 2 }]
                acceptWithoutAgents: false
            """);
        f.Agent("carol", "billing", ("billing", 5));
        var id = Guid.NewGuid();
        f.Voicemail("billing", id: id);
        var refused = Assert.Single(f.Outputs.OfType<CallDiverted>());
        Assert.Equal((id, "no-agents"), (refused.CallId, refused.Action));

        f.Ready("carol");
        f.Voicemail("billing", id: id); // the gateway's ledger hands it over again later
        Assert.Equal("carol", f.AgentFor(id));
        f.AssertSound();
    }

    [Fact]
    public void The_gateways_heartbeat_never_ends_a_voicemail()
    {
        var f = Demo();
        var vm = f.Voicemail("billing");
        f.Seconds(30);
        f.Apply(new GatewayHeartbeat("gw1", [], TimeSpan.FromSeconds(5)));
        f.Seconds(60); // heartbeat lost as well
        f.Ready("carol");
        Assert.Equal("carol", f.AgentFor(vm));
        f.Accept(vm, "carol");
        f.Apply(new GatewayHeartbeat("gw1", [], TimeSpan.FromSeconds(5)));
        f.Seconds(20);
        Assert.Equal((AgentState.OnCall, vm), (f.State("carol"), f.Engine.Agent("carol")!.CallId));
        f.AssertSound();
    }

    [Fact]
    public void A_snapshot_taken_while_voicemails_wait_are_offered_and_worked_restores_an_engine_that_decides_the_same()
    {
        var f = Demo("""
                workItems: { capacity: 2 }
            """);
        f.Ready("carol");
        f.Ready("alice");
        var worked = f.Voicemail("billing");
        f.Accept(worked, "carol");
        var offered = f.Voicemail("billing");
        var waiting = f.Voicemail("support", preferred: "bob");

        var clock = new FakeTimeProvider(f.Clock.GetUtcNow());
        var restored = new RoutingEngine(f.Config, clock);
        var json = JsonSerializer.Serialize(f.Engine.Capture(), EngineJournal.SnapshotJson);
        restored.Restore(JsonSerializer.Deserialize<EngineState>(json, EngineJournal.SnapshotJson)!);
        Assert.Empty(restored.CheckInvariants());
        Assert.Equal(json, JsonSerializer.Serialize(restored.Capture(), EngineJournal.SnapshotJson));

        EngineInput[] rest =
        [
            new Tick(), new TakeOffer(offered, "alice"), new TakeOffer(offered, "carol"), new FinishWrapUp(worked, "carol"),
            new ChangeAgentState("bob", AgentState.Available, null, "bob"), new Tick(),
        ];
        foreach (var input in rest)
        {
            f.Clock.Advance(TimeSpan.FromSeconds(5));
            clock.Advance(TimeSpan.FromSeconds(5));
            f.Engine.Handle(input);
            restored.Handle(input);
            Assert.Equal(JsonSerializer.Serialize<object[]>([.. f.Engine.Outputs]), JsonSerializer.Serialize<object[]>([.. restored.Outputs]));
            f.Engine.Outputs.Clear();
            restored.Outputs.Clear();
            Assert.Empty(restored.CheckInvariants());
        }
        Assert.Equal(JsonSerializer.Serialize(f.Engine.Capture(), EngineJournal.SnapshotJson), JsonSerializer.Serialize(restored.Capture(), EngineJournal.SnapshotJson));
        Assert.Equal(AgentState.OnCall, f.Engine.Agent("carol")!.State);
        Assert.Equal(offered, f.Engine.Agent("carol")!.CallId);
        Assert.Equal((AgentState.Reserved, waiting), (restored.Agent("bob")!.State, restored.Agent("bob")!.CallId));
    }
}
