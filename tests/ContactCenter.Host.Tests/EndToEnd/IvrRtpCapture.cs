using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace ContactCenter.Host.Tests.EndToEnd;

/// <summary>One RTP packet as it arrived at the test's socket (arrival on the monotonic Stopwatch clock).</summary>
internal sealed record IvrRtpPacket(long ArrivalTicks, bool Marker, byte PayloadType, ushort Sequence, uint Timestamp, uint Ssrc, byte[] Payload)
{
    public double ArrivalMs => ArrivalTicks * 1000.0 / Stopwatch.Frequency;
}

/// <summary>
/// A UDP socket on 127.0.0.1 that a caller's SDP points the gateway's media at: a dedicated thread
/// receives RTP and stamps each packet's arrival as soon as the receive returns, for a bounded time.
/// </summary>
internal sealed class IvrRtpCapture : IDisposable
{
    private readonly Socket socket = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    private readonly List<IvrRtpPacket> packets = [];
    private readonly Thread thread;
    private readonly TimeSpan duration;
    private volatile bool stopping;
    private string? failure;

    public IvrRtpCapture(TimeSpan duration)
    {
        this.duration = duration;
        socket.ReceiveBufferSize = 1 << 20;
        socket.ReceiveTimeout = 100;
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        Port = ((IPEndPoint)socket.LocalEndPoint!).Port;
        thread = new Thread(Run) { IsBackground = true, Name = "ivr-rtp-capture", Priority = ThreadPriority.Highest };
    }

    public int Port { get; }

    public void Start() => thread.Start();

    /// <summary>Waits for the capture to end (its duration elapsed, or <see cref="Stop"/>) and returns what arrived.</summary>
    public IReadOnlyList<IvrRtpPacket> Finish()
    {
        Assert.True(thread.Join(duration + TimeSpan.FromSeconds(5)), "the RTP capture thread did not stop");
        Assert.True(failure is null, failure);
        lock (packets)
        {
            return [.. packets];
        }
    }

    public void Stop() => stopping = true;

    public void Dispose()
    {
        stopping = true;
        if (thread.IsAlive)
        {
            thread.Join(TimeSpan.FromSeconds(2));
        }

        socket.Dispose();
    }

    private void Run()
    {
        var buffer = new byte[2048];
        var started = Stopwatch.GetTimestamp();
        try
        {
            while (!stopping && Stopwatch.GetElapsedTime(started) < duration)
            {
                int length;
                try
                {
                    length = socket.Receive(buffer);
                }
                catch (SocketException e) when (e.SocketErrorCode is SocketError.TimedOut or SocketError.ConnectionReset)
                {
                    continue;
                }

                var at = Stopwatch.GetTimestamp();
                if (length < 12 || buffer[0] >> 6 != 2)
                {
                    continue; // not RTP (version 2)
                }

                var csrcs = buffer[0] & 0x0F;
                var headerLength = 12 + (4 * csrcs);
                if ((buffer[0] & 0x10) != 0 && length >= headerLength + 4)
                {
                    headerLength += 4 + (4 * BinaryPrimitives.ReadUInt16BigEndian(buffer.AsSpan(headerLength + 2)));
                }

                var payloadLength = length - headerLength;
                if ((buffer[0] & 0x20) != 0 && payloadLength > 0)
                {
                    payloadLength -= buffer[length - 1];
                }

                if (payloadLength < 0)
                {
                    continue;
                }

                var packet = new IvrRtpPacket(
                    at,
                    (buffer[1] & 0x80) != 0,
                    (byte)(buffer[1] & 0x7F),
                    BinaryPrimitives.ReadUInt16BigEndian(buffer.AsSpan(2)),
                    BinaryPrimitives.ReadUInt32BigEndian(buffer.AsSpan(4)),
                    BinaryPrimitives.ReadUInt32BigEndian(buffer.AsSpan(8)),
                    buffer.AsSpan(headerLength, payloadLength).ToArray());
                lock (packets)
                {
                    packets.Add(packet);
                }
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            failure = "RTP capture failed: " + e.Message;
        }
    }
}
