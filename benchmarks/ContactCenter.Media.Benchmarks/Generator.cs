using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using ContactCenter.Media.Codecs.Opus;
using ContactCenter.Media.Ice;
using ContactCenter.Media.Rtp;
using ContactCenter.Media.Srtp;

namespace ContactCenter.Media.Benchmarks;

/// <summary>
/// The far ends of the load tests, run as a child process (<c>gen relay|ivr ...</c>) so the
/// engine's process CPU is the engine's alone. A few shared UDP sockets stand for all the phones
/// (read by one polling thread, or by a blocking thread each: see <see cref="RunPhase"/>); streams
/// are told apart by SSRC. The parent talks to it
/// over stdin/stdout, one line per message.
/// </summary>
internal static class Generator
{
    private const int HeaderLength = RtpHeader.FixedLength;
    private const int PayloadLength = 160;

    /// <summary>A stream sent with this payload type is Opus (a browser's 111): 20 ms frames on the 48 kHz clock.</summary>
    private const byte OpusPayloadType = 111;

    /// <summary>RTP timestamp units per 20 ms packet of a payload type: 960 for Opus (48 kHz), 160 for G.711.</summary>
    private static int TimestampStep(byte payloadType) => payloadType == OpusPayloadType ? 960 : PayloadLength;

    /// <summary>
    /// What an Opus phone sends: one 20 ms frame of a voice-like signal encoded as a browser would (48 kHz, 32 kbit/s,
    /// complexity 9), the same frame every time (decoding it costs the engine what any frame of speech costs).
    /// </summary>
    private static byte[] OpusFrame()
    {
        var speech = new short[960];
        for (int i = 0; i < speech.Length; i++)
        {
            double t = i / 48000.0;
            speech[i] = (short)(6000 * ((0.6 * Math.Sin(2 * Math.PI * 220 * t)) + (0.3 * Math.Sin(2 * Math.PI * 440 * t)) + (0.1 * Math.Sin(2 * Math.PI * 1320 * t))));
        }

        var packet = new byte[OpusAudioEncoder.MaxPacketBytes];
        var encoder = new OpusAudioEncoder(48000, bitrate: 32000, complexity: 9);
        return packet.AsSpan(0, encoder.Encode(speech, packet)).ToArray();
    }

    public static int Run(string[] args)
    {
        string mode = args[1];
        bool poll = args.Length > 5 && args[5] == "poll";
        int streams = int.Parse(args[2], CultureInfo.InvariantCulture);
        double seconds = double.Parse(args[3], CultureInfo.InvariantCulture);
        int socketCount = Math.Min(int.Parse(args[4], CultureInfo.InvariantCulture), streams);
        var sockets = new Socket[socketCount];
        for (int i = 0; i < socketCount; i++)
        {
            sockets[i] = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { ReceiveBufferSize = 4 << 20, SendBufferSize = 4 << 20 };
            sockets[i].Bind(new IPEndPoint(IPAddress.Loopback, 0));
        }

        Console.WriteLine("ports " + string.Join(' ', sockets.Select(s => ((IPEndPoint)s.LocalEndPoint!).Port)));
        int result = mode == "relay" ? Relay(sockets, streams, seconds, poll) : Ivr(sockets, streams, seconds, poll);
        foreach (Socket socket in sockets)
        {
            socket.Dispose();
        }

        return result;
    }

    /// <summary>
    /// Stream s is sent by phone s and received by phone s^1. Phase "direct": the phones send to each
    /// other (the loopback baseline). Phase "relay": phone s sends to leg s of the engine, which relays
    /// it to leg s^1 and on to phone s^1. Sends are spread evenly over each 20 ms period, as calls that
    /// started at different times are. A plan line may name SRTP keys and ICE credentials (a browser-style
    /// leg): the phone then checks the leg's port (STUN with USE-CANDIDATE, again every 5 s as a browser's
    /// consent checks) and sends SRTP to it, and decrypts what arrives from such a leg, in the relay phase;
    /// the direct phase stays plain (there is no leg to key with).
    /// </summary>
    private static int Relay(Socket[] sockets, int streams, double seconds, bool poll)
    {
        int ticks = (int)(seconds * 50);
        var legPort = new int[streams];
        var payloadType = new byte[streams];
        var ssrcToStream = new Dictionary<uint, int>();
        var security = new StreamSecurity(streams);
        for (int s = 0; s < streams; s++)
        {
            string[] f = Console.ReadLine()!.Split(' ');
            legPort[s] = int.Parse(f[0], CultureInfo.InvariantCulture);
            payloadType[s] = byte.Parse(f[1], CultureInfo.InvariantCulture);
            ssrcToStream[uint.Parse(f[2], CultureInfo.InvariantCulture)] = s;
            if (f.Length >= 8)
            {
                security.Set(s, f[3], f[4], f[5], f[6], f[7]);
            }
        }

        for (int s = 0; s < streams; s++)
        {
            ssrcToStream.TryAdd((uint)(s + 1), s);
        }

        Phase direct = RunPhase(sockets, streams, ticks, s => (IPEndPoint)sockets[(s ^ 1) % sockets.Length].LocalEndPoint!, payloadType, ssrcToStream, poll, null);
        Console.WriteLine("phase relay");
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var wall = Stopwatch.StartNew();
        Phase relay = RunPhase(sockets, streams, ticks, s => new IPEndPoint(IPAddress.Loopback, legPort[s]), payloadType, ssrcToStream, poll, security.Any ? security : null);
        double generatorCpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds / wall.Elapsed.TotalSeconds;
        Console.WriteLine("phase end");
        Console.WriteLine(FormattableString.Invariant(
            $"result sent={relay.Sent} lost={relay.Lost} ({100.0 * relay.Lost / relay.Sent:F4}%; not arrived 0.5 s after the last send) duplicates={relay.Duplicates} late-sends={relay.LateSends} direct-lost={direct.Lost} | latency direct mean={direct.Mean:F3} p50={direct.P50:F3} p99={direct.P99:F3} ms; relay mean={relay.Mean:F3} p50={relay.P50:F3} p99={relay.P99:F3} max={relay.Max:F3} ms; ADDED mean={relay.Mean - direct.Mean:F3} p50={relay.P50 - direct.P50:F3} p99={relay.P99 - direct.P99:F3} ms | generator cpu={100 * generatorCpu:F0}% of a core{(security.Any ? $" | SRTP decrypted by the phones={security.Decrypted}, refused={security.Refused}" : "")}"));
        return 0;
    }

    /// <summary>
    /// Starts the phones' receive side: with <paramref name="poll"/> one thread draining every socket and sleeping ~1 ms
    /// when all were empty, else a thread blocked in receive per socket. <paramref name="onPacket"/> gets the receiving
    /// thread's number (0 when polling), the buffer and the datagram's length.
    /// </summary>
    private static Thread[] StartReceivers(Socket[] sockets, bool poll, Func<bool> stopping, Action<int, byte[], int> onPacket)
    {
        Thread[] receivers;
        if (poll)
        {
            receivers =
            [
                new Thread(() =>
                {
                    byte[] buffer = new byte[2048];
                    while (!stopping())
                    {
                        bool any = false;
                        foreach (Socket socket in sockets)
                        {
                            while (socket.Available > 0)
                            {
                                onPacket(0, buffer, socket.Receive(buffer));
                                any = true;
                            }
                        }

                        if (!any)
                        {
                            Thread.Sleep(1);
                        }
                    }
                })
                { IsBackground = true, Name = "gen-rx-poll" },
            ];
        }
        else
        {
            receivers = new Thread[sockets.Length];
            for (int r = 0; r < sockets.Length; r++)
            {
                Socket socket = sockets[r];
                int number = r;
                receivers[r] = new Thread(() =>
                {
                    byte[] buffer = new byte[2048];
                    socket.ReceiveTimeout = 200;
                    while (!stopping())
                    {
                        int length;
                        try
                        {
                            length = socket.Receive(buffer);
                        }
                        catch (SocketException)
                        {
                            continue;
                        }

                        onPacket(number, buffer, length);
                    }
                })
                { IsBackground = true, Name = $"gen-rx-{r}" };
            }
        }

        foreach (Thread receiver in receivers)
        {
            receiver.Start();
        }

        return receivers;
    }

    /// <summary>
    /// One phase: every stream sends <paramref name="ticks"/> packets; the phones time each arrival. <paramref name="poll"/>:
    /// one thread drains every socket, then sleeps about 1 ms when none had anything (as a phone's jitter buffer reads
    /// on its own clock). Otherwise a thread per socket blocks in receive, so every packet sent to a phone wakes a
    /// thread, and on loopback that wake-up (and being pre-empted by the woken thread) is charged to the sender: half
    /// of the relay's CPU in a perf profile, a cost a phone on another host never puts on the relay. Both phases of a
    /// run read the same way, so the ~0.5 ms a poll adds on average cancels out of the added latency.
    /// </summary>
    private static Phase RunPhase(Socket[] sockets, int streams, int ticks, Func<int, IPEndPoint> target, byte[] payloadType, Dictionary<uint, int> ssrcToStream, bool poll, StreamSecurity? security)
    {
        var sentAt = new long[streams][];
        var receivedAt = new long[streams][];
        var firstTimestamp = new long[streams];
        var extra = new long[streams];
        for (int s = 0; s < streams; s++)
        {
            sentAt[s] = new long[ticks];
            receivedAt[s] = new long[ticks];
            firstTimestamp[s] = -1;
        }

        var targets = new SocketAddress[streams];
        for (int s = 0; s < streams; s++)
        {
            targets[s] = target(s).Serialize();
        }

        bool stopping = false;
        void Arrived(byte[] buffer, int length)
        {
            long at = Stopwatch.GetTimestamp();
            if (length < 2 || buffer[1] is >= 192 and <= 223 || buffer[0] < 128
                || !RtpHeader.TryParse(buffer.AsSpan(0, length), out RtpHeader header) || !ssrcToStream.TryGetValue(header.Ssrc, out int s))
            {
                return; // RTCP (rtcp-mux), STUN answers
            }

            if (security?.Inbound[s] is { } inbound && !security.Unprotect(inbound, buffer, length))
            {
                return;
            }

            // The relay keeps the timestamp spacing of a source: index from the first packet seen
            // (packet 0 unless it was lost, in which case the shifted last one counts as extra).
            if (firstTimestamp[s] < 0)
            {
                firstTimestamp[s] = header.Timestamp;
            }

            long index = (uint)(header.Timestamp - (uint)firstTimestamp[s]) / TimestampStep(header.PayloadType);
            if (index < ticks && receivedAt[s][index] == 0)
            {
                receivedAt[s][index] = at;
            }
            else
            {
                extra[s]++;
            }
        }

        Thread[] receivers = StartReceivers(sockets, poll, () => Volatile.Read(ref stopping), (_, buffer, length) => Arrived(buffer, length));

        byte[][] packets = new byte[streams][];
        byte[] opus = payloadType.Contains(OpusPayloadType) ? OpusFrame() : [];
        byte[] protectedPacket = new byte[HeaderLength + Math.Max(PayloadLength, opus.Length) + 16];
        for (int s = 0; s < streams; s++)
        {
            if (payloadType[s] == OpusPayloadType)
            {
                packets[s] = new byte[HeaderLength + opus.Length];
                opus.CopyTo(packets[s], HeaderLength);
                continue;
            }

            packets[s] = new byte[HeaderLength + PayloadLength];
            packets[s].AsSpan(HeaderLength).Fill(payloadType[s] == 8 ? (byte)0xD5 : (byte)0xFF);
        }

        // The browsers' first connectivity checks, before any media (a browser sends media only on a checked pair).
        for (int s = 0; security is not null && s < streams; s++)
        {
            if (security.Outbound[s] is not null)
            {
                sockets[s % sockets.Length].SendTo(security.Check(s), SocketFlags.None, targets[s]);
            }
        }

        long lateSends = 0;
        long period = Stopwatch.Frequency / 50;
        long slack = Stopwatch.Frequency / 1000;
        long start = Stopwatch.GetTimestamp() + (Stopwatch.Frequency / 10);
        long total = (long)ticks * streams;
        for (long j = 0; j < total; j++)
        {
            int k = (int)(j / streams);
            int s = (int)(j % streams);
            long due = start + (j * period / streams);
            long now = Stopwatch.GetTimestamp();
            while (due - now > slack)
            {
                Thread.Sleep(1);
                now = Stopwatch.GetTimestamp();
            }

            if (now - due > 5 * slack)
            {
                lateSends++;
            }

            new RtpHeader { Marker = k == 0, PayloadType = payloadType[s], SequenceNumber = (ushort)k, Timestamp = (uint)(k * TimestampStep(payloadType[s])), Ssrc = (uint)(s + 1) }.WriteTo(packets[s]);
            if (security?.Outbound[s] is { } outbound)
            {
                if (k % 250 == 249)
                {
                    // A browser's consent refresh (RFC 7675), every 5 s, from the socket the stream is sent from.
                    sockets[s % sockets.Length].SendTo(security.Check(s), SocketFlags.None, targets[s]);
                }

                packets[s].CopyTo(protectedPacket, 0);
                int length = outbound.ProtectRtp(protectedPacket, packets[s].Length);
                sentAt[s][k] = Stopwatch.GetTimestamp();
                sockets[s % sockets.Length].SendTo(protectedPacket.AsSpan(0, length), SocketFlags.None, targets[s]);
                continue;
            }

            sentAt[s][k] = Stopwatch.GetTimestamp();
            sockets[s % sockets.Length].SendTo(packets[s], SocketFlags.None, targets[s]);
        }

        Thread.Sleep(500);
        Volatile.Write(ref stopping, true);
        foreach (Thread receiver in receivers)
        {
            receiver.Join();
        }

        // Stream s arrives at phone s^1: loss per packet, latency from packet 50 on (the first second warms up).
        long lost = 0;
        var latencies = new List<double>(streams * ticks);
        for (int s = 0; s < streams; s++)
        {
            long got = extra[s];
            for (int k = 0; k < ticks; k++)
            {
                if (receivedAt[s][k] != 0)
                {
                    got++;
                    if (k >= 50)
                    {
                        latencies.Add((receivedAt[s][k] - sentAt[s][k]) * 1000.0 / Stopwatch.Frequency);
                    }
                }
            }

            lost += Math.Max(0, ticks - got);
        }

        double[] sorted = [.. latencies.Order()];
        return new Phase(total, lost, extra.Sum(), lateSends, sorted.Length > 0 ? sorted.Average() : double.NaN, Percentile(sorted, 0.5), Percentile(sorted, 0.99), sorted.Length > 0 ? sorted[^1] : double.NaN);
    }

    /// <summary>Receives N prompt streams: per-packet loss by sequence number and inter-arrival deviation from 20 ms.</summary>
    private static int Ivr(Socket[] sockets, int calls, double seconds, bool poll)
    {
        var ssrcToCall = new Dictionary<uint, int>();
        for (int i = 0; i < calls; i++)
        {
            ssrcToCall[uint.Parse(Console.ReadLine()!, CultureInfo.InvariantCulture)] = i;
        }

        var firstSeq = new long[calls];
        var lastSeq = new long[calls];
        var count = new long[calls];
        var lastAt = new long[calls];
        var deviations = new List<double>[sockets.Length];
        bool measuring = false;
        bool stopping = false;
        Array.Fill(firstSeq, -1);
        for (int r = 0; r < sockets.Length; r++)
        {
            deviations[r] = new List<double>(1 << 16);
        }

        Thread[] receivers = StartReceivers(sockets, poll, () => Volatile.Read(ref stopping), (r, buffer, length) =>
        {
            long at = Stopwatch.GetTimestamp();
            if (!Volatile.Read(ref measuring) || !RtpHeader.TryParse(buffer.AsSpan(0, length), out RtpHeader header) || !ssrcToCall.TryGetValue(header.Ssrc, out int i))
            {
                return;
            }

            // Extended sequence number (wraps every 65,536 packets).
            long seq = header.SequenceNumber;
            if (firstSeq[i] < 0)
            {
                firstSeq[i] = lastSeq[i] = seq;
            }
            else
            {
                long candidate = (lastSeq[i] & ~0xFFFFL) | seq;
                if (candidate < lastSeq[i] - 0x8000)
                {
                    candidate += 0x10000;
                }

                lastSeq[i] = Math.Max(lastSeq[i], candidate);
                deviations[r].Add(Math.Abs(((at - lastAt[i]) * 1000.0 / Stopwatch.Frequency) - 20));
            }

            lastAt[i] = at;
            count[i]++;
        });

        Thread.Sleep(1000);
        Volatile.Write(ref measuring, true);
        Console.WriteLine("phase measure");
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var wall = Stopwatch.StartNew();
        Thread.Sleep(TimeSpan.FromSeconds(seconds));
        Volatile.Write(ref measuring, false);
        double elapsed = wall.Elapsed.TotalSeconds;
        double receiverCpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds / elapsed;
        Console.WriteLine("phase end");
        Thread.Sleep(100);
        Volatile.Write(ref stopping, true);
        foreach (Thread receiver in receivers)
        {
            receiver.Join();
        }

        long received = count.Sum();
        long expectedBySeq = 0;
        int silent = 0;
        for (int i = 0; i < calls; i++)
        {
            if (firstSeq[i] < 0)
            {
                silent++;
                continue;
            }

            expectedBySeq += lastSeq[i] - firstSeq[i] + 1;
        }

        double[] sorted = [.. deviations.SelectMany(d => d).Order()];
        Console.WriteLine(FormattableString.Invariant(
            $"result received={received} of nominal {calls * elapsed * 50:F0} ({100.0 * received / (calls * elapsed * 50):F2}%) lost-by-sequence={expectedBySeq - received} silent-calls={silent} inter-arrival |Δ-20ms| p50={Percentile(sorted, 0.5):F3} p99={Percentile(sorted, 0.99):F3} max={(sorted.Length > 0 ? sorted[^1] : double.NaN):F3} ms | receiver cpu={100 * receiverCpu:F0}% of a core"));
        return 0;
    }

    internal static double Percentile(double[] sorted, double p) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)(sorted.Length * p))];

    private sealed record Phase(long Sent, long Lost, long Duplicates, long LateSends, double Mean, double P50, double P99, double Max);

    /// <summary>
    /// The browser-style phones' keys and ICE credentials, by stream: what phone s protects with when it sends stream s to
    /// its leg, what the stream arriving from a secure leg is decrypted with, and the check that leg answers.
    /// </summary>
    private sealed class StreamSecurity(int streams)
    {
        private readonly string?[] ice = new string?[streams];
        private readonly string?[] icePassword = new string?[streams];
        private long decrypted;
        private long refused;

        public SrtpContext?[] Outbound { get; } = new SrtpContext?[streams];

        public SrtpContext?[] Inbound { get; } = new SrtpContext?[streams];

        public bool Any { get; private set; }

        public long Decrypted => Interlocked.Read(ref decrypted);

        public long Refused => Interlocked.Read(ref refused);

        public void Set(int stream, string outboundKey, string inboundKey, string suite, string ufrag, string password)
        {
            SrtpProfile profile = SrtpProfiles.FromSdesName(suite) ?? throw new ArgumentException(suite);
            Outbound[stream] = outboundKey == "-" ? null : Context(profile, outboundKey);
            Inbound[stream] = inboundKey == "-" ? null : Context(profile, inboundKey);
            ice[stream] = ufrag == "-" ? null : ufrag;
            icePassword[stream] = password == "-" ? null : password;
            Any |= Outbound[stream] is not null || Inbound[stream] is not null;
        }

        public bool Unprotect(SrtpContext context, byte[] buffer, int length)
        {
            if (context.UnprotectRtp(buffer, length, out _) == SrtpStatus.Ok)
            {
                Interlocked.Increment(ref decrypted);
                return true;
            }

            Interlocked.Increment(ref refused);
            return false;
        }

        /// <summary>A STUN Binding request to stream <paramref name="stream"/>'s leg, as a controlling browser sends it.</summary>
        public byte[] Check(int stream)
        {
            byte[] buffer = new byte[256];
            var writer = new StunWriter(buffer, Stun.BindingRequest, RandomNumberGenerator.GetBytes(Stun.TransactionIdLength));
            writer.AddString(Stun.Username, $"{ice[stream]}:gen{stream}");
            writer.AddUInt32(Stun.Priority, 0x6E7F1EFF);
            writer.AddUInt64(Stun.IceControlling, (ulong)stream + 1);
            writer.AddFlag(Stun.UseCandidate);
            using IncrementalHash hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA1, System.Text.Encoding.UTF8.GetBytes(icePassword[stream]!));
            writer.AddMessageIntegrity(hmac);
            writer.AddFingerprint();
            return buffer.AsSpan(0, writer.Length).ToArray();
        }

        private static SrtpContext Context(SrtpProfile profile, string key)
        {
            byte[] material = Convert.FromBase64String(key);
            return SrtpContext.Create(profile, material.AsSpan(0, profile.KeyLength()), material.AsSpan(profile.KeyLength()));
        }
    }
}
