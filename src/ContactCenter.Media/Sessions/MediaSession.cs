using System.Net;
using System.Net.Sockets;
using ContactCenter.Media.Codecs;
using ContactCenter.Media.Dtmf;
using ContactCenter.Media.Rtp;
using Microsoft.Extensions.Logging;

namespace ContactCenter.Media.Sessions;

/// <summary>
/// One call leg, put together from its parts (no thread of its own):
/// <list type="bullet">
/// <item><see cref="LegTransport"/>: the sockets, receiving (the engine's <see cref="RtpIoLoop"/>), where to send, sending;</item>
/// <item><see cref="RtpStream"/>: what we send (SSRC, sequence, one timestamp line), and the relay's header rewrite;</item>
/// <item><see cref="LegPlayout"/>: prompts and digits paced by one of the engine's <see cref="MediaClock"/>s;</item>
/// <item><see cref="RtcpSession"/>: reception statistics and RTCP reports, BYE;</item>
/// <item><see cref="DtmfInput"/>: digits received (RFC 4733, in-band, SIP INFO);</item>
/// <item>a <see cref="LegRecorder"/> tap while recording, and the <see cref="MediaBridge"/> while bridged;</item>
/// <item>on a browser or SRTP leg, a <see cref="SecureTransport"/> stage between socket and RTP processing (ICE-lite,
/// DTLS-SRTP or SDES-SRTP, rtcp-mux), and on an Opus leg an <see cref="OpusEdge"/> that decodes and encodes at the leg's
/// edge so everything above works on G.711. A plain G.711 leg has neither: socket to handler, as before.</item>
/// </list>
/// This class is the receive path that joins them (<see cref="OnRtp"/>), the <see cref="IMediaSession"/> surface,
/// and the leg's life (configure, housekeeping, close).
/// </summary>
internal sealed class MediaSession : IMediaSession, ILegPacketHandler
{
    internal const int SamplesPerFrame = RtpStream.SamplesPerFrame;

    private readonly MediaEngine engine;
    private readonly ILogger logger;
    private readonly TimeProvider time;
    private readonly LegTransport transport;
    private readonly RtpStream stream;
    private readonly LegPlayout playout;
    private readonly RtcpSession rtcp;
    private readonly DtmfInput dtmf;
    private readonly IceParameters? localIce;

    private RemoteMedia? remote;
    private LegRecorder? legRecorder;
    private OpusEdge? opus;
    private int failed;
    private int disposed;

    public MediaSession(MediaEngine engine, string id, Socket rtpSocket, Socket rtcpSocket, int port, ILogger logger, bool iceLite = false)
    {
        this.engine = engine;
        this.logger = logger;
        time = engine.Time;
        Id = id;
        LocalPort = port;
        // On an ICE leg the checks say where media goes, not the source of RTP.
        transport = new LegTransport(id, rtpSocket, rtcpSocket, engine.IoLoop, engine.Options.SymmetricRtp && !iceLite, time, logger);
        if (iceLite)
        {
            transport.Secure = new SecureTransport(id, transport, engine, iceLite: true, logger, OnMediaFailed, OnFirstSecureRtp);
            transport.RtcpMux = true;
            localIce = new IceParameters(transport.Secure.LocalIce!.UsernameFragment, transport.Secure.LocalIce.Password);
        }

        stream = new RtpStream(transport, time);
        playout = new LegPlayout(stream, engine.NextClock(), result => Raise(PlaybackFinished, new PlaybackFinishedEventArgs { Result = result }));
        rtcp = new RtcpSession(stream, time, engine.Options.RtcpInterval, $"cc-media-{stream.Ssrc:x8}@{transport.LocalEndPoint.Address}");
        dtmf = new DtmfInput(time, OnDigit);
    }

    public string Id { get; }

    public IPEndPoint LocalEndPoint => transport.LocalEndPoint;

    public int LocalPort { get; }

    public uint Ssrc => stream.Ssrc;

    /// <summary>The negotiated media (the stream's, kept here too so the receive path reads it without another object).</summary>
    public RemoteMedia? Remote => Volatile.Read(ref remote);

    public MediaDirection Direction => Remote?.Direction ?? MediaDirection.SendRecv;

    public AudioCodec Codec => Remote?.Codec ?? AudioCodec.Pcmu;

    public bool IsPlaying => playout.IsPlaying;

    internal MediaBridge? Bridge { get; set; }

    /// <summary>What this leg sends (the bridge relays into it).</summary>
    internal RtpStream Stream => stream;

    public bool IsRecording => Volatile.Read(ref legRecorder) is not null;

    public IceParameters? LocalIce => localIce;

    /// <summary>The secure stage, if the leg has one (for tests and diagnostics).</summary>
    internal SecureTransport? Secure => transport.Secure;

    /// <summary>The Opus edge, while the leg speaks Opus.</summary>
    internal OpusEdge? Opus => Volatile.Read(ref opus) is { } edge && ReferenceEquals(transport.Handler, edge) ? edge : null;

    public event EventHandler<DtmfReceivedEventArgs>? DtmfReceived;

    public event EventHandler<PlaybackFinishedEventArgs>? PlaybackFinished;

    public event EventHandler<MediaTimeoutEventArgs>? MediaTimeout;

    public event EventHandler<MediaFailedEventArgs>? MediaFailed;

    public event EventHandler<EventArgs>? SecureMediaStarted;

    internal void Start() => transport.Start(this);

    public void Configure(RemoteMedia remote)
    {
        ArgumentNullException.ThrowIfNull(remote);
        IReadOnlyList<string> errors = remote.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException($"Media session {Id}: {string.Join(" ", errors)}", nameof(remote));
        }

        ObjectDisposedException.ThrowIf(Volatile.Read(ref disposed) != 0, this);
        lock (stream.Gate)
        {
            if (transport.Secure?.CheckChange(remote) is { } refused)
            {
                throw new ArgumentException($"Media session {Id}: {refused}", nameof(remote));
            }

            RemoteMedia? previous = stream.Remote;
            bool ice = localIce is not null;
            if (!ice && (previous is null || !previous.RtpEndPoint.Equals(remote.RtpEndPoint)))
            {
                transport.SetRemote(remote.RtpEndPoint, remote.RtcpEndPoint ?? new IPEndPoint(remote.RtpEndPoint.Address, remote.RtpEndPoint.Port + 1));
            }

            ConfigureStages(remote);

            if (previous is null || !previous.Direction.CanReceive())
            {
                transport.ResetSilence(time.GetTimestamp());
            }

            dtmf.Configure(telephoneEvents: remote.TelephoneEventPayloadType is not null);
            rtcp.Start(time.GetTimestamp());
            stream.Remote = remote;
            Volatile.Write(ref this.remote, remote);
        }
    }

    /// <summary>
    /// The secure stage (created for SRTP or rtcp-mux on a leg that had none) and the Opus edge (put in front of the
    /// session both ways while Opus is negotiated), under the send lock.
    /// </summary>
    private void ConfigureStages(RemoteMedia remote)
    {
        if (transport.Secure is null && (remote.Srtp is not null || remote.RtcpMux))
        {
            transport.Secure = new SecureTransport(Id, transport, engine, iceLite: false, logger, OnMediaFailed, OnFirstSecureRtp);
        }

        transport.RtcpMux = localIce is not null || remote.RtcpMux;
        transport.Secure?.Configure(remote);
        if (remote.OpusPayloadType is not null)
        {
            OpusEdge edge = Volatile.Read(ref opus) ?? new OpusEdge(this, transport, remote);
            edge.Remote = remote;
            Volatile.Write(ref opus, edge);
            stream.Sender = edge;
            transport.Handler = edge;
        }
        else if (Volatile.Read(ref opus) is not null)
        {
            // Back to G.711 on the wire (the edge is kept until the leg closes: a packet may still be passing through it).
            stream.Sender = transport;
            transport.Handler = this;
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

        return playout.Play(prompts, options ?? new PlaybackOptions(), cancellationToken);
    }

    public void StopPlayback() => playout.Stop();

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
        return playout.SendDtmf(new DtmfSendJob(digit, (byte)code, samples, current.TelephoneEventPayloadType is null), cancellationToken);
    }

    public void ReceiveSipInfoDtmf(char digit, TimeSpan duration)
    {
        if (!DtmfDigits.IsDigit(digit))
        {
            throw new ArgumentException($"'{digit}' is not a DTMF digit (0-9, *, #, A-D).", nameof(digit));
        }

        dtmf.OnSipInfo(digit, duration);
    }

    /// <summary>This session's packet counters, without the allocations of <see cref="GetStatistics"/> (the engine's totals).</summary>
    internal MediaPacketTotals PacketCounters()
    {
        (long received, long lost, _) = rtcp.ReceptionCounters();
        lock (stream.Gate)
        {
            return new MediaPacketTotals(received, stream.PacketsSent, lost);
        }
    }

    public MediaStatistics GetStatistics()
    {
        (long received, long lost, uint jitter) = rtcp.ReceptionCounters();
        long packetsSent, octetsSent;
        lock (stream.Gate)
        {
            packetsSent = stream.PacketsSent;
            octetsSent = stream.OctetsSent;
        }

        return new MediaStatistics
        {
            PacketsSent = packetsSent,
            OctetsSent = octetsSent,
            PacketsReceived = received,
            PacketsLost = lost,
            Jitter = TimeSpan.FromMilliseconds(jitter / 8.0),
            RtcpReceived = rtcp.Received,
            RtcpSent = rtcp.Sent,
            RemoteReport = rtcp.RemoteReport,
            RemoteRtpEndPoint = transport.RemoteRtpEndPoint,
        };
    }

    /// <summary>Periodic work from the engine's housekeeping timer: lost DTMF ends, media timeout, RTCP.</summary>
    internal void Housekeep()
    {
        if (Volatile.Read(ref disposed) != 0)
        {
            return;
        }

        dtmf.Poll();
        RemoteMedia? current = Remote;
        if (current is null || Volatile.Read(ref failed) != 0)
        {
            return;
        }

        TimeSpan limit = engine.Options.MediaTimeout;
        long now = time.GetTimestamp();
        transport.Secure?.CheckHealth(now);
        if (limit > TimeSpan.Zero && current.Direction.CanReceive() && Volatile.Read(ref failed) == 0 && transport.CheckSilence(limit, now, out TimeSpan silence))
        {
            object from = localIce is null ? current.RtpEndPoint : (object?)transport.RemoteRtpEndPoint ?? "the ICE peer";
            var timeout = new MediaTimeoutEventArgs
            {
                Silence = silence,
                Reason = $"No RTP received for {silence.TotalSeconds:0} s from {from} (media timeout {limit.TotalSeconds:0} s).",
            };
            logger.LogInformation("Media session {Id}: {Reason}", Id, timeout.Reason);
            Raise(MediaTimeout, timeout);
        }

        rtcp.OnTimer(now);
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
            await bridge.OnLegClosedAsync(this).ConfigureAwait(false);
        }

        if (Remote is not null)
        {
            rtcp.Send(bye: true);
        }

        playout.Close();
        lock (stream.Gate)
        {
            // DTLS close_notify goes out while the socket is still open; from now on the stage passes nothing.
            transport.Secure?.Dispose();
            Volatile.Read(ref opus)?.Dispose();
        }

        await transport.DisposeAsync().ConfigureAwait(false);
        engine.Remove(this);
    }

    /// <summary>The receive path: an RTP packet from the peer, on the transport's receiving thread.</summary>
    public void OnRtp(ReadOnlySpan<byte> packet, SocketAddress from)
    {
        RemoteMedia? current = Remote;
        if (current is null || !RtpHeader.TryParse(packet, out RtpHeader header))
        {
            return;
        }

        bool isAudio = header.PayloadType == current.AudioPayloadType;
        bool isEvent = header.PayloadType == current.TelephoneEventPayloadType;
        long now = time.GetTimestamp();
        if (!transport.Accept(from, now))
        {
            return;
        }

        if (!current.Direction.CanReceive() || (!isAudio && !isEvent))
        {
            return;
        }

        rtcp.OnRtpReceived(header, now);
        ReadOnlySpan<byte> payload = packet.Slice(header.HeaderLength, header.PayloadLength);
        if (isEvent)
        {
            if (TelephoneEvent.TryParse(payload, out TelephoneEvent value))
            {
                dtmf.OnEvent(header.Timestamp, value);
                Bridge?.RelayEvent(this, header, payload);
            }

            return;
        }

        // In-band DTMF is listened for only while this leg is not bridged: once it is, the tones reach the other
        // leg inside the relayed audio, and nothing takes digits from a connected call (the IVR has finished).
        // Goertzel over every relayed packet was a third of the relay's CPU (docs/benchmarks.md, media).
        if (Bridge is null)
        {
            dtmf.OnAudio(current.Codec, payload);
        }

        Volatile.Read(ref legRecorder)?.Write(header.Ssrc, header.Timestamp, payload, current.Codec);
        Bridge?.RelayAudio(this, current.Codec, header, payload);
    }

    /// <summary>An RTCP packet from the peer.</summary>
    public void OnRtcp(ReadOnlySpan<byte> packet, SocketAddress from)
    {
        if (Remote is not null && rtcp.OnPacket(packet))
        {
            transport.LatchRtcp(from);
        }
    }

    /// <summary>The secure stage gave up (once): the leg carries nothing more; the owner ends the call with the reason.</summary>
    private void OnMediaFailed(MediaFailure failure, string reason)
    {
        if (Interlocked.Exchange(ref failed, 1) == 0)
        {
            Raise(MediaFailed, new MediaFailedEventArgs { Failure = failure, Reason = reason });
        }
    }

    private void OnFirstSecureRtp() => Raise(SecureMediaStarted, EventArgs.Empty);

    private void OnDigit(DtmfReceivedEventArgs digit)
    {
        Raise(DtmfReceived, digit);
        Bridge?.OnDigit(this, digit);
        playout.BargeIn(digit.Digit);
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
