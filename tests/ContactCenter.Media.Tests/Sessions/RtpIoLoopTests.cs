using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using ContactCenter.Media.Codecs;
using ContactCenter.Media.Sessions;
using Microsoft.Extensions.Logging.Abstractions;

namespace ContactCenter.Media.Tests.Sessions;

[Collection("rtp")]
public class RtpIoLoopTests
{
    private static RtpIoLoop CreateLoop(int threads = 2)
    {
        Assert.True(RtpIoLoop.IsSupported, "these tests run on Linux x64/arm64, where the engine uses epoll");
        return RtpIoLoop.TryCreate(threads, TimeSpan.FromMicroseconds(200), NullLogger.Instance) ?? throw new InvalidOperationException("epoll unavailable");
    }

    private static Socket Bound()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return socket;
    }

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        while (!condition() && watch.Elapsed < timeout)
        {
            await Task.Delay(10);
        }
    }

    [Fact]
    public async Task Every_datagram_reaches_the_receiver_of_its_socket_once_and_in_order()
    {
        using RtpIoLoop loop = CreateLoop();
        using Socket sender = Bound();
        var sockets = new Socket[4];
        var receivers = new Recorder[4];
        var watches = new IDisposable[4];
        for (int i = 0; i < sockets.Length; i++)
        {
            sockets[i] = Bound();
            receivers[i] = new Recorder(sockets[i]);
            watches[i] = loop.Register(sockets[i], receivers[i]);
        }

        for (int n = 0; n < 50; n++)
        {
            for (int i = 0; i < sockets.Length; i++)
            {
                sender.SendTo([(byte)i, (byte)n], sockets[i].LocalEndPoint!);
            }
        }

        await WaitUntilAsync(() => receivers.All(r => r.Data.Count >= 50), TimeSpan.FromSeconds(5));
        await Task.Delay(50);
        for (int i = 0; i < sockets.Length; i++)
        {
            byte[][] got = [.. receivers[i].Data];
            Assert.Equal(50, got.Length);
            Assert.All(got, d => Assert.Equal((byte)i, d[0]));
            Assert.Equal(Enumerable.Range(0, 50).Select(n => (byte)n), got.Select(d => d[1]));
            Assert.All(receivers[i].Threads, name => Assert.StartsWith("rtp-io-", name, StringComparison.Ordinal));
            Assert.Equal(((IPEndPoint)sender.LocalEndPoint!).Port, receivers[i].LastFromPort);
            watches[i].Dispose();
            sockets[i].Dispose();
        }

        Assert.Equal(2, loop.ThreadCount);
    }

    [Fact]
    public async Task A_socket_whose_watch_is_disposed_gets_no_more_callbacks()
    {
        using RtpIoLoop loop = CreateLoop();
        using Socket sender = Bound();
        using Socket socket = Bound();
        var recorder = new Recorder(socket);
        IDisposable watch = loop.Register(socket, recorder);
        sender.SendTo([1], socket.LocalEndPoint!);
        await WaitUntilAsync(() => recorder.Data.Count == 1, TimeSpan.FromSeconds(5));
        Assert.Single(recorder.Data);

        watch.Dispose();
        sender.SendTo([2], socket.LocalEndPoint!);
        await Task.Delay(300);

        Assert.Single(recorder.Data);
        Assert.True(socket.Available > 0, "the datagram should still wait in the unwatched socket");
    }

    [Fact]
    public async Task A_reused_slot_serves_only_its_new_socket()
    {
        using RtpIoLoop loop = CreateLoop(threads: 1);
        using Socket sender = Bound();
        using Socket first = Bound();
        using Socket second = Bound();
        var firstRecorder = new Recorder(first);
        var secondRecorder = new Recorder(second);
        loop.Register(first, firstRecorder).Dispose();
        using IDisposable watch = loop.Register(second, secondRecorder);

        sender.SendTo([7], first.LocalEndPoint!);
        sender.SendTo([8], second.LocalEndPoint!);
        await WaitUntilAsync(() => secondRecorder.Data.Count == 1, TimeSpan.FromSeconds(5));
        await Task.Delay(100);

        Assert.Equal([8], Assert.Single(secondRecorder.Data));
        Assert.Empty(firstRecorder.Data);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_bridge_relays_every_packet_both_ways_on_epoll_and_on_the_async_fallback(bool epoll)
    {
        await using MediaEngine engine = TestEngine.Create(useEpoll: epoll);
        Assert.Equal(epoll, engine.IoLoop is not null);
        await using var callerPhone = new RtpPeer();
        await using var agentPhone = new RtpPeer();
        await using IMediaSession caller = engine.CreateSession("caller");
        await using IMediaSession agent = engine.CreateSession("agent");
        caller.Configure(TestEngine.To(callerPhone, AudioCodec.Pcmu));
        agent.Configure(TestEngine.To(agentPhone, AudioCodec.Pcmu));
        await using IMediaBridge bridge = engine.Bridge(caller, agent);

        short[] frame = TestAudio.Sine(700, 20);
        for (int i = 0; i < 100; i++)
        {
            callerPhone.SendAudio(caller.LocalEndPoint, AudioCodec.Pcmu, frame, marker: i == 0);
            agentPhone.SendAudio(agent.LocalEndPoint, AudioCodec.Pcmu, frame, marker: i == 0);
            if (i % 10 == 9)
            {
                await Task.Delay(5);
            }
        }

        var atAgent = await agentPhone.WaitForAsync(p => p.Count >= 100, TimeSpan.FromSeconds(5));
        var atCaller = await callerPhone.WaitForAsync(p => p.Count >= 100, TimeSpan.FromSeconds(5));

        Assert.Equal(100, atAgent.Count);
        Assert.Equal(100, atCaller.Count);
        byte[] expected = new byte[160];
        G711.Encode(AudioCodec.Pcmu, frame, expected);
        Assert.All(atAgent, p => Assert.Equal(expected, p.Payload));
        Assert.All(atAgent, p => Assert.Equal(agent.Ssrc, p.Header.Ssrc));
        Assert.All(atCaller, p => Assert.Equal(caller.Ssrc, p.Header.Ssrc));
    }

    /// <summary>Reads one datagram per callback, as a session does.</summary>
    private sealed class Recorder(Socket socket) : IRtpReceiver
    {
        public ConcurrentQueue<byte[]> Data { get; } = new();

        public ConcurrentBag<string> Threads { get; } = [];

        public int LastFromPort { get; private set; }

        public bool OnReadable(byte[] buffer, SocketAddress from)
        {
            int length = socket.ReceiveFrom(buffer, SocketFlags.None, from);
            LastFromPort = ((IPEndPoint)new IPEndPoint(IPAddress.Any, 0).Create(from)).Port;
            Threads.Add(Thread.CurrentThread.Name ?? "?");
            Data.Enqueue(buffer.AsSpan(0, length).ToArray());
            return false;
        }
    }
}
