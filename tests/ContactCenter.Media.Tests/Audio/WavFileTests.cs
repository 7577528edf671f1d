using ContactCenter.Media.Audio;
using ContactCenter.Media.Codecs;

namespace ContactCenter.Media.Tests.Audio;

public sealed class WavFileTests : IDisposable
{
    private readonly string folder = TestAudio.TempDirectory();

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Fact]
    public void Pcm16_prompt_reads_back_exactly()
    {
        short[] tone = TestAudio.Sine(440, 250);
        string path = Path.Combine(folder, "a.wav");
        WavFile.WriteMonoPcm16(path, tone);
        Assert.Equal(tone, WavFile.ReadPrompt(path));
    }

    [Theory]
    [InlineData(7, AudioCodec.Pcmu)]
    [InlineData(6, AudioCodec.Pcma)]
    public void G711_prompts_decode_to_linear(int format, AudioCodec codec)
    {
        short[] tone = TestAudio.Sine(1000, 100);
        byte[] coded = new byte[tone.Length];
        G711.Encode(codec, tone, coded);
        short[] samples = WavFile.Parse(TestAudio.WavBytes(format, 1, 8000, 8, coded), "g711.wav");
        var expected = new short[coded.Length];
        G711.Decode(codec, coded, expected);
        Assert.Equal(expected, samples);
    }

    [Theory]
    [InlineData(1, 2, 8000, 16, "2 channels")]
    [InlineData(1, 1, 16000, 16, "16000 Hz")]
    [InlineData(1, 1, 8000, 8, "8-bit PCM")]
    [InlineData(3, 1, 8000, 32, "format tag 3")]
    [InlineData(85, 1, 8000, 0, "format tag 85")]
    public void Unsupported_formats_are_refused_with_the_reason(int format, int channels, int rate, int bits, string reason)
    {
        var error = Assert.Throws<MediaFormatException>(() => WavFile.Parse(TestAudio.WavBytes(format, channels, rate, bits, new byte[320]), "bad.wav"));
        Assert.Contains("'bad.wav'", error.Message, StringComparison.Ordinal);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Garbage_and_truncated_files_are_refused()
    {
        Assert.Throws<MediaFormatException>(() => WavFile.Parse("not a wav file at all"u8, "x.wav"));
        byte[] valid = TestAudio.WavBytes(1, 1, 8000, 16, new byte[320]);
        Assert.Throws<MediaFormatException>(() => WavFile.Parse(valid.AsSpan(0, 30), "x.wav"));
        Assert.Contains("no data chunk", Assert.Throws<MediaFormatException>(() => WavFile.Parse(valid.AsSpan(0, 36), "x.wav")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Files_made_by_sox_in_all_three_encodings_are_read()
    {
        string sox = TestAudio.RequireTool("sox");
        string source = Path.Combine(folder, "source.wav");
        WavFile.WriteMonoPcm16(source, TestAudio.Sine(600, 500));
        foreach (string encoding in new[] { "signed-integer", "u-law", "a-law" })
        {
            string output = Path.Combine(folder, $"{encoding}.wav");
            string[] bits = encoding == "signed-integer" ? ["-b", "16"] : ["-b", "8"];
            TestAudio.Run(sox, [source, "-r", "8000", "-c", "1", "-e", encoding, .. bits, output]);
            short[] samples = WavFile.ReadPrompt(output);
            Assert.InRange(samples.Length, 3990, 4010);
            Assert.True(TestAudio.ToneShare(samples, 600) > 0.9, $"{encoding}: the 600 Hz tone did not survive");
        }

        string stereo = Path.Combine(folder, "stereo.wav");
        TestAudio.Run(sox, source, "-c", "2", stereo);
        Assert.Contains("2 channels", Assert.Throws<MediaFormatException>(() => WavFile.ReadPrompt(stereo)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Speech_prompt_made_by_espeak_and_sox_is_read()
    {
        string espeak = TestAudio.RequireTool("espeak-ng");
        string sox = TestAudio.RequireTool("sox");
        string raw = Path.Combine(folder, "raw.wav");
        string prompt = Path.Combine(folder, "prompt.wav");
        TestAudio.Run(espeak, "-w", raw, "Press one for billing");
        TestAudio.Run(sox, raw, "-r", "8000", "-c", "1", "-b", "16", prompt);
        short[] samples = WavFile.ReadPrompt(prompt);
        Assert.True(samples.Length > 8000, "espeak-ng produced less than a second of speech");
        Assert.Contains(samples, s => Math.Abs((int)s) > 1000);
    }
}
