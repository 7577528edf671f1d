using BenchmarkDotNet.Attributes;
using ContactCenter.Media.Codecs;
using ContactCenter.Media.Codecs.Opus;

namespace ContactCenter.Media.Benchmarks;

/// <summary>
/// Opus per 20 ms frame (Concentus, managed), and the whole transcoding path of a browser leg bridged to
/// a G.711 leg. Baseline: G.711 µ-law to A-law of the same 20 ms (what a transcoded G.711 bridge costs).
/// A bridged call does one <see cref="BridgeOpusToG711"/> and one <see cref="BridgeG711ToOpus"/> per
/// 20 ms, so CPU per call-second = 50 × (the two), and calls per core = 1 s / that.
/// </summary>
[MemoryDiagnoser]
public class OpusBenchmarks
{
    private readonly short[] speech48 = new short[960];
    private readonly short[] speech8 = new short[160];
    private readonly byte[] mulaw = new byte[160];
    private readonly byte[] g711Out = new byte[960];
    private readonly byte[] packet = new byte[OpusAudioEncoder.MaxPacketBytes];
    private readonly short[] decoded = new short[5760];
    private readonly short[] resampled = new short[960];
    private byte[] browserPacket = [];
    private OpusAudioEncoder encoder48 = null!;
    private OpusAudioEncoder encoder8 = null!;
    private OpusAudioDecoder decoder48 = null!;
    private AudioResampler down = null!;
    private AudioResampler up = null!;
    private OpusG711Transcoder bridge = null!;

    /// <summary>How G.711 audio reaches the Opus encoder (<see cref="OpusBridgeMode"/>; the type is internal).</summary>
    [Params("Native8k", "Resampled48k")]
    public string Mode { get; set; } = "";

    [GlobalSetup]
    public void Setup()
    {
        // A voice-like signal: three harmonics with a slow amplitude swing (a pure tone flatters the encoder).
        for (int i = 0; i < speech48.Length; i++)
        {
            double t = i / 48000.0;
            speech48[i] = (short)(6000 * (1 + (0.5 * Math.Sin(2 * Math.PI * 3 * t)))
                * ((0.6 * Math.Sin(2 * Math.PI * 220 * t)) + (0.3 * Math.Sin(2 * Math.PI * 440 * t)) + (0.1 * Math.Sin(2 * Math.PI * 1320 * t))));
        }

        for (int i = 0; i < speech8.Length; i++)
        {
            speech8[i] = speech48[i * 6];
        }

        G711.Encode(AudioCodec.Pcmu, speech8, mulaw);
        encoder48 = new OpusAudioEncoder(48000);
        encoder8 = new OpusAudioEncoder(8000);
        decoder48 = new OpusAudioDecoder(48000);
        down = new AudioResampler(48000, 8000);
        up = new AudioResampler(8000, 48000);
        bridge = new OpusG711Transcoder(Enum.Parse<OpusBridgeMode>(Mode));
        var browser = new OpusAudioEncoder(48000, bitrate: 32000, complexity: 9);
        browserPacket = packet.AsSpan(0, browser.Encode(speech48, packet)).ToArray();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        down.Dispose();
        up.Dispose();
        bridge.Dispose();
    }

    [Benchmark(Baseline = true)]
    public void G711Transcode() => G711.Transcode(AudioCodec.Pcmu, AudioCodec.Pcma, mulaw, g711Out.AsSpan(0, 160));

    [Benchmark]
    public int Encode48k() => encoder48.Encode(speech48, packet);

    [Benchmark]
    public int Encode8k() => encoder8.Encode(speech8, packet);

    [Benchmark]
    public int Decode48k() => decoder48.Decode(browserPacket, decoded);

    [Benchmark]
    public int Resample48kTo8k() => down.Process(speech48, resampled);

    [Benchmark]
    public int Resample8kTo48k() => up.Process(speech8, resampled);

    /// <summary>Browser to G.711: decode at 48 kHz, down to 8 kHz, G.711 encode.</summary>
    [Benchmark]
    public int BridgeOpusToG711() => bridge.ToG711(browserPacket, AudioCodec.Pcmu, g711Out);

    /// <summary>G.711 to browser: G.711 decode, (up to 48 kHz,) Opus encode.</summary>
    [Benchmark]
    public int BridgeG711ToOpus()
    {
        bridge.PushG711(mulaw, AudioCodec.Pcmu);
        return bridge.TryEncodeOpus(packet, out int length) ? length : -1;
    }
}
