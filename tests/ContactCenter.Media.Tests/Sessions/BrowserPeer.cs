using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using ContactCenter.Media.Codecs;
using ContactCenter.Media.Codecs.Opus;
using ContactCenter.Media.Dtls;
using ContactCenter.Media.Ice;
using ContactCenter.Media.Rtp;
using ContactCenter.Media.Sessions;
using ContactCenter.Media.Srtp;
using ContactCenter.Media.Tests.Ice;
using Microsoft.Extensions.Logging.Abstractions;

namespace ContactCenter.Media.Tests.Sessions;

/// <summary>
/// A browser's media side, built from the merged pieces, on a real loopback UDP socket: an ICE full agent that sends
/// connectivity checks (USE-CANDIDATE, ICE-CONTROLLING), a DTLS client (or server) for DTLS-SRTP, or given SDES keys, and
/// SRTP both ways, everything on one port demultiplexed by first byte (RFC 7983). What arrives is decrypted and kept.
/// </summary>
internal sealed class BrowserPeer : IAsyncDisposable, IDatagramSender
{
    public const string Ufrag = "BrWs";

    private readonly Socket socket = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    private readonly Thread receiver;
    private readonly CancellationTokenSource stop = new();
    private readonly Lock sendLock = new();
    private readonly byte[] sendBuffer = new byte[2048];
    private volatile SrtpContext? inbound;
    private SrtpContext? outbound;
    private ushort sequence = 7000;
    private uint timestamp = 90_000;

    public BrowserPeer(DtlsCertificate? certificate = null, DtlsRole role = DtlsRole.Client, TimeProvider? time = null)
    {
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        socket.ReceiveBufferSize = 1 << 20;
        socket.ReceiveTimeout = 100;
        Certificate = certificate ?? DtlsCertificate.Generate(TimeProvider.System);
        Dtls = new DtlsSrtpTransport(Certificate, role, new DtlsSrtpOptions(), this, time ?? TimeProvider.System, NullLogger.Instance);
        receiver = new Thread(Receive) { IsBackground = true, Name = "browser-peer" };
        receiver.Start();
    }

    public DtlsCertificate Certificate { get; }

    public DtlsSrtpTransport Dtls { get; }

    public IPEndPoint EndPoint => (IPEndPoint)socket.LocalEndPoint!;

    /// <summary>The leg's port.</summary>
    public IPEndPoint? Remote { get; set; }

    public uint Ssrc { get; } = 0xB0B0_0001;

    /// <summary>Decrypted RTP from the leg.</summary>
    public ConcurrentQueue<RtpPeer.Received> Packets { get; } = new();

    /// <summary>Decrypted RTCP compound packets from the leg.</summary>
    public ConcurrentQueue<byte[]> Rtcp { get; } = new();

    /// <summary>STUN responses received (their types).</summary>
    public ConcurrentQueue<ushort> StunResponses { get; } = new();

    public int Refused;

    /// <summary>Sends one connectivity check to the leg with its credentials, as a controlling full agent.</summary>
    public void SendCheck(IceParameters leg, bool useCandidate = true)
    {
        byte[] check = IceLiteResponderTests.Check($"{leg.UsernameFragment}:{Ufrag}", leg.Password, useCandidate);
        socket.SendTo(check, Remote!);
    }

    /// <summary>Runs the DTLS handshake and keys SRTP with what it yields.</summary>
    public async Task<DtlsSrtpKeys> HandshakeAsync(DtlsFingerprint legFingerprint, TimeSpan patience)
    {
        Dtls.SetRemoteFingerprint(legFingerprint);
        DtlsSrtpKeys keys = await Dtls.HandshakeAsync().WaitAsync(patience);
        UseKeys(keys.CreateInbound(), keys.CreateOutbound());
        return keys;
    }

    public void UseKeys(SrtpContext receiving, SrtpContext sending)
    {
        lock (sendLock)
        {
            outbound = sending;
        }

        inbound = receiving;
    }

    /// <summary>Sends G.711 audio as SRTP (20 ms a packet).</summary>
    public void SendAudio(AudioCodec codec, ReadOnlySpan<short> samples, bool marker = false)
    {
        byte[] payload = new byte[samples.Length];
        G711.Encode(codec, samples, payload);
        SendRtp((byte)codec, payload, marker, (uint)samples.Length);
    }

    /// <summary>Sends one Opus packet as SRTP (48 kHz clock: 960 per 20 ms).</summary>
    public void SendOpus(byte payloadType, ReadOnlySpan<byte> opus, bool marker = false) => SendRtp(payloadType, opus, marker, OpusFormat.TimestampIncrement);

    public void SendRtp(byte payloadType, ReadOnlySpan<byte> payload, bool marker, uint advance)
    {
        lock (sendLock)
        {
            new RtpHeader { Marker = marker, PayloadType = payloadType, SequenceNumber = sequence++, Timestamp = timestamp, Ssrc = Ssrc }.WriteTo(sendBuffer);
            payload.CopyTo(sendBuffer.AsSpan(12));
            int length = outbound!.ProtectRtp(sendBuffer, 12 + payload.Length);
            timestamp += advance;
            socket.SendTo(sendBuffer.AsSpan(0, length), SocketFlags.None, Remote!);
        }
    }

    /// <summary>Sends a datagram as it is (a forged packet, plain RTP).</summary>
    public void SendRaw(byte[] datagram) => socket.SendTo(datagram, Remote!);

    /// <summary>DTLS out, to the leg.</summary>
    public void Send(ReadOnlySpan<byte> datagram)
    {
        if (Remote is { } remote)
        {
            socket.SendTo(datagram, SocketFlags.None, remote);
        }
    }

    public async Task<List<RtpPeer.Received>> WaitForAsync(Func<List<RtpPeer.Received>, bool> done, TimeSpan timeout)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (watch.Elapsed < timeout)
        {
            var snapshot = Packets.ToList();
            if (done(snapshot))
            {
                return snapshot;
            }

            await Task.Delay(10);
        }

        return Packets.ToList();
    }

    public static async Task<bool> UntilAsync(Func<bool> condition, TimeSpan timeout)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            if (watch.Elapsed > timeout)
            {
                return false;
            }

            await Task.Delay(10);
        }

        return true;
    }

    /// <summary>A fresh SDES key pair (ours and the leg's) for <paramref name="suite"/>, and the contexts this peer uses with them.</summary>
    public static (SdesSrtpKeying Leg, SrtpContext PeerInbound, SrtpContext PeerOutbound) SdesKeys(string suite = "AES_CM_128_HMAC_SHA1_80")
    {
        string legKey = SdesSrtpKeying.GenerateKey(suite);
        string peerKey = SdesSrtpKeying.GenerateKey(suite);
        var keying = new SdesSrtpKeying { CryptoSuite = suite, LocalKey = legKey, RemoteKey = peerKey };
        SrtpProfile profile = SrtpProfiles.FromSdesName(suite)!.Value;
        return (keying, Context(profile, legKey), Context(profile, peerKey));
    }

    public async ValueTask DisposeAsync()
    {
        Dtls.Dispose();
        await stop.CancelAsync();
        receiver.Join(TimeSpan.FromSeconds(2));
        socket.Dispose();
        inbound?.Dispose();
        outbound?.Dispose();
        stop.Dispose();
    }

    private static SrtpContext Context(SrtpProfile profile, string key)
    {
        byte[] material = Convert.FromBase64String(key);
        return SrtpContext.Create(profile, material.AsSpan(0, profile.KeyLength()), material.AsSpan(profile.KeyLength()));
    }

    private void Receive()
    {
        byte[] buffer = new byte[2048];
        EndPoint any = new IPEndPoint(IPAddress.Any, 0);
        while (!stop.IsCancellationRequested)
        {
            int length;
            try
            {
                length = socket.ReceiveFrom(buffer, ref any);
            }
            catch (SocketException)
            {
                continue; // the receive timeout, to look at stop
            }
            catch (ObjectDisposedException)
            {
                return;
            }

            long at = System.Diagnostics.Stopwatch.GetTimestamp();
            Span<byte> datagram = buffer.AsSpan(0, length);
            switch (PacketDemultiplexer.Classify(datagram))
            {
                case PacketKind.Stun:
                    StunResponses.Enqueue(BinaryPrimitives.ReadUInt16BigEndian(datagram));
                    break;
                case PacketKind.Dtls:
                    Dtls.Receive(datagram);
                    break;
                case PacketKind.Rtp when inbound is { } context:
                    if (context.UnprotectRtp(buffer, length, out int plain) == SrtpStatus.Ok && RtpHeader.TryParse(buffer.AsSpan(0, plain), out RtpHeader header))
                    {
                        Packets.Enqueue(new RtpPeer.Received(at, header, buffer.AsSpan(header.HeaderLength, header.PayloadLength).ToArray()));
                    }
                    else
                    {
                        Interlocked.Increment(ref Refused);
                    }

                    break;
                case PacketKind.Rtcp when inbound is { } context:
                    if (context.UnprotectRtcp(buffer, length, out int plainRtcp) == SrtpStatus.Ok)
                    {
                        Rtcp.Enqueue(buffer.AsSpan(0, plainRtcp).ToArray());
                    }
                    else
                    {
                        Interlocked.Increment(ref Refused);
                    }

                    break;
                default:
                    break;
            }
        }
    }

    /// <summary>Random bytes in RTP's first-byte range (for a forged packet).</summary>
    public static byte[] Forged(int length)
    {
        byte[] data = RandomNumberGenerator.GetBytes(length);
        data[0] = 0x80;
        data[1] = 0;
        return data;
    }
}
