namespace ContactCenter.Routing.Engine;

internal sealed partial class RoutingEngine
{
    /// <summary>Whether a call is waiting, reserved or on a call in this engine (read-only; for the partition gate).</summary>
    public bool KnowsCall(Guid callId) => _calls.ContainsKey(callId);

    /// <summary>Whether this engine has a record of the agent, active or not (read-only; for the partition gate).</summary>
    public bool KnowsAgent(string agentId) => _agentsById.ContainsKey(agentId);
}
