using ContactCenter.Contracts;
using ContactCenter.Media.Sessions;
using ContactCenter.Telephony.Gateway.Legs;
using Microsoft.Extensions.Logging;

namespace ContactCenter.Telephony.Gateway.Dialling;

/// <summary>
/// How an answered leg of a placed call ends the attempt: its BYE (or its browser's connection closing), or its media
/// failing for good (DTLS failed, wrong fingerprint, DTLS closed without a BYE, ICE consent lost), with the reason in the
/// log and the history.
/// </summary>
internal sealed partial class AgentFirstSession
{
    private async Task WatchAsync(IDialogLeg dialog, CallParty party)
    {
        var reason = await dialog.Ended;
        if (LegSignalling.PeerLeft(reason))
        {
            Post(() => OnLegEndedAsync(dialog, party));
        }
    }

    /// <summary>An answered leg's media failing for good (DTLS failed, wrong fingerprint, ICE consent lost) ends the attempt.</summary>
    private void WatchMedia(OutboundLeg leg, CallParty party)
    {
        var media = leg.Media;
        media.MediaFailed += (_, e) => Post(() => OnMediaFailedAsync(leg, media, party, e));
    }

    /// <summary>
    /// A leg's media failed: that leg carries nothing more, so the attempt ends with the reason in the log and the history
    /// (never a silent call). A browser that closed DTLS first gets <see cref="DtlsCloseGrace.Delay"/> for its BYE, which
    /// then says who hung up.
    /// </summary>
    private async Task OnMediaFailedAsync(OutboundLeg leg, IMediaSession media, CallParty party, MediaFailedEventArgs failure)
    {
        var current = party == CallParty.Agent ? agentLeg : customerLeg;
        if (phase == Phase.Ended || current != leg || leg.Dialog is null)
        {
            return;
        }

        var who = party == CallParty.Agent ? "agent" : "customer";
        if (dtlsGrace.ShouldWait(media, failure.Failure))
        {
            logger.LogInformation("{Kind} {CallId}: the {Leg}'s browser closed DTLS ({Id}); waiting {Grace} for its BYE", plan.Kind, CallId, who, media.Id, DtlsCloseGrace.Delay);
            mailbox.After(DtlsCloseGrace.Delay, () => OnMediaFailedAsync(leg, media, party, failure));
            return;
        }

        logger.LogWarning("{Kind} {CallId}: the {Leg}'s media ({Id}) failed ({Failure}): {Reason}", plan.Kind, CallId, who, media.Id, failure.Failure, failure.Reason);
        var reason = $"{who}'s media failed: {failure.Reason}";
        await EndAttemptAsync(phase == Phase.Connected ? CallOutcome.Answered : CallOutcome.Failed, CallParty.System, reason, retryNow: false);
    }

    private Task OnLegEndedAsync(IDialogLeg dialog, CallParty party)
    {
        if (phase == Phase.Ended)
        {
            return Task.CompletedTask;
        }

        if (party == CallParty.Agent && agentLeg?.Dialog == dialog)
        {
            agentLeg.Dialog = null;
            return phase == Phase.Connected
                ? EndAttemptAsync(CallOutcome.Answered, CallParty.Agent, "agent hung up (BYE)", retryNow: false)
                : EndAttemptAsync(CallOutcome.NoAnswer, CallParty.Agent, "agent hung up before the customer answered", retryNow: false);
        }

        if (party == CallParty.Caller && customerLeg?.Dialog == dialog)
        {
            customerLeg.Dialog = null;
            return EndAttemptAsync(CallOutcome.Answered, CallParty.Caller, "customer hung up (BYE)", retryNow: false);
        }

        return Task.CompletedTask;
    }
}
