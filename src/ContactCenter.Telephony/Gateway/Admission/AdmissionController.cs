using System.Net;
using Microsoft.Extensions.Logging;

namespace ContactCenter.Telephony.Gateway.Admission;

/// <summary>Why a new call was refused (the <c>reason</c> label of the refused counter).</summary>
internal enum RefusalReason
{
    /// <summary>The INVITE waited too long in the SIP receive thread before it was handled.</summary>
    SipQueue,
    /// <summary>The SIP receive queue was full: the stack answered 503 itself (counted from the endpoint).</summary>
    SipQueueFull,
    /// <summary>Too many calls admitted and not answered yet.</summary>
    CallsInSetup,
    /// <summary>The fixed ceiling of live calls (<see cref="AdmissionOptions.MaxLiveCalls"/>).</summary>
    LiveCalls,
    /// <summary>Throttled: set-up time above its goal.</summary>
    SetupTime,
    /// <summary>Throttled: the thread pool's queue is long.</summary>
    ThreadPool,
    /// <summary>Throttled: bus publishes are not confirmed fast enough.</summary>
    Bus,
    /// <summary>Throttled: the media clock runs late.</summary>
    Media,
    /// <summary>Throttled, and this source already had its share of the admitted rate.</summary>
    FairShare,
}

/// <summary>The measurements overload control reads, besides what it sees itself (set-up times, SIP queueing, calls in set-up).</summary>
/// <param name="SipInvitesShed">New INVITEs the SIP stack answered 503 itself (its receive queue full), since start.</param>
internal sealed record AdmissionSignals(
    Func<int> ThreadPoolQueue, Func<int> BusPublishesInFlight, Func<TimeSpan> MediaClockLag, Func<int> LiveCalls, Func<long> SipInvitesShed)
{
    /// <summary>The process's own: the .NET thread pool's queue; the rest given by the gateway.</summary>
    public static AdmissionSignals ForProcess(Func<int> busPublishesInFlight, Func<TimeSpan> mediaClockLag, Func<int> liveCalls, Func<long> sipInvitesShed) =>
        new(() => (int)Math.Min(int.MaxValue, ThreadPool.PendingWorkItemCount), busPublishesInFlight, mediaClockLag, liveCalls, sipInvitesShed);
}

/// <summary>Where overload control stands (for the log, /metrics and the supervisors' board).</summary>
/// <param name="Overloaded">True while new calls are being refused (until <see cref="AdmissionOptions.RecoveryQuietTime"/> without a refusal).</param>
/// <param name="Reason">The latest refusal's reason while overloaded.</param>
/// <param name="RefusedThisSurge">Calls refused since this overload began.</param>
/// <param name="RateLimit">The admitted rate in calls/s while throttled, or null.</param>
internal sealed record AdmissionStatus(bool Overloaded, RefusalReason? Reason, long RefusedThisSurge, double? RateLimit, DateTimeOffset Since);

/// <summary>
/// Admission control of new inbound calls (RFC 6357's goals; RFC 7339's rate-based idea, applied at the edge). Each new
/// INVITE is decided at once, before any media, IVR or bus work is spent on it:
/// <list type="bullet">
/// <item>refused when it waited longer than <see cref="AdmissionOptions.MaxSipQueueDelay"/> in the SIP receive thread, when
/// <see cref="AdmissionOptions.MaxCallsInSetup"/> calls are admitted and not answered yet, or at the fixed live-call ceiling;</item>
/// <item>otherwise, while throttled, admitted at the current admitted rate (a token bucket), each source to its share.</item>
/// </list>
/// Every <see cref="AdmissionOptions.EvaluationInterval"/> the measurements are read: average set-up time (INVITE arrival
/// to 200 OK), the average SIP queueing delay of new INVITEs, the thread pool's queue, bus publishes in flight and the media clock's lateness.
/// Congested: the admitted rate is cut to 0.9 × the rate at which calls were actually answered (what the gateway
/// proved it can serve), never below <see cref="AdmissionOptions.MinAdmissionRate"/>. Not congested: it grows 10 % a
/// step, and after <see cref="AdmissionOptions.RecoveryQuietTime"/> without congestion and refusals the throttle is lifted.
/// Thread-safe; a decision takes one short lock.
/// </summary>
internal sealed class AdmissionController : IDisposable
{
    private static readonly int ReasonCount = Enum.GetValues<RefusalReason>().Length;

    private readonly AdmissionOptions options;
    private readonly AdmissionSignals signals;
    private readonly TimeProvider time;
    private readonly ILogger logger;
    private readonly Lock gate = new();
    private readonly long[] refusedBy = new long[ReasonCount];
    /// <summary>Sources that offered calls lately, each with its share of the admitted rate while throttled.</summary>
    private readonly Dictionary<IPAddress, SourceShare> sources = [];
    private int sourcesThisInterval;
    private ITimer? timer;

    private long offered;
    private long admitted;
    private int callsInSetup;

    // The current interval's measurements (under gate).
    private int answeredInInterval;
    private double setupSecondsInInterval;
    private double queueDelaySecondsInInterval;
    private int invitesInInterval;
    private long intervalStart;
    private int sourcesLastInterval;

    // Throttle (under gate): null = not throttled.
    private double? rateLimit;
    private int congestedIntervals;
    private readonly double[] answeredRates = new double[10];
    private int answeredRateIndex;

    /// <summary>Consecutive congested intervals before the throttle acts: one interval's spike (a GC, a busy neighbour) is not overload.</summary>
    internal const int CongestedIntervalsToAct = 2;
    private RefusalReason congestion = RefusalReason.SetupTime;
    private long lastCongested;

    // Episode (under gate).
    private bool overloaded;
    private RefusalReason? lastReason;
    private long lastRefusal;
    private long refusedThisSurge;
    private DateTimeOffset since;
    private long lastPublished;
    private long shedSeen;

    public AdmissionController(AdmissionOptions options, AdmissionSignals signals, TimeProvider time, ILogger<AdmissionController> logger)
    {
        this.options = options;
        this.signals = signals;
        this.time = time;
        this.logger = logger;
        intervalStart = time.GetTimestamp();
        since = time.GetUtcNow();
    }

    /// <summary>Raised (outside the lock) when overload begins or ends, and about once a second while it lasts (refused count).</summary>
    public event Action<AdmissionStatus>? StatusChanged;

    public AdmissionOptions Options => options;

    public long Offered => Interlocked.Read(ref offered);

    public long Admitted => Interlocked.Read(ref admitted);

    public int CallsInSetup => Volatile.Read(ref callsInSetup);

    /// <summary>Calls refused for <paramref name="reason"/> since start.</summary>
    public long RefusedFor(RefusalReason reason) => Interlocked.Read(ref refusedBy[(int)reason]);

    public AdmissionStatus Status
    {
        get
        {
            lock (gate)
            {
                return StatusLocked();
            }
        }
    }

    /// <summary>Starts the evaluation timer.</summary>
    public void Start() => timer ??= time.CreateTimer(_ => Evaluate(), null, options.EvaluationInterval, options.EvaluationInterval);

    /// <summary>
    /// Decides on a new call from <paramref name="source"/> whose INVITE waited <paramref name="queueDelay"/> in the SIP
    /// receive thread, with <paramref name="queuedBehind"/> new INVITEs still waiting there, and arrived at
    /// <paramref name="receivedTimestamp"/> (0: now). Returns the call's ticket (complete it when the call is answered or
    /// ends), or null with the reason it was refused.
    /// </summary>
    public AdmissionTicket? TryAdmit(IPAddress source, TimeSpan queueDelay, int queuedBehind, long receivedTimestamp, out RefusalReason reason)
    {
        Interlocked.Increment(ref offered);
        var now = time.GetTimestamp();
        AdmissionStatus? began = null;
        bool refused;
        lock (gate)
        {
            queueDelaySecondsInInterval += queueDelay.TotalSeconds;
            invitesInInterval++;

            refused = Refuses(source, queueDelay, queuedBehind, now, out reason);
            if (refused)
            {
                began = RecordRefusalLocked(reason, now);
            }
        }

        Announce(began, reason);

        if (refused)
        {
            return null;
        }

        Interlocked.Increment(ref admitted);
        Interlocked.Increment(ref callsInSetup);
        return new AdmissionTicket(this, receivedTimestamp == 0 ? now : receivedTimestamp);
    }

    /// <summary>
    /// The cheap early decision, on the SIP receive thread before any transaction exists: false when the throttle would refuse a
    /// new call from <paramref name="source"/> now (its part of the admitted rate is used up); the call is then counted as offered
    /// and refused, and the stack answers 503 at once. True leaves the full decision (<see cref="TryAdmit"/>) to the application.
    /// </summary>
    public bool MayAdmit(IPAddress source)
    {
        if (!options.Enabled)
        {
            return true;
        }

        var now = time.GetTimestamp();
        AdmissionStatus? began;
        RefusalReason reason;
        lock (gate)
        {
            if (rateLimit is not { } limit || TokensFor(Share(source, now), limit, now) >= 1)
            {
                return true;
            }

            reason = Math.Max(sourcesLastInterval, sourcesThisInterval) > 1 ? RefusalReason.FairShare : congestion;
            Interlocked.Increment(ref offered);
            began = RecordRefusalLocked(reason, now);
        }

        Announce(began, reason);
        return false;
    }

    private AdmissionStatus? RecordRefusalLocked(RefusalReason reason, long now)
    {
        Interlocked.Increment(ref refusedBy[(int)reason]);
        lastRefusal = now;
        lastReason = reason;
        refusedThisSurge++;
        if (overloaded)
        {
            return null;
        }

        overloaded = true;
        refusedThisSurge = 1;
        since = time.GetUtcNow();
        lastPublished = now;
        return StatusLocked();
    }

    private void Announce(AdmissionStatus? began, RefusalReason reason)
    {
        if (began is null)
        {
            return;
        }

        logger.LogWarning("Overload: refusing new calls with 503 ({Reason}; admitting up to {Rate} calls/s, {InSetup} calls in set-up)",
            Describe(reason), began.RateLimit is { } r ? Math.Round(r).ToString(System.Globalization.CultureInfo.InvariantCulture) : "no throttle", CallsInSetup);
        StatusChanged?.Invoke(began);
    }

    /// <summary>The source's tokens now (its part of the throttled rate refilled since it last took one).</summary>
    private double TokensFor(SourceShare share, double limit, long now)
    {
        var active = Math.Max(sourcesLastInterval, sourcesThisInterval);
        var rate = limit / active;
        var cap = Math.Max(1, rate * options.EvaluationInterval.TotalSeconds);
        share.Tokens = Math.Min(cap, share.Tokens + (time.GetElapsedTime(share.TokensAt, now).TotalSeconds * rate));
        share.TokensAt = now;
        return share.Tokens;
    }

    private bool Refuses(IPAddress source, TimeSpan queueDelay, int queuedBehind, long now, out RefusalReason reason)
    {
        reason = default;
        if (!options.Enabled)
        {
            return false;
        }

        // A backlog of new INVITEs that waited this long: refuse at once (one slow INVITE alone, a pause of the process, is not).
        if (queueDelay > options.MaxSipQueueDelay && queuedBehind > 0)
        {
            reason = RefusalReason.SipQueue;
            return true;
        }

        if (options.MaxLiveCalls > 0 && signals.LiveCalls() >= options.MaxLiveCalls)
        {
            reason = RefusalReason.LiveCalls;
            return true;
        }

        if (Volatile.Read(ref callsInSetup) >= options.MaxCallsInSetup)
        {
            reason = RefusalReason.CallsInSetup;
            return true;
        }

        var share = Share(source, now);
        if (rateLimit is not { } limit)
        {
            return false;
        }

        // Throttled: each source that offered calls lately gets an equal part of the admitted rate (its own token bucket), so
        // one flooding source cannot take the capacity of the others.
        if (TokensFor(share, limit, now) < 1)
        {
            reason = Math.Max(sourcesLastInterval, sourcesThisInterval) > 1 ? RefusalReason.FairShare : congestion;
            return true;
        }

        share.Tokens -= 1;
        return false;
    }

    private sealed class SourceShare
    {
        public double Tokens;
        public long TokensAt;
        public bool SeenThisInterval;
    }

    private SourceShare Share(IPAddress source, long now)
    {
        if (!sources.TryGetValue(source, out var share))
        {
            // A source new to the throttle may place one call at once; then it earns its share.
            share = new SourceShare { Tokens = 1, TokensAt = now };
            sources[source] = share;
        }

        if (!share.SeenThisInterval)
        {
            share.SeenThisInterval = true;
            sourcesThisInterval++;
        }

        return share;
    }

    /// <summary>An admitted call was answered (200 OK sent) or ended before: it leaves set-up.</summary>
    internal void Complete(long receivedTimestamp, bool answered)
    {
        Interlocked.Decrement(ref callsInSetup);
        if (!answered)
        {
            return;
        }

        var setup = time.GetElapsedTime(receivedTimestamp).TotalSeconds;
        lock (gate)
        {
            answeredInInterval++;
            setupSecondsInInterval += setup;
        }
    }

    /// <summary>Reads the measurements and adjusts the throttle (the timer calls it every <see cref="AdmissionOptions.EvaluationInterval"/>).</summary>
    internal void Evaluate()
    {
        var poolQueue = signals.ThreadPoolQueue();
        var busInFlight = signals.BusPublishesInFlight();
        var mediaLag = signals.MediaClockLag();
        var shedTotal = signals.SipInvitesShed();
        var now = time.GetTimestamp();
        AdmissionStatus? changed = null;
        var ended = false;
        var began = false;
        lock (gate)
        {
            if (shedTotal > shedSeen)
            {
                // The stack refused these itself (its queue was full): they count as offered and refused, and as overload.
                var shed = shedTotal - shedSeen;
                shedSeen = shedTotal;
                Interlocked.Add(ref offered, shed);
                Interlocked.Add(ref refusedBy[(int)RefusalReason.SipQueueFull], shed);
                lastRefusal = now;
                lastReason = RefusalReason.SipQueueFull;
                if (!overloaded)
                {
                    overloaded = true;
                    began = true;
                    refusedThisSurge = 0;
                    since = time.GetUtcNow();
                    lastPublished = now;
                }

                refusedThisSurge += shed;
            }

            var seconds = Math.Max(time.GetElapsedTime(intervalStart, now).TotalSeconds, 1e-3);
            answeredRates[answeredRateIndex] = answeredInInterval / seconds;
            answeredRateIndex = (answeredRateIndex + 1) % answeredRates.Length;
            // What the gateway proved it can serve lately: the best answered rate of the last ten intervals.
            var answeredRate = answeredRates.Max();
            var setupAverage = answeredInInterval > 0 ? TimeSpan.FromSeconds(setupSecondsInInterval / answeredInInterval) : TimeSpan.Zero;
            RefusalReason? congested =
                setupAverage > options.TargetSetupTime ? RefusalReason.SetupTime
                : invitesInInterval > 0 && TimeSpan.FromSeconds(queueDelaySecondsInInterval / invitesInInterval) > options.MaxSipQueueDelay / 2
                    ? RefusalReason.SipQueue
                : poolQueue > options.MaxThreadPoolQueue ? RefusalReason.ThreadPool
                : busInFlight > options.MaxBusPublishesInFlight ? RefusalReason.Bus
                : mediaLag > options.MaxMediaClockLag ? RefusalReason.Media
                : null;
            congestedIntervals = congested is null ? 0 : congestedIntervals + 1;
            if (options.Enabled && congested is { } why && congestedIntervals >= CongestedIntervalsToAct)
            {
                // Multiplicative decrease from what the gateway proved it can serve: the rate calls were answered at.
                var basis = Math.Min(rateLimit ?? double.MaxValue, answeredRate);
                var start = rateLimit is null;
                rateLimit = Math.Max(options.MinAdmissionRate, basis * 0.9);
                if (start)
                {
                    foreach (var share in sources.Values)
                    {
                        share.Tokens = 0;
                        share.TokensAt = now;
                    }
                }

                congestion = why == RefusalReason.SipQueue ? RefusalReason.SipQueue : why;
                lastCongested = now;
            }
            else if (congested is null && rateLimit is { } limit)
            {
                var quiet = options.RecoveryQuietTime;
                rateLimit = time.GetElapsedTime(lastCongested, now) >= quiet && time.GetElapsedTime(lastRefusal, now) >= quiet
                    ? null
                    : limit + Math.Max(options.MinAdmissionRate * 0.1, limit * 0.1);
            }

            if (began)
            {
                changed = StatusLocked();
            }
            else if (overloaded && time.GetElapsedTime(lastRefusal, now) >= options.RecoveryQuietTime)
            {
                overloaded = false;
                ended = true;
                changed = StatusLocked();
                changed = changed with { RefusedThisSurge = refusedThisSurge };
            }
            else if (overloaded && time.GetElapsedTime(lastPublished, now) >= TimeSpan.FromSeconds(1))
            {
                lastPublished = now;
                changed = StatusLocked();
            }

            sourcesLastInterval = Math.Max(1, sourcesThisInterval);
            sourcesThisInterval = 0;
            List<IPAddress>? gone = null;
            foreach (var (address, share) in sources)
            {
                if (!share.SeenThisInterval)
                {
                    (gone ??= []).Add(address);
                }

                share.SeenThisInterval = false;
            }

            gone?.ForEach(address => sources.Remove(address));
            answeredInInterval = 0;
            setupSecondsInInterval = 0;
            queueDelaySecondsInInterval = 0;
            invitesInInterval = 0;
            intervalStart = now;
        }

        if (changed is null)
        {
            return;
        }

        if (began)
        {
            logger.LogWarning("Overload: refusing new calls with 503 ({Reason}; {InSetup} calls in set-up)", Describe(RefusalReason.SipQueueFull), CallsInSetup);
        }
        else if (ended)
        {
            logger.LogInformation("Overload over: admitting new calls again ({Refused} refused during the surge)", changed.RefusedThisSurge);
        }

        StatusChanged?.Invoke(changed);
    }

    private AdmissionStatus StatusLocked() => new(overloaded, overloaded ? lastReason : null, refusedThisSurge, rateLimit, since);

    /// <summary>The label of a reason in /metrics and the logs.</summary>
    public static string Describe(RefusalReason reason) => reason switch
    {
        RefusalReason.SipQueue => "sip-queue",
        RefusalReason.SipQueueFull => "sip-queue-full",
        RefusalReason.CallsInSetup => "calls-in-setup",
        RefusalReason.LiveCalls => "live-calls",
        RefusalReason.SetupTime => "setup-time",
        RefusalReason.ThreadPool => "thread-pool",
        RefusalReason.Bus => "bus",
        RefusalReason.Media => "media",
        RefusalReason.FairShare => "fair-share",
        _ => reason.ToString(),
    };

    public void Dispose() => timer?.Dispose();
}

/// <summary>An admitted call in set-up: complete it once, when the call is answered or ends unanswered.</summary>
internal sealed class AdmissionTicket(AdmissionController controller, long receivedTimestamp)
{
    private int done;

    public void Answered()
    {
        if (Interlocked.Exchange(ref done, 1) == 0)
        {
            controller.Complete(receivedTimestamp, answered: true);
        }
    }

    public void Ended()
    {
        if (Interlocked.Exchange(ref done, 1) == 0)
        {
            controller.Complete(receivedTimestamp, answered: false);
        }
    }
}
