using System.Net;
using ContactCenter.Contracts;
using ContactCenter.Telephony.Configuration;
using ContactCenter.Telephony.Gateway;
using ContactCenter.Telephony.Gateway.Callbacks;
using ContactCenter.Telephony.Gateway.Session;
using ContactCenter.Telephony.Ivr;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using System.Diagnostics.Metrics;

namespace ContactCenter.Telephony.Tests.Gateway.Session;

/// <summary>
/// What a call session runs on, with fakes for everything that is not the session: the SIP endpoint
/// (<see cref="FakeDialler"/>), the media engine, the bus (<see cref="RecordingBus"/>) and the clock
/// (<see cref="FakeTimeProvider"/>, which fires the timers only when the test advances it). The repository's
/// telephony-config is real: DID 1001 goes straight to the support queue, DID 1000 through the main IVR.
/// </summary>
internal sealed class TestGateway : IAsyncDisposable
{
    public const string Ani = "+442071838750";
    private static readonly TelephonyConfig Demo = TelephonyConfigLoader.Load(TestPaths.ConfigFolder);
    private readonly string folder = Directory.CreateTempSubdirectory("cc-session-").FullName;
    private readonly ServiceProvider services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly List<(IGatewayCall Call, Task Run)> running = [];
    private readonly IPEndPoint? callerRtp;

    /// <param name="media">A real media engine instead of <see cref="FakeMediaEngine"/> (tests that listen to the audio).</param>
    /// <param name="callerRtp">Where the caller's phone takes RTP (its SDP offer), for such tests.</param>
    public TestGateway(ContactCenter.Media.Sessions.IMediaEngine? media = null, IPEndPoint? callerRtp = null)
    {
        this.callerRtp = callerRtp;
        (var bus, Bus) = RecordingBus.Create();
        var options = new GatewayOptions { GatewayId = "gw-test", DataPath = folder, RecordingsPath = Path.Combine(folder, "recordings") };
        Ledger = new CallbackLedger(Path.Combine(folder, "callbacks-gw-test.jsonl"), bus, Time, NullLogger<CallbackLedger>.Instance);
        Context = new GatewayContext(
            Sip, media ?? Media, IPAddress.Loopback, bus, SilentRequestClient.Create<IdentifyCaller>(), SilentRequestClient.Create<GetCaseStatus>(),
            options, options.RecordingsPath, Time, new TelephonyMetrics(services.GetRequiredService<IMeterFactory>()), Demo, Ledger);
    }

    /// <summary>A Monday morning: every queue of the demo is open.</summary>
    public TestClock Time { get; } = new(new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.Zero));
    public FakeDialler Sip { get; } = new();
    public FakeMediaEngine Media { get; } = new();
    public RecordingBus Bus { get; }
    public CallbackLedger Ledger { get; }
    public GatewayContext Context { get; }
    public TelephonyConfig Config => Demo;

    /// <summary>An inbound call to <paramref name="did"/>, answered and running.</summary>
    public async Task<(CallSession Session, FakeInboundCall Caller)> CallAsync(string did = "1001")
    {
        var inbound = new FakeInboundCall(callerRtp);
        var ivr = new IvrEngine(Demo, Time).CreateSession(did) ?? throw new InvalidOperationException("no route for " + did);
        var session = new CallSession(Context, inbound, ivr, Ani, did, NullLogger<CallSession>.Instance);
        Start(session, session.RunAsync);
        await Bus.WaitForAsync<CallReceived>(m => m.CallId == session.CallId);
        return (session, inbound);
    }

    /// <summary>A call on DID 1001 waiting in the support queue.</summary>
    public async Task<(CallSession Session, FakeInboundCall Caller)> QueuedCallAsync()
    {
        var call = await CallAsync("1001");
        await Bus.WaitForAsync<CallQueued>(m => m.CallId == call.Session.CallId);
        return call;
    }

    /// <summary>Routing's command to ring <paramref name="agent"/> for <paramref name="callId"/>.</summary>
    public ConnectCallToAgent Ring(Guid callId, string agent = "alice", int ringSeconds = 15) => new()
    {
        CallId = callId,
        AgentId = agent,
        Queue = "support",
        Caller = Ani,
        RingTimeout = TimeSpan.FromSeconds(ringSeconds),
        OccurredAt = Time.GetUtcNow(),
    };

    /// <summary>A call in the support queue that alice answered: her dialog, the caller's, and the session.</summary>
    public async Task<ConnectedCall> ConnectedCallAsync(IPEndPoint? agentRtp = null)
    {
        var (session, caller) = await QueuedCallAsync();
        Sip.Register("alice");
        session.ConnectAgent(Ring(session.CallId));
        var invite = await Sip.InviteAsync(1);
        var agent = invite.Answer(agentRtp);
        await Bus.WaitForAsync<CallConnected>(m => m.CallId == session.CallId);
        return new ConnectedCall(session, caller.Dialog!, agent, invite);
    }

    /// <summary>Runs a session until the test ends (then it is shut down, as the gateway does when it stops).</summary>
    public void Start(IGatewayCall call, Func<Task> run) => running.Add((call, run()));

    public async ValueTask DisposeAsync()
    {
        foreach (var (call, _) in running)
        {
            call.Shutdown();
        }

        await Task.WhenAll(running.Select(r => r.Run)).WaitAsync(TimeSpan.FromSeconds(10));
        await Ledger.DisposeAsync();
        await services.DisposeAsync();
        Directory.Delete(folder, recursive: true);
    }

    /// <summary>Keeps the call's mailbox busy until disposed, so that the events the test causes meanwhile queue up in a known order.</summary>
    public static async Task<MailboxHold> HoldAsync(CallMailbox mailbox)
    {
        var hold = new MailboxHold(mailbox);
        await Wait.UntilAsync(() => hold.Holding, "the mailbox did not reach the hold");
        return hold;
    }

    /// <summary>Waits until everything posted to the mailbox before now has run.</summary>
    public static async Task DrainAsync(CallMailbox mailbox)
    {
        var ran = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Assert.True(mailbox.Post(() => ran.TrySetResult()), "the call is already over");
        await ran.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }
}

/// <summary>A <see cref="FakeTimeProvider"/> that also keeps the due time of every timer created, so a test sees a timer being set, and for when.</summary>
internal sealed class TestClock(DateTimeOffset start) : FakeTimeProvider(start)
{
    private readonly List<TimeSpan> timers = [];

    /// <summary>The due times of the timers created so far, in order.</summary>
    public IReadOnlyList<TimeSpan> Timers
    {
        get
        {
            lock (timers)
            {
                return [.. timers];
            }
        }
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        lock (timers)
        {
            timers.Add(dueTime);
        }

        return base.CreateTimer(callback, state, dueTime, period);
    }

    /// <summary>The due time of the next timer created after <paramref name="count"/> timers (waits for it).</summary>
    public async Task<TimeSpan> NextTimerAsync(int count)
    {
        await Wait.UntilAsync(() => Timers.Count > count, "no timer was set");
        return Timers[count];
    }
}

internal sealed record ConnectedCall(CallSession Session, FakeDialog Caller, FakeDialog Agent, FakeDialledCall Invite);

/// <summary>A work item that blocks the mailbox: what is posted meanwhile runs, in order, once <see cref="Release"/>d.</summary>
internal sealed class MailboxHold : IDisposable
{
    private readonly TaskCompletionSource released = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CallMailbox mailbox;
    private volatile bool holding;

    public MailboxHold(CallMailbox mailbox)
    {
        this.mailbox = mailbox;
        Assert.True(mailbox.Post(async () =>
        {
            holding = true;
            await released.Task;
        }), "the call is already over");
    }

    public bool Holding => holding;

    /// <summary>Waits until <paramref name="count"/> items queue behind the hold.</summary>
    public Task QueuedAsync(int count) => Wait.UntilAsync(() => mailbox.Pending >= count, $"{count} events did not queue up (queued: {mailbox.Pending})");

    public void Release() => released.TrySetResult();

    public void Dispose() => Release();
}
