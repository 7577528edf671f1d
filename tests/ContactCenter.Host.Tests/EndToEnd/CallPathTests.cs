using System.Net.Http.Json;
using System.Text.Json;

namespace ContactCenter.Host.Tests.EndToEnd;

/// <summary>
/// The product as its users meet it, over real sockets: SIPp as the customer's phone and as the
/// agents' phones (registered with digest auth), the host process with all modules, the agent
/// desktop over SignalR, the CRM's REST API for the history.
/// </summary>
public sealed class CallPathTests
{
    internal const string AdaPhone = "+442079460018";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(40);

    [Fact]
    public async Task Caller_pressing_2_reaches_alice_who_gets_the_pop_and_the_call_lands_in_history()
    {
        await using var host = StartHost();
        await RunAnsweredCallAsync(host);
    }

    [Fact]
    public async Task The_same_call_path_runs_over_rabbitmq()
    {
        var settings = TestBroker.HostSettings();
        foreach (var (key, value) in HostSettings())
        {
            settings[key] = value;
        }

        await using var host = HostProcess.Start(settings);
        await RunAnsweredCallAsync(host);
    }

    [Fact]
    public async Task Agent_hanging_up_releases_the_caller_and_is_recorded_as_ended_by_the_agent()
    {
        await using var host = StartHost();
        await host.WaitUntilReadyAsync(TimeSpan.FromSeconds(45));
        await WithHostLogAsync(host, async () =>
        {
            var folder = Directory.CreateTempSubdirectory("cc-e2e-").FullName;
            await using var alice = await AgentDesktopClient.ConnectAsync(host.BaseAddress, "alice");
            await using var phone = await RegisterPhoneAsync(host, folder, "alice", "agent-answer.part", "agent-send-bye.part");
            await alice.SetStateAsync("Available");

            await using var caller = StartCaller(host, folder, digit: '2', ending: "caller-waits-bye.part", stayMs: 30_000);
            var pop = await AgentDesktopClient.WaitForAsync(alice.ScreenPops, _ => true, Patience, "alice's screen pop");

            await phone.AssertSucceededAsync(Patience);
            await caller.AssertSucceededAsync(Patience);
            var interaction = await WaitForInteractionAsync(alice, pop, i => i.GetProperty("endedAt").ValueKind != JsonValueKind.Null);
            Assert.Equal("alice", interaction.GetProperty("agentId").GetString());
            Assert.Equal("answered", interaction.GetProperty("outcome").GetString());
        });
    }

    [Fact]
    public async Task Caller_hanging_up_while_the_agent_rings_cancels_the_agent_leg()
    {
        await using var host = StartHost();
        await host.WaitUntilReadyAsync(TimeSpan.FromSeconds(45));
        await WithHostLogAsync(host, async () =>
        {
            var folder = Directory.CreateTempSubdirectory("cc-e2e-").FullName;
            await using var alice = await AgentDesktopClient.ConnectAsync(host.BaseAddress, "alice");
            await using var phone = await RegisterPhoneAsync(host, folder, "alice", "agent-cancelled.part", null);
            await alice.SetStateAsync("Available");

            // The caller gives up 2.5 s after pressing 2: alice's phone is still ringing (ring timeout is longer).
            await using var caller = StartCaller(host, folder, digit: '2', ending: "caller-hangs-up.part", stayMs: 2_500);
            var pop = await AgentDesktopClient.WaitForAsync(alice.ScreenPops, _ => true, Patience, "alice's screen pop");

            await caller.AssertSucceededAsync(Patience);
            await phone.AssertSucceededAsync(Patience); // the phone got CANCEL, answered 200 and 487, got the ACK
            var interaction = await WaitForInteractionAsync(alice, pop, i => i.GetProperty("endedAt").ValueKind != JsonValueKind.Null);
            Assert.Equal("abandoned", interaction.GetProperty("outcome").GetString());
        });
    }

    [Fact]
    public async Task Unanswered_agent_phone_sends_the_call_to_bob()
    {
        await using var host = StartHost();
        await host.WaitUntilReadyAsync(TimeSpan.FromSeconds(45));
        await WithHostLogAsync(host, async () =>
        {
            var folder = Directory.CreateTempSubdirectory("cc-e2e-").FullName;
            await using var alice = await AgentDesktopClient.ConnectAsync(host.BaseAddress, "alice");
            await using var bob = await AgentDesktopClient.ConnectAsync(host.BaseAddress, "bob");
            await using var alicePhone = await RegisterPhoneAsync(host, folder, "alice", "agent-cancelled.part", null);
            await using var bobPhone = await RegisterPhoneAsync(host, folder, "bob", "agent-answer.part", "agent-wait-bye.part");
            await alice.SetStateAsync("Available");
            await bob.SetStateAsync("Available");

            await using var caller = StartCaller(host, folder, digit: '2', ending: "caller-hangs-up.part", stayMs: 35_000);

            // alice (support 5) is tried first, rings out, and the call goes back to the head of the queue for bob.
            await AgentDesktopClient.WaitForAsync(alice.ScreenPops, _ => true, Patience, "alice's screen pop");
            await alicePhone.AssertSucceededAsync(Patience);
            await AgentDesktopClient.WaitForAsync(alice.AgentStates, s => string.Equals(s.GetProperty("state").ToString(), "NotReady", StringComparison.OrdinalIgnoreCase), Patience, "alice NotReady (missed)");
            var bobPop = await AgentDesktopClient.WaitForAsync(bob.ScreenPops, _ => true, Patience, "bob's screen pop");
            Assert.Equal("Ada Lovelace", bobPop.GetProperty("customer").GetProperty("name").GetString());
            await AgentDesktopClient.WaitForAsync(bob.CallStates, s => s.GetProperty("phase").GetString() == "connected", Patience, "bob connected");

            await caller.AssertSucceededAsync(TimeSpan.FromSeconds(60));
            await bobPhone.AssertSucceededAsync(Patience);
            var interaction = await WaitForInteractionAsync(bob, bobPop, i => i.GetProperty("endedAt").ValueKind != JsonValueKind.Null);
            Assert.Equal("bob", interaction.GetProperty("agentId").GetString());
        });
    }

    private static Task RunAnsweredCallAsync(HostProcess host) => WithHostLogAsync(host, () => AnsweredCallAsync(host));

    /// <summary>Runs a scenario; when it fails, the host's own log is added to the failure.</summary>
    internal static async Task WithHostLogAsync(HostProcess host, Func<Task> scenario)
    {
        try
        {
            await scenario();
        }
        catch (Exception error) when (error is not OutOfMemoryException)
        {
            var log = host.StandardOutput;
            throw new Xunit.Sdk.XunitException($"{error.Message}\n--- host log (last 12000 chars)\n{log[Math.Max(0, log.Length - 12000)..]}\n{host.StandardError}", error);
        }
    }

    private static async Task AnsweredCallAsync(HostProcess host)
    {
        await host.WaitUntilReadyAsync(TimeSpan.FromSeconds(45));
        var folder = Directory.CreateTempSubdirectory("cc-e2e-").FullName;
        await using var alice = await AgentDesktopClient.ConnectAsync(host.BaseAddress, "alice");
        await using var phone = await RegisterPhoneAsync(host, folder, "alice", "agent-answer.part", "agent-wait-bye.part");
        await alice.SetStateAsync("Available");

        await using var caller = StartCaller(host, folder, digit: '2', ending: "caller-hangs-up.part", stayMs: 6_000);

        // The pop reaches alice's desktop while her phone rings: Ada Lovelace, her open case, the IVR path.
        var pop = await AgentDesktopClient.WaitForAsync(alice.ScreenPops, _ => true, Patience, "alice's screen pop");
        Assert.Equal("Ada Lovelace", pop.GetProperty("customer").GetProperty("name").GetString());
        Assert.NotEqual(0, pop.GetProperty("openCases").GetArrayLength());
        Assert.Equal("support", pop.GetProperty("queue").GetString());
        Assert.Equal("main>2>support", pop.GetProperty("ivrPath").GetString());
        await AgentDesktopClient.WaitForAsync(alice.CallStates, s => s.GetProperty("phase").GetString() == "connected", Patience, "alice connected");

        await caller.AssertSucceededAsync(Patience);
        await phone.AssertSucceededAsync(Patience);
        await AgentDesktopClient.WaitForAsync(alice.AgentStates, s => string.Equals(s.GetProperty("state").ToString(), "WrapUp", StringComparison.OrdinalIgnoreCase), Patience, "alice in wrap-up");

        var callId = pop.GetProperty("callId").GetString()!;
        await alice.CompleteWrapUpAsync(callId, "resolved", "Explained the invoice.");
        var interaction = await WaitForInteractionAsync(alice, pop, i => i.GetProperty("disposition").ValueKind == JsonValueKind.String);
        Assert.Equal("main>2>support", interaction.GetProperty("ivrPath").GetString());
        Assert.Equal("support", interaction.GetProperty("queue").GetString());
        Assert.Equal("alice", interaction.GetProperty("agentId").GetString());
        Assert.Equal("answered", interaction.GetProperty("outcome").GetString());
        Assert.True(interaction.GetProperty("waitSeconds").GetInt32() >= 0);
        Assert.True(interaction.GetProperty("talkSeconds").GetInt32() >= 1, interaction.ToString());
        Assert.Equal("resolved", interaction.GetProperty("disposition").GetString());
        await AgentDesktopClient.WaitForAsync(alice.AgentStates, s => string.Equals(s.GetProperty("state").ToString(), "Available", StringComparison.OrdinalIgnoreCase), Patience, "alice available again");

        // Operations: the call shows in the Prometheus scrape (gateway, routing, queue, screen pop).
        var metrics = await alice.Api.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        foreach (var name in (string[])["contactcenter_telephony_calls_received", "contactcenter_telephony_calls_connected", "contactcenter_sip_transactions",
            "contactcenter_media_sessions", "contactcenter_routing_input_duration", "contactcenter_routing_agents", "contactcenter_queue_calls_answered",
            "contactcenter_queue_calls_offered", "contactcenter_desktop_screen_pop_latency"])
        {
            Assert.Contains(name, metrics, StringComparison.Ordinal);
        }

        // alice's phone is the one registration.
        Assert.Matches(new System.Text.RegularExpressions.Regex(@"(?m)^contactcenter_telephony_phones_registered(\{[^}]*\})? 1(\s|$)"), metrics);

        // Counters a Grafana board rates: SIP transactions the call created, RTP out (the prompts), and the received and
        // loss counters present (this caller keys in by SIP INFO and sends no RTP; IvrExternalTests count RTP in).
        var operations = string.Join('\n', metrics.Split('\n').Where(l => l.StartsWith("contactcenter_sip_", StringComparison.Ordinal) || l.StartsWith("contactcenter_media_", StringComparison.Ordinal)));
        foreach (var pattern in (string[])[
            @"^contactcenter_sip_transactions_started_total\{[^}]*kind=""server""[^}]*\} [1-9]",
            @"^contactcenter_media_rtp_packets_total\{[^}]*direction=""sent""[^}]*\} [1-9]",
            @"^contactcenter_media_rtp_packets_total\{[^}]*direction=""received""[^}]*\} [0-9]",
            @"^contactcenter_media_rtp_packets_lost_total(\{[^}]*\})? [0-9]"])
        {
            Assert.True(System.Text.RegularExpressions.Regex.IsMatch(metrics, pattern, System.Text.RegularExpressions.RegexOptions.Multiline), $"/metrics lacks {pattern}:\n{operations}");
        }
    }

    internal static HostProcess StartHost(params (string Key, string Value)[] extra)
    {
        var settings = HostSettings();
        foreach (var (key, value) in extra)
        {
            settings[key] = value;
        }

        return HostProcess.Start(settings);
    }

    private static Dictionary<string, string> HostSettings() => new()
    {
        // SIPp 3.6 answers only the first digest challenge and knows only MD5.
        ["Sip__DigestAlgorithms"] = "MD5,SHA-256",
        // The SIPp phones send no RTP; keep the media-timeout guard out of the way of long scenarios.
        ["Media__MediaTimeout"] = "00:02:00",
    };

    internal static async Task<Sipp> RegisterPhoneAsync(HostProcess host, string folder, string login, string answer, string? after, bool echoRtp = false)
    {
        var phonePort = Sipp.FreeUdpPort();
        var values = new Dictionary<string, string>
        {
            ["body"] = answer,
            ["answer"] = Path.GetFileNameWithoutExtension(answer),
            ["ring_ms"] = "300",
            ["talk_ms"] = "2000",
            // SIPp refuses variables it never uses: capture the dialog's parties only for a BYE we send.
            ["capture"] = after == "agent-send-bye.part" ? "agent-capture.part" : "",
        };
        values["after"] = after ?? "";
        var scenario = Sipp.Render(folder, "agent.xml", values);

        string[] args = ["-sf", scenario, "-i", "127.0.0.1", "-p", phonePort.ToString(System.Globalization.CultureInfo.InvariantCulture), "-mp", Sipp.FreeUdpPort().ToString(System.Globalization.CultureInfo.InvariantCulture), "-m", "1"];
        var phone = Sipp.Start($"{login}'s phone", folder, echoRtp ? [.. args, "-rtp_echo"] : args);
        var register = Sipp.Render(folder, "register.xml", new Dictionary<string, string> { ["phone_port"] = phonePort.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        await using var registration = Sipp.Start($"{login} registers", folder,
            ["-sf", register, $"127.0.0.1:{host.SipPort}", "-i", "127.0.0.1", "-p", Sipp.FreeUdpPort().ToString(System.Globalization.CultureInfo.InvariantCulture), "-s", login, "-au", login, "-ap", "demo", "-m", "1"]);
        await registration.AssertSucceededAsync(TimeSpan.FromSeconds(20));
        return phone;
    }

    internal static Sipp StartCaller(HostProcess host, string folder, char digit, string ending, int stayMs)
    {
        var scenario = Sipp.Render(folder, "caller.xml", new Dictionary<string, string>
        {
            ["ending"] = ending,
            ["caller"] = AdaPhone,
            ["digit"] = digit.ToString(),
            ["dtmf_ms"] = "1500",
            ["stay_ms"] = stayMs.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        return Sipp.Start("caller", folder,
            ["-sf", scenario, $"127.0.0.1:{host.SipPort}", "-s", "1000", "-i", "127.0.0.1", "-p", Sipp.FreeUdpPort().ToString(System.Globalization.CultureInfo.InvariantCulture), "-mp", Sipp.FreeUdpPort().ToString(System.Globalization.CultureInfo.InvariantCulture), "-m", "1"]);
    }

    internal static Task<JsonElement> WaitForInteractionAsync(AgentDesktopClient agent, JsonElement pop, Func<JsonElement, bool> ready) =>
        WaitForInteractionAsync(agent, pop.GetProperty("customer").GetProperty("id").GetString()!, pop.GetProperty("callId").GetString()!, ready);

    /// <summary>Polls the customer's history (the CRM API) until the call's row is there and <paramref name="ready"/>.</summary>
    internal static async Task<JsonElement> WaitForInteractionAsync(AgentDesktopClient agent, string customerId, string callId, Func<JsonElement, bool> ready)
    {
        JsonElement last = default;
        for (var attempt = 0; attempt < 80; attempt++)
        {
            var page = await agent.Api.GetFromJsonAsync<JsonElement>(new Uri($"/api/customers/{customerId}/interactions?page=1&pageSize=20", UriKind.Relative));
            foreach (var item in page.GetProperty("items").EnumerateArray())
            {
                if (item.GetProperty("callId").GetString() == callId)
                {
                    last = item;
                    if (ready(item))
                    {
                        return item;
                    }
                }
            }

            await Task.Delay(250);
        }

        Assert.Fail($"call {callId} did not reach the history in time; last seen: {last}");
        return last;
    }
}
