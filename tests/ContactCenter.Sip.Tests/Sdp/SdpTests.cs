using System.Net;
using ContactCenter.Sip.Sdp;

namespace ContactCenter.Sip.Tests.Sdp;

public class SdpTests
{
    private const string BriaOffer =
        "v=0\r\no=- 3849 1 IN IP4 192.0.2.10\r\ns=softphone\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\n" +
        "m=audio 49170 RTP/AVP 8 0 18 96\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:18 G729/8000\r\n" +
        "a=rtpmap:96 telephone-event/8000\r\na=fmtp:96 0-15\r\na=ptime:30\r\na=sendrecv\r\n" +
        "m=video 51372 RTP/AVP 31\r\na=rtpmap:31 H261/90000\r\n";

    private static readonly IPEndPoint Local = new(IPAddress.Parse("198.51.100.1"), 30000);

    [Fact]
    public void Parses_and_serialises_round_trip()
    {
        var sdp = SessionDescription.Parse(BriaOffer);
        Assert.Equal(2, sdp.Media.Count);
        Assert.Equal("192.0.2.10", sdp.ConnectionAddress);
        Assert.Equal(("PCMA", 8000), sdp.Media[0].RtpMap("8"));
        Assert.Equal(30, sdp.Media[0].Ptime);
        var again = SessionDescription.Parse(sdp.ToString());
        Assert.Equal(sdp.ToString(), again.ToString());
    }

    [Fact]
    public void Answer_picks_the_first_offered_supported_codec_and_keeps_the_event_payload_type()
    {
        var result = SdpOfferAnswer.CreateAnswer(SessionDescription.Parse(BriaOffer), Local);
        Assert.True(result.IsSuccess, result.Error);
        var audio = result.Audio!;
        Assert.Equal(AudioCodec.Pcma, audio.Codec);
        Assert.Equal(96, audio.TelephoneEventPayloadType);
        Assert.Equal(30, audio.Ptime);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("192.0.2.10"), 49170), audio.RemoteRtp);
        var answer = result.Answer!;
        Assert.Equal(2, answer.Media.Count);
        Assert.Equal(["8", "96"], answer.Media[0].Formats);
        Assert.Equal(30000, answer.Media[0].Port);
        Assert.Equal(0, answer.Media[1].Port);
        Assert.Equal(MediaDirection.SendRecv, answer.DirectionFor(answer.Media[0]));
    }

    [Theory]
    [InlineData("sendonly", MediaDirection.RecvOnly)]
    [InlineData("recvonly", MediaDirection.SendOnly)]
    [InlineData("inactive", MediaDirection.Inactive)]
    [InlineData("sendrecv", MediaDirection.SendRecv)]
    public void Hold_directions_are_mirrored_in_the_answer(string offered, MediaDirection answered)
    {
        var result = SdpOfferAnswer.CreateAnswer(SessionDescription.Parse(BriaOffer.Replace("a=sendrecv", "a=" + offered, StringComparison.Ordinal)), Local);
        Assert.Equal(answered, result.Audio!.Direction);
        Assert.Equal(answered, result.Answer!.DirectionFor(result.Answer.Media[0]));
    }

    [Fact]
    public void Offer_without_g711_is_refused()
    {
        var offer = SessionDescription.Parse("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 18\r\na=rtpmap:18 G729/8000\r\n");
        var result = SdpOfferAnswer.CreateAnswer(offer, Local);
        Assert.False(result.IsSuccess);
        Assert.Contains("PCMU", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Our_offer_is_answered_and_read_back()
    {
        var offer = SdpOfferAnswer.CreateOffer(Local, new AudioMediaOptions { Direction = MediaDirection.SendOnly });
        Assert.Equal(["0", "8", "101"], offer.Media[0].Formats);
        var remote = new IPEndPoint(IPAddress.Parse("203.0.113.5"), 8000);
        var answer = SdpOfferAnswer.CreateAnswer(SessionDescription.Parse(offer.ToString()), remote);
        Assert.Equal(MediaDirection.RecvOnly, answer.Audio!.Direction);
        var agreed = SdpOfferAnswer.ReadAnswer(answer.Answer!);
        Assert.NotNull(agreed);
        Assert.Equal(AudioCodec.Pcmu, agreed!.Codec);
        Assert.Equal(remote, agreed.RemoteRtp);
        Assert.Equal(MediaDirection.SendOnly, agreed.Direction);
        Assert.Equal(101, agreed.TelephoneEventPayloadType);
    }

    [Fact]
    public void Ipv6_and_per_media_connection_lines_are_honoured()
    {
        var sdp = SessionDescription.Parse("v=0\r\no=- 1 1 IN IP6 2001:db8::1\r\ns=-\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\nc=IN IP6 2001:db8::9\r\n");
        var result = SdpOfferAnswer.CreateAnswer(sdp, Local);
        Assert.Equal(IPAddress.Parse("2001:db8::9"), result.Audio!.RemoteRtp.Address);
    }

    [Theory]
    [InlineData("o=- x 1 IN IP4 h\r\ns=-\r\n", "o=")]
    [InlineData("o=- 1 1 IN IP4 h\r\ns=-\r\nm=audio port RTP/AVP 0\r\n", "m=")]
    [InlineData("o=- 1 1 IN IP4 h\r\ns=-\r\nc=IN XX h\r\n", "c=")]
    [InlineData("o=- 1 1 IN IP4 h\r\ns=-\r\nbogus\r\n", "line 4")]
    public void Malformed_sdp_names_the_line(string rest, string fault)
    {
        Assert.False(SessionDescription.TryParse("v=0\r\n" + rest, out _, out var error));
        Assert.Contains(fault, error, StringComparison.Ordinal);
    }
}
