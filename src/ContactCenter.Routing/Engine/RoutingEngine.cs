using System.Globalization;
using ContactCenter.Contracts;
using ContactCenter.Routing.Configuration;
using ContactCenter.Routing.Statistics;

namespace ContactCenter.Routing.Engine;

/// <summary>
/// The matching engine: pure, deterministic, single-threaded, in memory. Time comes only from the injected clock,
/// read once per input; the same inputs at the same times give the same decisions.
/// </summary>
internal sealed partial class RoutingEngine
{
    private const int MaxLosers = DecisionLog.MaxLosers;
    private const int MaxRememberedCalls = 20000;
    /// <summary>Decisions remembered for the decisions API (the last 20,000, whatever calls they belong to).</summary>
    private const int MaxRememberedDecisions = 20000;
    private const int MaxDecisionsPerCall = 100;

    private readonly RoutingConfiguration _config;
    private readonly TimeProvider _clock;
    private readonly Dictionary<string, int> _skills = new(StringComparer.Ordinal);
    private readonly List<string> _skillNames = [];
    private readonly Dictionary<string, int> _queueIndex = new(StringComparer.Ordinal);
    private readonly QueueState[] _queues;
    private readonly Dictionary<string, AgentRecord> _agentsById = new(StringComparer.Ordinal);
    private readonly List<AgentRecord> _agents = [];
    private readonly Dictionary<Guid, CallRecord> _calls = [];
    private readonly HashSet<Guid> _ended = [];
    private readonly Queue<Guid> _endedOrder = new();
    private readonly DecisionLog _decisionLog = new(MaxRememberedDecisions);
    private readonly Dictionary<Guid, UpdateCaller> _earlyCallerInfo = [];
    private readonly Queue<Guid> _earlyCallerOrder = new();
    private readonly Dictionary<string, GatewayState> _gateways = new(StringComparer.Ordinal);
    private readonly PriorityQueue<Deadline, (long Ticks, long Seq)> _deadlines = new();
    private readonly List<CallRecord> _scratchCalls = [];
    /// <summary>Waiting work items of every queue, in effective-wait order (RoutingEngine.WorkItems.cs).</summary>
    private readonly OrderedList<WaitingEntry> _workWaiting = new();
    /// <summary>Something changed that may let a waiting work item be offered: looked at once, at the end of the input.</summary>
    private bool _workDirty;
    /// <summary>Per queue, the first agents of its qualified order (see <see cref="QueueTop"/>).</summary>
    private readonly QueueTop[] _tops;
    /// <summary>Per queue, its waiting calls as a freed agent first looks at them (see <see cref="WaitingHead"/>).</summary>
    private readonly WaitingHead[] _heads;
    /// <summary>The losers of the selection in progress, as indexes (<see cref="LoserRef"/>); resolved to text only if it is kept.</summary>
    private LoserRefBuffer _loserRefs;
    private int _loserCount;
    /// <summary>Where losers beyond <see cref="MaxLosers"/> are written and forgotten.</summary>
    private LoserRef _loserOverflow;
    private CallRecord?[]? _probeCalls;
    private readonly bool[] _dirty;
    private long _seq;
    private int _compactAt = 4096;
    private long _nowTicks;
    private DateTimeOffset _now;

    public RoutingEngine(RoutingConfiguration config, TimeProvider clock)
    {
        _config = config;
        _clock = clock;
        _queues = new QueueState[config.Queues.Count];
        for (var i = 0; i < config.Queues.Count; i++)
        {
            var q = config.Queues[i];
            var reqs = new Requirement[q.Skills.Count];
            for (var s = 0; s < reqs.Length; s++)
            {
                reqs[s] = new Requirement(SkillId(q.Skills[s].Skill), q.Skills[s].Level, q.Skills[s].Optional);
            }
            _queues[i] = new QueueState(i, q, reqs);
            _queueIndex[q.Name] = i;
        }
        _dirty = new bool[_queues.Length + 1];
        _tops = new QueueTop[_queues.Length];
        _heads = new WaitingHead[_queues.Length];
        foreach (var q in _queues)
        {
            _tops[q.Index].Requirements = q.Requirements;
            _tops[q.Index].PrimarySkill = q.PrimarySkill;
            _tops[q.Index].TieBreak = q.TieBreak;
        }
        Stats = new QueueStatsTracker(config);
        _now = clock.GetUtcNow();
        _nowTicks = _now.UtcTicks;
    }

    /// <summary>Effects to carry out, in order; the host drains it after each input.</summary>
    public List<EngineOutput> Outputs { get; } = [];

    public QueueStatsTracker Stats { get; }

    public RoutingConfiguration Configuration => _config;

    public DateTimeOffset Now => _now;

    /// <summary>Earliest pending timeout, or null when none.</summary>
    public DateTimeOffset? NextDeadline =>
        _deadlines.TryPeek(out _, out var p) ? new DateTimeOffset(p.Ticks, TimeSpan.Zero) : null;

    /// <summary>Applies one input at the clock's current time (timeouts due by then fire first).</summary>
    public void Handle(EngineInput input)
    {
        var now = _clock.GetUtcNow();
        if (now.UtcTicks > _nowTicks)
        {
            _now = now.ToUniversalTime();
            _nowTicks = now.UtcTicks;
        }
        FireDeadlines();
        switch (input)
        {
            case QueueCall q:
                OnQueueCall(q);
                break;
            case UpdateCaller i:
                OnUpdateCaller(i);
                break;
            case RingNoAnswer n:
                OnNoAnswer(n.CallId, n.AgentId, n.Reason);
                break;
            case ConnectCall c:
                OnConnect(c);
                break;
            case EndCall e:
                OnEndCall(e);
                break;
            case TakeOverCall t:
                OnTakeOver(t);
                break;
            case GatewayHeartbeat h:
                OnHeartbeat(h);
                break;
            case ChangeAgentState s:
                OnChangeState(s);
                break;
            case FinishWrapUp w:
                if (!OnFinishWork(w))
                {
                    OnFinishWrapUp(w);
                }
                break;
            case UpsertAgent u:
                OnUpsertAgent(u.Profile);
                _workDirty = true; // new skills or queues may let the agent take a waiting work item
                break;
            case TransferCall t:
                OnTransfer(t);
                break;
            case StartOutbound o:
                OnStartOutbound(o);
                break;
            case TakeOffer a:
                OnAcceptOffer(a);
                break;
            case SkipOffer d:
                OnDeclineOffer(d);
                break;
            case Tick:
                break;
            default:
                throw new ArgumentException($"unknown engine input {input.GetType().Name}", nameof(input));
        }
        if (_workDirty)
        {
            OfferWaitingWork();
        }
    }

    // ---------------------------------------------------------------- inputs

    private void OnQueueCall(QueueCall q)
    {
        if (_calls.TryGetValue(q.CallId, out var existing))
        {
            if (q.IsCallback && !existing.IsCallback && existing.Phase == CallPhase.Waiting)
            {
                existing.IsCallback = true;
                MarkDirty(existing.Queue);
            }
            return;
        }
        if (_ended.Contains(q.CallId))
        {
            return;
        }
        if (q.IsWorkItem)
        {
            OnQueueWorkItem(q);
            return;
        }
        if (!_queueIndex.TryGetValue(q.Queue, out var qi))
        {
            Outputs.Add(new CallDiverted(q.CallId, q.Queue, q.GatewayId, "no-agents", $"unknown queue '{q.Queue}'", _now));
            Outputs.Add(new QueueLeft(q.CallId, q.Queue, QueueExitReason.NoAgents, TimeSpan.Zero, 0, null, null, _now));
            RememberEnded(q.CallId);
            return;
        }
        var queue = _queues[qi];
        var def = queue.Definition;
        if (def.MaxLength > 0 && queue.Waiting.Count >= def.MaxLength)
        {
            Stats.Offered(qi, _now);
            RefusedOnArrival(q.CallId, qi, QueueExitReason.QueueFull);
            Outputs.Add(new CallDiverted(q.CallId, def.Name, q.GatewayId, "queue-full", $"queue at its maximum length {def.MaxLength}", _now));
            RememberRefused(q);
            MarkDirty(qi);
            return;
        }
        if (!def.AcceptWithoutAgents && queue.LoggedIn == 0)
        {
            Stats.Offered(qi, _now);
            RefusedOnArrival(q.CallId, qi, QueueExitReason.NoAgents);
            Outputs.Add(new CallDiverted(q.CallId, def.Name, q.GatewayId, "no-agents", "no agent of the queue is logged in", _now));
            RememberRefused(q);
            MarkDirty(qi);
            return;
        }
        var queuedAt = Math.Min(q.QueuedAt.UtcTicks, _nowTicks);
        var call = new CallRecord
        {
            Id = q.CallId,
            Seq = ++_seq,
            Queue = qi,
            Caller = q.Caller,
            GatewayId = q.GatewayId,
            IvrPath = q.IvrPath,
            Requirements = Compile(queue, q.Skills),
            Priority = q.Priority,
            Tier = q.Tier,
            QueuedAtTicks = queuedAt,
            KnownSinceTicks = _nowTicks,
            IsCallback = q.IsCallback,
        };
        if (q.PreferredAgentId is not null && _agentsById.TryGetValue(q.PreferredAgentId, out var pref))
        {
            SetPreferred(call, pref);
        }
        _calls[call.Id] = call;
        Stats.Offered(qi, _now);
        Enqueue(call, MatchTrigger.NewCall);
        if (_earlyCallerInfo.Remove(call.Id, out var early))
        {
            OnUpdateCaller(early with { Tier = (CustomerTier)Math.Max((int)early.Tier, (int)call.Tier) });
        }
    }

    /// <summary>
    /// A refused call is remembered as ended (a redelivery changes nothing), except a callback: the gateway's ledger hands a refused
    /// callback over again later with the same id, which must then be taken.
    /// </summary>
    private void RememberRefused(QueueCall q)
    {
        if (!q.IsCallback)
        {
            RememberEnded(q.CallId);
        }
    }

    private void OnUpdateCaller(UpdateCaller i)
    {
        if (!_calls.TryGetValue(i.CallId, out var call))
        {
            // The CRM often identifies the caller while the IVR still runs: keep it for the CallQueued to come.
            if (!_ended.Contains(i.CallId) && _earlyCallerInfo.TryAdd(i.CallId, i))
            {
                _earlyCallerOrder.Enqueue(i.CallId);
                if (_earlyCallerOrder.Count > MaxRememberedCalls)
                {
                    _earlyCallerInfo.Remove(_earlyCallerOrder.Dequeue());
                }
            }
            return;
        }
        if (call.Phase != CallPhase.Waiting || call.IsWorkItem)
        {
            return;
        }
        var queue = _queues[call.Queue];
        RemoveWaiting(call);
        call.Tier = i.Tier;
        if (i.Language is { Length: > 0 } lang && _skills.TryGetValue("lang-" + lang.ToLowerInvariant(), out var langSkill))
        {
            var has = false;
            foreach (var r in call.Requirements)
            {
                has |= r.Skill == langSkill;
            }
            if (!has)
            {
                call.Requirements = [.. call.Requirements, new Requirement(langSkill, 1, true)];
            }
        }
        if (i.PreferredAgentId is not null && call.PreferredAgent < 0 && _agentsById.TryGetValue(i.PreferredAgentId, out var pref))
        {
            SetPreferred(call, pref);
            ScheduleWaitingDeadlines(call);
        }
        call.EffectiveKey = EffectiveKey(call);
        AddWaiting(call);
        MarkDirty(call.Queue);
        TryMatchCall(call, MatchTrigger.NewCall);
    }

    private void OnNoAnswer(Guid callId, string agentId, string reason)
    {
        if (!_agentsById.TryGetValue(agentId, out var agent) || agent.State != AgentState.Reserved || agent.Call?.Id != callId)
        {
            return;
        }
        var call = agent.Call;
        if (call.IsWorkItem || call.AwaitingAccept)
        {
            // An offer on the desktop: no phone rang for it (skipping and timing out are DeclineOffer and the offer's deadline).
            return;
        }
        if (call.IsOutbound)
        {
            // The agent's own call: nothing to offer to anyone else; the agent goes back to where they were.
            EndCallRecord(call, false, $"agent did not answer ({reason})");
            return;
        }
        call.LastMissedAgent = agent.Index;
        agent.Call = null;
        var next = _config.MissedCallState;
        var nextReason = next == AgentState.NotReady ? "missed" : null;
        if (agent.PendingState is AgentState pending)
        {
            next = pending;
            nextReason = agent.PendingReason;
            agent.PendingState = null;
        }
        SetState(agent, next, nextReason ?? $"missed: {reason}", null, keepIdleSince: true);
        Requeue(call);
        if (agent.State == AgentState.Available)
        {
            TryMatchAgent(agent);
        }
    }

    private void OnConnect(ConnectCall c)
    {
        if (!_agentsById.TryGetValue(c.AgentId, out var agent) || agent.State != AgentState.Reserved || agent.Call?.Id != c.CallId)
        {
            return;
        }
        var call = agent.Call;
        if (call.IsWorkItem || call.AwaitingAccept)
        {
            return; // an offer on the desktop: no phone was rung for it (TakeOffer accepts it)
        }
        call.Phase = CallPhase.OnCall;
        call.Generation++;
        call.ConnectedAtTicks = _nowTicks;
        if (!call.IsOutbound)
        {
            LeaveQueue(call, QueueExitReason.Answered, 0, agent.Id);
        }
        SetState(agent, AgentState.OnCall, null, call.Id);
        MarkDirty(call.Queue);
    }

    private void OnEndCall(EndCall e)
    {
        if (!_calls.TryGetValue(e.CallId, out var call) || call.IsWorkItem)
        {
            return;
        }
        if (call.Phase == CallPhase.Waiting && e.Outcome == CallOutcome.Callback)
        {
            // The caller's leg ended because they took the callback: the virtual call keeps its place.
            if (!call.IsCallback)
            {
                call.IsCallback = true;
                MarkDirty(call.Queue);
            }
            return;
        }
        EndCallRecord(call, e.Outcome == CallOutcome.Abandoned || e.EndedBy == CallParty.Caller, e.Reason);
    }

    /// <param name="call">The call that ended.</param>
    /// <param name="byCaller">The caller hung up (an abandon while waiting or ringing).</param>
    /// <param name="reason">Why, in words.</param>
    /// <param name="otherwise">How a call that was not abandoned left its queue (the gateway ended it, or routing lost it).</param>
    private void EndCallRecord(CallRecord call, bool byCaller, string reason, QueueExitReason otherwise = QueueExitReason.Ended)
    {
        var queue = _queues[call.Queue];
        switch (call.Phase)
        {
            case CallPhase.Waiting:
                {
                    var position = PositionOf(call);
                    RemoveWaiting(call);
                    UnsetPreferred(call);
                    LeaveQueue(call, byCaller ? QueueExitReason.Abandoned : otherwise, position);
                    Forget(call);
                }
                break;
            case CallPhase.Reserved:
                {
                    var agent = _agents[call.Agent];
                    agent.Call = null;
                    if (!call.IsOutbound)
                    {
                        // An outbound call is counted in no queue.
                        LeaveQueue(call, byCaller ? QueueExitReason.Abandoned : otherwise, 0, agent.Id);
                    }
                    Forget(call);
                    var next = agent.PendingState ?? AgentState.Available;
                    var nextReason = agent.PendingState is not null ? agent.PendingReason
                        : call.IsOutbound ? $"outbound call ended before it was answered ({reason})"
                        : $"caller hung up while ringing ({reason})";
                    agent.PendingState = null;
                    SetState(agent, next, nextReason, null, keepIdleSince: true);
                    if (agent.State == AgentState.Available)
                    {
                        TryMatchAgent(agent);
                    }
                    break;
                }
            case CallPhase.OnCall:
                {
                    var agent = _agents[call.Agent];
                    var talk = _nowTicks - call.ConnectedAtTicks;
                    if (call.ForWork is not null)
                    {
                        // A call back from a work item: no wrap-up of its own, the agent is back on the work item.
                        ReturnToWork(agent, call, talk, reason);
                        break;
                    }
                    agent.TalkOfLastCallTicks = talk;
                    // An outbound call is handled by no queue: its wrap-up is not counted in the queue's handle time.
                    agent.LastCallQueue = call.IsOutbound ? -1 : call.Queue;
                    AddTalk(agent, talk);
                    Forget(call);
                    agent.WrapUpStartTicks = _nowTicks;
                    var wrap = queue.Definition.WrapUp;
                    SetState(agent, AgentState.WrapUp, reason, call.Id);
                    agent.Call = call;
                    if (wrap > TimeSpan.Zero)
                    {
                        Schedule(_nowTicks + wrap.Ticks, new Deadline(DeadlineKind.WrapUpTimeout, null, agent, null, agent.Generation));
                    }
                    else
                    {
                        EndWrapUp(agent, "no wrap-up time");
                    }
                    break;
                }
            case CallPhase.Ended:
                break;
        }
        MarkDirty(call.Queue);
    }

    private void OnHeartbeat(GatewayHeartbeat h)
    {
        if (!_gateways.TryGetValue(h.GatewayId, out var gw))
        {
            gw = new GatewayState();
            _gateways[h.GatewayId] = gw;
        }
        gw.LastSeenTicks = _nowTicks;
        gw.IntervalTicks = Math.Max(h.Interval.Ticks, TimeSpan.TicksPerSecond);
        gw.Generation++;
        Schedule(_nowTicks + (3 * gw.IntervalTicks), new Deadline(DeadlineKind.HeartbeatLoss, null, null, h.GatewayId, gw.Generation));
        var live = new HashSet<Guid>(h.LiveCalls);
        var cutoff = _nowTicks - gw.IntervalTicks;
        EndGatewayCalls(h.GatewayId, c => !live.Contains(c.Id) && c.KnownSinceTicks <= cutoff, "not in the gateway's heartbeat");
    }

    private void EndGatewayCalls(string gatewayId, Func<CallRecord, bool> predicate, string reason)
    {
        _scratchCalls.Clear();
        foreach (var c in _calls.Values)
        {
            // Waiting callbacks, work items and offers on a desktop have no leg at any gateway.
            if (c.GatewayId == gatewayId && !(c.IsCallback && c.Phase == CallPhase.Waiting) && !c.IsWorkItem && !c.AwaitingAccept && predicate(c))
            {
                _scratchCalls.Add(c);
            }
        }
        _scratchCalls.Sort(static (a, b) => a.Seq.CompareTo(b.Seq));
        var list = _scratchCalls.ToArray();
        foreach (var c in list)
        {
            EndCallRecord(c, false, reason, QueueExitReason.Ended);
        }
    }

    private void OnChangeState(ChangeAgentState s)
    {
        if (!_agentsById.TryGetValue(s.AgentId, out var agent) || !agent.Active)
        {
            return;
        }
        var target = s.State;
        if (target is not (AgentState.Available or AgentState.NotReady or AgentState.LoggedOut))
        {
            return;
        }
        if (agent.Work is { Count: > 0 } && OnChangeStateWithWork(agent, target, s.Reason))
        {
            return;
        }
        switch (agent.State)
        {
            case AgentState.Reserved when agent.Call is { IsOutbound: true }:
                // The agent's own call is being placed: like a call in progress, the change applies when it is over.
                agent.PendingState = target == AgentState.Available ? null : target;
                agent.PendingReason = s.Reason;
                return;
            case AgentState.Reserved:
                if (target == AgentState.Available)
                {
                    return;
                }
                {
                    var call = agent.Call!;
                    agent.Call = null;
                    NoteOfferWithdrawn(agent, call, "the agent went " + (target == AgentState.LoggedOut ? "logged out" : "not ready"));
                    SetState(agent, target, s.Reason, null);
                    Requeue(call);
                }
                break;
            case AgentState.OnCall:
                agent.PendingState = target == AgentState.Available ? null : target;
                agent.PendingReason = s.Reason;
                return;
            case AgentState.WrapUp:
                if (target == AgentState.Available)
                {
                    EndWrapUp(agent, "wrap-up completed");
                    return;
                }
                RecordHandled(agent);
                agent.Call = null;
                SetState(agent, target, s.Reason, null);
                break;
            case AgentState.Available or AgentState.NotReady or AgentState.LoggedOut:
                if (agent.State == target && agent.Reason == s.Reason)
                {
                    return;
                }
                if (agent.State == target && target == AgentState.Available)
                {
                    return;
                }
                SetState(agent, target, s.Reason, null);
                break;
        }
        if (agent.State == AgentState.Available)
        {
            TryMatchAgent(agent);
        }
        else if (agent.State == AgentState.LoggedOut)
        {
            ReleasePreferredCalls(agent);
        }
    }

    /// <summary>A logged-out agent holds no call in a preferred-agent window: those calls go to anyone now.</summary>
    private void ReleasePreferredCalls(AgentRecord agent)
    {
        if (agent.PreferredCalls is not { Count: > 0 } held)
        {
            return;
        }
        var list = held.ToArray();
        foreach (var call in list)
        {
            UnsetPreferred(call);
        }
        foreach (var call in list)
        {
            TryMatchCall(call, MatchTrigger.Widened);
        }
    }

    private void OnFinishWrapUp(FinishWrapUp w)
    {
        if (!_agentsById.TryGetValue(w.AgentId, out var agent) || agent.State != AgentState.WrapUp || agent.Call?.Id != w.CallId)
        {
            return;
        }
        EndWrapUp(agent, "wrap-up completed");
    }

    private void EndWrapUp(AgentRecord agent, string reason)
    {
        RecordHandled(agent);
        agent.Call = null;
        var next = agent.PendingState ?? AgentState.Available;
        var nextReason = agent.PendingState is null ? reason : agent.PendingReason;
        agent.PendingState = null;
        SetState(agent, next, nextReason, null);
        if (agent.State == AgentState.Available)
        {
            TryMatchAgent(agent);
        }
        else if (agent.State == AgentState.LoggedOut)
        {
            // A log-out requested during wrap-up takes effect now: calls waiting for this agent go to anyone.
            ReleasePreferredCalls(agent);
        }
    }

    private void RecordHandled(AgentRecord agent)
    {
        if (agent.Call is { } call)
        {
            // The reports' handle time: the same talk and wrap-up the board's AHT adds up (an outbound call's too, in no queue).
            Outputs.Add(new HandlingEnded(call.Id, agent.Id, agent.LastCallQueue >= 0 ? _queues[agent.LastCallQueue].Definition.Name : null,
                TimeSpan.FromTicks(agent.TalkOfLastCallTicks), TimeSpan.FromTicks(_nowTicks - agent.WrapUpStartTicks), _now));
        }
        if (agent.LastCallQueue >= 0)
        {
            Stats.Handled(agent.LastCallQueue, TimeSpan.FromTicks(agent.TalkOfLastCallTicks + (_nowTicks - agent.WrapUpStartTicks)), _now);
            MarkDirty(agent.LastCallQueue);
            agent.LastCallQueue = -1;
        }
    }

    private void OnUpsertAgent(AgentProfile p)
    {
        if (!_agentsById.TryGetValue(p.AgentId, out var agent))
        {
            agent = new AgentRecord { Index = _agents.Count, Id = p.AgentId, StateSinceTicks = _nowTicks };
            _agents.Add(agent);
            _agentsById[p.AgentId] = agent;
        }
        var wasAvailable = agent.State == AgentState.Available;
        if (wasAvailable)
        {
            RemoveAvailable(agent);
        }
        foreach (var q in agent.Queues)
        {
            _queues[q].Members.Remove(agent.Index);
            if (agent.State != AgentState.LoggedOut)
            {
                _queues[q].LoggedIn--;
            }
            MarkDirty(q);
        }
        agent.DisplayName = p.DisplayName;
        agent.Active = p.Active;
        agent.Phone = p.Phone;
        var queues = new List<int>();
        foreach (var name in p.Queues)
        {
            if (_queueIndex.TryGetValue(name, out var qi) && !queues.Contains(qi))
            {
                queues.Add(qi);
            }
        }
        agent.Queues = [.. queues];
        foreach (var s in p.Skills)
        {
            SkillId(s.Skill);
        }
        var levels = new byte[_skillNames.Count];
        foreach (var s in p.Skills)
        {
            levels[_skills[s.Skill]] = (byte)Math.Clamp(s.Level, 0, 5);
        }
        agent.Levels = levels;
        agent.Memberships = MembershipsOf(agent);
        foreach (var q in agent.Queues)
        {
            _queues[q].Members.Add(agent.Index);
            if (agent.State != AgentState.LoggedOut)
            {
                _queues[q].LoggedIn++;
            }
            MarkDirty(q);
        }
        if (wasAvailable)
        {
            AddAvailable(agent);
        }
        if (!p.Active)
        {
            if (agent.Call is { IsWorkItem: true })
            {
                // The agent's state is a work item's: logged out at once (SetState releases every work item).
                agent.PendingState = null;
                SetState(agent, AgentState.LoggedOut, "removed from directory", null);
            }
            switch (agent.State)
            {
                case AgentState.Reserved when agent.Call is { IsOutbound: true }:
                    agent.PendingState = AgentState.LoggedOut;
                    agent.PendingReason = "removed from directory";
                    break;
                case AgentState.Reserved:
                    var call = agent.Call!;
                    agent.Call = null;
                    NoteOfferWithdrawn(agent, call, "removed from directory");
                    SetState(agent, AgentState.LoggedOut, "removed from directory", null);
                    Requeue(call);
                    break;
                case AgentState.OnCall:
                    agent.PendingState = AgentState.LoggedOut;
                    agent.PendingReason = "removed from directory";
                    break;
                case AgentState.Available or AgentState.NotReady or AgentState.WrapUp:
                    agent.Call = null;
                    SetState(agent, AgentState.LoggedOut, "removed from directory", null);
                    break;
                case AgentState.LoggedOut:
                    break;
            }
            ReleasePreferredCalls(agent);
            return;
        }
        if (agent.State == AgentState.Available)
        {
            TryMatchAgent(agent);
        }
    }

    // ---------------------------------------------------------------- timeouts

    private void FireDeadlines()
    {
        while (_deadlines.TryPeek(out var d, out var p) && p.Ticks <= _nowTicks)
        {
            _deadlines.Dequeue();
            switch (d.Kind)
            {
                case DeadlineKind.RingTimeout:
                    if (d.Agent!.Generation == d.Generation && d.Agent.State == AgentState.Reserved && d.Agent.Call is { } call)
                    {
                        if (call.AwaitingAccept && !call.IsWorkItem)
                        {
                            OfferMissed(d.Agent, call, "not accepted in time", skipped: false);
                        }
                        else
                        {
                            OnNoAnswer(call.Id, d.Agent.Id, "ring timeout");
                        }
                    }
                    break;
                case DeadlineKind.OfferTimeout:
                    if (d.Call!.Generation == d.Generation && d.Call.AwaitingAccept && d.Call.Agent >= 0)
                    {
                        OfferMissed(_agents[d.Call.Agent], d.Call, "not accepted in time", skipped: false);
                    }
                    break;
                case DeadlineKind.WorkRecheck:
                    if (d.Call!.Generation == d.Generation && d.Call.Phase == CallPhase.Waiting)
                    {
                        RecheckWork(d.Call);
                    }
                    break;
                case DeadlineKind.WrapUpTimeout:
                    if (d.Agent!.Generation == d.Generation && d.Agent.State == AgentState.WrapUp)
                    {
                        EndWrapUp(d.Agent, "wrap-up time elapsed");
                    }
                    break;
                case DeadlineKind.Widen:
                    if (d.Call!.Generation == d.Generation && d.Call.Phase == CallPhase.Waiting)
                    {
                        UpdateRing(d.Call);
                        RefreshSpecial(d.Call);
                        ScheduleWaitingDeadlines(d.Call);
                        MarkDirty(d.Call.Queue);
                        TryMatchCall(d.Call, MatchTrigger.Widened);
                    }
                    break;
                case DeadlineKind.PreferredWindowEnd:
                    if (d.Call!.Generation == d.Generation && d.Call.Phase == CallPhase.Waiting)
                    {
                        UnsetPreferred(d.Call);
                        TryMatchCall(d.Call, MatchTrigger.Widened);
                    }
                    break;
                case DeadlineKind.MaxWait:
                    if (d.Call!.Generation == d.Generation && d.Call.Phase == CallPhase.Waiting && !d.Call.IsCallback)
                    {
                        OnMaxWait(d.Call);
                    }
                    break;
                case DeadlineKind.HeartbeatLoss:
                    if (_gateways.TryGetValue(d.Gateway!, out var gw) && gw.Generation == d.Generation)
                    {
                        EndGatewayCalls(d.Gateway!, static _ => true, "gateway heartbeat lost");
                    }
                    break;
            }
        }
    }

    private void OnMaxWait(CallRecord call)
    {
        var queue = _queues[call.Queue];
        var def = queue.Definition;
        var waited = TimeSpan.FromTicks(_nowTicks - call.QueuedAtTicks);
        var why = string.Create(CultureInfo.InvariantCulture, $"maximum wait {def.MaxWait.TotalSeconds:0}s reached in {def.Name}");
        switch (def.MaxWaitAction)
        {
            case MaxWaitAction.Overflow:
                {
                    var target = _queues[_queueIndex[def.OverflowQueue!]];
                    var position = PositionOf(call);
                    RemoveWaiting(call);
                    LeaveQueue(call, QueueExitReason.Overflowed, position, toQueue: target.Definition.Name);
                    MarkDirty(call.Queue);
                    call.Queue = target.Index;
                    call.Requirements = Recompile(target, call.Requirements, queue);
                    Stats.Offered(target.Index, _now);
                    Enqueue(call, MatchTrigger.NewCall);
                    break;
                }
            case MaxWaitAction.Voicemail:
                {
                    var position = PositionOf(call);
                    RemoveWaiting(call);
                    UnsetPreferred(call);
                    LeaveQueue(call, QueueExitReason.Voicemail, position);
                }
                Outputs.Add(new CallDiverted(call.Id, def.Name, call.GatewayId, "voicemail", why, _now));
                Forget(call);
                MarkDirty(call.Queue);
                break;
            case MaxWaitAction.Callback:
                call.IsCallback = true;
                Outputs.Add(new CallDiverted(call.Id, def.Name, call.GatewayId, "callback", why + $"; the call keeps its place after {waited.TotalSeconds:0}s", _now));
                MarkDirty(call.Queue);
                break;
            case MaxWaitAction.None:
                break;
        }
    }

    // ---------------------------------------------------------------- queue mechanics

    private void Enqueue(CallRecord call, MatchTrigger trigger)
    {
        call.Phase = CallPhase.Waiting;
        call.Agent = -1;
        call.AwaitingAccept = false;
        call.Generation++;
        UpdateRing(call);
        call.EffectiveKey = EffectiveKey(call);
        AddWaiting(call);
        ScheduleWaitingDeadlines(call);
        var def = _queues[call.Queue].Definition;
        if (def.MaxWait > TimeSpan.Zero && def.MaxWaitAction != MaxWaitAction.None)
        {
            Schedule(Math.Max(call.QueuedAtTicks + def.MaxWait.Ticks, _nowTicks), new Deadline(DeadlineKind.MaxWait, call, null, null, call.Generation));
        }
        MarkDirty(call.Queue);
        TryMatchCall(call, trigger);
    }

    /// <summary>Whether a call asks exactly its queue's own requirements at their configured levels (so <see cref="QueueState.Qualified"/> serves it).</summary>
    private static bool IsBase(CallRecord call, QueueState queue) =>
        ReferenceEquals(call.Requirements, queue.Requirements) && call.LowerBy == 0 && !call.DropOptional;

    /// <summary>A call left its queue: counted for the board and published for the reports, with the same wait and the same definition.</summary>
    private void LeaveQueue(CallRecord call, QueueExitReason reason, int position, string? agentId = null, string? toQueue = null)
    {
        var wait = TimeSpan.FromTicks(_nowTicks - call.QueuedAtTicks);
        Stats.Left(call.Queue, reason, wait, _now);
        Outputs.Add(new QueueLeft(call.Id, _queues[call.Queue].Definition.Name, reason, wait, position, agentId, toQueue, _now));
    }

    /// <summary>A call refused as it arrived (queue full, no agents): offered and diverted at once.</summary>
    private void RefusedOnArrival(Guid callId, int queue, QueueExitReason reason)
    {
        Stats.Left(queue, reason, TimeSpan.Zero, _now);
        Outputs.Add(new QueueLeft(callId, _queues[queue].Definition.Name, reason, TimeSpan.Zero, 0, null, null, _now));
    }

    /// <summary>A waiting call's place in its queue (1 = next in line); 0 when it is not waiting.</summary>
    private int PositionOf(CallRecord call)
    {
        if (call.Phase != CallPhase.Waiting)
        {
            return 0;
        }
        var index = _queues[call.Queue].Waiting.IndexOf(new WaitingEntry(new WaitingKey(call.EffectiveKey, call.Seq), call));
        return index < 0 ? 0 : index + 1;
    }

    private void AddWaiting(CallRecord call)
    {
        var queue = _queues[call.Queue];
        queue.Waiting.Add(new WaitingEntry(new WaitingKey(call.EffectiveKey, call.Seq), call));
        call.SpecialCounted = false;
        RefreshSpecial(call); // and the queue's head
    }

    private void RemoveWaiting(CallRecord call)
    {
        var queue = _queues[call.Queue];
        queue.Waiting.Remove(new WaitingEntry(new WaitingKey(call.EffectiveKey, call.Seq), call));
        if (call.SpecialCounted)
        {
            queue.SpecialWaiting--;
            call.SpecialCounted = false;
        }
        RefreshHead(queue);
    }

    /// <summary>Keeps <see cref="QueueState.SpecialWaiting"/> right after a waiting call's requirements or ring changed.</summary>
    private void RefreshSpecial(CallRecord call)
    {
        var queue = _queues[call.Queue];
        var special = !IsBase(call, queue);
        if (special != call.SpecialCounted)
        {
            queue.SpecialWaiting += special ? 1 : -1;
            call.SpecialCounted = special;
        }
        RefreshHead(queue);
    }

    /// <summary>
    /// Re-reads a queue's <see cref="WaitingHead"/> from its waiting list. Called after every change to the list, to
    /// <see cref="QueueState.SpecialWaiting"/>, or to a waiting call's requirements, ring or preferred agent (whichever call it is:
    /// the head may be the one that changed).
    /// </summary>
    private void RefreshHead(QueueState queue)
    {
        ref var head = ref _heads[queue.Index];
        head.Count = queue.Waiting.Count;
        head.Special = queue.SpecialWaiting;
        if (head.Count == 0)
        {
            head.Call = null;
            head.Id = default;
            head.Key = 0;
            head.Seq = 0;
            head.LastMissed = -1;
            head.Plain = false;
            return;
        }
        var (key, call) = queue.Waiting[0];
        head.Key = key.EffectiveKey;
        head.Seq = key.Seq;
        head.Id = call.Id;
        head.Call = call;
        head.LastMissed = call.LastMissedAgent;
        head.Plain = IsBase(call, queue) && call.PreferredAgent < 0;
    }

    private void Requeue(CallRecord call)
    {
        // Back in its queue with its original wait (its effective key is unchanged, so it keeps its place).
        Enqueue(call, MatchTrigger.NewCall);
    }

    private void ScheduleWaitingDeadlines(CallRecord call)
    {
        var widening = _queues[call.Queue].Definition.Widening;
        if (call.Ring < widening.Count)
        {
            Schedule(call.QueuedAtTicks + widening[call.Ring].After.Ticks, new Deadline(DeadlineKind.Widen, call, null, null, call.Generation));
        }
        if (call.PreferredAgent >= 0 && call.PreferredUntilTicks > _nowTicks)
        {
            Schedule(call.PreferredUntilTicks, new Deadline(DeadlineKind.PreferredWindowEnd, call, null, null, call.Generation));
        }
    }

    private void UpdateRing(CallRecord call)
    {
        var widening = _queues[call.Queue].Definition.Widening;
        var waited = _nowTicks - call.QueuedAtTicks;
        var ring = 0;
        var lower = 0;
        var drop = false;
        while (ring < widening.Count && widening[ring].After.Ticks <= waited)
        {
            lower = Math.Max(lower, widening[ring].LowerLevelsBy);
            drop |= widening[ring].DropOptionalSkills;
            ring++;
        }
        call.Ring = ring;
        call.LowerBy = lower;
        call.DropOptional = drop;
    }

    private long EffectiveKey(CallRecord call)
    {
        var boost = _config.TierBoost.TryGetValue(call.Tier, out var b) ? b.Ticks : 0;
        boost += call.Priority * _config.IvrPriorityBoost.Ticks;
        return call.QueuedAtTicks - boost;
    }

    private void SetPreferred(CallRecord call, AgentRecord agent)
    {
        var window = _queues[call.Queue].Definition.PreferredAgentWindow;
        if (window <= TimeSpan.Zero || agent.State == AgentState.LoggedOut || !agent.Active)
        {
            return;
        }
        call.PreferredAgent = agent.Index;
        call.PreferredUntilTicks = call.QueuedAtTicks + window.Ticks;
        if (call.PreferredUntilTicks <= _nowTicks)
        {
            call.PreferredAgent = -1;
            return;
        }
        (agent.PreferredCalls ??= []).Add(call);
        RefreshHead(_queues[call.Queue]);
    }

    private void UnsetPreferred(CallRecord call)
    {
        if (call.PreferredAgent >= 0)
        {
            _agents[call.PreferredAgent].PreferredCalls?.Remove(call);
            call.PreferredAgent = -1;
            RefreshHead(_queues[call.Queue]);
        }
    }

    private bool InPreferredWindow(CallRecord call) =>
        call.PreferredAgent >= 0 && call.PreferredUntilTicks > _nowTicks && _agents[call.PreferredAgent].State != AgentState.LoggedOut;

    private Requirement[] Compile(QueueState queue, IReadOnlyList<SkillLevel> extra)
    {
        if (extra.Count == 0)
        {
            return queue.Requirements;
        }
        var list = new List<Requirement>(queue.Requirements);
        foreach (var s in extra)
        {
            if (string.IsNullOrWhiteSpace(s.Skill))
            {
                continue;
            }
            var id = SkillId(s.Skill.ToLowerInvariant());
            var level = Math.Clamp(s.Level, 1, 5);
            var found = false;
            for (var i = 0; i < list.Count; i++)
            {
                if (list[i].Skill == id)
                {
                    list[i] = list[i] with { Level = Math.Max(list[i].Level, level) };
                    found = true;
                }
            }
            if (!found)
            {
                list.Add(new Requirement(id, level, true));
            }
        }
        return [.. list];
    }

    private static Requirement[] Recompile(QueueState target, Requirement[] current, QueueState from)
    {
        var list = new List<Requirement>(target.Requirements);
        foreach (var r in current)
        {
            var fromQueue = false;
            foreach (var q in from.Requirements)
            {
                fromQueue |= q.Skill == r.Skill && !r.Optional;
            }
            var inTarget = false;
            foreach (var t in target.Requirements)
            {
                inTarget |= t.Skill == r.Skill;
            }
            if (!fromQueue && !inTarget)
            {
                list.Add(r);
            }
        }
        return [.. list];
    }

    private void Schedule(long ticks, Deadline d)
    {
        _deadlines.Enqueue(d, (ticks, ++_seq));
        if (_deadlines.Count > _compactAt)
        {
            CompactDeadlines();
        }
    }

    /// <summary>Drops superseded timeouts (lazy deletion leaves them in the heap) so the heap stays proportional to live agents and calls.</summary>
    private void CompactDeadlines()
    {
        var live = new List<(Deadline, (long, long))>(_deadlines.Count / 2);
        foreach (var (d, p) in _deadlines.UnorderedItems)
        {
            var current = d.Kind switch
            {
                DeadlineKind.RingTimeout or DeadlineKind.WrapUpTimeout => d.Agent!.Generation == d.Generation,
                DeadlineKind.Widen or DeadlineKind.PreferredWindowEnd or DeadlineKind.MaxWait or DeadlineKind.OfferTimeout or DeadlineKind.WorkRecheck
                    => d.Call!.Generation == d.Generation,
                DeadlineKind.HeartbeatLoss => _gateways.TryGetValue(d.Gateway!, out var g) && g.Generation == d.Generation,
                _ => true,
            };
            if (current)
            {
                live.Add((d, p));
            }
        }
        _deadlines.Clear();
        _deadlines.EnqueueRange(live);
        _compactAt = Math.Max(4096, live.Count * 2);
    }

    private void Forget(CallRecord call)
    {
        call.Phase = CallPhase.Ended;
        call.Generation++;
        UnsetPreferred(call);
        _calls.Remove(call.Id);
        RememberEnded(call.Id);
    }

    private void RememberEnded(Guid id)
    {
        if (_ended.Add(id))
        {
            _endedOrder.Enqueue(id);
            if (_endedOrder.Count > MaxRememberedCalls)
            {
                _ended.Remove(_endedOrder.Dequeue());
            }
        }
    }

    private void AddTalk(AgentRecord agent, long talk)
    {
        var day = DateOnly.FromDateTime(_now.UtcDateTime);
        if (agent.TalkDay != day)
        {
            agent.TalkDay = day;
            agent.TalkTicksToday = 0;
        }
        agent.TalkTicksToday += talk;
    }

    private int SkillId(string name)
    {
        if (!_skills.TryGetValue(name, out var id))
        {
            id = _skillNames.Count;
            _skills[name] = id;
            _skillNames.Add(name);
        }
        return id;
    }

    private void MarkDirty(int queue)
    {
        _dirty[queue] = true;
        _dirty[^1] = true;
    }

    /// <summary>Queues whose figures changed since the last call (index = queue count means overall); clears the flags.</summary>
    public void DrainDirty(List<int> into)
    {
        for (var i = 0; i < _dirty.Length; i++)
        {
            if (_dirty[i])
            {
                into.Add(i);
                _dirty[i] = false;
            }
        }
    }

    // ---------------------------------------------------------------- presence

    private void SetState(AgentRecord agent, AgentState state, string? reason, Guid? callId, bool keepIdleSince = false)
    {
        if (agent.Work is { Count: > 0 })
        {
            if (state == AgentState.LoggedOut)
            {
                // Logged out, however: every work item the agent held waits for the next agent.
                ReleaseWork(agent, reason ?? "the agent logged out");
            }
            else if (agent.Call is null && state is AgentState.Available or AgentState.NotReady)
            {
                // An agent who holds work items that allow no calls is never available for calls: back to the work instead.
                RedirectToWork(agent, ref state, ref reason, ref callId);
            }
        }
        _workDirty = true;
        var previous = agent.State;
        var spent = TimeSpan.FromTicks(_nowTicks - agent.StateSinceTicks);
        if (spent > TimeSpan.Zero)
        {
            Stats.AgentTime(Stats.Overall, previous, spent, _now);
            foreach (var q in agent.Queues)
            {
                Stats.AgentTime(q, previous, spent, _now);
            }
        }
        if (previous == AgentState.Available)
        {
            RemoveAvailable(agent);
        }
        if ((previous == AgentState.LoggedOut) != (state == AgentState.LoggedOut))
        {
            foreach (var q in agent.Queues)
            {
                _queues[q].LoggedIn += state == AgentState.LoggedOut ? -1 : 1;
            }
        }
        agent.State = state;
        agent.Reason = reason;
        agent.StateSinceTicks = _nowTicks;
        agent.Generation++;
        if (state == AgentState.LoggedOut)
        {
            agent.PendingState = null;
        }
        if (state == AgentState.Available)
        {
            if (!keepIdleSince || previous != AgentState.Reserved || agent.IdleSinceTicks == 0)
            {
                agent.IdleSinceTicks = _nowTicks;
            }
            AddAvailable(agent);
        }
        foreach (var q in agent.Queues)
        {
            MarkDirty(q);
        }
        _dirty[^1] = true;
        Outputs.Add(new AgentStateChange(agent.Id, state, previous, reason, callId, _now));
    }

    private long TieKey(AgentRecord agent, QueueState queue) => queue.TieBreak switch
    {
        TieBreak.LongestIdle => agent.IdleSinceTicks,
        TieBreak.LeastTalkTime => agent.TalkTicksToday,
        TieBreak.RoundRobin => agent.LastOfferSeq,
        _ => agent.IdleSinceTicks,
    };

    private void AddAvailable(AgentRecord agent)
    {
        var queues = agent.Queues;
        for (var k = 0; k < queues.Length; k++)
        {
            var q = _queues[queues[k]];
            var bucket = q.PrimarySkill < 0 ? 0 : agent.Level(q.PrimarySkill);
            var key = new AvailableKey(TieKey(agent, q), agent.Index);
            q.Available[bucket].Add(key);
            if (agent.Memberships[k].MeetsBase)
            {
                q.Qualified[bucket].Add(key);
                InsertInTop(ref _tops[q.Index], new TopEntry(key.Key, agent.Index, bucket));
            }
        }
    }

    private void RemoveAvailable(AgentRecord agent)
    {
        var queues = agent.Queues;
        for (var k = 0; k < queues.Length; k++)
        {
            var q = _queues[queues[k]];
            var bucket = q.PrimarySkill < 0 ? 0 : agent.Level(q.PrimarySkill);
            var key = new AvailableKey(TieKey(agent, q), agent.Index);
            q.Available[bucket].Remove(key);
            if (agent.Memberships[k].MeetsBase)
            {
                q.Qualified[bucket].Remove(key);
                RemoveFromTop(q, agent.Index);
            }
        }
    }

    /// <summary>Whether <paramref name="a"/> comes before <paramref name="b"/> in the qualified order (higher bucket, then the bucket's key order).</summary>
    private static bool Ranks(in TopEntry a, in TopEntry b) =>
        a.Level > b.Level || (a.Level == b.Level && new AvailableKey(a.Key, a.Agent).CompareTo(new AvailableKey(b.Key, b.Agent)) < 0);

    /// <summary>
    /// An agent entered a queue's qualified index: if it ranks among the first <see cref="QueueTop.Size"/> (or the top is not full,
    /// which means it holds the whole index), it takes its place there and the last entry of a full top drops out.
    /// </summary>
    private static void InsertInTop(ref QueueTop top, TopEntry entry)
    {
        var n = top.Count;
        if (n == QueueTop.Size && !Ranks(entry, top.Entries[n - 1]))
        {
            return;
        }
        var i = Math.Min(n, QueueTop.Size - 1);
        while (i > 0 && Ranks(entry, top.Entries[i - 1]))
        {
            top.Entries[i] = top.Entries[i - 1];
            i--;
        }
        top.Entries[i] = entry;
        top.Count = Math.Min(n + 1, QueueTop.Size);
    }

    /// <summary>
    /// An agent left a queue's qualified index: if it was in the top, its entry goes; a full top is then refilled from the buckets
    /// (the next agent of the order is needed), a top that was not full held the whole index and simply shrinks.
    /// </summary>
    private void RemoveFromTop(QueueState queue, int agent)
    {
        ref var top = ref _tops[queue.Index];
        var n = top.Count;
        var i = 0;
        while (i < n && top.Entries[i].Agent != agent)
        {
            i++;
        }
        if (i == n)
        {
            return;
        }
        if (n == QueueTop.Size)
        {
            RebuildTop(queue);
            return;
        }
        for (; i < n - 1; i++)
        {
            top.Entries[i] = top.Entries[i + 1];
        }
        top.Entries[n - 1] = default;
        top.Count = n - 1;
    }

    private static bool InTop(in QueueTop top, int agent)
    {
        for (var i = 0; i < top.Count; i++)
        {
            if (top.Entries[i].Agent == agent)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Refills a queue's <see cref="QueueTop"/> from its qualified buckets, best bucket first (at most four entries read).</summary>
    private void RebuildTop(QueueState queue)
    {
        ref var top = ref _tops[queue.Index];
        var n = 0;
        for (var b = queue.Qualified.Length - 1; b >= 0 && n < QueueTop.Size; b--)
        {
            var set = queue.Qualified[b];
            for (var i = 0; i < set.Count && n < QueueTop.Size; i++)
            {
                var key = set[i];
                top.Entries[n++] = new TopEntry(key.Key, key.Agent, b);
            }
        }
        for (var i = n; i < top.Count; i++)
        {
            top.Entries[i] = default;
        }
        top.Count = n;
    }

    /// <summary>The agent's queues with whether it meets each one's own requirements (after its levels or queues changed).</summary>
    private Membership[] MembershipsOf(AgentRecord agent)
    {
        var memberships = new Membership[agent.Queues.Length];
        for (var k = 0; k < memberships.Length; k++)
        {
            var q = agent.Queues[k];
            memberships[k] = new Membership(q, MeetsRequirements(agent, _queues[q].Requirements));
        }
        return memberships;
    }

    private static bool MeetsRequirements(AgentRecord agent, Requirement[] requirements)
    {
        foreach (var r in requirements)
        {
            if (agent.Level(r.Skill) < Math.Max(1, r.Level))
            {
                return false;
            }
        }
        return true;
    }
}
