using ContactCenter.Contracts;

namespace ContactCenter.Routing.Engine;

internal sealed partial class RoutingEngine
{
    /// <summary>
    /// Blind transfer from the agent's phone: the agent's part ends as a call would (talk time, wrap-up),
    /// and the same call joins the target queue afresh (offered there; its wait starts now). For a
    /// transfer to an agent, that agent is the call's preferred agent, in the requested queue when they
    /// serve it, else in the first queue they serve. Redelivered or stale transfers change nothing.
    /// </summary>
    private void OnTransfer(TransferCall t)
    {
        if (!_calls.TryGetValue(t.CallId, out var call) || call.Agent < 0 || _agents[call.Agent].Id != t.AgentId || call.IsOutbound)
        {
            return;
        }
        if (call.Phase == CallPhase.Reserved)
        {
            // The transfer overtook the agent's CallConnected: the agent did answer.
            OnConnect(new ConnectCall(t.CallId, t.AgentId));
        }
        if (call.Phase != CallPhase.OnCall)
        {
            return;
        }
        var requeue = t.Requeue;
        if (requeue.PreferredAgentId is { } target && _agentsById.TryGetValue(target, out var agent) && agent.Queues.Length > 0
            && (!_queueIndex.TryGetValue(requeue.Queue, out var qi) || Array.IndexOf(agent.Queues, qi) < 0))
        {
            requeue = requeue with { Queue = _queues[agent.Queues[0]].Definition.Name };
        }
        EndCallRecord(call, false, $"transferred to {requeue.PreferredAgentId ?? requeue.Queue}");
        _ended.Remove(t.CallId);
        OnQueueCall(requeue);
    }

    /// <summary>
    /// A supervisor took the call over (issue 18): the agent's part ends as a call would (talk time, then wrap-up for this
    /// call), and routing forgets the call — the supervisor is not an agent it matches, and the call's later end changes
    /// nothing here. Redelivered or stale take-overs change nothing.
    /// </summary>
    private void OnTakeOver(TakeOverCall t)
    {
        if (!_calls.TryGetValue(t.CallId, out var call) || call.Agent < 0 || _agents[call.Agent].Id != t.AgentId)
        {
            return;
        }
        if (call.Phase == CallPhase.Reserved)
        {
            OnConnect(new ConnectCall(t.CallId, t.AgentId));
        }
        if (call.Phase != CallPhase.OnCall)
        {
            return;
        }
        EndCallRecord(call, false, $"taken over by {t.SupervisorId}");
    }
}
