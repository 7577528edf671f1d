using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ContactCenter.Host.Tests.EndToEnd;

/// <summary>
/// The whole product in a real browser (Debian's Chromium driven by Playwright, never a
/// downloaded browser): sam watches the board while a customer waits; alice signs in, goes
/// Available, her SIPp phone rings and her page pops Ada Lovelace with her open case; the agent
/// hangs up and alice completes wrap-up. Screenshots are kept under TestResults/screenshots.
/// </summary>
public sealed class BrowserCallTests
{
    internal const string ChromiumPath = "/usr/bin/chromium";
    internal static readonly string Screenshots = Path.Combine(AppContext.BaseDirectory, "TestResults", "screenshots");

    [Fact]
    public async Task Alice_takes_a_call_in_the_browser_while_sam_watches_the_board()
    {
        Assert.True(File.Exists(ChromiumPath), $"the browser test needs Debian's Chromium at {ChromiumPath} (apt-get install chromium); ./test.sh installs it");
        Directory.CreateDirectory(Screenshots);
        SetDefaultExpectTimeout(20_000);
        await using var host = CallPathTests.StartHost();
        await host.WaitUntilReadyAsync(TimeSpan.FromSeconds(45));
        await CallPathTests.WithHostLogAsync(host, async () =>
        {
            var folder = Directory.CreateTempSubdirectory("cc-browser-").FullName;
            using var playwright = await Playwright.CreateAsync();
            await using var browser = await LaunchChromiumAsync(playwright);

            var board = await SignInAsync(browser, host, "sam", "/board");
            var agent = await SignInAsync(browser, host, "alice", "/agent");
            await using var phone = await CallPathTests.RegisterPhoneAsync(host, folder, "alice", "agent-answer.part", "agent-send-bye.part");

            // A customer calls before anyone is available: the board shows the call waiting.
            await using var caller = CallPathTests.StartCaller(host, folder, digit: '2', ending: "caller-waits-bye.part", stayMs: 60_000);
            var support = board.GetByTestId("queue-row-support");
            await Expect(support.GetByTestId("waiting")).ToHaveTextAsync("1");
            await board.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Screenshots, "e2e-board-call-waiting.png"), FullPage = true });

            // alice goes Available: routing picks her, her phone rings and the pop is on her page.
            await agent.GetByTestId("go-available").ClickAsync();
            await Expect(agent.GetByTestId("customer-name")).ToHaveTextAsync("Ada Lovelace");
            await Expect(agent.GetByTestId("customer-tier")).ToHaveTextAsync("gold");
            await Expect(agent.GetByTestId("ivr-path")).ToHaveTextAsync("main>2>support");
            await Expect(agent.GetByTestId("case-row").First).ToContainTextAsync("CS-000001");
            await Expect(agent.GetByTestId("call-phase")).ToHaveTextAsync(new Regex("Ringing|Connected"));
            await agent.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Screenshots, "e2e-agent-screen-pop.png"), FullPage = true });

            await Expect(agent.GetByTestId("call-phase")).ToHaveTextAsync("Connected");
            await Expect(board.GetByTestId("agent-row-alice").GetByTestId("agent-state")).ToHaveTextAsync("On call");
            await Expect(support.GetByTestId("waiting")).ToHaveTextAsync("0");
            await board.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Screenshots, "e2e-board-alice-on-call.png"), FullPage = true });

            // The agent hangs up (her phone sends BYE); the caller is released; alice wraps up.
            await Expect(agent.GetByTestId("call-phase")).ToHaveTextAsync("Wrap-up");
            await agent.GetByTestId("disposition").SelectOptionAsync("resolved");
            await agent.GetByTestId("notes").FillAsync("Confirmed the engine repair date.");
            await agent.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Screenshots, "e2e-agent-wrap-up.png"), FullPage = true });
            await agent.GetByTestId("complete-wrap-up").ClickAsync();
            await Expect(agent.GetByTestId("no-call")).ToBeVisibleAsync();
            await Expect(agent.GetByTestId("agent-state")).ToHaveTextAsync("Available");

            await phone.AssertSucceededAsync(TimeSpan.FromSeconds(40));
            await caller.AssertSucceededAsync(TimeSpan.FromSeconds(40));

            // The call is in Ada's history with the wrap-up the browser sent.
            await using var alice = await AgentDesktopClient.ConnectAsync(host.BaseAddress, "alice");
            var page = await alice.Api.GetFromJsonAsync<JsonElement>(new Uri("/api/customers?phone=%2B442079460018", UriKind.Relative));
            var customerId = page.GetProperty("items")[0].GetProperty("id").GetString()!;
            var history = await alice.Api.GetFromJsonAsync<JsonElement>(new Uri($"/api/customers/{customerId}/interactions?page=1&pageSize=5", UriKind.Relative));
            var latest = history.GetProperty("items")[0];
            Assert.Equal("alice", latest.GetProperty("agentId").GetString());
            Assert.Equal("resolved", latest.GetProperty("disposition").GetString());
            Assert.Equal("Confirmed the engine repair date.", latest.GetProperty("notes").GetString());
        });
    }

    /// <summary>Debian's Chromium, headless (never a downloaded browser).</summary>
    internal static Task<IBrowser> LaunchChromiumAsync(IPlaywright playwright) =>
        playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-gpu"],
        });

    /// <param name="phonePanel">False: the desktop's phone panel is set to "A SIP phone" before the page loads, so it
    /// registers no browser phone of its own (for tests whose page runs its own test phone).</param>
    internal static async Task<IPage> SignInAsync(IBrowser browser, HostProcess host, string login, string path, bool phonePanel = true)
    {
        var context = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = 1280, Height = 900 },
            Locale = "en-GB",
            TimezoneId = "UTC",
        });
        if (!phonePanel)
        {
            await context.AddInitScriptAsync($"try {{ localStorage.setItem('cc_phone_kind:{login}', 'sip'); }} catch {{ }}");
        }

        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(20_000);
        await page.GotoAsync(new Uri(host.BaseAddress, "/").ToString());
        await Expect(page.Locator("body[data-ready=true]")).ToBeAttachedAsync();
        await page.GetByTestId("login").FillAsync(login);
        await page.GetByTestId("password").FillAsync("demo");
        await page.GetByTestId("sign-in").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex(Regex.Escape(path) + "$"));
        await Expect(page.Locator("body[data-ready=true]")).ToBeAttachedAsync();
        await Expect(page.GetByTestId("connection")).ToHaveTextAsync("Live");
        return page;
    }
}
