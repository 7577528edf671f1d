using ContactCenter.Media.Codecs;

namespace ContactCenter.Media.Mixing;

/// <summary>
/// One source's decoded audio between its receive thread (<see cref="Write"/>) and the mixer's clock tick
/// (<see cref="ReadFrame"/>). No priming: a tick takes what has come, so a packet waits at most until the next tick;
/// when packets bunch (jitter) at most one frame is kept beyond the one taken, older audio is dropped, so the delay
/// stays within one 20 ms frame plus the wait for the tick. Fixed arrays, no allocation per packet.
/// </summary>
internal sealed class PcmJitterBuffer
{
    internal const int Frame = 160;
    private const int Capacity = 8 * Frame;
    private const int MaxBacklog = 2 * Frame;

    private readonly short[] samples = new short[Capacity];
    private readonly Lock gate = new();
    private int head;
    private int count;

    /// <summary>Samples waiting (for tests).</summary>
    public int Count
    {
        get
        {
            lock (gate)
            {
                return count;
            }
        }
    }

    /// <summary>Decodes a G.711 payload onto the end (the oldest audio is dropped when full).</summary>
    public void Write(ReadOnlySpan<byte> payload, AudioCodec codec)
    {
        lock (gate)
        {
            bool muLaw = codec == AudioCodec.Pcmu;
            foreach (byte code in payload)
            {
                if (count == Capacity)
                {
                    head = (head + 1) % Capacity;
                    count--;
                }

                samples[(head + count) % Capacity] = muLaw ? G711.DecodeMuLaw(code) : G711.DecodeALaw(code);
                count++;
            }
        }
    }

    /// <summary>Takes one 20 ms frame into <paramref name="frame"/> (silence where nothing came); true when any audio was there.</summary>
    public bool ReadFrame(Span<short> frame)
    {
        lock (gate)
        {
            if (count > MaxBacklog)
            {
                int drop = count - MaxBacklog;
                head = (head + drop) % Capacity;
                count -= drop;
            }

            int take = Math.Min(Frame, count);
            for (int i = 0; i < take; i++)
            {
                frame[i] = samples[head];
                head = head + 1 == Capacity ? 0 : head + 1;
            }

            count -= take;
            frame[take..Frame].Clear();
            return take > 0;
        }
    }

    /// <summary>Forgets what is waiting (a source that stopped being mixed).</summary>
    public void Clear()
    {
        lock (gate)
        {
            head = 0;
            count = 0;
        }
    }
}
