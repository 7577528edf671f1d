using System.Net;
using ContactCenter.Contracts;
using ContactCenter.Media.Dtmf;
using ContactCenter.Media.Sessions;
using ContactCenter.Sip.Message;
using ContactCenter.Sip.Sdp;
using ContactCenter.Sip.UserAgent;
using ContactCenter.Telephony.Ivr;
using ContactCenter.Telephony.Gateway.Legs;
using Microsoft.Extensions.Logging;

namespace ContactCenter.Telephony.Gateway.Session;

/// <summary>Leg A: the caller's INVITE answered, its dialog watched, its INFO digits and re-INVITEs.</summary>
internal sealed partial class CallSession
{
    private async Task<bool> AnswerCallerAsync()
    {
        if (incoming.Offer is not { } offer)
        {
            incoming.Reject(488, incoming.OfferError is null ? "SDP offer required" : "Bad SDP: " + incoming.OfferError);
            return false;
        }

        // A browser's offer (DTLS-SRTP, from the web caller page over /sip) gets a WebRTC leg; a trunk's plain RTP, or
        // SDES-SRTP as its srtp: says when the call came over TLS.
        var browser = WebRtcOfferAnswer.IsWebRtc(offer);
        callerSdp = browser || CallerSrtp == SrtpPolicy.Off ? LegSdp.For(browser, gateway.Options) : new SdesLegSdp(CallerSrtp);
        IMediaSession media;
        try
        {
            media = callerSdp.Open(gateway, CallId.ToString("N")[..12] + "-a");
        }
        catch (InvalidOperationException error)
        {
            logger.LogWarning("No media port for a new call: {Error}", error.Message);
            incoming.Reject(503, "Out of media ports", [new("Retry-After", "10")]);
            return false;
        }

        var answer = callerSdp.Answer(gateway, media, offer, out var refused);
        if (answer is null)
        {
            await media.DisposeAsync();
            logger.LogWarning("Refused a {Kind} call from {Caller}: {Error}", callerSdp.Kind, Caller, refused);
            incoming.Reject(488, refused ?? "No common codec");
            return false;
        }

        media.Configure(answer.Remote);
        if (answer.Remote.Srtp is SdesSrtpKeying sdes)
        {
            logger.LogInformation("Call {CallId}: the caller's leg uses SRTP ({Suite}, SDES over TLS)", CallId, sdes.CryptoSuite);
        }

        callerMedia = media;
        ivrActions.CallerMedia = media;
        media.DtmfReceived += (_, e) => Post(() => Handle(new DigitPressed(e.Digit)));
        media.MediaTimeout += (_, e) => Post(() => EndAsync(CallParty.System, e.Reason, OutcomeNow()));
        media.MediaFailed += (_, e) => Post(() => OnMediaFailedAsync(media, CallParty.Caller, e));

        var dialog = incoming.Accept(answer.Answer!);
        if (dialog is null)
        {
            // CANCEL won the race with our 200.
            return false;
        }

        callerDialog = dialog;
        hold = new HoldRelay(gateway, mailbox, dialog, media, callerSdp, CallId, logger);
        dialog.InfoHandler = request => OnInfo(media, request);
        dialog.OfferHandler = reOffer => AnswerReInvite(callerSdp, media, reOffer);
        _ = WatchDialogAsync(dialog, CallParty.Caller);

        await gateway.Bus.Publish(new CallReceived
        {
            CallId = CallId,
            Caller = Caller,
            Did = Did,
            GatewayId = gateway.Options.GatewayId,
            OccurredAt = gateway.Time.GetUtcNow(),
        });
        gateway.Metrics.CallReceived();
        logger.LogInformation("Call {CallId} from {Caller} to DID {Did} answered (SIP Call-ID {SipCallId})", CallId, Caller, Did, incoming.CallId);
        return true;
    }

    private Task StartIvrAsync() => Handle(new CallStarted(Caller, Did));

    private async Task WatchDialogAsync(IDialogLeg dialog, CallParty party)
    {
        var reason = await dialog.Ended;
        if (LegSignalling.PeerLeft(reason))
        {
            Post(() => OnLegEndedAsync(dialog, party, reason));
        }
    }

    private async Task OnLegEndedAsync(IDialogLeg dialog, CallParty party, SipDialogEndReason reason)
    {
        if (state == CallState.Ended)
        {
            return;
        }

        var why = LegSignalling.HowPeerLeft(reason);
        if (party == CallParty.Caller && dialog == callerDialog)
        {
            callerDialog = null;
            hold?.Stop();
            await EndAsync(CallParty.Caller, $"caller hung up ({why})", OutcomeNow());
        }
        else if (party == CallParty.Agent && agentLeg?.Dialog == dialog)
        {
            agentLeg.Dialog = null;
            await EndAsync(CallParty.Agent, $"agent hung up ({why})", CallOutcome.Answered);
        }
    }

    private static void OnInfo(IMediaSession media, SipRequest request)
    {
        if (request.ContentType is { } type && DtmfRelayParser.TryParse(type, request.BodyText, out var digit, out var duration, out _))
        {
            media.ReceiveSipInfoDtmf(digit, duration);
        }
    }

    private ValueTask<SessionDescription?> AnswerReInvite(LegSdp sdp, IMediaSession media, SessionDescription? offer) =>
        ValueTask.FromResult(AnswerOffer(sdp, media, offer)?.Answer);

    private LegNegotiation? AnswerOffer(LegSdp sdp, IMediaSession media, SessionDescription? offer)
    {
        if (offer is null)
        {
            return null;
        }

        var answer = sdp.Answer(gateway, media, offer, out var refused);
        if (answer is null)
        {
            logger.LogWarning("Call {CallId}: leg {Leg} re-INVITE refused: {Error}", CallId, media.Id, refused);
            return null;
        }

        // Hold and resume (sendonly / inactive / sendrecv) change the direction of this leg; the bridge
        // respects it. A hold from the agent's phone is also passed to the caller (HoldRelay).
        try
        {
            media.Configure(answer.Remote);
        }
        catch (ArgumentException error)
        {
            logger.LogWarning("Call {CallId}: leg {Leg} re-INVITE refused: {Error}", CallId, media.Id, error.Message);
            return null;
        }

        logger.LogInformation("Call {CallId}: leg {Leg} re-INVITE, direction now {Direction}", CallId, media.Id, answer.Direction);
        return answer;
    }

    /// <summary>
    /// A leg's media failed for good (DTLS failed or timed out, the peer's certificate is not its SDP's fingerprint, the browser
    /// closed DTLS, ICE consent lost): that leg carries nothing more, so the call ends with the reason in its history.
    /// </summary>
    private async Task OnMediaFailedAsync(IMediaSession media, CallParty party, MediaFailedEventArgs failure)
    {
        var leg = party == CallParty.Caller ? "caller" : "agent";
        if (state == CallState.Ended || (party == CallParty.Caller ? media != callerMedia : agentLeg?.Media != media))
        {
            return;
        }

        if (dtlsGrace.ShouldWait(media, failure.Failure))
        {
            // A browser that hangs up closes its peer connection (DTLS close_notify, over UDP) as it sends BYE over the
            // WebSocket; the close_notify often arrives first. Give the BYE a moment to say who ended the call.
            logger.LogInformation("Call {CallId}: the {Leg}'s browser closed DTLS ({Id}); waiting {Grace} for its BYE", CallId, leg, media.Id, DtlsCloseGrace.Delay);
            mailbox.After(DtlsCloseGrace.Delay, () => OnMediaFailedAsync(media, party, failure));
            return;
        }

        logger.LogWarning("Call {CallId}: the {Leg}'s media ({Id}) failed ({Failure}): {Reason}", CallId, leg, media.Id, failure.Failure, failure.Reason);
        await EndAsync(CallParty.System, $"{leg}'s media failed: {failure.Reason}", OutcomeNow());
    }

    /// <summary>Which legs' DTLS close already waited for their BYE (each leg once).</summary>
    private readonly DtlsCloseGrace dtlsGrace = new();
}
