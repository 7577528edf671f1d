using ContactCenter.Media.Sessions;
using ContactCenter.Sip.Sdp;
using ContactCenter.Sip.UserAgent;
using MediaDirection = ContactCenter.Media.Sessions.MediaDirection;
using SdpDirection = ContactCenter.Sip.Sdp.MediaDirection;

namespace ContactCenter.Telephony.Gateway.Legs;

/// <summary>What every session does with a leg the same way: hang it up within a bounded time, and apply negotiated SDP to its media.</summary>
internal static class LegSignalling
{
    /// <summary>
    /// True when a dialog ended because the other side left: its BYE, no ACK for our answer, or the connection it ran over
    /// (a browser's WebSocket, RFC 7118) closed. Ends we caused ourselves (our BYE, shutdown) are not the peer leaving.
    /// </summary>
    public static bool PeerLeft(SipDialogEndReason reason) =>
        reason is SipDialogEndReason.RemoteBye or SipDialogEndReason.AckTimeout or SipDialogEndReason.ConnectionClosed;

    /// <summary>How the peer left, for the call's end reason: "BYE", "no ACK for our answer", "connection closed".</summary>
    public static string HowPeerLeft(SipDialogEndReason reason) => reason switch
    {
        SipDialogEndReason.AckTimeout => "no ACK for our answer",
        SipDialogEndReason.ConnectionClosed => "connection closed",
        _ => "BYE",
    };

    /// <summary>How long a BYE may take before the leg is given up (the peer is gone or already hung up).</summary>
    public static readonly TimeSpan ByeTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Sends BYE, bounded in time; never throws. Returns the failure's message, or null when the BYE was sent.</summary>
    public static async Task<string?> ByeAsync(IDialogLeg dialog)
    {
        try
        {
            using var timeout = new CancellationTokenSource(ByeTimeout);
            await dialog.SendByeAsync(timeout.Token).ConfigureAwait(false);
            return null;
        }
        catch (Exception error) when (error is OperationCanceledException or InvalidOperationException or IOException or System.Net.Sockets.SocketException)
        {
            return error.Message;
        }
    }

    /// <summary>The negotiated audio as the media session takes it.</summary>
    public static RemoteMedia ToRemoteMedia(NegotiatedAudio audio) => new()
    {
        RtpEndPoint = audio.RemoteRtp,
        Codec = audio.Codec switch
        {
            AudioCodec.Pcmu => ContactCenter.Media.Codecs.AudioCodec.Pcmu,
            AudioCodec.Pcma => ContactCenter.Media.Codecs.AudioCodec.Pcma,
        },
        TelephoneEventPayloadType = audio.TelephoneEventPayloadType,
        Direction = audio.Direction switch
        {
            SdpDirection.SendRecv => MediaDirection.SendRecv,
            SdpDirection.SendOnly => MediaDirection.SendOnly,
            SdpDirection.RecvOnly => MediaDirection.RecvOnly,
            SdpDirection.Inactive => MediaDirection.Inactive,
        },
    };
}
