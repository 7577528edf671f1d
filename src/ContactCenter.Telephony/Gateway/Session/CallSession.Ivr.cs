using ContactCenter.Contracts;
using ContactCenter.Media.Sessions;
using ContactCenter.Telephony.Gateway.Voicemail;
using ContactCenter.Telephony.Ivr;
using MassTransit;
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

    private async Task ExecuteAsync(IvrAction action)
    {
        var now = gateway.Time.GetUtcNow();
        switch (action)
        {
            case PlayPrompts play:
                _ = PlayAsync(play);
                break;
            case StopPlayback:
                callerMedia?.StopPlayback();
                break;
            case StartDigitCollection or StopDigitCollection:
                // Digits always reach the IVR (RFC 4733, SIP INFO or in-band); it collects them itself.
                break;
            case StartTimer start:
                CancelTimer(start.TimerId);
                var id = start.TimerId;
                timers[id] = gateway.Time.CreateTimer(_ => Post(() => OnTimer(id)), null, start.Delay, Timeout.InfiniteTimeSpan);
                break;
            case CancelTimer cancel:
                CancelTimer(cancel.TimerId);
                break;
            case LookUpCaller lookup:
                _ = LookUpCallerAsync(lookup, now);
                break;
            case LookUpCaseStatus lookup:
                _ = LookUpCaseStatusAsync(lookup, now);
                break;
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

    private Task OnTimer(long id)
    {
        if (!timers.Remove(id, out var timer))
        {
            return Task.CompletedTask;
        }

        timer.Dispose();
        return Handle(new TimerFired(id));
    }

    private void CancelTimer(long id)
    {
        if (timers.Remove(id, out var timer))
        {
            timer.Dispose();
        }
    }

    private async Task PlayAsync(PlayPrompts play)
    {
        if (callerMedia is not { } media)
        {
            return;
        }

        try
        {
            var paths = new string[play.Prompts.Count];
            for (var i = 0; i < paths.Length; i++)
            {
                paths[i] = play.Prompts[i].Path;
            }

            var result = await media.PlayAsync(paths, new PlaybackOptions { Loop = play.Loop, BargeIn = play.BargeIn });
            if (result.Outcome == PlaybackOutcome.Completed)
            {
                Post(() => Handle(new PromptFinished(play.PlayId)));
            }
        }
        catch (Exception error) when (error is IOException or InvalidOperationException or OperationCanceledException or ObjectDisposedException or Media.Audio.MediaFormatException)
        {
            logger.LogWarning("Call {CallId}: prompt playback failed: {Error}", CallId, error.Message);
            Post(() => Handle(new PromptFinished(play.PlayId)));
        }
    }

    private async Task LookUpCallerAsync(LookUpCaller lookup, DateTimeOffset now)
    {
        CallerInfo? info = null;
        try
        {
            var response = await gateway.IdentifyCaller.GetResponse<CallerIdentified>(lookup.ToRequest(CallId, now), default, RequestTimeout.After(ms: (int)gateway.Options.LookupTimeout.TotalMilliseconds));
            info = CallerInfo.From(response.Message);
        }
        catch (RequestTimeoutException)
        {
            logger.LogWarning("Call {CallId}: caller lookup timed out", CallId);
        }
        catch (RequestFaultException fault)
        {
            logger.LogWarning("Call {CallId}: caller lookup failed: {Error}", CallId, fault.Message);
        }

        Post(() => Handle(new CallerLookupCompleted(lookup.RequestId, info)));
    }

    private async Task LookUpCaseStatusAsync(LookUpCaseStatus lookup, DateTimeOffset now)
    {
        CaseStatusInfo? info = null;
        try
        {
            var response = await gateway.CaseStatus.GetResponse<CaseStatusResult>(lookup.ToRequest(CallId, now), default, RequestTimeout.After(ms: (int)gateway.Options.LookupTimeout.TotalMilliseconds));
            info = CaseStatusInfo.From(response.Message);
        }
        catch (RequestTimeoutException)
        {
            logger.LogWarning("Call {CallId}: case status lookup timed out", CallId);
        }
        catch (RequestFaultException fault)
        {
            logger.LogWarning("Call {CallId}: case status lookup failed: {Error}", CallId, fault.Message);
        }

        Post(() => Handle(new CaseStatusLookupCompleted(lookup.RequestId, info)));
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

        foreach (var timer in timers.Values)
        {
            timer.Dispose();
        }

        timers.Clear();
        // A queued call keeps what routing knew of it (its QueuedAt above all), in the queue it is in now.
        var origin = queuedAs is { } queued
            ? queued with { Queue = queue ?? queued.Queue }
            : take.Callback.ToCallQueued(CallId, Caller, gateway.Options.GatewayId, now);
        queue ??= origin.Queue;
        voicemail = new VoicemailTaker(gateway, media, CallId, Caller, origin, take, Post, EndAsync, logger);
        voicemail.Start();
    }
}
