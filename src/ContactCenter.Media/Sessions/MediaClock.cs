using Microsoft.Extensions.Logging;

namespace ContactCenter.Media.Sessions;

/// <summary>Something the shared media clock calls every 20 ms while it is registered.</summary>
internal interface IClockClient
{
    /// <summary>One 20 ms frame is due; <paramref name="now"/> is the tick's deadline timestamp.</summary>
    void OnTick(long now);
}

/// <summary>
/// A pacing clock of the engine (one per core, sessions spread over them): a thread ticks every 20 ms on absolute deadlines
/// (start + n × 20 ms on the <see cref="TimeProvider"/>'s monotonic timestamps), so sending never
/// drifts however long each tick takes. When it wakes late it runs the missed ticks at once (up to
/// <see cref="MaxCatchUpTicks"/>, then skips ahead, keeping to the grid). It sleeps to within 1 ms
/// of each deadline and spins the rest for sub-millisecond accuracy, and parks when no
/// client is registered (no idle CPU).
/// </summary>
internal sealed class MediaClock : IDisposable
{
    public const int MaxCatchUpTicks = 10;
    public static readonly TimeSpan Period = TimeSpan.FromMilliseconds(20);

    private readonly TimeProvider timeProvider;
    private readonly ILogger logger;
    private readonly string name;
    private readonly long periodTicks;
    private readonly Lock gate = new();
    private readonly SemaphoreSlim wake = new(0, 1);
    private IClockClient[] clients = [];
    private Thread? thread;
    private volatile bool stopping;
    private long nextDeadline;
    private bool running;

    public MediaClock(TimeProvider timeProvider, ILogger logger, string name = "media-clock")
    {
        this.timeProvider = timeProvider;
        this.logger = logger;
        this.name = name;
        periodTicks = (long)(Period.TotalSeconds * timeProvider.TimestampFrequency);
    }

    /// <summary>Total ticks run (for tests and statistics).</summary>
    public long TicksRun { get; private set; }

    private long lateTicks;

    /// <summary>How late the clock woke for its last due tick (0 when idle): the pacing thread's queueing under load.</summary>
    public TimeSpan Lateness => running ? timeProvider.GetElapsedTime(0, Volatile.Read(ref lateTicks)) : TimeSpan.Zero;

    /// <summary>Ticks skipped because the thread was starved for longer than the catch-up window.</summary>
    public long TicksSkipped { get; private set; }

    public int ClientCount => Volatile.Read(ref clients).Length;

    /// <summary>Starts the pacing thread.</summary>
    public void Start()
    {
        thread = new Thread(Run) { IsBackground = true, Name = name, Priority = ThreadPriority.AboveNormal };
        thread.Start();
    }

    public void Register(IClockClient client)
    {
        bool wasIdle;
        lock (gate)
        {
            if (Array.IndexOf(clients, client) >= 0)
            {
                return;
            }

            wasIdle = clients.Length == 0;
            Volatile.Write(ref clients, [.. clients, client]);
        }

        if (wasIdle && wake.CurrentCount == 0)
        {
            try
            {
                wake.Release();
            }
            catch (SemaphoreFullException)
            {
                // Already signalled.
            }
        }
    }

    public void Unregister(IClockClient client)
    {
        lock (gate)
        {
            int index = Array.IndexOf(clients, client);
            if (index < 0)
            {
                return;
            }

            var copy = new IClockClient[clients.Length - 1];
            Array.Copy(clients, 0, copy, 0, index);
            Array.Copy(clients, index + 1, copy, index, clients.Length - index - 1);
            Volatile.Write(ref clients, copy);
        }
    }

    /// <summary>
    /// Runs every tick whose deadline is at or before <paramref name="now"/> and returns the next
    /// deadline. The first call after the clock was idle starts a new grid at <paramref name="now"/>.
    /// </summary>
    internal long RunDue(long now)
    {
        if (!running)
        {
            running = true;
            nextDeadline = now;
        }

        Volatile.Write(ref lateTicks, Math.Max(0, now - nextDeadline));

        int run = 0;
        while (nextDeadline <= now)
        {
            if (run == MaxCatchUpTicks)
            {
                long behind = (now - nextDeadline) / periodTicks + 1;
                nextDeadline += behind * periodTicks;
                TicksSkipped += behind;
                logger.LogWarning("Media clock starved: skipped {Ticks} ticks of 20 ms.", behind);
                break;
            }

            Tick(nextDeadline);
            nextDeadline += periodTicks;
            run++;
        }

        return nextDeadline;
    }

    /// <summary>Marks the clock idle so the next <see cref="RunDue"/> starts a fresh grid.</summary>
    internal void Park() => running = false;

    private void Tick(long deadline)
    {
        TicksRun++;
        foreach (IClockClient client in Volatile.Read(ref clients))
        {
            try
            {
                client.OnTick(deadline);
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "Media clock client failed on a tick.");
            }
        }
    }

    private void Run()
    {
        while (!stopping)
        {
            if (Volatile.Read(ref clients).Length == 0)
            {
                Park();
                wake.Wait(TimeSpan.FromMilliseconds(500));
                continue;
            }

            long deadline = RunDue(timeProvider.GetTimestamp());
            WaitUntil(deadline);
        }
    }

    private void WaitUntil(long deadline)
    {
        while (!stopping)
        {
            long remaining = deadline - timeProvider.GetTimestamp();
            if (remaining <= 0)
            {
                return;
            }

            // Sleep to within the last millisecond, then spin without yielding: sched_yield on a
            // loaded machine can give the CPU away for a whole time slice and make the tick late.
            double remainingMs = remaining * 1000.0 / timeProvider.TimestampFrequency;
            if (remainingMs >= 1.0)
            {
                Thread.Sleep((int)remainingMs);
            }
            else
            {
                Thread.SpinWait(20);
            }
        }
    }

    public void Dispose()
    {
        stopping = true;
        try
        {
            wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already signalled.
        }

        if (thread is not null && thread != Thread.CurrentThread)
        {
            thread.Join(TimeSpan.FromSeconds(2));
        }

        wake.Dispose();
    }
}
