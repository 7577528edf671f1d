namespace ContactCenter.Contracts;

/// <summary>Event: the agent's phone rang out, was busy or unreachable; routing re-queues the call.</summary>
public sealed record AgentNoAnswer
{
    /// <summary>The call this is about.</summary>
    public required Guid CallId { get; init; }
    /// <summary>The agent who did not answer.</summary>
    public required string AgentId { get; init; }
    /// <summary>Why: ring timeout, busy, not registered, rejected.</summary>
    public required string Reason { get; init; }
    /// <summary>When the ringing stopped.</summary>
    public required DateTimeOffset OccurredAt { get; init; }
}
