using BenchmarkDotNet.Attributes;
using ContactCenter.Media.Dtmf;
using ContactCenter.Media.Rtp;

namespace ContactCenter.Media.Benchmarks;

/// <summary>RTP/RTCP per packet. Baseline: copying the 172-byte packet.</summary>
[MemoryDiagnoser]
public class RtpBenchmarks
{
    private readonly byte[] packet = new byte[172];
    private readonly byte[] copy = new byte[172];
    private readonly byte[] eventPacket = new byte[16];
    private readonly byte[] rtcp = new byte[256];
    private int rtcpLength;

    [GlobalSetup]
    public void Setup()
    {
        new RtpHeader { PayloadType = 0, SequenceNumber = 1, Timestamp = 160, Ssrc = 42 }.WriteTo(packet);
        new RtpHeader { PayloadType = 101, SequenceNumber = 2, Timestamp = 320, Ssrc = 42 }.WriteTo(eventPacket);
        new TelephoneEvent(5, false, 10, 160).WriteTo(eventPacket.AsSpan(12));
        rtcpLength = RtcpCompound.Write(rtcp, 42, new RtcpSenderInfo(1, 2, 3, 4), [new RtcpReportBlock(7, 0, 0, 100, 3, 0, 0)], "cc-media@127.0.0.1");
    }

    [Benchmark(Baseline = true)]
    public void CopyPacket() => packet.AsSpan().CopyTo(copy);

    [Benchmark]
    public int ParseRtp() => RtpHeader.TryParse(packet, out RtpHeader header) ? header.PayloadLength : -1;

    [Benchmark]
    public int WriteRtpHeader() => new RtpHeader { Marker = true, PayloadType = 8, SequenceNumber = 7, Timestamp = 1600, Ssrc = 42 }.WriteTo(copy);

    [Benchmark]
    public int ParseTelephoneEvent()
    {
        RtpHeader.TryParse(eventPacket, out RtpHeader header);
        return TelephoneEvent.TryParse(eventPacket.AsSpan(header.HeaderLength), out TelephoneEvent value) ? value.Duration : -1;
    }

    [Benchmark]
    public bool ParseRtcpCompound() => RtcpCompound.TryParse(rtcp.AsSpan(0, rtcpLength), out _);
}
