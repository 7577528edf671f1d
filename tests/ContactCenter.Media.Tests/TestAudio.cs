using System.Buffers.Binary;
using System.Diagnostics;
using ContactCenter.Media.Audio;

namespace ContactCenter.Media.Tests;

/// <summary>Test prompts written on the fly, and helpers to check audio content.</summary>
internal static class TestAudio
{
    public static string TempDirectory()
    {
        string path = Path.Combine(Path.GetTempPath(), "cc-media-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        return path;
    }

    public static short[] Sine(double frequency, int milliseconds, double amplitude = 8000)
    {
        var samples = new short[milliseconds * 8];
        for (int n = 0; n < samples.Length; n++)
        {
            samples[n] = (short)Math.Round(amplitude * Math.Sin(2 * Math.PI * frequency * n / 8000.0));
        }

        return samples;
    }

    public static string WriteSine(string folder, string name, double frequency, int milliseconds)
    {
        string path = Path.Combine(folder, name);
        WavFile.WriteMonoPcm16(path, Sine(frequency, milliseconds));
        return path;
    }

    /// <summary>Goertzel power of <paramref name="frequency"/> relative to the signal's energy (≈1 for a pure tone).</summary>
    public static double ToneShare(ReadOnlySpan<short> samples, double frequency, int sampleRate = 8000)
    {
        double coeff = 2 * Math.Cos(2 * Math.PI * frequency / sampleRate);
        double s1 = 0, s2 = 0, energy = 0;
        foreach (short x in samples)
        {
            double s0 = x + (coeff * s1) - s2;
            s2 = s1;
            s1 = s0;
            energy += (double)x * x;
        }

        if (energy == 0)
        {
            return 0;
        }

        double power = (s1 * s1) + (s2 * s2) - (coeff * s1 * s2);
        return power / (energy * samples.Length / 2.0);
    }

    public static byte[] WavBytes(int format, int channels, int rate, int bits, byte[] data)
    {
        byte[] file = new byte[44 + data.Length];
        WavFile.WriteHeader(file, channels, rate, bits, data.Length, (ushort)format);
        data.CopyTo(file, 44);
        return file;
    }

    public static string RequireTool(string name)
    {
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':'))
        {
            string candidate = Path.Combine(dir, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        Assert.Fail($"This test needs '{name}' on PATH (Debian package '{name}'); install it with apt-get install {name}.");
        return name;
    }

    public static void Run(string tool, params string[] arguments)
    {
        var info = new ProcessStartInfo(tool) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(info)!;
        string error = process.StandardError.ReadToEnd();
        process.StandardOutput.ReadToEnd();
        Assert.True(process.WaitForExit(30_000), $"{tool} did not finish in 30 s.");
        Assert.True(process.ExitCode == 0, $"{tool} {string.Join(' ', arguments)} failed ({process.ExitCode}): {error}");
    }

    public static (int Channels, int Rate, int Bits, short[] Samples) ReadPcm(string path)
    {
        byte[] data = File.ReadAllBytes(path);
        Assert.Equal("RIFF"u8.ToArray(), data[..4]);
        Assert.Equal("WAVE"u8.ToArray(), data[8..12]);
        int channels = BinaryPrimitives.ReadUInt16LittleEndian(data.AsSpan(22));
        int rate = BinaryPrimitives.ReadInt32LittleEndian(data.AsSpan(24));
        int bits = BinaryPrimitives.ReadUInt16LittleEndian(data.AsSpan(34));
        int length = BinaryPrimitives.ReadInt32LittleEndian(data.AsSpan(40));
        Assert.Equal(data.Length - 44, length);
        Assert.Equal(BinaryPrimitives.ReadInt32LittleEndian(data.AsSpan(4)), data.Length - 8);
        var samples = new short[length / 2];
        for (int i = 0; i < samples.Length; i++)
        {
            samples[i] = BinaryPrimitives.ReadInt16LittleEndian(data.AsSpan(44 + (2 * i)));
        }

        return (channels, rate, bits, samples);
    }
}
