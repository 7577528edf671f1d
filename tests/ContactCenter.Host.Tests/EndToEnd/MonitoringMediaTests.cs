using System.Buffers.Binary;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace ContactCenter.Host.Tests.EndToEnd;

/// <summary>
/// One host process (all modules, demo data) shared by the supervisor-in-a-call checks with real media: the caller (SIPp's
/// signalling, the test's socket speaking 440 Hz), alice's phone (1 kHz) and sam's phone (2 kHz), both <see cref="SipTestPhone"/>s
/// registered for the whole class, alice's desktop, and sam's board.
/// </summary>
public sealed class MonitoringMediaFixture : IAsyncLifetime
{
    private HostProcess? host;

    internal HostProcess Host => host ?? throw new InvalidOperationException("the host has not started");
    internal SipTestPhone AlicePhone { get; private set; } = null!;
    internal SipTestPhone SamPhone { get; private set; } = null!;
    internal AgentDesktopClient Alice { get; private set; } = null!;
    internal HubConnection Board { get; private set; } = null!;
    internal string SamToken { get; private set; } = "";
    internal Channel<JsonElement> Steps { get; } = Channel.CreateUnbounded<JsonElement>();

    /// <summary>alice's state as the last test left it ("" when unknown).</summary>
    internal string AliceState { get; set; } = "";

    public async Task InitializeAsync()
    {
        for (var attempt = 1; ; attempt++)
        {
            host = CallPathTests.StartHost();
            try
            {
                await host.WaitUntilReadyAsync(TimeSpan.FromSeconds(90));
                break;
            }
            catch (InvalidOperationException error) when (attempt < 3 && error.Message.Contains("Address already in use", StringComparison.Ordinal))
            {
                await host.DisposeAsync();
            }
        }

        AlicePhone = await SipTestPhone.RegisterAsync(Host.SipPort, "alice", MonitoringMediaTests.AgentTone);
        SamPhone = await SipTestPhone.RegisterAsync(Host.SipPort, "sam", MonitoringMediaTests.SupervisorTone);
        Alice = await AgentDesktopClient.ConnectAsync(Host.BaseAddress, "alice");
        SamToken = await AgentDesktopClient.SignInAsync(Host.BaseAddress, "sam");
        Board = new HubConnectionBuilder()
            .WithUrl(new Uri(Host.BaseAddress, "/hubs/board"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(SamToken))
            .Build();
        Board.On<JsonElement>("MonitoringChanged", m => Steps.Writer.TryWrite(m));
        await Board.StartAsync();
    }

    public async Task DisposeAsync()
    {
        if (Board is not null)
        {
            await Board.DisposeAsync();
        }

        if (Alice is not null)
        {
            await Alice.DisposeAsync();
        }

        if (AlicePhone is not null)
        {
            await AlicePhone.DisposeAsync();
        }

        if (SamPhone is not null)
        {
            await SamPhone.DisposeAsync();
        }

        if (host is not null)
        {
            await host.DisposeAsync();
        }
    }

    internal HttpClient SamApi()
    {
        var api = new HttpClient { BaseAddress = Host.BaseAddress, Timeout = TimeSpan.FromSeconds(10) };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", SamToken);
        return api;
    }
}

/// <summary>
/// A supervisor in a call, end to end with real SIP and real media (issue 18): three parties speak distinct tones (caller
/// 440 Hz, alice 1 kHz, sam 2 kHz) through the gateway, and Goertzel on what each one receives says who hears whom, in
/// every mode, across switches from the board and by DTMF 4/5/6 from sam's phone, when sam hangs up, when alice hangs up
/// while monitored, and on take-over; the call's recording keeps sam only while he barged in.
/// </summary>
public sealed class MonitoringMediaTests(MonitoringMediaFixture fixture) : IClassFixture<MonitoringMediaFixture>
{
    internal const double CallerTone = 440;
    internal const double AgentTone = 1000;
    internal const double SupervisorTone = 2000;
    private const int Frames = 40; // 0.8 s of audio per check
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(40);

    private HostProcess Host => fixture.Host;

    [Fact]
    public Task Modes_switch_from_the_board_and_by_dtmf_and_each_party_hears_what_the_mode_says_then_sam_hangs_up() =>
        CallPathTests.WithHostLogAsync(Host, async () =>
        {
            await using var call = await ConnectedCallAsync("+442079460137");

            // Listen (from the board): sam hears both; nobody hears sam.
            var sam = await MonitorAsync(call, "listen");
            await ExpectAsync(call, "listen", callerHears: [AgentTone], agentHears: [CallerTone], samHears: [CallerTone, AgentTone]);

            // Whisper (the board's button, without redialling): alice hears sam, the caller never does.
            await SwitchAsync(call, "whisper", () => fixture.Board.InvokeAsync("Monitor", "alice", "whisper"), "board");
            await ExpectAsync(call, "whisper", callerHears: [AgentTone], agentHears: [CallerTone, SupervisorTone], samHears: [CallerTone, AgentTone]);

            // 6 on sam's phone: barge, everyone hears everyone.
            var bargeStarted = await SwitchAsync(call, "barge", () => Press(fixture.SamPhone, '6'), "DTMF 6");
            await ExpectAsync(call, "barge", callerHears: [AgentTone, SupervisorTone], agentHears: [CallerTone, SupervisorTone], samHears: [CallerTone, AgentTone]);

            // 4: listen again; 5: whisper again.
            var bargeEnded = await SwitchAsync(call, "listen", () => Press(fixture.SamPhone, '4'), "DTMF 4");
            await ExpectAsync(call, "listen (DTMF 4)", callerHears: [AgentTone], agentHears: [CallerTone], samHears: [CallerTone, AgentTone]);
            await SwitchAsync(call, "whisper", () => Press(fixture.SamPhone, '5'), "DTMF 5");
            await ExpectAsync(call, "whisper (DTMF 5)", callerHears: [AgentTone], agentHears: [CallerTone, SupervisorTone], samHears: [CallerTone, AgentTone]);

            // sam hangs up: his leg leaves, the caller and alice go on as before, still not hearing 2 kHz.
            await fixture.SamPhone.HangUpAsync(sam, Patience);
            var ended = await StepAsync(call, "ended");
            Assert.StartsWith("supervisor hung up", ended.GetProperty("reason").GetString(), StringComparison.Ordinal);
            await ExpectAsync(call, "after sam hung up", callerHears: [AgentTone], agentHears: [CallerTone], samHears: null);

            // alice hangs up; the call ends for the caller; the audit has every step in order.
            await fixture.AlicePhone.HangUpAsync(call.Agent, Patience);
            await call.Caller.AssertSucceededAsync(Patience);
            var rows = await AuditAsync(call.CallId, 7);
            Assert.Equal(
                ["ringing:listen", "started:listen", "modeChanged:whisper", "modeChanged:barge", "modeChanged:listen", "modeChanged:whisper", "ended:whisper"],
                rows.Select(r => $"{r.GetProperty("phase").GetString()}:{r.GetProperty("mode").GetString()}").Reverse().Take(7));
            Assert.Contains(rows, r => r.GetProperty("reason").GetString() == "DTMF 6");

            // The recording (support records calls): left = the caller, right = alice, plus sam only while he barged in.
            var recording = await RecordingAsync(call);
            var left = recording.Where((_, i) => i % 2 == 0).ToArray();
            var right = recording.Where((_, i) => i % 2 == 1).ToArray();
            Assert.Equal(0, ToneFrames(left, SupervisorTone));
            Assert.True(ToneFrames(left, CallerTone) > 100, "the caller's channel should hold the caller");
            Assert.True(ToneFrames(right, AgentTone) > 100, "alice's channel should hold alice");
            var barged = (bargeEnded.At - bargeStarted.At).TotalSeconds * 50;
            var withSam = ToneFrames(right, SupervisorTone);
            var monitoredNotBarged = (ended.GetProperty("at").GetDateTimeOffset() - call.MonitorStarted).TotalSeconds * 50 - barged;
            Assert.True(monitoredNotBarged > barged, $"the check needs sam in listen and whisper longer than in barge ({monitoredNotBarged:0} against {barged:0} frames)");
            Assert.True(withSam >= barged * 0.6 && withSam <= barged + 25,
                $"sam should be in alice's channel for the barge only: {withSam} frames with 2 kHz, barge lasted ~{barged:0} frames, listen and whisper ~{monitoredNotBarged:0}");
        });

    [Fact]
    public Task A_supervisor_of_another_queue_is_refused_and_alice_hanging_up_while_sam_whispers_ends_sams_leg_and_the_callers() =>
        CallPathTests.WithHostLogAsync(Host, async () =>
        {
            await using var call = await ConnectedCallAsync("+447700900123");

            // sue supervises billing only (the directory says so): alice's support call is refused her, and audited.
            using (var api = fixture.SamApi())
            {
                var sue = await api.PutAsJsonAsync(new Uri("/api/agents/sue", UriKind.Relative), new
                {
                    displayName = "Sue Supervisor", role = "supervisor", password = "sue-password-1", sipPassword = "sip-secret", supervisedQueues = new[] { "billing" },
                });
                Assert.True(sue.IsSuccessStatusCode, await sue.Content.ReadAsStringAsync());
            }

            await using (var sueBoard = new HubConnectionBuilder()
                .WithUrl(new Uri(Host.BaseAddress, "/hubs/board"), o => o.AccessTokenProvider = async () => await AgentDesktopClient.SignInAsync(Host.BaseAddress, "sue", "sue-password-1"))
                .Build())
            {
                await sueBoard.StartAsync();
                var refused = await Assert.ThrowsAsync<HubException>(() => sueBoard.InvokeAsync("Monitor", "alice", "listen"));
                Assert.Contains("sue does not supervise queue support", refused.Message, StringComparison.Ordinal);
            }

            var sam = await MonitorAsync(call, "whisper");
            await ExpectAsync(call, "whisper", callerHears: [AgentTone], agentHears: [CallerTone, SupervisorTone], samHears: [CallerTone, AgentTone]);

            await fixture.AlicePhone.HangUpAsync(call.Agent, Patience);
            Assert.Equal("hung up by the gateway", await sam.WaitEndedAsync(Patience, "sam's leg after alice hung up"));
            await call.Caller.AssertSucceededAsync(Patience); // the caller got the gateway's BYE
            var ended = await StepAsync(call, "ended");
            Assert.StartsWith("the call ended (agent hung up", ended.GetProperty("reason").GetString(), StringComparison.Ordinal);
            var rows = await AuditAsync(call.CallId, 4);
            Assert.Contains(rows, r => (r.GetProperty("supervisorId").GetString(), r.GetProperty("phase").GetString()) == ("sue", "refused")
                && r.GetProperty("reason").GetString()!.StartsWith("sue does not supervise queue support", StringComparison.Ordinal));
            await FinishWrapUpAsync(call);
        });

    [Fact]
    public Task Take_over_releases_alice_to_wrap_up_and_the_caller_hears_sam_and_the_history_names_both() =>
        CallPathTests.WithHostLogAsync(Host, async () =>
        {
            await using var call = await ConnectedCallAsync("+442079460103");
            var sam = await MonitorAsync(call, "listen");
            await fixture.Board.InvokeAsync("Monitor", "alice", "takeOver");
            Assert.Equal("hung up by the gateway", await call.Agent.WaitEndedAsync(Patience, "alice's leg on take-over"));
            await AgentDesktopClient.WaitForAsync(fixture.Alice.AgentStates, s => string.Equals(s.GetProperty("state").ToString(), "WrapUp", StringComparison.OrdinalIgnoreCase), Patience, "alice in wrap-up");

            // The caller hears sam and no longer alice; sam hears the caller.
            var marks = (call.CallerMedia.FramesHeard, fixture.SamPhone.Media.FramesHeard);
            var caller = await call.CallerMedia.ListenAsync(marks.Item1, Frames, Patience);
            var supervisor = await fixture.SamPhone.Media.ListenAsync(marks.Item2, Frames, Patience);
            caller.Hears(SupervisorTone, "take-over");
            caller.DoesNotHear(AgentTone, "take-over");
            supervisor.Hears(CallerTone, "take-over");
            supervisor.DoesNotHear(AgentTone, "take-over");

            // sam hangs up: the call ends; the history names sam as the call's agent and alice as the one taken over from.
            await fixture.SamPhone.HangUpAsync(sam, Patience);
            await call.Caller.AssertSucceededAsync(Patience);
            using var api = fixture.SamApi();
            var (customerId, _) = await IvrHostFixture.CustomerAsync(api, call.Number);
            var row = await IvrHostFixture.WaitForNewCallAsync(api, customerId, call.CallsBefore,
                c => c.GetProperty("callId").GetString() == call.CallId && c.GetProperty("endedAt").ValueKind == JsonValueKind.String,
                Patience, "the taken-over call");
            Assert.Equal(("sam", "alice"), (row.GetProperty("agentId").GetString(), row.GetProperty("takenOverFrom").GetString()));
            await FinishWrapUpAsync(call, inWrapUpAlready: true);
        });

    /// <summary>A caller (a demo customer, DID 1001 straight into support) reaches alice, who answers; both speak their tones.</summary>
    private async Task<ActiveCall> ConnectedCallAsync(string number)
    {
        // Each test calls from its own demo customer (docs/demo-data.md) so the histories do not mix; what earlier tests
        // left in the desktop's and the board's streams is not this call's.
        Drain(fixture.Alice.CallStates);
        Drain(fixture.Alice.AgentStates);
        Drain(fixture.Steps);
        using var api = fixture.SamApi();
        var (customerId, _) = await IvrHostFixture.CustomerAsync(api, number);
        var before = await IvrHostFixture.CallIdsAsync(api, customerId);

        if (!string.Equals(fixture.AliceState, "Available", StringComparison.OrdinalIgnoreCase))
        {
            await fixture.Alice.SetStateAsync("Available"); // waits for the state's push
        }

        fixture.AliceState = "";
        var callerMedia = new ToneMedia("caller", CallerTone);
        var folder = Directory.CreateTempSubdirectory("cc-monitor-").FullName;
        var scenario = Sipp.Render(folder, "ivr-caller.xml", new Dictionary<string, string>
        {
            ["caller"] = number,
            ["codecs"] = "0",
            ["rtp_ip"] = "127.0.0.1",
            ["rtp_port"] = callerMedia.Port.ToString(CultureInfo.InvariantCulture),
            ["after_answer"] = "",
            ["ending"] = "caller-waits-bye.part",
            ["stay_ms"] = "90000",
        });
        var caller = Sipp.Start($"caller {number}", folder,
            ["-sf", scenario, $"127.0.0.1:{Host.SipPort}", "-s", "1001", "-i", "127.0.0.1",
             "-p", Sipp.FreeUdpPort().ToString(CultureInfo.InvariantCulture), "-mp", Sipp.FreeUdpPort().ToString(CultureInfo.InvariantCulture), "-m", "1"]);
        var agent = await fixture.AlicePhone.NextCallAsync(Patience);
        var connected = await AgentDesktopClient.WaitForAsync(fixture.Alice.CallStates, s => s.GetProperty("phase").GetString() == "connected", Patience, "alice connected");
        var call = new ActiveCall(number, connected.GetProperty("callId").GetString()!, before, caller, callerMedia, agent);

        // Both hear each other before anyone monitors (the caller may have heard the queue before).
        var heard = await Task.WhenAll(callerMedia.ListenAsync(callerMedia.FramesHeard, 10, Patience), fixture.AlicePhone.Media.ListenAsync(fixture.AlicePhone.Media.FramesHeard, 10, Patience));
        heard[0].Hears(AgentTone, "alice before monitoring");
        heard[1].Hears(CallerTone, "the caller before monitoring");
        return call;
    }

    private static void Drain(Channel<JsonElement> channel)
    {
        while (channel.Reader.TryRead(out _))
        {
        }
    }

    /// <summary>sam presses <paramref name="mode"/> on alice's row; his phone rings and answers; the session starts.</summary>
    private async Task<SipTestPhone.Call> MonitorAsync(ActiveCall call, string mode)
    {
        await fixture.Board.InvokeAsync("Monitor", "alice", mode);
        var sam = await fixture.SamPhone.NextCallAsync(Patience);
        Assert.Contains("alice", sam.MonitorHeader, StringComparison.Ordinal);
        var started = await StepAsync(call, "started");
        Assert.Equal(mode, started.GetProperty("mode").GetString());
        call.MonitorStarted = started.GetProperty("at").GetDateTimeOffset();
        return sam;
    }

    private async Task<(JsonElement Step, DateTimeOffset At)> SwitchAsync(ActiveCall call, string mode, Func<Task> press, string reason)
    {
        await press();
        var step = await StepAsync(call, "modeChanged");
        Assert.Equal((mode, reason), (step.GetProperty("mode").GetString(), step.GetProperty("reason").GetString()));
        return (step, step.GetProperty("at").GetDateTimeOffset());
    }

    private static Task Press(SipTestPhone phone, char key)
    {
        phone.Media.Press(key);
        return Task.CompletedTask;
    }

    private async Task<JsonElement> StepAsync(ActiveCall call, string phase) =>
        await AgentDesktopClient.WaitForAsync(fixture.Steps,
            s => s.GetProperty("callId").GetString() == call.CallId && s.GetProperty("phase").GetString() == phase, Patience, $"monitoring {phase}");

    /// <summary>From now, what each party hears over the next stretch: the tones named, and never one not named.</summary>
    private async Task ExpectAsync(ActiveCall call, string mode, double[] callerHears, double[] agentHears, double[]? samHears)
    {
        var sam = fixture.SamPhone.Media;
        var alice = fixture.AlicePhone.Media;
        var (c, a, s) = (call.CallerMedia.FramesHeard, alice.FramesHeard, sam.FramesHeard);
        var callerStretch = call.CallerMedia.ListenAsync(c, Frames, Patience);
        var agentStretch = alice.ListenAsync(a, Frames, Patience);
        var samStretch = samHears is null ? null : sam.ListenAsync(s, Frames, Patience);
        foreach (var (stretch, hears) in new[] { (await callerStretch, callerHears), (await agentStretch, agentHears) }
            .Concat(samStretch is null ? [] : [(await samStretch, samHears!)]))
        {
            foreach (var tone in (double[])[CallerTone, AgentTone, SupervisorTone])
            {
                if (hears.Contains(tone))
                {
                    stretch.Hears(tone, mode);
                }
                else
                {
                    stretch.DoesNotHear(tone, mode);
                }
            }
        }
    }

    private async Task<List<JsonElement>> AuditAsync(string callId, int atLeast)
    {
        using var api = fixture.SamApi();
        using var timeout = new CancellationTokenSource(Patience);
        while (true)
        {
            var rows = await api.GetFromJsonAsync<JsonElement>(new Uri($"/api/monitoring?callId={callId}", UriKind.Relative), timeout.Token);
            if (rows.GetArrayLength() >= atLeast)
            {
                return [.. rows.EnumerateArray()];
            }

            await Task.Delay(200, timeout.Token);
        }
    }

    /// <summary>The call's recording once the call has ended: interleaved stereo samples (left caller, right agent).</summary>
    private async Task<short[]> RecordingAsync(ActiveCall call)
    {
        using var api = fixture.SamApi();
        var (customerId, _) = await IvrHostFixture.CustomerAsync(api, call.Number);
        var row = await IvrHostFixture.WaitForNewCallAsync(api, customerId, call.CallsBefore,
            c => c.GetProperty("callId").GetString() == call.CallId && c.GetProperty("recordingPath").ValueKind == JsonValueKind.String,
            Patience, "the recorded call");
        var path = row.GetProperty("recordingPath").GetString()!;
        if (!Path.IsPathRooted(path))
        {
            path = Path.Combine(Host.DataFolder, path);
        }

        Assert.True(File.Exists(path), $"{path} is missing");
        var data = await File.ReadAllBytesAsync(path);
        var offset = 12;
        while (offset + 8 <= data.Length && !data.AsSpan(offset, 4).SequenceEqual("data"u8))
        {
            offset += 8 + BinaryPrimitives.ReadInt32LittleEndian(data.AsSpan(offset + 4));
        }

        Assert.True(offset + 8 <= data.Length, $"{path}: no data chunk");
        var body = data.AsSpan(offset + 8);
        var samples = new short[body.Length / 2];
        for (var i = 0; i < samples.Length; i++)
        {
            samples[i] = BinaryPrimitives.ReadInt16LittleEndian(body[(2 * i)..]);
        }

        await FinishWrapUpAsync(call);
        return samples;
    }

    /// <summary>Frames of 20 ms in a mono channel where <paramref name="tone"/> is clearly present.</summary>
    private static int ToneFrames(short[] channel, double tone)
    {
        var count = 0;
        for (var at = 0; at + 160 <= channel.Length; at += 160)
        {
            var frame = channel.AsSpan(at, 160);
            if (ToneMedia.HasSound(frame) && ToneMedia.ToneShare(frame, tone) > 0.12)
            {
                count++;
            }
        }

        return count;
    }

    private async Task FinishWrapUpAsync(ActiveCall call, bool inWrapUpAlready = false)
    {
        if (!inWrapUpAlready)
        {
            await AgentDesktopClient.WaitForAsync(fixture.Alice.AgentStates, s => string.Equals(s.GetProperty("state").ToString(), "WrapUp", StringComparison.OrdinalIgnoreCase), Patience, "alice in wrap-up");
        }

        await fixture.Alice.CompleteWrapUpAsync(call.CallId, "resolved", "Monitored call.");
        var after = await AgentDesktopClient.WaitForAsync(fixture.Alice.AgentStates, s => !string.Equals(s.GetProperty("state").ToString(), "WrapUp", StringComparison.OrdinalIgnoreCase), Patience, "alice out of wrap-up");
        fixture.AliceState = after.GetProperty("state").ToString();
    }

    private sealed class ActiveCall(string number, string callId, HashSet<string> callsBefore, Sipp caller, ToneMedia callerMedia, SipTestPhone.Call agent) : IAsyncDisposable
    {
        public string Number { get; } = number;
        public string CallId { get; } = callId;
        public HashSet<string> CallsBefore { get; } = callsBefore;
        public Sipp Caller { get; } = caller;
        public ToneMedia CallerMedia { get; } = callerMedia;
        public SipTestPhone.Call Agent { get; } = agent;
        public DateTimeOffset MonitorStarted { get; set; }

        public async ValueTask DisposeAsync()
        {
            await Caller.DisposeAsync();
            CallerMedia.Dispose();
        }
    }
}
