using System.Net;
using ContactCenter.Sip.Sdp;

namespace ContactCenter.Sip.Tests.Sdp;

/// <summary>WebRTC offer/answer (<see cref="WebRtcOfferAnswer"/>) against SDP as Chromium writes it (JsSIP's offers and answers).</summary>
public class WebRtcSdpTests
{
    private const string Fingerprint = "sha-256 5B:2A:71:98:6E:0C:27:6E:96:3B:7F:8A:A5:19:5F:4E:3B:43:39:57:4C:3E:2D:95:36:4D:9C:31:63:1A:4E:F8";

    // A Chromium offer (audio only, as JsSIP sends it after ICE gathering): BUNDLE, one m-line, actpass.
    private const string ChromiumOffer =
        "v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\na=extmap-allow-mixed\r\na=msid-semantic: WMS stream\r\n" +
        "m=audio 40221 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126\r\nc=IN IP4 192.0.2.2\r\na=rtcp:9 IN IP4 0.0.0.0\r\n" +
        "a=candidate:3170000510 1 udp 2122260223 192.0.2.2 40221 typ host generation 0 network-id 1\r\n" +
        "a=candidate:1 1 udp 2122194687 127.0.0.1 40222 typ host generation 0 network-id 2\r\n" +
        "a=ice-ufrag:ER4m\r\na=ice-pwd:yqk+VkEmUV43D/Y+7X3IeRrF\r\na=ice-options:trickle\r\n" +
        "a=fingerprint:sha-256 5B:2A:71:98:6E:0C:27:6E:96:3B:7F:8A:A5:19:5F:4E:3B:43:39:57:4C:3E:2D:95:36:4D:9C:31:63:1A:4E:F8\r\n" +
        "a=setup:actpass\r\na=mid:0\r\na=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\na=sendrecv\r\na=msid:stream track\r\na=rtcp-mux\r\n" +
        "a=rtpmap:111 opus/48000/2\r\na=rtcp-fb:111 transport-cc\r\na=fmtp:111 minptime=10;useinbandfec=1\r\na=rtpmap:63 red/48000/2\r\n" +
        "a=rtpmap:9 G722/8000\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:13 CN/8000\r\n" +
        "a=rtpmap:110 telephone-event/48000\r\na=rtpmap:126 telephone-event/8000\r\na=ssrc:1001 cname:abc\r\n";

    private static readonly IPEndPoint Local = new(IPAddress.Parse("198.51.100.1"), 30000);

    private static WebRtcMediaOptions Ours(params WebRtcCodec[] codecs) => new()
    {
        IceUsernameFragment = "gw01",
        IcePassword = "0123456789abcdefghijkl",
        Fingerprint = "sha-256 AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99",
        Codecs = codecs.Length == 0 ? [WebRtcCodec.Pcmu, WebRtcCodec.Pcma, WebRtcCodec.Opus] : codecs,
    };

    [Fact]
    public void A_chromium_offer_is_answered_passive_with_PCMU_ice_lite_our_fingerprint_rtcp_mux_and_the_bundle()
    {
        var offer = SessionDescription.Parse(ChromiumOffer);
        Assert.True(WebRtcOfferAnswer.IsWebRtc(offer));
        var result = WebRtcOfferAnswer.CreateAnswer(offer, Local, Ours());
        Assert.True(result.IsSuccess, result.Error);
        var audio = result.Audio!;
        Assert.Equal((WebRtcCodec.Pcmu, 0, 126), (audio.Codec, audio.PayloadType, audio.TelephoneEventPayloadType));
        Assert.Equal(SdpSetup.Passive, audio.LocalSetup);
        Assert.Equal(Fingerprint, audio.RemoteFingerprint);
        Assert.Equal(("ER4m", "yqk+VkEmUV43D/Y+7X3IeRrF"), (audio.RemoteIceUsernameFragment, audio.RemoteIcePassword));
        Assert.Equal(new IPEndPoint(IPAddress.Parse("192.0.2.2"), 40221), audio.RemoteRtp);
        Assert.Equal("0", audio.Mid);

        var text = result.Answer!.ToString();
        var answer = SessionDescription.Parse(text);
        Assert.Contains(answer.Attributes, a => a.Name == "ice-lite");
        Assert.Equal("BUNDLE 0", answer.Attributes.Find(a => a.Name == "group")?.Value);
        var m = Assert.Single(answer.Media);
        Assert.Equal(("UDP/TLS/RTP/SAVPF", 30000), (m.Protocol, m.Port));
        Assert.Equal(["0", "126"], m.Formats);
        Assert.Equal("passive", m.Attribute("setup"));
        Assert.Equal("0", m.Attribute("mid"));
        Assert.Equal("gw01", m.Attribute("ice-ufrag"));
        Assert.StartsWith("sha-256 AA:BB", m.Attribute("fingerprint"), StringComparison.Ordinal);
        Assert.Contains(m.Attributes, a => a.Name == "rtcp-mux");
        Assert.Equal("1 1 udp 2130706431 198.51.100.1 30000 typ host", m.Attribute("candidate"));
        Assert.Equal(MediaDirection.SendRecv, answer.DirectionFor(m));
    }

    [Fact]
    public void Opus_first_takes_the_browsers_dynamic_payload_type_and_telephone_event_at_48_kHz()
    {
        var result = WebRtcOfferAnswer.CreateAnswer(SessionDescription.Parse(ChromiumOffer), Local, Ours(WebRtcCodec.Opus, WebRtcCodec.Pcmu));
        Assert.True(result.IsSuccess, result.Error);
        Assert.Equal((WebRtcCodec.Opus, 111, 110), (result.Audio!.Codec, result.Audio.PayloadType, result.Audio.TelephoneEventPayloadType));
        var m = result.Answer!.Media[0];
        Assert.Equal(["111", "110"], m.Formats);
        Assert.Equal(("opus", 48000), m.RtpMap("111"));
        Assert.Equal(("telephone-event", 48000), m.RtpMap("110"));
    }

    [Theory]
    [InlineData("a=setup:actpass", "a=setup:active", SdpSetup.Passive)]
    [InlineData("a=setup:actpass", "a=setup:passive", SdpSetup.Active)]
    [InlineData("a=setup:actpass\r\n", "", SdpSetup.Passive)] // an offer without a=setup is active (RFC 4145 §4)
    public void The_answers_role_follows_the_offers_setup(string from, string to, SdpSetup ours)
    {
        var result = WebRtcOfferAnswer.CreateAnswer(SessionDescription.Parse(ChromiumOffer.Replace(from, to, StringComparison.Ordinal)), Local, Ours());
        Assert.True(result.IsSuccess, result.Error);
        Assert.Equal(ours, result.Audio!.LocalSetup);
        Assert.Equal(ours == SdpSetup.Active ? "active" : "passive", result.Answer!.Media[0].Attribute("setup"));
    }

    [Theory]
    [InlineData("a=fingerprint:sha-256", "a=fingerprint:sha-1", "no a=fingerprint:sha-256")]
    [InlineData("a=ice-ufrag:ER4m\r\n", "", "no a=ice-ufrag/a=ice-pwd")]
    [InlineData("a=rtcp-mux\r\n", "", "no a=rtcp-mux")]
    [InlineData("UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126", "UDP/TLS/RTP/SAVPF 63 9 13 110 126", "no offered codec")]
    public void An_offer_missing_what_WebRTC_needs_is_refused_with_the_reason(string from, string to, string reason)
    {
        var result = WebRtcOfferAnswer.CreateAnswer(SessionDescription.Parse(ChromiumOffer.Replace(from, to, StringComparison.Ordinal)), Local, Ours());
        Assert.False(result.IsSuccess);
        Assert.StartsWith(reason, result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_plain_RTP_offer_is_not_WebRTC()
    {
        var plain = SessionDescription.Parse("v=0\r\no=- 1 1 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n");
        Assert.False(WebRtcOfferAnswer.IsWebRtc(plain));
        Assert.StartsWith("audio is RTP/AVP", WebRtcOfferAnswer.CreateAnswer(plain, Local, Ours()).Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Our_offer_is_actpass_with_every_codec_and_both_telephone_events_and_a_chromium_answer_reads_back()
    {
        var offer = SessionDescription.Parse(WebRtcOfferAnswer.CreateOffer(Local, Ours(), sessionId: 7).ToString());
        Assert.Equal("BUNDLE 0", offer.Attributes.Find(a => a.Name == "group")?.Value);
        var m = Assert.Single(offer.Media);
        Assert.Equal("UDP/TLS/RTP/SAVPF", m.Protocol);
        Assert.Equal(["0", "8", "111", "101", "110"], m.Formats);
        Assert.Equal("actpass", m.Attribute("setup"));
        Assert.Equal("0", m.Attribute("mid"));
        Assert.Contains(m.Attributes, a => a.Name == "end-of-candidates");

        // Chromium answers active (it is the DTLS client) with PCMU: we are passive.
        var chromiumAnswer = ChromiumOffer
            .Replace("a=setup:actpass", "a=setup:active", StringComparison.Ordinal)
            .Replace("UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126", "UDP/TLS/RTP/SAVPF 0 101", StringComparison.Ordinal)
            .Replace("a=rtpmap:126 telephone-event/8000", "a=rtpmap:101 telephone-event/8000", StringComparison.Ordinal);
        var audio = WebRtcOfferAnswer.ReadAnswer(SessionDescription.Parse(chromiumAnswer), Ours(), out var error);
        Assert.True(audio is not null, error);
        Assert.Equal((WebRtcCodec.Pcmu, 101, SdpSetup.Passive), (audio.Codec, audio.TelephoneEventPayloadType, audio.LocalSetup));

        var passive = chromiumAnswer.Replace("a=setup:active", "a=setup:passive", StringComparison.Ordinal);
        Assert.Equal(SdpSetup.Active, WebRtcOfferAnswer.ReadAnswer(SessionDescription.Parse(passive), Ours(), out _)!.LocalSetup);
        var actpass = chromiumAnswer.Replace("a=setup:active", "a=setup:actpass", StringComparison.Ordinal);
        Assert.Null(WebRtcOfferAnswer.ReadAnswer(SessionDescription.Parse(actpass), Ours(), out error));
        Assert.Equal("a=setup:actpass in an answer", error);
    }

    [Fact]
    public void A_hold_offer_from_the_browser_is_answered_recvonly_and_our_re_offer_keeps_the_established_role()
    {
        var hold = ChromiumOffer.Replace("a=sendrecv", "a=sendonly", StringComparison.Ordinal);
        var result = WebRtcOfferAnswer.CreateAnswer(SessionDescription.Parse(hold), Local, Ours() with { Setup = SdpSetup.Passive });
        Assert.Equal(MediaDirection.RecvOnly, result.Audio!.Direction);
        Assert.Equal(SdpSetup.Passive, result.Audio.LocalSetup);

        var reOffer = WebRtcOfferAnswer.CreateOffer(Local, Ours() with { Setup = SdpSetup.Passive, Direction = MediaDirection.SendOnly }, 7, 3);
        Assert.Equal("passive", reOffer.Media[0].Attribute("setup"));
        Assert.Equal(MediaDirection.SendOnly, reOffer.DirectionFor(reOffer.Media[0]));
        Assert.Equal(3UL, reOffer.Origin.SessionVersion);
    }

    [Fact]
    public void A_video_m_line_beside_the_audio_is_refused_and_left_out_of_the_bundle()
    {
        var withVideo = ChromiumOffer.Replace("a=group:BUNDLE 0", "a=group:BUNDLE 0 1", StringComparison.Ordinal)
            + "m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:1\r\na=rtpmap:96 VP8/90000\r\n";
        var result = WebRtcOfferAnswer.CreateAnswer(SessionDescription.Parse(withVideo), Local, Ours());
        Assert.True(result.IsSuccess, result.Error);
        Assert.Equal(2, result.Answer!.Media.Count);
        Assert.Equal((0, "1"), (result.Answer.Media[1].Port, result.Answer.Media[1].Attribute("mid")));
        Assert.Equal("BUNDLE 0", result.Answer.Attributes.Find(a => a.Name == "group")?.Value);
    }
}
