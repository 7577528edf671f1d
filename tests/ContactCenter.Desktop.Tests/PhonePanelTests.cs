using ContactCenter.Desktop.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ContactCenter.Desktop.Tests;

/// <summary>
/// The phone panel's microphone gate in Debian's Chromium: when the microphone permission is refused or there is no
/// microphone, the panel says so and the browser phone never opens its SIP WebSocket (nothing registered half-way);
/// choosing a SIP phone registers nothing either. (Registration and calls against the real gateway are in
/// ContactCenter.Host.Tests' BrowserPhonePanelTests.)
/// </summary>
public sealed class PhonePanelTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private readonly List<IBrowserContext> contexts = [];
    private IPlaywright? playwright;
    private IBrowser? withFakeMicrophone;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var context in contexts)
        {
            await context.CloseAsync();
        }

        if (withFakeMicrophone is not null)
        {
            await withFakeMicrophone.DisposeAsync();
        }

        playwright?.Dispose();
    }

    /// <summary>Chromium with a (fake) microphone but no fake permission UI: a permission nobody grants is refused.</summary>
    private async Task<IBrowser> BrowserWithMicrophone()
    {
        playwright ??= await Playwright.CreateAsync();
        return withFakeMicrophone ??= await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--use-fake-device-for-media-stream", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
    }

    [Fact]
    public async Task Refused_microphone_permission_shows_why_and_opens_no_sip_connection()
    {
        // A microphone exists, but the permission is not granted: refused, as when the agent clicks Block.
        var (page, sockets) = await SignedInPage(grantMicrophone: false, await BrowserWithMicrophone());
        await Expect(page.GetByTestId("phone-state")).ToHaveAttributeAsync("data-state", "no-microphone");
        await Expect(page.GetByTestId("phone-state")).ToHaveTextAsync("Not registered");
        await Expect(page.GetByTestId("phone-message")).ToContainTextAsync("Microphone permission was refused");
        await Expect(page.GetByTestId("phone-message")).ToContainTextAsync("not registered");
        await Expect(page.GetByTestId("phone-retry")).ToBeVisibleAsync();
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "phone-permission-refused.png"), FullPage = true });

        // Try again: refused again, still no socket. The message is rendered after the check, so the check is over.
        await page.GetByTestId("phone-retry").ClickAsync();
        await Expect(page.GetByTestId("phone-message")).ToContainTextAsync("Microphone permission was refused");
        Assert.DoesNotContain(sockets, url => url.EndsWith("/sip", StringComparison.Ordinal));
    }

    [Fact]
    public async Task No_microphone_at_all_shows_why_and_opens_no_sip_connection()
    {
        // Permission granted, but the fixture's Chromium has no audio capture device (no fake device flag).
        var (page, sockets) = await SignedInPage(grantMicrophone: true, fixture.Browser);
        await Expect(page.GetByTestId("phone-state")).ToHaveAttributeAsync("data-state", "no-microphone");
        await Expect(page.GetByTestId("phone-message")).ToContainTextAsync("No microphone was found");
        Assert.DoesNotContain(sockets, url => url.EndsWith("/sip", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Choosing_a_sip_phone_registers_nothing_and_is_remembered()
    {
        var (page, sockets) = await SignedInPage(grantMicrophone: false, fixture.Browser);
        await Expect(page.GetByTestId("phone-state")).ToHaveAttributeAsync("data-state", "no-microphone");
        await page.GetByTestId("phone-kind").SelectOptionAsync("sip");
        await Expect(page.GetByTestId("phone-state")).ToHaveTextAsync("Using your SIP phone");
        await Expect(page.GetByTestId("phone-message")).ToContainTextAsync("Calls ring your SIP phone");

        // Reloaded: still the SIP phone, and no microphone is asked for (no refusal message).
        await page.ReloadAsync();
        await Expect(page.Locator("body[data-ready=true]")).ToBeAttachedAsync();
        await Expect(page.GetByTestId("phone-state")).ToHaveAttributeAsync("data-state", "sip");
        await Expect(page.GetByTestId("phone-kind")).ToHaveValueAsync("sip");
        await Expect(page.GetByTestId("phone-microphone")).ToBeDisabledAsync();
        Assert.DoesNotContain(sockets, url => url.EndsWith("/sip", StringComparison.Ordinal));
    }

    private async Task<(IPage Page, List<string> Sockets)> SignedInPage(bool grantMicrophone, IBrowser browser)
    {
        var context = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = 1280, Height = 900 },
            Locale = "en-GB",
            TimezoneId = "UTC",
        });
        contexts.Add(context);
        if (grantMicrophone)
        {
            await context.GrantPermissionsAsync(["microphone"], new BrowserContextGrantPermissionsOptions { Origin = fixture.Host.BaseAddress.GetLeftPart(UriPartial.Authority) });
        }

        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(15_000);
        var sockets = new List<string>();
        page.WebSocket += (_, socket) => sockets.Add(socket.Url);
        await page.GotoAsync(new Uri(fixture.Host.BaseAddress, "/").ToString());
        await Expect(page.Locator("body[data-ready=true]")).ToBeAttachedAsync();
        await page.GetByTestId("login").FillAsync("alice");
        await page.GetByTestId("password").FillAsync(DesktopTestHost.Password);
        await page.GetByTestId("sign-in").ClickAsync();
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/agent$"), new PageAssertionsToHaveURLOptions { Timeout = 20_000 });
        await Expect(page.Locator("body[data-ready=true]")).ToBeAttachedAsync();
        await Expect(page.GetByTestId("connection")).ToHaveTextAsync("Live");
        return (page, sockets);
    }
}
