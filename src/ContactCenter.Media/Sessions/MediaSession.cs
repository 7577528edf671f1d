using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using ContactCenter.Media.Codecs;
using ContactCenter.Media.Dtmf;
using ContactCenter.Media.Rtp;
using Microsoft.Extensions.Logging;

namespace ContactCenter.Media.Sessions;

/// <summary>
/// One call leg: an RTP and an RTCP socket (no thread of its own). RTP is read by the engine's
/// <see cref="RtpIoLoop"/> (epoll, Linux) or by one pending async receive elsewhere; RTCP by one
/// pending async receive. Sending is paced by one of the engine's <see cref="MediaClock"/>s
/// (prompts, DTMF) or done straight from the other leg's receive (bridge relay).
/// </summary>
internal sealed class MediaSession : IMediaSession, IClockClient, IRtpReceiver
{
    internal const int SamplesPerFrame = 160;
    private const int ReceiveBufferSize = 2048;
    private const int MaxReadsPerWake = 32;
    private static readonly TimeSpan RelatchAfter = TimeSpan.FromSeconds(2);

    private readonly MediaEngine engine;
    private readonly ILogger logger;
    private readonly TimeProvider time;
    private readonly Socket rtpSocket;
    private readonly Socket rtcpSocket;
    private readonly CancellationTokenSource stop = new();
    private readonly Lock sendLock = new();
    private readonly Lock statsLock = new();
    private readonly byte[] sendBuffer = new byte[ReceiveBufferSize + RtpHeader.FixedLength];
    private readonly byte[] rtcpSendBuffer = new byte[1500];
    private readonly short[] frame = new short[SamplesPerFrame];
    private readonly short[] decodeBuffer = new short[ReceiveBufferSize];
    private readonly ReceiveStatistics stats = new();
    private readonly TelephoneEventReceiver eventReceiver;
    private readonly Queue<DtmfSendJob> dtmfQueue = new();
    private readonly string cname;
    private readonly long burstWindow;
    private readonly MediaClock clock;

    private RemoteMedia? remote;
    private GoertzelDtmfDetector? inBandDetector;
    private SocketAddress? rtpTarget;
    private SocketAddress? rtcpTarget;
    private bool latched;
    private bool rtcpLatched;
    private long lastFromLatchedAt;

    private ushort nextSequence;
    private uint lastTimestamp;
    private long lastSendAt;
    private bool anySent;
    private long packetsSent;
    private long octetsSent;
    private SendSource lastSource;
    private uint relayInboundSsrc;
    private uint relayTimestampOffset;

    private PromptPlayback? playback;
    private LegRecorder? legRecorder;
    private DtmfSendJob? dtmfJob;
    private bool onClock;

    private long lastRtpAt;
    private bool timeoutRaised;
    private long nextRtcpAt;
    private uint lastSenderReportMiddle;
    private long lastSenderReportAt;
    private RtcpReportBlock? remoteReport;
    private long rtcpReceived;
    private long rtcpSent;

    private Task? rtpLoop;
    private Task? rtcpLoop;
    private IDisposable? rtpWatch;
    private long lastReadAt;
    private int disposed;

    public MediaSession(MediaEngine engine, string id, Socket rtpSocket, Socket rtcpSocket, int port, ILogger logger)
    {
        this.engine = engine;
        this.logger = logger;
        time = engine.Time;
        burstWindow = time.TimestampFrequency / 500;
        clock = engine.NextClock();
        Id = id;
        this.rtpSocket = rtpSocket;
        this.rtcpSocket = rtcpSocket;
        LocalPort = port;
        LocalEndPoint = (IPEndPoint)rtpSocket.LocalEndPoint!;
        Ssrc = (uint)RandomNumberGenerator.GetInt32(int.MaxValue) ^ ((uint)RandomNumberGenerator.GetInt32(2) << 31);
        nextSequence = (ushort)RandomNumberGenerator.GetInt32(ushort.MaxValue + 1);
        lastTimestamp = (uint)RandomNumberGenerator.GetInt32(int.MaxValue);
        cname = $"cc-media-{Ssrc:x8}@{LocalEndPoint.Address}";
        eventReceiver = new TelephoneEventReceiver(time, OnDigit);
    }

    private enum SendSource
    {
        None,
        Generated,
        Relay,
    }

    public string Id { get; }

    public IPEndPoint LocalEndPoint { get; }

    public int LocalPort { get; }

    public uint Ssrc { get; }

    public RemoteMedia? Remote => Volatile.Read(ref remote);

    public MediaDirection Direction => Remote?.Direction ?? MediaDirection.SendRecv;

    public AudioCodec Codec => Remote?.Codec ?? AudioCodec.Pcmu;

    public bool IsPlaying
    {
        get
        {
            lock (sendLock)
            {
                return playback is not null;
            }
        }
    }

    internal MediaBridge? Bridge { get; set; }

    public bool IsRecording => Volatile.Read(ref legRecorder) is not null;

    public event EventHandler<DtmfReceivedEventArgs>? DtmfReceived;

    public event EventHandler<PlaybackFinishedEventArgs>? PlaybackFinished;

    public event EventHandler<MediaTimeoutEventArgs>? MediaTimeout;

    internal void Start()
    {
        if (engine.IoLoop is { } io)
        {
            rtpWatch = io.Register(rtpSocket, this);
        }
        else
        {
            rtpLoop = Task.Run(RtpLoopAsync);
        }

        rtcpLoop = Task.Run(RtcpLoopAsync);
    }

    /// <summary>
    /// The I/O loop found the RTP socket readable. Normally one datagram is waiting (RTP every
    /// 20 ms) and one receive is all it costs; when the previous read was under 2 ms ago the peer is
    /// bursting, and the waiting datagrams are drained (up to a cap, FIONREAD first: far cheaper than
    /// the would-block exception of a blind read). True when it stopped with more possibly waiting.
    /// </summary>
    public bool OnReadable(byte[] buffer, SocketAddress from)
    {
        long now = time.GetTimestamp();
        bool bursting = now - lastReadAt < burstWindow;
        lastReadAt = now;
        int reads = bursting ? MaxReadsPerWake : 1;
        for (int read = 0; read < reads; read++)
        {
            int length;
            try
            {
                if (read > 0 && rtpSocket.Available == 0)
                {
                    return false;
                }

                length = rtpSocket.ReceiveFrom(buffer, SocketFlags.None, from);
            }
            catch (SocketException ex) when (ex.SocketErrorCode == SocketError.WouldBlock)
            {
                return false;
            }
            catch (SocketException ex)
            {
                logger.LogDebug(ex, "Media session {Id}: RTP receive error.", Id);
                return false;
            }
            catch (ObjectDisposedException)
            {
                return false;
            }

            OnRtp(buffer.AsSpan(0, length), from);
        }

        return bursting;
    }

    public void Configure(RemoteMedia remote)
    {
        ArgumentNullException.ThrowIfNull(remote);
        IReadOnlyList<string> errors = remote.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException($"Media session {Id}: {string.Join(" ", errors)}", nameof(remote));
        }

        ObjectDisposedException.ThrowIf(Volatile.Read(ref disposed) != 0, this);
        lock (sendLock)
        {
            RemoteMedia? previous = this.remote;
            bool addressChanged = previous is null || !previous.RtpEndPoint.Equals(remote.RtpEndPoint);
            if (addressChanged)
            {
                rtpTarget = remote.RtpEndPoint.Serialize();
                IPEndPoint rtcp = remote.RtcpEndPoint ?? new IPEndPoint(remote.RtpEndPoint.Address, remote.RtpEndPoint.Port + 1);
                rtcpTarget = rtcp.Serialize();
                latched = false;
                rtcpLatched = false;
            }

            if (previous is null || !previous.Direction.CanReceive())
            {
                lastRtpAt = time.GetTimestamp();
                timeoutRaised = false;
            }

            inBandDetector = remote.TelephoneEventPayloadType is null ? inBandDetector ?? new GoertzelDtmfDetector(OnDigit) : null;
            if (nextRtcpAt == 0)
            {
                nextRtcpAt = time.GetTimestamp() + NextRtcpDelay();
            }

            Volatile.Write(ref this.remote, remote);
        }
    }

    public void SetDirection(MediaDirection direction)
    {
        RemoteMedia current = Remote ?? throw new InvalidOperationException($"Media session {Id}: Configure must be called before SetDirection.");
        Configure(current with { Direction = direction });
    }

    public Task<PlaybackResult> PlayAsync(IReadOnlyList<string> promptPaths, PlaybackOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(promptPaths);
        if (promptPaths.Count == 0)
        {
            throw new ArgumentException("At least one prompt is needed.", nameof(promptPaths));
        }

        ObjectDisposedException.ThrowIf(Volatile.Read(ref disposed) != 0, this);
        if (Remote is null)
        {
            throw new InvalidOperationException($"Media session {Id}: Configure must be called before PlayAsync.");
        }

        cancellationToken.ThrowIfCancellationRequested();
        var prompts = new short[promptPaths.Count][];
        for (int i = 0; i < prompts.Length; i++)
        {
            prompts[i] = engine.Prompts.Get(promptPaths[i]);
        }

        options ??= new PlaybackOptions();
        var next = new PromptPlayback(prompts, options.Loop, options.BargeIn);
        PromptPlayback? previous;
        lock (sendLock)
        {
            previous = playback;
            playback = next;
            EnsureOnClock();
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

    public void StopPlayback()
    {
        PromptPlayback? stopped;
        lock (sendLock)
        {
            stopped = playback;
            playback = null;
        }

        if (stopped is not null)
        {
            Finish(stopped, new PlaybackResult(PlaybackOutcome.Stopped, null));
        }
    }

    public Task SendDtmfAsync(char digit, TimeSpan duration = default, CancellationToken cancellationToken = default)
    {
        int code = DtmfDigits.ToEventCode(digit);
        if (code < 0)
        {
            throw new ArgumentException($"'{digit}' is not a DTMF digit (0-9, *, #, A-D).", nameof(digit));
        }

        ObjectDisposedException.ThrowIf(Volatile.Read(ref disposed) != 0, this);
        RemoteMedia current = Remote ?? throw new InvalidOperationException($"Media session {Id}: Configure must be called before SendDtmfAsync.");
        if (duration <= TimeSpan.Zero)
        {
            duration = TimeSpan.FromMilliseconds(100);
        }

        int samples = (int)Math.Clamp(duration.TotalSeconds * 8000, SamplesPerFrame, ushort.MaxValue);
        var job = new DtmfSendJob(digit, (byte)code, samples, current.TelephoneEventPayloadType is null);
        lock (sendLock)
        {
            dtmfQueue.Enqueue(job);
            EnsureOnClock();
        }

        if (cancellationToken.CanBeCanceled)
        {
            job.Registration = cancellationToken.Register(() => job.Completion.TrySetCanceled(cancellationToken));
        }

        return job.Completion.Task;
    }

    public void ReceiveSipInfoDtmf(char digit, TimeSpan duration)
    {
        if (!DtmfDigits.IsDigit(digit))
        {
            throw new ArgumentException($"'{digit}' is not a DTMF digit (0-9, *, #, A-D).", nameof(digit));
        }

        OnDigit(new DtmfReceivedEventArgs
        {
            Digit = char.ToUpperInvariant(digit),
            Duration = duration,
            Source = DtmfSource.SipInfo,
        });
    }

    /// <summary>This session's packet counters, without the allocations of <see cref="GetStatistics"/> (the engine's totals).</summary>
    internal MediaPacketTotals PacketCounters()
    {
        long received, lost;
        lock (statsLock)
        {
            received = stats.PacketsReceived;
            lost = stats.CumulativeLost;
        }

        lock (sendLock)
        {
            return new MediaPacketTotals(received, packetsSent, lost);
        }
    }

    public MediaStatistics GetStatistics()
    {
        long received, lost;
        uint jitter;
        lock (statsLock)
        {
            received = stats.PacketsReceived;
            lost = stats.CumulativeLost;
            jitter = stats.Jitter;
        }

        lock (sendLock)
        {
            return new MediaStatistics
            {
                PacketsSent = packetsSent,
                OctetsSent = octetsSent,
                PacketsReceived = received,
                PacketsLost = lost,
                Jitter = TimeSpan.FromMilliseconds(jitter / 8.0),
                RtcpReceived = rtcpReceived,
                RtcpSent = rtcpSent,
                RemoteReport = remoteReport,
                RemoteRtpEndPoint = rtpTarget is null ? null : (IPEndPoint)new IPEndPoint(IPAddress.Any, 0).Create(rtpTarget),
            };
        }
    }

    /// <summary>The shared clock's 20 ms tick: the next DTMF packet, or the next prompt frame.</summary>
    public void OnTick(long now)
    {
        PromptPlayback? finishedPlayback = null;
        DtmfSendJob? finishedJob = null;
        lock (sendLock)
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
                if (dtmfJob.Completion.Task.IsCompleted || StepDtmf(dtmfJob, now))
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
                    SendPlaybackFrame(playback, now);
                }
            }

            if (playback is null && dtmfJob is null && dtmfQueue.Count == 0 && onClock)
            {
                onClock = false;
                clock.Unregister(this);
            }
        }

        finishedJob?.Completion.TrySetResult();
        finishedJob?.Registration.Dispose();
        if (finishedPlayback is not null)
        {
            Finish(finishedPlayback, new PlaybackResult(PlaybackOutcome.Completed, null));
        }
    }

    /// <summary>Periodic work from the engine's housekeeping timer: lost DTMF ends, media timeout, RTCP.</summary>
    internal void Housekeep()
    {
        if (Volatile.Read(ref disposed) != 0)
        {
            return;
        }

        lock (eventReceiver)
        {
            eventReceiver.Poll();
        }

        RemoteMedia? current = Remote;
        if (current is null)
        {
            return;
        }

        TimeSpan limit = engine.Options.MediaTimeout;
        MediaTimeoutEventArgs? timeout = null;
        long now = time.GetTimestamp();
        lock (sendLock)
        {
            if (limit > TimeSpan.Zero && current.Direction.CanReceive() && !timeoutRaised)
            {
                TimeSpan silence = time.GetElapsedTime(lastRtpAt, now);
                if (silence >= limit)
                {
                    timeoutRaised = true;
                    timeout = new MediaTimeoutEventArgs
                    {
                        Silence = silence,
                        Reason = $"No RTP received for {silence.TotalSeconds:0} s from {current.RtpEndPoint} (media timeout {limit.TotalSeconds:0} s).",
                    };
                }
            }
        }

        if (timeout is not null)
        {
            logger.LogInformation("Media session {Id}: {Reason}", Id, timeout.Reason);
            Raise(MediaTimeout, timeout);
        }

        if (now >= Volatile.Read(ref nextRtcpAt))
        {
            Volatile.Write(ref nextRtcpAt, now + NextRtcpDelay());
            SendRtcp(bye: false);
        }
    }

    internal void SendRelayedAudio(in RtpHeader header, ReadOnlySpan<byte> payload, AudioCodec fromCodec)
    {
        lock (sendLock)
        {
            RemoteMedia? current = remote;
            if (current is null || !current.Direction.CanSend() || rtpTarget is null || playback is not null || dtmfJob is not null || dtmfQueue.Count > 0)
            {
                return;
            }

            long now = time.GetTimestamp();
            bool marker = MapRelayTimestamp(header, now) | header.Marker;
            uint timestamp = header.Timestamp + relayTimestampOffset;
            Span<byte> packet = sendBuffer;
            new RtpHeader { Marker = marker, PayloadType = (byte)current.AudioPayloadType, SequenceNumber = nextSequence, Timestamp = timestamp, Ssrc = Ssrc }.WriteTo(packet);
            G711.Transcode(fromCodec, current.Codec, payload, packet.Slice(RtpHeader.FixedLength));
            Transmit(packet[..(RtpHeader.FixedLength + payload.Length)], payload.Length, timestamp, now);
        }
    }

    internal void SendRelayedEvent(in RtpHeader header, ReadOnlySpan<byte> payload)
    {
        lock (sendLock)
        {
            RemoteMedia? current = remote;
            if (current?.TelephoneEventPayloadType is not { } eventType || !current.Direction.CanSend() || rtpTarget is null || dtmfJob is not null)
            {
                return;
            }

            long now = time.GetTimestamp();
            bool marker = MapRelayTimestamp(header, now) | header.Marker;
            uint timestamp = header.Timestamp + relayTimestampOffset;
            Span<byte> packet = sendBuffer;
            new RtpHeader { Marker = marker, PayloadType = (byte)eventType, SequenceNumber = nextSequence, Timestamp = timestamp, Ssrc = Ssrc }.WriteTo(packet);
            payload.CopyTo(packet.Slice(RtpHeader.FixedLength));
            Transmit(packet[..(RtpHeader.FixedLength + payload.Length)], payload.Length, timestamp, now);
        }
    }

    public void StartRecording(string path, RecordingOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref disposed) != 0, this);
        if (Volatile.Read(ref legRecorder) is not null)
        {
            throw new InvalidOperationException($"Media session {Id} is already recording.");
        }

        var recorder = new LegRecorder(path, options ?? new RecordingOptions(), logger);
        if (Interlocked.CompareExchange(ref legRecorder, recorder, null) is not null)
        {
            _ = recorder.CompleteAsync();
            throw new InvalidOperationException($"Media session {Id} is already recording.");
        }
    }

    public async Task<RecordingResult?> StopRecordingAsync()
    {
        LegRecorder? stopping = Interlocked.Exchange(ref legRecorder, null);
        return stopping is null ? null : await stopping.CompleteAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }

        await StopRecordingAsync().ConfigureAwait(false);

        if (Bridge is { } bridge)
        {
            await bridge.DisposeAsync().ConfigureAwait(false);
        }

        if (Remote is not null)
        {
            SendRtcp(bye: true);
        }

        PromptPlayback? stopped;
        DtmfSendJob[] pending;
        lock (sendLock)
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

        await stop.CancelAsync().ConfigureAwait(false);
        rtpWatch?.Dispose();
        rtpSocket.Dispose();
        rtcpSocket.Dispose();
        try
        {
            await Task.WhenAll(rtpLoop ?? Task.CompletedTask, rtcpLoop ?? Task.CompletedTask).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Loops end by cancellation.
        }

        stop.Dispose();
        engine.Remove(this);
    }

    private void EnsureOnClock()
    {
        if (!onClock)
        {
            onClock = true;
            clock.Register(this);
        }
    }

    private void SendPlaybackFrame(PromptPlayback current, long now)
    {
        RemoteMedia? target = remote;
        bool marker = false;
        if (!current.SegmentStarted)
        {
            current.SegmentStarted = true;
            current.SegmentTimestamp = NewSourceTimestamp(now);
            current.SegmentFrames = 0;
            marker = true;
        }

        uint timestamp = current.SegmentTimestamp + (uint)(current.SegmentFrames * SamplesPerFrame);
        current.SegmentFrames++;
        lastSource = SendSource.Generated;
        if (target is null || !target.Direction.CanSend() || rtpTarget is null)
        {
            lastTimestamp = timestamp;
            lastSendAt = now;
            return;
        }

        Span<byte> packet = sendBuffer;
        new RtpHeader { Marker = marker, PayloadType = (byte)target.AudioPayloadType, SequenceNumber = nextSequence, Timestamp = timestamp, Ssrc = Ssrc }.WriteTo(packet);
        G711.Encode(target.Codec, frame, packet.Slice(RtpHeader.FixedLength, SamplesPerFrame));
        Transmit(packet[..(RtpHeader.FixedLength + SamplesPerFrame)], SamplesPerFrame, timestamp, now);
    }

    /// <summary>Sends the job's next packet; true when the job is complete.</summary>
    private bool StepDtmf(DtmfSendJob job, long now)
    {
        RemoteMedia? target = remote;
        if (target is null || !target.Direction.CanSend() || rtpTarget is null)
        {
            return true;
        }

        lastSource = SendSource.Generated;
        if (job.InBand || target.TelephoneEventPayloadType is null)
        {
            // Tone for the duration, then 40 ms of silence so repeated digits stay apart.
            if (!job.Started)
            {
                job.Started = true;
                job.EventTimestamp = NewSourceTimestamp(now);
            }

            int total = job.DurationSamples + (2 * SamplesPerFrame);
            Span<short> tone = frame;
            tone.Clear();
            int toneSamples = Math.Clamp(job.DurationSamples - job.Elapsed, 0, SamplesPerFrame);
            if (toneSamples > 0)
            {
                GoertzelDtmfDetector.GenerateTone(job.Digit, tone[..toneSamples], job.Elapsed);
            }

            uint ts = job.EventTimestamp + (uint)job.Elapsed;
            Span<byte> audio = sendBuffer;
            new RtpHeader { Marker = job.Elapsed == 0, PayloadType = (byte)target.AudioPayloadType, SequenceNumber = nextSequence, Timestamp = ts, Ssrc = Ssrc }.WriteTo(audio);
            G711.Encode(target.Codec, tone, audio.Slice(RtpHeader.FixedLength, SamplesPerFrame));
            Transmit(audio[..(RtpHeader.FixedLength + SamplesPerFrame)], SamplesPerFrame, ts, now);
            job.Elapsed += SamplesPerFrame;
            return job.Elapsed >= total;
        }

        bool first = !job.Started;
        if (first)
        {
            job.Started = true;
            job.EventTimestamp = NewSourceTimestamp(now);
        }

        if (job.EndsSent == 0)
        {
            job.Elapsed = Math.Min(job.Elapsed + SamplesPerFrame, job.DurationSamples);
        }

        bool end = job.Elapsed >= job.DurationSamples;
        Span<byte> packet = sendBuffer;
        new RtpHeader { Marker = first, PayloadType = (byte)target.TelephoneEventPayloadType.Value, SequenceNumber = nextSequence, Timestamp = job.EventTimestamp, Ssrc = Ssrc }.WriteTo(packet);
        new TelephoneEvent(job.Code, end, 10, (ushort)job.Elapsed).WriteTo(packet.Slice(RtpHeader.FixedLength));
        Transmit(packet[..(RtpHeader.FixedLength + TelephoneEvent.Length)], TelephoneEvent.Length, job.EventTimestamp, now);
        if (!end)
        {
            return false;
        }

        // RFC 4733 §2.5.1.4: the end packet is sent three times.
        job.EndsSent++;
        if (job.EndsSent < 3)
        {
            return false;
        }

        lastTimestamp = job.EventTimestamp + (uint)job.Elapsed;
        return true;
    }

    /// <summary>First timestamp of a new stretch of generated media, continuing our timeline.</summary>
    private uint NewSourceTimestamp(long now)
    {
        if (!anySent)
        {
            return lastTimestamp;
        }

        double elapsedSamples = time.GetElapsedTime(lastSendAt, now).TotalSeconds * 8000;
        long frames = Math.Max(1, (long)Math.Round(elapsedSamples / SamplesPerFrame));
        return lastTimestamp + (uint)(frames * SamplesPerFrame);
    }

    /// <summary>Sets the relay timestamp offset when the relayed source changes; true when it did (marker).</summary>
    private bool MapRelayTimestamp(in RtpHeader header, long now)
    {
        if (lastSource == SendSource.Relay && header.Ssrc == relayInboundSsrc)
        {
            return false;
        }

        relayTimestampOffset = NewSourceTimestamp(now) - header.Timestamp;
        relayInboundSsrc = header.Ssrc;
        lastSource = SendSource.Relay;
        return true;
    }

    private void Transmit(ReadOnlySpan<byte> packet, int payloadLength, uint timestamp, long now)
    {
        nextSequence++;
        lastTimestamp = timestamp;
        lastSendAt = now;
        anySent = true;
        try
        {
            rtpSocket.SendTo(packet, SocketFlags.None, rtpTarget!);
            packetsSent++;
            octetsSent += payloadLength;
        }
        catch (SocketException ex)
        {
            logger.LogDebug(ex, "Media session {Id}: RTP send failed.", Id);
        }
        catch (ObjectDisposedException)
        {
            // Session closing.
        }
    }

    private async Task RtpLoopAsync()
    {
        byte[] buffer = new byte[ReceiveBufferSize];
        var from = new SocketAddress(rtpSocket.AddressFamily);
        CancellationToken token = stop.Token;
        while (!token.IsCancellationRequested)
        {
            int length;
            try
            {
                length = await rtpSocket.ReceiveFromAsync(buffer, SocketFlags.None, from, token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
            {
                break;
            }
            catch (SocketException ex)
            {
                if (token.IsCancellationRequested)
                {
                    break;
                }

                logger.LogDebug(ex, "Media session {Id}: RTP receive error.", Id);
                continue;
            }

            try
            {
                OnRtp(buffer.AsSpan(0, length), from);
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "Media session {Id}: failed to handle an RTP packet.", Id);
            }
        }
    }

    private void OnRtp(ReadOnlySpan<byte> packet, SocketAddress from)
    {
        RemoteMedia? current = Remote;
        if (current is null || !RtpHeader.TryParse(packet, out RtpHeader header))
        {
            return;
        }

        bool isAudio = header.PayloadType == current.AudioPayloadType;
        bool isEvent = header.PayloadType == current.TelephoneEventPayloadType;
        long now = time.GetTimestamp();
        lock (sendLock)
        {
            if (engine.Options.SymmetricRtp)
            {
                if (!latched || rtpTarget is null)
                {
                    Latch(from);
                }
                else if (!from.Equals(rtpTarget))
                {
                    if (time.GetElapsedTime(lastFromLatchedAt, now) < RelatchAfter)
                    {
                        return;
                    }

                    Latch(from);
                }
            }

            lastFromLatchedAt = now;
            lastRtpAt = now;
            timeoutRaised = false;
        }

        if (!current.Direction.CanReceive() || (!isAudio && !isEvent))
        {
            return;
        }

        lock (statsLock)
        {
            long arrival = (long)(now * (8000.0 / time.TimestampFrequency));
            stats.Update(header.Ssrc, header.SequenceNumber, header.Timestamp, arrival);
        }

        ReadOnlySpan<byte> payload = packet.Slice(header.HeaderLength, header.PayloadLength);
        if (isEvent)
        {
            if (TelephoneEvent.TryParse(payload, out TelephoneEvent value))
            {
                lock (eventReceiver)
                {
                    eventReceiver.Process(header.Timestamp, value);
                }

                Bridge?.RelayEvent(this, header, payload);
            }

            return;
        }

        // In-band DTMF is listened for only while this leg is not bridged: once it is, the tones reach the other
        // leg inside the relayed audio, and nothing takes digits from a connected call (the IVR has finished).
        // Goertzel over every relayed packet was a third of the relay's CPU (docs/benchmarks.md, media).
        if (inBandDetector is { } detector && Bridge is null)
        {
            Span<short> samples = decodeBuffer.AsSpan(0, payload.Length);
            G711.Decode(current.Codec, payload, samples);
            detector.Process(samples);
        }

        Volatile.Read(ref legRecorder)?.Write(header.Ssrc, header.Timestamp, payload, current.Codec);
        Bridge?.RelayAudio(this, header, payload);
    }

    private void Latch(SocketAddress from)
    {
        var copy = new SocketAddress(from.Family, from.Size);
        from.Buffer.Span[..from.Size].CopyTo(copy.Buffer.Span);
        if (latched && logger.IsEnabled(LogLevel.Information))
        {
            logger.LogInformation("Media session {Id}: RTP source moved, re-latched.", Id);
        }

        rtpTarget = copy;
        latched = true;
    }

    private async Task RtcpLoopAsync()
    {
        byte[] buffer = new byte[ReceiveBufferSize];
        var from = new SocketAddress(rtcpSocket.AddressFamily);
        CancellationToken token = stop.Token;
        while (!token.IsCancellationRequested)
        {
            int length;
            try
            {
                length = await rtcpSocket.ReceiveFromAsync(buffer, SocketFlags.None, from, token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
            {
                break;
            }
            catch (SocketException)
            {
                if (token.IsCancellationRequested)
                {
                    break;
                }

                continue;
            }

            if (Remote is null || !RtcpCompound.TryParse(buffer.AsSpan(0, length), out RtcpCompound? compound))
            {
                continue;
            }

            lock (sendLock)
            {
                rtcpReceived++;
                if (engine.Options.SymmetricRtp && !rtcpLatched)
                {
                    var copy = new SocketAddress(from.Family, from.Size);
                    from.Buffer.Span[..from.Size].CopyTo(copy.Buffer.Span);
                    rtcpTarget = copy;
                    rtcpLatched = true;
                }

                if (compound!.SenderInfo is { } info)
                {
                    lastSenderReportMiddle = (uint)(info.NtpTimestamp >> 16);
                    lastSenderReportAt = time.GetTimestamp();
                }

                foreach (RtcpReportBlock block in compound.Reports)
                {
                    if (block.Ssrc == Ssrc)
                    {
                        remoteReport = block;
                    }
                }
            }
        }
    }

    private void SendRtcp(bool bye)
    {
        RtcpSenderInfo? senderInfo = null;
        RtcpReportBlock? block = null;
        SocketAddress? target;
        lock (sendLock)
        {
            target = rtcpTarget;
            if (target is null)
            {
                return;
            }

            if (packetsSent > 0)
            {
                long now = time.GetTimestamp();
                uint rtpNow = lastTimestamp + (uint)(time.GetElapsedTime(lastSendAt, now).TotalSeconds * 8000);
                senderInfo = new RtcpSenderInfo(NtpNow(), rtpNow, (uint)packetsSent, (uint)octetsSent);
            }

            lock (statsLock)
            {
                if (stats.PacketsReceived > 0)
                {
                    uint delay = lastSenderReportAt == 0 ? 0 : (uint)(time.GetElapsedTime(lastSenderReportAt).TotalSeconds * 65536);
                    block = stats.BuildReport(lastSenderReportMiddle, delay);
                }
            }

            rtcpSent++;
        }

        lock (rtcpSendBuffer)
        {
            ReadOnlySpan<RtcpReportBlock> blocks = block is { } b ? [b] : [];
            int length = RtcpCompound.Write(rtcpSendBuffer, Ssrc, senderInfo, blocks, cname, bye);
            try
            {
                rtcpSocket.SendTo(rtcpSendBuffer.AsSpan(0, length), SocketFlags.None, target);
            }
            catch (SocketException ex)
            {
                logger.LogDebug(ex, "Media session {Id}: RTCP send failed.", Id);
            }
            catch (ObjectDisposedException)
            {
                // Session closing.
            }
        }
    }

    private ulong NtpNow()
    {
        TimeSpan sinceEpoch = time.GetUtcNow() - new DateTimeOffset(1900, 1, 1, 0, 0, 0, TimeSpan.Zero);
        ulong seconds = (ulong)(sinceEpoch.Ticks / TimeSpan.TicksPerSecond);
        ulong fraction = (ulong)(sinceEpoch.Ticks % TimeSpan.TicksPerSecond) * (1UL << 32) / TimeSpan.TicksPerSecond;
        return (seconds << 32) | fraction;
    }

    private long NextRtcpDelay()
    {
        double factor = 0.5 + (RandomNumberGenerator.GetInt32(1000) / 1000.0);
        return (long)(engine.Options.RtcpInterval.TotalSeconds * factor * time.TimestampFrequency);
    }

    private void OnDigit(DtmfReceivedEventArgs digit)
    {
        Raise(DtmfReceived, digit);
        Bridge?.OnDigit(this, digit);
        PromptPlayback? interrupted = null;
        lock (sendLock)
        {
            if (playback is { BargeIn: true })
            {
                interrupted = playback;
                playback = null;
            }
        }

        if (interrupted is not null)
        {
            Finish(interrupted, new PlaybackResult(PlaybackOutcome.Interrupted, digit.Digit));
        }
    }

    private void Cancel(PromptPlayback target, CancellationToken token)
    {
        lock (sendLock)
        {
            if (playback != target)
            {
                return;
            }

            playback = null;
        }

        target.Registration.Dispose();
        if (target.Completion.TrySetCanceled(token))
        {
            Raise(PlaybackFinished, new PlaybackFinishedEventArgs { Result = new PlaybackResult(PlaybackOutcome.Stopped, null) });
        }
    }

    private void Finish(PromptPlayback target, PlaybackResult result)
    {
        target.Registration.Dispose();
        if (target.Completion.TrySetResult(result))
        {
            Raise(PlaybackFinished, new PlaybackFinishedEventArgs { Result = result });
        }
    }

    private void Raise<T>(EventHandler<T>? handler, T args)
    {
        if (handler is null)
        {
            return;
        }

        try
        {
            handler(this, args);
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Media session {Id}: an event handler threw.", Id);
        }
    }
}
