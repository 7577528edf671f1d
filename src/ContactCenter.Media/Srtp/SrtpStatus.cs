namespace ContactCenter.Media.Srtp;

/// <summary>Why an SRTP or SRTCP packet was not accepted (or that it was).</summary>
internal enum SrtpStatus
{
    /// <summary>Authenticated and decrypted.</summary>
    Ok,

    /// <summary>Too short for a header and tag, or not RTP/RTCP version 2.</summary>
    Malformed,

    /// <summary>The tag does not match: forged, damaged, or keyed differently.</summary>
    AuthenticationFailed,

    /// <summary>An index already received (RFC 3711 §3.3.2).</summary>
    Replayed,

    /// <summary>An index behind the replay window, or from before the first rollover.</summary>
    TooOld,

    /// <summary>A new SSRC when the context already follows its maximum number of sources.</summary>
    TooManySources,
}
