using System.Net;
using ContactCenter.Media.Sessions;
using ContactCenter.Sip.Registrar;
using ContactCenter.Sip.Sdp;
using ContactCenter.Sip.Message;
using MediaDirection = ContactCenter.Media.Sessions.MediaDirection;
using SdpDirection = ContactCenter.Sip.Sdp.MediaDirection;

namespace ContactCenter.Telephony.Gateway.Legs;

/// <summary>An offer/answer applied to a leg: our answer (when we answered), the media as the engine takes it, our direction.</summary>
internal sealed record LegNegotiation(SessionDescription? Answer, RemoteMedia Remote, SdpDirection Direction);

/// <summary>
/// How one leg's media is opened and its SDP written and read. A leg whose peer is a SIP phone or a trunk speaks plain
/// RTP (<see cref="PlainLegSdp"/>); a leg whose peer is a browser (its INVITE or its registration came over the
/// WebSocket transport) speaks WebRTC (<see cref="BrowserLegSdp"/>: ICE-lite, DTLS-SRTP, rtcp-mux, BUNDLE, Opus or G.711).
/// The sessions hold one per leg and never look inside; a browser leg keeps its DTLS role and the peer's fingerprint
/// across re-INVITEs (hold, resume) so the association stays up.
/// </summary>
internal abstract class LegSdp
{
    /// <summary>What the leg is, for logs: "RTP" or "WebRTC".</summary>
    public abstract string Kind { get; }

    /// <summary>A plain RTP leg's SDP (stateless).</summary>
    public static LegSdp Plain { get; } = new PlainLegSdp();

    /// <summary>The SDP of a leg whose peer is a browser when <paramref name="browser"/>, else plain RTP.</summary>
    public static LegSdp For(bool browser, GatewayOptions options) => browser ? new BrowserLegSdp(options.BrowserCodecList) : Plain;

    /// <summary>
    /// The SDP of a leg to one registered phone of <paramref name="login"/>: WebRTC for a browser; for a SIP phone, SDES-SRTP
    /// as <c>Telephony:PhoneSrtp</c> says when it registered over TLS (keys never go over clear signalling), else plain RTP.
    /// Null when SRTP is required for it and it is not registered over TLS: that phone is not rung.
    /// </summary>
    public static LegSdp? ForPhone(RegistrarBinding binding, string login, GatewayOptions options)
    {
        if (AgentPhone.IsBrowser(binding))
        {
            return new BrowserLegSdp(options.BrowserCodecList);
        }

        return SdesSdp.Effective(options.PhoneSrtpFor(login), binding.Source?.Protocol ?? SipProtocol.Udp) switch
        {
            null => null,
            SrtpPolicy.Off => Plain,
            { } policy => new SdesLegSdp(policy),
        };
    }

    /// <summary>Opens the leg's media; throws <see cref="InvalidOperationException"/> when no media port is free.</summary>
    public abstract IMediaSession Open(GatewayContext gateway, string id);

    /// <summary>Our offer (first, or a re-INVITE's with the next version of <paramref name="previous"/>).</summary>
    public abstract SessionDescription Offer(GatewayContext gateway, IMediaSession media, SdpDirection direction, SdpOrigin? previous = null);

    /// <summary>Answers the peer's offer; null with the reason when it cannot be taken (488).</summary>
    public abstract LegNegotiation? Answer(GatewayContext gateway, IMediaSession media, SessionDescription offer, out string? error);

    /// <summary>Reads the peer's answer to our offer; null with the reason when it is unusable.</summary>
    public abstract LegNegotiation? ReadAnswer(IMediaSession media, SessionDescription answer, out string? error);
}

/// <summary>Plain RTP, G.711 and telephone-event (<see cref="SdpOfferAnswer"/>): trunks and SIP phones.</summary>
internal sealed class PlainLegSdp : LegSdp
{
    public override string Kind => "RTP";

    public override IMediaSession Open(GatewayContext gateway, string id) => gateway.Media.CreateSession(id);

    public override SessionDescription Offer(GatewayContext gateway, IMediaSession media, SdpDirection direction, SdpOrigin? previous = null)
    {
        var remote = media.Remote;
        var options = remote is null
            ? new AudioMediaOptions { Direction = direction }
            : new AudioMediaOptions
            {
                Codecs = [remote.Codec == ContactCenter.Media.Codecs.AudioCodec.Pcma ? AudioCodec.Pcma : AudioCodec.Pcmu],
                TelephoneEvent = remote.TelephoneEventPayloadType is not null,
                TelephoneEventPayloadType = remote.TelephoneEventPayloadType ?? 101,
                Direction = direction,
            };
        return SdpOfferAnswer.CreateOffer(new IPEndPoint(gateway.MediaAddress, media.LocalPort), options, previous?.SessionId ?? 0, (previous?.SessionVersion ?? 0) + 1);
    }

    public override LegNegotiation? Answer(GatewayContext gateway, IMediaSession media, SessionDescription offer, out string? error)
    {
        var answer = SdpOfferAnswer.CreateAnswer(offer, new IPEndPoint(gateway.MediaAddress, media.LocalPort));
        error = answer.Error;
        return answer.IsSuccess ? new LegNegotiation(answer.Answer, LegSignalling.ToRemoteMedia(answer.Audio!), answer.Audio!.Direction) : null;
    }

    public override LegNegotiation? ReadAnswer(IMediaSession media, SessionDescription answer, out string? error)
    {
        var negotiated = SdpOfferAnswer.ReadAnswer(answer);
        error = negotiated is null ? "no usable audio stream (PCMU, PCMA) in the answer" : null;
        return negotiated is null ? null : new LegNegotiation(null, LegSignalling.ToRemoteMedia(negotiated), negotiated.Direction);
    }
}

/// <summary>
/// A browser's leg (<see cref="WebRtcOfferAnswer"/>): the media is opened ICE-lite; our SDP carries its ICE credentials,
/// the engine's certificate fingerprint, a=setup (actpass in our first offer; passive to a browser's actpass), rtcp-mux,
/// BUNDLE and host candidates; the peer's fingerprint keys DTLS-SRTP, which refuses any other certificate. PCMU or PCMA
/// pass straight through to a G.711 leg; Opus is transcoded at the leg's edge (ADR 0012).
/// </summary>
internal sealed class BrowserLegSdp(IReadOnlyList<WebRtcCodec> codecs) : LegSdp
{
    /// <summary>The DTLS-SRTP keying once the first offer/answer set it: kept for every later one.</summary>
    private DtlsSrtpKeying? keying;

    public override string Kind => "WebRTC";

    public override IMediaSession Open(GatewayContext gateway, string id) => gateway.Media.CreateSession(id, new MediaLegOptions { IceLite = true });

    public override SessionDescription Offer(GatewayContext gateway, IMediaSession media, SdpDirection direction, SdpOrigin? previous = null)
    {
        var options = Options(gateway, media, direction);
        var remote = media.Remote;
        if (remote is not null)
        {
            // A re-INVITE keeps the codec in use, so the edge and the bridge see no change.
            options = options with
            {
                Codecs = [remote.OpusPayloadType is not null ? WebRtcCodec.Opus : remote.Codec == ContactCenter.Media.Codecs.AudioCodec.Pcma ? WebRtcCodec.Pcma : WebRtcCodec.Pcmu],
            };
        }

        return WebRtcOfferAnswer.CreateOffer(new IPEndPoint(gateway.MediaAddress, media.LocalPort), options, previous?.SessionId ?? 0, (previous?.SessionVersion ?? 0) + 1);
    }

    public override LegNegotiation? Answer(GatewayContext gateway, IMediaSession media, SessionDescription offer, out string? error)
    {
        var result = WebRtcOfferAnswer.CreateAnswer(offer, new IPEndPoint(gateway.MediaAddress, media.LocalPort), Options(gateway, media, SdpDirection.SendRecv));
        if (!result.IsSuccess)
        {
            error = result.Error;
            return null;
        }

        return Apply(result.Audio!, result.Answer, out error);
    }

    public override LegNegotiation? ReadAnswer(IMediaSession media, SessionDescription answer, out string? error)
    {
        var options = new WebRtcMediaOptions { IceUsernameFragment = "-", IcePassword = "-", Fingerprint = "-", Codecs = codecs, Setup = Setup };
        return WebRtcOfferAnswer.ReadAnswer(answer, options, out error) is { } audio ? Apply(audio, null, out error) : null;
    }

    private SdpSetup? Setup => keying?.Setup switch
    {
        DtlsSetup.Active => SdpSetup.Active,
        DtlsSetup.Passive => SdpSetup.Passive,
        _ => null,
    };

    private WebRtcMediaOptions Options(GatewayContext gateway, IMediaSession media, SdpDirection direction)
    {
        var ice = media.LocalIce ?? throw new InvalidOperationException($"media {media.Id} was not opened ICE-lite");
        return new WebRtcMediaOptions
        {
            IceUsernameFragment = ice.UsernameFragment,
            IcePassword = ice.Password,
            Fingerprint = gateway.Media.DtlsFingerprint,
            Codecs = codecs,
            Direction = direction,
            Setup = Setup,
        };
    }

    private LegNegotiation? Apply(NegotiatedWebRtcAudio audio, SessionDescription? answer, out string? error)
    {
        var setup = audio.LocalSetup == SdpSetup.Active ? DtlsSetup.Active : DtlsSetup.Passive;
        if (keying is { } current && (current.Setup != setup || !string.Equals(current.RemoteFingerprint, audio.RemoteFingerprint, StringComparison.OrdinalIgnoreCase)))
        {
            error = "a new DTLS association (another fingerprint or a=setup role) in a re-INVITE is not supported";
            return null;
        }

        keying ??= new DtlsSrtpKeying { RemoteFingerprint = audio.RemoteFingerprint, Setup = setup };
        error = null;
        var opus = audio.Codec == WebRtcCodec.Opus;
        var remote = new RemoteMedia
        {
            RtpEndPoint = audio.RemoteRtp.Port == 0 ? new IPEndPoint(audio.RemoteRtp.Address, 9) : audio.RemoteRtp,
            // Inside the engine an Opus leg is G.711 µ-law: it meets PCMU legs untouched and PCMA legs through the bridge.
            Codec = audio.Codec == WebRtcCodec.Pcma ? ContactCenter.Media.Codecs.AudioCodec.Pcma : ContactCenter.Media.Codecs.AudioCodec.Pcmu,
            OpusPayloadType = opus ? audio.PayloadType : null,
            TelephoneEventPayloadType = audio.TelephoneEventPayloadType,
            Direction = audio.Direction switch
            {
                SdpDirection.SendRecv => MediaDirection.SendRecv,
                SdpDirection.SendOnly => MediaDirection.SendOnly,
                SdpDirection.RecvOnly => MediaDirection.RecvOnly,
                SdpDirection.Inactive => MediaDirection.Inactive,
            },
            Srtp = keying,
            RtcpMux = true,
            IceUsernameFragment = audio.RemoteIceUsernameFragment,
        };
        return new LegNegotiation(answer, remote, audio.Direction);
    }
}

/// <summary>
/// An agent's SIP phone registered over TLS, with SRTP offered or required (<c>Telephony:PhoneSrtp</c>, ADR 0014), or a
/// trunk's leg over TLS with its <c>srtp:</c> (the caller's leg of a call from the trunk, a call we place to it): the
/// plain RTP SDP of <see cref="PlainLegSdp"/> with an SDES <c>a=crypto</c> (RFC 4568, RTP/SAVP). Under <c>offered</c> a
/// phone that answers without a=crypto talks plain RTP; under <c>required</c> it is refused. Once a leg runs SRTP a
/// re-offer without a usable a=crypto is refused (never a fall-back to clear RTP mid-call); each offer of ours carries a
/// fresh key, and the peer's key may change in any offer or answer.
/// </summary>
internal sealed class SdesLegSdp(SrtpPolicy policy) : LegSdp
{
    private string? localKey;
    private SdesSrtpKeying? keying;

    public override string Kind => "RTP+SDES";

    public override IMediaSession Open(GatewayContext gateway, string id) => Plain.Open(gateway, id);

    public override SessionDescription Offer(GatewayContext gateway, IMediaSession media, SdpDirection direction, SdpOrigin? previous = null)
    {
        var offer = Plain.Offer(gateway, media, direction, previous);
        localKey = SdesSdp.AddToOffer(offer, keying is null ? policy : SrtpPolicy.Required);
        return offer;
    }

    public override LegNegotiation? Answer(GatewayContext gateway, IMediaSession media, SessionDescription offer, out string? error)
    {
        // The first offer is the peer's (a trunk's INVITE): its a=crypto chooses SRTP; a re-offer keeps the leg's SRTP.
        var first = keying is null && localKey is null;
        var savp = (keying is not null || first) && SdesSdp.UnwrapSavp(offer);
        var answer = SdpOfferAnswer.CreateAnswer(offer, new IPEndPoint(gateway.MediaAddress, media.LocalPort));
        if (!answer.IsSuccess)
        {
            error = answer.Error;
            return null;
        }

        if (first)
        {
            var (chosen, srtpError) = SdesSdp.AnswerOffer(offer, answer.Answer!, policy, savp);
            if (srtpError is not null)
            {
                error = srtpError;
                return null;
            }

            keying = chosen;
            localKey = chosen?.LocalKey;
        }
        else if (keying is { } current)
        {
            var (next, srtpError) = SdesSdp.AnswerReOffer(offer, answer.Answer!, current, savp);
            if (srtpError is not null)
            {
                error = srtpError;
                return null;
            }

            keying = next;
        }

        error = null;
        return new LegNegotiation(answer.Answer, LegSignalling.ToRemoteMedia(answer.Audio!) with { Srtp = keying }, answer.Audio!.Direction);
    }

    public override LegNegotiation? ReadAnswer(IMediaSession media, SessionDescription answer, out string? error)
    {
        var negotiated = SdpOfferAnswer.ReadAnswer(answer);
        if (negotiated is null)
        {
            error = "no usable audio stream (PCMU, PCMA) in the answer";
            return null;
        }

        var (next, srtpError) = SdesSdp.ReadAnswer(answer, localKey, keying is null ? policy : SrtpPolicy.Required);
        if (srtpError is not null)
        {
            error = "no usable SRTP: " + srtpError;
            return null;
        }

        keying = next;
        error = null;
        return new LegNegotiation(null, LegSignalling.ToRemoteMedia(negotiated) with { Srtp = keying }, negotiated.Direction);
    }
}
