using ContactCenter.Contracts;

namespace ContactCenter.Routing.Engine;

internal sealed partial class RoutingEngine
{
    /// <summary>
    /// An agent's outbound call (click to dial). Accepted only when the agent is Available or NotReady with no call: the agent is
    /// Reserved while their phone rings, OnCall once they answer (<see cref="ConnectCall"/>), in WrapUp after <see cref="EndCall"/>
    /// (the wrap-up time of their first queue), then back to the state they dialled from (Available, or NotReady with its reason:
    /// kept as the pending state). The call never waits in a queue, so no queue call is offered meanwhile, and it counts in no
    /// queue's statistics. A redelivered command changes nothing; any other refusal is an <see cref="OutboundRefused"/>.
    /// </summary>
    private void OnStartOutbound(StartOutbound o)
    {
        if (_calls.ContainsKey(o.CallId) || _ended.Contains(o.CallId))
        {
            return;
        }
        if (_agentsById.TryGetValue(o.AgentId, out var known) && !known.Active)
        {
            // An agent this engine keeps only as logged out (moved to another partition, which answers, or removed from the
            // directory, whose desktop shows them logged out): not this engine's to accept or refuse.
            return;
        }
        if (o.WorkItemId is not null)
        {
            OnStartOutboundFromWork(o);
            return;
        }
        var refusal = OutboundRefusal(o, out var agent, out var gateway);
        if (refusal is not null)
        {
            Outputs.Add(new OutboundRefused(o.CallId, o.AgentId, o.Number, refusal, _now));
            RememberEnded(o.CallId);
            return;
        }
        if (agent!.State == AgentState.NotReady)
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

    /// <summary>
    /// The agent is Reserved for their own call (its record never waits in a queue) and the gateway is asked to place it. The caller
    /// has set the state the agent goes back to afterwards (<see cref="AgentRecord.PendingState"/>).
    /// </summary>
    private void AcceptOutbound(StartOutbound o, AgentRecord agent, string gateway)
    {
        var queue = _queues[agent.Queues.Length > 0 ? agent.Queues[0] : 0];
        var call = new CallRecord
        {
            Id = o.CallId,
            Seq = ++_seq,
            Queue = queue.Index,
            Caller = o.Number,
            GatewayId = gateway,
            IvrPath = "",
            Requirements = queue.Requirements,
            Priority = 0,
            Tier = CustomerTier.Standard,
            QueuedAtTicks = _nowTicks,
            KnownSinceTicks = _nowTicks,
            IsOutbound = true,
            ForWork = o.WorkItemId,
            Phase = CallPhase.Reserved,
            Agent = agent.Index,
        };
        _calls[call.Id] = call;
        var ring = queue.Definition.RingTimeout;
        Outputs.Add(new OutboundAccepted(call.Id, agent.Id, o.Number, o.CustomerId, gateway, ring, _now));
        SetState(agent, AgentState.Reserved, "outbound call to " + o.Number, call.Id);
        agent.Call = call;
        Schedule(_nowTicks + ring.Ticks + _config.RingGrace.Ticks, new Deadline(DeadlineKind.RingTimeout, null, agent, null, agent.Generation));
    }

    private string? OutboundRefusal(StartOutbound o, out AgentRecord? agent, out string? gateway)
    {
        gateway = null;
        if (!_agentsById.TryGetValue(o.AgentId, out agent))
        {
            return "routing does not know this agent";
        }
        if (agent.State is not (AgentState.Available or AgentState.NotReady) || agent.Call is not null)
        {
            return agent.State switch
            {
                AgentState.LoggedOut => "you are logged out: log in to place calls",
                AgentState.Reserved or AgentState.OnCall => "you are already on a call",
                AgentState.WrapUp => "finish the wrap-up of your last call first",
                _ => $"you cannot place calls while {agent.State}",
            };
        }
        if (_queues.Length == 0)
        {
            return "routing has no queue configured";
        }
        gateway = o.GatewayId ?? LatestGateway();
        return gateway is null ? "no telephony gateway is running" : null;
    }

    /// <summary>The live gateway whose heartbeat came last (ties: the first by id), or null when none is live.</summary>
    private string? LatestGateway()
    {
        string? best = null;
        long bestSeen = long.MinValue;
        foreach (var (id, g) in _gateways)
        {
            if (g.LastSeenTicks + (3 * g.IntervalTicks) <= _nowTicks)
            {
                continue;
            }
            if (g.LastSeenTicks > bestSeen || (g.LastSeenTicks == bestSeen && string.CompareOrdinal(id, best) < 0))
            {
                best = id;
                bestSeen = g.LastSeenTicks;
            }
        }
        return best;
    }
}
