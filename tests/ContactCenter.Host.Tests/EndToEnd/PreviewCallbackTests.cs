using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ContactCenter.Host.Tests.EndToEnd;

/// <summary>
/// Preview callbacks end to end (support with <c>callback: { mode: preview }</c>): a caller on DID 1000 takes the callback and
/// hangs up; alice and bob are available in their desktops (Debian's Chromium). The callback is offered to alice first (best
/// support level, owner of Ada's case) and nothing is dialled; she skips it and is Not ready ("skipped"); bob is offered it,
/// accepts it in the browser, his SIPp phone rings first (showing Ada's number) and then SIPp as the carrier behind the demo
/// trunk receives the call from the trunk's caller id.
/// </summary>
public sealed class PreviewCallbackTests
{
    private const string AdaPhone = "+442079460018";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_preview_callback_skipped_by_alice_is_accepted_by_bob_whose_phone_rings_before_the_customer_is_dialled()
    {
        Assert.True(File.Exists(BrowserCallTests.ChromiumPath), $"the browser test needs Debian's Chromium at {BrowserCallTests.ChromiumPath} (apt-get install chromium); ./test.sh installs it");
        Directory.CreateDirectory(BrowserCallTests.Screenshots);
        SetDefaultExpectTimeout(45_000);
        var carrierPort = Sipp.FreeUdpPort();
        var config = CallbackTests.CallbackConfig(carrierPort, attempts: 1);
        var queues = Path.Combine(config, "queues.yaml");
        var text = await File.ReadAllTextAsync(queues);
        Assert.Contains("callback: { attempts: 1,", text, StringComparison.Ordinal);
        await File.WriteAllTextAsync(queues, text.Replace("callback: { attempts: 1,", "callback: { mode: preview, previewSeconds: 40, attempts: 1,", StringComparison.Ordinal));

        await using var host = CallPathTests.StartHost(("Telephony__ConfigPath", config));
        await host.WaitUntilReadyAsync(TimeSpan.FromSeconds(90));
        await CallPathTests.WithHostLogAsync(host, async () =>
        {
            var folder = Directory.CreateTempSubdirectory("cc-e2e-").FullName;
            using var playwright = await Playwright.CreateAsync();
            await using var browser = await BrowserCallTests.LaunchChromiumAsync(playwright);
            var alice = await BrowserCallTests.SignInAsync(browser, host, "alice", "/agent");
            var bob = await BrowserCallTests.SignInAsync(browser, host, "bob", "/agent");

            // Nobody is available: the caller presses 2, takes the callback offered after 5 s and is hung up on.
            await using (var caller = CallbackTests.StartCallbackCaller(host, folder))
            {
                await caller.AssertSucceededAsync(Patience);
            }

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
            await using var bobPhone = await CallbackTests.RegisterPhoneAsync(host, folder, "bob", calls: 1, shows: AdaPhone);

            // alice and bob go available: alice is offered the callback; nothing rings, nothing is dialled.
            await alice.GetByTestId("go-available").ClickAsync();
            await Expect(alice.GetByTestId("agent-state")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("Available|Offered"));
            await bob.GetByTestId("go-available").ClickAsync();
            await Expect(bob.GetByTestId("agent-state")).ToHaveTextAsync("Available");
            var offer = alice.GetByTestId("work-item");
            await Expect(offer).ToHaveAttributeAsync("data-kind", "previewCallback");
            await Expect(offer.GetByTestId("work-kind")).ToHaveTextAsync("Callback (preview)");
            await Expect(offer.GetByTestId("work-number")).ToHaveTextAsync(AdaPhone);
            await Expect(offer.GetByTestId("work-customer")).ToHaveTextAsync("Ada Lovelace");
            await Expect(offer.GetByTestId("work-requested")).Not.ToHaveTextAsync("—");
            await Expect(offer.GetByTestId("offer-countdown")).ToContainTextAsync("accept within");
            await alice.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserCallTests.Screenshots, "e2e-preview-callback-offered.png"), FullPage = true });
            Assert.DoesNotContain("dialling " + AdaPhone, host.StandardOutput, StringComparison.Ordinal);

            // alice skips it: it leaves her desktop and she is Not ready (skipped); it goes to bob.
            await offer.GetByTestId("skip-offer").ClickAsync();
            await Expect(alice.GetByTestId("work-item")).ToHaveCountAsync(0);
            await Expect(alice.GetByTestId("agent-state")).ToHaveTextAsync("Not ready · skipped");
            var bobOffer = bob.GetByTestId("work-item");
            await Expect(bobOffer).ToHaveAttributeAsync("data-kind", "previewCallback");
            await Expect(bobOffer.GetByTestId("work-number")).ToHaveTextAsync(AdaPhone);

            // bob accepts: his phone rings first, then the customer is dialled through the trunk and they are bridged.
            await bobOffer.GetByTestId("accept-offer").ClickAsync();
            await Expect(bob.GetByTestId("work-item")).ToHaveCountAsync(0);
            await Expect(bob.GetByTestId("callback-badge")).ToHaveTextAsync("Callback");
            await Expect(bob.GetByTestId("customer-name")).ToHaveTextAsync("Ada Lovelace");
            await bobPhone.AssertSucceededAsync(Patience);
            await carrier.AssertSucceededAsync(Patience);
            var log = host.StandardOutput;
            var agentFirst = log.IndexOf($"bob answered; dialling {AdaPhone} via demo-carrier as {OutboundCallTests.TrunkCallerId}", StringComparison.Ordinal);
            var bridged = log.IndexOf(AdaPhone + " answered; bridged with bob", StringComparison.Ordinal);
            Assert.True(agentFirst >= 0 && bridged > agentFirst, "bob's leg is set up before the customer is dialled");
            await Expect(bob.GetByTestId("call-phase")).ToHaveTextAsync("Wrap-up");

            await using var api = await AgentDesktopClient.ConnectAsync(host.BaseAddress, "bob");
            var page = await api.Api.GetFromJsonAsync<JsonElement>(new Uri("/api/customers?phone=%2B442079460018", UriKind.Relative));
            var ada = page.GetProperty("items")[0].GetProperty("id").GetString()!;
            var callId = (await bob.GetByTestId("call-card").GetAttributeAsync("data-call-id"))!;
            var row = await CallPathTests.WaitForInteractionAsync(api, ada, callId, i => i.GetProperty("outcome").GetString() == "answered" && i.GetProperty("callbackAttempts").GetInt32() == 1);
            Assert.Equal(("bob", AdaPhone), (row.GetProperty("agentId").GetString(), row.GetProperty("dialled").GetString()));
        });
    }
}
