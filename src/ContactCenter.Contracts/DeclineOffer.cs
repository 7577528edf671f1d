namespace ContactCenter.Contracts;

/// <summary>
/// Command (desktop to routing): the agent skips what they were offered. Routing offers it to the next agent and treats the
/// skipping agent like one who missed a ring (<c>missedCallState</c> in queues.yaml); <see cref="OfferWithdrawn"/> follows.
/// </summary>
public sealed record DeclineOffer
{
    /// <summary>The offered work item or callback.</summary>
    public required Guid CallId { get; init; }
    /// <summary>The agent who skips (always the signed-in agent).</summary>
    public required string AgentId { get; init; }
    /// <summary>Why, when the agent said (for the decision log).</summary>
    public string? Reason { get; init; }
    /// <summary>When the agent skipped.</summary>
    public required DateTimeOffset OccurredAt { get; init; }
}
