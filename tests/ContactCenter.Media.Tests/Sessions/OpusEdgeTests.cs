using System.Net;
using ContactCenter.Media.Codecs;
using ContactCenter.Media.Codecs.Opus;
using ContactCenter.Media.Dtmf;
using ContactCenter.Media.Rtp;
using ContactCenter.Media.Sessions;

namespace ContactCenter.Media.Tests.Sessions;

/// <summary>The Opus edge of a leg on its own: packets in and out, no sockets.</summary>
public class OpusEdgeTests
{
    private static readonly RemoteMedia Browser = new()
    {
        RtpEndPoint = new IPEndPoint(IPAddress.Loopback, 4000),
        Codec = AudioCodec.Pcmu,
        OpusPayloadType = 111,
        TelephoneEventPayloadType = 110,
    };

    private static readonly SocketAddress From = new IPEndPoint(IPAddress.Loopback, 5000).Serialize();

    private readonly CapturingHandler inner = new();
    private readonly CapturingSender outer = new();

    [Fact]
    public void G711_from_the_leg_goes_out_as_one_opus_packet_per_20_ms_on_the_48_khz_clock()
    {
        using var edge = new OpusEdge(inner, outer, Browser);
        byte[] ulaw = new byte[240 * 4];
        G711.Encode(AudioCodec.Pcmu, TestAudio.Sine(1000, 120), ulaw);
        byte[] packet = new byte[12 + 240 + 64];
        for (int i = 0; i < 4; i++) // 30 ms packets, as some trunks send: regrouped into 20 ms frames
        {
            new RtpHeader { Marker = i == 0, PayloadType = 0, SequenceNumber = (ushort)(50 + i), Timestamp = (uint)(1000 + (i * 240)), Ssrc = 0xABCD }.WriteTo(packet);
            ulaw.AsSpan(i * 240, 240).CopyTo(packet.AsSpan(12));
            Assert.True(edge.SendRtp(packet, 12 + 240));
        }

        Assert.Equal(6, outer.Rtp.Count);
        for (int k = 0; k < 6; k++)
        {
            RtpHeader header = outer.Header(k);
            Assert.Equal(111, header.PayloadType);
            Assert.Equal(0xABCDu, header.Ssrc);
            Assert.Equal((uint)((1000 + (k * 160)) * 6), header.Timestamp);
            Assert.Equal(k == 0, header.Marker);
            Assert.Equal((ushort)(outer.Header(0).SequenceNumber + k), header.SequenceNumber);
        }

        Assert.Equal(6, edge.PacketsSent);

        // An RFC 4733 event from the leg: on the 48 kHz clock, its duration too.
        byte[] digit = new byte[16];
        new RtpHeader { Marker = true, PayloadType = 110, SequenceNumber = 54, Timestamp = 2000, Ssrc = 0xABCD }.WriteTo(digit);
        new TelephoneEvent(5, false, 10, 800).WriteTo(digit.AsSpan(12));
        Assert.True(edge.SendRtp(digit, 16));
        RtpHeader eventHeader = outer.Header(6);
        Assert.Equal(12000u, eventHeader.Timestamp);
        Assert.Equal((ushort)(outer.Header(5).SequenceNumber + 1), eventHeader.SequenceNumber);
        Assert.True(TelephoneEvent.TryParse(outer.Rtp[6].AsSpan(12), out TelephoneEvent value));
        Assert.Equal(4800, value.Duration);
    }

    [Fact]
    public void Opus_from_the_peer_reaches_the_leg_as_g711_on_the_8_khz_clock()
    {
        using var edge = new OpusEdge(inner, outer, Browser);
        var encoder = new OpusAudioEncoder(48000, bitrate: 32000);
        short[] pcm = new short[960];
        byte[] opus = new byte[OpusAudioEncoder.MaxPacketBytes];
        byte[] packet = new byte[12 + OpusAudioEncoder.MaxPacketBytes];
        uint start = uint.MaxValue - 960; // the 48 kHz timestamp wraps between the second and third packet
        for (int i = 0; i < 3; i++)
        {
            int length = encoder.Encode(pcm, opus);
            new RtpHeader { PayloadType = 111, SequenceNumber = (ushort)i, Timestamp = start + (uint)(i * 960), Ssrc = 9 }.WriteTo(packet);
            opus.AsSpan(0, length).CopyTo(packet.AsSpan(12));
            edge.OnRtp(packet.AsSpan(0, 12 + length), From);
        }

        byte[] digit = new byte[16];
        new RtpHeader { PayloadType = 110, SequenceNumber = 3, Timestamp = start + 2880, Ssrc = 9 }.WriteTo(digit);
        new TelephoneEvent(1, true, 10, 4800).WriteTo(digit.AsSpan(12));
        edge.OnRtp(digit, From);
        byte[] other = new byte[12 + 160];
        new RtpHeader { PayloadType = 0, SequenceNumber = 4, Timestamp = 1, Ssrc = 9 }.WriteTo(other);
        edge.OnRtp(other, From); // a payload type the edge does not convert goes to the leg as it is

        Assert.Equal(5, inner.Rtp.Count);
        RtpHeader[] headers = [.. inner.Rtp.Select(p => RtpHeader.TryParse(p, out RtpHeader h) ? h : default)];
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(0, headers[i].PayloadType);
            Assert.Equal(12 + 160, inner.Rtp[i].Length);
            Assert.Equal(headers[0].Timestamp + (uint)(i * 160), headers[i].Timestamp);
        }

        Assert.Equal(110, headers[3].PayloadType);
        Assert.Equal(headers[0].Timestamp + 480, headers[3].Timestamp);
        Assert.True(TelephoneEvent.TryParse(inner.Rtp[3].AsSpan(12), out TelephoneEvent value));
        Assert.Equal(800, value.Duration);
        Assert.Equal(other, inner.Rtp[4]);
    }

    [Fact]
    public void Reports_are_put_in_opus_terms()
    {
        using var edge = new OpusEdge(inner, outer, Browser);
        byte[] report = new byte[256];
        int length = RtcpCompound.Write(report, 0xABCD, new RtcpSenderInfo(1UL << 40, 1000, 5, 800), [new RtcpReportBlock(9, 0, 0, 10, 10, 0, 0)], "cc", bye: false);

        Assert.True(edge.SendRtcp(report, length));

        Assert.True(RtcpCompound.TryParse(outer.Rtcp[0], out RtcpCompound? sent));
        Assert.Equal(6000u, sent!.SenderInfo!.Value.RtpTimestamp);
        Assert.Equal(0u, sent.SenderInfo.Value.PacketCount); // no Opus packet sent yet
        Assert.Equal(60u, Assert.Single(sent.Reports).Jitter);
    }
}
