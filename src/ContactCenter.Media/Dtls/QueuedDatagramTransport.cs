using System.Buffers;
using System.Collections.Concurrent;
using Org.BouncyCastle.Tls;

namespace ContactCenter.Media.Dtls;

/// <summary>Sends one datagram to the leg's peer (the nominated ICE pair) on the leg's own socket.</summary>
internal interface IDatagramSender
{
    /// <summary>Sends <paramref name="datagram"/>; must not throw for a transient socket error.</summary>
    void Send(ReadOnlySpan<byte> datagram);
}

/// <summary>
/// BouncyCastle's blocking <see cref="DatagramTransport"/> over the leg's shared socket: the leg hands
/// in the DTLS datagrams it demultiplexed (RFC 7983), which wait in a bounded queue until the DTLS
/// thread asks for one; what DTLS sends goes straight out through <see cref="IDatagramSender"/>.
/// A receive blocks at most the time BouncyCastle asks for, and is cut short by the cancellation
/// token (the handshake timeout) or by <see cref="Close"/>.
/// </summary>
internal sealed class QueuedDatagramTransport : DatagramTransport
{
    private const int ReceiveLimit = 1500;

    private readonly ConcurrentQueue<(byte[] Buffer, int Length)> queue = new();
    private readonly SemaphoreSlim available = new(0);
    private readonly IDatagramSender sender;
    private readonly int sendLimit;
    private readonly int maxQueued;
    private volatile bool closed;
    private CancellationToken cancellation;

    public QueuedDatagramTransport(IDatagramSender sender, int sendLimit, int maxQueued)
    {
        this.sender = sender;
        this.sendLimit = sendLimit;
        this.maxQueued = maxQueued;
    }

    /// <summary>Whether DTLS (or the leg) closed the transport.</summary>
    public bool IsClosed => closed;

    /// <summary>Datagrams waiting.</summary>
    public int Pending => queue.Count;

    /// <summary>The token that cuts blocking receives short (set before the handshake starts).</summary>
    public CancellationToken Cancellation
    {
        get => cancellation;
        set => cancellation = value;
    }

    /// <summary>Queues a datagram from the peer (copied); false when closed or the queue is full.</summary>
    public bool Enqueue(ReadOnlySpan<byte> datagram)
    {
        if (closed || datagram.Length > ReceiveLimit || queue.Count >= maxQueued)
        {
            return false;
        }

        byte[] buffer = ArrayPool<byte>.Shared.Rent(datagram.Length);
        datagram.CopyTo(buffer);
        queue.Enqueue((buffer, datagram.Length));
        available.Release();
        return true;
    }

    public int GetReceiveLimit() => ReceiveLimit;

    public int GetSendLimit() => sendLimit;

    public int Receive(byte[] buf, int off, int len, int waitMillis) => Receive(buf.AsSpan(off, len), waitMillis);

    public int Receive(Span<byte> buffer, int waitMillis)
    {
        if (closed)
        {
            throw new IOException("The DTLS transport is closed.");
        }

        // BouncyCastle's waitMillis is how long it may block here (it runs its own retransmission timers).
        if (!available.Wait(Math.Max(waitMillis, 1), cancellation))
        {
            return -1;
        }

        if (!queue.TryDequeue(out (byte[] Buffer, int Length) item))
        {
            return closed ? throw new IOException("The DTLS transport is closed.") : -1;
        }

        try
        {
            int length = Math.Min(item.Length, buffer.Length);
            item.Buffer.AsSpan(0, length).CopyTo(buffer);
            return length;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(item.Buffer);
        }
    }

    public void Send(byte[] buf, int off, int len) => Send(buf.AsSpan(off, len));

    public void Send(ReadOnlySpan<byte> buffer)
    {
        if (!closed)
        {
            sender.Send(buffer);
        }
    }

    public void Close()
    {
        if (closed)
        {
            return;
        }

        closed = true;
        available.Release(); // wake a blocked receive so it sees the close
        while (queue.TryDequeue(out (byte[] Buffer, int Length) item))
        {
            ArrayPool<byte>.Shared.Return(item.Buffer);
        }
    }
}
