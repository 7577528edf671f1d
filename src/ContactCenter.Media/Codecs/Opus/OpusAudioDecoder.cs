using Concentus;

namespace ContactCenter.Media.Codecs.Opus;

/// <summary>
/// Decodes Opus packets (any frame size the sender chose, 2.5-120 ms) to 16-bit mono at
/// <see cref="SampleRate"/>, and conceals a lost packet (Opus packet-loss concealment). A packet
/// that cannot be decoded is reported, never thrown: it is the peer's data. One instance per leg,
/// used by one thread at a time.
/// </summary>
internal sealed class OpusAudioDecoder
{
    /// <summary>Samples per channel of the longest Opus packet (120 ms) at 48 kHz.</summary>
    public const int MaxFrameSamples48k = 5760;

    private readonly Concentus.Structs.OpusDecoder decoder;

    /// <summary>
    /// Creates a decoder producing <paramref name="sampleRate"/> Hz (8, 12, 16, 24 or 48 kHz). Use 48 kHz for
    /// what a browser sends: Concentus 2.2.2 decodes CELT-mode packets to silence at the lower rates
    /// (<see cref="OpusG711Transcoder"/> resamples instead).
    /// </summary>
    public OpusAudioDecoder(int sampleRate = 48000)
    {
        if (sampleRate is not (8000 or 12000 or 16000 or 24000 or 48000))
        {
            throw new ArgumentOutOfRangeException(nameof(sampleRate), sampleRate, "Opus decodes to 8, 12, 16, 24 or 48 kHz.");
        }

        SampleRate = sampleRate;
        // The managed implementation on purpose: the factory would probe for a native libopus, and the
        // same code (and CPU figures) on every machine matters more than the native speed-up.
#pragma warning disable CS0618
        decoder = new Concentus.Structs.OpusDecoder(sampleRate, 1);
#pragma warning restore CS0618
    }

    /// <summary>Output rate, Hz.</summary>
    public int SampleRate { get; }

    /// <summary>Room a caller's buffer needs for any packet: 120 ms at the output rate.</summary>
    public int MaxFrameSamples => SampleRate / 1000 * 120;

    /// <summary>Decodes a packet; returns the samples written, or -1 when the packet is not valid Opus.</summary>
    public int Decode(ReadOnlySpan<byte> packet, Span<short> pcm)
    {
        if (packet.IsEmpty)
        {
            return -1;
        }

        try
        {
            return decoder.Decode(packet, pcm, Math.Min(pcm.Length, MaxFrameSamples), false);
        }
        catch (OpusException)
        {
            return -1;
        }
        catch (ArgumentException)
        {
            return -1;
        }
        catch (IndexOutOfRangeException)
        {
            return -1; // Concentus' bounds checks on a truncated packet
        }
    }

    /// <summary>Fills <paramref name="pcm"/> with concealment for one lost 20 ms packet; returns the samples written.</summary>
    public int Conceal(Span<short> pcm)
    {
        int samples = SampleRate / 1000 * OpusFormat.FrameMilliseconds;
        return decoder.Decode(ReadOnlySpan<byte>.Empty, pcm[..samples], samples, false);
    }
}
