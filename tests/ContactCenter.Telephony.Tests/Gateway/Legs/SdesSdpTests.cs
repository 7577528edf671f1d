using System.Net;
using ContactCenter.Media.Sessions;
using ContactCenter.Sip.Message;
using ContactCenter.Sip.Sdp;
using ContactCenter.Telephony.Gateway;
using ContactCenter.Telephony.Gateway.Legs;

namespace ContactCenter.Telephony.Tests.Gateway.Legs;

/// <summary>SDES (RFC 4568) on the agent leg's SDP: what is offered under each policy, what an answer gives, re-offers.</summary>
public class SdesSdpTests
{
    private static SessionDescription Offer() => SdpOfferAnswer.CreateOffer(new IPEndPoint(IPAddress.Loopback, 40000));

    private static string PeerKey() => SdesSrtpKeying.GenerateKey(SdesSdp.Suite);

    private static SessionDescription Answer(string? crypto, string proto = "RTP/AVP") => SessionDescription.Parse(
        "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n" +
        $"m=audio 41000 {proto} 0\r\n" + (crypto is null ? "" : $"a=crypto:{crypto}\r\n") + "a=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n");

    [Fact]
    public void Offered_adds_a_crypto_on_rtp_avp_required_on_rtp_savp_off_nothing()
    {
        var offered = Offer();
        var key = SdesSdp.AddToOffer(offered, SrtpPolicy.Offered);
        Assert.NotNull(key);
        Assert.Equal(30, Convert.FromBase64String(key!).Length);
        var text = offered.ToString();
        Assert.Contains("m=audio 40000 RTP/AVP ", text, StringComparison.Ordinal);
        Assert.Contains($"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:{key}", text, StringComparison.Ordinal);

        var required = Offer();
        Assert.NotNull(SdesSdp.AddToOffer(required, SrtpPolicy.Required));
        Assert.Contains("m=audio 40000 RTP/SAVP ", required.ToString(), StringComparison.Ordinal);

        var off = Offer();
        Assert.Null(SdesSdp.AddToOffer(off, SrtpPolicy.Off));
        Assert.DoesNotContain("crypto", off.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Sdes_is_only_used_over_tls()
    {
        Assert.Equal(SrtpPolicy.Required, SdesSdp.Effective(SrtpPolicy.Required, SipProtocol.Tls));
        Assert.Equal(SrtpPolicy.Offered, SdesSdp.Effective(SrtpPolicy.Offered, SipProtocol.Tls));
        Assert.Equal(SrtpPolicy.Off, SdesSdp.Effective(SrtpPolicy.Offered, SipProtocol.Udp));
        Assert.Equal(SrtpPolicy.Off, SdesSdp.Effective(SrtpPolicy.Offered, SipProtocol.Tcp));
        Assert.Null(SdesSdp.Effective(SrtpPolicy.Required, SipProtocol.Udp));
    }

    [Fact]
    public void An_answer_with_a_crypto_gives_both_keys_and_one_without_is_plain_or_refused()
    {
        var local = SdesSrtpKeying.GenerateKey(SdesSdp.Suite);
        var remote = PeerKey();
        var (keying, error) = SdesSdp.ReadAnswer(Answer($"1 AES_CM_128_HMAC_SHA1_80 inline:{remote}|2^31"), local, SrtpPolicy.Offered);
        Assert.Null(error);
        Assert.Equal((SdesSdp.Suite, local, remote), (keying!.CryptoSuite, keying.LocalKey, keying.RemoteKey));

        Assert.Equal((null, null), SdesSdp.ReadAnswer(Answer(null), local, SrtpPolicy.Offered));
        var refused = SdesSdp.ReadAnswer(Answer(null), local, SrtpPolicy.Required);
        Assert.Null(refused.Keying);
        Assert.Contains("required", refused.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("2 AES_CM_128_HMAC_SHA1_80 inline:{key}", "tag 1")]
    [InlineData("1 AES_CM_128_HMAC_SHA1_32 inline:{key}", "tag 1")]
    [InlineData("1 AES_CM_128_HMAC_SHA1_80 inline:{key}|2^20|1:4", "MKI")]
    [InlineData("1 AES_CM_128_HMAC_SHA1_80 inline:c2hvcnQ=", "30 bytes")]
    [InlineData("1 AES_CM_128_HMAC_SHA1_80 inline:{key} UNENCRYPTED_SRTP", "session parameters")]
    [InlineData("1 AES_CM_128_HMAC_SHA1_80", "malformed")]
    public void Unusable_answers_are_refused_with_a_reason(string crypto, string reason)
    {
        var (keying, error) = SdesSdp.ReadAnswer(Answer(crypto.Replace("{key}", PeerKey(), StringComparison.Ordinal)), PeerKey(), SrtpPolicy.Offered);
        Assert.Null(keying);
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_re_offer_on_an_srtp_leg_keeps_srtp_with_our_key_and_the_peers_new_one()
    {
        var current = new SdesSrtpKeying { CryptoSuite = SdesSdp.Suite, LocalKey = PeerKey(), RemoteKey = PeerKey() };
        var newRemote = PeerKey();
        var reOffer = Answer($"7 AES_CM_128_HMAC_SHA1_80 inline:{newRemote}", "RTP/SAVP");
        var savp = SdesSdp.UnwrapSavp(reOffer);
        Assert.True(savp);
        var answer = SdpOfferAnswer.CreateAnswer(reOffer, new IPEndPoint(IPAddress.Loopback, 40000));
        Assert.True(answer.IsSuccess);
        var (keying, error) = SdesSdp.AnswerReOffer(reOffer, answer.Answer!, current, savp);
        Assert.Null(error);
        Assert.Equal(newRemote, keying!.RemoteKey);
        Assert.Equal(current.LocalKey, keying.LocalKey);
        var text = answer.Answer!.ToString();
        Assert.Contains("RTP/SAVP", text, StringComparison.Ordinal);
        Assert.Contains($"a=crypto:7 AES_CM_128_HMAC_SHA1_80 inline:{current.LocalKey}", text, StringComparison.Ordinal);

        // Without a=crypto the re-offer is refused: the call never falls back to clear RTP.
        var plain = Answer(null);
        var plainAnswer = SdpOfferAnswer.CreateAnswer(plain, new IPEndPoint(IPAddress.Loopback, 40000));
        Assert.NotNull(SdesSdp.AnswerReOffer(plain, plainAnswer.Answer!, current, savp: false).Error);
    }

    [Fact]
    public void Phone_srtp_settings_are_validated_and_overridden_per_agent()
    {
        var options = new GatewayOptions { PhoneSrtp = "sometimes" };
        Assert.Contains(options.Validate(), e => e.Contains("Telephony:PhoneSrtp", StringComparison.Ordinal));
        options = new GatewayOptions { PhoneSrtp = "offered", PhoneSrtpOverrides = { ["alice"] = "required", ["bob"] = "maybe" } };
        Assert.Contains(options.Validate(), e => e.Contains("Telephony:PhoneSrtpOverrides:bob", StringComparison.Ordinal));
        options.PhoneSrtpOverrides.Remove("bob");
        Assert.DoesNotContain(options.Validate(), e => e.Contains("Srtp", StringComparison.Ordinal));
        Assert.Equal(SrtpPolicy.Required, options.PhoneSrtpFor("alice"));
        Assert.Equal(SrtpPolicy.Offered, options.PhoneSrtpFor("carol"));
    }
}
