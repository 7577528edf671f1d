using ContactCenter.Media.Rtp;

namespace ContactCenter.Media.Tests.Rtp;

public class PacketDemultiplexerTests
{
    [Theory]
    [InlineData(new byte[] { 0x00, 0x01 }, (int)PacketKind.Stun)]
    [InlineData(new byte[] { 0x03, 0x00 }, (int)PacketKind.Stun)]
    [InlineData(new byte[] { 16, 0 }, (int)PacketKind.Unknown)] // ZRTP
    [InlineData(new byte[] { 20, 0xFE }, (int)PacketKind.Dtls)] // change_cipher_spec
    [InlineData(new byte[] { 22, 0xFE }, (int)PacketKind.Dtls)] // handshake
    [InlineData(new byte[] { 63, 0 }, (int)PacketKind.Dtls)]
    [InlineData(new byte[] { 64, 0 }, (int)PacketKind.Unknown)] // TURN channel
    [InlineData(new byte[] { 0x80, 0x00 }, (int)PacketKind.Rtp)] // PCMU
    [InlineData(new byte[] { 0x80, 0xEF }, (int)PacketKind.Rtp)] // marker + PT 111 (Opus)
    [InlineData(new byte[] { 0x81, 0xC8 }, (int)PacketKind.Rtcp)] // SR (200)
    [InlineData(new byte[] { 0x81, 0xC9 }, (int)PacketKind.Rtcp)] // RR (201)
    [InlineData(new byte[] { 0x8F, 0xCD }, (int)PacketKind.Rtcp)] // RTPFB (205)
    [InlineData(new byte[] { 0xBF, 0xDF }, (int)PacketKind.Rtcp)]
    [InlineData(new byte[] { 0xC0, 0x00 }, (int)PacketKind.Unknown)]
    [InlineData(new byte[] { 0x80 }, (int)PacketKind.Unknown)]
    [InlineData(new byte[0], (int)PacketKind.Unknown)]
    public void First_byte_tells_stun_dtls_and_rtp_apart(byte[] packet, int kind) =>
        Assert.Equal((PacketKind)kind, PacketDemultiplexer.Classify(packet));
}
