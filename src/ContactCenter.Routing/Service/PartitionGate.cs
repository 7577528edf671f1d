using ContactCenter.Contracts;
using ContactCenter.Routing.Configuration;
using ContactCenter.Routing.Engine;
using Microsoft.Extensions.Logging;

namespace ContactCenter.Routing.Service;

/// <summary>
/// Decides, on the actor's thread and before journaling, what of the bus traffic concerns one partition's engine. Every
/// partition's endpoint receives every published routing event and command; this keeps each engine (and journal) to its own:
/// <list type="bullet">
/// <item>a queued call: only the partition of its queue (a queue no partition names: the first partition of queues.yaml, which
/// diverts it as unknown);</item>
/// <item>an agent profile: the agent's owning partition (<see cref="PartitionMap.OwnerOf"/>); a partition that knew the
/// agent and no longer owns it gets it as removed (logged out, no queues), so no agent is ever available in two engines;</item>
/// <item>agent commands and call events: only a partition that knows the agent or the call (or queued it earlier in the same
/// batch) — anywhere else the engine would ignore them, so leaving them out changes nothing, replay included;</item>
/// <item>a blind transfer to another partition's queue: the agent's partition ends the agent's part, the target's queues it (the
/// requested queue decides, a fact of the configuration every partition shares; a named agent owned by yet another partition is
/// not tried first there);</item>
/// <item>caller identification (it may precede the call's queueing), gateway heartbeats and ticks: every partition.</item>
/// </list>
/// Only inputs the engine would ignore are left out, so the journal replays to the same state as the live engine had.
/// </summary>
internal sealed partial class PartitionGate(string partition, RoutingConfiguration all, ILogger log)
{
    private readonly PartitionMap _map = new(all);
    private readonly HashSet<Guid> _callsInBatch = [];
    private readonly HashSet<string> _agentsInBatch = new(StringComparer.Ordinal);

    /// <summary>The partition that takes calls for a queue.</summary>
    public string PartitionOfQueue(string queue) => _map.TakesCallsFor(queue);

    /// <summary>Whether a queued call is this partition's.</summary>
    public bool OwnsQueue(string queue) => PartitionOfQueue(queue) == partition;

    /// <summary>Inputs of one batch are journaled before any is applied: remember what earlier inputs of the batch add.</summary>
    public void BeginBatch()
    {
        _callsInBatch.Clear();
        _agentsInBatch.Clear();
    }

    /// <summary>The input to journal and apply for this partition, or null when it cannot concern it.</summary>
    public EngineInput? Admit(RoutingEngine engine, EngineInput input)
    {
        switch (input)
        {
            case QueueCall q:
                if (!OwnsQueue(q.Queue))
                {
                    return null;
                }
                _callsInBatch.Add(q.CallId);
                return q;
            case TransferCall t:
                {
                    var knows = KnowsCall(engine, t.CallId);
                    var ours = OwnsQueue(t.Requeue.Queue);
                    if (knows && ours)
                    {
                        _callsInBatch.Add(t.CallId);
                        return t;
                    }
                    if (knows)
                    {
                        // The agent's part ends here; the target partition queues the call.
                        return new EndCall(t.CallId, t.AgentId, CallOutcome.Answered, CallParty.Agent,
                            $"transferred to {t.Requeue.PreferredAgentId ?? t.Requeue.Queue} (partition {PartitionOfQueue(t.Requeue.Queue)})");
                    }
                    if (ours)
                    {
                        _callsInBatch.Add(t.CallId);
                        return t.Requeue;
                    }
                    return null;
                }
            case EndCall e:
                return KnowsCall(engine, e.CallId) ? e : null;
            case TakeOverCall t:
                return KnowsCall(engine, t.CallId) ? t : null;
            case ConnectCall c:
                return KnowsAgent(engine, c.AgentId) ? c : null;
            case RingNoAnswer n:
                return KnowsAgent(engine, n.AgentId) ? n : null;
            case FinishWrapUp w:
                return KnowsAgent(engine, w.AgentId) ? w : null;
            case ChangeAgentState s:
                return KnowsAgent(engine, s.AgentId) ? s : null;
            case TakeOffer a:
                return KnowsAgent(engine, a.AgentId) ? a : null;
            case SkipOffer d:
                return KnowsAgent(engine, d.AgentId) ? d : null;
            case StartOutbound o:
                if (!KnowsAgent(engine, o.AgentId))
                {
                    return null;
                }
                _callsInBatch.Add(o.CallId);
                return o;
            case UpsertAgent u:
                return AdmitProfile(engine, u);
            default:
                // Caller identification, gateway heartbeats and ticks: every partition.
                return input;
        }
    }

    private EngineInput? AdmitProfile(RoutingEngine engine, UpsertAgent u)
    {
        var profile = u.Profile;
        // An agent of no configured queue (a supervisor, say) is kept by the first partition, as one engine kept everyone before.
        var owner = _map.OwnerOf(profile.Queues) ?? _map.First;
        if (owner == partition)
        {
            var elsewhere = profile.Queues.Where(q => _map.PartitionOf(q) is { } p && p != partition).ToList();
            if (elsewhere.Count > 0)
            {
                LogSpansPartitions(log, profile.AgentId, partition, string.Join(", ", elsewhere));
            }
            _agentsInBatch.Add(profile.AgentId);
            return u;
        }
        if (KnowsAgent(engine, profile.AgentId))
        {
            // It moved to another partition (or lost every queue): log it out here, so only its owner may reserve it.
            LogMoved(log, profile.AgentId, partition, owner);
            return new UpsertAgent(profile with { Active = false, Queues = [] });
        }
        return null;
    }

    private bool KnowsCall(RoutingEngine engine, Guid callId) => engine.KnowsCall(callId) || _callsInBatch.Contains(callId);

    private bool KnowsAgent(RoutingEngine engine, string agentId) => engine.KnowsAgent(agentId) || _agentsInBatch.Contains(agentId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Agent {AgentId} serves queues of several partitions: owned by partition {Partition} (its first queue in queues.yaml), so the calls of {Queues} are not offered to it")]
    private static partial void LogSpansPartitions(ILogger log, string agentId, string partition, string queues);

    [LoggerMessage(Level = LogLevel.Information, Message = "Agent {AgentId} now belongs to partition {Owner}: logged out of partition {Partition}")]
    private static partial void LogMoved(ILogger log, string agentId, string partition, string owner);
}
