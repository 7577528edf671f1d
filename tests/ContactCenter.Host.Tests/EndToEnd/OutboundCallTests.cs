using System.Net.Http.Json;
using System.Text.Json;

namespace ContactCenter.Host.Tests.EndToEnd;

/// <summary>
/// Click to dial, end to end over real sockets: alice dials Ada's number from her desktop; her own phone (SIPp) rings and
/// answers first, showing the number, then the gateway dials Ada through the outbound trunk, where SIPp plays the carrier
/// and checks the trunk's caller id. The call is an outbound interaction in Ada's history; a do-not-call customer is refused
/// with the reason.
/// </summary>
public sealed class OutboundCallTests
{
    internal const string AdaPhone = "+442079460018";
    internal const string TrunkCallerId = "+442079460000";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(45);

    [Fact]
    public async Task Alice_dials_Ada_her_phone_answers_first_then_the_carrier_gets_the_call_from_the_trunks_caller_id()
    {
        var carrierPort = Sipp.FreeUdpPort();
        await using var host = CallPathTests.StartHost(("Telephony__ConfigPath", CallbackTests.CallbackConfig(carrierPort, attempts: 1)));
        await host.WaitUntilReadyAsync(TimeSpan.FromSeconds(90));
        await CallPathTests.WithHostLogAsync(host, async () =>
        {
            var folder = Directory.CreateTempSubdirectory("cc-e2e-").FullName;
            await using var alice = await AgentDesktopClient.ConnectAsync(host.BaseAddress, "alice");
            await alice.SetStateAsync("NotReady", "admin");

            // Ada's phone behind the trunk: answers the INVITE from the trunk's caller id, talks 2 s and hangs up.
            await using var carrier = CallbackTests.StartCarrier(folder, carrierPort, "agent.xml", new()
            {
                ["body"] = "agent-answer.part",
                ["answer"] = "customer",
                ["ring_ms"] = "500",
                ["talk_ms"] = "2000",
                ["capture"] = "carrier-capture.part",
                ["caller_id"] = @"\" + TrunkCallerId,
                ["after"] = "agent-send-bye.part",
            }, calls: 1);
            await using var phone = await CallbackTests.RegisterPhoneAsync(host, folder, "alice", calls: 1, shows: AdaPhone);

            var dialled = await alice.DialAsync("+44 20 7946 0018");
            Assert.True(dialled.GetProperty("accepted").GetBoolean(), dialled.ToString());
            var callId = dialled.GetProperty("callId").GetString()!;
            Assert.Equal("Ada Lovelace", dialled.GetProperty("customerName").GetString());

            await AgentDesktopClient.WaitForAsync(alice.CallStates,
                c => c.GetProperty("callId").GetString() == callId && c.GetProperty("phase").GetString() == "ringing" && c.GetProperty("direction").GetString() == "outbound",
                Patience, "the outbound call ringing on alice's desktop");
            await carrier.AssertSucceededAsync(Patience);
            await phone.AssertSucceededAsync(Patience);
            var log = host.StandardOutput;
            var agentFirst = log.IndexOf($"Outbound {callId}: alice answered; dialling {AdaPhone} via demo-carrier as {TrunkCallerId}", StringComparison.Ordinal);
            var bridged = log.IndexOf($"Outbound {callId}: {AdaPhone} answered; bridged with alice", StringComparison.Ordinal);
            Assert.True(agentFirst >= 0 && bridged > agentFirst, "alice's leg is set up before Ada is dialled");

            // Busy for the whole call, then wrap-up as after any call, then back to NotReady (admin).
            await AgentDesktopClient.WaitForAsync(alice.AgentStates, s => string.Equals(s.GetProperty("state").ToString(), "WrapUp", StringComparison.OrdinalIgnoreCase), Patience, "alice in wrap-up");
            await alice.CompleteWrapUpAsync(callId, "resolved", "Called Ada about the invoice.");
            var back = await AgentDesktopClient.WaitForAsync(alice.AgentStates, s => string.Equals(s.GetProperty("state").ToString(), "NotReady", StringComparison.OrdinalIgnoreCase), Patience, "alice back to not ready");
            Assert.Equal("admin", back.GetProperty("reason").GetString());

            var adaId = dialled.GetProperty("customerId").GetString()!;
            var row = await CallPathTests.WaitForInteractionAsync(alice, adaId, callId, i => i.GetProperty("disposition").ValueKind == JsonValueKind.String);
            Assert.Equal("outbound", row.GetProperty("direction").GetString());
            Assert.Equal(AdaPhone, row.GetProperty("dialled").GetString());
            Assert.Equal("alice", row.GetProperty("agentId").GetString());
            Assert.Equal("answered", row.GetProperty("outcome").GetString());
            Assert.True(row.GetProperty("talkSeconds").GetInt32() >= 1, row.ToString());
            Assert.Equal("resolved", row.GetProperty("disposition").GetString());
        });
    }

    [Fact]
    public async Task A_do_not_call_customer_is_refused_with_the_reason_and_nothing_is_dialled()
    {
        await using var host = CallPathTests.StartHost();
        await host.WaitUntilReadyAsync(TimeSpan.FromSeconds(90));
        await CallPathTests.WithHostLogAsync(host, async () =>
        {
            await using var alice = await AgentDesktopClient.ConnectAsync(host.BaseAddress, "alice");
            await alice.SetStateAsync("Available");
            using var created = await alice.Api.PostAsJsonAsync(new Uri("/api/customers", UriKind.Relative),
                new { name = "Nora Nocall", doNotCall = true, phones = new[] { "+442079460977" } });
            created.EnsureSuccessStatusCode();

            var refused = await alice.DialAsync("+442079460977");
            Assert.False(refused.GetProperty("accepted").GetBoolean(), refused.ToString());
            Assert.Equal("Nora Nocall asked not to be called (do not call)", refused.GetProperty("reason").GetString());
            Assert.Contains("alice may not dial +442079460977: Nora Nocall asked not to be called", host.StandardOutput, StringComparison.Ordinal);
            Assert.DoesNotContain("alice dials +442079460977", host.StandardOutput, StringComparison.Ordinal);
            Assert.DoesNotContain($"Outbound {refused.GetProperty("callId").GetString()}: ringing", host.StandardOutput, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task Every_ending_of_an_outbound_call_is_a_clear_CallEnded_in_the_history_and_frees_the_agent()
    {
        var carrierPort = Sipp.FreeUdpPort();
        await using var host = CallPathTests.StartHost(
            ("Telephony__ConfigPath", CallbackTests.CallbackConfig(carrierPort, attempts: 1)),
            ("Telephony__OutboundNoAnswer", "00:00:03"));
        await host.WaitUntilReadyAsync(TimeSpan.FromSeconds(90));
        await CallPathTests.WithHostLogAsync(host, async () =>
        {
            var folder = Directory.CreateTempSubdirectory("cc-e2e-").FullName;
            await using var alice = await AgentDesktopClient.ConnectAsync(host.BaseAddress, "alice");
            await alice.SetStateAsync("Available");

            // 1. Alice's phone is not registered: nobody is dialled, she is available again at once.
            var unreached = await DialAndWaitForEndAsync(alice, AdaPhone, "ended");
            Assert.Equal($"agent's phone not reached (agent phone not registered); {AdaPhone} was not dialled", unreached.GetProperty("endReason").GetString());
            Assert.Equal("noAnswer", unreached.GetProperty("outcome").GetString());
            await WaitForStateAsync(alice, "Available");

            // 2. No outbound trunk may dial a number without its country code (the demo trunk dials "+*").
            var noTrunk = await DialAndWaitForEndAsync(alice, "02079460018", "ended");
            Assert.Equal("no outbound trunk may dial 02079460018", noTrunk.GetProperty("endReason").GetString());
            Assert.Equal("failed", noTrunk.GetProperty("outcome").GetString());
            await WaitForStateAsync(alice, "Available");

            await using var phone = await CallbackTests.RegisterPhoneAsync(host, folder, "alice", calls: 2, shows: AdaPhone);

            // 3. Ada's line is busy (486): alice answered first, so she wraps up.
            await using (var busy = CallbackTests.StartCarrier(folder, carrierPort, "carrier-busy.xml", new() { ["caller_id"] = @"\" + TrunkCallerId }, calls: 1))
            {
                var ended = await DialAndWaitForEndAsync(alice, AdaPhone, "wrapUp");
                Assert.Equal("customer busy (486 Busy Here)", ended.GetProperty("endReason").GetString());
                Assert.Equal("busy", ended.GetProperty("outcome").GetString());
                await busy.AssertSucceededAsync(Patience);
                await WaitForStateAsync(alice, "WrapUp");
                await alice.CompleteWrapUpAsync(ended.GetProperty("callId").GetString()!, "no-contact", "Busy.");
                await WaitForStateAsync(alice, "Available");
            }

            // 4. Ada does not answer: the no-answer timer (Telephony:OutboundNoAnswer, 3 s here) gives up.
            await using (var silent = CallbackTests.StartCarrier(folder, carrierPort, "agent.xml", new()
            {
                ["body"] = "agent-cancelled.part",
                ["answer"] = "customer-no-answer",
                ["ring_ms"] = "0",
                ["talk_ms"] = "0",
                ["capture"] = "",
                ["after"] = "",
            }, calls: 1))
            {
                var ended = await DialAndWaitForEndAsync(alice, AdaPhone, "wrapUp");
                Assert.Equal("customer no answer within 3 s", ended.GetProperty("endReason").GetString());
                Assert.Equal("noAnswer", ended.GetProperty("outcome").GetString());
                await silent.AssertSucceededAsync(Patience);
                await alice.CompleteWrapUpAsync(ended.GetProperty("callId").GetString()!, "no-contact", "No answer.");
            }

            await phone.AssertSucceededAsync(Patience);
            var adaId = await AdaIdAsync(alice);
            var noAnswerRow = await CallPathTests.WaitForInteractionAsync(alice, adaId, unreached.GetProperty("callId").GetString()!, i => i.GetProperty("outcome").ValueKind == JsonValueKind.String);
            Assert.Equal("outbound", noAnswerRow.GetProperty("direction").GetString());
            Assert.Equal("noanswer", noAnswerRow.GetProperty("outcome").GetString()); // the CRM API's spelling
            Assert.Equal(AdaPhone, noAnswerRow.GetProperty("dialled").GetString());
        });
    }

    private static async Task<JsonElement> DialAndWaitForEndAsync(AgentDesktopClient agent, string number, string phase)
    {
        var dialled = await agent.DialAsync(number);
        Assert.True(dialled.GetProperty("accepted").GetBoolean(), dialled.ToString());
        var callId = dialled.GetProperty("callId").GetString();
        return await AgentDesktopClient.WaitForAsync(agent.CallStates,
            c => c.GetProperty("callId").GetString() == callId && c.GetProperty("phase").GetString() == phase, Patience, $"the call to {number} in {phase}");
    }

    private static Task<JsonElement> WaitForStateAsync(AgentDesktopClient agent, string state) =>
        AgentDesktopClient.WaitForAsync(agent.AgentStates, s => string.Equals(s.GetProperty("state").ToString(), state, StringComparison.OrdinalIgnoreCase), Patience, $"{agent.Login} {state}");

    private static async Task<string> AdaIdAsync(AgentDesktopClient agent)
    {
        var page = await agent.Api.GetFromJsonAsync<JsonElement>(new Uri("/api/customers?phone=%2B442079460018", UriKind.Relative));
        return page.GetProperty("items")[0].GetProperty("id").GetString()!;
    }
}
