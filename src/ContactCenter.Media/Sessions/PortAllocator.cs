using System.Net;
using System.Net.Sockets;

namespace ContactCenter.Media.Sessions;

/// <summary>Hands out even RTP ports (RTCP on the next odd one) from the configured range, round-robin.</summary>
internal sealed class PortAllocator
{
    private const int RtpReceiveBuffer = 1 << 20;

    private readonly IPAddress address;
    private readonly int first;
    private readonly int last;
    private readonly HashSet<int> inUse = [];
    private readonly Lock gate = new();
    private int next;

    public PortAllocator(IPAddress address, int start, int end)
    {
        this.address = address;
        first = (start + 1) & ~1;
        last = end - 1;
        next = first;
    }

    /// <summary>Binds an RTP/RTCP socket pair on the next free even port.</summary>
    public (Socket Rtp, Socket Rtcp, int Port) Allocate()
    {
        lock (gate)
        {
            int pairs = ((last - first) / 2) + 1;
            for (int attempt = 0; attempt < pairs; attempt++)
            {
                int port = next;
                next += 2;
                if (next > last)
                {
                    next = first;
                }

                if (inUse.Contains(port))
                {
                    continue;
                }

                Socket? rtp = null;
                Socket? rtcp = null;
                try
                {
                    rtp = Bind(port);
                    // Room for a burst (a peer's backlog after a network stall, a DTMF flood) while
                    // the RTP thread is busy; the kernel caps it at net.core.rmem_max.
                    rtp.ReceiveBufferSize = RtpReceiveBuffer;
                    rtcp = Bind(port + 1);
                    inUse.Add(port);
                    return (rtp, rtcp, port);
                }
                catch (SocketException)
                {
                    rtp?.Dispose();
                    rtcp?.Dispose();
                }
            }
        }

        throw new InvalidOperationException($"No free RTP port pair in Media:PortRangeStart..Media:PortRangeEnd ({first}-{last + 1}).");
    }

    public void Release(int port)
    {
        lock (gate)
        {
            inUse.Remove(port);
        }
    }

    private Socket Bind(int port)
    {
        var socket = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            socket.Bind(new IPEndPoint(address, port));
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
