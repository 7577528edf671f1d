namespace ContactCenter.Contracts;

/// <summary>
/// Event: the agent blind-transferred the call from their phone (SIP REFER) to a queue or to another
/// agent. The agent's part of the call is over (routing puts them in wrap-up); the caller's leg stays
/// up and the call waits again, keeping its <see cref="CallId"/>, in <see cref="Queue"/>.
/// </summary>
public sealed record CallTransferred
{
    /// <summary>The call this is about.</summary>
    public required Guid CallId { get; init; }
    /// <summary>The agent who transferred the call.</summary>
    public required string AgentId { get; init; }
    /// <summary>The queue the call waits in now (for a transfer to an agent: the call's queue; routing picks one the agent serves when that one is not theirs).</summary>
    public required string Queue { get; init; }
    /// <summary>The agent the call was transferred to, or null for a transfer to a queue.</summary>
    public string? TargetAgentId { get; init; }
    /// <summary>Caller number, E.164 when known.</summary>
    public required string Caller { get; init; }
    /// <summary>The gateway instance holding the call.</summary>
    public required string GatewayId { get; init; }
    /// <summary>The call's path so far, ending with the transfer, e.g. <c>main&gt;2&gt;support&gt;transfer&gt;billing</c>.</summary>
    public required string IvrPath { get; init; }
    /// <summary>Skills the IVR added, kept for the new queue.</summary>
    public IReadOnlyList<SkillLevel> Skills { get; init; } = [];
    /// <summary>Priority set by the IVR.</summary>
    public int Priority { get; init; }
    /// <summary>The customer when identified.</summary>
    public Guid? CustomerId { get; init; }
    /// <summary>The customer's tier when identified.</summary>
    public CustomerTier Tier { get; init; }
    /// <summary>When the agent transferred the call (the call's wait in the new queue starts here).</summary>
    public required DateTimeOffset OccurredAt { get; init; }
}
