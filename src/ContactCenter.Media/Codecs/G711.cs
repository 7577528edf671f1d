using System.Numerics;

namespace ContactCenter.Media.Codecs;

/// <summary>
/// ITU-T G.711 µ-law and A-law, bit-exact with the ITU-T reference software (G.191 STL
/// <c>g711.c</c>): 16-bit linear samples in, 8-bit code words out and back. Decoding uses the
/// reconstruction values of G.711 (mid-points of the quantisation intervals) scaled to 16 bits.
/// </summary>
public static class G711
{
    private static readonly short[] MuLawToLinear = BuildMuLawDecodeTable();
    private static readonly short[] ALawToLinear = BuildALawDecodeTable();
    private static readonly byte[] LinearToMuLaw = BuildEncodeTable(CompressMuLaw);
    private static readonly byte[] LinearToALaw = BuildEncodeTable(CompressALaw);
    private static readonly byte[] MuLawToALawTable = BuildTranscodeTable(MuLawToLinear, EncodeALaw);
    private static readonly byte[] ALawToMuLawTable = BuildTranscodeTable(ALawToLinear, EncodeMuLaw);

    /// <summary>Encodes one 16-bit linear sample to µ-law (G.191 <c>ulaw_compress</c>, through a 64 K table).</summary>
    public static byte EncodeMuLaw(short sample) => LinearToMuLaw[(ushort)sample];

    /// <summary>Encodes one 16-bit linear sample to A-law, even bits inverted (G.191 <c>alaw_compress</c>, through a 64 K table).</summary>
    public static byte EncodeALaw(short sample) => LinearToALaw[(ushort)sample];

    private static byte CompressMuLaw(short sample)
    {
        // One's complement of negatives, 14-bit magnitude, bias of 33 (the µ-law/A-law threshold offset).
        int absno = (sample < 0 ? (~sample) >> 2 : sample >> 2) + 33;
        if (absno > 0x1FFF)
        {
            absno = 0x1FFF;
        }

        // Segment number: 1 + the bit length of absno >> 6 (the reference's shift loop, in one instruction).
        int i = absno >> 6;
        int segno = i == 0 ? 1 : BitOperations.Log2((uint)i) + 2;

        int highNibble = 0x8 - segno;
        int lowNibble = 0xF - ((absno >> segno) & 0xF);
        int code = (highNibble << 4) | lowNibble;
        if (sample >= 0)
        {
            code |= 0x80;
        }

        return (byte)code;
    }

    /// <summary>Decodes one µ-law code word to a 16-bit linear sample (G.191 <c>ulaw_expand</c>).</summary>
    public static short DecodeMuLaw(byte code) => MuLawToLinear[code];

    private static byte CompressALaw(short sample)
    {
        int ix = sample < 0 ? (~sample) >> 4 : sample >> 4;
        if (ix > 15)
        {
            // Exponent from the leading one (the reference's shift loop), mantissa the next four bits.
            int exponent = BitOperations.Log2((uint)ix) - 3;
            ix = (ix >> (exponent - 1)) - 16 + (exponent << 4);
        }

        if (sample >= 0)
        {
            ix |= 0x80;
        }

        return (byte)(ix ^ 0x55);
    }

    /// <summary>Decodes one A-law code word to a 16-bit linear sample (G.191 <c>alaw_expand</c>).</summary>
    public static short DecodeALaw(byte code) => ALawToLinear[code];

    /// <summary>µ-law code word to the A-law code word of the same linear value (through the linear domain).</summary>
    public static byte MuLawToALaw(byte code) => MuLawToALawTable[code];

    /// <summary>A-law code word to the µ-law code word of the same linear value (through the linear domain).</summary>
    public static byte ALawToMuLaw(byte code) => ALawToMuLawTable[code];

    /// <summary>Encodes linear samples with <paramref name="codec"/>; <paramref name="destination"/> must be as long.</summary>
    public static void Encode(AudioCodec codec, ReadOnlySpan<short> samples, Span<byte> destination)
    {
        if (destination.Length < samples.Length)
        {
            throw new ArgumentException("Destination is shorter than the samples.", nameof(destination));
        }

        byte[] table = codec == AudioCodec.Pcmu ? LinearToMuLaw : LinearToALaw;
        for (int i = 0; i < samples.Length; i++)
        {
            destination[i] = table[(ushort)samples[i]];
        }
    }

    /// <summary>Decodes code words of <paramref name="codec"/>; <paramref name="destination"/> must be as long.</summary>
    public static void Decode(AudioCodec codec, ReadOnlySpan<byte> codes, Span<short> destination)
    {
        if (destination.Length < codes.Length)
        {
            throw new ArgumentException("Destination is shorter than the code words.", nameof(destination));
        }

        short[] table = codec == AudioCodec.Pcmu ? MuLawToLinear : ALawToLinear;
        for (int i = 0; i < codes.Length; i++)
        {
            destination[i] = table[codes[i]];
        }
    }

    /// <summary>Transcodes a payload between the two laws (a copy when both are the same).</summary>
    public static void Transcode(AudioCodec from, AudioCodec to, ReadOnlySpan<byte> source, Span<byte> destination)
    {
        if (destination.Length < source.Length)
        {
            throw new ArgumentException("Destination is shorter than the source.", nameof(destination));
        }

        if (from == to)
        {
            source.CopyTo(destination);
            return;
        }

        byte[] table = from == AudioCodec.Pcmu ? MuLawToALawTable : ALawToMuLawTable;
        for (int i = 0; i < source.Length; i++)
        {
            destination[i] = table[source[i]];
        }
    }

    private static short[] BuildMuLawDecodeTable()
    {
        var table = new short[256];
        for (int code = 0; code < 256; code++)
        {
            int sign = code < 0x80 ? -1 : 1;
            int mantissa = ~code;
            int exponent = (mantissa >> 4) & 0x7;
            int segment = exponent + 1;
            mantissa &= 0xF;
            int step = 4 << segment;
            table[code] = (short)(sign * ((0x80 << exponent) + (step * mantissa) + (step / 2) - (4 * 33)));
        }

        return table;
    }

    private static short[] BuildALawDecodeTable()
    {
        var table = new short[256];
        for (int code = 0; code < 256; code++)
        {
            int ix = (code ^ 0x55) & 0x7F;
            int exponent = ix >> 4;
            int mantissa = ix & 0xF;
            if (exponent > 0)
            {
                mantissa += 16;
            }

            mantissa = (mantissa << 4) + 0x8;
            if (exponent > 1)
            {
                mantissa <<= exponent - 1;
            }

            table[code] = (short)(code > 127 ? mantissa : -mantissa);
        }

        return table;
    }

    private static byte[] BuildEncodeTable(Func<short, byte> compress)
    {
        var table = new byte[65536];
        for (int sample = short.MinValue; sample <= short.MaxValue; sample++)
        {
            table[(ushort)sample] = compress((short)sample);
        }

        return table;
    }

    private static byte[] BuildTranscodeTable(short[] decode, Func<short, byte> encode)
    {
        var table = new byte[256];
        for (int code = 0; code < 256; code++)
        {
            table[code] = encode(decode[code]);
        }

        return table;
    }
}
