using System.Text;
using BenchmarkDotNet.Attributes;
using ContactCenter.Sip.Message;

namespace ContactCenter.Sip.Benchmarks;

/// <summary>Parse time and allocation for a typical INVITE with SDP and a 200 OK (RFC 3665-style messages).</summary>
[MemoryDiagnoser]
public class ParserBenchmarks
{
    public static readonly byte[] Invite = Encoding.ASCII.GetBytes(
        "INVITE sip:bob@biloxi.example.com SIP/2.0\r\n" +
        "Via: SIP/2.0/UDP client.atlanta.example.com:5060;branch=z9hG4bK74bf9;rport\r\n" +
        "Max-Forwards: 70\r\n" +
        "From: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl\r\n" +
        "To: Bob <sip:bob@biloxi.example.com>\r\n" +
        "Call-ID: 3848276298220188511@atlanta.example.com\r\n" +
        "CSeq: 1 INVITE\r\n" +
        "Contact: <sip:alice@client.atlanta.example.com;transport=udp>\r\n" +
        "Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, UPDATE\r\n" +
        "Supported: replaces, timer\r\n" +
        "User-Agent: Softphone/1.2.3\r\n" +
        "Content-Type: application/sdp\r\n" +
        "Content-Length: 226\r\n" +
        "\r\n" +
        "v=0\r\n" +
        "o=alice 2890844526 2890844526 IN IP4 client.atlanta.example.com\r\n" +
        "s=-\r\n" +
        "c=IN IP4 192.0.2.101\r\n" +
        "t=0 0\r\n" +
        "m=audio 49172 RTP/AVP 0 8 101\r\n" +
        "a=rtpmap:0 PCMU/8000\r\n" +
        "a=rtpmap:8 PCMA/8000\r\n" +
        "a=rtpmap:101 telephone-event/8000\r\n" +
        "a=ptime:20\r\n");

    public static readonly byte[] Ok = Encoding.ASCII.GetBytes(
        "SIP/2.0 200 OK\r\n" +
        "Via: SIP/2.0/UDP client.atlanta.example.com:5060;branch=z9hG4bK74bf9;received=192.0.2.101;rport=5060\r\n" +
        "From: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl\r\n" +
        "To: Bob <sip:bob@biloxi.example.com>;tag=8321234356\r\n" +
        "Call-ID: 3848276298220188511@atlanta.example.com\r\n" +
        "CSeq: 1 INVITE\r\n" +
        "Contact: <sip:bob@client.biloxi.example.com;transport=udp>\r\n" +
        "Content-Length: 0\r\n" +
        "\r\n");

    [GlobalSetup]
    public void CheckMessagesParse()
    {
        if (!SipParser.ParseDatagram(Invite).IsSuccess || !SipParser.ParseDatagram(Ok).IsSuccess)
        {
            throw new InvalidOperationException("benchmark messages must parse");
        }
    }

    [Benchmark(Baseline = true)]
    public SipMessage? ParseInviteWithSdp() => SipParser.ParseDatagram(Invite).Message;

    [Benchmark]
    public SipMessage? Parse200Ok() => SipParser.ParseDatagram(Ok).Message;

    [Benchmark]
    public byte[] ParseAndSerialiseInvite() => SipParser.ParseDatagram(Invite).Message!.ToBytes();
}
