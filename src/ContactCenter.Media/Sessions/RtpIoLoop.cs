using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;

namespace ContactCenter.Media.Sessions;

/// <summary>Something that reads one datagram from its socket when the I/O loop says it is readable.</summary>
internal interface IRtpReceiver
{
    /// <summary>
    /// The socket is readable: receive the waiting datagrams (one or a few) into <paramref name="buffer"/>
    /// and handle them; true when it stopped with more possibly waiting (a burst).
    /// </summary>
    bool OnReadable(byte[] buffer, SocketAddress from);
}

/// <summary>
/// The RTP receive path on Linux: a few I/O threads (one per core, at most four), each waiting in
/// its own epoll set on the RTP sockets assigned to it, reading the readable ones and handling each
/// packet right there (parse, relay, send on the other leg's socket). Compared with one pending
/// <c>ReceiveFromAsync</c> per socket this drops the thread-pool hop, the extra would-block receive
/// after every packet and the pool's spinning: one recvfrom and one sendto per relayed packet,
/// with epoll_wait shared by every packet ready at the same time. Level-triggered, one datagram per
/// readiness (more only while FIONREAD says so, up to a cap), so a flooded socket cannot starve
/// the others and no receive fails with EAGAIN.
/// </summary>
internal sealed partial class RtpIoLoop : IDisposable
{
    private const int MaxEvents = 256;
    private const int WaitMilliseconds = 250;
    private const int BufferSize = 2048;

    private readonly Worker[] workers;
    private readonly ILogger logger;
    private readonly long pauseNanoseconds;
    private readonly long pauseTicks;
    private int nextWorker;
    private volatile bool stopping;

    private RtpIoLoop(int threads, TimeSpan batchPause, ILogger logger)
    {
        this.logger = logger;
        pauseNanoseconds = (long)(batchPause.TotalMilliseconds * 1_000_000);
        pauseTicks = (long)(batchPause.TotalSeconds * Stopwatch.Frequency);
        workers = new Worker[threads];
        try
        {
            for (int i = 0; i < threads; i++)
            {
                workers[i] = new Worker(this, i);
            }
        }
        catch
        {
            Dispose();
            throw;
        }

        foreach (Worker worker in workers)
        {
            worker.Start();
        }
    }

    /// <summary>Linux on x64 or arm64 (the two layouts of <c>struct epoll_event</c> handled here).</summary>
    public static bool IsSupported =>
        OperatingSystem.IsLinux()
        && RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.Arm64;

    /// <summary>Starts the loop's threads, or returns null where epoll is not available (the caller falls back to async receives).</summary>
    /// <remarks>
    /// <paramref name="batchPause"/>: after handling a batch a thread rests this long before looking
    /// again, so packets that arrive meanwhile are picked up by one epoll_wait instead of one wake-up
    /// (a context switch) each; an idle thread still wakes at once for the first packet, and a thread
    /// that just met a burst (a socket with more waiting, or a batch that took longer than the pause) does
    /// not rest. This is interrupt moderation: it bounds wake-ups per thread to about 1/pause per second
    /// at the cost of at most that much added latency, and never slows a thread that has more work than
    /// rest. Zero turns it off.
    /// </remarks>
    public static RtpIoLoop? TryCreate(int threads, TimeSpan batchPause, ILogger logger)
    {
        if (!IsSupported)
        {
            return null;
        }

        try
        {
            return new RtpIoLoop(Math.Max(1, threads), batchPause, logger);
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException or SocketException)
        {
            logger.LogWarning(ex, "epoll is not available; RTP is received with async socket operations.");
            return null;
        }
    }

    public int ThreadCount => workers.Length;

    /// <summary>Watches <paramref name="socket"/> (made non-blocking) for <paramref name="receiver"/>; dispose the result before closing the socket.</summary>
    public IDisposable Register(Socket socket, IRtpReceiver receiver)
    {
        ObjectDisposedException.ThrowIf(stopping, this);
        socket.Blocking = false;
        int index = (int)((uint)Interlocked.Increment(ref nextWorker) % (uint)workers.Length);
        return workers[index].Add(socket, receiver);
    }

    public void Dispose()
    {
        stopping = true;
        foreach (Worker? worker in workers)
        {
            worker?.Dispose();
        }
    }

    private static SocketException LastError(string call) => new(Marshal.GetLastPInvokeError(), $"{call} failed");

    /// <summary>One I/O thread and its epoll set.</summary>
    private sealed class Worker : IDisposable
    {
        private readonly RtpIoLoop owner;
        private readonly int epollFd;
        private readonly Thread thread;
        private readonly Lock gate = new();
        private readonly Stack<int> freeSlots = new();
        private Slot?[] slots = new Slot?[64];
        private int used;
        private uint generation;

        public Worker(RtpIoLoop owner, int index)
        {
            this.owner = owner;
            epollFd = Native.EpollCreate1(Native.EpollCloexec);
            if (epollFd < 0)
            {
                throw LastError("epoll_create1");
            }

            thread = new Thread(Run) { IsBackground = true, Name = $"rtp-io-{index}" };
        }

        public void Start() => thread.Start();

        public IDisposable Add(Socket socket, IRtpReceiver receiver)
        {
            Slot slot;
            lock (gate)
            {
                int index;
                if (freeSlots.Count > 0)
                {
                    index = freeSlots.Pop();
                }
                else
                {
                    if (used == slots.Length)
                    {
                        var grown = new Slot?[slots.Length * 2];
                        slots.CopyTo(grown, 0);
                        Volatile.Write(ref slots, grown);
                    }

                    index = used++;
                }

                generation++;
                slot = new Slot(this, socket, receiver, index, generation);
                Volatile.Write(ref slots[index], slot);
            }

            if (Native.Control(epollFd, Native.EpollCtlAdd, (int)socket.Handle, Native.EpollIn, slot.Token) < 0)
            {
                SocketException error = LastError("epoll_ctl(ADD)");
                Remove(slot);
                throw error;
            }

            return slot;
        }

        public void Remove(Slot slot)
        {
            lock (gate)
            {
                if (slots[slot.Index] != slot)
                {
                    return;
                }

                Volatile.Write(ref slots[slot.Index], null);
                freeSlots.Push(slot.Index);
            }

            try
            {
                // Closing the socket would drop it from the set too; deleting first means no event for
                // it is returned once this call is back (a wait already returned is checked by token).
                _ = Native.Control(epollFd, Native.EpollCtlDel, (int)slot.Socket.Handle, 0, 0);
            }
            catch (ObjectDisposedException)
            {
                // Socket already closed: the kernel removed it.
            }
        }

        public void Dispose()
        {
            if (thread.IsAlive && thread != Thread.CurrentThread)
            {
                thread.Join(TimeSpan.FromSeconds(2));
            }

            _ = Native.Close(epollFd);
        }

        private void Run()
        {
            byte[] buffer = GC.AllocateUninitializedArray<byte>(BufferSize, pinned: true);
            var from4 = new SocketAddress(AddressFamily.InterNetwork);
            var from6 = new SocketAddress(AddressFamily.InterNetworkV6);
            var events = new Native.EpollEvent[MaxEvents];
            while (!owner.stopping)
            {
                int count = Native.Wait(epollFd, events, WaitMilliseconds);
                if (count < 0)
                {
                    int errno = Marshal.GetLastPInvokeError();
                    if (errno != Native.EINTR)
                    {
                        owner.logger.LogError("epoll_wait failed with errno {Errno}; RTP I/O thread stops.", errno);
                        return;
                    }

                    continue;
                }

                long batchStarted = Stopwatch.GetTimestamp();
                Slot?[] current = Volatile.Read(ref slots);
                bool burst = false;
                for (int i = 0; i < count; i++)
                {
                    ulong token = events[i].Data;
                    int index = (int)(token & 0xFFFF_FFFF);
                    if ((uint)index >= (uint)current.Length || current[index] is not { } slot || slot.Token != token)
                    {
                        continue;
                    }

                    try
                    {
                        burst |= slot.Receiver.OnReadable(buffer, slot.Socket.AddressFamily == AddressFamily.InterNetworkV6 ? from6 : from4);
                    }
                    catch (Exception ex)
                    {
                        owner.logger.LogError(ex, "An RTP packet could not be handled.");
                    }
                }

                // Rest only after a light batch: one that took longer than the pause means packets are arriving faster
                // than a rest would save wake-ups, and resting would hold a burst's tail (every call's packet at once,
                // as SIPp's rtp_stream sends them) back by a pause per batch.
                if (count > 0 && count < MaxEvents && !burst && owner.pauseNanoseconds > 0
                    && Stopwatch.GetTimestamp() - batchStarted < owner.pauseTicks)
                {
                    Native.Pause(owner.pauseNanoseconds);
                }
            }
        }
    }

    /// <summary>One watched socket; disposing it stops the watch.</summary>
    private sealed class Slot(Worker worker, Socket socket, IRtpReceiver receiver, int index, uint generation) : IDisposable
    {
        public Socket Socket { get; } = socket;

        public IRtpReceiver Receiver { get; } = receiver;

        public int Index { get; } = index;

        public ulong Token { get; } = ((ulong)generation << 32) | (uint)index;

        public void Dispose() => worker.Remove(this);
    }

    /// <summary>libc's epoll, with <c>struct epoll_event</c> packed on x64 (12 bytes) and natural on arm64 (16).</summary>
    private static partial class Native
    {
        public const int EpollCloexec = 0x80000;
        public const int EpollCtlAdd = 1;
        public const int EpollCtlDel = 2;
        public const uint EpollIn = 0x001;
        public const int EINTR = 4;

        private static readonly bool Packed = RuntimeInformation.ProcessArchitecture == Architecture.X64;

        public static int Control(int epollFd, int op, int fd, uint events, ulong data)
        {
            unsafe
            {
                if (Packed)
                {
                    var packed = new EpollEvent { Events = events, Data = data };
                    return EpollCtl(epollFd, op, fd, &packed);
                }

                var natural = new EpollEventNatural { Events = events, Data = data };
                return EpollCtl(epollFd, op, fd, (EpollEvent*)&natural);
            }
        }

        public static int Wait(int epollFd, EpollEvent[] events, int timeout)
        {
            unsafe
            {
                if (Packed)
                {
                    fixed (EpollEvent* buffer = events)
                    {
                        return EpollWait(epollFd, buffer, events.Length, timeout);
                    }
                }

                EpollEventNatural* natural = stackalloc EpollEventNatural[events.Length];
                int count = EpollWait(epollFd, (EpollEvent*)natural, events.Length, timeout);
                for (int i = 0; i < count; i++)
                {
                    events[i] = new EpollEvent { Events = natural[i].Events, Data = natural[i].Data };
                }

                return count;
            }
        }

        public static void Pause(long nanoseconds)
        {
            unsafe
            {
                var request = new Timespec { Seconds = nanoseconds / 1_000_000_000, Nanoseconds = nanoseconds % 1_000_000_000 };
                _ = Nanosleep(&request, null);
            }
        }

        [LibraryImport("libc", EntryPoint = "epoll_create1", SetLastError = true)]
        public static partial int EpollCreate1(int flags);

        [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
        public static partial int Close(int fd);

        [LibraryImport("libc", EntryPoint = "epoll_ctl", SetLastError = true)]
        private static unsafe partial int EpollCtl(int epollFd, int op, int fd, EpollEvent* value);

        [LibraryImport("libc", EntryPoint = "epoll_wait", SetLastError = true)]
        private static unsafe partial int EpollWait(int epollFd, EpollEvent* events, int maxEvents, int timeout);

        [LibraryImport("libc", EntryPoint = "nanosleep")]
        private static unsafe partial int Nanosleep(Timespec* request, Timespec* remaining);

        [StructLayout(LayoutKind.Sequential)]
        private struct Timespec
        {
            public long Seconds;
            public long Nanoseconds;
        }

        [StructLayout(LayoutKind.Sequential, Pack = 4)]
        public struct EpollEvent
        {
            public uint Events;
            public ulong Data;
        }

        [StructLayout(LayoutKind.Sequential)]
        private struct EpollEventNatural
        {
            public uint Events;
            public ulong Data;
        }
    }
}
