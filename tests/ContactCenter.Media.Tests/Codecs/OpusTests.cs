using ContactCenter.Media.Codecs;
using ContactCenter.Media.Codecs.Opus;

namespace ContactCenter.Media.Tests.Codecs;

/// <summary>Opus (Concentus) and the 48 kHz ⇄ 8 kHz path that bridges a browser leg to a G.711 leg.</summary>
public class OpusTests
{
    private const double Amplitude = 10000; // about -10 dBFS
    private const int SkipMilliseconds = 200; // codec and filter start-up

    [Fact]
    public void A_1khz_tone_through_opus_at_48khz_and_the_resampler_keeps_its_frequency_and_level()
    {
        var encoder = new OpusAudioEncoder(48000);
        var decoder = new OpusAudioDecoder(48000);
        using var down = new AudioResampler(48000, 8000);
        short[] tone = Sine(1000, 48000, 1000);
        var narrow = new List<short>();
        byte[] packet = new byte[OpusAudioEncoder.MaxPacketBytes];
        short[] decoded = new short[decoder.MaxFrameSamples];
        short[] resampled = new short[960];
        for (int offset = 0; offset < tone.Length; offset += 960)
        {
            int length = encoder.Encode(tone.AsSpan(offset, 960), packet);
            Assert.InRange(length, 10, 200); // about 24 kbit/s: 60 bytes a packet
            int samples = decoder.Decode(packet.AsSpan(0, length), decoded);
            Assert.Equal(960, samples);
            int count = down.Process(decoded.AsSpan(0, samples), resampled);
            Assert.Equal(160, count);
            narrow.AddRange(resampled.AsSpan(0, count));
        }

        AssertTone(narrow.ToArray().AsSpan(SkipMilliseconds * 8), 1000, 8000);
    }

    [Theory]
    [InlineData((int)OpusBridgeMode.Native8k)]
    [InlineData((int)OpusBridgeMode.Resampled48k)]
    public void A_browser_tone_reaches_the_g711_leg_at_its_frequency_and_level(int mode)
    {
        using var bridge = new OpusG711Transcoder((OpusBridgeMode)mode);
        var browser = new OpusAudioEncoder(48000, bitrate: 32000);
        short[] tone = Sine(1000, 48000, 1000);
        byte[] packet = new byte[OpusAudioEncoder.MaxPacketBytes];
        byte[] g711 = new byte[960];
        var heard = new List<short>();
        short[] pcm = new short[160];
        for (int offset = 0; offset < tone.Length; offset += 960)
        {
            int length = browser.Encode(tone.AsSpan(offset, 960), packet);
            Assert.Equal(160, bridge.ToG711(packet.AsSpan(0, length), AudioCodec.Pcmu, g711));
            G711.Decode(AudioCodec.Pcmu, g711.AsSpan(0, 160), pcm);
            heard.AddRange(pcm);
        }

        AssertTone(heard.ToArray().AsSpan(SkipMilliseconds * 8), 1000, 8000);
    }

    [Theory]
    [InlineData((int)OpusBridgeMode.Native8k)]
    [InlineData((int)OpusBridgeMode.Resampled48k)]
    public void A_g711_tone_reaches_the_browser_at_its_frequency_and_level_whatever_the_packet_length(int mode)
    {
        using var bridge = new OpusG711Transcoder((OpusBridgeMode)mode);
        var browser = new OpusAudioDecoder(48000);
        byte[] alaw = new byte[8000];
        G711.Encode(AudioCodec.Pcma, Sine(1000, 8000, 1000), alaw);
        byte[] packet = new byte[OpusAudioEncoder.MaxPacketBytes];
        short[] decoded = new short[browser.MaxFrameSamples];
        var heard = new List<short>();
        int packets = 0;
        // 30 ms G.711 packets (240 bytes): the bridge regroups them into 20 ms Opus frames.
        for (int offset = 0; offset < alaw.Length; offset += 240)
        {
            bridge.PushG711(alaw.AsSpan(offset, Math.Min(240, alaw.Length - offset)), AudioCodec.Pcma);
            while (bridge.TryEncodeOpus(packet, out int length))
            {
                packets++;
                int samples = browser.Decode(packet.AsSpan(0, length), decoded);
                Assert.Equal(960, samples);
                heard.AddRange(decoded.AsSpan(0, samples));
            }
        }

        Assert.Equal(50, packets);
        AssertTone(heard.ToArray().AsSpan(SkipMilliseconds * 48), 1000, 48000);
    }

    [Fact]
    public void Downsampling_keeps_a_1khz_tone_and_removes_what_would_alias()
    {
        using var down = new AudioResampler(48000, 8000);
        short[] output = new short[8000];
        Assert.Equal(8000, down.Process(Sine(1000, 48000, 1000), output));
        AssertTone(output.AsSpan(400), 1000, 8000);

        using var down2 = new AudioResampler(48000, 8000);
        Assert.Equal(8000, down2.Process(Sine(5000, 48000, 1000), output));
        // 5 kHz is above 8 kHz's Nyquist frequency: without the low-pass it would fold to 3 kHz at full level.
        Assert.True(Rms(output.AsSpan(400)) < Amplitude / Math.Sqrt(2) / 100, $"aliased energy {Rms(output.AsSpan(400)):F1}");
    }

    [Fact]
    public void Upsampling_keeps_a_1khz_tone_and_no_images()
    {
        using var up = new AudioResampler(8000, 48000);
        short[] output = new short[48000];
        Assert.Equal(48000, up.Process(Sine(1000, 8000, 1000), output));
        AssertTone(output.AsSpan(2400), 1000, 48000);
        Assert.True(Goertzel(output.AsSpan(2400), 7000, 48000) < 0.001, "7 kHz image of the 1 kHz tone");
        Assert.True(Goertzel(output.AsSpan(2400), 9000, 48000) < 0.001, "9 kHz image of the 1 kHz tone");
    }

    [Fact]
    public void Decoder_refuses_an_empty_packet_and_conceals_a_lost_one()
    {
        var decoder = new OpusAudioDecoder(48000);
        short[] pcm = new short[decoder.MaxFrameSamples];
        Assert.Equal(-1, decoder.Decode([], pcm));
        Assert.Equal(960, decoder.Conceal(pcm));

        // Whatever the peer sends, nothing throws.
        var random = new Random(7587);
        byte[] garbage = new byte[200];
        for (int i = 0; i < 2000; i++)
        {
            random.NextBytes(garbage);
            int length = random.Next(1, garbage.Length);
            int samples = decoder.Decode(garbage.AsSpan(0, length), pcm);
            Assert.True(samples == -1 || samples is > 0 and <= 5760);
        }
    }

    [Fact]
    public void Wrong_frame_sizes_rates_and_payload_types_are_refused()
    {
        var encoder = new OpusAudioEncoder(48000);
        Assert.Throws<ArgumentException>(() => encoder.Encode(new short[480], new byte[1275]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new OpusAudioEncoder(44100));
        Assert.Throws<ArgumentOutOfRangeException>(() => new OpusAudioDecoder(11025));
        Assert.Throws<ArgumentOutOfRangeException>(() => new OpusFormat(8));
        var format = new OpusFormat(109);
        Assert.Equal("109 opus/48000/2", format.RtpMap);
        Assert.Equal("109 minptime=10;useinbandfec=1", format.Fmtp);
        Assert.Equal(960, OpusFormat.TimestampIncrement);
    }

    private static void AssertTone(ReadOnlySpan<short> samples, double frequency, int rate)
    {
        double share = Goertzel(samples, frequency, rate);
        Assert.True(share > 0.95, $"{frequency} Hz carries {share:P1} of the energy");
        Assert.True(Goertzel(samples, frequency * 2, rate) < 0.01, "second harmonic");
        Assert.True(Goertzel(samples, frequency / 2, rate) < 0.01, "half frequency");
        double levelDb = 20 * Math.Log10(Rms(samples) / (Amplitude / Math.Sqrt(2)));
        Assert.True(Math.Abs(levelDb) < 1.5, $"level changed by {levelDb:F2} dB");
    }

    /// <summary>Goertzel power at <paramref name="frequency"/> as a share of the signal's energy (1 for a pure tone).</summary>
    private static double Goertzel(ReadOnlySpan<short> samples, double frequency, int rate)
    {
        double coeff = 2 * Math.Cos(2 * Math.PI * frequency / rate);
        double s1 = 0, s2 = 0, energy = 0;
        foreach (short x in samples)
        {
            double s0 = x + (coeff * s1) - s2;
            s2 = s1;
            s1 = s0;
            energy += (double)x * x;
        }

        double power = (s1 * s1) + (s2 * s2) - (coeff * s1 * s2);
        return energy == 0 ? 0 : 2 * power / (samples.Length * energy);
    }

    private static double Rms(ReadOnlySpan<short> samples)
    {
        double sum = 0;
        foreach (short x in samples)
        {
            sum += (double)x * x;
        }

        return Math.Sqrt(sum / samples.Length);
    }

    private static short[] Sine(double frequency, int rate, int milliseconds)
    {
        short[] samples = new short[rate / 1000 * milliseconds];
        for (int n = 0; n < samples.Length; n++)
        {
            samples[n] = (short)Math.Round(Amplitude * Math.Sin(2 * Math.PI * frequency * n / rate));
        }

        return samples;
    }
}
