using ContactCenter.Contracts;
using ContactCenter.Telephony.Ivr;
using ContactCenter.Telephony.Gateway.Legs;
using Microsoft.Extensions.Logging;

namespace ContactCenter.Telephony.Gateway.Session;

/// <summary>How the call ends: one CallEnded, both legs released, everything it held disposed.</summary>
internal sealed partial class CallSession
{
    private CallOutcome OutcomeNow() => state switch
    {
        CallState.Connected => CallOutcome.Answered,
        CallState.Queued or CallState.Ringing => CallOutcome.Abandoned,
        CallState.Ivr => CallOutcome.SelfService,
        CallState.External => CallOutcome.Overflowed,
        CallState.Ended => CallOutcome.Answered,
    };

    private async Task EndAsync(CallParty endedBy, string reason, CallOutcome outcome)
    {
        if (state == CallState.Ended)
        {
            return;
        }

        if (voicemail is not null)
        {
            // Whoever ends the call, the message decides how it ended (a caller's hang-up keeps it).
            var decided = await voicemail.FinishAsync(endedBy == CallParty.Caller ? "caller hung up" : reason);
            reason = decided.Reason;
            outcome = decided.Outcome;
        }

        var wasRinging = state == CallState.Ringing;
        state = CallState.Ended;
        mailbox.Complete();
        hold?.Stop();
        if (endedBy == CallParty.Caller)
        {
            ivr.Handle(new CallerHungUp());
        }

        if (agentLeg is { } leg)
        {
            leg.RingTimer?.Dispose();
            if (wasRinging)
            {
                leg.Call.Cancel(); // CANCEL to the agent's phone; its result arrives after we finish
            }
            else if (leg.Dialog is { } agentDialog)
            {
                await SafeByeAsync(agentDialog);
            }
        }

        await EndExternalLegAsync();
        await EndMonitoringWithCallAsync($"the call ended ({reason})");
        if (callerDialog is { } caller)
        {
            await SafeByeAsync(caller);
        }

        if (bridge is { IsRecording: true })
        {
            await bridge.StopRecordingAsync();
        }

        await gateway.Bus.Publish(new CallEnded
        {
            CallId = CallId,
            AgentId = connectedAgent,
            Queue = queue,
            IvrPath = IvrPath,
            Outcome = outcome,
            EndedBy = endedBy,
            Reason = reason,
            RecordingPath = recordingPath,
            OccurredAt = gateway.Time.GetUtcNow(),
        });
        gateway.Metrics.CallEnded(outcome);
        logger.LogInformation("Call {CallId} ended by {Party}: {Reason} ({Outcome})", CallId, endedBy, reason, outcome);
    }

    private async Task SafeByeAsync(IDialogLeg dialog)
    {
        if (await LegSignalling.ByeAsync(dialog) is { } error)
        {
            logger.LogDebug("Call {CallId}: BYE not confirmed: {Error}", CallId, error);
        }
    }

    private async Task CleanUpAsync()
    {
        mailbox.Complete();
        hold?.Stop();
        if (bridge is not null)
        {
            await bridge.DisposeAsync();
        }

        if (agentLeg is { } leg)
        {
            leg.RingTimer?.Dispose();
            await leg.Media.DisposeAsync();
        }

        if (externalLeg is not null)
        {
            await externalLeg.DisposeAsync();
        }

        if (callerMedia is not null)
        {
            await callerMedia.DisposeAsync();
        }

        if (supervisor is { } watching)
        {
            await watching.Media.DisposeAsync();
        }
    }
}
