using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ContactCenter.Host.Tests.EndToEnd.WebRtc;

/// <summary>
/// Browser media in calls, with real Chromium on both ends (each its own process, its fake microphone playing its own tone)
/// against the real host: the web caller dials DID 1000 over /sip, hears the IVR, presses 2 as RFC 4733 events, waits in
/// the support queue, and alice's browser phone (registered with her sign-in) rings and answers. The gateway negotiates
/// DTLS-SRTP with each browser (ICE-lite, fingerprints, a=setup both ways), and each side must hear the other's tone.
/// </summary>
public sealed class BrowserMediaTests
{
    private const int CallerTone = 440;
    private const int AgentTone = 1000;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(40);

    [Fact]
    public async Task A_browser_caller_on_DID_1000_presses_2_and_a_browser_agent_answers_each_hears_the_others_tone()
    {
        await RunAsync([], async (host, caller, agent) =>
        {
            await ConnectAsync(host, caller, agent);

            // Hold and resume from the agent's browser: a re-INVITE on the WebRTC leg keeps the DTLS association; the tones come back.
            await agent.HoldAsync(); // resolves when the gateway answered the re-INVITE
            await WaitForLogAsync(host, "caller's leg on hold (a=sendonly)"); // passed on to the caller's browser (HoldRelay)
            await agent.UnholdAsync();
            await WaitForLogAsync(host, "caller's leg resumed (a=sendrecv)");
            Assert.Equal(new[] { "hold", "held", "unhold", "unheld" }, (await agent.EventsAsync()).Where(e => e.Contains("hold", StringComparison.Ordinal) || e.Contains("held", StringComparison.Ordinal)));
            await caller.WaitToHearAsync(AgentTone, Patience);
            await agent.WaitToHearAsync(CallerTone, Patience);
            Assert.Equal("connected", (await agent.StatsAsync()).DtlsState);

            await agent.HangUpAsync();
            await caller.WaitForEventAsync("ended", Patience);
        });
    }

    [Fact]
    public async Task An_opus_browser_leg_is_transcoded_and_each_side_still_hears_the_others_tone()
    {
        await RunAsync([("Telephony:BrowserCodecs", "opus,PCMU")], async (host, caller, agent) =>
        {
            var (callerStats, agentStats) = await ConnectAsync(host, caller, agent);
            Assert.Equal("audio/opus", callerStats.Codec);
            Assert.Equal("audio/opus", agentStats.Codec);
            await caller.HangUpAsync();
            await agent.WaitForEventAsync("ended", Patience);
        });
    }

    [Fact]
    public async Task An_agent_with_a_SIP_phone_and_a_browser_rings_on_both_the_phone_answers_first_and_the_opus_caller_is_relayed_as_G711()
    {
        await RunAsync([("Telephony:BrowserCodecs", "opus,PCMU")], async (host, caller, alice) =>
        {
            // alice's SIPp desk phone answers after 300 ms and echoes the RTP it gets: the caller's Opus is transcoded to PCMU
            // for it, and its PCMU back to Opus, so the caller hears its own tone through the G.711 leg.
            var folder = Directory.CreateTempSubdirectory("cc-webrtc-sipp-").FullName;
            await using var phone = await CallPathTests.RegisterPhoneAsync(host, folder, "alice", "agent-answer.part", "agent-wait-bye.part", echoRtp: true);
            await DialSupportAsync(caller);

            await alice.WaitForEventAsync("incoming", Patience);
            await WaitForLogAsync(host, "after IVR path main>2>support");
            await alice.WaitForEventAsync("failed", Patience); // the desk phone won: the browser's ring is CANCELled
            Assert.Contains("failed:Canceled", await alice.EventsAsync());
            Assert.Equal("audio/opus", (await caller.StatsAsync()).Codec);
            await caller.WaitToHearAsync(CallerTone, Patience);

            await caller.HangUpAsync();
            await phone.AssertSucceededAsync(Patience);
            await WaitForLogAsync(host, "caller hung up (BYE)");
        });
    }

    [Fact]
    public async Task The_agents_tab_closing_while_they_talk_releases_the_caller_with_the_reason()
    {
        await RunAsync([], async (host, caller, agent) =>
        {
            await ConnectAsync(host, caller, agent);
            await agent.Page.Context.CloseAsync();
            await caller.WaitForEventAsync("ended", Patience);
            await WaitForLogAsync(host, "agent hung up (connection closed)");
        });
    }

    [Fact]
    public async Task The_agents_tab_closing_while_it_rings_queues_the_call_again_and_the_next_agent_answers()
    {
        await RunAsync([], async (host, caller, alice) =>
        {
            await DialSupportAsync(caller);
            await alice.WaitForEventAsync("incoming", Patience);

            // bob becomes available while alice's browser rings; routing keeps the call reserved for alice until her ring ends.
            var page = await BrowserCallTests.SignInAsync(alice.Browser, host, "bob", "/agent", phonePanel: false);
            var bob = await BrowserMediaPhone.AttachAsync(alice.Browser, page, "bob's browser");
            Assert.Equal("registered", await bob.StartAsync("bob", register: true));
            await page.GetByTestId("go-available").ClickAsync();
            await Expect(page.GetByTestId("agent-state")).ToHaveTextAsync("Available");

            // alice's tab closes: her ring ends at once (not at the ring timeout), the call is queued again and bob's browser rings.
            var closed = System.Diagnostics.Stopwatch.StartNew();
            await alice.Page.Context.CloseAsync();
            await bob.WaitForEventAsync("incoming", Patience);
            Assert.True(closed.Elapsed < TimeSpan.FromSeconds(15), $"bob rang {closed.Elapsed} after alice's tab closed: alice's ring was not ended by her phone going away (the support queue rings for 15 s)");
            await WaitForLogAsync(host, "alice's phone is gone");
            await bob.AnswerAsync();
            await bob.WaitForStatsAsync(s => s.DtlsState == "connected" && s.Energy > 0, Patience, "DTLS connected and audio in");
            await bob.WaitToHearAsync(CallerTone, Patience);
            await caller.WaitToHearAsync(AgentTone, Patience);
            await bob.HangUpAsync();
            await caller.WaitForEventAsync("ended", Patience);
        });
    }

    [Fact]
    public async Task A_caller_whose_fingerprint_is_not_its_certificate_is_refused_with_the_reason()
    {
        await RunAsync([], async (host, caller, agent) =>
        {
            await caller.MangleFingerprintAsync();
            await caller.CallAsync("1000");
            await caller.WaitForEventAsync("ended", Patience);
            await WaitForLogAsync(host, "caller's media failed");
            Assert.Contains("fingerprint", host.StandardOutput, StringComparison.OrdinalIgnoreCase);
            Assert.NotEqual("connected", (await caller.StatsAsync()).DtlsState);
        }, signInAgent: false);
    }

    /// <summary>The caller dials 1000 and presses 2 (RFC 4733); alice's browser rings and answers; DTLS, SRTP and the tones both ways.</summary>
    private static async Task<(MediaStats Caller, MediaStats Agent)> ConnectAsync(HostProcess host, BrowserMediaPhone caller, BrowserMediaPhone agent)
    {
        await DialSupportAsync(caller);
        await agent.WaitForEventAsync("incoming", Patience);
        await WaitForLogAsync(host, "after IVR path main>2>support"); // the digit, not the menu's timeout, chose support
        await agent.AnswerAsync();
        await agent.WaitForEventAsync("confirmed", Patience);
        var agentStats = await agent.WaitForStatsAsync(s => s.DtlsState == "connected" && s.SrtpCipher is not null && s.Energy > 0, Patience, "DTLS, SRTP and audio in");
        var callerStats = await caller.WaitForStatsAsync(s => s.SrtpCipher is not null && s.Energy > 0, Patience, "SRTP and audio in");
        await caller.WaitToHearAsync(AgentTone, Patience);
        await agent.WaitToHearAsync(CallerTone, Patience);
        return (callerStats, agentStats);
    }

    /// <summary>The caller dials 1000, hears the IVR's greeting over DTLS-SRTP and chooses support with its keypad (RFC 4733).</summary>
    private static async Task DialSupportAsync(BrowserMediaPhone caller)
    {
        await caller.CallAsync("1000");
        await caller.WaitForEventAsync("confirmed", Patience);
        await caller.WaitForStatsAsync(s => s.DtlsState == "connected" && s.Energy > 0, Patience, "DTLS connected and the IVR heard");
        await caller.SendDtmfAsync("2");
    }

    private static async Task RunAsync((string, string)[] settings, Func<HostProcess, BrowserMediaPhone, BrowserMediaPhone, Task> scenario, bool signInAgent = true)
    {
        Assert.True(File.Exists(BrowserCallTests.ChromiumPath), $"the browser test needs Debian's Chromium at {BrowserCallTests.ChromiumPath} (apt-get install chromium); ./test.sh installs it");
        SetDefaultExpectTimeout(20_000);
        await using var host = CallPathTests.StartHost(settings);
        await host.WaitUntilReadyAsync(TimeSpan.FromSeconds(60));
        await CallPathTests.WithHostLogAsync(host, async () =>
        {
            var folder = Directory.CreateTempSubdirectory("cc-webrtc-").FullName;
            using var playwright = await Playwright.CreateAsync();
            await using var agentBrowser = await BrowserMediaPhone.LaunchAsync(playwright, folder, AgentTone);
            await using var callerBrowser = await BrowserMediaPhone.LaunchAsync(playwright, folder, CallerTone);
            BrowserMediaPhone? agent = null;
            if (signInAgent)
            {
                var page = await BrowserCallTests.SignInAsync(agentBrowser, host, "alice", "/agent", phonePanel: false);
                agent = await BrowserMediaPhone.AttachAsync(agentBrowser, page, "alice's browser");
                Assert.Equal("registered", await agent.StartAsync("alice", register: true));
                await page.GetByTestId("go-available").ClickAsync();
                await Expect(page.GetByTestId("agent-state")).ToHaveTextAsync("Available");
            }

            var caller = await BrowserMediaPhone.OpenAnonymousAsync(callerBrowser, host, "the web caller");
            Assert.Equal("connected", await caller.StartAsync(CallPathTests.AdaPhone, register: false));
            await scenario(host, caller, agent!);
        });
    }

    private static async Task WaitForLogAsync(HostProcess host, string text)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!host.StandardOutput.Contains(text, StringComparison.Ordinal))
        {
            Assert.True(clock.Elapsed < Patience, $"the host never logged '{text}'");
            await Task.Delay(100);
        }
    }
}
