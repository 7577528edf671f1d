using Concentus.Enums;

namespace ContactCenter.Media.Codecs.Opus;

/// <summary>
/// Encodes 20 ms frames of 16-bit mono audio to Opus (RFC 6716) with Concentus, the managed port of
/// libopus (no native library loaded, so every machine runs the same code). Voice application,
/// variable bit rate. One instance per leg, used by one thread at a time.
/// </summary>
internal sealed class OpusAudioEncoder
{
    /// <summary>Largest encoded frame this wrapper asks Opus for (RFC 7587 recommends a packet of at most 1275 bytes).</summary>
    public const int MaxPacketBytes = 1275;

    private readonly Concentus.Structs.OpusEncoder encoder;

    /// <summary>
    /// Creates an encoder for <paramref name="sampleRate"/> Hz input (8, 12, 16, 24 or 48 kHz; the RTP
    /// clock stays 48 kHz); <paramref name="bitrate"/> in bit/s, <paramref name="complexity"/> 0-10
    /// (CPU against quality: 5 is about half the CPU of 10 for speech that sounds the same on a call).
    /// </summary>
    public OpusAudioEncoder(int sampleRate = 48000, int bitrate = 24000, int complexity = 5, bool inbandFec = true)
    {
        if (sampleRate is not (8000 or 12000 or 16000 or 24000 or 48000))
        {
            throw new ArgumentOutOfRangeException(nameof(sampleRate), sampleRate, "Opus encodes 8, 12, 16, 24 or 48 kHz audio.");
        }

        if (bitrate is < 6000 or > 510000)
        {
            throw new ArgumentOutOfRangeException(nameof(bitrate), bitrate, "An Opus bit rate is 6-510 kbit/s.");
        }

        if (complexity is < 0 or > 10)
        {
            throw new ArgumentOutOfRangeException(nameof(complexity), complexity, "Opus complexity is 0-10.");
        }

        SampleRate = sampleRate;
        FrameSamples = sampleRate / 1000 * OpusFormat.FrameMilliseconds;
        // The managed implementation on purpose: the factory would probe for a native libopus, and the
        // same code (and CPU figures) on every machine matters more than the native speed-up.
#pragma warning disable CS0618
        encoder = new Concentus.Structs.OpusEncoder(sampleRate, 1, OpusApplication.OPUS_APPLICATION_VOIP)
        {
            Bitrate = bitrate,
            Complexity = complexity,
            UseVBR = true,
            UseInbandFEC = inbandFec,
            PacketLossPercent = inbandFec ? 5 : 0,
            SignalType = OpusSignal.OPUS_SIGNAL_VOICE,
        };
#pragma warning restore CS0618
    }

    /// <summary>Input rate, Hz.</summary>
    public int SampleRate { get; }

    /// <summary>Samples in one 20 ms frame.</summary>
    public int FrameSamples { get; }

    /// <summary>Encodes one 20 ms frame; returns the payload's length in <paramref name="packet"/>.</summary>
    public int Encode(ReadOnlySpan<short> frame, Span<byte> packet)
    {
        if (frame.Length != FrameSamples)
        {
            throw new ArgumentException($"An Opus frame here is {FrameSamples} samples (20 ms at {SampleRate} Hz), not {frame.Length}.", nameof(frame));
        }

        return encoder.Encode(frame, FrameSamples, packet, Math.Min(packet.Length, MaxPacketBytes));
    }
}
