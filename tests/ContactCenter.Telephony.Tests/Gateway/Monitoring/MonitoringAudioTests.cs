using ContactCenter.Contracts;
using ContactCenter.Media.Sessions;
using ContactCenter.Telephony.Tests.Gateway.Session;
using Microsoft.Extensions.Logging.Abstractions;

namespace ContactCenter.Telephony.Tests.Gateway.Monitoring;

/// <summary>
/// What each party of a monitored call hears, through the gateway's call session and the real media engine on loopback
/// sockets (the SIP side is faked): caller 440 Hz, agent 1 kHz, supervisor 2 kHz, checked with Goertzel.
/// </summary>
public sealed class MonitoringAudioTests : IAsyncLifetime
{
    private const double CallerTone = 440;
    private const double AgentTone = 1000;
    private const double SupervisorTone = 2000;
    private static int nextPorts = 31_000 + (Environment.ProcessId % 50 * 200);

    private readonly TonePhone caller = new("caller");
    private readonly TonePhone agent = new("agent");
    private readonly TonePhone supervisor = new("supervisor");
    private readonly MediaEngine engine;
    private readonly RecordingEngine legs;
    private readonly TestGateway gw;
    private ConnectedCall call = null!;

    public MonitoringAudioTests()
    {
        int start = Interlocked.Add(ref nextPorts, 100);
        engine = new MediaEngine(new MediaOptions { BindAddress = "127.0.0.1", PortRangeStart = start, PortRangeEnd = start + 99 }, TimeProvider.System, NullLoggerFactory.Instance);
        legs = new RecordingEngine(engine);
        gw = new TestGateway(legs, caller.EndPoint);
    }

    public async Task InitializeAsync()
    {
        call = await gw.ConnectedCallAsync(agent.EndPoint);
        gw.Sip.Register("sam");
    }

    public async Task DisposeAsync()
    {
        await gw.DisposeAsync();
        await engine.DisposeAsync();
        caller.Dispose();
        agent.Dispose();
        supervisor.Dispose();
    }

    private MonitorCall Ask(MonitorMode mode) => new()
    {
        AgentId = "alice",
        SupervisorId = "sam",
        Mode = mode,
        CallId = call.Session.CallId,
        OccurredAt = gw.Time.GetUtcNow(),
    };

    private async Task<(FakeDialledCall Invite, FakeDialog Dialog)> JoinAsync(MonitorMode mode)
    {
        call.Session.Monitor(Ask(mode));
        var invite = await gw.Sip.InviteAsync(2);
        var dialog = invite.Answer(supervisor.EndPoint);
        await gw.Bus.WaitForAsync<MonitoringChanged>(m => m.Phase == MonitoringPhase.Started);
        return (invite, dialog);
    }

    /// <summary>All three speak for a second; returns the frame counts each had heard before (what they hear from then on is this stretch).</summary>
    private async Task<(int Caller, int Agent, int Supervisor)> TalkAsync(FakeDialledCall? supervisorInvite, int frames = 50, bool agentOnCall = true)
    {
        var marks = (caller.Heard.Count, agent.Heard.Count, supervisor.Heard.Count);
        var speaking = new List<Task>
        {
            caller.SpeakAsync(TonePhone.GatewayPort(call.Caller.LocalSdp!), CallerTone, frames),
            agent.SpeakAsync(TonePhone.GatewayPort(call.Invite.Options.Offer!), AgentTone, frames),
        };
        if (supervisorInvite is not null)
        {
            speaking.Add(supervisor.SpeakAsync(TonePhone.GatewayPort(supervisorInvite.Options.Offer!), SupervisorTone, frames));
        }

        await Task.WhenAll(speaking);
        // Everything sent has been relayed or mixed once each listener has heard (nearly) the stretch.
        await Wait.UntilAsync(
            () => caller.SoundFrames(marks.Item1) >= frames - 10 && (!agentOnCall || agent.SoundFrames(marks.Item2) >= frames - 10)
                && (supervisorInvite is null || supervisor.SoundFrames(marks.Item3) >= frames - 10),
            "the stretch was not heard");
        return (marks.Item1 + 5, marks.Item2 + 5, marks.Item3 + 5);
    }

    private static void Hears(TonePhone phone, double tone, int from) =>
        Assert.True(phone.Share(tone, from) > 0.15, $"{phone.Name} should hear {tone} Hz: share {phone.Share(tone, from):0.000}");

    private static void DoesNotHear(TonePhone phone, double tone, int from) =>
        Assert.True(phone.Share(tone, from) < 0.01, $"{phone.Name} should not hear {tone} Hz: share {phone.Share(tone, from):0.000}");

    [Fact]
    public async Task Listen_nobody_receives_the_supervisor_and_the_supervisor_hears_both()
    {
        var (invite, _) = await JoinAsync(MonitorMode.Listen);
        var from = await TalkAsync(invite);

        DoesNotHear(caller, SupervisorTone, from.Caller);
        DoesNotHear(agent, SupervisorTone, from.Agent);
        Hears(caller, AgentTone, from.Caller);
        Hears(agent, CallerTone, from.Agent);
        Hears(supervisor, CallerTone, from.Supervisor);
        Hears(supervisor, AgentTone, from.Supervisor);
    }

    [Fact]
    public async Task Whisper_then_barge_by_dtmf_then_the_supervisor_hangs_up()
    {
        var (invite, dialog) = await JoinAsync(MonitorMode.Whisper);
        var whisper = await TalkAsync(invite);
        DoesNotHear(caller, SupervisorTone, whisper.Caller);
        Hears(agent, SupervisorTone, whisper.Agent);
        Hears(agent, CallerTone, whisper.Agent);

        // 6 on the supervisor's phone: barge, without a new leg.
        legs.Created.Single(s => s.Id.EndsWith("-s", StringComparison.Ordinal)).ReceiveSipInfoDtmf('6', TimeSpan.FromMilliseconds(100));
        await gw.Bus.WaitForAsync<MonitoringChanged>(m => m.Mode == MonitorMode.Barge);
        var barge = await TalkAsync(invite);
        Hears(caller, SupervisorTone, barge.Caller);
        Hears(caller, AgentTone, barge.Caller);
        Hears(agent, SupervisorTone, barge.Agent);
        Hears(supervisor, CallerTone, barge.Supervisor);
        Hears(supervisor, AgentTone, barge.Supervisor);

        // The supervisor hangs up: the caller and the agent go on as before.
        dialog.HangUp();
        await gw.Bus.WaitForAsync<MonitoringChanged>(m => m.Phase == MonitoringPhase.Ended);
        var after = await TalkAsync(null);
        Hears(caller, AgentTone, after.Caller);
        Hears(agent, CallerTone, after.Agent);
        DoesNotHear(caller, SupervisorTone, after.Caller);
    }

    [Fact]
    public async Task Take_over_the_caller_hears_the_supervisor_and_no_longer_the_agent()
    {
        var (invite, _) = await JoinAsync(MonitorMode.Listen);
        call.Session.Monitor(Ask(MonitorMode.TakeOver));
        await gw.Bus.WaitForAsync<CallTakenOver>();

        var from = await TalkAsync(invite, agentOnCall: false);
        Hears(caller, SupervisorTone, from.Caller);
        DoesNotHear(caller, AgentTone, from.Caller);
        Hears(supervisor, CallerTone, from.Supervisor);
        DoesNotHear(supervisor, AgentTone, from.Supervisor);
    }
}

/// <summary>The real engine, keeping the legs the session opens (a test presses keys on the supervisor's).</summary>
internal sealed class RecordingEngine(IMediaEngine inner) : IMediaEngine
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<IMediaSession> created = new();

    public IReadOnlyList<IMediaSession> Created => [.. created];

    public string DtlsFingerprint => inner.DtlsFingerprint;

    public IMediaSession CreateSession(string id) => Keep(inner.CreateSession(id));

    public IMediaSession CreateSession(string id, MediaLegOptions options) => Keep(inner.CreateSession(id, options));

    public IMediaBridge Bridge(IMediaSession caller, IMediaSession agent) => inner.Bridge(caller, agent);

    private IMediaSession Keep(IMediaSession session)
    {
        created.Enqueue(session);
        return session;
    }
}
