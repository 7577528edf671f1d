namespace ContactCenter.Media.Rtp;

/// <summary>
/// Per-source reception state of RFC 3550 Appendix A.1 (sequence validation), A.3 (loss) and
/// A.8 (interarrival jitter), and what an RTCP report block needs.
/// </summary>
internal sealed class ReceiveStatistics
{
    private const int MaxDropout = 3000;
    private const int MaxMisorder = 100;
    private const int SequenceModulus = 1 << 16;

    private bool initialised;
    private ushort maxSeq;
    private uint cycles;
    private uint baseSeq;
    private uint badSeq = SequenceModulus + 1;
    private long received;
    private long expectedPrior;
    private long receivedPrior;
    private long lastTransit;
    private double jitter;

    public uint Ssrc { get; private set; }

    public long PacketsReceived => received;

    public uint Jitter => (uint)jitter;

    public uint ExtendedHighestSequence => cycles + maxSeq;

    public long CumulativeLost => initialised ? Math.Max(0, (long)ExtendedHighestSequence - baseSeq + 1 - received) : 0;

    /// <summary>Accounts one packet; <paramref name="arrival"/> is the arrival time in RTP clock units.</summary>
    public void Update(uint ssrc, ushort seq, uint timestamp, long arrival)
    {
        if (!initialised || ssrc != Ssrc)
        {
            Ssrc = ssrc;
            Init(seq);
            initialised = true;
            received = 1;
            lastTransit = arrival - timestamp;
            jitter = 0;
            return;
        }

        ushort delta = (ushort)(seq - maxSeq);
        if (delta < MaxDropout)
        {
            if (seq < maxSeq)
            {
                cycles += SequenceModulus;
            }

            maxSeq = seq;
        }
        else if (delta <= SequenceModulus - MaxMisorder)
        {
            if (seq == badSeq)
            {
                // Two sequential packets after a big jump: the source restarted (RFC 3550 A.1).
                Init(seq);
            }
            else
            {
                badSeq = (uint)((seq + 1) & (SequenceModulus - 1));
                return;
            }
        }

        received++;
        long transit = arrival - timestamp;
        if (received > 1)
        {
            long d = Math.Abs(transit - lastTransit);
            jitter += (d - jitter) / 16.0;
        }

        lastTransit = transit;
    }

    /// <summary>Builds a report block and advances the interval counters (RFC 3550 A.3).</summary>
    public RtcpReportBlock BuildReport(uint lastSenderReport, uint delaySinceLastSenderReport)
    {
        long expected = (long)ExtendedHighestSequence - baseSeq + 1;
        long expectedInterval = expected - expectedPrior;
        long receivedInterval = received - receivedPrior;
        expectedPrior = expected;
        receivedPrior = received;
        long lostInterval = expectedInterval - receivedInterval;
        byte fraction = expectedInterval == 0 || lostInterval <= 0 ? (byte)0 : (byte)((lostInterval << 8) / expectedInterval);
        return new RtcpReportBlock(
            Ssrc,
            fraction,
            (int)Math.Min(CumulativeLost, 0x7FFFFF),
            ExtendedHighestSequence,
            Jitter,
            lastSenderReport,
            delaySinceLastSenderReport);
    }

    private void Init(ushort seq)
    {
        baseSeq = seq;
        maxSeq = seq;
        badSeq = SequenceModulus + 1;
        cycles = 0;
        received = 0;
        receivedPrior = 0;
        expectedPrior = 0;
    }
}
