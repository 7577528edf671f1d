using System.Collections.Concurrent;
using System.Net;
using ContactCenter.Media.Dtls;
using Microsoft.Extensions.Logging;

namespace ContactCenter.Media.Sessions;

/// <summary>
/// The media engine of one gateway: RTP sessions on the configured port range, RTP received by
/// a few epoll threads (<see cref="RtpIoLoop"/>) that also relay bridged packets, a 20 ms pacing
/// clock per core (sessions spread over them), one housekeeping timer (media timeouts, RTCP, lost DTMF ends) and the
/// bridges. Thread-safe; one instance serves every call.
/// </summary>
public sealed class MediaEngine : IMediaEngine, IAsyncDisposable
{
    private static readonly TimeSpan HousekeepingPeriod = TimeSpan.FromMilliseconds(100);

    /// <summary>Interrupt moderation of the RTP threads (see <see cref="RtpIoLoop.TryCreate"/>): well under the 1 ms added-latency budget.</summary>
    internal static readonly TimeSpan DefaultIoBatchPause = TimeSpan.FromMicroseconds(200);

    private readonly ILoggerFactory loggerFactory;
    private readonly ILogger<MediaEngine> logger;
    private readonly PortAllocator ports;
    private readonly ConcurrentDictionary<MediaSession, byte> sessions = new();
    private readonly Lock bridgeGate = new();
    private readonly Lock totalsGate = new();
    private readonly ITimer housekeeping;
    private readonly Lazy<DtlsCertificate> certificate;
    private int disposed;
    private int nextClock;
    private MediaPacketTotals retired;

    /// <summary>Creates the engine; throws <see cref="ArgumentException"/> naming the bad setting.</summary>
    public MediaEngine(MediaOptions options, TimeProvider timeProvider, ILoggerFactory loggerFactory)
        : this(options, timeProvider, loggerFactory, runClock: true)
    {
    }

    internal MediaEngine(MediaOptions options, TimeProvider timeProvider, ILoggerFactory loggerFactory, bool runClock, bool useEpoll = true, TimeSpan? ioBatchPause = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        IReadOnlyList<string> errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", errors), nameof(options));
        }

        Options = options;
        Time = timeProvider;
        this.loggerFactory = loggerFactory;
        logger = loggerFactory.CreateLogger<MediaEngine>();
        ports = new PortAllocator(IPAddress.Parse(options.BindAddress), options.PortRangeStart, options.PortRangeEnd);
        // One pacing clock per core (at most four): sessions are spread over them, so playback of
        // many calls uses every core, and each clock's 20 ms grid starts at its own moment.
        Clocks = new MediaClock[Math.Clamp(Environment.ProcessorCount, 1, 4)];
        for (int i = 0; i < Clocks.Length; i++)
        {
            Clocks[i] = new MediaClock(timeProvider, loggerFactory.CreateLogger<MediaClock>(), $"media-clock-{i}");
            if (runClock)
            {
                Clocks[i].Start();
            }
        }

        if (useEpoll)
        {
            IoLoop = RtpIoLoop.TryCreate(Math.Min(Environment.ProcessorCount, 4), ioBatchPause ?? DefaultIoBatchPause, loggerFactory.CreateLogger<RtpIoLoop>());
        }

        certificate = new Lazy<DtlsCertificate>(() => DtlsCertificate.Generate(timeProvider), LazyThreadSafetyMode.ExecutionAndPublication);
        housekeeping = timeProvider.CreateTimer(_ => Housekeep(), null, HousekeepingPeriod, HousekeepingPeriod);
    }

    /// <summary>Sessions open now.</summary>
    public int SessionCount => sessions.Count;

    /// <summary>
    /// How late the busiest pacing clock woke for its last 20 ms tick (prompt playback, relay pacing): queueing in the media
    /// threads, which a gateway's overload control reads.
    /// </summary>
    public TimeSpan ClockLag
    {
        get
        {
            var worst = TimeSpan.Zero;
            foreach (var clock in Clocks)
            {
                var late = clock.Lateness;
                if (late > worst)
                {
                    worst = late;
                }
            }
            return worst;
        }
    }

    /// <summary>
    /// RTP packets received, sent and lost (RFC 3550 cumulative loss) by every session since the engine started, closed
    /// sessions included; for metrics. Walks the open sessions, so read it at scrape rate, not per packet.
    /// </summary>
    public MediaPacketTotals GetPacketTotals()
    {
        lock (totalsGate)
        {
            MediaPacketTotals totals = retired;
            foreach (MediaSession session in sessions.Keys)
            {
                totals += session.PacketCounters();
            }

            return totals;
        }
    }

    internal MediaOptions Options { get; }

    internal TimeProvider Time { get; }

    /// <summary>The first pacing clock (call recorders tick on it).</summary>
    internal MediaClock Clock => Clocks[0];

    internal MediaClock[] Clocks { get; }

    /// <summary>Ticks skipped by every clock (starvation), for statistics and the load benchmark.</summary>
    internal long ClockTicksSkipped => Clocks.Sum(c => c.TicksSkipped);

    internal PromptCache Prompts { get; } = new();

    /// <summary>The epoll RTP receive threads; null where unsupported (sessions then use async receives).</summary>
    internal RtpIoLoop? IoLoop { get; }

    /// <inheritdoc />
    public string DtlsFingerprint => certificate.Value.Fingerprint.ToString();

    /// <summary>The process's DTLS certificate.</summary>
    internal DtlsCertificate DtlsCertificate => certificate.Value;

    /// <inheritdoc />
    public IMediaSession CreateSession(string id) => CreateSession(id, new MediaLegOptions());

    /// <inheritdoc />
    public IMediaSession CreateSession(string id, MediaLegOptions options)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        ArgumentNullException.ThrowIfNull(options);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref disposed) != 0, this);
        var (rtp, rtcp, port) = ports.Allocate();
        var session = new MediaSession(this, id, rtp, rtcp, port, loggerFactory.CreateLogger<MediaSession>(), options.IceLite);
        sessions.TryAdd(session, 0);
        session.Start();
        return session;
    }

    /// <inheritdoc />
    public IMediaBridge Bridge(IMediaSession caller, IMediaSession agent)
    {
        if (caller is not MediaSession callerLeg || agent is not MediaSession agentLeg || !sessions.ContainsKey(callerLeg) || !sessions.ContainsKey(agentLeg))
        {
            throw new ArgumentException("Both legs must be open sessions of this engine.");
        }

        if (callerLeg == agentLeg)
        {
            throw new ArgumentException("A leg cannot be bridged to itself.");
        }

        MediaBridge bridge;
        lock (bridgeGate)
        {
            if (callerLeg.Bridge is not null || agentLeg.Bridge is not null)
            {
                throw new InvalidOperationException($"Leg {(callerLeg.Bridge is not null ? callerLeg.Id : agentLeg.Id)} is already bridged.");
            }

            bridge = new MediaBridge(this, callerLeg, agentLeg, loggerFactory.CreateLogger<MediaBridge>());
            callerLeg.Bridge = bridge;
            agentLeg.Bridge = bridge;
        }

        callerLeg.StopPlayback();
        agentLeg.StopPlayback();
        return bridge;
    }

    /// <summary>A leg joins <paramref name="bridge"/> (its mix); throws when it is not an open session or is bridged already.</summary>
    internal void Attach(MediaSession leg, MediaBridge bridge)
    {
        if (!sessions.ContainsKey(leg))
        {
            throw new ArgumentException($"Leg {leg.Id} is not an open session of this engine.", nameof(leg));
        }

        lock (bridgeGate)
        {
            if (leg.Bridge is not null)
            {
                throw new InvalidOperationException($"Leg {leg.Id} is already bridged.");
            }

            leg.Bridge = bridge;
        }
    }

    /// <summary>A leg left <paramref name="bridge"/>.</summary>
    internal void Detach(MediaSession leg, MediaBridge bridge)
    {
        lock (bridgeGate)
        {
            if (leg.Bridge == bridge)
            {
                leg.Bridge = null;
            }
        }
    }

    internal void Unbridge(MediaBridge bridge)
    {
        lock (bridgeGate)
        {
            foreach (MediaSession session in bridge.MemberLegs())
            {
                if (session.Bridge == bridge)
                {
                    session.Bridge = null;
                }
            }
        }
    }

    /// <summary>The clock for a new session, round-robin.</summary>
    internal MediaClock NextClock() => Clocks[(int)((uint)Interlocked.Increment(ref nextClock) % (uint)Clocks.Length)];

    internal void Remove(MediaSession session)
    {
        bool removed;
        lock (totalsGate)
        {
            // Under the totals' lock, so a scrape counts a closing session exactly once (open or retired).
            removed = sessions.TryRemove(session, out _);
            if (removed)
            {
                retired += session.PacketCounters();
            }
        }

        if (removed)
        {
            ports.Release(session.LocalPort);
        }
    }

    /// <summary>One housekeeping pass over every session (the timer calls it every 100 ms).</summary>
    internal void Housekeep()
    {
        foreach (MediaSession session in sessions.Keys)
        {
            try
            {
                session.Housekeep();
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "Media housekeeping failed for session {Id}.", session.Id);
            }
        }
    }

    /// <summary>Closes every session and stops the clock.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }

        await housekeeping.DisposeAsync().ConfigureAwait(false);
        foreach (MediaSession session in sessions.Keys)
        {
            await session.DisposeAsync().ConfigureAwait(false);
        }

        foreach (MediaClock clock in Clocks)
        {
            clock.Dispose();
        }

        IoLoop?.Dispose();
    }
}

/// <summary>RTP packet counters summed over a media engine's sessions (<see cref="MediaEngine.GetPacketTotals"/>).</summary>
public readonly record struct MediaPacketTotals(long Received, long Sent, long Lost)
{
    public static MediaPacketTotals operator +(MediaPacketTotals a, MediaPacketTotals b) =>
        new(a.Received + b.Received, a.Sent + b.Sent, a.Lost + b.Lost);
}
