using ContactCenter.Media.Sessions;

namespace ContactCenter.Telephony.Gateway.Legs;

/// <summary>
/// The grace a browser leg gets when its DTLS association is closed: a browser that hangs up closes its peer connection
/// (DTLS close_notify, over UDP) as it sends BYE over the WebSocket, and the close often arrives first. The leg's session
/// waits <see cref="Delay"/> for that BYE (so the history says who hung up) before ending the call as a media failure.
/// Each leg gets its grace once: one leg's close does not use up another's (the caller's browser and the agent's browser
/// are two legs of one call). Touched only in the owning session's mailbox.
/// </summary>
internal sealed class DtlsCloseGrace
{
    /// <summary>How long a leg whose browser closed DTLS waits for that browser's BYE.</summary>
    public static readonly TimeSpan Delay = TimeSpan.FromSeconds(2);

    private readonly HashSet<IMediaSession> waited = new(ReferenceEqualityComparer.Instance);

    /// <summary>
    /// True when <paramref name="failure"/> on <paramref name="leg"/> is to wait <see cref="Delay"/> first: a DTLS close on a
    /// leg that has not had its grace yet (it has now). False for any other failure, and for a leg's second report.
    /// </summary>
    public bool ShouldWait(IMediaSession leg, MediaFailure failure) => failure == MediaFailure.DtlsClosed && waited.Add(leg);
}
