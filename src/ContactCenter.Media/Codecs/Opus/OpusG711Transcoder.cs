namespace ContactCenter.Media.Codecs.Opus;

/// <summary>How the G.711 audio is handed to the Opus encoder.</summary>
internal enum OpusBridgeMode
{
    /// <summary>The encoder takes the 8 kHz audio as it is (Opus codes it as narrowband): no upsampler, least CPU.</summary>
    Native8k,

    /// <summary>The audio is resampled to 48 kHz first and the encoder runs at 48 kHz.</summary>
    Resampled48k,
}

/// <summary>
/// The audio path between an Opus leg (a browser) and a G.711 leg (a trunk or desk phone), one
/// object per bridged call: Opus packets in, G.711 payloads out (160 bytes per 20 ms), and G.711
/// payloads of any length in, one Opus packet out per 20 ms gathered. Opus is always decoded at
/// 48 kHz and brought down to 8 kHz by <see cref="AudioResampler"/>: Concentus 2.2.2 decodes
/// CELT-mode packets (what a browser sends for a wideband voice) to silence when asked for 8 or
/// 16 kHz output directly. Buffers are allocated once. Each direction must be used by one thread at
/// a time (the two directions are independent).
/// </summary>
internal sealed class OpusG711Transcoder : IDisposable
{
    private const int NarrowbandFrame = 160; // 20 ms at 8 kHz

    private readonly OpusAudioDecoder decoder;
    private readonly OpusAudioEncoder encoder;
    private readonly AudioResampler down;
    private readonly AudioResampler? up;
    private readonly short[] decoded;
    private readonly short[] narrow;
    private readonly short[] gathered = new short[NarrowbandFrame * 8];
    private readonly short[] wide = new short[960];
    private int gatheredCount;

    public OpusG711Transcoder(OpusBridgeMode mode = OpusBridgeMode.Native8k, int bitrate = 24000, int complexity = 5)
    {
        Mode = mode;
        decoder = new OpusAudioDecoder(48000);
        down = new AudioResampler(48000, 8000);
        encoder = new OpusAudioEncoder(mode == OpusBridgeMode.Native8k ? 8000 : 48000, bitrate, complexity);
        if (mode == OpusBridgeMode.Resampled48k)
        {
            up = new AudioResampler(8000, 48000);
        }

        decoded = new short[decoder.MaxFrameSamples];
        narrow = new short[OpusAudioDecoder.MaxFrameSamples48k / 6];
    }

    /// <summary>The mode.</summary>
    public OpusBridgeMode Mode { get; }

    /// <summary>
    /// Opus → G.711: decodes one Opus packet and writes its audio as G.711 (160 bytes per 20 ms) to
    /// <paramref name="g711"/> (room for 120 ms: 960 bytes). Returns the bytes written, or -1 for a packet that is not Opus.
    /// </summary>
    public int ToG711(ReadOnlySpan<byte> opus, AudioCodec codec, Span<byte> g711)
    {
        int samples = decoder.Decode(opus, decoded);
        return samples < 0 ? -1 : Narrow(samples, codec, g711);
    }

    /// <summary>Opus → G.711 for a lost Opus packet: 20 ms of concealment.</summary>
    public int ConcealToG711(AudioCodec codec, Span<byte> g711) => Narrow(decoder.Conceal(decoded), codec, g711);

    /// <summary>G.711 → Opus: gathers <paramref name="g711"/> (any packet length) towards 20 ms frames.</summary>
    public void PushG711(ReadOnlySpan<byte> g711, AudioCodec codec)
    {
        while (!g711.IsEmpty)
        {
            if (gatheredCount == gathered.Length)
            {
                // The Opus side stopped draining: keep the newest audio, as a jitter buffer would.
                Array.Copy(gathered, NarrowbandFrame, gathered, 0, gathered.Length - NarrowbandFrame);
                gatheredCount -= NarrowbandFrame;
            }

            int take = Math.Min(g711.Length, gathered.Length - gatheredCount);
            G711.Decode(codec, g711[..take], gathered.AsSpan(gatheredCount, take));
            gatheredCount += take;
            g711 = g711[take..];
        }
    }

    /// <summary>G.711 audio gathered and not yet encoded (less than 20 ms after each <see cref="TryEncodeOpus"/> round).</summary>
    public int GatheredSamples => gatheredCount;

    /// <summary>Drops the gathered audio (a new stretch starts elsewhere on the timeline).</summary>
    public void DiscardGathered() => gatheredCount = 0;

    /// <summary>
    /// G.711 → Opus: encodes the next gathered 20 ms into <paramref name="opus"/> (room for
    /// <see cref="OpusAudioEncoder.MaxPacketBytes"/>); false when less than 20 ms is waiting.
    /// </summary>
    public bool TryEncodeOpus(Span<byte> opus, out int length)
    {
        length = 0;
        if (gatheredCount < NarrowbandFrame)
        {
            return false;
        }

        ReadOnlySpan<short> frame = gathered.AsSpan(0, NarrowbandFrame);
        if (up is null)
        {
            length = encoder.Encode(frame, opus);
        }
        else
        {
            up.Process(frame, wide);
            length = encoder.Encode(wide, opus);
        }

        gatheredCount -= NarrowbandFrame;
        Array.Copy(gathered, NarrowbandFrame, gathered, 0, gatheredCount);
        return true;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        down.Dispose();
        up?.Dispose();
    }

    private int Narrow(int samples, AudioCodec codec, Span<byte> g711)
    {
        int count = down.Process(decoded.AsSpan(0, samples), narrow);
        ReadOnlySpan<short> pcm8 = narrow.AsSpan(0, count);

        G711.Encode(codec, pcm8, g711[..pcm8.Length]);
        return pcm8.Length;
    }
}
