using BenchmarkDotNet.Attributes;
using ContactCenter.Media.Codecs;

namespace ContactCenter.Media.Benchmarks;

/// <summary>G.711 per 20 ms packet (160 samples). Baseline: copying the 160-byte payload.</summary>
[MemoryDiagnoser]
public class CodecBenchmarks
{
    private readonly short[] samples = new short[160];
    private readonly byte[] mulaw = new byte[160];
    private readonly byte[] alaw = new byte[160];
    private readonly byte[] output = new byte[160];
    private readonly short[] decoded = new short[160];

    [GlobalSetup]
    public void Setup()
    {
        for (int i = 0; i < samples.Length; i++)
        {
            samples[i] = (short)(12000 * Math.Sin(2 * Math.PI * 440 * i / 8000.0));
        }

        G711.Encode(AudioCodec.Pcmu, samples, mulaw);
        G711.Encode(AudioCodec.Pcma, samples, alaw);
    }

    [Benchmark(Baseline = true)]
    public void CopyPayload() => mulaw.AsSpan().CopyTo(output);

    [Benchmark]
    public void EncodeMuLaw() => G711.Encode(AudioCodec.Pcmu, samples, output);

    [Benchmark]
    public void EncodeALaw() => G711.Encode(AudioCodec.Pcma, samples, output);

    [Benchmark]
    public void DecodeMuLaw() => G711.Decode(AudioCodec.Pcmu, mulaw, decoded);

    [Benchmark]
    public void DecodeALaw() => G711.Decode(AudioCodec.Pcma, alaw, decoded);

    [Benchmark]
    public void TranscodeMuLawToALaw() => G711.Transcode(AudioCodec.Pcmu, AudioCodec.Pcma, mulaw, output);
}
