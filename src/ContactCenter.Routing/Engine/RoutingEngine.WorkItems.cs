using System.Globalization;
using ContactCenter.Contracts;

namespace ContactCenter.Routing.Engine;

/// <summary>
/// Work items: voicemails routed to agents with no phone leg. A work item is queued like a call (the skills and priority of its
/// queue, the caller's tier, a preferred agent, bullseye widening) but waits in its own list (<see cref="_workWaiting"/>, every
/// queue's in effective-wait order), not in the queue's call list, so the call matching, its indexes and its invariants never see
/// it. It is offered on the desktop (<see cref="ReservationMade"/> with <see cref="OfferKind.Voicemail"/>); the agent accepts it
/// (<see cref="TakeOffer"/>) within the queue's <c>offerSeconds</c> or it goes to the next agent like a missed ring; accepted,
/// the agent works on it until <see cref="FinishWrapUp"/>, and may call the customer back from it
/// (<see cref="StartOutbound.WorkItemId"/>).
/// <para>
/// Capacity: an agent holds at most the item's queue's <c>capacity</c> work items (offered or worked, all queues counted). A work
/// item of a queue with <c>callsWhileWorking: false</c> (the default) is <em>blocking</em>: while the agent holds one and no call,
/// the agent's own state is that item's (Reserved while offered, OnCall while worked: <see cref="AgentRecord.Call"/> is the item),
/// so no call is offered to them and the board shows them busy. A non-blocking item leaves the agent's state alone: calls still
/// ring them. Work items are offered only to an agent who is Available or working a blocking item, never during a call or its
/// wrap-up: a freed agent takes a waiting call first, and work items go, at the end of the input, to agents no call wanted.
/// </para>
/// Work items count in no queue's call statistics (offered, answered, service level, handle time); the agent's time on them counts
/// as busy time through their state.
/// </summary>
internal sealed partial class RoutingEngine
{
    private const string WorkRule = "work item: best proficiency, then fewest work items held, then the queue's tie-break";
    private const string WorkReasonOffered = "voicemail offered";
    private const string WorkReasonWorking = "working on a voicemail";

    private readonly List<CallRecord> _scratchWork = [];
    /// <summary>Per queue during one offering pass: 0 not known yet, 1 some member may take a work item now, 2 none may.</summary>
    private byte[]? _workTakers;

    /// <summary>Waiting work items of every queue (read-only, for tests and the queues API).</summary>
    public int WaitingWorkItems => _workWaiting.Count;

    private void OnQueueWorkItem(QueueCall q)
    {
        if (!_queueIndex.TryGetValue(q.Queue, out var qi))
        {
            // Not remembered as ended: the gateway hands a refused voicemail over again later, with the same id.
            Outputs.Add(new CallDiverted(q.CallId, q.Queue, q.GatewayId, "no-agents", $"unknown queue '{q.Queue}'", _now));
            return;
        }
        var queue = _queues[qi];
        var def = queue.Definition;
        if (!def.AcceptWithoutAgents && queue.LoggedIn == 0)
        {
            Outputs.Add(new CallDiverted(q.CallId, def.Name, q.GatewayId, "no-agents", "no agent of the queue is logged in", _now));
            return;
        }
        var item = new CallRecord
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
            QueuedAtTicks = Math.Min(q.QueuedAt.UtcTicks, _nowTicks),
            KnownSinceTicks = _nowTicks,
            IsWorkItem = true,
        };
        // The case owner's window runs from the item's arrival (a voicemail keeps the call's original wait, long past any window).
        if (q.PreferredAgentId is not null && _agentsById.TryGetValue(q.PreferredAgentId, out var pref) && pref.Active
            && pref.State != AgentState.LoggedOut && def.PreferredAgentWindow > TimeSpan.Zero)
        {
            item.PreferredAgent = pref.Index;
            item.PreferredUntilTicks = _nowTicks + def.PreferredAgentWindow.Ticks;
        }
        _calls[item.Id] = item;
        EnqueueWork(item);
    }

    /// <summary>A work item waits (again) for an agent, keeping its original wait.</summary>
    private void EnqueueWork(CallRecord item)
    {
        item.Phase = CallPhase.Waiting;
        item.Agent = -1;
        item.AwaitingAccept = false;
        item.Generation++;
        UpdateRing(item);
        item.EffectiveKey = EffectiveKey(item);
        _workWaiting.Add(new WaitingEntry(new WaitingKey(item.EffectiveKey, item.Seq), item));
        ScheduleWorkRecheck(item);
        _workDirty = true;
        MarkDirty(item.Queue);
    }

    /// <summary>The next moment a waiting work item's ring widens or its preferred-agent window ends.</summary>
    private void ScheduleWorkRecheck(CallRecord item)
    {
        var next = long.MaxValue;
        var widening = _queues[item.Queue].Definition.Widening;
        if (item.Ring < widening.Count)
        {
            next = item.QueuedAtTicks + widening[item.Ring].After.Ticks;
        }
        if (item.PreferredAgent >= 0 && item.PreferredUntilTicks > _nowTicks)
        {
            next = Math.Min(next, item.PreferredUntilTicks);
        }
        if (next != long.MaxValue)
        {
            Schedule(Math.Max(next, _nowTicks), new Deadline(DeadlineKind.WorkRecheck, item, null, null, item.Generation));
        }
    }

    private void RecheckWork(CallRecord item)
    {
        UpdateRing(item);
        if (item.PreferredAgent >= 0 && item.PreferredUntilTicks <= _nowTicks)
        {
            item.PreferredAgent = -1;
        }
        ScheduleWorkRecheck(item);
        _workDirty = true;
    }

    /// <summary>
    /// Offers waiting work items to the agents who may take them now, oldest effective wait first. Runs at the end of an input
    /// when something changed (an agent's state, a work item queued or released); a queue none of whose members may take a work
    /// item is skipped at once, so a backlog with nobody free costs one look per queue.
    /// </summary>
    private void OfferWaitingWork()
    {
        _workDirty = false;
        if (_workWaiting.Count == 0)
        {
            return;
        }
        var takers = _workTakers ??= new byte[_queues.Length];
        Array.Clear(takers);
        _scratchWork.Clear();
        foreach (var (_, item) in _workWaiting)
        {
            _scratchWork.Add(item);
        }
        foreach (var item in _scratchWork)
        {
            if (takers[item.Queue] == 0)
            {
                takers[item.Queue] = QueueMayTakeWork(item.Queue) ? (byte)1 : (byte)2;
            }
            if (takers[item.Queue] == 2 || item.Phase != CallPhase.Waiting)
            {
                continue;
            }
            var winner = SelectWorkAgent(item, out var preferred);
            if (winner >= 0)
            {
                OfferWork(_agents[winner], item, preferred);
                Array.Clear(takers);
            }
        }
        _scratchWork.Clear();
        _workDirty = false;
    }

    /// <summary>Whether some member of the queue is free for a work item of it (skills aside).</summary>
    private bool QueueMayTakeWork(int queue)
    {
        var capacity = _queues[queue].Definition.WorkItems.Capacity;
        foreach (var m in _queues[queue].Members)
        {
            var a = _agents[m];
            if (FreeForWork(a) && (a.Work?.Count ?? 0) < capacity)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Available with no call, or on a blocking work item without having asked for Not ready (whatever they hold besides).</summary>
    private static bool FreeForWork(AgentRecord agent) =>
        agent.Active && ((agent.State == AgentState.Available && agent.Call is null) || (agent.Call is { IsWorkItem: true } && agent.PendingState is null));

    private bool CanTakeWork(AgentRecord agent, CallRecord item) =>
        FreeForWork(agent)
        && (agent.Work?.Count ?? 0) < _queues[item.Queue].Definition.WorkItems.Capacity
        && Array.IndexOf(agent.Queues, item.Queue) >= 0
        && Qualifies(agent, item, out _);

    /// <summary>
    /// The agent for a waiting work item: its preferred agent while the window is open (or nobody); otherwise the member who may
    /// take it with the best level in the queue's primary skill, then the fewest work items held, then the queue's tie-break, then
    /// the agent's index. The agent who last missed or skipped it is taken only when nobody else may.
    /// </summary>
    private int SelectWorkAgent(CallRecord item, out bool preferred)
    {
        if (InPreferredWindow(item))
        {
            preferred = true;
            var pref = _agents[item.PreferredAgent];
            return CanTakeWork(pref, item) ? pref.Index : -1;
        }
        preferred = false;
        var queue = _queues[item.Queue];
        AgentRecord? best = null;
        var fallback = -1;
        foreach (var m in queue.Members)
        {
            var a = _agents[m];
            if (!CanTakeWork(a, item))
            {
                continue;
            }
            if (m == item.LastMissedAgent)
            {
                fallback = m;
                continue;
            }
            if (best is null || BetterForWork(a, best, queue))
            {
                best = a;
            }
        }
        return best?.Index ?? fallback;
    }

    private bool BetterForWork(AgentRecord a, AgentRecord b, QueueState queue)
    {
        var la = queue.PrimarySkill < 0 ? 0 : a.Level(queue.PrimarySkill);
        var lb = queue.PrimarySkill < 0 ? 0 : b.Level(queue.PrimarySkill);
        if (la != lb)
        {
            return la > lb;
        }
        var ha = a.Work?.Count ?? 0;
        var hb = b.Work?.Count ?? 0;
        if (ha != hb)
        {
            return ha < hb;
        }
        var ka = TieKey(a, queue);
        var kb = TieKey(b, queue);
        return ka != kb ? ka < kb : a.Index < b.Index;
    }

    private void OfferWork(AgentRecord agent, CallRecord item, bool preferred)
    {
        _workWaiting.Remove(new WaitingEntry(new WaitingKey(item.EffectiveKey, item.Seq), item));
        var settings = _queues[item.Queue].Definition.WorkItems;
        _loserCount = 0;
        var decision = Decide(agent, item, MatchTrigger.NewCall, preferred ? PreferredRule : WorkRule);
        item.Phase = CallPhase.Reserved;
        item.Agent = agent.Index;
        item.AwaitingAccept = true;
        item.PreferredAgent = -1;
        item.Generation++;
        (agent.Work ??= []).Add(item);
        Outputs.Add(new ReservationMade(decision, item.GatewayId, item.Caller, item.IvrPath, settings.OfferTimeout, false, false,
            OfferKind.Voicemail, settings.OfferTimeout));
        Schedule(_nowTicks + settings.OfferTimeout.Ticks, new Deadline(DeadlineKind.OfferTimeout, item, null, null, item.Generation));
        if (!settings.CallsWhileWorking)
        {
            SyncSlot(agent);
        }
        if (agent.State != AgentState.Available)
        {
            // Round robin orders agents by their last offer; an agent still in the available index keeps its key there.
            agent.LastOfferSeq = ++_seq;
        }
        MarkDirty(item.Queue);
    }

    /// <summary>Whether a work item keeps calls away from the agent who holds it (its queue's <c>callsWhileWorking: false</c>).</summary>
    private bool Blocking(CallRecord item) => !_queues[item.Queue].Definition.WorkItems.CallsWhileWorking;

    /// <summary>The blocking work item that gives the agent its state: the first being worked on, else the first offered; null when none.</summary>
    private CallRecord? SlotItem(AgentRecord agent)
    {
        CallRecord? offered = null;
        if (agent.Work is { } held)
        {
            foreach (var item in held)
            {
                if (!Blocking(item))
                {
                    continue;
                }
                if (!item.AwaitingAccept)
                {
                    return item;
                }
                offered ??= item;
            }
        }
        return offered;
    }

    /// <summary>
    /// Makes the agent's state follow its blocking work items when no call holds it: Reserved while one is only offered, OnCall
    /// while one is worked on; once none is left, the state the agent asked for meanwhile (else Available, and a waiting call may
    /// be offered at once).
    /// </summary>
    private void SyncSlot(AgentRecord agent)
    {
        if (agent.Call is { IsWorkItem: false } || agent.State == AgentState.LoggedOut)
        {
            return;
        }
        if (agent.Call is null && agent.State != AgentState.Available)
        {
            return;
        }
        var slot = SlotItem(agent);
        if (slot is null)
        {
            if (agent.Call is not null)
            {
                agent.Call = null;
                var next = agent.PendingState ?? AgentState.Available;
                var why = agent.PendingState is null ? "work item done" : agent.PendingReason;
                agent.PendingState = null;
                SetState(agent, next, why, null);
                if (agent.State == AgentState.Available)
                {
                    TryMatchAgent(agent);
                }
            }
            return;
        }
        var state = slot.AwaitingAccept ? AgentState.Reserved : AgentState.OnCall;
        if (agent.Call == slot && agent.State == state)
        {
            return;
        }
        agent.Call = slot;
        SetState(agent, state, slot.AwaitingAccept ? WorkReasonOffered : WorkReasonWorking, slot.Id);
    }

    /// <summary>
    /// Called by <see cref="SetState"/> when an agent with no call would become Available or NotReady: an agent holding blocking work
    /// items goes back to them instead (a Not ready asked for is kept for when they are done).
    /// </summary>
    private void RedirectToWork(AgentRecord agent, ref AgentState state, ref string? reason, ref Guid? callId)
    {
        var slot = SlotItem(agent);
        if (slot is null)
        {
            return;
        }
        if (state == AgentState.NotReady)
        {
            agent.PendingState = AgentState.NotReady;
            agent.PendingReason = reason;
        }
        agent.Call = slot;
        state = slot.AwaitingAccept ? AgentState.Reserved : AgentState.OnCall;
        reason = slot.AwaitingAccept ? WorkReasonOffered : WorkReasonWorking;
        callId = slot.Id;
    }

    /// <summary>
    /// A presence change asked for by an agent who holds work items. Returns true when handled here: the agent's state is a work
    /// item's (Reserved or OnCall for it). Not ready withdraws the offers not yet accepted (they go to the next agent) and applies
    /// once the work in hand is done; Log out withdraws everything (<see cref="SetState"/> does, whatever the path).
    /// </summary>
    private bool OnChangeStateWithWork(AgentRecord agent, AgentState target, string? reason)
    {
        _workDirty = true; // a Not ready asked for and then taken back makes the agent free for work items again
        var onWork = agent.Call is { IsWorkItem: true };
        if (target == AgentState.LoggedOut)
        {
            if (!onWork)
            {
                return false;
            }
            agent.PendingState = null;
            SetState(agent, AgentState.LoggedOut, reason, null);
            ReleasePreferredCalls(agent);
            return true;
        }
        if (target == AgentState.NotReady)
        {
            WithdrawOffers(agent, "the agent went not ready");
        }
        if (!onWork)
        {
            return false;
        }
        if (agent.Call is not null)
        {
            agent.PendingState = target == AgentState.NotReady ? AgentState.NotReady : null;
            agent.PendingReason = reason;
            return true;
        }
        // The agent's state was an offer, now withdrawn.
        SetState(agent, target, reason, null);
        if (agent.State == AgentState.Available)
        {
            TryMatchAgent(agent);
        }
        return true;
    }

    /// <summary>Every work item the agent was offered and has not accepted goes to the next agent.</summary>
    private void WithdrawOffers(AgentRecord agent, string reason)
    {
        if (agent.Work is not { Count: > 0 } held)
        {
            return;
        }
        for (var i = 0; i < held.Count; i++)
        {
            var item = held[i];
            if (!item.AwaitingAccept)
            {
                continue;
            }
            held.RemoveAt(i--);
            if (agent.Call == item)
            {
                agent.Call = null;
            }
            item.LastMissedAgent = agent.Index;
            Outputs.Add(new OfferEnded(item.Id, agent.Id, _queues[item.Queue].Definition.Name, OfferKind.Voicemail, reason, _now));
            EnqueueWork(item);
        }
    }

    /// <summary>
    /// Called by <see cref="SetState"/> as the agent is logged out (asked for, removed from the directory): every work item they hold,
    /// offered or worked, waits for the next agent again.
    /// </summary>
    private void ReleaseWork(AgentRecord agent, string reason)
    {
        if (agent.Work is not { Count: > 0 } held)
        {
            return;
        }
        var items = held.ToArray();
        held.Clear();
        if (agent.Call is { IsWorkItem: true })
        {
            agent.Call = null;
        }
        foreach (var item in items)
        {
            Outputs.Add(new OfferEnded(item.Id, agent.Id, _queues[item.Queue].Definition.Name, OfferKind.Voicemail, reason, _now));
            EnqueueWork(item);
        }
    }

    /// <summary>The agent completed a work item they worked on (CompleteWrapUp); false when the id is not a work item.</summary>
    private bool OnFinishWork(FinishWrapUp w)
    {
        if (!_calls.TryGetValue(w.CallId, out var item) || !item.IsWorkItem)
        {
            return false;
        }
        if (item.Agent < 0 || item.Phase != CallPhase.OnCall || _agents[item.Agent].Id != w.AgentId)
        {
            return true; // not theirs, or only offered: nothing to complete
        }
        var agent = _agents[item.Agent];
        agent.Work!.Remove(item);
        Forget(item);
        MarkDirty(item.Queue);
        _workDirty = true;
        if (agent.Call == item)
        {
            SyncSlot(agent);
        }
        return true;
    }

    /// <summary>
    /// A call back from a work item (<see cref="StartOutbound.WorkItemId"/>): accepted while the agent works on that item and holds
    /// no call. The work item stays the agent's; while the call lasts the agent's state is the call's, and afterwards it is the work
    /// item's again (<see cref="ReturnToWork"/>).
    /// </summary>
    private void OnStartOutboundFromWork(StartOutbound o)
    {
        if (!_agentsById.TryGetValue(o.AgentId, out var agent))
        {
            Outputs.Add(new OutboundRefused(o.CallId, o.AgentId, o.Number, "routing does not know this agent", _now));
            RememberEnded(o.CallId);
            return;
        }
        if (!agent.Active)
        {
            return; // another partition's, or removed: not this engine's to answer
        }
        string? refusal = null;
        var item = agent.Work?.Find(w => w.Id == o.WorkItemId);
        string? gateway = null;
        if (item is null)
        {
            refusal = "that voicemail is not yours to call back";
        }
        else if (item.AwaitingAccept)
        {
            refusal = "accept the voicemail before calling back";
        }
        else if (agent.Call is { IsWorkItem: false })
        {
            refusal = "you are already on a call";
        }
        else if (agent.Call is null && agent.State is not (AgentState.Available or AgentState.NotReady))
        {
            refusal = $"you cannot place calls while {agent.State}";
        }
        else if ((gateway = o.GatewayId ?? LatestGateway()) is null)
        {
            refusal = "no telephony gateway is running";
        }
        if (refusal is not null)
        {
            Outputs.Add(new OutboundRefused(o.CallId, o.AgentId, o.Number, refusal, _now));
            RememberEnded(o.CallId);
            return;
        }
        if (agent.Call is { IsWorkItem: true })
        {
            // The agent's state was the work item's: the call takes it (a Not ready asked for meanwhile is kept).
            agent.Call = null;
        }
        else if (agent.State == AgentState.NotReady)
        {
            agent.PendingState = AgentState.NotReady;
            agent.PendingReason = agent.Reason;
        }
        else
        {
            agent.PendingState = null;
            agent.PendingReason = null;
        }
        AcceptOutbound(o, agent, gateway!);
    }

    /// <summary>A call back from a work item was answered and is over: no wrap-up of its own, the agent is back on the work item.</summary>
    private void ReturnToWork(AgentRecord agent, CallRecord call, long talk, string reason)
    {
        agent.TalkOfLastCallTicks = talk;
        AddTalk(agent, talk);
        Forget(call);
        agent.Call = null;
        var next = agent.PendingState ?? AgentState.Available;
        var why = agent.PendingState is null ? string.Create(CultureInfo.InvariantCulture, $"call back ended ({reason})") : agent.PendingReason;
        agent.PendingState = null;
        SetState(agent, next, why, null);
        if (agent.State == AgentState.Available)
        {
            TryMatchAgent(agent);
        }
    }

    /// <summary>The latest moment an agent Reserved for its call may stay so (the ring, or an offer's time to accept, plus grace).</summary>
    private long ReservedLimit(AgentRecord agent)
    {
        var call = agent.Call!;
        var def = _queues[call.Queue].Definition;
        if (call.IsWorkItem)
        {
            return agent.StateSinceTicks + def.WorkItems.OfferTimeout.Ticks + _config.RingGrace.Ticks;
        }
        var preview = call.IsCallback && def.CallbackPreview is { } p ? p.Ticks + _config.RingGrace.Ticks : 0;
        return agent.StateSinceTicks + preview + def.RingTimeout.Ticks + _config.RingGrace.Ticks;
    }

    /// <summary>The work items' own invariants (<see cref="CheckInvariants"/>).</summary>
    private void CheckWork(List<string> errors)
    {
        var listed = 0;
        foreach (var (key, item) in _workWaiting)
        {
            listed++;
            if (!item.IsWorkItem || item.Phase != CallPhase.Waiting || key.EffectiveKey != item.EffectiveKey || key.Seq != item.Seq
                || !_calls.ContainsKey(item.Id))
            {
                errors.Add($"work item {item.Id} is in the work list with a stale key or phase {item.Phase}");
            }
        }
        var waiting = 0;
        foreach (var c in _calls.Values)
        {
            if (!c.IsWorkItem)
            {
                continue;
            }
            if (c.Phase == CallPhase.Waiting)
            {
                waiting++;
                if (_agents.Find(a => CanTakeWork(a, c) && (!InPreferredWindow(c) || c.PreferredAgent == a.Index)) is { } free)
                {
                    errors.Add($"work item {c.Id} of {_queues[c.Queue].Definition.Name} waits while {free.Id} may take it ({free.State}, call {free.Call?.Id}, {free.Work?.Count ?? 0} held, pending {free.PendingState})");
                }
            }
            else if (c.Agent < 0 || _agents[c.Agent].Work?.Contains(c) != true)
            {
                errors.Add($"work item {c.Id} is {c.Phase} but no agent holds it");
            }
            else if (c.AwaitingAccept != (c.Phase == CallPhase.Reserved))
            {
                errors.Add($"work item {c.Id} is {c.Phase} with AwaitingAccept {c.AwaitingAccept}");
            }
        }
        if (waiting != listed)
        {
            errors.Add($"{waiting} work items wait, the work list holds {listed}");
        }
        foreach (var a in _agents)
        {
            var held = a.Work?.Count ?? 0;
            if (held > 0 && a.State == AgentState.LoggedOut)
            {
                errors.Add($"{a.Id} is logged out holding {held} work items");
            }
            if (a.Work is { } work)
            {
                var most = 0;
                foreach (var item in work)
                {
                    most = Math.Max(most, _queues[item.Queue].Definition.WorkItems.Capacity);
                    if (item.Agent != a.Index || item.Phase is not (CallPhase.Reserved or CallPhase.OnCall))
                    {
                        errors.Add($"{a.Id} holds work item {item.Id} that is {item.Phase} for agent {item.Agent}");
                    }
                }
                if (held > most)
                {
                    errors.Add($"{a.Id} holds {held} work items, more than any of their queues allows");
                }
            }
            var slot = SlotItem(a);
            if (a.Call is { IsWorkItem: true } onWork)
            {
                var state = onWork.AwaitingAccept ? AgentState.Reserved : AgentState.OnCall;
                if (onWork != slot || a.State != state)
                {
                    errors.Add($"{a.Id} is {a.State} for work item {onWork.Id}, expected {state} for {slot?.Id}");
                }
            }
            else if (a.Call is null && slot is not null)
            {
                errors.Add($"{a.Id} is {a.State} with no call while holding blocking work item {slot.Id}");
            }
        }
    }
}
