using ContactCenter.Contracts;
using ContactCenter.Telephony.Gateway.Voicemail;
using ContactCenter.Telephony.Ivr;
using Microsoft.Extensions.Logging;

namespace ContactCenter.Telephony.Gateway.Session;

/// <summary>The IVR on the caller's leg: its events in, its actions carried out; routing's diverts; voicemail.</summary>
internal sealed partial class CallSession
{
    private async Task Handle(IvrEvent ivrEvent)
    {
        if (state == CallState.Ended)
        {
            return;
        }

        if (voicemail is not null)
        {
            // The IVR has finished; only the caller's keys matter now (# ends the message).
            await (ivrEvent is DigitPressed pressed ? voicemail.OnDigitAsync(pressed.Digit) : Task.CompletedTask);
            return;
        }

        foreach (var action in ivr.Handle(ivrEvent))
        {
            await ExecuteAsync(action);
            if (state == CallState.Ended)
            {
                return;
            }
        }
    }

    /// <summary>The actions that change the call; the others are the <see cref="IvrActionRunner"/>'s.</summary>
    private async Task ExecuteAsync(IvrAction action)
    {
        var now = gateway.Time.GetUtcNow();
        if (ivrActions.TryRun(action, now))
        {
            return;
        }

        switch (action)
        {
            case QueueCall queued:
                queue = queued.Queue;
                QueuedAt = queued.QueuedAt;
                state = CallState.Queued;
                queuedAs = queued.ToCallQueued(CallId, Caller, gateway.Options.GatewayId, now);
                await gateway.Bus.Publish(queuedAs);
                logger.LogInformation("Call {CallId} queued in {Queue} after IVR path {Path}", CallId, queued.Queue, queued.IvrPath);
                break;
            case HangUp hangUp:
                await EndAsync(CallParty.System, hangUp.Reason, hangUp.Outcome);
                break;
            case TakeVoicemail take:
                StartVoicemail(take, now);
                break;
            case TransferCall transfer:
                await TransferOutAsync(transfer.Target);
                break;
            default:
                throw new InvalidOperationException($"unknown IVR action {action.GetType().Name}");
        }
    }

    private async Task DivertAsync(DivertQueuedCall command)
    {
        if (state is not CallState.Queued)
        {
            return;
        }

        switch (command.Action)
        {
            case DivertAction.Callback:
                await Handle(new CallbackOfferRequested());
                break;
            case DivertAction.Voicemail:
                logger.LogInformation("Call {CallId}: diverted to voicemail ({Reason})", CallId, command.Reason);
                await Handle(new VoicemailRequested());
                break;
            case DivertAction.QueueFull:
            case DivertAction.NoAgents:
                await EndAsync(CallParty.System, $"{command.Action}: {command.Reason}", CallOutcome.Rejected);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(command), command.Action, "unknown divert action");
        }
    }

    /// <summary>The IVR hands the caller to voicemail (a voicemail node, or the queue's divert): <see cref="VoicemailTaker"/> does the rest.</summary>
    private void StartVoicemail(TakeVoicemail take, DateTimeOffset now)
    {
        if (callerMedia is not { } media || voicemail is not null)
        {
            return;
        }

        mailbox.CancelTimers();
        // A queued call keeps what routing knew of it (its QueuedAt above all), in the queue it is in now.
        var origin = queuedAs is { } queued
            ? queued with { Queue = queue ?? queued.Queue }
            : take.Callback.ToCallQueued(CallId, Caller, gateway.Options.GatewayId, now);
        queue ??= origin.Queue;
        voicemail = new VoicemailTaker(gateway, media, CallId, Caller, origin, take, Post, EndAsync, logger);
        voicemail.Start();
    }
}
