using ContactCenter.Media.Rtp;

namespace ContactCenter.Media.Tests.Rtp;

public class RtcpTests
{
    [Fact]
    public void Sender_report_with_block_sdes_and_bye_round_trips()
    {
        byte[] buffer = new byte[512];
        var info = new RtcpSenderInfo(0xE000_0000_8000_0000, 123456, 1500, 240000);
        RtcpReportBlock[] blocks = [new RtcpReportBlock(0xCAFEBABE, 64, 12, 70000, 35, 0x12345678, 65536)];
        int length = RtcpCompound.Write(buffer, 0x11223344, info, blocks, "cc@127.0.0.1", bye: true);
        Assert.Equal(0, length % 4);

        Assert.True(RtcpCompound.TryParse(buffer.AsSpan(0, length), out RtcpCompound? parsed));
        Assert.Equal(0x11223344u, parsed!.Ssrc);
        Assert.Equal(info, parsed.SenderInfo);
        Assert.Equal(blocks[0], Assert.Single(parsed.Reports));
        Assert.Equal("cc@127.0.0.1", parsed.CanonicalName);
        Assert.True(parsed.Bye);
    }

    [Fact]
    public void Receiver_report_has_no_sender_info_and_keeps_negative_loss()
    {
        byte[] buffer = new byte[512];
        RtcpReportBlock[] blocks = [new RtcpReportBlock(7, 0, -3, 100, 0, 0, 0)];
        int length = RtcpCompound.Write(buffer, 9, null, blocks, "x");
        Assert.Equal(201, buffer[1]);
        Assert.True(RtcpCompound.TryParse(buffer.AsSpan(0, length), out RtcpCompound? parsed));
        Assert.Null(parsed!.SenderInfo);
        Assert.Equal(-3, parsed.Reports[0].CumulativeLost);
        Assert.False(parsed.Bye);
    }

    [Fact]
    public void Truncated_compound_is_rejected()
    {
        byte[] buffer = new byte[512];
        int length = RtcpCompound.Write(buffer, 9, null, [], "name");
        Assert.False(RtcpCompound.TryParse(buffer.AsSpan(0, length - 4), out _));
    }
}
