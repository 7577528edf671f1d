using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace ContactCenter.Sip.Sdp;

/// <summary>Audio codecs of a browser (WebRTC) leg.</summary>
public enum WebRtcCodec
{
    /// <summary>G.711 µ-law (payload type 0): passed through to a G.711 leg.</summary>
    Pcmu,
    /// <summary>G.711 A-law (payload type 8): passed through to a G.711 leg.</summary>
    Pcma,
    /// <summary>Opus/48000/2 (RFC 7587), a dynamic payload type: transcoded to G.711 at the leg's edge.</summary>
    Opus,
}

/// <summary>a=setup (RFC 4145 §4, RFC 5763 §5): who starts the DTLS handshake.</summary>
public enum SdpSetup
{
    /// <summary>a=setup:actpass: the offerer lets the answerer choose.</summary>
    ActPass,
    /// <summary>a=setup:active: this side is the DTLS client.</summary>
    Active,
    /// <summary>a=setup:passive: this side is the DTLS server.</summary>
    Passive,
}

/// <summary>What the local side of a browser leg offers or accepts.</summary>
public sealed record WebRtcMediaOptions
{
    /// <summary>Our a=ice-ufrag (ICE-lite).</summary>
    public required string IceUsernameFragment { get; init; }
    /// <summary>Our a=ice-pwd.</summary>
    public required string IcePassword { get; init; }
    /// <summary>Our a=fingerprint value, "sha-256 AB:CD:…".</summary>
    public required string Fingerprint { get; init; }
    /// <summary>Codecs in order of preference (PCMU and PCMA pass through to G.711 legs; Opus is transcoded).</summary>
    public IReadOnlyList<WebRtcCodec> Codecs { get; init; } = [WebRtcCodec.Pcmu, WebRtcCodec.Pcma, WebRtcCodec.Opus];
    /// <summary>Direction we want (sendonly to put the peer on hold).</summary>
    public MediaDirection Direction { get; init; } = MediaDirection.SendRecv;
    /// <summary>
    /// Our a=setup: null offers actpass and answers an actpass with passive (we are the DTLS server); once a DTLS
    /// association is up, later offers and answers keep its role.
    /// </summary>
    public SdpSetup? Setup { get; init; }
    /// <summary>Packetisation time in ms.</summary>
    public int Ptime { get; init; } = 20;
}

/// <summary>The audio stream of a browser leg both sides agreed on, from the local side's point of view.</summary>
public sealed record NegotiatedWebRtcAudio
{
    /// <summary>The peer's first host candidate (or the c=/m= address): informational, ICE decides where media goes.</summary>
    public required IPEndPoint RemoteRtp { get; init; }
    /// <summary>The codec on the wire.</summary>
    public required WebRtcCodec Codec { get; init; }
    /// <summary>Its payload type (0, 8, or Opus's dynamic one, e.g. 111).</summary>
    public required int PayloadType { get; init; }
    /// <summary>RFC 4733 telephone-event payload type at the codec's clock (8000 for G.711, 48000 for Opus), or null.</summary>
    public int? TelephoneEventPayloadType { get; init; }
    /// <summary>Packetisation time in ms.</summary>
    public int Ptime { get; init; } = 20;
    /// <summary>Local direction.</summary>
    public required MediaDirection Direction { get; init; }
    /// <summary>The peer's a=ice-ufrag.</summary>
    public required string RemoteIceUsernameFragment { get; init; }
    /// <summary>The peer's a=ice-pwd.</summary>
    public required string RemoteIcePassword { get; init; }
    /// <summary>The peer's a=fingerprint ("sha-256 AB:…"): its DTLS certificate must match it.</summary>
    public required string RemoteFingerprint { get; init; }
    /// <summary>Our DTLS role: <see cref="SdpSetup.Active"/> (client) or <see cref="SdpSetup.Passive"/> (server).</summary>
    public required SdpSetup LocalSetup { get; init; }
    /// <summary>The media section's a=mid (BUNDLE), or null when the peer gave none.</summary>
    public string? Mid { get; init; }
}

/// <summary>Outcome of answering a browser's offer: an answer, or why it is refused (488).</summary>
public sealed record WebRtcAnswerResult(SessionDescription? Answer, NegotiatedWebRtcAudio? Audio, string? Error)
{
    /// <summary>True when an answer with a usable audio stream was produced.</summary>
    public bool IsSuccess => Answer is not null && Audio is not null;
}

/// <summary>
/// SDP offer/answer for a browser leg (JSEP as Chromium speaks it): one audio m-line <c>UDP/TLS/RTP/SAVPF</c>, ICE-lite
/// with host candidates (RFC 8445 §2.5, RFC 8839), DTLS-SRTP (RFC 5763/5764: a=fingerprint, a=setup), rtcp-mux (RFC 5761)
/// and a single-m-line BUNDLE (RFC 9143). Codecs: PCMU, PCMA, Opus/48000/2 and telephone-event at each codec's clock.
/// </summary>
public static class WebRtcOfferAnswer
{
    /// <summary>The media protocol of a browser's audio.</summary>
    public const string Protocol = "UDP/TLS/RTP/SAVPF";

    /// <summary>Opus's payload type in our offers (Chromium's own choice).</summary>
    public const int OpusPayloadType = 111;

    /// <summary>telephone-event/8000 in our offers.</summary>
    public const int TelephoneEvent8000PayloadType = 101;

    /// <summary>telephone-event/48000 (paired with Opus) in our offers.</summary>
    public const int TelephoneEvent48000PayloadType = 110;

    private const string Mid = "0";

    /// <summary>True when <paramref name="sdp"/> describes DTLS-SRTP media (a browser's offer), not plain RTP.</summary>
    public static bool IsWebRtc(SessionDescription sdp)
    {
        foreach (var m in sdp.Media)
        {
            if (m.Media == "audio" && m.Port != 0)
            {
                return m.Protocol.Contains("TLS/RTP/SAVP", StringComparison.OrdinalIgnoreCase);
            }
        }

        return false;
    }

    /// <summary>Builds an offer for one audio stream whose ICE-lite host candidate is <paramref name="candidate"/>.</summary>
    public static SessionDescription CreateOffer(IPEndPoint candidate, WebRtcMediaOptions options, ulong sessionId = 0, ulong version = 1)
    {
        ArgumentNullException.ThrowIfNull(options);
        var sdp = NewSession(candidate, sessionId, version);
        sdp.Attributes.Add(new SdpAttribute("group", "BUNDLE " + Mid));
        var m = new MediaDescription { Media = "audio", Port = candidate.Port, Protocol = Protocol };
        var opus = options.Codecs.Contains(WebRtcCodec.Opus);
        var g711 = options.Codecs.Contains(WebRtcCodec.Pcmu) || options.Codecs.Contains(WebRtcCodec.Pcma);
        foreach (var codec in options.Codecs)
        {
            AddCodec(m, codec, codec == WebRtcCodec.Opus ? OpusPayloadType : StaticType(codec));
        }

        if (g711)
        {
            AddTelephoneEvent(m, TelephoneEvent8000PayloadType, 8000);
        }

        if (opus)
        {
            AddTelephoneEvent(m, TelephoneEvent48000PayloadType, 48000);
        }

        AddTransport(m, candidate, options, options.Setup ?? SdpSetup.ActPass, Mid);
        sdp.Media.Add(m);
        return sdp;
    }

    /// <summary>
    /// Answers a browser's offer: the first audio m-line with ICE credentials, a sha-256 fingerprint and a codec we take
    /// (our order of preference wins) is accepted, other m-lines are refused with port 0 (and left out of BUNDLE).
    /// </summary>
    public static WebRtcAnswerResult CreateAnswer(SessionDescription offer, IPEndPoint candidate, WebRtcMediaOptions options, ulong sessionId = 0, ulong version = 1)
    {
        ArgumentNullException.ThrowIfNull(offer);
        ArgumentNullException.ThrowIfNull(options);
        var answer = NewSession(candidate, sessionId, version);
        answer.Timing = offer.Timing;
        NegotiatedWebRtcAudio? audio = null;
        string? error = null;
        foreach (var om in offer.Media)
        {
            var am = new MediaDescription { Media = om.Media, Protocol = om.Protocol, Port = 0 };
            if (audio is null && om.Media == "audio" && om.Port != 0)
            {
                var n = Negotiate(offer, om, options, isAnswer: false, out error);
                if (n is not null)
                {
                    am.Port = candidate.Port;
                    AddCodec(am, n.Codec, n.PayloadType);
                    if (n.TelephoneEventPayloadType is { } te)
                    {
                        AddTelephoneEvent(am, te, n.Codec == WebRtcCodec.Opus ? 48000 : 8000);
                    }

                    AddTransport(am, candidate, options with { Direction = n.Direction }, n.LocalSetup, n.Mid);
                    audio = n;
                    answer.Media.Add(am);
                    continue;
                }
            }

            am.Formats.Add(om.Formats.Count > 0 ? om.Formats[0] : "0");
            if (om.Attribute("mid") is { } mid)
            {
                am.Attributes.Add(new SdpAttribute("mid", mid));
            }

            answer.Media.Add(am);
        }

        if (audio is null)
        {
            return new WebRtcAnswerResult(null, null, error ?? "no offered audio stream");
        }

        if (audio.Mid is { } bundled && BundleOffered(offer, bundled))
        {
            answer.Attributes.Add(new SdpAttribute("group", "BUNDLE " + bundled));
        }

        return new WebRtcAnswerResult(answer, audio, null);
    }

    /// <summary>Reads a browser's answer to our offer: the agreed audio stream, or null with the reason.</summary>
    public static NegotiatedWebRtcAudio? ReadAnswer(SessionDescription answer, WebRtcMediaOptions options, out string? error)
    {
        ArgumentNullException.ThrowIfNull(answer);
        ArgumentNullException.ThrowIfNull(options);
        error = "the answer accepts no audio stream";
        foreach (var m in answer.Media)
        {
            if (m.Media == "audio" && m.Port != 0)
            {
                return Negotiate(answer, m, options, isAnswer: true, out error);
            }
        }

        return null;
    }

    private static NegotiatedWebRtcAudio? Negotiate(SessionDescription sdp, MediaDescription m, WebRtcMediaOptions options, bool isAnswer, out string? error)
    {
        if (!m.Protocol.Contains("TLS/RTP/SAVP", StringComparison.OrdinalIgnoreCase))
        {
            error = $"audio is {m.Protocol}, not DTLS-SRTP ({Protocol})";
            return null;
        }

        var ufrag = AttributeOf(sdp, m, "ice-ufrag");
        var pwd = AttributeOf(sdp, m, "ice-pwd");
        if (ufrag is null || pwd is null)
        {
            error = "no a=ice-ufrag/a=ice-pwd";
            return null;
        }

        string? fingerprint = null;
        foreach (var a in AttributesOf(sdp, m, "fingerprint"))
        {
            if (a.StartsWith("sha-256 ", StringComparison.OrdinalIgnoreCase))
            {
                fingerprint = "sha-256 " + a[8..].Trim();
                break;
            }
        }

        if (fingerprint is null)
        {
            error = "no a=fingerprint:sha-256";
            return null;
        }

        var remoteSetup = ParseSetup(AttributeOf(sdp, m, "setup"));
        SdpSetup local;
        if (isAnswer)
        {
            // RFC 5763 §5: the answerer picks active or passive; an answer without a=setup means active (RFC 4145 §4).
            if (remoteSetup == SdpSetup.ActPass)
            {
                error = "a=setup:actpass in an answer";
                return null;
            }

            local = remoteSetup == SdpSetup.Passive ? SdpSetup.Active : SdpSetup.Passive;
        }
        else
        {
            // An offer without a=setup means active (RFC 4145 §4); actpass leaves the choice to us.
            local = remoteSetup switch
            {
                SdpSetup.Active or null => SdpSetup.Passive,
                SdpSetup.Passive => SdpSetup.Active,
                SdpSetup.ActPass => options.Setup is SdpSetup.Active ? SdpSetup.Active : SdpSetup.Passive,
            };
        }

        if (!HasAttribute(sdp, m, "rtcp-mux"))
        {
            error = "no a=rtcp-mux (RTP and RTCP must share the ICE port)";
            return null;
        }

        (WebRtcCodec Codec, int Pt)? chosen = null;
        foreach (var wanted in options.Codecs)
        {
            foreach (var f in m.Formats)
            {
                if (m.RtpMap(f) is not { } map || !int.TryParse(f, NumberStyles.None, CultureInfo.InvariantCulture, out var pt))
                {
                    continue;
                }

                if (Matches(wanted, map.Encoding, map.ClockRate, pt))
                {
                    chosen = (wanted, pt);
                    break;
                }
            }

            if (chosen is not null)
            {
                break;
            }
        }

        if (chosen is not { } codec)
        {
            error = "no offered codec we take (" + string.Join(", ", options.Codecs) + ")";
            return null;
        }

        var clock = codec.Codec == WebRtcCodec.Opus ? 48000 : 8000;
        int? te = null;
        foreach (var f in m.Formats)
        {
            if (m.RtpMap(f) is { } map && map.ClockRate == clock && string.Equals(map.Encoding, "telephone-event", StringComparison.OrdinalIgnoreCase)
                && int.TryParse(f, NumberStyles.None, CultureInfo.InvariantCulture, out var tpt))
            {
                te = tpt;
                break;
            }
        }

        var remoteDir = sdp.DirectionFor(m);
        error = null;
        return new NegotiatedWebRtcAudio
        {
            RemoteRtp = FirstCandidate(sdp, m),
            Codec = codec.Codec,
            PayloadType = codec.Pt,
            TelephoneEventPayloadType = te,
            Ptime = m.Ptime ?? options.Ptime,
            Direction = isAnswer ? SdpOfferAnswer.Reverse(remoteDir) : Combine(SdpOfferAnswer.Reverse(remoteDir), options.Direction),
            RemoteIceUsernameFragment = ufrag,
            RemoteIcePassword = pwd,
            RemoteFingerprint = fingerprint,
            LocalSetup = local,
            Mid = m.Attribute("mid"),
        };
    }

    private static bool Matches(WebRtcCodec codec, string encoding, int clockRate, int pt) => codec switch
    {
        WebRtcCodec.Pcmu => pt == 0 && clockRate == 8000 && string.Equals(encoding, "PCMU", StringComparison.OrdinalIgnoreCase),
        WebRtcCodec.Pcma => pt == 8 && clockRate == 8000 && string.Equals(encoding, "PCMA", StringComparison.OrdinalIgnoreCase),
        WebRtcCodec.Opus => pt is >= 96 and <= 127 && clockRate == 48000 && string.Equals(encoding, "opus", StringComparison.OrdinalIgnoreCase),
    };

    /// <summary>The first UDP host candidate of RTP (component 1); else the c= address and m= port.</summary>
    private static IPEndPoint FirstCandidate(SessionDescription sdp, MediaDescription m)
    {
        foreach (var a in m.Attributes)
        {
            if (a.Name != "candidate" || a.Value is not { } v)
            {
                continue;
            }

            // foundation component transport priority address port typ type ...
            var f = v.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length >= 8 && f[1] == "1" && string.Equals(f[2], "udp", StringComparison.OrdinalIgnoreCase) && f[6] == "typ"
                && IPAddress.TryParse(f[4], out var address) && int.TryParse(f[5], NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and <= 65535)
            {
                return new IPEndPoint(address, port);
            }
        }

        var conn = sdp.ConnectionFor(m);
        return new IPEndPoint(conn is not null && IPAddress.TryParse(conn, out var c) ? c : IPAddress.Any, m.Port);
    }

    private static bool BundleOffered(SessionDescription offer, string mid)
    {
        foreach (var a in offer.Attributes)
        {
            if (a.Name == "group" && a.Value is { } v && v.StartsWith("BUNDLE", StringComparison.Ordinal))
            {
                foreach (var tag in v.Split(' ', StringSplitOptions.RemoveEmptyEntries).AsSpan(1))
                {
                    if (tag == mid)
                    {
                        return true;
                    }
                }
            }
        }

        return false;
    }

    private static SdpSetup? ParseSetup(string? value) => value?.Trim().ToLowerInvariant() switch
    {
        "actpass" => SdpSetup.ActPass,
        "active" => SdpSetup.Active,
        "passive" => SdpSetup.Passive,
        _ => null,
    };

    private static string SetupText(SdpSetup setup) => setup switch
    {
        SdpSetup.ActPass => "actpass",
        SdpSetup.Active => "active",
        SdpSetup.Passive => "passive",
    };

    private static string? AttributeOf(SessionDescription sdp, MediaDescription m, string name) =>
        m.Attribute(name) ?? sdp.Attributes.Find(a => a.Name == name)?.Value;

    private static IEnumerable<string> AttributesOf(SessionDescription sdp, MediaDescription m, string name)
    {
        var any = false;
        foreach (var a in m.Attributes)
        {
            if (a.Name == name && a.Value is not null)
            {
                any = true;
                yield return a.Value;
            }
        }

        if (!any)
        {
            foreach (var a in sdp.Attributes)
            {
                if (a.Name == name && a.Value is not null)
                {
                    yield return a.Value;
                }
            }
        }
    }

    private static bool HasAttribute(SessionDescription sdp, MediaDescription m, string name) =>
        m.Attributes.Exists(a => a.Name == name) || sdp.Attributes.Exists(a => a.Name == name);

    private static SessionDescription NewSession(IPEndPoint candidate, ulong sessionId, ulong version)
    {
        var at = candidate.Address.AddressFamily == AddressFamily.InterNetworkV6 ? "IP6" : "IP4";
        var sdp = new SessionDescription
        {
            Origin = new SdpOrigin("-", sessionId == 0 ? (ulong)Environment.TickCount64 : sessionId, version, at, candidate.Address.ToString()),
            ConnectionAddress = candidate.Address.ToString(),
            ConnectionAddressType = at,
        };
        sdp.Attributes.Add(new SdpAttribute("ice-lite", null));
        return sdp;
    }

    private static int StaticType(WebRtcCodec codec) => codec == WebRtcCodec.Pcma ? 8 : 0;

    private static void AddCodec(MediaDescription m, WebRtcCodec codec, int pt)
    {
        var text = pt.ToString(CultureInfo.InvariantCulture);
        m.Formats.Add(text);
        switch (codec)
        {
            case WebRtcCodec.Pcmu:
                m.Attributes.Add(new SdpAttribute("rtpmap", text + " PCMU/8000"));
                break;
            case WebRtcCodec.Pcma:
                m.Attributes.Add(new SdpAttribute("rtpmap", text + " PCMA/8000"));
                break;
            case WebRtcCodec.Opus:
                m.Attributes.Add(new SdpAttribute("rtpmap", text + " opus/48000/2"));
                m.Attributes.Add(new SdpAttribute("fmtp", text + " minptime=10;useinbandfec=1"));
                break;
        }
    }

    private static void AddTelephoneEvent(MediaDescription m, int pt, int clock)
    {
        var text = pt.ToString(CultureInfo.InvariantCulture);
        m.Formats.Add(text);
        m.Attributes.Add(new SdpAttribute("rtpmap", text + " telephone-event/" + clock.ToString(CultureInfo.InvariantCulture)));
        m.Attributes.Add(new SdpAttribute("fmtp", text + " 0-16"));
    }

    private static void AddTransport(MediaDescription m, IPEndPoint candidate, WebRtcMediaOptions options, SdpSetup setup, string? mid)
    {
        if (mid is not null)
        {
            m.Attributes.Add(new SdpAttribute("mid", mid));
        }

        m.Attributes.Add(new SdpAttribute("ptime", options.Ptime.ToString(CultureInfo.InvariantCulture)));
        m.Attributes.Add(new SdpAttribute("ice-ufrag", options.IceUsernameFragment));
        m.Attributes.Add(new SdpAttribute("ice-pwd", options.IcePassword));
        m.Attributes.Add(new SdpAttribute("fingerprint", options.Fingerprint));
        m.Attributes.Add(new SdpAttribute("setup", SetupText(setup)));
        m.Attributes.Add(new SdpAttribute("rtcp-mux", null));
        m.Attributes.Add(new SdpAttribute("msid", "contactcenter audio"));
        // RFC 8839 §5.1: foundation, component 1 (RTP; RTCP is muxed), udp, a host priority, address, port, typ host.
        m.Attributes.Add(new SdpAttribute("candidate", string.Create(CultureInfo.InvariantCulture,
            $"1 1 udp 2130706431 {candidate.Address} {candidate.Port} typ host")));
        m.Attributes.Add(new SdpAttribute("end-of-candidates", null));
        m.SetDirection(options.Direction);
    }

    private static MediaDirection Combine(MediaDirection allowed, MediaDirection wanted)
    {
        var send = allowed is MediaDirection.SendRecv or MediaDirection.SendOnly && wanted is MediaDirection.SendRecv or MediaDirection.SendOnly;
        var recv = allowed is MediaDirection.SendRecv or MediaDirection.RecvOnly && wanted is MediaDirection.SendRecv or MediaDirection.RecvOnly;
        return (send, recv) switch
        {
            (true, true) => MediaDirection.SendRecv,
            (true, false) => MediaDirection.SendOnly,
            (false, true) => MediaDirection.RecvOnly,
            (false, false) => MediaDirection.Inactive,
        };
    }
}
