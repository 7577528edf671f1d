namespace ContactCenter.Media.Srtp;

/// <summary>
/// Per-SSRC state of one half of a crypto context: the highest packet index (48-bit for SRTP: ROC
/// and sequence number; 31-bit for SRTCP), the 64-entry replay window behind it (RFC 3711 §3.3.2),
/// and for a sender the next SRTCP index. A small array searched linearly: a leg has one or two SSRCs.
/// </summary>
internal sealed class SrtpSourceTable
{
    /// <summary>Size of the replay window in packets.</summary>
    public const int WindowSize = 64;

    private readonly Source[] sources;
    private int count;

    public SrtpSourceTable(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        sources = new Source[capacity];
    }

    /// <summary>The slot of <paramref name="ssrc"/>, or -1.</summary>
    public int Find(uint ssrc)
    {
        for (int i = 0; i < count; i++)
        {
            if (sources[i].Ssrc == ssrc)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Whether a new source would fit.</summary>
    public bool HasRoom => count < sources.Length;

    /// <summary>Adds <paramref name="ssrc"/> whose first index is <paramref name="index"/>; returns its slot.</summary>
    public int Add(uint ssrc, ulong index)
    {
        if (count == sources.Length)
        {
            throw new InvalidOperationException("The SRTP context follows its maximum number of SSRCs.");
        }

        sources[count] = new Source { Ssrc = ssrc, Highest = index, Window = 1 };
        return count++;
    }

    /// <summary>The source in <paramref name="slot"/>.</summary>
    public ref Source this[int slot] => ref sources[slot];

    internal struct Source
    {
        public uint Ssrc;

        /// <summary>The highest index authenticated so far.</summary>
        public ulong Highest;

        /// <summary>Bit i set: index Highest - i was received.</summary>
        public ulong Window;

        /// <summary>Sender side: the SRTCP index of the next packet.</summary>
        public uint NextRtcpIndex;

        /// <summary>RFC 3711 §3.3.2: Ok for a new index, Replayed or TooOld otherwise.</summary>
        public readonly SrtpStatus Check(ulong index)
        {
            if (index > Highest)
            {
                return SrtpStatus.Ok;
            }

            ulong behind = Highest - index;
            if (behind >= WindowSize)
            {
                return SrtpStatus.TooOld;
            }

            return (Window & (1UL << (int)behind)) != 0 ? SrtpStatus.Replayed : SrtpStatus.Ok;
        }

        /// <summary>Records an authenticated index.</summary>
        public void Accept(ulong index)
        {
            if (index > Highest)
            {
                ulong ahead = index - Highest;
                Window = ahead >= WindowSize ? 1 : (Window << (int)ahead) | 1;
                Highest = index;
            }
            else
            {
                Window |= 1UL << (int)(Highest - index);
            }
        }

        /// <summary>
        /// The 48-bit index of sequence number <paramref name="seq"/> (RFC 3711 Appendix A): the
        /// rollover counter guessed from the highest index so far, so that a packet from just before
        /// or just after a wrap gets the right one. -1 when it would be from before the first rollover.
        /// </summary>
        public readonly long EstimateIndex(ushort seq)
        {
            ulong roc = Highest >> 16;
            int last = (int)(Highest & 0xFFFF);
            long v = (long)roc;
            if (last < 32768)
            {
                if (seq - last > 32768)
                {
                    v = (long)roc - 1;
                }
            }
            else if (last - 32768 > seq)
            {
                v = (long)roc + 1;
            }

            return v < 0 || v > uint.MaxValue ? -1 : (v << 16) | seq;
        }
    }
}
