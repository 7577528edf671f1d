using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR.Client;

namespace ContactCenter.Host.Tests.EndToEnd;

/// <summary>
/// A supervisor in an agent's call, end to end over real sockets (issue 18): sam asks from the board (SignalR) to listen to
/// alice's call, the gateway rings sam's registered SIPp phone, which answers; alice then hangs up, and the gateway hangs up
/// the caller and sam's phone too; the CRM keeps every step, readable by the supervisor.
/// </summary>
public sealed class MonitoringTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(40);

    [Fact]
    public async Task Sam_listens_to_alices_call_from_the_board_and_alice_hanging_up_ends_sams_leg_too()
    {
        await using var host = CallPathTests.StartHost();
        await host.WaitUntilReadyAsync(TimeSpan.FromSeconds(90)); // generous: the 2-core test machine may be busy
        await CallPathTests.WithHostLogAsync(host, async () =>
        {
            var folder = Directory.CreateTempSubdirectory("cc-e2e-").FullName;
            await using var alice = await AgentDesktopClient.ConnectAsync(host.BaseAddress, "alice");
            // alice answers, talks for 12 s, then hangs up; sam's phone answers and waits for the gateway's BYE.
            await using var alicePhone = await RegisterPhoneAsync(host, folder, "alice", "agent-send-bye.part", talkMs: 12_000);
            await using var samPhone = await CallPathTests.RegisterPhoneAsync(host, folder, "sam", "agent-answer.part", "agent-wait-bye.part");
            await alice.SetStateAsync("Available");

            var samToken = await AgentDesktopClient.SignInAsync(host.BaseAddress, "sam");
            var steps = Channel.CreateUnbounded<JsonElement>();
            await using var board = new HubConnectionBuilder()
                .WithUrl(new Uri(host.BaseAddress, "/hubs/board"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(samToken))
                .Build();
            board.On<JsonElement>("MonitoringChanged", m => steps.Writer.TryWrite(m));
            await board.StartAsync();

            await using var caller = CallPathTests.StartCaller(host, folder, digit: '2', ending: "caller-waits-bye.part", stayMs: 45_000);
            var connected = await AgentDesktopClient.WaitForAsync(alice.CallStates, s => s.GetProperty("phase").GetString() == "connected", Patience, "alice connected");
            var callId = connected.GetProperty("callId").GetString();

            await board.InvokeAsync("Monitor", "alice", "listen");
            var started = await AgentDesktopClient.WaitForAsync(steps, s => s.GetProperty("phase").GetString() == "started", Patience, "sam in alice's call");
            Assert.Equal(("alice", "sam", "listen", callId), (started.GetProperty("agentId").GetString(), started.GetProperty("supervisorId").GetString(), started.GetProperty("mode").GetString(), started.GetProperty("callId").GetString()));

            var ended = await AgentDesktopClient.WaitForAsync(steps, s => s.GetProperty("phase").GetString() == "ended", Patience, "sam's leg ended with the call");
            Assert.StartsWith("the call ended (agent hung up", ended.GetProperty("reason").GetString(), StringComparison.Ordinal);
            await alicePhone.AssertSucceededAsync(Patience);
            await samPhone.AssertSucceededAsync(Patience); // got the gateway's BYE
            await caller.AssertSucceededAsync(Patience);

            // The audit: every step in the CRM, for supervisors only.
            using var api = new HttpClient { BaseAddress = host.BaseAddress };
            api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", samToken);
            JsonElement rows = default;
            using (var timeout = new CancellationTokenSource(Patience))
            {
                while ((rows = await api.GetFromJsonAsync<JsonElement>(new Uri($"/api/monitoring?callId={callId}", UriKind.Relative), timeout.Token)).GetArrayLength() < 3)
                {
                    await Task.Delay(200, timeout.Token);
                }
            }

            Assert.Equal(["ended", "started", "ringing"], rows.EnumerateArray().Select(r => r.GetProperty("phase").GetString()));
            Assert.All(rows.EnumerateArray(), r => Assert.Equal(("sam", "alice"), (r.GetProperty("supervisorId").GetString(), r.GetProperty("agentId").GetString())));
            var denied = await alice.Api.GetAsync(new Uri($"/api/monitoring?callId={callId}", UriKind.Relative));
            Assert.Equal(System.Net.HttpStatusCode.Forbidden, denied.StatusCode);
        });
    }

    /// <summary>An agent phone that answers, talks for <paramref name="talkMs"/> and hangs up itself.</summary>
    private static async Task<Sipp> RegisterPhoneAsync(HostProcess host, string folder, string login, string after, int talkMs)
    {
        var phonePort = Sipp.FreeUdpPort();
        var values = new Dictionary<string, string>
        {
            ["body"] = "agent-answer.part",
            ["answer"] = "agent-answer",
            ["ring_ms"] = "300",
            ["talk_ms"] = talkMs.ToString(CultureInfo.InvariantCulture),
            ["capture"] = "agent-capture.part",
            ["after"] = after,
        };
        var scenario = Sipp.Render(folder, "agent.xml", values);
        var phone = Sipp.Start($"{login}'s phone", folder, ["-sf", scenario, "-i", "127.0.0.1", "-p", phonePort.ToString(CultureInfo.InvariantCulture), "-mp", Sipp.FreeUdpPort().ToString(CultureInfo.InvariantCulture), "-m", "1"]);
        var register = Sipp.Render(folder, "register.xml", new Dictionary<string, string> { ["phone_port"] = phonePort.ToString(CultureInfo.InvariantCulture) });
        await using var registration = Sipp.Start($"{login} registers", folder,
            ["-sf", register, $"127.0.0.1:{host.SipPort}", "-i", "127.0.0.1", "-p", Sipp.FreeUdpPort().ToString(CultureInfo.InvariantCulture), "-s", login, "-au", login, "-ap", "demo", "-m", "1"]);
        await registration.AssertSucceededAsync(TimeSpan.FromSeconds(20));
        return phone;
    }
}
