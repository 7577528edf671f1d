using System.Text.Json;

namespace ContactCenter.Host.Tests.EndToEnd;

/// <summary>
/// Calls placed agent first (a callback, a click-to-dial call) to an agent with two registered phones, end to end over real
/// sockets: both of alice's phones (two SIPp user agents) ring, showing the number to be dialled; the second answers, the
/// first is CANCELled (SIPp fails unless it gets the CANCEL), and only then is the customer dialled through the trunk.
/// </summary>
public sealed class AgentFirstForkTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(45);

    [Fact]
    public async Task A_callback_rings_both_of_alices_phones_the_second_answers_and_the_first_is_cancelled()
    {
        var carrierPort = Sipp.FreeUdpPort();
        await using var host = CallPathTests.StartHost(("Telephony__ConfigPath", CallbackTests.CallbackConfig(carrierPort, attempts: 1)));
        await host.WaitUntilReadyAsync(TimeSpan.FromSeconds(90));
        await CallPathTests.WithHostLogAsync(host, async () =>
        {
            var folder = Directory.CreateTempSubdirectory("cc-e2e-").FullName;
            await using var alice = await AgentDesktopClient.ConnectAsync(host.BaseAddress, "alice");
            await using (var caller = CallbackTests.StartCallbackCaller(host, folder))
            {
                await caller.AssertSucceededAsync(Patience);
            }

            await using var carrier = StartCustomer(folder, carrierPort);
            await using var first = await CallbackTests.RegisterPhoneAsync(host, folder, "alice", calls: 1, shows: OutboundCallTests.AdaPhone, answers: false);
            await using var second = await CallbackTests.RegisterPhoneAsync(host, folder, "alice", calls: 1, shows: OutboundCallTests.AdaPhone);
            await alice.SetStateAsync("Available");

            var pop = await AgentDesktopClient.WaitForAsync(alice.ScreenPops, p => p.GetProperty("isCallback").GetBoolean(), Patience, "alice's callback pop");
            var callId = pop.GetProperty("callId").GetString()!;
            await first.AssertSucceededAsync(Patience);   // rang, then CANCELled
            await second.AssertSucceededAsync(Patience);  // answered, then the gateway's BYE after the customer hung up
            await carrier.AssertSucceededAsync(Patience);
            AssertBothRangSecondAnswered(host.StandardOutput, "Callback", callId);

            var row = await CallPathTests.WaitForInteractionAsync(alice, pop, i => i.GetProperty("endedAt").ValueKind != JsonValueKind.Null);
            Assert.Equal("answered", row.GetProperty("outcome").GetString());
            Assert.Equal("alice", row.GetProperty("agentId").GetString());
        });
    }

    [Fact]
    public async Task A_click_to_dial_call_rings_both_of_alices_phones_the_second_answers_and_the_first_is_cancelled()
    {
        var carrierPort = Sipp.FreeUdpPort();
        await using var host = CallPathTests.StartHost(("Telephony__ConfigPath", CallbackTests.CallbackConfig(carrierPort, attempts: 1)));
        await host.WaitUntilReadyAsync(TimeSpan.FromSeconds(90));
        await CallPathTests.WithHostLogAsync(host, async () =>
        {
            var folder = Directory.CreateTempSubdirectory("cc-e2e-").FullName;
            await using var alice = await AgentDesktopClient.ConnectAsync(host.BaseAddress, "alice");
            await alice.SetStateAsync("NotReady", "admin");
            await using var carrier = StartCustomer(folder, carrierPort);
            await using var first = await CallbackTests.RegisterPhoneAsync(host, folder, "alice", calls: 1, shows: OutboundCallTests.AdaPhone, answers: false);
            await using var second = await CallbackTests.RegisterPhoneAsync(host, folder, "alice", calls: 1, shows: OutboundCallTests.AdaPhone);

            var dialled = await alice.DialAsync(OutboundCallTests.AdaPhone);
            Assert.True(dialled.GetProperty("accepted").GetBoolean(), dialled.ToString());
            var callId = dialled.GetProperty("callId").GetString()!;
            await first.AssertSucceededAsync(Patience);
            await second.AssertSucceededAsync(Patience);
            await carrier.AssertSucceededAsync(Patience);
            AssertBothRangSecondAnswered(host.StandardOutput, "Outbound", callId);

            var ended = await AgentDesktopClient.WaitForAsync(alice.CallStates,
                c => c.GetProperty("callId").GetString() == callId && c.GetProperty("phase").GetString() is "wrapUp" or "ended", Patience, "the outbound call over");
            Assert.Equal("answered", ended.GetProperty("outcome").GetString());
        });
    }

    /// <summary>Ada behind the trunk: answers (checking the trunk's caller id), talks 2 s and hangs up.</summary>
    private static Sipp StartCustomer(string folder, int carrierPort) => CallbackTests.StartCarrier(folder, carrierPort, "agent.xml", new()
    {
        ["body"] = "agent-answer.part",
        ["answer"] = "customer",
        ["ring_ms"] = "500",
        ["talk_ms"] = "2000",
        ["capture"] = "carrier-capture.part",
        ["caller_id"] = @"\" + OutboundCallTests.TrunkCallerId,
        ["after"] = "agent-send-bye.part",
    }, calls: 1);

    private static void AssertBothRangSecondAnswered(string log, string kind, string callId)
    {
        var ringing = log.IndexOf($"{kind} {callId}: ringing alice on 2 phone(s) before dialling {OutboundCallTests.AdaPhone}", StringComparison.Ordinal);
        var answered = log.IndexOf($"{kind} {callId}: alice answered; dialling {OutboundCallTests.AdaPhone}", StringComparison.Ordinal);
        var bridged = log.IndexOf($"{kind} {callId}: {OutboundCallTests.AdaPhone} answered; bridged with alice", StringComparison.Ordinal);
        Assert.True(ringing >= 0 && answered > ringing && bridged > answered, "both phones rang, one answered, then the customer was dialled and bridged");
    }
}
