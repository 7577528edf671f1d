using System.Threading.Channels;

namespace ContactCenter.Telephony.Gateway.Session;

/// <summary>
/// A call's mailbox: what happens to a call (SIP, media, timers, bus replies) is posted here and run one item at a time by
/// <see cref="RunAsync"/>, so a call's state needs no locks and no thread is held per call. Timers run on the injected
/// <see cref="TimeProvider"/> and post their work here too. Once <see cref="Complete"/>d, what is already queued still
/// runs, later posts are refused, and the keyed timers are stopped.
/// </summary>
internal sealed class CallMailbox
{
    private readonly Channel<Func<Task>> channel = Channel.CreateUnbounded<Func<Task>>(new UnboundedChannelOptions { SingleReader = true });
    // Touched only by work running in the mailbox (and after it stopped).
    private readonly Dictionary<long, ITimer> timers = [];
    private int pending;

    public CallMailbox(TimeProvider time) => Time = time;

    public TimeProvider Time { get; }

    /// <summary>Work posted and not started yet.</summary>
    public int Pending => Volatile.Read(ref pending);

    /// <summary>Queues work; false once the mailbox is complete (the call is over).</summary>
    public bool Post(Func<Task> work)
    {
        Interlocked.Increment(ref pending);
        if (channel.Writer.TryWrite(work))
        {
            return true;
        }

        Interlocked.Decrement(ref pending);
        return false;
    }

    public bool Post(Action work) => Post(() =>
    {
        work();
        return Task.CompletedTask;
    });

    /// <summary>Runs the posted work in order until <see cref="Complete"/>; an item that throws is reported to <paramref name="failed"/> (in the mailbox too).</summary>
    public async Task RunAsync(Func<Exception, Task> failed)
    {
        await foreach (var work in channel.Reader.ReadAllAsync())
        {
            Interlocked.Decrement(ref pending);
            try
            {
                await work();
            }
            catch (Exception error)
            {
                await failed(error);
            }
        }
    }

    /// <summary>No more posts; the keyed timers stop. Work already queued still runs.</summary>
    public void Complete()
    {
        channel.Writer.TryComplete();
        CancelTimers();
    }

    /// <summary>Posts <paramref name="work"/> once after <paramref name="delay"/>; dispose the timer to call it off.</summary>
    public ITimer After(TimeSpan delay, Func<Task> work) =>
        Time.CreateTimer(_ => Post(work), null, delay, Timeout.InfiniteTimeSpan);

    /// <inheritdoc cref="After(TimeSpan, Func{Task})"/>
    public ITimer After(TimeSpan delay, Action work) =>
        Time.CreateTimer(_ => Post(work), null, delay, Timeout.InfiniteTimeSpan);

    /// <summary>
    /// A timer known by its id (the IVR's): starting it again replaces it, and <paramref name="fired"/> runs in the mailbox
    /// only if the timer was neither cancelled nor replaced meanwhile.
    /// </summary>
    public void StartTimer(long id, TimeSpan delay, Func<Task> fired)
    {
        CancelTimer(id);
        timers[id] = Time.CreateTimer(_ => Post(() => FireAsync(id, fired)), null, delay, Timeout.InfiniteTimeSpan);
    }

    public void CancelTimer(long id)
    {
        if (timers.Remove(id, out var timer))
        {
            timer.Dispose();
        }
    }

    /// <summary>Stops every keyed timer.</summary>
    public void CancelTimers()
    {
        foreach (var timer in timers.Values)
        {
            timer.Dispose();
        }

        timers.Clear();
    }

    private Task FireAsync(long id, Func<Task> fired)
    {
        if (!timers.Remove(id, out var timer))
        {
            return Task.CompletedTask;
        }

        timer.Dispose();
        return fired();
    }
}
