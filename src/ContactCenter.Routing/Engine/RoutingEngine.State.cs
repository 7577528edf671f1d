using ContactCenter.Contracts;
using ContactCenter.Routing.Statistics;

namespace ContactCenter.Routing.Engine;

/// <summary>
/// Everything the engine knows, as plain data: a snapshot that, restored into a fresh engine, makes it behave exactly like the
/// one it was taken from (same decisions for the same further inputs). Written by journal compaction.
/// </summary>
internal sealed record EngineState
{
    public long Seq { get; init; }
    public long NowTicks { get; init; }
    public int CompactAt { get; init; }
    public List<string> Queues { get; init; } = [];
    public List<string> Skills { get; init; } = [];
    public List<AgentData> Agents { get; init; } = [];
    public List<CallData> Calls { get; init; } = [];
    /// <summary>Ended call ids in eviction order (an id may be there after leaving <see cref="EndedSet"/>, e.g. a transferred call).</summary>
    public List<Guid> Ended { get; init; } = [];
    public List<Guid> EndedSet { get; init; } = [];
    public List<Guid> EarlyCallerOrder { get; init; } = [];
    public List<UpdateCaller> EarlyCallerInfo { get; init; } = [];
    public List<GatewayData> Gateways { get; init; } = [];
    public List<DeadlineData> Deadlines { get; init; } = [];
    public List<DecisionData> Decisions { get; init; } = [];
    public SeriesState[] Statistics { get; init; } = [];
}

internal sealed record AgentData(
    string Id, string DisplayName, bool Active, byte[] Levels, int[] Queues, AgentState State, string? Reason, long StateSinceTicks, Guid? Call,
    long IdleSinceTicks, long TalkTicksToday, DateOnly TalkDay, long LastOfferSeq, int Generation, AgentState? PendingState, string? PendingReason,
    long WrapUpStartTicks, long TalkOfLastCallTicks, int LastCallQueue, List<Guid>? PreferredCalls, List<Guid>? Work = null);

internal sealed record CallData(
    Guid Id, long Seq, int Queue, string Caller, string GatewayId, string IvrPath, List<Requirement> Requirements, bool SharesQueueRequirements,
    int Priority, CustomerTier Tier, long QueuedAtTicks, long KnownSinceTicks, long EffectiveKey, bool IsCallback, int PreferredAgent,
    long PreferredUntilTicks, int Ring, int LowerBy, bool DropOptional, CallPhase Phase, int Agent, int LastMissedAgent, long ConnectedAtTicks,
    int Generation, bool IsOutbound = false, bool IsWorkItem = false, bool AwaitingAccept = false, Guid? ForWork = null);

internal sealed record GatewayData(string Id, long LastSeenTicks, long IntervalTicks, int Generation);

internal sealed record DeadlineData(DeadlineKind Kind, Guid? Call, int? Agent, string? Gateway, int Generation, long Ticks, long Seq);

internal sealed record DecisionData(
    Guid CallId, int Queue, int Agent, long AtTicks, MatchTrigger Trigger, string Rule, long WaitedTicks, long EffectiveTicks, int Priority,
    CustomerTier Tier, int Ring, PackedSkill[] Skills, LoserNote[] Losers);

internal sealed partial class RoutingEngine
{
    /// <summary>Takes a snapshot of the whole state (superseded timeouts are left out: they would never fire).</summary>
    public EngineState Capture()
    {
        var calls = new List<CallRecord>(_calls.Values);
        foreach (var a in _agents)
        {
            if (a.Call is { } held && !_calls.ContainsKey(held.Id))
            {
                calls.Add(held); // a call in wrap-up: already forgotten, still the agent's
            }
        }
        calls.Sort(static (x, y) => x.Seq.CompareTo(y.Seq));
        var deadlines = new List<DeadlineData>(_deadlines.Count);
        foreach (var (d, p) in _deadlines.UnorderedItems)
        {
            var current = d.Kind switch
            {
                DeadlineKind.RingTimeout or DeadlineKind.WrapUpTimeout => d.Agent!.Generation == d.Generation,
                DeadlineKind.Widen or DeadlineKind.PreferredWindowEnd or DeadlineKind.MaxWait or DeadlineKind.OfferTimeout or DeadlineKind.WorkRecheck
                    => d.Call!.Generation == d.Generation && d.Call.Phase != CallPhase.Ended,
                DeadlineKind.HeartbeatLoss => _gateways.TryGetValue(d.Gateway!, out var g) && g.Generation == d.Generation,
                _ => false,
            };
            if (current)
            {
                deadlines.Add(new DeadlineData(d.Kind, d.Call?.Id, d.Agent?.Index, d.Gateway, d.Generation, p.Ticks, p.Seq));
            }
        }
        deadlines.Sort(static (x, y) => x.Seq.CompareTo(y.Seq));
        var decisions = new List<DecisionData>();
        for (var i = Math.Max(0, _decisionLog.Count - _decisionLog.Capacity); i < _decisionLog.Count; i++)
        {
            ref readonly var s = ref _decisionLog.At(i);
            var skills = new PackedSkill[s.SkillCount];
            for (var k = 0; k < skills.Length; k++)
            {
                skills[k] = k < DecisionLog.InlineSkills ? s.Skills[k] : s.MoreSkills![k - DecisionLog.InlineSkills];
            }
            var losers = new LoserNote[s.LoserCount];
            for (var k = 0; k < losers.Length; k++)
            {
                losers[k] = s.Losers[k];
            }
            decisions.Add(new DecisionData(s.CallId, s.Queue, s.Agent, s.AtTicks, s.Trigger, s.Rule, s.WaitedTicks, s.EffectiveTicks, s.Priority, s.Tier, s.Ring, skills, losers));
        }
        var early = new List<UpdateCaller>(_earlyCallerOrder.Count);
        foreach (var id in _earlyCallerOrder)
        {
            if (_earlyCallerInfo.TryGetValue(id, out var u))
            {
                early.Add(u);
            }
        }
        var queueNames = new List<string>(_queues.Length);
        foreach (var q in _queues)
        {
            queueNames.Add(q.Definition.Name);
        }
        var gateways = new List<GatewayData>(_gateways.Count);
        foreach (var (id, g) in _gateways)
        {
            gateways.Add(new GatewayData(id, g.LastSeenTicks, g.IntervalTicks, g.Generation));
        }
        gateways.Sort(static (x, y) => string.CompareOrdinal(x.Id, y.Id));
        return new EngineState
        {
            Seq = _seq,
            NowTicks = _nowTicks,
            CompactAt = _compactAt,
            Queues = queueNames,
            Skills = [.. _skillNames],
            Agents = _agents.ConvertAll(a => new AgentData(a.Id, a.DisplayName, a.Active, a.Levels, a.Queues, a.State, a.Reason, a.StateSinceTicks, a.Call?.Id,
                a.IdleSinceTicks, a.TalkTicksToday, a.TalkDay, a.LastOfferSeq, a.Generation, a.PendingState, a.PendingReason, a.WrapUpStartTicks,
                a.TalkOfLastCallTicks, a.LastCallQueue, a.PreferredCalls?.ConvertAll(c => c.Id), a.Work?.ConvertAll(c => c.Id))),
            Calls = calls.ConvertAll(c => new CallData(c.Id, c.Seq, c.Queue, c.Caller, c.GatewayId, c.IvrPath, [.. c.Requirements],
                ReferenceEquals(c.Requirements, _queues[c.Queue].Requirements), c.Priority, c.Tier, c.QueuedAtTicks, c.KnownSinceTicks, c.EffectiveKey,
                c.IsCallback, c.PreferredAgent, c.PreferredUntilTicks, c.Ring, c.LowerBy, c.DropOptional, c.Phase, c.Agent, c.LastMissedAgent,
                c.ConnectedAtTicks, c.Generation, c.IsOutbound, c.IsWorkItem, c.AwaitingAccept, c.ForWork)),
            Ended = [.. _endedOrder],
            EndedSet = EndedInOrder(),
            EarlyCallerOrder = [.. _earlyCallerOrder],
            EarlyCallerInfo = early,
            Gateways = gateways,
            Deadlines = deadlines,
            Decisions = decisions,
            Statistics = Stats.Export(),
        };
    }

    /// <summary>The ended-call set, listed in a deterministic order (eviction order, then any not in it).</summary>
    private List<Guid> EndedInOrder()
    {
        var list = new List<Guid>(_ended.Count);
        var seen = new HashSet<Guid>();
        foreach (var id in _endedOrder)
        {
            if (_ended.Contains(id) && seen.Add(id))
            {
                list.Add(id);
            }
        }
        foreach (var id in _ended)
        {
            if (seen.Add(id))
            {
                list.Add(id);
            }
        }
        return list;
    }

    /// <summary>
    /// Loads a snapshot into this engine, which must be new (nothing applied yet) and built from the same queue configuration
    /// (same queues in the same order: checked).
    /// </summary>
    public void Restore(EngineState state)
    {
        if (_agents.Count > 0 || _calls.Count > 0 || _seq > 0)
        {
            throw new InvalidOperationException("a snapshot can only be restored into a new engine");
        }
        if (state.Queues.Count != _queues.Length || !state.Queues.SequenceEqual(Array.ConvertAll(_queues, q => q.Definition.Name), StringComparer.Ordinal))
        {
            throw new InvalidOperationException("the snapshot was taken with another queue configuration");
        }
        for (var i = 0; i < state.Skills.Count; i++)
        {
            if (SkillId(state.Skills[i]) != i)
            {
                throw new InvalidOperationException("the snapshot's skills do not match the queue configuration");
            }
        }
        _seq = state.Seq;
        _nowTicks = state.NowTicks;
        _now = new DateTimeOffset(state.NowTicks, TimeSpan.Zero);
        _compactAt = state.CompactAt;
        foreach (var d in state.Agents)
        {
            var agent = new AgentRecord
            {
                Index = _agents.Count,
                Id = d.Id,
                DisplayName = d.DisplayName,
                Active = d.Active,
                Levels = d.Levels,
                Queues = d.Queues,
                State = d.State,
                Reason = d.Reason,
                StateSinceTicks = d.StateSinceTicks,
                IdleSinceTicks = d.IdleSinceTicks,
                TalkTicksToday = d.TalkTicksToday,
                TalkDay = d.TalkDay,
                LastOfferSeq = d.LastOfferSeq,
                Generation = d.Generation,
                PendingState = d.PendingState,
                PendingReason = d.PendingReason,
                WrapUpStartTicks = d.WrapUpStartTicks,
                TalkOfLastCallTicks = d.TalkOfLastCallTicks,
                LastCallQueue = d.LastCallQueue,
            };
            foreach (var q in agent.Queues)
            {
                _queues[q].Members.Add(agent.Index);
                _queues[q].LoggedIn += agent.State == AgentState.LoggedOut ? 0 : 1;
            }
            agent.Memberships = MembershipsOf(agent);
            _agents.Add(agent);
            _agentsById[agent.Id] = agent;
        }
        var byId = new Dictionary<Guid, CallRecord>(state.Calls.Count);
        foreach (var d in state.Calls)
        {
            var call = new CallRecord
            {
                Id = d.Id,
                Seq = d.Seq,
                Queue = d.Queue,
                Caller = d.Caller,
                GatewayId = d.GatewayId,
                IvrPath = d.IvrPath,
                Requirements = d.SharesQueueRequirements ? _queues[d.Queue].Requirements : [.. d.Requirements],
                Priority = d.Priority,
                Tier = d.Tier,
                QueuedAtTicks = d.QueuedAtTicks,
                KnownSinceTicks = d.KnownSinceTicks,
                EffectiveKey = d.EffectiveKey,
                IsCallback = d.IsCallback,
                IsOutbound = d.IsOutbound,
                IsWorkItem = d.IsWorkItem,
                AwaitingAccept = d.AwaitingAccept,
                ForWork = d.ForWork,
                PreferredAgent = d.PreferredAgent,
                PreferredUntilTicks = d.PreferredUntilTicks,
                Ring = d.Ring,
                LowerBy = d.LowerBy,
                DropOptional = d.DropOptional,
                Phase = d.Phase,
                Agent = d.Agent,
                LastMissedAgent = d.LastMissedAgent,
                ConnectedAtTicks = d.ConnectedAtTicks,
                Generation = d.Generation,
            };
            byId[call.Id] = call;
            if (call.Phase != CallPhase.Ended)
            {
                _calls[call.Id] = call;
            }
            if (call.Phase == CallPhase.Waiting && call.IsWorkItem)
            {
                _workWaiting.Add(new WaitingEntry(new WaitingKey(call.EffectiveKey, call.Seq), call));
            }
            else if (call.Phase == CallPhase.Waiting)
            {
                AddWaiting(call);
            }
        }
        for (var i = 0; i < state.Agents.Count; i++)
        {
            var d = state.Agents[i];
            var agent = _agents[i];
            agent.Call = d.Call is { } id ? byId[id] : null;
            if (d.PreferredCalls is { } preferred)
            {
                agent.PreferredCalls = preferred.ConvertAll(c => byId[c]);
            }
            if (d.Work is { } work)
            {
                agent.Work = work.ConvertAll(c => byId[c]);
            }
            if (agent.State == AgentState.Available)
            {
                AddAvailable(agent);
            }
        }
        foreach (var id in state.Ended)
        {
            _endedOrder.Enqueue(id);
        }
        foreach (var id in state.EndedSet)
        {
            _ended.Add(id);
        }
        foreach (var id in state.EarlyCallerOrder)
        {
            _earlyCallerOrder.Enqueue(id);
        }
        foreach (var u in state.EarlyCallerInfo)
        {
            _earlyCallerInfo[u.CallId] = u;
        }
        foreach (var g in state.Gateways)
        {
            _gateways[g.Id] = new GatewayState { LastSeenTicks = g.LastSeenTicks, IntervalTicks = g.IntervalTicks, Generation = g.Generation };
        }
        foreach (var d in state.Deadlines)
        {
            var deadline = new Deadline(d.Kind, d.Call is { } c ? byId[c] : null, d.Agent is { } a ? _agents[a] : null, d.Gateway, d.Generation);
            _deadlines.Enqueue(deadline, (d.Ticks, d.Seq));
        }
        foreach (var d in state.Decisions)
        {
            ref var slot = ref _decisionLog.Append(d.CallId);
            slot.Queue = d.Queue;
            slot.Agent = d.Agent;
            slot.AtTicks = d.AtTicks;
            slot.Trigger = d.Trigger;
            slot.Rule = d.Rule;
            slot.WaitedTicks = d.WaitedTicks;
            slot.EffectiveTicks = d.EffectiveTicks;
            slot.Priority = d.Priority;
            slot.Tier = d.Tier;
            slot.Ring = d.Ring;
            slot.SkillCount = d.Skills.Length;
            if (d.Skills.Length > DecisionLog.InlineSkills)
            {
                slot.MoreSkills = d.Skills[DecisionLog.InlineSkills..];
            }
            for (var k = 0; k < d.Skills.Length && k < DecisionLog.InlineSkills; k++)
            {
                slot.Skills[k] = d.Skills[k];
            }
            slot.LoserCount = Math.Min(d.Losers.Length, DecisionLog.MaxLosers);
            for (var k = 0; k < slot.LoserCount; k++)
            {
                slot.Losers[k] = d.Losers[k];
            }
        }
        Stats.Import(state.Statistics);
        Array.Fill(_dirty, true);
    }
}
