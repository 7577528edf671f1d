using ContactCenter.Media.Codecs;

namespace ContactCenter.Media.Tests.Codecs;

public class G711Tests
{
    // Independent statement of G.711 (Tables 2a/2b): reconstruction values and decision intervals,
    // in the law's own uniform units (14-bit magnitude for µ-law, 12-bit magnitude for A-law).
    private static int MuLawReconstruction(int n)
    {
        int e = n >> 4, m = n & 15;
        return ((2 * m + 33) << e) - 33;
    }

    private static (int Low, int High) MuLawInterval(int n)
    {
        int e = n >> 4, m = n & 15;
        if (e == 0)
        {
            return n == 0 ? (0, 1) : ((2 * n) - 1, (2 * n) + 1);
        }

        int low = (32 << e) - 33 + (m * (2 << e));
        return (low, low + (2 << e));
    }

    private static int ALawReconstruction(int n)
    {
        int e = n >> 4, m = n & 15;
        return e == 0 ? (2 * m) + 1 : (2 * m + 33) << (e - 1);
    }

    private static (int Low, int High) ALawInterval(int n)
    {
        int e = n >> 4, m = n & 15;
        return e == 0 ? (2 * m, (2 * m) + 2) : ((16 + m) << e, (17 + m) << e);
    }

    [Fact]
    public void Every_mu_law_code_decodes_to_the_G711_reconstruction_value()
    {
        for (int code = 0; code < 256; code++)
        {
            int n = 0x7F - (code & 0x7F);
            int expected = 4 * MuLawReconstruction(n) * ((code & 0x80) != 0 ? 1 : -1);
            Assert.True(expected == G711.DecodeMuLaw((byte)code), $"code 0x{code:X2}: expected {expected}, got {G711.DecodeMuLaw((byte)code)}");
        }

        Assert.Equal(32124, G711.DecodeMuLaw(0x80));
        Assert.Equal(-32124, G711.DecodeMuLaw(0x00));
        Assert.Equal(0, G711.DecodeMuLaw(0xFF));
        Assert.Equal(0, G711.DecodeMuLaw(0x7F));
    }

    [Fact]
    public void Every_a_law_code_decodes_to_the_G711_reconstruction_value()
    {
        for (int code = 0; code < 256; code++)
        {
            int n = (code ^ 0x55) & 0x7F;
            int expected = 8 * ALawReconstruction(n) * ((code & 0x80) != 0 ? 1 : -1);
            Assert.True(expected == G711.DecodeALaw((byte)code), $"code 0x{code:X2}: expected {expected}, got {G711.DecodeALaw((byte)code)}");
        }

        Assert.Equal(32256, G711.DecodeALaw(0xAA));
        Assert.Equal(-32256, G711.DecodeALaw(0x2A));
        Assert.Equal(8, G711.DecodeALaw(0xD5));
        Assert.Equal(-8, G711.DecodeALaw(0x55));
    }

    [Fact]
    public void Every_mu_law_code_survives_decode_then_encode()
    {
        for (int code = 0; code < 256; code++)
        {
            byte again = G711.EncodeMuLaw(G711.DecodeMuLaw((byte)code));
            // Negative zero (0x7F) decodes to 0, which encodes as positive zero (0xFF).
            Assert.Equal(code == 0x7F ? 0xFF : code, again);
        }
    }

    [Fact]
    public void Every_a_law_code_survives_decode_then_encode()
    {
        for (int code = 0; code < 256; code++)
        {
            Assert.Equal(code, G711.EncodeALaw(G711.DecodeALaw((byte)code)));
        }
    }

    [Fact]
    public void Every_linear_input_encodes_into_its_mu_law_decision_interval()
    {
        for (int x = short.MinValue; x <= short.MaxValue; x++)
        {
            int magnitude = x >= 0 ? x >> 2 : (-x - 1) >> 2;
            int n = 127;
            for (int candidate = 0; candidate < 128; candidate++)
            {
                var (low, high) = MuLawInterval(candidate);
                if (magnitude >= low && magnitude < high)
                {
                    n = candidate;
                    break;
                }
            }

            byte expected = (byte)(x >= 0 ? 0xFF - n : 0x7F - n);
            byte actual = G711.EncodeMuLaw((short)x);
            if (expected != actual)
            {
                Assert.Fail($"input {x}: expected 0x{expected:X2}, got 0x{actual:X2}");
            }
        }
    }

    [Fact]
    public void Every_linear_input_encodes_into_its_a_law_decision_interval()
    {
        for (int x = short.MinValue; x <= short.MaxValue; x++)
        {
            int magnitude = x >= 0 ? x >> 3 : (-x - 1) >> 3;
            int n = 127;
            for (int candidate = 0; candidate < 128; candidate++)
            {
                var (low, high) = ALawInterval(candidate);
                if (magnitude >= low && magnitude < high)
                {
                    n = candidate;
                    break;
                }
            }

            byte expected = (byte)((x >= 0 ? 0x80 | n : n) ^ 0x55);
            byte actual = G711.EncodeALaw((short)x);
            if (expected != actual)
            {
                Assert.Fail($"input {x}: expected 0x{expected:X2}, got 0x{actual:X2}");
            }
        }
    }

    [Theory]
    [InlineData(0, 0xFF)] // first interval of segment 0 is half-width
    [InlineData(3, 0xFF)]
    [InlineData(4, 0xFE)]
    [InlineData(123, 0xF0)] // 14-bit 30: last code of segment 0
    [InlineData(124, 0xEF)] // 14-bit 31: first code of segment 1
    [InlineData(379, 0xE0)] // 14-bit 94
    [InlineData(380, 0xDF)] // 14-bit 95: segment 2
    [InlineData(16251, 0x90)] // 14-bit 4062
    [InlineData(16252, 0x8F)] // 14-bit 4063: segment 7
    [InlineData(32635, 0x80)]
    [InlineData(32767, 0x80)] // clipped
    [InlineData(-1, 0x7F)]
    [InlineData(-125, 0x6F)] // -(14-bit 31) - 1 in one's complement
    [InlineData(-32768, 0x00)]
    public void Mu_law_segment_boundaries(int input, int code) => Assert.Equal(code, G711.EncodeMuLaw((short)input));

    [Theory]
    [InlineData(0, 0xD5)]
    [InlineData(15, 0xD5)]
    [InlineData(16, 0xD4)]
    [InlineData(255, 0xDA)] // 12-bit 31: last code of segment 0
    [InlineData(256, 0xC5)] // 12-bit 32: first code of segment 1
    [InlineData(511, 0xCA)]
    [InlineData(512, 0xF5)] // segment 2
    [InlineData(16383, 0xBA)] // last code of segment 6
    [InlineData(16384, 0xA5)] // segment 7
    [InlineData(32767, 0xAA)]
    [InlineData(-1, 0x55)]
    [InlineData(-32768, 0x2A)]
    public void A_law_segment_boundaries(int input, int code) => Assert.Equal(code, G711.EncodeALaw((short)input));

    [Fact]
    public void Transcoding_tables_go_through_the_linear_value()
    {
        for (int code = 0; code < 256; code++)
        {
            Assert.Equal(G711.EncodeALaw(G711.DecodeMuLaw((byte)code)), G711.MuLawToALaw((byte)code));
            Assert.Equal(G711.EncodeMuLaw(G711.DecodeALaw((byte)code)), G711.ALawToMuLaw((byte)code));
        }
    }

    [Fact]
    public void Mu_law_to_a_law_and_back_stays_within_one_step()
    {
        for (int code = 0; code < 256; code++)
        {
            short original = G711.DecodeMuLaw((byte)code);
            short back = G711.DecodeMuLaw(G711.ALawToMuLaw(G711.MuLawToALaw((byte)code)));
            int n = 0x7F - (code & 0x7F);
            int step = 4 * (MuLawInterval(n).High - MuLawInterval(n).Low);
            Assert.True(Math.Abs(original - back) <= Math.Max(step, 16), $"code 0x{code:X2}: {original} came back as {back}");
        }
    }

    [Fact]
    public void Span_transcode_matches_the_per_code_tables()
    {
        byte[] all = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        byte[] a = new byte[256];
        byte[] u = new byte[256];
        G711.Transcode(AudioCodec.Pcmu, AudioCodec.Pcma, all, a);
        G711.Transcode(AudioCodec.Pcma, AudioCodec.Pcmu, all, u);
        for (int i = 0; i < 256; i++)
        {
            Assert.Equal(G711.MuLawToALaw((byte)i), a[i]);
            Assert.Equal(G711.ALawToMuLaw((byte)i), u[i]);
        }
    }

    [Fact]
    public void Destination_too_short_is_a_clear_argument_error()
    {
        var error = Assert.Throws<ArgumentException>(() => G711.Encode(AudioCodec.Pcmu, new short[160], new byte[10]));
        Assert.Contains("shorter", error.Message, StringComparison.Ordinal);
    }
}
