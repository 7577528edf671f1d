namespace ContactCenter.Contracts;

/// <summary>
/// Event (routing): an offer, or a work item an agent held, is no longer theirs: skipped, not accepted in time, or the agent
/// logged out or was removed. It waits in its queue again for the next agent.
/// </summary>
public sealed record OfferWithdrawn
{
    /// <summary>The work item or callback.</summary>
    public required Guid CallId { get; init; }
    /// <summary>The agent it was offered to.</summary>
    public required string AgentId { get; init; }
    /// <summary>The queue it waits in again.</summary>
    public required string Queue { get; init; }
    /// <summary>What was offered.</summary>
    public required OfferKind Offer { get; init; }
    /// <summary>Why, in words: skipped, not accepted in time, agent logged out...</summary>
    public required string Reason { get; init; }
    /// <summary>When routing withdrew it.</summary>
    public required DateTimeOffset OccurredAt { get; init; }
}
