using ContactCenter.Media.Sessions;
using Microsoft.Extensions.Logging;

namespace ContactCenter.Telephony.Gateway.Legs;

/// <summary>
/// Times a browser leg's set-up as the gateway sees it: from our INVITE going down the browser's WebSocket to the first SRTP
/// packet from that browser authenticated and decrypted (the browser rang, answered, ICE, DTLS and SRTP are done and its
/// audio flows). Recorded in <c>contactcenter.telephony.browser_legs.media_setup</c> and logged once per leg (the
/// <c>./bench.sh webrtc-setup</c> bench reads the log line).
/// </summary>
internal static class BrowserMediaSetup
{
    /// <summary>Call just before the INVITE is sent; does nothing for a leg that is not a browser's.</summary>
    public static void Watch(GatewayContext gateway, LegSdp sdp, IMediaSession media, ILogger logger)
    {
        if (sdp is not BrowserLegSdp)
        {
            return;
        }

        var sent = gateway.Time.GetTimestamp();
        EventHandler<EventArgs>? started = null;
        started = (_, _) =>
        {
            var elapsed = gateway.Time.GetElapsedTime(sent);
            media.SecureMediaStarted -= started;
            gateway.Metrics.BrowserMediaStarted(elapsed);
            logger.LogInformation("Browser leg {Leg}: first audio from the browser decrypted {SetupMs} ms after the INVITE went down its WebSocket",
                media.Id, Math.Round(elapsed.TotalMilliseconds, 1));
        };
        media.SecureMediaStarted += started;
    }
}
