using System.Net;
using System.Net.Sockets;
using BenchmarkDotNet.Attributes;
using ContactCenter.Media.Codecs;
using ContactCenter.Media.Rtp;
using ContactCenter.Media.Sessions;
using ContactCenter.Media.Srtp;
using Microsoft.Extensions.Logging.Abstractions;

namespace ContactCenter.Media.Benchmarks;

/// <summary>
/// One relayed packet through two bridged legs, in process, per operation: the receiving leg's whole path from the
/// datagram in its buffer (the secure stage when it has one, parse, latch, statistics, the bridge, the other leg's header
/// rewrite, SRTP protect when that leg has it) to the <c>sendto</c> on the other leg's socket (to a loopback socket nobody
/// reads). Only the epoll wake-up and the <c>recvfrom</c> are left out, the same for all three. Baseline: plain ⇄ plain.
/// A call between a browser leg and a G.711 leg relays one packet each way: one <see cref="SrtpToPlain"/> and one
/// <see cref="PlainToSrtp"/>. The browser's packets must each be new (the replay check), so <see cref="SrtpToPlain"/>
/// protects each one as the browser would before handing it in; <see cref="BrowserProtect"/> is that part alone, and the
/// engine's cost for an SRTP packet in is the difference.
/// </summary>
[MemoryDiagnoser]
public class SecureRelayBenchmarks
{
    private const int Batch = 4096;

    private readonly byte[] receive = new byte[2048];
    private readonly byte[][] plainPackets = new byte[Batch][];
    private readonly byte[] scratch = new byte[2048];
    private readonly Socket sink = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    private MediaEngine engine = null!;
    private MediaSession plainA = null!;
    private MediaSession plainB = null!;
    private MediaSession secure = null!;
    private MediaSession plainC = null!;
    private MediaSession plainD = null!;
    private SrtpContext browser = null!;
    private SrtpContext harness = null!;
    private SocketAddress from = null!;
    private ushort browserSequence;

    /// <summary>The crypto suite (the SDES name).</summary>
    [Params("AEAD_AES_128_GCM", "AES_CM_128_HMAC_SHA1_80")]
    public string Suite { get; set; } = "";

    [GlobalSetup]
    public void Setup()
    {
        sink.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        sink.ReceiveBufferSize = 4096; // nobody reads it: the kernel drops what does not fit, as a far phone's buffer would not
        var far = (IPEndPoint)sink.LocalEndPoint!;
        from = far.Serialize();
        engine = new MediaEngine(
            new MediaOptions { BindAddress = "127.0.0.1", PortRangeStart = 46000, PortRangeEnd = 46999, MediaTimeout = TimeSpan.Zero },
            TimeProvider.System,
            NullLoggerFactory.Instance,
            runClock: false,
            useEpoll: false);
        RemoteMedia plain = new() { RtpEndPoint = far, Codec = AudioCodec.Pcmu, TelephoneEventPayloadType = 101 };
        var keying = new SdesSrtpKeying { CryptoSuite = Suite, LocalKey = SdesSrtpKeying.GenerateKey(Suite), RemoteKey = SdesSrtpKeying.GenerateKey(Suite) };
        plainA = Open("a", plain);
        plainB = Open("b", plain);
        secure = Open("browser", plain with { RtcpMux = true, Srtp = keying });
        plainC = Open("c", plain);
        plainD = Open("d", plain);
        engine.Bridge(plainA, plainB);
        engine.Bridge(secure, plainC);
        byte[] remoteKey = Convert.FromBase64String(keying.RemoteKey);
        SrtpProfile profile = SrtpProfiles.FromSdesName(Suite)!.Value;
        browser = SrtpContext.Create(profile, remoteKey.AsSpan(0, profile.KeyLength()), remoteKey.AsSpan(profile.KeyLength()));
        harness = SrtpContext.Create(profile, remoteKey.AsSpan(0, profile.KeyLength()), remoteKey.AsSpan(profile.KeyLength()));
        for (int i = 0; i < Batch; i++)
        {
            plainPackets[i] = new byte[172];
            new RtpHeader { PayloadType = 0, SequenceNumber = (ushort)i, Timestamp = (uint)(i * 160), Ssrc = 0x1234 }.WriteTo(plainPackets[i]);
            plainPackets[i].AsSpan(12).Fill(0xFF);
        }

        engine.Bridge(plainD, OpenSecureSender(keying));
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        await engine.DisposeAsync();
        browser.Dispose();
        harness.Dispose();
        sink.Dispose();
    }

    /// <summary>Plain RTP in on one leg, plain RTP out on the other (the relay as it is for SIP phones and trunks).</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Batch)]
    public void PlainToPlain()
    {
        for (int i = 0; i < Batch; i++)
        {
            plainPackets[i].CopyTo(receive, 0);
            plainA.OnRtp(receive.AsSpan(0, 172), from);
        }
    }

    /// <summary>
    /// The browser protecting its next packet into the receive buffer (the harness's part of <see cref="SrtpToPlain"/>,
    /// with its own context and sequence, so it does not disturb the leg's).
    /// </summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public int BrowserProtect()
    {
        int length = 0;
        for (int i = 0; i < Batch; i++)
        {
            length += NextBrowserPacket(scratch);
        }

        return length;
    }

    /// <summary>
    /// The browser's next packet (protected here, see <see cref="BrowserProtect"/>), then SRTP in on the browser leg
    /// (authenticated, decrypted, replay-checked) and plain RTP out on the G.711 leg.
    /// </summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public void SrtpToPlain()
    {
        SecureTransport stage = secure.Secure!;
        for (int i = 0; i < Batch; i++)
        {
            int length = NextBrowserPacket(receive);
            stage.OnDatagram(receive.AsSpan(0, length), from, secure);
        }
    }

    /// <summary>Plain RTP in on the G.711 leg, SRTP out on the browser leg (protected in place).</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public void PlainToSrtp()
    {
        for (int i = 0; i < Batch; i++)
        {
            plainPackets[i].CopyTo(receive, 0);
            plainD.OnRtp(receive.AsSpan(0, 172), from);
        }
    }

    private int NextBrowserPacket(byte[] into)
    {
        ushort sequence = browserSequence++;
        plainPackets[sequence % Batch].CopyTo(into, 0);
        new RtpHeader { PayloadType = 0, SequenceNumber = sequence, Timestamp = (uint)(sequence * 160), Ssrc = into == scratch ? 0x5C5Cu : 0xB0B0u }.WriteTo(into);
        return (into == scratch ? harness : browser).ProtectRtp(into, 172);
    }

    private MediaSession Open(string id, RemoteMedia media)
    {
        var session = (MediaSession)engine.CreateSession(id);
        session.Configure(media);
        return session;
    }

    private MediaSession OpenSecureSender(SdesSrtpKeying keying) =>
        Open("browser-out", new RemoteMedia { RtpEndPoint = (IPEndPoint)sink.LocalEndPoint!, Codec = AudioCodec.Pcmu, TelephoneEventPayloadType = 101, RtcpMux = true, Srtp = keying });
}
