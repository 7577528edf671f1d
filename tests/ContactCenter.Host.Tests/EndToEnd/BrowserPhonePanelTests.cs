using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ContactCenter.Host.Tests.EndToEnd;

/// <summary>
/// The agent desktop's phone panel and the customer's /call page in Debian's Chromium (a fake microphone, its
/// permission accepted) against the real host: the panel registers with the agent's sign-in, rings beside the screen
/// pop, Decline sends the call to the next agent; a web caller dials 1000, keys 2 for the IVR from the page's keypad
/// (RFC 4733), alice answers in the desktop, both browsers receive audio over DTLS-SRTP, she holds, resumes, mutes and
/// transfers the call to bob from the panel's picker; the history entry is the one a SIP-phone transfer leaves.
/// </summary>
public sealed class BrowserPhonePanelTests
{
    private const string AdaPhone = "+442079460018";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(40);

    /// <summary>Keeps every RTCPeerConnection the page makes, for getStats (a test-only init script; the page is unchanged).</summary>
    private const string KeepPeerConnections = """
        (() => {
          const Original = window.RTCPeerConnection;
          window.ccPeerConnections = [];
          window.RTCPeerConnection = class extends Original {
            constructor(...args) { super(...args); window.ccPeerConnections.push(this); }
          };
        })();
        """;

    /// <summary>The last peer connection's audio in, DTLS state and SRTP cipher.</summary>
    private const string MediaStats = """
        async () => {
          const pcs = window.ccPeerConnections || [];
          const pc = pcs[pcs.length - 1];
          if (!pc) return { energy: 0, packets: 0, dtls: "none", cipher: "" };
          const report = await pc.getStats();
          let energy = 0, packets = 0, dtls = "", cipher = "";
          report.forEach((s) => {
            if (s.type === "inbound-rtp" && s.kind === "audio") { energy = s.totalAudioEnergy || 0; packets = s.packetsReceived || 0; }
            if (s.type === "transport") { dtls = s.dtlsState || ""; cipher = s.srtpCipher || ""; }
          });
          return { energy, packets, dtls, cipher };
        }
        """;

    [Fact]
    public async Task The_panel_registers_with_the_sign_in_rings_with_the_pop_and_decline_sends_the_call_to_bob()
    {
        Assert.True(File.Exists(BrowserCallTests.ChromiumPath), $"the browser test needs Debian's Chromium at {BrowserCallTests.ChromiumPath}");
        SetDefaultExpectTimeout(20_000);
        await using var host = CallPathTests.StartHost();
        await host.WaitUntilReadyAsync(TimeSpan.FromSeconds(90));
        await CallPathTests.WithHostLogAsync(host, async () =>
        {
            var folder = Directory.CreateTempSubdirectory("cc-phone-panel-").FullName;
            using var playwright = await Playwright.CreateAsync();
            await using var browser = await LaunchWithMicrophoneAsync(playwright);
            using var scrape = new HttpClient { BaseAddress = host.BaseAddress };

            // alice signs in: the panel checks the microphone and registers her browser over /sip with the sign-in.
            var agent = await BrowserCallTests.SignInAsync(browser, host, "alice", "/agent");
            await Expect(agent.GetByTestId("phone-state")).ToHaveTextAsync("Registered");
            await BrowserPhoneTests.WaitForMetricAsync(scrape, "contactcenter_telephony_phones_registered", 1);

            await using var bob = await AgentDesktopClient.ConnectAsync(host.BaseAddress, "bob");
            await using var bobPhone = await CallPathTests.RegisterPhoneAsync(host, folder, "bob", "agent-answer.part", "agent-wait-bye.part");
            await agent.GetByTestId("go-available").ClickAsync();
            await Expect(agent.GetByTestId("agent-state")).ToHaveTextAsync("Available");
            await bob.SetStateAsync("Available");

            // A customer presses 2: alice (Ada's case owner) is rung first, in the panel, beside the screen pop.
            await using var caller = CallPathTests.StartCaller(host, folder, digit: '2', ending: "caller-hangs-up.part", stayMs: 25_000);
            await Expect(agent.GetByTestId("phone-call-state")).ToHaveAttributeAsync("data-phase", "ringing");
            await Expect(agent.GetByTestId("phone-caller")).ToContainTextAsync(AdaPhone);
            await Expect(agent.GetByTestId("customer-name")).ToHaveTextAsync("Ada Lovelace");
            await Expect(agent.GetByTestId("phone-answer")).ToBeVisibleAsync();
            await agent.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserCallTests.Screenshots, "e2e-phone-panel-ringing.png"), FullPage = true });

            // Decline: the gateway hears 486, routing re-queues the call and bob's SIP phone takes it.
            await agent.GetByTestId("phone-decline").ClickAsync();
            await Expect(agent.GetByTestId("phone-call-state")).ToHaveAttributeAsync("data-phase", "ended");
            var bobPop = await AgentDesktopClient.WaitForAsync(bob.ScreenPops, _ => true, Patience, "bob's screen pop");
            Assert.Equal("Ada Lovelace", bobPop.GetProperty("customer").GetProperty("name").GetString());
            await AgentDesktopClient.WaitForAsync(bob.CallStates, s => s.GetProperty("phase").GetString() == "connected", Patience, "bob connected");

            await caller.AssertSucceededAsync(TimeSpan.FromSeconds(60));
            await bobPhone.AssertSucceededAsync(Patience);
            var interaction = await CallPathTests.WaitForInteractionAsync(bob, bobPop, i => i.GetProperty("endedAt").ValueKind != JsonValueKind.Null);
            Assert.Equal("bob", interaction.GetProperty("agentId").GetString());
        });
    }

    [Fact]
    public async Task A_web_caller_keys_2_alice_answers_in_the_desktop_both_hear_audio_then_hold_mute_and_transfer_to_bob()
    {
        Assert.True(File.Exists(BrowserCallTests.ChromiumPath), $"the browser test needs Debian's Chromium at {BrowserCallTests.ChromiumPath}");
        SetDefaultExpectTimeout(20_000);
        await using var host = CallPathTests.StartHost();
        await host.WaitUntilReadyAsync(TimeSpan.FromSeconds(90));
        await CallPathTests.WithHostLogAsync(host, async () =>
        {
            var folder = Directory.CreateTempSubdirectory("cc-web-caller-").FullName;
            using var playwright = await Playwright.CreateAsync();
            await using var browser = await LaunchWithMicrophoneAsync(playwright);

            var agent = await BrowserCallTests.SignInAsync(browser, host, "alice", "/agent");
            await agent.Context.AddInitScriptAsync(KeepPeerConnections);
            await agent.ReloadAsync();
            await Expect(agent.Locator("body[data-ready=true]")).ToBeAttachedAsync();
            await Expect(agent.GetByTestId("phone-state")).ToHaveTextAsync("Registered");
            await agent.GetByTestId("go-available").ClickAsync();
            await Expect(agent.GetByTestId("agent-state")).ToHaveTextAsync("Available");

            await using var bob = await AgentDesktopClient.ConnectAsync(host.BaseAddress, "bob");
            await using var bobPhone = await CallPathTests.RegisterPhoneAsync(host, folder, "bob", "agent-answer.part", "agent-wait-bye.part");
            await bob.SetStateAsync("Available");

            // The customer's page: no sign-in; their number identifies them; Call us dials 1000 over /sip.
            var context = await browser.NewContextAsync(new BrowserNewContextOptions { Locale = "en-GB", TimezoneId = "UTC" });
            await context.AddInitScriptAsync(KeepPeerConnections);
            var customer = await context.NewPageAsync();
            customer.SetDefaultTimeout(20_000);
            await customer.GotoAsync(new Uri(host.BaseAddress, "/call").ToString());
            await Expect(customer.Locator("body[data-ready=true]")).ToBeAttachedAsync();
            await customer.GetByTestId("caller-number").FillAsync(AdaPhone);
            await customer.GetByTestId("call-us").ClickAsync();
            await Expect(customer.GetByTestId("call-state")).ToHaveAttributeAsync("data-phase", "talking");

            // The IVR's prompt reaches the caller's browser (DTLS-SRTP); then the keypad's 2 (RFC 4733) picks support.
            var heard = await WaitForMediaAsync(customer, s => s.Packets > 0, "the caller's browser receives the IVR's audio");
            Assert.Equal("connected", heard.Dtls);
            Assert.NotEmpty(heard.Cipher);
            await customer.GetByTestId("dtmf-2").ClickAsync();
            await Expect(customer.GetByTestId("call-digits")).ToHaveTextAsync("2");

            // alice's panel rings with the pop: Ada, identified by the number typed on the page, through main>2>support.
            await Expect(agent.GetByTestId("phone-call-state")).ToHaveAttributeAsync("data-phase", "ringing", new() { Timeout = 40_000 });
            await Expect(agent.GetByTestId("customer-name")).ToHaveTextAsync("Ada Lovelace");
            await Expect(agent.GetByTestId("ivr-path")).ToHaveTextAsync("main>2>support");
            await agent.GetByTestId("phone-answer").ClickAsync();
            await Expect(agent.GetByTestId("phone-call-state")).ToHaveAttributeAsync("data-phase", "talking");
            await Expect(agent.GetByTestId("call-phase")).ToHaveTextAsync("Connected");
            await Expect(agent.GetByTestId("phone-timer")).ToHaveTextAsync(new Regex(@"^\d+:\d\d$"));

            // Both browsers hear the other: audio energy in, over DTLS-SRTP on both legs.
            var agentHears = await WaitForMediaAsync(agent, s => s.Energy > 0, "alice's browser receives the caller's audio");
            Assert.Equal("connected", agentHears.Dtls);
            Assert.NotEmpty(agentHears.Cipher);
            var callerBefore = await MediaAsync(customer);
            await WaitForMediaAsync(customer, s => s.Energy > callerBefore.Energy && s.Packets > callerBefore.Packets, "the caller's browser receives alice's audio");
            await agent.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserCallTests.Screenshots, "e2e-phone-panel-talking.png"), FullPage = true });
            await customer.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserCallTests.Screenshots, "e2e-call-page-connected.png"), FullPage = true });

            // Hold and resume (re-INVITEs from the browser), mute and unmute.
            await agent.GetByTestId("phone-hold").ClickAsync();
            await Expect(agent.GetByTestId("phone-call-state")).ToHaveAttributeAsync("data-held", "true");
            await Expect(agent.GetByTestId("phone-hold")).ToHaveTextAsync("Resume");
            await agent.GetByTestId("phone-hold").ClickAsync();
            await Expect(agent.GetByTestId("phone-call-state")).ToHaveAttributeAsync("data-held", "false");
            Assert.Contains("put on hold the caller", host.StandardOutput, StringComparison.Ordinal);
            await agent.GetByTestId("phone-mute").ClickAsync();
            await Expect(agent.GetByTestId("phone-call-state")).ToHaveAttributeAsync("data-muted", "true");
            await agent.GetByTestId("phone-mute").ClickAsync();
            await Expect(agent.GetByTestId("phone-call-state")).ToHaveAttributeAsync("data-muted", "false");
            await Expect(agent.GetByTestId("phone-call-state")).ToHaveAttributeAsync("data-phase", "talking");

            // Blind transfer to bob, picked from the list (REFER): bob's SIP phone rings and takes the same call.
            var callId = await agent.GetByTestId("call-card").GetAttributeAsync("data-call-id");
            await agent.GetByTestId("phone-transfer-target").SelectOptionAsync("bob");
            await agent.GetByTestId("phone-transfer").ClickAsync();
            await Expect(agent.GetByTestId("phone-call-state")).ToHaveAttributeAsync("data-phase", "ended");
            var bobPop = await AgentDesktopClient.WaitForAsync(bob.ScreenPops, p => p.GetProperty("callId").GetString() == callId, Patience, "bob's screen pop for the same call");
            await AgentDesktopClient.WaitForAsync(bob.CallStates, s => s.GetProperty("phase").GetString() == "connected", Patience, "bob connected");

            // The customer hangs up on the page; bob's phone gets the BYE.
            await customer.GetByTestId("call-hangup").ClickAsync();
            await Expect(customer.GetByTestId("call-state")).ToHaveAttributeAsync("data-phase", "ended");
            await bobPhone.AssertSucceededAsync(Patience);

            // The history entry is the one a SIP-phone transfer leaves (TransferAndHoldTests.Blind_transfer_to_bob_rings_bobs_phone).
            var interaction = await CallPathTests.WaitForInteractionAsync(bob, bobPop, i => i.GetProperty("endedAt").ValueKind != JsonValueKind.Null);
            Assert.Equal("bob", interaction.GetProperty("agentId").GetString());
            Assert.Equal("main>2>support>transfer>bob", interaction.GetProperty("ivrPath").GetString());
            Assert.Equal("answered", interaction.GetProperty("outcome").GetString());
            Assert.Equal("support", interaction.GetProperty("queue").GetString());
            await context.CloseAsync();
        });
    }

    [Fact]
    public async Task A_web_caller_talks_to_alice_in_the_desktop_she_hangs_up_and_wraps_up_as_with_a_sip_phone()
    {
        Assert.True(File.Exists(BrowserCallTests.ChromiumPath), $"the browser test needs Debian's Chromium at {BrowserCallTests.ChromiumPath}");
        SetDefaultExpectTimeout(20_000);
        await using var host = CallPathTests.StartHost();
        await host.WaitUntilReadyAsync(TimeSpan.FromSeconds(90));
        await CallPathTests.WithHostLogAsync(host, async () =>
        {
            using var playwright = await Playwright.CreateAsync();
            await using var browser = await LaunchWithMicrophoneAsync(playwright);
            var agent = await BrowserCallTests.SignInAsync(browser, host, "alice", "/agent");
            await Expect(agent.GetByTestId("phone-state")).ToHaveTextAsync("Registered");
            await agent.GetByTestId("go-available").ClickAsync();
            await Expect(agent.GetByTestId("agent-state")).ToHaveTextAsync("Available");

            var context = await browser.NewContextAsync(new BrowserNewContextOptions { Locale = "en-GB", TimezoneId = "UTC" });
            var customer = await context.NewPageAsync();
            customer.SetDefaultTimeout(20_000);
            await customer.GotoAsync(new Uri(host.BaseAddress, "/call").ToString());
            await customer.GetByTestId("caller-number").FillAsync("+44 20 7946 0018");
            await customer.GetByTestId("call-us").ClickAsync();
            await Expect(customer.GetByTestId("call-state")).ToHaveAttributeAsync("data-phase", "talking");
            // The 2 is keyed at once, while the media may still be setting up: the page holds it until DTLS is up
            // and the IVR takes it as type-ahead (a lost digit would end in main>timeout>support).
            await customer.GetByTestId("dtmf-2").ClickAsync();

            await Expect(agent.GetByTestId("phone-call-state")).ToHaveAttributeAsync("data-phase", "ringing", new() { Timeout = 40_000 });
            await agent.GetByTestId("phone-answer").ClickAsync();
            await Expect(agent.GetByTestId("call-phase")).ToHaveTextAsync("Connected");
            await Expect(agent.GetByTestId("phone-timer")).ToHaveTextAsync(new Regex(@"^(?!0:00$)\d+:\d\d$"));
            var callId = await agent.GetByTestId("call-card").GetAttributeAsync("data-call-id");

            // alice hangs up in the panel: the caller's page ends, alice wraps up as she would after a SIP-phone call.
            await agent.GetByTestId("phone-hangup").ClickAsync();
            await Expect(customer.GetByTestId("call-state")).ToHaveAttributeAsync("data-phase", "ended");
            await Expect(agent.GetByTestId("call-phase")).ToHaveTextAsync("Wrap-up");
            await agent.GetByTestId("disposition").SelectOptionAsync("resolved");
            await agent.GetByTestId("notes").FillAsync("Called from the web page.");
            await agent.GetByTestId("complete-wrap-up").ClickAsync();
            await Expect(agent.GetByTestId("no-call")).ToBeVisibleAsync();

            // The same history entry as CallPathTests' SIP-phone call: IVR path, queue, agent, outcome, talk time, disposition.
            await using var alice = await AgentDesktopClient.ConnectAsync(host.BaseAddress, "alice");
            var page = await alice.Api.GetFromJsonAsync<JsonElement>(new Uri("/api/customers?phone=%2B442079460018", UriKind.Relative));
            var customerId = page.GetProperty("items")[0].GetProperty("id").GetString()!;
            var interaction = await CallPathTests.WaitForInteractionAsync(alice, customerId, callId!, i => i.GetProperty("disposition").ValueKind == JsonValueKind.String);
            Assert.Equal("main>2>support", interaction.GetProperty("ivrPath").GetString());
            Assert.Equal("support", interaction.GetProperty("queue").GetString());
            Assert.Equal("alice", interaction.GetProperty("agentId").GetString());
            Assert.Equal("answered", interaction.GetProperty("outcome").GetString());
            Assert.True(interaction.GetProperty("talkSeconds").GetInt32() >= 1, interaction.ToString());
            Assert.Equal("resolved", interaction.GetProperty("disposition").GetString());
            Assert.Equal("Called from the web page.", interaction.GetProperty("notes").GetString());
            await context.CloseAsync();
        });
    }

    [Fact]
    public async Task An_agent_whose_directory_phone_is_a_sip_phone_gets_no_browser_registration()
    {
        Assert.True(File.Exists(BrowserCallTests.ChromiumPath), $"the browser test needs Debian's Chromium at {BrowserCallTests.ChromiumPath}");
        SetDefaultExpectTimeout(20_000);
        await using var host = CallPathTests.StartHost();
        await host.WaitUntilReadyAsync(TimeSpan.FromSeconds(90));
        await CallPathTests.WithHostLogAsync(host, async () =>
        {
            // sam makes carol's phone a SIP phone in the directory; routing hears of it.
            var samToken = await AgentDesktopClient.SignInAsync(host.BaseAddress, "sam");
            using var http = new HttpClient { BaseAddress = host.BaseAddress };
            http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", samToken);
            using (var put = await http.PutAsJsonAsync(new Uri("/api/agents/carol", UriKind.Relative), new { phone = "sip" }))
            {
                Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());
            }

            var deadline = TimeProvider.System.GetUtcNow() + Patience;
            while (true)
            {
                var agents = await http.GetFromJsonAsync<JsonElement>(new Uri("/api/routing/agents", UriKind.Relative));
                var carol = agents.EnumerateArray().FirstOrDefault(a => a.GetProperty("agentId").GetString() == "carol");
                if (carol.ValueKind == JsonValueKind.Object && carol.TryGetProperty("phone", out var phone) && phone.ToString() is "sip" or "Sip" or "2")
                {
                    break;
                }

                Assert.True(TimeProvider.System.GetUtcNow() < deadline, $"routing did not learn carol's phone kind: {agents}");
                await Task.Delay(200);
            }

            // carol signs in with a working microphone: the panel says her calls ring her SIP phone and registers nothing.
            using var playwright = await Playwright.CreateAsync();
            await using var browser = await LaunchWithMicrophoneAsync(playwright);
            var agent = await BrowserCallTests.SignInAsync(browser, host, "carol", "/agent");
            await Expect(agent.GetByTestId("phone-state")).ToHaveAttributeAsync("data-state", "sip");
            await Expect(agent.GetByTestId("phone-message")).ToContainTextAsync("Your phone in the directory is a SIP phone");
            await Expect(agent.GetByTestId("phone-kind")).ToHaveValueAsync("sip");
            await Expect(agent.Locator("[data-testid=phone-kind] option[value=browser]")).ToBeDisabledAsync();
            var metrics = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
            Assert.Matches(new Regex(@"(?m)^contactcenter_telephony_phones_registered(\{[^}]*\})? 0(\s|$)"), metrics);
            Assert.Matches(new Regex(@"(?m)^contactcenter_telephony_websockets_open(\{[^}]*\})? 0(\s|$)"), metrics);
        });
    }

    /// <summary>Debian's Chromium with a fake microphone whose permission is accepted.</summary>
    internal static Task<IBrowser> LaunchWithMicrophoneAsync(IPlaywright playwright) =>
        playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = BrowserCallTests.ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream", "--autoplay-policy=no-user-gesture-required",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-gpu"],
        });

    private sealed record Media(double Energy, long Packets, string Dtls, string Cipher);

    private static async Task<Media> MediaAsync(IPage page)
    {
        var s = await page.EvaluateAsync<JsonElement>(MediaStats);
        return new Media(s.GetProperty("energy").GetDouble(), s.GetProperty("packets").GetInt64(), s.GetProperty("dtls").GetString() ?? "", s.GetProperty("cipher").GetString() ?? "");
    }

    /// <summary>Polls the page's getStats until <paramref name="ready"/>.</summary>
    private static async Task<Media> WaitForMediaAsync(IPage page, Func<Media, bool> ready, string what)
    {
        var deadline = TimeProvider.System.GetUtcNow() + Patience;
        var last = await MediaAsync(page);
        while (!ready(last))
        {
            if (TimeProvider.System.GetUtcNow() > deadline)
            {
                throw new Xunit.Sdk.XunitException($"{what}: not within {Patience.TotalSeconds} s; last stats {last}");
            }

            await Task.Delay(200);
            last = await MediaAsync(page);
        }

        return last;
    }
}
