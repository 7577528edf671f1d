using ContactCenter.Contracts;
using ContactCenter.Routing.Configuration;

namespace ContactCenter.Routing.Statistics;

/// <summary>Counters of one period (a minute bucket, the rolling window, or the day so far).</summary>
public struct StatCounters
{
    /// <summary>Calls that entered the queue.</summary>
    public int Offered;
    /// <summary>Calls answered by an agent.</summary>
    public int Answered;
    /// <summary>Calls answered within the service-level threshold.</summary>
    public int AnsweredWithinTarget;
    /// <summary>Calls abandoned after the short-abandon threshold.</summary>
    public int Abandoned;
    /// <summary>Calls abandoned before the short-abandon threshold (excluded from SL and abandonment).</summary>
    public int ShortAbandoned;
    /// <summary>Calls that left the queue otherwise (overflow out, voicemail, system loss).</summary>
    public int Diverted;
    /// <summary>Calls in the service level's numerator (<see cref="QueueExitFigures.ServiceLevelMet"/>).</summary>
    public int ServiceLevelMet;
    /// <summary>Calls in the service level's denominator, as the queue's denominator setting says.</summary>
    public int ServiceLevelCounted;
    /// <summary>Calls whose handling (talk + wrap-up) completed.</summary>
    public int Handled;
    /// <summary>Sum of answered calls' waits, in ticks.</summary>
    public long AnswerWaitTicks;
    /// <summary>Sum of talk + wrap-up, in ticks.</summary>
    public long HandleTicks;
    /// <summary>Agent time on call or in wrap-up, in ticks.</summary>
    public long BusyTicks;
    /// <summary>Agent time available, reserved, on call or in wrap-up, in ticks.</summary>
    public long StaffedTicks;

    internal void Add(in StatCounters o)
    {
        Offered += o.Offered;
        Answered += o.Answered;
        AnsweredWithinTarget += o.AnsweredWithinTarget;
        Abandoned += o.Abandoned;
        ShortAbandoned += o.ShortAbandoned;
        Diverted += o.Diverted;
        ServiceLevelMet += o.ServiceLevelMet;
        ServiceLevelCounted += o.ServiceLevelCounted;
        Handled += o.Handled;
        AnswerWaitTicks += o.AnswerWaitTicks;
        HandleTicks += o.HandleTicks;
        BusyTicks += o.BusyTicks;
        StaffedTicks += o.StaffedTicks;
    }

    /// <summary>Service level (<see cref="QueueFigures.ServiceLevel"/>): the calls the queue's denominator counts, met / counted.</summary>
    public readonly double ServiceLevel => QueueFigures.ServiceLevel(ServiceLevelMet, ServiceLevelCounted);

    /// <summary>Abandoned / (offered less short abandons).</summary>
    public readonly double AbandonmentRate => QueueFigures.AbandonmentRate(Abandoned, Offered, ShortAbandoned);

    /// <summary>Average speed of answer.</summary>
    public readonly TimeSpan AverageSpeedOfAnswer => QueueFigures.Average(AnswerWaitTicks, Answered);

    /// <summary>Average handle time.</summary>
    public readonly TimeSpan AverageHandleTime => QueueFigures.Average(HandleTicks, Handled);

    /// <summary>Busy / staffed time.</summary>
    public readonly double Occupancy => QueueFigures.Occupancy(BusyTicks, StaffedTicks);

    /// <summary>
    /// Counters saved before the service level had counters of its own (an older snapshot) get them from the counters they do
    /// have, by the definition every queue had then (<see cref="ServiceLevelDenominator.LeftQueue"/>).
    /// </summary>
    internal void UpgradeFromOlderSnapshot()
    {
        if (ServiceLevelCounted == 0 && ServiceLevelMet == 0 && Answered + Abandoned + Diverted > 0)
        {
            ServiceLevelMet = AnsweredWithinTarget;
            ServiceLevelCounted = Answered + Abandoned + Diverted;
        }
    }
}

/// <summary>One series' counters as saved in an engine snapshot.</summary>
internal sealed record SeriesState(StatCounters Day, long DayStartTicks, long DayEndTicks, StatCounters[] Buckets, long[] BucketMinutes);

/// <summary>Per-queue and overall counters: minute buckets for the rolling window, and the day so far in the queue's time zone.</summary>
internal sealed class QueueStatsTracker
{
    private readonly RoutingConfiguration _config;
    private readonly int _windowMinutes;
    private readonly Series[] _series;
    private readonly ServiceLevelPolicy[] _policies;

    public QueueStatsTracker(RoutingConfiguration config)
    {
        _config = config;
        _policies = new ServiceLevelPolicy[config.Queues.Count];
        for (var i = 0; i < _policies.Length; i++)
        {
            _policies[i] = config.Queues[i].ServiceLevelPolicy(config.ShortAbandon);
        }
        _windowMinutes = Math.Max(1, (int)config.RollingWindow.TotalMinutes);
        _series = new Series[config.Queues.Count + 1];
        for (var i = 0; i < _series.Length; i++)
        {
            var zone = i < config.Queues.Count ? config.Queues[i].TimeZone : (config.Queues.Count > 0 ? config.Queues[0].TimeZone : TimeZoneInfo.Utc);
            _series[i] = new Series(_windowMinutes, zone);
        }
    }

    /// <summary>Index of the all-queues series.</summary>
    public int Overall => _series.Length - 1;

    public void Offered(int queue, DateTimeOffset now)
    {
        Update(queue, now, static (ref StatCounters c, long _) => c.Offered++, 0);
    }

    /// <summary>A call left the queue: counted by the one definition (<see cref="QueueFigures.Classify"/>) the reports use too.</summary>
    public void Left(int queue, QueueExitReason reason, TimeSpan wait, DateTimeOffset now)
    {
        var f = QueueFigures.Classify(reason, wait, _policies[queue]);
        var packed = (f.Answered ? 1L : 0) | (f.AnsweredWithinTarget ? 2L : 0) | (f.Abandoned ? 4L : 0) | (f.ShortAbandoned ? 8L : 0)
            | (f.Diverted ? 16L : 0) | (f.ServiceLevelCounted ? 32L : 0) | (f.ServiceLevelMet ? 64L : 0);
        Update(queue, now, static (ref StatCounters c, long p) =>
        {
            c.Answered += (int)(p & 1);
            c.AnsweredWithinTarget += (int)((p >> 1) & 1);
            c.Abandoned += (int)((p >> 2) & 1);
            c.ShortAbandoned += (int)((p >> 3) & 1);
            c.Diverted += (int)((p >> 4) & 1);
            c.ServiceLevelCounted += (int)((p >> 5) & 1);
            c.ServiceLevelMet += (int)((p >> 6) & 1);
        }, packed);
        if (f.Answered)
        {
            Update(queue, now, static (ref StatCounters c, long w) => c.AnswerWaitTicks += w, wait.Ticks);
        }
    }

    public void Handled(int queue, TimeSpan handle, DateTimeOffset now) =>
        Update(queue, now, static (ref StatCounters c, long h) => { c.Handled++; c.HandleTicks += h; }, handle.Ticks);

    /// <summary>Attributes time an agent spent in a state to one series (a queue the agent serves, or overall).</summary>
    public void AgentTime(int series, AgentState state, TimeSpan duration, DateTimeOffset now)
    {
        switch (state)
        {
            case AgentState.OnCall or AgentState.WrapUp:
                UpdateSeries(series, now, static (ref StatCounters c, long d) => { c.BusyTicks += d; c.StaffedTicks += d; }, duration.Ticks);
                break;
            case AgentState.Available or AgentState.Reserved:
                UpdateSeries(series, now, static (ref StatCounters c, long d) => c.StaffedTicks += d, duration.Ticks);
                break;
            case AgentState.LoggedOut or AgentState.NotReady:
                break;
        }
    }

    public StatCounters Today(int series, DateTimeOffset now) => _series[series].Today(now);

    /// <summary>Every series' counters, for an engine snapshot.</summary>
    public SeriesState[] Export()
    {
        var list = new SeriesState[_series.Length];
        for (var i = 0; i < list.Length; i++)
        {
            list[i] = _series[i].Export();
        }
        return list;
    }

    /// <summary>Restores counters exported by <see cref="Export"/> (series matched by position; a window of another size starts empty).</summary>
    public void Import(IReadOnlyList<SeriesState> series)
    {
        for (var i = 0; i < series.Count && i < _series.Length; i++)
        {
            _series[i].Import(series[i]);
        }
    }

    public StatCounters Rolling(int series, DateTimeOffset now) => _series[series].Rolling(now);

    private delegate void Mutation(ref StatCounters c, long value);

    private void Update(int queue, DateTimeOffset now, Mutation m, long value)
    {
        UpdateSeries(queue, now, m, value);
        UpdateSeries(Overall, now, m, value);
    }

    private void UpdateSeries(int series, DateTimeOffset now, Mutation m, long value)
    {
        var s = _series[series];
        s.RollDay(now);
        m(ref s.Day, value);
        m(ref s.Bucket(now), value);
    }

    private sealed class Series(int windowMinutes, TimeZoneInfo zone)
    {
        private readonly StatCounters[] _buckets = new StatCounters[windowMinutes];
        private readonly long[] _bucketMinute = new long[windowMinutes];
        private long _dayStartTicks = long.MaxValue;
        private long _dayEndTicks = long.MinValue;
        public StatCounters Day;

        /// <summary>Resets the day's counters when <paramref name="now"/> leaves the current local day (time zone math only then).</summary>
        public void RollDay(DateTimeOffset now)
        {
            var t = now.UtcTicks;
            if (t >= _dayStartTicks && t < _dayEndTicks)
            {
                return;
            }
            var local = TimeZoneInfo.ConvertTime(now, zone);
            var midnight = local.DateTime.Date;
            var start = new DateTimeOffset(midnight, zone.GetUtcOffset(midnight)).UtcTicks;
            var nextMidnight = midnight.AddDays(1);
            var end = new DateTimeOffset(nextMidnight, zone.GetUtcOffset(nextMidnight)).UtcTicks;
            if (t < _dayStartTicks || t >= _dayEndTicks)
            {
                Day = default;
            }
            _dayStartTicks = Math.Min(start, t);
            _dayEndTicks = Math.Max(end, t + 1);
        }

        public ref StatCounters Bucket(DateTimeOffset now)
        {
            var minute = now.UtcTicks / TimeSpan.TicksPerMinute;
            var i = (int)(minute % _buckets.Length);
            if (_bucketMinute[i] != minute)
            {
                _bucketMinute[i] = minute;
                _buckets[i] = default;
            }
            return ref _buckets[i];
        }

        public SeriesState Export() => new(Day, _dayStartTicks, _dayEndTicks, [.. _buckets], [.. _bucketMinute]);

        public void Import(SeriesState state)
        {
            Day = state.Day;
            Day.UpgradeFromOlderSnapshot();
            _dayStartTicks = state.DayStartTicks;
            _dayEndTicks = state.DayEndTicks;
            if (state.Buckets.Length == _buckets.Length && state.BucketMinutes.Length == _bucketMinute.Length)
            {
                state.Buckets.CopyTo(_buckets, 0);
                for (var i = 0; i < _buckets.Length; i++)
                {
                    _buckets[i].UpgradeFromOlderSnapshot();
                }
                state.BucketMinutes.CopyTo(_bucketMinute, 0);
            }
        }

        public StatCounters Today(DateTimeOffset now)
        {
            RollDay(now);
            return Day;
        }

        public StatCounters Rolling(DateTimeOffset now)
        {
            var minute = now.UtcTicks / TimeSpan.TicksPerMinute;
            var total = default(StatCounters);
            for (var i = 0; i < _buckets.Length; i++)
            {
                if (_bucketMinute[i] > minute - _buckets.Length && _bucketMinute[i] <= minute)
                {
                    total.Add(_buckets[i]);
                }
            }
            return total;
        }
    }
}
