using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using ContactCenter.Media.Codecs;
using ContactCenter.Media.Rtp;
using ContactCenter.Sip.Sdp;
using AudioCodec = ContactCenter.Media.Codecs.AudioCodec;

namespace ContactCenter.Telephony.Tests.Gateway.Monitoring;

/// <summary>
/// The media side of a phone on 127.0.0.1: a UDP socket that keeps every 20 ms µ-law frame the gateway sends it, decoded,
/// and speaks a tone to the gateway's port from the same socket (paced at 20 ms by a thread of its own, for a bounded time).
/// </summary>
internal sealed class TonePhone : IDisposable
{
    private readonly Socket socket = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    private readonly Thread receiver;
    private volatile bool stopping;

    public TonePhone(string name)
    {
        Name = name;
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        socket.ReceiveTimeout = 100;
        EndPoint = (IPEndPoint)socket.LocalEndPoint!;
        receiver = new Thread(Receive) { IsBackground = true, Name = "tone-phone-" + name };
        receiver.Start();
    }

    public string Name { get; }

    public IPEndPoint EndPoint { get; }

    /// <summary>Every frame heard, decoded, in arrival order.</summary>
    public ConcurrentQueue<short[]> Heard { get; } = new();

    /// <summary>Our port as the other side's SDP names it (the offer we were sent, or the answer we got).</summary>
    public static IPEndPoint GatewayPort(SessionDescription sdp) =>
        new(IPAddress.Loopback, sdp.Media[0].Port);

    /// <summary>Speaks <paramref name="frequency"/> Hz to <paramref name="gateway"/> for <paramref name="frames"/> frames of 20 ms.</summary>
    public Task SpeakAsync(IPEndPoint gateway, double frequency, int frames) => Task.Factory.StartNew(() =>
    {
        byte[] packet = new byte[12 + 160];
        short[] samples = new short[160];
        uint timestamp = 1000;
        var started = System.Diagnostics.Stopwatch.StartNew();
        for (int i = 0; i < frames && !stopping; i++)
        {
            for (int n = 0; n < 160; n++)
            {
                samples[n] = (short)(6000 * Math.Sin(2 * Math.PI * frequency * (timestamp + n) / 8000.0));
            }

            new RtpHeader { Marker = i == 0, PayloadType = 0, SequenceNumber = (ushort)i, Timestamp = timestamp, Ssrc = (uint)frequency }.WriteTo(packet);
            G711.Encode(AudioCodec.Pcmu, samples, packet.AsSpan(12));
            socket.SendTo(packet, gateway);
            timestamp += 160;
            // Paced on absolute deadlines (a phone's clock), not on Task.Delay.
            while (started.Elapsed < TimeSpan.FromMilliseconds(20 * (i + 1)) && !stopping)
            {
                Thread.Sleep(1);
            }
        }
    }, TaskCreationOptions.LongRunning);

    /// <summary>Mean Goertzel share of <paramref name="frequency"/> over the frames heard from <paramref name="from"/> on (frames with sound).</summary>
    public double Share(double frequency, int from = 0)
    {
        double total = 0;
        int frames = 0;
        foreach (short[] frame in Heard.Skip(from))
        {
            double share = ToneShare(frame, frequency);
            if (Energy(frame) > 0)
            {
                total += share;
                frames++;
            }
        }

        return frames == 0 ? 0 : total / frames;
    }

    /// <summary>Frames heard with sound.</summary>
    public int SoundFrames(int from = 0) => Heard.Skip(from).Count(f => Energy(f) > 0);

    private static double Energy(short[] frame)
    {
        double energy = 0;
        foreach (short x in frame)
        {
            energy += (double)x * x;
        }

        return energy / frame.Length > 100 ? energy : 0;
    }

    private static double ToneShare(ReadOnlySpan<short> samples, double frequency)
    {
        double coeff = 2 * Math.Cos(2 * Math.PI * frequency / 8000);
        double s1 = 0, s2 = 0, energy = 0;
        foreach (short x in samples)
        {
            double s0 = x + (coeff * s1) - s2;
            s2 = s1;
            s1 = s0;
            energy += (double)x * x;
        }

        return energy == 0 ? 0 : ((s1 * s1) + (s2 * s2) - (coeff * s1 * s2)) / (energy * samples.Length / 2.0);
    }

    private void Receive()
    {
        byte[] buffer = new byte[2048];
        while (!stopping)
        {
            try
            {
                int length = socket.Receive(buffer);
                if (RtpHeader.TryParse(buffer.AsSpan(0, length), out RtpHeader header) && header.PayloadType == 0)
                {
                    var samples = new short[header.PayloadLength];
                    G711.Decode(AudioCodec.Pcmu, buffer.AsSpan(header.HeaderLength, header.PayloadLength), samples);
                    Heard.Enqueue(samples);
                }
            }
            catch (SocketException)
            {
                // Receive timeout: check for stop.
            }
            catch (ObjectDisposedException)
            {
                break;
            }
        }
    }

    public void Dispose()
    {
        stopping = true;
        receiver.Join(TimeSpan.FromSeconds(1));
        socket.Dispose();
    }
}
