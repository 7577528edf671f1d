using ContactCenter.Media.Sessions;
using ContactCenter.Sip.Message;
using ContactCenter.Sip.Sdp;

namespace ContactCenter.Telephony.Gateway.Legs;

/// <summary>SRTP for a SIP phone or trunk (<c>Telephony:PhoneSrtp</c>, a trunk's <c>srtp:</c>).</summary>
internal enum SrtpPolicy
{
    /// <summary>Plain RTP; a=crypto is never offered.</summary>
    Off,

    /// <summary>
    /// a=crypto offered on RTP/AVP (best effort, as most PBXs do it): a phone that answers with a=crypto gets SRTP, one
    /// that ignores it gets plain RTP. Only over TLS: keys in clear signalling would protect nothing.
    /// </summary>
    Offered,

    /// <summary>RTP/SAVP with a=crypto; no SRTP in the answer (or no TLS) means no call.</summary>
    Required,
}

/// <summary>
/// SDES (RFC 4568) on a SIP leg's SDP: our a=crypto on the offer, the peer's read back from the answer, giving the media
/// leg its <see cref="SdesSrtpKeying"/> (the SRTP transform of ADR 0012). One crypto suite, AES_CM_128_HMAC_SHA1_80, no
/// MKI and no key lifetime shorter than the default.
/// </summary>
internal static class SdesSdp
{
    public const string Suite = "AES_CM_128_HMAC_SHA1_80";

    /// <summary>Parses a setting value (off, offered, required); null when it is none of them.</summary>
    public static SrtpPolicy? Parse(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        "off" => SrtpPolicy.Off,
        "offered" => SrtpPolicy.Offered,
        "required" => SrtpPolicy.Required,
        _ => null,
    };

    /// <summary>
    /// The policy that applies on a leg over <paramref name="protocol"/>: SDES only over TLS (RFC 4568 §8.3), so a phone
    /// reached over UDP or TCP gets <see cref="SrtpPolicy.Off"/> when SRTP is only offered, and cannot be used
    /// (null) when it is required.
    /// </summary>
    public static SrtpPolicy? Effective(SrtpPolicy policy, SipProtocol protocol) =>
        protocol == SipProtocol.Tls ? policy : policy == SrtpPolicy.Required ? null : SrtpPolicy.Off;

    /// <summary>Adds our a=crypto to the audio stream of <paramref name="offer"/>; returns our key, or null when off.</summary>
    public static string? AddToOffer(SessionDescription offer, SrtpPolicy policy)
    {
        if (policy == SrtpPolicy.Off)
        {
            return null;
        }
        var key = SdesSrtpKeying.GenerateKey(Suite);
        foreach (var m in offer.Media)
        {
            if (m.Media == "audio")
            {
                if (policy == SrtpPolicy.Required)
                {
                    m.Protocol = "RTP/SAVP";
                }
                m.Attributes.Insert(0, new SdpAttribute("crypto", $"1 {Suite} inline:{key}"));
                return key;
            }
        }
        return null;
    }

    /// <summary>
    /// The keying the peer's answer gives with our <paramref name="localKey"/>: null with no error when the answer has no
    /// a=crypto and SRTP was only offered; an error when it was required, or the answer's a=crypto is unusable.
    /// </summary>
    public static (SdesSrtpKeying? Keying, string? Error) ReadAnswer(SessionDescription answer, string? localKey, SrtpPolicy policy)
    {
        if (localKey is null || policy == SrtpPolicy.Off)
        {
            return (null, null);
        }
        foreach (var m in answer.Media)
        {
            if (m.Media != "audio" || m.Port == 0)
            {
                continue;
            }
            foreach (var a in m.Attributes)
            {
                if (a.Name != "crypto" || a.Value is null)
                {
                    continue;
                }
                if (TryReadCrypto(a.Value, out var tag, out var suite, out var key, out var error) && tag == "1" && suite == Suite)
                {
                    return (new SdesSrtpKeying { CryptoSuite = Suite, LocalKey = localKey, RemoteKey = key! }, null);
                }
                return (null, error ?? $"the answer's a=crypto ({a.Value}) is not tag 1 {Suite}");
            }
        }
        return policy == SrtpPolicy.Required ? (null, "SRTP is required and the answer has no a=crypto") : (null, null);
    }

    /// <summary>
    /// Answers a peer's first offer (a trunk's INVITE): with a usable a=crypto (one of its lines with our suite) the
    /// answer carries ours with the same tag, on RTP/SAVP when the offer was (<paramref name="savp"/>); without one, plain
    /// RTP when SRTP is only offered, an error when it is required or the offer was RTP/SAVP (it cannot be answered plain).
    /// </summary>
    public static (SdesSrtpKeying? Keying, string? Error) AnswerOffer(SessionDescription offer, SessionDescription answer, SrtpPolicy policy, bool savp)
    {
        if (policy == SrtpPolicy.Off)
        {
            return savp ? (null, "the offer is RTP/SAVP and SRTP is off for this peer") : (null, null);
        }
        string? why = null;
        foreach (var m in offer.Media)
        {
            if (m.Media != "audio" || m.Port == 0)
            {
                continue;
            }
            foreach (var a in m.Attributes)
            {
                if (a.Name != "crypto" || a.Value is null)
                {
                    continue;
                }
                if (!TryReadCrypto(a.Value, out var tag, out var suite, out var key, out var error) || suite != Suite)
                {
                    why ??= error ?? $"a=crypto suite {suite} is not {Suite}";
                    continue;
                }
                var local = SdesSrtpKeying.GenerateKey(Suite);
                foreach (var am in answer.Media)
                {
                    if (am.Media == "audio" && am.Port != 0)
                    {
                        am.Attributes.Insert(0, new SdpAttribute("crypto", $"{tag} {Suite} inline:{local}"));
                        if (savp)
                        {
                            am.Protocol = "RTP/SAVP";
                        }
                        break;
                    }
                }
                return (new SdesSrtpKeying { CryptoSuite = Suite, LocalKey = local, RemoteKey = key! }, null);
            }
        }
        if (policy == SrtpPolicy.Required)
        {
            return (null, "SRTP is required and the offer has no usable a=crypto" + (why is null ? "" : $" ({why})"));
        }
        return savp ? (null, "the offer is RTP/SAVP without a usable a=crypto" + (why is null ? "" : $" ({why})")) : (null, null);
    }

    /// <summary>
    /// Before answering a re-offer on an SRTP leg: an RTP/SAVP audio stream is read as RTP/AVP by the G.711 offer/answer
    /// (which knows nothing of SRTP); true when it was, so <see cref="AnswerReOffer"/> puts RTP/SAVP back in the answer.
    /// </summary>
    public static bool UnwrapSavp(SessionDescription offer)
    {
        foreach (var m in offer.Media)
        {
            if (m.Media == "audio" && m.Protocol == "RTP/SAVP")
            {
                m.Protocol = "RTP/AVP";
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// A re-offer (hold, resume) on a leg that runs SRTP: it must carry a usable a=crypto (we never fall back to plain
    /// RTP in a call); our answer echoes its tag with our key, and the peer's key may have changed.
    /// </summary>
    public static (SdesSrtpKeying? Keying, string? Error) AnswerReOffer(SessionDescription offer, SessionDescription answer, SdesSrtpKeying current, bool savp)
    {
        foreach (var m in offer.Media)
        {
            if (m.Media != "audio" || m.Port == 0)
            {
                continue;
            }
            foreach (var a in m.Attributes)
            {
                if (a.Name == "crypto" && a.Value is not null && TryReadCrypto(a.Value, out var tag, out var suite, out var key, out _) && suite == Suite)
                {
                    foreach (var am in answer.Media)
                    {
                        if (am.Media == "audio" && am.Port != 0)
                        {
                            am.Attributes.Insert(0, new SdpAttribute("crypto", $"{tag} {Suite} inline:{current.LocalKey}"));
                            if (savp)
                            {
                                am.Protocol = "RTP/SAVP";
                            }
                        }
                    }
                    return (current with { RemoteKey = key! }, null);
                }
            }
        }
        return (null, "the re-offer of an SRTP leg has no usable a=crypto");
    }

    /// <summary>Reads "tag suite inline:key[|lifetime][|mki:len] [params]" (RFC 4568 §9.1).</summary>
    internal static bool TryReadCrypto(string value, out string? tag, out string? suite, out string? key, out string? error)
    {
        tag = suite = key = error = null;
        var parts = value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 3 || !parts[2].StartsWith("inline:", StringComparison.Ordinal))
        {
            error = $"a=crypto '{value}' is malformed";
            return false;
        }
        if (parts.Length > 3)
        {
            error = $"a=crypto session parameters are not supported ({string.Join(' ', parts[3..])})";
            return false;
        }
        tag = parts[0];
        suite = parts[1];
        var inline = parts[2]["inline:".Length..].Split('|');
        if (inline.Length > 1 && inline[^1].Contains(':', StringComparison.Ordinal))
        {
            error = "a=crypto with an MKI is not supported";
            return false;
        }
        key = inline[0];
        // The key must be base64 of the suite's 30 bytes (16 key + 14 salt).
        try
        {
            if (Convert.FromBase64String(key).Length != 30)
            {
                error = "a=crypto key is not 30 bytes";
                return false;
            }
        }
        catch (FormatException)
        {
            error = "a=crypto key is not base64";
            return false;
        }
        return true;
    }
}
