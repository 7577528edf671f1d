using System.Globalization;
using System.Text.Json;

namespace ContactCenter.Host.Tests.EndToEnd;

/// <summary>
/// Call features from the agent's phone, end to end over real sockets: hold/resume (re-INVITE) passed
/// to the caller's leg, and blind transfer (REFER, RFC 3515) to a queue or to another agent, with the
/// caller's leg up throughout and the transfer visible in the customer's history.
/// </summary>
public sealed class TransferAndHoldTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(40);

    [Fact]
    public async Task Hold_from_alices_phone_reaches_the_caller_and_resume_restores_the_call()
    {
        await using var host = CallPathTests.StartHost();
        await host.WaitUntilReadyAsync(TimeSpan.FromSeconds(90)); // generous: the 2-core test machine may be busy
        await CallPathTests.WithHostLogAsync(host, async () =>
        {
            var folder = Directory.CreateTempSubdirectory("cc-e2e-").FullName;
            await using var alice = await AgentDesktopClient.ConnectAsync(host.BaseAddress, "alice");
            // alice answers, holds (a=sendonly; the gateway answers a=recvonly), resumes, then hangs up.
            await using var phone = await RegisterPhoneAsync(host, folder, "alice", "hold-agent.part", new() { ["hold_ms"] = "1500" });
            await alice.SetStateAsync("Available");

            // The caller's scenario fails unless it gets a re-INVITE with a=sendonly, then one with a=sendrecv, then the BYE.
            await using var caller = CallPathTests.StartCaller(host, folder, digit: '2', ending: "hold-caller.part", stayMs: 30_000);
            var pop = await AgentDesktopClient.WaitForAsync(alice.ScreenPops, _ => true, Patience, "alice's screen pop");

            await phone.AssertSucceededAsync(Patience);
            await caller.AssertSucceededAsync(Patience);
            var interaction = await CallPathTests.WaitForInteractionAsync(alice, pop, i => i.GetProperty("endedAt").ValueKind != JsonValueKind.Null);
            Assert.Equal("alice", interaction.GetProperty("agentId").GetString());
            Assert.Equal("answered", interaction.GetProperty("outcome").GetString());
            Assert.Contains("put on hold the caller", host.StandardOutput, StringComparison.Ordinal);
            Assert.Contains("caller's leg on hold (a=sendonly)", host.StandardOutput, StringComparison.Ordinal);
            Assert.Contains("caller's leg resumed (a=sendrecv)", host.StandardOutput, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task Blind_transfer_to_the_billing_queue_reaches_carol_with_the_caller_up_throughout()
    {
        await using var host = CallPathTests.StartHost();
        await host.WaitUntilReadyAsync(TimeSpan.FromSeconds(90)); // generous: the 2-core test machine may be busy
        await CallPathTests.WithHostLogAsync(host, async () =>
        {
            var folder = Directory.CreateTempSubdirectory("cc-e2e-").FullName;
            await using var alice = await AgentDesktopClient.ConnectAsync(host.BaseAddress, "alice");
            await using var carol = await AgentDesktopClient.ConnectAsync(host.BaseAddress, "carol");
            // alice answers, REFERs the call to sip:billing@gateway: 202, NOTIFY 100, NOTIFY 200 (terminated), BYE.
            await using var alicePhone = await RegisterPhoneAsync(host, folder, "alice", "xfer-agent.part", new() { ["refer_to"] = "billing" });
            // carol serves billing: her phone rings, she answers, talks and hangs up.
            await using var carolPhone = await CallPathTests.RegisterPhoneAsync(host, folder, "carol", "agent-answer.part", "agent-send-bye.part");
            await alice.SetStateAsync("Available");
            await carol.SetStateAsync("Available");

            // The caller never hangs up: the leg must stay up through the transfer until carol's BYE is passed on.
            await using var caller = CallPathTests.StartCaller(host, folder, digit: '2', ending: "caller-waits-bye.part", stayMs: 45_000);
            var alicePop = await AgentDesktopClient.WaitForAsync(alice.ScreenPops, _ => true, Patience, "alice's screen pop");
            var callId = alicePop.GetProperty("callId").GetString();

            await alicePhone.AssertSucceededAsync(Patience);
            await AgentDesktopClient.WaitForAsync(alice.AgentStates, s => string.Equals(s.GetProperty("state").ToString(), "WrapUp", StringComparison.OrdinalIgnoreCase), Patience, "alice in wrap-up after the transfer");

            var carolPop = await AgentDesktopClient.WaitForAsync(carol.ScreenPops, p => p.GetProperty("callId").GetString() == callId, Patience, "carol's screen pop for the same call");
            Assert.Equal("billing", carolPop.GetProperty("queue").GetString());
            Assert.Equal("main>2>support>transfer>billing", carolPop.GetProperty("ivrPath").GetString());
            Assert.Equal("Ada Lovelace", carolPop.GetProperty("customer").GetProperty("name").GetString());
            await AgentDesktopClient.WaitForAsync(carol.CallStates, s => s.GetProperty("phase").GetString() == "connected", Patience, "carol connected");

            await carolPhone.AssertSucceededAsync(Patience);
            await caller.AssertSucceededAsync(Patience);
            var interaction = await CallPathTests.WaitForInteractionAsync(carol, carolPop, i => i.GetProperty("endedAt").ValueKind != JsonValueKind.Null);
            Assert.Equal("carol", interaction.GetProperty("agentId").GetString());
            Assert.Equal("billing", interaction.GetProperty("queue").GetString());
            Assert.Equal("main>2>support>transfer>billing", interaction.GetProperty("ivrPath").GetString());
            Assert.Equal("answered", interaction.GetProperty("outcome").GetString());

            var metrics = await carol.Api.GetStringAsync(new Uri("/metrics", UriKind.Relative));
            Assert.Contains("contactcenter_telephony_calls_transferred", metrics, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task Blind_transfer_to_bob_rings_bobs_phone()
    {
        await using var host = CallPathTests.StartHost();
        await host.WaitUntilReadyAsync(TimeSpan.FromSeconds(90)); // generous: the 2-core test machine may be busy
        await CallPathTests.WithHostLogAsync(host, async () =>
        {
            var folder = Directory.CreateTempSubdirectory("cc-e2e-").FullName;
            await using var alice = await AgentDesktopClient.ConnectAsync(host.BaseAddress, "alice");
            await using var bob = await AgentDesktopClient.ConnectAsync(host.BaseAddress, "bob");
            await using var alicePhone = await RegisterPhoneAsync(host, folder, "alice", "xfer-agent.part", new() { ["refer_to"] = "bob" });
            await using var bobPhone = await CallPathTests.RegisterPhoneAsync(host, folder, "bob", "agent-answer.part", "agent-send-bye.part");
            await alice.SetStateAsync("Available");
            await bob.SetStateAsync("Available");

            // alice (support 5, owner of Ada's case) gets the call first, then hands it to bob by name.
            await using var caller = CallPathTests.StartCaller(host, folder, digit: '2', ending: "caller-waits-bye.part", stayMs: 45_000);
            var alicePop = await AgentDesktopClient.WaitForAsync(alice.ScreenPops, _ => true, Patience, "alice's screen pop");
            var callId = alicePop.GetProperty("callId").GetString();

            await alicePhone.AssertSucceededAsync(Patience);
            var bobPop = await AgentDesktopClient.WaitForAsync(bob.ScreenPops, p => p.GetProperty("callId").GetString() == callId, Patience, "bob's screen pop for the same call");
            Assert.Equal("main>2>support>transfer>bob", bobPop.GetProperty("ivrPath").GetString());
            await AgentDesktopClient.WaitForAsync(bob.CallStates, s => s.GetProperty("phase").GetString() == "connected", Patience, "bob connected");

            await bobPhone.AssertSucceededAsync(Patience);
            await caller.AssertSucceededAsync(Patience);
            var interaction = await CallPathTests.WaitForInteractionAsync(bob, bobPop, i => i.GetProperty("endedAt").ValueKind != JsonValueKind.Null);
            Assert.Equal("bob", interaction.GetProperty("agentId").GetString());
            Assert.Equal("main>2>support>transfer>bob", interaction.GetProperty("ivrPath").GetString());
        });
    }

    [Fact]
    public async Task Transfer_to_an_unknown_target_is_refused_and_the_call_stays_with_alice()
    {
        await using var host = CallPathTests.StartHost();
        await host.WaitUntilReadyAsync(TimeSpan.FromSeconds(90)); // generous: the 2-core test machine may be busy
        await CallPathTests.WithHostLogAsync(host, async () =>
        {
            var folder = Directory.CreateTempSubdirectory("cc-e2e-").FullName;
            await using var alice = await AgentDesktopClient.ConnectAsync(host.BaseAddress, "alice");
            // REFER to sip:nobody@gateway gets 404; alice is still connected and hangs up later herself.
            await using var phone = await RegisterPhoneAsync(host, folder, "alice", "xfer-unknown.part", new() { ["refer_to"] = "nobody" });
            await alice.SetStateAsync("Available");

            await using var caller = CallPathTests.StartCaller(host, folder, digit: '2', ending: "caller-waits-bye.part", stayMs: 30_000);
            var pop = await AgentDesktopClient.WaitForAsync(alice.ScreenPops, _ => true, Patience, "alice's screen pop");

            await phone.AssertSucceededAsync(Patience);
            await caller.AssertSucceededAsync(Patience);
            var interaction = await CallPathTests.WaitForInteractionAsync(alice, pop, i => i.GetProperty("endedAt").ValueKind != JsonValueKind.Null);
            Assert.Equal("alice", interaction.GetProperty("agentId").GetString());
            Assert.Equal("main>2>support", interaction.GetProperty("ivrPath").GetString());
            Assert.Equal("answered", interaction.GetProperty("outcome").GetString());
        });
    }

    /// <summary>An agent phone that answers and then runs <paramref name="after"/> in the dialog (it knows the gateway's address for Refer-To).</summary>
    private static async Task<Sipp> RegisterPhoneAsync(HostProcess host, string folder, string login, string after, Dictionary<string, string> values)
    {
        var phonePort = Sipp.FreeUdpPort();
        values["body"] = "agent-answer.part";
        values["answer"] = "agent-answer";
        values["ring_ms"] = "300";
        values["talk_ms"] = "2000";
        values["capture"] = "agent-capture.part";
        values["after"] = after;
        values["gateway_port"] = host.SipPort.ToString(CultureInfo.InvariantCulture);
        var scenario = Sipp.Render(folder, "agent.xml", values);

        var phone = Sipp.Start($"{login}'s phone", folder, ["-sf", scenario, "-i", "127.0.0.1", "-p", phonePort.ToString(CultureInfo.InvariantCulture), "-mp", Sipp.FreeUdpPort().ToString(CultureInfo.InvariantCulture), "-m", "1"]);
        var register = Sipp.Render(folder, "register.xml", new Dictionary<string, string> { ["phone_port"] = phonePort.ToString(CultureInfo.InvariantCulture) });
        await using var registration = Sipp.Start($"{login} registers", folder,
            ["-sf", register, $"127.0.0.1:{host.SipPort}", "-i", "127.0.0.1", "-p", Sipp.FreeUdpPort().ToString(CultureInfo.InvariantCulture), "-s", login, "-au", login, "-ap", "demo", "-m", "1"]);
        await registration.AssertSucceededAsync(TimeSpan.FromSeconds(20));
        return phone;
    }
}
