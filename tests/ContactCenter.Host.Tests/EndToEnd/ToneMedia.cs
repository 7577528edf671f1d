using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace ContactCenter.Host.Tests.EndToEnd;

/// <summary>
/// The media side of a phone, owned by the test: one UDP socket on 127.0.0.1 that speaks a steady tone to the gateway
/// (G.711 µ-law, 20 ms packets on absolute deadlines from a thread of its own, for as long as the phone lives), presses keys
/// as RFC 4733 events in the same stream, and keeps every frame it hears, decoded, so a test can ask with Goertzel which
/// tones it heard in a stretch. The gateway's address comes from the SDP (<see cref="SendTo"/>) or, when the test does not
/// see the SDP, from the first packet heard (the gateway latches to the socket the phone sends from).
/// </summary>
internal sealed class ToneMedia : IDisposable
{
    private const byte TelephoneEvent = 101;
    private readonly Socket socket = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    private readonly Thread receiver;
    private readonly Thread sender;
    private readonly List<short[]> heard = [];
    private readonly double frequency;
    private readonly Lock gate = new();
    private readonly Queue<char> keys = new();
    private volatile bool stopping;
    private volatile IPEndPoint? gateway;
    private volatile bool silent;

    public ToneMedia(string name, double frequency)
    {
        Name = name;
        this.frequency = frequency;
        socket.ReceiveTimeout = 100;
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        Port = ((IPEndPoint)socket.LocalEndPoint!).Port;
        receiver = new Thread(Receive) { IsBackground = true, Name = "tone-media-in-" + name };
        sender = new Thread(Send) { IsBackground = true, Name = "tone-media-out-" + name };
        receiver.Start();
        sender.Start();
    }

    public string Name { get; }

    public int Port { get; }

    /// <summary>Frames (20 ms, decoded) heard so far.</summary>
    public int FramesHeard
    {
        get
        {
            lock (gate)
            {
                return heard.Count;
            }
        }
    }

    /// <summary>Where to send (the gateway's media address from its SDP); until then the phone answers the first packet heard.</summary>
    public void SendTo(IPEndPoint to) => gateway = to;

    /// <summary>Stops speaking (the phone's call ended); a later <see cref="SendTo"/> speaks again.</summary>
    public void Hush() => silent = true;

    /// <summary>Speaks again after <see cref="Hush"/>, to <paramref name="to"/> (or, when null, to whoever is heard first).</summary>
    public void Speak(IPEndPoint? to)
    {
        gateway = to;
        silent = false;
    }

    /// <summary>Presses <paramref name="key"/> (RFC 4733, payload type 101) in the phone's stream.</summary>
    public void Press(char key)
    {
        lock (gate)
        {
            keys.Enqueue(key);
        }
    }

    /// <summary>
    /// Waits until <paramref name="frames"/> more frames have been heard after <paramref name="from"/> and returns the share of
    /// <paramref name="tone"/> (Goertzel, mean over frames with sound) in those frames, skipping the first
    /// <paramref name="skip"/> (the bridge's change settling).
    /// </summary>
    public async Task<Stretch> ListenAsync(int from, int frames, TimeSpan timeout, int skip = 5)
    {
        var clock = Stopwatch.StartNew();
        while (FramesHeard < from + skip + frames)
        {
            Assert.True(clock.Elapsed < timeout, $"{Name}: heard {FramesHeard - from} frames of {skip + frames} within {timeout}");
            await Task.Delay(20);
        }

        lock (gate)
        {
            return new Stretch(Name, heard.GetRange(from + skip, frames));
        }
    }

    public void Dispose()
    {
        stopping = true;
        receiver.Join(TimeSpan.FromSeconds(2));
        sender.Join(TimeSpan.FromSeconds(2));
        socket.Dispose();
    }

    /// <summary>The share of <paramref name="frequency"/> in a frame's energy (Goertzel): about 1 for that pure tone, 0 without it.</summary>
    internal static double ToneShare(ReadOnlySpan<short> samples, double frequency)
    {
        var coefficient = 2 * Math.Cos(2 * Math.PI * frequency / 8000);
        double s1 = 0, s2 = 0, total = 0;
        foreach (var x in samples)
        {
            var s0 = x + (coefficient * s1) - s2;
            s2 = s1;
            s1 = s0;
            total += (double)x * x;
        }

        var power = (s1 * s1) + (s2 * s2) - (coefficient * s1 * s2);
        return total == 0 ? 0 : 2 * power / (samples.Length * total);
    }

    internal static bool HasSound(ReadOnlySpan<short> samples)
    {
        double total = 0;
        foreach (var x in samples)
        {
            total += (double)x * x;
        }

        return total / samples.Length > 10_000; // RMS above 100: more than G.711's idle noise
    }

    private void Send()
    {
        var packet = new byte[12 + 160];
        var samples = new short[160];
        ushort sequence = (ushort)Random.Shared.Next(0, 30_000);
        uint timestamp = (uint)Random.Shared.Next(1, 1 << 20);
        var ssrc = (uint)Random.Shared.Next(1, int.MaxValue);
        long sampleClock = 0;
        var clock = Stopwatch.StartNew();
        var tick = 0L;
        var keyPackets = 0;
        var keyCode = 0;
        uint keyTimestamp = 0;
        while (!stopping)
        {
            tick++;
            var due = TimeSpan.FromMilliseconds(20 * tick);
            while (clock.Elapsed < due && !stopping)
            {
                Thread.Sleep(1);
            }

            var to = gateway;
            if (to is null || silent)
            {
                continue;
            }

            if (keyPackets == 0)
            {
                lock (gate)
                {
                    if (keys.TryDequeue(out var key))
                    {
                        keyCode = key switch { '*' => 10, '#' => 11, _ => key - '0' };
                        keyPackets = 8;
                        keyTimestamp = timestamp;
                    }
                }
            }

            try
            {
                if (keyPackets > 0)
                {
                    // RFC 4733: five updates 20 ms apart with a growing duration, then three copies of the end packet.
                    var index = 9 - keyPackets;
                    var end = index > 5;
                    Header(packet, index == 1, TelephoneEvent, sequence++, keyTimestamp, ssrc);
                    packet[12] = (byte)keyCode;
                    packet[13] = (byte)((end ? 0x80 : 0) | 10);
                    BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(14), (ushort)(Math.Min(index, 5) * 160));
                    socket.SendTo(packet.AsSpan(0, 16), to);
                    keyPackets--;
                    if (keyPackets == 0)
                    {
                        timestamp += 6 * 160;
                    }

                    continue;
                }

                for (var i = 0; i < 160; i++)
                {
                    samples[i] = (short)(8000 * Math.Sin(2 * Math.PI * frequency * (sampleClock + i) / 8000.0));
                }

                sampleClock += 160;
                Header(packet, false, 0, sequence++, timestamp, ssrc);
                for (var i = 0; i < 160; i++)
                {
                    packet[12 + i] = IvrG711.EncodeMuLaw(samples[i]);
                }

                socket.SendTo(packet, to);
                timestamp += 160;
            }
            catch (SocketException)
            {
                // The gateway's port is gone (the call ended): keep the clock, the test decides what it means.
            }
            catch (ObjectDisposedException)
            {
                return;
            }
        }
    }

    private static void Header(byte[] packet, bool marker, byte payloadType, ushort sequence, uint timestamp, uint ssrc)
    {
        packet[0] = 0x80;
        packet[1] = (byte)((marker ? 0x80 : 0) | payloadType);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), sequence);
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(4), timestamp);
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(8), ssrc);
    }

    private void Receive()
    {
        var buffer = new byte[2048];
        EndPoint from = new IPEndPoint(IPAddress.Any, 0);
        while (!stopping)
        {
            int length;
            try
            {
                length = socket.ReceiveFrom(buffer, ref from);
            }
            catch (SocketException)
            {
                continue; // the receive timeout (a chance to stop), or an ICMP port unreachable from a call that ended
            }
            catch (ObjectDisposedException)
            {
                return;
            }

            var payloadType = (byte)(buffer[1] & 0x7F);
            if (length <= 12 || buffer[0] >> 6 != 2 || payloadType is not (0 or 8))
            {
                continue;
            }

            gateway ??= (IPEndPoint)from;
            var samples = new short[length - 12];
            for (var i = 0; i < samples.Length; i++)
            {
                samples[i] = IvrG711.Decode(payloadType, buffer[12 + i]);
            }

            lock (gate)
            {
                heard.Add(samples);
            }
        }
    }
}

/// <summary>A stretch of frames one party heard, and the Goertzel questions a test asks of it.</summary>
internal sealed class Stretch(string party, IReadOnlyList<short[]> frames)
{
    /// <summary>Mean share of <paramref name="tone"/> over the frames with sound.</summary>
    public double Share(double tone)
    {
        double total = 0;
        var counted = 0;
        foreach (var frame in frames)
        {
            if (ToneMedia.HasSound(frame))
            {
                total += ToneMedia.ToneShare(frame, tone);
                counted++;
            }
        }

        return counted == 0 ? 0 : total / counted;
    }

    public void Hears(double tone, string why) =>
        Assert.True(Share(tone) > 0.12, $"{party} should hear {tone} Hz ({why}): share {Share(tone):0.0000}");

    public void DoesNotHear(double tone, string why) =>
        Assert.True(Share(tone) < 0.01, $"{party} should not hear {tone} Hz ({why}): share {Share(tone):0.0000}");
}
