using Microsoft.Extensions.Logging;

namespace ContactCenter.Sip.Transactions;

/// <summary>
/// Deadlines for many items (finished transactions waiting out Timers H, I, J and L) kept in one
/// deadline-ordered queue and driven by a single <see cref="ITimer"/> of the injected
/// <see cref="TimeProvider"/>, instead of one timer per item. The timer is armed for the earliest
/// deadline; after a sweep it is re-armed no sooner than <see cref="MinSweepMilliseconds"/> later, so under load
/// one sweep expires a batch (an item may expire up to that much late, never early). Items are not
/// removed when their deadline changes: the owner keeps the current deadline and ignores stale ones
/// (<paramref name="onExpired"/> receives the deadline the item was queued with).
/// </summary>
internal sealed class ExpiryQueue<T> : IDisposable
    where T : class
{
    /// <summary>Shortest interval between two sweeps, in milliseconds.</summary>
    public const int MinSweepMilliseconds = 20;

    private readonly TimeProvider time;
    private readonly Action<T, long> onExpired;
    private readonly ILogger logger;
    private readonly object gate = new();
    private readonly PriorityQueue<T, long> queue = new();
    private readonly ITimer timer;
    private long armedFor = long.MaxValue;
    private bool disposed;

    public ExpiryQueue(TimeProvider time, Action<T, long> onExpired, ILogger logger)
    {
        this.time = time;
        this.onExpired = onExpired;
        this.logger = logger;
        timer = time.CreateTimer(static s => ((ExpiryQueue<T>)s!).Sweep(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Queued items (stale ones included).</summary>
    public int Count
    {
        get
        {
            lock (gate)
            {
                return queue.Count;
            }
        }
    }

    /// <summary>The deadline <paramref name="delay"/> from now, in <see cref="TimeProvider.GetTimestamp"/> units.</summary>
    public long DeadlineAfter(TimeSpan delay) => time.GetTimestamp() + ToTimestampUnits(delay);

    private long ToTimestampUnits(TimeSpan span) => (long)(span.Ticks * (time.TimestampFrequency / (double)TimeSpan.TicksPerSecond));

    public void Schedule(T item, long deadline)
    {
        lock (gate)
        {
            if (disposed)
            {
                return;
            }
            queue.Enqueue(item, deadline);
            if (deadline < armedFor)
            {
                Arm(deadline, time.GetTimestamp(), TimeSpan.Zero);
            }
        }
    }

    private void Arm(long deadline, long now, TimeSpan atLeast)
    {
        var delay = deadline <= now ? TimeSpan.Zero : time.GetElapsedTime(now, deadline);
        if (delay < atLeast)
        {
            delay = atLeast;
        }
        // A zero due time would run the sweep at once on another thread: 1 ms is as good.
        if (delay < TimeSpan.FromMilliseconds(1))
        {
            delay = TimeSpan.FromMilliseconds(1);
        }
        armedFor = now + ToTimestampUnits(delay);
        timer.Change(delay, Timeout.InfiniteTimeSpan);
    }

    private void Sweep()
    {
        List<(T Item, long Deadline)>? due = null;
        lock (gate)
        {
            if (disposed)
            {
                return;
            }
            var now = time.GetTimestamp();
            armedFor = long.MaxValue;
            while (queue.TryPeek(out var item, out var deadline) && deadline <= now)
            {
                queue.Dequeue();
                (due ??= new List<(T, long)>(Math.Min(queue.Count + 1, 256))).Add((item, deadline));
            }
            if (queue.TryPeek(out _, out var next))
            {
                Arm(next, now, TimeSpan.FromMilliseconds(MinSweepMilliseconds));
            }
        }
        if (due is null)
        {
            return;
        }
        foreach (var (item, deadline) in due)
        {
            try
            {
                onExpired(item, deadline);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                logger.LogWarning(ex, "Expiry handler failed");
            }
        }
    }

    public void Dispose()
    {
        lock (gate)
        {
            disposed = true;
            queue.Clear();
        }
        timer.Dispose();
    }
}
