namespace ContactCenter.Contracts;

/// <summary>Event: an agent's outbound call was not placed (agent busy, do-not-call customer, no gateway...); the reason is for the agent.</summary>
public sealed record OutboundCallRefused
{
    /// <summary>The call the desktop asked for.</summary>
    public required Guid CallId { get; init; }
    /// <summary>The agent who dialled.</summary>
    public required string AgentId { get; init; }
    /// <summary>The number dialled.</summary>
    public required string Number { get; init; }
    /// <summary>Why, in words the agent can act on.</summary>
    public required string Reason { get; init; }
    /// <summary>When it was refused.</summary>
    public required DateTimeOffset OccurredAt { get; init; }
}
