namespace ContactCenter.Contracts;

/// <summary>
/// Event (routing): an agent accepted an offer. For a voicemail the agent now works on it (routing keeps them busy as its queue
/// says until <see cref="CompleteWrapUp"/>); for a preview callback the gateway has been told to place it.
/// </summary>
public sealed record OfferAccepted
{
    /// <summary>The work item or callback.</summary>
    public required Guid CallId { get; init; }
    /// <summary>The agent who accepted.</summary>
    public required string AgentId { get; init; }
    /// <summary>The queue it was waiting in.</summary>
    public required string Queue { get; init; }
    /// <summary>What was accepted.</summary>
    public required OfferKind Offer { get; init; }
    /// <summary>When routing took the acceptance.</summary>
    public required DateTimeOffset OccurredAt { get; init; }
}
