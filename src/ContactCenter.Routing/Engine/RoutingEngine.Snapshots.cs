using ContactCenter.Contracts;

namespace ContactCenter.Routing.Engine;

/// <summary>An agent as the desktop and supervisors see it.</summary>
public sealed record AgentSnapshot(string AgentId, string DisplayName, AgentState State, string? Reason, Guid? CallId, DateTimeOffset Since, IReadOnlyList<string> Queues)
{
    /// <summary>Which of the agent's phones ring (the directory's phone kind): the desktop's phone panel shows it.</summary>
    public PhoneKind Phone { get; init; } = PhoneKind.Both;
}

/// <summary>A waiting call in a queue snapshot.</summary>
public sealed record WaitingCallSnapshot(Guid CallId, string Caller, TimeSpan Waited, TimeSpan EffectiveWait, int Priority, CustomerTier Tier, bool IsCallback, int Ring, string? PreferredAgentId);

/// <summary>A queue with its waiting calls, in routing order, and its waiting work items (voicemails), in routing order.</summary>
public sealed record QueueSnapshot(string Queue, IReadOnlyList<WaitingCallSnapshot> Waiting, int AgentsLoggedIn, int AgentsAvailable)
{
    /// <summary>Work items (voicemails) waiting for an agent; they are not calls and count in none of the queue's call figures.</summary>
    public IReadOnlyList<WaitingCallSnapshot> WorkItems { get; init; } = [];
}

internal sealed partial class RoutingEngine
{
    public IReadOnlyList<AgentSnapshot> AgentSnapshots()
    {
        var list = new List<AgentSnapshot>(_agents.Count);
        foreach (var a in _agents)
        {
            var queues = new string[a.Queues.Length];
            for (var i = 0; i < queues.Length; i++)
            {
                queues[i] = _queues[a.Queues[i]].Definition.Name;
            }
            list.Add(new AgentSnapshot(a.Id, a.DisplayName, a.State, a.Reason, a.Call?.Id, new DateTimeOffset(a.StateSinceTicks, TimeSpan.Zero), queues) { Phone = a.Phone });
        }
        return list;
    }

    public AgentSnapshot? Agent(string agentId) =>
        _agentsById.TryGetValue(agentId, out var a)
            ? new AgentSnapshot(a.Id, a.DisplayName, a.State, a.Reason, a.Call?.Id, new DateTimeOffset(a.StateSinceTicks, TimeSpan.Zero), [.. Array.ConvertAll(a.Queues, q => _queues[q].Definition.Name)]) { Phone = a.Phone }
            : null;

    public IReadOnlyList<QueueSnapshot> QueueSnapshots()
    {
        var list = new List<QueueSnapshot>(_queues.Length);
        foreach (var q in _queues)
        {
            var waiting = new List<WaitingCallSnapshot>(q.Waiting.Count);
            foreach (var (_, c) in q.Waiting)
            {
                waiting.Add(new WaitingCallSnapshot(c.Id, c.Caller, TimeSpan.FromTicks(_nowTicks - c.QueuedAtTicks), TimeSpan.FromTicks(_nowTicks - c.EffectiveKey),
                    c.Priority, c.Tier, c.IsCallback, c.Ring, InPreferredWindow(c) ? _agents[c.PreferredAgent].Id : null));
            }
            var available = 0;
            foreach (var b in q.Available)
            {
                available += b.Count;
            }
            var work = new List<WaitingCallSnapshot>();
            foreach (var (_, c) in _workWaiting)
            {
                if (c.Queue == q.Index)
                {
                    work.Add(new WaitingCallSnapshot(c.Id, c.Caller, TimeSpan.FromTicks(_nowTicks - c.QueuedAtTicks), TimeSpan.FromTicks(_nowTicks - c.EffectiveKey),
                        c.Priority, c.Tier, c.IsCallback, c.Ring, InPreferredWindow(c) ? _agents[c.PreferredAgent].Id : null));
                }
            }
            list.Add(new QueueSnapshot(q.Definition.Name, waiting, q.LoggedIn, available) { WorkItems = work });
        }
        return list;
    }

    public int QueueCount => _queues.Length;

    public string QueueName(int index) => index < _queues.Length ? _queues[index].Definition.Name : "*";

    public int? QueueIndex(string name) => _queueIndex.TryGetValue(name, out var i) ? i : null;

    /// <summary>Live figures for a queue (or, at index <see cref="QueueCount"/>, all queues) as the bus contract.</summary>
    public QueueStatistics Statistics(int index)
    {
        var now = _clock.GetUtcNow();
        var nowTicks = Math.Max(now.UtcTicks, _nowTicks);
        var today = Stats.Today(index, now);
        var rolling = Stats.Rolling(index, now);
        var waiting = 0;
        long oldest = long.MaxValue;
        var byState = new Dictionary<AgentState, int>();
        foreach (AgentState s in Enum.GetValues<AgentState>())
        {
            byState[s] = 0;
        }
        var overall = index >= _queues.Length;
        for (var qi = 0; qi < _queues.Length; qi++)
        {
            if (!overall && qi != index)
            {
                continue;
            }
            var q = _queues[qi];
            waiting += q.Waiting.Count;
            foreach (var (_, c) in q.Waiting)
            {
                oldest = Math.Min(oldest, c.QueuedAtTicks);
            }
            if (!overall)
            {
                foreach (var m in q.Members)
                {
                    byState[_agents[m].State]++;
                }
            }
        }
        if (overall)
        {
            foreach (var a in _agents)
            {
                byState[a.State]++;
            }
        }
        var staffed = byState[AgentState.Available] + byState[AgentState.Reserved] + byState[AgentState.OnCall] + byState[AgentState.WrapUp];
        var aht = rolling.Handled > 0 ? rolling.AverageHandleTime : today.Handled > 0 ? today.AverageHandleTime : _config.DefaultHandleTime;
        var ewt = staffed == 0 && byState[AgentState.Available] == 0
            ? TimeSpan.FromTicks(aht.Ticks * (waiting + 1))
            : byState[AgentState.Available] > waiting ? TimeSpan.Zero : TimeSpan.FromTicks(aht.Ticks * (waiting + 1) / Math.Max(1, staffed));
        return new QueueStatistics
        {
            Queue = QueueName(index),
            Waiting = waiting,
            LongestWait = oldest == long.MaxValue ? TimeSpan.Zero : TimeSpan.FromTicks(Math.Max(0, nowTicks - oldest)),
            Offered = today.Offered,
            Answered = today.Answered,
            Abandoned = today.Abandoned,
            ServiceLevel = today.ServiceLevel,
            AverageSpeedOfAnswer = today.AverageSpeedOfAnswer,
            AverageHandleTime = today.AverageHandleTime,
            AbandonmentRate = today.AbandonmentRate,
            Occupancy = rolling.Occupancy,
            EstimatedWait = ewt,
            AgentsByState = byState,
            AnsweredWithinTarget = today.AnsweredWithinTarget,
            ServiceLevelMet = today.ServiceLevelMet,
            ServiceLevelCounted = today.ServiceLevelCounted,
            ShortAbandoned = today.ShortAbandoned,
            Diverted = today.Diverted,
            Handled = today.Handled,
            TotalAnswerWait = TimeSpan.FromTicks(today.AnswerWaitTicks),
            TotalHandleTime = TimeSpan.FromTicks(today.HandleTicks),
            BusyTime = TimeSpan.FromTicks(rolling.BusyTicks),
            StaffedTime = TimeSpan.FromTicks(rolling.StaffedTicks),
            OccurredAt = now,
        };
    }

    /// <summary>Checks the engine's invariants; returns the violations (empty when sound). Used by property tests.</summary>
    public List<string> CheckInvariants()
    {
        var errors = new List<string>();
        var holder = new Dictionary<Guid, string>();
        foreach (var a in _agents)
        {
            if (a.State is AgentState.Reserved or AgentState.OnCall)
            {
                if (a.Call is null)
                {
                    errors.Add($"{a.Id} is {a.State} without a call");
                    continue;
                }
                if (!holder.TryAdd(a.Call.Id, a.Id))
                {
                    errors.Add($"call {a.Call.Id} held by {holder[a.Call.Id]} and {a.Id}");
                }
                if (a.Call.Agent != a.Index)
                {
                    errors.Add($"call {a.Call.Id} points at another agent than {a.Id}");
                }
            }
            if (a.State == AgentState.Reserved)
            {
                var limit = ReservedLimit(a);
                if (limit <= _nowTicks)
                {
                    errors.Add($"{a.Id} Reserved past its ring timeout");
                }
            }
            if (a.State == AgentState.Available)
            {
                foreach (var qi in a.Queues)
                {
                    foreach (var (_, c) in _queues[qi].Waiting)
                    {
                        if ((!InPreferredWindow(c) || c.PreferredAgent == a.Index) && Qualifies(a, c, out _))
                        {
                            errors.Add($"{a.Id} is Available while call {c.Id} it qualifies for waits in {_queues[qi].Definition.Name}");
                        }
                    }
                }
                if (a.PreferredCalls is { } pc)
                {
                    foreach (var c in pc)
                    {
                        if (c.Phase == CallPhase.Waiting && InPreferredWindow(c) && Qualifies(a, c, out _))
                        {
                            errors.Add($"{a.Id} is Available while call {c.Id} that prefers it waits");
                        }
                    }
                }
            }
        }
        CheckIndexes(errors);
        CheckWork(errors);
        foreach (var c in _calls.Values)
        {
            if (!c.IsWorkItem && c.Phase is CallPhase.Reserved or CallPhase.OnCall && (c.Agent < 0 || _agents[c.Agent].Call != c))
            {
                errors.Add($"call {c.Id} is {c.Phase} but no agent holds it");
            }
        }
        return errors;
    }

    /// <summary>The matching indexes agree with the agents' and calls' own state.</summary>
    private void CheckIndexes(List<string> errors)
    {
        foreach (var a in _agents)
        {
            if (a.Memberships.Length != a.Queues.Length)
            {
                errors.Add($"{a.Id}: {a.Memberships.Length} memberships for {a.Queues.Length} queues");
                continue;
            }
            for (var k = 0; k < a.Queues.Length; k++)
            {
                var q = _queues[a.Queues[k]];
                if (a.Memberships[k] != new Membership(q.Index, MeetsRequirements(a, q.Requirements)))
                {
                    errors.Add($"{a.Id}: membership {k} ({q.Definition.Name}) is stale");
                }
                var bucket = q.PrimarySkill < 0 ? 0 : a.Level(q.PrimarySkill);
                var key = new AvailableKey(TieKey(a, q), a.Index);
                var inAvailable = Contains(q.Available[bucket], key);
                var inQualified = Contains(q.Qualified[bucket], key);
                var available = a.State == AgentState.Available;
                if (inAvailable != available)
                {
                    errors.Add($"{a.Id} is {a.State} but {(inAvailable ? "in" : "missing from")} {q.Definition.Name}'s available index");
                }
                if (inQualified != (available && a.Memberships[k].MeetsBase))
                {
                    errors.Add($"{a.Id} is {(inQualified ? "wrongly in" : "missing from")} {q.Definition.Name}'s qualified index");
                }
            }
        }
        foreach (var q in _queues)
        {
            int available = 0, qualified = 0, members = 0, special = 0;
            for (var b = 0; b < q.Available.Length; b++)
            {
                available += q.Available[b].Count;
                qualified += q.Qualified[b].Count;
            }
            var k = 0;
            foreach (var m in q.Members)
            {
                var a = _agents[m];
                if (a.State == AgentState.Available)
                {
                    members++;
                    k += a.Memberships[Array.IndexOf(a.Queues, q.Index)].MeetsBase ? 1 : 0;
                }
            }
            foreach (var (key, c) in q.Waiting)
            {
                if (c.Phase != CallPhase.Waiting || c.Queue != q.Index || key.EffectiveKey != c.EffectiveKey || key.Seq != c.Seq)
                {
                    errors.Add($"call {c.Id} is in {q.Definition.Name}'s waiting index with a stale key or phase {c.Phase}");
                }
                special += IsBase(c, q) ? 0 : 1;
                if (c.SpecialCounted == IsBase(c, q))
                {
                    errors.Add($"call {c.Id}: special flag stale");
                }
            }
            if (available != members || qualified != k)
            {
                errors.Add($"{q.Definition.Name}: index holds {available} available / {qualified} qualified agents, members say {members} / {k}");
            }
            if (special != q.SpecialWaiting)
            {
                errors.Add($"{q.Definition.Name}: SpecialWaiting {q.SpecialWaiting}, but {special} waiting calls differ from the queue's requirements");
            }
            CheckSummaries(q, errors);
        }
        foreach (var c in _calls.Values)
        {
            if (!c.IsWorkItem && c.Phase == CallPhase.Waiting && !Contains(_queues[c.Queue].Waiting, new WaitingEntry(new WaitingKey(c.EffectiveKey, c.Seq), c)))
            {
                errors.Add($"waiting call {c.Id} missing from {_queues[c.Queue].Definition.Name}'s waiting index");
            }
        }
    }

    /// <summary>A queue's <see cref="QueueTop"/> and <see cref="WaitingHead"/> say what its qualified buckets and waiting list say.</summary>
    private void CheckSummaries(QueueState q, List<string> errors)
    {
        var expected = new List<TopEntry>();
        for (var b = q.Qualified.Length - 1; b >= 0; b--)
        {
            foreach (var key in q.Qualified[b])
            {
                if (expected.Count < QueueTop.Size)
                {
                    expected.Add(new TopEntry(key.Key, key.Agent, b));
                }
            }
        }
        ref readonly var top = ref _tops[q.Index];
        if (!ReferenceEquals(top.Requirements, q.Requirements) || top.PrimarySkill != q.PrimarySkill || top.TieBreak != q.TieBreak)
        {
            errors.Add($"{q.Definition.Name}: the top's copy of the queue's requirements, primary skill or tie-break differs");
        }
        var same = top.Count == expected.Count;
        for (var i = 0; same && i < expected.Count; i++)
        {
            same = top.Entries[i] == expected[i];
        }
        if (!same)
        {
            errors.Add($"{q.Definition.Name}: the top of the qualified index is stale ({top.Count} entries, {expected.Count} expected)");
        }
        ref readonly var head = ref _heads[q.Index];
        if (head.Count != q.Waiting.Count || head.Special != q.SpecialWaiting)
        {
            errors.Add($"{q.Definition.Name}: waiting head says {head.Count} waiting / {head.Special} special, the list {q.Waiting.Count} / {q.SpecialWaiting}");
        }
        else if (q.Waiting.Count > 0)
        {
            var (key, c) = q.Waiting[0];
            if (head.Call != c || head.Id != c.Id || head.Key != key.EffectiveKey || head.Seq != key.Seq || head.LastMissed != c.LastMissedAgent
                || head.Plain != (IsBase(c, q) && c.PreferredAgent < 0))
            {
                errors.Add($"{q.Definition.Name}: waiting head is stale (call {head.Id}, head of the list {c.Id})");
            }
        }
    }

    private static bool Contains<T>(OrderedList<T> list, T item)
        where T : struct, IComparable<T>
    {
        foreach (var x in list)
        {
            if (x.CompareTo(item) == 0)
            {
                return true;
            }
        }
        return false;
    }
}
