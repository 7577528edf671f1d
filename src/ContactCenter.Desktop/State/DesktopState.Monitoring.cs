using ContactCenter.Contracts;
using ContactCenter.Desktop.Hubs;

namespace ContactCenter.Desktop.State;

/// <summary>What the desktop knows for supervisors in calls (issue 18).</summary>
internal sealed partial class DesktopState
{
    /// <summary>The call the agent is talking on now (connected, as the desktop last heard) and its queue, or null.</summary>
    public (Guid CallId, string? Queue)? ConnectedCallOf(string agentId)
    {
        lock (gate)
        {
            return agents.TryGetValue(agentId, out var entry) && entry.Call is { Phase: CallPhase.Connected } call ? (call.CallId, call.Queue) : null;
        }
    }

    /// <summary>A supervisor took the agent's call over: the agent's part is over, into wrap-up (as after a transfer).</summary>
    public CallStateView? OnTakenOver(CallTakenOver m)
    {
        lock (gate)
        {
            if (!agents.TryGetValue(m.AgentId, out var entry) || entry.Call is not { } call || call.CallId != m.CallId
                || call.Phase >= CallPhase.WrapUp)
            {
                return null;
            }

            if (liveCalls.TryGetValue(m.CallId, out var holder) && holder == m.AgentId)
            {
                liveCalls.Remove(m.CallId);
            }

            call.EndedAt = m.OccurredAt;
            call.Outcome = CallOutcome.Answered;
            call.EndedBy = CallParty.Agent;
            call.EndReason = $"taken over by {m.SupervisorId}";
            call.Phase = CallPhase.WrapUp;
            return call.View();
        }
    }
}
