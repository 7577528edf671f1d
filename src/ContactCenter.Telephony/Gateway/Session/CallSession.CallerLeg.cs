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

        IMediaSession media;
        try
        {
            media = gateway.Media.CreateSession(CallId.ToString("N")[..12] + "-a");
        }
        catch (InvalidOperationException error)
        {
            logger.LogWarning("No media port for a new call: {Error}", error.Message);
            incoming.Reject(503, "Out of media ports", [new("Retry-After", "10")]);
            return false;
        }

        var answer = SdpOfferAnswer.CreateAnswer(offer, new IPEndPoint(gateway.MediaAddress, media.LocalPort));
        if (!answer.IsSuccess)
        {
            await media.DisposeAsync();
            incoming.Reject(488, answer.Error ?? "No common codec");
            return false;
        }

        media.Configure(LegSignalling.ToRemoteMedia(answer.Audio!));
        callerMedia = media;
        ivrActions.CallerMedia = media;
        media.DtmfReceived += (_, e) => Post(() => Handle(new DigitPressed(e.Digit)));
        media.MediaTimeout += (_, e) => Post(() => EndAsync(CallParty.System, e.Reason, OutcomeNow()));

        var dialog = incoming.Accept(answer.Answer!);
        if (dialog is null)
        {
            // CANCEL won the race with our 200.
            return false;
        }

        callerDialog = dialog;
        hold = new HoldRelay(gateway, mailbox, dialog, media, CallId, logger);
        dialog.InfoHandler = request => OnInfo(media, request);
        dialog.OfferHandler = reOffer => AnswerReInvite(media, reOffer);
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

    private ValueTask<SessionDescription?> AnswerReInvite(IMediaSession media, SessionDescription? offer) =>
        ValueTask.FromResult(AnswerOffer(media, offer)?.Answer);

    private SdpAnswerResult? AnswerOffer(IMediaSession media, SessionDescription? offer, AgentLeg? srtpLeg = null)
    {
        if (offer is null)
        {
            return null;
        }

        var keying = srtpLeg?.Keying;
        var savp = keying is not null && SdesSdp.UnwrapSavp(offer);
        var answer = SdpOfferAnswer.CreateAnswer(offer, new IPEndPoint(gateway.MediaAddress, media.LocalPort));
        if (!answer.IsSuccess)
        {
            return null;
        }

        if (keying is { } current)
        {
            (keying, var srtpError) = SdesSdp.AnswerReOffer(offer, answer.Answer!, current, savp);
            if (srtpError is not null)
            {
                logger.LogWarning("Call {CallId}: leg {Leg} re-INVITE refused: {Error}", CallId, media.Id, srtpError);
                return null;
            }

            srtpLeg!.Keying = keying;
        }

        // Hold and resume (sendonly / inactive / sendrecv) change the direction of this leg; the bridge
        // respects it. A hold from the agent's phone is also passed to the caller (HoldRelay).
        media.Configure(LegSignalling.ToRemoteMedia(answer.Audio!) with { Srtp = keying });
        logger.LogInformation("Call {CallId}: leg {Leg} re-INVITE, direction now {Direction}", CallId, media.Id, answer.Audio!.Direction);
        return answer;
    }
}
