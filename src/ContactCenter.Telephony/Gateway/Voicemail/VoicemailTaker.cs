using System.Globalization;
using ContactCenter.Contracts;
using ContactCenter.Media.Sessions;
using ContactCenter.Telephony.Gateway.Callbacks;
using ContactCenter.Telephony.Ivr;
using MassTransit;
using Microsoft.Extensions.Logging;

namespace ContactCenter.Telephony.Gateway.Voicemail;

/// <summary>How a voicemail ended: kept (queued as a work item) or discarded, and what CallEnded should say.</summary>
internal sealed record VoicemailVerdict(bool Kept, string Reason, CallOutcome Outcome, string? FileName, TimeSpan Duration);

/// <summary>
/// Takes one voicemail on a caller's leg, inside its <see cref="CallSession"/>'s mailbox (every method runs there;
/// playback and timer completions come back through <c>post</c>). The greeting and the beep play, then what the caller
/// says is recorded to <c>Telephony:VoicemailPath/{yyyyMMdd}-{callId:N}.wav</c> until <c>#</c>, the maximum length or
/// the caller hanging up. A message shorter than <c>MinLength</c> or with less speech than <c>MinSpeech</c> is deleted
/// and reported with the reason; a kept one is published as <see cref="VoicemailRecorded"/> and queued in its queue as a
/// work item (a new call id derived from the original; routing offers it to an agent's desktop, where it is played and
/// called back) that carries the message. While the caller is still there they hear
/// whether the message was saved, and then <c>end</c> releases the call.
/// </summary>
internal sealed class VoicemailTaker
{
    private readonly GatewayContext gateway;
    private readonly IMediaSession media;
    private readonly Guid callId;
    private readonly string caller;
    private readonly CallQueued origin;
    private readonly TakeVoicemail request;
    private readonly Func<Func<Task>, bool> post;
    private readonly Func<CallParty, string, CallOutcome, Task> end;
    private readonly ILogger logger;
    private readonly VoicemailOptions options;
    private readonly TimeSpan maxLength;

    private Stage stage = Stage.NotStarted;
    private ITimer? maxLengthTimer;
    private string? fileName;
    private VoicemailVerdict? verdict;

    public VoicemailTaker(
        GatewayContext gateway, IMediaSession media, Guid callId, string caller, CallQueued origin, TakeVoicemail request,
        Func<Func<Task>, bool> post, Func<CallParty, string, CallOutcome, Task> end, ILogger logger)
    {
        this.gateway = gateway;
        this.media = media;
        this.callId = callId;
        this.caller = caller;
        this.origin = origin;
        this.request = request;
        this.post = post;
        this.end = end;
        this.logger = logger;
        options = gateway.Options.Voicemail;
        maxLength = request.MaxLength ?? options.MaxLength;
    }

    private enum Stage
    {
        NotStarted,
        Greeting,
        Recording,
        Closing,
    }

    /// <summary>The queue whose work item the message becomes.</summary>
    public string Queue => origin.Queue;

    /// <summary>Stops what plays (queue music) and plays the greeting and the beep; recording starts after them.</summary>
    public void Start()
    {
        if (stage != Stage.NotStarted)
        {
            return;
        }

        stage = Stage.Greeting;
        media.StopPlayback();
        var paths = new List<string>();
        if (request.Greeting.Count > 0)
        {
            paths.AddRange(request.Greeting.Select(p => p.Path));
        }
        else if (gateway.Config.Prompts.Contains(PromptNames.VoicemailGreeting))
        {
            paths.Add(gateway.Config.Prompts.PathOf(PromptNames.VoicemailGreeting));
        }

        if (gateway.Config.Prompts.Contains(PromptNames.VoicemailBeep))
        {
            paths.Add(gateway.Config.Prompts.PathOf(PromptNames.VoicemailBeep));
        }

        logger.LogInformation("Call {CallId}: voicemail for {Queue} (up to {MaxLength})", callId, Queue, maxLength);
        _ = PlayThenAsync(paths, BeginRecording);
    }

    /// <summary>A key press: <c>#</c> ends the message.</summary>
    public Task OnDigitAsync(char digit) =>
        digit == '#' && stage == Stage.Recording ? CompleteAsync("ended with #") : Task.CompletedTask;

    /// <summary>
    /// Ends the voicemail now (the caller hung up, the gateway stops, the call failed): decides, publishes and returns
    /// the verdict. Idempotent: once decided, the same verdict is returned.
    /// </summary>
    public async Task<VoicemailVerdict> FinishAsync(string how)
    {
        if (verdict is not null)
        {
            return verdict;
        }

        maxLengthTimer?.Dispose();
        var wasRecording = stage == Stage.Recording;
        stage = Stage.Closing;
        RecordingResult? result = null;
        try
        {
            result = await media.StopRecordingAsync();
        }
        catch (IOException error)
        {
            logger.LogError(error, "Call {CallId}: completing the voicemail file failed", callId);
        }

        string? discarded = null;
        if (!wasRecording)
        {
            discarded = $"{how} before the tone";
        }
        else if (fileName is null || result is null)
        {
            discarded = "the message could not be recorded";
        }
        else if (result.Duration < options.MinLength)
        {
            discarded = $"too short: {Seconds(result.Duration)} s, the minimum is {Seconds(options.MinLength)} s";
        }
        else if (result.SpeechDuration < options.MinSpeech)
        {
            discarded = $"silent: {Seconds(result.SpeechDuration)} s above {options.SilenceThresholdDbfs.ToString(CultureInfo.InvariantCulture)} dBFS in {Seconds(result.Duration)} s";
        }

        var duration = result?.Duration ?? TimeSpan.Zero;
        var now = gateway.Time.GetUtcNow();
        if (discarded is not null)
        {
            DeleteFile(result?.Path);
            verdict = new VoicemailVerdict(false, $"voicemail discarded: {discarded}", CallOutcome.Overflowed, null, duration);
            logger.LogInformation("Call {CallId}: voicemail discarded ({Reason})", callId, discarded);
        }
        else
        {
            verdict = new VoicemailVerdict(true, $"voicemail left ({Seconds(duration)} s, {how})", CallOutcome.Voicemail, fileName, duration);
            logger.LogInformation("Call {CallId}: voicemail {File} kept ({Duration} s, {How})", callId, fileName, Seconds(duration), how);
        }

        await gateway.Bus.Publish(new VoicemailRecorded
        {
            CallId = callId,
            Caller = caller,
            Queue = Queue,
            Path = verdict.FileName,
            Duration = duration,
            DiscardedReason = discarded,
            OccurredAt = now,
        });

        if (verdict.Kept)
        {
            // A work item, not a callback: routing offers the message to an agent's desktop (no phone leg); the agent plays it
            // and calls back from it. Through the ledger: one routing refuses (no agents) is handed over again, never lost.
            await gateway.Callbacks.QueueAsync(origin with
            {
                CallId = CallbackIds.Derive(callId, "voicemail", 1),
                Caller = caller,
                CallbackNumber = caller,
                GatewayId = gateway.Options.GatewayId,
                IsCallback = false,
                CallbackOf = callId,
                Attempt = 1,
                VoicemailPath = fileName,
                VoicemailLength = duration,
                OccurredAt = now,
            });
        }

        return verdict;
    }

    private Task BeginRecording()
    {
        if (stage != Stage.Greeting)
        {
            return Task.CompletedTask;
        }

        var folder = Path.GetFullPath(gateway.Options.VoicemailPath);
        var name = string.Create(CultureInfo.InvariantCulture, $"{gateway.Time.GetUtcNow():yyyyMMdd}-{callId:N}.wav");
        try
        {
            Directory.CreateDirectory(folder);
            media.StartRecording(Path.Combine(folder, name), new RecordingOptions { SpeechThresholdDbfs = options.SilenceThresholdDbfs });
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException or InvalidOperationException or ObjectDisposedException)
        {
            logger.LogError(error, "Call {CallId}: cannot record a voicemail in {Folder}", callId, folder);
            stage = Stage.Recording; // FinishAsync reports it: nothing was written
            return CompleteAsync("recording failed");
        }

        fileName = name;
        stage = Stage.Recording;
        maxLengthTimer = gateway.Time.CreateTimer(_ => post(() => CompleteAsync("maximum length reached")), null, maxLength, Timeout.InfiniteTimeSpan);
        return Task.CompletedTask;
    }

    /// <summary>The message ended while the caller is still on the line: decide, tell them, hang up.</summary>
    private async Task CompleteAsync(string how)
    {
        if (stage != Stage.Recording)
        {
            return;
        }

        var decided = await FinishAsync(how);
        var closing = decided.Kept ? PromptNames.VoicemailSaved : PromptNames.VoicemailNotSaved;
        var paths = gateway.Config.Prompts.Contains(closing) ? new List<string> { gateway.Config.Prompts.PathOf(closing) } : [];
        _ = PlayThenAsync(paths, () => end(CallParty.System, decided.Reason, decided.Outcome));
    }

    private async Task PlayThenAsync(List<string> paths, Func<Task> then)
    {
        try
        {
            if (paths.Count > 0)
            {
                await media.PlayAsync(paths, new PlaybackOptions { BargeIn = false });
            }
        }
        catch (Exception error) when (error is IOException or InvalidOperationException or OperationCanceledException or ObjectDisposedException or Media.Audio.MediaFormatException)
        {
            logger.LogWarning("Call {CallId}: voicemail prompt failed: {Error}", callId, error.Message);
        }

        post(then);
    }

    private void DeleteFile(string? path)
    {
        if (path is null)
        {
            return;
        }

        try
        {
            File.Delete(path);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            logger.LogWarning("Call {CallId}: discarded voicemail {Path} not deleted: {Error}", callId, path, error.Message);
        }
    }

    private static string Seconds(TimeSpan value) => value.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture);
}
