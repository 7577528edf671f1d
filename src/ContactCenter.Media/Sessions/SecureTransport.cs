using System.Net;
using System.Net.Sockets;
using ContactCenter.Media.Dtls;
using ContactCenter.Media.Ice;
using ContactCenter.Media.Rtp;
using ContactCenter.Media.Srtp;
using Microsoft.Extensions.Logging;

namespace ContactCenter.Media.Sessions;

/// <summary>
/// A leg's secure transport stage, between its socket (<see cref="LegTransport"/>) and its RTP processing. On receive,
/// a datagram is told apart by its first byte (RFC 7983): STUN goes to the ICE-lite responder (answered from the same
/// socket; the checks latch where media goes and keep consent fresh), DTLS records to the DTLS-SRTP handshake, SRTP and
/// SRTCP (rtcp-mux: on the same port) are authenticated and decrypted in place and handed on as plain RTP and RTCP. On
/// send, RTP and RTCP are protected in place. The SRTP keys come from the DTLS handshake or are given (SDES): the SRTP
/// stage does not depend on DTLS, nor on ICE. A failure (handshake failed or timed out, wrong fingerprint, the peer
/// closing DTLS, ICE consent lost) is reported once, and from then on nothing passes either way.
/// <para>
/// Threads: receiving is the leg's receive thread (one at a time); RTP is protected under the leg's send lock and RTCP
/// under the reports' send lock, so each SRTP half is used by one thread at a time; the DTLS handshake runs on a thread of
/// its own and publishes the keys when done. Nothing is allocated per SRTP packet.
/// </para>
/// </summary>
internal sealed class SecureTransport : IDatagramSender, IDisposable
{
    private const int MaxEarlyDtlsRecords = 16;

    private readonly string id;
    private readonly LegTransport transport;
    private readonly MediaEngine engine;
    private readonly TimeProvider time;
    private readonly ILogger logger;
    private readonly Action<MediaFailure, string> failed;
    private readonly Action? firstRtp;
    private readonly IceLiteResponder? ice;
    private readonly byte[] stunResponse = new byte[IceLiteResponder.MaxResponseLength];
    private readonly Queue<byte[]> earlyDtls = new();
    private readonly byte[] rtpRetry = new byte[LegTransport.ReceiveBufferSize];
    private readonly byte[] rtcpRetry = new byte[LegTransport.ReceiveBufferSize];
    private readonly Lock keyingGate = new();
    private SrtpKeying? keying;
    private DtlsSrtpTransport? dtls;
    private SrtpKeys? keys;
    private long configuredAt;
    private int handshakeStarted;
    private bool iceLatched;
    private int failure;
    private int disposed;
    private bool rtpDecrypted;
    private long srtpRejected;
    private long stunAnswered;

    /// <param name="firstRtp">Called once, on the receive thread, when the first SRTP packet from the peer was authenticated and decrypted.</param>
    public SecureTransport(string id, LegTransport transport, MediaEngine engine, bool iceLite, ILogger logger, Action<MediaFailure, string> failed, Action? firstRtp = null)
    {
        this.firstRtp = firstRtp;
        this.id = id;
        this.transport = transport;
        this.engine = engine;
        time = engine.Time;
        this.logger = logger;
        this.failed = failed;
        if (iceLite)
        {
            ice = new IceLiteResponder(IceCredentials.Generate(), time);
        }
    }

    /// <summary>Our ICE credentials, or null on a leg without ICE.</summary>
    public IceCredentials? LocalIce => ice?.Local;

    /// <summary>Whether SRTP keys are in place (media can flow).</summary>
    public bool IsKeyed => Volatile.Read(ref keys) is not null;

    /// <summary>Whether the leg's media has failed for good.</summary>
    public bool HasFailed => Volatile.Read(ref failure) != 0;

    /// <summary>SRTP/SRTCP packets refused (forged, replayed, before the keys, or after a failure).</summary>
    public long SrtpRejected => Interlocked.Read(ref srtpRejected);

    /// <summary>STUN connectivity checks answered.</summary>
    public long StunAnswered => Interlocked.Read(ref stunAnswered);

    /// <summary>Why <paramref name="remote"/> cannot be applied to this leg now, or null when it can (checked before anything changes).</summary>
    public string? CheckChange(RemoteMedia remote)
    {
        if (ice is not null && !remote.RtcpMux)
        {
            return "an ICE leg needs rtcp-mux (RemoteMedia.RtcpMux): RTP and RTCP share its one port.";
        }

        SrtpKeying? current = Volatile.Read(ref keying);
        if (current is null || Equals(current, remote.Srtp) || (current is SdesSrtpKeying && remote.Srtp is SdesSrtpKeying))
        {
            return null;
        }

        return remote.Srtp is null
            ? "SRTP cannot be turned off on a leg that uses it."
            : "a leg's DTLS-SRTP association cannot be replaced in a new offer/answer.";
    }

    /// <summary>Applies an offer/answer (after <see cref="CheckChange"/>): the peer's ufrag, and the SRTP keying when it is new.</summary>
    public void Configure(RemoteMedia remote)
    {
        if (remote.IceUsernameFragment is { } ufrag && ice is not null && ice.RemoteUsernameFragment != ufrag)
        {
            ice.SetRemoteUsernameFragment(ufrag);
        }

        if (Volatile.Read(ref configuredAt) == 0)
        {
            Volatile.Write(ref configuredAt, Math.Max(time.GetTimestamp(), 1));
        }

        lock (keyingGate)
        {
            if (Equals(keying, remote.Srtp) || Volatile.Read(ref disposed) != 0)
            {
                return;
            }

            switch (remote.Srtp)
            {
                case SdesSrtpKeying sdes:
                    // New keys (first, or a re-key in a new offer/answer): the previous contexts are kept until the leg closes,
                    // since another thread may be in the middle of a packet with them.
                    Volatile.Write(ref keys, new SrtpKeys(sdes.CreateInbound(), sdes.CreateOutbound(), Volatile.Read(ref keys)));
                    break;
                case DtlsSrtpKeying dtlsKeying:
                    StartDtls(dtlsKeying);
                    break;
                default:
                    break;
            }

            Volatile.Write(ref keying, remote.Srtp);
        }
    }

    /// <summary>A datagram on the leg's port (RTP socket): demultiplexed and handled; plain RTP/RTCP goes to <paramref name="next"/>.</summary>
    public void OnDatagram(Span<byte> datagram, SocketAddress from, ILegPacketHandler next)
    {
        if (Volatile.Read(ref failure) != 0 || Volatile.Read(ref disposed) != 0)
        {
            return;
        }

        switch (PacketDemultiplexer.Classify(datagram))
        {
            case PacketKind.Rtp:
                if (Unprotect(datagram, rtcp: false, out int rtpLength))
                {
                    if (!rtpDecrypted && Volatile.Read(ref keying) is not null)
                    {
                        rtpDecrypted = true; // the receive thread is the only one here
                        firstRtp?.Invoke();
                    }

                    next.OnRtp(datagram[..rtpLength], from);
                }

                break;
            case PacketKind.Rtcp:
                if (Unprotect(datagram, rtcp: true, out int rtcpLength))
                {
                    next.OnRtcp(datagram[..rtcpLength], from);
                }

                break;
            case PacketKind.Stun:
                OnStun(datagram, from);
                break;
            case PacketKind.Dtls:
                OnDtls(datagram);
                break;
            default:
                break;
        }
    }

    /// <summary>A datagram on the leg's RTCP socket (no rtcp-mux): SRTCP, handed on as RTCP.</summary>
    public void OnRtcpSocketDatagram(Span<byte> datagram, SocketAddress from, ILegPacketHandler next)
    {
        if (Volatile.Read(ref failure) == 0 && Unprotect(datagram, rtcp: true, out int length))
        {
            next.OnRtcp(datagram[..length], from);
        }
    }

    /// <summary>Protects the RTP packet in place (under the leg's send lock); the SRTP length, or -1 to send nothing.</summary>
    public int ProtectRtp(Span<byte> buffer, int length)
    {
        if (Volatile.Read(ref failure) != 0)
        {
            return -1;
        }

        if (Volatile.Read(ref keying) is null)
        {
            return length; // ICE or rtcp-mux without SRTP
        }

        try
        {
            return Volatile.Read(ref keys) is { } current ? current.Outbound.ProtectRtp(buffer, length) : -1;
        }
        catch (ObjectDisposedException)
        {
            return -1; // the leg is closing
        }
    }

    /// <summary>Protects the RTCP compound packet in place (under the reports' send lock); the SRTCP length, or -1.</summary>
    public int ProtectRtcp(Span<byte> buffer, int length)
    {
        if (Volatile.Read(ref failure) != 0)
        {
            return -1;
        }

        if (Volatile.Read(ref keying) is null)
        {
            return length;
        }

        try
        {
            return Volatile.Read(ref keys) is { } current ? current.Outbound.ProtectRtcp(buffer, length) : -1;
        }
        catch (ObjectDisposedException)
        {
            return -1;
        }
    }

    /// <summary>
    /// The engine's housekeeping: ICE consent (RFC 7675) and the time allowed to get keys, both counted from the first
    /// offer/answer; a lapse fails the leg.
    /// </summary>
    public void CheckHealth(long now)
    {
        long configured = Volatile.Read(ref configuredAt);
        if (configured == 0 || Volatile.Read(ref failure) != 0 || Volatile.Read(ref disposed) != 0)
        {
            return;
        }

        MediaOptions options = engine.Options;
        if (ice is not null)
        {
            TimeSpan limit = options.IceConsentTimeout;
            if (ice.HasConsent)
            {
                TimeSpan since = ice.TimeSinceConsent;
                if (since > limit)
                {
                    Fail(MediaFailure.ConsentExpired, $"ICE consent expired: no connectivity check from the peer for {since.TotalSeconds:0} s (Media:IceConsentTimeout {limit.TotalSeconds:0} s).");
                    return;
                }
            }
            else if (time.GetElapsedTime(configured, now) > limit)
            {
                Fail(MediaFailure.ConsentExpired, $"No ICE connectivity check from the peer within {limit.TotalSeconds:0} s of the offer/answer (Media:IceConsentTimeout).");
                return;
            }
        }

        if (Volatile.Read(ref keying) is DtlsSrtpKeying && Volatile.Read(ref handshakeStarted) == 0
            && time.GetElapsedTime(configured, now) > options.DtlsHandshakeTimeout)
        {
            Fail(MediaFailure.DtlsTimeout, $"No DTLS handshake within {options.DtlsHandshakeTimeout.TotalSeconds:0.#} s: nowhere to send it (no ICE check came).");
        }
    }

    /// <summary>What DTLS sends goes to where media goes (the nominated ICE pair, or the peer's address).</summary>
    public void Send(ReadOnlySpan<byte> datagram) => transport.SendRaw(datagram);

    /// <summary>Closes DTLS (close_notify) and the SRTP contexts; nothing is reported any more.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }

        lock (keyingGate)
        {
            dtls?.Dispose();
            Interlocked.Exchange(ref keys, null)?.Dispose();
            ice?.Dispose();
            earlyDtls.Clear();
        }
    }

    private bool Unprotect(Span<byte> datagram, bool rtcp, out int length)
    {
        length = datagram.Length;
        if (Volatile.Read(ref keying) is null)
        {
            return true; // ICE or rtcp-mux without SRTP
        }

        if (Volatile.Read(ref keys) is not { } current)
        {
            Interlocked.Increment(ref srtpRejected);
            return false; // keys not there yet
        }

        // After an SDES re-key, the peer's packets under its previous key may still be on their way: kept aside, since a
        // failed AES-GCM decryption clears the buffer.
        SrtpKeys? older = current.Previous;
        byte[] retryBuffer = rtcp ? rtcpRetry : rtpRetry;
        if (older is not null && datagram.Length <= retryBuffer.Length)
        {
            datagram.CopyTo(retryBuffer);
        }

        SrtpStatus status;
        try
        {
            status = rtcp ? current.Inbound.UnprotectRtcp(datagram, datagram.Length, out length) : current.Inbound.UnprotectRtp(datagram, datagram.Length, out length);
        }
        catch (ObjectDisposedException)
        {
            return false;
        }

        if (status == SrtpStatus.Ok)
        {
            return true;
        }

        if (older is not null && datagram.Length <= retryBuffer.Length)
        {
            retryBuffer.AsSpan(0, datagram.Length).CopyTo(datagram);
            try
            {
                status = rtcp ? older.Inbound.UnprotectRtcp(datagram, datagram.Length, out length) : older.Inbound.UnprotectRtp(datagram, datagram.Length, out length);
            }
            catch (ObjectDisposedException)
            {
                return false;
            }

            if (status == SrtpStatus.Ok)
            {
                return true;
            }
        }

        if (Interlocked.Increment(ref srtpRejected) <= 3 && logger.IsEnabled(LogLevel.Debug))
        {
            logger.LogDebug("Media session {Id}: {Kind} packet refused: {Status}.", id, rtcp ? "SRTCP" : "SRTP", status);
        }

        return false;
    }

    private void OnStun(Span<byte> datagram, SocketAddress from)
    {
        if (ice is null)
        {
            return;
        }

        var source = (IPEndPoint)new IPEndPoint(IPAddress.Any, 0).Create(from);
        StunResult result;
        try
        {
            result = ice.Handle(datagram, source, stunResponse);
        }
        catch (ObjectDisposedException)
        {
            return; // the leg is closing
        }

        if (result.HasResponse)
        {
            transport.SendRawTo(stunResponse.AsSpan(0, result.ResponseLength), from);
        }

        if (result.Outcome != StunOutcome.Answered)
        {
            if (result.Reason is { } reason && logger.IsEnabled(LogLevel.Debug))
            {
                logger.LogDebug("Media session {Id}: STUN from {Source} not answered as a check: {Reason}.", id, source, reason);
            }

            return;
        }

        Interlocked.Increment(ref stunAnswered);
        // The nominated pair is where media goes; until the peer nominates one, its first valid check is.
        if (result.Nominated || !iceLatched)
        {
            iceLatched = true;
            transport.LatchIce(from);
            if (Volatile.Read(ref dtls) is { Role: DtlsRole.Client })
            {
                StartHandshake();
            }
        }
    }

    private void OnDtls(ReadOnlySpan<byte> datagram)
    {
        if (Volatile.Read(ref dtls) is { } current)
        {
            current.Receive(datagram);
            return;
        }

        lock (keyingGate)
        {
            if (dtls is { } started)
            {
                started.Receive(datagram);
            }
            else if (earlyDtls.Count < MaxEarlyDtlsRecords && Volatile.Read(ref disposed) == 0)
            {
                // The peer's ClientHello can come before its answer does (we offered): kept for the handshake.
                earlyDtls.Enqueue(datagram.ToArray());
            }
        }
    }

    /// <summary>Creates the DTLS transport (under the keying gate) and starts the handshake when it can start.</summary>
    private void StartDtls(DtlsSrtpKeying dtlsKeying)
    {
        DtlsRole role = dtlsKeying.Setup == DtlsSetup.Active ? DtlsRole.Client : DtlsRole.Server;
        var options = new DtlsSrtpOptions { HandshakeTimeout = engine.Options.DtlsHandshakeTimeout };
        var created = new DtlsSrtpTransport(engine.DtlsCertificate, role, options, this, time, logger);
        created.SetRemoteFingerprint(DtlsFingerprint.Parse(dtlsKeying.RemoteFingerprint));
        while (earlyDtls.TryDequeue(out byte[]? early))
        {
            created.Receive(early);
        }

        Volatile.Write(ref dtls, created);
        // A server waits for the ClientHello; a client needs somewhere to send its own (an ICE check, or the SDP's address).
        if (role == DtlsRole.Server || transport.HasRtpTarget)
        {
            StartHandshake();
        }
    }

    private void StartHandshake()
    {
        if (Volatile.Read(ref dtls) is not { } current || Interlocked.Exchange(ref handshakeStarted, 1) != 0)
        {
            return;
        }

        _ = HandshakeAsync(current);
    }

    private async Task HandshakeAsync(DtlsSrtpTransport current)
    {
        DtlsSrtpKeys result;
        try
        {
            result = await current.HandshakeAsync().ConfigureAwait(false);
        }
        catch (DtlsHandshakeException e)
        {
            Fail(e.Failure switch
            {
                DtlsFailure.Timeout => MediaFailure.DtlsTimeout,
                DtlsFailure.FingerprintMismatch or DtlsFailure.NoCertificate => MediaFailure.DtlsFingerprintMismatch,
                DtlsFailure.Closed => MediaFailure.DtlsClosed,
                DtlsFailure.NoSrtpProfile or DtlsFailure.AlertReceived or DtlsFailure.ProtocolError => MediaFailure.DtlsFailed,
            }, e.Message);
            return;
        }
        catch (ObjectDisposedException)
        {
            return; // closed while starting
        }

        var ready = new SrtpKeys(result.CreateInbound(), result.CreateOutbound(), null);
        result.Clear();
        lock (keyingGate)
        {
            if (Volatile.Read(ref disposed) != 0)
            {
                ready.Dispose();
                return;
            }

            Volatile.Write(ref keys, ready);
        }

        logger.LogDebug("Media session {Id}: DTLS-SRTP keys in place ({Profile}).", id, result.Profile);
        string reason = await current.Closed.ConfigureAwait(false);
        Fail(MediaFailure.DtlsClosed, $"DTLS: {reason}.");
    }

    private void Fail(MediaFailure kind, string reason)
    {
        if (Volatile.Read(ref disposed) != 0 || Interlocked.Exchange(ref failure, 1) != 0)
        {
            return;
        }

        logger.LogInformation("Media session {Id}: media failed ({Failure}): {Reason}", id, kind, reason);
        failed(kind, reason);
    }

    /// <summary>The SRTP contexts in use, and those of earlier SDES keys (kept until the leg closes).</summary>
    private sealed class SrtpKeys(SrtpContext inbound, SrtpContext outbound, SrtpKeys? previous) : IDisposable
    {
        public SrtpContext Inbound { get; } = inbound;

        public SrtpContext Outbound { get; } = outbound;

        public SrtpKeys? Previous { get; } = previous;

        public void Dispose()
        {
            Inbound.Dispose();
            Outbound.Dispose();
            Previous?.Dispose();
        }
    }
}
