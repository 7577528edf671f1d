using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace ContactCenter.Media.Sessions;

/// <summary>What a leg does with the packets its transport receives.</summary>
internal interface ILegPacketHandler
{
    /// <summary>An RTP packet from <paramref name="from"/> (the buffer is the receiving thread's: use it before returning).</summary>
    void OnRtp(ReadOnlySpan<byte> packet, SocketAddress from);

    /// <summary>An RTCP compound packet from <paramref name="from"/>.</summary>
    void OnRtcp(ReadOnlySpan<byte> packet, SocketAddress from);
}

/// <summary>Where a leg's outgoing packets go: the leg's transport, seen from the stream, reports and playout.</summary>
internal interface ILegSender
{
    /// <summary>Whether there is an address to send RTP to.</summary>
    bool HasRtpTarget { get; }

    /// <summary>Whether there is an address to send RTCP to.</summary>
    bool HasRtcpTarget { get; }

    /// <summary>
    /// Sends the RTP packet in <paramref name="buffer"/>[..<paramref name="length"/>] (the buffer may be changed in place
    /// and has room after the packet); false when nothing was sent (no target, a socket error, closing).
    /// </summary>
    bool SendRtp(Span<byte> buffer, int length);

    /// <summary>Sends the RTCP compound packet in <paramref name="buffer"/>[..<paramref name="length"/>]; false when nothing was sent.</summary>
    bool SendRtcp(Span<byte> buffer, int length);
}

/// <summary>
/// A leg's packet I/O, with no thread of its own: its RTP socket, read by the engine's <see cref="RtpIoLoop"/>
/// (epoll, Linux) or elsewhere by one pending async receive; its RTCP socket, read by one pending async
/// receive; where to send (the negotiated address, with symmetric RTP the address the peer's RTP really
/// comes from, on an ICE leg the pair the peer's checks nominate); when the peer was last heard (the media
/// timeout); and sending. A leg with a <see cref="SecureTransport"/> stage (ICE, SRTP, rtcp-mux) hands every
/// datagram to it and lets it protect what is sent; a plain leg goes straight from socket to handler.
/// </summary>
internal sealed class LegTransport : IRtpReceiver, ILegSender, IAsyncDisposable
{
    /// <summary>Largest datagram received.</summary>
    internal const int ReceiveBufferSize = 2048;

    private const int MaxReadsPerWake = 32;
    private static readonly TimeSpan RelatchAfter = TimeSpan.FromSeconds(2);

    private readonly string id;
    private readonly Socket rtpSocket;
    private readonly Socket rtcpSocket;
    private readonly RtpIoLoop? ioLoop;
    private readonly TimeProvider time;
    private readonly ILogger logger;
    private readonly bool symmetric;
    private readonly long burstWindow;
    private readonly Lock latchLock = new();
    private readonly CancellationTokenSource stop = new();
    private ILegPacketHandler handler = null!;
    private SecureTransport? secure;
    private bool mux;

    private SocketAddress? rtpTarget;
    private SocketAddress? rtcpTarget;
    private bool latched;
    private bool rtcpLatched;
    private long lastFromLatchedAt;
    private long lastHeardAt;
    private bool silenceReported;

    private Task? rtpLoop;
    private Task? rtcpLoop;
    private IDisposable? rtpWatch;
    private long lastReadAt;

    public LegTransport(string id, Socket rtpSocket, Socket rtcpSocket, RtpIoLoop? ioLoop, bool symmetricRtp, TimeProvider time, ILogger logger)
    {
        this.id = id;
        this.rtpSocket = rtpSocket;
        this.rtcpSocket = rtcpSocket;
        this.ioLoop = ioLoop;
        symmetric = symmetricRtp;
        this.time = time;
        this.logger = logger;
        burstWindow = time.TimestampFrequency / 500;
        LocalEndPoint = (IPEndPoint)rtpSocket.LocalEndPoint!;
    }

    /// <summary>The local RTP address.</summary>
    public IPEndPoint LocalEndPoint { get; }

    public bool HasRtpTarget => Volatile.Read(ref rtpTarget) is not null;

    public bool HasRtcpTarget => (Volatile.Read(ref mux) ? Volatile.Read(ref rtpTarget) : Volatile.Read(ref rtcpTarget)) is not null;

    /// <summary>Who gets the received packets: the session, or a stage in front of it (the Opus edge).</summary>
    public ILegPacketHandler Handler
    {
        get => Volatile.Read(ref handler);
        set => Volatile.Write(ref handler, value);
    }

    /// <summary>The secure stage, once the leg has one (ICE from the start, SRTP or rtcp-mux from an offer/answer).</summary>
    public SecureTransport? Secure
    {
        get => Volatile.Read(ref secure);
        set => Volatile.Write(ref secure, value);
    }

    /// <summary>RTP and RTCP on the RTP port (rtcp-mux, RFC 5761): RTCP is sent there too, and the RTCP socket is not listened to.</summary>
    public bool RtcpMux
    {
        get => Volatile.Read(ref mux);
        set => Volatile.Write(ref mux, value);
    }

    /// <summary>Where RTP goes now (after symmetric latching), for statistics.</summary>
    public IPEndPoint? RemoteRtpEndPoint => Volatile.Read(ref rtpTarget) is { } target ? (IPEndPoint)new IPEndPoint(IPAddress.Any, 0).Create(target) : null;

    /// <summary>Starts receiving: RTP on the I/O loop (or an async loop), RTCP on an async loop.</summary>
    public void Start(ILegPacketHandler packetHandler)
    {
        Volatile.Write(ref handler, packetHandler);
        if (ioLoop is { } io)
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
                logger.LogDebug(ex, "Media session {Id}: RTP receive error.", id);
                return false;
            }
            catch (ObjectDisposedException)
            {
                return false;
            }

            Deliver(buffer.AsSpan(0, length), from);
        }

        return bursting;
    }

    /// <summary>The negotiated addresses (a new offer/answer): sending goes there until the peer's packets are latched.</summary>
    public void SetRemote(IPEndPoint rtp, IPEndPoint rtcp)
    {
        lock (latchLock)
        {
            Volatile.Write(ref rtpTarget, rtp.Serialize());
            Volatile.Write(ref rtcpTarget, rtcp.Serialize());
            latched = false;
            rtcpLatched = false;
        }
    }

    /// <summary>
    /// An RTP packet came from <paramref name="from"/>: with symmetric RTP the first source is latched as where to send,
    /// and a packet from another address is dropped (false) unless the latched one has been quiet for 2 s (a moved peer).
    /// An accepted packet counts as hearing from the peer.
    /// </summary>
    public bool Accept(SocketAddress from, long now)
    {
        lock (latchLock)
        {
            if (symmetric)
            {
                if (!latched || rtpTarget is null)
                {
                    Latch(from);
                }
                else if (!from.Equals(rtpTarget))
                {
                    if (time.GetElapsedTime(lastFromLatchedAt, now) < RelatchAfter)
                    {
                        return false;
                    }

                    Latch(from);
                }
            }

            lastFromLatchedAt = now;
            lastHeardAt = now;
            silenceReported = false;
        }

        return true;
    }

    /// <summary>An RTCP packet came from <paramref name="from"/>: with symmetric RTP the first source is where RTCP goes.</summary>
    public void LatchRtcp(SocketAddress from)
    {
        lock (latchLock)
        {
            if (symmetric && !rtcpLatched)
            {
                var copy = new SocketAddress(from.Family, from.Size);
                from.Buffer.Span[..from.Size].CopyTo(copy.Buffer.Span);
                Volatile.Write(ref rtcpTarget, copy);
                rtcpLatched = true;
            }
        }
    }

    /// <summary>Starts the silence count afresh (the leg starts or resumes receiving).</summary>
    public void ResetSilence(long now)
    {
        lock (latchLock)
        {
            lastHeardAt = now;
            silenceReported = false;
        }
    }

    /// <summary>
    /// True, once per silence, when nothing has been accepted from the peer for <paramref name="limit"/>;
    /// <paramref name="silence"/> says how long.
    /// </summary>
    public bool CheckSilence(TimeSpan limit, long now, out TimeSpan silence)
    {
        lock (latchLock)
        {
            silence = time.GetElapsedTime(lastHeardAt, now);
            if (silenceReported || silence < limit)
            {
                return false;
            }

            silenceReported = true;
            return true;
        }
    }

    public bool SendRtp(Span<byte> buffer, int length)
    {
        if (Volatile.Read(ref secure) is { } stage && (length = stage.ProtectRtp(buffer, length)) < 0)
        {
            return false;
        }

        try
        {
            rtpSocket.SendTo(buffer[..length], SocketFlags.None, Volatile.Read(ref rtpTarget)!);
            return true;
        }
        catch (SocketException ex)
        {
            logger.LogDebug(ex, "Media session {Id}: RTP send failed.", id);
        }
        catch (ObjectDisposedException)
        {
            // Session closing.
        }

        return false;
    }

    public bool SendRtcp(Span<byte> buffer, int length)
    {
        bool muxed = Volatile.Read(ref mux);
        if ((muxed ? Volatile.Read(ref rtpTarget) : Volatile.Read(ref rtcpTarget)) is not { } target)
        {
            return false;
        }

        if (Volatile.Read(ref secure) is { } stage && (length = stage.ProtectRtcp(buffer, length)) < 0)
        {
            return false;
        }

        try
        {
            (muxed ? rtpSocket : rtcpSocket).SendTo(buffer[..length], SocketFlags.None, target);
            return true;
        }
        catch (SocketException ex)
        {
            logger.LogDebug(ex, "Media session {Id}: RTCP send failed.", id);
        }
        catch (ObjectDisposedException)
        {
            // Session closing.
        }

        return false;
    }

    /// <summary>Sends a datagram as it is (DTLS) to where RTP goes; nothing when there is no address yet.</summary>
    public void SendRaw(ReadOnlySpan<byte> datagram)
    {
        if (Volatile.Read(ref rtpTarget) is { } target)
        {
            SendRawTo(datagram, target);
        }
    }

    /// <summary>Sends a datagram as it is (a STUN answer) to <paramref name="to"/> from the RTP socket.</summary>
    public void SendRawTo(ReadOnlySpan<byte> datagram, SocketAddress to)
    {
        try
        {
            rtpSocket.SendTo(datagram, SocketFlags.None, to);
        }
        catch (SocketException ex)
        {
            logger.LogDebug(ex, "Media session {Id}: send failed.", id);
        }
        catch (ObjectDisposedException)
        {
            // Session closing.
        }
    }

    /// <summary>An ICE check nominated (or first validated) <paramref name="from"/>: RTP and RTCP go there.</summary>
    public void LatchIce(SocketAddress from)
    {
        lock (latchLock)
        {
            if (rtpTarget is not null && from.Equals(rtpTarget))
            {
                return;
            }

            var copy = new SocketAddress(from.Family, from.Size);
            from.Buffer.Span[..from.Size].CopyTo(copy.Buffer.Span);
            if (logger.IsEnabled(LogLevel.Debug))
            {
                logger.LogDebug("Media session {Id}: ICE pair selected, media to {Remote}.", id, new IPEndPoint(IPAddress.Any, 0).Create(copy));
            }

            Volatile.Write(ref rtpTarget, copy);
            Volatile.Write(ref rtcpTarget, copy);
        }
    }

    /// <summary>Stops receiving and closes the sockets.</summary>
    public async ValueTask DisposeAsync()
    {
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
    }

    private void Deliver(Span<byte> datagram, SocketAddress from)
    {
        if (Volatile.Read(ref secure) is { } stage)
        {
            stage.OnDatagram(datagram, from, Volatile.Read(ref handler));
        }
        else
        {
            Volatile.Read(ref handler).OnRtp(datagram, from);
        }
    }

    private void Latch(SocketAddress from)
    {
        var copy = new SocketAddress(from.Family, from.Size);
        from.Buffer.Span[..from.Size].CopyTo(copy.Buffer.Span);
        if (latched && logger.IsEnabled(LogLevel.Information))
        {
            logger.LogInformation("Media session {Id}: RTP source moved, re-latched.", id);
        }

        Volatile.Write(ref rtpTarget, copy);
        latched = true;
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

                logger.LogDebug(ex, "Media session {Id}: RTP receive error.", id);
                continue;
            }

            try
            {
                Deliver(buffer.AsSpan(0, length), from);
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "Media session {Id}: failed to handle an RTP packet.", id);
            }
        }
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

            if (Volatile.Read(ref secure) is not { } stage)
            {
                Volatile.Read(ref handler).OnRtcp(buffer.AsSpan(0, length), from);
            }
            else if (!Volatile.Read(ref mux))
            {
                stage.OnRtcpSocketDatagram(buffer.AsSpan(0, length), from, Volatile.Read(ref handler));
            }
        }
    }
}
