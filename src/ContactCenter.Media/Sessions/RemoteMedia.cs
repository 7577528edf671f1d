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

    /// <summary>The audio payload type actually used.</summary>
    public int AudioPayloadType => PayloadType ?? (int)Codec;

    internal IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
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

        return errors;
    }
}
