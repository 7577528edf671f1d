using System.Text.RegularExpressions;
using ContactCenter.Contracts;
using ContactCenter.Desktop.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ContactCenter.Desktop.Tests;

/// <summary>
/// The real UI in Debian's Chromium (never a downloaded browser), driven by Playwright against
/// the Kestrel test host; bus events stand in for the gateway, routing and the CRM.
/// Screenshots go to TestResults/screenshots under the test output folder.
/// </summary>
public sealed class BrowserTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private readonly List<IBrowserContext> contexts = [];
    private readonly Dictionary<IPage, List<string>> logs = [];

    private DesktopTestHost host => fixture.Host;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var context in contexts)
        {
            await context.CloseAsync();
        }
    }

    [Fact]
    public async Task Alice_signs_in_goes_available_sees_the_pop_and_completes_wrap_up()
    {
        var page = await NewPage();
        await SignIn(page, "alice");
        await Expect(page).ToHaveURLAsync(new Uri(host.BaseAddress, "/agent").ToString());
        await Expect(page.GetByTestId("connection")).ToHaveTextAsync("Live");
        await Expect(page.GetByTestId("agent-name")).ToContainTextAsync("Alice Agent");

        await page.GetByTestId("go-available").ClickAsync();
        var request = await host.Recorder.WaitFor<SetAgentState>(c => c.AgentId == "alice" && c.State == AgentState.Available);
        Assert.Equal("alice", request.RequestedBy);
        await host.Publish(Calls.State("alice", AgentState.Available, AgentState.LoggedOut));
        await Expect(page.GetByTestId("agent-state")).ToHaveTextAsync("Available");

        // The phone rings: routing reserves alice and the CRM's pop arrives.
        var callId = Guid.NewGuid();
        await host.Publish(Calls.State("alice", AgentState.Reserved, AgentState.Available, callId: callId));
        await host.Publish(Calls.Reserved(callId, "alice"));
        await host.Publish(Calls.AdaPop(callId, "alice"));
        await Expect(page.GetByTestId("customer-name")).ToHaveTextAsync("Ada Lovelace");
        await Expect(page.GetByTestId("customer-tier")).ToHaveTextAsync("gold");
        await Expect(page.GetByTestId("do-not-call")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("call-phase")).ToHaveTextAsync("Ringing");
        await Expect(page.GetByTestId("ivr-path")).ToHaveTextAsync("main>2>support");
        await Expect(page.GetByTestId("waited")).ToHaveTextAsync("0:42");
        var caseRow = page.GetByTestId("case-row");
        await Expect(caseRow).ToContainTextAsync("CS-000123");
        await Expect(caseRow).ToContainTextAsync("Analytical engine will not start");
        await Expect(caseRow.GetByTestId("case-age")).ToHaveTextAsync("2d 5h");
        await Expect(caseRow.GetByTestId("case-sla")).ToHaveTextAsync("SLA breached");
        await Expect(page.GetByTestId("recent-interactions")).ToContainTextAsync("Refund issued.");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "agent-screen-pop.png"), FullPage = true });

        await host.Publish(Calls.Connected(callId, "alice"));
        await Expect(page.GetByTestId("call-phase")).ToHaveTextAsync("Connected");
        await Expect(page.GetByTestId("call-timer")).ToContainTextAsync("talking 0:0");
        await Expect(page.GetByTestId("complete-wrap-up")).ToBeDisabledAsync();

        await host.Publish(Calls.Ended(callId, "alice"));
        await Expect(page.GetByTestId("call-phase")).ToHaveTextAsync("Wrap-up");
        await Expect(page.GetByTestId("complete-wrap-up")).ToBeEnabledAsync();
        await page.GetByTestId("disposition").SelectOptionAsync("resolved");
        await page.GetByTestId("notes").FillAsync("Walked Ada through the engine reset.");
        await page.GetByTestId("case-link").SelectOptionAsync(new SelectOptionValue { Label = "CS-000123 — Analytical engine will not start" });
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "agent-wrap-up.png"), FullPage = true });
        await page.Keyboard.PressAsync("Alt+Enter");

        var wrapUp = await host.Recorder.WaitFor<CompleteWrapUp>(c => c.CallId == callId);
        Assert.Equal("alice", wrapUp.AgentId);
        Assert.Equal("resolved", wrapUp.Disposition);
        Assert.Equal("Walked Ada through the engine reset.", wrapUp.Notes);
        Assert.Equal(Guid.Parse("c0000000-0000-0000-0000-000000000123"), wrapUp.CaseId);
        await Expect(page.GetByTestId("no-call")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("status-message")).ToHaveTextAsync("Wrap-up completed.");
    }

    [Fact]
    public async Task A_voicemail_in_the_pops_history_shows_its_length_and_transcript_and_plays()
    {
        var page = await NewPage();
        await SignIn(page, "alice");
        await Expect(page.GetByTestId("connection")).ToHaveTextAsync("Live");
        var callId = Guid.NewGuid();
        var voicemailCall = Guid.NewGuid();
        var pop = Calls.AdaPop(callId, "alice");
        await host.Publish(pop with
        {
            RecentInteractions =
            [
                new InteractionSummary
                {
                    CallId = voicemailCall, StartedAt = Calls.Now.AddHours(-2), Queue = "billing", Outcome = CallOutcome.Voicemail,
                    HasVoicemail = true, VoicemailSeconds = 3, Transcript = "Please call me back about the invoice.",
                },
                .. pop.RecentInteractions,
            ],
        });

        var voicemail = page.GetByTestId("recent-interactions").GetByTestId("voicemail");
        await Expect(voicemail).ToHaveCountAsync(1);
        await Expect(voicemail.GetByTestId("voicemail-length")).ToHaveTextAsync("0:03");
        await Expect(voicemail.GetByTestId("voicemail-transcript")).ToHaveTextAsync("Please call me back about the invoice.");
        var player = voicemail.GetByTestId("voicemail-player");
        Assert.Equal("none", await player.GetAttributeAsync("preload"));
        Assert.Equal($"/api/interactions/{voicemailCall}/voicemail", await player.GetAttributeAsync("src"));
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "agent-pop-voicemail.png"), FullPage = true });

        // The player streams it (the sign-in's cookie authenticates the request) and its clock advances.
        await player.EvaluateAsync("a => a.play()");
        await page.WaitForFunctionAsync("a => a.error !== null || a.currentTime > 0.5", await player.ElementHandleAsync());
        Assert.Null(await player.EvaluateAsync<string?>("a => a.error ? `error ${a.error.code}: ${a.error.message}` : null"));
        Assert.Equal(3, await player.EvaluateAsync<double>("a => a.duration"), 1);
        Assert.Contains(host.VoicemailRequests, r => r.CallId == voicemailCall && r.Login == "alice");
    }

    [Fact]
    public async Task Reloading_the_desktop_mid_call_shows_the_call_again()
    {
        var page = await NewPage();
        await SignIn(page, "bob");
        await Expect(page.GetByTestId("connection")).ToHaveTextAsync("Live");
        var callId = Guid.NewGuid();
        await host.Publish(Calls.AdaPop(callId, "bob"));
        await host.Publish(Calls.Connected(callId, "bob"));
        await Expect(page.GetByTestId("call-phase")).ToHaveTextAsync("Connected");

        await page.ReloadAsync(new PageReloadOptions { WaitUntil = WaitUntilState.Commit });
        await Expect(page.GetByTestId("connection")).ToHaveTextAsync("Live");
        await Expect(page.GetByTestId("call-phase")).ToHaveTextAsync("Connected");
        await Expect(page.GetByTestId("customer-name")).ToHaveTextAsync("Ada Lovelace");
    }

    [Fact]
    public async Task Unknown_caller_is_created_a_case_opened_at_wrap_up_and_customers_searched()
    {
        var page = await NewPage();
        await SignIn(page, "alice");
        await Expect(page.GetByTestId("connection")).ToHaveTextAsync("Live");
        var callId = Guid.NewGuid();
        await host.Publish(Calls.UnknownCallerPop(callId, "alice"));
        await Expect(page.GetByTestId("unknown-caller")).ToContainTextAsync("+15550100999");

        await page.GetByTestId("new-customer-name").FillAsync("Grace Hopper");
        await page.GetByTestId("new-customer-name").PressAsync("Enter");
        await Expect(page.GetByTestId("customer-name")).ToHaveTextAsync("Grace Hopper");
        var crm = host.Services.GetRequiredService<FixtureCrm>();
        var grace = crm.Customers.Single(c => c.Name == "Grace Hopper");
        Assert.Equal(["+15550100999"], grace.Phones);

        await page.Keyboard.PressAsync("Alt+S");
        await page.Keyboard.TypeAsync("babb");
        await Expect(page.GetByTestId("search-result")).ToContainTextAsync("Charles Babbage");
        await page.GetByTestId("search-result").GetByRole(AriaRole.Button).ClickAsync();
        await Expect(page.GetByTestId("customer-360-name")).ToHaveTextAsync("Charles Babbage");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "agent-new-caller.png"), FullPage = true });

        await host.Publish(Calls.Connected(callId, "alice"));
        await host.Publish(Calls.Ended(callId, "alice"));
        await Expect(page.GetByTestId("call-phase")).ToHaveTextAsync("Wrap-up");
        await page.GetByTestId("disposition").SelectOptionAsync("follow-up");
        await page.GetByTestId("case-link").SelectOptionAsync("new");
        await page.GetByTestId("new-case-subject").FillAsync("Compiler question");
        await page.GetByTestId("complete-wrap-up").ClickAsync();

        var wrapUp = await host.Recorder.WaitFor<CompleteWrapUp>(c => c.CallId == callId);
        var opened = crm.Cases.Single(k => k.CustomerId == grace.Id);
        Assert.Equal("Compiler question", opened.Subject);
        Assert.Equal("alice", opened.OwnerAgentId);
        Assert.Equal(opened.Id, wrapUp.CaseId);
        Assert.Equal("follow-up", wrapUp.Disposition);
        await Expect(page.GetByTestId("no-call")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task Supervisor_board_updates_live_and_sets_an_agents_state()
    {
        var page = await NewPage();
        await SignIn(page, "sam");
        await Expect(page).ToHaveURLAsync(new Uri(host.BaseAddress, "/board").ToString());
        await Expect(page.GetByTestId("connection")).ToHaveTextAsync("Live");
        await page.EvaluateAsync("window.__sameDocument = true");

        await host.Publish(Calls.Stats("support", waiting: 3, serviceLevel: 0.8));
        var support = page.GetByTestId("queue-row-support");
        await Expect(support.GetByTestId("waiting")).ToHaveTextAsync("3");
        await Expect(support.GetByTestId("service-level")).ToHaveTextAsync("80%");
        await Expect(support.GetByTestId("asa")).ToHaveTextAsync("0:23");
        await Expect(support.GetByTestId("abandonment")).ToHaveTextAsync("5%");
        await Expect(support.GetByTestId("agents-busy")).ToHaveTextAsync("3");

        await host.Publish(Calls.State("alice", AgentState.OnCall, AgentState.Reserved, callId: Guid.NewGuid()));
        var alice = page.GetByTestId("agent-row-alice");
        await Expect(alice.GetByTestId("agent-state")).ToHaveTextAsync("On call");

        await host.Publish(Calls.Stats("support", waiting: 5, serviceLevel: 0.625));
        await Expect(support.GetByTestId("waiting")).ToHaveTextAsync("5");
        await Expect(support.GetByTestId("service-level")).ToHaveTextAsync("62.5%");
        Assert.True(await page.EvaluateAsync<bool>("window.__sameDocument === true"), "the board must update without reloading");

        // Routing in two partitions: each partition's total, and "All queues" merged from their counters (not their rates).
        await host.Publish(Calls.Stats("*east", waiting: 2));
        await host.Publish(Calls.Stats("*west", waiting: 1) with
        {
            Offered = 10, Answered = 8, Abandoned = 0, AnsweredWithinTarget = 8, Handled = 8, TotalAnswerWait = TimeSpan.FromSeconds(8 * 23),
            TotalHandleTime = TimeSpan.FromMinutes(8 * 4),
        });
        var all = page.GetByTestId("queue-row-all");
        await Expect(all.GetByRole(AriaRole.Rowheader)).ToHaveTextAsync("All queues");
        await Expect(all.GetByTestId("waiting")).ToHaveTextAsync("3");
        await Expect(all.GetByTestId("offered")).ToHaveTextAsync("44/50");
        // (30 + 8) within target over (36 + 2) + 8 calls that left the queues.
        await Expect(all.GetByTestId("service-level")).ToHaveTextAsync("82.6%");
        await Expect(all.GetByTestId("asa")).ToHaveTextAsync("0:23");
        // 2 abandoned of 50 offered.
        await Expect(all.GetByTestId("abandonment")).ToHaveTextAsync("4%");
        await Expect(page.GetByTestId("queue-row-all-west").GetByRole(AriaRole.Rowheader)).ToHaveTextAsync("All queues (west)");
        await Expect(page.GetByTestId("queue-row-all-east").GetByTestId("waiting")).ToHaveTextAsync("2");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "supervisor-board.png"), FullPage = true });

        await alice.GetByTestId("set-notReady").ClickAsync();
        var command = await host.Recorder.WaitFor<SetAgentState>(c => c.AgentId == "alice" && c.RequestedBy == "sam");
        Assert.Equal(AgentState.NotReady, command.State);
        Assert.Equal("sam", command.RequestedBy);
        Assert.Equal("supervisor", command.Reason);
    }

    [Fact]
    public async Task The_board_shows_a_surge_banner_with_the_refused_count_while_a_gateway_refuses_calls()
    {
        var page = await NewPage();
        await SignIn(page, "sam");
        await Expect(page.GetByTestId("connection")).ToHaveTextAsync("Live");
        var banner = page.GetByTestId("surge-banner");
        await Expect(banner).ToBeHiddenAsync();
        var since = TimeProvider.System.GetUtcNow();
        var surge = new GatewayOverload { GatewayId = "gw1", Overloaded = true, Reason = "setup-time", Refused = 37, Since = since, OccurredAt = since };

        await host.Publish(surge);
        await Expect(banner).ToBeVisibleAsync();
        await Expect(banner.GetByTestId("surge-gw1")).ToContainTextAsync("gateway gw1 is refusing new calls");
        await Expect(banner.GetByTestId("surge-refused")).ToHaveTextAsync("37");
        await Expect(banner).ToContainTextAsync("call set-up slow");

        await host.Publish(surge with { Refused = 1234, OccurredAt = since.AddSeconds(1) });
        await Expect(banner.GetByTestId("surge-refused")).ToHaveTextAsync("1234");

        await host.Publish(surge with { Overloaded = false, Reason = null, Refused = 1300, OccurredAt = since.AddSeconds(2) });
        await Expect(banner).ToBeHiddenAsync();
    }

    [Fact]
    public async Task An_agent_is_turned_away_from_the_board_and_a_wrong_password_is_refused()
    {
        var page = await NewPage();
        await page.GotoAsync(new Uri(host.BaseAddress, "/").ToString());
        await page.GetByTestId("login").FillAsync("alice");
        await page.GetByTestId("password").FillAsync("wrong");
        await page.GetByTestId("sign-in").ClickAsync();
        await Expect(page.GetByTestId("sign-in-error")).ToHaveTextAsync("Wrong login or password.");

        await SignIn(page, "alice");
        await Expect(page).ToHaveURLAsync(new Uri(host.BaseAddress, "/agent").ToString());
        await page.GotoAsync(new Uri(host.BaseAddress, "/board").ToString(), new PageGotoOptions { WaitUntil = WaitUntilState.Commit });
        await Expect(page.GetByTestId("sign-in-error")).ToHaveTextAsync("That page needs a supervisor sign-in.");
    }

    [Fact]
    public async Task A_voicemail_offer_is_accepted_played_called_back_and_completed_in_the_browser()
    {
        var page = await NewPage();
        await SignIn(page, "alice");
        await Expect(page.GetByTestId("connection")).ToHaveTextAsync("Live");
        await Expect(page.GetByTestId("work-panel")).ToBeHiddenAsync();

        // Routing offers alice a voicemail (no phone rings), and the CRM's pop gives the caller's 360.
        var vm = Guid.NewGuid();
        await host.Publish(Calls.State("alice", AgentState.Reserved, AgentState.Available, "voicemail offered", vm));
        await host.Publish(Offered(vm, "alice", OfferKind.Voicemail, TimeSpan.FromSeconds(30)));
        await host.Publish(Calls.AdaPop(vm, "alice") with
        {
            Offer = OfferKind.Voicemail, OfferExpiresAt = Calls.Now.AddSeconds(30), VoicemailCallId = vm, VoicemailSeconds = 3,
            Waited = TimeSpan.FromMinutes(16), Queue = "billing",
        });
        var card = page.GetByTestId("work-item");
        await Expect(card).ToHaveAttributeAsync("data-phase", "offered");
        await Expect(card.GetByTestId("work-kind")).ToHaveTextAsync("Voicemail");
        await Expect(card.GetByTestId("work-customer")).ToHaveTextAsync("Ada Lovelace");
        await Expect(card.GetByTestId("work-queue")).ToHaveTextAsync("billing");
        await Expect(card.GetByTestId("work-voicemail-length")).ToHaveTextAsync("0:03");
        await Expect(card.GetByTestId("offer-countdown")).ToContainTextAsync(new Regex("accept within 0:(2|30)"));
        await Expect(card.GetByTestId("case-row")).ToContainTextAsync("CS-000123");
        await Expect(page.GetByTestId("no-call")).ToBeVisibleAsync(); // not a ringing call
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "agent-voicemail-offer.png"), FullPage = true });

        await card.GetByTestId("accept-offer").ClickAsync();
        Assert.Equal("alice", (await host.Recorder.WaitFor<AcceptOffer>(a => a.CallId == vm)).AgentId);
        await host.Publish(new OfferAccepted { CallId = vm, AgentId = "alice", Queue = "billing", Offer = OfferKind.Voicemail, OccurredAt = Calls.Now });
        await host.Publish(Calls.State("alice", AgentState.OnCall, AgentState.Reserved, "working on a voicemail", vm));
        await Expect(card).ToHaveAttributeAsync("data-phase", "working");

        // It plays: the player streams the message and its clock runs to the end.
        var player = card.GetByTestId("work-voicemail-player");
        Assert.Equal($"/api/interactions/{vm}/voicemail", await player.GetAttributeAsync("src"));
        await card.GetByTestId("play-voicemail").ClickAsync();
        await page.WaitForFunctionAsync("a => a.error !== null || a.ended", await player.ElementHandleAsync(), new PageWaitForFunctionOptions { Timeout = 15_000 });
        Assert.Null(await player.EvaluateAsync<string?>("a => a.error ? `error ${a.error.code}` : null"));
        Assert.True(await player.EvaluateAsync<double>("a => a.currentTime") > 2.5);
        Assert.Contains(host.VoicemailRequests, r => r.CallId == vm && r.Login == "alice");

        // Call back: click to dial of the caller's number, linked to the voicemail; the call ends with no wrap-up of its own.
        await card.GetByTestId("call-back").ClickAsync();
        var placed = await host.Recorder.WaitFor<PlaceOutboundCall>(p => p.WorkItemId == vm);
        Assert.Equal(("alice", "+442071234567", (Guid?)Calls.AdaId), (placed.AgentId, placed.Number, placed.CustomerId));
        await Expect(page.GetByTestId("outbound-badge")).ToBeVisibleAsync();
        await Expect(card.GetByTestId("call-back")).ToBeDisabledAsync();
        await host.Publish(new CallConnected { CallId = placed.CallId, AgentId = "alice", Queue = "", Direction = CallDirection.Outbound, OccurredAt = Calls.Now });
        await Expect(page.GetByTestId("call-phase")).ToHaveTextAsync("Connected");
        await host.Publish(new CallEnded
        {
            CallId = placed.CallId, AgentId = "alice", Outcome = CallOutcome.Answered, EndedBy = CallParty.Caller, Reason = "BYE",
            Direction = CallDirection.Outbound, Dialled = placed.Number, OccurredAt = Calls.Now.AddSeconds(1),
        });
        await Expect(page.GetByTestId("no-call")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("wrap-up-form")).ToBeHiddenAsync();
        await Expect(card.GetByTestId("called-back")).ToBeVisibleAsync();

        // The voicemail's own wrap-up completes it.
        await card.GetByTestId("work-disposition").SelectOptionAsync("called-back");
        await card.GetByTestId("work-notes").FillAsync("Called Ada back about her invoice.");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "agent-voicemail-working.png"), FullPage = true });
        await card.GetByTestId("complete-work").ClickAsync();
        var done = await host.Recorder.WaitFor<CompleteWrapUp>(c => c.CallId == vm);
        Assert.Equal(("alice", "called-back", "Called Ada back about her invoice."), (done.AgentId, done.Disposition, done.Notes));
        await Expect(page.GetByTestId("work-item")).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("work-panel")).ToBeHiddenAsync();
    }

    [Fact]
    public async Task A_preview_callback_is_skipped_once_then_accepted_and_becomes_the_ringing_callback()
    {
        var page = await NewPage();
        await SignIn(page, "bob");
        await Expect(page.GetByTestId("connection")).ToHaveTextAsync("Live");

        var first = Guid.NewGuid();
        await host.Publish(Offered(first, "bob", OfferKind.PreviewCallback, TimeSpan.FromSeconds(25)));
        var card = page.GetByTestId("work-item");
        await Expect(card.GetByTestId("work-kind")).ToHaveTextAsync("Callback (preview)");
        await Expect(card.GetByTestId("work-number")).ToHaveTextAsync("+442071234567");
        await Expect(card.GetByTestId("work-waited")).ToHaveTextAsync("16:00");
        await card.GetByTestId("skip-offer").ClickAsync();
        await host.Recorder.WaitFor<DeclineOffer>(d => d.CallId == first && d.AgentId == "bob");
        await host.Publish(new OfferWithdrawn { CallId = first, AgentId = "bob", Queue = "support", Offer = OfferKind.PreviewCallback, Reason = "skipped", OccurredAt = Calls.Now });
        await Expect(page.GetByTestId("work-item")).ToHaveCountAsync(0);

        var second = Guid.NewGuid();
        await host.Publish(Offered(second, "bob", OfferKind.PreviewCallback, TimeSpan.FromSeconds(25)));
        await host.Publish(Calls.AdaPop(second, "bob") with { Offer = OfferKind.PreviewCallback, IsCallback = true, OfferExpiresAt = Calls.Now.AddSeconds(25) });
        await Expect(card.GetByTestId("work-customer")).ToHaveTextAsync("Ada Lovelace");
        await card.GetByTestId("accept-offer").ClickAsync();
        await host.Recorder.WaitFor<AcceptOffer>(a => a.CallId == second && a.AgentId == "bob");
        await host.Publish(new OfferAccepted { CallId = second, AgentId = "bob", Queue = "support", Offer = OfferKind.PreviewCallback, OccurredAt = Calls.Now });
        await Expect(page.GetByTestId("work-item")).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("callback-badge")).ToHaveTextAsync("Callback");
        await Expect(page.GetByTestId("call-phase")).ToHaveTextAsync("Ringing");
        await Expect(page.GetByTestId("customer-name")).ToHaveTextAsync("Ada Lovelace");
    }

    [Fact]
    public async Task After_wrap_up_the_last_callers_card_calls_them_back_by_click_to_dial()
    {
        var page = await NewPage();
        await SignIn(page, "alice");
        await Expect(page.GetByTestId("connection")).ToHaveTextAsync("Live");
        await host.Publish(Calls.State("alice", AgentState.Available, AgentState.LoggedOut));
        var callId = Guid.NewGuid();
        await host.Publish(Calls.Reserved(callId, "alice"));
        await host.Publish(Calls.AdaPop(callId, "alice"));
        await Expect(page.GetByTestId("customer-card").GetByTestId("call-customer")).ToBeDisabledAsync(); // not during the call
        await host.Publish(Calls.Connected(callId, "alice"));
        await host.Publish(Calls.Ended(callId, "alice"));
        await page.GetByTestId("disposition").SelectOptionAsync("follow-up");
        await page.GetByTestId("complete-wrap-up").ClickAsync();
        await host.Publish(Calls.State("alice", AgentState.Available, AgentState.WrapUp, "wrap-up completed"));

        var again = page.GetByTestId("last-caller").GetByTestId("call-customer");
        await Expect(again).ToBeEnabledAsync();
        await again.ClickAsync();
        var placed = await host.Recorder.WaitFor<PlaceOutboundCall>(p => p.AgentId == "alice" && p.CustomerId == Calls.AdaId && p.WorkItemId == null && p.OccurredAt > Calls.Now.AddSeconds(-30));
        Assert.Equal("+442071234567", placed.Number);
        await Expect(page.GetByTestId("outbound-badge")).ToBeVisibleAsync();
    }

    private static AgentReserved Offered(Guid callId, string agentId, OfferKind kind, TimeSpan timeout) => new()
    {
        CallId = callId, AgentId = agentId, Queue = kind == OfferKind.Voicemail ? "billing" : "support", Caller = "+442071234567",
        IvrPath = "main>3>billing>voicemail", Waited = TimeSpan.FromMinutes(16), Reason = "offer", Offer = kind, IsCallback = kind == OfferKind.PreviewCallback,
        OfferExpiresAt = Calls.Now + timeout, OccurredAt = Calls.Now,
    };

    private async Task<IPage> NewPage()
    {
        var context = await fixture.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = 1280, Height = 900 },
            Locale = "en-GB",
            TimezoneId = "UTC",
        });
        contexts.Add(context);
        var page = await context.NewPageAsync();
        var log = new List<string>();
        logs[page] = log;
        page.Console += (_, m) => log.Add($"console {m.Type}: {m.Text}");
        page.PageError += (_, error) => log.Add($"page error: {error}");
        page.FrameNavigated += (_, frame) => log.Add($"navigated: {frame.Url}");
        page.RequestFailed += (_, request) => log.Add($"request failed: {request.Url} {request.Failure}");
        page.SetDefaultTimeout(15_000);
        page.SetDefaultNavigationTimeout(20_000);
        return page;
    }

    private List<string> Log(IPage page) => logs.TryGetValue(page, out var log) ? log : [];

    private async Task SignIn(IPage page, string login)
    {
        await page.GotoAsync(new Uri(host.BaseAddress, "/").ToString());
        await Expect(page.Locator("body[data-ready=true]")).ToBeAttachedAsync();
        await page.GetByTestId("login").FillAsync(login);
        await page.GetByTestId("password").FillAsync(DesktopTestHost.Password);
        await page.GetByTestId("sign-in").ClickAsync();
        try
        {
            // Polls the URL and the DOM rather than waiting on navigation lifecycle events, which
            // Playwright sometimes misses with Debian's Chromium after a script-initiated navigation.
            await Expect(page).ToHaveURLAsync(new Regex("/(agent|board)$"), new PageAssertionsToHaveURLOptions { Timeout = 20_000 });
        }
        catch (PlaywrightException e)
        {
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, $"sign-in-{login}-timeout.png") });
            throw new TimeoutException($"Sign-in as {login} did not reach a page: at {page.Url}; browser log: {string.Join(" | ", Log(page))}", e);
        }

        await Expect(page.Locator("body[data-ready=true]")).ToBeAttachedAsync();
    }
}

/// <summary>One test host and one headless Chromium for the browser tests; each test has its own browser context.</summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    private const string ChromiumPath = "/usr/bin/chromium";

    private IPlaywright playwright = null!;

    public static string ScreenshotDirectory { get; } = Path.Combine(AppContext.BaseDirectory, "TestResults", "screenshots");

    public DesktopTestHost Host { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException($"The browser tests need Debian's Chromium at {ChromiumPath} (apt-get install chromium); it is missing.");
        }

        Directory.CreateDirectory(ScreenshotDirectory);
        SetDefaultExpectTimeout(10_000);
        Host = await DesktopTestHost.StartAsync();
        playwright = await Playwright.CreateAsync();
        Browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--autoplay-policy=no-user-gesture-required", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
    }

    public async Task DisposeAsync()
    {
        await Browser.DisposeAsync();
        playwright.Dispose();
        await Host.DisposeAsync();
    }
}
