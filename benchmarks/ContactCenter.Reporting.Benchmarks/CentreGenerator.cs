using ContactCenter.Contracts;
using ContactCenter.Reporting.Data;
using ContactCenter.Reporting.Record;

namespace ContactCenter.Reporting.Benchmarks;

/// <summary>
/// A contact centre's days as the bus would carry them: agents on shifts with breaks, calls arriving on a weekday/weekend
/// intraday curve over several queues, each answered by the agent free first (reserved, on call, wrap-up, available again), or
/// abandoned (some short), or overflowed; seeded, so a run is reproducible. Events are the record's rows
/// (<see cref="RecordedEvent"/>), exactly as the consumer would write them.
/// </summary>
internal sealed class CentreGenerator(int agents, int queues, double callsPerDay, int seed)
{
    private readonly Random _random = new(seed);
    private readonly long[] _agentFree = new long[agents];

    public string[] QueueNames { get; } = [.. Enumerable.Range(0, queues).Select(i => $"q{i:00}")];

    public static string Agent(int i) => $"agent{i:000}";

    /// <summary>One day's events (UTC day starting at <paramref name="day"/>): (call events by call, agent state changes).</summary>
    public (List<List<ReportEvent>> Calls, List<ReportEvent> States) Day(DateTimeOffset day)
    {
        var weekend = day.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday;
        var volume = callsPerDay * (weekend ? 0.4 : 1.15) * (0.9 + (0.2 * _random.NextDouble()));
        var states = new List<ReportEvent>();
        var calls = new List<List<ReportEvent>>();
        // Shifts: half the agents 07:00-15:30, half 11:30-20:00 (a third of them at weekends), a 30 min lunch, two 15 min breaks.
        var onShift = new List<(int Agent, long Start, long End)>();
        for (var a = 0; a < agents; a++)
        {
            if (weekend && a % 3 != 0)
            {
                continue;
            }
            var start = day.AddHours(a % 2 == 0 ? 7 : 11.5).AddMinutes(_random.Next(0, 15));
            var end = start.AddHours(8.5);
            onShift.Add((a, start.UtcTicks, end.UtcTicks));
            _agentFree[a] = start.UtcTicks;
            states.Add(State(a, AgentState.Available, AgentState.LoggedOut, start, null, null));
        }
        // Breaks are taken when the agent is next free after the planned time (below).
        var breaks = onShift.SelectMany(s => new[] { (s.Agent, At: s.Start + TimeSpan.FromHours(2).Ticks, Minutes: 15, Reason: "break"),
            (s.Agent, At: s.Start + TimeSpan.FromHours(4).Ticks, Minutes: 30, Reason: "lunch"),
            (s.Agent, At: s.Start + TimeSpan.FromHours(6.5).Ticks, Minutes: 15, Reason: "break") }).ToList();
        var pendingBreak = breaks.GroupBy(b => b.Agent).ToDictionary(g => g.Key, g => new Queue<(int Agent, long At, int Minutes, string Reason)>(g.OrderBy(b => b.At)));

        // Arrivals: a double-peaked curve from 08:00 to 20:00.
        var count = (int)volume;
        var arrivals = new long[count];
        for (var i = 0; i < count; i++)
        {
            double hour;
            do
            {
                hour = _random.NextDouble() < 0.55 ? Normal(10.5, 1.4) : Normal(15, 1.8);
            }
            while (hour < 8 || hour >= 20);
            arrivals[i] = day.UtcTicks + (long)(hour * TimeSpan.TicksPerHour);
        }
        Array.Sort(arrivals);
        foreach (var arrival in arrivals)
        {
            var queue = QueueNames[Math.Min(QueueNames.Length - 1, (int)(Math.Abs(Normal(0, QueueNames.Length / 2.5))))];
            calls.Add(Call(arrival, queue, onShift, pendingBreak, states));
        }
        foreach (var s in onShift)
        {
            var end = Math.Max(s.End, _agentFree[s.Agent]);
            states.Add(State(s.Agent, AgentState.LoggedOut, AgentState.Available, new DateTimeOffset(end, TimeSpan.Zero), null, "end of shift"));
        }
        return (calls, states);
    }

    private List<ReportEvent> Call(long arrival, string queue, List<(int Agent, long Start, long End)> onShift,
        Dictionary<int, Queue<(int Agent, long At, int Minutes, string Reason)>> breaks, List<ReportEvent> states)
    {
        var id = new Guid(_random.NextInt64().ToString("x16") + _random.NextInt64().ToString("x16"));
        var at = new DateTimeOffset(arrival, TimeSpan.Zero);
        var caller = "+4420" + _random.Next(10000000, 99999999).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var events = new List<ReportEvent>(8)
        {
            RecordedEvent.From(new CallReceived { CallId = id, Caller = caller, Did = "1000", GatewayId = "gw1", OccurredAt = at.AddSeconds(-20) }),
            RecordedEvent.From(new CallQueued { CallId = id, Queue = queue, Caller = caller, GatewayId = "gw1", IvrPath = "main>" + queue, QueuedAt = at, OccurredAt = at }),
        };
        var patience = TimeSpan.FromSeconds(Exponential(140));
        // The agent free first among those on shift now (breaks taken first when due).
        var best = -1;
        long bestFree = long.MaxValue;
        foreach (var s in onShift)
        {
            if (arrival < s.Start || arrival > s.End)
            {
                continue;
            }
            var free = _agentFree[s.Agent];
            if (breaks.TryGetValue(s.Agent, out var due) && due.Count > 0 && due.Peek().At <= Math.Max(free, arrival))
            {
                var b = due.Dequeue();
                var from = Math.Max(free, b.At);
                states.Add(State(s.Agent, AgentState.NotReady, AgentState.Available, new DateTimeOffset(from, TimeSpan.Zero), null, b.Reason));
                free = from + TimeSpan.FromMinutes(b.Minutes).Ticks;
                states.Add(State(s.Agent, AgentState.Available, AgentState.NotReady, new DateTimeOffset(free, TimeSpan.Zero), null, null));
                _agentFree[s.Agent] = free;
            }
            if (free < bestFree)
            {
                (best, bestFree) = (s.Agent, free);
            }
        }
        var answerAt = Math.Max(arrival + TimeSpan.FromSeconds(4 + _random.Next(0, 6)).Ticks, bestFree + TimeSpan.FromSeconds(2).Ticks);
        if (best < 0 || answerAt - arrival > patience.Ticks)
        {
            // The caller gives up (or the queue overflows after 10 minutes).
            var waited = best < 0 ? patience : TimeSpan.FromTicks(Math.Min(patience.Ticks, TimeSpan.FromMinutes(10).Ticks));
            var overflow = waited >= TimeSpan.FromMinutes(10);
            var left = at + waited;
            events.Add(RecordedEvent.From(new CallLeftQueue
            {
                CallId = id, Queue = queue, Reason = overflow ? QueueExitReason.Voicemail : QueueExitReason.Abandoned, Waited = waited,
                Position = 1 + _random.Next(0, 5), OccurredAt = left,
            }));
            events.Add(RecordedEvent.From(new CallEnded
            {
                CallId = id, Queue = queue, Outcome = overflow ? CallOutcome.Voicemail : CallOutcome.Abandoned, EndedBy = CallParty.Caller, Reason = "BYE",
                OccurredAt = left,
            }));
            return events;
        }
        var agent = Agent(best);
        var reserved = new DateTimeOffset(answerAt, TimeSpan.Zero).AddSeconds(-2);
        var answered = new DateTimeOffset(answerAt, TimeSpan.Zero);
        var talk = TimeSpan.FromSeconds(30 + Exponential(200));
        var wrap = TimeSpan.FromSeconds(5 + Exponential(25));
        var ended = answered + talk;
        var done = ended + wrap;
        events.Add(RecordedEvent.From(new AgentReserved { CallId = id, AgentId = agent, Queue = queue, Caller = caller, IvrPath = "main", Waited = reserved - at, Reason = "longest idle", OccurredAt = reserved }));
        events.Add(RecordedEvent.From(new CallConnected { CallId = id, AgentId = agent, Queue = queue, OccurredAt = answered }));
        events.Add(RecordedEvent.From(new CallLeftQueue { CallId = id, Queue = queue, Reason = QueueExitReason.Answered, Waited = answered - at, AgentId = agent, OccurredAt = answered }));
        events.Add(RecordedEvent.From(new CallEnded { CallId = id, AgentId = agent, Queue = queue, Outcome = CallOutcome.Answered, EndedBy = CallParty.Caller, Reason = "BYE", OccurredAt = ended }));
        events.Add(RecordedEvent.From(new CallHandled { CallId = id, AgentId = agent, Queue = queue, TalkTime = talk, WrapUpTime = wrap, OccurredAt = done }));
        states.Add(State(best, AgentState.Reserved, AgentState.Available, reserved, id, null));
        states.Add(State(best, AgentState.OnCall, AgentState.Reserved, answered, id, null));
        states.Add(State(best, AgentState.WrapUp, AgentState.OnCall, ended, id, null));
        states.Add(State(best, AgentState.Available, AgentState.WrapUp, done, null, "wrap-up completed"));
        _agentFree[best] = done.UtcTicks;
        return events;
    }

    private static ReportEvent State(int agent, AgentState state, AgentState previous, DateTimeOffset at, Guid? call, string? reason) =>
        RecordedEvent.From(new AgentStateChanged { AgentId = Agent(agent), State = state, Previous = previous, CallId = call, Reason = reason, OccurredAt = at });

    private double Normal(double mean, double sd) =>
        mean + (sd * Math.Sqrt(-2 * Math.Log(1 - _random.NextDouble())) * Math.Cos(2 * Math.PI * _random.NextDouble()));

    private double Exponential(double mean) => -mean * Math.Log(1 - _random.NextDouble());
}
