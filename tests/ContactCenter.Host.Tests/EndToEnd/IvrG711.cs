using System.Buffers.Binary;

namespace ContactCenter.Host.Tests.EndToEnd;

/// <summary>
/// The test's own G.711 (a transcription of the ITU-T G.191 reference <c>g711.c</c>), independent of
/// ContactCenter.Media, and a reader for the 8 kHz PCM16 prompt files, so a capture of the product's
/// RTP can be checked against the prompt it should carry.
/// </summary>
internal static class IvrG711
{
    public static byte Encode(byte payloadType, short sample) => payloadType switch
    {
        0 => EncodeMuLaw(sample),
        8 => EncodeALaw(sample),
        _ => throw new ArgumentOutOfRangeException(nameof(payloadType), payloadType, "not a G.711 payload type"),
    };

    public static short Decode(byte payloadType, byte code) => payloadType switch
    {
        0 => DecodeMuLaw(code),
        8 => DecodeALaw(code),
        _ => throw new ArgumentOutOfRangeException(nameof(payloadType), payloadType, "not a G.711 payload type"),
    };

    /// <summary>G.191 <c>ulaw_compress</c>.</summary>
    public static byte EncodeMuLaw(short sample)
    {
        int absno = (sample < 0 ? (~sample) >> 2 : sample >> 2) + 33;
        if (absno > 0x1FFF)
        {
            absno = 0x1FFF;
        }

        int i = absno >> 6;
        int segno = 1;
        while (i != 0)
        {
            segno++;
            i >>= 1;
        }

        int high = 0x08 - segno;
        int low = 0x0F - ((absno >> segno) & 0x0F);
        int code = (high << 4) | low;
        return (byte)(sample >= 0 ? code | 0x80 : code);
    }

    /// <summary>G.191 <c>ulaw_expand</c>.</summary>
    public static short DecodeMuLaw(byte code)
    {
        int sign = code < 0x80 ? -1 : 1;
        int mantissa = ~code;
        int exponent = (mantissa >> 4) & 0x07;
        int step = 4 << (exponent + 1);
        mantissa &= 0x0F;
        return (short)(sign * ((0x80 << exponent) + (step * mantissa) + (step / 2) - (4 * 33)));
    }

    /// <summary>G.191 <c>alaw_compress</c>.</summary>
    public static byte EncodeALaw(short sample)
    {
        int ix = sample < 0 ? (~sample) >> 4 : sample >> 4;
        if (ix > 15)
        {
            int exponent = 1;
            while (ix > 16 + 15)
            {
                ix >>= 1;
                exponent++;
            }

            ix -= 16;
            ix += exponent << 4;
        }

        if (sample >= 0)
        {
            ix |= 0x80;
        }

        return (byte)(ix ^ 0x55);
    }

    /// <summary>G.191 <c>alaw_expand</c>.</summary>
    public static short DecodeALaw(byte code)
    {
        int ix = (code ^ 0x55) & 0x7F;
        int exponent = ix >> 4;
        int mantissa = ix & 0x0F;
        if (exponent > 0)
        {
            mantissa += 16;
        }

        mantissa = (mantissa << 4) + 0x08;
        if (exponent > 1)
        {
            mantissa <<= exponent - 1;
        }

        return (short)(code > 127 ? mantissa : -mantissa);
    }

    /// <summary>Samples of an 8 kHz mono PCM16 WAV file (the format telephony-config/prompts/generate.sh writes).</summary>
    public static short[] ReadPcm16Wav(string path)
    {
        var data = File.ReadAllBytes(path);
        Assert.True(data.Length >= 12 && data.AsSpan(0, 4).SequenceEqual("RIFF"u8) && data.AsSpan(8, 4).SequenceEqual("WAVE"u8), $"{path} is not a WAV file");
        var offset = 12;
        var haveFormat = false;
        while (offset + 8 <= data.Length)
        {
            var id = data.AsSpan(offset, 4);
            var size = (int)BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(offset + 4));
            var body = data.AsSpan(offset + 8, Math.Min(size, data.Length - offset - 8));
            if (id.SequenceEqual("fmt "u8))
            {
                Assert.True(BinaryPrimitives.ReadUInt16LittleEndian(body) == 1, $"{path}: not PCM");
                Assert.True(BinaryPrimitives.ReadUInt16LittleEndian(body[2..]) == 1, $"{path}: not mono");
                Assert.True(BinaryPrimitives.ReadUInt32LittleEndian(body[4..]) == 8000, $"{path}: not 8 kHz");
                Assert.True(BinaryPrimitives.ReadUInt16LittleEndian(body[14..]) == 16, $"{path}: not 16-bit");
                haveFormat = true;
            }
            else if (id.SequenceEqual("data"u8))
            {
                Assert.True(haveFormat, $"{path}: data before fmt");
                var samples = new short[body.Length / 2];
                for (var i = 0; i < samples.Length; i++)
                {
                    samples[i] = BinaryPrimitives.ReadInt16LittleEndian(body[(2 * i)..]);
                }

                return samples;
            }

            offset += 8 + size + (size & 1);
        }

        Assert.Fail($"{path}: no data chunk");
        return [];
    }
}
