using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ContactCenter.Host.Tests.EndToEnd;

/// <summary>
/// The browser phone's signalling in a real browser (Debian's Chromium) against the real host: alice signs in to the
/// desktop, the page's JsSIP user agent (the desktop bundle's phone.js) registers over ws://…/sip with no SIP password
/// (the sign-in cookie rides on the WebSocket upgrade), a caller's call routed to her reaches the browser as an INVITE
/// (JsSIP's newRTCSession), and closing the tab unregisters her phone at once. Media is not part of this test.
/// </summary>
public sealed class BrowserPhoneTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(40);

    [Fact]
    public async Task Alice_registers_from_the_browser_with_her_sign_in_and_a_call_routed_to_her_rings_there()
    {
        Assert.True(File.Exists(BrowserCallTests.ChromiumPath), $"the browser test needs Debian's Chromium at {BrowserCallTests.ChromiumPath} (apt-get install chromium); ./test.sh installs it");
        SetDefaultExpectTimeout(20_000);
        await using var host = CallPathTests.StartHost();
        await host.WaitUntilReadyAsync(TimeSpan.FromSeconds(45));
        await CallPathTests.WithHostLogAsync(host, async () =>
        {
            var folder = Directory.CreateTempSubdirectory("cc-browser-phone-").FullName;
            using var playwright = await Playwright.CreateAsync();
            await using var browser = await BrowserCallTests.LaunchChromiumAsync(playwright);
            var agent = await BrowserCallTests.SignInAsync(browser, host, "alice", "/agent");
            using var scrape = new HttpClient { BaseAddress = host.BaseAddress };

            // The desktop's phone module registers alice over /sip; no password is given to it.
            var state = await agent.EvaluateAsync<string>("""
                async () => {
                  const { startBrowserPhone } = await import("/desktop/dist/phone.js");
                  const phone = startBrowserPhone({ login: "alice" });
                  window.ccIncoming = [];
                  phone.onIncoming((call) => window.ccIncoming.push({ caller: call.caller, name: call.name, status: call.session.status }));
                  window.ccPhone = phone;
                  await phone.registered;
                  return phone.state;
                }
                """);
            Assert.Equal("registered", state);
            await WaitForMetricAsync(scrape, "contactcenter_telephony_phones_registered", 1);
            await WaitForMetricAsync(scrape, "contactcenter_telephony_websockets_open", 1);

            // alice goes Available; a customer calls support: the gateway's INVITE for alice arrives in the browser.
            await agent.GetByTestId("go-available").ClickAsync();
            await Expect(agent.GetByTestId("agent-state")).ToHaveTextAsync("Available");
            await using var caller = CallPathTests.StartCaller(host, folder, digit: '2', ending: "caller-hangs-up.part", stayMs: 20_000);
            await agent.WaitForFunctionAsync("() => window.ccIncoming.length > 0", null, new PageWaitForFunctionOptions { Timeout = (float)Patience.TotalMilliseconds });
            var incoming = await agent.EvaluateAsync<JsonElement>("() => window.ccIncoming[0]");
            Assert.Equal("+442079460018", incoming.GetProperty("caller").GetString());
            await Expect(agent.GetByTestId("customer-name")).ToHaveTextAsync("Ada Lovelace");
            await agent.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserCallTests.Screenshots, "e2e-browser-phone-ringing.png"), FullPage = true });

            // The tab closes while it rings: the registration goes at once (no expiry wait), and the caller is not cut off.
            await agent.Context.CloseAsync();
            await WaitForMetricAsync(scrape, "contactcenter_telephony_phones_registered", 0);
            await WaitForMetricAsync(scrape, "contactcenter_telephony_websockets_open", 0);
            Assert.Matches(new Regex(@"alice's phone is gone: its connection WS \S+ closed"), host.StandardOutput);
            await caller.AssertSucceededAsync(Patience);
        });
    }

    /// <summary>Polls the Prometheus scrape until the gauge reads <paramref name="value"/>.</summary>
    internal static async Task WaitForMetricAsync(HttpClient scrape, string gauge, int value)
    {
        var pattern = new Regex($@"(?m)^{gauge}(\{{[^}}]*\}})? {value}(\s|$)");
        var deadline = TimeProvider.System.GetUtcNow() + Patience;
        var last = "";
        while (TimeProvider.System.GetUtcNow() < deadline)
        {
            last = await scrape.GetStringAsync(new Uri("/metrics", UriKind.Relative));
            if (pattern.IsMatch(last))
            {
                return;
            }

            await Task.Delay(200);
        }

        var line = last.Split('\n').FirstOrDefault(l => l.StartsWith(gauge, StringComparison.Ordinal)) ?? "(absent)";
        throw new Xunit.Sdk.XunitException($"{gauge} did not reach {value} within {Patience.TotalSeconds} s; last: {line}");
    }
}
