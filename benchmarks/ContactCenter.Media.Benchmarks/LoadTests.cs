using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using ContactCenter.Media.Audio;
using ContactCenter.Media.Codecs;
using ContactCenter.Media.Rtp;
using ContactCenter.Media.Sessions;
using Microsoft.Extensions.Logging.Abstractions;

namespace ContactCenter.Media.Benchmarks;

/// <summary>
/// Loopback load measurements that BenchmarkDotNet cannot express: concurrent bridged calls
/// (<c>relay N...</c>), concurrent IVR playbacks (<c>ivr N...</c>) and 60 s prompt pacing
/// (<c>pacing</c>). The traffic generator and receivers run in the same process, so the CPU
/// figures are an upper bound for the engine alone.
/// </summary>
internal static class LoadTests
{
    public static async Task<int> RunAsync(string[] args)
    {
        int[] counts = [.. args.Skip(1).Select(int.Parse)];
        switch (args[0])
        {
            case "relay":
                foreach (int n in counts.DefaultIfEmpty(100))
                {
                    await RelayAsync(n, TimeSpan.FromSeconds(6));
                }

                return 0;
            case "ivr":
                foreach (int n in counts.DefaultIfEmpty(100))
                {
                    await IvrAsync(n, TimeSpan.FromSeconds(6));
                }

                return 0;
            case "pacing":
                await PacingAsync(counts.Length > 0 ? counts[0] : 60);
                return 0;
            default:
                return -1;
        }
    }

    private static MediaEngine CreateEngine() => new(
        new MediaOptions { BindAddress = "127.0.0.1", PortRangeStart = 30000, PortRangeEnd = 39999, MediaTimeout = TimeSpan.Zero },
        TimeProvider.System,
        NullLoggerFactory.Instance);

    private static Socket Phone()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        socket.ReceiveBufferSize = 256 * 1024;
        return socket;
    }

    /// <summary>N caller/agent pairs, PCMU on the caller leg and PCMA on the agent leg (every packet transcoded).</summary>
    private static async Task RelayAsync(int pairs, TimeSpan duration)
    {
        await using MediaEngine engine = CreateEngine();
        int streams = pairs * 2;
        var phones = new Socket[streams];
        var sessions = new IMediaSession[streams];
        var bridges = new IMediaBridge[pairs];
        int ticks = (int)(duration.TotalMilliseconds / 20);
        var sentAt = new long[streams][];
        var received = new long[streams];
        var latencies = new List<double>[streams];
        for (int i = 0; i < streams; i++)
        {
            phones[i] = Phone();
            sessions[i] = engine.CreateSession($"leg{i}");
            sessions[i].Configure(new RemoteMedia { RtpEndPoint = (IPEndPoint)phones[i].LocalEndPoint!, Codec = i % 2 == 0 ? AudioCodec.Pcmu : AudioCodec.Pcma, TelephoneEventPayloadType = 101 });
            sentAt[i] = new long[ticks];
            latencies[i] = new List<double>(ticks);
        }

        for (int p = 0; p < pairs; p++)
        {
            bridges[p] = engine.Bridge(sessions[2 * p], sessions[(2 * p) + 1]);
        }

        using var stop = new CancellationTokenSource();
        // What phone i receives was sent by the other phone of its pair.
        Task[] receivers = [.. Enumerable.Range(0, streams).Select(i => Task.Run(() => ReceiveLoopAsync(phones[i], sentAt[i ^ 1], latencies[i], () => Interlocked.Increment(ref received[i]), stop.Token)))];

        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var wall = Stopwatch.StartNew();
        var sender = new Thread(() => SendLoop(phones, sessions, sentAt, ticks)) { Name = "rtp-driver" };
        sender.Start();
        sender.Join();
        await Task.Delay(500);
        double cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
        double wallSeconds = wall.Elapsed.TotalSeconds;
        await stop.CancelAsync();
        foreach (Socket phone in phones)
        {
            phone.Dispose();
        }

        await Task.WhenAll(receivers);
        long sent = (long)streams * ticks;
        long got = received.Sum();
        double[] all = [.. latencies.SelectMany(l => l).Order()];
        Console.WriteLine(
            $"relay pairs={pairs} packets sent={sent} relayed-and-received={got} loss={100.0 * (sent - got) / sent:F3}% in {wallSeconds:F2} s ({got / wallSeconds:F0} relayed packets/s; nominal {streams * 50} packets/s, {(wallSeconds <= duration.TotalSeconds + 1 ? "generator kept pace" : "GENERATOR FELL BEHIND: offered load below nominal")}) " +
            $"latency mean={(all.Length > 0 ? all.Average() : 0):F3} ms p50={Percentile(all, 0.5):F3} p99={Percentile(all, 0.99):F3} ms " +
            $"cpu={100 * cpuSeconds / wallSeconds:F0}% of one core (generator+receivers included) = {1e6 * cpuSeconds / wallSeconds / pairs:F0} µs CPU per call per second, clock skipped={engine.Clock.TicksSkipped}");
        foreach (IMediaBridge bridge in bridges)
        {
            await bridge.DisposeAsync();
        }
    }

    private static void SendLoop(Socket[] phones, IMediaSession[] sessions, long[][] sentAt, int ticks)
    {
        byte[] packet = new byte[172];
        var targets = sessions.Select(s => (EndPoint)s.LocalEndPoint).ToArray();
        long start = Stopwatch.GetTimestamp();
        long period = Stopwatch.Frequency / 50;
        for (int k = 0; k < ticks; k++)
        {
            long deadline = start + (k * period);
            while (Stopwatch.GetTimestamp() < deadline)
            {
                double ms = (deadline - Stopwatch.GetTimestamp()) * 1000.0 / Stopwatch.Frequency;
                if (ms > 1)
                {
                    Thread.Sleep((int)ms);
                }
            }

            for (int i = 0; i < phones.Length; i++)
            {
                new RtpHeader { Marker = k == 0, PayloadType = (byte)(i % 2 == 0 ? 0 : 8), SequenceNumber = (ushort)k, Timestamp = (uint)(k * 160), Ssrc = (uint)(i + 1) }.WriteTo(packet);
                sentAt[i][k] = Stopwatch.GetTimestamp();
                phones[i].SendTo(packet, targets[i]);
            }
        }
    }

    private static async Task ReceiveLoopAsync(Socket socket, long[] sentAt, List<double> latencies, Action counted, CancellationToken token)
    {
        byte[] buffer = new byte[2048];
        uint? firstTimestamp = null;
        while (!token.IsCancellationRequested)
        {
            int length;
            try
            {
                length = await socket.ReceiveAsync(buffer, SocketFlags.None, token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            long at = Stopwatch.GetTimestamp();
            if (!RtpHeader.TryParse(buffer.AsSpan(0, length), out RtpHeader header))
            {
                continue;
            }

            counted();
            // The relay keeps timestamp spacing: index = (ts - first) / 160, the first being packet 0.
            firstTimestamp ??= header.Timestamp;
            long index = (header.Timestamp - firstTimestamp.Value) / 160;
            // The first second is warm-up (JIT, thread pool growth): latency from then on.
            if (index >= 50 && index < sentAt.Length && sentAt[index] != 0)
            {
                latencies.Add((at - sentAt[index]) * 1000.0 / Stopwatch.Frequency);
            }
        }
    }

    /// <summary>N sessions each playing a looped prompt, as callers waiting in queue.</summary>
    private static async Task IvrAsync(int calls, TimeSpan duration)
    {
        string prompt = Path.Combine(Path.GetTempPath(), "cc-media-load-prompt.wav");
        WavFile.WriteMonoPcm16(prompt, [.. Enumerable.Range(0, 8000).Select(n => (short)(8000 * Math.Sin(2 * Math.PI * 440 * n / 8000.0)))]);
        await using MediaEngine engine = CreateEngine();
        var phones = new Socket[calls];
        var received = new long[calls];
        var lateness = new List<double>[calls];
        using var stop = new CancellationTokenSource();
        var tasks = new List<Task<PlaybackResult>>();
        for (int i = 0; i < calls; i++)
        {
            phones[i] = Phone();
            lateness[i] = [];
            IMediaSession session = engine.CreateSession($"ivr{i}");
            session.Configure(new RemoteMedia { RtpEndPoint = (IPEndPoint)phones[i].LocalEndPoint!, Codec = AudioCodec.Pcmu });
            tasks.Add(session.PlayAsync([prompt], new PlaybackOptions { Loop = true }));
        }

        Task[] receivers = [.. Enumerable.Range(0, calls).Select(i => Task.Run(() => PacingLoopAsync(phones[i], lateness[i], () => Interlocked.Increment(ref received[i]), stop.Token)))];
        await Task.Delay(500);
        Array.Clear(received);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var wall = Stopwatch.StartNew();
        await Task.Delay(duration);
        long got = received.Sum();
        double seconds = wall.Elapsed.TotalSeconds;
        double cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
        await stop.CancelAsync();
        foreach (Socket phone in phones)
        {
            phone.Dispose();
        }

        await Task.WhenAll(receivers);
        double expected = calls * seconds * 50;
        double[] late = [.. lateness.SelectMany(l => l).Order()];
        Console.WriteLine(
            $"ivr calls={calls} packets received={got} expected≈{expected:F0} ({100.0 * got / expected:F2}%) " +
            $"inter-arrival |Δ-20ms| p50={Percentile(late, 0.5):F3} p99={Percentile(late, 0.99):F3} ms " +
            $"cpu={100 * cpuSeconds / seconds:F0}% of one core (receivers included) = {1e6 * cpuSeconds / seconds / calls:F0} µs CPU per call per second, clock skipped={engine.Clock.TicksSkipped}");
    }

    private static async Task PacingLoopAsync(Socket socket, List<double> deviations, Action counted, CancellationToken token)
    {
        byte[] buffer = new byte[2048];
        long last = 0;
        while (!token.IsCancellationRequested)
        {
            try
            {
                await socket.ReceiveAsync(buffer, SocketFlags.None, token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            long at = Stopwatch.GetTimestamp();
            counted();
            if (last != 0)
            {
                deviations.Add(Math.Abs(((at - last) * 1000.0 / Stopwatch.Frequency) - 20));
            }

            last = at;
        }
    }

    /// <summary>One prompt of <paramref name="seconds"/> s to a dedicated-thread receiver: count and lateness against the 20 ms grid.</summary>
    private static async Task PacingAsync(int seconds)
    {
        string prompt = Path.Combine(Path.GetTempPath(), "cc-media-pacing.wav");
        WavFile.WriteMonoPcm16(prompt, new short[seconds * 8000]);
        await using MediaEngine engine = CreateEngine();
        using Socket phone = Phone();
        var arrivals = new List<long>(seconds * 50);
        var receiver = new Thread(() =>
        {
            byte[] buffer = new byte[2048];
            phone.ReceiveTimeout = 2000;
            try
            {
                while (true)
                {
                    phone.Receive(buffer);
                    arrivals.Add(Stopwatch.GetTimestamp());
                }
            }
            catch (SocketException)
            {
                // Timeout: the prompt has ended.
            }
        })
        { Name = "pacing-receiver", Priority = ThreadPriority.Highest };
        receiver.Start();
        IMediaSession session = engine.CreateSession("pacing");
        session.Configure(new RemoteMedia { RtpEndPoint = (IPEndPoint)phone.LocalEndPoint!, Codec = AudioCodec.Pcmu });
        await session.PlayAsync([prompt]);
        receiver.Join();
        double[] offsets = [.. arrivals.Select((a, i) => ((a - arrivals[0]) * 1000.0 / Stopwatch.Frequency) - (20.0 * i))];
        double anchor = offsets.Min();
        double[] late = [.. offsets.Select(o => o - anchor).Order()];
        double[] deltas = [.. arrivals.Skip(1).Select((a, i) => Math.Abs(((a - arrivals[i]) * 1000.0 / Stopwatch.Frequency) - 20)).Order()];
        Console.WriteLine(
            $"pacing {seconds} s: packets={arrivals.Count} (ideal {seconds * 50}), span={(arrivals[^1] - arrivals[0]) * 1000.0 / Stopwatch.Frequency:F3} ms (ideal {((seconds * 50) - 1) * 20}), " +
            $"|Δ-20ms| p50={Percentile(deltas, 0.5):F3} p99={Percentile(deltas, 0.99):F3} max={deltas[^1]:F3} ms, lateness vs grid p50={Percentile(late, 0.5):F3} p99={Percentile(late, 0.99):F3} ms, clock skipped={engine.Clock.TicksSkipped}");
    }

    private static double Percentile(double[] sorted, double p) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)(sorted.Length * p))];
}
