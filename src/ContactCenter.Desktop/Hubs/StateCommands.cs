using ContactCenter.Contracts;
using Microsoft.AspNetCore.SignalR;

namespace ContactCenter.Desktop.Hubs;

/// <summary>Builds and validates <see cref="SetAgentState"/> commands from hub calls.</summary>
internal static class StateCommands
{
    public static SetAgentState Create(string agentId, AgentState state, string? reason, string requestedBy, TimeProvider time)
    {
        if (state is not (AgentState.Available or AgentState.NotReady or AgentState.LoggedOut))
        {
            throw new HubException($"state must be available, notReady or loggedOut (got '{state}').");
        }

        reason = string.IsNullOrWhiteSpace(reason) ? null : reason.Trim();
        if (reason is { Length: > AgentHub.MaxReasonLength })
        {
            throw new HubException($"reason is at most {AgentHub.MaxReasonLength} characters.");
        }

        return new SetAgentState
        {
            AgentId = agentId,
            State = state,
            Reason = state == AgentState.NotReady ? reason ?? "break" : reason,
            RequestedBy = requestedBy,
            OccurredAt = time.GetUtcNow(),
        };
    }
}
