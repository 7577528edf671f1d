using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace ContactCenter.Sip.Sdp;

/// <summary>Audio codecs the stack negotiates (G.711).</summary>
public enum AudioCodec
{
    /// <summary>G.711 µ-law, static payload type 0.</summary>
    Pcmu = 0,
    /// <summary>G.711 A-law, static payload type 8.</summary>
    Pcma = 8,
}

/// <summary>What the local side offers or accepts for audio.</summary>
public sealed record AudioMediaOptions
{
    /// <summary>Codecs in order of preference.</summary>
    public IReadOnlyList<AudioCodec> Codecs { get; init; } = [AudioCodec.Pcmu, AudioCodec.Pcma];
    /// <summary>Offer/accept RFC 4733 telephone-event.</summary>
    public bool TelephoneEvent { get; init; } = true;
    /// <summary>Payload type used for telephone-event in our offers.</summary>
    public int TelephoneEventPayloadType { get; init; } = 101;
    /// <summary>Packetisation time in ms.</summary>
    public int Ptime { get; init; } = 20;
    /// <summary>Direction we want (sendonly to put the peer on hold).</summary>
    public MediaDirection Direction { get; init; } = MediaDirection.SendRecv;
}

/// <summary>The audio stream both sides agreed on, from the local side's point of view.</summary>
public sealed record NegotiatedAudio
{
    /// <summary>Where to send RTP (null address when the peer sends nothing, e.g. port 0).</summary>
    public required IPEndPoint RemoteRtp { get; init; }
    /// <summary>The codec to send.</summary>
    public required AudioCodec Codec { get; init; }
    /// <summary>RTP payload type of the codec.</summary>
    public int PayloadType => (int)Codec;
    /// <summary>Payload type for RFC 4733 events, or null when not negotiated.</summary>
    public int? TelephoneEventPayloadType { get; init; }
    /// <summary>Packetisation time in ms.</summary>
    public int Ptime { get; init; } = 20;
    /// <summary>Local direction: may we send, receive, both or neither.</summary>
    public required MediaDirection Direction { get; init; }
}

/// <summary>Outcome of answering an offer: an answer, or a rejection (488) with a reason.</summary>
public sealed record SdpAnswerResult(SessionDescription? Answer, NegotiatedAudio? Audio, string? Error)
{
    /// <summary>True when an answer with a usable audio stream was produced.</summary>
    public bool IsSuccess => Answer is not null && Audio is not null;
}

/// <summary>SDP offer/answer (RFC 3264) for one G.711 audio stream with telephone-event.</summary>
public static class SdpOfferAnswer
{
    /// <summary>Builds an offer for one audio stream at <paramref name="rtp"/>.</summary>
    public static SessionDescription CreateOffer(IPEndPoint rtp, AudioMediaOptions? options = null, ulong sessionId = 0, ulong version = 1)
    {
        options ??= new AudioMediaOptions();
        var at = AddrType(rtp.Address);
        var sdp = new SessionDescription
        {
            Origin = new SdpOrigin("-", sessionId == 0 ? (ulong)Environment.TickCount64 : sessionId, version, at, rtp.Address.ToString()),
            ConnectionAddress = rtp.Address.ToString(),
            ConnectionAddressType = at,
        };
        var m = new MediaDescription { Media = "audio", Port = rtp.Port };
        foreach (var c in options.Codecs)
        {
            m.Formats.Add(((int)c).ToString(CultureInfo.InvariantCulture));
            m.Attributes.Add(new SdpAttribute("rtpmap", c == AudioCodec.Pcmu ? "0 PCMU/8000" : "8 PCMA/8000"));
        }
        if (options.TelephoneEvent)
        {
            var pt = options.TelephoneEventPayloadType.ToString(CultureInfo.InvariantCulture);
            m.Formats.Add(pt);
            m.Attributes.Add(new SdpAttribute("rtpmap", pt + " telephone-event/8000"));
            m.Attributes.Add(new SdpAttribute("fmtp", pt + " 0-16"));
        }
        m.Attributes.Add(new SdpAttribute("ptime", options.Ptime.ToString(CultureInfo.InvariantCulture)));
        m.SetDirection(options.Direction);
        sdp.Media.Add(m);
        return sdp;
    }

    /// <summary>
    /// Answers an offer: the first offered audio stream with a codec we support is accepted (offer order
    /// wins), telephone-event keeps the offerer's payload type, other streams are refused with port 0.
    /// </summary>
    public static SdpAnswerResult CreateAnswer(SessionDescription offer, IPEndPoint rtp, AudioMediaOptions? options = null, ulong sessionId = 0, ulong version = 1)
    {
        options ??= new AudioMediaOptions();
        var at = AddrType(rtp.Address);
        var answer = new SessionDescription
        {
            Origin = new SdpOrigin("-", sessionId == 0 ? (ulong)Environment.TickCount64 : sessionId, version, at, rtp.Address.ToString()),
            ConnectionAddress = rtp.Address.ToString(),
            ConnectionAddressType = at,
            Timing = offer.Timing,
        };
        NegotiatedAudio? audio = null;
        foreach (var om in offer.Media)
        {
            var am = new MediaDescription { Media = om.Media, Protocol = om.Protocol, Port = 0 };
            if (audio is null && om.Media == "audio" && om.Port != 0 && om.Protocol.StartsWith("RTP/AVP", StringComparison.Ordinal)
                && Negotiate(offer, om, options) is { } n)
            {
                am.Port = rtp.Port;
                am.Formats.Add(n.Codec.PayloadType());
                am.Attributes.Add(new SdpAttribute("rtpmap", n.Codec == AudioCodec.Pcmu ? "0 PCMU/8000" : "8 PCMA/8000"));
                if (n.TelephoneEventPayloadType is { } te)
                {
                    var pt = te.ToString(CultureInfo.InvariantCulture);
                    am.Formats.Add(pt);
                    am.Attributes.Add(new SdpAttribute("rtpmap", pt + " telephone-event/8000"));
                    am.Attributes.Add(new SdpAttribute("fmtp", pt + " 0-16"));
                }
                am.Attributes.Add(new SdpAttribute("ptime", n.Ptime.ToString(CultureInfo.InvariantCulture)));
                am.SetDirection(n.Direction);
                audio = n;
            }
            else
            {
                am.Formats.Add(om.Formats.Count > 0 ? om.Formats[0] : "0");
            }
            answer.Media.Add(am);
        }
        return audio is null
            ? new SdpAnswerResult(null, null, "no offered audio stream has a supported codec (PCMU, PCMA)")
            : new SdpAnswerResult(answer, audio, null);
    }

    /// <summary>Reads the answer to our offer: the agreed audio stream, or null when none was accepted.</summary>
    public static NegotiatedAudio? ReadAnswer(SessionDescription answer, AudioMediaOptions? options = null)
    {
        options ??= new AudioMediaOptions();
        foreach (var m in answer.Media)
        {
            if (m.Media == "audio" && m.Port != 0 && Negotiate(answer, m, options, isAnswer: true) is { } n)
            {
                return n;
            }
        }
        return null;
    }

    private static NegotiatedAudio? Negotiate(SessionDescription sdp, MediaDescription m, AudioMediaOptions options, bool isAnswer = false)
    {
        AudioCodec? codec = null;
        int? te = null;
        foreach (var f in m.Formats)
        {
            var map = m.RtpMap(f);
            if (map is null)
            {
                continue;
            }
            var (enc, rate) = map.Value;
            if (codec is null && rate == 8000)
            {
                foreach (var c in options.Codecs)
                {
                    if (string.Equals(enc, c == AudioCodec.Pcmu ? "PCMU" : "PCMA", StringComparison.OrdinalIgnoreCase)
                        && f == ((int)c).ToString(CultureInfo.InvariantCulture))
                    {
                        codec = c;
                    }
                }
            }
            if (te is null && options.TelephoneEvent && string.Equals(enc, "telephone-event", StringComparison.OrdinalIgnoreCase) && rate == 8000
                && int.TryParse(f, NumberStyles.None, CultureInfo.InvariantCulture, out var tpt))
            {
                te = tpt;
            }
        }
        if (codec is null)
        {
            return null;
        }
        var addrText = sdp.ConnectionFor(m);
        var addr = addrText is not null && IPAddress.TryParse(addrText, out var a) ? a : IPAddress.Any;
        var remoteDir = sdp.DirectionFor(m);
        if (addr.Equals(IPAddress.Any) && remoteDir == MediaDirection.SendRecv)
        {
            remoteDir = MediaDirection.SendOnly;
        }
        var local = isAnswer ? Reverse(remoteDir) : Combine(Reverse(remoteDir), options.Direction);
        return new NegotiatedAudio
        {
            RemoteRtp = new IPEndPoint(addr, m.Port),
            Codec = codec.Value,
            TelephoneEventPayloadType = te,
            Ptime = m.Ptime ?? options.Ptime,
            Direction = local,
        };
    }

    /// <summary>The direction seen from the other side (sendonly ↔ recvonly).</summary>
    public static MediaDirection Reverse(MediaDirection d) => d switch
    {
        MediaDirection.SendOnly => MediaDirection.RecvOnly,
        MediaDirection.RecvOnly => MediaDirection.SendOnly,
        MediaDirection.SendRecv => MediaDirection.SendRecv,
        MediaDirection.Inactive => MediaDirection.Inactive,
    };

    private static MediaDirection Combine(MediaDirection allowed, MediaDirection wanted)
    {
        var send = CanSend(allowed) && CanSend(wanted);
        var recv = CanReceive(allowed) && CanReceive(wanted);
        return (send, recv) switch
        {
            (true, true) => MediaDirection.SendRecv,
            (true, false) => MediaDirection.SendOnly,
            (false, true) => MediaDirection.RecvOnly,
            (false, false) => MediaDirection.Inactive,
        };
    }

    private static bool CanSend(MediaDirection d) => d is MediaDirection.SendRecv or MediaDirection.SendOnly;

    private static bool CanReceive(MediaDirection d) => d is MediaDirection.SendRecv or MediaDirection.RecvOnly;

    private static string PayloadType(this AudioCodec c) => ((int)c).ToString(CultureInfo.InvariantCulture);

    private static string AddrType(IPAddress a) => a.AddressFamily == AddressFamily.InterNetworkV6 ? "IP6" : "IP4";
}
