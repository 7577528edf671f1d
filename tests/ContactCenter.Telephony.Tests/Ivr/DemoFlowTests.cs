using ContactCenter.Contracts;
using ContactCenter.Telephony.Configuration;
using ContactCenter.Telephony.Ivr;

namespace ContactCenter.Telephony.Tests.Ivr;

public sealed class DemoFlowTests
{
    private static readonly TelephonyConfig Demo = TelephonyConfigLoader.Load(TestPaths.ConfigFolder);

    private static readonly CallerInfo Ada = new()
    {
        CustomerId = Guid.Parse("0b7c1d2e-0000-4000-8000-00000000ada1"),
        Name = "Ada Lovelace",
        Tier = CustomerTier.Gold,
        PreferredAgentId = "alice",
    };

    [Fact]
    public void Unknown_caller_hears_the_welcome_then_the_menu_and_2_queues_to_support()
    {
        var h = StartCall(caller: null);

        Assert.Equal(["greeting/welcome"], h.PlayingNames);
        Assert.True(h.Playing!.BargeIn);
        h.FinishPrompt();
        Assert.Equal(["menu/main"], h.PlayingNames);
        Assert.True(h.Collecting);

        var actions = h.Press('2');

        Assert.IsType<StopPlayback>(actions[0]);
        var queued = Assert.Single(actions.OfType<QueueCall>());
        Assert.Equal("support", queued.Queue);
        Assert.Equal("main>2>support", queued.IvrPath);
        Assert.False(queued.IsCallback);
        Assert.Null(queued.CustomerId);
        Assert.Equal(h.Time.GetUtcNow(), queued.QueuedAt);
        Assert.False(h.Collecting);
        Assert.Equal(["queue/all-busy"], h.PlayingNames);
        Assert.True(h.Session.IsQueued);
    }

    [Fact]
    public void Known_caller_is_welcomed_back_by_name_and_3_queues_to_billing_with_the_customer()
    {
        var h = StartCall(Ada);

        Assert.Equal(["greeting/welcome-back", "names/ada", "greeting/thanks-again"], h.PlayingNames);
        Assert.All(h.Playing!.Prompts, p => Assert.True(File.Exists(p.Path), p.Path));
        h.FinishPrompt();
        var queued = Assert.Single(h.Press('3').OfType<QueueCall>());

        Assert.Equal("billing", queued.Queue);
        Assert.Equal("main>3>billing", queued.IvrPath);
        Assert.Equal(Ada.CustomerId, queued.CustomerId);
        Assert.Equal(CustomerTier.Gold, queued.Tier);
        Assert.Equal("alice", queued.PreferredAgentId);
    }

    [Fact]
    public void Known_caller_whose_name_has_no_prompt_still_gets_the_welcome_back()
    {
        var h = StartCall(Ada with { Name = "Zebedee Quux" });

        Assert.Equal(["greeting/welcome-back", "greeting/thanks-again"], h.PlayingNames);
    }

    [Fact]
    public void No_key_reprompts_once_then_goes_to_support()
    {
        var h = StartCall(caller: null);
        h.FinishPrompt();
        h.FinishPrompt();

        Assert.Empty(h.Advance(TimeSpan.FromSeconds(4.9)));
        h.Advance(TimeSpan.FromMilliseconds(100));
        Assert.Equal(["menu/no-input", "menu/main"], h.PlayingNames);
        h.FinishPrompt();
        var actions = h.Advance(TimeSpan.FromSeconds(5));

        var queued = Assert.Single(actions.OfType<QueueCall>());
        Assert.Equal("support", queued.Queue);
        Assert.Equal("main>timeout>support", queued.IvrPath);
    }

    [Fact]
    public void Invalid_key_reprompts_then_a_valid_key_is_taken()
    {
        var h = StartCall(caller: null);
        h.FinishPrompt();

        h.Press('7');
        Assert.Equal(["menu/invalid", "menu/main"], h.PlayingNames);
        var queued = Assert.Single(h.Press('3').OfType<QueueCall>());

        Assert.Equal("main>3>billing", queued.IvrPath);
    }

    [Fact]
    public void Invalid_keys_beyond_the_retries_go_to_the_default()
    {
        var h = StartCall(caller: null);
        h.FinishPrompt();
        h.FinishPrompt();

        h.Press('7');
        var queued = Assert.Single(h.Press('#').OfType<QueueCall>());

        Assert.Equal("main>invalid>support", queued.IvrPath);
    }

    [Fact]
    public void A_key_during_the_greeting_barges_in_and_chooses_from_the_menu_at_once()
    {
        var h = StartCall(caller: null);

        var actions = h.Press('3');

        Assert.IsType<StopPlayback>(actions[0]);
        Assert.DoesNotContain(actions.OfType<PlayPrompts>(), p => IvrHarness.Names(p).Contains("menu/main"));
        Assert.Equal("main>3>billing", Assert.Single(actions.OfType<QueueCall>()).IvrPath);
    }

    [Fact]
    public void A_key_pressed_while_the_caller_is_looked_up_skips_the_greeting()
    {
        var h = new IvrHarness(Demo, "1000");
        var lookup = Assert.Single(h.Start().OfType<LookUpCaller>());
        Assert.Empty(h.Press('3'));

        var actions = h.Send(new CallerLookupCompleted(lookup.RequestId, null));

        Assert.Equal(["queue/all-busy"], Assert.Single(actions.OfType<PlayPrompts>()).Prompts.Select(p => p.Name));
        Assert.Equal("main>3>billing", Assert.Single(actions.OfType<QueueCall>()).IvrPath);
    }

    [Fact]
    public void Anonymous_caller_is_not_looked_up()
    {
        var h = new IvrHarness(Demo, "1000");

        var actions = h.Send(new CallStarted("anonymous", "1000"));

        Assert.Empty(actions.OfType<LookUpCaller>());
        Assert.Equal(["greeting/welcome"], h.PlayingNames);
    }

    [Fact]
    public void A_stale_prompt_finished_after_barge_in_changes_nothing()
    {
        var h = StartCall(caller: null);
        var greeting = h.Playing!;
        h.Press('3');

        Assert.Empty(h.Send(new PromptFinished(greeting.PlayId)));
    }

    [Fact]
    public void Known_caller_hears_the_status_of_the_latest_case_then_hangs_up_after_goodbye()
    {
        var h = StartCall(Ada);
        h.FinishPrompt();

        var lookup = Assert.Single(h.Press('1').OfType<LookUpCaseStatus>());
        Assert.Equal(Ada.CustomerId, lookup.CustomerId);
        Assert.Null(lookup.CaseNumber);
        Assert.Equal(IvrHarness.Ani, lookup.Ani);
        h.Send(new CaseStatusLookupCompleted(lookup.RequestId, new CaseStatusInfo("CS-000123", "Open")));

        Assert.Equal(["case/your-case", "digits/1", "digits/2", "digits/3", "case/status-is", "status/open"], h.PlayingNames);
        h.FinishPrompt();
        Assert.Equal(["menu/anything-else"], h.PlayingNames);
        h.FinishPrompt();
        h.Advance(TimeSpan.FromSeconds(4));
        Assert.Equal(["goodbye"], h.PlayingNames);
        var hangUp = Assert.Single(h.FinishPrompt().OfType<HangUp>());

        Assert.Equal(new HangUp("self-service-complete", CallOutcome.SelfService), hangUp);
        Assert.True(h.Session.IsFinished);
        Assert.Equal("main>1>case-status>timeout", h.Session.IvrPath);
        Assert.Equal(0, h.ActiveTimers);
    }

    [Fact]
    public void Caller_without_a_case_keys_in_a_case_number_and_hears_its_status_then_reaches_an_agent()
    {
        var h = StartCall(caller: null);
        h.FinishPrompt();
        var latest = Assert.Single(h.Press('1').OfType<LookUpCaseStatus>());
        h.Send(new CaseStatusLookupCompleted(latest.RequestId, null));
        Assert.Equal(["case/enter-number"], h.PlayingNames);

        var lookup = Assert.Single(h.Press("407#").OfType<LookUpCaseStatus>());
        Assert.Equal("407", lookup.CaseNumber);
        h.Send(new CaseStatusLookupCompleted(lookup.RequestId, new CaseStatusInfo("CS-000407", "pending")));
        Assert.Equal(["case/your-case", "digits/4", "digits/0", "digits/7", "case/status-is", "status/pending"], h.PlayingNames);
        h.FinishPrompt();
        var queued = Assert.Single(h.Press('0').OfType<QueueCall>());

        Assert.Equal("main>1>case-status>0>support", queued.IvrPath);
        Assert.Equal("407", h.Session.Variables["case_number"]);
    }

    [Fact]
    public void Case_number_entry_ends_after_the_inter_digit_timeout()
    {
        var h = ToCaseNumberEntry();

        h.Press("55");
        Assert.Empty(h.Advance(TimeSpan.FromSeconds(2.9)).OfType<LookUpCaseStatus>());
        var lookup = Assert.Single(h.Advance(TimeSpan.FromMilliseconds(100)).OfType<LookUpCaseStatus>());

        Assert.Equal("55", lookup.CaseNumber);
    }

    [Fact]
    public void Unknown_case_number_is_said_and_the_caller_goes_to_support()
    {
        var h = ToCaseNumberEntry();
        var lookup = Assert.Single(h.Press("999#").OfType<LookUpCaseStatus>());

        h.Send(new CaseStatusLookupCompleted(lookup.RequestId, null));
        Assert.Equal(["case/not-found"], h.PlayingNames);
        var queued = Assert.Single(h.FinishPrompt().OfType<QueueCall>());

        Assert.Equal("main>1>case-status>support", queued.IvrPath);
    }

    [Fact]
    public void No_case_number_after_the_retry_goes_to_support()
    {
        var h = ToCaseNumberEntry();
        h.FinishPrompt();

        h.Advance(TimeSpan.FromSeconds(6));
        Assert.Equal(["menu/no-input", "case/enter-number"], h.PlayingNames);
        h.FinishPrompt();
        var queued = Assert.Single(h.Advance(TimeSpan.FromSeconds(6)).OfType<QueueCall>());

        Assert.Equal("support", queued.Queue);
    }

    [Fact]
    public void Case_lookup_that_never_answers_times_out_to_not_found()
    {
        var h = StartCall(Ada);
        h.FinishPrompt();
        h.Press('1');

        h.Advance(TimeSpan.FromSeconds(5));

        Assert.Equal(["case/enter-number"], h.PlayingNames);
    }

    [Fact]
    public void Caller_lookup_that_never_answers_greets_as_unknown_after_its_timeout()
    {
        var h = new IvrHarness(Demo, "1000");
        h.Start();

        Assert.Empty(h.Advance(TimeSpan.FromMilliseconds(1400)));
        h.Advance(TimeSpan.FromMilliseconds(100));

        Assert.Equal(["greeting/welcome"], h.PlayingNames);
    }

    [Fact]
    public void The_crms_own_caller_identified_event_ends_the_lookup()
    {
        var h = new IvrHarness(Demo, "1000");
        Assert.Single(h.Start().OfType<LookUpCaller>());

        h.Send(new CallerLookupCompleted(null, Ada));

        Assert.Equal(["greeting/welcome-back", "names/ada", "greeting/thanks-again"], h.PlayingNames);
        Assert.Equal(0, h.ActiveTimers);
    }

    [Fact]
    public void Caller_identified_before_the_ivr_starts_skips_the_lookup()
    {
        var h = new IvrHarness(Demo, "1000");
        h.Send(new CallerLookupCompleted(null, Ada));

        var actions = h.Start();

        Assert.Empty(actions.OfType<LookUpCaller>());
        Assert.Equal(["greeting/welcome-back", "names/ada", "greeting/thanks-again"], h.PlayingNames);
    }

    [Fact]
    public void Waiting_caller_hears_position_and_estimated_wait_periodically_between_music()
    {
        var h = ToSupportQueue();
        h.FinishPrompt();
        Assert.Equal(["music/hold"], h.PlayingNames);
        Assert.True(h.Playing!.Loop);
        Assert.Empty(h.Send(new QueuePositionChanged(3, TimeSpan.FromMinutes(3.5))));

        h.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(["queue/position-is", "numbers/3", "queue/wait-is", "numbers/4", "queue/minutes"], h.PlayingNames);
        Assert.False(h.Playing!.BargeIn);
        h.FinishPrompt();
        Assert.Equal(["music/hold"], h.PlayingNames);

        // At 60 s the callback offer comes first and the announcement due then is skipped; the caller declines.
        h.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(["callback/offer"], h.PlayingNames);
        h.Press('2');
        Assert.Equal(["music/hold"], h.PlayingNames);

        h.Send(new QueuePositionChanged(1, TimeSpan.FromSeconds(40)));
        h.Advance(TimeSpan.FromSeconds(29));
        Assert.Equal(["music/hold"], h.PlayingNames);
        h.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(["queue/position-is", "numbers/1", "queue/wait-is", "queue/less-than-a-minute"], h.PlayingNames);
    }

    [Fact]
    public void Waiting_caller_takes_the_callback_and_keeps_the_place_in_the_queue()
    {
        var h = ToSupportQueue();
        var firstQueued = h.All.OfType<QueueCall>().Single();
        h.FinishPrompt();

        h.Advance(TimeSpan.FromSeconds(60));
        Assert.Equal(["callback/offer"], h.PlayingNames);
        Assert.True(h.Playing!.BargeIn);
        var actions = h.Press('1');

        var callback = Assert.Single(actions.OfType<QueueCall>());
        Assert.True(callback.IsCallback);
        Assert.Equal(IvrHarness.Ani, callback.CallbackNumber);
        Assert.Equal(firstQueued.QueuedAt, callback.QueuedAt);
        Assert.Equal("support", callback.Queue);
        Assert.Equal("main>2>support>callback", callback.IvrPath);
        Assert.Equal(["callback/confirmed"], h.PlayingNames);
        var hangUp = Assert.Single(h.FinishPrompt().OfType<HangUp>());
        Assert.Equal(CallOutcome.Callback, hangUp.Outcome);
        Assert.True(h.Session.IsFinished);
        Assert.Equal(0, h.ActiveTimers);
    }

    [Fact]
    public void Callback_offer_not_answered_returns_to_the_music_and_is_not_repeated()
    {
        var h = ToSupportQueue();
        h.FinishPrompt();
        h.Advance(TimeSpan.FromSeconds(60));
        h.FinishPrompt();

        h.Advance(TimeSpan.FromSeconds(5));

        Assert.Equal(["music/hold"], h.PlayingNames);
        Assert.False(h.Collecting);
        h.Advance(TimeSpan.FromMinutes(5));
        Assert.Single(h.All.OfType<PlayPrompts>(), p => IvrHarness.Names(p).Contains("callback/offer"));
        Assert.Single(h.All.OfType<QueueCall>());
    }

    [Fact]
    public void Routing_can_ask_for_the_callback_offer_at_once()
    {
        var h = ToSupportQueue();
        h.FinishPrompt();

        h.Send(new CallbackOfferRequested());
        Assert.Equal(["callback/offer"], h.PlayingNames);
        var callback = Assert.Single(h.Press('1').OfType<QueueCall>());

        Assert.True(callback.IsCallback);
        h.Advance(TimeSpan.FromSeconds(60));
        Assert.Single(h.All.OfType<PlayPrompts>(), p => IvrHarness.Names(p).Contains("callback/offer"));
    }

    [Fact]
    public void Callback_requested_during_the_entry_prompt_is_offered_once_it_ends()
    {
        var h = ToSupportQueue();

        Assert.DoesNotContain(h.Send(new CallbackOfferRequested()), a => a is PlayPrompts);
        h.FinishPrompt();
        Assert.Equal(["music/hold"], h.PlayingNames);
        h.Advance(TimeSpan.FromSeconds(5));

        Assert.Equal(["callback/offer"], h.PlayingNames);
    }

    [Fact]
    public void Lookups_map_to_the_crm_requests_and_back()
    {
        var h = StartCall(Ada);
        h.FinishPrompt();
        var lookup = h.Press('1').OfType<LookUpCaseStatus>().Single();
        var callId = Guid.NewGuid();

        var request = lookup.ToRequest(callId, h.Time.GetUtcNow());
        Assert.Equal((callId, Ada.CustomerId, IvrHarness.Ani, (string?)null), (request.CallId, request.CustomerId.GetValueOrDefault(), request.Caller, request.CaseNumber));
        var answer = CaseStatusInfo.From(new CaseStatusResult { CallId = callId, Found = true, CaseNumber = "CS-000001", Status = "resolved", OccurredAt = h.Time.GetUtcNow() });
        h.Send(new CaseStatusLookupCompleted(lookup.RequestId, answer));

        Assert.Equal(["case/your-case", "digits/1", "case/status-is", "status/resolved"], h.PlayingNames);
        Assert.Null(CaseStatusInfo.From(new CaseStatusResult { CallId = callId, Found = false, OccurredAt = h.Time.GetUtcNow() }));
        var identified = new CallerIdentified { CallId = callId, CustomerId = Ada.CustomerId, CustomerName = "Ada Lovelace", Tier = CustomerTier.Gold, OccurredAt = h.Time.GetUtcNow() };
        Assert.Equal("Ada Lovelace", CallerInfo.From(identified)!.Name);
        Assert.Null(CallerInfo.From(identified with { CustomerId = null }));
    }

    [Fact]
    public void Agent_answering_stops_the_music_and_every_timer()
    {
        var h = ToSupportQueue();
        h.FinishPrompt();

        var actions = h.Send(new AgentConnected());

        Assert.Contains(actions, a => a is StopPlayback);
        Assert.Equal(0, h.ActiveTimers);
        Assert.True(h.Session.IsFinished);
        Assert.Empty(h.Advance(TimeSpan.FromMinutes(10)));
        Assert.Empty(h.Press('1'));
    }

    [Fact]
    public void Caller_hanging_up_in_the_menu_cancels_the_timers()
    {
        var h = StartCall(caller: null);
        h.FinishPrompt();
        h.FinishPrompt();
        Assert.Equal(1, h.ActiveTimers);

        h.Send(new CallerHungUp());

        Assert.Equal(0, h.ActiveTimers);
        Assert.False(h.Collecting);
        Assert.True(h.Session.IsFinished);
    }

    [Fact]
    public void Did_1001_goes_straight_to_the_support_queue()
    {
        var h = new IvrHarness(Demo, "1001");

        var actions = h.Send(new CallStarted(IvrHarness.Ani, "1001"));

        var queued = Assert.Single(actions.OfType<QueueCall>());
        Assert.Equal("support", queued.Queue);
        Assert.Equal("support", queued.IvrPath);
        Assert.Equal(["music/hold"], h.PlayingNames);
    }

    [Fact]
    public void Unknown_did_gets_no_session()
    {
        Assert.Null(new IvrEngine(Demo, TimeProvider.System).CreateSession("4242"));
    }

    [Fact]
    public void Queue_action_maps_to_the_call_queued_event()
    {
        var h = StartCall(Ada);
        var queued = h.Press('2').OfType<QueueCall>().Single();
        var callId = Guid.NewGuid();

        var message = queued.ToCallQueued(callId, IvrHarness.Ani, "gw-1", h.Time.GetUtcNow());

        Assert.Equal(callId, message.CallId);
        Assert.Equal("main>2>support", message.IvrPath);
        Assert.Equal("support", message.Queue);
        Assert.Equal(Ada.CustomerId, message.CustomerId);
        Assert.Equal("gw-1", message.GatewayId);
        Assert.Equal(queued.QueuedAt, message.QueuedAt);
    }

    [Fact]
    public void Same_events_give_the_same_actions()
    {
        static string Run()
        {
            var h = StartCall(Ada);
            h.FinishPrompt();
            h.Press('7');
            h.FinishPrompt();
            h.Advance(TimeSpan.FromSeconds(5));
            h.Press('2');
            h.FinishPrompt();
            h.Send(new QueuePositionChanged(2, TimeSpan.FromMinutes(2)));
            h.Advance(TimeSpan.FromSeconds(95));
            return string.Join("\n", h.All.Select(a => a is PlayPrompts p ? $"play {p.PlayId} {string.Join(",", IvrHarness.Names(p))} {p.BargeIn} {p.Loop}" : a.ToString()));
        }

        Assert.Equal(Run(), Run());
    }

    private static IvrHarness StartCall(CallerInfo? caller)
    {
        var h = new IvrHarness(Demo, "1000");
        var lookup = Assert.Single(h.Start().OfType<LookUpCaller>());
        Assert.Equal(IvrHarness.Ani, lookup.Ani);
        Assert.Null(lookup.AccountNumber);
        h.Send(new CallerLookupCompleted(lookup.RequestId, caller));
        return h;
    }

    private static IvrHarness ToCaseNumberEntry()
    {
        var h = StartCall(caller: null);
        h.FinishPrompt();
        var latest = Assert.Single(h.Press('1').OfType<LookUpCaseStatus>());
        h.Send(new CaseStatusLookupCompleted(latest.RequestId, null));
        Assert.Equal(["case/enter-number"], h.PlayingNames);
        return h;
    }

    private static IvrHarness ToSupportQueue()
    {
        var h = StartCall(caller: null);
        h.FinishPrompt();
        h.Press('2');
        Assert.Equal(["queue/all-busy"], h.PlayingNames);
        return h;
    }
}
