using System.Buffers.Binary;
using System.Diagnostics;
using ContactCenter.Telephony.Ivr;

namespace ContactCenter.Telephony.Tests.Prompts;

public sealed class PromptFileTests
{
    public static TheoryData<string> AllPrompts()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.EnumerateFiles(TestPaths.PromptsFolder, "*.wav", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetRelativePath(TestPaths.PromptsFolder, file));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(AllPrompts))]
    public void Prompt_is_an_8khz_mono_wav_with_audio(string relativePath)
    {
        var bytes = File.ReadAllBytes(Path.Combine(TestPaths.PromptsFolder, relativePath));

        var (format, channels, rate, bits, dataLength) = ReadWav(bytes);

        Assert.True(format is 1 or 7, $"format {format}: expected PCM (1) or µ-law (7)");
        Assert.Equal(1, channels);
        Assert.Equal(8000, rate);
        Assert.Equal(format == 1 ? 16 : 8, bits);
        var seconds = dataLength / (double)(rate * bits / 8);
        Assert.InRange(seconds, 0.2, 30);
    }

    [Fact]
    public void Every_prompt_the_engine_reads_back_exists()
    {
        var catalog = PromptCatalog.Scan(TestPaths.PromptsFolder);
        var needed = PromptNames.CaseReadbackPrompts().Concat(PromptNames.AnnouncementPrompts())
            .Append(PromptNames.HoldMusic).Append(PromptNames.CallbackOffer).Append(PromptNames.CallbackConfirmed);

        Assert.All(needed, name => Assert.True(catalog.Contains(name), $"prompts/{name}.wav is missing"));
    }

    [Fact]
    public async Task Generate_script_produces_exactly_the_committed_prompts()
    {
        foreach (var tool in new[] { "espeak-ng", "sox" })
        {
            Assert.True(OnPath(tool), $"'{tool}' is not installed; the prompt generator needs it (apt-get install espeak-ng sox)");
        }

        var output = Path.Combine(Path.GetTempPath(), "cc-prompts-" + Guid.NewGuid().ToString("N"));
        try
        {
            var start = new ProcessStartInfo("bash", [Path.Combine(TestPaths.PromptsFolder, "generate.sh"), output])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            using var process = Process.Start(start)!;
            var stderr = process.StandardError.ReadToEndAsync();
            var stdout = process.StandardOutput.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            await process.WaitForExitAsync(timeout.Token);
            Assert.True(process.ExitCode == 0, $"generate.sh failed: {await stderr}");
            Assert.Contains("wrote", await stdout, StringComparison.Ordinal);

            static IEnumerable<string> Names(string root) =>
                Directory.EnumerateFiles(root, "*.wav", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(root, f)).Order(StringComparer.Ordinal);
            Assert.Equal(Names(TestPaths.PromptsFolder), Names(output));
        }
        finally
        {
            if (Directory.Exists(output))
            {
                Directory.Delete(output, recursive: true);
            }
        }
    }

    private static bool OnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':').Any(dir => File.Exists(Path.Combine(dir, tool)));

    private static (int Format, int Channels, int Rate, int Bits, int DataLength) ReadWav(byte[] bytes)
    {
        Assert.True(bytes.Length > 44, "file too short for a WAV header");
        Assert.Equal("RIFF"u8.ToArray(), bytes[..4]);
        Assert.Equal("WAVE"u8.ToArray(), bytes[8..12]);
        Assert.Equal(bytes.Length - 8, BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(4)));
        int? format = null;
        int channels = 0, rate = 0, bits = 0;
        var offset = 12;
        while (offset + 8 <= bytes.Length)
        {
            var id = System.Text.Encoding.ASCII.GetString(bytes, offset, 4);
            var size = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(offset + 4));
            var body = bytes.AsSpan(offset + 8);
            if (id == "fmt ")
            {
                format = BinaryPrimitives.ReadUInt16LittleEndian(body);
                channels = BinaryPrimitives.ReadUInt16LittleEndian(body[2..]);
                rate = BinaryPrimitives.ReadInt32LittleEndian(body[4..]);
                bits = BinaryPrimitives.ReadUInt16LittleEndian(body[14..]);
                if (format == 0xFFFE)
                {
                    format = BinaryPrimitives.ReadUInt16LittleEndian(body[24..]);
                }
            }
            else if (id == "data")
            {
                Assert.NotNull(format);
                Assert.True(offset + 8 + size <= bytes.Length, "data chunk runs past the end of the file");
                return (format.Value, channels, rate, bits, size);
            }

            offset += 8 + size + (size & 1);
        }

        throw new Xunit.Sdk.XunitException("no data chunk");
    }
}
