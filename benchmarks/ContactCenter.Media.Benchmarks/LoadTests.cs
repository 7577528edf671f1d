using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using ContactCenter.Media.Audio;
using ContactCenter.Media.Codecs;
using ContactCenter.Media.Rtp;
using ContactCenter.Media.Sessions;
using Microsoft.Extensions.Logging.Abstractions;

namespace ContactCenter.Media.Benchmarks;

/// <summary>
/// Loopback load measurements that BenchmarkDotNet cannot express: concurrent bridged calls
/// (<c>relay N...</c>), concurrent IVR playbacks (<c>ivr N...</c>) and 60 s prompt pacing
/// (<c>pacing</c>). The phones are a child process (<see cref="Generator"/>), so the CPU
/// reported per call is this process's, the engine's alone; loss is counted per packet and the
/// added latency is measured against the same generator talking to itself directly in the same run.
/// </summary>
internal static class LoadTests
{
    public static async Task<int> RunAsync(string[] args)
    {
        // Options: --seconds S (per step, default 10), --io epoll|async|both (default epoll),
        // --codecs same|transcode|both (relay, default both), --sockets K (generator sockets, default 8),
        // --pause-us P (the RTP threads' rest after a batch; default the engine's),
        // --phones poll|block|both (how the phones read, default poll; see Generator.RunPhase; polling adds up to
        // ~1 ms to the IVR's inter-arrival deviations),
        // --secure plain|srtp|both (relay, default plain: one leg of every pair a browser-style leg, ICE-lite + SRTP + rtcp-mux,
        // its phone in the generator sending and receiving SRTP; both = plain then SRTP at each count, and their ratio),
        // --suite AEAD_AES_128_GCM|AES_CM_128_HMAC_SHA1_80 (the SRTP crypto suite, default GCM),
        // --monitored M1,M2,... (relay: at each pair count N, runs with M of the N pairs monitored — a supervisor's leg
        // joined in listen mode, its mix sent to a sink in this process — and reports the CPU a monitored call adds over a
        // plain one against the run with M = 0, in the same run; issue 18),
        // --opus on (relay: at each pair count, browser-style SRTP legs in PCMU passed through — the baseline — then the same legs
        // speaking Opus, transcoded to and from the G.711 leg in the engine; the engine's CPU per call-second of each, in the same run).
        var options = new Dictionary<string, string>();
        var counts = new List<int>();
        for (int i = 1; i < args.Length; i++)
        {
            if (args[i].StartsWith("--", StringComparison.Ordinal) && i + 1 < args.Length)
            {
                options[args[i][2..]] = args[++i];
            }
            else
            {
                counts.Add(int.Parse(args[i], CultureInfo.InvariantCulture));
            }
        }

        if (options.TryGetValue("pause-us", out string? pause))
        {
            ioPause = TimeSpan.FromMicroseconds(double.Parse(pause, CultureInfo.InvariantCulture));
        }

        double seconds = double.Parse(options.GetValueOrDefault("seconds", "10"), CultureInfo.InvariantCulture);
        int sockets = int.Parse(options.GetValueOrDefault("sockets", "8"), CultureInfo.InvariantCulture);
        string io = options.GetValueOrDefault("io", "epoll");
        bool[] epollModes = io == "both" ? [false, true] : [io != "async"];
        string phones = options.GetValueOrDefault("phones", "poll");
        bool[] pollModes = phones == "both" ? [false, true] : [phones != "block"];
        string codecs = options.GetValueOrDefault("codecs", "both");
        bool[] transcodeModes = codecs == "both" ? [false, true] : [codecs == "transcode"];
        string secure = options.GetValueOrDefault("secure", "plain");
        bool[] secureModes = secure == "both" ? [false, true] : [secure == "srtp"];
        string suite = options.GetValueOrDefault("suite", "AEAD_AES_128_GCM");
        switch (args[0])
        {
            case "relay" when options.TryGetValue("monitored", out string? monitoredList):
                int[] monitoredSteps = [.. monitoredList.Split(',').Select(m => int.Parse(m, CultureInfo.InvariantCulture))];
                foreach (int n in counts.DefaultIfEmpty(500))
                {
                    double plainCpu = await RelayAsync(n, seconds, transcode: false, epollModes[^1], sockets, pollModes[^1], monitored: 0, cpuPerCall: true);
                    foreach (int m in monitoredSteps.Where(m => m > 0))
                    {
                        double withMonitored = await RelayAsync(n + m, seconds, transcode: false, epollModes[^1], sockets, pollModes[^1], monitored: m, cpuPerCall: true);
                        // CPU per second of the whole engine: plain calls at the plain rate, the rest is what the monitored ones cost.
                        double perPlain = plainCpu / n;
                        double perMonitored = (withMonitored - (perPlain * n)) / m;
                        Console.WriteLine(FormattableString.Invariant(
                            $"monitoring: {n} plain + {m} monitored (listen, 3 legs): CPU per monitored call {1e6 * perMonitored:F0} µs/s against {1e6 * perPlain:F0} µs/s per plain call = {perMonitored / perPlain:F2}x (same run; load {LoadAverage()})"));
                    }
                }

                return 0;
            case "relay" when options.ContainsKey("opus"):
                foreach (int n in counts.DefaultIfEmpty(50))
                {
                    double g711 = await RelayAsync(n, seconds, transcode: false, epollModes[^1], sockets, pollModes[^1], suite, cpuPerCall: true);
                    double opus = await RelayAsync(n, seconds, transcode: false, epollModes[^1], sockets, pollModes[^1], suite, cpuPerCall: true, opus: true);
                    Console.WriteLine(FormattableString.Invariant(
                        $"opus: {n} calls, browser-style leg (SRTP {suite}) <> G.711 leg: engine CPU per call-second {1e3 * opus / n:F2} ms with Opus transcoded both ways against {1e3 * g711 / n:F2} ms with PCMU passed through = {opus / g711:F1}x; the transcoding alone {1e3 * (opus - g711) / n:F2} ms per call-second; {n / opus:F0} transcoded calls per core (same run; load {LoadAverage()})"));
                }

                return 0;
            case "relay":
                foreach (int n in counts.DefaultIfEmpty(100))
                {
                    foreach (bool transcode in transcodeModes)
                    {
                        foreach (bool epoll in epollModes)
                        {
                            foreach (bool poll in pollModes)
                            {
                                var perPacket = new List<double>();
                                foreach (bool srtp in secureModes)
                                {
                                    perPacket.Add(await RelayAsync(n, seconds, transcode, epoll, sockets, poll, srtp ? suite : null));
                                }

                                if (perPacket.Count == 2)
                                {
                                    Console.WriteLine(FormattableString.Invariant(
                                        $"relay pairs={n}: CPU per relayed packet, SRTP<>plain / plain<>plain = {perPacket[1]:F2} / {perPacket[0]:F2} µs = {perPacket[1] / perPacket[0]:F2}x (same run; load {LoadAverage()})"));
                                }
                            }
                        }
                    }
                }

                return 0;
            case "ivr":
                foreach (int n in counts.DefaultIfEmpty(100))
                {
                    foreach (bool epoll in epollModes)
                    {
                        foreach (bool poll in pollModes)
                        {
                            await IvrAsync(n, seconds, epoll, sockets, poll);
                        }
                    }
                }

                return 0;
            case "pacing":
                await PacingAsync(counts.Count > 0 ? counts[0] : 60);
                return 0;
            default:
                return -1;
        }
    }

    private static TimeSpan? ioPause;

    private static MediaEngine CreateEngine(bool epoll = true) => new(
        new MediaOptions { BindAddress = "127.0.0.1", PortRangeStart = 30000, PortRangeEnd = 45999, MediaTimeout = TimeSpan.Zero },
        TimeProvider.System,
        NullLoggerFactory.Instance,
        runClock: true,
        useEpoll: epoll,
        ioBatchPause: ioPause);

    private static Socket Phone()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        socket.ReceiveBufferSize = 256 * 1024;
        return socket;
    }

    private static Process StartGenerator(string mode, int streams, double seconds, int sockets, bool pollPhones = false)
    {
        string self = typeof(LoadTests).Assembly.Location;
        var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet")
        {
            start.ArgumentList.Add(self);
        }

        foreach (string arg in new[] { "gen", mode, streams.ToString(CultureInfo.InvariantCulture), seconds.ToString(CultureInfo.InvariantCulture), sockets.ToString(CultureInfo.InvariantCulture), pollPhones ? "poll" : "block" })
        {
            start.ArgumentList.Add(arg);
        }

        return Process.Start(start)!;
    }

    private static async Task<string> ExpectAsync(Process generator, string prefix)
    {
        string? line;
        while ((line = await generator.StandardOutput.ReadLineAsync()) is not null)
        {
            if (line.StartsWith(prefix, StringComparison.Ordinal))
            {
                return line;
            }

            Console.WriteLine("  generator: " + line);
        }

        throw new InvalidOperationException($"The generator ended before '{prefix}'.");
    }

    /// <summary>
    /// N caller/agent pairs bridged; both legs PCMU (pass-through) or PCMU/PCMA (every packet
    /// transcoded). The generator first runs the same traffic phone to phone (baseline), then
    /// through the relay.
    /// </summary>
    /// <remarks>
    /// With <paramref name="srtpSuite"/>, leg 2p of each pair is a browser-style leg: opened with ICE-lite, configured with
    /// rtcp-mux and SDES keys (the SRTP path per packet is the same whether DTLS or SDES gave the keys), its phone in the
    /// generator sending ICE checks (every 5 s, consent) and SRTP, and decrypting what it receives. Returns the engine's CPU
    /// per relayed packet in µs.
    /// </remarks>
    private static async Task<double> RelayAsync(int pairs, double seconds, bool transcode, bool epoll, int socketCount, bool pollPhones, string? srtpSuite = null, int monitored = 0, bool cpuPerCall = false, bool opus = false)
    {
        int streams = pairs * 2;
        using Process generator = StartGenerator("relay", streams, seconds, socketCount, pollPhones);
        int[] ports = [.. (await ExpectAsync(generator, "ports ")).Split(' ').Skip(1).Select(p => int.Parse(p, CultureInfo.InvariantCulture))];
        await using MediaEngine engine = CreateEngine(epoll);
        var sessions = new IMediaSession[streams];
        var bridges = new IMediaBridge[pairs];
        var keys = new SdesSrtpKeying?[streams];
        for (int s = 0; s < streams; s++)
        {
            bool secure = srtpSuite is not null && s % 2 == 0;
            sessions[s] = engine.CreateSession($"leg{s}", new MediaLegOptions { IceLite = secure });
            AudioCodec codec = transcode && s % 2 == 1 ? AudioCodec.Pcma : AudioCodec.Pcmu;
            if (secure)
            {
                keys[s] = new SdesSrtpKeying { CryptoSuite = srtpSuite!, LocalKey = SdesSrtpKeying.GenerateKey(srtpSuite!), RemoteKey = SdesSrtpKeying.GenerateKey(srtpSuite!) };
            }

            sessions[s].Configure(new RemoteMedia
            {
                RtpEndPoint = new IPEndPoint(IPAddress.Loopback, ports[s % ports.Length]),
                Codec = codec,
                TelephoneEventPayloadType = 101,
                RtcpMux = secure,
                Srtp = keys[s],
                // A browser's Opus (payload type 111): the leg decodes it to G.711 for the bridge and encodes what it relays back.
                OpusPayloadType = opus && secure ? 111 : null,
            });
        }

        for (int p = 0; p < pairs; p++)
        {
            bridges[p] = engine.Bridge(sessions[2 * p], sessions[(2 * p) + 1]);
        }

        // Monitored calls (the last M pairs): a supervisor's leg joined in listen mode, hearing the mix of both; the caller and
        // the agent still hear each other through the bridge (relayed packet for packet), so the generator's per-packet loss
        // and latency keep counting for them. The supervisors' mixes go to sinks here that count what arrives.
        using var sinks = monitored > 0 ? new MixSinks(Math.Min(8, monitored)) : null;
        var supervisors = new IMediaSession[monitored];
        for (int k = 0; k < monitored; k++)
        {
            int p = pairs - 1 - k;
            supervisors[k] = engine.CreateSession($"sup{k}");
            supervisors[k].Configure(new RemoteMedia { RtpEndPoint = sinks!.EndPoint(k), Codec = AudioCodec.Pcmu, TelephoneEventPayloadType = 101 });
            bridges[p].Join(supervisors[k], new ContactCenter.Media.Mixing.MixMatrix()
                .HearEachOther(sessions[2 * p], sessions[(2 * p) + 1])
                .Hear(supervisors[k], sessions[2 * p])
                .Hear(supervisors[k], sessions[(2 * p) + 1]));
        }

        // Stream s: phone s → leg s → leg s^1 → phone s^1, arriving with leg s^1's SSRC. A browser-style leg's phone
        // protects with the leg's remote key, and what arrives from that leg is under the leg's local key.
        var plan = new StringBuilder();
        for (int s = 0; s < streams; s++)
        {
            byte payloadType = opus && keys[s] is not null ? (byte)111 : (byte)(transcode && s % 2 == 1 ? 8 : 0);
            plan.Append(CultureInfo.InvariantCulture, $"{sessions[s].LocalPort} {payloadType} {sessions[s ^ 1].Ssrc}");
            if (srtpSuite is not null)
            {
                IceParameters? ice = sessions[s].LocalIce;
                plan.Append(CultureInfo.InvariantCulture, $" {keys[s]?.RemoteKey ?? "-"} {keys[s ^ 1]?.LocalKey ?? "-"} {srtpSuite} {ice?.UsernameFragment ?? "-"} {ice?.Password ?? "-"}");
            }

            plan.Append('\n');
        }

        await generator.StandardInput.WriteAsync(plan.ToString());
        await generator.StandardInput.FlushAsync();
        await ExpectAsync(generator, "phase relay");
        // The first second warms up (JIT tiering, as the generator leaves it out of the latency).
        Task<string> end = ExpectAsync(generator, "phase end");
        await Task.Delay(1000);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        MediaPacketTotals sentBefore = engine.GetPacketTotals();
        long mixesBefore = sinks?.Received ?? 0;
        var wall = Stopwatch.StartNew();
        string load = LoadAverage();
        await end;
        double cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
        double wallSeconds = wall.Elapsed.TotalSeconds;
        long mixes = (sinks?.Received ?? 0) - mixesBefore;
        long relayed = engine.GetPacketTotals().Sent - sentBefore.Sent - mixes;
        long refused = sessions.Sum(s => ((MediaSession)s).Secure?.SrtpRejected ?? 0);
        long engineDrops = UdpDrops(sessions.Select(s => s.LocalPort));
        long generatorDrops = UdpDrops(ports);
        string result = await ExpectAsync(generator, "result ");
        await generator.WaitForExitAsync();
        double perPacket = 1e6 * cpuSeconds / Math.Max(1, relayed);
        Console.WriteLine(FormattableString.Invariant(
            $"relay pairs={pairs} {(opus ? "Opus<>PCMU transcoded" : transcode ? "PCMU<>PCMA transcoded" : "PCMU pass-through")} {(srtpSuite is null ? "plain<>plain" : $"SRTP({srtpSuite}, ICE-lite, rtcp-mux)<>plain, SRTP refused by the engine={refused}")} io={(epoll && engine.IoLoop is not null ? $"epoll(pause {(ioPause ?? MediaEngine.DefaultIoBatchPause).TotalMicroseconds} µs)" : "async")} phones={(pollPhones ? "poll" : "block")}: {result[7..]} | engine cpu={100 * cpuSeconds / wallSeconds:F0}% of a core = {1e6 * cpuSeconds / wallSeconds / pairs:F0} µs CPU per call per second; relayed {relayed / wallSeconds:F0} packets/s, {perPacket:F2} µs CPU per relayed packet | kernel drops (full receive buffers): engine sockets {engineDrops}, phones' sockets {generatorDrops} | load {load}"));
        if (monitored > 0)
        {
            // The mix is sent every 20 ms whatever arrives: a shortfall is a tick the clock missed (or a sink drop).
            double expected = monitored * 50 * wallSeconds;
            Console.WriteLine(FormattableString.Invariant(
                $"  monitored={monitored}: supervisors' mixes received {mixes} of ~{expected:F0} expected ({100.0 * mixes / expected:F1}%), clock ticks skipped={engine.ClockTicksSkipped}, kernel drops at the sinks {UdpDrops(sinks!.Ports)}"));
        }

        foreach (IMediaBridge bridge in bridges)
        {
            await bridge.DisposeAsync();
        }

        foreach (IMediaSession supervisor in supervisors)
        {
            await supervisor.DisposeAsync();
        }

        return cpuPerCall ? cpuSeconds / wallSeconds : perPacket;
    }

    /// <summary>Sockets that take the supervisors' mixes and count them (a thread each, blocking receive).</summary>
    private sealed class MixSinks : IDisposable
    {
        private readonly Socket[] sockets;
        private readonly Thread[] threads;
        private long received;
        private volatile bool stopping;

        public MixSinks(int count)
        {
            sockets = new Socket[count];
            threads = new Thread[count];
            for (int i = 0; i < count; i++)
            {
                Socket socket = Phone();
                socket.ReceiveTimeout = 200;
                sockets[i] = socket;
                threads[i] = new Thread(() =>
                {
                    byte[] buffer = new byte[2048];
                    while (!stopping)
                    {
                        try
                        {
                            socket.Receive(buffer);
                            Interlocked.Increment(ref received);
                        }
                        catch (SocketException)
                        {
                            // Timeout: check for stop.
                        }
                    }
                })
                { IsBackground = true, Name = $"mix-sink-{i}" };
                threads[i].Start();
            }
        }

        public long Received => Interlocked.Read(ref received);

        public IEnumerable<int> Ports => sockets.Select(s => ((IPEndPoint)s.LocalEndPoint!).Port);

        public IPEndPoint EndPoint(int k) => (IPEndPoint)sockets[k % sockets.Length].LocalEndPoint!;

        public void Dispose()
        {
            stopping = true;
            foreach (Thread thread in threads)
            {
                thread.Join(TimeSpan.FromSeconds(1));
            }

            foreach (Socket socket in sockets)
            {
                socket.Dispose();
            }
        }
    }

    /// <summary>The 1-minute load average (other work on the shared machine), for the record.</summary>
    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "n/a";

    /// <summary>N sessions each playing a looped prompt, as callers waiting in queue; the generator only receives.</summary>
    private static async Task IvrAsync(int calls, double seconds, bool epoll, int socketCount, bool pollPhones)
    {
        string prompt = Path.Combine(Path.GetTempPath(), "cc-media-load-prompt.wav");
        WavFile.WriteMonoPcm16(prompt, [.. Enumerable.Range(0, 8000).Select(n => (short)(8000 * Math.Sin(2 * Math.PI * 440 * n / 8000.0)))]);
        using Process generator = StartGenerator("ivr", calls, seconds, socketCount, pollPhones);
        int[] ports = [.. (await ExpectAsync(generator, "ports ")).Split(' ').Skip(1).Select(p => int.Parse(p, CultureInfo.InvariantCulture))];
        await using MediaEngine engine = CreateEngine(epoll);
        var plan = new StringBuilder();
        var tasks = new List<Task<PlaybackResult>>();
        for (int i = 0; i < calls; i++)
        {
            IMediaSession session = engine.CreateSession($"ivr{i}");
            session.Configure(new RemoteMedia { RtpEndPoint = new IPEndPoint(IPAddress.Loopback, ports[i % ports.Length]), Codec = AudioCodec.Pcmu });
            plan.Append(CultureInfo.InvariantCulture, $"{session.Ssrc}\n");
            tasks.Add(session.PlayAsync([prompt], new PlaybackOptions { Loop = true }));
        }

        await generator.StandardInput.WriteAsync(plan.ToString());
        await generator.StandardInput.FlushAsync();
        await ExpectAsync(generator, "phase measure");
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var wall = Stopwatch.StartNew();
        long skippedBefore = engine.ClockTicksSkipped;
        await ExpectAsync(generator, "phase end");
        double cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
        double wallSeconds = wall.Elapsed.TotalSeconds;
        long skipped = engine.ClockTicksSkipped - skippedBefore;
        long generatorDrops = UdpDrops(ports);
        string result = await ExpectAsync(generator, "result ");
        await generator.WaitForExitAsync();
        Console.WriteLine(FormattableString.Invariant(
            $"ivr calls={calls} phones={(pollPhones ? "poll" : "block")}: {result[7..]} | engine cpu={100 * cpuSeconds / wallSeconds:F0}% of a core = {1e6 * cpuSeconds / wallSeconds / calls:F0} µs CPU per call per second, clock ticks skipped={skipped}, kernel drops at the phones' sockets {generatorDrops}"));
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
            $"pacing {seconds} s: packets={arrivals.Count} (ideal {seconds * 50}), span={(arrivals[^1] - arrivals[0]) * 1000.0 / Stopwatch.Frequency:F3} ms (ideal {((seconds * 50) - 1) * 20}), |Δ-20ms| p50={Percentile(deltas, 0.5):F3} p99={Percentile(deltas, 0.99):F3} max={deltas[^1]:F3} ms, lateness vs grid p50={Percentile(late, 0.5):F3} p99={Percentile(late, 0.99):F3} ms, clock skipped={engine.ClockTicksSkipped}");
    }

    /// <summary>
    /// Datagrams the kernel dropped for full receive buffers on these local UDP ports (the last
    /// column of /proc/net/udp), so a loss can be placed: at the engine's sockets or at the phones'.
    /// </summary>
    private static long UdpDrops(IEnumerable<int> localPorts)
    {
        if (!File.Exists("/proc/net/udp"))
        {
            return -1;
        }

        var wanted = localPorts.ToHashSet();
        long drops = 0;
        foreach (string line in File.ReadLines("/proc/net/udp").Skip(1))
        {
            string[] f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            int colon = f[1].IndexOf(':', StringComparison.Ordinal);
            if (wanted.Contains(int.Parse(f[1].AsSpan(colon + 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture)))
            {
                drops += long.Parse(f[^1], CultureInfo.InvariantCulture);
            }
        }

        return drops;
    }

    private static double Percentile(double[] sorted, double p) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)(sorted.Length * p))];
}
