using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using ContactCenter.Media.Codecs;
using ContactCenter.Media.Dtmf;
using ContactCenter.Media.Rtp;
using ContactCenter.Media.Sessions;
using Microsoft.Extensions.Logging.Abstractions;

namespace ContactCenter.Media.Tests.Sessions;

/// <summary>A far-end phone on 127.0.0.1: a real UDP socket that records what arrives and can send RTP.</summary>
internal sealed class RtpPeer : IAsyncDisposable
{
    private readonly Socket socket = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    private readonly CancellationTokenSource stop = new();
    private readonly Thread receiver;
    private ushort sequence = 1000;
    private uint timestamp = 50_000;

    public RtpPeer(int port = 0)
    {
        socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
        socket.ReceiveBufferSize = 1 << 20;
        EndPoint = (IPEndPoint)socket.LocalEndPoint!;
        socket.ReceiveTimeout = 100;
        // A dedicated thread with a blocking receive: arrival times are not delayed by the thread pool.
        receiver = new Thread(Receive) { IsBackground = true, Name = "rtp-peer" };
        receiver.Start();
    }

    public IPEndPoint EndPoint { get; }

    public uint Ssrc { get; } = 0x5EED0001;

    public ConcurrentQueue<Received> Packets { get; } = new();

    public sealed record Received(long At, RtpHeader Header, byte[] Payload);

    public async Task<List<Received>> WaitForAsync(Func<List<Received>, bool> done, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
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

    /// <summary>Leaves a gap in the timestamps, as silence suppression or lost packets do.</summary>
    public void SkipSamples(int count) => timestamp += (uint)count;

    public void SendAudio(IPEndPoint to, AudioCodec codec, ReadOnlySpan<short> samples, bool marker = false, int? payloadType = null)
    {
        byte[] packet = new byte[12 + samples.Length];
        new RtpHeader { Marker = marker, PayloadType = (byte)(payloadType ?? (int)codec), SequenceNumber = sequence++, Timestamp = timestamp, Ssrc = Ssrc }.WriteTo(packet);
        G711.Encode(codec, samples, packet.AsSpan(12));
        timestamp += (uint)samples.Length;
        socket.SendTo(packet, to);
    }

    /// <summary>Sends one RFC 4733 event as a phone does: updates every 20 ms, three end packets.</summary>
    public async Task SendEventAsync(IPEndPoint to, int payloadType, char digit, int packets = 5)
    {
        uint eventTimestamp = timestamp;
        byte code = (byte)DtmfDigits.ToEventCode(digit);
        for (int i = 1; i <= packets + 3; i++)
        {
            bool end = i > packets;
            ushort duration = (ushort)(Math.Min(i, packets) * 160);
            byte[] packet = new byte[16];
            new RtpHeader { Marker = i == 1, PayloadType = (byte)payloadType, SequenceNumber = sequence++, Timestamp = eventTimestamp, Ssrc = Ssrc }.WriteTo(packet);
            new TelephoneEvent(code, end, 10, duration).WriteTo(packet.AsSpan(12));
            socket.SendTo(packet, to);
            await Task.Delay(end ? 2 : 20);
        }

        timestamp += (uint)(packets * 160) + 160;
    }

    public void SendRaw(IPEndPoint to, byte[] data) => socket.SendTo(data, to);

    private void Receive()
    {
        byte[] buffer = new byte[2048];
        while (!stop.IsCancellationRequested)
        {
            try
            {
                int length = socket.Receive(buffer);
                long at = Stopwatch.GetTimestamp();
                if (RtpHeader.TryParse(buffer.AsSpan(0, length), out RtpHeader header))
                {
                    Packets.Enqueue(new Received(at, header, buffer.AsSpan(header.HeaderLength, header.PayloadLength).ToArray()));
                }
            }
            catch (SocketException)
            {
                // Timeout (to check for stop) or an ICMP error: keep listening.
            }
            catch (ObjectDisposedException)
            {
                break;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        receiver.Join(TimeSpan.FromSeconds(1));
        socket.Dispose();
        stop.Dispose();
    }
}

internal static class TestEngine
{
    private static int nextBase = 20000 + (Environment.ProcessId % 200 * 150);

    public static MediaEngine Create(TimeProvider? time = null, Action<MediaOptions>? configure = null, bool runClock = true, bool useEpoll = true)
    {
        int start = Interlocked.Add(ref nextBase, 100);
        if (start > 60000)
        {
            start = 20000 + (start % 40000);
        }

        var options = new MediaOptions { BindAddress = "127.0.0.1", PortRangeStart = start, PortRangeEnd = start + 99 };
        configure?.Invoke(options);
        return new MediaEngine(options, time ?? TimeProvider.System, NullLoggerFactory.Instance, runClock, useEpoll);
    }

    public static RemoteMedia To(RtpPeer peer, AudioCodec codec = AudioCodec.Pcmu, int? telephoneEvent = 101) => new()
    {
        RtpEndPoint = peer.EndPoint,
        Codec = codec,
        TelephoneEventPayloadType = telephoneEvent,
    };

    public static short[] Decode(IEnumerable<RtpPeer.Received> packets, AudioCodec codec)
    {
        var all = new List<short>();
        foreach (var packet in packets)
        {
            var samples = new short[packet.Payload.Length];
            G711.Decode(codec, packet.Payload, samples);
            all.AddRange(samples);
        }

        return [.. all];
    }
}
