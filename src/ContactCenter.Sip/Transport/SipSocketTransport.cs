using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using ContactCenter.Sip.Message;
using Microsoft.Extensions.Logging;

namespace ContactCenter.Sip.Transport;

/// <summary>
/// UDP and TCP transports (RFC 3261 §18) on one address and port, and TLS (RFC 3261 §26.2, RFC 5630) on its own port
/// when enabled. Receive loops catch everything per message; TCP and TLS connections are reused for both directions,
/// capped per source and closed when idle. TLS connections are accepted (phones, trunks that connect to us) and reused
/// to reach those peers; to a peer with no open TLS connection (a trunk we dial over TLS) the transport opens one as a
/// TLS client, verifying the peer's certificate as its <see cref="SipTlsTrust"/> says (system roots by default).
/// </summary>
internal sealed partial class SipSocketTransport : ISipTransport
{
    private readonly SipEndpointOptions options;
    private readonly TimeProvider time;
    private readonly ILogger logger;
    private SipReceiveHandler handler = static (_, _) => { };
    private Action<SipConnection> connectionClosed = static _ => { };
    private readonly SipParserLimits limits;
    private readonly CancellationTokenSource stopping = new();
    private readonly ConcurrentDictionary<IPEndPoint, TcpConnection> connections = new();
    private readonly ConcurrentDictionary<IPEndPoint, TcpConnection> tlsConnections = new();
    private readonly ConcurrentDictionary<IPEndPoint, SipTlsTrust> tlsTrust = new();
    private readonly ConcurrentDictionary<IPEndPoint, Lazy<Task<TcpConnection>>> tlsConnecting = new();
    private SipTlsCertificate? certificate;
    private Socket? tlsListener;
    private readonly ConcurrentDictionary<IPAddress, int> perSource = new();
    private readonly List<Task> loops = [];
    private Socket? udp;
    private Socket? listener;
    private ITimer? sweeper;

    public SipSocketTransport(SipEndpointOptions options, TimeProvider time, ILogger logger)
    {
        this.options = options;
        this.time = time;
        this.logger = logger;
        limits = new SipParserLimits { MaxMessageSize = options.MaxMessageSize, MaxHeaderCount = options.MaxHeaderCount };
    }

    public IPEndPoint? UdpEndPoint { get; private set; }

    public IPEndPoint? TcpEndPoint { get; private set; }

    public SipRateLimiter? RateLimiter { get; private set; }

    public IPEndPoint? TlsEndPoint { get; private set; }

    public int TcpConnectionCount => connections.Count;

    public int TlsConnectionCount => tlsConnections.Count;

    public bool Carries(SipProtocol protocol) => protocol is SipProtocol.Udp or SipProtocol.Tcp || (protocol == SipProtocol.Tls && options.EnableTls);

    public void Start(SipReceiveHandler receive, Action<SipConnection> closed, SipRateLimiter? limiter)
    {
        handler = receive;
        connectionClosed = closed;
        RateLimiter = limiter;
        var address = IPAddress.Parse(options.ListenAddress);
        var port = options.Port;
        if (options.EnableTls)
        {
            certificate = new SipTlsCertificate(options, time, logger);
        }
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                BindSockets(address, port);
                break;
            }
            catch (SocketException) when (options.Port == 0 && attempt < 20)
            {
                udp?.Dispose();
                listener?.Dispose();
                tlsListener?.Dispose();
                udp = null;
                listener = null;
                tlsListener = null;
            }
        }
        var udpLoops = options.UdpReceiveLoops > 0 ? options.UdpReceiveLoops : 1;
        if (udp is not null)
        {
            for (var i = 0; i < udpLoops; i++)
            {
                loops.Add(StartUdpThread(i));
            }
        }
        if (tlsListener is not null)
        {
            loops.Add(Task.Run(TlsAcceptLoopAsync));
        }
        if (listener is not null || tlsListener is not null)
        {
            if (listener is not null)
            {
                loops.Add(Task.Run(AcceptLoopAsync));
            }
            var period = TimeSpan.FromTicks(Math.Max(TimeSpan.FromMilliseconds(200).Ticks, options.TcpIdleTimeout.Ticks / 4));
            sweeper = time.CreateTimer(_ => SweepIdle(), null, period, period);
        }
    }

    private void BindSockets(IPAddress address, int port)
    {
        var chosen = port;
        if (options.EnableUdp)
        {
            udp = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            if (address.Equals(IPAddress.IPv6Any))
            {
                udp.DualMode = true;
            }
            udp.ReceiveBufferSize = 4 * 1024 * 1024;
            // The receive threads wake at least this often to notice shutdown.
            udp.ReceiveTimeout = 250;
            udp.SendBufferSize = 4 * 1024 * 1024;
            udp.Bind(new IPEndPoint(address, chosen));
            UdpEndPoint = (IPEndPoint)udp.LocalEndPoint!;
            chosen = UdpEndPoint.Port;
        }
        if (options.EnableTcp)
        {
            listener = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            listener.Bind(new IPEndPoint(address, chosen));
            listener.Listen(512);
            TcpEndPoint = (IPEndPoint)listener.LocalEndPoint!;
        }
        if (options.EnableTls)
        {
            tlsListener = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            tlsListener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            tlsListener.Bind(new IPEndPoint(address, options.TlsPort));
            tlsListener.Listen(512);
            TlsEndPoint = (IPEndPoint)tlsListener.LocalEndPoint!;
        }
    }

    private async Task TlsAcceptLoopAsync()
    {
        while (!stopping.IsCancellationRequested)
        {
            Socket s;
            try
            {
                s = await tlsListener!.AcceptAsync(stopping.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
            {
                break;
            }
            catch (SocketException ex)
            {
                logger.LogDebug(ex, "TLS accept error ignored");
                continue;
            }
            var remote = (IPEndPoint)s.RemoteEndPoint!;
            if (RateLimiter?.IsBlocked(remote.Address) == true || !TryReserve(remote.Address))
            {
                logger.LogDebug("TLS connection from {Remote} refused (cap or blocked)", remote);
                s.Dispose();
                continue;
            }
            // The handshake runs beside the accept loop: a slow or silent client holds only its own connection.
            _ = Task.Run(() => HandshakeAsync(s, remote));
        }
    }

    private async Task HandshakeAsync(Socket s, IPEndPoint remote)
    {
        var ssl = new SslStream(new NetworkStream(s, ownsSocket: false), leaveInnerStreamOpen: false);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(stopping.Token);
        cts.CancelAfter(options.TcpConnectTimeout);
        try
        {
            await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
            {
                ServerCertificateSelectionCallback = (_, _) => certificate!.Current,
                ClientCertificateRequired = false,
                EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                CertificateRevocationCheckMode = System.Security.Cryptography.X509Certificates.X509RevocationMode.NoCheck,
            }, cts.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is AuthenticationException or IOException or OperationCanceledException or SocketException or ObjectDisposedException)
        {
            logger.LogDebug("TLS handshake with {Remote} failed: {Message}", remote, ex.Message);
            await ssl.DisposeAsync().ConfigureAwait(false);
            s.Dispose();
            Release(remote.Address);
            return;
        }
        var c = new TcpConnection(this, s, remote, (IPEndPoint)s.LocalEndPoint!, ssl);
        tlsConnections[remote] = c;
        logger.LogDebug("TLS connection from {Remote}: {Protocol} {Cipher}", remote, ssl.SslProtocol, ssl.NegotiatedCipherSuite);
        c.Start();
    }

    /// <summary>
    /// UDP receive loops run on dedicated threads blocked in recvfrom, and the socket is only ever used
    /// synchronously (sends included). An async receive costs two thread wake-ups per datagram (the
    /// epoll thread, then a pool worker); a blocked receiver costs at most one, and none at all when
    /// datagrams are already queued, which is exactly when load is high.
    /// </summary>
    private Task StartUdpThread(int index)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                UdpLoop();
            }
            finally
            {
                done.TrySetResult();
            }
        })
        {
            IsBackground = true,
            Name = $"sip-udp-{index}",
        };
        thread.Start();
        return done.Task;
    }

    /// <summary>
    /// Set by the endpoint before <see cref="Start"/>: true when a new-looking INVITE (no To tag) belongs to a server
    /// transaction that already exists (a retransmission of an admitted call), which is served at once, not queued.
    /// </summary>
    public Func<SipRequest, bool>? IsKnownTransaction { get; set; }

    /// <summary>Set by the endpoint: the application's early gate for a new INVITE from a source (false: 503 at once, never queued).</summary>
    public Func<SipSource, bool>? AdmitsNewInvite { get; set; }

    /// <summary>Set by the endpoint before <see cref="Start"/>: answers a new INVITE the full queue cannot take (503, no transaction).</summary>
    public Action<SipRequest, SipSource>? ShedInvite { get; set; }

    /// <summary>New INVITEs waiting behind everything else in the UDP receive threads now.</summary>
    public int QueuedInvites => Volatile.Read(ref queuedInvites);

    /// <summary>New INVITEs answered 503 because a receive thread's queue was full or its oldest INVITE waited too long, since start.</summary>
    public long InvitesShed => Interlocked.Read(ref invitesShed);

    private int queuedInvites;
    private long invitesShed;

    /// <summary>A new INVITE waiting in a receive thread's queue (taken early by its CANCEL).</summary>
    private sealed class QueuedInvite(SipParseResult result, SipSource source, long received)
    {
        public SipParseResult Result { get; } = result;
        public SipSource Source { get; } = source;
        /// <summary>When the datagram was read (<see cref="TimeProvider.GetTimestamp"/>).</summary>
        public long Received { get; } = received;
        public bool Taken { get; set; }
    }

    /// <summary>
    /// A receive thread's new INVITEs, oldest first, and the (branch, Call-ID) of each: a retransmission of an INVITE still
    /// queued (its sender's timer ran out while it waited) is absorbed, as its transaction would absorb it, rather than
    /// queued twice or refused while the original is going to be answered.
    /// </summary>
    private sealed class InviteQueue : Queue<QueuedInvite>
    {
        public HashSet<(string Branch, string CallId)> Keys { get; } = [];
    }

    /// <summary>Datagrams read from the kernel between two queued INVITEs at most (everything but new INVITEs is served as read).</summary>
    private const int DrainBatch = 64;

    /// <summary>
    /// One receive thread. Everything except a new INVITE is handled as it is read: ACK, BYE, CANCEL, in-dialog
    /// requests, responses and retransmissions of known transactions. A new INVITE (no To tag, no transaction yet) is
    /// parsed, stamped and queued; a queued INVITE is handled only after the kernel's backlog was read (up to
    /// <see cref="DrainBatch"/> datagrams), so calls already admitted are never starved by new ones, and how long an
    /// INVITE waited is known (<see cref="SipMessage.ReceivedTimestamp"/>) for the application's admission decision.
    /// A full queue, or one whose oldest INVITE waited longer than <see cref="SipEndpointOptions.MaxInviteQueueWait"/>, answers a
    /// new INVITE 503 at once (<see cref="ShedInvite"/>, <see cref="InviteQueuePolicy"/>).
    /// </summary>
    private void UdpLoop()
    {
        var socket = udp!;
        var buffer = GC.AllocateUninitializedArray<byte>(65_536, pinned: true);
        var state = new UdpReceiveState(socket);
        var invites = new InviteQueue();
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                if (invites.Count > 0)
                {
                    for (var drained = 0; drained < DrainBatch && socket.Available > 0; drained++)
                    {
                        if (!ReceiveOne(socket, buffer, state, invites))
                        {
                            break;
                        }
                    }
                    HandleNextInvite(invites);
                    continue;
                }
                ReceiveOne(socket, buffer, state, invites);
            }
            catch (ObjectDisposedException)
            {
                break;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                if (stopping.IsCancellationRequested)
                {
                    break;
                }
                logger.LogWarning(ex, "Error handling a UDP datagram; continuing");
            }
        }
        Interlocked.Add(ref queuedInvites, -invites.Count);
    }

    /// <summary>Handles the oldest queued INVITE. A method of its own: the loop's frame keeps no reference to the request.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private void HandleNextInvite(InviteQueue invites)
    {
        var next = invites.Dequeue();
        Interlocked.Decrement(ref queuedInvites);
        if (next.Result.Message is SipRequest invite)
        {
            invites.Keys.Remove((invite.TopVia?.Branch ?? "", invite.CallId));
        }
        if (!next.Taken)
        {
            handler(next.Result, next.Source);
        }
    }

    private sealed class UdpReceiveState(Socket socket)
    {
        public readonly IPEndPoint Template = new(socket.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        public readonly SocketAddress Address = new(socket.AddressFamily);
        public readonly SocketAddress LastAddress = new(socket.AddressFamily);
        public IPEndPoint? LastRemote;
    }

    /// <summary>Reads one datagram and handles it, or queues it when it is a new INVITE. False when nothing was read.</summary>
    private bool ReceiveOne(Socket socket, byte[] buffer, UdpReceiveState state, InviteQueue invites)
    {
        int received;
        try
        {
            received = socket.ReceiveFrom(buffer, SocketFlags.None, state.Address);
        }
        catch (SocketException ex) when (ex.SocketErrorCode is SocketError.TimedOut or SocketError.WouldBlock or SocketError.Interrupted)
        {
            return false;
        }
        catch (SocketException ex)
        {
            if (!stopping.IsCancellationRequested)
            {
                logger.LogDebug(ex, "UDP receive error ignored");
            }
            return false;
        }
        try
        {
            // One peer usually sends many datagrams in a row: reuse its endpoint object.
            if (state.LastRemote is null || !state.Address.Equals(state.LastAddress))
            {
                state.LastRemote = (IPEndPoint)state.Template.Create(state.Address);
                state.Address.Buffer.Span.CopyTo(state.LastAddress.Buffer.Span);
                state.LastAddress.Size = state.Address.Size;
            }
            var remote = state.LastRemote;
            // Stamped as read, before parsing: the 503 latency and queueing delay count from here.
            var readAt = time.GetTimestamp();
            if (received == 0 || received > options.MaxMessageSize)
            {
                return true;
            }
            var result = SipParser.ParseDatagram(buffer.AsSpan(0, received), limits);
            if (result.Error?.Kind == SipParseErrorKind.KeepAlive)
            {
                return true;
            }
            var source = new SipSource(SipProtocol.Udp, remote, UdpEndPoint!);
            if (result.Message is SipRequest request)
            {
                request.ReceivedTimestamp = readAt;
                // A source in its rate limiter's cool-off loses its new requests only: its calls' ACK, BYE and
                // in-dialog requests still reach them.
                var outOfDialog = request.To.Tag is null && request.Method != "ACK";
                if (outOfDialog && RateLimiter?.IsBlocked(remote.Address) == true)
                {
                    return true;
                }
                if (outOfDialog && request.Method == "INVITE" && request.TopVia is not null && IsKnownTransaction?.Invoke(request) != true)
                {
                    var key = (request.TopVia.Branch ?? "", request.CallId);
                    if (invites.Keys.Contains(key))
                    {
                        // A retransmission of an INVITE still queued: the original will be answered.
                        return true;
                    }

                    if (AdmitsNewInvite?.Invoke(source) == false)
                    {
                        // The application's throttle is closed for this source: refused before any queueing or transaction.
                        ShedInvite?.Invoke(request, source);
                        return true;
                    }
                    // Refused here, before it waits behind work already accepted: the queue is full, or its oldest INVITE
                    // waited longer than the caller should wait for an answer (InviteQueuePolicy).
                    var oldestWaited = invites.TryPeek(out var oldest) ? time.GetElapsedTime(oldest.Received, readAt) : TimeSpan.Zero;
                    if (InviteQueuePolicy.Decide(invites.Count, oldestWaited, options.MaxQueuedInvites, options.MaxInviteQueueWait) != InviteRefusal.None)
                    {
                        Interlocked.Increment(ref invitesShed);
                        ShedInvite?.Invoke(request, source);
                        return true;
                    }
                    invites.Enqueue(new QueuedInvite(result, source, readAt));
                    invites.Keys.Add(key);
                    Interlocked.Increment(ref queuedInvites);
                    return true;
                }
                if (request.Method == "CANCEL" && invites.Count > 0)
                {
                    TakeCancelledInvite(request, invites);
                }
            }
            else if (result.Message is null && RateLimiter?.IsBlocked(remote.Address) == true)
            {
                return true;
            }
            handler(result, source);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException and not ObjectDisposedException)
        {
            logger.LogWarning(ex, "Error handling a UDP datagram; continuing");
        }
        return true;
    }

    /// <summary>A CANCEL for an INVITE still queued: the INVITE is handled first, so the CANCEL finds its transaction.</summary>
    private void TakeCancelledInvite(SipRequest cancel, InviteQueue invites)
    {
        var branch = cancel.TopVia?.Branch;
        var callId = cancel.CallId;
        foreach (var queued in invites)
        {
            if (!queued.Taken && queued.Result.Message is SipRequest invite && invite.CallId == callId && invite.TopVia?.Branch == branch)
            {
                queued.Taken = true;
                invites.Keys.Remove((branch ?? "", callId));
                handler(queued.Result, queued.Source);
                return;
            }
        }
    }

    private async Task AcceptLoopAsync()
    {
        while (!stopping.IsCancellationRequested)
        {
            Socket s;
            try
            {
                s = await listener!.AcceptAsync(stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            catch (ObjectDisposedException)
            {
                break;
            }
            catch (SocketException ex)
            {
                logger.LogDebug(ex, "TCP accept error ignored");
                continue;
            }
            var remote = (IPEndPoint)s.RemoteEndPoint!;
            if (RateLimiter?.IsBlocked(remote.Address) == true || !TryReserve(remote.Address))
            {
                logger.LogDebug("TCP connection from {Remote} refused (cap or blocked)", remote);
                s.Dispose();
                continue;
            }
            var c = new TcpConnection(this, s, remote, (IPEndPoint)s.LocalEndPoint!);
            connections[remote] = c;
            c.Start();
        }
    }

    private bool TryReserve(IPAddress address)
    {
        if (connections.Count >= options.MaxTcpConnections)
        {
            return false;
        }
        var n = perSource.AddOrUpdate(address, 1, (_, v) => v + 1);
        if (n > options.MaxTcpConnectionsPerSource)
        {
            Release(address);
            return false;
        }
        return true;
    }

    private void Release(IPAddress address)
    {
        var n = perSource.AddOrUpdate(address, 0, (_, v) => v - 1);
        if (n <= 0)
        {
            perSource.TryRemove(new KeyValuePair<IPAddress, int>(address, n));
        }
    }

    private void SweepIdle()
    {
        var now = time.GetTimestamp();
        foreach (var c in connections.Values.Concat(tlsConnections.Values))
        {
            if (time.GetElapsedTime(c.LastActivity, now) > options.TcpIdleTimeout)
            {
                logger.LogDebug("Closing idle TCP connection {Remote}", c.Remote);
                c.Close();
            }
        }
    }

    /// <summary>Sends bytes; over TCP reuses a connection to the peer or opens one.</summary>
    public async ValueTask SendAsync(ReadOnlyMemory<byte> data, SipProtocol protocol, IPEndPoint remote)
    {
        try
        {
            if (protocol == SipProtocol.Udp)
            {
                if (udp is null)
                {
                    throw new InvalidOperationException("UDP transport is disabled");
                }
                // Synchronous on purpose (see UdpLoop): a UDP send does not wait for the peer, and the
                // socket must never switch to the async (non-blocking) mode.
                udp.SendTo(data.Span, SocketFlags.None, remote);
                return;
            }
            if (protocol == SipProtocol.Tls)
            {
                if (!tlsConnections.TryGetValue(remote, out var tls) || tls.Closed)
                {
                    tls = await ConnectTlsAsync(remote).ConfigureAwait(false);
                }
                await tls.SendAsync(data).ConfigureAwait(false);
                return;
            }
            var c = await GetOrConnectAsync(remote).ConfigureAwait(false);
            await c.SendAsync(data).ConfigureAwait(false);
        }
        catch (SipTransportException)
        {
            throw;
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException or IOException or InvalidOperationException)
        {
            logger.LogDebug(ex, "Send to {Remote} over {Protocol} failed", remote, protocol);
            throw new SipTransportException($"send to {remote} over {protocol} failed: {ex.Message}", ex);
        }
    }

    public SipSource? FlowTo(SipProtocol protocol, IPEndPoint remote)
    {
        if (protocol == SipProtocol.Tls)
        {
            return tlsConnections.TryGetValue(remote, out var t) && !t.Closed ? t.Source
                : TlsEndPoint is { } tlsLocal ? new SipSource(SipProtocol.Tls, remote, tlsLocal) : null;
        }
        if (protocol == SipProtocol.Tcp)
        {
            if (connections.TryGetValue(remote, out var c) && !c.Closed)
            {
                return c.Source;
            }
            return TcpEndPoint is { } tcp ? new SipSource(SipProtocol.Tcp, remote, tcp) : null;
        }
        return UdpEndPoint is { } udpLocal ? new SipSource(SipProtocol.Udp, remote, udpLocal) : null;
    }

    /// <summary>How the certificate of <paramref name="remote"/> is verified when we connect to it over TLS (default: <see cref="SipTlsTrust.Default"/>).</summary>
    public void SetTlsTrust(IPEndPoint remote, SipTlsTrust trust) => tlsTrust[remote] = trust;

    /// <summary>One TLS client connection per peer at a time: concurrent sends wait for the same handshake.</summary>
    private async Task<TcpConnection> ConnectTlsAsync(IPEndPoint remote)
    {
        var lazy = tlsConnecting.GetOrAdd(remote, r => new Lazy<Task<TcpConnection>>(() => OpenTlsAsync(r)));
        try
        {
            return await lazy.Value.ConfigureAwait(false);
        }
        finally
        {
            tlsConnecting.TryRemove(new KeyValuePair<IPEndPoint, Lazy<Task<TcpConnection>>>(remote, lazy));
        }
    }

    /// <summary>
    /// Connects to <paramref name="remote"/> and runs the TLS handshake as a client (TLS 1.2/1.3, SNI and the name check
    /// as its trust says). A refused certificate or a failed handshake throws <see cref="SipTransportException"/> whose
    /// <see cref="SipTransportException.Detail"/> says why, so the call's outcome can name it.
    /// </summary>
    private async Task<TcpConnection> OpenTlsAsync(IPEndPoint remote)
    {
        if (tlsConnections.TryGetValue(remote, out var existing) && !existing.Closed)
        {
            return existing;
        }
        var trust = tlsTrust.TryGetValue(remote, out var t) ? t : SipTlsTrust.Default;
        var serverName = trust.ServerName ?? remote.Address.ToString();
        var s = new Socket(remote.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(stopping.Token);
        cts.CancelAfter(options.TcpConnectTimeout);
        try
        {
            await s.ConnectAsync(remote, cts.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException)
        {
            s.Dispose();
            var why = ex is OperationCanceledException ? "connection timed out" : ex.Message;
            throw new SipTransportException($"TLS connection to {remote} failed: {why}", ex) { Detail = $"TLS connection to {remote} failed: {why}" };
        }
        if (!TryReserve(remote.Address))
        {
            s.Dispose();
            throw new SipTransportException($"TLS connection to {remote} refused: connection cap reached");
        }
        string? refusal = null;
        var ssl = new SslStream(new NetworkStream(s, ownsSocket: false), leaveInnerStreamOpen: false);
        try
        {
            var client = new SslClientAuthenticationOptions
            {
                TargetHost = serverName,
                EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                CertificateRevocationCheckMode = System.Security.Cryptography.X509Certificates.X509RevocationMode.NoCheck,
                RemoteCertificateValidationCallback = (_, cert, chain, errors) => trust.Accepts(cert, chain, errors, out refusal),
            };
            if (trust.TrustedRoots is { Count: > 0 } roots)
            {
                var policy = new System.Security.Cryptography.X509Certificates.X509ChainPolicy
                {
                    TrustMode = System.Security.Cryptography.X509Certificates.X509ChainTrustMode.CustomRootTrust,
                    RevocationMode = System.Security.Cryptography.X509Certificates.X509RevocationMode.NoCheck,
                };
                policy.CustomTrustStore.AddRange(roots);
                client.CertificateChainPolicy = policy;
            }
            await ssl.AuthenticateAsClientAsync(client, cts.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is AuthenticationException or IOException or OperationCanceledException or SocketException or ObjectDisposedException)
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            s.Dispose();
            Release(remote.Address);
            var why = refusal ?? (ex is OperationCanceledException ? "no answer within " + options.TcpConnectTimeout.TotalSeconds + " s" : ex.Message);
            var detail = $"TLS handshake with {remote} ({serverName}) failed: {why}";
            logger.LogWarning("{Detail}", detail);
            throw new SipTransportException(detail, ex) { Detail = detail };
        }
        var c = new TcpConnection(this, s, remote, (IPEndPoint)s.LocalEndPoint!, ssl);
        var added = tlsConnections.GetOrAdd(remote, c);
        if (added != c)
        {
            c.Close();
            return added;
        }
        logger.LogInformation("TLS connection to {Remote} ({ServerName}): {Protocol} {Cipher}, certificate '{Subject}' verified", remote, serverName, ssl.SslProtocol, ssl.NegotiatedCipherSuite, ssl.RemoteCertificate?.Subject);
        c.Start();
        return c;
    }

    private async ValueTask<TcpConnection> GetOrConnectAsync(IPEndPoint remote)
    {
        if (connections.TryGetValue(remote, out var existing) && !existing.Closed)
        {
            return existing;
        }
        if (listener is null)
        {
            throw new InvalidOperationException("TCP transport is disabled");
        }
        var s = new Socket(remote.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(stopping.Token);
        cts.CancelAfter(options.TcpConnectTimeout);
        try
        {
            await s.ConnectAsync(remote, cts.Token).ConfigureAwait(false);
        }
        catch
        {
            s.Dispose();
            throw;
        }
        if (!TryReserve(remote.Address))
        {
            s.Dispose();
            throw new InvalidOperationException("TCP connection cap reached");
        }
        var c = new TcpConnection(this, s, remote, (IPEndPoint)s.LocalEndPoint!);
        var added = connections.GetOrAdd(remote, c);
        if (added != c)
        {
            c.Close();
            return added;
        }
        c.Start();
        return c;
    }

    public async ValueTask DisposeAsync()
    {
        if (stopping.IsCancellationRequested)
        {
            return;
        }
        await stopping.CancelAsync().ConfigureAwait(false);
        sweeper?.Dispose();
        udp?.Dispose();
        listener?.Dispose();
        tlsListener?.Dispose();
        foreach (var c in connections.Values.Concat(tlsConnections.Values))
        {
            c.Close();
        }
        try
        {
            await Task.WhenAll(loops).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            logger.LogWarning("SIP transport loops did not stop within 5 s");
        }
        stopping.Dispose();
    }
}
