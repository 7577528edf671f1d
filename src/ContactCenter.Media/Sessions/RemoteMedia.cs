using System.Net;
using ContactCenter.Media.Codecs;

namespace ContactCenter.Media.Sessions;

/// <summary>
/// The negotiated media of one call leg, in plain values taken from the SDP offer/answer
/// (the SDP model itself lives in the SIP stack).
/// </summary>
public sealed record RemoteMedia
{
    /// <summary>The peer's RTP address and port (c= and m= lines). Symmetric RTP may later replace it by the real source.</summary>
    public required IPEndPoint RtpEndPoint { get; init; }

    /// <summary>The peer's RTCP address (a=rtcp); null means RTP port + 1.</summary>
    public IPEndPoint? RtcpEndPoint { get; init; }

    /// <summary>The negotiated audio codec.</summary>
    public required AudioCodec Codec { get; init; }

    /// <summary>Its payload type; null means the static one (0 for PCMU, 8 for PCMA).</summary>
    public int? PayloadType { get; init; }

    /// <summary>
    /// The negotiated telephone-event payload type (e.g. 101), or null when the peer offered none;
    /// then digits are detected in the audio (Goertzel) and sent as in-band tones.
    /// </summary>
    public int? TelephoneEventPayloadType { get; init; }

    /// <summary>Our direction (what we wrote in our SDP).</summary>
    public MediaDirection Direction { get; init; } = MediaDirection.SendRecv;

    /// <summary>
    /// Opus (RFC 7587) on the wire with this dynamic payload type (96-127), e.g. a browser's 111. The leg decodes what the
    /// peer sends and encodes what it sends at its edge (48 kHz RTP clock, 20 ms frames); everything inside the engine
    /// (bridge, recording, prompts, DTMF detection) works on 8 kHz G.711 as <see cref="Codec"/> says, so a bridged G.711 leg
    /// is relayed to and from it. Telephone-events on an Opus leg run on its 48 kHz clock (telephone-event/48000, what browsers
    /// pair with Opus). Null: G.711 on the wire, nothing transcoded.
    /// </summary>
    public int? OpusPayloadType { get; init; }

    /// <summary>SRTP (RFC 3711) and how it is keyed; null: plain RTP.</summary>
    public SrtpKeying? Srtp { get; init; }

    /// <summary>RTP and RTCP on the one port (a=rtcp-mux, RFC 5761); required on an ICE leg.</summary>
    public bool RtcpMux { get; init; }

    /// <summary>
    /// The peer's a=ice-ufrag on an ICE leg: its checks must then name it (RFC 8445 §7.3); null accepts any with our own
    /// until it is known.
    /// </summary>
    public string? IceUsernameFragment { get; init; }

    /// <summary>The audio payload type actually used (inside the engine, when <see cref="OpusPayloadType"/> is set).</summary>
    public int AudioPayloadType => PayloadType ?? (int)Codec;

    internal IReadOnlyList<string> Validate()
    {
        List<string> errors = [];
        if (AudioPayloadType is < 0 or > 127)
        {
            errors.Add($"PayloadType {AudioPayloadType} is outside 0-127.");
        }

        if (TelephoneEventPayloadType is { } te && (te is < 0 or > 127 || te == AudioPayloadType))
        {
            errors.Add($"TelephoneEventPayloadType {te} is outside 0-127 or equals the audio payload type.");
        }

        if (RtpEndPoint.Port == 0 && Direction != MediaDirection.Inactive)
        {
            errors.Add("RtpEndPoint port is 0 (a rejected or held stream must use Direction Inactive).");
        }

        if (OpusPayloadType is { } opus && (opus is < 96 or > 127 || opus == AudioPayloadType || opus == TelephoneEventPayloadType))
        {
            errors.Add($"OpusPayloadType {opus} is outside 96-127 or equals the audio or telephone-event payload type.");
        }

        Srtp?.Validate(errors);
        if (IceUsernameFragment is not null && !Ice.IceCredentials.IsValidUsernameFragment(IceUsernameFragment))
        {
            errors.Add($"IceUsernameFragment '{IceUsernameFragment}' is not 4-256 characters of A-Z, a-z, 0-9, '+' and '/'.");
        }

        return errors;
    }
}
