using ContactCenter.Media.Codecs;
using ContactCenter.Media.Rtp;
using ContactCenter.Media.Sessions;

namespace ContactCenter.Media.Mixing;

/// <summary>
/// A bridge's mix matrix while it has more than two legs (ADR 0016). The bridge hands it every audio packet from every
/// leg (on that leg's receive thread): a listener that hears only that source gets the packet relayed at once, as the
/// plain bridge does; a source some mixing listener hears is decoded into its <see cref="PcmJitterBuffer"/>. Every
/// 20 ms the clock tick takes one frame from each such source and, for each listener that hears two or more, sums
/// the frames it hears (int, then saturated to 16 bits) and sends the sum encoded in the listener's codec
/// (<see cref="RtpStream.SendMixedAudio"/>; a browser leg's Opus edge encodes it on the way out). The plan (who hears
/// whom) is an immutable snapshot swapped in whole, so a mode switch never shows a half-changed matrix. Nothing is
/// allocated per packet or per tick.
/// </summary>
internal sealed class BridgeMixer : IClockClient
{
    /// <summary>Legs a bridge may have (the matrix is a bit mask per listener).</summary>
    internal const int MaxLegs = 16;

    private const int Frame = PcmJitterBuffer.Frame;

    private readonly MediaClock clock;
    private readonly int[] sum = new int[Frame];
    private readonly short[] output = new short[Frame];
    private readonly Lock gate = new();
    private MixPlan plan;
    private bool registered;
    private bool disposed;

    public BridgeMixer(MediaClock clock, MixPlan plan)
    {
        this.clock = clock;
        this.plan = plan;
        Apply(plan);
    }

    /// <summary>The plan in force.</summary>
    public MixPlan Plan => Volatile.Read(ref plan);

    /// <summary>Mixed frames sent (all listeners; for tests and statistics).</summary>
    public long FramesMixed { get; private set; }

    /// <summary>Swaps in a new plan (sources newly mixed start from an empty buffer).</summary>
    public void Apply(MixPlan next)
    {
        lock (gate)
        {
            MixPlan previous = Volatile.Read(ref plan);
            for (int i = 0; i < next.Legs.Length; i++)
            {
                int before = previous.IndexOf(next.Legs[i].Session);
                if (next.FeedsMix[i] && (before < 0 || !previous.FeedsMix[before] || ReferenceEquals(previous, next)))
                {
                    next.Legs[i].Buffer.Clear();
                }
            }

            Volatile.Write(ref plan, next);
            bool wanted = next.AnyMixed && !disposed;
            if (wanted && !registered)
            {
                clock.Register(this);
            }
            else if (!wanted && registered)
            {
                clock.Unregister(this);
            }

            registered = wanted;
        }
    }

    /// <summary>An audio packet from <paramref name="from"/>, on its receive thread: relayed to single-source listeners, buffered for the mix.</summary>
    public void OnAudio(MediaSession from, AudioCodec codec, in RtpHeader header, ReadOnlySpan<byte> payload, CallRecorder? recorder)
    {
        MixPlan current = Volatile.Read(ref plan);
        int index = current.IndexOf(from);
        if (index < 0)
        {
            return;
        }

        int channel = current.RecordChannel[index];
        if (channel >= 0)
        {
            recorder?.Write(channel, payload, codec);
        }

        MixLeg[] legs = current.Legs;
        if (current.FeedsMix[index])
        {
            legs[index].Buffer.Write(payload, codec);
        }

        int[] relayFrom = current.RelayFrom;
        for (int listener = 0; listener < legs.Length; listener++)
        {
            if (relayFrom[listener] == index)
            {
                legs[listener].Stream.RelayAudio(header, payload, codec);
            }
        }
    }

    /// <summary>One 20 ms frame (on the clock's thread): each mixed source's frame, then each mixing listener's sum.</summary>
    public void OnTick(long now)
    {
        MixPlan current = Volatile.Read(ref plan);
        MixLeg[] legs = current.Legs;
        for (int i = 0; i < legs.Length; i++)
        {
            if (current.FeedsMix[i])
            {
                legs[i].HasAudio = legs[i].Buffer.ReadFrame(legs[i].Frame);
            }
        }

        Span<int> total = sum;
        Span<short> mixed = output;
        for (int listener = 0; listener < legs.Length; listener++)
        {
            if (!current.Mixed[listener])
            {
                continue;
            }

            total.Clear();
            int hears = current.Hears[listener];
            for (int source = 0; source < legs.Length; source++)
            {
                if ((hears & (1 << source)) == 0 || !legs[source].HasAudio)
                {
                    continue;
                }

                ReadOnlySpan<short> frame = legs[source].Frame;
                for (int s = 0; s < Frame; s++)
                {
                    total[s] += frame[s];
                }
            }

            for (int s = 0; s < Frame; s++)
            {
                mixed[s] = (short)Math.Clamp(total[s], short.MinValue, short.MaxValue);
            }

            legs[listener].Stream.SendMixedAudio(mixed);
            FramesMixed++;
        }
    }

    /// <summary>Stops ticking.</summary>
    public void Stop()
    {
        lock (gate)
        {
            disposed = true;
            if (registered)
            {
                clock.Unregister(this);
                registered = false;
            }
        }
    }
}

/// <summary>One leg as the mixer sees it: its stream (what it is sent), its decoded input, and the frame taken this tick.</summary>
internal sealed class MixLeg(MediaSession session)
{
    public MediaSession Session { get; } = session;

    public RtpStream Stream { get; } = session.Stream;

    public PcmJitterBuffer Buffer { get; } = new();

    public short[] Frame { get; } = new short[PcmJitterBuffer.Frame];

    /// <summary>Whether <see cref="Frame"/> holds audio this tick (clock thread only).</summary>
    public bool HasAudio { get; set; }
}

/// <summary>
/// Who hears whom, as arrays indexed by leg (immutable once built): the sources each listener hears (bit mask), the one
/// source relayed to a listener that hears exactly one (else -1), whether a listener is mixed (hears two or more),
/// whether a source feeds some mix, and the recording channel a source's audio goes to (-1: not recorded).
/// </summary>
internal sealed class MixPlan
{
    private MixPlan(MixLeg[] legs, int[] hears, int[] recordChannel)
    {
        Legs = legs;
        Hears = hears;
        RecordChannel = recordChannel;
        RelayFrom = new int[legs.Length];
        Mixed = new bool[legs.Length];
        FeedsMix = new bool[legs.Length];
        for (int listener = 0; listener < legs.Length; listener++)
        {
            int count = System.Numerics.BitOperations.PopCount((uint)hears[listener]);
            RelayFrom[listener] = count == 1 ? System.Numerics.BitOperations.TrailingZeroCount(hears[listener]) : -1;
            Mixed[listener] = count > 1;
            if (count > 1)
            {
                AnyMixed = true;
                for (int source = 0; source < legs.Length; source++)
                {
                    FeedsMix[source] |= (hears[listener] & (1 << source)) != 0;
                }
            }
        }
    }

    public MixLeg[] Legs { get; }

    public int[] Hears { get; }

    public int[] RelayFrom { get; }

    public bool[] Mixed { get; }

    public bool[] FeedsMix { get; }

    public int[] RecordChannel { get; }

    public bool AnyMixed { get; }

    /// <summary>
    /// A plan for <paramref name="legs"/> (their order is the index) from <paramref name="matrix"/>. The recording: the
    /// caller's leg on channel 0, the agent's on channel 1 (as without mixing), any other leg mixed into the agent's side
    /// (channel 2 of <see cref="CallRecorder"/>) only while the caller hears it — so listening and whispering leave the
    /// recording as it was, and a leg barged in (or one that took over) is recorded.
    /// </summary>
    public static MixPlan Build(MixLeg[] legs, MixMatrix matrix, MediaSession caller, MediaSession? agent)
    {
        var hears = new int[legs.Length];
        foreach ((IMediaSession listener, IMediaSession source) in matrix.Pairs)
        {
            int l = IndexOf(legs, listener);
            int s = IndexOf(legs, source);
            if (l < 0 || s < 0)
            {
                throw new ArgumentException($"The mix names leg {(l < 0 ? ((MediaSession)listener).Id : ((MediaSession)source).Id)}, which is not on this bridge.", nameof(matrix));
            }

            hears[l] |= 1 << s;
        }

        int callerIndex = IndexOf(legs, caller);
        var record = new int[legs.Length];
        for (int i = 0; i < legs.Length; i++)
        {
            MediaSession leg = legs[i].Session;
            record[i] = leg == caller ? 0
                : leg == agent ? 1
                : callerIndex >= 0 && (hears[callerIndex] & (1 << i)) != 0 ? 2
                : -1;
        }

        return new MixPlan(legs, hears, record);
    }

    public int IndexOf(MediaSession session)
    {
        MixLeg[] legs = Legs;
        for (int i = 0; i < legs.Length; i++)
        {
            if (legs[i].Session == session)
            {
                return i;
            }
        }

        return -1;
    }

    private static int IndexOf(MixLeg[] legs, IMediaSession session)
    {
        for (int i = 0; i < legs.Length; i++)
        {
            if (ReferenceEquals(legs[i].Session, session))
            {
                return i;
            }
        }

        return -1;
    }
}
