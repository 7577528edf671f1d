using System.Net;
using System.Net.Sockets;
using BenchmarkDotNet.Attributes;
using ContactCenter.Media.Codecs;
using ContactCenter.Media.Mixing;
using ContactCenter.Media.Rtp;
using ContactCenter.Media.Sessions;
using Microsoft.Extensions.Logging.Abstractions;

namespace ContactCenter.Media.Benchmarks;

/// <summary>
/// 20 ms of a call, in process, per operation (issue 18): every party's packet through its leg's whole receive path (parse,
/// latch, statistics, the bridge) to the <c>sendto</c>s on the other legs' sockets (to a loopback socket nobody reads), plus,
/// for a monitored call, the mixer's 20 ms tick (decode, sum, saturate, encode, send per mixed listener). Baseline: a plain
/// bridged call (one packet each way). Listen: the caller and the agent are still relayed, the supervisor hears a mix;
/// whisper: the agent's stream is mixed too; barge: all three. Only the epoll wake-up and the <c>recvfrom</c> are left out.
/// </summary>
[MemoryDiagnoser]
public class MixingBenchmarks
{
    private const int Batch = 1024;

    private readonly byte[] receive = new byte[2048];
    private readonly byte[][] packets = new byte[Batch][];
    private readonly Socket sink = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    private MediaEngine engine = null!;
    private SocketAddress from = null!;
    private (MediaSession Caller, MediaSession Agent) plain;
    private Call listen = null!;
    private Call whisper = null!;
    private Call barge = null!;

    private sealed record Call(MediaSession Caller, MediaSession Agent, MediaSession Supervisor, BridgeMixer Mixer);

    [GlobalSetup]
    public void Setup()
    {
        sink.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        sink.ReceiveBufferSize = 4096; // nobody reads it: the kernel drops what does not fit
        var far = (IPEndPoint)sink.LocalEndPoint!;
        from = far.Serialize();
        engine = new MediaEngine(
            new MediaOptions { BindAddress = "127.0.0.1", PortRangeStart = 47000, PortRangeEnd = 47999, MediaTimeout = TimeSpan.Zero },
            TimeProvider.System,
            NullLoggerFactory.Instance,
            runClock: false,
            useEpoll: false);
        RemoteMedia media = new() { RtpEndPoint = far, Codec = AudioCodec.Pcmu, TelephoneEventPayloadType = 101 };
        plain = (Open("a", media), Open("b", media));
        engine.Bridge(plain.Caller, plain.Agent);
        listen = Monitored("listen", media, (c, a, s) => new MixMatrix().HearEachOther(c, a).Hear(s, c).Hear(s, a));
        whisper = Monitored("whisper", media, (c, a, s) => new MixMatrix().HearEachOther(c, a).Hear(s, c).Hear(s, a).Hear(a, s));
        barge = Monitored("barge", media, (c, a, s) => new MixMatrix().HearEachOther(c, a).HearEachOther(c, s).HearEachOther(a, s));
        short[] tone = new short[160];
        for (int n = 0; n < tone.Length; n++)
        {
            tone[n] = (short)(6000 * Math.Sin(2 * Math.PI * 440 * n / 8000.0));
        }

        for (int i = 0; i < Batch; i++)
        {
            packets[i] = new byte[172];
            new RtpHeader { PayloadType = 0, SequenceNumber = (ushort)i, Timestamp = (uint)(i * 160), Ssrc = 0x1234 }.WriteTo(packets[i]);
            G711.Encode(AudioCodec.Pcmu, tone, packets[i].AsSpan(12));
        }
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        await engine.DisposeAsync();
        sink.Dispose();
    }

    /// <summary>A plain bridged call: the caller's packet and the agent's, each relayed to the other.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Batch)]
    public void PlainCall()
    {
        for (int i = 0; i < Batch; i++)
        {
            In(plain.Caller, i);
            In(plain.Agent, i);
        }
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    public void ListenCall() => Run(listen);

    [Benchmark(OperationsPerInvoke = Batch)]
    public void WhisperCall() => Run(whisper);

    [Benchmark(OperationsPerInvoke = Batch)]
    public void BargeCall() => Run(barge);

    private void Run(Call call)
    {
        long now = TimeProvider.System.GetTimestamp();
        for (int i = 0; i < Batch; i++)
        {
            In(call.Caller, i);
            In(call.Agent, i);
            In(call.Supervisor, i);
            call.Mixer.OnTick(now);
        }
    }

    private void In(MediaSession leg, int i)
    {
        packets[i].CopyTo(receive, 0);
        leg.OnRtp(receive.AsSpan(0, 172), from);
    }

    private Call Monitored(string name, RemoteMedia media, Func<MediaSession, MediaSession, MediaSession, MixMatrix> matrix)
    {
        MediaSession caller = Open(name + "-a", media), agent = Open(name + "-b", media), supervisor = Open(name + "-s", media);
        var bridge = (MediaBridge)engine.Bridge(caller, agent);
        bridge.Join(supervisor, matrix(caller, agent, supervisor));
        return new Call(caller, agent, supervisor, bridge.Mixer!);
    }

    private MediaSession Open(string id, RemoteMedia media)
    {
        var session = (MediaSession)engine.CreateSession(id);
        session.Configure(media);
        return session;
    }
}
