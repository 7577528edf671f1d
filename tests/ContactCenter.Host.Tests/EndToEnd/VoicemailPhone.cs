using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace ContactCenter.Host.Tests.EndToEnd;

/// <summary>
/// The media side of a caller's phone, owned by the test (SIPp does the signalling and points its SDP here): one UDP
/// socket on 127.0.0.1 that hears the gateway's RTP (kept, with arrival times, for conditions such as "the beep has
/// played") and sends back from the same socket, as a phone does (the gateway latches to it): G.711 µ-law audio paced
/// every 20 ms and RFC 4733 key presses (payload type 101).
/// </summary>
internal sealed class VoicemailPhone : IDisposable
{
    private const byte TelephoneEvent = 101;
    private readonly Socket socket = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    private readonly Thread receiver;
    private readonly List<(long At, short[] Samples)> heard = [];
    private volatile bool stopping;
    private volatile EndPoint? gateway;
    private ushort sequence = 4000;
    private uint timestamp = 80_000;

    public VoicemailPhone()
    {
        socket.ReceiveTimeout = 100;
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        Port = ((IPEndPoint)socket.LocalEndPoint!).Port;
        receiver = new Thread(Receive) { IsBackground = true, Name = "voicemail-phone" };
        receiver.Start();
    }

    public int Port { get; }

    public int PacketsHeard
    {
        get
        {
            lock (heard)
            {
                return heard.Count;
            }
        }
    }

    /// <summary>How long since the gateway last sent audio (its prompts have ended when this grows).</summary>
    public TimeSpan SinceLastPacket
    {
        get
        {
            lock (heard)
            {
                return heard.Count == 0 ? TimeSpan.MaxValue : Stopwatch.GetElapsedTime(heard[^1].At);
            }
        }
    }

    /// <summary>Frames of 20 ms heard since <paramref name="fromPacket"/> in which a tone of <paramref name="frequency"/> Hz dominates.</summary>
    public int ToneFrames(double frequency, int fromPacket = 0)
    {
        lock (heard)
        {
            return heard.Skip(fromPacket).Count(p => Rms(p.Samples) > 500 && ToneShare(p.Samples, frequency) > 0.9);
        }
    }

    public static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < timeout, $"{what}: not within {timeout}");
            await Task.Delay(20);
        }
    }

    /// <summary>Sends audio as 20 ms µ-law packets on a steady 20 ms clock, again and again until <paramref name="until"/> holds.</summary>
    public async Task SendAudioUntilAsync(short[] samples, Func<bool> until, TimeSpan timeout, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!until())
        {
            Assert.True(clock.Elapsed < timeout, $"{what}: not within {timeout}");
            await SendAudioAsync(samples, until);
        }
    }

    /// <summary>Samples of audio sent so far.</summary>
    public long SamplesSent { get; private set; }

    /// <summary>
    /// Sends audio as 20 ms µ-law packets on absolute 20 ms deadlines, as a phone's sound card clocks them (a late packet
    /// is followed by the next at once, so the rate stays real time on a busy machine), stopping early when
    /// <paramref name="stop"/> holds.
    /// </summary>
    public async Task SendAudioAsync(short[] samples, Func<bool>? stop = null)
    {
        var to = gateway ?? throw new InvalidOperationException("nothing heard from the gateway yet: its media address is unknown");
        var clock = Stopwatch.StartNew();
        var packet = new byte[12 + 160];
        for (var offset = 0; offset < samples.Length && stop?.Invoke() != true; offset += 160)
        {
            var due = TimeSpan.FromMilliseconds(offset / 8.0);
            if (due > clock.Elapsed)
            {
                await Task.Delay(due - clock.Elapsed);
            }

            Header(packet, marker: offset == 0, payloadType: 0, timestamp);
            for (var i = 0; i < 160; i++)
            {
                packet[12 + i] = IvrG711.EncodeMuLaw(offset + i < samples.Length ? samples[offset + i] : (short)0);
            }

            socket.SendTo(packet, to);
            timestamp += 160;
            SamplesSent += 160;
        }
    }

    /// <summary>One key press as a phone sends it (RFC 4733): five updates 20 ms apart, then three end packets.</summary>
    public async Task PressAsync(char digit)
    {
        var to = gateway ?? throw new InvalidOperationException("nothing heard from the gateway yet: its media address is unknown");
        var code = digit switch
        {
            '*' => 10,
            '#' => 11,
            _ => digit - '0',
        };
        var packet = new byte[16];
        for (var i = 1; i <= 8; i++)
        {
            var end = i > 5;
            Header(packet, marker: i == 1, payloadType: TelephoneEvent, timestamp);
            packet[12] = (byte)code;
            packet[13] = (byte)((end ? 0x80 : 0) | 10);
            BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(14), (ushort)(Math.Min(i, 5) * 160));
            socket.SendTo(packet, to);
            await Task.Delay(end ? 5 : 20);
        }

        timestamp += 6 * 160;
    }

    public void Dispose()
    {
        stopping = true;
        receiver.Join(TimeSpan.FromSeconds(2));
        socket.Dispose();
    }

    private void Header(byte[] packet, bool marker, byte payloadType, uint time)
    {
        packet[0] = 0x80;
        packet[1] = (byte)((marker ? 0x80 : 0) | payloadType);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), sequence++);
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(4), time);
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(8), 0x7E570001);
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
            catch (SocketException e) when (e.SocketErrorCode is SocketError.TimedOut or SocketError.ConnectionReset)
            {
                continue;
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

            gateway ??= new IPEndPoint(((IPEndPoint)from).Address, ((IPEndPoint)from).Port);
            var samples = new short[length - 12];
            for (var i = 0; i < samples.Length; i++)
            {
                samples[i] = IvrG711.Decode(payloadType, buffer[12 + i]);
            }

            lock (heard)
            {
                heard.Add((Stopwatch.GetTimestamp(), samples));
            }
        }
    }

    private static double Rms(short[] samples) => Math.Sqrt(samples.Average(s => (double)s * s));

    /// <summary>The share of the frame's energy at <paramref name="frequency"/> (Goertzel): about 1 for a pure tone.</summary>
    private static double ToneShare(short[] samples, double frequency)
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
}
