using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ContactCenter.Host.Tests.EndToEnd;

/// <summary>
/// A promise kept from end to end, as a work item: a caller who waited past billing's maximum wait leaves a voicemail; the
/// message waits in billing as a work item (no phone leg); carol (billing) becomes available in her desktop (Debian's Chromium
/// driven by Playwright) and is offered it with Ada's 360; she accepts it and it plays in the browser to the end; she calls back
/// from it: her SIPp phone rings first (showing Ada's number), then SIPp as the carrier behind the demo outbound trunk receives
/// the call from the trunk's caller id; afterwards she is back on the voicemail, wraps it up and is available. The history has
/// the call that left the message, the voicemail handled by carol, and the call back linked to it. Its own host: billing's
/// maximum wait is 3 s, the trunk points at the carrier.
/// </summary>
public sealed class VoicemailCallbackTests
{
    private const string AdaPhone = "+442079460018";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(45);

    [Fact]
    public async Task A_voicemail_left_on_billing_is_offered_to_carol_plays_in_her_browser_and_her_call_back_reaches_the_carrier()
    {
        Assert.True(File.Exists(BrowserCallTests.ChromiumPath), $"the browser test needs Debian's Chromium at {BrowserCallTests.ChromiumPath} (apt-get install chromium); ./test.sh installs it");
        Directory.CreateDirectory(BrowserCallTests.Screenshots);
        SetDefaultExpectTimeout(30_000);
        var carrierPort = Sipp.FreeUdpPort();
        var config = CallbackTests.CallbackConfig(carrierPort, attempts: 1);
        var queues = Path.Combine(config, "queues.yaml");
        var text = await File.ReadAllTextAsync(queues);
        var billing = text.IndexOf("- name: billing", StringComparison.Ordinal);
        var maxWait = text.IndexOf("maxWaitSeconds: 900", billing, StringComparison.Ordinal);
        Assert.True(billing > 0 && maxWait > billing && text.IndexOf("maxWaitAction: voicemail", billing, StringComparison.Ordinal) > maxWait, "billing is no longer a 900 s queue diverting to voicemail; update this test");
        await File.WriteAllTextAsync(queues, text[..maxWait] + "maxWaitSeconds: 3" + text[(maxWait + "maxWaitSeconds: 900".Length)..]);

        await using var host = CallPathTests.StartHost(("Telephony__ConfigPath", config));
        await host.WaitUntilReadyAsync(TimeSpan.FromSeconds(90));
        await CallPathTests.WithHostLogAsync(host, async () =>
        {
            var folder = Directory.CreateTempSubdirectory("cc-e2e-").FullName;
            using var playwright = await Playwright.CreateAsync();
            await using var browser = await BrowserCallTests.LaunchChromiumAsync(playwright);
            var carol = await BrowserCallTests.SignInAsync(browser, host, "carol", "/agent");

            // Ada presses 3, waits past billing's 3 s, hears the beep, speaks about 7 s and presses #.
            var leftAt = TimeProvider.System.GetUtcNow();
            using (var phone = new VoicemailPhone())
            {
                var scenario = Sipp.Render(folder, "ivr-caller.xml", new Dictionary<string, string>
                {
                    ["caller"] = AdaPhone,
                    ["codecs"] = "0",
                    ["rtp_ip"] = "127.0.0.1",
                    ["rtp_port"] = phone.Port.ToString(CultureInfo.InvariantCulture),
                    ["after_answer"] = "",
                    ["ending"] = "caller-waits-bye.part",
                    ["stay_ms"] = "90000",
                });
                await using var caller = Sipp.Start("Ada", folder,
                    ["-sf", scenario, $"127.0.0.1:{host.SipPort}", "-s", "1000", "-i", "127.0.0.1",
                     "-p", Sipp.FreeUdpPort().ToString(CultureInfo.InvariantCulture), "-mp", Sipp.FreeUdpPort().ToString(CultureInfo.InvariantCulture), "-m", "1"]);
                await VoicemailPhone.WaitUntilAsync(() => phone.PacketsHeard > 0, TimeSpan.FromSeconds(20), "the greeting's first RTP");
                await phone.PressAsync('3');
                var pressedAt = phone.PacketsHeard;
                await VoicemailPhone.WaitUntilAsync(() => phone.ToneFrames(1000, pressedAt) >= 10, TimeSpan.FromSeconds(40), "the voicemail beep");
                await VoicemailPhone.WaitUntilAsync(() => phone.SinceLastPacket > TimeSpan.FromMilliseconds(300), TimeSpan.FromSeconds(10), "the end of the beep");
                await phone.SendAudioAsync(VoicemailHostFixture.SpeechAfterTheBeep());
                await phone.PressAsync('#');
                await caller.AssertSucceededAsync(TimeSpan.FromSeconds(40));
            }

            // The customer behind the trunk answers (from the trunk's caller id), talks 2 s and hangs up; carol's phone rings
            // first, showing Ada's number, answers and waits for the gateway's BYE.
            await using var carrier = CallbackTests.StartCarrier(folder, carrierPort, "agent.xml", new()
            {
                ["body"] = "agent-answer.part",
                ["answer"] = "customer",
                ["ring_ms"] = "500",
                ["talk_ms"] = "2000",
                ["capture"] = "carrier-capture.part",
                ["caller_id"] = @"\" + OutboundCallTests.TrunkCallerId,
                ["after"] = "agent-send-bye.part",
            }, calls: 1);
            await using var carolPhone = await CallbackTests.RegisterPhoneAsync(host, folder, "carol", calls: 1, shows: AdaPhone);

            // carol goes available: the voicemail is offered on her desktop (no phone rings), with Ada's 360.
            await carol.GetByTestId("go-available").ClickAsync();
            var card = carol.GetByTestId("work-item");
            await Expect(card).ToHaveAttributeAsync("data-phase", "offered");
            await Expect(card.GetByTestId("work-kind")).ToHaveTextAsync("Voicemail");
            await Expect(card.GetByTestId("work-customer")).ToHaveTextAsync("Ada Lovelace");
            await Expect(card.GetByTestId("work-queue")).ToHaveTextAsync("billing");
            await Expect(card.GetByTestId("work-number")).ToHaveTextAsync(AdaPhone);
            await Expect(card.GetByTestId("offer-countdown")).ToContainTextAsync("accept within");
            await Expect(card.GetByTestId("case-row").First).ToContainTextAsync("CS-000001");
            await Expect(carol.GetByTestId("agent-state")).ToHaveTextAsync("Offered");
            await Expect(carol.GetByTestId("no-call")).ToBeVisibleAsync();
            await carol.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserCallTests.Screenshots, "e2e-voicemail-offered.png"), FullPage = true });

            await card.GetByTestId("accept-offer").ClickAsync();
            await Expect(card).ToHaveAttributeAsync("data-phase", "working");
            await Expect(carol.GetByTestId("agent-state")).ToHaveTextAsync("Working");
            var workItemId = (await card.GetAttributeAsync("data-call-id"))!;

            // It plays: the browser streams the message from the CRM (carol serves billing) and its clock runs to the end.
            var player = card.GetByTestId("work-voicemail-player");
            await card.GetByTestId("play-voicemail").ClickAsync();
            await carol.WaitForFunctionAsync("a => a.error !== null || a.ended", await player.ElementHandleAsync(), new PageWaitForFunctionOptions { Timeout = 30_000 });
            Assert.Null(await player.EvaluateAsync<string?>("a => a.error ? `error ${a.error.code}: ${a.error.message}` : null"));
            var played = await player.EvaluateAsync<double>("a => a.currentTime");
            Assert.True(played > 3, $"the player stopped at {played:F1} s");

            // Call back: carol's phone first (it shows Ada's number), then the carrier, from the trunk's caller id.
            await card.GetByTestId("call-back").ClickAsync();
            await Expect(carol.GetByTestId("outbound-badge")).ToBeVisibleAsync();
            await carolPhone.AssertSucceededAsync(Patience);
            await carrier.AssertSucceededAsync(Patience);
            Assert.Contains($"carol answered; dialling {AdaPhone} via demo-carrier as {OutboundCallTests.TrunkCallerId}", host.StandardOutput, StringComparison.Ordinal);

            // Afterwards she is back on the voicemail (no wrap-up of the call back's own) and completes it.
            await Expect(carol.GetByTestId("no-call")).ToBeVisibleAsync();
            await Expect(card.GetByTestId("called-back")).ToBeVisibleAsync();
            await Expect(carol.GetByTestId("agent-state")).ToHaveTextAsync("Working");
            await card.GetByTestId("work-disposition").SelectOptionAsync("called-back");
            await card.GetByTestId("work-notes").FillAsync("Called Ada back about her bill.");
            await carol.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserCallTests.Screenshots, "e2e-voicemail-working.png"), FullPage = true });
            await card.GetByTestId("complete-work").ClickAsync();
            await Expect(carol.GetByTestId("work-item")).ToHaveCountAsync(0);
            await Expect(carol.GetByTestId("agent-state")).ToHaveTextAsync("Available");

            // The history: the call that left the message, the voicemail carol handled, and her call back linked to it.
            await using var api = await AgentDesktopClient.ConnectAsync(host.BaseAddress, "carol");
            var page = await api.Api.GetFromJsonAsync<JsonElement>(new Uri("/api/customers?phone=%2B442079460018", UriKind.Relative));
            var ada = page.GetProperty("items")[0].GetProperty("id").GetString()!;
            var work = await CallPathTests.WaitForInteractionAsync(api, ada, workItemId, i => i.GetProperty("disposition").ValueKind == JsonValueKind.String);
            Assert.Equal(("callback", "carol", "called-back", "answered"),
                (work.GetProperty("direction").GetString(), work.GetProperty("agentId").GetString(), work.GetProperty("disposition").GetString(), work.GetProperty("outcome").GetString()));
            Assert.NotEqual(JsonValueKind.Null, work.GetProperty("voicemailPath").ValueKind);
            Assert.NotEqual(JsonValueKind.Null, work.GetProperty("answeredAt").ValueKind);
            Assert.Equal(JsonValueKind.Null, work.GetProperty("transcript").ValueKind);
            var left = work.GetProperty("callbackOf").GetString()!;
            var voicemail = await CallPathTests.WaitForInteractionAsync(api, ada, left, i => i.GetProperty("outcome").ValueKind == JsonValueKind.String);
            Assert.Equal("voicemail", voicemail.GetProperty("outcome").GetString());
            var history = await api.Api.GetFromJsonAsync<JsonElement>(new Uri($"/api/customers/{ada}/interactions?page=1&pageSize=20", UriKind.Relative));
            var back = Assert.Single(history.GetProperty("items").EnumerateArray(), i => i.GetProperty("callbackOf").GetString() == workItemId);
            var backId = back.GetProperty("callId").GetString()!;
            back = await CallPathTests.WaitForInteractionAsync(api, ada, backId, i => i.GetProperty("outcome").ValueKind == JsonValueKind.String);
            Assert.Equal(("outbound", "carol", AdaPhone, "answered"),
                (back.GetProperty("direction").GetString(), back.GetProperty("agentId").GetString(), back.GetProperty("dialled").GetString(), back.GetProperty("outcome").GetString()));
            Assert.True(DateTimeOffset.Parse(voicemail.GetProperty("startedAt").GetString()!, CultureInfo.InvariantCulture) >= leftAt.AddSeconds(-5));
        });
    }
}
