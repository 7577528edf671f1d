using ContactCenter.Contracts;

namespace ContactCenter.Routing.Engine;

/// <summary>
/// The one offer mechanism of the desktop, for work items (RoutingEngine.WorkItems.cs) and for callbacks of a preview queue
/// (<c>callback: { mode: preview }</c>): the agent is reserved and offered it with a time limit, and nothing rings until they
/// accept. Accepting a work item makes it theirs to work on; accepting a preview callback has the gateway place it (agent's phone
/// first, then the customer: <see cref="PreviewAccepted"/>), with the queue's ring timeout from then on. Skipping
/// (<see cref="SkipOffer"/>) and not accepting in time are the same for both: the offer goes to the next agent (the skipping
/// agent is tried again only when nobody else may take it), and the agent is treated like one who missed a ring: the
/// <c>missedCallState</c> of queues.yaml (Not ready "skipped" or "missed" by default), or the state they asked for meanwhile.
/// </summary>
internal sealed partial class RoutingEngine
{
    private void OnAcceptOffer(TakeOffer a)
    {
        if (!_calls.TryGetValue(a.CallId, out var call) || !call.AwaitingAccept || call.Agent < 0 || _agents[call.Agent].Id != a.AgentId)
        {
            return; // withdrawn meanwhile (timed out, skipped), or a redelivery: nothing changes twice
        }
        var agent = _agents[call.Agent];
        var def = _queues[call.Queue].Definition;
        if (call.IsWorkItem)
        {
            call.AwaitingAccept = false;
            call.Phase = CallPhase.OnCall;
            call.Generation++;
            call.ConnectedAtTicks = _nowTicks;
            Outputs.Add(new OfferTaken(call.Id, agent.Id, def.Name, OfferKind.Voicemail, _now));
            if (Blocking(call))
            {
                SyncSlot(agent);
            }
            MarkDirty(call.Queue);
            return;
        }
        if (agent.State != AgentState.Reserved || agent.Call != call)
        {
            return;
        }
        call.AwaitingAccept = false;
        // The offer's deadline no longer applies; the ring timeout runs from now.
        agent.Generation++;
        Outputs.Add(new OfferTaken(call.Id, agent.Id, def.Name, OfferKind.PreviewCallback, _now));
        Outputs.Add(new PreviewAccepted(call.Id, agent.Id, def.Name, call.GatewayId, call.Caller, call.IvrPath, def.RingTimeout, def.Record,
            new DateTimeOffset(call.QueuedAtTicks, TimeSpan.Zero), _now, agent.Phone));
        Schedule(_nowTicks + def.RingTimeout.Ticks + _config.RingGrace.Ticks, new Deadline(DeadlineKind.RingTimeout, null, agent, null, agent.Generation));
        MarkDirty(call.Queue);
    }

    private void OnDeclineOffer(SkipOffer d)
    {
        if (!_calls.TryGetValue(d.CallId, out var call) || !call.AwaitingAccept || call.Agent < 0 || _agents[call.Agent].Id != d.AgentId)
        {
            return;
        }
        OfferMissed(_agents[call.Agent], call, string.IsNullOrWhiteSpace(d.Reason) ? "skipped" : "skipped: " + d.Reason, skipped: true);
    }

    /// <summary>An offer skipped or not accepted in time: it goes to the next agent; the agent is treated like one who missed a ring.</summary>
    private void OfferMissed(AgentRecord agent, CallRecord call, string reason, bool skipped)
    {
        var kind = call.IsWorkItem ? OfferKind.Voicemail : OfferKind.PreviewCallback;
        Outputs.Add(new OfferEnded(call.Id, agent.Id, _queues[call.Queue].Definition.Name, kind, reason, _now));
        call.LastMissedAgent = agent.Index;
        if (call.IsWorkItem)
        {
            agent.Work!.Remove(call);
            var held = agent.Call == call;
            if (held)
            {
                agent.Call = null;
            }
            EnqueueWork(call);
            if (held)
            {
                var (next, why) = MissedState(agent, skipped, reason);
                SetState(agent, next, why, null, keepIdleSince: true);
                if (agent.State == AgentState.Available)
                {
                    TryMatchAgent(agent);
                }
            }
            return;
        }
        call.AwaitingAccept = false;
        agent.Call = null;
        var (state, because) = MissedState(agent, skipped, reason);
        SetState(agent, state, because, null, keepIdleSince: true);
        Requeue(call);
        if (agent.State == AgentState.Available)
        {
            TryMatchAgent(agent);
        }
    }

    /// <summary>Where an agent goes after missing or skipping an offer: the state they asked for meanwhile, else missedCallState.</summary>
    private (AgentState State, string? Reason) MissedState(AgentRecord agent, bool skipped, string reason)
    {
        if (agent.PendingState is { } pending)
        {
            agent.PendingState = null;
            return (pending, agent.PendingReason);
        }
        var word = skipped ? "skipped" : "missed";
        return _config.MissedCallState == AgentState.NotReady ? (AgentState.NotReady, word)
            : (_config.MissedCallState, skipped ? reason : $"{word}: {reason}");
    }

    /// <summary>A preview callback offered to the agent is withdrawn by a change of the agent's state (the caller re-queues it).</summary>
    private void NoteOfferWithdrawn(AgentRecord agent, CallRecord call, string reason)
    {
        if (call.AwaitingAccept)
        {
            call.AwaitingAccept = false;
            Outputs.Add(new OfferEnded(call.Id, agent.Id, _queues[call.Queue].Definition.Name, OfferKind.PreviewCallback, reason, _now));
        }
    }
}
