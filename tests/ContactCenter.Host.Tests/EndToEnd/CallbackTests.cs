using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;

namespace ContactCenter.Host.Tests.EndToEnd;

/// <summary>
/// Callbacks kept, end to end over real sockets: a caller on DID 1000 takes the callback the queue offers and hangs up;
/// when alice becomes available her phone (SIPp) rings first, and once she answers the gateway dials the customer
/// through the outbound trunk, where SIPp plays the carrier. Busy and no-answer are retried as the queue says, and every
/// attempt is in the customer's history.
/// </summary>
public sealed class CallbackTests
{
    private const string AdaPhone = "+442079460018";
    private const string TrunkCallerId = "+442079460000";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(45);

    [Fact]
    public async Task A_callback_taken_on_DID_1000_rings_alice_first_then_dials_the_customer_through_the_trunk()
    {
        var carrierPort = Sipp.FreeUdpPort();
        await using var host = CallPathTests.StartHost(("Telephony__ConfigPath", CallbackConfig(carrierPort, attempts: 2)));
        await host.WaitUntilReadyAsync(TimeSpan.FromSeconds(90));
        await CallPathTests.WithHostLogAsync(host, async () =>
        {
            var folder = Directory.CreateTempSubdirectory("cc-e2e-").FullName;
            await using var alice = await AgentDesktopClient.ConnectAsync(host.BaseAddress, "alice");

            // Nobody is available: the caller presses 2, is offered a callback once the entry prompt (7 s) is over, presses 1, hears the
            // confirmation and is hung up on (the gateway's BYE).
            await using (var caller = StartCallbackCaller(host, folder))
            {
                await caller.AssertSucceededAsync(Patience);
            }

            // The customer's phone, behind the trunk: answers (checking the trunk's caller id) and hangs up after 2 s.
            await using var carrier = StartCarrier(folder, carrierPort, "agent.xml", new()
            {
                ["body"] = "agent-answer.part",
                ["answer"] = "customer",
                ["ring_ms"] = "500",
                ["talk_ms"] = "2000",
                ["capture"] = "carrier-capture.part",
                ["caller_id"] = @"\" + TrunkCallerId,
                ["after"] = "agent-send-bye.part",
            }, calls: 1);
            await using var phone = await RegisterPhoneAsync(host, folder, "alice", calls: 1);
            await alice.SetStateAsync("Available");

            var pop = await AgentDesktopClient.WaitForAsync(alice.ScreenPops, p => p.GetProperty("isCallback").GetBoolean(), Patience, "alice's callback pop");
            Assert.Equal("Ada Lovelace", pop.GetProperty("customer").GetProperty("name").GetString());
            Assert.Equal(AdaPhone, pop.GetProperty("caller").GetString());
            Assert.True(pop.GetProperty("waitedSeconds").GetDouble() >= 5, pop.ToString());

            await carrier.AssertSucceededAsync(Patience);
            await phone.AssertSucceededAsync(Patience);
            var log = host.StandardOutput;
            var agentFirst = log.IndexOf("alice answered; dialling " + AdaPhone + " via demo-carrier as " + TrunkCallerId, StringComparison.Ordinal);
            var bridged = log.IndexOf(AdaPhone + " answered; bridged with alice", StringComparison.Ordinal);
            Assert.True(agentFirst >= 0 && bridged > agentFirst, "the agent's leg is set up before the customer is dialled");

            var interaction = await CallPathTests.WaitForInteractionAsync(alice, pop, i => i.GetProperty("callbackAttempts").GetInt32() == 1 && i.GetProperty("endedAt").ValueKind != JsonValueKind.Null);
            Assert.Equal("answered", interaction.GetProperty("outcome").GetString());
            Assert.Equal("alice", interaction.GetProperty("agentId").GetString());
            Assert.Equal(AdaPhone, interaction.GetProperty("dialled").GetString());
            Assert.NotEqual(JsonValueKind.Null, interaction.GetProperty("callbackRequestedAt").ValueKind);
            Assert.Equal(JsonValueKind.Null, interaction.GetProperty("callbackRetryAt").ValueKind);

            // Wrap-up as after any call; the disposition lands on the same row.
            await AgentDesktopClient.WaitForAsync(alice.AgentStates, s => string.Equals(s.GetProperty("state").ToString(), "WrapUp", StringComparison.OrdinalIgnoreCase), Patience, "alice in wrap-up");
            await alice.CompleteWrapUpAsync(pop.GetProperty("callId").GetString()!, "resolved", "Called Ada back about the invoice.");
            var wrapped = await CallPathTests.WaitForInteractionAsync(alice, pop, i => i.GetProperty("disposition").ValueKind == JsonValueKind.String);
            Assert.Equal("resolved", wrapped.GetProperty("disposition").GetString());
        });
    }

    [Fact]
    public async Task A_busy_customer_is_tried_again_as_the_queue_says_and_every_attempt_is_in_the_history()
    {
        var carrierPort = Sipp.FreeUdpPort();
        await using var host = CallPathTests.StartHost(("Telephony__ConfigPath", CallbackConfig(carrierPort, attempts: 2)));
        await host.WaitUntilReadyAsync(TimeSpan.FromSeconds(90));
        await CallPathTests.WithHostLogAsync(host, async () =>
        {
            var folder = Directory.CreateTempSubdirectory("cc-e2e-").FullName;
            await using var alice = await AgentDesktopClient.ConnectAsync(host.BaseAddress, "alice");
            // sam watches the board: a callback given up after its last attempt shows there.
            var samToken = await AgentDesktopClient.SignInAsync(host.BaseAddress, "sam");
            var givenUp = System.Threading.Channels.Channel.CreateUnbounded<JsonElement>();
            await using var board = new HubConnectionBuilder()
                .WithUrl(new Uri(host.BaseAddress, "/hubs/board"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(samToken))
                .Build();
            board.On<JsonElement[]>("CallbacksGivenUp", list =>
            {
                foreach (var item in list)
                {
                    givenUp.Writer.TryWrite(item);
                }
            });
            await board.StartAsync();
            await using (var caller = StartCallbackCaller(host, folder))
            {
                await caller.AssertSucceededAsync(Patience);
            }

            await using var carrier = StartCarrier(folder, carrierPort, "carrier-busy.xml", new() { ["caller_id"] = @"\" + TrunkCallerId }, calls: 2);
            await using var phone = await RegisterPhoneAsync(host, folder, "alice", calls: 2);
            await alice.SetStateAsync("Available");

            // Attempt 1: alice answers, the line is busy, alice goes to wrap-up and finishes it.
            var first = await AgentDesktopClient.WaitForAsync(alice.ScreenPops, p => p.GetProperty("isCallback").GetBoolean(), Patience, "alice's first callback pop");
            var firstId = first.GetProperty("callId").GetString()!;
            await AgentDesktopClient.WaitForAsync(alice.AgentStates, s => string.Equals(s.GetProperty("state").ToString(), "WrapUp", StringComparison.OrdinalIgnoreCase), Patience, "alice in wrap-up after the busy line");
            await alice.CompleteWrapUpAsync(firstId, "no-contact", "Line busy.");

            // Attempt 2, two seconds later (retryAfterSeconds: 2): a call of its own, linked to the first.
            var second = await AgentDesktopClient.WaitForAsync(alice.ScreenPops, p => p.GetProperty("isCallback").GetBoolean() && p.GetProperty("callId").GetString() != firstId, Patience, "alice's second callback pop");
            await carrier.AssertSucceededAsync(Patience);
            await phone.AssertSucceededAsync(Patience);

            var original = await CallPathTests.WaitForInteractionAsync(alice, first, i => i.GetProperty("callbackAttempts").GetInt32() == 1 && i.GetProperty("outcome").GetString() == "busy");
            Assert.NotEqual(JsonValueKind.Null, original.GetProperty("callbackRetryAt").ValueKind);
            Assert.Equal("inbound", original.GetProperty("direction").GetString());
            var retry = await CallPathTests.WaitForInteractionAsync(alice, second, i => i.GetProperty("outcome").GetString() == "busy" && i.GetProperty("callbackAttempts").GetInt32() == 2);
            Assert.Equal("callback", retry.GetProperty("direction").GetString());
            Assert.Equal(firstId, retry.GetProperty("callbackOf").GetString());
            Assert.Equal(JsonValueKind.Null, retry.GetProperty("callbackRetryAt").ValueKind);
            Assert.Contains("given up after attempt 2 of 2", host.StandardOutput, StringComparison.Ordinal);

            // Never dropped silently: the supervisors' board lists it, and Ada's open case has a note.
            var shown = await AgentDesktopClient.WaitForAsync(givenUp, g => g.GetProperty("callId").GetString() == second.GetProperty("callId").GetString(), Patience, "the given-up callback on sam's board");
            Assert.Equal((AdaPhone, 2), (shown.GetProperty("number").GetString(), shown.GetProperty("attempts").GetInt32()));
            var caseId = first.GetProperty("openCases")[0].GetProperty("id").GetString();
            string notes = "";
            for (var i = 0; i < 80 && !notes.Contains("given up after attempt 2", StringComparison.Ordinal); i++)
            {
                notes = await alice.Api.GetStringAsync(new Uri($"/api/cases/{caseId}", UriKind.Relative));
                await Task.Delay(250);
            }

            Assert.Contains($"Callback to {AdaPhone} given up after attempt 2: busy", notes, StringComparison.Ordinal);
        });
    }

    /// <summary>The repository's telephony-config with the callback offered after 5 s, the trunk at the carrier's port and quick retries.</summary>
    internal static string CallbackConfig(int carrierPort, int attempts)
    {
        var source = Path.Combine(HostProcess.RepositoryRoot, "telephony-config");
        var target = Directory.CreateTempSubdirectory("cc-config-").FullName;
        foreach (var file in Directory.EnumerateFiles(source, "*.yaml", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(source, file);
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(target, relative))!);
            File.Copy(file, Path.Combine(target, relative));
        }

        Directory.CreateSymbolicLink(Path.Combine(target, "prompts"), Path.Combine(source, "prompts"));
        Replace(Path.Combine(target, "ivr", "main.yaml"), "callback_after: 60s", "callback_after: 5s");
        Replace(Path.Combine(target, "trunks.yaml"), "address: 127.0.0.1:5070", $"address: 127.0.0.1:{carrierPort.ToString(CultureInfo.InvariantCulture)}");
        Replace(Path.Combine(target, "queues.yaml"), "  - name: support\n",
            $"  - name: support\n    callback: {{ attempts: {attempts.ToString(CultureInfo.InvariantCulture)}, retryAfterSeconds: 2, noAnswerSeconds: 15 }}\n");
        return target;
    }

    private static void Replace(string path, string from, string to)
    {
        var text = File.ReadAllText(path);
        Assert.Contains(from, text, StringComparison.Ordinal);
        File.WriteAllText(path, text.Replace(from, to, StringComparison.Ordinal));
    }

    internal static Sipp StartCallbackCaller(HostProcess host, string folder)
    {
        var scenario = Sipp.Render(folder, "caller.xml", new Dictionary<string, string>
        {
            ["ending"] = "caller-takes-callback.part",
            ["caller"] = AdaPhone,
            ["digit"] = "2",
            ["dtmf_ms"] = "1500",
            ["offer_ms"] = "12000",
            ["stay_ms"] = "20000",
        });
        return Sipp.Start("caller", folder,
            ["-sf", scenario, $"127.0.0.1:{host.SipPort}", "-s", "1000", "-i", "127.0.0.1", "-p", Sipp.FreeUdpPort().ToString(CultureInfo.InvariantCulture), "-mp", Sipp.FreeUdpPort().ToString(CultureInfo.InvariantCulture), "-m", "1"]);
    }

    internal static Sipp StartCarrier(string folder, int port, string template, Dictionary<string, string> values, int calls)
    {
        var scenario = Sipp.Render(folder, template, values);
        return Sipp.Start("carrier", folder,
            ["-sf", scenario, "-i", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture), "-mp", Sipp.FreeUdpPort().ToString(CultureInfo.InvariantCulture), "-m", calls.ToString(CultureInfo.InvariantCulture)]);
    }

    /// <summary>
    /// An agent's phone that answers <paramref name="calls"/> calls and waits for the gateway's BYE each time; with
    /// <paramref name="shows"/>, the INVITE's From must show that number (SIPp fails the call otherwise). With
    /// <paramref name="answers"/> false it rings and must be CANCELled each time (another phone of the agent answered).
    /// </summary>
    internal static async Task<Sipp> RegisterPhoneAsync(HostProcess host, string folder, string login, int calls, string? shows = null, bool answers = true)
    {
        var phonePort = Sipp.FreeUdpPort();
        var values = new Dictionary<string, string>
        {
            ["body"] = answers ? "agent-answer.part" : "agent-cancelled.part",
            ["answer"] = answers ? "agent-answer" : "agent-cancelled",
            ["ring_ms"] = "300",
            ["talk_ms"] = "0",
            ["capture"] = shows is null ? "" : "agent-shows-number.part",
            ["after"] = answers ? "agent-wait-bye.part" : "",
        };
        if (shows is not null)
        {
            values["number"] = @"\" + shows;
        }

        var scenario = Sipp.Render(folder, "agent.xml", values);
        var phone = Sipp.Start($"{login}'s phone", folder,
            ["-sf", scenario, "-i", "127.0.0.1", "-p", phonePort.ToString(CultureInfo.InvariantCulture), "-mp", Sipp.FreeUdpPort().ToString(CultureInfo.InvariantCulture), "-m", calls.ToString(CultureInfo.InvariantCulture)]);
        var register = Sipp.Render(folder, "register.xml", new Dictionary<string, string> { ["phone_port"] = phonePort.ToString(CultureInfo.InvariantCulture) });
        await using var registration = Sipp.Start($"{login} registers", folder,
            ["-sf", register, $"127.0.0.1:{host.SipPort}", "-i", "127.0.0.1", "-p", Sipp.FreeUdpPort().ToString(CultureInfo.InvariantCulture), "-s", login, "-au", login, "-ap", "demo", "-m", "1"]);
        await registration.AssertSucceededAsync(TimeSpan.FromSeconds(20));
        return phone;
    }
}
