using ContactCenter.Contracts;
using ContactCenter.Desktop.Hubs;
using ContactCenter.Desktop.State;
using ContactCenter.Desktop.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace ContactCenter.Desktop.Tests;

/// <summary>The in-memory store behind pushes and resync: idempotent, order-tolerant, bounded.</summary>
public sealed class DesktopStateTests
{
    private readonly FakeTimeProvider time = new(new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero));
    private readonly DesktopState state;

    public DesktopStateTests() => state = new DesktopState(time);

    [Fact]
    public void Redelivered_call_events_change_nothing_the_second_time()
    {
        var id = Guid.NewGuid();
        Assert.NotNull(state.OnReserved(Calls.Reserved(id, "alice")));
        Assert.Null(state.OnReserved(Calls.Reserved(id, "alice")));
        var pop = Calls.AdaPop(id, "alice");
        Assert.NotNull(state.OnScreenPop(pop).Pop);
        Assert.Null(state.OnScreenPop(pop).Pop);
        var connected = Calls.Connected(id, "alice");
        Assert.Equal(CallPhase.Connected, state.OnConnected(connected)?.Phase);
        Assert.Null(state.OnConnected(connected));
        var ended = Calls.Ended(id, "alice");
        Assert.Equal(CallPhase.WrapUp, state.OnEnded(ended)?.Phase);
        Assert.Null(state.OnEnded(ended));
    }

    [Fact]
    public void A_blind_transfer_puts_the_transferring_agent_in_wrap_up_and_rings_the_next_agent()
    {
        var id = Guid.NewGuid();
        state.OnReserved(Calls.Reserved(id, "alice"));
        state.OnConnected(Calls.Connected(id, "alice"));
        var transferred = new CallTransferred
        {
            CallId = id, AgentId = "alice", Queue = "billing", Caller = "+442079460018", GatewayId = "gw1",
            IvrPath = "main>2>support>transfer>billing", OccurredAt = time.GetUtcNow(),
        };
        var alice = state.OnTransferred(transferred);
        Assert.Equal(CallPhase.WrapUp, alice?.Phase);
        Assert.Equal("transferred to billing", alice?.EndReason);
        Assert.Null(state.OnTransferred(transferred));
        var carol = state.OnReserved(Calls.Reserved(id, "carol"));
        Assert.Equal(CallPhase.Ringing, carol?.Phase);
        Assert.Equal("carol", carol?.AgentId);
    }

    [Fact]
    public void After_a_take_over_the_call_is_the_supervisors_yet_the_agent_it_was_taken_from_wraps_it_up()
    {
        var id = Guid.NewGuid();
        state.OnReserved(Calls.Reserved(id, "alice"));
        state.OnConnected(Calls.Connected(id, "alice"));
        var alice = state.OnTakenOver(new CallTakenOver { CallId = id, AgentId = "alice", SupervisorId = "sam", OccurredAt = time.GetUtcNow() });
        Assert.Equal((CallPhase.WrapUp, "taken over by sam"), (alice?.Phase, alice?.EndReason));

        // sam's events for the call make it his; bob is still refused it, alice may still wrap up her part.
        state.OnConnected(Calls.Connected(id, "sam"));
        Assert.False(state.IsAnotherAgentsCall("alice", id));
        Assert.False(state.IsAnotherAgentsCall("sam", id));
        Assert.True(state.IsAnotherAgentsCall("bob", id));
    }

    [Fact]
    public void Events_arriving_out_of_order_never_move_a_call_backwards()
    {
        var id = Guid.NewGuid();
        Assert.Equal(CallPhase.Connected, state.OnConnected(Calls.Connected(id, "alice"))?.Phase);
        var reserved = state.OnReserved(Calls.Reserved(id, "alice"));
        Assert.Equal(CallPhase.Connected, reserved?.Phase);
        Assert.Equal("+442071234567", reserved?.Caller);

        var (pop, call) = state.OnScreenPop(Calls.AdaPop(id, "alice"));
        Assert.NotNull(pop);
        Assert.Null(call);
        Assert.Equal(CallPhase.Connected, state.Connect("alice", "Alice").Call?.Phase);
    }

    [Fact]
    public void Pop_before_reservation_creates_the_ringing_call()
    {
        var id = Guid.NewGuid();
        var (pop, call) = state.OnScreenPop(Calls.AdaPop(id, "alice"));
        Assert.NotNull(pop);
        Assert.Equal(CallPhase.Ringing, call?.Phase);
        Assert.Equal("main>2>support", call?.IvrPath);
    }

    [Fact]
    public void A_finished_call_ignores_late_events_and_is_not_resent()
    {
        var id = Guid.NewGuid();
        state.OnScreenPop(Calls.AdaPop(id, "alice"));
        state.OnConnected(Calls.Connected(id, "alice"));
        state.OnEnded(Calls.Ended(id, "alice"));
        Assert.Equal(CallPhase.Ended, state.OnWrapUpCompleted("alice", id)?.Phase);

        Assert.Null(state.OnConnected(Calls.Connected(id, "alice")));
        Assert.Null(state.OnScreenPop(Calls.AdaPop(id, "alice")).Pop);
        var resync = state.Connect("alice", null);
        Assert.Null(resync.Call);
        Assert.Null(resync.Pop);
    }

    [Fact]
    public void Unanswered_call_ends_when_routing_takes_the_reservation_back()
    {
        var id = Guid.NewGuid();
        state.OnReserved(Calls.Reserved(id, "alice"));
        time.Advance(TimeSpan.FromSeconds(20));
        var (agent, call) = state.OnAgentState(new AgentStateChanged
        {
            AgentId = "alice", State = AgentState.NotReady, Previous = AgentState.Reserved, Reason = "missed",
            CallId = id, OccurredAt = Calls.Now.AddSeconds(1),
        });
        Assert.Equal(AgentState.NotReady, agent?.State);
        Assert.Equal(CallPhase.Ended, call?.Phase);
        Assert.Equal("missed", call?.EndReason);
    }

    [Fact]
    public void Wrap_up_timeout_from_routing_ends_the_call()
    {
        var id = Guid.NewGuid();
        state.OnConnected(Calls.Connected(id, "alice"));
        state.OnEnded(Calls.Ended(id, "alice"));
        var (_, call) = state.OnAgentState(Calls.State("alice", AgentState.Available, AgentState.WrapUp, "wrap-up timeout"));
        Assert.Equal(CallPhase.Ended, call?.Phase);
    }

    [Fact]
    public void Older_agent_states_and_queue_figures_are_ignored()
    {
        var newer = Calls.State("bob", AgentState.Available, AgentState.NotReady);
        var older = newer with { State = AgentState.NotReady, OccurredAt = newer.OccurredAt.AddSeconds(-5) };
        Assert.NotNull(state.OnAgentState(newer).State);
        Assert.Null(state.OnAgentState(older).State);
        Assert.Null(state.OnAgentState(newer).State);

        var stats = Calls.Stats("support", 3);
        Assert.Single(state.OnQueueStatistics(stats));
        Assert.Empty(state.OnQueueStatistics(stats));
        Assert.Empty(state.OnQueueStatistics(stats with { Waiting = 0, OccurredAt = stats.OccurredAt.AddSeconds(-1) }));
        var (queues, agents) = state.BoardSnapshot();
        Assert.Equal(3, Assert.Single(queues).Waiting);
        Assert.Equal(AgentState.Available, Assert.Single(agents).State);
    }

    [Fact]
    public void Partitions_overall_rows_merge_into_all_queues_from_their_counters_not_their_rates()
    {
        var east = Calls.Stats("*east", 2) with
        {
            LongestWait = TimeSpan.FromSeconds(50), Offered = 100, Answered = 90, Abandoned = 6, AnsweredWithinTarget = 81, ShortAbandoned = 4,
            Diverted = 0, Handled = 88, TotalAnswerWait = TimeSpan.FromSeconds(900), TotalHandleTime = TimeSpan.FromSeconds(88 * 200),
            BusyTime = TimeSpan.FromMinutes(45), StaffedTime = TimeSpan.FromMinutes(60), EstimatedWait = TimeSpan.FromSeconds(20),
            AgentsByState = new Dictionary<AgentState, int> { [AgentState.Available] = 2, [AgentState.OnCall] = 5 },
        };
        var west = Calls.Stats("*west", 1) with
        {
            LongestWait = TimeSpan.FromSeconds(12), Offered = 10, Answered = 5, Abandoned = 4, AnsweredWithinTarget = 1, ShortAbandoned = 0,
            Diverted = 1, Handled = 5, TotalAnswerWait = TimeSpan.FromSeconds(300), TotalHandleTime = TimeSpan.FromSeconds(5 * 400),
            BusyTime = TimeSpan.FromMinutes(10), StaffedTime = TimeSpan.FromMinutes(40), EstimatedWait = TimeSpan.FromSeconds(90),
            AgentsByState = new Dictionary<AgentState, int> { [AgentState.OnCall] = 1, [AgentState.NotReady] = 1 },
            OccurredAt = Calls.Now.AddSeconds(1),
        };

        // A queue's own row is not merged into anything.
        Assert.Equal(["support"], state.OnQueueStatistics(Calls.Stats("support", 3)).Select(v => v.Queue));
        var first = state.OnQueueStatistics(east);
        Assert.Equal(["*east", "*"], first.Select(v => v.Queue));
        Assert.Equal(81.0 / 96, first[1].ServiceLevel, 9);
        var rows = state.OnQueueStatistics(west);
        Assert.Equal(["*west", "*"], rows.Select(v => v.Queue));
        var all = rows[1];
        Assert.Equal(3, all.Waiting);
        Assert.Equal(50, all.LongestWaitSeconds);
        Assert.Equal(110, all.Offered);
        Assert.Equal(95, all.Answered);
        Assert.Equal(10, all.Abandoned);
        // SL: answered within target over calls that left the queue (answered + abandoned + diverted): 82 / 106.
        Assert.Equal(82.0 / 106, all.ServiceLevel, 9);
        // ASA 1,200 s over 95 answered; AHT (17,600 + 2,000) s over 93 handled; abandonment 10 / (110 - 4); occupancy 55 / 100 min.
        Assert.Equal(1200.0 / 95, all.AverageSpeedOfAnswerSeconds, 6);
        Assert.Equal(19600.0 / 93, all.AverageHandleTimeSeconds, 6);
        Assert.Equal(10.0 / 106, all.AbandonmentRate, 9);
        Assert.Equal(0.55, all.Occupancy, 9);
        Assert.Equal(90, all.EstimatedWaitSeconds);
        Assert.Equal(2, all.AgentsByState["available"]);
        Assert.Equal(6, all.AgentsByState["onCall"]);
        Assert.Equal(1, all.AgentsByState["notReady"]);
        Assert.Equal(west.OccurredAt, all.OccurredAt);

        // The board's snapshot (a board that connects later) has the merged row beside each partition's.
        Assert.Equal(["*", "*east", "*west", "support"], state.BoardSnapshot().Queues.Select(q => q.Queue));
        Assert.Equal(110, state.BoardSnapshot().Queues[0].Offered);
    }

    [Fact]
    public void Board_rows_show_whether_the_agents_desktop_is_connected()
    {
        var row = state.Connect("carol", "Carol").Board;
        Assert.True(row.DesktopConnected);
        Assert.Equal("Carol", row.DisplayName);
        state.Connect("carol", "Carol");
        Assert.Null(state.Disconnect("carol"));
        Assert.False(state.Disconnect("carol")?.DesktopConnected);
        Assert.Null(state.Disconnect("nobody"));
    }

    [Fact]
    public void Case_age_is_computed_when_the_pop_is_sent()
    {
        var id = Guid.NewGuid();
        var pop = Calls.AdaPop(id, "alice") with
        {
            OpenCases = [Calls.AdaPop(id, "alice").OpenCases[0] with { OpenedAt = time.GetUtcNow().AddMinutes(-90), SlaDueAt = time.GetUtcNow().AddHours(1) }],
        };
        var sent = state.OnScreenPop(pop).Pop!;
        Assert.Equal("1h 30m", sent.OpenCases[0].Age);
        Assert.False(sent.OpenCases[0].SlaBreached);

        time.Advance(TimeSpan.FromHours(2));
        var resent = state.Connect("alice", null).Pop!;
        Assert.Equal("3h 30m", resent.OpenCases[0].Age);
        Assert.True(resent.OpenCases[0].SlaBreached);
    }

    [Theory]
    [InlineData(30, "<1m")]
    [InlineData(125, "2m")]
    [InlineData(3 * 3600 + 5 * 60, "3h 5m")]
    [InlineData(50 * 3600, "2d 2h")]
    public void Age_reads_at_a_glance(int seconds, string expected) =>
        Assert.Equal(expected, DesktopState.FormatAge(TimeSpan.FromSeconds(seconds)));

    [Fact]
    public void A_callback_given_up_after_its_last_attempt_reaches_the_board_once_and_others_do_not()
    {
        var now = time.GetUtcNow();
        CallEnded Ended(Guid id, CallOutcome outcome, DateTimeOffset? retryAt, CallDirection direction = CallDirection.Callback) => new()
        {
            CallId = id, AgentId = "alice", Queue = "support", Outcome = outcome, EndedBy = CallParty.System, Reason = "customer busy",
            Direction = direction, Dialled = "+442079460018", Attempt = 3, RetryAt = retryAt, OccurredAt = now,
        };

        var last = Guid.NewGuid();
        var view = state.OnCallbackEnded(Ended(last, CallOutcome.Busy, null));
        Assert.Equal(new CallbackGivenUpView(last, "support", "+442079460018", "alice", CallOutcome.Busy, 3, "customer busy", now), view);
        Assert.Null(state.OnCallbackEnded(Ended(last, CallOutcome.Busy, null))); // redelivered
        Assert.Null(state.OnCallbackEnded(Ended(Guid.NewGuid(), CallOutcome.NoAnswer, now.AddMinutes(5)))); // will be retried
        Assert.Null(state.OnCallbackEnded(Ended(Guid.NewGuid(), CallOutcome.Answered, null))); // kept
        Assert.Null(state.OnCallbackEnded(Ended(Guid.NewGuid(), CallOutcome.Abandoned, null, CallDirection.Inbound)));
        Assert.Equal([view!], state.CallbacksGivenUp());

        for (var i = 0; i < DesktopState.GivenUpKept + 5; i++)
        {
            state.OnCallbackEnded(Ended(Guid.NewGuid(), CallOutcome.Failed, null));
        }

        Assert.Equal(DesktopState.GivenUpKept, state.CallbacksGivenUp().Count);
        Assert.DoesNotContain(view!, state.CallbacksGivenUp()); // the oldest go first
    }

    private AgentReserved Offer(Guid id, string agent, OfferKind kind = OfferKind.Voicemail) => new()
    {
        CallId = id, AgentId = agent, Queue = "billing", Caller = "+442079460018", IvrPath = "main>3>billing>voicemail", Waited = TimeSpan.FromMinutes(16),
        Reason = "offer", Offer = kind, OfferExpiresAt = time.GetUtcNow().AddSeconds(30), OccurredAt = time.GetUtcNow(),
    };

    [Fact]
    public void A_voicemail_offer_becomes_work_then_ends_when_completed_and_redeliveries_change_nothing()
    {
        var vm = Guid.NewGuid();
        var offered = state.OnOffered(Offer(vm, "carol"));
        Assert.Equal((WorkPhase.Offered, OfferKind.Voicemail, vm), (offered?.Phase, offered?.Kind, offered?.VoicemailCallId));
        Assert.Null(state.OnOffered(Offer(vm, "carol")));
        var pop = Calls.AdaPop(vm, "carol") with { Offer = OfferKind.Voicemail, VoicemailCallId = vm, VoicemailSeconds = 12 };
        Assert.Equal(12, state.OnOfferPop(pop)?.VoicemailSeconds);
        Assert.Null(state.OnOfferPop(pop));
        Assert.Null(state.Connect("carol", null).Call); // an offer is not a call
        Assert.Equal("not your call", state.IsAnotherAgentsCall("alice", vm) ? "not your call" : "free");

        var accepted = new OfferAccepted { CallId = vm, AgentId = "carol", Queue = "billing", Offer = OfferKind.Voicemail, OccurredAt = time.GetUtcNow() };
        Assert.Equal(WorkPhase.Working, state.OnOfferAccepted(accepted).Work?.Phase);
        Assert.Null(state.OnOfferAccepted(accepted).Work);

        // The call back: allowed while working on it, and over with no wrap-up of its own.
        Assert.Null(state.DialRefusal("carol", vm));
        Assert.Equal("that voicemail is not yours to call back", state.DialRefusal("alice", vm));
        var back = Guid.NewGuid();
        Assert.NotNull(state.OnDialling("carol", back, "+442079460018", "Ada Lovelace", vm));
        Assert.Equal(back, state.Work("carol", vm)?.CallBackId);
        state.OnConnected(new CallConnected { CallId = back, AgentId = "carol", Queue = "", Direction = CallDirection.Outbound, OccurredAt = time.GetUtcNow() });
        Assert.Equal(CallPhase.Ended, state.OnEnded(Calls.Ended(back, "carol"))?.Phase);

        Assert.Equal(WorkPhase.Ended, state.OnWorkCompleted("carol", vm)?.Phase);
        Assert.Null(state.OnWorkCompleted("carol", vm));
        Assert.Empty(state.Connect("carol", null).Work);
        // A late pop or reservation of the finished offer does not bring it back.
        Assert.Null(state.OnOffered(Offer(vm, "carol") with { OccurredAt = time.GetUtcNow().AddSeconds(-1) }));
    }

    [Fact]
    public void A_withdrawn_offer_leaves_the_desktop_and_a_later_offer_of_the_same_item_is_a_new_one()
    {
        var vm = Guid.NewGuid();
        state.OnOffered(Offer(vm, "carol"));
        time.Advance(TimeSpan.FromSeconds(30));
        var withdrawn = new OfferWithdrawn { CallId = vm, AgentId = "carol", Queue = "billing", Offer = OfferKind.Voicemail, Reason = "not accepted in time", OccurredAt = time.GetUtcNow() };
        var ended = state.OnOfferWithdrawn(withdrawn);
        Assert.Equal(("not accepted in time", WorkPhase.Ended), (ended?.EndReason, ended?.Phase));
        Assert.Null(state.OnOfferWithdrawn(withdrawn));
        Assert.Null(state.Work("carol", vm));
        Assert.Null(state.OnOfferPop(Calls.AdaPop(vm, "carol") with { Offer = OfferKind.Voicemail })); // assembled late: waits, shows nothing

        time.Advance(TimeSpan.FromMinutes(1));
        var again = state.OnOffered(Offer(vm, "carol"));
        Assert.Equal(WorkPhase.Offered, again?.Phase);
        Assert.NotNull(again?.Pop); // the pop that came late is attached to the new offer
    }

    [Fact]
    public void An_accepted_preview_callback_becomes_the_agents_ringing_callback_with_the_offers_pop()
    {
        var cb = Guid.NewGuid();
        state.OnOffered(Offer(cb, "bob", OfferKind.PreviewCallback));
        state.OnOfferPop(Calls.AdaPop(cb, "bob") with { Offer = OfferKind.PreviewCallback, IsCallback = true });
        var (work, call, pop) = state.OnOfferAccepted(new OfferAccepted { CallId = cb, AgentId = "bob", Queue = "support", Offer = OfferKind.PreviewCallback, OccurredAt = time.GetUtcNow() });
        Assert.Equal(WorkPhase.Ended, work?.Phase);
        Assert.Equal((CallPhase.Ringing, CallDirection.Callback), (call?.Phase, call?.Direction));
        Assert.True(pop?.IsCallback);
        Assert.Equal("Ada Lovelace", pop?.Customer?.Name);
        Assert.Equal(cb, state.Connect("bob", null).Call?.CallId);
    }

    [Fact]
    public void Two_state_changes_routing_made_at_the_same_time_keep_the_one_that_follows_whatever_the_order()
    {
        var at = time.GetUtcNow();
        var available = new AgentStateChanged { AgentId = "carol", State = AgentState.Available, Previous = AgentState.NotReady, OccurredAt = at };
        var offered = new AgentStateChanged { AgentId = "carol", State = AgentState.Reserved, Previous = AgentState.Available, CallId = Guid.NewGuid(), OccurredAt = at };
        Assert.NotNull(state.OnAgentState(available).State);
        Assert.Equal(AgentState.Reserved, state.OnAgentState(offered).State?.State);
        Assert.Null(state.OnAgentState(offered).State); // redelivered

        var other = new DesktopState(time);
        Assert.NotNull(other.OnAgentState(offered).State);
        Assert.Null(other.OnAgentState(available).State);
        Assert.Equal(AgentState.Reserved, other.Connect("carol", null).State?.State);
    }
}
