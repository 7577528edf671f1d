using System.Globalization;
using System.Text.Json;

namespace ContactCenter.Host.Tests.EndToEnd;

/// <summary>
/// A promise kept from end to end: a caller who waited past billing's maximum wait leaves a voicemail; the message waits
/// in billing as a callback; carol (billing) becomes available, her desktop pops the callback with the message in the
/// customer's history, her phone rings first, and the customer is dialled through the outbound trunk (SIPp as the carrier,
/// checking the trunk's caller id). Its own host: billing's maximum wait is 3 s, the trunk points at the carrier.
/// </summary>
public sealed class VoicemailCallbackTests
{
    private const string AdaPhone = "+442079460018";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(45);

    [Fact]
    public async Task A_voicemail_left_on_billing_reaches_carol_as_a_callback_with_the_message_and_is_placed()
    {
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
            await using var carol = await AgentDesktopClient.ConnectAsync(host.BaseAddress, "carol");

            // Ada presses 3, waits past billing's 3 s, hears the beep, speaks about 7 s and presses #.
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

            // The customer behind the trunk answers (from the trunk's caller id), talks 2 s and hangs up; carol's phone
            // answers first and waits for the gateway's BYE.
            var carrierScenario = Sipp.Render(folder, "agent.xml", new Dictionary<string, string>
            {
                ["body"] = "agent-answer.part",
                ["answer"] = "customer",
                ["ring_ms"] = "500",
                ["talk_ms"] = "2000",
                ["capture"] = "carrier-capture.part",
                ["caller_id"] = @"\+442079460000",
                ["after"] = "agent-send-bye.part",
            });
            await using var carrier = Sipp.Start("carrier", folder,
                ["-sf", carrierScenario, "-i", "127.0.0.1", "-p", carrierPort.ToString(CultureInfo.InvariantCulture), "-mp", Sipp.FreeUdpPort().ToString(CultureInfo.InvariantCulture), "-m", "1"]);
            await using var carolPhone = await CallPathTests.RegisterPhoneAsync(host, folder, "carol", "agent-answer.part", "agent-wait-bye.part");
            await carol.SetStateAsync("Available");

            var pop = await AgentDesktopClient.WaitForAsync(carol.ScreenPops, p => p.GetProperty("isCallback").GetBoolean(), Patience, "carol's callback pop");
            Assert.Equal("billing", pop.GetProperty("queue").GetString());
            Assert.Equal("Ada Lovelace", pop.GetProperty("customer").GetProperty("name").GetString());
            // The message is in the history the pop carries: the call on which Ada left it.
            Assert.Contains(pop.GetProperty("recentInteractions").EnumerateArray(), i => i.TryGetProperty("hasVoicemail", out var has) && has.GetBoolean());

            await carrier.AssertSucceededAsync(Patience);
            await carolPhone.AssertSucceededAsync(Patience);
            var row = await CallPathTests.WaitForInteractionAsync(carol, pop, i => i.GetProperty("endedAt").ValueKind != JsonValueKind.Null && i.GetProperty("outcome").GetString() == "answered");
            Assert.Equal(("callback", "carol", AdaPhone), (row.GetProperty("direction").GetString(), row.GetProperty("agentId").GetString(), row.GetProperty("dialled").GetString()));
            Assert.NotEqual(JsonValueKind.Null, row.GetProperty("voicemailPath").ValueKind);
            Assert.NotEqual(JsonValueKind.Null, row.GetProperty("callbackOf").ValueKind);
        });
    }
}
