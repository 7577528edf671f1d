using System.Text.RegularExpressions;
using ContactCenter.Contracts;
using ContactCenter.Desktop.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ContactCenter.Desktop.Tests;

/// <summary>The board's per-agent monitoring buttons (issue 18) in Debian's Chromium; bus events stand in for the gateway.</summary>
public sealed class MonitoringBrowserTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private readonly List<IBrowserContext> contexts = [];

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
    public async Task The_board_listens_to_an_agent_on_a_call_shows_who_is_in_it_and_switches_to_whisper()
    {
        var callId = Guid.NewGuid();
        await host.Publish(Calls.Reserved(callId, "carol"));
        await host.Publish(Calls.Connected(callId, "carol"));
        await host.Publish(Calls.State("carol", AgentState.OnCall, AgentState.Reserved, callId: callId));

        var page = await NewPage();
        await SignIn(page, "sam");
        var carol = page.GetByTestId("agent-row-carol");
        await Expect(carol.GetByTestId("agent-state")).ToHaveTextAsync("On call");
        await Expect(carol.GetByTestId("monitor-leave")).ToHaveCountAsync(0);

        await carol.GetByTestId("monitor-listen").ClickAsync();
        var listen = await host.Recorder.WaitFor<MonitorCall>(c => c.AgentId == "carol" && c.Mode == MonitorMode.Listen);
        Assert.Equal(("sam", (Guid?)callId), (listen.SupervisorId, listen.CallId));

        // The gateway's answer: sam's phone answered, he is listening.
        await host.Publish(new MonitoringChanged
        {
            MonitoringId = Guid.NewGuid(), Sequence = 2, CallId = callId, AgentId = "carol", SupervisorId = "sam",
            Mode = MonitorMode.Listen, Phase = MonitoringPhase.Started, Reason = "answered", OccurredAt = Calls.Now,
        });
        await Expect(carol.GetByTestId("monitor-status")).ToHaveTextAsync("sam: listen");
        await Expect(carol.GetByTestId("monitor-listen")).ToHaveAttributeAsync("aria-pressed", "true");
        await Expect(carol.GetByTestId("monitor-leave")).ToBeVisibleAsync();
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "board-monitoring.png"), FullPage = true });

        await carol.GetByTestId("monitor-whisper").ClickAsync();
        await host.Recorder.WaitFor<MonitorCall>(c => c.AgentId == "carol" && c.Mode == MonitorMode.Whisper);

        // A refusal is said on the board.
        await host.Publish(new MonitoringChanged
        {
            MonitoringId = Guid.NewGuid(), Sequence = 1, CallId = callId, AgentId = "carol", SupervisorId = "sam",
            Mode = MonitorMode.Barge, Phase = MonitoringPhase.Refused, Reason = "sam's phone is not registered", OccurredAt = Calls.Now,
        });
        await Expect(page.GetByTestId("status-message")).ToContainTextAsync("sam's phone is not registered");
    }

    [Fact]
    public async Task A_supervisor_of_billing_gets_monitoring_buttons_for_a_billing_call_and_none_for_a_support_call()
    {
        var support = Guid.NewGuid();
        await host.Publish(Calls.Reserved(support, "alice"));
        await host.Publish(Calls.Connected(support, "alice"));
        await host.Publish(Calls.State("alice", AgentState.OnCall, AgentState.Reserved, callId: support));
        var billing = Guid.NewGuid();
        await host.Publish(Calls.Reserved(billing, "bob") with { Queue = "billing" });
        await host.Publish(Calls.Connected(billing, "bob") with { Queue = "billing" });
        await host.Publish(Calls.State("bob", AgentState.OnCall, AgentState.Reserved, callId: billing));

        var page = await NewPage();
        await SignIn(page, "sue");
        var bob = page.GetByTestId("agent-row-bob");
        var alice = page.GetByTestId("agent-row-alice");
        await Expect(bob.GetByTestId("agent-state")).ToHaveTextAsync("On call");
        await Expect(alice.GetByTestId("agent-state")).ToHaveTextAsync("On call");
        await Expect(bob.GetByTestId("monitor-listen")).ToBeVisibleAsync();
        await Expect(alice.GetByTestId("monitor-listen")).ToHaveCountAsync(0);
        await Expect(alice.GetByTestId("monitor-takeOver")).ToHaveCountAsync(0);

        await bob.GetByTestId("monitor-barge").ClickAsync();
        var barge = await host.Recorder.WaitFor<MonitorCall>(c => c.SupervisorId == "sue");
        Assert.Equal(("bob", MonitorMode.Barge, (Guid?)billing), (barge.AgentId, barge.Mode, barge.CallId));
    }

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
        page.SetDefaultTimeout(15_000);
        page.SetDefaultNavigationTimeout(20_000);
        return page;
    }

    private async Task SignIn(IPage page, string login)
    {
        await page.GotoAsync(new Uri(host.BaseAddress, "/").ToString());
        await Expect(page.Locator("body[data-ready=true]")).ToBeAttachedAsync();
        await page.GetByTestId("login").FillAsync(login);
        await page.GetByTestId("password").FillAsync(DesktopTestHost.Password);
        await page.GetByTestId("sign-in").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/board$"), new PageAssertionsToHaveURLOptions { Timeout = 20_000 });
        await Expect(page.Locator("body[data-ready=true]")).ToBeAttachedAsync();
        await Expect(page.GetByTestId("connection")).ToHaveTextAsync("Live");
    }
}
