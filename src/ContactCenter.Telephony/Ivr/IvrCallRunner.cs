namespace ContactCenter.Telephony.Ivr;

/// <summary>
/// Runs one <see cref="IvrSession"/> on a <see cref="TimeProvider"/>: events may be posted from any thread (SIP,
/// media, bus, timers); they are handled one at a time in arrival order. <see cref="StartTimer"/> and
/// <see cref="CancelTimer"/> are carried out here with <see cref="TimeProvider.CreateTimer"/>; every other action
/// goes to the sink, in order. The sink may post events itself (they queue behind the current one).
/// </summary>
internal sealed class IvrCallRunner : IDisposable
{
    private readonly IvrSession session;
    private readonly TimeProvider time;
    private readonly Action<IvrAction> sink;
    private readonly Lock gate = new();
    private readonly Queue<IvrEvent> pending = new();
    private readonly Dictionary<long, ITimer> timers = [];
    private bool draining;
    private bool disposed;

    public IvrCallRunner(IvrSession session, TimeProvider time, Action<IvrAction> sink)
    {
        this.session = session;
        this.time = time;
        this.sink = sink;
    }

    /// <summary>The session being run (read its state only from the sink or after the call).</summary>
    public IvrSession Session => session;

    /// <summary>Queues an event and, unless another thread is already draining, handles the queue now.</summary>
    public void Post(IvrEvent ivrEvent)
    {
        lock (gate)
        {
            if (disposed)
            {
                return;
            }

            pending.Enqueue(ivrEvent);
            if (draining)
            {
                return;
            }

            draining = true;
        }

        while (true)
        {
            IvrEvent next;
            lock (gate)
            {
                if (disposed || !pending.TryDequeue(out next!))
                {
                    draining = false;
                    return;
                }
            }

            foreach (var action in session.Handle(next))
            {
                Dispatch(action);
            }
        }
    }

    private void Dispatch(IvrAction action)
    {
        switch (action)
        {
            case StartTimer start:
                var id = start.TimerId;
                lock (gate)
                {
                    if (disposed)
                    {
                        return;
                    }

                    timers[id] = time.CreateTimer(_ => Fire(id), null, start.Delay, Timeout.InfiniteTimeSpan);
                }

                break;
            case CancelTimer cancel:
                ITimer? timer;
                lock (gate)
                {
                    timers.Remove(cancel.TimerId, out timer);
                }

                timer?.Dispose();
                break;
            default:
                sink(action);
                break;
        }
    }

    private void Fire(long id)
    {
        lock (gate)
        {
            if (!timers.Remove(id, out var timer))
            {
                return;
            }

            timer.Dispose();
        }

        Post(new TimerFired(id));
    }

    /// <summary>Stops every timer; later events are ignored.</summary>
    public void Dispose()
    {
        ITimer[] all;
        lock (gate)
        {
            if (disposed)
            {
                return;
            }

            disposed = true;
            all = [.. timers.Values];
            timers.Clear();
            pending.Clear();
        }

        foreach (var timer in all)
        {
            timer.Dispose();
        }
    }
}
