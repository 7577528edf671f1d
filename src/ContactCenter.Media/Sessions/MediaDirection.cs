namespace ContactCenter.Media.Sessions;

/// <summary>
/// Direction of OUR side of a media stream, as written in the SDP we sent (offer or answer).
/// When the peer puts us on hold with <c>a=sendonly</c>, our answer is <c>recvonly</c>: pass
/// <see cref="RecvOnly"/> (see <see cref="MediaDirectionExtensions.Answer"/>).
/// </summary>
public enum MediaDirection
{
    /// <summary>We send and receive.</summary>
    SendRecv,

    /// <summary>We send only (we put the peer on hold with music); incoming RTP is ignored.</summary>
    SendOnly,

    /// <summary>We receive only (the peer put us on hold); nothing is sent.</summary>
    RecvOnly,

    /// <summary>Neither way.</summary>
    Inactive,
}

/// <summary>Helpers for <see cref="MediaDirection"/>.</summary>
public static class MediaDirectionExtensions
{
    /// <summary>True when we may send RTP.</summary>
    public static bool CanSend(this MediaDirection direction) => direction is MediaDirection.SendRecv or MediaDirection.SendOnly;

    /// <summary>True when we accept RTP.</summary>
    public static bool CanReceive(this MediaDirection direction) => direction is MediaDirection.SendRecv or MediaDirection.RecvOnly;

    /// <summary>Our direction for an answer to a peer offering <paramref name="offered"/> (RFC 3264 §6.1).</summary>
    public static MediaDirection Answer(this MediaDirection offered) => offered switch
    {
        MediaDirection.SendRecv => MediaDirection.SendRecv,
        MediaDirection.SendOnly => MediaDirection.RecvOnly,
        MediaDirection.RecvOnly => MediaDirection.SendOnly,
        MediaDirection.Inactive => MediaDirection.Inactive,
    };
}
