using ContactCenter.Contracts;
using ContactCenter.Media.Sessions;
using ContactCenter.Telephony.Ivr;
using MassTransit;
using Microsoft.Extensions.Logging;

namespace ContactCenter.Telephony.Gateway.Session;

/// <summary>
/// Carries out the IVR's actions that leave the call's state alone: prompts on the caller's leg, the IVR's timers, the
/// look-ups in the CRM. What comes of them (a prompt finished, a timer fired, a look-up answered or timed out) goes back
/// to the IVR as an event through the call's mailbox. The actions that change the call (queue it, hang up, voicemail,
/// transfer out) are the <see cref="CallSession"/>'s. Runs in the call's mailbox.
/// </summary>
internal sealed class IvrActionRunner(GatewayContext gateway, CallMailbox mailbox, Guid callId, Func<IvrEvent, Task> handle, ILogger logger)
{
    /// <summary>The caller's media, once the call is answered.</summary>
    public IMediaSession? CallerMedia { get; set; }

    /// <summary>Carries out <paramref name="action"/>; false when it is not one of this runner's (the session carries it out).</summary>
    public bool TryRun(IvrAction action, DateTimeOffset now)
    {
        switch (action)
        {
            case PlayPrompts play:
                _ = PlayAsync(play);
                return true;
            case StopPlayback:
                CallerMedia?.StopPlayback();
                return true;
            case StartDigitCollection or StopDigitCollection:
                // Digits always reach the IVR (RFC 4733, SIP INFO or in-band); it collects them itself.
                return true;
            case StartTimer start:
                var id = start.TimerId;
                mailbox.StartTimer(id, start.Delay, () => handle(new TimerFired(id)));
                return true;
            case CancelTimer cancel:
                mailbox.CancelTimer(cancel.TimerId);
                return true;
            case LookUpCaller lookup:
                _ = LookUpCallerAsync(lookup, now);
                return true;
            case LookUpCaseStatus lookup:
                _ = LookUpCaseStatusAsync(lookup, now);
                return true;
            default:
                return false;
        }
    }

    private async Task PlayAsync(PlayPrompts play)
    {
        if (CallerMedia is not { } media)
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
                mailbox.Post(() => handle(new PromptFinished(play.PlayId)));
            }
        }
        catch (Exception error) when (error is IOException or InvalidOperationException or OperationCanceledException or ObjectDisposedException or Media.Audio.MediaFormatException)
        {
            logger.LogWarning("Call {CallId}: prompt playback failed: {Error}", callId, error.Message);
            mailbox.Post(() => handle(new PromptFinished(play.PlayId)));
        }
    }

    private async Task LookUpCallerAsync(LookUpCaller lookup, DateTimeOffset now)
    {
        CallerInfo? info = null;
        try
        {
            var response = await gateway.IdentifyCaller.GetResponse<CallerIdentified>(lookup.ToRequest(callId, now), default, RequestTimeout.After(ms: (int)gateway.Options.LookupTimeout.TotalMilliseconds));
            info = CallerInfo.From(response.Message);
        }
        catch (RequestTimeoutException)
        {
            logger.LogWarning("Call {CallId}: caller lookup timed out", callId);
        }
        catch (RequestFaultException fault)
        {
            logger.LogWarning("Call {CallId}: caller lookup failed: {Error}", callId, fault.Message);
        }

        mailbox.Post(() => handle(new CallerLookupCompleted(lookup.RequestId, info)));
    }

    private async Task LookUpCaseStatusAsync(LookUpCaseStatus lookup, DateTimeOffset now)
    {
        CaseStatusInfo? info = null;
        try
        {
            var response = await gateway.CaseStatus.GetResponse<CaseStatusResult>(lookup.ToRequest(callId, now), default, RequestTimeout.After(ms: (int)gateway.Options.LookupTimeout.TotalMilliseconds));
            info = CaseStatusInfo.From(response.Message);
        }
        catch (RequestTimeoutException)
        {
            logger.LogWarning("Call {CallId}: case status lookup timed out", callId);
        }
        catch (RequestFaultException fault)
        {
            logger.LogWarning("Call {CallId}: case status lookup failed: {Error}", callId, fault.Message);
        }

        mailbox.Post(() => handle(new CaseStatusLookupCompleted(lookup.RequestId, info)));
    }
}
