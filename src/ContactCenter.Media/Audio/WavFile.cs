using System.Buffers.Binary;
using ContactCenter.Media.Codecs;

namespace ContactCenter.Media.Audio;

/// <summary>
/// Reads 8 kHz mono WAV prompts (PCM 16-bit, G.711 µ-law, G.711 A-law; plain or
/// WAVE_FORMAT_EXTENSIBLE headers) into 16-bit linear samples, and writes PCM16 WAV files.
/// </summary>
public static class WavFile
{
    private const ushort FormatPcm = 1;
    private const ushort FormatALaw = 6;
    private const ushort FormatMuLaw = 7;
    private const ushort FormatExtensible = 0xFFFE;

    /// <summary>Reads a prompt file; throws <see cref="MediaFormatException"/> naming the file for anything unusable.</summary>
    public static short[] ReadPrompt(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        byte[] data;
        try
        {
            data = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new MediaFormatException($"Prompt '{path}' cannot be read: {ex.Message}", ex);
        }

        return Parse(data, path);
    }

    /// <summary>Parses WAV bytes; <paramref name="name"/> is used in error messages.</summary>
    public static short[] Parse(ReadOnlySpan<byte> data, string name)
    {
        if (data.Length < 12 || !data[..4].SequenceEqual("RIFF"u8) || !data.Slice(8, 4).SequenceEqual("WAVE"u8))
        {
            throw new MediaFormatException($"Prompt '{name}' is not a RIFF/WAVE file.");
        }

        int offset = 12;
        ushort format = 0, channels = 0, bits = 0;
        uint rate = 0;
        bool haveFormat = false;
        while (offset + 8 <= data.Length)
        {
            ReadOnlySpan<byte> id = data.Slice(offset, 4);
            uint size = BinaryPrimitives.ReadUInt32LittleEndian(data.Slice(offset + 4, 4));
            int bodyStart = offset + 8;
            if (id.SequenceEqual("fmt "u8))
            {
                if (size < 16 || bodyStart + 16 > data.Length)
                {
                    throw new MediaFormatException($"Prompt '{name}' has a truncated fmt chunk.");
                }

                ReadOnlySpan<byte> fmt = data.Slice(bodyStart, (int)Math.Min(size, (uint)(data.Length - bodyStart)));
                format = BinaryPrimitives.ReadUInt16LittleEndian(fmt);
                channels = BinaryPrimitives.ReadUInt16LittleEndian(fmt[2..]);
                rate = BinaryPrimitives.ReadUInt32LittleEndian(fmt[4..]);
                bits = BinaryPrimitives.ReadUInt16LittleEndian(fmt[14..]);
                if (format == FormatExtensible)
                {
                    if (fmt.Length < 26)
                    {
                        throw new MediaFormatException($"Prompt '{name}' has a truncated WAVE_FORMAT_EXTENSIBLE header.");
                    }

                    // The sub-format GUID starts with the classic format tag.
                    format = BinaryPrimitives.ReadUInt16LittleEndian(fmt[24..]);
                }

                haveFormat = true;
            }
            else if (id.SequenceEqual("data"u8))
            {
                if (!haveFormat)
                {
                    throw new MediaFormatException($"Prompt '{name}' has its data chunk before the fmt chunk.");
                }

                Validate(name, format, channels, rate, bits);
                int length = (int)Math.Min(size, (uint)(data.Length - bodyStart));
                return Decode(data.Slice(bodyStart, length), format);
            }

            long next = (long)bodyStart + size + (size & 1);
            if (next > data.Length)
            {
                break;
            }

            offset = (int)next;
        }

        throw new MediaFormatException(haveFormat
            ? $"Prompt '{name}' has no data chunk."
            : $"Prompt '{name}' has no fmt chunk.");
    }

    /// <summary>Writes 8 kHz mono PCM16 samples as a WAV file (test prompts, tools).</summary>
    public static void WriteMonoPcm16(string path, ReadOnlySpan<short> samples, int sampleRate = 8000)
    {
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write);
        Span<byte> header = stackalloc byte[44];
        WriteHeader(header, 1, sampleRate, 16, samples.Length * 2);
        stream.Write(header);
        byte[] body = new byte[samples.Length * 2];
        for (int i = 0; i < samples.Length; i++)
        {
            BinaryPrimitives.WriteInt16LittleEndian(body.AsSpan(2 * i), samples[i]);
        }

        stream.Write(body);
    }

    /// <summary>Writes a 44-byte canonical PCM/G.711 WAV header.</summary>
    internal static void WriteHeader(Span<byte> header, int channels, int sampleRate, int bitsPerSample, int dataLength, ushort format = FormatPcm)
    {
        int blockAlign = channels * bitsPerSample / 8;
        "RIFF"u8.CopyTo(header);
        BinaryPrimitives.WriteInt32LittleEndian(header[4..], 36 + dataLength);
        "WAVE"u8.CopyTo(header[8..]);
        "fmt "u8.CopyTo(header[12..]);
        BinaryPrimitives.WriteInt32LittleEndian(header[16..], 16);
        BinaryPrimitives.WriteUInt16LittleEndian(header[20..], format);
        BinaryPrimitives.WriteUInt16LittleEndian(header[22..], (ushort)channels);
        BinaryPrimitives.WriteInt32LittleEndian(header[24..], sampleRate);
        BinaryPrimitives.WriteInt32LittleEndian(header[28..], sampleRate * blockAlign);
        BinaryPrimitives.WriteUInt16LittleEndian(header[32..], (ushort)blockAlign);
        BinaryPrimitives.WriteUInt16LittleEndian(header[34..], (ushort)bitsPerSample);
        "data"u8.CopyTo(header[36..]);
        BinaryPrimitives.WriteInt32LittleEndian(header[40..], dataLength);
    }

    private static void Validate(string name, ushort format, ushort channels, uint rate, ushort bits)
    {
        string? problem = format switch
        {
            FormatPcm when bits != 16 => $"is {bits}-bit PCM; only 16-bit PCM, µ-law or A-law are supported",
            FormatMuLaw or FormatALaw when bits != 8 => $"is G.711 with {bits} bits per sample; G.711 WAV has 8",
            FormatPcm or FormatMuLaw or FormatALaw => null,
            _ => $"has WAV format tag {format}; only PCM (1), A-law (6) and µ-law (7) are supported",
        };
        problem ??= channels != 1 ? $"has {channels} channels; prompts must be mono" : null;
        problem ??= rate != 8000 ? $"is sampled at {rate} Hz; prompts must be 8000 Hz" : null;
        if (problem is not null)
        {
            throw new MediaFormatException($"Prompt '{name}' {problem} (convert with: sox in.wav -r 8000 -c 1 -b 16 out.wav).");
        }
    }

    private static short[] Decode(ReadOnlySpan<byte> body, ushort format)
    {
        if (format == FormatPcm)
        {
            var samples = new short[body.Length / 2];
            for (int i = 0; i < samples.Length; i++)
            {
                samples[i] = BinaryPrimitives.ReadInt16LittleEndian(body.Slice(2 * i, 2));
            }

            return samples;
        }

        var result = new short[body.Length];
        G711.Decode(format == FormatMuLaw ? AudioCodec.Pcmu : AudioCodec.Pcma, body, result);
        return result;
    }
}
