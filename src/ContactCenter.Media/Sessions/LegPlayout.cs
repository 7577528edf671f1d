namespace ContactCenter.Media.Sessions;

/// <summary>
/// What a leg generates itself, paced by one of the engine's <see cref="MediaClock"/>s: a prompt sequence
/// (<see cref="PromptPlayback"/>) and digits queued to be sent (<see cref="DtmfSendJob"/>). A digit takes the stream
/// from a prompt for its duration (the prompt resumes on a new segment); while either holds the stream, relayed media
/// waits (<see cref="RtpStream.HeldByPlayout"/>, <see cref="RtpStream.SendingDigit"/>, set here after every change, so the
/// relay reads them on the stream it sends on). The leg is on its clock only while it has something to send. State is
/// under the stream's gate.
/// </summary>
internal sealed class LegPlayout : IClockClient
{
    private readonly RtpStream stream;
    private readonly MediaClock clock;
    private readonly Action<PlaybackResult> finished;
    private readonly Queue<DtmfSendJob> dtmfQueue = new();
    private readonly short[] frame = new short[RtpStream.SamplesPerFrame];
    private PromptPlayback? playback;
    private DtmfSendJob? dtmfJob;
    private bool onClock;

    /// <param name="stream">The stream sent on.</param>
    /// <param name="clock">The clock that paces it.</param>
    /// <param name="finished">Told when a playback has ended (for the PlaybackFinished event), outside the gate.</param>
    public LegPlayout(RtpStream stream, MediaClock clock, Action<PlaybackResult> finished)
    {
        this.stream = stream;
        this.clock = clock;
        this.finished = finished;
    }

    /// <summary>True while a playback runs.</summary>
    public bool IsPlaying
    {
        get
        {
            lock (stream.Gate)
            {
                return playback is not null;
            }
        }
    }

    /// <summary>Starts playing <paramref name="prompts"/>, stopping any playback already running.</summary>
    public Task<PlaybackResult> Play(short[][] prompts, PlaybackOptions options, CancellationToken cancellationToken)
    {
        var next = new PromptPlayback(prompts, options.Loop, options.BargeIn);
        PromptPlayback? previous;
        lock (stream.Gate)
        {
            previous = playback;
            playback = next;
            EnsureOnClock();
            Publish();
        }

        if (previous is not null)
        {
            Finish(previous, new PlaybackResult(PlaybackOutcome.Stopped, null));
        }

        if (cancellationToken.CanBeCanceled)
        {
            next.Registration = cancellationToken.Register(() => Cancel(next, cancellationToken));
        }

        return next.Completion.Task;
    }

    /// <summary>Stops the current playback, if any.</summary>
    public void Stop()
    {
        PromptPlayback? stopped;
        lock (stream.Gate)
        {
            stopped = playback;
            playback = null;
            Publish();
        }

        if (stopped is not null)
        {
            Finish(stopped, new PlaybackResult(PlaybackOutcome.Stopped, null));
        }
    }

    /// <summary>Queues a digit; the task completes when its last packet is sent.</summary>
    public Task SendDtmf(DtmfSendJob job, CancellationToken cancellationToken)
    {
        lock (stream.Gate)
        {
            dtmfQueue.Enqueue(job);
            EnsureOnClock();
            Publish();
        }

        if (cancellationToken.CanBeCanceled)
        {
            job.Registration = cancellationToken.Register(() => job.Completion.TrySetCanceled(cancellationToken));
        }

        return job.Completion.Task;
    }

    /// <summary>A digit was received: a playback that allows barge-in ends, Interrupted with it.</summary>
    public void BargeIn(char digit)
    {
        PromptPlayback? interrupted = null;
        lock (stream.Gate)
        {
            if (playback is { BargeIn: true })
            {
                interrupted = playback;
                playback = null;
                Publish();
            }
        }

        if (interrupted is not null)
        {
            Finish(interrupted, new PlaybackResult(PlaybackOutcome.Interrupted, digit));
        }
    }

    /// <summary>The clock's 20 ms tick: the next DTMF packet, or the next prompt frame.</summary>
    public void OnTick(long now)
    {
        PromptPlayback? finishedPlayback = null;
        DtmfSendJob? finishedJob = null;
        lock (stream.Gate)
        {
            if (dtmfJob is null && dtmfQueue.Count > 0)
            {
                dtmfJob = dtmfQueue.Dequeue();
                if (playback is not null)
                {
                    playback.SegmentStarted = false;
                }
            }

            if (dtmfJob is not null)
            {
                if (dtmfJob.Completion.Task.IsCompleted || dtmfJob.Step(stream, frame, now))
                {
                    finishedJob = dtmfJob;
                    dtmfJob = null;
                }
            }
            else if (playback is not null)
            {
                if (!playback.Fill(frame))
                {
                    finishedPlayback = playback;
                    playback = null;
                }
                else
                {
                    playback.SendFrame(stream, frame, now);
                }
            }

            if (playback is null && dtmfJob is null && dtmfQueue.Count == 0 && onClock)
            {
                onClock = false;
                clock.Unregister(this);
            }

            Publish();
        }

        finishedJob?.Completion.TrySetResult();
        finishedJob?.Registration.Dispose();
        if (finishedPlayback is not null)
        {
            Finish(finishedPlayback, new PlaybackResult(PlaybackOutcome.Completed, null));
        }
    }

    /// <summary>The leg is closing: the playback ends Stopped, queued digits are cancelled, the clock is left.</summary>
    public void Close()
    {
        PromptPlayback? stopped;
        DtmfSendJob[] pending;
        lock (stream.Gate)
        {
            stopped = playback;
            playback = null;
            pending = [.. dtmfQueue];
            dtmfQueue.Clear();
            if (dtmfJob is not null)
            {
                pending = [.. pending, dtmfJob];
                dtmfJob = null;
            }

            if (onClock)
            {
                onClock = false;
                clock.Unregister(this);
            }

            Publish();
        }

        foreach (DtmfSendJob job in pending)
        {
            job.Completion.TrySetCanceled();
            job.Registration.Dispose();
        }

        if (stopped is not null)
        {
            Finish(stopped, new PlaybackResult(PlaybackOutcome.Stopped, null));
        }
    }

    /// <summary>Tells the stream whether a prompt or digit holds it (under the gate, after every change of the state).</summary>
    private void Publish()
    {
        stream.HeldByPlayout = playback is not null || dtmfJob is not null || dtmfQueue.Count > 0;
        stream.SendingDigit = dtmfJob is not null;
    }

    private void EnsureOnClock()
    {
        if (!onClock)
        {
            onClock = true;
            clock.Register(this);
        }
    }

    private void Cancel(PromptPlayback target, CancellationToken token)
    {
        lock (stream.Gate)
        {
            if (playback != target)
            {
                return;
            }

            playback = null;
            Publish();
        }

        target.Registration.Dispose();
        if (target.Completion.TrySetCanceled(token))
        {
            finished(new PlaybackResult(PlaybackOutcome.Stopped, null));
        }
    }

    private void Finish(PromptPlayback target, PlaybackResult result)
    {
        target.Registration.Dispose();
        if (target.Completion.TrySetResult(result))
        {
            finished(result);
        }
    }
}
