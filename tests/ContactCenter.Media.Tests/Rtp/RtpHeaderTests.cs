using ContactCenter.Media.Rtp;

namespace ContactCenter.Media.Tests.Rtp;

public class RtpHeaderTests
{
    [Fact]
    public void Written_header_parses_back_with_the_same_fields()
    {
        byte[] packet = new byte[12 + 160];
        var header = new RtpHeader { Marker = true, PayloadType = 8, SequenceNumber = 65535, Timestamp = 0xDEADBEEF, Ssrc = 0x01020304 };
        Assert.Equal(12, header.WriteTo(packet));
        Assert.Equal(0x80, packet[0]);
        Assert.Equal(0x88, packet[1]);

        Assert.True(RtpHeader.TryParse(packet, out RtpHeader parsed));
        Assert.True(parsed.Marker);
        Assert.Equal(8, parsed.PayloadType);
        Assert.Equal(65535, parsed.SequenceNumber);
        Assert.Equal(0xDEADBEEFu, parsed.Timestamp);
        Assert.Equal(0x01020304u, parsed.Ssrc);
        Assert.Equal(12, parsed.HeaderLength);
        Assert.Equal(160, parsed.PayloadLength);
    }

    [Fact]
    public void Csrcs_extension_and_padding_are_skipped()
    {
        // V=2 P=1 X=1 CC=2, PT 0; 2 CSRCs, a 1-word extension, 4 payload bytes, 3 padding bytes.
        byte[] packet =
        [
            0xB2, 0x00, 0x00, 0x01, 0, 0, 0, 160, 0, 0, 0, 7,
            0, 0, 0, 1, 0, 0, 0, 2,
            0xBE, 0xDE, 0x00, 0x01, 1, 2, 3, 4,
            0xAA, 0xBB, 0xCC, 0xDD,
            0, 0, 3,
        ];
        Assert.True(RtpHeader.TryParse(packet, out RtpHeader parsed));
        Assert.Equal(28, parsed.HeaderLength);
        Assert.Equal(4, parsed.PayloadLength);
        Assert.Equal(0xAA, packet[parsed.HeaderLength]);
    }

    [Theory]
    [InlineData(new byte[] { 0x80, 0x00 })] // too short
    [InlineData(new byte[] { 0x40, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1 })] // version 1
    [InlineData(new byte[] { 0x80, 0xC8, 0, 6, 0, 0, 0, 0, 0, 0, 0, 1 })] // RTCP SR on the RTP port
    [InlineData(new byte[] { 0x81, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1 })] // CSRC count beyond the end
    [InlineData(new byte[] { 0xA0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 9 })] // padding longer than the packet
    [InlineData(new byte[] { 0x90, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 9 })] // extension beyond the end
    public void Malformed_packets_are_rejected_without_exceptions(byte[] packet) => Assert.False(RtpHeader.TryParse(packet, out _));

    [Fact]
    public void Random_bytes_never_throw()
    {
        var random = new Random(42);
        byte[] buffer = new byte[64];
        for (int i = 0; i < 100_000; i++)
        {
            int length = random.Next(buffer.Length);
            random.NextBytes(buffer);
            if (RtpHeader.TryParse(buffer.AsSpan(0, length), out RtpHeader parsed))
            {
                Assert.True(parsed.HeaderLength + parsed.PayloadLength <= length);
            }

            RtcpCompound.TryParse(buffer.AsSpan(0, length), out _);
        }
    }
}
