using System.Net;
using ContactCenter.Media.Sessions;
using ContactCenter.Sip.Sdp;
using ContactCenter.Sip.UserAgent;
using ContactCenter.Telephony.Configuration;
using ContactCenter.Telephony.Gateway.Legs;
using Microsoft.Extensions.Logging;

namespace ContactCenter.Telephony.Gateway.Admission;

/// <summary>
/// <c>whenOverloaded: announce</c>: a call refused for overload is answered, hears the DID's <c>busyPrompt</c> once and is
/// hung up. No IVR, no bus message, no call record: only a media port for the length of the prompt. When no media port is
/// free the call gets the 503 after all.
/// </summary>
internal sealed class BusyAnnouncer(IMediaEngine media, IPAddress mediaAddress, string retryAfter, ILogger logger)
{
    /// <summary>Announcements playing now.</summary>
    public int Playing => Volatile.Read(ref playing);

    private int playing;

    /// <summary>Answers, plays, hangs up; returns when the call is over.</summary>
    public async Task AnnounceAsync(IncomingCall call, BusyAnnouncement announcement)
    {
        if (call.Offer is not { } offer)
        {
            Refuse(call);
            return;
        }

        IMediaSession session;
        try
        {
            session = media.CreateSession("busy-" + Guid.NewGuid().ToString("N")[..8]);
        }
        catch (InvalidOperationException)
        {
            Refuse(call);
            return;
        }

        Interlocked.Increment(ref playing);
        try
        {
            var answer = SdpOfferAnswer.CreateAnswer(offer, new IPEndPoint(mediaAddress, session.LocalPort));
            if (!answer.IsSuccess)
            {
                call.Reject(488, answer.Error ?? "No common codec");
                return;
            }

            session.Configure(LegSignalling.ToRemoteMedia(answer.Audio!));
            if (call.Accept(answer.Answer!) is not { } dialog)
            {
                return;
            }

            var leg = new DialogLeg(dialog);
            var played = session.PlayAsync([announcement.PromptPath]);
            var first = await Task.WhenAny(played, leg.Ended);
            logger.LogDebug("Busy announcement for {SipCallId}: {What}", call.CallId, first == played ? "played, hanging up" : "caller left");
            if (first == played)
            {
                var error = await LegSignalling.ByeAsync(leg);
                logger.LogDebug("Busy announcement for {SipCallId}: BYE {Result}", call.CallId, error ?? "answered");
            }
        }
        catch (Exception error) when (error is IOException or InvalidOperationException or ObjectDisposedException or OperationCanceledException
            or Media.Audio.MediaFormatException)
        {
            logger.LogWarning("Busy announcement for {SipCallId} failed: {Error}", call.CallId, error.Message);
            if (!call.IsAnswered)
            {
                Refuse(call);
            }
        }
        finally
        {
            Interlocked.Decrement(ref playing);
            await session.DisposeAsync();
        }
    }

    private void Refuse(IncomingCall call) =>
        call.Reject(503, "Service Unavailable", [new("Retry-After", retryAfter)]);
}
