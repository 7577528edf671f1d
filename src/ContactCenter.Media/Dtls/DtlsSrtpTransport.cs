using Microsoft.Extensions.Logging;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.Tls;
using Org.BouncyCastle.Tls.Crypto.Impl.BC;

namespace ContactCenter.Media.Dtls;

/// <summary>
/// DTLS-SRTP (RFC 5763, RFC 5764) for one leg, over the leg's single UDP socket: the leg hands in
/// the datagrams whose first byte is 20-63 (<see cref="Receive"/>) and gives a sender for the
/// nominated ICE pair; <see cref="HandshakeAsync"/> runs a DTLS 1.2 client (a=setup:active) or
/// server (a=setup:passive) with BouncyCastle, negotiates an SRTP profile through use_srtp, checks
/// the peer's certificate against the a=fingerprint of its SDP, and returns the SRTP master keys
/// from the "EXTRACTOR-dtls_srtp" exporter. A handshake that does not finish within
/// <see cref="DtlsSrtpOptions.HandshakeTimeout"/> (measured on the injected <see cref="TimeProvider"/>)
/// fails with <see cref="DtlsFailure.Timeout"/>; every failure is a <see cref="DtlsHandshakeException"/>
/// whose message is fit for the call's history.
/// <para>
/// BouncyCastle's DTLS blocks while it waits for a datagram, so the handshake runs on a thread of its
/// own for its few round trips. Afterwards no thread is held: a late DTLS datagram (the peer
/// retransmitting its last flight, or closing with close_notify) is processed on a pool thread as it
/// comes, and <see cref="Closed"/> completes when the peer ends the association.
/// </para>
/// </summary>
internal sealed class DtlsSrtpTransport : IDisposable
{
    private readonly DtlsSrtpOptions options;
    private readonly TimeProvider time;
    private readonly ILogger logger;
    private readonly QueuedDatagramTransport transport;
    private readonly DtlsHandshakeState state;
    private readonly CancellationTokenSource disposing = new();
    private readonly TaskCompletionSource<string> closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock dtlsGate = new();
    private DtlsTransport? dtls;
    private int started;
    private int pumping;
    private int disposed;

    public DtlsSrtpTransport(DtlsCertificate certificate, DtlsRole role, DtlsSrtpOptions options, IDatagramSender sender, TimeProvider time, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(sender);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(logger);
        if (options.Profiles.Count == 0)
        {
            throw new ArgumentException("DTLS-SRTP needs at least one SRTP profile.", nameof(options));
        }

        Role = role;
        this.options = options;
        this.time = time;
        this.logger = logger;
        transport = new QueuedDatagramTransport(sender, options.MaxDatagramSize, options.MaxQueuedDatagrams);
        state = new DtlsHandshakeState(certificate, options, logger);
    }

    /// <summary>Our role.</summary>
    public DtlsRole Role { get; }

    /// <summary>Whether the handshake completed (and the association is not closed).</summary>
    public bool IsConnected => Volatile.Read(ref dtls) is not null && !closed.Task.IsCompleted;

    /// <summary>Completes, with the reason, when the peer closes the association (close_notify or a fatal alert) after the handshake.</summary>
    public Task<string> Closed => closed.Task;

    /// <summary>
    /// The a=fingerprint of the peer's SDP. May come after the handshake has started (the peer's
    /// ClientHello can race its answer); the handshake waits for it when it needs it.
    /// </summary>
    public void SetRemoteFingerprint(DtlsFingerprint fingerprint)
    {
        ArgumentNullException.ThrowIfNull(fingerprint);
        state.SetRemoteFingerprint(fingerprint);
    }

    /// <summary>Hands in a DTLS datagram from the peer; false when it was dropped (closed, or too many waiting).</summary>
    public bool Receive(ReadOnlySpan<byte> datagram)
    {
        if (!transport.Enqueue(datagram))
        {
            return false;
        }

        if (Volatile.Read(ref dtls) is not null)
        {
            SchedulePump();
        }

        return true;
    }

    /// <summary>Runs the handshake once; returns the SRTP keys, or throws <see cref="DtlsHandshakeException"/>.</summary>
    public Task<DtlsSrtpKeys> HandshakeAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref started, 1) != 0)
        {
            throw new InvalidOperationException("The DTLS handshake was already started.");
        }

        ObjectDisposedException.ThrowIf(Volatile.Read(ref disposed) != 0, this);
        var timeout = new CancellationTokenSource(options.HandshakeTimeout, time);
        var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token, disposing.Token);
        transport.Cancellation = linked.Token;
        state.Cancellation = linked.Token;
        return Task.Factory.StartNew(
            () =>
            {
                try
                {
                    return Handshake(timeout.Token, cancellationToken);
                }
                finally
                {
                    // Blocking receives after the handshake (late flights, close_notify) end only with the leg.
                    transport.Cancellation = disposing.Token;
                    linked.Dispose();
                    timeout.Dispose();
                }
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);
    }

    /// <summary>Closes the association (close_notify to the peer when connected) and stops a running handshake.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }

        lock (dtlsGate)
        {
            try
            {
                dtls?.Close(); // close_notify to the peer
            }
            catch (IOException e)
            {
                logger.LogDebug(e, "DTLS close");
            }
        }

        disposing.Cancel(); // a handshake still running stops at its next wait
        transport.Close();
        closed.TrySetResult("closed by us");
        if (Volatile.Read(ref started) == 0)
        {
            state.Dispose();
            disposing.Dispose();
        }
    }

    private DtlsSrtpKeys Handshake(CancellationToken timeout, CancellationToken caller)
    {
        long begun = time.GetTimestamp();
        try
        {
            var crypto = new BcTlsCrypto(new SecureRandom());
            DtlsTransport connection = Role == DtlsRole.Client
                ? new DtlsClientProtocol().Connect(new DtlsSrtpClient(crypto, state), transport)
                : new DtlsServerProtocol { VerifyRequests = false }.Accept(new DtlsSrtpServer(crypto, state), transport);
            DtlsSrtpKeys keys = state.Keys ?? throw new DtlsHandshakeException(DtlsFailure.ProtocolError, "the DTLS handshake ended without SRTP keys");
            lock (dtlsGate)
            {
                if (Volatile.Read(ref disposed) != 0)
                {
                    connection.Close();
                    throw new DtlsHandshakeException(DtlsFailure.Closed, "the leg was closed during the DTLS handshake");
                }

                Volatile.Write(ref dtls, connection);
            }

            logger.LogDebug("DTLS-SRTP {Role} handshake done in {Elapsed} ms: {Profile}", Role, time.GetElapsedTime(begun).TotalMilliseconds, keys.Profile);
            if (transport.Pending > 0)
            {
                SchedulePump();
            }

            return keys;
        }
        catch (Exception e) when (e is not DtlsHandshakeException)
        {
            transport.Close();
            (DtlsFailure failure, string reason) = Classify(e, timeout, caller);
            logger.LogInformation("DTLS-SRTP {Role} handshake failed: {Reason}", Role, reason);
            throw new DtlsHandshakeException(failure, $"DTLS handshake failed: {reason}", e);
        }
        finally
        {
            if (Volatile.Read(ref disposed) != 0)
            {
                state.Dispose();
            }
        }
    }

    private (DtlsFailure, string) Classify(Exception e, CancellationToken timeout, CancellationToken caller)
    {
        if (state.Failed is { } failed)
        {
            return failed;
        }

        if (timeout.IsCancellationRequested)
        {
            return (DtlsFailure.Timeout, $"no handshake within {options.HandshakeTimeout.TotalSeconds:0.#} s");
        }

        if (caller.IsCancellationRequested || Volatile.Read(ref disposed) != 0)
        {
            return (DtlsFailure.Closed, "the leg was closed during the handshake");
        }

        return (DtlsFailure.ProtocolError, e is TlsFatalAlert alert
            ? $"{AlertDescription.GetText(alert.AlertDescription)}: {alert.Message}"
            : e.Message);
    }

    private void SchedulePump()
    {
        if (Interlocked.CompareExchange(ref pumping, 1, 0) == 0)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static self => self.Pump(), this, preferLocal: false);
        }
    }

    /// <summary>Feeds late datagrams to DTLS: it answers a retransmitted flight, and notices close_notify or a fatal alert.</summary>
    private void Pump()
    {
        byte[] scratch = new byte[1500];
        while (true)
        {
            while (transport.Pending > 0 && !transport.IsClosed)
            {
                try
                {
                    lock (dtlsGate)
                    {
                        // Application data is not used by WebRTC audio; whatever comes back is discarded.
                        dtls?.Receive(scratch, 0, scratch.Length, 1);
                    }
                }
                catch (Exception e) when (e is IOException or TlsException or OperationCanceledException or InvalidOperationException)
                {
                    string reason = state.Failed?.Reason
                        ?? (transport.IsClosed ? "the peer closed the DTLS association" : $"DTLS failed after the handshake: {e.Message}");
                    logger.LogInformation("DTLS-SRTP association ended: {Reason}", reason);
                    transport.Close();
                    closed.TrySetResult(reason);
                    break;
                }
            }

            if (transport.IsClosed)
            {
                closed.TrySetResult(state.Failed?.Reason ?? "the peer closed the DTLS association");
            }

            Volatile.Write(ref pumping, 0);
            if (transport.Pending == 0 || transport.IsClosed || Interlocked.CompareExchange(ref pumping, 1, 0) != 0)
            {
                return;
            }
        }
    }
}
